/*
 * test_utf8: utf8_cut() and utf8_fix_tail() (util/util.h), the one way
 * every module cuts text: a cut never leaves half a character, on 2-, 3-
 * and 4-byte characters at every offset, and never reads past len.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sms/text.h"
#include "util/util.h"

/* "a" é (2) – (3) 😟 (4) "z": bytes 0 | 1-2 | 3-5 | 6-9 | 10 */
#define MIXED "a\xC3\xA9\xE2\x80\x93\xF0\x9F\x98\x9Fz"

static void
test_cut_steps_back_to_a_character_start(void **state)
{
	static const size_t want[] = { 0, 1, 1, 3, 3, 3, 6, 6, 6, 6, 10, 11, 11 };
	const char *s = MIXED;
	size_t len = strlen(s), n, got;

	(void)state;
	assert_int_equal(len, 11);
	for (n = 0; n < ARRAY_LEN(want); n++) {
		got = utf8_cut(s, len, n);
		if (got != want[n])
			fail_msg("utf8_cut(MIXED, %zu, %zu): expected %zu, got %zu", len, n,
			    want[n], got);
		/* What is kept is whole characters. */
		assert_true(text_utf8_valid(s, got));
	}
}

static void
test_cut_never_reads_at_or_past_len(void **state)
{
	/* The byte at len is a continuation byte that is not the caller's. */
	char *s = malloc(3);

	(void)state;
	memcpy(s, "ab\x80", 3);
	assert_int_equal(utf8_cut(s, 2, 2), 2);
	assert_int_equal(utf8_cut(s, 2, 99), 2);
	assert_int_equal(utf8_cut(s, 0, 0), 0);
	free(s);
	/* Bytes that are all continuations give 0, not a wrap. */
	assert_int_equal(utf8_cut("\x80\x80\x80", 3, 2), 0);
}

static void
test_fix_tail_drops_only_an_incomplete_last_character(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "", "" },
		{ "abc", "abc" },
		{ "a\xC3\xA9", "a\xC3\xA9" },
		{ "a\xC3", "a" },
		{ "a\xE2\x80", "a" },
		{ "a\xE2", "a" },
		{ "a\xF0\x9F\x98", "a" },
		{ "a\xF0\x9F\x98\x9F", "a\xF0\x9F\x98\x9F" },
		{ "\xE2\x80\x93\xE2\x80", "\xE2\x80\x93" },
	};
	char buf[32];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		(void)str_copy(buf, sizeof buf, cases[i].in);
		utf8_fix_tail(buf);
		if (strcmp(buf, cases[i].want) != 0)
			fail_msg("case %zu: expected %zu bytes, got %zu", i, strlen(cases[i].want),
			    strlen(buf));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cut_steps_back_to_a_character_start),
		cmocka_unit_test(test_cut_never_reads_at_or_past_len),
		cmocka_unit_test(test_fix_tail_drops_only_an_incomplete_last_character),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
