/* The opened core: the model the public API hands out. */
#ifndef COR_CORE_H
#define COR_CORE_H

#include "internal.h"
#include "arch.h"
#include "elf.h"

/* A file mapped into the dead process (NT_FILE entry). */
struct file_map {
	uint64_t start, end, pgoff; /* pgoff in bytes */
	const char *path;           /* as recorded (escaped, arena) */
};

/* A file we opened to supply bytes that are not in the core. */
struct backing_file {
	const char *recorded;       /* path as recorded */
	char *opened;               /* path opened, or NULL */
	const uint8_t *data;        /* mmap of the whole file */
	size_t size;
	bool tried;                 /* open attempted (result cached) */
	bool rejected;              /* build-id differs from the core's (warned) */
	char *why;                  /* why it is not used, if it is not */
};

/* One PT_LOAD segment of the core. */
struct segment {
	uint64_t start, end;        /* vaddr, vaddr + memsz (clamped on overflow) */
	uint64_t offset;            /* p_offset */
	uint64_t filesz;            /* p_filesz (clamped to memsz) */
	uint64_t present;           /* bytes of filesz actually in the file */
	struct file_map *fmap;      /* NT_FILE entry covering it, or NULL */
	struct backing_file *bf;    /* the file behind fmap, or NULL */
	uint32_t flags;             /* p_flags */
};

struct cor_core {
	struct elf_file *elf;
	const struct arch_info *arch;
	struct limits limits;
	struct arena arena;
	struct warnings warn;
	/* options, copied */
	char *exe, *sysroot;
	char **debug_dirs;
	char **files;               /* "recorded=path" or "path" */
	bool raw_names, no_inline;

	struct cor_core_info info;
	struct cor_process process;
	struct cor_signal sig;
	struct cor_thread *threads;
	size_t nthreads, threads_cap;
	uint64_t threads_omitted;
	long crashed;
	struct cor_note *notes;
	size_t nnotes, notes_cap;
	uint64_t notes_omitted;
	struct cor_auxv *auxv;
	size_t nauxv;
	struct file_map *fmaps;
	size_t nfmaps;
	uint64_t file_page_size;
	struct segment *segs;       /* sorted by start */
	size_t nsegs;
	struct cor_mapping *maps;   /* one per segment */
	struct backing_file *bfiles;
	size_t nbfiles;
	uint32_t xsave_layout[32];
	bool have_xsave_layout;

	struct modules *modules;    /* built on first use (modules.c) */
	struct symcache *symcache;  /* pc -> symbolized frames (backtrace.c) */
	/* Memory reads of a core on disk go through pread and a small page
	 * cache instead of the mapping: the kernel maps 64 KiB around every
	 * touched page of a mapping, which made memory grow with the stacks
	 * read. fd is -1 for cores opened from memory. */
	int fd;
	struct page_cache *pcache;
	struct row_cache *rowcache; /* recent CFI rows by pc (unwind.c) */
};

/* memory.c */
cor_error *memory_build(struct cor_core *core);
void memory_free(struct cor_core *core);
/* Reads a NUL-terminated string of at most max bytes at addr (arena copy). */
char *memory_read_string(struct cor_core *core, uint64_t addr, size_t max);
/* The file behind the NT_FILE path recorded, opened and checked on first
 * use (shared by memory reads and modules), or NULL if no mapping names it. */
const struct backing_file *memory_file(struct cor_core *c, const char *recorded);
/* Build-id in the core's copy of the ELF headers mapped at base. */
bool memory_build_id(struct cor_core *c, uint64_t base, uint8_t *id, size_t *len);
/* Resolves a recorded path to the file to open, honoring --exe, --sysroot and
 * extra files. Returns a malloc'd path. */
char *core_resolve_path(struct cor_core *core, const char *recorded);

/* signals.c */
const char *signal_description(int signo, int code);

/* Names of note and auxv types. */
const char *note_type_name(const char *name, uint32_t namesz, uint32_t type);
const char *auxv_type_name(uint64_t type);

/* modules.c */
void modules_free(struct modules *m);
/* backtrace.c, unwind.c */
void symcache_free(struct symcache *sc);
void row_cache_free(struct row_cache *rc);

#endif
