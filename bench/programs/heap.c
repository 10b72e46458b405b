/* heap MIB: mallocs and touches MIB mebibytes (0: 768 KiB), writes the
 * address of a page in the middle of it to ./addr.txt, then dies (SIGSEGV).
 * Built -static so the small core stays ~1 MiB. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOINLINE __attribute__((noinline))
volatile int sink;

NOINLINE void crash_here(volatile int *p) { *p = 42; }
NOINLINE static void step(volatile int *p) { crash_here(p); sink = 1; }

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? strtoul(argv[1], NULL, 0) : 0;
	size_t n = mib ? mib << 20 : 768u << 10;
	unsigned char *p = malloc(n);
	if (!p) {
		perror("malloc");
		return 1;
	}
	memset(p, 0xab, n);
	FILE *f = fopen("addr.txt", "w");
	if (!f)
		return 1;
	fprintf(f, "0x%lx\n", ((unsigned long)p + n / 2) & ~4095ul);
	fclose(f);
	step(NULL);
	return 0;
}
