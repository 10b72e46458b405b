/* The public API with NULL arguments: every function checks what it is
 * given (counts 0, lookups NULL, errors COR_ERR_INVALID, frees ignored),
 * as include/coroner.h says for each. */
#include <stdlib.h>
#include "coroner.h"
#include "t.h"

static void check_invalid(cor_error *err)
{
	CHECK(err != NULL);
	CHECK_EQ(cor_error_code(err), COR_ERR_INVALID);
	cor_error_free(err);
}

int main(void)
{
	const cor_core *nc = NULL;
	uint64_t v = 7;
	size_t done = 9;
	char buf[4];

	CHECK(cor_version() != NULL);
	/* errors */
	CHECK_EQ(cor_error_code(NULL), COR_OK);
	CHECK_STR(cor_error_message(NULL), "success");
	CHECK(!cor_error_address(NULL, &v));
	CHECK(!cor_error_address(NULL, NULL));
	cor_error_free(NULL);

	/* opening */
	cor_core *c = (cor_core *)1;
	check_invalid(cor_core_open(NULL, NULL, &c));
	check_invalid(cor_core_open("/nonexistent", NULL, NULL));
	check_invalid(cor_core_open_mem(NULL, 0, NULL, NULL, NULL));
	check_invalid(cor_core_open_mem(NULL, 10, NULL, NULL, &c));
	cor_core_free(NULL);
	struct cor_coredump *cd = (struct cor_coredump *)1;
	check_invalid(cor_coredump_read(NULL, &cd));
	CHECK(cd == (struct cor_coredump *)1);
	check_invalid(cor_coredump_read("/nonexistent", NULL));
	cor_error *cderr = cor_coredump_read("/nonexistent", &cd);
	CHECK_EQ(cor_error_code(cderr), COR_ERR_IO);
	CHECK(cd == NULL);
	cor_error_free(cderr);
	cor_coredump_free(NULL);

	/* a NULL core */
	CHECK_EQ(cor_core_warning_count(nc), 0);
	CHECK(cor_core_warning(nc, 0) == NULL);
	CHECK(cor_core_warning_info(nc, 0) == NULL);
	CHECK(cor_core_info(nc) == NULL);
	CHECK(cor_core_process(nc) == NULL);
	CHECK(cor_core_coredump(nc) == NULL);
	CHECK(cor_core_signal(nc) == NULL);
	CHECK_EQ(cor_core_thread_count(nc), 0);
	CHECK(cor_core_thread(nc, 0) == NULL);
	CHECK_EQ(cor_core_crashed_thread(nc), (uint64_t)-1);
	CHECK(cor_thread_register(NULL, "rip") == NULL);
	CHECK(cor_thread_register(NULL, NULL) == NULL);
	struct cor_thread t = {0};
	CHECK(cor_thread_register(&t, NULL) == NULL);
	CHECK_EQ(cor_core_mapping_count(nc), 0);
	CHECK(cor_core_mapping(nc, 0) == NULL);
	CHECK(cor_core_mapping_at(nc, 0x1000) == NULL);
	check_invalid(cor_core_read(NULL, 0x1000, buf, sizeof(buf), &done));
	CHECK_EQ(done, 0);
	check_invalid(cor_core_read(NULL, 0x1000, NULL, 4, NULL));
	CHECK_EQ(cor_core_note_count(nc), 0);
	CHECK(cor_core_note(nc, 0) == NULL);
	CHECK_EQ(cor_core_notes_omitted(nc), 0);
	CHECK_EQ(cor_core_auxv_count(nc), 0);
	CHECK(cor_core_auxv(nc, 0) == NULL);
	CHECK(!cor_core_auxv_get(nc, 6, &v));
	CHECK(!cor_core_auxv_get(nc, 6, NULL));
	CHECK_EQ(cor_core_module_count(nc), 0);
	CHECK(cor_core_module(nc, 0) == NULL);
	CHECK(cor_core_module_at(nc, 0x1000) == NULL);

	/* backtraces and reports */
	cor_backtrace *bt = (cor_backtrace *)1;
	check_invalid(cor_core_backtrace(NULL, 0, &bt));
	check_invalid(cor_core_backtrace(NULL, 0, NULL));
	CHECK_EQ(cor_backtrace_frame_count(NULL), 0);
	CHECK(cor_backtrace_frame(NULL, 0) == NULL);
	CHECK(cor_backtrace_stop_reason(NULL) == NULL);
	cor_backtrace_free(NULL);
	CHECK_STR(cor_frame_how_name((enum cor_frame_how)1000), "unknown");
	cor_frame_vars *fv = (cor_frame_vars *)1;
	check_invalid(cor_core_frame_vars(NULL, 0, NULL, NULL, &fv));
	CHECK(fv == NULL);
	check_invalid(cor_core_frame_vars(NULL, 0, NULL, NULL, NULL));
	CHECK_EQ(cor_frame_vars_count(NULL, 0), 0);
	CHECK(cor_frame_vars_get(NULL, 0, 0) == NULL);
	CHECK(!cor_frame_vars_truncated(NULL, 0));
	cor_frame_vars_free(NULL);
	struct cor_variable *pv = (struct cor_variable *)1;
	check_invalid(cor_core_print(NULL, 0, NULL, 0, "x", NULL, &pv));
	CHECK(pv == NULL);
	check_invalid(cor_core_print(NULL, 0, NULL, 0, NULL, NULL, NULL));
	cor_variable_free(NULL);
	const struct cor_report *r = (const struct cor_report *)1;
	check_invalid(cor_core_report(NULL, NULL, &r));
	check_invalid(cor_core_report(NULL, NULL, NULL));
	cor_report_free(NULL);
	CHECK(cor_signal_name(0) == NULL);
	CHECK(cor_signal_code_name(-5, 12345) == NULL);

	/* a real (empty) core's handle with NULL out-pointers */
	static const unsigned char ehdr[64] = { 0x7f, 'E', 'L', 'F', 2, 1, 1, 0, [16] = 4, [18] = 62,
						[20] = 1, [52] = 64, [54] = 56, [58] = 64 };
	cor_core *real = NULL;
	cor_error *err = cor_core_open_mem(ehdr, sizeof(ehdr), "tiny", NULL, &real);
	if (!err) {
		check_invalid(cor_core_backtrace(real, 0, NULL));
		check_invalid(cor_core_frame_vars(real, 0, NULL, NULL, &fv));
		check_invalid(cor_core_report(real, NULL, NULL));
		check_invalid(cor_core_read(real, 0, NULL, 1, NULL));
		CHECK(!cor_core_auxv_get(real, 6, NULL));
		cor_core_free(real);
	} else {
		cor_error_free(err);
	}
	return T_DONE();
}
