/* DWARF expression evaluator: operations, address size, limits, errors. */
#include <stdlib.h>
#include "t.h"
#include "dwarf/expr.h"

static uint8_t mem[64];
static const uint64_t mem_base = 0x1000;

static bool read_reg(void *arg, unsigned regno, uint64_t *val)
{
	if (regno >= 40)
		return false;
	*val = 0x100 * (uint64_t)regno + 7;
	return true;
}

static cor_error *read_mem(void *arg, uint64_t addr, void *buf, size_t n)
{
	if (addr < mem_base || addr - mem_base > sizeof(mem) - n)
		return cor_error_addr(COR_ERR_NO_MEMORY, addr, "unmapped 0x%llx",
				      (unsigned long long)addr);
	memcpy(buf, mem + (addr - mem_base), n);
	return NULL;
}

static struct limits lim;
static struct expr_ctx ctx;

static void reset(uint8_t addr_size, bool be)
{
	limits_resolve(&lim, NULL);
	memset(&ctx, 0, sizeof(ctx));
	ctx.be = be;
	ctx.addr_size = addr_size;
	ctx.limits = &lim;
	ctx.read_reg = read_reg;
	ctx.read_mem = read_mem;
}

static enum cor_error_code ev(const uint8_t *e, size_t n, uint64_t *res, bool *val)
{
	cor_error *err = dwarf_expr_eval(&ctx, e, n, false, 0, res, val);
	enum cor_error_code c = cor_error_code(err);
	cor_error_free(err);
	return c;
}

/* Evaluates and returns the result, or 0xdead... on error. */
#define EVAL(...) eval_bytes((const uint8_t[]){ __VA_ARGS__ }, \
	sizeof((const uint8_t[]){ __VA_ARGS__ }))
#define CODE(...) code_bytes((const uint8_t[]){ __VA_ARGS__ }, \
	sizeof((const uint8_t[]){ __VA_ARGS__ }))
static bool last_val;

static uint64_t eval_bytes(const uint8_t *e, size_t n)
{
	uint64_t r = 0;
	if (ev(e, n, &r, &last_val) != COR_OK)
		return 0xdeadbeefdeadbeefull;
	return r;
}

static enum cor_error_code code_bytes(const uint8_t *e, size_t n)
{
	uint64_t r;
	return ev(e, n, &r, NULL);
}

static void test_constants(void)
{
	reset(8, false);
	CHECK_EQ(EVAL(0x30), 0);                          /* lit0 */
	CHECK_EQ(EVAL(0x4f), 31);                         /* lit31 */
	CHECK(!last_val);
	CHECK_EQ(EVAL(0x08, 0xff), 0xff);                 /* const1u */
	CHECK_EQ(EVAL(0x09, 0xff), UINT64_MAX);           /* const1s -1 */
	CHECK_EQ(EVAL(0x0a, 0x34, 0x12), 0x1234);         /* const2u */
	CHECK_EQ(EVAL(0x0b, 0x00, 0x80), 0xffffffffffff8000ull);
	CHECK_EQ(EVAL(0x0c, 0x78, 0x56, 0x34, 0x12), 0x12345678);
	CHECK_EQ(EVAL(0x0d, 0xff, 0xff, 0xff, 0xff), UINT64_MAX);
	CHECK_EQ(EVAL(0x0e, 1, 2, 3, 4, 5, 6, 7, 8), 0x0807060504030201ull);
	CHECK_EQ(EVAL(0x0f, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), (uint64_t)-2);
	CHECK_EQ(EVAL(0x10, 0xe5, 0x8e, 0x26), 624485);   /* constu */
	CHECK_EQ(EVAL(0x11, 0x7f), (uint64_t)-1);         /* consts */
	CHECK_EQ(EVAL(0x11, 0xc0, 0xbb, 0x78), (uint64_t)-123456);
	CHECK_EQ(EVAL(0x03, 0xef, 0xbe, 0xad, 0xde, 0, 0, 0, 0), 0xdeadbeef); /* addr */
	reset(8, true);
	CHECK_EQ(EVAL(0x0a, 0x12, 0x34), 0x1234);
	CHECK_EQ(EVAL(0x03, 0, 0, 0, 0, 0xde, 0xad, 0xbe, 0xef), 0xdeadbeef);
}

static void test_stack(void)
{
	reset(8, false);
	CHECK_EQ(EVAL(0x31, 0x12, 0x22), 2);              /* 1 dup plus */
	CHECK_EQ(EVAL(0x31, 0x32, 0x13), 1);              /* 1 2 drop */
	CHECK_EQ(EVAL(0x31, 0x32, 0x14), 1);              /* 1 2 over */
	CHECK_EQ(EVAL(0x31, 0x32, 0x33, 0x15, 2), 1);     /* pick 2 */
	CHECK_EQ(EVAL(0x31, 0x32, 0x33, 0x15, 0), 3);     /* pick 0 */
	CHECK_EQ(EVAL(0x31, 0x32, 0x16), 1);              /* swap */
	CHECK_EQ(EVAL(0x31, 0x32, 0x16, 0x13), 2);
	/* rot: 1 2 3 -> 3 1 2 (top 2) */
	CHECK_EQ(EVAL(0x31, 0x32, 0x33, 0x17), 2);
	CHECK_EQ(EVAL(0x31, 0x32, 0x33, 0x17, 0x13), 1);
	CHECK_EQ(EVAL(0x31, 0x32, 0x33, 0x17, 0x13, 0x13), 3);
	CHECK_EQ(CODE(0x13), COR_ERR_FORMAT);             /* drop on empty */
	CHECK_EQ(CODE(0x31, 0x14), COR_ERR_FORMAT);       /* over with one */
	CHECK_EQ(CODE(0x31, 0x15, 1), COR_ERR_FORMAT);    /* pick past bottom */
	CHECK_EQ(CODE(0x31, 0x32, 0x17), COR_ERR_FORMAT); /* rot with two */
	CHECK_EQ(CODE(0x22), COR_ERR_FORMAT);             /* plus on empty */
	CHECK_EQ(CODE(0x96), COR_ERR_FORMAT);             /* nop: empty at end */
	CHECK_EQ(CODE(0), COR_ERR_FORMAT);                /* unknown op 0 */
	uint64_t r;
	CHECK_EQ(ev(NULL, 0, &r, NULL), COR_ERR_FORMAT);
}

static void test_arith(void)
{
	reset(8, false);
	CHECK_EQ(EVAL(0x3c, 0x11, 0x7d, 0x1b), (uint64_t)-4);   /* 12 / -3 */
	CHECK_EQ(EVAL(0x11, 0x79, 0x32, 0x1b), (uint64_t)-3);   /* -7 / 2 */
	CHECK_EQ(EVAL(0x3d, 0x33, 0x1d), 1);                    /* 13 mod 3 */
	CHECK_EQ(EVAL(0x36, 0x37, 0x1e), 42);                   /* mul */
	CHECK_EQ(EVAL(0x35, 0x37, 0x1c), (uint64_t)-2);         /* minus */
	CHECK_EQ(EVAL(0x35, 0x1f), (uint64_t)-5);               /* neg */
	CHECK_EQ(EVAL(0x11, 0x7b, 0x19), 5);                    /* abs -5 */
	CHECK_EQ(EVAL(0x35, 0x19), 5);
	CHECK_EQ(EVAL(0x30, 0x20), UINT64_MAX);                 /* not */
	CHECK_EQ(EVAL(0x3c, 0x3a, 0x1a), 8);                    /* and */
	CHECK_EQ(EVAL(0x3c, 0x33, 0x21), 15);                   /* or */
	CHECK_EQ(EVAL(0x3c, 0x3a, 0x27), 6);                    /* xor */
	CHECK_EQ(EVAL(0x31, 0x23, 0xff, 0x01), 256);            /* plus_uconst */
	CHECK_EQ(EVAL(0x31, 0x10, 63, 0x24), 1ull << 63);       /* shl */
	CHECK_EQ(EVAL(0x31, 0x10, 64, 0x24), 0);
	CHECK_EQ(EVAL(0x11, 0x70, 0x32, 0x25), (uint64_t)-16 >> 2); /* shr -16 */
	CHECK_EQ(EVAL(0x11, 0x70, 0x32, 0x26), (uint64_t)-4);   /* shra */
	CHECK_EQ(EVAL(0x11, 0x70, 0x10, 100, 0x26), UINT64_MAX);
	CHECK_EQ(EVAL(0x40, 0x32, 0x26), 4);
	CHECK_EQ(CODE(0x31, 0x30, 0x1b), COR_ERR_FORMAT);       /* div by zero */
	CHECK_EQ(CODE(0x31, 0x30, 0x1d), COR_ERR_FORMAT);       /* mod by zero */
	/* INT64_MIN / -1 must not trap */
	CHECK_EQ(EVAL(0x0e, 0, 0, 0, 0, 0, 0, 0, 0x80, 0x11, 0x7f, 0x1b), 1ull << 63);
}

static void test_compare_branch(void)
{
	reset(8, false);
	CHECK_EQ(EVAL(0x33, 0x33, 0x29), 1);            /* eq */
	CHECK_EQ(EVAL(0x33, 0x34, 0x29), 0);
	CHECK_EQ(EVAL(0x11, 0x7f, 0x31, 0x2d), 1);      /* -1 lt 1 (signed) */
	CHECK_EQ(EVAL(0x11, 0x7f, 0x31, 0x2b), 0);      /* -1 gt 1 */
	CHECK_EQ(EVAL(0x33, 0x33, 0x2a), 1);            /* ge */
	CHECK_EQ(EVAL(0x33, 0x33, 0x2c), 1);            /* le */
	CHECK_EQ(EVAL(0x33, 0x34, 0x2e), 1);            /* ne */
	/* lit1 bra +1 lit5 lit7: skips lit5 */
	CHECK_EQ(EVAL(0x31, 0x28, 1, 0, 0x35, 0x37), 7);
	/* lit0 bra +1 lit5: falls through, top 5 */
	CHECK_EQ(EVAL(0x30, 0x28, 1, 0, 0x35), 5);
	/* skip +1 over lit5 */
	CHECK_EQ(EVAL(0x37, 0x2f, 1, 0, 0x35), 7);
	/* skip to the very end is fine */
	CHECK_EQ(EVAL(0x37, 0x2f, 0, 0), 7);
	/* loop: count down from 5 to 0: lit5 [dup bra +0x? ...] */
	/* 0: lit5; 1: lit1 minus (2 bytes); 3: dup; 4: bra -6 -> 1 */
	CHECK_EQ(EVAL(0x35, 0x31, 0x1c, 0x12, 0x28, 0xfa, 0xff), 0);
	/* branch outside the expression */
	CHECK_EQ(CODE(0x31, 0x28, 5, 0, 0x30), COR_ERR_FORMAT);
	CHECK_EQ(CODE(0x2f, 0xf0, 0xff), COR_ERR_FORMAT);
	/* skip to itself loops forever: the step limit ends it */
	CHECK_EQ(CODE(0x2f, 0xfd, 0xff), COR_ERR_LIMIT);
	/* lit1 bra to itself... pops each time: lit1 dup bra(-4 -> dup) */
	CHECK_EQ(CODE(0x31, 0x12, 0x28, 0xfc, 0xff), COR_ERR_LIMIT);
	/* truncated branch operand */
	CHECK_EQ(CODE(0x31, 0x2f, 0x01), COR_ERR_FORMAT);
	/* a smaller step limit */
	lim.max_expr_steps = 3;
	CHECK_EQ(CODE(0x31, 0x31, 0x31), COR_OK);
	CHECK_EQ(CODE(0x31, 0x31, 0x31, 0x31), COR_ERR_LIMIT);
}

static void test_limits(void)
{
	uint8_t big[300];
	uint64_t r;
	reset(8, false);
	memset(big, 0x31, sizeof(big));
	CHECK_EQ(ev(big, 256, &r, NULL), COR_OK);
	CHECK_EQ(ev(big, 257, &r, NULL), COR_ERR_LIMIT);
	/* lit1 dup-loop: push forever */
	CHECK_EQ(CODE(0x31, 0x12, 0x2f, 0xfc, 0xff), COR_ERR_LIMIT);
	ctx.limits = NULL;   /* default limit */
	CHECK_EQ(CODE(0x2f, 0xfd, 0xff), COR_ERR_LIMIT);
}

static void test_regs_mem(void)
{
	reset(8, false);
	for (unsigned i = 0; i < sizeof(mem); i++)
		mem[i] = (uint8_t)(i + 1);
	CHECK_EQ(EVAL(0x75, 0x08), 0x507 + 8);                 /* breg5 +8 */
	CHECK_EQ(EVAL(0x92, 33, 0x7f), 0x2107 - 1);            /* bregx 33 -1 */
	CHECK_EQ(EVAL(0x55), 0x507);                           /* reg5 */
	CHECK(last_val);
	CHECK_EQ(EVAL(0x90, 35), 0x2307);                      /* regx 35 */
	CHECK(last_val);
	CHECK_EQ(CODE(0x90, 50), COR_ERR_NOT_FOUND);           /* unknown register */
	CHECK_EQ(CODE(0x55, 0x31), COR_ERR_UNSUPPORTED);       /* reg then more */
	CHECK_EQ(EVAL(0x0a, 0x00, 0x10, 0x06), 0x0807060504030201ull);  /* deref */
	CHECK(!last_val);
	CHECK_EQ(EVAL(0x0a, 0x02, 0x10, 0x94, 2), 0x0403);     /* deref_size 2 */
	CHECK_EQ(CODE(0x0a, 0x02, 0x10, 0x94, 0), COR_ERR_FORMAT);
	CHECK_EQ(CODE(0x0a, 0x02, 0x10, 0x94, 9), COR_ERR_FORMAT);
	CHECK_EQ(CODE(0x30, 0x06), COR_ERR_NO_MEMORY);         /* deref 0 */
	CHECK_EQ(EVAL(0x31, 0x9f), 1);                          /* stack_value */
	CHECK(last_val);
	CHECK_EQ(EVAL(0x9e, 2, 0x34, 0x12), 0x1234);            /* implicit_value */
	CHECK(last_val);
	CHECK_EQ(CODE(0x9e, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9), COR_ERR_UNSUPPORTED);
	CHECK_EQ(CODE(0x9e, 4, 1, 2), COR_ERR_FORMAT);
	ctx.read_mem = NULL;
	CHECK_EQ(CODE(0x0a, 0x02, 0x10, 0x06), COR_ERR_UNSUPPORTED);
	ctx.read_reg = NULL;
	CHECK_EQ(CODE(0x75, 0), COR_ERR_NOT_FOUND);
}

static void test_cfa_initial(void)
{
	uint64_t r = 0;
	bool v = true;
	reset(8, false);
	static const uint8_t plus8[] = { 0x23, 8 };
	cor_error *err = dwarf_expr_eval(&ctx, plus8, sizeof(plus8), true, 0x7000, &r, &v);
	CHECK(!err);
	CHECK_EQ(r, 0x7008);
	CHECK(!v);
	CHECK_EQ(CODE(0x9c), COR_ERR_UNSUPPORTED);
	ctx.have_cfa = true;
	ctx.cfa = 0x8000;
	CHECK_EQ(EVAL(0x9c, 0x23, 0x10), 0x8010);
}

static void test_addr32(void)
{
	reset(4, false);
	CHECK_EQ(EVAL(0x11, 0x7f), 0xffffffff);              /* -1 masked */
	CHECK_EQ(EVAL(0x11, 0x7f, 0x31, 0x22), 0);           /* wraps */
	CHECK_EQ(EVAL(0x03, 0x78, 0x56, 0x34, 0x12), 0x12345678);
	CHECK_EQ(EVAL(0x11, 0x7f, 0x31, 0x2d), 1);           /* signed 32-bit lt */
	CHECK_EQ(EVAL(0x11, 0x70, 0x32, 0x26), 0xfffffffc);  /* shra */
	CHECK_EQ(EVAL(0x11, 0x70, 0x32, 0x25), 0x3ffffffc);  /* shr */
	CHECK_EQ(EVAL(0x11, 0x74, 0x32, 0x1b), 0xfffffffa);  /* -12 / 2 */
	CHECK_EQ(EVAL(0x11, 0x7f, 0x19), 1);                 /* abs */
	CHECK_EQ(EVAL(0x30, 0x20), 0xffffffff);              /* not */
	for (unsigned i = 0; i < sizeof(mem); i++)
		mem[i] = (uint8_t)(i + 1);
	CHECK_EQ(EVAL(0x0a, 0x00, 0x10, 0x06), 0x04030201);  /* 4-byte deref */
	CHECK_EQ(CODE(0x0a, 0x00, 0x10, 0x94, 8), COR_ERR_FORMAT);
	CHECK_EQ(CODE(0x03, 1, 2, 3), COR_ERR_FORMAT);       /* truncated addr */
}

static void test_unsupported(void)
{
	reset(8, false);
	CHECK_EQ(CODE(0x31, 0x93, 8), COR_ERR_UNSUPPORTED);  /* piece */
	CHECK_EQ(CODE(0x31, 0x18), COR_ERR_UNSUPPORTED);     /* xderef */
	CHECK_EQ(CODE(0x31, 0x9b), COR_ERR_UNSUPPORTED);     /* form_tls_address */
	CHECK_EQ(CODE(0x31, 0xe0), COR_ERR_UNSUPPORTED);     /* GNU_push_tls_address */
	CHECK_EQ(CODE(0xa3, 1, 0x50), COR_ERR_UNSUPPORTED);  /* entry_value */
	CHECK_EQ(CODE(0xf3, 1, 0x50), COR_ERR_UNSUPPORTED);  /* GNU_entry_value */
	CHECK_EQ(CODE(0x91, 0), COR_ERR_UNSUPPORTED);        /* fbreg */
	CHECK_EQ(CODE(0xff), COR_ERR_FORMAT);                /* unknown */
	CHECK_EQ(CODE(0x0e, 1, 2), COR_ERR_FORMAT);          /* truncated const */
	CHECK_EQ(CODE(0x10, 0x80), COR_ERR_FORMAT);          /* truncated uleb */
	CHECK_EQ(CODE(0x15), COR_ERR_FORMAT);                /* truncated pick */
	ctx.addr_size = 0;
	CHECK_EQ(CODE(0x31), COR_ERR_INVALID);
}

/* Every prefix and a byte-flip sweep: no crash, no out-of-bounds read. */
static void test_robust(void)
{
	static const uint8_t e[] = { 0x0a, 0x00, 0x10, 0x06, 0x31, 0x22, 0x12, 0x28,
		0x02, 0x00, 0x94, 0x04, 0x92, 0x05, 0x7f, 0x9e, 0x02, 0x01, 0x02 };
	uint8_t buf[sizeof(e)];
	uint64_t r;
	reset(8, false);
	for (size_t n = 0; n <= sizeof(e); n++) {
		uint8_t *p = malloc(n ? n : 1);
		memcpy(p, e, n);
		cor_error_free(dwarf_expr_eval(&ctx, p, n, false, 0, &r, NULL));
		free(p);
	}
	for (size_t i = 0; i < sizeof(e); i++)
		for (unsigned v = 0; v < 256; v++) {
			memcpy(buf, e, sizeof(e));
			buf[i] = (uint8_t)v;
			cor_error_free(dwarf_expr_eval(&ctx, buf, sizeof(buf), true, 0x1010, &r, NULL));
		}
	CHECK(1);
}

static void test_message(void)
{
	uint64_t r;
	static const uint8_t e[] = { 0x31, 0x30, 0x1b };
	reset(8, false);
	cor_error *err = dwarf_expr_eval(&ctx, e, sizeof(e), false, 0, &r, NULL);
	CHECK(err && strstr(cor_error_message(err), "byte 2"));
	CHECK(err && strstr(cor_error_message(err), "division by zero"));
	cor_error_free(err);
}

/* ---- location descriptions ---- */

static struct dwarf_location loc;

#define LOC(...) loc_bytes((const uint8_t[]){ __VA_ARGS__ }, \
	sizeof((const uint8_t[]){ __VA_ARGS__ }))

static enum cor_error_code loc_bytes(const uint8_t *e, size_t n)
{
	cor_error *err = dwarf_expr_location(&ctx, e, n, &loc);
	enum cor_error_code c = cor_error_code(err);
	cor_error_free(err);
	return c;
}

static cor_error *fb_cb(void *arg, uint64_t *out)
{
	(void)arg;
	*out = 0x2000;
	return NULL;
}

static cor_error *entry_cb(void *arg, const uint8_t *e, size_t n, uint64_t *out)
{
	(void)arg;
	if (n != 1 || e[0] != 0x55)   /* only DW_OP_reg5's entry value */
		return cor_error_new(COR_ERR_NOT_FOUND, "no entry value");
	*out = 77;
	return NULL;
}

static bool addrx_cb(void *arg, uint64_t idx, uint64_t *out)
{
	(void)arg;
	*out = 0x500 + idx;
	return idx < 4;
}

static void test_locations(void)
{
	reset(8, false);
	CHECK_EQ(LOC(0x53), COR_OK);                      /* reg3: in the register */
	CHECK_EQ(loc.n, 1);
	CHECK_EQ(loc.p[0].kind, DWP_REGISTER);
	CHECK_EQ(loc.p[0].v, 3);
	CHECK_EQ(loc.p[0].bits, 0);
	CHECK_EQ(LOC(0x90, 0x21), COR_OK);                /* regx 33 */
	CHECK_EQ(loc.p[0].v, 33);
	CHECK_EQ(LOC(0x75, 0x08), COR_OK);                /* breg5 8: memory */
	CHECK_EQ(loc.p[0].kind, DWP_MEMORY);
	CHECK_EQ(loc.p[0].v, 0x507 + 8);
	CHECK_EQ(LOC(0x35, 0x9f), COR_OK);                /* lit5 stack_value */
	CHECK_EQ(loc.p[0].kind, DWP_VALUE);
	CHECK_EQ(loc.p[0].v, 5);
	CHECK_EQ(LOC(0x9e, 2, 0xaa, 0xbb), COR_OK);       /* implicit_value 2 */
	CHECK_EQ(loc.p[0].kind, DWP_IMPLICIT);
	CHECK_EQ(loc.p[0].nbytes, 2);
	CHECK_EQ(loc.p[0].bytes[1], 0xbb);
	/* reg0 piece 4, (empty) piece 4, lit7 stack_value piece 2 */
	CHECK_EQ(LOC(0x50, 0x93, 4, 0x93, 4, 0x37, 0x9f, 0x93, 2), COR_OK);
	CHECK_EQ(loc.n, 3);
	CHECK_EQ(loc.p[0].kind, DWP_REGISTER);
	CHECK_EQ(loc.p[0].bits, 32);
	CHECK_EQ(loc.p[1].kind, DWP_NONE);
	CHECK_EQ(loc.p[2].kind, DWP_VALUE);
	CHECK_EQ(loc.p[2].v, 7);
	CHECK_EQ(loc.p[2].bits, 16);
	CHECK_EQ(LOC(0x51, 0x9d, 3, 5), COR_OK);          /* reg1 bit_piece 3 5 */
	CHECK_EQ(loc.p[0].bits, 3);
	CHECK_EQ(loc.p[0].bit_offset, 5);
	CHECK_EQ(LOC(0xa0, 1, 0, 0, 0, 0x7c), COR_OK);    /* implicit_pointer die 1, -4 */
	CHECK_EQ(loc.p[0].kind, DWP_POINTER);
	CHECK_EQ(loc.p[0].die, 1);
	CHECK_EQ(loc.p[0].offset, -4);
	CHECK_EQ(LOC(0), COR_ERR_FORMAT);                 /* unknown op */
	CHECK_EQ(loc_bytes(NULL, 0), COR_OK);             /* empty: no location */
	CHECK_EQ(loc.n, 0);
	CHECK_EQ(LOC(0x50, 0x31), COR_ERR_UNSUPPORTED);   /* ops after reg0 */
	CHECK_EQ(LOC(0x50, 0x93, 4, 0x31), COR_ERR_FORMAT); /* after the last piece */
	CHECK_EQ(LOC(0x50, 0x93, 0), COR_ERR_FORMAT);     /* empty piece */
	CHECK_EQ(LOC(0x9f), COR_ERR_FORMAT);              /* stack_value on empty */
	CHECK_EQ(LOC(0x9e, 9, 1), COR_ERR_FORMAT);        /* implicit value cut */
	CHECK_EQ(LOC(0x91, 0x10), COR_ERR_UNSUPPORTED);   /* fbreg without a base */
	CHECK_EQ(LOC(0xa3, 1, 0x55), COR_ERR_UNSUPPORTED); /* entry value, no caller */
	CHECK_EQ(LOC(0xa1, 0), COR_ERR_FORMAT);           /* addrx without a table */
	ctx.frame_base = fb_cb;
	ctx.entry_value = entry_cb;
	ctx.addr_index = addrx_cb;
	ctx.addr_bias = 0x10000;
	CHECK_EQ(LOC(0x91, 0x70), COR_OK);                /* fbreg -16 */
	CHECK_EQ(loc.p[0].v, 0x2000 - 16);
	CHECK_EQ(LOC(0xa3, 1, 0x55, 0x9f), COR_OK);       /* entry_value(reg5) stack_value */
	CHECK_EQ(loc.p[0].kind, DWP_VALUE);
	CHECK_EQ(loc.p[0].v, 77);
	CHECK_EQ(LOC(0xf3, 1, 0x55, 0x9f), COR_OK);       /* GNU_entry_value */
	CHECK_EQ(loc.p[0].v, 77);
	CHECK_EQ(LOC(0xa3, 1, 0x54, 0x9f), COR_ERR_NOT_FOUND);
	CHECK_EQ(LOC(0xa3, 5, 0x55), COR_ERR_FORMAT);     /* operand past the end */
	CHECK_EQ(LOC(0xa1, 2), COR_OK);                   /* addrx 2, relocated */
	CHECK_EQ(loc.p[0].v, 0x10502);
	CHECK_EQ(LOC(0xa2, 2, 0x9f), COR_OK);             /* constx: not relocated */
	CHECK_EQ(loc.p[0].v, 0x502);
	CHECK_EQ(LOC(0xa1, 9), COR_ERR_FORMAT);
	CHECK_EQ(LOC(0x03, 0x10, 0, 0, 0, 0, 0, 0, 0), COR_OK); /* addr + bias */
	CHECK_EQ(loc.p[0].v, 0x10010);
	/* 65 pieces: over the limit */
	uint8_t many[65 * 3];
	for (size_t i = 0; i < 65; i++)
		many[3 * i] = 0x50, many[3 * i + 1] = 0x93, many[3 * i + 2] = 1;
	CHECK_EQ(loc_bytes(many, sizeof(many)), COR_ERR_LIMIT);
	CHECK_EQ(loc.n, 0);
	CHECK_EQ(loc_bytes(many, 64 * 3), COR_OK);
	CHECK_EQ(loc.n, 64);
	/* the CFI evaluator still refuses pieces */
	CHECK_EQ(CODE(0x50, 0x93, 4), COR_ERR_UNSUPPORTED);
}

/* Typed operations: base types by unit offset. The expected values are
 * IEEE 754 encodings and C conversions, not the evaluator's output. */
static bool base_cb(void *arg, uint64_t off, uint64_t *size, uint8_t *enc)
{
	switch (off) {
	case 0x10: *size = 8, *enc = 0x04; return true;   /* double */
	case 0x20: *size = 4, *enc = 0x04; return true;   /* float */
	case 0x30: *size = 4, *enc = 0x05; return true;   /* int */
	case 0x40: *size = 1, *enc = 0x08; return true;   /* unsigned char */
	case 0x50: *size = 8, *enc = 0x05; return true;   /* long */
	case 0x70: *size = 16, *enc = 0x04; return true;  /* long double */
	default: return false;                            /* no base type */
	}
}

static bool vreg_cb(void *arg, unsigned regno, uint8_t *buf, size_t n)
{
	static const uint8_t d25[8] = { 0, 0, 0, 0, 0, 0, 0x04, 0x40 };   /* 2.5 */
	if (regno != 50 || n > 8)
		return false;
	memcpy(buf, d25, n);
	return true;
}

#define D25 0xa4, 0x10, 8, 0, 0, 0, 0, 0, 0, 0x04, 0x40    /* double 2.5 */
#define D30 0xa4, 0x10, 8, 0, 0, 0, 0, 0, 0, 0x08, 0x40    /* double 3.0 */
#define F075 0xa4, 0x20, 4, 0, 0, 0x40, 0x3f               /* float 0.75 */
#define F05 0xa4, 0x20, 4, 0, 0, 0, 0x3f                   /* float 0.5 */

static void test_typed(void)
{
	reset(8, false);
	CHECK_EQ(CODE(D25), COR_ERR_UNSUPPORTED);            /* no type reader */
	ctx.base_type = base_cb;
	ctx.read_reg_bytes = vreg_cb;
	CHECK_EQ(EVAL(D25, D30, 0x1e), 0x401e000000000000ull);      /* 2.5 * 3.0 = 7.5 */
	CHECK_EQ(EVAL(D30, D25, 0x1c), 0x3fe0000000000000ull);      /* 3.0 - 2.5 = 0.5 */
	CHECK_EQ(EVAL(F075, F05, 0x1e), 0x3ec00000);                /* 0.375f */
	CHECK_EQ(EVAL(F075, 0x1f), 0xbf400000);                     /* neg */
	CHECK_EQ(EVAL(D25, D30, 0x2d), 1);                          /* lt */
	/* GNU forms: const_type 0xf4, convert 0xf7, reinterpret 0xf9 */
	CHECK_EQ(EVAL(0xf4, 0x20, 4, 0, 0, 0x40, 0x3f, 0xf9, 0x30), 0x3f400000);
	CHECK_EQ(EVAL(0x09, 0xfd, 0xf7, 0x30), 0xfffffffd);         /* (int)-3 */
	/* integers: -3 as int, then long: sign-extended */
	CHECK_EQ(EVAL(0x09, 0xfd, 0xa8, 0x30, 0xa8, 0x50), 0xfffffffffffffffdull);
	/* narrowed to unsigned char, back to the generic type */
	CHECK_EQ(EVAL(0x0c, 0x78, 0x56, 0x34, 0x12, 0xa8, 0x40, 0xa8, 0), 0x78);
	CHECK_EQ(EVAL(0x09, 0xfd, 0xa8, 0x30, 0xa8, 0x10), 0xc008000000000000ull); /* -3.0 */
	CHECK_EQ(EVAL(D25, D30, 0x1e, 0xa8, 0x30), 7);              /* (int)7.5 */
	CHECK_EQ(EVAL(F075, 0xa8, 0x10), 0x3fe8000000000000ull);    /* (double)0.75f */
	CHECK_EQ(EVAL(D25, 0xa8, 0x20), 0x40200000);                /* 2.5f */
	/* unsigned char 0xff < 1 is false; int -1 < 1 is true */
	CHECK_EQ(EVAL(0xa4, 0x40, 1, 0xff, 0xa4, 0x40, 1, 1, 0x2d), 0);
	CHECK_EQ(EVAL(0xa4, 0x30, 4, 0xff, 0xff, 0xff, 0xff, 0xa4, 0x30, 4, 1, 0, 0, 0, 0x2d), 1);
	/* an int wraps at its size */
	CHECK_EQ(EVAL(0xa4, 0x30, 4, 0xff, 0xff, 0xff, 0x7f, 0xa4, 0x30, 4, 1, 0, 0, 0, 0x22),
		 0x80000000);
	/* types move with the values: swap, drop, rot, pick */
	CHECK_EQ(EVAL(D25, 0x31, 0x16, D30, 0x1e), 0x401e000000000000ull);
	CHECK_EQ(EVAL(D25, 0x31, 0x32, 0x17, 0x13, D30, 0x1e), 0x401e000000000000ull);
	CHECK_EQ(EVAL(D25, 0x31, 0x15, 1, D30, 0x1e), 0x401e000000000000ull);
	/* regval_type: a general register (3: 0x307), a vector one (50) */
	CHECK_EQ(EVAL(0xa5, 3, 0x30), 0x307);
	CHECK_EQ(EVAL(0xf5, 50, 0x10, D30, 0x1e), 0x401e000000000000ull);
	CHECK_EQ(CODE(0xa5, 51, 0x10), COR_ERR_NOT_FOUND);         /* unknown register */
	/* deref_type: 4 bytes as int, 0xf6 too */
	for (size_t i = 0; i < 8; i++)
		mem[i] = (uint8_t)(0xf1 + i);
	CHECK_EQ(EVAL(0x0a, 0x00, 0x10, 0xa6, 4, 0x30, 0xa8, 0x50), 0xfffffffff4f3f2f1ull);
	CHECK_EQ(EVAL(0x0a, 0x00, 0x10, 0xf6, 1, 0x40), 0xf1);
	CHECK_EQ(CODE(0x0a, 0x00, 0x10, 0xa6, 2, 0x30), COR_ERR_FORMAT);  /* size != type's */
	CHECK_EQ(CODE(0x0a, 0x00, 0x20, 0xa6, 4, 0x30), COR_ERR_NO_MEMORY);
	/* refused: no base type, over 8 bytes, sizes and types that disagree */
	CHECK_EQ(CODE(0xa4, 0x60, 1, 0), COR_ERR_FORMAT);
	CHECK_EQ(CODE(0xa4, 0x70, 1, 0), COR_ERR_UNSUPPORTED);
	CHECK_EQ(CODE(0xa4, 0x10, 4, 0, 0, 0, 0), COR_ERR_FORMAT);
	CHECK_EQ(CODE(0xa4, 0x10, 8, 0, 0), COR_ERR_FORMAT);       /* truncated */
	CHECK_EQ(CODE(D25, F075, 0x22), COR_ERR_FORMAT);           /* double + float */
	CHECK_EQ(CODE(D25, 0x31, 0x22), COR_ERR_FORMAT);           /* double + generic */
	CHECK_EQ(CODE(D25, D30, 0x1a), COR_ERR_FORMAT);            /* and of doubles */
	CHECK_EQ(CODE(F075, 0xa9, 0x10), COR_ERR_FORMAT);          /* 4 bytes as 8 */
	CHECK_EQ(CODE(0xa4, 0x10, 8, 0, 0, 0, 0, 0, 0, 0xf0, 0x7f, 0xa8, 0x30),
		 COR_ERR_FORMAT);                                  /* (int)inf */
	CHECK_EQ(CODE(0xa8, 0x30), COR_ERR_FORMAT);                /* empty stack */
	CHECK_EQ(CODE(0xa4, 0x30, 4, 0, 0, 0, 0, 0xa4, 0x30, 4, 0, 0, 0, 0, 0x1b), COR_ERR_FORMAT);
}

int main(void)
{
	test_locations();
	test_constants();
	test_stack();
	test_arith();
	test_compare_branch();
	test_limits();
	test_regs_mem();
	test_cfa_initial();
	test_addr32();
	test_unsupported();
	test_typed();
	test_robust();
	test_message();
	return T_DONE();
}
