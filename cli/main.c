/* coroner: git-style subcommands over libcoroner. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli.h"

static const struct command commands[] = {
	{ "report", cmd_report, 0, 0, true, "",
	  "The whole story: why it died, process, signal, every thread's backtrace, mappings, warnings." },
	{ "diagnose", cmd_diagnose, 0, 0, false, "",
	  "Why it died: severity class, fault, instruction, last words (assert, heap, exception), signature." },
	{ "info", cmd_info, 0, 0, false, "", "Who the process was and which signal killed it." },
	{ "threads", cmd_threads, 0, 0, false, "", "Every thread with its registers (--all-regs: FP and vector too)." },
	{ "bt", cmd_bt, 0, 0, true, "", "Symbolized backtrace of every thread, crashed thread first." },
	{ "goroutines", cmd_goroutines, 0, 0, true, "",
	  "A Go program's goroutines: status, wait reason, thread, stack, creator (as Go's traceback)." },
	{ "maps", cmd_maps, 0, 0, false, "", "Every mapping: address range, file offset, file, whether its bytes are in the core." },
	{ "notes", cmd_notes, 0, 0, false, "", "Every ELF note of the core, by owner and type." },
	{ "auxv", cmd_auxv, 0, 0, false, "", "The auxiliary vector, decoded." },
	{ "print", cmd_print, 1, 1, true, " EXPR",
	  "The value of EXPR (a variable, *p, p->f, a.b, a[3], a global) in a frame (--frame N, --thread TID)." },
	{ "read", cmd_read, 1, 2, false, " ADDR [LEN]",
	  "Reads LEN (default 64) bytes at ADDR of the dead process: hexdump, or --raw bytes." },
};

static void usage_all(FILE *f)
{
	fprintf(f, "usage: coroner [COMMAND] CORE [OPTIONS]\n"
		"       coroner [COMMAND] EXE CORE [OPTIONS]       (as gdb takes them)\n"
		"       coroner [COMMAND] EXE -c|--core CORE [OPTIONS]  (coredumpctl debug --debugger=coroner)\n"
		"       coroner list [DIR] [--json]\n\n"
		"Post-mortem analysis of Linux ELF core dumps. `coroner CORE` prints the report.\n"
		"CORE may be compressed (zstd, lz4, xz, gzip) or a pipe; - is standard input\n"
		"(coredumpctl dump PID | coroner -).\n\n"
		"commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "  %-10s %s\n", "list", "The cores of DIR (default /var/lib/systemd/coredump), newest first.");
	fprintf(f, "\n`coroner COMMAND --help` describes a command's options.\n");
}

static void usage_cmd(FILE *f, const struct command *c)
{
	fprintf(f, "usage: coroner %s [EXE] CORE%s [OPTIONS]\n"
		"       coroner %s [EXE] -c|--core CORE%s [OPTIONS]\n\n%s\n\n",
		c->name, c->usage, c->name, c->usage, c->help);
	fprintf(f, "options:\n"
		"  -c, --core CORE    the core (a path before it is then the executable); it may be\n"
		"                     compressed (zstd, lz4, xz, gzip) or a pipe, - is standard input\n"
		"  --exe PATH         the executable (when the recorded path is wrong or missing;\n"
		"                     used as given, not under --sysroot)\n"
		"  --sysroot DIR      look for the recorded files under DIR\n"
		"  --file [REC=]PATH  use PATH for the mapped file recorded as REC (or with the same base name)\n"
		"  --debug-dir DIR    separate debug files directory (repeatable; default /usr/lib/debug)\n"
		"  --json             one JSON document (the whole report; see README)\n"
		"  --thread TID       only this thread\n"
		"  --all-regs         floating-point and vector registers too\n"
		"  --regs WHICH       whose registers: none, crashed (report's default) or all\n"
		"                     (threads' default); bt shows none unless asked\n"
		"  -n N, --max-frames N  the N innermost frames per thread (default 256; 0: no\n"
		"                     limit); --max-frames -N: the N outermost\n"
		"  --source           the source line of each frame (when the file is readable)\n"
		"  --source-dir DIR   look for source files under DIR too (repeatable)\n"
		"  --color[=WHEN]     colour: auto (default: stdout a terminal, NO_COLOR unset),\n"
		"                     always or never\n"
		"  --full-names       whole C++/Rust names on a terminal (else long template\n"
		"                     arguments are shown as <\xe2\x80\xa6>)\n"
		"  --goroutines       (bt) a Go program's goroutines too, after the threads\n"
		"  --max-threads N    threads kept (default 100000)\n"
		"  --max-notes N      notes parsed (default 1000000)\n"
		"  --max-memory N     memory budget for decompressed sections and tables\n"
		"                     (bytes, or with K, M, G; default 1G)\n"
		"  --max-core-size N  bytes of a compressed or piped core read at most (K, M, G;\n"
		"                     default: what its program headers declare, plus 1M)\n"
		"  --raw-names        do not demangle C++/Rust names\n"
		"  --no-inline        no inline frames\n"
		"  --no-tailcalls     no frames put back for tail calls (marked [tail])\n"
		"  --no-debuginfod    do not fetch missing executables and debug info from the\n"
		"                     debuginfod servers DEBUGINFOD_URLS names\n");
	if (!strcmp(c->name, "read"))
		fprintf(f, "  --raw              write the bytes themselves to stdout\n");
	if (!strcmp(c->name, "print"))
		fprintf(f, "  --frame N          the frame (of the crashed thread, or --thread's; default 0)\n");
	if (!strcmp(c->name, "bt") || !strcmp(c->name, "report") || !strcmp(c->name, "print"))
		fprintf(f, "  --full             each frame's arguments and locals, as gdb's bt full\n"
			"  --print-limit N    array elements and string characters printed (default 200)\n");
	fprintf(f, "\nWith DEBUGINFOD_URLS set, a file missing on disk is fetched by build-id into\n"
		"libdebuginfod's cache (DEBUGINFOD_CACHE_PATH; DEBUGINFOD_TIMEOUT bounds a fetch).\n"
		"An option that matches nothing (--file, --debug-dir, --exe) is a warning.\n"
		"exit status: 0 ok, 1 error, 2 usage, 3 partial result (warnings)\n");
}

/* The library's progress of a long step (a debuginfod fetch, decompressing
 * a core), on stderr (a terminal): one line, rewritten; cleared when the
 * step ends. */
static int print_progress(void *arg, const char *what, uint64_t done, uint64_t total)
{
	(void)arg;
	if (!what)
		fputs("\r\033[K", stderr);
	else if (total)
		fprintf(stderr, "\r\033[Kcoroner: %s: %" PRIu64 " of %" PRIu64 " KiB", what,
			done >> 10, total >> 10);
	else
		fprintf(stderr, "\r\033[Kcoroner: %s: %" PRIu64 " KiB", what, done >> 10);
	fflush(stderr);
	return 0;
}

/* A byte count: N, or N with K, M or G (powers of 1024). */
static bool parse_size(const char *s, uint64_t *v)
{
	char num[32];
	size_t len = strlen(s);
	unsigned shift = 0;
	if (len && strchr("KkMmGg", s[len - 1])) {
		char u = (char)(s[len - 1] | 0x20);
		shift = u == 'k' ? 10 : u == 'm' ? 20 : 30;
		len--;
	}
	if (len >= sizeof(num))
		return false;
	memcpy(num, s, len);
	num[len] = 0;
	if (!parse_u64(num, v) || *v > (UINT64_MAX >> shift))
		return false;
	*v <<= shift;
	return true;
}

bool parse_u64(const char *s, uint64_t *v)
{
	char *end;
	if (!*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 0);
	if (errno || end == s || *end)
		return false;
	*v = x;
	return true;
}

/* e_type of the ELF file at path, or -1 if it is not one (or no regular
 * file: a FIFO is neither opened nor read here, the core may be one). */
static int elf_type(const char *path)
{
	unsigned char h[18];
	struct stat st;
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return -1;
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	size_t n = fread(h, 1, sizeof(h), f);
	fclose(f);
	if (n < sizeof(h) || memcmp(h, "\177ELF", 4))
		return -1;
	return h[5] == 2 ? h[16] << 8 | h[17] : h[17] << 8 | h[16];
}

#define ET_CORE_TYPE 4

/* Could be the core after an executable: a core, "-", or a file that is
 * no ELF at all (a compressed core: the library knows them by magic). */
static bool core_like(const char *path)
{
	struct stat st;
	int t = elf_type(path);
	return t == ET_CORE_TYPE || !strcmp(path, "-") ||
	       (t < 0 && stat(path, &st) == 0 && !S_ISDIR(st.st_mode));
}

/* The positional paths: CORE, EXE CORE (gdb's order; EXE an ELF file that
 * is not a core, CORE a core) or, with -c CORE, EXE; then the command's
 * arguments. */
static int place_positionals(struct cli *cli, const struct command *c, const char *core_opt,
			     const char **pos, int npos)
{
	const char *exe = NULL;
	int k = 0;
	if (core_opt) {
		cli->core_path = core_opt;
		if (npos && (!c->max_args || (elf_type(pos[0]) >= 0 && elf_type(pos[0]) != ET_CORE_TYPE)))
			exe = pos[k++];
	} else if (npos >= 2 && elf_type(pos[0]) >= 0 && elf_type(pos[0]) != ET_CORE_TYPE &&
		   core_like(pos[1])) {
		exe = pos[k++];
		cli->core_path = pos[k++];
	} else if (npos) {
		cli->core_path = pos[k++];
	}
	if (exe && cli->opts.exe) {
		fprintf(stderr, "coroner %s: executable given twice ('%s' and --exe %s)\n", c->name,
			exe, cli->opts.exe);
		return EXIT_USAGE;
	}
	if (exe)
		cli->opts.exe = exe;
	for (; k < npos; k++) {
		if (cli->nargs >= c->max_args) {
			fprintf(stderr, "coroner %s: unexpected argument '%s'\n", c->name, pos[k]);
			return EXIT_USAGE;
		}
		cli->args[cli->nargs++] = pos[k];
	}
	return EXIT_OK;
}

/* The place of w among the NULL-ended choices, or -1 (said on stderr). */
static int choice(const char *opt, const char *w, const char *const *names)
{
	for (int i = 0; names[i]; i++)
		if (!strcmp(w, names[i]))
			return i;
	fprintf(stderr, "coroner: %s: '%s' is not one of", opt, w);
	for (int i = 0; names[i]; i++)
		fprintf(stderr, "%s %s", i ? "," : "", names[i]);
	fputc('\n', stderr);
	return -1;
}

static int parse_args(struct cli *cli, const struct command *c, int argc, char **argv)
{
	const char *pos[8], *core_opt = NULL;
	int npos = 0;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		uint64_t n;
#define NEEDVAL() do { if (!val) { fprintf(stderr, "coroner: %s needs a value\n", a); return EXIT_USAGE; } i++; } while (0)
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage_cmd(stdout, c);
			exit(0);
		} else if (!strcmp(a, "--json")) {
			cli->json = true;
		} else if (!strcmp(a, "--raw")) {
			cli->raw = true;
		} else if (!strcmp(a, "--goroutines")) {
			cli->goroutines = true;
		} else if (!strcmp(a, "--all-regs")) {
			cli->all_regs = true;
		} else if (!strcmp(a, "--source")) {
			cli->source = true;
		} else if (!strcmp(a, "--full-names")) {
			cli->full_names = true;
		} else if (!strcmp(a, "--source-dir")) {
			NEEDVAL();
			if (cli->nsource_dirs < 16)
				cli->source_dirs[cli->nsource_dirs++] = val;
		} else if (!strcmp(a, "--color") || !strncmp(a, "--color=", 8)) {
			static const char *const when[] = { "auto", "always", "never", NULL };
			int k = choice("--color", a[7] ? a + 8 : "always", when);
			if (k < 0)
				return EXIT_USAGE;
			cli->color_when = COLOR_AUTO + k;
		} else if (!strcmp(a, "--regs") || !strncmp(a, "--regs=", 7)) {
			static const char *const which[] = { "none", "crashed", "all", NULL };
			const char *w = a[6] ? a + 7 : val;
			if (!a[6])
				NEEDVAL();
			int k = choice("--regs", w, which);
			if (k < 0)
				return EXIT_USAGE;
			cli->regs = REGS_NONE + k;
		} else if ((!strcmp(a, "--max-frames") || !strcmp(a, "-n")) && val && val[0] == '-') {
			/* the N outermost: unwound to the end, the inner ones not shown */
			i++;
			if (!parse_u64(val + 1, &n) || n == 0 || n > 0x7fffffff) {
				fprintf(stderr, "coroner: %s: bad number '%s'\n", a, val);
				return EXIT_USAGE;
			}
			cli->outermost = (long)n;
			cli->opts.limits.max_frames = UINT32_MAX - 1;
		} else if (!strcmp(a, "--full")) {
			cli->full = true;
		} else if (!strcmp(a, "--frame")) {
			NEEDVAL();
			if (!parse_u64(val, &n) || n > 0x7fffffff) {
				fprintf(stderr, "coroner: %s: bad number '%s'\n", a, val);
				return EXIT_USAGE;
			}
			cli->frame = (unsigned long)n;
		} else if (!strcmp(a, "--print-limit")) {
			NEEDVAL();
			if (!parse_u64(val, &n) || n == 0 || n > 0x7fffffff) {
				fprintf(stderr, "coroner: %s: bad number '%s'\n", a, val);
				return EXIT_USAGE;
			}
			cli->print.max_elements = (uint32_t)n;
		} else if (!strcmp(a, "--raw-names")) {
			cli->opts.raw_names = true;
		} else if (!strcmp(a, "--no-inline")) {
			cli->opts.no_inline = true;
		} else if (!strcmp(a, "--no-tailcalls")) {
			cli->opts.no_tailcalls = true;
		} else if (!strcmp(a, "--no-debuginfod")) {
			cli->opts.no_debuginfod = true;
		} else if (!strcmp(a, "-c") || !strcmp(a, "--core")) {
			NEEDVAL();
			if (core_opt) {
				fprintf(stderr, "coroner: %s given twice\n", a);
				return EXIT_USAGE;
			}
			core_opt = val;
		} else if (!strcmp(a, "--exe")) {
			NEEDVAL();
			cli->opts.exe = val;
		} else if (!strcmp(a, "--sysroot")) {
			NEEDVAL();
			cli->opts.sysroot = val;
		} else if (!strcmp(a, "--debug-dir")) {
			NEEDVAL();
			if (cli->ndebug_dirs < 16)
				cli->debug_dirs[cli->ndebug_dirs++] = val;
		} else if (!strcmp(a, "--file")) {
			NEEDVAL();
			if (cli->nfiles < 32)
				cli->files[cli->nfiles++] = val;
		} else if (!strcmp(a, "--max-memory")) {
			NEEDVAL();
			if (!parse_size(val, &n) || n == 0) {
				fprintf(stderr, "coroner: %s: bad size '%s'\n", a, val);
				return EXIT_USAGE;
			}
			cli->opts.limits.max_memory = n;
		} else if (!strcmp(a, "--max-core-size")) {
			NEEDVAL();
			if (!parse_size(val, &n) || n == 0) {
				fprintf(stderr, "coroner: %s: bad size '%s'\n", a, val);
				return EXIT_USAGE;
			}
			cli->opts.max_core_size = n;
		} else if (!strcmp(a, "--thread") || !strcmp(a, "--max-frames") || !strcmp(a, "-n") ||
			   !strcmp(a, "--max-threads") || !strcmp(a, "--max-notes")) {
			NEEDVAL();
			bool frames = !strcmp(a, "--max-frames") || !strcmp(a, "-n");
			if (!parse_u64(val, &n) || (n == 0 && !frames) || n > 0x7fffffff) {
				fprintf(stderr, "coroner: %s: bad number '%s'\n", a, val);
				return EXIT_USAGE;
			}
			if (!strcmp(a, "--thread"))
				cli->tid = (long)n, cli->have_tid = true;
			else if (frames) /* 0: no limit, as eu-stack -n 0 */
				cli->opts.limits.max_frames = n ? (uint32_t)n : UINT32_MAX - 1,
				cli->outermost = 0;
			else if (!strcmp(a, "--max-threads"))
				cli->opts.limits.max_threads = (uint32_t)n;
			else
				cli->opts.limits.max_notes = (uint32_t)n;
		} else if (a[0] == '-' && a[1] && strcmp(a, "-") != 0 &&
			   !((npos || core_opt) && !strcmp(c->name, "read") && a[1] >= '0' && a[1] <= '9')) {
			fprintf(stderr, "coroner: unknown option '%s' (see coroner %s --help)\n", a, c->name);
			return EXIT_USAGE;
		} else if (npos < (int)(sizeof(pos) / sizeof(pos[0]))) {
			pos[npos++] = a;
		} else {
			fprintf(stderr, "coroner %s: unexpected argument '%s'\n", c->name, a);
			return EXIT_USAGE;
		}
	}
	int rc = place_positionals(cli, c, core_opt, pos, npos);
	if (rc)
		return rc;
	if (!cli->core_path || cli->nargs < c->min_args) {
		usage_cmd(stderr, c);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	static struct cli cli;
	cli.opts = (struct cor_options)COR_OPTIONS_INIT;
	cli.print = (struct cor_print_options)COR_PRINT_OPTIONS_INIT;
	if (argc < 2) {
		usage_all(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage_all(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("coroner %s\n", cor_version());
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "list"))
		return cmd_list(argc - 2, argv + 2);
	const struct command *c = NULL;
	int first = 1;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			c = &commands[i], first = 2;
	if (!c) {
		/* coroner CORE (or EXE CORE, or an option first): the report. A
		 * first word that is no file, and does not look like a path, is
		 * a command we do not have. */
		struct stat st;
		const char *a = argv[1];
		if (a[0] != '-' && stat(a, &st) != 0 && !strchr(a, '/') && !strchr(a, '.')) {
			fprintf(stderr, "coroner: unknown command '%s' (and no file of that name; "
				"see coroner --help)\n", a);
			return EXIT_USAGE;
		}
		c = &commands[0];
	}
	int rc = parse_args(&cli, c, argc - first, argv + first);
	if (rc)
		return rc;
	if (cli.ndebug_dirs)
		cli.opts.debug_dirs = cli.debug_dirs;
	if (cli.nfiles)
		cli.opts.files = cli.files;
	if (isatty(2))
		cli.opts.progress = print_progress;
	/* colour (https://no-color.org: NO_COLOR set and not empty turns auto off) */
	const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");
	bool may = cli.color_when == COLOR_ALWAYS ||
		   (cli.color_when == COLOR_AUTO && !(nc && *nc) && !(term && !strcmp(term, "dumb")));
	cli.color_out = may && (cli.color_when == COLOR_ALWAYS || isatty(1));
	cli.color_err = may && (cli.color_when == COLOR_ALWAYS || isatty(2));
	cli.short_names = !cli.full_names && isatty(1);
	cor_error *err = cor_core_open(cli.core_path, &cli.opts, &cli.core);
	if (err) {
		fprintf(stderr, "coroner: %s\n", tx(cor_error_message(err)));
		cor_error_free(err);
		return EXIT_ERROR;
	}
	struct cor_report_options ro = COR_REPORT_OPTIONS_INIT;
	ro.backtraces = c->frames;
	ro.have_tid = cli.have_tid;
	ro.tid = (int32_t)cli.tid;
	/* the text of the commands that do not print it: no need to unwind */
	ro.skip_diagnosis = !cli.json && c->fn != cmd_report && c->fn != cmd_diagnose;
	if (c->fn != cmd_read && (err = cor_core_report(cli.core, &ro, &cli.rep))) {
		fprintf(stderr, "coroner: %s\n", tx(cor_error_message(err)));
		cor_error_free(err);
		cor_core_free(cli.core);
		return EXIT_ERROR;
	}
	rc = c->fn(&cli);
	source_free();
	cor_report_free(cli.rep);
	cor_core_free(cli.core);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "coroner: error writing output: %s\n", strerror(errno));
		return EXIT_ERROR;
	}
	return rc;
}
