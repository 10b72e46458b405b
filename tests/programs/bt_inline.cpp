// bt_inline.cpp - crashes inside inlined C++ templates (tests/e2e/test_inline.py).
//
// main -> run (noinline) -> Walker<3>::step -> Walker<2>::step ->
// Walker<1>::step -> Walker<0>::step (all inlined) -> Box<int>::poke
// (inlined) stores through a null pointer: SIGSEGV.
//
// Oracle "oracle.txt": "tid T main main", "func run 0xADDR", "end".
#include <cstdio>
#include <cstdlib>
#include <sys/syscall.h>
#include <unistd.h>

volatile int sink;

template <typename T> struct Box {
	T *where;
	inline __attribute__((always_inline)) void poke(T v)
	{
		sink = (int)v;
		*(volatile T *)where = v;
	}
};

template <int N> struct Walker {
	static inline __attribute__((always_inline)) void step(Box<int> &b, int v)
	{
		Walker<N - 1>::step(b, v + N);
		sink += N;
	}
};

template <> struct Walker<0> {
	static inline __attribute__((always_inline)) void step(Box<int> &b, int v)
	{
		b.poke(v);
		sink += 100;
	}
};

static int *volatile null_ptr;

__attribute__((noinline)) static void run(int v)
{
	Box<int> b{null_ptr};
	Walker<3>::step(b, v);
	__asm__ volatile("" ::: "memory");
}

int main()
{
	FILE *f = fopen("oracle.txt", "w");
	if (!f)
		abort();
	fprintf(f, "tid %ld main main\nfunc run %p\nend\n", (long)syscall(SYS_gettid),
		(void *)run);
	fclose(f);
	run(1);
	return sink;
}
