/*
 * sla: service levels in working days (LAPOR!: routed within 3 working
 * days, agency follow-up within 5, closed 10 working days after a
 * follow-up the citizen did not answer).  Working days are Monday to
 * Friday in the process's local time zone (TZ), minus the holidays of the
 * config.  Pure: no I/O.
 */
#ifndef ADUAN_SLA_H
#define ADUAN_SLA_H

#include <stddef.h>
#include <stdint.h>

struct sla_calendar {
	const int *holidays;    /* YYYYMMDD, any order */
	size_t nholidays;
};

/* 1 when the local date of t is a working day. */
int sla_working_day(const struct sla_calendar *cal, int64_t t);

/*
 * The moment `days` working days after t: the same local time of day on
 * the days-th working day after t's date (a complaint on Friday 16:00 with
 * 3 days is due Wednesday 16:00; on Saturday 10:00, Monday is the first
 * day counted, so it is due Wednesday 10:00 too).  The time of day holds
 * across a summer-time change.  days <= 0 gives t.
 */
int64_t sla_add_working_days(const struct sla_calendar *cal, int64_t t, int days);

#endif
