/* debuginfod client: libdebuginfod when the build has it (HAVE_DEBUGINFOD),
 * else a warning that says it is missing when DEBUGINFOD_URLS asks for it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "config.h"
#include "debuginfod.h"
#ifdef HAVE_DEBUGINFOD
#include <elfutils/debuginfod.h>
#endif

struct dbgd {
	bool off;                   /* --no-debuginfod, or given up */
	dbgd_progress_fn progress;
	void *progress_arg;
	struct warnings *warn;
	const char *what;           /* the fetch under way, for progress */
	bool reported;              /* progress was called for it */
#ifdef HAVE_DEBUGINFOD
	debuginfod_client *client;
#endif
};

struct dbgd *dbgd_new(bool off, dbgd_progress_fn progress, void *progress_arg,
		      struct warnings *warn)
{
	struct dbgd *d = cor_calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->off = off;
	d->progress = progress;
	d->progress_arg = progress_arg;
	d->warn = warn;
	return d;
}

void dbgd_free(struct dbgd *d)
{
	if (!d)
		return;
#ifdef HAVE_DEBUGINFOD
	if (d->client)
		debuginfod_end(d->client);
#endif
	free(d);
}

/* DEBUGINFOD_URLS, or NULL when unset or only blanks. */
static const char *server_urls(void)
{
	const char *u = getenv("DEBUGINFOD_URLS");
	if (!u || !u[strspn(u, " \t\n")])
		return NULL;
	return u;
}

static const char *kind_name(enum dbgd_kind kind)
{
	return kind == DBGD_EXECUTABLE ? "executable" : "debug info";
}

#ifdef HAVE_DEBUGINFOD
/* libdebuginfod's progress callback: a bytes so far, b the size or -1 */
static int on_progress(debuginfod_client *c, long a, long b)
{
	struct dbgd *d = debuginfod_get_user_data(c);
	if (!d || !d->progress || !d->what)
		return 0;
	d->reported = true;
	return d->progress(d->progress_arg, d->what, a > 0 ? (uint64_t)a : 0,
			   b > 0 ? (uint64_t)b : 0);
}

static bool start(struct dbgd *d)
{
	if (d->client)
		return true;
	if (!(d->client = debuginfod_begin())) {
		warnings_add(d->warn, COR_ERR_IO, "debuginfod",
			     "debuginfod: cannot start a client (libdebuginfod): nothing fetched");
		d->off = true;
		return false;
	}
	debuginfod_set_user_data(d->client, d);
	if (d->progress)
		debuginfod_set_progressfn(d->client, on_progress);
	return true;
}
#endif

char *dbgd_fetch(struct dbgd *d, enum dbgd_kind kind, const char *hex, const char *subject)
{
	const char *urls = server_urls();
	if (!d || d->off || !hex || !*hex || !urls)
		return NULL;
	if (!subject)
		subject = hex;
#ifndef HAVE_DEBUGINFOD
	warnings_add(d->warn, COR_ERR_UNSUPPORTED, subject,
		     "%s: DEBUGINFOD_URLS is set, but coroner was built without libdebuginfod: "
		     "%s of build-id %s not fetched (nor anything else)", subject, kind_name(kind), hex);
	d->off = true;
	return NULL;
#else
	if (!start(d))
		return NULL;
	/* a progress line: the module's base name, the build-id's start */
	const char *base = strrchr(subject, '/');
	char *what = cor_asprintf("debuginfod: %s of %s (%.8s...)", kind_name(kind),
				  base && base[1] ? base + 1 : subject, hex);
	d->what = what;
	d->reported = false;
	char *path = NULL;
	const unsigned char *id = (const unsigned char *)hex;
	int fd = kind == DBGD_EXECUTABLE ? debuginfod_find_executable(d->client, id, 0, &path)
					 : debuginfod_find_debuginfo(d->client, id, 0, &path);
	if (d->reported)
		d->progress(d->progress_arg, NULL, 0, 0);
	d->what = NULL;
	free(what);
	if (fd >= 0) {
		close(fd);
		if (path)
			return path;
		fd = -ENOMEM;
	}
	free(path);
	if (fd == -ENOENT) {
		warnings_add(d->warn, COR_ERR_NOT_FOUND, subject,
			     "%s: build-id %s: no %s on the debuginfod server %s", subject, hex,
			     kind_name(kind), urls);
		return NULL;
	}
	/* unreachable, timed out, cancelled: the next fetch would fail too */
	warnings_add(d->warn, COR_ERR_IO, subject,
		     "%s: build-id %s: %s not fetched from the debuginfod server %s: %s%s; "
		     "debuginfod not asked again", subject, hex, kind_name(kind), urls,
		     fd == -EINTR ? "cancelled" : fd == -ETIME ? "timed out" : strerror(-fd),
		     fd == -ETIME ? " (DEBUGINFOD_TIMEOUT, DEBUGINFOD_MAXTIME)" : "");
	d->off = true;
	return NULL;
#endif
}
