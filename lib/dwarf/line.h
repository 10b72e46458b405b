/* .debug_line programs (versions 2 to 5) decoded into sorted sequences of
 * rows, for address -> file:line:column lookups. Used by info.c. */
#ifndef COR_DWARF_LINE_H
#define COR_DWARF_LINE_H

#include "dwarf.h"

struct line_table;

struct line_params {
	const struct dwarf_sections *secs;
	const char *comp_dir;        /* DW_AT_comp_dir of the CU, or NULL */
	uint8_t addr_size;           /* of the CU (v2-4 headers lack it) */
	uint64_t str_offsets_base;   /* for DW_FORM_strx* in v5 entry formats */
	bool have_str_offsets_base;
};

/* Decodes the line program at offset off of .debug_line. */
cor_error *line_table_new(const struct line_params *p, uint64_t off,
			  struct line_table **out);
/* The table base seen from a unit with another comp_dir: its rows and
 * files shared (base must outlive it), its own joined paths. */
cor_error *line_table_view(const struct line_table *base, const char *comp_dir,
			   struct line_table **out);
void line_table_free(struct line_table *lt);
/* The comp_dir the table joins relative paths to. */
const char *line_table_comp_dir(const struct line_table *lt);

/* The row with the greatest address <= pc in a sequence containing pc.
 * *file is the full path (NULL if the file index is bad or on no memory). */
bool line_table_find(struct line_table *lt, uint64_t pc, const char **file,
		     uint32_t *line, uint32_t *column);

/* Full path of file number idx as the line program and DW_AT_call_file use
 * it (0-based in v5, 1-based before); NULL if out of range. Cached. */
const char *line_table_file(struct line_table *lt, uint64_t idx);

#endif
