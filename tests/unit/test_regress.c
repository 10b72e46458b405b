/* test_regress - replays the committed fuzz corpus: every file under
 * tests/regress/<target>/ goes to the same entry point as the libFuzzer
 * harness of that target (tests/fuzz/targets.h). A crash kills the test, a
 * hang is stopped by an alarm (one failure), each file that returns is a
 * pass.
 *
 *   test_regress [DIR]   DIR defaults to $COR_REGRESS_DIR, tests/regress
 *                        of the current directory, or ../../tests/regress
 *                        from the binary (build/tests/test_regress). */
#include <dirent.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "t.h"
#include "../fuzz/targets.h"

#define SECONDS_PER_FILE 60

static char current[PATH_MAX + 512];

static void on_alarm(int sig)
{
	static const char msg[] = "FAIL: timeout replaying ";
	(void)sig;
	if (write(2, msg, sizeof(msg) - 1) < 0 || write(2, current, strlen(current)) < 0 ||
	    write(2, "\n", 1) < 0)
		_exit(1);
	printf("%d passed, %d failed\n", t_pass, t_fail + 1);
	fflush(stdout);
	_exit(1);
}

static bool is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static const char *find_dir(int argc, char **argv, char *buf, size_t n)
{
	if (argc > 1)
		return argv[1];
	const char *e = getenv("COR_REGRESS_DIR");
	if (e && *e)
		return e;
	if (is_dir("tests/regress"))
		return "tests/regress";
	ssize_t k = readlink("/proc/self/exe", buf, n - 32);
	if (k > 0) {
		buf[k] = 0;
		char *s = strrchr(buf, '/');
		if (s) {
			strcpy(s, "/../../tests/regress");
			if (is_dir(buf))
				return buf;
		}
	}
	return "tests/regress";
}

static uint8_t *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	uint8_t *p = NULL;
	size_t len = 0, cap = 0;
	for (;;) {
		if (cap - len < 65536) {
			cap = cap ? cap * 2 : 65536;
			uint8_t *q = realloc(p, cap);
			if (!q) {
				free(p);
				fclose(f);
				return NULL;
			}
			p = q;
		}
		size_t got = fread(p + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	fclose(f);
	*n = len;
	return p;
}

static int replay_dir(const char *root, const struct fuzz_target *t)
{
	char dir[PATH_MAX + 64];
	snprintf(dir, sizeof(dir), "%s/%s", root, t->name);
	struct dirent **ents;
	int n = scandir(dir, &ents, NULL, alphasort);
	if (n < 0)
		return 0;
	int files = 0;
	for (int i = 0; i < n; i++) {
		if (ents[i]->d_name[0] != '.') {
			snprintf(current, sizeof(current), "%s/%s", dir, ents[i]->d_name);
			size_t len = 0;
			uint8_t *data = slurp(current, &len);
			if (!data) {
				t_fail++;
				fprintf(stderr, "FAIL: cannot read %s\n", current);
			} else {
				/* an exact-size copy, so ASan sees reads past the end */
				uint8_t *exact = malloc(len ? len : 1);
				if (exact) {
					memcpy(exact, data, len);
					alarm(SECONDS_PER_FILE);
					t->fn(exact, len);
					alarm(0);
					t_pass++;
					files++;
				}
				free(exact);
				free(data);
			}
		}
		free(ents[i]);
	}
	free(ents);
	return files;
}

int main(int argc, char **argv)
{
	char buf[PATH_MAX];
	const char *root = find_dir(argc, argv, buf, sizeof(buf));
	signal(SIGALRM, on_alarm);
	int total = 0;
	for (size_t i = 0; i < COR_ARRAY_SIZE(fuzz_targets); i++)
		total += replay_dir(root, &fuzz_targets[i]);
	if (!total)
		fprintf(stderr, "note: no regression inputs under %s\n", root);
	return T_DONE();
}
