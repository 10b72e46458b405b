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

/* At a signal trampoline, li r0,N; sc with N __NR_sigreturn (119) or
 * __NR_rt_sigreturn (172) (qemu-user's trampoline page and ppc32's vDSO;
 * the ppc64 vDSO's starts with an addi and is left to its CFI). r1 is
 * __SIGNAL_FRAMESIZE (128; 64 on ppc32) below the frame, 16 more for an rt
 * frame on ppc32 (and on ppc64 in qemu-user's cores, not the kernel's). The
 * saved registers are 48 words in pt_regs order (r0-r31, nip, msr,
 * orig_r3, ctr, lr, xer, cr), found through a pointer: ppc64 (rt only) the
 * sigcontext's regs in the ucontext (offset 168 + 56), which points at the
 * word after it; ppc32 the sigcontext's regs (offset 28) or the ucontext's
 * uc_regs (48, after the 128-byte siginfo). Shared with 32-bit ppc. */
int ppc_signal(const struct arch_info *a, struct frame_regs *r, const struct arch_mem *m)
{
	static const int8_t map[] = {
		0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18,
		19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31,
		-1, -1, -1, 66, 65, 76, 64 };
	uint32_t li, sc;
	uint64_t sp = r->v[1], regs;
	(void)a;
	if (!arch_word_before(m, r->pc + 4, m->be, &li) ||
	    !arch_word_before(m, r->pc + 8, m->be, &sc) || sc != 0x44000002u ||
	    (li != 0x38000077u && li != 0x380000acu))
		return 0;
	bool rt = li == 0x380000acu;
	if (!r->ok[1])
		return -1;
	if (m->word == 4) {
		if (!arch_read_word(m, rt ? sp + 64 + 16 + 128 + 48 : sp + 64 + 28, &regs))
			return -1;
		return arch_restore_context(r, m, regs, map, sizeof(map), 32) ? 1 : -1;
	}
	if (!rt)
		return 0;
	/* the sigcontext's regs points at gp_regs, the word after it */
	for (uint64_t gap = 0; gap <= 16; gap += 16) {
		uint64_t at = sp + 128 + gap + 168 + 56;
		if (arch_read_word(m, at, &regs) && regs == at + 8)
			return arch_restore_context(r, m, regs, map, sizeof(map), 32) ? 1 : -1;
	}
	return -1;
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
	.signal_step = ppc_signal, .fallback_step = back_chain, .leaf_ra = -1,
	.call_ra = 65, .after_call = ppc_after_call,
};

const struct arch_info arch_ppc64 = {
	.arch = COR_ARCH_PPC64, .name = "ppc64", .machine = 21, .is64 = true, .be = true,
	.gregs = gregs, .ngregs = COR_ARRAY_SIZE(gregs),
	.pr_reg_size = 48 * 8, .pc_name = "nip", .sp_name = "r1",
	.dwarf_sp = 1, .dwarf_fp = 31, .dwarf_ra = 65, .dwarf_pc = -1,
	.decode_note = note,
	.signal_step = ppc_signal, .fallback_step = back_chain, .leaf_ra = -1,
	.call_ra = 65, .after_call = ppc_after_call,
};
