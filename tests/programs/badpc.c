/*
 * badpc - calls code that is not there, so that the unwinder must recover
 * the caller from the return address the call left (tests/e2e/test_badpc.py).
 *
 *   badpc null   main -> level_a -> level_b -> level_c, which calls through
 *                a null function pointer (SIGSEGV with pc 0)
 *   badpc heap   the same path, level_c calls into a malloc'd buffer (not
 *                executable: SIGSEGV with pc = the buffer's address)
 *
 * Before crashing it writes "oracle.txt" in the current directory:
 *   tid T main main
 *   func NAME 0xADDR    the runtime address of its functions
 *   bad 0xADDR          the address it calls
 *   end
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static void (*volatile target)(void);
static volatile int sink;

/* Work after each call keeps the calls from becoming jumps (tail calls). */
__attribute__((noinline)) static void level_c(void)
{
	target();
	sink++;
}

__attribute__((noinline)) static void level_b(void)
{
	level_c();
	sink++;
}

__attribute__((noinline)) static void level_a(void)
{
	level_b();
	sink++;
}

int main(int argc, char **argv)
{
	if (argc < 2 || (strcmp(argv[1], "null") && strcmp(argv[1], "heap"))) {
		fprintf(stderr, "usage: badpc null|heap\n");
		return 2;
	}
	if (!strcmp(argv[1], "heap")) {
		unsigned char *buf = malloc(64);
		if (!buf)
			return 1;
		memset(buf, 0xc3, 64); /* ret, were it executable */
		target = (void (*)(void))(void *)buf;
	}
	FILE *f = fopen("oracle.txt", "w");
	if (!f)
		return 1;
	fprintf(f, "tid %ld main main\n", (long)syscall(SYS_gettid));
	fprintf(f, "func main %p\n", (void *)main);
	fprintf(f, "func level_a %p\n", (void *)level_a);
	fprintf(f, "func level_b %p\n", (void *)level_b);
	fprintf(f, "func level_c %p\n", (void *)level_c);
	fprintf(f, "bad %#lx\n", (unsigned long)(void *)target);
	fprintf(f, "end\n");
	if (fclose(f))
		return 1;
	level_a();
	return sink;
}
