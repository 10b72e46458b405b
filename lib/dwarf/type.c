/* DWARF types, read lazily from their DIEs and cached by DIE offset (see
 * type.h). A node is made from its DIE and its children (members,
 * enumerators, subranges, parameters) in one read; the types it names are
 * only references until dwarf_type_target / dwarf_member_type follow them.
 * Bounded: at most MAX_TYPES nodes and MAX_PARTS members, enumerators,
 * dimensions and parameters over a dwarf_info, children read within their
 * unit, reference chains of MAX_HOPS. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>
#include "type.h"
#include "unit.h"

#define MAX_TYPES (1u << 20)
#define MAX_PARTS (1u << 22)
#define MAX_HOPS 64
/* types a member lookup or a type's name may visit */
#define MEMBER_VISITS 4096
#define NAME_VISITS 256
#define NAME_BYTES 4096
/* DW_AT_data_member_location's DW_OP_plus_uconst (7.7.1) */
#define DW_OP_plus_uconst 0x23
#define DW_OP_constu 0x10

/* Keys of the cache: a DIE offset, the file it is in in the top bits. */
#define KEY_ALT ((uint64_t)1 << 63)
#define KEY_TYPES ((uint64_t)1 << 62)

struct named {
	const char *name;
	uint64_t key;
};

struct dwarf_types {
	struct off_hash cache;     /* struct dwarf_type by key */
	struct dwarf_type **all;   /* every node made, to free */
	size_t nall, all_cap;
	char **strs;               /* names made here (qualified, messages) */
	size_t nstrs, strs_cap;
	uint64_t parts;            /* members etc. made so far */
	/* .debug_types (DWARF 4) as a file of its own units */
	struct dwarf_sections tsecs;
	struct dfile tfile;
	bool tfile_done;
	/* type units by signature, made at the first DW_FORM_ref_sig8 */
	struct off_hash sigs;      /* key: signature; value: struct cu * */
	bool sigs_done;
	/* named types of every unit, made at the first dwarf_type_find */
	struct named *names;       /* open addressing, names_cap a power of 2 */
	size_t nnames, names_cap;
	bool names_done;
};

static struct dwarf_type unknown_oom = {
	.kind = DWT_UNKNOWN, .name = "<unknown type: out of memory>",
};
static struct dwarf_type unknown_limit = {
	.kind = DWT_UNKNOWN, .name = "<unknown type: too many types>",
};
static struct dwarf_type unknown_ref = {
	.kind = DWT_UNKNOWN, .name = "<unknown type: bad reference>",
};
static struct dwarf_type unknown_cycle = {
	.kind = DWT_UNKNOWN, .name = "<unknown type: a cycle of typedefs or qualifiers>",
};
static struct dwarf_type void_type = { .kind = DWT_VOID, .name = "void" };

void dwarf_types_free(struct dwarf_types *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nall; i++) {
		free(t->all[i]->members);
		free(t->all[i]->enums);
		free(t->all[i]->dims);
		free(t->all[i]->params);
		free(t->all[i]);
	}
	free(t->all);
	for (size_t i = 0; i < t->nstrs; i++)
		free(t->strs[i]);
	free(t->strs);
	off_hash_free(&t->cache);
	off_hash_free(&t->sigs);
	free(t->names);
	units_free(&t->tfile);
	free(t);
}

static struct dwarf_types *types_of(struct dwarf_info *di)
{
	struct dwarf_types **slot = dwarf_info_types(di);
	if (!*slot)
		*slot = cor_calloc(1, sizeof(**slot));
	return *slot;
}

/* The file a key's DIE is in. */
static struct dfile *key_file(struct dwarf_info *di, struct dwarf_types *ts, uint64_t key)
{
	if (key & KEY_TYPES) {
		if (!ts->tfile_done) {
			const struct dfile *m = dwarf_info_file(di, false);
			ts->tfile_done = true;
			ts->tsecs = *m->s;
			ts->tsecs.info = m->s->types;
			ts->tfile.s = &ts->tsecs;
			ts->tfile.budget = m->budget;
			ts->tfile.is_types = true;
		}
		return ts->tsecs.info.data ? &ts->tfile : NULL;
	}
	return dwarf_info_file(di, key & KEY_ALT);
}

static uint64_t file_key(const struct dfile *f)
{
	return f->is_types ? KEY_TYPES : f->is_alt ? KEY_ALT : 0;
}

/* The loaded unit holding the DIE of key. */
static struct cu *key_unit(struct dwarf_info *di, struct dwarf_types *ts, uint64_t key)
{
	struct dfile *f = key_file(di, ts, key);
	struct cu *cu;
	cor_error *err;
	if (!f)
		return NULL;
	if ((err = units_read(f)) == &cor_enomem)
		return NULL;
	cor_error_free(err);
	err = NULL;
	if (!(cu = cu_at(f, key & ~(KEY_ALT | KEY_TYPES))) || (err = cu_load(cu))) {
		cor_error_free(err);
		return NULL;
	}
	return cu;
}

static const char *keep_str(struct dwarf_types *ts, char *s)
{
	if (!s || !COR_GROW(ts->strs, ts->strs_cap, ts->nstrs + 1)) {
		free(s);
		return NULL;
	}
	ts->strs[ts->nstrs++] = s;
	return s;
}

/* ---- type units ------------------------------------------------------ */

static void sigs_add(struct dwarf_types *ts, struct dfile *f)
{
	cor_error *err = units_read(f);
	cor_error_free(err == &cor_enomem ? NULL : err);
	for (size_t i = 0; i < f->ncus; i++)
		if (f->cus[i].type_unit && !off_hash_get(&ts->sigs, f->cus[i].sig, NULL, NULL))
			off_hash_add(&ts->sigs, f->cus[i].sig, &f->cus[i]);
}

/* The key of the type a signature names, 0 with false if none. */
static bool sig_key(struct dwarf_info *di, struct dwarf_types *ts, uint64_t sig,
		    uint64_t *key)
{
	struct cu *cu;
	if (!ts->sigs_done) {
		ts->sigs_done = true;
		sigs_add(ts, dwarf_info_file(di, false));
		if (key_file(di, ts, KEY_TYPES))
			sigs_add(ts, &ts->tfile);
	}
	if (!(cu = off_hash_get(&ts->sigs, sig, NULL, NULL)))
		return false;
	*key = file_key(cu->f) | cu->type_off;
	return true;
}

/* The key of the DIE a reference value of a DIE of cu names. */
static bool ref_key(struct dwarf_info *di, struct dwarf_types *ts, const struct cu *cu,
		    uint8_t cls, uint64_t u, uint64_t *key)
{
	switch (cls) {
	case DW_V_REF:
		if (u == UINT64_MAX)
			return false;
		*key = file_key(cu->f) | u;
		return true;
	case DW_V_REF_ALT:
		if (cu->f->is_alt || !dwarf_info_file(di, true))
			return false;
		*key = KEY_ALT | u;
		return true;
	case DW_V_REF_SIG:
		return sig_key(di, ts, u, key);
	default:
		return false;
	}
}

/* ---- reading a type DIE --------------------------------------------- */

static bool is_type_tag(uint64_t tag)
{
	switch (tag) {
	case DW_TAG_base_type: case DW_TAG_enumeration_type: case DW_TAG_pointer_type:
	case DW_TAG_reference_type: case DW_TAG_rvalue_reference_type:
	case DW_TAG_ptr_to_member_type: case DW_TAG_typedef: case DW_TAG_const_type:
	case DW_TAG_volatile_type: case DW_TAG_restrict_type: case DW_TAG_atomic_type:
	case DW_TAG_structure_type: case DW_TAG_union_type: case DW_TAG_class_type:
	case DW_TAG_array_type: case DW_TAG_subroutine_type: case DW_TAG_unspecified_type:
		return true;
	default:
		return false;
	}
}

static enum dwarf_type_kind kind_of(uint64_t tag)
{
	switch (tag) {
	case DW_TAG_base_type: return DWT_BASE;
	case DW_TAG_enumeration_type: return DWT_ENUM;
	case DW_TAG_pointer_type: return DWT_POINTER;
	case DW_TAG_reference_type: return DWT_REFERENCE;
	case DW_TAG_rvalue_reference_type: return DWT_RVALUE_REFERENCE;
	case DW_TAG_ptr_to_member_type: return DWT_PTR_TO_MEMBER;
	case DW_TAG_typedef: return DWT_TYPEDEF;
	case DW_TAG_const_type: return DWT_CONST;
	case DW_TAG_volatile_type: return DWT_VOLATILE;
	case DW_TAG_restrict_type: return DWT_RESTRICT;
	case DW_TAG_atomic_type: return DWT_ATOMIC;
	case DW_TAG_structure_type: return DWT_STRUCT;
	case DW_TAG_union_type: return DWT_UNION;
	case DW_TAG_class_type: return DWT_CLASS;
	case DW_TAG_array_type: return DWT_ARRAY;
	case DW_TAG_subroutine_type: return DWT_FUNCTION;
	default: return DWT_UNSPECIFIED;
	}
}

/* A type DIE's growing parts: members, enumerators, dims, params. */
struct parts {
	struct dwarf_types *ts;
	bool over;                 /* MAX_PARTS reached */
};

static bool part_room(struct parts *p)
{
	if (p->ts->parts >= MAX_PARTS) {
		p->over = true;
		return false;
	}
	p->ts->parts++;
	return true;
}

static void set_ref(const struct die *d, uint64_t *ref, uint8_t *cls)
{
	if (HAS(d, S_type)) {
		*ref = d->a[S_type].u;
		*cls = (uint8_t)d->a[S_type].cls;
	} else {
		*cls = 0;    /* void */
	}
}

/* A constant attribute (or DWARF 2's DW_OP_plus_uconst / DW_OP_constu
 * block for data_member_location). */
static bool attr_const(const struct die *d, int slot, uint64_t *out)
{
	const struct dwarf_value *v = &d->a[slot];
	if (!HAS(d, slot))
		return false;
	if (dwarf_value_const(v, out))
		return true;
	if (v->cls == DW_V_BLOCK && v->u >= 2 && v->s &&
	    ((uint8_t)v->s[0] == DW_OP_plus_uconst || (uint8_t)v->s[0] == DW_OP_constu)) {
		struct reader r;
		reader_init(&r, (const uint8_t *)v->s + 1, v->u - 1, false, 8);
		return reader_uleb(&r, out) && reader_at_end(&r);
	}
	return false;
}

static cor_error *add_member(struct parts *p, struct dwarf_type *t, const struct cu *cu,
			     const struct die *d, size_t *cap)
{
	struct dwarf_member m = { .offset_known = true, .cu = cu };
	uint64_t v;
	if (!part_room(p))
		return NULL;
	if (!COR_GROW(t->members, *cap, t->nmembers + 1))
		return &cor_enomem;
	m.name = HAS(d, S_name) ? val_str(cu, &d->a[S_name]) : NULL;
	m.inheritance = d->tag == DW_TAG_inheritance;
	m.artificial = HAS(d, S_artificial);
	set_ref(d, &m.type_ref, &m.type_cls);
	if (HAS(d, S_data_bit_offset) && attr_const(d, S_data_bit_offset, &v)) {
		m.bit_offset = v;
	} else if (HAS(d, S_member_loc)) {
		if (attr_const(d, S_member_loc, &v))
			m.bit_offset = v * 8;
		else
			m.offset_known = false;
	}
	if (HAS(d, S_bit_size) && attr_const(d, S_bit_size, &v) && v && v <= 64) {
		m.bit_size = (uint32_t)v;
		/* DWARF 2/3: bit_offset counts from the most significant bit of
		 * a storage unit of byte_size bytes at data_member_location */
		uint64_t bo, storage;
		if (!HAS(d, S_data_bit_offset) && attr_const(d, S_bit_offset, &bo) &&
		    attr_const(d, S_byte_size, &storage) && storage && storage <= 16) {
			if (cu->f->s->be)
				m.bit_offset += bo;
			else if (storage * 8 >= bo + v)
				m.bit_offset += storage * 8 - bo - v;
			else
				m.offset_known = false;
		}
	}
	m.offset = m.bit_offset / 8;
	t->members[t->nmembers++] = m;
	return NULL;
}

static cor_error *add_enum(struct parts *p, struct dwarf_type *t, const struct cu *cu,
			   const struct die *d, size_t *cap)
{
	uint64_t v;
	if (!HAS(d, S_const_value) || !dwarf_value_const(&d->a[S_const_value], &v) ||
	    !part_room(p))
		return NULL;
	if (!COR_GROW(t->enums, *cap, t->nenums + 1))
		return &cor_enomem;
	t->enums[t->nenums++] = (struct dwarf_enumerator){
		.name = HAS(d, S_name) ? val_str(cu, &d->a[S_name]) : NULL, .value = v,
	};
	return NULL;
}

static cor_error *add_dim(struct parts *p, struct dwarf_type *t, const struct cu *cu,
			  const struct die *d, size_t *cap)
{
	struct dwarf_dim dim = {0};
	uint64_t lo = 0, v;
	/* C, C++ and Go count from 0; Fortran, Ada from 1 (not read here) */
	if (attr_const(d, S_lower, &lo))
		dim.lower = (int64_t)lo;
	if (attr_const(d, S_count, &v)) {
		dim.count = v;
		dim.count_known = true;
	} else if (HAS(d, S_upper) && d->a[S_upper].cls == DW_V_CONST) {
		v = d->a[S_upper].u;
		/* an upper bound of -1 (all ones) below a lower bound of 0: [0] */
		dim.count = v == UINT64_MAX || (int64_t)v < (int64_t)lo ? 0 : v - lo + 1;
		dim.count_known = true;
	}
	(void)cu;
	if (!part_room(p))
		return NULL;
	if (!COR_GROW(t->dims, *cap, t->ndims + 1))
		return &cor_enomem;
	t->dims[t->ndims++] = dim;
	return NULL;
}

static cor_error *add_param(struct parts *p, struct dwarf_type *t, const struct cu *cu,
			    const struct die *d, size_t *cap)
{
	struct dwarf_member m = { .offset_known = true, .cu = cu };
	if (!part_room(p))
		return NULL;
	if (!COR_GROW(t->params, *cap, t->nparams + 1))
		return &cor_enomem;
	set_ref(d, &m.type_ref, &m.type_cls);
	m.artificial = HAS(d, S_artificial);
	t->params[t->nparams++] = m;
	return NULL;
}

/* The children of t's DIE (at r, after it), one level: nested DIEs of
 * those children are stepped over. */
static cor_error *read_children(struct dwarf_info *di, struct parts *p,
				struct dwarf_type *t, const struct cu *cu, struct reader *r)
{
	size_t cap[4] = {0};
	cor_error *err;
	struct die c;
	while (!reader_at_end(r)) {
		if ((err = die_read(cu, r, &c)))
			return err;
		if (!c.tag)
			return NULL;
		err = NULL;
		switch (c.tag) {
		case DW_TAG_member:
		case DW_TAG_inheritance:
			/* static data members: DWARF 4 declarations without a
			 * location (DWARF 5 makes them DW_TAG_variable) */
			if (t->kind != DWT_ENUM && t->kind != DWT_ARRAY && t->kind != DWT_FUNCTION &&
			    !(HAS(&c, S_declaration) && !HAS(&c, S_member_loc)))
				err = add_member(p, t, cu, &c, &cap[0]);
			break;
		case DW_TAG_enumerator:
			if (t->kind == DWT_ENUM)
				err = add_enum(p, t, cu, &c, &cap[1]);
			break;
		case DW_TAG_subrange_type:
			if (t->kind == DWT_ARRAY)
				err = add_dim(p, t, cu, &c, &cap[2]);
			break;
		case DW_TAG_formal_parameter:
			if (t->kind == DWT_FUNCTION)
				err = add_param(p, t, cu, &c, &cap[3]);
			break;
		case DW_TAG_unspecified_parameters:
			t->variadic = true;
			break;
		}
		/* methods, nested types: their subtrees are not read */
		if (!err && c.children)
			err = die_skip_children(cu, r, &c, dwarf_info_limits(di)->max_depth);
		if (err)
			return err;
	}
	return NULL;
}

static bool enum_signed(const struct dwarf_type *t)
{
	for (size_t i = 0; i < t->nenums; i++)
		if ((int64_t)t->enums[i].value < 0)
			return true;
	return false;
}

/* GCC's spellings of C's integer types, as C programmers (and gdb) write
 * them. */
static const char *c_spelling(const char *name)
{
	static const char *const map[][2] = {
		{ "long unsigned int", "unsigned long" }, { "long int", "long" },
		{ "short int", "short" }, { "short unsigned int", "unsigned short" },
		{ "long long int", "long long" },
		{ "long long unsigned int", "unsigned long long" },
	};
	for (size_t i = 0; i < COR_ARRAY_SIZE(map); i++)
		if (!strcmp(name, map[i][0]))
			return map[i][1];
	return name;
}

static bool encoding_signed(uint8_t enc)
{
	return enc == DW_ATE_signed || enc == DW_ATE_signed_char;
}

/* Makes the node of the DIE at key; NULL with *err on failure. */
static struct dwarf_type *make(struct dwarf_info *di, struct dwarf_types *ts,
			       uint64_t key, cor_error **err)
{
	struct cu *cu = key_unit(di, ts, key);
	uint64_t off = key & ~(KEY_ALT | KEY_TYPES), v;
	struct parts p = { .ts = ts };
	struct dwarf_type *t;
	struct reader r;
	struct die d;
	*err = NULL;
	if (!cu)
		return &unknown_ref;
	die_reader(cu, &r);
	if (off < cu->die_off || !reader_seek(&r, off) || reader_at_end(&r))
		return &unknown_ref;
	if ((*err = die_read(cu, &r, &d)))
		return NULL;
	if (!is_type_tag(d.tag)) {
		*err = reader_error_at(&r, off, "DIE of tag 0x%" PRIx64 " is not a type", d.tag);
		return NULL;
	}
	if (ts->nall >= MAX_TYPES)
		return &unknown_limit;
	if (!(t = cor_calloc(1, sizeof(*t))) || !COR_GROW(ts->all, ts->all_cap, ts->nall + 1)) {
		free(t);
		*err = &cor_enomem;
		return NULL;
	}
	ts->all[ts->nall++] = t;
	t->kind = kind_of(d.tag);
	t->die = off;
	t->cu = cu;
	t->big_endian = cu->f->s->be;
	t->addr_size = cu->addr_size;
	t->declaration = HAS(&d, S_declaration);
	set_ref(&d, &t->target_ref, &t->target_cls);
	if (HAS(&d, S_name) && (t->name = val_str(cu, &d.a[S_name]))) {
		if (t->kind == DWT_BASE)
			t->name = c_spelling(t->name);
		else if (cu->cpp)
			t->name = dwarf_qualify(di, cu, off, t->name);
	}
	if (attr_const(&d, S_byte_size, &v)) {
		t->size = v;
		t->has_size = true;
	} else if (t->kind == DWT_POINTER || t->kind == DWT_REFERENCE ||
		   t->kind == DWT_RVALUE_REFERENCE) {
		t->size = cu->addr_size;
		t->has_size = true;
	}
	if (HAS(&d, S_encoding) && attr_const(&d, S_encoding, &v))
		t->encoding = (uint8_t)v;
	if (d.children && (*err = read_children(di, &p, t, cu, &r))) {
		if (*err == &cor_enomem)
			return NULL;
		/* what was read before the bad DIE is kept */
		cor_error_free(*err);
		*err = NULL;
	}
	t->is_signed = t->kind == DWT_BASE ? encoding_signed(t->encoding)
					   : t->kind == DWT_ENUM && enum_signed(t);
	return t;
}

/* The node of key, made at the first call. */
static const struct dwarf_type *type_get(struct dwarf_info *di, uint64_t key)
{
	struct dwarf_types *ts = types_of(di);
	struct dwarf_type *t;
	cor_error *err;
	if (!ts)
		return &unknown_oom;
	if ((t = off_hash_get(&ts->cache, key, NULL, NULL)))
		return t;
	if (!(t = make(di, ts, key, &err))) {
		if (err == &cor_enomem)
			return &unknown_oom;
		/* a node of its own naming what was wrong, said once */
		t = cor_calloc(1, sizeof(*t));
		if (!t || !COR_GROW(ts->all, ts->all_cap, ts->nall + 1)) {
			free(t);
			cor_error_free(err);
			return &unknown_oom;
		}
		ts->all[ts->nall++] = t;
		t->kind = DWT_UNKNOWN;
		t->name = keep_str(ts, cor_asprintf("<unknown type: %s>", cor_error_message(err)));
		if (!t->name)
			t->name = unknown_ref.name;
		cor_error_free(err);
	} else if (t == &unknown_ref || t == &unknown_limit) {
		return t;    /* the static nodes are not cached under a key */
	}
	if (!off_hash_add(&ts->cache, key, t))
		return &unknown_oom;
	return t;
}

static const struct dwarf_type *link(struct dwarf_info *di, const struct cu *cu,
				     uint8_t cls, uint64_t ref)
{
	struct dwarf_types *ts = types_of(di);
	uint64_t key;
	if (!cls)
		return &void_type;
	if (!ts)
		return &unknown_oom;
	if (!cu || !ref_key(di, ts, cu, cls, ref, &key))
		return &unknown_ref;
	return type_get(di, key);
}

/* ---- the API ---------------------------------------------------------- */

const struct dwarf_type *dwarf_type_of(struct dwarf_info *di, const struct cu *cu,
				       const struct dwarf_value *v)
{
	return link(di, cu, (uint8_t)v->cls, v->u);
}

const struct dwarf_type *dwarf_type_at(struct dwarf_info *di, bool alt, uint64_t die_off)
{
	if (die_off & (KEY_ALT | KEY_TYPES))
		return &unknown_ref;
	return type_get(di, (alt ? KEY_ALT : 0) | die_off);
}

const struct dwarf_type *dwarf_type_target(struct dwarf_info *di, const struct dwarf_type *t)
{
	if (t->target)
		return t->target;
	if (t->kind == DWT_UNKNOWN || t->kind == DWT_VOID)
		return t->kind == DWT_VOID ? &void_type : t;
	const struct dwarf_type *r = link(di, t->cu, t->target_cls, t->target_ref);
	if (r != &unknown_oom)
		((struct dwarf_type *)t)->target = r;
	return r;
}

const struct dwarf_type *dwarf_member_type(struct dwarf_info *di, const struct dwarf_member *m)
{
	if (m->type)
		return m->type;
	const struct dwarf_type *r = link(di, m->cu, m->type_cls, m->type_ref);
	if (r != &unknown_oom)
		((struct dwarf_member *)m)->type = r;
	return r;
}

static bool is_qualifier(enum dwarf_type_kind k)
{
	return k == DWT_TYPEDEF || k == DWT_CONST || k == DWT_VOLATILE ||
	       k == DWT_RESTRICT || k == DWT_ATOMIC;
}

const struct dwarf_type *dwarf_type_strip(struct dwarf_info *di, const struct dwarf_type *t)
{
	for (unsigned hops = 0; hops < MAX_HOPS; hops++) {
		if (!is_qualifier(t->kind))
			return t;
		t = dwarf_type_target(di, t);
	}
	return &unknown_cycle;
}

static const struct dwarf_member *member_in(struct dwarf_info *di, const struct dwarf_type *t,
					    const char *name, uint64_t *offset, unsigned depth,
					    unsigned *left)
{
	t = dwarf_type_strip(di, t);
	/* bounded in depth and, against anonymous members fanning out, in
	 * types visited */
	if ((t->kind != DWT_STRUCT && t->kind != DWT_UNION && t->kind != DWT_CLASS) ||
	    depth > 8 || !*left)
		return NULL;
	(*left)--;
	for (size_t i = 0; i < t->nmembers; i++) {
		const struct dwarf_member *m = &t->members[i];
		if (m->name && !strcmp(m->name, name)) {
			*offset = m->offset;
			return m;
		}
	}
	/* anonymous structs and unions, and base classes */
	for (size_t i = 0; i < t->nmembers; i++) {
		const struct dwarf_member *m = &t->members[i], *in;
		uint64_t sub;
		if ((m->name && !m->inheritance) || !m->offset_known)
			continue;
		if ((in = member_in(di, dwarf_member_type(di, m), name, &sub, depth + 1, left))) {
			*offset = m->offset + sub;
			return in;
		}
	}
	return NULL;
}

const struct dwarf_member *dwarf_type_member(struct dwarf_info *di, const struct dwarf_type *t,
					     const char *name, uint64_t *offset)
{
	uint64_t off = 0;
	unsigned left = MEMBER_VISITS;
	const struct dwarf_member *m = member_in(di, t, name, &off, 0, &left);
	if (m && offset)
		*offset = off;
	return m;
}

bool dwarf_type_size(struct dwarf_info *di, const struct dwarf_type *t, uint64_t *size)
{
	uint64_t mul = 1;
	for (unsigned hops = 0; hops < MAX_HOPS; hops++) {
		if (t->has_size && t->kind != DWT_ARRAY) {
			if (t->size && mul > UINT64_MAX / t->size)
				return false;
			*size = mul * t->size;
			return true;
		}
		if (t->kind == DWT_ARRAY) {
			if (t->has_size) {
				if (t->size && mul > UINT64_MAX / t->size)
					return false;
				*size = mul * t->size;
				return true;
			}
			for (size_t i = 0; i < t->ndims; i++) {
				if (!t->dims[i].count_known)
					return false;
				if (t->dims[i].count && mul > UINT64_MAX / t->dims[i].count)
					return false;
				mul *= t->dims[i].count;
			}
		} else if (!is_qualifier(t->kind) && t->kind != DWT_ENUM) {
			return false;
		}
		t = dwarf_type_target(di, t);
	}
	return false;
}

bool dwarf_bitfield(const struct dwarf_member *m, bool big_endian,
		    const uint8_t *obj, size_t len, uint64_t *out)
{
	uint64_t first = m->bit_offset / 8, last, v = 0;
	unsigned shift;
	if (!m->bit_size || m->bit_size > 64 || !m->offset_known)
		return false;
	last = (m->bit_offset + m->bit_size - 1) / 8;
	if (last >= len || last - first >= 9)
		return false;
	/* the bytes as one big number in the target's order, at most 9 */
	unsigned __int128 acc = 0;
	for (uint64_t i = 0; i <= last - first; i++) {
		uint64_t b = big_endian ? first + i : last - i;
		acc = acc << 8 | obj[b];
	}
	if (big_endian)
		shift = (unsigned)((last + 1) * 8 - (m->bit_offset + m->bit_size));
	else
		shift = (unsigned)(m->bit_offset - first * 8);
	v = (uint64_t)(acc >> shift);
	if (m->bit_size < 64)
		v &= ((uint64_t)1 << m->bit_size) - 1;
	*out = v;
	return true;
}

/* ---- names ------------------------------------------------------------ */

static const char *tag_word(const struct dwarf_type *t)
{
	if (t->cu && t->cu->cpp)
		return "";
	switch (t->kind) {
	case DWT_STRUCT: return "struct ";
	case DWT_UNION: return "union ";
	case DWT_ENUM: return "enum ";
	case DWT_CLASS: return "class ";
	default: return "";
	}
}

static void params_name(struct dwarf_info *di, const struct dwarf_type *t,
			struct strbuf *sb, unsigned depth, unsigned *left);

/* Writes t around declarator decl (what is already to its right, e.g.
 * "*" or "[4]"), C's inside-out order: "int (*)[4]". */
static void declare(struct dwarf_info *di, const struct dwarf_type *t, const char *decl,
		    struct strbuf *sb, unsigned depth, unsigned *left)
{
	struct strbuf in = {0};
	const struct dwarf_type *target;
	/* bounded in depth, in types visited (parameters fan out) and in
	 * length */
	if (depth > 16 || !*left || sb->len + strlen(decl) > NAME_BYTES) {
		sb_puts(sb, "...");
		return;
	}
	(*left)--;
	switch (t->kind) {
	case DWT_POINTER: case DWT_REFERENCE: case DWT_RVALUE_REFERENCE:
	case DWT_PTR_TO_MEMBER: {
		const char *op = t->kind == DWT_POINTER ? "*" :
				 t->kind == DWT_REFERENCE ? "&" :
				 t->kind == DWT_RVALUE_REFERENCE ? "&&" : "::*";
		target = dwarf_type_target(di, t);
		bool paren = target->kind == DWT_ARRAY || target->kind == DWT_FUNCTION;
		sb_puts(&in, paren ? "(" : "");
		sb_puts(&in, op);
		sb_puts(&in, decl);
		sb_puts(&in, paren ? ")" : "");
		break;
	}
	case DWT_CONST: case DWT_VOLATILE: case DWT_RESTRICT: case DWT_ATOMIC: {
		const char *q = t->kind == DWT_CONST ? "const" : t->kind == DWT_VOLATILE ?
				"volatile" : t->kind == DWT_RESTRICT ? "restrict" : "_Atomic";
		target = dwarf_type_target(di, t);
		const struct dwarf_type *s = target;
		if (s->kind == DWT_POINTER || s->kind == DWT_REFERENCE ||
		    s->kind == DWT_PTR_TO_MEMBER) {
			/* "char * const p": after the pointer */
			sb_puts(&in, " ");
			sb_puts(&in, q);
			if (*decl && *decl != '[' && *decl != '(')
				sb_puts(&in, " ");
			sb_puts(&in, decl);
			break;
		}
		/* "const int": before the type */
		sb_puts(sb, q);
		sb_puts(sb, " ");
		declare(di, target, decl, sb, depth + 1, left);
		return;
	}
	case DWT_ARRAY:
		target = dwarf_type_target(di, t);
		sb_puts(&in, decl);
		for (size_t i = 0; i < t->ndims || i == 0; i++) {
			char num[32];
			if (i < t->ndims && t->dims[i].count_known)
				snprintf(num, sizeof(num), "[%" PRIu64 "]", t->dims[i].count);
			else
				snprintf(num, sizeof(num), "[]");
			sb_puts(&in, num);
		}
		break;
	case DWT_FUNCTION:
		target = dwarf_type_target(di, t);
		sb_puts(&in, decl);
		params_name(di, t, &in, depth, left);
		break;
	default: {
		/* a named type: the declarator after a space */
		if (t->kind == DWT_VOID || t->kind == DWT_UNKNOWN) {
			sb_puts(sb, t->name);
		} else {
			sb_puts(sb, tag_word(t));
			sb_puts(sb, t->name ? t->name :
				t->kind == DWT_STRUCT || t->kind == DWT_CLASS || t->kind == DWT_UNION ||
				t->kind == DWT_ENUM ? "{...}" : "<anonymous type>");
		}
		if (*decl) {
			sb_puts(sb, " ");
			sb_puts(sb, decl);
		}
		return;
	}
	}
	char *s = sb_take(&in);
	declare(di, target, s ? s : "", sb, depth + 1, left);
	free(s);
}

static void params_name(struct dwarf_info *di, const struct dwarf_type *t,
			struct strbuf *sb, unsigned depth, unsigned *left)
{
	sb_puts(sb, "(");
	for (size_t i = 0; i < t->nparams; i++) {
		if (i)
			sb_puts(sb, ", ");
		if (!*left || sb->len > NAME_BYTES) {
			sb_puts(sb, "...");
			break;
		}
		declare(di, dwarf_member_type(di, &t->params[i]), "", sb, depth + 1, left);
	}
	if (t->variadic)
		sb_puts(sb, t->nparams ? ", ..." : "...");
	else if (!t->nparams && !(t->cu && t->cu->cpp))
		sb_puts(sb, "void");
	sb_puts(sb, ")");
}

void dwarf_type_name(struct dwarf_info *di, const struct dwarf_type *t, struct strbuf *sb)
{
	unsigned left = NAME_VISITS;
	declare(di, t, "", sb, 0, &left);
}

/* ---- by name ------------------------------------------------------------ */

static uint64_t name_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ull;
	return h;
}

static bool names_grow(struct dwarf_types *ts)
{
	size_t cap = ts->names_cap ? ts->names_cap * 2 : 1024;
	struct named *v = cor_calloc(cap, sizeof(*v));
	if (!v)
		return false;
	for (size_t i = 0; i < ts->names_cap; i++) {
		if (!ts->names[i].name)
			continue;
		size_t j = name_hash(ts->names[i].name) & (cap - 1);
		while (v[j].name)
			j = (j + 1) & (cap - 1);
		v[j] = ts->names[i];
	}
	free(ts->names);
	ts->names = v;
	ts->names_cap = cap;
	return true;
}

/* Adds name -> key unless the name is there (the first definition wins). */
static bool names_add(struct dwarf_types *ts, const char *name, uint64_t key)
{
	if ((ts->nnames + 1) * 2 > ts->names_cap && !names_grow(ts))
		return false;
	size_t j = name_hash(name) & (ts->names_cap - 1);
	while (ts->names[j].name) {
		if (!strcmp(ts->names[j].name, name))
			return true;
		j = (j + 1) & (ts->names_cap - 1);
	}
	ts->names[j] = (struct named){ name, key };
	ts->nnames++;
	return true;
}

static bool is_scope_tag(uint64_t tag)
{
	return tag == DW_TAG_namespace || tag == DW_TAG_structure_type ||
	       tag == DW_TAG_class_type || tag == DW_TAG_union_type;
}

/* Indexes the named types of a unit: its top level, and inside namespaces
 * and classes (qualified "ns::cls::name" in C++ units). */
static cor_error *index_unit(struct dwarf_info *di, struct dwarf_types *ts, struct cu *cu)
{
	struct { const char *name; size_t len; } scope[32];
	const struct limits *lim = dwarf_info_limits(di);
	uint32_t depth = 0;
	struct strbuf q = {0};
	struct reader r;
	struct die d;
	cor_error *err;
	if ((err = cu_load(cu)))
		return err;
	if (cu->split)
		return NULL;
	die_reader(cu, &r);
	reader_seek(&r, cu->die_off);
	if ((err = die_read(cu, &r, &d)) || !d.children)
		return err;
	depth = 1;
	while (depth > 0 && !reader_at_end(&r)) {
		if ((err = die_read(cu, &r, &d)))
			return err;
		if (!d.tag) {
			depth--;
			continue;
		}
		const char *name = HAS(&d, S_name) ? val_str(cu, &d.a[S_name]) : NULL;
		if (name && is_type_tag(d.tag) && !HAS(&d, S_declaration)) {
			const char *full = name;
			if (depth > 1 && cu->cpp) {
				q.len = 0;
				for (uint32_t i = 0; i + 1 < depth && i < COR_ARRAY_SIZE(scope); i++) {
					sb_puts(&q, scope[i].name ? scope[i].name : "(anonymous namespace)");
					sb_puts(&q, "::");
				}
				sb_puts(&q, name);
				full = keep_str(ts, sb_take(&q));
			}
			if (!full || !names_add(ts, full, file_key(cu->f) | d.off)) {
				sb_free(&q);
				return &cor_enomem;
			}
		}
		if (!d.children)
			continue;
		if (is_scope_tag(d.tag) && depth - 1 < COR_ARRAY_SIZE(scope) &&
		    depth < lim->max_depth) {
			scope[depth - 1].name = name;
			depth++;
			continue;
		}
		/* anything else (a function, a type without nested types): its
		 * subtree skipped */
		if ((err = die_skip_children(cu, &r, &d, lim->max_depth))) {
			sb_free(&q);
			return err;
		}
	}
	sb_free(&q);
	return NULL;
}

static void index_file(struct dwarf_info *di, struct dwarf_types *ts, struct dfile *f)
{
	cor_error *err;
	if (!f)
		return;
	if ((err = units_read(f)) == &cor_enomem)
		return;
	cor_error_free(err);
	for (size_t i = 0; i < f->ncus; i++) {
		err = index_unit(di, ts, &f->cus[i]);
		if (err == &cor_enomem)
			return;
		cor_error_free(err);    /* the units before and after still count */
	}
}

const struct dwarf_type *dwarf_type_find(struct dwarf_info *di, const char *name)
{
	struct dwarf_types *ts = types_of(di);
	if (!ts)
		return NULL;
	if (!ts->names_done) {
		ts->names_done = true;
		index_file(di, ts, dwarf_info_file(di, false));
		index_file(di, ts, dwarf_info_file(di, true));
		if (key_file(di, ts, KEY_TYPES))
			index_file(di, ts, &ts->tfile);
	}
	if (!ts->names_cap)
		return NULL;
	size_t j = name_hash(name) & (ts->names_cap - 1);
	while (ts->names[j].name) {
		if (!strcmp(ts->names[j].name, name))
			return type_get(di, ts->names[j].key);
		j = (j + 1) & (ts->names_cap - 1);
	}
	return NULL;
}
