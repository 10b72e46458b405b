/* Go's pclntab parser on tables built here byte by byte (Go 1.18's layout
 * and Go 1.2's), whose functions, files, lines and frame sizes are known;
 * then every truncation and many corruptions of them, which must fail or
 * answer without reading outside the bytes (run under ASan by make check). */
#include <stdlib.h>
#include "t.h"
#include "gopclntab.h"

static void put(uint8_t *b, size_t off, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		b[off + i] = (uint8_t)(v >> (8 * i));
}

/* Two functions main.f [0x401000, 0x401010), main.g [0x401010, 0x401020),
 * both in /src/a.go: sp delta 0 for the first 4 bytes, then 8; line 10 for
 * the first 8 bytes, then 11. */
static const uint8_t pcsp[] = { 0x02, 0x04, 0x10, 0x0c, 0x00 };
static const uint8_t pcfile[] = { 0x02, 0x10, 0x00 };
static const uint8_t pcln[] = { 0x16, 0x08, 0x02, 0x08, 0x00 };

static size_t build118(uint8_t *b)
{
	memset(b, 0, 256);
	put(b, 0, 0xfffffff0, 4);
	b[6] = 1;
	b[7] = 8;
	put(b, 8, 2, 8);                /* nfunc */
	put(b, 16, 1, 8);               /* nfiles */
	put(b, 24, 0x401000, 8);        /* text */
	put(b, 32, 72, 8);              /* names */
	put(b, 40, 88, 8);              /* cutab */
	put(b, 48, 92, 8);              /* filetab */
	put(b, 56, 104, 8);             /* pctab */
	put(b, 64, 120, 8);             /* functab */
	memcpy(b + 72, "main.f\0main.g", 14);
	put(b, 88, 0, 4);
	memcpy(b + 92, "/src/a.go", 10);
	memcpy(b + 105, pcsp, 5);       /* pctab + 1 */
	memcpy(b + 110, pcfile, 3);     /* pctab + 6 */
	memcpy(b + 113, pcln, 5);       /* pctab + 9 */
	uint32_t ft[5] = { 0, 20, 0x10, 60, 0x20 };
	for (int i = 0; i < 5; i++)
		put(b, 120 + 4 * i, ft[i], 4);
	for (int k = 0; k < 2; k++) {
		size_t r = 140 + 40 * k;
		put(b, r, 0x10 * k, 4);
		put(b, r + 4, 7 * k, 4);
		put(b, r + 16, 1, 4);
		put(b, r + 20, 6, 4);
		put(b, r + 24, 9, 4);
	}
	return 220;
}

/* The same functions in Go 1.2's layout (4-byte pointers). */
static size_t build12(uint8_t *b)
{
	memset(b, 0, 256);
	put(b, 0, 0xfffffffb, 4);
	b[6] = 1;
	b[7] = 4;
	put(b, 8, 2, 4);
	/* functab at 12: pc, rec, pc, rec, end; then the file table offset */
	uint32_t ft[6] = { 0x401000, 40, 0x401010, 72, 0x401020, 104 };
	for (int i = 0; i < 6; i++)
		put(b, 12 + 4 * i, ft[i], 4);
	for (int k = 0; k < 2; k++) {
		size_t r = 40 + 32 * k;
		put(b, r, 0x401000 + 0x10 * k, 4);
		put(b, r + 4, 120 + 7 * k, 4);
		put(b, r + 16, 140, 4);
		put(b, r + 20, 145, 4);
		put(b, r + 24, 148, 4);
	}
	put(b, 104, 2, 4);              /* entries: the count, file 1 */
	put(b, 108, 160, 4);
	memcpy(b + 120, "main.f\0main.g", 14);
	memcpy(b + 140, pcsp, 5);
	memcpy(b + 145, (const uint8_t[]){ 0x04, 0x10, 0x00 }, 3);  /* file 1 */
	memcpy(b + 148, pcln, 5);
	memcpy(b + 160, "/src/a.go", 10);
	return 170;
}

static void known(const uint8_t *b, size_t n, unsigned ps, const char *ver)
{
	struct gopclntab *t;
	cor_error *err = gopclntab_open(b, n, 0x500000, false, ps, &t);
	CHECK(!err);
	if (err) {
		fprintf(stderr, "%s\n", cor_error_message(err));
		cor_error_free(err);
		return;
	}
	CHECK_STR(gopclntab_version(t), ver);
	CHECK_EQ(gopclntab_count(t), 2);
	struct gofunc f;
	const char *file = NULL;
	uint32_t line = 0;
	uint64_t d = 99;
	CHECK(gopclntab_func(t, 0x401005, &f));
	CHECK_STR(f.name, "main.f");
	CHECK_EQ(f.entry, 0x401000);
	CHECK_EQ(f.end, 0x401010);
	CHECK(gopclntab_sp_delta(t, &f, 0x401002, &d));
	CHECK_EQ(d, 0);
	CHECK(gopclntab_sp_delta(t, &f, 0x401004, &d));
	CHECK_EQ(d, 8);
	CHECK(gopclntab_line(t, &f, 0x401007, &file, &line));
	CHECK_STR(file, "/src/a.go");
	CHECK_EQ(line, 10);
	CHECK(gopclntab_line(t, &f, 0x401008, &file, &line));
	CHECK_EQ(line, 11);
	CHECK(gopclntab_func(t, 0x401010, &f));
	CHECK_STR(f.name, "main.g");
	CHECK(gopclntab_line(t, &f, 0x40101f, &file, &line));
	CHECK_EQ(line, 11);
	CHECK(!gopclntab_func(t, 0x401020, &f));
	CHECK(!gopclntab_func(t, 0x400fff, &f));
	CHECK(gopclntab_func_named(t, "main.g", &f) && f.entry == 0x401010);
	CHECK(!gopclntab_func_named(t, "main.h", &f));
	gopclntab_free(t);
}

static volatile size_t sink;

/* Opens and asks; nothing may read outside b[0..n) (a copy of exactly n
 * bytes, so ASan sees an overrun). */
static void poke(const uint8_t *src, size_t n, unsigned ps)
{
	uint8_t *b = malloc(n ? n : 1);
	if (!b)
		return;
	memcpy(b, src, n);
	struct gopclntab *t;
	cor_error *err = gopclntab_open(b, n, 0x500000, false, ps, &t);
	if (err) {
		sink += strlen(cor_error_message(err));
		cor_error_free(err);
		free(b);
		return;
	}
	static const uint64_t pcs[] = { 0x401000, 0x401005, 0x40100f, 0x401010, 0x401019 };
	for (size_t i = 0; i < sizeof(pcs) / sizeof(pcs[0]); i++) {
		struct gofunc f;
		const char *file;
		uint32_t line;
		uint64_t d;
		if (!gopclntab_func(t, pcs[i], &f))
			continue;
		sink += strlen(f.name);
		if (gopclntab_line(t, &f, pcs[i], &file, &line))
			sink += strlen(file) + line;
		if (gopclntab_sp_delta(t, &f, pcs[i], &d))
			sink += d;
	}
	struct gofunc f;
	gopclntab_func_named(t, "main.g", &f);
	gopclntab_free(t);
	free(b);
}

static void hostile(const uint8_t *b, size_t n, unsigned ps)
{
	uint8_t c[256];
	for (size_t k = 0; k <= n; k++)
		poke(b, k, ps);
	static const uint8_t vals[] = { 0x00, 0xff, 0x80, 0x7f, 0x01, 0x10 };
	for (size_t i = 0; i < n; i++)
		for (size_t v = 0; v < sizeof(vals); v++) {
			memcpy(c, b, n);
			c[i] = vals[v];
			poke(c, n, ps);
		}
	/* a value delta of -2^31 from -1 (the fuzzer's find: a signed
	 * overflow, where the runtime's int32 wraps) */
	if (ps == 8) {
		memcpy(c, b, n);
		memcpy(c + 105, (const uint8_t[]){ 0xff, 0xff, 0xff, 0xff, 0x0f }, 5);
		poke(c, n, ps);
	}
	/* a table whose counts claim far more than its bytes */
	memcpy(c, b, n);
	put(c, 8, ~0ull, ps);
	poke(c, n, ps);
	CHECK(1);
}

int main(void)
{
	uint8_t b[256];
	size_t n = build118(b);
	known(b, n, 8, "1.18");
	hostile(b, n, 8);
	put(b, 0, 0xfffffff1, 4);
	known(b, n, 8, "1.20");
	n = build12(b);
	known(b, n, 4, "1.2");
	hostile(b, n, 4);
	struct gopclntab *t;
	cor_error *err = gopclntab_open(b, n, 0x500000, false, 8, &t);
	CHECK(err != NULL);  /* the header says 4-byte pointers */
	cor_error_free(err);
	return T_DONE();
}
