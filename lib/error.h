/* Errors and warnings. An error is a code, a message and, where it is
 * about one, an address; a reader that knows where its bytes are turns a
 * failed read into an error naming the file, the section and the offset.
 * A warning is an error that did not stop the work: it keeps the code and
 * says what it is about (a file, a thread, a module). */
#ifndef COR_ERROR_H
#define COR_ERROR_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include "coroner.h"
#include "reader.h"

#define COR_PRINTF(f, a) __attribute__((format(printf, f, a)))

struct cor_error {
	enum cor_error_code code;
	bool have_address;
	uint64_t address;
	char *message;
};

/* The static out-of-memory error; cor_error_free() ignores it. */
extern struct cor_error cor_enomem;

cor_error *cor_error_new(enum cor_error_code code, const char *fmt, ...) COR_PRINTF(2, 3);
cor_error *cor_error_addr(enum cor_error_code code, uint64_t addr, const char *fmt, ...) COR_PRINTF(3, 4);
/* COR_ERR_FORMAT, "file: offset 0x..: message" */
cor_error *cor_error_format(const char *file, uint64_t offset, const char *fmt, ...) COR_PRINTF(3, 4);
cor_error *cor_error_vformat(const char *file, uint64_t offset, const char *fmt, va_list ap);
/* errno-based: "path: what: strerror" */
cor_error *cor_error_errno(int errnum, const char *path, const char *what);

/* COR_ERR_FORMAT at the reader's position: "file: offset 0x..: section:
 * message", the offset in the file (the reader's base offset plus its
 * position). */
cor_error *reader_error(const struct reader *r, const char *fmt, ...) COR_PRINTF(2, 3);
/* The same at offset off of the reader's buffer. */
cor_error *reader_error_at(const struct reader *r, uint64_t off, const char *fmt, ...) COR_PRINTF(3, 4);

/* Warnings: problems that left a partial result. */
#define COR_MAX_WARNINGS 1000
struct warnings {
	struct cor_warning *v;
	size_t n, cap;
	uint64_t dropped;
};
/* Adds a warning (the same message twice is kept once). subject: what it
 * is about, or NULL; copied. */
void warnings_add(struct warnings *w, enum cor_error_code code, const char *subject,
		  const char *fmt, ...) COR_PRINTF(4, 5);
/* Adds err as a warning, keeping its code, and frees it. */
void warnings_error(struct warnings *w, const char *subject, cor_error *err);
void warnings_free(struct warnings *w);

#endif
