/* The library of names.c, stripped by the test: deep has no symbol. */
__attribute__((noinline)) static int deep(int *p, int n)
{
	return p[n];
}

int lib_crash(int *p, int n)
{
	return deep(p, n) + 1;
}
