/* .debug_line: line number programs, versions 2 to 5 (DWARF 5, 6.2). */
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>
#include "line.h"
#include "form.h"

enum {
	LNS_copy = 1, LNS_advance_pc, LNS_advance_line, LNS_set_file,
	LNS_set_column, LNS_negate_stmt, LNS_set_basic_block, LNS_const_add_pc,
	LNS_fixed_advance_pc, LNS_set_prologue_end, LNS_set_epilogue_begin,
	LNS_set_isa,
};

enum { LNE_end_sequence = 1, LNE_set_address, LNE_define_file,
	LNE_set_discriminator };

struct lfile {
	const char *name;
	uint64_t dir;
};

/* A sequence of the program: its address range and where its opcodes
 * start. Rows are not kept: a lookup decodes the one sequence again, so a
 * CU costs memory per sequence, not per row. */
struct lseq {
	struct dwarf_span sp;
	size_t pos;              /* offset of its first opcode in .debug_line */
};

struct line_table {
	const struct line_table *base;  /* of a view: owns what is shared */
	const struct dwarf_sections *secs;
	const struct line_params *p;   /* only while the header is read */
	const char *comp_dir;
	uint16_t version;
	uint8_t offset_size;
	const char **dirs;
	size_t ndirs, dirs_cap;
	struct lfile *files;
	size_t nfiles, files_cap;
	char **paths;
	size_t paths_cap;
	struct lseq *seqs;
	size_t nseqs, seqs_cap;
	struct lhdr {
		uint8_t min_inst, max_ops, line_range, opcode_base;
		int64_t line_base;
		const uint8_t *std_len;
	} h;
	struct reader prog;      /* the whole program */
	size_t seq_begin;        /* offset where the current sequence began */
	bool seq_ended;          /* an end_sequence was just decoded */
	/* lookup of one sequence: the row with the greatest address <= pc */
	bool search, done, have;
	uint64_t pc;
	uint64_t best_addr;
	uint32_t best_file, best_line, best_col;
};

/* Line program registers (6.2.2). */
struct lstate {
	uint64_t addr, file, line, col, op_index;
	bool in_seq;
	uint64_t lo;             /* lowest row address of the sequence */
};

struct fval {
	uint64_t u;
	const char *s;
};

/* The forms an entry format may use (6.2.4.1). */
static bool entry_form(uint64_t form)
{
	switch (form) {
	case DW_FORM_string: case DW_FORM_line_strp: case DW_FORM_strp:
	case DW_FORM_strx: case DW_FORM_strx1: case DW_FORM_strx2:
	case DW_FORM_strx3: case DW_FORM_strx4:
	case DW_FORM_udata: case DW_FORM_sdata: case DW_FORM_data1:
	case DW_FORM_flag: case DW_FORM_data2: case DW_FORM_data4:
	case DW_FORM_data8: case DW_FORM_sec_offset: case DW_FORM_data16:
	case DW_FORM_block: case DW_FORM_block1: case DW_FORM_block2:
	case DW_FORM_block4:
		return true;
	default:
		return false;
	}
}

/* Reads one value of an entry format: a constant, or a string found. */
static cor_error *read_entry_value(const struct form_ctx *c, struct reader *r,
				   uint64_t form, struct fval *v)
{
	struct dwarf_value dv;
	cor_error *err;
	v->u = 0;
	v->s = NULL;
	if (!entry_form(form))
		return reader_error(r, "unsupported form in entry format");
	if ((err = dwarf_form_read(c, r, form, 0, &dv)))
		return err;
	switch (dv.cls) {
	case DW_V_CONST: case DW_V_SECOFF:
		v->u = dv.u;
		return NULL;
	case DW_V_STR: case DW_V_STRP: case DW_V_LINE_STRP: case DW_V_STRX:
		if (!dwarf_value_str(c, &dv, &v->s))
			return reader_error(r, "%s", dv.cls == DW_V_STRX ?
					    "string index out of range" :
					    "string offset out of range");
		return NULL;
	default:
		return NULL;
	}
}

/* Directories and files one program may name (real ones: thousands). */
#define MAX_LINE_FILES (1u << 20)

/* The fewest bytes a value of an entry format's form takes. */
static unsigned entry_form_min(uint64_t form)
{
	switch (form) {
	case DW_FORM_data2: case DW_FORM_strx2: case DW_FORM_block2:
		return 2;
	case DW_FORM_strx3:
		return 3;
	case DW_FORM_data4: case DW_FORM_strx4: case DW_FORM_block4:
	case DW_FORM_line_strp: case DW_FORM_strp: case DW_FORM_sec_offset:
		return 4;
	case DW_FORM_data8:
		return 8;
	case DW_FORM_data16:
		return 16;
	default:
		return 1;
	}
}

static cor_error *too_many(struct reader *r, bool files)
{
	return dwarf_limit_error(reader_error(r, "more than %u %s in a line program header",
					      MAX_LINE_FILES, files ? "file entries" : "directories"));
}

static cor_error *add_dir(struct line_table *lt, struct reader *r, const char *d)
{
	if (lt->ndirs >= MAX_LINE_FILES)
		return too_many(r, false);
	if (!COR_GROW(lt->dirs, lt->dirs_cap, lt->ndirs + 1))
		return &cor_enomem;
	lt->dirs[lt->ndirs++] = d;
	return NULL;
}

static cor_error *add_file(struct line_table *lt, struct reader *r, const char *name,
			   uint64_t dir)
{
	if (lt->nfiles >= MAX_LINE_FILES)
		return too_many(r, true);
	if (!COR_GROW(lt->files, lt->files_cap, lt->nfiles + 1))
		return &cor_enomem;
	lt->files[lt->nfiles].name = name;
	lt->files[lt->nfiles++].dir = dir;
	return NULL;
}

/* v2-4: include_directories and file_names (6.2.4 items 11-12). */
static cor_error *read_v4_tables(struct line_table *lt, struct reader *r)
{
	const char *s;
	uint64_t dir, skip;
	cor_error *err;
	for (;;) {
		if (!reader_cstr(r, &s))
			return reader_error(r, "truncated include_directories");
		if (!*s)
			break;
		if ((err = add_dir(lt, r, s)))
			return err;
	}
	for (;;) {
		if (!reader_cstr(r, &s))
			return reader_error(r, "truncated file_names");
		if (!*s)
			break;
		if (!reader_uleb(r, &dir) || !reader_uleb(r, &skip) ||
		    !reader_uleb(r, &skip))
			return reader_error(r, "truncated file entry");
		if ((err = add_file(lt, r, s, dir)))
			return err;
	}
	return NULL;
}

/* v5: one directory or file table with its entry format. */
static cor_error *read_v5_table(struct line_table *lt, struct reader *r, bool files)
{
	uint64_t fmt[255][2], count;
	uint8_t nfmt;
	const struct line_params *p = lt->p;
	const struct form_ctx fc = {
		.secs = lt->secs, .version = lt->version, .addr_size = p->addr_size,
		.offset_size = lt->offset_size,
		.str_base = p->have_str_offsets_base ? p->str_offsets_base : 8,
		.truncated = "truncated header",
	};
	if (!reader_u8(r, &nfmt))
		return reader_error(r, "truncated entry format");
	for (unsigned i = 0; i < nfmt; i++)
		if (!reader_uleb(r, &fmt[i][0]) || !reader_uleb(r, &fmt[i][1]))
			return reader_error(r, "truncated entry format");
	if (!reader_uleb(r, &count))
		return reader_error(r, "truncated entry count");
	/* every entry takes at least its forms' fewest bytes: the count is
	 * checked against the header before anything is allocated */
	uint64_t min = 0;
	for (unsigned i = 0; i < nfmt; i++)
		min += entry_form_min(fmt[i][1]);
	if ((count && !nfmt) || (min && count > reader_left(r) / min))
		return reader_error(r, "entry count %" PRIu64 " exceeds header", count);
	if (count > MAX_LINE_FILES - (files ? lt->nfiles : lt->ndirs))
		return too_many(r, files);
	if (files ? !COR_GROW(lt->files, lt->files_cap, lt->nfiles + count) :
		    !COR_GROW(lt->dirs, lt->dirs_cap, lt->ndirs + count))
		return &cor_enomem;
	for (uint64_t k = 0; k < count; k++) {
		const char *path = NULL;
		uint64_t dir = 0;
		for (unsigned i = 0; i < nfmt; i++) {
			struct fval v;
			cor_error *err = read_entry_value(&fc, r, fmt[i][1], &v);
			if (err)
				return err;
			if (fmt[i][0] == DW_LNCT_path)
				path = v.s;
			else if (fmt[i][0] == DW_LNCT_directory_index)
				dir = v.u;
		}
		if (!path)
			path = "";
		cor_error *err = files ? add_file(lt, r, path, dir) : add_dir(lt, r, path);
		if (err)
			return err;
	}
	return NULL;
}

static cor_error *emit_row(struct line_table *lt, struct lstate *st)
{
	if (lt->search) {
		if (st->addr <= lt->pc && (!lt->have || st->addr >= lt->best_addr)) {
			lt->have = true;
			lt->best_addr = st->addr;
			lt->best_file = st->file > UINT32_MAX ? UINT32_MAX : (uint32_t)st->file;
			lt->best_line = (uint32_t)st->line;
			lt->best_col = st->col > UINT32_MAX ? 0 : (uint32_t)st->col;
		}
		return NULL;
	}
	if (!st->in_seq || st->addr < st->lo)
		st->lo = st->addr;
	st->in_seq = true;
	return NULL;
}

static cor_error *end_seq(struct line_table *lt, struct lstate *st)
{
	if (lt->search) {
		lt->done = true;
	} else if (st->in_seq && st->lo < st->addr) {
		if (!COR_GROW(lt->seqs, lt->seqs_cap, lt->nseqs + 1))
			return &cor_enomem;
		struct lseq *q = &lt->seqs[lt->nseqs++];
		memset(q, 0, sizeof(*q));
		q->sp.lo = st->lo;
		q->sp.hi = st->addr;
		q->pos = lt->seq_begin;
	}
	memset(st, 0, sizeof(*st));
	st->file = 1;
	st->line = 1;
	lt->seq_ended = true;
	return NULL;
}

static void advance(const struct lhdr *h, struct lstate *st, uint64_t op_adv)
{
	uint64_t t = st->op_index + op_adv;
	st->addr += h->min_inst * (t / h->max_ops);
	st->op_index = t % h->max_ops;
}

static cor_error *extended(struct line_table *lt, struct reader *r,
			   struct lstate *st)
{
	uint64_t len, v;
	struct reader x;
	uint8_t op;
	const char *name;
	if (!reader_uleb(r, &len) || reader_left(r) < len)
		return reader_error(r, "truncated extended opcode");
	x = *r;
	x.end = r->pos + len;
	r->pos = x.end;
	if (!len || !reader_u8(&x, &op))
		return NULL;
	switch (op) {
	case LNE_end_sequence:
		return end_seq(lt, st);
	case LNE_set_address:
		if (len - 1 == 0 || len - 1 > 8)
			return reader_error(&x, "bad DW_LNE_set_address size");
		reader_uint(&x, (unsigned)(len - 1), &st->addr);
		st->op_index = 0;
		return NULL;
	case LNE_define_file:
		if (!reader_cstr(&x, &name) || !reader_uleb(&x, &v))
			return reader_error(&x, "truncated DW_LNE_define_file");
		/* the indexing pass registered it already */
		return lt->search ? NULL : add_file(lt, &x, name, v);
	default:
		return NULL;
	}
}

static cor_error *standard(struct line_table *lt, const struct lhdr *h,
			   struct reader *r, uint8_t op, struct lstate *st)
{
	uint64_t u;
	int64_t s;
	switch (op) {
	case LNS_copy:
		return emit_row(lt, st);
	case LNS_advance_pc:
		if (!reader_uleb(r, &u))
			break;
		advance(h, st, u);
		return NULL;
	case LNS_advance_line:
		if (!reader_sleb(r, &s))
			break;
		st->line += (uint64_t)s;
		return NULL;
	case LNS_set_file:
		return reader_uleb(r, &st->file) ? NULL : reader_error(r, "truncated opcode");
	case LNS_set_column:
		return reader_uleb(r, &st->col) ? NULL : reader_error(r, "truncated opcode");
	case LNS_const_add_pc:
		advance(h, st, (255u - h->opcode_base) / h->line_range);
		return NULL;
	case LNS_fixed_advance_pc:
		if (!reader_uint(r, 2, &u))
			break;
		st->addr += u;
		st->op_index = 0;
		return NULL;
	case LNS_negate_stmt: case LNS_set_basic_block:
	case LNS_set_prologue_end: case LNS_set_epilogue_begin:
		return NULL;
	default:
		/* LNS_set_isa and unknown opcodes: skip their uleb operands */
		for (unsigned i = 0; i < h->std_len[op - 1]; i++)
			if (!reader_uleb(r, &u))
				return reader_error(r, "truncated opcode");
		return NULL;
	}
	return reader_error(r, "truncated opcode");
}

static cor_error *run_program(struct line_table *lt, const struct lhdr *h,
			      struct reader *r)
{
	struct lstate st;
	cor_error *err = NULL;
	uint8_t op;
	memset(&st, 0, sizeof(st));
	st.file = st.line = 1;
	lt->seq_begin = (size_t)(r->pos - lt->secs->line.data);
	while (!err && !lt->done && reader_u8(r, &op)) {
		if (op >= h->opcode_base) {
			unsigned adj = op - h->opcode_base;
			advance(h, &st, adj / h->line_range);
			st.line += (uint64_t)(h->line_base + (int64_t)(adj % h->line_range));
			err = emit_row(lt, &st);
		} else if (op == 0) {
			err = extended(lt, r, &st);
		} else {
			err = standard(lt, h, r, op, &st);
		}
		if (lt->seq_ended) {
			lt->seq_ended = false;
			lt->seq_begin = (size_t)(r->pos - lt->secs->line.data);
		}
	}
	return err;
}

static cor_error *read_header(struct line_table *lt, struct reader *r,
			      struct lhdr *h, struct reader *prog)
{
	uint64_t len, hlen;
	uint8_t u8;
	cor_error *err;
	if (!reader_uint(r, 4, &len))
		return reader_error(r, "truncated unit length");
	lt->offset_size = 4;
	if (len == 0xffffffff) {
		lt->offset_size = 8;
		if (!reader_uint(r, 8, &len))
			return reader_error(r, "truncated unit length");
	} else if (len >= 0xfffffff0) {
		return reader_error(r, "reserved unit length");
	}
	if (reader_left(r) < len)
		return reader_error(r, "unit length past end of section");
	r->end = r->pos + len;
	if (!reader_u16(r, &lt->version))
		return reader_error(r, "truncated header");
	if (lt->version < 2 || lt->version > 5)
		return reader_error(r, "unsupported line table version");
	if (lt->version >= 5 && (!reader_u8(r, &u8) || !reader_u8(r, &u8)))
		return reader_error(r, "truncated header");
	if (!reader_uint(r, lt->offset_size, &hlen) || reader_left(r) < hlen)
		return reader_error(r, "header length past end of unit");
	*prog = *r;
	prog->pos = r->pos + hlen;
	r->end = prog->pos;
	h->max_ops = 1;
	if (!reader_u8(r, &h->min_inst) ||
	    (lt->version >= 4 && !reader_u8(r, &h->max_ops)) ||
	    !reader_u8(r, &u8) || !reader_sint(r, 1, &h->line_base) ||
	    !reader_u8(r, &h->line_range) || !reader_u8(r, &h->opcode_base) ||
	    !reader_bytes(r, h->opcode_base ? h->opcode_base - 1u : 0, &h->std_len))
		return reader_error(r, "truncated header");
	if (!h->line_range || !h->opcode_base)
		return reader_error(r, "zero line_range or opcode_base");
	if (!h->max_ops)
		h->max_ops = 1;
	if (lt->version < 5)
		return read_v4_tables(lt, r);
	if ((err = read_v5_table(lt, r, false)))
		return err;
	return read_v5_table(lt, r, true);
}

static int seq_cmp(const void *a, const void *b)
{
	const struct lseq *x = a, *y = b;
	if (x->sp.lo != y->sp.lo)
		return x->sp.lo < y->sp.lo ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

cor_error *line_table_new(const struct line_params *p, uint64_t off,
			  struct line_table **out)
{
	const struct dwarf_section *sec = &p->secs->line;
	struct line_table *lt = cor_calloc(1, sizeof(*lt));
	struct reader r, prog;
	cor_error *err;
	*out = NULL;
	if (!lt)
		return &cor_enomem;
	lt->secs = p->secs;
	lt->p = p;
	lt->comp_dir = p->comp_dir;
	dwarf_reader(&r, sec, p->secs->be, p->addr_size);
	reader_where(&r, p->secs->path, ".debug_line", 0);
	if (!reader_seek(&r, off) || reader_at_end(&r))
		err = reader_error(&r, "line program offset out of range");
	else if (!(err = read_header(lt, &r, &lt->h, &prog))) {
		lt->prog = prog;
		err = run_program(lt, &lt->h, &prog);
	}
	lt->p = NULL;
	if (err) {
		line_table_free(lt);
		return err;
	}
	dwarf_spans_sort(lt->seqs, lt->nseqs, sizeof(*lt->seqs), seq_cmp);
	*out = lt;
	return NULL;
}

cor_error *line_table_view(const struct line_table *base, const char *comp_dir,
			   struct line_table **out)
{
	struct line_table *lt = cor_calloc(1, sizeof(*lt));
	*out = NULL;
	if (!lt)
		return &cor_enomem;
	*lt = *base;
	lt->base = base->base ? base->base : base;
	lt->comp_dir = comp_dir;
	lt->paths = NULL;
	lt->paths_cap = 0;
	*out = lt;
	return NULL;
}

void line_table_free(struct line_table *lt)
{
	if (!lt)
		return;
	if (lt->paths)
		for (size_t i = 0; i < lt->nfiles; i++)
			free(lt->paths[i]);
	free(lt->paths);
	if (lt->base) {
		free(lt);
		return;
	}
	free(lt->dirs);
	free(lt->files);
	free(lt->seqs);
	free(lt);
}

const char *line_table_comp_dir(const struct line_table *lt)
{
	return lt->comp_dir;
}

static char *join(const char *a, const char *b)
{
	size_t n = strlen(a);
	if (!n)
		return cor_strdup(b);
	return cor_asprintf("%s%s%s", a, a[n - 1] == '/' ? "" : "/", b);
}

static char *full_path(const struct line_table *lt, const struct lfile *f)
{
	const char *dir = NULL;
	char *tmp = NULL, *res;
	if (f->name[0] == '/')
		return cor_strdup(f->name);
	if (lt->version >= 5)
		dir = f->dir < lt->ndirs ? lt->dirs[f->dir] : NULL;
	else if (f->dir == 0)
		dir = lt->comp_dir;
	else if (f->dir - 1 < lt->ndirs)
		dir = lt->dirs[f->dir - 1];
	if (dir && dir[0] != '/' && lt->comp_dir && dir != lt->comp_dir) {
		if (!(tmp = join(lt->comp_dir, dir)))
			return NULL;
		dir = tmp;
	}
	res = dir ? join(dir, f->name) : cor_strdup(f->name);
	free(tmp);
	return res;
}

const char *line_table_file(struct line_table *lt, uint64_t idx)
{
	uint64_t base = lt->version >= 5 ? 0 : 1;
	if (idx < base || idx - base >= lt->nfiles)
		return NULL;
	idx -= base;
	if (!lt->paths && !(lt->paths = cor_calloc(lt->nfiles, sizeof(char *))))
		return NULL;
	if (!lt->paths[idx])
		lt->paths[idx] = full_path(lt, &lt->files[idx]);
	return lt->paths[idx];
}

/* Decodes sequence s again, for the row with the greatest address <= pc. */
static bool search_seq(struct line_table *lt, const struct lseq *s, uint64_t pc)
{
	struct reader r = lt->prog;
	if (!reader_seek(&r, s->pos))
		return false;
	lt->search = true;
	lt->done = lt->have = false;
	lt->pc = pc;
	cor_error *err = run_program(lt, &lt->h, &r);
	lt->search = false;
	cor_error_free(err);
	return !err && lt->have;
}

bool line_table_find(struct line_table *lt, uint64_t pc, const char **file,
		     uint32_t *line, uint32_t *column)
{
	for (size_t i = COR_UPPER_BOUND(lt->seqs, lt->nseqs, .sp.lo, pc);
	     i-- > 0 && lt->seqs[i].sp.maxhi > pc;) {
		if (pc >= lt->seqs[i].sp.hi || !search_seq(lt, &lt->seqs[i], pc))
			continue;
		*file = line_table_file(lt, lt->best_file);
		*line = lt->best_line;
		*column = lt->best_col;
		return true;
	}
	return false;
}
