/* .debug_info / .debug_line: real programs built with gcc and clang (DWARF
 * 2, 4, 5, split DWARF, dwz) checked against addr2line -f -i, plus
 * synthetic malformed units that must fail cleanly. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "dwarf/info.h"
#include "t.h"
#include "tobj.h"

static char tmp[64];

/* ---- sources ------------------------------------------------------------ */

static const char util_h[] =
	"static inline __attribute__((always_inline)) int leaf_add(int a, int b)\n"
	"{\n"
	"\tvolatile int t = a * 3;\n"
	"\treturn t + (b ^ (a >> 2));\n"
	"}\n"
	"static inline __attribute__((always_inline)) int mid_mix(int x)\n"
	"{\n"
	"\tint s = 0;\n"
	"\tfor (int i = 0; i < x; i++)\n"
	"\t\ts += leaf_add(i, x);\n"
	"\treturn s;\n"
	"}\n";

static const char a_c[] =
	"#include <stdio.h>\n"
	"#include \"util.h\"\n"
	"extern int work_b(int);\n"
	"extern int rec_b(int);\n"
	"__attribute__((noinline)) int outer_a(int x)\n"
	"{\n"
	"\tint r = mid_mix(x);\n"
	"\tr += work_b(x);\n"
	"\treturn r;\n"
	"}\n"
	"static inline __attribute__((always_inline)) int top_inl(int x)\n"
	"{\n"
	"\treturn mid_mix(x + 1) * 2;\n"
	"}\n"
	"int main(int argc, char **argv)\n"
	"{\n"
	"\tint v = outer_a(argc);\n"
	"\t{\n"
	"\t\tint w = top_inl(v);\n"
	"\t\tprintf(\"%d %d\\n\", w, rec_b(argc));\n"
	"\t}\n"
	"\treturn v & 0xff;\n"
	"}\n";

static const char b_c[] =
	"#include <stdlib.h>\n"
	"#include \"util.h\"\n"
	"__attribute__((noinline, cold)) static void fail_b(int x)\n"
	"{\n"
	"\tif (x)\n"
	"\t\tabort();\n"
	"}\n"
	"__attribute__((noinline)) int work_b(int x)\n"
	"{\n"
	"\tif (__builtin_expect(x == 12345, 0)) {\n"
	"\t\tfail_b(x);\n"
	"\t\treturn mid_mix(x);\n"
	"\t}\n"
	"\treturn mid_mix(x * 2) - 1;\n"
	"}\n"
	"__attribute__((noinline)) int rec_b(int n)\n"
	"{\n"
	"\tswitch (n) {\n"
	"\tcase 0: return 1;\n"
	"\tcase 1: return leaf_add(n, 2);\n"
	"\tdefault: return n * rec_b(n - 1) + leaf_add(n, n);\n"
	"\t}\n"
	"}\n";

static const char c_cc[] =
	"namespace ns {\n"
	"struct Foo {\n"
	"\tint v;\n"
	"\t__attribute__((noinline)) int bar(int x) { return v * x + 1; }\n"
	"\tinline __attribute__((always_inline)) int baz(int x) { return bar(x) ^ v; }\n"
	"};\n"
	"__attribute__((noinline)) int run(int x) { Foo f{x}; return f.baz(x + 1); }\n"
	"}\n"
	"namespace ns { namespace inner {\n"
	"extern \"C\" __attribute__((noinline)) int cfun2(int x) { return run(x) + 1; }\n"
	"} }\n"
	"extern \"C\" int cfun(int x) { return ns::inner::cfun2(x); }\n"
	"int main(int argc, char **) { return cfun(argc) & 1; }\n";

static bool write_file(const char *name, const char *text)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", tmp, name);
	FILE *f = fopen(path, "w");
	if (!f)
		return false;
	fputs(text, f);
	fclose(f);
	return true;
}

static bool sh(const char *fmt, ...) COR_PRINTF(1, 2);
static bool sh(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd) == 0;
}

/* ---- the oracle ----------------------------------------------------------- */

struct pcs {
	uint64_t *v;
	size_t n, cap;
};

static void pcs_add(struct pcs *p, uint64_t pc)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 256;
		p->v = realloc(p->v, p->cap * sizeof(*p->v));
	}
	p->v[p->n++] = pc;
}

/* Every byte of every text symbol nm lists (bounded per symbol). */
static void collect_pcs(const char *bin, struct pcs *p, size_t max_per_fn)
{
	char cmd[512], line[512];
	snprintf(cmd, sizeof(cmd), "nm -S --defined-only %s", bin);
	FILE *f = popen(cmd, "r");
	while (f && fgets(line, sizeof(line), f)) {
		unsigned long long addr, size;
		char type;
		if (sscanf(line, "%llx %llx %c", &addr, &size, &type) != 3 ||
		    (type != 't' && type != 'T'))
			continue;
		for (uint64_t i = 0; i < size && i < max_per_fn; i++)
			pcs_add(p, addr + i);
	}
	if (f)
		pclose(f);
}

struct level {
	char func[256], loc[512];
};

struct answer {
	struct level lv[16];
	size_t n;
};

static void trim(char *s)
{
	char *d = strstr(s, " (discriminator");
	if (d)
		*d = 0;
	size_t n = strlen(s);
	while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = 0;
}

/* Runs tool (addr2line or llvm-addr2line) -a -f -i on all pcs at once. */
static struct answer *oracle(const char *tool, const char *bin, const struct pcs *p)
{
	char path[256], cmd[512], line[1024];
	struct answer *ans = calloc(p->n, sizeof(*ans));
	snprintf(path, sizeof(path), "%s/addrs", tmp);
	FILE *f = fopen(path, "w");
	for (size_t i = 0; i < p->n; i++)
		fprintf(f, "0x%" PRIx64 "\n", p->v[i]);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "%s -a -f -i -e %s < %s", tool, bin, path);
	f = popen(cmd, "r");
	long cur = -1;
	int half = 0;
	while (f && fgets(line, sizeof(line), f)) {
		trim(line);
		if (!strncmp(line, "0x", 2) && half == 0) {
			cur++;
			continue;
		}
		if (cur < 0 || (size_t)cur >= p->n)
			break;
		struct answer *a = &ans[cur];
		if (!half) {
			if (a->n < 16)
				snprintf(a->lv[a->n].func, sizeof(a->lv[0].func), "%.255s", line);
			half = 1;
		} else {
			size_t len = strlen(line);
			if (len > 2 && !strcmp(line + len - 2, ":?"))
				line[len - 1] = '0';
			if (a->n < 16)
				snprintf(a->lv[a->n++].loc, sizeof(a->lv[0].loc), "%.511s", line);
			half = 0;
		}
	}
	if (f)
		pclose(f);
	return ans;
}

static void loc_str(char *buf, size_t n, const char *file, uint32_t line)
{
	if (!file)
		snprintf(buf, n, "??:0");
	else if (!line)
		snprintf(buf, n, "%s:0", file);
	else
		snprintf(buf, n, "%s:%u", file, line);
}

/* As addr2line prints it: C++ linkage name, else the plain name. */
static const char *scope_name(const struct dwarf_scope *s, bool cxx)
{
	const char *q;
	if (cxx && s->linkage_name)
		return s->linkage_name;
	if (cxx && s->name && (q = strrchr(s->name, ':')))
		return q + 1;
	return s->name ? s->name : "??";
}

struct stats {
	size_t pcs, with_scopes, inline_levels, mismatches;
};

/* Our answer for pc in addr2line's shape; false if it disagrees. */
static bool same_loc(const char *ours, const char *theirs, bool suffix)
{
	size_t n = strlen(ours), m = strlen(theirs);
	if (!strcmp(ours, theirs))
		return true;
	return suffix && ours[0] != '/' && m > n && theirs[m - n - 1] == '/' &&
	       !strcmp(theirs + m - n, ours);
}

static bool compare_pc(struct dwarf_info *di, uint64_t pc, const struct answer *a,
		       bool cxx, bool names, bool quiet, struct stats *st)
{
	struct dwarf_scope sc[16];
	size_t n = 0;
	const char *file;
	uint32_t line, col;
	char loc[600];
	cor_error *err = dwarf_info_scopes(di, pc, sc, 16, &n);
	if (err) {
		fprintf(stderr, "  0x%" PRIx64 ": %s\n", pc, cor_error_message(err));
		cor_error_free(err);
		return false;
	}
	err = dwarf_info_line(di, pc, &file, &line, &col);
	if (err) {
		fprintf(stderr, "  0x%" PRIx64 ": %s\n", pc, cor_error_message(err));
		cor_error_free(err);
		return false;
	}
	loc_str(loc, sizeof(loc), file, line);
	if (!same_loc(loc, a->lv[0].loc, !names)) {
		if (!quiet && st->mismatches++ < 10)
			fprintf(stderr, "  0x%" PRIx64 ": line %s, addr2line %s\n", pc,
				loc, a->lv[0].loc);
		return false;
	}
	if (!names)
		return true;
	if (!n) {
		/* addr2line falls back to the symbol table for the name */
		if (a->n <= 1 && !strcmp(a->lv[0].loc, "??:0"))
			return true;
		if (!quiet && st->mismatches++ < 10)
			fprintf(stderr, "  0x%" PRIx64 ": no scopes, addr2line %s\n", pc,
				a->lv[0].func);
		return false;
	}
	bool ok = n == a->n;
	for (size_t i = 0; ok && i < n; i++) {
		if (strcmp(scope_name(&sc[i], cxx), a->lv[i].func))
			ok = false;
		if (i) {
			loc_str(loc, sizeof(loc), sc[i - 1].call_file, sc[i - 1].call_line);
			if (strcmp(loc, a->lv[i].loc))
				ok = false;
		}
		if (sc[i].is_inline != (i + 1 < n))
			ok = false;
	}
	if (ok) {
		st->with_scopes++;
		st->inline_levels += n - 1;
	}
	if (!ok && !quiet && st->mismatches++ < 10) {
		fprintf(stderr, "  0x%" PRIx64 ": ours", pc);
		for (size_t i = 0; i < n; i++) {
			loc_str(loc, sizeof(loc), i ? sc[i - 1].call_file : file,
				i ? sc[i - 1].call_line : line);
			fprintf(stderr, " [%s %s]", scope_name(&sc[i], cxx), loc);
		}
		fprintf(stderr, "\n  addr2line");
		for (size_t i = 0; i < a->n; i++)
			fprintf(stderr, " [%s %s]", a->lv[i].func, a->lv[i].loc);
		fprintf(stderr, "\n");
	}
	return ok;
}

/* Checks bin (sections possibly from a dwz'd copy) against addr2line on
 * oracle_bin. Returns the number of pcs with inline levels seen. */
static size_t check_binary(const char *label, const char *bin, const char *oracle_bin,
			   const char *alt, bool cxx, bool no_aranges)
{
	struct tobj o, ao;
	struct pcs p = {0};
	struct stats st = {0};
	struct dwarf_info *di;
	struct limits lim;
	if (!load_obj(bin, &o)) {
		CHECK(!"load");
		return 0;
	}
	if (o.compressed) {
		printf("%s: compressed sections, skipped\n", label);
		free(o.data);
		return 0;
	}
	if (alt) {
		CHECK(load_obj(alt, &ao));
		CHECK(o.has_altlink);
		o.s.alt = &ao.s;
	}
	if (no_aranges)
		o.s.aranges.data = NULL;
	limits_resolve(&lim, NULL);
	collect_pcs(oracle_bin, &p, 600);
	struct answer *ans = oracle("addr2line", oracle_bin, &p), *ans2 = NULL;
	size_t second = 0;
	/* binutils 2.40 misreads clang's DWARF 5 rnglistx in inline scopes and
	 * names some C++ inline instances after their caller: where it differs,
	 * llvm-addr2line is asked too and either may agree. */
	if (!system("llvm-addr2line --version >/dev/null 2>&1"))
		ans2 = oracle("llvm-addr2line", oracle_bin, &p);
	CHECK(!dwarf_info_new(&o.s, &lim, &di));
	for (size_t i = 0; i < p.n; i++) {
		st.pcs++;
		if (compare_pc(di, p.v[i], &ans[i], cxx, true, true, &st))
			continue;
		if (ans2 && compare_pc(di, p.v[i], &ans2[i], cxx, true, true, &st)) {
			second++;
			continue;
		}
		compare_pc(di, p.v[i], &ans[i], cxx, true, false, &st);
	}
	printf("%s: %zu pcs, %zu with scopes, %zu inline levels, %zu mismatches"
	       " (%zu agree with llvm-addr2line only)\n", label, st.pcs,
	       st.with_scopes, st.inline_levels, st.mismatches, second);
	CHECK_EQ(st.mismatches, 0);
	free(ans2);
	CHECK(st.with_scopes > 0 && st.with_scopes >= p.n / 3);
	dwarf_info_free(di);
	free(ans);
	free(p.v);
	free(o.data);
	if (alt)
		free(ao.data);
	return st.inline_levels;
}

/* Without .debug_info: lines from scanning every line program. */
static void check_line_only(const char *bin)
{
	struct tobj o;
	struct pcs p = {0};
	struct stats st = {0};
	struct dwarf_info *di;
	size_t bad = 0;
	CHECK(load_obj(bin, &o));
	o.s.info.data = NULL;
	o.s.info.size = 0;
	collect_pcs(bin, &p, 64);
	struct answer *ans = oracle("addr2line", bin, &p);
	CHECK(!dwarf_info_new(&o.s, NULL, &di));
	for (size_t i = 0; i < p.n; i++)
		if (!compare_pc(di, p.v[i], &ans[i], false, false, false, &st))
			bad++;
	printf("line-only %s: %zu pcs, %zu mismatches\n", bin, p.n, bad);
	CHECK_EQ(bad, 0);
	dwarf_info_free(di);
	free(ans);
	free(p.v);
	free(o.data);
}

static void check_split(const char *bin)
{
	struct tobj o;
	struct pcs p = {0};
	struct dwarf_info *di;
	struct dwarf_scope sc[8];
	size_t n = 0, found = 0;
	const char *file;
	uint32_t line, col;
	CHECK(load_obj(bin, &o));
	collect_pcs(bin, &p, 4);
	CHECK(!dwarf_info_new(&o.s, NULL, &di));
	for (size_t i = 0; i < p.n; i++) {
		cor_error *err = dwarf_info_scopes(di, p.v[i], sc, 8, &n);
		CHECK(!err && n == 0);
		cor_error_free(err);
		err = dwarf_info_line(di, p.v[i], &file, &line, &col);
		CHECK(!err);
		cor_error_free(err);
		if (file && strstr(file, "a.c"))
			found++;
	}
	printf("split %s: %zu pcs, %zu in a.c\n", bin, p.n, found);
	CHECK(found > 0);
	dwarf_info_free(di);
	free(p.v);
	free(o.data);
}

/* Hundreds of units: the index and lookups must be fast. */
static void check_many_units(void)
{
	char cmd[256];
	size_t nfiles = 150;
	struct strbuf files = {0};
	for (size_t i = 0; i < nfiles; i++) {
		char name[32], text[1024];
		snprintf(name, sizeof(name), "u%zu.c", i);
		snprintf(text, sizeof(text),
			 "#include \"util.h\"\n"
			 "struct s%zu { int a, b; struct s%zu *next; };\n"
			 "__attribute__((noinline)) int f%zu(struct s%zu *p) { return mid_mix(p->a) + %zu; }\n"
			 "__attribute__((noinline)) int g%zu(int x) { struct s%zu s = { x, x, 0 }; return f%zu(&s); }\n",
			 i, i, i, i, i, i, i, i);
		write_file(name, text);
		sb_printf(&files, " u%zu.c", i);
	}
	write_file("manymain.c", "int main(void) { return 0; }\n");
	snprintf(cmd, sizeof(cmd), "cd %s && gcc -g -O2 -o many manymain.c", tmp);
	if (!sh("%s%s", cmd, files.s)) {
		CHECK(!"compile many");
		sb_free(&files);
		return;
	}
	sb_free(&files);
	char bin[128];
	snprintf(bin, sizeof(bin), "%s/many", tmp);
	struct tobj o;
	struct pcs p = {0};
	struct dwarf_info *di;
	CHECK(load_obj(bin, &o));
	collect_pcs(bin, &p, 2000);
	struct timespec t0, t1;
	size_t hits = 0;
	for (int pass = 0; pass < 2; pass++) {
		if (pass)
			o.s.aranges.data = NULL;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		CHECK(!dwarf_info_new(&o.s, NULL, &di));
		for (size_t i = 0; i < p.n; i += 7) {
			struct dwarf_scope sc[16];
			size_t n;
			const char *file;
			uint32_t line, col;
			CHECK(!dwarf_info_scopes(di, p.v[i], sc, 16, &n));
			CHECK(!dwarf_info_line(di, p.v[i], &file, &line, &col));
			hits += n > 0;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		double ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
		printf("many units (%s): %zu lookups, %zu hits, %.1f ms\n",
		       pass ? "no aranges" : "aranges", p.n / 7 + 1, hits, ms);
		CHECK(ms < 2000);
		/* one more lookup on a warm index costs little */
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (size_t i = 0; i < p.n; i += 7) {
			struct dwarf_scope sc[16];
			size_t n;
			cor_error_free(dwarf_info_scopes(di, p.v[i], sc, 16, &n));
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
		printf("  warm: %.2f ms\n", ms);
		dwarf_info_free(di);
	}
	CHECK(hits > p.n / 8);
	free(p.v);
	free(o.data);
}

/* C++ function without a linkage name: qualified from its namespaces. */
static void check_qualified(const char *bin)
{
	struct tobj o;
	struct pcs p = {0};
	struct dwarf_info *di;
	struct dwarf_scope sc[8];
	size_t n = 0;
	char cmd[256], line[256];
	unsigned long long addr = 0;
	snprintf(cmd, sizeof(cmd), "nm %s | grep ' T cfun2$'", bin);
	FILE *f = popen(cmd, "r");
	if (f && fgets(line, sizeof(line), f))
		sscanf(line, "%llx", &addr);
	if (f)
		pclose(f);
	CHECK(addr != 0);
	CHECK(load_obj(bin, &o));
	CHECK(!dwarf_info_new(&o.s, NULL, &di));
	CHECK(!dwarf_info_scopes(di, addr, sc, 8, &n));
	CHECK(n >= 1);
	if (n) {
		CHECK_STR(sc[n - 1].name, "ns::inner::cfun2");
		CHECK(sc[n - 1].linkage_name == NULL);
	}
	dwarf_info_free(di);
	free(p.v);
	free(o.data);
}

/* A dwz'd file without its supplementary file: names through
 * DW_FORM_GNU_ref_alt are missing, nothing else breaks. */
static void check_missing_alt(const char *bin)
{
	struct tobj o;
	struct pcs p = {0};
	struct dwarf_info *di;
	size_t unnamed = 0, found = 0;
	CHECK(load_obj(bin, &o));
	collect_pcs(bin, &p, 600);
	CHECK(!dwarf_info_new(&o.s, NULL, &di));
	for (size_t i = 0; i < p.n; i++) {
		struct dwarf_scope sc[16];
		size_t n;
		cor_error *err = dwarf_info_scopes(di, p.v[i], sc, 16, &n);
		CHECK(!err);
		cor_error_free(err);
		for (size_t k = 0; !err && k < n; k++)
			unnamed += sc[k].name == NULL;
		found += n;
	}
	printf("dwz without supplementary file: %zu scopes, %zu unnamed\n", found, unnamed);
	CHECK(found > 0 && unnamed > 0);
	dwarf_info_free(di);
	free(p.v);
	free(o.data);
}

/* Call sites: ca tail-calls cb (a jump), main calls ca and puts. */
static const char calls_c[] =
	"#include <stdio.h>\n"
	"static volatile int sink;\n"
	"__attribute__((noinline)) static int cb(int x) { sink += x; return sink; }\n"
	"__attribute__((noinline)) static int ca(int x)\n"
	"{ sink += x; if (sink == 7) sink = 0; return cb(x * 2); }\n"
	"int main(int argc, char **argv)\n"
	"{ (void)argv; int r = ca(argc); puts(\"x\"); return r + sink; }\n";

static uint64_t nm_addr(const char *bin, const char *name)
{
	char cmd[256], line[256];
	unsigned long long addr = 0;
	snprintf(cmd, sizeof(cmd), "nm %s | grep ' [tT] %s$'", bin, name);
	FILE *f = popen(cmd, "r");
	if (f && fgets(line, sizeof(line), f))
		sscanf(line, "%llx", &addr);
	if (f)
		pclose(f);
	return addr;
}

static void check_calls(int ver)
{
	char bin[128];
	struct tobj o;
	struct dwarf_info *di;
	const struct dwarf_call *v;
	size_t n;
	bool complete;
	write_file("calls.c", calls_c);
	if (!sh("cd %s && gcc -O2 -gdwarf-%d -o calls%d calls.c 2>/dev/null", tmp, ver, ver)) {
		printf("call sites dwarf %d: compiler failed, skipped\n", ver);
		return;
	}
	snprintf(bin, sizeof(bin), "%s/calls%d", tmp, ver);
	uint64_t a = nm_addr(bin, "ca"), b = nm_addr(bin, "cb"), m = nm_addr(bin, "main");
	CHECK(a && b && m);
	CHECK(load_obj(bin, &o));
	CHECK(!dwarf_info_new(&o.s, NULL, &di));
	/* ca: one call site, the tail call of cb */
	CHECK(!dwarf_info_calls(di, a + 1, &v, &n, &complete));
	CHECK(complete);
	CHECK_EQ(n, 1);
	if (n == 1) {
		CHECK(v[0].tail);
		CHECK(v[0].target_known);
		CHECK_EQ(v[0].target, b);
		CHECK(v[0].return_pc > a && v[0].return_pc <= b + 0x100);
		CHECK_STR(v[0].target_name, "cb");
	}
	/* main: ca (its entry) and puts (declared only: a name), not tail */
	CHECK(!dwarf_info_calls(di, m, &v, &n, &complete));
	CHECK(complete);
	bool saw_a = false, saw_puts = false;
	for (size_t i = 0; i < n; i++) {
		CHECK(!v[i].tail);
		CHECK(i == 0 || v[i - 1].return_pc <= v[i].return_pc);
		if (v[i].target_known && v[i].target == a)
			saw_a = true;
		if (!v[i].target_known && v[i].target_name && !strcmp(v[i].target_name, "puts"))
			saw_puts = true;
	}
	CHECK(saw_a);
	CHECK(saw_puts);
	/* no subprogram there: nothing, and nothing missing */
	CHECK(!dwarf_info_calls(di, 1, &v, &n, &complete));
	CHECK_EQ(n, 0);
	CHECK(complete);
	dwarf_info_free(di);
	free(o.data);
}

static void real_programs(void)
{
	static const struct { const char *label, *cc, *flags; bool cxx; } v[] = {
		{ "gcc dwarf5 O2", "gcc", "-O2 -gdwarf-5", false },
		{ "gcc dwarf4 O2", "gcc", "-O2 -gdwarf-4", false },
		{ "gcc dwarf2 O1", "gcc", "-O1 -gdwarf-2", false },
		{ "gcc dwarf5 O0", "gcc", "-O0 -gdwarf-5", false },
		{ "gcc dwarf5 gc-sections", "gcc",
		  "-O2 -gdwarf-5 -ffunction-sections -Wl,--gc-sections", false },
		{ "gcc dwarf4 64-bit dwarf", "gcc", "-O2 -gdwarf-4 -gdwarf64", false },
		{ "clang dwarf5 O2", "clang", "-O2 -gdwarf-5", false },
		{ "clang dwarf4 O2", "clang", "-O2 -gdwarf-4", false },
	};
	size_t inl = 0;
	write_file("util.h", util_h);
	write_file("a.c", a_c);
	write_file("b.c", b_c);
	write_file("c.cc", c_cc);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char bin[128];
		snprintf(bin, sizeof(bin), "%s/prog%zu", tmp, i);
		if (!sh("cd %s && %s %s -o prog%zu a.c b.c 2>/dev/null", tmp, v[i].cc,
			v[i].flags, i)) {
			printf("%s: compiler failed, skipped\n", v[i].label);
			continue;
		}
		inl += check_binary(v[i].label, bin, bin, NULL, false, false);
		if (i == 0 || i == 6)
			check_binary("  (without .debug_aranges)", bin, bin, NULL, false, true);
		if (i == 0 || i == 1)
			check_line_only(bin);
	}
	CHECK(inl > 0);
	if (sh("cd %s && g++ -O2 -g -o progcc c.cc 2>/dev/null", tmp)) {
		char bin[128];
		snprintf(bin, sizeof(bin), "%s/progcc", tmp);
		check_binary("g++ O2", bin, bin, NULL, true, false);
		check_qualified(bin);
	}
	check_calls(4);
	check_calls(5);
	for (int ver = 4; ver <= 5; ver++) {
		if (!sh("cd %s && gcc -O2 -gdwarf-%d -gsplit-dwarf -o split%d a.c b.c 2>/dev/null",
			tmp, ver, ver))
			continue;
		char bin[128];
		snprintf(bin, sizeof(bin), "%s/split%d", tmp, ver);
		check_split(bin);
	}
}

/* dwz: two programs sharing a supplementary file. */
static void dwz_programs(void)
{
	if (access("/usr/bin/dwz", X_OK)) {
		printf("dwz not installed, skipped\n");
		return;
	}
	for (int ver = 4; ver <= 5; ver++) {
		if (!sh("cd %s && gcc -O2 -gdwarf-%d -o z1 a.c b.c && "
			"gcc -O2 -gdwarf-%d -DX=1 -o z2 b.c a.c && "
			"cp z1 z1.orig && cp z2 z2.orig && "
			"dwz -m common%d.debug z1 z2 >/dev/null 2>&1", tmp, ver, ver, ver)) {
			printf("dwz dwarf%d failed, skipped\n", ver);
			continue;
		}
		char b1[128], o1[128], b2[128], o2[128], alt[128], label[64];
		snprintf(b1, sizeof(b1), "%s/z1", tmp);
		snprintf(o1, sizeof(o1), "%s/z1.orig", tmp);
		snprintf(b2, sizeof(b2), "%s/z2", tmp);
		snprintf(o2, sizeof(o2), "%s/z2.orig", tmp);
		snprintf(alt, sizeof(alt), "%s/common%d.debug", tmp, ver);
		snprintf(label, sizeof(label), "dwz dwarf%d z1", ver);
		check_binary(label, b1, o1, alt, false, false);
		snprintf(label, sizeof(label), "dwz dwarf%d z2", ver);
		check_binary(label, b2, o2, alt, false, false);
		check_missing_alt(b1);
	}
}

/* ---- synthetic units ------------------------------------------------------- */

struct buf {
	uint8_t d[16384];
	size_t n;
};

static void put(struct buf *b, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		b->d[b->n++] = (uint8_t)(v >> (8 * i));
}
static void uleb(struct buf *b, uint64_t v)
{
	do {
		uint8_t c = v & 0x7f;
		v >>= 7;
		b->d[b->n++] = c | (v ? 0x80 : 0);
	} while (v);
}
static void sleb(struct buf *b, int64_t v)
{
	for (;;) {
		uint8_t c = v & 0x7f;
		v >>= 7;
		if ((v == 0 && !(c & 0x40)) || (v == -1 && (c & 0x40))) {
			b->d[b->n++] = c;
			return;
		}
		b->d[b->n++] = c | 0x80;
	}
}
static void str(struct buf *b, const char *s)
{
	memcpy(b->d + b->n, s, strlen(s) + 1);
	b->n += strlen(s) + 1;
}
/* Abbreviation: code, tag, children, then (attr, form) pairs, 0-terminated. */
static void abbrev(struct buf *b, unsigned code, unsigned tag, bool ch, ...)
{
	va_list ap;
	unsigned at, form;
	uleb(b, code);
	uleb(b, tag);
	put(b, ch, 1);
	va_start(ap, ch);
	while ((at = va_arg(ap, unsigned))) {
		form = va_arg(ap, unsigned);
		uleb(b, at);
		uleb(b, form);
		if (form == 0x21)
			sleb(b, va_arg(ap, int));
	}
	va_end(ap);
	uleb(b, 0);
	uleb(b, 0);
}

/* Unit header; returns where the length goes (patched by unit_end). */
static size_t unit_begin(struct buf *b, int version, bool dwarf64, uint64_t abbrev_off)
{
	size_t at = b->n;
	if (dwarf64) {
		put(b, 0xffffffff, 4);
		put(b, 0, 8);
	} else {
		put(b, 0, 4);
	}
	put(b, version, 2);
	if (version >= 5) {
		put(b, 1, 1);
		put(b, 8, 1);
		put(b, abbrev_off, dwarf64 ? 8 : 4);
	} else {
		put(b, abbrev_off, dwarf64 ? 8 : 4);
		put(b, 8, 1);
	}
	return at;
}
static void unit_end(struct buf *b, size_t at)
{
	bool dwarf64 = b->d[at] == 0xff && b->d[at + 1] == 0xff && b->d[at + 2] == 0xff &&
		       b->d[at + 3] == 0xff;
	size_t hdr = dwarf64 ? 12 : 4;
	uint64_t len = b->n - at - hdr;
	for (size_t i = 0; i < (dwarf64 ? 8u : 4u); i++)
		b->d[at + (dwarf64 ? 4 : 0) + i] = (uint8_t)(len >> (8 * i));
}

enum { F_addr = 0x01, F_data1 = 0x0b, F_data2 = 0x05, F_data4 = 0x06, F_string = 0x08,
	F_ref4 = 0x13, F_ref_udata = 0x15, F_indirect = 0x16, F_sec_offset = 0x17,
	F_flag_present = 0x19, F_strx1 = 0x25, F_addrx = 0x1b, F_rnglistx = 0x23,
	F_data16 = 0x1e, F_block1 = 0x0a, F_implicit_const = 0x21, F_exprloc = 0x18,
	F_ref_addr = 0x10, F_sdata = 0x0d };

enum { A_sibling = 1, A_name = 3, A_low = 0x11, A_high = 0x12, A_origin = 0x31,
	A_call_file = 0x58, A_call_line = 0x59, A_inline = 0x20, A_ranges = 0x55,
	A_decl_line = 0x3b, A_str_base = 0x72, A_addr_base = 0x73, A_rng_base = 0x74,
	A_location = 0x02, A_const_value = 0x1c, A_spec = 0x47, A_external = 0x3f };

enum { T_cu = 0x11, T_sub = 0x2e, T_inl = 0x1d, T_block = 0x0b };

struct syn {
	struct buf info, abbrev, str_offsets, addr, rnglists, str;
	struct dwarf_section ranges;
	struct dwarf_sections s;
};

static void syn_sections(struct syn *y)
{
	memset(&y->s, 0, sizeof(y->s));
	y->s.info = (struct dwarf_section){ y->info.d, y->info.n, 0 };
	y->s.abbrev = (struct dwarf_section){ y->abbrev.d, y->abbrev.n, 0 };
	if (y->str_offsets.n)
		y->s.str_offsets = (struct dwarf_section){ y->str_offsets.d, y->str_offsets.n, 0 };
	if (y->addr.n)
		y->s.addr = (struct dwarf_section){ y->addr.d, y->addr.n, 0 };
	if (y->rnglists.n)
		y->s.rnglists = (struct dwarf_section){ y->rnglists.d, y->rnglists.n, 0 };
	if (y->str.n)
		y->s.str = (struct dwarf_section){ y->str.d, y->str.n, 0 };
	y->s.ranges = y->ranges;
	y->s.addr_size = 8;
	y->s.path = "synthetic";
}

/* Unit: cu [lo, lo+0x100) > abstract "inl_fn", "f" [lo, lo+0x80) >
 * inlined inl_fn [lo+0x10, lo+0x20). bad_form puts an unknown form in f. */
static void syn_unit(struct buf *info, bool dwarf64, uint64_t lo, bool bad_form)
{
	size_t u = unit_begin(info, 4, dwarf64, 0);
	uleb(info, 1); str(info, "syn.c"); put(info, lo, 8); put(info, 0x100, 4);
	size_t abs_off = info->n - u;
	uleb(info, 4); str(info, "inl_fn"); put(info, 3, 1);
	uleb(info, bad_form ? 6 : 2); str(info, "f"); put(info, lo, 8); put(info, 0x80, 4);
	uleb(info, 3); put(info, abs_off, 4); put(info, lo + 0x10, 8); put(info, 0x10, 4);
	put(info, 1, 1); put(info, 7, 1);
	uleb(info, 0);
	uleb(info, 0);
	unit_end(info, u);
}

static void syn_abbrevs(struct buf *ab)
{
	abbrev(ab, 1, T_cu, true, A_name, F_string, A_low, F_addr, A_high, F_data4, 0);
	abbrev(ab, 2, T_sub, true, A_name, F_string, A_low, F_addr, A_high, F_data4, 0);
	abbrev(ab, 3, T_inl, false, A_origin, F_ref4, A_low, F_addr, A_high, F_data4,
	       A_call_file, F_data1, A_call_line, F_data1, 0);
	abbrev(ab, 4, T_sub, false, A_name, F_string, A_inline, F_data1, 0);
	abbrev(ab, 5, T_block, true, A_low, F_addr, A_high, F_data4, 0);
	abbrev(ab, 6, T_sub, true, A_name, F_string, A_low, 0x7f, A_high, F_data4, 0);
	abbrev(ab, 7, T_block, true, 0);
	abbrev(ab, 8, T_sub, true, A_name, F_indirect, A_low, F_addr, A_high, F_data4, 0);
	abbrev(ab, 9, T_sub, false, A_origin, F_ref4, A_low, F_addr, A_high, F_data4, 0);
	abbrev(ab, 10, T_cu, true, A_name, F_string, 0);
	uleb(ab, 0);
}

static struct dwarf_info *syn_open(struct syn *y, uint32_t max_depth)
{
	struct dwarf_info *di;
	struct limits lim;
	struct cor_limits cl = { .max_depth = max_depth };
	limits_resolve(&lim, &cl);
	syn_sections(y);
	CHECK(!dwarf_info_new(&y->s, &lim, &di));
	return di;
}

static cor_error *syn_scopes(struct dwarf_info *di, uint64_t pc, struct dwarf_scope *sc,
			     size_t *n)
{
	return dwarf_info_scopes(di, pc, sc, 8, n);
}

static void expect_err(cor_error *err, enum cor_error_code code, const char *what)
{
	CHECK(err != NULL);
	if (!err)
		return;
	CHECK_EQ(cor_error_code(err), code);
	if (what && !strstr(cor_error_message(err), what)) {
		fprintf(stderr, "unexpected message: %s\n", cor_error_message(err));
		CHECK(!"message");
	}
	cor_error_free(err);
}

static void syn_basic(bool dwarf64)
{
	static struct syn y;
	struct dwarf_scope sc[8];
	size_t n;
	memset(&y, 0, sizeof(y));
	syn_abbrevs(&y.abbrev);
	syn_unit(&y.info, dwarf64, 0x1000, false);
	syn_unit(&y.info, dwarf64, 0x2000, true);
	struct dwarf_info *di = syn_open(&y, 0);
	CHECK(!syn_scopes(di, 0x1014, sc, &n));
	CHECK_EQ(n, 2);
	CHECK_STR(sc[0].name, "inl_fn");
	CHECK(sc[0].is_inline);
	CHECK_EQ(sc[0].call_line, 7);
	CHECK_EQ(sc[0].low_pc, 0x1010);
	CHECK(sc[0].call_file == NULL);
	CHECK_STR(sc[1].name, "f");
	CHECK(!sc[1].is_inline);
	CHECK_EQ(sc[1].low_pc, 0x1000);
	CHECK(!syn_scopes(di, 0x1004, sc, &n));
	CHECK_EQ(n, 1);
	CHECK(!syn_scopes(di, 0x1090, sc, &n));
	CHECK_EQ(n, 0);
	CHECK(!syn_scopes(di, 0x5000, sc, &n));
	CHECK_EQ(n, 0);
	/* max 1: only the innermost */
	CHECK(!dwarf_info_scopes(di, 0x1014, sc, 1, &n));
	CHECK_EQ(n, 1);
	/* the unknown form fails its unit only, every time */
	expect_err(syn_scopes(di, 0x2004, sc, &n), COR_ERR_FORMAT, "unknown attribute form 0x7f");
	CHECK_EQ(n, 0);
	expect_err(syn_scopes(di, 0x2004, sc, &n), COR_ERR_FORMAT, "synthetic: offset 0x");
	CHECK(!syn_scopes(di, 0x1014, sc, &n));
	CHECK_EQ(n, 2);
	const char *file;
	uint32_t line, col;
	CHECK(!dwarf_info_line(di, 0x1014, &file, &line, &col));
	CHECK(file == NULL);
	dwarf_info_free(di);
}

static void syn_malformed(void)
{
	static struct syn y;
	struct dwarf_scope sc[8];
	size_t n;
	struct dwarf_info *di;

	/* unit length past the end of the section */
	memset(&y, 0, sizeof(y));
	syn_abbrevs(&y.abbrev);
	syn_unit(&y.info, false, 0x1000, false);
	y.info.d[0] += 0x40;
	di = syn_open(&y, 0);
	expect_err(syn_scopes(di, 0x1014, sc, &n), COR_ERR_FORMAT, "past end");
	CHECK_EQ(n, 0);
	dwarf_info_free(di);

	/* truncated in the middle of a DIE */
	memset(&y, 0, sizeof(y));
	syn_abbrevs(&y.abbrev);
	syn_unit(&y.info, false, 0x1000, false);
	y.info.n = 40;
	unit_end(&y.info, 0);
	di = syn_open(&y, 0);
	expect_err(syn_scopes(di, 0x1014, sc, &n), COR_ERR_FORMAT, NULL);
	dwarf_info_free(di);

	/* 64-bit length field with a huge value */
	memset(&y, 0, sizeof(y));
	syn_abbrevs(&y.abbrev);
	syn_unit(&y.info, true, 0x1000, false);
	for (int i = 4; i < 12; i++)
		y.info.d[i] = 0xff;
	di = syn_open(&y, 0);
	expect_err(syn_scopes(di, 0x1014, sc, &n), COR_ERR_FORMAT, "past end");
	const char *file;
	uint32_t line, col;
	expect_err(dwarf_info_line(di, 0x1014, &file, &line, &col), COR_ERR_FORMAT, NULL);
	dwarf_info_free(di);

	/* abbreviation offset past the end of .debug_abbrev */
	memset(&y, 0, sizeof(y));
	syn_abbrevs(&y.abbrev);
	syn_unit(&y.info, false, 0x1000, false);
	y.info.d[6] = 0x00; y.info.d[7] = 0x10;
	di = syn_open(&y, 0);
	expect_err(syn_scopes(di, 0x1014, sc, &n), COR_ERR_FORMAT, "abbreviation offset");
	dwarf_info_free(di);

	/* abbreviation table cut short */
	memset(&y, 0, sizeof(y));
	syn_abbrevs(&y.abbrev);
	syn_unit(&y.info, false, 0x1000, false);
	y.abbrev.n = 9;
	di = syn_open(&y, 0);
	expect_err(syn_scopes(di, 0x1014, sc, &n), COR_ERR_FORMAT, ".debug_abbrev");
	dwarf_info_free(di);

	/* unknown abbreviation code */
	memset(&y, 0, sizeof(y));
	syn_abbrevs(&y.abbrev);
	syn_unit(&y.info, false, 0x1000, false);
	y.info.d[11] = 0x55;
	di = syn_open(&y, 0);
	expect_err(syn_scopes(di, 0x1014, sc, &n), COR_ERR_FORMAT, "abbreviation code");
	dwarf_info_free(di);
}

/* f containing `levels` nested blocks that all contain the pc. */
static void syn_deep(unsigned levels, uint32_t max_depth, bool expect_ok)
{
	static struct syn y;
	struct dwarf_scope sc[8];
	size_t n;
	memset(&y, 0, sizeof(y));
	syn_abbrevs(&y.abbrev);
	size_t u = unit_begin(&y.info, 4, false, 0);
	uleb(&y.info, 1); str(&y.info, "deep.c"); put(&y.info, 0x1000, 8); put(&y.info, 0x100, 4);
	uleb(&y.info, 2); str(&y.info, "f"); put(&y.info, 0x1000, 8); put(&y.info, 0x80, 4);
	for (unsigned i = 0; i < levels; i++) {
		uleb(&y.info, i & 1 ? 7 : 5);
		if (!(i & 1)) {
			put(&y.info, 0x1000, 8);
			put(&y.info, 0x40, 4);
		}
	}
	for (unsigned i = 0; i < levels + 2; i++)
		uleb(&y.info, 0);
	unit_end(&y.info, u);
	struct dwarf_info *di = syn_open(&y, max_depth);
	cor_error *err = syn_scopes(di, 0x1010, sc, &n);
	if (expect_ok) {
		CHECK(!err);
		CHECK_EQ(n, 1);
	} else {
		expect_err(err, COR_ERR_LIMIT, "deeper than");
		err = syn_scopes(di, 0x1010, sc, &n);
		expect_err(err, COR_ERR_LIMIT, NULL);
	}
	dwarf_info_free(di);
}

/* Reference cycles, indirect forms, and a reference out of the unit. */
static void syn_refs(void)
{
	static struct syn y;
	struct dwarf_scope sc[8];
	size_t n;
	memset(&y, 0, sizeof(y));
	syn_abbrevs(&y.abbrev);
	size_t u = unit_begin(&y.info, 4, false, 0);
	uleb(&y.info, 1); str(&y.info, "refs.c"); put(&y.info, 0x1000, 8); put(&y.info, 0x1000, 4);
	/* self-referencing abstract_origin */
	size_t self = y.info.n - u;
	uleb(&y.info, 9); put(&y.info, self, 4); put(&y.info, 0x1000, 8); put(&y.info, 0x10, 4);
	/* origin past the unit */
	uleb(&y.info, 9); put(&y.info, 0x7fffff, 4); put(&y.info, 0x1100, 8); put(&y.info, 0x10, 4);
	uleb(&y.info, 0);
	unit_end(&y.info, u);
	struct dwarf_info *di = syn_open(&y, 0);
	CHECK(!syn_scopes(di, 0x1004, sc, &n));
	CHECK_EQ(n, 1);
	CHECK(sc[0].name == NULL);
	CHECK(!syn_scopes(di, 0x1104, sc, &n));
	CHECK_EQ(n, 1);
	CHECK(sc[0].name == NULL);
	dwarf_info_free(di);

	/* name through DW_FORM_indirect -> string */
	memset(&y, 0, sizeof(y));
	syn_abbrevs(&y.abbrev);
	u = unit_begin(&y.info, 4, false, 0);
	uleb(&y.info, 1); str(&y.info, "refs.c"); put(&y.info, 0x1000, 8); put(&y.info, 0x1000, 4);
	uleb(&y.info, 8); uleb(&y.info, F_string); str(&y.info, "via_indirect");
	put(&y.info, 0x1200, 8); put(&y.info, 0x10, 4);
	uleb(&y.info, 0);
	uleb(&y.info, 0);
	unit_end(&y.info, u);
	di = syn_open(&y, 0);
	CHECK(!syn_scopes(di, 0x1204, sc, &n));
	CHECK_EQ(n, 1);
	CHECK_STR(sc[0].name, "via_indirect");
	dwarf_info_free(di);
}

static void syn_indirect_limit(void)
{
	static struct syn y;
	struct dwarf_scope sc[8];
	size_t n;
	memset(&y, 0, sizeof(y));
	syn_abbrevs(&y.abbrev);
	size_t u = unit_begin(&y.info, 4, false, 0);
	uleb(&y.info, 1); str(&y.info, "ind.c"); put(&y.info, 0x1000, 8); put(&y.info, 0x1000, 4);
	uleb(&y.info, 8);
	for (int i = 0; i < 20; i++)
		uleb(&y.info, F_indirect);
	uleb(&y.info, F_string); str(&y.info, "x");
	put(&y.info, 0x1300, 8); put(&y.info, 0x10, 4);
	uleb(&y.info, 0);
	uleb(&y.info, 0);
	unit_end(&y.info, u);
	struct dwarf_info *di = syn_open(&y, 0);
	expect_err(syn_scopes(di, 0x1304, sc, &n), COR_ERR_FORMAT, "DW_FORM_indirect");
	dwarf_info_free(di);
}

/* DWARF 5 forms gcc does not emit for executables: strx1, addrx,
 * rnglistx, implicit_const, data16, ref_udata, flag_present. */
static void syn_v5(void)
{
	static struct syn y;
	struct dwarf_scope sc[8];
	size_t n;
	memset(&y, 0, sizeof(y));
	struct buf *ab = &y.abbrev;
	abbrev(ab, 1, T_cu, true, A_name, F_strx1, A_str_base, F_sec_offset,
	       A_addr_base, F_sec_offset, A_rng_base, F_sec_offset,
	       A_low, F_addrx, A_ranges, F_rnglistx, 0);
	abbrev(ab, 2, T_sub, true, A_name, F_strx1, A_decl_line, F_implicit_const, 42,
	       A_const_value, F_data16, A_location, F_exprloc, A_external, F_flag_present,
	       A_ranges, F_rnglistx, 0);
	abbrev(ab, 3, T_inl, false, A_origin, F_ref_udata, A_low, F_addrx, A_high, F_sdata,
	       A_call_file, F_data1, A_call_line, F_data2, 0);
	abbrev(ab, 4, T_sub, false, A_name, F_strx1, A_inline, F_data1, 0);
	uleb(ab, 0);
	/* .debug_str */
	str(&y.str, "");
	size_t s_cu = y.str.n; str(&y.str, "v5.c");
	size_t s_f = y.str.n; str(&y.str, "five");
	size_t s_i = y.str.n; str(&y.str, "inl5");
	/* .debug_str_offsets: header then 3 entries */
	put(&y.str_offsets, 4 + 3 * 4, 4); put(&y.str_offsets, 5, 2); put(&y.str_offsets, 0, 2);
	put(&y.str_offsets, s_cu, 4); put(&y.str_offsets, s_f, 4); put(&y.str_offsets, s_i, 4);
	/* .debug_addr: header then 3 addresses */
	put(&y.addr, 4 + 3 * 8, 4); put(&y.addr, 5, 2); put(&y.addr, 8, 1); put(&y.addr, 0, 1);
	put(&y.addr, 0x4000, 8); put(&y.addr, 0x5000, 8); put(&y.addr, 0x4010, 8);
	/* .debug_rnglists: header, 2 offsets, list 0 (unit), list 1 (five) */
	struct buf *rl = &y.rnglists;
	size_t rl_len = rl->n;
	put(rl, 0, 4); put(rl, 5, 2); put(rl, 8, 1); put(rl, 0, 1); put(rl, 2, 4);
	size_t base = rl->n, offs = rl->n;
	put(rl, 0, 4); put(rl, 0, 4);
	size_t l0 = rl->n - base;
	put(rl, 2, 1); uleb(rl, 0); uleb(rl, 1);          /* startx_endx 0x4000-0x5000 */
	put(rl, 7, 1); put(rl, 0x6000, 8); uleb(rl, 0x100); /* start_length */
	put(rl, 0, 1);
	size_t l1 = rl->n - base;
	put(rl, 1, 1); uleb(rl, 0);                       /* base_addressx 0x4000 */
	put(rl, 4, 1); uleb(rl, 0); uleb(rl, 0x40);        /* offset_pair */
	put(rl, 5, 1); put(rl, 0x6000, 8);                 /* base_address */
	put(rl, 4, 1); uleb(rl, 0x20); uleb(rl, 0x30);     /* 0x6020-0x6030 */
	put(rl, 6, 1); put(rl, 0x6080, 8); put(rl, 0x6090, 8); /* start_end */
	put(rl, 3, 1); uleb(rl, 2); uleb(rl, 4);          /* startx_length */
	put(rl, 0, 1);
	rl->d[offs] = (uint8_t)l0;
	rl->d[offs + 4] = (uint8_t)l1;
	rl->d[rl_len] = (uint8_t)(rl->n - 4);
	/* the unit */
	struct buf *in = &y.info;
	size_t u = unit_begin(in, 5, false, 0);
	uleb(in, 1); put(in, 0, 1); put(in, 8, 4); put(in, 8, 4); put(in, 12, 4);
	uleb(in, 0); uleb(in, 0);
	size_t abs_off = in->n - u;
	uleb(in, 4); put(in, 2, 1); put(in, 1, 1);
	uleb(in, 2); put(in, 1, 1); for (int i = 0; i < 16; i++) put(in, i, 1);
	uleb(in, 2); put(in, 0x9c, 1); put(in, 0x9f, 1);
	uleb(in, 1);
	uleb(in, 3); uleb(in, abs_off); uleb(in, 2); sleb(in, 8); put(in, 3, 1); put(in, 300, 2);
	uleb(in, 0);
	uleb(in, 0);
	unit_end(in, u);
	struct dwarf_info *di = syn_open(&y, 0);
	CHECK(!syn_scopes(di, 0x4004, sc, &n));
	CHECK_EQ(n, 1);
	CHECK_STR(sc[0].name, "five");
	CHECK_EQ(sc[0].low_pc, 0x4000);
	CHECK(!syn_scopes(di, 0x4014, sc, &n));
	CHECK_EQ(n, 2);
	CHECK_STR(sc[0].name, "inl5");
	CHECK_EQ(sc[0].call_line, 300);
	CHECK_STR(sc[1].name, "five");
	CHECK(!syn_scopes(di, 0x6024, sc, &n));
	CHECK_EQ(n, 1);
	CHECK(!syn_scopes(di, 0x6084, sc, &n));
	CHECK_EQ(n, 1);
	CHECK(!syn_scopes(di, 0x4012, sc, &n));  /* startx_length 0x4010+4 */
	CHECK_EQ(n, 2);
	CHECK(!syn_scopes(di, 0x4044, sc, &n));  /* in the unit, not in five */
	CHECK_EQ(n, 0);
	CHECK(!syn_scopes(di, 0x6030, sc, &n));
	CHECK_EQ(n, 0);
	dwarf_info_free(di);
	/* rnglistx offsets cut off */
	y.rnglists.n = 14;
	di = syn_open(&y, 0);
	expect_err(syn_scopes(di, 0x4004, sc, &n), COR_ERR_FORMAT, NULL);
	dwarf_info_free(di);
}

/* Line programs: a hand-written v3 program and broken headers. */
static void syn_line(void)
{
	static struct syn y;
	static struct buf line;
	const char *file;
	uint32_t ln, col;
	memset(&y, 0, sizeof(y));
	memset(&line, 0, sizeof(line));
	/* v3 program: dir "inc", files a.c (dir 0), h.h (dir 1) */
	put(&line, 0, 4); put(&line, 3, 2);
	size_t hl = line.n;
	put(&line, 0, 4);
	put(&line, 1, 1); put(&line, 1, 1); put(&line, (uint8_t)-5, 1); put(&line, 14, 1);
	put(&line, 14, 1);
	static const uint8_t std_len[13] = { 0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1, 1 };
	memcpy(line.d + line.n, std_len, 13); line.n += 13;
	str(&line, "inc"); put(&line, 0, 1);
	str(&line, "a.c"); uleb(&line, 0); uleb(&line, 0); uleb(&line, 0);
	str(&line, "h.h"); uleb(&line, 1); uleb(&line, 0); uleb(&line, 0);
	put(&line, 0, 1);
	line.d[hl] = (uint8_t)(line.n - hl - 4);
	put(&line, 0, 1); uleb(&line, 9); put(&line, 2, 1); put(&line, 0x1000, 8); /* set_address */
	put(&line, 3, 1); sleb(&line, 9);              /* line 10 */
	put(&line, 1, 1);                              /* copy: 0x1000 line 10 */
	put(&line, 14 + 5 + 14 * 4, 1);                /* 0x1004 line 10 */
	put(&line, 4, 1); uleb(&line, 2);              /* file h.h */
	put(&line, 5, 1); uleb(&line, 3);              /* column 3 */
	put(&line, 14 + 5 + 2 + 14 * 4, 1);            /* 0x1008 line 12 */
	put(&line, 13, 1); uleb(&line, 0x777);         /* unknown standard opcode */
	put(&line, 0, 1); uleb(&line, 3); put(&line, 0x80, 1); put(&line, 0, 2); /* unknown ext */
	put(&line, 2, 1); uleb(&line, 0x10);           /* advance_pc 0x10 */
	put(&line, 0, 1); uleb(&line, 1); put(&line, 1, 1); /* end_sequence */
	uint32_t len = (uint32_t)(line.n - 4);
	memcpy(line.d, &len, 4);
	/* a unit pointing at it */
	struct buf *ab = &y.abbrev;
	abbrev(ab, 1, T_cu, false, A_name, F_string, 0x1b, F_string, A_low, F_addr,
	       A_high, F_data4, 0x10, F_sec_offset, 0);
	uleb(ab, 0);
	size_t u = unit_begin(&y.info, 4, false, 0);
	uleb(&y.info, 1); str(&y.info, "a.c"); str(&y.info, "/src"); put(&y.info, 0x1000, 8);
	put(&y.info, 0x100, 4); put(&y.info, 0, 4);
	unit_end(&y.info, u);
	syn_sections(&y);
	y.s.line = (struct dwarf_section){ line.d, line.n, 0 };
	struct dwarf_info *di;
	CHECK(!dwarf_info_new(&y.s, NULL, &di));
	CHECK(!dwarf_info_line(di, 0x1002, &file, &ln, &col));
	CHECK_STR(file, "/src/a.c");
	CHECK_EQ(ln, 10);
	CHECK(!dwarf_info_line(di, 0x100a, &file, &ln, &col));
	CHECK_STR(file, "/src/inc/h.h");
	CHECK_EQ(ln, 12);
	CHECK_EQ(col, 3);
	CHECK(!dwarf_info_line(di, 0x2000, &file, &ln, &col));
	CHECK(file == NULL);
	dwarf_info_free(di);
	/* the same program found without .debug_info */
	y.s.info.data = NULL;
	y.s.info.size = 0;
	CHECK(!dwarf_info_new(&y.s, NULL, &di));
	CHECK(!dwarf_info_line(di, 0x1002, &file, &ln, &col));
	CHECK_STR(file, "a.c");
	CHECK_EQ(ln, 10);
	dwarf_info_free(di);
	/* header_length past the unit, line_range 0, truncated opcodes */
	syn_sections(&y);
	y.s.line = (struct dwarf_section){ line.d, line.n, 0 };
	static struct buf bad;
	static const struct { size_t off; uint8_t v; const char *what; } cases[] = {
		{ 6, 0xf0, "header length" },
		{ 13, 0, "line_range" },
		{ 4, 9, "version" },
		{ 0, 0xf0, NULL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bad = line;
		bad.d[cases[i].off] = cases[i].v;
		y.s.line = (struct dwarf_section){ bad.d, bad.n, 0 };
		CHECK(!dwarf_info_new(&y.s, NULL, &di));
		expect_err(dwarf_info_line(di, 0x1002, &file, &ln, &col), COR_ERR_FORMAT,
			   cases[i].what);
		expect_err(dwarf_info_line(di, 0x1002, &file, &ln, &col), COR_ERR_FORMAT, NULL);
		dwarf_info_free(di);
	}
	/* every truncation of the program: no crash, no hang */
	for (size_t cut = 0; cut < line.n; cut++) {
		y.s.line = (struct dwarf_section){ line.d, cut, 0 };
		CHECK(!dwarf_info_new(&y.s, NULL, &di));
		cor_error_free(dwarf_info_line(di, 0x1002, &file, &ln, &col));
		dwarf_info_free(di);
	}
}

/* A unit without pc attributes: found through its subprograms. */
static void syn_nocov(void)
{
	static struct syn y;
	struct dwarf_scope sc[8];
	size_t n;
	memset(&y, 0, sizeof(y));
	syn_abbrevs(&y.abbrev);
	syn_unit(&y.info, false, 0x1000, false);
	size_t u = unit_begin(&y.info, 3, false, 0);
	uleb(&y.info, 10); str(&y.info, "nocov.c");
	uleb(&y.info, 2); str(&y.info, "g"); put(&y.info, 0x8000, 8); put(&y.info, 0x20, 4);
	uleb(&y.info, 0);
	uleb(&y.info, 0);
	unit_end(&y.info, u);
	struct dwarf_info *di = syn_open(&y, 0);
	CHECK(!syn_scopes(di, 0x8010, sc, &n));
	CHECK_EQ(n, 1);
	CHECK_STR(sc[0].name, "g");
	CHECK(!syn_scopes(di, 0x1014, sc, &n));
	CHECK_EQ(n, 2);
	CHECK(!syn_scopes(di, 0x8020, sc, &n));
	CHECK_EQ(n, 0);
	dwarf_info_free(di);
}

/* Many DIEs sharing one long range list: bounded work, then a limit. */
static void syn_budget(void)
{
	static struct syn y;
	static uint64_t ranges[2 * 3001];
	struct dwarf_scope sc[8];
	size_t n;
	memset(&y, 0, sizeof(y));
	for (int i = 0; i < 3000; i++) {
		ranges[2 * i] = 0x100000 + 16 * (uint64_t)i;
		ranges[2 * i + 1] = ranges[2 * i] + 8;
	}
	ranges[6000] = ranges[6001] = 0;
	y.ranges = (struct dwarf_section){ (const uint8_t *)ranges, sizeof(ranges), 0 };
	abbrev(&y.abbrev, 1, T_cu, true, A_name, F_string, A_low, F_addr, A_high, F_data4, 0);
	abbrev(&y.abbrev, 2, T_sub, false, A_ranges, F_sec_offset, 0);
	uleb(&y.abbrev, 0);
	size_t u = unit_begin(&y.info, 4, false, 0);
	uleb(&y.info, 1); str(&y.info, "budget.c"); put(&y.info, 0, 8); put(&y.info, 0x200000, 4);
	for (int i = 0; i < 2000; i++) {
		uleb(&y.info, 2);
		put(&y.info, 0, 4);
	}
	uleb(&y.info, 0);
	unit_end(&y.info, u);
	struct dwarf_info *di = syn_open(&y, 0);
	expect_err(syn_scopes(di, 0x100004, sc, &n), COR_ERR_LIMIT, "range list entries");
	dwarf_info_free(di);
}

/* Every truncation and single-byte corruption of a unit: no crash. */
static void syn_fuzz(void)
{
	static struct syn y, z;
	struct dwarf_scope sc[8];
	size_t n;
	memset(&y, 0, sizeof(y));
	syn_abbrevs(&y.abbrev);
	syn_unit(&y.info, false, 0x1000, false);
	for (size_t i = 0; i < y.info.n + y.abbrev.n; i++) {
		for (int v = 0; v < 3; v++) {
			z = y;
			uint8_t *p = i < y.info.n ? &z.info.d[i] : &z.abbrev.d[i - y.info.n];
			*p = v == 0 ? 0xff : v == 1 ? 0x00 : (uint8_t)(*p + 1);
			struct dwarf_info *di = syn_open(&z, 0);
			cor_error_free(syn_scopes(di, 0x1014, sc, &n));
			cor_error_free(syn_scopes(di, 0x1004, sc, &n));
			dwarf_info_free(di);
		}
		z = y;
		z.info.n = i < y.info.n ? i : y.info.n;
		struct dwarf_info *di = syn_open(&z, 0);
		cor_error_free(syn_scopes(di, 0x1014, sc, &n));
		dwarf_info_free(di);
	}
	CHECK(1);
}

int main(void)
{
	syn_basic(false);
	syn_basic(true);
	syn_malformed();
	syn_deep(100, 0, true);
	syn_deep(200, 0, false);
	syn_deep(200, 300, true);
	syn_refs();
	syn_indirect_limit();
	syn_v5();
	syn_line();
	syn_budget();
	syn_nocov();
	syn_fuzz();

	snprintf(tmp, sizeof(tmp), "/tmp/coroner-info-XXXXXX");
	if (!mkdtemp(tmp) || system("gcc --version >/dev/null 2>&1") ||
	    system("addr2line --version >/dev/null 2>&1")) {
		printf("gcc or addr2line missing: real programs skipped\n");
	} else {
		real_programs();
		dwz_programs();
		check_many_units();
		if (!getenv("COR_TEST_KEEP"))
			sh("rm -rf %s", tmp);
		else
			printf("kept %s\n", tmp);
	}
	return T_DONE();
}
