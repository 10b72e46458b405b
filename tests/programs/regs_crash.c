/* Loads known values into the x87, SSE, AVX and AVX-512 registers, then
 * faults in the same asm block, so the kernel's core holds exactly them.
 * oracle.txt says which register sets the CPU has and the pattern. */
#include <stdint.h>
#include <stdio.h>

static uint8_t pat[32][64] __attribute__((aligned(64)));
static const long double st_val = -1234.5L;
static uint32_t mxcsr_val = 0x1f80 | 0x8000; /* flush-to-zero set */
static uint16_t kval = 0xa5c3;

int main(void)
{
	for (int r = 0; r < 32; r++)
		for (int b = 0; b < 64; b++)
			pat[r][b] = (uint8_t)(r * 7 + b * 3 + 1);
	__builtin_cpu_init();
	int avx = __builtin_cpu_supports("avx2");
	int avx512 = __builtin_cpu_supports("avx512f");
	FILE *f = fopen("oracle.txt", "w");
	if (!f)
		return 1;
	fprintf(f, "avx %d\navx512 %d\nmxcsr %#x\nk1 %#x\n", avx, avx512, mxcsr_val, kval);
	fclose(f);
	__asm__ volatile("fldt %0" :: "m"(st_val));
	__asm__ volatile("ldmxcsr %0" :: "m"(mxcsr_val));
	if (avx512) {
#define Z(i) "vmovdqu64 " #i "*64(%0), %%zmm" #i "\n\t"
		__asm__ volatile(
			Z(0) Z(1) Z(2) Z(3) Z(4) Z(5) Z(6) Z(7) Z(8) Z(9) Z(10) Z(11)
			Z(12) Z(13) Z(14) Z(15) Z(16) Z(17) Z(18) Z(19) Z(20) Z(21)
			Z(22) Z(23) Z(24) Z(25) Z(26) Z(27) Z(28) Z(29) Z(30) Z(31)
			"kmovw (%1), %%k1\n\t"
			"movl $1, 0\n\t"
			:: "r"(pat), "r"(&kval) : "memory");
	} else if (avx) {
#define Y(i) "vmovdqu " #i "*64(%0), %%ymm" #i "\n\t"
		__asm__ volatile(
			Y(0) Y(1) Y(2) Y(3) Y(4) Y(5) Y(6) Y(7) Y(8) Y(9) Y(10) Y(11)
			Y(12) Y(13) Y(14) Y(15)
			"movl $1, 0\n\t" :: "r"(pat) : "memory");
	} else {
#define X(i) "movdqu " #i "*64(%0), %%xmm" #i "\n\t"
		__asm__ volatile(
			X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)
			X(12) X(13) X(14) X(15)
			"movl $1, 0\n\t" :: "r"(pat) : "memory");
	}
	return 0;
}
