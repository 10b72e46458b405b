/* libFuzzer entry for fuzz_gopclntab (body in targets.h). */
#include "targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_gopclntab(data, size);
}
