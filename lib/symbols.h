/* ELF symbol tables (.symtab and .dynsym) of one module, sorted once for
 * binary search. Functions and objects; global preferred over weak over
 * local at the same address; sizes respected (a PC past a sized symbol's
 * end does not match it, unless nothing else does and the size is 0). */
#ifndef COR_SYMBOLS_H
#define COR_SYMBOLS_H

#include "elf.h"

struct symtab;

struct symtab *symtab_new(void);
void symtab_free(struct symtab *st);
/* Adds .symtab and .dynsym of ef (either may be absent). Symbols get
 * address st_value (link-time). Strings are copied or ef must outlive st;
 * see symbols.c. Bad entries (sh_entsize 0, names past strtab) are skipped
 * with a warning into ef->warn. */
cor_error *symtab_add_elf(struct symtab *st, struct elf_file *ef);
/* The same; ppc64 ELFv1 (function symbols are descriptors in .opd, mapped
 * to their entries): where ef's .opd has no contents (SHT_NOBITS: a
 * separate debug file), code's .opd at the same address is read (code may
 * be NULL; it is only read during the call). */
cor_error *symtab_add_elf_code(struct symtab *st, struct elf_file *ef, struct elf_file *code);
/* Finishes: sorts and dedups. Must be called before lookups. */
void symtab_finish(struct symtab *st);

struct symbol {
	const char *name;
	uint64_t value, size;
	bool thumb;             /* ARM: Thumb code (bit 0 of st_value, not in value) */
};
/* Symbol containing link-time addr; false if none. */
bool symtab_lookup(const struct symtab *st, uint64_t addr, struct symbol *out);
size_t symtab_count(const struct symtab *st);
/* The link-time value of the symbol named name (aliases too, e.g. both
 * __GI_raise and raise); false if none, or if several symbols of that name
 * have different values and not exactly one of them is global. The first
 * call builds a name index (a pointer a symbol). */
bool symtab_find_name(struct symtab *st, const char *name, uint64_t *value);

/* Demangled copy of a C++ / Rust name, or NULL if not mangled (or no
 * demangler was built in). Caller frees. */
char *cor_demangle(const char *name);
/* Demangled copy of a mangled type name as std::type_info::name() holds
 * it ("St13runtime_error" -> "std::runtime_error"), or NULL. */
char *cor_demangle_type(const char *name);
/* false when built without libiberty and libstdc++: names stay mangled. */
bool cor_have_demangler(void);

/* CRC-32 as .gnu_debuglink uses (the zlib/IEEE polynomial). */
uint32_t cor_crc32(uint32_t crc, const uint8_t *p, size_t n);

#endif
