/*
 * bt_lto_main.c + bt_lto_lib.c - inlining across files through LTO
 * (tests/e2e/test_inline.py). Built -O2 -flto: lib_outer and lib_inner,
 * defined in bt_lto_lib.c and called once, are inlined into main_driver:
 *
 *   main -> main_driver (noinline) -> lib_outer -> lib_inner (inlined from
 *   the other file) stores through a null pointer: SIGSEGV
 *
 * Oracle "oracle.txt": "tid T main main", "func main_driver 0xADDR", "end".
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

void lib_outer(int *p, int v);
extern volatile int lto_sink;
int *volatile lto_null;

__attribute__((noinline)) static void main_driver(int v)
{
	lib_outer(lto_null, v + 1);
	__asm__ volatile("" ::: "memory");
}

int main(void)
{
	FILE *f = fopen("oracle.txt", "w");
	if (!f)
		abort();
	fprintf(f, "tid %ld main main\nfunc main_driver %p\nend\n",
		(long)syscall(SYS_gettid), (void *)main_driver);
	fclose(f);
	main_driver(1);
	return lto_sink;
}
