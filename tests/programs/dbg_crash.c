/* Crashes three calls deep after writing the runtime addresses of its
 * functions to oracle.txt: the debug-information tests strip, split and
 * compress it in several ways and check that coroner still names them. */
#include <stdio.h>
#include <stdlib.h>

#ifndef VARIANT
#define VARIANT 1
#endif

static volatile int sink;

__attribute__((noinline)) static void dbg_inner(int *p)
{
	sink = VARIANT;
	*p = 42; /* the fault */
	sink++;
}

__attribute__((noinline)) static void dbg_outer(int *p)
{
	dbg_inner(p);
	sink++;
}

int main(void)
{
	FILE *f = fopen("oracle.txt", "w");
	if (!f)
		return 1;
	fprintf(f, "fn dbg_inner %p\nfn dbg_outer %p\nfn main %p\n",
		(void *)dbg_inner, (void *)dbg_outer, (void *)main);
	fclose(f);
	dbg_outer((int *)16);
	return 0;
}
