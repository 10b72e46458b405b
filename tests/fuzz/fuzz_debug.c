/* libFuzzer entry for fuzz_debug (body in targets.h). */
#include "targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_debug(data, size);
}
