/* Compressed and piped cores into a sparse temporary file. Memory stays
 * bounded (one input and one output buffer, the decoder's window) however
 * big the core: the output is written as it comes, 4 KiB blocks of zeros
 * skipped with lseek so that the mostly-zero memory of a core costs no
 * disk, and the file is mapped afterwards like any core. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/stat.h>
#include <unistd.h>
#include "spool.h"
#include "elf.h"

#define IN_CHUNK ((size_t)256 << 10)
#define OUT_CHUNK ((size_t)1 << 20)
#define BLOCK 4096
#define PROGRESS_EVERY ((uint64_t)16 << 20)

/* An unlinked file in $TMPDIR (else /tmp). */
static cor_error *temp_file(int *fd)
{
	const char *dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
#ifdef O_TMPFILE
	*fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (*fd >= 0)
		return NULL;
#endif
	char *tmpl = cor_asprintf("%s/coroner-XXXXXX", dir);
	if (!tmpl)
		return &cor_enomem;
	*fd = mkostemp(tmpl, O_CLOEXEC);
	int e = errno;
	if (*fd >= 0)
		unlink(tmpl);
	free(tmpl);
	if (*fd < 0)
		return cor_error_new(COR_ERR_IO, "cannot create a temporary file in %s: %s", dir,
				     strerror(e));
	return NULL;
}

struct sink {
	int fd;
	const char *name;
	uint64_t pos;           /* bytes of core passed on (written or skipped) */
	uint64_t stored;        /* bytes written (not holes) */
	uint64_t room;          /* bytes the file system had free */
	int err;                /* errno of a failed write, or 0 */
};

static bool all_zero(const uint8_t *p, size_t n)
{
	return n == 0 || (p[0] == 0 && !memcmp(p, p + 1, n - 1));
}

/* Writes p[0..n) at the sink's position, leaving holes for zero blocks;
 * false when the file system is full. */
static bool sink_put(struct sink *s, const uint8_t *p, size_t n)
{
	size_t i = 0;
	while (i < n) {
		size_t b = n - i < BLOCK ? n - i : BLOCK;
		if (all_zero(p + i, b)) {
			i += b;
			continue;
		}
		size_t j = i + b;
		while (j < n) {
			size_t bj = n - j < BLOCK ? n - j : BLOCK;
			if (all_zero(p + j, bj))
				break;
			j += bj;
		}
		if (s->stored + (j - i) > s->room) {
			s->err = ENOSPC;
			return false;
		}
		for (size_t k = i; k < j;) {
			ssize_t r = pwrite(s->fd, p + k, j - k, (off_t)(s->pos + k));
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				s->err = r < 0 ? errno : ENOSPC;
				return false;
			}
			k += (size_t)r;
		}
		s->stored += j - i;
		i = j;
	}
	s->pos += n;
	return true;
}

/* The size the core's headers declare (the end of its program headers,
 * segments and section headers), or 0 when the first bytes tell nothing
 * (phdrs not among them, PN_XNUM). */
static uint64_t declared_size(const uint8_t *p, size_t n, const char *name, bool *not_elf)
{
	struct elf_ehdr h;
	cor_error *err = elf_ehdr_decode(p, n, name, &h);
	*not_elf = err != NULL;
	cor_error_free(err);
	if (*not_elf || h.phnum == 0xffff || h.phentsize < (h.is64 ? 56 : 32))
		return 0;
	uint64_t end = h.phoff + (uint64_t)h.phnum * h.phentsize;
	if (h.phoff > n || end > n)
		return 0;
	for (unsigned i = 0; i < h.phnum; i++) {
		struct elf_phdr ph;
		elf_phdr_decode(p + h.phoff + (uint64_t)i * h.phentsize, h.is64, h.be, &ph);
		if (ph.offset + ph.filesz > end && ph.offset + ph.filesz >= ph.offset)
			end = ph.offset + ph.filesz;
	}
	uint64_t sh = h.shoff + (uint64_t)h.shnum * h.shentsize;
	if (h.shnum && sh > end && sh >= h.shoff)
		end = sh;
	return end;
}

/* Reads up to n bytes (fewer only at the end); -1 with errno on error. */
static ssize_t read_some(int fd, uint8_t *p, size_t n)
{
	for (;;) {
		ssize_t r = read(fd, p, n);
		if (r >= 0 || errno != EINTR)
			return r;
	}
}

struct spool {
	const struct spool_options *o;
	const char *name, *kn;
	struct warnings *w;
	struct sink sink;
	uint64_t limit;        /* bytes of core kept at most (UINT64_MAX: none yet) */
	bool limit_known, cut; /* cut: stopped at the limit */
	bool reported, cancelled; /* progress called; it returned nonzero */
	uint64_t read, total, next_progress;
	char *what;            /* for progress: "decompressing core.zst" */
};

/* Passes out[0..n) on, cut at the limit; false to stop. The first buffer
 * (OUT_CHUNK bytes, or all of a shorter core) sets the default limit. */
static bool spool_emit(struct spool *sp, const uint8_t *out, size_t n, bool *not_elf)
{
	if (!sp->limit_known) {
		sp->limit_known = true;
		uint64_t decl = declared_size(out, n, sp->name, not_elf);
		if (*not_elf)
			n = n < BLOCK ? n : BLOCK; /* enough for elf_open to say what it is */
		else if (!sp->o->max_size && decl)
			sp->limit = decl + SPOOL_SLACK;
	}
	bool stop = *not_elf;
	if (n > sp->limit - sp->sink.pos) {
		n = (size_t)(sp->limit - sp->sink.pos);
		sp->cut = stop = true;
	}
	if (!sink_put(&sp->sink, out, n))
		return false;
	if (sp->o->progress && sp->what && sp->sink.pos >= sp->next_progress) {
		sp->reported = true;
		if (sp->o->progress(sp->o->progress_arg, sp->what, sp->read, sp->total)) {
			sp->cancelled = true;
			return false;
		}
		sp->next_progress = sp->sink.pos + PROGRESS_EVERY;
	}
	return !stop;
}

static void spool_warn_end(struct spool *sp, int rc, const struct cor_zstream *z)
{
	const char *d = cor_zstream_detail(z);
	uint64_t at = sp->sink.pos;
	if (sp->sink.err)
		warnings_add(sp->w, COR_ERR_IO, sp->name, "%s: cannot write the %s core to its "
			     "temporary file: %s; only its first %" PRIu64 " bytes are read",
			     sp->name, sp->kn, strerror(sp->sink.err), at);
	else if (sp->cancelled)
		warnings_add(sp->w, COR_ERR_LIMIT, sp->name, "%s: reading the %s core cancelled "
			     "after %" PRIu64 " bytes; the rest is not read", sp->name, sp->kn, at);
	else if (sp->cut && sp->o->max_size)
		warnings_add(sp->w, COR_ERR_LIMIT, sp->name, "%s: the %s core is larger than the "
			     "limit of %" PRIu64 " bytes (max_core_size); the rest is not read",
			     sp->name, sp->kn, sp->limit);
	else if (sp->cut)
		warnings_add(sp->w, COR_ERR_FORMAT, sp->name, "%s: the %s core goes on past the "
			     "%" PRIu64 " bytes its program headers declare; the rest is not read",
			     sp->name, sp->kn, sp->limit - SPOOL_SLACK);
	else if (rc == ZS_TRUNC)
		warnings_add(sp->w, COR_ERR_TRUNCATED, sp->name, "%s: truncated %s data: the "
			     "core is cut after %" PRIu64 " decompressed bytes", sp->name, sp->kn, at);
	else if (rc == ZS_CORRUPT)
		warnings_add(sp->w, COR_ERR_FORMAT, sp->name, "%s: corrupt %s data%s%s after %"
			     PRIu64 " decompressed bytes; the rest is not read", sp->name, sp->kn,
			     d ? ": " : "", d ? d : "", at);
}

/* One decoder step, or a copy for a plain core. */
static int spool_step(struct cor_zstream *z, const uint8_t *in, size_t n, size_t *used,
		      uint8_t *out, size_t room, size_t *produced, bool eof)
{
	if (z)
		return cor_zstream_step(z, in, n, used, out, room, produced, eof);
	*used = *produced = n < room ? n : room;
	memcpy(out, in, *used);
	return eof && *used == n ? ZS_END : ZS_MORE;
}

cor_error *spool_core(int in, const uint8_t *head, size_t nhead, enum cor_compression kind,
		      uint64_t total, const char *name, const struct spool_options *o,
		      struct warnings *w, int *out, uint64_t *size)
{
	struct spool sp = {
		.o = o, .name = name, .kn = kind ? cor_compression_name(kind) : "piped",
		.w = w, .limit = o->max_size ? o->max_size : UINT64_MAX,
		.total = total, .next_progress = PROGRESS_EVERY,
	};
	cor_error *err = NULL;
	struct cor_zstream *z = kind ? cor_zstream_new(kind, name, &err) : NULL;
	if (err)
		return err;
	if (o->progress) {
		const char *base = strrchr(name, '/');
		sp.what = cor_asprintf("%s %s", kind ? "decompressing" : "reading",
				       base && base[1] ? base + 1 : name);
	}
	uint8_t *ib = malloc(IN_CHUNK > nhead ? IN_CHUNK : nhead), *ob = malloc(OUT_CHUNK);
	int fd = -1;
	if (!ib || !ob)
		err = &cor_enomem;
	else
		err = temp_file(&fd);
	if (err) {
		free(sp.what);
		free(ib);
		free(ob);
		cor_zstream_free(z);
		return err;
	}
	struct statvfs vfs;
	sp.sink = (struct sink){ .fd = fd, .name = name, .room = UINT64_MAX };
	if (fstatvfs(fd, &vfs) == 0)
		sp.sink.room = (uint64_t)vfs.f_bavail * vfs.f_frsize;
	memcpy(ib, head, nhead);
	size_t ilen = nhead, ipos = 0, olen = 0;
	sp.read = nhead;
	bool eof = false, not_elf = false, going = true;
	int rc = ZS_MORE;
	while (going) {
		if (ipos == ilen && !eof) {
			ssize_t r = read_some(in, ib, IN_CHUNK);
			if (r < 0) {
				err = cor_error_errno(errno, name, "cannot read");
				break;
			}
			ipos = 0;
			ilen = (size_t)r;
			eof = r == 0;
			sp.read += (uint64_t)r;
		}
		size_t used, produced;
		rc = spool_step(z, ib + ipos, ilen - ipos, &used, ob + olen, OUT_CHUNK - olen,
				&produced, eof);
		ipos += used;
		olen += produced;
		if (rc == ZS_MORE && eof && !used && !produced && olen < OUT_CHUNK)
			rc = ZS_TRUNC; /* a decoder that makes no progress at the end */
		if (rc == ZS_NOMEM) {
			err = &cor_enomem;
			break;
		}
		going = rc == ZS_MORE;
		/* whole blocks on, the last partial block at the end */
		size_t pass = olen == OUT_CHUNK || !going ? olen : 0;
		if (pass) {
			going = spool_emit(&sp, ob, pass, &not_elf) && going;
			olen = 0;
		}
		if (sp.sink.err)
			break;
	}
	if (!err && sp.sink.pos == 0 && rc != ZS_END && !sp.sink.err) {
		const char *d = cor_zstream_detail(z);
		err = cor_error_new(COR_ERR_FORMAT, "%s: %s %s data: nothing decoded%s%s", name,
				    rc == ZS_TRUNC ? "truncated" : "corrupt", sp.kn, d ? ": " : "",
				    d ? d : "");
	}
	if (!err && !not_elf)
		spool_warn_end(&sp, rc, z);
	if (!err && ftruncate(fd, (off_t)sp.sink.pos) != 0)
		err = cor_error_errno(errno, name, "cannot size its temporary file");
	if (sp.reported)
		o->progress(o->progress_arg, NULL, sp.read, total);
	free(sp.what);
	free(ib);
	free(ob);
	cor_zstream_free(z);
	if (err) {
		close(fd);
		return err;
	}
	*out = fd;
	*size = sp.sink.pos;
	return NULL;
}
