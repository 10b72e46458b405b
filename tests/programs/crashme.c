/*
 * crashme - a process that dies on purpose and first writes down what a core
 * analyser should find in its core ("oracle.txt" in the current directory).
 *
 *   crashme [--threads N] [--heap MIB] [--sparse MIB] [--fault HEXADDR]
 *           [--mode segv|accerr|abort]
 *
 * N threads (default 4) each fill a buffer on their own stack with a pattern,
 * record their tid and park in park_thread() (pause). The main thread fills a
 * .data array, a .bss array, a heap buffer and a stack buffer, optionally
 * mallocs and touches MIB mebibytes (--heap) or maps MIB mebibytes and writes
 * one 256-byte pattern in each (--sparse: the rest is never touched, so the
 * kernel leaves it out of the core, a hole), copies /proc/self/maps, writes the oracle
 * with raw write(2) (no stdio, no allocation after the maps snapshot, so the
 * address space in the core is the one recorded), then stores to the fault
 * address (default 0x1230): SIGSEGV, SEGV_MAPERR, si_addr = that address.
 * --mode accerr stores into g_rodata instead (SIGSEGV, SEGV_ACCERR, si_addr
 * = &g_rodata); --mode abort calls abort() (SIGABRT, SI_TKILL, no address).
 *
 * Oracle lines ("key value..."):
 *   pid P / ppid P / uid U / gid G / comm NAME / cmdline HEX(raw /proc/self/cmdline)
 *   tid T main|thread      one per thread, main first
 *   fault ADDR SIGNO CODE  (ADDR 0x0 when the signal has no address)
 *   bytes LABEL ADDR HEX   memory of this process at ADDR (lowercase hex)
 *   map LINE               one per /proc/self/maps line, in order
 *   end
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_THREADS 64
#define BUF 256

unsigned char g_data[BUF] = { 1 };      /* .data */
unsigned char g_bss[BUF];               /* .bss */
/* .rodata of the executable: file-backed, never written, so not in the core. */
const char g_rodata[] =
	"coroner rodata oracle: this string lives in the executable's .rodata "
	"and is read from the file, not from the core";

static char out[1 << 20];               /* the oracle, built here */
static size_t outlen;
static char maps[256 * 1024];
static size_t mapslen;

static volatile int ready;
static pid_t tids[MAX_THREADS];
static unsigned char *tbufs[MAX_THREADS];
static int nthreads = 4;

static void put(const char *s)
{
	size_t n = strlen(s);
	if (n > sizeof out - outlen)
		abort();
	memcpy(out + outlen, s, n);
	outlen += n;
}

static void puthex(uint64_t v)
{
	char b[19], *p = b + sizeof b;
	*--p = 0;
	do {
		*--p = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	put("0x");
	put(p);
}

static void putdec(long long v)
{
	char b[24], *p = b + sizeof b;
	unsigned long long u = v < 0 ? -(unsigned long long)v : (unsigned long long)v;
	*--p = 0;
	do {
		*--p = '0' + u % 10;
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	put(p);
}

static void putbytes(const char *label, const void *addr, size_t len)
{
	const unsigned char *p = addr;
	char h[3] = { 0 };
	put("bytes ");
	put(label);
	put(" ");
	puthex((uintptr_t)addr);
	put(" ");
	for (size_t i = 0; i < len; i++) {
		h[0] = "0123456789abcdef"[p[i] >> 4];
		h[1] = "0123456789abcdef"[p[i] & 15];
		put(h);
	}
	put("\n");
}

static void fill(unsigned char *p, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (unsigned char)(seed * 31 + i * 7 + (i >> 8));
}

static size_t slurp(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY);
	size_t n = 0;
	ssize_t r;
	if (fd < 0)
		abort();
	while (n < cap && (r = read(fd, buf + n, cap - n)) > 0)
		n += r;
	close(fd);
	return n;
}

__attribute__((noinline)) static void park_thread(int i)
{
	for (;;)
		pause();
	(void)i;
}

static void *thread_main(void *arg)
{
	int i = (int)(intptr_t)arg;
	unsigned char buf[BUF];
	fill(buf, sizeof buf, 100 + i);
	tbufs[i] = buf;
	tids[i] = (pid_t)syscall(SYS_gettid);
	__atomic_add_fetch(&ready, 1, __ATOMIC_SEQ_CST);
	park_thread(i);
	return NULL;
}

/* A map line for the first mapping whose path contains needle and whose
 * permissions are perms; fills start/end. */
static int find_map(const char *needle, const char *perms, uintptr_t *start,
		    uintptr_t *end)
{
	char *line = maps, *nl;
	for (; line < maps + mapslen; line = nl + 1) {
		nl = memchr(line, '\n', maps + mapslen - line);
		if (!nl)
			break;
		*nl = 0;
		int hit = strstr(line, needle) && strstr(line, perms);
		if (hit) {
			char *e;
			*start = strtoull(line, &e, 16);
			*end = strtoull(e + 1, NULL, 16);
		}
		*nl = '\n';
		if (hit)
			return 1;
	}
	return 0;
}

__attribute__((noinline)) static void crash(uintptr_t addr)
{
	*(volatile int *)addr = 0x5a5a5a5a;
}

int main(int argc, char **argv)
{
	uintptr_t fault = 0x1230;
	unsigned long heap_mib = 0, sparse_mib = 0;
	const char *mode = "segv";
	sigset_t all;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--threads") && i + 1 < argc)
			nthreads = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--heap") && i + 1 < argc)
			heap_mib = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--sparse") && i + 1 < argc)
			sparse_mib = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--fault") && i + 1 < argc)
			fault = strtoull(argv[++i], NULL, 16);
		else if (!strcmp(argv[i], "--mode") && i + 1 < argc)
			mode = argv[++i];
	}
	if (nthreads < 0 || nthreads > MAX_THREADS)
		nthreads = 4;

	/* The inherited mask could hold SIGSEGV blocked: a blocked SIGSEGV from
	 * a fault still kills, but be explicit. */
	sigemptyset(&all);
	sigaddset(&all, SIGSEGV);
	sigaddset(&all, SIGABRT);
	sigprocmask(SIG_UNBLOCK, &all, NULL);
	signal(SIGSEGV, SIG_DFL);
	signal(SIGABRT, SIG_DFL);
	if (!strcmp(mode, "accerr"))
		fault = (uintptr_t)g_rodata;

	unsigned char stackbuf[BUF];
	unsigned char *heap = malloc(BUF);
	unsigned char *big = NULL;
	fill(g_data, BUF, 1);
	fill(g_bss, BUF, 2);
	fill(heap, BUF, 3);
	fill(stackbuf, BUF, 4);
	if (heap_mib) {
		size_t n = heap_mib << 20;
		big = malloc(n);
		if (!big)
			abort();
		for (size_t off = 0; off < n; off += 4096)
			memset(big + off, (int)(off >> 12), 4096);
		fill(big + n / 2, BUF, 5);
		fill(big + n - BUF, BUF, 6);
	}
	unsigned char *sparse = NULL;
	if (sparse_mib) {
		size_t n = sparse_mib << 20;
		sparse = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS |
			      MAP_NORESERVE, -1, 0);
		if (sparse == MAP_FAILED)
			abort();
		for (size_t off = 0; off < n; off += 1 << 20)
			fill(sparse + off, BUF, 7 + (unsigned)(off >> 20));
	}

	pthread_t th[MAX_THREADS];
	for (int i = 0; i < nthreads; i++)
		if (pthread_create(&th[i], NULL, thread_main, (void *)(intptr_t)i))
			abort();
	while (__atomic_load_n(&ready, __ATOMIC_SEQ_CST) < nthreads)
		usleep(1000);

	/* Everything that could allocate or map is done: snapshot. */
	char cmdline[4096];
	size_t cmdlen = slurp("/proc/self/cmdline", cmdline, sizeof cmdline);
	char comm[64];
	size_t commlen = slurp("/proc/self/comm", comm, sizeof comm - 1);
	while (commlen && comm[commlen - 1] == '\n')
		commlen--;
	comm[commlen] = 0;
	mapslen = slurp("/proc/self/maps", maps, sizeof maps);

	put("pid "); putdec(getpid()); put("\n");
	put("ppid "); putdec(getppid()); put("\n");
	put("uid "); putdec(getuid()); put("\n");
	put("gid "); putdec(getgid()); put("\n");
	put("comm "); put(comm); put("\n");
	put("cmdline "); put("0x");
	for (size_t i = 0; i < cmdlen; i++) {
		char h[3] = { "0123456789abcdef"[(unsigned char)cmdline[i] >> 4],
			      "0123456789abcdef"[cmdline[i] & 15], 0 };
		put(h);
	}
	put("\n");
	put("tid "); putdec(syscall(SYS_gettid)); put(" main\n");
	for (int i = 0; i < nthreads; i++) {
		put("tid "); putdec(tids[i]); put(" thread\n");
	}
	if (!strcmp(mode, "abort"))
		put("fault 0x0 6 -6\n");
	else if (!strcmp(mode, "accerr")) {
		put("fault "); puthex(fault); put(" 11 2\n");
	} else {
		put("fault "); puthex(fault); put(" 11 1\n");
	}

	putbytes("data", g_data, BUF);
	putbytes("bss", g_bss, BUF);
	putbytes("heap", heap, BUF);
	putbytes("stack", stackbuf, BUF);
	for (int i = 0; i < nthreads; i++) {
		char l[32] = "tstack";
		size_t n = strlen(l);
		l[n++] = '0' + (i / 10);
		l[n++] = '0' + (i % 10);
		l[n] = 0;
		putbytes(l, tbufs[i], BUF);
	}
	putbytes("rodata", g_rodata, sizeof g_rodata);
	putbytes("text", (const void *)(uintptr_t)&crash, 64);
	if (big) {
		size_t n = heap_mib << 20;
		putbytes("big0", big, BUF);
		putbytes("bigmid", big + n / 2, BUF);
		putbytes("bigend", big + n - BUF, BUF);
	}
	if (sparse) {
		size_t n = sparse_mib << 20;
		putbytes("sparse0", sparse, BUF);
		putbytes("sparsemid", sparse + n / 2, BUF);
		putbytes("sparseend", sparse + n - (1 << 20), BUF);
	}
	uintptr_t s, e;
	/* Some bytes of libc's code: file-backed, unmodified, not dumped. */
	if (find_map("/libc.so", "r-xp", &s, &e) ||
	    find_map("/libc-", "r-xp", &s, &e))
		putbytes("libc_text", (const void *)(s + 0x1000), 128);
	/* A read across the end of the executable's first mapping (ELF header
	 * page, partly dumped) into the next one. */
	if (find_map("/crashme", "r--p", &s, &e) ||
	    find_map("/crashme", "r-xp", &s, &e)) {
		uintptr_t ns, ne;
		if (find_map("/crashme", "r-xp", &ns, &ne) && ns == e)
			putbytes("exe_span", (const void *)(e - 64), 128);
		putbytes("exe_head", (const void *)s, 64);
	}

	for (char *line = maps, *nl; line < maps + mapslen; line = nl + 1) {
		nl = memchr(line, '\n', maps + mapslen - line);
		if (!nl)
			break;
		put("map ");
		out[outlen] = 0;
		if ((size_t)(nl + 1 - line) > sizeof out - outlen)
			abort();
		memcpy(out + outlen, line, nl + 1 - line);
		outlen += nl + 1 - line;
	}
	put("end\n");

	int fd = open("oracle.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		abort();
	for (size_t off = 0; off < outlen;) {
		ssize_t w = write(fd, out + off, outlen - off);
		if (w <= 0)
			abort();
		off += w;
	}
	close(fd);
	if (!strcmp(mode, "abort"))
		abort();
	crash(fault);
	return 0;
}
