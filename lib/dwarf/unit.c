/* Units of .debug_info (DWARF 2-5, 7.5.1): unit headers, abbreviation
 * tables (7.5.3), reading DIEs and their values, each unit's top DIE;
 * and keeping the errors of these cached steps. */
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>
#include "unit.h"

/* ---- errors --------------------------------------------------------- */

cor_error *dwarf_copy_err(const cor_error *err)
{
	if (!err)
		return NULL;
	if (err->have_address)
		return cor_error_addr(err->code, err->address, "%s", err->message);
	return cor_error_new(err->code, "%s", err->message);
}

void dwarf_save_err(cor_error **slot, const cor_error *err)
{
	if (!err || err == &cor_enomem || *slot)
		return;
	*slot = dwarf_copy_err(err);
	if (*slot == &cor_enomem)
		*slot = NULL;
}

/* ---- sections ------------------------------------------------------- */

void dfile_reader(struct reader *r, const struct dwarf_section *s,
		  const char *name, const struct dfile *f, uint8_t addr_size)
{
	dwarf_reader(r, s, f->s->be, addr_size);
	reader_where(r, f->s->path, name, 0);
}

bool dfile_index(const struct dfile *f, const struct dwarf_section *s,
		 uint64_t base, uint64_t idx, unsigned size, uint64_t *out)
{
	return dwarf_sec_index(s, f->s->be, base, idx, size, out);
}

/* ---- tables by offset ------------------------------------------------ */

static size_t off_hash_start(const struct off_hash *h, uint64_t key)
{
	return (size_t)((key * 0x9e3779b97f4a7c15ull) >> 17) & (h->cap - 1);
}

void *off_hash_get(const struct off_hash *h, uint64_t key,
		   bool (*same)(const void *e, const void *arg), const void *arg)
{
	if (!h->cap)
		return NULL;
	for (size_t i = off_hash_start(h, key); h->v[i]; i = (i + 1) & (h->cap - 1))
		if (h->keys[i] == key && (!same || same(h->v[i], arg)))
			return h->v[i];
	return NULL;
}

static void off_hash_put(struct off_hash *h, uint64_t key, void *e)
{
	size_t i = off_hash_start(h, key);
	while (h->v[i])
		i = (i + 1) & (h->cap - 1);
	h->keys[i] = key;
	h->v[i] = e;
}

bool off_hash_add(struct off_hash *h, uint64_t key, void *e)
{
	if (2 * (h->n + 1) > h->cap) {
		struct off_hash g = { .n = h->n, .cap = h->cap ? 2 * h->cap : 16 };
		g.keys = cor_calloc(g.cap, sizeof(*g.keys));
		g.v = cor_calloc(g.cap, sizeof(*g.v));
		if (!g.keys || !g.v) {
			free(g.keys);
			free(g.v);
			return false;
		}
		for (size_t i = 0; i < h->cap; i++)
			if (h->v[i])
				off_hash_put(&g, h->keys[i], h->v[i]);
		off_hash_free(h);
		*h = g;
	}
	off_hash_put(h, key, e);
	h->n++;
	return true;
}

void off_hash_free(struct off_hash *h)
{
	free(h->keys);
	free(h->v);
	memset(h, 0, sizeof(*h));
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
	case DW_AT_abstract_origin: case DW_AT_call_origin: return S_origin;
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
	case DW_AT_call_return_pc: return S_call_ret;
	case DW_AT_call_tail_call: case DW_AT_GNU_tail_call: return S_tail;
	case DW_AT_call_target: case DW_AT_GNU_call_site_target: return S_target;
	case DW_AT_type: return S_type;
	case DW_AT_byte_size: return S_byte_size;
	case DW_AT_bit_size: return S_bit_size;
	case DW_AT_bit_offset: return S_bit_offset;
	case DW_AT_data_bit_offset: return S_data_bit_offset;
	case DW_AT_data_member_location: return S_member_loc;
	case DW_AT_encoding: return S_encoding;
	case DW_AT_upper_bound: return S_upper;
	case DW_AT_lower_bound: return S_lower;
	case DW_AT_count: return S_count;
	case DW_AT_const_value: return S_const_value;
	case DW_AT_location: return S_location;
	case DW_AT_frame_base: return S_frame_base;
	case DW_AT_declaration: return S_declaration;
	case DW_AT_external: return S_external;
	case DW_AT_artificial: return S_artificial;
	case DW_AT_signature: return S_signature;
	case DW_AT_call_value: case DW_AT_GNU_call_site_value: return S_call_value;
	case DW_AT_loclists_base: return S_loc_base;
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

/* One table holds at most this many declarations and attributes (real
 * ones: a few thousand): memory stays bounded whatever the section holds. */
#define MAX_ABBREVS (1u << 18)
#define MAX_ABBREV_ATTRS (1u << 20)
/* Bytes of .debug_abbrev all tables of a file may parse, beyond the
 * section's size once: tables that start inside each other (a unit per
 * offset of one unterminated table) must not make the work quadratic. */
#define ABBREV_SLACK (1u << 16)

static cor_error *abbrev_decl(struct reader *r, struct abbrev_table *t,
			      struct abbrev *ab, size_t *attrs_cap)
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
		if (ab->attr + ab->nattr >= MAX_ABBREV_ATTRS)
			return dwarf_limit_error(reader_error(r, "more than %u attributes in one abbreviation table",
							      MAX_ABBREV_ATTRS));
		if (!COR_GROW(t->attrs, *attrs_cap, ab->attr + ab->nattr + 1))
			return &cor_enomem;
		t->attrs[ab->attr + ab->nattr++] = a;
	}
}

static cor_error *abbrev_parse(struct dfile *f, uint64_t off,
			       struct abbrev_table **out)
{
	struct abbrev_table *t = cor_calloc(1, sizeof(*t));
	size_t cap = 0, attrs_cap = 0;
	cor_error *err = NULL;
	struct reader r;
	uint64_t allow = (uint64_t)f->s->abbrev.size + ABBREV_SLACK;
	if (!t)
		return &cor_enomem;
	t->off = off;
	t->dense = true;
	dfile_reader(&r, &f->s->abbrev, SECNAME(f, ".debug_abbrev"), f, 8);
	if (!reader_seek(&r, off) || reader_at_end(&r))
		err = reader_error(&r, "abbreviation offset past end of section");
	while (!err && !reader_at_end(&r)) {
		struct abbrev ab;
		if (f->abbrev_bytes + (reader_off(&r) - off) > allow) {
			err = dwarf_limit_error(reader_error_at(&r, off,
				"abbreviation tables overlap: more than %" PRIu64
				" bytes read from a section of %" PRIu64, allow,
				(uint64_t)f->s->abbrev.size));
			break;
		}
		if (!reader_uleb(&r, &ab.code)) {
			err = reader_error(&r, "truncated abbreviation code");
			break;
		}
		if (!ab.code)
			break;
		if (t->n >= MAX_ABBREVS) {
			err = dwarf_limit_error(reader_error(&r, "more than %u abbreviations in one table",
							     MAX_ABBREVS));
			break;
		}
		if (!(err = abbrev_decl(&r, t, &ab, &attrs_cap))) {
			if (!COR_GROW(t->v, cap, t->n + 1))
				err = &cor_enomem;
			else
				t->v[t->n++] = ab;
			if (ab.code != t->n)
				t->dense = false;
		}
	}
	/* what this table read counts against the file's allowance */
	f->abbrev_bytes += reader_off(&r) > off ? reader_off(&r) - off : 0;
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

/* Cached by offset: units often share a table (dwz, LTO partitions); one
 * table per offset however many units name it, found by hash. */
static cor_error *abbrev_get(struct dfile *f, uint64_t off,
			     struct abbrev_table **out)
{
	cor_error *err;
	if ((*out = off_hash_get(&f->abbrevs, off, NULL, NULL)))
		return NULL;
	if ((err = abbrev_parse(f, off, out)))
		return err;
	if (!off_hash_add(&f->abbrevs, off, *out)) {
		abbrev_free(*out);
		*out = NULL;
		return &cor_enomem;
	}
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
		else if (cu->unit_type == DW_UT_split_type)
			skip = 8 + cu->offset_size;
		else
			skip = 0;
		if (!reader_skip(&h, skip))
			goto trunc;
		if (cu->unit_type == DW_UT_type &&
		    (!reader_uint(&h, 8, &cu->sig) ||
		     !reader_uint(&h, cu->offset_size, &cu->type_off)))
			goto trunc;
	} else {
		cu->unit_type = DW_UT_compile;
		if (!reader_uint(&h, cu->offset_size, &cu->abbrev_off) ||
		    !reader_u8(&h, &cu->addr_size))
			goto trunc;
		/* .debug_types (DWARF 4, 7.5.1.2): signature and type offset */
		if (f->is_types) {
			cu->unit_type = DW_UT_type;
			if (!reader_uint(&h, 8, &cu->sig) ||
			    !reader_uint(&h, cu->offset_size, &cu->type_off))
				goto trunc;
		}
	}
	if (cu->unit_type == DW_UT_type) {
		cu->type_unit = true;
		cu->type_off += cu->off;    /* relative to the unit's header */
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

cor_error *units_read(struct dfile *f)
{
	struct reader r;
	cor_error *err = NULL;
	if (f->units_done)
		return dwarf_copy_err(f->units_err);
	f->units_done = true;
	dfile_reader(&r, &f->s->info, SECNAME(f, ".debug_info"), f, 8);
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
	dwarf_save_err(&f->units_err, err);
	return err;
}

struct cu *cu_at(struct dfile *f, uint64_t off)
{
	size_t lo = COR_UPPER_BOUND(f->cus, f->ncus, .off, off);
	if (!lo || off >= f->cus[lo - 1].end)
		return NULL;
	return &f->cus[lo - 1];
}

/* ---- DIEs ------------------------------------------------------------ */

void die_reader(const struct cu *cu, struct reader *r)
{
	dfile_reader(r, &cu->f->s->info, SECNAME(cu->f, ".debug_info"), cu->f,
		   cu->addr_size);
	r->end = r->base + cu->end;
}

cor_error *unit_err(const struct cu *cu, uint64_t off, const char *what)
{
	struct reader r;
	die_reader(cu, &r);
	return reader_error_at(&r, off, "%s", what);
}

cor_error *die_read(const struct cu *cu, struct reader *r, struct die *d)
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
				d->have |= (uint64_t)1 << a->slot;
			}
			if (err)
				return err;
		}
	}
	d->next = reader_off(r);
	return NULL;
}

cor_error *die_depth_error(const struct reader *r, uint64_t off, uint32_t max_depth)
{
	return dwarf_limit_error(reader_error_at(r, off, "DIE nesting deeper than %u", max_depth));
}

cor_error *die_skip_children(const struct cu *cu, struct reader *r, const struct die *d,
			     uint32_t max_depth)
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
		else if (c.children && ++depth > max_depth)
			return die_depth_error(r, c.off, max_depth);
	}
	return NULL;
}

cor_error *die_at(const struct cu *cu, uint64_t off, struct die *d)
{
	struct reader r;
	die_reader(cu, &r);
	if (off < cu->die_off || !reader_seek(&r, off) || reader_at_end(&r))
		return reader_error_at(&r, off, "DIE reference out of range");
	return die_read(cu, &r, d);
}

bool val_addr(const struct cu *cu, const struct dwarf_value *v, uint64_t *out)
{
	return dwarf_value_addr(&cu->fc, v, out);
}

const char *val_str(const struct cu *cu, const struct dwarf_value *v)
{
	const char *str;
	return dwarf_value_str(&cu->fc, v, &str) ? str : NULL;
}

/* ---- loading a unit's top DIE ---------------------------------------- */

static bool is_cpp(uint64_t lang)
{
	return lang == DW_LANG_C_plus_plus || lang == DW_LANG_C_plus_plus_03 ||
	       lang == DW_LANG_C_plus_plus_11 || lang == DW_LANG_C_plus_plus_14;
}

static cor_error *cu_top(struct cu *cu)
{
	struct die d;
	cor_error *err;
	uint64_t v;
	if (cu->unit_type != DW_UT_compile && cu->unit_type != DW_UT_partial &&
	    cu->unit_type != DW_UT_skeleton && cu->unit_type != DW_UT_type)
		return unit_err(cu, cu->off, "unsupported unit type or version");
	if ((err = abbrev_get(cu->f, cu->abbrev_off, &cu->abbrev)) ||
	    (err = die_at(cu, cu->die_off, &d)))
		return err;
	if (d.tag == DW_TAG_partial_unit)
		cu->partial = true;
	else if (d.tag == DW_TAG_skeleton_unit || HAS(&d, S_dwo))
		cu->split = true;
	else if (cu->type_unit ? d.tag != DW_TAG_type_unit : d.tag != DW_TAG_compile_unit)
		return unit_err(cu, d.off, "unit DIE is not a compile unit");
	cu->fc.str_base = cu->fc.addr_base = cu->offset_size == 8 ? 16 : 8;
	cu->rng_base = cu->loc_base = cu->offset_size == 8 ? 20 : 12;
	if (HAS(&d, S_str_base))
		cu->fc.str_base = d.a[S_str_base].u;
	if (HAS(&d, S_addr_base))
		cu->fc.addr_base = d.a[S_addr_base].u;
	if (HAS(&d, S_rng_base))
		cu->rng_base = d.a[S_rng_base].u;
	if (HAS(&d, S_loc_base))
		cu->loc_base = d.a[S_loc_base].u;
	if (HAS(&d, S_low))
		val_addr(cu, &d.a[S_low], &cu->base);
	if (HAS(&d, S_stmt_list) && d.a[S_stmt_list].cls != DW_V_BLOCK) {
		cu->have_stmt = true;
		cu->stmt_list = d.a[S_stmt_list].u;
	}
	if (HAS(&d, S_comp_dir))
		cu->comp_dir = val_str(cu, &d.a[S_comp_dir]);
	if (HAS(&d, S_language) && dwarf_value_const(&d.a[S_language], &v)) {
		cu->lang = v > UINT16_MAX ? 0 : (uint16_t)v;
		cu->cpp = is_cpp(v);
	}
	return NULL;
}

cor_error *cu_load(struct cu *cu)
{
	cor_error *err;
	if (cu->state == 1)
		return NULL;
	if (cu->state == 2)
		return dwarf_copy_err(cu->err);
	err = cu_top(cu);
	if (err == &cor_enomem)
		return err;
	cu->state = err ? 2 : 1;
	dwarf_save_err(&cu->err, err);
	return err;
}


void units_free(struct dfile *f)
{
	for (size_t i = 0; i < f->ncus; i++)
		cor_error_free(f->cus[i].err);
	for (size_t i = 0; i < f->abbrevs.cap; i++)
		abbrev_free(f->abbrevs.v[i]);
	off_hash_free(&f->abbrevs);
	free(f->cus);
	cor_error_free(f->units_err);
}
