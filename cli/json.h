/* Streaming JSON writer: escaping done once, here. */
#ifndef COR_CLI_JSON_H
#define COR_CLI_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct json {
	FILE *f;
	int depth;
	bool first[64];
	bool after_key;
};

void json_init(struct json *j, FILE *f);
void json_obj(struct json *j);
void json_obj_end(struct json *j);
void json_arr(struct json *j);
void json_arr_end(struct json *j);
void json_key(struct json *j, const char *k);
void json_str(struct json *j, const char *s);   /* NULL -> null */
void json_int(struct json *j, int64_t v);
void json_uint(struct json *j, uint64_t v);
void json_hex(struct json *j, uint64_t v);      /* "0x..." */
void json_bool(struct json *j, bool v);
void json_null(struct json *j);
/* "hex bytes" string */
/* A string of hex digits written in pieces: begin, more..., end. */
void json_hex_begin(struct json *j);
void json_hex_more(struct json *j, const uint8_t *p, size_t n);
void json_hex_end(struct json *j);
void json_end(struct json *j);                  /* final newline */

/* The version of the documents doc/coroner.schema.json describes: raised
 * when a key changes meaning or goes away (not when one is added). */
#define COR_JSON_SCHEMA_VERSION 1
/* json_init, then the document's object opened with its "schema_version". */
void json_doc_begin(struct json *j, FILE *f);

#endif
