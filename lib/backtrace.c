/* Backtraces: physical frames from the unwinder, each symbolized (symbol
 * table, DWARF subprogram and inline chain, file:line) and expanded into its
 * inline frames. */
#include <stdlib.h>
#include <string.h>
#include "modules.h"
#include "unwind.h"

#define MAX_SCOPES 64

struct cor_backtrace {
	struct cor_frame *v;
	size_t n, cap;
	char *stop;
	struct arena arena;
};

struct bt_cb {
	struct unwind_cb cb;
	struct cor_core *c;
	struct cor_backtrace *bt;
};

static const char *keep(struct cor_backtrace *bt, const char *s)
{
	return s ? arena_strdup(&bt->arena, s) : NULL;
}

/* Demangled name kept in the backtrace's arena. */
static const char *name_of(struct cor_core *c, struct cor_backtrace *bt, const char *raw)
{
	if (!raw)
		return NULL;
	if (!c->raw_names) {
		char *d = cor_demangle(raw);
		if (d) {
			const char *s = keep(bt, d);
			free(d);
			return s;
		}
	}
	return keep(bt, raw);
}

static struct cor_frame *push(struct cor_backtrace *bt)
{
	if (!COR_GROW(bt->v, bt->cap, bt->n + 1))
		return NULL;
	struct cor_frame *f = &bt->v[bt->n++];
	memset(f, 0, sizeof(*f));
	return f;
}

static const char *scope_name(struct cor_core *c, struct cor_backtrace *bt,
			      const struct dwarf_scope *s)
{
	return s->linkage_name ? name_of(c, bt, s->linkage_name) : keep(bt, s->name);
}

static bool on_frame(struct unwind_cb *ucb, const struct unwind_frame *uf)
{
	struct bt_cb *b = (struct bt_cb *)ucb;
	struct cor_core *c = b->c;
	struct cor_backtrace *bt = b->bt;
	struct module *m = module_at(c, uf->lookup_pc);
	const char *modname = m ? m->pub.name : NULL;
	struct symbol sym;
	bool have_sym = false;
	if (m) {
		struct symtab *st = module_symtab(c, m);
		have_sym = st && symtab_lookup(st, uf->lookup_pc - m->pub.load_bias, &sym);
	}
	struct dwarf_scope scopes[MAX_SCOPES];
	size_t ns = 0;
	const char *file = NULL;
	uint32_t line = 0, col = 0;
	struct dwarf_info *di = m ? module_dwarf(c, m) : NULL;
	if (di) {
		uint64_t rel = uf->lookup_pc - m->pub.load_bias;
		cor_error *err = dwarf_info_scopes(di, rel, scopes, MAX_SCOPES, &ns);
		if (err) {
			warnings_add(&c->warn, "%s", cor_error_message(err));
			cor_error_free(err);
			ns = 0;
		}
		err = dwarf_info_line(di, rel, &file, &line, &col);
		if (err) {
			warnings_add(&c->warn, "%s", cor_error_message(err));
			cor_error_free(err);
			file = NULL;
		}
	}
	if (c->no_inline && ns > 1) {
		/* keep the subprogram, with the call site of the outermost inline */
		file = scopes[ns - 2].call_file;
		line = scopes[ns - 2].call_line;
		col = scopes[ns - 2].call_column;
		scopes[0] = scopes[ns - 1];
		ns = 1;
	}
	size_t nframes = ns ? ns : 1;
	for (size_t k = 0; k < nframes; k++) {
		struct cor_frame *f = push(bt);
		if (!f)
			return false;
		f->pc = uf->pc;
		f->sp = uf->sp;
		f->cfa = uf->cfa;
		f->module = modname;
		f->is_inline = k + 1 < nframes;
		f->how = f->is_inline ? COR_FRAME_INLINE : uf->how;
		f->signal_frame = !f->is_inline && uf->signal_frame;
		if (k == 0) {
			f->file = keep(bt, file);
			f->line = line;
			f->column = col;
		} else {
			f->file = keep(bt, scopes[k - 1].call_file);
			f->line = scopes[k - 1].call_line;
			f->column = scopes[k - 1].call_column;
		}
		if (ns) {
			f->function = scope_name(c, bt, &scopes[k]);
			f->offset = uf->pc - m->pub.load_bias - scopes[k].low_pc;
		}
		if (!f->is_inline && have_sym) {
			if (!f->function)
				f->function = name_of(c, bt, sym.name);
			f->offset = uf->pc - m->pub.load_bias - sym.value;
		}
		if (!f->function && !f->is_inline && uf->signal_frame)
			f->function = "<signal trampoline>";
	}
	return true;
}

cor_error *cor_core_backtrace(cor_core *c, size_t thread, cor_backtrace **out)
{
	struct cor_backtrace *bt = cor_calloc(1, sizeof(*bt));
	if (!bt)
		return &cor_enomem;
	struct bt_cb b = { { on_frame, NULL }, c, bt };
	cor_error *err = unwind_thread(c, thread, &b.cb);
	bt->stop = b.cb.stop;
	if (err) {
		cor_backtrace_free(bt);
		return err;
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
	arena_free(&bt->arena);
	free(bt);
}

const char *cor_frame_how_name(enum cor_frame_how how)
{
	static const char *const names[] = { "context", "cfi", "fp", "signal", "inline", "lr", "scan" };
	return (unsigned)how < COR_ARRAY_SIZE(names) ? names[how] : "unknown";
}
