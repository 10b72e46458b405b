/* Unwinding a thread into physical frames (symbolization is backtrace.c's). */
#ifndef COR_UNWIND_H
#define COR_UNWIND_H

#include "core.h"

struct unwind_frame {
	uint64_t pc;
	uint64_t lookup_pc;     /* pc - 1 for return addresses */
	uint64_t sp, cfa;
	enum cor_frame_how how;
	bool signal_frame;      /* this frame is a signal trampoline */
};

struct unwind_cb {
	/* false: stop (out of memory) */
	bool (*frame)(struct unwind_cb *cb, const struct unwind_frame *f);
	char *stop;             /* why the unwind stopped, malloc'd, or NULL */
};

cor_error *unwind_thread(struct cor_core *c, size_t thread, struct unwind_cb *cb);

#endif
