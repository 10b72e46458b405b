/* Frames whose names are not plain: a crash in the part of a function gcc
 * split off for its unlikely path (check.cold), one in its hot part, and one
 * in a library without symbols (names_lib.c, stripped). argv[1]: "cold",
 * "hot" or "nosym". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int lib_crash(int *p, int n);

volatile int sink;

/* cold: the block calling it moves to check.cold */
__attribute__((cold, noinline)) void complain(int n)
{
	fprintf(stderr, "check: %d is too big\n", n);
}

__attribute__((noinline)) int check(int *p, int n)
{
	if (__builtin_expect(n > 1000, 0)) {
		complain(n);
		sink = *(volatile int *)(long)(n - 1001); /* faults in check.cold */
		abort();
	}
	return p[n & 7]; /* p NULL: faults in check */
}

int main(int argc, char **argv)
{
	int v[8] = {0};
	const char *mode = argc > 1 ? argv[1] : "";
	/* the oracle: where check and main are, as the program sees them */
	FILE *o = fopen("oracle.txt", "w");
	if (!o)
		return 1;
	fprintf(o, "fn check %p\nfn main %p\n", (void *)check, (void *)main);
	fclose(o);
	if (!strcmp(mode, "cold"))
		return check(v, argc + 1000);
	if (!strcmp(mode, "hot"))
		return check(NULL, argc);
	return lib_crash(NULL, argc);
}
