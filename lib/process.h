/* The process as the core's notes describe it: who it was (NT_PRPSINFO),
 * the signal (NT_SIGINFO), its threads and their registers (NT_PRSTATUS
 * and the register notes after each), the auxiliary vector (NT_AUXV) and
 * the files it had mapped (NT_FILE). Decoded once, from the core's ELF. */
#ifndef COR_PROCESS_H
#define COR_PROCESS_H

#include "internal.h"
#include "arch/arch.h"
#include "elf.h"

#define AT_PHDR 3
#define AT_PHNUM 5
#define AT_ENTRY 9
#define AT_PLATFORM 15
#define AT_RANDOM 25
#define AT_BASE_PLATFORM 24
#define AT_EXECFN 31
#define AT_SYSINFO_EHDR 33

/* A file mapped into the dead process (NT_FILE entry). */
struct file_map {
	uint64_t start, end, pgoff; /* pgoff in bytes */
	const char *path;           /* the bytes as recorded (arena) */
};

struct process {
	const struct arch_info *arch;   /* NULL: machine not supported */
	struct cor_core_info info;
	struct cor_process proc;
	struct cor_signal sig;
	struct cor_thread *threads;
	size_t nthreads, threads_cap;
	uint64_t threads_omitted;
	long crashed;
	struct cor_note *notes;
	size_t nnotes, notes_cap;
	uint64_t notes_omitted;
	struct cor_auxv *auxv;
	size_t nauxv;
	struct file_map *fmaps;     /* sorted by start */
	size_t nfmaps;
	uint64_t file_page_size;
	uint32_t xsave_layout[32];
	bool have_xsave_layout;
	/* where the work is done */
	const struct elf_file *elf;
	const struct limits *limits;
	struct arena *arena;
	struct warnings *warn;
};

/* Decodes every note of every PT_NOTE of the core ef. Problems with one
 * note are warnings; the error is only for a file that is not a core. */
cor_error *process_load(struct process *p, const struct elf_file *ef,
			const struct limits *limits, struct arena *arena,
			struct warnings *warn);
void process_free(struct process *p);

/* Value of an auxv entry; false if absent. */
bool process_auxv(const struct process *p, uint64_t type, uint64_t *value);
/* The NT_FILE entry containing addr, or NULL. */
const struct file_map *process_fmap_at(const struct process *p, uint64_t addr);
/* The recorded path of the executable: the NT_FILE entry holding AT_PHDR
 * (or AT_ENTRY), else AT_EXECFN's string once read; NULL if neither. */
const char *process_exec_recorded(const struct process *p);

/* names.c */
const char *signal_description(int signo, int code);
const char *note_type_name(const char *name, uint32_t namesz, uint32_t type);
const char *auxv_type_name(uint64_t type);

#endif
