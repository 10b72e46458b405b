/* One file, many spellings: 10,000 link_map entries naming the same
 * library as /usr//lib/./libA.so.1, /usr///lib/././libA.so.1, ... open it
 * once (one elf_file shared by every module, one mapping per device and
 * inode), and the modules stay bounded. */
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>
#include "t.h"
#include "corewriter.h"
#include "memory.h"
#include "process.h"
#include "files.h"
#include "modules.h"
#include "arch/arch.h"

#define N_ENTRIES 10000
#define IMG 0x555555554000ull       /* the executable's image */
#define LMAP 0x7ffff0000000ull      /* r_debug, link_map entries, names */
#define LMAP_SIZE (6u << 20)
#define NAMES 0x100000u             /* offset of the names in LMAP */
#define NAME_SLOT 512
#define LIB_BIAS 0x7f0000000000ull

static void w64(uint8_t *p, uint64_t v)
{
	for (unsigned i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* An ET_DYN of two PT_LOADs at path. */
static bool write_lib(const char *path)
{
	struct cw w;
	cw_init(&w, true, false, ET_DYN, EM_X86_64);
	cw_seg_data(&w, cw_seg(&w, PT_LOAD, 4, 0, 0x1000), "\x7f", 1);
	cw_seg_data(&w, cw_seg(&w, PT_LOAD, 5, 0x2000, 0x1800), "\xc3", 1);
	size_t len;
	uint8_t *img = cw_finish(&w, &len);
	FILE *f = fopen(path, "wb");
	bool ok = f && fwrite(img, 1, len, f) == len;
	ok = f && !fclose(f) && ok;
	cw_free(&w);
	return ok;
}

/* The i-th spelling of /usr/lib/libA.so.1: 1-100 slashes after usr, then
 * 0-99 "/." before the name. */
static void spelling(unsigned i, char *out)
{
	char *p = out + sprintf(out, "/usr");
	for (unsigned k = 0; k <= i % 100; k++)
		*p++ = '/';
	p += sprintf(p, "lib");
	for (unsigned k = 0; k < i / 100; k++)
		p += sprintf(p, "/.");
	sprintf(p, "/libA.so.1");
}

/* The executable's first page and dynamic section (DT_DEBUG -> r_debug at
 * LMAP) into img, the link_map list into lm. */
static void lay_out(uint8_t *img, uint8_t *lm)
{
	memcpy(img, "\177ELF\2\1\1", 7);
	img[16] = ET_DYN, img[18] = EM_X86_64, img[20] = 1;
	w64(img + 32, 64);
	img[52] = 64, img[54] = 56, img[56] = 2;
	uint8_t *ph = img + 64;
	ph[0] = PT_PHDR, w64(ph + 8, 64), w64(ph + 16, 64), w64(ph + 32, 112);
	ph += 56;
	ph[0] = PT_DYNAMIC, w64(ph + 8, 0x800), w64(ph + 16, 0x800), w64(ph + 32, 32);
	w64(img + 0x800, 21), w64(img + 0x808, LMAP); /* DT_DEBUG */
	w64(lm, 1);
	w64(lm + 8, LMAP + 0x100);
	for (unsigned i = 0; i < N_ENTRIES; i++) {
		uint8_t *e = lm + 0x100 + 40 * i;
		uint64_t bias = LIB_BIAS + (uint64_t)i * 0x10000;
		w64(e, bias);
		w64(e + 8, LMAP + NAMES + (uint64_t)i * NAME_SLOT);
		w64(e + 16, bias + 0x2f00);
		w64(e + 24, i + 1 < N_ENTRIES ? LMAP + 0x100 + 40 * (i + 1) : 0);
		spelling(i, (char *)lm + NAMES + (size_t)i * NAME_SLOT);
	}
}

int main(void)
{
	char dir[] = "/tmp/coroner-spell.XXXXXX", path[256];
	if (!mkdtemp(dir))
		return perror("mkdtemp"), 1;
	snprintf(path, sizeof(path), "%s/usr", dir);
	CHECK(!mkdir(path, 0700));
	snprintf(path, sizeof(path), "%s/usr/lib", dir);
	CHECK(!mkdir(path, 0700));
	snprintf(path, sizeof(path), "%s/usr/lib/libA.so.1", dir);
	CHECK(write_lib(path));

	size_t core_size = 0x1000 + LMAP_SIZE;
	uint8_t *core = calloc(1, core_size);
	lay_out(core, core + 0x1000);
	struct warnings w = {0};
	struct memory m;
	memory_init(&m, "spellings.core", core, core_size, -1, &w);
	CHECK(memory_add_segment(&m, IMG, 0x1000, 0, 0x1000, 5));
	CHECK(memory_add_segment(&m, LMAP, LMAP_SIZE, 0x1000, LMAP_SIZE, 6));
	CHECK(!memory_finish(&m, NULL, 0));

	struct elf_file core_ef = { .is64 = true, .addr_size = 8, .type = ET_CORE,
				    .machine = EM_X86_64 };
	struct cor_auxv auxv[] = { { .type = AT_PHDR, .value = IMG + 64 },
				   { .type = AT_PHNUM, .value = 2 } };
	struct arena ar = {0};
	struct limits lim;
	limits_resolve(&lim, NULL);
	struct process p = { .arch = &arch_x86_64, .elf = &core_ef, .auxv = auxv,
			     .nauxv = COR_ARRAY_SIZE(auxv), .limits = &lim, .arena = &ar, .warn = &w };
	struct files_options o = { .sysroot = dir, .debug_dirs = (const char *const[]){ dir, NULL } };
	struct files f;
	CHECK(!files_init(&f, &o, &p, &m, &lim, &w));
	struct modules ms;
	CHECK(!modules_build(&ms, &p, &m, &f, &lim, &ar, &w));

	/* every spelling is a module (up to the bound), all on one elf_file */
	CHECK(ms.n > N_ENTRIES / 2 && ms.n <= N_ENTRIES);
	const struct elf_file *shared = NULL;
	size_t with_file = 0, others = 0;
	for (size_t i = 0; i < ms.n; i++) {
		if (!ms.v[i].elf)
			continue;
		with_file++;
		if (!shared)
			shared = ms.v[i].elf;
		others += ms.v[i].elf != shared;
	}
	CHECK_EQ(with_file, ms.n);
	CHECK_EQ(others, 0);
	CHECK(shared && shared->refs == with_file + 1); /* and the files layer's */
	/* a pc in the last one is found in it */
	const struct module *last = module_at(&ms, LIB_BIAS + (uint64_t)(ms.n - 1) * 0x10000 + 0x2000);
	CHECK(last && last->elf == shared);

	modules_free(&ms);
	files_free(&f);
	memory_free(&m);
	arena_free(&ar);
	warnings_free(&w);
	free(core);
	snprintf(path, sizeof(path), "%s/usr/lib/libA.so.1", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/usr/lib", dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/usr", dir);
	rmdir(path);
	rmdir(dir);
	return T_DONE();
}
