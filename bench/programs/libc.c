/* libc: threads blocked inside libc (pthread_cond_wait, nanosleep, read,
 * fgets on a pipe), then main's qsort calls back into a comparator that
 * dies (SIGSEGV): every stack runs through libc. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))
static atomic_int parked;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int pipes[2][2];
volatile int sink;

NOINLINE static void wait_cond(void)
{
	pthread_mutex_lock(&mu);
	atomic_fetch_add(&parked, 1);
	for (;;)
		pthread_cond_wait(&cv, &mu);
}
NOINLINE static void wait_sleep(void)
{
	struct timespec ts = { 100000, 0 };
	atomic_fetch_add(&parked, 1);
	for (;;)
		nanosleep(&ts, NULL);
}
NOINLINE static void wait_read(void)
{
	char b[64];
	atomic_fetch_add(&parked, 1);
	sink = (int)read(pipes[0][0], b, sizeof b);
}
NOINLINE static void wait_fgets(void)
{
	char b[64];
	FILE *f = fdopen(pipes[1][0], "r");
	atomic_fetch_add(&parked, 1);
	sink = fgets(b, sizeof b, f) != NULL;
}
static void *t_cond(void *a) { wait_cond(); return a; }
static void *t_sleep(void *a) { wait_sleep(); return a; }
static void *t_read(void *a) { wait_read(); return a; }
static void *t_fgets(void *a) { wait_fgets(); return a; }

static int *poison;
NOINLINE static int compare_ints(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	if (x == 777 || y == 777)
		return *poison;	/* dies here */
	return (x > y) - (x < y);
}
NOINLINE static void sort_them(int *v, size_t n) { qsort(v, n, sizeof *v, compare_ints); sink = v[0]; }

int main(void)
{
	pthread_t t;
	if (pipe(pipes[0]) || pipe(pipes[1]))
		return 1;
	pthread_create(&t, NULL, t_cond, NULL);
	pthread_create(&t, NULL, t_sleep, NULL);
	pthread_create(&t, NULL, t_read, NULL);
	pthread_create(&t, NULL, t_fgets, NULL);
	while (atomic_load(&parked) < 4)
		usleep(1000);
	usleep(50000);
	int v[1000];
	for (int i = 0; i < 1000; i++)
		v[i] = (i * 7919) % 1000;
	sort_them(v, 1000);
	return 0;
}
