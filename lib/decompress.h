/* Decompression of SHF_COMPRESSED sections (zlib, zstd) and MiniDebugInfo (xz)
 * into a buffer; and streaming decoders of whole compressed files (zstd, lz4
 * frames, xz, gzip: compressed cores). Built with whatever of zlib, libzstd,
 * liblz4 and liblzma the build found; a format built without gives
 * COR_ERR_UNSUPPORTED saying so. */
#ifndef COR_DECOMPRESS_H
#define COR_DECOMPRESS_H

#include "internal.h"

/* COR_LZ4 (frame format) and COR_GZIP: streams only. */
enum cor_compression { COR_ZLIB = 1, COR_ZSTD = 2, COR_XZ = 3, COR_LZ4 = 4, COR_GZIP = 5 };

/* Decompresses in[0..n). If expected is nonzero the output must be exactly
 * expected bytes (checked against max before allocating); if zero the output
 * may be any size up to max. what names the input in messages. *out is
 * malloc'd, caller frees. Truncated/corrupt input and outputs above max are
 * errors, never crashes. */
cor_error *cor_decompress(enum cor_compression kind, const uint8_t *in, size_t n,
			  uint64_t expected, uint64_t max, const char *what,
			  uint8_t **out, size_t *outn);
/* true if the library was built with support for kind. */
bool cor_have_compression(enum cor_compression kind);
/* "zlib", "zstd", "xz", "lz4", "gzip". */
const char *cor_compression_name(enum cor_compression kind);

/* The compressed file format whose magic starts p[0..n) (zstd, lz4 frame,
 * xz, gzip), or 0. */
enum cor_compression cor_compression_detect(const uint8_t *p, size_t n);

/* A streaming decoder of a whole file: concatenated frames (members,
 * streams) are one output. */
struct cor_zstream;
enum { ZS_MORE, ZS_END, ZS_TRUNC, ZS_CORRUPT, ZS_NOMEM };
/* NULL with *err set (built without kind, out of memory). */
struct cor_zstream *cor_zstream_new(enum cor_compression kind, const char *what,
				    cor_error **err);
/* Decodes from in[0..n) into out[0..room): *used and *produced say how much
 * of each it took. eof: no input after in. ZS_MORE: call again (with more
 * input, or more room); ZS_END: eof and every frame complete; ZS_TRUNC: eof
 * in the middle of a frame; ZS_CORRUPT: bad data (cor_zstream_detail says
 * what the decoder said, or NULL). */
int cor_zstream_step(struct cor_zstream *s, const uint8_t *in, size_t n, size_t *used,
		     uint8_t *out, size_t room, size_t *produced, bool eof);
const char *cor_zstream_detail(const struct cor_zstream *s);
void cor_zstream_free(struct cor_zstream *s);

#endif
