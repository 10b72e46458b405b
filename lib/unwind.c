/* Unwinding one thread: DWARF CFI (.eh_frame, then .debug_frame), signal
 * trampolines (registers restored from the saved context), then the frame
 * pointer chain. Bounded by the frame limit and stopped when (pc, cfa) makes
 * no progress. */
#include <stdlib.h>
#include <string.h>
#include "modules.h"
#include "unwind.h"
#include "dwarf/expr.h"

struct uw {
	struct cor_core *c;
	const struct arch_info *a;
	uint64_t v[DWARF_MAX_REGS];
	bool ok[DWARF_MAX_REGS];
	uint64_t pc, cfa;
	unsigned w;
	uint64_t mask;
};

static bool rd(struct uw *u, uint64_t addr, uint64_t *val, cor_error **errp)
{
	uint8_t b[8];
	cor_error *err = cor_core_read(u->c, addr, b, u->w, NULL);
	if (err) {
		if (errp)
			*errp = err;
		else
			cor_error_free(err);
		return false;
	}
	*val = cor_load(b, u->w, u->c->info.big_endian);
	return true;
}

static bool reg_cb(void *arg, unsigned regno, uint64_t *val)
{
	struct uw *u = arg;
	if (regno >= DWARF_MAX_REGS || !u->ok[regno])
		return false;
	*val = u->v[regno];
	return true;
}

static cor_error *mem_cb(void *arg, uint64_t addr, void *buf, size_t n)
{
	struct uw *u = arg;
	return cor_core_read(u->c, addr, buf, n, NULL);
}

static void set(struct uw *u, int r, uint64_t val)
{
	if (r >= 0 && r < DWARF_MAX_REGS) {
		u->v[r] = val & u->mask;
		u->ok[r] = true;
	}
}

static void init_regs(struct uw *u, const struct cor_thread *t)
{
	const struct arch_info *a = u->a;
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
			set(u, a->gregs[i].dwarf, r->value);
	}
	u->pc = t->pc;
}

/* aarch64 pointer authentication: strip the PAC bits of a return address. */
static uint64_t strip_pac(struct uw *u, uint64_t pc)
{
	if (u->a->arch == COR_ARCH_AARCH64 && (pc >> 48) != 0 && (pc >> 48) != 0xffff)
		pc &= 0x0000ffffffffffffull;
	return pc;
}

/* ---- signal trampolines ---- */

static const uint8_t x86_64_rt[] = { 0x48, 0xc7, 0xc0, 0x0f, 0, 0, 0, 0x0f, 0x05 };
static const uint8_t i386_sig[] = { 0x58, 0xb8, 0x77, 0, 0, 0, 0xcd, 0x80 };
static const uint8_t i386_rt[] = { 0xb8, 0xad, 0, 0, 0, 0xcd, 0x80 };
static const uint8_t a64_rt[] = { 0x68, 0x11, 0x80, 0xd2, 0x01, 0, 0, 0xd4 };

static bool code_is(struct uw *u, const uint8_t *pat, size_t n)
{
	uint8_t b[16];
	cor_error *err = cor_core_read(u->c, u->pc, b, n, NULL);
	if (err) {
		cor_error_free(err);
		return false;
	}
	return !memcmp(b, pat, n);
}

/* Restores registers from a sigcontext: map[i] is the DWARF number of the
 * i-th word (-1: skip). */
static bool restore(struct uw *u, uint64_t sc, const int8_t *map, size_t n, int pc_slot)
{
	struct uw nu = *u;
	memset(nu.ok, 0, sizeof(nu.ok));
	for (size_t i = 0; i < n; i++) {
		uint64_t val;
		if (map[i] < 0 && (int)i != pc_slot)
			continue;
		if (!rd(u, sc + i * u->w, &val, NULL))
			return false;
		if ((int)i == pc_slot)
			nu.pc = val;
		if (map[i] >= 0)
			set(&nu, map[i], val);
	}
	*u = nu;
	return true;
}

static int signal_step(struct uw *u)
{
	switch (u->a->arch) {
	case COR_ARCH_X86_64: {
		static const int8_t map[] = { 8, 9, 10, 11, 12, 13, 14, 15, 5, 4, 6, 3, 1, 0, 2, 7, 16 };
		if (!code_is(u, x86_64_rt, sizeof(x86_64_rt)))
			return 0;
		/* the handler returned here: sp points at the ucontext */
		return restore(u, u->v[7] + 40, map, sizeof(map), 16) ? 1 : -1;
	}
	case COR_ARCH_I386: {
		static const int8_t map[] = { -1, -1, -1, -1, 7, 6, 5, 4, 3, 2, 1, 0, -1, -1, 8 };
		uint64_t sc, uc;
		if (code_is(u, i386_sig, sizeof(i386_sig)))
			sc = u->v[4] + 4;
		else if (code_is(u, i386_rt, sizeof(i386_rt)) && rd(u, u->v[4] + 8, &uc, NULL))
			sc = uc + 20;
		else
			return 0;
		return restore(u, sc, map, sizeof(map), 14) ? 1 : -1;
	}
	case COR_ARCH_AARCH64: {
		static const int8_t map[] = {
			0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18,
			19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32 };
		if (!code_is(u, a64_rt, sizeof(a64_rt)))
			return 0;
		return restore(u, u->v[31] + 128 + 176 + 8, map, sizeof(map), 32) ? 1 : -1;
	}
	default:
		return 0;
	}
}

/* ---- CFI ---- */

static cor_error *eval(struct uw *u, const uint8_t *e, size_t n, bool push, uint64_t init,
		       uint64_t *out, bool *is_value)
{
	struct expr_ctx ctx = {
		.be = u->c->info.big_endian, .addr_size = (uint8_t)u->w,
		.limits = &u->c->limits, .read_reg = reg_cb, .read_mem = mem_cb, .arg = u,
	};
	return dwarf_expr_eval(&ctx, e, n, push, init, out, is_value);
}

static cor_error *apply_row(struct uw *u, const struct cfi_row *row)
{
	uint64_t cfa;
	cor_error *err = NULL;
	if (row->cfa_kind == CFA_REG_OFFSET) {
		if (row->cfa_reg >= DWARF_MAX_REGS || !u->ok[row->cfa_reg])
			return cor_error_new(COR_ERR_NOT_FOUND, "CFA register %u unknown", row->cfa_reg);
		cfa = (u->v[row->cfa_reg] + (uint64_t)row->cfa_off) & u->mask;
	} else {
		bool isv;
		if ((err = eval(u, row->cfa_expr, row->cfa_expr_len, false, 0, &cfa, &isv)))
			return err;
	}
	struct uw nu = *u;
	nu.cfa = cfa;
	for (unsigned r = 0; r < DWARF_MAX_REGS; r++) {
		const struct cfi_rule *rule = &row->regs[r];
		uint64_t val, addr;
		bool isv = false;
		switch (rule->kind) {
		case CFI_SAME:
			continue;
		case CFI_UNDEFINED:
			nu.ok[r] = false;
			continue;
		case CFI_OFFSET:
			addr = cfa + (uint64_t)rule->off;
			break;
		case CFI_VAL_OFFSET:
			set(&nu, (int)r, cfa + (uint64_t)rule->off);
			continue;
		case CFI_REGISTER:
			if (rule->reg < DWARF_MAX_REGS && u->ok[rule->reg])
				set(&nu, (int)r, u->v[rule->reg]);
			else
				nu.ok[r] = false;
			continue;
		case CFI_EXPRESSION:
		case CFI_VAL_EXPRESSION:
			err = eval(u, rule->expr, rule->expr_len, true, cfa, &val, &isv);
			if (err) {
				if (r == row->ra_reg)
					return err;
				cor_error_free(err);
				err = NULL;
				nu.ok[r] = false;
				continue;
			}
			if (rule->kind == CFI_VAL_EXPRESSION || isv) {
				set(&nu, (int)r, val);
				continue;
			}
			addr = val;
			break;
		default:
			continue;
		}
		if (rd(u, addr & u->mask, &val, r == row->ra_reg ? &err : NULL))
			set(&nu, (int)r, val);
		else if (r == row->ra_reg)
			return err;
		else
			nu.ok[r] = false;
	}
	/* the caller's stack pointer is the CFA unless a rule said otherwise */
	int sp = u->a->dwarf_sp;
	if (row->regs[sp].kind == CFI_SAME)
		set(&nu, sp, u->a->arch == COR_ARCH_S390X ? cfa - 160 : cfa);
	if (row->ra_reg >= DWARF_MAX_REGS || !nu.ok[row->ra_reg])
		return cor_error_new(COR_ERR_NOT_FOUND, "end of stack (return address undefined)");
	nu.pc = strip_pac(u, nu.v[row->ra_reg]);
	if (u->a->dwarf_pc >= 0)
		set(&nu, u->a->dwarf_pc, nu.pc);
	*u = nu;
	return NULL;
}

/* ---- frame pointers ---- */

static bool fp_step(struct uw *u, bool first)
{
	const struct arch_info *a = u->a;
	int fp = a->dwarf_fp, sp = a->dwarf_sp;
	uint64_t f = u->v[fp], ra, prev;
	if (!u->ok[fp] || f == 0 || (f & (u->w - 1)))
		return false;
	switch (a->arch) {
	case COR_ARCH_X86_64:
	case COR_ARCH_I386:
	case COR_ARCH_AARCH64:
		if (!rd(u, f, &prev, NULL) || !rd(u, f + u->w, &ra, NULL))
			return false;
		set(u, sp, f + 2 * u->w);
		u->cfa = f + 2 * u->w;
		break;
	case COR_ARCH_RISCV64:
		if (!rd(u, f - 8, &ra, NULL) || !rd(u, f - 16, &prev, NULL))
			return false;
		set(u, sp, f);
		u->cfa = f;
		break;
	default:
		return false;
	}
	set(u, fp, prev);
	/* a caller without frame pointers leaves anything in the register:
	 * keep the return address, but the chain stops being trusted */
	if (prev <= f)
		u->ok[fp] = false;
	u->pc = strip_pac(u, ra);
	return true;
}

/* ppc64: the back chain word at r1 and the LR save slot of the caller. */
static bool ppc_step(struct uw *u, bool first)
{
	uint64_t back, ra;
	if (!u->ok[1] || !rd(u, u->v[1], &back, NULL) || back <= u->v[1])
		return false;
	if (first && u->ok[65])
		ra = u->v[65];
	else if (!rd(u, back + 16, &ra, NULL))
		return false;
	set(u, 1, back);
	u->cfa = back;
	u->pc = ra;
	return true;
}

/* ---- the loop ---- */

/* Heuristic steps (frame pointer, link register) must land in code: a
 * loaded object, or a file mapped executable (old kernels map the stack
 * rwx, so anonymous memory does not count). */
static bool executable(struct cor_core *c, uint64_t pc)
{
	if (module_at(c, pc))
		return true;
	const struct cor_mapping *m = cor_core_mapping_at(c, pc);
	return m && m->exec && m->path;
}

/* CFI rows of recently seen pcs: threads parked at the same places share
 * them. Direct-mapped by pc. */
#define ROW_CACHE 64

struct row_cache {
	const struct cfi_table *table[ROW_CACHE];
	uint64_t pc[ROW_CACHE];
	struct cfi_row row[ROW_CACHE];
};

void row_cache_free(struct row_cache *rc)
{
	free(rc);
}

/* The row of table t for link-time pc: from the cache or looked up (and
 * then cached). Errors as cfi_find_row. */
static cor_error *find_row(struct cor_core *c, struct cfi_table *t, uint64_t pc,
			   const struct cfi_row **out)
{
	struct row_cache *rc = c->rowcache;
	if (!rc && !(rc = c->rowcache = cor_calloc(1, sizeof(*rc))))
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

static cor_error *cfi_step(struct uw *u, struct module *m, uint64_t lookup, bool *found)
{
	*found = false;
	for (int pass = 0; pass < 2; pass++) {
		struct cfi_table *t = module_cfi(u->c, m, pass == 0);
		const struct cfi_row *row;
		if (!t)
			continue;
		cor_error *err = find_row(u->c, t, lookup - m->pub.load_bias, &row);
		if (err && cor_error_code(err) == COR_ERR_NOT_FOUND) {
			cor_error_free(err);
			continue;
		}
		if (err)
			return err;
		*found = true;
		return apply_row(u, row);
	}
	return NULL;
}

cor_error *unwind_thread(struct cor_core *c, size_t ti, struct unwind_cb *cb)
{
	const struct cor_thread *t = cor_core_thread(c, ti);
	if (!t)
		return cor_error_new(COR_ERR_NOT_FOUND, "no thread %zu", ti);
	if (!c->arch)
		return cor_error_new(COR_ERR_UNSUPPORTED, "cannot unwind: machine %u not supported",
				     c->info.machine);
	struct uw *u = cor_calloc(1, sizeof(*u));
	if (!u)
		return &cor_enomem;
	u->c = c;
	u->a = c->arch;
	u->w = c->elf->addr_size;
	u->mask = u->w == 8 ? UINT64_MAX : 0xffffffffull;
	init_regs(u, t);
	u->cfa = u->ok[u->a->dwarf_sp] ? u->v[u->a->dwarf_sp] : 0;
	enum cor_frame_how how = COR_FRAME_CONTEXT;
	bool exact = true; /* look up pc itself, not pc - 1 */
	char *stop = NULL;
	for (uint32_t depth = 0;; depth++) {
		if (depth >= c->limits.max_frames) {
			stop = cor_asprintf("frame limit %u reached", c->limits.max_frames);
			break;
		}
		uint64_t lookup = exact ? u->pc : u->pc - 1;
		struct unwind_frame fr = {
			.pc = u->pc, .lookup_pc = lookup, .how = how,
			.sp = u->ok[u->a->dwarf_sp] ? u->v[u->a->dwarf_sp] : 0, .cfa = u->cfa,
		};
		uint64_t old_pc = u->pc, old_cfa = u->cfa, old_sp = fr.sp;
		int sig = signal_step(u);
		fr.signal_frame = sig != 0;
		if (sig)
			fr.lookup_pc = old_pc; /* the trampoline's own symbol */
		if (!cb->frame(cb, &fr)) {
			stop = cor_strdup("out of memory");
			break;
		}
		cor_error *err = NULL;
		if (sig < 0) {
			stop = cor_asprintf("cannot read the signal context at 0x%" PRIx64, old_sp);
			break;
		}
		if (sig > 0) {
			how = COR_FRAME_SIGNAL;
			exact = true;
			u->cfa = old_sp;
		} else {
			struct module *m = module_at(c, lookup);
			bool found = false;
			if (m)
				err = cfi_step(u, m, lookup, &found);
			if (err) {
				if (cor_error_code(err) == COR_ERR_NOT_FOUND)
					stop = cor_strdup(cor_error_message(err));
				else
					stop = cor_asprintf("%s", cor_error_message(err));
				cor_error_free(err);
				break;
			}
			struct uw saved = *u;
			if (found) {
				how = COR_FRAME_CFI;
			} else if ((u->a->arch == COR_ARCH_PPC64LE || u->a->arch == COR_ARCH_PPC64 ?
				    ppc_step(u, depth == 0) : fp_step(u, depth == 0)) &&
				   executable(c, u->pc)) {
				how = COR_FRAME_FP;
			} else if (depth == 0 && u->a->arch == COR_ARCH_AARCH64 && saved.ok[30] &&
				   executable(c, strip_pac(&saved, saved.v[30]))) {
				*u = saved;
				u->pc = strip_pac(u, u->v[30]);
				how = COR_FRAME_LR;
			} else {
				stop = m ? cor_asprintf("no unwind information for 0x%" PRIx64 " in %s and no frame pointer chain",
							old_pc, m->pub.name)
					 : cor_asprintf("pc 0x%" PRIx64 " is in no known module and there is no frame pointer chain", old_pc);
				break;
			}
			exact = false;
		}
		if (u->pc == 0) {
			stop = cor_strdup("end of stack (return address 0)");
			break;
		}
		if (u->pc == old_pc && u->cfa == old_cfa) {
			stop = cor_asprintf("no progress (pc 0x%" PRIx64 " and cfa 0x%" PRIx64 " repeat)", old_pc, old_cfa);
			break;
		}
	}
	cb->stop = stop;
	free(u);
	return NULL;
}
