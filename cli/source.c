/* --source: the source line of a frame. The file is found as gdb's
 * `directory` finds it, read once (regular files only, bounded) and its
 * lines indexed; what is shown is made harmless for a terminal. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli.h"

#define MAX_FILES 64                 /* files kept; then the oldest goes */
#define MAX_SOURCE_SIZE (64u << 20)  /* a larger file is not read */
#define MAX_SHOWN 240                /* columns of a line shown */

struct source {
	char *name;      /* as the frame names it */
	char *text;      /* NULL: not found or not readable */
	size_t *starts;  /* offset of each line */
	size_t nlines;
};

static struct source cache[MAX_FILES];
static size_t ncache, next_slot;
static char shown[MAX_SHOWN * 4 + 8];

/* The whole of a regular file, NUL-terminated, or NULL. */
static char *read_file(const char *path, size_t *size)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	struct stat st;
	char *buf = NULL;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size <= MAX_SOURCE_SIZE &&
	    (buf = malloc((size_t)st.st_size + 1))) {
		size_t n = 0, want = (size_t)st.st_size;
		ssize_t r;
		while (n < want && (r = read(fd, buf + n, want - n)) > 0)
			n += (size_t)r;
		buf[n] = 0;
		*size = n;
	}
	close(fd);
	return buf;
}

static char *try_path(const char *dir, const char *file, size_t *size)
{
	char path[4096];
	if (dir) {
		while (file[0] == '.' && file[1] == '/')
			file += 2;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, file) >= sizeof(path))
			return NULL;
	} else if (strlen(file) >= sizeof(path)) {
		return NULL;
	} else {
		strcpy(path, file);
	}
	return read_file(path, size);
}

/* gdb's order: an absolute name as is; under each directory DIR/NAME,
 * then DIR/BASENAME; a relative name last, from the current directory. */
static char *find_source(struct cli *cli, const char *file, size_t *size)
{
	char *t = NULL;
	const char *base = strrchr(file, '/');
	base = base ? base + 1 : file;
	if (file[0] == '/' && (t = try_path(NULL, file, size)))
		return t;
	for (int i = 0; i < cli->nsource_dirs; i++) {
		if ((t = try_path(cli->source_dirs[i], file, size)))
			return t;
		if (base != file && (t = try_path(cli->source_dirs[i], base, size)))
			return t;
	}
	return file[0] != '/' ? try_path(NULL, file, size) : NULL;
}

static struct source *load(struct cli *cli, const char *file)
{
	for (size_t i = 0; i < ncache; i++)
		if (!strcmp(cache[i].name, file))
			return &cache[i];
	char *name = strdup(file);
	if (!name)
		return NULL;
	struct source *s = &cache[next_slot];
	next_slot = (next_slot + 1) % MAX_FILES;
	if (ncache < MAX_FILES)
		ncache++;
	else
		free(s->name), free(s->text), free(s->starts);
	memset(s, 0, sizeof(*s));
	s->name = name;
	size_t size = 0;
	if (!(s->text = find_source(cli, file, &size)))
		return s;
	size_t n = 1;
	for (size_t i = 0; i < size; i++)
		n += s->text[i] == '\n';
	if (!(s->starts = malloc(n * sizeof(*s->starts)))) {
		free(s->text);
		s->text = NULL;
		return s;
	}
	s->starts[s->nlines++] = 0;
	for (size_t i = 0; i < size; i++)
		if (s->text[i] == '\n' && i + 1 < size)
			s->starts[s->nlines++] = i + 1;
	return s;
}

/* Length of the UTF-8 sequence at p (at most n bytes) if it is valid and
 * no C1 control (U+0080..U+009F), else 0. */
size_t utf8_len(const unsigned char *p, size_t n)
{
	size_t len = p[0] >= 0xf0 && p[0] < 0xf5 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc2 ? 2 : 0;
	if (p[0] >= 0xf5 || !len || len > n)
		return 0;
	for (size_t i = 1; i < len; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	if (len == 2 && p[0] == 0xc2 && p[1] < 0xa0)
		return 0;
	return len;
}

const char *source_line(struct cli *cli, const char *file, unsigned line)
{
	struct source *s = file && line ? load(cli, file) : NULL;
	if (!s || !s->text || line > s->nlines)
		return NULL;
	const unsigned char *p = (const unsigned char *)s->text + s->starts[line - 1];
	const unsigned char *e = (const unsigned char *)strchr((const char *)p, '\n');
	if (!e)
		e = p + strlen((const char *)p);
	if (e > p && e[-1] == '\r')
		e--;
	size_t o = 0, col = 0;
	while (p < e && col < MAX_SHOWN) {
		size_t u = *p >= 0x80 ? utf8_len(p, (size_t)(e - p)) : 0;
		if (*p == '\t') {
			do
				shown[o++] = ' ';
			while (++col % 8 && col < MAX_SHOWN);
			p++;
		} else if (u) {
			memcpy(shown + o, p, u);
			o += u, p += u, col++;
		} else {
			/* escape sequences and stray bytes never reach the terminal */
			shown[o++] = (*p < 0x20 || *p >= 0x7f) ? '?' : (char)*p;
			p++, col++;
		}
	}
	shown[o] = 0;
	return shown;
}

/* A ring of escaped copies: tx() results stay valid for the next
 * TX_SLOTS calls, enough for one fprintf's arguments. */
#define TX_SLOTS 16
static char *tx_ring[TX_SLOTS];
static size_t tx_next;

const char *tx(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n, bad = 0;
	if (!s)
		return NULL;
	n = strlen(s);
	for (size_t i = 0; i < n;) {
		size_t u = p[i] >= 0x80 ? utf8_len(p + i, n - i) : 0;
		if (u) {
			i += u;
			continue;
		}
		if (p[i] < 0x20 || p[i] >= 0x7f)
			bad++;
		i++;
	}
	if (!bad)
		return s;
	/* each bad byte becomes \xNN: 4 bytes */
	char *e = malloc(n + 3 * bad + 1), *o = e;
	if (!e)
		return "(unprintable)";
	for (size_t i = 0; i < n;) {
		size_t u = p[i] >= 0x80 ? utf8_len(p + i, n - i) : 0;
		if (u) {
			memcpy(o, p + i, u);
			o += u, i += u;
		} else if (p[i] < 0x20 || p[i] >= 0x7f) {
			o += sprintf(o, "\\x%02x", p[i++]);
		} else {
			*o++ = (char)p[i++];
		}
	}
	*o = 0;
	free(tx_ring[tx_next]);
	tx_ring[tx_next] = e;
	tx_next = (tx_next + 1) % TX_SLOTS;
	return e;
}

void source_free(void)
{
	for (size_t i = 0; i < TX_SLOTS; i++) {
		free(tx_ring[i]);
		tx_ring[i] = NULL;
	}
	for (size_t i = 0; i < ncache; i++)
		free(cache[i].name), free(cache[i].text), free(cache[i].starts);
	ncache = next_slot = 0;
}
