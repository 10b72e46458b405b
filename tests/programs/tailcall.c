/*
 * tailcall - a crash under a frame that a tail call removed
 * (tests/e2e/test_tailcall.py). Built -O2:
 *
 *   main -> a -> b -> c, which writes through a null pointer (SIGSEGV)
 *
 * a does some work and then calls b in tail position, so gcc emits a jump:
 * a's frame is gone from the stack when b runs, and c's caller on the stack
 * is b, whose caller is main. DW_TAG_call_site with DW_AT_call_tail_call in
 * a names b, which lets a debugger put a back between b and main.
 *
 *   tailcall abort   main -> abort() instead (glibc's abort: raise ->
 *                    __pthread_kill_internal -> __pthread_kill_implementation,
 *                    the middle one a tail call)
 *
 * Before crashing it writes "oracle.txt" in the current directory:
 *   tid T main main
 *   func NAME 0xADDR    the runtime address of its functions
 *   end
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static volatile int sink;
static int *volatile nowhere;

/* Work after each call keeps c's and b's calls from becoming jumps. */
__attribute__((noinline)) static int c(int x)
{
	*nowhere = x;
	sink++;
	return sink;
}

__attribute__((noinline)) static int b(int x)
{
	int r = c(x + 1);
	sink += r;
	return sink;
}

/* The call of b is the last thing a does: a jump. */
__attribute__((noinline)) static int a(int x)
{
	sink += x;
	if (sink == 12345)
		sink = 0;
	return b(x * 2);
}

int main(int argc, char **argv)
{
	FILE *f = fopen("oracle.txt", "w");
	if (!f)
		return 1;
	fprintf(f, "tid %ld main main\n", (long)syscall(SYS_gettid));
	fprintf(f, "func main %p\n", (void *)main);
	fprintf(f, "func a %p\n", (void *)a);
	fprintf(f, "func b %p\n", (void *)b);
	fprintf(f, "func c %p\n", (void *)c);
	fprintf(f, "end\n");
	if (fclose(f))
		return 1;
	if (argc > 1 && !strcmp(argv[1], "abort"))
		abort();
	return a(argc) + sink;
}
