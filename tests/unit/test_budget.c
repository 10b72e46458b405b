/* The memory budget of an open core (limits.budget): compressed sections
 * declaring far more than they hold are refused, decompressed sections and
 * symbol tables are taken from the budget (and skipped, with a warning
 * naming the file and section, when they do not fit), and freeing gives
 * the bytes back. Symbol tables sharing a string table copy it once. */
#include <stdlib.h>
#include <string.h>
#include "config.h"
#include "elf.h"
#include "symbols.h"
#include "corewriter.h"
#include "t.h"

#define MiB (1u << 20)

static bool warned(const struct warnings *w, const char *a, const char *b)
{
	for (size_t i = 0; i < w->n; i++)
		if (strstr(w->v[i].message, a) && (!b || strstr(w->v[i].message, b)))
			return true;
	return false;
}

static void set_limits(struct limits *lim, struct budget *b, uint64_t max_memory)
{
	struct cor_limits in = { .max_memory = max_memory };
	limits_resolve(lim, &in);
	b->limit = lim->max_memory;
	b->used = 0;
	lim->budget = b;
}

#ifdef HAVE_ZLIB
#include <zlib.h>

/* An SHF_COMPRESSED section (ELF64 Chdr, zlib) declaring size bytes. */
static void add_compressed(struct cw *w, const char *name, uint64_t declared,
			   const uint8_t *data, size_t n)
{
	uLongf zn = compressBound(n);
	uint8_t *buf = malloc(24 + zn);
	memset(buf, 0, 24);
	buf[0] = 1; /* ELFCOMPRESS_ZLIB */
	for (int i = 0; i < 8; i++)
		buf[8 + i] = (uint8_t)(declared >> (8 * i));
	compress2(buf + 24, &zn, data, n, 1);
	cw_sec(w, name, 1, SHF_COMPRESSED, 0, buf, 24 + zn);
	free(buf);
}

/* Ten sections declaring 1 GiB each, a few KB compressed: refused, nothing taken. */
static void test_bombs(void)
{
	struct cw w;
	cw_init(&w, true, false, ET_DYN, EM_X86_64);
	static uint8_t zeros[4096];
	char names[10][16];
	for (int i = 0; i < 10; i++) {
		snprintf(names[i], sizeof(names[i]), ".debug_b%d", i);
		add_compressed(&w, names[i], 1ull << 30, zeros, sizeof(zeros));
	}
	size_t len;
	uint8_t *img = cw_finish(&w, &len);
	struct limits lim;
	struct budget b;
	set_limits(&lim, &b, 0);
	struct elf_file *ef;
	CHECK(!elf_open_mem(img, len, "bombs.elf", &lim, NULL, &ef));
	for (int i = 0; i < 10; i++) {
		const struct elf_shdr *sh = elf_section_by_name(ef, names[i]);
		const uint8_t *d;
		size_t n;
		cor_error *err = sh ? elf_section_data(ef, sh, &d, &n) : NULL;
		CHECK(err != NULL);
		CHECK_EQ(cor_error_code(err), COR_ERR_LIMIT);
		CHECK(strstr(cor_error_message(err), "bombs.elf") != NULL);
		CHECK(strstr(cor_error_message(err), names[i]) != NULL);
		CHECK(strstr(cor_error_message(err), "refused") != NULL);
		cor_error_free(err);
	}
	CHECK_EQ(b.used, 0);
	elf_close(ef);
	cw_free(&w);
}

/* Sections that compress badly (no bomb) against a 5 MiB budget: two of
 * 2 MiB fit, the third is skipped naming file and section; closing gives
 * the bytes back. A raised budget lets a section of zeros (1000x) in. */
static void test_budget_sections(void)
{
	uint8_t *noise = malloc(2 * MiB);
	uint32_t x = 12345;
	for (size_t i = 0; i < 2 * MiB; i++) {
		x = x * 1103515245u + 12345u;
		noise[i] = (uint8_t)(x >> 23);
	}
	struct cw w;
	cw_init(&w, true, false, ET_DYN, EM_X86_64);
	add_compressed(&w, ".debug_n0", 2 * MiB, noise, 2 * MiB);
	add_compressed(&w, ".debug_n1", 2 * MiB, noise, 2 * MiB);
	add_compressed(&w, ".debug_n2", 2 * MiB, noise, 2 * MiB);
	uint8_t *zeros = calloc(1, 2 * MiB);
	add_compressed(&w, ".debug_z", 2 * MiB, zeros, 2 * MiB);
	size_t len;
	uint8_t *img = cw_finish(&w, &len);
	struct limits lim;
	struct budget b;
	set_limits(&lim, &b, 5 * MiB);
	struct elf_file *ef;
	CHECK(!elf_open_mem(img, len, "noise.elf", &lim, NULL, &ef));
	const uint8_t *d;
	size_t n;
	CHECK(!elf_section_data(ef, elf_section_by_name(ef, ".debug_n0"), &d, &n));
	CHECK_EQ(n, 2 * MiB);
	CHECK(!memcmp(d, noise, n));
	CHECK(!elf_section_data(ef, elf_section_by_name(ef, ".debug_n1"), &d, &n));
	CHECK_EQ(b.used, 4 * MiB);
	cor_error *err = elf_section_data(ef, elf_section_by_name(ef, ".debug_n2"), &d, &n);
	CHECK_EQ(cor_error_code(err), COR_ERR_LIMIT);
	CHECK(err && strstr(cor_error_message(err), "noise.elf") &&
	      strstr(cor_error_message(err), ".debug_n2") &&
	      strstr(cor_error_message(err), "memory budget"));
	cor_error_free(err);
	/* zeros: 2 MiB in a few KB, refused under the default budget */
	err = elf_section_data(ef, elf_section_by_name(ef, ".debug_z"), &d, &n);
	CHECK_EQ(cor_error_code(err), COR_ERR_LIMIT);
	CHECK(err && strstr(cor_error_message(err), "refused"));
	cor_error_free(err);
	CHECK_EQ(b.used, 4 * MiB);
	elf_close(ef);
	CHECK_EQ(b.used, 0);

	set_limits(&lim, &b, 2ull << 30);
	CHECK(lim.memory_raised);
	CHECK(!elf_open_mem(img, len, "noise.elf", &lim, NULL, &ef));
	CHECK(!elf_section_data(ef, elf_section_by_name(ef, ".debug_z"), &d, &n));
	CHECK_EQ(n, 2 * MiB);
	CHECK_EQ(b.used, 2 * MiB);
	elf_close(ef);
	CHECK_EQ(b.used, 0);
	cw_free(&w);
	free(zeros);
	free(noise);
}

#endif

/* ---- 2000 symbol tables sharing one 1 MiB string table ---- */

static void put(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* ELF64 LE: .strtab (1 MiB), one symbol table of 17 entries, and nsym
 * SHT_SYMTAB headers; same: all describe the same bytes, else each a
 * different tail of them. */
static uint8_t *many_symtabs(unsigned nsym, bool same, size_t *len)
{
	const size_t strsz = MiB, nent = 17, symoff = 64 + MiB, shstroff = symoff + nent * 24;
	static const char shstr[] = "\0.strtab\0.symtab\0.shstrtab";
	size_t shoff = (shstroff + sizeof(shstr) + 7) & ~(size_t)7;
	unsigned shnum = 3 + nsym;
	*len = shoff + (size_t)shnum * 64;
	uint8_t *b = calloc(1, *len);
	memcpy(b, "\177ELF\2\1\1", 7);
	put(b + 16, ET_DYN, 2);
	put(b + 18, EM_X86_64, 2);
	put(b + 20, 1, 4);
	put(b + 40, shoff, 8);
	put(b + 52, 64, 2);
	put(b + 58, 64, 2);
	put(b + 60, shnum, 2);
	put(b + 62, 2, 2);
	char *str = (char *)b + 64;
	for (size_t i = 1; i < nent; i++) {
		uint8_t *s = b + symoff + i * 24;
		put(s, (uint32_t)(i * 8), 4);
		snprintf(str + i * 8, 8, "f%zu", i);
		s[4] = 0x12; /* global func */
		put(s + 6, 1, 2);
		put(s + 8, 0x1000 + i * 16, 8);
		put(s + 16, 16, 8);
	}
	memcpy(b + shstroff, shstr, sizeof(shstr));
	uint8_t *sh = b + shoff + 64;
	put(sh, 1, 4), put(sh + 4, SHT_STRTAB, 4), put(sh + 24, 64, 8), put(sh + 32, strsz, 8);
	sh += 64;
	put(sh, 17, 4), put(sh + 4, SHT_STRTAB, 4), put(sh + 24, shstroff, 8),
		put(sh + 32, sizeof(shstr), 8);
	for (unsigned i = 0; i < nsym; i++) {
		sh += 64;
		size_t skip = same ? 0 : (i % (nent - 1)) * 24;
		put(sh, 9, 4), put(sh + 4, SHT_SYMTAB, 4), put(sh + 24, symoff + skip, 8);
		put(sh + 32, nent * 24 - skip, 8), put(sh + 40, 1, 4), put(sh + 56, 24, 8);
	}
	return b;
}

static void test_symtabs(bool same)
{
	size_t len;
	uint8_t *img = many_symtabs(2000, same, &len);
	struct limits lim;
	struct budget b;
	set_limits(&lim, &b, 0);
	struct warnings w = {0};
	struct elf_file *ef;
	CHECK(!elf_open_mem(img, len, "syms.elf", &lim, &w, &ef));
	struct symtab *st = symtab_new();
	CHECK(!symtab_add_elf(st, ef));
	symtab_finish(st);
	CHECK_EQ(symtab_count(st), 16);
	struct symbol s;
	CHECK(symtab_lookup(st, 0x1000 + 5 * 16 + 3, &s) && !strcmp(s.name, "f5"));
	/* the string table once, not per symbol table */
	CHECK(b.used >= MiB && b.used < MiB + 64 * 1024);
	if (!same)
		CHECK(warned(&w, "syms.elf", "symbol tables beyond the first"));
	symtab_free(st);
	CHECK_EQ(b.used, 0);
	/* a budget smaller than the string table: skipped, saying so */
	set_limits(&lim, &b, MiB / 2);
	elf_close(ef);
	CHECK(!elf_open_mem(img, len, "syms.elf", &lim, &w, &ef));
	st = symtab_new();
	CHECK(!symtab_add_elf(st, ef));
	symtab_finish(st);
	CHECK_EQ(symtab_count(st), 0);
	CHECK(warned(&w, "syms.elf", "memory budget"));
	CHECK(warned(&w, ".symtab", "string table"));
	symtab_free(st);
	CHECK_EQ(b.used, 0);
	elf_close(ef);
	warnings_free(&w);
	free(img);
}

int main(void)
{
#ifdef HAVE_ZLIB
	test_bombs();
	test_budget_sections();
#endif
	test_symtabs(true);
	test_symtabs(false);
	return T_DONE();
}
