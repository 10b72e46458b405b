/* Malformed input: cores and ELF files built with corewriter.h, each broken in
 * one named way; every test asserts the exact outcome (error code and the
 * part of the message naming the offset or address, or success with a given
 * warning), and that the limits of struct cor_limits hold. */
#include <stdlib.h>
#include <time.h>
#include "t.h"
#include "corewriter.h"
#include "config.h"
#include "coroner.h"
#include "core.h"
#include "elf.h"
#include "symbols.h"
#include "dwarf/cfi.h"
#include "dwarf/expr.h"
#include "dwarf/info.h"
#ifdef HAVE_ZLIB
#include <zlib.h>
#endif

#define STACK 0x7ffc0000ull
#define TEXT 0x400000ull
#define VDSO 0x7fff0000ull

static const char *nowhere = "/nonexistent/coroner-test-sysroot";

static cor_error *open_lim(const uint8_t *p, size_t n, const struct cor_limits *lim,
			   cor_core **out)
{
	struct cor_options o = COR_OPTIONS_INIT;
	o.sysroot = nowhere;
	if (lim)
		o.limits = *lim;
	return cor_core_open_mem(p, n, "t.core", &o, out);
}

/* Opening fails with code and a message containing want. */
#define EXPECT_ERR(p, n, code, want) expect_err(__LINE__, p, n, code, want)
static void expect_err(int line, const uint8_t *p, size_t n, enum cor_error_code code,
		       const char *want)
{
	cor_core *c = NULL;
	cor_error *err = open_lim(p, n, NULL, &c);
	if (!err) {
		t_fail++;
		fprintf(stderr, "line %d: FAIL: opened, wanted error \"%s\"\n", line, want);
		cor_core_free(c);
		return;
	}
	const char *m = cor_error_message(err);
	if (cor_error_code(err) == code && strstr(m, want)) {
		t_pass++;
	} else {
		t_fail++;
		fprintf(stderr, "line %d: FAIL: error %d \"%s\", wanted %d \"%s\"\n", line,
			cor_error_code(err), m, code, want);
	}
	cor_error_free(err);
}

static const char *warning_with(const cor_core *c, const char *want)
{
	for (size_t i = 0; i < cor_core_warning_count(c); i++)
		if (strstr(cor_core_warning(c, i), want))
			return cor_core_warning(c, i);
	return NULL;
}

static void dump_warnings(const cor_core *c)
{
	for (size_t i = 0; i < cor_core_warning_count(c); i++)
		fprintf(stderr, "    warning: %s\n", cor_core_warning(c, i));
}

/* Opens with success; the core must have a warning containing want (NULL:
 * no requirement). Returns the core (caller frees) or NULL. */
#define OPEN_WARN(p, n, lim, want) open_warn(__LINE__, p, n, lim, want)
static cor_core *open_warn(int line, const uint8_t *p, size_t n, const struct cor_limits *lim,
			   const char *want)
{
	cor_core *c = NULL;
	cor_error *err = open_lim(p, n, lim, &c);
	if (err) {
		t_fail++;
		fprintf(stderr, "line %d: FAIL: error \"%s\", wanted success with \"%s\"\n", line,
			cor_error_message(err), want ? want : "");
		cor_error_free(err);
		return NULL;
	}
	if (!want || warning_with(c, want)) {
		t_pass++;
	} else {
		t_fail++;
		fprintf(stderr, "line %d: FAIL: no warning with \"%s\"\n", line, want);
		dump_warnings(c);
	}
	return c;
}

/* ---- a small valid x86_64 core to break ---- */

struct base {
	struct cw w;
	unsigned notes, stack;
};

static void base_init(struct base *b, bool with_notes)
{
	cw_init(&b->w, true, false, ET_CORE, EM_X86_64);
	b->notes = with_notes ? cw_seg(&b->w, PT_NOTE, 0, 0, 0) : 0;
	if (with_notes) {
		uint8_t pr[CW_X86_64_PRSTATUS_SIZE];
		cw_prstatus_x86_64(pr, 42, 11, TEXT + 0x10, STACK + 0x100, 0);
		cw_note(&b->w, b->notes, "CORE", NT_PRSTATUS, pr, sizeof(pr));
	}
	b->stack = cw_seg(&b->w, PT_LOAD, 6, STACK, 0x1000);
	uint8_t st[0x100];
	for (size_t i = 0; i < sizeof(st); i++)
		st[i] = (uint8_t)i;
	cw_seg_data(&b->w, b->stack, st, sizeof(st));
}

/* ---- the ELF header ---- */

static void test_header(void)
{
	EXPECT_ERR((const uint8_t *)"", 0, COR_ERR_FORMAT, "offset 0x0: not an ELF file (shorter than an ELF identification)");
	EXPECT_ERR((const uint8_t *)"\177ELF\2\1\1", 7, COR_ERR_FORMAT, "offset 0x0: not an ELF file (shorter");
	static const char text[] = "this is a text file, not a core file, at least 64 bytes long.....";
	EXPECT_ERR((const uint8_t *)text, sizeof(text), COR_ERR_FORMAT, "offset 0x0: not an ELF file");

	struct base b;
	size_t n;
	base_init(&b, true);
	uint8_t *p = cw_finish(&b.w, &n);
	cw_set_ehdr(&b.w, CW_E_TYPE, ET_EXEC);
	EXPECT_ERR(p, n, COR_ERR_NOT_CORE, "not a core file (ELF type ET_EXEC");
	cw_set_ehdr(&b.w, CW_E_TYPE, ET_CORE);
	p[4] = 3;
	EXPECT_ERR(p, n, COR_ERR_FORMAT, "offset 0x4: bad ELF class 3");
	p[4] = 2;
	p[5] = 0;
	EXPECT_ERR(p, n, COR_ERR_FORMAT, "offset 0x5: bad ELF byte order 0");
	p[5] = 1;
	/* shorter than the 64-byte ELF64 header */
	EXPECT_ERR(p, 40, COR_ERR_FORMAT, "truncated ELF header (64 bytes needed, 40 present)");
	cw_free(&b.w);
}

/* ---- program headers ---- */

static void test_phdrs(void)
{
	struct base b;
	size_t n;
	base_init(&b, true);
	uint8_t *p = cw_finish(&b.w, &n);

	cw_set_ehdr(&b.w, CW_E_PHOFF, 0x100000);
	EXPECT_ERR(p, n, COR_ERR_FORMAT, "offset 0x100000: program header table (2 entries) is past the end of the file");
	/* e_phoff + e_phnum * e_phentsize wraps */
	cw_set_ehdr(&b.w, CW_E_PHOFF, UINT64_MAX - 8);
	EXPECT_ERR(p, n, COR_ERR_FORMAT, "offset 0xfffffffffffffff7: program header table (2 entries) is past the end");
	cw_set_ehdr(&b.w, CW_E_PHOFF, 64);
	cw_set_ehdr(&b.w, CW_E_PHENTSIZE, 0);
	EXPECT_ERR(p, n, COR_ERR_FORMAT, "offset 0x36: program header entry size 0 is smaller than 56");
	cw_set_ehdr(&b.w, CW_E_PHENTSIZE, 56);
	/* more headers than the file holds: those present are used */
	cw_set_ehdr(&b.w, CW_E_PHNUM, 60000);
	cor_core *c = OPEN_WARN(p, n, NULL, "program headers present");
	if (c) {
		CHECK(cor_core_info(c)->truncated);
		cor_core_free(c);
	}
	cw_set_ehdr(&b.w, CW_E_PHNUM, 2);
	/* PT_NOTE past the end of the file: the notes present are read */
	cw_set_phdr(&b.w, 0, CW_P_FILESZ, 0x100000);
	c = OPEN_WARN(p, n, NULL, "PT_NOTE segment (0x100000 bytes) runs past the end of the file");
	if (c) {
		CHECK_EQ(cor_core_thread_count(c), 1);
		CHECK_EQ(cor_core_thread(c, 0)->tid, 42);
		CHECK(cor_core_info(c)->truncated);
		cor_core_free(c);
	}
	cw_set_phdr(&b.w, 0, CW_P_OFFSET, 0x100000);
	c = OPEN_WARN(p, n, NULL, "offset 0x100000: PT_NOTE segment");
	if (c) {
		CHECK_EQ(cor_core_thread_count(c), 0);
		cor_core_free(c);
	}
	cw_free(&b.w);

	/* PN_XNUM: the count is in section 0's sh_info */
	base_init(&b, true);
	b.w.shdr0 = true;
	b.w.shdr0_info = 2;
	p = cw_finish(&b.w, &n);
	cw_set_ehdr(&b.w, CW_E_PHNUM, PN_XNUM);
	c = OPEN_WARN(p, n, NULL, NULL);
	if (c) {
		CHECK_EQ(cor_core_thread_count(c), 1);
		CHECK_EQ(cor_core_mapping_count(c), 1);
		CHECK_EQ(cor_core_warning_count(c), 0);
		cor_core_free(c);
	}
	/* PN_XNUM without a section 0: 0xffff headers taken as they are */
	cw_set_ehdr(&b.w, CW_E_SHOFF, 0);
	c = OPEN_WARN(p, n, NULL, "of 65535 program headers present");
	cor_core_free(c);
	cw_free(&b.w);

	/* no PT_NOTE at all */
	base_init(&b, false);
	p = cw_finish(&b.w, &n);
	c = OPEN_WARN(p, n, NULL, "no PT_NOTE segment: no threads");
	if (c) {
		CHECK_EQ(cor_core_thread_count(c), 0);
		CHECK_EQ(cor_core_crashed_thread(c), -1);
		cor_core_free(c);
	}
	cw_free(&b.w);
}

/* ---- PT_LOAD ---- */

static void test_loads(void)
{
	struct base b;
	size_t n;
	base_init(&b, true);
	unsigned wrap = cw_seg(&b.w, PT_LOAD, 4, 0xfffffffffffff000ull, 0x2000);
	unsigned big = cw_seg(&b.w, PT_LOAD, 4, 0x10000, 0x10);
	cw_seg_data(&b.w, big, "0123456789abcdef0123456789abcdef", 32);
	unsigned over = cw_seg(&b.w, PT_LOAD, 4, STACK + 0x800, 0x1000);
	uint8_t *p = cw_finish(&b.w, &n);
	cw_set_phdr(&b.w, big, CW_P_MEMSZ, 0x10);
	(void)wrap;
	(void)over;
	cor_core *c = OPEN_WARN(p, n, NULL, "PT_LOAD at 0xfffffffffffff000 with size 0x2000 wraps the address space");
	if (c) {
		CHECK(warning_with(c, "PT_LOAD at 0x10000: file size 0x20 exceeds memory size 0x10"));
		CHECK(warning_with(c, "PT_LOAD segments at 0x7ffc0000 and 0x7ffc0800 overlap"));
		uint8_t buf[32];
		size_t done = 0;
		cor_error *err = cor_core_read(c, 0x10000, buf, 32, &done);
		CHECK(err && cor_error_code(err) == COR_ERR_NO_MEMORY);
		CHECK(err && strstr(cor_error_message(err), "address 0x10010 is not mapped"));
		CHECK_EQ(done, 16);
		cor_error_free(err);
		err = cor_core_read(c, UINT64_MAX - 4, buf, 8, &done);
		CHECK(err && strstr(cor_error_message(err), "wraps the address space"));
		cor_error_free(err);
		/* the stack bytes are still right */
		err = cor_core_read(c, STACK + 0x10, buf, 4, NULL);
		CHECK(!err && buf[0] == 0x10 && buf[3] == 0x13);
		cor_error_free(err);
		cor_core_free(c);
	}
	cw_free(&b.w);
}

/* ---- notes ---- */

static void test_notes(void)
{
	struct base b;
	size_t n;
	base_init(&b, true);
	/* namesz 0xffffffff */
	cw_note_raw(&b.w, b.notes, 0xffffffff, 4, 1, "CORE", 5, "abcd", 4);
	uint8_t *p = cw_finish(&b.w, &n);
	cor_core *c = OPEN_WARN(p, n, NULL, ": malformed note (size runs past its segment)");
	if (c) {
		CHECK_EQ(cor_core_thread_count(c), 1);
		CHECK_EQ(cor_core_note_count(c), 1);
		cor_core_free(c);
	}
	cw_free(&b.w);

	/* descsz that wraps a 32-bit size once aligned */
	base_init(&b, true);
	cw_note_raw(&b.w, b.notes, 5, 0xfffffffd, 1, "CORE", 5, "abcd", 4);
	p = cw_finish(&b.w, &n);
	char want[96];
	/* the bad note follows the NT_PRSTATUS (12 + 8 + 336 bytes) */
	snprintf(want, sizeof(want), "offset 0x%zx: malformed note", b.w.seg_off[b.notes] + 356);
	c = OPEN_WARN(p, n, NULL, want);
	if (c) {
		CHECK_EQ(cor_core_thread_count(c), 1);
		cor_core_free(c);
	}
	cw_free(&b.w);

	/* NT_PRSTATUS shorter and longer than the structure */
	base_init(&b, true);
	uint8_t pr[CW_X86_64_PRSTATUS_SIZE + 64];
	cw_prstatus_x86_64(pr, 7, 0, 0x1234, 0x5678, 0);
	cw_note(&b.w, b.notes, "CORE", NT_PRSTATUS, pr, 200);
	cw_note(&b.w, b.notes, "CORE", NT_PRSTATUS, pr, 20);
	memset(pr + CW_X86_64_PRSTATUS_SIZE, 0xee, 64);
	cw_note(&b.w, b.notes, "CORE", NT_PRSTATUS, pr, sizeof(pr));
	p = cw_finish(&b.w, &n);
	c = OPEN_WARN(p, n, NULL, "NT_PRSTATUS of thread 7 is 200 bytes, 332 expected");
	if (c) {
		CHECK(warning_with(c, "NT_PRSTATUS of 20 bytes is too short to hold a thread id"));
		CHECK_EQ(cor_core_thread_count(c), 4);
		const struct cor_thread *t = cor_core_thread(c, 1);
		CHECK(t && t->tid == 7 && t->pc == 0 && !cor_thread_register(t, "rip"));
		CHECK(t && cor_thread_register(t, "r15") != NULL);
		t = cor_core_thread(c, 3);
		CHECK(t && t->tid == 7 && t->pc == 0x1234 && t->sp == 0x5678);
		cor_core_free(c);
	}
	cw_free(&b.w);
}

static void test_nt_file(void)
{
	struct base b;
	size_t n;
	base_init(&b, true);
	struct cw_blob f = {0};
	cw_blob_uint(&f, 8, 0xffffffffffffull, false); /* count */
	cw_blob_uint(&f, 8, 4096, false);
	uint64_t e[] = { STACK, STACK + 0x1000, 0, TEXT, TEXT + 0x1000, 0 };
	for (int i = 0; i < 6; i++)
		cw_blob_uint(&f, 8, e[i], false);
	cw_blob_add(&f, "/lib/one\0/lib/two", 17); /* room for 65 / 24 = 2 entries */
	cw_note(&b.w, b.notes, "CORE", NT_FILE, f.p, f.n);
	free(f.p);
	uint8_t *p = cw_finish(&b.w, &n);
	cor_core *c = OPEN_WARN(p, n, NULL, "NT_FILE claims 281474976710655 entries but has room for 2");
	if (c) {
		CHECK(warning_with(c, "NT_FILE entry 1 has a name without its terminating NUL"));
		const struct cor_mapping *m = cor_core_mapping_at(c, STACK);
		CHECK(m && m->path && !strcmp(m->path, "/lib/one"));
		cor_core_free(c);
	}
	cw_free(&b.w);
}

static void test_psinfo(void)
{
	struct base b;
	size_t n;
	base_init(&b, true);
	uint8_t ps[136];
	memset(ps, 'A', sizeof(ps));
	ps[1] = 'R';
	memset(ps + 56, 1, 80); /* psargs: no NUL, unprintable */
	cw_note(&b.w, b.notes, "CORE", NT_PRPSINFO, ps, sizeof(ps));
	uint8_t *p = cw_finish(&b.w, &n);
	cor_core *c = OPEN_WARN(p, n, NULL, NULL);
	if (c) {
		const struct cor_process *pr = cor_core_process(c);
		CHECK(pr->have_psinfo);
		CHECK_STR(pr->command, "AAAAAAAAAAAAAAAA");
		/* the bytes as recorded, cut at the field's end */
		CHECK(pr->args && strlen(pr->args) == 80 && pr->args[0] == 1 && pr->args[79] == 1);
		cor_core_free(c);
	}
	cw_free(&b.w);
}

/* 100,000 tiny notes and threads: bounded time, limits reported */
static void test_many_notes(void)
{
	struct base b;
	size_t n;
	base_init(&b, true);
	for (int i = 0; i < 100000; i++)
		cw_note(&b.w, b.notes, "CORE", 0x999, NULL, 0);
	uint8_t *p = cw_finish(&b.w, &n);
	clock_t t0 = clock();
	cor_core *c = OPEN_WARN(p, n, NULL, NULL);
	if (c) {
		CHECK_EQ(cor_core_note_count(c), 100001);
		CHECK_EQ(cor_core_notes_omitted(c), 0);
		cor_core_free(c);
	}
	struct cor_limits lim = { .max_notes = 1000 };
	c = OPEN_WARN(p, n, &lim, "99001 notes omitted (limit 1000)");
	if (c) {
		CHECK_EQ(cor_core_note_count(c), 1000);
		CHECK_EQ(cor_core_notes_omitted(c), 99001);
		cor_core_free(c);
	}
	CHECK((clock() - t0) / CLOCKS_PER_SEC < 20);
	cw_free(&b.w);

	/* 100,000 threads (empty NT_PRSTATUS): kept up to max_threads */
	base_init(&b, true);
	for (int i = 0; i < 100000; i++)
		cw_note(&b.w, b.notes, "CORE", NT_PRSTATUS, NULL, 0);
	p = cw_finish(&b.w, &n);
	t0 = clock();
	lim = (struct cor_limits){ .max_threads = 10 };
	c = OPEN_WARN(p, n, &lim, "99991 threads omitted (limit 10)");
	if (c) {
		CHECK_EQ(cor_core_thread_count(c), 10);
		CHECK(warning_with(c, "too short to hold a thread id"));
		cor_core_free(c);
	}
	c = OPEN_WARN(p, n, NULL, "further warnings omitted");
	if (c) {
		CHECK_EQ(cor_core_thread_count(c), 100000);
		CHECK(cor_core_warning_count(c) <= COR_MAX_WARNINGS + 1);
		cor_core_free(c);
	}
	CHECK((clock() - t0) / CLOCKS_PER_SEC < 20);
	cw_free(&b.w);
}

/* 60 PT_NOTE segments over the same notes: walked once, not 60 times */
static void test_overlapping_notes(void)
{
	struct cw w;
	size_t n;
	cw_init(&w, true, false, ET_CORE, EM_X86_64);
	unsigned notes = cw_seg(&w, PT_NOTE, 0, 0, 0);
	for (int i = 0; i < 1000; i++)
		cw_note(&w, notes, "CORE", 0x999, NULL, 0);
	for (int i = 1; i < 60; i++)
		cw_seg(&w, PT_NOTE, 0, 0, 0);
	uint8_t *p = cw_finish(&w, &n);
	for (unsigned i = 1; i < 60; i++) {
		cw_set_phdr(&w, i, CW_P_OFFSET, w.seg_off[notes]);
		cw_set_phdr(&w, i, CW_P_FILESZ, w.ph[notes].data.n);
	}
	char want[128];
	snprintf(want, sizeof(want), "offset 0x%zx: PT_NOTE segments overlap: notes of this and later segments ignored",
		 w.seg_off[notes]);
	cor_core *c = OPEN_WARN(p, n, NULL, want);
	if (c) {
		CHECK_EQ(cor_core_note_count(c), 1000);
		cor_core_free(c);
	}
	cw_free(&w);
}

/* ELF32 little endian (i386) and ELF64 big endian (ppc64): the same
 * breakage is found in either layout. */
static void test_layouts(void)
{
	static const struct { bool is64, be; uint16_t machine; size_t tid_at, prsize; } v[] = {
		{ false, false, EM_386, 24, 144 },
		{ true, true, EM_PPC64, 32, 112 + 48 * 8 + 8 },
	};
	for (size_t i = 0; i < 2; i++) {
		struct cw w;
		size_t n;
		cw_init(&w, v[i].is64, v[i].be, ET_CORE, v[i].machine);
		unsigned notes = cw_seg(&w, PT_NOTE, 0, 0, 0);
		uint8_t pr[512] = {0};
		cw_store(pr + v[i].tid_at, 4, 77, v[i].be);
		cw_note(&w, notes, "CORE", NT_PRSTATUS, pr, v[i].prsize);
		/* descsz 0xffffffff */
		cw_note_raw(&w, notes, 5, 0xffffffff, NT_PRSTATUS, "CORE", 5, pr, 8);
		unsigned s = cw_seg(&w, PT_LOAD, 6, 0x10000, 0x1000);
		cw_seg_data(&w, s, pr, 64);
		uint8_t *p = cw_finish(&w, &n);
		cor_core *c = OPEN_WARN(p, n, NULL, "malformed note (size runs past its segment)");
		if (c) {
			CHECK_EQ(cor_core_info(c)->elf_class, v[i].is64 ? 64 : 32);
			CHECK_EQ(cor_core_info(c)->big_endian, v[i].be);
			CHECK_EQ(cor_core_thread_count(c), 1);
			CHECK_EQ(cor_core_thread(c, 0)->tid, 77);
			cor_core_free(c);
		}
		/* the program header table cut in the middle of its second entry */
		cw_set_ehdr(&w, CW_E_PHOFF, n - cw_phentsize(&w) - 8);
		c = OPEN_WARN(p, n, NULL, "file truncated: only 1 of 2 program headers present");
		cor_core_free(c);
		cw_free(&w);
	}
}

/* ---- unwinding: loops and depth ---- */

/* A core whose thread has an rbp chain of depth frames on the stack. */
static void test_deep_stack(void)
{
	struct base b;
	size_t n;
	cw_init(&b.w, true, false, ET_CORE, EM_X86_64);
	b.notes = cw_seg(&b.w, PT_NOTE, 0, 0, 0);
	uint8_t pr[CW_X86_64_PRSTATUS_SIZE];
	cw_prstatus_x86_64(pr, 1, 11, TEXT + 0x10, STACK, STACK);
	cw_note(&b.w, b.notes, "CORE", NT_PRSTATUS, pr, sizeof(pr));
	/* the return addresses are in an executable file mapping (not dumped) */
	struct cw_blob f = {0};
	uint64_t words[] = { 1, 4096, TEXT, TEXT + 0x20000, 0 };
	for (int i = 0; i < 5; i++)
		cw_blob_uint(&f, 8, words[i], false);
	cw_blob_add(&f, "/bin/deep", 10);
	cw_note(&b.w, b.notes, "CORE", NT_FILE, f.p, f.n);
	free(f.p);
	cw_seg(&b.w, PT_LOAD, 5, TEXT, 0x20000);
	unsigned s = cw_seg(&b.w, PT_LOAD, 6, STACK, 0x10000);
	static uint8_t st[0x10000];
	for (size_t i = 0; i + 16 <= sizeof(st); i += 16) {
		cw_store(st + i, 8, STACK + i + 16, false);       /* saved rbp */
		cw_store(st + i + 8, 8, TEXT + 0x100 + i, false); /* return address */
	}
	cw_seg_data(&b.w, s, st, sizeof(st));
	uint8_t *p = cw_finish(&b.w, &n);
	cor_core *c = OPEN_WARN(p, n, NULL, NULL);
	if (c) {
		cor_backtrace *bt = NULL;
		cor_error *err = cor_core_backtrace(c, 0, &bt);
		CHECK(!err);
		if (bt) {
			CHECK_EQ(cor_backtrace_frame_count(bt), 256);
			CHECK_STR(cor_backtrace_stop_reason(bt), "frame limit 256 reached");
			cor_backtrace_free(bt);
		}
		cor_core_free(c);
	}
	struct cor_limits lim = { .max_frames = 10 };
	c = OPEN_WARN(p, n, &lim, NULL);
	if (c) {
		cor_backtrace *bt = NULL;
		cor_error *err = cor_core_backtrace(c, 0, &bt);
		CHECK(!err);
		if (bt) {
			CHECK_EQ(cor_backtrace_frame_count(bt), 10);
			CHECK_STR(cor_backtrace_stop_reason(bt), "frame limit 10 reached");
			CHECK_EQ(cor_backtrace_frame(bt, 3)->pc, TEXT + 0x100 + 0x20);
			cor_backtrace_free(bt);
		}
		cor_core_free(c);
	}
	cw_free(&b.w);
}

/* A vDSO image whose .eh_frame says: CFA = rsp, return address at CFA.
 * With [rsp] = pc the unwinder gets the same pc and CFA again. */
static void test_no_progress(void)
{
	struct cw v;
	cw_init(&v, true, false, ET_DYN, EM_X86_64);
	cw_seg(&v, PT_LOAD, 5, CW_WHOLE, 0);
	static const uint8_t text[64] = { 0xeb, 0xfe };
	unsigned ts = cw_sec(&v, ".text", 1, 6, CW_AUTO, text, sizeof(text));
	uint8_t eh[56] = {
		20, 0, 0, 0, 0, 0, 0, 0, 1, 'z', 'R', 0, 1, 0x78, 16, 1, 0x1b,
		0x0c, 7, 0, 0x90, 0, 0, 0,               /* def_cfa rsp+0; rip at cfa+0 */
		20, 0, 0, 0, 28, 0, 0, 0, 0, 0, 0, 0, 64, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	};
	unsigned es = cw_sec(&v, ".eh_frame", 1, 2, CW_AUTO, eh, sizeof(eh));
	/* sections without data where MiniDebugInfo and a dwz file are looked
	 * for: their errors must be freed (ASan / valgrind see leaks) */
	cw_sec(&v, ".gnu_debugdata", SHT_NOBITS, 0, 0, NULL, 0);
	cw_sec(&v, ".gnu_debugaltlink", SHT_NOBITS, 0, 0, NULL, 0);
	cw_sec(&v, ".debug_line", 1, 0, 0, "\xff\xff", 2);
	size_t vlen;
	cw_finish(&v, &vlen);
	uint64_t field = v.sec_off[es] + 32;
	cw_put(&v, field, 4, (uint32_t)(v.sec_off[ts] - field));
	uint64_t pc = VDSO + v.sec_off[ts];

	struct cw w;
	size_t n;
	uint8_t st[0x200];
	for (size_t i = 0; i < sizeof(st); i += 8)
		cw_store(st + i, 8, pc, false);
	uint8_t *p = cw_vdso_core_x86_64(&w, pc, STACK + 0x100, VDSO, v.out.p, vlen,
					 STACK, st, sizeof(st), &n);
	cor_core *c = OPEN_WARN(p, n, NULL, NULL);
	if (c) {
		cor_backtrace *bt = NULL;
		cor_error *err = cor_core_backtrace(c, 0, &bt);
		CHECK(!err);
		if (bt) {
			const char *why = cor_backtrace_stop_reason(bt);
			CHECK(why && strstr(why, "no progress"));
			CHECK(cor_backtrace_frame_count(bt) <= 2);
			if (cor_backtrace_frame_count(bt))
				CHECK_STR(cor_backtrace_frame(bt, 0)->module, "[vdso]");
			if (!why || !strstr(why, "no progress")) {
				fprintf(stderr, "    stop reason: %s\n", why ? why : "(null)");
				dump_warnings(c);
			}
			cor_backtrace_free(bt);
		}
		cor_core_free(c);
	}
	cw_free(&w);
	cw_free(&v);
}

/* ---- ELF files: symbols, compressed sections ---- */

static struct elf_file *open_elf(struct cw *w, struct warnings *warn, const struct limits *lim)
{
	size_t n;
	uint8_t *p = cw_finish(w, &n);
	struct elf_file *ef = NULL;
	cor_error *err = elf_open_mem(p, n, "t.so", lim, warn, &ef);
	CHECK(!err);
	cor_error_free(err);
	return ef;
}

static bool warned(const struct warnings *w, const char *want)
{
	for (size_t i = 0; i < w->n; i++)
		if (strstr(w->v[i].message, want))
			return true;
	return false;
}

static void test_symtab_entsize0(void)
{
	struct cw w;
	cw_init(&w, true, false, ET_DYN, EM_X86_64);
	uint8_t sym[48] = {0};
	cw_store(sym + 24, 4, 1, false);    /* st_name */
	sym[24 + 4] = 0x12;                  /* STB_GLOBAL, STT_FUNC */
	cw_store(sym + 24 + 8, 8, 0x1000, false);
	cw_store(sym + 24 + 16, 8, 16, false);
	unsigned ss = cw_sec(&w, ".symtab", SHT_SYMTAB, 0, 0, sym, sizeof(sym));
	unsigned sn = cw_sec(&w, ".strtab", SHT_STRTAB, 0, 0, "\0main\0", 6);
	w.sh[ss].link = sn;
	w.sh[ss].entsize = 0;
	struct warnings warn = {0};
	struct elf_file *ef = open_elf(&w, &warn, NULL);
	if (ef) {
		struct symtab *st = symtab_new();
		cor_error *err = symtab_add_elf(st, ef);
		CHECK(!err);
		cor_error_free(err);
		symtab_finish(st);
		CHECK_EQ(symtab_count(st), 0);
		CHECK(warned(&warn, "t.so: section .symtab: entry size 0 too small for a symbol, table skipped"));
		symtab_free(st);
		elf_close(ef);
	}
	warnings_free(&warn);
	cw_free(&w);
}

static void test_compressed(void)
{
#ifdef HAVE_ZLIB
	static uint8_t zeros[1 << 20];
	uLongf zn = compressBound(sizeof(zeros));
	uint8_t *z = malloc(24 + zn);
	compress(z + 24, &zn, zeros, sizeof(zeros));
	/* Elf64_Chdr: ch_type 1 (zlib), reserved, ch_size, ch_addralign */
	memset(z, 0, 24);
	cw_store(z, 4, 1, false);
	cw_store(z + 8, 8, sizeof(zeros), false);
	cw_store(z + 16, 8, 1, false);
	struct cw w;
	cw_init(&w, true, false, ET_DYN, EM_X86_64);
	unsigned a = cw_sec(&w, ".debug_info", 1, SHF_COMPRESSED, 0, z, 24 + zn);
	unsigned bomb = cw_sec(&w, ".debug_line", 1, SHF_COMPRESSED, 0, z, 24 + zn);
	unsigned cut = cw_sec(&w, ".debug_str", 1, SHF_COMPRESSED, 0, z, 24 + zn / 2);
	(void)a;
	size_t n;
	uint8_t *p = cw_finish(&w, &n);
	/* .debug_line claims 2^40 bytes */
	cw_put(&w, w.sec_off[bomb] + 8, 8, 1ull << 40);
	struct limits lim;
	struct cor_limits cl = { .max_decompressed = 1 << 16 };
	limits_resolve(&lim, &cl);
	struct elf_file *ef = NULL;
	cor_error *err = elf_open_mem(p, n, "t.so", &lim, NULL, &ef);
	CHECK(!err);
	if (ef) {
		const uint8_t *d;
		size_t dn;
		err = elf_section_data(ef, elf_section_by_name(ef, ".debug_info"), &d, &dn);
		CHECK(err && cor_error_code(err) == COR_ERR_LIMIT);
		CHECK(err && strstr(cor_error_message(err), "t.so: section .debug_info"));
		if (err)
			fprintf(stderr, "    (%s)\n", cor_error_message(err));
		cor_error_free(err);
		err = elf_section_data(ef, elf_section_by_name(ef, ".debug_line"), &d, &dn);
		CHECK(err && cor_error_code(err) == COR_ERR_LIMIT);
		CHECK(err && strstr(cor_error_message(err), "claims 1099511627776"));
		cor_error_free(err);
		elf_close(ef);
	}
	/* with the default limit: .debug_info inflates, the cut one fails */
	err = elf_open_mem(p, n, "t.so", NULL, NULL, &ef);
	CHECK(!err);
	if (ef) {
		const uint8_t *d;
		size_t dn;
		err = elf_section_data(ef, elf_section_by_name(ef, ".debug_info"), &d, &dn);
		CHECK(!err && dn == sizeof(zeros) && d[dn - 1] == 0);
		cor_error_free(err);
		err = elf_section_data(ef, &ef->shdrs[cut], &d, &dn);
		CHECK(err && cor_error_code(err) == COR_ERR_FORMAT);
		CHECK(err && strstr(cor_error_message(err), "t.so: section .debug_str: truncated zlib data"));
		if (err)
			fprintf(stderr, "    (%s)\n", cor_error_message(err));
		cor_error_free(err);
		elf_close(ef);
	}
	free(z);
	cw_free(&w);
#endif
}

/* ---- CFI and expressions ---- */

static cor_error *cfi_row_at(const uint8_t *sec, size_t n, uint64_t pc, struct cfi_row *row,
			     struct cfi_table **tp)
{
	struct limits lim;
	limits_resolve(&lim, NULL);
	struct dwarf_section s = { sec, n, 0x1000 };
	struct cfi_params p = { .be = false, .addr_size = 8, .limits = &lim, .path = "t.so",
				.is_eh_frame = false };
	cor_error *err = cfi_table_new(&s, &p, tp);
	if (err)
		return err;
	return cfi_find_row(*tp, pc, row);
}

/* .debug_frame: CIE (v1, code 1, data -8, ra 16) + FDE [0x2000, 0x2100)
 * with the given instructions. */
static uint8_t *debug_frame(const uint8_t *insns, size_t ni, size_t *len, uint32_t fde_len_fix)
{
	struct cw_blob b = {0};
	static const uint8_t cie[] = { 16, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 1, 0, 1, 0x78, 16,
				       0x0c, 7, 8, 0x90, 1 , 0, 0 };
	cw_blob_add(&b, cie, sizeof(cie));
	cw_blob_uint(&b, 4, fde_len_fix ? fde_len_fix : 4 + 16 + ni, false);
	cw_blob_uint(&b, 4, 0, false);
	cw_blob_uint(&b, 8, 0x2000, false);
	cw_blob_uint(&b, 8, 0x100, false);
	cw_blob_add(&b, insns, ni);
	*len = b.n;
	return b.p;
}

static void test_cfi(void)
{
	struct cfi_row *row = malloc(sizeof(*row));
	struct cfi_table *t = NULL;
	size_t n;
	cor_error *err;
	/* an FDE whose length runs past its section */
	static const uint8_t nop[] = { 0, 0, 0, 0 };
	uint8_t *sec = debug_frame(nop, sizeof(nop), &n, 0x1000);
	err = cfi_row_at(sec, n, 0x2010, row, &t);
	CHECK(err && (cor_error_code(err) == COR_ERR_FORMAT || cor_error_code(err) == COR_ERR_NOT_FOUND));
	const char *why = NULL;
	if (t)
		cfi_table_skipped(t, &why);
	CHECK((err && strstr(cor_error_message(err), "offset 0x14")) || (why && strstr(why, "offset 0x14")));
	if (err)
		fprintf(stderr, "    (%s / %s)\n", cor_error_message(err), why ? why : "");
	cor_error_free(err);
	cfi_table_free(t);
	free(sec);
	t = NULL;

	/* a register number out of range: DW_CFA_offset_extended r1000 */
	static const uint8_t badreg[] = { 0x05, 0xe8, 0x07, 1 };
	sec = debug_frame(badreg, sizeof(badreg), &n, 0);
	err = cfi_row_at(sec, n, 0x2010, row, &t);
	CHECK(err && cor_error_code(err) == COR_ERR_FORMAT);
	CHECK(err && strstr(cor_error_message(err), "register 1000 out of range"));
	if (err)
		fprintf(stderr, "    (%s)\n", cor_error_message(err));
	cor_error_free(err);
	cfi_table_free(t);
	free(sec);
	t = NULL;

	/* a million DW_CFA_remember_state */
	size_t many = 1000000;
	uint8_t *rs = malloc(many);
	memset(rs, 0x0a, many);
	sec = debug_frame(rs, many, &n, 0);
	err = cfi_row_at(sec, n, 0x2010, row, &t);
	CHECK(err && cor_error_code(err) == COR_ERR_LIMIT);
	CHECK(err && strstr(cor_error_message(err), "DW_CFA_remember_state deeper than 64"));
	cor_error_free(err);
	cfi_table_free(t);
	free(sec);
	free(rs);
	free(row);
}

static bool no_reg(void *arg, unsigned regno, uint64_t *val)
{
	return false;
}

static cor_error *no_mem(void *arg, uint64_t addr, void *buf, size_t n)
{
	return cor_error_addr(COR_ERR_NO_MEMORY, addr, "address 0x%" PRIx64 " is not mapped", addr);
}

static void test_expr(void)
{
	struct limits lim;
	limits_resolve(&lim, NULL);
	struct expr_ctx ctx = { .be = false, .addr_size = 8, .limits = &lim,
				.read_reg = no_reg, .read_mem = no_mem };
	uint64_t v;
	/* DW_OP_skip -3: jumps to itself */
	static const uint8_t loop[] = { 0x2f, 0xfd, 0xff };
	cor_error *err = dwarf_expr_eval(&ctx, loop, sizeof(loop), false, 0, &v, NULL);
	CHECK(err && cor_error_code(err) == COR_ERR_LIMIT);
	CHECK(err && strstr(cor_error_message(err), "byte 0 (op 0x2f): step limit reached"));
	if (err)
		fprintf(stderr, "    (%s)\n", cor_error_message(err));
	cor_error_free(err);
	/* a smaller step limit holds */
	struct cor_limits cl = { .max_expr_steps = 10 };
	struct limits small;
	limits_resolve(&small, &cl);
	ctx.limits = &small;
	uint8_t lits[20];
	memset(lits, 0x30, sizeof(lits)); /* DW_OP_lit0 x 20 */
	err = dwarf_expr_eval(&ctx, lits, sizeof(lits), false, 0, &v, NULL);
	CHECK(err && cor_error_code(err) == COR_ERR_LIMIT);
	CHECK(err && strstr(cor_error_message(err), "byte 10"));
	cor_error_free(err);
	ctx.limits = &lim;
	/* 300 pushes overflow the 256-slot stack */
	uint8_t push[300];
	memset(push, 0x31, sizeof(push));
	err = dwarf_expr_eval(&ctx, push, sizeof(push), false, 0, &v, NULL);
	CHECK(err && cor_error_code(err) == COR_ERR_LIMIT);
	CHECK(err && strstr(cor_error_message(err), "byte 256"));
	if (err)
		fprintf(stderr, "    (%s)\n", cor_error_message(err));
	cor_error_free(err);
}

/* DIEs nested deeper than limits.max_depth: a CU, a subprogram, and 200
 * lexical blocks each inside the previous one. */
static void test_die_depth(void)
{
	static const uint8_t abbrev[] = {
		1, 0x11, 1, 0x11, 0x01, 0x12, 0x07, 0, 0,       /* CU: low_pc, high_pc */
		2, 0x2e, 1, 0x03, 0x08, 0x11, 0x01, 0x12, 0x07, 0, 0, /* subprogram */
		3, 0x0b, 1, 0, 0,                               /* lexical block */
		0,
	};
	struct cw_blob info = {0};
	cw_blob_uint(&info, 4, 0, false);    /* unit_length, patched */
	cw_blob_uint(&info, 2, 4, false);
	cw_blob_uint(&info, 4, 0, false);
	cw_blob_uint(&info, 1, 8, false);
	cw_blob_uint(&info, 1, 1, false);
	cw_blob_uint(&info, 8, 0x1000, false);
	cw_blob_uint(&info, 8, 0x100, false);
	cw_blob_uint(&info, 1, 2, false);
	cw_blob_add(&info, "f", 2);
	cw_blob_uint(&info, 8, 0x1000, false);
	cw_blob_uint(&info, 8, 0x100, false);
	size_t block0 = info.n;
	for (int i = 0; i < 200; i++)
		cw_blob_uint(&info, 1, 3, false);
	cw_blob_add(&info, NULL, 202);
	cw_store(info.p, 4, info.n - 4, false);
	struct dwarf_sections s;
	memset(&s, 0, sizeof(s));
	s.info.data = info.p;
	s.info.size = info.n;
	s.abbrev.data = abbrev;
	s.abbrev.size = sizeof(abbrev);
	s.addr_size = 8;
	s.path = "t.debug";
	struct cor_limits cl = { .max_depth = 16 };
	struct limits lim;
	limits_resolve(&lim, &cl);
	struct dwarf_info *di = NULL;
	cor_error *err = dwarf_info_new(&s, &lim, &di);
	CHECK(!err);
	cor_error_free(err);
	if (di) {
		struct dwarf_scope sc[8];
		size_t n = 0;
		err = dwarf_info_scopes(di, 0x1010, sc, 8, &n);
		char want[96];
		/* the 17th nesting level is block 15 (the CU and f are 1 and 2) */
		snprintf(want, sizeof(want), "t.debug: offset 0x%zx: .debug_info: DIE nesting deeper than 16",
			 block0 + 14);
		CHECK(err && cor_error_code(err) == COR_ERR_LIMIT);
		CHECK(err && strstr(cor_error_message(err), want));
		if (err && !strstr(cor_error_message(err), want))
			fprintf(stderr, "    (%s; wanted %s)\n", cor_error_message(err), want);
		if (!err)
			fprintf(stderr, "    (no error, %zu scopes)\n", n);
		cor_error_free(err);
		dwarf_info_free(di);
	}
	free(info.p);
}

int main(void)
{
	test_header();
	test_phdrs();
	test_loads();
	test_notes();
	test_nt_file();
	test_psinfo();
	test_many_notes();
	test_layouts();
	test_overlapping_notes();
	test_deep_stack();
	test_no_progress();
	test_symtab_entsize0();
	test_compressed();
	test_cfi();
	test_expr();
	test_die_depth();
	return T_DONE();
}
