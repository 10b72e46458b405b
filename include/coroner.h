/*
 * coroner.h - post-mortem analysis of Linux ELF core dumps.
 *
 * One prefix (cor_), opaque handles, no stdio. Every fallible call returns a
 * cor_error pointer: NULL on success, else an error the caller frees with
 * cor_error_free() (freeing NULL or the static out-of-memory error is safe).
 *
 * Ownership: everything a cor_core hands out (strings, structs, arrays) is
 * owned by that core and valid until cor_core_free(). Backtraces are owned by
 * the caller and freed with cor_backtrace_free(); the strings of their frames
 * belong to the core, so a backtrace must not outlive its core.
 *
 * Strings from the core and its files (paths, names, messages) are their
 * bytes as recorded, NUL-terminated: any byte but NUL, not always UTF-8. A
 * program that shows them on a terminal escapes control characters (the
 * coroner command does; its JSON gives a byte that is no UTF-8 as the
 * code point of its value).
 *
 * Threads: a cor_core is not safe to use from several threads at once
 * (lookups fill caches); distinct cores are independent.
 *
 * NULL: every function checks its handle and pointer arguments. Given a NULL
 * handle, counts are 0, lookups NULL (or false, or -1), fallible calls return
 * a COR_ERR_INVALID error and the free functions do nothing; each
 * declaration below says what it does with NULL.
 *
 * Stability: public structs are only ever handed out by pointer; new fields are
 * added at the end, so callers must never allocate or copy them by value.
 */
#ifndef CORONER_H
#define CORONER_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

#define COR_VERSION_MAJOR 0
#define COR_VERSION_MINOR 1
const char *cor_version(void);  /* "0.1"; no arguments */

/* ---- errors ------------------------------------------------------------ */

enum cor_error_code {
	COR_OK = 0,
	COR_ERR_NOMEM,      /* allocation failed */
	COR_ERR_IO,         /* open/read/mmap failed (errno in message) */
	COR_ERR_FORMAT,     /* malformed input: names file and offset */
	COR_ERR_NOT_CORE,   /* valid ELF but not ET_CORE */
	COR_ERR_UNSUPPORTED,/* machine or feature not supported */
	COR_ERR_NO_MEMORY,  /* address not mapped in the dead process */
	COR_ERR_NOT_DUMPED, /* mapped, but bytes neither in core nor in a file */
	COR_ERR_TRUNCATED,  /* bytes past the end of a truncated core */
	COR_ERR_LIMIT,      /* a configured limit was reached */
	COR_ERR_INVALID,    /* bad argument from the caller */
	COR_ERR_NOT_FOUND,  /* no such thread, symbol, ... */
};

typedef struct cor_error cor_error;

/* NULL (success) gives COR_OK. */
enum cor_error_code cor_error_code(const cor_error *err);
/* Full human-readable message, e.g. "core: offset 0x40: truncated program
 * header table (56 bytes needed, 12 left)". Never NULL: "success" for NULL. */
const char *cor_error_message(const cor_error *err);
/* Address the error is about, if any (COR_ERR_NO_MEMORY ...). false for a
 * NULL err; addr may be NULL (only whether there is one). */
bool cor_error_address(const cor_error *err, uint64_t *addr);
/* NULL is ignored. */
void cor_error_free(cor_error *err);

/* ---- opening ----------------------------------------------------------- */

typedef struct cor_core cor_core;

/* Limits that bound work on hostile input. Zero means "default". */
struct cor_limits {
	uint32_t max_frames;        /* frames per thread (default 256) */
	uint32_t max_threads;       /* threads kept (default 100000) */
	uint32_t max_notes;         /* notes parsed (default 1000000) */
	uint32_t max_expr_steps;    /* DWARF expression steps (default 4096, at most 2^20) */
	uint32_t max_depth;         /* DIE / expression recursion (default 128, at most 4096) */
	uint64_t max_decompressed;  /* bytes per decompressed section (default 1 GiB) */
	/* One memory budget for the whole open core (default 1 GiB): every
	 * decompressed section, MiniDebugInfo (at most 64 MiB of it) and the
	 * symbol tables are counted; a part that does not fit is skipped with
	 * a warning naming the file and section. A compressed section
	 * declaring more than 100 times its compressed size is refused unless
	 * this is raised above the default. */
	uint64_t max_memory;
};

/* Progress of a long step of cor_core_open (see cor_options.progress):
 * what names the step ("decompressing core.zst", a debuginfod download),
 * done and total bytes so far (total 0: not known); what NULL once when the
 * step ends. Nonzero cancels the step. */
typedef int (*cor_progress_fn)(void *arg, const char *what, uint64_t done, uint64_t total);

struct cor_options {
	size_t sz;                   /* sizeof(struct cor_options) */
	const char *exe;             /* executable path (overrides the core's) */
	const char *sysroot;         /* prefix for file paths recorded in the core */
	const char *const *debug_dirs; /* NULL-terminated; default {"/usr/lib/debug"} */
	const char *const *files;    /* NULL-terminated extra "path" or "recorded=path" */
	bool raw_names;              /* do not demangle */
	bool no_inline;              /* no inline frame expansion */
	struct cor_limits limits;
	bool no_tailcalls;           /* no frames reconstructed from tail calls */
	/* With DEBUGINFOD_URLS set, a module whose executable or debug info is
	 * not found on disk is fetched by build-id from those debuginfod
	 * servers (into libdebuginfod's cache, DEBUGINFOD_CACHE_PATH; each
	 * fetch bounded by DEBUGINFOD_TIMEOUT and DEBUGINFOD_MAXTIME). true:
	 * never. A build without libdebuginfod warns instead. */
	bool no_debuginfod;
	/* Called during long steps of cor_core_open (a debuginfod download;
	 * a compressed or piped core read into its temporary file, what
	 * "decompressing core.zst"): what names the step, done and total
	 * bytes so far (total 0: not known); once more with what NULL when
	 * the step ends. Nonzero from it cancels the step. NULL: no calls.
	 * The library never prints. */
	cor_progress_fn progress;
	void *progress_arg;
	/* A core compressed with zstd, lz4 (frames), xz or gzip (known by its
	 * magic, not its name), or one that is no regular file (a pipe; "-" is
	 * standard input) is read once, streaming, into a sparse temporary
	 * file in $TMPDIR (unlinked at once), then opened as any core; its
	 * name in messages stays path. max_core_size bounds that file (0: what
	 * the core's own program headers declare, plus 1 MiB); it never takes
	 * more than the file system has free. A stream cut short or corrupt
	 * gives the part that decoded, with a warning naming the file. */
	uint64_t max_core_size;
};
#define COR_OPTIONS_INIT { sizeof(struct cor_options), 0, 0, 0, 0, 0, 0, {0}, 0, 0, 0, 0, 0 }

/* Opens a core. opts may be NULL; a NULL path or out is COR_ERR_INVALID.
 * On a partial result (truncated core ...)
 * the call succeeds and warnings say what is missing. */
cor_error *cor_core_open(const char *path, const struct cor_options *opts,
			 cor_core **out);
/* Same on bytes in memory; data must stay valid until cor_core_free().
 * name is used in messages (may be NULL); data may be NULL only with size 0,
 * out must not be NULL (COR_ERR_INVALID). Files named in the core are still looked up on
 * disk unless opts->sysroot points to an empty/nonexistent directory. */
cor_error *cor_core_open_mem(const void *data, size_t size, const char *name,
			     const struct cor_options *opts, cor_core **out);
/* NULL is ignored. */
void cor_core_free(cor_core *core);

/* Warnings gathered while opening and analysing (partial results): those
 * of opening are there when cor_core_open returns; analysis (backtraces,
 * reports) adds what it finds, so a report's warnings are complete once it
 * is built. */
struct cor_warning {
	enum cor_error_code code;   /* what kind of problem, as errors have */
	const char *subject;        /* what it is about (a file, "thread 42",
				     * a module), or NULL */
	const char *message;        /* the whole text, e.g. "core: offset 0x..: ..." */
};
/* A NULL core has 0 warnings (and warning i is NULL). */
size_t cor_core_warning_count(const cor_core *core);
/* The message of warning i (cor_core_warning_info(core, i)->message), or
 * NULL past the end or for a NULL core. */
const char *cor_core_warning(const cor_core *core, size_t i);
const struct cor_warning *cor_core_warning_info(const cor_core *core, size_t i);

/* ---- the process ------------------------------------------------------- */

enum cor_arch {
	COR_ARCH_UNKNOWN = 0,
	COR_ARCH_X86_64,
	COR_ARCH_I386,
	COR_ARCH_AARCH64,
	COR_ARCH_PPC64LE,
	COR_ARCH_S390X,
	COR_ARCH_RISCV64,
	COR_ARCH_PPC64,      /* big endian */
	COR_ARCH_X32,        /* x86_64 ILP32: EM_X86_64 in ELF32 */
	COR_ARCH_PPC,        /* 32-bit PowerPC, big endian */
	COR_ARCH_S390,       /* 31-bit s390 */
	COR_ARCH_ARM,        /* 32-bit ARM (armhf, armel; little endian) */
};

struct cor_core_info {
	enum cor_arch arch;
	const char *arch_name;  /* "x86_64", "i386", ... */
	int elf_class;          /* 32 or 64 */
	bool big_endian;
	uint16_t machine;       /* e_machine */
	uint64_t core_size;     /* bytes of the core file */
	uint64_t expected_size; /* bytes the headers say it should have */
	bool truncated;
	/* "zstd", "lz4", "xz" or "gzip" for a compressed core, else NULL
	 * (core_size is then the decompressed size) */
	const char *compression;
};
/* NULL for a NULL core. */
const struct cor_core_info *cor_core_info(const cor_core *core);

struct cor_process {
	bool have_psinfo;
	int32_t pid, ppid, pgrp, sid;
	uint32_t uid, gid;
	char state;             /* 'R', 'S', 'D', 'T', 'Z', ... or 0 */
	const char *command;    /* pr_fname, NUL-terminated */
	const char *args;       /* pr_psargs */
	const char *executable; /* path of the executable (AT_EXECFN / NT_FILE) or NULL */
};
/* NULL for a NULL core. */
const struct cor_process *cor_core_process(const cor_core *core);

struct cor_signal {
	bool have_siginfo;      /* from NT_SIGINFO; else from the crashed prstatus */
	int32_t number;
	int32_t code;
	int32_t err;            /* si_errno */
	const char *name;       /* "SIGSEGV" or NULL */
	const char *code_name;  /* "SEGV_MAPERR" or NULL */
	const char *description;/* "address not mapped to object" or NULL */
	bool have_address;      /* fault address meaningful (SIGSEGV/BUS/ILL/FPE/TRAP) */
	uint64_t address;
	bool have_sender;       /* SI_USER, SI_TKILL, SI_QUEUE ... */
	int32_t sender_pid;
	uint32_t sender_uid;
};
/* NULL for a NULL core. */
const struct cor_signal *cor_core_signal(const cor_core *core);
/* Name of a signal number / code, NULL if unknown (no pointers taken). */
const char *cor_signal_name(int signo);
const char *cor_signal_code_name(int signo, int code);

/* What systemd-coredump recorded in the core file's extended attributes
 * (user.coredump.pid, .uid, .gid, .signal, .timestamp, .rlimit, .comm,
 * .exe, .hostname); each have_ flag or string says whether it was there. */
struct cor_coredump {
	bool have_pid, have_uid, have_gid, have_signal, have_timestamp, have_rlimit;
	int32_t pid;
	uint32_t uid, gid;
	int32_t signal;
	uint64_t timestamp;     /* microseconds since the epoch */
	uint64_t rlimit;        /* RLIMIT_CORE soft limit (UINT64_MAX: unlimited) */
	const char *comm;       /* or NULL */
	const char *exe;        /* or NULL */
	const char *hostname;   /* or NULL */
};
/* The core file's systemd-coredump attributes; NULL when it has none (or
 * it came from a pipe), and for a NULL core. */
const struct cor_coredump *cor_core_coredump(const cor_core *core);
/* The same for any file, without opening it as a core (to list a
 * directory of cores): *out is NULL when the file has no such attribute;
 * free it with cor_coredump_free. A NULL path or out is COR_ERR_INVALID;
 * a file that cannot be read is COR_ERR_IO. */
cor_error *cor_coredump_read(const char *path, struct cor_coredump **out);
/* NULL is ignored. */
void cor_coredump_free(struct cor_coredump *cd);

/* ---- threads and registers ---------------------------------------------- */

enum cor_regset {
	COR_REGS_GENERAL = 0,
	COR_REGS_FLOAT,   /* x87 st0-7, fpcr, fpsr, f0-31 ... */
	COR_REGS_VECTOR,  /* xmm, ymm, zmm, k, v0-31 ... */
	COR_REGS_OTHER,   /* segment bases, tls, status words */
};

struct cor_register {
	const char *name;        /* as the architecture's manuals spell it */
	enum cor_regset set;
	uint32_t size;           /* bytes */
	uint64_t value;          /* the value when size <= 8 */
	const uint8_t *bytes;    /* size bytes, target byte order */
};

struct cor_thread {
	int32_t tid;
	bool crashed;           /* the thread that took the fatal signal */
	int32_t signal;         /* pr_cursig */
	uint64_t sigpend, sighold;
	uint64_t pc, sp;        /* convenience copies */
	size_t register_count;
	const struct cor_register *registers;
	bool have_fp;           /* NT_FPREGSET / NT_PRFPREG present */
	bool have_xstate;       /* NT_X86_XSTATE present */
	uint64_t xstate_features; /* XCR0 bits actually used */
	bool have_tid;          /* false: tid (and sigpend, sighold) not decoded
				 * (a machine coroner does not support, or a
				 * short NT_PRSTATUS); tid is then 0 */
};
/* 0 threads for a NULL core; thread i is NULL past the end or for NULL. */
size_t cor_core_thread_count(const cor_core *core);
const struct cor_thread *cor_core_thread(const cor_core *core, size_t i);
/* Index of the crashed thread, or -1 (also for a NULL core). */
long cor_core_crashed_thread(const cor_core *core);
/* Finds a register by name in a thread, NULL if absent or if t or name is
 * NULL. */
const struct cor_register *cor_thread_register(const struct cor_thread *t,
					       const char *name);

/* ---- mappings and memory ------------------------------------------------ */

enum cor_in_core {
	COR_IN_CORE_NONE = 0,    /* p_filesz 0: bytes not dumped */
	COR_IN_CORE_FULL,
	COR_IN_CORE_PARTIAL,     /* some bytes cut by truncation */
};

struct cor_mapping {
	uint64_t start, end;     /* [start, end) */
	uint64_t offset;         /* file offset in bytes (NT_FILE) */
	const char *path;        /* as recorded in NT_FILE, or NULL (anonymous) */
	const char *file;        /* file actually opened for missing bytes, or NULL */
	bool read, write, exec;  /* PT_LOAD p_flags */
	enum cor_in_core in_core;
	uint64_t core_offset;    /* p_offset of the segment */
	uint64_t core_bytes;     /* bytes actually present in the core */
	/* What an anonymous mapping is, where the core tells: "[vdso]",
	 * "[vsyscall]", "[stack]" (the main thread's), "[stack:TID]"; or NULL. */
	const char *label;
};
/* 0 mappings for a NULL core; mapping i is NULL past the end or for NULL. */
size_t cor_core_mapping_count(const cor_core *core);
const struct cor_mapping *cor_core_mapping(const cor_core *core, size_t i);
/* Mapping containing addr or NULL (also for a NULL core). */
const struct cor_mapping *cor_core_mapping_at(const cor_core *core, uint64_t addr);

/* Reads len bytes at addr of the dead process, splicing core bytes, zero
 * fill and mapped files. Fails (naming the address and why) unless all
 * bytes are readable; *done (may be NULL) gets the count read before. A
 * NULL core, or a NULL buf with len > 0, is COR_ERR_INVALID (*done 0). */
cor_error *cor_core_read(cor_core *core, uint64_t addr, void *buf, size_t len,
			 size_t *done);

/* ---- notes and auxv ------------------------------------------------------ */

struct cor_note {
	const char *name;        /* "CORE", "LINUX", ... */
	uint32_t type;
	const char *type_name;   /* "NT_PRSTATUS" or NULL */
	uint64_t offset;         /* file offset of the descriptor */
	uint64_t size;           /* descsz */
	const uint8_t *desc;     /* NULL when past the end of a truncated core */
};
/* 0 notes for a NULL core; note i is NULL past the end or for NULL. */
size_t cor_core_note_count(const cor_core *core);
const struct cor_note *cor_core_note(const cor_core *core, size_t i);
/* Notes seen but not kept because of limits.max_notes (0 for NULL). */
uint64_t cor_core_notes_omitted(const cor_core *core);

struct cor_auxv {
	uint64_t type;
	const char *name;        /* "AT_PHDR" or NULL */
	uint64_t value;
	const char *string;      /* AT_EXECFN / AT_PLATFORM ... read from memory, or NULL */
};
/* 0 entries for a NULL core; entry i is NULL past the end or for NULL. */
size_t cor_core_auxv_count(const cor_core *core);
const struct cor_auxv *cor_core_auxv(const cor_core *core, size_t i);
/* Value of one auxv type; false if absent or for a NULL core. value may be
 * NULL (only whether it is there). */
bool cor_core_auxv_get(const cor_core *core, uint64_t type, uint64_t *value);

/* ---- modules (loaded ELF objects) ---------------------------------------- */

struct cor_module {
	const char *name;        /* path as recorded, or "[vdso]" */
	const char *path;        /* file opened, or NULL if not found */
	uint64_t start, end;     /* lowest/highest mapped address */
	uint64_t load_bias;
	const char *build_id;    /* hex, or NULL */
	const char *debug_file;  /* separate debug file used, or NULL */
	bool is_executable, is_vdso;
};
/* Modules are found when the core is opened. A NULL core has 0 modules;
 * module i, and the module at addr, are NULL when there is none. */
size_t cor_core_module_count(const cor_core *core);
const struct cor_module *cor_core_module(const cor_core *core, size_t i);
const struct cor_module *cor_core_module_at(const cor_core *core, uint64_t addr);

/* ---- backtraces --------------------------------------------------------- */

enum cor_frame_how {
	COR_FRAME_CONTEXT = 0,   /* registers of the thread */
	COR_FRAME_CFI,           /* DWARF call frame information */
	COR_FRAME_FP,            /* frame pointer chain */
	COR_FRAME_SIGNAL,        /* restored from a signal frame */
	COR_FRAME_INLINE,        /* inlined into the next frame */
	COR_FRAME_LR,            /* link register heuristic (leaf function) */
	COR_FRAME_BAD_CALL,      /* the caller of a call into no code (a call
				  * through NULL, a jump into data): the next
				  * frame's pc is in no code, this one is its
				  * return address */
	COR_FRAME_TAILCALL,      /* a function a tail call removed from the
				  * stack, between the next frame (its caller)
				  * and the one before (the callee of its tail
				  * call), found from DWARF call sites where
				  * the chain is unambiguous; pc is the tail
				  * call's return address, no registers */
	COR_FRAME_PCSP,          /* from Go's pclntab: the frame size its
				  * pcsp table gives at the pc (a Go binary
				  * without CFI, built -ldflags=-w) */
};

struct cor_frame {
	uint64_t pc;
	uint64_t sp, cfa;
	enum cor_frame_how how;
	bool is_inline;
	bool signal_frame;       /* a signal trampoline (__restore_rt, ...): the
				  * next frame was interrupted by a signal and
				  * has how == COR_FRAME_SIGNAL */
	const char *function;    /* NULL if unknown */
	uint64_t offset;         /* pc - function start */
	const char *module;      /* module name, NULL if none */
	const char *file;        /* source file or NULL */
	uint32_t line, column;
	/* pc - the module's load bias: the link-time address in the module's
	 * file, for symbolizing later (addr2line -e FILE); 0 without module */
	uint64_t module_offset;
};

typedef struct cor_backtrace cor_backtrace;
/* A NULL core or out is COR_ERR_INVALID; on an error *out is NULL. */
cor_error *cor_core_backtrace(cor_core *core, size_t thread, cor_backtrace **out);
/* 0 frames for a NULL bt; frame i is NULL past the end or for NULL. */
size_t cor_backtrace_frame_count(const cor_backtrace *bt);
const struct cor_frame *cor_backtrace_frame(const cor_backtrace *bt, size_t i);
/* Why the unwind stopped, e.g. "pc is 0", "no progress", "frame limit 256";
 * NULL for a NULL bt. */
const char *cor_backtrace_stop_reason(const cor_backtrace *bt);
/* NULL is ignored. */
void cor_backtrace_free(cor_backtrace *bt);

/* "cfi", "fp", ...; "unknown" for a value out of range (no pointers). */

const char *cor_frame_how_name(enum cor_frame_how how);

/* ---- arguments and locals ----------------------------------------------
 * The variables of every frame of a backtrace, from DWARF locations and
 * types, printed as gdb prints them. A value that cannot be known (a
 * caller-saved register in an outer frame, no location at the pc) is
 * "<optimized out>", never a guess. */
struct cor_print_options {
	size_t sz;                  /* sizeof(struct cor_print_options) */
	uint32_t max_elements;      /* array elements and string characters
				     * printed (default 200, gdb's print elements) */
	uint32_t max_depth;         /* nested structs printed, deeper {...} (default 20) */
	uint32_t max_frame_bytes;   /* text of one frame's variables (default
				     * 65536); past it the rest are left out */
};
#define COR_PRINT_OPTIONS_INIT { sizeof(struct cor_print_options), 0, 0, 0 }

struct cor_variable {
	const char *name;
	const char *type;           /* as C writes it: "struct node *", "int [4]" */
	const char *value;          /* as gdb prints it: "5", "0x4011d6 <fn>",
				     * "{a = 1, b = {...}}", "<optimized out>" */
	/* where it was: "memory 0x7ffc5a10", "register rdi", "value" (computed),
	 * "constant", "implicit", "pieces", "entry value"; NULL if none */
	const char *location;
	bool optimized_out;         /* no value at all */
	bool is_arg;                /* a formal parameter */
	bool have_raw;              /* an integer, char, bool, enum or pointer: */
	uint64_t raw;               /* its bits, zero- or sign-extended to 64 */
	bool raw_signed;            /* raw is an int64_t */
	/* an argument's value at the function's entry, printed (gdb's x@entry):
	 * from the caller's call site, where the argument was in a register at
	 * the entry; NULL if unknown (and in inline frames) */
	const char *entry_value;
};

typedef struct cor_frame_vars cor_frame_vars;
/* The arguments and locals of every frame of bt, a backtrace of thread
 * `thread' of core (from cor_core_backtrace, same thread): frame i of bt
 * has cor_frame_vars_count(fv, i) of them, arguments first, then the
 * locals of every lexical block holding its pc, innermost block first.
 * Frames without DWARF have none; a tail-call frame (no registers) has
 * what entry values give. opts may be NULL
 * (defaults). *out is owned by the caller (cor_frame_vars_free) and holds
 * its own strings; it must not outlive the core. NULL core, bt or out:
 * COR_ERR_INVALID. */
cor_error *cor_core_frame_vars(cor_core *core, size_t thread, const cor_backtrace *bt,
			       const struct cor_print_options *opts, cor_frame_vars **out);
/* 0 for a NULL fv or a frame past the end; variable i is NULL past the end. */
size_t cor_frame_vars_count(const cor_frame_vars *fv, size_t frame);
const struct cor_variable *cor_frame_vars_get(const cor_frame_vars *fv, size_t frame, size_t i);
/* true if frame's variables were cut at max_frame_bytes (false for NULL). */
bool cor_frame_vars_truncated(const cor_frame_vars *fv, size_t frame);
/* NULL is ignored. */
void cor_frame_vars_free(cor_frame_vars *fv);

/* The value of expression expr in frame `frame' of bt (a backtrace of
 * thread `thread', as for cor_core_frame_vars): NAME (a variable of the
 * frame, innermost block first, else a global variable of the frame's
 * module, then of any module), *E, E.NAME, E->NAME, E[N] (N a number; a
 * one-dimensional array or a pointer). *out (name: expr) is owned by the
 * caller: cor_variable_free. An expression that cannot be evaluated is
 * COR_ERR_NOT_FOUND with gdb's words ("No symbol \"x\" in current
 * context.", "There is no member named y.", "Cannot access memory at
 * address 0x10"). NULL core, bt, expr or out: COR_ERR_INVALID. */
cor_error *cor_core_print(cor_core *core, size_t thread, const cor_backtrace *bt, size_t frame,
			  const char *expr, const struct cor_print_options *opts,
			  struct cor_variable **out);
/* NULL is ignored. */
void cor_variable_free(struct cor_variable *v);

/* ---- the diagnosis -------------------------------------------------------
 * Why it died, as part of the report: a severity class (CASR's names, from
 * the gdb "exploitable" plugin), the fault, the faulting instruction, the
 * program's last words (glibc's __abort_msg, an uncaught C++ exception), a
 * stack overflow, where to look first and a crash signature. A fact that
 * could not be established is NULL / false / -1, never guessed. */

struct cor_insn {
	uint64_t address;
	size_t size;                /* bytes: the instruction's when decoded,
				     * else up to 16 read at the pc */
	const uint8_t *bytes;
	const char *text;           /* "mov dword ptr [rax], 1", NULL without a
				     * disassembler (capstone) or when undecodable */
};

struct cor_diagnosis {
	const char *class_name;     /* "SourceAvNearNull", "StackOverflow", ... */
	const char *severity;       /* "EXPLOITABLE", "PROBABLY_EXPLOITABLE",
				     * "NOT_EXPLOITABLE", "UNDEFINED" */
	const char *summary;        /* one line: the cause, in words */
	/* the fault (SIGSEGV, SIGBUS, SIGILL, SIGFPE from an instruction) */
	bool have_fault;
	uint64_t fault_address;
	const char *fault_access;   /* "read", "write", "execute", "call", "jump",
				     * "return", or NULL when unknown */
	const char *fault_region;   /* "null page", "unmapped", "guard page",
				     * "[stack]", "[heap]", a path, "anonymous", or NULL */
	bool near_null;             /* fault address below 64 KiB */
	/* the instruction at the crashed thread's pc, NULL if unreadable */
	const struct cor_insn *instruction;
	size_t before_count;        /* the instructions just before it (up to 2) */
	const struct cor_insn *before;
	/* the program's last words */
	/* glibc's __abort_msg->msg, exactly; else a Go program's first line
	 * ("panic: runtime error: ...", "fatal error: concurrent map
	 * writes"); or NULL */
	const char *message;
	const char *exception_type; /* uncaught C++ exception, demangled, or NULL */
	const char *exception_what; /* its what() for std exceptions keeping a message */
	/* stack overflow */
	bool stack_overflow;
	int32_t overflow_tid;
	size_t overflow_depth;      /* frames on that thread, without the frame limit */
	size_t cycle_count;         /* the repeating function sequence, or 0 */
	const char *const *cycle;
	/* where to look first: the crashed thread's (or goroutine's) first frame in the
	 * program's own code (not libc, libstdc++, the Go runtime or the abort
	 * machinery); -1 if none */
	long crash_frame;
	const char *crash_line;     /* that frame's "file:line", or NULL */
	/* a Go program: crash_frame and the signature are of this goroutine's
	 * frames (the panicking one, else the one on the crashed thread: as
	 * `coroner goroutines` lists them), not the thread's; 0 if not Go */
	int64_t crash_goroutine;
	/* stable across ASLR, rebuilds and pids: at most 5 function names */
	const char *signature;      /* "f | g | main", or NULL without frames */
	bool have_signature_hash;
	uint64_t signature_hash;    /* FNV-1a 64 of signature */
	int32_t sender_pid;         /* ExternalSignal: who sent it, else 0 */
	bool have_sender;
};

/* Whether coroner was built with a disassembler (capstone). */
bool cor_have_disassembler(void);

/* ---- Go -------------------------------------------------------------------
 * A Go program's runtime state, read from its memory (part of the report:
 * cor_report.go, NULL when the program is not Go): its version and every
 * goroutine of runtime.allgs but the dead ones, as Go's own traceback lists
 * them. Struct layouts come from the binary's DWARF, else from the known
 * layouts of Go 1.18 to 1.20 (64-bit). Strings live as long as the core. */

struct cor_goroutine {
	int64_t id;                 /* goid */
	/* as Go's traceback prints it: "idle", "runnable", "running",
	 * "syscall", "waiting", "copystack", "preempted" ("???" past those) */
	const char *status;
	uint32_t raw_status;        /* g.atomicstatus, the scan bit (0x1000) too */
	/* a waiting one's reason as Go prints it ("chan receive", "sleep",
	 * "semacquire", ...), NULL if none or not known for this version */
	const char *wait_reason;
	uint32_t raw_wait_reason;   /* g.waitreason */
	int32_t tid;                /* the OS thread it runs on (m.procid), 0 if none */
	uint64_t address;           /* of its runtime.g */
	uint64_t gopc, startpc;     /* the go statement's pc, the function's entry */
	/* the function holding gopc and the line of the go statement; NULL,
	 * NULL, 0 if unknown */
	const char *created_by, *created_file;
	uint32_t created_line;
	uint64_t created_offset;    /* gopc - that function's entry */
	/* its stack: from its thread's registers when it runs on one (the
	 * frames on the goroutine's own stack), else from g.sched; NULL
	 * without backtraces or when it cannot be unwound (backtrace_error) */
	const cor_backtrace *backtrace;
	const char *backtrace_error;
};

/* One panic of a goroutine's chain. */
struct cor_go_panic {
	const char *message;        /* as Go prints it after "panic: ", NULL
				       if its value could not be read */
	bool recovered;             /* recover() was called for it */
};

struct cor_go {
	const char *version;        /* runtime.buildVersion ("go1.19.8"), or NULL */
	/* where the runtime's struct layouts came from: "dwarf", "go1.19" (the
	 * known layout of that version), NULL if none was found */
	const char *layout;
	size_t goroutine_count;
	const struct cor_goroutine *goroutines; /* allgs order */
	size_t dead_goroutines;     /* in allgs, not listed */
	const char *goroutines_error; /* why none could be listed, or NULL */
	/* The value of the panic being raised (the newest of the panicking
	 * goroutine's g._panic chain) as Go prints it after "panic: ": a
	 * runtime error's message ("runtime error: index out of range [5]
	 * with length 3"), a string, an error's message, an integer, else
	 * "(TYPE) 0xADDR"; NULL if no goroutine is panicking. */
	const char *panic;
	int64_t panic_goroutine;    /* its goroutine, 0 if none */
	/* a fatal error's message (runtime.throw, runtime.fatal: "concurrent
	 * map writes"), as Go prints it after "fatal error: ", or NULL */
	const char *fatal_error;
	/* The panicking goroutine's whole g._panic chain, oldest first (the
	 * last is panic), as Go's printpanics prints it: "panic: first
	 * [recovered]", then "\tpanic: second" for each newer one. Goexit's
	 * entries (not printed by Go) are left out. */
	size_t panic_count;
	const struct cor_go_panic *panics;
};

/* ---- the report ----------------------------------------------------------
 * Everything the coroner CLI prints, built once: the process, the signal,
 * every thread (the crashed one first) with its backtrace, the modules,
 * mappings, auxv, notes and the warnings. Owned by the caller (free with
 * cor_report_free); it points into the core, so it must not outlive it. */

struct cor_report_options {
	size_t sz;                  /* sizeof(struct cor_report_options) */
	bool backtraces;            /* unwind every thread (reported) */
	bool have_tid;              /* only the thread with this tid */
	int32_t tid;
	bool skip_diagnosis;        /* no diagnosis (it unwinds the crashed
				     * thread and reads its libraries' symbols) */
};
#define COR_REPORT_OPTIONS_INIT { sizeof(struct cor_report_options), true, false, 0, false }

struct cor_report_thread {
	const struct cor_thread *thread;
	size_t index;                   /* for cor_core_thread() */
	const cor_backtrace *backtrace; /* NULL without backtraces or on error */
	const char *backtrace_error;    /* why there is no backtrace, or NULL */
};

struct cor_report {
	const char *core_path;          /* as opened */
	const struct cor_core_info *info;
	const struct cor_process *process;
	const struct cor_signal *signal;
	const struct cor_thread *crashed;   /* the thread that took the signal, or NULL */
	size_t thread_count;
	const struct cor_report_thread *threads; /* crashed first, then note order */
	size_t module_count;
	const struct cor_module *const *modules; /* by address */
	size_t mapping_count;
	const struct cor_mapping *mappings;
	size_t auxv_count;
	const struct cor_auxv *auxv;
	size_t note_count;
	const struct cor_note *notes;
	uint64_t notes_omitted;
	size_t warning_count;           /* every warning, those of the backtraces too */
	const struct cor_warning *warnings;
	/* why it died; NULL only with skip_diagnosis */
	const struct cor_diagnosis *diagnosis;
	const struct cor_coredump *coredump; /* cor_core_coredump(), or NULL */
	const struct cor_go *go;        /* a Go program's runtime, else NULL */
};

/* Builds the report. opts may be NULL (backtraces of every thread). A
 * thread that cannot be unwound is reported with backtrace_error; with
 * have_tid and no such thread, thread_count is 0. A NULL core or out is
 * COR_ERR_INVALID (*out NULL). */
cor_error *cor_core_report(cor_core *core, const struct cor_report_options *opts,
			   const struct cor_report **out);
/* NULL is ignored. */
void cor_report_free(const struct cor_report *report);

#ifdef __cplusplus
}
#endif
#endif
