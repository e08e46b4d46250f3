/*
 * ticket/json: tickets as JSON, built with <jansson.h>.  Every JSON Aduan
 * writes for agencies is compact with sorted keys (ticket_dump).
 *
 * Ticket object (webhooks and the agency API):
 *
 *   number       "48219303" (8 digits, a string)
 *   status       received, routed, in_progress, resolved, closed, deferred,
 *                rejected, withdrawn
 *   category     the rule keyword ("JALAN"), "" for triage
 *   location     text or null
 *   description  text
 *   channel      "sms", "ussd", "open311"
 *   region       region id, "" when none
 *   agency       agency id it is with now
 *   received_at, updated_at   ISO-8601 UTC
 *   due_at       the current stage's due date: received -> routing due,
 *                routed -> agency follow-up due, in_progress -> follow-up
 *                due after the reporter reopened it (null otherwise),
 *                resolved -> the reporter's window ends and it closes by
 *                itself then; otherwise null
 *   overdue      true when a received, routed or reopened ticket is past
 *                due_at
 *   duplicate_of the original's number when it was rejected as a duplicate,
 *                else null
 *   hub_request_id  the hub's service_request_id (its tracking number) once
 *                the ticket was forwarded to a hub (ticket/hub.h), else null
 *   reporter     {"phone": E.164 if the agency's show_phone is set, else
 *                 masked "+62812****890" (null: a partner's complaint that
 *                 came without one), "language": "id" | "en"}
 *   partner      the partner system that filed it (channel "open311",
 *                open311.partners' id), else null
 *   partner_request  what that partner's request carried beyond the ticket's
 *                fields: {"attributes": {CODE: value}, "media_url", "lat",
 *                "long"; with show_phone also "first_name", "last_name",
 *                "email", "device_id", "account_id"}, else null
 *   events       (GET /api/v1/tickets/{number} and the POST answer only)
 *                [{"at", "actor", "by", "status" (null for a note), "note",
 *                "internal", "action", "to_agency"}], oldest first, at most
 *                200 (EVENTS_MAX) (added by agency/api.c)
 */
#include "ticket/json.h"

#include <stdlib.h>
#include <time.h>

#include "ticket/lifecycle.h"
#include "sms/lang.h"
#include "util/log.h"
#include "util/util.h"

#define JSON_FLAGS              (JSON_COMPACT | JSON_SORT_KEYS)

/* ---- time --------------------------------------------------------------- */

void
ticket_iso_time(int64_t t, char *buf, size_t bufsz)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(buf, bufsz, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		(void)str_copy(buf, bufsz, "");
}

/* ---- ticket JSON -------------------------------------------------------- */

json_t *
ticket_must(json_t *j)
{
	if (j == NULL)
		fatal("out of memory building JSON");
	return j;
}

/* A JSON string (null for NULL); never fails on bytes that are not UTF-8. */
json_t *
ticket_jstr(const char *s)
{
	json_t *j;
	char *t;
	size_t i;

	if (s == NULL)
		return json_null();
	if ((j = json_string(s)) != NULL)
		return j;
	/* Not UTF-8 (intake checks, so this is old or foreign data). */
	t = xstrdup(s);
	for (i = 0; t[i] != '\0'; i++)
		if ((unsigned char)t[i] >= 0x80)
			t[i] = '?';
	j = json_string(t);
	free(t);
	return ticket_must(j);
}

json_t *
ticket_jtime(int64_t t)
{
	char buf[32];

	if (t == 0)
		return json_null();
	ticket_iso_time(t, buf, sizeof buf);
	return json_string(buf);
}

int64_t
ticket_due_of(const struct store_complaint *cm)
{
	switch (lifecycle_from_name(cm->status)) {
	case LC_RECEIVED:
		return cm->route_due;
	case LC_ROUTED:
	case LC_IN_PROGRESS:    /* 0 unless the reporter reopened it */
		return cm->followup_due;
	case LC_RESOLVED:
		return cm->close_due;
	default:
		return 0;
	}
}

int
ticket_overdue(const struct store_complaint *cm, int64_t now)
{
	int st = lifecycle_from_name(cm->status);
	int64_t due = ticket_due_of(cm);

	return (st == LC_RECEIVED || st == LC_ROUTED || st == LC_IN_PROGRESS) && due != 0 &&
	    now > due;
}

json_t *
ticket_json(const struct conf *c, const struct store_complaint *cm, int show_phone,
    int64_t now)
{
	char masked[32];
	const char *lang = cm->lang[0] != '\0' ? cm->lang : lang_code(c->default_lang);
	json_t *j, *pr = NULL;

	if (!show_phone)
		log_mask_phone(cm->phone, masked, sizeof masked);
	if (cm->partner_details != NULL &&
	    (pr = json_loads(cm->partner_details, 0, NULL)) != NULL && !show_phone) {
		/* The reporter's contact details, like the number, only with show_phone. */
		json_object_del(pr, "first_name");
		json_object_del(pr, "last_name");
		json_object_del(pr, "email");
		json_object_del(pr, "device_id");
		json_object_del(pr, "account_id");
	}
	j = ticket_must(json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b,"
	    " s:o, s:{s:o, s:o}}",
	    "number", ticket_jstr(cm->ticket),
	    "status", ticket_jstr(cm->status),
	    "category", ticket_jstr(cm->keyword),
	    "location", ticket_jstr(cm->location),
	    "description", ticket_jstr(cm->description != NULL ? cm->description : ""),
	    "channel", ticket_jstr(cm->channel),
	    "region", ticket_jstr(cm->region),
	    "agency", ticket_jstr(cm->agency),
	    "received_at", ticket_jtime(cm->created_at),
	    "updated_at", ticket_jtime(cm->updated_at),
	    "due_at", ticket_jtime(ticket_due_of(cm)),
	    "overdue", ticket_overdue(cm, now),
	    "duplicate_of", cm->duplicate_of[0] != '\0' ? ticket_jstr(cm->duplicate_of) :
	    json_null(),
	    "reporter",
	    "phone", cm->phone[0] == '\0' ? json_null() :
	    ticket_jstr(show_phone ? cm->phone : masked),
	    "language", ticket_jstr(lang)));
	json_object_set_new(j, "partner", cm->partner[0] != '\0' ? ticket_jstr(cm->partner) :
	    json_null());
	json_object_set_new(j, "partner_request", pr != NULL ? pr : json_null());
	/* Forwarded to a hub (ticket/hub.h): its tracking id, else null. */
	json_object_set_new(j, "hub_request_id", cm->hub_id[0] != '\0' ?
	    ticket_jstr(cm->hub_id) : json_null());
	return j;
}

char *
ticket_dump(const json_t *j)
{
	char *s = json_dumps(j, JSON_FLAGS);

	if (s == NULL)
		fatal("out of memory writing JSON");
	return s;
}
