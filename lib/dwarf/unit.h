/* Units of .debug_info (DWARF 2-5) for info.c and ranges.c: the unit
 * headers of one file, their abbreviation tables, reading DIEs with the
 * attributes kept, and the errors of cached steps. */
#ifndef COR_DWARF_UNIT_H
#define COR_DWARF_UNIT_H

#include "form.h"

/* Attributes kept when a DIE is read. */
enum {
	S_sibling, S_name, S_linkage, S_low, S_high, S_ranges, S_origin, S_spec,
	S_call_file, S_call_line, S_call_col, S_stmt_list, S_comp_dir,
	S_str_base, S_addr_base, S_rng_base, S_dwo, S_language,
	/* call sites: DW_AT_call_return_pc, DW_AT_call_tail_call (GNU too),
	 * DW_AT_call_target (GNU too); DW_AT_call_origin is S_origin */
	S_call_ret, S_tail, S_target,
	/* types and variables (type.c and the variables' readers) */
	S_type, S_byte_size, S_bit_size, S_bit_offset, S_data_bit_offset,
	S_member_loc, S_encoding, S_upper, S_lower, S_count, S_const_value,
	S_location, S_frame_base, S_declaration, S_external, S_artificial,
	S_signature, S_call_value, S_loc_base, NSLOTS
};

struct abbrev_attr {
	uint64_t name, form;
	int64_t implicit;
	int slot;
};

struct abbrev {
	uint64_t code, tag;
	size_t attr, nattr;
	bool children;
};

struct abbrev_table {
	uint64_t off;
	struct abbrev *v;
	size_t n;
	struct abbrev_attr *attrs;
	bool dense;
};

/* Tables found by the section offset they were decoded from (open
 * addressing): entries v[i] with keys[i], cap slots, a power of 2. */
struct off_hash {
	uint64_t *keys;
	void **v;
	size_t n, cap;
};

/* The entry of key for which same(entry, arg) holds (any if same is
 * NULL), or NULL. */
void *off_hash_get(const struct off_hash *h, uint64_t key,
		   bool (*same)(const void *e, const void *arg), const void *arg);
/* Adds e (not NULL) under key; false on no memory. */
bool off_hash_add(struct off_hash *h, uint64_t key, void *e);
void off_hash_free(struct off_hash *h);

struct dfile;
struct func;
struct line_table;

struct cu {
	struct dfile *f;
	uint64_t off, die_off, end, abbrev_off;
	uint16_t version;
	uint8_t unit_type, addr_size, offset_size;
	uint8_t state;             /* 0 not loaded, 1 loaded, 2 bad */
	bool split, partial, have_stmt, cpp;
	bool type_unit;            /* DW_UT_type, or a unit of .debug_types */
	uint16_t lang;             /* DW_AT_language, 0 if none */
	uint64_t sig, type_off;    /* of a type unit: signature, its type's DIE */
	struct abbrev_table *abbrev;
	struct form_ctx fc;        /* reads its DIEs; str_base, addr_base */
	uint64_t base, rng_base, loc_base, stmt_list;
	const char *comp_dir;
	cor_error *err;            /* of loading, kept for the next call */
	/* info.c's caches: the line table and the subprograms */
	bool lines_done, funcs_done;
	bool lines_view;           /* lines is the unit's own view of a shared table */
	struct line_table *lines;
	cor_error *lines_err;
	struct func *funcs;
	size_t nfuncs, funcs_cap;
	cor_error *funcs_err;
};

/* One object's units: the main file or the dwz supplementary file. */
struct dfile {
	const struct dwarf_sections *s;
	uint64_t *budget;          /* range list entries left in this call */
	bool is_alt, units_done;
	bool is_types;             /* s->info is a copy of .debug_types' bytes */
	struct cu *cus;
	size_t ncus, cus_cap;
	cor_error *units_err;      /* kept for the next call */
	struct off_hash abbrevs;   /* one table per .debug_abbrev offset */
	uint64_t abbrev_bytes;     /* of .debug_abbrev read by every table */
};

struct die {
	uint64_t off, next, tag;
	bool children;
	uint64_t have;
	struct dwarf_value a[NSLOTS];
};

#define HAS(d, s) (((d)->have >> (s)) & 1)

/* A copy of err, all of it (code, address, message), for a caller to own:
 * errors of cached steps are kept and handed out again. */
cor_error *dwarf_copy_err(const cor_error *err);
/* Keeps a copy of the first error of a cached step in *slot. */
void dwarf_save_err(cor_error **slot, const cor_error *err);

/* The name of section lit of f, for errors. */
#define SECNAME(f, lit) ((f)->is_alt ? "(supplementary) " lit : lit)

/* A reader over section s of f named name (SECNAME) for its errors. */
void dfile_reader(struct reader *r, const struct dwarf_section *s,
		  const char *name, const struct dfile *f, uint8_t addr_size);
/* Entry idx of size bytes at base of table section s of f. */
bool dfile_index(const struct dfile *f, const struct dwarf_section *s,
		 uint64_t base, uint64_t idx, unsigned size, uint64_t *out);

/* Reads the unit headers of f once. */
cor_error *units_read(struct dfile *f);
/* The unit containing .debug_info offset off, or NULL. */
struct cu *cu_at(struct dfile *f, uint64_t off);
/* Reads the unit's abbreviations and top DIE once. */
cor_error *cu_load(struct cu *cu);
/* Frees what units_read and cu_load made (not info.c's caches). */
void units_free(struct dfile *f);

/* A reader over the unit's DIEs; offsets are of .debug_info. */
void die_reader(const struct cu *cu, struct reader *r);
/* An error at offset off of the unit's section. */
cor_error *unit_err(const struct cu *cu, uint64_t off, const char *what);
/* Reads the DIE at r; a null entry gives tag 0. */
cor_error *die_read(const struct cu *cu, struct reader *r, struct die *d);
/* Steps r over the children of d, which was just read (DW_AT_sibling
 * when usable); deeper than max_depth is a limit error. */
cor_error *die_skip_children(const struct cu *cu, struct reader *r, const struct die *d,
			     uint32_t max_depth);
/* The limit error of DIEs nested deeper than max_depth at off. */
cor_error *die_depth_error(const struct reader *r, uint64_t off, uint32_t max_depth);
/* Reads the DIE at .debug_info offset off of the unit. */
cor_error *die_at(const struct cu *cu, uint64_t off, struct die *d);

/* Values of the unit's DIEs: an address, a string (NULL if none). */
bool val_addr(const struct cu *cu, const struct dwarf_value *v, uint64_t *out);
const char *val_str(const struct cu *cu, const struct dwarf_value *v);

/* info.c's struct dwarf_info, for the other readers of lib/dwarf (type.c
 * and the variables'): its files (alt: the dwz file, NULL if none), the
 * slot type.c keeps its cache in, its limits. */
struct dwarf_info;
struct dwarf_types;
struct dfile *dwarf_info_file(struct dwarf_info *di, bool alt);
struct dwarf_types **dwarf_info_types(struct dwarf_info *di);
const struct limits *dwarf_info_limits(const struct dwarf_info *di);
void dwarf_types_free(struct dwarf_types *t);
/* The unit of the DIE a reference value v of a DIE of cu points to (in the
 * dwz file for DW_FORM_GNU_ref_alt), loaded; its offset in *off. NULL if
 * it cannot be followed. */
struct cu *dwarf_ref_unit(struct dwarf_info *di, const struct cu *cu,
			  const struct dwarf_value *v, uint64_t *off);
/* name prefixed with the namespaces and classes enclosing the DIE at off
 * of cu ("ns::cls::name"); name itself when it cannot be. Owned by di. */
const char *dwarf_qualify(struct dwarf_info *di, const struct cu *cu,
			  uint64_t off, const char *name);

#endif
