/* The core handle: opens the core's ELF, then builds the parts in order
 * (process from the notes, memory, files, modules, unwinder, symbolizer)
 * and answers the public API from them. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "core.h"
#include "report.h"
#include "values.h"

static char **dup_strv(const char *const *v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	if (!n)
		return NULL;
	char **out = cor_calloc(n + 1, sizeof(*out));
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!(out[i] = cor_strdup(v[i]))) {
			for (size_t j = 0; j < i; j++)
				free(out[j]);
			free(out);
			return NULL;
		}
	return out;
}

static void free_strv(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

static bool copy_options(struct cor_core *c, const struct cor_options *o)
{
	struct cor_options def = COR_OPTIONS_INIT;
	if (!o)
		o = &def;
	/* fields past the caller's sz are defaults (older callers) */
	struct cor_options opts = def;
	memcpy(&opts, o, o->sz < sizeof(opts) ? o->sz : sizeof(opts));
	limits_resolve(&c->limits, &opts.limits);
	c->budget.limit = c->limits.max_memory;
	c->limits.budget = &c->budget;
	c->raw_names = opts.raw_names;
	c->no_inline = opts.no_inline;
	c->no_tailcalls = opts.no_tailcalls;
	c->no_debuginfod = opts.no_debuginfod;
	c->max_core_size = opts.max_core_size;
	c->progress = opts.progress;
	c->progress_arg = opts.progress_arg;
	c->exe = cor_strdup(opts.exe);
	c->sysroot = cor_strdup(opts.sysroot);
	c->debug_dirs = dup_strv(opts.debug_dirs);
	c->files_opt = dup_strv(opts.files);
	return (!opts.exe || c->exe) && (!opts.sysroot || c->sysroot) &&
	       (!opts.debug_dirs || !opts.debug_dirs[0] || c->debug_dirs) &&
	       (!opts.files || !opts.files[0] || c->files_opt);
}

static void auxv_strings(struct cor_core *c)
{
	for (size_t i = 0; i < c->proc.nauxv; i++) {
		struct cor_auxv *a = &c->proc.auxv[i];
		if (a->type == AT_EXECFN || a->type == AT_PLATFORM || a->type == AT_BASE_PLATFORM)
			a->string = memory_read_string(&c->mem, a->value, 4096, &c->arena);
	}
}

static cor_error *memory_from_core(struct cor_core *c)
{
	const struct elf_file *ef = c->elf;
	memory_init(&c->mem, ef->path, ef->data, ef->size, c->fd, &c->warn);
	for (uint32_t i = 0; i < ef->phnum; i++) {
		const struct elf_phdr *p = &ef->phdrs[i];
		if (p->type == PT_LOAD &&
		    !memory_add_segment(&c->mem, p->vaddr, p->memsz, p->offset, p->filesz, p->flags))
			return &cor_enomem;
	}
	return memory_finish(&c->mem, c->proc.fmaps, c->proc.nfmaps);
}

/* ---- what the unwinder asks of the code ---- */

static struct cfi_table *code_cfi(void *arg, uint64_t pc, bool eh, uint64_t *bias)
{
	struct cor_core *c = arg;
	struct module *m = module_at(&c->modules, pc);
	if (!m)
		return NULL;
	*bias = m->pub.load_bias;
	return module_cfi(&c->modules, m, eh);
}

static struct exidx_table *code_exidx(void *arg, uint64_t pc, uint64_t *bias)
{
	struct cor_core *c = arg;
	struct module *m = module_at(&c->modules, pc);
	if (!m)
		return NULL;
	*bias = m->pub.load_bias;
	return module_exidx(&c->modules, m);
}

/* The unwinder's reads: the process's memory, and where the core has no
 * bytes for an address in a loaded object (qemu-user dumps no text), the
 * object's file: the signal-frame steps read trampolines' code. */
static cor_error *unwind_read_cb(void *arg, uint64_t addr, void *buf, size_t n)
{
	struct cor_core *c = arg;
	return modules_read(&c->modules, addr, buf, n, NULL);
}

/* A function's entry, by its symbol (a .ARM.exidx entry may cover several
 * functions, so it does not say). */
static bool code_func_start(void *arg, uint64_t pc, uint64_t *start, bool *thumb)
{
	struct cor_core *c = arg;
	struct module *m = module_at(&c->modules, pc);
	if (!m)
		return false;
	uint64_t bias = m->pub.load_bias;
	struct symtab *st = module_symtab(&c->modules, m);
	struct symbol sym;
	if (st && symtab_lookup(st, pc - bias, &sym)) {
		*start = sym.value + bias;
		*thumb = sym.thumb;
		return true;
	}
	return false;
}

static const char *code_object(void *arg, uint64_t pc)
{
	struct cor_core *c = arg;
	struct module *m = module_at(&c->modules, pc);
	return m ? m->pub.name : NULL;
}

/* Heuristic steps must land in code: a loaded object, or a file mapped
 * executable (old kernels map the stack rwx, so anonymous memory does not
 * count). */
static bool code_in_code(void *arg, uint64_t pc)
{
	struct cor_core *c = arg;
	if (module_at(&c->modules, pc))
		return true;
	const struct cor_mapping *m = memory_mapping_at(&c->mem, pc);
	return m && m->exec && m->path;
}

/* Go's signal handler makes a faulting goroutine look as if it called
 * runtime.sigpanic: the pc that faulted is pushed as the return address (on
 * arm64, put in the link register). */
static bool code_func_is(struct cor_core *c, uint64_t pc, const char *name, const char *alt)
{
	struct module *m = module_at(&c->modules, pc);
	struct symtab *st = m ? module_symtab(&c->modules, m) : NULL;
	struct symbol sym;
	if (st && symtab_lookup(st, pc - m->pub.load_bias, &sym))
		return !strcmp(sym.name, name) || (alt && !strcmp(sym.name, alt));
	/* a stripped Go binary: the runtime's own table */
	struct gopclntab *t = m ? module_gopclntab(&c->modules, m) : NULL;
	struct gofunc f;
	return t && gopclntab_func(t, pc - m->pub.load_bias, &f) &&
	       (!strcmp(f.name, name) || (alt && !strcmp(f.name, alt)));
}

static bool code_fakes_call(void *arg, uint64_t pc)
{
	return code_func_is(arg, pc, "runtime.sigpanic", NULL);
}

/* Go's signal handler, entered by the kernel (arm64: its CFI marks the
 * return address undefined) */
static bool code_handler_entry(void *arg, uint64_t pc)
{
	return code_func_is(arg, pc, "runtime.sigtramp", "runtime.sigtramp.abi0");
}

/* Go's pcsp table of the function holding pc. */
static bool code_sp_delta(void *arg, uint64_t pc, uint64_t *delta)
{
	struct cor_core *c = arg;
	struct module *m = module_at(&c->modules, pc);
	struct gopclntab *t = m ? module_gopclntab(&c->modules, m) : NULL;
	struct gofunc f;
	uint64_t rel = m ? pc - m->pub.load_bias : 0;
	return t && gopclntab_func(t, rel, &f) && gopclntab_sp_delta(t, &f, rel, delta);
}

static cor_error *core_load(struct cor_core *c)
{
	cor_error *err = process_load(&c->proc, c->elf, &c->limits, &c->arena, &c->warn);
	c->proc.info.compression = c->compression;
	if (!err)
		err = memory_from_core(c);
	if (err)
		return err;
	memory_label(&c->mem, &c->proc, &c->arena);
	auxv_strings(c);
	struct files_options fo = {
		.exe = c->exe, .sysroot = c->sysroot,
		.debug_dirs = (const char *const *)c->debug_dirs,
		.files = (const char *const *)c->files_opt,
		.no_debuginfod = c->no_debuginfod,
		.progress = c->progress, .progress_arg = c->progress_arg,
	};
	if ((err = files_init(&c->files, &fo, &c->proc, &c->mem, &c->limits, &c->warn)))
		return err;
	memory_attach_files(&c->mem, files_mapped_cb, &c->files);
	c->proc.proc.executable = files_executable(&c->files);
	if ((err = modules_build(&c->modules, &c->proc, &c->mem, &c->files, &c->limits,
				 &c->arena, &c->warn)))
		return err;
	struct arch_mem am = { unwind_read_cb, c, c->proc.info.big_endian,
			       c->elf->addr_size };
	struct unwind_code code = {
		.cfi = code_cfi, .object = code_object, .in_code = code_in_code,
		.fakes_call = code_fakes_call, .handler_entry = code_handler_entry, .exidx = code_exidx,
		.func_start = code_func_start, .sp_delta = code_sp_delta, .arg = c,
	};
	unwinder_init(&c->unwinder, c->proc.arch, &am, &code, &c->limits);
	symbolizer_init(&c->sym, &c->modules, &c->arena, &c->warn, c->raw_names, c->no_inline,
			c->no_tailcalls);
	return NULL;
}

static cor_error *core_new(const struct cor_options *opts, struct cor_core **out)
{
	struct cor_core *c = cor_calloc(1, sizeof(*c));
	if (!c)
		return &cor_enomem;
	c->fd = -1;
	if (!copy_options(c, opts)) {
		cor_core_free(c);
		return &cor_enomem;
	}
	*out = c;
	return NULL;
}

static cor_error *core_finish(struct cor_core *c, cor_error *err, cor_core **out)
{
	if (!err)
		err = core_load(c);
	if (err) {
		cor_core_free(c);
		return err;
	}
	*out = c;
	return NULL;
}

/* Reads the first bytes of a pipe (up to n, fewer only at its end). */
static size_t read_head(int fd, uint8_t *p, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, p + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	return got;
}

/* The core's descriptor: "-" is standard input; a FIFO is opened blocking
 * (waiting for its writer, as the user asked for it). Other files that are
 * not regular are refused. */
static cor_error *open_input(const char *path, int *fd, struct stat *st)
{
	bool std_in = !strcmp(path, "-");
	/* a FIFO is opened blocking: opening it, even to look, would let its
	 * writer start, and closing it again would break its pipe */
	bool fifo = !std_in && stat(path, st) == 0 && S_ISFIFO(st->st_mode);
	if (std_in)
		*fd = fcntl(0, F_DUPFD_CLOEXEC, 0);
	else
		*fd = open(path, O_RDONLY | O_CLOEXEC | (fifo ? 0 : O_NONBLOCK));
	if (*fd < 0)
		return cor_error_errno(errno, std_in ? "standard input" : path, "cannot open");
	if (fstat(*fd, st) != 0) {
		int e = errno;
		close(*fd);
		return cor_error_errno(e, path, "cannot stat");
	}
	if (S_ISFIFO(st->st_mode) || S_ISSOCK(st->st_mode)) {
		int fl = fcntl(*fd, F_GETFL);
		if (fl >= 0 && (fl & O_NONBLOCK))
			fcntl(*fd, F_SETFL, fl & ~O_NONBLOCK);
	} else if (!S_ISREG(st->st_mode)) {
		close(*fd);
		return cor_error_new(COR_ERR_IO, "%s: not a regular file nor a pipe",
				     std_in ? "standard input" : path);
	}
	return NULL;
}

/* The core at path: mapped as it is when it is a plain regular file, else
 * (compressed, a pipe) through its temporary file. */
static cor_error *core_open_input(struct cor_core *c, const char *path)
{
	struct stat st;
	int fd;
	cor_error *err = open_input(path, &fd, &st);
	if (err)
		return err;
	const char *name = strcmp(path, "-") ? path : "(stdin)";
	uint8_t head[8];
	size_t nhead = 0;
	enum cor_compression kind;
	/* a regular file read from its start (standard input too, when it is
	 * one at offset 0) is mapped where it is, unless it is compressed */
	bool whole = S_ISREG(st.st_mode) && (strcmp(path, "-") || lseek(fd, 0, SEEK_CUR) == 0);
	if (whole) {
		c->have_coredump = coredump_from_fd(fd, &c->coredump, &c->arena);
		ssize_t r = pread(fd, head, sizeof(head), 0);
		kind = cor_compression_detect(head, r > 0 ? (size_t)r : 0);
		if (!kind) {
			c->fd = fd;
			if ((err = elf_open_fd(fd, (uint64_t)st.st_size, name, &c->limits, &c->warn,
					       &c->elf)))
				return err;
			elf_advise_random(c->elf);
			return NULL;
		}
	} else {
		nhead = read_head(fd, head, sizeof(head));
		kind = cor_compression_detect(head, nhead);
	}
	struct spool_options so = { c->max_core_size, c->progress, c->progress_arg };
	uint64_t size;
	int tmp;
	err = spool_core(fd, head, nhead, kind, whole ? (uint64_t)st.st_size : 0,
			 name, &so, &c->warn, &tmp, &size);
	close(fd);
	if (err)
		return err;
	c->fd = tmp;
	c->compression = kind ? cor_compression_name(kind) : NULL;
	if ((err = elf_open_fd(tmp, size, name, &c->limits, &c->warn, &c->elf)))
		return err;
	elf_advise_random(c->elf);
	return NULL;
}

cor_error *cor_core_open(const char *path, const struct cor_options *opts, cor_core **out)
{
	struct cor_core *c;
	if (!path || !out)
		return cor_error_new(COR_ERR_INVALID, "cor_core_open: NULL argument");
	cor_error *err = core_new(opts, &c);
	if (err)
		return err;
	return core_finish(c, core_open_input(c, path), out);
}

cor_error *cor_core_open_mem(const void *data, size_t size, const char *name,
			     const struct cor_options *opts, cor_core **out)
{
	struct cor_core *c;
	if (!out || (!data && size))
		return cor_error_new(COR_ERR_INVALID, "cor_core_open_mem: NULL argument");
	cor_error *err = core_new(opts, &c);
	if (err)
		return err;
	return core_finish(c, elf_open_mem(data ? data : "", size, name ? name : "(memory)",
					   &c->limits, &c->warn, &c->elf), out);
}

void cor_core_free(cor_core *c)
{
	if (!c)
		return;
	symbolizer_free(&c->sym);
	unwinder_free(&c->unwinder);
	modules_free(&c->modules);
	files_free(&c->files);
	memory_free(&c->mem);
	process_free(&c->proc);
	if (c->fd >= 0)
		close(c->fd);
	elf_close(c->elf);
	warnings_free(&c->warn);
	arena_free(&c->arena);
	free(c->exe);
	free(c->sysroot);
	free_strv(c->debug_dirs);
	free_strv(c->files_opt);
	free(c);
}

/* ---- accessors: a NULL core gives 0, NULL, -1 or false ---- */

#define INVALID(fn) cor_error_new(COR_ERR_INVALID, fn ": NULL argument")

size_t cor_core_warning_count(const cor_core *c)
{
	return c ? c->warn.n + (c->warn.dropped > 0) : 0;
}

const char *cor_core_warning(const cor_core *c, size_t i)
{
	const struct cor_warning *w = cor_core_warning_info(c, i);
	return w ? w->message : NULL;
}

const struct cor_warning *cor_core_warning_info(const cor_core *c, size_t i)
{
	static const struct cor_warning more = { COR_ERR_LIMIT, NULL, "further warnings omitted" };
	if (!c)
		return NULL;
	if (i < c->warn.n)
		return &c->warn.v[i];
	if (i == c->warn.n && c->warn.dropped)
		return &more;
	return NULL;
}

const struct cor_core_info *cor_core_info(const cor_core *c) { return c ? &c->proc.info : NULL; }

const struct cor_coredump *cor_core_coredump(const cor_core *c)
{
	return c && c->have_coredump ? &c->coredump : NULL;
}
const struct cor_process *cor_core_process(const cor_core *c) { return c ? &c->proc.proc : NULL; }
const struct cor_signal *cor_core_signal(const cor_core *c) { return c ? &c->proc.sig : NULL; }
size_t cor_core_thread_count(const cor_core *c) { return c ? c->proc.nthreads : 0; }
long cor_core_crashed_thread(const cor_core *c) { return c ? c->proc.crashed : -1; }

const struct cor_thread *cor_core_thread(const cor_core *c, size_t i)
{
	return c && i < c->proc.nthreads ? &c->proc.threads[i] : NULL;
}

size_t cor_core_note_count(const cor_core *c) { return c ? c->proc.nnotes : 0; }
uint64_t cor_core_notes_omitted(const cor_core *c) { return c ? c->proc.notes_omitted : 0; }

const struct cor_note *cor_core_note(const cor_core *c, size_t i)
{
	return c && i < c->proc.nnotes ? &c->proc.notes[i] : NULL;
}

size_t cor_core_auxv_count(const cor_core *c) { return c ? c->proc.nauxv : 0; }

const struct cor_auxv *cor_core_auxv(const cor_core *c, size_t i)
{
	return c && i < c->proc.nauxv ? &c->proc.auxv[i] : NULL;
}

bool cor_core_auxv_get(const cor_core *c, uint64_t type, uint64_t *value)
{
	uint64_t v;
	if (!c || !process_auxv(&c->proc, type, &v))
		return false;
	if (value)
		*value = v;
	return true;
}

size_t cor_core_mapping_count(const cor_core *c) { return c ? c->mem.nsegs : 0; }

const struct cor_mapping *cor_core_mapping(const cor_core *c, size_t i)
{
	return c && i < c->mem.nsegs ? &c->mem.maps[i] : NULL;
}

const struct cor_mapping *cor_core_mapping_at(const cor_core *c, uint64_t addr)
{
	return c ? memory_mapping_at((struct memory *)&c->mem, addr) : NULL;
}

cor_error *cor_core_read(cor_core *c, uint64_t addr, void *buf, size_t len, size_t *done)
{
	if (done)
		*done = 0;
	if (!c || (!buf && len))
		return INVALID("cor_core_read");
	return modules_read(&c->modules, addr, buf, len, done);
}

size_t cor_core_module_count(const cor_core *c) { return c ? c->modules.n : 0; }

const struct cor_module *cor_core_module(const cor_core *c, size_t i)
{
	return c && i < c->modules.n ? &c->modules.v[i].pub : NULL;
}

const struct cor_module *cor_core_module_at(const cor_core *c, uint64_t addr)
{
	struct module *m = c ? module_at(&c->modules, addr) : NULL;
	return m ? &m->pub : NULL;
}

/* Thread number `thread' of c, on a machine that can be unwound. */
static cor_error *unwindable(cor_core *c, size_t thread, const struct cor_thread **t)
{
	if (!(*t = cor_core_thread(c, thread)))
		return cor_error_new(COR_ERR_NOT_FOUND, "no thread %zu", thread);
	if (!c->proc.arch)
		return cor_error_new(COR_ERR_UNSUPPORTED, "cannot unwind: machine %u not supported",
				     c->proc.info.machine);
	return NULL;
}

cor_error *cor_core_backtrace(cor_core *c, size_t thread, cor_backtrace **out)
{
	if (!c || !out)
		return INVALID("cor_core_backtrace");
	*out = NULL;
	const struct cor_thread *t;
	cor_error *err = unwindable(c, thread, &t);
	return err ? err : backtrace_build(&c->unwinder, &c->sym, t, out);
}

cor_error *cor_core_frame_vars(cor_core *c, size_t thread, const cor_backtrace *bt,
			       const struct cor_print_options *opts, cor_frame_vars **out)
{
	if (out)
		*out = NULL;
	if (!c || !bt || !out)
		return INVALID("cor_core_frame_vars");
	const struct cor_thread *t;
	cor_error *err = unwindable(c, thread, &t);
	if (err)
		return err;
	struct values_parts p = { &c->mem, &c->modules, &c->unwinder, c->proc.arch };
	return values_build(&p, t, bt, opts, out);
}

cor_error *cor_core_print(cor_core *c, size_t thread, const cor_backtrace *bt, size_t frame,
			  const char *expr, const struct cor_print_options *opts,
			  struct cor_variable **out)
{
	if (out)
		*out = NULL;
	if (!c || !bt || !expr || !out)
		return INVALID("cor_core_print");
	const struct cor_thread *t;
	cor_error *err = unwindable(c, thread, &t);
	if (err)
		return err;
	struct values_parts p = { &c->mem, &c->modules, &c->unwinder, c->proc.arch };
	return values_print(&p, t, bt, frame, expr, opts, out);
}

cor_error *cor_core_report(cor_core *c, const struct cor_report_options *opts,
			   const struct cor_report **out)
{
	if (!c || !out)
		return INVALID("cor_core_report");
	*out = NULL;
	struct report_parts p = {
		.core_path = c->elf->path, .proc = &c->proc, .mem = &c->mem,
		.modules = &c->modules, .unwinder = &c->unwinder, .sym = &c->sym, .warn = &c->warn,
		.arena = &c->arena,
		.coredump = cor_core_coredump(c),
	};
	return report_build(&p, opts, out);
}
