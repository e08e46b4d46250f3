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

int64_t
sla_add_working_days(const struct sla_calendar *cal, int64_t t, int days)
{
	time_t tt = (time_t)t, r;
	struct tm tm, day;
	int guard = 0;

	if (days <= 0)
		return t;
	localtime_r(&tt, &tm);
	/*
	 * Step whole calendar days at noon (mktime normalises the date), then
	 * put t's time of day back: a day stepped over that lacks that time
	 * (a Sunday that skips 02:00-03:00 for summer time) moves nothing.
	 */
	day = tm;
	day.tm_hour = 12;
	day.tm_min = day.tm_sec = 0;
	while (days > 0 && guard++ < 3660) {
		day.tm_mday++;
		day.tm_isdst = -1;
		r = mktime(&day);
		localtime_r(&r, &day);
		if (working(cal, &day))
			days--;
	}
	day.tm_hour = tm.tm_hour;
	day.tm_min = tm.tm_min;
	day.tm_sec = tm.tm_sec;
	day.tm_isdst = -1;
	return (int64_t)mktime(&day);
}
