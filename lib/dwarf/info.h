/* .debug_info / .debug_line reader: for a PC, the subprogram and the chain of
 * inlined subroutines that contain it, and the source line. Lazy: the first
 * lookup builds an address -> CU index (from .debug_aranges where present,
 * else the CUs' own DW_AT_low_pc/high_pc/ranges); only CUs that cover a
 * looked-up PC are parsed further, and they are cached. */
#ifndef COR_DWARF_INFO_H
#define COR_DWARF_INFO_H

#include "dwarf.h"

struct dwarf_info;

cor_error *dwarf_info_new(const struct dwarf_sections *secs,
			  const struct limits *limits, struct dwarf_info **out);
void dwarf_info_free(struct dwarf_info *di);

/* One level of the scope chain for a PC. */
struct dwarf_scope {
	const char *name;          /* DW_AT_name (qualified for C++ when possible) */
	const char *linkage_name;  /* DW_AT_linkage_name / MIPS_linkage_name, or NULL */
	uint64_t low_pc;           /* entry of this subprogram / inline instance */
	bool is_inline;            /* DW_TAG_inlined_subroutine */
	/* For inline levels: where this instance was called from, i.e. the
	 * file:line that the *enclosing* frame shows. */
	const char *call_file;
	uint32_t call_line, call_column;
};

/* Scopes containing link-time pc, innermost first: inline levels, then the
 * subprogram last. *n = 0 if no CU/subprogram covers pc. Strings are owned by
 * di. */
cor_error *dwarf_info_scopes(struct dwarf_info *di, uint64_t pc,
			     struct dwarf_scope *out, size_t max, size_t *n);

/* Source location of link-time pc from the line table of the CU covering it
 * (falls back to scanning every line program when there is no .debug_info).
 * *file NULL if none. Full path (comp_dir/dir/file joined). */
cor_error *dwarf_info_line(struct dwarf_info *di, uint64_t pc,
			   const char **file, uint32_t *line, uint32_t *column);

/* A call site (DW_TAG_call_site, DW_TAG_GNU_call_site) of a subprogram.
 * Addresses are link-time. */
struct dwarf_call {
	uint64_t return_pc;        /* DW_AT_call_return_pc (DW_AT_low_pc for GNU) */
	uint64_t target;           /* the callee's entry, when target_known */
	/* the callee's names (DW_AT_linkage_name, DW_AT_name) through its
	 * origin DIE, for a callee only declared here; NULL if none */
	const char *target_linkage, *target_name;
	const char *file;          /* DW_AT_call_file, or NULL */
	uint32_t line;             /* DW_AT_call_line, or 0 */
	bool tail;                 /* DW_AT_call_tail_call / DW_AT_GNU_tail_call */
	bool target_known;         /* from the origin's DW_AT_low_pc, or a
				    * constant DW_AT_call_target */
};

/* The call sites of the subprogram containing link-time pc (in its blocks
 * and inline instances), sorted by return_pc; *n = 0 if none or no
 * subprogram covers pc. *complete is false when some were not read (over
 * the limit of call sites a subprogram, bad DWARF); true with *n = 0 when
 * no subprogram covers pc. The list is owned by
 * di and valid until the next call (a bounded cache of subprograms).
 * Strings are owned by di. */
cor_error *dwarf_info_calls(struct dwarf_info *di, uint64_t pc,
			    const struct dwarf_call **out, size_t *n, bool *complete);

/* What the lookups so far built, for tests and benchmarks: tables are
 * shared by offset, and walks are bounded. */
struct dwarf_info_stats {
	size_t units;              /* of the main file */
	size_t abbrev_tables;      /* kept, one per offset */
	uint64_t abbrev_bytes;     /* of .debug_abbrev read by all tables */
	size_t line_tables;        /* decoded, one per stmt_list offset */
	size_t line_views;         /* units' views of them (another comp_dir) */
	size_t fallback_tables;    /* line programs kept without units */
	size_t fallback_walked;    /* units the fallback walk visited */
};
void dwarf_info_stats(const struct dwarf_info *di, struct dwarf_info_stats *st);

/* Internal to lib/dwarf (the variables' reader). */
struct cu;
/* The unit and subprogram DIE containing link-time pc, and the DIEs of the
 * inlined subroutines down to pc, outermost first (at most max). *cu NULL
 * if none covers pc. Resets the lookup's range budget. */
cor_error *dwarf_info_scope_dies(struct dwarf_info *di, uint64_t pc, struct cu **cu,
				 uint64_t *fn_die, uint64_t *chain, size_t max, size_t *nchain);

#endif
