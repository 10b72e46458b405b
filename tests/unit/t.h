/* Minimal unit-test helpers: each test binary prints one line per failed
 * check and a closing "N passed, N failed". */
#ifndef COR_T_H
#define COR_T_H
#include <stdio.h>
#include <string.h>
#include <inttypes.h>

static int t_pass, t_fail;

#define CHECK(cond) do { if (cond) t_pass++; else { t_fail++; \
	fprintf(stderr, "%s:%d: FAIL: %s\n", __FILE__, __LINE__, #cond); } } while (0)
#define CHECK_EQ(a, b) do { uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b); \
	if (a_ == b_) t_pass++; else { t_fail++; fprintf(stderr, \
	"%s:%d: FAIL: %s == %s (0x%" PRIx64 " != 0x%" PRIx64 ")\n", \
	__FILE__, __LINE__, #a, #b, a_, b_); } } while (0)
#define CHECK_STR(a, b) do { const char *a_ = (a), *b_ = (b); \
	if (a_ && b_ && !strcmp(a_, b_)) t_pass++; else { t_fail++; fprintf(stderr, \
	"%s:%d: FAIL: %s == %s (\"%s\" != \"%s\")\n", __FILE__, __LINE__, #a, #b, \
	a_ ? a_ : "(null)", b_ ? b_ : "(null)"); } } while (0)
#define T_DONE() (printf("%d passed, %d failed\n", t_pass, t_fail), t_fail != 0)

#endif
