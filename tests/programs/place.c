/* Crashes in its shared library (place_lib.c) after writing where the
 * library's functions are to oracle.txt ("fn NAME ADDR"). The tests build
 * both with the old one-segment layout (-z noseparate-code) and with the
 * usual one; argv[1] "filter" first writes 0x23 to
 * /proc/self/coredump_filter, so the kernel dumps no ELF header pages (bit
 * 4 off) and the core holds no build-id of the library. */
#include <stdio.h>
#include <string.h>

int place_crash(int *p);
int place_deep(int *p);

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "filter")) {
		FILE *cf = fopen("/proc/self/coredump_filter", "w");
		if (!cf || fputs("0x23", cf) < 0 || fclose(cf) != 0)
			return 2;
	}
	FILE *f = fopen("oracle.txt", "w");
	if (!f)
		return 1;
	fprintf(f, "fn place_crash %p\nfn place_deep %p\nfn main %p\n",
		(void *)place_crash, (void *)place_deep, (void *)main);
	fclose(f);
	return place_crash(NULL);
}
