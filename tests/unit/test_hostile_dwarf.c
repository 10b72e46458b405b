/* Hostile DWARF and CFI beside a good core (issue 15): every input is made
 * here, at test time, and each test asserts the bound in work or memory
 * (tables shared: counted; walks cut: counted and an error kept; counts
 * from the input refused before allocating), not a time. bench/hostile.py
 * times the same shapes. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "t.h"
#include "coroner.h"
#include "corewriter.h"
#include "elf.h"
#include "dwarf/cfi.h"
#include "dwarf/info.h"

/* ---- growing byte buffers ---------------------------------------------- */

struct hb {
	uint8_t *p;
	size_t n, cap;
};

static void hb_need(struct hb *b, size_t more)
{
	if (b->n + more <= b->cap)
		return;
	b->cap = 2 * (b->n + more) + 256;
	b->p = realloc(b->p, b->cap);
	if (!b->p)
		abort();
}

static void le(struct hb *b, uint64_t v, unsigned size)
{
	hb_need(b, size);
	for (unsigned i = 0; i < size; i++, v >>= 8)
		b->p[b->n++] = (uint8_t)v;
}

static void ul(struct hb *b, uint64_t v)
{
	for (;;) {
		uint8_t byte = v & 0x7f;
		v >>= 7;
		le(b, byte | (v ? 0x80u : 0u), 1);
		if (!v)
			return;
	}
}

static void sz(struct hb *b, const char *s)
{
	size_t k = strlen(s) + 1;
	hb_need(b, k);
	memcpy(b->p + b->n, s, k);
	b->n += k;
}

static void fill(struct hb *b, uint8_t v, size_t k)
{
	hb_need(b, k);
	memset(b->p + b->n, v, k);
	b->n += k;
}

static void hb_free(struct hb *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* A 32-bit DWARF unit length at at, covering what followed. */
static void close_len(struct hb *b, size_t at)
{
	uint64_t len = b->n - at - 4;
	for (unsigned i = 0; i < 4; i++)
		b->p[at + i] = (uint8_t)(len >> (8 * i));
}

enum { TAG_cu = 0x11, AT_name = 0x03, AT_stmt_list = 0x10, AT_low = 0x11,
	AT_high = 0x12, AT_comp_dir = 0x1b, FORM_addr = 0x01, FORM_data4 = 0x06,
	FORM_string = 0x08, FORM_sec_offset = 0x17, FORM_data16 = 0x1e };

/* A v4 unit header naming abbrev_off; returns where its length goes. */
static size_t unit4(struct hb *info, uint32_t abbrev_off)
{
	size_t at = info->n;
	le(info, 0, 4);
	le(info, 4, 2);
	le(info, abbrev_off, 4);
	le(info, 8, 1);
	return at;
}

static struct dwarf_info *open_secs(const struct dwarf_sections *s, uint32_t max_depth)
{
	struct limits lim;
	struct cor_limits cl = { .max_depth = max_depth };
	struct dwarf_info *di = NULL;
	limits_resolve(&lim, &cl);
	CHECK(!dwarf_info_new(s, &lim, &di));
	return di;
}

/* The scopes of pc 0x1000 in .debug_info/.debug_abbrev of info, ab; the
 * dwarf_info stays open in *out for its statistics. */
static cor_error *scopes_of(const struct hb *info, const struct hb *ab, const char *path,
			    struct dwarf_info **out, size_t *n)
{
	static struct dwarf_sections s;
	struct dwarf_scope sc[4];
	memset(&s, 0, sizeof(s));
	s.addr_size = 8;
	s.path = path;
	s.info = (struct dwarf_section){ info->p, info->n, 0 };
	s.abbrev = (struct dwarf_section){ ab->p, ab->n, 0 };
	*out = open_secs(&s, 0);
	return dwarf_info_scopes(*out, 0x1000, sc, 4, n);
}

static bool msg_has(cor_error *err, const char *want)
{
	bool ok = err && strstr(cor_error_message(err), want);
	if (err && !ok)
		fprintf(stderr, "    got: %s\n", cor_error_message(err));
	return ok;
}

/* A v4 line program: one file x.c (dir 0), one sequence [lo, lo + 0x100)
 * at line 7 (pad: bytes of DW_LNS_negate_stmt pairs, to make it long). */
static void line_program(struct hb *l, uint64_t lo, size_t pad)
{
	static const uint8_t std_len[12] = { 0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1 };
	size_t at = l->n;
	le(l, 0, 4);
	le(l, 4, 2);
	size_t hl = l->n;
	le(l, 0, 4);
	le(l, 1, 1);     /* min_inst */
	le(l, 1, 1);     /* max_ops */
	le(l, 1, 1);     /* default_is_stmt */
	le(l, 0xfb, 1);  /* line_base -5 */
	le(l, 14, 1);    /* line_range */
	le(l, 13, 1);    /* opcode_base */
	for (unsigned i = 0; i < 12; i++)
		le(l, std_len[i], 1);
	le(l, 0, 1);     /* no include directories */
	sz(l, "x.c");
	ul(l, 0); ul(l, 0); ul(l, 0);
	le(l, 0, 1);
	uint32_t hlen = (uint32_t)(l->n - hl - 4);
	memcpy(l->p + hl, &hlen, 4);
	le(l, 0, 1); ul(l, 9); le(l, 2, 1); le(l, lo, 8);   /* set_address */
	le(l, 3, 1); ul(l, 6);                              /* advance_line: 7 */
	for (size_t i = 0; i + 1 < pad; i += 2)
		le(l, 6, 1), le(l, 6, 1);                   /* negate_stmt twice */
	le(l, 1, 1);                                        /* copy */
	le(l, 2, 1); ul(l, 0x100);                          /* advance_pc */
	le(l, 0, 1); ul(l, 1); le(l, 1, 1);                 /* end_sequence */
	close_len(l, at);
}

/* ---- abbreviation tables ---------------------------------------------- */

/* 400 units, each naming its own offset inside one long table that ends
 * only at the section's end: read once in all, not once per unit. */
static void abbrev_overlap(void)
{
	struct hb ab = {0}, info = {0};
	const unsigned units = 400, decls = 60000;
	/* codes 2..decls: junk declarations; code 1 (last): the unit DIE */
	size_t *decl_at = malloc(decls * sizeof(*decl_at));
	for (unsigned k = 2; k <= decls; k++) {
		decl_at[k - 2] = ab.n;
		ul(&ab, k); ul(&ab, 0x34); le(&ab, 0, 1);
		ul(&ab, AT_name); ul(&ab, FORM_string); ul(&ab, 0); ul(&ab, 0);
	}
	ul(&ab, 1); ul(&ab, TAG_cu); le(&ab, 0, 1);
	ul(&ab, AT_name); ul(&ab, FORM_string); ul(&ab, 0); ul(&ab, 0);
	ul(&ab, 0);
	for (unsigned u = 0; u < units; u++) {
		size_t at = unit4(&info, (uint32_t)decl_at[u * (decls / units)]);
		ul(&info, 1);
		sz(&info, "u.c");
		close_len(&info, at);
	}
	struct dwarf_info *di;
	struct dwarf_scope sc[4];
	size_t n = 99;
	cor_error *err = scopes_of(&info, &ab, "overlap", &di, &n);
	CHECK_EQ(n, 0);
	/* the units past the allowance fail, with a limit naming it */
	CHECK(err && cor_error_code(err) == COR_ERR_LIMIT);
	CHECK(msg_has(err, "abbreviation tables overlap"));
	cor_error_free(err);
	struct dwarf_info_stats st;
	dwarf_info_stats(di, &st);
	CHECK_EQ(st.units, units);
	CHECK(st.abbrev_bytes <= ab.n + 65536 + 64);
	CHECK(st.abbrev_tables >= 1 && st.abbrev_tables < units / 2);
	/* again: nothing more is read */
	uint64_t before = st.abbrev_bytes;
	cor_error_free(dwarf_info_scopes(di, 0x1000, sc, 4, &n));
	dwarf_info_stats(di, &st);
	CHECK(st.abbrev_bytes <= before + 65536);
	dwarf_info_free(di);

	/* 400 units naming one offset share one table, read once */
	info.n = 0;
	for (unsigned u = 0; u < units; u++) {
		size_t at = unit4(&info, (uint32_t)decl_at[decls - 2]);
		ul(&info, 1);
		sz(&info, "u.c");
		close_len(&info, at);
	}
	CHECK(!scopes_of(&info, &ab, "shared", &di, &n));
	dwarf_info_stats(di, &st);
	CHECK_EQ(st.abbrev_tables, 1);
	CHECK(st.abbrev_bytes < 64);
	dwarf_info_free(di);
	free(decl_at);
	hb_free(&ab);
	hb_free(&info);
}

/* One table of more declarations than any real one: refused as a limit
 * while it is read, whatever the section's size. */
static void abbrev_huge(void)
{
	struct hb ab = {0}, info = {0};
	for (unsigned k = 1; k <= (1u << 18) + 10; k++) {
		ul(&ab, k); ul(&ab, TAG_cu); le(&ab, 0, 1);
		ul(&ab, 0); ul(&ab, 0);
	}
	ul(&ab, 0);
	size_t at = unit4(&info, 0);
	ul(&info, 1);
	close_len(&info, at);
	struct dwarf_info *di;
	size_t n;
	cor_error *err = scopes_of(&info, &ab, "huge", &di, &n);
	CHECK(err && cor_error_code(err) == COR_ERR_LIMIT);
	CHECK(msg_has(err, "more than 262144 abbreviations"));
	cor_error_free(err);
	dwarf_info_free(di);
	hb_free(&ab);
	hb_free(&info);
}

/* ---- line tables --------------------------------------------------------- */

/* 1000 units without ranges, one line program (made long): decoded once,
 * not once per unit; a unit with another comp_dir joins its own paths. */
static void lines_shared(void)
{
	struct hb ab = {0}, info = {0}, line = {0};
	const unsigned units = 1000;
	line_program(&line, 0x1000, 200000);
	/* 1: unit with name, comp_dir, stmt_list; 2: the same with low/high */
	ul(&ab, 1); ul(&ab, TAG_cu); le(&ab, 0, 1);
	ul(&ab, AT_name); ul(&ab, FORM_string); ul(&ab, AT_comp_dir); ul(&ab, FORM_string);
	ul(&ab, AT_stmt_list); ul(&ab, FORM_sec_offset); ul(&ab, 0); ul(&ab, 0);
	ul(&ab, 2); ul(&ab, TAG_cu); le(&ab, 0, 1);
	ul(&ab, AT_name); ul(&ab, FORM_string); ul(&ab, AT_comp_dir); ul(&ab, FORM_string);
	ul(&ab, AT_stmt_list); ul(&ab, FORM_sec_offset); ul(&ab, AT_low); ul(&ab, FORM_addr);
	ul(&ab, AT_high); ul(&ab, FORM_data4); ul(&ab, 0); ul(&ab, 0);
	ul(&ab, 0);
	for (unsigned u = 0; u < units; u++) {
		size_t at = unit4(&info, 0);
		ul(&info, 1);
		sz(&info, "x.c");
		sz(&info, "/src");
		le(&info, 0, 4);
		close_len(&info, at);
	}
	struct dwarf_sections s = { .addr_size = 8, .path = "lines" };
	s.abbrev = (struct dwarf_section){ ab.p, ab.n, 0 };
	s.line = (struct dwarf_section){ line.p, line.n, 0 };
	s.info = (struct dwarf_section){ info.p, info.n, 0 };
	struct dwarf_info *di = open_secs(&s, 0);
	const char *file;
	uint32_t ln, col;
	CHECK(!dwarf_info_line(di, 0x1004, &file, &ln, &col));
	CHECK_STR(file, "/src/x.c");
	CHECK_EQ(ln, 7);
	/* a pc no sequence has: every unit is asked, one table decoded */
	CHECK(!dwarf_info_line(di, 0x9000, &file, &ln, &col));
	CHECK(file == NULL);
	struct dwarf_info_stats st;
	dwarf_info_stats(di, &st);
	CHECK_EQ(st.units, units);
	CHECK_EQ(st.line_tables, 1);
	CHECK_EQ(st.line_views, 0);
	dwarf_info_free(di);

	/* two units with ranges and other comp_dirs, one program */
	info.n = 0;
	const char *dirs[2] = { "/a", "/b" };
	for (unsigned u = 0; u < 2; u++) {
		size_t at = unit4(&info, 0);
		ul(&info, 2);
		sz(&info, "x.c");
		sz(&info, dirs[u]);
		le(&info, 0, 4);
		le(&info, 0x1000 + 0x80 * u, 8);
		le(&info, 0x80, 4);
		close_len(&info, at);
	}
	s.info = (struct dwarf_section){ info.p, info.n, 0 };
	di = open_secs(&s, 0);
	CHECK(!dwarf_info_line(di, 0x1004, &file, &ln, &col));
	CHECK_STR(file, "/a/x.c");
	CHECK(!dwarf_info_line(di, 0x1084, &file, &ln, &col));
	CHECK_STR(file, "/b/x.c");
	CHECK(!dwarf_info_line(di, 0x1008, &file, &ln, &col));
	CHECK_STR(file, "/a/x.c");
	dwarf_info_stats(di, &st);
	CHECK_EQ(st.line_tables, 1);
	CHECK_EQ(st.line_views, 1);
	dwarf_info_free(di);
	hb_free(&ab);
	hb_free(&info);
	hb_free(&line);
}

/* No .debug_info: a zero-filled .debug_line (what a compressed bomb
 * decompresses to) is skipped in one step; 4-byte units too short for a
 * header are skipped without decoding, and the walk stops at a bound. */
static void lines_fallback(void)
{
	struct hb line = {0};
	fill(&line, 0, 64u << 20);
	struct dwarf_sections s = { .addr_size = 8, .path = "zeros" };
	s.line = (struct dwarf_section){ line.p, line.n, 0 };
	struct dwarf_info *di = open_secs(&s, 0);
	const char *file;
	uint32_t ln, col;
	cor_error *err = dwarf_info_line(di, 0x1000, &file, &ln, &col);
	CHECK(msg_has(err, "67108864 zero bytes skipped"));
	cor_error_free(err);
	struct dwarf_info_stats st;
	dwarf_info_stats(di, &st);
	CHECK_EQ(st.fallback_walked, 1);
	CHECK_EQ(st.fallback_tables, 0);
	dwarf_info_free(di);

	/* a good program, then a million units of length 1 */
	line.n = 0;
	line_program(&line, 0x1000, 0);
	for (unsigned i = 0; i < 1000000; i++)
		le(&line, 1, 4), le(&line, 0, 1);
	s.line = (struct dwarf_section){ line.p, line.n, 0 };
	di = open_secs(&s, 0);
	CHECK(!dwarf_info_line(di, 0x1004, &file, &ln, &col));
	CHECK_STR(file, "x.c");
	err = dwarf_info_line(di, 0x9000, &file, &ln, &col);
	CHECK(msg_has(err, "too short for a line program header"));
	cor_error_free(err);
	dwarf_info_stats(di, &st);
	CHECK_EQ(st.fallback_tables, 1);
	CHECK_EQ(st.fallback_walked, 1u << 17);
	dwarf_info_free(di);
	hb_free(&line);
}

/* A v5 header: files and directories counted from the input. */
static cor_error *v5_program(uint64_t count, uint64_t form, size_t data, struct hb *line)
{
	struct hb ab = {0}, info = {0};
	size_t at = line->n = 0;
	le(line, 0, 4);
	le(line, 5, 2);
	le(line, 8, 1); le(line, 0, 1);      /* address_size, seg_sel_size */
	size_t hl = line->n;
	le(line, 0, 4);
	le(line, 1, 1); le(line, 1, 1); le(line, 1, 1); le(line, 0xfb, 1);
	le(line, 14, 1); le(line, 13, 1);
	fill(line, 0, 12);
	le(line, 1, 1); ul(line, 1); ul(line, FORM_string);   /* directories: path */
	ul(line, 1); sz(line, "/d");
	le(line, 1, 1); ul(line, 1); ul(line, form);          /* files: path */
	ul(line, count);
	fill(line, form == FORM_string ? 0 : 'x', data);
	uint32_t hlen = (uint32_t)(line->n - hl - 4);
	memcpy(line->p + hl, &hlen, 4);
	close_len(line, at);
	ul(&ab, 1); ul(&ab, TAG_cu); le(&ab, 0, 1);
	ul(&ab, AT_stmt_list); ul(&ab, FORM_sec_offset); ul(&ab, AT_low); ul(&ab, FORM_addr);
	ul(&ab, AT_high); ul(&ab, FORM_data4); ul(&ab, 0); ul(&ab, 0); ul(&ab, 0);
	size_t u = unit4(&info, 0);
	ul(&info, 1); le(&info, 0, 4); le(&info, 0x1000, 8); le(&info, 0x100, 4);
	close_len(&info, u);
	struct dwarf_sections s = { .addr_size = 8, .path = "v5" };
	s.abbrev = (struct dwarf_section){ ab.p, ab.n, 0 };
	s.line = (struct dwarf_section){ line->p, line->n, 0 };
	s.info = (struct dwarf_section){ info.p, info.n, 0 };
	struct dwarf_info *di = open_secs(&s, 0);
	const char *file;
	uint32_t ln, col;
	cor_error *err = dwarf_info_line(di, 0x1004, &file, &ln, &col);
	dwarf_info_free(di);
	hb_free(&ab);
	hb_free(&info);
	return err;
}

static void lines_v5_counts(void)
{
	struct hb line = {0};
	/* 2^30 entries claimed, a few bytes present */
	cor_error *err = v5_program(1u << 30, FORM_string, 100, &line);
	CHECK(msg_has(err, "entry count 1073741824 exceeds header"));
	cor_error_free(err);
	/* 16-byte entries: 100 claimed, 1000 bytes present */
	err = v5_program(100, FORM_data16, 1000, &line);
	CHECK(msg_has(err, "entry count 100 exceeds header"));
	cor_error_free(err);
	/* present, but more than any real program: a limit */
	err = v5_program((1u << 20) + 1, FORM_string, (1u << 20) + 1, &line);
	CHECK(err && cor_error_code(err) == COR_ERR_LIMIT);
	CHECK(msg_has(err, "more than 1048576 file entries"));
	cor_error_free(err);
	/* a sane count is fine (no sequence covers the pc) */
	err = v5_program(3, FORM_string, 3, &line);
	CHECK(err == NULL);
	cor_error_free(err);
	hb_free(&line);
}

/* ---- CFI: remember/restore state -------------------------------------- */

static struct limits cfi_lim;
static unsigned bench_rows = 60;  /* rows cfi_pairs asks for */

/* One CIE (CFA r7+8, r16 at CFA-8) and one FDE [0x1000, 0x1000 + range). */
static struct cfi_table *cfi_one(struct hb *w, const uint8_t *ins, size_t n, uint32_t range)
{
	w->n = 0;
	size_t cie = w->n;
	le(w, 0, 4); le(w, 0, 4); le(w, 1, 1); sz(w, "zR");
	ul(w, 1); le(w, 0x78, 1); ul(w, 16);       /* code 1, data -8, ra 16 */
	ul(w, 1); le(w, 0x1b, 1);                  /* pcrel sdata4 */
	le(w, 0x0c, 1); ul(w, 7); ul(w, 8); le(w, 0x90, 1); ul(w, 1);
	while ((w->n - cie) % 4)
		le(w, 0, 1);
	close_len(w, cie);
	size_t fde = w->n;
	le(w, 0, 4);
	le(w, w->n - cie, 4);
	le(w, (uint32_t)(0x1000 - (0x2000 + w->n)), 4);
	le(w, range, 4);
	ul(w, 0);
	hb_need(w, n);
	memcpy(w->p + w->n, ins, n);
	w->n += n;
	while ((w->n - fde) % 4)
		le(w, 0, 1);
	close_len(w, fde);
	le(w, 0, 4);
	struct dwarf_section sec = { w->p, w->n, 0x2000 };
	struct cfi_params p = { .addr_size = 8, .limits = &cfi_lim, .path = "cfi",
				.is_eh_frame = true };
	struct cfi_table *t = NULL;
	CHECK(!cfi_table_new(&sec, &p, &t));
	return t;
}

static bool rule_is(const struct cfi_row *r, unsigned reg, enum cfi_rule_kind k, int64_t off)
{
	return r->regs[reg].kind == k && (k != CFI_OFFSET || r->regs[reg].off == off);
}

/* Nested levels: each restore gives back exactly the rules of its
 * remember, registers first set inside included. */
static void cfi_nested(void)
{
	static const uint8_t ins[] = {
		0x83, 2,             /* r3 at cfa-16 */
		0x0a,                /* remember (A) */
		0x83, 3,             /* r3 at cfa-24 */
		0x85, 4,             /* r5 at cfa-32 */
		0x0e, 32,            /* cfa offset 32 */
		0x41,                /* 0x1001: */
		0x0a,                /* remember (B) */
		0x83, 5, 0x83, 6,    /* r3 twice: logged once */
		0x07, 16,            /* r16 undefined */
		0x41,                /* 0x1002: */
		0x0b,                /* restore (B) */
		0x41,                /* 0x1003: */
		0x0b,                /* restore (A) */
		0x0a, 0x0b, 0x0a, 0x86, 1, 0x0b,   /* pairs leave nothing behind */
	};
	struct hb w = {0};
	struct cfi_table *t = cfi_one(&w, ins, sizeof(ins), 0x100);
	struct cfi_row r;
	/* a row holds the instructions up to the next advance past its pc */
	CHECK(!cfi_find_row(t, 0x1000, &r));
	CHECK(rule_is(&r, 3, CFI_OFFSET, -24) && rule_is(&r, 5, CFI_OFFSET, -32));
	CHECK_EQ(r.cfa_off, 32);
	CHECK(!cfi_find_row(t, 0x1001, &r));
	CHECK(rule_is(&r, 3, CFI_OFFSET, -48) && rule_is(&r, 16, CFI_UNDEFINED, 0));
	CHECK(!cfi_find_row(t, 0x1002, &r));
	CHECK(rule_is(&r, 3, CFI_OFFSET, -24) && rule_is(&r, 5, CFI_OFFSET, -32));
	CHECK(rule_is(&r, 16, CFI_OFFSET, -8));
	CHECK_EQ(r.cfa_off, 32);
	CHECK(!cfi_find_row(t, 0x1003, &r));
	CHECK(rule_is(&r, 3, CFI_OFFSET, -16) && rule_is(&r, 5, CFI_SAME, 0));
	CHECK(rule_is(&r, 16, CFI_OFFSET, -8) && rule_is(&r, 6, CFI_SAME, 0));
	CHECK_EQ(r.cfa_off, 8);
	cfi_table_free(t);
	hb_free(&w);
}

/* 499,990 remember/restore pairs, each changing a register, rows asked
 * at their own pcs (a frame each): the rows are right while the table's
 * pool for long rows lasts (about 48 of them), then each stops at 2^16
 * instructions with a limit; a short row of the same FDE still works. */
static void cfi_pairs(void)
{
	struct hb ins = {0}, w = {0};
	le(&ins, 0x81, 1); ul(&ins, 1);     /* 0x1000: r1 at cfa-8 */
	le(&ins, 0x41, 1);
	for (unsigned i = 0; i < 499990 / 2; i++) {
		le(&ins, 0x0a, 1);
		le(&ins, 0x80 | (i % 32), 1); ul(&ins, 3);
		le(&ins, 0x0b, 1);
	}
	le(&ins, 0x41, 1);                  /* 0x1002: r1 undefined */
	le(&ins, 0x07, 1); ul(&ins, 1);
	struct cfi_table *t = cfi_one(&w, ins.p, ins.n, 0x100);
	struct cfi_row r;
	unsigned ok = 0, limited = 0, other = 0;
	for (unsigned k = 0; k < bench_rows; k++) {
		cor_error *err = cfi_find_row(t, 0x1001 + (k & 1), &r);
		if (!err && !limited) {
			ok++;
			CHECK(rule_is(&r, 0, CFI_SAME, 0) && rule_is(&r, 16, CFI_OFFSET, -8));
			CHECK_EQ(r.regs[1].kind, k & 1 ? CFI_UNDEFINED : CFI_OFFSET);
		} else if (err && cor_error_code(err) == COR_ERR_LIMIT &&
			   strstr(cor_error_message(err), "long rows of this file")) {
			limited++;
		} else {
			other++;
		}
		cor_error_free(err);
	}
	CHECK(ok >= 40 && ok <= 60);
	CHECK_EQ(limited, bench_rows - ok);
	CHECK_EQ(other, 0);
	CHECK(!cfi_find_row(t, 0x1000, &r));
	CHECK(rule_is(&r, 1, CFI_OFFSET, -8));
	cfi_table_free(t);

	ins.n = 0;
	for (unsigned d = 0; d < 64; d++) {
		le(&ins, 0x0a, 1);
		for (unsigned reg = 0; reg < DWARF_MAX_REGS; reg++)
			le(&ins, 0x05, 1), ul(&ins, reg), ul(&ins, d + 1);
	}
	le(&ins, 0x41, 1);
	fill(&ins, 0x0b, 64);
	t = cfi_one(&w, ins.p, ins.n, 0x100);
	CHECK(!cfi_find_row(t, 0x1000, &r));
	CHECK(rule_is(&r, 100, CFI_OFFSET, -8 * 64));
	CHECK(!cfi_find_row(t, 0x1001, &r));
	CHECK(rule_is(&r, 16, CFI_OFFSET, -8) && rule_is(&r, 100, CFI_SAME, 0));
	CHECK(rule_is(&r, 0, CFI_SAME, 0));
	cfi_table_free(t);
	hb_free(&ins);
	hb_free(&w);
}

/* ---- limits through the public API --------------------------------------- */

#define VDSO 0x7fff0000ull
#define STACK 0x7ffc0000ull

/* cor_limits.max_depth = UINT32_MAX: saturated, so the inline chain's
 * table is not sized max_depth + 1 = 0 (a heap overflow under ASan). The
 * vDSO image in the core has DWARF: cu > f [text, +0x40) > inlined g
 * [text + 0x10, +0x10) > inlined h [text + 0x12, +8), and the thread's pc
 * is in h: two chain entries. */
static void api_max_depth(void)
{
	struct cw v;
	cw_init(&v, true, false, ET_DYN, EM_X86_64);
	cw_seg(&v, PT_LOAD, 5, CW_WHOLE, 0);
	static const uint8_t text[64] = { 0xeb, 0xfe };
	unsigned ts = cw_sec(&v, ".text", 1, 6, CW_AUTO, text, sizeof(text));
	/* the text's address is known after layout: lay out once to learn it */
	size_t vlen;
	cw_finish(&v, &vlen);
	uint64_t lo = v.sec_off[ts];
	struct hb ab = {0}, info = {0};
	ul(&ab, 1); ul(&ab, TAG_cu); le(&ab, 1, 1);
	ul(&ab, AT_name); ul(&ab, FORM_string); ul(&ab, AT_low); ul(&ab, FORM_addr);
	ul(&ab, AT_high); ul(&ab, FORM_data4); ul(&ab, 0); ul(&ab, 0);
	ul(&ab, 2); ul(&ab, 0x2e); le(&ab, 1, 1);                 /* subprogram f */
	ul(&ab, AT_name); ul(&ab, FORM_string); ul(&ab, AT_low); ul(&ab, FORM_addr);
	ul(&ab, AT_high); ul(&ab, FORM_data4); ul(&ab, 0); ul(&ab, 0);
	ul(&ab, 3); ul(&ab, 0x2e); le(&ab, 0, 1);                 /* abstract g */
	ul(&ab, AT_name); ul(&ab, FORM_string); ul(&ab, 0); ul(&ab, 0);
	ul(&ab, 4); ul(&ab, 0x1d); le(&ab, 0, 1);                 /* inlined g */
	ul(&ab, 0x31); ul(&ab, 0x13); ul(&ab, AT_low); ul(&ab, FORM_addr);
	ul(&ab, AT_high); ul(&ab, FORM_data4); ul(&ab, 0); ul(&ab, 0);
	ul(&ab, 5); ul(&ab, 0x1d); le(&ab, 1, 1);                 /* inlined, children */
	ul(&ab, 0x31); ul(&ab, 0x13); ul(&ab, AT_low); ul(&ab, FORM_addr);
	ul(&ab, AT_high); ul(&ab, FORM_data4); ul(&ab, 0); ul(&ab, 0);
	ul(&ab, 0);
	size_t u = unit4(&info, 0);
	ul(&info, 1); sz(&info, "api.c"); le(&info, lo, 8); le(&info, 0x40, 4);
	size_t g = info.n - u;
	ul(&info, 3); sz(&info, "g");
	size_t h = info.n - u;
	ul(&info, 3); sz(&info, "h");
	ul(&info, 2); sz(&info, "f"); le(&info, lo, 8); le(&info, 0x40, 4);
	ul(&info, 5); le(&info, g, 4); le(&info, lo + 0x10, 8); le(&info, 0x10, 4);
	ul(&info, 4); le(&info, h, 4); le(&info, lo + 0x12, 8); le(&info, 0x8, 4);
	ul(&info, 0);
	ul(&info, 0);
	ul(&info, 0);
	close_len(&info, u);
	cw_sec(&v, ".debug_info", 1, 0, 0, info.p, info.n);
	cw_sec(&v, ".debug_abbrev", 1, 0, 0, ab.p, ab.n);
	cw_finish(&v, &vlen);
	CHECK_EQ(v.sec_off[ts], lo);        /* debug sections go after the text */
	uint64_t pc = VDSO + lo + 0x14;

	struct cw w;
	size_t n;
	static const uint8_t stack[0x200];
	uint8_t *p = cw_vdso_core_x86_64(&w, pc, STACK + 0x100, VDSO, v.out.p, vlen,
					 STACK, stack, sizeof(stack), &n);
	for (int pass = 0; pass < 2; pass++) {
		struct cor_options o = COR_OPTIONS_INIT;
		o.sysroot = "/nonexistent/coroner-hostile";
		o.limits.max_depth = pass ? 1 : UINT32_MAX;
		cor_core *c = NULL;
		cor_error *err = cor_core_open_mem(p, n, "t.core", &o, &c);
		CHECK(!err);
		cor_error_free(err);
		if (!c)
			continue;
		cor_backtrace *bt = NULL;
		CHECK(!cor_core_backtrace(c, 0, &bt));
		/* UINT32_MAX: the whole chain; 1: the inline level is past the
		 * limit (a warning), no crash either way */
		if (!pass && bt && cor_backtrace_frame_count(bt) >= 3) {
			const struct cor_frame *f0 = cor_backtrace_frame(bt, 0);
			CHECK_STR(f0->function, "h");
			CHECK(f0->is_inline);
			CHECK_STR(cor_backtrace_frame(bt, 1)->function, "g");
			CHECK(cor_backtrace_frame(bt, 1)->is_inline);
			CHECK_STR(cor_backtrace_frame(bt, 2)->function, "f");
			CHECK_EQ(f0->pc, pc);
		} else if (!pass) {
			CHECK(!"three frames: h inlined in g inlined in f");
		} else {
			CHECK(bt && cor_backtrace_frame_count(bt) >= 1);
		}
		cor_backtrace_free(bt);
		cor_core_free(c);
	}
	cw_free(&w);
	cw_free(&v);
	hb_free(&ab);
	hb_free(&info);
}

static const struct { const char *name; void (*fn)(void); } scenarios[] = {
	{ "abbrev_overlap", abbrev_overlap }, { "abbrev_huge", abbrev_huge },
	{ "lines_shared", lines_shared }, { "lines_fallback", lines_fallback },
	{ "lines_v5_counts", lines_v5_counts }, { "cfi_nested", cfi_nested },
	{ "cfi_pairs", cfi_pairs }, { "api_max_depth", api_max_depth },
};

/* No argument: every scenario (make check). "--bench NAME": one, at a
 * thread's worth of rows (bench/hostile.py times it). */
int main(int argc, char **argv)
{
	limits_resolve(&cfi_lim, NULL);
	if (argc == 3 && !strcmp(argv[1], "--bench")) {
		bench_rows = 256;
		for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
			if (!strcmp(argv[2], scenarios[i].name))
				scenarios[i].fn();
		return T_DONE();
	}
	for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		scenarios[i].fn();
	return T_DONE();
}
