/* The coroner command line: shared options, one cmd_<name> per subcommand. */
#ifndef COR_CLI_H
#define COR_CLI_H

#include <stdio.h>
#include "coroner.h"
#include "json.h"

enum { EXIT_OK = 0, EXIT_ERROR = 1, EXIT_USAGE = 2, EXIT_PARTIAL = 3 };

struct cli {
	const char *core_path;
	const char *args[4];        /* positional arguments after CORE */
	int nargs;
	struct cor_options opts;
	const char *debug_dirs[17];
	int ndebug_dirs;
	const char *files[33];
	int nfiles;
	bool json, raw, all_regs, have_tid, goroutines;
	bool full;                  /* bt/report --full: arguments and locals */
	unsigned long frame;        /* print --frame N */
	struct cor_print_options print;
	long tid;
	/* the terminal report */
	enum { REGS_DEFAULT, REGS_NONE, REGS_CRASHED, REGS_ALL } regs;
	enum { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER } color_when;
	bool color_out, color_err;  /* SGR colours on stdout, on stderr */
	bool short_names;           /* long C++/Rust names shortened (a terminal) */
	bool full_names;            /* --full-names */
	bool source;                /* --source: each frame's source line */
	const char *source_dirs[17];
	int nsource_dirs;
	long outermost;             /* --max-frames -N: only the N outermost frames */
	cor_core *core;
	const struct cor_report *rep;   /* built before the command runs */
};

struct command {
	const char *name;
	int (*fn)(struct cli *cli);
	int min_args, max_args;
	bool frames;                /* the command shows backtraces */
	const char *usage;          /* after "coroner NAME CORE" */
	const char *help;
};

int cmd_info(struct cli *cli);
int cmd_threads(struct cli *cli);
int cmd_maps(struct cli *cli);
int cmd_notes(struct cli *cli);
int cmd_auxv(struct cli *cli);
int cmd_read(struct cli *cli);
int cmd_report(struct cli *cli);
int cmd_bt(struct cli *cli);
int cmd_diagnose(struct cli *cli);
int cmd_print(struct cli *cli);
int cmd_goroutines(struct cli *cli);
/* list.c: coroner list [DIR] (no core: its own arguments) */
int cmd_list(int argc, char **argv);
/* systemd-coredump's attributes: JSON (null without), an info line */
void json_coredump(struct json *j, const struct cor_coredump *cd);
void print_coredump(FILE *f, const struct cor_coredump *cd);

/* source.c: line LINE of FILE, found as gdb's `directory` finds it (as
 * is, then under each --source-dir: DIR/FILE, DIR/basename), tabs and
 * control characters made harmless; NULL when not readable. Owned by the
 * cache (source_free). */
const char *source_line(struct cli *cli, const char *file, unsigned line);
void source_free(void);
/* s as it may go to a terminal: C0 and C1 controls, DEL and bytes that are
 * not UTF-8 as \xNN (names, paths and messages come from the hostile core
 * and its files: no escape sequence of theirs reaches the terminal). s
 * itself when clean; else a copy valid for the next 15 calls (freed by
 * source_free). NULL for NULL. */
const char *tx(const char *s);
/* Length of the UTF-8 sequence at p (at most n bytes) if it is valid and no
 * C1 control (U+0080..U+009F), else 0. */
size_t utf8_len(const unsigned char *p, size_t n);
/* shorten.c: a C++/Rust name at most width columns where it can be: the
 * innermost template argument lists elided to <…> first, into buf. */
const char *shorten_name(const char *name, size_t width, char *buf, size_t n);

/* output.c */
void print_json_report(struct cli *cli, bool with_frames);
void print_info(struct cli *cli, FILE *f);
void print_diagnosis(struct cli *cli, FILE *f);
const char *tid_text(const struct cor_thread *t, char *buf, size_t n);
/* regs: whose registers, when --regs does not say (REGS_*) */
void print_threads(struct cli *cli, FILE *f, int regs);
void print_maps(struct cli *cli, FILE *f);
void print_notes(struct cli *cli, FILE *f);
void print_auxv(struct cli *cli, FILE *f);
int print_backtraces(struct cli *cli, FILE *f, int regs);
/* A Go program's goroutines, as Go's traceback prints them */
int print_goroutines(struct cli *cli, FILE *f);
void print_warnings(struct cli *cli, FILE *f);
/* A variable's "type", "value", "location", "optimized_out", "raw" keys. */
void json_variable(struct json *j, const struct cor_variable *v);
/* exit code after a successful command: partial if any warning */
int finish(struct cli *cli);
/* A number: decimal, 0x hex or 0 octal, all of s; no sign. */
bool parse_u64(const char *s, uint64_t *v);

#endif
