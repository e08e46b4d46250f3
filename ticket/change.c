/*
 * ticket/change: a ticket's side effects and status changes (ticket_apply),
 * with the webhook payloads and the citizen's status SMS they queue in the
 * outbox.  OpenSSL is used for SHA-256 only (idempotency keys; bearer
 * tokens in agency/api.c).
 *
 * Webhook payload (outbox row kind "webhook", recipient = agency id, the
 * body POSTed as application/json, signed by outbox/deliver.c):
 *
 *   {
 *     "event":   "ticket.created"        a new ticket, or one re-routed to you
 *              | "ticket.status"         its status changed
 *              | "ticket.note"           a note without a status change (the
 *                                        citizen's TAMBAH, or an agency's note)
 *              | "ticket.withdrawn"      the citizen withdrew it (BATAL)
 *              | "ticket.overdue"        the current stage passed its due date
 *                                        (sent once per stage)
 *              | "ticket.rerouted_away", triage moved your ticket to another
 *                                        agency (ticket.agency is the new one)
 *     "event_id", "seq": added when it is sent, inside the signature
 *                                        (outbox/deliver.c, webhook_body)
 *     "at":      "2026-11-28T08:51:03Z", when it happened (UTC)
 *     "actor":   "citizen" | "aduan" | an agency id,
 *     "note":    text or null,
 *     "previous_status": "received" ...  (ticket.status, ticket.created after
 *                                        a re-route, ticket.rerouted_away only)
 *     "previous_agency": agency id       (after a re-route only)
 *     "ticket":  a ticket object (ticket/json.c)
 *   }
 *
 * Idempotency keys are
 * "webhook:<agency>:<ticket>:<event>:<unix time>:<hash>" and
 * "sms:status:<ticket>:<unix time>:<hash>" (hash: the first 12 hex digits
 * of SHA-256 of the body), so the same message in the same second is queued
 * once and anything else is queued again; an overdue reminder's key ends in
 * "overdue:<due date>" instead: once per stage whatever happens.
 *
 * Decisions: a note alone from an agency is an event with no status, a
 * "ticket.note" webhook to the agency and an SMS to the citizen with the
 * current status and the note.  Notes written by Aduan itself (actor
 * "aduan", e.g. automatic closing) stay in the event log but are not put in
 * the citizen's SMS, which is in the citizen's language.
 */
#include "ticket/change.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "ticket/json.h"
#include "ticket/lifecycle.h"
#include "ticket/mail.h"
#include "ticket/sla.h"
#include "sms/gsm.h"
#include "sms/lang.h"
#include "util/crypto.h"
#include "util/log.h"
#include "util/util.h"

#define SMS_MAX_PARTS           3       /* as intake's replies */

/* ---- small helpers ------------------------------------------------------ */

const struct conf_agency *
ticket_agency_of(const struct conf *c, const char *id)
{
	long i = conf_agency_find(c, id);

	return i >= 0 ? &c->agencies[i] : NULL;
}

static const char *
triage_id(const struct conf *c)
{
	return c->triage < c->nagencies ? c->agencies[c->triage].id : "";
}

/* ---- outbox ------------------------------------------------------------- */

/*
 * Queues one webhook to agency `to` if it has one.  key_tail NULL gives
 * "<now>:<hash of the body>".  1 queued, 0 nothing to queue (no webhook,
 * or queued before), -1 error.
 */
int
ticket_queue_webhook(const struct conf *c, struct store *s, const char *to, const char *event,
    const struct store_complaint *cm, const char *actor, const char *note,
    const char *prev_status, const char *prev_agency, const char *key_tail, int64_t now)
{
	const struct conf_agency *ag = ticket_agency_of(c, to);
	struct store_outbox_new ob = { 0 };
	json_t *j;
	char *body, key[160], hash[65], at[32];
	int r;

	if (ag == NULL || ag->webhook == NULL)
		return 0;
	ticket_iso_time(now, at, sizeof at);
	j = ticket_must(json_pack("{s:s, s:s, s:o, s:o, s:o}", "event", event, "at", at,
	    "actor", ticket_jstr(actor), "note", ticket_jstr(note),
	    "ticket", ticket_json(c, cm, ag->show_phone, now)));
	if (prev_status != NULL)
		json_object_set_new(j, "previous_status", ticket_jstr(prev_status));
	if (prev_agency != NULL)
		json_object_set_new(j, "previous_agency", ticket_jstr(prev_agency));
	body = ticket_dump(j);
	json_decref(j);
	crypto_sha256_hex(body, strlen(body), hash);
	if (key_tail != NULL)
		snprintf(key, sizeof key, "webhook:%s:%s:%s:%s", ag->id, cm->ticket, event,
		    key_tail);
	else
		snprintf(key, sizeof key, "webhook:%s:%s:%s:%lld:%.12s", ag->id, cm->ticket,
		    event, (long long)now, hash);
	ob.kind = "webhook";
	ob.recipient = ag->id;
	ob.body = body;
	ob.idem_key = key;
	ob.complaint_id = cm->id;
	ob.created_at = now;
	r = store_outbox_add(s, &ob);
	free(body);
	return r;
}

int
ticket_queue_created(const struct conf *c, struct store *s, const struct store_complaint *cm,
    int64_t now)
{
	if (ticket_mail_created(c, s, cm, now) < 0)
		return -1;
	return ticket_queue_webhook(c, s, cm->agency, "ticket.created", cm, "citizen", NULL, NULL, NULL,
	    NULL, now);
}

int
ticket_queue_citizen(const struct conf *c, struct store *s, const struct store_complaint *cm,
    const char *status, const char *note, int64_t now)
{
	struct store_complaint t = *cm;        /* shallow: the payload's view */
	const char *event = "ticket.note";

	if (status != NULL) {
		event = strcmp(status, "withdrawn") == 0 ? "ticket.withdrawn" : "ticket.status";
		(void)str_copy(t.status, sizeof t.status, status);
	}
	t.updated_at = now;
	return ticket_queue_webhook(c, s, cm->agency, event, &t, "citizen", note,
	    status != NULL ? cm->status : NULL, NULL, NULL, now);
}

/* ---- the citizen's SMS -------------------------------------------------- */

static size_t
sms_parts(const char *s)
{
	struct gsm_count gc;

	if (gsm_count(s, strlen(s), &gc) != 0)
		return 99;
	return gc.parts;
}

/* Renders template r, cleaned for GSM-7, into a heap string. */
static char *
render(const struct conf *c, enum lang l, enum conf_reply r, const char *const *names,
    const char *const *values, size_t n)
{
	size_t cap = 1024;
	char *raw = NULL, *out;

	for (;;) {
		raw = xrealloc(raw, cap);
		if (conf_render(c, l, r, names, values, n, raw, cap) >= 0 || cap >= (1u << 20))
			break;
		cap *= 2;
	}
	out = xmalloc(cap);
	if (gsm_clean(raw, strlen(raw), out, cap) < 0)
		(void)str_copy(out, cap, raw);
	free(raw);
	return out;
}

/*
 * Where the note is cut to keep at most `len` bytes of it: at the last
 * word boundary before len, or at len (on a UTF-8 character boundary) when
 * the part before has no space.  Grows with len, so parts grow with it.
 */
static size_t
cut_at(const char *note, size_t n, size_t len)
{
	size_t p;

	if (len >= n || note[len] == ' ')
		p = len;
	else {
		for (p = len; p > 0 && note[p - 1] != ' '; p--)
			;
		if (p == 0)
			p = len;
		else
			p--;
	}
	p = utf8_cut(note, len, p);
	while (p > 0 && (note[p - 1] == ' ' || note[p - 1] == '\n' || note[p - 1] == '\t'))
		p--;
	return p;
}

/*
 * The status SMS: REPLY_STATUS_NOTE (REPLY_STATUS without a note) with the
 * note cut, with "...", until the whole text fits SMS_MAX_PARTS.  Binary
 * search on the note's length: a dozen renders for any note.
 */
static char *
status_sms(const struct conf *c, enum lang l, const struct store_complaint *cm,
    const char *note, int64_t now)
{
	const char *names[] = { "ticket", "status", "agency", "date", "note" };
	const char *values[5];
	const struct conf_agency *ag = ticket_agency_of(c, cm->agency);
	char date[40], *out, *cut;
	time_t tt = (time_t)now;
	struct tm tm;
	size_t n, lo, hi, mid, p;
	int st = conf_status_reply(cm->status);

	localtime_r(&tt, &tm);
	snprintf(date, sizeof date, "%02d/%02d/%04d", tm.tm_mday, tm.tm_mon + 1,
	    tm.tm_year + 1900);
	values[0] = cm->ticket;
	values[1] = st >= 0 && c->replies[l][st] != NULL ? c->replies[l][st] : cm->status;
	values[2] = ag != NULL ? ag->short_name : cm->agency;
	values[3] = date;
	if (note == NULL || *note == '\0')
		return render(c, l, REPLY_STATUS, names, values, 4);
	values[4] = note;
	out = render(c, l, REPLY_STATUS_NOTE, names, values, 5);
	if (sms_parts(out) <= SMS_MAX_PARTS)
		return out;
	free(out);
	n = strlen(note);
	cut = xmalloc(n + 4);
	values[4] = cut;
	/* Largest len in [0, n) whose cut note fits; 0 when none does. */
	lo = 0;
	hi = n - 1;
	while (lo < hi) {
		mid = lo + (hi - lo + 1) / 2;
		p = cut_at(note, n, mid);
		memcpy(cut, note, p);
		memcpy(cut + p, "...", 4);
		out = render(c, l, REPLY_STATUS_NOTE, names, values, 5);
		if (sms_parts(out) <= SMS_MAX_PARTS)
			lo = mid;
		else
			hi = mid - 1;
		free(out);
	}
	p = cut_at(note, n, lo);
	memcpy(cut, note, p);
	memcpy(cut + p, "...", 4);
	out = render(c, l, REPLY_STATUS_NOTE, names, values, 5);
	free(cut);
	return out;
}

/* Queues the status SMS to the reporter unless they sent STOP.  0, -1. */
static int
queue_citizen_sms(const struct conf *c, struct store *s, const struct store_complaint *cm,
    const char *note, int64_t now)
{
	struct store_outbox_new ob = { 0 };
	struct store_phone pp;
	enum lang l;
	char *body, key[160], hash[65];
	int r;

	if (cm->phone[0] == '\0')
		return 0;
	if ((r = store_phone_get(s, cm->phone, &pp)) < 0)
		return -1;
	if (r == 1 && pp.notify == 0)
		return 0;
	l = lang_from_code(cm->lang);
	if (l == LANG_NONE)
		l = c->default_lang;
	body = status_sms(c, l, cm, note, now);
	crypto_sha256_hex(body, strlen(body), hash);
	snprintf(key, sizeof key, "sms:status:%s:%lld:%.12s", cm->ticket, (long long)now, hash);
	ob.kind = "sms";
	ob.recipient = cm->phone;
	ob.body = body;
	ob.idem_key = key;
	ob.complaint_id = cm->id;
	ob.created_at = now;
	r = store_outbox_add(s, &ob);
	free(body);
	return r < 0 ? -1 : 0;
}

/* ---- service levels and status changes ---------------------------------- */

void
ticket_sla_init(const struct conf *c, struct store_complaint *cm, int64_t now)
{
	struct sla_calendar cal = { c->holidays, c->nholidays };

	cm->routed_at = 0;
	cm->route_due = 0;
	cm->followup_due = 0;
	cm->close_due = 0;
	cm->reminded_at = 0;
	if (strcmp(cm->agency, triage_id(c)) == 0 && cm->keyword[0] == '\0')
		cm->route_due = sla_add_working_days(&cal, now, c->sla_route_days);
	else {
		cm->routed_at = now;
		cm->followup_due = sla_add_working_days(&cal, now, c->sla_followup_days);
	}
}

void
ticket_known_statuses(char *buf, size_t bufsz)
{
	size_t n = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < LC_N; i++) {
		int w = snprintf(buf + n, bufsz - n, "%s%s", i > 0 ? ", " : "",
		    lifecycle_name((enum lc_status)i));

		if (w < 0 || (size_t)w >= bufsz - n)
			break;
		n += (size_t)w;
	}
}

int
ticket_apply(const struct conf *c, struct store *s, struct store_complaint *cm,
    const char *actor, const char *status, const char *note, const char *new_agency,
    int64_t now, char *err, size_t errsz)
{
	struct sla_calendar cal = { c->holidays, c->nholidays };
	char old_agency[sizeof cm->agency], old_status[sizeof cm->status], known[160];
	int cur = lifecycle_from_name(cm->status), to = -1, reroute = 0;
	int64_t routed_at = -1, followup_due = 0, close_due = 0;

	errf(err, errsz, "%s", "");
	if (note != NULL && *note == '\0')
		note = NULL;
	if (status == NULL && note == NULL) {
		errf(err, errsz, "nothing to do: give a status, a note or both");
		return 400;
	}
	if (status == NULL && new_agency != NULL) {
		errf(err, errsz, "re-routing needs status \"routed\"");
		return 400;
	}
	if (status != NULL && (to = lifecycle_from_name(status)) < 0) {
		ticket_known_statuses(known, sizeof known);
		errf(err, errsz, "unknown status '%.40s' (known: %s)", status, known);
		return 400;
	}
	if (new_agency != NULL && strcmp(new_agency, cm->agency) != 0) {
		if (to != LC_ROUTED) {
			errf(err, errsz, "re-routing to another agency needs status "
			    "\"routed\", not \"%s\"", status);
			return 400;
		}
		if (ticket_agency_of(c, new_agency) == NULL) {
			errf(err, errsz, "unknown agency '%.64s'", new_agency);
			return 400;
		}
		reroute = 1;
	}
	if (to == LC_WITHDRAWN) {
		errf(err, errsz, "only the reporter can withdraw a ticket (BATAL by SMS)");
		return 409;
	}
	if (status != NULL && (cur < 0 || !lifecycle_agency_may(cur, to))) {
		errf(err, errsz, "cannot go from %s to %s", cm->status, status);
		return 409;
	}
	if (reroute && strcmp(actor, triage_id(c)) != 0) {
		errf(err, errsz, "only the triage agency (%s) may re-route a ticket; "
		    "set \"rejected\" with a note to hand it back", triage_id(c));
		return 409;
	}
	if (to == LC_ROUTED && cur == LC_ROUTED && !reroute) {
		errf(err, errsz, "already routed to %s; name another agency to re-route",
		    cm->agency);
		return 409;
	}

	(void)str_copy(old_agency, sizeof old_agency, cm->agency);
	(void)str_copy(old_status, sizeof old_status, cm->status);
	if (reroute && store_complaint_set_agency(s, cm->id, new_agency, now) != 0)
		goto fail;
	if (store_event_add(s, cm->id, now, actor, status, note) != 0)
		goto fail;
	if (status != NULL) {
		/* A new stage: its own due date, and a reminder of its own. */
		if (to == LC_ROUTED) {
			routed_at = now;
			followup_due = sla_add_working_days(&cal, now, c->sla_followup_days);
		} else if (to == LC_RESOLVED)
			close_due = sla_add_working_days(&cal, now, c->sla_autoclose_days);
		if (store_complaint_set_sla(s, cm->id, routed_at, 0, followup_due, close_due,
		    0) != 0)
			goto fail;
		(void)str_copy(cm->status, sizeof cm->status, status);
		if (routed_at >= 0)
			cm->routed_at = routed_at;
		cm->route_due = 0;
		cm->followup_due = followup_due;
		cm->close_due = close_due;
		cm->reminded_at = 0;
	}
	if (reroute)
		(void)str_copy(cm->agency, sizeof cm->agency, new_agency);
	cm->updated_at = now;

	if (reroute) {
		if (ticket_queue_webhook(c, s, cm->agency, "ticket.created", cm, actor, note,
		    old_status, old_agency, NULL, now) < 0 ||
		    ticket_queue_webhook(c, s, old_agency, "ticket.rerouted_away", cm, actor, note,
		    old_status, old_agency, NULL, now) < 0)
			goto fail;
	} else if (ticket_queue_webhook(c, s, cm->agency, status != NULL ? "ticket.status" :
	    "ticket.note", cm, actor, note, status != NULL ? old_status : NULL, NULL, NULL,
	    now) < 0)
		goto fail;
	if (reroute && ticket_mail_created(c, s, cm, now) < 0)
		goto fail;
	/* Aduan's own notes are English bookkeeping, not for the citizen. */
	if (queue_citizen_sms(c, s, cm, strcmp(actor, "aduan") == 0 ? NULL : note, now) != 0)
		goto fail;
	log_info("ticket %s: %s%s%s%s%s by %s", cm->ticket, old_status,
	    status != NULL ? " -> " : " (note)", status != NULL ? status : "",
	    reroute ? ", re-routed to " : "", reroute ? cm->agency : "", actor);
	return 0;

fail:
	errf(err, errsz, "store: %s", store_errmsg());
	return -1;
}
