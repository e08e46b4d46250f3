/*
 * replay: a main() for a fuzz target built without libFuzzer (gcc, the
 * normal build and the sanitizer builds), so that `make check` runs every
 * input of its corpus and every past crash through it:
 *
 *   build/fuzz-replay/fuzz_NAME FILE_OR_DIR...
 *
 * Calls LLVMFuzzerInitialize when the target has one, then
 * LLVMFuzzerTestOneInput on each file given and on each regular file in
 * each directory given (a missing directory is fine: a target may have no
 * past crashes yet).  A crash is a crash, as under libFuzzer: the target
 * aborts, and AddressSanitizer/UBSan say why in a sanitizer build.  Prints
 * how many inputs ran; exits 1 when there was none at all.
 */
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (f == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 8192;
			buf = realloc(buf, cap);
			if (buf == NULL) {
				fprintf(stderr, "replay: out of memory\n");
				exit(2);
			}
		}
		n = fread(buf + len, 1, cap - len, f);
		if (n == 0)
			break;
		len += n;
	}
	fclose(f);
	/* An exact-size copy, so that a read past the input is caught. */
	{
		uint8_t *in = malloc(len ? len : 1);

		if (in == NULL)
			exit(2);
		memcpy(in, buf, len);
		free(buf);
		LLVMFuzzerTestOneInput(in, len);
		free(in);
	}
	return 0;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
main(int argc, char **argv)
{
	struct stat st;
	struct dirent *e;
	char **names, path[4096];
	size_t n, cap, i;
	long runs = 0;
	int a, bad = 0;
	DIR *d;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE_OR_DIR...\n", argv[0]);
		return 2;
	}
	if (LLVMFuzzerInitialize != NULL)
		LLVMFuzzerInitialize(&argc, &argv);
	for (a = 1; a < argc; a++) {
		if (stat(argv[a], &st) != 0) {
			if (errno == ENOENT)
				continue;
			fprintf(stderr, "replay: %s: %s\n", argv[a], strerror(errno));
			bad = 1;
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			if (run_file(argv[a]) == 0)
				runs++;
			else
				bad = 1;
			continue;
		}
		if ((d = opendir(argv[a])) == NULL) {
			fprintf(stderr, "replay: %s: %s\n", argv[a], strerror(errno));
			bad = 1;
			continue;
		}
		names = NULL;
		n = cap = 0;
		while ((e = readdir(d)) != NULL) {
			if (e->d_name[0] == '.')
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				names = realloc(names, cap * sizeof *names);
				if (names == NULL)
					exit(2);
			}
			names[n] = strdup(e->d_name);
			if (names[n] == NULL)
				exit(2);
			n++;
		}
		closedir(d);
		if (n > 0)
			qsort(names, n, sizeof *names, by_name);
		for (i = 0; i < n; i++) {
			if ((size_t)snprintf(path, sizeof path, "%s/%s", argv[a], names[i]) <
			    sizeof path && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
				if (run_file(path) == 0)
					runs++;
				else
					bad = 1;
			}
			free(names[i]);
		}
		free(names);
	}
	printf("%s: %ld inputs replayed\n", argv[0], runs);
	if (runs == 0) {
		fprintf(stderr, "replay: no inputs found\n");
		return 1;
	}
	return bad;
}
