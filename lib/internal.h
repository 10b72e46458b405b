/* Internal helpers shared by every library file. */
#ifndef COR_INTERNAL_H
#define COR_INTERNAL_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "coroner.h"
#include "reader.h"
#include "error.h"

#define COR_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The binary search: how many of the n elements of arr, sorted by member
 * (e.g. .start), have member <= key. The element containing key, if any,
 * is the one before that count. */
#define COR_UPPER_BOUND(arr, n, member, key) __extension__({			\
	size_t lo_ = 0, hi_ = (n);						\
	while (lo_ < hi_) {							\
		size_t mid_ = lo_ + (hi_ - lo_) / 2;				\
		if ((arr)[mid_] member <= (key))				\
			lo_ = mid_ + 1;						\
		else								\
			hi_ = mid_;						\
	}									\
	lo_;									\
})

/* malloc wrappers that never overflow; NULL on failure. */
void *cor_calloc(size_t n, size_t size);
void *cor_reallocarray(void *p, size_t n, size_t size);
char *cor_strdup(const char *s);
char *cor_strndup(const char *s, size_t n);
char *cor_asprintf(const char *fmt, ...) COR_PRINTF(1, 2);

/* Grows *arr (of *cap elements) to hold at least need elements. */
bool cor_grow(void **arr, size_t *cap, size_t need, size_t elem);
#define COR_GROW(arr, cap, need) cor_grow((void **)&(arr), &(cap), (need), sizeof(*(arr)))

/* Growable string. */
struct strbuf {
	char *s;
	size_t len, cap;
	bool oom;
};
void sb_add(struct strbuf *sb, const char *s, size_t n);
void sb_puts(struct strbuf *sb, const char *s);
void sb_printf(struct strbuf *sb, const char *fmt, ...) COR_PRINTF(2, 3);
/* Takes the string (caller frees); NULL on out-of-memory. */
char *sb_take(struct strbuf *sb);
void sb_free(struct strbuf *sb);


/* Maps a regular file whole, read-only (an empty file: size 0, data ""),
 * without blocking on FIFOs; errors name the path. */
cor_error *cor_map_file(const char *path, const uint8_t **data, size_t *size);
void cor_unmap_file(const uint8_t *data, size_t size);
/* cor_map_file in two steps: opens a regular file (never blocking; a FIFO,
 * socket or device is refused naming the path) giving its size and, if id
 * is not NULL, its (device, inode); then maps fsize bytes of it. The
 * caller closes fd. */
cor_error *cor_open_regular(const char *path, int *fd, uint64_t *fsize, uint64_t id[2]);
cor_error *cor_map_fd(int fd, const char *path, uint64_t fsize, const uint8_t **data,
		      size_t *size);

/* Lower-case hex of bytes into a new string. */
char *cor_hex(const uint8_t *p, size_t n);

/* A tiny bump allocator freed all at once. */
struct arena {
	struct arena_block *head;
};
void *arena_alloc(struct arena *a, size_t n);
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
void arena_free(struct arena *a);

/* One memory budget for an open core: the bytes of every decompressed
 * section, MiniDebugInfo and the big tables built from input are taken
 * from it, and given back when freed. Not thread-safe (nor is a core). */
#define COR_DEFAULT_MAX_MEMORY (1ull << 30)
struct budget {
	uint64_t limit, used;
};
/* Takes n bytes; false (nothing taken) if they do not fit. A NULL b is
 * no budget: always true. */
bool budget_take(struct budget *b, uint64_t n);
void budget_give(struct budget *b, uint64_t n);
/* Bytes still free (UINT64_MAX without a budget). */
uint64_t budget_left(const struct budget *b);

/* Resolved limits (defaults filled in, max_depth and max_expr_steps
 * saturated at these). */
#define COR_MAX_DEPTH 4096u
#define COR_MAX_EXPR_STEPS (1u << 20)
struct limits {
	uint32_t max_frames, max_threads, max_notes, max_expr_steps, max_depth;
	uint64_t max_decompressed;
	uint64_t max_memory;
	bool memory_raised;         /* max_memory above the default */
	struct budget *budget;      /* the core's, shared by its parts; NULL: none */
};
void limits_resolve(struct limits *out, const struct cor_limits *in);


#endif
