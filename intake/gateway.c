/*
 * gateway: what every adapter needs and none should write again: a
 * refusal with its reason, the query-string secret, the check of a plain
 * token (ids, codes, references), and the ISO-8601 times gateways write.
 */
#include "intake/gateway.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "util/util.h"

int
gateway_fail(char *err, size_t errsz, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
	return status;
}

int
gateway_secret(const struct http_request *req, const char *want, const char *name,
    char *err, size_t errsz)
{
	const char *secret;
	size_t len;

	if (want == NULL)
		return gateway_fail(err, errsz, 404, "the %s endpoint is not enabled in the configuration",
		    name);
	secret = http_param(req, "secret", &len);
	/* A NUL inside the parameter would shorten it: the lengths must agree. */
	if (secret == NULL || len != strlen(secret) || !str_secret_equal(secret, want))
		return gateway_fail(err, errsz, 403, "%s", "wrong or missing secret");
	return 0;
}

int
gateway_token(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7F)
			return 0;
	return 1;
}

/* Reads exactly n digits at *p.  0, or -1. */
static int
digits(const char **p, int n, int *out)
{
	int v = 0;

	for (; n > 0; n--, (*p)++) {
		if (**p < '0' || **p > '9')
			return -1;
		v = v * 10 + (**p - '0');
	}
	*out = v;
	return 0;
}

/* Days from 1970-01-01 to y-m-d, proleptic Gregorian (H. Hinnant). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/*
 * ISO-8601 as gateways write it: YYYY-MM-DD, 'T' or ' ', HH:MM:SS, an
 * optional fraction, then Z, +HH, +HHMM or +HH:MM (none: UTC).  Unix time,
 * or -1 when s is anything else.
 */
int64_t
gateway_iso_time(const char *s)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	const char *p = s;
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0, leap;

	if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' ||
	    digits(&p, 2, &d) || (*p != 'T' && *p != 't' && *p != ' '))
		return -1;
	p++;
	if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi) || *p++ != ':' ||
	    digits(&p, 2, &sec))
		return -1;
	if (*p == '.' || *p == ',') {
		p++;
		if (*p < '0' || *p > '9')
			return -1;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'Z' || *p == 'z')
		p++;
	else if (*p == '+' || *p == '-') {
		sign = *p++ == '-' ? -1 : 1;
		if (digits(&p, 2, &oh))
			return -1;
		if (*p == ':')
			p++;
		if (*p != '\0' && digits(&p, 2, &om))
			return -1;
	}
	if (*p != '\0')
		return -1;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    (mo == 2 && d == 29 && !leap) || h > 23 || mi > 59 || sec > 60 || oh > 18 || om > 59)
		return -1;
	return days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec -
	    sign * (oh * 3600 + om * 60);
}
