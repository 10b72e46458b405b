/* The variables of a frame (DWARF 5, 3.3.8, 3.4, 4.1): for a link-time pc
 * and a scope level of it (an inline instance, or the subprogram), the
 * formal parameters, then the variables of every lexical block holding pc,
 * innermost block first, with names and types found through
 * DW_AT_abstract_origin / DW_AT_specification; each variable's location
 * description at pc. And the values a caller's call site passed
 * (DW_TAG_call_site_parameter) for DW_OP_entry_value. */
#ifndef COR_DWARF_VARS_H
#define COR_DWARF_VARS_H

#include "info.h"
#include "unit.h"

struct dwarf_var {
	const char *name;          /* owned by the dwarf_info; "?" if none */
	bool is_param;
	const struct cu *cu;       /* of the DIE */
	uint64_t die;
	/* the type: value type_v of a DIE of type_cu (dwarf_type_of) */
	const struct cu *type_cu;
	struct dwarf_value type_v;
	bool has_type;
	/* the location at pc (expr, len in the section's bytes): has_loc
	 * false when the DIE has none, or a list has no entry for pc */
	bool has_loc;
	const uint8_t *expr;
	size_t len;
	bool has_const;            /* DW_AT_const_value instead */
	struct dwarf_value cval;
	const char *loc_err;       /* why the location could not be read, or NULL */
	bool has_loc_attr;         /* DW_AT_location: loc_attr, for other pcs */
	struct dwarf_value loc_attr;
};

struct dwarf_frame_vars {
	struct dwarf_var *v;       /* malloc'd: free(v) */
	size_t n;
	size_t nparams;            /* the first nparams are parameters */
	const struct cu *cu;       /* NULL: no DWARF subprogram at pc */
	/* the subprogram's DW_AT_frame_base at pc */
	bool has_fb;
	const uint8_t *fb;
	size_t fb_len;
	bool truncated;            /* over the limit of variables a frame */
};

/* The variables of scope level `level' at link-time pc: 0 the innermost
 * inline instance ... nlevels - 1 the subprogram (as dwarf_info_scopes
 * orders them); a level past the inline chain is the subprogram. */
cor_error *dwarf_frame_vars(struct dwarf_info *di, uint64_t pc, size_t level,
			    struct dwarf_frame_vars *out);

/* The DW_AT_call_value expression of the parameter passed in DWARF
 * register regno at the call site of the subprogram holding link-time pc
 * whose return address is link-time ret: *found false if there is none. */
cor_error *dwarf_call_value(struct dwarf_info *di, uint64_t pc, uint64_t ret, uint64_t regno,
			    const struct cu **cu, const uint8_t **expr, size_t *len, bool *found);

/* The variable (or parameter) whose DIE is at .debug_info offset off
 * (DW_OP_implicit_pointer's target), its location at link-time pc. */
cor_error *dwarf_var_at(struct dwarf_info *di, const struct cu *cu, uint64_t off, uint64_t pc,
			struct dwarf_var *out);

/* The global (file-scope) variable named name, defined in any unit of the
 * main file (its DW_AT_location or DW_AT_const_value; the name through
 * DW_AT_specification): *found false if none. The location is the
 * exprloc (globals have no lists). Bounded by the units' bytes. */
cor_error *dwarf_global_var(struct dwarf_info *di, const char *name, struct dwarf_var *out,
			    bool *found);

#endif
