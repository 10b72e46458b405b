/* Values of variables: a thread's physical frames unwound once more with
 * their registers, each backtrace frame's variables located at its pc and
 * printed as gdb prints them (integers, chars as 65 'A', bools, floats
 * with %g at 9 or 17 digits, enums by name, pointers in hex with the
 * string or symbol they point at, structs and arrays in braces with
 * <repeats N times>), bounded by the print options. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>
#include "values.h"
#include "dwarf/expr.h"
#include "dwarf/type.h"
#include "dwarf/vars.h"
#include "dwarf/loc.h"

#define REPEAT_THRESHOLD 10    /* gdb's repeat_count_threshold */
#define MAX_OBJECT (1u << 20)  /* bytes of one variable read at most */
#define MAX_PHYS 4096
#define MAX_TAIL_HOPS 8        /* tail-call frames an entry value is followed through */
#define MAX_NEST 256           /* print_value within itself, whatever the types */
#define MAX_STRING (1u << 20)  /* characters of a char * read at most */

struct fv_frame {
	struct cor_variable *v;
	size_t n;
	bool truncated;
};

struct cor_frame_vars {
	struct fv_frame *f;
	size_t n;
	struct arena arena;
};

/* One physical frame as the values' unwind saw it. */
struct phys {
	uint64_t pc, lookup_pc;
	struct unwind_regs regs;
	bool have_regs;
	bool signal_frame;
};

struct collect {
	struct unwind_cb cb;
	struct phys *v;
	size_t n, cap;
	bool oom;
};

static bool on_frame(struct unwind_cb *cb, const struct unwind_frame *f)
{
	struct collect *c = (struct collect *)cb;
	if (c->n == MAX_PHYS)
		return true;
	if (!COR_GROW(c->v, c->cap, c->n + 1)) {
		c->oom = true;
		return false;
	}
	struct phys *p = &c->v[c->n++];
	memset(p, 0, sizeof(*p));
	p->pc = f->pc;
	p->lookup_pc = f->lookup_pc;
	p->signal_frame = f->signal_frame;
	return true;
}

static void on_regs(struct unwind_cb *cb, const struct unwind_regs *r)
{
	struct collect *c = (struct collect *)cb;
	if (c->n && !c->v[c->n - 1].have_regs) {
		c->v[c->n - 1].regs = *r;
		c->v[c->n - 1].have_regs = true;
	}
}

/* ---- evaluation ---------------------------------------------------------- */

struct ctx {
	const struct values_parts *p;
	struct cor_print_options o;
	struct phys *phys;
	size_t nphys, pi;        /* the frame's physical frame */
	const cor_backtrace *bt;
	size_t above;            /* the frame of bt above this frame's */
	bool no_regs;            /* a tail-call frame: no registers, no vector registers */
	struct module *m;
	struct dwarf_info *di;
	uint64_t rel;            /* lookup pc, link-time */
	const struct dwarf_frame_vars *fv;
	const struct unwind_regs *regs;   /* print: the frame's */
	const struct unwind_regs *regs_now; /* of the variable being located */
	const struct cor_thread *t;
	const struct dwarf_var *var;
	bool used_entry;
	/* the frame's function's entry (link-time), not in an inline frame */
	bool have_entry;
	uint64_t entry_rel;
	struct strbuf sb;
	struct arena *arena;
};

static bool reg_cb(void *arg, unsigned regno, uint64_t *val)
{
	const struct unwind_regs *r = arg;
	if (regno >= DWARF_MAX_REGS || !r->r.ok[regno])
		return false;
	*val = r->r.v[regno];
	return true;
}

static cor_error *mem_cb(void *arg, uint64_t addr, void *buf, size_t n);

struct ectx {
	struct ctx *c;
	const struct unwind_regs *regs;
	const struct cu *cu;
	/* for entry values: the frame above (an index of c->bt), the module
	 * and link-time pc of the function they are of, tail calls followed */
	size_t above;
	struct module *callee;
	uint64_t callee_rel;
	unsigned hops;
};

static bool ereg(void *arg, unsigned regno, uint64_t *val)
{
	return reg_cb((void *)((struct ectx *)arg)->regs, regno, val);
}

static cor_error *mem_cb(void *arg, uint64_t addr, void *buf, size_t n)
{
	struct ectx *e = arg;
	return memory_read(e->c->p->mem, addr, buf, n, NULL);
}

static bool addr_index(void *arg, uint64_t idx, uint64_t *out)
{
	struct ectx *e = arg;
	const struct cu *cu = e->cu;
	return dfile_index(cu->f, &cu->f->s->addr, cu->fc.addr_base, idx, cu->addr_size, out);
}

/* DW_OP_*_type's operand: the base type at offset off of the unit. */
static bool base_type(void *arg, uint64_t off, uint64_t *size, uint8_t *enc)
{
	const struct cu *cu = ((struct ectx *)arg)->cu;
	struct die d;
	cor_error *err = off < cu->end - cu->off ? die_at(cu, cu->off + off, &d) :
		cor_error_new(COR_ERR_FORMAT, "type offset 0x%" PRIx64 " outside the unit", off);
	if (err) {
		cor_error_free(err);
		return false;
	}
	if (d.tag != DW_TAG_base_type || !HAS(&d, S_byte_size) || !HAS(&d, S_encoding))
		return false;
	*size = d.a[S_byte_size].u;
	*enc = (uint8_t)d.a[S_encoding].u;
	return true;
}

static const struct cor_register *vector_reg(const struct ctx *c, uint64_t regno);

/* A vector register's low n bytes: known in the innermost frame only. */
static bool reg_bytes(void *arg, unsigned regno, uint8_t *buf, size_t n)
{
	struct ectx *e = arg;
	const struct cor_register *vr;
	if (!e->c->nphys || e->regs != &e->c->phys[0].regs || !(vr = vector_reg(e->c, regno)) ||
	    !vr->bytes || n > vr->size)
		return false;
	memcpy(buf, vr->bytes, n);
	return true;
}

/* A thread-local variable's address (x86-64, TLS variant II, as glibc
 * lays it out): the executable's block is the first below the thread
 * pointer (fs_base), PT_TLS's p_memsz rounded up to its p_align (with the
 * misalignment of its p_vaddr kept); shared libraries' blocks are not
 * found. */
static cor_error *tls_address(void *arg, uint64_t off, uint64_t *out)
{
	struct ctx *c = ((struct ectx *)arg)->c;
	const struct module *m = c->m;
	const struct elf_phdr *tls = NULL;
	const struct cor_register *tp;
	if (c->p->arch->arch != COR_ARCH_X86_64)
		return cor_error_new(COR_ERR_UNSUPPORTED, "thread-local storage on this architecture");
	if (!m || !m->pub.is_executable || !m->elf)
		return cor_error_new(COR_ERR_UNSUPPORTED, "thread-local storage of a shared library");
	for (uint32_t i = 0; i < m->elf->phnum; i++)
		if (m->elf->phdrs[i].type == 7)   /* PT_TLS */
			tls = &m->elf->phdrs[i];
	if (!tls)
		return cor_error_new(COR_ERR_FORMAT, "the executable has no PT_TLS segment");
	uint64_t align = tls->align ? tls->align : 1;
	uint64_t first = -tls->vaddr & (align - 1);
	if ((align & (align - 1)) || align > (1u << 20) || tls->memsz > UINT32_MAX ||
	    tls->memsz < first || off > tls->memsz)
		return cor_error_new(COR_ERR_FORMAT, "the executable's PT_TLS of %" PRIu64 " bytes aligned to %" PRIu64
				     ", offset %" PRIu64, tls->memsz, tls->align, off);
	if (!c->t || !(tp = cor_thread_register(c->t, "fs_base")))
		return cor_error_new(COR_ERR_NOT_FOUND, "no thread pointer (fs_base)");
	uint64_t block = ((tls->memsz - first + align - 1) & ~(align - 1)) + first;
	*out = tp->value - block + off;
	return NULL;
}

static void ctx_init(struct expr_ctx *x, struct ectx *e)
{
	const struct memory *mem = e->c->p->mem;
	(void)mem;
	memset(x, 0, sizeof(*x));
	x->be = e->c->p->arch->be;
	x->addr_size = e->c->p->arch->is64 ? 8 : 4;
	x->limits = e->c->p->unwinder->limits;
	x->read_reg = ereg;
	x->read_mem = mem_cb;
	x->arg = e;
	x->have_cfa = e->regs->cfa_known;
	x->cfa = e->regs->cfa;
	x->addr_index = addr_index;
	x->base_type = base_type;
	x->read_reg_bytes = reg_bytes;
	x->tls_address = tls_address;
	x->offset_size = e->cu->offset_size;
}

static cor_error *frame_base(void *arg, uint64_t *out)
{
	struct ectx *e = arg;
	const struct dwarf_frame_vars *fv = e->c->fv;
	struct expr_ctx x;
	bool isv;
	if (!fv->has_fb)
		return cor_error_new(COR_ERR_NOT_FOUND, "no frame base at the pc");
	ctx_init(&x, e);
	x.addr_bias = e->c->m->pub.load_bias;
	return dwarf_expr_eval(&x, fv->fb, fv->fb_len, false, 0, out, &isv);
}

/* The register a DW_OP_entry_value operand names (DW_OP_regN, regx,
 * regval_type). */
static bool entry_reg(const uint8_t *p, size_t n, uint64_t *regno)
{
	struct reader r;
	if (n == 1 && p[0] >= 0x50 && p[0] <= 0x6f) {
		*regno = p[0] - 0x50;
		return true;
	}
	uint64_t type;
	reader_init(&r, p + 1, n ? n - 1 : 0, false, 8);
	if (n > 1 && (p[0] == 0xa5 || p[0] == 0xf5))   /* DW_OP_regval_type, GNU's */
		return reader_uleb(&r, regno) && reader_uleb(&r, &type) && reader_at_end(&r);
	return n > 1 && p[0] == 0x90 && reader_uleb(&r, regno) && reader_at_end(&r);
}

/* Does the call site of module cm at lookup (runtime) returning to ret
 * call the function holding callee_rel in callee? By address, else by
 * name. */
static bool site_calls(struct ctx *c, struct dwarf_info *cdi, const struct module *cm,
		       uint64_t lookup, uint64_t ret, struct module *callee, uint64_t callee_rel)
{
	const struct dwarf_call *calls;
	size_t n;
	bool complete;
	struct dwarf_scope sc[64];
	size_t ns = 0;
	struct dwarf_info *di = callee ? module_dwarf_full(c->p->modules, callee) : NULL;
	cor_error *err = di ? dwarf_info_scopes(di, callee_rel, sc, 64, &ns) : NULL;
	cor_error_free(err);
	if (!ns)
		return false;
	const struct dwarf_scope *fn = &sc[ns - 1];
	uint64_t entry = callee->pub.load_bias + fn->low_pc;
	const char *name = fn->name, *link = fn->linkage_name;
	err = dwarf_info_calls(cdi, lookup - cm->pub.load_bias, &calls, &n, &complete);
	cor_error_free(err);
	for (size_t i = 0; i < n; i++) {
		const struct dwarf_call *k = &calls[i];
		if (k->return_pc != ret - cm->pub.load_bias)
			continue;
		if (k->target_known)
			return cm->pub.load_bias + k->target == entry;
		return (name && k->target_name && !strcmp(name, k->target_name)) ||
		       (link && k->target_linkage && !strcmp(link, k->target_linkage));
	}
	return false;
}

static const struct unwind_regs no_regs;
static size_t phys_of(const cor_backtrace *bt, size_t frame);

static cor_error *no_entry(const char *why)
{
	return cor_error_new(COR_ERR_NOT_FOUND, "entry value: %s", why);
}

/* DW_OP_fbreg in a call value: the caller's own frame base at its pc. */
static cor_error *caller_frame_base(void *arg, uint64_t *out)
{
	struct ectx *e = arg;
	struct dwarf_info *di = module_dwarf_full(e->c->p->modules, e->callee);
	struct dwarf_frame_vars fv;
	struct expr_ctx x;
	bool isv;
	if (!di)
		return no_entry("no DWARF for the caller");
	cor_error *err = dwarf_frame_vars(di, e->callee_rel, SIZE_MAX, &fv);
	if (err)
		return err;
	free(fv.v);
	if (!fv.has_fb)
		return cor_error_new(COR_ERR_NOT_FOUND, "no frame base at the caller's pc");
	ctx_init(&x, e);
	x.addr_bias = e->callee->pub.load_bias;
	return dwarf_expr_eval(&x, fv.fb, fv.fb_len, false, 0, out, &isv);
}

/* DW_OP_entry_value of a register: the DW_AT_call_value of the call
 * site that called the function (e->callee): in the caller frame above
 * (e->above, a frame of the backtrace), evaluated with its registers and
 * the entry values of that function in turn, one frame further up (in a
 * tail-call frame, which has no registers of its own, those only: gdb's
 * chains of tail calls), MAX_TAIL_HOPS frames at most. */
static cor_error *entry_value(void *arg, const uint8_t *expr, size_t len, uint64_t *out)
{
	struct ectx *e = arg;
	struct ctx *c = e->c;
	uint64_t regno, lookup, ret;
	const struct cu *vcu;
	const uint8_t *ve;
	size_t vlen;
	bool found = false;
	const struct unwind_regs *regs = &no_regs;
	if (!entry_reg(expr, len, &regno))
		return cor_error_new(COR_ERR_UNSUPPORTED, "entry value of an expression");
	if (!c->bt || e->above >= cor_backtrace_frame_count(c->bt) || e->hops > MAX_TAIL_HOPS)
		return no_entry("no caller frame");
	const struct cor_frame *f = cor_backtrace_frame(c->bt, e->above);
	bool tail = f->how == COR_FRAME_TAILCALL;
	if (tail) {
		ret = f->pc;
		lookup = f->pc - 1;
	} else {
		size_t pi = phys_of(c->bt, e->above);
		if (!pi || pi >= c->nphys)
			return no_entry("no caller frame");
		const struct phys *caller = &c->phys[pi];
		if (!caller->have_regs || caller->signal_frame || c->phys[pi - 1].signal_frame ||
		    caller->lookup_pc == caller->pc)
			return no_entry("the caller was interrupted, not calling");
		ret = caller->pc;
		lookup = caller->lookup_pc;
		regs = &caller->regs;
	}
	struct module *cm = module_at(c->p->modules, lookup);
	struct dwarf_info *cdi = cm ? module_dwarf_full(c->p->modules, cm) : NULL;
	if (!cdi || !site_calls(c, cdi, cm, lookup, ret, e->callee, e->callee_rel))
		return no_entry("no call site of this function");
	cor_error *err = dwarf_call_value(cdi, lookup - cm->pub.load_bias, ret - cm->pub.load_bias,
					  regno, &vcu, &ve, &vlen, &found);
	if (err)
		return err;
	if (!found)
		return no_entry("no call site parameter");
	struct ectx ce = { c, regs, vcu, e->above + 1, cm, lookup - cm->pub.load_bias, e->hops + 1 };
	struct expr_ctx x;
	bool isv;
	ctx_init(&x, &ce);
	x.addr_bias = cm->pub.load_bias;
	/* the call value may use the caller's own entry values (gdb does) and
	 * frame base */
	x.entry_value = entry_value;
	x.frame_base = caller_frame_base;
	if ((err = dwarf_expr_eval(&x, ve, vlen, false, 0, out, &isv)))
		return err;
	c->used_entry = true;
	return NULL;
}

/* ---- the bytes of a value ------------------------------------------------ */

struct obj {
	uint8_t *b;
	uint8_t *ok;             /* per byte: known */
	size_t size;
	bool in_mem;
	uint64_t addr;           /* when in_mem */
	bool synthetic;          /* an implicit pointer: to the variable at */
	uint64_t ptr_die;        /* this DIE, ptr_off bytes into it */
	int64_t ptr_off;
	char *err;               /* a read that failed (gdb's <error: ...>) */
};

static void obj_free(struct obj *o)
{
	free(o->b);
	free(o->ok);
	free(o->err);
}

static bool obj_alloc(struct obj *o, size_t size)
{
	memset(o, 0, sizeof(*o));
	o->size = size;
	o->b = cor_calloc(1, size + 1);
	o->ok = cor_calloc(1, size + 1);
	if (o->b && o->ok)
		return true;
	obj_free(o);
	return false;
}

/* v's low n bytes (n <= 8) in the target's order. */
static void store(uint8_t *p, uint64_t v, unsigned n, bool be)
{
	for (unsigned i = 0; i < n; i++)
		p[be ? n - 1 - i : i] = (uint8_t)(v >> (8 * i));
}

static void put_value(const struct ctx *c, uint8_t *dst, size_t n, uint64_t v, size_t vsize)
{
	uint8_t tmp[8];
	if (vsize > 8)
		vsize = 8;
	store(tmp, v, (unsigned)vsize, c->p->arch->be);
	for (size_t i = 0; i < n; i++) {
		/* a value or register narrower than its piece: its low bytes */
		size_t k = c->p->arch->be ? vsize - n + i : i;
		dst[i] = k < vsize ? tmp[k] : 0;
	}
}

static const char *reg_name(const struct ctx *c, uint64_t regno)
{
	const struct arch_info *a = c->p->arch;
	for (size_t i = 0; i < a->ngregs; i++)
		if (a->gregs[i].dwarf == (int)regno)
			return a->gregs[i].name;
	return NULL;
}

/* The name of vector register regno (x86 xmm, aarch64 v) in buf; false
 * if it is none. */
static bool vector_name(const struct arch_info *a, uint64_t regno, char *buf, size_t n)
{
	if ((a->arch == COR_ARCH_X86_64 || a->arch == COR_ARCH_X32) && regno >= 17 && regno <= 32)
		snprintf(buf, n, "xmm%u", (unsigned)(regno - 17));
	else if (a->arch == COR_ARCH_I386 && regno >= 21 && regno <= 28)
		snprintf(buf, n, "xmm%u", (unsigned)(regno - 21));
	else if (a->arch == COR_ARCH_AARCH64 && regno >= 64 && regno <= 95)
		snprintf(buf, n, "v%u", (unsigned)(regno - 64));
	else
		return false;
	return true;
}

/* Vector register regno of the innermost frame, where the thread's
 * registers are the frame's own; NULL elsewhere (the unwinder keeps the
 * general registers only). */
static const struct cor_register *vector_reg(const struct ctx *c, uint64_t regno)
{
	char name[8];
	if (c->pi != 0 || c->no_regs || !c->t || !vector_name(c->p->arch, regno, name, sizeof(name)))
		return NULL;
	return cor_thread_register(c->t, name);
}

/* Fills o (size bytes) from the pieces of loc; *where says where. */
static void obj_fill(struct ctx *c, const struct unwind_regs *regs, const struct dwarf_location *loc,
		     struct obj *o, struct strbuf *where)
{
	size_t at = 0;
	for (size_t i = 0; i < loc->n && at < o->size; i++) {
		const struct dwarf_piece *p = &loc->p[i];
		size_t n = p->bits ? (size_t)(p->bits / 8) : o->size - at;
		if ((p->bits % 8) || (p->bit_offset % 8))
			return;  /* bit-level pieces: left unknown */
		if (n > o->size - at)
			n = o->size - at;
		uint8_t *dst = o->b + at, *ok = o->ok + at;
		switch (p->kind) {
		case DWP_MEMORY: {
			uint64_t a = p->v + p->bit_offset / 8;
			size_t done = 0;
			cor_error *err = memory_read(c->p->mem, a, dst, n, &done);
			if (err) {
				if (!o->err)
					o->err = cor_asprintf("Cannot access memory at address 0x%" PRIx64,
							      a + done);
				cor_error_free(err);
			} else {
				memset(ok, 1, n);
			}
			if (loc->n == 1) {
				o->in_mem = true;
				o->addr = a;
				sb_printf(where, "memory 0x%" PRIx64, a);
			}
			break;
		}
		case DWP_REGISTER: {
			uint64_t v;
			const struct cor_register *vr;
			if (p->v < DWARF_MAX_REGS && reg_cb((void *)regs, (unsigned)p->v, &v)) {
				/* a piece's bits past the register's 64 are none of it */
				put_value(c, dst, n, p->bit_offset >= 64 ? 0 : v >> p->bit_offset,
					  c->p->arch->is64 ? 8 : 4);
				memset(ok, 1, n);
			} else if ((vr = vector_reg(c, p->v)) && vr->bytes && n <= vr->size &&
				   !p->bit_offset) {
				memcpy(dst, vr->bytes, n);
				memset(ok, 1, n);
			}
			if (loc->n == 1) {
				const char *name = reg_name(c, p->v);
				char vname[8];
				if (!name && vector_name(c->p->arch, p->v, vname, sizeof(vname)))
					name = vname;
				if (name)
					sb_printf(where, "register %s", name);
				else
					sb_printf(where, "register %" PRIu64, p->v);
			}
			break;
		}
		case DWP_VALUE:
			put_value(c, dst, n, p->v, c->p->arch->is64 ? 8 : 4);
			memset(ok, 1, n);
			if (loc->n == 1)
				sb_puts(where, "value");
			break;
		case DWP_IMPLICIT:
			if (p->nbytes >= n) {
				memcpy(dst, p->bytes, n);
				memset(ok, 1, n);
			}
			if (loc->n == 1)
				sb_puts(where, "implicit");
			break;
		case DWP_POINTER:
			o->synthetic = true;
			o->ptr_die = p->die;
			o->ptr_off = p->offset;
			if (loc->n == 1)
				sb_puts(where, "implicit pointer");
			break;
		case DWP_NONE:
			break;
		}
		at += n;
	}
	if (loc->n > 1)
		sb_puts(where, "pieces");
}

/* ---- printing ------------------------------------------------------------- */

struct pr {
	struct ctx *c;
	struct strbuf *sb;
	uint32_t depth;          /* structs, for max_depth ({...}) */
	uint32_t nest;           /* every nested value: a hostile type graph's bound */
};

static bool all_ok(const struct obj *o, size_t off, size_t n)
{
	if (off > o->size || n > o->size - off)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!o->ok[off + i])
			return false;
	return true;
}

static uint64_t load(const struct ctx *c, const uint8_t *p, size_t n)
{
	return n > 8 ? 0 : cor_load(p, (unsigned)n, c->p->arch->be);
}

static int64_t sext(uint64_t v, size_t n)
{
	if (n < 8 && n && (v >> (n * 8 - 1)) & 1)
		v |= ~(uint64_t)0 << (n * 8);
	return (int64_t)v;
}

static bool char_like(const struct dwarf_type *t)
{
	return t->kind == DWT_BASE && t->size == 1 &&
	       (t->encoding == DW_ATE_signed_char || t->encoding == DW_ATE_unsigned_char ||
		t->encoding == DW_ATE_UTF);
}

/* One character inside quotes q, as gdb escapes it. */
static void put_char(struct strbuf *sb, uint8_t ch, char q)
{
	static const char esc[] = { '\a', 'a', '\b', 'b', '\f', 'f', '\n', 'n', '\r', 'r',
				    '\t', 't', '\v', 'v' };
	for (size_t i = 0; i < sizeof(esc); i += 2)
		if (ch == (uint8_t)esc[i]) {
			sb_printf(sb, "\\%c", esc[i + 1]);
			return;
		}
	if (ch == (uint8_t)q || ch == '\\')
		sb_printf(sb, "\\%c", ch);
	else if (ch >= 0x20 && ch < 0x7f)
		sb_printf(sb, "%c", ch);
	else
		sb_printf(sb, "\\%03o", ch);
}

/* Characters as gdb prints a char array or string: runs of more than
 * REPEAT_THRESHOLD of one character as 'c' <repeats N times>, the rest in
 * quotes, joined by ", "; each run counts its length toward the max
 * characters (gdb's generic_printstr), "..." after them. */
static void put_string(struct pr *p, const uint8_t *s, size_t n, bool more)
{
	struct strbuf *sb = p->sb;
	bool open = false, first = true;
	size_t printed = 0, max = p->c->o.max_elements;
	size_t i = 0;
	while (i < n && printed < max) {
		size_t run = 1;
		while (i + run < n && s[i + run] == s[i])
			run++;
		if (run > REPEAT_THRESHOLD) {
			if (open)
				sb_puts(sb, "\"");
			open = false;
			sb_puts(sb, first ? "'" : ", '");
			put_char(sb, s[i], '\'');
			sb_printf(sb, "' <repeats %zu times>", run);
		} else {
			if (!open)
				sb_puts(sb, first ? "\"" : ", \"");
			open = true;
			for (size_t k = 0; k < run; k++)
				put_char(sb, s[i], '"');
		}
		i += run;
		printed += run;
		first = false;
	}
	if (i < n)
		more = true;
	if (open)
		sb_puts(sb, "\"");
	if (first)
		sb_puts(sb, "\"\"");
	if (more)
		sb_puts(sb, "...");
}

static void print_value(struct pr *p, const struct dwarf_type *t, const struct obj *o,
			size_t off, size_t size);
static void print_kind(struct pr *p, const struct dwarf_type *s, const struct obj *o,
		       size_t off, size_t size);

static void put_symbol(struct pr *p, uint64_t addr)
{
	struct module *m = module_at(p->c->p->modules, addr);
	struct symtab *st = m ? module_symtab(p->c->p->modules, m) : NULL;
	struct symbol sym;
	if (!st || !symtab_lookup(st, addr - m->pub.load_bias, &sym) || !sym.name)
		return;
	uint64_t d = addr - m->pub.load_bias - sym.value;
	if (d)
		sb_printf(p->sb, " <%s+%" PRIu64 ">", sym.name, d);
	else
		sb_printf(p->sb, " <%s>", sym.name);
}

static void print_pointer(struct pr *p, const struct dwarf_type *t, uint64_t v)
{
	struct dwarf_info *di = p->c->di;
	const struct dwarf_type *to = dwarf_type_strip(di, dwarf_type_target(di, t));
	sb_printf(p->sb, "0x%" PRIx64, v);
	if (t->kind != DWT_POINTER)
		return;
	if (char_like(to)) {
		uint32_t max = p->c->o.max_elements < MAX_STRING ? p->c->o.max_elements : MAX_STRING;
		uint8_t *buf = cor_calloc(1, max ? max : 1);
		size_t n = 0;
		bool end = false;
		if (!v || !buf) {
			free(buf);
			return;
		}
		/* bounded: at most max characters, read one at a time */
		while (n < max) {
			cor_error *err = memory_read(p->c->p->mem, v + n, buf + n, 1, NULL);
			if (err) {
				cor_error_free(err);
				if (!n) {
					sb_printf(p->sb, " <error: Cannot access memory at address 0x%" PRIx64 ">", v);
					free(buf);
					return;
				}
				break;
			}
			if (!buf[n]) {
				end = true;
				break;
			}
			n++;
		}
		sb_puts(p->sb, " ");
		put_string(p, buf, n, !end && n == max);
		free(buf);
		return;
	}
	if (v)
		put_symbol(p, v);
}

/* A reference as gdb shows it: @0xADDR: the value referred to. */
static void print_reference(struct pr *p, const struct dwarf_type *t, uint64_t addr)
{
	const struct dwarf_type *to = dwarf_type_target(p->c->di, t);
	uint64_t size = 0;
	struct obj o;
	sb_printf(p->sb, "@0x%" PRIx64, addr);
	if (!dwarf_type_size(p->c->di, to, &size) || !size || size > MAX_OBJECT ||
	    p->depth >= p->c->o.max_depth || !obj_alloc(&o, (size_t)size))
		return;
	cor_error *err = memory_read(p->c->p->mem, addr, o.b, o.size, NULL);
	if (err) {
		sb_printf(p->sb, ": <error: Cannot access memory at address 0x%" PRIx64 ">", addr);
		cor_error_free(err);
	} else {
		memset(o.ok, 1, o.size);
		o.in_mem = true;
		o.addr = addr;
		sb_puts(p->sb, ": ");
		p->depth++;
		print_value(p, to, &o, 0, o.size);
		p->depth--;
	}
	obj_free(&o);
}

static void print_enum(struct pr *p, const struct dwarf_type *t, uint64_t v, size_t size)
{
	struct strbuf *sb = p->sb;
	bool flag = true;
	uint64_t mask = 0;
	for (size_t i = 0; i < t->nenums; i++)
		if (t->enums[i].value == v || (t->is_signed && (int64_t)t->enums[i].value == sext(v, size))) {
			sb_puts(sb, t->enums[i].name ? t->enums[i].name : "?");
			return;
		}
	for (size_t i = 0; i < t->nenums && flag; i++) {
		uint64_t e = t->enums[i].value;
		if ((t->is_signed && (int64_t)e < 0) || (mask & e))
			flag = false;
		mask |= e;
	}
	if (!flag || !v) {
		if (t->is_signed)
			sb_printf(sb, "%" PRId64, sext(v, size));
		else
			sb_printf(sb, "%" PRIu64, v);
		return;
	}
	/* a flag enum: (A | B | unknown: 0x8) */
	bool first = true;
	uint64_t left = v;
	sb_puts(sb, "(");
	for (size_t i = 0; i < t->nenums; i++) {
		uint64_t e = t->enums[i].value;
		if (e && (left & e) == e) {
			sb_printf(sb, "%s%s", first ? "" : " | ", t->enums[i].name ? t->enums[i].name : "?");
			left &= ~e;
			first = false;
		}
	}
	if (left)
		sb_printf(sb, "%sunknown: 0x%" PRIx64, first ? "" : " | ", left);
	sb_puts(sb, ")");
}

static void print_float(struct pr *p, const uint8_t *b, size_t size)
{
	uint64_t bits = load(p->c, b, size > 8 ? 8 : size);
	if (size == 4) {
		uint32_t u = (uint32_t)bits;
		float f;
		memcpy(&f, &u, 4);
		sb_printf(p->sb, "%.9g", (double)f);
	} else if (size == 8) {
		double d;
		memcpy(&d, &bits, 8);
		sb_printf(p->sb, "%.17g", d);
	} else {
		sb_puts(p->sb, "<unsupported floating-point size>");
	}
}

/* A base type, enum or pointer of size bytes at off. */
static bool print_scalar(struct pr *p, const struct dwarf_type *t, const struct obj *o,
			 size_t off, size_t size)
{
	const uint8_t *b = o->b + off;
	uint64_t v = load(p->c, b, size);
	if (t->kind == DWT_REFERENCE || t->kind == DWT_RVALUE_REFERENCE) {
		print_reference(p, t, v);
		return true;
	}
	if (t->kind == DWT_POINTER) {
		print_pointer(p, t, v);
		return true;
	}
	if (t->kind == DWT_ENUM) {
		print_enum(p, t, v, size);
		return true;
	}
	if (t->kind != DWT_BASE || size > 8)
		return false;
	switch (t->encoding) {
	case DW_ATE_boolean:
		if (v <= 1)
			sb_puts(p->sb, v ? "true" : "false");
		else
			sb_printf(p->sb, "%" PRIu64, v);
		return true;
	case DW_ATE_float:
		print_float(p, b, size);
		return true;
	case DW_ATE_signed_char: case DW_ATE_unsigned_char: case DW_ATE_UTF:
		if (size == 1) {
			if (t->encoding == DW_ATE_signed_char)
				sb_printf(p->sb, "%" PRId64 " '", sext(v, 1));
			else
				sb_printf(p->sb, "%" PRIu64 " '", v);
			put_char(p->sb, (uint8_t)v, '\'');
			sb_puts(p->sb, "'");
			return true;
		}
		/* fall through */
	default:
		if (t->is_signed)
			sb_printf(p->sb, "%" PRId64, sext(v, size));
		else
			sb_printf(p->sb, "%" PRIu64, v);
		return true;
	}
}

static void print_struct(struct pr *p, const struct dwarf_type *t, const struct obj *o,
			 size_t off, size_t size)
{
	struct dwarf_info *di = p->c->di;
	bool first = true;
	if (p->depth >= p->c->o.max_depth) {
		sb_puts(p->sb, "{...}");
		return;
	}
	p->depth++;
	sb_puts(p->sb, "{");
	for (size_t i = 0; i < t->nmembers; i++) {
		const struct dwarf_member *m = &t->members[i];
		const struct dwarf_type *mt = dwarf_member_type(di, m);
		const struct dwarf_type *ms = dwarf_type_strip(di, mt);
		uint64_t msize = 0;
		if (m->artificial)
			continue;
		sb_puts(p->sb, first ? "" : ", ");
		first = false;
		if (m->inheritance)
			sb_printf(p->sb, "<%s> = ", ms->name ? ms->name : "?");
		else if (m->name)
			sb_printf(p->sb, "%s = ", m->name);
		if (!m->offset_known || m->offset > size) {
			sb_puts(p->sb, "<unknown offset>");
			continue;
		}
		if (m->bit_size) {
			uint64_t v;
			size_t bytes = (size_t)((m->bit_offset % 8 + m->bit_size + 7) / 8);
			if (!all_ok(o, off + (size_t)m->offset, bytes) ||
			    !dwarf_bitfield(m, ms->big_endian, o->b + off, size, &v)) {
				sb_puts(p->sb, "<optimized out>");
				continue;
			}
			if (ms->is_signed && m->bit_size < 64 && (v >> (m->bit_size - 1)) & 1)
				v |= ~(uint64_t)0 << m->bit_size;
			struct obj tmp = { 0 };
			uint8_t buf[8], okb[8];
			size_t vs = ms->has_size && ms->size <= 8 ? (size_t)ms->size : 8;
			store(buf, v, (unsigned)vs, p->c->p->arch->be);
			memset(okb, 1, sizeof(okb));
			tmp.b = buf;
			tmp.ok = okb;
			tmp.size = vs;
			print_value(p, mt, &tmp, 0, vs);
			continue;
		}
		if (!dwarf_type_size(di, mt, &msize))
			msize = 0;
		if (msize > size - m->offset)
			msize = size - m->offset;
		print_value(p, mt, o, off + (size_t)m->offset, (size_t)msize);
	}
	sb_puts(p->sb, "}");
	p->depth--;
}

/* Elements [off, off + count * esize) of an array of element type et, dims
 * dim.. of t. */
static void print_array(struct pr *p, const struct dwarf_type *t, size_t dim,
			const struct obj *o, size_t off, size_t size)
{
	struct dwarf_info *di = p->c->di;
	const struct dwarf_type *et = dwarf_type_target(di, t);
	const struct dwarf_type *es = dwarf_type_strip(di, et);
	uint64_t esize = 0, count = t->dims[dim].count;
	if (!t->dims[dim].count_known) {
		if (o->in_mem)
			sb_printf(p->sb, "0x%" PRIx64, o->addr + off);
		else
			sb_puts(p->sb, "<unknown size>");
		return;
	}
	if (!dwarf_type_size(di, et, &esize)) {
		sb_puts(p->sb, "<unknown element size>");
		return;
	}
	for (size_t d = dim + 1; d < t->ndims; d++) {
		if (!t->dims[d].count_known) {
			sb_puts(p->sb, "<unknown size>");
			return;
		}
		if (esize && t->dims[d].count > UINT64_MAX / esize) {
			sb_puts(p->sb, "<too large>");
			return;
		}
		esize *= t->dims[d].count;
	}
	bool cut = esize && count > size / esize;  /* past the bytes read (MAX_OBJECT) */
	if (cut)
		count = size / esize;
	if (dim + 1 == t->ndims && char_like(es)) {
		size_t n = (size_t)count;
		if (!all_ok(o, off, n)) {
			sb_puts(p->sb, "<optimized out>");
			return;
		}
		/* print null-stop off: one trailing NUL is the terminator */
		size_t shown = n;
		if (shown && o->b[off + shown - 1] == 0 && shown <= p->c->o.max_elements)
			shown--;
		put_string(p, o->b + off, shown, false);
		return;
	}
	if (p->depth >= p->c->o.max_depth && dim == 0 && (es->kind == DWT_STRUCT ||
	    es->kind == DWT_UNION || es->kind == DWT_CLASS || es->kind == DWT_ARRAY)) {
		sb_puts(p->sb, "{...}");
		return;
	}
	if (p->nest + dim >= MAX_NEST) {
		sb_puts(p->sb, "{...}");
		return;
	}
	sb_puts(p->sb, "{");
	size_t printed = 0, max = p->c->o.max_elements;
	for (uint64_t i = 0; i < count;) {
		/* the frame's output cap holds inside nested arrays too */
		if (printed >= max || p->sb->len > p->c->o.max_frame_bytes) {
			sb_puts(p->sb, "...");
			cut = false;
			break;
		}
		/* a run of equal elements (their bytes); elements of no size
		 * (GNU C's empty structs) are all one run */
		uint64_t run = esize ? 1 : count - i;
		size_t at = off + (size_t)(i * esize);
		while (i + run < count && esize &&
		       !memcmp(o->b + at, o->b + at + run * esize, (size_t)esize) &&
		       !memcmp(o->ok + at, o->ok + at + run * esize, (size_t)esize))
			run++;
		if (i)
			sb_puts(p->sb, ", ");
		if (dim + 1 < t->ndims)
			print_array(p, t, dim + 1, o, at, (size_t)esize);
		else
			print_value(p, et, o, at, (size_t)esize);
		if (run > REPEAT_THRESHOLD) {
			sb_printf(p->sb, " <repeats %" PRIu64 " times>", run);
			i += run;
			printed += REPEAT_THRESHOLD;
		} else {
			i++;
			printed++;
		}
	}
	if (cut)
		sb_puts(p->sb, "...");
	sb_puts(p->sb, "}");
}

static void print_value(struct pr *p, const struct dwarf_type *t, const struct obj *o,
			size_t off, size_t size)
{
	struct dwarf_info *di = p->c->di;
	const struct dwarf_type *s = dwarf_type_strip(di, t);
	if (p->sb->len > p->c->o.max_frame_bytes)
		return;
	if (p->nest >= MAX_NEST) {
		sb_puts(p->sb, "{...}");
		return;
	}
	p->nest++;
	print_kind(p, s, o, off, size);
	p->nest--;
}

static void print_kind(struct pr *p, const struct dwarf_type *s, const struct obj *o,
		       size_t off, size_t size)
{
	switch (s->kind) {
	case DWT_STRUCT: case DWT_UNION: case DWT_CLASS:
		if (s->declaration) {
			sb_puts(p->sb, "<incomplete type>");
			return;
		}
		print_struct(p, s, o, off, size);
		return;
	case DWT_ARRAY:
		if (!s->ndims) {
			sb_puts(p->sb, "<array without dimensions>");
			return;
		}
		print_array(p, s, 0, o, off, size);
		return;
	case DWT_BASE: case DWT_ENUM: case DWT_POINTER: case DWT_REFERENCE:
	case DWT_RVALUE_REFERENCE:
		if (!size || !all_ok(o, off, size)) {
			sb_puts(p->sb, "<optimized out>");
			return;
		}
		if (!print_scalar(p, s, o, off, size))
			sb_puts(p->sb, "<unsupported type>");
		return;
	case DWT_FUNCTION:
		if (o->in_mem)
			sb_printf(p->sb, "{<text variable>} 0x%" PRIx64, o->addr + off);
		else
			sb_puts(p->sb, "<function>");
		return;
	case DWT_UNKNOWN:
		sb_printf(p->sb, "<%s>", s->name ? s->name : "unknown type");
		return;
	default:
		sb_puts(p->sb, "<unsupported type>");
	}
}

/* ---- one variable ----------------------------------------------------------- */

static char *take(struct ctx *c, struct strbuf *sb)
{
	char *s = sb->s ? arena_strdup(c->arena, sb->s) : arena_strdup(c->arena, "");
	sb_free(sb);
	return s;
}

/* An object of type t (NULL: unknown) with its bytes. */
struct val {
	const struct dwarf_type *t;
	struct obj o;
	const char *where;       /* in the arena, or NULL */
};


static uint64_t type_size(struct ctx *c, const struct dwarf_type *t)
{
	uint64_t size = 0;
	if (!t || !dwarf_type_size(c->di, t, &size))
		return 0;
	/* a large array: its first MAX_OBJECT bytes (printed with "...") */
	if (size > MAX_OBJECT)
		size = dwarf_type_strip(c->di, t)->kind == DWT_ARRAY ? MAX_OBJECT : 0;
	return size;
}

/* The bytes of variable v in the frame whose registers are regs. */
static bool var_locate(struct ctx *c, const struct unwind_regs *regs, const struct dwarf_var *v,
		       struct val *out)
{
	struct strbuf where = { 0 };
	out->t = v->has_type ? dwarf_type_of(c->di, v->type_cu, &v->type_v) : NULL;
	out->where = NULL;
	if (!obj_alloc(&out->o, (size_t)type_size(c, out->t)))
		return false;
	struct obj *o = &out->o;
	c->var = v;
	c->regs_now = regs;
	c->used_entry = false;
	if (v->has_const) {
		if (v->cval.cls == DW_V_BLOCK) {
			size_t n = v->cval.u < o->size ? (size_t)v->cval.u : o->size;
			memcpy(o->b, v->cval.s, n);
			memset(o->ok, 1, n);
		} else {
			put_value(c, o->b, o->size, v->cval.u, 8);
			memset(o->ok, 1, o->size);
		}
		sb_puts(&where, "constant");
	} else if (v->has_loc && v->len) {
		struct dwarf_location *loc = cor_calloc(1, sizeof(*loc));
		struct ectx e = { c, regs, v->cu, c->above, c->m, c->rel, 0 };
		struct expr_ctx x;
		if (!loc) {
			obj_free(o);
			return false;
		}
		ctx_init(&x, &e);
		x.addr_bias = c->m->pub.load_bias;
		x.frame_base = frame_base;
		x.entry_value = entry_value;
		cor_error *err = dwarf_expr_location(&x, v->expr, v->len, loc);
		if (!err)
			obj_fill(c, regs, loc, o, &where);
		else
			cor_error_free(err);
		free(loc);
		if (c->used_entry) {
			sb_free(&where);
			sb_puts(&where, "entry value");
		}
	}
	if (where.len)
		out->where = take(c, &where);
	sb_free(&where);
	return true;
}

/* A reference that DW_OP_implicit_pointer made: ": " and the value of the
 * variable it points at (not followed further). */
static void synthetic_target(struct ctx *c, const struct val *v, struct strbuf *sb)
{
	const struct dwarf_type *s = v->t ? dwarf_type_strip(c->di, v->t) : NULL;
	struct dwarf_var target;
	struct val tv;
	if (!s || (s->kind != DWT_REFERENCE && s->kind != DWT_RVALUE_REFERENCE) ||
	    v->o.ptr_off || !c->var)
		return;
	cor_error *err = dwarf_var_at(c->di, c->var->cu, v->o.ptr_die, c->rel, &target);
	if (err) {
		cor_error_free(err);
		return;
	}
	if (!var_locate(c, c->regs_now, &target, &tv))
		return;
	bool any = false;
	for (size_t i = 0; i < tv.o.size; i++)
		any |= tv.o.ok[i];
	if (!tv.o.synthetic && any) {
		struct pr p = { c, sb, 1, 1 };
		sb_puts(sb, ": ");
		print_value(&p, dwarf_type_target(c->di, s), &tv.o, 0, tv.o.size);
	}
	obj_free(&tv.o);
}

/* out's type, value, optimized_out and raw from v. */
static void val_describe(struct ctx *c, const struct val *v, struct cor_variable *out)
{
	struct dwarf_info *di = c->di;
	const struct obj *o = &v->o;
	struct strbuf tn = { 0 }, val = { 0 };
	if (v->t)
		dwarf_type_name(di, v->t, &tn);
	out->type = take(c, &tn);
	out->location = v->where;
	bool any = false;
	for (size_t i = 0; i < o->size; i++)
		any |= o->ok[i];
	if (o->synthetic) {
		sb_puts(&val, "<synthetic pointer>");
		synthetic_target(c, v, &val);
	} else if (o->err && !any) {
		sb_printf(&val, "<error: %s>", o->err);
	} else if (!v->t || !o->size || !any) {
		out->optimized_out = true;
		sb_puts(&val, "<optimized out>");
	} else {
		struct pr p = { c, &val, 0, 0 };
		print_value(&p, v->t, o, 0, o->size);
		const struct dwarf_type *s = dwarf_type_strip(di, v->t);
		if ((s->kind == DWT_BASE || s->kind == DWT_ENUM || s->kind == DWT_POINTER) &&
		    o->size <= 8 && all_ok(o, 0, o->size) &&
		    !(s->kind == DWT_BASE && (s->encoding == DW_ATE_float ||
					       s->encoding == DW_ATE_complex_float))) {
			out->have_raw = true;
			out->raw = load(c, o->b, o->size);
			if (s->is_signed) {
				out->raw = (uint64_t)sext(out->raw, o->size);
				out->raw_signed = true;
			}
		}
	}
	out->value = take(c, &val);
}

/* gdb's x@entry (read_variable_at_entry): where the argument's location
 * at the function's entry is a register, the value DW_OP_entry_value of it
 * gives. */
static void entry_of(struct ctx *c, const struct unwind_regs *regs, const struct dwarf_var *v,
		     struct cor_variable *out)
{
	const uint8_t *e;
	size_t len;
	bool found;
	uint64_t regno;
	uint8_t expr[24];
	struct cor_variable ev;
	struct val val;
	if (!v->has_loc_attr)
		return;
	cor_error *err = dwarf_loc_expr(v->cu, &v->loc_attr, c->entry_rel, &e, &len, &found);
	if (err) {
		cor_error_free(err);
		return;
	}
	/* DW_OP_regN or regx, as gdb's dwarf_block_to_dwarf_reg */
	if (!found || !len || len > sizeof(expr) - 3 || e[0] == 0xa5 || e[0] == 0xf5 ||
	    !entry_reg(e, len, &regno))
		return;
	expr[0] = 0xa3;             /* DW_OP_entry_value */
	expr[1] = (uint8_t)len;
	memcpy(expr + 2, e, len);
	expr[len + 2] = 0x9f;       /* DW_OP_stack_value */
	struct dwarf_var at = *v;
	at.has_loc = true;
	at.has_const = false;
	at.expr = expr;
	at.len = len + 3;
	if (!var_locate(c, regs, &at, &val))
		return;
	memset(&ev, 0, sizeof(ev));
	val_describe(c, &val, &ev);
	obj_free(&val.o);
	if (!ev.optimized_out)
		out->entry_value = ev.value;
}

static void variable(struct ctx *c, const struct unwind_regs *regs, const struct dwarf_var *v,
		     struct cor_variable *out)
{
	struct val val;
	memset(out, 0, sizeof(*out));
	out->name = v->name;
	out->is_arg = v->is_param;
	if (!var_locate(c, regs, v, &val)) {
		out->value = "<out of memory>";
		return;
	}
	val_describe(c, &val, out);
	obj_free(&val.o);
	if (v->is_param && c->have_entry)
		entry_of(c, regs, v, out);
}

/* ---- the frames ------------------------------------------------------------- */

/* The variables of the frame at lookup pc whose registers are regs (a
 * tail-call frame has none: no_regs), scope level `level'. */
/* The entry of the frame's function where the frame is not an inline
 * instance's (gdb's entry values are of a call). */
static void frame_entry(struct ctx *c, size_t level)
{
	struct dwarf_scope sc[64];
	size_t ns = 0;
	cor_error_free(dwarf_info_scopes(c->di, c->rel, sc, 64, &ns));
	c->have_entry = ns && level >= ns - 1 && !sc[ns - 1].is_inline;  /* SIZE_MAX: the subprogram */
	c->entry_rel = ns ? sc[ns - 1].low_pc : 0;
}

static cor_error *frame_vars(struct ctx *c, struct fv_frame *ff, size_t level, uint64_t lookup,
			     const struct unwind_regs *regs)
{
	struct dwarf_frame_vars fv;
	c->m = module_at(c->p->modules, lookup);
	c->di = c->m ? module_dwarf_full(c->p->modules, c->m) : NULL;
	if (!c->di)
		return NULL;
	c->rel = lookup - c->m->pub.load_bias;
	cor_error *err = dwarf_frame_vars(c->di, c->rel, level, &fv);
	if (err)
		return err;
	c->fv = &fv;
	frame_entry(c, level);
	ff->v = fv.n ? arena_alloc(c->arena, fv.n * sizeof(*ff->v)) : NULL;
	if (fv.n && !ff->v) {
		free(fv.v);
		return &cor_enomem;
	}
	size_t bytes = 0;
	for (size_t i = 0; i < fv.n; i++) {
		if (bytes > c->o.max_frame_bytes) {
			ff->truncated = true;
			break;
		}
		variable(c, regs, &fv.v[i], &ff->v[ff->n]);
		bytes += strlen(ff->v[ff->n].value) + strlen(ff->v[ff->n].name) + 4;
		ff->n++;
	}
	ff->truncated |= fv.truncated;
	free(fv.v);
	c->fv = NULL;
	return NULL;
}

/* The thread's physical frames with their registers. */
static cor_error *collect(const struct values_parts *p, const struct cor_thread *t,
			  struct collect *col)
{
	memset(col, 0, sizeof(*col));
	col->cb.frame = on_frame;
	col->cb.regs = on_regs;
	cor_error *err = unwind_thread(p->unwinder, t, &col->cb);
	free(col->cb.stop);
	if (err || col->oom) {
		free(col->v);
		col->v = NULL;
		return err ? err : &cor_enomem;
	}
	return NULL;
}

static void ctx_start(struct ctx *c, const struct values_parts *p, const struct collect *col,
		      const struct cor_print_options *opts, struct arena *arena)
{
	memset(c, 0, sizeof(*c));
	c->p = p;
	c->phys = col->v;
	c->nphys = col->n;
	c->arena = arena;
	c->o.max_elements = opts && opts->max_elements ? opts->max_elements : 200;
	c->o.max_depth = opts && opts->max_depth ? opts->max_depth : 20;
	if (c->o.max_depth > MAX_NEST)
		c->o.max_depth = MAX_NEST;
	c->o.max_frame_bytes = opts && opts->max_frame_bytes ? opts->max_frame_bytes : 65536;
}

/* Frame i of bt: its physical frame *pi (counted from *pi for frame i0),
 * its scope level (SIZE_MAX: the subprogram) and whether tail calls are
 * above it, in c; false for a tail-call frame (no registers). Frames of
 * bt: inline frames, then their physical frame. */
static bool frame_at(struct ctx *c, const cor_backtrace *bt, size_t i, size_t pi, size_t *level,
		     uint64_t *lookup, const struct unwind_regs **regs)
{
	size_t nf = cor_backtrace_frame_count(bt);
	const struct cor_frame *f = cor_backtrace_frame(bt, i);
	c->bt = bt;
	if (f->how == COR_FRAME_TAILCALL) {
		/* its function at the tail call, no registers: what entry
		 * values give */
		c->pi = pi;
		c->above = i + 1;
		c->no_regs = true;
		*level = SIZE_MAX;
		*lookup = f->pc - 1;
		*regs = &no_regs;
		return true;
	}
	if (pi >= c->nphys || !c->phys[pi].have_regs)
		return false;
	size_t g = i, lv = 0;
	while (g < nf && cor_backtrace_frame(bt, g)->is_inline)
		g++;
	while (lv < i && cor_backtrace_frame(bt, i - lv - 1)->is_inline)
		lv++;
	c->pi = pi;
	c->above = g + 1;
	c->no_regs = false;
	*level = f->is_inline ? lv : SIZE_MAX;
	*lookup = c->phys[pi].lookup_pc;
	*regs = &c->phys[pi].regs;
	return true;
}

/* The physical frame of frame `frame' of bt. */
static size_t phys_of(const cor_backtrace *bt, size_t frame)
{
	size_t pi = 0;
	for (size_t i = 0; i < frame; i++) {
		const struct cor_frame *f = cor_backtrace_frame(bt, i);
		if (f->how != COR_FRAME_TAILCALL && !f->is_inline)
			pi++;
	}
	return pi;
}

cor_error *values_build(const struct values_parts *p, const struct cor_thread *t,
			const cor_backtrace *bt, const struct cor_print_options *opts,
			cor_frame_vars **out)
{
	struct collect col;
	struct cor_frame_vars *fv;
	cor_error *err;
	size_t nf = cor_backtrace_frame_count(bt);
	*out = NULL;
	if (!(fv = cor_calloc(1, sizeof(*fv))) ||
	    (nf && !(fv->f = cor_calloc(nf, sizeof(*fv->f))))) {
		free(fv);
		return &cor_enomem;
	}
	fv->n = nf;
	if ((err = collect(p, t, &col))) {
		cor_frame_vars_free(fv);
		return err;
	}
	struct ctx c;
	ctx_start(&c, p, &col, opts, &fv->arena);
	c.t = t;
	size_t pi = 0, level;
	for (size_t i = 0; i < nf && !err; i++) {
		const struct cor_frame *f = cor_backtrace_frame(bt, i);
		const struct unwind_regs *regs;
		uint64_t lookup;
		if (frame_at(&c, bt, i, pi, &level, &lookup, &regs))
			err = frame_vars(&c, &fv->f[i], level, lookup, regs);
		if (!f->is_inline && f->how != COR_FRAME_TAILCALL)
			pi++;
	}
	free(col.v);
	if (err) {
		cor_frame_vars_free(fv);
		return err;
	}
	*out = fv;
	return NULL;
}

/* ---- print: one expression ---------------------------------------------- */

struct printed {
	struct cor_variable v;   /* first: what cor_variable_free is given */
	struct arena arena;
};

struct lexer {
	const char *s;
	char *err;               /* malloc'd: why the expression is refused */
};

static void skip_space(struct lexer *l)
{
	while (*l->s == ' ' || *l->s == '\t')
		l->s++;
}

static bool ident(struct lexer *l, char *buf, size_t n)
{
	size_t k = 0;
	skip_space(l);
	if (!(*l->s == '_' || (*l->s >= 'a' && *l->s <= 'z') || (*l->s >= 'A' && *l->s <= 'Z')))
		return false;
	while (*l->s == '_' || (*l->s >= 'a' && *l->s <= 'z') || (*l->s >= 'A' && *l->s <= 'Z') ||
	       (*l->s >= '0' && *l->s <= '9')) {
		if (k + 1 < n)
			buf[k++] = *l->s;
		l->s++;
	}
	buf[k] = 0;
	return true;
}

static bool refuse(struct lexer *l, const char *fmt, const char *arg)
{
	if (!l->err)
		l->err = cor_asprintf(fmt, arg);
	return false;
}

/* A copy of n bytes at off of v (its known bytes, its address). */
static bool val_part(const struct val *v, size_t off, size_t n, const struct dwarf_type *t,
		     struct val *out)
{
	if (!obj_alloc(&out->o, n))
		return false;
	out->t = t;
	out->where = NULL;
	if (off <= v->o.size && n <= v->o.size - off) {
		memcpy(out->o.b, v->o.b + off, n);
		memcpy(out->o.ok, v->o.ok + off, n);
	}
	out->o.in_mem = v->o.in_mem;
	out->o.addr = v->o.addr + off;
	return true;
}

/* n bytes of memory at addr as an object of type t. */
static bool val_mem(struct ctx *c, uint64_t addr, size_t n, const struct dwarf_type *t,
		    struct val *out, struct lexer *l)
{
	size_t done = 0;
	if (!obj_alloc(&out->o, n))
		return false;
	out->t = t;
	out->where = NULL;
	out->o.in_mem = true;
	out->o.addr = addr;
	cor_error *err = memory_read(c->p->mem, addr, out->o.b, n, &done);
	if (err) {
		char *a = cor_asprintf("0x%" PRIx64, addr + done);
		cor_error_free(err);
		obj_free(&out->o);
		refuse(l, "Cannot access memory at address %s", a ? a : "?");
		free(a);
		return false;
	}
	memset(out->o.ok, 1, n);
	return true;
}

static bool scalar_of(struct ctx *c, const struct val *v, uint64_t *out)
{
	if (!v->o.size || v->o.size > 8 || !all_ok(&v->o, 0, v->o.size))
		return false;
	*out = load(c, v->o.b, v->o.size);
	return true;
}

/* *v, v[idx]: element idx of the array v or of what pointer v points at. */
static bool val_index(struct ctx *c, struct val *v, uint64_t idx, struct lexer *l)
{
	struct dwarf_info *di = c->di;
	const struct dwarf_type *s = dwarf_type_strip(di, v->t);
	const struct dwarf_type *et = dwarf_type_target(di, s);
	uint64_t esize = type_size(c, et), ptr;
	struct val r;
	if (s->kind == DWT_ARRAY) {
		if (s->ndims > 1)
			return refuse(l, "%s", "indexing a multi-dimensional array is not supported");
		if (!esize || idx > MAX_OBJECT / esize)
			return refuse(l, "%s", "element size unknown");
		if (idx * esize + esize <= v->o.size) {
			if (!val_part(v, (size_t)(idx * esize), (size_t)esize, et, &r))
				return false;
		} else if (!v->o.in_mem || !val_mem(c, v->o.addr + idx * esize, (size_t)esize, et, &r, l)) {
			return refuse(l, "%s", "no such element");
		}
	} else if (s->kind == DWT_POINTER || s->kind == DWT_REFERENCE) {
		if (!esize)
			return refuse(l, "%s", "Attempt to take contents of a non-pointer value.");
		if (!scalar_of(c, v, &ptr))
			return refuse(l, "%s", "value has been optimized out");
		if (!val_mem(c, ptr + idx * esize, (size_t)esize, et, &r, l))
			return false;
	} else {
		return refuse(l, "%s", "Attempt to take contents of a non-pointer value.");
	}
	obj_free(&v->o);
	*v = r;
	return true;
}

static bool val_member(struct ctx *c, struct val *v, const char *name, struct lexer *l)
{
	struct dwarf_info *di = c->di;
	const struct dwarf_type *s = dwarf_type_strip(di, v->t);
	uint64_t off = 0;
	struct val r;
	if (s->kind != DWT_STRUCT && s->kind != DWT_UNION && s->kind != DWT_CLASS)
		return refuse(l, "%s", "Attempt to extract a component of a value that is not a structure.");
	const struct dwarf_member *m = dwarf_type_member(di, s, name, &off);
	if (!m)
		return refuse(l, "There is no member named %s.", name);
	const struct dwarf_type *mt = dwarf_member_type(di, m);
	if (m->bit_size) {
		/* the containing bytes, printed through a one-member view */
		uint64_t v64;
		size_t bytes = (size_t)((m->bit_offset % 8 + m->bit_size + 7) / 8);
		size_t at = (size_t)(off - m->offset + m->bit_offset / 8);
		if (!all_ok(&v->o, at, bytes) ||
		    !dwarf_bitfield(m, s->big_endian, v->o.b + (size_t)(off - m->offset),
				    v->o.size - (size_t)(off - m->offset), &v64))
			return refuse(l, "%s", "value has been optimized out");
		const struct dwarf_type *ms = dwarf_type_strip(di, mt);
		if (ms->is_signed && m->bit_size < 64 && (v64 >> (m->bit_size - 1)) & 1)
			v64 |= ~(uint64_t)0 << m->bit_size;
		size_t vs = (size_t)type_size(c, mt);
		if (!vs || vs > 8 || !obj_alloc(&r.o, vs))
			return refuse(l, "%s", "bit field of an unknown size");
		store(r.o.b, v64, (unsigned)vs, c->p->arch->be);
		memset(r.o.ok, 1, vs);
		r.t = mt;
		r.where = NULL;
	} else if (!val_part(v, (size_t)off, (size_t)type_size(c, mt), mt, &r)) {
		return false;
	}
	obj_free(&v->o);
	*v = r;
	return true;
}

/* unary := '*' unary | postfix; postfix := NAME ('.' NAME | '->' NAME | '[' N ']')* */
static bool lookup_name(struct ctx *c, const char *name, struct val *v, struct lexer *l);

static bool parse_unary(struct ctx *c, struct lexer *l, struct val *v)
{
	char name[256];
	skip_space(l);
	if (*l->s == '*') {
		l->s++;
		return parse_unary(c, l, v) && val_index(c, v, 0, l);
	}
	if (!ident(l, name, sizeof(name)))
		return refuse(l, "a name is expected at '%s'", l->s);
	if (!lookup_name(c, name, v, l))
		return false;
	for (;;) {
		skip_space(l);
		if (*l->s == '.' || (l->s[0] == '-' && l->s[1] == '>')) {
			bool arrow = *l->s == '-';
			l->s += arrow ? 2 : 1;
			if (arrow && !val_index(c, v, 0, l))
				return false;
			if (!ident(l, name, sizeof(name)))
				return refuse(l, "a member name is expected at '%s'", l->s);
			if (!val_member(c, v, name, l))
				return false;
		} else if (*l->s == '[') {
			char *end;
			l->s++;
			skip_space(l);
			unsigned long long idx = strtoull(l->s, &end, 0);
			if (end == l->s || *l->s == '-')
				return refuse(l, "an index is expected at '%s'", l->s);
			l->s = end;
			skip_space(l);
			if (*l->s != ']')
				return refuse(l, "']' is expected at '%s'", l->s);
			l->s++;
			if (!val_index(c, v, idx, l))
				return false;
		} else {
			return true;
		}
	}
}

/* name: a variable of the frame (innermost block first), else a global
 * of the frame's module, then of every module. */
static bool lookup_name(struct ctx *c, const char *name, struct val *v, struct lexer *l)
{
	static const struct unwind_regs none;
	for (size_t i = 0; c->fv && i < c->fv->n; i++) {
		const struct dwarf_var *dv = &c->fv->v[i];
		if (!strcmp(dv->name, name)) {
			if (!var_locate(c, c->regs, dv, v))
				return refuse(l, "%s", "out of memory");
			return true;
		}
	}
	const struct modules *ms = c->p->modules;
	for (size_t k = 0; k <= ms->n; k++) {
		struct module *m = k ? &ms->v[k - 1] : c->m;
		struct dwarf_info *di = m ? module_dwarf_full(ms, m) : NULL;
		struct dwarf_var g;
		bool found = false;
		if (!di || (k && m == c->m))
			continue;
		cor_error *err = dwarf_global_var(di, name, &g, &found);
		cor_error_free(err);
		if (!found)
			continue;
		c->m = m;
		c->di = di;
		if (!var_locate(c, c->regs ? c->regs : &none, &g, v))
			return refuse(l, "%s", "out of memory");
		return true;
	}
	return refuse(l, "No symbol \"%s\" in current context.", name);
}

cor_error *values_print(const struct values_parts *p, const struct cor_thread *t,
			const cor_backtrace *bt, size_t frame, const char *expr,
			const struct cor_print_options *opts, struct cor_variable **out)
{
	struct collect col;
	struct printed *res;
	cor_error *err;
	*out = NULL;
	if (frame >= cor_backtrace_frame_count(bt))
		return cor_error_new(COR_ERR_NOT_FOUND, "no frame %zu (the thread has %zu)", frame,
				     cor_backtrace_frame_count(bt));
	if (!(res = cor_calloc(1, sizeof(*res))))
		return &cor_enomem;
	if ((err = collect(p, t, &col))) {
		free(res);
		return err;
	}
	struct ctx c;
	struct dwarf_frame_vars fv = { 0 };
	size_t level;
	ctx_start(&c, p, &col, opts, &res->arena);
	c.t = t;
	const struct unwind_regs *fregs;
	uint64_t lookup;
	if (frame_at(&c, bt, frame, phys_of(bt, frame), &level, &lookup, &fregs)) {
		c.m = module_at(p->modules, lookup);
		c.di = c.m ? module_dwarf_full(p->modules, c.m) : NULL;
		c.regs = fregs;
		if (c.di) {
			c.rel = lookup - c.m->pub.load_bias;
			err = dwarf_frame_vars(c.di, c.rel, level, &fv);
			if (err == &cor_enomem) {
				free(col.v);
				free(res);
				return err;
			}
			cor_error_free(err);
			err = NULL;
			c.fv = &fv;
		}
	}
	struct lexer l = { expr, NULL };
	struct val v = { 0 };
	bool ok = parse_unary(&c, &l, &v);
	if (ok) {
		skip_space(&l);
		if (*l.s)
			ok = refuse(&l, "unexpected '%s'", l.s);
	}
	if (ok) {
		res->v.name = arena_strdup(&res->arena, expr);
		val_describe(&c, &v, &res->v);
		*out = &res->v;
	} else {
		err = cor_error_new(COR_ERR_NOT_FOUND, "%s", l.err ? l.err : "cannot evaluate");
		arena_free(&res->arena);
		free(res);
	}
	obj_free(&v.o);
	free(l.err);
	free(fv.v);
	free(col.v);
	return err;
}

void cor_variable_free(struct cor_variable *v)
{
	struct printed *p = (struct printed *)v;
	if (!p)
		return;
	arena_free(&p->arena);
	free(p);
}

size_t cor_frame_vars_count(const cor_frame_vars *fv, size_t frame)
{
	return fv && frame < fv->n ? fv->f[frame].n : 0;
}

const struct cor_variable *cor_frame_vars_get(const cor_frame_vars *fv, size_t frame, size_t i)
{
	return fv && frame < fv->n && i < fv->f[frame].n ? &fv->f[frame].v[i] : NULL;
}

bool cor_frame_vars_truncated(const cor_frame_vars *fv, size_t frame)
{
	return fv && frame < fv->n && fv->f[frame].truncated;
}

void cor_frame_vars_free(cor_frame_vars *fv)
{
	if (!fv)
		return;
	arena_free(&fv->arena);
	free(fv->f);
	free(fv);
}
