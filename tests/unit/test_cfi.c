/* CFI: hand-built .eh_frame / .eh_frame_hdr / .debug_frame, rows at several
 * pcs (readelf --debug-dump=frames-interp as the oracle), malformed input. */
#include <stdlib.h>
#include "t.h"
#include "dwarf/cfi.h"

/* ---- byte writer ---- */

struct bw {
	uint8_t *b;
	size_t n, cap;
	bool be;
};

static void put(struct bw *w, uint64_t v, unsigned n)
{
	if (w->n + n > w->cap) {
		w->cap = (w->n + n) * 2 + 64;
		w->b = realloc(w->b, w->cap);
	}
	for (unsigned i = 0; i < n; i++)
		w->b[w->n + i] = (uint8_t)(v >> 8 * (w->be ? n - 1 - i : i));
	w->n += n;
}

static void u8(struct bw *w, uint64_t v) { put(w, v, 1); }
static void u16(struct bw *w, uint64_t v) { put(w, v, 2); }
static void u32(struct bw *w, uint64_t v) { put(w, v, 4); }
static void u64(struct bw *w, uint64_t v) { put(w, v, 8); }

static void uleb(struct bw *w, uint64_t v)
{
	do {
		uint8_t b = v & 0x7f;
		v >>= 7;
		u8(w, b | (v ? 0x80 : 0));
	} while (v);
}

static void sleb(struct bw *w, int64_t v)
{
	for (;;) {
		uint8_t b = v & 0x7f;
		v >>= 7;
		if ((v == 0 && !(b & 0x40)) || (v == -1 && (b & 0x40))) {
			u8(w, b);
			return;
		}
		u8(w, b | 0x80);
	}
}

static void bytes(struct bw *w, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		u8(w, p[i]);
}

static void cstr(struct bw *w, const char *s)
{
	bytes(w, (const uint8_t *)s, strlen(s) + 1);
}

static void patch(struct bw *w, size_t at, uint64_t v, unsigned n)
{
	size_t save = w->n;
	w->n = at;
	put(w, v, n);
	w->n = save;
}

/* 32-bit length entries, padded with DW_CFA_nop to 4 bytes. */
static size_t begin(struct bw *w)
{
	size_t at = w->n;
	u32(w, 0);
	return at;
}

static void end(struct bw *w, size_t at)
{
	while ((w->n - at) % 4)
		u8(w, 0);
	patch(w, at, w->n - at - 4, 4);
}

static size_t begin64(struct bw *w)
{
	size_t at = w->n;
	u32(w, 0xffffffff);
	u64(w, 0);
	return at;
}

static void end64(struct bw *w, size_t at)
{
	while ((w->n - at) % 4)
		u8(w, 0);
	patch(w, at + 4, w->n - at - 12, 8);
}

#define B(...) (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ })

/* .eh_frame CIE; aug data only written for "z..." augmentations. */
static size_t eh_cie(struct bw *w, const char *aug, uint8_t ver, uint64_t ca,
		     int64_t da, uint64_t ra, const uint8_t *ad, size_t adn,
		     const uint8_t *ins, size_t n)
{
	size_t at = begin(w);
	u32(w, 0);
	u8(w, ver);
	cstr(w, aug);
	if (ver == 4)
		u8(w, 8), u8(w, 0);
	uleb(w, ca);
	sleb(w, da);
	if (ver == 1)
		u8(w, ra);
	else
		uleb(w, ra);
	if (aug[0] == 'z') {
		uleb(w, adn);
		bytes(w, ad, adn);
	}
	bytes(w, ins, n);
	end(w, at);
	return at;
}

/* .eh_frame FDE with pcrel|sdata4 addresses and empty "z" data. */
static size_t eh_fde(struct bw *w, uint64_t sec_addr, size_t cie, uint64_t pc,
		     uint32_t range, const uint8_t *ins, size_t n)
{
	size_t at = begin(w);
	u32(w, w->n - cie);
	u32(w, (uint32_t)(pc - (sec_addr + w->n)));
	u32(w, range);
	uleb(w, 0);
	bytes(w, ins, n);
	end(w, at);
	return at;
}

/* ---- table helpers ---- */

static struct limits lim;
static struct cfi_row row;
static char last_msg[512];
static uint64_t g_text, g_data;

static struct cfi_table *mk(const struct bw *w, uint64_t addr, bool eh, uint8_t as,
			    const struct dwarf_section *hdr)
{
	struct dwarf_section s = { w->b, w->n, addr };
	struct cfi_params p = {
		.be = w->be, .addr_size = as, .limits = &lim, .path = "test.o",
		.is_eh_frame = eh, .hdr = hdr, .text_addr = g_text, .data_addr = g_data,
	};
	struct cfi_table *t = NULL;
	cor_error *err = cfi_table_new(&s, &p, &t);
	CHECK(!err);
	cor_error_free(err);
	return t;
}

static enum cor_error_code at(struct cfi_table *t, uint64_t pc)
{
	cor_error *err = cfi_find_row(t, pc, &row);
	enum cor_error_code c = cor_error_code(err);
	snprintf(last_msg, sizeof(last_msg), "%s", err ? cor_error_message(err) : "");
	cor_error_free(err);
	return c;
}

static bool cfa_is(uint32_t reg, int64_t off)
{
	return row.cfa_kind == CFA_REG_OFFSET && row.cfa_reg == reg && row.cfa_off == off;
}

static bool off_is(unsigned reg, int64_t off)
{
	return row.regs[reg].kind == CFI_OFFSET && row.regs[reg].off == off;
}

/* ---- the x86_64-like .eh_frame used by several tests ---- */

#define EH_ADDR 0x2000

struct basic {
	struct bw w;
	size_t cie, fde1, fde2;
};

static void basic_build(struct basic *b, bool terminate)
{
	memset(b, 0, sizeof(*b));
	b->cie = eh_cie(&b->w, "zR", 1, 1, -8, 16, B(0x1b),
			B(0x0c, 7, 8, 0x90, 1));
	b->fde1 = eh_fde(&b->w, EH_ADDR, b->cie, 0x1000, 0x40,
			 B(0x41, 0x0e, 16, 0x86, 2, 0x43, 0x0d, 6, 0x60, 0x0c, 7, 8));
	b->fde2 = eh_fde(&b->w, EH_ADDR, b->cie, 0x1100, 0x20,
			 B(0x41, 0x0e, 16, 0x83, 2, 0x42, 0x0a, 0x0e, 8, 0xc3, 0x07, 16,
			   0x41, 0x0b, 0x41, 0x07, 16, 0x41, 0xd0));
	if (terminate)
		u32(&b->w, 0);
}

static void check_basic_rows(struct cfi_table *t)
{
	CHECK_EQ(at(t, 0x1000), COR_OK);
	CHECK(cfa_is(7, 8));
	CHECK(off_is(16, -8));
	CHECK_EQ(row.regs[6].kind, CFI_SAME);
	CHECK_EQ(row.ra_reg, 16);
	CHECK(!row.signal_frame);
	CHECK_EQ(row.pc_begin, 0x1000);
	CHECK_EQ(row.pc_end, 0x1040);
	CHECK_EQ(at(t, 0x1001), COR_OK);
	CHECK(cfa_is(7, 16));
	CHECK(off_is(6, -16));
	CHECK_EQ(at(t, 0x1003), COR_OK);
	CHECK(cfa_is(7, 16));
	CHECK_EQ(at(t, 0x1004), COR_OK);
	CHECK(cfa_is(6, 16));
	CHECK_EQ(at(t, 0x1023), COR_OK);
	CHECK(cfa_is(6, 16));
	CHECK_EQ(at(t, 0x1024), COR_OK);
	CHECK(cfa_is(7, 8));
	CHECK(off_is(6, -16));
	CHECK_EQ(at(t, 0x103f), COR_OK);
	CHECK(cfa_is(7, 8));
	CHECK_EQ(at(t, 0x1040), COR_ERR_NOT_FOUND);
	CHECK_EQ(at(t, 0x0fff), COR_ERR_NOT_FOUND);
	CHECK_EQ(at(t, 0x10ff), COR_ERR_NOT_FOUND);
	CHECK_EQ(at(t, 0x1120), COR_ERR_NOT_FOUND);
	CHECK_EQ(at(t, 0), COR_ERR_NOT_FOUND);
	/* remember / restore */
	CHECK_EQ(at(t, 0x1100), COR_OK);
	CHECK(cfa_is(7, 8));
	CHECK_EQ(row.regs[3].kind, CFI_SAME);
	CHECK_EQ(at(t, 0x1102), COR_OK);
	CHECK(cfa_is(7, 16));
	CHECK(off_is(3, -16));
	CHECK_EQ(at(t, 0x1103), COR_OK);
	CHECK(cfa_is(7, 8));
	CHECK_EQ(row.regs[3].kind, CFI_SAME);
	CHECK_EQ(row.regs[16].kind, CFI_UNDEFINED);
	CHECK_EQ(at(t, 0x1104), COR_OK);
	CHECK(cfa_is(7, 16));
	CHECK(off_is(3, -16));
	CHECK(off_is(16, -8));
	CHECK_EQ(at(t, 0x1105), COR_OK);
	CHECK_EQ(row.regs[16].kind, CFI_UNDEFINED);
	CHECK_EQ(at(t, 0x1106), COR_OK);
	CHECK(off_is(16, -8));
	CHECK_EQ(at(t, 0x111f), COR_OK);
	CHECK(off_is(16, -8));
}

static void test_eh_frame_index(void)
{
	struct basic b;
	basic_build(&b, true);
	struct cfi_table *t = mk(&b.w, EH_ADDR, true, 8, NULL);
	CHECK(!cfi_table_uses_hdr(t));
	CHECK_EQ(cfi_table_skipped(t, NULL), 0);
	check_basic_rows(t);
	cfi_table_free(t);
	free(b.w.b);
	/* without the zero terminator */
	basic_build(&b, false);
	t = mk(&b.w, EH_ADDR, true, 8, NULL);
	check_basic_rows(t);
	cfi_table_free(t);
	free(b.w.b);
}

/* .eh_frame_hdr over the basic section; fields are overridable. */
#define HDR_ADDR 0x1800
static void hdr_build(struct bw *h, const struct basic *b, uint8_t version,
		      uint8_t table_enc, uint64_t eh_addr, uint32_t count)
{
	memset(h, 0, sizeof(*h));
	u8(h, version);
	u8(h, 0x1b);
	u8(h, 0x03);
	u8(h, table_enc);
	u32(h, (uint32_t)(eh_addr - (HDR_ADDR + 4)));
	u32(h, count);
	u32(h, (uint32_t)(0x1000 - HDR_ADDR));
	u32(h, (uint32_t)(EH_ADDR + b->fde1 - HDR_ADDR));
	u32(h, (uint32_t)(0x1100 - HDR_ADDR));
	u32(h, (uint32_t)(EH_ADDR + b->fde2 - HDR_ADDR));
}

static void test_eh_frame_hdr(void)
{
	struct basic b;
	struct bw h;
	basic_build(&b, true);
	hdr_build(&h, &b, 1, 0x3b, EH_ADDR, 2);
	struct dwarf_section hs = { h.b, h.n, HDR_ADDR };
	struct cfi_table *t = mk(&b.w, EH_ADDR, true, 8, &hs);
	CHECK(cfi_table_uses_hdr(t));
	check_basic_rows(t);
	cfi_table_free(t);
	/* unusable headers fall back to the index */
	static const struct { uint8_t v, enc; uint64_t addr; uint32_t count; } bad[] = {
		{ 2, 0x3b, EH_ADDR, 2 }, { 1, 0x1b, EH_ADDR, 2 },
		{ 1, 0x3b, EH_ADDR + 8, 2 }, { 1, 0x3b, EH_ADDR, 3 },
		{ 1, 0x3b, EH_ADDR, 0xffffffff },
	};
	for (size_t i = 0; i < COR_ARRAY_SIZE(bad); i++) {
		free(h.b);
		hdr_build(&h, &b, bad[i].v, bad[i].enc, bad[i].addr, bad[i].count);
		hs = (struct dwarf_section){ h.b, h.n, HDR_ADDR };
		t = mk(&b.w, EH_ADDR, true, 8, &hs);
		CHECK(!cfi_table_uses_hdr(t));
		check_basic_rows(t);
		cfi_table_free(t);
	}
	/* truncated header */
	hs = (struct dwarf_section){ h.b, 3, HDR_ADDR };
	t = mk(&b.w, EH_ADDR, true, 8, &hs);
	CHECK(!cfi_table_uses_hdr(t));
	cfi_table_free(t);
	/* a table entry pointing outside .eh_frame */
	free(h.b);
	hdr_build(&h, &b, 1, 0x3b, EH_ADDR, 2);
	patch(&h, 12 + 12, 0x7000000, 4);
	hs = (struct dwarf_section){ h.b, h.n, HDR_ADDR };
	t = mk(&b.w, EH_ADDR, true, 8, &hs);
	CHECK_EQ(at(t, 0x1100), COR_ERR_FORMAT);
	CHECK(strstr(last_msg, ".eh_frame_hdr") != NULL);
	CHECK(strstr(last_msg, "test.o") != NULL);
	CHECK_EQ(at(t, 0x1000), COR_OK);
	/* an entry pointing at a CIE */
	patch(&h, 12 + 12, (uint32_t)(EH_ADDR - HDR_ADDR), 4);
	CHECK_EQ(at(t, 0x1100), COR_ERR_FORMAT);
	/* an entry whose FDE does not cover the pc: not found */
	patch(&h, 12 + 12, (uint32_t)(EH_ADDR + b.fde1 - HDR_ADDR), 4);
	CHECK_EQ(at(t, 0x1100), COR_ERR_NOT_FOUND);
	cfi_table_free(t);
	/* .debug_frame never uses a header */
	free(h.b);
	hdr_build(&h, &b, 1, 0x3b, EH_ADDR, 2);
	hs = (struct dwarf_section){ h.b, h.n, HDR_ADDR };
	t = mk(&b.w, EH_ADDR, false, 8, &hs);
	CHECK(!cfi_table_uses_hdr(t));
	cfi_table_free(t);
	free(h.b);
	free(b.w.b);
}

static void test_debug_frame(void)
{
	struct bw w = { 0 };
	/* FDE first, pointing at a CIE later in the section */
	size_t f0 = begin(&w);
	size_t f0_ptr = w.n;
	u32(&w, 0);
	u64(&w, 0x6000);
	u64(&w, 0x10);
	bytes(&w, B(0x0e, 16, 0x41, 0x0e, 48));
	end(&w, f0);
	size_t cie = begin(&w);
	u32(&w, 0xffffffff);
	u8(&w, 4);
	cstr(&w, "");
	u8(&w, 8);
	u8(&w, 0);
	uleb(&w, 4);
	sleb(&w, -8);
	uleb(&w, 30);
	bytes(&w, B(0x0c, 31, 0));
	end(&w, cie);
	patch(&w, f0_ptr, cie, 4);
	size_t f1 = begin(&w);
	u32(&w, cie);
	u64(&w, 0x5000);
	u64(&w, 0x100);
	bytes(&w, B(0x41, 0x0e, 32, 0x9d, 4, 0x9e, 3, 0x42, 0x0d, 29, 0x2d, 0x44,
		    0x0c, 31, 0, 0xdd, 0xde));
	end(&w, f1);
	struct cfi_table *t = mk(&w, 0, false, 8, NULL);
	CHECK_EQ(cfi_table_skipped(t, NULL), 0);
	CHECK_EQ(at(t, 0x5000), COR_OK);
	CHECK(cfa_is(31, 0));
	CHECK_EQ(row.ra_reg, 30);
	CHECK_EQ(at(t, 0x5003), COR_OK);
	CHECK(cfa_is(31, 0));
	CHECK_EQ(at(t, 0x5004), COR_OK);
	CHECK(cfa_is(31, 32));
	CHECK(off_is(29, -32));
	CHECK(off_is(30, -24));
	CHECK_EQ(at(t, 0x500b), COR_OK);
	CHECK(cfa_is(31, 32));
	CHECK_EQ(at(t, 0x500c), COR_OK);
	CHECK(cfa_is(29, 32));
	CHECK_EQ(at(t, 0x501c), COR_OK);
	CHECK(cfa_is(31, 0));
	CHECK_EQ(row.regs[29].kind, CFI_SAME);
	CHECK_EQ(row.regs[30].kind, CFI_SAME);
	CHECK_EQ(at(t, 0x5100), COR_ERR_NOT_FOUND);
	CHECK_EQ(at(t, 0x6000), COR_OK);
	CHECK(cfa_is(31, 16));
	CHECK_EQ(at(t, 0x6003), COR_OK);
	CHECK(cfa_is(31, 16));
	CHECK_EQ(at(t, 0x6004), COR_OK);
	CHECK(cfa_is(31, 48));
	cfi_table_free(t);
	/* the same bytes read as .eh_frame are nonsense: errors, no crash */
	t = mk(&w, 0, true, 8, NULL);
	CHECK(at(t, 0x5004) != COR_OK);
	cfi_table_free(t);
	free(w.b);
}

static void test_64bit_lengths(void)
{
	struct bw w = { 0 };
	/* .debug_frame, DWARF64: 8-byte CIE id and CIE pointer */
	size_t cie = begin64(&w);
	u64(&w, UINT64_MAX);
	u8(&w, 3);
	cstr(&w, "");
	uleb(&w, 1);
	sleb(&w, -8);
	uleb(&w, 16);
	bytes(&w, B(0x0c, 7, 8, 0x90, 1));
	end64(&w, cie);
	size_t f = begin64(&w);
	u64(&w, cie);
	u64(&w, 0x7000);
	u64(&w, 0x10);
	bytes(&w, B(0x44, 0x0e, 0x20));
	end64(&w, f);
	struct cfi_table *t = mk(&w, 0, false, 8, NULL);
	CHECK_EQ(at(t, 0x7000), COR_OK);
	CHECK(cfa_is(7, 8));
	CHECK(off_is(16, -8));
	CHECK_EQ(at(t, 0x7004), COR_OK);
	CHECK(cfa_is(7, 32));
	cfi_table_free(t);
	free(w.b);
	/* .eh_frame with 64-bit lengths: the CIE id / pointer stay 4 bytes */
	w = (struct bw){ 0 };
	cie = begin64(&w);
	u32(&w, 0);
	u8(&w, 1);
	cstr(&w, "");
	uleb(&w, 1);
	sleb(&w, -8);
	u8(&w, 16);
	bytes(&w, B(0x0c, 7, 8, 0x90, 1));
	end64(&w, cie);
	f = begin64(&w);
	u32(&w, w.n - cie);
	u64(&w, 0x7000);
	u64(&w, 0x10);
	bytes(&w, B(0x44, 0x0e, 0x20));
	end64(&w, f);
	u32(&w, 0);
	t = mk(&w, 0x9000, true, 8, NULL);
	CHECK_EQ(at(t, 0x7004), COR_OK);
	CHECK(cfa_is(7, 32));
	CHECK(off_is(16, -8));
	cfi_table_free(t);
	free(w.b);
}

static void test_augmentations(void)
{
	struct bw w = { 0 };
	/* zPLRSB: personality indirect|pcrel|sdata4, LSDA pcrel|sdata4 */
	size_t cie = eh_cie(&w, "zPLRSB", 1, 1, -8, 16,
			    B(0x9b, 0x10, 0, 0, 0, 0x1b, 0x1b), B(0x0c, 7, 8, 0x90, 1));
	size_t f = begin(&w);
	u32(&w, w.n - cie);
	u32(&w, (uint32_t)(0x1000 - (EH_ADDR + w.n)));
	u32(&w, 0x10);
	uleb(&w, 4);
	u32(&w, 0x1234);
	bytes(&w, B(0x42, 0x0e, 16));
	end(&w, f);
	/* old gcc "eh": an address after the augmentation string, absptr FDE */
	size_t cie2 = begin(&w);
	u32(&w, 0);
	u8(&w, 1);
	cstr(&w, "eh");
	u64(&w, 0xdeadbeef);
	uleb(&w, 1);
	sleb(&w, -4);
	u8(&w, 8);
	bytes(&w, B(0x0c, 4, 4, 0x88, 1));
	end(&w, cie2);
	f = begin(&w);
	u32(&w, w.n - cie2);
	u64(&w, 0x3000);
	u64(&w, 0x20);
	bytes(&w, B(0x41, 0x0e, 8));
	end(&w, f);
	/* version 3 with a uleb return address register, "zR" with udata8 */
	size_t cie3 = eh_cie(&w, "zR", 3, 1, -8, 100, B(0x04), B(0x0c, 7, 8));
	f = begin(&w);
	u32(&w, w.n - cie3);
	u64(&w, 0x4000);
	u64(&w, 0x10);
	uleb(&w, 0);
	end(&w, f);
	/* version 4 in .eh_frame */
	size_t cie4 = eh_cie(&w, "zR", 4, 1, -8, 16, B(0x1b), B(0x0c, 7, 8));
	eh_fde(&w, EH_ADDR, cie4, 0x4100, 0x10, B(0x41, 0x0e, 24));
	u32(&w, 0);
	struct cfi_table *t = mk(&w, EH_ADDR, true, 8, NULL);
	CHECK_EQ(cfi_table_skipped(t, NULL), 0);
	CHECK_EQ(at(t, 0x1000), COR_OK);
	CHECK(row.signal_frame);
	CHECK(cfa_is(7, 8));
	CHECK_EQ(at(t, 0x1002), COR_OK);
	CHECK(cfa_is(7, 16));
	CHECK_EQ(at(t, 0x3000), COR_OK);
	CHECK(!row.signal_frame);
	CHECK(cfa_is(4, 4));
	CHECK(off_is(8, -4));
	CHECK_EQ(row.ra_reg, 8);
	CHECK_EQ(at(t, 0x3001), COR_OK);
	CHECK(cfa_is(4, 8));
	CHECK_EQ(at(t, 0x400f), COR_OK);
	CHECK_EQ(row.ra_reg, 100);
	CHECK_EQ(at(t, 0x4101), COR_OK);
	CHECK(cfa_is(7, 24));
	cfi_table_free(t);
	free(w.b);
}

static void test_encodings(void)
{
	struct bw w = { 0 };
	g_text = 0x100000;
	g_data = 0x200000;
	/* datarel|sdata4 */
	size_t c1 = eh_cie(&w, "zR", 1, 1, -8, 16, B(0x3b), B(0x0c, 7, 8));
	size_t f = begin(&w);
	u32(&w, w.n - c1);
	u32(&w, (uint32_t)(0x1f0000 - g_data));
	u32(&w, 0x10);
	uleb(&w, 0);
	end(&w, f);
	/* textrel|udata4 */
	size_t c2 = eh_cie(&w, "zR", 1, 1, -8, 16, B(0x23), B(0x0c, 7, 8));
	f = begin(&w);
	u32(&w, w.n - c2);
	u32(&w, 0x500);
	u32(&w, 0x10);
	uleb(&w, 0);
	end(&w, f);
	/* udata2, uleb128, sleb128 */
	size_t c3 = eh_cie(&w, "zR", 1, 1, -8, 16, B(0x02), B(0x0c, 7, 8));
	f = begin(&w);
	u32(&w, w.n - c3);
	u16(&w, 0x8000);
	u16(&w, 0x10);
	uleb(&w, 0);
	end(&w, f);
	size_t c4 = eh_cie(&w, "zR", 1, 1, -8, 16, B(0x01), B(0x0c, 7, 8));
	f = begin(&w);
	u32(&w, w.n - c4);
	uleb(&w, 0x9000);
	uleb(&w, 0x10);
	uleb(&w, 0);
	end(&w, f);
	size_t c5 = eh_cie(&w, "zR", 1, 1, -8, 16, B(0x19), B(0x0c, 7, 8));
	f = begin(&w);
	u32(&w, w.n - c5);
	size_t field = w.n;
	sleb(&w, (int64_t)0xa000 - (int64_t)(EH_ADDR + field));
	uleb(&w, 0x10);
	uleb(&w, 0);
	end(&w, f);
	/* aligned: pad to 8 then absptr; set_loc and advance_loc2/4 */
	size_t c6 = eh_cie(&w, "zR", 1, 1, -8, 16, B(0x50), B(0x0c, 7, 8));
	f = begin(&w);
	u32(&w, w.n - c6);
	while ((EH_ADDR + w.n) % 8)
		u8(&w, 0xee);
	u64(&w, 0xb000);
	u64(&w, 0x30000);
	uleb(&w, 0);
	bytes(&w, B(0x03, 0x00, 0x01, 0x0e, 16, 0x04, 0x00, 0x00, 0x01, 0x00, 0x0e, 24, 0x02, 0x10,
		    0x0e, 32));
	end(&w, f);
	/* set_loc with pcrel sdata4 */
	size_t c7 = eh_cie(&w, "zR", 1, 1, -8, 16, B(0x1b), B(0x0c, 7, 8));
	f = begin(&w);
	u32(&w, w.n - c7);
	u32(&w, (uint32_t)(0xc000 - (EH_ADDR + w.n)));
	u32(&w, 0x100);
	uleb(&w, 0);
	u8(&w, 0x01);
	u32(&w, (uint32_t)(0xc040 - (EH_ADDR + w.n)));
	bytes(&w, B(0x0e, 64));
	end(&w, f);
	u32(&w, 0);
	struct cfi_table *t = mk(&w, EH_ADDR, true, 8, NULL);
	CHECK_EQ(cfi_table_skipped(t, NULL), 0);
	CHECK_EQ(at(t, 0x1f0008), COR_OK);
	CHECK_EQ(row.pc_begin, 0x1f0000);
	CHECK_EQ(at(t, 0x100508), COR_OK);
	CHECK_EQ(at(t, 0x800f), COR_OK);
	CHECK_EQ(at(t, 0x9000), COR_OK);
	CHECK_EQ(at(t, 0xa00f), COR_OK);
	CHECK_EQ(row.pc_begin, 0xa000);
	CHECK_EQ(at(t, 0xb0ff), COR_OK);
	CHECK(cfa_is(7, 8));
	CHECK_EQ(at(t, 0xb100), COR_OK);
	CHECK(cfa_is(7, 16));
	CHECK_EQ(at(t, 0xb100 + 0x10000 - 1), COR_OK);
	CHECK(cfa_is(7, 16));
	CHECK_EQ(at(t, 0xb100 + 0x10000), COR_OK);
	CHECK(cfa_is(7, 24));
	CHECK_EQ(at(t, 0xb100 + 0x10010), COR_OK);
	CHECK(cfa_is(7, 32));
	CHECK_EQ(at(t, 0xc03f), COR_OK);
	CHECK(cfa_is(7, 8));
	CHECK_EQ(at(t, 0xc040), COR_OK);
	CHECK(cfa_is(7, 64));
	cfi_table_free(t);
	free(w.b);
	g_text = g_data = 0;
}

static void test_rules(void)
{
	struct bw w = { 0 };
	size_t cie = eh_cie(&w, "zR", 1, 1, -8, 16, B(0x1b), B(0x0c, 7, 8, 0x90, 1));
	size_t f = eh_fde(&w, EH_ADDR, cie, 0x1000, 0x10,
			  B(0x0f, 3, 0x77, 0x08, 0x06,   /* def_cfa_expression */
			    0x10, 6, 2, 0x70, 0x10,      /* expression r6 */
			    0x16, 5, 1, 0x9c,            /* val_expression r5 */
			    0x14, 3, 2,                  /* val_offset r3 -16 */
			    0x15, 4, 0x7e,               /* val_offset_sf r4 +16 */
			    0x09, 12, 13,                /* register r12 in r13 */
			    0x11, 14, 0x7f,              /* offset_extended_sf r14 +8 */
			    0x2f, 15, 1,                 /* GNU_negative_offset_extended */
			    0x05, 17, 3,                 /* offset_extended r17 -24 */
			    0x2e, 0x10,                  /* GNU_args_size */
			    0x07, 1, 0x08, 16,           /* undefined r1, same r16 */
			    0x41, 0x0c, 7, 16,           /* def_cfa back to reg */
			    0x41, 0x06, 17,              /* restore_extended r17 */
			    0x12, 7, 0x7e,               /* def_cfa_sf r7 +16 */
			    0x13, 0x7d));                /* def_cfa_offset_sf +24 */
	u32(&w, 0);
	struct cfi_table *t = mk(&w, EH_ADDR, true, 8, NULL);
	CHECK_EQ(at(t, 0x1000), COR_OK);
	CHECK_EQ(row.cfa_kind, CFA_EXPRESSION);
	CHECK_EQ(row.cfa_expr_len, 3);
	CHECK(row.cfa_expr == w.b + f + 4 + 4 + 4 + 4 + 1 + 2);
	CHECK(row.cfa_expr && row.cfa_expr[0] == 0x77);
	CHECK_EQ(row.regs[6].kind, CFI_EXPRESSION);
	CHECK_EQ(row.regs[6].expr_len, 2);
	CHECK(row.regs[6].expr && row.regs[6].expr[0] == 0x70);
	CHECK_EQ(row.regs[5].kind, CFI_VAL_EXPRESSION);
	CHECK(row.regs[5].expr && row.regs[5].expr[0] == 0x9c);
	CHECK_EQ(row.regs[3].kind, CFI_VAL_OFFSET);
	CHECK_EQ(row.regs[3].off, -16);
	CHECK_EQ(row.regs[4].kind, CFI_VAL_OFFSET);
	CHECK_EQ(row.regs[4].off, 16);
	CHECK_EQ(row.regs[12].kind, CFI_REGISTER);
	CHECK_EQ(row.regs[12].reg, 13);
	CHECK(off_is(14, 8));
	CHECK(off_is(15, 8));
	CHECK(off_is(17, -24));
	CHECK_EQ(row.regs[1].kind, CFI_UNDEFINED);
	CHECK_EQ(row.regs[16].kind, CFI_SAME);
	CHECK_EQ(at(t, 0x1001), COR_OK);
	CHECK(cfa_is(7, 16));
	CHECK(off_is(17, -24));
	CHECK_EQ(at(t, 0x1002), COR_OK);
	CHECK_EQ(row.regs[17].kind, CFI_SAME);
	CHECK(cfa_is(7, 24));
	cfi_table_free(t);
	free(w.b);
}

static void test_addr32(void)
{
	struct bw w = { 0 };
	uint64_t sec = 0x08049000;
	size_t cie = eh_cie(&w, "zR", 1, 1, -4, 8, B(0x1b), B(0x0c, 4, 4, 0x88, 1));
	size_t f1 = eh_fde(&w, sec, cie, 0x08048000, 0x20, B(0x41, 0x0e, 8, 0x85, 2));
	/* absptr in a 32-bit object is 4 bytes */
	size_t cie2 = eh_cie(&w, "", 1, 1, -4, 8, NULL, 0, B(0x0c, 4, 4));
	size_t f2 = begin(&w);
	u32(&w, w.n - cie2);
	u32(&w, 0x08050000);
	u32(&w, 0x10);
	end(&w, f2);
	/* pcrel that wraps below zero masks to 32 bits */
	size_t f3 = eh_fde(&w, sec, cie, 0xfffff000, 0x100, B(0x41, 0x0e, 12));
	u32(&w, 0);
	struct cfi_table *t = mk(&w, sec, true, 4, NULL);
	CHECK_EQ(cfi_table_skipped(t, NULL), 0);
	CHECK_EQ(at(t, 0x08048000), COR_OK);
	CHECK(cfa_is(4, 4));
	CHECK(off_is(8, -4));
	CHECK_EQ(at(t, 0x08048001), COR_OK);
	CHECK(cfa_is(4, 8));
	CHECK(off_is(5, -8));
	CHECK_EQ(at(t, 0x0805000f), COR_OK);
	CHECK_EQ(at(t, 0xfffff001), COR_OK);
	CHECK(cfa_is(4, 12));
	CHECK_EQ(at(t, 0x1fffff001), COR_OK);  /* pc masked too */
	cfi_table_free(t);
	/* and through a 32-bit .eh_frame_hdr */
	struct bw h = { 0 };
	uint64_t ha = 0x08047000;
	u8(&h, 1); u8(&h, 0x1b); u8(&h, 0x03); u8(&h, 0x3b);
	u32(&h, (uint32_t)(sec - (ha + 4)));
	u32(&h, 2);
	u32(&h, (uint32_t)(0x08048000 - ha));
	u32(&h, (uint32_t)(sec + f1 - ha));
	u32(&h, (uint32_t)(0xfffff000 - ha));
	u32(&h, (uint32_t)(sec + f3 - ha));
	struct dwarf_section hs = { h.b, h.n, ha };
	t = mk(&w, sec, true, 4, &hs);
	CHECK(cfi_table_uses_hdr(t));
	CHECK_EQ(at(t, 0x08048001), COR_OK);
	CHECK(cfa_is(4, 8));
	CHECK_EQ(at(t, 0xfffff0ff), COR_OK);
	CHECK(cfa_is(4, 12));
	CHECK_EQ(at(t, 0x08050000), COR_ERR_NOT_FOUND);  /* not in the hdr */
	cfi_table_free(t);
	free(h.b);
	free(w.b);
}

static void test_big_endian(void)
{
	struct bw w = { .be = true };
	size_t cie = begin(&w);
	u32(&w, 0xffffffff);
	u8(&w, 1);
	cstr(&w, "");
	uleb(&w, 4);
	sleb(&w, -8);
	u8(&w, 65);
	bytes(&w, B(0x0c, 1, 0));
	end(&w, cie);
	size_t f = begin(&w);
	u32(&w, cie);
	u64(&w, 0x10000400);
	u64(&w, 0x40);
	bytes(&w, B(0x41, 0x0e, 0x80, 0x01, 0x05, 65, 2, 0x04, 0, 0, 0, 2, 0x9f, 2));
	end(&w, f);
	struct cfi_table *t = mk(&w, 0, false, 8, NULL);
	CHECK_EQ(at(t, 0x10000404), COR_OK);
	CHECK(cfa_is(1, 128));
	CHECK(off_is(65, -16));
	CHECK_EQ(row.ra_reg, 65);
	CHECK_EQ(at(t, 0x1000040c), COR_OK);
	CHECK(off_is(31, -16));
	cfi_table_free(t);
	free(w.b);
}

/* ---- malformed input ---- */

static void test_length_past_end(void)
{
	struct basic b;
	const char *why = NULL;
	basic_build(&b, false);
	size_t bad = begin(&b.w);
	u32(&b.w, 0);
	patch(&b.w, bad, 0x7ffffff0, 4);
	struct cfi_table *t = mk(&b.w, EH_ADDR, true, 8, NULL);
	CHECK_EQ(cfi_table_skipped(t, &why), 1);
	CHECK(why && strstr(why, "past the end"));
	CHECK(why && strstr(why, "test.o"));
	check_basic_rows(t);
	cfi_table_free(t);
	/* first FDE's own length runs past the end */
	patch(&b.w, b.fde1, 0x10000, 4);
	t = mk(&b.w, EH_ADDR, true, 8, NULL);
	CHECK_EQ(at(t, 0x1000), COR_ERR_NOT_FOUND);
	cfi_table_free(t);
	/* through the hdr the error is reported with the offset */
	struct bw h;
	hdr_build(&h, &b, 1, 0x3b, EH_ADDR, 2);
	struct dwarf_section hs = { h.b, h.n, HDR_ADDR };
	t = mk(&b.w, EH_ADDR, true, 8, &hs);
	CHECK_EQ(at(t, 0x1000), COR_ERR_FORMAT);
	char want[64];
	snprintf(want, sizeof(want), "offset 0x%zx", b.fde1);
	CHECK(strstr(last_msg, want) != NULL);
	CHECK(strstr(last_msg, "test.o") != NULL);
	CHECK_EQ(at(t, 0x1104), COR_OK);
	CHECK(cfa_is(7, 16));
	cfi_table_free(t);
	free(h.b);
	free(b.w.b);
}

/* One CIE and one FDE at 0x1000 with the given instructions. */
static struct cfi_table *one_fde(struct bw *w, const uint8_t *ins, size_t n)
{
	memset(w, 0, sizeof(*w));
	size_t cie = eh_cie(w, "zR", 1, 1, -8, 16, B(0x1b), B(0x0c, 7, 8, 0x90, 1));
	eh_fde(w, EH_ADDR, cie, 0x1000, 0x100, ins, n);
	u32(w, 0);
	return mk(w, EH_ADDR, true, 8, NULL);
}

static enum cor_error_code insn_case(const uint8_t *ins, size_t n, uint64_t pc)
{
	struct bw w;
	struct cfi_table *t = one_fde(&w, ins, n);
	enum cor_error_code c = at(t, pc);
	cfi_table_free(t);
	free(w.b);
	return c;
}

static void test_bad_instructions(void)
{
	/* register 500: fine before, an error after */
	CHECK_EQ(insn_case(B(0x42, 0x05, 0xf4, 0x03, 1), 0x1001), COR_OK);
	CHECK_EQ(insn_case(B(0x42, 0x05, 0xf4, 0x03, 1), 0x1002), COR_ERR_FORMAT);
	CHECK(strstr(last_msg, "register 500") && strstr(last_msg, "test.o"));
	CHECK_EQ(insn_case(B(0x09, 3, 0xc8, 0x01), 0x1000), COR_ERR_FORMAT);
	CHECK_EQ(insn_case(B(0x0c, 0xc8, 0x01, 8), 0x1000), COR_ERR_FORMAT);
	CHECK_EQ(insn_case(B(0x0d, 0x80, 0x01), 0x1000), COR_ERR_FORMAT);
	CHECK_EQ(insn_case(B(0x10, 0x80, 0x01, 1, 0x30), 0x1000), COR_ERR_FORMAT);
	CHECK_EQ(insn_case(B(0x07, 0x80, 0x01), 0x1000), COR_ERR_FORMAT);
	CHECK_EQ(insn_case(B(0x07, 127), 0x1000), COR_OK);
	CHECK_EQ(row.regs[127].kind, CFI_UNDEFINED);
	/* unknown opcode */
	CHECK_EQ(insn_case(B(0x41, 0x3f), 0x1000), COR_OK);
	CHECK_EQ(insn_case(B(0x41, 0x3f), 0x1001), COR_ERR_FORMAT);
	CHECK(strstr(last_msg, "unknown CFA instruction 0x3f"));
	/* truncated operands */
	CHECK_EQ(insn_case(B(0x0c, 7, 0x80), 0x1000), COR_ERR_FORMAT);
	CHECK_EQ(insn_case(B(0x0f, 9, 0x30), 0x1000), COR_ERR_FORMAT);
	CHECK_EQ(insn_case(B(0x04, 1, 0), 0x1000), COR_ERR_FORMAT);
	/* restore_state without remember */
	CHECK_EQ(insn_case(B(0x0b), 0x1000), COR_ERR_FORMAT);
	/* CFA offset change of an expression CFA */
	CHECK_EQ(insn_case(B(0x0f, 1, 0x30, 0x0e, 8), 0x1000), COR_ERR_FORMAT);
	/* offsets that overflow when factored */
	CHECK_EQ(insn_case(B(0x05, 3, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40),
			   0x1000), COR_ERR_FORMAT);
	/* advance overflow: the row stays put */
	CHECK_EQ(insn_case(B(0x04, 0xff, 0xff, 0xff, 0xff, 0x0e, 99), 0x10ff), COR_OK);
	CHECK(cfa_is(7, 8));
}

static void test_remember_limits(void)
{
	struct bw w;
	size_t n = 1000000;
	uint8_t *ins = malloc(n + 2);
	/* a million remember_state */
	memset(ins, 0x0a, n);
	struct cfi_table *t = one_fde(&w, ins, n);
	CHECK_EQ(at(t, 0x1000), COR_ERR_LIMIT);
	CHECK(strstr(last_msg, "test.o") != NULL);
	cfi_table_free(t);
	free(w.b);
	/* 64 levels are fine */
	memset(ins, 0x0a, 64);
	ins[64] = 0x0e, ins[65] = 99;
	t = one_fde(&w, ins, 66);
	CHECK_EQ(at(t, 0x1000), COR_OK);
	CHECK(cfa_is(7, 99));
	cfi_table_free(t);
	free(w.b);
	/* balanced pairs run until the instruction limit, bounded */
	for (size_t i = 0; i + 1 < 600000; i += 2)
		ins[i] = 0x0a, ins[i + 1] = 0x0b;
	t = one_fde(&w, ins, 600000);
	CHECK_EQ(at(t, 0x1000), COR_OK);
	CHECK(cfa_is(7, 8));
	cfi_table_free(t);
	free(w.b);
	/* more than a million instructions */
	memset(ins, 0, n + 2);
	t = one_fde(&w, ins, n + 2);
	CHECK_EQ(at(t, 0x1000), COR_ERR_LIMIT);
	cfi_table_free(t);
	free(w.b);
	free(ins);
}

static void test_bad_cies(void)
{
	struct bw w = { 0 };
	size_t good = eh_cie(&w, "zR", 1, 1, -8, 16, B(0x1b), B(0x0c, 7, 8));
	size_t badaug = eh_cie(&w, "zRX", 1, 1, -8, 16, B(0x1b), B(0x0c, 7, 8));
	size_t badver = eh_cie(&w, "zR", 2, 1, -8, 16, B(0x1b), B(0x0c, 7, 8));
	size_t noz = eh_cie(&w, "Q", 1, 1, -8, 16, NULL, 0, B(0x0c, 7, 8));
	size_t ind = eh_cie(&w, "zR", 1, 1, -8, 16, B(0x9b), B(0x0c, 7, 8));
	size_t badenc = eh_cie(&w, "zR", 1, 1, -8, 16, B(0x07), B(0x0c, 7, 8));
	size_t bigra = eh_cie(&w, "zR", 3, 1, -8, 300, B(0x1b), B(0x0c, 7, 8));
	size_t nocfa = eh_cie(&w, "zR", 1, 1, -8, 16, B(0x1b), B(0x0e, 8));
	size_t augpast = eh_cie(&w, "zR", 1, 1, -8, 16, B(0x1b), NULL, 0);
	patch(&w, augpast + 4 + 4 + 1 + 3 + 3, 100, 1);
	eh_fde(&w, EH_ADDR, good, 0x1000, 0x10, NULL, 0);
	size_t f_aug = eh_fde(&w, EH_ADDR, badaug, 0x2000, 0x10, NULL, 0);
	eh_fde(&w, EH_ADDR, badver, 0x3000, 0x10, NULL, 0);
	eh_fde(&w, EH_ADDR, noz, 0x4000, 0x10, NULL, 0);
	eh_fde(&w, EH_ADDR, ind, 0x5000, 0x10, NULL, 0);
	eh_fde(&w, EH_ADDR, badenc, 0x6000, 0x10, NULL, 0);
	eh_fde(&w, EH_ADDR, bigra, 0x7000, 0x10, NULL, 0);
	eh_fde(&w, EH_ADDR, nocfa, 0x8000, 0x10, NULL, 0);
	eh_fde(&w, EH_ADDR, augpast, 0x8800, 0x10, NULL, 0);
	/* CIE pointer to an FDE, before the section, past the end */
	eh_fde(&w, EH_ADDR, f_aug, 0x9000, 0x10, NULL, 0);
	size_t f_neg = eh_fde(&w, EH_ADDR, good, 0xa000, 0x10, NULL, 0);
	patch(&w, f_neg + 4, f_neg + 4 + 100, 4);
	size_t f_past = eh_fde(&w, EH_ADDR, good, 0xb000, 0x10, NULL, 0);
	patch(&w, f_past + 4, 0x80000000u, 4);
	eh_fde(&w, EH_ADDR, good, 0xc000, 0x10, NULL, 0);
	eh_fde(&w, EH_ADDR, good, 0xd000, 0x10, NULL, 0);
	u32(&w, 0);
	struct cfi_table *t = mk(&w, EH_ADDR, true, 8, NULL);
	const char *why = NULL;
	CHECK_EQ(cfi_table_skipped(t, &why), 10);
	CHECK(why && strstr(why, "augmentation 'X'"));
	CHECK_EQ(at(t, 0x1000), COR_OK);
	CHECK_EQ(at(t, 0xc000), COR_OK);
	CHECK_EQ(at(t, 0xd000), COR_OK);
	for (uint64_t pc = 0x2000; pc <= 0xb000; pc += 0x1000)
		CHECK_EQ(at(t, pc), pc == 0x8000 ? COR_ERR_FORMAT : COR_ERR_NOT_FOUND);
	cfi_table_free(t);
	/* the same through a header: each bad FDE is an error naming it */
	struct bw h = { 0 };
	static const uint64_t pcs[] = { 0x1000, 0x2000, 0x3000, 0x4000, 0x5000, 0x6000,
		0x7000, 0x8000, 0x8800, 0x9000, 0xa000, 0xb000, 0xc000 };
	u8(&h, 1); u8(&h, 0x1b); u8(&h, 0x03); u8(&h, 0x3b);
	u32(&h, (uint32_t)(EH_ADDR - (HDR_ADDR + 4)));
	u32(&h, COR_ARRAY_SIZE(pcs));
	/* FDEs follow the CIEs in order; walk the section to find them */
	size_t off = 0, k = 0;
	while (off + 8 <= w.n && k < COR_ARRAY_SIZE(pcs)) {
		uint32_t len = (uint32_t)cor_load(w.b + off, 4, false);
		uint32_t id = (uint32_t)cor_load(w.b + off + 4, 4, false);
		if (len == 0)
			break;
		if (id != 0) {
			u32(&h, (uint32_t)(pcs[k] - HDR_ADDR));
			u32(&h, (uint32_t)(EH_ADDR + off - HDR_ADDR));
			k++;
		}
		off += 4 + len;
	}
	struct dwarf_section hs = { h.b, h.n, HDR_ADDR };
	t = mk(&w, EH_ADDR, true, 8, &hs);
	CHECK(cfi_table_uses_hdr(t));
	CHECK_EQ(at(t, 0x1000), COR_OK);
	CHECK_EQ(at(t, 0xc000), COR_OK);
	for (size_t i = 1; i + 1 < COR_ARRAY_SIZE(pcs); i++) {
		CHECK_EQ(at(t, pcs[i]), COR_ERR_FORMAT);
		CHECK(strstr(last_msg, "test.o: offset 0x") == last_msg);
	}
	CHECK_EQ(at(t, 0x2000), COR_ERR_FORMAT);
	CHECK(strstr(last_msg, "augmentation 'X'"));
	CHECK_EQ(at(t, 0x3000), COR_ERR_FORMAT);
	CHECK(strstr(last_msg, "version 2"));
	CHECK_EQ(at(t, 0x5000), COR_ERR_FORMAT);
	CHECK(strstr(last_msg, "indirect"));
	CHECK_EQ(at(t, 0x9000), COR_ERR_FORMAT);
	CHECK(strstr(last_msg, "not point to a CIE"));
	cfi_table_free(t);
	free(h.b);
	free(w.b);
}

static void test_range_wrap(void)
{
	struct bw w = { 0 };
	size_t cie = eh_cie(&w, "zR", 1, 1, -8, 16, B(0x04), B(0x0c, 7, 8));
	size_t f = begin(&w);
	u32(&w, w.n - cie);
	u64(&w, UINT64_MAX - 4);
	u64(&w, 0x10);
	uleb(&w, 0);
	end(&w, f);
	struct cfi_table *t = mk(&w, EH_ADDR, true, 8, NULL);
	CHECK_EQ(cfi_table_skipped(t, NULL), 1);
	CHECK_EQ(at(t, UINT64_MAX - 2), COR_ERR_NOT_FOUND);
	cfi_table_free(t);
	free(w.b);
}

static void lookups(struct cfi_table *t)
{
	static const uint64_t pcs[] = { 0, 0x1000, 0x1001, 0x1004, 0x1024, 0x1100,
		0x1103, 0x1104, 0x1106, 0x111f, 0x2000 };
	for (size_t i = 0; i < COR_ARRAY_SIZE(pcs); i++)
		at(t, pcs[i]);
}

/* Prefixes and byte flips of a valid section: errors allowed, crashes and
 * out-of-bounds reads (ASan) not. */
static void test_robust(void)
{
	struct basic b;
	struct bw h;
	basic_build(&b, true);
	hdr_build(&h, &b, 1, 0x3b, EH_ADDR, 2);
	for (size_t n = 0; n <= b.w.n; n++) {
		struct bw p = { malloc(n ? n : 1), n, n, false };
		memcpy(p.b, b.w.b, n);
		struct cfi_table *t = mk(&p, EH_ADDR, true, 8, NULL);
		lookups(t);
		cfi_table_free(t);
		for (size_t k = 0; k <= h.n; k += 3) {
			struct dwarf_section hs = { h.b, k, HDR_ADDR };
			t = mk(&p, EH_ADDR, true, 8, &hs);
			lookups(t);
			cfi_table_free(t);
		}
		free(p.b);
	}
	static const uint8_t vals[] = { 0x00, 0x01, 0x0a, 0x0b, 0x0f, 0x10, 0x16, 0x3f,
		0x40, 0x7f, 0x80, 0xc0, 0xfe, 0xff };
	uint8_t *copy = malloc(b.w.n);
	struct dwarf_section hs = { h.b, h.n, HDR_ADDR };
	for (size_t i = 0; i < b.w.n; i++)
		for (size_t v = 0; v < sizeof(vals); v++) {
			memcpy(copy, b.w.b, b.w.n);
			copy[i] = vals[v];
			struct bw p = { copy, b.w.n, b.w.n, false };
			struct cfi_table *t = mk(&p, EH_ADDR, true, 8, NULL);
			lookups(t);
			cfi_table_free(t);
			t = mk(&p, EH_ADDR, true, 8, &hs);
			lookups(t);
			cfi_table_free(t);
			t = mk(&p, EH_ADDR, false, 4, NULL);
			lookups(t);
			cfi_table_free(t);
		}
	free(copy);
	free(h.b);
	free(b.w.b);
	/* empty and absent sections */
	struct bw e = { 0 };
	struct cfi_table *t = mk(&e, 0, true, 8, NULL);
	CHECK_EQ(at(t, 0x1000), COR_ERR_NOT_FOUND);
	cfi_table_free(t);
	struct cfi_params p = { .addr_size = 3 };
	struct dwarf_section s = { 0 };
	cor_error *err = cfi_table_new(&s, &p, &t);
	CHECK_EQ(cor_error_code(err), COR_ERR_INVALID);
	cor_error_free(err);
}

int main(void)
{
	limits_resolve(&lim, NULL);
	test_eh_frame_index();
	test_eh_frame_hdr();
	test_debug_frame();
	test_64bit_lengths();
	test_augmentations();
	test_encodings();
	test_rules();
	test_addr32();
	test_big_endian();
	test_length_past_end();
	test_bad_instructions();
	test_remember_limits();
	test_bad_cies();
	test_range_wrap();
	test_robust();
	return T_DONE();
}
