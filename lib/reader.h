/* Bounds-checked cursor over bytes. Every parser uses it. Checks are written
 * as (end - pos < n), never (pos + n > end), so hostile sizes cannot wrap. */
#ifndef COR_READER_H
#define COR_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct reader {
	const uint8_t *base; /* start of the buffer (offsets are relative to it) */
	const uint8_t *pos;
	const uint8_t *end;
	bool be;             /* big endian */
	uint8_t addr_size;   /* 4 or 8 */
	/* Where the bytes are, for errors (reader_error in error.h): the
	 * file, the section (or NULL) and the file offset of base. */
	const char *file, *section;
	uint64_t base_off;
};

static inline void reader_init(struct reader *r, const void *p, size_t n,
			       bool be, uint8_t addr_size)
{
	static const uint8_t none[1];
	r->base = r->pos = p ? p : none; /* absent data: NULL + n is undefined */
	r->end = r->pos + n;
	r->be = be;
	r->addr_size = addr_size;
	r->file = r->section = NULL;
	r->base_off = 0;
}

/* Names the bytes for errors: file, section (may be NULL), file offset of
 * the reader's base. */
static inline void reader_where(struct reader *r, const char *file, const char *section,
				uint64_t base_off)
{
	r->file = file;
	r->section = section;
	r->base_off = base_off;
}

static inline size_t reader_left(const struct reader *r) { return (size_t)(r->end - r->pos); }
static inline size_t reader_off(const struct reader *r) { return (size_t)(r->pos - r->base); }
static inline bool reader_at_end(const struct reader *r) { return r->pos >= r->end; }

static inline bool reader_seek(struct reader *r, uint64_t off)
{
	if (off > (uint64_t)(r->end - r->base))
		return false;
	r->pos = r->base + off;
	return true;
}

static inline bool reader_skip(struct reader *r, uint64_t n)
{
	if ((uint64_t)(r->end - r->pos) < n)
		return false;
	r->pos += n;
	return true;
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define COR_HOST_BE 1
#else
#define COR_HOST_BE 0
#endif

/* An n-byte (1..8) unsigned integer of the given byte order. */
static inline uint64_t cor_load(const uint8_t *p, unsigned n, bool be)
{
	if (n == 8 || n == 4 || n == 2) {
		uint64_t v8;
		uint32_t v4;
		uint16_t v2;
		bool swap = be != COR_HOST_BE;
		switch (n) {
		case 8: memcpy(&v8, p, 8); return swap ? __builtin_bswap64(v8) : v8;
		case 4: memcpy(&v4, p, 4); return swap ? __builtin_bswap32(v4) : v4;
		default: memcpy(&v2, p, 2); return swap ? __builtin_bswap16(v2) : v2;
		}
	}
	uint64_t v = 0;
	if (be)
		for (unsigned i = 0; i < n; i++)
			v = (v << 8) | p[i];
	else
		for (unsigned i = n; i-- > 0;)
			v = (v << 8) | p[i];
	return v;
}

/* Reads an n-byte (1..8) unsigned integer. */
static inline bool reader_uint(struct reader *r, unsigned n, uint64_t *v)
{
	if ((size_t)(r->end - r->pos) < n)
		return false;
	*v = cor_load(r->pos, n, r->be);
	r->pos += n;
	return true;
}

static inline bool reader_u8(struct reader *r, uint8_t *v)
{
	uint64_t x;
	if (!reader_uint(r, 1, &x)) return false;
	*v = (uint8_t)x;
	return true;
}
static inline bool reader_u16(struct reader *r, uint16_t *v)
{
	uint64_t x;
	if (!reader_uint(r, 2, &x)) return false;
	*v = (uint16_t)x;
	return true;
}
static inline bool reader_u32(struct reader *r, uint32_t *v)
{
	uint64_t x;
	if (!reader_uint(r, 4, &x)) return false;
	*v = (uint32_t)x;
	return true;
}
static inline bool reader_u64(struct reader *r, uint64_t *v) { return reader_uint(r, 8, v); }
static inline bool reader_addr(struct reader *r, uint64_t *v) { return reader_uint(r, r->addr_size, v); }

static inline bool reader_sint(struct reader *r, unsigned n, int64_t *v)
{
	uint64_t x;
	if (!reader_uint(r, n, &x)) return false;
	if (n < 8 && (x >> (n * 8 - 1)) & 1)
		x |= ~(uint64_t)0 << (n * 8);
	*v = (int64_t)x;
	return true;
}

/* LEB128; bits past 64 are dropped, but the encoding is consumed. */
static inline bool reader_uleb(struct reader *r, uint64_t *v)
{
	uint64_t x = 0;
	unsigned shift = 0;
	for (;;) {
		if (r->pos >= r->end)
			return false;
		uint8_t b = *r->pos++;
		if (shift < 64)
			x |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
		if (!(b & 0x80))
			break;
	}
	*v = x;
	return true;
}

static inline bool reader_sleb(struct reader *r, int64_t *v)
{
	uint64_t x = 0;
	unsigned shift = 0;
	uint8_t b;
	do {
		if (r->pos >= r->end)
			return false;
		b = *r->pos++;
		if (shift < 64)
			x |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
	} while (b & 0x80);
	if (shift < 64 && (b & 0x40))
		x |= ~(uint64_t)0 << shift;
	*v = (int64_t)x;
	return true;
}

/* Points *s at a NUL-terminated string inside the buffer and skips it. */
static inline bool reader_cstr(struct reader *r, const char **s)
{
	const uint8_t *nul = memchr(r->pos, 0, (size_t)(r->end - r->pos));
	if (!nul)
		return false;
	*s = (const char *)r->pos;
	r->pos = nul + 1;
	return true;
}

static inline bool reader_bytes(struct reader *r, size_t n, const uint8_t **p)
{
	if ((size_t)(r->end - r->pos) < n)
		return false;
	*p = r->pos;
	r->pos += n;
	return true;
}

/* A sub-reader over the next n bytes (and skips them in r). */
static inline bool reader_sub(struct reader *r, uint64_t n, struct reader *sub)
{
	if ((uint64_t)(r->end - r->pos) < n)
		return false;
	*sub = *r;
	sub->base_off = r->base_off + (uint64_t)(r->pos - r->base);
	sub->base = sub->pos = r->pos;
	sub->end = r->pos + n;
	r->pos += n;
	return true;
}

#endif
