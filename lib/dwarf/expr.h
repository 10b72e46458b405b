/* DWARF expression evaluator (DW_OP_*), bounded by limits->max_expr_steps
 * and a 256-slot stack. Used by CFI (CFA and register rules). */
#ifndef COR_DWARF_EXPR_H
#define COR_DWARF_EXPR_H

#include "dwarf.h"

struct expr_ctx {
	bool be;
	uint8_t addr_size;
	const struct limits *limits;
	/* Register value by DWARF number; false if unknown. */
	bool (*read_reg)(void *arg, unsigned regno, uint64_t *val);
	/* Target memory; NULL on success. */
	cor_error *(*read_mem)(void *arg, uint64_t addr, void *buf, size_t n);
	void *arg;
	/* Value for DW_OP_call_frame_cfa; without it that op is an error. */
	bool have_cfa;
	uint64_t cfa;
};

/* Evaluates expr. If push_initial, initial is pushed first (CFI register
 * rules push the CFA). The result is the top of the stack, or the register
 * value for DW_OP_regN / the stack value for DW_OP_stack_value (*is_value
 * true), else an address (*is_value false). is_value may be NULL. */
cor_error *dwarf_expr_eval(const struct expr_ctx *ctx, const uint8_t *expr,
			   size_t len, bool push_initial, uint64_t initial,
			   uint64_t *result, bool *is_value);

#endif
