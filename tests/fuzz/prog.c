/* prog.c - the program of the fuzz_exe and fuzz_debug seeds, never run:
 * build.sh links it without libc at 0x400000 (.text at 0x400200) so that
 * each function starts 64 bytes after the last, where the fixed core of
 * targets.h (fz_prog_core) puts its pcs and return addresses. */
#define F __attribute__((noinline, aligned(64)))
static volatile int sink;
F int fz_leaf(int a, int b) { int s = a * b + sink; for (int i = 0; i < a; i++) s += i; return s; }
F int fz_mid(int a) { int r = fz_leaf(a, a + 1); sink = r; return r + 1; }
F int fz_top(int a) { int r = fz_mid(a + 2); sink = r; return r * 3; }
F void _start(void) { sink = fz_top(1); for (;;) ; }
