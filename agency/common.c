/*
 * agency/common: helpers the agency API and Open311 share (agency/common.h).
 */
#include "agency/common.h"

#include <stdlib.h>
#include <string.h>

#include "ticket/json.h"
#include "util/date.h"
#include "util/util.h"

int
agency_all_digits(const char *s, size_t minlen, size_t maxlen)
{
	size_t n = 0;

	for (; s[n] != '\0'; n++)
		if (s[n] < '0' || s[n] > '9')
			return 0;
	return n >= minlen && n <= maxlen;
}

/*
 * ISO-8601 by util/date.h's rule, in the forms people send: "2026-11-28",
 * "2026-11-28T08:51", "2026-11-28T08:51:03", with optional fraction, then
 * "Z", "+07", "+0700", "+07:00" or nothing (UTC); a space may stand for the
 * T.  With allow_unix, plain Unix seconds too.  *date_only tells whether
 * only a date came.
 */
int
agency_parse_time(const char *s, int allow_unix, int64_t *out, int *date_only)
{
	struct date d;
	long v;

	if (date_only != NULL)
		*date_only = 0;
	if (s == NULL)
		return -1;
	if (allow_unix && agency_all_digits(s, 1, 12)) {
		if (str_to_long(s, 0, 253402300799L, &v) != 0)
			return -1;
		*out = v;
		return 0;
	}
	if (date_parse(s, strlen(s), DATE_DAY_ALONE | DATE_SECONDS_OPTIONAL, &d) != 0)
		return -1;
	if (date_only != NULL)
		*date_only = !d.has_time;
	*out = date_unix(&d);
	return 0;
}

void
agency_respond_json(struct http_response *res, int status, json_t *j)
{
	char *s = ticket_dump(j);

	http_respond(res, status, CT_JSON, s, strlen(s));
	free(s);
	json_decref(j);
}

/* A query parameter as a C string; NULL when absent; *bad when it has a NUL. */
const char *
agency_param(const struct http_request *req, const char *name, int *bad)
{
	size_t len;
	const char *v = http_param(req, name, &len);

	if (v != NULL && strlen(v) != len) {
		*bad = 1;
		return NULL;
	}
	return v;
}

/*
 * The entry points take a snapshot of the config in force for the whole
 * request (conf/live.h): a reload in the middle changes nothing for it.
 */
const struct live_snap *
agency_pin(const struct agency_ctx *a, struct agency_ctx *local)
{
	const struct live_snap *snap = NULL;

	*local = *a;
	if (a->live != NULL) {
		snap = live_get(a->live);
		local->conf = snap->conf;
		local->rt = snap->rt;
	}
	return snap;
}
