/* riscv64: pc then x1-x31 by ABI name; f0-f31 and fcsr. */
#include "arch/arch.h"

#define X(n, i) { n, (i) * 8, 8, i, COR_REGS_GENERAL }
static const struct arch_reg gregs[] = {
	{ "pc", 0, 8, -1, COR_REGS_GENERAL },
	X("ra", 1), X("sp", 2), X("gp", 3), X("tp", 4), X("t0", 5), X("t1", 6),
	X("t2", 7), X("s0", 8), X("s1", 9), X("a0", 10), X("a1", 11), X("a2", 12),
	X("a3", 13), X("a4", 14), X("a5", 15), X("a6", 16), X("a7", 17),
	X("s2", 18), X("s3", 19), X("s4", 20), X("s5", 21), X("s6", 22),
	X("s7", 23), X("s8", 24), X("s9", 25), X("s10", 26), X("s11", 27),
	X("t3", 28), X("t4", 29), X("t5", 30), X("t6", 31),
};

#define F(i) { "f" #i, (i) * 8, 8, 32 + (i), COR_REGS_FLOAT }
static const struct arch_reg fregs[] = {
	F(0), F(1), F(2), F(3), F(4), F(5), F(6), F(7), F(8), F(9), F(10),
	F(11), F(12), F(13), F(14), F(15), F(16), F(17), F(18), F(19), F(20),
	F(21), F(22), F(23), F(24), F(25), F(26), F(27), F(28), F(29), F(30), F(31),
	{ "fcsr", 256, 4, -1, COR_REGS_FLOAT },
};

static bool note(struct regs_builder *b, uint32_t type, const uint8_t *d,
		 size_t n, uint64_t *xf)
{
	(void)xf; /* no extended state on this architecture */
	if (type == NT_PRFPREG && n >= 260) {
		regs_add_table(b, fregs, COR_ARRAY_SIZE(fregs), d, n);
		return true;
	}
	return false;
}

/* ra follows jal or jalr writing ra (x1), or c.jalr (which always does). */
static bool after_call(const struct arch_info *a, const struct arch_mem *m, uint64_t ra)
{
	uint32_t w, h;
	(void)a;
	if (!arch_word_before(m, ra, false, &w))
		return false;
	h = w >> 16;            /* the halfword before ra */
	if (((w & 0x7f) == 0x6f || (w & 0x707f) == 0x67) && ((w >> 7) & 0x1f) == 1)
		return true;
	return (h & 0xf07f) == 0x9002 && ((h >> 7) & 0x1f) != 0;
}

const struct arch_info arch_riscv64 = {
	.arch = COR_ARCH_RISCV64, .name = "riscv64", .machine = 243, .is64 = true,
	.gregs = gregs, .ngregs = COR_ARRAY_SIZE(gregs),
	.pr_reg_size = 32 * 8, .pc_name = "pc", .sp_name = "sp",
	.dwarf_sp = 2, .dwarf_fp = 8, .dwarf_ra = 1, .dwarf_pc = -1,
	.decode_note = note,
	.fallback_step = arch_fp_below_step, .leaf_ra = -1,
	.call_ra = 1, .after_call = after_call,
};
