/* Backtraces: physical frames from the unwinder, each symbolized (symbol
 * table, DWARF subprogram and inline chain, file:line) and expanded into its
 * inline frames, and the frames tail calls removed put back between them
 * where DWARF call sites leave one way. Symbolization is cached per core by
 * PC: threads parked in the same places cost one lookup. */
#include <stdlib.h>
#include <string.h>
#include "backtrace.h"

#define MAX_SCOPES 64
/* Tail-call frames between two physical frames; functions a search for
 * them may visit; tail call sites of one function it follows. */
#define MAX_TAIL_CHAIN 8
#define TAIL_BUDGET 64
#define MAX_TAIL_SITES 64
/* Go calls inlined at one pc, from the pclntab */
#define MAX_GO_INLINE 32

struct cor_backtrace {
	struct cor_frame *v;
	size_t n, cap;
	char *stop;
};

/* One symbolized level of a PC (an inline instance or the function). */
struct sym_level {
	const char *function, *file;
	uint64_t base;           /* offset = pc - base (when function) */
	uint32_t line, column;
	bool is_inline;
};

struct sym_entry {
	uint64_t pc;             /* lookup pc; the slot is used when n > 0 */
	uint32_t first, n;       /* levels[first .. first + n) */
	const char *module;
	uint64_t bias;           /* the module's load bias */
	struct module *mod;
	/* the function holding pc (outermost level), for tail calls: its
	 * entry from DWARF and from the symbol table (runtime, 0 if unknown)
	 * and its raw names (DWARF linkage name and name, ELF symbol) */
	uint64_t fn_dwarf, fn_sym;
	const char *fn_names[3];
	/* as a caller's return address: the runtime entry of the function
	 * its call site names (0: none or unknown), once looked up */
	uint64_t call_target;
	bool call_done;
};

void symbolizer_free(struct symbolizer *s)
{
	free(s->cache.tab);
	free(s->cache.levels);
	memset(&s->cache, 0, sizeof(s->cache));
}

static size_t slot(const struct symcache *sc, uint64_t pc)
{
	uint64_t h = pc * 0x9e3779b97f4a7c15ull;
	size_t i = (size_t)(h >> 20) & (sc->cap - 1);
	while (sc->tab[i].n && sc->tab[i].pc != pc)
		i = (i + 1) & (sc->cap - 1);
	return i;
}

static bool sc_grow(struct symcache *sc)
{
	if (sc->used * 2 < sc->cap)
		return true;
	struct symcache big = *sc;
	big.cap = sc->cap ? sc->cap * 2 : 256;
	big.tab = cor_calloc(big.cap, sizeof(*big.tab));
	if (!big.tab)
		return false;
	for (size_t i = 0; i < sc->cap; i++)
		if (sc->tab[i].n)
			big.tab[slot(&big, sc->tab[i].pc)] = sc->tab[i];
	free(sc->tab);
	sc->tab = big.tab;
	sc->cap = big.cap;
	return true;
}

static const char *keep(struct symbolizer *c, const char *s)
{
	return s ? arena_strdup(c->arena, s) : NULL;
}

/* Demangled name kept in the core's arena. */
static const char *name_of(struct symbolizer *c, const char *raw)
{
	if (!raw)
		return NULL;
	if (!c->raw_names) {
		char *d = cor_demangle(raw);
		if (d) {
			const char *s = keep(c, d);
			free(d);
			return s;
		}
		if (raw[0] == '_' && (raw[1] == 'Z' || raw[1] == 'R') && !cor_have_demangler())
			warnings_add(c->warn, COR_ERR_UNSUPPORTED, NULL, "C++ and Rust names are shown mangled: coroner was built without libiberty and libstdc++");
	}
	return keep(c, raw);
}

static struct sym_level *add_level(struct symcache *sc)
{
	if (!COR_GROW(sc->levels, sc->levels_cap, sc->nlevels + 1))
		return NULL;
	struct sym_level *l = &sc->levels[sc->nlevels++];
	memset(l, 0, sizeof(*l));
	return l;
}

static void warn_err(struct symbolizer *c, const struct module *m, cor_error *err)
{
	warnings_error(c->warn, m->pub.name, err);
}

/* The ELF symbol sym names a part of the function of scope s that gcc
 * split off: "check.cold", "check.part.0" for the subprogram "check". */
static bool part_of(const struct dwarf_scope *s, const char *sym)
{
	const char *raw = s->linkage_name ? s->linkage_name : s->name;
	size_t len = raw ? strlen(raw) : 0;
	return len && !strncmp(sym, raw, len) && sym[len] == '.';
}

/* The Go function holding runtime pc in m, from its pclntab. */
static bool go_func(struct symbolizer *c, struct module *m, uint64_t pc, struct gofunc *f)
{
	struct gopclntab *t = module_gopclntab(c->modules, m);
	return t && gopclntab_func(t, pc - m->pub.load_bias, f);
}

/* Symbolizes lookup pc into levels (innermost first); false on no memory. */
static bool resolve(struct symbolizer *c, struct symcache *sc, uint64_t pc,
		    struct sym_entry *e)
{
	struct module *m = module_at(c->modules, pc);
	e->pc = pc;
	e->first = (uint32_t)sc->nlevels;
	e->module = m ? m->pub.name : NULL;
	e->bias = m ? m->pub.load_bias : 0;
	e->mod = m;
	e->fn_dwarf = e->fn_sym = 0;
	memset(e->fn_names, 0, sizeof(e->fn_names));
	struct dwarf_scope scopes[MAX_SCOPES];
	size_t ns = 0;
	const char *file = NULL;
	uint32_t line = 0, col = 0;
	struct symbol sym;
	bool have_sym = false;
	if (m) {
		uint64_t rel = pc - m->pub.load_bias;
		struct symtab *st = module_symtab(c->modules, m);
		have_sym = st && symtab_lookup(st, rel, &sym);
		struct dwarf_info *di = module_dwarf(c->modules, m);
		cor_error *err;
		if (di && (err = dwarf_info_scopes(di, rel, scopes, MAX_SCOPES, &ns))) {
			warn_err(c, m, err);
			ns = 0;
		}
		if (di && (err = dwarf_info_line(di, rel, &file, &line, &col))) {
			warn_err(c, m, err);
			file = NULL;
		}
	}
	struct gofunc gf;
	struct goinline gi[MAX_GO_INLINE];
	size_t ngi = 0;
	if (m && !ns && (!have_sym || !file) && go_func(c, m, pc, &gf)) {
		/* no DWARF (a Go binary built -ldflags=-w, or -s -w): Go's own
		 * table names the function, its line and the calls inlined */
		uint64_t rel = pc - m->pub.load_bias, outer = rel;
		if (!have_sym) {
			sym = (struct symbol){ .name = gf.name, .value = gf.entry,
					       .size = gf.end - gf.entry };
			have_sym = gf.name[0] != 0;
		}
		if (!file) {
			ngi = gopclntab_inline(m->go, &gf, rel, gi, MAX_GO_INLINE, &outer);
			if (!gopclntab_line(m->go, &gf, outer, &file, &line))
				file = NULL;
		}
	}
	if (ns) {
		e->fn_dwarf = m->pub.load_bias + scopes[ns - 1].low_pc;
		e->fn_names[0] = scopes[ns - 1].linkage_name;
		e->fn_names[1] = scopes[ns - 1].name;
	}
	if (have_sym) {
		e->fn_sym = m->pub.load_bias + sym.value;
		e->fn_names[2] = sym.name;
	}
	for (size_t k = 0; !c->no_inline && k < ngi; k++) {
		/* Go's inlined calls, innermost first, then the function */
		struct sym_level *l = add_level(sc);
		if (!l)
			return false;
		l->is_inline = true;
		l->function = keep(c, gi[k].name);
		l->file = keep(c, gi[k].file);
		l->line = gi[k].line;
		l->base = m->pub.load_bias + gf.entry;
	}
	if (ngi && !c->no_inline) {
		struct sym_level *l = add_level(sc);
		if (!l)
			return false;
		l->function = have_sym ? name_of(c, sym.name) : NULL;
		l->base = m->pub.load_bias + (have_sym ? sym.value : gf.entry);
		l->file = keep(c, file);
		l->line = line;
		e->n = (uint32_t)ngi + 1;
		return true;
	}
	if (c->no_inline && ns > 1) {
		/* the function alone, at the call site of its outermost inline */
		file = scopes[ns - 2].call_file;
		line = scopes[ns - 2].call_line;
		col = scopes[ns - 2].call_column;
		scopes[0] = scopes[ns - 1];
		ns = 1;
	}
	size_t n = ns ? ns : 1;
	for (size_t k = 0; k < n; k++) {
		struct sym_level *l = add_level(sc);
		if (!l)
			return false;
		l->is_inline = k + 1 < n;
		l->file = keep(c, k ? scopes[k - 1].call_file : file);
		l->line = k ? scopes[k - 1].call_line : line;
		l->column = k ? scopes[k - 1].call_column : col;
		if (ns) {
			const struct dwarf_scope *s = &scopes[k];
			l->function = s->linkage_name ? name_of(c, s->linkage_name) : keep(c, s->name);
			l->base = m->pub.load_bias + s->low_pc;
		}
		if (!l->is_inline && have_sym) {
			if (!l->function)
				l->function = name_of(c, sym.name);
			else if (ns && part_of(&scopes[k], sym.name))
				/* the part of the function holding pc: its ELF
				 * symbol (check.cold), not the DWARF name */
				l->function = name_of(c, sym.name);
			l->base = m->pub.load_bias + sym.value;
		}
	}
	e->n = (uint32_t)n;
	return true;
}

static const struct sym_entry *lookup(struct symbolizer *c, uint64_t pc)
{
	struct symcache *sc = &c->cache;
	if (sc->cap) {
		struct sym_entry *e = &sc->tab[slot(sc, pc)];
		if (e->n)
			return e;
	}
	if (!sc_grow(sc))
		return NULL;
	struct sym_entry e = {0};
	if (!resolve(c, sc, pc, &e))
		return NULL;
	struct sym_entry *dst = &sc->tab[slot(sc, pc)];
	*dst = e;
	sc->used++;
	return dst;
}

bool symbolize_pc(struct symbolizer *s, uint64_t pc, const char **function, const char **file,
		  uint32_t *line, uint64_t *offset)
{
	const struct sym_entry *e = lookup(s, pc);
	if (!e)
		return false;
	const struct sym_level *in = &s->cache.levels[e->first];
	const struct sym_level *out = &s->cache.levels[e->first + e->n - 1];
	*function = out->function;
	*file = in->file;
	*line = in->line;
	*offset = out->function ? pc - out->base : 0;
	return out->function || in->file;
}

struct bt_cb {
	struct unwind_cb cb;
	struct symbolizer *c;
	struct cor_backtrace *bt;
	struct sym_entry prev;   /* the frame before (the callee) */
	bool have_prev, prev_signal;
};

/* ---- tail calls ----------------------------------------------------------
 * A function that ended in a jump to another (`return f(x);` built -O2)
 * leaves no frame: the stack says its caller C called the callee F. When C's
 * call site (the DW_TAG_call_site whose return pc is C's pc) names a target
 * T0 other than F's function, the functions between are found through the
 * tail call sites (DW_AT_call_tail_call) of T0, T1, ...: when exactly one
 * chain T0 -> T1 -> ... -> F exists, each Ti becomes a frame between F and
 * C (gdb's rule). A tail call whose target is computed (a register) makes
 * any chain through it unknown, so none is shown. */

/* One tail call of a chain: the call site in function func. */
struct tail_step {
	uint64_t func, pc;       /* runtime: the function, the call's return pc */
	struct module *m;
	const char *file;        /* DW_AT_call_file/line, if any */
	uint32_t line;
};

struct tail_search {
	struct symbolizer *c;
	const struct sym_entry *goal;          /* F */
	struct tail_step path[MAX_TAIL_CHAIN], chain[MAX_TAIL_CHAIN];
	size_t nchain;
	unsigned found, budget;
	bool unknown;            /* a chain may exist that the search cannot see */
};

/* The runtime entry of a call's target: its DWARF entry, else its name in
 * the call's module, else in F's; 0 if not found. */
static uint64_t target_of(const struct tail_search *s, struct module *m,
			  const struct dwarf_call *call)
{
	if (call->target_known)
		return m->pub.load_bias + call->target;
	struct module *where[2] = { m, s->goal->mod };
	const char *names[2] = { call->target_linkage, call->target_name };
	for (size_t i = 0; i < 2; i++) {
		struct symtab *st = where[i] ? module_symtab(s->c->modules, where[i]) : NULL;
		uint64_t v;
		for (size_t k = 0; st && k < 2; k++)
			if (names[k] && symtab_find_name(st, names[k], &v))
				return where[i]->pub.load_bias + v;
		if (where[1] == where[0])
			break;
	}
	return 0;
}

/* Is the call's target (at runtime address addr, 0 if unknown) F's
 * function? */
static bool is_goal(const struct tail_search *s, const struct dwarf_call *call,
		    uint64_t addr)
{
	const struct sym_entry *g = s->goal;
	if (addr)
		return addr == g->fn_dwarf || addr == g->fn_sym;
	for (size_t i = 0; i < 3; i++)
		if (g->fn_names[i] &&
		    ((call->target_linkage && !strcmp(call->target_linkage, g->fn_names[i])) ||
		     (call->target_name && !strcmp(call->target_name, g->fn_names[i]))))
			return true;
	return false;
}

/* The call sites of the function holding runtime address pc, copied (the
 * DWARF reader's list lasts until its next call): the tail calls when ret
 * is 0, else the one returning to runtime address ret. */
static size_t calls_at(struct symbolizer *c, struct module *m, uint64_t pc, uint64_t ret,
		       struct dwarf_call *out, size_t max, bool *complete)
{
	struct dwarf_info *di = m ? module_dwarf(c->modules, m) : NULL;
	const struct dwarf_call *v;
	size_t n, k = 0;
	*complete = false;
	if (!di)
		return 0;
	cor_error *err = dwarf_info_calls(di, pc - m->pub.load_bias, &v, &n, complete);
	if (err) {
		/* the frames' own lookups warn about bad DWARF */
		cor_error_free(err);
		*complete = false;
	}
	for (size_t i = 0; i < n; i++) {
		if (!ret ? !v[i].tail : v[i].return_pc != ret - m->pub.load_bias)
			continue;
		if (k == max) {
			*complete = false;
			break;
		}
		out[k++] = v[i];
	}
	return k;
}

/* Chains from function func (runtime) to the goal, depth tail calls deep. */
static void tail_walk(struct tail_search *s, uint64_t func, size_t depth)
{
	struct dwarf_call sites[MAX_TAIL_SITES];
	bool complete;
	if (s->found > 1 || s->unknown)
		return;
	if (depth == MAX_TAIL_CHAIN || !s->budget--) {
		s->unknown = true;
		return;
	}
	for (size_t i = 0; i < depth; i++)
		if (s->path[i].func == func)
			return;  /* a cycle: no chain through it */
	struct module *m = module_at(s->c->modules, func);
	size_t n = calls_at(s->c, m, func, 0, sites, MAX_TAIL_SITES, &complete);
	if (m && module_dwarf(s->c->modules, m) && !complete) {
		s->unknown = true;
		return;
	}
	for (size_t i = 0; i < n && s->found < 2 && !s->unknown; i++) {
		uint64_t to = target_of(s, m, &sites[i]);
		s->path[depth] = (struct tail_step){ func, m->pub.load_bias + sites[i].return_pc,
						     m, sites[i].file, sites[i].line };
		if (is_goal(s, &sites[i], to)) {
			if (++s->found == 1) {
				memcpy(s->chain, s->path, (depth + 1) * sizeof(*s->chain));
				s->nchain = depth + 1;
			}
		} else if (!to) {
			/* a computed or unfound target: where it goes is unknown */
			s->unknown = true;
		} else {
			tail_walk(s, to, depth + 1);
		}
	}
}

/* Appends the tail-call frames between callee f (the frame before) and
 * caller frame uf (symbolized as ce); false on no memory. */
static bool tail_frames(struct bt_cb *b, const struct unwind_frame *uf,
			const struct sym_entry *ce, const struct sym_entry *f)
{
	struct tail_search s = { .c = b->c, .goal = f, .budget = TAIL_BUDGET };
	if (!ce->mod || (!f->fn_dwarf && !f->fn_sym && !f->fn_names[2]))
		return true;
	/* the call site's target, once per return address (threads parked in
	 * the same places return to the same ones) */
	struct symcache *sc = &b->c->cache;
	struct sym_entry *ent = &sc->tab[slot(sc, uf->lookup_pc)];
	uint64_t t0 = ent->call_target;
	if (!ent->call_done) {
		struct dwarf_call site;
		bool complete;
		t0 = calls_at(b->c, ce->mod, uf->lookup_pc, uf->pc, &site, 1, &complete) ?
			target_of(&s, ce->mod, &site) : 0;
		ent->call_target = t0;
		ent->call_done = true;
	}
	if (!t0 || t0 == f->fn_dwarf || t0 == f->fn_sym)
		return true;
	tail_walk(&s, t0, 0);
	if (s.found != 1 || s.unknown)
		return true;
	struct cor_backtrace *bt = b->bt;
	if (!COR_GROW(bt->v, bt->cap, bt->n + s.nchain))
		return false;
	for (size_t i = s.nchain; i-- > 0;) {
		const struct tail_step *t = &s.chain[i];
		/* named like gdb: the innermost scope at the call */
		const struct sym_entry *e = lookup(b->c, t->pc - 1);
		if (!e)
			return false;
		const struct sym_level *l = &b->c->cache.levels[e->first];
		struct cor_frame *fr = &bt->v[bt->n++];
		memset(fr, 0, sizeof(*fr));
		fr->pc = t->pc;
		fr->how = COR_FRAME_TAILCALL;
		fr->module = t->m->pub.name;
		fr->module_offset = t->pc - t->m->pub.load_bias;
		fr->function = l->function;
		fr->offset = l->function ? t->pc - l->base : 0;
		fr->file = t->file ? keep(b->c, t->file) : l->file;
		fr->line = t->file || t->line ? t->line : l->line;
		fr->column = t->file || t->line ? 0 : l->column;
	}
	return true;
}

static bool on_frame(struct unwind_cb *ucb, const struct unwind_frame *uf)
{
	struct bt_cb *b = (struct bt_cb *)ucb;
	struct cor_backtrace *bt = b->bt;
	const struct sym_entry *e = lookup(b->c, uf->lookup_pc);
	if (!e)
		return false;
	struct sym_entry here = *e;
	/* tail calls between the frame before (the callee) and this one, when
	 * this one's pc is a return address */
	if (!b->c->no_tailcalls && b->have_prev && !b->prev_signal &&
	    uf->lookup_pc != uf->pc && uf->how != COR_FRAME_SIGNAL) {
		if (!tail_frames(b, uf, &here, &b->prev))
			return false;
	}
	b->prev = here;
	b->have_prev = true;
	b->prev_signal = uf->signal_frame;
	e = &here;
	if (!COR_GROW(bt->v, bt->cap, bt->n + e->n))
		return false;
	for (uint32_t k = 0; k < e->n; k++) {
		const struct sym_level *l = &b->c->cache.levels[e->first + k];
		struct cor_frame *f = &bt->v[bt->n++];
		memset(f, 0, sizeof(*f));
		f->pc = uf->pc;
		f->sp = uf->sp;
		f->cfa = uf->cfa;
		f->module = e->module;
		f->module_offset = e->module ? uf->pc - e->bias : 0;
		f->is_inline = l->is_inline;
		f->how = l->is_inline ? COR_FRAME_INLINE : uf->how;
		f->signal_frame = !l->is_inline && uf->signal_frame;
		f->function = l->function;
		f->offset = l->function ? uf->pc - l->base : 0;
		f->file = l->file;
		f->line = l->line;
		f->column = l->column;
		if (!f->function && f->signal_frame)
			f->function = "<signal trampoline>";
	}
	return true;
}

void symbolizer_init(struct symbolizer *s, const struct modules *ms, struct arena *arena,
		     struct warnings *warn, bool raw_names, bool no_inline, bool no_tailcalls)
{
	memset(s, 0, sizeof(*s));
	s->modules = ms;
	s->arena = arena;
	s->warn = warn;
	s->raw_names = raw_names;
	s->no_inline = no_inline;
	s->no_tailcalls = no_tailcalls;
}

cor_error *backtrace_build(struct unwinder *u, struct symbolizer *s, const struct cor_thread *t,
			   cor_backtrace **out)
{
	return backtrace_saved(u, s, t, false, out);
}

cor_error *backtrace_saved(struct unwinder *u, struct symbolizer *s, const struct cor_thread *t,
			   bool called, cor_backtrace **out)
{
	struct cor_backtrace *bt = cor_calloc(1, sizeof(*bt));
	if (!bt)
		return &cor_enomem;
	struct bt_cb b = { .cb = { .frame = on_frame }, .c = s, .bt = bt };
	cor_error *err = unwind_saved(u, t, called, &b.cb);
	bt->stop = b.cb.stop;
	if (err) {
		cor_backtrace_free(bt);
		return err;
	}
	/* a report keeps every thread's frames: no growth slack */
	struct cor_frame *fit = bt->n ? cor_reallocarray(bt->v, bt->n, sizeof(*bt->v)) : NULL;
	if (fit) {
		bt->v = fit;
		bt->cap = bt->n;
	}
	*out = bt;
	return NULL;
}

cor_error *backtrace_slice(const cor_backtrace *bt, uint64_t lo, uint64_t hi, cor_backtrace **out)
{
	struct cor_backtrace *nb = cor_calloc(1, sizeof(*nb));
	if (!nb || (bt->n && !(nb->v = cor_calloc(bt->n, sizeof(*nb->v))))) {
		free(nb);
		return &cor_enomem;
	}
	/* a tail-call frame (no sp) goes with the frame after it, its caller */
	for (size_t i = 0, k; i < bt->n; i = k) {
		for (k = i; k < bt->n && bt->v[k].how == COR_FRAME_TAILCALL; k++)
			;
		if (k < bt->n && bt->v[k].sp >= lo && bt->v[k].sp < hi)
			for (size_t j = i; j <= k; j++)
				nb->v[nb->n++] = bt->v[j];
		k++;
	}
	nb->cap = bt->n;
	if (bt->stop && !(nb->stop = cor_strdup(bt->stop))) {
		cor_backtrace_free(nb);
		return &cor_enomem;
	}
	*out = nb;
	return NULL;
}

size_t cor_backtrace_frame_count(const cor_backtrace *bt) { return bt ? bt->n : 0; }

const struct cor_frame *cor_backtrace_frame(const cor_backtrace *bt, size_t i)
{
	return bt && i < bt->n ? &bt->v[i] : NULL;
}

const char *cor_backtrace_stop_reason(const cor_backtrace *bt) { return bt ? bt->stop : NULL; }

void cor_backtrace_free(cor_backtrace *bt)
{
	if (!bt)
		return;
	free(bt->v);
	free(bt->stop);
	free(bt);
}

const char *cor_frame_how_name(enum cor_frame_how how)
{
	static const char *const names[] = { "context", "cfi", "fp", "signal", "inline", "lr",
						     "bad-call", "tailcall", "pcsp" };
	return (unsigned)how < COR_ARRAY_SIZE(names) ? names[how] : "unknown";
}
