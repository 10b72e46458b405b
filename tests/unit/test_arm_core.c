/* A made-up 32-bit ARM core (ELF32, EM_ARM): NT_PRSTATUS's 18 words (pr_reg
 * at 72), NT_ARM_VFP (d0-d31, fpscr) and NT_ARM_TLS after it, a short VFP
 * note ignored; the architecture and the register values through the
 * public API. (qemu-arm's cores, tests/e2e/test_cross.py, have no VFP or
 * TLS note.) */
#include "t.h"
#include "corewriter.h"
#include "coroner.h"
#include "elf.h"

int main(void)
{
	struct cw w;
	size_t n;
	cw_init(&w, false, false, ET_CORE, EM_ARM);
	unsigned notes = cw_seg(&w, PT_NOTE, 0, 0, 0);
	/* prstatus: pr_cursig at 12, pr_pid at 24, pr_reg at 72, 18 words */
	uint8_t pr[148] = {0};
	cw_store(pr + 12, 2, 11, false);
	cw_store(pr + 24, 4, 4242, false);
	for (unsigned i = 0; i < 18; i++)
		cw_store(pr + 72 + 4 * i, 4, 0x1000 + i, false);
	cw_store(pr + 72 + 15 * 4, 4, 0x8000, false);   /* pc */
	cw_store(pr + 72 + 16 * 4, 4, 0x60000030, false); /* cpsr: Thumb */
	cw_note(&w, notes, "CORE", NT_PRSTATUS, pr, sizeof(pr));
	uint8_t vfp[260];
	for (unsigned i = 0; i < 32; i++)
		cw_store(vfp + 8 * i, 8, 0x100000000ull * i + 7, false);
	cw_store(vfp + 256, 4, 0x03000000, false);
	cw_note(&w, notes, "LINUX", NT_ARM_VFP, vfp, sizeof(vfp));
	uint8_t tls[4];
	cw_store(tls, 4, 0xb6ff1234, false);
	cw_note(&w, notes, "LINUX", NT_ARM_TLS, tls, sizeof(tls));
	/* a second thread whose VFP note is cut short: no d registers */
	cw_store(pr + 24, 4, 4243, false);
	cw_note(&w, notes, "CORE", NT_PRSTATUS, pr, sizeof(pr));
	cw_note(&w, notes, "LINUX", NT_ARM_VFP, vfp, 100);
	uint8_t *p = cw_finish(&w, &n);

	struct cor_options o = { .sysroot = "/nonexistent" };
	cor_core *c = NULL;
	cor_error *err = cor_core_open_mem(p, n, "arm.core", &o, &c);
	CHECK(!err);
	if (err) {
		cor_error_free(err);
		cw_free(&w);
		return T_DONE();
	}
	const struct cor_core_info *info = cor_core_info(c);
	CHECK_EQ(info->arch, COR_ARCH_ARM);
	CHECK_STR(info->arch_name, "arm");
	CHECK_EQ(info->elf_class, 32);
	CHECK_EQ(cor_core_thread_count(c), 2);
	const struct cor_thread *t = cor_core_thread(c, 0);
	CHECK_EQ(t->tid, 4242);
	CHECK_EQ(t->pc, 0x8000);
	CHECK_EQ(t->sp, 0x100d);
	static const char *const names[] = { "r0", "r7", "r11", "r12", "sp", "lr" };
	static const unsigned idx[] = { 0, 7, 11, 12, 13, 14 };
	for (unsigned i = 0; i < 6; i++) {
		const struct cor_register *r = cor_thread_register(t, names[i]);
		CHECK(r && r->value == 0x1000 + idx[i] && r->size == 4);
	}
	const struct cor_register *r = cor_thread_register(t, "cpsr");
	CHECK(r && r->value == 0x60000030);
	r = cor_thread_register(t, "orig_r0");
	CHECK(r && r->value == 0x1011);
	r = cor_thread_register(t, "d0");
	CHECK(r && r->value == 7 && r->size == 8);
	r = cor_thread_register(t, "d31");
	CHECK(r && r->value == 0x100000000ull * 31 + 7);
	r = cor_thread_register(t, "fpscr");
	CHECK(r && r->value == 0x03000000 && r->size == 4);
	r = cor_thread_register(t, "tpidruro");
	CHECK(r && r->value == 0xb6ff1234);
	CHECK(!cor_thread_register(t, "r13"));
	t = cor_core_thread(c, 1);
	CHECK_EQ(t->tid, 4243);
	CHECK(cor_thread_register(t, "pc") && !cor_thread_register(t, "d0"));
	cor_core_free(c);
	cw_free(&w);
	return T_DONE();
}
