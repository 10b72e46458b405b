/* threads N DEPTH: N threads, each DEPTH frames deep in a noinline mutual
 * recursion, parked in pause(), a pthread barrier or a condition variable
 * (futex); then main dies (SIGSEGV). Thread stacks are 64 KiB. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))
static atomic_int parked;
static pthread_barrier_t never;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int depth = 18;
volatile int sink;

NOINLINE static int park(int kind)
{
	atomic_fetch_add(&parked, 1);
	switch (kind % 3) {
	case 0:
		for (;;)
			pause();
	case 1:
		pthread_barrier_wait(&never);
		break;
	default:
		pthread_mutex_lock(&mu);
		for (;;)
			pthread_cond_wait(&cv, &mu);
	}
	return kind;
}

NOINLINE int descend_a(int n, int kind);
NOINLINE int descend_b(int n, int kind)
{
	volatile char pad[24];
	pad[0] = (char)n;
	int r = n <= 0 ? park(kind) : descend_a(n - 1, kind);
	sink = r;
	return r + pad[0];
}
NOINLINE int descend_a(int n, int kind)
{
	volatile char pad[40];
	pad[0] = (char)n;
	int r = n <= 0 ? park(kind) : descend_b(n - 1, kind);
	sink = r;
	return r + pad[0];
}
static void *worker(void *arg) { descend_a(depth, (int)(long)arg); return NULL; }

NOINLINE void crash_here(volatile int *p) { *p = 42; }
NOINLINE static void main_step(volatile int *p) { crash_here(p); sink = 1; }

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 2000;
	if (argc > 2)
		depth = atoi(argv[2]);
	pthread_barrier_init(&never, NULL, (unsigned)n + 2);
	pthread_attr_t a;
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, 64 * 1024);
	for (long i = 0; i < n; i++) {
		pthread_t t;
		if (pthread_create(&t, &a, worker, (void *)i) != 0) {
			perror("pthread_create");
			return 1;
		}
	}
	while (atomic_load(&parked) < n)
		usleep(1000);
	usleep(200000);
	main_step(NULL);
	return 0;
}
