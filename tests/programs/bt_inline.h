/* bt_inline.h - a helper inlined from a header (tests/e2e/test_inline.py). */
#ifndef BT_INLINE_H
#define BT_INLINE_H

extern volatile int bt_sink;

/* Stores through p: the fault of bt_inline's crash path happens here. */
static inline __attribute__((always_inline)) void hdr_store(int *p, int v)
{
	bt_sink = v;
	*(volatile int *)p = v + bt_sink;
}

#endif
