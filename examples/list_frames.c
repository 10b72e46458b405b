/* A minimal libcoroner client: the crashed thread's frames, one per line.
 * cc list_frames.c $(pkg-config --cflags --libs coroner) */
#include <coroner.h>
#include <inttypes.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s CORE\n", argv[0]);
		return 2;
	}
	struct cor_options opts = COR_OPTIONS_INIT;
	cor_core *core;
	cor_error *err = cor_core_open(argv[1], &opts, &core);
	if (err) {
		fprintf(stderr, "%s\n", cor_error_message(err));
		cor_error_free(err);
		return 1;
	}
	const struct cor_signal *sig = cor_core_signal(core);
	printf("signal %s\n", sig->name ? sig->name : "?");
	long crashed = cor_core_crashed_thread(core);
	cor_backtrace *bt;
	if (crashed >= 0 && !(err = cor_core_backtrace(core, (size_t)crashed, &bt))) {
		for (size_t i = 0; i < cor_backtrace_frame_count(bt); i++) {
			const struct cor_frame *f = cor_backtrace_frame(bt, i);
			printf("%#" PRIx64 " %s\n", f->pc, f->function ? f->function : "??");
		}
		cor_backtrace_free(bt);
	}
	cor_error_free(err);
	cor_core_free(core);
	return 0;
}
