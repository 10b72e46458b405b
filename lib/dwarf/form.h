/* Attribute values (DWARF 5, 7.5.5): the one decoder of attribute forms,
 * for the DIEs of .debug_info and the entry formats of .debug_line, and
 * the strings and addresses that values point to in other sections. */
#ifndef COR_DWARF_FORM_H
#define COR_DWARF_FORM_H

#include "dwarf.h"
#include "dw.h"

/* What a value is, whatever form encoded it. */
enum dwarf_vclass {
	DW_V_ADDR = 1, DW_V_ADDRX, DW_V_CONST, DW_V_BLOCK, DW_V_SECOFF, DW_V_REF,
	DW_V_REF_ALT, DW_V_REF_SIG, DW_V_STR, DW_V_STRP, DW_V_LINE_STRP,
	DW_V_STRP_ALT, DW_V_STRX, DW_V_RNGLISTX, DW_V_LOCLISTX,
};

/* u: the address, constant, offset, index or block length; s: the string
 * of DW_FORM_string, or the bytes of a block (u of them). DW_V_REF holds the .debug_info offset (UINT64_MAX
 * for a unit-relative reference past the unit). */
struct dwarf_value {
	enum dwarf_vclass cls;
	uint64_t u;
	const char *s;
};

/* The unit (or line program) values are read in. */
struct form_ctx {
	const struct dwarf_sections *secs;
	bool is_alt;                   /* secs is the dwz file: no *_alt strings */
	uint16_t version;
	uint8_t addr_size, offset_size;
	uint64_t unit_off, unit_end;   /* for DW_FORM_ref1..ref_udata */
	uint64_t str_base, addr_base;  /* for DW_FORM_strx*, DW_FORM_addrx* */
	const char *truncated;         /* the message for a value cut short */
};

/* Reads one value of form at r (following DW_FORM_indirect); implicit is
 * the abbreviation's constant for DW_FORM_implicit_const. Errors name r's
 * place (reader_where). */
cor_error *dwarf_form_read(const struct form_ctx *c, struct reader *r,
			   uint64_t form, int64_t implicit, struct dwarf_value *out);

/* Steps over one value of form. */
cor_error *dwarf_form_skip(const struct form_ctx *c, struct reader *r,
			   uint64_t form, int64_t implicit);

/* The string of a string-class value; false if v is none or out of range. */
bool dwarf_value_str(const struct form_ctx *c, const struct dwarf_value *v,
		     const char **out);

/* The address of DW_V_ADDR / DW_V_ADDRX; false otherwise. */
bool dwarf_value_addr(const struct form_ctx *c, const struct dwarf_value *v,
		      uint64_t *out);

/* The constant of DW_V_CONST; false otherwise. */
bool dwarf_value_const(const struct dwarf_value *v, uint64_t *out);

#endif
