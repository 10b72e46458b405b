/* Location lists: .debug_loc (DWARF 2-4: address pairs relative to the
 * unit's base, (max, addr) selecting a new base, (0, 0) ending it) and
 * .debug_loclists (DWARF 5: DW_LLE_* entries, counted descriptions). Every
 * entry consumes bytes of the list, so a walk ends within its section. */
#include "loc.h"

static cor_error *trunc_err(struct reader *r)
{
	return reader_error(r, "truncated location list");
}

/* One entry's expression: a 2-byte (DWARF 2-4) or ULEB128 (DWARF 5)
 * length, then its bytes. */
static bool counted(struct reader *r, bool uleb, const uint8_t **expr, size_t *len)
{
	uint64_t n;
	uint16_t n16;
	if (uleb ? !reader_uleb(r, &n) : !(reader_u16(r, &n16) && ((n = n16), true)))
		return false;
	if (n > reader_left(r))
		return false;
	*len = (size_t)n;
	return reader_bytes(r, (size_t)n, expr);
}

static cor_error *loc_v4(const struct cu *cu, uint64_t off, uint64_t pc,
			 const uint8_t **expr, size_t *len, bool *found)
{
	const struct dfile *f = cu->f;
	uint64_t sel = cu->addr_size == 8 ? UINT64_MAX : ((uint64_t)1 << (cu->addr_size * 8)) - 1;
	uint64_t base = cu->base, a, b;
	struct reader r;
	dfile_reader(&r, &f->s->loc, SECNAME(f, ".debug_loc"), f, cu->addr_size);
	if (!reader_seek(&r, off))
		return reader_error_at(&r, off, "location list offset out of range");
	for (;;) {
		const uint8_t *e;
		size_t n;
		if (!reader_addr(&r, &a) || !reader_addr(&r, &b))
			return trunc_err(&r);
		if (!a && !b)
			return NULL;
		if (a == sel) {
			base = b;
			continue;
		}
		if (!counted(&r, false, &e, &n))
			return trunc_err(&r);
		if (pc >= base + a && pc < base + b) {
			*expr = e;
			*len = n;
			*found = true;
			return NULL;
		}
	}
}

static cor_error *loc_v5(const struct cu *cu, uint64_t off, uint64_t pc,
			 const uint8_t **expr, size_t *len, bool *found)
{
	const struct dfile *f = cu->f;
	uint64_t base = cu->base, a, b;
	const uint8_t *dflt = NULL;
	size_t ndflt = 0;
	struct reader r;
	uint8_t kind;
	dfile_reader(&r, &f->s->loclists, SECNAME(f, ".debug_loclists"), f, cu->addr_size);
	if (!reader_seek(&r, off))
		return reader_error_at(&r, off, "location list offset out of range");
	for (;;) {
		const uint8_t *e;
		size_t n;
		if (!reader_u8(&r, &kind))
			return trunc_err(&r);
		switch (kind) {
		case DW_LLE_end_of_list:
			if (dflt) {
				*expr = dflt;
				*len = ndflt;
				*found = true;
			}
			return NULL;
		case DW_LLE_base_addressx:
			if (!reader_uleb(&r, &a))
				return trunc_err(&r);
			if (!dfile_index(f, &f->s->addr, cu->fc.addr_base, a, cu->addr_size, &base))
				return reader_error(&r, "bad address index");
			continue;
		case DW_LLE_base_address:
			if (!reader_addr(&r, &base))
				return trunc_err(&r);
			continue;
		case DW_LLE_startx_endx:
		case DW_LLE_startx_length:
			if (!reader_uleb(&r, &a) || !reader_uleb(&r, &b))
				return trunc_err(&r);
			if (!dfile_index(f, &f->s->addr, cu->fc.addr_base, a, cu->addr_size, &a) ||
			    (kind == DW_LLE_startx_endx &&
			     !dfile_index(f, &f->s->addr, cu->fc.addr_base, b, cu->addr_size, &b)))
				return reader_error(&r, "bad address index");
			if (kind == DW_LLE_startx_length)
				b += a;
			break;
		case DW_LLE_offset_pair:
			if (!reader_uleb(&r, &a) || !reader_uleb(&r, &b))
				return trunc_err(&r);
			a += base;
			b += base;
			break;
		case DW_LLE_default_location:
			a = b = 0;
			break;
		case DW_LLE_start_end:
			if (!reader_addr(&r, &a) || !reader_addr(&r, &b))
				return trunc_err(&r);
			break;
		case DW_LLE_start_length:
			if (!reader_addr(&r, &a) || !reader_uleb(&r, &b))
				return trunc_err(&r);
			b += a;
			break;
		default:
			return reader_error_at(&r, reader_off(&r) - 1,
					       "unknown location list entry kind 0x%x", kind);
		}
		if (!counted(&r, true, &e, &n))
			return trunc_err(&r);
		if (kind == DW_LLE_default_location) {
			dflt = e;
			ndflt = n;
		} else if (pc >= a && pc < b) {
			*expr = e;
			*len = n;
			*found = true;
			return NULL;
		}
	}
}

cor_error *dwarf_loc_expr(const struct cu *cu, const struct dwarf_value *v, uint64_t pc,
			  const uint8_t **expr, size_t *len, bool *found)
{
	uint64_t off;
	*expr = NULL;
	*len = 0;
	*found = false;
	switch (v->cls) {
	case DW_V_BLOCK:
		*expr = (const uint8_t *)v->s;
		*len = (size_t)v->u;
		*found = true;
		return NULL;
	case DW_V_LOCLISTX:
		if (!dfile_index(cu->f, &cu->f->s->loclists, cu->loc_base, v->u,
				 cu->offset_size, &off))
			return unit_err(cu, cu->die_off, "bad DW_FORM_loclistx index");
		return loc_v5(cu, cu->loc_base + off, pc, expr, len, found);
	case DW_V_SECOFF:
	case DW_V_CONST:
		/* DWARF 2-3 wrote list offsets as data4/data8 */
		return cu->version >= 5 ? loc_v5(cu, v->u, pc, expr, len, found)
					: loc_v4(cu, v->u, pc, expr, len, found);
	default:
		return unit_err(cu, cu->die_off, "location of an unexpected form");
	}
}
