/*
 * test_buf: the capped growing string (sbuf, util/util.h) and the error
 * helper errf(): an append past the cap is refused whole and leaves the
 * buffer valid with overflow set; errf() writes, cuts and tolerates a
 * missing buffer, and always returns -1.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

static void
test_sbuf_appends_up_to_the_cap_and_no_further(void **state)
{
	struct sbuf b;
	size_t i;

	(void)state;
	sbuf_init(&b, 10);
	assert_null(b.s);
	assert_int_equal(sbuf_str(&b, "hello"), 0);
	assert_int_equal(sbuf_add(&b, "world", 5), 0);            /* exactly 10 */
	assert_string_equal(b.s, "helloworld");
	assert_int_equal(b.overflow, 0);
	/* One byte more is refused; what it held stays, terminated. */
	assert_int_equal(sbuf_add(&b, "!", 1), -1);
	assert_int_equal(b.overflow, 1);
	assert_int_equal(b.len, 10);
	assert_string_equal(b.s, "helloworld");
	/* An empty append still fits; overflow stays set for a check at the end. */
	assert_int_equal(sbuf_add(&b, "", 0), 0);
	assert_int_equal(b.overflow, 1);
	assert_true(b.cap <= 11);                                 /* never grown past the cap */
	free(b.s);

	/* A piece larger than the cap is refused whole, not cut. */
	sbuf_init(&b, 4);
	assert_int_equal(sbuf_str(&b, "ab"), 0);
	assert_int_equal(sbuf_str(&b, "cde"), -1);
	assert_string_equal(b.s, "ab");
	free(b.s);

	/* Binary-safe, and growth across many appends keeps the bytes. */
	sbuf_init(&b, 100000);
	for (i = 0; i < 10000; i++)
		assert_int_equal(sbuf_add(&b, "a\0c", 3), 0);
	assert_int_equal(b.len, 30000);
	assert_int_equal(memcmp(b.s + 29997, "a\0c", 4), 0);
	assert_int_equal(sbuf_add(&b, b.s, 70001), -1);
	assert_int_equal(b.len, 30000);
	free(b.s);
}

static void
test_sbuf_zeroed_has_a_cap_of_nothing(void **state)
{
	struct sbuf b;

	(void)state;
	memset(&b, 0xAB, sizeof b);
	sbuf_init(&b, 0);
	assert_int_equal(sbuf_add(&b, "", 0), 0);
	assert_non_null(b.s);
	assert_string_equal(b.s, "");
	assert_int_equal(sbuf_str(&b, "x"), -1);
	free(b.s);
}

static void
test_errf_formats_cuts_and_returns_minus_one(void **state)
{
	char err[8];

	(void)state;
	assert_int_equal(errf(err, sizeof err, "%s %d", "no", 5), -1);
	assert_string_equal(err, "no 5");
	assert_int_equal(errf(err, sizeof err, "%s", "a longer reason"), -1);
	assert_string_equal(err, "a longe");
	/* No buffer: nothing written, same answer. */
	assert_int_equal(errf(NULL, 0, "%s", "x"), -1);
	assert_int_equal(errf(err, 0, "%s", "x"), -1);
	assert_string_equal(err, "a longe");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sbuf_appends_up_to_the_cap_and_no_further),
		cmocka_unit_test(test_sbuf_zeroed_has_a_cap_of_nothing),
		cmocka_unit_test(test_errf_formats_cuts_and_returns_minus_one),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
