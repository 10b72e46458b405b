/* small: 4 worker threads parked a few frames deep, then main dies (SIGSEGV). */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))
static atomic_int parked;
volatile int sink;

NOINLINE static void park(void)
{
	atomic_fetch_add(&parked, 1);
	for (;;)
		pause();
}
NOINLINE static int worker_c(int x) { park(); sink = x; return x + 1; }
NOINLINE static int worker_b(int x) { int r = worker_c(x * 2); sink = r; return r + 1; }
NOINLINE static int worker_a(int x) { int r = worker_b(x + 3); sink = r; return r + 1; }
static void *worker(void *arg) { worker_a((int)(long)arg); return NULL; }

NOINLINE void crash_here(volatile int *p) { *p = 42; }
NOINLINE static void step2(volatile int *p) { crash_here(p); sink = 2; }
NOINLINE static void step1(volatile int *p) { step2(p); sink = 1; }

int main(void)
{
	pthread_t t;
	for (long i = 0; i < 4; i++)
		pthread_create(&t, NULL, worker, (void *)i);
	while (atomic_load(&parked) < 4)
		usleep(1000);
	usleep(20000);
	step1(NULL);
	return 0;
}
