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
	cor_error *err = elf_open(path, ms->limits, ms->warn, &ef);
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

static void from_nt_file(struct modules *ms, uint64_t exec_at)
{
	const struct process *p = ms->proc;
	struct elf_image_src src = image_src(ms), core = { memory_read_core_cb, ms->mem };
	for (size_t i = 0; i < p->nfmaps; i++) {
		const struct file_map *f = &p->fmaps[i];
		struct elf_ehdr h;
		if (f->pgoff != 0 || !f->path || !elf_image_open(&src, f->start, &h))
			continue;
		struct module *m = add_module(ms);
		if (!m)
			return;
		m->pub.name = f->path;
		m->pub.start = f->start;
		m->pub.end = f->end;
		/* the following entries of the same file belong to it */
		for (size_t k = i + 1; k < p->nfmaps && p->fmaps[k].pgoff != 0; k++)
			if (p->fmaps[k].path && !strcmp(p->fmaps[k].path, f->path))
				m->pub.end = p->fmaps[k].end;
		m->pub.load_bias = mem_bias(ms, f->start, &h);
		m->pub.is_executable = exec_at >= m->pub.start && exec_at < m->pub.end;
		uint8_t id[64];
		size_t idlen = 0;
		if (elf_image_build_id(&core, f->start, id, &idlen))
			set_build_id(ms, m, id, idlen);
		open_file(ms, m, id, idlen);
		build_id_from_file(ms, m);
	}
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
	uint64_t bias = 0, dyn = 0;
	bool have_bias = false;
	for (unsigned i = 0; i < h.phnum; i++) {
		struct elf_phdr ph;
		if (!elf_image_phdr(&src, &h, phdr, i, &ph))
			return 0;
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

/* Walks r_debug.r_map: bias and name of every object the dynamic linker
 * loaded. Fills in objects NT_FILE did not name. */
static void from_link_map(struct modules *ms)
{
	uint64_t rd = find_r_debug(ms), lm;
	unsigned w = ms->proc->elf->addr_size;
	if (!rd || !read_word(ms, rd + w, &lm))
		return;
	for (unsigned n = 0; lm && n < MAX_LINK_MAP; n++) {
		uint64_t addr, name_at, ld, next;
		if (!read_word(ms, lm, &addr) || !read_word(ms, lm + w, &name_at) ||
		    !read_word(ms, lm + 2 * w, &ld) || !read_word(ms, lm + 3 * w, &next))
			break;
		char *name = name_at ? memory_read_string(ms->mem, name_at, 4096, ms->arena) : NULL;
		/* the object whose dynamic section is at l_ld: the names may
		 * differ (symlinks, the vDSO's soname) */
		struct module *m = find_by_addr(ms, ld);
		if (!m && name && *name)
			m = find_by_name(ms, name);
		if (m && m->pub.load_bias != addr && !m->pub.is_vdso)
			warnings_add(ms->warn, COR_ERR_FORMAT, m->pub.name,
				     "module %s: link_map says load bias 0x%" PRIx64 ", the mapping says 0x%" PRIx64,
				     m->pub.name, addr, m->pub.load_bias);
		if (!m && name && *name && (m = add_module(ms))) {
			m->pub.name = name;
			m->pub.load_bias = addr;
			open_file(ms, m, NULL, 0);
			if (m->elf)
				span_from_file(m);
			build_id_from_file(ms, m);
		}
		if (next == lm)
			break;
		lm = next;
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
	char *what = cor_asprintf("%s: .gnu_debugdata", m->pub.name);
	cor_error *err = cor_decompress(COR_XZ, d, n, 0, ms->limits->max_decompressed,
					what ? what : "", &m->mini_data, &outn);
	free(what);
	if (!err)
		err = elf_open_mem(m->mini_data, outn, ".gnu_debugdata", ms->limits, ms->warn, &m->mini);
	if (err)
		warnings_error(ms->warn, m->pub.name, err);
}

/* The separate debug file (by build-id, then .gnu_debuglink) and
 * MiniDebugInfo. */
static void module_debug(const struct modules *ms, struct module *m)
{
	if (m->pub.is_vdso)
		return;
	char *found = NULL;
	m->debug = files_debug_by_build_id(ms->files, m->pub.build_id, &found);
	if (!m->debug)
		m->debug = files_debug_by_link(ms->files, m->elf, m->pub.path, &found);
	if (m->debug)
		m->pub.debug_file = arena_strdup(ms->arena, found);
	free(found);
	load_minidebuginfo(ms, m);
}

cor_error *modules_build(struct modules *ms, const struct process *p, struct memory *mem,
			 const struct files *files, const struct limits *limits,
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
	from_nt_file(ms, exec_at);
	add_vdso(ms);
	from_link_map(ms);
	add_executable(ms);
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
		cor_error *err = symtab_add_elf(st, srcs[i]);
		if (err)
			warnings_error(ms->warn, srcs[i]->path, err);
	}
	symtab_finish(st);
	m->syms = st;
	return st;
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
		symtab_free(m->syms);
		dwarf_info_free(m->dwarf);
		elf_close(m->elf);
		elf_close(m->debug);
		elf_close(m->mini);
		elf_close(m->alt);
		free(m->mini_data);
		free(m->image);
	}
	free(ms->v);
	memset(ms, 0, sizeof(*ms));
}
