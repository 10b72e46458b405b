/* Architecture lookup and the register builder. */
#include <string.h>
#include "arch.h"

static const struct arch_info *const arches[] = {
	&arch_x86_64, &arch_i386, &arch_aarch64, &arch_ppc64le, &arch_ppc64,
	&arch_s390x, &arch_riscv64,
};

const struct arch_info *arch_by_machine(uint16_t machine, bool is64, bool be)
{
	for (size_t i = 0; i < COR_ARRAY_SIZE(arches); i++)
		if (arches[i]->machine == machine && arches[i]->is64 == is64 &&
		    arches[i]->be == be)
			return arches[i];
	return NULL;
}

const struct arch_info *arch_by_id(enum cor_arch arch)
{
	for (size_t i = 0; i < COR_ARRAY_SIZE(arches); i++)
		if (arches[i]->arch == arch)
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
