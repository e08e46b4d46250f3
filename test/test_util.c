/*
 * test_util: the small helpers of util/util.h as their header promises
 * them: allocation that never returns NULL (and ends the process when it
 * cannot), bounded copies that say when they cut, whole decimal integers
 * within a range, constant-time secret comparison, the wall clock.  (sbuf
 * is tested with its own rework.)
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/util.h"

static void
test_alloc(void **state)
{
	unsigned char *p;
	char *s;
	size_t i;

	(void)state;
	/* Zero bytes is still a pointer one may free. */
	p = xmalloc(0);
	assert_non_null(p);
	free(p);
	p = xcalloc(0, 0);
	assert_non_null(p);
	free(p);
	p = xrealloc(NULL, 0);
	assert_non_null(p);
	free(p);

	p = xcalloc(100, 3);
	for (i = 0; i < 300; i++)
		assert_int_equal(p[i], 0);
	memcpy(p, "abcdef", 7);
	p = xrealloc(p, 100000);        /* grows, keeps what was there */
	assert_string_equal((char *)p, "abcdef");
	p = xrealloc(p, 4);
	assert_memory_equal(p, "abcd", 4);
	free(p);

	s = xstrdup("Jl. Pemuda");
	assert_string_equal(s, "Jl. Pemuda");
	free(s);
	s = xstrdup("");
	assert_string_equal(s, "");
	free(s);
	/* xstrndup: n bytes, NUL-terminated, even from a longer string. */
	s = xstrndup("SAMPAH menumpuk", 6);
	assert_string_equal(s, "SAMPAH");
	free(s);
	s = xstrndup("a\0b", 3);       /* binary-safe */
	assert_memory_equal(s, "a\0b\0", 4);
	free(s);
}

/* Out of memory ends the process (exit status 1), it never returns NULL. */
static void
test_alloc_failure_is_fatal(void **state)
{
	pid_t pid;
	int st;

	(void)state;
#ifdef __SANITIZE_ADDRESS__
	/* ASan's allocator aborts on such a size before xmalloc sees NULL. */
	skip();
#endif
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		void *p = xmalloc(SIZE_MAX / 2);

		_exit(p == NULL ? 3 : 0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 1) {
		print_error("xmalloc(SIZE_MAX / 2): expected exit status 1, got %s %d\n",
		    WIFEXITED(st) ? "exit" : "signal",
		    WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
		fail();
	}
}

static void
test_str_copy(void **state)
{
	char buf[8];

	(void)state;
	assert_int_equal(str_copy(buf, sizeof buf, "JALAN"), 0);
	assert_string_equal(buf, "JALAN");
	/* Exactly fits: 7 characters and the NUL. */
	assert_int_equal(str_copy(buf, sizeof buf, "KENDALX"), 0);
	assert_string_equal(buf, "KENDALX");
	/* One too many: cut, NUL-terminated, and said so. */
	assert_int_equal(str_copy(buf, sizeof buf, "SEMARANG"), -1);
	assert_string_equal(buf, "SEMARAN");
	assert_int_equal(str_copy(buf, sizeof buf, "a much longer sentence"), -1);
	assert_string_equal(buf, "a much ");
	assert_int_equal(str_copy(buf, sizeof buf, ""), 0);
	assert_string_equal(buf, "");
	/* Room for the NUL only, or for nothing: the byte after is untouched. */
	memset(buf, 'x', sizeof buf);
	assert_int_equal(str_copy(buf, 1, "abc"), -1);
	assert_int_equal(buf[0], '\0');
	assert_int_equal(buf[1], 'x');
	memset(buf, 'x', sizeof buf);
	assert_int_equal(str_copy(buf, 0, "abc"), -1);
	assert_int_equal(buf[0], 'x');
}

static void
test_path_dir(void **state)
{
	char dir[64];
	const char *path = "/var/lib/aduan/aduan.db";

	(void)state;
	assert_int_equal(path_dir(dir, sizeof dir, path), 0);
	assert_string_equal(dir, "/var/lib/aduan");
	assert_string_equal(path, "/var/lib/aduan/aduan.db");   /* path untouched */
	assert_int_equal(path_dir(dir, sizeof dir, "aduan.db"), 0);
	assert_string_equal(dir, ".");
	assert_int_equal(path_dir(dir, sizeof dir, "/aduan.db"), 0);
	assert_string_equal(dir, "/");
	assert_int_equal(path_dir(dir, sizeof dir, "data/aduan.db"), 0);
	assert_string_equal(dir, "data");
	/* A directory that does not fit is said so. */
	assert_int_equal(path_dir(dir, 4, "/var/lib/aduan.db"), -1);
}

/* FNV-1a 64's published test values, and a key of two strings told apart by the NUL. */
static void
test_fnv1a(void **state)
{
	(void)state;
	assert_true(fnv1a(FNV1A_INIT, "", 0) == 0xcbf29ce484222325ULL);
	assert_true(fnv1a(FNV1A_INIT, "a", 1) == 0xaf63dc4c8601ec8cULL);
	assert_true(fnv1a(FNV1A_INIT, "foobar", 6) == 0x85944171f73967e8ULL);
	assert_true(fnv1a(fnv1a(FNV1A_INIT, "foo", 3), "bar", 3) ==
	    fnv1a(FNV1A_INIT, "foobar", 6));
	assert_true(fnv1a(fnv1a(FNV1A_INIT, "ab", 3), "c", 1) !=
	    fnv1a(fnv1a(FNV1A_INIT, "a", 2), "bc", 2));
}

static void
test_str_to_long(void **state)
{
	static const struct {
		const char *s;
		long min, max;
		int ok;
		long want;
	} cases[] = {
		{ "8080", 1, 65535, 0, 8080 },
		{ "1", 1, 65535, 0, 1 },
		{ "65535", 1, 65535, 0, 65535 },
		{ "0", 0, 2, 0, 0 },
		{ "-5", -10, 10, 0, -5 },
		{ "007", 0, 10, 0, 7 },                 /* decimal, not octal */
		{ "0", 1, 65535, -1, 0 },               /* below min */
		{ "65536", 1, 65535, -1, 0 },           /* above max */
		{ "-1", 0, 255, -1, 0 },
		{ "", 0, 10, -1, 0 },
		{ "12abc", 0, 100, -1, 0 },             /* not whole */
		{ "1 ", 0, 100, -1, 0 },
		{ "1.5", 0, 100, -1, 0 },
		{ "0x10", 0, 100, -1, 0 },              /* not hexadecimal */
		{ "abc", 0, 100, -1, 0 },
		{ "99999999999999999999999", 0, LONG_MAX, -1, 0 }, /* overflow */
		{ "-99999999999999999999999", LONG_MIN, 0, -1, 0 },
		{ "9223372036854775807", 0, LONG_MAX, 0, LONG_MAX },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		long v = 12345;
		int r = str_to_long(cases[i].s, cases[i].min, cases[i].max, &v);

		if (r != cases[i].ok || (r == 0 && v != cases[i].want) ||
		    (r != 0 && v != 12345)) {
			print_error("str_to_long(\"%s\", %ld, %ld): expected %d (%ld), got %d (%ld)\n",
			    cases[i].s, cases[i].min, cases[i].max, cases[i].ok,
			    cases[i].ok == 0 ? cases[i].want : 12345L, r, v);
			fail();
		}
	}
	{
		long v = 1;

		assert_int_equal(str_to_long(NULL, 0, 10, &v), -1);
		assert_int_equal(v, 1);
	}
}

static void
test_secret_equal(void **state)
{
	(void)state;
	assert_true(str_secret_equal("s3cret-token", "s3cret-token"));
	assert_true(str_secret_equal("", ""));
	assert_false(str_secret_equal("s3cret-tokeN", "s3cret-token"));
	assert_false(str_secret_equal("S3cret-token", "s3cret-token"));
	/* A prefix or an extension of the secret is not the secret. */
	assert_false(str_secret_equal("s3cret", "s3cret-token"));
	assert_false(str_secret_equal("s3cret-token-and-more", "s3cret-token"));
	assert_false(str_secret_equal("", "s3cret-token"));
	assert_false(str_secret_equal("s3cret-token", ""));
	/* A longer guess whose first bytes match. */
	assert_false(str_secret_equal("s3cret-token\x01", "s3cret-token"));
}

static void
test_now_and_array_len(void **state)
{
	static const int five[5];
	int64_t before = (int64_t)time(NULL), now = now_unix(), after = (int64_t)time(NULL);

	(void)state;
	(void)five;
	assert_true(before <= now && now <= after);
	assert_true(now > 1700000000);          /* a wall clock, not a monotonic one */
	assert_int_equal(ARRAY_LEN(five), 5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alloc),
		cmocka_unit_test(test_alloc_failure_is_fatal),
		cmocka_unit_test(test_str_copy),
		cmocka_unit_test(test_path_dir),
		cmocka_unit_test(test_str_to_long),
		cmocka_unit_test(test_fnv1a),
		cmocka_unit_test(test_secret_equal),
		cmocka_unit_test(test_now_and_array_len),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
