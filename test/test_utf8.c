/*
 * test_utf8: utf8_cut() and utf8_fix_tail() (util/util.h), the one way
 * every module cuts text: a cut never leaves half a character, on 2-, 3-
 * and 4-byte characters at every offset, and never reads past len.  And
 * utf8_next(), the one UTF-8 decoder (log escaping, text checks and
 * charset decoding, PII masking): exactly the well-formed characters of
 * Unicode, every boundary, every overlong, surrogate and cut sequence
 * refused, never a byte read past len.
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

/* The reference: the one UTF-8 form of code point c. */
static size_t
encode(uint32_t c, unsigned char *out)
{
	if (c < 0x80) {
		out[0] = (unsigned char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (unsigned char)(0xC0 | (c >> 6));
		out[1] = (unsigned char)(0x80 | (c & 0x3F));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (unsigned char)(0xE0 | (c >> 12));
		out[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
		out[2] = (unsigned char)(0x80 | (c & 0x3F));
		return 3;
	}
	out[0] = (unsigned char)(0xF0 | (c >> 18));
	out[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3F));
	out[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
	out[3] = (unsigned char)(0x80 | (c & 0x3F));
	return 4;
}

/*
 * Case i: utf8_next on a heap copy of exactly len bytes (so ASan sees any
 * read past len) gives want bytes and, when want is not 0, code point
 * want_cp; when it is 0, *cp is left alone.
 */
static void
expect_next(size_t i, const char *bytes, size_t len, size_t want, uint32_t want_cp)
{
	unsigned char *p = malloc(len > 0 ? len : 1);
	uint32_t cp = 0xDEADBEEF;
	size_t n;

	assert_non_null(p);
	memcpy(p, bytes, len);
	n = utf8_next(p, len, &cp);
	free(p);
	if (want == 0)
		want_cp = 0xDEADBEEF;
	if (n != want || cp != want_cp)
		fail_msg("case %zu: expected %zu bytes U+%04X, got %zu bytes U+%04X", i, want,
		    (unsigned)want_cp, n, (unsigned)cp);
}

static void
test_next_decodes_every_boundary(void **state)
{
	static const struct {
		const char *s;
		size_t len;
		uint32_t cp;
	} ok[] = {
		{ "\x00", 1, 0x0 },                     /* NUL is a character */
		{ "A", 1, 0x41 },
		{ "\x7F", 1, 0x7F },
		{ "\xC2\x80", 2, 0x80 },
		{ "\xC3\xA9", 2, 0xE9 },
		{ "\xDF\xBF", 2, 0x7FF },
		{ "\xE0\xA0\x80", 3, 0x800 },
		{ "\xE2\x80\x93", 3, 0x2013 },
		{ "\xED\x9F\xBF", 3, 0xD7FF },          /* just below the surrogates */
		{ "\xEE\x80\x80", 3, 0xE000 },          /* just above them */
		{ "\xEF\xBF\xBF", 3, 0xFFFF },
		{ "\xF0\x90\x80\x80", 4, 0x10000 },
		{ "\xF0\x9F\x98\x9F", 4, 0x1F61F },
		{ "\xF4\x8F\xBF\xBF", 4, 0x10FFFF },
	};
	uint32_t cp;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(ok); i++) {
		expect_next(i, ok[i].s, ok[i].len, ok[i].len, ok[i].cp);
		/* What follows the character is not read as part of it. */
		{
			unsigned char buf[8];

			memcpy(buf, ok[i].s, ok[i].len);
			memcpy(buf + ok[i].len, "\x80\x80\x80\x80", 4);
			assert_int_equal(utf8_next(buf, ok[i].len + 4, &cp), ok[i].len);
			assert_int_equal(cp, ok[i].cp);
		}
	}
}

static void
test_next_refuses_what_is_not_well_formed(void **state)
{
	static const struct {
		const char *s;
		size_t len;
	} bad[] = {
		{ "", 0 },                              /* nothing */
		{ "\x80", 1 },                          /* a stray continuation byte */
		{ "\xBF", 1 },
		{ "\xC0\x80", 2 },                      /* overlong NUL */
		{ "\xC1\xBF", 2 },                      /* overlong U+007F */
		{ "\xE0\x80\xB0", 3 },                  /* overlong '0' */
		{ "\xE0\x9F\xBF", 3 },                  /* overlong U+07FF */
		{ "\xF0\x80\x80\xB0", 4 },              /* overlong '0' */
		{ "\xF0\x8F\xBF\xBF", 4 },              /* overlong U+FFFF */
		{ "\xED\xA0\x80", 3 },                  /* U+D800, a surrogate */
		{ "\xED\xBF\xBF", 3 },                  /* U+DFFF */
		{ "\xF4\x90\x80\x80", 4 },              /* U+110000 */
		{ "\xF5\x80\x80\x80", 4 },              /* no such lead byte */
		{ "\xF8\x88\x80\x80\x80", 5 },
		{ "\xFF", 1 },
		{ "\xC3", 1 },                          /* cut by len */
		{ "\xE2\x80", 2 },
		{ "\xF0\x9F\x98", 3 },
		{ "\xC3" "A", 2 },                      /* cut by a byte that is not a continuation */
		{ "\xE2\x80" "A", 3 },
		{ "\xF0\x9F\x98" "A", 4 },
		{ "\xF0\x9F\x98\xC3\xA9", 5 },
	};
	uint32_t cp;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(bad); i++)
		expect_next(i, bad[i].s, bad[i].len, 0, 0);
	/* A well-formed character longer than len is refused, not read past len. */
	expect_next(ARRAY_LEN(bad), "\xF0\x9F\x98\x9F", 2, 0, 0);
	/* A NUL-terminated string may be given len 4: the NUL ends the sequence. */
	assert_int_equal(utf8_next((const unsigned char *)"\xE2\x80", 4, &cp), 0);
	assert_int_equal(utf8_next((const unsigned char *)"\xC3\xA9", 4, &cp), 2);
	assert_int_equal(cp, 0xE9);
}

/*
 * Every code point round-trips, and every 1-, 2- and 3-byte sequence that
 * utf8_next accepts is the one encoding of a code point that is not a
 * surrogate: there are exactly as many as Unicode has.
 */
static void
test_next_accepts_exactly_the_unicode_encodings(void **state)
{
	unsigned char b[4];
	uint32_t c, cp = 0;
	size_t n, len;
	unsigned long x, valid[4] = { 0, 0, 0, 0 };

	(void)state;
	for (c = 0; c <= 0x10FFFF; c++) {
		if (c >= 0xD800 && c <= 0xDFFF) {
			len = encode(c, b);
			assert_int_equal(utf8_next(b, len, &cp), 0);
			continue;
		}
		len = encode(c, b);
		n = utf8_next(b, len, &cp);
		if (n != len || cp != c)
			fail_msg("U+%04X: expected %zu bytes, got %zu bytes U+%04X", (unsigned)c, len,
			    n, (unsigned)cp);
	}
	for (len = 1; len <= 3; len++)
		for (x = 0; x < (1UL << (8 * len)); x++) {
			for (n = 0; n < len; n++)
				b[n] = (unsigned char)(x >> (8 * (len - 1 - n)));
			n = utf8_next(b, len, &cp);
			if (n == len) {
				unsigned char again[4];

				if (encode(cp, again) != len || memcmp(again, b, len) != 0)
					fail_msg("%zu bytes %06lX accepted as U+%04X", len, x,
					    (unsigned)cp);
				valid[len]++;
			}
		}
	assert_int_equal(valid[1], 0x80);
	assert_int_equal(valid[2], 0x800 - 0x80);
	assert_int_equal(valid[3], 0x10000 - 0x800 - 0x800);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cut_steps_back_to_a_character_start),
		cmocka_unit_test(test_cut_never_reads_at_or_past_len),
		cmocka_unit_test(test_fix_tail_drops_only_an_incomplete_last_character),
		cmocka_unit_test(test_next_decodes_every_boundary),
		cmocka_unit_test(test_next_refuses_what_is_not_well_formed),
		cmocka_unit_test(test_next_accepts_exactly_the_unicode_encodings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
