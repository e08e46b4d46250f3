/*
 * sla: working days for service levels.  Dates are taken in the process's
 * local time zone (run Aduan with TZ=Asia/Jakarta), because "three working
 * days" means days as the agency's office counts them.
 */
#include "ticket/sla.h"

#include <string.h>
#include <time.h>

static int
ymd(const struct tm *tm)
{
	return (tm->tm_year + 1900) * 10000 + (tm->tm_mon + 1) * 100 + tm->tm_mday;
}

static int
holiday(const struct sla_calendar *cal, int d)
{
	size_t i;

	for (i = 0; cal != NULL && i < cal->nholidays; i++)
		if (cal->holidays[i] == d)
			return 1;
	return 0;
}

static int
working(const struct sla_calendar *cal, const struct tm *tm)
{
	return tm->tm_wday != 0 && tm->tm_wday != 6 && !holiday(cal, ymd(tm));
}

int
sla_working_day(const struct sla_calendar *cal, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	localtime_r(&tt, &tm);
	return working(cal, &tm);
}

/*
 * Days since 1970-01-01 of a proleptic Gregorian date, and back (Howard
 * Hinnant's days_from_civil / civil_from_days): calendar dates without
 * mktime, whose time-zone lock the HTTP threads would take once per day
 * stepped (two calls a day, 4% of an SMS's HTTP-side time at 64
 * connections).
 */
static int64_t
days_from_civil(int y, int m, int d)
{
	int64_t era, yoe, doy;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

static void
civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

int64_t
sla_add_working_days(const struct sla_calendar *cal, int64_t t, int days)
{
	time_t tt = (time_t)t;
	struct tm tm, day;
	int64_t z;
	int y, m, d, wday, guard = 0;

	if (days <= 0)
		return t;
	localtime_r(&tt, &tm);
	/*
	 * Step whole calendar days on the date alone, then put t's time of
	 * day back: a day stepped over that lacks that time (a Sunday that
	 * skips 02:00-03:00 for summer time) moves nothing.
	 */
	z = days_from_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	wday = tm.tm_wday;
	y = tm.tm_year + 1900;
	m = tm.tm_mon + 1;
	d = tm.tm_mday;
	while (days > 0 && guard++ < 3660) {
		z++;
		wday = (wday + 1) % 7;
		civil_from_days(z, &y, &m, &d);
		if (wday != 0 && wday != 6 && !holiday(cal, y * 10000 + m * 100 + d))
			days--;
	}
	memset(&day, 0, sizeof day);
	day.tm_year = y - 1900;
	day.tm_mon = m - 1;
	day.tm_mday = d;
	day.tm_hour = tm.tm_hour;
	day.tm_min = tm.tm_min;
	day.tm_sec = tm.tm_sec;
	day.tm_isdst = -1;
	return (int64_t)mktime(&day);
}
