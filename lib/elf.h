/* One ELF file: mapped from disk (mmap, never read whole) or bytes in memory.
 * ELF32/ELF64, little/big endian; headers normalized to 64-bit structs.
 * All offsets/sizes in phdrs/shdrs are as the file says: callers use
 * elf_range() / elf_section_data() which check them against the file size. */
#ifndef COR_ELF_H
#define COR_ELF_H

#include "internal.h"

#define EM_386 3
#define EM_PPC64 21
#define EM_S390 22
#define EM_ARM 40
#define EM_X86_64 62
#define EM_AARCH64 183
#define EM_RISCV 243

#define ET_EXEC 2
#define ET_DYN 3
#define ET_CORE 4

#define PT_LOAD 1
#define PT_DYNAMIC 2
#define PT_INTERP 3
#define PT_NOTE 4
#define PT_PHDR 6
#define PT_GNU_EH_FRAME 0x6474e550

#define SHT_SYMTAB 2
#define SHT_STRTAB 3
#define SHT_NOTE 7
#define SHT_NOBITS 8
#define SHT_DYNSYM 11
#define SHF_COMPRESSED 0x800
#define PN_XNUM 0xffff

#define NT_GNU_BUILD_ID 3

/* Core file note types (owner "CORE" or "LINUX"). */
#define NT_PRSTATUS 1
#define NT_PRFPREG 2
#define NT_PRPSINFO 3
#define NT_TASKSTRUCT 4
#define NT_AUXV 6
#define NT_SIGINFO 0x53494749
#define NT_FILE 0x46494c45
#define NT_PRXFPREG 0x46e62b7f
#define NT_PPC_VMX 0x100
#define NT_PPC_VSX 0x102
#define NT_X86_XSTATE 0x202
#define NT_X86_XSAVE_LAYOUT 0x205
#define NT_S390_HIGH_GPRS 0x300
#define NT_S390_PREFIX 0x305
#define NT_S390_VXRS_LOW 0x309
#define NT_S390_VXRS_HIGH 0x30a
#define NT_ARM_VFP 0x400
#define NT_ARM_TLS 0x401
#define NT_ARM_SVE 0x405
#define NT_ARM_PAC_MASK 0x406
#define NT_RISCV_CSR 0x900

struct elf_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

struct elf_shdr {
	uint32_t name_off, type;
	uint64_t flags, addr, offset, size;
	uint32_t link, info;
	uint64_t addralign, entsize;
	const char *name;        /* from .shstrtab, "" if unavailable */
	/* decompressed contents, cached by elf_section_data() */
	uint8_t *inflated;
	size_t inflated_size;
	uint64_t charged;        /* bytes taken from limits.budget for it */
	cor_error *inflate_err;
};

struct elf_file {
	char *path;              /* for messages */
	const uint8_t *data;     /* whole file (mmap or caller's bytes) */
	size_t size;
	bool mapped;             /* data is our mmap */
	unsigned refs;           /* elf_close frees at the last reference */
	bool is64, be;
	uint8_t addr_size;
	uint8_t osabi;
	uint16_t type, machine;
	uint32_t flags;
	uint64_t entry, phoff, shoff;
	uint16_t phentsize, shentsize;
	uint32_t phnum, shnum, shstrndx; /* after PN_XNUM / SHN_XINDEX resolution */
	uint64_t expected_size;  /* max end of any segment/section/header (truncation check) */
	struct elf_phdr *phdrs;  /* phnum entries that fit in the file */
	struct elf_shdr *shdrs;  /* shnum entries (0 if the table is absent or bad) */
	struct limits limits;
	struct warnings *warn;   /* where to report non-fatal problems; may be NULL */
};

/* The ELF header's fields. */
struct elf_ehdr {
	bool is64, be;
	uint8_t osabi;
	uint16_t type, machine;
	uint32_t flags;
	uint64_t entry, phoff, shoff;
	uint16_t phentsize, shentsize, phnum, shnum, shstrndx;
};
/* The one ELF header parser: n bytes at d (name for messages). */
cor_error *elf_ehdr_decode(const uint8_t *d, size_t n, const char *name, struct elf_ehdr *h);
/* One program header entry (56 or 32 bytes at b). */
void elf_phdr_decode(const uint8_t *b, bool is64, bool be, struct elf_phdr *p);

/* An ELF object in the dead process's memory, read through a callback. */
struct elf_image_src {
	cor_error *(*read)(void *arg, uint64_t addr, void *buf, size_t n);
	void *arg;
};
/* The ELF header of the object whose first page is at base. */
bool elf_image_open(const struct elf_image_src *src, uint64_t base, struct elf_ehdr *h);
/* Program header i of the table at phaddr. */
bool elf_image_phdr(const struct elf_image_src *src, const struct elf_ehdr *h, uint64_t phaddr,
		    unsigned i, struct elf_phdr *p);
/* The build-id in the PT_NOTEs of the object at base (at most 64 bytes). */
bool elf_image_build_id(const struct elf_image_src *src, uint64_t base, uint8_t *id, size_t *len);

/* Opens path (mmap). Errors name the path and offset. warn may be NULL. */
cor_error *elf_open(const char *path, const struct limits *lim,
		    struct warnings *warn, struct elf_file **out);
/* Maps size bytes of the open file fd (the caller keeps fd) and parses
 * them; name is used in messages. */
cor_error *elf_open_fd(int fd, uint64_t size, const char *name, const struct limits *lim,
		       struct warnings *warn, struct elf_file **out);
/* Parses bytes in memory (not copied: they must outlive the elf_file). */
cor_error *elf_open_mem(const void *data, size_t size, const char *name,
			const struct limits *lim, struct warnings *warn,
			struct elf_file **out);
/* Drops a reference (an elf_file starts with one); the last frees it. */
void elf_close(struct elf_file *ef);
/* Another reference to ef (shared by modules opening the same file). */
struct elf_file *elf_ref(struct elf_file *ef);
/* Tells the kernel reads will be scattered (a core): no read-around, so
 * the pages mapped are the pages read. */
void elf_advise_random(struct elf_file *ef);

/* A reader over bytes [off, off+len) of the file; false if not all inside. */
bool elf_range(const struct elf_file *ef, uint64_t off, uint64_t len,
	       struct reader *r);
/* Reader over the whole file, of the file's byte order and word size. */
void elf_reader(const struct elf_file *ef, struct reader *r);

const struct elf_shdr *elf_section_by_name(const struct elf_file *ef,
					   const char *name);
const struct elf_shdr *elf_section_by_type(const struct elf_file *ef,
					   uint32_t type);
/* Contents of a section (decompressed when SHF_COMPRESSED, cached in the
 * elf_file). SHT_NOBITS gives an error. Pointer valid until elf_close(). */
cor_error *elf_section_data(struct elf_file *ef, const struct elf_shdr *sh,
			    const uint8_t **data, size_t *size);

/* One ELF note. */
struct elf_note {
	uint32_t type;
	const char *name;        /* not necessarily NUL-terminated: use namesz */
	uint32_t namesz;         /* without the trailing NUL */
	const uint8_t *desc;
	uint64_t descsz;
	uint64_t offset;         /* of desc, relative to the reader's base */
};
/* Iterates notes; align is 4 or 8. Returns 1 with a note, 0 at the end,
 * -1 on a malformed note (r is then left at the end). */
int elf_note_next(struct reader *r, unsigned align, struct elf_note *n);
bool elf_note_is(const struct elf_note *n, const char *name);

/* Build-id from PT_NOTE or SHT_NOTE (NT_GNU_BUILD_ID, "GNU"). At most 64 bytes. */
bool elf_build_id(const struct elf_file *ef, const uint8_t **id, size_t *len);
/* .gnu_debuglink: file name and CRC. */
bool elf_debuglink(struct elf_file *ef, const char **name, uint32_t *crc);


#endif
