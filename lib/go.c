/* A Go program's runtime (see go.h). Facts used (from the Go runtime's
 * sources, runtime/runtime2.go and runtime/traceback.go; no code taken):
 * runtime.allgs is a slice (pointer, length, capacity) of *g; a g holds
 * its stack bounds, m (the thread's runtime.m, whose procid is the
 * thread's id), sched (a gobuf: sp, pc, ..., bp), atomicstatus (0 idle,
 * 1 runnable, 2 running, 3 syscall, 4 waiting, 6 dead, 8 copystack, 9
 * preempted; 0x1000 the scan bit), goid, waitreason (an index into the
 * runtime's table of strings), gopc and startpc. The version is the Go
 * string runtime.buildVersion, or the build information blob ("\xff Go
 * buildinf:", 16-byte aligned; with flag 2 the version follows at byte
 * 32 as a varint length and bytes, else a pointer at byte 16 to a Go
 * string). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "go.h"
#include "dwarf/type.h"

/* allgs entries read at most (a larger count is a warning) */
#define MAX_GOROUTINES 100000u
#define G_READ 512

/* Offsets of the fields read, from DWARF or a known layout. */
struct go_layout {
	uint32_t g_stack_hi;         /* g.stack.hi (g_stack: .lo) */
	uint32_t g_stack, g_panic, g_m, g_sched, g_status, g_goid, g_waitreason, g_gopc, g_startpc;
	uint32_t buf_sp, buf_pc, buf_bp;
	uint32_t m_procid;
};

/* 64-bit Go 1.18, 1.19 and 1.20 put these fields at the same offsets:
 * 1.19 checked with gdb's ptype/o on runtime.g, runtime.m and
 * runtime.gobuf of a go1.19.8 linux/amd64 binary (Debian's golang-1.19);
 * 1.18 and 1.20 by the field lists of their runtime2.go (go1.18's and
 * go1.20.6's: the fields before gopc and startpc have the same types and
 * sizes, m.divmod is followed by padding or a uint32 before procid). */
static const struct go_layout known64 = {
	8, 0, 32, 48, 56, 144, 152, 176, 296, 312, 0, 8, 48, 72,
};

/* runtime.waitReasonStrings: Go 1.18 to 1.20 share the first 21; 1.18 and
 * 1.19 go on alike, 1.20 added and removed some. */
#define WAIT_COMMON 21
static const char *const wait_common[WAIT_COMMON] = {
	"", "GC assist marking", "IO wait", "chan receive (nil chan)", "chan send (nil chan)",
	"dumping heap", "garbage collection", "garbage collection scan", "panicwait", "select",
	"select (no cases)", "GC assist wait", "GC sweep wait", "GC scavenge wait", "chan receive",
	"chan send", "finalizer wait", "force gc (idle)", "semacquire", "sleep", "sync.Cond.Wait",
};
static const char *const wait118[] = {
	"timer goroutine (idle)", "trace reader (blocked)", "wait for GC cycle", "GC worker (idle)",
	"preempted", "debug call",
};
static const char *const wait120[] = {
	"sync.Mutex.Lock", "sync.RWMutex.RLock", "sync.RWMutex.Lock", "trace reader (blocked)",
	"wait for GC cycle", "GC worker (idle)", "GC worker (active)", "preempted", "debug call",
	"GC mark termination", "stopping the world",
};

/* runtime.gStatusStrings (5 and 7 are unused: empty) */
static const char *const statuses[] = {
	"idle", "runnable", "running", "syscall", "waiting", "", "dead", "", "copystack", "preempted",
};

struct go_model {
	struct cor_go pub;
	struct cor_go_panic *panics;
	struct cor_goroutine *v;
	int64_t crash_goid;          /* go_crash_backtrace's */
	const cor_backtrace *crash_bt;
	cor_backtrace *own_crash_bt; /* crash_bt when made for it */
	char **errors;
};

struct gctx {
	const struct go_parts *p;
	struct module *m;
	unsigned ps;
	bool be;
	int minor;                   /* Go 1.minor, 0 if unknown */
};

static bool word(const struct gctx *c, uint64_t addr, uint64_t *v)
{
	uint8_t b[8];
	cor_error *err = memory_read(c->p->mem, addr, b, c->ps, NULL);
	if (err) {
		cor_error_free(err);
		return false;
	}
	*v = cor_load(b, c->ps, c->be);
	return true;
}

static uint64_t at(const struct gctx *c, const uint8_t *blk, uint32_t off, unsigned n)
{
	return cor_load(blk + off, n, c->be);
}

/* A Go string (pointer, length) at addr, at most max bytes, in the arena. */
static const char *go_string(const struct gctx *c, uint64_t addr, size_t max)
{
	uint64_t ptr, len;
	if (!word(c, addr, &ptr) || !word(c, addr + c->ps, &len) || !len || len > max)
		return NULL;
	char *s = arena_alloc(c->p->arena, (size_t)len + 1);
	cor_error *err = s ? memory_read(c->p->mem, ptr, s, (size_t)len, NULL) : NULL;
	if (!s || err) {
		cor_error_free(err);
		return NULL;
	}
	s[len] = 0;
	return memchr(s, 0, (size_t)len) ? NULL : s;
}

static bool sym(const struct gctx *c, const char *name, uint64_t *addr)
{
	struct symtab *st = module_symtab(c->p->modules, c->m);
	if (!st || !symtab_find_name(st, name, addr))
		return false;
	*addr += c->m->pub.load_bias;
	return true;
}

/* The version from the build information blob of the module's file. */
static const char *buildinfo_version(const struct gctx *c)
{
	static const char magic[] = "\xff Go buildinf:";
	struct elf_file *ef = c->m->elf;
	for (uint32_t i = 0; ef && i < ef->phnum; i++) {
		const struct elf_phdr *ph = &ef->phdrs[i];
		struct reader r;
		if (ph->type != PT_LOAD || !(ph->flags & 2) || !elf_range(ef, ph->offset, ph->filesz, &r))
			continue;
		size_t n = reader_left(&r);
		for (size_t off = 0; n - off >= 48; off += 16) {
			const uint8_t *b = r.pos + off;
			if (memcmp(b, magic, 14))
				continue;
			if (b[15] & 2) {
				/* varint length, then the bytes */
				uint64_t len = 0;
				size_t k = 32;
				for (unsigned sh = 0; k < n - off && sh < 64; sh += 7) {
					uint8_t x = b[k++];
					len |= (uint64_t)(x & 0x7f) << sh;
					if (!(x & 0x80))
						break;
				}
				if (!len || len > 64 || len > n - off - k)
					return NULL;
				char *s = arena_alloc(c->p->arena, (size_t)len + 1);
				if (!s)
					return NULL;
				memcpy(s, b + k, (size_t)len);
				s[len] = 0;
				return s;
			}
			if (b[14] != c->ps)
				return NULL;
			struct gctx cc = *c;
			cc.be = b[15] & 1;
			return go_string(&cc, cor_load(b + 16, c->ps, cc.be) , 64);
		}
	}
	return NULL;
}

static int minor_of(const char *v)
{
	if (!v || strncmp(v, "go1.", 4))
		return 0;
	int n = 0;
	for (const char *p = v + 4; *p >= '0' && *p <= '9' && n < 1000; p++)
		n = n * 10 + (*p - '0');
	return n;
}

/* off += the offset of member name of t; *type its type. */
static bool member(struct dwarf_info *di, const struct dwarf_type *t, const char *name,
		   uint32_t base, uint32_t *off, const struct dwarf_type **type)
{
	uint64_t o;
	const struct dwarf_member *m = t ? dwarf_type_member(di, t, name, &o) : NULL;
	if (!m || o > G_READ - 8 - base)
		return false;
	*off = base + (uint32_t)o;
	if (type)
		*type = dwarf_member_type(di, m);
	return true;
}

/* The layout from the binary's DWARF: runtime.g, runtime.m (through g.m's
 * pointer type), runtime.gobuf (g.sched's type), runtime.stack. */
static bool dwarf_layout(struct gctx *c, struct go_layout *l)
{
	struct dwarf_info *di = module_dwarf_full(c->p->modules, c->m);
	const struct dwarf_type *g = di ? dwarf_type_find(di, "runtime.g") : NULL, *st, *buf, *mp;
	if (!g || !member(di, g, "stack", 0, &l->g_stack, &st) ||
	    !member(di, g, "sched", 0, &l->g_sched, &buf) || !member(di, g, "m", 0, &l->g_m, &mp))
		return false;
	uint32_t lo = 0, hi = 0;
	st = dwarf_type_strip(di, st);
	buf = dwarf_type_strip(di, buf);
	mp = dwarf_type_strip(di, mp);
	const struct dwarf_type *m = mp->kind == DWT_POINTER ? dwarf_type_target(di, mp) : NULL;
	if (!member(di, st, "lo", 0, &lo, NULL) || !member(di, st, "hi", 0, &hi, NULL) ||
	    !member(di, buf, "sp", 0, &l->buf_sp, NULL) || !member(di, buf, "pc", 0, &l->buf_pc, NULL) ||
	    !member(di, buf, "bp", 0, &l->buf_bp, NULL) || !member(di, m, "procid", 0, &l->m_procid, NULL) ||
	    !member(di, g, "_panic", 0, &l->g_panic, NULL) ||
	    !member(di, g, "atomicstatus", 0, &l->g_status, NULL) ||
	    !member(di, g, "goid", 0, &l->g_goid, NULL) ||
	    !member(di, g, "waitreason", 0, &l->g_waitreason, NULL) ||
	    !member(di, g, "gopc", 0, &l->g_gopc, NULL) || !member(di, g, "startpc", 0, &l->g_startpc, NULL) ||
	    l->g_sched > G_READ - 8 - (l->buf_bp > l->buf_sp ? l->buf_bp : l->buf_sp) ||
	    l->g_stack > G_READ - 8 - hi)
		return false;
	l->g_stack_hi = l->g_stack + hi;
	l->g_stack += lo;
	return true;
}

static bool pick_layout(struct gctx *c, struct go_layout *l, struct cor_go *g)
{
	if (dwarf_layout(c, l)) {
		g->layout = "dwarf";
		return true;
	}
	if (c->ps == 8 && c->minor >= 18 && c->minor <= 20) {
		*l = known64;
		g->layout = c->minor == 18 ? "go1.18" : c->minor == 19 ? "go1.19" : "go1.20";
		return true;
	}
	return false;
}

static const char *wait_name(const struct gctx *c, uint32_t w)
{
	const char *const *tail = c->minor == 20 ? wait120 : wait118;
	size_t ntail = c->minor == 20 ? COR_ARRAY_SIZE(wait120) : COR_ARRAY_SIZE(wait118);
	if (c->minor < 18 || c->minor > 20 || !w)
		return NULL;
	return w < WAIT_COMMON ? wait_common[w] : w - WAIT_COMMON < ntail ? tail[w - WAIT_COMMON] : NULL;
}

/* The registers a parked goroutine resumes with: pc, sp and the frame
 * pointer saved in g.sched. */
static cor_error *parked_backtrace(const struct gctx *c, uint64_t pc, uint64_t sp, uint64_t bp,
				   cor_backtrace **out)
{
	const struct arch_info *a = c->p->proc->arch;
	struct cor_register regs[3];
	size_t n = 0;
	for (size_t i = 0; i < a->ngregs && n < 3; i++) {
		int d = a->gregs[i].dwarf;
		if (d >= 0 && (d == a->dwarf_sp || d == a->dwarf_fp || d == a->dwarf_pc))
			regs[n++] = (struct cor_register){
				.name = a->gregs[i].name, .set = COR_REGS_GENERAL, .size = c->ps,
				.value = d == a->dwarf_sp ? sp : d == a->dwarf_fp ? bp : pc,
			};
	}
	struct cor_thread t = { .pc = pc, .sp = sp, .register_count = n, .registers = regs };
	/* a return address, looked up at pc - 1, unless it is a function's
	 * entry (systemstack_switch: Go's traceback's rule too) */
	struct gopclntab *pt = module_gopclntab(c->p->modules, c->m);
	struct gofunc f;
	uint64_t rel = pc - c->m->pub.load_bias;
	bool entry = pt && gopclntab_func(pt, rel, &f) && f.entry == rel;
	return backtrace_saved(c->p->unwinder, c->p->sym, &t, !entry, out);
}

static const struct cor_thread *thread_of(const struct process *pr, int64_t tid)
{
	for (size_t i = 0; tid > 0 && i < pr->nthreads; i++)
		if (pr->threads[i].have_tid && pr->threads[i].tid == tid)
			return &pr->threads[i];
	return NULL;
}

static void stack_of(const struct gctx *c, struct cor_goroutine *g, const uint8_t *blk,
		     const struct go_layout *l, const struct cor_thread *t, char **errp)
{
	cor_backtrace *bt = NULL;
	cor_error *err = NULL;
	uint64_t lo = at(c, blk, l->g_stack, c->ps), hi = at(c, blk, l->g_stack_hi, c->ps);
	if (t) {
		cor_backtrace *all = NULL;
		err = backtrace_build(c->p->unwinder, c->p->sym, t, &all);
		if (!err) {
			err = backtrace_slice(all, lo, hi, &bt);
			cor_backtrace_free(all);
			if (!err && !cor_backtrace_frame_count(bt)) {
				cor_backtrace_free(bt);
				bt = NULL;
			}
		}
	}
	uint64_t pc = at(c, blk, l->g_sched + l->buf_pc, c->ps);
	if (!bt && !err) {
		if (pc)
			err = parked_backtrace(c, pc, at(c, blk, l->g_sched + l->buf_sp, c->ps),
					       at(c, blk, l->g_sched + l->buf_bp, c->ps), &bt);
		else
			err = cor_error_new(COR_ERR_NOT_FOUND, "goroutine %" PRId64 " has no saved pc%s",
					    g->id, t ? " and no frames on its stack" : "");
	}
	if (err) {
		*errp = cor_strdup(cor_error_message(err));
		g->backtrace_error = *errp ? *errp : "out of memory";
		cor_error_free(err);
		return;
	}
	g->backtrace = bt;
}

void go_free(struct cor_go *pub)
{
	struct go_model *g = (struct go_model *)pub;
	if (!g)
		return;
	for (size_t i = 0; i < g->pub.goroutine_count; i++) {
		cor_backtrace_free((cor_backtrace *)g->v[i].backtrace);
		free(g->errors[i]);
	}
	cor_backtrace_free(g->own_crash_bt);
	free(g->v);
	free(g->panics);
	free(g->errors);
	free(g);
}

const cor_backtrace *go_crash_backtrace(const struct cor_go *pub, int64_t *goid)
{
	const struct go_model *g = (const struct go_model *)pub;
	*goid = g && g->crash_bt ? g->crash_goid : 0;
	return g ? g->crash_bt : NULL;
}

/* Is there a g at ga with this goid and a stack (lo < hi, at most 1 GiB)? */
static bool is_g(const struct gctx *c, const struct go_layout *l, uint64_t ga, int64_t goid)
{
	uint64_t lo, hi, id;
	uint8_t b[4];
	cor_error *err;
	if (!ga || !word(c, ga + l->g_stack, &lo) || !word(c, ga + l->g_stack_hi, &hi) ||
	    !word(c, ga + l->g_goid, &id) || lo >= hi || hi - lo > (1ull << 30))
		return false;
	if ((err = memory_read(c->p->mem, ga + l->g_status, b, 4, NULL))) {
		cor_error_free(err);
		return false;
	}
	return (goid < 0 ? id > 1 : id == (uint64_t)goid) && (cor_load(b, 4, c->be) & ~0x1000u) <= 9;
}

/* Without a symbol table: runtime.allgs among the module's writable data
 * (its PT_LOADs with PF_W: .data, .bss), a slice of at most 2^26
 * pointers whose first g is the main goroutine (goid 1) and whose second,
 * if any, has a larger goid; each with a plausible stack and status. */
static bool find_allgs(const struct gctx *c, const struct go_layout *l, uint64_t *out)
{
	struct elf_file *ef = c->m->elf;
	uint8_t page[4096 + 24];
	for (uint32_t i = 0; ef && i < ef->phnum; i++) {
		const struct elf_phdr *ph = &ef->phdrs[i];
		if (ph->type != PT_LOAD || !(ph->flags & 2))
			continue;
		uint64_t start = (ph->vaddr + c->m->pub.load_bias) & ~4095ull;
		uint64_t span = ph->memsz < (64ull << 20) ? ph->memsz : (64ull << 20);
		/* an address that wraps ends the scan */
		for (uint64_t k = 0, a = start; k < span + 4096 && a >= start; k += 4096, a = start + k) {
			size_t n = sizeof(page), done = 0;
			cor_error *err = memory_read(c->p->mem, a, page, n, &done);
			cor_error_free(err);
			for (size_t off = 0; off + 3 * c->ps <= done && off < 4096; off += c->ps) {
				uint64_t ptr = cor_load(page + off, c->ps, c->be);
				uint64_t len = cor_load(page + off + c->ps, c->ps, c->be);
				uint64_t cap = cor_load(page + off + 2 * c->ps, c->ps, c->be);
				uint64_t g0, g1;
				if (!ptr || (ptr & (c->ps - 1)) || !len || len > cap || cap > (1ull << 26) ||
				    !word(c, ptr, &g0) || !is_g(c, l, g0, 1))
					continue;
				if (len > 1 && (!word(c, ptr + c->ps, &g1) || !is_g(c, l, g1, -1)))
					continue;
				*out = a + off;
				return true;
			}
		}
	}
	return false;
}

/* ---- the panic ----
 * Facts (runtime/runtime2.go, type.go, typekind.go, error.go, panic.go):
 * _panic is {argp, arg (an interface{}: type, data), link (the older
 * panic), pc, sp, recovered, aborted, goexit (bools)} from Go 1.14 to
 * 1.20, its pointers the size of one; a _type
 * has its kind (low 5 bits: 1 bool, 2-6 int..int64, 7-12 uint..uintptr,
 * 22 pointer, 24 string, 25 struct) at byte 23 and its name's offset from
 * moduledata.types (int32) at byte 40 (64-bit), tflag 2 meaning the name
 * has an extra leading '*'; a name is a flags byte, a varint length and
 * the bytes. Before printing, the runtime turns an error or Stringer
 * panic value into its message string (preprintpanics), so a core dumped
 * by the crash holds a string. boundsError is {x int64, y int, signed
 * bool, code uint8}; the message formats are error.go's, TypeAssertionError's
 * too. */

#define MAX_MESSAGE 4096
/* entries of a _panic chain read at most */
#define MAX_PANICS 64u

static const char *keep(const struct gctx *c, char *s)
{
	const char *k = s ? arena_strdup(c->p->arena, s) : NULL;
	free(s);
	return k;
}

/* The name of the type at typ, "" if unknown. */
static const char *type_name(const struct gctx *c, uint64_t types, const uint8_t *hdr)
{
	uint8_t b[11];
	size_t done = 0;
	if (!types)
		return "";
	int32_t off = (int32_t)cor_load(hdr + 40, 4, c->be);
	uint64_t n = types + (uint64_t)(int64_t)off;
	cor_error *err = memory_read(c->p->mem, n, b, sizeof(b), &done);
	cor_error_free(err);
	uint64_t len = 0;
	size_t k = 1;
	for (unsigned sh = 0; k < done && sh < 28; sh += 7) {
		uint8_t x = b[k++];
		len |= (uint64_t)(x & 0x7f) << sh;
		if (!(x & 0x80))
			break;
	}
	if (!len || len > 256)
		return "";
	char *s = arena_alloc(c->p->arena, (size_t)len + 1);
	if (!s || (err = memory_read(c->p->mem, n + k, s, (size_t)len, NULL))) {
		cor_error_free(err);
		return "";
	}
	s[len] = 0;
	return (hdr[20] & 2) && s[0] == '*' ? s + 1 : s;
}

static bool builtin(const char *name, const char *want)
{
	return !*name || !strcmp(name, want);
}

static const char *bounds_message(const struct gctx *c, uint64_t data)
{
	static const char *const fmts[] = {
		"index out of range [%x] with length %y", "slice bounds out of range [:%x] with length %y",
		"slice bounds out of range [:%x] with capacity %y", "slice bounds out of range [%x:%y]",
		"slice bounds out of range [::%x] with length %y",
		"slice bounds out of range [::%x] with capacity %y", "slice bounds out of range [:%x:%y]",
		"slice bounds out of range [%x:%y:]",
		"cannot convert slice with length %y to pointer to array with length %x",
	};
	static const char *const neg[] = {
		"index out of range [%x]", "slice bounds out of range [:%x]",
		"slice bounds out of range [:%x]", "slice bounds out of range [%x:]",
		"slice bounds out of range [::%x]", "slice bounds out of range [::%x]",
		"slice bounds out of range [:%x:]", "slice bounds out of range [%x::]",
	};
	uint8_t b[24];
	cor_error *err = memory_read(c->p->mem, data, b, sizeof(b), NULL);
	if (err) {
		cor_error_free(err);
		return NULL;
	}
	int64_t x = (int64_t)cor_load(b, 8, c->be), y = (int64_t)cor_load(b + 8, 8, c->be);
	bool sgn = b[16];
	uint8_t code = b[17];
	if (code >= COR_ARRAY_SIZE(fmts))
		return NULL;
	const char *f = sgn && x < 0 && code < COR_ARRAY_SIZE(neg) ? neg[code] : fmts[code];
	char out[160];
	size_t n = (size_t)snprintf(out, sizeof(out), "runtime error: ");
	for (; *f && n < sizeof(out) - 24; f++) {
		if (*f != '%') {
			out[n++] = *f;
			continue;
		}
		f++;
		if (*f == 'x')
			n += (size_t)(sgn ? snprintf(out + n, 24, "%" PRId64, x)
				      : snprintf(out + n, 24, "%" PRIu64, (uint64_t)x));
		else
			n += (size_t)snprintf(out + n, 24, "%" PRId64, y);
	}
	out[n] = 0;
	return arena_strdup(c->p->arena, out);
}

/* The name of the _type at typ, NULL if unreadable or unnamed. */
static const char *type_at(const struct gctx *c, uint64_t types, uint64_t typ)
{
	uint8_t h[48];
	cor_error *err = typ ? memory_read(c->p->mem, typ, h, sizeof(h), NULL) : NULL;
	if (!typ || err) {
		cor_error_free(err);
		return NULL;
	}
	const char *name = type_name(c, types, h);
	return *name ? name : NULL;
}

/* A *runtime.TypeAssertionError at data ({_interface, concrete, asserted
 * *_type; missingMethod string}) as its Error() words it. Two types of
 * one name (where Go adds "(types from different packages/scopes)" from
 * their package paths) are not worded: NULL. */
static const char *assertion_message(const struct gctx *c, uint64_t types, uint64_t data)
{
	uint64_t iface, concrete, asserted;
	if (!word(c, data, &iface) || !word(c, data + c->ps, &concrete) ||
	    !word(c, data + 2 * c->ps, &asserted))
		return NULL;
	const char *inter = iface ? type_at(c, types, iface) : "interface";
	const char *as = type_at(c, types, asserted), *cs = type_at(c, types, concrete);
	if (!inter || !as || (concrete && !cs))
		return NULL;
	if (!concrete)
		return keep(c, cor_asprintf("interface conversion: %s is nil, not %s", inter, as));
	uint64_t mlen;
	if (!word(c, data + 4 * c->ps, &mlen))
		return NULL;
	if (!mlen)
		return strcmp(cs, as) ? keep(c, cor_asprintf("interface conversion: %s is %s, not %s",
							     inter, cs, as)) : NULL;
	const char *missing = go_string(c, data + 3 * c->ps, 1024);
	return missing ? keep(c, cor_asprintf("interface conversion: %s is not %s: missing method %s",
					      cs, as, missing)) : NULL;
}

/* The panic value (type typ, data) as printany prints it. */
static const char *panic_value(const struct gctx *c, uint64_t types, uint64_t typ, uint64_t data)
{
	uint8_t h[48];
	if (!typ)
		return "nil";
	cor_error *err = memory_read(c->p->mem, typ, h, sizeof(h), NULL);
	if (err) {
		cor_error_free(err);
		return NULL;
	}
	unsigned kind = h[23] & 31;
	const char *name = type_name(c, types, h);
	const char *s;
	if (kind == 24 && (s = go_string(c, data, MAX_MESSAGE))) {
		if (!strcmp(name, "runtime.errorString"))
			return keep(c, cor_asprintf("runtime error: %s", s));
		if (builtin(name, "string") || !strcmp(name, "runtime.plainError"))
			return s;
		return keep(c, cor_asprintf("%s(\"%s\")", name, s));
	}
	if (kind == 25 && !strcmp(name, "runtime.boundsError"))
		return bounds_message(c, data);
	if (kind == 22 && !strcmp(name, "*runtime.TypeAssertionError")) {
		const char *m = assertion_message(c, types, data);
		if (m)
			return m;
	}
	if (kind == 22 && (!strcmp(name, "*errors.errorString") || !strcmp(name, "*fmt.wrapError")))
		return go_string(c, data, MAX_MESSAGE);
	static const char *const ints[] = { "int", "int8", "int16", "int32", "int64", "uint", "uint8",
					    "uint16", "uint32", "uint64", "uintptr" };
	static const uint8_t sizes[] = { 8, 1, 2, 4, 8, 8, 1, 2, 4, 8, 8 };
	if (kind == 1 || (kind >= 2 && kind <= 12)) {
		uint8_t v[8];
		unsigned n = kind == 1 ? 1 : sizes[kind - 2];
		if ((err = memory_read(c->p->mem, data, v, n, NULL))) {
			cor_error_free(err);
			return NULL;
		}
		uint64_t u = cor_load(v, n, c->be);
		char num[32];
		if (kind == 1)
			snprintf(num, sizeof(num), "%s", u ? "true" : "false");
		else if (kind <= 6)
			snprintf(num, sizeof(num), "%" PRId64,
				 n == 8 ? (int64_t)u : n == 4 ? (int32_t)u : n == 2 ? (int16_t)u : (int8_t)u);
		else
			snprintf(num, sizeof(num), "%" PRIu64, u);
		if (builtin(name, kind == 1 ? "bool" : ints[kind - 2]))
			return arena_strdup(c->p->arena, num);
		return keep(c, cor_asprintf("%s(%s)", name, num));
	}
	return keep(c, cor_asprintf("(%s) 0x%" PRIx64, *name ? name : "?", data));
}

/* moduledata.types: the symbol runtime.types, else the moduledata (the
 * symbol runtime.firstmoduledata, else the word in the data pointing at
 * the pclntab, its first field), its types field by DWARF or at 280 (Go
 * 1.19, 64-bit: moduledata's fields before it in symtab.go). */
static uint64_t types_base(const struct gctx *c)
{
	uint64_t t, md = 0, off = 280;
	if (sym(c, "runtime.types", &t))
		return t;
	struct dwarf_info *di = module_dwarf_full(c->p->modules, c->m);
	const struct dwarf_type *mt = di ? dwarf_type_find(di, "runtime.moduledata") : NULL;
	if (mt && !dwarf_type_member(di, mt, "types", &off))
		return 0;
	if (!mt && (c->ps != 8 || c->minor != 19))
		return 0;
	if (!sym(c, "runtime.firstmoduledata", &md)) {
		struct gopclntab *pt = module_gopclntab(c->p->modules, c->m);
		uint64_t want = gopclntab_addr(pt) + c->m->pub.load_bias;
		struct elf_file *ef = c->m->elf;
		uint8_t page[4096];
		for (uint32_t i = 0; ef && !md && i < ef->phnum; i++) {
			const struct elf_phdr *ph = &ef->phdrs[i];
			if (ph->type != PT_LOAD || !(ph->flags & 2))
				continue;
			/* the segment's pages, at most 64 MiB of them: its size is
			 * the file's word, and an address may wrap */
			uint64_t a0 = (ph->vaddr + c->m->pub.load_bias) & ~4095ull;
			uint64_t len = ph->filesz < (64ull << 20) ? ph->filesz : (64ull << 20);
			for (uint64_t pg = 0; !md && pg < len + 4096 && a0 + pg >= a0; pg += 4096) {
				uint64_t a = a0 + pg;
				size_t done = 0;
				cor_error *err = memory_read(c->p->mem, a, page, sizeof(page), &done);
				cor_error_free(err);
				for (size_t k = 0; k + c->ps <= done; k += c->ps)
					if (cor_load(page + k, c->ps, c->be) == want) {
						md = a + k;
						break;
					}
			}
		}
	}
	uint64_t e;
	if (!md || !word(c, md + off, &t) || !word(c, md + off + c->ps, &e) || t >= e)
		return 0;
	return t;
}

/* The fatal error's string: runtime.throw and runtime.fatal print it from
 * a closure on their frame ({code of runtime.throw.func1 / fatal.func1,
 * the string}); found there, between the frame's sp and its caller's. */
static const char *fatal_message(const struct gctx *c, const cor_backtrace *bt)
{
	struct gopclntab *pt = module_gopclntab(c->p->modules, c->m);
	for (size_t i = 0; pt && i < cor_backtrace_frame_count(bt); i++) {
		const struct cor_frame *f = cor_backtrace_frame(bt, i);
		const char *closure = !f->function ? NULL : !strcmp(f->function, "runtime.throw")
			? "runtime.throw.func1" : !strcmp(f->function, "runtime.fatal")
			? "runtime.fatal.func1" : NULL;
		struct gofunc gf;
		const struct cor_frame *up = cor_backtrace_frame(bt, i + 1);
		uint64_t end = up ? up->sp : 0;
		if (!closure || !gopclntab_func_named(pt, closure, &gf) || end <= f->sp ||
		    end - f->sp > 4096)
			continue;
		uint64_t code = gf.entry + c->m->pub.load_bias, v;
		for (uint64_t a = f->sp; a + 3 * c->ps <= end; a += c->ps)
			if (word(c, a, &v) && v == code)
				return go_string(c, a + c->ps, MAX_MESSAGE);
	}
	return NULL;
}

static void read_panic(struct gctx *c, struct go_model *gm, const struct cor_goroutine *g,
		       uint64_t pan)
{
	struct cor_go_panic chain[MAX_PANICS];
	uint64_t types = types_base(c);
	size_t n = 0, steps = 0;
	for (; pan && steps < MAX_PANICS; steps++) {
		uint64_t typ, data, link;
		uint8_t flags[3];
		cor_error *err = NULL;
		if (!word(c, pan + c->ps, &typ) || !word(c, pan + 2 * c->ps, &data) ||
		    !word(c, pan + 3 * c->ps, &link) ||
		    (err = memory_read(c->p->mem, pan + 6 * c->ps, flags, sizeof(flags), NULL))) {
			cor_error_free(err);
			break;
		}
		/* Goexit's entries are not panics */
		if (!flags[2])
			chain[n++] = (struct cor_go_panic){
				.message = panic_value(c, types, typ, data), .recovered = flags[0],
			};
		pan = link;
	}
	if (pan && steps == MAX_PANICS)
		warnings_add(c->p->warn, COR_ERR_LIMIT, c->m->pub.name,
			     "goroutine %" PRId64 "'s chain of panics goes on past %u (at 0x%" PRIx64 "): the older ones are left out",
			     g->id, MAX_PANICS, pan);
	if (!n || !(gm->panics = cor_calloc(n, sizeof(*gm->panics))))
		return;
	for (size_t k = 0; k < n; k++)
		gm->panics[k] = chain[n - 1 - k];
	gm->pub.panics = gm->panics;
	gm->pub.panic_count = n;
	gm->pub.panic = chain[0].message;
	gm->pub.panic_goroutine = gm->pub.panic ? g->id : 0;
}

static void read_goroutines(struct gctx *c, struct go_model *gm, const struct go_layout *l)
{
	const struct go_parts *p = c->p;
	uint64_t allgs, ptr, len, cap;
	struct cor_go *pub = &gm->pub;
	if (!sym(c, "runtime.allgs", &allgs) && !find_allgs(c, l, &allgs)) {
		pub->goroutines_error = "runtime.allgs not found (no symbol, and no slice of goroutines in the program's data)";
		return;
	}
	if (!word(c, allgs, &ptr) || !word(c, allgs + c->ps, &len) ||
	    !word(c, allgs + 2 * c->ps, &cap)) {
		pub->goroutines_error = "runtime.allgs is not in the core";
		return;
	}
	if (len > cap || len > MAX_GOROUTINES) {
		warnings_add(p->warn, COR_ERR_LIMIT, c->m->pub.name,
			     "runtime.allgs at 0x%" PRIx64 " says %" PRIu64 " goroutines (capacity %" PRIu64 "): at most %u are read",
			     allgs, len, cap, MAX_GOROUTINES);
		len = len > MAX_GOROUTINES ? MAX_GOROUTINES : len;
		if (len > cap)
			len = cap;
	}
	gm->v = cor_calloc(len ? len : 1, sizeof(*gm->v));
	gm->errors = cor_calloc(len ? len : 1, sizeof(*gm->errors));
	if (!gm->v || !gm->errors)
		return;
	uint8_t blk[G_READ];
	size_t unread = 0, need = 0;
	/* the panicking goroutine, the one on the crashed thread */
	struct seen {
		const struct cor_goroutine *g;
		const struct cor_thread *t;
		uint8_t blk[G_READ];
	} panic_s = {0}, crashed_s = {0};
	uint64_t panic_at = 0;
	const uint32_t ends[] = { l->g_stack_hi, l->g_stack, l->g_panic, l->g_m, l->g_sched + l->buf_sp,
				  l->g_sched + l->buf_pc, l->g_sched + l->buf_bp, l->g_status,
				  l->g_goid, l->g_waitreason, l->g_gopc, l->g_startpc };
	for (size_t k = 0; k < COR_ARRAY_SIZE(ends); k++)
		if (ends[k] + 8 > need)
			need = ends[k] + 8;
	for (uint64_t i = 0; i < len; i++) {
		uint64_t ga;
		size_t done = 0;
		if (!word(c, ptr + i * c->ps, &ga)) {
			unread = (size_t)(len - i);
			break;
		}
		memset(blk, 0, sizeof(blk));
		cor_error *err = ga ? memory_read(p->mem, ga, blk, sizeof(blk), &done) : NULL;
		cor_error_free(err);
		if (!ga || done < need) {
			unread++;
			continue;
		}
		uint32_t st = (uint32_t)at(c, blk, l->g_status, 4);
		uint32_t base = st & ~0x1000u;
		if (base == 6) {
			pub->dead_goroutines++;
			continue;
		}
		struct cor_goroutine *g = &gm->v[pub->goroutine_count];
		char **errp = &gm->errors[pub->goroutine_count];
		pub->goroutine_count++;
		g->address = ga;
		g->id = (int64_t)at(c, blk, l->g_goid, 8);
		g->raw_status = st;
		g->status = base < COR_ARRAY_SIZE(statuses) ? statuses[base] : "???";
		g->raw_wait_reason = (uint32_t)at(c, blk, l->g_waitreason, 1);
		if (base == 4)
			g->wait_reason = wait_name(c, g->raw_wait_reason);
		g->gopc = at(c, blk, l->g_gopc, c->ps);
		g->startpc = at(c, blk, l->g_startpc, c->ps);
		uint64_t m = at(c, blk, l->g_m, c->ps), procid;
		const struct cor_thread *t = NULL;
		if (m && word(c, m + l->m_procid, &procid) && (t = thread_of(p->proc, (int64_t)procid)))
			g->tid = t->tid;
		if (g->gopc) {
			const char *fn, *file;
			uint32_t line;
			uint64_t off;
			if (symbolize_pc(p->sym, g->gopc - 1, &fn, &file, &line, &off)) {
				g->created_by = fn;
				g->created_file = file;
				g->created_line = line;
				g->created_offset = fn ? off + 1 : 0;
			}
		}
		if (p->backtraces && p->proc->arch)
			stack_of(c, g, blk, l, base == 2 || base == 3 ? t : NULL, errp);
		/* the panicking goroutine: the crashed thread's, else the first */
		uint64_t pan = at(c, blk, l->g_panic, c->ps);
		bool on = base == 2 || base == 3;
		if (pan && (!panic_s.g || (t && t->crashed))) {
			panic_s = (struct seen){ .g = g, .t = on ? t : NULL };
			memcpy(panic_s.blk, blk, sizeof(blk));
			panic_at = pan;
		}
		if (t && t->crashed) {
			crashed_s = (struct seen){ .g = g, .t = on ? t : NULL };
			memcpy(crashed_s.blk, blk, sizeof(blk));
		}
	}
	if (panic_s.g)
		read_panic(c, gm, panic_s.g, panic_at);
	const struct seen *cs = gm->pub.panic ? &panic_s : &crashed_s;
	if (cs->g && p->proc->arch) {
		/* its stack, unwound for this when the report has no backtraces */
		struct cor_goroutine tmp = *cs->g;
		char *why = NULL;
		if (!tmp.backtrace && !tmp.backtrace_error) {
			stack_of(c, &tmp, cs->blk, l, cs->t, &why);
			gm->own_crash_bt = (cor_backtrace *)tmp.backtrace;
		}
		gm->crash_bt = tmp.backtrace;
		gm->crash_goid = cs->g->id;
		free(why);
	}
	if (!gm->pub.panic && crashed_s.g)
		gm->pub.fatal_error = fatal_message(c, gm->crash_bt);
	if (unread)
		warnings_add(p->warn, COR_ERR_NO_MEMORY, c->m->pub.name,
			     "%zu entries of runtime.allgs (at 0x%" PRIx64 ") could not be read from the core",
			     unread, ptr);
	pub->goroutines = gm->v;
}

cor_error *go_build(const struct go_parts *p, struct cor_go **out)
{
	*out = NULL;
	struct gctx c = { .p = p };
	for (size_t i = 0; i < p->modules->n && !c.m; i++) {
		struct module *m = &p->modules->v[i];
		if (module_gopclntab(p->modules, m))
			c.m = m;
	}
	if (!c.m)
		return NULL;
	struct go_model *gm = cor_calloc(1, sizeof(*gm));
	if (!gm)
		return &cor_enomem;
	c.ps = c.m->elf ? c.m->elf->addr_size : 8;
	c.be = p->proc->info.big_endian;
	uint64_t bv;
	if (sym(&c, "runtime.buildVersion", &bv))
		gm->pub.version = go_string(&c, bv, 64);
	if (!gm->pub.version)
		gm->pub.version = buildinfo_version(&c);
	c.minor = minor_of(gm->pub.version);
	struct go_layout l;
	if (!pick_layout(&c, &l, &gm->pub))
		gm->pub.goroutines_error = gm->pub.version
			? "no DWARF for the runtime's structs and no known layout for this Go version"
			: "no DWARF for the runtime's structs and no Go version found";
	else
		read_goroutines(&c, gm, &l);
	*out = &gm->pub;
	return NULL;
}
