/* Decompression of SHF_COMPRESSED sections (zlib, zstd) and MiniDebugInfo (xz).
 * Built with whatever of zlib, libzstd and liblzma the build found; a format
 * built without gives COR_ERR_UNSUPPORTED saying so. */
#ifndef COR_DECOMPRESS_H
#define COR_DECOMPRESS_H

#include "internal.h"

enum cor_compression { COR_ZLIB = 1, COR_ZSTD = 2, COR_XZ = 3 };

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

#endif
