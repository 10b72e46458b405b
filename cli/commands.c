/* The subcommands. Each prints its part as text, or the whole report as
 * JSON with --json. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

static int json_or(struct cli *cli, void (*text)(struct cli *, FILE *))
{
	if (cli->json) {
		print_json_report(cli, false);
		return finish(cli);
	}
	text(cli, stdout);
	print_warnings(cli, stderr);
	return finish(cli);
}

int cmd_info(struct cli *cli) { return json_or(cli, print_info); }
int cmd_diagnose(struct cli *cli) { return json_or(cli, print_diagnosis); }
int cmd_maps(struct cli *cli) { return json_or(cli, print_maps); }
int cmd_notes(struct cli *cli) { return json_or(cli, print_notes); }
int cmd_auxv(struct cli *cli) { return json_or(cli, print_auxv); }

static void threads_text(struct cli *cli, FILE *f) { print_threads(cli, f, REGS_ALL); }
int cmd_threads(struct cli *cli) { return json_or(cli, threads_text); }

int cmd_bt(struct cli *cli)
{
	if (cli->json) {
		print_json_report(cli, true);
		return finish(cli);
	}
	const struct cor_signal *s = cor_core_signal(cli->core);
	printf("signal %d (%s)", s->number, s->name ? s->name : "unknown");
	if (s->code_name)
		printf(", %s", s->code_name);
	if (s->have_address)
		printf(", fault address 0x%" PRIx64, s->address);
	if (!s->number && !s->have_siginfo)
		printf(" (no fatal signal: a core taken by gcore or the like)");
	putchar('\n');
	if (s->have_sender)
		printf("sent by: pid %d, uid %u\n", s->sender_pid, s->sender_uid);
	int rc = print_backtraces(cli, stdout, REGS_NONE);
	if (cli->goroutines) {
		putchar('\n');
		int grc = print_goroutines(cli, stdout);
		if (rc == EXIT_OK)
			rc = grc;
	}
	print_warnings(cli, stderr);
	return rc == EXIT_OK ? finish(cli) : rc;
}

int cmd_goroutines(struct cli *cli)
{
	if (cli->json) {
		print_json_report(cli, true);
		return finish(cli);
	}
	int rc = print_goroutines(cli, stdout);
	print_warnings(cli, stderr);
	return rc == EXIT_OK ? finish(cli) : rc;
}

int cmd_report(struct cli *cli)
{
	if (cli->json) {
		print_json_report(cli, true);
		return finish(cli);
	}
	print_diagnosis(cli, stdout);
	putchar('\n');
	print_info(cli, stdout);
	int rc = print_backtraces(cli, stdout, REGS_CRASHED);
	printf("\nmappings:\n");
	print_maps(cli, stdout);
	print_warnings(cli, stdout);
	return rc == EXIT_OK ? finish(cli) : rc;
}

static void hexdump(uint64_t addr, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i += 16) {
		printf("%016" PRIx64 "  ", addr + i);
		for (size_t k = 0; k < 16; k++) {
			if (i + k < n)
				printf("%02x ", p[i + k]);
			else
				printf("   ");
			if (k == 7)
				putchar(' ');
		}
		printf(" |");
		for (size_t k = 0; k < 16 && i + k < n; k++)
			putchar(p[i + k] >= 0x20 && p[i + k] < 0x7f ? p[i + k] : '.');
		printf("|\n");
	}
}

int cmd_read(struct cli *cli)
{
	uint64_t addr, len = 64;
	if (!parse_u64(cli->args[0], &addr) || (cli->nargs > 1 && !parse_u64(cli->args[1], &len))) {
		fprintf(stderr, "coroner read: bad address or length\n");
		return EXIT_USAGE;
	}
	if (len > (1u << 30)) {
		fprintf(stderr, "coroner read: length %" PRIu64 " is over the 1 GiB limit\n", len);
		return EXIT_USAGE;
	}
	int rc = EXIT_OK;
	struct json j;
	if (cli->json) {
		/* one document: the bytes read before any error, then the error */
		json_doc_begin(&j, stdout);
		json_key(&j, "address"); json_hex(&j, addr);
		json_key(&j, "bytes");
		json_hex_begin(&j);
	}
	/* in chunks, so that a large read costs bounded memory */
	uint8_t buf[65536];
	uint64_t off = 0;
	cor_error *err = NULL;
	while (off < len) {
		size_t n = len - off < sizeof(buf) ? (size_t)(len - off) : sizeof(buf);
		size_t done = 0;
		err = cor_core_read(cli->core, addr + off, buf, n, &done);
		if (cli->raw)
			fwrite(buf, 1, done, stdout);
		else if (cli->json)
			json_hex_more(&j, buf, done);
		else
			hexdump(addr + off, buf, done);
		off += done;
		if (err)
			break;
	}
	if (cli->json) {
		json_hex_end(&j);
		json_key(&j, "size"); json_int(&j, (int64_t)off);
		json_key(&j, "error"); json_str(&j, err ? cor_error_message(err) : NULL);
		json_obj_end(&j);
		json_end(&j);
	}
	if (err) {
		fprintf(stderr, "coroner: %s: %s\n", tx(cli->core_path), tx(cor_error_message(err)));
		cor_error_free(err);
		rc = EXIT_ERROR;
	}
	return rc;
}

int cmd_print(struct cli *cli)
{
	const struct cor_report *rep = cli->rep;
	const struct cor_report_thread *rt = NULL;
	for (size_t i = 0; i < rep->thread_count && !rt; i++)
		if (!cli->have_tid || rep->threads[i].thread->tid == cli->tid)
			rt = &rep->threads[i];
	if (!rt) {
		fprintf(stderr, "coroner: no thread %ld in %s\n", cli->tid, cli->core_path);
		return EXIT_ERROR;
	}
	if (rt->backtrace_error) {
		fprintf(stderr, "coroner: %s: no backtrace: %s\n", cli->core_path, rt->backtrace_error);
		return EXIT_ERROR;
	}
	size_t index = 0;
	while (index < cor_core_thread_count(cli->core) && cor_core_thread(cli->core, index) != rt->thread)
		index++;
	struct cor_variable *v;
	cor_error *err = cor_core_print(cli->core, index, rt->backtrace, cli->frame, cli->args[0],
					&cli->print, &v);
	if (err) {
		fprintf(stderr, "coroner: %s: %s\n", cli->args[0], cor_error_message(err));
		cor_error_free(err);
		return EXIT_ERROR;
	}
	if (cli->json) {
		struct json j;
		json_doc_begin(&j, stdout);
		json_key(&j, "expression"); json_str(&j, v->name);
		json_variable(&j, v);
		json_obj_end(&j);
		json_end(&j);
	} else {
		printf("%s\n", tx(v->value));
	}
	cor_variable_free(v);
	return finish(cli);
}
