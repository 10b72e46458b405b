/* The crash report model, built once: threads in report order with their
 * backtraces, then the warnings, complete since the backtraces are done. */
#include <stdlib.h>
#include <string.h>
#include "report.h"
#include "go.h"

struct report {
	struct cor_report pub;          /* first: the public view */
	struct cor_report_thread *threads;
	const struct cor_module **modules;
	struct cor_warning *warnings;
	char **errors;                  /* backtrace_error strings */
};

static void add_thread(struct report *r, const struct report_parts *p, size_t i, bool frames)
{
	struct cor_report_thread *rt = &r->threads[r->pub.thread_count++];
	rt->thread = &p->proc->threads[i];
	rt->index = i;
	if (!frames)
		return;
	cor_backtrace *bt = NULL;
	cor_error *err = p->proc->arch ? backtrace_build(p->unwinder, p->sym, rt->thread, &bt)
		: cor_error_new(COR_ERR_UNSUPPORTED, "cannot unwind: machine %u not supported",
				p->proc->info.machine);
	rt->backtrace = bt;
	if (err) {
		r->errors[i] = cor_strdup(cor_error_message(err));
		rt->backtrace_error = r->errors[i] ? r->errors[i] : "out of memory";
		cor_error_free(err);
	}
}

void cor_report_free(const struct cor_report *pub)
{
	struct report *r = (struct report *)pub;
	if (!r)
		return;
	for (size_t i = 0; i < r->pub.thread_count; i++)
		cor_backtrace_free((cor_backtrace *)r->threads[i].backtrace);
	for (size_t i = 0; r->errors && i < r->pub.thread_count; i++)
		free(r->errors[r->threads[i].index]);
	free(r->errors);
	free(r->threads);
	free(r->modules);
	free(r->warnings);
	diagnose_free(r->pub.diagnosis);
	go_free((struct cor_go *)r->pub.go);
	free(r);
}

cor_error *report_build(const struct report_parts *p, const struct cor_report_options *o,
			const struct cor_report **out)
{
	struct cor_report_options opts = COR_REPORT_OPTIONS_INIT;
	if (o)
		memcpy(&opts, o, o->sz < sizeof(opts) ? o->sz : sizeof(opts));
	const struct process *pr = p->proc;
	struct report *r = cor_calloc(1, sizeof(*r));
	if (!r)
		return &cor_enomem;
	struct cor_report *pub = &r->pub;
	r->threads = cor_calloc(pr->nthreads, sizeof(*r->threads));
	r->errors = cor_calloc(pr->nthreads, sizeof(*r->errors));
	r->modules = cor_calloc(p->modules->n, sizeof(*r->modules));
	if ((pr->nthreads && (!r->threads || !r->errors)) || (p->modules->n && !r->modules)) {
		cor_report_free(pub);
		return &cor_enomem;
	}
	pub->core_path = p->core_path;
	pub->coredump = p->coredump;
	pub->info = &pr->info;
	pub->process = &pr->proc;
	pub->signal = &pr->sig;
	pub->crashed = pr->crashed >= 0 ? &pr->threads[pr->crashed] : NULL;
	/* the crashed thread first, then the others in note order */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < pr->nthreads; i++) {
			const struct cor_thread *t = &pr->threads[i];
			if ((pass == 0) != t->crashed || (opts.have_tid && (!t->have_tid || t->tid != opts.tid)))
				continue;
			add_thread(r, p, i, opts.backtraces);
		}
	pub->threads = r->threads;
	for (size_t i = 0; i < p->modules->n; i++)
		r->modules[i] = &p->modules->v[i].pub;
	pub->module_count = p->modules->n;
	pub->modules = r->modules;
	pub->mapping_count = p->mem->nsegs;
	pub->mappings = p->mem->maps;
	pub->auxv_count = pr->nauxv;
	pub->auxv = pr->auxv;
	pub->note_count = pr->nnotes;
	pub->notes = pr->notes;
	pub->notes_omitted = pr->notes_omitted;
	/* a Go program's goroutines */
	struct go_parts gp = { pr, p->mem, p->modules, p->unwinder, p->sym, p->arena,
			       p->warn, opts.backtraces };
	struct cor_go *go = NULL;
	cor_error *gerr = go_build(&gp, &go);
	if (gerr) {
		cor_report_free(pub);
		return gerr;
	}
	pub->go = go;
	/* the diagnosis, on the crashed thread's backtrace if it was made */
	struct diagnose_parts dp = { pr, p->mem, p->modules, p->unwinder, p->sym, p->arena,
				     pub->thread_count && pub->crashed && r->threads[0].thread == pub->crashed
				     ? r->threads[0].backtrace : NULL, go };
	cor_error *err = opts.skip_diagnosis ? NULL : diagnose_build(&dp, &pub->diagnosis);
	if (err) {
		cor_report_free(pub);
		return err;
	}
	/* last: what the backtraces found is in */
	const struct warnings *w = p->warn;
	size_t nw = w->n + (w->dropped > 0);
	if (nw && !(r->warnings = cor_calloc(nw, sizeof(*r->warnings)))) {
		cor_report_free(pub);
		return &cor_enomem;
	}
	if (w->n)
		memcpy(r->warnings, w->v, w->n * sizeof(*w->v));
	if (w->dropped)
		r->warnings[w->n] = (struct cor_warning){ COR_ERR_LIMIT, NULL, "further warnings omitted" };
	pub->warning_count = nw;
	pub->warnings = r->warnings;
	*out = pub;
	return NULL;
}
