/* mkseeds OUTDIR - synthetic seeds written with tests/unit/corewriter.h:
 * small cores (x86_64 LE, i386, a big-endian ppc64 and s390x header, one
 * with a vDSO image carrying .eh_frame) into OUTDIR/fuzz_core and segment
 * layouts into OUTDIR/fuzz_memory. */
#include <stdio.h>
#include "../unit/corewriter.h"

#define PT_LOAD 1
#define PT_NOTE 4
#define NT_PRSTATUS 1
#define NT_PRPSINFO 3
#define NT_AUXV 6
#define NT_SIGINFO 0x53494749
#define NT_FILE 0x46494c45

static const char *outdir;

static void put(const char *sub, const char *name, const void *p, size_t n)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s/%s", outdir, sub, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n) {
		perror(path);
		exit(1);
	}
	fclose(f);
}

/* A vDSO-like ET_DYN image: .text, .eh_frame with one CIE and one FDE
 * covering .text (CFA = rsp + 8, return address at CFA - 8), .dynsym. */
static uint8_t *vdso_image(size_t *len, struct cw *w)
{
	cw_init(w, true, false, 3, 62);
	cw_seg(w, PT_LOAD, 5, CW_WHOLE, 0);
	static const uint8_t text[64] = { 0x55, 0x48, 0x89, 0xe5, 0x0f, 0x0b };
	unsigned t = cw_sec(w, ".text", 1, 6, CW_AUTO, text, sizeof(text));
	(void)t;
	uint8_t eh[64] = {
		/* CIE: len 20, id 0, v1, "zR", code 1, data -8, ra 16, aug 1, R=pcrel|sdata4 */
		20, 0, 0, 0, 0, 0, 0, 0, 1, 'z', 'R', 0, 1, 0x78, 16, 1, 0x1b,
		0x0c, 7, 8, 0x90, 1, 0, 0, 0,
		/* FDE: len 20, cie ptr, pc_begin (pcrel, patched), range 64, aug 0,
		 * DW_CFA_advance_loc 1, def_cfa_offset 16, offset r6 at cfa-16 */
		20, 0, 0, 0, 28, 0, 0, 0, 0, 0, 0, 0, 64, 0, 0, 0, 0,
		0x41, 0x0e, 16, 0x86, 2, 0, 0,
	};
	unsigned e = cw_sec(w, ".eh_frame", 1, 2, CW_AUTO, eh, sizeof(eh));
	cw_finish(w, len);
	/* pc_begin = .text - address of the field */
	uint64_t field = w->sec_off[e] + 24 + 8;
	cw_put(w, field, 4, (uint32_t)(w->sec_off[t] - field));
	return w->out.p;
}

static void core_x86_64(const char *name, int nthreads, bool with_vdso)
{
	struct cw w, v;
	cw_init(&w, true, false, 4, 62);
	unsigned notes = cw_seg(&w, PT_NOTE, 0, 0, 0);
	uint64_t stack = 0x7ffc0000, text = 0x400000, vdso = 0x7fff0000;
	size_t vlen = 0;
	uint8_t *vimg = with_vdso ? vdso_image(&vlen, &v) : NULL;
	uint64_t pc = with_vdso ? vdso + v.sec_off[1] + 4 : text + 0x10;
	for (int i = 0; i < nthreads; i++) {
		uint8_t pr[CW_X86_64_PRSTATUS_SIZE];
		cw_prstatus_x86_64(pr, 100 + i, i ? 0 : 11, pc, stack + 0x100, stack + 0x200);
		cw_note(&w, notes, "CORE", NT_PRSTATUS, pr, sizeof(pr));
		uint8_t fp[512] = { 0x7f, 3 };
		cw_note(&w, notes, "CORE", 2, fp, sizeof(fp));
	}
	uint8_t ps[136] = { 0, 'S' };
	memcpy(ps + 40, "crash\0", 6);
	memcpy(ps + 56, "./crash --arg", 13);
	cw_note(&w, notes, "CORE", NT_PRPSINFO, ps, sizeof(ps));
	uint8_t si[128] = { 11, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0 };
	cw_store(si + 16, 8, 0x1230, false);
	cw_note(&w, notes, "CORE", NT_SIGINFO, si, sizeof(si));
	uint64_t auxv[] = { 33, vdso, 3, text + 0x40, 5, 1, 9, text + 0x10, 31, stack + 0xf00, 0, 0 };
	cw_note(&w, notes, "CORE", NT_AUXV, auxv, sizeof(auxv));
	struct cw_blob f = {0};
	cw_blob_uint(&f, 8, 2, false);
	cw_blob_uint(&f, 8, 4096, false);
	uint64_t ents[] = { text, text + 0x1000, 0, text + 0x1000, text + 0x2000, 1 };
	for (int i = 0; i < 6; i++)
		cw_blob_uint(&f, 8, ents[i], false);
	cw_blob_add(&f, "/usr/bin/crash\0/usr/bin/crash", 30);
	cw_note(&w, notes, "CORE", NT_FILE, f.p, f.n);
	free(f.p);
	unsigned s = cw_seg(&w, PT_LOAD, 5, text, 0x1000);
	uint8_t code[256] = { 0x7f, 'E', 'L', 'F', 2, 1, 1 };
	cw_seg_data(&w, s, code, sizeof(code));
	cw_seg(&w, PT_LOAD, 5, text + 0x1000, 0x1000);
	s = cw_seg(&w, PT_LOAD, 6, stack, 0x1000);
	uint8_t st[0x1000];
	for (size_t i = 0; i < sizeof(st); i += 8)
		cw_store(st + i, 8, i < 0x200 ? text + 0x20 + i : stack + i + 0x10, false);
	memcpy(st + 0xf00, "/usr/bin/crash", 15);
	cw_seg_data(&w, s, st, sizeof(st));
	if (vimg) {
		s = cw_seg(&w, PT_LOAD, 5, vdso, 0x1000);
		cw_seg_data(&w, s, vimg, vlen);
	}
	size_t len;
	uint8_t *p = cw_finish(&w, &len);
	put("fuzz_core", name, p, len);
	cw_free(&w);
	if (vimg)
		cw_free(&v);
}

static void core_other(const char *name, bool is64, bool be, uint16_t machine, size_t prsize)
{
	struct cw w;
	cw_init(&w, is64, be, 4, machine);
	unsigned notes = cw_seg(&w, PT_NOTE, 0, 0, 0);
	uint8_t pr[1024] = {0};
	cw_store(pr + 12, 2, 11, be);
	cw_store(pr + (is64 ? 32 : 24), 4, 42, be);
	for (size_t i = is64 ? 112 : 72; i + 8 <= prsize; i += 8)
		cw_store(pr + i, is64 ? 8 : 4, 0x10000 + i, be);
	cw_note(&w, notes, "CORE", NT_PRSTATUS, pr, prsize);
	unsigned s = cw_seg(&w, PT_LOAD, 6, 0x10000, 0x1000);
	uint8_t st[512];
	for (size_t i = 0; i < sizeof(st); i++)
		st[i] = (uint8_t)i;
	cw_seg_data(&w, s, st, sizeof(st));
	size_t len;
	uint8_t *p = cw_finish(&w, &len);
	put("fuzz_core", name, p, len);
	cw_free(&w);
}

static void memory_seeds(void)
{
	static const uint8_t a[] = {
		3, 0, 0, 0x10, 0x00, 0x10, 5, 0x10, 0, 0x10, 0x00, 0x08, 6,
		0x30, 0, 0x10, 0x00, 0x00, 4, 0x00, 0x00,
		0x10, 0, 0x40, 0, 0x00, 0x01, 0x00, 0x01, 0xf0, 0x00, 0x00, 0x10,
	};
	put("fuzz_memory", "three", a, sizeof(a));
	static const uint8_t b[] = {
		2, 0, 0, 0x20, 0x00, 0x20, 6, 0x08, 0, 0x20, 0x00, 0x20, 6, 0x00, 0x08,
		0x10, 0, 0x00, 0x10, 0x80, 0, 0x00, 0x04,
	};
	put("fuzz_memory", "overlap-cut", b, sizeof(b));
}

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	outdir = argv[1];
	core_x86_64("x86_64-min.core", 1, false);
	core_x86_64("x86_64-threads.core", 3, false);
	core_x86_64("x86_64-vdso.core", 1, true);
	core_other("i386.core", false, false, 3, 72 + 68 + 4);
	core_other("ppc64.core", true, true, 21, 112 + 48 * 8 + 4);
	core_other("s390x.core", true, true, 22, 112 + 216 + 4);
	core_other("aarch64.core", true, false, 183, 112 + 34 * 8 + 4);
	core_other("riscv64.core", true, false, 243, 112 + 32 * 8 + 4);
	memory_seeds();
	return 0;
}
