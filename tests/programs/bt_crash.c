/*
 * bt_crash - dies on purpose in a chosen way so that backtraces of its core
 * can be checked (tests/e2e/test_backtrace.py).
 *
 *   bt_crash MODE [--threads]
 *
 * MODE:
 *   segv       main -> run_mode -> level1 -> level2 -> level3, which stores
 *              through a null pointer (SIGSEGV)
 *   recurse N  main -> run_mode -> recurse (N levels) -> level3 (SIGSEGV)
 *   assert     main -> run_mode -> level1 -> check_value: assert() fails
 *              (abort, SIGABRT)
 *   usr1       main -> run_mode -> level1 -> raise(SIGUSR1); the handler
 *              calls handler_fault, which stores through a null pointer
 *              (SIGSEGV inside a signal handler)
 *   alrm       main -> run_mode -> level1 -> spin (busy loop); an interval
 *              timer's SIGALRM runs the handler, which faults as for usr1
 *   lib        main -> run_mode -> in_lib -> strlen of an unmapped address:
 *              SIGSEGV inside libc
 *   usr2       main -> run_mode -> raise_usr2 -> raise(SIGUSR2); its handler,
 *              handler_info, installed with SA_SIGINFO (an rt signal frame
 *              where usr1's is not), calls handler_fault
 *
 * --threads adds three threads that block in libc before the crash:
 *   waiter_cond  -> pthread_cond_wait
 *   waiter_sleep -> nanosleep
 *   waiter_read  -> read on a pipe nobody writes to
 *
 * Before crashing it writes "oracle.txt" in the current directory with raw
 * write(2):
 *   tid T main|thread ROLE   one per thread (ROLE: main, cond, sleep, read)
 *   func NAME 0xADDR         the runtime address of some of its functions
 *   end
 */
#define _GNU_SOURCE
#include <assert.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline, noclone))
/* An empty asm after a call keeps the compiler from turning it into a tail
 * call, so every function below keeps its own frame. */
#define KEEP() __asm__ volatile("" ::: "memory")

static char out[8192];
static size_t outlen;
static volatile int sink;
static volatile int depth_target = 1000;
static volatile int value = 41;

static void put(const char *s)
{
	size_t n = strlen(s);
	if (n > sizeof out - outlen)
		abort();
	memcpy(out + outlen, s, n);
	outlen += n;
}

static void puthex(uintptr_t v)
{
	char b[24], *p = b + sizeof b;
	*--p = 0;
	do {
		*--p = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	put("0x");
	put(p);
}

static void putdec(long v)
{
	char b[24];
	snprintf(b, sizeof b, "%ld", v);
	put(b);
}

static pid_t gettid_(void)
{
	return (pid_t)syscall(SYS_gettid);
}

/* Waiters leave SIGUSR1/SIGALRM to the main thread. */
static void block_async(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
}

/* ---- threads blocked in libc ---- */

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int pipefd[2];
static volatile pid_t tid_cond, tid_sleep, tid_read;

NOINLINE static void *waiter_cond(void *arg)
{
	block_async();
	pthread_mutex_lock(&mu);
	tid_cond = gettid_();
	for (;;)
		pthread_cond_wait(&cv, &mu);
	KEEP();
	return arg;
}

NOINLINE static void *waiter_sleep(void *arg)
{
	struct timespec ts = { 1000, 0 };
	block_async();
	tid_sleep = gettid_();
	for (;;)
		nanosleep(&ts, NULL);
	KEEP();
	return arg;
}

NOINLINE static void *waiter_read(void *arg)
{
	char c;
	block_async();
	tid_read = gettid_();
	for (;;)
		sink += (int)read(pipefd[0], &c, 1);
	KEEP();
	return arg;
}

/* True once thread tid sleeps in the kernel (state S in /proc). */
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

static void start_threads(void)
{
	pthread_t t;
	if (pipe(pipefd))
		abort();
	if (pthread_create(&t, NULL, waiter_cond, NULL) ||
	    pthread_create(&t, NULL, waiter_sleep, NULL) ||
	    pthread_create(&t, NULL, waiter_read, NULL))
		abort();
	while (!tid_cond || !tid_sleep || !tid_read)
		usleep(1000);
	for (int i = 0; i < 5000; i++) {
		if (sleeping(tid_cond) && sleeping(tid_sleep) && sleeping(tid_read))
			break;
		usleep(1000);
	}
	usleep(50000);	/* settle inside the blocking call */
	pthread_mutex_lock(&mu);	/* the waiter has released it: it waits */
	pthread_mutex_unlock(&mu);
}

/* ---- the crash paths ---- */

NOINLINE static int level3(int x)
{
	*(volatile int *)(uintptr_t)(x & 0) = x;	/* SIGSEGV at address 0 */
	KEEP();
	return x + 1;
}

NOINLINE static int level2(int x)
{
	int r = level3(x + 1);
	KEEP();
	return r + 1;
}

NOINLINE static int level1(int x)
{
	int r = level2(x + 1);
	KEEP();
	return r + 1;
}

NOINLINE static int recurse(int n)
{
	int r = n >= depth_target ? level3(n) : recurse(n + 1);
	KEEP();
	return r + 1;
}

/* The last page of the address space: unmapped everywhere (qemu-s390x
 * guests can read page 0). */
static const char *volatile bad_str = (const char *)(uintptr_t)-4096;
/* called through a pointer: gcc expands strlen inline on s390x */
static size_t (*volatile strlen_fn)(const char *) = strlen;

NOINLINE static int in_lib(int x)
{
	int r = (int)strlen_fn(bad_str);	/* SIGSEGV in libc */
	KEEP();
	return r + x;
}

NOINLINE static int check_value(int x)
{
	assert(value == 42 && "value must be 42");
	KEEP();
	return x + 1;
}

NOINLINE static int assert_path(int x)
{
	int r = check_value(x + 1);
	KEEP();
	return r + 1;
}

NOINLINE static int handler_fault(int sig)
{
	*(volatile int *)(uintptr_t)(sig & 0) = sig;	/* SIGSEGV in the handler */
	KEEP();
	return sig;
}

NOINLINE static void handler(int sig)
{
	sink = handler_fault(sig);
	KEEP();
}

NOINLINE static void handler_info(int sig, siginfo_t *si, void *uc)
{
	sink = handler_fault(sig) + (si != NULL) + (uc != NULL);
	KEEP();
}

NOINLINE static int raise_usr2(int x)
{
	raise(SIGUSR2);
	KEEP();
	return x + 1;
}

NOINLINE static int raise_usr1(int x)
{
	raise(SIGUSR1);
	KEEP();
	return x + 1;
}

NOINLINE static int spin(int x)
{
	for (;;)
		sink += x;	/* interrupted here by SIGALRM */
	KEEP();
	return x;
}

NOINLINE static int run_mode(const char *mode)
{
	int r;
	if (!strcmp(mode, "segv"))
		r = level1(1);
	else if (!strcmp(mode, "recurse"))
		r = recurse(1);
	else if (!strcmp(mode, "assert"))
		r = assert_path(1);
	else if (!strcmp(mode, "usr1"))
		r = raise_usr1(1);
	else if (!strcmp(mode, "usr2"))
		r = raise_usr2(1);
	else if (!strcmp(mode, "lib"))
		r = in_lib(1);
	else if (!strcmp(mode, "alrm")) {
		struct itimerval it = { { 0, 20000 }, { 0, 20000 } };
		setitimer(ITIMER_REAL, &it, NULL);
		r = spin(1);
	} else
		r = 0;
	KEEP();
	return r;
}

#define FUNC(f) do { put("func " #f " "); puthex((uintptr_t)(void *)f); put("\n"); } while (0)

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "segv";
	int threads = 0;
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--threads"))
			threads = 1;
		else
			depth_target = atoi(argv[i]);
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = handler;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	sa.sa_handler = NULL;
	sa.sa_sigaction = handler_info;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR2, &sa, NULL);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGALRM);
	sigaddset(&set, SIGSEGV);
	sigaddset(&set, SIGABRT);
	sigprocmask(SIG_UNBLOCK, &set, NULL);

	if (threads)
		start_threads();

	put("tid "); putdec(gettid_()); put(" main main\n");
	if (threads) {
		put("tid "); putdec(tid_cond); put(" thread cond\n");
		put("tid "); putdec(tid_sleep); put(" thread sleep\n");
		put("tid "); putdec(tid_read); put(" thread read\n");
	}
	FUNC(main); FUNC(run_mode); FUNC(level1); FUNC(level2); FUNC(level3);
	FUNC(recurse); FUNC(check_value); FUNC(assert_path); FUNC(handler);
	FUNC(handler_fault); FUNC(raise_usr1); FUNC(spin);
	FUNC(handler_info); FUNC(raise_usr2); FUNC(in_lib);
	FUNC(waiter_cond); FUNC(waiter_sleep); FUNC(waiter_read);
	put("depth "); putdec(depth_target); put("\n");
	put("end\n");
	int fd = open("oracle.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		abort();
	for (size_t off = 0; off < outlen;) {
		ssize_t w = write(fd, out + off, outlen - off);
		if (w <= 0)
			abort();
		off += (size_t)w;
	}
	close(fd);

	int r = run_mode(mode);
	KEEP();
	return r;
}
