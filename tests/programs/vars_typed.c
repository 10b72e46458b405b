/* Values gcc -O2 describes with typed DWARF operations (DW_OP_convert,
 * DW_OP_regval_type, DW_OP_const_type, DW_OP_entry_value of xmm
 * registers): float and double parameters, in registers or known at the
 * entry only, integers narrowed and widened. Crashes (SIGSEGV) in tleaf. */
#include <stdio.h>
#include <stdlib.h>

volatile int sink;
volatile double dsink;
int *volatile nowhere;

__attribute__((noinline)) void opaque(void)
{
	sink++;
}

__attribute__((noinline, noipa)) static void tleaf(double d, float f, int n, int *p)
{
	double twice = d * 2.0;
	float half = f / 2.0f;
	short tiny = (short)n;
	long wide = (long)n * 3;
	*p = n;
	dsink = twice + half + tiny + wide;
}

__attribute__((noinline, noipa)) static int tmid(double d, float f, int n)
{
	opaque();
	tleaf(d * 3.0, f * 0.5f, n * 7, nowhere);
	opaque();
	return n + sink;
}

int main(int argc, char **argv)
{
	(void)argv;
	FILE *o = fopen("oracle.txt", "w");   /* what coretest waits for */
	if (o) {
		fprintf(o, "end\n");
		fclose(o);
	}
	int r = tmid(2.5, 0.75f, argc + 41);
	opaque();
	return r;
}
