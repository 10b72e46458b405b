/* Modules: which ELF objects were loaded where, found from NT_FILE, the
 * dynamic linker's link_map list and AT_SYSINFO_EHDR (vDSO). */
#include <stdlib.h>
#include <string.h>
#include "modules.h"
#include "decompress.h"

#define DT_NULL 0
#define DT_DEBUG 21
#define MAX_LINK_MAP 10000
#define MAX_VDSO (1u << 20)
#define MAX_MODULES 10000
#define MAX_MINIDEBUGINFO (64u << 20)

static bool read_word(const struct modules *ms, uint64_t addr, uint64_t *v)
{
	uint8_t b[8];
	unsigned w = ms->proc->elf->addr_size;
	cor_error *err = memory_read(ms->mem, addr, b, w, NULL);
	if (err) {
		cor_error_free(err);
		return false;
	}
	*v = cor_load(b, w, ms->proc->info.big_endian);
	return true;
}

static struct elf_image_src image_src(const struct modules *ms)
{
	return (struct elf_image_src){ memory_read_cb, ms->mem };
}

/* Bias of the object whose first page is mapped at base. */
static uint64_t mem_bias(const struct modules *ms, uint64_t base, const struct elf_ehdr *h)
{
	if (h->type != ET_DYN)
		return 0;
	struct elf_image_src src = image_src(ms);
	for (unsigned i = 0; i < h->phnum && i < 256; i++) {
		struct elf_phdr p;
		if (!elf_image_phdr(&src, h, base + h->phoff, i, &p))
			break;
		if (p.type == PT_LOAD)
			return base - (p.vaddr - p.offset);
	}
	return base;
}

static struct module *add_module(struct modules *ms)
{
	if (ms->n >= MAX_MODULES || !COR_GROW(ms->v, ms->cap, ms->n + 1)) {
		ms->dropped++;
		return NULL;
	}
	struct module *m = &ms->v[ms->n++];
	memset(m, 0, sizeof(*m));
	return m;
}

static void set_build_id(const struct modules *ms, struct module *m, const uint8_t *id, size_t n)
{
	char *h = cor_hex(id, n);
	m->pub.build_id = h ? arena_strdup(ms->arena, h) : NULL;
	free(h);
}

static void build_id_from_file(const struct modules *ms, struct module *m)
{
	const uint8_t *id;
	size_t n;
	if (!m->pub.build_id && m->elf && elf_build_id(m->elf, &id, &n))
		set_build_id(ms, m, id, n);
}

static void no_file(const struct modules *ms, struct module *m, const char *why)
{
	warnings_add(ms->warn, COR_ERR_NOT_FOUND, m->pub.name,
		     "module %s: %s: no symbols or CFI for it", m->pub.name, why);
}

/* The object's file as the files layer opened it for the memory (one
 * mapping, one build-id check). false if no NT_FILE mapping names it. */
static bool open_mapped(struct modules *ms, struct module *m)
{
	const struct mapped_file *f = files_mapped(ms->files, m->pub.name);
	if (!f)
		return false;
	if (f->rejected)
		return true; /* warned already, naming both build-ids */
	cor_error *err = NULL;
	if (!f->data || (err = elf_open_mem(f->data, f->size, f->opened, ms->limits, ms->warn,
					    &m->elf))) {
		no_file(ms, m, err ? cor_error_message(err) : f->why ? f->why : "cannot open");
		cor_error_free(err);
		m->elf = NULL;
		return true;
	}
	m->pub.path = arena_strdup(ms->arena, f->opened);
	return true;
}

/* Opens the object's file; with the build-id the core holds for it (mlen
 * > 0), a file with another build-id is not used. */
static void open_file(struct modules *ms, struct module *m, const uint8_t *mid, size_t mlen)
{
	if (open_mapped(ms, m))
		return;
	char *path = files_resolve(ms->files, m->pub.name);
	if (!path)
		return;
	struct elf_file *ef;
	cor_error *err = files_open_elf(ms->files, path, &ef);
	if (err) {
		no_file(ms, m, cor_error_message(err));
		cor_error_free(err);
		free(path);
		return;
	}
	const uint8_t *fid;
	size_t flen;
	bool have = elf_build_id(ef, &fid, &flen);
	if (mlen && have && (flen != mlen || memcmp(fid, mid, flen))) {
		char *h1 = cor_hex(fid, flen), *h2 = cor_hex(mid, mlen);
		warnings_add(ms->warn, COR_ERR_NOT_FOUND, m->pub.name,
			     "module %s: build-id %s of %s differs from build-id %s in the core: file not used",
			     m->pub.name, h1 ? h1 : "?", path, h2 ? h2 : "?");
		free(h1);
		free(h2);
		elf_close(ef);
		free(path);
		return;
	}
	m->elf = ef;
	m->pub.path = arena_strdup(ms->arena, path);
	free(path);
}

static struct module *find_by_addr(const struct modules *ms, uint64_t addr)
{
	for (size_t i = 0; i < ms->n; i++)
		if (addr >= ms->v[i].pub.start && addr < ms->v[i].pub.end)
			return &ms->v[i];
	return NULL;
}

static struct module *find_by_name(const struct modules *ms, const char *name)
{
	for (size_t i = 0; i < ms->n; i++)
		if (!strcmp(ms->v[i].pub.name, name))
			return &ms->v[i];
	return NULL;
}

/* r_debug address from the executable's DT_DEBUG. */
static uint64_t find_r_debug(const struct modules *ms)
{
	const struct process *p = ms->proc;
	uint64_t phdr, phnum;
	if (!process_auxv(p, AT_PHDR, &phdr) || !process_auxv(p, AT_PHNUM, &phnum))
		return 0;
	struct elf_ehdr h = { .is64 = p->elf->is64, .be = p->info.big_endian,
			      .phentsize = p->elf->is64 ? 56 : 32 };
	h.phnum = (uint16_t)(phnum > 256 ? 256 : phnum);
	struct elf_image_src src = image_src(ms);
	/* Cores from qemu-user do not dump the text pages that hold the
	 * program headers: then the executable's file has them. */
	const struct module *exe = find_by_addr(ms, phdr);
	if (exe && (!exe->pub.is_executable || !exe->elf))
		exe = NULL;
	uint64_t bias = 0, dyn = 0;
	bool have_bias = false;
	for (unsigned i = 0; i < h.phnum; i++) {
		struct elf_phdr ph;
		if (!elf_image_phdr(&src, &h, phdr, i, &ph)) {
			if (!exe || i >= exe->elf->phnum)
				return 0;
			ph = exe->elf->phdrs[i];
		}
		if (ph.type == PT_PHDR)
			bias = phdr - ph.vaddr, have_bias = true;
		else if (ph.type == PT_DYNAMIC)
			dyn = ph.vaddr;
	}
	if (!dyn || !have_bias)
		return 0;
	unsigned w = p->elf->addr_size;
	for (unsigned i = 0; i < 1000; i++) {
		uint64_t tag, val;
		if (!read_word(ms, bias + dyn + 2ull * i * w, &tag) ||
		    !read_word(ms, bias + dyn + (2ull * i + 1) * w, &val) || tag == DT_NULL)
			break;
		if (tag == DT_DEBUG)
			return val;
	}
	return 0;
}

/* Address range of an object known only from link_map. */
static void span_from_file(struct module *m)
{
	uint64_t lo = UINT64_MAX, hi = 0, bias = m->pub.load_bias;
	for (uint32_t i = 0; i < m->elf->phnum; i++) {
		const struct elf_phdr *p = &m->elf->phdrs[i];
		if (p->type != PT_LOAD)
			continue;
		lo = p->vaddr < lo ? p->vaddr : lo;
		hi = p->vaddr + p->memsz > hi ? p->vaddr + p->memsz : hi;
	}
	m->pub.start = lo == UINT64_MAX ? bias : bias + lo;
	m->pub.end = bias + hi;
}

/* One object of the dynamic linker's list (r_debug.r_map). */
struct lm_entry {
	uint64_t addr, ld;          /* l_addr (its load bias) and l_ld */
	const char *name;           /* l_name (arena), NULL if unreadable */
	bool used;                  /* placed an object NT_FILE names */
};

/* Reads the link_map list; *out is malloc'd. */
static size_t read_link_map(const struct modules *ms, struct lm_entry **out)
{
	uint64_t rd = find_r_debug(ms), lm;
	unsigned w = ms->proc->elf->addr_size;
	struct lm_entry *v = NULL;
	size_t n = 0, cap = 0;
	*out = NULL;
	if (!rd || !read_word(ms, rd + w, &lm))
		return 0;
	for (unsigned k = 0; lm && k < MAX_LINK_MAP; k++) {
		uint64_t addr, name_at, ld, next;
		if (!read_word(ms, lm, &addr) || !read_word(ms, lm + w, &name_at) ||
		    !read_word(ms, lm + 2 * w, &ld) || !read_word(ms, lm + 3 * w, &next) ||
		    !COR_GROW(v, cap, n + 1))
			break;
		v[n].addr = addr;
		v[n].ld = ld;
		v[n].name = name_at ? memory_read_string(ms->mem, name_at, 4096, ms->arena) : NULL;
		v[n++].used = false;
		if (next == lm)
			break;
		lm = next;
	}
	*out = v;
	return n;
}

/* ---- placing an object NT_FILE names ----
 *
 * The kernel maps each PT_LOAD from its page-aligned file offset at its
 * page-aligned address plus the load bias, so the NT_FILE entries of an
 * object say where it is once its PT_LOADs are known: from its file, or
 * from its ELF header when the core holds that page. link_map's l_addr is
 * the bias itself. Neither the first mapping (old one-segment layout: the
 * data is mapped from offset 0 too) nor the ELF header (not dumped) can be
 * relied on alone. */

#define MAX_LOADS 64

struct load {
	uint64_t vaddr, offset, filesz, memsz;
};

static uint64_t page_size(const struct process *p)
{
	uint64_t pg = p->file_page_size;
	return pg >= 1024 && pg <= (1u << 24) && !(pg & (pg - 1)) ? pg : 4096;
}

static uint64_t down(uint64_t v, uint64_t pg)
{
	return v & ~(pg - 1);
}

static uint64_t up(uint64_t v, uint64_t pg)
{
	return v + pg - 1 < v ? down(v, pg) : down(v + pg - 1, pg);
}

/* Adds PT_LOAD ph to ld (ascending addresses, as ELF requires); false
 * when it cannot be used. */
static bool add_load(struct load *ld, size_t *n, const struct elf_phdr *ph)
{
	if (*n >= MAX_LOADS || ph->vaddr + ph->memsz < ph->vaddr || ph->filesz > ph->memsz ||
	    (*n && ph->vaddr < ld[*n - 1].vaddr + ld[*n - 1].memsz))
		return false;
	ld[(*n)++] = (struct load){ ph->vaddr, ph->offset, ph->filesz, ph->memsz };
	return true;
}

static size_t file_loads(const struct elf_file *ef, struct load *ld, const struct elf_phdr **dyn)
{
	size_t n = 0;
	*dyn = NULL;
	for (uint32_t i = 0; i < ef->phnum; i++) {
		const struct elf_phdr *ph = &ef->phdrs[i];
		if (ph->type == PT_DYNAMIC)
			*dyn = ph;
		if (ph->type == PT_LOAD && !add_load(ld, &n, ph))
			return 0;
	}
	return n;
}

static struct elf_image_src core_src(const struct modules *ms)
{
	return (struct elf_image_src){ memory_read_core_cb, ms->mem };
}

/* The PT_LOADs of the header at base read from the core's own bytes. */
static size_t core_loads(const struct modules *ms, uint64_t base, const struct elf_ehdr *h,
			 struct load *ld)
{
	struct elf_image_src core = core_src(ms);
	size_t n = 0;
	for (unsigned i = 0; i < h->phnum && i < 256; i++) {
		struct elf_phdr ph;
		if (!elf_image_phdr(&core, h, base + h->phoff, i, &ph))
			return 0;
		if (ph.type == PT_LOAD && !add_load(ld, &n, &ph))
			return 0;
	}
	return n;
}

/* Does the object with these PT_LOADs, at bias b, fit the NT_FILE entries
 * of its path from fmaps[first] on? Each entry in its span must map the
 * file offset its PT_LOAD puts at that address (the part up to the next
 * PT_LOAD belongs to it: ld.so leaves holes mapped), and the file part of
 * each PT_LOAD must be mapped. *end gets the end of its last entry. */
static bool fits(const struct process *p, size_t first, const struct load *ld, size_t n,
		 uint64_t b, uint64_t *end)
{
	uint64_t pg = page_size(p), lo = down(ld[0].vaddr, pg);
	uint64_t hi = up(ld[n - 1].vaddr + ld[n - 1].memsz, pg), covered[MAX_LOADS] = {0};
	const char *path = p->fmaps[first].path;
	*end = 0;
	for (size_t k = first; k < p->nfmaps; k++) {
		const struct file_map *e = &p->fmaps[k];
		if (e->start >= b && e->start - b >= hi)
			break; /* sorted by start: past the object */
		if (!e->path || strcmp(e->path, path) || e->start < b || e->start - b < lo)
			continue;
		uint64_t rel = e->start - b, rend = e->end - b;
		size_t j = n;
		while (j && down(ld[j - 1].vaddr, pg) > rel)
			j--;
		if (!j--)
			return false;
		uint64_t sv = down(ld[j].vaddr, pg), so = down(ld[j].offset, pg);
		uint64_t lim = j + 1 < n ? down(ld[j + 1].vaddr, pg) : hi;
		if (e->pgoff < so || e->pgoff - so != rel - sv || rend > lim || rend < rel)
			return false;
		uint64_t fe = up(ld[j].vaddr + ld[j].filesz, pg);
		if (rel < fe)
			covered[j] += (rend < fe ? rend : fe) - rel;
		*end = e->end;
	}
	for (size_t j = 0; j < n; j++)
		if (ld[j].filesz && covered[j] < up(ld[j].vaddr + ld[j].filesz, pg) - down(ld[j].vaddr, pg))
			return false;
	return *end != 0;
}

/* The bias at which the PT_LOADs fit the entries from fmaps[first]: the
 * first entry maps the start of some PT_LOAD. */
static bool find_bias(const struct process *p, size_t first, const struct load *ld, size_t n,
		      bool exec, uint64_t *b, uint64_t *end)
{
	const struct file_map *f = &p->fmaps[first];
	uint64_t pg = page_size(p);
	for (size_t j = 0; j < n; j++) {
		if (down(ld[j].offset, pg) != f->pgoff)
			continue;
		*b = f->start - down(ld[j].vaddr, pg);
		if ((!exec || !*b) && fits(p, first, ld, n, *b, end))
			return true;
	}
	return false;
}

/* The unused link_map entry of the object whose first mapping is
 * fmaps[first]: its l_ld is in a mapping of the same path at or after it
 * (the nearest). */
static struct lm_entry *lm_for(const struct process *p, size_t first, struct lm_entry *lms,
			       size_t nlm)
{
	const struct file_map *f = &p->fmaps[first];
	struct lm_entry *best = NULL;
	for (size_t i = 0; i < nlm; i++) {
		if (lms[i].used || lms[i].ld < f->start || (best && lms[i].ld >= best->ld))
			continue;
		const struct file_map *e = process_fmap_at(p, lms[i].ld);
		if (e && e->path && !strcmp(e->path, f->path))
			best = &lms[i];
	}
	return best;
}

/* The end of an object placed without PT_LOADs: its following mappings
 * (offset 0 again only below l_ld, in the old layout's data). */
static uint64_t guess_end(const struct process *p, size_t first, const struct lm_entry *lm)
{
	const struct file_map *f = &p->fmaps[first];
	uint64_t end = f->end;
	for (size_t k = first + 1; k < p->nfmaps; k++) {
		const struct file_map *e = &p->fmaps[k];
		bool same = e->path && !strcmp(e->path, f->path);
		if (e->pgoff == 0 && !(same && lm && e->start <= lm->ld))
			break;
		if (same)
			end = e->end;
	}
	return end;
}

/* The core's copy of the dynamic section at l_ld against the file's: the
 * same tags, values equal or moved by the bias (ld.so relocates some in
 * place), DT_DEBUG aside. true when they agree or the core lacks them. */
static bool same_dynamic(const struct modules *ms, const struct elf_file *ef,
			 const struct elf_phdr *dyn, uint64_t ld, uint64_t bias)
{
	unsigned w = ef->addr_size;
	bool be = ef->be;
	if (dyn->offset > ef->size || dyn->filesz > ef->size - dyn->offset)
		return true;
	for (uint64_t at = 0; at + 2 * w <= dyn->filesz && at < 4096 * 16; at += 2 * w) {
		const uint8_t *fe = ef->data + dyn->offset + at;
		uint8_t ce[16];
		if (!memory_read_core(ms->mem, ld + at, ce, 2 * w))
			return true;
		uint64_t ft = cor_load(fe, w, be), fv = cor_load(fe + w, w, be);
		uint64_t ct = cor_load(ce, w, be), cv = cor_load(ce + w, w, be);
		uint64_t moved = w == 4 ? (uint32_t)(fv + bias) : fv + bias;
		if (ft != ct || (ft != DT_DEBUG && cv != fv && cv != moved))
			return false;
		if (ft == DT_NULL)
			break;
	}
	return true;
}

/* The file is not the object the core had: not used, for the module nor
 * for memory. */
static void reject_file(struct modules *ms, struct module *m, char *why)
{
	files_reject(ms->files, m->pub.name, why ? why : "file does not match the core");
	free(why);
	memory_attach_files(ms->mem, files_mapped_cb, ms->files);
	elf_close(m->elf);
	m->elf = NULL;
	m->pub.path = NULL;
}

/* Checks a file whose identity the core cannot vouch for (no build-id
 * there to compare) against what the core says: the NT_FILE entries
 * against its PT_LOADs, l_ld against its PT_DYNAMIC, its dynamic section
 * against the core's copy. */
static void check_file(struct modules *ms, struct module *m, size_t first,
		       const struct lm_entry *lm, uint64_t core_bias, bool have_core_bias)
{
	const struct process *p = ms->proc;
	const struct file_map *f = &p->fmaps[first];
	const struct mapped_file *mf = files_mapped(ms->files, m->pub.name);
	if (!m->elf || (mf && mf->verified))
		return;
	struct load ld[MAX_LOADS];
	const struct elf_phdr *dyn;
	size_t n = file_loads(m->elf, ld, &dyn);
	uint64_t b = 0, end;
	bool exec = m->elf->type == ET_EXEC;
	bool fit = n && (lm ? (!exec || !lm->addr) && fits(p, first, ld, n, lm->addr, &end)
			    : find_bias(p, first, ld, n, exec, &b, &end));
	if (lm)
		b = lm->addr;
	const char *file = m->elf->path;
	if (!fit || (!lm && have_core_bias && b != core_bias))
		reject_file(ms, m, cor_asprintf(
			"%s does not match the core's mappings of %s (0x%" PRIx64 "-0x%" PRIx64 " from offset 0): its PT_LOADs %s",
			file, m->pub.name, f->start, guess_end(p, first, lm),
			lm ? "do not fit them where link_map puts it" : "do not fit them"));
	else if (lm && dyn && lm->ld != b + dyn->vaddr)
		reject_file(ms, m, cor_asprintf(
			"%s puts its dynamic section at 0x%" PRIx64 ", but link_map says %s has it at 0x%" PRIx64,
			file, b + dyn->vaddr, m->pub.name, lm->ld));
	else if (lm && dyn && !same_dynamic(ms, m->elf, dyn, lm->ld, b))
		reject_file(ms, m, cor_asprintf(
			"the dynamic section of %s (soname, tables) differs from the core's copy of %s's at 0x%" PRIx64,
			file, m->pub.name, lm->ld));
}

/* Load bias and span of the object whose first mapping is fmaps[first]
 * (h: its ELF header in the core, or NULL; lm: its link_map entry, or
 * NULL). link_map's l_addr wins; a bias the PT_LOADs give that differs
 * from it is warned about. */
static void place(struct modules *ms, struct module *m, size_t first, const struct elf_ehdr *h,
		  const struct lm_entry *lm)
{
	const struct process *p = ms->proc;
	const struct file_map *f = &p->fmaps[first];
	struct load cl[MAX_LOADS], fl[MAX_LOADS];
	const struct elf_phdr *dyn;
	uint64_t bc = 0, endc = 0, bf = 0, endf = 0;
	size_t nc = h ? core_loads(ms, f->start, h, cl) : 0;
	bool have_c = nc && find_bias(p, first, cl, nc, h->type == ET_EXEC, &bc, &endc);
	check_file(ms, m, first, lm, bc, have_c);
	size_t nf = m->elf ? file_loads(m->elf, fl, &dyn) : 0;
	bool exec = m->elf ? m->elf->type == ET_EXEC : h && h->type == ET_EXEC;
	bool have_f = nf && find_bias(p, first, fl, nf, exec, &bf, &endf);
	uint64_t end = 0;
	if (lm) {
		m->pub.load_bias = lm->addr;
		bool fit = nf ? fits(p, first, fl, nf, lm->addr, &end) :
			nc && fits(p, first, cl, nc, lm->addr, &end);
		uint64_t other = nf ? bf : bc;
		if (!fit && (nf ? have_f : have_c) && other != lm->addr)
			warnings_add(ms->warn, COR_ERR_FORMAT, m->pub.name,
				     "module %s: link_map says load bias 0x%" PRIx64 ", its mappings say 0x%" PRIx64,
				     m->pub.name, lm->addr, other);
	} else if (have_f) {
		m->pub.load_bias = bf, end = endf;
	} else if (have_c) {
		m->pub.load_bias = bc, end = endc;
	} else if (!exec && nc) {
		/* the header's first PT_LOAD is at the first mapping */
		m->pub.load_bias = f->start - (down(cl[0].vaddr, page_size(p)) - f->pgoff);
	} else {
		m->pub.load_bias = exec ? 0 : f->start;
	}
	m->pub.end = end ? end : guess_end(p, first, lm);
}

/* A module already placed over this mapping of the same file. */
static bool claimed(const struct modules *ms, const struct file_map *f)
{
	for (size_t i = 0; i < ms->n; i++)
		if (f->start >= ms->v[i].pub.start && f->start < ms->v[i].pub.end &&
		    !strcmp(ms->v[i].pub.name, f->path))
			return true;
	return false;
}

/* Every object NT_FILE names: at an offset-0 mapping of a file with an ELF
 * header there (in the core or in the file) or l_ld further on. Listed
 * even without a usable file. */
static void from_nt_file(struct modules *ms, uint64_t exec_at, struct lm_entry *lms, size_t nlm)
{
	const struct process *p = ms->proc;
	struct elf_image_src src = image_src(ms), core = core_src(ms);
	for (size_t i = 0; i < p->nfmaps; i++) {
		const struct file_map *f = &p->fmaps[i];
		if (f->pgoff != 0 || !f->path || claimed(ms, f))
			continue;
		struct lm_entry *lm = lm_for(p, i, lms, nlm);
		struct elf_ehdr h, ch;
		bool in_core = elf_image_open(&core, f->start, &ch);
		if (!lm && !in_core && !elf_image_open(&src, f->start, &h))
			continue;
		struct module *m = add_module(ms);
		if (!m)
			return;
		if (lm)
			lm->used = true;
		m->pub.name = f->path;
		m->pub.start = f->start;
		m->pub.end = f->end;
		uint8_t id[64];
		size_t idlen = 0;
		if (in_core && elf_image_build_id(&core, f->start, id, &idlen))
			set_build_id(ms, m, id, idlen);
		open_file(ms, m, id, idlen);
		place(ms, m, i, in_core ? &ch : NULL, lm);
		m->pub.is_executable = exec_at >= m->pub.start && exec_at < m->pub.end;
		build_id_from_file(ms, m);
	}
}

/* The link_map objects NT_FILE did not name (older cores, or none). */
static void from_link_map(struct modules *ms, struct lm_entry *lms, size_t nlm)
{
	for (size_t i = 0; i < nlm; i++) {
		const struct lm_entry *l = &lms[i];
		if (l->used)
			continue;
		/* the object whose dynamic section is at l_ld: the names may
		 * differ (symlinks, the vDSO's soname) */
		struct module *m = find_by_addr(ms, l->ld);
		if (!m && l->name && *l->name)
			m = find_by_name(ms, l->name);
		if (m && m->pub.load_bias != l->addr && !m->pub.is_vdso)
			warnings_add(ms->warn, COR_ERR_FORMAT, m->pub.name,
				     "module %s: link_map says load bias 0x%" PRIx64 ", the mapping says 0x%" PRIx64,
				     m->pub.name, l->addr, m->pub.load_bias);
		if (!m && l->name && *l->name && (m = add_module(ms))) {
			m->pub.name = l->name;
			m->pub.load_bias = l->addr;
			open_file(ms, m, NULL, 0);
			const struct elf_phdr *dyn = NULL;
			struct load ld[MAX_LOADS];
			if (m->elf && file_loads(m->elf, ld, &dyn) && dyn && l->ld != l->addr + dyn->vaddr) {
				warnings_add(ms->warn, COR_ERR_NOT_FOUND, m->pub.name,
					     "module %s: %s puts its dynamic section at 0x%" PRIx64 ", but link_map says 0x%" PRIx64 ": file not used",
					     m->pub.name, m->elf->path, l->addr + dyn->vaddr, l->ld);
				elf_close(m->elf);
				m->elf = NULL;
				m->pub.path = NULL;
			}
			if (m->elf)
				span_from_file(m);
			build_id_from_file(ms, m);
		}
	}
}

static void add_vdso(struct modules *ms)
{
	uint64_t at;
	const struct segment *seg;
	struct elf_ehdr h;
	struct elf_image_src src = image_src(ms);
	if (!process_auxv(ms->proc, AT_SYSINFO_EHDR, &at) ||
	    !(seg = memory_segment_at(ms->mem, at)) || !elf_image_open(&src, at, &h))
		return;
	uint64_t size = seg->end - at;
	if (size > MAX_VDSO)
		size = MAX_VDSO;
	struct module *m = add_module(ms);
	if (!m || !(m->image = malloc((size_t)size)))
		return;
	size_t done = 0;
	cor_error *err = memory_read(ms->mem, at, m->image, (size_t)size, &done);
	cor_error_free(err);
	m->pub.name = "[vdso]";
	m->pub.is_vdso = true;
	m->pub.start = at;
	m->pub.end = at + size;
	m->pub.load_bias = mem_bias(ms, at, &h);
	err = elf_open_mem(m->image, done, "[vdso]", ms->limits, ms->warn, &m->elf);
	if (err) {
		warnings_add(ms->warn, cor_error_code(err), "[vdso]", "vDSO at 0x%" PRIx64 ": %s", at,
			     cor_error_message(err));
		cor_error_free(err);
		return;
	}
	build_id_from_file(ms, m);
}

/* No NT_FILE entry for the executable (old kernels, qemu): the file given
 * with --exe or named by AT_EXECFN, placed by AT_ENTRY. */
static void add_executable(struct modules *ms)
{
	uint64_t entry;
	if (!process_auxv(ms->proc, AT_ENTRY, &entry) || find_by_addr(ms, entry))
		return;
	const char *name = files_executable(ms->files);
	if (!name)
		return;
	struct module *m = add_module(ms);
	if (!m)
		return;
	m->pub.name = name;
	m->pub.is_executable = true;
	open_file(ms, m, NULL, 0);
	if (!m->elf) {
		ms->n--;
		return;
	}
	m->pub.load_bias = m->elf->type == ET_DYN ? entry - m->elf->entry : 0;
	span_from_file(m);
	build_id_from_file(ms, m);
}

static int cmp_module(const void *a, const void *b)
{
	const struct module *x = a, *y = b;
	return x->pub.start < y->pub.start ? -1 : x->pub.start > y->pub.start;
}

static void load_minidebuginfo(const struct modules *ms, struct module *m)
{
	const struct elf_shdr *sh = m->elf ? elf_section_by_name(m->elf, ".gnu_debugdata") : NULL;
	const uint8_t *d;
	size_t n, outn;
	cor_error *serr = sh ? elf_section_data(m->elf, sh, &d, &n) : NULL;
	if (!sh || serr) {
		cor_error_free(serr);
		return;
	}
	/* its own small cap (real ones are a few MB), within the budget */
	uint64_t max = budget_left(ms->limits->budget);
	max = max < MAX_MINIDEBUGINFO ? max : MAX_MINIDEBUGINFO;
	char *what = cor_asprintf("%s: section .gnu_debugdata (MiniDebugInfo)", m->pub.name);
	cor_error *err = cor_decompress(COR_XZ, d, n, 0, max, what ? what : "", &m->mini_data, &outn);
	free(what);
	if (!err && budget_take(ms->limits->budget, outn))
		m->mini_size = outn;
	if (!err)
		err = elf_open_mem(m->mini_data, outn, ".gnu_debugdata", ms->limits, ms->warn, &m->mini);
	if (err)
		warnings_error(ms->warn, m->pub.name, err);
}

/* The separate debug file (by build-id, then .gnu_debuglink, then from
 * debuginfod) and MiniDebugInfo. */
static void module_debug(const struct modules *ms, struct module *m)
{
	if (m->pub.is_vdso)
		return;
	char *found = NULL;
	m->debug = files_debug_by_build_id(ms->files, m->pub.build_id, &found);
	if (!m->debug)
		m->debug = files_debug_by_link(ms->files, m->elf, m->pub.path, &found);
	if (!m->debug)
		m->debug = files_debug_fetch(ms->files, m->pub.build_id, m->pub.name, m->elf, &found);
	if (m->debug)
		m->pub.debug_file = arena_strdup(ms->arena, found);
	free(found);
	load_minidebuginfo(ms, m);
}

cor_error *modules_build(struct modules *ms, const struct process *p, struct memory *mem,
			 struct files *files, const struct limits *limits,
			 struct arena *arena, struct warnings *warn)
{
	memset(ms, 0, sizeof(*ms));
	ms->proc = p;
	ms->mem = mem;
	ms->files = files;
	ms->limits = limits;
	ms->arena = arena;
	ms->warn = warn;
	uint64_t exec_at = 0;
	if (!process_auxv(p, AT_PHDR, &exec_at))
		exec_at = 0;
	struct lm_entry *lms;
	size_t nlm = read_link_map(ms, &lms);
	from_nt_file(ms, exec_at, lms, nlm);
	add_vdso(ms);
	add_executable(ms);
	if (!nlm) {
		/* qemu-user's cores hold none of the executable's program
		 * headers: its file, placed now, has them */
		free(lms);
		nlm = read_link_map(ms, &lms);
	}
	from_link_map(ms, lms, nlm);
	free(lms);
	if (ms->dropped)
		warnings_add(warn, COR_ERR_LIMIT, NULL, "%zu loaded objects beyond the first %d ignored",
			     ms->dropped, MAX_MODULES);
	if (ms->n)
		qsort(ms->v, ms->n, sizeof(*ms->v), cmp_module);
	for (size_t i = 0; i < ms->n; i++)
		module_debug(ms, &ms->v[i]);
	return NULL;
}

struct module *module_at(const struct modules *ms, uint64_t addr)
{
	size_t k = COR_UPPER_BOUND(ms->v, ms->n, .pub.start, addr);
	return k && addr < ms->v[k - 1].pub.end ? &ms->v[k - 1] : NULL;
}

/* ---- lazily built tables ---- */

static void section(struct elf_file *ef, const char *name, struct dwarf_section *out)
{
	const struct elf_shdr *sh = elf_section_by_name(ef, name);
	memset(out, 0, sizeof(*out));
	if (!sh || sh->type == SHT_NOBITS)
		return;
	cor_error *err = elf_section_data(ef, sh, &out->data, &out->size);
	if (err) {
		warnings_error(ef->warn, ef->path, err);
		out->data = NULL;
		out->size = 0;
		return;
	}
	out->addr = sh->addr;
}

static struct cfi_table *make_cfi(const struct modules *ms, struct elf_file *ef, bool eh)
{
	struct dwarf_section sec, hdr;
	section(ef, eh ? ".eh_frame" : ".debug_frame", &sec);
	if (!sec.data)
		return NULL;
	if (eh)
		section(ef, ".eh_frame_hdr", &hdr);
	const struct elf_shdr *text = elf_section_by_name(ef, ".text");
	const struct elf_shdr *got = elf_section_by_name(ef, ".got");
	struct cfi_params prm = {
		.be = ef->be, .addr_size = ef->addr_size, .limits = ms->limits,
		.path = ef->path, .is_eh_frame = eh, .hdr = eh && hdr.data ? &hdr : NULL,
		.text_addr = text ? text->addr : 0, .data_addr = got ? got->addr : 0,
	};
	struct cfi_table *t;
	cor_error *err = cfi_table_new(&sec, &prm, &t);
	if (err) {
		warnings_error(ms->warn, ef->path, err);
		return NULL;
	}
	return t;
}

struct cfi_table *module_cfi(const struct modules *ms, struct module *m, bool eh)
{
	if (!m->cfi_done) {
		m->cfi_done = true;
		if (m->elf)
			m->eh = make_cfi(ms, m->elf, true);
		if (m->elf)
			m->dbgf = make_cfi(ms, m->elf, false);
		if (!m->dbgf && m->debug)
			m->dbgf = make_cfi(ms, m->debug, false);
	}
	return eh ? m->eh : m->dbgf;
}

bool module_read_file(const struct module *m, uint64_t addr, void *buf, size_t n)
{
	const struct elf_file *ef = m->elf;
	if (!ef || addr < m->pub.load_bias)
		return false;
	uint64_t v = addr - m->pub.load_bias;
	for (uint32_t i = 0; i < ef->phnum; i++) {
		const struct elf_phdr *p = &ef->phdrs[i];
		struct reader r;
		if (p->type != PT_LOAD || v < p->vaddr || v - p->vaddr >= p->filesz ||
		    n > p->filesz - (v - p->vaddr))
			continue;
		if (!elf_range(ef, p->offset + (v - p->vaddr), n, &r))
			return false;
		memcpy(buf, r.pos, n);
		return true;
	}
	return false;
}

cor_error *modules_read(const struct modules *ms, uint64_t addr, void *buf, size_t n,
			size_t *done)
{
	size_t got = 0;
	cor_error *err = NULL;
	/* the core's bytes, then the file's up to the next page (a PT_LOAD's
	 * file bytes may end within a page), then the core's again */
	for (;;) {
		size_t g = 0;
		err = memory_read(ms->mem, addr + got, (uint8_t *)buf + got, n - got, &g);
		got += g;
		if (!err || cor_error_code(err) != COR_ERR_NOT_DUMPED)
			break;
		uint64_t at = addr + got;
		size_t k = 4096 - (size_t)(at & 4095);
		const struct module *m = module_at(ms, at);
		if (k > n - got)
			k = n - got;
		if (!m || !module_read_file(m, at, (uint8_t *)buf + got, k))
			break;
		cor_error_free(err);
		err = NULL;
		got += k;
		if (got == n)
			break;
	}
	if (done)
		*done = got;
	return err;
}

struct exidx_table *module_exidx(const struct modules *ms, struct module *m)
{
	if (m->exidx_done)
		return m->exidx;
	m->exidx_done = true;
	struct elf_file *ef = m->elf;
	if (!ef || ef->machine != EM_ARM)
		return NULL;
	struct dwarf_section idx, tab;
	section(ef, ".ARM.exidx", &idx);
	if (!idx.data)
		return NULL;
	section(ef, ".ARM.extab", &tab);
	cor_error *err = exidx_table_new(&idx, &tab, ef->be, ef->path, &m->exidx);
	if (err)
		warnings_error(ms->warn, ef->path, err);
	return m->exidx;
}

struct symtab *module_symtab(const struct modules *ms, struct module *m)
{
	if (m->syms_done)
		return m->syms;
	m->syms_done = true;
	struct symtab *st = symtab_new();
	if (!st)
		return NULL;
	struct elf_file *srcs[] = { m->elf, m->debug, m->mini };
	for (size_t i = 0; i < 3; i++) {
		if (!srcs[i])
			continue;
		/* a debug file's .opd (ppc64 ELFv1) is read from the file */
		cor_error *err = symtab_add_elf_code(st, srcs[i], m->elf);
		if (err)
			warnings_error(ms->warn, srcs[i]->path, err);
	}
	symtab_finish(st);
	m->syms = st;
	return st;
}

struct gopclntab *module_gopclntab(const struct modules *ms, struct module *m)
{
	if (m->go_done)
		return m->go;
	m->go_done = true;
	if (!m->elf)
		return NULL;
	cor_error *err = gopclntab_from_elf(m->elf, &m->go);
	if (err)
		warnings_error(ms->warn, m->elf->path, err);
	return m->go;
}

/* The sections the DWARF reader uses; each is decompressed when first
 * filled in, so sections it does not read are left. */
static void fill_sections(struct elf_file *ef, struct dwarf_sections *s)
{
	static const struct { const char *name; size_t off; } names[] = {
#define S(n, f) { n, offsetof(struct dwarf_sections, f) }
		S(".debug_info", info), S(".debug_abbrev", abbrev), S(".debug_str", str),
		S(".debug_line", line), S(".debug_line_str", line_str),
		S(".debug_str_offsets", str_offsets), S(".debug_addr", addr),
		S(".debug_ranges", ranges), S(".debug_rnglists", rnglists),
		S(".debug_aranges", aranges),
#undef S
	};
	for (size_t i = 0; i < COR_ARRAY_SIZE(names); i++)
		section(ef, names[i].name, (struct dwarf_section *)((char *)s + names[i].off));
	s->be = ef->be;
	s->addr_size = ef->addr_size;
	s->path = ef->path;
}

/* The sections only variables and types read (module_dwarf_full). */
static void fill_full(struct elf_file *ef, struct dwarf_sections *s)
{
	section(ef, ".debug_loc", &s->loc);
	section(ef, ".debug_loclists", &s->loclists);
	section(ef, ".debug_types", &s->types);
}

struct dwarf_info *module_dwarf_full(const struct modules *ms, struct module *m)
{
	struct dwarf_info *di = module_dwarf(ms, m);
	if (!di || m->dwarf_full)
		return di;
	m->dwarf_full = true;
	fill_full(m->dwarf_elf, &m->secs);
	if (m->alt)
		fill_full(m->alt, &m->alt_secs);
	return di;
}

struct dwarf_info *module_dwarf(const struct modules *ms, struct module *m)
{
	if (m->dwarf_done)
		return m->dwarf;
	m->dwarf_done = true;
	struct elf_file *ef = NULL;
	if (m->debug && elf_section_by_name(m->debug, ".debug_info"))
		ef = m->debug;
	else if (m->elf && (elf_section_by_name(m->elf, ".debug_info") ||
			    elf_section_by_name(m->elf, ".debug_line")))
		ef = m->elf;
	else if (m->debug && elf_section_by_name(m->debug, ".debug_line"))
		ef = m->debug;
	if (!ef)
		return NULL;
	fill_sections(ef, &m->secs);
	m->dwarf_elf = ef;
	if ((m->alt = files_dwz_alt(ms->files, ef))) {
		fill_sections(m->alt, &m->alt_secs);
		m->secs.alt = &m->alt_secs;
	}
	cor_error *err = dwarf_info_new(&m->secs, ms->limits, &m->dwarf);
	if (err) {
		warnings_error(ms->warn, ef->path, err);
		m->dwarf = NULL;
	}
	return m->dwarf;
}

void modules_free(struct modules *ms)
{
	for (size_t i = 0; i < ms->n; i++) {
		struct module *m = &ms->v[i];
		cfi_table_free(m->eh);
		cfi_table_free(m->dbgf);
		exidx_table_free(m->exidx);
		symtab_free(m->syms);
		gopclntab_free(m->go);
		dwarf_info_free(m->dwarf);
		elf_close(m->elf);
		elf_close(m->debug);
		elf_close(m->mini);
		elf_close(m->alt);
		free(m->mini_data);
		budget_give(ms->limits->budget, m->mini_size);
		free(m->image);
	}
	free(ms->v);
	memset(ms, 0, sizeof(*ms));
}
