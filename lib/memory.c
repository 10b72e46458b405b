/* The address space of the dead process: PT_LOAD segments sorted by address,
 * each backed by the core's bytes, and past them by the mapped file (NT_FILE)
 * when the kernel did not dump those pages. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "memory.h"
#include "process.h"

#define PF_X 1
#define PF_W 2
#define PF_R 4

#define PAGE 4096u
#define CACHE_PAGES 64u

struct page_cache {
	uint64_t page[CACHE_PAGES];    /* file offset / PAGE, +1 (0: empty) */
	uint8_t data[CACHE_PAGES][PAGE];
};

void memory_init(struct memory *m, const char *name, const uint8_t *data, size_t size,
		 int fd, struct warnings *warn)
{
	memset(m, 0, sizeof(*m));
	m->name = name;
	m->data = data;
	m->size = size;
	m->fd = fd;
	m->warn = warn;
}

void memory_free(struct memory *m)
{
	free(m->pcache);
	free(m->segs);
	free(m->maps);
	m->pcache = NULL;
	m->segs = NULL;
	m->maps = NULL;
	m->nsegs = 0;
}

const struct segment *memory_segment_at(const struct memory *m, uint64_t addr)
{
	/* overlaps are clipped (memory_finish): at most one segment holds addr */
	size_t k = COR_UPPER_BOUND(m->segs, m->nsegs, .start, addr);
	return k && addr < m->segs[k - 1].end ? &m->segs[k - 1] : NULL;
}

struct cor_mapping *memory_mapping_at(struct memory *m, uint64_t addr)
{
	const struct segment *s = memory_segment_at(m, addr);
	return s ? &m->maps[s - m->segs] : NULL;
}

bool memory_add_segment(struct memory *m, uint64_t vaddr, uint64_t memsz, uint64_t offset,
			uint64_t filesz, uint32_t flags)
{
	if (!COR_GROW(m->segs, m->segs_cap, m->nsegs + 1))
		return false;
	struct segment *s = &m->segs[m->nsegs++];
	memset(s, 0, sizeof(*s));
	s->start = vaddr;
	s->end = vaddr + memsz;
	if (s->end < s->start) {
		warnings_add(m->warn, COR_ERR_FORMAT, m->name,
			     "%s: PT_LOAD at 0x%" PRIx64 " with size 0x%" PRIx64 " wraps the address space; cut at the top",
			     m->name, vaddr, memsz);
		s->end = UINT64_MAX;
	}
	s->offset = offset;
	s->flags = flags;
	s->filesz = filesz;
	if (s->filesz > s->end - s->start) {
		warnings_add(m->warn, COR_ERR_FORMAT, m->name,
			     "%s: PT_LOAD at 0x%" PRIx64 ": file size 0x%" PRIx64 " exceeds memory size 0x%" PRIx64 "; extra bytes ignored",
			     m->name, vaddr, filesz, s->end - s->start);
		s->filesz = s->end - s->start;
	}
	if (s->offset < m->size)
		s->present = s->filesz < m->size - s->offset ? s->filesz : m->size - s->offset;
	return true;
}

static int cmp_seg(const void *a, const void *b)
{
	const struct segment *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

static const struct file_map *fmap_at(const struct file_map *f, size_t n, uint64_t addr)
{
	size_t k = COR_UPPER_BOUND(f, n, .start, addr);
	return k && addr < f[k - 1].end ? &f[k - 1] : NULL;
}

/* Overlapping PT_LOADs (never written by a kernel) would make every
 * lookup walk back over all of them: the earlier segment keeps the bytes
 * they share, the later one is cut (mappings keep their recorded ranges). */
static void clip_overlaps(struct memory *m)
{
	uint64_t reach = 0;
	for (size_t i = 0; i < m->nsegs; i++) {
		struct segment *s = &m->segs[i];
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

cor_error *memory_finish(struct memory *m, const struct file_map *fmaps, size_t nfmaps)
{
	if (m->nsegs)
		qsort(m->segs, m->nsegs, sizeof(*m->segs), cmp_seg);
	m->maps = cor_calloc(m->nsegs, sizeof(*m->maps));
	if (m->nsegs && !m->maps)
		return &cor_enomem;
	uint64_t truncated = 0;
	for (size_t i = 0; i < m->nsegs; i++) {
		struct segment *s = &m->segs[i];
		struct cor_mapping *mp = &m->maps[i];
		if (i && s->start < m->segs[i - 1].end)
			warnings_add(m->warn, COR_ERR_FORMAT, m->name,
				     "%s: PT_LOAD segments at 0x%" PRIx64 " and 0x%" PRIx64 " overlap",
				     m->name, m->segs[i - 1].start, s->start);
		if (s->present < s->filesz)
			truncated++;
		s->fmap = fmap_at(fmaps, nfmaps, s->start);
		mp->start = s->start;
		mp->end = s->end;
		mp->read = s->flags & PF_R;
		mp->write = s->flags & PF_W;
		mp->exec = s->flags & PF_X;
		mp->core_offset = s->offset;
		mp->core_bytes = s->present;
		mp->in_core = s->present == 0 ? COR_IN_CORE_NONE :
			s->present == s->end - s->start ? COR_IN_CORE_FULL : COR_IN_CORE_PARTIAL;
		if (s->fmap) {
			mp->path = s->fmap->path;
			mp->offset = s->fmap->pgoff + (s->start - s->fmap->start);
		}
	}
	clip_overlaps(m);
	if (truncated)
		warnings_add(m->warn, COR_ERR_TRUNCATED, m->name,
			     "%s: %" PRIu64 " memory segments are cut short by the truncation; their missing bytes cannot be read",
			     m->name, truncated);
	return NULL;
}

void memory_attach_files(struct memory *m,
			 const struct mapped_file *(*lookup)(void *arg, const char *recorded),
			 void *arg)
{
	for (size_t i = 0; i < m->nsegs; i++) {
		struct segment *s = &m->segs[i];
		s->mf = s->fmap && s->fmap->path ? lookup(arg, s->fmap->path) : NULL;
		m->maps[i].file = s->mf && s->mf->data ? s->mf->opened : NULL;
	}
}

/* Copies n bytes at offset off of the core file (all inside the file). */
static bool core_copy(struct memory *m, uint64_t off, uint8_t *out, size_t n)
{
	if (m->fd < 0 || (!m->pcache && !(m->pcache = cor_calloc(1, sizeof(*m->pcache))))) {
		memcpy(out, m->data + off, n);
		return true;
	}
	while (n) {
		uint64_t pg = off / PAGE;
		unsigned slot = (unsigned)(pg % CACHE_PAGES);
		size_t in = (size_t)(off % PAGE), k = PAGE - in < n ? PAGE - in : n;
		if (m->pcache->page[slot] != pg + 1) {
			ssize_t got = pread(m->fd, m->pcache->data[slot], PAGE, (off_t)(pg * PAGE));
			if (got < 0 || (size_t)got < in + k) {
				m->pcache->page[slot] = 0;
				if (got >= 0)
					errno = EIO;
				return false;
			}
			m->pcache->page[slot] = pg + 1;
		}
		memcpy(out, m->pcache->data[slot] + in, k);
		out += k, off += k, n -= k;
	}
	return true;
}

bool memory_read_core(struct memory *m, uint64_t addr, void *buf, size_t len)
{
	uint8_t *out = buf;
	while (len) {
		const struct segment *s = memory_segment_at(m, addr);
		if (!s || addr - s->start >= s->present)
			return false;
		uint64_t off = addr - s->start;
		size_t n = s->present - off < len ? (size_t)(s->present - off) : len;
		if (!core_copy(m, s->offset + off, out, n))
			return false;
		out += n, addr += n, len -= n;
	}
	return true;
}

/* Copies n bytes at addr from the file behind s; *got gets the count
 * copied before a failure (the file may end first). */
static cor_error *from_file(const struct segment *s, uint64_t addr, uint8_t *out, size_t n,
			    size_t *got)
{
	const struct mapped_file *f = s->mf;
	*got = 0;
	if (!f || !f->data) {
		const char *why = f && f->why ? f->why : "file not found";
		return cor_error_addr(COR_ERR_NOT_DUMPED, addr,
				      "address 0x%" PRIx64 ": not in the core, and the mapped file %s cannot be used (%s)",
				      addr, s->fmap->path, why);
	}
	uint64_t off = s->fmap->pgoff + (addr - s->fmap->start);
	if (off >= s->fmap->pgoff && off < f->size) {
		*got = f->size - off < n ? (size_t)(f->size - off) : n;
		memcpy(out, f->data + off, *got);
		if (*got == n)
			return NULL;
		addr += *got;
		off += *got;
	}
	return cor_error_addr(COR_ERR_NOT_DUMPED, addr,
			      "address 0x%" PRIx64 ": not in the core, and past the end of the mapped file %s (offset 0x%" PRIx64 ", %zu bytes)",
			      addr, f->opened, off, f->size);
}

cor_error *memory_read(struct memory *m, uint64_t addr, void *buf, size_t len, size_t *done)
{
	uint8_t *out = buf;
	size_t total = 0;
	cor_error *err = NULL;
	if (len && addr + len - 1 < addr)
		err = cor_error_addr(COR_ERR_NO_MEMORY, addr, "address 0x%" PRIx64 ": read of %zu bytes wraps the address space", addr, len);
	while (!err && len) {
		const struct segment *s = memory_segment_at(m, addr);
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
			if (!core_copy(m, s->offset + off, out, n)) {
				err = cor_error_errno(errno, m->name, "cannot read");
				break;
			}
		} else if (off < s->filesz) {
			if (n > s->filesz - off)
				n = (size_t)(s->filesz - off);
			/* cut by truncation: unmodified file pages are still right */
			size_t got = 0;
			if (!s->fmap || (s->flags & PF_W) || (err = from_file(s, addr, out, n, &got))) {
				cor_error_free(err);
				total += got;
				err = cor_error_addr(COR_ERR_TRUNCATED, addr + got,
						     "address 0x%" PRIx64 ": past the end of the truncated core (segment at file offset 0x%" PRIx64 " needs 0x%" PRIx64 " bytes, %" PRIu64 " present)",
						     addr + got, s->offset, s->filesz, s->present);
				break;
			}
		} else if (s->fmap) {
			size_t got;
			if ((err = from_file(s, addr, out, n, &got))) {
				total += got;
				break;
			}
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

cor_error *memory_read_cb(void *m, uint64_t addr, void *buf, size_t n)
{
	return memory_read(m, addr, buf, n, NULL);
}

cor_error *memory_read_core_cb(void *m, uint64_t addr, void *buf, size_t n)
{
	if (memory_read_core(m, addr, buf, n))
		return NULL;
	return cor_error_addr(COR_ERR_NOT_DUMPED, addr, "address 0x%" PRIx64 ": %zu bytes not in the core", addr, n);
}

char *memory_read_string(struct memory *m, uint64_t addr, size_t max, struct arena *arena)
{
	struct strbuf sb = {0};
	uint8_t chunk[64];
	while (sb.len < max) {
		size_t got = 0, want = max - sb.len < sizeof(chunk) ? max - sb.len : sizeof(chunk);
		cor_error *err = memory_read(m, addr, chunk, want, &got);
		cor_error_free(err);
		if (!got)
			break;
		const uint8_t *nul = memchr(chunk, 0, got);
		size_t n = nul ? (size_t)(nul - chunk) : got;
		sb_add(&sb, (const char *)chunk, n);
		if (nul || got < want)
			break;
		addr += got;
	}
	char *s = sb.s ? arena_strdup(arena, sb.s) : NULL;
	sb_free(&sb);
	return s;
}

void memory_label(struct memory *m, const struct process *p, struct arena *arena)
{
	uint64_t at;
	struct cor_mapping *mp;
	if (process_auxv(p, AT_SYSINFO_EHDR, &at) && (mp = memory_mapping_at(m, at)) && !mp->path)
		mp->label = "[vdso]";
	if (p->arch && p->arch->arch == COR_ARCH_X86_64 &&
	    (mp = memory_mapping_at(m, 0xffffffffff600000ull)) && !mp->path)
		mp->label = "[vsyscall]";
	if ((process_auxv(p, AT_EXECFN, &at) || process_auxv(p, AT_RANDOM, &at)) &&
	    (mp = memory_mapping_at(m, at)) && !mp->path)
		mp->label = "[stack]";
	for (size_t i = 0; i < p->nthreads && i < 100000; i++) {
		const struct cor_thread *t = &p->threads[i];
		if (!t->have_tid || !(mp = memory_mapping_at(m, t->sp)) || mp->path || mp->label)
			continue;
		char buf[32];
		snprintf(buf, sizeof(buf), "[stack:%d]", t->tid);
		mp->label = arena_strdup(arena, buf);
	}
}
