/*
 * test_date: the one ISO-8601 reader (util/date.c) on a table of forms
 * people and gateways send: what it accepts and the instant it names, and
 * what it refuses (impossible days, out-of-range fields, offsets beyond
 * 14 h, trailing bytes), with and without each flag.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "util/date.h"
#include "util/util.h"

#define T0 1767366245LL         /* 2026-01-02T15:04:05Z */

static const struct {
	const char *s;
	long long want;
} accepted[] = {
	{ "2026-01-02T15:04:05Z", T0 },
	{ "2026-01-02t15:04:05z", T0 },
	{ "2026-01-02 15:04:05", T0 },
	{ "2026-01-02T15:04:05", T0 },
	{ "2026-01-02T15:04:05.000+0000", T0 },
	{ "2026-01-02T15:04:05,5Z", T0 },
	{ "2026-01-02T22:04:05+07", T0 },
	{ "2026-01-02T22:04:05+0700", T0 },
	{ "2026-01-02T22:04:05+07:00", T0 },
	{ "2026-01-02T10:04:05.5-0500", T0 },
	{ "2026-01-02T20:49:05+05:45", T0 },
	{ "2026-01-03T05:04:05+14:00", T0 },
	{ "2026-01-02T03:04:05-12:00", T0 },
	{ "2024-02-29T00:00:00Z", 1709164800LL },
	{ "2000-02-29T00:00:00Z", 951782400LL },
	{ "1970-01-01T00:00:00Z", 0 },
	{ "9999-12-31T23:59:59Z", 253402300799LL },
};

static const char *const refused[] = {
	"", "yesterday", "1767366245", "2026-01-02",          /* day alone: not by default */
	"2026-01-02T15:04", "2026-01-02T15:04Z",              /* no seconds */
	"2026-02-31T00:00:00Z", "2026-02-29T00:00:00Z", "1900-02-29T00:00:00Z",
	"2026-04-31T00:00:00Z", "2026-13-01T00:00:00Z", "2026-00-10T00:00:00Z",
	"2026-01-00T00:00:00Z", "2026-01-02T24:00:00Z", "2026-01-02T12:60:00Z",
	"2026-01-02T12:00:60Z", "1969-12-31T23:59:59Z", "2026-01-02X15:04:05Z",
	"2026-01-02T15:04:05+14:01", "2026-01-02T15:04:05+15:00", "2026-01-02T15:04:05-18:00",
	"2026-01-02T15:04:05+07:60", "2026-01-02T15:04:05+7", "2026-01-02T15:04:05+070",
	"2026-01-02T15:04:05+07:0", "2026-01-02T15:04:05+", "2026-01-02T15:04:05.Z",
	"2026-01-02T15:04:05.", "2026-01-02T15:04:05Z ", " 2026-01-02T15:04:05Z",
	"2026-01-02T15:04:05ZZ", "2026/01/02T15:04:05Z", "+2026-01-02T15:04:05Z",
	"2026-1-02T15:04:05Z", "2026-01-02T5:04:05Z", "2026-01-02T15:04:0x",
};

static void
test_accepted_forms_name_the_right_instant(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(accepted); i++) {
		long long got = (long long)date_parse_iso8601(accepted[i].s);

		if (got != accepted[i].want)
			fail_msg("\"%s\": expected %lld, got %lld", accepted[i].s, accepted[i].want,
			    got);
	}
}

static void
test_refused_forms(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(refused); i++) {
		long long got = (long long)date_parse_iso8601(refused[i]);

		if (got != -1)
			fail_msg("\"%s\": expected refused (-1), got %lld", refused[i], got);
	}
	assert_int_equal(date_parse_iso8601(NULL), -1);
	/* Before the epoch once the offset is applied. */
	assert_int_equal(date_parse_iso8601("1970-01-01T00:00:00+01:00"), -1);
}

static void
test_flags_widen_and_narrow(void **state)
{
	struct date d;

	(void)state;
	/* The day alone, and HH:MM without seconds. */
	assert_int_equal(date_parse("2026-11-28", 10, 0, &d), -1);
	assert_int_equal(date_parse("2026-11-28", 10, DATE_DAY_ALONE, &d), 0);
	assert_int_equal(d.has_time, 0);
	assert_int_equal(d.has_zone, 0);
	assert_int_equal(date_unix(&d), 1795824000LL);
	assert_int_equal(date_parse("2026-11-28T08:51", 16, DATE_SECONDS_OPTIONAL, &d), 0);
	assert_int_equal(d.has_time, 1);
	assert_int_equal(d.hour * 100 + d.min, 851);
	assert_int_equal(date_parse("2026-11-28T08:51+07", 19, DATE_SECONDS_OPTIONAL, &d), 0);
	assert_int_equal(d.offset, 7 * 3600);
	/* No zone, no fraction: the plain form of a local or fixed-zone clock. */
	assert_int_equal(date_parse("2026-11-28 08:51:03Z", 20, DATE_NO_ZONE, &d), -1);
	assert_int_equal(date_parse("2026-11-28 08:51:03+07", 22, DATE_NO_ZONE, &d), -1);
	assert_int_equal(date_parse("2026-11-28 08:51:03.5", 21, DATE_NO_FRACTION, &d), -1);
	assert_int_equal(date_parse("2026-11-28 08:51:03", 19, DATE_NO_ZONE | DATE_NO_FRACTION,
	    &d), 0);
	assert_int_equal(d.has_zone, 0);
	assert_int_equal(d.sec, 3);
	/* len bounds the read: no NUL needed, and a NUL inside is refused. */
	assert_int_equal(date_parse("2026-11-28T08:51:03Zjunk", 20, 0, &d), 0);
	assert_int_equal(date_parse("2026-11-28T08:51:03\0", 20, 0, &d), -1);
	assert_int_equal(date_parse("2026-11-2", 9, DATE_DAY_ALONE, &d), -1);
	assert_int_equal(date_parse(NULL, 0, DATE_DAY_ALONE, &d), -1);
}

static void
test_calendar_days(void **state)
{
	(void)state;
	assert_true(date_valid_day(2024, 2, 29));
	assert_true(date_valid_day(2000, 2, 29));
	assert_false(date_valid_day(2100, 2, 29));
	assert_false(date_valid_day(2026, 2, 31));
	assert_false(date_valid_day(2026, 6, 31));
	assert_true(date_valid_day(2026, 12, 31));
	assert_int_equal(date_parse_day("2026-12-25"), 20261225);
	assert_int_equal(date_parse_day("2024-02-29"), 20240229);
	assert_int_equal(date_parse_day("2026-02-29"), -1);
	assert_int_equal(date_parse_day("2026-12-25T00:00:00Z"), -1);
	assert_int_equal(date_parse_day("2026-12-5"), -1);
	assert_int_equal(date_parse_day(NULL), -1);
	assert_int_equal(date_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(date_days_from_civil(2026, 1, 2), 20455);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepted_forms_name_the_right_instant),
		cmocka_unit_test(test_refused_forms),
		cmocka_unit_test(test_flags_widen_and_narrow),
		cmocka_unit_test(test_calendar_days),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
