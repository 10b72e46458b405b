/* ELF files: header, program and section headers (normalized), section data
 * (decompressed when SHF_COMPRESSED), notes, build-id. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "elf.h"
#include "decompress.h"

#define ELFCOMPRESS_ZLIB 1
#define ELFCOMPRESS_ZSTD 2
#define SHN_XINDEX 0xffff
#define SHN_LORESERVE 0xff00
/* declared size over compressed size above which a section is a bomb */
#define MAX_RATIO 100
#define RATIO_FROM (1u << 20)   /* ... when it declares more than this */

static void note_end(struct elf_file *ef, uint64_t off, uint64_t len)
{
	uint64_t end = off + len;
	if (end < off)
		end = UINT64_MAX;
	if (end > ef->expected_size)
		ef->expected_size = end;
}

cor_error *elf_ehdr_decode(const uint8_t *d, size_t n, const char *name, struct elf_ehdr *h)
{
	memset(h, 0, sizeof(*h));
	if (n < 16 || memcmp(d, "\177ELF", 4) != 0)
		return cor_error_format(name, 0, "not an ELF file%s",
					n < 16 ? " (shorter than an ELF identification)" : "");
	if (d[4] != 1 && d[4] != 2)
		return cor_error_format(name, 4, "bad ELF class %u", d[4]);
	if (d[5] != 1 && d[5] != 2)
		return cor_error_format(name, 5, "bad ELF byte order %u", d[5]);
	h->is64 = d[4] == 2;
	h->be = d[5] == 2;
	h->osabi = d[7];
	size_t ehsize = h->is64 ? 64 : 52;
	if (n < ehsize)
		return cor_error_format(name, n, "truncated ELF header (%zu bytes needed, %zu present)",
					ehsize, n);
	struct reader r;
	reader_init(&r, d, ehsize, h->be, h->is64 ? 8 : 4);
	reader_seek(&r, 16);
	uint32_t version;
	uint16_t ehsz;
	reader_u16(&r, &h->type);
	reader_u16(&r, &h->machine);
	reader_u32(&r, &version);
	reader_addr(&r, &h->entry);
	reader_addr(&r, &h->phoff);
	reader_addr(&r, &h->shoff);
	reader_u32(&r, &h->flags);
	reader_u16(&r, &ehsz);
	reader_u16(&r, &h->phentsize);
	reader_u16(&r, &h->phnum);
	reader_u16(&r, &h->shentsize);
	reader_u16(&r, &h->shnum);
	reader_u16(&r, &h->shstrndx);
	return NULL;
}

void elf_phdr_decode(const uint8_t *b, bool is64, bool be, struct elf_phdr *p)
{
	struct reader r;
	reader_init(&r, b, is64 ? 56 : 32, be, is64 ? 8 : 4);
	reader_u32(&r, &p->type);
	if (is64) {
		reader_u32(&r, &p->flags);
		reader_u64(&r, &p->offset);
		reader_u64(&r, &p->vaddr);
		reader_u64(&r, &p->paddr);
		reader_u64(&r, &p->filesz);
		reader_u64(&r, &p->memsz);
		reader_u64(&r, &p->align);
	} else {
		uint32_t v[7];
		for (int k = 0; k < 7; k++)
			reader_u32(&r, &v[k]);
		p->offset = v[0], p->vaddr = v[1], p->paddr = v[2];
		p->filesz = v[3], p->memsz = v[4], p->flags = v[5], p->align = v[6];
	}
}

static cor_error *parse_ehdr(struct elf_file *ef)
{
	struct elf_ehdr h;
	cor_error *err = elf_ehdr_decode(ef->data, ef->size, ef->path, &h);
	if (err)
		return err;
	ef->is64 = h.is64;
	ef->be = h.be;
	ef->addr_size = h.is64 ? 8 : 4;
	ef->osabi = h.osabi;
	ef->type = h.type;
	ef->machine = h.machine;
	ef->flags = h.flags;
	ef->entry = h.entry;
	ef->phoff = h.phoff;
	ef->shoff = h.shoff;
	ef->phentsize = h.phentsize;
	ef->shentsize = h.shentsize;
	ef->phnum = h.phnum;
	ef->shnum = h.shnum;
	ef->shstrndx = h.shstrndx;
	ef->expected_size = h.is64 ? 64 : 52;
	return NULL;
}

/* Section 0 carries the real counts when they overflow 16 bits. */
static void read_shdr0(struct elf_file *ef)
{
	size_t shsz = ef->is64 ? 64 : 40;
	struct reader r;
	if (ef->shoff == 0 || ef->shentsize < shsz || !elf_range(ef, ef->shoff, shsz, &r))
		return;
	uint64_t size = 0;
	uint32_t link = 0;
	reader_skip(&r, ef->is64 ? 32 : 20);
	reader_uint(&r, ef->addr_size, &size);
	reader_u32(&r, &link);
	if (ef->shnum == 0)
		ef->shnum = size > UINT32_MAX ? UINT32_MAX : (uint32_t)size;
	if (ef->shstrndx == SHN_XINDEX)
		ef->shstrndx = link;
	if (ef->phnum == PN_XNUM) {
		uint32_t info = 0;
		reader_u32(&r, &info);
		ef->phnum = info;
	}
}

static cor_error *parse_phdrs(struct elf_file *ef)
{
	size_t phsz = ef->is64 ? 56 : 32;
	if (ef->phnum == 0)
		return NULL;
	if (ef->phentsize < phsz)
		return cor_error_format(ef->path, ef->is64 ? 54 : 42,
					"program header entry size %u is smaller than %zu",
					ef->phentsize, phsz);
	uint64_t have = ef->phoff < ef->size ? (ef->size - ef->phoff) / ef->phentsize : 0;
	uint64_t want = ef->phnum;
	note_end(ef, ef->phoff, want * ef->phentsize);
	if (have < want) {
		if (have == 0)
			return cor_error_format(ef->path, ef->phoff,
						"program header table (%" PRIu64 " entries) is past the end of the file (%zu bytes)",
						want, ef->size);
		warnings_add(ef->warn, COR_ERR_FORMAT, ef->path, "%s: offset 0x%" PRIx64 ": file truncated: only %" PRIu64 " of %" PRIu64 " program headers present",
			     ef->path, ef->phoff, have, want);
		ef->phnum = (uint32_t)have;
	}
	ef->phdrs = cor_calloc(ef->phnum, sizeof(*ef->phdrs));
	if (!ef->phdrs)
		return &cor_enomem;
	for (uint32_t i = 0; i < ef->phnum; i++) {
		struct elf_phdr *p = &ef->phdrs[i];
		elf_phdr_decode(ef->data + ef->phoff + (uint64_t)i * ef->phentsize, ef->is64, ef->be, p);
		note_end(ef, p->offset, p->filesz);
	}
	return NULL;
}

static void parse_shdrs(struct elf_file *ef)
{
	size_t shsz = ef->is64 ? 64 : 40;
	if (ef->shoff == 0 || ef->shnum == 0) {
		ef->shnum = 0;
		return;
	}
	if (ef->shentsize < shsz) {
		warnings_add(ef->warn, COR_ERR_FORMAT, ef->path, "%s: section header entry size %u is smaller than %zu; sections ignored",
			     ef->path, ef->shentsize, shsz);
		ef->shnum = 0;
		return;
	}
	uint64_t have = ef->shoff < ef->size ? (ef->size - ef->shoff) / ef->shentsize : 0;
	if (have < ef->shnum) {
		if (ef->type != ET_CORE)
			warnings_add(ef->warn, COR_ERR_FORMAT, ef->path, "%s: offset 0x%" PRIx64 ": section header table runs past the end of the file (%" PRIu64 " of %u entries present)",
				     ef->path, ef->shoff, have, ef->shnum);
		ef->shnum = (uint32_t)have;
	}
	if (ef->shnum == 0)
		return;
	ef->shdrs = cor_calloc(ef->shnum, sizeof(*ef->shdrs));
	if (!ef->shdrs) {
		ef->shnum = 0;
		return;
	}
	for (uint32_t i = 0; i < ef->shnum; i++) {
		struct reader r;
		struct elf_shdr *s = &ef->shdrs[i];
		elf_range(ef, ef->shoff + (uint64_t)i * ef->shentsize, shsz, &r);
		reader_u32(&r, &s->name_off);
		reader_u32(&r, &s->type);
		reader_uint(&r, ef->addr_size, &s->flags);
		reader_uint(&r, ef->addr_size, &s->addr);
		reader_uint(&r, ef->addr_size, &s->offset);
		reader_uint(&r, ef->addr_size, &s->size);
		reader_u32(&r, &s->link);
		reader_u32(&r, &s->info);
		reader_uint(&r, ef->addr_size, &s->addralign);
		reader_uint(&r, ef->addr_size, &s->entsize);
		s->name = "";
	}
	if (ef->shstrndx >= ef->shnum)
		return;
	const struct elf_shdr *str = &ef->shdrs[ef->shstrndx];
	struct reader sr;
	if (str->type == SHT_NOBITS || !elf_range(ef, str->offset, str->size, &sr))
		return;
	for (uint32_t i = 0; i < ef->shnum; i++) {
		struct reader r = sr;
		const char *name;
		if (reader_seek(&r, ef->shdrs[i].name_off) && reader_cstr(&r, &name))
			ef->shdrs[i].name = name;
	}
}

static cor_error *elf_parse(struct elf_file *ef)
{
	cor_error *err = parse_ehdr(ef);
	if (err)
		return err;
	read_shdr0(ef);
	err = parse_phdrs(ef);
	if (err)
		return err;
	parse_shdrs(ef);
	return NULL;
}

static struct elf_file *elf_alloc(const char *name, const struct limits *lim,
				  struct warnings *warn)
{
	struct elf_file *ef = cor_calloc(1, sizeof(*ef));
	if (!ef)
		return NULL;
	ef->path = cor_strdup(name ? name : "(memory)");
	if (!ef->path) {
		free(ef);
		return NULL;
	}
	if (lim)
		ef->limits = *lim;
	else
		limits_resolve(&ef->limits, NULL);
	ef->warn = warn;
	ef->refs = 1;
	return ef;
}

cor_error *elf_open_mem(const void *data, size_t size, const char *name,
			const struct limits *lim, struct warnings *warn,
			struct elf_file **out)
{
	struct elf_file *ef = elf_alloc(name, lim, warn);
	if (!ef)
		return &cor_enomem;
	ef->data = data;
	ef->size = size;
	cor_error *err = elf_parse(ef);
	if (err) {
		elf_close(ef);
		return err;
	}
	*out = ef;
	return NULL;
}

/* The ELF file in data[0..size), our mapping (unmapped on failure). */
static cor_error *elf_open_mapped(const uint8_t *data, size_t size, const char *name,
				  const struct limits *lim, struct warnings *warn,
				  struct elf_file **out)
{
	struct elf_file *ef = elf_alloc(name, lim, warn);
	if (!ef) {
		cor_unmap_file(data, size);
		return &cor_enomem;
	}
	ef->data = data;
	ef->size = size;
	ef->mapped = size > 0;
	cor_error *err = elf_parse(ef);
	if (err) {
		elf_close(ef);
		return err;
	}
	*out = ef;
	return NULL;
}

cor_error *elf_open(const char *path, const struct limits *lim,
		    struct warnings *warn, struct elf_file **out)
{
	const uint8_t *data;
	size_t size;
	cor_error *err = cor_map_file(path, &data, &size);
	if (err)
		return err;
	return elf_open_mapped(data, size, path, lim, warn, out);
}

cor_error *elf_open_fd(int fd, uint64_t size, const char *name, const struct limits *lim,
		       struct warnings *warn, struct elf_file **out)
{
	const uint8_t *data;
	size_t n;
	cor_error *err = cor_map_fd(fd, name, size, &data, &n);
	if (err)
		return err;
	return elf_open_mapped(data, n, name, lim, warn, out);
}

void elf_advise_random(struct elf_file *ef)
{
	if (ef->mapped)
		madvise((void *)ef->data, ef->size, MADV_RANDOM);
}

struct elf_file *elf_ref(struct elf_file *ef)
{
	if (ef)
		ef->refs++;
	return ef;
}

void elf_close(struct elf_file *ef)
{
	if (!ef || --ef->refs > 0)
		return;
	for (uint32_t i = 0; ef->shdrs && i < ef->shnum; i++) {
		free(ef->shdrs[i].inflated);
		budget_give(ef->limits.budget, ef->shdrs[i].charged);
		cor_error_free(ef->shdrs[i].inflate_err);
	}
	if (ef->mapped)
		munmap((void *)ef->data, ef->size);
	free(ef->phdrs);
	free(ef->shdrs);
	free(ef->path);
	free(ef);
}

bool elf_range(const struct elf_file *ef, uint64_t off, uint64_t len,
	       struct reader *r)
{
	if (off > ef->size || len > ef->size - off)
		return false;
	reader_init(r, ef->data + off, (size_t)len, ef->be, ef->addr_size);
	return true;
}

void elf_reader(const struct elf_file *ef, struct reader *r)
{
	reader_init(r, ef->data, ef->size, ef->be, ef->addr_size);
}

const struct elf_shdr *elf_section_by_name(const struct elf_file *ef, const char *name)
{
	for (uint32_t i = 0; i < ef->shnum; i++)
		if (!strcmp(ef->shdrs[i].name, name))
			return &ef->shdrs[i];
	return NULL;
}

const struct elf_shdr *elf_section_by_type(const struct elf_file *ef, uint32_t type)
{
	for (uint32_t i = 0; i < ef->shnum; i++)
		if (ef->shdrs[i].type == type)
			return &ef->shdrs[i];
	return NULL;
}

static cor_error *inflate_section(struct elf_file *ef, struct elf_shdr *sh,
				  struct reader *r)
{
	uint32_t type;
	uint64_t size;
	if (!reader_u32(r, &type) || (ef->is64 && !reader_skip(r, 4)) ||
	    !reader_uint(r, ef->addr_size, &size) || !reader_skip(r, ef->addr_size))
		return cor_error_format(ef->path, sh->offset,
					"section %s: truncated compression header", sh->name);
	enum cor_compression kind;
	if (type == ELFCOMPRESS_ZLIB)
		kind = COR_ZLIB;
	else if (type == ELFCOMPRESS_ZSTD)
		kind = COR_ZSTD;
	else
		return cor_error_format(ef->path, sh->offset,
					"section %s: unknown compression type %u", sh->name, type);
	/* real debug info compresses 2-10x; a bomb 1000x and more */
	uint64_t packed = reader_left(r);
	bool counted = size <= ef->limits.max_decompressed; /* else cor_decompress refuses it */
	if (counted && !ef->limits.memory_raised && size > RATIO_FROM && size / MAX_RATIO > packed)
		return cor_error_new(COR_ERR_LIMIT, "%s: section %s: %" PRIu64 " bytes compressed to %"
				     PRIu64 " (more than %dx): refused (a larger --max-memory allows it)",
				     ef->path, sh->name, size, packed, MAX_RATIO);
	if (counted && !budget_take(ef->limits.budget, size))
		return cor_error_new(COR_ERR_LIMIT, "%s: section %s: %" PRIu64 " bytes decompressed "
				     "do not fit in the memory budget (%" PRIu64 " of %" PRIu64
				     " bytes left): skipped (see --max-memory)", ef->path, sh->name,
				     size, budget_left(ef->limits.budget), ef->limits.max_memory);
	char *what = cor_asprintf("%s: section %s", ef->path, sh->name);
	cor_error *err = what ? cor_decompress(kind, r->pos, reader_left(r), size,
					       ef->limits.max_decompressed, what,
					       &sh->inflated, &sh->inflated_size) : &cor_enomem;
	free(what);
	if (err && counted)
		budget_give(ef->limits.budget, size);
	else if (!err)
		sh->charged = size;
	return err;
}

cor_error *elf_section_data(struct elf_file *ef, const struct elf_shdr *csh,
			    const uint8_t **data, size_t *size)
{
	struct elf_shdr *sh = (struct elf_shdr *)csh;
	struct reader r;
	if (sh->type == SHT_NOBITS)
		return cor_error_new(COR_ERR_NOT_FOUND, "%s: section %s has no data (SHT_NOBITS)",
				     ef->path, sh->name);
	if (!elf_range(ef, sh->offset, sh->size, &r))
		return cor_error_format(ef->path, sh->offset,
					"section %s (size 0x%" PRIx64 ") runs past the end of the file (%zu bytes)",
					sh->name, sh->size, ef->size);
	if (!(sh->flags & SHF_COMPRESSED)) {
		*data = r.pos;
		*size = reader_left(&r);
		return NULL;
	}
	if (!sh->inflated && !sh->inflate_err)
		sh->inflate_err = inflate_section(ef, sh, &r);
	if (sh->inflate_err)
		return cor_error_new(cor_error_code(sh->inflate_err), "%s",
				     cor_error_message(sh->inflate_err));
	*data = sh->inflated;
	*size = sh->inflated_size;
	return NULL;
}

int elf_note_next(struct reader *r, unsigned align, struct elf_note *n)
{
	uint32_t namesz, descsz, type;
	if (reader_left(r) == 0)
		return 0;
	size_t start = reader_off(r);
	if (!reader_u32(r, &namesz) || !reader_u32(r, &descsz) || !reader_u32(r, &type))
		goto bad;
	const uint8_t *name, *desc;
	uint64_t namepad = ((uint64_t)namesz + align - 1) & ~(uint64_t)(align - 1);
	uint64_t descpad = ((uint64_t)descsz + align - 1) & ~(uint64_t)(align - 1);
	if (!reader_bytes(r, namesz, &name) || !reader_skip(r, namepad - namesz))
		goto bad;
	n->offset = reader_off(r);
	if (!reader_bytes(r, descsz, &desc))
		goto bad;
	if (!reader_skip(r, descpad - descsz))
		r->pos = r->end; /* last note may lack padding */
	n->type = type;
	n->name = (const char *)name;
	n->namesz = namesz && !name[namesz - 1] ? namesz - 1 : namesz;
	n->desc = desc;
	n->descsz = descsz;
	return 1;
bad:
	r->pos = r->base + start;
	return -1;
}

bool elf_note_is(const struct elf_note *n, const char *name)
{
	size_t len = strlen(name);
	return n->namesz == len && !memcmp(n->name, name, len);
}

static bool find_build_id(struct reader *r, unsigned align, const uint8_t **id, size_t *len)
{
	struct elf_note n;
	while (elf_note_next(r, align, &n) == 1) {
		if (n.type == NT_GNU_BUILD_ID && elf_note_is(&n, "GNU") &&
		    n.descsz > 0 && n.descsz <= 64) {
			*id = n.desc;
			*len = n.descsz;
			return true;
		}
	}
	return false;
}

bool elf_build_id(const struct elf_file *ef, const uint8_t **id, size_t *len)
{
	struct reader r;
	for (uint32_t i = 0; i < ef->phnum; i++) {
		const struct elf_phdr *p = &ef->phdrs[i];
		if (p->type == PT_NOTE && elf_range(ef, p->offset, p->filesz, &r) &&
		    find_build_id(&r, p->align == 8 ? 8 : 4, id, len))
			return true;
	}
	for (uint32_t i = 0; i < ef->shnum; i++) {
		const struct elf_shdr *s = &ef->shdrs[i];
		if (s->type == SHT_NOTE && elf_range(ef, s->offset, s->size, &r) &&
		    find_build_id(&r, s->addralign == 8 ? 8 : 4, id, len))
			return true;
	}
	return false;
}

bool elf_debuglink(struct elf_file *ef, const char **name, uint32_t *crc)
{
	const struct elf_shdr *sh = elf_section_by_name(ef, ".gnu_debuglink");
	const uint8_t *d;
	size_t n;
	if (!sh || sh->type == SHT_NOBITS)
		return false;
	cor_error *err = elf_section_data(ef, sh, &d, &n);
	if (err) {
		cor_error_free(err);
		return false;
	}
	struct reader r;
	reader_init(&r, d, n, ef->be, ef->addr_size);
	if (!reader_cstr(&r, name))
		return false;
	size_t off = (reader_off(&r) + 3) & ~(size_t)3;
	return reader_seek(&r, off) && reader_u32(&r, crc);
}

/* ---- an ELF image in the process's memory ---- */

static bool image_bytes(const struct elf_image_src *src, uint64_t addr, void *buf, size_t n)
{
	cor_error *err = src->read(src->arg, addr, buf, n);
	if (err) {
		cor_error_free(err);
		return false;
	}
	return true;
}

bool elf_image_open(const struct elf_image_src *src, uint64_t base, struct elf_ehdr *h)
{
	uint8_t eh[64];
	if (!image_bytes(src, base, eh, 52) || (eh[4] == 2 && !image_bytes(src, base, eh, 64)))
		return false;
	cor_error *err = elf_ehdr_decode(eh, eh[4] == 2 ? 64 : 52, NULL, h);
	if (err) {
		cor_error_free(err);
		return false;
	}
	return h->phentsize >= (h->is64 ? 56 : 32);
}

bool elf_image_phdr(const struct elf_image_src *src, const struct elf_ehdr *h, uint64_t phaddr,
		    unsigned i, struct elf_phdr *p)
{
	uint8_t b[56];
	if (!image_bytes(src, phaddr + (uint64_t)i * h->phentsize, b, h->is64 ? 56 : 32))
		return false;
	elf_phdr_decode(b, h->is64, h->be, p);
	return true;
}

bool elf_image_build_id(const struct elf_image_src *src, uint64_t base, uint8_t *id, size_t *len)
{
	struct elf_ehdr h;
	if (!elf_image_open(src, base, &h) || h.phnum > 256)
		return false;
	for (unsigned i = 0; i < h.phnum; i++) {
		struct elf_phdr p;
		if (!elf_image_phdr(src, &h, base + h.phoff, i, &p))
			return false;
		if (p.type != PT_NOTE)
			continue;
		uint8_t notes[1024];
		size_t size = p.filesz < sizeof(notes) ? (size_t)p.filesz : sizeof(notes);
		if (!image_bytes(src, base + p.offset, notes, size))
			continue;
		struct reader r;
		const uint8_t *found;
		reader_init(&r, notes, size, h.be, h.is64 ? 8 : 4);
		if (find_build_id(&r, 4, &found, len)) {
			memcpy(id, found, *len);
			return true;
		}
	}
	return false;
}
