/* Per-architecture facts: NT_PRSTATUS register layout, register names as the
 * architecture's manuals spell them, DWARF register numbers, extra register
 * notes (floating point, vector), and what the unwinder needs. */
#ifndef COR_ARCH_H
#define COR_ARCH_H

#include "internal.h"

struct arch_reg {
	const char *name;
	uint16_t offset;        /* in the register block */
	uint8_t size;
	int16_t dwarf;          /* DWARF register number, -1 if none */
	enum cor_regset set;
};

/* Collects the registers of one thread. */
struct regs_builder {
	struct cor_register *v;
	size_t n, cap;
	struct arena *arena;    /* for synthesized values (ymm = xmm + hi) */
	const uint32_t *xsave_layout; /* offsets by XSAVE feature (NT_X86_XSAVE_LAYOUT) or NULL */
	bool be;
	bool oom;
};
void regs_add(struct regs_builder *b, const char *name, enum cor_regset set,
	      const uint8_t *bytes, uint32_t size);
/* Adds every entry of a table read from block (of block_size bytes). */
void regs_add_table(struct regs_builder *b, const struct arch_reg *t, size_t n,
		    const uint8_t *block, size_t block_size);

struct arch_info {
	enum cor_arch arch;
	const char *name;
	uint16_t machine;
	bool is64;
	bool be;
	/* general registers in NT_PRSTATUS pr_reg */
	const struct arch_reg *gregs;
	size_t ngregs;
	uint32_t pr_reg_size;
	const char *pc_name, *sp_name;
	/* DWARF numbers */
	int dwarf_sp, dwarf_fp, dwarf_ra, dwarf_pc; /* dwarf_pc -1 if the PC is the RA column */
	/* Decodes one per-thread note other than NT_PRSTATUS; false if the
	 * note type is not a register note of this architecture. */
	bool (*decode_note)(struct regs_builder *b, uint32_t type,
			    const uint8_t *desc, size_t size, uint64_t *xfeatures);
};

const struct arch_info *arch_by_machine(uint16_t machine, bool is64, bool be);
const struct arch_info *arch_by_id(enum cor_arch arch);

/* Note types with register contents (also used by arch files). */
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
#define NT_ARM_TLS 0x401
#define NT_ARM_SVE 0x405
#define NT_ARM_PAC_MASK 0x406
#define NT_RISCV_CSR 0x900

/* Shared decoders. */
bool x86_decode_fxsave(struct regs_builder *b, const uint8_t *d, size_t n, int nxmm);
bool x86_decode_xstate(struct regs_builder *b, const uint8_t *d, size_t n, int nvec,
		       uint64_t *xfeatures);

/* A tiny bump allocator freed all at once. */
struct arena {
	struct arena_block *head;
};
void *arena_alloc(struct arena *a, size_t n);
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
void arena_free(struct arena *a);

extern const struct arch_info arch_x86_64, arch_i386, arch_aarch64,
	arch_ppc64le, arch_ppc64, arch_s390x, arch_riscv64;

#endif
