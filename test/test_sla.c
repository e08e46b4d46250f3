/*
 * test_sla: working days and due dates as ticket/sla.h promises them.
 * Times are built here with timegm() and a fixed offset (WIB, UTC+7, the
 * zone Aduan runs in), not with the code's own helpers, so a wrong day or a
 * wrong hour shows as two dates that differ.  One test runs in a zone with
 * summer time, where "the same local time of day" can drift.
 * (sla_parse_date is left to the date parser's own tests.)
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ticket/sla.h"

static void
set_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

/* y-m-d h:mi in a zone offset_h hours east of UTC (no summer time). */
static int64_t
at_off(int offset_h, int y, int m, int d, int h, int mi)
{
	struct tm tm;

	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	return (int64_t)timegm(&tm) - (int64_t)offset_h * 3600;
}

static int64_t
wib(int y, int m, int d, int h, int mi)
{
	return at_off(7, y, m, d, h, mi);
}

/* A time as the reader wants to see it: 2026-12-09 16:00 +0700 (Wed). */
static void
show(int64_t t, char *out, size_t outsz)
{
	time_t tt = (time_t)t;
	struct tm tm;

	localtime_r(&tt, &tm);
	strftime(out, outsz, "%Y-%m-%d %H:%M %z (%a)", &tm);
}

#define due_is(cal, from, days, want) due_is_(cal, from, days, want, __LINE__)

static void
due_is_(const struct sla_calendar *cal, int64_t from, int days, int64_t want, int line)
{
	int64_t got = sla_add_working_days(cal, from, days);
	char f[64], w[64], g[64];

	if (got != want) {
		show(from, f, sizeof f);
		show(want, w, sizeof w);
		show(got, g, sizeof g);
		print_error("line %d: %s + %d working days\n  expected %s\n  got      %s\n",
		    line, f, days, w, g);
		fail();
	}
}

static const int holidays_2026[] = {
	20261231,               /* any order */
	20261225,               /* Natal, a Friday */
	20261226,               /* cuti bersama, a Saturday: counts once */
	20260317,               /* Nyepi */
	20260320, 20260323, 20260324,   /* around Idul Fitri */
};
static const struct sla_calendar cal = { holidays_2026,
	sizeof holidays_2026 / sizeof holidays_2026[0] };

static int
setup_wib(void **state)
{
	(void)state;
	set_tz("WIB-7");
	return 0;
}

static void
test_working_day(void **state)
{
	(void)state;
	/* Monday 30 November .. Sunday 6 December 2026. */
	assert_true(sla_working_day(&cal, wib(2026, 11, 30, 9, 0)));
	assert_true(sla_working_day(&cal, wib(2026, 12, 2, 9, 0)));
	assert_true(sla_working_day(&cal, wib(2026, 12, 4, 23, 59)));
	assert_false(sla_working_day(&cal, wib(2026, 12, 5, 0, 0)));
	assert_false(sla_working_day(&cal, wib(2026, 12, 6, 12, 0)));
	assert_true(sla_working_day(&cal, wib(2026, 12, 7, 0, 0)));
	/* Holidays, and the days around them. */
	assert_true(sla_working_day(&cal, wib(2026, 12, 24, 12, 0)));
	assert_false(sla_working_day(&cal, wib(2026, 12, 25, 12, 0)));
	assert_false(sla_working_day(&cal, wib(2026, 12, 31, 12, 0)));
	assert_true(sla_working_day(&cal, wib(2026, 12, 30, 12, 0)));
	assert_false(sla_working_day(&cal, wib(2026, 3, 17, 12, 0)));
	/* Without a calendar (or an empty one) only weekends are off. */
	assert_true(sla_working_day(NULL, wib(2026, 12, 25, 12, 0)));
	assert_false(sla_working_day(NULL, wib(2026, 12, 26, 12, 0)));
}

/* The local date decides, not the UTC one. */
static void
test_working_day_is_local(void **state)
{
	int64_t t = wib(2026, 12, 5, 0, 30);  /* Saturday 00:30 WIB = Friday 17:30 UTC */

	(void)state;
	assert_false(sla_working_day(&cal, t));
	set_tz("UTC0");
	assert_true(sla_working_day(&cal, t));
	set_tz("WIB-7");
	/* Monday 06:00 WIB is still Sunday in UTC. */
	assert_true(sla_working_day(&cal, wib(2026, 12, 7, 6, 0)));
}

static void
test_due_across_weekends(void **state)
{
	(void)state;
	/* sla.h: Friday 16:00 + 3 days is due Wednesday 16:00. */
	due_is(&cal, wib(2026, 12, 4, 16, 0), 3, wib(2026, 12, 9, 16, 0));
	/*
	 * Saturday: Monday is the first day counted, so 3 days are due
	 * Wednesday at the same time (test_agency asserts the same).
	 */
	due_is(&cal, wib(2026, 12, 5, 10, 0), 3, wib(2026, 12, 9, 10, 0));
	due_is(&cal, wib(2026, 12, 6, 23, 59), 3, wib(2026, 12, 9, 23, 59));
	/* Monday + 3: Thursday; + 5: next Monday; + 10: Monday two weeks on. */
	due_is(&cal, wib(2026, 11, 30, 9, 15), 3, wib(2026, 12, 3, 9, 15));
	due_is(&cal, wib(2026, 11, 30, 9, 15), 5, wib(2026, 12, 7, 9, 15));
	due_is(&cal, wib(2026, 11, 30, 9, 15), 10, wib(2026, 12, 14, 9, 15));
	/* One day from Friday: Monday. */
	due_is(&cal, wib(2026, 12, 4, 8, 0), 1, wib(2026, 12, 7, 8, 0));
	/* days <= 0 gives t, whatever the day. */
	due_is(&cal, wib(2026, 12, 5, 10, 0), 0, wib(2026, 12, 5, 10, 0));
	due_is(&cal, wib(2026, 12, 5, 10, 0), -4, wib(2026, 12, 5, 10, 0));
	/* A year of working days (2027 has no holidays here): 261 weekdays. */
	due_is(&cal, wib(2027, 1, 1, 12, 0), 261, wib(2028, 1, 3, 12, 0));
}

static void
test_due_across_holidays(void **state)
{
	(void)state;
	/* Wed 23 Dec + 5: Thu 24, (Fri 25 holiday), Mon 28, Tue 29, Wed 30, (Thu 31 holiday),
	 * Fri 1 Jan. */
	due_is(&cal, wib(2026, 12, 23, 10, 0), 5, wib(2027, 1, 1, 10, 0));
	/* Without the calendar: Wednesday 30th. */
	due_is(NULL, wib(2026, 12, 23, 10, 0), 5, wib(2026, 12, 30, 10, 0));
	/* Thu 24 Dec + 1: the holiday Friday and the weekend are skipped. */
	due_is(&cal, wib(2026, 12, 24, 17, 0), 1, wib(2026, 12, 28, 17, 0));
	/* Idul Fitri 2026: Thu 19 Mar + 2: (Fri 20, Sat, Sun, Mon 23, Tue 24) Wed 25, Thu 26. */
	due_is(&cal, wib(2026, 3, 19, 11, 0), 2, wib(2026, 3, 26, 11, 0));
	/* A complaint on a holiday counts from the next working day. */
	due_is(&cal, wib(2026, 3, 17, 8, 0), 1, wib(2026, 3, 18, 8, 0));
}

/*
 * In a zone with summer time (Central Europe: 29 March 2026 02:00 -> 03:00,
 * 25 October 03:00 -> 02:00), "the same local time of day" holds across the
 * change, including for a time that does not exist on the Sunday stepped
 * over.
 */
static void
test_due_keeps_local_time_across_summer_time(void **state)
{
	(void)state;
	set_tz("CET-1CEST,M3.5.0,M10.5.0/3");
	/* Fri 27 Mar 16:00 CET (+1) + 3: Wed 1 Apr 16:00 CEST (+2). */
	due_is(NULL, at_off(1, 2026, 3, 27, 16, 0), 3, at_off(2, 2026, 4, 1, 16, 0));
	/* Fri 23 Oct 09:00 CEST + 1: Mon 26 Oct 09:00 CET. */
	due_is(NULL, at_off(2, 2026, 10, 23, 9, 0), 1, at_off(1, 2026, 10, 26, 9, 0));
	/* Fri 27 Mar 02:30 + 3: Wed 1 Apr 02:30, though Sun 29 has no 02:30. */
	due_is(NULL, at_off(1, 2026, 3, 27, 2, 30), 3, at_off(2, 2026, 4, 1, 2, 30));
	/* Sat 28 Mar 02:30 + 1: Mon 30 Mar 02:30. */
	due_is(NULL, at_off(1, 2026, 3, 28, 2, 30), 1, at_off(2, 2026, 3, 30, 2, 30));
	set_tz("WIB-7");
}

/*
 * Every day from 1999 to 2101 (leap years, 2000 that is one and 2100 that
 * is not), against an oracle that steps dates with timegm/gmtime in UTC
 * (WIB has no summer time, so its local dates are UTC dates 7 hours on).
 */
static int64_t
oracle_wib(const struct sla_calendar *c, int64_t from, int days)
{
	time_t local = (time_t)(from + 7 * 3600), noon;
	struct tm tm, day;
	size_t i;
	int ymd, off;

	gmtime_r(&local, &tm);
	noon = local - (tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec) + 12 * 3600;
	while (days > 0) {
		noon += 86400;
		gmtime_r(&noon, &day);
		ymd = (day.tm_year + 1900) * 10000 + (day.tm_mon + 1) * 100 + day.tm_mday;
		for (off = 0, i = 0; c != NULL && i < c->nholidays; i++)
			off |= c->holidays[i] == ymd;
		if (day.tm_wday != 0 && day.tm_wday != 6 && !off)
			days--;
	}
	return (int64_t)noon - 12 * 3600 + tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec -
	    7 * 3600;
}

static void
test_due_matches_the_calendar_for_a_century(void **state)
{
	static const int far[] = { 20000229, 20001225, 20991231, 21000301, 20280228 };
	const struct sla_calendar farcal = { far, sizeof far / sizeof far[0] };
	int64_t t, end = wib(2101, 1, 1, 0, 0);
	int days, checked = 0;

	(void)state;
	for (t = wib(1999, 1, 1, 9, 41); t < end; t += 86400 + 3607) {
		days = 1 + (int)((t / 86400) % 12);
		due_is(&farcal, t, days, oracle_wib(&farcal, t, days));
		due_is(&cal, t, days, oracle_wib(&cal, t, days));
		checked++;
	}
	assert_true(checked > 35000);
	/* Two by hand: 2100 is not a leap year, 2000 was. */
	due_is(NULL, wib(2100, 2, 26, 10, 0), 1, wib(2100, 3, 1, 10, 0));
	due_is(NULL, wib(2000, 2, 25, 10, 0), 2, wib(2000, 2, 29, 10, 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_working_day, setup_wib),
		cmocka_unit_test_setup(test_working_day_is_local, setup_wib),
		cmocka_unit_test_setup(test_due_across_weekends, setup_wib),
		cmocka_unit_test_setup(test_due_across_holidays, setup_wib),
		cmocka_unit_test_setup(test_due_keeps_local_time_across_summer_time, setup_wib),
		cmocka_unit_test_setup(test_due_matches_the_calendar_for_a_century, setup_wib),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
