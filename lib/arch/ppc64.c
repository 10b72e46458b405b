/* ppc64 (both byte orders): r0-r31, nip, msr, ctr, lr ...; f0-f31, fpscr;
 * vr0-vr31, vscr, vrsave. DWARF numbers per the 64-bit ELF ABI. */
#include "arch/arch.h"

#define R(i) { "r" #i, (i) * 8, 8, i, COR_REGS_GENERAL }
static const struct arch_reg gregs[] = {
	R(0), R(1), R(2), R(3), R(4), R(5), R(6), R(7), R(8), R(9), R(10),
	R(11), R(12), R(13), R(14), R(15), R(16), R(17), R(18), R(19), R(20),
	R(21), R(22), R(23), R(24), R(25), R(26), R(27), R(28), R(29), R(30), R(31),
	{ "nip", 256, 8, -1, COR_REGS_GENERAL },
	{ "msr", 264, 8, -1, COR_REGS_GENERAL },
	{ "orig_r3", 272, 8, -1, COR_REGS_GENERAL },
	{ "ctr", 280, 8, 66, COR_REGS_GENERAL },
	{ "lr", 288, 8, 65, COR_REGS_GENERAL },
	{ "xer", 296, 8, 76, COR_REGS_GENERAL },
	{ "cr", 304, 8, 64, COR_REGS_GENERAL },
	{ "softe", 312, 8, -1, COR_REGS_OTHER },
	{ "trap", 320, 8, -1, COR_REGS_OTHER },
	{ "dar", 328, 8, -1, COR_REGS_OTHER },
	{ "dsisr", 336, 8, -1, COR_REGS_OTHER },
	{ "result", 344, 8, -1, COR_REGS_OTHER },
};

#define F(i) { "f" #i, (i) * 8, 8, 32 + (i), COR_REGS_FLOAT }
static const struct arch_reg fregs[] = {
	F(0), F(1), F(2), F(3), F(4), F(5), F(6), F(7), F(8), F(9), F(10),
	F(11), F(12), F(13), F(14), F(15), F(16), F(17), F(18), F(19), F(20),
	F(21), F(22), F(23), F(24), F(25), F(26), F(27), F(28), F(29), F(30), F(31),
	{ "fpscr", 256, 8, -1, COR_REGS_FLOAT },
};

#define V(i) { "vr" #i, (i) * 16, 16, 77 + (i), COR_REGS_VECTOR }
static const struct arch_reg vregs[] = {
	V(0), V(1), V(2), V(3), V(4), V(5), V(6), V(7), V(8), V(9), V(10),
	V(11), V(12), V(13), V(14), V(15), V(16), V(17), V(18), V(19), V(20),
	V(21), V(22), V(23), V(24), V(25), V(26), V(27), V(28), V(29), V(30), V(31),
	{ "vscr", 512, 16, -1, COR_REGS_VECTOR },
	{ "vrsave", 528, 4, -1, COR_REGS_VECTOR },
};

static bool note(struct regs_builder *b, uint32_t type, const uint8_t *d,
		 size_t n, uint64_t *xf)
{
	(void)xf; /* no extended state on this architecture */
	if (type == NT_PRFPREG && n >= 264) {
		regs_add_table(b, fregs, COR_ARRAY_SIZE(fregs), d, n);
		return true;
	}
	if (type == NT_PPC_VMX && n >= 532) {
		regs_add_table(b, vregs, COR_ARRAY_SIZE(vregs), d, n);
		return true;
	}
	return false;
}

/* The back chain: the word at r1 is the caller's r1; the caller's frame
 * keeps the LR save slot 16 bytes in (the innermost frame's return address
 * may still be in lr, DWARF 65). */
static bool back_chain(const struct arch_info *a, struct frame_regs *r,
		       const struct arch_mem *m, bool first)
{
	uint64_t back, ra;
	(void)a;
	if (!r->ok[1] || !arch_read_word(m, r->v[1], &back) || back <= r->v[1])
		return false;
	if (first && r->ok[65])
		ra = r->v[65];
	else if (!arch_read_word(m, back + 16, &ra))
		return false;
	frame_regs_set(r, 1, back);
	r->cfa = back;
	r->pc = ra;
	return true;
}

/* ra follows bl (primary opcode 18 with LK), bctrl or blrl; shared with
 * 32-bit ppc. Instructions have the data's byte order. */
bool ppc_after_call(const struct arch_info *a, const struct arch_mem *m, uint64_t ra)
{
	uint32_t w;
	(void)a;
	if (!arch_word_before(m, ra, m->be, &w))
		return false;
	return ((w >> 26) == 18 && (w & 1)) || w == 0x4e800421u || w == 0x4e800021u;
}

const struct arch_info arch_ppc64le = {
	.arch = COR_ARCH_PPC64LE, .name = "ppc64le", .machine = 21, .is64 = true,
	.gregs = gregs, .ngregs = COR_ARRAY_SIZE(gregs),
	.pr_reg_size = 48 * 8, .pc_name = "nip", .sp_name = "r1",
	.dwarf_sp = 1, .dwarf_fp = 31, .dwarf_ra = 65, .dwarf_pc = -1,
	.decode_note = note,
	.fallback_step = back_chain, .leaf_ra = -1,
	.call_ra = 65, .after_call = ppc_after_call,
};

const struct arch_info arch_ppc64 = {
	.arch = COR_ARCH_PPC64, .name = "ppc64", .machine = 21, .is64 = true, .be = true,
	.gregs = gregs, .ngregs = COR_ARRAY_SIZE(gregs),
	.pr_reg_size = 48 * 8, .pc_name = "nip", .sp_name = "r1",
	.dwarf_sp = 1, .dwarf_fp = 31, .dwarf_ra = 65, .dwarf_pc = -1,
	.decode_note = note,
	.fallback_step = back_chain, .leaf_ra = -1,
	.call_ra = 65, .after_call = ppc_after_call,
};
