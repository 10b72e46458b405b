/* .debug_info (DWARF 2-5): units, abbreviations, attribute forms, an
 * address -> unit index, and per PC the subprogram with its chain of
 * inlined subroutines and the source line. */
#include <stdlib.h>
#include <string.h>
#include "info.h"
#include "line.h"
#include "form.h"

/* Attributes kept when a DIE is read. */
enum {
	S_sibling, S_name, S_linkage, S_low, S_high, S_ranges, S_origin, S_spec,
	S_call_file, S_call_line, S_call_col, S_stmt_list, S_comp_dir,
	S_str_base, S_addr_base, S_rng_base, S_dwo, S_language, NSLOTS
};

#define MAX_REF_HOPS 16
/* Range list entries one lookup may visit, beyond the sections' own size:
 * lists shared by many DIEs must not make the work quadratic. */
#define RANGE_BUDGET (1u << 22)

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

struct func {
	struct dwarf_span sp;
	uint64_t die;
};

struct dfile;

struct cu {
	struct dfile *f;
	uint64_t off, die_off, end, abbrev_off;
	uint16_t version;
	uint8_t unit_type, addr_size, offset_size;
	uint8_t state;             /* 0 not loaded, 1 loaded, 2 bad */
	bool split, partial, have_stmt, cpp;
	struct abbrev_table *abbrev;
	struct form_ctx fc;        /* reads its DIEs; str_base, addr_base */
	uint64_t base, rng_base, stmt_list;
	const char *comp_dir;
	cor_error *err;        /* kept for the next call */
	bool lines_done, funcs_done;
	struct line_table *lines;
	cor_error *lines_err;        /* kept for the next call */
	struct func *funcs;
	size_t nfuncs, funcs_cap;
	cor_error *funcs_err;        /* kept for the next call */
};

struct dfile {
	const struct dwarf_sections *s;
	struct dwarf_info *di;
	bool is_alt, units_done;
	struct cu *cus;
	size_t ncus, cus_cap;
	cor_error *units_err;        /* kept for the next call */
	struct abbrev_table **abbrevs;
	size_t nabbrevs, abbrevs_cap;
};

struct arange {
	struct dwarf_span sp;
	size_t cu;
};

struct dwarf_info {
	struct dfile main, alt;
	struct limits lim;
	uint64_t budget;           /* range list entries left in this call */
	bool indexed;
	struct arange *ar;
	size_t nar, ar_cap;
	size_t *nocov;
	size_t nnocov, nocov_cap;
	bool fb_done;
	struct line_table **fb;
	size_t nfb, fb_cap;
	cor_error *fb_err, *index_err; /* kept for the next call */
	struct strbuf name_sb;
	char **names;
	size_t nnames, names_cap;
};

struct die {
	uint64_t off, next, tag;
	bool children;
	uint32_t have;
	struct dwarf_value a[NSLOTS];
};

#define HAS(d, s) (((d)->have >> (s)) & 1)

/* ---- errors --------------------------------------------------------- */

/* A copy of err, all of it (code, address, message), for a caller to own:
 * errors of cached steps are kept and handed out again. */
static cor_error *copy_err(const cor_error *err)
{
	if (!err)
		return NULL;
	if (err->have_address)
		return cor_error_addr(err->code, err->address, "%s", err->message);
	return cor_error_new(err->code, "%s", err->message);
}

/* Keeps (a copy of) the first error of a cached step in *slot. */
static void save_err(cor_error **slot, const cor_error *err)
{
	if (!err || err == &cor_enomem || *slot)
		return;
	*slot = copy_err(err);
	if (*slot == &cor_enomem)
		*slot = NULL;
}

/* Keeps the first error of several, frees the others. */
static void keep_err(cor_error **first, cor_error *err)
{
	if (!*first)
		*first = err;
	else
		cor_error_free(err);
}

/* ---- sections ------------------------------------------------------- */

/* The name of section lit of f, for errors. */
#define SECNAME(f, lit) ((f)->is_alt ? "(supplementary) " lit : lit)

/* A reader over section s of f named name (SECNAME) for its errors. */
static void sec_reader(struct reader *r, const struct dwarf_section *s,
		       const char *name, const struct dfile *f, uint8_t addr_size)
{
	dwarf_reader(r, s, f->s->be, addr_size);
	reader_where(r, f->s->path, name, 0);
}

static bool sec_index(const struct dfile *f, const struct dwarf_section *s,
		      uint64_t base, uint64_t idx, unsigned size, uint64_t *out)
{
	return dwarf_sec_index(s, f->s->be, base, idx, size, out);
}

/* ---- abbreviations (7.5.3) ------------------------------------------ */

static int slot_of(uint64_t at)
{
	switch (at) {
	case DW_AT_sibling: return S_sibling;
	case DW_AT_name: return S_name;
	case DW_AT_linkage_name: case DW_AT_MIPS_linkage_name: return S_linkage;
	case DW_AT_low_pc: return S_low;
	case DW_AT_high_pc: return S_high;
	case DW_AT_ranges: return S_ranges;
	case DW_AT_abstract_origin: return S_origin;
	case DW_AT_specification: return S_spec;
	case DW_AT_call_file: return S_call_file;
	case DW_AT_call_line: return S_call_line;
	case DW_AT_call_column: return S_call_col;
	case DW_AT_stmt_list: return S_stmt_list;
	case DW_AT_comp_dir: return S_comp_dir;
	case DW_AT_str_offsets_base: return S_str_base;
	case DW_AT_addr_base: case DW_AT_GNU_addr_base: return S_addr_base;
	case DW_AT_rnglists_base: return S_rng_base;
	case DW_AT_dwo_name: case DW_AT_GNU_dwo_name: return S_dwo;
	case DW_AT_language: return S_language;
	default: return -1;
	}
}

static int abbrev_cmp(const void *a, const void *b)
{
	const struct abbrev *x = a, *y = b;
	return x->code < y->code ? -1 : x->code > y->code;
}

static void abbrev_free(struct abbrev_table *t)
{
	if (t) {
		free(t->v);
		free(t->attrs);
		free(t);
	}
}

static cor_error *abbrev_decl(const struct dfile *f, struct reader *r,
			      struct abbrev_table *t, struct abbrev *ab,
			      size_t *attrs_cap)
{
	uint8_t children;
	if (!reader_uleb(r, &ab->tag) || !reader_u8(r, &children))
		return reader_error(r, "truncated abbreviation");
	ab->children = children != 0;
	ab->attr = t->n ? t->v[t->n - 1].attr + t->v[t->n - 1].nattr : 0;
	ab->nattr = 0;
	for (;;) {
		struct abbrev_attr a = {0};
		if (!reader_uleb(r, &a.name) || !reader_uleb(r, &a.form))
			return reader_error(r, "truncated attribute specification");
		if (!a.name && !a.form)
			return NULL;
		if (a.form == DW_FORM_implicit_const && !reader_sleb(r, &a.implicit))
			return reader_error(r, "truncated implicit constant");
		a.slot = slot_of(a.name);
		if (!COR_GROW(t->attrs, *attrs_cap, ab->attr + ab->nattr + 1))
			return &cor_enomem;
		t->attrs[ab->attr + ab->nattr++] = a;
	}
}

static cor_error *abbrev_parse(const struct dfile *f, uint64_t off,
			       struct abbrev_table **out)
{
	struct abbrev_table *t = cor_calloc(1, sizeof(*t));
	size_t cap = 0, attrs_cap = 0;
	cor_error *err = NULL;
	struct reader r;
	if (!t)
		return &cor_enomem;
	t->off = off;
	t->dense = true;
	sec_reader(&r, &f->s->abbrev, SECNAME(f, ".debug_abbrev"), f, 8);
	if (!reader_seek(&r, off) || reader_at_end(&r))
		err = reader_error(&r, "abbreviation offset past end of section");
	while (!err && !reader_at_end(&r)) {
		struct abbrev ab;
		if (!reader_uleb(&r, &ab.code)) {
			err = reader_error(&r, "truncated abbreviation code");
			break;
		}
		if (!ab.code)
			break;
		if (!(err = abbrev_decl(f, &r, t, &ab, &attrs_cap))) {
			if (!COR_GROW(t->v, cap, t->n + 1))
				err = &cor_enomem;
			else
				t->v[t->n++] = ab;
			if (ab.code != t->n)
				t->dense = false;
		}
	}
	if (err) {
		abbrev_free(t);
		return err;
	}
	if (!t->dense)
		qsort(t->v, t->n, sizeof(*t->v), abbrev_cmp);
	*out = t;
	return NULL;
}

static const struct abbrev *abbrev_find(const struct abbrev_table *t, uint64_t code)
{
	if (t->dense)
		return code - 1 < t->n ? &t->v[code - 1] : NULL;
	size_t i = COR_UPPER_BOUND(t->v, t->n, .code, code);
	return i && t->v[i - 1].code == code ? &t->v[i - 1] : NULL;
}

/* Cached by offset: units often share a table (dwz, LTO partitions). */
static cor_error *abbrev_get(struct dfile *f, uint64_t off,
			     struct abbrev_table **out)
{
	size_t lo = COR_UPPER_BOUND(f->abbrevs, f->nabbrevs, ->off, off);
	cor_error *err;
	if (lo && f->abbrevs[lo - 1]->off == off) {
		*out = f->abbrevs[lo - 1];
		return NULL;
	}
	if ((err = abbrev_parse(f, off, out)))
		return err;
	if (!COR_GROW(f->abbrevs, f->abbrevs_cap, f->nabbrevs + 1)) {
		abbrev_free(*out);
		return &cor_enomem;
	}
	memmove(f->abbrevs + lo + 1, f->abbrevs + lo,
		(f->nabbrevs - lo) * sizeof(*f->abbrevs));
	f->abbrevs[lo] = *out;
	f->nabbrevs++;
	return NULL;
}

/* ---- units (7.5.1) -------------------------------------------------- */

static cor_error *unit_header(struct dfile *f, struct reader *r, struct cu *cu)
{
	uint64_t len, skip;
	cu->off = reader_off(r);
	cu->offset_size = 4;
	if (!reader_uint(r, 4, &len))
		goto trunc;
	if (len == 0xffffffff) {
		cu->offset_size = 8;
		if (!reader_uint(r, 8, &len))
			goto trunc;
	} else if (len >= 0xfffffff0) {
		return reader_error_at(r, cu->off, "reserved unit length");
	}
	if (reader_left(r) < len)
		return reader_error_at(r, cu->off,
				       "unit length 0x%" PRIx64 " past end of section", len);
	cu->end = reader_off(r) + len;
	struct reader h = *r;
	h.end = r->pos + len;
	r->pos = h.end;
	if (!reader_u16(&h, &cu->version))
		goto trunc;
	if (cu->version < 2 || cu->version > 5)
		return NULL;    /* unit_type 0: skipped */
	if (cu->version >= 5) {
		if (!reader_u8(&h, &cu->unit_type) || !reader_u8(&h, &cu->addr_size) ||
		    !reader_uint(&h, cu->offset_size, &cu->abbrev_off))
			goto trunc;
		if (cu->unit_type == DW_UT_skeleton || cu->unit_type == DW_UT_split_compile)
			skip = 8;
		else if (cu->unit_type == DW_UT_type || cu->unit_type == DW_UT_split_type)
			skip = 8 + cu->offset_size;
		else
			skip = 0;
		if (!reader_skip(&h, skip))
			goto trunc;
	} else {
		cu->unit_type = DW_UT_compile;
		if (!reader_uint(&h, cu->offset_size, &cu->abbrev_off) ||
		    !reader_u8(&h, &cu->addr_size))
			goto trunc;
	}
	if (cu->addr_size != 4 && cu->addr_size != 8 && cu->addr_size != 2)
		cu->unit_type = 0;
	cu->die_off = reader_off(&h);
	cu->fc = (struct form_ctx){
		.secs = f->s, .is_alt = f->is_alt, .version = cu->version,
		.addr_size = cu->addr_size, .offset_size = cu->offset_size,
		.unit_off = cu->off, .unit_end = cu->end,
	};
	return NULL;
trunc:
	return reader_error_at(r, cu->off, "truncated unit header");
}

static cor_error *units_read(struct dfile *f)
{
	struct reader r;
	cor_error *err = NULL;
	if (f->units_done)
		return copy_err(f->units_err);
	f->units_done = true;
	sec_reader(&r, &f->s->info, SECNAME(f, ".debug_info"), f, 8);
	while (!reader_at_end(&r)) {
		struct cu cu = { .f = f };
		if ((err = unit_header(f, &r, &cu)))
			break;
		if (!COR_GROW(f->cus, f->cus_cap, f->ncus + 1)) {
			err = &cor_enomem;
			break;
		}
		f->cus[f->ncus++] = cu;
	}
	save_err(&f->units_err, err);
	return err;
}

static struct cu *cu_at(struct dfile *f, uint64_t off)
{
	size_t lo = COR_UPPER_BOUND(f->cus, f->ncus, .off, off);
	if (!lo || off >= f->cus[lo - 1].end)
		return NULL;
	return &f->cus[lo - 1];
}

/* ---- DIEs ------------------------------------------------------------ */

static void die_reader(const struct cu *cu, struct reader *r)
{
	sec_reader(r, &cu->f->s->info, SECNAME(cu->f, ".debug_info"), cu->f,
		   cu->addr_size);
	r->end = r->base + cu->end;
}

/* An error at offset off of the unit's section. */
static cor_error *unit_err(const struct cu *cu, uint64_t off, const char *what)
{
	struct reader r;
	die_reader(cu, &r);
	return reader_error_at(&r, off, "%s", what);
}

/* Reads the DIE at r; a null entry gives tag 0. */
static cor_error *die_read(const struct cu *cu, struct reader *r, struct die *d)
{
	uint64_t code;
	const struct abbrev *ab;
	cor_error *err;
	d->off = reader_off(r);
	d->have = 0;
	d->tag = 0;
	d->children = false;
	if (!reader_uleb(r, &code))
		return reader_error_at(r, d->off, "truncated DIE");
	if (code) {
		if (!(ab = abbrev_find(cu->abbrev, code)))
			return reader_error_at(r, d->off, "unknown abbreviation code %" PRIu64,
					       code);
		d->tag = ab->tag;
		d->children = ab->children;
		for (size_t i = 0; i < ab->nattr; i++) {
			const struct abbrev_attr *a = &cu->abbrev->attrs[ab->attr + i];
			if (a->slot < 0) {
				err = dwarf_form_skip(&cu->fc, r, a->form, a->implicit);
			} else {
				err = dwarf_form_read(&cu->fc, r, a->form, a->implicit,
						      &d->a[a->slot]);
				d->have |= 1u << a->slot;
			}
			if (err)
				return err;
		}
	}
	d->next = reader_off(r);
	return NULL;
}

static cor_error *die_at(const struct cu *cu, uint64_t off, struct die *d)
{
	struct reader r;
	die_reader(cu, &r);
	if (off < cu->die_off || !reader_seek(&r, off) || reader_at_end(&r))
		return reader_error_at(&r, off, "DIE reference out of range");
	return die_read(cu, &r, d);
}

static bool val_addr(const struct cu *cu, const struct dwarf_value *v, uint64_t *out)
{
	return dwarf_value_addr(&cu->fc, v, out);
}

static const char *val_str(const struct cu *cu, const struct dwarf_value *v)
{
	const char *str;
	return dwarf_value_str(&cu->fc, v, &str) ? str : NULL;
}

/* ---- loading a unit's top DIE ---------------------------------------- */

static bool is_cpp(uint64_t lang)
{
	/* DW_LANG_OCaml as before: DW_LANG_C_plus_plus_03 was likely meant */
	return lang == DW_LANG_C_plus_plus || lang == DW_LANG_C_plus_plus_11 ||
	       lang == DW_LANG_OCaml || lang == DW_LANG_C_plus_plus_14;
}

static cor_error *cu_top(struct cu *cu)
{
	struct die d;
	cor_error *err;
	uint64_t v;
	if (cu->unit_type != DW_UT_compile && cu->unit_type != DW_UT_partial &&
	    cu->unit_type != DW_UT_skeleton)
		return unit_err(cu, cu->off, "unsupported unit type or version");
	if ((err = abbrev_get(cu->f, cu->abbrev_off, &cu->abbrev)) ||
	    (err = die_at(cu, cu->die_off, &d)))
		return err;
	if (d.tag == DW_TAG_partial_unit)
		cu->partial = true;
	else if (d.tag == DW_TAG_skeleton_unit || HAS(&d, S_dwo))
		cu->split = true;
	else if (d.tag != DW_TAG_compile_unit)
		return unit_err(cu, d.off, "unit DIE is not a compile unit");
	cu->fc.str_base = cu->fc.addr_base = cu->offset_size == 8 ? 16 : 8;
	cu->rng_base = cu->offset_size == 8 ? 20 : 12;
	if (HAS(&d, S_str_base))
		cu->fc.str_base = d.a[S_str_base].u;
	if (HAS(&d, S_addr_base))
		cu->fc.addr_base = d.a[S_addr_base].u;
	if (HAS(&d, S_rng_base))
		cu->rng_base = d.a[S_rng_base].u;
	if (HAS(&d, S_low))
		val_addr(cu, &d.a[S_low], &cu->base);
	if (HAS(&d, S_stmt_list) && d.a[S_stmt_list].cls != DW_V_BLOCK) {
		cu->have_stmt = true;
		cu->stmt_list = d.a[S_stmt_list].u;
	}
	if (HAS(&d, S_comp_dir))
		cu->comp_dir = val_str(cu, &d.a[S_comp_dir]);
	if (HAS(&d, S_language) && dwarf_value_const(&d.a[S_language], &v))
		cu->cpp = is_cpp(v);
	return NULL;
}

static cor_error *cu_load(struct cu *cu)
{
	cor_error *err;
	if (cu->state == 1)
		return NULL;
	if (cu->state == 2)
		return copy_err(cu->err);
	err = cu_top(cu);
	if (err == &cor_enomem)
		return err;
	cu->state = err ? 2 : 1;
	save_err(&cu->err, err);
	return err;
}

/* ---- address ranges (2.17, 7.25) ---------------------------------------- */

typedef bool range_fn(void *arg, uint64_t lo, uint64_t hi);

static bool spend(const struct cu *cu)
{
	struct dwarf_info *di = cu->f->di;
	if (!di->budget)
		return false;
	di->budget--;
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
	sec_reader(&r, &f->s->rnglists, SECNAME(f, ".debug_rnglists"), f, cu->addr_size);
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
			if (!sec_index(f, &f->s->addr, cu->fc.addr_base, a, cu->addr_size, &base))
				goto badx;
			continue;
		case DW_RLE_startx_endx:
		case DW_RLE_startx_length:
			if (!reader_uleb(&r, &a) || !reader_uleb(&r, &b))
				goto trunc;
			if (!sec_index(f, &f->s->addr, cu->fc.addr_base, a, cu->addr_size, &a) ||
			    (kind == DW_RLE_startx_endx &&
			     !sec_index(f, &f->s->addr, cu->fc.addr_base, b, cu->addr_size, &b)))
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
	sec_reader(&r, &f->s->ranges, SECNAME(f, ".debug_ranges"), f, cu->addr_size);
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

/* Calls fn for each range of d; *have false if d has no pc attributes. */
static cor_error *die_ranges(const struct cu *cu, const struct die *d,
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
		if (!sec_index(cu->f, &cu->f->s->rnglists, cu->rng_base, v->u,
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

struct contains_arg {
	uint64_t pc, first;
	bool in, any;
};

static bool contains_fn(void *arg, uint64_t lo, uint64_t hi)
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
	struct dwarf_info *di;
	size_t cu;
	bool oom;
};

static bool index_add(void *arg, uint64_t lo, uint64_t hi)
{
	struct index_arg *a = arg;
	struct dwarf_info *di = a->di;
	if (!COR_GROW(di->ar, di->ar_cap, di->nar + 1)) {
		a->oom = true;
		return false;
	}
	di->ar[di->nar++] = (struct arange){ .sp = { lo, hi }, .cu = a->cu };
	return true;
}

/* .debug_aranges (6.1.2); false if absent or inconsistent with the units. */
static bool aranges_read(struct dwarf_info *di, bool *covered)
{
	struct dfile *f = &di->main;
	struct reader r, set;
	struct index_arg ia = { .di = di };
	sec_reader(&r, &f->s->aranges, SECNAME(f, ".debug_aranges"), f, 8);
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
static cor_error *index_unit(struct dwarf_info *di, size_t i)
{
	struct cu *cu = &di->main.cus[i];
	struct index_arg ia = { .di = di, .cu = i };
	struct die d;
	bool have;
	cor_error *err;
	if ((err = cu_load(cu)) ||
	    (!cu->partial && ((err = die_at(cu, cu->die_off, &d)) ||
			      (err = die_ranges(cu, &d, index_add, &ia, &have))))) {
		if (err == &cor_enomem)
			return err;
		save_err(&di->index_err, err);
		cor_error_free(err);
		return NULL;
	}
	if (cu->partial)
		return NULL;
	if (ia.oom)
		return &cor_enomem;
	if (!have && !cu->split) {
		if (!COR_GROW(di->nocov, di->nocov_cap, di->nnocov + 1))
			return &cor_enomem;
		di->nocov[di->nnocov++] = i;
	}
	return NULL;
}

static cor_error *index_build(struct dwarf_info *di)
{
	struct dfile *f = &di->main;
	bool *covered;
	cor_error *err = NULL;
	if (di->indexed)
		return NULL;
	if ((err = units_read(f)) == &cor_enomem)
		return err;
	save_err(&di->index_err, err);
	cor_error_free(err);
	err = NULL;
	if (!(covered = cor_calloc(f->ncus, sizeof(bool))))
		return &cor_enomem;
	if (!aranges_read(di, covered)) {
		di->nar = 0;
		memset(covered, 0, f->ncus * sizeof(bool));
	}
	for (size_t i = 0; i < f->ncus && !err; i++)
		if (!covered[i])
			err = index_unit(di, i);
	free(covered);
	if (err) {
		di->nar = di->nnocov = 0;
		return err;
	}
	dwarf_spans_sort(di->ar, di->nar, sizeof(*di->ar), arange_cmp);
	di->indexed = true;
	return NULL;
}

/* Units whose ranges contain pc, at most max. */
static size_t index_find(const struct dwarf_info *di, uint64_t pc,
			 size_t *out, size_t max)
{
	size_t n = 0;
	for (size_t i = COR_UPPER_BOUND(di->ar, di->nar, .sp.lo, pc);
	     i-- > 0 && di->ar[i].sp.maxhi > pc && n < max;) {
		if (pc >= di->ar[i].sp.hi)
			continue;
		bool dup = false;
		for (size_t k = 0; k < n; k++)
			dup |= out[k] == di->ar[i].cu;
		if (!dup)
			out[n++] = di->ar[i].cu;
	}
	return n;
}

/* ---- per-unit subprogram table --------------------------------------- */

struct func_arg {
	struct cu *cu;
	uint64_t die;
	bool oom;
};

static bool func_add(void *arg, uint64_t lo, uint64_t hi)
{
	struct func_arg *a = arg;
	struct cu *cu = a->cu;
	if (!COR_GROW(cu->funcs, cu->funcs_cap, cu->nfuncs + 1)) {
		a->oom = true;
		return false;
	}
	cu->funcs[cu->nfuncs++] = (struct func){ .sp = { lo, hi }, .die = a->die };
	return true;
}

static int func_cmp(const void *a, const void *b)
{
	const struct func *x = a, *y = b;
	if (x->sp.lo != y->sp.lo)
		return x->sp.lo < y->sp.lo ? -1 : 1;
	return x->die < y->die ? -1 : x->die > y->die;
}

static cor_error *limit_err(const struct reader *r, uint64_t off, uint32_t depth)
{
	return dwarf_limit_error(reader_error_at(r, off, "DIE nesting deeper than %u", depth));
}

/* Walks every DIE of the unit once, keeping subprograms with code. */
static cor_error *funcs_walk(const struct dwarf_info *di, struct cu *cu)
{
	struct reader r;
	struct die d;
	struct func_arg fa = { .cu = cu };
	uint32_t depth = 0;
	cor_error *err;
	bool have;
	die_reader(cu, &r);
	reader_seek(&r, cu->die_off);
	do {
		if (reader_at_end(&r))
			break;
		if ((err = die_read(cu, &r, &d)))
			return err;
		if (!d.tag) {
			depth--;
			continue;
		}
		if (d.tag == DW_TAG_subprogram) {
			fa.die = d.off;
			if ((err = die_ranges(cu, &d, func_add, &fa, &have)))
				return err;
			if (fa.oom)
				return &cor_enomem;
		}
		if (d.children && ++depth > di->lim.max_depth)
			return limit_err(&r, d.off, di->lim.max_depth);
	} while (depth > 0);
	return NULL;
}

static cor_error *cu_funcs(const struct dwarf_info *di, struct cu *cu)
{
	cor_error *err;
	if (cu->funcs_done)
		return copy_err(cu->funcs_err);
	if ((err = cu_load(cu)))
		return err;
	if (cu->split || cu->partial) {
		cu->funcs_done = true;
		return NULL;
	}
	if ((err = funcs_walk(di, cu))) {
		cu->nfuncs = 0;
		if (err == &cor_enomem)
			return err;
		cu->funcs_done = true;
		save_err(&cu->funcs_err, err);
		return err;
	}
	cu->funcs_done = true;
	dwarf_spans_sort(cu->funcs, cu->nfuncs, sizeof(*cu->funcs), func_cmp);
	return NULL;
}

/* The smallest subprogram range containing pc. */
static const struct func *func_find(const struct cu *cu, uint64_t pc)
{
	const struct func *best = NULL;
	for (size_t i = COR_UPPER_BOUND(cu->funcs, cu->nfuncs, .sp.lo, pc);
	     i-- > 0 && cu->funcs[i].sp.maxhi > pc;) {
		const struct dwarf_span *fn = &cu->funcs[i].sp;
		if (pc < fn->hi && (!best || fn->hi - fn->lo < best->sp.hi - best->sp.lo))
			best = &cu->funcs[i];
	}
	return best;
}

/* ---- inline chain ------------------------------------------------------ */

struct chain {
	uint64_t off;
	uint32_t depth;
};

static bool is_block(uint64_t tag)
{
	return tag == DW_TAG_lexical_block || tag == DW_TAG_inlined_subroutine ||
	       tag == DW_TAG_try_block || tag == DW_TAG_catch_block ||
	       tag == DW_TAG_with_stmt;
}

/* Skips the children of d (DW_AT_sibling when usable). */
static cor_error *skip_children(const struct dwarf_info *di, const struct cu *cu,
				struct reader *r, const struct die *d)
{
	uint32_t depth = 1;
	struct die c;
	cor_error *err;
	if (HAS(d, S_sibling) && d->a[S_sibling].cls == DW_V_REF &&
	    d->a[S_sibling].u > d->off && d->a[S_sibling].u <= cu->end &&
	    reader_seek(r, d->a[S_sibling].u))
		return NULL;
	while (depth > 0 && !reader_at_end(r)) {
		if ((err = die_read(cu, r, &c)))
			return err;
		if (!c.tag)
			depth--;
		else if (c.children && ++depth > di->lim.max_depth)
			return limit_err(r, c.off, di->lim.max_depth);
	}
	return NULL;
}

/* Inlined subroutines containing pc below the subprogram at off,
 * outermost first. */
static cor_error *inline_chain(const struct dwarf_info *di, const struct cu *cu,
			       uint64_t off, uint64_t pc, struct chain *ch,
			       size_t *nch)
{
	struct reader r;
	struct die d;
	uint32_t depth = 1;
	cor_error *err = NULL;
	*nch = 0;
	die_reader(cu, &r);
	if (!reader_seek(&r, off) || (err = die_read(cu, &r, &d))) {
		cor_error_free(err);
		return reader_error_at(&r, off, "bad subprogram DIE");
	}
	if (!d.children)
		return NULL;
	while (depth > 0 && !reader_at_end(&r)) {
		struct contains_arg ca = { .pc = pc };
		bool have, descend;
		if ((err = die_read(cu, &r, &d)))
			return err;
		if (!d.tag) {
			depth--;
			continue;
		}
		descend = is_block(d.tag);
		if (descend) {
			if ((err = die_ranges(cu, &d, contains_fn, &ca, &have)))
				return err;
			if (have ? !ca.in : d.tag == DW_TAG_inlined_subroutine)
				descend = false;
		}
		if (descend && ca.in && d.tag == DW_TAG_inlined_subroutine) {
			while (*nch && ch[*nch - 1].depth >= depth)
				(*nch)--;
			ch[(*nch)++] = (struct chain){ d.off, depth };
		}
		if (!d.children)
			continue;
		if (!descend) {
			if ((err = skip_children(di, cu, &r, &d)))
				return err;
		} else if (++depth > di->lim.max_depth) {
			return limit_err(&r, d.off, di->lim.max_depth);
		}
	}
	return NULL;
}

/* ---- names ------------------------------------------------------------ */

static struct cu *ref_unit(struct dwarf_info *di, const struct cu *cu,
			   const struct dwarf_value *v, uint64_t *off)
{
	struct dfile *f;
	struct cu *target;
	if (v->cls == DW_V_REF)
		f = cu->f;
	else if (v->cls == DW_V_REF_ALT && !cu->f->is_alt && di->alt.s)
		f = &di->alt;
	else
		return NULL;
	cor_error *err = units_read(f);
	bool oom = err == &cor_enomem;
	cor_error_free(err);
	if (oom || !(target = cu_at(f, v->u)))
		return NULL;
	if ((err = cu_load(target))) {
		cor_error_free(err);
		return NULL;
	}
	*off = v->u;
	return target;
}

static bool qualifier_tag(uint64_t tag)
{
	return tag == DW_TAG_namespace || tag == DW_TAG_class_type ||
	       tag == DW_TAG_structure_type || tag == DW_TAG_union_type;
}

/* Prefixes "ns::cls::" from the DIEs enclosing off (C++ without a linkage
 * name): walks the unit up to off, jumping over subtrees that end before it
 * (DW_AT_sibling), with a stack of the open ancestors. */
static const char *qualify(struct dwarf_info *di, const struct cu *cu,
			   uint64_t off, const char *name)
{
	struct { uint64_t tag; const char *name; } st[32];
	uint32_t depth = 0;
	struct reader r;
	struct die d;
	char *s;
	cor_error *err;
	die_reader(cu, &r);
	reader_seek(&r, cu->die_off);
	if ((err = die_read(cu, &r, &d)) || !d.children) {
		cor_error_free(err);
		return name;
	}
	while (reader_off(&r) < off) {
		if ((err = die_read(cu, &r, &d))) {
			cor_error_free(err);
			return name;
		}
		if (!d.tag) {
			if (!depth)
				return name;
			depth--;
			continue;
		}
		if (!d.children)
			continue;
		if (HAS(&d, S_sibling) && d.a[S_sibling].cls == DW_V_REF &&
		    d.a[S_sibling].u > d.off && d.a[S_sibling].u <= off) {
			if (!reader_seek(&r, d.a[S_sibling].u))
				return name;
			continue;
		}
		if (depth == COR_ARRAY_SIZE(st) || depth >= di->lim.max_depth)
			return name;
		st[depth].tag = d.tag;
		st[depth].name = HAS(&d, S_name) ? val_str(cu, &d.a[S_name]) : NULL;
		depth++;
	}
	if (!depth || reader_off(&r) != off)
		return name;
	sb_free(&di->name_sb);
	for (uint32_t i = 0; i < depth; i++) {
		if (!qualifier_tag(st[i].tag))
			return name;
		sb_puts(&di->name_sb, st[i].name ? st[i].name : "(anonymous namespace)");
		sb_puts(&di->name_sb, "::");
	}
	sb_puts(&di->name_sb, name);
	s = sb_take(&di->name_sb);
	if (!s || !COR_GROW(di->names, di->names_cap, di->nnames + 1)) {
		free(s);
		return name;
	}
	di->names[di->nnames++] = s;
	return s;
}

/* Name and linkage name through abstract_origin / specification. */
static void resolve_name(struct dwarf_info *di, const struct cu *cu,
			 uint64_t off, const char **name, const char **linkage)
{
	const struct cu *name_cu = NULL;
	uint64_t name_off = 0;
	struct die d;
	*name = *linkage = NULL;
	for (unsigned hops = 0; hops < MAX_REF_HOPS; hops++) {
		const struct dwarf_value *next;
		cor_error *err = die_at(cu, off, &d);
		if (err) {
			cor_error_free(err);
			break;
		}
		if (!*linkage && HAS(&d, S_linkage))
			*linkage = val_str(cu, &d.a[S_linkage]);
		if (!*name && HAS(&d, S_name) && (*name = val_str(cu, &d.a[S_name]))) {
			name_cu = cu;
			name_off = d.off;
		}
		if (*name && *linkage)
			break;
		if (HAS(&d, S_origin))
			next = &d.a[S_origin];
		else if (HAS(&d, S_spec))
			next = &d.a[S_spec];
		else
			break;
		if (!(cu = ref_unit(di, cu, next, &off)))
			break;
	}
	if (*name && !*linkage && name_cu && name_cu->cpp)
		*name = qualify(di, name_cu, name_off, *name);
}

/* ---- line tables ------------------------------------------------------ */

static cor_error *cu_lines(struct cu *cu, struct line_table **out)
{
	cor_error *err;
	*out = NULL;
	if (cu->lines_done) {
		*out = cu->lines;
		return copy_err(cu->lines_err);
	}
	if ((err = cu_load(cu)))
		return err;
	if (cu->have_stmt) {
		struct line_params p = {
			.secs = cu->f->s, .comp_dir = cu->comp_dir,
			.addr_size = cu->addr_size, .str_offsets_base = cu->fc.str_base,
			.have_str_offsets_base = true,
		};
		err = line_table_new(&p, cu->stmt_list, &cu->lines);
		if (err == &cor_enomem)
			return err;
		save_err(&cu->lines_err, err);
	}
	cu->lines_done = true;
	*out = cu->lines;
	return err;
}

/* Offset past the line program at off, or 0. */
static uint64_t line_unit_end(const struct dwarf_sections *s, uint64_t off)
{
	struct reader r;
	uint64_t len;
	reader_init(&r, s->line.data, s->line.size, s->be, 8);
	if (!reader_seek(&r, off) || !reader_uint(&r, 4, &len))
		return 0;
	if (len == 0xffffffff && !reader_uint(&r, 8, &len))
		return 0;
	if (len >= 0xfffffff0 && len != 0xffffffff && reader_off(&r) == off + 4)
		return 0;
	if (reader_left(&r) < len)
		return 0;
	return reader_off(&r) + len;
}

/* Without .debug_info: every line program in .debug_line. */
static cor_error *fallback_tables(struct dwarf_info *di)
{
	const struct dwarf_sections *s = di->main.s;
	struct line_params p = { .secs = s, .addr_size = s->addr_size };
	uint64_t off = 0, next;
	cor_error *err = NULL;
	if (di->fb_done)
		return copy_err(di->fb_err);
	struct reader r;
	dwarf_reader(&r, &s->line, s->be, 8);
	reader_where(&r, s->path, ".debug_line", 0);
	while (s->line.data && off < s->line.size) {
		struct line_table *lt;
		if (!(next = line_unit_end(s, off)) || next <= off)
			err = reader_error_at(&r, off, "bad unit length");
		else if ((err = line_table_new(&p, off, &lt)))
			;
		else if (!COR_GROW(di->fb, di->fb_cap, di->nfb + 1)) {
			line_table_free(lt);
			return &cor_enomem;
		} else {
			di->fb[di->nfb++] = lt;
		}
		if (err == &cor_enomem)
			return err;
		if (err) {
			save_err(&di->fb_err, err);
			cor_error_free(err);
			err = NULL;
		}
		if (!next || next <= off)
			break;
		off = next;
	}
	di->fb_done = true;
	return NULL;
}

static cor_error *fallback_line(struct dwarf_info *di, uint64_t pc,
				const char **file, uint32_t *line, uint32_t *column)
{
	cor_error *err = fallback_tables(di);
	if (err)
		return err;
	for (size_t i = 0; i < di->nfb; i++)
		if (line_table_find(di->fb[i], pc, file, line, column))
			return NULL;
	return di->fb_err ? copy_err(di->fb_err) : copy_err(di->index_err);
}

/* ---- public ------------------------------------------------------------- */

static void budget_reset(struct dwarf_info *di)
{
	const struct dwarf_sections *s = di->main.s;
	di->budget = RANGE_BUDGET + (uint64_t)s->rnglists.size + s->ranges.size;
}

cor_error *dwarf_info_new(const struct dwarf_sections *secs,
			  const struct limits *limits, struct dwarf_info **out)
{
	struct dwarf_info *di = cor_calloc(1, sizeof(*di));
	*out = NULL;
	if (!di)
		return &cor_enomem;
	if (limits)
		di->lim = *limits;
	else
		limits_resolve(&di->lim, NULL);
	if (!di->lim.max_depth)
		di->lim.max_depth = 128;
	di->main.s = secs;
	di->main.di = di;
	if (secs->alt) {
		di->alt.s = secs->alt;
		di->alt.di = di;
		di->alt.is_alt = true;
	}
	*out = di;
	return NULL;
}

static void dfile_free(struct dfile *f)
{
	for (size_t i = 0; i < f->ncus; i++) {
		struct cu *cu = &f->cus[i];
		cor_error_free(cu->err);
		cor_error_free(cu->lines_err);
		cor_error_free(cu->funcs_err);
		free(cu->funcs);
		line_table_free(cu->lines);
	}
	for (size_t i = 0; i < f->nabbrevs; i++)
		abbrev_free(f->abbrevs[i]);
	free(f->abbrevs);
	free(f->cus);
	cor_error_free(f->units_err);
}

void dwarf_info_free(struct dwarf_info *di)
{
	if (!di)
		return;
	dfile_free(&di->main);
	dfile_free(&di->alt);
	for (size_t i = 0; i < di->nfb; i++)
		line_table_free(di->fb[i]);
	for (size_t i = 0; i < di->nnames; i++)
		free(di->names[i]);
	free(di->names);
	free(di->fb);
	cor_error_free(di->fb_err);
	cor_error_free(di->index_err);
	free(di->ar);
	free(di->nocov);
	sb_free(&di->name_sb);
	free(di);
}

static void scope_fill(struct dwarf_info *di, struct cu *cu, uint64_t off,
		       struct dwarf_scope *sc)
{
	struct die d;
	struct contains_arg ca = {0};
	cor_error *err;
	bool have;
	uint64_t v;
	memset(sc, 0, sizeof(*sc));
	resolve_name(di, cu, off, &sc->name, &sc->linkage_name);
	if ((err = die_at(cu, off, &d))) {
		cor_error_free(err);
		return;
	}
	sc->is_inline = d.tag == DW_TAG_inlined_subroutine;
	if (!HAS(&d, S_low) || !val_addr(cu, &d.a[S_low], &sc->low_pc)) {
		cor_error_free(die_ranges(cu, &d, contains_fn, &ca, &have));
		sc->low_pc = ca.first;
	}
	if (!sc->is_inline)
		return;
	if (HAS(&d, S_call_file) && dwarf_value_const(&d.a[S_call_file], &v)) {
		struct line_table *lt;
		cor_error_free(cu_lines(cu, &lt));
		if (lt)
			sc->call_file = line_table_file(lt, v);
	}
	if (HAS(&d, S_call_line) && dwarf_value_const(&d.a[S_call_line], &v))
		sc->call_line = (uint32_t)v;
	if (HAS(&d, S_call_col) && dwarf_value_const(&d.a[S_call_col], &v))
		sc->call_column = (uint32_t)v;
}

static cor_error *scopes_in(struct dwarf_info *di, struct cu *cu, uint64_t pc,
			    struct dwarf_scope *out, size_t max, size_t *n)
{
	const struct func *fn;
	struct chain *ch;
	size_t nch;
	cor_error *err;
	if ((err = cu_funcs(di, cu)))
		return err;
	if (!(fn = func_find(cu, pc)))
		return NULL;
	if (!(ch = cor_calloc(di->lim.max_depth + 1, sizeof(*ch))))
		return &cor_enomem;
	if ((err = inline_chain(di, cu, fn->die, pc, ch, &nch))) {
		free(ch);
		return err;
	}
	for (size_t i = nch; i-- > 0 && *n < max;)
		scope_fill(di, cu, ch[i].off, &out[(*n)++]);
	if (*n < max)
		scope_fill(di, cu, fn->die, &out[(*n)++]);
	free(ch);
	return NULL;
}

#define MAX_CANDIDATES 16

cor_error *dwarf_info_scopes(struct dwarf_info *di, uint64_t pc,
			     struct dwarf_scope *out, size_t max, size_t *n)
{
	size_t cand[MAX_CANDIDATES], nc;
	cor_error *err, *first = NULL;
	*n = 0;
	if (!max)
		return NULL;
	budget_reset(di);
	if ((err = index_build(di)))
		return err;
	nc = index_find(di, pc, cand, MAX_CANDIDATES);
	for (size_t i = 0; i < nc + di->nnocov && !*n; i++) {
		size_t k = i < nc ? cand[i] : di->nocov[i - nc];
		err = scopes_in(di, &di->main.cus[k], pc, out, max, n);
		if (err == &cor_enomem) {
			cor_error_free(first);
			return err;
		}
		if (err) {
			*n = 0;
			keep_err(&first, err);
		}
	}
	if (*n) {
		cor_error_free(first);
		return NULL;
	}
	return first ? first : copy_err(di->index_err);
}

cor_error *dwarf_info_line(struct dwarf_info *di, uint64_t pc,
			   const char **file, uint32_t *line, uint32_t *column)
{
	size_t cand[MAX_CANDIDATES], nc;
	cor_error *err, *first = NULL;
	bool fallback = false;
	*file = NULL;
	*line = *column = 0;
	budget_reset(di);
	if ((err = index_build(di)))
		return err;
	if (!di->main.ncus)
		return fallback_line(di, pc, file, line, column);
	nc = index_find(di, pc, cand, MAX_CANDIDATES);
	for (size_t i = 0; i < nc + di->nnocov; i++) {
		struct cu *cu = &di->main.cus[i < nc ? cand[i] : di->nocov[i - nc]];
		struct line_table *lt;
		err = cu_lines(cu, &lt);
		if (err == &cor_enomem) {
			cor_error_free(first);
			return err;
		}
		if (err) {
			keep_err(&first, err);
			continue;
		}
		if (!lt && i < nc)
			fallback = true;
		if (lt && line_table_find(lt, pc, file, line, column)) {
			cor_error_free(first);
			return NULL;
		}
	}
	if (fallback) {
		cor_error_free(first);
		return fallback_line(di, pc, file, line, column);
	}
	return first ? first : copy_err(di->index_err);
}
