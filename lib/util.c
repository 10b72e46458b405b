/* Allocation, strings, warnings and limits. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

const char *cor_version(void)
{
	return "0.1";
}

void *cor_calloc(size_t n, size_t size)
{
	return calloc(n ? n : 1, size ? size : 1);
}

void *cor_reallocarray(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	size_t bytes = n * size;
	return realloc(p, bytes ? bytes : 1);
}

char *cor_strdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

char *cor_strndup(const char *s, size_t n)
{
	return strndup(s, n);
}

char *cor_asprintf(const char *fmt, ...)
{
	char *s;
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&s, fmt, ap);
	va_end(ap);
	return r < 0 ? NULL : s;
}

bool cor_grow(void **arr, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return true;
	size_t n = *cap ? *cap : 8;
	while (n < need) {
		if (n > SIZE_MAX / 2)
			return false;
		n *= 2;
	}
	void *p = cor_reallocarray(*arr, n, elem);
	if (!p)
		return false;
	*arr = p;
	*cap = n;
	return true;
}

void sb_add(struct strbuf *sb, const char *s, size_t n)
{
	if (sb->oom)
		return;
	if (n >= SIZE_MAX - sb->len || !COR_GROW(sb->s, sb->cap, sb->len + n + 1)) {
		sb->oom = true;
		return;
	}
	memcpy(sb->s + sb->len, s, n);
	sb->len += n;
	sb->s[sb->len] = 0;
}

void sb_puts(struct strbuf *sb, const char *s)
{
	sb_add(sb, s, strlen(s));
}

void sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	char *s;
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0) {
		sb->oom = true;
		return;
	}
	sb_add(sb, s, (size_t)r);
	free(s);
}

char *sb_take(struct strbuf *sb)
{
	if (sb->oom) {
		sb_free(sb);
		return NULL;
	}
	char *s = sb->s ? sb->s : strdup("");
	sb->s = NULL;
	sb->len = sb->cap = 0;
	return s;
}

void sb_free(struct strbuf *sb)
{
	free(sb->s);
	sb->s = NULL;
	sb->len = sb->cap = 0;
	sb->oom = false;
}

void limits_resolve(struct limits *out, const struct cor_limits *in)
{
	static const struct cor_limits none;
	if (!in)
		in = &none;
	out->max_frames = in->max_frames ? in->max_frames : 256;
	out->max_threads = in->max_threads ? in->max_threads : 100000;
	out->max_notes = in->max_notes ? in->max_notes : 1000000;
	out->max_expr_steps = in->max_expr_steps ? in->max_expr_steps : 4096;
	out->max_depth = in->max_depth ? in->max_depth : 128;
	/* saturated: code sizes tables by these and adds to them */
	if (out->max_depth > COR_MAX_DEPTH)
		out->max_depth = COR_MAX_DEPTH;
	if (out->max_expr_steps > COR_MAX_EXPR_STEPS)
		out->max_expr_steps = COR_MAX_EXPR_STEPS;
	out->max_decompressed = in->max_decompressed ? in->max_decompressed : (1ull << 30);
	out->max_memory = in->max_memory ? in->max_memory : COR_DEFAULT_MAX_MEMORY;
	out->memory_raised = out->max_memory > COR_DEFAULT_MAX_MEMORY;
	out->budget = NULL;
}

bool budget_take(struct budget *b, uint64_t n)
{
	if (!b)
		return true;
	if (n > b->limit - b->used)
		return false;
	b->used += n;
	return true;
}

void budget_give(struct budget *b, uint64_t n)
{
	if (b)
		b->used = n > b->used ? 0 : b->used - n;
}

uint64_t budget_left(const struct budget *b)
{
	return b ? b->limit - b->used : UINT64_MAX;
}

char *cor_hex(const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	char *s = malloc(n * 2 + 1);
	if (!s)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		s[2 * i] = digits[p[i] >> 4];
		s[2 * i + 1] = digits[p[i] & 15];
	}
	s[2 * n] = 0;
	return s;
}

cor_error *cor_open_regular(const char *path, int *fd, uint64_t *size, uint64_t id[2])
{
	/* O_NONBLOCK: a FIFO given as a file must not block the open */
	*fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (*fd < 0)
		return cor_error_errno(errno, path, "cannot open");
	struct stat st;
	if (fstat(*fd, &st) < 0) {
		int e = errno;
		close(*fd);
		*fd = -1;
		return cor_error_errno(e, path, "cannot stat");
	}
	if (!S_ISREG(st.st_mode)) {
		close(*fd);
		*fd = -1;
		return cor_error_new(COR_ERR_IO, "%s: not a regular file", path);
	}
	*size = st.st_size > 0 ? (uint64_t)st.st_size : 0;
	if (id) {
		id[0] = (uint64_t)st.st_dev;
		id[1] = (uint64_t)st.st_ino;
	}
	return NULL;
}

cor_error *cor_map_fd(int fd, const char *path, uint64_t fsize, const uint8_t **data, size_t *size)
{
	*data = (const uint8_t *)"";
	*size = 0;
	if (fsize == 0)
		return NULL;
	if (fsize > SIZE_MAX)
		return cor_error_new(COR_ERR_LIMIT, "%s: too large to map", path);
	void *p = mmap(NULL, (size_t)fsize, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		return cor_error_errno(errno, path, "cannot map");
	*data = p;
	*size = (size_t)fsize;
	return NULL;
}

cor_error *cor_map_file(const char *path, const uint8_t **data, size_t *size)
{
	int fd;
	uint64_t fsize;
	cor_error *err = cor_open_regular(path, &fd, &fsize, NULL);
	if (err)
		return err;
	err = cor_map_fd(fd, path, fsize, data, size);
	close(fd);
	return err;
}

void cor_unmap_file(const uint8_t *data, size_t size)
{
	if (size)
		munmap((void *)data, size);
}
