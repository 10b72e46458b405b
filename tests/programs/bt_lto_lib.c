/* bt_lto_lib.c - the other file of bt_lto (see bt_lto_main.c). */
volatile int lto_sink;

static void lib_inner(int *p, int v)
{
	lto_sink = v;
	*(volatile int *)p = v * 2;
}

void lib_outer(int *p, int v)
{
	lib_inner(p, v + 1);
	lto_sink += 5;
}
