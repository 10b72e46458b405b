/* Call frame information: .eh_frame (searched through .eh_frame_hdr's binary
 * table when present, else an index built once) and .debug_frame. Addresses
 * are link-time (unbiased): the caller subtracts the load bias. */
#ifndef COR_DWARF_CFI_H
#define COR_DWARF_CFI_H

#include "dwarf.h"

enum cfi_rule_kind {
	CFI_UNDEFINED = 0,   /* not recoverable */
	CFI_SAME,            /* same value as in the callee */
	CFI_OFFSET,          /* saved at CFA + off */
	CFI_VAL_OFFSET,      /* value is CFA + off */
	CFI_REGISTER,        /* value is in register reg */
	CFI_EXPRESSION,      /* saved at address computed by expr (CFA pushed) */
	CFI_VAL_EXPRESSION,  /* value computed by expr (CFA pushed) */
};

struct cfi_rule {
	enum cfi_rule_kind kind;
	uint32_t reg;
	int64_t off;
	const uint8_t *expr;
	size_t expr_len;
};

enum cfi_cfa_kind { CFA_REG_OFFSET = 1, CFA_EXPRESSION = 2 };

struct cfi_row {
	enum cfi_cfa_kind cfa_kind;
	uint32_t cfa_reg;
	int64_t cfa_off;
	const uint8_t *cfa_expr;
	size_t cfa_expr_len;
	uint32_t ra_reg;           /* return address column of the CIE */
	bool signal_frame;         /* 'S' augmentation */
	uint64_t pc_begin, pc_end; /* FDE range (link-time) */
	/* Rules for DWARF registers [0, DWARF_MAX_REGS). Registers the CFI
	 * never mentions are CFI_SAME unless the arch initial rules say else. */
	struct cfi_rule regs[DWARF_MAX_REGS];
};

struct cfi_table;

struct cfi_params {
	bool be;
	uint8_t addr_size;
	const struct limits *limits;
	const char *path;          /* for messages */
	/* DWARF numbers the architecture treats as callee-saved "same value"
	 * is the default for all registers; this only selects eh_frame vs
	 * debug_frame CIE id semantics. */
	bool is_eh_frame;
	const struct dwarf_section *hdr;  /* .eh_frame_hdr, or NULL */
	/* For pcrel/datarel/textrel pointer encodings. */
	uint64_t text_addr, data_addr;
};

/* Builds a table over one section (.eh_frame or .debug_frame). Cheap:
 * nothing is decoded until looked up, beyond an index of FDE ranges when no
 * usable .eh_frame_hdr exists. */
cor_error *cfi_table_new(const struct dwarf_section *sec,
			 const struct cfi_params *params,
			 struct cfi_table **out);
void cfi_table_free(struct cfi_table *t);

/* The row for link-time pc. COR_ERR_NOT_FOUND if no FDE covers it;
 * COR_ERR_FORMAT / COR_ERR_LIMIT for bad CFI. */
cor_error *cfi_find_row(struct cfi_table *t, uint64_t pc, struct cfi_row *row);

/* Entries the index skipped as malformed (their pcs are then not found), and
 * the first one's error message (owned by t, NULL if none). */
size_t cfi_table_skipped(const struct cfi_table *t, const char **first_reason);
/* True when lookups go through .eh_frame_hdr's table. */
bool cfi_table_uses_hdr(const struct cfi_table *t);

#endif
