/* Unwinding one thread: DWARF CFI (.eh_frame, then .debug_frame, then the
 * ARM EHABI table), signal trampolines (registers restored from the saved
 * context), then the architecture's prologue and fallback steps. An
 * innermost pc in no code (a call through NULL) is first stepped over by
 * the return address the call left. A call the runtime faked (Go's
 * sigpanic) returns to a pc that is looked up exactly, as after a signal
 * frame. Bounded by the frame limit and stopped when (pc, cfa) makes no
 * progress. */
#include <stdlib.h>
#include <string.h>
#include "unwind.h"
#include "dwarf/expr.h"

/* CFI rows of recently seen pcs: threads parked at the same places share
 * them. Direct-mapped by pc. */
#define ROW_CACHE 64

struct row_cache {
	const struct cfi_table *table[ROW_CACHE];
	uint64_t pc[ROW_CACHE];
	struct cfi_row row[ROW_CACHE];
};

void unwinder_init(struct unwinder *u, const struct arch_info *arch, const struct arch_mem *mem,
		   const struct unwind_code *code, const struct limits *limits)
{
	memset(u, 0, sizeof(*u));
	u->arch = arch;
	u->mem = *mem;
	u->code = *code;
	u->limits = limits;
}

void unwinder_free(struct unwinder *u)
{
	free(u->rows);
	u->rows = NULL;
}

/* One unwind in progress. */
struct uw {
	struct unwinder *u;
	const struct arch_info *a;
	struct frame_regs r;
	/* the caller's sp and CFA by a row whose return address is
	 * undefined (Go's runtime.sigtramp: the signal frame is at that sp) */
	uint64_t end_sp, end_cfa;
	bool end_ok;
	/* for cb->regs: which registers of r hold the frame's own values,
	 * and what the last CFI step restored explicitly */
	bool known[DWARF_MAX_REGS], restored[DWARF_MAX_REGS];
	bool want_regs;
};

static bool reg_cb(void *arg, unsigned regno, uint64_t *val)
{
	struct uw *w = arg;
	if (regno >= DWARF_MAX_REGS || !w->r.ok[regno])
		return false;
	*val = w->r.v[regno];
	return true;
}

static cor_error *mem_cb(void *arg, uint64_t addr, void *buf, size_t n)
{
	struct uw *w = arg;
	return w->u->mem.read(w->u->mem.arg, addr, buf, n);
}

static void init_regs(struct uw *w, const struct cor_thread *t)
{
	const struct arch_info *a = w->a;
	for (size_t i = 0; i < a->ngregs; i++) {
		const struct cor_register *r;
		if (a->gregs[i].dwarf < 0)
			continue;
		/* the general registers come first, in table order */
		if (i < t->register_count && t->registers[i].name == a->gregs[i].name)
			r = &t->registers[i];
		else
			r = cor_thread_register(t, a->gregs[i].name);
		if (r)
			frame_regs_set(&w->r, a->gregs[i].dwarf, r->value);
	}
	w->r.pc = arch_strip_pc(a, t->pc);
}

/* ---- CFI ---- */

static cor_error *eval(struct uw *w, const uint8_t *e, size_t n, bool push, uint64_t init,
		       uint64_t *out, bool *is_value)
{
	struct expr_ctx ctx = {
		.be = w->u->mem.be, .addr_size = (uint8_t)w->u->mem.word,
		.limits = w->u->limits, .read_reg = reg_cb, .read_mem = mem_cb, .arg = w,
	};
	return dwarf_expr_eval(&ctx, e, n, push, init, out, is_value);
}

static bool rd(struct uw *w, uint64_t addr, uint64_t *val, cor_error **errp)
{
	uint8_t b[8];
	cor_error *err = w->u->mem.read(w->u->mem.arg, addr, b, w->u->mem.word);
	if (err) {
		if (errp)
			*errp = err;
		else
			cor_error_free(err);
		return false;
	}
	*val = cor_load(b, w->u->mem.word, w->u->mem.be);
	return true;
}

static cor_error *apply_row(struct uw *w, const struct cfi_row *row)
{
	const struct frame_regs *cur = &w->r;
	uint64_t cfa;
	cor_error *err = NULL;
	if (row->cfa_kind == CFA_REG_OFFSET) {
		if (row->cfa_reg >= DWARF_MAX_REGS || !cur->ok[row->cfa_reg])
			return cor_error_new(COR_ERR_NOT_FOUND, "CFA register %u unknown", row->cfa_reg);
		cfa = (cur->v[row->cfa_reg] + (uint64_t)row->cfa_off) & cur->mask;
	} else {
		bool isv;
		if ((err = eval(w, row->cfa_expr, row->cfa_expr_len, false, 0, &cfa, &isv)))
			return err;
	}
	struct frame_regs nr = *cur;
	nr.cfa = cfa;
	memset(w->restored, 0, sizeof(w->restored));
	for (unsigned r = 0; r < DWARF_MAX_REGS; r++) {
		const struct cfi_rule *rule = &row->regs[r];
		uint64_t val, addr;
		bool isv = false;
		w->restored[r] = rule->kind != CFI_SAME && rule->kind != CFI_UNDEFINED;
		switch (rule->kind) {
		case CFI_SAME:
			continue;
		case CFI_UNDEFINED:
			nr.ok[r] = false;
			continue;
		case CFI_OFFSET:
			addr = cfa + (uint64_t)rule->off;
			break;
		case CFI_VAL_OFFSET:
			frame_regs_set(&nr, (int)r, cfa + (uint64_t)rule->off);
			continue;
		case CFI_REGISTER:
			if (rule->reg < DWARF_MAX_REGS && cur->ok[rule->reg])
				frame_regs_set(&nr, (int)r, cur->v[rule->reg]);
			else
				nr.ok[r] = false;
			continue;
		case CFI_EXPRESSION:
		case CFI_VAL_EXPRESSION:
			err = eval(w, rule->expr, rule->expr_len, true, cfa, &val, &isv);
			if (err) {
				if (r == row->ra_reg)
					return err;
				cor_error_free(err);
				err = NULL;
				nr.ok[r] = false;
				continue;
			}
			if (rule->kind == CFI_VAL_EXPRESSION || isv) {
				frame_regs_set(&nr, (int)r, val);
				continue;
			}
			addr = val;
			break;
		default:
			continue;
		}
		if (rd(w, addr & cur->mask, &val, r == row->ra_reg ? &err : NULL))
			frame_regs_set(&nr, (int)r, val);
		else if (r == row->ra_reg)
			return err;
		else
			nr.ok[r] = false;
	}
	/* the caller's stack pointer is the CFA unless a rule said otherwise */
	int sp = w->a->dwarf_sp;
	if (row->regs[sp].kind == CFI_SAME)
		frame_regs_set(&nr, sp, cfa + (uint64_t)(int64_t)w->a->sp_from_cfa);
	if (row->ra_reg >= DWARF_MAX_REGS || !nr.ok[row->ra_reg]) {
		w->end_sp = nr.v[sp];
		w->end_cfa = cfa;
		w->end_ok = nr.ok[sp];
		return cor_error_new(COR_ERR_NOT_FOUND, "end of stack (return address undefined)");
	}
	nr.pc = arch_strip_pc(w->a, nr.v[row->ra_reg]);
	if (w->a->dwarf_pc >= 0)
		frame_regs_set(&nr, w->a->dwarf_pc, nr.pc);
	w->r = nr;
	return NULL;
}

/* The row of table t for link-time pc: from the cache or looked up (and
 * then cached). Errors as cfi_find_row. */
static cor_error *find_row(struct unwinder *u, struct cfi_table *t, uint64_t pc,
			   const struct cfi_row **out)
{
	struct row_cache *rc = u->rows;
	if (!rc && !(rc = u->rows = cor_calloc(1, sizeof(*rc))))
		return &cor_enomem;
	unsigned k = (unsigned)((pc ^ (pc >> 7) ^ (pc >> 13)) % ROW_CACHE);
	if (rc->table[k] != t || rc->pc[k] != pc) {
		rc->table[k] = NULL;
		cor_error *err = cfi_find_row(t, pc, &rc->row[k]);
		if (err)
			return err;
		rc->table[k] = t;
		rc->pc[k] = pc;
	}
	*out = &rc->row[k];
	return NULL;
}

static cor_error *cfi_step(struct uw *w, uint64_t lookup, bool *found)
{
	const struct unwind_code *code = &w->u->code;
	*found = false;
	for (int pass = 0; pass < 2; pass++) {
		uint64_t bias = 0;
		struct cfi_table *t = code->cfi(code->arg, lookup, pass == 0, &bias);
		const struct cfi_row *row;
		if (!t)
			continue;
		cor_error *err = find_row(w->u, t, lookup - bias, &row);
		if (err && cor_error_code(err) == COR_ERR_NOT_FOUND) {
			cor_error_free(err);
			continue;
		}
		if (err)
			return err;
		*found = true;
		return apply_row(w, row);
	}
	return NULL;
}

/* ARM: where no CFI covers lookup, the row of the EHABI table
 * (.ARM.exidx). *found as cfi_step's; *why (malloc'd) says why the table
 * gives no row for a pc it covers: EXIDX_CANTUNWIND, opcodes that refuse
 * to unwind or that cannot be followed. Then the heuristic steps are
 * tried, as without unwind information. */
static cor_error *exidx_step(struct uw *w, uint64_t lookup, bool *found, char **why)
{
	const struct unwind_code *code = &w->u->code;
	uint64_t bias = 0;
	struct exidx_table *t = code->exidx ? code->exidx(code->arg, lookup, &bias) : NULL;
	if (!t)
		return NULL;
	struct cfi_row *row = cor_calloc(1, sizeof(*row));
	if (!row)
		return &cor_enomem;
	enum exidx_result res;
	cor_error *err = exidx_find(t, lookup - bias, row, &res);
	if (err) {
		*why = cor_strdup(cor_error_message(err));
		cor_error_free(err);
		err = NULL;
	} else if (res == EXIDX_CANTUNWIND) {
		*why = cor_strdup("its function is marked EXIDX_CANTUNWIND in .ARM.exidx");
	} else if (res == EXIDX_REFUSE) {
		*why = cor_strdup("its .ARM.exidx unwind opcodes refuse to unwind");
	} else if (res == EXIDX_ROW) {
		*found = true;
		err = apply_row(w, row);
	}
	free(row);
	return err;
}

/* Go's frame sizes: at lookup, sp is delta below the entry sp.
 * x86 (the call pushed the return address): the return address is at
 * that entry sp, the caller's sp just above it and its frame pointer,
 * once the prologue saved it, just below (a frame of two words or more).
 * arm64 (Go's prologue, cmd/internal/obj/arm64: MOVD.W R30, -size(RSP)
 * or STP (R29, R30), -8(new sp), then R29 at -8(new sp); the runtime's
 * traceback reads the return address at 0(sp)): with a frame the
 * return address is at sp and the caller's frame pointer at sp - 8;
 * without one (delta 0) the return address is still in the link register,
 * known in the innermost frame only; the caller's sp is sp + delta. */
static bool sp_delta_step(struct uw *w, uint64_t lookup)
{
	const struct arch_info *a = w->a;
	const struct unwind_code *code = &w->u->code;
	int sp = a->dwarf_sp, fp = a->dwarf_fp, lr = a->call_ra;
	uint64_t delta, ra, bp, word = w->u->mem.word;
	bool lr_machine = lr >= 0;
	if (!code->sp_delta || (lr_machine && a->arch != COR_ARCH_AARCH64) || !w->r.ok[sp] ||
	    !code->sp_delta(code->arg, lookup, &delta))
		return false;
	uint64_t at = (w->r.v[sp] + delta) & w->r.mask, fp_at = (at - word) & w->r.mask;
	if (lr_machine) {
		if (!delta && (lr >= DWARF_MAX_REGS || !w->r.ok[lr]))
			return false;
		if (delta && !rd(w, w->r.v[sp], &ra, NULL))
			return false;
		if (!delta)
			ra = w->r.v[lr];
		fp_at = (w->r.v[sp] - word) & w->r.mask;
	} else if (!rd(w, at, &ra, NULL)) {
		return false;
	}
	ra = arch_strip_pc(a, ra);
	if ((lr_machine ? delta > 0 : delta >= 2 * word) && fp >= 0 && fp < DWARF_MAX_REGS) {
		if (rd(w, fp_at, &bp, NULL))
			frame_regs_set(&w->r, fp, bp);
		else
			w->r.ok[fp] = false;
	}
	w->r.cfa = lr_machine ? at : (at + word) & w->r.mask;
	frame_regs_set(&w->r, sp, w->r.cfa);
	if (lr_machine)
		w->r.ok[lr] = false;  /* the caller's was overwritten by its call */
	w->r.pc = ra;
	if (a->dwarf_pc >= 0)
		frame_regs_set(&w->r, a->dwarf_pc, ra);
	return true;
}

/* Without CFI on a link-register machine (arm64): the sp a function was
 * entered with, from its pcsp frame size, for handler_entry_step (Go's
 * runtime.sigtramp, whose return address is the kernel's trampoline). */
static bool pcsp_entry_sp(struct uw *w, uint64_t lookup)
{
	const struct arch_info *a = w->a;
	const struct unwind_code *code = &w->u->code;
	uint64_t delta;
	if (a->arch != COR_ARCH_AARCH64 || !code->sp_delta || !w->r.ok[a->dwarf_sp] ||
	    !code->sp_delta(code->arg, lookup, &delta))
		return false;
	w->end_sp = w->end_cfa = (w->r.v[a->dwarf_sp] + delta) & w->r.mask;
	w->end_ok = true;
	return true;
}

/* ---- the loop ---- */

/* The registers of the frame about to be stepped from, as known there
 * (struct unwind_regs), copied into out. */
static struct unwind_regs *keep_regs(const struct uw *w, struct unwind_regs *out)
{
	out->r = w->r;
	for (unsigned i = 0; i < DWARF_MAX_REGS; i++)
		out->r.ok[i] = w->r.ok[i] && w->known[i];
	out->cfa = 0;
	out->cfa_known = false;
	return out;
}

/* Which registers the caller just stepped to still holds as its own: after
 * a signal frame all of the saved context, after CFI what it restored and
 * the callee-saved ones kept, after the other steps the stack pointer (and
 * the frame pointer a frame record restored). */
static void next_known(struct uw *w, enum cor_frame_how how)
{
	const struct arch_info *a = w->a;
	if (!w->want_regs)
		return;
	for (unsigned i = 0; i < DWARF_MAX_REGS; i++) {
		bool k;
		if (how == COR_FRAME_SIGNAL)
			k = true;
		else if (how == COR_FRAME_CFI)
			k = w->restored[i] || (w->known[i] && arch_callee_saved(a, i));
		else
			k = (int)i == a->dwarf_sp || (how == COR_FRAME_FP && (int)i == a->dwarf_fp);
		w->known[i] = k && w->r.ok[i];
	}
	if (a->dwarf_sp >= 0 && a->dwarf_sp < DWARF_MAX_REGS)
		w->known[a->dwarf_sp] = w->r.ok[a->dwarf_sp];
	if (a->dwarf_pc >= 0 && a->dwarf_pc < DWARF_MAX_REGS)
		w->known[a->dwarf_pc] = w->r.ok[a->dwarf_pc];
}

/* The innermost pc is in no code (a call through NULL or into data):
 * the return address of the call that got there, if it lands in code
 * just after a call instruction. */
static bool bad_pc_step(struct uw *w)
{
	const struct arch_info *a = w->a;
	const struct unwind_code *code = &w->u->code;
	int sp = a->dwarf_sp;
	uint64_t ra, nsp;
	if (!a->after_call || !w->r.ok[sp])
		return false;
	nsp = w->r.v[sp];
	if (a->call_ra < 0) {
		if (!rd(w, nsp, &ra, NULL))
			return false;
		nsp = (nsp + w->u->mem.word) & w->r.mask;
	} else if (a->call_ra < DWARF_MAX_REGS && w->r.ok[a->call_ra]) {
		ra = w->r.v[a->call_ra];
	} else {
		return false;
	}
	ra = arch_strip_pc(a, ra);
	if (!code->in_code(code->arg, ra) || !a->after_call(a, &w->u->mem, ra))
		return false;
	frame_regs_set(&w->r, sp, nsp);
	/* the caller's link register was the call's to overwrite */
	if (a->call_ra >= 0)
		w->r.ok[a->call_ra] = false;
	w->r.cfa = nsp;
	w->r.pc = ra;
	if (a->dwarf_pc >= 0)
		frame_regs_set(&w->r, a->dwarf_pc, ra);
	return true;
}

/* Without CFI: the architecture's prologue step (from the function's
 * symbol: what its prologue saved), its fallback step, which must land in
 * code; for the innermost frame, its link register: first if it holds a return
 * address (a leaf has not saved it, and the frame pointer chain would skip
 * its caller), else after the fallback step fails. */
static bool heuristic_step(struct uw *w, uint32_t depth, enum cor_frame_how *how)
{
	const struct arch_info *a = w->a;
	const struct unwind_code *code = &w->u->code;
	struct frame_regs saved = w->r;
	uint64_t start;
	bool thumb;
	if (a->prologue_step && code->func_start &&
	    code->func_start(code->arg, depth == 0 ? saved.pc : saved.pc - 1, &start, &thumb)) {
		if (a->prologue_step(a, &w->r, &w->u->mem, start, thumb, depth == 0) &&
		    code->in_code(code->arg, w->r.pc)) {
			*how = COR_FRAME_LR;
			return true;
		}
		w->r = saved;
	}
	if (depth == 0 && a->leaf_ra >= 0 && a->after_call && saved.ok[a->leaf_ra]) {
		uint64_t ra = arch_strip_pc(a, saved.v[a->leaf_ra]);
		if (code->in_code(code->arg, ra) && a->after_call(a, &w->u->mem, ra)) {
			w->r.pc = ra;
			*how = COR_FRAME_LR;
			return true;
		}
	}
	if (a->fallback_step && a->fallback_step(a, &w->r, &w->u->mem, depth == 0) &&
	    code->in_code(code->arg, w->r.pc)) {
		*how = COR_FRAME_FP;
		return true;
	}
	w->r = saved;
	if (depth == 0 && a->leaf_ra >= 0 && saved.ok[a->leaf_ra] &&
	    code->in_code(code->arg, arch_strip_pc(a, saved.v[a->leaf_ra]))) {
		w->r.pc = arch_strip_pc(a, saved.v[a->leaf_ra]);
		*how = COR_FRAME_LR;
		return true;
	}
	return false;
}

/* A function entered by the kernel as a signal handler whose CFI marks the
 * return address undefined (Go's runtime.sigtramp on arm64, s390x): the
 * signal frame is at the sp it was entered with (its row's caller sp);
 * the interrupted registers are restored from it. */
static bool handler_entry_step(struct uw *w, uint64_t lookup)
{
	const struct arch_info *a = w->a;
	const struct unwind_code *code = &w->u->code;
	if (!w->end_ok || !a->signal_entry_step || !code->handler_entry ||
	    !code->handler_entry(code->arg, lookup))
		return false;
	struct frame_regs r = w->r;
	frame_regs_set(&r, a->dwarf_sp, w->end_sp);
	if (!a->signal_entry_step(a, &r, &w->u->mem))
		return false;
	r.pc = arch_strip_pc(a, r.pc);
	r.cfa = w->end_cfa;
	w->r = r;
	return true;
}

/* After the CFI (or pcsp) step out of a faked call (Go's runtime.sigpanic): where
 * the runtime pushed the faulting frame's link register below its sp
 * (arm64, s390x), that sp and link register are restored: the word at
 * the sp the step gave, and past the bytes pushed. */
static void fake_call_pushed(struct uw *w)
{
	const struct arch_info *a = w->a;
	int sp = a->dwarf_sp;
	uint64_t lr;
	if (!a->fake_call_push || a->call_ra < 0 || a->call_ra >= DWARF_MAX_REGS || !w->r.ok[sp])
		return;
	if (rd(w, w->r.v[sp], &lr, NULL))
		frame_regs_set(&w->r, a->call_ra, lr);
	else
		w->r.ok[a->call_ra] = false;
	frame_regs_set(&w->r, sp, w->r.v[sp] + a->fake_call_push);
}

cor_error *unwind_thread(struct unwinder *u, const struct cor_thread *t, struct unwind_cb *cb)
{
	return unwind_saved(u, t, false, cb);
}

cor_error *unwind_saved(struct unwinder *u, const struct cor_thread *t, bool called,
			struct unwind_cb *cb)
{
	if (!u->arch)
		return cor_error_new(COR_ERR_UNSUPPORTED, "cannot unwind: machine not supported");
	struct uw *w = cor_calloc(1, sizeof(*w));
	if (!w)
		return &cor_enomem;
	w->u = u;
	w->a = u->arch;
	w->r.mask = u->mem.word == 8 ? UINT64_MAX : 0xffffffffull;
	init_regs(w, t);
	const struct arch_info *a = w->a;
	int sp = a->dwarf_sp;
	w->r.cfa = w->r.ok[sp] ? w->r.v[sp] : 0;
	memcpy(w->known, w->r.ok, sizeof(w->known));
	struct unwind_regs *regs = cb->regs ? cor_calloc(1, sizeof(*regs)) : NULL;
	w->want_regs = regs != NULL;
	if (cb->regs && !regs) {
		free(w);
		return &cor_enomem;
	}
	enum cor_frame_how how = COR_FRAME_CONTEXT;
	bool exact = !called; /* look up pc itself, not pc - 1 */
	char *stop = NULL;
	for (uint32_t depth = 0;; depth++) {
		if (depth >= u->limits->max_frames) {
			stop = cor_asprintf("frame limit %u reached", u->limits->max_frames);
			break;
		}
		uint64_t lookup = exact ? w->r.pc : w->r.pc - 1;
		struct unwind_frame fr = {
			.pc = w->r.pc, .lookup_pc = lookup, .how = how,
			.sp = w->r.ok[sp] ? w->r.v[sp] : 0, .cfa = w->r.cfa,
		};
		uint64_t old_pc = w->r.pc, old_cfa = w->r.cfa, old_sp = fr.sp;
		struct unwind_regs *ur = cb->regs ? keep_regs(w, regs) : NULL;
		int sig = a->signal_step ? a->signal_step(a, &w->r, &u->mem) : 0;
		fr.signal_frame = sig != 0;
		if (sig)
			fr.lookup_pc = old_pc; /* the trampoline's own symbol */
		if (!cb->frame(cb, &fr)) {
			stop = cor_strdup("out of memory");
			break;
		}
		if (sig < 0) {
			stop = cor_asprintf("cannot read the signal context at 0x%" PRIx64, old_sp);
			break;
		}
		if (ur && sig)
			cb->regs(cb, ur);
		if (sig > 0) {
			next_known(w, COR_FRAME_SIGNAL);
			how = COR_FRAME_SIGNAL;
			exact = true;
			w->r.pc = arch_strip_pc(a, w->r.pc);
			w->r.cfa = old_sp;
		} else if (depth == 0 && !u->code.in_code(u->code.arg, old_pc) && bad_pc_step(w)) {
			if (ur)
				cb->regs(cb, ur);
			next_known(w, COR_FRAME_BAD_CALL);
			how = COR_FRAME_BAD_CALL;
			exact = false;
		} else {
			bool found = false;
			char *why = NULL;
			w->end_ok = false;
			cor_error *err = cfi_step(w, lookup, &found);
			if (!err && !found)
				err = exidx_step(w, lookup, &found, &why);
			if ((err || (!found && pcsp_entry_sp(w, lookup))) && handler_entry_step(w, lookup)) {
				cor_error_free(err);
				if (ur)
					cb->regs(cb, ur);
				next_known(w, COR_FRAME_SIGNAL);
				how = COR_FRAME_SIGNAL;
				exact = true;
				err = NULL;
				goto stepped;
			}
			if (err) {
				free(why);
				if (ur)
					cb->regs(cb, ur);
				stop = cor_strdup(cor_error_message(err));
				cor_error_free(err);
				break;
			}
			if (found) {
				how = COR_FRAME_CFI;
				if (ur) {
					ur->cfa = w->r.cfa;
					ur->cfa_known = true;
				}
			} else if (sp_delta_step(w, lookup)) {
				how = COR_FRAME_PCSP;
			} else if (!heuristic_step(w, depth, &how)) {
				if (ur)
					cb->regs(cb, ur);
				const char *obj = u->code.object(u->code.arg, lookup);
				stop = why ? cor_asprintf("cannot unwind 0x%" PRIx64 " in %s: %s, and there is no frame pointer chain",
							  old_pc, obj ? obj : "?", why)
				     : obj ? cor_asprintf("no unwind information for 0x%" PRIx64 " in %s and no frame pointer chain",
							  old_pc, obj)
					   : cor_asprintf("pc 0x%" PRIx64 " is in no known module and there is no frame pointer chain", old_pc);
				free(why);
				break;
			}
			free(why);
			if (ur)
				cb->regs(cb, ur);
			ur = NULL;
			next_known(w, how);
			/* the caller of a faked call was interrupted at its pc:
			 * its row and its name are those of pc itself */
			exact = u->code.fakes_call && u->code.fakes_call(u->code.arg, lookup);
			if (exact && (how == COR_FRAME_CFI || how == COR_FRAME_PCSP))
				fake_call_pushed(w);
		}
stepped:
		if (w->r.pc == 0) {
			stop = cor_strdup("end of stack (return address 0)");
			break;
		}
		if (w->r.pc == old_pc && w->r.cfa == old_cfa) {
			stop = cor_asprintf("no progress (pc 0x%" PRIx64 " and cfa 0x%" PRIx64 " repeat)", old_pc, old_cfa);
			break;
		}
	}
	cb->stop = stop;
	free(regs);
	free(w);
	return NULL;
}
