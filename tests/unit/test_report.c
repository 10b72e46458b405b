/* The report model (cor_core_report) on synthetic cores: what it holds is
 * what the core's parts hand out, threads in report order, the --thread
 * filter, backtraces only when asked, warnings with their codes. */
#include <stdlib.h>
#include "t.h"
#include "coroner.h"
#include "elf.h"
#include "corewriter.h"

#define STACK 0x7ffc0000ull
#define TEXT 0x400000ull

#define NT_SIGINFO_TYPE 0x53494749

/* Three threads 10, 11, 12 (the first took signal sig); each pc is in
 * unmapped text, so each backtrace is one frame. sender > 0: an NT_SIGINFO
 * of a SIGSEGV sent by that pid (SI_USER). */
static uint8_t *threads_sig(struct cw *w, uint16_t machine, int sig, int32_t sender, size_t *n)
{
	cw_init(w, true, false, ET_CORE, machine);
	unsigned notes = cw_seg(w, PT_NOTE, 0, 0, 0);
	for (int i = 0; i < 3; i++) {
		uint8_t pr[CW_X86_64_PRSTATUS_SIZE];
		cw_prstatus_x86_64(pr, 10 + i, i == 0 ? sig : 0, TEXT + 0x10 * (i + 1),
				   STACK + 0x100 * (i + 1), 0);
		cw_note(w, notes, "CORE", NT_PRSTATUS, pr, sizeof(pr));
	}
	if (sender > 0) {
		uint8_t si[128] = {0};
		cw_store(si, 4, 11, false);          /* si_signo */
		cw_store(si + 8, 4, 0, false);       /* si_code: SI_USER */
		cw_store(si + 16, 4, (uint32_t)sender, false);
		cw_store(si + 20, 4, 1000, false);   /* uid */
		cw_note(w, notes, "CORE", NT_SIGINFO_TYPE, si, sizeof(si));
	}
	unsigned stack = cw_seg(w, PT_LOAD, 6, STACK, 0x1000);
	uint8_t st[0x400] = {0};
	cw_seg_data(w, stack, st, sizeof(st));
	return cw_finish(w, n);
}

static uint8_t *three_threads(struct cw *w, uint16_t machine, size_t *n)
{
	return threads_sig(w, machine, 11, 0, n);
}

static cor_core *open_core(const uint8_t *p, size_t n)
{
	struct cor_options o = COR_OPTIONS_INIT;
	o.sysroot = "/nonexistent-sysroot";
	cor_core *c = NULL;
	cor_error *err = cor_core_open_mem(p, n, "test.core", &o, &c);
	CHECK(err == NULL);
	cor_error_free(err);
	return c;
}

static void test_threads(void)
{
	struct cw w;
	size_t n;
	uint8_t *p = three_threads(&w, EM_X86_64, &n);
	cor_core *c = open_core(p, n);
	if (!c)
		return;
	const struct cor_report *r;
	CHECK(cor_core_report(c, NULL, &r) == NULL);
	CHECK_STR(r->core_path, "test.core");
	CHECK(r->info == cor_core_info(c));
	CHECK(r->signal == cor_core_signal(c));
	CHECK_EQ(r->thread_count, 3);
	CHECK(r->crashed && r->crashed->tid == 10);
	for (size_t i = 0; i < r->thread_count && i < 3; i++) {
		const struct cor_report_thread *t = &r->threads[i];
		CHECK_EQ(t->thread->tid, 10 + i);
		CHECK(t->thread == cor_core_thread(c, t->index));
		CHECK(t->backtrace != NULL && t->backtrace_error == NULL);
		if (t->backtrace) {
			CHECK_EQ(cor_backtrace_frame_count(t->backtrace), 1);
			CHECK_EQ(cor_backtrace_frame(t->backtrace, 0)->pc, TEXT + 0x10 * (i + 1));
		}
	}
	CHECK_EQ(r->mapping_count, cor_core_mapping_count(c));
	CHECK(r->mappings == cor_core_mapping(c, 0));
	CHECK_EQ(r->note_count, 3);
	CHECK_EQ(r->module_count, cor_core_module_count(c));
	cor_report_free(r);

	/* one thread; none; no backtraces */
	struct cor_report_options o = COR_REPORT_OPTIONS_INIT;
	o.have_tid = true;
	o.tid = 12;
	CHECK(cor_core_report(c, &o, &r) == NULL);
	CHECK_EQ(r->thread_count, 1);
	CHECK(r->thread_count == 1 && r->threads[0].thread->tid == 12 && r->threads[0].index == 2);
	cor_report_free(r);
	o.tid = 99;
	CHECK(cor_core_report(c, &o, &r) == NULL);
	CHECK_EQ(r->thread_count, 0);
	cor_report_free(r);
	o.have_tid = false;
	o.backtraces = false;
	CHECK(cor_core_report(c, &o, &r) == NULL);
	CHECK_EQ(r->thread_count, 3);
	CHECK(r->threads[0].backtrace == NULL && r->threads[0].backtrace_error == NULL);
	cor_report_free(r);
	cor_core_free(c);
	cw_free(&w);
}

/* A machine coroner does not decode: the report says why there are no
 * backtraces, and the warning keeps the code COR_ERR_UNSUPPORTED. */
static void test_unsupported(void)
{
	struct cw w;
	size_t n;
	uint8_t *p = three_threads(&w, 4 /* EM_68K */, &n);
	cor_core *c = open_core(p, n);
	if (!c)
		return;
	const struct cor_report *r;
	CHECK(cor_core_report(c, NULL, &r) == NULL);
	CHECK(r->thread_count > 0);
	if (r->thread_count) {
		CHECK(r->threads[0].backtrace == NULL);
		CHECK(r->threads[0].backtrace_error &&
		      strstr(r->threads[0].backtrace_error, "machine 4 not supported"));
	}
	bool found = false;
	for (size_t i = 0; i < r->warning_count; i++)
		if (r->warnings[i].code == COR_ERR_UNSUPPORTED &&
		    strstr(r->warnings[i].message, "machine 4"))
			found = true;
	CHECK(found);
	CHECK_EQ(r->warning_count, cor_core_warning_count(c));
	cor_report_free(r);
	cor_core_free(c);
	cw_free(&w);
}

/* A truncated core: the warning's code and subject, the same in the
 * report and from cor_core_warning_info. */
static void test_warning_codes(void)
{
	struct cw w;
	size_t n;
	uint8_t *p = three_threads(&w, EM_X86_64, &n);
	cor_core *c = open_core(p, n - 0x200);
	if (!c)
		return;
	const struct cor_report *r;
	CHECK(cor_core_report(c, NULL, &r) == NULL);
	size_t truncated = 0;
	for (size_t i = 0; i < cor_core_warning_count(c); i++) {
		const struct cor_warning *cw = cor_core_warning_info(c, i);
		CHECK(cw != NULL);
		CHECK_STR(cw->message, cor_core_warning(c, i));
		CHECK(i < r->warning_count && r->warnings[i].code == cw->code);
		if (cw->code == COR_ERR_TRUNCATED) {
			truncated++;
			CHECK_STR(cw->subject, "test.core");
		}
	}
	CHECK(truncated >= 1);
	CHECK(cor_core_warning_info(c, cor_core_warning_count(c)) == NULL);
	cor_report_free(r);
	cor_core_free(c);
	cw_free(&w);
}

/* The diagnosis is in every report: a SIGSEGV at a pc in no memory and no
 * fault address is an AccessViolation that says why; no signal is NoCrash;
 * a signal sent by another process is ExternalSignal with its pid. */
static void test_diagnosis(void)
{
	static const struct { int sig; int32_t sender; const char *cls, *sev; } cases[] = {
		{ 11, 0, "AccessViolation", "NOT_EXPLOITABLE" },
		{ 0, 0, "NoCrash", "UNDEFINED" },
		{ 11, 4242, "ExternalSignal", "NOT_EXPLOITABLE" },
		{ 8, 0, "FPE", "NOT_EXPLOITABLE" },
	};
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct cw w;
		size_t n;
		uint8_t *p = threads_sig(&w, EM_X86_64, cases[k].sig, cases[k].sender, &n);
		cor_core *c = open_core(p, n);
		if (!c)
			continue;
		struct cor_report_options o = COR_REPORT_OPTIONS_INIT;
		o.backtraces = false;   /* the diagnosis unwinds the crashed thread itself */
		const struct cor_report *r;
		CHECK(cor_core_report(c, &o, &r) == NULL);
		const struct cor_diagnosis *d = r->diagnosis;
		CHECK(d != NULL);
		if (d) {
			CHECK_STR(d->class_name, cases[k].cls);
			CHECK_STR(d->severity, cases[k].sev);
			CHECK(d->summary != NULL);
			CHECK(d->instruction == NULL);  /* the pc is in no memory */
			CHECK(!d->message && !d->exception_type && !d->stack_overflow);
			CHECK_EQ(d->have_sender, cases[k].sender > 0);
			if (cases[k].sender)
				CHECK_EQ(d->sender_pid, cases[k].sender);
			if (cases[k].sig) {
				CHECK_STR(d->signature, "??");
				CHECK(d->have_signature_hash && d->crash_frame == -1);
			} else {
				CHECK(d->signature == NULL && !d->have_signature_hash);
			}
			if (!strcmp(cases[k].cls, "AccessViolation"))
				CHECK(strstr(d->summary, cor_have_disassembler() ? "unreadable" : "capstone"));
		}
		cor_report_free(r);
		o.skip_diagnosis = true;
		CHECK(cor_core_report(c, &o, &r) == NULL);
		CHECK(r->diagnosis == NULL);
		cor_report_free(r);
		cor_core_free(c);
		cw_free(&w);
	}
}

int main(void)
{
	test_diagnosis();
	test_threads();
	test_unsupported();
	test_warning_codes();
	return T_DONE();
}
