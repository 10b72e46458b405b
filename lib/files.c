/* Finding files on disk and checking that they are the ones the core had. */
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "files.h"
#include "process.h"
#include "symbols.h"

struct mapped_entry {
	struct mapped_file pub;
	char *opened, *why;
	const uint8_t *data;        /* the cache's mapping (pub.data is NULL when rejected) */
	size_t size;
	size_t first_map;           /* its first NT_FILE entry (then f->next_map) */
};

/* ---- one mapping per (device, inode) ---- */

struct cached_file {
	uint64_t id[2];             /* st_dev, st_ino */
	const uint8_t *data;
	size_t size;
	struct elf_file *elf;       /* parsed by files_open_elf, or NULL */
};

struct file_cache {
	struct cached_file *v;
	size_t n, cap;
	uint32_t *index;            /* hash of id -> v + 1 */
	size_t index_cap;
};

static size_t id_slot(const struct file_cache *c, const uint64_t id[2])
{
	uint64_t h = (id[0] * 0x9e3779b97f4a7c15ull) ^ (id[1] * 0xc2b2ae3d27d4eb4full);
	size_t i = (size_t)(h ^ (h >> 29)) & (c->index_cap - 1);
	while (c->index[i] && memcmp(c->v[c->index[i] - 1].id, id, sizeof(c->v->id)))
		i = (i + 1) & (c->index_cap - 1);
	return i;
}

static bool cache_grow(struct file_cache *c)
{
	if (2 * (c->n + 1) <= c->index_cap && c->n < c->cap)
		return true;
	if (!COR_GROW(c->v, c->cap, c->n + 1))
		return false;
	size_t ncap = c->index_cap ? c->index_cap : 16;
	while (ncap < 2 * (c->n + 1))
		ncap *= 2;
	if (ncap == c->index_cap)
		return true;
	uint32_t *ix = cor_calloc(ncap, sizeof(*ix));
	if (!ix)
		return false;
	free(c->index);
	c->index = ix;
	c->index_cap = ncap;
	for (size_t k = 0; k < c->n; k++)
		c->index[id_slot(c, c->v[k].id)] = (uint32_t)(k + 1);
	return true;
}

/* The file at path, mapped once whatever its spelling. */
static cor_error *cache_map(struct file_cache *c, const char *path, struct cached_file **out)
{
	int fd;
	uint64_t fsize, id[2];
	cor_error *err = cor_open_regular(path, &fd, &fsize, id);
	if (err)
		return err;
	if (c->index_cap) {
		uint32_t k = c->index[id_slot(c, id)];
		if (k) {
			close(fd);
			*out = &c->v[k - 1];
			return NULL;
		}
	}
	if (!cache_grow(c)) {
		close(fd);
		return &cor_enomem;
	}
	struct cached_file *cf = &c->v[c->n];
	memset(cf, 0, sizeof(*cf));
	err = cor_map_fd(fd, path, fsize, &cf->data, &cf->size);
	close(fd);
	if (err)
		return err;
	memcpy(cf->id, id, sizeof(id));
	c->index[id_slot(c, id)] = (uint32_t)(++c->n);
	*out = cf;
	return NULL;
}

static void cache_free(struct file_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++) {
		elf_close(c->v[i].elf);
		cor_unmap_file(c->v[i].data, c->v[i].size);
	}
	free(c->v);
	free(c->index);
	free(c);
}

cor_error *files_open_elf(const struct files *f, const char *path, struct elf_file **out)
{
	struct cached_file *cf;
	cor_error *err = f->cache ? cache_map(f->cache, path, &cf)
				  : elf_open(path, f->limits, f->warn, out);
	if (err || !f->cache)
		return err;
	if (!cf->elf && (err = elf_open_mem(cf->data, cf->size, path, f->limits, f->warn, &cf->elf)))
		return err;
	*out = elf_ref(cf->elf);
	return NULL;
}

static uint32_t hash_str(const char *s)
{
	uint32_t h = 2166136261u;
	while (*s)
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

static struct mapped_entry *find_mapped(const struct files *f, const char *recorded)
{
	if (!f->index_cap)
		return NULL;
	for (size_t i = hash_str(recorded) & (f->index_cap - 1);; i = (i + 1) & (f->index_cap - 1)) {
		uint32_t k = f->index[i];
		if (!k)
			return NULL;
		if (!strcmp(f->mapped[k - 1].pub.recorded, recorded))
			return &f->mapped[k - 1];
	}
}

const struct mapped_file *files_mapped(const struct files *f, const char *recorded)
{
	struct mapped_entry *e = find_mapped(f, recorded);
	return e ? &e->pub : NULL;
}

const struct mapped_file *files_mapped_cb(void *f, const char *recorded)
{
	return files_mapped(f, recorded);
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

/* The length of a recorded path without its " (deleted)". */
static size_t recorded_len(const char *recorded)
{
	size_t len = strlen(recorded);
	static const char deleted[] = " (deleted)";
	if (len > sizeof(deleted) - 1 && !strcmp(recorded + len - (sizeof(deleted) - 1), deleted))
		len -= sizeof(deleted) - 1;
	return len;
}

/* --file opt (REC=PATH or PATH) names the recorded path. */
static bool file_opt_matches(const char *opt, const char *recorded)
{
	size_t len = recorded_len(recorded);
	const char *eq = strchr(opt, '=');
	if (eq)
		return (size_t)(eq - opt) == len && !strncmp(opt, recorded, len);
	char *rec = cor_strndup(recorded, len);
	bool match = rec && !strcmp(base_name(opt), base_name(rec));
	free(rec);
	return match;
}

char *files_resolve(const struct files *f, const char *recorded)
{
	size_t len = recorded_len(recorded);
	const char *const *fl = f->o.files;
	/* REC=PATH first, then PATH by base name */
	for (size_t i = 0; fl && fl[i]; i++)
		if (strchr(fl[i], '=') && file_opt_matches(fl[i], recorded))
			return cor_strdup(strchr(fl[i], '=') + 1);
	for (size_t i = 0; fl && fl[i]; i++)
		if (!strchr(fl[i], '=') && file_opt_matches(fl[i], recorded))
			return cor_strdup(fl[i]);
	/* --exe is used as given, never under --sysroot: for the executable's
	 * recorded path, and for itself (the executable found by AT_ENTRY when
	 * NT_FILE does not name it is looked up by files_executable's name) */
	const char *ex = process_exec_recorded(f->proc);
	if (f->o.exe && !f->exe_unusable && ((ex && !strcmp(ex, recorded)) || !strcmp(recorded, f->o.exe)))
		return cor_strdup(f->o.exe);
	if (f->o.sysroot)
		return cor_asprintf("%s%s%.*s", f->o.sysroot,
				    recorded[0] == '/' ? "" : "/", (int)len, recorded);
	return cor_strndup(recorded, len);
}

const char *files_executable(const struct files *f)
{
	return f->o.exe && !f->exe_unusable ? f->o.exe : process_exec_recorded(f->proc);
}

/* The NT_FILE entries of e's path: i = e->first_map, then f->next_map[i]. */
#define FOR_MAPS(f, e, i) for (size_t i = (e)->first_map; i != SIZE_MAX; i = (f)->next_map[i])

/* Without a build-id to compare: is the file plausibly the one mapped? The
 * core's copy of offset 0 being ELF wants an ELF file, and each mapping's
 * offset must lie in a PT_LOAD of it. false with e->why set. */
static bool same_shape(struct files *f, struct mapped_entry *e, struct elf_file *ef)
{
	struct elf_image_src core = { memory_read_core_cb, f->mem };
	const struct process *p = f->proc;
	if (!ef) {
		FOR_MAPS(f, e, i) {
			struct elf_ehdr h;
			if (p->fmaps[i].pgoff == 0 && elf_image_open(&core, p->fmaps[i].start, &h)) {
				e->why = cor_asprintf("%s is not an ELF file, but the core's copy of it is",
						      e->opened);
				return false;
			}
		}
		return true;
	}
	FOR_MAPS(f, e, i) {
		const struct file_map *fm = &p->fmaps[i];
		const struct segment *seg = memory_segment_at(f->mem, fm->start);
		bool covered = false;
		if (seg && !(seg->flags & 7))
			continue; /* a PROT_NONE gap the dynamic linker left */
		/* one PT_LOAD's pages hold the whole mapping */
		uint64_t len = fm->end - fm->start;
		for (uint32_t k = 0; k < ef->phnum && !covered; k++) {
			const struct elf_phdr *ph = &ef->phdrs[k];
			uint64_t lo = ph->offset & ~(uint64_t)0xfff, end = ph->offset + ph->filesz;
			uint64_t hi = (end + 0xfff) & ~(uint64_t)0xfff;
			covered = ph->type == PT_LOAD && end >= ph->offset && hi >= end &&
				  fm->pgoff >= lo && fm->pgoff < end && len <= hi - fm->pgoff;
		}
		if (!covered) {
			e->why = cor_asprintf("%s has no loadable segment holding offsets 0x%" PRIx64 "-0x%"
					      PRIx64 " that the core maps at 0x%" PRIx64 ", and no build-id "
					      "to compare", e->opened, fm->pgoff, fm->pgoff + len, fm->start);
			return false;
		}
	}
	return true;
}

/* The file's build-id against the one in the core's copy of its ELF
 * header (the mapping of offset 0 of the same path); without one on either
 * side, the file's shape against the mappings (same_shape). *differs: the
 * build-ids differ. */
static bool same_build_id(struct files *f, struct mapped_entry *e, bool *differs)
{
	*differs = false;
	struct elf_file *ef;
	cor_error *err = elf_open_mem(e->data, e->size, e->opened, f->limits, NULL, &ef);
	if (err) {
		cor_error_free(err);
		return same_shape(f, e, NULL);
	}
	const uint8_t *fid;
	size_t flen;
	bool have_file = elf_build_id(ef, &fid, &flen), ok = true, compared = false;
	struct elf_image_src core = { memory_read_core_cb, f->mem };
	const struct process *p = f->proc;
	FOR_MAPS(f, e, i) {
		const struct file_map *fm = &p->fmaps[i];
		uint8_t mid[64];
		size_t mlen;
		if (!have_file || fm->pgoff != 0 || !elf_image_build_id(&core, fm->start, mid, &mlen))
			continue;
		compared = true;
		if (mlen != flen || memcmp(mid, fid, flen)) {
			char *h1 = cor_hex(fid, flen), *h2 = cor_hex(mid, mlen);
			e->why = cor_asprintf("build-id %s of %s differs from build-id %s in the core",
					      h1 ? h1 : "?", e->opened, h2 ? h2 : "?");
			free(h1);
			free(h2);
			ok = false;
			*differs = true;
		} else {
			e->pub.verified = true;
		}
		break;
	}
	if (!compared)
		ok = same_shape(f, e, ef);
	elf_close(ef);
	return ok;
}

/* The build-id (hex, malloc'd) in the core's copy of e's ELF header, or
 * NULL. */
static char *core_build_id(const struct files *f, const struct mapped_entry *e)
{
	struct elf_image_src core = { memory_read_core_cb, f->mem };
	FOR_MAPS(f, e, i) {
		const struct file_map *fm = &f->proc->fmaps[i];
		uint8_t id[64];
		size_t len;
		if (fm->pgoff == 0 && elf_image_build_id(&core, fm->start, id, &len) && len)
			return cor_hex(id, len);
	}
	return NULL;
}

/* e's file is not on disk: the one with the core's build-id from
 * debuginfod, mapped (e->opened then names it in the cache). false if
 * none. */
static bool fetch_mapped(struct files *f, struct mapped_entry *e, struct cached_file **cf)
{
	char *hex = core_build_id(f, e);
	char *path = hex ? dbgd_fetch(f->dbgd, DBGD_EXECUTABLE, hex, e->pub.recorded) : NULL;
	free(hex);
	cor_error *err = path ? cache_map(f->cache, path, cf) : NULL;
	if (path && !err) {
		free(e->opened);
		e->opened = path;
		return true;
	}
	if (err)
		warnings_error(f->warn, e->pub.recorded, err);
	free(path);
	return false;
}

/* Whether --exe or a --file names e's file (then a file with another
 * build-id is not replaced by debuginfod's). */
static bool user_given(const struct files *f, const struct mapped_entry *e)
{
	for (size_t i = 0; f->o.files && f->o.files[i]; i++)
		if (file_opt_matches(f->o.files[i], e->pub.recorded))
			return true;
	return f->o.exe && e->opened && !strcmp(e->opened, f->o.exe);
}

/* e's file has another build-id than the core's (rebuilt since the crash,
 * or another machine's): the core's from debuginfod, if it has it, is used
 * instead, with a warning. */
static bool refetch(struct files *f, struct mapped_entry *e)
{
	struct cached_file *cf;
	if (user_given(f, e) || !fetch_mapped(f, e, &cf))
		return false;
	char *why = e->why;
	bool differs;
	e->why = NULL;
	e->data = cf->data;
	e->size = cf->size;
	bool ok = e->size && same_build_id(f, e, &differs);
	if (ok) {
		warnings_add(f->warn, COR_ERR_NOT_FOUND, e->pub.recorded,
			     "%s: not used; the core's fetched from debuginfod: %s", why, e->opened);
		free(why);
	} else {
		free(e->why);
		e->why = why;
	}
	return ok;
}

static void open_mapped(struct files *f, struct mapped_entry *e)
{
	bool differs;
	e->opened = files_resolve(f, e->pub.recorded);
	if (!e->opened)
		return;
	struct cached_file *cf;
	cor_error *err = cache_map(f->cache, e->opened, &cf);
	if (err && fetch_mapped(f, e, &cf)) {
		cor_error_free(err);
		err = NULL;
	}
	if (err) {
		/* "PATH: cannot open: No such file ..." */
		e->why = cor_strdup(cor_error_message(err));
		cor_error_free(err);
		e->data = NULL;
	} else if (e->data = cf->data, e->size = cf->size, !e->size) {
		e->why = cor_asprintf("%s: empty file", e->opened);
		e->data = NULL;
	} else if (!same_build_id(f, e, &differs) && !(differs && refetch(f, e))) {
		e->pub.rejected = true;
		warnings_add(f->warn, COR_ERR_NOT_FOUND, e->pub.recorded, "%s: not used", e->why);
	} else {
		e->pub.data = e->data;
		e->pub.size = e->size;
	}
	e->pub.opened = e->opened;
	e->pub.why = e->why;
}

/* Options that match nothing: each --file must name a recorded file (by
 * path or base name), each --debug-dir must be a directory, --exe must
 * exist. */
static void check_options(struct files *f)
{
	const struct process *p = f->proc;
	for (size_t i = 0; f->o.files && f->o.files[i]; i++) {
		const char *opt = f->o.files[i], *eq = strchr(opt, '=');
		bool found = false;
		for (size_t k = 0; !found && k < p->nfmaps; k++)
			found = p->fmaps[k].path && file_opt_matches(opt, p->fmaps[k].path);
		if (!found && eq)
			warnings_add(f->warn, COR_ERR_NOT_FOUND, opt,
				     "--file %s: the core records no file %.*s: not used", opt,
				     (int)(eq - opt), opt);
		else if (!found)
			warnings_add(f->warn, COR_ERR_NOT_FOUND, opt,
				     "--file %s: the core records no file named %s: not used", opt,
				     base_name(opt));
	}
	for (size_t i = 0; f->o.debug_dirs && f->o.debug_dirs[i]; i++) {
		struct stat st;
		const char *d = f->o.debug_dirs[i];
		if (stat(d, &st) != 0)
			warnings_add(f->warn, COR_ERR_NOT_FOUND, d, "--debug-dir %s: %s", d, strerror(errno));
		else if (!S_ISDIR(st.st_mode))
			warnings_add(f->warn, COR_ERR_NOT_FOUND, d, "--debug-dir %s: not a directory", d);
	}
	struct stat st;
	if (f->o.exe && access(f->o.exe, R_OK) != 0) {
		warnings_add(f->warn, COR_ERR_NOT_FOUND, f->o.exe,
			     "--exe %s: cannot open: %s: not used", f->o.exe, strerror(errno));
		f->exe_unusable = true;
	} else if (f->o.exe && (stat(f->o.exe, &st) != 0 || !S_ISREG(st.st_mode))) {
		warnings_add(f->warn, COR_ERR_IO, f->o.exe,
			     "--exe %s: not a regular file: not used", f->o.exe);
		f->exe_unusable = true;
	}
}

cor_error *files_init(struct files *f, const struct files_options *o, const struct process *p,
		      struct memory *mem, const struct limits *limits, struct warnings *warn)
{
	memset(f, 0, sizeof(*f));
	f->o = *o;
	f->proc = p;
	f->mem = mem;
	f->limits = limits;
	f->warn = warn;
	check_options(f);
	f->dbgd = dbgd_new(o->no_debuginfod, o->progress, o->progress_arg, warn);
	if (!(f->cache = cor_calloc(1, sizeof(*f->cache))))
		return &cor_enomem;
	if (!p->nfmaps)
		return NULL;
	f->index_cap = 16;
	while (f->index_cap < 2 * p->nfmaps)
		f->index_cap *= 2;
	f->index = cor_calloc(f->index_cap, sizeof(*f->index));
	f->mapped = cor_calloc(p->nfmaps, sizeof(*f->mapped));
	f->next_map = cor_calloc(p->nfmaps, sizeof(*f->next_map));
	size_t *last = cor_calloc(p->nfmaps, sizeof(*last));
	if (!f->index || !f->mapped || !f->next_map || !last) {
		free(last);
		return &cor_enomem;
	}
	for (size_t i = 0; i < p->nfmaps; i++) {
		const char *path = p->fmaps[i].path;
		f->next_map[i] = SIZE_MAX;
		if (!path)
			continue;
		struct mapped_entry *e = find_mapped(f, path);
		if (e) {
			size_t n = (size_t)(e - f->mapped);
			f->next_map[last[n]] = i;
			last[n] = i;
			continue;
		}
		size_t k = hash_str(path) & (f->index_cap - 1);
		while (f->index[k])
			k = (k + 1) & (f->index_cap - 1);
		e = &f->mapped[f->nmapped];
		e->pub.recorded = path;
		e->first_map = i;
		last[f->nmapped++] = i;
		f->index[k] = (uint32_t)f->nmapped;
	}
	free(last);
	for (size_t i = 0; i < f->nmapped; i++)
		open_mapped(f, &f->mapped[i]);
	/* an --exe whose build-id differs from the core's (open_mapped warned)
	 * is not the executable */
	const char *ex = process_exec_recorded(p);
	const struct mapped_entry *e = f->o.exe && ex ? find_mapped(f, ex) : NULL;
	if (e && e->pub.rejected)
		f->exe_unusable = true;
	return NULL;
}

void files_reject(struct files *f, const char *recorded, const char *why)
{
	struct mapped_entry *e = find_mapped(f, recorded);
	if (!e || e->pub.rejected)
		return;
	char *w = cor_strdup(why);
	if (w) {
		free(e->why);
		e->why = w;
	}
	e->pub.why = e->why;
	e->pub.data = NULL;
	e->pub.size = 0;
	e->pub.rejected = true;
	warnings_add(f->warn, COR_ERR_NOT_FOUND, recorded, "%s: not used", why);
}

void files_free(struct files *f)
{
	for (size_t i = 0; i < f->nmapped; i++) {
		struct mapped_entry *e = &f->mapped[i];
		free(e->opened);
		free(e->why);
	}
	cache_free(f->cache);
	dbgd_free(f->dbgd);
	free(f->mapped);
	free(f->index);
	free(f->next_map);
	memset(f, 0, sizeof(*f));
}

/* ---- separate debug files ---- */

static const char *const default_debug_dirs[] = { "/usr/lib/debug", NULL };

static const char *const *debug_dirs(const struct files *f)
{
	return f->o.debug_dirs ? f->o.debug_dirs : default_debug_dirs;
}

static struct elf_file *try_debug(const struct files *f, const char *path, bool check_crc,
				  uint32_t crc)
{
	if (access(path, R_OK) != 0)
		return NULL;
	struct elf_file *ef;
	cor_error *err = elf_open(path, f->limits, f->warn, &ef);
	if (err) {
		/* it is there but cannot be used (a FIFO, not ELF): say so */
		warnings_add(f->warn, cor_error_code(err), path, "debug file %s: not used",
			     cor_error_message(err));
		cor_error_free(err);
		return NULL;
	}
	if (check_crc && cor_crc32(0, ef->data, ef->size) != crc) {
		warnings_add(f->warn, COR_ERR_NOT_FOUND, path,
			     "%s: CRC does not match .gnu_debuglink: not used", path);
		elf_close(ef);
		return NULL;
	}
	return ef;
}

static char *sysrooted(const struct files *f, const char *dir)
{
	return f->o.sysroot && !f->o.debug_dirs ? cor_asprintf("%s%s", f->o.sysroot, dir)
						 : cor_strdup(dir);
}

/* dir/.build-id/xx/yyyy.debug for a hex build-id */
struct elf_file *files_debug_by_build_id(const struct files *f, const char *hex, char **found)
{
	if (!hex || strlen(hex) < 4)
		return NULL;
	for (const char *const *d = debug_dirs(f); *d; d++) {
		char *dir = sysrooted(f, *d);
		char *p = dir ? cor_asprintf("%s/.build-id/%.2s/%s.debug", dir, hex, hex + 2) : NULL;
		free(dir);
		struct elf_file *ef = p ? try_debug(f, p, false, 0) : NULL;
		if (ef) {
			*found = p;
			return ef;
		}
		free(p);
	}
	return NULL;
}

struct elf_file *files_debug_by_link(const struct files *f, struct elf_file *ef, const char *path,
				     char **found)
{
	const char *name;
	uint32_t crc;
	if (!ef || !path || !elf_debuglink(ef, &name, &crc) || strchr(name, '/'))
		return NULL;
	/* the executable's directory, absolute ("dl" is ./dl) */
	char *real = realpath(path, NULL);
	const char *p = real ? real : path;
	const char *slash = strrchr(p, '/');
	int dlen = slash ? (int)(slash - p) : 1;
	const char *dir = slash ? p : ".";
	char *cands[8] = {0};
	int n = 0;
	cands[n++] = cor_asprintf("%.*s/%s", dlen, dir, name);
	cands[n++] = cor_asprintf("%.*s/.debug/%s", dlen, dir, name);
	for (const char *const *d = debug_dirs(f); *d && n < 8; d++)
		cands[n++] = cor_asprintf("%s%.*s/%s", *d, dlen, dir, name);
	struct elf_file *dbg = NULL;
	for (int i = 0; i < n; i++) {
		if (!dbg && cands[i] && strcmp(cands[i], p) &&
		    (dbg = try_debug(f, cands[i], true, crc))) {
			*found = cands[i];
			continue;
		}
		free(cands[i]);
	}
	free(real);
	return dbg;
}

struct elf_file *files_debug_fetch(const struct files *f, const char *hex, const char *subject,
				   struct elf_file *ef, char **found)
{
	if (ef && elf_section_by_name(ef, ".debug_info"))
		return NULL;
	char *p = dbgd_fetch(f->dbgd, DBGD_DEBUGINFO, hex, subject);
	struct elf_file *dbg = p ? try_debug(f, p, false, 0) : NULL;
	if (dbg)
		*found = p;
	else
		free(p);
	return dbg;
}

struct elf_file *files_dwz_alt(const struct files *f, struct elf_file *ef)
{
	const struct elf_shdr *sh = elf_section_by_name(ef, ".gnu_debugaltlink");
	const uint8_t *d;
	size_t n;
	cor_error *serr = sh ? elf_section_data(ef, sh, &d, &n) : NULL;
	if (!sh || serr) {
		cor_error_free(serr);
		return NULL;
	}
	struct reader r;
	const char *name;
	reader_init(&r, d, n, ef->be, ef->addr_size);
	if (!reader_cstr(&r, &name))
		return NULL;
	char *hex = reader_left(&r) && reader_left(&r) <= 64 ? cor_hex(r.pos, reader_left(&r)) : NULL;
	char *found = NULL;
	struct elf_file *alt = files_debug_by_build_id(f, hex, &found);
	if (!alt)
		alt = files_debug_fetch(f, hex, ef->path, NULL, &found);
	free(found);
	free(hex);
	if (!alt) {
		const char *slash = strrchr(ef->path, '/');
		char *p = name[0] == '/' ? cor_strdup(name) :
			cor_asprintf("%.*s/%s", slash ? (int)(slash - ef->path) : 1,
				     slash ? ef->path : ".", name);
		if (p)
			alt = try_debug(f, p, false, 0);
		free(p);
	}
	if (!alt)
		warnings_add(f->warn, COR_ERR_NOT_FOUND, ef->path,
			     "%s: dwz supplementary file %s not found", ef->path, name);
	return alt;
}
