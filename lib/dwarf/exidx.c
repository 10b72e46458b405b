/* .ARM.exidx / .ARM.extab (the ARM EHABI): entries of two words sorted by
 * function, {prel31 to the function, EXIDX_CANTUNWIND (1) | an inline
 * personality-0 word (bit 31) | prel31 to its .ARM.extab entry}. An extab
 * entry is a compact-model word (bit 31: personality index 0 with three
 * opcode bytes, 1 or 2 with a count of further words and two bytes), or a
 * prel31 to a personality routine followed by a word in personality 1's
 * format (what GCC's __gxx_personality_v0 reads). The opcodes move a
 * virtual stack pointer (vsp) and pop registers; they become one CFI row. */
#include <stdlib.h>
#include <string.h>
#include "dwarf/exidx.h"

struct exidx_table {
	struct dwarf_section exidx, extab;
	size_t n;          /* entries */
	bool be;
	const char *path;
};

cor_error *exidx_table_new(const struct dwarf_section *exidx, const struct dwarf_section *extab,
			   bool be, const char *path, struct exidx_table **out)
{
	*out = NULL;
	if (!exidx->data || exidx->size < 8)
		return cor_error_new(COR_ERR_NOT_FOUND, "%s: no .ARM.exidx entries", path);
	struct exidx_table *t = cor_calloc(1, sizeof(*t));
	if (!t)
		return &cor_enomem;
	t->exidx = *exidx;
	if (extab)
		t->extab = *extab;
	t->n = exidx->size / 8;
	t->be = be;
	t->path = path;
	*out = t;
	return NULL;
}

void exidx_table_free(struct exidx_table *t)
{
	free(t);
}

static uint32_t word(const struct exidx_table *t, const uint8_t *p)
{
	return (uint32_t)cor_load(p, 4, t->be);
}

/* The address a prel31 word at place points to. */
static uint64_t prel31(uint64_t place, uint32_t w)
{
	uint32_t v = w & 0x7fffffffu;
	if (v & 0x40000000u)
		v |= 0x80000000u;
	return (place + v) & 0xffffffffu;
}

static uint64_t entry_fn(const struct exidx_table *t, size_t i)
{
	return prel31(t->exidx.addr + 8 * i, word(t, t->exidx.data + 8 * i));
}

/* ---- the opcode interpreter ---- */

struct vm {
	int base;              /* vsp = r[base] + off */
	int64_t off;
	bool popped[16];
	int64_t at[16];        /* offset from r[base] each was popped at */
	bool any_pop;
};

static cor_error *pop(struct vm *v, int reg)
{
	if (reg == 13)
		return cor_error_new(COR_ERR_UNSUPPORTED, "ARM unwind opcodes pop sp");
	v->popped[reg] = true;
	v->at[reg] = v->off;
	v->off += 4;
	v->any_pop = true;
	return NULL;
}

static cor_error *pop_mask(struct vm *v, unsigned mask, int first)
{
	for (int i = 0; i < 16; i++)
		if (mask & (1u << i)) {
			cor_error *err = pop(v, first + i);
			if (err)
				return err;
		}
	return NULL;
}

static cor_error *spare(uint8_t op)
{
	return cor_error_new(COR_ERR_UNSUPPORTED, "ARM unwind opcode 0x%02x is spare or reserved", op);
}

cor_error *exidx_run(const uint8_t *ops, size_t n, struct cfi_row *row, enum exidx_result *res)
{
	struct vm v = { .base = 13 };
	cor_error *err = NULL;
	*res = EXIDX_ROW;
	size_t i = 0;
	while (i < n && !err) {
		uint8_t op = ops[i++];
		uint8_t nx = i < n ? ops[i] : 0;
		bool has_nx = i < n;
		if (op < 0x40) {
			v.off += ((int64_t)(op & 0x3f) << 2) + 4;
		} else if (op < 0x80) {
			v.off -= ((int64_t)(op & 0x3f) << 2) + 4;
		} else if (op < 0x90) {
			if (!has_nx)
				return cor_error_new(COR_ERR_FORMAT, "ARM unwind opcode 0x%02x without its second byte", op);
			i++;
			unsigned mask = ((unsigned)(op & 0x0f) << 8) | nx;
			if (!mask) {
				*res = EXIDX_REFUSE;
				return NULL;
			}
			err = pop_mask(&v, mask, 4);
		} else if (op < 0xa0) {
			int r = op & 0x0f;
			if (r == 13 || r == 15)
				return spare(op);
			if (v.any_pop || v.popped[r])
				return cor_error_new(COR_ERR_UNSUPPORTED, "ARM unwind opcodes set vsp from r%d after popping registers", r);
			v.base = r;
			v.off = 0;
		} else if (op < 0xb0) {
			unsigned mask = (2u << (op & 7)) - 1;
			if (op & 8)
				mask |= 1u << 10; /* r14 */
			err = pop_mask(&v, mask, 4);
		} else if (op == 0xb0) {
			break; /* finish */
		} else if (op == 0xb1) {
			if (!has_nx || nx == 0 || (nx & 0xf0))
				return cor_error_new(COR_ERR_UNSUPPORTED, "ARM unwind opcode 0xb1 0x%02x is spare", nx);
			i++;
			err = pop_mask(&v, nx, 0);
		} else if (op == 0xb2) {
			uint64_t u = 0;
			unsigned shift = 0;
			for (;;) {
				if (i >= n || shift > 28)
					return cor_error_new(COR_ERR_FORMAT, "ARM unwind opcode 0xb2: bad ULEB128");
				uint8_t b = ops[i++];
				u |= (uint64_t)(b & 0x7f) << shift;
				shift += 7;
				if (!(b & 0x80))
					break;
			}
			v.off += 0x204 + ((int64_t)u << 2);
		} else if (op == 0xb3 || op == 0xc8 || op == 0xc9) {
			/* VFP d[s]-d[s+c]: FSTMFDX (0xb3) has a pad word */
			if (!has_nx)
				return cor_error_new(COR_ERR_FORMAT, "ARM unwind opcode 0x%02x without its second byte", op);
			i++;
			v.off += 8 * ((nx & 0x0f) + 1) + (op == 0xb3 ? 4 : 0);
		} else if (op < 0xb8) {
			return spare(op);
		} else if (op < 0xc0) {
			v.off += 8 * ((op & 7) + 1) + 4;   /* VFP d8-d[8+n], FSTMFDX */
		} else if (op < 0xc6) {
			v.off += 8 * ((op & 7) + 1);       /* iWMMXt wR10-wR[10+n] */
		} else if (op == 0xc6) {
			if (!has_nx)
				return cor_error_new(COR_ERR_FORMAT, "ARM unwind opcode 0xc6 without its second byte");
			i++;
			v.off += 8 * ((nx & 0x0f) + 1);
		} else if (op == 0xc7) {
			if (!has_nx || nx == 0 || (nx & 0xf0))
				return cor_error_new(COR_ERR_UNSUPPORTED, "ARM unwind opcode 0xc7 0x%02x is spare", nx);
			i++;
			for (int b = 0; b < 4; b++)
				v.off += (nx >> b & 1) * 4;
		} else if (op >= 0xd0 && op < 0xd8) {
			v.off += 8 * ((op & 7) + 1);       /* VFP d8-d[8+n], VPUSH */
		} else {
			return spare(op);
		}
	}
	if (err)
		return err;
	memset(row, 0, sizeof(*row));
	for (unsigned r = 0; r < DWARF_MAX_REGS; r++)
		row->regs[r].kind = CFI_SAME;
	row->cfa_kind = CFA_REG_OFFSET;
	row->cfa_reg = (uint32_t)v.base;
	row->cfa_off = v.off;
	for (int r = 0; r < 16; r++)
		if (v.popped[r]) {
			row->regs[r].kind = CFI_OFFSET;
			row->regs[r].off = v.at[r] - v.off;
		}
	row->ra_reg = v.popped[15] ? 15 : 14;
	return NULL;
}

/* ---- the table ---- */

/* The extab bytes at link-time addr (4-byte words), or NULL. */
static const uint8_t *extab_at(const struct exidx_table *t, uint64_t addr, size_t words)
{
	const struct dwarf_section *s = &t->extab;
	if (!s->data || addr < s->addr || addr - s->addr > s->size ||
	    words * 4 > s->size - (addr - s->addr))
		return NULL;
	return s->data + (addr - s->addr);
}

/* 1 + the index of the last entry whose function starts at or before pc;
 * 0 if there is none. */
static size_t entry_after(const struct exidx_table *t, uint64_t pc)
{
	size_t lo = 0, hi = t->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (entry_fn(t, mid) <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

cor_error *exidx_find(const struct exidx_table *t, uint64_t pc, struct cfi_row *row,
		      enum exidx_result *res)
{
	*res = EXIDX_NONE;
	size_t lo = entry_after(t, pc);
	if (lo == 0)
		return NULL;
	size_t i = lo - 1;
	uint64_t begin = entry_fn(t, i), end = lo < t->n ? entry_fn(t, lo) : UINT64_MAX;
	uint64_t place = t->exidx.addr + 8 * i + 4;
	uint32_t w = word(t, t->exidx.data + 8 * i + 4);
	uint8_t ops[3 + 4 * 255];
	size_t nops = 0;
	if (w == 1) {
		*res = EXIDX_CANTUNWIND;
		return NULL;
	}
	if (w & 0x80000000u) {
		if ((w >> 24) != 0x80)
			return cor_error_new(COR_ERR_FORMAT, "%s: .ARM.exidx entry for 0x%" PRIx64
					     " has inline personality %u", t->path, begin, (w >> 24) & 0x7f);
		ops[0] = (uint8_t)(w >> 16), ops[1] = (uint8_t)(w >> 8), ops[2] = (uint8_t)w;
		nops = 3;
	} else {
		uint64_t at = prel31(place, w);
		const uint8_t *p = extab_at(t, at, 1);
		if (!p)
			return cor_error_new(COR_ERR_FORMAT, "%s: .ARM.exidx entry for 0x%" PRIx64
					     " points at 0x%" PRIx64 ", outside .ARM.extab", t->path, begin, at);
		uint32_t e = word(t, p);
		unsigned more, first;
		if (e & 0x80000000u) {
			unsigned pers = (e >> 24) & 0x0f;
			if (pers == 0) {
				more = 0, first = 3;
			} else if (pers <= 2) {
				more = (e >> 16) & 0xff, first = 2;
			} else {
				return cor_error_new(COR_ERR_UNSUPPORTED, "%s: .ARM.extab entry for 0x%" PRIx64
						     " has personality index %u", t->path, begin, pers);
			}
		} else {
			/* a personality routine, then its data */
			at += 4;
			if (!(p = extab_at(t, at, 1)))
				return cor_error_new(COR_ERR_FORMAT, "%s: .ARM.extab entry at 0x%" PRIx64
						     " is cut short", t->path, at - 4);
			e = word(t, p);
			more = e >> 24, first = 3;
		}
		if (!(p = extab_at(t, at, 1 + more)))
			return cor_error_new(COR_ERR_FORMAT, "%s: .ARM.extab entry at 0x%" PRIx64
					     " is cut short", t->path, at);
		for (unsigned k = first; k-- > 0;)
			ops[nops++] = (uint8_t)(e >> 8 * k);
		for (unsigned j = 1; j <= more; j++) {
			uint32_t x = word(t, p + 4 * j);
			for (int k = 3; k >= 0; k--)
				ops[nops++] = (uint8_t)(x >> 8 * k);
		}
	}
	cor_error *err = exidx_run(ops, nops, row, res);
	if (!err && *res == EXIDX_ROW) {
		row->pc_begin = begin;
		row->pc_end = end;
	}
	return err;
}
