/*
 * test_gsm: the GSM 03.38 facts of PROTOCOLS.md ("GSM 03.38 and segments")
 * as a specification: every known answer listed there, the characters that
 * look GSM-7 but are not (and the reverse), and the look-alike clean-up
 * that keeps Aduan's replies in one GSM-7 part.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "sms/gsm.h"

#define EURO    "\xE2\x82\xAC"
#define EMOJI   "\xF0\x9F\x98\x80"      /* U+1F600, two UTF-16 units */

/* Appends `times` copies of unit to buf at *len (bounded by bufsz). */
static void
rep(char *buf, size_t bufsz, size_t *len, const char *unit, size_t times)
{
	size_t ul = strlen(unit), i;

	for (i = 0; i < times; i++) {
		assert_true(*len + ul < bufsz);
		memcpy(buf + *len, unit, ul);
		*len += ul;
	}
	buf[*len] = '\0';
}

static void
check(const char *what, const char *s, size_t len, enum gsm_coding coding,
    size_t units, size_t parts)
{
	struct gsm_count c;

	memset(&c, 0xA5, sizeof(c));
	if (gsm_count(s, len, &c) != 0 || c.coding != coding || c.units != units ||
	    c.parts != parts)
		print_message("input: %s\n", what);
	assert_int_equal(gsm_count(s, len, &c), 0);
	assert_int_equal(c.coding, coding);
	assert_int_equal(c.units, units);
	assert_int_equal(c.parts, parts);
	assert_int_equal(gsm_is_gsm7(s, len), coding == GSM_7BIT);
}

static void
check_str(const char *s, enum gsm_coding coding, size_t units, size_t parts)
{
	check(s, s, strlen(s), coding, units, parts);
}

/* Builds prefix + times x unit + suffix and checks it. */
static void
check_rep(const char *what, const char *prefix, const char *unit, size_t times,
    const char *suffix, enum gsm_coding coding, size_t units, size_t parts)
{
	static char buf[4096];
	size_t len = 0;

	rep(buf, sizeof(buf), &len, prefix, 1);
	rep(buf, sizeof(buf), &len, unit, times);
	rep(buf, sizeof(buf), &len, suffix, 1);
	check(what, buf, len, coding, units, parts);
}

static void
test_known_answers(void **state)
{
	(void)state;
	check_str("hello", GSM_7BIT, 5, 1);
	check_str("{extended}", GSM_7BIT, 12, 1);
	check_str(EURO, GSM_7BIT, 2, 1);
	check_rep("160 digits", "", "1", 160, "", GSM_7BIT, 160, 1);
	check_rep("161 digits", "", "1", 161, "", GSM_7BIT, 161, 2);
	check_rep("306 digits", "", "1", 306, "", GSM_7BIT, 306, 2);
	check_rep("307 digits", "", "1", 307, "", GSM_7BIT, 307, 3);
	check_rep("80 form feeds", "", "\f", 80, "", GSM_7BIT, 160, 1);
	check_rep("81 form feeds", "", "\f", 81, "", GSM_7BIT, 162, 2);
	{
		/* 306 septets, but the euro's escape pair may not straddle. */
		static char buf[512];
		size_t len = 0;

		rep(buf, sizeof(buf), &len, "1", 152);
		rep(buf, sizeof(buf), &len, EURO, 1);
		rep(buf, sizeof(buf), &len, "1", 152);
		check("152 x 1, euro, 152 x 1", buf, len, GSM_7BIT, 306, 3);
	}
	check_str("hi! \xE2\x98\xBA", GSM_UCS2, 5, 1);
	check_rep("emoji + 68 digits", EMOJI, "1", 68, "", GSM_UCS2, 70, 1);
	check_rep("emoji + 69 digits", EMOJI, "1", 69, "", GSM_UCS2, 71, 2);
	check_rep("emoji + 133 digits", EMOJI, "1", 133, "", GSM_UCS2, 135, 3);
	check_rep("70 x A-acute", "", "\xC3\x81", 70, "", GSM_UCS2, 70, 1);
	check_rep("71 x A-acute", "", "\xC3\x81", 71, "", GSM_UCS2, 71, 2);
}

static void
test_empty(void **state)
{
	(void)state;
	check("empty", "", 0, GSM_7BIT, 0, 1);
}

static void
test_boundaries(void **state)
{
	(void)state;
	/* A surrogate pair never splits: 66 + 2 + 66 = 134 = 2 x 67, yet 3. */
	{
		static char buf[512];
		size_t len = 0;

		rep(buf, sizeof(buf), &len, "1", 66);
		rep(buf, sizeof(buf), &len, EMOJI, 1);
		rep(buf, sizeof(buf), &len, "1", 66);
		check("66 digits, emoji, 66 digits", buf, len, GSM_UCS2, 134, 3);
	}
	check_rep("emoji + 132 digits", EMOJI, "1", 132, "", GSM_UCS2, 134, 2);
	/* The escape pair fits exactly at the end of a part. */
	{
		static char buf[512];
		size_t len = 0;

		rep(buf, sizeof(buf), &len, "1", 151);
		rep(buf, sizeof(buf), &len, EURO, 1);
		rep(buf, sizeof(buf), &len, "1", 153);
		check("151 x 1, euro, 153 x 1", buf, len, GSM_7BIT, 306, 2);
	}
	check_rep("158 x 1 + euro", "", "1", 158, EURO, GSM_7BIT, 160, 1);
	check_rep("159 x 1 + euro", "", "1", 159, EURO, GSM_7BIT, 161, 2);
	/* One curly apostrophe: 160 characters become three UCS-2 parts. */
	check_rep("159 x a + curly apostrophe", "", "a", 159, "\xE2\x80\x99",
	    GSM_UCS2, 160, 3);
	check_str("baris satu\r\nbaris dua", GSM_7BIT, 21, 1);
}

/* Characters that are single septets in the basic table. */
static const char *const basic_traps[] = {
	"@", "\xC2\xA3", "$", "\xC2\xA5", "è", "é", "ù", "ì", "ò", "Ç", "Ø",
	"ø", "Å", "å", "Δ", "_", "Φ", "Γ", "Λ", "Ω", "Π", "Ψ", "Σ", "Θ", "Ξ",
	"Æ", "æ", "ß", "É", "¤", "¡", "Ä", "Ö", "Ñ", "Ü", "§", "¿", "ä", "ö",
	"ñ", "ü", "à", "#", "%", "&", "'", "\"", "\n", "\r", "<", ">", "=",
};

static void
test_basic_table_traps(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(basic_traps) / sizeof(basic_traps[0]); i++)
		check_str(basic_traps[i], GSM_7BIT, 1, 1);
}

static const char *const ext_chars[] = {
	"\f", "^", "{", "}", "\\", "[", "~", "]", "|", EURO,
};

static void
test_extension_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ext_chars) / sizeof(ext_chars[0]); i++)
		check_str(ext_chars[i], GSM_7BIT, 2, 1);
}

/* Characters that look GSM-7 but force UCS-2. */
static const char *const not_gsm[] = {
	"`", "ç", "ê", "\xE2\x80\x98", "\xE2\x80\x99", "\xE2\x80\x9C",
	"\xE2\x80\x9D", "\xE2\x80\x93", "\xE2\x80\xA6", "\xC2\xA0", "\t",
	"\xCE\x91" /* Greek capital alpha, not A */, "á", "Á", "í", "ó", "ú",
	"\xE2\x98\xBA",
};

static void
test_not_gsm7(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(not_gsm) / sizeof(not_gsm[0]); i++) {
		char buf[32];
		size_t len = 0;

		check_str(not_gsm[i], GSM_UCS2, 1, 1);
		/* One such character makes the whole message UCS-2. */
		rep(buf, sizeof(buf), &len, "abc ", 1);
		rep(buf, sizeof(buf), &len, not_gsm[i], 1);
		check(not_gsm[i], buf, len, GSM_UCS2, 5, 1);
	}
}

static void
test_invalid_utf8(void **state)
{
	struct gsm_count c;
	static const char *const bad[] = {
		"\xC3", "\xC0\xAF", "\xED\xA0\x80", "a\xFF", "\xF4\x90\x80\x80",
		"\x80",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (gsm_count(bad[i], strlen(bad[i]), &c) != -1 ||
		    gsm_is_gsm7(bad[i], strlen(bad[i])) != 0)
			print_message("input: bad[%zu]\n", i);
		assert_int_equal(gsm_count(bad[i], strlen(bad[i]), &c), -1);
		assert_int_equal(gsm_is_gsm7(bad[i], strlen(bad[i])), 0);
	}
	/* A NUL is not text (text_utf8_valid's rule). */
	assert_int_equal(gsm_count("a\0b", 3, &c), -1);
	assert_int_equal(gsm_is_gsm7("a\0b", 3), 0);
	/* len bounds the text: bytes after it are never read. */
	assert_int_equal(gsm_count("ab\xFF", 2, &c), 0);
	assert_int_equal(c.units, 2);
}

static void
clean_eq(const char *in, const char *want)
{
	char out[512];
	long n;

	n = gsm_clean(in, strlen(in), out, sizeof(out));
	if (n < 0 || strcmp(out, want) != 0)
		print_message("input: %s\n", in);
	assert_int_equal(n, (long)strlen(want));
	assert_string_equal(out, want);
}

static void
test_clean_lookalikes(void **state)
{
	(void)state;
	clean_eq("\xE2\x80\x98" "a" "\xE2\x80\x99", "'a'");
	clean_eq("\xE2\x80\x9A\xE2\x80\x9B", "''");
	clean_eq("\xE2\x80\x9C" "b" "\xE2\x80\x9D" "\xE2\x80\x9E", "\"b\"\"");
	clean_eq("1\xE2\x80\x93" "2\xE2\x80\x94" "3\xE2\x80\x95" "4", "1-2-3-4");
	clean_eq("tunggu\xE2\x80\xA6", "tunggu...");
	clean_eq("a\xC2\xA0" "b\xE2\x80\x87" "c\xE2\x80\xAF" "d\xE2\x80\x89" "e",
	    "a b c d e");
	clean_eq("\xE2\x80\xA2 satu", "- satu");
	clean_eq("`x`\t\xC2\xAB" "y\xC2\xBB", "'x' \"y\"");
	clean_eq("\xE2\x88\x92" "5", "-5");
	clean_eq("a\xC2\xAD" "b\xE2\x80\x8B" "c\xEF\xBB\xBF", "abc");
	/* Everything else is kept as it is. */
	clean_eq("Jalan \xC3\xA9 \xE2\x82\xAC {x} " EMOJI, "Jalan \xC3\xA9 \xE2\x82\xAC {x} " EMOJI);
	clean_eq("", "");
}

static void
test_clean_reply_becomes_gsm7(void **state)
{
	static const char reply[] =
	    "Terima kasih \xE2\x80\x93 laporan Anda diterima. Tiket: \xE2\x80\x9C"
	    "4821\xC2\xA0" "9307\xE2\x80\x9D. Ketik \xE2\x80\x98" "CEK 4821 9307"
	    "\xE2\x80\x99 untuk status\xE2\x80\xA6";
	static const char want[] =
	    "Terima kasih - laporan Anda diterima. Tiket: \"4821 9307\". "
	    "Ketik 'CEK 4821 9307' untuk status...";
	struct gsm_count c;
	char out[256];
	long n;

	(void)state;
	assert_int_equal(gsm_is_gsm7(reply, strlen(reply)), 0);
	n = gsm_clean(reply, strlen(reply), out, sizeof(out));
	assert_string_equal(out, want);
	assert_int_equal(n, (long)strlen(want));
	assert_int_equal(gsm_is_gsm7(out, (size_t)n), 1);
	assert_int_equal(gsm_count(out, (size_t)n, &c), 0);
	assert_int_equal(c.coding, GSM_7BIT);
	assert_int_equal(c.parts, 1);
}

static void
test_clean_bounds(void **state)
{
	char out[8];

	(void)state;
	/* "abcdefg" needs 8 bytes with its NUL: fits exactly. */
	assert_int_equal(gsm_clean("abcdefg", 7, out, sizeof(out)), 7);
	assert_string_equal(out, "abcdefg");
	assert_int_equal(gsm_clean("abcdefgh", 8, out, sizeof(out)), -1);
	assert_string_equal(out, "");
	/* The ellipsis grows to three bytes: 5 + 3 = 8 does not fit in 8. */
	assert_int_equal(gsm_clean("abcde\xE2\x80\xA6", 8, out, sizeof(out)), -1);
	assert_int_equal(gsm_clean("abcd\xE2\x80\xA6", 7, out, sizeof(out)), 7);
	assert_string_equal(out, "abcd...");
	assert_int_equal(gsm_clean("a", 1, out, 0), -1);
	assert_int_equal(gsm_clean("", 0, out, 1), 0);
	assert_string_equal(out, "");
	/* Bytes that are not UTF-8 become '?': the output stays valid. */
	assert_int_equal(gsm_clean("a\xFF" "b\xC3", 4, out, sizeof(out)), 4);
	assert_string_equal(out, "a?b?");
	assert_int_equal(gsm_clean("a\0b", 3, out, sizeof(out)), 3);
	assert_string_equal(out, "a?b");
}

/* A reply that must be cut is cut on a word boundary with an ellipsis. */
static void
test_fit(void **state)
{
	char in[2000], out[2000];
	struct gsm_count gc;
	long n;
	size_t i;

	(void)state;
	n = gsm_fit("hello world", 11, 1, out, sizeof out);
	assert_int_equal(n, 11);
	assert_string_equal(out, "hello world");

	/* 400 characters of words into one part: ends "...", on a word boundary. */
	for (i = 0; i < 50; i++)
		memcpy(in + 8 * i, "kata123 ", 9);
	n = gsm_fit(in, strlen(in), 1, out, sizeof out);
	assert_true(n > 0);
	assert_int_equal(gsm_count(out, (size_t)n, &gc), 0);
	assert_int_equal(gc.parts, 1);
	assert_true(gc.units <= 160);
	assert_string_equal(out + n - 3, "...");
	assert_int_equal(strncmp(out + n - 10, "kata123...", 10), 0);

	/* No space at all: cut inside the word, still one part. */
	memset(in, 'x', 500);
	in[500] = '\0';
	n = gsm_fit(in, 500, 2, out, sizeof out);
	assert_int_equal(gsm_count(out, (size_t)n, &gc), 0);
	assert_int_equal(gc.parts, 2);
	assert_int_equal(n, 306);

	/* UCS-2 with emoji: never inside a character, result valid UTF-8. */
	for (i = 0; i < 60; i++)
		memcpy(in + 8 * i, "\xF0\x9F\x98\xB7 ok ", 9);
	n = gsm_fit(in, strlen(in), 1, out, sizeof out);
	assert_true(n > 0);
	assert_int_equal(gsm_count(out, (size_t)n, &gc), 0);
	assert_int_equal(gc.coding, GSM_UCS2);
	assert_int_equal(gc.parts, 1);
}

/*
 * gsm_fit reads only s[0..len): the caller's text need not be
 * NUL-terminated (a gateway field, a slice of a longer buffer).  The input
 * here is an exact-size heap block, so the sanitizer build catches any
 * read past it.  200 GSM-7 letters and a backtick (not GSM-7: UCS-2, 3
 * parts) must be cut to the 200 letters with "..." (GSM-7, 2 parts); the
 * cut is searched up to len itself, which once read s[len].
 */
static void
test_fit_unterminated(void **state)
{
	char out[400], *in;
	struct gsm_count gc;
	long n;

	(void)state;
	in = malloc(201);
	assert_non_null(in);
	memset(in, 'x', 200);
	in[200] = '`';
	n = gsm_fit(in, 201, 2, out, sizeof out);
	assert_int_equal(n, 203);
	assert_int_equal(gsm_count(out, (size_t)n, &gc), 0);
	assert_int_equal(gc.coding, GSM_7BIT);
	assert_int_equal(gc.parts, 2);
	assert_string_equal(out + 200, "...");
	free(in);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_answers),
		cmocka_unit_test(test_fit),
		cmocka_unit_test(test_fit_unterminated),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_boundaries),
		cmocka_unit_test(test_basic_table_traps),
		cmocka_unit_test(test_extension_table),
		cmocka_unit_test(test_not_gsm7),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_clean_lookalikes),
		cmocka_unit_test(test_clean_reply_becomes_gsm7),
		cmocka_unit_test(test_clean_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
