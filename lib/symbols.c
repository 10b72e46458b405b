/* ELF symbol tables: .symtab and .dynsym read through a reader (either
 * class, either byte order), filtered, sorted by address and deduplicated.
 *
 * Names: each string table section a kept symbol points into is copied once
 * (however many symbol tables link to it) into a block owned by the symtab,
 * so the elf_file may be closed afterwards. A symbol table section is read
 * once however many headers describe the same bytes. The symbols and the
 * copies are taken from the core's memory budget (limits.budget).
 *
 * ppc64 ELFv1 (big endian; e_flags & 3 is 1, or 0): a function symbol's
 * value is its descriptor in .opd, whose first 8 bytes are the entry; the
 * symbol is kept at the entry, with its size. */
#include <stdlib.h>
#include <string.h>
#include "config.h"
#include "symbols.h"
#ifdef HAVE_ZLIB
#include <zlib.h>
#endif
#ifdef HAVE_LIBIBERTY
#include <libiberty/demangle.h>
#endif

#define STB_LOCAL 0
#define STB_GLOBAL 1
#define STB_WEAK 2
#define STB_GNU_UNIQUE 10
#define STT_NOTYPE 0
#define STT_OBJECT 1
#define STT_FUNC 2
#define STT_GNU_IFUNC 10
#define SHN_UNDEF 0
#define SHN_LORESERVE 0xff00
#define SHN_XINDEX 0xffff

/* sized symbols this far back are checked for one enclosing an address */
#define NEST_SCAN 16
/* longest name handed to the demangler (it uses stack in proportion) */
#define DEMANGLE_MAX 4096
/* distinct symbol table sections read per file (real ones have two) */
#define MAX_TABLES 16

struct sym {
	uint64_t value, size;
	const char *name;
	unsigned rank;          /* higher wins among symbols at one address */
	bool thumb;             /* ARM: Thumb code */
	size_t seq;             /* order of reading: the first of equals wins */
};

/* A copied string table: section link of the file ef (only compared). */
struct block {
	const struct elf_file *ef;
	uint32_t link;
	char *p;
};

struct symtab {
	struct sym *v;
	size_t n, cap;
	size_t nall;            /* v[n .. nall): aliases, for lookups by name */
	const struct sym **byname; /* v[0 .. nall) by name, built on first use */
	bool byname_done;
	struct block *blocks;   /* copied string tables */
	size_t nblocks, blockcap;
	bool sorted;
	struct budget *budget;  /* of the first file added */
	uint64_t charged;       /* bytes taken from it */
};

struct symtab *symtab_new(void)
{
	return cor_calloc(1, sizeof(struct symtab));
}

void symtab_free(struct symtab *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->nblocks; i++)
		free(st->blocks[i].p);
	budget_give(st->budget, st->charged);
	free(st->blocks);
	free(st->byname);
	free(st->v);
	free(st);
}

size_t symtab_count(const struct symtab *st)
{
	return st->n;
}

/* One symbol table entry, either layout. */
struct raw_sym {
	uint32_t name;
	uint8_t info;
	uint16_t shndx;
	uint64_t value, size;
};

static bool read_sym(struct reader *r, bool is64, struct raw_sym *s)
{
	uint8_t other;
	if (is64)
		return reader_u32(r, &s->name) && reader_u8(r, &s->info) &&
		       reader_u8(r, &other) && reader_u16(r, &s->shndx) &&
		       reader_u64(r, &s->value) && reader_u64(r, &s->size);
	uint32_t v = 0, sz = 0;
	bool ok = reader_u32(r, &s->name) && reader_u32(r, &v) &&
		  reader_u32(r, &sz) && reader_u8(r, &s->info) &&
		  reader_u8(r, &other) && reader_u16(r, &s->shndx);
	s->value = v;
	s->size = sz;
	return ok;
}

/* Rank for a symbol worth keeping, or -1 to skip it. */
static int sym_rank(const struct raw_sym *s, bool from_symtab)
{
	unsigned type = s->info & 0xf, bind = s->info >> 4, t, b;
	if (s->shndx == SHN_UNDEF ||
	    (s->shndx >= SHN_LORESERVE && s->shndx != SHN_XINDEX))
		return -1;
	if (type == STT_FUNC || type == STT_GNU_IFUNC)
		t = 2;
	else if (type == STT_NOTYPE && s->value != 0)
		t = 1;
	else if (type == STT_OBJECT)
		t = 0;
	else
		return -1;
	if (bind == STB_GLOBAL || bind == STB_GNU_UNIQUE)
		b = 2;
	else if (bind == STB_WEAK)
		b = 1;
	else
		b = 0;
	return (int)(t << 4 | b << 2 | (s->size != 0) << 1 | from_symtab);
}

/* The string table of a symbol table, or false (with a warning). */
static bool strtab_of(struct elf_file *ef, const struct elf_shdr *sh,
		      const uint8_t **str, size_t *strn)
{
	if (sh->link == 0 || sh->link >= ef->shnum ||
	    ef->shdrs[sh->link].type != SHT_STRTAB) {
		warnings_add(ef->warn, COR_ERR_FORMAT, ef->path, "%s: section %s: link %u is not a string table",
			     ef->path, sh->name, sh->link);
		return false;
	}
	cor_error *err = elf_section_data(ef, &ef->shdrs[sh->link], str, strn);
	if (err) {
		warnings_error(ef->warn, ef->path, err);
		return false;
	}
	return true;
}

static bool charge(struct symtab *st, uint64_t n)
{
	if (!budget_take(st->budget, n))
		return false;
	st->charged += n;
	return true;
}

/* The copy of string table section link of ef, made on first use. */
static char *keep_strtab(struct symtab *st, const struct elf_file *ef, uint32_t link,
			 const uint8_t *str, size_t strn)
{
	for (size_t i = 0; i < st->nblocks; i++)
		if (st->blocks[i].ef == ef && st->blocks[i].link == link)
			return st->blocks[i].p;
	if (!COR_GROW(st->blocks, st->blockcap, st->nblocks + 1))
		return NULL;
	char *b = malloc(strn ? strn : 1);
	if (!b)
		return NULL;
	memcpy(b, str, strn);
	st->blocks[st->nblocks++] = (struct block){ ef, link, b };
	return b;
}

/* An earlier symbol table section of ef with the same bytes. */
static bool seen_table(const struct elf_file *ef, const struct elf_shdr *sh)
{
	for (const struct elf_shdr *o = ef->shdrs; o < sh; o++)
		if (o->type == sh->type && o->offset == sh->offset && o->size == sh->size &&
		    o->entsize == sh->entsize && o->link == sh->link && o->flags == sh->flags)
			return true;
	return false;
}

static void over_budget(const struct elf_file *ef, const struct elf_shdr *sh, const char *what,
			uint64_t n, const struct symtab *st)
{
	warnings_add(ef->warn, COR_ERR_LIMIT, ef->path, "%s: section %s: %" PRIu64 " bytes for %s "
		     "do not fit in the memory budget (%" PRIu64 " of %" PRIu64 " bytes left): "
		     "table skipped (see --max-memory)", ef->path, sh->name, n, what,
		     budget_left(st->budget), ef->limits.max_memory);
}

/* ppc64 ELFv1: a function symbol's value is the address of its descriptor
 * in .opd (24 bytes: entry, TOC, environment); the code is at the entry. */
struct opd {
	bool v1;                /* the file is ELFv1 and has a .opd */
	uint64_t addr, size;    /* .opd's addresses */
	const uint8_t *data;    /* its contents, or NULL (SHT_NOBITS, unreadable) */
	size_t n;
};

static bool elfv1(const struct elf_file *ef)
{
	unsigned abi = ef->flags & 3;
	return ef->machine == EM_PPC64 && ef->is64 && (abi == 1 || (abi == 0 && ef->be));
}

static void opd_of(struct elf_file *ef, struct elf_file *code, struct opd *o)
{
	*o = (struct opd){ 0 };
	if (!elfv1(ef))
		return;
	const struct elf_shdr *sh = elf_section_by_name(ef, ".opd");
	if (!sh || sh->size == 0)
		return;
	o->v1 = true;
	o->addr = sh->addr;
	o->size = sh->size;
	if (sh->type == SHT_NOBITS) {
		/* a debug file: the descriptors are in the executable's .opd */
		const struct elf_shdr *csh = code && code != ef && elfv1(code) && code->be == ef->be
					     ? elf_section_by_name(code, ".opd") : NULL;
		if (!csh || csh->type == SHT_NOBITS || csh->addr != sh->addr || csh->size != sh->size)
			return;
		ef = code;
		sh = csh;
	}
	cor_error *err = elf_section_data(ef, sh, &o->data, &o->n);
	if (err) {
		warnings_error(ef->warn, ef->path, err);
		o->data = NULL;
		o->n = 0;
	}
}

/* The entry of the function whose descriptor a symbol's value points to:
 * 1 (value replaced), 0 (not into .opd: kept as it is), -1 (into .opd but
 * the descriptor is not readable: the symbol is skipped). */
static int opd_entry(const struct opd *o, bool be, uint64_t *value)
{
	if (!o->v1 || *value < o->addr || *value - o->addr >= o->size)
		return 0;
	uint64_t off = *value - o->addr;
	if (!o->data || off > o->n || o->n - off < 8)
		return -1;
	struct reader r;
	reader_init(&r, o->data + off, 8, be, 8);
	uint64_t entry;
	if (!reader_u64(&r, &entry) || entry == 0)
		return -1;
	*value = entry;
	return 1;
}

static cor_error *add_table(struct symtab *st, struct elf_file *ef,
			    const struct elf_shdr *sh, const struct opd *opd)
{
	size_t symsz = ef->is64 ? 24 : 16;
	const uint8_t *data, *str;
	size_t n, strn;
	if (sh->entsize < symsz) {
		warnings_add(ef->warn, COR_ERR_FORMAT, ef->path, "%s: section %s: entry size %" PRIu64
			     " too small for a symbol, table skipped",
			     ef->path, sh->name, sh->entsize);
		return NULL;
	}
	cor_error *err = elf_section_data(ef, sh, &data, &n);
	if (err) {
		warnings_error(ef->warn, ef->path, err);
		return NULL;
	}
	if (!strtab_of(ef, sh, &str, &strn))
		return NULL;
	/* at most count symbols are kept: their room first, then the names */
	uint64_t count = n / sh->entsize;
	uint64_t room = count * sizeof(struct sym);
	if (!charge(st, room)) {
		over_budget(ef, sh, "its symbols", room, st);
		return NULL;
	}
	bool new_strtab = true;
	for (size_t i = 0; i < st->nblocks; i++)
		new_strtab &= !(st->blocks[i].ef == ef && st->blocks[i].link == sh->link);
	if (new_strtab && !charge(st, strn)) {
		over_budget(ef, sh, "its string table", strn, st);
		budget_give(st->budget, room);
		st->charged -= room;
		return NULL;
	}

	struct reader r;
	reader_init(&r, data, n, ef->be, ef->addr_size);
	bool from_symtab = sh->type == SHT_SYMTAB;
	char *names = NULL;
	uint64_t bad_names = 0;
	/* a name is terminated inside the table iff it starts by the last NUL */
	const uint8_t *last_nul = strn ? memrchr(str, 0, strn) : NULL;
	/* entry 0 is the null symbol */
	size_t before = st->n;
	for (uint64_t i = 1; i < count; i++) {
		struct raw_sym s;
		if (!reader_seek(&r, i * sh->entsize) || !read_sym(&r, ef->is64, &s))
			break;
		int rank = sym_rank(&s, from_symtab);
		if (rank < 0)
			continue;
		if (!last_nul || s.name > (size_t)(last_nul - str)) {
			bad_names++;
			continue;
		}
		if (str[s.name] == 0)
			continue;
		bool thumb = false;
		if (ef->machine == EM_ARM) {
			/* mapping symbols ($a, $t, $d, $a.N ...) mark code and
			 * data, they name nothing; a Thumb function's value
			 * has bit 0 set */
			if (str[s.name] == '$')
				continue;
			if ((s.info & 0xf) == STT_FUNC || (s.info & 0xf) == STT_GNU_IFUNC) {
				thumb = s.value & 1;
				s.value &= ~(uint64_t)1;
			}
		}
		/* ppc64 ELFv1: the descriptor's entry (unreadable: skipped) */
		if (((s.info & 0xf) == STT_FUNC || (s.info & 0xf) == STT_GNU_IFUNC) &&
		    opd_entry(opd, ef->be, &s.value) < 0)
			continue;
		if (!names && !(names = keep_strtab(st, ef, sh->link, str, strn)))
			return &cor_enomem;
		if (!COR_GROW(st->v, st->cap, st->n + 1))
			return &cor_enomem;
		st->v[st->n++] = (struct sym){ s.value, s.size, names + s.name,
					       (unsigned)rank, thumb, st->n };
	}
	if (bad_names)
		warnings_add(ef->warn, COR_ERR_FORMAT, ef->path, "%s: section %s: %" PRIu64 " symbols with names "
			     "outside the string table skipped", ef->path, sh->name,
			     bad_names);
	/* keep the charge for what was kept; a string table not copied is given back */
	uint64_t unused = (count - (st->n - before)) * sizeof(struct sym) + (new_strtab && !names ? strn : 0);
	budget_give(st->budget, unused);
	st->charged -= unused;
	return NULL;
}

cor_error *symtab_add_elf(struct symtab *st, struct elf_file *ef)
{
	return symtab_add_elf_code(st, ef, NULL);
}

cor_error *symtab_add_elf_code(struct symtab *st, struct elf_file *ef, struct elf_file *code)
{
	if (st->sorted)
		st->n = st->nall;
	st->sorted = false;
	free(st->byname);
	st->byname = NULL;
	st->byname_done = false;
	if (!st->nblocks && !st->n)
		st->budget = ef->limits.budget;
	unsigned tables = 0, over = 0;
	struct opd opd;
	opd_of(ef, code, &opd);
	for (uint32_t i = 0; i < ef->shnum; i++) {
		const struct elf_shdr *sh = &ef->shdrs[i];
		if (sh->type != SHT_SYMTAB && sh->type != SHT_DYNSYM)
			continue;
		/* duplicates count too: each costs a scan of the headers before it */
		if (tables++ >= MAX_TABLES) {
			over++;
			continue;
		}
		if (seen_table(ef, sh))
			continue;
		cor_error *err = add_table(st, ef, sh, &opd);
		if (err)
			return err;
	}
	if (over)
		warnings_add(ef->warn, COR_ERR_LIMIT, ef->path, "%s: %u symbol tables beyond the first %d ignored",
			     ef->path, over, MAX_TABLES);
	return NULL;
}

static int sym_cmp(const void *pa, const void *pb)
{
	const struct sym *a = pa, *b = pb;
	if (a->value != b->value)
		return a->value < b->value ? -1 : 1;
	if (a->rank != b->rank)
		return a->rank > b->rank ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

void symtab_finish(struct symtab *st)
{
	if (st->sorted)
		return;
	if (st->n > 1)
		qsort(st->v, st->n, sizeof(*st->v), sym_cmp);
	/* one symbol per address in front; the others (aliases) after, for
	 * symtab_find_name */
	size_t k = 0;
	for (size_t i = 0; i < st->n; i++)
		if (k == 0 || st->v[k - 1].value != st->v[i].value) {
			struct sym t = st->v[k];
			st->v[k++] = st->v[i];
			st->v[i] = t;
		}
	st->nall = st->n;
	st->n = k;
	st->sorted = true;
}

static void sym_out(const struct sym *s, struct symbol *out)
{
	out->name = s->name;
	out->value = s->value;
	out->size = s->size;
	out->thumb = s->thumb;
}

static bool contains(const struct sym *s, uint64_t addr)
{
	return s->size != 0 && addr - s->value < s->size;
}

static int name_cmp(const void *pa, const void *pb)
{
	const struct sym *a = *(const struct sym *const *)pa, *b = *(const struct sym *const *)pb;
	int c = strcmp(a->name, b->name);
	return c ? c : (a > b) - (a < b);
}

bool symtab_find_name(struct symtab *st, const char *name, uint64_t *value)
{
	if (!st->sorted || !name)
		return false;
	if (!st->byname_done) {
		st->byname_done = true;
		if (!(st->byname = cor_calloc(st->nall ? st->nall : 1, sizeof(*st->byname))))
			return false;
		for (size_t i = 0; i < st->nall; i++)
			st->byname[i] = &st->v[i];
		qsort(st->byname, st->nall, sizeof(*st->byname), name_cmp);
	}
	if (!st->byname)
		return false;
	size_t lo = 0, hi = st->nall;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(st->byname[mid]->name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* several symbols of that name: the one address they share, else the
	 * one global (or unique) among them, else none */
	const struct sym *pick = NULL;
	bool same = true;
	unsigned globals = 0;
	const struct sym *global = NULL;
	for (size_t i = lo; i < st->nall && !strcmp(st->byname[i]->name, name); i++) {
		const struct sym *s = st->byname[i];
		if (pick && pick->value != s->value)
			same = false;
		if (!pick)
			pick = s;
		if ((s->rank >> 2 & 3) == 2 && (!global || global->value != s->value)) {
			globals++;
			global = s;
		}
	}
	if (!pick)
		return false;
	if (!same) {
		if (globals != 1)
			return false;
		pick = global;
	}
	*value = pick->value;
	return true;
}

bool symtab_lookup(const struct symtab *st, uint64_t addr, struct symbol *out)
{
	if (!st->sorted || st->n == 0 || addr < st->v[0].value)
		return false;
	/* greatest start <= addr (there is one: addr >= v[0].value) */
	size_t lo = COR_UPPER_BOUND(st->v, st->n, .value, addr) - 1;
	const struct sym *s = &st->v[lo];
	if (contains(s, addr))
		goto found;
	/* a sized symbol enclosing this one and addr */
	for (size_t i = lo, k = 0; i-- > 0 && k < NEST_SCAN; k++)
		if (contains(&st->v[i], addr)) {
			s = &st->v[i];
			goto found;
		}
	/* size 0: runs up to the next symbol */
	if (s->size != 0)
		return false;
found:
	sym_out(s, out);
	return true;
}

/* ---- demangling -------------------------------------------------------- */

#ifdef HAVE_LIBIBERTY
static void dm_put(const char *s, size_t n, void *sb)
{
	sb_add(sb, s, n);
}

/* Rust first: legacy Rust names are also valid C++ manglings. */
static char *demangle_one(const char *name)
{
	int opts = DMGL_PARAMS | DMGL_ANSI;
	struct strbuf sb = {0};
	if (rust_demangle_callback(name, opts, dm_put, &sb))
		return sb_take(&sb);
	sb_free(&sb);
	if (cplus_demangle_v3_callback(name, opts, dm_put, &sb))
		return sb_take(&sb);
	sb_free(&sb);
	return NULL;
}
#elif defined(HAVE_CXA_DEMANGLE)
char *__cxa_demangle(const char *, char *, size_t *, int *);

static char *demangle_one(const char *name)
{
	int status;
	char *s = __cxa_demangle(name, NULL, NULL, &status);
	if (status == 0)
		return s;
	free(s);
	return NULL;
}
#else
static char *demangle_one(const char *name)
{
	return NULL;
}
#endif

#ifdef HAVE_LIBIBERTY
static char *demangle_type(const char *name)
{
	struct strbuf sb = {0};
	if (cplus_demangle_v3_callback(name, DMGL_PARAMS | DMGL_ANSI | DMGL_TYPES, dm_put, &sb))
		return sb_take(&sb);
	sb_free(&sb);
	return NULL;
}
#elif defined(HAVE_CXA_DEMANGLE)
static char *demangle_type(const char *name) { return demangle_one(name); }
#else
static char *demangle_type(const char *name) { (void)name; return NULL; }
#endif

char *cor_demangle_type(const char *name)
{
	if (!name || !*name || strlen(name) > DEMANGLE_MAX)
		return NULL;
	return demangle_type(name);
}

/* A version suffix (foo@VER, foo@@VER) is kept as is after the name. */
bool cor_have_demangler(void)
{
#if defined(HAVE_LIBIBERTY) || defined(HAVE_CXA_DEMANGLE)
	return true;
#else
	return false;
#endif
}

char *cor_demangle(const char *name)
{
	if (!name || name[0] != '_' || (name[1] != 'Z' && name[1] != 'R'))
		return NULL;
	const char *at = strchr(name, '@');
	size_t len = at ? (size_t)(at - name) : strlen(name);
	if (len > DEMANGLE_MAX)
		return NULL;
	char *base = at ? cor_strndup(name, len) : NULL;
	if (at && !base)
		return NULL;
	char *d = demangle_one(base ? base : name);
	free(base);
	if (!d || !at)
		return d;
	char *full = cor_asprintf("%s%s", d, at);
	free(d);
	return full;
}

/* ---- CRC-32 ------------------------------------------------------------ */

#if defined(HAVE_ZLIB) && !defined(COR_CRC32_TABLE)
uint32_t cor_crc32(uint32_t crc, const uint8_t *p, size_t n)
{
	uLong c = crc;
	while (n > 0) {
		uInt k = n > (1u << 30) ? (1u << 30) : (uInt)n;
		c = crc32(c, p, k);
		p += k;
		n -= k;
	}
	return (uint32_t)c;
}
#else
uint32_t cor_crc32(uint32_t crc, const uint8_t *p, size_t n)
{
	uint32_t table[256];
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320 ^ (c >> 1) : c >> 1;
		table[i] = c;
	}
	crc = ~crc;
	while (n--)
		crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}
#endif
