/* coroner list [DIR]: the cores of a directory (systemd-coredump's, by
 * default), newest first, like coredumpctl list but without the journal:
 * from the files' user.coredump.* attributes, else their names
 * (core.COMM.UID.BOOTID.PID.USEC[.zst|.lz4|.xz]) and the cores' own notes. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "cli.h"

#define DEFAULT_DIR "/var/lib/systemd/coredump"

struct entry {
	char *file;              /* path */
	uint64_t size;           /* bytes of the file */
	uint64_t usec;           /* time of the crash (or of the file) */
	bool have_pid, have_uid, have_signal;
	int32_t pid, signal;
	uint32_t uid;
	char *exe;               /* executable, else the command's name, or NULL */
	const char *source;      /* "xattrs", "name" or "notes" */
};

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return n > 0;
}

/* core.COMM.UID.BOOTID.PID.USEC with an optional compression suffix. */
static bool from_name(struct entry *e, const char *name)
{
	char *s = strdup(name), *f[64];
	int n = 0;
	if (!s)
		return false;
	for (char *p = s, *dot; n < 64; p = dot + 1) {
		f[n++] = p;
		if (!(dot = strchr(p, '.')))
			break;
		*dot = 0;
	}
	if (n > 1 && (!strcmp(f[n - 1], "zst") || !strcmp(f[n - 1], "lz4") ||
		      !strcmp(f[n - 1], "xz") || !strcmp(f[n - 1], "gz")))
		n--;
	bool ok = n >= 6 && !strcmp(f[0], "core") && all_digits(f[n - 1], strlen(f[n - 1])) &&
		  all_digits(f[n - 2], strlen(f[n - 2])) && all_digits(f[n - 4], strlen(f[n - 4])) &&
		  strlen(f[n - 3]) == 32;
	if (ok) {
		e->usec = strtoull(f[n - 1], NULL, 10);
		e->pid = (int32_t)strtol(f[n - 2], NULL, 10), e->have_pid = true;
		e->uid = (uint32_t)strtoul(f[n - 4], NULL, 10), e->have_uid = true;
		/* COMM may hold dots: what is between "core." and ".UID" */
		size_t len = (size_t)(f[n - 4] - f[1]) - 1;
		if (!e->exe)
			e->exe = strndup(name + 5, len);
		e->source = "name";
	}
	free(s);
	return ok;
}

/* What the core's notes say, when neither attributes nor name did. */
static void from_notes(struct entry *e)
{
	struct cor_options o = COR_OPTIONS_INIT;
	cor_core *c;
	cor_error *err = cor_core_open(e->file, &o, &c);
	if (err) {
		cor_error_free(err);
		return;
	}
	const struct cor_process *p = cor_core_process(c);
	const struct cor_signal *s = cor_core_signal(c);
	if (p->have_psinfo && !e->have_pid)
		e->pid = p->pid, e->have_pid = true;
	if (p->have_psinfo && !e->have_uid)
		e->uid = p->uid, e->have_uid = true;
	if (s->number && !e->have_signal)
		e->signal = s->number, e->have_signal = true;
	const char *exe = p->executable ? p->executable : p->command;
	if (exe && (!e->exe || !strcmp(e->source, "name"))) {
		free(e->exe);
		e->exe = strdup(exe);
	}
	if (!e->source)
		e->source = "notes";
	cor_core_free(c);
}

static bool read_entry(struct entry *e, const char *dir, const char *name)
{
	struct stat st;
	if (asprintf(&e->file, "%s/%s", dir, name) < 0) {
		e->file = NULL;
		return false;
	}
	if (stat(e->file, &st) != 0 || !S_ISREG(st.st_mode))
		return false;
	e->size = (uint64_t)st.st_size;
	e->usec = (uint64_t)st.st_mtim.tv_sec * 1000000 + (uint64_t)st.st_mtim.tv_nsec / 1000;
	struct cor_coredump *cd = NULL;
	cor_error *err = cor_coredump_read(e->file, &cd);
	cor_error_free(err);
	if (cd) {
		e->source = "xattrs";
		if (cd->have_timestamp)
			e->usec = cd->timestamp;
		e->have_pid = cd->have_pid, e->pid = cd->pid;
		e->have_uid = cd->have_uid, e->uid = cd->uid;
		e->have_signal = cd->have_signal, e->signal = cd->signal;
		const char *exe = cd->exe ? cd->exe : cd->comm;
		e->exe = exe ? strdup(exe) : NULL;
		cor_coredump_free(cd);
	} else {
		from_name(e, name);
	}
	if (!e->have_signal || !e->have_pid || !e->exe || (e->source && !strcmp(e->source, "name")))
		from_notes(e);
	return true;
}

static int newest_first(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	if (x->usec != y->usec)
		return x->usec < y->usec ? 1 : -1;
	return strcmp(x->file, y->file);
}

static void print_text(const struct entry *v, size_t n)
{
	printf("%-27s %7s %5s %-8s %10s  %s\n", "TIME", "PID", "UID", "SIGNAL", "SIZE", "EXE (FILE)");
	for (size_t i = 0; i < n; i++) {
		const struct entry *e = &v[i];
		char when[64] = "-", pid[16] = "-", uid[16] = "-", sig[16] = "-";
		time_t t = (time_t)(e->usec / 1000000);
		struct tm tm;
		if (localtime_r(&t, &tm))
			strftime(when, sizeof(when), "%a %Y-%m-%d %H:%M:%S %Z", &tm);
		if (e->have_pid)
			snprintf(pid, sizeof(pid), "%d", e->pid);
		if (e->have_uid)
			snprintf(uid, sizeof(uid), "%u", e->uid);
		if (e->have_signal) {
			const char *sn = cor_signal_name(e->signal);
			if (sn && !strncmp(sn, "SIG", 3))
				snprintf(sig, sizeof(sig), "%s", sn + 3);
			else
				snprintf(sig, sizeof(sig), "%d", e->signal);
		}
		printf("%-27s %7s %5s %-8s %10" PRIu64 "  %s (%s)\n", when, pid, uid, sig, e->size,
		       e->exe ? tx(e->exe) : "?", tx(e->file));
	}
}

static void print_json(const struct entry *v, size_t n)
{
	struct json j;
	json_doc_begin(&j, stdout);
	json_key(&j, "cores");
	json_arr(&j);
	for (size_t i = 0; i < n; i++) {
		const struct entry *e = &v[i];
		json_obj(&j);
		json_key(&j, "file"); json_str(&j, e->file);
		json_key(&j, "time_usec"); json_int(&j, (int64_t)e->usec);
		json_key(&j, "pid"); if (e->have_pid) json_int(&j, e->pid); else json_null(&j);
		json_key(&j, "uid"); if (e->have_uid) json_int(&j, e->uid); else json_null(&j);
		json_key(&j, "signal"); if (e->have_signal) json_int(&j, e->signal); else json_null(&j);
		json_key(&j, "signal_name");
		json_str(&j, e->have_signal ? cor_signal_name(e->signal) : NULL);
		json_key(&j, "exe"); json_str(&j, e->exe);
		json_key(&j, "size"); json_int(&j, (int64_t)e->size);
		json_key(&j, "source"); json_str(&j, e->source);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_obj_end(&j);
	json_end(&j);
}

int cmd_list(int argc, char **argv)
{
	const char *dir = NULL;
	bool json = false;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: coroner list [DIR] [--json]\n\n"
			       "The cores of DIR (default " DEFAULT_DIR "), newest first: time, pid,\n"
			       "uid, signal, size of the file, executable. From systemd-coredump's\n"
			       "user.coredump.* attributes, else the file name\n"
			       "(core.COMM.UID.BOOTID.PID.USEC.zst) and the core's notes.\n");
			return EXIT_OK;
		} else if (argv[i][0] == '-' || dir) {
			fprintf(stderr, "coroner list: unexpected argument '%s'\n", argv[i]);
			return EXIT_USAGE;
		} else {
			dir = argv[i];
		}
	}
	if (!dir)
		dir = DEFAULT_DIR;
	DIR *d = opendir(dir);
	if (!d) {
		fprintf(stderr, "coroner list: %s: %s\n", dir, strerror(errno));
		return EXIT_ERROR;
	}
	struct entry *v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	int rc = EXIT_OK;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "core", 4) != 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			struct entry *nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				rc = EXIT_ERROR;
				break;
			}
			v = nv;
		}
		memset(&v[n], 0, sizeof(v[n]));
		if (read_entry(&v[n], dir, de->d_name))
			n++;
		else
			free(v[n].file);
	}
	closedir(d);
	if (rc == EXIT_OK) {
		qsort(v, n, sizeof(*v), newest_first);
		if (json)
			print_json(v, n);
		else
			print_text(v, n);
	} else {
		fprintf(stderr, "coroner list: out of memory\n");
	}
	for (size_t i = 0; i < n; i++) {
		free(v[i].file);
		free(v[i].exe);
	}
	free(v);
	return rc;
}

/* ---- the "coredump" object of info and JSON ---- */

static void usec_text(uint64_t usec, char *buf, size_t n)
{
	time_t t = (time_t)(usec / 1000000);
	struct tm tm;
	if (!localtime_r(&t, &tm) || !strftime(buf, n, "%a %Y-%m-%d %H:%M:%S %Z", &tm))
		snprintf(buf, n, "%" PRIu64, usec);
}

void json_coredump(struct json *j, const struct cor_coredump *cd)
{
	if (!cd) {
		json_null(j);
		return;
	}
	json_obj(j);
	json_key(j, "pid"); if (cd->have_pid) json_int(j, cd->pid); else json_null(j);
	json_key(j, "uid"); if (cd->have_uid) json_int(j, cd->uid); else json_null(j);
	json_key(j, "gid"); if (cd->have_gid) json_int(j, cd->gid); else json_null(j);
	json_key(j, "signal"); if (cd->have_signal) json_int(j, cd->signal); else json_null(j);
	json_key(j, "timestamp");
	if (cd->have_timestamp) json_int(j, (int64_t)cd->timestamp); else json_null(j);
	json_key(j, "rlimit");
	if (cd->have_rlimit && cd->rlimit <= INT64_MAX) json_int(j, (int64_t)cd->rlimit);
	else if (cd->have_rlimit) json_str(j, "unlimited");
	else json_null(j);
	json_key(j, "comm"); json_str(j, cd->comm);
	json_key(j, "exe"); json_str(j, cd->exe);
	json_key(j, "hostname"); json_str(j, cd->hostname);
	json_obj_end(j);
}

void print_coredump(FILE *f, const struct cor_coredump *cd)
{
	if (!cd)
		return;
	fprintf(f, "coredump:  ");
	if (cd->have_pid)
		fprintf(f, " pid %d", cd->pid);
	if (cd->have_uid)
		fprintf(f, ", uid %u", cd->uid);
	if (cd->have_gid)
		fprintf(f, ", gid %u", cd->gid);
	if (cd->have_signal) {
		const char *sn = cor_signal_name(cd->signal);
		fprintf(f, ", signal %d%s%s%s", cd->signal, sn ? " (" : "", sn ? sn : "", sn ? ")" : "");
	}
	if (cd->comm)
		fprintf(f, ", comm %s", tx(cd->comm));
	if (cd->hostname)
		fprintf(f, ", host %s", tx(cd->hostname));
	if (cd->have_rlimit && cd->rlimit == UINT64_MAX)
		fprintf(f, ", rlimit unlimited");
	else if (cd->have_rlimit)
		fprintf(f, ", rlimit %" PRIu64, cd->rlimit);
	fputc('\n', f);
	if (cd->exe)
		fprintf(f, "            exe %s\n", cd->exe);
	if (cd->have_timestamp) {
		char when[64];
		usec_text(cd->timestamp, when, sizeof(when));
		fprintf(f, "            at %s\n", when);
	}
}
