/* DWARF expression evaluator (DW_OP_*), bounded by limits->max_expr_steps
 * and a 256-slot stack. Used by CFI (CFA and register rules) and, as
 * location descriptions with pieces, by the variables' values. */
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
	/* For locations; NULL: the operation is an error. DW_OP_fbreg's
	 * frame base (an address); the value DW_OP_entry_value's expression
	 * had at the function's entry (a register's, from the caller's call
	 * site); entry idx of .debug_addr (DW_OP_addrx, DW_OP_constx). */
	cor_error *(*frame_base)(void *arg, uint64_t *out);
	cor_error *(*entry_value)(void *arg, const uint8_t *expr, size_t len, uint64_t *out);
	bool (*addr_index)(void *arg, uint64_t idx, uint64_t *out);
	/* For the typed operations: the base type DIE at unit offset off (its
	 * byte size and DW_ATE_* encoding), false if it is none; the low n
	 * bytes of a register read_reg does not know (a vector register),
	 * false if unknown. NULL: those operations are errors. */
	bool (*base_type)(void *arg, uint64_t off, uint64_t *size, uint8_t *enc);
	bool (*read_reg_bytes)(void *arg, unsigned regno, uint8_t *buf, size_t n);
	/* DW_OP_form_tls_address / GNU_push_tls_address: the address of offset
	 * off of the thread-local block of the object; NULL: an error. */
	cor_error *(*tls_address)(void *arg, uint64_t off, uint64_t *out);
	uint64_t addr_bias;        /* added to DW_OP_addr and DW_OP_addrx */
	uint8_t offset_size;       /* of the unit: DW_OP_implicit_pointer's reference */
};

/* Evaluates expr. If push_initial, initial is pushed first (CFI register
 * rules push the CFA). The result is the top of the stack, or the register
 * value for DW_OP_regN / the stack value for DW_OP_stack_value (*is_value
 * true), else an address (*is_value false). is_value may be NULL. */
cor_error *dwarf_expr_eval(const struct expr_ctx *ctx, const uint8_t *expr,
			   size_t len, bool push_initial, uint64_t initial,
			   uint64_t *result, bool *is_value);

/* One piece of a location description (DWARF 5, 2.6.1). */
enum dwarf_piece_kind {
	DWP_MEMORY,                /* at address v */
	DWP_REGISTER,              /* in DWARF register v */
	DWP_VALUE,                 /* the value v (DW_OP_stack_value) */
	DWP_IMPLICIT,              /* bytes (DW_OP_implicit_value) */
	DWP_POINTER,               /* DW_OP_implicit_pointer: die + offset */
	DWP_NONE,                  /* optimized out (an empty piece) */
};

struct dwarf_piece {
	enum dwarf_piece_kind kind;
	uint64_t v;
	uint64_t bits;             /* the piece's size; 0: the whole object */
	uint64_t bit_offset;       /* DW_OP_bit_piece's offset */
	const uint8_t *bytes;      /* DWP_IMPLICIT: nbytes of the expression */
	size_t nbytes;
	uint64_t die;              /* DWP_POINTER: .debug_info offset */
	int64_t offset;
};

#define DWARF_MAX_PIECES 64

struct dwarf_location {
	struct dwarf_piece p[DWARF_MAX_PIECES];
	size_t n;                  /* 0: no location (optimized out) */
};

/* Evaluates the location description expr (an empty one gives n = 0). */
cor_error *dwarf_expr_location(const struct expr_ctx *ctx, const uint8_t *expr,
			       size_t len, struct dwarf_location *out);

#endif
