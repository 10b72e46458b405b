/* Architecture lookup and the register builder. */
#include <string.h>
#include "arch/arch.h"

static const struct arch_info *const arches[] = {
	&arch_x86_64, &arch_i386, &arch_aarch64, &arch_ppc64le, &arch_ppc64,
	&arch_s390x, &arch_riscv64, &arch_x32, &arch_ppc, &arch_s390, &arch_arm,
};

const struct arch_info *arch_by_machine(uint16_t machine, bool is64, bool be)
{
	for (size_t i = 0; i < COR_ARRAY_SIZE(arches); i++)
		if (arches[i]->machine == machine && arches[i]->is64 == is64 &&
		    arches[i]->be == be)
			return arches[i];
	return NULL;
}

void regs_add(struct regs_builder *b, const char *name, enum cor_regset set,
	      const uint8_t *bytes, uint32_t size)
{
	if (b->oom || !COR_GROW(b->v, b->cap, b->n + 1)) {
		b->oom = true;
		return;
	}
	struct cor_register *r = &b->v[b->n++];
	r->name = name;
	r->set = set;
	r->size = size;
	r->bytes = bytes;
	r->value = size <= 8 ? cor_load(bytes, size, b->be) : 0;
}

void regs_add_table(struct regs_builder *b, const struct arch_reg *t, size_t n,
		    const uint8_t *block, size_t block_size)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].offset <= block_size && t[i].size <= block_size - t[i].offset)
			regs_add(b, t[i].name, t[i].set, block + t[i].offset, t[i].size);
}

/* ---- unwinding helpers the architectures share ---- */

bool arch_read_word(const struct arch_mem *m, uint64_t addr, uint64_t *val)
{
	uint8_t b[8];
	cor_error *err = m->read(m->arg, addr, b, m->word);
	if (err) {
		cor_error_free(err);
		return false;
	}
	*val = cor_load(b, m->word, m->be);
	return true;
}

bool arch_read_before(const struct arch_mem *m, uint64_t addr, uint8_t *b, size_t n)
{
	if (addr < n)
		return false;
	cor_error *err = m->read(m->arg, addr - n, b, n);
	if (err) {
		cor_error_free(err);
		return false;
	}
	return true;
}

bool arch_word_before(const struct arch_mem *m, uint64_t addr, bool be, uint32_t *w)
{
	uint8_t b[4];
	if (!arch_read_before(m, addr, b, 4))
		return false;
	*w = (uint32_t)cor_load(b, 4, be);
	return true;
}

bool arch_code_is(const struct frame_regs *r, const struct arch_mem *m, const uint8_t *pat,
		  size_t n)
{
	uint8_t b[16];
	if (n > sizeof(b))
		return false;
	cor_error *err = m->read(m->arg, r->pc, b, n);
	if (err) {
		cor_error_free(err);
		return false;
	}
	return !memcmp(b, pat, n);
}

bool arch_restore_context(struct frame_regs *r, const struct arch_mem *m, uint64_t ctx,
			  const int8_t *map, size_t n, int pc_slot)
{
	struct frame_regs nr = *r;
	memset(nr.ok, 0, sizeof(nr.ok));
	for (size_t i = 0; i < n; i++) {
		uint64_t val;
		if (map[i] < 0 && (int)i != pc_slot)
			continue;
		if (!arch_read_word(m, ctx + i * m->word, &val))
			return false;
		if ((int)i == pc_slot)
			nr.pc = val;
		if (map[i] >= 0)
			frame_regs_set(&nr, map[i], val);
	}
	*r = nr;
	return true;
}

/* One step up a frame-pointer chain whose record holds the caller's fp at
 * fp + prev_off and the return address at fp + ra_off; the caller's sp (and
 * the CFA) is fp + cfa_off. The caller's fp is kept unless it does not grow:
 * a caller without frame pointers leaves anything in the register, so the
 * return address is kept but the chain stops being trusted. */
static bool fp_chain_step(const struct arch_info *a, struct frame_regs *r,
			  const struct arch_mem *m, int prev_off, int ra_off, int cfa_off)
{
	int fp = a->dwarf_fp;
	uint64_t f = r->v[fp], ra, prev;
	if (!r->ok[fp] || f == 0 || (f & (m->word - 1)))
		return false;
	if (!arch_read_word(m, f + (uint64_t)(int64_t)prev_off, &prev) ||
	    !arch_read_word(m, f + (uint64_t)(int64_t)ra_off, &ra))
		return false;
	uint64_t cfa = f + (uint64_t)(int64_t)cfa_off;
	frame_regs_set(r, a->dwarf_sp, cfa);
	r->cfa = cfa;
	frame_regs_set(r, fp, prev);
	if (prev <= f)
		r->ok[fp] = false;
	r->pc = arch_strip_pc(a, ra);
	return true;
}

bool arch_fp_record_step(const struct arch_info *a, struct frame_regs *r,
			 const struct arch_mem *m, bool first)
{
	(void)first;
	return fp_chain_step(a, r, m, 0, (int)m->word, 2 * (int)m->word);
}

/* riscv64: fp points past {saved ra at fp-8, saved fp at fp-16}. */
bool arch_fp_below_step(const struct arch_info *a, struct frame_regs *r,
			const struct arch_mem *m, bool first)
{
	(void)first;
	return fp_chain_step(a, r, m, -16, -8, 0);
}
