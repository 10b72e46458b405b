/* s390 (31-bit, big endian): PSW mask and address, r0-r15, access registers
 * a0-a15, orig_r2, all 4 bytes (140 bytes, padded to 144: the PSW is 8-byte
 * aligned); NT_S390_HIGH_GPRS has the upper halves of r0-r15 (high_r0 ...).
 * NT_PRFPREG (fpc, f0-f15) and the DWARF numbers are s390x's. Addresses
 * carry the addressing-mode bit (0x80000000) in pswa and in saved r14. */
#include "arch/arch.h"

#define R(i) { "r" #i, 8 + (i) * 4, 4, i, COR_REGS_GENERAL }
#define A(i) { "a" #i, 72 + (i) * 4, 4, 48 + (i), COR_REGS_OTHER }
static const struct arch_reg gregs[] = {
	{ "pswm", 0, 4, 64, COR_REGS_GENERAL },
	{ "pswa", 4, 4, 65, COR_REGS_GENERAL },
	R(0), R(1), R(2), R(3), R(4), R(5), R(6), R(7), R(8), R(9), R(10),
	R(11), R(12), R(13), R(14), R(15),
	A(0), A(1), A(2), A(3), A(4), A(5), A(6), A(7), A(8), A(9), A(10),
	A(11), A(12), A(13), A(14), A(15),
	{ "orig_r2", 136, 4, -1, COR_REGS_OTHER },
};

#define H(i) { "high_r" #i, (i) * 4, 4, -1, COR_REGS_OTHER }
static const struct arch_reg high_gprs[] = {
	H(0), H(1), H(2), H(3), H(4), H(5), H(6), H(7), H(8), H(9), H(10),
	H(11), H(12), H(13), H(14), H(15),
};

static bool note(struct regs_builder *b, uint32_t type, const uint8_t *d,
		 size_t n, uint64_t *xf)
{
	if (type == NT_S390_HIGH_GPRS && n >= 64) {
		regs_add_table(b, high_gprs, COR_ARRAY_SIZE(high_gprs), d, n);
		return true;
	}
	return arch_s390x.decode_note(b, type, d, n, xf);
}

/* A 31-bit PSW address (and a saved r14) carries the addressing-mode bit. */
static uint64_t strip_amode(uint64_t pc)
{
	return pc & 0x7fffffffu;
}

const struct arch_info arch_s390 = {
	.arch = COR_ARCH_S390, .name = "s390", .machine = 22, .is64 = false, .be = true,
	.gregs = gregs, .ngregs = COR_ARRAY_SIZE(gregs),
	.pr_reg_size = 144, .pc_name = "pswa", .sp_name = "r15",
	.dwarf_sp = 15, .dwarf_fp = 11, .dwarf_ra = 14, .dwarf_pc = 65,
	.decode_note = note,
	/* the CFA includes the 96-byte register save area */
	.sp_from_cfa = -96, .leaf_ra = -1, .strip_pc = strip_amode,
	.call_ra = 14, .after_call = s390_after_call,
};
