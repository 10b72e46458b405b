/* s390x (big endian): PSW mask and address, r0-r15, access registers a0-a15;
 * f0-f15 and fpc; DWARF numbers per the s390x ELF ABI supplement. */
#include "arch/arch.h"

#define R(i) { "r" #i, 16 + (i) * 8, 8, i, COR_REGS_GENERAL }
#define A(i) { "a" #i, 144 + (i) * 4, 4, 48 + (i), COR_REGS_OTHER }
static const struct arch_reg gregs[] = {
	{ "pswm", 0, 8, 64, COR_REGS_GENERAL },
	{ "pswa", 8, 8, 65, COR_REGS_GENERAL },
	R(0), R(1), R(2), R(3), R(4), R(5), R(6), R(7), R(8), R(9), R(10),
	R(11), R(12), R(13), R(14), R(15),
	A(0), A(1), A(2), A(3), A(4), A(5), A(6), A(7), A(8), A(9), A(10),
	A(11), A(12), A(13), A(14), A(15),
	{ "orig_r2", 208, 8, -1, COR_REGS_OTHER },
};

/* DWARF numbers of f0-f15 are 16-31 in the order f0 f2 f4 f6 f1 f3 f5 f7 f8 ... */
#define F(i, d) { "f" #i, 8 + (i) * 8, 8, d, COR_REGS_FLOAT }
static const struct arch_reg fregs[] = {
	{ "fpc", 0, 4, -1, COR_REGS_FLOAT },
	F(0, 16), F(1, 20), F(2, 17), F(3, 21), F(4, 18), F(5, 22), F(6, 19), F(7, 23),
	F(8, 24), F(9, 28), F(10, 25), F(11, 29), F(12, 26), F(13, 30), F(14, 27), F(15, 31),
};

static bool note(struct regs_builder *b, uint32_t type, const uint8_t *d,
		 size_t n, uint64_t *xf)
{
	(void)xf; /* no extended state on this architecture */
	if (type == NT_PRFPREG && n >= 136) {
		regs_add_table(b, fregs, COR_ARRAY_SIZE(fregs), d, n);
		return true;
	}
	return false;
}

/* ra follows brasl (c0 r5 + 4 bytes), bras (a7 r5 + 2 bytes) or basr
 * (0d r1r2); shared with s390. */
bool s390_after_call(const struct arch_info *a, const struct arch_mem *m, uint64_t ra)
{
	uint8_t b[6];           /* b[6 - k] is the byte at ra - k */
	(void)a;
	if (!arch_read_before(m, ra, b, sizeof(b)))
		return false;
	return (b[0] == 0xc0 && (b[1] & 0x0f) == 5) || (b[2] == 0xa7 && (b[3] & 0x0f) == 5) ||
	       b[4] == 0x0d;
}

/* At a signal trampoline, svc 119 (sigreturn) or svc 173 (rt_sigreturn)
 * (the vDSO's, or qemu-user's trampoline page): r15 points at the frame,
 * whose first 160 bytes are the save area of the handler's callee. The
 * saved PSW and r0-r15 (_sigregs) are, for sigreturn, where the
 * sigcontext's sregs points (after oldmask: offset 160 + 8); for
 * rt_sigreturn, the ucontext's uc_mcontext (after the svc's 8 bytes, the
 * 128-byte siginfo and uc_flags, uc_link, uc_stack: 160 + 8 + 128 + 40). */
static const int8_t sregs_map[] = { 64, 65, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };

static int signal(const struct arch_info *a, struct frame_regs *r, const struct arch_mem *m)
{
	uint8_t b[2];
	uint64_t regs;
	(void)a;
	if (!arch_read_before(m, r->pc + 2, b, 2) || b[0] != 0x0a || (b[1] != 119 && b[1] != 173))
		return 0;
	if (!r->ok[15])
		return -1;
	if (b[1] == 173)
		regs = r->v[15] + 160 + 8 + 128 + 40;
	else if (!arch_read_word(m, r->v[15] + 160 + 8, &regs))
		return -1;
	return arch_restore_context(r, m, regs, sregs_map, sizeof(sregs_map), 1) ? 1 : -1;
}

/* A handler's entry r15: the rt_sigframe (an SA_SIGINFO handler: Go's
 * runtime.sigtramp), its siginfo's si_signo a signal number */
static bool handler_entry(const struct arch_info *a, struct frame_regs *r,
			  const struct arch_mem *m)
{
	uint8_t b[4];
	(void)a;
	if (!r->ok[15])
		return false;
	cor_error *err = m->read(m->arg, r->v[15] + 160 + 8, b, 4);
	if (err) {
		cor_error_free(err);
		return false;
	}
	uint32_t signo = (uint32_t)cor_load(b, 4, true);
	return signo >= 1 && signo <= 64 &&
	       arch_restore_context(r, m, r->v[15] + 160 + 8 + 128 + 40, sregs_map,
				    sizeof(sregs_map), 1);
}

const struct arch_info arch_s390x = {
	.arch = COR_ARCH_S390X, .name = "s390x", .machine = 22, .is64 = true, .be = true,
	.gregs = gregs, .ngregs = COR_ARRAY_SIZE(gregs),
	.pr_reg_size = 216, .pc_name = "pswa", .sp_name = "r15",
	.dwarf_sp = 15, .dwarf_fp = 11, .dwarf_ra = 14, .dwarf_pc = 65,
	.decode_note = note,
	.signal_step = signal, .signal_entry_step = handler_entry, .fake_call_push = 8,
	.sp_from_cfa = -160, .leaf_ra = -1, .call_ra = 14,
	.after_call = s390_after_call,
};
