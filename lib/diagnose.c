/* The crash diagnosis: a severity class with CASR's names (origin: gdb's
 * "exploitable" plugin), the fault and its region, the faulting
 * instruction, the program's last words, a stack overflow, the first frame
 * in the program's own code and a signature.
 *
 * Order of the decision: no crashed thread -> NoCrash; a signal another
 * process sent (si_code <= 0, a sender pid not the process's) ->
 * ExternalSignal; SIGABRT (or any signal the process sent itself) -> the
 * frames and __abort_msg (__assert_fail: AbortSignal, __stack_chk_fail:
 * StackGuard, __fortify_fail / *_chk: SafeFunctionCheck, malloc_printerr:
 * HeapError); SIGFPE -> FPE; SIGILL -> BadInstruction; SIGSEGV / SIGBUS ->
 * a stack overflow (the fault in a guard page or just below a stack, or sp
 * outside its stack), a fault at the pc (SegFaultOnPc), else the faulting
 * instruction's operand (capstone; x86 by its operands, aarch64 by its
 * mnemonic): the target of a call / jmp / ret
 * (CallAv, BranchAv, ReturnAv), a write (DestAv) or a read (SourceAv);
 * NearNull variants below 64 KiB; on x86 a faulting read whose value then
 * becomes a call or jmp target or a store's address is CallAvTainted,
 * BranchAvTainted or DestAvTainted.
 *
 * The uncaught C++ exception: libstdc++'s __cxa_throw keeps a pointer to
 * the exception's _Unwind_Exception on the stack while it calls
 * std::terminate. The crashed thread's stack is scanned upward from sp for a
 * word pointing at an _Unwind_Exception whose exception_class is
 * "GNUCC++\0"; the __cxa_exception header ends with it (its exceptionType is
 * 80 bytes before on LP64, 48 on ILP32, 32 in ARM EHABI's layout, whose
 * _Unwind_Control_Block is 88 bytes) and the thrown object follows it. On
 * qemu-user's cores the type's name (read-only data) is read from the
 * module's file (modules_read). Only done when
 * the frames show std::terminate or __cxa_throw, so a caught exception's
 * leftovers are not taken for it. */
#include <stdlib.h>
#include <string.h>
#include "config.h"
#include "diagnose.h"
#include "go.h"
#ifdef HAVE_CAPSTONE
#include <capstone/capstone.h>
#endif

#define NEAR_NULL 0x10000u
#define SIG_ILL 4
#define SIG_TRAP 5
#define SIG_ABRT 6
#define SIG_BUS 7
#define SIG_FPE 8
#define SIG_SEGV 11
#define SIG_CONT 18         /* to SIG_TTOU: SIGSTOP, SIGTSTP, SIGTTIN */
#define SIG_TTOU 22
#define SIG_SYS 31
#define SI_KERNEL_CODE 0x80
#define SIG_MAX_FRAMES 5
#define MAX_CYCLE 8
#define DEPTH_LIMIT 1000000u
#define SCAN_BYTES (512u * 1024)

struct diag {
	struct cor_diagnosis pub;
	struct cor_insn insn, before[2];
	uint8_t bytes[16], before_bytes[2][16];
	const char *cycle[MAX_CYCLE];
	cor_backtrace *own_bt;
};

struct ctx {
	const struct diagnose_parts *p;
	struct diag *d;
	const struct cor_thread *t;
	const cor_backtrace *bt;
	size_t nframes;
	int addr_size;
	const char *what_faulted;    /* set by the instruction analysis */
};

bool cor_have_disassembler(void)
{
#ifdef HAVE_CAPSTONE
	return true;
#else
	return false;
#endif
}

static const char *keep(struct ctx *c, char *s)
{
	const char *k = s ? arena_strdup(c->p->arena, s) : NULL;
	free(s);
	return k;
}

static const struct cor_frame *frame(const struct ctx *c, size_t i)
{
	return c->bt ? cor_backtrace_frame(c->bt, i) : NULL;
}

static const char *base_name(const char *path)
{
	const char *s = path ? strrchr(path, '/') : NULL;
	return s ? s + 1 : path;
}

static bool starts(const char *s, const char *prefix)
{
	return s && !strncmp(s, prefix, strlen(prefix));
}

static bool ends(const char *s, const char *suffix)
{
	size_t n = s ? strlen(s) : 0, k = strlen(suffix);
	return n >= k && !strcmp(s + n - k, suffix);
}

/* ---- memory ---- */

/* n bytes at b in the target's byte order */
static uint64_t decode(const struct ctx *c, const uint8_t *b, int n)
{
	uint64_t x = 0;
	bool be = c->p->proc->info.big_endian;
	for (int i = 0; i < n; i++)
		x |= (uint64_t)b[be ? i : n - 1 - i] << (8 * (n - 1 - i));
	return x;
}

/* The process's memory, and the loaded objects' files where the core has
 * no bytes (qemu-user's cores: type names in .rodata, the code) */
static size_t read_mem(struct ctx *c, uint64_t addr, void *buf, size_t n)
{
	size_t done = 0;
	cor_error_free(modules_read(c->p->modules, addr, buf, n, &done));
	return done;
}

static bool read_uint(struct ctx *c, uint64_t addr, int n, uint64_t *v)
{
	uint8_t b[8];
	cor_error *err = modules_read(c->p->modules, addr, b, (size_t)n, NULL);
	if (err) {
		cor_error_free(err);
		return false;
	}
	*v = decode(c, b, n);
	return true;
}

static bool read_word(struct ctx *c, uint64_t addr, uint64_t *v)
{
	return read_uint(c, addr, c->addr_size, v);
}

/* The bytes of a NUL-terminated string at addr, as they are (the JSON and
 * text writers escape), at most max; NULL if unreadable or unterminated. */
static const char *read_cstr(struct ctx *c, uint64_t addr, size_t max)
{
	struct strbuf sb = {0};
	uint8_t buf[256];
	while (sb.len < max) {
		size_t n = sizeof(buf);
		/* do not cross a page: the next one may be unmapped */
		size_t to_page = 4096 - (size_t)(addr & 4095);
		if (n > to_page)
			n = to_page;
		size_t done = read_mem(c, addr, buf, n);
		void *nul = memchr(buf, 0, done);
		if (nul) {
			sb_add(&sb, (const char *)buf, (size_t)((uint8_t *)nul - buf));
			if (!sb.s)
				sb_add(&sb, "", 0);
			return keep(c, sb_take(&sb));
		}
		if (!done)
			break;
		sb_add(&sb, (const char *)buf, done);
		addr += done;
	}
	sb_free(&sb);
	return NULL;
}

/* ---- modules ---- */

/* A module of the C and C++ runtimes, the dynamic linker or the vDSO: not
 * the program's own code. */
static bool runtime_module(const char *name)
{
	static const char *const libs[] = { "libc.so", "libc-", "ld-linux", "ld-", "ld64.so",
		"libstdc++", "libgcc_s", "libm.so", "libm-", "libpthread", "libdl.", "librt.",
		"libc++", "libunwind" };
	const char *b = base_name(name);
	if (!b || !strcmp(b, "[vdso]"))
		return true;
	for (size_t i = 0; i < COR_ARRAY_SIZE(libs); i++)
		if (starts(b, libs[i]))
			return true;
	return false;
}

/* Address of the symbol name in the first module that has it: modules
 * whose base name starts with prefix first (NULL: the executable). */
static bool find_symbol(struct ctx *c, const char *prefix, const char *name, uint64_t *addr)
{
	const struct modules *ms = c->p->modules;
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < ms->n; i++) {
			struct module *m = &ms->v[i];
			bool want = prefix ? starts(base_name(m->pub.name), prefix) : m->pub.is_executable;
			if (want != (pass == 0))
				continue;
			struct symtab *st = module_symtab(ms, m);
			uint64_t v;
			if (st && symtab_find_name(st, name, &v)) {
				*addr = v + m->pub.load_bias;
				return true;
			}
		}
	return false;
}

/* ---- frames ---- */

/* The abort / assert / raise / signal / unwinding machinery. */
static bool machinery(const struct cor_frame *f)
{
	static const char *const exact[] = { "raise", "gsignal", "abort", "kill", "tgkill",
		"pthread_kill", "__assert_fail", "__assert_fail_base", "__assert_perror_fail",
		"__assert", "__stack_chk_fail", "__stack_chk_fail_local", "__fortify_fail",
		"__fortify_fail_abort", "__chk_fail", "malloc_printerr", "__malloc_assert",
		"__cxa_throw", "__cxa_rethrow", "__cxa_call_terminate", "__cxa_call_unexpected",
		"__restore_rt", "<signal trampoline>", "__kernel_vsyscall", "_dl_sysinfo_int80",
		"__libc_do_syscall", /* 32-bit ARM Thumb code's syscall */
		"free", "__free", "cfree", "malloc", "__malloc", "realloc", "__realloc", "calloc",
		"__calloc" };
	static const char *const prefix[] = { "__pthread_kill", "__GI_", "__libc_message",
		"__libc_fatal", "__libc_free", "__libc_malloc", "__libc_realloc", "__libc_calloc",
		"_int_", "std::terminate", "__cxxabiv1::__terminate", "__cxxabiv1::__unexpected",
		"__gnu_cxx::__verbose_terminate_handler", "_Unwind_", "__abort" };
	if (f->signal_frame)
		return true;
	/* an inline frame of a system header (fortified memcpy ...) */
	if (f->is_inline && starts(f->file, "/usr/include/"))
		return true;
	if (!f->function)
		return false;
	/* the name without gcc's suffixes: __assert_fail_base.cold */
	const char *dot = strchr(f->function, '.');
	size_t len = dot ? (size_t)(dot - f->function) : strlen(f->function);
	for (size_t i = 0; i < COR_ARRAY_SIZE(exact); i++)
		if (strlen(exact[i]) == len && !strncmp(f->function, exact[i], len))
			return true;
	for (size_t i = 0; i < COR_ARRAY_SIZE(prefix); i++)
		if (starts(f->function, prefix[i]))
			return true;
	/* fortified functions: __memcpy_chk, __sprintf_chk ... */
	return starts(f->function, "__") && ends(f->function, "_chk");
}

/* Startup code below main (a goroutine's runtime.goexit): not part of a
 * signature. */
static bool startup(const struct cor_frame *f)
{
	return f->function && (!strcmp(f->function, "_start") ||
			       starts(f->function, "__libc_start") ||
			       starts(f->function, "runtime.goexit"));
}

/* A frame named name (exactly, or a prefix ending in '*'). */
static bool has_frame(const struct ctx *c, const char *name)
{
	size_t n = strlen(name);
	bool pre = n && name[n - 1] == '*';
	for (size_t i = 0; i < c->nframes; i++) {
		const char *fn = frame(c, i)->function;
		if (fn && (pre ? !strncmp(fn, name, n - 1) : !strcmp(fn, name)))
			return true;
	}
	return false;
}

static bool fortify_frame(const struct ctx *c)
{
	for (size_t i = 0; i < c->nframes; i++) {
		const char *fn = frame(c, i)->function;
		if (fn && (!strcmp(fn, "__fortify_fail") || !strcmp(fn, "__chk_fail") ||
			   (starts(fn, "__") && ends(fn, "_chk"))))
			return true;
	}
	return false;
}

/* ---- the class ---- */

static const char *severity_of(const char *cls)
{
	static const char *const expl[] = { "SegFaultOnPc", "ReturnAv", "BranchAv", "CallAv",
		"DestAv", "BranchAvTainted", "CallAvTainted", "DestAvTainted" };
	static const char *const prob[] = { "BadInstruction", "SegFaultOnPcNearNull",
		"BranchAvNearNull", "CallAvNearNull", "HeapError", "StackGuard", "DestAvNearNull" };
	for (size_t i = 0; i < COR_ARRAY_SIZE(expl); i++)
		if (!strcmp(cls, expl[i]))
			return "EXPLOITABLE";
	for (size_t i = 0; i < COR_ARRAY_SIZE(prob); i++)
		if (!strcmp(cls, prob[i]))
			return "PROBABLY_EXPLOITABLE";
	return strcmp(cls, "NoCrash") ? "NOT_EXPLOITABLE" : "UNDEFINED";
}

static const char *near(const struct diag *d, const char *cls, bool has_near)
{
	if (!d->pub.near_null || !has_near)
		return cls;
	static const char *const nn[][2] = { { "SegFaultOnPc", "SegFaultOnPcNearNull" },
		{ "BranchAv", "BranchAvNearNull" }, { "CallAv", "CallAvNearNull" },
		{ "DestAv", "DestAvNearNull" }, { "SourceAv", "SourceAvNearNull" } };
	for (size_t i = 0; i < COR_ARRAY_SIZE(nn); i++)
		if (!strcmp(cls, nn[i][0]))
			return nn[i][1];
	return cls;
}

static const char *region_of(struct ctx *c, uint64_t addr)
{
	const struct cor_mapping *m = memory_mapping_at(c->p->mem, addr);
	if (!m)
		return addr < NEAR_NULL ? "null page" : "unmapped";
	if (!m->read && !m->write && !m->exec)
		return "guard page";
	if (m->label)
		return m->label;
	if (m->path)
		return m->path;
	return "anonymous";
}

/* ---- the instruction ---- */

#ifdef HAVE_CAPSTONE
static bool cs_for(enum cor_arch a, cs_arch *arch, cs_mode *mode)
{
	switch (a) {
	case COR_ARCH_X86_64: *arch = CS_ARCH_X86; *mode = CS_MODE_64; return true;
	case COR_ARCH_I386: case COR_ARCH_X32: *arch = CS_ARCH_X86;
		*mode = a == COR_ARCH_X32 ? CS_MODE_64 : CS_MODE_32; return true;
	case COR_ARCH_AARCH64: *arch = CS_ARCH_ARM64; *mode = CS_MODE_LITTLE_ENDIAN; return true;
	case COR_ARCH_PPC64LE: *arch = CS_ARCH_PPC; *mode = CS_MODE_64 | CS_MODE_LITTLE_ENDIAN; return true;
	case COR_ARCH_PPC64: *arch = CS_ARCH_PPC; *mode = CS_MODE_64 | CS_MODE_BIG_ENDIAN; return true;
	case COR_ARCH_PPC: *arch = CS_ARCH_PPC; *mode = CS_MODE_32 | CS_MODE_BIG_ENDIAN; return true;
	case COR_ARCH_S390X: *arch = CS_ARCH_SYSZ; *mode = CS_MODE_BIG_ENDIAN; return true;
	default: return false;
	}
}

static const char *insn_text(struct ctx *c, const cs_insn *in)
{
	return keep(c, in->op_str[0] ? cor_asprintf("%s %s", in->mnemonic, in->op_str)
		    : cor_strdup(in->mnemonic));
}

/* The value of an x86 register capstone names, from the thread. */
static bool cs_reg_value(struct ctx *c, csh h, unsigned reg, uint64_t next_pc, uint64_t *v)
{
	if (reg == X86_REG_INVALID) {
		*v = 0;
		return true;
	}
	if (reg == X86_REG_RIP || reg == X86_REG_EIP) {
		*v = next_pc;
		return true;
	}
	const char *name = cs_reg_name(h, reg);
	if (!name)
		return false;
	const struct cor_register *r = cor_thread_register(c->t, name);
	uint64_t mask = ~0ull;
	char wide[8];
	if (!r && name[0] == 'e' && strlen(name) == 3) {
		/* a 32-bit register in 64-bit mode */
		snprintf(wide, sizeof(wide), "r%s", name + 1);
		r = cor_thread_register(c->t, wide);
		mask = 0xffffffffu;
	} else if (!r && name[0] == 'r' && ends(name, "d")) {
		snprintf(wide, sizeof(wide), "%.*s", (int)strlen(name) - 1, name);
		r = cor_thread_register(c->t, wide);
		mask = 0xffffffffu;
	}
	if (!r || r->size > 8)
		return false;
	*v = r->value & mask;
	return true;
}

/* The address an x86 memory operand refers to. */
static bool op_address(struct ctx *c, csh h, const cs_insn *in, const cs_x86_op *op, uint64_t *ea)
{
	uint64_t base, index, seg = 0;
	uint64_t next = in->address + in->size;
	if (!cs_reg_value(c, h, op->mem.base, next, &base) || !cs_reg_value(c, h, op->mem.index, next, &index))
		return false;
	if (op->mem.segment == X86_REG_FS || op->mem.segment == X86_REG_GS) {
		const struct cor_register *r = cor_thread_register(c->t,
			op->mem.segment == X86_REG_FS ? "fs_base" : "gs_base");
		if (!r)
			return false;
		seg = r->value;
	}
	*ea = seg + base + index * (uint64_t)op->mem.scale + (uint64_t)op->mem.disp;
	if (c->addr_size == 4)
		*ea &= 0xffffffffu;
	return true;
}

/* The 16 general registers, each with its narrower names. */
static int x86_family(unsigned reg)
{
	static const unsigned fam[16][5] = {
		{ X86_REG_RAX, X86_REG_EAX, X86_REG_AX, X86_REG_AL, X86_REG_AH },
		{ X86_REG_RBX, X86_REG_EBX, X86_REG_BX, X86_REG_BL, X86_REG_BH },
		{ X86_REG_RCX, X86_REG_ECX, X86_REG_CX, X86_REG_CL, X86_REG_CH },
		{ X86_REG_RDX, X86_REG_EDX, X86_REG_DX, X86_REG_DL, X86_REG_DH },
		{ X86_REG_RSI, X86_REG_ESI, X86_REG_SI, X86_REG_SIL, 0 },
		{ X86_REG_RDI, X86_REG_EDI, X86_REG_DI, X86_REG_DIL, 0 },
		{ X86_REG_RBP, X86_REG_EBP, X86_REG_BP, X86_REG_BPL, 0 },
		{ X86_REG_RSP, X86_REG_ESP, X86_REG_SP, X86_REG_SPL, 0 },
		{ X86_REG_R8, X86_REG_R8D, X86_REG_R8W, X86_REG_R8B, 0 },
		{ X86_REG_R9, X86_REG_R9D, X86_REG_R9W, X86_REG_R9B, 0 },
		{ X86_REG_R10, X86_REG_R10D, X86_REG_R10W, X86_REG_R10B, 0 },
		{ X86_REG_R11, X86_REG_R11D, X86_REG_R11W, X86_REG_R11B, 0 },
		{ X86_REG_R12, X86_REG_R12D, X86_REG_R12W, X86_REG_R12B, 0 },
		{ X86_REG_R13, X86_REG_R13D, X86_REG_R13W, X86_REG_R13B, 0 },
		{ X86_REG_R14, X86_REG_R14D, X86_REG_R14W, X86_REG_R14B, 0 },
		{ X86_REG_R15, X86_REG_R15D, X86_REG_R15W, X86_REG_R15B, 0 },
	};
	for (int i = 0; reg != X86_REG_INVALID && i < 16; i++)
		for (int k = 0; k < 5; k++)
			if (fam[i][k] == reg)
				return i;
	return -1;
}

static uint32_t x86_bit(unsigned reg)
{
	int f = x86_family(reg);
	return f < 0 ? 0 : 1u << f;
}

#define TAINT_INSNS 8

/* The faulting read's destination, followed through the next few
 * instructions (straight-line, moves and arithmetic): the target of a
 * call or jmp, or the address of a store, made from it gives the Tainted
 * class; NULL if it reaches none. */
static const char *x86_taint(struct ctx *c, csh h, const cs_insn *in)
{
	const cs_x86 *x = &in->detail->x86;
	uint32_t taint = 0;
	for (int i = 0; i < x->op_count; i++)
		if (x->operands[i].type == X86_OP_REG && (x->operands[i].access & CS_AC_WRITE))
			taint |= x86_bit(x->operands[i].reg);
	uint8_t code[TAINT_INSNS * 15];
	uint64_t addr = in->address + in->size;
	size_t got = read_mem(c, addr, code, sizeof(code));
	cs_insn *it = taint && got ? cs_malloc(h) : NULL;
	const uint8_t *cp = code;
	const char *cls = NULL;
	for (int n = 0; it && !cls && taint && n < TAINT_INSNS && cs_disasm_iter(h, &cp, &got, &addr, it); n++) {
		const cs_x86 *y = &it->detail->x86;
		uint32_t reads = 0, writes = 0;
		bool mem_tainted = false, mem_write = false;
		for (int i = 0; i < y->op_count; i++) {
			const cs_x86_op *op = &y->operands[i];
			if (op->type == X86_OP_REG) {
				if (op->access & CS_AC_READ)
					reads |= x86_bit(op->reg);
				if (op->access & CS_AC_WRITE)
					writes |= x86_bit(op->reg);
			} else if (op->type == X86_OP_MEM) {
				bool t = (x86_bit(op->mem.base) | x86_bit(op->mem.index)) & taint;
				mem_tainted |= t;
				if (t && (op->access & CS_AC_WRITE))
					mem_write = true;
				if (t)
					reads |= taint;     /* a load through it: its value too */
			}
		}
		bool uses = (reads & taint) || mem_tainted;
		if (cs_insn_group(h, it, CS_GRP_CALL))
			cls = uses ? "CallAvTainted" : NULL;
		else if (it->id == X86_INS_JMP && uses)
			cls = "BranchAvTainted";
		else if (mem_write)
			cls = "DestAvTainted";
		if (cls || cs_insn_group(h, it, CS_GRP_CALL) || cs_insn_group(h, it, CS_GRP_JUMP) ||
		    cs_insn_group(h, it, CS_GRP_RET) || cs_insn_group(h, it, CS_GRP_INT))
			break;
		taint = uses ? taint | writes : taint & ~writes;
	}
	if (it)
		cs_free(it, 1);
	return cls;
}

/* Which operand of the x86 instruction in faulted, and how; false if it
 * cannot tell. */
static bool x86_access(struct ctx *c, csh h, const cs_insn *in, const char **cls)
{
	struct cor_diagnosis *pd = &c->d->pub;
	const cs_x86 *x = &in->detail->x86;
	bool call = cs_insn_group(h, in, CS_GRP_CALL), jump = cs_insn_group(h, in, CS_GRP_JUMP);
	bool ret = cs_insn_group(h, in, CS_GRP_RET) || cs_insn_group(h, in, CS_GRP_IRET);
	if (ret) {
		*cls = "ReturnAv";
		pd->fault_access = "return";
		c->what_faulted = "the return (its address on the stack, or where it points)";
		return true;
	}
	/* the memory operand that faulted: the one at the fault address,
	 * else the only one */
	const cs_x86_op *hit = NULL, *any = NULL;
	int nmem = 0;
	for (int i = 0; i < x->op_count; i++) {
		const cs_x86_op *op = &x->operands[i];
		if (op->type != X86_OP_MEM)
			continue;
		nmem++;
		any = op;
		uint64_t ea;
		if (pd->have_fault && op_address(c, h, in, op, &ea) &&
		    pd->fault_address - (ea & ~4095ull) < 8192 + op->size)
			hit = op;
	}
	if (!hit && nmem == 1)
		hit = any;
	if (!hit) {
		if (in->id == X86_INS_PUSH || call) {
			*cls = "DestAv";
			pd->fault_access = "write";
			c->what_faulted = "a write to the stack";
			return true;
		}
		if (in->id == X86_INS_POP) {
			*cls = "SourceAv";
			pd->fault_access = "read";
			c->what_faulted = "a read from the stack";
			return true;
		}
		return false;
	}
	uint64_t ea;
	if (!pd->have_fault && op_address(c, h, in, hit, &ea)) {
		/* a general protection fault (non-canonical address) has no
		 * fault address: the operand's, computed from the registers */
		pd->have_fault = true;
		pd->fault_address = ea;
		pd->near_null = ea < NEAR_NULL;
		pd->fault_region = region_of(c, ea);
	}
	if (call || jump) {
		*cls = call ? "CallAv" : "BranchAv";
		pd->fault_access = call ? "call" : "jump";
		c->what_faulted = call ? "the read of a call's target" : "the read of a jump's target";
		return true;
	}
	bool write = hit->access & CS_AC_WRITE;
	*cls = write ? "DestAv" : "SourceAv";
	pd->fault_access = write ? "write" : "read";
	c->what_faulted = write ? "a write" : "a read";
	const char *tainted = write || pd->near_null ? NULL : x86_taint(c, h, in);
	if (tainted) {
		*cls = tainted;
		c->what_faulted = !strcmp(tainted, "CallAvTainted")
			? "a read whose value a call then uses as its target"
			: !strcmp(tainted, "BranchAvTainted")
			? "a read whose value a jump then uses as its target"
			: "a read whose value a store then uses as its address";
	}
	return true;
}

/* aarch64 by mnemonic: loads (ld*, prfm) read, stores (st*) and the
 * atomics that read and write (ld<op>, swp, cas) write; the data
 * operand is the only memory one. */
static bool a64_access(struct ctx *c, const cs_insn *in, const char **cls)
{
	static const char *const rmw[] = { "ldadd", "ldclr", "ldeor", "ldset", "ldsmax", "ldsmin",
		"ldumax", "ldumin", "swp", "cas" };
	struct cor_diagnosis *pd = &c->d->pub;
	const char *m = in->mnemonic;
	bool write = starts(m, "st");
	for (size_t i = 0; i < COR_ARRAY_SIZE(rmw); i++)
		write |= starts(m, rmw[i]);
	if (!write && !starts(m, "ld") && !starts(m, "prfm"))
		return false;
	*cls = write ? "DestAv" : "SourceAv";
	pd->fault_access = write ? "write" : "read";
	c->what_faulted = write ? "a write" : "a read";
	return true;
}
#endif

/* The bytes at the pc and, with capstone, their text, the two
 * instructions before and (x86) the operand that faulted. */
static void instruction(struct ctx *c, const char **cls)
{
	struct diag *d = c->d;
	uint64_t pc = c->t->pc;
	size_t done = read_mem(c, pc, d->bytes, sizeof(d->bytes));
	if (!done)
		return;
	d->insn = (struct cor_insn){ pc, done, d->bytes, NULL };
	d->pub.instruction = &d->insn;
#ifdef HAVE_CAPSTONE
	cs_arch arch;
	cs_mode mode;
	csh h;
	if (!c->p->proc->arch || !cs_for(c->p->proc->info.arch, &arch, &mode) ||
	    cs_open(arch, mode, &h) != CS_ERR_OK)
		return;
	cs_option(h, CS_OPT_DETAIL, CS_OPT_ON);
	cs_insn *in = NULL;
	if (cs_disasm(h, d->bytes, done, pc, 1, &in) == 1) {
		d->insn.text = insn_text(c, in);
		d->insn.size = in->size;
		if (arch == CS_ARCH_X86 && cls)
			x86_access(c, h, in, cls);
		else if (arch == CS_ARCH_ARM64 && cls)
			a64_access(c, in, cls);
	}
	if (in)
		cs_free(in, 1);
	/* the two before: decoded from the start of the function */
	struct module *m = module_at(c->p->modules, pc);
	struct symtab *st = m ? module_symtab(c->p->modules, m) : NULL;
	struct symbol s;
	if (st && symtab_lookup(st, pc - m->pub.load_bias, &s) &&
	    pc - m->pub.load_bias - s.value < 4096 && pc - m->pub.load_bias > s.value) {
		uint64_t start = s.value + m->pub.load_bias;
		size_t len = (size_t)(pc - start);
		uint8_t *code = malloc(len);
		size_t got = 0;
		if (code)
			got = read_mem(c, start, code, len);
		cs_insn *it = got == len ? cs_malloc(h) : NULL;
		const uint8_t *cp = code;
		size_t left = len;
		uint64_t addr = start;
		struct { uint64_t a; size_t n; } last[2] = { { 0, 0 }, { 0, 0 } };
		int seen = 0;
		while (it && left && cs_disasm_iter(h, &cp, &left, &addr, it)) {
			last[0] = last[1];
			last[1].a = it->address;
			last[1].n = it->size;
			seen++;
		}
		if (it && !left && addr == pc) {
			size_t k = 0;
			for (int i = seen >= 2 ? 0 : 1; i < 2; i++) {
				const uint8_t *b = code + (last[i].a - start);
				size_t n = last[i].n, one = n;
				uint64_t a = last[i].a;
				memcpy(d->before_bytes[k], b, n > 16 ? 16 : n);
				if (cs_disasm_iter(h, &b, &one, &a, it))
					d->before[k] = (struct cor_insn){ last[i].a, last[i].n,
						d->before_bytes[k], insn_text(c, it) };
				else
					continue;
				k++;
			}
			d->pub.before_count = k;
			d->pub.before = k ? d->before : NULL;
		}
		if (it)
			cs_free(it, 1);
		free(code);
	}
	cs_close(&h);
#else
	(void)cls;
#endif
}

/* ---- stack overflow ---- */

static bool stack_label(const struct cor_mapping *m)
{
	return m && m->label && starts(m->label, "[stack");
}

/* The fault is a stack overflow of thread t: in a guard page or the gap
 * just below a stack, or sp outside its stack and the fault near sp. */
static bool is_overflow(struct ctx *c, uint64_t a)
{
	struct memory *mem = c->p->mem;
	uint64_t sp = c->t->sp;
	const struct cor_mapping *ma = memory_mapping_at(mem, a);
	const struct cor_mapping *msp = memory_mapping_at(mem, sp);
	bool near_sp = a - sp + 65536 < 2 * 65536ull;
	if (a < NEAR_NULL)
		return false;
	if (ma && !ma->read && !ma->write && !ma->exec) {
		/* a guard page: the stack above it holds sp, or sp is close */
		const struct cor_mapping *above = memory_mapping_at(mem, ma->end);
		return near_sp || (above && above == msp);
	}
	if (!ma) {
		/* the gap below a stack (the kernel's stack guard gap) */
		for (size_t i = 0; i < mem->nsegs; i++) {
			const struct cor_mapping *m = &mem->maps[i];
			if (m->start > a && (stack_label(m) || m == msp) && m->start - a <= (2u << 20))
				return near_sp || sp < m->start + 65536;
		}
	}
	/* sp outside any writable mapping */
	return near_sp && (!msp || !msp->write);
}

struct counter {
	struct unwind_cb cb;     /* first */
	size_t n;
};

static bool count_frame(struct unwind_cb *cb, const struct unwind_frame *f)
{
	(void)f;
	((struct counter *)cb)->n++;
	return true;
}

/* Frames of the overflowing thread without the frame limit; the repeating
 * sequence of function names. */
static void overflow_facts(struct ctx *c)
{
	struct diag *d = c->d;
	struct counter cnt = { { count_frame, NULL, NULL }, 0 };
	struct unwinder u = *c->p->unwinder;
	struct limits lim = *u.limits;
	if (lim.max_frames < DEPTH_LIMIT)
		lim.max_frames = DEPTH_LIMIT;
	u.limits = &lim;
	cor_error *err = unwind_thread(&u, c->t, &cnt.cb);
	c->p->unwinder->rows = u.rows;  /* a cache it may have made */
	free(cnt.cb.stop);
	if (!err)
		d->pub.overflow_depth = cnt.n;
	cor_error_free(err);
	/* the shortest period repeating three times, within the first frames */
	for (size_t s = 0; s < 16 && s < c->nframes; s++)
		for (size_t per = 1; per <= MAX_CYCLE; per++) {
			if (s + 3 * per > c->nframes)
				break;
			bool ok = true;
			for (size_t i = s; ok && i < s + 2 * per; i++) {
				const char *x = frame(c, i)->function, *y = frame(c, i + per)->function;
				ok = x && y && !strcmp(x, y);
			}
			if (!ok)
				continue;
			for (size_t i = 0; i < per; i++)
				d->cycle[i] = frame(c, s + i)->function;
			d->pub.cycle_count = per;
			d->pub.cycle = d->cycle;
			return;
		}
}

/* ---- last words ---- */

/* glibc's __abort_msg: a pointer to struct abort_msg_s { unsigned int
 * size; char msg[]; }, set by __libc_message and __assert_fail. */
static void abort_message(struct ctx *c)
{
	uint64_t sym, p;
	if (!find_symbol(c, "libc", "__abort_msg", &sym) || !read_word(c, sym, &p) || !p)
		return;
	c->d->pub.message = read_cstr(c, p + 4, 8192);
}

static bool type_name_at(struct ctx *c, uint64_t ti, const char **name)
{
	uint64_t np;
	if (!read_word(c, ti + (uint64_t)c->addr_size, &np) || !np)
		return false;
	const char *n = read_cstr(c, np, 1024);
	if (!n || !*n)
		return false;
	for (const char *q = n; *q; q++)
		if (*q <= 0x20 || *q >= 0x7f)
			return false;
	*name = n;
	return true;
}

/* The type derives from std::logic_error or std::runtime_error (single
 * inheritance, through __si_class_type_info's base). */
static bool std_with_message(struct ctx *c, uint64_t ti)
{
	uint64_t si_vt = 0;
	bool have_si = find_symbol(c, "libstdc++", "_ZTVN10__cxxabiv120__si_class_type_infoE", &si_vt);
	for (int depth = 0; depth < 16 && ti; depth++) {
		const char *name;
		uint64_t vt;
		if (!type_name_at(c, ti, &name))
			return false;
		if (!strcmp(name, "St11logic_error") || !strcmp(name, "St13runtime_error"))
			return true;
		if (!have_si || !read_word(c, ti, &vt) || vt != si_vt + 2ull * c->addr_size ||
		    !read_word(c, ti + 2ull * c->addr_size, &ti))
			return false;
	}
	return false;
}

static void cxx_exception(struct ctx *c)
{
	/* "GNUCC++\0": a u64 in the generic unwinder's header, 8 chars (so
	 * big endian in memory) in ARM EHABI's */
	uint64_t gnu_cxx = 0x474e5543432b2b00ull;
	uint64_t ptr = (uint64_t)c->addr_size;
	enum cor_arch arch = c->p->proc->info.arch;
	/* the generic (Itanium) layout: 5 pointers, 2 ints, 4 pointers, then
	 * _Unwind_Exception (a u64 and 3 words) aligned as the target's
	 * biggest alignment: 16 bytes, 8 on s390 */
	uint64_t al = arch == COR_ARCH_S390X || arch == COR_ARCH_S390 ? 8 : 16;
	uint64_t hdr = (9 * ptr + 8 + al - 1) & ~(al - 1), ue_size = (8 + 3 * ptr + al - 1) & ~(al - 1);
	bool ehabi = arch == COR_ARCH_ARM;
	if (ehabi) {
		/* 5 pointers, an int, a pointer, an int, then the 8-aligned
		 * _Unwind_Control_Block: the class, the cleanup and 19 words
		 * of caches (88 bytes) */
		gnu_cxx = 0x002b2b4343554e47ull;
		al = 8;
		hdr = 8 * ptr;
		ue_size = 88;
	}
	if (arch == COR_ARCH_UNKNOWN)
		return;
	if (!has_frame(c, "std::terminate*") && !has_frame(c, "__cxa_throw") &&
	    !has_frame(c, "__cxa_rethrow") && !has_frame(c, "__cxxabiv1::__terminate*"))
		return;
	struct memory *mem = c->p->mem;
	uint64_t sp = c->t->sp & ~(ptr - 1);
	const struct cor_mapping *ms = memory_mapping_at(mem, sp);
	if (!ms)
		return;
	uint64_t end = ms->end - sp > SCAN_BYTES ? sp + SCAN_BYTES : ms->end;
	uint8_t buf[4096];
	for (uint64_t at = sp; at < end; at += sizeof(buf)) {
		size_t n = end - at < sizeof(buf) ? (size_t)(end - at) : sizeof(buf), done = 0;
		cor_error_free(memory_read(mem, at, buf, n, &done));
		for (size_t k = 0; k + ptr <= done; k += ptr) {
			uint64_t v = decode(c, buf + k, c->addr_size);
			const struct cor_mapping *m;
			uint64_t cls, ti;
			const char *name;
			if (v & (al - 1) || v < 4096 || !(m = memory_mapping_at(mem, v)) || !m->write ||
			    !read_uint(c, v, 8, &cls) || cls != gnu_cxx ||
			    !read_word(c, v - hdr, &ti) || !type_name_at(c, ti, &name))
				continue;
			const char *raw = name[0] == '*' ? name + 1 : name;
			const char *dm = keep(c, cor_demangle_type(raw));
			c->d->pub.exception_type = dm ? dm : raw;
			uint64_t what;
			/* the object: a vtable pointer, then the message's */
			if (std_with_message(c, ti) && read_word(c, v + ue_size + ptr, &what) && what)
				c->d->pub.exception_what = read_cstr(c, what, 8192);
			return;
		}
		if (done < n)
			return;
	}
}

static bool heap_message(const char *m)
{
	static const char *const pre[] = { "free(): ", "malloc(): ", "realloc(): ", "calloc(): ",
		"munmap_chunk(): ", "malloc_consolidate(): ", "double free or corruption",
		"corrupted ", "tcache_thread_shutdown(): ", "_int_malloc(): ", "_int_free(): ",
		"memalign(): ", "aligned_alloc(): ", "pvalloc(): ", "valloc(): " };
	for (size_t i = 0; m && i < COR_ARRAY_SIZE(pre); i++)
		if (starts(m, pre[i]))
			return true;
	return false;
}

/* ---- where to look, the signature ---- */

/* A Go program: where to look and the signature come from the frames of
 * the goroutine that crashed it (a fatal error runs on the system stack,
 * where the crashed thread's frames are all the runtime's). */
static void go_frames(struct ctx *c)
{
	int64_t goid;
	const cor_backtrace *bt = c->p->go ? go_crash_backtrace(c->p->go, &goid) : NULL;
	if (!bt || !cor_backtrace_frame_count(bt))
		return;
	c->bt = bt;
	c->nframes = cor_backtrace_frame_count(bt);
	c->d->pub.crash_goroutine = goid;
}

static void crash_frame(struct ctx *c)
{
	struct cor_diagnosis *pd = &c->d->pub;
	pd->crash_frame = -1;
	for (size_t i = 0; i < c->nframes; i++) {
		const struct cor_frame *f = frame(c, i);
		if (!f->module || runtime_module(f->module) || machinery(f) ||
		    starts(f->function, "runtime.") || startup(f))
			continue;
		pd->crash_frame = (long)i;
		if (f->file)
			pd->crash_line = keep(c, f->line ? cor_asprintf("%s:%u", f->file, f->line)
					      : cor_strdup(f->file));
		return;
	}
}

/* The length of a function's name without the suffixes of gcc's clones
 * and split parts (sum.constprop.0, f.isra.0, check.part.0, check.cold),
 * which change with the optimizer, not with the crash site. */
static size_t stable_len(const char *fn)
{
	static const char *const sfx[] = { ".constprop.", ".isra.", ".part.", ".cold",
		".lto_priv.", ".localalias", ".llvm.", ".abi0" };
	size_t n = strlen(fn);
	for (size_t i = 0; i < COR_ARRAY_SIZE(sfx); i++) {
		const char *at = strstr(fn, sfx[i]);
		if (at && (size_t)(at - fn) < n && at != fn)
			n = (size_t)(at - fn);
	}
	return n;
}

static void signature(struct ctx *c)
{
	struct cor_diagnosis *pd = &c->d->pub;
	struct strbuf sb = {0};
	size_t i = 0, k = 0;
	/* the machinery on top, nameless frames of the runtime among it, the
	 * Go runtime's (runtime.raise, runtime.fatalpanic, runtime.sigpanic) */
	while (i < c->nframes && (machinery(frame(c, i)) ||
				  starts(frame(c, i)->function, "runtime.") ||
				  (!frame(c, i)->function && frame(c, i)->module &&
				   runtime_module(frame(c, i)->module))))
		i++;
	if (i == c->nframes)
		i = 0;
	for (; i < c->nframes && k < SIG_MAX_FRAMES; i++) {
		const struct cor_frame *f = frame(c, i);
		/* nor the startup code, nor nameless frames of a stripped libc */
		if (startup(f) || f->signal_frame ||
		    (!f->function && f->module && runtime_module(f->module)))
			continue;
		if (k++)
			sb_puts(&sb, " | ");
		if (f->function)
			sb_add(&sb, f->function, stable_len(f->function));
		else if (f->module)
			sb_printf(&sb, "%s+0x%" PRIx64, base_name(f->module), f->module_offset);
		else
			sb_puts(&sb, "??");
		if (f->function && (!strcmp(f->function, "main") || !strcmp(f->function, "main.main")))
			break;          /* what calls main is the C library's (Go's runtime.main) */
	}
	if (!k) {
		sb_free(&sb);
		return;
	}
	pd->signature = keep(c, sb_take(&sb));
	if (!pd->signature)
		return;
	uint64_t h = 0xcbf29ce484222325ull;
	for (const unsigned char *s = (const unsigned char *)pd->signature; *s; s++)
		h = (h ^ *s) * 0x100000001b3ull;
	pd->signature_hash = h;
	pd->have_signature_hash = true;
}

/* ---- the decision ---- */

/* A Go program's last words: the line its runtime prints first. */
static void go_message(struct ctx *c)
{
	const struct cor_go *go = c->p->go;
	if (c->d->pub.message || !go)
		return;
	if (go->panic)
		c->d->pub.message = keep(c, cor_asprintf("panic: %s", go->panic));
	else if (go->fatal_error)
		c->d->pub.message = keep(c, cor_asprintf("fatal error: %s", go->fatal_error));
}

static void classify(struct ctx *c)
{
	struct diag *d = c->d;
	struct cor_diagnosis *pd = &d->pub;
	const struct process *pr = c->p->proc;
	const struct cor_signal *s = &pr->sig;
	const char *cls = NULL, *sum = NULL;
	const char *signame = s->name ? s->name : "signal";
	int32_t self = pr->proc.have_psinfo ? pr->proc.pid : pr->nthreads ? pr->threads[0].tid : 0;
	bool sent = s->have_siginfo && s->code <= 0 && s->have_sender;
	if (s->have_address && (s->number == SIG_SEGV || s->number == SIG_BUS ||
				s->number == SIG_ILL || s->number == SIG_FPE) && !sent &&
	    !(s->number == SIG_SEGV && s->code == SI_KERNEL_CODE)) {
		pd->have_fault = true;
		pd->fault_address = s->address;
		pd->near_null = s->address < NEAR_NULL;
		pd->fault_region = region_of(c, s->address);
	}
	if (sent && s->sender_pid != self) {
		cls = "ExternalSignal";
		pd->have_sender = true;
		pd->sender_pid = s->sender_pid;
		sum = keep(c, cor_asprintf("%s sent by process %d (uid %u): no instruction faulted",
					   signame, s->sender_pid, s->sender_uid));
		instruction(c, NULL);
	} else if (s->number == SIG_ABRT || sent) {
		abort_message(c);
		go_message(c);
		cxx_exception(c);
		instruction(c, NULL);
		const char *m = pd->message;
		if (has_frame(c, "__stack_chk_fail") || starts(m, "*** stack smashing detected ***")) {
			cls = "StackGuard";
			sum = "stack smashing detected: the stack protector's canary was overwritten";
		} else if (fortify_frame(c) || starts(m, "*** buffer overflow detected ***")) {
			cls = "SafeFunctionCheck";
			sum = "buffer overflow detected by a fortified function (_FORTIFY_SOURCE)";
		} else if (has_frame(c, "malloc_printerr") || heap_message(m)) {
			cls = "HeapError";
			sum = "heap corruption detected by the allocator";
		} else if (has_frame(c, "__assert_fail") || has_frame(c, "__assert_fail_base") ||
			   (m && strstr(m, "Assertion `"))) {
			cls = "AbortSignal";
			sum = "assertion failed";
		} else if (pd->exception_type) {
			cls = "AbortSignal";
			sum = keep(c, cor_asprintf("uncaught C++ exception %s", pd->exception_type));
		} else if (has_frame(c, "runtime.fatalpanic") || has_frame(c, "runtime.fatalthrow") ||
			   has_frame(c, "runtime.crash")) {
			cls = "AbortSignal";
			sum = "the Go runtime died of a fatal panic or throw (GOTRACEBACK=crash)";
		} else {
			cls = "AbortSignal";
			sum = s->number == SIG_ABRT ? "the program called abort()"
				: keep(c, cor_asprintf("the program sent itself %s", signame));
		}
	} else if (s->number == SIG_FPE) {
		cls = "FPE";
		instruction(c, NULL);
		sum = keep(c, cor_asprintf("arithmetic exception: %s",
					   s->description ? s->description : "SIGFPE"));
	} else if (s->number == SIG_ILL || s->number == SIG_TRAP || s->number == SIG_SYS) {
		cls = "BadInstruction";
		instruction(c, NULL);
		sum = keep(c, cor_asprintf("%s: %s", signame,
					   s->description ? s->description : "bad instruction"));
	} else if (s->number == SIG_SEGV || s->number == SIG_BUS) {
		uint64_t a = pd->fault_address;
		if (pd->have_fault && is_overflow(c, a)) {
			cls = "StackOverflow";
			pd->stack_overflow = true;
			pd->overflow_tid = c->t->tid;
			const char *icls = NULL;   /* only for the access */
			instruction(c, &icls);
			overflow_facts(c);
			sum = keep(c, cor_asprintf("stack overflow in thread %d: access at 0x%" PRIx64
						   " (%s), sp 0x%" PRIx64, c->t->tid, a,
						   pd->fault_region, c->t->sp));
		} else if (pd->have_fault && a == c->t->pc) {
			const struct cor_mapping *m = memory_mapping_at(c->p->mem, a);
			cls = near(d, "SegFaultOnPc", true);
			pd->fault_access = "execute";
			instruction(c, NULL);
			sum = keep(c, cor_asprintf("the program counter 0x%" PRIx64 " is in no code (%s)",
						   a, m ? "not executable" : pd->fault_region));
		} else {
			const char *icls = NULL;
			instruction(c, &icls);
			if (icls) {
				cls = near(d, icls, strcmp(icls, "ReturnAv") != 0);
				if (pd->have_fault)
					sum = keep(c, cor_asprintf("%s faulted at 0x%" PRIx64 " (%s)",
								   c->what_faulted, pd->fault_address,
								   pd->fault_region));
				else
					sum = keep(c, cor_asprintf("%s faulted", c->what_faulted));
			} else {
				cls = "AccessViolation";
				const char *why = !cor_have_disassembler()
					? "read or write unknown: built without capstone, the instruction was not decoded"
					: !pd->instruction ? "the instruction at the pc is unreadable"
					: "read or write unknown: the instruction was not analysed on this architecture";
				sum = pd->have_fault
					? keep(c, cor_asprintf("access at 0x%" PRIx64 " (%s); %s",
							       pd->fault_address, pd->fault_region, why))
					: keep(c, cor_asprintf("invalid access; %s", why));
			}
		}
	} else {
		cls = "AbortSignal";
		sum = keep(c, cor_asprintf("killed by %s", signame));
	}
	pd->class_name = cls;
	pd->severity = severity_of(cls);
	pd->summary = sum;
}

void diagnose_free(const struct cor_diagnosis *pub)
{
	struct diag *d = (struct diag *)pub;
	if (!d)
		return;
	cor_backtrace_free(d->own_bt);
	free(d);
}

cor_error *diagnose_build(const struct diagnose_parts *p, const struct cor_diagnosis **out)
{
	struct diag *d = cor_calloc(1, sizeof(*d));
	if (!d)
		return &cor_enomem;
	struct cor_diagnosis *pd = &d->pub;
	pd->crash_frame = -1;
	const struct process *pr = p->proc;
	int sn = pr->sig.number;
	/* no signal, or one that stops the process (gcore, SIGSTOP) */
	if (pr->crashed < 0 || sn == 0 || (sn >= SIG_CONT && sn <= SIG_TTOU)) {
		pd->class_name = "NoCrash";
		pd->severity = "UNDEFINED";
		pd->summary = sn ? "no fatal signal: the process was stopped (a snapshot, gcore)"
			: "no fatal signal: a snapshot (gcore) or a dump requested without a crash";
		*out = pd;
		return NULL;
	}
	struct ctx c = { p, d, &pr->threads[pr->crashed], p->crashed_bt, 0,
			 pr->info.elf_class == 32 ? 4 : 8, NULL };
	if (!c.bt && pr->arch) {
		cor_error *err = backtrace_build(p->unwinder, p->sym, c.t, &d->own_bt);
		cor_error_free(err);
		c.bt = d->own_bt;
	}
	c.nframes = c.bt ? cor_backtrace_frame_count(c.bt) : 0;
	classify(&c);
	go_frames(&c);
	crash_frame(&c);
	signature(&c);
	*out = pd;
	return NULL;
}
