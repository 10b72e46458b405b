/* corewriter.h - a small ELF writer for tests and fuzz seeds: an ELF header,
 * program headers with their data (notes, memory), sections, for ELF32/64
 * and either byte order. Build with cw_seg/cw_note/cw_sec, lay out with
 * cw_finish, then break what a test is about with cw_set_* / cw_put.
 *
 * Layout: ehdr | phdrs | segment data (each 8-aligned) | section data |
 * .shstrtab | shdrs. A segment made with CW_WHOLE covers the whole file at
 * vaddr 0 (an ELF image such as a vDSO); sections made with CW_AUTO get
 * sh_addr = their file offset, which matches such an image. */
#ifndef COR_COREWRITER_H
#define COR_COREWRITER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CW_MAX 64
#define CW_AUTO (~(uint64_t)0)
#define CW_WHOLE (~(uint64_t)0)

struct cw_blob {
	uint8_t *p;
	size_t n, cap;
};

struct cw_ph {
	uint32_t type, flags;
	uint64_t vaddr, memsz, align;
	bool whole;
	struct cw_blob data;
};

struct cw_sh {
	const char *name;
	uint32_t type, link, info;
	uint64_t flags, addr, entsize, addralign;
	struct cw_blob data;
};

struct cw {
	bool is64, be;
	uint16_t type, machine;
	struct cw_ph ph[CW_MAX];
	unsigned nph;
	struct cw_sh sh[CW_MAX];   /* sh[0] is the null section */
	unsigned nsh;
	bool shdr0;                /* write section 0 even without sections */
	uint64_t shdr0_info, shdr0_size, shdr0_link;
	struct cw_blob out;
	size_t phoff, shoff;
	size_t seg_off[CW_MAX], sec_off[CW_MAX];
};

enum cw_field {
	/* ELF header */
	CW_E_TYPE, CW_E_MACHINE, CW_E_ENTRY, CW_E_PHOFF, CW_E_SHOFF, CW_E_EHSIZE,
	CW_E_PHENTSIZE, CW_E_PHNUM, CW_E_SHENTSIZE, CW_E_SHNUM, CW_E_SHSTRNDX,
	/* program header */
	CW_P_TYPE, CW_P_FLAGS, CW_P_OFFSET, CW_P_VADDR, CW_P_FILESZ, CW_P_MEMSZ, CW_P_ALIGN,
	/* section header */
	CW_S_NAME, CW_S_TYPE, CW_S_FLAGS, CW_S_ADDR, CW_S_OFFSET, CW_S_SIZE, CW_S_LINK,
	CW_S_INFO, CW_S_ENTSIZE,
};

static inline void cw_store(uint8_t *p, unsigned size, uint64_t v, bool be)
{
	for (unsigned i = 0; i < size; i++)
		p[be ? size - 1 - i : i] = (uint8_t)(v >> (8 * i));
}

static inline void cw_blob_add(struct cw_blob *b, const void *p, size_t n)
{
	if (!n)
		return;
	if (b->cap - b->n < n) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap - b->n < n)
			cap *= 2;
		uint8_t *q = realloc(b->p, cap);
		if (!q)
			abort();
		b->p = q;
		b->cap = cap;
	}
	if (p)
		memcpy(b->p + b->n, p, n);
	else
		memset(b->p + b->n, 0, n);
	b->n += n;
}

static inline void cw_blob_uint(struct cw_blob *b, unsigned size, uint64_t v, bool be)
{
	uint8_t t[8];
	cw_store(t, size, v, be);
	cw_blob_add(b, t, size);
}

static inline void cw_blob_align(struct cw_blob *b, size_t a)
{
	while (b->n % a)
		cw_blob_add(b, NULL, 1);
}

static inline void cw_init(struct cw *w, bool is64, bool be, uint16_t type, uint16_t machine)
{
	memset(w, 0, sizeof(*w));
	w->is64 = is64;
	w->be = be;
	w->type = type;
	w->machine = machine;
	w->nsh = 1;
	w->sh[0].name = "";
}

static inline void cw_free(struct cw *w)
{
	for (unsigned i = 0; i < w->nph; i++)
		free(w->ph[i].data.p);
	for (unsigned i = 0; i < w->nsh; i++)
		free(w->sh[i].data.p);
	free(w->out.p);
	memset(w, 0, sizeof(*w));
}

/* A program header; memsz grows to cover the data added. Returns its index. */
static inline unsigned cw_seg(struct cw *w, uint32_t type, uint32_t flags, uint64_t vaddr,
			      uint64_t memsz)
{
	if (w->nph >= CW_MAX)
		abort();
	struct cw_ph *p = &w->ph[w->nph];
	p->type = type;
	p->flags = flags;
	p->vaddr = vaddr == CW_WHOLE ? 0 : vaddr;
	p->whole = vaddr == CW_WHOLE;
	p->memsz = memsz;
	p->align = type == 4 ? 4 : 0x1000;
	return w->nph++;
}

static inline void cw_seg_data(struct cw *w, unsigned i, const void *p, size_t n)
{
	cw_blob_add(&w->ph[i].data, p, n);
	if (w->ph[i].memsz < w->ph[i].data.n)
		w->ph[i].memsz = w->ph[i].data.n;
}

/* A note with explicit namesz/descsz fields (hostile ones too); name and
 * desc bytes (nname, ndesc of them) follow, each padded to 4. */
static inline void cw_note_raw(struct cw *w, unsigned seg, uint32_t namesz, uint32_t descsz,
			       uint32_t type, const void *name, size_t nname,
			       const void *desc, size_t ndesc)
{
	struct cw_blob *b = &w->ph[seg].data;
	cw_blob_uint(b, 4, namesz, w->be);
	cw_blob_uint(b, 4, descsz, w->be);
	cw_blob_uint(b, 4, type, w->be);
	cw_blob_add(b, name, nname);
	cw_blob_align(b, 4);
	cw_blob_add(b, desc, ndesc);
	cw_blob_align(b, 4);
	if (w->ph[seg].memsz < b->n)
		w->ph[seg].memsz = b->n;
}

static inline void cw_note(struct cw *w, unsigned seg, const char *name, uint32_t type,
			   const void *desc, size_t n)
{
	size_t nl = strlen(name) + 1;
	cw_note_raw(w, seg, (uint32_t)nl, (uint32_t)n, type, name, nl, desc, n);
}

/* A section (after the null section 0). Returns its index. */
static inline unsigned cw_sec(struct cw *w, const char *name, uint32_t type, uint64_t flags,
			      uint64_t addr, const void *p, size_t n)
{
	if (w->nsh >= CW_MAX - 1)
		abort();
	struct cw_sh *s = &w->sh[w->nsh];
	s->name = name;
	s->type = type;
	s->flags = flags;
	s->addr = addr;
	s->addralign = 1;
	cw_blob_add(&s->data, p, n);
	if (!p && n)
		memset(s->data.p, 0, n);
	return w->nsh++;
}

static inline unsigned cw_ehsize(const struct cw *w) { return w->is64 ? 64 : 52; }
static inline unsigned cw_phentsize(const struct cw *w) { return w->is64 ? 56 : 32; }
static inline unsigned cw_shentsize(const struct cw *w) { return w->is64 ? 64 : 40; }

/* Offset and size of a field inside its header. */
static inline void cw_field(const struct cw *w, enum cw_field f, size_t *off, unsigned *size)
{
	bool b = w->is64;
	unsigned a = b ? 8 : 4;
	/* type flags offset vaddr filesz memsz align (paddr skipped) */
	static const uint8_t p64[][2] = { {0,4}, {4,4}, {8,8}, {16,8}, {32,8}, {40,8}, {48,8} };
	static const uint8_t p32[][2] = { {0,4}, {24,4}, {4,4}, {8,4}, {16,4}, {20,4}, {28,4} };
	switch (f) {
	case CW_E_TYPE: *off = 16, *size = 2; return;
	case CW_E_MACHINE: *off = 18, *size = 2; return;
	case CW_E_ENTRY: *off = 24, *size = a; return;
	case CW_E_PHOFF: *off = b ? 32 : 28, *size = a; return;
	case CW_E_SHOFF: *off = b ? 40 : 32, *size = a; return;
	case CW_E_EHSIZE: *off = b ? 52 : 40, *size = 2; return;
	case CW_E_PHENTSIZE: *off = b ? 54 : 42, *size = 2; return;
	case CW_E_PHNUM: *off = b ? 56 : 44, *size = 2; return;
	case CW_E_SHENTSIZE: *off = b ? 58 : 46, *size = 2; return;
	case CW_E_SHNUM: *off = b ? 60 : 48, *size = 2; return;
	case CW_E_SHSTRNDX: *off = b ? 62 : 50, *size = 2; return;
	case CW_P_TYPE: case CW_P_FLAGS: case CW_P_OFFSET: case CW_P_VADDR:
	case CW_P_FILESZ: case CW_P_MEMSZ: case CW_P_ALIGN: {
		int i = f - CW_P_TYPE;
		*off = b ? p64[i][0] : p32[i][0];
		*size = b ? p64[i][1] : p32[i][1];
		return;
	}
	default: {
		/* name type flags addr offset size link info addralign entsize */
		static const uint8_t s64[][2] = { {0,4}, {4,4}, {8,8}, {16,8}, {24,8}, {32,8}, {40,4}, {44,4}, {56,8} };
		static const uint8_t s32[][2] = { {0,4}, {4,4}, {8,4}, {12,4}, {16,4}, {20,4}, {24,4}, {28,4}, {36,4} };
		int i = f - CW_S_NAME;
		*off = b ? s64[i][0] : s32[i][0];
		*size = b ? s64[i][1] : s32[i][1];
		return;
	}
	}
}

/* Writes size bytes of v at off of the finished file (grows it if needed). */
static inline void cw_put(struct cw *w, size_t off, unsigned size, uint64_t v)
{
	if (off + size > w->out.n)
		cw_blob_add(&w->out, NULL, off + size - w->out.n);
	cw_store(w->out.p + off, size, v, w->be);
}

static inline void cw_set_ehdr(struct cw *w, enum cw_field f, uint64_t v)
{
	size_t off;
	unsigned size;
	cw_field(w, f, &off, &size);
	cw_put(w, off, size, v);
}

static inline void cw_set_phdr(struct cw *w, unsigned i, enum cw_field f, uint64_t v)
{
	size_t off;
	unsigned size;
	cw_field(w, f, &off, &size);
	cw_put(w, w->phoff + (size_t)i * cw_phentsize(w) + off, size, v);
}

static inline void cw_set_shdr(struct cw *w, unsigned i, enum cw_field f, uint64_t v)
{
	size_t off;
	unsigned size;
	cw_field(w, f, &off, &size);
	cw_put(w, w->shoff + (size_t)i * cw_shentsize(w) + off, size, v);
}

static inline void cw_write_shdr(struct cw *w, size_t at, uint32_t name, const struct cw_sh *s,
				 uint64_t off, uint64_t size)
{
	unsigned a = w->is64 ? 8 : 4;
	uint8_t *p = w->out.p + at;
	bool be = w->be;
	cw_store(p, 4, name, be);
	cw_store(p + 4, 4, s->type, be);
	cw_store(p + 8, a, s->flags, be);
	cw_store(p + 8 + a, a, s->addr == CW_AUTO ? off : s->addr, be);
	cw_store(p + 8 + 2 * a, a, off, be);
	cw_store(p + 8 + 3 * a, a, size, be);
	cw_store(p + 8 + 4 * a, 4, s->link, be);
	cw_store(p + 12 + 4 * a, 4, s->info, be);
	cw_store(p + 16 + 4 * a, a, s->addralign, be);
	cw_store(p + 16 + 5 * a, a, s->entsize, be);
}

/* Lays the file out; returns its bytes (owned by w, valid until cw_free or
 * a cw_put that grows it). */
static inline uint8_t *cw_finish(struct cw *w, size_t *len)
{
	bool be = w->be, is64 = w->is64;
	unsigned a = is64 ? 8 : 4;
	struct cw_blob *o = &w->out;
	o->n = 0;
	cw_blob_add(o, NULL, cw_ehsize(w));
	w->phoff = w->nph ? o->n : 0;
	cw_blob_add(o, NULL, (size_t)w->nph * cw_phentsize(w));
	for (unsigned i = 0; i < w->nph; i++) {
		cw_blob_align(o, 8);
		w->seg_off[i] = o->n;
		cw_blob_add(o, w->ph[i].data.p, w->ph[i].data.n);
	}
	bool shdrs = w->nsh > 1 || w->shdr0;
	struct cw_blob names = {0};
	uint32_t name_off[CW_MAX] = {0};
	if (w->nsh > 1) {
		cw_blob_add(&names, "", 1);
		for (unsigned i = 1; i < w->nsh; i++) {
			name_off[i] = (uint32_t)names.n;
			cw_blob_add(&names, w->sh[i].name, strlen(w->sh[i].name) + 1);
		}
		name_off[w->nsh] = (uint32_t)names.n;
		cw_blob_add(&names, ".shstrtab", 10);
		for (unsigned i = 1; i < w->nsh; i++) {
			cw_blob_align(o, 8);
			w->sec_off[i] = o->n;
			cw_blob_add(o, w->sh[i].data.p, w->sh[i].data.n);
		}
		w->sec_off[w->nsh] = o->n;
		cw_blob_add(o, names.p, names.n);
	}
	unsigned nsh = w->nsh > 1 ? w->nsh + 1 : 1;
	if (shdrs) {
		cw_blob_align(o, 8);
		w->shoff = o->n;
		cw_blob_add(o, NULL, (size_t)nsh * cw_shentsize(w));
		struct cw_sh s0 = { .info = (uint32_t)w->shdr0_info, .link = (uint32_t)w->shdr0_link };
		cw_write_shdr(w, w->shoff, 0, &s0, 0, w->shdr0_size);
		for (unsigned i = 1; i < w->nsh; i++)
			cw_write_shdr(w, w->shoff + i * cw_shentsize(w), name_off[i], &w->sh[i],
				      w->sec_off[i], w->sh[i].data.n);
		if (w->nsh > 1) {
			struct cw_sh st = { .type = 3, .addralign = 1 };
			cw_write_shdr(w, w->shoff + w->nsh * cw_shentsize(w), name_off[w->nsh], &st,
				      w->sec_off[w->nsh], names.n);
		}
	}
	free(names.p);
	uint8_t *p = o->p;
	memcpy(p, "\177ELF", 4);
	p[4] = is64 ? 2 : 1;
	p[5] = be ? 2 : 1;
	p[6] = 1;
	cw_store(p + 16, 2, w->type, be);
	cw_store(p + 18, 2, w->machine, be);
	cw_store(p + 20, 4, 1, be);
	cw_set_ehdr(w, CW_E_PHOFF, w->phoff);
	cw_set_ehdr(w, CW_E_SHOFF, shdrs ? w->shoff : 0);
	cw_set_ehdr(w, CW_E_EHSIZE, cw_ehsize(w));
	cw_set_ehdr(w, CW_E_PHENTSIZE, cw_phentsize(w));
	cw_set_ehdr(w, CW_E_PHNUM, w->nph);
	cw_set_ehdr(w, CW_E_SHENTSIZE, shdrs ? cw_shentsize(w) : 0);
	cw_set_ehdr(w, CW_E_SHNUM, w->nsh > 1 ? nsh : 0);
	cw_set_ehdr(w, CW_E_SHSTRNDX, w->nsh > 1 ? w->nsh : 0);
	for (unsigned i = 0; i < w->nph; i++) {
		const struct cw_ph *ph = &w->ph[i];
		uint64_t off = ph->whole ? 0 : w->seg_off[i];
		uint64_t filesz = ph->whole ? o->n : ph->data.n;
		uint64_t memsz = ph->whole ? o->n : ph->memsz;
		size_t at = w->phoff + (size_t)i * cw_phentsize(w);
		uint8_t *q = o->p + at;
		cw_store(q, 4, ph->type, be);
		if (is64) {
			cw_store(q + 4, 4, ph->flags, be);
			cw_store(q + 8, 8, off, be);
			cw_store(q + 16, 8, ph->vaddr, be);
			cw_store(q + 24, 8, ph->vaddr, be);
			cw_store(q + 32, 8, filesz, be);
			cw_store(q + 40, 8, memsz, be);
			cw_store(q + 48, 8, ph->align, be);
		} else {
			cw_store(q + 4, 4, off, be);
			cw_store(q + 8, 4, ph->vaddr, be);
			cw_store(q + 12, 4, ph->vaddr, be);
			cw_store(q + 16, 4, filesz, be);
			cw_store(q + 20, 4, memsz, be);
			cw_store(q + 24, 4, ph->flags, be);
			cw_store(q + 28, 4, ph->align, be);
		}
	}
	(void)a;
	*len = o->n;
	return o->p;
}

/* ---- x86_64 core pieces ---- */

#define CW_X86_64_PRSTATUS_SIZE 336
#define CW_X86_64_PR_REG 112
enum { CW_RBP = 4, CW_RIP = 16, CW_RSP = 19 }; /* word indexes in pr_reg */

/* An x86_64 NT_PRSTATUS: tid, signal, rip, rsp, rbp. */
static inline void cw_prstatus_x86_64(uint8_t d[CW_X86_64_PRSTATUS_SIZE], int32_t tid, int sig,
				      uint64_t rip, uint64_t rsp, uint64_t rbp)
{
	memset(d, 0, CW_X86_64_PRSTATUS_SIZE);
	cw_store(d + 12, 2, (uint64_t)sig, false);
	cw_store(d + 32, 4, (uint32_t)tid, false);
	cw_store(d + CW_X86_64_PR_REG + 8 * CW_RIP, 8, rip, false);
	cw_store(d + CW_X86_64_PR_REG + 8 * CW_RSP, 8, rsp, false);
	cw_store(d + CW_X86_64_PR_REG + 8 * CW_RBP, 8, rbp, false);
}

/* An x86_64 core of one thread (tid 1, SIGSEGV, rip pc, rsp sp) whose
 * vDSO is the ELF image img at vdso (AT_SYSINFO_EHDR), and stack bytes at
 * stack_at (each segment at least a page). Returns cw_finish's bytes. */
static inline uint8_t *cw_vdso_core_x86_64(struct cw *w, uint64_t pc, uint64_t sp,
					   uint64_t vdso, const void *img, size_t img_n,
					   uint64_t stack_at, const void *stack, size_t stack_n,
					   size_t *len)
{
	uint8_t pr[CW_X86_64_PRSTATUS_SIZE];
	uint64_t auxv[] = { 33 /* AT_SYSINFO_EHDR */, vdso, 0, 0 };
	cw_init(w, true, false, 4 /* ET_CORE */, 62 /* EM_X86_64 */);
	unsigned notes = cw_seg(w, 4 /* PT_NOTE */, 0, 0, 0);
	cw_prstatus_x86_64(pr, 1, 11, pc, sp, 0);
	cw_note(w, notes, "CORE", 1 /* NT_PRSTATUS */, pr, sizeof(pr));
	cw_note(w, notes, "CORE", 6 /* NT_AUXV */, auxv, sizeof(auxv));
	unsigned s = cw_seg(w, 1 /* PT_LOAD */, 6, stack_at, (stack_n + 0xfff) & ~(size_t)0xfff);
	cw_seg_data(w, s, stack, stack_n);
	s = cw_seg(w, 1 /* PT_LOAD */, 5, vdso, (img_n + 0xfff) & ~(size_t)0xfff);
	cw_seg_data(w, s, img, img_n);
	return cw_finish(w, len);
}

#endif
