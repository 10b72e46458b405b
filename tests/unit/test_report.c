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

/* Three threads 10, 11, 12 (the first took SIGSEGV); each pc is in
 * unmapped text, so each backtrace is one frame. */
static uint8_t *three_threads(struct cw *w, uint16_t machine, size_t *n)
{
	cw_init(w, true, false, ET_CORE, machine);
	unsigned notes = cw_seg(w, PT_NOTE, 0, 0, 0);
	for (int i = 0; i < 3; i++) {
		uint8_t pr[CW_X86_64_PRSTATUS_SIZE];
		cw_prstatus_x86_64(pr, 10 + i, i == 0 ? 11 : 0, TEXT + 0x10 * (i + 1),
				   STACK + 0x100 * (i + 1), 0);
		cw_note(w, notes, "CORE", NT_PRSTATUS, pr, sizeof(pr));
	}
	unsigned stack = cw_seg(w, PT_LOAD, 6, STACK, 0x1000);
	uint8_t st[0x400] = {0};
	cw_seg_data(w, stack, st, sizeof(st));
	return cw_finish(w, n);
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

int main(void)
{
	test_threads();
	test_unsupported();
	test_warning_codes();
	return T_DONE();
}
