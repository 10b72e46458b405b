/* Text and JSON output of the report model. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "cli.h"

/* SGR colours of the terminal report */
#define C_CAUSE   "\033[1;31m"   /* the cause line */
#define C_CRASHED "\033[1;31m"   /* the crashed thread */
#define C_FUNC    "\033[33m"     /* function names */
#define C_WARN    "\033[35m"     /* warnings */

static bool colored(const struct cli *cli, FILE *f)
{
	return f == stdout ? cli->color_out : f == stderr ? cli->color_err : false;
}

/* The escape that starts colour code on f, or "" when f gets none; off()
 * the one that ends it. */
static const char *on(const struct cli *cli, FILE *f, const char *code)
{
	return colored(cli, f) ? code : "";
}

static const char *off(const struct cli *cli, FILE *f)
{
	return colored(cli, f) ? "\033[m" : "";
}

int finish(struct cli *cli)
{
	return cli->rep->warning_count ? EXIT_PARTIAL : EXIT_OK;
}

static const char *in_core_text(enum cor_in_core v)
{
	return v == COR_IN_CORE_FULL ? "yes" : v == COR_IN_CORE_PARTIAL ? "partial" : "no";
}

static const char *regset_name(enum cor_regset s)
{
	static const char *const n[] = { "general", "float", "vector", "other" };
	return (unsigned)s < 4 ? n[s] : "other";
}

/* ---- JSON ---- */

/* A warning's kind, as JSON names it (doc/coroner.schema.json lists them). */
static const char *error_code_name(enum cor_error_code c)
{
	static const char *const n[] = {
		[COR_OK] = "ok", [COR_ERR_NOMEM] = "nomem", [COR_ERR_IO] = "io",
		[COR_ERR_FORMAT] = "format", [COR_ERR_NOT_CORE] = "not_core",
		[COR_ERR_UNSUPPORTED] = "unsupported", [COR_ERR_NO_MEMORY] = "no_memory",
		[COR_ERR_NOT_DUMPED] = "not_dumped", [COR_ERR_TRUNCATED] = "truncated",
		[COR_ERR_LIMIT] = "limit", [COR_ERR_INVALID] = "invalid",
		[COR_ERR_NOT_FOUND] = "not_found",
	};
	return (unsigned)c < sizeof(n) / sizeof(n[0]) && n[c] ? n[c] : "other";
}

static void json_reg_value(struct json *j, const struct cor_register *r, bool be)
{
	if (r->size <= 8) {
		json_hex(j, r->value);
		return;
	}
	/* wide registers: one hex number, most significant byte first */
	uint8_t tmp[64];
	size_t n = r->size < sizeof(tmp) ? r->size : sizeof(tmp);
	for (size_t i = 0; i < n; i++)
		tmp[i] = be ? r->bytes[i] : r->bytes[n - 1 - i];
	size_t k = 0;
	while (k + 1 < n && tmp[k] == 0)
		k++;
	char buf[160] = "0x";
	size_t len = 2;
	snprintf(buf + len, sizeof(buf) - len, "%x", tmp[k]);
	len = strlen(buf);
	for (size_t i = k + 1; i < n; i++, len += 2)
		snprintf(buf + len, sizeof(buf) - len, "%02x", tmp[i]);
	json_str(j, buf);
}

/* The first frame shown: with --max-frames -N, the Nth from the end. */
static size_t first_frame(const struct cli *cli, const cor_backtrace *bt)
{
	size_t n = cor_backtrace_frame_count(bt);
	return cli->outermost && (size_t)cli->outermost < n ? n - (size_t)cli->outermost : 0;
}

/* The index of report thread rt's thread in the core. */
static size_t thread_index(const struct cli *cli, const struct cor_report_thread *rt)
{
	for (size_t i = 0; i < cor_core_thread_count(cli->core); i++)
		if (cor_core_thread(cli->core, i) == rt->thread)
			return i;
	return SIZE_MAX;
}

/* The thread's arguments and locals (--full), or NULL with a message on
 * stderr. */
static cor_frame_vars *frame_vars(const struct cli *cli, const struct cor_report_thread *rt)
{
	cor_frame_vars *fv = NULL;
	if (!cli->full || rt->backtrace_error)
		return NULL;
	cor_error *err = cor_core_frame_vars(cli->core, thread_index(cli, rt), rt->backtrace,
					     &cli->print, &fv);
	if (err) {
		fprintf(stderr, "coroner: %s: variables: %s\n", cli->core_path, cor_error_message(err));
		cor_error_free(err);
	}
	return fv;
}

void json_variable(struct json *j, const struct cor_variable *v)
{
	json_key(j, "type"); json_str(j, v->type);
	json_key(j, "value"); json_str(j, v->value);
	json_key(j, "location"); json_str(j, v->location);
	json_key(j, "optimized_out"); json_bool(j, v->optimized_out);
	if (v->have_raw) {
		json_key(j, "raw");
		if (v->raw_signed)
			json_int(j, (int64_t)v->raw);
		else
			json_uint(j, v->raw);
	}
}

static void json_vars(struct json *j, const cor_frame_vars *fv, size_t frame, bool args)
{
	json_key(j, args ? "args" : "locals");
	json_arr(j);
	for (size_t i = 0; i < cor_frame_vars_count(fv, frame); i++) {
		const struct cor_variable *v = cor_frame_vars_get(fv, frame, i);
		if (v->is_arg != args)
			continue;
		json_obj(j);
		json_key(j, "name"); json_str(j, v->name);
		json_variable(j, v);
		if (v->entry_value) {
			json_key(j, "entry_value");
			json_str(j, v->entry_value);
		}
		json_obj_end(j);
	}
	json_arr_end(j);
}

/* bt's frames; with rt (a thread's), --full's variables too */
static void json_frames(const struct cli *cli, struct json *j, const cor_backtrace *bt,
			const char *error, const struct cor_report_thread *rt)
{
	if (error) {
		json_key(j, "frames_error");
		json_str(j, error);
		return;
	}
	cor_frame_vars *fv = rt ? frame_vars(cli, rt) : NULL;
	json_key(j, "frames");
	json_arr(j);
	for (size_t i = first_frame(cli, bt); i < cor_backtrace_frame_count(bt); i++) {
		const struct cor_frame *f = cor_backtrace_frame(bt, i);
		json_obj(j);
		json_key(j, "index"); json_int(j, (int64_t)i);
		json_key(j, "pc"); json_hex(j, f->pc);
		json_key(j, "sp"); json_hex(j, f->sp);
		json_key(j, "cfa"); json_hex(j, f->cfa);
		json_key(j, "function"); json_str(j, f->function);
		json_key(j, "offset");
		if (f->function) json_int(j, (int64_t)f->offset); else json_null(j);
		json_key(j, "module"); json_str(j, f->module);
		json_key(j, "module_offset");
		if (f->module) json_hex(j, f->module_offset); else json_null(j);
		json_key(j, "file"); json_str(j, f->file);
		json_key(j, "line");
		if (f->line) json_int(j, f->line); else json_null(j);
		json_key(j, "column");
		if (f->column) json_int(j, f->column); else json_null(j);
		json_key(j, "how"); json_str(j, cor_frame_how_name(f->how));
		json_key(j, "inline"); json_bool(j, f->is_inline);
		json_key(j, "signal_frame"); json_bool(j, f->signal_frame);
		if (fv) {
			json_vars(j, fv, i, true);
			json_vars(j, fv, i, false);
			json_key(j, "vars_truncated"); json_bool(j, cor_frame_vars_truncated(fv, i));
		}
		json_obj_end(j);
	}
	json_arr_end(j);
	cor_frame_vars_free(fv);
	json_key(j, "stop_reason");
	json_str(j, cor_backtrace_stop_reason(bt));
}

static void json_threads(const struct cli *cli, struct json *j, bool with_frames)
{
	const struct cor_report *rep = cli->rep;
	bool be = rep->info->big_endian;
	json_key(j, "threads");
	json_arr(j);
	for (size_t i = 0; i < rep->thread_count; i++) {
		const struct cor_report_thread *rt = &rep->threads[i];
		const struct cor_thread *t = rt->thread;
		json_obj(j);
		json_key(j, "tid"); if (t->have_tid) json_int(j, t->tid); else json_null(j);
		json_key(j, "crashed"); json_bool(j, t->crashed);
		json_key(j, "signal"); json_int(j, t->signal);
		json_key(j, "pc"); json_hex(j, t->pc);
		json_key(j, "sp"); json_hex(j, t->sp);
		/* general and other registers together, then float, vector */
		static const char *const sets[] = { "registers", "float_registers", "vector_registers" };
		for (int s = 0; s < 3; s++) {
			json_key(j, sets[s]);
			json_obj(j);
			for (size_t k = 0; k < t->register_count; k++) {
				const struct cor_register *r = &t->registers[k];
				bool gen = r->set == COR_REGS_GENERAL || r->set == COR_REGS_OTHER;
				if (s == 0 ? !gen : (int)r->set != s)
					continue;
				json_key(j, r->name);
				json_reg_value(j, r, be);
			}
			json_obj_end(j);
		}
		if (with_frames)
			json_frames(cli, j, rt->backtrace, rt->backtrace_error, rt);
		json_obj_end(j);
	}
	json_arr_end(j);
}

/* "go" (null unless a Go program) and "goroutines" ([] unless one) */
static void json_go(const struct cli *cli, struct json *j, bool with_frames)
{
	const struct cor_go *go = cli->rep->go;
	json_key(j, "go");
	if (!go) {
		json_null(j);
	} else {
		json_obj(j);
		json_key(j, "version"); json_str(j, go->version);
		json_key(j, "layout"); json_str(j, go->layout);
		json_key(j, "goroutine_count"); json_int(j, (int64_t)go->goroutine_count);
		json_key(j, "dead_goroutines"); json_int(j, (int64_t)go->dead_goroutines);
		json_key(j, "goroutines_error"); json_str(j, go->goroutines_error);
		json_key(j, "panic"); json_str(j, go->panic);
		json_key(j, "panic_goroutine");
		if (go->panic_goroutine) json_int(j, go->panic_goroutine); else json_null(j);
		json_key(j, "fatal_error"); json_str(j, go->fatal_error);
		json_key(j, "panics");
		json_arr(j);
		for (size_t i = 0; i < go->panic_count; i++) {
			json_obj(j);
			json_key(j, "message"); json_str(j, go->panics[i].message);
			json_key(j, "recovered"); json_bool(j, go->panics[i].recovered);
			json_obj_end(j);
		}
		json_arr_end(j);
		json_obj_end(j);
	}
	json_key(j, "goroutines");
	json_arr(j);
	for (size_t i = 0; go && i < go->goroutine_count; i++) {
		const struct cor_goroutine *g = &go->goroutines[i];
		json_obj(j);
		json_key(j, "id"); json_int(j, g->id);
		json_key(j, "status"); json_str(j, g->status);
		json_key(j, "wait_reason"); json_str(j, g->wait_reason);
		json_key(j, "raw_status"); json_int(j, g->raw_status);
		json_key(j, "raw_wait_reason"); json_int(j, g->raw_wait_reason);
		json_key(j, "tid"); if (g->tid) json_int(j, g->tid); else json_null(j);
		json_key(j, "address"); json_hex(j, g->address);
		json_key(j, "start_pc"); json_hex(j, g->startpc);
		json_key(j, "created_by");
		if (g->gopc) {
			json_obj(j);
			json_key(j, "pc"); json_hex(j, g->gopc);
			json_key(j, "function"); json_str(j, g->created_by);
			json_key(j, "offset");
			if (g->created_by) json_int(j, (int64_t)g->created_offset); else json_null(j);
			json_key(j, "file"); json_str(j, g->created_file);
			json_key(j, "line");
			if (g->created_line) json_int(j, g->created_line); else json_null(j);
			json_obj_end(j);
		} else {
			json_null(j);
		}
		if (with_frames)
			json_frames(cli, j, g->backtrace, g->backtrace_error, NULL);
		json_obj_end(j);
	}
	json_arr_end(j);
}

static void json_modules(const struct cor_report *rep, struct json *j)
{
	json_key(j, "modules");
	json_arr(j);
	for (size_t i = 0; i < rep->module_count; i++) {
		const struct cor_module *m = rep->modules[i];
		json_obj(j);
		json_key(j, "name"); json_str(j, m->name);
		json_key(j, "path"); json_str(j, m->path);
		json_key(j, "start"); json_hex(j, m->start);
		json_key(j, "end"); json_hex(j, m->end);
		json_key(j, "load_bias"); json_hex(j, m->load_bias);
		json_key(j, "build_id"); json_str(j, m->build_id);
		json_key(j, "debug_file"); json_str(j, m->debug_file);
		json_obj_end(j);
	}
	json_arr_end(j);
}

static void json_bytes(struct json *j, const struct cor_insn *in)
{
	json_hex_begin(j);
	json_hex_more(j, in->bytes, in->size);
	json_hex_end(j);
}

static void json_insn(struct json *j, const struct cor_insn *in)
{
	json_obj(j);
	json_key(j, "address"); json_hex(j, in->address);
	json_key(j, "bytes"); json_bytes(j, in);
	json_key(j, "text"); json_str(j, in->text);
	json_obj_end(j);
}

static void json_diagnosis(const struct cor_report *rep, struct json *j)
{
	const struct cor_diagnosis *d = rep->diagnosis;
	json_key(j, "diagnosis");
	if (!d) {
		json_null(j);
		return;
	}
	json_obj(j);
	json_key(j, "class"); json_str(j, d->class_name);
	json_key(j, "severity"); json_str(j, d->severity);
	json_key(j, "summary"); json_str(j, d->summary);
	json_key(j, "fault");
	if (d->have_fault) {
		json_obj(j);
		json_key(j, "address"); json_hex(j, d->fault_address);
		json_key(j, "access"); json_str(j, d->fault_access);
		json_key(j, "region"); json_str(j, d->fault_region);
		json_key(j, "near_null"); json_bool(j, d->near_null);
		json_obj_end(j);
	} else {
		json_null(j);
	}
	json_key(j, "instruction");
	if (d->instruction) {
		json_obj(j);
		json_key(j, "address"); json_hex(j, d->instruction->address);
		json_key(j, "bytes"); json_bytes(j, d->instruction);
		json_key(j, "text"); json_str(j, d->instruction->text);
		json_key(j, "before");
		json_arr(j);
		for (size_t i = 0; i < d->before_count; i++)
			json_insn(j, &d->before[i]);
		json_arr_end(j);
		json_obj_end(j);
	} else {
		json_null(j);
	}
	json_key(j, "message"); json_str(j, d->message);
	json_key(j, "exception");
	if (d->exception_type) {
		json_obj(j);
		json_key(j, "type"); json_str(j, d->exception_type);
		json_key(j, "what"); json_str(j, d->exception_what);
		json_obj_end(j);
	} else {
		json_null(j);
	}
	json_key(j, "stack_overflow");
	if (d->stack_overflow) {
		json_obj(j);
		json_key(j, "tid"); json_int(j, d->overflow_tid);
		json_key(j, "depth");
		if (d->overflow_depth) json_int(j, (int64_t)d->overflow_depth); else json_null(j);
		json_key(j, "cycle");
		if (d->cycle_count) {
			json_arr(j);
			for (size_t i = 0; i < d->cycle_count; i++)
				json_str(j, d->cycle[i]);
			json_arr_end(j);
		} else {
			json_null(j);
		}
		json_obj_end(j);
	} else {
		json_null(j);
	}
	json_key(j, "crash_frame");
	if (d->crash_frame >= 0) json_int(j, d->crash_frame); else json_null(j);
	json_key(j, "crash_line"); json_str(j, d->crash_line);
	json_key(j, "crash_goroutine");
	if (d->crash_goroutine) json_int(j, d->crash_goroutine); else json_null(j);
	json_key(j, "signature"); json_str(j, d->signature);
	json_key(j, "signature_hash");
	if (d->have_signature_hash) {
		char h[24];
		snprintf(h, sizeof(h), "%016" PRIx64, d->signature_hash);
		json_str(j, h);
	} else {
		json_null(j);
	}
	json_key(j, "sender_pid");
	if (d->have_sender) json_int(j, d->sender_pid); else json_null(j);
	json_obj_end(j);
}

void print_json_report(struct cli *cli, bool with_frames)
{
	const struct cor_report *rep = cli->rep;
	const struct cor_process *p = rep->process;
	const struct cor_signal *s = rep->signal;
	const struct cor_core_info *in = rep->info;
	struct json j;
	json_doc_begin(&j, stdout);
	json_key(&j, "core");
	json_obj(&j);
	json_key(&j, "path"); json_str(&j, cli->core_path);
	json_key(&j, "arch"); json_str(&j, in->arch_name);
	json_key(&j, "class"); json_int(&j, in->elf_class);
	json_key(&j, "byte_order"); json_str(&j, in->big_endian ? "big" : "little");
	json_key(&j, "size"); json_int(&j, (int64_t)in->core_size);
	json_key(&j, "truncated"); json_bool(&j, in->truncated);
	json_key(&j, "compression"); json_str(&j, in->compression);
	json_obj_end(&j);
	json_key(&j, "coredump"); json_coredump(&j, rep->coredump);

	json_key(&j, "process");
	json_obj(&j);
	json_key(&j, "pid"); if (p->have_psinfo) json_int(&j, p->pid); else json_null(&j);
	json_key(&j, "ppid"); if (p->have_psinfo) json_int(&j, p->ppid); else json_null(&j);
	json_key(&j, "pgrp"); if (p->have_psinfo) json_int(&j, p->pgrp); else json_null(&j);
	json_key(&j, "sid"); if (p->have_psinfo) json_int(&j, p->sid); else json_null(&j);
	json_key(&j, "uid"); if (p->have_psinfo) json_int(&j, p->uid); else json_null(&j);
	json_key(&j, "gid"); if (p->have_psinfo) json_int(&j, p->gid); else json_null(&j);
	char st[2] = { p->state, 0 };
	json_key(&j, "state"); json_str(&j, p->state ? st : NULL);
	json_key(&j, "command"); json_str(&j, p->command);
	json_key(&j, "args"); json_str(&j, p->args);
	json_key(&j, "executable"); json_str(&j, p->executable);
	json_obj_end(&j);

	json_key(&j, "signal");
	json_obj(&j);
	json_key(&j, "number"); json_int(&j, s->number);
	json_key(&j, "name"); json_str(&j, s->name);
	json_key(&j, "code"); if (s->have_siginfo) json_int(&j, s->code); else json_null(&j);
	json_key(&j, "code_name"); json_str(&j, s->code_name);
	json_key(&j, "description"); json_str(&j, s->description);
	json_key(&j, "errno"); if (s->have_siginfo) json_int(&j, s->err); else json_null(&j);
	json_key(&j, "address"); if (s->have_address) json_hex(&j, s->address); else json_null(&j);
	if (s->have_sender) {
		json_key(&j, "sender_pid"); json_int(&j, s->sender_pid);
		json_key(&j, "sender_uid"); json_int(&j, s->sender_uid);
	}
	json_obj_end(&j);

	json_diagnosis(rep, &j);

	json_key(&j, "crashed_tid");
	if (rep->crashed && rep->crashed->have_tid) json_int(&j, rep->crashed->tid); else json_null(&j);

	json_threads(cli, &j, with_frames);
	json_go(cli, &j, with_frames);
	if (with_frames)
		json_modules(rep, &j);

	json_key(&j, "mappings");
	json_arr(&j);
	for (size_t i = 0; i < rep->mapping_count; i++) {
		const struct cor_mapping *m = &rep->mappings[i];
		char perm[4] = { m->read ? 'r' : '-', m->write ? 'w' : '-', m->exec ? 'x' : '-', 0 };
		json_obj(&j);
		json_key(&j, "start"); json_hex(&j, m->start);
		json_key(&j, "end"); json_hex(&j, m->end);
		json_key(&j, "offset"); json_hex(&j, m->offset);
		json_key(&j, "path"); json_str(&j, m->path);
		json_key(&j, "label"); json_str(&j, m->label);
		json_key(&j, "perms"); json_str(&j, perm);
		json_key(&j, "in_core");
		if (m->in_core == COR_IN_CORE_PARTIAL) json_str(&j, "partial");
		else json_bool(&j, m->in_core == COR_IN_CORE_FULL);
		json_key(&j, "core_offset"); json_hex(&j, m->core_offset);
		json_key(&j, "core_bytes"); json_int(&j, (int64_t)m->core_bytes);
		json_obj_end(&j);
	}
	json_arr_end(&j);

	json_key(&j, "auxv");
	json_arr(&j);
	for (size_t i = 0; i < rep->auxv_count; i++) {
		const struct cor_auxv *a = &rep->auxv[i];
		json_obj(&j);
		json_key(&j, "type");
		if (a->name) json_str(&j, a->name); else json_int(&j, (int64_t)a->type);
		json_key(&j, "value"); json_hex(&j, a->value);
		if (a->string) { json_key(&j, "string"); json_str(&j, a->string); }
		json_obj_end(&j);
	}
	json_arr_end(&j);

	json_key(&j, "notes");
	json_arr(&j);
	for (size_t i = 0; i < rep->note_count; i++) {
		const struct cor_note *n = &rep->notes[i];
		json_obj(&j);
		json_key(&j, "name"); json_str(&j, n->name);
		json_key(&j, "type"); json_int(&j, n->type);
		json_key(&j, "type_name"); json_str(&j, n->type_name);
		json_key(&j, "offset"); json_hex(&j, n->offset);
		json_key(&j, "size"); json_int(&j, (int64_t)n->size);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_key(&j, "notes_omitted"); json_int(&j, (int64_t)rep->notes_omitted);

	json_key(&j, "warnings");
	json_arr(&j);
	for (size_t i = 0; i < rep->warning_count; i++) {
		const struct cor_warning *w = &rep->warnings[i];
		json_obj(&j);
		json_key(&j, "code"); json_str(&j, error_code_name(w->code));
		json_key(&j, "subject"); json_str(&j, w->subject);
		json_key(&j, "message"); json_str(&j, w->message);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_obj_end(&j);
	json_end(&j);
}

/* ---- text ---- */

static void print_insn_line(FILE *f, const char *mark, const struct cor_insn *in)
{
	fprintf(f, "  %s 0x%016" PRIx64 "  ", mark, in->address);
	for (size_t i = 0; i < 10; i++) {
		if (i < in->size)
			fprintf(f, "%02x", in->bytes[i]);
		else
			fputs("  ", f);
	}
	fprintf(f, "%s  %s\n", in->size > 10 ? ".." : "  ", in->text ? in->text : "(not decoded)");
}

/* Why it died: a cause line, then the details. */
void print_diagnosis(struct cli *cli, FILE *f)
{
	const struct cor_diagnosis *d = cli->rep->diagnosis;
	if (!d)
		return;
	fprintf(f, "%scause:      %s (%s): %s%s\n", on(cli, f, C_CAUSE), d->class_name, d->severity,
		tx(d->summary), off(cli, f));
	if (d->have_fault)
		fprintf(f, "fault:      0x%" PRIx64 " %s, %s%s\n", d->fault_address,
			d->fault_access ? d->fault_access : "(access unknown)",
			d->fault_region ? tx(d->fault_region) : "?", d->near_null ? " (near null)" : "");
	if (d->have_sender)
		fprintf(f, "sender:     pid %d\n", d->sender_pid);
	if (d->message) {
		size_t n = strlen(d->message);
		while (n && d->message[n - 1] == '\n')
			n--;
		char *msg = strndup(d->message, n);
		fprintf(f, "message:    %s\n", msg ? tx(msg) : "");
		free(msg);
	}
	if (d->exception_type) {
		fprintf(f, "exception:  %s\n", tx(d->exception_type));
		if (d->exception_what)
			fprintf(f, "what():     %s\n", tx(d->exception_what));
	}
	if (d->stack_overflow) {
		fprintf(f, "overflow:   thread %d", d->overflow_tid);
		if (d->overflow_depth)
			fprintf(f, ", %zu frames", d->overflow_depth);
		for (size_t i = 0; i < d->cycle_count; i++)
			fprintf(f, "%s%s", i ? " -> " : ", cycle ", tx(d->cycle[i]));
		fputc('\n', f);
	}
	if (d->crash_frame >= 0) {
		fprintf(f, "look at:    ");
		if (d->crash_goroutine)
			fprintf(f, "goroutine %" PRId64 ", ", d->crash_goroutine);
		fprintf(f, "frame #%ld", d->crash_frame);
		if (d->crash_line)
			fprintf(f, " %s", tx(d->crash_line));
		fputc('\n', f);
	}
	if (d->signature)
		fprintf(f, "signature:  %s [%016" PRIx64 "]\n", tx(d->signature), d->signature_hash);
	if (d->instruction) {
		fputs("instruction:\n", f);
		for (size_t i = 0; i < d->before_count; i++)
			print_insn_line(f, "  ", &d->before[i]);
		print_insn_line(f, "=>", d->instruction);
	}
}

/* "42", or "?" when the tid was not decoded */
const char *tid_text(const struct cor_thread *t, char *buf, size_t n)
{
	if (!t->have_tid)
		return "?";
	snprintf(buf, n, "%d", t->tid);
	return buf;
}

void print_info(struct cli *cli, FILE *f)
{
	const struct cor_report *rep = cli->rep;
	const struct cor_process *p = rep->process;
	const struct cor_signal *s = rep->signal;
	const struct cor_core_info *in = rep->info;
	fprintf(f, "core:       %s (%s%s%s, ELF%d %s endian, %" PRIu64 " bytes%s)\n", tx(cli->core_path),
		in->compression ? in->compression : "", in->compression ? "-compressed " : "",
		in->arch_name, in->elf_class, in->big_endian ? "big" : "little", in->core_size,
		in->truncated ? ", TRUNCATED" : "");
	print_coredump(f, rep->coredump);
	if (p->have_psinfo) {
		fprintf(f, "process:    pid %d, ppid %d, pgrp %d, sid %d, uid %u, gid %u, state %c\n",
			p->pid, p->ppid, p->pgrp, p->sid, p->uid, p->gid, p->state ? p->state : '?');
		fprintf(f, "command:    %s\n", p->command ? tx(p->command) : "");
		fprintf(f, "args:       %s\n", p->args ? tx(p->args) : "");
	}
	if (p->executable)
		fprintf(f, "executable: %s\n", tx(p->executable));
	fprintf(f, "signal:     %d (%s)", s->number, s->name ? s->name : "unknown");
	if (s->have_siginfo) {
		fprintf(f, ", code %d", s->code);
		if (s->code_name)
			fprintf(f, " (%s: %s)", s->code_name, s->description);
		if (s->err)
			fprintf(f, ", errno %d", s->err);
	}
	if (!s->number && !s->have_siginfo)
		fputs(" (no fatal signal: a core taken by gcore or the like)", f);
	fputc('\n', f);
	if (s->have_address)
		fprintf(f, "fault addr: 0x%" PRIx64 "\n", s->address);
	if (s->have_sender)
		fprintf(f, "sent by:    pid %d, uid %u\n", s->sender_pid, s->sender_uid);
	if (rep->crashed) {
		char tid[32];
		fprintf(f, "crashed:    thread %s (of %zu)\n", tid_text(rep->crashed, tid, sizeof(tid)),
			cor_core_thread_count(cli->core));
	}
	const struct cor_go *go = rep->go;
	if (go) {
		fprintf(f, "go:         %s", go->version ? tx(go->version) : "version unknown");
		if (go->goroutines_error)
			fprintf(f, ", goroutines not listed: %s\n", tx(go->goroutines_error));
		else
			fprintf(f, ", %zu goroutines (%zu dead)\n", go->goroutine_count,
				go->dead_goroutines);
		/* the chain as Go's printpanics: oldest first, the newer ones
		 * after a tab */
		for (size_t i = 0; go->panic && i < go->panic_count; i++) {
			const struct cor_go_panic *gp = &go->panics[i];
			if (i)
				fprintf(f, "            \t");
			else
				fprintf(f, "go panic:   goroutine %" PRId64 ": ", go->panic_goroutine);
			fprintf(f, "panic: %s%s\n", gp->message ? tx(gp->message) : "?",
				gp->recovered ? " [recovered]" : "");
		}
		if (go->fatal_error)
			fprintf(f, "go fatal:   fatal error: %s\n", tx(go->fatal_error));
	}
}

static void print_reg(FILE *f, const struct cor_register *r, bool be)
{
	if (r->size <= 8) {
		fprintf(f, "%-10s 0x%0*" PRIx64 "\n", r->name, (int)r->size * 2, r->value);
		return;
	}
	fprintf(f, "%-10s 0x", r->name);
	for (size_t i = 0; i < r->size; i++)
		fprintf(f, "%02x", be ? r->bytes[i] : r->bytes[r->size - 1 - i]);
	fputc('\n', f);
}

static void print_regs(struct cli *cli, FILE *f, const struct cor_thread *t, bool all)
{
	bool be = cli->rep->info->big_endian;
	int col = 0;
	for (size_t k = 0; k < t->register_count; k++) {
		const struct cor_register *r = &t->registers[k];
		if (r->set != COR_REGS_GENERAL)
			continue;
		fprintf(f, "%s%-7s 0x%0*" PRIx64, col ? "  " : "    ", r->name, (int)r->size * 2, r->value);
		if (++col == 3) {
			fputc('\n', f);
			col = 0;
		}
	}
	if (col)
		fputc('\n', f);
	if (!all)
		return;
	for (size_t k = 0; k < t->register_count; k++) {
		const struct cor_register *r = &t->registers[k];
		if (r->set == COR_REGS_GENERAL)
			continue;
		fprintf(f, "    [%s] ", regset_name(r->set));
		print_reg(f, r, be);
	}
}

/* Whether thread t's registers are shown: --regs, else the command's way. */
static bool regs_shown(const struct cli *cli, const struct cor_thread *t, int dflt)
{
	int mode = cli->regs != REGS_DEFAULT ? (int)cli->regs : dflt;
	return mode == REGS_ALL || (mode == REGS_CRASHED && t->crashed);
}

void print_threads(struct cli *cli, FILE *f, int regs)
{
	/* in note order */
	size_t n = cor_core_thread_count(cli->core);
	for (size_t i = 0; i < n; i++) {
		const struct cor_thread *t = cor_core_thread(cli->core, i);
		if (cli->have_tid && (!t->have_tid || t->tid != cli->tid))
			continue;
		char tid[32];
		fprintf(f, "%sthread %s%s%s: signal %d", t->crashed ? on(cli, f, C_CRASHED) : "",
			tid_text(t, tid, sizeof(tid)), t->crashed ? " (crashed)" : "",
			t->crashed ? off(cli, f) : "", t->signal);
		if (t->register_count)
			fprintf(f, ", pc 0x%" PRIx64 ", sp 0x%" PRIx64 "\n", t->pc, t->sp);
		else
			fputs(", no registers\n", f);
		if (regs_shown(cli, t, regs))
			print_regs(cli, f, t, cli->all_regs);
	}
}

void print_maps(struct cli *cli, FILE *f)
{
	const struct cor_report *rep = cli->rep;
	int w = rep->info->elf_class == 32 ? 8 : 16;
	fprintf(f, "%-*s %-*s %-4s %-10s %-7s %s\n", w + 2, "start", w + 2, "end", "perm",
		"offset", "in-core", "path");
	for (size_t i = 0; i < rep->mapping_count; i++) {
		const struct cor_mapping *m = &rep->mappings[i];
		fprintf(f, "0x%0*" PRIx64 " 0x%0*" PRIx64 " %c%c%c  0x%08" PRIx64 " %-7s %s\n",
			w, m->start, w, m->end, m->read ? 'r' : '-', m->write ? 'w' : '-',
			m->exec ? 'x' : '-', m->offset, in_core_text(m->in_core),
			m->path ? tx(m->path) : m->label ? tx(m->label) : "");
	}
}

void print_notes(struct cli *cli, FILE *f)
{
	const struct cor_report *rep = cli->rep;
	fprintf(f, "%-8s %-22s %-12s %s\n", "owner", "type", "offset", "size");
	for (size_t i = 0; i < rep->note_count; i++) {
		const struct cor_note *n = &rep->notes[i];
		char tbuf[32];
		snprintf(tbuf, sizeof(tbuf), "0x%x", n->type);
		fprintf(f, "%-8s %-22s 0x%08" PRIx64 "   %" PRIu64 "\n", tx(n->name),
			n->type_name ? n->type_name : tbuf, n->offset, n->size);
	}
	if (rep->notes_omitted)
		fprintf(f, "(%" PRIu64 " more notes omitted: --max-notes)\n", rep->notes_omitted);
}

void print_auxv(struct cli *cli, FILE *f)
{
	const struct cor_report *rep = cli->rep;
	for (size_t i = 0; i < rep->auxv_count; i++) {
		const struct cor_auxv *a = &rep->auxv[i];
		char tbuf[32];
		snprintf(tbuf, sizeof(tbuf), "%" PRIu64, a->type);
		fprintf(f, "%-22s 0x%" PRIx64, a->name ? a->name : tbuf, a->value);
		if (a->string)
			fprintf(f, " \"%s\"", tx(a->string));
		fputc('\n', f);
	}
}

/* The columns a function name may take on this terminal: what the rest
 * of a frame line leaves of its width (at least 40). */
static size_t name_width(void)
{
	struct winsize ws;
	size_t cols = ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col ? ws.ws_col : 80;
	return cols > 80 ? cols - 40 : 40;
}

static void print_frame(struct cli *cli, FILE *f, size_t i, const struct cor_frame *fr)
{
	fprintf(f, "  #%-3zu 0x%016" PRIx64 " ", i, fr->pc);
	if (fr->function) {
		char buf[8400]; /* a shortened name: at most 2 bytes more a bracket */
		const char *name = cli->short_names ? shorten_name(fr->function, name_width(), buf,
								    sizeof(buf)) : fr->function;
		fprintf(f, "%s%s%s", on(cli, f, C_FUNC), tx(name), off(cli, f));
		if (!fr->is_inline)
			fprintf(f, "+0x%" PRIx64, fr->offset);
	} else {
		fputs("??", f);
	}
	if (fr->is_inline)
		fputs(" [inline]", f);
	if (fr->module) {
		/* without a name, where it is in its file: symbolize it later */
		const char *slash = strrchr(fr->module, '/');
		fprintf(f, " (%s", tx(slash ? slash + 1 : fr->module));
		if (!fr->function)
			fprintf(f, "+0x%" PRIx64, fr->module_offset);
		fputc(')', f);
	}
	if (fr->file) {
		fprintf(f, " %s", tx(fr->file));
		if (fr->line)
			fprintf(f, ":%u", fr->line);
	}
	if (fr->how == COR_FRAME_TAILCALL)
		fputs(" [tail]", f);
	else if (fr->how != COR_FRAME_CONTEXT && fr->how != COR_FRAME_CFI && fr->how != COR_FRAME_INLINE)
		fprintf(f, " [%s]", cor_frame_how_name(fr->how));
	if (fr->signal_frame)
		fputs(" <signal handler called>", f);
	fputc('\n', f);
	const char *src = cli->source ? source_line(cli, fr->file, fr->line) : NULL;
	if (src)
		fprintf(f, "        %6u  %s\n", fr->line, src);
}

int print_backtraces(struct cli *cli, FILE *f, int regs)
{
	const struct cor_report *rep = cli->rep;
	int rc = EXIT_OK;
	for (size_t i = 0; i < rep->thread_count; i++) {
		const struct cor_report_thread *rt = &rep->threads[i];
		const struct cor_thread *t = rt->thread;
		char tid[32];
		fprintf(f, "\n%sthread %s%s:%s\n", t->crashed ? on(cli, f, C_CRASHED) : "",
			tid_text(t, tid, sizeof(tid)), t->crashed ? " (crashed)" : "",
			t->crashed ? off(cli, f) : "");
		if (rt->backtrace_error) {
			fprintf(f, "  (no backtrace: %s)\n", tx(rt->backtrace_error));
			rc = EXIT_PARTIAL;
		} else {
			const cor_backtrace *bt = rt->backtrace;
			size_t first = first_frame(cli, bt);
			cor_frame_vars *fv = frame_vars(cli, rt);
			if (first)
				fprintf(f, "  (%zu inner frames not shown: --max-frames -%ld)\n", first,
					cli->outermost);
			for (size_t k = first; k < cor_backtrace_frame_count(bt); k++) {
				print_frame(cli, f, k, cor_backtrace_frame(bt, k));
				for (size_t v = 0; v < cor_frame_vars_count(fv, k); v++) {
					const struct cor_variable *var = cor_frame_vars_get(fv, k, v);
					/* names and values come from the core's DWARF and memory */
					const char *ev = var->entry_value;
					bool same = ev && !strcmp(ev, var->value);
					fprintf(f, "        %s = ", tx(var->name));
					/* gdb's x=x@entry=5, or x=6 and x@entry=5 */
					if (same)
						fprintf(f, "%s@entry = ", tx(var->name));
					fprintf(f, "%s\n", tx(var->value));
					if (ev && !same)
						fprintf(f, "        %s@entry = %s\n", tx(var->name), tx(ev));
				}
				if (cor_frame_vars_truncated(fv, k))
					fprintf(f, "        (more variables left out: over the output cap of a frame)\n");
			}
			cor_frame_vars_free(fv);
			const char *why = cor_backtrace_stop_reason(bt);
			if (why)
				fprintf(f, "  (stopped: %s)\n", tx(why));
		}
		if (regs_shown(cli, t, regs))
			print_regs(cli, f, t, cli->all_regs);
	}
	if (cli->have_tid && !rep->thread_count) {
		fprintf(stderr, "coroner: no thread %ld in %s\n", cli->tid, cli->core_path);
		return EXIT_ERROR;
	}
	return rc;
}

/* A Go traceback's frame: "FUNC(...)" then "\tFILE:LINE +0xOFF". */
static void print_go_frame(FILE *f, const struct cor_frame *fr)
{
	/* Go's name: without the linker's ABI suffix (runtime.goexit.abi0) */
	size_t n = fr->function ? strlen(fr->function) : 0;
	if (n > 5 && !strcmp(fr->function + n - 5, ".abi0"))
		n -= 5;
	if (fr->function) {
		char *name = strndup(fr->function, n);
		fprintf(f, "%s(...)\n", name ? tx(name) : "?");
		free(name);
	} else {
		fprintf(f, "?? 0x%" PRIx64 "\n", fr->pc);
	}
	fprintf(f, "\t%s:%u", fr->file ? tx(fr->file) : "?", fr->line);
	if (fr->function && !fr->is_inline && fr->offset)
		fprintf(f, " +0x%" PRIx64, fr->offset);
	if (fr->how == COR_FRAME_TAILCALL)
		fputs(" [tail]", f);
	fputc('\n', f);
}

int print_goroutines(struct cli *cli, FILE *f)
{
	const struct cor_go *go = cli->rep->go;
	if (!go) {
		fprintf(f, "no goroutines: not a Go program (no Go pclntab in its modules)\n");
		return EXIT_OK;
	}
	if (go->goroutines_error) {
		fprintf(f, "goroutines not listed: %s\n", tx(go->goroutines_error));
		return EXIT_PARTIAL;
	}
	int rc = EXIT_OK;
	for (size_t i = 0; i < go->goroutine_count; i++) {
		const struct cor_goroutine *g = &go->goroutines[i];
		fprintf(f, "%sgoroutine %" PRId64 " [%s", i ? "\n" : "", g->id,
			g->wait_reason && *g->wait_reason ? tx(g->wait_reason) : tx(g->status));
		if (g->tid)
			fprintf(f, ", thread %d", g->tid);
		fputs("]:\n", f);
		if (g->backtrace_error) {
			fprintf(f, "\t(no backtrace: %s)\n", tx(g->backtrace_error));
			rc = EXIT_PARTIAL;
		}
		for (size_t k = 0; k < cor_backtrace_frame_count(g->backtrace); k++)
			print_go_frame(f, cor_backtrace_frame(g->backtrace, k));
		/* as Go: not for the main goroutine */
		if (g->created_by && g->id != 1) {
			fprintf(f, "created by %s\n\t%s:%u", tx(g->created_by),
				g->created_file ? tx(g->created_file) : "?", g->created_line);
			if (g->created_offset)
				fprintf(f, " +0x%" PRIx64, g->created_offset);
			fputc('\n', f);
		}
	}
	return rc;
}

void print_warnings(struct cli *cli, FILE *f)
{
	const struct cor_report *rep = cli->rep;
	if (!rep->warning_count)
		return;
	fprintf(f, "\n%swarnings:%s\n", on(cli, f, C_WARN), off(cli, f));
	for (size_t i = 0; i < rep->warning_count; i++)
		fprintf(f, "  %s%s%s\n", on(cli, f, C_WARN), tx(rep->warnings[i].message), off(cli, f));
}
