/* .debug_info lookups for a PC (DWARF 2-5): per unit the table of
 * subprograms with code, the chain of inlined subroutines down to the PC,
 * scope names (through abstract_origin/specification, C++ qualified), and
 * the source line from the unit's line table or, without units, from
 * every line program. Units are in unit.c, ranges and the address -> unit
 * index in ranges.c. */
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>
#include "info.h"
#include "line.h"
#include "ranges.h"
#include "type.h"

#define MAX_REF_HOPS 16
/* Range list entries one lookup may visit, beyond the sections' own size:
 * lists shared by many DIEs must not make the work quadratic. */
#define RANGE_BUDGET (1u << 22)

struct func {
	struct dwarf_span sp;
	uint64_t die;
};

struct calls_entry {
	uint64_t die;              /* the subprogram's DIE */
	struct dwarf_call *v;
	size_t n;
	bool complete;
};

/* A line program decoded once for every unit naming its offset. */
struct shared_lines {
	const struct dwarf_sections *secs;
	uint64_t str_base;
	uint8_t addr_size;
	struct line_table *lt;     /* NULL when it failed */
	cor_error *err;
};

struct dwarf_info {
	struct dfile main, alt;
	struct limits lim;
	uint64_t budget;           /* range list entries left in this call */
	struct cu_index idx;
	bool fb_done;
	struct line_table **fb;
	size_t nfb, fb_cap, fb_walked;
	cor_error *fb_err;         /* kept for the next call */
	struct off_hash lines;     /* struct shared_lines by stmt_list offset */
	struct strbuf name_sb;
	char **names;
	size_t nnames, names_cap;
	struct calls_entry *calls; /* call sites of subprograms, by DIE */
	size_t ncalls, calls_cap;
	struct dwarf_types *types; /* type.c's cache, made at its first use */
};

struct dfile *dwarf_info_file(struct dwarf_info *di, bool alt)
{
	return alt ? (di->alt.s ? &di->alt : NULL) : &di->main;
}

struct dwarf_types **dwarf_info_types(struct dwarf_info *di)
{
	return &di->types;
}

const struct limits *dwarf_info_limits(const struct dwarf_info *di)
{
	return &di->lim;
}

/* Keeps the first error of several, frees the others. */
static void keep_err(cor_error **first, cor_error *err)
{
	if (!*first)
		*first = err;
	else
		cor_error_free(err);
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
	cu->funcs[cu->nfuncs++] = (struct func){ .sp = { lo, hi, 0 }, .die = a->die };
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
	return die_depth_error(r, off, depth);
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
		return dwarf_copy_err(cu->funcs_err);
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
		dwarf_save_err(&cu->funcs_err, err);
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

/* A reader at the first child of the subprogram DIE at off (*children
 * false when it has none). */
static cor_error *subprogram_children(const struct cu *cu, uint64_t off,
				      struct reader *r, bool *children)
{
	struct die d;
	cor_error *err = NULL;
	die_reader(cu, r);
	if (!reader_seek(r, off) || (err = die_read(cu, r, &d))) {
		cor_error_free(err);
		return reader_error_at(r, off, "bad subprogram DIE");
	}
	*children = d.children;
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
	bool children;
	cor_error *err;
	*nch = 0;
	if ((err = subprogram_children(cu, off, &r, &children)) || !children)
		return err;
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
			if ((err = die_skip_children(cu, &r, &d, di->lim.max_depth)))
				return err;
		} else if (++depth > di->lim.max_depth) {
			return limit_err(&r, d.off, di->lim.max_depth);
		}
	}
	return NULL;
}

/* ---- names ------------------------------------------------------------ */

struct cu *dwarf_ref_unit(struct dwarf_info *di, const struct cu *cu,
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
const char *dwarf_qualify(struct dwarf_info *di, const struct cu *cu,
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
		if (!(cu = dwarf_ref_unit(di, cu, next, &off)))
			break;
	}
	if (*name && !*linkage && name_cu && name_cu->cpp)
		*name = dwarf_qualify(di, name_cu, name_off, *name);
}

/* ---- line tables ------------------------------------------------------ */

static bool same_lines(const void *entry, const void *arg)
{
	const struct shared_lines *e = entry;
	const struct cu *cu = arg;
	return e->secs == cu->f->s && e->addr_size == cu->addr_size &&
	       e->str_base == cu->fc.str_base;
}

static void shared_free(struct shared_lines *e)
{
	if (e) {
		line_table_free(e->lt);
		cor_error_free(e->err);
		free(e);
	}
}

/* The line program at the unit's stmt_list, decoded once per offset. */
static cor_error *shared_lines(struct dwarf_info *di, const struct cu *cu,
			       struct shared_lines **out)
{
	struct shared_lines *e;
	cor_error *err;
	if ((*out = off_hash_get(&di->lines, cu->stmt_list, same_lines, cu)))
		return NULL;
	if (!(e = cor_calloc(1, sizeof(*e))))
		return &cor_enomem;
	struct line_params p = {
		.secs = cu->f->s, .comp_dir = cu->comp_dir,
		.addr_size = cu->addr_size, .str_offsets_base = cu->fc.str_base,
		.have_str_offsets_base = true,
	};
	err = line_table_new(&p, cu->stmt_list, &e->lt);
	e->err = err == &cor_enomem ? NULL : err;
	e->secs = cu->f->s;
	e->addr_size = cu->addr_size;
	e->str_base = cu->fc.str_base;
	if (err == &cor_enomem || !off_hash_add(&di->lines, cu->stmt_list, e)) {
		shared_free(e);
		return &cor_enomem;
	}
	*out = e;
	return NULL;
}

static bool same_dir(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* The unit's line table: the shared one, or a view of it when the unit's
 * comp_dir differs from the one it was decoded with. */
static cor_error *cu_lines(struct dwarf_info *di, struct cu *cu, struct line_table **out)
{
	cor_error *err;
	struct shared_lines *e;
	*out = NULL;
	if (cu->lines_done) {
		*out = cu->lines;
		return dwarf_copy_err(cu->lines_err);
	}
	if ((err = cu_load(cu)))
		return err;
	if (cu->have_stmt) {
		if ((err = shared_lines(di, cu, &e)))
			return err;
		if (e->err) {
			dwarf_save_err(&cu->lines_err, e->err);
			err = dwarf_copy_err(e->err);
		} else if (same_dir(line_table_comp_dir(e->lt), cu->comp_dir)) {
			cu->lines = e->lt;
		} else {
			if ((err = line_table_view(e->lt, cu->comp_dir, &cu->lines)))
				return err;
			cu->lines_view = true;
		}
	}
	cu->lines_done = true;
	*out = cu->lines;
	return err;
}

/* Line programs the fallback walk visits, kept or skipped: a section of
 * tiny units costs time and memory bounded by this, not by its size. */
#define MAX_FALLBACK_UNITS (1u << 17)
/* The fewest bytes after unit_length of a header (v2: version,
 * header_length, min_inst, default_is_stmt, line_base, line_range,
 * opcode_base). */
#define MIN_LINE_HEADER 11

/* Offset past the line program at off, or 0; *len its unit_length. */
static uint64_t line_unit_end(const struct dwarf_sections *s, uint64_t off, uint64_t *len)
{
	struct reader r;
	reader_init(&r, s->line.data, s->line.size, s->be, 8);
	if (!reader_seek(&r, off) || !reader_uint(&r, 4, len))
		return 0;
	if (*len == 0xffffffff && !reader_uint(&r, 8, len))
		return 0;
	if (*len >= 0xfffffff0 && *len != 0xffffffff && reader_off(&r) == off + 4)
		return 0;
	if (reader_left(&r) < *len)
		return 0;
	return reader_off(&r) + *len;
}

/* Past a run of zero bytes from off (padding, or a zero-filled section). */
static uint64_t skip_zeros(const struct dwarf_section *sec, uint64_t off)
{
	while (off < sec->size && !sec->data[off])
		off++;
	return off;
}

/* Without .debug_info: every line program in .debug_line. Zero padding is
 * skipped in one step and units too short for a header without decoding,
 * each with a kept error; at most MAX_FALLBACK_UNITS units are visited. */
static cor_error *fallback_tables(struct dwarf_info *di)
{
	const struct dwarf_sections *s = di->main.s;
	struct line_params p = { .secs = s, .addr_size = s->addr_size };
	uint64_t off = 0, next, len, walked = 0;
	cor_error *err = NULL;
	if (di->fb_done)
		return dwarf_copy_err(di->fb_err);
	struct reader r;
	dwarf_reader(&r, &s->line, s->be, 8);
	reader_where(&r, s->path, ".debug_line", 0);
	while (s->line.data && off < s->line.size) {
		struct line_table *lt;
		if (++walked > MAX_FALLBACK_UNITS) {
			err = dwarf_limit_error(reader_error_at(&r, off,
				"more than %u line programs: the rest of .debug_line skipped",
				MAX_FALLBACK_UNITS));
			dwarf_save_err(&di->fb_err, err);
			cor_error_free(err);
			break;
		}
		di->fb_walked = walked;
		next = line_unit_end(s, off, &len);
		if (next && len == 0) {
			uint64_t end = skip_zeros(&s->line, off);
			err = reader_error_at(&r, off, "%" PRIu64 " zero bytes skipped", end - off);
			next = end > off ? end : off + 4;
		} else if (next && len < MIN_LINE_HEADER) {
			err = reader_error_at(&r, off, "unit length %" PRIu64
					      " too short for a line program header", len);
		} else if (!next || next <= off)
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
			dwarf_save_err(&di->fb_err, err);
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
	return di->fb_err ? dwarf_copy_err(di->fb_err) : dwarf_copy_err(di->idx.err);
}

/* ---- call sites ---------------------------------------------------------- */

/* Call sites kept per subprogram (one with more has an incomplete list),
 * and subprograms whose call sites are cached. */
#define MAX_CALLS 4096
#define CALLS_CACHE 256

static void calls_clear(struct dwarf_info *di)
{
	for (size_t i = 0; i < di->ncalls; i++)
		free(di->calls[i].v);
	di->ncalls = 0;
}

/* The callee of a call site from its origin DIE (DW_AT_call_origin,
 * DW_AT_abstract_origin): its entry when the DIE (or one it refers to) has
 * DW_AT_low_pc, and its names for a declaration or an abstract instance. */
static void call_origin(struct dwarf_info *di, const struct cu *cu,
			const struct dwarf_value *v, struct dwarf_call *c)
{
	uint64_t off;
	struct die d;
	for (unsigned hops = 0; hops < MAX_REF_HOPS; hops++) {
		if (!(cu = dwarf_ref_unit(di, cu, v, &off)))
			return;
		cor_error *err = die_at(cu, off, &d);
		if (err) {
			cor_error_free(err);
			return;
		}
		if (!c->target_known && !cu->f->is_alt && HAS(&d, S_low) &&
		    val_addr(cu, &d.a[S_low], &c->target))
			c->target_known = true;
		if (!c->target_linkage && HAS(&d, S_linkage))
			c->target_linkage = val_str(cu, &d.a[S_linkage]);
		if (!c->target_name && HAS(&d, S_name))
			c->target_name = val_str(cu, &d.a[S_name]);
		if (c->target_known)
			return;
		if (HAS(&d, S_origin))
			v = &d.a[S_origin];
		else if (HAS(&d, S_spec))
			v = &d.a[S_spec];
		else
			return;
	}
}

/* DW_AT_call_target when it is a constant address (DW_OP_addr,
 * DW_OP_addrx); a computed target (a register, memory) stays unknown. */
static void call_target(const struct cu *cu, const struct dwarf_value *v,
			struct dwarf_call *c)
{
	struct reader r;
	uint8_t op;
	uint64_t x;
	if (v->cls != DW_V_BLOCK || !v->s)
		return;
	reader_init(&r, v->s, v->u, cu->f->s->be, cu->addr_size);
	if (!reader_u8(&r, &op))
		return;
	if (op == DW_OP_addr && reader_addr(&r, &x) && reader_at_end(&r)) {
		c->target = x;
		c->target_known = true;
	} else if ((op == DW_OP_addrx || op == DW_OP_GNU_addr_index) &&
		   reader_uleb(&r, &x) && reader_at_end(&r)) {
		struct dwarf_value a = { .cls = DW_V_ADDRX, .u = x };
		c->target_known = val_addr(cu, &a, &c->target);
	}
}

/* One DW_TAG_call_site / DW_TAG_GNU_call_site; false if it has no address. */
static bool call_read(struct dwarf_info *di, struct cu *cu, const struct die *d,
		      struct dwarf_call *c)
{
	uint64_t v;
	memset(c, 0, sizeof(*c));
	if (!(HAS(d, S_call_ret) && val_addr(cu, &d->a[S_call_ret], &c->return_pc)) &&
	    !(HAS(d, S_low) && val_addr(cu, &d->a[S_low], &c->return_pc)))
		return false;
	c->tail = HAS(d, S_tail) && dwarf_value_const(&d->a[S_tail], &v) && v;
	if (HAS(d, S_origin))
		call_origin(di, cu, &d->a[S_origin], c);
	else if (HAS(d, S_target))
		call_target(cu, &d->a[S_target], c);
	if (HAS(d, S_call_file) && dwarf_value_const(&d->a[S_call_file], &v)) {
		struct line_table *lt;
		cor_error_free(cu_lines(di, cu, &lt));
		if (lt)
			c->file = line_table_file(lt, v);
	}
	if (HAS(d, S_call_line) && dwarf_value_const(&d->a[S_call_line], &v))
		c->line = (uint32_t)v;
	return true;
}

static int call_cmp(const void *a, const void *b)
{
	const struct dwarf_call *x = a, *y = b;
	return x->return_pc < y->return_pc ? -1 : x->return_pc > y->return_pc;
}

/* The call sites below the subprogram at off (in its blocks and inline
 * instances, not in nested subprograms). */
static cor_error *calls_walk(struct dwarf_info *di, struct cu *cu, uint64_t off,
			     struct calls_entry *e)
{
	struct reader r;
	struct die d;
	uint32_t depth = 1;
	size_t cap = 0;
	bool children;
	cor_error *err;
	e->complete = true;
	if ((err = subprogram_children(cu, off, &r, &children)) || !children)
		return err;
	while (depth > 0 && !reader_at_end(&r)) {
		if ((err = die_read(cu, &r, &d)))
			return err;
		if (!d.tag) {
			depth--;
			continue;
		}
		bool site = d.tag == DW_TAG_call_site || d.tag == DW_TAG_GNU_call_site;
		if (site) {
			struct dwarf_call c;
			if (!call_read(di, cu, &d, &c))
				;
			else if (e->n == MAX_CALLS)
				e->complete = false;
			else if (!COR_GROW(e->v, cap, e->n + 1))
				return &cor_enomem;
			else
				e->v[e->n++] = c;
		}
		if (!d.children)
			continue;
		if (site || d.tag == DW_TAG_subprogram) {
			if ((err = die_skip_children(cu, &r, &d, di->lim.max_depth)))
				return err;
		} else if (++depth > di->lim.max_depth) {
			return limit_err(&r, d.off, di->lim.max_depth);
		}
	}
	if (e->n > 1)
		qsort(e->v, e->n, sizeof(*e->v), call_cmp);
	return NULL;
}

/* The cached call sites of the subprogram at DIE off, walked on first use. */
static cor_error *calls_of(struct dwarf_info *di, struct cu *cu, uint64_t off,
			   const struct calls_entry **out)
{
	size_t i = COR_UPPER_BOUND(di->calls, di->ncalls, .die, off);
	if (i && di->calls[i - 1].die == off) {
		*out = &di->calls[i - 1];
		return NULL;
	}
	if (di->ncalls >= CALLS_CACHE) {
		calls_clear(di);
		i = 0;
	}
	if (!COR_GROW(di->calls, di->calls_cap, di->ncalls + 1))
		return &cor_enomem;
	struct calls_entry e = { .die = off };
	cor_error *err = calls_walk(di, cu, off, &e);
	if (err == &cor_enomem) {
		free(e.v);
		return err;
	}
	if (err) {
		/* what was read before the error is kept, marked incomplete */
		e.complete = false;
		if (e.n > 1)
			qsort(e.v, e.n, sizeof(*e.v), call_cmp);
	}
	memmove(&di->calls[i + 1], &di->calls[i], (di->ncalls - i) * sizeof(*di->calls));
	di->calls[i] = e;
	di->ncalls++;
	*out = &di->calls[i];
	return err;
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
	if (di->lim.max_depth > COR_MAX_DEPTH)
		di->lim.max_depth = COR_MAX_DEPTH;
	di->main.s = secs;
	di->main.budget = &di->budget;
	if (secs->alt) {
		di->alt.s = secs->alt;
		di->alt.budget = &di->budget;
		di->alt.is_alt = true;
	}
	*out = di;
	return NULL;
}

static void dfile_free(struct dfile *f)
{
	for (size_t i = 0; i < f->ncus; i++) {
		struct cu *cu = &f->cus[i];
		cor_error_free(cu->lines_err);
		cor_error_free(cu->funcs_err);
		free(cu->funcs);
		if (cu->lines_view)
			line_table_free(cu->lines);
	}
	units_free(f);
}

void dwarf_info_free(struct dwarf_info *di)
{
	if (!di)
		return;
	dfile_free(&di->main);
	dfile_free(&di->alt);
	for (size_t i = 0; i < di->lines.cap; i++)
		shared_free(di->lines.v[i]);
	off_hash_free(&di->lines);
	for (size_t i = 0; i < di->nfb; i++)
		line_table_free(di->fb[i]);
	for (size_t i = 0; i < di->nnames; i++)
		free(di->names[i]);
	free(di->names);
	free(di->fb);
	cor_error_free(di->fb_err);
	cu_index_free(&di->idx);
	sb_free(&di->name_sb);
	calls_clear(di);
	free(di->calls);
	dwarf_types_free(di->types);
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
		cor_error_free(cu_lines(di, cu, &lt));
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
	if (!(ch = cor_calloc((size_t)di->lim.max_depth + 1, sizeof(*ch))))
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
	if ((err = cu_index_build(&di->idx, &di->main)))
		return err;
	nc = cu_index_find(&di->idx, pc, cand, MAX_CANDIDATES);
	for (size_t i = 0; i < nc + di->idx.nnocov && !*n; i++) {
		size_t k = i < nc ? cand[i] : di->idx.nocov[i - nc];
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
	return first ? first : dwarf_copy_err(di->idx.err);
}

/* The unit and the smallest subprogram containing pc; *fn NULL (and the
 * first error met, if any) when none does. Resets the range budget. */
static cor_error *unit_func(struct dwarf_info *di, uint64_t pc, struct cu **cu_out,
			    const struct func **fn)
{
	size_t cand[MAX_CANDIDATES], nc;
	cor_error *err, *first = NULL;
	*fn = NULL;
	budget_reset(di);
	if ((err = cu_index_build(&di->idx, &di->main)))
		return err;
	nc = cu_index_find(&di->idx, pc, cand, MAX_CANDIDATES);
	for (size_t i = 0; i < nc + di->idx.nnocov; i++) {
		struct cu *cu = &di->main.cus[i < nc ? cand[i] : di->idx.nocov[i - nc]];
		if ((err = cu_funcs(di, cu))) {
			if (err == &cor_enomem) {
				cor_error_free(first);
				return err;
			}
			keep_err(&first, err);
			continue;
		}
		if ((*fn = func_find(cu, pc))) {
			cor_error_free(first);
			*cu_out = cu;
			return NULL;
		}
	}
	return first;
}

cor_error *dwarf_info_calls(struct dwarf_info *di, uint64_t pc,
			    const struct dwarf_call **out, size_t *n, bool *complete)
{
	const struct func *fn;
	const struct calls_entry *e;
	struct cu *cu;
	*out = NULL;
	*n = 0;
	*complete = false;
	cor_error *err = unit_func(di, pc, &cu, &fn);
	if (!fn) {
		/* no subprogram covers pc: it has no call sites to read */
		*complete = !err;
		return err;
	}
	err = calls_of(di, cu, fn->die, &e);
	if (err == &cor_enomem)
		return err;
	*out = e->v;
	*n = e->n;
	*complete = e->complete;
	return err;
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
	if ((err = cu_index_build(&di->idx, &di->main)))
		return err;
	if (!di->main.ncus)
		return fallback_line(di, pc, file, line, column);
	nc = cu_index_find(&di->idx, pc, cand, MAX_CANDIDATES);
	for (size_t i = 0; i < nc + di->idx.nnocov; i++) {
		struct cu *cu = &di->main.cus[i < nc ? cand[i] : di->idx.nocov[i - nc]];
		struct line_table *lt;
		err = cu_lines(di, cu, &lt);
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
	return first ? first : dwarf_copy_err(di->idx.err);
}

void dwarf_info_stats(const struct dwarf_info *di, struct dwarf_info_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->units = di->main.ncus;
	st->abbrev_tables = di->main.abbrevs.n + di->alt.abbrevs.n;
	st->abbrev_bytes = di->main.abbrev_bytes + di->alt.abbrev_bytes;
	st->line_tables = di->lines.n;
	for (size_t i = 0; i < di->main.ncus; i++)
		st->line_views += di->main.cus[i].lines_view;
	st->fallback_tables = di->nfb;
	st->fallback_walked = di->fb_walked;
}

cor_error *dwarf_info_scope_dies(struct dwarf_info *di, uint64_t pc, struct cu **cu_out,
				 uint64_t *fn_die, uint64_t *chain, size_t max, size_t *nchain)
{
	const struct func *fn;
	struct chain *ch;
	struct cu *cu;
	size_t nch;
	*cu_out = NULL;
	*nchain = 0;
	cor_error *err = unit_func(di, pc, &cu, &fn);
	if (!fn)
		return err;
	if (!(ch = cor_calloc((size_t)di->lim.max_depth + 1, sizeof(*ch))))
		return &cor_enomem;
	if ((err = inline_chain(di, cu, fn->die, pc, ch, &nch))) {
		free(ch);
		return err;
	}
	for (size_t k = 0; k < nch && k < max; k++)
		chain[k] = ch[k].off;
	*nchain = nch < max ? nch : max;
	*fn_die = fn->die;
	*cu_out = cu;
	free(ch);
	return NULL;
}
