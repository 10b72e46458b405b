/* The user.coredump.* extended attributes of systemd-coredump's files:
 * decimal numbers and plain strings, without a terminating NUL. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>
#include "coredump.h"

/* The attribute's value as a NUL-terminated string in buf; false if absent. */
static bool attr(int fd, const char *name, char *buf, size_t cap, size_t *len)
{
	ssize_t n = fgetxattr(fd, name, buf, cap - 1);
	if (n < 0)
		return false;
	buf[n] = 0;
	*len = (size_t)n;
	return true;
}

static bool attr_u64(int fd, const char *name, uint64_t max, uint64_t *v)
{
	char buf[32], *end;
	size_t n;
	if (!attr(fd, name, buf, sizeof(buf), &n) || !n || buf[0] < '0' || buf[0] > '9')
		return false;
	errno = 0;
	unsigned long long x = strtoull(buf, &end, 10);
	if (errno || *end || x > max)
		return false;
	*v = x;
	return true;
}

static const char *attr_str(int fd, const char *name, struct arena *a)
{
	char buf[4096];
	size_t n;
	if (!attr(fd, name, buf, sizeof(buf), &n))
		return NULL;
	char *s = cor_strndup(buf, n);
	const char *r = s ? arena_strdup(a, s) : NULL;
	free(s);
	return r;
}

bool coredump_from_fd(int fd, struct cor_coredump *cd, struct arena *a)
{
	uint64_t v;
	memset(cd, 0, sizeof(*cd));
	if ((cd->have_pid = attr_u64(fd, "user.coredump.pid", INT32_MAX, &v)))
		cd->pid = (int32_t)v;
	if ((cd->have_uid = attr_u64(fd, "user.coredump.uid", UINT32_MAX, &v)))
		cd->uid = (uint32_t)v;
	if ((cd->have_gid = attr_u64(fd, "user.coredump.gid", UINT32_MAX, &v)))
		cd->gid = (uint32_t)v;
	if ((cd->have_signal = attr_u64(fd, "user.coredump.signal", INT32_MAX, &v)))
		cd->signal = (int32_t)v;
	cd->have_timestamp = attr_u64(fd, "user.coredump.timestamp", UINT64_MAX, &cd->timestamp);
	cd->have_rlimit = attr_u64(fd, "user.coredump.rlimit", UINT64_MAX, &cd->rlimit);
	cd->comm = attr_str(fd, "user.coredump.comm", a);
	cd->exe = attr_str(fd, "user.coredump.exe", a);
	cd->hostname = attr_str(fd, "user.coredump.hostname", a);
	return cd->have_pid || cd->have_uid || cd->have_gid || cd->have_signal ||
	       cd->have_timestamp || cd->have_rlimit || cd->comm || cd->exe || cd->hostname;
}

struct coredump_owned {
	struct cor_coredump pub;   /* first: what the caller holds */
	struct arena arena;
};

cor_error *cor_coredump_read(const char *path, struct cor_coredump **out)
{
	if (!path || !out)
		return cor_error_new(COR_ERR_INVALID, "cor_coredump_read: NULL argument");
	*out = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return cor_error_errno(errno, path, "cannot open");
	struct coredump_owned *o = cor_calloc(1, sizeof(*o));
	if (!o) {
		close(fd);
		return &cor_enomem;
	}
	bool any = coredump_from_fd(fd, &o->pub, &o->arena);
	close(fd);
	if (!any) {
		cor_coredump_free(&o->pub);
		return NULL;
	}
	*out = &o->pub;
	return NULL;
}

void cor_coredump_free(struct cor_coredump *cd)
{
	if (!cd)
		return;
	struct coredump_owned *o = (struct coredump_owned *)cd;
	arena_free(&o->arena);
	free(o);
}
