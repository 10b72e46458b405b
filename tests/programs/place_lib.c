/* The library of place.c: the program crashes in place_deep. */
static volatile int place_sink;

__attribute__((noinline)) int place_deep(int *p)
{
	place_sink = 1;
	*p = 42; /* the fault */
	return place_sink;
}

int place_crash(int *p)
{
	return place_deep(p) + 1;
}
