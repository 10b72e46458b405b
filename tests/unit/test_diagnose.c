/* The diagnosis's reading of the faulting instruction on synthetic cores
 * (one thread, the instruction's bytes at its pc, the registers it uses):
 * a general protection fault's address computed from the operand (x86_64
 * gives none), a write near null, a faulting ret, a faulting load that feeds
 * a call (CallAvTainted), and aarch64 loads and stores. Without capstone
 * each is an AccessViolation with the bytes and no text. */
#include <stdlib.h>
#include <string.h>
#include "t.h"
#include "coroner.h"
#include "elf.h"
#include "corewriter.h"

#define CODE 0x400000ull
#define STACK 0x7ffc0000ull
#define NT_SIGINFO_TYPE 0x53494749
#define EM_AARCH64_MACHINE 183

struct reg { int idx; uint64_t v; };

struct machine {
	uint16_t em;
	size_t prsize, preg;    /* NT_PRSTATUS size, offset of pr_reg */
	int pc, sp;             /* word indexes in pr_reg */
};

static const struct machine X64 = { EM_X86_64, 336, 112, 16, 19 };
static const struct machine A64 = { EM_AARCH64_MACHINE, 392, 112, 32, 31 };
enum { X_RAX = 10, X_RBX = 5 };

struct want {
	const char *name;
	const struct machine *m;
	uint8_t code[16];
	size_t ncode;
	struct reg regs[2];
	int si_code;
	uint64_t si_addr;
	const char *cls, *access, *text;
	uint64_t fault;
};

static const struct want cases[] = {
	{ "x86_64 general protection: mov rax, [rbx], rbx non-canonical", &X64,
	  { 0x48, 0x8b, 0x03 }, 3, { { X_RBX, 0x8000000000000000ull } }, 0x80, 0,
	  "SourceAv", "read", "mov rax, qword ptr [rbx]", 0x8000000000000000ull },
	{ "x86_64 mov [rbx+8], rax, rbx 0", &X64,
	  { 0x48, 0x89, 0x43, 0x08 }, 4, { { X_RBX, 0 } }, 1, 8,
	  "DestAvNearNull", "write", "mov qword ptr [rbx + 8], rax", 8 },
	{ "x86_64 ret", &X64, { 0xc3 }, 1, { { 0, 0 } }, 0x80, 0,
	  "ReturnAv", "return", "ret", 0 },
	{ "x86_64 mov rax, [rbx]; call rax", &X64,
	  { 0x48, 0x8b, 0x03, 0xff, 0xd0 }, 5, { { X_RBX, 0x500000 } }, 1, 0x500000,
	  "CallAvTainted", "read", "mov rax, qword ptr [rbx]", 0x500000 },
	{ "aarch64 str x1, [x0, #8], x0 0", &A64,
	  { 0x01, 0x04, 0x00, 0xf9 }, 4, { { 0, 0 } }, 1, 8,
	  "DestAvNearNull", "write", "str x1, [x0, #8]", 8 },
	{ "aarch64 ldr x1, [x0]", &A64,
	  { 0x01, 0x00, 0x40, 0xf9 }, 4, { { 0, 0x500000 } }, 1, 0x500000,
	  "SourceAv", "read", "ldr x1, [x0]", 0x500000 },
};

static uint8_t *one_thread(struct cw *w, const struct want *c, size_t *n)
{
	const struct machine *m = c->m;
	cw_init(w, true, false, ET_CORE, m->em);
	unsigned notes = cw_seg(w, PT_NOTE, 0, 0, 0);
	uint8_t pr[512] = {0};
	cw_store(pr + 12, 2, 11, false);        /* pr_cursig SIGSEGV */
	cw_store(pr + 32, 4, 7, false);         /* pr_pid: tid 7 */
	cw_store(pr + m->preg + 8 * m->pc, 8, CODE, false);
	cw_store(pr + m->preg + 8 * m->sp, 8, STACK + 0x800, false);
	for (size_t i = 0; i < 2; i++)
		if (c->regs[i].idx || c->regs[i].v)
			cw_store(pr + m->preg + 8 * c->regs[i].idx, 8, c->regs[i].v, false);
	cw_note(w, notes, "CORE", NT_PRSTATUS, pr, m->prsize);
	uint8_t si[128] = {0};
	cw_store(si, 4, 11, false);
	cw_store(si + 8, 4, (uint32_t)c->si_code, false);
	cw_store(si + 16, 8, c->si_addr, false);
	cw_note(w, notes, "CORE", NT_SIGINFO_TYPE, si, sizeof(si));
	static uint8_t page[0x1000];
	unsigned t = cw_seg(w, PT_LOAD, 5, CODE, 0x1000);
	cw_seg_data(w, t, c->code, c->ncode);
	unsigned s = cw_seg(w, PT_LOAD, 6, STACK, 0x1000);
	cw_seg_data(w, s, page, sizeof(page));
	return cw_finish(w, n);
}

static void test_case(const struct want *c)
{
	struct cw w;
	size_t n;
	uint8_t *p = one_thread(&w, c, &n);
	struct cor_options o = COR_OPTIONS_INIT;
	o.sysroot = "/nonexistent-sysroot";
	cor_core *core = NULL;
	cor_error *err = cor_core_open_mem(p, n, c->name, &o, &core);
	CHECK(err == NULL);
	cor_error_free(err);
	const struct cor_report *r = NULL;
	if (core && !(err = cor_core_report(core, NULL, &r))) {
		const struct cor_diagnosis *d = r->diagnosis;
		CHECK(d && d->instruction && d->instruction->address == CODE);
		if (d && d->instruction) {
			CHECK(d->instruction->size <= c->ncode + 16);
			CHECK(!memcmp(d->instruction->bytes, c->code,
				      d->instruction->size < c->ncode ? d->instruction->size : c->ncode));
		}
		if (!cor_have_disassembler()) {
			CHECK_STR(d ? d->class_name : NULL, "AccessViolation");
			CHECK(d && d->instruction && !d->instruction->text);
		} else if (d) {
			CHECK_STR(d->class_name, c->cls);
			if (strcmp(d->class_name, c->cls))
				fprintf(stderr, "FAIL %s: %s\n", c->name, d->summary);
			CHECK_STR(d->instruction ? d->instruction->text : NULL, c->text);
			CHECK_STR(d->fault_access, c->access);
			if (strcmp(c->cls, "ReturnAv")) {
				CHECK(d->have_fault && d->fault_address == c->fault);
				CHECK_EQ(d->near_null, c->fault < 0x10000);
			}
			CHECK(d->crash_frame == -1 && d->signature && !strcmp(d->signature, "??"));
		}
		cor_report_free(r);
	}
	cor_error_free(err);
	cor_core_free(core);
	cw_free(&w);
}

int main(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		test_case(&cases[i]);
	return T_DONE();
}
