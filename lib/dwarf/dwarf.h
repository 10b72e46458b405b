/* DWARF sections of one object, as raw bytes (already decompressed). */
#ifndef COR_DWARF_H
#define COR_DWARF_H

#include "../internal.h"

/* Enough DWARF register numbers for every supported architecture
 * (aarch64 V31 = 95, x86_64 xmm/st ~ 49, ppc64 lr 65, s390 psw 65). */
#define DWARF_MAX_REGS 128

struct dwarf_section {
	const uint8_t *data;     /* NULL if absent */
	size_t size;
	uint64_t addr;           /* sh_addr (link-time), for .eh_frame pcrel */
};

struct dwarf_sections {
	struct dwarf_section info, abbrev, str, line, line_str, str_offsets,
		addr, ranges, rnglists, aranges,
		/* locations (DWARF 2-4, 5) and DWARF 4 type units */
		loc, loclists, types;
	/* dwz supplementary file (.gnu_debugaltlink / DW_FORM_*_sup), or NULL */
	const struct dwarf_sections *alt;
	bool be;
	uint8_t addr_size;       /* of the object: 4 or 8 */
	const char *path;        /* object name, for messages */
};

/* err (from reader_error) as a limit reached rather than bad data. */
static inline cor_error *dwarf_limit_error(cor_error *err)
{
	if (err != &cor_enomem)
		err->code = COR_ERR_LIMIT;
	return err;
}

/* The NUL-terminated string at off of s; false if off or the string is
 * out of the section. */
bool dwarf_sec_str(const struct dwarf_section *s, uint64_t off, const char **out);

/* A reader over s (empty if absent). */
static inline void dwarf_reader(struct reader *r, const struct dwarf_section *s,
				bool be, uint8_t addr_size)
{
	reader_init(r, s->data, s->data ? s->size : 0, be, addr_size);
}

/* Reads the entry at base + idx * size of a table section. */
bool dwarf_sec_index(const struct dwarf_section *s, bool be, uint64_t base,
		     uint64_t idx, unsigned size, uint64_t *out);

/* DW_FORM_strx*: string idx of .debug_str_offsets at base, entries of
 * offset_size bytes, in .debug_str. */
bool dwarf_strx(const struct dwarf_sections *secs, uint64_t base, uint64_t idx,
		unsigned offset_size, const char **out);

/* Address ranges kept sorted by lo, maxhi the greatest hi up to each: the
 * first member of the elements of such a table. */
struct dwarf_span {
	uint64_t lo, hi, maxhi;
};

/* Sorts n elements of size bytes (each starting with a struct dwarf_span)
 * with cmp, then sets their maxhi. Those containing pc are then among the
 * first COR_UPPER_BOUND(v, n, .sp.lo, pc), back while maxhi > pc. */
void dwarf_spans_sort(void *v, size_t n, size_t size,
		      int (*cmp)(const void *, const void *));

#endif
