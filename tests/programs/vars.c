/* Arguments and locals of every kind for `coroner bt --full` (test_vars.py):
 * integers of each size, char, bool, float/double, enums, pointers,
 * strings, function pointers, structs (nested, bit fields), unions,
 * arrays (1-D, 2-D, char), typedefs, const; in frames main -> outer ->
 * middle -> leaf -> fleaf, which writes NULL. Before crashing, the program writes
 * the values it holds to vars.txt ("frame name value" lines, gdb's
 * format for the scalars) and a minimal oracle.txt. Built -O0 and -O2. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum color { RED, GREEN = 5, BLUE };
enum flags { F_A = 1, F_B = 2, F_C = 4 };
typedef unsigned int uint_t;
typedef struct point { int x, y; } point_t;

struct inner {
	short s;
	char tag[6];
};

struct outer_s {
	int id;
	struct inner in;
	double ratio;
	unsigned flag : 1;
	signed level : 3;
	unsigned mode : 4;
	point_t *where;
};

union number {
	int i;
	float f;
	unsigned char bytes[4];
};

struct node {
	int value;
	struct node *next;
};

int global_counter = 42;
const char *global_name = "coroner";
struct node global_list[2] = { { 1, &global_list[1] }, { 2, NULL } };
static FILE *out;

static int square(int v) { return v * v; }

/* NULL, unknown to the compiler: the store below faults */
static int *volatile nowhere;

/* The innermost frame: at -O2 x is still in xmm0 (x86) when the store
 * faults, a register only the thread's own context has. */
__attribute__((noinline)) static void fleaf(double x, int *p)
{
	*p = (int)x;
}

__attribute__((noinline)) static void leaf(int depth, const char *msg, int *target,
					   double scale)
{
	volatile int local_in_leaf = depth * 3;
	fprintf(out, "leaf depth %d\n", depth);
	fprintf(out, "leaf scale %.17g\n", scale);
	fprintf(out, "leaf msg \"%s\"\n", msg);
	fprintf(out, "leaf local_in_leaf %d\n", local_in_leaf);
	fprintf(out, "leaf factor %.17g\n", scale * local_in_leaf);
	fclose(out);
	FILE *o = fopen("oracle.txt", "w");
	if (o) {
		fprintf(o, "end\n");
		fclose(o);
	}
	double factor = scale * local_in_leaf;
	fleaf(factor, nowhere);
	*target = local_in_leaf + (int)strlen(msg) + (int)factor;
}

__attribute__((noinline)) static int middle(struct outer_s *os, union number num,
					     enum color c, int (*fn)(int))
{
	int grid[2][3] = { { 1, 2, 3 }, { 4, 5, 6 } };
	int zeros[16] = { 0 };
	char word[8] = "abc";
	point_t pt = { 3, -4 };
	enum flags fl = F_A | F_C;
	int r = fn(pt.x) + grid[1][2] + zeros[3] + word[0];
	fprintf(out, "middle c %s\n", c == BLUE ? "BLUE" : "?");
	fprintf(out, "middle r %d\n", r);
	fprintf(out, "middle fl (F_A | F_C)\n");
	fprintf(out, "middle num.i %d\n", num.i);
	{
		long block_local = (long)r * 1000;
		fprintf(out, "middle block_local %ld\n", block_local);
		leaf(os->id, os->in.tag, os->where ? NULL : (int *)0, os->ratio * 2);
		r += (int)block_local + fl + pt.y;
	}
	return r;
}

__attribute__((noinline)) static int outer(int8_t i8, uint8_t u8, int16_t i16, uint16_t u16,
					    int32_t i32, uint32_t u32, int64_t i64, uint64_t u64,
					    char ch, bool yes, float f, double d)
{
	const int konst = 7;
	uint_t typed = 99;
	struct outer_s os = { .id = 11, .in = { -2, "hello" }, .ratio = 0.25,
			      .flag = 1, .level = -3, .mode = 9, .where = NULL };
	union number num = { .i = 0x41424344 };
	fprintf(out, "outer i8 %d\nouter u8 %u\nouter i16 %d\nouter u16 %u\n", i8, u8, i16, u16);
	fprintf(out, "outer i32 %d\nouter u32 %u\nouter i64 %lld\nouter u64 %llu\n", i32, u32,
		(long long)i64, (unsigned long long)u64);
	fprintf(out, "outer ch %d '%c'\nouter yes %s\nouter f %.9g\nouter d %.17g\n", ch, ch,
		yes ? "true" : "false", f, d);
	fprintf(out, "outer konst %d\nouter typed %u\n", konst, typed);
	return middle(&os, num, i32 > 0 ? RED : BLUE, square) + konst + (int)typed + i8 + u8 + i16 + u16 +
	       (int)(i32 + u32 + i64 + u64) + ch + yes + (int)f + (int)d;
}

int main(int argc, char **argv)
{
	(void)argv;
	out = fopen("vars.txt", "w");
	if (!out)
		return 1;
	fprintf(out, "main argc %d\n", argc);
	/* k is 0, unknown to the compiler: the arguments are computed, so -O2
	 * keeps them in registers and on the stack, not as constants */
	int k = argc - 1;
	int rc = outer(-5 + k, 200 + k, -1234 + k, 60000 + k, -100000 + k, 4000000000u + k,
		       -5000000000LL + k, 18000000000000000000ull + k, 'A' + k, k == 0,
		       3.14f + k, 2.718281828459045 + k);
	printf("%d %d %s %d\n", rc, global_counter, global_name, global_list[0].value);
	return 0;
}
