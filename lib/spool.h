/* A core that cannot be mapped as it is (compressed, or a pipe) read once,
 * streaming, into a sparse temporary file: runs of zero blocks become
 * holes, the file is unlinked at once, and the caller maps it as a core. */
#ifndef COR_SPOOL_H
#define COR_SPOOL_H

#include "internal.h"
#include "decompress.h"

struct spool_options {
	uint64_t max_size;          /* 0: the ELF headers' size plus SPOOL_SLACK */
	cor_progress_fn progress;  /* or NULL */
	void *progress_arg;
};
#define SPOOL_SLACK ((uint64_t)1 << 20)

/* Reads the core from in (from its current offset to its end): first
 * head[0..nhead), the bytes already read from it, then the rest. kind is its
 * compression, or 0 for a plain core; total its size if known (for
 * progress), else 0. name is used in messages. On success *out is the
 * temporary file (read-write, close it) and *size its size; a stream cut
 * short, corrupt or over the bounds is a warning and what decoded before
 * is kept. An error when nothing could be had. */
cor_error *spool_core(int in, const uint8_t *head, size_t nhead, enum cor_compression kind,
		      uint64_t total, const char *name, const struct spool_options *o,
		      struct warnings *w, int *out, uint64_t *size);

#endif
