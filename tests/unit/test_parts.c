/* The layers on their own, without a whole core: the memory over segments
 * added by hand (a byte buffer as the core, NT_FILE entries and mapped files
 * given by hand), the modules over a link_map placed in such a memory, and
 * the unwinder over a fake stack with a hand-built .eh_frame. Every expected
 * value is derived from the addresses and bytes placed here. */
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>
#include "t.h"
#include "corewriter.h"
#include "memory.h"
#include "process.h"
#include "files.h"
#include "modules.h"
#include "unwind.h"
#include "arch/arch.h"
#include "dwarf/cfi.h"

#define PF_X 1
#define PF_W 2
#define PF_R 4

static void st64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> 8 * i);
}

/* Some warning contains part. */
static bool warned(const struct warnings *w, const char *part)
{
	for (size_t i = 0; i < w->n; i++)
		if (strstr(w->v[i].message, part))
			return true;
	return false;
}

static void dump_warnings(const struct warnings *w)
{
	for (size_t i = 0; i < w->n; i++)
		fprintf(stderr, "    warning: %s\n", w->v[i].message);
}

static bool has(const char *s, const char *part)
{
	if (s && strstr(s, part))
		return true;
	fprintf(stderr, "    \"%s\" lacks \"%s\"\n", s ? s : "(null)", part);
	return false;
}

/* ==== memory ==== */

#define CORE_SIZE 0x4000
#define FILE_SIZE 0x4800
static uint8_t core[CORE_SIZE], file_data[FILE_SIZE];

static uint8_t core_byte(uint64_t off) { return (uint8_t)(off * 7 + off / 253 + 1); }
static uint8_t file_byte(uint64_t off) { return (uint8_t)(off * 13 + off / 241 + 5); }

/* n bytes of buf are the core's bytes from offset off (file: the file's). */
static bool bytes_are(const uint8_t *buf, size_t n, uint64_t off, bool file)
{
	for (size_t i = 0; i < n; i++)
		if (buf[i] != (file ? file_byte(off + i) : core_byte(off + i))) {
			fprintf(stderr, "    byte %zu: 0x%02x, want %s offset 0x%" PRIx64 "\n", i,
				buf[i], file ? "file" : "core", off + i);
			return false;
		}
	return true;
}

/* One read: its error code, done count, the error's address (~0 if none)
 * and message. */
struct rd {
	enum cor_error_code code;
	size_t done;
	uint64_t addr;
	char msg[512];
	uint8_t buf[64];
};

static struct rd rd(struct memory *m, uint64_t addr, size_t len)
{
	struct rd r;
	memset(&r, 0, sizeof(r));
	r.done = 12345;
	cor_error *err = memory_read(m, addr, r.buf, len, &r.done);
	r.code = cor_error_code(err);
	if (!err || !cor_error_address(err, &r.addr))
		r.addr = ~0ull;
	snprintf(r.msg, sizeof(r.msg), "%s", err ? cor_error_message(err) : "");
	cor_error_free(err);
	return r;
}

static const struct mapped_file *lookup_file(void *arg, const char *recorded)
{
	for (const struct mapped_file *const *v = arg; *v; v++)
		if (!strcmp((*v)->recorded, recorded))
			return *v;
	return NULL;
}

#define VSYSCALL 0xffffffffff600000ull
#define TOP 0xfffffffffffff000ull

static void test_memory(void)
{
	for (size_t i = 0; i < CORE_SIZE; i++)
		core[i] = core_byte(i);
	for (size_t i = 0; i < FILE_SIZE; i++)
		file_data[i] = file_byte(i);
	/* strings: bytes of every kind at 0x10100, 200 bytes at 0x10200, an empty one
	 * at 0x10400, one cut by the end of the dump at 0x117f8 */
	static const char esc[] = "hi\\there\x01\xff~";
	memcpy(core + 0x100, esc, sizeof(esc));
	memset(core + 0x200, 'A', 200);
	core[0x200 + 200] = 0;
	core[0x400] = 0;
	memcpy(core + 0x17f8, "abcdefgh", 8);

	struct warnings w = {0};
	struct memory m;
	memory_init(&m, "hand.core", core, CORE_SIZE, -1, &w);
	/* added out of order: memory_finish sorts them */
	CHECK(memory_add_segment(&m, 0x50000, 0x3000, 0x0, 0x1000, PF_R | PF_X)); /* file-backed */
	CHECK(memory_add_segment(&m, 0x10000, 0x1000, 0x0, 0x1000, PF_R | PF_W)); /* full */
	CHECK(memory_add_segment(&m, 0x11000, 0x1000, 0x1000, 0x800, PF_R | PF_W)); /* memsz > filesz */
	CHECK(memory_add_segment(&m, 0x20000, 0x1000, 0x2000, 0, PF_R));          /* not dumped */
	CHECK(memory_add_segment(&m, 0x30000, 0x2000, 0x3000, 0x2000, PF_R | PF_W)); /* truncated */
	CHECK(memory_add_segment(&m, 0x40000, 0x1000, 0x2000, 0x1000, PF_R));     /* overlaps: */
	CHECK(memory_add_segment(&m, 0x40800, 0x1000, 0x0, 0x1000, PF_R));        /*  cut to 0x41000 */
	CHECK(memory_add_segment(&m, 0x40100, 0x100, 0x3f00, 0x100, PF_R));       /*  inside: emptied */
	CHECK(memory_add_segment(&m, TOP, 0x2000, 0x0, 0x1000, PF_R));            /* wraps the top */
	CHECK(memory_add_segment(&m, 0x60000, 0x2000, 0x3800, 0x2000, PF_R));     /* truncated, file */
	CHECK(memory_add_segment(&m, 0x70000, 0x2000, 0x0, 0, PF_R | PF_X));      /* rejected file */
	CHECK(memory_add_segment(&m, 0x80000, 0x1000, 0x0, 0, PF_R | PF_X));      /* absent file */
	CHECK(memory_add_segment(&m, VSYSCALL, 0x1000, 0x0, 0, PF_R | PF_X));
	CHECK_EQ(m.nsegs, 13);
	CHECK(warned(&w, "PT_LOAD at 0xfffffffffffff000 with size 0x2000 wraps the address space"));
	/* (the memory size as cut at the top: UINT64_MAX - 0xfffffffffffff000) */
	CHECK(warned(&w, "PT_LOAD at 0xfffffffffffff000: file size 0x1000 exceeds memory size 0xfff"));

	static const struct file_map fmaps[] = {
		{ 0x50000, 0x53000, 0x2000, "/lib/libfake.so" },
		{ 0x60000, 0x62000, 0x0, "/lib/libfake.so" },
		{ 0x70000, 0x72000, 0x0, "/lib/rejected.so" },
		{ 0x80000, 0x81000, 0x0, "/lib/absent.so" },
	};
	CHECK(!memory_finish(&m, fmaps, COR_ARRAY_SIZE(fmaps)));
	for (size_t i = 1; i < m.nsegs; i++)
		CHECK(m.segs[i - 1].start <= m.segs[i].start);
	CHECK(warned(&w, "PT_LOAD segments at 0x40000 and 0x40100 overlap"));
	/* the one at 0x30000 and the one at 0x60000 */
	CHECK(warned(&w, "2 memory segments are cut short by the truncation"));

	const struct mapped_file fake = {
		.recorded = "/lib/libfake.so", .opened = "/sysroot/lib/libfake.so",
		.data = file_data, .size = FILE_SIZE,
	};
	const struct mapped_file rejected = {
		.recorded = "/lib/rejected.so", .opened = "/sysroot/lib/rejected.so",
		.why = "build-id 01 of /sysroot/lib/rejected.so differs from build-id 02 in the core",
		.rejected = true,
	};
	const struct mapped_file *files[] = { &fake, &rejected, NULL };
	memory_attach_files(&m, lookup_file, (void *)files);

	/* segments and mappings */
	const struct segment *s = memory_segment_at(&m, 0x41000);
	CHECK(s && s->start == 0x41000 && s->end == 0x41800 && s->offset == 0x800 &&
	      s->filesz == 0x800 && s->present == 0x800);
	s = memory_segment_at(&m, 0x40100);
	CHECK(s && s->start == 0x40000 && s->end == 0x41000);
	s = memory_segment_at(&m, TOP);
	CHECK(s && s->end == UINT64_MAX && s->filesz == 0xfff && s->present == 0xfff);
	CHECK(!memory_segment_at(&m, UINT64_MAX));
	CHECK(!memory_segment_at(&m, 0xffff));
	CHECK(!memory_segment_at(&m, 0x12000));
	s = memory_segment_at(&m, 0x30000);
	CHECK(s && s->present == 0x1000 && s->filesz == 0x2000);

	struct cor_mapping *mp = memory_mapping_at(&m, 0x10abc);
	CHECK(mp && mp->start == 0x10000 && mp->end == 0x11000 && mp->in_core == COR_IN_CORE_FULL &&
	      mp->read && mp->write && !mp->exec && !mp->path && !mp->file &&
	      mp->core_offset == 0 && mp->core_bytes == 0x1000);
	mp = memory_mapping_at(&m, 0x11000);
	CHECK(mp && mp->in_core == COR_IN_CORE_PARTIAL && mp->core_bytes == 0x800);
	mp = memory_mapping_at(&m, 0x20000);
	CHECK(mp && mp->in_core == COR_IN_CORE_NONE && mp->core_bytes == 0);
	mp = memory_mapping_at(&m, 0x31fff);
	CHECK(mp && mp->in_core == COR_IN_CORE_PARTIAL && mp->core_bytes == 0x1000 &&
	      mp->core_offset == 0x3000);
	mp = memory_mapping_at(&m, 0x52fff);
	CHECK(mp && mp->start == 0x50000 && mp->end == 0x53000 && mp->exec && !mp->write);
	CHECK(mp && mp->offset == 0x2000);
	CHECK_STR(mp ? mp->path : NULL, "/lib/libfake.so");
	CHECK_STR(mp ? mp->file : NULL, "/sysroot/lib/libfake.so");
	mp = memory_mapping_at(&m, 0x61000);
	CHECK(mp && mp->offset == 0 && mp->in_core == COR_IN_CORE_PARTIAL);
	mp = memory_mapping_at(&m, 0x70000);
	CHECK(mp && mp->path && !mp->file); /* rejected: not used for reads */
	mp = memory_mapping_at(&m, 0x80000);
	CHECK(mp && mp->path && !mp->file);
	/* a clipped segment's mapping keeps the range the core recorded */
	mp = memory_mapping_at(&m, 0x41000);
	CHECK(mp && mp->start == 0x40800 && mp->end == 0x41800);

	/* reads */
	struct rd r = rd(&m, 0x10123, 32);
	CHECK(r.code == COR_OK && r.done == 32 && bytes_are(r.buf, 32, 0x123, false));
	r = rd(&m, 0x10ff0, 32); /* across two segments, contiguous in the core */
	CHECK(r.code == COR_OK && r.done == 32 && bytes_are(r.buf, 32, 0xff0, false));
	r = rd(&m, 0x117f0, 32); /* into the part past p_filesz, no file behind it */
	CHECK_EQ(r.code, COR_ERR_NOT_DUMPED);
	CHECK_EQ(r.done, 16);
	CHECK_EQ(r.addr, 0x11800);
	CHECK(bytes_are(r.buf, 8, 0x17f0, false) && !memcmp(r.buf + 8, "abcdefgh", 8));
	CHECK(has(r.msg, "0x11800"));
	r = rd(&m, 0x1fff8, 8); /* unmapped */
	CHECK(r.code == COR_ERR_NO_MEMORY && r.done == 0 && r.addr == 0x1fff8);
	CHECK(has(r.msg, "address 0x1fff8 is not mapped"));
	r = rd(&m, 0x417f8, 16); /* off the end of the clipped segment */
	CHECK(r.code == COR_ERR_NO_MEMORY && r.done == 8 && r.addr == 0x41800);
	CHECK(bytes_are(r.buf, 8, 0x800 + 0x7f8, false));
	r = rd(&m, 0x20010, 4); /* p_filesz 0 */
	CHECK(r.code == COR_ERR_NOT_DUMPED && r.done == 0 && r.addr == 0x20010);
	CHECK(has(r.msg, "not dumped"));
	r = rd(&m, 0x30ff8, 16); /* past the end of the truncated core */
	CHECK(r.code == COR_ERR_TRUNCATED && r.done == 8 && r.addr == 0x31000);
	CHECK(bytes_are(r.buf, 8, 0x3ff8, false));
	CHECK(has(r.msg, "truncated"));
	/* overlap: the earlier segment keeps the shared bytes */
	r = rd(&m, 0x40100, 4);
	CHECK(r.code == COR_OK && bytes_are(r.buf, 4, 0x2100, false));
	r = rd(&m, 0x40ff8, 16);
	CHECK(r.code == COR_OK && r.done == 16 && bytes_are(r.buf, 8, 0x2ff8, false) &&
	      bytes_are(r.buf + 8, 8, 0x800, false));
	/* the top of the address space */
	r = rd(&m, TOP, 16);
	CHECK(r.code == COR_OK && bytes_are(r.buf, 16, 0, false));
	r = rd(&m, UINT64_MAX - 15, 15);
	CHECK(r.code == COR_OK && r.done == 15 && bytes_are(r.buf, 15, 0xff0, false));
	r = rd(&m, UINT64_MAX, 1);
	CHECK(r.code == COR_ERR_NO_MEMORY && r.done == 0 && r.addr == UINT64_MAX);
	r = rd(&m, UINT64_MAX - 15, 32);
	CHECK(r.code == COR_ERR_NO_MEMORY && r.done == 0 && r.addr == UINT64_MAX - 15);
	CHECK(has(r.msg, "wraps the address space"));
	r = rd(&m, TOP, 0);
	CHECK(r.code == COR_OK && r.done == 0);
	/* NT_FILE: the bytes past the dump come from the file at pgoff */
	r = rd(&m, 0x50ff8, 16);
	CHECK(r.code == COR_OK && r.done == 16 && bytes_are(r.buf, 8, 0xff8, false) &&
	      bytes_are(r.buf + 8, 8, 0x2000 + 0x1000, true));
	r = rd(&m, 0x52000, 8);
	CHECK(r.code == COR_OK && bytes_are(r.buf, 8, 0x2000 + 0x2000, true));
	r = rd(&m, 0x52000 + FILE_SIZE - 0x4000 - 8, 8); /* the file's last bytes */
	CHECK(r.code == COR_OK && bytes_are(r.buf, 8, FILE_SIZE - 8, true));
	r = rd(&m, 0x52000 + FILE_SIZE - 0x4000, 8); /* past the file's end */
	CHECK(r.code == COR_ERR_NOT_DUMPED && r.done == 0 && r.addr == 0x52800);
	CHECK(has(r.msg, "past the end of the mapped file /sysroot/lib/libfake.so"));
	/* straddling the file's end: the file's last bytes, then the error
	 * at its first missing byte */
	r = rd(&m, 0x527f8, 16);
	CHECK(r.code == COR_ERR_NOT_DUMPED && r.done == 8 && r.addr == 0x52800);
	CHECK(bytes_are(r.buf, r.done, FILE_SIZE - 8, true));
	r = rd(&m, 0x61ff8, 16); /* the file-backed bytes, then nothing mapped */
	CHECK(r.code == COR_ERR_NO_MEMORY && r.done == 8 && r.addr == 0x62000);
	CHECK(bytes_are(r.buf, 8, 0x1ff8, true));
	/* a truncated read-only segment: the file's pages are still right */
	r = rd(&m, 0x607f8, 16);
	CHECK(r.code == COR_OK && r.done == 16 && bytes_are(r.buf, 8, 0x3ff8, false) &&
	      bytes_are(r.buf + 8, 8, 0x800, true));
	/* a rejected file and one not found */
	r = rd(&m, 0x70010, 4);
	CHECK(r.code == COR_ERR_NOT_DUMPED && r.done == 0 && r.addr == 0x70010);
	CHECK(has(r.msg, "address 0x70010"));
	CHECK(has(r.msg, "/lib/rejected.so"));
	CHECK(has(r.msg, rejected.why));
	r = rd(&m, 0x80ffc, 4);
	CHECK(r.code == COR_ERR_NOT_DUMPED && r.done == 0 && r.addr == 0x80ffc);
	CHECK(has(r.msg, "/lib/absent.so"));
	CHECK(has(r.msg, "file not found"));
	/* done may be NULL */
	cor_error *err = memory_read(&m, 0x20000, r.buf, 1, NULL);
	CHECK_EQ(cor_error_code(err), COR_ERR_NOT_DUMPED);
	cor_error_free(err);

	/* memory_read_core: the core's bytes only, never a file */
	uint8_t b[32];
	CHECK(memory_read_core(&m, 0x10ff0, b, 32) && bytes_are(b, 32, 0xff0, false));
	CHECK(memory_read_core(&m, 0x50ff0, b, 16) && bytes_are(b, 16, 0xff0, false));
	CHECK(!memory_read_core(&m, 0x50ff8, b, 16));
	CHECK(!memory_read_core(&m, 0x52000, b, 8));
	CHECK(memory_read_core(&m, 0x607f8, b, 8) && bytes_are(b, 8, 0x3ff8, false));
	CHECK(!memory_read_core(&m, 0x607f8, b, 16));
	CHECK(!memory_read_core(&m, 0x20000, b, 1));
	CHECK(!memory_read_core(&m, 0x1fff8, b, 8));
	err = memory_read_core_cb(&m, 0x50ff8, b, 16);
	uint64_t ea = 0;
	CHECK(cor_error_code(err) == COR_ERR_NOT_DUMPED && cor_error_address(err, &ea) &&
	      ea == 0x50ff8);
	cor_error_free(err);
	CHECK(!memory_read_cb(&m, 0x52000, b, 8) && bytes_are(b, 8, 0x4000, true));

	/* strings */
	struct arena ar = {0};
	/* the bytes as they are, up to the NUL */
	CHECK_STR(memory_read_string(&m, 0x10100, 4096, &ar), "hi\\there\x01\xff~");
	char *long_s = memory_read_string(&m, 0x10200, 4096, &ar);
	CHECK(long_s && strlen(long_s) == 200 && strspn(long_s, "A") == 200);
	/* max bytes at most */
	long_s = memory_read_string(&m, 0x10200, 100, &ar);
	CHECK(long_s && strlen(long_s) == 100 && strspn(long_s, "A") == 100);
	CHECK_STR(memory_read_string(&m, 0x117f8, 4096, &ar), "abcdefgh"); /* cut by the dump */
	CHECK_STR(memory_read_string(&m, 0x10200 + 190, 4096, &ar), "AAAAAAAAAA");
	CHECK(!memory_read_string(&m, 0x12000, 4096, &ar)); /* unmapped */
	CHECK(!memory_read_string(&m, 0x20000, 4096, &ar)); /* not dumped */
	char *empty = memory_read_string(&m, 0x10400, 4096, &ar);
	CHECK(!empty || !*empty);

	/* labels from a hand-made process */
	struct cor_auxv auxv[] = {
		{ .type = AT_SYSINFO_EHDR, .value = 0x20000 },
		{ .type = AT_RANDOM, .value = 0x10008 },
	};
	struct cor_thread th[] = {
		{ .tid = 101, .have_tid = true, .sp = 0x11010 },
		{ .tid = 102, .have_tid = true, .sp = 0x50010 }, /* a file's mapping: no label */
		{ .tid = 103, .have_tid = true, .sp = 0x30100 },
		{ .tid = 104, .have_tid = true, .sp = 0x10010 }, /* the main stack already */
		{ .tid = 105, .have_tid = true, .sp = 0x90000 }, /* unmapped */
	};
	struct process p;
	memset(&p, 0, sizeof(p));
	p.arch = &arch_x86_64;
	p.auxv = auxv;
	p.nauxv = COR_ARRAY_SIZE(auxv);
	p.threads = th;
	p.nthreads = COR_ARRAY_SIZE(th);
	memory_label(&m, &p, &ar);
	CHECK_STR(memory_mapping_at(&m, 0x20000)->label, "[vdso]");
	CHECK_STR(memory_mapping_at(&m, VSYSCALL)->label, "[vsyscall]");
	CHECK_STR(memory_mapping_at(&m, 0x10000)->label, "[stack]");
	CHECK_STR(memory_mapping_at(&m, 0x11000)->label, "[stack:101]");
	CHECK_STR(memory_mapping_at(&m, 0x30000)->label, "[stack:103]");
	CHECK(!memory_mapping_at(&m, 0x50000)->label);
	CHECK(!memory_mapping_at(&m, 0x40000)->label);
	CHECK(!memory_mapping_at(&m, TOP)->label);

	if (t_fail)
		dump_warnings(&w);
	arena_free(&ar);
	memory_free(&m);
	warnings_free(&w);
}

/* ==== modules ==== */

#define EXE_BASE 0x555555554000ull
#define DATA 0x7ffff7ffd000ull
#define A_BIAS 0x7f1000000000ull
#define B_BIAS 0x7f2000000000ull
#define M_BIAS 0x7f3000000000ull
#define DT_DEBUG 21

static uint8_t mcore[0x3000];

/* An x86_64 ET_DYN with the given PT_LOADs (vaddr, memsz) written at path. */
static bool write_elf(const char *path, uint64_t entry, const uint64_t (*loads)[2], unsigned n)
{
	struct cw w;
	cw_init(&w, true, false, ET_DYN, EM_X86_64);
	for (unsigned i = 0; i < n; i++) {
		unsigned k = cw_seg(&w, PT_LOAD, PF_R | (i ? PF_X : 0), loads[i][0], loads[i][1]);
		cw_seg_data(&w, k, "\x90\x90\x90\x90", 4);
	}
	size_t len;
	uint8_t *p = cw_finish(&w, &len);
	cw_set_ehdr(&w, CW_E_ENTRY, entry);
	FILE *f = fopen(path, "wb");
	bool ok = f && fwrite(p, 1, len, f) == len;
	if (f)
		ok = !fclose(f) && ok;
	cw_free(&w);
	return ok;
}

static void put_phdr(uint8_t *at, uint32_t type, uint32_t flags, uint64_t off, uint64_t vaddr,
		     uint64_t size)
{
	memset(at, 0, 56);
	at[0] = (uint8_t)type;
	at[4] = (uint8_t)flags;
	st64(at + 8, off);
	st64(at + 16, vaddr);
	st64(at + 24, vaddr);
	st64(at + 32, size);
	st64(at + 40, size);
	st64(at + 48, 8);
}

static const struct module *by_name(const struct modules *ms, const char *name)
{
	for (size_t i = 0; i < ms->n; i++)
		if (!strcmp(ms->v[i].pub.name, name))
			return &ms->v[i];
	return NULL;
}

/* A process over the x86_64 core core_ef, nothing decoded yet. */
static void fake_process(struct process *p, struct elf_file *core_ef, struct limits *lim,
			 struct arena *ar, struct warnings *w)
{
	memset(core_ef, 0, sizeof(*core_ef));
	core_ef->is64 = true;
	core_ef->addr_size = 8;
	core_ef->type = ET_CORE;
	core_ef->machine = EM_X86_64;
	limits_resolve(lim, NULL);
	memset(p, 0, sizeof(*p));
	p->arch = &arch_x86_64;
	p->elf = core_ef;
	p->limits = lim;
	p->arena = ar;
	p->warn = w;
}

/* Frees what fake_process and the layers over it built; prints the
 * warnings when a check failed. */
static void free_parts(struct modules *ms, struct files *f, struct memory *m, struct arena *ar,
		       struct warnings *w)
{
	if (t_fail)
		dump_warnings(w);
	modules_free(ms);
	files_free(f);
	memory_free(m);
	arena_free(ar);
	warnings_free(w);
}

static void test_modules(void)
{
	char dir[] = "/tmp/coroner-parts.XXXXXX";
	if (!mkdtemp(dir)) {
		CHECK(!"mkdtemp");
		return;
	}
	/* the directories, then the files, under dir */
	static const char *const rel[] = { "/usr", "/usr/lib", "/usr/bin", "/usr/lib/libA.so.1",
					   "/usr/lib/libB.so.2", "/usr/bin/prog" };
	char path[6][160];
	for (size_t i = 0; i < 6; i++)
		snprintf(path[i], sizeof(path[i]), "%s%s", dir, rel[i]);
	const char *usr = path[0], *lib = path[1], *bin = path[2];
	const char *pa = path[3], *pb = path[4], *pe = path[5];
	CHECK(!mkdir(usr, 0700) && !mkdir(lib, 0700) && !mkdir(bin, 0700));
	static const uint64_t a_loads[][2] = { { 0x0, 0x1000 }, { 0x2000, 0x1800 } };
	static const uint64_t b_loads[][2] = { { 0x1000, 0x1000 } };
	static const uint64_t e_loads[][2] = { { 0x0, 0x2000 } };
	CHECK(write_elf(pa, 0, a_loads, 2));
	CHECK(write_elf(pb, 0, b_loads, 1));
	CHECK(write_elf(pe, 0x1100, e_loads, 1));

	/* the executable's image at EXE_BASE: ELF header, PT_PHDR, PT_LOAD,
	 * PT_DYNAMIC at 0x1000 with DT_DEBUG */
	memset(mcore, 0, sizeof(mcore));
	uint8_t *e = mcore;
	memcpy(e, "\177ELF\2\1\1", 7);
	e[16] = ET_DYN, e[18] = EM_X86_64, e[20] = 1;
	st64(e + 24, 0x1100);
	st64(e + 32, 0x40);
	e[52] = 64, e[54] = 56, e[56] = 3;
	put_phdr(e + 0x40, PT_PHDR, PF_R, 0x40, 0x40, 3 * 56);
	put_phdr(e + 0x40 + 56, PT_LOAD, PF_R | PF_X, 0, 0, 0x2000);
	put_phdr(e + 0x40 + 112, PT_DYNAMIC, PF_R | PF_W, 0x1000, 0x1000, 0x30);
	uint64_t rdebug = DATA;
	st64(e + 0x1000, 1), st64(e + 0x1008, 0x10);         /* DT_NEEDED */
	st64(e + 0x1010, DT_DEBUG), st64(e + 0x1018, rdebug); /* DT_DEBUG */
	/* r_debug and the link_map list in the data page at DATA */
	uint8_t *d = mcore + 0x2000;
	st64(d, 1);
	st64(d + 8, DATA + 0x100);
	static const char *const names[] = { "", "/usr/lib/libB.so.2", "/usr/lib/libA.so.1",
					     "/usr/lib/libmissing.so.3" };
	const uint64_t l_addr[] = { EXE_BASE, B_BIAS, A_BIAS, M_BIAS };
	const uint64_t l_ld[] = { EXE_BASE + 0x1000, B_BIAS + 0x1f00, A_BIAS + 0x2f00, M_BIAS + 0x100 };
	for (unsigned i = 0; i < 4; i++) {
		uint64_t lm = 0x100 + 0x40 * i, name = 0x800 + 0x80 * i;
		st64(d + lm, l_addr[i]);
		st64(d + lm + 8, DATA + name);
		st64(d + lm + 16, l_ld[i]);
		st64(d + lm + 24, i < 3 ? DATA + lm + 0x40 : 0);
		st64(d + lm + 32, i ? DATA + lm - 0x40 : 0);
		strcpy((char *)d + name, names[i]);
	}
	strcpy((char *)d + 0xe00, "/usr/bin/prog");

	struct warnings w = {0};
	struct memory m;
	memory_init(&m, "modules.core", mcore, sizeof(mcore), -1, &w);
	CHECK(memory_add_segment(&m, EXE_BASE, 0x2000, 0, 0x2000, PF_R | PF_X));
	CHECK(memory_add_segment(&m, DATA, 0x1000, 0x2000, 0x1000, PF_R | PF_W));
	CHECK(!memory_finish(&m, NULL, 0));

	struct elf_file core_ef;
	struct cor_auxv auxv[] = {
		{ .type = AT_PHDR, .value = EXE_BASE + 0x40 },
		{ .type = AT_PHNUM, .value = 3 },
		{ .type = AT_ENTRY, .value = EXE_BASE + 0x1100 },
		{ .type = AT_EXECFN, .value = DATA + 0xe00, .string = "/usr/bin/prog" },
	};
	struct arena ar = {0};
	struct limits lim;
	struct process p;
	fake_process(&p, &core_ef, &lim, &ar, &w);
	p.auxv = auxv;
	p.nauxv = COR_ARRAY_SIZE(auxv);

	const char *dbg_dirs[] = { dir, NULL };
	struct files_options o = { .sysroot = dir, .debug_dirs = dbg_dirs };
	struct files f;
	CHECK(!files_init(&f, &o, &p, &m, &lim, &w));
	memory_attach_files(&m, files_mapped_cb, &f);
	struct modules ms;
	CHECK(!modules_build(&ms, &p, &m, &f, &lim, &ar, &w));

	CHECK_EQ(ms.n, 4);
	for (size_t i = 1; i < ms.n; i++)
		CHECK(ms.v[i - 1].pub.start <= ms.v[i].pub.start);
	const struct module *ma = by_name(&ms, "/usr/lib/libA.so.1");
	const struct module *mb = by_name(&ms, "/usr/lib/libB.so.2");
	const struct module *mm = by_name(&ms, "/usr/lib/libmissing.so.3");
	const struct module *mx = by_name(&ms, "/usr/bin/prog");
	CHECK(ma && mb && mm && mx);
	if (ma && mb && mm && mx) {
		CHECK_EQ(ma->pub.load_bias, A_BIAS);
		CHECK_EQ(ma->pub.start, A_BIAS);
		CHECK_EQ(ma->pub.end, A_BIAS + 0x3800);
		CHECK_STR(ma->pub.path, pa);
		CHECK(ma->elf && !ma->pub.is_executable && !ma->pub.is_vdso);
		CHECK_EQ(mb->pub.load_bias, B_BIAS);
		CHECK_EQ(mb->pub.start, B_BIAS + 0x1000);
		CHECK_EQ(mb->pub.end, B_BIAS + 0x2000);
		CHECK_STR(mb->pub.path, pb);
		/* the executable, from AT_EXECFN (no NT_FILE), placed by AT_ENTRY */
		CHECK(mx->pub.is_executable && mx->elf);
		CHECK_EQ(mx->pub.load_bias, EXE_BASE);
		CHECK_EQ(mx->pub.start, EXE_BASE);
		CHECK_EQ(mx->pub.end, EXE_BASE + 0x2000);
		CHECK_STR(mx->pub.path, pe);
		/* the missing one: named, biased, but without a file or range */
		CHECK_EQ(mm->pub.load_bias, M_BIAS);
		CHECK(!mm->elf && !mm->pub.path && mm->pub.start == mm->pub.end);
		/* sorted by start: the rangeless one, the executable, A, B */
		CHECK(&ms.v[1] == mx && &ms.v[2] == ma && &ms.v[3] == mb);
	}
	CHECK(warned(&w, "module /usr/lib/libmissing.so.3: "));
	CHECK(warned(&w, "libmissing.so.3: cannot open"));
	CHECK(!warned(&w, "libA.so.1:") && !warned(&w, "libB.so.2:"));
	CHECK(module_at(&ms, A_BIAS) == ma);
	CHECK(module_at(&ms, A_BIAS + 0x1800) == ma); /* between its segments */
	CHECK(module_at(&ms, A_BIAS + 0x37ff) == ma);
	CHECK(!module_at(&ms, A_BIAS + 0x3800));
	CHECK(!module_at(&ms, B_BIAS + 0xfff));
	CHECK(module_at(&ms, B_BIAS + 0x1000) == mb);
	CHECK(module_at(&ms, B_BIAS + 0x1fff) == mb);
	CHECK(!module_at(&ms, B_BIAS + 0x2000));
	CHECK(module_at(&ms, EXE_BASE + 0x1100) == mx);
	CHECK(!module_at(&ms, M_BIAS));
	CHECK(!module_at(&ms, 0));
	CHECK(!module_at(&ms, UINT64_MAX));

	free_parts(&ms, &f, &m, &ar, &w);
	unlink(pa), unlink(pb), unlink(pe);
	rmdir(bin), rmdir(lib), rmdir(usr), rmdir(dir);
}

/* ==== the unwinder ==== */

#define BIAS 0x555500000000ull
#define CODE (BIAS + 0x1000)     /* [CODE, CODE + 0x3000) is code */
#define CODE_SIZE 0x3000
#define TRAMP (BIAS + 0x3000)    /* __restore_rt */
#define SB 0x7ffd0000ull         /* the stack */
#define STACK_SIZE 0x1000
#define S0 (SB + 0x80)
#define FP1 (SB + 0x200)
#define FP2 (SB + 0x300)
#define EH_ADDR 0x5000

static uint8_t code[CODE_SIZE], stack[STACK_SIZE];

static cor_error *fake_read(void *arg, uint64_t addr, void *buf, size_t n)
{
	(void)arg;
	if (addr >= CODE && addr - CODE <= CODE_SIZE && n <= CODE_SIZE - (addr - CODE)) {
		memcpy(buf, code + (addr - CODE), n);
		return NULL;
	}
	if (addr >= SB && addr - SB <= STACK_SIZE && n <= STACK_SIZE - (addr - SB)) {
		memcpy(buf, stack + (addr - SB), n);
		return NULL;
	}
	return cor_error_addr(COR_ERR_NO_MEMORY, addr, "address 0x%" PRIx64 " unmapped", addr);
}

static void stack_word(uint64_t addr, uint64_t v)
{
	st64(stack + (addr - SB), v);
}

struct fake_code {
	struct cfi_table *eh;
	bool with_cfi;
	int cfi_calls;
	uint64_t faker_lo, faker_hi; /* a function that fakes calls (sigpanic) */
};

/* CFI for [CODE, CODE + 0x1000) only; none for the rest of the code. */
static struct cfi_table *fake_cfi(void *arg, uint64_t pc, bool eh, uint64_t *bias)
{
	struct fake_code *fc = arg;
	fc->cfi_calls++;
	if (!eh || !fc->with_cfi || pc < CODE || pc >= CODE + 0x1000)
		return NULL;
	*bias = BIAS;
	return fc->eh;
}

static bool fake_in_code(void *arg, uint64_t pc)
{
	(void)arg;
	return pc >= CODE && pc < CODE + CODE_SIZE;
}

static const char *fake_object(void *arg, uint64_t pc)
{
	return fake_in_code(arg, pc) ? "libfake.so" : NULL;
}

static bool fake_fakes_call(void *arg, uint64_t pc)
{
	struct fake_code *fc = arg;
	return pc >= fc->faker_lo && pc < fc->faker_hi;
}

/* .eh_frame at link-time EH_ADDR: a CIE (CFA = rsp + 8, return address at
 * CFA - 8; absolute 8-byte FDE addresses) and FDEs for
 *   f1 [0x1000, 0x1100): the CIE's rules (a leaf)
 *   f2 [0x1100, 0x1200): CFA = rsp + 32
 *   f3 [0x1200, 0x1300): CFA = rsp + 16, rbp at CFA - 16 */
static uint8_t eh[256];
static size_t eh_len;

static void eh_put(const void *p, size_t n)
{
	if (n)
		memcpy(eh + eh_len, p, n);
	eh_len += n;
}

static void eh_u32(uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
	eh_put(b, 4);
}

static void eh_u64(uint64_t v)
{
	uint8_t b[8];
	st64(b, v);
	eh_put(b, 8);
}

static void eh_entry_end(size_t at)
{
	while ((eh_len - at) % 4)
		eh[eh_len++] = 0; /* DW_CFA_nop */
	uint32_t len = (uint32_t)(eh_len - at - 4);
	for (int i = 0; i < 4; i++)
		eh[at + i] = (uint8_t)(len >> 8 * i);
}

static void eh_fde(size_t cie, uint64_t begin, uint64_t range, const uint8_t *ins, size_t n)
{
	size_t at = eh_len;
	eh_u32(0);
	eh_u32((uint32_t)(eh_len - cie));
	eh_u64(begin);
	eh_u64(range);
	eh_put("\0", 1); /* augmentation data length */
	eh_put(ins, n);
	eh_entry_end(at);
}

static struct cfi_table *build_eh(const struct limits *lim)
{
	eh_len = 0;
	size_t cie = eh_len;
	eh_u32(0);
	eh_u32(0);
	/* version 1, "zR", code align 1, data align -8, ra 16, aug data
	 * {absptr}, DW_CFA_def_cfa r7 8, DW_CFA_offset r16 1 */
	static const uint8_t cie_body[] = { 1, 'z', 'R', 0, 1, 0x78, 16, 1, 0x00,
					    0x0c, 7, 8, 0x90, 1 };
	eh_put(cie_body, sizeof(cie_body));
	eh_entry_end(cie);
	eh_fde(cie, 0x1000, 0x100, NULL, 0);
	static const uint8_t f2[] = { 0x0e, 32 };          /* DW_CFA_def_cfa_offset 32 */
	static const uint8_t f3[] = { 0x0e, 16, 0x86, 2 }; /* + DW_CFA_offset r6 2 */
	eh_fde(cie, 0x1100, 0x100, f2, sizeof(f2));
	eh_fde(cie, 0x1200, 0x100, f3, sizeof(f3));
	eh_u32(0); /* terminator */
	struct dwarf_section sec = { eh, eh_len, EH_ADDR };
	struct cfi_params prm = { .addr_size = 8, .limits = lim, .path = "libfake.so",
				  .is_eh_frame = true };
	struct cfi_table *t = NULL;
	cor_error *err = cfi_table_new(&sec, &prm, &t);
	CHECK(!err);
	if (err)
		fprintf(stderr, "    %s\n", cor_error_message(err));
	cor_error_free(err);
	return t;
}

struct frames {
	struct unwind_cb cb;
	struct unwind_frame f[32];
	size_t n;
};

static bool on_frame(struct unwind_cb *cb, const struct unwind_frame *f)
{
	struct frames *fs = (struct frames *)cb;
	if (fs->n < 32)
		fs->f[fs->n++] = *f;
	return true;
}

struct regval {
	const char *name;
	uint64_t value;
};

/* Unwinds a thread with the registers given (pc_name/sp_name filled in
 * from them); fs->cb.stop is the reason, or "" if none. */
static void unwind(const struct arch_info *a, struct fake_code *fc, uint32_t max_frames,
		   const struct regval *rv, size_t nrv, struct frames *fs)
{
	struct cor_register regs[8];
	struct cor_thread t;
	memset(&t, 0, sizeof(t));
	memset(regs, 0, sizeof(regs));
	for (size_t i = 0; i < nrv && i < 8; i++) {
		regs[i].name = rv[i].name;
		regs[i].set = COR_REGS_GENERAL;
		regs[i].size = 8;
		regs[i].value = rv[i].value;
		if (a && !strcmp(rv[i].name, a->pc_name))
			t.pc = rv[i].value;
		if (a && !strcmp(rv[i].name, a->sp_name))
			t.sp = rv[i].value;
	}
	t.tid = 7;
	t.registers = regs;
	t.register_count = nrv;
	struct limits lim;
	struct cor_limits cl = { .max_frames = max_frames };
	limits_resolve(&lim, &cl);
	struct arch_mem am = { .read = fake_read, .word = 8 };
	struct unwind_code uc = { .cfi = fake_cfi, .object = fake_object, .in_code = fake_in_code,
				  .fakes_call = fake_fakes_call, .arg = fc };
	struct unwinder u;
	unwinder_init(&u, a, &am, &uc, &lim);
	memset(fs, 0, sizeof(*fs));
	fs->cb.frame = on_frame;
	cor_error *err = unwind_thread(&u, &t, &fs->cb);
	CHECK(!err || !a);
	if (!a)
		CHECK_EQ(cor_error_code(err), COR_ERR_UNSUPPORTED);
	cor_error_free(err);
	unwinder_free(&u);
}

static bool frame_is(const struct frames *fs, size_t i, uint64_t pc, uint64_t sp, uint64_t cfa,
		     enum cor_frame_how how)
{
	if (i >= fs->n) {
		fprintf(stderr, "    frame %zu missing (%zu frames)\n", i, fs->n);
		return false;
	}
	const struct unwind_frame *f = &fs->f[i];
	uint64_t lookup = how == COR_FRAME_CONTEXT || how == COR_FRAME_SIGNAL ? pc : pc - 1;
	if (f->pc == pc && f->sp == sp && f->cfa == cfa && f->how == how &&
	    (f->signal_frame || f->lookup_pc == lookup))
		return true;
	fprintf(stderr, "    frame %zu: pc 0x%" PRIx64 " sp 0x%" PRIx64 " cfa 0x%" PRIx64
		" how %d lookup 0x%" PRIx64 "; want pc 0x%" PRIx64 " sp 0x%" PRIx64
		" cfa 0x%" PRIx64 " how %d\n", i, f->pc, f->sp, f->cfa, (int)f->how,
		f->lookup_pc, pc, sp, cfa, (int)how);
	return false;
}

static bool stop_is(struct frames *fs, const char *want)
{
	bool ok = fs->cb.stop && !strcmp(fs->cb.stop, want);
	if (!ok)
		fprintf(stderr, "    stop \"%s\", want \"%s\"\n", fs->cb.stop ? fs->cb.stop : "(null)",
			want);
	free(fs->cb.stop);
	fs->cb.stop = NULL;
	return ok;
}

static char *fmt(const char *f, uint64_t a, uint64_t b)
{
	static char buf[4][256];
	static int k;
	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), f, a, b);
	return buf[k];
}

/* The stack of f1 <- f2 <- f3 <- a function without CFI <- one more
 * through the frame pointer chain, whose record ends it. */
static void build_stack(uint64_t f3_ra)
{
	memset(stack, 0, sizeof(stack));
	stack_word(S0, CODE + 0x150);       /* f1's return address: into f2 */
	stack_word(S0 + 32, CODE + 0x250);  /* f2's (CFA S0 + 40): into f3 */
	stack_word(S0 + 40, FP1);           /* f3 saved rbp (CFA S0 + 56) */
	stack_word(S0 + 48, f3_ra);         /* f3's return address */
	stack_word(FP1, FP2);               /* frame record {fp, ra} */
	stack_word(FP1 + 8, CODE + 0x1150);
	stack_word(FP2, 0);                 /* the last record: ra 0 */
	stack_word(FP2 + 8, 0);
}

static void test_unwind(void)
{
	static const uint8_t restore_rt[] = { 0x48, 0xc7, 0xc0, 0x0f, 0, 0, 0, 0x0f, 0x05 };
	memset(code, 0, sizeof(code));
	memcpy(code + (TRAMP - CODE), restore_rt, sizeof(restore_rt));
	struct limits lim;
	limits_resolve(&lim, NULL);
	struct fake_code fc = { .eh = build_eh(&lim), .with_cfi = true };
	if (!fc.eh)
		return;
	struct frames fs;
	uint64_t cfa3 = S0 + 56;

	/* CFI, then the frame pointer chain */
	build_stack(CODE + 0x1050);
	struct regval main_regs[] = { { "rip", CODE + 0x10 }, { "rsp", S0 }, { "rbp", 0x1111 } };
	unwind(&arch_x86_64, &fc, 0, main_regs, 3, &fs);
	CHECK_EQ(fs.n, 5);
	CHECK(frame_is(&fs, 0, CODE + 0x10, S0, S0, COR_FRAME_CONTEXT));
	CHECK(frame_is(&fs, 1, CODE + 0x150, S0 + 8, S0 + 8, COR_FRAME_CFI));
	CHECK(frame_is(&fs, 2, CODE + 0x250, S0 + 40, S0 + 40, COR_FRAME_CFI));
	CHECK(frame_is(&fs, 3, CODE + 0x1050, cfa3, cfa3, COR_FRAME_CFI));
	/* rbp restored by f3's rule leads the chain */
	CHECK(frame_is(&fs, 4, CODE + 0x1150, FP1 + 16, FP1 + 16, COR_FRAME_FP));
	for (size_t i = 0; i < fs.n; i++)
		CHECK(!fs.f[i].signal_frame);
	CHECK(stop_is(&fs, fmt("no unwind information for 0x%" PRIx64
			       " in libfake.so and no frame pointer chain", CODE + 0x1150, 0)));

	/* the frame limit */
	unwind(&arch_x86_64, &fc, 2, main_regs, 3, &fs);
	CHECK_EQ(fs.n, 2);
	CHECK(frame_is(&fs, 1, CODE + 0x150, S0 + 8, S0 + 8, COR_FRAME_CFI));
	CHECK(stop_is(&fs, "frame limit 2 reached"));

	/* a return address of 0 ends the stack */
	build_stack(0);
	unwind(&arch_x86_64, &fc, 0, main_regs, 3, &fs);
	CHECK_EQ(fs.n, 3);
	CHECK(frame_is(&fs, 2, CODE + 0x250, S0 + 40, S0 + 40, COR_FRAME_CFI));
	CHECK(stop_is(&fs, "end of stack (return address 0)"));

	/* without CFI from the code callback: the frame pointer chain only */
	build_stack(0);
	stack_word(SB + 0x400, SB + 0x480);
	stack_word(SB + 0x408, CODE + 0x20); /* into f1: has CFI, but with_cfi is off */
	stack_word(SB + 0x480, SB + 0x700);
	stack_word(SB + 0x488, CODE + 0x2100);
	stack_word(SB + 0x700, SB + 0x780);
	stack_word(SB + 0x708, CODE + 0x1150);
	fc.with_cfi = false;
	fc.cfi_calls = 0;
	struct regval fp_regs[] = { { "rip", CODE + 0x10 }, { "rsp", SB + 0x3f0 }, { "rbp", SB + 0x400 } };
	unwind(&arch_x86_64, &fc, 0, fp_regs, 3, &fs);
	CHECK(fc.cfi_calls > 0);
	CHECK_EQ(fs.n, 4);
	CHECK(frame_is(&fs, 0, CODE + 0x10, SB + 0x3f0, SB + 0x3f0, COR_FRAME_CONTEXT));
	CHECK(frame_is(&fs, 1, CODE + 0x20, SB + 0x410, SB + 0x410, COR_FRAME_FP));
	CHECK(frame_is(&fs, 2, CODE + 0x2100, SB + 0x490, SB + 0x490, COR_FRAME_FP));
	CHECK(frame_is(&fs, 3, CODE + 0x1150, SB + 0x710, SB + 0x710, COR_FRAME_FP));
	CHECK(stop_is(&fs, fmt("no unwind information for 0x%" PRIx64
			       " in libfake.so and no frame pointer chain", CODE + 0x1150, 0)));
	fc.with_cfi = true;

	/* no progress: the frame record gives back the same pc and cfa */
	stack_word(SB + 0x500, SB + 0x580);
	stack_word(SB + 0x508, CODE + 0x1010);
	struct regval loop_regs[] = { { "rip", CODE + 0x1010 }, { "rsp", SB + 0x510 }, { "rbp", SB + 0x500 } };
	unwind(&arch_x86_64, &fc, 0, loop_regs, 3, &fs);
	CHECK_EQ(fs.n, 1);
	CHECK(stop_is(&fs, fmt("no progress (pc 0x%" PRIx64 " and cfa 0x%" PRIx64 " repeat)",
			       CODE + 0x1010, SB + 0x510)));

	/* a pc outside every object, no frame pointer */
	struct regval lost_regs[] = { { "rip", 0xdead0000 }, { "rsp", S0 }, { "rbp", 0 } };
	unwind(&arch_x86_64, &fc, 0, lost_regs, 3, &fs);
	CHECK_EQ(fs.n, 1);
	CHECK(frame_is(&fs, 0, 0xdead0000, S0, S0, COR_FRAME_CONTEXT));
	CHECK(stop_is(&fs, "pc 0xdead0000 is in no known module and there is no frame pointer chain"));

	/* the x86_64 signal trampoline: the ucontext at sp + 40 holds the
	 * interrupted frame (mcontext: r8-r15, rdi, rsi, rbp, rbx, rdx, rax,
	 * rcx, rsp, rip) */
	build_stack(CODE + 0x1050);
	uint64_t ss = SB + 0x600, mc = ss + 40;
	for (int i = 0; i < 17; i++)
		stack_word(mc + 8 * i, 0x1000 + i);
	stack_word(mc + 8 * 10, 0x7777);     /* rbp: overwritten by f3's rule */
	stack_word(mc + 8 * 15, S0);         /* rsp */
	stack_word(mc + 8 * 16, CODE + 0x10); /* rip: in f1 */
	struct regval sig_regs[] = { { "rip", TRAMP }, { "rsp", ss }, { "rbp", 0 } };
	unwind(&arch_x86_64, &fc, 0, sig_regs, 3, &fs);
	CHECK_EQ(fs.n, 6);
	CHECK(frame_is(&fs, 0, TRAMP, ss, ss, COR_FRAME_CONTEXT));
	CHECK(fs.n > 0 && fs.f[0].signal_frame && fs.f[0].lookup_pc == TRAMP);
	/* the interrupted frame: its own pc looked up, not pc - 1 */
	CHECK(frame_is(&fs, 1, CODE + 0x10, S0, ss, COR_FRAME_SIGNAL));
	CHECK(fs.n > 1 && !fs.f[1].signal_frame);
	CHECK(frame_is(&fs, 2, CODE + 0x150, S0 + 8, S0 + 8, COR_FRAME_CFI));
	CHECK(frame_is(&fs, 3, CODE + 0x250, S0 + 40, S0 + 40, COR_FRAME_CFI));
	CHECK(frame_is(&fs, 4, CODE + 0x1050, cfa3, cfa3, COR_FRAME_CFI));
	CHECK(frame_is(&fs, 5, CODE + 0x1150, FP1 + 16, FP1 + 16, COR_FRAME_FP));
	free(fs.cb.stop);

	/* f1 fakes calls (as Go's sigpanic does): its return address f3's
	 * first byte is where f3 was interrupted, so f3's row there is the one
	 * (CFA = rsp + 16, rbp at CFA - 16), not f2's at pc - 1 (CFA = rsp +
	 * 32); the frame after it is a return address again */
	memset(stack, 0, sizeof(stack));
	stack_word(S0, CODE + 0x200);
	stack_word(S0 + 8, FP2);
	stack_word(S0 + 16, CODE + 0x250);
	stack_word(S0 + 32, 0);              /* f3's return address */
	fc.faker_lo = CODE;
	fc.faker_hi = CODE + 0x100;
	unwind(&arch_x86_64, &fc, 0, main_regs, 3, &fs);
	CHECK_EQ(fs.n, 3);
	CHECK(frame_is(&fs, 0, CODE + 0x10, S0, S0, COR_FRAME_CONTEXT));
	CHECK(fs.n > 1 && fs.f[1].pc == CODE + 0x200 && fs.f[1].lookup_pc == CODE + 0x200 &&
	      fs.f[1].cfa == S0 + 8 && fs.f[1].how == COR_FRAME_CFI);
	CHECK(frame_is(&fs, 2, CODE + 0x250, S0 + 24, S0 + 24, COR_FRAME_CFI));
	CHECK(stop_is(&fs, "end of stack (return address 0)"));
	fc.faker_lo = fc.faker_hi = 0;

	/* a trampoline whose context cannot be read */
	struct regval bad_sig[] = { { "rip", TRAMP }, { "rsp", 0x10 } };
	unwind(&arch_x86_64, &fc, 0, bad_sig, 2, &fs);
	CHECK_EQ(fs.n, 1);
	CHECK(fs.n && fs.f[0].signal_frame);
	CHECK(stop_is(&fs, "cannot read the signal context at 0x10"));

	/* aarch64: a leaf without CFI returns through x30 (its PAC bits
	 * stripped) */
	fc.with_cfi = false;
	uint64_t lr = CODE + 0x234;
	struct regval a64[] = { { "pc", CODE + 0x100 }, { "sp", S0 }, { "x29", 0 },
				{ "x30", (0x2dull << 48) | lr } };
	unwind(&arch_aarch64, &fc, 0, a64, 4, &fs);
	CHECK_EQ(fs.n, 2);
	CHECK(frame_is(&fs, 0, CODE + 0x100, S0, S0, COR_FRAME_CONTEXT));
	CHECK(frame_is(&fs, 1, lr, S0, S0, COR_FRAME_LR));
	/* only the innermost frame may be a leaf */
	CHECK(stop_is(&fs, fmt("no unwind information for 0x%" PRIx64
			       " in libfake.so and no frame pointer chain", lr, 0)));
	/* x30 not in code: no step */
	a64[3].value = 0xdead0000;
	unwind(&arch_aarch64, &fc, 0, a64, 4, &fs);
	CHECK_EQ(fs.n, 1);
	CHECK(stop_is(&fs, fmt("no unwind information for 0x%" PRIx64
			       " in libfake.so and no frame pointer chain", CODE + 0x100, 0)));
	fc.with_cfi = true;

	/* no architecture */
	unwind(NULL, &fc, 0, main_regs, 3, &fs);
	CHECK_EQ(fs.n, 0);

	cfi_table_free(fc.eh);
}

/* The old one-segment layout (-z noseparate-code): the data segment is
 * mapped from file offset 0 too, so two mappings of offset 0 hold the ELF
 * header. One module, placed by its text, without its file or link_map. */
#define OLD_BIAS 0x7f4000000000ull
static uint8_t ocore[0x2000];

static void test_old_layout(void)
{
	char dir[] = "/tmp/coroner-parts.XXXXXX";
	if (!mkdtemp(dir)) {
		CHECK(!"mkdtemp");
		return;
	}
	uint8_t *e = ocore;
	memcpy(e, "\177ELF\2\1\1", 7);
	e[16] = ET_DYN, e[18] = EM_X86_64, e[20] = 1;
	st64(e + 32, 0x40);
	e[52] = 64, e[54] = 56, e[56] = 2;
	put_phdr(e + 0x40, PT_LOAD, PF_R | PF_X, 0, 0, 0x5e8);
	put_phdr(e + 0x40 + 56, PT_LOAD, PF_R | PF_W, 0xe38, 0x1e38, 0x1d8);
	memcpy(ocore + 0x1000, ocore, 0x1000); /* the relro page: a copy of page 0 */
	static const char path[] = "/usr/lib/libold.so";
	struct file_map fm[] = {
		{ OLD_BIAS, OLD_BIAS + 0x1000, 0, path },
		{ OLD_BIAS + 0x1000, OLD_BIAS + 0x2000, 0, path },
		{ OLD_BIAS + 0x2000, OLD_BIAS + 0x3000, 0x1000, path },
	};
	struct warnings w = {0};
	struct memory m;
	memory_init(&m, "old.core", ocore, sizeof(ocore), -1, &w);
	CHECK(memory_add_segment(&m, OLD_BIAS, 0x1000, 0, 0x1000, PF_R | PF_X));
	CHECK(memory_add_segment(&m, OLD_BIAS + 0x1000, 0x1000, 0x1000, 0x1000, PF_R));
	CHECK(memory_add_segment(&m, OLD_BIAS + 0x2000, 0x1000, 0x2000, 0, PF_R | PF_W));
	CHECK(!memory_finish(&m, fm, COR_ARRAY_SIZE(fm)));
	struct elf_file core_ef;
	struct arena ar = {0};
	struct limits lim;
	struct process p;
	fake_process(&p, &core_ef, &lim, &ar, &w);
	p.fmaps = fm;
	p.nfmaps = COR_ARRAY_SIZE(fm);
	p.file_page_size = 0x1000;
	struct files_options o = { .sysroot = dir };
	struct files f;
	CHECK(!files_init(&f, &o, &p, &m, &lim, &w));
	memory_attach_files(&m, files_mapped_cb, &f);
	struct modules ms;
	CHECK(!modules_build(&ms, &p, &m, &f, &lim, &ar, &w));
	CHECK_EQ(ms.n, 1);
	if (ms.n == 1) {
		CHECK_STR(ms.v[0].pub.name, path);
		CHECK_EQ(ms.v[0].pub.load_bias, OLD_BIAS);
		CHECK_EQ(ms.v[0].pub.start, OLD_BIAS);
		CHECK_EQ(ms.v[0].pub.end, OLD_BIAS + 0x3000);
	}
	CHECK(warned(&w, "libold.so: cannot open"));
	CHECK(!warned(&w, "load bias"));
	free_parts(&ms, &f, &m, &ar, &w);
	rmdir(dir);
}

int main(void)
{
	test_memory();
	test_modules();
	test_old_layout();
	test_unwind();
	return T_DONE();
}
