/* Backtraces: physical frames from the unwinder, each symbolized (symbol
 * table, DWARF subprogram and inline chain, file:line) and expanded into its
 * inline frames. Symbolization is cached per core by PC: threads parked in
 * the same places cost one lookup. */
#include <stdlib.h>
#include <string.h>
#include "backtrace.h"

#define MAX_SCOPES 64

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

/* Symbolizes lookup pc into levels (innermost first); false on no memory. */
static bool resolve(struct symbolizer *c, struct symcache *sc, uint64_t pc,
		    struct sym_entry *e)
{
	struct module *m = module_at(c->modules, pc);
	e->pc = pc;
	e->first = (uint32_t)sc->nlevels;
	e->module = m ? m->pub.name : NULL;
	e->bias = m ? m->pub.load_bias : 0;
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
	struct sym_entry e;
	if (!resolve(c, sc, pc, &e))
		return NULL;
	struct sym_entry *dst = &sc->tab[slot(sc, pc)];
	*dst = e;
	sc->used++;
	return dst;
}

struct bt_cb {
	struct unwind_cb cb;
	struct symbolizer *c;
	struct cor_backtrace *bt;
};

static bool on_frame(struct unwind_cb *ucb, const struct unwind_frame *uf)
{
	struct bt_cb *b = (struct bt_cb *)ucb;
	struct cor_backtrace *bt = b->bt;
	const struct sym_entry *e = lookup(b->c, uf->lookup_pc);
	if (!e)
		return false;
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
		     struct warnings *warn, bool raw_names, bool no_inline)
{
	memset(s, 0, sizeof(*s));
	s->modules = ms;
	s->arena = arena;
	s->warn = warn;
	s->raw_names = raw_names;
	s->no_inline = no_inline;
}

cor_error *backtrace_build(struct unwinder *u, struct symbolizer *s, const struct cor_thread *t,
			   cor_backtrace **out)
{
	struct cor_backtrace *bt = cor_calloc(1, sizeof(*bt));
	if (!bt)
		return &cor_enomem;
	struct bt_cb b = { { on_frame, NULL }, s, bt };
	cor_error *err = unwind_thread(u, t, &b.cb);
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

size_t cor_backtrace_frame_count(const cor_backtrace *bt) { return bt->n; }

const struct cor_frame *cor_backtrace_frame(const cor_backtrace *bt, size_t i)
{
	return i < bt->n ? &bt->v[i] : NULL;
}

const char *cor_backtrace_stop_reason(const cor_backtrace *bt) { return bt->stop; }

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
						     "bad-call" };
	return (unsigned)how < COR_ARRAY_SIZE(names) ? names[how] : "unknown";
}
