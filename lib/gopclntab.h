/* Go's pclntab: the table the Go runtime keeps in every Go binary (also one
 * built with -ldflags="-s -w", which has no symbols and no DWARF) to name
 * its functions and to unwind its stacks: the function table, names, files
 * and the pc-value tables (file, line and stack-pointer delta per pc), and
 * (Go 1.19) the inline trees. The layouts of Go 1.2, 1.16, 1.18 and
 * 1.20 (by their magic). Every offset is
 * checked against the table's bytes; every table walk is bounded by them. */
#ifndef COR_GOPCLNTAB_H
#define COR_GOPCLNTAB_H

#include "elf.h"

struct gopclntab;

/* The table at data[0..size) (bytes that must outlive it), whose first
 * byte is at link-time address addr; ptr_size is the binary's. NULL with
 * an error naming what is wrong. */
cor_error *gopclntab_open(const uint8_t *data, size_t size, uint64_t addr, bool be,
			  unsigned ptr_size, struct gopclntab **out);
/* The table of ELF file ef (which must outlive it): its .gopclntab section,
 * else (no section headers) a header found in its PT_LOADs whose
 * fields make sense. *out NULL when ef has none (not a Go binary). */
cor_error *gopclntab_from_elf(struct elf_file *ef, struct gopclntab **out);
void gopclntab_free(struct gopclntab *t);

/* The Go version range of the layout, e.g. "1.18" (1.18 and 1.19). */
const char *gopclntab_version(const struct gopclntab *t);
/* Link-time address of the table (runtime.pclntab) and of the text it
 * describes (runtime.text; 0 before Go 1.18's layout). */
uint64_t gopclntab_addr(const struct gopclntab *t);
uint64_t gopclntab_text(const struct gopclntab *t);
size_t gopclntab_count(const struct gopclntab *t);

struct gofunc {
	uint64_t entry, end;     /* link-time [entry, end) */
	const char *name;        /* in the table's bytes; "" if unreadable */
	uint32_t off;            /* of its _func record, for the tables below */
};
/* The function holding link-time pc; false if none. */
bool gopclntab_func(const struct gopclntab *t, uint64_t pc, struct gofunc *f);
/* The function whose name is name; false if none (a linear search). */
bool gopclntab_func_named(const struct gopclntab *t, const char *name, struct gofunc *f);
/* File and line of pc in f; false if the tables do not say. */
bool gopclntab_line(const struct gopclntab *t, const struct gofunc *f, uint64_t pc,
		    const char **file, uint32_t *line);
/* How far sp at pc is below sp at f's entry (bytes; on x86 the return
 * address is at sp + delta); false if the table does not say. */
bool gopclntab_sp_delta(const struct gopclntab *t, const struct gofunc *f, uint64_t pc,
			uint64_t *delta);

struct goinline {
	const char *name;        /* the inlined function */
	const char *file;        /* where pc (or its inner call) is in it */
	uint32_t line;
};
/* The calls inlined at pc in f, innermost first (at most max), from the
 * inline tree of a table gopclntab_from_elf found with Go 1.19's
 * moduledata; *outer the pc in f's own code where the outermost call is
 * (its file:line is f's line). 0 (and *outer pc) if none or unknown. */
size_t gopclntab_inline(const struct gopclntab *t, const struct gofunc *f, uint64_t pc,
			struct goinline *out, size_t max, uint64_t *outer);

#endif
