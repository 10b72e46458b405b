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
		addr, ranges, rnglists, aranges, loclists, names, gdb_index;
	/* dwz supplementary file (.gnu_debugaltlink / DW_FORM_*_sup), or NULL */
	const struct dwarf_sections *alt;
	bool be;
	uint8_t addr_size;       /* of the object: 4 or 8 */
	const char *path;        /* object name, for messages */
};

#endif
