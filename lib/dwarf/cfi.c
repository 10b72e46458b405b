/* Call frame information: CIEs and FDEs of .eh_frame (LSB) and .debug_frame
 * (DWARF 5 section 6.4), looked up through .eh_frame_hdr or a sorted index,
 * and the CFA instruction interpreter that yields the row for a pc. */
#include <stdio.h>
#include <stdlib.h>
#include <inttypes.h>
#include "cfi.h"

#define MAX_INSNS 1000000   /* CFA instructions executed per row */
/* Rows of more than LONG_ROW instructions (real ones have tens) draw what
 * is beyond it from one pool per table: a hostile FDE asked at many pcs
 * (a frame each) costs LONG_POOL instructions in all, then its rows stop
 * at LONG_ROW with a limit error. */
#define LONG_ROW (1u << 16)
#define LONG_POOL (1u << 25)
#define MAX_REMEMBER 64     /* DW_CFA_remember_state depth */
#define CIE_CACHE 64        /* direct-mapped cache of parsed CIEs */
#define OVERLAP_SCAN 16     /* index entries tried below the best match */

enum {
	PE_absptr = 0x00, PE_uleb128 = 0x01, PE_udata2 = 0x02, PE_udata4 = 0x03,
	PE_udata8 = 0x04, PE_signed = 0x08, PE_sleb128 = 0x09, PE_sdata2 = 0x0a,
	PE_sdata4 = 0x0b, PE_sdata8 = 0x0c,
	PE_pcrel = 0x10, PE_textrel = 0x20, PE_datarel = 0x30, PE_funcrel = 0x40,
	PE_aligned = 0x50, PE_indirect = 0x80, PE_omit = 0xff,
};

enum {
	CFA_advance_loc = 0x40, CFA_offset = 0x80, CFA_restore = 0xc0,
	CFA_nop = 0x00, CFA_set_loc, CFA_advance_loc1, CFA_advance_loc2,
	CFA_advance_loc4, CFA_offset_extended, CFA_restore_extended,
	CFA_undefined, CFA_same_value, CFA_register, CFA_remember_state,
	CFA_restore_state, CFA_def_cfa, CFA_def_cfa_register,
	CFA_def_cfa_offset, CFA_def_cfa_expression, CFA_expression,
	CFA_offset_extended_sf, CFA_def_cfa_sf, CFA_def_cfa_offset_sf,
	CFA_val_offset, CFA_val_offset_sf, CFA_val_expression,
	CFA_MIPS_advance_loc8 = 0x1d, CFA_GNU_window_save = 0x2d,
	CFA_GNU_args_size = 0x2e, CFA_GNU_negative_offset_extended = 0x2f,
};

struct cie {
	uint64_t off;
	uint8_t version, fde_enc, addr_size;
	bool z, signal_frame;
	uint64_t code_align;
	int64_t data_align;
	uint32_t ra_reg;
	uint64_t insn_off, insn_end;
};

struct fde {
	uint64_t off, pc_begin, pc_end, insn_off, insn_end;
};

/* One length-prefixed entry of the section. */
struct entry {
	uint64_t off, id_off, body, end, id;
	bool is_cie;
};

struct fde_range {
	uint64_t begin, end, off;
};

struct ptr_base {
	uint64_t sec_addr, text, data;
	uint8_t addr_size;
};

struct cfi_table {
	struct dwarf_section sec;
	bool eh, be;
	uint8_t addr_size;
	uint64_t mask;
	char *path;
	struct reader where, hdr_where;  /* name the sections for errors */
	uint64_t text_addr, data_addr;
	/* .eh_frame_hdr search table */
	bool have_hdr;
	struct dwarf_section hdr;
	uint64_t hdr_table_off, hdr_count;
	/* index built when there is no usable hdr */
	struct fde_range *idx;
	size_t nidx;
	size_t skipped;
	char *skip_reason;
	struct { bool used; struct cie cie; } cies[CIE_CACHE];
	uint64_t long_left;        /* of LONG_POOL */
};

/* ---- errors ---- */

static const char *secname(const struct cfi_table *t)
{
	return t->eh ? ".eh_frame" : ".debug_frame";
}

/* "path: offset 0x..: .eh_frame: message" at offset off of the section. */
#define BAD(t, off, ...) reader_error_at(&(t)->where, off, __VA_ARGS__)

/* The same message for a limit reached rather than bad data. */
#define LIMIT(t, off, ...) dwarf_limit_error(BAD(t, off, __VA_ARGS__))

/* ---- readers and encoded pointers ---- */

/* A reader over the section positioned at off, ending at end: offsets
 * stay relative to the section start. */
static bool sec_reader(const struct cfi_table *t, uint64_t off, uint64_t end,
		       uint8_t addr_size, struct reader *r)
{
	reader_init(r, t->sec.data, t->sec.size, t->be, addr_size);
	reader_where(r, t->where.file, t->where.section, 0);
	if (end > t->sec.size || off > end)
		return false;
	r->end = r->base + end;
	return reader_seek(r, off);
}

static uint64_t mask_addr(uint8_t addr_size, uint64_t v)
{
	return addr_size >= 8 ? v : v & (((uint64_t)1 << (addr_size * 8)) - 1);
}

static bool read_ptr_value(struct reader *r, uint8_t fmt, uint8_t addr_size,
			   uint64_t *v)
{
	int64_t s;
	bool ok;
	switch (fmt) {
	case PE_absptr: return reader_uint(r, addr_size, v);
	case PE_uleb128: return reader_uleb(r, v);
	case PE_udata2: return reader_uint(r, 2, v);
	case PE_udata4: return reader_uint(r, 4, v);
	case PE_udata8: return reader_uint(r, 8, v);
	case PE_signed: ok = reader_sint(r, addr_size, &s); break;
	case PE_sleb128: ok = reader_sleb(r, &s); break;
	case PE_sdata2: ok = reader_sint(r, 2, &s); break;
	case PE_sdata4: ok = reader_sint(r, 4, &s); break;
	case PE_sdata8: ok = reader_sint(r, 8, &s); break;
	default: return false;
	}
	*v = (uint64_t)s;
	return ok;
}

/* Decodes a DW_EH_PE_* pointer; returns NULL or why it failed. The pcrel
 * base is the address of the field (section address + reader offset). */
static const char *read_ptr(const struct ptr_base *b, struct reader *r,
			    uint8_t enc, bool allow_indirect, uint64_t *v)
{
	uint64_t field = b->sec_addr + reader_off(r), u;
	uint8_t fmt = enc & 0x0f;
	if (enc == PE_omit)
		return "omitted pointer";
	if (fmt > PE_sdata8 || (fmt > PE_udata8 && fmt < PE_signed))
		return "unknown pointer encoding";
	if ((enc & 0x70) == PE_aligned) {
		uint64_t pad = -field & (b->addr_size - 1);
		if (!reader_skip(r, pad))
			return "pointer past the end of the entry";
		field += pad;
		fmt = PE_absptr;
	}
	if (!read_ptr_value(r, fmt, b->addr_size, &u))
		return "pointer past the end of the entry";
	switch (enc & 0x70) {
	case PE_absptr: case PE_aligned: break;
	case PE_pcrel: u += field; break;
	case PE_textrel: u += b->text; break;
	case PE_datarel: u += b->data; break;
	default: return "unsupported pointer application (funcrel)";
	}
	if ((enc & PE_indirect) && !allow_indirect)
		return "indirect pointer encoding";
	*v = mask_addr(b->addr_size, u);
	return NULL;
}

static struct ptr_base sec_base(const struct cfi_table *t, uint8_t addr_size)
{
	struct ptr_base b = { t->sec.addr, t->text_addr, t->data_addr, addr_size };
	return b;
}

/* ---- entries, CIEs, FDEs ---- */

/* Reads the entry header at off; *term is set for a zero terminator. */
static cor_error *read_entry(const struct cfi_table *t, uint64_t off,
			     struct entry *e, bool *term)
{
	struct reader r;
	uint64_t len, id;
	uint32_t len32;
	unsigned idsize;
	*term = false;
	if (!sec_reader(t, off, t->sec.size, t->addr_size, &r) || !reader_u32(&r, &len32))
		return BAD(t, off, "entry header past the end of the section");
	len = len32;
	if (len32 == 0xffffffff && !reader_u64(&r, &len))
		return BAD(t, off, "64-bit entry header past the end of the section");
	idsize = len32 == 0xffffffff && !t->eh ? 8 : 4;
	e->off = off;
	e->id_off = reader_off(&r);
	if (len == 0) {
		*term = true;
		e->end = e->id_off;
		return NULL;
	}
	if (len > reader_left(&r))
		return BAD(t, off, "entry length 0x%" PRIx64 " past the end of the section", len);
	if (len < idsize)
		return BAD(t, off, "entry too short for its CIE pointer");
	e->end = e->id_off + len;
	reader_uint(&r, idsize, &id);
	e->body = reader_off(&r);
	if (t->eh)
		e->is_cie = id == 0;
	else
		e->is_cie = id == (idsize == 8 ? UINT64_MAX : 0xffffffff);
	e->id = id;
	return NULL;
}

/* Section offset of an FDE's CIE. */
static cor_error *cie_offset(const struct cfi_table *t, const struct entry *e,
			     uint64_t *off)
{
	if (t->eh && e->id > e->id_off)
		return BAD(t, e->off, "CIE pointer 0x%" PRIx64 " before the section", e->id);
	*off = t->eh ? e->id_off - e->id : e->id;
	if (*off >= t->sec.size)
		return BAD(t, e->off, "CIE pointer 0x%" PRIx64 " past the end of the section", e->id);
	return NULL;
}

static cor_error *parse_aug_data(const struct cfi_table *t, struct reader *r,
				 const char *aug, struct cie *c)
{
	struct ptr_base b = sec_base(t, c->addr_size);
	uint64_t len, end, v;
	uint8_t enc;
	const char *why;
	if (!reader_uleb(r, &len) || len > reader_left(r))
		return BAD(t, c->off, "CIE augmentation data past the end of the entry");
	end = reader_off(r) + len;
	struct reader a = *r;
	a.end = a.base + end;
	for (const char *p = aug + 1; *p; p++) {
		switch (*p) {
		case 'R': case 'L': case 'P':
			if (!reader_u8(&a, &enc))
				return BAD(t, c->off, "CIE augmentation '%c' truncated", *p);
			if (*p == 'R')
				c->fde_enc = enc;
			if (*p == 'P' && enc != PE_omit && (why = read_ptr(&b, &a, enc, true, &v)))
				return BAD(t, c->off, "CIE personality: %s", why);
			break;
		case 'S':
			c->signal_frame = true;
			break;
		case 'B': case 'G':
			break;
		default:
			return BAD(t, c->off, "unknown CIE augmentation '%c'", *p);
		}
	}
	reader_seek(r, end);
	return NULL;
}

static cor_error *parse_cie_body(const struct cfi_table *t, const struct entry *e,
				 struct cie *c)
{
	struct reader r;
	const char *aug;
	uint64_t ra;
	uint8_t seg_size = 0, ra8;
	sec_reader(t, e->body, e->end, t->addr_size, &r);
	memset(c, 0, sizeof(*c));
	c->off = e->off;
	c->addr_size = t->addr_size;
	if (!reader_u8(&r, &c->version) || !reader_cstr(&r, &aug))
		return BAD(t, e->off, "CIE header truncated");
	if (c->version != 1 && c->version != 3 && c->version != 4)
		return BAD(t, e->off, "CIE version %u unsupported", c->version);
	if (c->version == 4 && (!reader_u8(&r, &c->addr_size) || !reader_u8(&r, &seg_size)))
		return BAD(t, e->off, "CIE header truncated");
	if (c->addr_size != 4 && c->addr_size != 8)
		return BAD(t, e->off, "CIE address size %u", c->addr_size);
	if (seg_size != 0)
		return BAD(t, e->off, "CIE segment selectors unsupported");
	if (aug[0] == 'e' && aug[1] == 'h') {
		if (!reader_skip(&r, c->addr_size))
			return BAD(t, e->off, "CIE eh data truncated");
		aug += 2;
	}
	if (!reader_uleb(&r, &c->code_align) || !reader_sleb(&r, &c->data_align))
		return BAD(t, e->off, "CIE alignment factors truncated");
	if (c->version == 1 ? !reader_u8(&r, &ra8) : !reader_uleb(&r, &ra))
		return BAD(t, e->off, "CIE return address register truncated");
	if (c->version == 1)
		ra = ra8;
	if (ra >= DWARF_MAX_REGS)
		return BAD(t, e->off, "CIE return address register %" PRIu64 " out of range", ra);
	c->ra_reg = (uint32_t)ra;
	c->fde_enc = PE_absptr;
	c->z = aug[0] == 'z';
	if (c->z) {
		cor_error *err = parse_aug_data(t, &r, aug, c);
		if (err)
			return err;
	} else if (aug[0]) {
		return BAD(t, e->off, "unknown CIE augmentation \"%s\"", aug);
	}
	if (!t->eh)
		c->fde_enc = PE_absptr;
	c->insn_off = reader_off(&r);
	c->insn_end = e->end;
	return NULL;
}

static cor_error *get_cie(struct cfi_table *t, uint64_t off, struct cie *c)
{
	size_t slot = (off >> 2) % CIE_CACHE;
	struct entry e;
	bool term;
	cor_error *err;
	if (t->cies[slot].used && t->cies[slot].cie.off == off) {
		*c = t->cies[slot].cie;
		return NULL;
	}
	if ((err = read_entry(t, off, &e, &term)))
		return err;
	if (term || !e.is_cie)
		return BAD(t, off, "CIE pointer does not point to a CIE");
	if ((err = parse_cie_body(t, &e, c)))
		return err;
	t->cies[slot].used = true;
	t->cies[slot].cie = *c;
	return NULL;
}

static cor_error *parse_fde(struct cfi_table *t, const struct entry *e,
			    struct cie *c, struct fde *f)
{
	struct reader r;
	struct ptr_base b;
	uint64_t range, aug_len, cie_off = 0;
	const char *why;
	cor_error *err = cie_offset(t, e, &cie_off);
	if (err || (err = get_cie(t, cie_off, c)))
		return err;
	b = sec_base(t, c->addr_size);
	sec_reader(t, e->body, e->end, c->addr_size, &r);
	f->off = e->off;
	if ((why = read_ptr(&b, &r, c->fde_enc, false, &f->pc_begin)) ||
	    (why = read_ptr(&b, &r, c->fde_enc & 0x0f, false, &range)))
		return BAD(t, e->off, "FDE address range: %s", why);
	if (range > mask_addr(c->addr_size, ~(uint64_t)0) - f->pc_begin)
		return BAD(t, e->off, "FDE address range wraps around");
	f->pc_end = f->pc_begin + range;
	if (c->z && (!reader_uleb(&r, &aug_len) || !reader_skip(&r, aug_len)))
		return BAD(t, e->off, "FDE augmentation data past the end of the entry");
	f->insn_off = reader_off(&r);
	f->insn_end = e->end;
	return NULL;
}

static cor_error *fde_at(struct cfi_table *t, uint64_t off, struct cie *c, struct fde *f)
{
	struct entry e;
	bool term;
	cor_error *err = read_entry(t, off, &e, &term);
	if (err)
		return err;
	if (term || e.is_cie)
		return BAD(t, off, "expected an FDE");
	return parse_fde(t, &e, c, f);
}

/* ---- the index (no usable .eh_frame_hdr, or .debug_frame) ---- */

static int range_cmp(const void *a, const void *b)
{
	const struct fde_range *x = a, *y = b;
	if (x->begin != y->begin)
		return x->begin < y->begin ? -1 : 1;
	if (x->end != y->end)
		return x->end < y->end ? -1 : 1;
	return 0;
}

static void note_skip(struct cfi_table *t, cor_error *err)
{
	if (!t->skipped++)
		t->skip_reason = cor_strdup(cor_error_message(err));
	cor_error_free(err);
}

static cor_error *build_index(struct cfi_table *t)
{
	size_t cap = 0;
	uint64_t off = 0;
	struct entry e;
	struct cie c;
	struct fde f;
	bool term;
	cor_error *err;
	while (off < t->sec.size) {
		if ((err = read_entry(t, off, &e, &term))) {
			note_skip(t, err);
			break;
		}
		if (term)
			break;
		off = e.end;
		if (e.is_cie)
			continue;
		if ((err = parse_fde(t, &e, &c, &f))) {
			note_skip(t, err);
			continue;
		}
		if (f.pc_begin == f.pc_end)
			continue;
		if (!COR_GROW(t->idx, cap, t->nidx + 1))
			return &cor_enomem;
		t->idx[t->nidx++] = (struct fde_range){ f.pc_begin, f.pc_end, f.off };
	}
	if (t->nidx)
		qsort(t->idx, t->nidx, sizeof(*t->idx), range_cmp);
	return NULL;
}

static cor_error *index_lookup(struct cfi_table *t, uint64_t pc, struct cie *c,
			       struct fde *f)
{
	for (size_t i = COR_UPPER_BOUND(t->idx, t->nidx, .begin, pc), n = 0; i > 0 && n < OVERLAP_SCAN; i--, n++)
		if (pc < t->idx[i - 1].end)
			return fde_at(t, t->idx[i - 1].off, c, f);
	return cor_error_addr(COR_ERR_NOT_FOUND, pc, "%s: %s: no FDE for 0x%" PRIx64,
			      t->path ? t->path : "(input)", secname(t), pc);
}

/* ---- .eh_frame_hdr ---- */

static void hdr_init(struct cfi_table *t, const struct dwarf_section *h)
{
	struct reader r;
	struct ptr_base b;
	uint8_t version, ptr_enc, count_enc, table_enc;
	uint64_t eh_ptr, count;
	if (!t->eh || !h || !h->data)
		return;
	reader_init(&r, h->data, h->size, t->be, t->addr_size);
	b = (struct ptr_base){ h->addr, t->text_addr, h->addr, t->addr_size };
	if (!reader_u8(&r, &version) || !reader_u8(&r, &ptr_enc) ||
	    !reader_u8(&r, &count_enc) || !reader_u8(&r, &table_enc))
		return;
	if (version != 1 || table_enc != (PE_datarel | PE_sdata4) || count_enc == PE_omit)
		return;
	if (read_ptr(&b, &r, ptr_enc, false, &eh_ptr) || eh_ptr != t->sec.addr)
		return;
	if (read_ptr(&b, &r, count_enc, false, &count) || count > reader_left(&r) / 8)
		return;
	t->have_hdr = true;
	t->hdr = *h;
	t->hdr_table_off = reader_off(&r);
	t->hdr_count = count;
}

static void hdr_entry(const struct cfi_table *t, uint64_t i, uint64_t *loc,
		      uint64_t *fde)
{
	struct reader r;
	int64_t a = 0, b = 0;
	reader_init(&r, t->hdr.data, t->hdr.size, t->be, t->addr_size);
	if (reader_seek(&r, t->hdr_table_off + i * 8)) {
		reader_sint(&r, 4, &a);
		reader_sint(&r, 4, &b);
	}
	*loc = (t->hdr.addr + (uint64_t)a) & t->mask;
	*fde = (t->hdr.addr + (uint64_t)b) & t->mask;
}

static cor_error *hdr_lookup(struct cfi_table *t, uint64_t pc, struct cie *c,
			     struct fde *f)
{
	uint64_t lo = 0, hi = t->hdr_count, loc, addr;
	cor_error *err;
	/* the entries are decoded one by one (hdr_entry), not an array that
	 * COR_UPPER_BOUND could index: the same search, written out */
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		hdr_entry(t, mid, &loc, &addr);
		if (loc <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		goto none;
	hdr_entry(t, lo - 1, &loc, &addr);
	if (addr < t->sec.addr || addr - t->sec.addr >= t->sec.size)
		return reader_error_at(&t->hdr_where, t->hdr_table_off + (lo - 1) * 8,
				       "FDE address 0x%" PRIx64 " outside .eh_frame", addr);
	if ((err = fde_at(t, addr - t->sec.addr, c, f)))
		return err;
	if (pc >= f->pc_begin && pc < f->pc_end)
		return NULL;
none:
	return cor_error_addr(COR_ERR_NOT_FOUND, pc, "%s: .eh_frame_hdr: no FDE for 0x%" PRIx64,
			      t->path ? t->path : "(input)", pc);
}

/* ---- CFA instructions ---- */

/* DW_CFA_remember_state saves the CFA rule and where the undo log stood;
 * a register rule changed under it logs its old value once per level, and
 * restore_state replays the log back: a remember/restore pair costs what
 * changed between them, not a copy of the row. */
struct saved {
	enum cfi_cfa_kind cfa_kind;
	uint32_t cfa_reg;
	int64_t cfa_off;
	const uint8_t *cfa_expr;
	size_t cfa_expr_len;
	size_t undo;                  /* log length at the remember */
	uint32_t level;               /* its serial number */
};

struct undo {
	uint32_t reg, level;          /* the register's level before */
	struct cfi_rule rule;
};

struct exec {
	struct cfi_table *t;
	const struct cie *c;
	struct cfi_row *row;
	const struct cfi_rule *init;  /* rules after the CIE instructions */
	struct saved stack[MAX_REMEMBER];
	size_t depth;
	struct undo *log;             /* at most MAX_REMEMBER * DWARF_MAX_REGS */
	size_t nlog, log_cap;
	uint32_t level, levels;       /* innermost open remember (0: none); made */
	uint32_t logged[DWARF_MAX_REGS]; /* level each register was last logged at */
	uint64_t loc, pc;
	uint32_t insns, max_insns;
	bool stop;
};

/* The rule of reg, about to change: logged for the open remember. */
static cor_error *touch(struct exec *x, uint64_t reg, struct cfi_rule **out)
{
	if (x->depth && x->logged[reg] != x->level) {
		if (!COR_GROW(x->log, x->log_cap, x->nlog + 1))
			return &cor_enomem;
		x->log[x->nlog++] = (struct undo){ (uint32_t)reg, x->logged[reg],
						   x->row->regs[reg] };
		x->logged[reg] = x->level;
	}
	*out = &x->row->regs[reg];
	return NULL;
}

static cor_error *reg_ok(struct exec *x, uint64_t op_off, uint64_t reg)
{
	if (reg >= DWARF_MAX_REGS)
		return BAD(x->t, op_off, "register %" PRIu64 " out of range", reg);
	return NULL;
}

static cor_error *set_rule(struct exec *x, uint64_t op_off, uint64_t reg,
			   enum cfi_rule_kind kind, int64_t off)
{
	struct cfi_rule *rule;
	cor_error *err = reg_ok(x, op_off, reg);
	if (err || (err = touch(x, reg, &rule)))
		return err;
	*rule = (struct cfi_rule){ .kind = kind, .off = off };
	return NULL;
}

static cor_error *factored(struct exec *x, uint64_t op_off, int64_t v, int64_t *out)
{
	if (__builtin_mul_overflow(v, x->c->data_align, out))
		return BAD(x->t, op_off, "factored offset overflows");
	return NULL;
}

static cor_error *read_uoff(struct exec *x, struct reader *r, uint64_t op_off, int64_t *out)
{
	uint64_t u;
	if (!reader_uleb(r, &u))
		return BAD(x->t, op_off, "CFA instruction truncated");
	if (u > INT64_MAX)
		return BAD(x->t, op_off, "offset too large");
	return factored(x, op_off, (int64_t)u, out);
}

static cor_error *read_soff(struct exec *x, struct reader *r, uint64_t op_off, int64_t *out)
{
	int64_t s;
	if (!reader_sleb(r, &s))
		return BAD(x->t, op_off, "CFA instruction truncated");
	return factored(x, op_off, s, out);
}

static void advance_to(struct exec *x, uint64_t loc)
{
	if (loc > x->pc)
		x->stop = true;
	else
		x->loc = loc;
}

static void advance(struct exec *x, uint64_t delta)
{
	uint64_t d;
	if (__builtin_mul_overflow(delta, x->c->code_align, &d) || d > UINT64_MAX - x->loc)
		x->stop = true;
	else
		advance_to(x, x->loc + d);
}

static cor_error *set_loc(struct exec *x, struct reader *r, uint64_t op_off)
{
	struct ptr_base b = sec_base(x->t, x->c->addr_size);
	uint64_t loc;
	const char *why = read_ptr(&b, r, x->c->fde_enc, false, &loc);
	if (why)
		return BAD(x->t, op_off, "DW_CFA_set_loc: %s", why);
	advance_to(x, loc);
	return NULL;
}

static cor_error *remember(struct exec *x, uint64_t op_off)
{
	struct saved *s;
	if (x->depth >= MAX_REMEMBER)
		return LIMIT(x->t, op_off, "DW_CFA_remember_state deeper than %d",
			     MAX_REMEMBER);
	s = &x->stack[x->depth++];
	s->cfa_kind = x->row->cfa_kind;
	s->cfa_reg = x->row->cfa_reg;
	s->cfa_off = x->row->cfa_off;
	s->cfa_expr = x->row->cfa_expr;
	s->cfa_expr_len = x->row->cfa_expr_len;
	s->undo = x->nlog;
	s->level = x->level = ++x->levels;
	return NULL;
}

static cor_error *restore_state(struct exec *x, uint64_t op_off)
{
	struct saved *s;
	if (!x->depth)
		return BAD(x->t, op_off, "DW_CFA_restore_state without remember_state");
	s = &x->stack[--x->depth];
	x->row->cfa_kind = s->cfa_kind;
	x->row->cfa_reg = s->cfa_reg;
	x->row->cfa_off = s->cfa_off;
	x->row->cfa_expr = s->cfa_expr;
	x->row->cfa_expr_len = s->cfa_expr_len;
	while (x->nlog > s->undo) {
		const struct undo *u = &x->log[--x->nlog];
		x->row->regs[u->reg] = u->rule;
		x->logged[u->reg] = u->level;
	}
	x->level = x->depth ? x->stack[x->depth - 1].level : 0;
	return NULL;
}

static cor_error *restore(struct exec *x, uint64_t op_off, uint64_t reg)
{
	struct cfi_rule *rule;
	cor_error *err = reg_ok(x, op_off, reg);
	if (err || (err = touch(x, reg, &rule)))
		return err;
	*rule = x->init[reg];
	return NULL;
}

static cor_error *read_block(struct exec *x, struct reader *r, uint64_t op_off,
			     const uint8_t **p, size_t *len)
{
	uint64_t n;
	*p = NULL;
	*len = 0;
	if (!reader_uleb(r, &n) || n > reader_left(r) || !reader_bytes(r, (size_t)n, p))
		return BAD(x->t, op_off, "expression past the end of the entry");
	*len = (size_t)n;
	return NULL;
}

static cor_error *def_cfa(struct exec *x, struct reader *r, uint64_t op_off, uint8_t op)
{
	struct cfi_row *row = x->row;
	uint64_t reg = row->cfa_reg, u;
	int64_t off = row->cfa_off;
	cor_error *err = NULL;
	bool only_off = op == CFA_def_cfa_offset || op == CFA_def_cfa_offset_sf;
	if (!only_off && !reader_uleb(r, &reg))
		return BAD(x->t, op_off, "CFA instruction truncated");
	if (op == CFA_def_cfa || op == CFA_def_cfa_offset) {
		if (!reader_uleb(r, &u) || u > INT64_MAX)
			return BAD(x->t, op_off, "bad CFA offset");
		off = (int64_t)u;
	} else if (op == CFA_def_cfa_sf || op == CFA_def_cfa_offset_sf) {
		err = read_soff(x, r, op_off, &off);
	}
	if (err)
		return err;
	if (only_off && row->cfa_kind != CFA_REG_OFFSET)
		return BAD(x->t, op_off, "CFA offset change without a register CFA rule");
	if (op == CFA_def_cfa_register && row->cfa_kind == CFA_EXPRESSION)
		return BAD(x->t, op_off, "CFA register change of an expression CFA rule");
	if (reg >= DWARF_MAX_REGS)
		return BAD(x->t, op_off, "CFA register %" PRIu64 " out of range", reg);
	row->cfa_kind = CFA_REG_OFFSET;
	row->cfa_reg = (uint32_t)reg;
	row->cfa_off = off;
	row->cfa_expr = NULL;
	row->cfa_expr_len = 0;
	return NULL;
}

static cor_error *expr_rule(struct exec *x, struct reader *r, uint64_t op_off, uint8_t op)
{
	uint64_t reg = 0;
	const uint8_t *p;
	size_t len;
	cor_error *err;
	if (op != CFA_def_cfa_expression && !reader_uleb(r, &reg))
		return BAD(x->t, op_off, "CFA instruction truncated");
	if ((err = read_block(x, r, op_off, &p, &len)))
		return err;
	if (op == CFA_def_cfa_expression) {
		x->row->cfa_kind = CFA_EXPRESSION;
		x->row->cfa_expr = p;
		x->row->cfa_expr_len = len;
		return NULL;
	}
	struct cfi_rule *rule;
	if ((err = reg_ok(x, op_off, reg)) || (err = touch(x, reg, &rule)))
		return err;
	*rule = (struct cfi_rule){
		.kind = op == CFA_expression ? CFI_EXPRESSION : CFI_VAL_EXPRESSION,
		.expr = p, .expr_len = len,
	};
	return NULL;
}

static cor_error *offset_rule(struct exec *x, struct reader *r, uint64_t op_off, uint8_t op)
{
	uint64_t reg;
	int64_t off;
	cor_error *err;
	if (!reader_uleb(r, &reg))
		return BAD(x->t, op_off, "CFA instruction truncated");
	if (op == CFA_offset_extended_sf || op == CFA_val_offset_sf)
		err = read_soff(x, r, op_off, &off);
	else
		err = read_uoff(x, r, op_off, &off);
	if (err)
		return err;
	if (op == CFA_GNU_negative_offset_extended)
		off = -off;
	bool val = op == CFA_val_offset || op == CFA_val_offset_sf;
	return set_rule(x, op_off, reg, val ? CFI_VAL_OFFSET : CFI_OFFSET, off);
}

static cor_error *simple_rule(struct exec *x, struct reader *r, uint64_t op_off, uint8_t op)
{
	uint64_t reg, reg2;
	cor_error *err;
	if (!reader_uleb(r, &reg))
		return BAD(x->t, op_off, "CFA instruction truncated");
	if (op == CFA_restore_extended)
		return restore(x, op_off, reg);
	if (op != CFA_register)
		return set_rule(x, op_off, reg, op == CFA_undefined ? CFI_UNDEFINED : CFI_SAME, 0);
	if (!reader_uleb(r, &reg2))
		return BAD(x->t, op_off, "CFA instruction truncated");
	if (reg2 >= DWARF_MAX_REGS)
		return BAD(x->t, op_off, "register %" PRIu64 " out of range", reg2);
	if ((err = set_rule(x, op_off, reg, CFI_REGISTER, 0)))
		return err;
	x->row->regs[reg].reg = (uint32_t)reg2;
	return NULL;
}

static cor_error *advance_op(struct exec *x, struct reader *r, uint64_t op_off, uint8_t op)
{
	static const uint8_t size[] = { 1, 2, 4 };
	uint64_t d;
	unsigned n = op == CFA_MIPS_advance_loc8 ? 8 : size[op - CFA_advance_loc1];
	if (!reader_uint(r, n, &d))
		return BAD(x->t, op_off, "CFA instruction truncated");
	advance(x, d);
	return NULL;
}

static cor_error *insn(struct exec *x, struct reader *r, uint64_t op_off, uint8_t op)
{
	uint64_t u;
	int64_t off;
	cor_error *err;
	switch (op & 0xc0) {
	case CFA_advance_loc:
		advance(x, op & 0x3f);
		return NULL;
	case CFA_offset:
		return (err = read_uoff(x, r, op_off, &off)) ? err :
			set_rule(x, op_off, op & 0x3f, CFI_OFFSET, off);
	case CFA_restore:
		return restore(x, op_off, op & 0x3f);
	}
	switch (op) {
	case CFA_nop: case CFA_GNU_window_save:
		return NULL;
	case CFA_set_loc:
		return set_loc(x, r, op_off);
	case CFA_advance_loc1: case CFA_advance_loc2: case CFA_advance_loc4:
	case CFA_MIPS_advance_loc8:
		return advance_op(x, r, op_off, op);
	case CFA_offset_extended: case CFA_offset_extended_sf: case CFA_val_offset:
	case CFA_val_offset_sf: case CFA_GNU_negative_offset_extended:
		return offset_rule(x, r, op_off, op);
	case CFA_restore_extended: case CFA_undefined: case CFA_same_value:
	case CFA_register:
		return simple_rule(x, r, op_off, op);
	case CFA_remember_state:
		return remember(x, op_off);
	case CFA_restore_state:
		return restore_state(x, op_off);
	case CFA_def_cfa: case CFA_def_cfa_register: case CFA_def_cfa_offset:
	case CFA_def_cfa_sf: case CFA_def_cfa_offset_sf:
		return def_cfa(x, r, op_off, op);
	case CFA_def_cfa_expression: case CFA_expression: case CFA_val_expression:
		return expr_rule(x, r, op_off, op);
	case CFA_GNU_args_size:
		return reader_uleb(r, &u) ? NULL : BAD(x->t, op_off, "CFA instruction truncated");
	default:
		return BAD(x->t, op_off, "unknown CFA instruction 0x%02x", op);
	}
}

static cor_error *execute(struct exec *x, uint64_t off, uint64_t end)
{
	struct reader r;
	uint8_t op;
	cor_error *err;
	sec_reader(x->t, off, end, x->c->addr_size, &r);
	x->stop = false;
	while (!x->stop && !reader_at_end(&r)) {
		uint64_t op_off = reader_off(&r);
		if (++x->insns > x->max_insns) {
			if (x->max_insns == MAX_INSNS)
				return LIMIT(x->t, op_off, "more than %d CFA instructions",
					     MAX_INSNS);
			return LIMIT(x->t, op_off, "more than %u CFA instructions, and "
				     "long rows of this file took %u already", LONG_ROW, LONG_POOL);
		}
		reader_u8(&r, &op);
		if ((err = insn(x, &r, op_off, op)))
			return err;
	}
	return NULL;
}

static cor_error *compute_row(struct cfi_table *t, const struct cie *c,
			      const struct fde *f, uint64_t pc, struct cfi_row *row)
{
	struct cfi_rule init[DWARF_MAX_REGS];
	struct exec x;
	cor_error *err;
	memset(&x, 0, sizeof(x));
	x.t = t;
	x.c = c;
	x.row = row;
	x.init = init;
	x.loc = f->pc_begin;
	x.pc = UINT64_MAX;
	x.max_insns = LONG_ROW + t->long_left < MAX_INSNS ?
		(uint32_t)(LONG_ROW + t->long_left) : MAX_INSNS;
	memset(row, 0, sizeof(*row));
	for (unsigned i = 0; i < DWARF_MAX_REGS; i++)
		row->regs[i].kind = CFI_SAME;
	row->ra_reg = c->ra_reg;
	row->signal_frame = c->signal_frame;
	row->pc_begin = f->pc_begin;
	row->pc_end = f->pc_end;
	/* CIE initial instructions, then the FDE's up to pc */
	memcpy(init, row->regs, sizeof(init));
	err = execute(&x, c->insn_off, c->insn_end);
	if (!err) {
		memcpy(init, row->regs, sizeof(init));
		x.loc = f->pc_begin;
		x.pc = pc;
		x.depth = x.nlog = 0;
		x.level = 0;
		err = execute(&x, f->insn_off, f->insn_end);
	}
	if (!err && row->cfa_kind != CFA_REG_OFFSET && row->cfa_kind != CFA_EXPRESSION)
		err = BAD(t, f->off, "FDE defines no CFA rule");
	if (x.insns > LONG_ROW)
		t->long_left -= x.insns - LONG_ROW < t->long_left ? x.insns - LONG_ROW : t->long_left;
	free(x.log);
	return err;
}

/* ---- public ---- */

cor_error *cfi_table_new(const struct dwarf_section *sec,
			 const struct cfi_params *params,
			 struct cfi_table **out)
{
	struct cfi_table *t;
	cor_error *err;
	*out = NULL;
	if (params->addr_size != 4 && params->addr_size != 8)
		return cor_error_new(COR_ERR_INVALID, "CFI: address size %u", params->addr_size);
	if (!(t = cor_calloc(1, sizeof(*t))))
		return &cor_enomem;
	if (sec && sec->data)
		t->sec = *sec;
	t->eh = params->is_eh_frame;
	t->be = params->be;
	t->addr_size = params->addr_size;
	t->mask = mask_addr(t->addr_size, ~(uint64_t)0);
	t->long_left = LONG_POOL;
	t->text_addr = params->text_addr;
	t->data_addr = params->data_addr;
	if (params->path && !(t->path = cor_strdup(params->path))) {
		free(t);
		return &cor_enomem;
	}
	reader_init(&t->where, NULL, 0, t->be, t->addr_size);
	reader_where(&t->where, t->path, secname(t), 0);
	reader_init(&t->hdr_where, NULL, 0, t->be, t->addr_size);
	reader_where(&t->hdr_where, t->path, ".eh_frame_hdr", 0);
	hdr_init(t, params->hdr);
	if (!t->have_hdr && (err = build_index(t))) {
		cfi_table_free(t);
		return err;
	}
	*out = t;
	return NULL;
}

void cfi_table_free(struct cfi_table *t)
{
	if (!t)
		return;
	free(t->idx);
	free(t->skip_reason);
	free(t->path);
	free(t);
}

size_t cfi_table_skipped(const struct cfi_table *t, const char **first_reason)
{
	if (first_reason)
		*first_reason = t->skip_reason;
	return t->skipped;
}

bool cfi_table_uses_hdr(const struct cfi_table *t)
{
	return t->have_hdr;
}

cor_error *cfi_find_row(struct cfi_table *t, uint64_t pc, struct cfi_row *row)
{
	struct cie c;
	struct fde f;
	cor_error *err;
	pc &= t->mask;
	err = t->have_hdr ? hdr_lookup(t, pc, &c, &f) : index_lookup(t, pc, &c, &f);
	if (err)
		return err;
	return compute_row(t, &c, &f, pc, row);
}
