/* Loaded ELF objects of the dead process: the executable, shared libraries
 * (NT_FILE and the dynamic linker's link_map list) and the vDSO, each with
 * its load bias, build-id, file and separate debug file; found when the
 * core is opened. Their symbols, CFI and DWARF are read on first use. */
#ifndef COR_MODULES_H
#define COR_MODULES_H

#include "internal.h"
#include "files.h"
#include "memory.h"
#include "process.h"
#include "symbols.h"
#include "gopclntab.h"
#include "dwarf/cfi.h"
#include "dwarf/exidx.h"
#include "dwarf/info.h"

struct module {
	struct cor_module pub;
	struct elf_file *elf;        /* the object (file, or vDSO bytes) */
	uint8_t *image;              /* vDSO bytes copied from the core */
	struct elf_file *debug;      /* separate debug file */
	struct elf_file *mini;       /* MiniDebugInfo (.gnu_debugdata) */
	uint8_t *mini_data;
	size_t mini_size;            /* taken from the budget for mini_data */
	struct elf_file *alt;        /* dwz supplementary file */
	bool cfi_done, syms_done, dwarf_done, exidx_done, dwarf_full, go_done;
	struct cfi_table *eh, *dbgf;
	struct exidx_table *exidx;    /* .ARM.exidx (32-bit ARM) */
	struct symtab *syms;
	struct gopclntab *go;         /* Go's pclntab, if a Go binary */
	struct dwarf_sections secs, alt_secs;
	struct dwarf_info *dwarf;
	struct elf_file *dwarf_elf;  /* the file secs are of (elf or debug) */
};

struct modules {
	struct module *v;            /* sorted by start */
	size_t n, cap;
	size_t dropped;              /* over MAX_MODULES */
	/* what they are found with */
	const struct process *proc;
	struct memory *mem;
	struct files *files;
	const struct limits *limits;
	struct arena *arena;
	struct warnings *warn;
};

/* Finds every loaded object. Problems are warnings. */
cor_error *modules_build(struct modules *ms, const struct process *p, struct memory *mem,
			 struct files *files, const struct limits *limits,
			 struct arena *arena, struct warnings *warn);
void modules_free(struct modules *ms);

/* The module containing addr, or NULL. */
struct module *module_at(const struct modules *ms, uint64_t addr);
/* Tables of a module, read on first use (NULL if it has none). */
struct cfi_table *module_cfi(const struct modules *ms, struct module *m, bool eh);
/* The ARM exception-handling table (.ARM.exidx, .ARM.extab) of an EM_ARM
 * module, read on first use; NULL if it has none. */
struct exidx_table *module_exidx(const struct modules *ms, struct module *m);
struct symtab *module_symtab(const struct modules *ms, struct module *m);
/* Go's pclntab of the module's file (names, lines and frame sizes of a Go
 * binary, stripped too), read on first use; NULL if it has none. */
struct gopclntab *module_gopclntab(const struct modules *ms, struct module *m);
/* n bytes at addr (in the process) from m's file, where a PT_LOAD's file
 * bytes put them; false if they are not all there. */
bool module_read_file(const struct module *m, uint64_t addr, void *buf, size_t n);
/* memory_read, and where the core has no bytes for an address in a loaded
 * object (qemu-user dumps neither text nor read-only data, and writes no
 * NT_FILE to find the file by), the object's file: bytes its PT_LOADs put
 * there. *done (may be NULL) as memory_read's. */
cor_error *modules_read(const struct modules *ms, uint64_t addr, void *buf, size_t n,
			size_t *done);
struct dwarf_info *module_dwarf(const struct modules *ms, struct module *m);
/* module_dwarf with the sections of variables and types too (.debug_loc,
 * .debug_loclists, .debug_types), decompressed at the first call. */
struct dwarf_info *module_dwarf_full(const struct modules *ms, struct module *m);

#endif
