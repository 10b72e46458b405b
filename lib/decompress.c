/* Bounded decompression: zlib, zstd and xz into a buffer of at most max
 * bytes, grown as output arrives. Once the buffer reaches its limit the
 * decoder is given a one-byte spill slot: any byte written there means the
 * stream holds more than allowed. Then the streaming decoders of whole
 * files (zstd, lz4, xz, gzip), which the caller feeds and drains. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>
#include <sys/mman.h>
#include "config.h"
#include "decompress.h"
#ifdef HAVE_ZLIB
#include <zlib.h>
#endif
#ifdef HAVE_LIBDEFLATE
#include <libdeflate.h>
#endif
#ifdef HAVE_ZSTD
#include <zstd.h>
#include <zstd_errors.h>
#endif
#ifdef HAVE_LZMA
#include <lzma.h>
#endif
#ifdef HAVE_LZ4
#include <lz4frame.h>
#endif

#define FIRST_CHUNK ((size_t)64 << 10)
#define XZ_MEMLIMIT ((uint64_t)512 << 20)

/* Results of a decoder run; D_MORE only between steps (see dbuf_fill). */
enum { D_END, D_TRUNC, D_CORRUPT, D_NOMEM, D_OVER, D_MEMLIMIT, D_MORE };

/* The zlib header: deflate method, window <= 32 KiB, no preset dictionary. */
static inline bool zlib_header_ok(const uint8_t *in, size_t n)
{
	return n >= 2 && (in[0] & 0x0f) == 8 && (in[0] >> 4) <= 7 && !(in[1] & 0x20) &&
	       ((unsigned)in[0] << 8 | in[1]) % 31 == 0;
}

struct dbuf {
	uint8_t *p;
	size_t len, cap, limit;
	size_t hint;        /* first allocation when the size is unknown */
	uint8_t spill;
	const char *detail; /* decoder's own message, if any */
};

#if defined(HAVE_ZLIB) || defined(HAVE_ZSTD) || defined(HAVE_LZMA)
/* Space for the next output: the buffer's free tail, grown up to limit,
 * or the spill byte once limit is reached. */
static bool dbuf_room(struct dbuf *b, uint8_t **o, size_t *room)
{
	if (b->len == b->cap && b->cap < b->limit) {
		size_t n = b->cap ? b->cap : b->hint;
		if (b->cap && n <= b->limit / 2)
			n *= 2;
		else if (b->cap)
			n = b->limit;
		if (n > b->limit)
			n = b->limit;
		uint8_t *p = realloc(b->p, n);
		if (!p)
			return false;
		b->p = p;
		b->cap = n;
	}
	if (b->len < b->cap) {
		*o = b->p + b->len;
		*room = b->cap - b->len;
	} else {
		*o = &b->spill;
		*room = 1;
	}
	return true;
}

/* Accounts for produced bytes written at o; false if they went to spill. */
static bool dbuf_wrote(struct dbuf *b, const uint8_t *o, size_t produced)
{
	if (o == &b->spill)
		return produced == 0;
	b->len += produced;
	return true;
}

/* One decoder call writing into o[0..room): *produced is what it wrote
 * there (0 after a decoder error); returns D_MORE to go on, else the end. */
typedef int step_fn(void *st, struct dbuf *b, uint8_t *o, size_t room,
		    size_t *produced);

/* Calls step with fresh output space until it ends, space cannot be had
 * (D_NOMEM) or it wrote past the limit (D_OVER). */
static int dbuf_fill(struct dbuf *b, step_fn *step, void *st)
{
	for (;;) {
		uint8_t *o;
		size_t room, produced;
		if (!dbuf_room(b, &o, &room))
			return D_NOMEM;
		int rc = step(st, b, o, room, &produced);
		if (!dbuf_wrote(b, o, produced))
			return D_OVER;
		if (rc != D_MORE)
			return rc;
	}
}
#endif

#ifdef HAVE_ZLIB
struct zlib_st {
	z_stream z;
	const uint8_t *in;
	size_t n, fed;
};

static int zlib_step(void *st, struct dbuf *b, uint8_t *o, size_t room,
		     size_t *produced)
{
	struct zlib_st *s = st;
	z_stream *z = &s->z;
	if (z->avail_in == 0 && s->fed < s->n) {
		size_t c = s->n - s->fed < UINT_MAX ? s->n - s->fed : UINT_MAX;
		z->next_in = (Bytef *)(s->in + s->fed);
		z->avail_in = (uInt)c;
		s->fed += c;
	}
	uInt avail = room < UINT_MAX ? (uInt)room : UINT_MAX;
	z->next_out = o;
	z->avail_out = avail;
	int zr = inflate(z, Z_NO_FLUSH);
	*produced = avail - z->avail_out;
	if (zr == Z_STREAM_END)
		return z->avail_in + (s->n - s->fed) >= 4 ? D_END : D_TRUNC;
	if (zr == Z_OK)
		return D_MORE;
	b->detail = z->msg;
	if (zr == Z_MEM_ERROR)
		return D_NOMEM;
	if (zr == Z_BUF_ERROR && z->avail_in == 0 && s->fed == s->n)
		return D_TRUNC;
	return D_CORRUPT;
}

static int run_zlib(struct dbuf *b, const uint8_t *in, size_t n)
{
	/* The zlib header by hand, then raw deflate: the Adler-32 of the
	 * output costs a tenth of the time and the readers check every byte
	 * anyway. The trailer must still be there (truncation stays an error). */
	if (n < 6 || !zlib_header_ok(in, n)) {
		b->detail = n < 6 ? NULL : "bad zlib header";
		return n < 6 ? D_TRUNC : D_CORRUPT;
	}
	struct zlib_st s = { .in = in + 2, .n = n - 2 };
	if (inflateInit2(&s.z, -15) != Z_OK)
		return D_NOMEM;
	int rc = dbuf_fill(b, zlib_step, &s);
	inflateEnd(&s.z);
	return rc;
}
#endif

#ifdef HAVE_ZSTD
/* Window log covering limit bytes, at least 8 MiB (what levels up to 19
 * use, even for short inputs of unknown size): a frame asking for more
 * cannot be legitimate and would only make the decoder allocate. */
static int zstd_window_log(size_t limit)
{
	ZSTD_bounds wb = ZSTD_dParam_getBounds(ZSTD_d_windowLogMax);
	int lg = 23;
	while (lg < wb.upperBound && ((uint64_t)1 << lg) < limit)
		lg++;
	return lg;
}

static int zstd_rc(size_t zr)
{
	switch (ZSTD_getErrorCode(zr)) {
	case ZSTD_error_memory_allocation:
		return D_NOMEM;
	case ZSTD_error_frameParameter_windowTooLarge:
		return D_MEMLIMIT;
	default:
		return D_CORRUPT;
	}
}

struct zstd_st {
	ZSTD_DStream *ds;
	ZSTD_inBuffer ib;
};

static int zstd_step(void *st, struct dbuf *b, uint8_t *o, size_t room,
		     size_t *produced)
{
	struct zstd_st *s = st;
	ZSTD_outBuffer ob = { o, room, 0 };
	size_t zr = ZSTD_decompressStream(s->ds, &ob, &s->ib);
	*produced = 0;
	if (ZSTD_isError(zr)) {
		b->detail = ZSTD_getErrorName(zr);
		return zstd_rc(zr);
	}
	*produced = ob.pos;
	if (zr == 0 && s->ib.pos == s->ib.size)
		return D_END;
	if (s->ib.pos == s->ib.size && ob.pos < ob.size && zr != 0)
		return D_TRUNC;
	return D_MORE;
}

static int run_zstd(struct dbuf *b, const uint8_t *in, size_t n)
{
	struct zstd_st s = { ZSTD_createDStream(), { in, n, 0 } };
	if (!s.ds)
		return D_NOMEM;
	ZSTD_DCtx_setParameter(s.ds, ZSTD_d_windowLogMax, zstd_window_log(b->limit));
	int rc = dbuf_fill(b, zstd_step, &s);
	ZSTD_freeDStream(s.ds);
	return rc;
}
#endif

#ifdef HAVE_LZMA
static int xz_step(void *st, struct dbuf *b, uint8_t *o, size_t room,
		   size_t *produced)
{
	lzma_stream *s = st;
	(void)b; /* the stream keeps its own input position */
	s->next_out = o;
	s->avail_out = room;
	lzma_ret lr = lzma_code(s, LZMA_FINISH);
	*produced = room - s->avail_out;
	if (lr == LZMA_OK)
		return D_MORE;
	if (lr == LZMA_STREAM_END)
		return D_END;
	if (lr == LZMA_MEM_ERROR)
		return D_NOMEM;
	if (lr == LZMA_MEMLIMIT_ERROR)
		return D_MEMLIMIT;
	if (lr == LZMA_BUF_ERROR && s->avail_in == 0)
		return D_TRUNC;
	return D_CORRUPT;
}

static int run_xz(struct dbuf *b, const uint8_t *in, size_t n)
{
	lzma_stream s = LZMA_STREAM_INIT;
	if (lzma_stream_decoder(&s, XZ_MEMLIMIT, 0) != LZMA_OK)
		return D_NOMEM;
	s.next_in = in;
	s.avail_in = n;
	int rc = dbuf_fill(b, xz_step, &s);
	lzma_end(&s);
	return rc;
}
#endif

const char *cor_compression_name(enum cor_compression kind)
{
	switch (kind) {
	case COR_ZLIB: return "zlib";
	case COR_ZSTD: return "zstd";
	case COR_XZ: return "xz";
	case COR_LZ4: return "lz4";
	case COR_GZIP: return "gzip";
	}
	return "unknown";
}

bool cor_have_compression(enum cor_compression kind)
{
	switch (kind) {
#ifdef HAVE_ZLIB
	case COR_ZLIB: return true;
#endif
#ifdef HAVE_ZSTD
	case COR_ZSTD: return true;
#endif
#ifdef HAVE_LZMA
	case COR_XZ: return true;
#endif
#ifdef HAVE_LZ4
	case COR_LZ4: return true;
#endif
#ifdef HAVE_ZLIB
	case COR_GZIP: return true;
#endif
	default: return false;
	}
}

static int run(enum cor_compression kind, struct dbuf *b,
	       const uint8_t *in, size_t n)
{
	if (n == 0)
		return D_TRUNC;
	switch (kind) {
#ifdef HAVE_ZLIB
	case COR_ZLIB: return run_zlib(b, in, n);
#endif
#ifdef HAVE_ZSTD
	case COR_ZSTD: return run_zstd(b, in, n);
#endif
#ifdef HAVE_LZMA
	case COR_XZ: return run_xz(b, in, n);
#endif
	default: return D_CORRUPT;
	}
}

static cor_error *run_error(int rc, const char *kn, const struct dbuf *b,
			    uint64_t expected, uint64_t max, const char *what)
{
	const char *d = b->detail ? b->detail : "";
	const char *sep = b->detail ? ": " : "";
	switch (rc) {
	case D_TRUNC:
		return cor_error_new(COR_ERR_FORMAT, "%s: truncated %s data", what, kn);
	case D_NOMEM:
		return &cor_enomem;
	case D_MEMLIMIT:
		return cor_error_new(COR_ERR_LIMIT, "%s: %s data needs too much "
				     "memory to decode%s%s", what, kn, sep, d);
	case D_OVER:
		if (expected)
			return cor_error_new(COR_ERR_FORMAT, "%s: %s data decompresses to "
					     "more than the %" PRIu64 " bytes expected",
					     what, kn, expected);
		return cor_error_new(COR_ERR_LIMIT, "%s: %s data decompresses to more "
				     "than the limit of %" PRIu64 " bytes", what, kn, max);
	}
	return cor_error_new(COR_ERR_FORMAT, "%s: corrupt %s data%s%s", what, kn, sep, d);
}

#ifdef HAVE_LIBDEFLATE
/* Memory for a large output, freed with free(). On virtual machines a page
 * fault costs microseconds, and a 6 MiB section is 1500 of them: where the
 * kernel gives transparent huge pages on request, 2 MiB-aligned memory with
 * MADV_HUGEPAGE takes one fault per 2 MiB instead. */
static uint8_t *big_alloc(size_t n)
{
	const size_t huge = (size_t)2 << 20;
	void *p = NULL;
	if (n < huge / 4)
		return malloc(n ? n : 1);
	size_t round = (n + huge - 1) & ~(huge - 1);
	if (round < n || posix_memalign(&p, huge, round) != 0)
		return NULL;
#ifdef MADV_HUGEPAGE
	madvise(p, round, MADV_HUGEPAGE);
#endif
	return p;
}

/* A zlib stream of known size in one call: libdeflate inflates two to three
 * times faster than zlib. The size was checked against max by the caller.
 * Returns NULL with *out NULL when the data is bad, for zlib to diagnose. */
static cor_error *deflate_known(const uint8_t *in, size_t n, size_t expected,
				const char *what, uint8_t **out, size_t *outn)
{
	if (n < 6)
		return cor_error_new(COR_ERR_FORMAT, "%s: truncated zlib data", what);
	if (!zlib_header_ok(in, n))
		return cor_error_new(COR_ERR_FORMAT, "%s: corrupt zlib data: bad zlib header", what);
	struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
	uint8_t *buf = big_alloc(expected);
	if (!d || !buf) {
		libdeflate_free_decompressor(d);
		free(buf);
		return &cor_enomem;
	}
	size_t used = 0, got = 0;
	enum libdeflate_result r = libdeflate_deflate_decompress_ex(d, in + 2, n - 2, buf,
								   expected, &used, &got);
	libdeflate_free_decompressor(d);
	cor_error *err = NULL;
	if (r == LIBDEFLATE_INSUFFICIENT_SPACE)
		err = cor_error_new(COR_ERR_FORMAT, "%s: zlib data decompresses to more than the %zu bytes expected",
				    what, expected);
	else if (r != LIBDEFLATE_SUCCESS) {
		/* bad input: let zlib say whether it is cut short or corrupt */
		free(buf);
		return NULL;
	} else if (got != expected)
		err = cor_error_new(COR_ERR_FORMAT, "%s: zlib data decompresses to %zu bytes, %zu expected",
				    what, got, expected);
	else if (n - 2 - used < 4)
		err = cor_error_new(COR_ERR_FORMAT, "%s: truncated zlib data", what);
	if (err) {
		free(buf);
		return err;
	}
	*out = buf;
	*outn = got;
	return NULL;
}
#endif

cor_error *cor_decompress(enum cor_compression kind, const uint8_t *in, size_t n,
			  uint64_t expected, uint64_t max, const char *what,
			  uint8_t **out, size_t *outn)
{
	const char *kn = cor_compression_name(kind);
	*out = NULL;
	*outn = 0;
	if (!what)
		what = "(input)";
	if (kind != COR_ZLIB && kind != COR_ZSTD && kind != COR_XZ)
		return cor_error_new(COR_ERR_INVALID, "%s: unknown compression %d",
				     what, (int)kind);
	if (!cor_have_compression(kind))
		return cor_error_new(COR_ERR_UNSUPPORTED, "%s: %s compressed, but "
				     "coroner was built without %s", what, kn, kn);
	if (expected && expected > max)
		return cor_error_new(COR_ERR_LIMIT, "%s: %s data claims %" PRIu64
				     " bytes, above the limit of %" PRIu64, what, kn,
				     expected, max);
	if (expected > SIZE_MAX)
		return &cor_enomem;
#ifdef HAVE_LIBDEFLATE
	if (kind == COR_ZLIB && expected) {
		cor_error *err = deflate_known(in, n, (size_t)expected, what, out, outn);
		if (err || *out)
			return err;
	}
#endif
	struct dbuf b = {0};
	b.limit = expected ? expected : max < SIZE_MAX ? max : SIZE_MAX;
	b.hint = expected ? b.limit : FIRST_CHUNK;
	if (b.hint > b.limit)
		b.hint = b.limit;
	int rc = run(kind, &b, in, n);
	if (rc == D_END && expected && b.len != expected) {
		free(b.p);
		return cor_error_new(COR_ERR_FORMAT, "%s: %s data decompresses to %zu "
				     "bytes, %" PRIu64 " expected", what, kn, b.len, expected);
	}
	if (rc != D_END) {
		free(b.p);
		return run_error(rc, kn, &b, expected, max, what);
	}
	if (!b.p || b.len < b.cap) {
		uint8_t *p = realloc(b.p, b.len ? b.len : 1);
		if (!p && !b.p)
			return &cor_enomem;
		if (p)
			b.p = p;
	}
	*out = b.p;
	*outn = b.len;
	return NULL;
}

/* ---- streaming decoders of whole files ---- */

enum cor_compression cor_compression_detect(const uint8_t *p, size_t n)
{
	static const uint8_t zstd[] = { 0x28, 0xb5, 0x2f, 0xfd };
	static const uint8_t lz4[] = { 0x04, 0x22, 0x4d, 0x18 };
	static const uint8_t xz[] = { 0xfd, '7', 'z', 'X', 'Z', 0 };
	if (n >= 4 && !memcmp(p, zstd, 4))
		return COR_ZSTD;
	if (n >= 4 && !memcmp(p, lz4, 4))
		return COR_LZ4;
	if (n >= 6 && !memcmp(p, xz, 6))
		return COR_XZ;
	if (n >= 3 && p[0] == 0x1f && p[1] == 0x8b && p[2] == 8)
		return COR_GZIP;
	return 0;
}

struct cor_zstream {
	enum cor_compression kind;
	const char *detail;
	bool boundary;      /* between frames: the input may end here */
	bool ignore_rest;   /* gzip: what follows the last member is not one */
#ifdef HAVE_ZLIB
	z_stream z;
	bool z_init;
#endif
#ifdef HAVE_ZSTD
	ZSTD_DStream *zs;
#endif
#ifdef HAVE_LZ4
	LZ4F_dctx *lz;
#endif
#ifdef HAVE_LZMA
	lzma_stream xz;
	bool xz_init;
#endif
};

struct cor_zstream *cor_zstream_new(enum cor_compression kind, const char *what,
				    cor_error **err)
{
	*err = NULL;
	if (!cor_have_compression(kind) || kind == COR_ZLIB) {
		const char *kn = cor_compression_name(kind);
		*err = cor_error_new(COR_ERR_UNSUPPORTED, "%s: %s compressed, but coroner "
				     "was built without %s", what, kn, kn);
		return NULL;
	}
	struct cor_zstream *s = cor_calloc(1, sizeof(*s));
	if (!s) {
		*err = &cor_enomem;
		return NULL;
	}
	s->kind = kind;
	bool ok = false;
	switch (kind) {
#ifdef HAVE_ZLIB
	case COR_GZIP:
		ok = s->z_init = inflateInit2(&s->z, 15 + 16) == Z_OK;
		break;
#endif
#ifdef HAVE_ZSTD
	case COR_ZSTD:
		ok = (s->zs = ZSTD_createDStream()) != NULL;
		break;
#endif
#ifdef HAVE_LZ4
	case COR_LZ4:
		ok = !LZ4F_isError(LZ4F_createDecompressionContext(&s->lz, LZ4F_VERSION));
		break;
#endif
#ifdef HAVE_LZMA
	case COR_XZ: {
		lzma_stream init = LZMA_STREAM_INIT;
		s->xz = init;
		ok = s->xz_init = lzma_stream_decoder(&s->xz, XZ_MEMLIMIT, LZMA_CONCATENATED) == LZMA_OK;
		break;
	}
#endif
	default:
		break;
	}
	if (!ok) {
		cor_zstream_free(s);
		*err = &cor_enomem;
		return NULL;
	}
	return s;
}

void cor_zstream_free(struct cor_zstream *s)
{
	if (!s)
		return;
#ifdef HAVE_ZLIB
	if (s->z_init)
		inflateEnd(&s->z);
#endif
#ifdef HAVE_ZSTD
	ZSTD_freeDStream(s->zs);
#endif
#ifdef HAVE_LZ4
	if (s->lz)
		LZ4F_freeDecompressionContext(s->lz);
#endif
#ifdef HAVE_LZMA
	if (s->xz_init)
		lzma_end(&s->xz);
#endif
	free(s);
}

const char *cor_zstream_detail(const struct cor_zstream *s)
{
	return s ? s->detail : NULL;
}

#ifdef HAVE_ZLIB
static int gzip_zstep(struct cor_zstream *s, const uint8_t *in, size_t n, size_t *used,
		      uint8_t *out, size_t room, size_t *produced)
{
	if (s->ignore_rest) {
		*used = n;
		return ZS_MORE;
	}
	z_stream *z = &s->z;
	uInt nin = n < UINT_MAX ? (uInt)n : UINT_MAX, nout = room < UINT_MAX ? (uInt)room : UINT_MAX;
	z->next_in = (Bytef *)in;
	z->avail_in = nin;
	z->next_out = out;
	z->avail_out = nout;
	int zr = inflate(z, Z_NO_FLUSH);
	*used = nin - z->avail_in;
	*produced = nout - z->avail_out;
	if (zr == Z_STREAM_END) {
		s->boundary = true;
		/* another member, or trailing bytes gzip(1) ignores too */
		if (*used < n && in[*used] != 0x1f)
			s->ignore_rest = true;
		else if (inflateReset(z) != Z_OK)
			return ZS_NOMEM;
		return ZS_MORE;
	}
	if (*used || *produced)
		s->boundary = false;
	if (zr == Z_OK || zr == Z_BUF_ERROR)
		return ZS_MORE;
	s->detail = z->msg;
	return zr == Z_MEM_ERROR ? ZS_NOMEM : ZS_CORRUPT;
}
#endif

int cor_zstream_step(struct cor_zstream *s, const uint8_t *in, size_t n, size_t *used,
		     uint8_t *out, size_t room, size_t *produced, bool eof)
{
	*used = *produced = 0;
	int rc = ZS_CORRUPT;
	int frame_end = -1; /* zstd, lz4: whether the step ended a frame */
	switch (s->kind) {
#ifdef HAVE_ZSTD
	case COR_ZSTD: {
		ZSTD_inBuffer ib = { in, n, 0 };
		ZSTD_outBuffer ob = { out, room, 0 };
		size_t zr = ZSTD_decompressStream(s->zs, &ob, &ib);
		if (ZSTD_isError(zr)) {
			s->detail = ZSTD_getErrorName(zr);
			return ZSTD_getErrorCode(zr) == ZSTD_error_memory_allocation ? ZS_NOMEM
										      : ZS_CORRUPT;
		}
		*used = ib.pos;
		*produced = ob.pos;
		frame_end = zr == 0;
		rc = ZS_MORE;
		break;
	}
#endif
#ifdef HAVE_LZ4
	case COR_LZ4: {
		size_t dn = room, sn = n;
		size_t lr = LZ4F_decompress(s->lz, out, &dn, in, &sn, NULL);
		if (LZ4F_isError(lr)) {
			s->detail = LZ4F_getErrorName(lr);
			return ZS_CORRUPT;
		}
		*used = sn;
		*produced = dn;
		frame_end = lr == 0;
		rc = ZS_MORE;
		break;
	}
#endif
#ifdef HAVE_LZMA
	case COR_XZ: {
		s->xz.next_in = in;
		s->xz.avail_in = n;
		s->xz.next_out = out;
		s->xz.avail_out = room;
		lzma_ret lr = lzma_code(&s->xz, eof ? LZMA_FINISH : LZMA_RUN);
		*used = n - s->xz.avail_in;
		*produced = room - s->xz.avail_out;
		if (lr == LZMA_OK)
			return eof && !*used && !*produced && n ? ZS_TRUNC : ZS_MORE;
		if (lr == LZMA_STREAM_END)
			return ZS_END;
		if (lr == LZMA_BUF_ERROR)
			return eof ? ZS_TRUNC : ZS_MORE;
		if (lr == LZMA_MEM_ERROR)
			return ZS_NOMEM;
		s->detail = lr == LZMA_MEMLIMIT_ERROR ? "needs too much memory to decode" : NULL;
		return ZS_CORRUPT;
	}
#endif
#ifdef HAVE_ZLIB
	case COR_GZIP:
		rc = gzip_zstep(s, in, n, used, out, room, produced);
		break;
#endif
	default:
		return ZS_CORRUPT;
	}
	if (rc != ZS_MORE)
		return rc;
	if (frame_end >= 0 && (*used || *produced))
		s->boundary = frame_end;
	/* the input is all taken and the decoder holds nothing back (room is
	 * left): at the end of the input that is the end, or a frame cut */
	if (eof && *used == n && *produced < room)
		return s->boundary ? ZS_END : ZS_TRUNC;
	return ZS_MORE;
}
