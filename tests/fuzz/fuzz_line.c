/* libFuzzer entry for fuzz_line (body in targets.h). */
#include "targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_line(data, size);
}
