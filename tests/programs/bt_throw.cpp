// bt_throw - an uncaught C++ exception thrown in a std::thread
// (tests/e2e/test_backtrace.py).
//
// main starts a worker std::thread and joins it. The worker runs
// worker_entry -> Thrower<int>::deeper -> Thrower<int>::boom, which throws a
// std::runtime_error nobody catches: std::terminate -> abort (SIGABRT) in the
// worker, while main waits in std::thread::join.
// `bt_throw main` (tests/e2e/test_cross.py) starts no thread: main calls
// Thrower<int>::deeper itself, so the throw goes up to main.
//
// Oracle "oracle.txt" (raw write(2)):
//   tid T main|thread ROLE   ROLE: main, worker (no worker with "main")
//   func NAME 0xADDR
//   end
#include <pthread.h>
#include <signal.h>
#include <stdexcept>
#include <string>
#include <thread>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline, noclone))
#define KEEP() __asm__ volatile("" ::: "memory")

static volatile pid_t worker_tid;
static volatile int go;
static volatile int sink;

template <typename T> struct Thrower {
	NOINLINE static T boom(T x)
	{
		if (x > 0)
			throw std::runtime_error("bt_throw: nobody catches this");
		KEEP();
		return x;
	}
	NOINLINE static T deeper(T x)
	{
		T r = boom(x + 1);
		KEEP();
		return r + 1;
	}
};

NOINLINE static void worker_entry(int x)
{
	worker_tid = (pid_t)syscall(SYS_gettid);
	while (!go)
		usleep(1000);
	sink = Thrower<int>::deeper(x);
	KEEP();
}

static std::string out;

static void put_hex(const char *name, uintptr_t v)
{
	char b[64];
	snprintf(b, sizeof b, "func %s 0x%lx\n", name, (unsigned long)v);
	out += b;
}

static void write_oracle()
{
	put_hex("worker_entry", (uintptr_t)(void *)&worker_entry);
	put_hex("Thrower<int>::boom", (uintptr_t)(void *)&Thrower<int>::boom);
	put_hex("Thrower<int>::deeper", (uintptr_t)(void *)&Thrower<int>::deeper);
	out += "end\n";
	int fd = open("oracle.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, out.data(), out.size()) != (ssize_t)out.size())
		abort();
	close(fd);
}

int main(int argc, char **argv)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGABRT);
	sigprocmask(SIG_UNBLOCK, &set, nullptr);
	out += "tid " + std::to_string((long)syscall(SYS_gettid)) + " main main\n";
	if (argc > 1 && !strcmp(argv[1], "main")) {
		write_oracle();
		sink = Thrower<int>::deeper(1);
		KEEP();
		return sink;
	}
	std::thread t(worker_entry, 1);
	while (!worker_tid)
		usleep(1000);
	out += "tid " + std::to_string((long)worker_tid) + " thread worker\n";
	write_oracle();
	go = 1;
	t.join();
	return sink;
}
