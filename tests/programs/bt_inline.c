/*
 * bt_inline - crashes inside inlined code (tests/e2e/test_inline.py). Built
 * -O2 so that the chain below is one physical frame with inline frames:
 *
 *   main -> driver (noinline) -> level_a -> level_b -> level_c
 *        (always_inline, three levels) -> hdr_store (from bt_inline.h)
 *        stores through a null pointer: SIGSEGV
 *
 * A second thread blocks in read(2) through a static inline helper
 * (waiter -> wait_pipe, inlined -> read), so a non-crashed thread has inline
 * frames too; a third waits in nanosleep through nap (static inline).
 *
 * Oracle "oracle.txt": "tid T main|thread ROLE" lines (ROLE main, read,
 * sleep), "func NAME 0xADDR", "end".
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "bt_inline.h"

volatile int bt_sink;
static int *volatile null_ptr;
static int pipefd[2];
static volatile pid_t tid_read, tid_sleep;

#ifndef VARIANT
#define VARIANT 0
#endif

static inline int wait_pipe(int fd)
{
	char c;
	ssize_t n = read(fd, &c, 1);
	return (int)n + c;
}

__attribute__((noinline)) static void *waiter(void *arg)
{
	tid_read = (pid_t)syscall(SYS_gettid);
	for (;;)
		bt_sink += wait_pipe(pipefd[0]);
	return arg;
}

static inline void nap(long s)
{
	struct timespec ts = { s, 0 };
	nanosleep(&ts, NULL);
}

__attribute__((noinline)) static void *sleeper(void *arg)
{
	tid_sleep = (pid_t)syscall(SYS_gettid);
	for (;;)
		nap(1000 + bt_sink);
	return arg;
}

static inline __attribute__((always_inline)) void level_c(int *p, int v)
{
	hdr_store(p, v * 3 + VARIANT);
	bt_sink += 1;
}

static inline __attribute__((always_inline)) void level_b(int *p, int v)
{
	level_c(p, v + 2);
	bt_sink += 2;
}

static inline __attribute__((always_inline)) void level_a(int *p, int v)
{
	level_b(p, v + 1);
	bt_sink += 3;
}

__attribute__((noinline)) static void driver(int v)
{
	level_a(null_ptr, v);
	__asm__ volatile("" ::: "memory");
}

static int sleeping(pid_t tid)
{
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/self/task/%d/stat", (int)tid);
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] == 'S';
}

int main(void)
{
	pthread_t t;
	if (pipe(pipefd) || pthread_create(&t, NULL, waiter, NULL) ||
	    pthread_create(&t, NULL, sleeper, NULL))
		abort();
	while (!tid_read || !tid_sleep)
		usleep(1000);
	for (int i = 0; i < 5000 && !(sleeping(tid_read) && sleeping(tid_sleep)); i++)
		usleep(1000);
	usleep(50000);
	FILE *f = fopen("oracle.txt", "w");
	if (!f)
		abort();
	fprintf(f, "tid %ld main main\n", (long)syscall(SYS_gettid));
	fprintf(f, "tid %d thread read\n", (int)tid_read);
	fprintf(f, "tid %d thread sleep\n", (int)tid_sleep);
	fprintf(f, "func driver %p\nfunc waiter %p\nfunc sleeper %p\nend\n",
		(void *)driver, (void *)waiter, (void *)sleeper);
	fclose(f);
	driver(1);
	return bt_sink;
}
