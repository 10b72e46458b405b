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
		addr, ranges, rnglists, aranges;
	/* dwz supplementary file (.gnu_debugaltlink / DW_FORM_*_sup), or NULL */
	const struct dwarf_sections *alt;
	bool be;
	uint8_t addr_size;       /* of the object: 4 or 8 */
	const char *path;        /* object name, for messages */
};

/* Attribute forms (DWARF 5, 7.5.6), for info.c and line.c. */
enum {
	FORM_addr = 0x01, FORM_block2 = 0x03, FORM_block4 = 0x04,
	FORM_data2 = 0x05, FORM_data4 = 0x06, FORM_data8 = 0x07,
	FORM_string = 0x08, FORM_block = 0x09, FORM_block1 = 0x0a,
	FORM_data1 = 0x0b, FORM_flag = 0x0c, FORM_sdata = 0x0d,
	FORM_strp = 0x0e, FORM_udata = 0x0f, FORM_ref_addr = 0x10,
	FORM_ref1 = 0x11, FORM_ref2 = 0x12, FORM_ref4 = 0x13, FORM_ref8 = 0x14,
	FORM_ref_udata = 0x15, FORM_indirect = 0x16, FORM_sec_offset = 0x17,
	FORM_exprloc = 0x18, FORM_flag_present = 0x19, FORM_strx = 0x1a,
	FORM_addrx = 0x1b, FORM_ref_sup4 = 0x1c, FORM_strp_sup = 0x1d,
	FORM_data16 = 0x1e, FORM_line_strp = 0x1f, FORM_ref_sig8 = 0x20,
	FORM_implicit_const = 0x21, FORM_loclistx = 0x22, FORM_rnglistx = 0x23,
	FORM_ref_sup8 = 0x24, FORM_strx1 = 0x25, FORM_strx2 = 0x26,
	FORM_strx3 = 0x27, FORM_strx4 = 0x28, FORM_addrx1 = 0x29,
	FORM_addrx2 = 0x2a, FORM_addrx3 = 0x2b, FORM_addrx4 = 0x2c,
	FORM_GNU_addr_index = 0x1f01, FORM_GNU_str_index = 0x1f02,
	FORM_GNU_ref_alt = 0x1f20, FORM_GNU_strp_alt = 0x1f21,
};

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
 * with cmp, then sets their maxhi. */
void dwarf_spans_sort(void *v, size_t n, size_t size,
		      int (*cmp)(const void *, const void *));

/* How many of the sorted elements have lo <= pc: those containing pc are
 * among the ones before, back while maxhi > pc. */
size_t dwarf_spans_upper(const void *v, size_t n, size_t size, uint64_t pc);

#endif
