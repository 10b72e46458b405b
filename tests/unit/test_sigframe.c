/* The signal-frame steps of aarch64, ppc64, ppc, s390x and 32-bit ARM (and ARM's
 * prologue step) on made-up memory: the
 * trampoline's code at CODE, the frame the kernel (or qemu-user) lays out
 * at the stack pointer, per the layouts lib/arch/ppc64.c, s390x.c and
 * arm.c describe; the restored pc, stack pointer and link register. The
 * end-to-end check on real frames is tests/e2e/test_cross.py (cores made
 * by qemu-user). */
#include "t.h"
#include "arch/arch.h"
#include "space.h"

/* Runs a's signal step at pc CODE with stack pointer (DWARF sp) STACK. */
static int step(const struct arch_info *a, struct space *s, struct frame_regs *r)
{
	struct arch_mem m = { space_read, s, a->be, a->is64 ? 8 : 4 };
	memset(r, 0, sizeof(*r));
	r->mask = a->is64 ? UINT64_MAX : 0xffffffffu;
	r->pc = CODE;
	r->v[a->dwarf_sp] = STACK;
	r->ok[a->dwarf_sp] = true;
	return a->signal_step(a, r, &m);
}

/* pt_regs words (r0-r31, nip, msr, orig_r3, ctr, lr) at off in the stack:
 * r1 = STACK + 0x800, nip 0x1234, ctr 0x5678, lr 0x9abc. */
static void ppc_regs(struct space *s, const struct arch_info *a, uint64_t off)
{
	unsigned w = a->is64 ? 8 : 4;
	store(s->stack + off + 1 * w, STACK + 0x800, w, a->be);
	store(s->stack + off + 32 * w, 0x1234, w, a->be);
	store(s->stack + off + 35 * w, 0x5678, w, a->be);
	store(s->stack + off + 36 * w, 0x9abc, w, a->be);
}

static void check_ppc(const struct arch_info *a, struct space *s, int want)
{
	struct frame_regs r;
	CHECK_EQ(step(a, s, &r), want);
	if (want != 1)
		return;
	CHECK_EQ(r.pc, 0x1234);
	CHECK(r.ok[1] && r.v[1] == STACK + 0x800);
	CHECK(r.ok[66] && r.v[66] == 0x5678);
	CHECK(r.ok[65] && r.v[65] == 0x9abc);
}

static void ppc_code(struct space *s, const struct arch_info *a, uint32_t li)
{
	memset(s, 0, sizeof(*s));
	store(s->code, li, 4, a->be);
	store(s->code + 4, 0x44000002u, 4, a->be); /* sc */
}

static void ppc64(const struct arch_info *a)
{
	static struct space s;
	/* rt_sigreturn, the kernel's frame: ucontext at sp + 128, its
	 * sigcontext's regs (168 + 56) points at gp_regs, the next word */
	ppc_code(&s, a, 0x380000acu);
	store(s.stack + 128 + 224, STACK + 128 + 232, 8, a->be);
	ppc_regs(&s, a, 128 + 232);
	check_ppc(a, &s, 1);
	/* qemu-user's: 16 bytes further */
	ppc_code(&s, a, 0x380000acu);
	store(s.stack + 144 + 224, STACK + 144 + 232, 8, a->be);
	ppc_regs(&s, a, 144 + 232);
	check_ppc(a, &s, 1);
	/* a regs word that does not point at the next word: not a frame */
	ppc_code(&s, a, 0x380000acu);
	store(s.stack + 128 + 224, STACK + 0x100, 8, a->be);
	check_ppc(a, &s, -1);
	/* ppc64 has no sigreturn frames; other code is no trampoline */
	ppc_code(&s, a, 0x38000077u);
	check_ppc(a, &s, 0);
	ppc_code(&s, a, 0x60000000u); /* nop */
	check_ppc(a, &s, 0);
}

static void ppc32(void)
{
	const struct arch_info *a = &arch_ppc;
	static struct space s;
	/* sigreturn: the sigcontext at sp + 64, its regs (28) points at them */
	ppc_code(&s, a, 0x38000077u);
	store(s.stack + 64 + 28, STACK + 0x200, 4, true);
	ppc_regs(&s, a, 0x200);
	check_ppc(a, &s, 1);
	/* rt_sigreturn: siginfo at sp + 64 + 16, ucontext after it, uc_regs at 48 */
	ppc_code(&s, a, 0x380000acu);
	store(s.stack + 64 + 16 + 128 + 48, STACK + 0x300, 4, true);
	ppc_regs(&s, a, 0x300);
	check_ppc(a, &s, 1);
	/* the pointer leads nowhere */
	ppc_code(&s, a, 0x38000077u);
	store(s.stack + 64 + 28, 0x100, 4, true);
	check_ppc(a, &s, -1);
	/* li r0,119 without sc */
	ppc_code(&s, a, 0x38000077u);
	store(s.code + 4, 0x60000000u, 4, true);
	check_ppc(a, &s, 0);
}

/* _sigregs at off: pswm, pswa 0x1234, r0-r15 with r14 0x9abc, r15 STACK + 0x800 */
static void s390x_regs(struct space *s, uint64_t off)
{
	store(s->stack + off, 0x0705000180000000ull, 8, true);
	store(s->stack + off + 8, 0x1234, 8, true);
	store(s->stack + off + 16 + 14 * 8, 0x9abc, 8, true);
	store(s->stack + off + 16 + 15 * 8, STACK + 0x800, 8, true);
}

static void check_s390x(struct space *s, int want)
{
	struct frame_regs r;
	CHECK_EQ(step(&arch_s390x, s, &r), want);
	if (want != 1)
		return;
	CHECK_EQ(r.pc, 0x1234);
	CHECK(r.ok[15] && r.v[15] == STACK + 0x800);
	CHECK(r.ok[14] && r.v[14] == 0x9abc);
	CHECK(r.ok[64] && r.v[64] == 0x0705000180000000ull);
}

static void s390x(void)
{
	static struct space s;
	/* svc 119: the sigcontext after the 160-byte save area; sregs at +8 */
	memset(&s, 0, sizeof(s));
	s.code[0] = 0x0a, s.code[1] = 119;
	store(s.stack + 160 + 8, STACK + 160 + 16, 8, true);
	s390x_regs(&s, 160 + 16);
	check_s390x(&s, 1);
	/* svc 173: uc_mcontext after the svc, the siginfo and the ucontext's head */
	memset(&s, 0, sizeof(s));
	s.code[0] = 0x0a, s.code[1] = 173;
	s390x_regs(&s, 160 + 8 + 128 + 40);
	check_s390x(&s, 1);
	/* sregs leads nowhere */
	memset(&s, 0, sizeof(s));
	s.code[0] = 0x0a, s.code[1] = 119;
	store(s.stack + 160 + 8, 0x100, 8, true);
	check_s390x(&s, -1);
	/* another svc, and no svc */
	memset(&s, 0, sizeof(s));
	s.code[0] = 0x0a, s.code[1] = 1;
	check_s390x(&s, 0);
	s.code[0] = 0x07, s.code[1] = 0x07;
	check_s390x(&s, 0);
	/* at a handler's entry r15 (Go's runtime.sigtramp): the rt_sigframe,
	 * its siginfo after the save area and the svc, si_signo 1-64 */
	struct arch_mem m = { space_read, &s, true, 8 };
	struct frame_regs r;
	memset(&s, 0, sizeof(s));
	s390x_regs(&s, 160 + 8 + 128 + 40);
	step(&arch_s390x, &s, &r);
	CHECK(!arch_s390x.signal_entry_step(&arch_s390x, &r, &m));
	store(s.stack + 160 + 8, 11, 4, true);
	step(&arch_s390x, &s, &r);
	CHECK(arch_s390x.signal_entry_step(&arch_s390x, &r, &m));
	CHECK_EQ(r.pc, 0x1234);
	CHECK(r.ok[15] && r.v[15] == STACK + 0x800 && r.ok[14] && r.v[14] == 0x9abc);
	CHECK_EQ(arch_s390x.fake_call_push, 8u);
}

/* ARM registers with only pc and sp known. */
static void arm_at(struct frame_regs *r, uint64_t pc, uint64_t sp)
{
	memset(r, 0, sizeof(*r));
	r->mask = 0xffffffffu;
	r->pc = pc;
	r->v[13] = sp;
	r->ok[13] = true;
}

/* ARM: sigcontext r0-r15, cpsr at off: r13 STACK + 0x800, r14 0x9abd
 * (a Thumb return address), pc 0x1235 (Thumb: bit 0 is stripped) */
static void arm_regs(struct space *s, uint64_t off)
{
	for (unsigned i = 0; i < 13; i++)
		store(s->stack + off + 4 * i, 0x100 + i, 4, false);
	store(s->stack + off + 13 * 4, STACK + 0x800, 4, false);
	store(s->stack + off + 14 * 4, 0x9abd, 4, false);
	store(s->stack + off + 15 * 4, 0x1235, 4, false);
}

static void check_arm(struct space *s, int want)
{
	struct frame_regs r;
	CHECK_EQ(step(&arch_arm, s, &r), want);
	if (want != 1)
		return;
	CHECK_EQ(arch_strip_pc(&arch_arm, r.pc), 0x1234);
	CHECK(r.ok[13] && r.v[13] == STACK + 0x800);
	CHECK(r.ok[14] && r.v[14] == 0x9abd);
	CHECK(r.ok[7] && r.v[7] == 0x107);
	CHECK(r.ok[0] && r.v[0] == 0x100);
}

static void arm_sig(void)
{
	static struct space s;
	/* the sigcontext: after uc_flags, uc_link, uc_stack (20) and trap_no,
	 * error_code, oldmask (12); rt: the siginfo (128) first */
	static const struct { uint32_t w0, w1; int rt; } code[] = {
		{ 0xe3a07077u, 0xef000000u, 0 },  /* glibc: mov r7, #119; svc 0 */
		{ 0xe3a070adu, 0xef000000u, 1 },
		{ 0xe3a07077u, 0xef900077u, 0 },  /* kernel, qemu: svc 0x900077 */
		{ 0xe3a070adu, 0xef9000adu, 1 },
		{ 0xdf002777u, 0, 0 },            /* Thumb: movs r7, #119; svc 0 */
		{ 0xdf0027adu, 0, 1 },
		{ 0x0777f04fu, 0xbf00df00u, 0 },  /* Thumb-2: mov.w r7, #119; svc 0 */
		{ 0x07adf04fu, 0xbf00df00u, 1 },
	};
	for (size_t i = 0; i < sizeof(code) / sizeof(code[0]); i++) {
		memset(&s, 0, sizeof(s));
		store(s.code, code[i].w0, 4, false);
		store(s.code + 4, code[i].w1, 4, false);
		arm_regs(&s, (code[i].rt ? 128 : 0) + 20 + 12);
		check_arm(&s, 1);
	}
	/* mov r7, #119 then another svc; mov r7, #1; svc 0 */
	memset(&s, 0, sizeof(s));
	store(s.code, 0xe3a07077u, 4, false);
	store(s.code + 4, 0xef000001u, 4, false);
	check_arm(&s, 0);
	store(s.code, 0xe3a07001u, 4, false);
	store(s.code + 4, 0xef000000u, 4, false);
	check_arm(&s, 0);
	/* a frame beyond the stack */
	struct frame_regs r;
	struct arch_mem m = { space_read, &s, false, 4 };
	arm_at(&r, CODE, STACK + 4096 - 16);
	store(s.code, 0xe3a07077u, 4, false);
	store(s.code + 4, 0xef000000u, 4, false);
	CHECK_EQ(arch_arm.signal_step(&arch_arm, &r, &m), -1);
}

/* Return addresses the tests use: RA(i) = CODE + 0x800 + 4 i, each after
 * an ARM bl (CODE + 0x700 on are bl instructions). */
#define RA(i) (CODE + 0x800 + 4 * (i))

/* Runs ARM's prologue step over code (n bytes at CODE), pc at CODE + at,
 * sp STACK + 0x100, lr RA(-4) | 1 (live, Thumb). */
static bool prologue(struct space *s, const uint8_t *code, size_t n, unsigned at, bool thumb,
		     bool live, struct frame_regs *r)
{
	struct arch_mem m = { space_read, s, false, 4 };
	memcpy(s->code, code, n);
	memset(r, 0, sizeof(*r));
	r->mask = 0xffffffffu;
	r->pc = CODE + at;
	r->v[13] = STACK + 0x100;
	r->ok[13] = true;
	r->v[14] = RA(-4) | 1;
	r->ok[14] = true;
	return arch_arm.prologue_step(&arch_arm, r, &m, CODE, thumb, live);
}

static void arm_prologue(void)
{
	static struct space s;
	struct frame_regs r;
	memset(&s, 0, sizeof(s));
	for (unsigned i = 0; i < 256; i++)
		store(s.stack + 0x100 + 4 * i, RA(i), 4, false);
	for (unsigned i = 0x700; i < sizeof(s.code); i += 4)
		store(s.code + i, 0xeb000000u, 4, false);
	/* Thumb: pld [r0]; strd r4, r5, [sp, #-8]!; bic.w r1, r0, #7
	 * (glibc's strlen): sp back up by 8, r4 and r5 restored, the live lr */
	static const uint8_t strlen_t[] = { 0x90, 0xf8, 0x00, 0xf0, 0x6d, 0xe9, 0x02, 0x45,
					    0x20, 0xf0, 0x07, 0x01 };
	CHECK(prologue(&s, strlen_t, sizeof(strlen_t), 12, true, true, &r));
	CHECK_EQ(r.v[13], STACK + 0x108);
	CHECK_EQ(r.v[4], RA(0));
	CHECK_EQ(r.v[5], RA(1));
	CHECK_EQ(r.pc, RA(-4));
	/* a caller's frame must have saved lr */
	CHECK(!prologue(&s, strlen_t, sizeof(strlen_t), 12, true, false, &r));
	/* only what ran: at the strd, nothing was pushed yet */
	CHECK(prologue(&s, strlen_t, sizeof(strlen_t), 4, true, true, &r));
	CHECK_EQ(r.v[13], STACK + 0x100);
	/* Thumb: push {r7, lr}; sub sp, #144 (glibc's abort), then a branch
	 * (b.n) and a push after it, not counted: sp up 152, lr from the stack */
	static const uint8_t abort_t[] = { 0x80, 0xb5, 0xa4, 0xb0, 0x00, 0xe0, 0x10, 0xb4 };
	CHECK(prologue(&s, abort_t, sizeof(abort_t), 8, true, false, &r));
	CHECK_EQ(r.v[13], STACK + 0x100 + 152);
	CHECK_EQ(r.v[7], RA((144) / 4));
	CHECK_EQ(r.pc, RA((148) / 4));
	/* Thumb-2: push.w {r4-r8, lr}; sub.w sp, sp, #0x100; vpush {d8} */
	static const uint8_t push_w[] = { 0x2d, 0xe9, 0xf0, 0x41, 0xad, 0xf5, 0x80, 0x7d,
					  0x2d, 0xed, 0x02, 0x8b };
	CHECK(prologue(&s, push_w, sizeof(push_w), 12, true, false, &r));
	CHECK_EQ(r.v[13], STACK + 0x100 + 8 + 0x100 + 24);
	CHECK_EQ(r.v[4], RA((8 + 0x100) / 4));
	CHECK_EQ(r.pc, RA((8 + 0x100 + 20) / 4));
	/* ARM: push {r4, r11, lr}; sub sp, sp, #16; str r5, [sp, #-4]! */
	static const uint8_t arm[] = { 0x10, 0x48, 0x2d, 0xe9, 0x10, 0xd0, 0x4d, 0xe2,
				       0x04, 0x50, 0x2d, 0xe5 };
	CHECK(prologue(&s, arm, sizeof(arm), 12, false, false, &r));
	CHECK_EQ(r.v[13], STACK + 0x100 + 4 + 16 + 12);
	CHECK_EQ(r.v[5], RA(0));
	CHECK_EQ(r.v[4], RA((20) / 4));
	CHECK_EQ(r.v[11], RA((24) / 4));
	CHECK_EQ(r.pc, RA((28) / 4));
	/* ARM (armel's abort): push {r7, lr}; bl; sub sp, sp, #144: the call
	 * returns, the prologue goes on after it */
	static const uint8_t arm_bl[] = { 0x80, 0x40, 0x2d, 0xe9, 0x5c, 0x06, 0x00, 0xeb,
					  0x90, 0xd0, 0x4d, 0xe2 };
	CHECK(prologue(&s, arm_bl, sizeof(arm_bl), 12, false, false, &r));
	CHECK_EQ(r.v[13], STACK + 0x100 + 152);
	CHECK_EQ(r.pc, RA((148) / 4));
	/* ARM: push {r4, lr}; b; sub sp, sp, #16: not counted after the b */
	static const uint8_t arm_b[] = { 0x10, 0x40, 0x2d, 0xe9, 0x00, 0x00, 0x00, 0xea,
					 0x10, 0xd0, 0x4d, 0xe2 };
	CHECK(prologue(&s, arm_b, sizeof(arm_b), 12, false, false, &r));
	CHECK_EQ(r.v[13], STACK + 0x100 + 8);
	/* Thumb: push {r4, lr}; bl (f000 f800); sub sp, #8 */
	static const uint8_t thumb_bl[] = { 0x10, 0xb5, 0x00, 0xf0, 0x00, 0xf8, 0x82, 0xb0 };
	CHECK(prologue(&s, thumb_bl, sizeof(thumb_bl), 8, true, false, &r));
	CHECK_EQ(r.v[13], STACK + 0x100 + 16);
	/* Thumb: push {r7, lr}; sub sp, #8; add r7, sp, #0, then a
	 * variable-length array moved sp 64 further: the entry sp is from
	 * r7, not sp */
	static const uint8_t fp_t[] = { 0x80, 0xb5, 0x82, 0xb0, 0x00, 0xaf };
	memcpy(s.code, fp_t, sizeof(fp_t));
	struct arch_mem am = { space_read, &s, false, 4 };
	arm_at(&r, CODE + 6, STACK + 0x100 - 64);
	r.v[7] = STACK + 0x100;
	r.ok[7] = true;
	CHECK(arch_arm.prologue_step(&arch_arm, &r, &am, CODE, true, false));
	CHECK_EQ(r.v[13], STACK + 0x100 + 16);
	CHECK_EQ(r.v[7], RA(2));
	CHECK_EQ(r.pc, RA(3));
	/* ARM: push {r11, lr}; add r11, sp, #4 */
	store(s.code, 0xe92d4800u, 4, false);
	store(s.code + 4, 0xe28db004u, 4, false);
	arm_at(&r, CODE + 8, STACK + 0x100 - 32);
	r.v[11] = STACK + 0x104;
	r.ok[11] = true;
	CHECK(arch_arm.prologue_step(&arch_arm, &r, &am, CODE, false, false));
	CHECK_EQ(r.v[13], STACK + 0x108);
	CHECK_EQ(r.pc, RA(1));
	/* the saved lr is after no call: refused */
	store(s.stack + 0x104, CODE + 0x100, 4, false);
	arm_at(&r, CODE + 8, STACK + 0x100);
	CHECK(!arch_arm.prologue_step(&arch_arm, &r, &am, CODE, false, false));
	store(s.stack + 0x104, RA(1), 4, false);
	/* code that cannot be read */
	arm_at(&r, 0x10010, STACK);
	struct arch_mem m = { space_read, &s, false, 4 };
	CHECK(!arch_arm.prologue_step(&arch_arm, &r, &m, 0x10000, true, true));
}

/* aarch64: the rt_sigframe at sp, its mcontext's x0-x30, sp, pc after
 * 128 + 176 + 8 bytes; at __kernel_rt_sigreturn and, without a look at
 * the code, at a handler's entry sp (Go's runtime.sigtramp) */
static void aarch64_sig(void)
{
	static struct space s;
	static const uint8_t tramp[] = { 0x68, 0x11, 0x80, 0xd2, 0x01, 0, 0, 0xd4 };
	const struct arch_info *a = &arch_aarch64;
	struct arch_mem m = { space_read, &s, false, 8 };
	struct frame_regs r;
	unsigned ctx = 128 + 176 + 8;
	memset(&s, 0, sizeof(s));
	store(s.stack + ctx + 30 * 8, 0x9abc, 8, false);
	store(s.stack + ctx + 31 * 8, STACK + 0x800, 8, false);
	store(s.stack + ctx + 32 * 8, 0x1234, 8, false);
	CHECK_EQ(step(a, &s, &r), 0);       /* no trampoline at CODE */
	memcpy(s.code, tramp, sizeof(tramp));
	CHECK_EQ(step(a, &s, &r), 1);
	CHECK_EQ(r.pc, 0x1234);
	CHECK(r.ok[31] && r.v[31] == STACK + 0x800);
	CHECK(r.ok[30] && r.v[30] == 0x9abc);
	memset(s.code, 0, sizeof(s.code));
	step(a, &s, &r);
	CHECK(!a->signal_entry_step(a, &r, &m));  /* si_signo 0: not a frame */
	store(s.stack, 6, 4, false);
	step(a, &s, &r);
	CHECK(a->signal_entry_step(a, &r, &m));
	CHECK_EQ(r.pc, 0x1234);
	CHECK(r.ok[30] && r.v[30] == 0x9abc && r.v[31] == STACK + 0x800);
	/* a frame past the end of the stack */
	step(a, &s, &r);
	r.v[31] = STACK + 4096 - 64;
	CHECK(!a->signal_entry_step(a, &r, &m));
	CHECK_EQ(a->fake_call_push, 16u);
}

int main(void)
{
	aarch64_sig();
	arm_sig();
	arm_prologue();
	ppc64(&arch_ppc64le);
	ppc64(&arch_ppc64);
	ppc32();
	s390x();
	return T_DONE();
}
