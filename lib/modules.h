/* Loaded ELF objects of the dead process: the executable, shared libraries
 * (NT_FILE and the dynamic linker's link_map list) and the vDSO. Each has a
 * load bias, build-ids, and lazily: symbols, CFI, DWARF, a debug file. */
#ifndef COR_MODULES_H
#define COR_MODULES_H

#include "core.h"
#include "symbols.h"
#include "dwarf/cfi.h"
#include "dwarf/info.h"

struct module {
	struct cor_module pub;
	struct elf_file *elf;        /* the object (file, or vDSO bytes) */
	uint8_t *image;              /* vDSO bytes copied from the core */
	struct elf_file *debug;      /* separate debug file */
	struct elf_file *mini;       /* MiniDebugInfo (.gnu_debugdata) */
	uint8_t *mini_data;
	struct elf_file *alt;        /* dwz supplementary file */
	bool debug_done, cfi_done, syms_done, dwarf_done;
	struct cfi_table *eh, *dbgf;
	struct symtab *syms;
	struct dwarf_sections secs, alt_secs;
	struct dwarf_info *dwarf;
};

struct modules {
	struct module *v;            /* sorted by start */
	size_t n;
	size_t dropped;              /* over MAX_MODULES */
};

struct modules *modules_get(struct cor_core *c);
struct module *module_at(struct cor_core *c, uint64_t addr);
struct cfi_table *module_cfi(struct cor_core *c, struct module *m, bool eh);
struct symtab *module_symtab(struct cor_core *c, struct module *m);
struct dwarf_info *module_dwarf(struct cor_core *c, struct module *m);

#endif
