/* Backtraces: the unwinder's physical frames, each symbolized (symbol
 * table, DWARF subprogram and inline chain, file:line) and expanded into
 * its inline frames. Symbolization is cached by pc: threads parked in the
 * same places cost one lookup. */
#ifndef COR_BACKTRACE_H
#define COR_BACKTRACE_H

#include "internal.h"
#include "modules.h"
#include "unwind.h"

struct sym_entry;
struct sym_level;

struct symcache {
	struct sym_entry *tab;   /* open addressing, power of two */
	size_t cap, used;
	struct sym_level *levels;
	size_t nlevels, levels_cap;
};

struct symbolizer {
	const struct modules *modules;
	struct arena *arena;     /* names handed out live here */
	struct warnings *warn;
	bool raw_names, no_inline, no_tailcalls;
	struct symcache cache;
};

void symbolizer_init(struct symbolizer *s, const struct modules *ms, struct arena *arena,
		     struct warnings *warn, bool raw_names, bool no_inline,
		     bool no_tailcalls);
void symbolizer_free(struct symbolizer *s);

/* The symbolized backtrace of thread t. */
cor_error *backtrace_build(struct unwinder *u, struct symbolizer *s, const struct cor_thread *t,
			   cor_backtrace **out);
/* The same from registers saved at a call (unwind_saved). */
cor_error *backtrace_saved(struct unwinder *u, struct symbolizer *s, const struct cor_thread *t,
			   bool called, cor_backtrace **out);
/* The frames of bt whose sp is in [lo, hi) (a goroutine's own stack), in
 * a new backtrace with bt's stop reason. */
cor_error *backtrace_slice(const cor_backtrace *bt, uint64_t lo, uint64_t hi, cor_backtrace **out);
/* Runtime pc (looked up exactly): the function holding it (outermost of
 * its inline chain), the innermost file:line and pc's offset in the
 * function; strings kept by the symbolizer; false if nothing names it. */
bool symbolize_pc(struct symbolizer *s, uint64_t pc, const char **function, const char **file,
		  uint32_t *line, uint64_t *offset);

#endif
