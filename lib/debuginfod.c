/* debuginfod client: libdebuginfod when the build has its header
 * (HAVE_DEBUGINFOD), else a warning that says it is missing when
 * DEBUGINFOD_URLS asks for it.
 *
 * libdebuginfod (and libcurl, TLS ... behind it) is not linked: it is loaded
 * with dlopen on the first fetch, so a run that fetches nothing starts
 * without it. The command that uses this is linked dynamically (from a
 * static one the library would come with a C library of its own, whose name
 * lookups crash); still, nothing the library allocates is freed here, in
 * case its heap is not ours: the find functions are called with no path
 * (NULL) and the path kept is the descriptor's, from /proc. */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "config.h"
#include "debuginfod.h"
#ifdef HAVE_DEBUGINFOD
#include <elfutils/debuginfod.h>

#define DBGD_SONAME "libdebuginfod.so.1"

/* libdebuginfod's functions, resolved once per process */
static struct {
	bool tried, ok;
	__typeof__(debuginfod_begin) *begin;
	__typeof__(debuginfod_end) *end;
	__typeof__(debuginfod_find_debuginfo) *find_debuginfo;
	__typeof__(debuginfod_find_executable) *find_executable;
	__typeof__(debuginfod_set_progressfn) *set_progressfn;
	__typeof__(debuginfod_set_user_data) *set_user_data;
	__typeof__(debuginfod_get_user_data) *get_user_data;
	char why[256];              /* dlerror's text when it failed */
} lib;

/* Loads libdebuginfod; false (lib.why says why) when it cannot be. */
static bool load(void)
{
	if (lib.tried)
		return lib.ok;
	lib.tried = true;
	void *h = dlopen(DBGD_SONAME, RTLD_NOW | RTLD_LOCAL);
	const char *e = NULL;
	if (h) {
#define SYM(f) (e ? NULL : (*(void **)&lib.f = dlsym(h, "debuginfod_" #f)) ? lib.f \
		: (e = dlerror(), NULL))
		SYM(begin);
		SYM(end);
		SYM(find_debuginfo);
		SYM(find_executable);
		SYM(set_progressfn);
		SYM(set_user_data);
		SYM(get_user_data);
#undef SYM
	} else {
		e = dlerror();
	}
	snprintf(lib.why, sizeof(lib.why), "%s", e ? e : "a symbol is missing");
	lib.ok = h && !e;
	return lib.ok;
}
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
		lib.end(d->client);
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
	struct dbgd *d = lib.get_user_data(c);
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
	if (!load()) {
		warnings_add(d->warn, COR_ERR_UNSUPPORTED, "debuginfod",
			     "debuginfod: cannot load " DBGD_SONAME ": %s: nothing fetched",
			     lib.why);
		d->off = true;
		return false;
	}
	if (!(d->client = lib.begin())) {
		warnings_add(d->warn, COR_ERR_IO, "debuginfod",
			     "debuginfod: cannot start a client (libdebuginfod): nothing fetched");
		d->off = true;
		return false;
	}
	lib.set_user_data(d->client, d);
	if (d->progress)
		lib.set_progressfn(d->client, on_progress);
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
	/* no path asked for: it would be malloc'd by the library's C library */
	const unsigned char *id = (const unsigned char *)hex;
	int fd = kind == DBGD_EXECUTABLE ? lib.find_executable(d->client, id, 0, NULL)
					 : lib.find_debuginfo(d->client, id, 0, NULL);
	if (d->reported)
		d->progress(d->progress_arg, NULL, 0, 0);
	d->what = NULL;
	free(what);
	if (fd >= 0) {
		/* the file in the cache the descriptor is open on */
		char link[64], buf[PATH_MAX];
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		ssize_t n = readlink(link, buf, sizeof(buf) - 1);
		int e = errno;
		close(fd);
		if (n > 0 && buf[0] == '/') {
			buf[n] = 0;
			return cor_strdup(buf);
		}
		warnings_add(d->warn, COR_ERR_IO, subject,
			     "%s: build-id %s: %s fetched from the debuginfod server %s, but its "
			     "path in the cache is not known (%s: %s)", subject, hex,
			     kind_name(kind), urls, link, n < 0 ? strerror(e) : "not a path");
		return NULL;
	}
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
