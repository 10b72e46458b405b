/* DWARF expression evaluator (DWARF 5 section 2.5): the stack machine,
 * bounded in steps and stack slots. Each slot has a type: the generic one
 * (address-sized) or a base type of at most 8 bytes that a typed operation
 * named (DW_OP_const_type, regval_type, deref_type, convert, reinterpret
 * and their GNU forms); arithmetic on typed values follows their type
 * (floats as C floats and doubles, integers wrapped at their size). */
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "expr.h"

#define STACK_MAX 256

enum {
	OP_addr = 0x03, OP_deref = 0x06,
	OP_const1u = 0x08, OP_const1s, OP_const2u, OP_const2s, OP_const4u,
	OP_const4s, OP_const8u, OP_const8s, OP_constu, OP_consts,
	OP_dup = 0x12, OP_drop, OP_over, OP_pick, OP_swap, OP_rot, OP_xderef,
	OP_abs = 0x19, OP_and, OP_div, OP_minus, OP_mod, OP_mul, OP_neg, OP_not,
	OP_or, OP_plus, OP_plus_uconst, OP_shl, OP_shr, OP_shra, OP_xor,
	OP_bra = 0x28, OP_eq, OP_ge, OP_gt, OP_le, OP_lt, OP_ne, OP_skip,
	OP_lit0 = 0x30, OP_lit31 = 0x4f,
	OP_reg0 = 0x50, OP_reg31 = 0x6f,
	OP_breg0 = 0x70, OP_breg31 = 0x8f,
	OP_regx = 0x90, OP_fbreg, OP_bregx, OP_piece, OP_deref_size,
	OP_xderef_size, OP_nop, OP_push_object_address, OP_call2, OP_call4,
	OP_call_ref, OP_form_tls_address, OP_call_frame_cfa, OP_bit_piece,
	OP_implicit_value, OP_stack_value, OP_implicit_pointer, OP_addrx,
	OP_constx, OP_entry_value, OP_const_type, OP_regval_type,
	OP_deref_type, OP_xderef_type, OP_convert, OP_reinterpret,
	OP_GNU_push_tls_address = 0xe0, OP_GNU_entry_value = 0xf3,
	OP_GNU_const_type = 0xf4, OP_GNU_regval_type, OP_GNU_deref_type,
	OP_GNU_convert, OP_GNU_reinterpret = 0xf9,
};

enum { ATE_boolean = 0x02, ATE_float = 0x04, ATE_signed = 0x05, ATE_signed_char = 0x06 };

/* A slot's type: size 0 is the generic type. */
struct slot_type {
	uint8_t size, enc;
};

enum result_kind { RES_ADDR, RES_VALUE, RES_FIXED, RES_REG, RES_IMPLICIT, RES_POINTER };

struct eval {
	const struct expr_ctx *ctx;
	struct reader r;
	uint64_t mask;
	size_t op_off;
	uint8_t op;
	enum result_kind kind;
	uint64_t fixed;          /* value for DW_OP_regN / implicit_value */
	bool done;
	/* locations: the pieces so far; a piece's last operation (register,
	 * implicit value, stack value) waiting for DW_OP_piece or the end */
	struct dwarf_location *loc;
	bool pending;
	uint64_t regno;
	const uint8_t *imp;
	size_t nimp;
	uint64_t ptr_die;
	int64_t ptr_off;
	size_t n;
	uint64_t st[STACK_MAX];
	struct slot_type ty[STACK_MAX];
};

static cor_error *fail(struct eval *e, enum cor_error_code code, const char *what)
{
	return cor_error_new(code, "DWARF expression: byte %zu (op 0x%02x): %s",
			     e->op_off, e->op, what);
}

static cor_error *truncated(struct eval *e)
{
	return fail(e, COR_ERR_FORMAT, "operand past the end of the expression");
}

static int64_t sext(const struct eval *e, uint64_t v)
{
	unsigned bits = e->ctx->addr_size * 8;
	if (bits < 64 && (v >> (bits - 1)) & 1)
		v |= ~(uint64_t)0 << bits;
	return (int64_t)v;
}

static cor_error *push(struct eval *e, uint64_t v)
{
	if (e->n >= STACK_MAX)
		return fail(e, COR_ERR_LIMIT, "stack overflow (256 slots)");
	e->ty[e->n] = (struct slot_type){ 0, 0 };
	e->st[e->n++] = v & e->mask;
	return NULL;
}

static uint64_t size_mask(unsigned size)
{
	return size >= 8 ? ~(uint64_t)0 : ((uint64_t)1 << (size * 8)) - 1;
}

/* v pushed with type t (the generic type if t.size is 0). */
static cor_error *push_typed(struct eval *e, uint64_t v, struct slot_type t)
{
	cor_error *err = push(e, v);
	if (!err && t.size) {
		e->ty[e->n - 1] = t;
		e->st[e->n - 1] = v & size_mask(t.size);
	}
	return err;
}

static cor_error *need(struct eval *e, size_t k)
{
	return e->n < k ? fail(e, COR_ERR_FORMAT, "stack underflow") : NULL;
}

static cor_error *read_reg(struct eval *e, uint64_t regno, uint64_t *v)
{
	const struct expr_ctx *c = e->ctx;
	if (!c->read_reg || regno > UINT32_MAX || !c->read_reg(c->arg, (unsigned)regno, v))
		return cor_error_new(COR_ERR_NOT_FOUND,
				     "DWARF expression: byte %zu: register %" PRIu64 " unknown",
				     e->op_off, regno);
	return NULL;
}

static cor_error *deref(struct eval *e, unsigned size)
{
	const struct expr_ctx *c = e->ctx;
	uint8_t buf[8];
	cor_error *err = need(e, 1);
	if (err)
		return err;
	if (size == 0 || size > c->addr_size)
		return fail(e, COR_ERR_FORMAT, "bad dereference size");
	if (!c->read_mem)
		return fail(e, COR_ERR_UNSUPPORTED, "no target memory");
	err = c->read_mem(c->arg, e->st[e->n - 1], buf, size);
	if (err)
		return err;
	e->st[e->n - 1] = cor_load(buf, size, c->be) & e->mask;
	e->ty[e->n - 1] = (struct slot_type){ 0, 0 };
	return NULL;
}

static cor_error *jump(struct eval *e, bool taken)
{
	int64_t d;
	if (!reader_sint(&e->r, 2, &d))
		return truncated(e);
	if (!taken)
		return NULL;
	int64_t to = (int64_t)reader_off(&e->r) + d;
	if (to < 0 || !reader_seek(&e->r, (uint64_t)to))
		return fail(e, COR_ERR_FORMAT, "branch target outside the expression");
	return NULL;
}

static bool compare(struct eval *e, uint8_t op, uint64_t ua, uint64_t ub)
{
	int64_t a = sext(e, ua), b = sext(e, ub);
	switch (op) {
	case OP_eq: return a == b;
	case OP_ge: return a >= b;
	case OP_gt: return a > b;
	case OP_le: return a <= b;
	case OP_lt: return a < b;
	default: return a != b;
	}
}

static uint64_t shift_right_arith(int64_t a, uint64_t n)
{
	if (n >= 64)
		return a < 0 ? ~(uint64_t)0 : 0;
	if (a < 0)
		return ~(~(uint64_t)a >> n);
	return (uint64_t)a >> n;
}

static bool is_float(struct slot_type t)
{
	return t.size && t.enc == ATE_float;
}

static bool is_signed(struct slot_type t)
{
	return t.enc == ATE_signed || t.enc == ATE_signed_char;
}

/* A float or double slot's value; false for other sizes (long double). */
static bool get_float(uint64_t bits, struct slot_type t, double *d)
{
	if (t.size == 4) {
		uint32_t b = (uint32_t)bits;
		float f;
		memcpy(&f, &b, 4);
		*d = f;
	} else if (t.size == 8) {
		memcpy(d, &bits, 8);
	} else {
		return false;
	}
	return true;
}

static uint64_t put_float(double d, struct slot_type t)
{
	uint64_t bits = 0;
	if (t.size == 4) {
		float f = (float)d;
		uint32_t b;
		memcpy(&b, &f, 4);
		bits = b;
	} else {
		memcpy(&bits, &d, 8);
	}
	return bits;
}

/* An integral slot's value, sign-extended from its size if it is signed. */
static int64_t get_signed(const struct eval *e, uint64_t v, struct slot_type t)
{
	if (!t.size)
		return sext(e, v);
	if (t.size < 8 && (v >> (t.size * 8 - 1)) & 1)
		v |= ~size_mask(t.size);
	return (int64_t)v;
}

/* The operations whose bits do not depend on the sign: false for others. */
static bool modular(uint8_t op, uint64_t a, uint64_t b, uint64_t *v)
{
	switch (op) {
	case OP_and: *v = a & b; return true;
	case OP_or: *v = a | b; return true;
	case OP_xor: *v = a ^ b; return true;
	case OP_plus: *v = a + b; return true;
	case OP_minus: *v = a - b; return true;
	case OP_mul: *v = a * b; return true;
	case OP_shl: *v = b >= 64 ? 0 : a << b; return true;
	case OP_shr: *v = b >= 64 ? 0 : a >> b; return true;
	default: return false;
	}
}

/* A comparison's result (generic 1 or 0) from the order of its operands
 * (-1, 0, 1). */
static cor_error *push_compare(struct eval *e, uint8_t op, int order)
{
	switch (op) {
	case OP_eq: return push(e, order == 0);
	case OP_ge: return push(e, order >= 0);
	case OP_gt: return push(e, order > 0);
	case OP_le: return push(e, order <= 0);
	case OP_lt: return push(e, order < 0);
	default: return push(e, order != 0);
	}
}

/* A binary operation on two values of one base type (DWARF 5, 2.5.1.4). */
static cor_error *binop_typed(struct eval *e, uint8_t op, uint64_t a, uint64_t b,
			      struct slot_type t)
{
	bool cmp = op >= OP_eq && op <= OP_ne;
	uint64_t v;
	if (is_float(t)) {
		double x, y, r;
		if (!get_float(a, t, &x) || !get_float(b, t, &y))
			return fail(e, COR_ERR_UNSUPPORTED, "floating-point type of this size");
		if (cmp && (x != x || y != y))
			return push(e, op == OP_ne);   /* a NaN: unordered */
		if (cmp)
			return push_compare(e, op, (x > y) - (x < y));
		switch (op) {
		case OP_plus: r = x + y; break;
		case OP_minus: r = x - y; break;
		case OP_mul: r = x * y; break;
		case OP_div: r = x / y; break;
		default:
			return fail(e, COR_ERR_FORMAT, "integer operation on a floating-point value");
		}
		return push_typed(e, put_float(r, t), t);
	}
	if (cmp && is_signed(t)) {
		int64_t x = get_signed(e, a, t), y = get_signed(e, b, t);
		return push_compare(e, op, (x > y) - (x < y));
	}
	if (cmp)
		return push_compare(e, op, (a > b) - (a < b));
	switch (op) {
	case OP_div:
	case OP_mod:
		if (b == 0)
			return fail(e, COR_ERR_FORMAT, "division by zero");
		if (is_signed(t)) {
			int64_t x = get_signed(e, a, t), y = get_signed(e, b, t);
			if (y == -1)
				v = op == OP_div ? -(uint64_t)x : 0;
			else
				v = (uint64_t)(op == OP_div ? x / y : x % y);
		} else {
			v = op == OP_div ? a / b : a % b;
		}
		break;
	case OP_shra:
		v = shift_right_arith(get_signed(e, a, t), b);
		break;
	default:
		modular(op, a, b, &v);
	}
	return push_typed(e, v, t);
}

/* Pops b (top) and a, pushes a op b. */
static cor_error *binop(struct eval *e, uint8_t op)
{
	cor_error *err = need(e, 2);
	if (err)
		return err;
	struct slot_type tb = e->ty[e->n - 1], ta = e->ty[e->n - 2];
	uint64_t b = e->st[--e->n], a = e->st[--e->n], v;
	if (ta.size || tb.size) {
		/* a shift's count may be of any integral type */
		bool shift = op == OP_shl || op == OP_shr || op == OP_shra;
		if (!shift && (ta.size != tb.size || ta.enc != tb.enc))
			return fail(e, COR_ERR_FORMAT, "operands of different types");
		if (shift && is_float(tb))
			return fail(e, COR_ERR_FORMAT, "shift by a floating-point value");
		return binop_typed(e, op, a, b, ta);
	}
	if (modular(op, a, b, &v))
		return push(e, v);
	switch (op) {
	case OP_shra: v = shift_right_arith(sext(e, a), b); break;
	case OP_div:
		if (sext(e, b) == 0)
			return fail(e, COR_ERR_FORMAT, "division by zero");
		if (sext(e, a) == INT64_MIN && sext(e, b) == -1)
			v = a;
		else
			v = (uint64_t)(sext(e, a) / sext(e, b));
		break;
	case OP_mod:
		if (b == 0)
			return fail(e, COR_ERR_FORMAT, "modulo by zero");
		v = a % b;
		break;
	default:
		v = compare(e, op, a, b);
		break;
	}
	return push(e, v);
}

static cor_error *unop(struct eval *e, uint8_t op)
{
	cor_error *err = need(e, 1);
	if (err)
		return err;
	uint64_t *t = &e->st[e->n - 1];
	struct slot_type ty = e->ty[e->n - 1];
	if (ty.size) {
		double d;
		if (is_float(ty)) {
			if (op == OP_not || !get_float(*t, ty, &d))
				return fail(e, COR_ERR_FORMAT, "operation on a floating-point value");
			*t = put_float(op == OP_neg || d < 0 ? -d : d, ty);
			return NULL;
		}
		if (op == OP_abs && get_signed(e, *t, ty) < 0)
			*t = -*t;
		else if (op == OP_neg)
			*t = -*t;
		else if (op == OP_not)
			*t = ~*t;
		*t &= size_mask(ty.size);
		return NULL;
	}
	if (op == OP_abs && sext(e, *t) < 0)
		*t = -*t;
	else if (op == OP_neg)
		*t = -*t;
	else if (op == OP_not)
		*t = ~*t;
	*t &= e->mask;
	return NULL;
}

/* Pushes a copy of slot i (its type too). */
static cor_error *copy_slot(struct eval *e, size_t i)
{
	struct slot_type t = e->ty[i];
	cor_error *err = push(e, e->st[i]);
	if (!err)
		e->ty[e->n - 1] = t;
	return err;
}

static void swap_slots(struct eval *e, size_t i, size_t j)
{
	uint64_t v = e->st[i];
	struct slot_type t = e->ty[i];
	e->st[i] = e->st[j], e->ty[i] = e->ty[j];
	e->st[j] = v, e->ty[j] = t;
}

static cor_error *stack_op(struct eval *e, uint8_t op)
{
	size_t n = e->n;
	cor_error *err;
	uint8_t idx;
	switch (op) {
	case OP_dup:
		return (err = need(e, 1)) ? err : copy_slot(e, n - 1);
	case OP_drop:
		if ((err = need(e, 1)))
			return err;
		e->n--;
		return NULL;
	case OP_over:
		return (err = need(e, 2)) ? err : copy_slot(e, n - 2);
	case OP_pick:
		if (!reader_u8(&e->r, &idx))
			return truncated(e);
		return (err = need(e, (size_t)idx + 1)) ? err : copy_slot(e, n - 1 - idx);
	case OP_swap:
		if ((err = need(e, 2)))
			return err;
		swap_slots(e, n - 1, n - 2);
		return NULL;
	default: /* rot: the top goes below the next two */
		if ((err = need(e, 3)))
			return err;
		swap_slots(e, n - 1, n - 2);
		swap_slots(e, n - 2, n - 3);
		return NULL;
	}
}

static cor_error *constant(struct eval *e, uint8_t op)
{
	static const uint8_t size[] = { 1, 1, 2, 2, 4, 4, 8, 8 };
	uint64_t u;
	int64_t s;
	bool ok;
	if (op == OP_constu)
		ok = reader_uleb(&e->r, &u);
	else if (op == OP_consts)
		ok = reader_sleb(&e->r, &s), u = (uint64_t)s;
	else if ((op - OP_const1u) & 1)
		ok = reader_sint(&e->r, size[op - OP_const1u], &s), u = (uint64_t)s;
	else
		ok = reader_uint(&e->r, size[op - OP_const1u], &u);
	return ok ? push(e, u) : truncated(e);
}

static cor_error *breg(struct eval *e, uint64_t regno)
{
	int64_t off;
	uint64_t v;
	if (!reader_sleb(&e->r, &off))
		return truncated(e);
	cor_error *err = read_reg(e, regno, &v);
	return err ? err : push(e, v + (uint64_t)off);
}

/* DW_OP_regN / regx / implicit_value: the whole location, nothing may follow. */
static cor_error *fixed(struct eval *e, uint64_t v)
{
	if (e->loc) {
		e->kind = RES_FIXED;
		e->fixed = v;
		e->pending = true;
		return NULL;
	}
	if (!reader_at_end(&e->r))
		return fail(e, COR_ERR_UNSUPPORTED, "operations after a register or implicit value");
	e->kind = RES_FIXED;
	e->fixed = v & e->mask;
	e->done = true;
	return NULL;
}

static cor_error *implicit_value(struct eval *e)
{
	uint64_t len;
	const uint8_t *p;
	if (!reader_uleb(&e->r, &len) || len > reader_left(&e->r))
		return truncated(e);
	reader_bytes(&e->r, (size_t)len, &p);
	if (e->loc) {
		e->kind = RES_IMPLICIT;
		e->imp = p;
		e->nimp = (size_t)len;
		e->pending = true;
		return NULL;
	}
	if (len == 0 || len > 8)
		return fail(e, COR_ERR_UNSUPPORTED, "implicit value size");
	return fixed(e, cor_load(p, (unsigned)len, e->ctx->be));
}

static cor_error *reg_op(struct eval *e, uint8_t op)
{
	uint64_t regno, v;
	cor_error *err;
	if (op >= OP_breg0 && op <= OP_breg31)
		return breg(e, op - OP_breg0);
	if (op == OP_bregx)
		return reader_uleb(&e->r, &regno) ? breg(e, regno) : truncated(e);
	if (op == OP_regx) {
		if (!reader_uleb(&e->r, &regno))
			return truncated(e);
	} else {
		regno = op - OP_reg0;
	}
	if (e->loc) {
		/* a location in a register: read by whoever reads the value */
		e->kind = RES_REG;
		e->regno = regno;
		e->pending = true;
		return NULL;
	}
	if ((err = read_reg(e, regno, &v)))
		return err;
	return fixed(e, v);
}

/* The operations of locations (DWARF 5, 2.5.1.3 and 2.6). */

static cor_error *fbreg(struct eval *e)
{
	int64_t off;
	uint64_t fb;
	cor_error *err;
	if (!reader_sleb(&e->r, &off))
		return truncated(e);
	if (!e->ctx->frame_base)
		return fail(e, COR_ERR_UNSUPPORTED, "no frame base for DW_OP_fbreg");
	if ((err = e->ctx->frame_base(e->ctx->arg, &fb)))
		return err;
	return push(e, fb + (uint64_t)off);
}

static cor_error *type_operand(struct eval *e, bool generic_ok, struct slot_type *t);
static cor_error *eval_init(struct eval *e, const struct expr_ctx *ctx,
			    const uint8_t *expr, size_t len);

static cor_error *entry_value(struct eval *e)
{
	uint64_t len, v;
	const uint8_t *p;
	cor_error *err;
	if (!reader_uleb(&e->r, &len) || len > reader_left(&e->r))
		return truncated(e);
	reader_bytes(&e->r, (size_t)len, &p);
	if (!e->ctx->entry_value)
		return fail(e, COR_ERR_UNSUPPORTED, "entry value unknown here");
	if ((err = e->ctx->entry_value(e->ctx->arg, p, (size_t)len, &v)))
		return err;
	if (len && (p[0] == OP_regval_type || p[0] == OP_GNU_regval_type)) {
		/* a typed register's entry value has its type */
		struct eval sub;
		struct slot_type t;
		uint64_t regno;
		eval_init(&sub, e->ctx, p + 1, (size_t)len - 1);
		if (!reader_uleb(&sub.r, &regno) || (err = type_operand(&sub, false, &t)))
			return err ? err : truncated(e);
		return push_typed(e, v, t);
	}
	return push(e, v);
}

static cor_error *implicit_pointer(struct eval *e)
{
	unsigned osz = e->ctx->offset_size ? e->ctx->offset_size : 4;
	uint64_t die;
	int64_t off;
	if (!reader_uint(&e->r, osz, &die) || !reader_sleb(&e->r, &off))
		return truncated(e);
	if (!e->loc)
		return fail(e, COR_ERR_UNSUPPORTED, "implicit pointer");
	e->kind = RES_POINTER;
	e->ptr_die = die;
	e->ptr_off = off;
	e->pending = true;
	return NULL;
}

/* The typed operations (DWARF 5, 2.5.1; GNU forms 0xf4-0xf9). */

/* The type a ULEB128 unit offset names; 0 is the generic type where
 * generic_ok. */
static cor_error *type_operand(struct eval *e, bool generic_ok, struct slot_type *t)
{
	uint64_t off, size;
	uint8_t enc;
	if (!reader_uleb(&e->r, &off))
		return truncated(e);
	*t = (struct slot_type){ 0, 0 };
	if (!off && generic_ok)
		return NULL;
	if (!e->ctx->base_type)
		return fail(e, COR_ERR_UNSUPPORTED, "typed operation without debug info");
	if (!e->ctx->base_type(e->ctx->arg, off, &size, &enc))
		return fail(e, COR_ERR_FORMAT, "type operand is no base type");
	if (!size || size > 8)
		return fail(e, COR_ERR_UNSUPPORTED, "base type over 8 bytes");
	*t = (struct slot_type){ (uint8_t)size, enc };
	return NULL;
}

static unsigned type_bytes(const struct eval *e, struct slot_type t)
{
	return t.size ? t.size : e->ctx->addr_size;
}

static cor_error *const_type(struct eval *e)
{
	struct slot_type t;
	uint8_t n;
	const uint8_t *p;
	cor_error *err = type_operand(e, false, &t);
	if (err)
		return err;
	if (!reader_u8(&e->r, &n) || !reader_bytes(&e->r, n, &p))
		return truncated(e);
	if (n != t.size)
		return fail(e, COR_ERR_FORMAT, "constant's size is not its type's");
	return push_typed(e, cor_load(p, n, e->ctx->be), t);
}

static cor_error *regval_type(struct eval *e)
{
	const struct expr_ctx *c = e->ctx;
	struct slot_type t;
	uint64_t regno, v;
	uint8_t buf[8];
	cor_error *err;
	if (!reader_uleb(&e->r, &regno))
		return truncated(e);
	if ((err = type_operand(e, false, &t)))
		return err;
	if (c->read_reg && regno <= UINT32_MAX && c->read_reg(c->arg, (unsigned)regno, &v))
		return push_typed(e, v, t);
	if (!c->read_reg_bytes || regno > UINT32_MAX ||
	    !c->read_reg_bytes(c->arg, (unsigned)regno, buf, t.size))
		return read_reg(e, regno, &v);   /* the error naming it */
	return push_typed(e, cor_load(buf, t.size, false), t);
}

static cor_error *deref_type(struct eval *e)
{
	const struct expr_ctx *c = e->ctx;
	struct slot_type t;
	uint8_t size, buf[8];
	cor_error *err;
	if (!reader_u8(&e->r, &size))
		return truncated(e);
	if ((err = type_operand(e, false, &t)) || (err = need(e, 1)))
		return err;
	if (size != t.size)
		return fail(e, COR_ERR_FORMAT, "dereference size is not its type's");
	if (!c->read_mem)
		return fail(e, COR_ERR_UNSUPPORTED, "no target memory");
	if ((err = c->read_mem(c->arg, e->st[e->n - 1], buf, size)))
		return err;
	e->n--;
	return push_typed(e, cor_load(buf, size, c->be), t);
}

/* DW_OP_convert: the top's value as type t; DW_OP_reinterpret: its bits. */
static cor_error *convert(struct eval *e, bool reinterpret)
{
	struct slot_type to, from;
	cor_error *err = type_operand(e, true, &to);
	if (err || (err = need(e, 1)))
		return err;
	from = e->ty[e->n - 1];
	uint64_t v = e->st[e->n - 1];
	double d;
	if (reinterpret) {
		if (type_bytes(e, from) != type_bytes(e, to))
			return fail(e, COR_ERR_FORMAT, "reinterpretation to another size");
	} else if (is_float(from) && is_float(to)) {
		if (!get_float(v, from, &d) || (to.size != 4 && to.size != 8))
			return fail(e, COR_ERR_UNSUPPORTED, "floating-point type of this size");
		v = put_float(d, to);
	} else if (is_float(from)) {
		if (!get_float(v, from, &d))
			return fail(e, COR_ERR_UNSUPPORTED, "floating-point type of this size");
		/* out of the target's range: undefined in C, refused here */
		if (!(d > -9223372036854775808.0 && d < 18446744073709551616.0))
			return fail(e, COR_ERR_FORMAT, "floating-point value out of range");
		v = is_signed(to) || d < 0 ? (uint64_t)(int64_t)d : (uint64_t)d;
	} else if (is_float(to)) {
		if (to.size != 4 && to.size != 8)
			return fail(e, COR_ERR_UNSUPPORTED, "floating-point type of this size");
		d = is_signed(from) ? (double)get_signed(e, v, from) : (double)v;
		v = put_float(d, to);
	} else if (is_signed(from) || (!from.size && is_signed(to))) {
		/* integers: extended by the sign of the type converted from */
		v = (uint64_t)get_signed(e, v, from);
	}
	e->n--;
	return to.size ? push_typed(e, v, to) : push(e, v);
}

/* p from the state of the evaluation: what the piece's operations left. */
static void piece_set(const struct eval *e, struct dwarf_piece *p, uint64_t bits, uint64_t boff)
{
	memset(p, 0, sizeof(*p));
	p->bits = bits;
	p->bit_offset = boff;
	switch (e->kind) {
	case RES_REG: p->kind = DWP_REGISTER; p->v = e->regno; break;
	case RES_FIXED: p->kind = DWP_VALUE; p->v = e->fixed; break;
	case RES_VALUE: p->kind = DWP_VALUE; p->v = e->st[e->n - 1]; break;
	case RES_IMPLICIT: p->kind = DWP_IMPLICIT; p->bytes = e->imp; p->nbytes = e->nimp; break;
	case RES_POINTER: p->kind = DWP_POINTER; p->die = e->ptr_die; p->offset = e->ptr_off; break;
	default:
		p->kind = e->n ? DWP_MEMORY : DWP_NONE;
		p->v = e->n ? e->st[e->n - 1] : 0;
	}
}

/* Ends the piece being described; an empty one is optimized out. */
static cor_error *piece(struct eval *e, uint8_t op)
{
	uint64_t size, boff = 0;
	if (!reader_uleb(&e->r, &size) || (op == OP_bit_piece && !reader_uleb(&e->r, &boff)))
		return truncated(e);
	if (op == OP_piece) {
		if (size > UINT64_MAX / 8)
			return fail(e, COR_ERR_FORMAT, "piece size");
		size *= 8;
	}
	if (size == 0)
		return fail(e, COR_ERR_FORMAT, "empty piece");
	struct dwarf_location *l = e->loc;
	if (l->n == DWARF_MAX_PIECES)
		return fail(e, COR_ERR_LIMIT, "more than 64 pieces");
	piece_set(e, &l->p[l->n++], size, boff);
	e->kind = RES_ADDR;
	e->pending = false;
	e->n = 0;
	return NULL;
}

static cor_error *step(struct eval *e, uint8_t op)
{
	uint64_t u;
	uint8_t size;
	cor_error *err;
	if (op >= OP_lit0 && op <= OP_lit31)
		return push(e, op - OP_lit0);
	if (op >= OP_reg0 && op <= OP_breg31)
		return reg_op(e, op);
	if (op >= OP_const1u && op <= OP_consts)
		return constant(e, op);
	if (op >= OP_dup && op <= OP_rot)
		return stack_op(e, op);
	if ((op >= OP_and && op <= OP_mul) || (op >= OP_or && op <= OP_plus) ||
	    (op >= OP_shl && op <= OP_xor) || (op >= OP_eq && op <= OP_ne))
		return binop(e, op);
	switch (op) {
	case OP_abs: case OP_neg: case OP_not:
		return unop(e, op);
	case OP_addr:
		return reader_addr(&e->r, &u) ? push(e, u + e->ctx->addr_bias) : truncated(e);
	case OP_deref:
		return deref(e, e->ctx->addr_size);
	case OP_deref_size:
		if (!reader_u8(&e->r, &size))
			return truncated(e);
		return deref(e, size);
	case OP_plus_uconst:
		if (!reader_uleb(&e->r, &u))
			return truncated(e);
		if ((err = need(e, 1)))
			return err;
		e->st[e->n - 1] = (e->st[e->n - 1] + u) & e->mask;
		return NULL;
	case OP_bra:
		if ((err = need(e, 1)))
			return err;
		u = e->st[--e->n];
		return jump(e, u != 0);
	case OP_skip:
		return jump(e, true);
	case OP_regx: case OP_bregx:
		return reg_op(e, op);
	case OP_nop:
		return NULL;
	case OP_call_frame_cfa:
		if (!e->ctx->have_cfa)
			return fail(e, COR_ERR_UNSUPPORTED, "no CFA for DW_OP_call_frame_cfa");
		return push(e, e->ctx->cfa);
	case OP_stack_value:
		if ((err = need(e, 1)))
			return err;
		e->kind = RES_VALUE;
		if (e->loc)
			e->pending = true;
		else
			e->done = true;
		return NULL;
	case OP_implicit_value:
		return implicit_value(e);
	case OP_xderef: case OP_xderef_size: case OP_xderef_type:
		return fail(e, COR_ERR_UNSUPPORTED, "address spaces (xderef)");
	case OP_form_tls_address: case OP_GNU_push_tls_address:
		if (!e->ctx->tls_address)
			return fail(e, COR_ERR_UNSUPPORTED, "thread-local storage address");
		if ((err = need(e, 1)) || (err = e->ctx->tls_address(e->ctx->arg, e->st[e->n - 1], &u)))
			return err;
		e->st[e->n - 1] = u & e->mask;
		e->ty[e->n - 1] = (struct slot_type){ 0, 0 };
		return NULL;
	case OP_piece: case OP_bit_piece:
		if (!e->loc)
			return fail(e, COR_ERR_UNSUPPORTED, "pieces");
		return piece(e, op);
	case OP_entry_value: case OP_GNU_entry_value:
		return entry_value(e);
	case OP_fbreg:
		return fbreg(e);
	case OP_addrx: case OP_constx:
		if (!reader_uleb(&e->r, &u))
			return truncated(e);
		if (!e->ctx->addr_index || !e->ctx->addr_index(e->ctx->arg, u, &u))
			return fail(e, COR_ERR_FORMAT, "no such .debug_addr entry");
		return push(e, op == OP_addrx ? u + e->ctx->addr_bias : u);
	case OP_implicit_pointer:
		return implicit_pointer(e);
	case OP_const_type: case OP_GNU_const_type:
		return const_type(e);
	case OP_regval_type: case OP_GNU_regval_type:
		return regval_type(e);
	case OP_deref_type: case OP_GNU_deref_type:
		return deref_type(e);
	case OP_convert: case OP_GNU_convert:
		return convert(e, false);
	case OP_reinterpret: case OP_GNU_reinterpret:
		return convert(e, true);
	case OP_push_object_address: case OP_call2: case OP_call4: case OP_call_ref:
		return fail(e, COR_ERR_UNSUPPORTED, "operation needs debug info context");
	default:
		return fail(e, COR_ERR_FORMAT, "unknown operation");
	}
}

static cor_error *run(struct eval *e)
{
	uint32_t max = e->ctx->limits && e->ctx->limits->max_expr_steps ?
		e->ctx->limits->max_expr_steps : 4096;
	uint32_t steps = 0;
	cor_error *err;
	while (!e->done && !reader_at_end(&e->r)) {
		e->op_off = reader_off(&e->r);
		reader_u8(&e->r, &e->op);
		if (steps++ >= max)
			return fail(e, COR_ERR_LIMIT, "step limit reached");
		if (e->pending && e->op != OP_piece && e->op != OP_bit_piece)
			return fail(e, COR_ERR_UNSUPPORTED, "operations after a register or implicit value");
		if ((err = step(e, e->op)))
			return err;
	}
	return NULL;
}

static cor_error *eval_init(struct eval *e, const struct expr_ctx *ctx,
			    const uint8_t *expr, size_t len)
{
	if (ctx->addr_size == 0 || ctx->addr_size > 8)
		return cor_error_new(COR_ERR_INVALID, "DWARF expression: address size %u",
				     ctx->addr_size);
	memset(e, 0, offsetof(struct eval, st));
	e->ctx = ctx;
	reader_init(&e->r, expr, expr ? len : 0, ctx->be, ctx->addr_size);
	e->mask = ctx->addr_size >= 8 ? ~(uint64_t)0 : ((uint64_t)1 << (ctx->addr_size * 8)) - 1;
	e->op_off = 0;
	e->op = 0;
	e->kind = RES_ADDR;
	e->done = false;
	e->n = 0;
	return NULL;
}

cor_error *dwarf_expr_eval(const struct expr_ctx *ctx, const uint8_t *expr,
			   size_t len, bool push_initial, uint64_t initial,
			   uint64_t *result, bool *is_value)
{
	struct eval ev, *e = &ev;
	cor_error *err = eval_init(e, ctx, expr, len);
	if (err)
		return err;
	if (push_initial)
		e->ty[e->n] = (struct slot_type){ 0, 0 }, e->st[e->n++] = initial & e->mask;
	err = run(e);
	if (!err && e->kind != RES_FIXED && e->n == 0)
		err = cor_error_new(COR_ERR_FORMAT, "DWARF expression: empty stack at the end");
	if (!err) {
		*result = e->kind == RES_FIXED ? e->fixed : e->st[e->n - 1];
		if (is_value)
			*is_value = e->kind != RES_ADDR;
	}
	return err;
}

cor_error *dwarf_expr_location(const struct expr_ctx *ctx, const uint8_t *expr,
			       size_t len, struct dwarf_location *out)
{
	struct eval *e = cor_calloc(1, sizeof(*e));
	cor_error *err;
	out->n = 0;
	if (!e)
		return &cor_enomem;
	if ((err = eval_init(e, ctx, expr, len))) {
		free(e);
		return err;
	}
	e->loc = out;
	err = run(e);
	if (!err && (e->pending || e->n)) {
		/* the whole object, or what follows the last piece */
		if (out->n)
			err = cor_error_new(COR_ERR_FORMAT, "DWARF expression: operations after the last piece");
		else
			piece_set(e, &out->p[out->n++], 0, 0);
	}
	if (err)
		out->n = 0;
	free(e);
	return err;
}
