/* 32-bit PowerPC (big endian): pt_regs as 48 words (r0-r31, nip, msr,
 * orig_r3, ctr, lr, xer, cr, mq, trap, dar, dsisr, result). NT_PRFPREG
 * (f0-f31 and the fpscr doubleword) and NT_PPC_VMX have the ppc64 layout.
 * DWARF numbers as GCC's .eh_frame uses them, the same as ppc64's (lr = 65
 * is the return address column), not the 1995 SysV supplement's (lr = 108). */
#include "arch/arch.h"

#define R(i) { "r" #i, (i) * 4, 4, i, COR_REGS_GENERAL }
static const struct arch_reg gregs[] = {
	R(0), R(1), R(2), R(3), R(4), R(5), R(6), R(7), R(8), R(9), R(10),
	R(11), R(12), R(13), R(14), R(15), R(16), R(17), R(18), R(19), R(20),
	R(21), R(22), R(23), R(24), R(25), R(26), R(27), R(28), R(29), R(30), R(31),
	{ "nip", 128, 4, -1, COR_REGS_GENERAL },
	{ "msr", 132, 4, -1, COR_REGS_GENERAL },
	{ "orig_r3", 136, 4, -1, COR_REGS_GENERAL },
	{ "ctr", 140, 4, 66, COR_REGS_GENERAL },
	{ "lr", 144, 4, 65, COR_REGS_GENERAL },
	{ "xer", 148, 4, 76, COR_REGS_GENERAL },
	{ "cr", 152, 4, 64, COR_REGS_GENERAL },
	{ "mq", 156, 4, -1, COR_REGS_OTHER },
	{ "trap", 160, 4, -1, COR_REGS_OTHER },
	{ "dar", 164, 4, -1, COR_REGS_OTHER },
	{ "dsisr", 168, 4, -1, COR_REGS_OTHER },
	{ "result", 172, 4, -1, COR_REGS_OTHER },
};

static bool note(struct regs_builder *b, uint32_t type, const uint8_t *d,
		 size_t n, uint64_t *xf)
{
	return arch_ppc64.decode_note(b, type, d, n, xf);
}

const struct arch_info arch_ppc = {
	.arch = COR_ARCH_PPC, .name = "ppc", .machine = 20, .is64 = false, .be = true,
	.gregs = gregs, .ngregs = COR_ARRAY_SIZE(gregs),
	.pr_reg_size = 48 * 4, .pc_name = "nip", .sp_name = "r1",
	.dwarf_sp = 1, .dwarf_fp = 31, .dwarf_ra = 65, .dwarf_pc = -1,
	.decode_note = note,
	.signal_step = ppc_signal, .leaf_ra = -1, .call_ra = 65, .after_call = ppc_after_call,
};
