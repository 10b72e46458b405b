/* Location lists (DWARF 5, 2.6.2): the location description of a DIE's
 * DW_AT_location (or DW_AT_frame_base) that holds at one pc, from an
 * exprloc, a .debug_loc list (DWARF 2-4, with base address selection
 * entries) or a .debug_loclists list (DWARF 5, DW_LLE_*, and
 * DW_FORM_loclistx through the unit's DW_AT_loclists_base). */
#ifndef COR_DWARF_LOC_H
#define COR_DWARF_LOC_H

#include "unit.h"

/* The expression of location attribute v of a DIE of cu at link-time pc:
 * *expr and *len (in the section's bytes, owned by the sections); *found
 * false when no entry of a list covers pc (the object has no location
 * there: optimized out). Bounded by the list's bytes. */
cor_error *dwarf_loc_expr(const struct cu *cu, const struct dwarf_value *v, uint64_t pc,
			  const uint8_t **expr, size_t *len, bool *found);

#endif
