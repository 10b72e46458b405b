/* DWARF types (DWARF 2-5, chapter 5): base types, pointers, references,
 * qualifiers, typedefs, enums, structs/unions/classes with their members
 * (bit fields too), arrays, function types; type units (.debug_types and
 * DW_UT_type, found by signature). Shared by the variables' printer and the
 * Go runtime's structures.
 *
 * Types are read lazily from their DIE and cached by DIE offset in the
 * struct dwarf_info they come from: a type is read when first asked for,
 * the types it refers to (a pointer's target, a member's type) only when
 * asked for in turn, so cycles (struct node { struct node *next; }) and
 * hostile graphs (a typedef of itself) cost one node each. Every link
 * accessor returns a type, never NULL: DWT_UNKNOWN (its name says why) for
 * a DIE that cannot be read or a limit reached, DWT_VOID for an absent
 * DW_AT_type. Types and their strings are owned by the dwarf_info and live
 * as long as it. */
#ifndef COR_DWARF_TYPE_H
#define COR_DWARF_TYPE_H

#include "info.h"

enum dwarf_type_kind {
	DWT_UNKNOWN,       /* unreadable, or past a limit: name says why */
	DWT_VOID,          /* no DW_AT_type: void, a function returning nothing */
	DWT_BASE,          /* encoding, size */
	DWT_ENUM,          /* enumerators; target: the underlying type if given */
	DWT_POINTER,       /* target; size: the pointer's */
	DWT_REFERENCE,     /* C++ &: target */
	DWT_RVALUE_REFERENCE,
	DWT_PTR_TO_MEMBER, /* target: the member's type */
	DWT_TYPEDEF,       /* name, target */
	DWT_CONST, DWT_VOLATILE, DWT_RESTRICT, DWT_ATOMIC, /* target */
	DWT_STRUCT, DWT_UNION, DWT_CLASS, /* members */
	DWT_ARRAY,         /* dims, target: the element type */
	DWT_FUNCTION,      /* target: the return type; params */
	DWT_UNSPECIFIED,   /* DW_TAG_unspecified_type (decltype(nullptr)) */
};

struct dwarf_type;
struct cu;
struct dwarf_value;

struct dwarf_member {
	const char *name;          /* NULL for an anonymous member */
	/* Where it is in the containing object: offset bytes, or for a bit
	 * field bit_size bits at bit_offset bits from its start (DWARF 4's
	 * DW_AT_data_bit_offset numbering: from the least significant bit of
	 * byte 0 on little-endian targets, from the most significant on
	 * big-endian ones; DWARF 2's DW_AT_bit_offset is converted).
	 * offset = bit_offset / 8 for every member. */
	uint64_t offset, bit_offset;
	uint32_t bit_size;         /* 0: not a bit field */
	bool offset_known;         /* false: a virtual base (an expression) */
	bool inheritance;          /* DW_TAG_inheritance: a base class */
	bool artificial;           /* compiler-made (_vptr) */
	/* internal: the DW_AT_type reference of a DIE of cu, resolved by
	 * dwarf_member_type */
	uint64_t type_ref;
	uint8_t type_cls;
	const struct cu *cu;
	const struct dwarf_type *type;
};

struct dwarf_enumerator {
	const char *name;
	uint64_t value;            /* as int64_t when the enum is signed */
};

struct dwarf_dim {
	uint64_t count;            /* elements; 0 with !count_known for [] */
	int64_t lower;             /* DW_AT_lower_bound (0 for C) */
	bool count_known;          /* false: flexible, VLA, or an expression */
};

struct dwarf_type {
	enum dwarf_type_kind kind;
	const char *name;          /* DW_AT_name, C++ qualified; NULL if none */
	uint64_t size;             /* DW_AT_byte_size (pointers: the address size) */
	bool has_size;
	bool declaration;          /* an incomplete type: no members known */
	bool is_signed;            /* DWT_BASE of a signed encoding; DWT_ENUM
				    * with a signed underlying type or value */
	uint8_t encoding;          /* DW_ATE_* of DWT_BASE */
	bool variadic;             /* DWT_FUNCTION with unspecified parameters */
	bool big_endian;           /* of the object the type is in */
	uint8_t addr_size;
	uint64_t die;              /* the DIE offset (in the unit's section) */
	struct dwarf_member *members;
	size_t nmembers;
	struct dwarf_enumerator *enums;
	size_t nenums;
	struct dwarf_dim *dims;    /* outermost first */
	size_t ndims;
	struct dwarf_member *params; /* DWT_FUNCTION: name NULL, type links */
	size_t nparams;
	/* internal: links, resolved by dwarf_type_target */
	uint64_t target_ref;
	uint8_t target_cls;
	const struct cu *cu;
	const struct dwarf_type *target;
};

/* The type whose DIE is referenced by value v (a DW_AT_type of a DIE of
 * cu: DW_FORM_ref*, ref_addr, ref_sig8, GNU_ref_alt). Internal to
 * lib/dwarf (the variables' reader has cu and value). */
const struct dwarf_type *dwarf_type_of(struct dwarf_info *di, const struct cu *cu,
				       const struct dwarf_value *v);

/* The type at .debug_info offset die_off (of the supplementary file when
 * alt). */
const struct dwarf_type *dwarf_type_at(struct dwarf_info *di, bool alt,
				       uint64_t die_off);

/* A named type defined in any unit (not a declaration): a struct, union,
 * class, enum, typedef or base type whose name (C++: qualified with its
 * namespaces and classes, "ns::cls") is name. Go's "runtime.g" is found by
 * its DW_AT_name. NULL if none. The first call indexes every unit's named
 * types (bounded by the limits). */
const struct dwarf_type *dwarf_type_find(struct dwarf_info *di, const char *name);

/* Links: the target of a pointer, reference, typedef, qualifier, array
 * (element), function (return), enum (underlying; DWT_VOID if none). */
const struct dwarf_type *dwarf_type_target(struct dwarf_info *di, const struct dwarf_type *t);
/* The type of member m of a type of di (params too). */
const struct dwarf_type *dwarf_member_type(struct dwarf_info *di,
					   const struct dwarf_member *m);

/* t without typedefs and qualifiers (bounded: a cycle gives DWT_UNKNOWN). */
const struct dwarf_type *dwarf_type_strip(struct dwarf_info *di, const struct dwarf_type *t);

/* The member named name of struct/union/class t (through typedefs and
 * qualifiers), looking into anonymous members; its offset from the start
 * of t in *offset. NULL if none. */
const struct dwarf_member *dwarf_type_member(struct dwarf_info *di,
					     const struct dwarf_type *t,
					     const char *name, uint64_t *offset);

/* The size in bytes of an object of type t (through typedefs, qualifiers,
 * arrays of known count); false if unknown. */
bool dwarf_type_size(struct dwarf_info *di, const struct dwarf_type *t, uint64_t *size);

/* t's name as C/C++ writes it: "int", "struct node *", "const char *",
 * "int [4][2]", "void (*)(int, char *)", "unsigned char (&)[16]"; appended
 * to sb. */
void dwarf_type_name(struct dwarf_info *di, const struct dwarf_type *t, struct strbuf *sb);

/* Bit field m's bits from the bytes of the object containing it (len
 * bytes, in the target's order): false if they are not all in obj. The
 * value is zero-extended; sign-extend by the member type's is_signed. */
bool dwarf_bitfield(const struct dwarf_member *m, bool big_endian,
		    const uint8_t *obj, size_t len, uint64_t *out);

#endif
