/* libFuzzer entry for fuzz_memory (body in targets.h). */
#include "targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_memory(data, size);
}
