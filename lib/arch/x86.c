/* x86_64 and i386: user_regs_struct, FXSAVE/FSAVE, XSAVE (AVX, AVX-512). */
#include <stdio.h>
#include <string.h>
#include "arch/arch.h"

#define G(n, o, d) { n, o, 8, d, COR_REGS_GENERAL }
#define S(n, o, d) { n, o, 8, d, COR_REGS_OTHER }
static const struct arch_reg x86_64_gregs[] = {
	G("rax", 80, 0), G("rbx", 40, 3), G("rcx", 88, 2), G("rdx", 96, 1),
	G("rsi", 104, 4), G("rdi", 112, 5), G("rbp", 32, 6), G("rsp", 152, 7),
	G("r8", 72, 8), G("r9", 64, 9), G("r10", 56, 10), G("r11", 48, 11),
	G("r12", 24, 12), G("r13", 16, 13), G("r14", 8, 14), G("r15", 0, 15),
	G("rip", 128, 16), G("eflags", 144, 49),
	G("cs", 136, 51), G("ss", 160, 52), G("ds", 184, 53), G("es", 192, 50),
	G("fs", 200, 54), G("gs", 208, 55),
	G("fs_base", 168, 58), G("gs_base", 176, 59), G("orig_rax", 120, -1),
};
#undef G
#undef S

#define G(n, o, d) { n, o, 4, d, COR_REGS_GENERAL }
static const struct arch_reg i386_gregs[] = {
	G("eax", 24, 0), G("ebx", 0, 3), G("ecx", 4, 1), G("edx", 8, 2),
	G("esi", 12, 6), G("edi", 16, 7), G("ebp", 20, 5), G("esp", 60, 4),
	G("eip", 48, 8), G("eflags", 56, 9),
	G("cs", 52, 41), G("ss", 64, 42), G("ds", 28, 43), G("es", 32, 40),
	G("fs", 36, 44), G("gs", 40, 45), G("orig_eax", 44, -1),
};
#undef G

#define N8(p) p "0", p "1", p "2", p "3", p "4", p "5", p "6", p "7"
#define N16(p) N8(p), p "8", p "9", p "10", p "11", p "12", p "13", p "14", p "15"
#define N32(p) N16(p), p "16", p "17", p "18", p "19", p "20", p "21", p "22", p "23", \
	p "24", p "25", p "26", p "27", p "28", p "29", p "30", p "31"
static const char *const st_names[8] = { N8("st") };
static const char *const k_names[8] = { N8("k") };
static const char *const xmm_names[16] = { N16("xmm") };
static const char *const ymm_names[16] = { N16("ymm") };
static const char *const zmm_names[32] = { N32("zmm") };

static void add_st(struct regs_builder *b, const uint8_t *p, size_t stride)
{
	for (int i = 0; i < 8; i++)
		regs_add(b, st_names[i], COR_REGS_FLOAT, p + i * stride, 10);
}

/* FXSAVE area (512 bytes): x87 control, st0-7, mxcsr, xmm0-(nxmm-1). */
bool x86_decode_fxsave(struct regs_builder *b, const uint8_t *d, size_t n, int nxmm)
{
	if (n < 512)
		return false;
	regs_add(b, "fcw", COR_REGS_FLOAT, d, 2);
	regs_add(b, "fsw", COR_REGS_FLOAT, d + 2, 2);
	regs_add(b, "ftw", COR_REGS_FLOAT, d + 4, 1);
	regs_add(b, "fop", COR_REGS_FLOAT, d + 6, 2);
	regs_add(b, "fip", COR_REGS_FLOAT, d + 8, 8);
	regs_add(b, "fdp", COR_REGS_FLOAT, d + 16, 8);
	regs_add(b, "mxcsr", COR_REGS_VECTOR, d + 24, 4);
	regs_add(b, "mxcsr_mask", COR_REGS_VECTOR, d + 28, 4);
	add_st(b, d + 32, 16);
	for (int i = 0; i < nxmm; i++)
		regs_add(b, xmm_names[i], COR_REGS_VECTOR, d + 160 + 16 * i, 16);
	return true;
}

/* XSAVE components we show, their sizes, and their offsets in the standard
 * (non-compacted) format on Intel CPUs, which reserve room for MPX. */
enum { XF_AVX = 2, XF_BNDREGS = 3, XF_BNDCSR = 4, XF_OPMASK = 5, XF_ZMM_HI256 = 6,
       XF_HI16_ZMM = 7, XF_PKRU = 9, XF_MAX = 10 };
static const uint32_t xsave_intel_off[XF_MAX] = {
	[XF_AVX] = 576, [XF_BNDREGS] = 960, [XF_BNDCSR] = 1024, [XF_OPMASK] = 1088,
	[XF_ZMM_HI256] = 1152, [XF_HI16_ZMM] = 1664, [XF_PKRU] = 2688,
};
static const uint32_t xsave_size[XF_MAX] = {
	[XF_AVX] = 256, [XF_BNDREGS] = 64, [XF_BNDCSR] = 64, [XF_OPMASK] = 64,
	[XF_ZMM_HI256] = 512, [XF_HI16_ZMM] = 1024, [XF_PKRU] = 8,
};

/* Offsets of the enabled components. A core without NT_X86_XSAVE_LAYOUT
 * does not say them; its size does: AMD CPUs have no MPX gap and pack the
 * enabled components in order after the legacy area and header. */
static void xsave_offsets(uint64_t xcr0, size_t n, uint32_t *off)
{
	uint32_t end = 576, packed = 576;
	for (int f = XF_AVX; f < XF_MAX; f++) {
		off[f] = 0;
		if (!(xcr0 & (1ull << f)) || !xsave_size[f])
			continue;
		if (xsave_intel_off[f] + xsave_size[f] > end)
			end = xsave_intel_off[f] + xsave_size[f];
		packed += xsave_size[f];
	}
	bool use_packed = n != end && n == packed;
	packed = 576;
	for (int f = XF_AVX; f < XF_MAX; f++) {
		if (!(xcr0 & (1ull << f)) || !xsave_size[f])
			continue;
		off[f] = use_packed ? packed : xsave_intel_off[f];
		packed += xsave_size[f];
	}
}

static const uint8_t zeros[64];

/* Component bytes, or NULL (shown as zeros) in its init state. */
static const uint8_t *xcomp(const uint8_t *d, size_t n, uint64_t bv, int f,
			    const uint32_t *off)
{
	if (!(bv & (1ull << f)) || !off[f])
		return NULL;
	if (off[f] > n || xsave_size[f] > n - off[f])
		return NULL;
	return d + off[f];
}

/* NT_X86_XSTATE: the FXSAVE legacy area, then the XSAVE header and the
 * extended components the core's XCR0 (sw_reserved bytes) declares. */
bool x86_decode_xstate(struct regs_builder *b, const uint8_t *d, size_t n, int nvec,
		       uint64_t *xfeatures)
{
	if (n < 576)
		return false;
	/* the kernel stores XCR0 in the software-reserved bytes at 464 */
	uint64_t xcr0 = cor_load(d + 464, 8, false);
	uint64_t bv = cor_load(d + 512, 8, false);
	if (cor_load(d + 512 + 8, 8, false) & (1ull << 63))
		return false; /* compacted format: the kernel never writes it to cores */
	*xfeatures = xcr0;
	bv &= xcr0;
	uint32_t off[XF_MAX];
	const uint32_t *layout = off;
	if (b->xsave_layout)
		for (int f = 0; f < XF_MAX; f++)
			off[f] = (xcr0 & (1ull << f)) ? b->xsave_layout[f] : 0;
	else
		xsave_offsets(xcr0, n, off);
	if (xcr0 & (1u << XF_AVX)) {
		const uint8_t *hi = xcomp(d, n, bv, XF_AVX, layout);
		for (int i = 0; i < nvec && i < 16; i++) {
			uint8_t *v = arena_alloc(b->arena, 32);
			if (!v) {
				b->oom = true;
				return true;
			}
			memcpy(v, d + 160 + 16 * i, 16);
			memcpy(v + 16, hi ? hi + 16 * i : zeros, 16);
			regs_add(b, ymm_names[i], COR_REGS_VECTOR, v, 32);
		}
	}
	if ((xcr0 & 0xe0) == 0xe0) {
		const uint8_t *k = xcomp(d, n, bv, XF_OPMASK, layout);
		const uint8_t *zhi = xcomp(d, n, bv, XF_ZMM_HI256, layout);
		const uint8_t *hi16 = xcomp(d, n, bv, XF_HI16_ZMM, layout);
		const uint8_t *yhi = xcomp(d, n, bv, XF_AVX, layout);
		for (int i = 0; i < 8; i++)
			regs_add(b, k_names[i], COR_REGS_VECTOR, k ? k + 8 * i : zeros, 8);
		int nz = nvec == 16 ? 32 : nvec;
		for (int i = 0; i < nz; i++) {
			uint8_t *v = arena_alloc(b->arena, 64);
			if (!v) {
				b->oom = true;
				return true;
			}
			if (i < 16) {
				memcpy(v, d + 160 + 16 * i, 16);
				memcpy(v + 16, yhi ? yhi + 16 * i : zeros, 16);
				memcpy(v + 32, zhi ? zhi + 32 * i : zeros, 32);
			} else {
				memcpy(v, hi16 ? hi16 + 64 * (i - 16) : zeros, 64);
			}
			regs_add(b, zmm_names[i], COR_REGS_VECTOR, v, 64);
		}
	}
	if (xcr0 & (1u << XF_PKRU)) {
		const uint8_t *p = xcomp(d, n, bv, XF_PKRU, layout);
		regs_add(b, "pkru", COR_REGS_OTHER, p ? p : zeros, 4);
	}
	return true;
}

static bool x86_64_note(struct regs_builder *b, uint32_t type, const uint8_t *d,
			size_t n, uint64_t *xf)
{
	if (type == NT_PRFPREG)
		return x86_decode_fxsave(b, d, n, 16);
	if (type == NT_X86_XSTATE)
		return x86_decode_xstate(b, d, n, 16, xf);
	return false;
}

/* i386 NT_PRFPREG is the 108-byte FSAVE image: 7 words, then st0-7 packed. */
static bool i386_note(struct regs_builder *b, uint32_t type, const uint8_t *d,
		      size_t n, uint64_t *xf)
{
	if (type == NT_PRFPREG) {
		if (n < 108)
			return false;
		static const char *const names[] = { "fcw", "fsw", "ftw", "fip", "fcs", "fdp", "fds" };
		for (int i = 0; i < 7; i++)
			regs_add(b, names[i], COR_REGS_FLOAT, d + 4 * i, 4);
		add_st(b, d + 28, 10);
		return true;
	}
	if (type == NT_PRXFPREG) {
		if (n < 512)
			return false;
		regs_add(b, "mxcsr", COR_REGS_VECTOR, d + 24, 4);
		for (int i = 0; i < 8; i++)
			regs_add(b, xmm_names[i], COR_REGS_VECTOR, d + 160 + 16 * i, 16);
		return true;
	}
	if (type == NT_X86_XSTATE)
		return x86_decode_xstate(b, d, n, 8, xf);
	return false;
}

/* ---- unwinding ---- */

/* __restore_rt: mov $15, %rax; syscall. The handler returned here, so sp
 * points at the ucontext; uc_mcontext (r8 ... rip) starts 40 bytes in. */
static int x86_64_signal(const struct arch_info *a, struct frame_regs *r, const struct arch_mem *m)
{
	static const uint8_t code[] = { 0x48, 0xc7, 0xc0, 0x0f, 0, 0, 0, 0x0f, 0x05 };
	static const int8_t map[] = { 8, 9, 10, 11, 12, 13, 14, 15, 5, 4, 6, 3, 1, 0, 2, 7, 16 };
	(void)a;
	if (!arch_code_is(r, m, code, sizeof(code)))
		return 0;
	return arch_restore_context(r, m, r->v[7] + 40, map, sizeof(map), 16) ? 1 : -1;
}

/* __restore (pop %eax; mov $119, %eax; int $0x80): the sigcontext follows
 * the signal number; __restore_rt (mov $173, %eax; int $0x80): the
 * ucontext pointer is the third word, its mcontext 20 bytes in. */
static int i386_signal(const struct arch_info *a, struct frame_regs *r, const struct arch_mem *m)
{
	static const uint8_t sig[] = { 0x58, 0xb8, 0x77, 0, 0, 0, 0xcd, 0x80 };
	static const uint8_t rt[] = { 0xb8, 0xad, 0, 0, 0, 0xcd, 0x80 };
	static const int8_t map[] = { -1, -1, -1, -1, 7, 6, 5, 4, 3, 2, 1, 0, -1, -1, 8 };
	uint64_t sc, uc;
	(void)a;
	if (arch_code_is(r, m, sig, sizeof(sig)))
		sc = r->v[4] + 4;
	else if (arch_code_is(r, m, rt, sizeof(rt)) && arch_read_word(m, r->v[4] + 8, &uc))
		sc = uc + 20;
	else
		return 0;
	return arch_restore_context(r, m, sc, map, sizeof(map), 14) ? 1 : -1;
}

/* The length of an indirect near call (ff /2) from its ModRM byte mrm and
 * the byte after it (the SIB byte when there is one): 2 to 7 bytes; 0 if
 * mrm is not /2. */
static unsigned ff2_len(uint8_t mrm, uint8_t sib)
{
	unsigned mod = mrm >> 6, rm = mrm & 7, n = 2;
	if (((mrm >> 3) & 7) != 2)
		return 0;
	if (mod == 3)
		return n;
	if (rm == 4 && mod == 0 && (sib & 7) == 5)
		n += 4;                 /* SIB without base: disp32 */
	else if (rm == 5 && mod == 0)
		n += 4;                 /* disp32 (rip-relative in 64-bit code) */
	if (rm == 4)
		n++;                    /* the SIB byte */
	return n + (mod == 1 ? 1 : mod == 2 ? 4 : 0);
}

/* ra follows a call: e8 rel32, or ff /2 (call *reg, call *mem), with a
 * REX prefix in 64-bit code. */
static bool x86_after_call(const struct arch_info *a, const struct arch_mem *m, uint64_t ra)
{
	uint8_t b[8] = { 0 };   /* b[8 - k] is the byte at ra - k */
	size_t n = sizeof(b);
	/* near the start of a mapping fewer bytes are there; the zeros
	 * before them are part of no call */
	while (n >= 2 && !arch_read_before(m, ra, b + sizeof(b) - n, n))
		n--;
	if (n < 2)
		return false;
	if (b[8 - 5] == 0xe8)
		return true;
	for (unsigned k = 2; k <= 7; k++) {
		const uint8_t *p = b + 8 - k;
		if (p[0] == 0xff && ff2_len(p[1], k > 2 ? p[2] : 0) == k)
			return true;
	}
	/* in 64-bit code (x86_64, x32) a REX prefix (41 for r8-r15) may
	 * come first: the call is one byte longer */
	if (a->machine != 62)
		return false;
	for (unsigned k = 3; k <= 8; k++) {
		const uint8_t *p = b + 8 - k;
		if ((p[0] & 0xf0) == 0x40 && p[1] == 0xff &&
		    ff2_len(p[2], k > 3 ? p[3] : 0) == k - 1)
			return true;
	}
	return false;
}

const struct arch_info arch_x86_64 = {
	.arch = COR_ARCH_X86_64, .name = "x86_64", .machine = 62, .is64 = true,
	.gregs = x86_64_gregs, .ngregs = COR_ARRAY_SIZE(x86_64_gregs),
	.pr_reg_size = 27 * 8, .pc_name = "rip", .sp_name = "rsp",
	.dwarf_sp = 7, .dwarf_fp = 6, .dwarf_ra = 16, .dwarf_pc = -1,
	.decode_note = x86_64_note,
	.signal_step = x86_64_signal, .fallback_step = arch_fp_record_step, .leaf_ra = -1,
	.call_ra = -1, .after_call = x86_after_call,
	/* rbx, rbp, rsp, r12-r15 (and the return address column) */
	.callee_saved = { (1u << 3) | (1u << 6) | (1u << 7) | (0xfu << 12) | (1u << 16) },
};

const struct arch_info arch_i386 = {
	.arch = COR_ARCH_I386, .name = "i386", .machine = 3, .is64 = false,
	.gregs = i386_gregs, .ngregs = COR_ARRAY_SIZE(i386_gregs),
	.pr_reg_size = 17 * 4, .pc_name = "eip", .sp_name = "esp",
	.dwarf_sp = 4, .dwarf_fp = 5, .dwarf_ra = 8, .dwarf_pc = -1,
	.decode_note = i386_note,
	.signal_step = i386_signal, .fallback_step = arch_fp_record_step, .leaf_ra = -1,
	.call_ra = -1, .after_call = x86_after_call,
	/* ebx, esp, ebp, esi, edi (and the return address column) */
	.callee_saved = { (1u << 3) | (1u << 4) | (1u << 5) | (1u << 6) | (1u << 7) | (1u << 8) },
};

/* x32 (the x86_64 ILP32 ABI: EM_X86_64 in ELF32): its NT_PRSTATUS is the
 * 32-bit prstatus with x86_64's 27 8-byte registers as pr_reg, at 72. */
const struct arch_info arch_x32 = {
	.arch = COR_ARCH_X32, .name = "x32", .machine = 62, .is64 = false,
	.gregs = x86_64_gregs, .ngregs = COR_ARRAY_SIZE(x86_64_gregs),
	.pr_reg_size = 27 * 8, .pc_name = "rip", .sp_name = "rsp",
	.dwarf_sp = 7, .dwarf_fp = 6, .dwarf_ra = 16, .dwarf_pc = -1,
	.decode_note = x86_64_note,
	.leaf_ra = -1, .call_ra = -1, .after_call = x86_after_call,
	/* rbx, rbp, rsp, r12-r15 (and the return address column) */
	.callee_saved = { (1u << 3) | (1u << 6) | (1u << 7) | (0xfu << 12) | (1u << 16) },
};
