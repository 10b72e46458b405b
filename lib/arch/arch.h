/* Per-architecture facts: NT_PRSTATUS register layout, register names as the
 * architecture's manuals spell them, DWARF register numbers, extra register
 * notes (floating point, vector), and what the unwinder needs. */
#ifndef COR_ARCH_H
#define COR_ARCH_H

#include "internal.h"
#include "elf.h"
#include "dwarf/dwarf.h"

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

/* The registers of one frame as the unwinder keeps them: by DWARF number,
 * with the pc and the CFA (canonical frame address) apart. */
struct frame_regs {
	uint64_t v[DWARF_MAX_REGS];
	bool ok[DWARF_MAX_REGS];
	uint64_t pc, cfa;
	uint64_t mask;          /* of the word size */
};

static inline void frame_regs_set(struct frame_regs *r, int regno, uint64_t val)
{
	if (regno >= 0 && regno < DWARF_MAX_REGS) {
		r->v[regno] = val & r->mask;
		r->ok[regno] = true;
	}
}

/* Reads of the dead process's memory for the hooks below. */
struct arch_mem {
	cor_error *(*read)(void *arg, uint64_t addr, void *buf, size_t n);
	void *arg;
	bool be;
	unsigned word;          /* 4 or 8 */
};
/* One word at addr; false if it cannot be read. */
bool arch_read_word(const struct arch_mem *m, uint64_t addr, uint64_t *val);

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

	/* Unwinding hooks; NULL where the architecture has none. */
	/* At a signal trampoline (r->pc is the trampoline's code): restores
	 * the interrupted frame's registers from the saved context. 1 done,
	 * 0 not a trampoline, -1 the context cannot be read. */
	int (*signal_step)(const struct arch_info *a, struct frame_regs *r,
			   const struct arch_mem *m);
	/* At the entry sp of a signal handler (r's sp: where the kernel put
	 * the signal frame): restores the interrupted registers. false if
	 * the context cannot be read or is no signal frame. */
	bool (*signal_entry_step)(const struct arch_info *a, struct frame_regs *r,
				  const struct arch_mem *m);
	/* Bytes Go's signal handler reserves below the faulting frame's sp
	 * before faking its call to runtime.sigpanic, the first word the
	 * link register call_ra had (arm64: 16); 0: it pushes the return
	 * address as a call does (x86). */
	uint32_t fake_call_push;
	/* Without CFI: one step up the frame pointer chain or back chain;
	 * first is true for the innermost frame. false if there is none. */
	bool (*fallback_step)(const struct arch_info *a, struct frame_regs *r,
			      const struct arch_mem *m, bool first);
	/* Without unwind information: the function entered at start (thumb:
	 * in Thumb code) has run up to r->pc; undoes what its prologue
	 * pushed or reserved on the stack, restores the registers it saved
	 * and returns to the saved link register, or to the live one if
	 * live_lr (the innermost frame) and it saved none. false if its code
	 * cannot be read or it saved no link register and live_lr is
	 * false. */
	bool (*prologue_step)(const struct arch_info *a, struct frame_regs *r,
			      const struct arch_mem *m, uint64_t start, bool thumb, bool live_lr);
	/* The caller's stack pointer is the CFA plus this (s390x: -160, the
	 * register save area the CFA includes). */
	int32_t sp_from_cfa;
	/* DWARF number of the link register holding a leaf's return address
	 * (tried for the innermost frame without CFI), or -1. */
	int leaf_ra;
	/* A return address as the code sees it (pointer authentication
	 * bits stripped); NULL: the value itself. */
	uint64_t (*strip_pc)(uint64_t pc);
	/* Where a call puts the return address, read for an innermost frame
	 * whose pc is in no code (a call through NULL or into data): the
	 * DWARF number of the link register, or -1 for the word at sp (the
	 * caller's sp is then sp + the word size). Used only with
	 * after_call. */
	int call_ra;
	/* true if the instruction before ra is a call (so ra is a return
	 * address); NULL: return addresses cannot be told apart. */
	bool (*after_call)(const struct arch_info *a, const struct arch_mem *m, uint64_t ra);
	/* The callee-saved registers of the ABI, DWARF numbers as bits
	 * (register n: bit n % 64 of word n / 64): what a frame above a call
	 * still holds where its callee's CFI says nothing. All zero: none is
	 * trusted there (only what CFI restored). */
	uint64_t callee_saved[DWARF_MAX_REGS / 64];
};

static inline bool arch_callee_saved(const struct arch_info *a, unsigned regno)
{
	return regno < DWARF_MAX_REGS && (a->callee_saved[regno / 64] >> (regno % 64)) & 1;
}

/* The pc with the architecture's strip_pc applied. */
static inline uint64_t arch_strip_pc(const struct arch_info *a, uint64_t pc)
{
	return a->strip_pc ? a->strip_pc(pc) : pc;
}

/* Restores registers from a saved context at ctx: word i goes to DWARF
 * register map[i] (-1: none), word pc_slot is the pc. false if unreadable
 * (r unchanged). */
bool arch_restore_context(struct frame_regs *r, const struct arch_mem *m, uint64_t ctx,
			  const int8_t *map, size_t n, int pc_slot);
/* true if the code at r->pc is the n bytes of pat. */
bool arch_code_is(const struct frame_regs *r, const struct arch_mem *m, const uint8_t *pat,
		  size_t n);
/* The frame record of x86, aarch64 (fp points at {saved fp, return
 * address}), shared as a fallback_step. */
bool arch_fp_record_step(const struct arch_info *a, struct frame_regs *r,
			 const struct arch_mem *m, bool first);
/* The riscv64 frame record ({return address, saved fp} below fp). */
bool arch_fp_below_step(const struct arch_info *a, struct frame_regs *r,
			const struct arch_mem *m, bool first);

/* The n bytes before addr into b; false if unreadable. */
bool arch_read_before(const struct arch_mem *m, uint64_t addr, uint8_t *b, size_t n);
/* The 4-byte instruction word before addr (big endian if be); false if
 * unreadable. */
bool arch_word_before(const struct arch_mem *m, uint64_t addr, bool be, uint32_t *w);

const struct arch_info *arch_by_machine(uint16_t machine, bool is64, bool be);


/* Shared signal steps. */
int ppc_signal(const struct arch_info *a, struct frame_regs *r, const struct arch_mem *m);

/* Shared after_call hooks. */
bool ppc_after_call(const struct arch_info *a, const struct arch_mem *m, uint64_t ra);
bool s390_after_call(const struct arch_info *a, const struct arch_mem *m, uint64_t ra);

/* Shared decoders. */
bool x86_decode_fxsave(struct regs_builder *b, const uint8_t *d, size_t n, int nxmm);
bool x86_decode_xstate(struct regs_builder *b, const uint8_t *d, size_t n, int nvec,
		       uint64_t *xfeatures);


extern const struct arch_info arch_x86_64, arch_i386, arch_aarch64,
	arch_ppc64le, arch_ppc64, arch_s390x, arch_riscv64, arch_x32, arch_ppc, arch_s390,
	arch_arm;

#endif
