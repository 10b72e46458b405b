/* Unwinding one thread into physical frames: DWARF CFI (.eh_frame, then
 * .debug_frame, then ARM's .ARM.exidx), the architecture's signal frames,
 * then its fallback steps (frame pointer, back chain, link register). It sees memory through a read
 * callback and code through a lookup, so it runs over any address space;
 * symbolization is backtrace.c's. */
#ifndef COR_UNWIND_H
#define COR_UNWIND_H

#include "internal.h"
#include "arch/arch.h"
#include "dwarf/cfi.h"
#include "dwarf/exidx.h"

/* What the unwinder asks of the code at a pc. */
struct unwind_code {
	/* The CFI table (.eh_frame if eh, else .debug_frame) of the object
	 * holding pc, and its load bias; NULL if it has none. */
	struct cfi_table *(*cfi)(void *arg, uint64_t pc, bool eh, uint64_t *bias);
	/* Name of the object holding pc, or NULL if pc is in none. */
	const char *(*object)(void *arg, uint64_t pc);
	/* pc is in code: a loaded object, or a file mapped executable. */
	bool (*in_code)(void *arg, uint64_t pc);
	/* The function at (lookup) pc was entered as if called from where its
	 * caller was interrupted: the return address it leaves is the pc that
	 * faulted, not one past a call, so the caller is looked up at that pc
	 * exactly (Go's runtime.sigpanic). May be NULL. */
	bool (*fakes_call)(void *arg, uint64_t pc);
	/* The function at (lookup) pc is entered by the kernel as a signal
	 * handler and its CFI leaves the return address undefined (Go's
	 * runtime.sigtramp): the signal frame is at its CFA. May be NULL. */
	bool (*handler_entry)(void *arg, uint64_t pc);
	/* The ARM exception-handling table of the object holding pc, and its
	 * load bias; tried where no CFI covers pc. May be NULL. */
	struct exidx_table *(*exidx)(void *arg, uint64_t pc, uint64_t *bias);
	/* The entry of the function holding pc, by its symbol, and whether it
	 * is Thumb code (ARM); false if unknown. May be NULL. */
	bool (*func_start)(void *arg, uint64_t pc, uint64_t *start, bool *thumb);
	/* How far sp at (lookup) pc is below sp at its function's entry, from
	 * a table of frame sizes (Go's pcsp); false if none covers pc. Tried
	 * where no CFI does, on machines whose calls push the return address
	 * (x86) and on arm64 (Go's return address at 0(sp)). May be NULL. */
	bool (*sp_delta)(void *arg, uint64_t pc, uint64_t *delta);
	void *arg;
};

struct row_cache;

struct unwinder {
	const struct arch_info *arch;
	struct arch_mem mem;
	struct unwind_code code;
	const struct limits *limits;
	struct row_cache *rows;      /* recent CFI rows by pc */
};

void unwinder_init(struct unwinder *u, const struct arch_info *arch, const struct arch_mem *mem,
		   const struct unwind_code *code, const struct limits *limits);
void unwinder_free(struct unwinder *u);

struct unwind_frame {
	uint64_t pc;
	uint64_t lookup_pc;     /* pc - 1 for return addresses */
	uint64_t sp, cfa;
	enum cor_frame_how how;
	bool signal_frame;      /* this frame is a signal trampoline */
};

/* The registers of one physical frame as far as they are known there: in
 * the innermost frame and one a signal interrupted, every register of the
 * context; in a frame above a call, only those its callee's CFI restored
 * and the callee-saved ones it kept (arch_info.callee_saved), never the
 * caller-saved registers the call may have changed. cfa is the frame's own
 * CFA (DW_OP_call_frame_cfa), when cfa_known (found by CFI). */
struct unwind_regs {
	struct frame_regs r;
	uint64_t cfa;
	bool cfa_known;
};

struct unwind_cb {
	/* false: stop (out of memory) */
	bool (*frame)(struct unwind_cb *cb, const struct unwind_frame *f);
	/* With it, called after frame() for the same frame once its CFA is
	 * known (may be NULL: then the unwinder keeps no copies). */
	void (*regs)(struct unwind_cb *cb, const struct unwind_regs *r);
	char *stop;             /* why the unwind stopped, malloc'd, or NULL */
};

/* Frames of the thread whose registers are t's, innermost first. */
cor_error *unwind_thread(struct unwinder *u, const struct cor_thread *t, struct unwind_cb *cb);
/* The same from registers saved at a call (a parked goroutine's pc, sp
 * and frame pointer), when called: the pc is a return address, looked up
 * at pc - 1. */
cor_error *unwind_saved(struct unwinder *u, const struct cor_thread *t, bool called,
			struct unwind_cb *cb);

#endif
