/*
 * msisdn: one spelling per phone number.  Gateways hand us senders as
 * "+6281...", "6281...", "081..." or "0062 81..." depending on the SMSC and
 * the network; the store, the dedup and STATUS ("only the number that
 * reported the ticket") need a single E.164 form.  Senders that are not
 * phone numbers (TELKOMSEL, 888) are told apart here, because replying to
 * them starts reply loops with robots.
 */
#include "sms/msisdn.h"

#include <stdio.h>
#include <string.h>

#include "util/util.h"

#define E164_MIN        8       /* digits after '+' */
#define E164_MAX        15
#define SERVICE_MAX     7       /* all-digit senders this short are services */
#define CC_LONG_MIN     10      /* "62812..." without '+' needs this many */
#define DIGITS_MAX      32      /* more is no phone number in any spelling */

static enum msisdn_kind
invalid(char *out, size_t outsz, char *err, size_t errsz, const char *why)
{
	if (outsz > 0)
		out[0] = '\0';
	if (errsz > 0)
		snprintf(err, errsz, "%s", why);
	return MSISDN_INVALID;
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * An alphanumeric sender: any letter, or any byte beyond ASCII (a sender
 * name in another script is still a name, not a number).
 */
static int
has_letter(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
		    (unsigned char)s[i] >= 0x80)
			return 1;
	return 0;
}

/* Copies the sender as given, cut on a UTF-8 character boundary. */
static void
copy_sender(const char *s, size_t n, char *out, size_t outsz)
{
	n = utf8_cut(s, n, outsz - 1);
	memcpy(out, s, n);
	out[n] = '\0';
}

/* A usable default country code: 1 to 3 digits, not starting with 0. */
static int
cc_ok(const char *cc)
{
	size_t i, n;

	if (cc == NULL)
		return 0;
	n = strnlen(cc, 4);
	if (n == 0 || n > 3 || cc[0] == '0')
		return 0;
	for (i = 0; i < n; i++)
		if (!is_digit(cc[i]))
			return 0;
	return 1;
}

enum msisdn_kind
msisdn_normalize(const char *in, const char *cc, char *out, size_t outsz,
    char *err, size_t errsz)
{
	char d[DIGITS_MAX + 1], e[E164_MAX + 1];
	const char *s, *num;
	size_t n, i, nd = 0, ne = 0, cclen;
	int plus = 0;

	if (errsz > 0)
		err[0] = '\0';
	if (outsz > 0)
		out[0] = '\0';
	if (in == NULL)
		return invalid(out, outsz, err, errsz, "no sender");
	if (outsz == 0)
		return invalid(out, outsz, err, errsz, "output buffer too small");

	s = in;
	n = strlen(in);
	while (n > 0 && is_space(s[0])) {
		s++;
		n--;
	}
	while (n > 0 && is_space(s[n - 1]))
		n--;
	if (n == 0)
		return invalid(out, outsz, err, errsz, "empty sender");

	if (has_letter(s, n)) {
		copy_sender(s, n, out, outsz);
		return MSISDN_ALPHA;
	}

	/* Keep the digits; the usual separators are how people write numbers. */
	for (i = 0; i < n; i++) {
		if (is_digit(s[i])) {
			if (nd == DIGITS_MAX)
				return invalid(out, outsz, err, errsz, "too many digits");
			d[nd++] = s[i];
		} else if (s[i] == '+') {
			if (i != 0)
				return invalid(out, outsz, err, errsz,
				    "'+' not at the start");
			plus = 1;
		} else if (s[i] != ' ' && s[i] != '-' && s[i] != '.' &&
		    s[i] != '(' && s[i] != ')')
			return invalid(out, outsz, err, errsz,
			    "unexpected character in a phone number");
	}
	d[nd] = '\0';
	if (nd == 0)
		return invalid(out, outsz, err, errsz, "no digits");

	/* Short codes (888, 1708) belong to operators and services. */
	if (!plus && nd <= SERVICE_MAX) {
		copy_sender(s, n, out, outsz);
		return MSISDN_ALPHA;
	}

	cclen = cc_ok(cc) ? strlen(cc) : 0;
	if (plus)
		num = d;
	else if (d[0] == '0' && d[1] == '0')
		num = d + 2;                    /* international prefix 00 */
	else if (d[0] == '0') {
		/* National number: the trunk 0 gives way to the country code. */
		if (cclen == 0)
			return invalid(out, outsz, err, errsz,
			    "national number but no default country code");
		memcpy(e, cc, cclen);
		ne = cclen;
		num = d + 1;
	} else if (cclen > 0 && nd >= CC_LONG_MIN && strncmp(d, cc, cclen) == 0)
		num = d;
	else
		return invalid(out, outsz, err, errsz,
		    "not a phone number in a known form");

	if (num[0] == '0')
		return invalid(out, outsz, err, errsz,
		    "country code cannot start with 0");
	i = strlen(num);
	if (ne + i < E164_MIN)
		return invalid(out, outsz, err, errsz, "too few digits");
	if (ne + i > E164_MAX)
		return invalid(out, outsz, err, errsz, "too many digits");
	memcpy(e + ne, num, i);
	ne += i;
	if (outsz < ne + 2)
		return invalid(out, outsz, err, errsz, "output buffer too small");
	out[0] = '+';
	memcpy(out + 1, e, ne);
	out[ne + 1] = '\0';
	return MSISDN_E164;
}
