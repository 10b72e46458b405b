/* A test-only loader of the DWARF sections of an ELF64 little-endian
 * file (the tests' own gcc/clang output), for the unit tests of lib/dwarf. */
#ifndef COR_TOBJ_H
#define COR_TOBJ_H
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include "dwarf/dwarf.h"

/* ---- ELF sections (test-only loader, ELF64 little endian) ------------------- */

struct t_ehdr {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct t_shdr {
	uint32_t name, type;
	uint64_t flags, addr, offset, size;
	uint32_t link, info;
	uint64_t addralign, entsize;
};

#define T_SHT_NOBITS 8
#define T_SHF_COMPRESSED 0x800

struct tobj {
	uint8_t *data;
	size_t size;
	struct dwarf_sections s;
	bool compressed;
	bool has_altlink;
};

static inline bool load_obj(const char *path, struct tobj *o)
{
	FILE *f = fopen(path, "rb");
	memset(o, 0, sizeof(*o));
	if (!f)
		return false;
	fseek(f, 0, SEEK_END);
	o->size = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	o->data = malloc(o->size);
	if (fread(o->data, 1, o->size, f) != o->size) {
		fclose(f);
		return false;
	}
	fclose(f);
	struct t_ehdr *eh = (struct t_ehdr *)o->data;
	struct t_shdr *sh = (struct t_shdr *)(o->data + eh->shoff);
	const char *names = (const char *)o->data + sh[eh->shstrndx].offset;
	static const struct { const char *name; size_t off; } map[] = {
		{ ".debug_info", offsetof(struct dwarf_sections, info) },
		{ ".debug_abbrev", offsetof(struct dwarf_sections, abbrev) },
		{ ".debug_str", offsetof(struct dwarf_sections, str) },
		{ ".debug_line", offsetof(struct dwarf_sections, line) },
		{ ".debug_line_str", offsetof(struct dwarf_sections, line_str) },
		{ ".debug_str_offsets", offsetof(struct dwarf_sections, str_offsets) },
		{ ".debug_addr", offsetof(struct dwarf_sections, addr) },
		{ ".debug_ranges", offsetof(struct dwarf_sections, ranges) },
		{ ".debug_rnglists", offsetof(struct dwarf_sections, rnglists) },
		{ ".debug_aranges", offsetof(struct dwarf_sections, aranges) },
		{ ".debug_loc", offsetof(struct dwarf_sections, loc) },
		{ ".debug_loclists", offsetof(struct dwarf_sections, loclists) },
		{ ".debug_types", offsetof(struct dwarf_sections, types) },
	};
	for (unsigned i = 0; i < eh->shnum; i++) {
		const char *n = names + sh[i].name;
		if (!strcmp(n, ".gnu_debugaltlink") || !strcmp(n, ".debug_sup"))
			o->has_altlink = true;
		if (sh[i].type == T_SHT_NOBITS)
			continue;
		for (unsigned k = 0; k < sizeof(map) / sizeof(map[0]); k++) {
			if (strcmp(n, map[k].name))
				continue;
			struct dwarf_section *ds = (void *)((char *)&o->s + map[k].off);
			ds->data = o->data + sh[i].offset;
			ds->size = sh[i].size;
			ds->addr = sh[i].addr;
			if (sh[i].flags & T_SHF_COMPRESSED)
				o->compressed = true;
		}
	}
	o->s.addr_size = 8;
	o->s.path = path;
	return true;
}

#endif
