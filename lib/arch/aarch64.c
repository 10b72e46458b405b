/* aarch64: x0-x30, sp, pc, pstate; FPSIMD v0-v31, fpsr, fpcr. */
#include <stdio.h>
#include "arch/arch.h"

#define X(i) { "x" #i, (i) * 8, 8, i, COR_REGS_GENERAL }
static const struct arch_reg gregs[] = {
	X(0), X(1), X(2), X(3), X(4), X(5), X(6), X(7), X(8), X(9), X(10),
	X(11), X(12), X(13), X(14), X(15), X(16), X(17), X(18), X(19), X(20),
	X(21), X(22), X(23), X(24), X(25), X(26), X(27), X(28), X(29), X(30),
	{ "sp", 248, 8, 31, COR_REGS_GENERAL },
	{ "pc", 256, 8, 32, COR_REGS_GENERAL },
	{ "pstate", 264, 8, -1, COR_REGS_GENERAL },
};

static const char *const vnames[32] = {
	"v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9", "v10",
	"v11", "v12", "v13", "v14", "v15", "v16", "v17", "v18", "v19", "v20",
	"v21", "v22", "v23", "v24", "v25", "v26", "v27", "v28", "v29", "v30", "v31",
};

static bool note(struct regs_builder *b, uint32_t type, const uint8_t *d,
		 size_t n, uint64_t *xf)
{
	(void)xf; /* no extended state on this architecture */
	if (type == NT_PRFPREG) {
		if (n < 520)
			return false;
		for (int i = 0; i < 32; i++)
			regs_add(b, vnames[i], COR_REGS_VECTOR, d + 16 * i, 16);
		regs_add(b, "fpsr", COR_REGS_FLOAT, d + 512, 4);
		regs_add(b, "fpcr", COR_REGS_FLOAT, d + 516, 4);
		return true;
	}
	if (type == NT_ARM_TLS) {
		if (n < 8)
			return false;
		regs_add(b, "tpidr_el0", COR_REGS_OTHER, d, 8);
		return true;
	}
	if (type == NT_ARM_PAC_MASK) {
		if (n < 16)
			return false;
		regs_add(b, "pauth_dmask", COR_REGS_OTHER, d, 8);
		regs_add(b, "pauth_cmask", COR_REGS_OTHER, d + 8, 8);
		return true;
	}
	return false;
}

/* sp points at the rt_sigframe (as the kernel enters a handler, and at
 * its return to __kernel_rt_sigreturn); its ucontext's mcontext has
 * x0-x30, sp, pc after the siginfo (128) and the ucontext's head (176)
 * and fault address (8). */
static bool signal_entry(const struct arch_info *a, struct frame_regs *r, const struct arch_mem *m)
{
	static const int8_t map[] = {
		0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18,
		19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32 };
	(void)a;
	return arch_restore_context(r, m, r->v[31] + 128 + 176 + 8, map, sizeof(map), 32);
}

/* __kernel_rt_sigreturn: mov x8, #139; svc #0 */
/* At a handler's entry: the frame starts with the siginfo, whose si_signo
 * must be a signal number (else sp is not where the kernel put it) */
static bool handler_entry(const struct arch_info *a, struct frame_regs *r,
			  const struct arch_mem *m)
{
	uint8_t b[4];
	cor_error *err = r->ok[31] ? m->read(m->arg, r->v[31], b, 4) : NULL;
	if (!r->ok[31] || err) {
		cor_error_free(err);
		return false;
	}
	uint32_t signo = (uint32_t)cor_load(b, 4, false);
	return signo >= 1 && signo <= 64 && signal_entry(a, r, m);
}

static int signal(const struct arch_info *a, struct frame_regs *r, const struct arch_mem *m)
{
	static const uint8_t code[] = { 0x68, 0x11, 0x80, 0xd2, 0x01, 0, 0, 0xd4 };
	if (!arch_code_is(r, m, code, sizeof(code)))
		return 0;
	return signal_entry(a, r, m) ? 1 : -1;
}

/* Pointer authentication: a return address with bits above the 48-bit
 * address space carries a PAC. */
static uint64_t strip_pac(uint64_t pc)
{
	if ((pc >> 48) != 0 && (pc >> 48) != 0xffff)
		pc &= 0x0000ffffffffffffull;
	return pc;
}

/* ra follows BL or BLR (instructions are little endian). */
static bool after_call(const struct arch_info *a, const struct arch_mem *m, uint64_t ra)
{
	uint32_t w;
	(void)a;
	if (!arch_word_before(m, ra, false, &w))
		return false;
	return (w & 0xfc000000u) == 0x94000000u || (w & 0xfffffc1fu) == 0xd63f0000u;
}

const struct arch_info arch_aarch64 = {
	.arch = COR_ARCH_AARCH64, .name = "aarch64", .machine = 183, .is64 = true,
	.gregs = gregs, .ngregs = COR_ARRAY_SIZE(gregs),
	.pr_reg_size = 34 * 8, .pc_name = "pc", .sp_name = "sp",
	.dwarf_sp = 31, .dwarf_fp = 29, .dwarf_ra = 30, .dwarf_pc = 32,
	.decode_note = note,
	.signal_step = signal, .signal_entry_step = handler_entry, .fake_call_push = 16,
	.fallback_step = arch_fp_record_step, .leaf_ra = 30,
	.strip_pc = strip_pac, .call_ra = 30, .after_call = after_call,
	/* x19-x29, sp, and the pc column (d8-d15 are only half kept) */
	.callee_saved = { (0x7ffull << 19) | (1ull << 31) | (1ull << 32) },
};
