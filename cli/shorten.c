/* Long C++ and Rust names for a terminal: template argument lists elided
 * to <…>, the innermost first, until the name fits its width. JSON and
 * --full-names keep the whole name. */
#include <string.h>
#include "cli.h"

#define MAX_BRACKETS 512

static const char ELLIPSIS[] = "\xe2\x80\xa6"; /* U+2026 */

/* Columns of a UTF-8 string: its bytes that start a character. */
static size_t columns(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* The template brackets of name: for each '<' its '>' and its depth (1:
 * outermost). The '<' and '>' of operator<, operator<<=, operator->,
 * operator<=> ... and of Rust's "->" are none. false when they do not
 * pair up. */
static bool brackets(const char *name, size_t *close, int *depth, int *maxdepth)
{
	size_t stack[64];
	int top = 0;
	*maxdepth = 0;
	for (size_t i = 0; name[i]; i++) {
		close[i] = 0;
		if (!strncmp(name + i, "operator", 8)) {
			size_t k = i + 8;
			while (name[k] && strchr("<>=-", name[k]))
				close[k++] = 0;
			i = k - 1;
			continue;
		}
		if (name[i] == '<') {
			if (top == 64)
				return false;
			stack[top++] = i;
			depth[i] = top;
			if (top > *maxdepth)
				*maxdepth = top;
		} else if (name[i] == '>' && !(i && name[i - 1] == '-')) { /* Rust's fn() -> T */
			if (!top)
				return false;
			close[stack[--top]] = i;
		}
	}
	return top == 0;
}

/* name with every bracket of depth d or more elided, into buf. */
static bool elide(const char *name, const size_t *close, const int *depth, int d, char *buf,
		  size_t n)
{
	size_t o = 0;
	for (size_t i = 0; name[i]; i++) {
		if (o + sizeof(ELLIPSIS) + 2 >= n)
			return false;
		buf[o++] = name[i];
		/* Rust's leading <T as Trait> says whose method it is: kept */
		if (name[i] == '<' && close[i] && depth[i] >= d && i > 0) {
			memcpy(buf + o, ELLIPSIS, sizeof(ELLIPSIS) - 1);
			o += sizeof(ELLIPSIS) - 1;
			buf[o++] = '>';
			i = close[i];
		}
	}
	buf[o] = 0;
	return true;
}

const char *shorten_name(const char *name, size_t width, char *buf, size_t n)
{
	size_t len = strlen(name);
	size_t close[MAX_BRACKETS * 8];
	int depth[MAX_BRACKETS * 8];
	int maxdepth;
	if (columns(name) <= width || len >= sizeof(close) / sizeof(close[0]) ||
	    !brackets(name, close, depth, &maxdepth) || !maxdepth)
		return name;
	for (int d = maxdepth; d >= 1; d--) {
		if (!elide(name, close, depth, d, buf, n))
			return name;
		if (columns(buf) <= width)
			break;
	}
	return buf;
}
