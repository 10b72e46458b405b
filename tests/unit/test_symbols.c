/* Symbol tables: synthetic ELF files (both classes, both byte orders,
 * malformed tables) and real objects built with gcc, checked against nm.
 * Also the demangler and CRC-32. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "config.h"
#include "symbols.h"
#include "t.h"

/* ---- synthetic ELF files -------------------------------------------------- */

struct tsym {
	const char *name;      /* NULL: use name_off */
	uint64_t value, size;
	uint8_t type, bind;
	uint16_t shndx;
	uint32_t name_off;
};

struct tfile {
	bool is64, be;
	const struct tsym *sym, *dyn;
	size_t nsym, ndyn;
	uint64_t sym_entsize;   /* 0: the natural size */
	bool sym_entsize_zero;
	uint32_t sym_link;      /* 0: the string table */
	bool strtab_tail;       /* strtab ends in a name without NUL */
	uint64_t sym_extra;     /* bytes of a partial entry after the table */
	const uint8_t *opd;     /* contents of a .opd section (ppc64 ELFv1), or NULL */
	size_t opdn;
	uint64_t opd_addr;
	bool opd_nobits;        /* .opd as SHT_NOBITS (a separate debug file) */
	uint32_t e_flags;
};

#define TEXT 1
#define F_GLOBAL(n, v, s) { n, v, s, 2, 1, TEXT, 0 }

static void put(uint8_t *b, size_t off, uint64_t v, int n, bool be)
{
	for (int i = 0; i < n; i++)
		b[off + i] = (uint8_t)(v >> (8 * (be ? n - 1 - i : i)));
}

struct out {
	uint8_t *b;
	size_t n;
	bool be;
};

static size_t add_bytes(struct out *o, const void *p, size_t n)
{
	size_t at = (o->n + 7) & ~(size_t)7;
	memcpy(o->b + at, p, n);
	o->n = at + n;
	return at;
}

/* String table of names; offsets into it go to offs[]. */
static size_t strtab(struct out *o, const struct tsym *s, size_t n,
		     uint32_t *offs, bool tail, size_t *size)
{
	char buf[4096];
	size_t len = 1;
	buf[0] = 0;
	for (size_t i = 0; i < n; i++) {
		if (!s[i].name) {
			offs[i] = s[i].name_off;
			continue;
		}
		offs[i] = (uint32_t)len;
		strcpy(buf + len, s[i].name);
		len += strlen(s[i].name) + 1;
	}
	if (tail) {
		memcpy(buf + len, "tail", 4);
		len += 4;
	}
	*size = len;
	return add_bytes(o, buf, len);
}

static size_t symbols(struct out *o, bool is64, const struct tsym *s, size_t n,
		      const uint32_t *offs, size_t entsize, size_t extra, size_t *size)
{
	uint8_t buf[8192] = {0};
	for (size_t i = 0; i < n; i++) {
		size_t at = (i + 1) * entsize;
		uint8_t info = (uint8_t)(s[i].bind << 4 | s[i].type);
		put(buf, at, offs[i], 4, o->be);
		if (is64) {
			buf[at + 4] = info;
			put(buf, at + 6, s[i].shndx, 2, o->be);
			put(buf, at + 8, s[i].value, 8, o->be);
			put(buf, at + 16, s[i].size, 8, o->be);
		} else {
			put(buf, at + 4, s[i].value, 4, o->be);
			put(buf, at + 8, s[i].size, 4, o->be);
			buf[at + 12] = info;
			put(buf, at + 14, s[i].shndx, 2, o->be);
		}
	}
	*size = (n + 1) * entsize + extra;
	return add_bytes(o, buf, *size);
}

struct tshdr {
	uint32_t name, type, link;
	uint64_t off, size, entsize, addr;
};

static void shdr(struct out *o, bool is64, size_t at, const struct tshdr *s)
{
	bool be = o->be;
	put(o->b, at, s->name, 4, be);
	put(o->b, at + 4, s->type, 4, be);
	if (is64) {
		put(o->b, at + 16, s->addr, 8, be);
		put(o->b, at + 24, s->off, 8, be);
		put(o->b, at + 32, s->size, 8, be);
		put(o->b, at + 40, s->link, 4, be);
		put(o->b, at + 56, s->entsize, 8, be);
	} else {
		put(o->b, at + 12, s->addr, 4, be);
		put(o->b, at + 16, s->off, 4, be);
		put(o->b, at + 20, s->size, 4, be);
		put(o->b, at + 24, s->link, 4, be);
		put(o->b, at + 36, s->entsize, 4, be);
	}
}

static uint8_t *build(const struct tfile *f, size_t *len)
{
	struct out o = { calloc(1, 65536), 0, f->be };
	bool is64 = f->is64, be = f->be;
	size_t ehsz = is64 ? 64 : 52, shsz = is64 ? 64 : 40, natural = is64 ? 24 : 16;
	size_t ent = f->sym_entsize ? f->sym_entsize : natural;
	uint32_t offs[64];
	size_t strn, symn, dstrn, dsymn;
	static const char shstr[] = "\0.text\0.symtab\0.strtab\0.dynsym\0.dynstr\0.shstrtab\0.opd";
	int nsh = f->opd ? 8 : 7;

	o.n = ehsz;
	size_t str = strtab(&o, f->sym, f->nsym, offs, f->strtab_tail, &strn);
	size_t sym = symbols(&o, is64, f->sym, f->nsym, offs, ent, f->sym_extra, &symn);
	size_t dstr = strtab(&o, f->dyn, f->ndyn, offs, false, &dstrn);
	size_t dsym = symbols(&o, is64, f->dyn, f->ndyn, offs, natural, 0, &dsymn);
	size_t shs = add_bytes(&o, shstr, sizeof(shstr));
	size_t opd = f->opd ? add_bytes(&o, f->opd, f->opdn) : 0;
	size_t shoff = add_bytes(&o, "", 0);
	o.n = shoff + nsh * shsz;

	memcpy(o.b, "\177ELF", 4);
	o.b[4] = is64 ? 2 : 1;
	o.b[5] = be ? 2 : 1;
	o.b[6] = 1;
	put(o.b, 16, ET_DYN, 2, be);
	put(o.b, 18, is64 ? (be ? EM_PPC64 : EM_X86_64) : EM_386, 2, be);
	put(o.b, 20, 1, 4, be);
	put(o.b, is64 ? 40 : 32, shoff, is64 ? 8 : 4, be);
	put(o.b, is64 ? 48 : 36, f->e_flags, 4, be);
	put(o.b, is64 ? 52 : 40, ehsz, 2, be);
	put(o.b, is64 ? 58 : 46, shsz, 2, be);
	put(o.b, is64 ? 60 : 48, nsh, 2, be);
	put(o.b, is64 ? 62 : 50, 6, 2, be);

	struct tshdr sh[8] = {
		{ 0 },
		{ 1, 1, 0, 0, 0, 0, 0 },
		{ 7, SHT_SYMTAB, f->sym_link ? f->sym_link : 3, sym, symn,
		  f->sym_entsize_zero ? 0 : ent, 0 },
		{ 15, SHT_STRTAB, 0, str, strn, 0, 0 },
		{ 23, SHT_DYNSYM, 5, dsym, dsymn, natural, 0 },
		{ 31, SHT_STRTAB, 0, dstr, dstrn, 0, 0 },
		{ 39, SHT_STRTAB, 0, shs, sizeof(shstr), 0, 0 },
		{ 49, f->opd_nobits ? SHT_NOBITS : 1, 0, opd, f->opdn, 0, f->opd_addr },
	};
	for (int i = 0; i < nsh; i++)
		shdr(&o, is64, shoff + i * shsz, &sh[i]);
	*len = o.n;
	return o.b;
}

/* Builds f, reads its symbols, then closes and frees the file. */
static struct symtab *load(const struct tfile *f, struct warnings *w)
{
	size_t len;
	uint8_t *img = build(f, &len);
	struct elf_file *ef;
	struct symtab *st = symtab_new();
	cor_error *e = elf_open_mem(img, len, "synthetic", NULL, w, &ef);
	CHECK(e == NULL);
	if (!e) {
		CHECK(symtab_add_elf(st, ef) == NULL);
		elf_close(ef);
	}
	cor_error_free(e);
	memset(img, 0xee, len);
	free(img);
	symtab_finish(st);
	return st;
}

static const char *at(const struct symtab *st, uint64_t addr)
{
	struct symbol s;
	return symtab_lookup(st, addr, &s) ? s.name : "(none)";
}

static bool warned(const struct warnings *w, const char *what)
{
	for (size_t i = 0; i < w->n; i++)
		if (strstr(w->v[i].message, what))
			return true;
	return false;
}

static const struct tsym main_syms[] = {
	F_GLOBAL("foo", 0x1000, 0x100),
	{ "foo_label", 0x1000, 0, 0, 0, TEXT, 0 },
	{ "wbar", 0x2000, 0x10, 2, 2, TEXT, 0 },
	F_GLOBAL("gbar", 0x2000, 0x10),
	{ "lbaz", 0x3000, 0, 2, 0, TEXT, 0 },
	{ "obj", 0x3000, 8, 1, 1, TEXT, 0 },
	F_GLOBAL("s0", 0x4000, 0),
	F_GLOBAL("s1", 0x4000, 0x20),
	{ "label", 0x5000, 0, 0, 1, TEXT, 0 },
	F_GLOBAL("end", 0x6000, 0x10),
	{ "und", 0x7000, 0, 2, 1, 0, 0 },
	{ "abs", 0x7100, 0, 0, 1, 0xfff1, 0 },
	{ "sect", 0x7200, 0, 3, 0, TEXT, 0 },
	{ "file.c", 0x7280, 0, 4, 0, 0xfff1, 0 },
	{ "zero", 0, 0, 0, 1, TEXT, 0 },
	{ "tls", 0x7300, 8, 6, 1, TEXT, 0 },
	F_GLOBAL("big", 0x8000, 0x1000),
	{ "inner", 0x8100, 0x10, 1, 0, TEXT, 0 },
	{ NULL, 0xa000, 0x10, 2, 1, TEXT, 60000 },
	{ "", 0xa100, 0x10, 2, 1, TEXT, 0 },
};

static const struct tsym dyn_syms[] = {
	F_GLOBAL("dyn_end", 0x6000, 0x10),
	F_GLOBAL("donly", 0x9000, 8),
};

static void synthetic(bool is64, bool be)
{
	struct warnings w = {0};
	struct tfile f = { .is64 = is64, .be = be, .sym = main_syms, .dyn = dyn_syms,
			   .nsym = COR_ARRAY_SIZE(main_syms),
			   .ndyn = COR_ARRAY_SIZE(dyn_syms) };
	struct symtab *st = load(&f, &w);
	CHECK_EQ(symtab_count(st), 9);
	CHECK_STR(at(st, 0xfff), "(none)");
	CHECK_STR(at(st, 0x1000), "foo");
	CHECK_STR(at(st, 0x10ff), "foo");
	CHECK_STR(at(st, 0x1100), "(none)");
	CHECK_STR(at(st, 0x2008), "gbar");
	CHECK_STR(at(st, 0x3004), "lbaz");
	CHECK_STR(at(st, 0x3fff), "lbaz");
	CHECK_STR(at(st, 0x4010), "s1");
	CHECK_STR(at(st, 0x4020), "(none)");
	CHECK_STR(at(st, 0x5800), "label");
	CHECK_STR(at(st, 0x6008), "end");
	CHECK_STR(at(st, 0x7100), "(none)");
	CHECK_STR(at(st, 0x7300), "(none)");
	CHECK_STR(at(st, 0x8108), "inner");
	CHECK_STR(at(st, 0x8800), "big");
	CHECK_STR(at(st, 0x9004), "donly");
	CHECK_STR(at(st, 0xa008), "(none)");
	struct symbol s;
	CHECK(symtab_lookup(st, 0x1080, &s));
	CHECK_EQ(s.value, 0x1000);
	CHECK_EQ(s.size, 0x100);
	CHECK(warned(&w, "outside the string table"));
	/* by name: aliases the address lookup does not show, too */
	uint64_t v = 0;
	CHECK(symtab_find_name(st, "foo", &v) && v == 0x1000);
	CHECK(symtab_find_name(st, "foo_label", &v) && v == 0x1000);
	CHECK(symtab_find_name(st, "wbar", &v) && v == 0x2000);
	CHECK(symtab_find_name(st, "gbar", &v) && v == 0x2000);
	CHECK(symtab_find_name(st, "s0", &v) && v == 0x4000);
	CHECK(symtab_find_name(st, "dyn_end", &v) && v == 0x6000);
	CHECK(symtab_find_name(st, "end", &v) && v == 0x6000);
	CHECK(!symtab_find_name(st, "und", &v));
	CHECK(!symtab_find_name(st, "nothing", &v));
	CHECK(!symtab_find_name(st, "", &v));
	CHECK(!symtab_find_name(st, NULL, &v));
	/* the address lookups are as before the name index was built */
	CHECK_STR(at(st, 0x2008), "gbar");
	CHECK_EQ(symtab_count(st), 9);
	symtab_free(st);
	warnings_free(&w);

	/* one name at two addresses: the one global, else none */
	struct warnings wd = {0};
	struct tsym dup[] = { F_GLOBAL("twice", 0x100, 4), { "twice", 0x200, 4, 2, 0, TEXT, 0 },
			      { "local2", 0x300, 4, 2, 0, TEXT, 0 },
			      { "local2", 0x400, 4, 2, 0, TEXT, 0 } };
	struct tfile fd = { .is64 = is64, .be = be, .sym = dup, .nsym = COR_ARRAY_SIZE(dup) };
	st = load(&fd, &wd);
	CHECK(symtab_find_name(st, "twice", &v) && v == 0x100);
	CHECK(!symtab_find_name(st, "local2", &v));
	symtab_free(st);
	warnings_free(&wd);

	/* entry size 0: .symtab skipped, .dynsym still read */
	struct warnings w2 = {0};
	f.sym_entsize_zero = true;
	st = load(&f, &w2);
	CHECK_EQ(symtab_count(st), 2);
	CHECK_STR(at(st, 0x6008), "dyn_end");
	CHECK(warned(&w2, "entry size 0"));
	symtab_free(st);
	warnings_free(&w2);

	/* entry size too small */
	struct warnings w3 = {0};
	f.sym_entsize_zero = false;
	f.sym_entsize = is64 ? 16 : 8;
	st = load(&f, &w3);
	CHECK_EQ(symtab_count(st), 2);
	CHECK(warned(&w3, "too small"));
	symtab_free(st);
	warnings_free(&w3);

	/* larger entries, a partial entry at the end, a name without NUL */
	struct warnings w4 = {0};
	struct tsym tail[] = { F_GLOBAL("first", 0x100, 4), F_GLOBAL(NULL, 0x200, 4) };
	f.sym = tail;
	f.nsym = 2;
	f.sym_entsize = is64 ? 40 : 20;
	f.sym_extra = is64 ? 30 : 18;
	f.strtab_tail = true;
	tail[1].name_off = 1 + 6;
	st = load(&f, &w4);
	CHECK_EQ(symtab_count(st), 3);
	CHECK_STR(at(st, 0x102), "first");
	CHECK_STR(at(st, 0x202), "(none)");
	CHECK(warned(&w4, "outside the string table"));
	symtab_free(st);
	warnings_free(&w4);

	/* link to something that is not a string table */
	struct warnings w5 = {0};
	f.sym_link = 4;
	st = load(&f, &w5);
	CHECK_EQ(symtab_count(st), 2);
	CHECK(warned(&w5, "not a string table"));
	symtab_free(st);
	warnings_free(&w5);
}

/* ---- real objects, nm as the oracle ---------------------------------------- */

static const char prog[] =
	"int counter = 3;\n"
	"static int table[64];\n"
	"__attribute__((noinline)) int alpha(int x) { return x * 3 + counter; }\n"
	"__attribute__((noinline)) static int beta(int x)\n"
	"{ table[x & 63] = x; return alpha(x) + table[(x + 1) & 63]; }\n"
	"__attribute__((noinline, weak)) int gamma_w(int x) { return beta(x) * 2; }\n"
	"__attribute__((noinline)) int delta(int x)\n"
	"{ for (int i = 0; i < x; i++) counter += gamma_w(i); return counter; }\n"
	"int main(int argc, char **argv) { (void)argv; return delta(argc) & 1; }\n";

static const char *const ours[] = { "alpha", "beta", "gamma_w", "delta", "main" };

struct nm_sym {
	uint64_t value, size;
	char type;
	char name[256];
};

static size_t run_nm(const char *flags, const char *path, struct nm_sym *v, size_t max)
{
	char cmd[1024], line[1024];
	snprintf(cmd, sizeof(cmd), "nm %s -S --defined-only '%s'", flags, path);
	FILE *p = popen(cmd, "r");
	size_t n = 0;
	while (p && n < max && fgets(line, sizeof(line), p)) {
		struct nm_sym *s = &v[n];
		char t[4];
		if (sscanf(line, "%" SCNx64 " %" SCNx64 " %3s %255s", &s->value,
			   &s->size, t, s->name) == 4) {
			s->type = t[0];
			n++;
		} else if (sscanf(line, "%" SCNx64 " %3s %255s", &s->value, t,
				  s->name) == 3) {
			s->size = 0;
			s->type = t[0];
			n++;
		}
	}
	if (p)
		pclose(p);
	return n;
}

static bool is_func(char t)
{
	return t == 'T' || t == 't' || t == 'W' || t == 'i';
}

static bool starts_inside(const struct nm_sym *v, size_t n, uint64_t lo, uint64_t hi)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].value > lo && v[i].value < hi)
			return true;
	return false;
}

/* Every function nm lists is found at its address and its last byte; our
 * own functions by name. */
static void against_nm(const char *path, const char *nm_flags, size_t want_ours)
{
	static struct nm_sym v[4096];
	size_t n = run_nm(nm_flags, path, v, COR_ARRAY_SIZE(v));
	struct warnings w = {0};
	struct elf_file *ef;
	cor_error *e = elf_open(path, NULL, &w, &ef);
	CHECK(e == NULL);
	if (e) {
		fprintf(stderr, "%s\n", cor_error_message(e));
		cor_error_free(e);
		return;
	}
	struct symtab *st = symtab_new();
	CHECK(symtab_add_elf(st, ef) == NULL);
	elf_close(ef);
	symtab_finish(st);
	CHECK(n > 0);
	size_t funcs = 0, named = 0, bad = 0;
	for (size_t i = 0; i < n; i++) {
		struct symbol s;
		if (!is_func(v[i].type) || v[i].value == 0)
			continue;
		funcs++;
		if (!symtab_lookup(st, v[i].value, &s) || s.value != v[i].value) {
			fprintf(stderr, "%s: %s at 0x%" PRIx64 " not found\n", path,
				v[i].name, v[i].value);
			bad++;
			continue;
		}
		uint64_t last = v[i].value + v[i].size - 1;
		if (v[i].size && !starts_inside(v, n, v[i].value, last + 1) &&
		    (!symtab_lookup(st, last, &s) || s.value != v[i].value)) {
			fprintf(stderr, "%s: last byte of %s not found\n", path, v[i].name);
			bad++;
		}
		for (size_t k = 0; k < COR_ARRAY_SIZE(ours); k++)
			if (!strcmp(v[i].name, ours[k])) {
				symtab_lookup(st, v[i].value + v[i].size / 2, &s);
				CHECK_STR(s.name, ours[k]);
				named++;
			}
	}
	if (getenv("T_VERBOSE"))
		fprintf(stderr, "%s: %zu nm symbols, %zu functions checked\n",
			path, n, funcs);
	CHECK(funcs >= want_ours);
	CHECK_EQ(named, want_ours);
	CHECK_EQ(bad, 0);
	symtab_free(st);
	warnings_free(&w);
}

static bool sh(const char *cmd)
{
	return system(cmd) == 0;
}

static void real_objects(void)
{
	char dir[] = "/tmp/cor-sym-XXXXXX", cmd[2048];
	if (!sh("gcc --version >/dev/null 2>&1 && nm --version >/dev/null 2>&1")) {
		fprintf(stderr, "gcc or nm missing: real-object tests skipped\n");
		return;
	}
	if (!mkdtemp(dir)) {
		CHECK(!"mkdtemp");
		return;
	}
	snprintf(cmd, sizeof(cmd), "%s/t.c", dir);
	FILE *f = fopen(cmd, "w");
	fputs(prog, f);
	fclose(f);

	snprintf(cmd, sizeof(cmd), "cd %s && gcc -O1 -fno-inline -o t.exe t.c && "
		 "gcc -O1 -fPIC -shared -o t.so t.c && "
		 "strip --strip-all -o t.stripped.so t.so", dir);
	if (!sh(cmd)) {
		fprintf(stderr, "gcc not usable: real-object tests skipped\n");
		return;
	}
	snprintf(cmd, sizeof(cmd), "%s/t.exe", dir);
	against_nm(cmd, "", 5);
	snprintf(cmd, sizeof(cmd), "%s/t.so", dir);
	against_nm(cmd, "", 5);
	/* .dynsym only: beta is static, so gone */
	snprintf(cmd, sizeof(cmd), "%s/t.stripped.so", dir);
	against_nm(cmd, "-D", 4);
	snprintf(cmd, sizeof(cmd), "cd %s && gcc -m32 -O1 -fno-inline -o t32.exe t.c "
		 "2>/dev/null", dir);
	if (sh(cmd)) {
		snprintf(cmd, sizeof(cmd), "%s/t32.exe", dir);
		against_nm(cmd, "", 5);
	} else {
		fprintf(stderr, "gcc -m32 not usable: 32-bit object test skipped\n");
	}
	/* libc itself, if nm can read it */
	if (access("/lib/x86_64-linux-gnu/libc.so.6", R_OK) == 0)
		against_nm("/lib/x86_64-linux-gnu/libc.so.6", "-D", 0);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	sh(cmd);
}

/* ---- demangling and CRC ---------------------------------------------------- */

static void demangle(void)
{
	char *s = NULL;
	CHECK(cor_demangle("main") == NULL);
	CHECK(cor_demangle("_start") == NULL);
	CHECK(cor_demangle(NULL) == NULL);
#if defined(HAVE_LIBIBERTY) || defined(HAVE_CXA_DEMANGLE)
	s = cor_demangle("_ZN3foo3barEi");
	CHECK_STR(s, "foo::bar(int)");
	free(s);
	s = cor_demangle("_ZNKSt6vectorIiSaIiEE4sizeEv");
	CHECK_STR(s, "std::vector<int, std::allocator<int> >::size() const");
	free(s);
	s = cor_demangle("_ZN3foo3barEi@@VERS_1.0");
	CHECK_STR(s, "foo::bar(int)@@VERS_1.0");
	free(s);
	CHECK(cor_demangle("_Zjunk") == NULL);
	char *longname = malloc(20000);
	memset(longname, 'x', 19999);
	memcpy(longname, "_ZN", 3);
	longname[19999] = 0;
	CHECK(cor_demangle(longname) == NULL);
	free(longname);
#else
	s = cor_demangle("_ZN3foo3barEi");
	CHECK(s == NULL);
#endif
#ifdef HAVE_LIBIBERTY
	s = cor_demangle("_ZN4core3fmt5write17h0123456789abcdefE");
	CHECK_STR(s, "core::fmt::write");
	free(s);
	s = cor_demangle("_RNvCs1234_7mycrate3foo");
	CHECK_STR(s, "mycrate::foo");
	free(s);
	s = cor_demangle("_RNvMCs1234_7mycrateNtB2_6Widget4draw");
	CHECK_STR(s, "<mycrate::Widget>::draw");
	free(s);
#endif
}

static void crc(void)
{
	const char *s = "123456789";
	CHECK_EQ(cor_crc32(0, (const uint8_t *)s, 9), 0xcbf43926);
	CHECK_EQ(cor_crc32(0, NULL, 0), 0);
	uint32_t c = cor_crc32(0, (const uint8_t *)s, 4);
	CHECK_EQ(cor_crc32(c, (const uint8_t *)s + 4, 5), 0xcbf43926);
	uint8_t zeros[32] = {0};
	CHECK_EQ(cor_crc32(0, zeros, 32), 0x190a55ad);
}

/* ppc64 ELFv1: function symbols are the addresses of their descriptors in
 * .opd, whose first 8 bytes (big endian) are the entry; the table maps them
 * to their entries, keeping their sizes. */
static void elfv1_opd(void)
{
	enum { OPD = 0x20000, NOPD = 0x5c };
	uint8_t opd[NOPD] = {0};
	/* descriptors: _start, main, one of entry 0; then a partial one */
	put(opd, 0x00, 0x1000, 8, true);
	put(opd, 0x08, 0x28000, 8, true); /* the TOC: not an entry */
	put(opd, 0x18, 0x1100, 8, true);
	put(opd, 0x30, 0, 8, true);
	put(opd, 0x58, 0xdead, 4, true);
	struct tsym syms[] = {
		F_GLOBAL("_start", OPD, 0x40),
		F_GLOBAL("main", OPD + 0x18, 0x80),
		F_GLOBAL("zero_entry", OPD + 0x30, 0x10),
		F_GLOBAL("partial", OPD + 0x58, 0x10),
		F_GLOBAL("beyond", OPD + 0x100, 0x10), /* past .opd: as it is */
		F_GLOBAL("code", 0x1200, 0x20),         /* not in .opd: as it is */
		{ "opd_obj", OPD + 0x48, 8, 1, 1, TEXT, 0 }, /* an object: as it is */
	};
	struct tfile f = { .is64 = true, .be = true, .sym = syms, .nsym = COR_ARRAY_SIZE(syms),
			   .opd = opd, .opdn = NOPD, .opd_addr = OPD };
	for (uint32_t flags = 0; flags <= 2; flags++) {
		struct warnings w = {0};
		f.e_flags = flags;
		f.opd_nobits = false;
		struct symtab *st = load(&f, &w);
		uint64_t v = 0;
		struct symbol s;
		if (flags == 2) {
			/* ELFv2 (ppc64le's, and big endian with -mabi=elfv2): no descriptors */
			CHECK(symtab_find_name(st, "main", &v) && v == OPD + 0x18);
			CHECK_STR(at(st, 0x1000), "(none)");
			symtab_free(st);
			warnings_free(&w);
			continue;
		}
		CHECK_STR(at(st, 0x1000), "_start");
		CHECK_STR(at(st, 0x103f), "_start");
		CHECK_STR(at(st, 0x1040), "(none)");
		CHECK_STR(at(st, 0x1108), "main");
		CHECK(symtab_lookup(st, 0x1108, &s) && s.value == 0x1100 && s.size == 0x80);
		CHECK_STR(at(st, 0x1210), "code");
		CHECK(symtab_find_name(st, "_start", &v) && v == 0x1000);
		CHECK(symtab_find_name(st, "main", &v) && v == 0x1100);
		CHECK(!symtab_find_name(st, "zero_entry", &v));
		CHECK(!symtab_find_name(st, "partial", &v));
		CHECK(symtab_find_name(st, "beyond", &v) && v == OPD + 0x100);
		CHECK(symtab_find_name(st, "opd_obj", &v) && v == OPD + 0x48);
		CHECK_STR(at(st, OPD), "(none)");
		symtab_free(st);
		warnings_free(&w);
	}
	/* a debug file's .opd has no contents: alone, its function symbols in
	 * .opd are skipped; with the executable (its .opd at the same address)
	 * they get the entries from there */
	struct warnings w = {0};
	f.e_flags = 1;
	f.opd_nobits = true;
	struct symtab *st = load(&f, &w);
	uint64_t v = 0;
	CHECK(!symtab_find_name(st, "main", &v));
	CHECK(symtab_find_name(st, "code", &v) && v == 0x1200);
	CHECK(symtab_find_name(st, "opd_obj", &v) && v == OPD + 0x48);
	symtab_free(st);
	for (int moved = 0; moved <= 1; moved++) {
		size_t dlen, clen;
		uint8_t *dimg = build(&f, &dlen);
		struct tfile fc = f;
		fc.opd_nobits = false;
		fc.opd_addr = moved ? OPD + 0x1000 : OPD;
		fc.nsym = 0;
		uint8_t *cimg = build(&fc, &clen);
		struct elf_file *dbg = NULL, *code = NULL;
		CHECK(elf_open_mem(dimg, dlen, "debug", NULL, &w, &dbg) == NULL);
		CHECK(elf_open_mem(cimg, clen, "code", NULL, &w, &code) == NULL);
		st = symtab_new();
		if (dbg && code) {
			CHECK(symtab_add_elf_code(st, dbg, code) == NULL);
			symtab_finish(st);
			if (moved) {
				CHECK(!symtab_find_name(st, "main", &v));
			} else {
				CHECK(symtab_find_name(st, "main", &v) && v == 0x1100);
				CHECK_STR(at(st, 0x1000), "_start");
			}
		}
		symtab_free(st);
		elf_close(dbg);
		elf_close(code);
		free(dimg);
		free(cimg);
	}
	warnings_free(&w);
}

int main(void)
{
	synthetic(true, false);
	synthetic(true, true);
	synthetic(false, false);
	synthetic(false, true);
	elfv1_opd();
	real_objects();
	demangle();
	crc();
	return T_DONE();
}
