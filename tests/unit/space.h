/* A made-up address space for the unwinding hooks' tests: code at CODE
 * (4 KiB), stack at STACK (4 KiB), nothing else; words stored in either
 * byte order. */
#ifndef COR_SPACE_H
#define COR_SPACE_H
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include "error.h"

#define CODE 0x400000u
#define STACK 0x7000u

struct space {
	uint8_t code[4096], stack[4096];
	bool be;
};

static cor_error *space_read(void *arg, uint64_t addr, void *out, size_t n)
{
	struct space *s = arg;
	if (addr >= CODE && addr - CODE <= sizeof(s->code) && n <= sizeof(s->code) - (addr - CODE))
		memcpy(out, s->code + (addr - CODE), n);
	else if (addr >= STACK && addr - STACK <= sizeof(s->stack) &&
		 n <= sizeof(s->stack) - (addr - STACK))
		memcpy(out, s->stack + (addr - STACK), n);
	else
		return cor_error_new(COR_ERR_NOT_FOUND, "unmapped");
	return NULL;
}

static void store(uint8_t *p, uint64_t v, unsigned n, bool be)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> 8 * (be ? n - 1 - i : i));
}

#endif
