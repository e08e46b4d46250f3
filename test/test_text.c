/*
 * test_text: the shared text helpers as a specification.  What counts as
 * UTF-8 (the gate every message passes), how each gateway charset decodes,
 * and the folding and word splitting that keyword matching relies on.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "sms/text.h"

#define EMOJI   "\xF0\x9F\x98\x80"      /* U+1F600 */

static const struct {
	const char *s;
	size_t len;             /* 0: strlen(s) */
	int valid;
	const char *why;
} utf8[] = {
	{ "", 0, 1, "empty" },
	{ "hello", 0, 1, "ASCII" },
	{ "\xC3\xA9", 0, 1, "2-byte e-acute" },
	{ "\xE2\x82\xAC", 0, 1, "3-byte euro" },
	{ EMOJI, 0, 1, "4-byte emoji" },
	{ "\xED\x9F\xBF", 0, 1, "U+D7FF, just below the surrogates" },
	{ "\xEE\x80\x80", 0, 1, "U+E000, just above them" },
	{ "\xF4\x8F\xBF\xBF", 0, 1, "U+10FFFF, the last code point" },
	{ "\xC0\xAF", 0, 0, "overlong '/' (2 bytes)" },
	{ "\xC1\xBF", 0, 0, "overlong (C1)" },
	{ "\xE0\x80\xAF", 0, 0, "overlong '/' (3 bytes)" },
	{ "\xE0\x9F\xBF", 0, 0, "overlong U+07FF" },
	{ "\xF0\x80\x80\xAF", 0, 0, "overlong '/' (4 bytes)" },
	{ "\xF0\x8F\xBF\xBF", 0, 0, "overlong U+FFFF" },
	{ "\xED\xA0\x80", 0, 0, "high surrogate U+D800" },
	{ "\xED\xBF\xBF", 0, 0, "low surrogate U+DFFF" },
	{ "\xED\xA0\xBD\xED\xB8\x80", 0, 0, "CESU-8 surrogate pair" },
	{ "\xF4\x90\x80\x80", 0, 0, "beyond U+10FFFF" },
	{ "\xF5\x80\x80\x80", 0, 0, "lead byte F5" },
	{ "a\0b", 3, 0, "NUL" },
	{ "\0", 1, 0, "NUL alone" },
	{ "\xC3", 0, 0, "truncated 2-byte" },
	{ "\xE2\x82", 0, 0, "truncated 3-byte" },
	{ "\xF0\x9F\x98", 0, 0, "truncated 4-byte" },
	{ "ok\xF0\x9F\x98", 0, 0, "truncated at the end" },
	{ "\x80", 0, 0, "lone continuation byte" },
	{ "\xC3\x28", 0, 0, "bad continuation" },
	{ "\xFE", 0, 0, "FE" },
	{ "\xFF", 0, 0, "FF" },
};

static void
test_utf8_valid(void **state)
{
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(utf8) / sizeof(utf8[0]); i++) {
		len = utf8[i].len ? utf8[i].len : strlen(utf8[i].s);
		if (text_utf8_valid(utf8[i].s, len) != utf8[i].valid)
			print_message("input: %s\n", utf8[i].why);
		assert_int_equal(text_utf8_valid(utf8[i].s, len), utf8[i].valid);
	}
	/* len bounds the check: a cut emoji is invalid, the bytes before fine. */
	assert_int_equal(text_utf8_valid("ab" EMOJI, 4), 0);
	assert_int_equal(text_utf8_valid("ab" EMOJI, 2), 1);
}

static void
test_utf8_chars(void **state)
{
	(void)state;
	assert_int_equal(text_utf8_chars("", 0), 0);
	assert_int_equal(text_utf8_chars("h\xC3\xA9llo" EMOJI, 10), 6);
	assert_int_equal(text_utf8_chars("\xE2\x82\xAC", 3), 1);
}

/* Decodes and compares; want NULL means the call must fail with a reason. */
static void
decode(const char *what, const char *cs, const char *in, size_t len,
    const char *want)
{
	char out[64], err[128];
	long n;

	err[0] = '\0';
	n = text_to_utf8(cs, (const unsigned char *)in, len, out, sizeof(out),
	    err, sizeof(err));
	if ((want == NULL) != (n == -1) || (want != NULL && strcmp(out, want) != 0))
		print_message("input: %s (%s), err \"%s\"\n", what, cs, err);
	if (want == NULL) {
		assert_int_equal(n, -1);
		assert_true(strlen(err) > 0);
		return;
	}
	assert_int_equal(n, (long)strlen(want));
	assert_string_equal(out, want);
}

static void
test_to_utf8_utf8(void **state)
{
	(void)state;
	decode("ascii", "UTF-8", "hello", 5, "hello");
	decode("e-acute", "utf-8", "\xC3\xA9", 2, "\xC3\xA9");
	decode("emoji", "UTF8", EMOJI, 4, EMOJI);
	decode("empty", "UTF-8", "", 0, "");
	decode("overlong", "UTF-8", "\xC0\xAF", 2, NULL);
	decode("surrogate", "UTF-8", "\xED\xA0\x80", 3, NULL);
	decode("truncated", "UTF-8", "a\xE2\x82", 3, NULL);
	decode("NUL", "UTF-8", "a\0b", 3, NULL);
}

static void
test_to_utf8_utf16(void **state)
{
	(void)state;
	decode("hi", "UTF-16BE", "\0h\0i", 4, "hi");
	decode("e-acute", "UCS-2", "\0\xE9", 2, "\xC3\xA9");
	decode("euro", "ucs2", "\x20\xAC", 2, "\xE2\x82\xAC");
	decode("emoji as a surrogate pair", "UTF-16BE", "\xD8\x3D\xDE\x00", 4, EMOJI);
	decode("a, emoji, b", "UTF-16", "\0a\xD8\x3D\xDE\x00\0b", 8, "a" EMOJI "b");
	decode("big-endian BOM", "UTF-16", "\xFE\xFF\0A", 4, "A");
	decode("little-endian BOM", "UTF-16", "\xFF\xFE" "A\0\x3D\xD8\x00\xDE", 8,
	    "A" EMOJI);
	decode("BOM alone", "UTF-16BE", "\xFE\xFF", 2, "");
	decode("empty", "UTF-16BE", "", 0, "");
	decode("odd length", "UTF-16BE", "\0h\0", 3, NULL);
	decode("lone high surrogate at the end", "UTF-16BE", "\0a\xD8\x3D", 4, NULL);
	decode("high surrogate then a letter", "UTF-16BE", "\xD8\x3D\0A", 4, NULL);
	decode("high surrogate twice", "UTF-16BE", "\xD8\x3D\xD8\x3D", 4, NULL);
	decode("lone low surrogate", "UTF-16BE", "\xDE\x00\0a", 4, NULL);
	decode("NUL character", "UTF-16BE", "\0a\0\0", 4, NULL);
}

static void
test_to_utf8_8bit(void **state)
{
	(void)state;
	decode("e-acute", "ISO-8859-1", "caf\xE9", 4, "caf\xC3\xA9");
	decode("e-acute", "latin1", "\xE9", 1, "\xC3\xA9");
	decode("C1 control", "ISO-8859-1", "\x80", 1, "\xC2\x80");
	decode("y-diaeresis", "LATIN1", "\xFF", 1, "\xC3\xBF");
	decode("NUL", "LATIN1", "a\0", 2, NULL);
	decode("euro", "WINDOWS-1252", "\x80", 1, "\xE2\x82\xAC");
	decode("curly quotes", "windows-1252", "\x93" "ok\x94", 4,
	    "\xE2\x80\x9C" "ok\xE2\x80\x9D");
	decode("e-acute", "CP1252", "\xE9", 1, "\xC3\xA9");
	decode("unassigned 0x81", "WINDOWS-1252", "\x81", 1, NULL);
	decode("unassigned 0x9D", "WINDOWS-1252", "a\x9D", 2, NULL);
}

static void
test_to_utf8_errors(void **state)
{
	char out[8], err[64];

	(void)state;
	decode("unknown charset", "KOI8-R", "abc", 3, NULL);
	decode("unknown charset", "UTF-32", "abc", 3, NULL);

	/* Output bounds: "hello" needs 6 bytes with its NUL. */
	memset(out, '!', sizeof(out));
	assert_int_equal(text_to_utf8("UTF-8", (const unsigned char *)"hello", 5,
	    out, 5, err, sizeof(err)), -1);
	assert_true(strlen(err) > 0);
	assert_int_equal(out[5], '!');
	assert_int_equal(text_to_utf8("UTF-8", (const unsigned char *)"hello", 5,
	    out, 6, err, sizeof(err)), 5);
	assert_string_equal(out, "hello");
	/* One Latin-1 byte grows to two UTF-8 bytes. */
	memset(out, '!', sizeof(out));
	assert_int_equal(text_to_utf8("LATIN1", (const unsigned char *)"\xE9", 1,
	    out, 2, err, sizeof(err)), -1);
	assert_int_equal(out[2], '!');
	assert_int_equal(text_to_utf8("LATIN1", (const unsigned char *)"\xE9", 1,
	    out, 3, err, sizeof(err)), 2);
	assert_int_equal(text_to_utf8("UTF-8", (const unsigned char *)"", 0,
	    out, 0, err, sizeof(err)), -1);
	/* A short error buffer is cut; none at all is allowed. */
	assert_int_equal(text_to_utf8("KOI8-R", (const unsigned char *)"a", 1,
	    out, sizeof(out), err, 4), -1);
	assert_int_equal(strlen(err), 3);
	assert_int_equal(text_to_utf8("KOI8-R", (const unsigned char *)"a", 1,
	    out, sizeof(out), NULL, 0), -1);
}

static const struct {
	const char *in;
	const char *want;
} folds[] = {
	{ "jalan.", "JALAN" },
	{ "*Cek*", "CEK" },
	{ "JAL\xC3\x81N", "JALAN" },
	{ "St\xC3\xA1tus", "STATUS" },
	{ "e-KTP", "E-KTP" },
	{ "...", "" },
	{ "", "" },
	{ "\xE2\x80\x9CSampah\xE2\x80\x9D", "SAMPAH" },
	{ "\xC2\xABjalan\xC2\xBB", "JALAN" },
	{ "(lapor)", "LAPOR" },
	{ "#48219307", "48219307" },
	{ "status:", "STATUS" },
	{ "jalan2", "JALAN2" },
	{ "\xC3\xB1" "o\xC3\xB1" "o", "NONO" },
	{ "\xC3\xBC" "ber", "UBER" },
	{ "\xC4\x8C" "esk\xC3\xA9", "CESKE" },
	{ "\xCE\x94" "x", "\xCE\x94" "X" },     /* Greek stays as it is */
	{ "jalan\xE2\x80\xA6", "JALAN" },        /* ellipsis */
	{ "\xC2\xBF" "qu\xC3\xA9?", "QUE" },
	/* Not UTF-8: the byte is kept, never dropped with the punctuation. */
	{ "STOP.\x80", "STOP.\x80" },
	{ "A\xC3", "A\xC3" },
};

static void
test_fold_word(void **state)
{
	char out[64];
	size_t i;
	long n;

	(void)state;
	for (i = 0; i < sizeof(folds) / sizeof(folds[0]); i++) {
		n = text_fold_word(folds[i].in, strlen(folds[i].in), out, sizeof(out));
		if (n != (long)strlen(folds[i].want) || strcmp(out, folds[i].want) != 0)
			print_message("input: \"%s\"\n", folds[i].in);
		assert_int_equal(n, (long)strlen(folds[i].want));
		assert_string_equal(out, folds[i].want);
	}
}

static void
test_fold_word_bounds(void **state)
{
	char out[8];

	(void)state;
	memset(out, '!', sizeof(out));
	assert_int_equal(text_fold_word("JALAN", 5, out, 5), -1);
	assert_int_equal(out[5], '!');
	assert_int_equal(text_fold_word("JALAN", 5, out, 6), 5);
	assert_string_equal(out, "JALAN");
	/* "J\xC3\x81LAN" is 6 bytes but folds to 5: what counts is the output. */
	assert_int_equal(text_fold_word("J\xC3\x81LAN", 6, out, 6), 5);
	assert_int_equal(text_fold_word("...", 3, out, 1), 0);
	assert_string_equal(out, "");
	assert_int_equal(text_fold_word("...", 3, out, 0), -1);
	assert_int_equal(text_fold_word("a", 1, out, 0), -1);
	/* len bounds the word. */
	assert_int_equal(text_fold_word("cek 123", 3, out, sizeof(out)), 3);
	assert_string_equal(out, "CEK");
}

struct words {
	size_t n;
	size_t off[16], len[16];
	size_t stop_after;      /* return 7 after this many words; 0: never */
};

static int
collect(void *arg, size_t off, size_t wlen)
{
	struct words *w = arg;

	assert_true(w->n < 16);
	w->off[w->n] = off;
	w->len[w->n] = wlen;
	w->n++;
	return w->stop_after != 0 && w->n == w->stop_after ? 7 : 0;
}

static void
test_words(void **state)
{
	/* Spaces, tab, newline, CR, NBSP and U+3000 all separate words. */
	static const char text[] = "  satu  dua\tdua\r\ntiga\xC2\xA0" "empat"
	    "\xE3\x80\x80lima " EMOJI "  ";
	static const char *const want[] = {
		"satu", "dua", "dua", "tiga", "empat", "lima", EMOJI,
	};
	struct words w;
	size_t i;

	(void)state;
	memset(&w, 0, sizeof(w));
	assert_int_equal(text_words(text, strlen(text), collect, &w), 0);
	assert_int_equal(w.n, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < w.n; i++) {
		if (w.len[i] != strlen(want[i]) ||
		    memcmp(text + w.off[i], want[i], w.len[i]) != 0)
			print_message("word %zu: want \"%s\", got \"%.*s\"\n", i,
			    want[i], (int)w.len[i], text + w.off[i]);
		assert_int_equal(w.len[i], strlen(want[i]));
		assert_memory_equal(text + w.off[i], want[i], w.len[i]);
	}
	/* A word at the very end, without trailing space. */
	memset(&w, 0, sizeof(w));
	assert_int_equal(text_words("a bc", 4, collect, &w), 0);
	assert_int_equal(w.n, 2);
	assert_int_equal(w.off[1], 2);
	assert_int_equal(w.len[1], 2);
	/* Stops early and passes the callback's value on. */
	memset(&w, 0, sizeof(w));
	w.stop_after = 2;
	assert_int_equal(text_words("a b c d", 7, collect, &w), 7);
	assert_int_equal(w.n, 2);
	memset(&w, 0, sizeof(w));
	w.stop_after = 1;
	assert_int_equal(text_words("last", 4, collect, &w), 7);
	/* No words. */
	memset(&w, 0, sizeof(w));
	assert_int_equal(text_words("", 0, collect, &w), 0);
	assert_int_equal(text_words(" \t\n\xC2\xA0 ", 6, collect, &w), 0);
	assert_int_equal(w.n, 0);
	/* Bytes that are not UTF-8 are part of a word, not a crash. */
	memset(&w, 0, sizeof(w));
	assert_int_equal(text_words("\xFF\xC3 x", 4, collect, &w), 0);
	assert_int_equal(w.n, 2);
	assert_int_equal(w.len[0], 2);
}

static void
trim_eq(const char *in, size_t len, const char *want)
{
	const char *s = in;
	size_t n = len;

	text_trim(&s, &n);
	if (n != strlen(want) || memcmp(s, want, n) != 0)
		print_message("input: \"%s\"\n", in);
	assert_int_equal(n, strlen(want));
	assert_memory_equal(s, want, n);
	assert_true(s >= in && s + n <= in + len);
}

static void
test_trim(void **state)
{
	(void)state;
	trim_eq(" \t x y \r\n", 9, "x y");
	trim_eq("x", 1, "x");
	trim_eq("", 0, "");
	trim_eq(" \t\r\n\v\f", 6, "");
	trim_eq("  a  ", 3, "a");       /* len bounds it */
	/* ASCII only, as the header says: a no-break space stays. */
	trim_eq("\xC2\xA0" "a ", 4, "\xC2\xA0" "a");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_valid),
		cmocka_unit_test(test_utf8_chars),
		cmocka_unit_test(test_to_utf8_utf8),
		cmocka_unit_test(test_to_utf8_utf16),
		cmocka_unit_test(test_to_utf8_8bit),
		cmocka_unit_test(test_to_utf8_errors),
		cmocka_unit_test(test_fold_word),
		cmocka_unit_test(test_fold_word_bounds),
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_trim),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
