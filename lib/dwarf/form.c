/* Helpers shared by info.c and line.c: strings and tables of the DWARF
 * sections, and sorted address span tables. */
#include <stdlib.h>
#include <string.h>
#include "dwarf.h"

bool dwarf_sec_str(const struct dwarf_section *s, uint64_t off, const char **out)
{
	if (!s->data || off >= s->size)
		return false;
	const char *p = (const char *)s->data + off;
	if (!memchr(p, 0, s->size - off))
		return false;
	*out = p;
	return true;
}

bool dwarf_sec_index(const struct dwarf_section *s, bool be, uint64_t base,
		     uint64_t idx, unsigned size, uint64_t *out)
{
	struct reader r;
	dwarf_reader(&r, s, be, 8);
	if (idx > UINT64_MAX / size)
		return false;
	return reader_seek(&r, base) && reader_skip(&r, idx * size) &&
	       reader_uint(&r, size, out);
}

bool dwarf_strx(const struct dwarf_sections *secs, uint64_t base, uint64_t idx,
		unsigned offset_size, const char **out)
{
	uint64_t off;
	return dwarf_sec_index(&secs->str_offsets, secs->be, base, idx,
			       offset_size, &off) &&
	       dwarf_sec_str(&secs->str, off, out);
}

static struct dwarf_span *span_at(void *v, size_t size, size_t i)
{
	return (struct dwarf_span *)((char *)v + i * size);
}

void dwarf_spans_sort(void *v, size_t n, size_t size,
		      int (*cmp)(const void *, const void *))
{
	uint64_t maxhi = 0;
	if (n)
		qsort(v, n, size, cmp);
	for (size_t i = 0; i < n; i++) {
		struct dwarf_span *s = span_at(v, size, i);
		if (s->hi > maxhi)
			maxhi = s->hi;
		s->maxhi = maxhi;
	}
}

size_t dwarf_spans_upper(const void *v, size_t n, size_t size, uint64_t pc)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct dwarf_span *s =
			(const void *)((const char *)v + mid * size);
		if (s->lo <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}
