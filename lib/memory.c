/* The address space of the dead process: PT_LOAD segments sorted by address,
 * each backed by the core's bytes, and past them by the mapped file (NT_FILE)
 * when the kernel did not dump those pages. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "core.h"

#define PF_X 1
#define PF_W 2
#define PF_R 4

static int cmp_seg(const void *a, const void *b)
{
	const struct segment *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

static int cmp_fmap(const void *a, const void *b)
{
	const struct file_map *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

static struct file_map *fmap_at(struct cor_core *c, uint64_t addr)
{
	size_t lo = 0, hi = c->nfmaps;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (c->fmaps[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo && addr < c->fmaps[lo - 1].end)
		return &c->fmaps[lo - 1];
	return NULL;
}

static struct segment *seg_at(struct cor_core *c, uint64_t addr)
{
	size_t lo = 0, hi = c->nsegs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (c->segs[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* overlapping segments: the nearest one that still covers addr */
	while (lo) {
		struct segment *s = &c->segs[--lo];
		if (addr < s->end)
			return s;
		if (lo && c->segs[lo - 1].end <= s->start)
			break;
	}
	return NULL;
}

static struct backing_file *backing_for(struct cor_core *c, const char *path)
{
	for (size_t i = 0; i < c->nbfiles; i++)
		if (!strcmp(c->bfiles[i].recorded, path))
			return &c->bfiles[i];
	return NULL;
}

static cor_error *build_backing(struct cor_core *c)
{
	c->bfiles = cor_calloc(c->nfmaps, sizeof(*c->bfiles));
	if (!c->bfiles)
		return &cor_enomem;
	for (size_t i = 0; i < c->nfmaps; i++) {
		const char *p = c->fmaps[i].path;
		if (!p || backing_for(c, p))
			continue;
		c->bfiles[c->nbfiles++].recorded = p;
	}
	return NULL;
}

#define PAGE 4096u
#define CACHE_PAGES 64u

struct page_cache {
	uint64_t page[CACHE_PAGES];    /* file offset / PAGE, +1 (0: empty) */
	uint8_t data[CACHE_PAGES][PAGE];
};

/* Copies n bytes at offset off of the core file (all inside the file). */
static bool core_copy(struct cor_core *c, uint64_t off, uint8_t *out, size_t n)
{
	if (c->fd < 0) {
		memcpy(out, c->elf->data + off, n);
		return true;
	}
	if (!c->pcache && !(c->pcache = cor_calloc(1, sizeof(*c->pcache)))) {
		memcpy(out, c->elf->data + off, n);
		return true;
	}
	while (n) {
		uint64_t pg = off / PAGE;
		unsigned slot = (unsigned)(pg % CACHE_PAGES);
		size_t in = (size_t)(off % PAGE), k = PAGE - in < n ? PAGE - in : n;
		if (c->pcache->page[slot] != pg + 1) {
			ssize_t got = pread(c->fd, c->pcache->data[slot], PAGE, (off_t)(pg * PAGE));
			if (got < 0 || (size_t)got < in + k) {
				c->pcache->page[slot] = 0;
				if (got >= 0)
					errno = EIO;
				return false;
			}
			c->pcache->page[slot] = pg + 1;
		}
		memcpy(out, c->pcache->data[slot] + in, k);
		out += k, off += k, n -= k;
	}
	return true;
}

/* Overlapping PT_LOADs (never written by a kernel) would make every
 * lookup walk back over all of them: the earlier segment keeps the bytes
 * they share, the later one is cut (mappings keep their recorded ranges). */
static void clip_overlaps(struct cor_core *c)
{
	uint64_t reach = 0;
	for (size_t i = 0; i < c->nsegs; i++) {
		struct segment *s = &c->segs[i];
		if (i && s->start < reach) {
			if (s->end <= reach) {
				s->start = s->end = reach;
				s->filesz = s->present = 0;
				continue;
			}
			uint64_t cut = reach - s->start;
			s->start = reach;
			s->offset += cut;
			s->filesz = s->filesz > cut ? s->filesz - cut : 0;
			s->present = s->present > cut ? s->present - cut : 0;
		}
		if (s->end > reach)
			reach = s->end;
	}
}

static struct cor_mapping *map_at(struct cor_core *c, uint64_t addr)
{
	struct segment *s = seg_at(c, addr);
	return s ? &c->maps[s - c->segs] : NULL;
}

/* Names for anonymous mappings the core identifies: the vDSO (auxv), the
 * vsyscall page, the main stack (holds the auxv strings), threads' stacks. */
static void label_mappings(struct cor_core *c)
{
	uint64_t at;
	struct cor_mapping *m;
	if (cor_core_auxv_get(c, 33 /* AT_SYSINFO_EHDR */, &at) && (m = map_at(c, at)) && !m->path)
		m->label = "[vdso]";
	if (c->arch && c->arch->arch == COR_ARCH_X86_64 && (m = map_at(c, 0xffffffffff600000ull)) &&
	    !m->path)
		m->label = "[vsyscall]";
	if ((cor_core_auxv_get(c, 31 /* AT_EXECFN */, &at) ||
	     cor_core_auxv_get(c, 25 /* AT_RANDOM */, &at)) && (m = map_at(c, at)) && !m->path)
		m->label = "[stack]";
	for (size_t i = 0; i < c->nthreads && i < 100000; i++) {
		const struct cor_thread *t = &c->threads[i];
		if (!(m = map_at(c, t->sp)) || m->path || m->label)
			continue;
		char buf[32];
		snprintf(buf, sizeof(buf), "[stack:%d]", t->tid);
		m->label = arena_strdup(&c->arena, buf);
	}
}

cor_error *memory_build(struct cor_core *c)
{
	struct elf_file *ef = c->elf;
	size_t n = 0;
	for (uint32_t i = 0; i < ef->phnum; i++)
		n += ef->phdrs[i].type == PT_LOAD;
	if (c->nfmaps)
		qsort(c->fmaps, c->nfmaps, sizeof(*c->fmaps), cmp_fmap);
	cor_error *err = build_backing(c);
	if (err)
		return err;
	c->segs = cor_calloc(n, sizeof(*c->segs));
	c->maps = cor_calloc(n, sizeof(*c->maps));
	if (!c->segs || !c->maps)
		return &cor_enomem;
	uint64_t truncated = 0;
	for (uint32_t i = 0; i < ef->phnum; i++) {
		const struct elf_phdr *p = &ef->phdrs[i];
		if (p->type != PT_LOAD)
			continue;
		struct segment *s = &c->segs[c->nsegs++];
		s->start = p->vaddr;
		s->end = p->vaddr + p->memsz;
		if (s->end < s->start) {
			warnings_add(&c->warn, COR_ERR_FORMAT, NULL, "%s: PT_LOAD at 0x%" PRIx64 " with size 0x%" PRIx64 " wraps the address space; cut at the top",
				     ef->path, p->vaddr, p->memsz);
			s->end = UINT64_MAX;
		}
		s->offset = p->offset;
		s->flags = p->flags;
		s->filesz = p->filesz;
		if (s->filesz > s->end - s->start) {
			warnings_add(&c->warn, COR_ERR_FORMAT, NULL, "%s: PT_LOAD at 0x%" PRIx64 ": file size 0x%" PRIx64 " exceeds memory size 0x%" PRIx64 "; extra bytes ignored",
				     ef->path, p->vaddr, p->filesz, p->memsz);
			s->filesz = s->end - s->start;
		}
		s->present = 0;
		if (s->offset < ef->size)
			s->present = s->filesz < ef->size - s->offset ? s->filesz : ef->size - s->offset;
		if (s->present < s->filesz)
			truncated++;
		s->fmap = fmap_at(c, s->start);
		s->bf = s->fmap && s->fmap->path ? backing_for(c, s->fmap->path) : NULL;
	}
	qsort(c->segs, c->nsegs, sizeof(*c->segs), cmp_seg);
	for (size_t i = 0; i < c->nsegs; i++) {
		const struct segment *s = &c->segs[i];
		struct cor_mapping *m = &c->maps[i];
		if (i && s->start < c->segs[i - 1].end)
			warnings_add(&c->warn, COR_ERR_FORMAT, NULL, "%s: PT_LOAD segments at 0x%" PRIx64 " and 0x%" PRIx64 " overlap",
				     ef->path, c->segs[i - 1].start, s->start);
		m->start = s->start;
		m->end = s->end;
		m->read = s->flags & PF_R;
		m->write = s->flags & PF_W;
		m->exec = s->flags & PF_X;
		m->core_offset = s->offset;
		m->core_bytes = s->present;
		m->in_core = s->present == 0 ? COR_IN_CORE_NONE :
			s->present == s->end - s->start ? COR_IN_CORE_FULL : COR_IN_CORE_PARTIAL;
		if (s->fmap) {
			m->path = s->fmap->path;
			m->offset = s->fmap->pgoff + (s->start - s->fmap->start);
		}
	}
	clip_overlaps(c);
	label_mappings(c);
	if (truncated)
		warnings_add(&c->warn, COR_ERR_FORMAT, NULL, "%s: %" PRIu64 " memory segments are cut short by the truncation; their missing bytes cannot be read",
			     ef->path, truncated);
	return NULL;
}

void memory_free(struct cor_core *c)
{
	for (size_t i = 0; i < c->nbfiles; i++) {
		struct backing_file *b = &c->bfiles[i];
		if (b->data && b->size)
			munmap((void *)b->data, b->size);
		free(b->opened);
		free(b->why);
	}
	free(c->bfiles);
	free(c->pcache);
	if (c->fd >= 0)
		close(c->fd);
	free(c->segs);
	free(c->maps);
}

static const char *exec_recorded(struct cor_core *c)
{
	uint64_t at;
	if (!cor_core_auxv_get(c, 3 /* AT_PHDR */, &at) &&
	    !cor_core_auxv_get(c, 9 /* AT_ENTRY */, &at))
		return NULL;
	const struct file_map *f = fmap_at(c, at);
	return f ? f->path : NULL;
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

char *core_resolve_path(struct cor_core *c, const char *recorded)
{
	size_t len = strlen(recorded);
	static const char deleted[] = " (deleted)";
	if (len > sizeof(deleted) - 1 && !strcmp(recorded + len - (sizeof(deleted) - 1), deleted))
		len -= sizeof(deleted) - 1;
	for (size_t i = 0; c->files && c->files[i]; i++) {
		const char *f = c->files[i], *eq = strchr(f, '=');
		if (eq && (size_t)(eq - f) == len && !strncmp(f, recorded, len))
			return cor_strdup(eq + 1);
	}
	for (size_t i = 0; c->files && c->files[i]; i++) {
		const char *f = c->files[i];
		char *rec = cor_strndup(recorded, len);
		bool match = rec && !strchr(f, '=') && !strcmp(base_name(f), base_name(rec));
		free(rec);
		if (match)
			return cor_strdup(f);
	}
	const char *ex = exec_recorded(c);
	if (c->exe && ex && !strcmp(ex, recorded))
		return cor_strdup(c->exe);
	if (c->sysroot)
		return cor_asprintf("%s%s%.*s", c->sysroot,
				    recorded[0] == '/' ? "" : "/", (int)len, recorded);
	return cor_strndup(recorded, len);
}

/* len bytes at addr from the core's own bytes only, never from a mapped file
 * (what a file is checked against must not come from that file). */
static bool core_bytes(struct cor_core *c, uint64_t addr, void *buf, size_t len)
{
	uint8_t *out = buf;
	while (len) {
		struct segment *s = seg_at(c, addr);
		if (!s || addr - s->start >= s->present)
			return false;
		uint64_t off = addr - s->start;
		size_t n = s->present - off < len ? (size_t)(s->present - off) : len;
		if (!core_copy(c, s->offset + off, out, n))
			return false;
		out += n, addr += n, len -= n;
	}
	return true;
}

bool memory_build_id(struct cor_core *c, uint64_t base, uint8_t *id, size_t *len)
{
	uint8_t eh[64];
	if (!core_bytes(c, base, eh, 52) || memcmp(eh, "\177ELF", 4))
		return false;
	bool is64 = eh[4] == 2, be = eh[5] == 2;
	if (is64 && !core_bytes(c, base, eh, 64))
		return false;
	uint64_t phoff = cor_load(eh + (is64 ? 32 : 28), is64 ? 8 : 4, be);
	unsigned phent = (unsigned)cor_load(eh + (is64 ? 54 : 42), 2, be);
	unsigned phnum = (unsigned)cor_load(eh + (is64 ? 56 : 44), 2, be);
	if (phent < (is64 ? 56u : 32u) || phnum > 256)
		return false;
	for (unsigned i = 0; i < phnum; i++) {
		uint8_t ph[56];
		if (!core_bytes(c, base + phoff + (uint64_t)i * phent, ph, is64 ? 56 : 32))
			return false;
		if (cor_load(ph, 4, be) != PT_NOTE)
			continue;
		uint64_t off = cor_load(ph + (is64 ? 8 : 4), is64 ? 8 : 4, be);
		uint64_t size = cor_load(ph + (is64 ? 32 : 16), is64 ? 8 : 4, be);
		uint8_t notes[1024];
		if (size > sizeof(notes))
			size = sizeof(notes);
		if (!core_bytes(c, base + off, notes, (size_t)size))
			continue;
		struct reader r;
		struct elf_note n;
		reader_init(&r, notes, (size_t)size, be, is64 ? 8 : 4);
		while (elf_note_next(&r, 4, &n) == 1)
			if (n.type == NT_GNU_BUILD_ID && elf_note_is(&n, "GNU") &&
			    n.descsz && n.descsz <= 64) {
				memcpy(id, n.desc, (size_t)n.descsz);
				*len = (size_t)n.descsz;
				return true;
			}
	}
	return false;
}

/* Compares the file's build-id with the one in the core's copy of its ELF
 * header (the mapping of offset 0 of the same path). */
static bool check_build_id(struct cor_core *c, struct backing_file *b)
{
	struct elf_file *ef;
	cor_error *err = elf_open_mem(b->data, b->size, b->opened, &c->limits, NULL, &ef);
	if (err) {
		cor_error_free(err);
		return true; /* not ELF: nothing to compare */
	}
	const uint8_t *fid;
	size_t flen;
	bool have_file = elf_build_id(ef, &fid, &flen);
	bool ok = true;
	for (size_t i = 0; have_file && i < c->nfmaps; i++) {
		uint8_t mid[64];
		size_t mlen;
		if (c->fmaps[i].pgoff != 0 || !c->fmaps[i].path ||
		    strcmp(c->fmaps[i].path, b->recorded) ||
		    !memory_build_id(c, c->fmaps[i].start, mid, &mlen))
			continue;
		if (mlen != flen || memcmp(mid, fid, flen)) {
			char *h1 = cor_hex(fid, flen), *h2 = cor_hex(mid, mlen);
			b->why = cor_asprintf("build-id %s of %s differs from build-id %s in the core",
					      h1 ? h1 : "?", b->opened, h2 ? h2 : "?");
			free(h1);
			free(h2);
			ok = false;
		}
		break;
	}
	elf_close(ef);
	return ok;
}

static void backing_open(struct cor_core *c, struct backing_file *b)
{
	b->tried = true;
	b->opened = core_resolve_path(c, b->recorded);
	if (!b->opened)
		return;
	int fd = open(b->opened, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		b->why = cor_asprintf("%s: %s", b->opened, fd < 0 ? "cannot open" : "not a regular file");
		if (fd < 0 && b->why) {
			char *w = cor_asprintf("%s: %s", b->why, strerror(errno));
			free(b->why);
			b->why = w;
		}
		if (fd >= 0)
			close(fd);
		return;
	}
	if (st.st_size > 0) {
		void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (p != MAP_FAILED) {
			b->data = p;
			b->size = (size_t)st.st_size;
		} else {
			b->why = cor_asprintf("%s: cannot map: %s", b->opened, strerror(errno));
		}
	}
	close(fd);
	if (!b->data && !b->why)
		b->why = cor_asprintf("%s: empty file", b->opened);
	if (b->data && !check_build_id(c, b)) {
		b->rejected = true;
		warnings_add(&c->warn, COR_ERR_FORMAT, NULL, "%s: not used", b->why);
		munmap((void *)b->data, b->size);
		b->data = NULL;
		b->size = 0;
	}
}

const struct backing_file *memory_file(struct cor_core *c, const char *recorded)
{
	struct backing_file *b = backing_for(c, recorded);
	if (b && !b->tried)
		backing_open(c, b);
	return b;
}

static const struct backing_file *backing(struct cor_core *c, struct segment *s)
{
	if (!s->bf)
		return NULL;
	if (!s->bf->tried)
		backing_open(c, s->bf);
	return s->bf->data ? s->bf : NULL;
}

static cor_error *from_file(struct cor_core *c, struct segment *s, uint64_t addr,
			    uint8_t *out, size_t n)
{
	const struct backing_file *b = backing(c, s);
	if (!b) {
		const char *why = s->bf && s->bf->why ? s->bf->why : "file not found";
		return cor_error_addr(COR_ERR_NOT_DUMPED, addr,
				      "address 0x%" PRIx64 ": not in the core, and the mapped file %s cannot be used (%s)",
				      addr, s->fmap->path, why);
	}
	uint64_t off = s->fmap->pgoff + (addr - s->fmap->start);
	if (off < s->fmap->pgoff || off > b->size || n > b->size - off)
		return cor_error_addr(COR_ERR_NOT_DUMPED, addr,
				      "address 0x%" PRIx64 ": not in the core, and past the end of the mapped file %s (offset 0x%" PRIx64 ", %zu bytes)",
				      addr, b->opened, off, b->size);
	memcpy(out, b->data + off, n);
	return NULL;
}

cor_error *cor_core_read(cor_core *c, uint64_t addr, void *buf, size_t len, size_t *done)
{
	uint8_t *out = buf;
	size_t total = 0;
	cor_error *err = NULL;
	if (len && addr + len - 1 < addr)
		err = cor_error_addr(COR_ERR_NO_MEMORY, addr, "address 0x%" PRIx64 ": read of %zu bytes wraps the address space", addr, len);
	while (!err && len) {
		struct segment *s = seg_at(c, addr);
		if (!s) {
			err = cor_error_addr(COR_ERR_NO_MEMORY, addr, "address 0x%" PRIx64 " is not mapped in the process", addr);
			break;
		}
		uint64_t off = addr - s->start;
		uint64_t room = s->end - addr;
		size_t n = room < len ? (size_t)room : len;
		if (off < s->present) {
			if (n > s->present - off)
				n = (size_t)(s->present - off);
			if (!core_copy(c, s->offset + off, out, n)) {
				err = cor_error_errno(errno, c->elf->path, "cannot read");
				break;
			}
		} else if (off < s->filesz) {
			if (n > s->filesz - off)
				n = (size_t)(s->filesz - off);
			/* cut by truncation: unmodified file pages are still right */
			if (!s->fmap || (s->flags & PF_W) || (err = from_file(c, s, addr, out, n))) {
				cor_error_free(err);
				err = cor_error_addr(COR_ERR_TRUNCATED, addr,
						     "address 0x%" PRIx64 ": past the end of the truncated core (segment at file offset 0x%" PRIx64 " needs 0x%" PRIx64 " bytes, %" PRIu64 " present)",
						     addr, s->offset, s->filesz, s->present);
				break;
			}
		} else if (s->fmap) {
			if ((err = from_file(c, s, addr, out, n)))
				break;
		} else {
			err = cor_error_addr(COR_ERR_NOT_DUMPED, addr,
					     "address 0x%" PRIx64 ": anonymous memory not dumped in the core (coredump_filter)", addr);
			break;
		}
		out += n, addr += n, len -= n, total += n;
	}
	if (done)
		*done = total;
	return err;
}

char *memory_read_string(struct cor_core *c, uint64_t addr, size_t max)
{
	struct strbuf sb = {0};
	uint8_t chunk[64];
	while (sb.len < max) {
		size_t got = 0;
		cor_error *err = cor_core_read(c, addr, chunk, sizeof(chunk), &got);
		cor_error_free(err);
		if (!got)
			break;
		const uint8_t *nul = memchr(chunk, 0, got);
		size_t n = nul ? (size_t)(nul - chunk) : got;
		sb_escape(&sb, chunk, n);
		if (nul || got < sizeof(chunk))
			break;
		addr += got;
	}
	char *s = sb.s ? arena_strdup(&c->arena, sb.s) : NULL;
	sb_free(&sb);
	return s;
}

size_t cor_core_mapping_count(const cor_core *c) { return c->nsegs; }

const struct cor_mapping *cor_core_mapping(const cor_core *c, size_t i)
{
	if (i >= c->nsegs)
		return NULL;
	struct cor_mapping *m = &c->maps[i];
	const struct segment *s = &c->segs[i];
	m->file = s->bf && s->bf->data ? s->bf->opened : NULL;
	return m;
}

const struct cor_mapping *cor_core_mapping_at(const cor_core *c, uint64_t addr)
{
	struct segment *s = seg_at((struct cor_core *)c, addr);
	return s ? cor_core_mapping(c, (size_t)(s - c->segs)) : NULL;
}
