/* The address space of the dead process: the core's PT_LOAD segments sorted
 * by address, each backed by the core's bytes, and past them
 * by the file mapped there (NT_FILE) when the kernel did not dump those
 * pages. Reads name the address and why they fail; bytes of a mapping that
 * are neither in the core nor in a file are "not dumped". */
#ifndef COR_MEMORY_H
#define COR_MEMORY_H

#include "internal.h"

struct file_map;

/* The bytes of a file mapped into the process, as the layer that finds
 * files (files.c) supplies them. */
struct mapped_file {
	const char *recorded;       /* path as recorded in NT_FILE */
	const char *opened;         /* path opened, or NULL */
	const uint8_t *data;        /* the whole file, or NULL if not usable */
	size_t size;
	const char *why;            /* why it is not usable, or NULL */
	bool rejected;              /* its identity differs from the core's (warned) */
	bool verified;              /* its build-id is the one in the core */
};

/* One PT_LOAD segment of the core. */
struct segment {
	uint64_t start, end;        /* vaddr, vaddr + memsz (clamped on overflow) */
	uint64_t offset;            /* p_offset */
	uint64_t filesz;            /* p_filesz (clamped to memsz) */
	uint64_t present;           /* bytes of filesz actually in the file */
	uint32_t flags;             /* p_flags */
	const struct file_map *fmap;    /* NT_FILE entry covering it, or NULL */
	const struct mapped_file *mf;   /* the file behind fmap, or NULL */
};

struct page_cache;

struct memory {
	const char *name;           /* the core, for messages */
	const uint8_t *data;        /* the core's bytes */
	size_t size;
	/* Reads of a core on disk go through pread and a small page cache
	 * instead of the mapping: the kernel maps 64 KiB around every
	 * touched page of a mapping, which made memory grow with the stacks
	 * read. -1 for cores in memory. */
	int fd;
	struct page_cache *pcache;
	struct segment *segs;       /* sorted by start, overlaps clipped */
	size_t nsegs, segs_cap;
	struct cor_mapping *maps;   /* one per segment, as recorded */
	struct warnings *warn;
};

/* An empty address space over the core's bytes (fd -1: read data). */
void memory_init(struct memory *m, const char *name, const uint8_t *data, size_t size,
		 int fd, struct warnings *warn);
/* Adds one PT_LOAD (before memory_finish). false on out of memory. */
bool memory_add_segment(struct memory *m, uint64_t vaddr, uint64_t memsz, uint64_t offset,
			uint64_t filesz, uint32_t flags);
/* Sorts the segments, ties each to the NT_FILE entry covering it (fmaps
 * sorted by start) and builds the mappings. */
cor_error *memory_finish(struct memory *m, const struct file_map *fmaps, size_t nfmaps);
/* Supplies the files behind NT_FILE mappings: lookup(arg, recorded)
 * gives the file for a recorded path or NULL. Called once, at open. */
void memory_attach_files(struct memory *m,
			 const struct mapped_file *(*lookup)(void *arg, const char *recorded),
			 void *arg);
void memory_free(struct memory *m);
struct process;
/* Labels the anonymous mappings the process identifies: "[vdso]" (auxv),
 * "[vsyscall]", "[stack]" (holds the auxv strings), "[stack:TID]". */
void memory_label(struct memory *m, const struct process *p, struct arena *arena);

/* Reads len bytes at addr, splicing core bytes, zero fill and mapped
 * files; *done (may be NULL) gets the count read before a failure. */
cor_error *memory_read(struct memory *m, uint64_t addr, void *buf, size_t len, size_t *done);
/* The same from the core's own bytes only, never a mapped file (what a
 * file is checked against must not come from that file). */
bool memory_read_core(struct memory *m, uint64_t addr, void *buf, size_t len);
/* A NUL-terminated string of at most max bytes at addr (fewer where the
 * memory ends), its bytes as they are, in arena; NULL if no byte can be
 * read. */
char *memory_read_string(struct memory *m, uint64_t addr, size_t max, struct arena *arena);

/* The segment / mapping containing addr, or NULL. */
const struct segment *memory_segment_at(const struct memory *m, uint64_t addr);
struct cor_mapping *memory_mapping_at(struct memory *m, uint64_t addr);

/* A read callback over m, for readers that take one (arch, elf, unwind). */
cor_error *memory_read_cb(void *m, uint64_t addr, void *buf, size_t n);
/* The same over the core's own bytes (memory_read_core). */
cor_error *memory_read_core_cb(void *m, uint64_t addr, void *buf, size_t n);

#endif
