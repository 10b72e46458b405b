/* The architectures' after_call hooks: does the code before a return
 * address end with a call? x86 bytes are GNU as output (objdump -d of the
 * listed instructions); the other encodings are from the ISA manuals. Then
 * the unwinder's use of them on made-up threads: an innermost pc in no code
 * (how "bad-call"), and aarch64's link register tried before the frame
 * pointer chain for an innermost frame without CFI. */
#include <stdlib.h>
#include "t.h"
#include "arch/arch.h"
#include "unwind.h"
#include "space.h"

#define BASE 0x10000u

struct buf {
	const uint8_t *b;
	size_t n;
};

static cor_error *read_buf(void *arg, uint64_t addr, void *out, size_t n)
{
	const struct buf *m = arg;
	if (addr < BASE || addr - BASE > m->n || n > m->n - (addr - BASE))
		return cor_error_new(COR_ERR_NOT_FOUND, "unmapped");
	memcpy(out, m->b + (addr - BASE), n);
	return NULL;
}

static bool after(const struct arch_info *a, const uint8_t *code, size_t n, uint64_t off)
{
	struct buf b = { code, n };
	struct arch_mem m = { read_buf, &b, a->be, a->is64 ? 8 : 4 };
	return a->after_call(a, &m, BASE + off);
}

static void x86(void)
{
	static const uint8_t code[] = {
		0xe8, 0x41, 0, 0, 0,                    /* 00 call foo */
		0xff, 0xd0,                             /* 05 call *%rax */
		0x41, 0xff, 0xd3,                       /* 07 call *%r11 */
		0xff, 0x10,                             /* 0a call *(%rax) */
		0x41, 0xff, 0x11,                       /* 0c call *(%r9) */
		0xff, 0x53, 0x08,                       /* 0f call *0x8(%rbx) */
		0x41, 0xff, 0x54, 0x24, 0xf8,           /* 12 call *-0x8(%r12) */
		0xff, 0x93, 0, 0x10, 0, 0,              /* 17 call *0x1000(%rbx) */
		0x41, 0xff, 0x95, 0, 0x10, 0, 0,        /* 1d call *0x1000(%r13) */
		0xff, 0x14, 0xd8,                       /* 24 call *(%rax,%rbx,8) */
		0x41, 0xff, 0x14, 0xda,                 /* 27 call *(%r10,%rbx,8) */
		0xff, 0x54, 0x24, 0x08,                 /* 2b call *0x8(%rsp) */
		0xff, 0x94, 0x24, 0, 1, 0, 0,           /* 2f call *0x100(%rsp) */
		0xff, 0x14, 0xc5, 0, 0, 0, 0,           /* 36 call *0x0(,%rax,8) */
		0xff, 0x15, 3, 0, 0, 0,                 /* 3d call *0x3(%rip) */
		0xff, 0x14, 0x24,                       /* 43 call *(%rsp) */
		0xc3,                                   /* 46 ret */
		0x48, 0x89, 0xc3,                       /* 47 mov %rax,%rbx */
		0xff, 0xe0,                             /* 4a jmp *%rax */
		0x55,                                   /* 4c push %rbp */
	};
	static const uint8_t ends[] = { 0x05, 0x07, 0x0a, 0x0c, 0x0f, 0x12, 0x17, 0x1d, 0x24,
					0x27, 0x2b, 0x2f, 0x36, 0x3d, 0x43, 0x46 };
	for (size_t i = 0; i < sizeof(ends); i++) {
		if (!after(&arch_x86_64, code, sizeof(code), ends[i]))
			fprintf(stderr, "x86_64: no call ends at 0x%x\n", ends[i]);
		CHECK(after(&arch_x86_64, code, sizeof(code), ends[i]));
	}
	CHECK(!after(&arch_x86_64, code, sizeof(code), 0x47)); /* after ret */
	CHECK(!after(&arch_x86_64, code, sizeof(code), 0x4a)); /* after mov */
	CHECK(!after(&arch_x86_64, code, sizeof(code), 0x4c)); /* after jmp *%rax */
	CHECK(!after(&arch_x86_64, code, sizeof(code), 0x4d)); /* after push */
	CHECK(!after(&arch_x86_64, code, sizeof(code), 3));    /* not 8 bytes in */
	/* i386: the same forms without REX */
	CHECK(after(&arch_i386, code, sizeof(code), 0x05));
	CHECK(after(&arch_i386, code, sizeof(code), 0x24));
	CHECK(!after(&arch_i386, code, sizeof(code), 0x4c));
}

static void words(const struct arch_info *a, const uint32_t *w, size_t n, size_t ncalls)
{
	uint8_t code[64];
	for (size_t i = 0; i < n; i++)
		for (int k = 0; k < 4; k++)
			code[4 * i + k] = (uint8_t)(w[i] >> (a->be ? 24 - 8 * k : 8 * k));
	for (size_t i = 0; i < n; i++) {
		bool want = i < ncalls, got = after(a, code, 4 * n, 4 * i + 4);
		if (got != want)
			fprintf(stderr, "%s: word 0x%08x: after_call %d\n", a->name, w[i], got);
		CHECK(got == want);
	}
}

static void others(void)
{
	/* calls first, then other instructions */
	static const uint32_t a64[] = {
		0x94000010, /* bl .+64 */
		0x97ffffff, /* bl .-4 */
		0xd63f0020, /* blr x1 */
		0xd63f03c0, /* blr x30 */
		0x14000010, /* b .+64 */
		0xd61f0020, /* br x1 */
		0xd65f03c0, /* ret */
		0xd503201f, /* nop */
	};
	words(&arch_aarch64, a64, COR_ARRAY_SIZE(a64), 4);
	static const uint32_t rv[] = {
		0x000780e7, /* jalr ra, 0(a5) */
		0x010000ef, /* jal ra, .+16 */
		0x00008067, /* ret (jalr zero, 0(ra)) */
		0x0100006f, /* j .+16 (jal zero) */
		0x00000013, /* nop */
	};
	words(&arch_riscv64, rv, COR_ARRAY_SIZE(rv), 2);
	/* c.jalr a5 (0x9782) in the upper half of a word; c.jr a5 (0x8782) is no call */
	static const uint32_t rvc[] = { 0x97820001, 0x87820001 };
	words(&arch_riscv64, rvc, COR_ARRAY_SIZE(rvc), 1);
	static const uint32_t ppc[] = {
		0x48000101, /* bl .+256 */
		0x4bfffff1, /* bl .-16 */
		0x4e800421, /* bctrl */
		0x4e800021, /* blrl */
		0x48000100, /* b .+256 */
		0x4e800020, /* blr */
		0x4e800420, /* bctr */
		0x60000000, /* nop */
	};
	words(&arch_ppc64le, ppc, COR_ARRAY_SIZE(ppc), 4);
	words(&arch_ppc64, ppc, COR_ARRAY_SIZE(ppc), 4);
	words(&arch_ppc, ppc, COR_ARRAY_SIZE(ppc), 4);

	static const uint8_t s390[] = {
		0xc0, 0xe5, 0, 0, 0, 0x10,      /* 00 brasl %r14,.+32 */
		0x0d, 0xe1,                     /* 06 basr %r14,%r1 */
		0xa7, 0xe5, 0, 8,               /* 08 bras %r14,.+16 */
		0x07, 0xfe,                     /* 0c br %r14 */
		0xb9, 0x04, 0, 0x12,            /* 0e lgr %r1,%r2 */
	};
	CHECK(after(&arch_s390x, s390, sizeof(s390), 6));
	CHECK(after(&arch_s390x, s390, sizeof(s390), 8));
	CHECK(after(&arch_s390x, s390, sizeof(s390), 12));
	CHECK(!after(&arch_s390x, s390, sizeof(s390), 14));
	CHECK(!after(&arch_s390x, s390, sizeof(s390), 18));
	CHECK(after(&arch_s390, s390, sizeof(s390), 6));
}

/* ---- the unwinder ---- */

static struct cfi_table *no_cfi(void *arg, uint64_t pc, bool eh, uint64_t *bias)
{
	return NULL;
}

static const char *no_object(void *arg, uint64_t pc)
{
	return NULL;
}

static bool in_code(void *arg, uint64_t pc)
{
	return pc >= CODE && pc < CODE + 4096;
}

#define MAXF 16
struct collect {
	struct unwind_cb cb;
	struct unwind_frame f[MAXF];
	size_t n;
};

static bool collect_frame(struct unwind_cb *cb, const struct unwind_frame *f)
{
	struct collect *c = (struct collect *)cb;
	if (c->n < MAXF)
		c->f[c->n++] = *f;
	return true;
}

/* Unwinds a thread of arch a with pc and registers regs (pairs of DWARF
 * number and value, ending with -1) over s. */
static size_t unwind(const struct arch_info *a, struct space *s, uint64_t pc, const int64_t *regs,
		     struct collect *c)
{
	struct cor_register r[64];
	size_t n = 0;
	for (size_t i = 0; i < a->ngregs && n < 64; i++) {
		r[n] = (struct cor_register){ .name = a->gregs[i].name, .size = a->gregs[i].size };
		for (const int64_t *p = regs; *p >= 0; p += 2)
			if (a->gregs[i].dwarf == p[0])
				r[n].value = (uint64_t)p[1];
		n++;
	}
	struct cor_thread t = { .tid = 1, .pc = pc, .register_count = n, .registers = r };
	struct limits lim = { .max_frames = MAXF, .max_expr_steps = 1000, .max_depth = 64 };
	struct arch_mem m = { space_read, s, a->be, a->is64 ? 8 : 4 };
	struct unwind_code code = { .cfi = no_cfi, .object = no_object, .in_code = in_code };
	struct unwinder u;
	memset(c, 0, sizeof(*c));
	c->cb.frame = collect_frame;
	unwinder_init(&u, a, &m, &code, &lim);
	cor_error *err = unwind_thread(&u, &t, &c->cb);
	CHECK(!err);
	cor_error_free(err);
	unwinder_free(&u);
	free(c->cb.stop);
	return c->n;
}

static void aarch64_unwind(void)
{
	static struct space s;
	struct collect c;
	memset(&s, 0, sizeof(s));
	store(s.code + 0x100, 0x94000040, 4, false);    /* bl: return address CODE+0x104 */
	store(s.code + 0x200, 0xd63f0020, 4, false);    /* blr x1: CODE+0x204 */
	store(s.code + 0x300, 0xd503201f, 4, false);    /* nop */
	/* x29's frame record {previous x29 (none), return address} */
	store(s.stack + 0xf00, 0, 8, false);
	store(s.stack + 0xf08, CODE + 0x204, 8, false);
	/* a leaf without CFI: its caller from x30, then the frame pointer chain */
	const int64_t leaf[] = { 29, STACK + 0xf00, 30, CODE + 0x104, 31, STACK + 0xe00, -1 };
	CHECK_EQ(unwind(&arch_aarch64, &s, CODE + 0x400, leaf, &c), 3);
	CHECK_EQ(c.f[1].pc, CODE + 0x104);
	CHECK_EQ(c.f[1].how, COR_FRAME_LR);
	CHECK_EQ(c.f[2].pc, CODE + 0x204);
	CHECK_EQ(c.f[2].how, COR_FRAME_FP);
	/* x30 not after a call: the frame pointer chain alone */
	const int64_t stale[] = { 29, STACK + 0xf00, 30, CODE + 0x304, 31, STACK + 0xe00, -1 };
	CHECK_EQ(unwind(&arch_aarch64, &s, CODE + 0x400, stale, &c), 2);
	CHECK_EQ(c.f[1].pc, CODE + 0x204);
	CHECK_EQ(c.f[1].how, COR_FRAME_FP);
	/* a call through NULL */
	CHECK_EQ(unwind(&arch_aarch64, &s, 0, leaf, &c), 3);
	CHECK_EQ(c.f[0].pc, 0);
	CHECK_EQ(c.f[1].pc, CODE + 0x104);
	CHECK_EQ(c.f[1].how, COR_FRAME_BAD_CALL);
	CHECK_EQ(c.f[2].pc, CODE + 0x204);
	/* pointer authentication bits are stripped */
	const int64_t pac[] = { 30, (int64_t)(0x002a000000000000ull | (CODE + 0x104)),
				31, STACK + 0xe00, -1 };
	CHECK(unwind(&arch_aarch64, &s, 0x1234, pac, &c) >= 2);
	CHECK_EQ(c.f[1].pc, CODE + 0x104);
	CHECK_EQ(c.f[1].how, COR_FRAME_BAD_CALL);
}

static void x86_unwind(void)
{
	static struct space s;
	struct collect c;
	memset(&s, 0, sizeof(s));
	static const uint8_t call[] = { 0xff, 0xd0 };   /* call *%rax */
	memcpy(s.code + 0x100, call, 2);
	store(s.stack + 0xe00, CODE + 0x102, 8, false); /* its return address at rsp */
	const int64_t regs[] = { 7, STACK + 0xe00, -1 };
	CHECK_EQ(unwind(&arch_x86_64, &s, 0, regs, &c), 2);
	CHECK_EQ(c.f[1].pc, CODE + 0x102);
	CHECK_EQ(c.f[1].sp, STACK + 0xe08);
	CHECK_EQ(c.f[1].how, COR_FRAME_BAD_CALL);
	/* a word at rsp that is no return address: no caller */
	store(s.stack + 0xe00, CODE + 0x101, 8, false);
	CHECK_EQ(unwind(&arch_x86_64, &s, 0, regs, &c), 1);
	/* a pc in code is not stepped over this way */
	store(s.stack + 0xe00, CODE + 0x102, 8, false);
	CHECK_EQ(unwind(&arch_x86_64, &s, CODE + 0x800, regs, &c), 1);
	/* i386: the word at esp */
	store(s.stack + 0xe00, CODE + 0x102, 4, false);
	const int64_t regs32[] = { 4, STACK + 0xe00, -1 };
	CHECK_EQ(unwind(&arch_i386, &s, 0, regs32, &c), 2);
	CHECK_EQ(c.f[1].pc, CODE + 0x102);
	CHECK_EQ(c.f[1].sp, STACK + 0xe04);
	CHECK_EQ(c.f[1].how, COR_FRAME_BAD_CALL);
}

/* The link-register architectures: a call through NULL from CODE+0x100. */
static void lr_unwind(const struct arch_info *a, const uint8_t *call, size_t n, int lr)
{
	static struct space s;
	struct collect c;
	memset(&s, 0, sizeof(s));
	memcpy(s.code + 0x100, call, n);
	const int64_t regs[] = { a->dwarf_sp, STACK + 0xe00, lr, CODE + 0x100 + n, -1 };
	CHECK(unwind(a, &s, 0, regs, &c) >= 2);
	CHECK_EQ(c.f[1].pc, CODE + 0x100 + n);
	CHECK_EQ(c.f[1].how, COR_FRAME_BAD_CALL);
	if (c.n < 2 || c.f[1].how != COR_FRAME_BAD_CALL)
		fprintf(stderr, "%s: no bad-call frame\n", a->name);
}

static void others_unwind(void)
{
	static const uint8_t rv[] = { 0xe7, 0x80, 0x07, 0x00 };         /* jalr ra, 0(a5) */
	static const uint8_t ppcle[] = { 0x21, 0x04, 0x80, 0x4e };      /* bctrl */
	static const uint8_t ppcbe[] = { 0x4e, 0x80, 0x04, 0x21 };
	static const uint8_t brasl[] = { 0xc0, 0xe5, 0, 0, 0, 0x10 };   /* brasl %r14 */
	static const uint8_t basr[] = { 0x0d, 0xe1 };                   /* basr %r14,%r1 */
	lr_unwind(&arch_riscv64, rv, sizeof(rv), 1);
	lr_unwind(&arch_ppc64le, ppcle, sizeof(ppcle), 65);
	lr_unwind(&arch_ppc64, ppcbe, sizeof(ppcbe), 65);
	lr_unwind(&arch_ppc, ppcbe, sizeof(ppcbe), 65);
	lr_unwind(&arch_s390x, brasl, sizeof(brasl), 14);
	lr_unwind(&arch_s390, basr, sizeof(basr), 14);
}

int main(void)
{
	x86();
	others();
	aarch64_unwind();
	x86_unwind();
	others_unwind();
	return T_DONE();
}
