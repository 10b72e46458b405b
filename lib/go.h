/* A Go program's runtime, read from the dead process's memory: the Go
 * version, every goroutine of runtime.allgs (id, status and wait reason,
 * the thread it runs on, where it was created, its stack). Built once for
 * the report (cor_report.go). */
#ifndef COR_GO_H
#define COR_GO_H

#include "internal.h"
#include "process.h"
#include "memory.h"
#include "modules.h"
#include "unwind.h"
#include "backtrace.h"

struct go_parts {
	const struct process *proc;
	struct memory *mem;
	const struct modules *modules;
	struct unwinder *unwinder;
	struct symbolizer *sym;
	struct arena *arena;         /* strings of the model */
	struct warnings *warn;
	bool backtraces;             /* unwind every goroutine */
};

/* *out NULL when the process is not a Go program (no module has a Go
 * pclntab). Problems reading the runtime are in (*out)->goroutines_error
 * or warnings, never an error; errors are out of memory only. */
cor_error *go_build(const struct go_parts *p, struct cor_go **out);
void go_free(struct cor_go *go);
/* The frames of the goroutine that crashed the program (the panicking
 * one, else the one on the crashed thread), its id in *goid; NULL if none
 * or it could not be unwound. Unwound for this when the goroutines were
 * listed without backtraces. Owned by go. */
const cor_backtrace *go_crash_backtrace(const struct cor_go *go, int64_t *goid);

#endif
