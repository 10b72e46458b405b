/* Arguments and locals of a thread's frames (struct cor_variable): the
 * thread unwound again with each physical frame's registers as known there
 * (struct unwind_regs), each frame's variables from DWARF (dwarf/vars.h)
 * at its pc, their locations evaluated (dwarf/expr.h) against those
 * registers, the frame's CFA and memory, entry values from the caller's
 * call site, and the values printed from their types (dwarf/type.h) as
 * gdb prints them. */
#ifndef COR_VALUES_H
#define COR_VALUES_H

#include "internal.h"
#include "memory.h"
#include "modules.h"
#include "unwind.h"

struct values_parts {
	struct memory *mem;
	const struct modules *modules;
	struct unwinder *unwinder;
	const struct arch_info *arch;
};

cor_error *values_build(const struct values_parts *p, const struct cor_thread *t,
			const cor_backtrace *bt, const struct cor_print_options *opts,
			cor_frame_vars **out);

/* The value of expression expr (values.c's grammar: NAME, *E, E.NAME,
 * E->NAME, E[N]) in frame `frame' of bt. */
cor_error *values_print(const struct values_parts *p, const struct cor_thread *t,
			const cor_backtrace *bt, size_t frame, const char *expr,
			const struct cor_print_options *opts, struct cor_variable **out);

#endif
