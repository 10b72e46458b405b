/* targets.h - the bodies of the fuzz targets, one function per target, shared
 * by the libFuzzer mains (tests/fuzz/fuzz_*.c) and the regression replay
 * (tests/unit/test_regress.c). Each takes arbitrary bytes and must neither
 * crash, hang nor leak; it touches every string and byte the library hands
 * out so the sanitizers see bad pointers.
 *
 * Input layouts (header fields little endian):
 *   fuzz_core    the bytes are a core file
 *   fuzz_elf     the bytes are an ELF file (any type)
 *   fuzz_cfi     flags:u8 hdrlen:u32 secaddr:u64 hdraddr:u64 pcs:4*u64, then
 *                the section, its last hdrlen bytes being .eh_frame_hdr
 *                (flags bit0 big endian, bit1 4-byte addresses, bit2
 *                .debug_frame instead of .eh_frame)
 *   fuzz_line    flags:u8 len:10*u32 pcs:4*u64, then .debug_info, _abbrev,
 *                _line, _str, _line_str, _str_offsets, _addr, _ranges,
 *                _rnglists, _aranges in that order (lengths clamped to what
 *                is left; flags as for fuzz_cfi)
 *   fuzz_memory  nseg:u8, nseg * (page:u16 memsz:u16 filesz:u16 flags:u8),
 *                cut:u16, then read ops (off:u16 len:u16) on a core built
 *                from those segments, whose file is cut short by cut bytes
 */
#ifndef COR_FUZZ_TARGETS_H
#define COR_FUZZ_TARGETS_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "coroner.h"
#include "internal.h"
#include "core.h"
#include "elf.h"
#include "symbols.h"
#include "dwarf/cfi.h"
#include "dwarf/expr.h"
#include "dwarf/info.h"
#include "../unit/corewriter.h"

#define FUZZ_SYSROOT "/nonexistent/coroner-fuzz-sysroot"

/* Reads every byte of a string so ASan checks it; returns its length. */
static size_t fz_touch(const char *s)
{
	return s ? strlen(s) : 0;
}

static volatile uint64_t fz_sink;

static void fz_touch_bytes(const uint8_t *p, size_t n)
{
	uint64_t x = 0;
	for (size_t i = 0; p && i < n; i++)
		x += p[i];
	fz_sink += x;
}

static uint64_t fz_le(const uint8_t *p, unsigned n)
{
	return cor_load(p, n, false);
}

static void fz_limits(struct cor_limits *l)
{
	l->max_frames = 64;
	l->max_threads = 64;
	l->max_notes = 4096;
	l->max_expr_steps = 1000;
	l->max_depth = 64;
	l->max_decompressed = 1 << 22;
}

static void fz_resolved_limits(struct limits *out)
{
	struct cor_limits l = {0};
	fz_limits(&l);
	limits_resolve(out, &l);
}

/* ---- fuzz_core: cor_core_open_mem and all the JSON report touches ---- */

static void fz_report(cor_core *c)
{
	const struct cor_core_info *in = cor_core_info(c);
	fz_touch(in->arch_name);
	const struct cor_process *p = cor_core_process(c);
	fz_touch(p->command);
	fz_touch(p->args);
	fz_touch(p->executable);
	const struct cor_signal *s = cor_core_signal(c);
	fz_touch(s->name);
	fz_touch(s->code_name);
	fz_touch(s->description);
	cor_core_crashed_thread(c);
	size_t nt = cor_core_thread_count(c);
	for (size_t i = 0; i < nt; i++) {
		const struct cor_thread *t = cor_core_thread(c, i);
		for (size_t k = 0; k < t->register_count; k++) {
			fz_touch(t->registers[k].name);
			fz_touch_bytes(t->registers[k].bytes, t->registers[k].size);
		}
	}
	for (size_t i = 0; i < cor_core_mapping_count(c); i++) {
		const struct cor_mapping *m = cor_core_mapping(c, i);
		fz_touch(m->path);
		fz_touch(m->file);
		cor_core_mapping_at(c, m->start);
		if (m->end > m->start)
			cor_core_mapping_at(c, m->end - 1);
	}
	for (size_t i = 0; i < cor_core_note_count(c); i++) {
		const struct cor_note *n = cor_core_note(c, i);
		fz_touch(n->name);
		fz_touch(n->type_name);
		fz_touch_bytes(n->desc, n->desc ? (size_t)n->size : 0);
	}
	cor_core_notes_omitted(c);
	for (size_t i = 0; i < cor_core_auxv_count(c); i++) {
		const struct cor_auxv *a = cor_core_auxv(c, i);
		fz_touch(a->name);
		fz_touch(a->string);
	}
	size_t nm = cor_core_module_count(c);
	for (size_t i = 0; i < nm; i++) {
		const struct cor_module *m = cor_core_module(c, i);
		fz_touch(m->name);
		fz_touch(m->path);
		fz_touch(m->build_id);
		fz_touch(m->debug_file);
		cor_core_module_at(c, m->start);
	}
	for (size_t i = 0; i < nt; i++) {
		cor_backtrace *bt;
		cor_error *err = cor_core_backtrace(c, i, &bt);
		if (err) {
			fz_touch(cor_error_message(err));
			cor_error_free(err);
			continue;
		}
		for (size_t k = 0; k < cor_backtrace_frame_count(bt); k++) {
			const struct cor_frame *f = cor_backtrace_frame(bt, k);
			fz_touch(f->function);
			fz_touch(f->module);
			fz_touch(f->file);
			fz_touch(cor_frame_how_name(f->how));
		}
		fz_touch(cor_backtrace_stop_reason(bt));
		cor_backtrace_free(bt);
	}
	/* the diagnosis (the report without its backtraces: it unwinds the
	 * crashed thread itself) */
	struct cor_report_options ro = COR_REPORT_OPTIONS_INIT;
	ro.backtraces = false;
	const struct cor_report *rep;
	cor_error *rerr = cor_core_report(c, &ro, &rep);
	if (rerr) {
		fz_touch(cor_error_message(rerr));
		cor_error_free(rerr);
	} else {
		const struct cor_diagnosis *d = rep->diagnosis;
		if (d) {
			fz_touch(d->class_name);
			fz_touch(d->severity);
			fz_touch(d->summary);
			fz_touch(d->fault_access);
			fz_touch(d->fault_region);
			fz_touch(d->message);
			fz_touch(d->exception_type);
			fz_touch(d->exception_what);
			fz_touch(d->crash_line);
			fz_touch(d->signature);
			for (size_t i = 0; i < d->cycle_count; i++)
				fz_touch(d->cycle[i]);
			for (size_t i = 0; i < d->before_count + 1; i++) {
				const struct cor_insn *ins = i ? &d->before[i - 1] : d->instruction;
				if (!ins)
					continue;
				fz_touch(ins->text);
				fz_touch_bytes(ins->bytes, ins->size);
			}
		}
		cor_report_free(rep);
	}
	/* a few reads: around the first thread's stack and pc, each mapping */
	uint8_t buf[256];
	size_t done;
	if (nt) {
		const struct cor_thread *t = cor_core_thread(c, 0);
		uint64_t at[] = { t->sp, t->pc, t->sp - 64, UINT64_MAX - 8 };
		for (size_t i = 0; i < COR_ARRAY_SIZE(at); i++) {
			cor_error *err = cor_core_read(c, at[i], buf, sizeof(buf), &done);
			if (err)
				fz_touch(cor_error_message(err));
			cor_error_free(err);
		}
	}
	for (size_t i = 0; i < cor_core_mapping_count(c) && i < 16; i++) {
		const struct cor_mapping *m = cor_core_mapping(c, i);
		cor_error *err = cor_core_read(c, m->end - 16, buf, 32, &done);
		cor_error_free(err);
	}
	for (size_t i = 0; i < cor_core_warning_count(c); i++)
		fz_touch(cor_core_warning(c, i));
}

static int fuzz_core(const uint8_t *data, size_t size)
{
	struct cor_options opts = COR_OPTIONS_INIT;
	opts.sysroot = FUZZ_SYSROOT;
	fz_limits(&opts.limits);
	cor_core *c;
	cor_error *err = cor_core_open_mem(data, size, "fuzz.core", &opts, &c);
	if (err) {
		fz_touch(cor_error_message(err));
		cor_error_free(err);
		return 0;
	}
	fz_report(c);
	cor_core_free(c);
	return 0;
}

/* ---- fuzz_elf: one ELF file, its sections, notes, symbols ---- */

static int fuzz_elf(const uint8_t *data, size_t size)
{
	struct limits lim;
	struct warnings warn = {0};
	struct elf_file *ef;
	fz_resolved_limits(&lim);
	cor_error *err = elf_open_mem(data, size, "fuzz.elf", &lim, &warn, &ef);
	if (err) {
		fz_touch(cor_error_message(err));
		cor_error_free(err);
		warnings_free(&warn);
		return 0;
	}
	for (uint32_t i = 0; i < ef->shnum; i++) {
		const struct elf_shdr *sh = &ef->shdrs[i];
		const uint8_t *d;
		size_t n;
		fz_touch(sh->name);
		err = elf_section_data(ef, sh, &d, &n);
		if (err) {
			fz_touch(cor_error_message(err));
			cor_error_free(err);
			continue;
		}
		fz_touch_bytes(d, n);
		if (sh->type == SHT_NOTE) {
			struct reader r;
			struct elf_note note;
			reader_init(&r, d, n, ef->be, ef->addr_size);
			while (elf_note_next(&r, sh->addralign == 8 ? 8 : 4, &note) == 1)
				fz_touch_bytes(note.desc, (size_t)note.descsz);
		}
	}
	for (uint32_t i = 0; i < ef->phnum; i++) {
		struct reader r;
		const struct elf_phdr *p = &ef->phdrs[i];
		struct elf_note note;
		if (p->type == PT_NOTE && elf_range(ef, p->offset, p->filesz, &r))
			while (elf_note_next(&r, p->align == 8 ? 8 : 4, &note) == 1)
				fz_touch_bytes((const uint8_t *)note.name, note.namesz);
	}
	const uint8_t *id;
	size_t idlen;
	if (elf_build_id(ef, &id, &idlen)) {
		char *h = cor_hex(id, idlen);
		fz_touch(h);
		free(h);
	}
	const char *link;
	uint32_t crc;
	if (elf_debuglink(ef, &link, &crc))
		fz_touch(link);
	struct symtab *st = symtab_new();
	if (st) {
		err = symtab_add_elf(st, ef);
		if (err) {
			fz_touch(cor_error_message(err));
			cor_error_free(err);
		}
		symtab_finish(st);
		struct symbol sym;
		uint64_t at[] = { ef->entry, ef->entry + 1, 0, UINT64_MAX };
		for (size_t i = 0; i < COR_ARRAY_SIZE(at); i++)
			if (symtab_lookup(st, at[i], &sym))
				fz_touch(sym.name);
		for (uint32_t i = 0; i < ef->shnum && i < 64; i++)
			if (symtab_lookup(st, ef->shdrs[i].addr, &sym))
				fz_touch(sym.name);
		symtab_count(st);
		symtab_free(st);
	}
	elf_close(ef);
	warnings_free(&warn);
	return 0;
}

/* ---- fuzz_cfi: one CFI section, rows at a few pcs, their expressions ---- */

struct fz_expr {
	uint64_t regs[8];
};

static bool fz_reg(void *arg, unsigned regno, uint64_t *val)
{
	struct fz_expr *e = arg;
	if (regno >= 40)
		return false;
	*val = e->regs[regno % 8] + regno;
	return true;
}

static cor_error *fz_mem(void *arg, uint64_t addr, void *buf, size_t n)
{
	/* readable: [0x1000, 0x100000), bytes derived from the address */
	if (addr < 0x1000 || addr >= 0x100000 || n > 0x100000 - addr)
		return cor_error_addr(COR_ERR_NO_MEMORY, addr, "address 0x%" PRIx64 " is not mapped", addr);
	uint8_t *b = buf;
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)((addr + i) * 7);
	return NULL;
}

static void fz_eval(const struct expr_ctx *ctx, const uint8_t *e, size_t n, bool push,
		    uint64_t init)
{
	uint64_t v;
	bool isv;
	cor_error *err = dwarf_expr_eval(ctx, e, n, push, init, &v, &isv);
	if (err)
		fz_touch(cor_error_message(err));
	cor_error_free(err);
}

static void fz_row_exprs(const struct cfi_row *row, bool be, uint8_t asz,
			 const struct limits *lim)
{
	struct fz_expr fe = { { 0x8000, 0x9000, 0xa000, 0x7ff0, 0x1234, 0, 0x40000, 0x50000 } };
	struct expr_ctx ctx = {
		.be = be, .addr_size = asz, .limits = lim, .read_reg = fz_reg,
		.read_mem = fz_mem, .arg = &fe, .have_cfa = true, .cfa = 0x7000,
	};
	if (row->cfa_kind == CFA_EXPRESSION)
		fz_eval(&ctx, row->cfa_expr, row->cfa_expr_len, false, 0);
	for (unsigned r = 0; r < DWARF_MAX_REGS; r++)
		if (row->regs[r].kind == CFI_EXPRESSION || row->regs[r].kind == CFI_VAL_EXPRESSION)
			fz_eval(&ctx, row->regs[r].expr, row->regs[r].expr_len, true, 0x7000);
}

#define FZ_CFI_HDR 53

static int fuzz_cfi(const uint8_t *data, size_t size)
{
	if (size < FZ_CFI_HDR)
		return 0;
	uint8_t flags = data[0];
	uint64_t hdrlen = fz_le(data + 1, 4);
	struct dwarf_section sec = { data + FZ_CFI_HDR, size - FZ_CFI_HDR, fz_le(data + 5, 8) };
	struct dwarf_section hdr = { NULL, 0, fz_le(data + 13, 8) };
	uint64_t pcs[4];
	for (int i = 0; i < 4; i++)
		pcs[i] = fz_le(data + 21 + 8 * i, 8);
	if (hdrlen && hdrlen <= sec.size) {
		sec.size -= hdrlen;
		hdr.data = sec.data + sec.size;
		hdr.size = hdrlen;
	}
	struct limits lim;
	fz_resolved_limits(&lim);
	bool be = flags & 1;
	uint8_t asz = flags & 2 ? 4 : 8;
	struct cfi_params p = {
		.be = be, .addr_size = asz, .limits = &lim, .path = "fuzz.cfi",
		.is_eh_frame = !(flags & 4), .hdr = hdr.data && !(flags & 4) ? &hdr : NULL,
		.text_addr = sec.addr + 0x1000, .data_addr = sec.addr + 0x2000,
	};
	struct cfi_table *t;
	cor_error *err = cfi_table_new(&sec, &p, &t);
	if (err) {
		fz_touch(cor_error_message(err));
		cor_error_free(err);
		return 0;
	}
	struct cfi_row *row = malloc(sizeof(*row));
	for (int i = 0; row && i < 12; i++) {
		uint64_t pc = pcs[i % 4] + (uint64_t)(i / 4) * 7 - 1;
		err = cfi_find_row(t, pc, row);
		if (err) {
			fz_touch(cor_error_message(err));
			cor_error_free(err);
			continue;
		}
		fz_row_exprs(row, be, asz, &lim);
	}
	free(row);
	const char *why;
	cfi_table_skipped(t, &why);
	fz_touch(why);
	cfi_table_uses_hdr(t);
	cfi_table_free(t);
	return 0;
}

/* ---- fuzz_line: .debug_info/.debug_line and friends ---- */

#define FZ_LINE_NSEC 10
#define FZ_LINE_HDR (1 + 4 * FZ_LINE_NSEC + 32)

static int fuzz_line(const uint8_t *data, size_t size)
{
	if (size < FZ_LINE_HDR)
		return 0;
	struct dwarf_sections s;
	memset(&s, 0, sizeof(s));
	struct dwarf_section *order[FZ_LINE_NSEC] = {
		&s.info, &s.abbrev, &s.line, &s.str, &s.line_str, &s.str_offsets,
		&s.addr, &s.ranges, &s.rnglists, &s.aranges,
	};
	const uint8_t *p = data + FZ_LINE_HDR;
	size_t left = size - FZ_LINE_HDR;
	for (int i = 0; i < FZ_LINE_NSEC; i++) {
		uint64_t n = fz_le(data + 1 + 4 * i, 4);
		if (n > left)
			n = left;
		if (n) {
			order[i]->data = p;
			order[i]->size = (size_t)n;
		}
		p += n;
		left -= (size_t)n;
	}
	s.be = data[0] & 1;
	s.addr_size = data[0] & 2 ? 4 : 8;
	s.path = "fuzz.debug";
	uint64_t pcs[4];
	for (int i = 0; i < 4; i++)
		pcs[i] = fz_le(data + 1 + 4 * FZ_LINE_NSEC + 8 * i, 8);
	struct limits lim;
	fz_resolved_limits(&lim);
	struct dwarf_info *di;
	cor_error *err = dwarf_info_new(&s, &lim, &di);
	if (err) {
		fz_touch(cor_error_message(err));
		cor_error_free(err);
		return 0;
	}
	for (int i = 0; i < 8; i++) {
		uint64_t pc = pcs[i % 4] + (uint64_t)(i / 4) * 3;
		const char *file;
		uint32_t line, col;
		err = dwarf_info_line(di, pc, &file, &line, &col);
		if (err) {
			fz_touch(cor_error_message(err));
			cor_error_free(err);
		} else {
			fz_touch(file);
		}
		struct dwarf_scope sc[16];
		size_t n = 0;
		err = dwarf_info_scopes(di, pc, sc, 16, &n);
		if (err) {
			fz_touch(cor_error_message(err));
			cor_error_free(err);
			continue;
		}
		for (size_t k = 0; k < n; k++) {
			fz_touch(sc[k].name);
			fz_touch(sc[k].linkage_name);
			fz_touch(sc[k].call_file);
		}
	}
	dwarf_info_free(di);
	return 0;
}

/* ---- fuzz_memory: reads from a small core whose segments the input picks ---- */

#define FZ_MEM_BASE 0x400000ull

static int fuzz_memory(const uint8_t *data, size_t size)
{
	if (size < 3)
		return 0;
	unsigned nseg = data[0] % 9;
	size_t pos = 1;
	if (size - pos < (size_t)nseg * 7 + 2)
		return 0;
	struct cw w;
	cw_init(&w, true, false, ET_CORE, EM_X86_64);
	unsigned notes = cw_seg(&w, PT_NOTE, 0, 0, 0);
	uint8_t pr[CW_X86_64_PRSTATUS_SIZE];
	cw_prstatus_x86_64(pr, 1, 11, FZ_MEM_BASE + 0x10, FZ_MEM_BASE + 0x800, 0);
	cw_note(&w, notes, "CORE", NT_PRSTATUS, pr, sizeof(pr));
	for (unsigned i = 0; i < nseg; i++, pos += 7) {
		uint64_t page = fz_le(data + pos, 2), memsz = fz_le(data + pos + 2, 2);
		size_t filesz = (size_t)fz_le(data + pos + 4, 2);
		unsigned s = cw_seg(&w, PT_LOAD, data[pos + 6] & 7, FZ_MEM_BASE + page * 0x100, memsz);
		uint8_t *bytes = malloc(filesz ? filesz : 1);
		if (!bytes)
			break;
		for (size_t k = 0; k < filesz; k++)
			bytes[k] = (uint8_t)(i * 31 + k);
		cw_seg_data(&w, s, bytes, filesz);
		w.ph[s].memsz = memsz; /* filesz may exceed memsz on purpose */
		free(bytes);
	}
	size_t cut = (size_t)fz_le(data + pos, 2);
	pos += 2;
	size_t len;
	uint8_t *core = cw_finish(&w, &len);
	len = cut < len ? len - cut : 0;
	struct cor_options opts = COR_OPTIONS_INIT;
	opts.sysroot = FUZZ_SYSROOT;
	fz_limits(&opts.limits);
	cor_core *c;
	cor_error *err = cor_core_open_mem(core, len, "fuzz-memory.core", &opts, &c);
	if (err) {
		fz_touch(cor_error_message(err));
		cor_error_free(err);
		cw_free(&w);
		return 0;
	}
	uint8_t *buf = malloc(0x10000);
	for (; buf && size - pos >= 4; pos += 4) {
		uint64_t addr = FZ_MEM_BASE + fz_le(data + pos, 2) * 0x10 - 0x100;
		size_t n = (size_t)fz_le(data + pos + 2, 2), done = 0;
		err = cor_core_read(c, addr, buf, n, &done);
		if (err) {
			uint64_t at;
			fz_touch(cor_error_message(err));
			if (cor_error_address(err, &at) && (at < addr || at - addr != done))
				abort(); /* the error must name the first unreadable byte */
			if (done >= n)
				abort();
			cor_error_free(err);
		} else if (done != n) {
			abort();
		}
		fz_touch_bytes(buf, done);
		const struct cor_mapping *m = cor_core_mapping_at(c, addr);
		if (m && (addr < m->start || addr >= m->end))
			abort();
		char *s = memory_read_string(&c->mem, addr, 300, &c->arena);
		fz_touch(s);
	}
	free(buf);
	fz_report(c);
	cor_core_free(c);
	cw_free(&w);
	return 0;
}

struct fuzz_target {
	const char *name;
	int (*fn)(const uint8_t *, size_t);
};

static const struct fuzz_target fuzz_targets[] = {
	{ "fuzz_core", fuzz_core },
	{ "fuzz_elf", fuzz_elf },
	{ "fuzz_cfi", fuzz_cfi },
	{ "fuzz_line", fuzz_line },
	{ "fuzz_memory", fuzz_memory },
};

#endif
