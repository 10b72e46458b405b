/* The DWARF type reader (lib/dwarf/type.c) on programs built at test time
 * with gcc (DWARF 2, 4, 5, type units in .debug_types and DW_UT_type) and
 * clang. Oracles: the program's own sizeof/offsetof and the bytes of an
 * object whose bit fields it set (compiled by the same compiler), and gdb's
 * `whatis` of each typedef for the type names. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "dwarf/info.h"
#include "dwarf/type.h"
#include "dwarf/dw.h"
#include "t.h"
#include "tobj.h"

static char tmp[64];

static const char src[] =
	"#include <stddef.h>\n"
	"#include <stdio.h>\n"
	"enum color { RED, GREEN = 5, BLUE = -2 };\n"
	"typedef unsigned long ulong_t;\n"
	"struct inner { short s; char c; };\n"
	"struct node {\n"
	"\tint a;\n"
	"\tstruct node *next;\n"
	"\tstruct inner in[3][2];\n"
	"\tunsigned bf1 : 3, bf2 : 7;\n"
	"\tsigned bf3 : 5;\n"
	"\tunion { int u_i; float u_f; };\n"
	"\tconst char *name;\n"
	"\tenum color col;\n"
	"\tulong_t ul;\n"
	"\tvoid (*fn)(int, char *);\n"
	"\tunsigned long long wide : 40;\n"
	"\tint flex[];\n"
	"};\n"
	"typedef struct node node_t;\n"
	"typedef const char *const cs_t;\n"
	"typedef int (*arr_ptr_t)[4];\n"
	"typedef void (*fn_t)(int, char *);\n"
	"typedef int grid_t[3][2];\n"
	"typedef volatile unsigned char *vbuf_t;\n"
	"typedef int (*vfn_t)(const char *, ...);\n"
	"typedef node_t *nodes_t[2];\n"
	"typedef struct { int x; } anon_t;\n"
	"typedef enum color color_t;\n"
	"node_t g_node; cs_t g_cs = \"x\"; arr_ptr_t g_ap; fn_t g_fn; grid_t g_grid;\n"
	"vbuf_t g_vb; vfn_t g_vfn = printf; nodes_t g_ns; anon_t g_an; color_t g_col;\n"
	"#define OFF(m) printf(\"off %s %zu\\n\", #m, offsetof(struct node, m))\n"
	"int main(void)\n"
	"{\n"
	"\tunsigned char *p = (unsigned char *)&g_node;\n"
	"\tprintf(\"size node %zu\\n\", sizeof(struct node));\n"
	"\tprintf(\"size inner %zu\\n\", sizeof(struct inner));\n"
	"\tOFF(a); OFF(next); OFF(in); OFF(u_i); OFF(u_f); OFF(name); OFF(col);\n"
	"\tOFF(ul); OFF(fn); OFF(flex);\n"
	"\tg_node.bf1 = 5; g_node.bf2 = 99; g_node.bf3 = -7;\n"
	"\tg_node.wide = 0x12345678abull;\n"
	"\tprintf(\"bytes\");\n"
	"\tfor (size_t i = 0; i < sizeof(g_node); i++)\n"
	"\t\tprintf(\" %02x\", p[i]);\n"
	"\tprintf(\"\\n\");\n"
	"\treturn 0;\n"
	"}\n";

static const char *const typedefs[] = {
	"node_t", "cs_t", "arr_ptr_t", "fn_t", "grid_t", "vbuf_t", "vfn_t", "nodes_t",
	"anon_t", "color_t", "ulong_t",
};

struct facts {
	unsigned long size_node, size_inner;
	struct { char name[32]; unsigned long off; } offs[16];
	size_t noffs;
	unsigned char bytes[512];
	size_t nbytes;
	char whatis[sizeof(typedefs) / sizeof(typedefs[0])][256];
	bool have_gdb;
};

static bool run(const char *cmd)
{
	return system(cmd) == 0;
}

static bool read_facts(const char *path, struct facts *f)
{
	FILE *in = fopen(path, "r");
	char line[4096];
	if (!in)
		return false;
	while (fgets(line, sizeof(line), in)) {
		char name[32];
		unsigned long v;
		if (sscanf(line, "size node %lu", &v) == 1)
			f->size_node = v;
		else if (sscanf(line, "size inner %lu", &v) == 1)
			f->size_inner = v;
		else if (sscanf(line, "off %31s %lu", name, &v) == 2 && f->noffs < 16) {
			snprintf(f->offs[f->noffs].name, sizeof(f->offs[0].name), "%s", name);
			f->offs[f->noffs++].off = v;
		} else if (!strncmp(line, "bytes", 5)) {
			char *s = line + 5;
			unsigned b;
			int n;
			while (f->nbytes < sizeof(f->bytes) && sscanf(s, " %2x%n", &b, &n) == 1) {
				f->bytes[f->nbytes++] = (unsigned char)b;
				s += n;
			}
		}
	}
	fclose(in);
	return f->size_node && f->nbytes == f->size_node;
}

/* gdb's `whatis T` of each of n names ("type = ..."), into out; how many
 * gdb answered (all n, or fewer: no gdb, or it failed). */
static size_t gdb_whatis(const char *exe, const char *const *names, size_t n,
			 char (*out)[256])
{
	char cmd[4096], line[256];
	size_t len = 0, i = 0;
	len += snprintf(cmd + len, sizeof(cmd) - len, "gdb -nx -batch");
	for (size_t k = 0; k < n; k++)
		len += snprintf(cmd + len, sizeof(cmd) - len, " -ex 'whatis %s'", names[k]);
	snprintf(cmd + len, sizeof(cmd) - len, " %s 2>/dev/null", exe);
	FILE *p = popen(cmd, "r");
	if (!p)
		return 0;
	while (i < n && fgets(line, sizeof(line), p)) {
		if (strncmp(line, "type = ", 7))
			continue;
		line[strcspn(line, "\n")] = 0;
		snprintf(out[i++], sizeof(out[0]), "%s", line + 7);
	}
	return pclose(p) == 0 ? i : 0;
}

static void read_whatis(const char *exe, struct facts *f)
{
	size_t n = sizeof(typedefs) / sizeof(typedefs[0]);
	f->have_gdb = gdb_whatis(exe, typedefs, n, f->whatis) == n;
}

static unsigned long off_of(const struct facts *f, const char *name)
{
	for (size_t i = 0; i < f->noffs; i++)
		if (!strcmp(f->offs[i].name, name))
			return f->offs[i].off;
	return (unsigned long)-1;
}

static const char *type_name(struct dwarf_info *di, const struct dwarf_type *t)
{
	static char buf[256];
	struct strbuf sb = {0};
	dwarf_type_name(di, t, &sb);
	char *s = sb_take(&sb);
	snprintf(buf, sizeof(buf), "%s", s ? s : "(oom)");
	free(s);
	return buf;
}

static void check_build(const char *label, const char *cc, const char *flags)
{
	char exe[128], cmd[1024], out[128];
	struct facts f = {0};
	struct tobj o;
	struct dwarf_info *di = NULL;
	snprintf(exe, sizeof(exe), "%s/t_%s", tmp, label);
	snprintf(out, sizeof(out), "%s/t_%s.out", tmp, label);
	snprintf(cmd, sizeof(cmd), "%s %s -O0 -o %s %s/types.c && %s > %s", cc, flags, exe, tmp,
		 exe, out);
	if (!run(cmd)) {
		printf("   skip %s: %s %s does not build here\n", label, cc, flags);
		return;
	}
	CHECK(read_facts(out, &f));
	read_whatis(exe, &f);
	if (!load_obj(exe, &o) || o.compressed) {
		CHECK(!"load");
		return;
	}
	CHECK(!dwarf_info_new(&o.s, NULL, &di));

	const struct dwarf_type *node = dwarf_type_find(di, "node");
	CHECK(node && node->kind == DWT_STRUCT);
	if (!node)
		goto out;
	CHECK_EQ(node->size, f.size_node);
	const char *plain[] = { "a", "next", "in", "u_i", "u_f", "name", "col", "ul", "fn", "flex" };
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		uint64_t off = ~0ull;
		const struct dwarf_member *m = dwarf_type_member(di, node, plain[i], &off);
		CHECK(m != NULL);
		CHECK_EQ(off, off_of(&f, plain[i]));
	}
	/* members' types */
	uint64_t off;
	const struct dwarf_member *m = dwarf_type_member(di, node, "next", &off);
	const struct dwarf_type *t = m ? dwarf_member_type(di, m) : NULL;
	CHECK(t && t->kind == DWT_POINTER && dwarf_type_target(di, t) == node);
	m = dwarf_type_member(di, node, "in", &off);
	t = m ? dwarf_member_type(di, m) : NULL;
	CHECK(t && t->kind == DWT_ARRAY && t->ndims == 2 && t->dims[0].count == 3 &&
	      t->dims[1].count == 2);
	uint64_t sz = 0;
	CHECK(t && dwarf_type_size(di, t, &sz) && sz == 6 * f.size_inner);
	m = dwarf_type_member(di, node, "flex", &off);
	t = m ? dwarf_member_type(di, m) : NULL;
	CHECK(t && t->kind == DWT_ARRAY && t->ndims == 1 && !(t->dims[0].count_known &&
								 t->dims[0].count));
	m = dwarf_type_member(di, node, "col", &off);
	t = m ? dwarf_type_strip(di, dwarf_member_type(di, m)) : NULL;
	CHECK(t && t->kind == DWT_ENUM && t->nenums == 3 && t->is_signed);
	if (t && t->nenums == 3) {
		CHECK_STR(t->enums[1].name, "GREEN");
		CHECK_EQ(t->enums[1].value, 5);
		CHECK_EQ((int64_t)t->enums[2].value, -2);
	}
	m = dwarf_type_member(di, node, "ul", &off);
	t = m ? dwarf_type_strip(di, dwarf_member_type(di, m)) : NULL;
	CHECK(t && t->kind == DWT_BASE && !t->is_signed && t->size == sizeof(unsigned long));
	/* bit fields against the bytes the program set */
	static const struct { const char *name; int64_t v; } bits[] = {
		{ "bf1", 5 }, { "bf2", 99 }, { "bf3", -7 }, { "wide", 0x12345678ab },
	};
	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		uint64_t v = 0;
		m = dwarf_type_member(di, node, bits[i].name, &off);
		CHECK(m && m->bit_size);
		if (!m || !m->bit_size)
			continue;
		CHECK(dwarf_bitfield(m, false, f.bytes, f.nbytes, &v));
		t = dwarf_type_strip(di, dwarf_member_type(di, m));
		if (t->is_signed && m->bit_size < 64 && (v >> (m->bit_size - 1)) & 1)
			v |= ~0ull << m->bit_size;
		CHECK_EQ(v, (uint64_t)bits[i].v);
	}
	/* names as gdb writes them */
	for (size_t i = 0; f.have_gdb && i < sizeof(typedefs) / sizeof(typedefs[0]); i++) {
		const struct dwarf_type *td = dwarf_type_find(di, typedefs[i]);
		CHECK(td && td->kind == DWT_TYPEDEF);
		if (!td)
			continue;
		const char *got = type_name(di, dwarf_type_target(di, td));
		if (strcmp(got, f.whatis[i]))
			fprintf(stderr, "   %s %s: \"%s\" vs gdb \"%s\"\n", label, typedefs[i], got,
				f.whatis[i]);
		CHECK_STR(got, f.whatis[i]);
	}
	if (!f.have_gdb)
		printf("   %s: gdb not here, names not compared\n", label);
	CHECK(dwarf_type_find(di, "no_such_type") == NULL);
out:
	dwarf_info_free(di);
	free(o.data);
}

/* A typedef of itself and a pointer cycle stay bounded. */
static void check_hostile(void)
{
	char cmd[512], exe[128];
	struct tobj o;
	struct dwarf_info *di = NULL;
	snprintf(exe, sizeof(exe), "%s/t_cycle", tmp);
	/* struct a { struct a *self; } and a long typedef chain */
	snprintf(cmd, sizeof(cmd),
		 "printf 'struct a { struct a *self; };\\n"
		 "typedef struct a t0; typedef t0 t1; typedef t1 t2; typedef t2 t3;\\n"
		 "t3 g; int main(void){return 0;}\\n' > %s/cycle.c && "
		 "gcc -g -gdwarf-4 -o %s %s/cycle.c", tmp, exe, tmp);
	if (!run(cmd) || !load_obj(exe, &o)) {
		CHECK(!"build cycle");
		return;
	}
	CHECK(!dwarf_info_new(&o.s, NULL, &di));
	const struct dwarf_type *t = dwarf_type_find(di, "t3");
	CHECK(t != NULL);
	if (t) {
		const struct dwarf_type *s = dwarf_type_strip(di, t);
		CHECK(s->kind == DWT_STRUCT);
		uint64_t off;
		const struct dwarf_member *m = dwarf_type_member(di, s, "self", &off);
		CHECK(m && dwarf_type_target(di, dwarf_member_type(di, m)) == s);
		CHECK_STR(type_name(di, t), "t3");
	}
	/* a DIE that is no type: an unknown node naming the offset */
	t = dwarf_type_at(di, false, 0);
	CHECK(t && t->kind == DWT_UNKNOWN && t->name);
	dwarf_info_free(di);
	free(o.data);
}

/* C++: names qualified by namespaces and classes, found by them; a class
 * with a base class and a reference type. */
static void check_cpp(void)
{
	char cmd[1024], exe[128];
	struct tobj o;
	struct dwarf_info *di = NULL;
	snprintf(exe, sizeof(exe), "%s/t_cpp", tmp);
	snprintf(cmd, sizeof(cmd),
		 "printf 'namespace ns { struct Base { long b; };\n"
		 "struct S : Base { int x; struct In { char c; } in; int &ref; S(int &r) : ref(r) {} };\n"
		 "typedef S *sp_t; typedef int (&ar_t)[3]; }\n"
		 "int v; ns::S g(v); ns::sp_t gp; int arr[3]; ns::ar_t gr = arr;\n"
		 "int main() { return g.x; }\n' > %s/cpp.cc && g++ -g -o %s %s/cpp.cc",
		 tmp, exe, tmp);
	if (!run(cmd) || !load_obj(exe, &o)) {
		printf("   skip C++: g++ does not build here\n");
		return;
	}
	CHECK(!dwarf_info_new(&o.s, NULL, &di));
	const struct dwarf_type *s = dwarf_type_find(di, "ns::S");
	CHECK(s && s->kind == DWT_STRUCT);
	CHECK(dwarf_type_find(di, "ns::S::In") != NULL);
	CHECK(dwarf_type_find(di, "S") == NULL);
	if (s) {
		uint64_t off = ~0ull;
		/* b of the base class at 0, x after it */
		const struct dwarf_member *m = dwarf_type_member(di, s, "b", &off);
		CHECK(m && off == 0);
		m = dwarf_type_member(di, s, "x", &off);
		CHECK(m && off == sizeof(long));
		m = dwarf_type_member(di, s, "ref", &off);
		CHECK(m && dwarf_member_type(di, m)->kind == DWT_REFERENCE);
		CHECK_STR(s->name, "ns::S");
	}
	static const char *const tds[] = { "ns::sp_t", "ns::ar_t" };
	char want[2][256];
	size_t got = gdb_whatis(exe, tds, 2, want);
	for (size_t i = 0; i < 2; i++) {
		const struct dwarf_type *td = dwarf_type_find(di, tds[i]);
		CHECK(td != NULL);
		if (td && got == 2)
			CHECK_STR(type_name(di, dwarf_type_target(di, td)), want[i]);
	}
	dwarf_info_free(di);
	free(o.data);
}

/* Function types fanning out: 16 levels of typedefs of pointers to
 * functions of 100 parameters of the level below, the typedefs turned into
 * const types in .debug_abbrev (as a hostile file may have them): the name
 * stays bounded in work and length (it was 100^16 steps). */
static void check_fanout(void)
{
	char path[128], exe[128], cmd[512];
	struct tobj o;
	struct dwarf_info *di = NULL;
	snprintf(path, sizeof(path), "%s/fan.c", tmp);
	snprintf(exe, sizeof(exe), "%s/t_fan", tmp);
	FILE *f = fopen(path, "w");
	if (!f)
		return;
	fprintf(f, "typedef void (*f0)(int);\n");
	for (int l = 1; l <= 16; l++) {
		fprintf(f, "typedef void (*f%d)(", l);
		for (int i = 0; i < 100; i++)
			fprintf(f, "%sf%d", i ? "," : "", l - 1);
		fprintf(f, ");\n");
	}
	fprintf(f, "f16 g; int main(void) { return g != 0; }\n");
	fclose(f);
	snprintf(cmd, sizeof(cmd), "gcc -g -gdwarf-4 -o %s %s", exe, path);
	if (!run(cmd) || !load_obj(exe, &o) || o.compressed) {
		CHECK(!"build fan");
		return;
	}
	/* every abbreviation of DW_TAG_typedef made DW_TAG_const_type */
	struct reader r;
	uint8_t *ab = (uint8_t *)o.s.abbrev.data;
	reader_init(&r, ab, o.s.abbrev.size, false, 8);
	size_t patched = 0;
	while (!reader_at_end(&r)) {
		uint64_t code, tag, name, form;
		uint8_t children;
		if (!reader_uleb(&r, &code) || !code) {
			if (!code)
				continue;
			break;
		}
		size_t at = reader_off(&r);
		if (!reader_uleb(&r, &tag) || !reader_u8(&r, &children))
			break;
		if (tag == DW_TAG_typedef) {
			ab[at] = DW_TAG_const_type;
			patched++;
		}
		do {
			if (!reader_uleb(&r, &name) || !reader_uleb(&r, &form))
				break;
			if (form == DW_FORM_implicit_const) {
				int64_t v;
				reader_sleb(&r, &v);
			}
		} while (name || form);
	}
	CHECK(patched > 0);
	CHECK(!dwarf_info_new(&o.s, NULL, &di));
	const struct dwarf_type *t = dwarf_type_find(di, "f16");
	CHECK(t && t->kind == DWT_CONST);
	if (t) {
		time_t t0 = time(NULL);
		struct strbuf sb = {0};
		dwarf_type_name(di, dwarf_type_target(di, t), &sb);
		CHECK(sb.s && sb.len < 8192 && strstr(sb.s, "..."));
		CHECK(time(NULL) - t0 < 5);
		sb_free(&sb);
	}
	dwarf_info_free(di);
	free(o.data);
}

int main(void)
{
	char path[128];
	snprintf(tmp, sizeof(tmp), "/tmp/cor_type_XXXXXX");
	if (!mkdtemp(tmp) || system("gcc --version >/dev/null 2>&1")) {
		printf("   skip: no gcc\n0 passed, 0 failed\n");
		return 0;
	}
	snprintf(path, sizeof(path), "%s/types.c", tmp);
	FILE *f = fopen(path, "w");
	if (!f || fputs(src, f) < 0 || fclose(f)) {
		printf("cannot write %s\n", path);
		return 1;
	}
	check_build("gcc_dwarf5", "gcc", "-g -gdwarf-5");
	check_build("gcc_dwarf4", "gcc", "-g -gdwarf-4");
	check_build("gcc_dwarf2", "gcc", "-g -gdwarf-2 -gstrict-dwarf");
	check_build("gcc_types4", "gcc", "-g -gdwarf-4 -fdebug-types-section");
	check_build("gcc_types5", "gcc", "-g -gdwarf-5 -fdebug-types-section");
	check_build("clang_dwarf5", "clang", "-g -gdwarf-5");
	check_build("clang_dwarf4", "clang", "-g -gdwarf-4");
	check_hostile();
	check_cpp();
	check_fanout();
	snprintf(path, sizeof(path), "rm -rf %s", tmp);
	if (system(path))
		return 1;
	return T_DONE();
}
