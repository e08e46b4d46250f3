/*
 * date: the one ISO-8601 / RFC 3339 reader every module uses.
 *
 * The rule, whatever the caller:
 *   YYYY-MM-DD, then 'T', 't' or ' ', then HH:MM:SS, an optional fraction
 *   ('.' or ',' and at least one digit; ignored), then 'Z', 'z', +HH, +HHMM,
 *   +HH:MM (or '-') or nothing.  No zone means "the caller's": UTC for
 *   date_unix(), local time for those who pass the fields to mktime().
 *   Years 1970 to 9999; months and days as the calendar has them (Feb 29
 *   only in leap years; Feb 31 refused); hours 00-23, minutes and seconds
 *   00-59 (Unix time has no leap second, so :60 is refused); offsets up to
 *   14:00 either way with minutes 00-59 (the widest offset any zone uses:
 *   Kiribati's +14:00; RFC 3339 sets no limit and ISO's ±18:00 is a
 *   formatting limit, not a zone, so anything beyond 14 h is a typo).
 *   Nothing may follow.  Flags widen or narrow this per caller.
 */
#ifndef ADUAN_DATE_H
#define ADUAN_DATE_H

#include <stddef.h>
#include <stdint.h>

#define DATE_DAY_ALONE          0x01    /* "YYYY-MM-DD" alone (midnight) */
#define DATE_SECONDS_OPTIONAL   0x02    /* "HH:MM" without ":SS" */
#define DATE_NO_ZONE            0x04    /* refuse Z and offsets */
#define DATE_NO_FRACTION        0x08    /* refuse ".123" */

#define DATE_OFFSET_MAX         (14 * 3600)

struct date {
	int year, month, day, hour, min, sec;
	int has_time;                   /* 0: the day alone came */
	int has_zone;                   /* Z or an offset came */
	int offset;                     /* seconds east of UTC (0 without a zone) */
};

/*
 * Reads s[0..len) (need not be NUL-terminated) by the rule above and
 * flags.  0 and *out filled, or -1.
 */
int date_parse(const char *s, size_t len, unsigned flags, struct date *out);

/* The instant d names, taking a missing zone as UTC: Unix seconds. */
int64_t date_unix(const struct date *d);

/*
 * A full date and time (seconds required, fraction and zone optional, no
 * zone: UTC) in NUL-terminated s: Unix seconds, or -1 when s is anything
 * else.  What gateways send.
 */
int64_t date_parse_iso8601(const char *s);

/* YYYYMMDD of a "YYYY-MM-DD" string that is a real day (no time), else -1. */
int date_parse_day(const char *s);

/* Days from 1970-01-01 to y-m-d, proleptic Gregorian. */
int64_t date_days_from_civil(int64_t y, int m, int d);

/* 1 when y-m-d is a real calendar day. */
int date_valid_day(int y, int m, int d);

#endif
