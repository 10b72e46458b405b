/* libFuzzer entry for fuzz_cfi (body in targets.h). */
#include "targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_cfi(data, size);
}
