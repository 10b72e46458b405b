/* Decompression: round trips through zlib/zstd/xz compressed at test time,
 * truncated and corrupt input, size mismatches and decompression bombs. */
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include "config.h"
#include "decompress.h"
#include "t.h"
#ifdef HAVE_ZLIB
#include <zlib.h>
#endif
#ifdef HAVE_ZSTD
#include <zstd.h>
#endif
#ifdef HAVE_LZMA
#include <lzma.h>
#endif

#define MiB ((size_t)1 << 20)
#define BOMB_SIZE ((uint64_t)1 << 30)

struct blob {
	uint8_t *p;
	size_t n;
};

static uint8_t *sample(size_t n)
{
	uint8_t *p = malloc(n);
	uint32_t x = 12345;
	for (size_t i = 0; i < n; i++) {
		x = x * 1103515245 + 12345;
		p[i] = "abcdefgh ijklmnop\n"[(x >> 16) % 18];
	}
	return p;
}

/* Compresses n bytes (or, if data is NULL, n zero bytes fed in chunks). */
static struct blob squeeze(enum cor_compression kind, const uint8_t *data, uint64_t n);

#ifdef HAVE_ZLIB
static struct blob zlib_compress(const uint8_t *data, uint64_t n)
{
	static uint8_t zeros[MiB];
	struct blob b = {0};
	size_t cap = MiB;
	z_stream z;
	memset(&z, 0, sizeof(z));
	deflateInit(&z, 9);
	b.p = malloc(cap);
	uint64_t fed = 0;
	int r;
	do {
		if (z.avail_in == 0 && fed < n) {
			size_t c = n - fed < MiB ? n - fed : MiB;
			z.next_in = data ? (Bytef *)data + fed : zeros;
			z.avail_in = c;
			fed += c;
		}
		if (b.n == cap)
			b.p = realloc(b.p, cap *= 2);
		z.next_out = b.p + b.n;
		z.avail_out = cap - b.n;
		r = deflate(&z, fed == n && z.avail_in == 0 ? Z_FINISH : Z_NO_FLUSH);
		b.n = cap - z.avail_out;
	} while (r != Z_STREAM_END);
	deflateEnd(&z);
	return b;
}
#endif

#ifdef HAVE_ZSTD
static struct blob zstd_compress(const uint8_t *data, uint64_t n, bool checksum)
{
	static uint8_t zeros[MiB];
	struct blob b = {0};
	size_t cap = MiB;
	ZSTD_CCtx *c = ZSTD_createCCtx();
	ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, checksum);
	if (data)
		ZSTD_CCtx_setPledgedSrcSize(c, n);
	b.p = malloc(cap);
	uint64_t fed = 0;
	ZSTD_inBuffer in = {0};
	size_t left;
	do {
		if (in.pos == in.size && fed < n) {
			size_t k = n - fed < MiB ? n - fed : MiB;
			in.src = data ? data + fed : zeros;
			in.size = k;
			in.pos = 0;
			fed += k;
		}
		if (b.n == cap)
			b.p = realloc(b.p, cap *= 2);
		ZSTD_outBuffer out = { b.p, cap, b.n };
		bool last = fed == n && in.pos == in.size;
		left = ZSTD_compressStream2(c, &out, &in, last ? ZSTD_e_end : ZSTD_e_continue);
		b.n = out.pos;
		if (!last)
			left = 1;
	} while (left != 0);
	ZSTD_freeCCtx(c);
	return b;
}
#endif

#ifdef HAVE_LZMA
static struct blob xz_compress(const uint8_t *data, uint64_t n)
{
	static uint8_t zeros[MiB];
	struct blob b = {0};
	size_t cap = MiB;
	lzma_stream s = LZMA_STREAM_INIT;
	if (lzma_easy_encoder(&s, 0, LZMA_CHECK_CRC32) != LZMA_OK)
		abort();
	b.p = malloc(cap);
	uint64_t fed = 0;
	lzma_ret r;
	do {
		if (s.avail_in == 0 && fed < n) {
			size_t k = n - fed < MiB ? n - fed : MiB;
			s.next_in = data ? data + fed : zeros;
			s.avail_in = k;
			fed += k;
		}
		if (b.n == cap)
			b.p = realloc(b.p, cap *= 2);
		s.next_out = b.p + b.n;
		s.avail_out = cap - b.n;
		r = lzma_code(&s, fed == n && s.avail_in == 0 ? LZMA_FINISH : LZMA_RUN);
		b.n = cap - s.avail_out;
	} while (r == LZMA_OK);
	lzma_end(&s);
	return b;
}
#endif

static struct blob squeeze(enum cor_compression kind, const uint8_t *data, uint64_t n)
{
	struct blob none = {0};
	switch (kind) {
#ifdef HAVE_ZLIB
	case COR_ZLIB: return zlib_compress(data, n);
#endif
#ifdef HAVE_ZSTD
	case COR_ZSTD: return zstd_compress(data, n, true);
#endif
#ifdef HAVE_LZMA
	case COR_XZ: return xz_compress(data, n);
#endif
	default: return none;
	}
}

static enum cor_error_code code_of(cor_error *e)
{
	enum cor_error_code c = cor_error_code(e);
	cor_error_free(e);
	return c;
}

static void round_trip(enum cor_compression kind, size_t n)
{
	uint8_t *data = sample(n);
	struct blob z = squeeze(kind, data, n);
	uint8_t *out;
	size_t outn;

	cor_error *e = cor_decompress(kind, z.p, z.n, 0, n, "rt", &out, &outn);
	CHECK(e == NULL);
	CHECK_EQ(outn, n);
	CHECK(out && (n == 0 || !memcmp(out, data, n)));
	free(out);

	e = cor_decompress(kind, z.p, z.n, n, n, "rt", &out, &outn);
	CHECK(e == NULL);
	CHECK_EQ(outn, n);
	CHECK(out && (n == 0 || !memcmp(out, data, n)));
	free(out);

	if (n > 0) {
		/* one byte short of the output: a bomb by definition */
		CHECK_EQ(code_of(cor_decompress(kind, z.p, z.n, 0, n - 1, "rt",
						&out, &outn)), COR_ERR_LIMIT);
		CHECK(out == NULL && outn == 0);
	}
	if (n > 1) {
		/* headers lying about the size */
		CHECK_EQ(code_of(cor_decompress(kind, z.p, z.n, n - 1, n, "rt",
						&out, &outn)), COR_ERR_FORMAT);
		CHECK_EQ(code_of(cor_decompress(kind, z.p, z.n, n + 1, n + 1, "rt",
						&out, &outn)), COR_ERR_FORMAT);
	}
	/* expected above max: refused before decoding */
	CHECK_EQ(code_of(cor_decompress(kind, z.p, z.n, BOMB_SIZE * 64, BOMB_SIZE,
					"rt", &out, &outn)), COR_ERR_LIMIT);
	free(z.p);
	free(data);
}

static void truncated(enum cor_compression kind)
{
	size_t n = 3000;
	uint8_t *data = sample(n);
	struct blob z = squeeze(kind, data, n);
	int bad = 0;
	for (size_t cut = 0; cut < z.n; cut++) {
		uint8_t *copy = malloc(cut ? cut : 1);
		memcpy(copy, z.p, cut);
		uint8_t *out;
		size_t outn;
		cor_error *e = cor_decompress(kind, copy, cut, 0, 1 << 20, "cut",
					      &out, &outn);
		if (cor_error_code(e) != COR_ERR_FORMAT) {
			fprintf(stderr, "cut at %zu: %s\n", cut, cor_error_message(e));
			bad++;
		} else if (cut == z.n / 2) {
			CHECK(strstr(cor_error_message(e), "cut: ") != NULL);
		}
		cor_error_free(e);
		free(copy);
	}
	CHECK_EQ(bad, 0);
	free(z.p);
	free(data);
}

static void corrupt(enum cor_compression kind)
{
	size_t n = 3000;
	uint8_t *data = sample(n);
	struct blob z = squeeze(kind, data, n);
	int bad = 0;
	/* every single-byte flip is either detected or decodes to n bytes */
	for (size_t i = 0; i < z.n; i++) {
		uint8_t *copy = malloc(z.n);
		memcpy(copy, z.p, z.n);
		copy[i] ^= 0x5a;
		uint8_t *out;
		size_t outn;
		cor_error *e = cor_decompress(kind, copy, z.n, n, n, "flip", &out, &outn);
		if (e && cor_error_code(e) != COR_ERR_FORMAT &&
		    cor_error_code(e) != COR_ERR_LIMIT) {
			fprintf(stderr, "flip at %zu: %s\n", i, cor_error_message(e));
			bad++;
		}
		if (!e) {
			CHECK_EQ(outn, n);
			free(out);
		}
		cor_error_free(e);
		free(copy);
	}
	CHECK_EQ(bad, 0);

	/* garbage is not a stream */
	uint8_t junk[64];
	memset(junk, 0xa5, sizeof(junk));
	uint8_t *out;
	size_t outn;
	cor_error *e = cor_decompress(kind, junk, sizeof(junk), 0, 1 << 20, "junk",
				      &out, &outn);
	CHECK_EQ(cor_error_code(e), COR_ERR_FORMAT);
	CHECK(e && strstr(cor_error_message(e), "junk: ") != NULL);
	cor_error_free(e);
	free(z.p);
	free(data);
}

static long max_rss_kib(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* 1 GiB of zeros: decoding must stop at max, using memory near max. */
static void bomb(enum cor_compression kind, uint64_t size)
{
	size_t max = 16 * MiB;
	struct blob z = squeeze(kind, NULL, size);
	CHECK(z.n < size / 100);
	long before = max_rss_kib();
	uint8_t *out;
	size_t outn;
	cor_error *e = cor_decompress(kind, z.p, z.n, 0, max, "bomb", &out, &outn);
	CHECK_EQ(cor_error_code(e), COR_ERR_LIMIT);
	CHECK(out == NULL);
	cor_error_free(e);
	long grown = max_rss_kib() - before;
	CHECK(grown < (long)(4 * max / 1024));
	/* a header admitting the size is refused up front */
	e = cor_decompress(kind, z.p, z.n, size, max, "bomb", &out, &outn);
	CHECK_EQ(cor_error_code(e), COR_ERR_LIMIT);
	cor_error_free(e);
	free(z.p);
}

static __attribute__((unused)) void each(enum cor_compression kind, uint64_t bomb_size)
{
	round_trip(kind, 0);
	round_trip(kind, 1);
	round_trip(kind, 100);
	round_trip(kind, 3 * MiB + 17); /* past the first 64 KiB chunk */
	truncated(kind);
	corrupt(kind);
	bomb(kind, bomb_size);
}

#ifdef HAVE_ZSTD
/* Concatenated frames; frames whose header lies about the content size. */
static void zstd_frames(void)
{
	size_t n = 100000;
	uint8_t *data = sample(n);
	struct blob z = zstd_compress(data, n, false);
	unsigned long long fcs = ZSTD_getFrameContentSize(z.p, z.n);
	CHECK_EQ(fcs, n);
	/* two concatenated frames decode to both */
	struct blob two = { malloc(2 * z.n), 2 * z.n };
	memcpy(two.p, z.p, z.n);
	memcpy(two.p + z.n, z.p, z.n);
	uint8_t *out;
	size_t outn;
	cor_error *e = cor_decompress(COR_ZSTD, two.p, two.n, 0, 2 * n, "two", &out, &outn);
	CHECK(e == NULL);
	CHECK_EQ(outn, 2 * n);
	free(out);
	cor_error_free(e);
	e = cor_decompress(COR_ZSTD, two.p, two.n, n, 2 * n, "two", &out, &outn);
	CHECK_EQ(cor_error_code(e), COR_ERR_FORMAT);
	cor_error_free(e);
	free(two.p);

	/* rewrite the frame's content size: small, then 4 GiB - 1 */
	uint8_t fhd = z.p[4];
	static const size_t did_len[4] = { 0, 1, 2, 4 };
	size_t at = 5 + !(fhd & 0x20) + did_len[fhd & 3];
	CHECK_EQ(fhd >> 6, 2); /* 4-byte content size field */
	static const uint32_t lies[] = { 10, 0xffffffffu };
	for (size_t i = 0; i < 2; i++) {
		for (int k = 0; k < 4; k++)
			z.p[at + k] = (uint8_t)(lies[i] >> (8 * k));
		CHECK_EQ(ZSTD_getFrameContentSize(z.p, z.n), lies[i]);
		e = cor_decompress(COR_ZSTD, z.p, z.n, 0, MiB, "lie", &out, &outn);
		/* 4 GiB single-segment frame: its window alone is too large */
		CHECK_EQ(cor_error_code(e), i ? COR_ERR_LIMIT : COR_ERR_FORMAT);
		CHECK(out == NULL);
		cor_error_free(e);
	}
	free(z.p);
	free(data);
}
#endif

static void unsupported_and_invalid(void)
{
	uint8_t b[4] = {0};
	uint8_t *out;
	size_t outn;
#ifdef HAVE_ZLIB
	CHECK(cor_have_compression(COR_ZLIB));
#else
	CHECK(!cor_have_compression(COR_ZLIB));
	cor_error *u = cor_decompress(COR_ZLIB, b, 4, 0, 100, "u", &out, &outn);
	CHECK_EQ(cor_error_code(u), COR_ERR_UNSUPPORTED);
	CHECK(strstr(cor_error_message(u), "built without zlib") != NULL);
	cor_error_free(u);
#endif
#ifdef HAVE_ZSTD
	CHECK(cor_have_compression(COR_ZSTD));
#else
	CHECK(!cor_have_compression(COR_ZSTD));
#endif
#ifdef HAVE_LZMA
	CHECK(cor_have_compression(COR_XZ));
#else
	CHECK(!cor_have_compression(COR_XZ));
#endif
	cor_error *e = cor_decompress((enum cor_compression)9, b, 4, 0, 100, "x",
				      &out, &outn);
	CHECK_EQ(cor_error_code(e), COR_ERR_INVALID);
	cor_error_free(e);
}

int main(void)
{
	unsupported_and_invalid();
#ifdef HAVE_ZLIB
	each(COR_ZLIB, BOMB_SIZE);
#endif
#ifdef HAVE_ZSTD
	each(COR_ZSTD, BOMB_SIZE);
	zstd_frames();
#endif
#ifdef HAVE_LZMA
	each(COR_XZ, BOMB_SIZE / 4);
#endif
	return T_DONE();
}
