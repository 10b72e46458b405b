/* Location lists (lib/dwarf/loc.c) on hand-built sections: .debug_loc
 * (DWARF 2-4) with base address selection entries, .debug_loclists
 * (DWARF 5) with every DW_LLE_* kind, DW_FORM_loclistx through the unit's
 * loclists base, exprlocs; truncated and hostile lists end with an error
 * within the section's bytes. */
#include <stdlib.h>
#include "t.h"
#include "dwarf/loc.h"

static struct dwarf_sections secs;
static struct dfile file;
static struct cu cu;

static void unit(uint16_t version, uint64_t base)
{
	memset(&file, 0, sizeof(file));
	memset(&cu, 0, sizeof(cu));
	file.s = &secs;
	cu.f = &file;
	cu.version = version;
	cu.addr_size = 8;
	cu.offset_size = 4;
	cu.base = base;
	cu.loc_base = 12;
	cu.fc.addr_base = 8;
}

/* The expression at pc: its first byte, or -1 if none covers pc, -2 on
 * an error. */
static int at(const struct dwarf_value *v, uint64_t pc)
{
	const uint8_t *e;
	size_t n;
	bool found;
	cor_error *err = dwarf_loc_expr(&cu, v, pc, &e, &n, &found);
	if (err) {
		cor_error_free(err);
		return -2;
	}
	return found && n ? e[0] : -1;
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void test_v4(void)
{
	uint8_t loc[128];
	size_t n = 0;
	/* [0x10, 0x20) relative to the unit's base 0x1000: DW_OP_reg0 */
	put64(loc + n, 0x10), n += 8;
	put64(loc + n, 0x20), n += 8;
	loc[n++] = 1, loc[n++] = 0, loc[n++] = 0x50;
	/* base address selection: 0x5000; then [0, 8): DW_OP_reg1 */
	put64(loc + n, UINT64_MAX), n += 8;
	put64(loc + n, 0x5000), n += 8;
	put64(loc + n, 0), n += 8;
	put64(loc + n, 8), n += 8;
	loc[n++] = 1, loc[n++] = 0, loc[n++] = 0x51;
	put64(loc + n, 0), n += 8;
	put64(loc + n, 0), n += 8;
	secs.loc = (struct dwarf_section){ loc, n, 0 };
	unit(4, 0x1000);
	struct dwarf_value v = { .cls = DW_V_SECOFF, .u = 0 };
	CHECK_EQ(at(&v, 0x1010), 0x50);
	CHECK_EQ(at(&v, 0x101f), 0x50);
	CHECK_EQ(at(&v, 0x1020), -1);
	CHECK_EQ(at(&v, 0x5004), 0x51);
	CHECK_EQ(at(&v, 0x5008), -1);
	CHECK_EQ(at(&v, 0x10), -1);
	v.u = n + 1;                      /* past the section */
	CHECK_EQ(at(&v, 0x1010), -2);
	v.u = 0;
	secs.loc.size = 17;               /* cut in the first entry's length */
	CHECK_EQ(at(&v, 0x1010), -2);
	secs.loc.size = 18;               /* the expression cut */
	CHECK_EQ(at(&v, 0x1010), -2);
	secs.loc.size = n - 4;            /* no end of list */
	CHECK_EQ(at(&v, 0x9999), -2);
	/* a length past the end */
	loc[16] = 0xff, loc[17] = 0xff;
	secs.loc.size = n;
	CHECK_EQ(at(&v, 0x1010), -2);
	memset(&secs, 0, sizeof(secs));
}

static void test_v5(void)
{
	uint8_t ll[256], addr[8 + 16];
	size_t n = 12;                    /* after the header (not read here) */
	memset(ll, 0, sizeof(ll));
	/* offsets table at loc_base 12: one entry, the list at +4 */
	ll[n] = 4, n += 4;
	/* the list (loc_base + 4 = 16) */
	ll[n++] = 4, ll[n++] = 0x10, ll[n++] = 0x20, ll[n++] = 1, ll[n++] = 0x50; /* offset_pair */
	ll[n++] = 6; put64(ll + n, 0x7000), n += 8;                                /* base_address */
	ll[n++] = 4, ll[n++] = 0, ll[n++] = 4, ll[n++] = 1, ll[n++] = 0x51;      /* offset_pair */
	ll[n++] = 7; put64(ll + n, 0x8000), n += 8; put64(ll + n, 0x8010), n += 8;
	ll[n++] = 1, ll[n++] = 0x52;                                              /* start_end */
	ll[n++] = 8; put64(ll + n, 0x9000), n += 8; ll[n++] = 0x10;
	ll[n++] = 1, ll[n++] = 0x53;                                              /* start_length */
	ll[n++] = 1, ll[n++] = 1;                                                 /* base_addressx 1 */
	ll[n++] = 4, ll[n++] = 0, ll[n++] = 2, ll[n++] = 1, ll[n++] = 0x54;      /* offset_pair */
	ll[n++] = 2, ll[n++] = 0, ll[n++] = 1, ll[n++] = 1, ll[n++] = 0x55;      /* startx_endx */
	ll[n++] = 3, ll[n++] = 0, ll[n++] = 3, ll[n++] = 1, ll[n++] = 0x56;      /* startx_length */
	ll[n++] = 5, ll[n++] = 1, ll[n++] = 0x57;                                 /* default */
	ll[n++] = 0;                                                              /* end */
	put64(addr + 8, 0xa000);
	put64(addr + 16, 0xb000);
	secs.loclists = (struct dwarf_section){ ll, n, 0 };
	secs.addr = (struct dwarf_section){ addr, sizeof(addr), 0 };
	unit(5, 0x1000);
	struct dwarf_value v = { .cls = DW_V_SECOFF, .u = 16 };
	CHECK_EQ(at(&v, 0x1010), 0x50);
	CHECK_EQ(at(&v, 0x7002), 0x51);
	CHECK_EQ(at(&v, 0x800f), 0x52);
	CHECK_EQ(at(&v, 0x9000), 0x53);
	CHECK_EQ(at(&v, 0xb001), 0x54);
	CHECK_EQ(at(&v, 0xa000), 0x55);   /* [addr 0, addr 1) */
	CHECK_EQ(at(&v, 0xa002), 0x55);
	CHECK_EQ(at(&v, 0x1), 0x57);      /* the default location */
	struct dwarf_value x = { .cls = DW_V_LOCLISTX, .u = 0 };
	CHECK_EQ(at(&x, 0x1010), 0x50);
	x.u = 1000;                       /* no such index */
	CHECK_EQ(at(&x, 0x1010), -2);
	/* an unknown entry kind, and lists cut at every length */
	ll[16] = 0x42;
	CHECK_EQ(at(&v, 0x1010), -2);
	ll[16] = 4;
	for (size_t cut = 16; cut < n; cut++) {
		secs.loclists.size = cut;
		CHECK(at(&v, 0x1) == -2);
	}
	/* an address index past .debug_addr */
	secs.loclists.size = n;
	secs.addr.size = 8;
	CHECK_EQ(at(&v, 0xb001), -2);
	memset(&secs, 0, sizeof(secs));
}

static void test_exprloc(void)
{
	static const uint8_t e[] = { 0x91, 0x70 };
	unit(5, 0);
	struct dwarf_value v = { .cls = DW_V_BLOCK, .u = sizeof(e), .s = (const char *)e };
	CHECK_EQ(at(&v, 0), 0x91);
	struct dwarf_value s = { .cls = DW_V_STR, .u = 0 };
	CHECK_EQ(at(&s, 0), -2);
}

int main(void)
{
	test_v4();
	test_v5();
	test_exprloc();
	return T_DONE();
}
