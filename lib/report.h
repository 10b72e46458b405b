/* The crash report model: built once from the parts, what the CLI and
 * JSON print and what embedders get (struct cor_report in coroner.h). */
#ifndef COR_REPORT_H
#define COR_REPORT_H

#include "internal.h"
#include "process.h"
#include "memory.h"
#include "modules.h"
#include "unwind.h"
#include "backtrace.h"
#include "diagnose.h"

/* What a report is built from. */
struct report_parts {
	const char *core_path;
	const struct process *proc;
	struct memory *mem;
	const struct modules *modules;
	struct unwinder *unwinder;
	struct symbolizer *sym;
	struct warnings *warn;          /* the goroutines' reading adds to them */
	struct arena *arena;            /* the diagnosis's strings */
	const struct cor_coredump *coredump;
};

cor_error *report_build(const struct report_parts *p, const struct cor_report_options *opts,
			const struct cor_report **out);

#endif
