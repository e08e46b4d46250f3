/*
 * ticket: the numbers citizens type back to us.  Eight digits, random so
 * that nobody can walk the numbers of other people's complaints, the last a
 * Damm check digit: unlike a mod-10 sum it catches every single wrong digit
 * and every swap of two neighbouring digits, the two slips people make on a
 * keypad, so we can answer "mistyped" instead of "not found".
 */
#include "sms/ticket.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <sys/types.h>

/*
 * The Damm quasigroup of order 10 (totally anti-symmetric, zero diagonal),
 * as published by H. Michael Damm, 2004.
 */
static const unsigned char damm[10][10] = {
	{ 0, 3, 1, 7, 5, 9, 8, 6, 4, 2 },
	{ 7, 0, 9, 2, 1, 5, 4, 8, 6, 3 },
	{ 4, 2, 0, 6, 8, 7, 1, 3, 5, 9 },
	{ 1, 7, 5, 0, 9, 8, 3, 4, 2, 6 },
	{ 6, 1, 2, 3, 0, 4, 5, 9, 7, 8 },
	{ 3, 6, 7, 4, 2, 0, 9, 5, 8, 1 },
	{ 5, 8, 6, 9, 7, 2, 0, 1, 3, 4 },
	{ 8, 9, 4, 5, 3, 6, 2, 0, 1, 7 },
	{ 9, 4, 3, 8, 6, 1, 7, 2, 0, 5 },
	{ 2, 5, 8, 1, 4, 3, 6, 7, 9, 0 },
};

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Returns -1 for anything but digits: a caller's bug, never a valid digit. */
int
ticket_damm(const char *digits, size_t n)
{
	size_t i;
	int interim = 0;

	for (i = 0; i < n; i++) {
		if (!is_digit(digits[i]))
			return -1;
		interim = damm[interim][digits[i] - '0'];
	}
	return interim;
}

int
ticket_valid(const char *t)
{
	if (t == NULL || strnlen(t, TICKET_DIGITS + 1) != TICKET_DIGITS)
		return 0;
	/* The check digit makes the interim digit of the whole number 0. */
	return ticket_damm(t, TICKET_DIGITS) == 0;
}

/*
 * Fills buf with random bytes from the kernel, taken from a pool of this
 * thread's refilled 256 bytes at a time (one getrandom(2) per ticket was a
 * system call per SMS complaint; perf).  getrandom(2) blocks only until
 * the kernel pool is first seeded, and never returns short for requests of
 * up to 256 bytes once it is, but a signal may still interrupt it.  Aduan
 * never forks, so no two processes share a pool.
 */
#define POOL_BYTES 256

static _Thread_local unsigned char pool[POOL_BYTES];
static _Thread_local size_t pool_left;

static int
random_bytes(unsigned char *buf, size_t n)
{
	size_t got, take;
	ssize_t r;

	while (n > 0) {
		if (pool_left == 0) {
			for (got = 0; got < POOL_BYTES; got += (size_t)r) {
				r = getrandom(pool + got, POOL_BYTES - got, 0);
				if (r < 0) {
					if (errno == EINTR) {
						r = 0;
						continue;
					}
					return -1;
				}
			}
			pool_left = POOL_BYTES;
		}
		take = n < pool_left ? n : pool_left;
		memcpy(buf, pool + POOL_BYTES - pool_left, take);
		/* Used bytes never stay behind in memory to be given out again. */
		memset(pool + POOL_BYTES - pool_left, 0, take);
		pool_left -= take;
		buf += take;
		n -= take;
	}
	return 0;
}

int
ticket_new(char out[TICKET_DIGITS + 1])
{
	unsigned char buf[32];
	size_t i = sizeof(buf), d = 0;
	unsigned int b, range, limit;
	int check;

	/*
	 * Rejection sampling: a byte is used only below the largest multiple
	 * of the range (252 for 1..9, 250 for 0..9), so that every digit is
	 * equally likely.  Few bytes are rejected; refill when out.
	 */
	while (d < TICKET_DIGITS - 1) {
		if (i == sizeof(buf)) {
			if (random_bytes(buf, sizeof(buf)) == -1)
				return -1;
			i = 0;
		}
		b = buf[i++];
		range = d == 0 ? 9 : 10;
		limit = 256 - 256 % range;
		if (b >= limit)
			continue;
		out[d] = (char)('0' + (d == 0 ? 1 : 0) + b % range);
		d++;
	}
	check = ticket_damm(out, TICKET_DIGITS - 1);
	out[TICKET_DIGITS - 1] = (char)('0' + check);
	out[TICKET_DIGITS] = '\0';
	return 0;
}

enum ticket_read
ticket_read(const char *s, size_t len, char out[TICKET_DIGITS + 1],
    size_t *used)
{
	size_t i = 0, end = 0, nd = 0, g, glen;

	out[0] = '\0';
	if (used != NULL)
		*used = 0;
	if (len > 0 && s[0] == '#')
		i = 1;
	if (i >= len || !is_digit(s[i]))
		return TICKET_READ_NONE;

	/*
	 * One group per turn: its digits, then a single separator only when a
	 * digit follows it.  A group that would carry us past 8 digits is not
	 * part of this number ("4821 93071": the citizen typed something else),
	 * unless it is the first, which is then a number too long to be ours.
	 */
	for (;;) {
		for (g = i; g < len && is_digit(s[g]); g++)
			;
		glen = g - i;
		if (nd + glen > TICKET_DIGITS) {
			if (nd == 0) {
				memcpy(out, s + i, TICKET_DIGITS);
				out[TICKET_DIGITS] = '\0';
				if (used != NULL)
					*used = g;
				return TICKET_READ_MALFORMED;
			}
			break;
		}
		memcpy(out + nd, s + i, glen);
		nd += glen;
		end = g;
		if (nd == TICKET_DIGITS)
			break;
		if (g + 1 < len && (s[g] == ' ' || s[g] == '-') && is_digit(s[g + 1]))
			i = g + 1;
		else
			break;
	}
	out[nd] = '\0';
	if (used != NULL)
		*used = end;
	if (nd != TICKET_DIGITS)
		return TICKET_READ_MALFORMED;
	return ticket_valid(out) ? TICKET_READ_OK : TICKET_READ_MISTYPED;
}
