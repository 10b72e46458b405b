/* Address ranges (DWARF 5, 2.17 and 7.25): a DIE's low_pc/high_pc, its
 * .debug_ranges (v2-4) or .debug_rnglists (v5) list, and the index of
 * which unit covers an address, from .debug_aranges (6.1.2) or the units'
 * top DIEs; and sorted span tables. */
#include <stdlib.h>
#include <string.h>
#include "ranges.h"

/* ---- address ranges (2.17, 7.25) ---------------------------------------- */

static bool spend(const struct cu *cu)
{
	uint64_t *budget = cu->f->budget;
	if (!*budget)
		return false;
	(*budget)--;
	return true;
}

static cor_error *budget_err(const struct reader *r)
{
	return dwarf_limit_error(reader_error(r, "too many range list entries in one lookup"));
}

static cor_error *rnglists(const struct cu *cu, uint64_t off, range_fn *fn, void *arg)
{
	struct reader r;
	uint64_t base = cu->base, a, b;
	uint8_t kind;
	const struct dfile *f = cu->f;
	dfile_reader(&r, &f->s->rnglists, SECNAME(f, ".debug_rnglists"), f, cu->addr_size);
	if (!reader_seek(&r, off))
		return reader_error_at(&r, off, "offset out of range");
	for (;;) {
		if (!spend(cu))
			return budget_err(&r);
		if (!reader_u8(&r, &kind))
			goto trunc;
		switch (kind) {
		case DW_RLE_end_of_list:
			return NULL;
		case DW_RLE_base_addressx:
			if (!reader_uleb(&r, &a))
				goto trunc;
			if (!dfile_index(f, &f->s->addr, cu->fc.addr_base, a, cu->addr_size, &base))
				goto badx;
			continue;
		case DW_RLE_startx_endx:
		case DW_RLE_startx_length:
			if (!reader_uleb(&r, &a) || !reader_uleb(&r, &b))
				goto trunc;
			if (!dfile_index(f, &f->s->addr, cu->fc.addr_base, a, cu->addr_size, &a) ||
			    (kind == DW_RLE_startx_endx &&
			     !dfile_index(f, &f->s->addr, cu->fc.addr_base, b, cu->addr_size, &b)))
				goto badx;
			if (kind == DW_RLE_startx_length)
				b += a;
			break;
		case DW_RLE_offset_pair:
			if (!reader_uleb(&r, &a) || !reader_uleb(&r, &b))
				goto trunc;
			a += base;
			b += base;
			break;
		case DW_RLE_base_address:
			if (!reader_addr(&r, &base))
				goto trunc;
			continue;
		case DW_RLE_start_end:
			if (!reader_addr(&r, &a) || !reader_addr(&r, &b))
				goto trunc;
			break;
		case DW_RLE_start_length:
			if (!reader_addr(&r, &a) || !reader_uleb(&r, &b))
				goto trunc;
			b += a;
			break;
		default:
			return reader_error_at(&r, reader_off(&r) - 1,
					       "unknown entry kind 0x%x", kind);
		}
		if (a < b && !fn(arg, a, b))
			return NULL;
	}
trunc:
	return reader_error(&r, "truncated list");
badx:
	return reader_error(&r, "bad address index");
}

static cor_error *ranges_v4(const struct cu *cu, uint64_t off, range_fn *fn, void *arg)
{
	struct reader r;
	uint64_t base = cu->base, a, b;
	uint64_t sel = cu->addr_size == 8 ? UINT64_MAX : ((uint64_t)1 << (cu->addr_size * 8)) - 1;
	const struct dfile *f = cu->f;
	dfile_reader(&r, &f->s->ranges, SECNAME(f, ".debug_ranges"), f, cu->addr_size);
	if (!reader_seek(&r, off))
		return reader_error_at(&r, off, "offset out of range");
	for (;;) {
		if (!spend(cu))
			return budget_err(&r);
		if (!reader_addr(&r, &a) || !reader_addr(&r, &b))
			return reader_error(&r, "truncated list");
		if (!a && !b)
			return NULL;
		if (a == sel) {
			base = b;
			continue;
		}
		if (a < b && !fn(arg, base + a, base + b))
			return NULL;
	}
}

cor_error *die_ranges(const struct cu *cu, const struct die *d,
			     range_fn *fn, void *arg, bool *have)
{
	uint64_t lo, hi, off;
	*have = false;
	if (HAS(d, S_low) && HAS(d, S_high)) {
		if (!val_addr(cu, &d->a[S_low], &lo))
			return unit_err(cu, d->off, "bad DW_AT_low_pc");
		if (dwarf_value_const(&d->a[S_high], &hi))
			hi += lo;
		else if (!val_addr(cu, &d->a[S_high], &hi))
			return unit_err(cu, d->off, "bad DW_AT_high_pc");
		*have = true;
		if (lo < hi)
			fn(arg, lo, hi);
		return NULL;
	}
	if (!HAS(d, S_ranges))
		return NULL;
	*have = true;
	const struct dwarf_value *v = &d->a[S_ranges];
	if (v->cls == DW_V_RNGLISTX) {
		if (!dfile_index(cu->f, &cu->f->s->rnglists, cu->rng_base, v->u,
			       cu->offset_size, &off))
			return unit_err(cu, d->off, "bad DW_FORM_rnglistx index");
		off += cu->rng_base;
	} else if (v->cls == DW_V_SECOFF || v->cls == DW_V_CONST) {
		off = v->u;
	} else {
		return unit_err(cu, d->off, "bad DW_AT_ranges form");
	}
	if (cu->version >= 5)
		return rnglists(cu, off, fn, arg);
	return ranges_v4(cu, off, fn, arg);
}

bool contains_fn(void *arg, uint64_t lo, uint64_t hi)
{
	struct contains_arg *c = arg;
	if (!c->any) {
		c->any = true;
		c->first = lo;
	}
	if (c->pc >= lo && c->pc < hi)
		c->in = true;
	return true;
}

/* ---- index: address -> unit ------------------------------------------ */

struct index_arg {
	struct cu_index *ix;
	size_t cu;
	bool oom;
};

static bool index_add(void *arg, uint64_t lo, uint64_t hi)
{
	struct index_arg *a = arg;
	struct cu_index *ix = a->ix;
	if (!COR_GROW(ix->ar, ix->ar_cap, ix->nar + 1)) {
		a->oom = true;
		return false;
	}
	ix->ar[ix->nar++] = (struct arange){ .sp = { lo, hi, 0 }, .cu = a->cu };
	return true;
}

/* .debug_aranges (6.1.2); false if absent or inconsistent with the units. */
static bool aranges_read(struct cu_index *ix, struct dfile *f, bool *covered)
{
	struct reader r, set;
	struct index_arg ia = { .ix = ix };
	dfile_reader(&r, &f->s->aranges, SECNAME(f, ".debug_aranges"), f, 8);
	if (!f->s->aranges.data)
		return false;
	while (!reader_at_end(&r)) {
		uint64_t len, info_off, a, n, seg;
		uint16_t version;
		uint8_t asz, ssz, osz = 4;
		size_t start = reader_off(&r);
		struct cu *cu;
		if (!reader_uint(&r, 4, &len))
			return false;
		if (len == 0xffffffff && (osz = 8) && !reader_uint(&r, 8, &len))
			return false;
		if (reader_left(&r) < len)
			return false;
		set = r;
		set.end = r.pos + len;
		r.pos = set.end;
		if (!reader_u16(&set, &version) || version != 2 ||
		    !reader_uint(&set, osz, &info_off) || !reader_u8(&set, &asz) ||
		    !reader_u8(&set, &ssz) || (asz != 4 && asz != 8) || ssz > 8)
			return false;
		if (!(cu = cu_at(f, info_off)) || cu->off != info_off ||
		    cu->addr_size != asz)
			return false;
		set.addr_size = asz;
		size_t tuple = 2u * asz + ssz, used = reader_off(&set) - start;
		if (!reader_skip(&set, (tuple - used % tuple) % tuple))
			return false;
		ia.cu = (size_t)(cu - f->cus);
		covered[ia.cu] = true;
		for (;;) {
			if ((ssz && !reader_uint(&set, ssz, &seg)) ||
			    !reader_addr(&set, &a) || !reader_addr(&set, &n))
				break;
			if (!a && !n)
				break;
			if (n && a + n > a && !index_add(&ia, a, a + n))
				return false;
		}
	}
	return true;
}

static int arange_cmp(const void *a, const void *b)
{
	const struct arange *x = a, *y = b;
	if (x->sp.lo != y->sp.lo)
		return x->sp.lo < y->sp.lo ? -1 : 1;
	return x->cu < y->cu ? -1 : x->cu > y->cu;
}

/* Units not in .debug_aranges: their top DIE's ranges. */
static cor_error *index_unit(struct cu_index *ix, struct dfile *f, size_t i)
{
	struct cu *cu = &f->cus[i];
	struct index_arg ia = { .ix = ix, .cu = i };
	struct die d;
	bool have;
	cor_error *err;
	if (cu->type_unit)
		return NULL;    /* no code */
	if ((err = cu_load(cu)) ||
	    (!cu->partial && ((err = die_at(cu, cu->die_off, &d)) ||
			      (err = die_ranges(cu, &d, index_add, &ia, &have))))) {
		if (err == &cor_enomem)
			return err;
		dwarf_save_err(&ix->err, err);
		cor_error_free(err);
		return NULL;
	}
	if (cu->partial)
		return NULL;
	if (ia.oom)
		return &cor_enomem;
	if (!have && !cu->split) {
		if (!COR_GROW(ix->nocov, ix->nocov_cap, ix->nnocov + 1))
			return &cor_enomem;
		ix->nocov[ix->nnocov++] = i;
	}
	return NULL;
}

cor_error *cu_index_build(struct cu_index *ix, struct dfile *f)
{
	bool *covered;
	cor_error *err = NULL;
	if (ix->indexed)
		return NULL;
	if ((err = units_read(f)) == &cor_enomem)
		return err;
	dwarf_save_err(&ix->err, err);
	cor_error_free(err);
	err = NULL;
	if (!(covered = cor_calloc(f->ncus, sizeof(bool))))
		return &cor_enomem;
	if (!aranges_read(ix, f, covered)) {
		ix->nar = 0;
		memset(covered, 0, f->ncus * sizeof(bool));
	}
	for (size_t i = 0; i < f->ncus && !err; i++)
		if (!covered[i])
			err = index_unit(ix, f, i);
	free(covered);
	if (err) {
		ix->nar = ix->nnocov = 0;
		return err;
	}
	dwarf_spans_sort(ix->ar, ix->nar, sizeof(*ix->ar), arange_cmp);
	ix->indexed = true;
	return NULL;
}

size_t cu_index_find(const struct cu_index *ix, uint64_t pc, size_t *out, size_t max)
{
	size_t n = 0;
	for (size_t i = COR_UPPER_BOUND(ix->ar, ix->nar, .sp.lo, pc);
	     i-- > 0 && ix->ar[i].sp.maxhi > pc && n < max;) {
		if (pc >= ix->ar[i].sp.hi)
			continue;
		bool dup = false;
		for (size_t k = 0; k < n; k++)
			dup |= out[k] == ix->ar[i].cu;
		if (!dup)
			out[n++] = ix->ar[i].cu;
	}
	return n;
}


void cu_index_free(struct cu_index *ix)
{
	free(ix->ar);
	free(ix->nocov);
	cor_error_free(ix->err);
}

/* ---- sorted span tables ---------------------------------------------- */

static struct dwarf_span *span_at(void *v, size_t size, size_t i)
{
	return (struct dwarf_span *)((char *)v + i * size);
}

void dwarf_spans_sort(void *v, size_t n, size_t size,
		      int (*cmp)(const void *, const void *))
{
	uint64_t maxhi = 0;
	if (n)
		qsort(v, n, size, cmp);
	for (size_t i = 0; i < n; i++) {
		struct dwarf_span *s = span_at(v, size, i);
		if (s->hi > maxhi)
			maxhi = s->hi;
		s->maxhi = maxhi;
	}
}
