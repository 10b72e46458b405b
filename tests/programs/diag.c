/*
 * diag - crashes in the way argv[1] names, one per class of the crash
 * diagnosis (tests/e2e/test_diagnose.py). Built with
 * -O2 -g -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fno-omit-frame-pointer.
 *
 *   nullwrite    writes to a member of a NULL struct pointer (DestAvNearNull)
 *   nullwrite2   the same from another function (another crash site)
 *   nullread     reads a member of a NULL struct pointer (SourceAvNearNull)
 *   writero      writes to a read-only page (DestAv)
 *   readunmapped reads an unmapped page (SourceAv)
 *   nullcall     calls through a NULL function pointer (SegFaultOnPcNearNull)
 *   callmem      x86: call *(reg) with reg NULL (CallAvNearNull)
 *   jumpdata     calls into a page mapped read/write (SegFaultOnPc)
 *   taintcall    x86_64: loads from an unmapped page into rax, then call *%rax
 *                (CallAvTainted); taintjump: jmp *%rax (BranchAvTainted);
 *                taintstore: a store through rax (DestAvTainted)
 *   overflow     recursion f -> g -> f until the stack ends (StackOverflow)
 *   overflowthread the same in a thread, into its guard page (StackOverflow)
 *   assert       a failing assert (AbortSignal, glibc's message)
 *   doublefree   frees a block twice (HeapError)
 *   smash        overwrites a buffer past the canary (StackGuard)
 *   fortify      memcpy past a buffer, caught by __memcpy_chk (SafeFunctionCheck)
 *   abort        abort() (AbortSignal)
 *   fpe          integer division by zero (FPE)
 *   wait         waits to be killed (ExternalSignal when killed by kill -SEGV)
 *
 * Before crashing it writes "oracle.txt" in the current directory:
 *   pid P
 *   target 0xADDR       the address it is about to access or call, if any
 *   end
 */
#define _GNU_SOURCE
#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline, noclone))

struct rec {
	long a, b, c;
};

static struct rec *volatile null_rec;
static void (*volatile null_fn)(void);
static volatile int sink;
static volatile size_t big = 64;
static volatile int zero;

static void oracle(const void *target)
{
	FILE *f = fopen("oracle.txt", "w");
	if (!f)
		exit(1);
	fprintf(f, "pid %d\n", (int)getpid());
	if (target)
		fprintf(f, "target %p\n", target);
	fprintf(f, "end\n");
	fclose(f);
}

NOINLINE static void store_null(void)
{
	oracle(&null_rec->c);
	null_rec->c = 7;
	sink++;
}

NOINLINE static void store_null_other(void)
{
	oracle(&null_rec->b);
	null_rec->b = 9;
	sink += 2;
}

NOINLINE static long load_null(void)
{
	oracle(&null_rec->b);
	long v = null_rec->b;
	sink++;
	return v;
}

NOINLINE static void store_ro(void)
{
	long *p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		exit(1);
	oracle(p + 3);
	*(volatile long *)(p + 3) = 5;
	sink++;
}

NOINLINE static long load_unmapped(void)
{
	long *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		exit(1);
	munmap(p, 8192);
	oracle(p + 5);
	long v = *(volatile long *)(p + 5);
	sink++;
	return v;
}

NOINLINE static void call_null(void)
{
	oracle(NULL);
	null_fn();
	sink++;
}

NOINLINE static void call_mem(void)
{
	oracle(NULL);
#if defined(__x86_64__)
	__asm__ volatile("call *(%0)" :: "r"(null_rec) : "memory");
#elif defined(__i386__)
	__asm__ volatile("call *(%0)" :: "r"(null_rec) : "memory");
#else
	null_fn();
#endif
	sink++;
}

NOINLINE static void tainted(const char *how)
{
	long *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		exit(1);
	munmap(p, 4096);
	oracle(p + 2);
#if defined(__x86_64__)
	if (!strcmp(how, "call"))
		__asm__ volatile("mov (%0), %%rax\n\tadd $8, %%rax\n\tcall *%%rax"
				 :: "r"(p + 2) : "rax", "memory");
	else if (!strcmp(how, "jump"))
		__asm__ volatile("mov (%0), %%rax\n\tjmp *%%rax" :: "r"(p + 2) : "rax", "memory");
	else
		__asm__ volatile("mov (%0), %%rax\n\tmov %%rsi, 8(%%rax)" :: "r"(p + 2)
				 : "rax", "memory");
#else
	(void)how;
#endif
	sink++;
}

NOINLINE static void call_data(void)
{
	unsigned char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				-1, 0);
	if (p == MAP_FAILED)
		exit(1);
	memset(p, 0xc3, 4096);
	oracle(p);
	((void (*)(void))(void *)p)();
	sink++;
}

NOINLINE static int rec_g(int n);

NOINLINE static int rec_f(int n)
{
	volatile char buf[64];
	buf[n & 63] = (char)n;
	int r = rec_g(n + 1);
	return r + buf[3];
}

NOINLINE static int rec_g(int n)
{
	volatile char buf[96];
	buf[n % 96] = (char)n;
	int r = rec_f(n + 1);
	return r + buf[5];
}

static void *overflow_thread(void *arg)
{
	sink = rec_f((int)(long)arg);
	return NULL;
}

NOINLINE static void do_assert(int n)
{
	assert(n == 99 && "diag wants 99");
	sink++;
}

NOINLINE static void double_free(void)
{
	void *volatile p = malloc(40);
	free(p);
	free(p);
	sink++;
}

NOINLINE static void smash(void)
{
	char buf[16];
	volatile char *p = buf;
	for (size_t i = 0; i < big; i++)
		p[i] = 'A';
	sink += buf[1];
}

NOINLINE static void fortify(const char *src)
{
	char buf[8];
	memcpy(buf, src, big);
	sink += buf[2];
}

NOINLINE static int divide(int a)
{
	return a / zero;
}

int main(int argc, char **argv)
{
	const char *m = argc > 1 ? argv[1] : "";
	static char src[256];
	if (!strcmp(m, "nullwrite"))
		store_null();
	else if (!strcmp(m, "nullwrite2"))
		store_null_other();
	else if (!strcmp(m, "nullread"))
		sink = (int)load_null();
	else if (!strcmp(m, "writero"))
		store_ro();
	else if (!strcmp(m, "readunmapped"))
		sink = (int)load_unmapped();
	else if (!strcmp(m, "nullcall"))
		call_null();
	else if (!strcmp(m, "callmem"))
		call_mem();
	else if (!strncmp(m, "taint", 5))
		tainted(m + 5);
	else if (!strcmp(m, "jumpdata"))
		call_data();
	else if (!strcmp(m, "overflow")) {
		oracle(NULL);
		sink = rec_f(argc);
	} else if (!strcmp(m, "overflowthread")) {
		pthread_t th;
		oracle(NULL);
		if (pthread_create(&th, NULL, overflow_thread, (void *)1L))
			return 1;
		pthread_join(th, NULL);
	} else if (!strcmp(m, "assert")) {
		oracle(NULL);
		do_assert(argc);
	} else if (!strcmp(m, "doublefree")) {
		oracle(NULL);
		double_free();
	} else if (!strcmp(m, "smash")) {
		oracle(NULL);
		smash();
	} else if (!strcmp(m, "fortify")) {
		oracle(NULL);
		fortify(src);
	} else if (!strcmp(m, "abort")) {
		oracle(NULL);
		abort();
	} else if (!strcmp(m, "fpe")) {
		oracle(NULL);
		sink = divide(argc);
	} else if (!strcmp(m, "wait")) {
		oracle(NULL);
		for (;;)
			pause();
	} else {
		fprintf(stderr, "usage: diag MODE (see the source)\n");
		return 2;
	}
	return 0;
}
