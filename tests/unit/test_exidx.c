/* The ARM EHABI tables: the unwind opcode interpreter on opcode strings
 * (rows as the ARM EHABI spec's opcode table says), and lookups in a
 * hand-built .ARM.exidx / .ARM.extab (inline personality 0, extab entries
 * of personality 0, 1, 2 and a generic personality, EXIDX_CANTUNWIND,
 * refuse to unwind, references out of the section). */
#include <stdlib.h>
#include "t.h"
#include "dwarf/exidx.h"

static enum exidx_result run(const uint8_t *ops, size_t n, struct cfi_row *row, bool *err)
{
	enum exidx_result res = EXIDX_NONE;
	cor_error *e = exidx_run(ops, n, row, &res);
	*err = e != NULL;
	cor_error_free(e);
	return res;
}

#define RUN(row, err, ...) \
	run((const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ }), row, err)

static void test_opcodes(void)
{
	struct cfi_row row;
	bool err;

	/* finish only: a leaf, the return address in lr, CFA = sp */
	CHECK_EQ(RUN(&row, &err, 0xb0, 0xb0, 0xb0), EXIDX_ROW);
	CHECK(!err);
	CHECK_EQ(row.cfa_reg, 13);
	CHECK_EQ(row.cfa_off, 0);
	CHECK_EQ(row.ra_reg, 14);
	CHECK_EQ(row.regs[14].kind, CFI_SAME);
	CHECK_EQ(row.regs[4].kind, CFI_SAME);

	/* push {r4, lr}; sub sp, #16: vsp += 16, pop r4, r14 (0xa8) */
	CHECK_EQ(RUN(&row, &err, 0x03, 0xa8, 0xb0), EXIDX_ROW);
	CHECK_EQ(row.cfa_reg, 13);
	CHECK_EQ(row.cfa_off, 24);
	CHECK_EQ(row.regs[4].kind, CFI_OFFSET);
	CHECK_EQ(row.regs[4].off, -8);
	CHECK_EQ(row.regs[14].kind, CFI_OFFSET);
	CHECK_EQ(row.regs[14].off, -4);
	CHECK_EQ(row.regs[5].kind, CFI_SAME);
	CHECK_EQ(row.ra_reg, 14);

	/* pop r4-r7 (0xa3), no finish: implicit at the end */
	CHECK_EQ(RUN(&row, &err, 0xa3), EXIDX_ROW);
	CHECK_EQ(row.cfa_off, 16);
	CHECK_EQ(row.regs[7].off, -4);
	CHECK_EQ(row.regs[4].off, -16);

	/* pop under mask {r4, r11, pc}: 0x88 0x81; the pc popped is the
	 * return address */
	CHECK_EQ(RUN(&row, &err, 0x88, 0x81), EXIDX_ROW);
	CHECK_EQ(row.cfa_off, 12);
	CHECK_EQ(row.regs[4].off, -12);
	CHECK_EQ(row.regs[11].off, -8);
	CHECK_EQ(row.regs[15].off, -4);
	CHECK_EQ(row.ra_reg, 15);

	/* vsp = r11 (0x9b), then pop {r11, lr} (0x84 0x80... r11 and r14:
	 * mask bits 7 and 10 = 0x480) */
	CHECK_EQ(RUN(&row, &err, 0x9b, 0x84, 0x80), EXIDX_ROW);
	CHECK_EQ(row.cfa_reg, 11);
	CHECK_EQ(row.cfa_off, 8);
	CHECK_EQ(row.regs[11].off, -8);
	CHECK_EQ(row.regs[14].off, -4);

	/* vsp -= 4 (0x40), then += 8 (0x01) */
	CHECK_EQ(RUN(&row, &err, 0x40, 0x01), EXIDX_ROW);
	CHECK_EQ(row.cfa_off, 4);

	/* pop {r0-r3} under mask (0xb1 0x0f), then vsp += 0x204 + 4 * 2
	 * (0xb2 0x02) */
	CHECK_EQ(RUN(&row, &err, 0xb1, 0x0f, 0xb2, 0x02), EXIDX_ROW);
	CHECK_EQ(row.regs[0].off, -(16 + 0x20c) + 0);
	CHECK_EQ(row.regs[3].off, -(16 + 0x20c) + 12);
	CHECK_EQ(row.cfa_off, 16 + 0x20c);
	/* a two-byte ULEB128: 0x81 0x01 = 129 */
	CHECK_EQ(RUN(&row, &err, 0xb2, 0x81, 0x01), EXIDX_ROW);
	CHECK_EQ(row.cfa_off, 0x204 + 4 * 129);

	/* VFP: vpush {d8-d9} (0xd1: 16 bytes), FSTMFDX d8-d10 (0xba: 28),
	 * vpush {d0-d3} (0xc9 0x03: 32), vpush {d16-d17} (0xc8 0x01: 16),
	 * FSTMFDX d2-d3 (0xb3 0x21: 20) */
	CHECK_EQ(RUN(&row, &err, 0xd1), EXIDX_ROW);
	CHECK_EQ(row.cfa_off, 16);
	CHECK_EQ(RUN(&row, &err, 0xba), EXIDX_ROW);
	CHECK_EQ(row.cfa_off, 28);
	CHECK_EQ(RUN(&row, &err, 0xc9, 0x03), EXIDX_ROW);
	CHECK_EQ(row.cfa_off, 32);
	CHECK_EQ(RUN(&row, &err, 0xc8, 0x01, 0xa8), EXIDX_ROW);
	CHECK_EQ(row.cfa_off, 24);
	CHECK_EQ(row.regs[14].off, -4);
	CHECK_EQ(RUN(&row, &err, 0xb3, 0x21), EXIDX_ROW);
	CHECK_EQ(row.cfa_off, 20);

	/* refuse to unwind */
	CHECK_EQ(RUN(&row, &err, 0x80, 0x00), EXIDX_REFUSE);
	CHECK(!err);
	CHECK_EQ(RUN(&row, &err, 0xa8, 0x80, 0x00), EXIDX_REFUSE);

	/* what a row cannot say, and spare opcodes */
	RUN(&row, &err, 0x8f, 0xff);            /* pops r13 */
	CHECK(err);
	RUN(&row, &err, 0xa8, 0x9b);            /* vsp = r11 after a pop */
	CHECK(err);
	RUN(&row, &err, 0x9d);                  /* reserved */
	CHECK(err);
	RUN(&row, &err, 0x9f);
	CHECK(err);
	RUN(&row, &err, 0xb1, 0x00);            /* spare */
	CHECK(err);
	RUN(&row, &err, 0xb1, 0x10);
	CHECK(err);
	RUN(&row, &err, 0xb4);
	CHECK(err);
	RUN(&row, &err, 0xca);
	CHECK(err);
	RUN(&row, &err, 0xd8);
	CHECK(err);
	RUN(&row, &err, 0xff);
	CHECK(err);
	/* cut short */
	RUN(&row, &err, 0x84);
	CHECK(err);
	RUN(&row, &err, 0xb2, 0x80);
	CHECK(err);
	RUN(&row, &err, 0xb2, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01);
	CHECK(err);
}

/* ---- a hand-built table ---- */

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> 8 * i);
}

static uint32_t prel31_to(uint64_t place, uint64_t target)
{
	return (uint32_t)(target - place) & 0x7fffffffu;
}

#define IDX_ADDR 0x20000
#define TAB_ADDR 0x21000

static enum exidx_result find(const struct exidx_table *t, uint64_t pc, struct cfi_row *row,
			      bool *err)
{
	enum exidx_result res = EXIDX_NONE;
	cor_error *e = exidx_find(t, pc, row, &res);
	*err = e != NULL;
	cor_error_free(e);
	return res;
}

static void test_table(void)
{
	/* functions at 0x1000 (inline: pop {r4, lr}), 0x1100 (CANTUNWIND),
	 * 0x1200 (extab, personality 0: vsp += 8, pop r4-r5),
	 * 0x1300 (extab, personality 1 with one more word: pop {r4, pc}
	 * then vsp += 4), 0x1400 (a generic personality routine, then
	 * pop r4, r14), 0x1500 (extab personality 2, refuse),
	 * 0x1600 (extab reference out of .ARM.extab), 0x1700 (inline
	 * personality 1: not allowed), 0x1800 (extab personality 3) */
	uint8_t idx[9 * 8], tab[64];
	uint64_t fn[9] = { 0x1000, 0x1100, 0x1200, 0x1300, 0x1400, 0x1500, 0x1600, 0x1700, 0x1800 };
	memset(tab, 0, sizeof(tab));
	for (int i = 0; i < 9; i++)
		put32(idx + 8 * i, prel31_to(IDX_ADDR + 8 * i, fn[i]));
	put32(idx + 4, 0x80a8b0b0u);
	put32(idx + 12, 1);
	/* extab at TAB_ADDR + 0: personality 0, vsp += 8 (0x01), pop r4-r5 (0xa1), finish */
	put32(idx + 20, prel31_to(IDX_ADDR + 20, TAB_ADDR + 0));
	put32(tab + 0, 0x8001a1b0u);
	/* +4: personality 1, 1 more word: 0x88 0x01 (pop r4, r15), then 0x00 (vsp += 4), finish */
	put32(idx + 28, prel31_to(IDX_ADDR + 28, TAB_ADDR + 4));
	put32(tab + 4, 0x81018801u);
	put32(tab + 8, 0x00b0b0b0u);
	/* +12: a personality routine at 0x5000, then 0 more words: 0xa8 (pop r4, r14), finish */
	put32(idx + 36, prel31_to(IDX_ADDR + 36, TAB_ADDR + 12));
	put32(tab + 12, prel31_to(TAB_ADDR + 12, 0x5000));
	put32(tab + 16, 0x00a8b0b0u);
	/* +20: personality 2, refuse */
	put32(idx + 44, prel31_to(IDX_ADDR + 44, TAB_ADDR + 20));
	put32(tab + 20, 0x82008000u);
	/* out of the section */
	put32(idx + 52, prel31_to(IDX_ADDR + 52, TAB_ADDR + 0x800));
	put32(idx + 60, 0x81a8b0b0u);
	put32(idx + 68, prel31_to(IDX_ADDR + 68, TAB_ADDR + 24));
	put32(tab + 24, 0x83b0b0b0u);

	struct dwarf_section si = { idx, sizeof(idx), IDX_ADDR }, st = { tab, sizeof(tab), TAB_ADDR };
	struct exidx_table *t;
	cor_error *e = exidx_table_new(&si, &st, false, "test", &t);
	CHECK(!e);
	if (e)
		return;
	struct cfi_row row;
	bool err;

	CHECK_EQ(find(t, 0xfff, &row, &err), EXIDX_NONE);
	CHECK(!err);
	CHECK_EQ(find(t, 0x1000, &row, &err), EXIDX_ROW);
	CHECK_EQ(row.cfa_off, 8);
	CHECK_EQ(row.regs[14].off, -4);
	CHECK_EQ(row.pc_begin, 0x1000);
	CHECK_EQ(row.pc_end, 0x1100);
	CHECK_EQ(find(t, 0x10ff, &row, &err), EXIDX_ROW);
	CHECK_EQ(find(t, 0x1100, &row, &err), EXIDX_CANTUNWIND);
	CHECK(!err);
	CHECK_EQ(find(t, 0x1234, &row, &err), EXIDX_ROW);
	CHECK_EQ(row.cfa_off, 16);
	CHECK_EQ(row.regs[4].off, -8);
	CHECK_EQ(row.regs[5].off, -4);
	CHECK_EQ(row.ra_reg, 14);
	CHECK_EQ(find(t, 0x1300, &row, &err), EXIDX_ROW);
	CHECK_EQ(row.cfa_off, 12);
	CHECK_EQ(row.regs[4].off, -12);
	CHECK_EQ(row.regs[15].off, -8);
	CHECK_EQ(row.ra_reg, 15);
	CHECK_EQ(find(t, 0x1400, &row, &err), EXIDX_ROW);
	CHECK_EQ(row.cfa_off, 8);
	CHECK_EQ(row.regs[14].off, -4);
	CHECK_EQ(find(t, 0x1500, &row, &err), EXIDX_REFUSE);
	CHECK(!err);
	find(t, 0x1600, &row, &err);
	CHECK(err);
	find(t, 0x1700, &row, &err);
	CHECK(err);
	find(t, 0x1800, &row, &err);
	CHECK(err);
	exidx_table_free(t);

	/* an extab entry cut short: personality 1 saying 3 more words */
	put32(tab + 60, 0x81030000u);
	put32(idx + 20, prel31_to(IDX_ADDR + 20, TAB_ADDR + 60));
	CHECK(!exidx_table_new(&si, &st, false, "test", &t));
	find(t, 0x1200, &row, &err);
	CHECK(err);
	exidx_table_free(t);

	/* no extab at all */
	CHECK(!exidx_table_new(&si, NULL, false, "test", &t));
	CHECK_EQ(find(t, 0x1000, &row, &err), EXIDX_ROW);
	find(t, 0x1200, &row, &err);
	CHECK(err);
	exidx_table_free(t);

	/* an empty section */
	struct dwarf_section none = { NULL, 0, 0 };
	e = exidx_table_new(&none, NULL, false, "test", &t);
	CHECK(e && !t);
	cor_error_free(e);
}

int main(void)
{
	test_opcodes();
	test_table();
	return T_DONE();
}
