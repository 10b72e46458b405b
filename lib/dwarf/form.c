/* Attribute forms (DWARF 5, 7.5.5-7.5.6): the one decoder of values, for
 * info.c and line.c, and the strings and table entries of the sections
 * they point to. */
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>
#include "form.h"

/* DW_FORM_indirect chains followed for one value. */
#define MAX_INDIRECT 8

bool dwarf_sec_str(const struct dwarf_section *s, uint64_t off, const char **out)
{
	if (!s->data || off >= s->size)
		return false;
	const char *p = (const char *)s->data + off;
	if (!memchr(p, 0, s->size - off))
		return false;
	*out = p;
	return true;
}

bool dwarf_sec_index(const struct dwarf_section *s, bool be, uint64_t base,
		     uint64_t idx, unsigned size, uint64_t *out)
{
	struct reader r;
	dwarf_reader(&r, s, be, 8);
	if (idx > UINT64_MAX / size)
		return false;
	return reader_seek(&r, base) && reader_skip(&r, idx * size) &&
	       reader_uint(&r, size, out);
}

bool dwarf_strx(const struct dwarf_sections *secs, uint64_t base, uint64_t idx,
		unsigned offset_size, const char **out)
{
	uint64_t off;
	return dwarf_sec_index(&secs->str_offsets, secs->be, base, idx,
			       offset_size, &off) &&
	       dwarf_sec_str(&secs->str, off, out);
}

cor_error *dwarf_form_read(const struct form_ctx *c, struct reader *r,
			   uint64_t form, int64_t implicit, struct dwarf_value *v)
{
	uint64_t n;
	unsigned hops = 0;
	v->s = NULL;
	v->u = 0;
	while (form == DW_FORM_indirect) {
		if (hops++ >= MAX_INDIRECT || !reader_uleb(r, &form))
			return reader_error(r, "bad DW_FORM_indirect");
		if (form == DW_FORM_implicit_const)
			return reader_error(r, "DW_FORM_implicit_const via DW_FORM_indirect");
	}
	switch (form) {
	case DW_FORM_addr:
		v->cls = DW_V_ADDR;
		n = c->addr_size;
		goto fixed;
	case DW_FORM_addrx: case DW_FORM_GNU_addr_index:
		v->cls = DW_V_ADDRX;
		goto uleb;
	case DW_FORM_addrx1: case DW_FORM_addrx2: case DW_FORM_addrx3: case DW_FORM_addrx4:
		v->cls = DW_V_ADDRX;
		n = form - DW_FORM_addrx1 + 1;
		goto fixed;
	case DW_FORM_block1: n = 1; goto block;
	case DW_FORM_block2: n = 2; goto block;
	case DW_FORM_block4: n = 4; goto block;
	case DW_FORM_block: case DW_FORM_exprloc:
		v->cls = DW_V_BLOCK;
		if (!reader_uleb(r, &v->u) || (v->s = (const char *)r->pos, !reader_skip(r, v->u)))
			goto trunc;
		return NULL;
	case DW_FORM_data1: case DW_FORM_flag: v->cls = DW_V_CONST; n = 1; goto fixed;
	case DW_FORM_data2: v->cls = DW_V_CONST; n = 2; goto fixed;
	case DW_FORM_data4: v->cls = DW_V_CONST; n = 4; goto fixed;
	case DW_FORM_data8: v->cls = DW_V_CONST; n = 8; goto fixed;
	case DW_FORM_data16:
		v->cls = DW_V_BLOCK;
		v->u = 16;
		if (!reader_skip(r, 16))
			goto trunc;
		return NULL;
	case DW_FORM_sdata:
		v->cls = DW_V_CONST;
		if (!reader_sleb(r, (int64_t *)&v->u))
			goto trunc;
		return NULL;
	case DW_FORM_udata:
		v->cls = DW_V_CONST;
		goto uleb;
	case DW_FORM_flag_present:
		v->cls = DW_V_CONST;
		v->u = 1;
		return NULL;
	case DW_FORM_implicit_const:
		v->cls = DW_V_CONST;
		v->u = (uint64_t)implicit;
		return NULL;
	case DW_FORM_sec_offset:
		v->cls = DW_V_SECOFF;
		n = c->offset_size;
		goto fixed;
	case DW_FORM_ref1: case DW_FORM_ref2: case DW_FORM_ref4: case DW_FORM_ref8:
		n = form == DW_FORM_ref1 ? 1 : form == DW_FORM_ref2 ? 2 :
		    form == DW_FORM_ref4 ? 4 : 8;
		if (!reader_uint(r, (unsigned)n, &v->u))
			goto trunc;
		goto local_ref;
	case DW_FORM_ref_udata:
		if (!reader_uleb(r, &v->u))
			goto trunc;
	local_ref:
		v->cls = DW_V_REF;
		v->u = v->u < c->unit_end - c->unit_off ? c->unit_off + v->u : UINT64_MAX;
		return NULL;
	case DW_FORM_ref_addr:
		v->cls = DW_V_REF;
		n = c->version <= 2 ? c->addr_size : c->offset_size;
		goto fixed;
	case DW_FORM_ref_sig8:
		v->cls = DW_V_REF_SIG;
		n = 8;
		goto fixed;
	case DW_FORM_ref_sup4: v->cls = DW_V_REF_ALT; n = 4; goto fixed;
	case DW_FORM_ref_sup8: v->cls = DW_V_REF_ALT; n = 8; goto fixed;
	case DW_FORM_GNU_ref_alt: v->cls = DW_V_REF_ALT; n = c->offset_size; goto fixed;
	case DW_FORM_string:
		v->cls = DW_V_STR;
		return reader_cstr(r, &v->s) ? NULL : reader_error(r, "unterminated string");
	case DW_FORM_strp: v->cls = DW_V_STRP; n = c->offset_size; goto fixed;
	case DW_FORM_line_strp: v->cls = DW_V_LINE_STRP; n = c->offset_size; goto fixed;
	case DW_FORM_strp_sup: case DW_FORM_GNU_strp_alt:
		v->cls = DW_V_STRP_ALT;
		n = c->offset_size;
		goto fixed;
	case DW_FORM_strx: case DW_FORM_GNU_str_index:
		v->cls = DW_V_STRX;
		goto uleb;
	case DW_FORM_strx1: case DW_FORM_strx2: case DW_FORM_strx3: case DW_FORM_strx4:
		v->cls = DW_V_STRX;
		n = form - DW_FORM_strx1 + 1;
		goto fixed;
	case DW_FORM_rnglistx: v->cls = DW_V_RNGLISTX; goto uleb;
	case DW_FORM_loclistx: v->cls = DW_V_LOCLISTX; goto uleb;
	default:
		return reader_error(r, "unknown attribute form 0x%" PRIx64, form);
	}
block:
	v->cls = DW_V_BLOCK;
	if (!reader_uint(r, (unsigned)n, &v->u) || (v->s = (const char *)r->pos, !reader_skip(r, v->u)))
		goto trunc;
	return NULL;
fixed:
	if (!reader_uint(r, (unsigned)n, &v->u))
		goto trunc;
	return NULL;
uleb:
	if (!reader_uleb(r, &v->u))
		goto trunc;
	return NULL;
trunc:
	return reader_error(r, "%s", c->truncated ? c->truncated : "truncated attribute");
}

cor_error *dwarf_form_skip(const struct form_ctx *c, struct reader *r,
			   uint64_t form, int64_t implicit)
{
	struct dwarf_value v;
	return dwarf_form_read(c, r, form, implicit, &v);
}

bool dwarf_value_str(const struct form_ctx *c, const struct dwarf_value *v,
		     const char **out)
{
	const struct dwarf_sections *s = c->secs;
	switch (v->cls) {
	case DW_V_STR:
		*out = v->s;
		return true;
	case DW_V_STRP:
		return dwarf_sec_str(&s->str, v->u, out);
	case DW_V_LINE_STRP:
		return dwarf_sec_str(&s->line_str, v->u, out);
	case DW_V_STRP_ALT:
		return !c->is_alt && s->alt && dwarf_sec_str(&s->alt->str, v->u, out);
	case DW_V_STRX:
		return dwarf_strx(s, c->str_base, v->u, c->offset_size, out);
	default:
		return false;
	}
}

bool dwarf_value_addr(const struct form_ctx *c, const struct dwarf_value *v,
		      uint64_t *out)
{
	if (v->cls == DW_V_ADDR) {
		*out = v->u;
		return true;
	}
	return v->cls == DW_V_ADDRX &&
	       dwarf_sec_index(&c->secs->addr, c->secs->be, c->addr_base, v->u,
			       c->addr_size, out);
}

bool dwarf_value_const(const struct dwarf_value *v, uint64_t *out)
{
	if (v->cls != DW_V_CONST)
		return false;
	*out = v->u;
	return true;
}
