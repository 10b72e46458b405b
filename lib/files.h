/* Every lookup of a file on disk: the files the core names (NT_FILE and
 * link_map paths, under --sysroot, replaced by --file and --exe), the
 * executable, separate debug files (by build-id and .gnu_debuglink) and
 * dwz supplementary files, and what debuginfod fetches when they are not
 * on disk; and the check that a file is the one the core
 * had (its build-id against the core's copy of its ELF header). */
#ifndef COR_FILES_H
#define COR_FILES_H

#include "internal.h"
#include "elf.h"
#include "memory.h"
#include "debuginfod.h"

struct process;

struct files_options {
	const char *exe;            /* --exe, used as given */
	const char *sysroot;        /* prefix of recorded paths */
	const char *const *debug_dirs;  /* NULL: {"/usr/lib/debug"} */
	const char *const *files;   /* "recorded=path" or "path" */
	bool no_debuginfod;         /* never fetch from DEBUGINFOD_URLS */
	dbgd_progress_fn progress;  /* of debuginfod fetches, or NULL */
	void *progress_arg;
};

struct mapped_entry;
struct file_cache;

struct files {
	struct files_options o;
	const struct process *proc;
	struct memory *mem;         /* the core's bytes, for identity checks */
	const struct limits *limits;
	struct warnings *warn;
	struct mapped_entry *mapped;    /* one per distinct NT_FILE path */
	size_t nmapped;
	uint32_t *index;            /* hash of recorded path -> mapped + 1 */
	size_t index_cap;
	size_t *next_map;           /* per NT_FILE entry: the next of its path, or SIZE_MAX */
	struct file_cache *cache;   /* one mapping per (device, inode) */
	bool exe_unusable;          /* --exe missing or not the core's: not used */
	struct dbgd *dbgd;          /* debuginfod, for files not on disk */
};

/* Opens every file the core's NT_FILE names, checked against the core; one
 * not on disk, or with another build-id (and not named by --exe or --file),
 * is fetched from debuginfod by the build-id the core has for it. o's
 * strings must outlive f. */
cor_error *files_init(struct files *f, const struct files_options *o, const struct process *p,
		      struct memory *mem, const struct limits *limits, struct warnings *warn);
void files_free(struct files *f);

/* The file behind NT_FILE path recorded, or NULL if no mapping names it. */
const struct mapped_file *files_mapped(const struct files *f, const char *recorded);
/* Stops using the file behind NT_FILE path recorded: it is not the one
 * the core had (why says so, naming both; warned as "WHY: not used").
 * Memory reads through it once memory_attach_files runs again. */
void files_reject(struct files *f, const char *recorded, const char *why);
/* files_mapped as memory_attach_files wants it. */
const struct mapped_file *files_mapped_cb(void *f, const char *recorded);

/* The ELF file at path, opened once per (device, inode) however the path
 * is spelled: every caller shares one elf_file (close it with elf_close,
 * which drops a reference). Errors name the path; a FIFO is refused. */
cor_error *files_open_elf(const struct files *f, const char *path, struct elf_file **out);

/* The path to open for a recorded path (--file, --exe, --sysroot applied,
 * " (deleted)" dropped); malloc'd. */
char *files_resolve(const struct files *f, const char *recorded);
/* The executable as the user sees it: --exe, else the recorded path. */
const char *files_executable(const struct files *f);

/* A separate debug file: by build-id (hex) under the debug directories,
 * or by the .gnu_debuglink of ef (whose path is path). *found gets the
 * path (malloc'd). NULL if none. */
struct elf_file *files_debug_by_build_id(const struct files *f, const char *hex, char **found);
struct elf_file *files_debug_by_link(const struct files *f, struct elf_file *ef, const char *path,
				     char **found);
/* The debug file of build-id hex fetched from debuginfod (lib/debuginfod.h)
 * for the module subject whose object is ef (NULL: none found), unless ef
 * has DWARF of its own. *found gets the path in libdebuginfod's cache
 * (malloc'd). NULL if none (with a warning when a server was asked). */
struct elf_file *files_debug_fetch(const struct files *f, const char *hex, const char *subject,
				   struct elf_file *ef, char **found);
/* The dwz supplementary file .gnu_debugaltlink of ef names (by build-id,
 * else by path); NULL with a warning if not found. */
struct elf_file *files_dwz_alt(const struct files *f, struct elf_file *ef);

#endif
