/* Address ranges of .debug_info: a DIE's low_pc/high_pc or its range list
 * (.debug_ranges, .debug_rnglists), and the address -> unit index built
 * from .debug_aranges or the units' own ranges. */
#ifndef COR_DWARF_RANGES_H
#define COR_DWARF_RANGES_H

#include "unit.h"

/* Called for each range [lo, hi); false stops the walk. */
typedef bool range_fn(void *arg, uint64_t lo, uint64_t hi);

/* Calls fn for each range of d; *have false if d has no pc attributes.
 * Range list entries count against *cu->f->budget. */
cor_error *die_ranges(const struct cu *cu, const struct die *d,
		      range_fn *fn, void *arg, bool *have);

/* For contains_fn: is pc in the ranges, and the first range's start. */
struct contains_arg {
	uint64_t pc, first;
	bool in, any;
};
bool contains_fn(void *arg, uint64_t lo, uint64_t hi);

struct arange {
	struct dwarf_span sp;
	size_t cu;
};

/* Which units of the main file cover an address. */
struct cu_index {
	bool indexed;
	struct arange *ar;
	size_t nar, ar_cap;
	size_t *nocov;             /* units with no pc attributes at all */
	size_t nnocov, nocov_cap;
	cor_error *err;            /* the first problem met, kept */
};

/* Builds the index of f's units once. */
cor_error *cu_index_build(struct cu_index *ix, struct dfile *f);
/* Units (indexes into f->cus) whose ranges contain pc, at most max. */
size_t cu_index_find(const struct cu_index *ix, uint64_t pc, size_t *out, size_t max);
void cu_index_free(struct cu_index *ix);

#endif
