/*
 * test_ticket: ticket numbers as a specification.  The Damm digit catches
 * every single-digit slip and every swap of neighbours (checked
 * exhaustively on random tickets), fresh numbers are valid and random, and
 * ticket_read accepts the spellings citizens use and nothing more.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "sms/ticket.h"

static void
test_damm_known(void **state)
{
	(void)state;
	assert_int_equal(ticket_damm("572", 3), 4);
	assert_int_equal(ticket_damm("5724", 4), 0);
	assert_int_equal(ticket_damm("", 0), 0);
	assert_int_equal(ticket_damm("0", 1), 0);
	/* Only n bytes count. */
	assert_int_equal(ticket_damm("5724x", 4), 0);
	assert_int_equal(ticket_damm("57a", 3), -1);
}

/* Appends the Damm digit to 7 digits: a valid ticket in t[9]. */
static void
make_ticket(const char *seven, char t[TICKET_DIGITS + 1])
{
	int d;

	assert_int_equal(strlen(seven), TICKET_DIGITS - 1);
	memcpy(t, seven, TICKET_DIGITS - 1);
	d = ticket_damm(seven, TICKET_DIGITS - 1);
	assert_in_range(d, 0, 9);
	t[TICKET_DIGITS - 1] = (char)('0' + d);
	t[TICKET_DIGITS] = '\0';
}

static void
test_valid(void **state)
{
	char t[TICKET_DIGITS + 1];

	(void)state;
	make_ticket("4821930", t);
	assert_int_equal(ticket_valid(t), 1);
	make_ticket("1000000", t);
	assert_int_equal(ticket_valid(t), 1);
	assert_int_equal(ticket_valid(NULL), 0);
	assert_int_equal(ticket_valid(""), 0);
	assert_int_equal(ticket_valid("5724"), 0);
	assert_int_equal(ticket_valid("1234567"), 0);
	make_ticket("4821930", t);
	{
		char longer[16];

		memcpy(longer, t, TICKET_DIGITS);
		memcpy(longer + TICKET_DIGITS, "0", 2);
		assert_int_equal(ticket_valid(longer), 0);
	}
	t[3] = 'x';
	assert_int_equal(ticket_valid(t), 0);
}

/*
 * Damm's guarantee, checked exhaustively on random tickets: every single
 * substitution and every transposition of two different neighbours fails
 * the check, and ticket_read calls it MISTYPED.
 */
static void
test_detects_slips(void **state)
{
	char t[TICKET_DIGITS + 1], m[TICKET_DIGITS + 1], out[TICKET_DIGITS + 1];
	size_t used;
	int k, pos, d;

	(void)state;
	for (k = 0; k < 500; k++) {
		assert_int_equal(ticket_new(t), 0);
		for (pos = 0; pos < TICKET_DIGITS; pos++) {
			for (d = 0; d < 10; d++) {
				if (t[pos] == '0' + d)
					continue;
				memcpy(m, t, sizeof(m));
				m[pos] = (char)('0' + d);
				if (ticket_valid(m))
					print_message("substitution %s -> %s passed\n", t, m);
				assert_int_equal(ticket_valid(m), 0);
				assert_int_equal(ticket_read(m, TICKET_DIGITS, out, &used),
				    TICKET_READ_MISTYPED);
				assert_string_equal(out, m);
			}
		}
		for (pos = 0; pos + 1 < TICKET_DIGITS; pos++) {
			if (t[pos] == t[pos + 1])
				continue;
			memcpy(m, t, sizeof(m));
			m[pos] = t[pos + 1];
			m[pos + 1] = t[pos];
			if (ticket_valid(m))
				print_message("transposition %s -> %s passed\n", t, m);
			assert_int_equal(ticket_valid(m), 0);
		}
	}
}

static int
cmp_ticket(const void *a, const void *b)
{
	return memcmp(a, b, TICKET_DIGITS);
}

#define NEW_N 10000

static void
test_new(void **state)
{
	static char t[NEW_N][TICKET_DIGITS + 1];
	size_t i, j, distinct, sequential = 0;
	size_t first[10] = { 0 }, rest[10] = { 0 };
	long a, b;

	(void)state;
	for (i = 0; i < NEW_N; i++) {
		assert_int_equal(ticket_new(t[i]), 0);
		if (!ticket_valid(t[i]) || t[i][0] == '0')
			print_message("ticket_new gave %s\n", t[i]);
		assert_int_equal(strlen(t[i]), TICKET_DIGITS);
		assert_true(t[i][0] >= '1' && t[i][0] <= '9');
		assert_int_equal(ticket_valid(t[i]), 1);
		first[t[i][0] - '0']++;
		for (j = 1; j < TICKET_DIGITS - 1; j++)
			rest[t[i][j] - '0']++;
	}
	/* Not sequential: consecutive numbers rarely differ by one. */
	for (i = 1; i < NEW_N; i++) {
		a = strtol(t[i - 1], NULL, 10) / 10;
		b = strtol(t[i], NULL, 10) / 10;
		if (b - a == 1 || a - b == 1)
			sequential++;
	}
	assert_true(sequential < 5);
	/*
	 * Mostly distinct: 10,000 draws from 9,000,000 numbers repeat about 6
	 * times (birthday bound); 50 would mean a broken generator.
	 */
	qsort(t, NEW_N, sizeof(t[0]), cmp_ticket);
	distinct = 1;
	for (i = 1; i < NEW_N; i++)
		if (memcmp(t[i - 1], t[i], TICKET_DIGITS) != 0)
			distinct++;
	print_message("%zu distinct of %d\n", distinct, NEW_N);
	assert_true(distinct > NEW_N - 50);
	/* Uniform digits (expected 1111 and 6000; sigma about 31 and 73). */
	assert_int_equal(first[0], 0);
	for (i = 1; i < 10; i++)
		assert_in_range(first[i], 900, 1350);
	for (i = 0; i < 10; i++)
		assert_in_range(rest[i], 5500, 6500);
}

/*
 * ticket_read cases.  In `in`, X stands for the right check digit of the
 * seven digits before it and Y for a wrong one, so the table states intent
 * instead of carrying magic numbers.
 */
static const struct {
	const char *in;
	enum ticket_read want;
	const char *digits;
	size_t used;
} reads[] = {
	{ "4821930X", TICKET_READ_OK, "4821930X", 8 },
	{ "4821 930X", TICKET_READ_OK, "4821930X", 9 },
	{ "4821-930X", TICKET_READ_OK, "4821930X", 9 },
	{ "#4821930X", TICKET_READ_OK, "4821930X", 9 },
	{ "#4821 930X", TICKET_READ_OK, "4821930X", 10 },
	{ "48 21 93 0X", TICKET_READ_OK, "4821930X", 11 },
	{ "482-193-0X", TICKET_READ_OK, "4821930X", 10 },
	{ "4821930X sudah 2 minggu", TICKET_READ_OK, "4821930X", 8 },
	{ "4821 930X 12", TICKET_READ_OK, "4821930X", 9 },
	{ "4821930Xabc", TICKET_READ_OK, "4821930X", 8 },
	{ "1000000X", TICKET_READ_OK, "1000000X", 8 },
	{ "4821930Y", TICKET_READ_MISTYPED, "4821930Y", 8 },
	{ "4821 930Y", TICKET_READ_MISTYPED, "4821930Y", 9 },
	{ "4821930", TICKET_READ_MALFORMED, "4821930", 7 },
	{ "1", TICKET_READ_MALFORMED, "1", 1 },
	{ "#12", TICKET_READ_MALFORMED, "12", 3 },
	{ "482193012", TICKET_READ_MALFORMED, "48219301", 9 },
	{ "12345678901234567890", TICKET_READ_MALFORMED, "12345678", 20 },
	{ "4821 93071", TICKET_READ_MALFORMED, "4821", 4 },
	{ "4821 930X5", TICKET_READ_MALFORMED, "4821", 4 },
	{ "4821  930X", TICKET_READ_MALFORMED, "4821", 4 },
	{ "4821--930X", TICKET_READ_MALFORMED, "4821", 4 },
	{ "4821 -930X", TICKET_READ_MALFORMED, "4821", 4 },
	{ "4821.930X", TICKET_READ_MALFORMED, "4821", 4 },
	{ "4821-", TICKET_READ_MALFORMED, "4821", 4 },
	{ "4821 ", TICKET_READ_MALFORMED, "4821", 4 },
	{ "", TICKET_READ_NONE, "", 0 },
	{ "#", TICKET_READ_NONE, "", 0 },
	{ "##4821930X", TICKET_READ_NONE, "", 0 },
	{ "# 4821930X", TICKET_READ_NONE, "", 0 },
	{ " 4821930X", TICKET_READ_NONE, "", 0 },
	{ "abc", TICKET_READ_NONE, "", 0 },
	{ "-4821930X", TICKET_READ_NONE, "", 0 },
};

/* Replaces X / Y in src by the right / a wrong Damm digit. */
static void
expand(const char *src, char *dst, size_t dstsz)
{
	size_t i, nd = 0;
	char digits[64];
	int d;

	assert_true(strlen(src) < dstsz);
	for (i = 0; src[i] != '\0'; i++) {
		dst[i] = src[i];
		if (src[i] == 'X' || src[i] == 'Y') {
			d = ticket_damm(digits, nd);
			if (src[i] == 'Y')
				d = (d + 1) % 10;
			dst[i] = (char)('0' + d);
		}
		if (dst[i] >= '0' && dst[i] <= '9' && nd < sizeof(digits))
			digits[nd++] = dst[i];
	}
	dst[i] = '\0';
}

static void
test_read_table(void **state)
{
	char in[64], want[64], out[TICKET_DIGITS + 1];
	size_t i, used;
	enum ticket_read r;

	(void)state;
	for (i = 0; i < sizeof(reads) / sizeof(reads[0]); i++) {
		expand(reads[i].in, in, sizeof(in));
		expand(reads[i].digits, want, sizeof(want));
		used = 999;
		r = ticket_read(in, strlen(in), out, &used);
		if (r != reads[i].want || strcmp(out, want) != 0 || used != reads[i].used)
			print_message("input: \"%s\"\n", in);
		assert_int_equal(r, reads[i].want);
		assert_string_equal(out, want);
		assert_int_equal(used, reads[i].used);
	}
}

static void
test_read_bounds(void **state)
{
	char t[TICKET_DIGITS + 1], in[32], out[TICKET_DIGITS + 1];
	size_t used;

	(void)state;
	make_ticket("4821930", t);
	/* len bounds the input: digits after it are never seen. */
	memcpy(in, t, TICKET_DIGITS);
	memcpy(in + TICKET_DIGITS, "999", 4);
	assert_int_equal(ticket_read(in, TICKET_DIGITS, out, &used), TICKET_READ_OK);
	assert_int_equal(used, TICKET_DIGITS);
	assert_int_equal(ticket_read(in, 5, out, &used), TICKET_READ_MALFORMED);
	assert_string_equal(out, "48219");
	/* A separator at the very end of the input is not followed by a digit. */
	assert_int_equal(ticket_read("4821 9", 5, out, &used), TICKET_READ_MALFORMED);
	assert_int_equal(used, 4);
	assert_int_equal(ticket_read("#", 0, out, &used), TICKET_READ_NONE);
	/* used may be NULL. */
	assert_int_equal(ticket_read(t, TICKET_DIGITS, out, NULL), TICKET_READ_OK);
	assert_string_equal(out, t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_damm_known),
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_detects_slips),
		cmocka_unit_test(test_new),
		cmocka_unit_test(test_read_table),
		cmocka_unit_test(test_read_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
