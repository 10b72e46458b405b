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
 *   fuzz_exe     the bytes are the executable /fuzz/prog of a fixed x86_64
 *                core (fz_prog_core) that maps it at 0x400000 and does not
 *                dump its text: the program's symbols, CFI and DWARF give the
 *                frames (seed: tests/fuzz/prog.c)
 *   fuzz_debug   the bytes are the separate debug file, found by build-id,
 *                of a fixed /fuzz/prog (fz_prog_image) beside the same core
 *                (seed: prog.c's objcopy --only-keep-debug)
 *   fuzz_gopclntab flags:u8 pcs:4*u64, then a Go pclntab (flags bit0 big
 *                endian, bit1 4-byte pointers); each pc's function, file,
 *                line and frame size
 */
#ifndef COR_FUZZ_TARGETS_H
#define COR_FUZZ_TARGETS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "coroner.h"
#include "internal.h"
#include "core.h"
#include "elf.h"
#include "symbols.h"
#include "gopclntab.h"
#include "dwarf/cfi.h"
#include "dwarf/expr.h"
#include "dwarf/info.h"
#include "dwarf/type.h"
#include "../unit/corewriter.h"

#define FUZZ_SYSROOT "/nonexistent/coroner-fuzz-sysroot"
/* the memory budget of every target: what a user would give with
 * --max-memory on a small machine */
#define FZ_MAX_MEMORY (64ull << 20)

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
	l->max_memory = FZ_MAX_MEMORY;
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
		/* arguments and locals: location lists, expressions and type
		 * graphs of a hostile debug file must stay bounded */
		cor_frame_vars *fv;
		err = cor_core_frame_vars(c, i, bt, NULL, &fv);
		if (err) {
			fz_touch(cor_error_message(err));
			cor_error_free(err);
		} else {
			for (size_t k = 0; k < cor_backtrace_frame_count(bt); k++)
				for (size_t v = 0; v < cor_frame_vars_count(fv, k); v++) {
					const struct cor_variable *var = cor_frame_vars_get(fv, k, v);
					fz_touch(var->name);
					fz_touch(var->type);
					fz_touch(var->value);
					fz_touch(var->location);
				}
			cor_frame_vars_free(fv);
		}
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
	opts.no_debuginfod = true; /* never the network, whatever DEBUGINFOD_URLS says */
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

/* Walks the type graph from t: every link, member and name, bounded by a
 * budget of nodes visited (cycles are the reader's to survive). */
static void fz_walk_type(struct dwarf_info *di, const struct dwarf_type *t, unsigned depth,
			 unsigned *budget)
{
	struct strbuf sb = {0};
	uint64_t size, off;
	if (!t || depth > 6 || !*budget)
		return;
	(*budget)--;
	fz_touch(t->name);
	dwarf_type_name(di, t, &sb);
	fz_touch(sb.s);
	sb_free(&sb);
	dwarf_type_size(di, t, &size);
	fz_walk_type(di, dwarf_type_strip(di, t), depth + 1, budget);
	fz_walk_type(di, dwarf_type_target(di, t), depth + 1, budget);
	for (size_t i = 0; i < t->nmembers && i < 8; i++) {
		const struct dwarf_member *m = &t->members[i];
		uint64_t v;
		uint8_t obj[16] = {0};
		fz_touch(m->name);
		dwarf_bitfield(m, t->big_endian, obj, sizeof(obj), &v);
		if (m->name)
			dwarf_type_member(di, t, m->name, &off);
		fz_walk_type(di, dwarf_member_type(di, m), depth + 1, budget);
	}
	for (size_t i = 0; i < t->nparams && i < 4; i++)
		fz_walk_type(di, dwarf_member_type(di, &t->params[i]), depth + 1, budget);
	for (size_t i = 0; i < t->nenums; i++)
		fz_touch(t->enums[i].name);
}

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
	/* types: at DIE offsets the input picks, and by name */
	unsigned budget = 256;
	for (int i = 0; i < 4; i++)
		fz_walk_type(di, dwarf_type_at(di, false, pcs[i] % (s.info.size + 1)), 0, &budget);
	fz_walk_type(di, dwarf_type_find(di, "int"), 0, &budget);
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
	opts.no_debuginfod = true; /* never the network, whatever DEBUGINFOD_URLS says */
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

/* ---- fuzz_exe, fuzz_debug: files beside a fixed good core ---- */

/* The program of both targets is tests/fuzz/prog.c built as build.sh does:
 * ET_EXEC, one R+X PT_LOAD at 0x400000 from offset 0 (less than a page),
 * its functions 64 bytes apart from 0x400200 (fz_leaf, fz_mid, fz_top,
 * _start) and build-id FZ_BUILD_ID. The core below is a crash in fz_leaf
 * called from fz_mid, fz_top and _start, with a second thread in _start. */
#define FZ_PROG "/fuzz/prog"
#define FZ_TEXT 0x400000ull
#define FZ_STACK 0x7ffc0000ull
#define FZ_BUILD_ID_BYTE(i) ((i) % 2 ? 0xde : 0xc0) /* c0dec0de... */
#define FZ_BUILD_ID_LEN 20
#define FZ_BUILD_ID_HEX "c0dec0dec0dec0dec0dec0dec0dec0dec0dec0de"

/* .text of prog.c as gcc 13 -O0 compiles it (fz_leaf at offset 0): only
 * for the core of fuzz_debug, whose program file carries no code of its
 * own; the call instructions before each return address are what counts. */
static const uint8_t fz_prog_text[] = {
	0x55, 0x48, 0x89, 0xe5, 0x89, 0x7d, 0xec, 0x89, 0x75, 0xe8, 0x8b, 0x45,
	0xec, 0x0f, 0xaf, 0x45, 0xe8, 0x89, 0xc2, 0x8b, 0x05, 0xe7, 0x0d, 0x00,
	0x00, 0x01, 0xd0, 0x89, 0x45, 0xfc, 0xc7, 0x45, 0xf8, 0x00, 0x00, 0x00,
	0x00, 0xeb, 0x0a, 0x8b, 0x45, 0xf8, 0x01, 0x45, 0xfc, 0x83, 0x45, 0xf8,
	0x01, 0x8b, 0x45, 0xf8, 0x3b, 0x45, 0xec, 0x7c, 0xee, 0x8b, 0x45, 0xfc,
	0x5d, 0xc3, 0x66, 0x90, 0x55, 0x48, 0x89, 0xe5, 0x48, 0x83, 0xec, 0x18,
	0x89, 0x7d, 0xec, 0x8b, 0x45, 0xec, 0x8d, 0x50, 0x01, 0x8b, 0x45, 0xec,
	0x89, 0xd6, 0x89, 0xc7, 0xe8, 0xa3, 0xff, 0xff, 0xff, 0x89, 0x45, 0xfc,
	0x8b, 0x45, 0xfc, 0x89, 0x05, 0x97, 0x0d, 0x00, 0x00, 0x8b, 0x45, 0xfc,
	0x83, 0xc0, 0x01, 0xc9, 0xc3, 0x66, 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x0f, 0x1f, 0x40, 0x00, 0x55, 0x48, 0x89, 0xe5,
	0x48, 0x83, 0xec, 0x18, 0x89, 0x7d, 0xec, 0x8b, 0x45, 0xec, 0x83, 0xc0,
	0x02, 0x89, 0xc7, 0xe8, 0xa8, 0xff, 0xff, 0xff, 0x89, 0x45, 0xfc, 0x8b,
	0x45, 0xfc, 0x89, 0x05, 0x5c, 0x0d, 0x00, 0x00, 0x8b, 0x55, 0xfc, 0x89,
	0xd0, 0x01, 0xc0, 0x01, 0xd0, 0xc9, 0xc3, 0x66, 0x66, 0x2e, 0x0f, 0x1f,
	0x84, 0x00, 0x00, 0x00, 0x00, 0x00, 0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00,
	0x55, 0x48, 0x89, 0xe5, 0xbf, 0x01, 0x00, 0x00, 0x00, 0xe8, 0xb2, 0xff,
	0xff, 0xff, 0x89, 0x05, 0x2c, 0x0d, 0x00, 0x00, 0xeb, 0xfe,
};

/* The stripped program of fuzz_debug: ELF header, PT_LOAD of the whole
 * file at 0x400000, PT_NOTE with the build-id, the code at 0x400200 (a
 * filler section puts it at offset 0x200), no symbols, no CFI. */
static uint8_t *fz_prog_image(struct cw *w, size_t *len)
{
	cw_init(w, true, false, ET_EXEC, EM_X86_64);
	unsigned load = cw_seg(w, PT_LOAD, 5, CW_WHOLE, 0);
	unsigned note = cw_seg(w, PT_NOTE, 4, 0, 0);
	uint8_t id[FZ_BUILD_ID_LEN];
	for (int i = 0; i < FZ_BUILD_ID_LEN; i++)
		id[i] = FZ_BUILD_ID_BYTE(i);
	cw_note(w, note, "GNU", NT_GNU_BUILD_ID, id, sizeof(id));
	/* ehdr 64 + 2 phdrs 112, the note's 36 bytes at 176, sections from 216 */
	cw_sec(w, ".fz.pad", 1 /* SHT_PROGBITS */, 0, 0, NULL, 0x200 - 216);
	unsigned text = cw_sec(w, ".text", 1 /* SHT_PROGBITS */, 6, FZ_TEXT + 0x200, fz_prog_text,
			       sizeof(fz_prog_text));
	uint8_t *p = cw_finish(w, len);
	if (w->sec_off[text] != 0x200)
		abort(); /* the layout above is wrong */
	cw_set_phdr(w, load, CW_P_VADDR, FZ_TEXT);
	cw_set_phdr(w, note, CW_P_VADDR, FZ_TEXT + w->seg_off[note]);
	cw_set_ehdr(w, CW_E_ENTRY, FZ_TEXT + 0x2c0);
	return p;
}

/* The core: NT_FILE maps FZ_PROG at FZ_TEXT (one page from offset 0), the
 * text dumped only when img is given (its first page, as the kernel dumps
 * ELF headers), auxv AT_PHDR/AT_ENTRY in it, and stacks whose frame
 * pointer chains and return addresses follow prog.c's calls. */
static uint8_t *fz_prog_core(struct cw *w, const uint8_t *img, size_t img_n, size_t *len)
{
	uint64_t s1 = FZ_STACK + 0x800, s2 = FZ_STACK + 0xc00;
	cw_init(w, true, false, ET_CORE, EM_X86_64);
	unsigned notes = cw_seg(w, PT_NOTE, 0, 0, 0);
	uint8_t pr[CW_X86_64_PRSTATUS_SIZE];
	cw_prstatus_x86_64(pr, 100, 11, FZ_TEXT + 0x213, s1, s1); /* fz_leaf, after its prologue */
	cw_note(w, notes, "CORE", NT_PRSTATUS, pr, sizeof(pr));
	cw_prstatus_x86_64(pr, 101, 0, FZ_TEXT + 0x2d4, s2, s2);  /* _start's loop */
	cw_note(w, notes, "CORE", NT_PRSTATUS, pr, sizeof(pr));
	uint8_t ps[136] = { 0, 'R' };
	memcpy(ps + 40, "prog", 5);
	memcpy(ps + 56, FZ_PROG, sizeof(FZ_PROG));
	cw_note(w, notes, "CORE", NT_PRPSINFO, ps, sizeof(ps));
	uint8_t si[128] = { 11, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0 };
	cw_store(si + 16, 8, 0x10, false);
	cw_note(w, notes, "CORE", NT_SIGINFO, si, sizeof(si));
	uint64_t auxv[] = { AT_PHDR, FZ_TEXT + 64, 4 /* AT_PHENT */, 56, 5 /* AT_PHNUM */, 4,
			    6 /* AT_PAGESZ */, 4096, AT_ENTRY, FZ_TEXT + 0x2c0, AT_EXECFN,
			    FZ_STACK + 0xf00, 0, 0 };
	cw_note(w, notes, "CORE", NT_AUXV, auxv, sizeof(auxv));
	struct cw_blob f = {0};
	uint64_t ents[] = { 1, 4096, FZ_TEXT, FZ_TEXT + 0x1000, 0 };
	for (size_t i = 0; i < COR_ARRAY_SIZE(ents); i++)
		cw_blob_uint(&f, 8, ents[i], false);
	cw_blob_add(&f, FZ_PROG, sizeof(FZ_PROG));
	cw_note(w, notes, "CORE", NT_FILE, f.p, f.n);
	free(f.p);
	unsigned s = cw_seg(w, PT_LOAD, 5, FZ_TEXT, 0x1000);
	cw_seg_data(w, s, img, img_n < 0x1000 ? img_n : 0x1000);
	s = cw_seg(w, PT_LOAD, 6, FZ_TEXT + 0x1000, 0x1000);
	uint8_t bss[8] = { 42 };
	cw_seg_data(w, s, bss, sizeof(bss));
	/* fz_leaf's frame at s1 (rbp = rsp), then fz_mid's (sub $0x18),
	 * fz_top's (sub $0x18), _start's; each saved rbp, return address */
	uint8_t st[0x1000] = {0};
	uint64_t chain[][3] = {
		{ s1, s1 + 0x28, FZ_TEXT + 0x25d }, { s1 + 0x28, s1 + 0x50, FZ_TEXT + 0x298 },
		{ s1 + 0x50, s1 + 0x60, FZ_TEXT + 0x2ce }, { s1 + 0x60, 0, 0 }, { s2, 0, 0 },
	};
	for (size_t i = 0; i < COR_ARRAY_SIZE(chain); i++) {
		cw_store(st + (chain[i][0] - FZ_STACK), 8, chain[i][1], false);
		cw_store(st + (chain[i][0] - FZ_STACK) + 8, 8, chain[i][2], false);
	}
	memcpy(st + 0xf00, FZ_PROG, sizeof(FZ_PROG));
	s = cw_seg(w, PT_LOAD, 6, FZ_STACK, 0x1000);
	cw_seg_data(w, s, st, sizeof(st));
	return cw_finish(w, len);
}

/* A file descriptor for the input, without touching the disk when
 * memfd_create works (else an unlinked temporary file), and its
 * /proc/self/fd path; -1 if neither. */
static int fz_input_fd(char *path, size_t n)
{
	int fd = (int)syscall(SYS_memfd_create, "coroner-fuzz", 1u /* MFD_CLOEXEC */);
	if (fd < 0) {
		char tmp[] = "/tmp/coroner-fuzz-XXXXXX";
		if ((fd = mkstemp(tmp)) >= 0)
			unlink(tmp);
	}
	if (fd >= 0)
		snprintf(path, n, "/proc/self/fd/%d", fd);
	return fd;
}

static bool fz_put(int fd, const uint8_t *data, size_t size)
{
	if (ftruncate(fd, 0) != 0)
		return false;
	for (size_t at = 0; at < size;) {
		ssize_t k = pwrite(fd, data + at, size - at, (off_t)at);
		if (k <= 0)
			return false;
		at += (size_t)k;
	}
	return true;
}

/* Everything the CLI's report shows, through cor_core_report, then every
 * accessor as fz_report does. */
static void fz_report_all(cor_core *c)
{
	const struct cor_report *r;
	cor_error *err = cor_core_report(c, NULL, &r);
	if (err) {
		fz_touch(cor_error_message(err));
		cor_error_free(err);
	} else {
		for (size_t i = 0; i < r->thread_count; i++) {
			const cor_backtrace *bt = r->threads[i].backtrace;
			fz_touch(r->threads[i].backtrace_error);
			for (size_t k = 0; k < cor_backtrace_frame_count(bt); k++) {
				const struct cor_frame *f = cor_backtrace_frame(bt, k);
				fz_touch(f->function);
				fz_touch(f->module);
				fz_touch(f->file);
			}
		}
		for (size_t i = 0; i < r->module_count; i++) {
			fz_touch(r->modules[i]->path);
			fz_touch(r->modules[i]->debug_file);
		}
		for (size_t i = 0; i < r->warning_count; i++) {
			fz_touch(r->warnings[i].subject);
			fz_touch(r->warnings[i].message);
		}
		cor_report_free(r);
	}
	fz_report(c);
}

static void fz_open_report(const uint8_t *core, size_t len, const struct cor_options *opts)
{
	cor_core *c;
	cor_error *err = cor_core_open_mem(core, len, "fuzz-prog.core", opts, &c);
	if (err) {
		fz_touch(cor_error_message(err));
		cor_error_free(err);
		return;
	}
	fz_report_all(c);
	cor_core_free(c);
}

/* One per process: the core (and for fuzz_debug the program) built once,
 * the input's file descriptor rewritten per input. */
struct fz_prog {
	bool ready, ok;
	struct cw core_w, prog_w;
	uint8_t *core;
	size_t core_len;
	int fd, prog_fd;
	char file_opt[96], dir[64], build_id_dir[96], sub[128], link[192];
};

static struct fz_prog fz_exe_state, fz_debug_state;

static void fz_prog_free(struct fz_prog *p)
{
	if (p->link[0])
		unlink(p->link);
	if (p->sub[0])
		rmdir(p->sub);
	if (p->build_id_dir[0])
		rmdir(p->build_id_dir);
	if (p->dir[0])
		rmdir(p->dir);
	if (p->fd >= 0)
		close(p->fd);
	if (p->prog_fd >= 0)
		close(p->prog_fd);
	cw_free(&p->core_w);
	cw_free(&p->prog_w);
	memset(p, 0, sizeof(*p));
	p->fd = p->prog_fd = -1;
}

static void fz_exe_atexit(void) { fz_prog_free(&fz_exe_state); }
static void fz_debug_atexit(void) { fz_prog_free(&fz_debug_state); }

static int fuzz_exe(const uint8_t *data, size_t size)
{
	struct fz_prog *p = &fz_exe_state;
	if (!p->ready) {
		char path[64];
		p->ready = true;
		p->prog_fd = -1;
		p->core = fz_prog_core(&p->core_w, NULL, 0, &p->core_len);
		p->fd = fz_input_fd(path, sizeof(path));
		snprintf(p->file_opt, sizeof(p->file_opt), "%s=%s", FZ_PROG, path);
		p->ok = p->fd >= 0;
		atexit(fz_exe_atexit);
	}
	if (!p->ok || !fz_put(p->fd, data, size))
		return 0;
	const char *files[] = { p->file_opt, NULL };
	struct cor_options opts = COR_OPTIONS_INIT;
	opts.sysroot = FUZZ_SYSROOT;
	opts.no_debuginfod = true; /* never the network, whatever DEBUGINFOD_URLS says */
	opts.files = files;
	fz_limits(&opts.limits);
	fz_open_report(p->core, p->core_len, &opts);
	return 0;
}

/* The debug file's place: DIR/.build-id/c0/dec0...de.debug, a symlink to
 * the input's descriptor. */
static bool fz_debug_setup(struct fz_prog *p)
{
	static const char hex[] = FZ_BUILD_ID_HEX;
	char path[64], ppath[64];
	size_t plen;
	uint8_t *img = fz_prog_image(&p->prog_w, &plen);
	p->core = fz_prog_core(&p->core_w, img, plen, &p->core_len);
	p->fd = fz_input_fd(path, sizeof(path));
	p->prog_fd = fz_input_fd(ppath, sizeof(ppath));
	if (p->fd < 0 || p->prog_fd < 0 || !fz_put(p->prog_fd, img, plen))
		return false;
	snprintf(p->file_opt, sizeof(p->file_opt), "%s=%s", FZ_PROG, ppath);
	snprintf(p->dir, sizeof(p->dir), "%s", "/tmp/coroner-fuzz-debug-XXXXXX");
	if (!mkdtemp(p->dir)) {
		p->dir[0] = 0;
		return false;
	}
	snprintf(p->build_id_dir, sizeof(p->build_id_dir), "%s/.build-id", p->dir);
	snprintf(p->sub, sizeof(p->sub), "%s/%.2s", p->build_id_dir, hex);
	snprintf(p->link, sizeof(p->link), "%s/%s.debug", p->sub, hex + 2);
	if (mkdir(p->build_id_dir, 0700) != 0) {
		p->build_id_dir[0] = p->sub[0] = p->link[0] = 0;
		return false;
	}
	if (mkdir(p->sub, 0700) != 0) {
		p->sub[0] = p->link[0] = 0;
		return false;
	}
	if (symlink(path, p->link) != 0) {
		p->link[0] = 0;
		return false;
	}
	return true;
}

static int fuzz_debug(const uint8_t *data, size_t size)
{
	struct fz_prog *p = &fz_debug_state;
	if (!p->ready) {
		p->ready = true;
		p->fd = p->prog_fd = -1;
		p->ok = fz_debug_setup(p);
		atexit(fz_debug_atexit);
	}
	if (!p->ok || !fz_put(p->fd, data, size))
		return 0;
	const char *files[] = { p->file_opt, NULL };
	const char *dirs[] = { p->dir, NULL };
	struct cor_options opts = COR_OPTIONS_INIT;
	opts.sysroot = FUZZ_SYSROOT;
	opts.no_debuginfod = true; /* never the network, whatever DEBUGINFOD_URLS says */
	opts.files = files;
	opts.debug_dirs = dirs;
	fz_limits(&opts.limits);
	fz_open_report(p->core, p->core_len, &opts);
	return 0;
}

struct fuzz_target {
	const char *name;
	int (*fn)(const uint8_t *, size_t);
};

/* ---- fuzz_gopclntab: one Go pclntab, a few pcs ---- */

static int fuzz_gopclntab(const uint8_t *data, size_t size)
{
	if (size < 33)
		return 0;
	struct gopclntab *t;
	cor_error *err = gopclntab_open(data + 33, size - 33, 0x500000, data[0] & 1,
					data[0] & 2 ? 4 : 8, &t);
	if (err) {
		fz_touch(cor_error_message(err));
		cor_error_free(err);
		return 0;
	}
	for (int i = 0; i < 8; i++) {
		uint64_t pc = fz_le(data + 1 + 8 * (i % 4), 8) + (uint64_t)(i / 4) * 3;
		struct gofunc f;
		const char *file;
		uint32_t line;
		uint64_t d;
		if (!gopclntab_func(t, pc, &f))
			continue;
		fz_touch(f.name);
		if (gopclntab_line(t, &f, pc, &file, &line))
			fz_sink += fz_touch(file) + line;
		if (gopclntab_sp_delta(t, &f, pc, &d))
			fz_sink += d;
	}
	struct gofunc f;
	fz_sink += gopclntab_func_named(t, "main.main", &f);
	fz_touch(gopclntab_version(t));
	gopclntab_free(t);
	return 0;
}

static const struct fuzz_target fuzz_targets[] = {
	{ "fuzz_core", fuzz_core },
	{ "fuzz_elf", fuzz_elf },
	{ "fuzz_cfi", fuzz_cfi },
	{ "fuzz_line", fuzz_line },
	{ "fuzz_memory", fuzz_memory },
	{ "fuzz_exe", fuzz_exe },
	{ "fuzz_debug", fuzz_debug },
	{ "fuzz_gopclntab", fuzz_gopclntab },
};

#endif
