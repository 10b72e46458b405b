/* The opened core: a thin handle that owns the parts (the core's ELF, the
 * process, memory, files, modules, the unwinder and the symbolizer) and
 * hands them out through the public API. Nothing below it includes this. */
#ifndef COR_CORE_H
#define COR_CORE_H

#include "internal.h"
#include "elf.h"
#include "process.h"
#include "memory.h"
#include "files.h"
#include "modules.h"
#include "unwind.h"
#include "backtrace.h"
#include "coredump.h"
#include "spool.h"

struct cor_core {
	struct elf_file *elf;
	struct limits limits;
	struct budget budget;       /* limits.budget points here */
	struct arena arena;
	struct warnings warn;
	/* options, copied */
	char *exe, *sysroot;
	char **debug_dirs;
	char **files_opt;           /* "recorded=path" or "path" */
	bool raw_names, no_inline, no_tailcalls, no_debuginfod;
	int fd;                     /* the core on disk (or its temporary file), or -1 */
	uint64_t max_core_size;     /* options, copied */
	cor_progress_fn progress;
	void *progress_arg;
	const char *compression;    /* of the core: "zstd" ..., or NULL */
	bool have_coredump;         /* systemd-coredump's attributes */
	struct cor_coredump coredump;

	struct process proc;
	struct memory mem;
	struct files files;
	struct modules modules;
	struct unwinder unwinder;
	struct symbolizer sym;
};

#endif
