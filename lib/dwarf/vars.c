/* Variables of a frame: the children of its scope DIE (a subprogram or an
 * inlined subroutine) walked once, descending only into lexical blocks
 * that hold the pc; nested inline instances are frames of their own.
 * Bounded by the DIE depth limit and MAX_VARS. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "vars.h"
#include "loc.h"
#include "ranges.h"

#define MAX_VARS 4096
#define MAX_HOPS 8
#define MAX_SCOPES 64

/* A lexical block of the scope (0: the scope itself): its parent, and
 * whether its ranges hold the pc. */
struct block {
	uint32_t parent;
	bool holds;
};

#define MAX_BLOCKS 4096

struct walk {
	struct dwarf_info *di;
	struct cu *cu;
	uint64_t pc;
	struct dwarf_frame_vars *out;
	size_t cap;
	uint32_t *depth;         /* the block of each variable */
	struct block *blocks;
	size_t nblocks, bcap;
	/* gdb's block of the pc: the first block (in the order blocks end)
	 * whose ranges hold it, or the block holding the DIE of the next
	 * inner inline instance (inner, 0 if none) */
	uint64_t inner;
	uint32_t target;
	bool have_target;
};

/* Name and type through DW_AT_abstract_origin / DW_AT_specification. */
static void var_origin(struct dwarf_info *di, const struct cu *cu, const struct die *d,
		       struct dwarf_var *v)
{
	struct die o;
	const struct die *cur = d;
	for (unsigned hop = 0;; hop++) {
		if (!v->name && HAS(cur, S_name))
			v->name = val_str(cu, &cur->a[S_name]);
		if (!v->has_type && HAS(cur, S_type)) {
			v->type_cu = cu;
			v->type_v = cur->a[S_type];
			v->has_type = true;
		}
		if ((v->name && v->has_type) || hop == MAX_HOPS)
			return;
		const struct dwarf_value *next = HAS(cur, S_origin) ? &cur->a[S_origin] :
						 HAS(cur, S_spec) ? &cur->a[S_spec] : NULL;
		uint64_t off;
		if (!next || !(cu = dwarf_ref_unit(di, cu, next, &off)))
			return;
		cor_error *err = die_at(cu, off, &o);
		if (err) {
			cor_error_free(err);
			return;
		}
		cur = &o;
	}
}

/* v from the variable DIE d of cu at link-time pc. */
static cor_error *var_fill(struct dwarf_info *di, const struct cu *cu, const struct die *d,
			   uint64_t pc, struct dwarf_var *v)
{
	memset(v, 0, sizeof(*v));
	v->cu = cu;
	v->die = d->off;
	var_origin(di, cu, d, v);
	if (!v->name)
		v->name = "?";
	if (HAS(d, S_location)) {
		v->has_loc_attr = true;
		v->loc_attr = d->a[S_location];
		cor_error *err = dwarf_loc_expr(cu, &d->a[S_location], pc, &v->expr, &v->len,
						&v->has_loc);
		if (err == &cor_enomem)
			return err;
		if (err) {
			v->loc_err = "bad location";
			cor_error_free(err);
		}
	} else if (HAS(d, S_const_value)) {
		v->has_const = true;
		v->cval = d->a[S_const_value];
	}
	return NULL;
}

static cor_error *var_add(struct walk *w, const struct die *d, bool param, uint32_t depth)
{
	struct dwarf_frame_vars *out = w->out;
	if (out->n == MAX_VARS) {
		out->truncated = true;
		return NULL;
	}
	uint32_t *depths;
	if (!COR_GROW(out->v, w->cap, out->n + 1) ||
	    !(depths = cor_reallocarray(w->depth, w->cap, sizeof(*w->depth))))
		return &cor_enomem;
	w->depth = depths;
	struct dwarf_var *v = &out->v[out->n];
	cor_error *err = var_fill(w->di, w->cu, d, w->pc, v);
	if (err)
		return err;
	v->is_param = param;
	w->depth[out->n++] = param ? 0 : depth;
	return NULL;
}

cor_error *dwarf_var_at(struct dwarf_info *di, const struct cu *cu, uint64_t off, uint64_t pc,
			struct dwarf_var *out)
{
	struct die d;
	struct dwarf_value ref = { .cls = DW_V_REF, .u = off };
	uint64_t at;
	const struct cu *target = dwarf_ref_unit(di, cu, &ref, &at);
	if (!target)
		return cor_error_new(COR_ERR_FORMAT, "DW_OP_implicit_pointer: no DIE at 0x%" PRIx64, off);
	cor_error *err = die_at(target, at, &d);
	if (err)
		return err;
	if (d.tag != DW_TAG_variable && d.tag != DW_TAG_formal_parameter)
		return cor_error_new(COR_ERR_FORMAT, "DW_OP_implicit_pointer: DIE 0x%" PRIx64 " is no variable", off);
	return var_fill(di, target, &d, pc, out);
}

/* A new block inside parent for the lexical block d (*idx), or none
 * (*idx = parent) when d has no pc attributes: gdb puts its variables in
 * the block around it. */
static cor_error *block_open(struct walk *w, const struct die *d, uint32_t parent, uint32_t *idx)
{
	struct contains_arg ca = { .pc = w->pc };
	bool have;
	cor_error *err = die_ranges(w->cu, d, contains_fn, &ca, &have);
	*idx = parent;
	if (err || !have)
		return err;
	if (w->nblocks == MAX_BLOCKS) {
		w->out->truncated = true;
		return NULL;
	}
	if (!COR_GROW(w->blocks, w->bcap, w->nblocks + 1))
		return &cor_enomem;
	w->blocks[w->nblocks] = (struct block){ parent, ca.in };
	*idx = (uint32_t)w->nblocks++;
	return NULL;
}

/* One open DIE with a DW_AT_abstract_origin (the scope, a lexical block):
 * the origins its children name, for gdb's inherit_abstract_dies. */
struct open_origin {
	uint64_t origin;         /* 0: none */
	const struct cu *ocu;
	uint32_t block;
	uint64_t *refs;
	size_t nrefs, cap;
};

static void origin_open(struct walk *w, const struct die *d, uint32_t block,
			struct open_origin *o)
{
	uint64_t off;
	const struct cu *ocu;
	free(o->refs);
	memset(o, 0, sizeof(*o));
	if (HAS(d, S_origin) && (ocu = dwarf_ref_unit(w->di, w->cu, &d->a[S_origin], &off))) {
		o->origin = off;
		o->ocu = ocu;
		o->block = block;
	}
}

static cor_error *origin_ref(struct walk *w, struct open_origin *o, const struct die *d)
{
	uint64_t off;
	if (!o->origin || !HAS(d, S_origin) || !dwarf_ref_unit(w->di, w->cu, &d->a[S_origin], &off))
		return NULL;
	if (!COR_GROW(o->refs, o->cap, o->nrefs + 1))
		return &cor_enomem;
	o->refs[o->nrefs++] = off;
	return NULL;
}

static int ref_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* gdb's inherit_abstract_dies: the children of the abstract origin that
 * no concrete child names are the concrete DIE's too, without a location
 * (<optimized out>, or their DW_AT_const_value); an abstract lexical
 * block has no pc range, so its variables belong to the block around. */
static cor_error *origin_inherit(struct walk *w, struct open_origin *o, bool top)
{
	const struct limits *lim = dwarf_info_limits(w->di);
	struct reader r;
	struct die d;
	uint32_t depth = 1;
	cor_error *err = NULL;
	if (!o->origin)
		return NULL;
	struct cu *save = w->cu;
	die_reader(o->ocu, &r);
	if (!reader_seek(&r, o->origin) || (err = die_read(o->ocu, &r, &d)) || !d.children) {
		cor_error_free(err);
		return NULL;
	}
	w->cu = (struct cu *)o->ocu;
	/* the concrete children's origins, looked up by binary search */
	if (o->nrefs > 1)
		qsort(o->refs, o->nrefs, sizeof(*o->refs), ref_cmp);
	while (depth > 0 && !reader_at_end(&r) && !err && !w->out->truncated) {
		if ((err = die_read(o->ocu, &r, &d)))
			break;
		if (!d.tag) {
			depth--;
			continue;
		}
		bool named = depth == 1 && o->nrefs &&
			     bsearch(&d.off, o->refs, o->nrefs, sizeof(*o->refs), ref_cmp);
		bool descend = false;
		if (!named) {
			if (d.tag == DW_TAG_formal_parameter && depth == 1 && top)
				err = var_add(w, &d, true, 0);
			else if ((d.tag == DW_TAG_variable && !HAS(&d, S_declaration)) ||
				 (d.tag == DW_TAG_label && !HAS(&d, S_low)))
				err = var_add(w, &d, false, o->block);
			else if (d.tag == DW_TAG_lexical_block)
				descend = true;
		}
		if (err || !d.children)
			continue;
		if (descend && ++depth <= lim->max_depth)
			continue;
		if (descend) {
			err = die_depth_error(&r, d.off, lim->max_depth);
			break;
		}
		err = die_skip_children(o->ocu, &r, &d, lim->max_depth);
	}
	w->cu = save;
	return err;
}

/* The variables of the scope DIE at off and of every lexical block in it
 * (not of the inline instances in it: frames of their own), each with
 * its block. */
static cor_error *walk_scope(struct walk *w, uint64_t off)
{
	const struct limits *lim = dwarf_info_limits(w->di);
	struct reader r;
	struct die d;
	uint32_t depth = 1;
	cor_error *err;
	die_reader(w->cu, &r);
	if (!reader_seek(&r, off) || (err = die_read(w->cu, &r, &d)))
		return unit_err(w->cu, off, "bad scope DIE");
	/* the block open at each DIE depth, and the DIE's abstract origin */
	uint32_t *open = cor_calloc((size_t)lim->max_depth + 2, sizeof(*open));
	struct open_origin *orig = cor_calloc((size_t)lim->max_depth + 2, sizeof(*orig));
	if (!open || !orig || !COR_GROW(w->blocks, w->bcap, 1)) {
		free(open);
		free(orig);
		return &cor_enomem;
	}
	w->blocks[0] = (struct block){ 0, true };
	w->nblocks = 1;
	open[1] = 0;
	origin_open(w, &d, 0, &orig[1]);
	if (!d.children)
		depth = 0;
	while (depth > 0 && !reader_at_end(&r)) {
		if ((err = die_read(w->cu, &r, &d)))
			break;
		if (!d.tag) {
			uint32_t b = open[depth];
			/* a block ends (post order: inner blocks first) */
			if (b && (depth < 2 || open[depth - 1] != b) && w->blocks[b].holds &&
			    !w->inner && !w->have_target) {
				w->target = b;
				w->have_target = true;
			}
			if ((err = origin_inherit(w, &orig[depth], depth == 1)))
				break;
			origin_open(w, &d, 0, &orig[depth]);
			depth--;
			continue;
		}
		if ((err = origin_ref(w, &orig[depth], &d)))
			break;
		bool descend = false;
		uint32_t b = open[depth];
		if (d.tag == DW_TAG_formal_parameter && depth == 1) {
			err = var_add(w, &d, true, 0);
		} else if (d.tag == DW_TAG_variable && !HAS(&d, S_declaration)) {
			err = var_add(w, &d, false, b);
		} else if (d.tag == DW_TAG_label && !HAS(&d, S_low)) {
			/* a label whose code is gone: gdb lists it among the
			 * locals, <optimized out> (no type, no location) */
			err = var_add(w, &d, false, b);
		} else if (d.tag == DW_TAG_inlined_subroutine) {
			if (d.off == w->inner && !w->have_target) {
				w->target = b;
				w->have_target = true;
			}
		} else if (d.tag == DW_TAG_lexical_block && d.children) {
			err = block_open(w, &d, b, &b);
			descend = true;
		}
		if (err)
			break;
		if (!d.children)
			continue;
		if (descend) {
			if (++depth > lim->max_depth) {
				err = die_depth_error(&r, d.off, lim->max_depth);
				break;
			}
			open[depth] = b;
			origin_open(w, &d, b, &orig[depth]);
			continue;
		}
		if ((err = die_skip_children(w->cu, &r, &d, lim->max_depth)))
			break;
	}
	for (size_t i = 0; i < (size_t)lim->max_depth + 2; i++)
		free(orig[i].refs);
	free(orig);
	free(open);
	return err;
}

struct order {
	struct dwarf_var v;
	uint32_t rank;           /* 0: the block of the pc, 1: its parent ... */
	size_t i;
};

static int order_cmp(const void *a, const void *b)
{
	const struct order *x = a, *y = b;
	/* parameters first, then the innermost block's locals */
	bool px = x->v.is_param, py = y->v.is_param;
	if (px != py)
		return px ? -1 : 1;
	if (!px && x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* The parameters, then the locals of the pc's block and the blocks
 * around it, innermost first (gdb's info locals); the others dropped. */
static cor_error *sort_vars(struct walk *w)
{
	struct dwarf_frame_vars *out = w->out;
	uint32_t *rank = w->nblocks ? cor_calloc(w->nblocks, sizeof(*rank)) : NULL;
	struct order *o = out->n ? cor_calloc(out->n, sizeof(*o)) : NULL;
	if ((w->nblocks && !rank) || (out->n && !o)) {
		free(rank);
		free(o);
		return &cor_enomem;
	}
	for (size_t i = 0; i < w->nblocks; i++)
		rank[i] = UINT32_MAX;
	uint32_t b = w->have_target ? w->target : 0;
	for (uint32_t k = 0; w->nblocks && k <= w->nblocks; k++) {
		rank[b] = k;
		if (!b)
			break;
		b = w->blocks[b].parent;
	}
	size_t n = 0;
	for (size_t i = 0; i < out->n; i++) {
		uint32_t r = out->v[i].is_param ? 0 : w->depth[i] < w->nblocks ? rank[w->depth[i]] : UINT32_MAX;
		if (r != UINT32_MAX)
			o[n++] = (struct order){ out->v[i], r, i };
	}
	if (n > 1)
		qsort(o, n, sizeof(*o), order_cmp);
	out->nparams = 0;
	for (size_t i = 0; i < n; i++) {
		out->v[i] = o[i].v;
		out->nparams += out->v[i].is_param;
	}
	out->n = n;
	free(o);
	free(rank);
	return NULL;
}

cor_error *dwarf_frame_vars(struct dwarf_info *di, uint64_t pc, size_t level,
			    struct dwarf_frame_vars *out)
{
	uint64_t chain[MAX_SCOPES], fn = 0;
	size_t nch;
	struct cu *cu;
	struct die d;
	memset(out, 0, sizeof(*out));
	cor_error *err = dwarf_info_scope_dies(di, pc, &cu, &fn, chain, MAX_SCOPES, &nch);
	if (err || !cu)
		return err;
	out->cu = cu;
	uint64_t scope = level < nch ? chain[nch - 1 - level] : fn;
	/* the inline instance this scope called, if any (chain[0] is the
	 * outermost, in the subprogram) */
	uint64_t inner = 0;
	if (level < nch && level)
		inner = chain[nch - level];
	else if (level >= nch && nch)
		inner = chain[0];
	if ((err = die_at(cu, fn, &d)))
		return err;
	if (HAS(&d, S_frame_base)) {
		err = dwarf_loc_expr(cu, &d.a[S_frame_base], pc, &out->fb, &out->fb_len, &out->has_fb);
		if (err == &cor_enomem)
			return err;
		cor_error_free(err);
	}
	struct walk w = { .di = di, .cu = cu, .pc = pc, .out = out, .inner = inner };
	err = walk_scope(&w, scope);
	if (!err)
		err = sort_vars(&w);
	free(w.depth);
	free(w.blocks);
	if (err) {
		free(out->v);
		memset(out, 0, sizeof(*out));
	}
	return err;
}

/* The register of a call site parameter's DW_AT_location (DW_OP_regN,
 * DW_OP_regx); false if it is something else. */
static bool param_reg(const struct die *d, uint64_t *regno)
{
	const struct dwarf_value *v = &d->a[S_location];
	if (!HAS(d, S_location) || v->cls != DW_V_BLOCK || !v->u)
		return false;
	const uint8_t *p = (const uint8_t *)v->s;
	if (p[0] >= 0x50 && p[0] <= 0x6f && v->u == 1) {
		*regno = p[0] - 0x50;
		return true;
	}
	struct reader r;
	reader_init(&r, p + 1, (size_t)v->u - 1, false, 8);
	return p[0] == 0x90 && reader_uleb(&r, regno) && reader_at_end(&r);
}

cor_error *dwarf_call_value(struct dwarf_info *di, uint64_t pc, uint64_t ret, uint64_t regno,
			    const struct cu **cu_out, const uint8_t **expr, size_t *len, bool *found)
{
	uint64_t chain[1], fn = 0;
	size_t nch;
	struct cu *cu;
	struct reader r;
	struct die d;
	uint32_t depth = 1, site_depth = 0;
	*found = false;
	cor_error *err = dwarf_info_scope_dies(di, pc, &cu, &fn, chain, 1, &nch);
	if (err || !cu)
		return err;
	const struct limits *lim = dwarf_info_limits(di);
	die_reader(cu, &r);
	if (!reader_seek(&r, fn) || (err = die_read(cu, &r, &d)))
		return unit_err(cu, fn, "bad subprogram DIE");
	if (!d.children)
		return NULL;
	while (depth > 0 && !reader_at_end(&r)) {
		if ((err = die_read(cu, &r, &d)))
			return err;
		if (!d.tag) {
			if (depth-- == site_depth)
				return NULL;  /* the site's parameters are done */
			continue;
		}
		if (site_depth && depth == site_depth &&
		    (d.tag == DW_TAG_call_site_parameter || d.tag == DW_TAG_GNU_call_site_parameter)) {
			uint64_t reg;
			const struct dwarf_value *cv = &d.a[S_call_value];
			if (param_reg(&d, &reg) && reg == regno && HAS(&d, S_call_value) &&
			    cv->cls == DW_V_BLOCK) {
				*cu_out = cu;
				*expr = (const uint8_t *)cv->s;
				*len = (size_t)cv->u;
				*found = true;
				return NULL;
			}
		}
		if (!site_depth && (d.tag == DW_TAG_call_site || d.tag == DW_TAG_GNU_call_site)) {
			uint64_t at;
			int slot = HAS(&d, S_call_ret) ? S_call_ret : S_low;
			if (HAS(&d, slot) && val_addr(cu, &d.a[slot], &at) && at == ret) {
				if (!d.children)
					return NULL;
				site_depth = depth + 1;
			}
		}
		if (d.children && ++depth > lim->max_depth)
			return die_depth_error(&r, d.off, lim->max_depth);
	}
	return NULL;
}

/* The top-level variables of cu: the one named name with a location. */
static cor_error *unit_global(struct dwarf_info *di, struct cu *cu, const char *name,
			      struct dwarf_var *out, bool *found)
{
	struct reader r;
	struct die d;
	uint32_t depth = 0;
	cor_error *err;
	die_reader(cu, &r);
	if (!reader_seek(&r, cu->die_off))
		return NULL;
	do {
		if (reader_at_end(&r))
			break;
		if ((err = die_read(cu, &r, &d)))
			return err;
		if (!d.tag) {
			depth--;
			continue;
		}
		if (depth == 1 && d.tag == DW_TAG_variable && !HAS(&d, S_declaration) &&
		    (HAS(&d, S_location) || HAS(&d, S_const_value))) {
			struct dwarf_var v = { 0 };
			var_origin(di, cu, &d, &v);
			if (v.name && !strcmp(v.name, name)) {
				v.cu = cu;
				v.die = d.off;
				if (HAS(&d, S_location) && d.a[S_location].cls == DW_V_BLOCK) {
					v.expr = (const uint8_t *)d.a[S_location].s;
					v.len = (size_t)d.a[S_location].u;
					v.has_loc = true;
				} else if (HAS(&d, S_const_value)) {
					v.has_const = true;
					v.cval = d.a[S_const_value];
				}
				*out = v;
				*found = v.has_loc || v.has_const;
				if (*found)
					return NULL;
			}
		}
		if (!d.children)
			continue;
		if (depth >= 1) {
			/* only the unit's own children: skip deeper subtrees */
			if ((err = die_skip_children(cu, &r, &d, dwarf_info_limits(di)->max_depth)))
				return err;
			continue;
		}
		depth++;
	} while (depth > 0);
	return NULL;
}

cor_error *dwarf_global_var(struct dwarf_info *di, const char *name, struct dwarf_var *out,
			    bool *found)
{
	struct dfile *f = dwarf_info_file(di, false);
	cor_error *err;
	*found = false;
	memset(out, 0, sizeof(*out));
	if ((err = units_read(f)))
		return err;
	for (size_t i = 0; i < f->ncus && !*found; i++) {
		struct cu *cu = &f->cus[i];
		if ((err = cu_load(cu))) {
			if (err == &cor_enomem)
				return err;
			cor_error_free(err);
			continue;
		}
		if (cu->split)
			continue;
		err = unit_global(di, cu, name, out, found);
		if (err == &cor_enomem)
			return err;
		cor_error_free(err);
	}
	return NULL;
}
