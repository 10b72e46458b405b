/* Modules: which ELF objects were loaded where, found from NT_FILE, the
 * dynamic linker's link_map list and AT_SYSINFO_EHDR (vDSO). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "modules.h"
#include "decompress.h"

#define AT_PHDR 3
#define AT_PHNUM 5
#define AT_ENTRY 9
#define AT_SYSINFO_EHDR 33
#define DT_NULL 0
#define DT_DEBUG 21
#define MAX_LINK_MAP 10000
#define MAX_VDSO (1u << 20)
#define MAX_MODULES 10000

/* ELF header and program headers of an object, read from the core. */
struct mem_elf {
	bool is64, be;
	uint16_t type;
	uint64_t phoff;
	uint16_t phentsize, phnum;
};

static bool read_word(struct cor_core *c, uint64_t addr, uint64_t *v)
{
	uint8_t b[8];
	unsigned w = c->elf->addr_size;
	cor_error *err = cor_core_read(c, addr, b, w, NULL);
	if (err) {
		cor_error_free(err);
		return false;
	}
	*v = cor_load(b, w, c->info.big_endian);
	return true;
}

static bool mem_ehdr(struct cor_core *c, uint64_t base, struct mem_elf *me)
{
	uint8_t eh[64];
	cor_error *err = cor_core_read(c, base, eh, 52, NULL);
	if (err) {
		cor_error_free(err);
		return false;
	}
	if (memcmp(eh, "\177ELF", 4) || (eh[4] != 1 && eh[4] != 2))
		return false;
	me->is64 = eh[4] == 2;
	me->be = eh[5] == 2;
	if (me->is64 && (err = cor_core_read(c, base, eh, 64, NULL))) {
		cor_error_free(err);
		return false;
	}
	me->type = (uint16_t)cor_load(eh + 16, 2, me->be);
	me->phoff = cor_load(eh + (me->is64 ? 32 : 28), me->is64 ? 8 : 4, me->be);
	me->phentsize = (uint16_t)cor_load(eh + (me->is64 ? 54 : 42), 2, me->be);
	me->phnum = (uint16_t)cor_load(eh + (me->is64 ? 56 : 44), 2, me->be);
	return me->phentsize >= (me->is64 ? 56 : 32);
}

/* Program header i of an object whose headers are at phaddr in memory. */
static bool mem_phdr(struct cor_core *c, const struct mem_elf *me, uint64_t phaddr,
		     unsigned i, struct elf_phdr *p)
{
	uint8_t b[56];
	cor_error *err = cor_core_read(c, phaddr + (uint64_t)i * me->phentsize, b,
				       me->is64 ? 56 : 32, NULL);
	if (err) {
		cor_error_free(err);
		return false;
	}
	bool be = me->be;
	p->type = (uint32_t)cor_load(b, 4, be);
	if (me->is64) {
		p->flags = (uint32_t)cor_load(b + 4, 4, be);
		p->offset = cor_load(b + 8, 8, be);
		p->vaddr = cor_load(b + 16, 8, be);
		p->filesz = cor_load(b + 32, 8, be);
		p->memsz = cor_load(b + 40, 8, be);
	} else {
		p->offset = cor_load(b + 4, 4, be);
		p->vaddr = cor_load(b + 8, 4, be);
		p->filesz = cor_load(b + 16, 4, be);
		p->memsz = cor_load(b + 20, 4, be);
		p->flags = (uint32_t)cor_load(b + 24, 4, be);
	}
	return true;
}

/* Bias of the object whose first page is mapped at base. */
static uint64_t mem_bias(struct cor_core *c, uint64_t base, const struct mem_elf *me)
{
	if (me->type != ET_DYN)
		return 0;
	for (unsigned i = 0; i < me->phnum && i < 256; i++) {
		struct elf_phdr p;
		if (!mem_phdr(c, me, base + me->phoff, i, &p))
			break;
		if (p.type == PT_LOAD)
			return base - (p.vaddr - p.offset);
	}
	return base;
}

static struct module *add_module(struct modules *ms, size_t *cap)
{
	if (ms->n >= MAX_MODULES || !COR_GROW(ms->v, *cap, ms->n + 1)) {
		ms->dropped++;
		return NULL;
	}
	struct module *m = &ms->v[ms->n++];
	memset(m, 0, sizeof(*m));
	return m;
}

static void set_build_id(struct cor_core *c, struct module *m, const uint8_t *id, size_t n)
{
	char *h = cor_hex(id, n);
	m->pub.build_id = h ? arena_strdup(&c->arena, h) : NULL;
	free(h);
}

/* Opens the object's file and checks its build-id against the core's. */
/* The object's file as the memory reader opened it (one mapping, one
 * build-id check). false if no NT_FILE mapping names it. */
static bool open_mapped(struct cor_core *c, struct module *m, bool have_mid)
{
	const struct backing_file *b = memory_file(c, m->pub.name);
	if (!b)
		return false;
	if (b->rejected)
		return true; /* warned already, naming both build-ids */
	cor_error *err = NULL;
	if (!b->data || (err = elf_open_mem(b->data, b->size, b->opened, &c->limits,
					    &c->warn, &m->elf))) {
		warnings_add(&c->warn, COR_ERR_FORMAT, NULL, "module %s: %s: no symbols or CFI for it", m->pub.name,
			     err ? cor_error_message(err) : b->why ? b->why : "cannot open");
		cor_error_free(err);
		m->elf = NULL;
		return true;
	}
	const uint8_t *fid;
	size_t flen;
	if (!have_mid && elf_build_id(m->elf, &fid, &flen))
		set_build_id(c, m, fid, flen);
	m->pub.path = arena_strdup(&c->arena, b->opened);
	return true;
}

static void open_file(struct cor_core *c, struct module *m, const uint8_t *mid, size_t mlen)
{
	if (open_mapped(c, m, mlen != 0))
		return;
	char *path = core_resolve_path(c, m->pub.name);
	if (!path)
		return;
	struct elf_file *ef;
	cor_error *err = elf_open(path, &c->limits, &c->warn, &ef);
	if (err) {
		warnings_add(&c->warn, COR_ERR_FORMAT, NULL, "module %s: %s: no symbols or CFI for it", m->pub.name,
			     cor_error_message(err));
		cor_error_free(err);
		free(path);
		return;
	}
	const uint8_t *fid;
	size_t flen;
	bool have = elf_build_id(ef, &fid, &flen);
	if (mlen && have && (flen != mlen || memcmp(fid, mid, flen))) {
		char *h1 = cor_hex(fid, flen), *h2 = cor_hex(mid, mlen);
		warnings_add(&c->warn, COR_ERR_FORMAT, NULL, "module %s: build-id %s of %s differs from build-id %s in the core: file not used",
			     m->pub.name, h1 ? h1 : "?", path, h2 ? h2 : "?");
		free(h1);
		free(h2);
		elf_close(ef);
		free(path);
		return;
	}
	if (!mlen && have)
		set_build_id(c, m, fid, flen);
	m->elf = ef;
	m->pub.path = arena_strdup(&c->arena, path);
	free(path);
}

static void from_nt_file(struct cor_core *c, struct modules *ms, size_t *cap, uint64_t exec_at)
{
	for (size_t i = 0; i < c->nfmaps; i++) {
		const struct file_map *f = &c->fmaps[i];
		struct mem_elf me;
		if (f->pgoff != 0 || !f->path || !mem_ehdr(c, f->start, &me))
			continue;
		struct module *m = add_module(ms, cap);
		if (!m)
			return;
		m->pub.name = f->path;
		m->pub.start = f->start;
		m->pub.end = f->end;
		/* the following entries of the same file belong to it */
		for (size_t k = i + 1; k < c->nfmaps && c->fmaps[k].pgoff != 0; k++)
			if (c->fmaps[k].path && !strcmp(c->fmaps[k].path, f->path))
				m->pub.end = c->fmaps[k].end;
		m->pub.load_bias = mem_bias(c, f->start, &me);
		m->pub.is_executable = exec_at >= m->pub.start && exec_at < m->pub.end;
		uint8_t id[64];
		size_t idlen = 0;
		if (memory_build_id(c, f->start, id, &idlen))
			set_build_id(c, m, id, idlen);
		open_file(c, m, id, idlen);
	}
}

static struct module *find_by_addr(struct modules *ms, uint64_t addr)
{
	for (size_t i = 0; i < ms->n; i++)
		if (addr >= ms->v[i].pub.start && addr < ms->v[i].pub.end)
			return &ms->v[i];
	return NULL;
}

static struct module *find_by_name(struct modules *ms, const char *name)
{
	for (size_t i = 0; i < ms->n; i++)
		if (!strcmp(ms->v[i].pub.name, name))
			return &ms->v[i];
	return NULL;
}

/* r_debug address from the executable's DT_DEBUG. */
static uint64_t find_r_debug(struct cor_core *c)
{
	uint64_t phdr, phnum;
	if (!cor_core_auxv_get(c, AT_PHDR, &phdr) || !cor_core_auxv_get(c, AT_PHNUM, &phnum))
		return 0;
	struct mem_elf me = { .is64 = c->elf->is64, .be = c->info.big_endian,
			      .phentsize = c->elf->is64 ? 56 : 32 };
	me.phnum = (uint16_t)(phnum > 256 ? 256 : phnum);
	uint64_t bias = 0, dyn = 0;
	bool have_bias = false;
	for (unsigned i = 0; i < me.phnum; i++) {
		struct elf_phdr p;
		if (!mem_phdr(c, &me, phdr, i, &p))
			return 0;
		if (p.type == PT_PHDR)
			bias = phdr - p.vaddr, have_bias = true;
		else if (p.type == PT_DYNAMIC)
			dyn = p.vaddr;
	}
	if (!dyn || !have_bias)
		return 0;
	unsigned w = c->elf->addr_size;
	for (unsigned i = 0; i < 1000; i++) {
		uint64_t tag, val;
		if (!read_word(c, bias + dyn + 2ull * i * w, &tag) ||
		    !read_word(c, bias + dyn + (2ull * i + 1) * w, &val) || tag == DT_NULL)
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
static void from_link_map(struct cor_core *c, struct modules *ms, size_t *cap)
{
	uint64_t rd = find_r_debug(c), lm;
	unsigned w = c->elf->addr_size;
	if (!rd || !read_word(c, rd + w, &lm))
		return;
	for (unsigned n = 0; lm && n < MAX_LINK_MAP; n++) {
		uint64_t addr, name_at, ld, next;
		if (!read_word(c, lm, &addr) || !read_word(c, lm + w, &name_at) ||
		    !read_word(c, lm + 2 * w, &ld) || !read_word(c, lm + 3 * w, &next))
			break;
		char *name = name_at ? memory_read_string(c, name_at, 4096) : NULL;
		/* the object whose dynamic section is at l_ld: the names may
		 * differ (symlinks, the vDSO's soname) */
		struct module *m = find_by_addr(ms, ld);
		if (!m && name && *name)
			m = find_by_name(ms, name);
		if (m && m->pub.load_bias != addr && !m->pub.is_vdso)
			warnings_add(&c->warn, COR_ERR_FORMAT, NULL, "module %s: link_map says load bias 0x%" PRIx64 ", the mapping says 0x%" PRIx64,
				     m->pub.name, addr, m->pub.load_bias);
		if (!m && name && *name && (m = add_module(ms, cap))) {
			m->pub.name = name;
			m->pub.load_bias = addr;
			open_file(c, m, NULL, 0);
			if (m->elf)
				span_from_file(m);
		}
		if (next == lm)
			break;
		lm = next;
	}
}

static void add_vdso(struct cor_core *c, struct modules *ms, size_t *cap)
{
	uint64_t at;
	const struct cor_mapping *map;
	struct mem_elf me;
	if (!cor_core_auxv_get(c, AT_SYSINFO_EHDR, &at) || !(map = cor_core_mapping_at(c, at)) ||
	    !mem_ehdr(c, at, &me))
		return;
	uint64_t size = map->end - at;
	if (size > MAX_VDSO)
		size = MAX_VDSO;
	struct module *m = add_module(ms, cap);
	if (!m || !(m->image = malloc((size_t)size)))
		return;
	size_t done = 0;
	cor_error *err = cor_core_read(c, at, m->image, (size_t)size, &done);
	cor_error_free(err);
	m->pub.name = "[vdso]";
	m->pub.is_vdso = true;
	m->pub.start = at;
	m->pub.end = at + size;
	m->pub.load_bias = mem_bias(c, at, &me);
	err = elf_open_mem(m->image, done, "[vdso]", &c->limits, &c->warn, &m->elf);
	if (err) {
		warnings_add(&c->warn, COR_ERR_FORMAT, NULL, "vDSO at 0x%" PRIx64 ": %s", at, cor_error_message(err));
		cor_error_free(err);
		return;
	}
	const uint8_t *id;
	size_t n;
	if (elf_build_id(m->elf, &id, &n))
		set_build_id(c, m, id, n);
}

/* No NT_FILE entry for the executable (old kernels): the file given with
 * --exe or named by AT_EXECFN, placed by AT_ENTRY. */
static void add_executable(struct cor_core *c, struct modules *ms, size_t *cap)
{
	uint64_t entry;
	if (!cor_core_auxv_get(c, AT_ENTRY, &entry) || find_by_addr(ms, entry))
		return;
	const char *name = c->exe ? c->exe : c->process.executable;
	if (!name)
		return;
	struct module *m = add_module(ms, cap);
	if (!m)
		return;
	m->pub.name = name;
	m->pub.is_executable = true;
	open_file(c, m, NULL, 0);
	if (!m->elf) {
		ms->n--;
		return;
	}
	m->pub.load_bias = m->elf->type == ET_DYN ? entry - m->elf->entry : 0;
	span_from_file(m);
	const uint8_t *id;
	size_t n;
	if (elf_build_id(m->elf, &id, &n))
		set_build_id(c, m, id, n);
}

static int cmp_module(const void *a, const void *b)
{
	const struct module *x = a, *y = b;
	return x->pub.start < y->pub.start ? -1 : x->pub.start > y->pub.start;
}

struct modules *modules_get(struct cor_core *c)
{
	if (c->modules)
		return c->modules;
	struct modules *ms = cor_calloc(1, sizeof(*ms));
	if (!ms)
		return NULL;
	size_t cap = 0;
	uint64_t exec_at = 0;
	if (!cor_core_auxv_get(c, AT_PHDR, &exec_at))
		exec_at = 0;
	from_nt_file(c, ms, &cap, exec_at);
	add_vdso(c, ms, &cap);
	from_link_map(c, ms, &cap);
	add_executable(c, ms, &cap);
	if (ms->dropped)
		warnings_add(&c->warn, COR_ERR_FORMAT, NULL, "%zu loaded objects beyond the first %d ignored",
			     ms->dropped, MAX_MODULES);
	if (ms->n)
		qsort(ms->v, ms->n, sizeof(*ms->v), cmp_module);
	c->modules = ms;
	return ms;
}

struct module *module_at(struct cor_core *c, uint64_t addr)
{
	struct modules *ms = modules_get(c);
	if (!ms)
		return NULL;
	size_t lo = 0, hi = ms->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ms->v[mid].pub.start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo && addr < ms->v[lo - 1].pub.end)
		return &ms->v[lo - 1];
	return NULL;
}

/* ---- separate debug files ---- */

static const char *const default_debug_dirs[] = { "/usr/lib/debug", NULL };

static const char *const *debug_dirs(struct cor_core *c)
{
	return c->debug_dirs ? (const char *const *)c->debug_dirs : default_debug_dirs;
}

static struct elf_file *try_debug(struct cor_core *c, const char *path, bool check_crc, uint32_t crc)
{
	if (access(path, R_OK) != 0)
		return NULL;
	struct elf_file *ef;
	cor_error *err = elf_open(path, &c->limits, &c->warn, &ef);
	if (err) {
		cor_error_free(err);
		return NULL;
	}
	if (check_crc && cor_crc32(0, ef->data, ef->size) != crc) {
		warnings_add(&c->warn, COR_ERR_FORMAT, NULL, "%s: CRC does not match .gnu_debuglink: not used", path);
		elf_close(ef);
		return NULL;
	}
	return ef;
}

static char *sysrooted(struct cor_core *c, const char *dir)
{
	return c->sysroot && !c->debug_dirs ? cor_asprintf("%s%s", c->sysroot, dir) : cor_strdup(dir);
}

/* dir/.build-id/xx/yyyy.debug for a hex build-id */
static struct elf_file *debug_by_build_id(struct cor_core *c, const char *hex, char **found)
{
	if (!hex || strlen(hex) < 4)
		return NULL;
	for (const char *const *d = debug_dirs(c); *d; d++) {
		char *dir = sysrooted(c, *d);
		char *p = dir ? cor_asprintf("%s/.build-id/%.2s/%s.debug", dir, hex, hex + 2) : NULL;
		free(dir);
		struct elf_file *ef = p ? try_debug(c, p, false, 0) : NULL;
		if (ef) {
			*found = p;
			return ef;
		}
		free(p);
	}
	return NULL;
}

static struct elf_file *debug_by_link(struct cor_core *c, struct module *m, char **found)
{
	const char *name;
	uint32_t crc;
	if (!m->elf || !elf_debuglink(m->elf, &name, &crc) || !m->pub.path || strchr(name, '/'))
		return NULL;
	const char *slash = strrchr(m->pub.path, '/');
	int dlen = slash ? (int)(slash - m->pub.path) : 0;
	const char *dir = m->pub.path;
	char *cands[8] = {0};
	int n = 0;
	cands[n++] = cor_asprintf("%.*s/%s", dlen, dir, name);
	cands[n++] = cor_asprintf("%.*s/.debug/%s", dlen, dir, name);
	for (const char *const *d = debug_dirs(c); *d && n < 8; d++)
		cands[n++] = cor_asprintf("%s%.*s/%s", *d, dlen, dir, name);
	struct elf_file *ef = NULL;
	for (int i = 0; i < n; i++) {
		if (!ef && cands[i] && strcmp(cands[i], m->pub.path) &&
		    (ef = try_debug(c, cands[i], true, crc))) {
			*found = cands[i];
			continue;
		}
		free(cands[i]);
	}
	return ef;
}

static void load_minidebuginfo(struct cor_core *c, struct module *m)
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
	cor_error *err = cor_decompress(COR_XZ, d, n, 0, c->limits.max_decompressed,
					what ? what : "", &m->mini_data, &outn);
	free(what);
	if (!err)
		err = elf_open_mem(m->mini_data, outn, ".gnu_debugdata", &c->limits, &c->warn, &m->mini);
	if (err) {
		warnings_add(&c->warn, COR_ERR_FORMAT, NULL, "%s", cor_error_message(err));
		cor_error_free(err);
	}
}

static void module_debug(struct cor_core *c, struct module *m)
{
	if (m->debug_done)
		return;
	m->debug_done = true;
	if (m->pub.is_vdso)
		return;
	char *found = NULL;
	m->debug = debug_by_build_id(c, m->pub.build_id, &found);
	if (!m->debug)
		m->debug = debug_by_link(c, m, &found);
	if (m->debug) {
		m->pub.debug_file = arena_strdup(&c->arena, found);
		free(found);
	}
	load_minidebuginfo(c, m);
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
		if (ef->warn)
			warnings_add(ef->warn, COR_ERR_FORMAT, NULL, "%s", cor_error_message(err));
		cor_error_free(err);
		out->data = NULL;
		out->size = 0;
		return;
	}
	out->addr = sh->addr;
}

static struct cfi_table *make_cfi(struct cor_core *c, struct elf_file *ef, bool eh)
{
	struct dwarf_section sec, hdr;
	section(ef, eh ? ".eh_frame" : ".debug_frame", &sec);
	if (!sec.data)
		return NULL;
	if (eh)
		section(ef, ".eh_frame_hdr", &hdr);
	const struct elf_shdr *text = elf_section_by_name(ef, ".text");
	const struct elf_shdr *got = elf_section_by_name(ef, ".got");
	struct cfi_params p = {
		.be = ef->be, .addr_size = ef->addr_size, .limits = &c->limits,
		.path = ef->path, .is_eh_frame = eh, .hdr = eh && hdr.data ? &hdr : NULL,
		.text_addr = text ? text->addr : 0, .data_addr = got ? got->addr : 0,
	};
	struct cfi_table *t;
	cor_error *err = cfi_table_new(&sec, &p, &t);
	if (err) {
		warnings_add(&c->warn, COR_ERR_FORMAT, NULL, "%s", cor_error_message(err));
		cor_error_free(err);
		return NULL;
	}
	return t;
}

struct cfi_table *module_cfi(struct cor_core *c, struct module *m, bool eh)
{
	if (!m->cfi_done) {
		m->cfi_done = true;
		if (m->elf)
			m->eh = make_cfi(c, m->elf, true);
		module_debug(c, m);
		if (m->elf)
			m->dbgf = make_cfi(c, m->elf, false);
		if (!m->dbgf && m->debug)
			m->dbgf = make_cfi(c, m->debug, false);
	}
	return eh ? m->eh : m->dbgf;
}

struct symtab *module_symtab(struct cor_core *c, struct module *m)
{
	if (m->syms_done)
		return m->syms;
	m->syms_done = true;
	module_debug(c, m);
	struct symtab *st = symtab_new();
	if (!st)
		return NULL;
	struct elf_file *srcs[] = { m->elf, m->debug, m->mini };
	for (size_t i = 0; i < 3; i++) {
		if (!srcs[i])
			continue;
		cor_error *err = symtab_add_elf(st, srcs[i]);
		if (err) {
			warnings_add(&c->warn, COR_ERR_FORMAT, NULL, "%s", cor_error_message(err));
			cor_error_free(err);
		}
	}
	symtab_finish(st);
	m->syms = st;
	return st;
}

/* The sections the DWARF reader uses; each is decompressed when first
 * filled in, so sections it does not read (.debug_loclists, ...) are left. */
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

/* .gnu_debugaltlink: the dwz supplementary file, by build-id or path. */
static void load_alt(struct cor_core *c, struct module *m, struct elf_file *ef)
{
	const struct elf_shdr *sh = elf_section_by_name(ef, ".gnu_debugaltlink");
	const uint8_t *d;
	size_t n;
	cor_error *serr = sh ? elf_section_data(ef, sh, &d, &n) : NULL;
	if (!sh || serr) {
		cor_error_free(serr);
		return;
	}
	struct reader r;
	const char *name;
	reader_init(&r, d, n, ef->be, ef->addr_size);
	if (!reader_cstr(&r, &name))
		return;
	char *hex = reader_left(&r) && reader_left(&r) <= 64 ? cor_hex(r.pos, reader_left(&r)) : NULL;
	char *found = NULL;
	m->alt = debug_by_build_id(c, hex, &found);
	free(found);
	if (!m->alt) {
		const char *slash = strrchr(ef->path, '/');
		char *p = name[0] == '/' ? cor_strdup(name) :
			cor_asprintf("%.*s/%s", slash ? (int)(slash - ef->path) : 1,
				     slash ? ef->path : ".", name);
		if (p)
			m->alt = try_debug(c, p, false, 0);
		free(p);
	}
	free(hex);
	if (!m->alt) {
		warnings_add(&c->warn, COR_ERR_FORMAT, NULL, "%s: dwz supplementary file %s not found", ef->path, name);
		return;
	}
	fill_sections(m->alt, &m->alt_secs);
	m->secs.alt = &m->alt_secs;
}

struct dwarf_info *module_dwarf(struct cor_core *c, struct module *m)
{
	if (m->dwarf_done)
		return m->dwarf;
	m->dwarf_done = true;
	module_debug(c, m);
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
	load_alt(c, m, ef);
	cor_error *err = dwarf_info_new(&m->secs, &c->limits, &m->dwarf);
	if (err) {
		warnings_add(&c->warn, COR_ERR_FORMAT, NULL, "%s", cor_error_message(err));
		cor_error_free(err);
		m->dwarf = NULL;
	}
	return m->dwarf;
}

void modules_free(struct modules *ms)
{
	if (!ms)
		return;
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
	free(ms);
}

size_t cor_core_module_count(cor_core *c)
{
	struct modules *ms = modules_get(c);
	return ms ? ms->n : 0;
}

const struct cor_module *cor_core_module(cor_core *c, size_t i)
{
	struct modules *ms = modules_get(c);
	if (!ms || i >= ms->n)
		return NULL;
	module_debug(c, &ms->v[i]);
	return &ms->v[i].pub;
}

const struct cor_module *cor_core_module_at(cor_core *c, uint64_t addr)
{
	struct module *m = module_at(c, addr);
	return m ? &m->pub : NULL;
}
