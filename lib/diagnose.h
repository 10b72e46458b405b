/* Why it died: the crash diagnosis of a core (struct cor_diagnosis in
 * coroner.h), built as part of the report. From the signal, the fault
 * address against the mappings and the stacks, the crashed thread's frames,
 * the faulting instruction (capstone, when built in), glibc's __abort_msg
 * and an uncaught C++ exception's header. */
#ifndef COR_DIAGNOSE_H
#define COR_DIAGNOSE_H

#include "internal.h"
#include "process.h"
#include "memory.h"
#include "modules.h"
#include "unwind.h"
#include "backtrace.h"

struct diagnose_parts {
	const struct process *proc;
	struct memory *mem;
	const struct modules *modules;
	struct unwinder *unwinder;
	struct symbolizer *sym;
	struct arena *arena;             /* strings of the diagnosis */
	/* the crashed thread's backtrace if the caller has one, else NULL
	 * (then the diagnosis unwinds it itself) */
	const cor_backtrace *crashed_bt;
	/* a Go program's runtime (go.c), or NULL: its panic is the message */
	const struct cor_go *go;
};

cor_error *diagnose_build(const struct diagnose_parts *p, const struct cor_diagnosis **out);
void diagnose_free(const struct cor_diagnosis *d);

#endif
