/* Names: signals and their codes, note types, auxv types. */
#include <string.h>
#include "process.h"

static const char *const sig_names[] = {
	NULL, "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT",
	"SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2",
	"SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT",
	"SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU",
	"SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS",
};

static const char *const rt_names[] = {
	"SIG32", "SIG33", "SIGRTMIN", "SIGRTMIN+1", "SIGRTMIN+2", "SIGRTMIN+3",
	"SIGRTMIN+4", "SIGRTMIN+5", "SIGRTMIN+6", "SIGRTMIN+7", "SIGRTMIN+8",
	"SIGRTMIN+9", "SIGRTMIN+10", "SIGRTMIN+11", "SIGRTMIN+12", "SIGRTMIN+13",
	"SIGRTMIN+14", "SIGRTMIN+15", "SIGRTMAX-14", "SIGRTMAX-13", "SIGRTMAX-12",
	"SIGRTMAX-11", "SIGRTMAX-10", "SIGRTMAX-9", "SIGRTMAX-8", "SIGRTMAX-7",
	"SIGRTMAX-6", "SIGRTMAX-5", "SIGRTMAX-4", "SIGRTMAX-3", "SIGRTMAX-2",
	"SIGRTMAX-1", "SIGRTMAX",
};

const char *cor_signal_name(int signo)
{
	if (signo > 0 && signo < (int)COR_ARRAY_SIZE(sig_names))
		return sig_names[signo];
	if (signo >= 32 && signo < 32 + (int)COR_ARRAY_SIZE(rt_names))
		return rt_names[signo - 32];
	return NULL;
}

struct code_name {
	int signo; /* 0: any signal */
	int code;
	const char *name, *desc;
};

static const struct code_name codes[] = {
	{ 4, 1, "ILL_ILLOPC", "illegal opcode" },
	{ 4, 2, "ILL_ILLOPN", "illegal operand" },
	{ 4, 3, "ILL_ILLADR", "illegal addressing mode" },
	{ 4, 4, "ILL_ILLTRP", "illegal trap" },
	{ 4, 5, "ILL_PRVOPC", "privileged opcode" },
	{ 4, 6, "ILL_PRVREG", "privileged register" },
	{ 4, 7, "ILL_COPROC", "coprocessor error" },
	{ 4, 8, "ILL_BADSTK", "internal stack error" },
	{ 4, 9, "ILL_BADIADDR", "unimplemented instruction address" },
	{ 8, 1, "FPE_INTDIV", "integer divide by zero" },
	{ 8, 2, "FPE_INTOVF", "integer overflow" },
	{ 8, 3, "FPE_FLTDIV", "floating-point divide by zero" },
	{ 8, 4, "FPE_FLTOVF", "floating-point overflow" },
	{ 8, 5, "FPE_FLTUND", "floating-point underflow" },
	{ 8, 6, "FPE_FLTRES", "floating-point inexact result" },
	{ 8, 7, "FPE_FLTINV", "floating-point invalid operation" },
	{ 8, 8, "FPE_FLTSUB", "subscript out of range" },
	{ 8, 14, "FPE_FLTUNK", "undiagnosed floating-point exception" },
	{ 8, 15, "FPE_CONDTRAP", "trap on condition" },
	{ 11, 1, "SEGV_MAPERR", "address not mapped to object" },
	{ 11, 2, "SEGV_ACCERR", "invalid permissions for mapped object" },
	{ 11, 3, "SEGV_BNDERR", "failed address bound checks" },
	{ 11, 4, "SEGV_PKUERR", "access denied by memory protection keys" },
	{ 11, 5, "SEGV_ACCADI", "ADI not enabled for mapped object" },
	{ 11, 6, "SEGV_ADIDERR", "disrupting MCD error" },
	{ 11, 7, "SEGV_ADIPERR", "precise MCD exception" },
	{ 11, 8, "SEGV_MTEAERR", "asynchronous MTE tag check fault" },
	{ 11, 9, "SEGV_MTESERR", "synchronous MTE tag check fault" },
	{ 11, 10, "SEGV_CPERR", "control protection fault" },
	{ 7, 1, "BUS_ADRALN", "invalid address alignment" },
	{ 7, 2, "BUS_ADRERR", "nonexistent physical address" },
	{ 7, 3, "BUS_OBJERR", "object-specific hardware error" },
	{ 7, 4, "BUS_MCEERR_AR", "hardware memory error consumed on a machine check" },
	{ 7, 5, "BUS_MCEERR_AO", "hardware memory error detected in process" },
	{ 5, 1, "TRAP_BRKPT", "process breakpoint" },
	{ 5, 2, "TRAP_TRACE", "process trace trap" },
	{ 5, 3, "TRAP_BRANCH", "process taken branch trap" },
	{ 5, 4, "TRAP_HWBKPT", "hardware breakpoint/watchpoint" },
	{ 5, 5, "TRAP_UNK", "undiagnosed trap" },
	{ 5, 6, "TRAP_PERF", "perf event with sigtrap=1" },
	{ 17, 1, "CLD_EXITED", "child has exited" },
	{ 17, 2, "CLD_KILLED", "child was killed" },
	{ 17, 3, "CLD_DUMPED", "child terminated abnormally" },
	{ 17, 4, "CLD_TRAPPED", "traced child has trapped" },
	{ 17, 5, "CLD_STOPPED", "child has stopped" },
	{ 17, 6, "CLD_CONTINUED", "stopped child has continued" },
	{ 29, 1, "POLL_IN", "data input available" },
	{ 29, 2, "POLL_OUT", "output buffers available" },
	{ 29, 3, "POLL_MSG", "input message available" },
	{ 29, 4, "POLL_ERR", "I/O error" },
	{ 29, 5, "POLL_PRI", "high priority input available" },
	{ 29, 6, "POLL_HUP", "device disconnected" },
	{ 31, 1, "SYS_SECCOMP", "seccomp triggered" },
	{ 31, 2, "SYS_USER_DISPATCH", "syscall user dispatch triggered" },
	{ 0, 0, "SI_USER", "sent by kill, sigsend or raise" },
	{ 0, 0x80, "SI_KERNEL", "sent by the kernel" },
	{ 0, -1, "SI_QUEUE", "sent by sigqueue" },
	{ 0, -2, "SI_TIMER", "POSIX timer expired" },
	{ 0, -3, "SI_MESGQ", "POSIX message queue state changed" },
	{ 0, -4, "SI_ASYNCIO", "AIO completed" },
	{ 0, -5, "SI_SIGIO", "queued SIGIO" },
	{ 0, -6, "SI_TKILL", "sent by tkill or tgkill" },
	{ 0, -7, "SI_DETHREAD", "sent by execve killing subsidiary threads" },
	{ 0, -60, "SI_ASYNCNL", "sent by asynchronous name lookup completion" },
};

static const struct code_name *find_code(int signo, int code)
{
	/* codes <= 0 and SI_KERNEL mean the same for every signal */
	bool generic = code <= 0 || code == 0x80;
	for (size_t i = 0; i < COR_ARRAY_SIZE(codes); i++)
		if (codes[i].code == code &&
		    (generic ? codes[i].signo == 0 : codes[i].signo == signo))
			return &codes[i];
	return NULL;
}

const char *cor_signal_code_name(int signo, int code)
{
	const struct code_name *c = find_code(signo, code);
	return c ? c->name : NULL;
}

const char *signal_description(int signo, int code)
{
	const struct code_name *c = find_code(signo, code);
	return c ? c->desc : NULL;
}

struct type_name {
	const char *owner;
	uint32_t type;
	const char *name;
};

static const struct type_name note_types[] = {
	{ "CORE", 1, "NT_PRSTATUS" }, { "CORE", 2, "NT_PRFPREG" },
	{ "CORE", 3, "NT_PRPSINFO" }, { "CORE", 4, "NT_TASKSTRUCT" },
	{ "CORE", 6, "NT_AUXV" }, { "CORE", NT_SIGINFO, "NT_SIGINFO" },
	{ "CORE", NT_FILE, "NT_FILE" },
	{ "LINUX", NT_PRXFPREG, "NT_PRXFPREG" }, { "LINUX", 0x100, "NT_PPC_VMX" },
	{ "LINUX", 0x101, "NT_PPC_SPE" }, { "LINUX", 0x102, "NT_PPC_VSX" },
	{ "LINUX", 0x103, "NT_PPC_TAR" }, { "LINUX", 0x104, "NT_PPC_PPR" },
	{ "LINUX", 0x105, "NT_PPC_DSCR" }, { "LINUX", 0x106, "NT_PPC_EBB" },
	{ "LINUX", 0x107, "NT_PPC_PMU" },
	{ "LINUX", 0x200, "NT_386_TLS" }, { "LINUX", 0x201, "NT_386_IOPERM" },
	{ "LINUX", 0x202, "NT_X86_XSTATE" }, { "LINUX", 0x204, "NT_X86_SHSTK" },
	{ "LINUX", 0x205, "NT_X86_XSAVE_LAYOUT" },
	{ "LINUX", 0x300, "NT_S390_HIGH_GPRS" }, { "LINUX", 0x301, "NT_S390_TIMER" },
	{ "LINUX", 0x302, "NT_S390_TODCMP" }, { "LINUX", 0x303, "NT_S390_TODPREG" },
	{ "LINUX", 0x304, "NT_S390_CTRS" }, { "LINUX", 0x305, "NT_S390_PREFIX" },
	{ "LINUX", 0x306, "NT_S390_LAST_BREAK" }, { "LINUX", 0x307, "NT_S390_SYSTEM_CALL" },
	{ "LINUX", 0x308, "NT_S390_TDB" }, { "LINUX", 0x309, "NT_S390_VXRS_LOW" },
	{ "LINUX", 0x30a, "NT_S390_VXRS_HIGH" }, { "LINUX", 0x30b, "NT_S390_GS_CB" },
	{ "LINUX", 0x30c, "NT_S390_GS_BC" }, { "LINUX", 0x30d, "NT_S390_RI_CB" },
	{ "LINUX", 0x400, "NT_ARM_VFP" }, { "LINUX", 0x401, "NT_ARM_TLS" },
	{ "LINUX", 0x402, "NT_ARM_HW_BREAK" }, { "LINUX", 0x403, "NT_ARM_HW_WATCH" },
	{ "LINUX", 0x404, "NT_ARM_SYSTEM_CALL" }, { "LINUX", 0x405, "NT_ARM_SVE" },
	{ "LINUX", 0x406, "NT_ARM_PAC_MASK" }, { "LINUX", 0x407, "NT_ARM_PACA_KEYS" },
	{ "LINUX", 0x408, "NT_ARM_PACG_KEYS" }, { "LINUX", 0x409, "NT_ARM_TAGGED_ADDR_CTRL" },
	{ "LINUX", 0x40a, "NT_ARM_PAC_ENABLED_KEYS" }, { "LINUX", 0x40b, "NT_ARM_SSVE" },
	{ "LINUX", 0x40c, "NT_ARM_ZA" }, { "LINUX", 0x40d, "NT_ARM_ZT" },
	{ "LINUX", 0x40e, "NT_ARM_FPMR" }, { "LINUX", 0x40f, "NT_ARM_POE" },
	{ "LINUX", 0x410, "NT_ARM_GCS" },
	{ "LINUX", 0x900, "NT_RISCV_CSR" }, { "LINUX", 0x901, "NT_RISCV_VECTOR" },
	{ "GNU", 1, "NT_GNU_ABI_TAG" }, { "GNU", 3, "NT_GNU_BUILD_ID" },
	{ "GNU", 4, "NT_GNU_GOLD_VERSION" }, { "GNU", 5, "NT_GNU_PROPERTY_TYPE_0" },
};

const char *note_type_name(const char *name, uint32_t namesz, uint32_t type)
{
	for (size_t i = 0; i < COR_ARRAY_SIZE(note_types); i++) {
		const struct type_name *t = &note_types[i];
		if (t->type == type && strlen(t->owner) == namesz &&
		    !memcmp(t->owner, name, namesz))
			return t->name;
	}
	return NULL;
}

static const char *const auxv_names[] = {
	"AT_NULL", "AT_IGNORE", "AT_EXECFD", "AT_PHDR", "AT_PHENT", "AT_PHNUM",
	"AT_PAGESZ", "AT_BASE", "AT_FLAGS", "AT_ENTRY", "AT_NOTELF", "AT_UID",
	"AT_EUID", "AT_GID", "AT_EGID", "AT_PLATFORM", "AT_HWCAP", "AT_CLKTCK",
	"AT_FPUCW", "AT_DCACHEBSIZE", "AT_ICACHEBSIZE", "AT_UCACHEBSIZE",
	"AT_IGNOREPPC", "AT_SECURE", "AT_BASE_PLATFORM", "AT_RANDOM", "AT_HWCAP2",
	"AT_RSEQ_FEATURE_SIZE", "AT_RSEQ_ALIGN", "AT_HWCAP3", "AT_HWCAP4",
	"AT_EXECFN", "AT_SYSINFO", "AT_SYSINFO_EHDR", "AT_L1I_CACHESHAPE",
	"AT_L1D_CACHESHAPE", "AT_L2_CACHESHAPE", "AT_L3_CACHESHAPE", NULL, NULL,
	"AT_L1I_CACHESIZE", "AT_L1I_CACHEGEOMETRY", "AT_L1D_CACHESIZE",
	"AT_L1D_CACHEGEOMETRY", "AT_L2_CACHESIZE", "AT_L2_CACHEGEOMETRY",
	"AT_L3_CACHESIZE", "AT_L3_CACHEGEOMETRY", NULL, NULL, NULL, "AT_MINSIGSTKSZ",
};

const char *auxv_type_name(uint64_t type)
{
	return type < COR_ARRAY_SIZE(auxv_names) ? auxv_names[type] : NULL;
}
