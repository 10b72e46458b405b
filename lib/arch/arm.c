/* 32-bit ARM (armhf, armel; little endian): pr_reg is 18 words, r0-r15,
 * cpsr, orig_r0 (r11 is ARM code's frame pointer, r7 Thumb's; r13 sp, r14
 * lr, r15 pc), named as GDB names them (r0-r12, sp, lr, pc). NT_ARM_VFP
 * has d0-d31 and fpscr, NT_ARM_TLS the thread pointer (TPIDRURO). DWARF
 * numbers r0-r15 are 0-15. Code is ARM or Thumb: a Thumb return address
 * has bit 0 set, which is not part of the address. */
#include "arch/arch.h"

#define R(n, i) { n, (i) * 4, 4, i, COR_REGS_GENERAL }
static const struct arch_reg gregs[] = {
	R("r0", 0), R("r1", 1), R("r2", 2), R("r3", 3), R("r4", 4), R("r5", 5),
	R("r6", 6), R("r7", 7), R("r8", 8), R("r9", 9), R("r10", 10), R("r11", 11),
	R("r12", 12), R("sp", 13), R("lr", 14), R("pc", 15),
	{ "cpsr", 64, 4, -1, COR_REGS_GENERAL },
	{ "orig_r0", 68, 4, -1, COR_REGS_OTHER },
};

static const char *const dnames[32] = {
	"d0", "d1", "d2", "d3", "d4", "d5", "d6", "d7", "d8", "d9", "d10",
	"d11", "d12", "d13", "d14", "d15", "d16", "d17", "d18", "d19", "d20",
	"d21", "d22", "d23", "d24", "d25", "d26", "d27", "d28", "d29", "d30", "d31",
};

static bool note(struct regs_builder *b, uint32_t type, const uint8_t *d,
		 size_t n, uint64_t *xf)
{
	(void)xf;
	if (type == NT_ARM_VFP) {
		if (n < 32 * 8 + 4)
			return false;
		for (int i = 0; i < 32; i++)
			regs_add(b, dnames[i], COR_REGS_FLOAT, d + 8 * i, 8);
		regs_add(b, "fpscr", COR_REGS_FLOAT, d + 256, 4);
		return true;
	}
	if (type == NT_ARM_TLS) {
		if (n < 4)
			return false;
		regs_add(b, "tpidruro", COR_REGS_OTHER, d, 4);
		return true;
	}
	return false;
}

/* The sigreturn trampolines: glibc's __default_sa_restorer and
 * __default_rt_sa_restorer (mov r7, #119 or #173; svc 0: ARM, or Thumb-2
 * mov.w as Debian's armhf libc has them), the kernel's and qemu's (svc
 * 0x900077 / 0x9000ad, the OABI number) and their Thumb forms (movs r7,
 * #119 or #173; svc 0). 1 sigreturn, 2 rt_sigreturn, 0 none. */
static int trampoline(const struct frame_regs *r, const struct arch_mem *m)
{
	uint8_t b[8];
	cor_error *err = m->read(m->arg, r->pc, b, sizeof(b));
	if (err) {
		cor_error_free(err);
		return 0;
	}
	uint32_t w0 = (uint32_t)cor_load(b, 4, false), w1 = (uint32_t)cor_load(b + 4, 4, false);
	unsigned h0 = w0 & 0xffff, h1 = w0 >> 16;
	for (int rt = 0; rt < 2; rt++) {
		uint32_t nr = rt ? 173 : 119;
		if (w0 == (0xe3a07000u | nr) && (w1 == 0xef000000u || w1 == (0xef900000u | nr)))
			return rt + 1;
		if (h0 == (0x2700u | nr) && h1 == 0xdf00u)
			return rt + 1;
		if (h0 == 0xf04fu && h1 == (0x0700u | nr) && (w1 & 0xffff) == 0xdf00u)
			return rt + 1;
	}
	return 0;
}

/* sp points at the frame: a struct sigframe starts with its ucontext,
 * a struct rt_sigframe has the siginfo (128 bytes) first. The ucontext's
 * sigcontext follows uc_flags, uc_link and uc_stack (20 bytes) and holds
 * trap_no, error_code, oldmask, then r0-r10, fp, ip, sp, lr, pc, cpsr. */
static int signal(const struct arch_info *a, struct frame_regs *r, const struct arch_mem *m)
{
	static const int8_t map[] = {
		0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
	(void)a;
	int kind = trampoline(r, m);
	if (!kind || !r->ok[13])
		return 0;
	uint64_t ctx = r->v[13] + (kind == 2 ? 128 : 0) + 20 + 12;
	return arch_restore_context(r, m, ctx, map, sizeof(map), 15) ? 1 : -1;
}

/* Bit 0 of a return address (or of a pc restored from a context) says
 * Thumb. */
static uint64_t strip_thumb(uint64_t pc)
{
	return pc & ~(uint64_t)1;
}

/* ra follows a call: ARM BL, BLX (immediate) or BLX register; Thumb BLX
 * register (16 bits) or BL / BLX (32 bits). ra has lost its Thumb bit, so
 * both are tried. */
static bool after_call(const struct arch_info *a, const struct arch_mem *m, uint64_t ra)
{
	uint8_t b[4];
	(void)a;
	if (!arch_read_before(m, ra, b, 4))
		return false;
	uint32_t w = (uint32_t)cor_load(b, 4, false);
	unsigned h1 = (unsigned)cor_load(b, 2, false), h2 = (unsigned)cor_load(b + 2, 2, false);
	if ((ra & 3) == 0 &&
	    (((w & 0x0f000000u) == 0x0b000000u && (w >> 28) != 0xf) ||
	     (w & 0xfe000000u) == 0xfa000000u || (w & 0x0ffffff0u) == 0x012fff30u))
		return true;
	if ((h2 & 0xff87u) == 0x4780u)
		return true;
	return (h1 & 0xf800u) == 0xf000u && ((h2 & 0xd000u) == 0xd000u || (h2 & 0xd001u) == 0xc000u);
}

/* ---- prologues, for code without unwind information ---- */

/* What a prologue did to the stack: bytes below the entry sp, and where
 * (offset from the entry sp) each register was stored. */
struct prologue {
	uint32_t down;
	bool saved[16];
	uint32_t at[16];        /* the register is at entry sp - at */
	int fp;                 /* a frame pointer set from sp (r7, r11), or -1 */
	uint32_t fp_off;        /* entry sp = fp + fp_off */
};

/* fp = sp + k: later changes of sp (alloca, variable-length arrays) do not
 * move the entry sp away from it. */
static void set_fp(struct prologue *p, int reg, uint32_t k)
{
	p->fp = reg;
	p->fp_off = p->down - k;
}

/* A store-multiple of the registers in mask below sp (the lowest register
 * at the lowest address). */
static void push_mask(struct prologue *p, unsigned mask)
{
	unsigned n = 0;
	for (int i = 0; i < 16; i++)
		n += mask >> i & 1;
	p->down += 4 * n;
	uint32_t a = p->down;
	for (int i = 0; i < 16; i++)
		if (mask >> i & 1) {
			p->saved[i] = true;
			p->at[i] = a;
			a -= 4;
		}
}

static void push_one(struct prologue *p, unsigned reg, uint32_t bytes)
{
	p->down += bytes;
	p->saved[reg & 15] = true;
	p->at[reg & 15] = p->down;
}

static uint32_t ror32(uint32_t v, unsigned n)
{
	n &= 31;
	return n ? v >> n | v << (32 - n) : v;
}

/* ThumbExpandImm of i:imm3:imm8. */
static uint32_t thumb_imm(uint32_t imm12)
{
	uint32_t b = imm12 & 0xff;
	if (imm12 >> 10 == 0) {
		switch (imm12 >> 8 & 3) {
		case 0: return b;
		case 1: return b << 16 | b;
		case 2: return b << 24 | b << 8;
		default: return b << 24 | b << 16 | b << 8 | b;
		}
	}
	return ror32(0x80 | (imm12 & 0x7f), imm12 >> 7);
}

/* One Thumb instruction (h0, and h1 if 32 bits): 1 go on, 0 stop (a
 * branch or an epilogue: the prologue is over; a call returns, so it
 * does not end it). */
static int thumb_insn(struct prologue *p, unsigned h0, unsigned h1, bool wide)
{
	if (!wide) {
		if ((h0 & 0xfe00) == 0xb400) {          /* push {rlist[, lr]} */
			push_mask(p, (h0 & 0xff) | (h0 & 0x100 ? 1u << 14 : 0));
			return 1;
		}
		if ((h0 & 0xff80) == 0xb080) {          /* sub sp, #imm7 * 4 */
			p->down += (h0 & 0x7f) * 4;
			return 1;
		}
		if ((h0 & 0xff00) == 0xaf00) {          /* add r7, sp, #imm8 * 4 */
			set_fp(p, 7, (h0 & 0xff) * 4);
			return 1;
		}
		if (h0 == 0x466f) {                     /* mov r7, sp */
			set_fp(p, 7, 0);
			return 1;
		}
		if ((h0 & 0xf000) == 0xd000 || (h0 & 0xf800) == 0xe000 ||
		    (h0 & 0xff80) == 0x4700 || (h0 & 0xf500) == 0xb100 ||
		    (h0 & 0xfe00) == 0xbc00 || (h0 & 0xff80) == 0xb000)
			return 0;
		return 1;
	}
	if (h0 == 0xe92d) {                             /* push.w */
		push_mask(p, h1 & 0x5fff);
		return 1;
	}
	if (h0 == 0xf84d && (h1 & 0x0fff) == 0x0d04) {  /* str.w rt, [sp, #-4]! */
		push_one(p, h1 >> 12, 4);
		return 1;
	}
	if (h0 == 0xe96d) {                             /* strd rt, rt2, [sp, #-imm]! */
		p->down += (h1 & 0xff) * 4;
		p->saved[h1 >> 12 & 15] = true;
		p->at[h1 >> 12 & 15] = p->down;
		p->saved[h1 >> 8 & 15] = true;
		p->at[h1 >> 8 & 15] = p->down - 4;
		return 1;
	}
	if ((h0 & 0xfbef) == 0xf1ad && (h1 & 0x8f00) == 0x0d00) {   /* sub.w sp, sp, #c */
		p->down += thumb_imm((h0 & 0x400) << 1 | (h1 & 0x7000) >> 4 | (h1 & 0xff));
		return 1;
	}
	if ((h0 & 0xfbff) == 0xf2ad && (h1 & 0x8f00) == 0x0d00) {   /* subw sp, sp, #imm12 */
		p->down += (h0 & 0x400) << 1 | (h1 & 0x7000) >> 4 | (h1 & 0xff);
		return 1;
	}
	if ((h0 & 0xffbf) == 0xed2d && (h1 & 0x0e00) == 0x0a00) {   /* vpush */
		p->down += (h1 & 0xff) * 4;
		return 1;
	}
	if ((h0 & 0xf800) == 0xf000 && (h1 & 0xc000) == 0x8000)  /* b.w, b<cond>.w (bl returns) */
		return 0;
	if (h0 == 0xe8bd)                               /* pop.w */
		return 0;
	return 1;
}

static int arm_insn(struct prologue *p, uint32_t w)
{
	if ((w & 0xffff0000u) == 0xe92d0000u) {         /* push */
		push_mask(p, w & 0x5fff);
		return 1;
	}
	if ((w & 0xffff0fffu) == 0xe52d0004u) {         /* str rt, [sp, #-4]! */
		push_one(p, w >> 12, 4);
		return 1;
	}
	if ((w & 0xfffff000u) == 0xe24dd000u) {         /* sub sp, sp, #imm */
		p->down += ror32(w & 0xff, 2 * (w >> 8 & 15));
		return 1;
	}
	if ((w & 0xfffff000u) == 0xe28db000u) {         /* add fp, sp, #imm */
		set_fp(p, 11, ror32(w & 0xff, 2 * (w >> 8 & 15)));
		return 1;
	}
	if (w == 0xe1a0b00du) {                         /* mov fp, sp */
		set_fp(p, 11, 0);
		return 1;
	}
	if ((w & 0xffbf0e00u) == 0xed2d0a00u) {         /* vpush */
		p->down += (w & 0xff) * 4;
		return 1;
	}
	/* b, bx, pop (bl and blx return) */
	if (((w & 0x0f000000u) == 0x0a000000u && (w >> 28) != 0xf) ||
	    (w & 0x0ffffff0u) == 0x012fff10u || (w & 0xffff0000u) == 0xe8bd0000u)
		return 0;
	return 1;
}

/* Scans at most this many instructions of a prologue. */
#define PROLOGUE_MAX 32

static bool prologue_step(const struct arch_info *a, struct frame_regs *r,
			  const struct arch_mem *m, uint64_t start, bool thumb, bool live_lr)
{
	struct prologue p = { .fp = -1 };
	uint64_t pc = r->pc, at = start;
	if (!r->ok[13] || pc < start)
		return false;
	for (int n = 0; n < PROLOGUE_MAX && at < pc; n++) {
		uint8_t b[4];
		int go;
		if (thumb) {
			cor_error *err = m->read(m->arg, at, b, 2);
			if (err) {
				cor_error_free(err);
				return false;
			}
			unsigned h0 = (unsigned)cor_load(b, 2, false), h1 = 0;
			bool wide = h0 >= 0xe800;
			if (wide) {
				if ((err = m->read(m->arg, at + 2, b, 2))) {
					cor_error_free(err);
					return false;
				}
				h1 = (unsigned)cor_load(b, 2, false);
			}
			go = thumb_insn(&p, h0, h1, wide);
			at += wide ? 4 : 2;
		} else {
			cor_error *err = m->read(m->arg, at, b, 4);
			if (err) {
				cor_error_free(err);
				return false;
			}
			go = arm_insn(&p, (uint32_t)cor_load(b, 4, false));
			at += 4;
		}
		if (!go)
			break;
	}
	if (!p.saved[14] && !live_lr)
		return false;
	if (!p.saved[14] && !r->ok[14])
		return false;
	uint64_t entry_sp = (r->v[13] + p.down) & r->mask;
	if (p.fp >= 0 && r->ok[p.fp])
		entry_sp = (r->v[p.fp] + p.fp_off) & r->mask;
	struct frame_regs nr = *r;
	for (int i = 0; i < 16; i++) {
		uint64_t v;
		if (!p.saved[i] || i == 13)
			continue;
		if (!arch_read_word(m, (entry_sp - p.at[i]) & r->mask, &v))
			return false;
		frame_regs_set(&nr, i, v);
	}
	frame_regs_set(&nr, 13, entry_sp);
	nr.cfa = entry_sp;
	nr.pc = strip_thumb(p.saved[14] ? nr.v[14] : r->v[14]);
	/* what the scan cannot see (a stack adjusted after the first branch)
	 * gives a return address after no call */
	if (!after_call(a, m, nr.pc))
		return false;
	frame_regs_set(&nr, 15, nr.pc);
	*r = nr;
	return true;
}

const struct arch_info arch_arm = {
	.arch = COR_ARCH_ARM, .name = "arm", .machine = EM_ARM, .is64 = false,
	.gregs = gregs, .ngregs = COR_ARRAY_SIZE(gregs),
	.pr_reg_size = 18 * 4, .pc_name = "pc", .sp_name = "sp",
	.dwarf_sp = 13, .dwarf_fp = 11, .dwarf_ra = 14, .dwarf_pc = 15,
	.decode_note = note,
	.signal_step = signal, .prologue_step = prologue_step, .leaf_ra = 14,
	.strip_pc = strip_thumb, .call_ra = 14, .after_call = after_call,
};
