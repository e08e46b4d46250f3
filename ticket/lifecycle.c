/*
 * lifecycle: the complaint's states as a table of allowed changes, so that
 * the agency API, the automatic closing and the tests read one truth.
 */
#include "ticket/lifecycle.h"

#include <string.h>

static const char *const names[LC_N] = {
	[LC_RECEIVED] = "received",
	[LC_ROUTED] = "routed",
	[LC_IN_PROGRESS] = "in_progress",
	[LC_RESOLVED] = "resolved",
	[LC_CLOSED] = "closed",
	[LC_DEFERRED] = "deferred",
	[LC_REJECTED] = "rejected",
	[LC_WITHDRAWN] = "withdrawn",
};

#define B(s) (1u << (s))

/*
 * rows[from]: the states an agency may move a complaint to, and whether
 * triage may re-route it or its agency return it to triage.
 */
static const struct {
	unsigned agency_may;
	unsigned char reroute, give_back;
} rows[LC_N] = {
	[LC_RECEIVED] = { B(LC_ROUTED) | B(LC_IN_PROGRESS) | B(LC_DEFERRED) | B(LC_REJECTED),
	    1, 1 },
	[LC_ROUTED] = { B(LC_ROUTED) | B(LC_IN_PROGRESS) | B(LC_RESOLVED) | B(LC_DEFERRED) |
	    B(LC_REJECTED), 1, 1 },
	[LC_IN_PROGRESS] = { B(LC_RESOLVED) | B(LC_DEFERRED) | B(LC_REJECTED), 1, 1 },
	[LC_DEFERRED] = { B(LC_IN_PROGRESS) | B(LC_RESOLVED) | B(LC_REJECTED), 1, 1 },
	[LC_RESOLVED] = { B(LC_IN_PROGRESS) | B(LC_CLOSED), 1, 0 },
	[LC_CLOSED] = { 0, 0, 0 },
	[LC_REJECTED] = { 0, 0, 0 },
	[LC_WITHDRAWN] = { 0, 0, 0 },
};

const char *
lifecycle_name(enum lc_status s)
{
	return (unsigned)s < LC_N ? names[s] : NULL;
}

int
lifecycle_from_name(const char *name)
{
	int i;

	for (i = 0; name != NULL && i < LC_N; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

int
lifecycle_agency_may(enum lc_status from, enum lc_status to)
{
	if ((unsigned)from >= LC_N || (unsigned)to >= LC_N)
		return 0;
	return (rows[from].agency_may & B(to)) != 0;
}

int
lifecycle_reroute_may(enum lc_status from)
{
	return (unsigned)from < LC_N && rows[from].reroute;
}

int
lifecycle_return_may(enum lc_status from)
{
	return (unsigned)from < LC_N && rows[from].give_back;
}

int
lifecycle_final(enum lc_status s)
{
	return s == LC_CLOSED || s == LC_REJECTED || s == LC_WITHDRAWN;
}

int
lifecycle_open(enum lc_status s)
{
	return (unsigned)s < LC_N && !lifecycle_final(s);
}
