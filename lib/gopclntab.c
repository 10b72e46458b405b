/* Go's pclntab (see gopclntab.h). Layout facts (from the Go runtime's
 * runtime/symtab.go and debug/gosym; no code taken): a header of magic,
 * two zero bytes, the pc quantum and the pointer size, then
 *   Go 1.2  (0xfffffffb): nfunc; the function table (nfunc pairs of
 *           pointer-sized entry pc and record offset, then the end pc) and a
 *           32-bit offset of the file table; every offset from the header;
 *   Go 1.16 (0xfffffffa): nfunc, nfiles, then the offsets of the function
 *           names, the compilation units' file indexes, the file names, the
 *           pc-value tables and the function table (pointer-sized pairs);
 *   Go 1.18 (0xfffffff0) and 1.20 (0xfffffff1): nfunc, nfiles, the text
 *           start, then the same five offsets; the function table's pairs
 *           are 32-bit (entry less the text start, record offset).
 * A function record: its entry (pointer-sized; 32-bit from the text start
 * from 1.18), then 32-bit fields: name offset, args, deferreturn (frame
 * size in 1.2), pcsp, pcfile, pcln, npcdata, compilation unit (1.16+).
 * A pc-value table is pairs of varints (zig-zag value delta, pc delta in
 * quanta) from value -1 at the entry; a value holds up to its pair's pc. */
#include <stdlib.h>
#include <string.h>
#include "gopclntab.h"

enum go_layout { GO12, GO116, GO118, GO120 };

struct gopclntab {
	const uint8_t *d;
	size_t n;
	uint64_t addr, text;
	bool be;
	unsigned ps, quantum;
	enum go_layout ver;
	uint64_t nfunc;
	/* offsets into d */
	uint64_t names, cutab, filetab, pctab, functab, recbase;
	unsigned fsz;            /* bytes of a function table field */
	uint32_t nfiletab;       /* Go 1.2's file table entries */
	/* the inline trees (gopclntab_from_elf, Go 1.19's layout): the file
	 * they are in and moduledata.gofunc, the base of funcdata offsets */
	const struct elf_file *ef;
	uint64_t gofunc;
};

static bool get(const struct gopclntab *t, uint64_t off, unsigned n, uint64_t *v)
{
	if (off > t->n || t->n - off < n)
		return false;
	*v = cor_load(t->d + off, n, t->be);
	return true;
}

static bool u32(const struct gopclntab *t, uint64_t off, uint32_t *v)
{
	uint64_t x;
	if (!get(t, off, 4, &x))
		return false;
	*v = (uint32_t)x;
	return true;
}

/* The NUL-terminated string at off, or NULL. */
static const char *str_at(const struct gopclntab *t, uint64_t off)
{
	if (off >= t->n || !memchr(t->d + off, 0, t->n - off))
		return NULL;
	return (const char *)t->d + off;
}

static cor_error *bad(uint64_t addr, const char *what)
{
	return cor_error_new(COR_ERR_FORMAT, "Go pclntab at 0x%" PRIx64 ": %s", addr, what);
}

cor_error *gopclntab_open(const uint8_t *data, size_t size, uint64_t addr, bool be,
			  unsigned ptr_size, struct gopclntab **out)
{
	*out = NULL;
	struct gopclntab h = { .d = data, .n = size, .addr = addr, .be = be, .ps = ptr_size };
	uint64_t magic, v[8];
	if (ptr_size != 4 && ptr_size != 8)
		return bad(addr, "pointer size not 4 or 8");
	if (!get(&h, 0, 4, &magic) || size < 8)
		return bad(addr, "shorter than its header");
	switch ((uint32_t)magic) {
	case 0xfffffffb: h.ver = GO12; break;
	case 0xfffffffa: h.ver = GO116; break;
	case 0xfffffff0: h.ver = GO118; break;
	case 0xfffffff1: h.ver = GO120; break;
	default: return bad(addr, "unknown magic");
	}
	if (data[4] || data[5] || (data[6] != 1 && data[6] != 2 && data[6] != 4) ||
	    data[7] != ptr_size)
		return bad(addr, "header's pad, pc quantum or pointer size wrong");
	h.quantum = data[6];
	unsigned nf = h.ver == GO12 ? 1 : h.ver == GO116 ? 7 : 8;
	for (unsigned i = 0; i < nf; i++)
		if (!get(&h, 8 + (uint64_t)i * ptr_size, ptr_size, &v[i]))
			return bad(addr, "shorter than its header");
	h.nfunc = v[0];
	h.fsz = h.ver >= GO118 ? 4 : ptr_size;
	if (h.ver == GO12) {
		h.functab = 8 + ptr_size;
	} else {
		unsigned k = h.ver == GO116 ? 2 : 3;
		h.text = h.ver >= GO118 ? v[2] : 0;
		h.names = v[k];
		h.cutab = v[k + 1];
		h.filetab = v[k + 2];
		h.pctab = v[k + 3];
		h.functab = h.recbase = v[k + 4];
		for (unsigned i = k; i < k + 5; i++)
			if (v[i] > size)
				return bad(addr, "a table offset past its end");
	}
	/* 2 * nfunc + 1 fields, counted so that no product wraps */
	if (h.functab > size || !h.nfunc || (size - h.functab) / h.fsz < 1 ||
	    h.nfunc > ((size - h.functab) / h.fsz - 1) / 2)
		return bad(addr, "function count larger than its table");
	if (h.ver == GO12) {
		uint64_t ftoff;
		uint32_t nft;
		if (!get(&h, h.functab + (2 * h.nfunc + 1) * h.fsz, 4, &ftoff) ||
		    !u32(&h, ftoff, &nft) || nft > (size - ftoff) / 4)
			return bad(addr, "file table outside it");
		h.filetab = ftoff;
		h.nfiletab = nft;
	}
	struct gopclntab *t = cor_calloc(1, sizeof(*t));
	if (!t)
		return &cor_enomem;
	*t = h;
	*out = t;
	return NULL;
}

void gopclntab_free(struct gopclntab *t) { free(t); }

const char *gopclntab_version(const struct gopclntab *t)
{
	static const char *const v[] = { "1.2", "1.16", "1.18", "1.20" };
	return v[t->ver];
}

uint64_t gopclntab_addr(const struct gopclntab *t) { return t->addr; }
uint64_t gopclntab_text(const struct gopclntab *t) { return t->text; }
size_t gopclntab_count(const struct gopclntab *t) { return (size_t)t->nfunc; }

/* Entry pc and record offset of function i (i == nfunc: the end pc). */
static bool ftab(const struct gopclntab *t, uint64_t i, uint64_t *pc, uint64_t *rec)
{
	uint64_t off = t->functab + 2 * i * t->fsz, e;
	if (!get(t, off, t->fsz, &e))
		return false;
	*pc = t->ver >= GO118 ? t->text + e : e;
	if (rec && (i == t->nfunc || !get(t, off + t->fsz, t->fsz, rec)))
		return false;
	return true;
}

/* The 32-bit field k (1: name ... 8: compilation unit) of the record at
 * rec. */
static bool field(const struct gopclntab *t, uint64_t rec, unsigned k, uint32_t *v)
{
	return u32(t, rec + (t->ver >= GO118 ? 4 : t->ps) + (k - 1) * 4ull, v);
}

static bool fill(const struct gopclntab *t, uint64_t i, struct gofunc *f)
{
	uint64_t rec, end;
	uint32_t name;
	if (!ftab(t, i, &f->entry, &rec) || !ftab(t, i + 1, &end, NULL))
		return false;
	f->end = end;
	rec += t->recbase;
	if (rec > UINT32_MAX || !field(t, rec, 1, &name))
		return false;
	f->off = (uint32_t)rec;
	f->name = str_at(t, (t->ver == GO12 ? 0 : t->names) + name);
	if (!f->name)
		f->name = "";
	return true;
}

bool gopclntab_func(const struct gopclntab *t, uint64_t pc, struct gofunc *f)
{
	uint64_t lo = 0, hi = t->nfunc, e;
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		if (!ftab(t, mid + 1, &e, NULL))
			return false;
		if (e <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < t->nfunc && fill(t, lo, f) && f->entry <= pc && pc < f->end;
}

bool gopclntab_func_named(const struct gopclntab *t, const char *name, struct gofunc *f)
{
	for (uint64_t i = 0; i < t->nfunc; i++)
		if (fill(t, i, f) && !strcmp(f->name, name))
			return true;
	return false;
}

static bool varint(const struct gopclntab *t, uint64_t *off, uint32_t *v)
{
	uint32_t x = 0;
	for (unsigned shift = 0; shift < 35; shift += 7) {
		if (*off >= t->n)
			return false;
		uint8_t b = t->d[(*off)++];
		x |= (uint32_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = x;
			return true;
		}
	}
	return false;
}

/* The value at pc of f's pc-value table at offset toff (from the start
 * of the pc-value tables; the header's from Go 1.2's). Each pair read
 * takes at least two bytes: the walk ends with the table's bytes. */
static bool pcwalk(const struct gopclntab *t, const struct gofunc *f, uint32_t toff, uint64_t pc,
		   int32_t *out)
{
	uint32_t uv, pcd;
	uint64_t off = (t->ver == GO12 ? 0 : t->pctab) + toff;
	uint64_t at = f->entry;
	int32_t val = -1;
	for (bool first = true;; first = false) {
		if (!varint(t, &off, &uv) || (!uv && !first) || !varint(t, &off, &pcd))
			return false;
		/* wrapping, as the runtime's int32 does: hostile deltas overflow */
		val = (int32_t)((uint32_t)val + (uv & 1 ? ~(uv >> 1) : uv >> 1));
		at += (uint64_t)pcd * t->quantum;
		if (pc < at) {
			*out = val;
			return true;
		}
		if (at >= f->end)
			return false;
	}
}

/* The value of pc-value table k (4: pcsp, 5: pcfile, 6: pcln) of f at pc. */
static bool pcvalue(const struct gopclntab *t, const struct gofunc *f, unsigned k, uint64_t pc,
		    int32_t *out)
{
	uint32_t toff;
	if (pc < f->entry || pc >= f->end || !field(t, f->off, k, &toff) || !toff)
		return false;
	return pcwalk(t, f, toff, pc, out);
}

bool gopclntab_line(const struct gopclntab *t, const struct gofunc *f, uint64_t pc,
		    const char **file, uint32_t *line)
{
	int32_t fno, ln;
	uint32_t cu, foff;
	if (!pcvalue(t, f, 5, pc, &fno) || !pcvalue(t, f, 6, pc, &ln) || fno < 0 || ln <= 0)
		return false;
	if (t->ver == GO12) {
		if (!fno || (uint32_t)fno >= t->nfiletab ||
		    !u32(t, t->filetab + 4ull * (uint32_t)fno, &foff))
			return false;
		*file = str_at(t, foff);
	} else {
		if (!field(t, f->off, 8, &cu) ||
		    !u32(t, t->cutab + 4ull * ((uint64_t)cu + (uint32_t)fno), &foff) ||
		    foff == UINT32_MAX)
			return false;
		*file = str_at(t, t->filetab + foff);
	}
	*line = (uint32_t)ln;
	return *file != NULL;
}

bool gopclntab_sp_delta(const struct gopclntab *t, const struct gofunc *f, uint64_t pc,
			uint64_t *delta)
{
	int32_t v;
	if (!pcvalue(t, f, 4, pc, &v) || v < 0)
		return false;
	*delta = (uint64_t)v;
	return true;
}

/* ---- inline trees (Go 1.19's layout) ----
 * A function record is 40 bytes: the fields above, then funcID, flag, a
 * pad byte and nfuncdata; its npcdata 32-bit pc-value table offsets follow
 * (table 2: the index into the inline tree at a pc, -1 outside inlined
 * code), then nfuncdata 32-bit offsets from moduledata.gofunc (3: the
 * inline tree). A tree entry is 20 bytes: parent int16, funcID, a byte,
 * file, line, the name's offset in the function names and parentPc, the
 * offset from the entry of an instruction at the call site. */

#define REC_SIZE 40
#define INL_SIZE 20

/* n bytes at link-time address a of the file, if its PT_LOADs hold them. */
static const uint8_t *file_at(const struct elf_file *ef, uint64_t a, size_t n)
{
	for (uint32_t i = 0; ef && i < ef->phnum; i++) {
		const struct elf_phdr *p = &ef->phdrs[i];
		struct reader r;
		if (p->type == PT_LOAD && a >= p->vaddr && a - p->vaddr < p->filesz &&
		    p->filesz - (a - p->vaddr) >= n && elf_range(ef, p->offset + (a - p->vaddr), n, &r))
			return r.pos;
	}
	return NULL;
}

/* pcdata table k of f at pc (-1 where f has none). */
static bool pcdata(const struct gopclntab *t, const struct gofunc *f, unsigned k, uint64_t pc,
		   int32_t *out)
{
	uint32_t np, toff;
	if (!field(t, f->off, 7, &np) || k >= np || !u32(t, f->off + REC_SIZE + 4ull * k, &toff))
		return false;
	*out = -1;
	return !toff || pcwalk(t, f, toff, pc, out);
}

size_t gopclntab_inline(const struct gopclntab *t, const struct gofunc *f, uint64_t pc,
			struct goinline *out, size_t max, uint64_t *outer)
{
	uint32_t np, tree;
	size_t n = 0;
	*outer = pc;
	if (!t->gofunc || t->ver != GO118 || pc < f->entry || pc >= f->end ||
	    !field(t, f->off, 7, &np) || np > 64 || (uint64_t)f->off + REC_SIZE > t->n ||
	    t->d[(uint64_t)f->off + REC_SIZE - 1] <= 3 ||
	    !u32(t, f->off + REC_SIZE + 4ull * np + 4 * 3, &tree) || tree == UINT32_MAX)
		return 0;
	for (int32_t ix; n < max && pcdata(t, f, 2, pc, &ix) && ix >= 0 && ix < (1 << 20); n++) {
		const uint8_t *e = file_at(t->ef, t->gofunc + tree + (uint64_t)ix * INL_SIZE, INL_SIZE);
		if (!e)
			break;
		uint32_t name = (uint32_t)cor_load(e + 12, 4, t->be);
		uint32_t parent_pc = (uint32_t)cor_load(e + 16, 4, t->be);
		out[n].name = str_at(t, t->names + name);
		if (!out[n].name || !gopclntab_line(t, f, pc, &out[n].file, &out[n].line))
			break;
		if (parent_pc >= f->end - f->entry)
			break;
		pc = f->entry + parent_pc;
	}
	*outer = pc;
	return n;
}

/* moduledata, in the file's data: the word holding the pclntab's address
 * (its first field), whose rodata (byte 296 of Go 1.19's 64-bit layout)
 * and gofunc (304) lie in a read-only segment, in that order. */
static void find_gofunc(const struct elf_file *ef, struct gopclntab *t)
{
	if (t->ver != GO118 || t->ps != 8)
		return;
	for (uint32_t i = 0; i < ef->phnum; i++) {
		const struct elf_phdr *p = &ef->phdrs[i];
		struct reader r;
		if (p->type != PT_LOAD || !(p->flags & 2) || !elf_range(ef, p->offset, p->filesz, &r))
			continue;
		size_t n = reader_left(&r);
		for (size_t off = 0; n >= 320 && off <= n - 320; off += 8) {
			if (cor_load(r.pos + off, 8, t->be) != t->addr)
				continue;
			uint64_t ro = cor_load(r.pos + off + 296, 8, t->be);
			uint64_t gf = cor_load(r.pos + off + 304, 8, t->be);
			if (ro && gf >= ro && file_at(ef, ro, 1) && file_at(ef, gf, 1)) {
				t->gofunc = gf;
				return;
			}
		}
	}
}

/* ---- finding it ---- */

static bool in_exec_load(const struct elf_file *ef, uint64_t a)
{
	for (uint32_t i = 0; i < ef->phnum; i++) {
		const struct elf_phdr *p = &ef->phdrs[i];
		if (p->type == PT_LOAD && (p->flags & 1) && a >= p->vaddr && a - p->vaddr < p->memsz)
			return true;
	}
	return false;
}

/* A header found by its magic is taken when its functions lie in the
 * executable code and the first one has a name. */
static bool plausible(const struct elf_file *ef, const struct gopclntab *t)
{
	struct gofunc f, l;
	return fill(t, 0, &f) && fill(t, t->nfunc - 1, &l) && f.name[0] &&
	       f.entry <= l.entry && in_exec_load(ef, f.entry) && in_exec_load(ef, l.entry);
}

cor_error *gopclntab_from_elf(struct elf_file *ef, struct gopclntab **out)
{
	*out = NULL;
	const struct elf_shdr *sh = elf_section_by_name(ef, ".gopclntab");
	if (sh) {
		const uint8_t *d;
		size_t n;
		cor_error *err = elf_section_data(ef, sh, &d, &n);
		if (!err)
			err = gopclntab_open(d, n, sh->addr, ef->be, ef->addr_size, out);
		if (!err) {
			(*out)->ef = ef;
			find_gofunc(ef, *out);
		}
		return err;
	}
	if (ef->shnum)
		return NULL;  /* sections, none of them Go's */
	for (uint32_t i = 0; i < ef->phnum; i++) {
		const struct elf_phdr *p = &ef->phdrs[i];
		struct reader r;
		if (p->type != PT_LOAD || !p->filesz ||
		    !elf_range(ef, p->offset, p->filesz, &r))
			continue;
		size_t n = reader_left(&r);
		for (size_t off = 0; n - off >= 16; off += 4) {
			const uint8_t *b = r.pos + off;
			uint32_t m = (uint32_t)cor_load(b, 4, ef->be);
			if ((m != 0xfffffff0 && m != 0xfffffff1 && m != 0xfffffffa && m != 0xfffffffb) ||
			    b[4] || b[5] || b[7] != ef->addr_size)
				continue;
			struct gopclntab *t;
			cor_error *err = gopclntab_open(b, n - off, p->vaddr + off, ef->be,
						      ef->addr_size, &t);
			if (err) {
				cor_error_free(err);
				continue;
			}
			if (plausible(ef, t)) {
				t->ef = ef;
				find_gofunc(ef, t);
				*out = t;
				return NULL;
			}
			gopclntab_free(t);
		}
	}
	return NULL;
}
