/* Files fetched by build-id from the debuginfod servers DEBUGINFOD_URLS
 * names, through libdebuginfod, into its own cache (DEBUGINFOD_CACHE_PATH,
 * else ~/.cache/debuginfod_client). Part of the files layer: files.c asks
 * when a file is not found on disk. Each fetch is bounded by
 * libdebuginfod's settings (DEBUGINFOD_TIMEOUT, DEBUGINFOD_MAXTIME). */
#ifndef COR_DEBUGINFOD_H
#define COR_DEBUGINFOD_H

#include "internal.h"

typedef int (*dbgd_progress_fn)(void *arg, const char *what, uint64_t done, uint64_t total);

struct dbgd;

/* A session, started on its first fetch (no client, no connection before
 * that). off: never fetch (--no-debuginfod). progress may be NULL. NULL
 * when out of memory (then nothing is fetched). */
struct dbgd *dbgd_new(bool off, dbgd_progress_fn progress, void *progress_arg,
		      struct warnings *warn);
void dbgd_free(struct dbgd *d);

enum dbgd_kind { DBGD_DEBUGINFO, DBGD_EXECUTABLE };

/* The path in the cache (malloc'd) of the file of that kind with build-id
 * hex, for subject (the module: named in warnings). NULL when off, when
 * DEBUGINFOD_URLS is unset or empty, or on failure: a warning names the
 * build-id and the server. After a failure other than "not found" (the
 * server unreachable, a timeout) it does not ask again. */
char *dbgd_fetch(struct dbgd *d, enum dbgd_kind kind, const char *hex, const char *subject);

#endif
