/*
 * date: one ISO-8601 reader (the rule is in date.h).  Pure arithmetic: no
 * timegm()/mktime(), so no dependence on TZ or on what libc normalises.
 */
#include "util/date.h"

#include <string.h>

/* Reads exactly n digits at s[*i..len). */
static int
digits(const char *s, size_t len, size_t *i, int n, int *out)
{
	int v = 0;

	for (; n > 0; n--, (*i)++) {
		if (*i >= len || s[*i] < '0' || s[*i] > '9')
			return -1;
		v = v * 10 + (s[*i] - '0');
	}
	*out = v;
	return 0;
}

/* Reads the character c at s[*i], or fails. */
static int
lit(const char *s, size_t len, size_t *i, char c)
{
	if (*i >= len || s[*i] != c)
		return -1;
	(*i)++;
	return 0;
}

int64_t
date_days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	/* H. Hinnant's days_from_civil. */
	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int
date_valid_day(int y, int m, int d)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m >= 1 && m <= 12 && d >= 1 && d <= mdays[m - 1] && !(m == 2 && d == 29 && !leap);
}

/* The zone at s[*i..len): Z, +HH, +HHMM, +HH:MM (or '-').  0 or -1. */
static int
zone(const char *s, size_t len, size_t *i, struct date *o)
{
	int sign, oh, om = 0;

	if (s[*i] == 'Z' || s[*i] == 'z') {
		(*i)++;
		o->has_zone = 1;
		return 0;
	}
	sign = s[(*i)++] == '-' ? -1 : 1;
	if (digits(s, len, i, 2, &oh) != 0)
		return -1;
	if (*i < len) {
		if (s[*i] == ':')
			(*i)++;
		if (digits(s, len, i, 2, &om) != 0)
			return -1;
	}
	if (om > 59 || oh * 3600 + om * 60 > DATE_OFFSET_MAX)
		return -1;
	o->has_zone = 1;
	o->offset = sign * (oh * 3600 + om * 60);
	return 0;
}

int
date_parse(const char *s, size_t len, unsigned flags, struct date *out)
{
	struct date o;
	size_t i = 0;

	memset(&o, 0, sizeof o);
	if (s == NULL || digits(s, len, &i, 4, &o.year) || lit(s, len, &i, '-') ||
	    digits(s, len, &i, 2, &o.month) || lit(s, len, &i, '-') ||
	    digits(s, len, &i, 2, &o.day))
		return -1;
	if (o.year < 1970 || !date_valid_day(o.year, o.month, o.day))
		return -1;
	if (i == len) {
		if (!(flags & DATE_DAY_ALONE))
			return -1;
		*out = o;
		return 0;
	}
	if (s[i] != 'T' && s[i] != 't' && s[i] != ' ')
		return -1;
	i++;
	o.has_time = 1;
	if (digits(s, len, &i, 2, &o.hour) || lit(s, len, &i, ':') ||
	    digits(s, len, &i, 2, &o.min))
		return -1;
	if (i < len && s[i] == ':') {
		i++;
		if (digits(s, len, &i, 2, &o.sec))
			return -1;
		if (i < len && (s[i] == '.' || s[i] == ',')) {
			if (flags & DATE_NO_FRACTION)
				return -1;
			i++;
			if (i >= len || s[i] < '0' || s[i] > '9')
				return -1;
			while (i < len && s[i] >= '0' && s[i] <= '9')
				i++;
		}
	} else if (!(flags & DATE_SECONDS_OPTIONAL))
		return -1;
	if (o.hour > 23 || o.min > 59 || o.sec > 59)
		return -1;
	if (i < len && strchr("Zz+-", s[i]) != NULL && s[i] != '\0') {
		if ((flags & DATE_NO_ZONE) || zone(s, len, &i, &o) != 0)
			return -1;
	}
	if (i != len)
		return -1;
	*out = o;
	return 0;
}

int64_t
date_unix(const struct date *d)
{
	return date_days_from_civil(d->year, d->month, d->day) * 86400 + d->hour * 3600 +
	    d->min * 60 + d->sec - d->offset;
}

int64_t
date_parse_iso8601(const char *s)
{
	struct date d;
	int64_t t;

	if (s == NULL || date_parse(s, strlen(s), 0, &d) != 0)
		return -1;
	t = date_unix(&d);
	return t < 0 ? -1 : t;
}

int
date_parse_day(const char *s)
{
	struct date d;

	if (s == NULL || date_parse(s, strlen(s), DATE_DAY_ALONE, &d) != 0 || d.has_time)
		return -1;
	return d.year * 10000 + d.month * 100 + d.day;
}
