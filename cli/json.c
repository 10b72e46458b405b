#include <inttypes.h>
#include <string.h>
#include "json.h"
#include "cli.h"

void json_init(struct json *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->first[0] = true;
	j->after_key = false;
}

static void sep(struct json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (!j->first[j->depth])
		fputc(',', j->f);
	j->first[j->depth] = false;
}

static void open(struct json *j, char c)
{
	sep(j);
	fputc(c, j->f);
	if (j->depth < 63)
		j->depth++;
	j->first[j->depth] = true;
}

static void close_(struct json *j, char c)
{
	if (j->depth > 0)
		j->depth--;
	fputc(c, j->f);
}

void json_obj(struct json *j) { open(j, '{'); }
void json_obj_end(struct json *j) { close_(j, '}'); }
void json_arr(struct json *j) { open(j, '['); }
void json_arr_end(struct json *j) { close_(j, ']'); }

static void raw_str(FILE *f, const char *s)
{
	const unsigned char *end = (const unsigned char *)s + strlen(s);
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\t': fputs("\\t", f); break;
		case '\r': fputs("\\r", f); break;
		default: {
			/* UTF-8 as it is; a control, or a byte that is no UTF-8,
			 * as the code point of its value */
			size_t u = *p >= 0x80 ? utf8_len(p, (size_t)(end - p)) : 0;
			if (u) {
				fwrite(p, 1, u, f);
				p += u - 1;
			} else if (*p < 0x20 || *p >= 0x7f) {
				fprintf(f, "\\u%04x", *p);
			} else {
				fputc(*p, f);
			}
		}
		}
	}
	fputc('"', f);
}

void json_key(struct json *j, const char *k)
{
	sep(j);
	raw_str(j->f, k);
	fputc(':', j->f);
	j->after_key = true;
}

void json_str(struct json *j, const char *s)
{
	sep(j);
	if (s)
		raw_str(j->f, s);
	else
		fputs("null", j->f);
}

void json_int(struct json *j, int64_t v)
{
	sep(j);
	fprintf(j->f, "%" PRId64, v);
}

void json_uint(struct json *j, uint64_t v)
{
	sep(j);
	fprintf(j->f, "%" PRIu64, v);
}

void json_hex(struct json *j, uint64_t v)
{
	sep(j);
	fprintf(j->f, "\"0x%" PRIx64 "\"", v);
}

void json_bool(struct json *j, bool v)
{
	sep(j);
	fputs(v ? "true" : "false", j->f);
}

void json_null(struct json *j)
{
	sep(j);
	fputs("null", j->f);
}

void json_hex_begin(struct json *j)
{
	sep(j);
	fputc('"', j->f);
}

void json_hex_more(struct json *j, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(j->f, "%02x", p[i]);
}

void json_hex_end(struct json *j)
{
	fputc('"', j->f);
}

void json_end(struct json *j)
{
	fputc('\n', j->f);
}

void json_doc_begin(struct json *j, FILE *f)
{
	json_init(j, f);
	json_obj(j);
	json_key(j, "schema_version");
	json_int(j, COR_JSON_SCHEMA_VERSION);
}
