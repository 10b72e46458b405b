/* The ARM exception-handling tables (.ARM.exidx, .ARM.extab): the EHABI
 * compact model (personality routines 0, 1 and 2, and GCC's personality
 * with the same opcode format), whose unwind opcodes are turned into a
 * CFI row, so the unwinder applies it as it applies .debug_frame's. Not
 * DWARF, but the same layer: unwind information of one object. Addresses
 * are link-time (unbiased). */
#ifndef COR_DWARF_EXIDX_H
#define COR_DWARF_EXIDX_H

#include "dwarf.h"
#include "cfi.h"

enum exidx_result {
	EXIDX_NONE = 0,      /* no entry covers the pc */
	EXIDX_ROW,           /* the row is filled in */
	EXIDX_CANTUNWIND,    /* the entry is EXIDX_CANTUNWIND (1) */
	EXIDX_REFUSE,        /* the opcodes refuse to unwind (0x80 0x00) */
};

struct exidx_table;

/* A table over .ARM.exidx (and .ARM.extab, which may be absent: data is
 * NULL). The sections stay owned by the caller. */
cor_error *exidx_table_new(const struct dwarf_section *exidx, const struct dwarf_section *extab,
			   bool be, const char *path, struct exidx_table **out);
void exidx_table_free(struct exidx_table *t);

/* What the table says for link-time pc; row is filled in for EXIDX_ROW.
 * COR_ERR_FORMAT for an entry or extab reference out of its section,
 * COR_ERR_UNSUPPORTED for opcodes the row cannot express (vsp taken from a
 * register after pops, sp popped, spare opcodes). */
cor_error *exidx_find(const struct exidx_table *t, uint64_t pc, struct cfi_row *row,
		      enum exidx_result *res);

/* Runs n unwind opcodes (an implicit "finish" at the end) into row (CFA
 * from r13 or the register vsp was set from, rules for popped r0-r15, the
 * return address column 15 if the pc was popped, else 14). */
cor_error *exidx_run(const uint8_t *ops, size_t n, struct cfi_row *row, enum exidx_result *res);

#endif
