/* Decoding the core's notes into the process: psinfo, siginfo, threads and
 * their registers, auxv, NT_FILE. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "process.h"

/* A warning about the core at file offset off. */
static void core_warn(struct process *c, uint64_t off, const char *fmt, ...) COR_PRINTF(3, 4);
static void core_warn(struct process *c, uint64_t off, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	warnings_error(c->warn, c->elf->path, cor_error_vformat(c->elf->path, off, fmt, ap));
	va_end(ap);
}

static struct cor_thread *cur_thread(struct process *c)
{
	return c->nthreads ? &c->threads[c->nthreads - 1] : NULL;
}

static void finish_regs(struct process *c, struct cor_thread *t, struct regs_builder *b)
{
	if (b->oom)
		warnings_add(c->warn, COR_ERR_NOMEM, NULL, "out of memory decoding registers of thread %d", t->tid);
	t->registers = b->v;
	t->register_count = b->n;
}

static void builder_for(struct process *c, struct cor_thread *t, struct regs_builder *b)
{
	memset(b, 0, sizeof(*b));
	b->v = (struct cor_register *)t->registers;
	b->n = b->cap = t->register_count;
	b->arena = c->arena;
	b->be = c->info.big_endian;
	b->xsave_layout = c->have_xsave_layout ? c->xsave_layout : NULL;
}

static void note_prstatus(struct process *c, const struct elf_note *n)
{
	bool is64 = c->elf->is64;
	size_t reg_off = is64 ? 112 : 72;
	struct reader r;
	reader_init(&r, n->desc, n->descsz, c->info.big_endian, c->elf->addr_size);
	if (c->nthreads >= c->limits->max_threads) {
		c->threads_omitted++;
		return;
	}
	if (!COR_GROW(c->threads, c->threads_cap, c->nthreads + 1)) {
		warnings_add(c->warn, COR_ERR_NOMEM, NULL, "out of memory: thread dropped");
		return;
	}
	struct cor_thread *t = &c->threads[c->nthreads++];
	memset(t, 0, sizeof(*t));
	int64_t tid = 0;
	uint64_t cursig = 0;
	/* pr_info (3 ints) and pr_cursig (a short at 12) are the same on every
	 * machine; what follows (pr_sigpend, pr_sighold: longs; pr_pid ...)
	 * sits where the machine's alignment puts it (m68k aligns longs to 2),
	 * so on a machine we do not know nothing past pr_cursig is decoded. */
	if (!c->arch) {
		if (reader_seek(&r, 12) && reader_uint(&r, 2, &cursig))
			t->signal = (int32_t)cursig;
		return;
	}
	if (!reader_seek(&r, 12) || !reader_uint(&r, 2, &cursig) || !reader_skip(&r, 2) ||
	    !reader_addr(&r, &t->sigpend) || !reader_addr(&r, &t->sighold) ||
	    !reader_sint(&r, 4, &tid)) {
		core_warn(c, n->offset, "NT_PRSTATUS of %" PRIu64 " bytes is too short to hold a thread id", n->descsz);
	} else {
		t->have_tid = true;
	}
	t->tid = (int32_t)tid;
	t->signal = (int32_t)cursig;
	size_t need = reg_off + c->arch->pr_reg_size;
	if (n->descsz < need)
		core_warn(c, n->offset, "NT_PRSTATUS of thread %d is %" PRIu64 " bytes, %zu expected: registers past the end are missing", t->tid, n->descsz, need + 4);
	if (n->descsz <= reg_off)
		return;
	struct regs_builder b;
	builder_for(c, t, &b);
	regs_add_table(&b, c->arch->gregs, c->arch->ngregs, n->desc + reg_off,
		       n->descsz - reg_off);
	finish_regs(c, t, &b);
	const struct cor_register *pc = cor_thread_register(t, c->arch->pc_name);
	const struct cor_register *sp = cor_thread_register(t, c->arch->sp_name);
	t->pc = pc ? pc->value : 0;
	t->sp = sp ? sp->value : 0;
}

static void note_thread_extra(struct process *c, const struct elf_note *n)
{
	struct cor_thread *t = cur_thread(c);
	if (!t || !c->arch || !c->arch->decode_note)
		return;
	struct regs_builder b;
	builder_for(c, t, &b);
	uint64_t xf = 0;
	if (c->arch->decode_note(&b, n->type, n->desc, n->descsz, &xf)) {
		if (n->type == NT_PRFPREG)
			t->have_fp = true;
		if (n->type == NT_X86_XSTATE) {
			t->have_xstate = true;
			t->xstate_features = xf;
		}
	}
	finish_regs(c, t, &b);
}

static void psinfo_str(struct process *c, const char **out, const uint8_t *p, size_t n)
{
	char *s = cor_strndup((const char *)p, n);
	*out = s ? arena_strdup(c->arena, s) : NULL;
	free(s);
}

static void note_prpsinfo(struct process *c, const struct elf_note *n)
{
	struct cor_process *p = &c->proc;
	bool is64 = c->elf->is64;
	/* i386 uses 16-bit uid/gid; the size tells the layout */
	bool uid16 = !is64 && n->descsz == 124;
	size_t ids = is64 ? 16 : 8;
	size_t fname = ids + (uid16 ? 4 : 8) + 16;
	if (n->descsz < fname + 16 + 80) {
		core_warn(c, n->offset, "NT_PRPSINFO of %" PRIu64 " bytes is too short (%zu expected)", n->descsz, fname + 96);
		return;
	}
	bool be = c->info.big_endian;
	unsigned usz = uid16 ? 2 : 4;
	p->have_psinfo = true;
	p->state = (char)n->desc[1];
	if (p->state && (p->state < 0x20 || p->state > 0x7e))
		p->state = '?';
	p->uid = (uint32_t)cor_load(n->desc + ids, usz, be);
	p->gid = (uint32_t)cor_load(n->desc + ids + usz, usz, be);
	const uint8_t *q = n->desc + ids + 2 * usz;
	p->pid = (int32_t)cor_load(q, 4, be);
	p->ppid = (int32_t)cor_load(q + 4, 4, be);
	p->pgrp = (int32_t)cor_load(q + 8, 4, be);
	p->sid = (int32_t)cor_load(q + 12, 4, be);
	psinfo_str(c, &p->command, n->desc + fname, 16);
	/* psargs has NULs between arguments only when the kernel copied them
	 * raw; it replaces them with spaces, and keeps the last NUL */
	psinfo_str(c, &p->args, n->desc + fname + 16, 80);
	if (p->args) {
		size_t len = strlen(p->args);
		while (len && p->args[len - 1] == ' ')
			((char *)p->args)[--len] = 0;
	}
}

static bool is_fault_signal(int sig)
{
	return sig == 4 || sig == 5 || sig == 7 || sig == 8 || sig == 11;
}

static void note_siginfo(struct process *c, const struct elf_note *n)
{
	struct cor_signal *s = &c->sig;
	size_t u = c->elf->is64 ? 16 : 12;
	if (n->descsz < u + c->elf->addr_size) {
		core_warn(c, n->offset, "NT_SIGINFO of %" PRIu64 " bytes is too short", n->descsz);
		return;
	}
	bool be = c->info.big_endian;
	s->have_siginfo = true;
	s->number = (int32_t)cor_load(n->desc, 4, be);
	s->err = (int32_t)cor_load(n->desc + 4, 4, be);
	s->code = (int32_t)cor_load(n->desc + 8, 4, be);
	if (is_fault_signal(s->number) && s->code > 0) {
		s->have_address = true;
		s->address = cor_load(n->desc + u, c->elf->addr_size, be);
	} else if (s->code <= 0 || s->code == 0x80) {
		s->have_sender = s->code <= 0;
		s->sender_pid = (int32_t)cor_load(n->desc + u, 4, be);
		s->sender_uid = (uint32_t)cor_load(n->desc + u + 4, 4, be);
	}
}

static void note_auxv(struct process *c, const struct elf_note *n)
{
	unsigned w = c->elf->addr_size;
	size_t max = n->descsz / (2 * w);
	if (c->auxv) {
		core_warn(c, n->offset, "second NT_AUXV ignored");
		return;
	}
	c->auxv = cor_calloc(max, sizeof(*c->auxv));
	if (!c->auxv)
		return;
	struct reader r;
	reader_init(&r, n->desc, n->descsz, c->info.big_endian, (uint8_t)w);
	for (size_t i = 0; i < max; i++) {
		struct cor_auxv *a = &c->auxv[c->nauxv];
		reader_addr(&r, &a->type);
		reader_addr(&r, &a->value);
		if (a->type == 0)
			break;
		a->name = auxv_type_name(a->type);
		c->nauxv++;
	}
}

static void note_file(struct process *c, const struct elf_note *n)
{
	unsigned w = c->elf->addr_size;
	struct reader r;
	uint64_t count, page;
	reader_init(&r, n->desc, n->descsz, c->info.big_endian, (uint8_t)w);
	if (c->fmaps) {
		core_warn(c, n->offset, "second NT_FILE ignored");
		return;
	}
	if (!reader_addr(&r, &count) || !reader_addr(&r, &page)) {
		core_warn(c, n->offset, "NT_FILE too short");
		return;
	}
	if (count > reader_left(&r) / (3 * w)) {
		core_warn(c, n->offset, "NT_FILE claims %" PRIu64 " entries but has room for %zu", count, reader_left(&r) / (3 * w));
		count = reader_left(&r) / (3 * w);
	}
	if (page == 0 || (page & (page - 1))) {
		core_warn(c, n->offset, "NT_FILE page size %" PRIu64 " is not a power of two; offsets taken as pages of 4096", page);
		page = 4096;
	}
	c->file_page_size = page;
	c->fmaps = cor_calloc(count, sizeof(*c->fmaps));
	if (!c->fmaps)
		return;
	struct reader names = r;
	reader_skip(&names, count * 3 * w);
	for (uint64_t i = 0; i < count; i++) {
		struct file_map *f = &c->fmaps[c->nfmaps];
		uint64_t pgoff = 0;
		reader_addr(&r, &f->start);
		reader_addr(&r, &f->end);
		reader_addr(&r, &pgoff);
		f->pgoff = pgoff * page;
		if (pgoff && f->pgoff / pgoff != page)
			f->pgoff = UINT64_MAX;
		const char *name;
		/* the bytes as recorded, so that the file can be opened by
		 * them (UTF-8 and stranger names); displays escape them */
		if (reader_cstr(&names, &name)) {
			f->path = arena_strdup(c->arena, name);
		} else {
			/* last name without its NUL: keep what is there */
			size_t left = reader_left(&names);
			char *s = cor_strndup((const char *)names.pos, left);
			f->path = s ? arena_strdup(c->arena, s) : NULL;
			free(s);
			names.pos = names.end;
			core_warn(c, n->offset, "NT_FILE entry %" PRIu64 " has %s", i,
				     left ? "a name without its terminating NUL" : "no name");
		}
		if (f->end < f->start) {
			core_warn(c, n->offset, "NT_FILE entry %" PRIu64 " ends before it starts; ignored", i);
			continue;
		}
		c->nfmaps++;
	}
}

static void note_xsave_layout(struct process *c, const struct elf_note *n)
{
	struct reader r;
	reader_init(&r, n->desc, n->descsz, c->info.big_endian, 8);
	uint32_t type, size, off, flags;
	while (reader_u32(&r, &type) && reader_u32(&r, &size) &&
	       reader_u32(&r, &off) && reader_u32(&r, &flags))
		if (type < 32) {
			c->xsave_layout[type] = off;
			c->have_xsave_layout = true;
		}
}

static void record_note(struct process *c, const struct elf_note *n, uint64_t base)
{
	if (c->nnotes >= c->limits->max_notes) {
		c->notes_omitted++;
		return;
	}
	if (!COR_GROW(c->notes, c->notes_cap, c->nnotes + 1)) {
		c->notes_omitted++;
		return;
	}
	struct cor_note *cn = &c->notes[c->nnotes++];
	static const char *const common[] = { "CORE", "LINUX", "GNU" };
	cn->name = NULL;
	for (size_t i = 0; i < COR_ARRAY_SIZE(common) && !cn->name; i++)
		if (elf_note_is(n, common[i]))
			cn->name = common[i];
	if (!cn->name) {
		char *name = cor_strndup((const char *)n->name, n->namesz);
		cn->name = name ? arena_strdup(c->arena, name) : "";
		free(name);
	}
	cn->type = n->type;
	cn->type_name = note_type_name(n->name, n->namesz, n->type);
	cn->offset = base + n->offset;
	cn->size = n->descsz;
	cn->desc = n->desc;
}

static void dispatch_note(struct process *c, const struct elf_note *n)
{
	if (elf_note_is(n, "CORE")) {
		switch (n->type) {
		case NT_PRSTATUS: note_prstatus(c, n); return;
		/* their layouts (uid sizes, alignment, MIPS's si_code/si_errno
		 * order) depend on the machine: not decoded on an unknown one */
		case NT_PRPSINFO: if (c->arch) note_prpsinfo(c, n); return;
		case NT_SIGINFO: if (c->arch) note_siginfo(c, n); return;
		case NT_AUXV: note_auxv(c, n); return;
		case NT_FILE: note_file(c, n); return;
		}
	}
	if (elf_note_is(n, "CORE") || elf_note_is(n, "LINUX"))
		note_thread_extra(c, n);
}

/* Walks the notes of every PT_NOTE; calls fn for each. */
static void walk_notes(struct process *c, void (*fn)(struct process *, const struct elf_note *, uint64_t))
{
	const struct elf_file *ef = c->elf;
	uint64_t walked = 0;
	for (uint32_t i = 0; i < ef->phnum; i++) {
		const struct elf_phdr *p = &ef->phdrs[i];
		if (p->type != PT_NOTE)
			continue;
		uint64_t len = p->filesz;
		struct reader r;
		if (p->offset > ef->size)
			continue;
		if (len > ef->size - p->offset)
			len = ef->size - p->offset;
		/* a core's PT_NOTE segments do not overlap: more note bytes
		 * than the file holds only repeat notes, and the work */
		if (len > ef->size - walked) {
			core_warn(c, p->offset, "PT_NOTE segments overlap: notes of this and later segments ignored");
			break;
		}
		walked += len;
		elf_range(ef, p->offset, len, &r);
		struct elf_note n;
		int k;
		while ((k = elf_note_next(&r, 4, &n)) == 1)
			fn(c, &n, p->offset);
		if (k < 0)
			fn(c, NULL, p->offset + reader_off(&r));
	}
}

static void first_pass(struct process *c, const struct elf_note *n, uint64_t base)
{
	(void)base;
	if (n && elf_note_is(n, "LINUX") && n->type == NT_X86_XSAVE_LAYOUT)
		note_xsave_layout(c, n);
}

static void main_pass(struct process *c, const struct elf_note *n, uint64_t base)
{
	if (!n) {
		core_warn(c, base, "malformed note (size runs past its segment); later notes of this segment ignored");
		return;
	}
	record_note(c, n, base);
	if (c->nnotes + c->notes_omitted > c->limits->max_notes)
		return;
	dispatch_note(c, n);
}

static void check_segments(struct process *c)
{
	const struct elf_file *ef = c->elf;
	bool any_note = false;
	for (uint32_t i = 0; i < ef->phnum; i++) {
		const struct elf_phdr *p = &ef->phdrs[i];
		if (p->type != PT_NOTE)
			continue;
		any_note = true;
		if (p->offset > ef->size || p->filesz > ef->size - p->offset)
			core_warn(c, p->offset, "PT_NOTE segment (0x%" PRIx64 " bytes) runs past the end of the file (%zu bytes): notes cut short", p->filesz, ef->size);
	}
	if (!any_note)
		warnings_add(c->warn, COR_ERR_FORMAT, c->elf->path, "%s: no PT_NOTE segment: no threads, registers or process information", ef->path);
}

static void fill_signal(struct process *c)
{
	struct cor_signal *s = &c->sig;
	if (!s->have_siginfo && c->nthreads)
		s->number = c->threads[0].signal;
	s->name = cor_signal_name(s->number);
	if (s->have_siginfo) {
		s->code_name = cor_signal_code_name(s->number, s->code);
		s->description = signal_description(s->number, s->code);
	}
	/* The kernel writes the thread that took the fatal signal first. A
	 * core without one (gcore: no NT_SIGINFO, every pr_cursig 0) has no
	 * crashed thread. */
	bool fatal = s->have_siginfo && s->number != 0;
	for (size_t i = 0; !fatal && i < c->nthreads; i++)
		fatal = c->threads[i].signal != 0;
	c->crashed = c->nthreads && fatal ? 0 : -1;
	if (c->crashed == 0)
		c->threads[0].crashed = true;
}

static int cmp_fmap(const void *a, const void *b)
{
	const struct file_map *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

cor_error *process_load(struct process *c, const struct elf_file *ef,
			const struct limits *limits, struct arena *arena,
			struct warnings *warn)
{
	memset(c, 0, sizeof(*c));
	c->elf = ef;
	c->limits = limits;
	c->arena = arena;
	c->warn = warn;
	c->crashed = -1;
	if (ef->type != ET_CORE)
		return cor_error_new(COR_ERR_NOT_CORE, "%s: not a core file (ELF type %s)",
				     ef->path, ef->type == ET_EXEC ? "ET_EXEC, an executable" :
				     ef->type == ET_DYN ? "ET_DYN, a shared object or PIE executable" :
				     ef->type == 1 ? "ET_REL, an object file" : "unknown");
	struct cor_core_info *in = &c->info;
	in->elf_class = ef->is64 ? 64 : 32;
	in->big_endian = ef->be;
	in->machine = ef->machine;
	in->core_size = ef->size;
	in->expected_size = ef->expected_size;
	in->truncated = ef->expected_size > ef->size;
	c->arch = arch_by_machine(ef->machine, ef->is64, ef->be);
	in->arch = c->arch ? c->arch->arch : COR_ARCH_UNKNOWN;
	in->arch_name = c->arch ? c->arch->name : "unknown";
	if (!c->arch)
		warnings_add(warn, COR_ERR_UNSUPPORTED, ef->path,
			     "%s: machine %u (ELF%d, %s endian) is not supported: of the notes only the signal number is decoded (thread ids, process ids and registers are laid out per machine: not shown)",
			     ef->path, ef->machine, in->elf_class, ef->be ? "big" : "little");
	if (in->truncated)
		warnings_add(warn, COR_ERR_TRUNCATED, ef->path,
			     "%s: core file truncated: %zu of %" PRIu64 " bytes present",
			     ef->path, ef->size, ef->expected_size);
	check_segments(c);
	walk_notes(c, first_pass);
	walk_notes(c, main_pass);
	if (c->notes_omitted)
		warnings_add(warn, COR_ERR_LIMIT, ef->path, "%" PRIu64 " notes omitted (limit %u)",
			     c->notes_omitted, limits->max_notes);
	if (c->threads_omitted)
		warnings_add(warn, COR_ERR_LIMIT, ef->path, "%" PRIu64 " threads omitted (limit %u)",
			     c->threads_omitted, limits->max_threads);
	fill_signal(c);
	if (c->nfmaps)
		qsort(c->fmaps, c->nfmaps, sizeof(*c->fmaps), cmp_fmap);
	return NULL;
}

void process_free(struct process *c)
{
	for (size_t i = 0; i < c->nthreads; i++)
		free((void *)c->threads[i].registers);
	free(c->threads);
	free(c->notes);
	free(c->auxv);
	free(c->fmaps);
	memset(c, 0, sizeof(*c));
}

bool process_auxv(const struct process *c, uint64_t type, uint64_t *value)
{
	for (size_t i = 0; i < c->nauxv; i++)
		if (c->auxv[i].type == type) {
			*value = c->auxv[i].value;
			return true;
		}
	return false;
}

const struct file_map *process_fmap_at(const struct process *c, uint64_t addr)
{
	size_t k = COR_UPPER_BOUND(c->fmaps, c->nfmaps, .start, addr);
	return k && addr < c->fmaps[k - 1].end ? &c->fmaps[k - 1] : NULL;
}

const char *process_exec_recorded(const struct process *c)
{
	uint64_t at;
	const struct file_map *f = NULL;
	if (process_auxv(c, AT_PHDR, &at) || process_auxv(c, AT_ENTRY, &at))
		f = process_fmap_at(c, at);
	if (f && f->path)
		return f->path;
	for (size_t i = 0; i < c->nauxv; i++)
		if (c->auxv[i].type == AT_EXECFN)
			return c->auxv[i].string;
	return NULL;
}

const struct cor_register *cor_thread_register(const struct cor_thread *t, const char *name)
{
	for (size_t i = 0; t && name && i < t->register_count; i++)
		if (!strcmp(t->registers[i].name, name))
			return &t->registers[i];
	return NULL;
}
