/* Errors: heap-allocated, with a static sentinel for out-of-memory. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>
#include "internal.h"

struct cor_error cor_enomem = { COR_ERR_NOMEM, false, 0, (char *)"out of memory" };

static cor_error *error_vnew(enum cor_error_code code, bool have_addr,
			     uint64_t addr, const char *fmt, va_list ap)
{
	cor_error *err = malloc(sizeof(*err));
	if (!err)
		return &cor_enomem;
	if (vasprintf(&err->message, fmt, ap) < 0) {
		free(err);
		return &cor_enomem;
	}
	err->code = code;
	err->have_address = have_addr;
	err->address = addr;
	return err;
}

cor_error *cor_error_new(enum cor_error_code code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cor_error *err = error_vnew(code, false, 0, fmt, ap);
	va_end(ap);
	return err;
}

cor_error *cor_error_addr(enum cor_error_code code, uint64_t addr, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cor_error *err = error_vnew(code, true, addr, fmt, ap);
	va_end(ap);
	return err;
}

cor_error *cor_error_vformat(const char *file, uint64_t offset, const char *fmt, va_list ap)
{
	char *msg;
	if (vasprintf(&msg, fmt, ap) < 0)
		return &cor_enomem;
	cor_error *err = cor_error_new(COR_ERR_FORMAT, "%s: offset 0x%" PRIx64 ": %s",
				       file ? file : "(input)", offset, msg);
	free(msg);
	return err;
}

cor_error *cor_error_format(const char *file, uint64_t offset, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cor_error *err = cor_error_vformat(file, offset, fmt, ap);
	va_end(ap);
	return err;
}

static cor_error *reader_verror(const struct reader *r, uint64_t off, const char *fmt,
				va_list ap)
{
	char *msg;
	if (vasprintf(&msg, fmt, ap) < 0)
		return &cor_enomem;
	cor_error *err = cor_error_new(COR_ERR_FORMAT, "%s: offset 0x%" PRIx64 ": %s%s%s",
				       r->file ? r->file : "(input)", r->base_off + off,
				       r->section ? r->section : "", r->section ? ": " : "", msg);
	free(msg);
	return err;
}

cor_error *reader_error(const struct reader *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cor_error *err = reader_verror(r, reader_off(r), fmt, ap);
	va_end(ap);
	return err;
}

cor_error *reader_error_at(const struct reader *r, uint64_t off, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cor_error *err = reader_verror(r, off, fmt, ap);
	va_end(ap);
	return err;
}

cor_error *cor_error_errno(int errnum, const char *path, const char *what)
{
	return cor_error_new(errnum == ENOMEM ? COR_ERR_NOMEM : COR_ERR_IO,
			     "%s: %s%s%s", path ? path : "(input)", what ? what : "",
			     what ? ": " : "", strerror(errnum));
}

enum cor_error_code cor_error_code(const cor_error *err)
{
	return err ? err->code : COR_OK;
}

const char *cor_error_message(const cor_error *err)
{
	return err ? err->message : "success";
}

bool cor_error_address(const cor_error *err, uint64_t *addr)
{
	if (!err || !err->have_address)
		return false;
	if (addr)
		*addr = err->address;
	return true;
}

void cor_error_free(cor_error *err)
{
	if (!err || err == &cor_enomem)
		return;
	free(err->message);
	free(err);
}

/* ---- warnings ---- */

static void warnings_put(struct warnings *w, enum cor_error_code code, const char *subject,
			 char *msg)
{
	/* the same warning twice says nothing new */
	for (size_t i = 0; i < w->n; i++)
		if (!strcmp(w->v[i].message, msg)) {
			free(msg);
			return;
		}
	char *subj = subject ? strdup(subject) : NULL;
	if (w->n >= COR_MAX_WARNINGS || (subject && !subj) || !COR_GROW(w->v, w->cap, w->n + 1)) {
		w->dropped++;
		free(subj);
		free(msg);
		return;
	}
	w->v[w->n++] = (struct cor_warning){ code, subj, msg };
}

void warnings_add(struct warnings *w, enum cor_error_code code, const char *subject,
		  const char *fmt, ...)
{
	if (!w)
		return;
	va_list ap;
	va_start(ap, fmt);
	char *s;
	int r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0) {
		w->dropped++;
		return;
	}
	warnings_put(w, code, subject, s);
}

void warnings_error(struct warnings *w, const char *subject, cor_error *err)
{
	if (w) {
		char *s = strdup(cor_error_message(err));
		if (s)
			warnings_put(w, cor_error_code(err), subject, s);
		else
			w->dropped++;
	}
	cor_error_free(err);
}

void warnings_free(struct warnings *w)
{
	for (size_t i = 0; i < w->n; i++) {
		free((char *)w->v[i].subject);
		free((char *)w->v[i].message);
	}
	free(w->v);
	memset(w, 0, sizeof(*w));
}
