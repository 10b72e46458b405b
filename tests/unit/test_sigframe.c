/* The signal-frame steps of ppc64, ppc and s390x on made-up memory: the
 * trampoline's code at CODE, the frame the kernel (or qemu-user) lays out
 * at the stack pointer, per the layouts lib/arch/ppc64.c and s390x.c
 * describe; the restored pc, stack pointer and link register. The
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
}

int main(void)
{
	ppc64(&arch_ppc64le);
	ppc64(&arch_ppc64);
	ppc32();
	s390x();
	return T_DONE();
}
