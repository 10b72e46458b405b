/* A local whose array has elements of no size (GNU C's empty struct) in
 * five dimensions of 200: 200^5 elements of nothing. bt --full must print
 * it in bounded time and output. Writes oracle.txt (the value of s.a) and
 * then dereferences NULL. */
#include <stdio.h>

struct empty {};
struct holder {
	int a;
	struct empty x[200][200][200][200][200];
};

__attribute__((noinline)) void crash(void)
{
	volatile struct holder s = { 17 };
	volatile int *p = 0;
	FILE *f = fopen("oracle.txt", "w");
	if (f) {
		fprintf(f, "a=%d\n", s.a);
		fclose(f);
	}
	*p = 1;
}

int main(void)
{
	crash();
	return 0;
}
