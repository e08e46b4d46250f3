/*
 * agency: what agencies and the public see of Aduan.  Status changes with
 * everything they cause (agency_apply), the webhook payloads queued in the
 * outbox, the bearer-token agency API, the read-only Open311 GeoReport v2
 * endpoints and the service-level tick.  Builds and parses its JSON with
 * <jansson.h> (as the JSON gateway adapters, gateway/send.c and
 * outbox/deliver.c do); OpenSSL is used for SHA-256 only (tokens,
 * idempotency keys).
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
 *     "ticket":  a ticket object (below)
 *   }
 *
 * Ticket object (webhooks and the agency API):
 *
 *   number       "48219303" (8 digits, a string)
 *   status       received, routed, in_progress, resolved, closed, deferred,
 *                rejected, withdrawn
 *   category     the rule keyword ("JALAN"), "" for triage
 *   location     text or null
 *   description  text
 *   channel      "sms", "ussd"
 *   region       region id, "" when none
 *   agency       agency id it is with now
 *   received_at, updated_at   ISO-8601 UTC
 *   due_at       the current stage's due date: received -> routing due,
 *                routed -> agency follow-up due, resolved -> closes by itself
 *                then; otherwise null
 *   overdue      true when a received or routed ticket is past due_at
 *   reporter     {"phone": E.164 if the agency's show_phone is set, else
 *                 masked "+62812****890", "language": "id" | "en"}
 *   events       (GET /api/v1/tickets/{number} and the POST answer only)
 *                [{"at", "actor", "status" (null for a note), "note"}],
 *                oldest first, at most 200 (EVENTS_MAX)
 *
 * Agency API answers (application/json; charset=utf-8; errors are
 * {"error": "reason"}):
 *   GET  /api/v1/tickets    {"tickets": [ticket...], "next_cursor": "<id>" | null}
 *        status=<lifecycle name>, since=<ISO-8601 or Unix seconds> (updated
 *        at or after), limit=1..100 (20), cursor=<next_cursor>; newest first.
 *   GET  /api/v1/tickets/{number}          the ticket with "events"
 *   POST /api/v1/tickets/{number}/events   {"status", "note", "agency"}: all
 *        optional strings, no other members; the answer is the ticket as GET
 *        shows it.  400 bad JSON / unknown status or agency / note over 1000
 *        characters, 401 no or unknown token (WWW-Authenticate: Bearer), 404
 *        another agency's ticket or none (the same body), 405, 409 a change
 *        the lifecycle refuses, withdrawn, or a re-route by anyone but the
 *        triage agency, 413 a body over 8 KB, 503 the store failed (retry).
 *
 * Open311 (off unless open311.enabled; then public, unauthenticated):
 * services one per keyword rule; requests newest first, limit 1..200
 * (50), status=open|closed, service_code=A,B (at most 10, each a known
 * code), start_date/end_date (ISO-8601, inclusive; a bare date as end_date
 * means the whole day; at most 90 days apart).  A triage ticket has
 * service_code "".  Withdrawn and rejected tickets are never shown (a
 * single request answers 404).  Each client address may ask
 * open311.requests_per_minute times a minute (open311.burst at once), then
 * gets 429 with Retry-After.  Errors are GeoReport's
 * [{"code", "description"}] / <errors><error>.
 *
 * Every JSON is compact with sorted keys.  Idempotency keys are
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
 * the citizen's SMS, which is in the citizen's language.  Open311 output
 * shows the citizen's own text (description, address) only with
 * open311.publish_text, and every free text it shows goes through
 * pii_mask() (sms/pii.h) with the reporter's number: phone and identity
 * numbers in any form are hidden, since a citizen sometimes writes one.
 */
#include "agency/agency.h"

#include "conf/live.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>
#include "util/crypto.h"

#include "ticket/lifecycle.h"
#include "ticket/sla.h"
#include "sms/gsm.h"
#include "sms/lang.h"
#include "sms/pii.h"
#include "sms/text.h"
#include "util/date.h"
#include "util/log.h"
#include "util/util.h"

#define JSON_FLAGS              (JSON_COMPACT | JSON_SORT_KEYS)
#define CT_JSON                 "application/json; charset=utf-8"
#define CT_XML                  "application/xml; charset=utf-8"

#define SMS_MAX_PARTS           3       /* as intake's replies */
#define NOTE_MAX_CHARS          1000
#define API_BODY_MAX            8192
#define API_LIMIT_DEFAULT       20
#define API_LIMIT_MAX           100
#define TOKEN_MAX               512
#define EVENTS_MAX              200
#define O311_LIMIT_DEFAULT      50
#define O311_LIMIT_MAX          200     /* a page's rows: each costs a note lookup too */
#define O311_CODES_MAX          10
#define O311_RANGE_MAX          (90 * 86400)    /* start_date..end_date, as GeoReport suggests */
#define O311_CLIENTS            4096    /* client addresses the rate limit remembers */
#define O311_PROBE              8       /* slots looked at for one address */
#define TICK_BATCH              64
#define TICK_ROUNDS             16
#define NOTE_BUF                8192    /* a stored note for status_notes */
#define XML_MAX                 (8 << 20)       /* an XML answer: 200 rows are far less */
#define KEYWORDS_MAX            4096    /* a service's "keywords": whole aliases up to this */

/* ---- small helpers ------------------------------------------------------ */

static const struct conf_agency *
agency_of(const struct conf *c, const char *id)
{
	long i = conf_agency_find(c, id);

	return i >= 0 ? &c->agencies[i] : NULL;
}

static const char *
triage_id(const struct conf *c)
{
	return c->triage < c->nagencies ? c->agencies[c->triage].id : "";
}

static void
sha256_hex(const char *s, size_t len, char out[65])
{
	crypto_sha256_hex(s, len, out);
}

static int
all_digits(const char *s, size_t minlen, size_t maxlen)
{
	size_t n = 0;

	for (; s[n] != '\0'; n++)
		if (s[n] < '0' || s[n] > '9')
			return 0;
	return n >= minlen && n <= maxlen;
}

/* The grow-as-needed text buffer of the XML writer. */
/* Text escaped for XML 1.0; control characters it cannot carry are dropped. */
static void
buf_xml(struct sbuf *b, const char *s)
{
	const char *run = s;

	for (; *s != '\0'; s++) {
		const char *rep = NULL;
		unsigned char ch = (unsigned char)*s;

		switch (ch) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&apos;"; break;
		default:
			if (ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r')
				rep = "";
			break;
		}
		if (rep == NULL)
			continue;
		sbuf_add(b, run, (size_t)(s - run));
		sbuf_str(b, rep);
		run = s + 1;
	}
	sbuf_add(b, run, (size_t)(s - run));
}

/* ---- time --------------------------------------------------------------- */

static void
iso_time(int64_t t, char *buf, size_t bufsz)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(buf, bufsz, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		(void)str_copy(buf, bufsz, "");
}

/*
 * ISO-8601 by util/date.h's rule, in the forms people send: "2026-11-28",
 * "2026-11-28T08:51", "2026-11-28T08:51:03", with optional fraction, then
 * "Z", "+07", "+0700", "+07:00" or nothing (UTC); a space may stand for the
 * T.  With allow_unix, plain Unix seconds too.  *date_only tells whether
 * only a date came.
 */
static int
parse_time(const char *s, int allow_unix, int64_t *out, int *date_only)
{
	struct date d;
	long v;

	if (date_only != NULL)
		*date_only = 0;
	if (s == NULL)
		return -1;
	if (allow_unix && all_digits(s, 1, 12)) {
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

/* ---- ticket JSON -------------------------------------------------------- */

static json_t *
must(json_t *j)
{
	if (j == NULL)
		fatal("out of memory building JSON");
	return j;
}

/* A JSON string (null for NULL); never fails on bytes that are not UTF-8. */
static json_t *
jstr(const char *s)
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
	return must(j);
}

static json_t *
jtime(int64_t t)
{
	char buf[32];

	if (t == 0)
		return json_null();
	iso_time(t, buf, sizeof buf);
	return json_string(buf);
}

static int64_t
due_of(const struct store_complaint *cm)
{
	switch (lifecycle_from_name(cm->status)) {
	case LC_RECEIVED:
		return cm->route_due;
	case LC_ROUTED:
		return cm->followup_due;
	case LC_RESOLVED:
		return cm->close_due;
	default:
		return 0;
	}
}

static int
overdue(const struct store_complaint *cm, int64_t now)
{
	int st = lifecycle_from_name(cm->status);
	int64_t due = due_of(cm);

	return (st == LC_RECEIVED || st == LC_ROUTED) && due != 0 && now > due;
}

static json_t *
ticket_json(const struct conf *c, const struct store_complaint *cm, int show_phone,
    int64_t now)
{
	char masked[32];
	const char *lang = cm->lang[0] != '\0' ? cm->lang : lang_code(c->default_lang);

	if (!show_phone)
		log_mask_phone(cm->phone, masked, sizeof masked);
	return must(json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b,"
	    " s:{s:o, s:o}}",
	    "number", jstr(cm->ticket),
	    "status", jstr(cm->status),
	    "category", jstr(cm->keyword),
	    "location", jstr(cm->location),
	    "description", jstr(cm->description != NULL ? cm->description : ""),
	    "channel", jstr(cm->channel),
	    "region", jstr(cm->region),
	    "agency", jstr(cm->agency),
	    "received_at", jtime(cm->created_at),
	    "updated_at", jtime(cm->updated_at),
	    "due_at", jtime(due_of(cm)),
	    "overdue", overdue(cm, now),
	    "reporter",
	    "phone", jstr(show_phone ? cm->phone : masked),
	    "language", jstr(lang)));
}

static char *
dump(const json_t *j)
{
	char *s = json_dumps(j, JSON_FLAGS);

	if (s == NULL)
		fatal("out of memory writing JSON");
	return s;
}

/* ---- outbox ------------------------------------------------------------- */

/*
 * Queues one webhook to agency `to` if it has one.  key_tail NULL gives
 * "<now>:<hash of the body>".  1 queued, 0 nothing to queue (no webhook,
 * or queued before), -1 error.
 */
static int
queue_webhook(const struct conf *c, struct store *s, const char *to, const char *event,
    const struct store_complaint *cm, const char *actor, const char *note,
    const char *prev_status, const char *prev_agency, const char *key_tail, int64_t now)
{
	const struct conf_agency *ag = agency_of(c, to);
	struct store_outbox_new ob = { 0 };
	json_t *j;
	char *body, key[160], hash[65], at[32];
	int r;

	if (ag == NULL || ag->webhook == NULL)
		return 0;
	iso_time(now, at, sizeof at);
	j = must(json_pack("{s:s, s:s, s:o, s:o, s:o}", "event", event, "at", at,
	    "actor", jstr(actor), "note", jstr(note),
	    "ticket", ticket_json(c, cm, ag->show_phone, now)));
	if (prev_status != NULL)
		json_object_set_new(j, "previous_status", jstr(prev_status));
	if (prev_agency != NULL)
		json_object_set_new(j, "previous_agency", jstr(prev_agency));
	body = dump(j);
	json_decref(j);
	sha256_hex(body, strlen(body), hash);
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
agency_queue_created(const struct conf *c, struct store *s, const struct store_complaint *cm,
    int64_t now)
{
	return queue_webhook(c, s, cm->agency, "ticket.created", cm, "citizen", NULL, NULL, NULL,
	    NULL, now);
}

int
agency_queue_citizen(const struct conf *c, struct store *s, const struct store_complaint *cm,
    const char *status, const char *note, int64_t now)
{
	struct store_complaint t = *cm;        /* shallow: the payload's view */
	const char *event = "ticket.note";

	if (status != NULL) {
		event = strcmp(status, "withdrawn") == 0 ? "ticket.withdrawn" : "ticket.status";
		(void)str_copy(t.status, sizeof t.status, status);
	}
	t.updated_at = now;
	return queue_webhook(c, s, cm->agency, event, &t, "citizen", note,
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
	const struct conf_agency *ag = agency_of(c, cm->agency);
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
	sha256_hex(body, strlen(body), hash);
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
agency_sla_init(const struct conf *c, struct store_complaint *cm, int64_t now)
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

static void
known_statuses(char *buf, size_t bufsz)
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
agency_apply(const struct conf *c, struct store *s, struct store_complaint *cm,
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
		known_statuses(known, sizeof known);
		errf(err, errsz, "unknown status '%.40s' (known: %s)", status, known);
		return 400;
	}
	if (new_agency != NULL && strcmp(new_agency, cm->agency) != 0) {
		if (to != LC_ROUTED) {
			errf(err, errsz, "re-routing to another agency needs status "
			    "\"routed\", not \"%s\"", status);
			return 400;
		}
		if (agency_of(c, new_agency) == NULL) {
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
		if (queue_webhook(c, s, cm->agency, "ticket.created", cm, actor, note,
		    old_status, old_agency, NULL, now) < 0 ||
		    queue_webhook(c, s, old_agency, "ticket.rerouted_away", cm, actor, note,
		    old_status, old_agency, NULL, now) < 0)
			goto fail;
	} else if (queue_webhook(c, s, cm->agency, status != NULL ? "ticket.status" :
	    "ticket.note", cm, actor, note, status != NULL ? old_status : NULL, NULL, NULL,
	    now) < 0)
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

/* ---- the agency API ----------------------------------------------------- */

static void
respond_json(struct http_response *res, int status, json_t *j)
{
	char *s = dump(j);

	http_respond(res, status, CT_JSON, s, strlen(s));
	free(s);
	json_decref(j);
}

static void
json_error(struct http_response *res, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
json_error(struct http_response *res, int status, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	utf8_fix_tail(msg);
	respond_json(res, status, must(json_pack("{s:o}", "error", jstr(msg))));
}

/* The agency whose token_sha256 is the hash of the bearer token, or NULL. */
static const struct conf_agency *
authenticate(const struct conf *c, const char *auth)
{
	const struct conf_agency *found = NULL;
	char hex[65];
	size_t i, n;

	if (auth == NULL || strncasecmp(auth, "Bearer ", 7) != 0)
		return NULL;
	for (auth += 7; *auth == ' '; auth++)
		;
	n = strlen(auth);
	while (n > 0 && (auth[n - 1] == ' ' || auth[n - 1] == '\t'))
		n--;
	if (n == 0 || n > TOKEN_MAX)
		return NULL;
	sha256_hex(auth, n, hex);
	/* Compare with every agency: the time taken says nothing about which. */
	for (i = 0; i < c->nagencies; i++)
		if (c->agencies[i].token_sha256 != NULL &&
		    str_secret_equal(hex, c->agencies[i].token_sha256) && found == NULL)
			found = &c->agencies[i];
	return found;
}

/* A query parameter as a C string; NULL when absent; *bad when it has a NUL. */
static const char *
param(const struct http_request *req, const char *name, int *bad)
{
	size_t len;
	const char *v = http_param(req, name, &len);

	if (v != NULL && strlen(v) != len) {
		*bad = 1;
		return NULL;
	}
	return v;
}

static json_t *
events_json(struct store *s, int64_t id)
{
	struct store_event *ev = xcalloc(EVENTS_MAX, sizeof *ev);
	json_t *arr;
	size_t n, i;

	if (store_events_list(s, id, ev, EVENTS_MAX, &n) != 0) {
		free(ev);
		return NULL;
	}
	arr = must(json_array());
	for (i = 0; i < n; i++) {
		json_array_append_new(arr, must(json_pack("{s:o, s:o, s:o, s:o}",
		    "at", jtime(ev[i].at), "actor", jstr(ev[i].actor),
		    "status", ev[i].status[0] != '\0' ? jstr(ev[i].status) : json_null(),
		    "note", jstr(ev[i].note))));
		store_event_clear(&ev[i]);
	}
	free(ev);
	return arr;
}

/* The ticket with its events, as GET /api/v1/tickets/{number} shows it. */
static json_t *
ticket_full(const struct conf *c, struct store *s, const struct store_complaint *cm,
    int show_phone, int64_t now)
{
	json_t *j, *ev;

	if ((ev = events_json(s, cm->id)) == NULL)
		return NULL;
	j = ticket_json(c, cm, show_phone, now);
	json_object_set_new(j, "events", ev);
	return j;
}

static void
api_list(struct agency_ctx *a, const struct conf_agency *ag, const struct http_request *req,
    struct http_response *res)
{
	struct store_query q = { 0 };
	struct store_complaint *out;
	const char *status, *since, *limit, *cursor;
	json_t *arr, *j;
	char next[24];
	int64_t now = now_unix(), t;
	long lim = API_LIMIT_DEFAULT, v;
	size_t n, i;
	int bad = 0;

	status = param(req, "status", &bad);
	since = param(req, "since", &bad);
	limit = param(req, "limit", &bad);
	cursor = param(req, "cursor", &bad);
	if (bad) {
		json_error(res, 400, "a parameter contains a NUL byte");
		return;
	}
	if (status != NULL && lifecycle_from_name(status) < 0) {
		char known[160];

		known_statuses(known, sizeof known);
		json_error(res, 400, "unknown status '%.40s' (known: %s)", status, known);
		return;
	}
	if (since != NULL) {
		if (parse_time(since, 1, &t, NULL) != 0) {
			json_error(res, 400, "since must be an ISO-8601 time "
			    "(2026-11-28T08:51:03Z) or Unix seconds");
			return;
		}
		q.updated_since = t;
	}
	if (limit != NULL && (!all_digits(limit, 1, 3) ||
	    str_to_long(limit, 1, API_LIMIT_MAX, &lim) != 0)) {
		json_error(res, 400, "limit must be 1 to %d", API_LIMIT_MAX);
		return;
	}
	if (cursor != NULL) {
		if (!all_digits(cursor, 1, 18) || str_to_long(cursor, 1, 0x7fffffffffffffffL,
		    &v) != 0) {
			json_error(res, 400, "malformed cursor: pass next_cursor as it came");
			return;
		}
		q.before_id = v;
	}
	q.agency = ag->id;
	q.status = status;
	q.limit = (size_t)lim + 1;      /* one more tells whether a next page exists */
	out = xcalloc(q.limit, sizeof *out);
	if (store_complaint_list(a->store, &q, out, q.limit, &n) != 0) {
		log_error("api: list tickets: %s", store_errmsg());
		free(out);
		json_error(res, 503, "store unavailable, try again");
		return;
	}
	arr = must(json_array());
	for (i = 0; i < n && i < (size_t)lim; i++)
		json_array_append_new(arr, ticket_json(a->conf, &out[i], ag->show_phone, now));
	if (n > (size_t)lim)
		snprintf(next, sizeof next, "%lld", (long long)out[lim - 1].id);
	j = must(json_pack("{s:o, s:o}", "tickets", arr, "next_cursor",
	    n > (size_t)lim ? json_string(next) : json_null()));
	for (i = 0; i < n; i++)
		store_complaint_clear(&out[i]);
	free(out);
	respond_json(res, 200, j);
}

/* Another agency's ticket answers exactly like one that does not exist. */
static void
not_found(struct http_response *res)
{
	json_error(res, 404, "no such ticket");
}

static void
api_get(struct agency_ctx *a, const struct conf_agency *ag, const char *number,
    struct http_response *res)
{
	struct store_complaint cm;
	json_t *j;
	int r;

	r = store_complaint_get(a->store, number, &cm);
	if (r < 0) {
		log_error("api: get ticket: %s", store_errmsg());
		json_error(res, 503, "store unavailable, try again");
		return;
	}
	if (r == 0 || strcmp(cm.agency, ag->id) != 0) {
		store_complaint_clear(&cm);
		not_found(res);
		return;
	}
	j = ticket_full(a->conf, a->store, &cm, ag->show_phone, now_unix());
	store_complaint_clear(&cm);
	if (j == NULL) {
		log_error("api: list events: %s", store_errmsg());
		json_error(res, 503, "store unavailable, try again");
		return;
	}
	respond_json(res, 200, j);
}

/* A member of the request object: a string, null or absent.  -1: another type. */
static int
member(json_t *root, const char *name, const char **out)
{
	json_t *v = json_object_get(root, name);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return -1;
	*out = json_string_value(v);
	return 0;
}

static void
api_post(struct agency_ctx *a, const struct conf_agency *ag, const char *number,
    const struct http_request *req, struct http_response *res)
{
	struct store_complaint cm;
	json_error_t jerr;
	json_t *root, *v, *j = NULL;
	const char *body, *status, *note, *to, *key;
	char err[256];
	int64_t now = now_unix();
	size_t len;
	int r;

	body = http_body(req, &len);
	if (body == NULL || len == 0) {
		json_error(res, 400, "a JSON body is needed: {\"status\": \"in_progress\", "
		    "\"note\": \"...\"} (Content-Type: application/json)");
		return;
	}
	if (len > API_BODY_MAX) {
		json_error(res, 413, "body over %d bytes", API_BODY_MAX);
		return;
	}
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		json_error(res, 400, "bad JSON: %s (line %d, column %d)", jerr.text, jerr.line,
		    jerr.column);
		return;
	}
	if (!json_is_object(root)) {
		json_decref(root);
		json_error(res, 400, "the body must be a JSON object "
		    "{\"status\": ..., \"note\": ..., \"agency\": ...}");
		return;
	}
	json_object_foreach(root, key, v) {
		if (strcmp(key, "status") != 0 && strcmp(key, "note") != 0 &&
		    strcmp(key, "agency") != 0) {
			json_error(res, 400, "unknown field '%.40s' (known: status, note, agency)",
			    key);
			json_decref(root);
			return;
		}
	}
	if (member(root, "status", &status) != 0 || member(root, "note", &note) != 0 ||
	    member(root, "agency", &to) != 0) {
		json_decref(root);
		json_error(res, 400, "status, note and agency must be strings");
		return;
	}
	if (note != NULL && text_utf8_chars(note, strlen(note)) > NOTE_MAX_CHARS) {
		json_decref(root);
		json_error(res, 400, "note is longer than %d characters", NOTE_MAX_CHARS);
		return;
	}

	if (store_begin(a->store) != 0) {
		log_error("api: begin: %s", store_errmsg());
		json_decref(root);
		json_error(res, 503, "store unavailable, try again");
		return;
	}
	r = store_complaint_get(a->store, number, &cm);
	if (r != 1 || strcmp(cm.agency, ag->id) != 0) {
		store_rollback(a->store);
		json_decref(root);
		if (r == 1)
			store_complaint_clear(&cm);
		if (r < 0) {
			log_error("api: get ticket: %s", store_errmsg());
			json_error(res, 503, "store unavailable, try again");
		} else
			not_found(res);
		return;
	}
	r = agency_apply(a->conf, a->store, &cm, ag->id, status, note, to, now, err,
	    sizeof err);
	json_decref(root);
	if (r == 0 && (j = ticket_full(a->conf, a->store, &cm, ag->show_phone, now)) == NULL) {
		errf(err, sizeof err, "store: %s", store_errmsg());
		r = -1;
	}
	if (r == 0 && store_commit(a->store) != 0) {
		errf(err, sizeof err, "store: %s", store_errmsg());
		json_decref(j);
		r = -1;
	} else if (r != 0)
		store_rollback(a->store);
	store_complaint_clear(&cm);
	if (r < 0) {
		log_error("api: %s ticket %s: %s", ag->id, number, err);
		json_error(res, 503, "store unavailable, try again");
		return;
	}
	if (r > 0) {
		log_info("api: %s ticket %s refused with %d: %s", ag->id, number, r, err);
		json_error(res, r, "%s", err);
		return;
	}
	if (a->deliver != NULL)
		deliver_wake(a->deliver);
	respond_json(res, 200, j);
}

static void
api_handle(struct agency_ctx *a, const struct http_request *req, struct http_response *res)
{
	static const char prefix[] = "/api/v1/tickets";
	const struct conf_agency *ag;
	const char *path = http_request_path(req), *rest;
	enum http_method m = http_request_method(req);
	char number[16];
	size_t n;

	ag = authenticate(a->conf, http_header(req, "Authorization"));
	if (ag == NULL) {
		log_warnx("api: %s from %s without a valid bearer token",
		    http_header(req, "Authorization") != NULL ? "token" : "request",
		    http_request_peer(req));
		json_error(res, 401, "a valid bearer token is needed "
		    "(Authorization: Bearer <token>)");
		res->header_name = "WWW-Authenticate";
		res->header_value = "Bearer realm=\"aduan\"";
		return;
	}
	if (path == NULL || strncmp(path, prefix, sizeof prefix - 1) != 0) {
		json_error(res, 404, "not found");
		return;
	}
	rest = path + sizeof prefix - 1;
	if (*rest == '\0' || strcmp(rest, "/") == 0) {
		if (m != HTTP_GET)
			goto method;
		api_list(a, ag, req, res);
		return;
	}
	if (*rest++ != '/') {
		json_error(res, 404, "not found");
		return;
	}
	n = strcspn(rest, "/");
	if (n == 0 || n >= sizeof number) {
		json_error(res, 404, "not found");
		return;
	}
	memcpy(number, rest, n);
	number[n] = '\0';
	rest += n;
	if (*rest != '\0' && strcmp(rest, "/") != 0 && strcmp(rest, "/events") != 0) {
		json_error(res, 404, "not found");
		return;
	}
	if (!all_digits(number, 8, 8)) {
		not_found(res);
		return;
	}
	if (strcmp(rest, "/events") == 0) {
		if (m != HTTP_POST)
			goto method;
		api_post(a, ag, number, req, res);
		return;
	}
	if (m != HTTP_GET)
		goto method;
	api_get(a, ag, number, res);
	return;

method:
	json_error(res, 405, "method not allowed here");
	res->header_name = "Allow";
	res->header_value = strcmp(rest, "/events") == 0 ? "POST" : "GET";
}

/* ---- Open311 GeoReport v2 ----------------------------------------------- */

enum fmt { FMT_JSON, FMT_XML };

/*
 * The per-address rate limit: a token bucket per client address, in
 * memory, open311.burst tokens at most, refilled at
 * open311.requests_per_minute.  A fixed table: an address not seen for
 * the longest time gives its slot to a new one (which starts full, as any
 * new client does), so memory stays bounded whatever the number of
 * addresses.  Behind a reverse proxy every request comes from the proxy:
 * the proxy must limit per client itself (README).
 */
struct o311_client {
	char addr[48];
	double tokens;
	int64_t at_ms;          /* last refill, CLOCK_MONOTONIC */
};

static struct o311_client o311_clients[O311_CLIENTS];
static pthread_mutex_t o311_mu = PTHREAD_MUTEX_INITIALIZER;

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* 0 when addr may ask now (a token taken), else the seconds until it may. */
static long
o311_wait(const struct conf *c, const char *addr)
{
	struct o311_client *cl = NULL, *old = NULL;
	uint32_t h = 2166136261u;
	double rate = c->open311_per_minute / 60000.0, burst = c->open311_burst;
	int64_t now = mono_ms();
	size_t i, k;
	long wait = 0;

	if (addr == NULL)
		addr = "";
	for (i = 0; addr[i] != '\0'; i++)
		h = (h ^ (unsigned char)addr[i]) * 16777619u;
	pthread_mutex_lock(&o311_mu);
	for (i = 0; i < O311_PROBE; i++) {
		k = (h + i) % O311_CLIENTS;
		if (strncmp(o311_clients[k].addr, addr, sizeof o311_clients[k].addr - 1) == 0 &&
		    o311_clients[k].at_ms != 0) {
			cl = &o311_clients[k];
			break;
		}
		if (old == NULL || o311_clients[k].at_ms < old->at_ms)
			old = &o311_clients[k];
	}
	if (cl == NULL) {
		cl = old;
		(void)str_copy(cl->addr, sizeof cl->addr, addr);
		cl->tokens = burst;
		cl->at_ms = now;
	}
	cl->tokens += (double)(now - cl->at_ms) * rate;
	if (cl->tokens > burst)
		cl->tokens = burst;
	cl->at_ms = now > 0 ? now : 1;
	if (cl->tokens >= 1.0)
		cl->tokens -= 1.0;
	else
		wait = (long)((1.0 - cl->tokens) / rate / 1000.0) + 1;
	pthread_mutex_unlock(&o311_mu);
	return wait;
}

static const struct conf_rule *
rule_of(const struct conf *c, const char *keyword)
{
	size_t i;

	for (i = 0; keyword[0] != '\0' && i < c->nrules; i++)
		if (strcmp(c->rules[i].keyword, keyword) == 0)
			return &c->rules[i];
	return NULL;
}

/* Adds a string member that may be NULL (JSON null, empty XML element). */
static void
put(json_t *o, const char *name, const char *v)
{
	json_object_set_new(o, name, jstr(v));
}

/*
 * Writes an array of flat objects as <root><item><name>v</name>...</item>
 * </root>, members in insertion order.  NULL past XML_MAX bytes.
 */
static char *
xml_of(const json_t *arr, const char *root, const char *item)
{
	struct sbuf b;
	const char *key;
	json_t *o, *v;
	size_t i;
	char num[32];

	sbuf_init(&b, XML_MAX);
	sbuf_str(&b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<");
	sbuf_str(&b, root);
	sbuf_str(&b, ">");
	json_array_foreach(arr, i, o) {
		sbuf_str(&b, "<");
		sbuf_str(&b, item);
		sbuf_str(&b, ">");
		json_object_foreach(o, key, v) {
			sbuf_str(&b, "<");
			sbuf_str(&b, key);
			sbuf_str(&b, ">");
			if (json_is_string(v))
				buf_xml(&b, json_string_value(v));
			else if (json_is_true(v))
				sbuf_str(&b, "true");
			else if (json_is_false(v))
				sbuf_str(&b, "false");
			else if (json_is_integer(v)) {
				snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
				sbuf_str(&b, num);
			}
			sbuf_str(&b, "</");
			sbuf_str(&b, key);
			sbuf_str(&b, ">");
		}
		sbuf_str(&b, "</");
		sbuf_str(&b, item);
		sbuf_str(&b, ">");
	}
	sbuf_str(&b, "</");
	sbuf_str(&b, root);
	sbuf_str(&b, ">\n");
	if (b.overflow) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

/* Sends arr (stolen) as JSON or as XML <root><item>... */
static void
respond_list(struct http_response *res, int status, enum fmt f, json_t *arr,
    const char *root, const char *item)
{
	char *s;

	if (f == FMT_JSON) {
		respond_json(res, status, arr);
		return;
	}
	if ((s = xml_of(arr, root, item)) == NULL) {
		static const char too_large[] = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
		    "<errors><error><code>500</code><description>answer too large"
		    "</description></error></errors>\n";

		log_error("agency: an XML answer passed %d bytes", XML_MAX);
		http_respond(res, 500, CT_XML, too_large, sizeof too_large - 1);
	} else
		http_respond(res, status, CT_XML, s, strlen(s));
	free(s);
	json_decref(arr);
}

/* GeoReport's error format: [{"code": 404, "description": "..."}]. */
static void
o311_error(struct http_response *res, enum fmt f, int status, const char *msg)
{
	json_t *arr = must(json_array());

	/* msg may quote the client's bytes: jstr, never a fatal on bad UTF-8. */
	json_array_append_new(arr, must(json_pack("{s:i, s:o}", "code", status,
	    "description", jstr(msg))));
	respond_list(res, status, f, arr, "errors", "error");
}

static void
o311_services(const struct conf *c, enum fmt f, struct http_response *res)
{
	json_t *arr = must(json_array()), *o;
	struct sbuf kw;
	size_t i, k;

	for (i = 0; i < c->nrules; i++) {
		const struct conf_rule *r = &c->rules[i];
		const struct conf_agency *ag = r->agency < c->nagencies ?
		    &c->agencies[r->agency] : NULL;

		sbuf_init(&kw, KEYWORDS_MAX);
		sbuf_add(&kw, "", 0);
		for (k = 0; k < r->naliases + r->naliases_en; k++) {
			size_t keep = kw.len;

			if ((k > 0 && sbuf_str(&kw, ",") != 0) ||
			    sbuf_str(&kw, k < r->naliases ? r->aliases[k] :
			    r->aliases_en[k - r->naliases]) != 0) {
				kw.len = keep;  /* whole aliases only */
				kw.s[keep] = '\0';
				break;
			}
		}
		o = must(json_object());
		put(o, "service_code", r->keyword);
		put(o, "service_name", r->label[LANG_ID] != NULL ? r->label[LANG_ID] :
		    r->keyword);
		put(o, "description", r->label[LANG_EN] != NULL ? r->label[LANG_EN] :
		    r->label[LANG_ID]);
		json_object_set_new(o, "metadata", json_false());
		put(o, "type", "realtime");
		put(o, "keywords", kw.s);
		put(o, "group", ag != NULL ? ag->short_name : "");
		free(kw.s);
		json_array_append_new(arr, o);
	}
	respond_list(res, 200, f, arr, "services", "service");
}

/*
 * One service request, with note: the newest agency note ("" when none).
 * Free text shown to the public goes through pii_mask() with the
 * reporter's number; the citizen's own text only with publish_text.
 */
static json_t *
o311_request(const struct conf *c, const struct store_complaint *cm, const char *note)
{
	const struct conf_rule *r = rule_of(c, cm->keyword);
	const struct conf_agency *ag = agency_of(c, cm->agency);
	const char *category = r != NULL && r->label[LANG_ID] != NULL ? r->label[LANG_ID] :
	    cm->keyword;
	char *txt, t[32];
	json_t *o;
	int st = lifecycle_from_name(cm->status);

	o = must(json_object());
	put(o, "service_request_id", cm->ticket);
	put(o, "status", st >= 0 && lifecycle_open((enum lc_status)st) ? "open" : "closed");
	txt = pii_mask(note[0] != '\0' ? note : cm->status, cm->phone);
	put(o, "status_notes", txt);
	free(txt);
	put(o, "service_name", category);
	put(o, "service_code", cm->keyword);
	if (c->open311_publish_text) {
		txt = pii_mask(cm->description != NULL ? cm->description : "", cm->phone);
		put(o, "description", txt);
		free(txt);
	} else
		put(o, "description", category);
	put(o, "agency_responsible", ag != NULL ? ag->name : cm->agency);
	iso_time(cm->created_at, t, sizeof t);
	put(o, "requested_datetime", t);
	iso_time(cm->updated_at, t, sizeof t);
	put(o, "updated_datetime", t);
	json_object_set_new(o, "expected_datetime", jtime(due_of(cm)));
	txt = c->open311_publish_text ? pii_mask(cm->location, cm->phone) : NULL;
	put(o, "address", txt);
	free(txt);
	return o;
}

static int
by_id_desc(const void *a, const void *b)
{
	const struct store_complaint *x = a, *y = b;

	return x->id < y->id ? 1 : x->id > y->id ? -1 : 0;
}

static void
o311_requests(struct agency_ctx *a, const struct http_request *req, enum fmt f,
    struct http_response *res)
{
	struct store_query q = { 0 };
	struct store_complaint *out = NULL;
	char codes[O311_CODES_MAX][64];
	const char *status, *code, *start, *end, *limit;
	json_t *arr;
	size_t ncodes = 0, n = 0, got, i, k, len;
	long lim = O311_LIMIT_DEFAULT;
	int64_t from = 0, to = 0;
	int bad = 0, date_only, r = 0;
	char note[NOTE_BUF];

	status = param(req, "status", &bad);
	code = param(req, "service_code", &bad);
	start = param(req, "start_date", &bad);
	end = param(req, "end_date", &bad);
	limit = param(req, "limit", &bad);
	if (bad) {
		o311_error(res, f, 400, "a parameter contains a NUL byte");
		return;
	}
	if (status != NULL) {
		if (strcmp(status, "open") == 0)
			q.open = 1;
		else if (strcmp(status, "closed") == 0)
			q.open = -1;
		else {
			o311_error(res, f, 400, "status must be open or closed");
			return;
		}
	}
	if (start != NULL && parse_time(start, 0, &from, NULL) != 0) {
		o311_error(res, f, 400, "start_date must be ISO-8601 (2026-11-28T00:00:00Z)");
		return;
	}
	if (end != NULL) {
		if (parse_time(end, 0, &to, &date_only) != 0) {
			o311_error(res, f, 400, "end_date must be ISO-8601 (2026-11-28T23:59:59Z)");
			return;
		}
		to += date_only ? 86400 : 1;    /* inclusive; a date means all of it */
	}
	if (start != NULL && end != NULL && to <= from) {
		o311_error(res, f, 400, "end_date is before start_date");
		return;
	}
	if (start != NULL && end != NULL && to - from > O311_RANGE_MAX + 86400) {
		o311_error(res, f, 400, "start_date and end_date may be at most 90 days apart");
		return;
	}
	if (limit != NULL && (!all_digits(limit, 1, 4) ||
	    str_to_long(limit, 1, O311_LIMIT_MAX, &lim) != 0)) {
		o311_error(res, f, 400, "limit must be 1 to 200");
		return;
	}
	if (code != NULL) {
		/* A comma list; each code as the rule keyword, upper-case. */
		while (*code != '\0') {
			len = strcspn(code, ",");
			while (len > 0 && *code == ' ') {
				code++;
				len--;
			}
			while (len > 0 && code[len - 1] == ' ')
				len--;
			if (len > 0) {
				if (ncodes == O311_CODES_MAX || len >= sizeof codes[0]) {
					o311_error(res, f, 400, "at most 10 service codes");
					return;
				}
				for (i = 0; i < len; i++)
					codes[ncodes][i] = (code[i] >= 'a' && code[i] <= 'z') ?
					    (char)(code[i] - 'a' + 'A') : code[i];
				codes[ncodes][len] = '\0';
				if (rule_of(a->conf, codes[ncodes]) == NULL) {
					char msg[160];

					snprintf(msg, sizeof msg, "unknown service_code '%.*s': "
					    "services.json lists them", (int)(len > 64 ? 64 : len), code);
					o311_error(res, f, 400, msg);
					return;
				}
				for (k = 0; k < ncodes && strcmp(codes[k], codes[ncodes]) != 0; k++)
					;
				if (k == ncodes)
					ncodes++;
			}
			code += strcspn(code, ",");
			if (*code == ',')
				code++;
		}
		if (ncodes == 0) {
			o311_error(res, f, 400, "service_code is empty");
			return;
		}
	}
	q.created_from = from;
	q.created_to = to;
	q.limit = (size_t)lim;
	out = xcalloc((ncodes > 0 ? ncodes : 1) * (size_t)lim, sizeof *out);
	/* One query per code (each walks that code's rows), merged newest first. */
	for (k = 0; k < (ncodes > 0 ? ncodes : 1); k++) {
		q.keyword = ncodes > 0 ? codes[k] : NULL;
		if ((r = store_public_list(a->store, &q, out + n, (size_t)lim, &got)) != 0)
			goto fail;
		n += got;
	}
	qsort(out, n, sizeof *out, by_id_desc);
	arr = must(json_array());
	for (i = 0; i < n && i < (size_t)lim; i++) {
		if ((r = store_public_note(a->store, &out[i], note, sizeof note)) < 0) {
			json_decref(arr);
			goto fail;
		}
		utf8_fix_tail(note);    /* written by the store, always terminated */
		json_array_append_new(arr, o311_request(a->conf, &out[i], note));
	}
	for (i = 0; i < n; i++)
		store_complaint_clear(&out[i]);
	free(out);
	respond_list(res, 200, f, arr, "service_requests", "request");
	return;

fail:
	for (i = 0; i < n; i++)
		store_complaint_clear(&out[i]);
	free(out);
	if (r == STORE_TOO_COSTLY) {
		log_warnx("open311: %s", store_errmsg());
		o311_error(res, f, 400, "this listing would read too much: narrow it with "
		    "service_code, status or start_date/end_date");
		return;
	}
	log_error("open311: %s", store_errmsg());
	o311_error(res, f, 503, "store unavailable, try again");
}

static void
o311_one(struct agency_ctx *a, const char *id, enum fmt f, struct http_response *res)
{
	struct store_complaint cm;
	char note[NOTE_BUF];
	json_t *arr, *o;
	int r;

	if (!all_digits(id, 8, 8)) {
		o311_error(res, f, 404, "no such service request");
		return;
	}
	/* Withdrawn and rejected tickets read exactly like unknown ones. */
	if ((r = store_public_get(a->store, id, &cm, note, sizeof note)) == 0) {
		o311_error(res, f, 404, "no such service request");
		return;
	}
	if (r < 0) {
		log_error("open311: %s", store_errmsg());
		o311_error(res, f, 503, "store unavailable, try again");
		return;
	}
	utf8_fix_tail(note);    /* written by the store, always terminated */
	o = o311_request(a->conf, &cm, note);
	store_complaint_clear(&cm);
	arr = must(json_array());
	json_array_append_new(arr, o);
	respond_list(res, 200, f, arr, "service_requests", "request");
}

static void
o311_handle(struct agency_ctx *a, const struct http_request *req, struct http_response *res)
{
	static const char prefix[] = "/open311/v2/";
	/* http.c copies the header in this thread before it runs another handler. */
	static _Thread_local char retry_after[24];
	const char *path = http_request_path(req), *dot;
	char base[64];
	enum fmt f = FMT_JSON;
	size_t n;
	long wait;

	/* Off: as if there were no such endpoint. */
	if (!a->conf->open311_enabled) {
		o311_error(res, f, 404, "not found: Open311 is not enabled here");
		return;
	}
	if ((wait = o311_wait(a->conf, http_request_peer(req))) > 0) {
		o311_error(res, f, 429, "too many requests from this address: try again later");
		snprintf(retry_after, sizeof retry_after, "%ld", wait);
		res->header_name = "Retry-After";
		res->header_value = retry_after;
		return;
	}
	if (path == NULL || strncmp(path, prefix, sizeof prefix - 1) != 0) {
		o311_error(res, f, 404, "not found");
		return;
	}
	path += sizeof prefix - 1;
	if ((dot = strrchr(path, '.')) == NULL || (strcmp(dot, ".json") != 0 &&
	    strcmp(dot, ".xml") != 0) || (size_t)(dot - path) >= sizeof base) {
		o311_error(res, f, 404, "not found: ask for .json or .xml");
		return;
	}
	if (strcmp(dot, ".xml") == 0)
		f = FMT_XML;
	n = (size_t)(dot - path);
	memcpy(base, path, n);
	base[n] = '\0';
	if (http_request_method(req) != HTTP_GET) {
		o311_error(res, f, 405, "read-only: GET only");
		res->header_name = "Allow";
		res->header_value = "GET";
		return;
	}
	if (strcmp(base, "services") == 0)
		o311_services(a->conf, f, res);
	else if (strcmp(base, "requests") == 0)
		o311_requests(a, req, f, res);
	else if (strncmp(base, "requests/", 9) == 0)
		o311_one(a, base + 9, f, res);
	else
		o311_error(res, f, 404, "not found");
}

/* ---- the service-level tick --------------------------------------------- */

/* 1 reminded, 0 nothing to do any more, -1 store error. */
static int
remind_one(struct agency_ctx *a, const char *ticket, int64_t now)
{
	struct store_complaint cm;
	char tail[48];
	int r;

	if (store_begin(a->store) != 0)
		return -1;
	if ((r = store_complaint_get(a->store, ticket, &cm)) != 1) {
		store_rollback(a->store);
		return r;
	}
	if (cm.reminded_at != 0 || !overdue(&cm, now)) {
		store_complaint_clear(&cm);
		store_rollback(a->store);
		return 0;
	}
	/* Once per stage: the key is the due date, not the time of the tick. */
	snprintf(tail, sizeof tail, "overdue:%lld", (long long)due_of(&cm));
	if (queue_webhook(a->conf, a->store, cm.agency, "ticket.overdue", &cm, "aduan", NULL,
	    NULL, NULL, tail, now) < 0 ||
	    store_complaint_set_sla(a->store, cm.id, -1, -1, -1, -1, now) != 0) {
		store_complaint_clear(&cm);
		store_rollback(a->store);
		return -1;
	}
	if (store_commit(a->store) != 0) {
		store_complaint_clear(&cm);
		return -1;
	}
	log_info("ticket %s: overdue at %s, reminder queued", cm.ticket, cm.agency);
	store_complaint_clear(&cm);
	return 1;
}

/* 1 closed, 0 nothing to do any more, -1 store error. */
static int
autoclose_one(struct agency_ctx *a, const char *ticket, int64_t now)
{
	struct store_complaint cm;
	char note[160], err[256];
	int r;

	if (store_begin(a->store) != 0)
		return -1;
	if ((r = store_complaint_get(a->store, ticket, &cm)) != 1) {
		store_rollback(a->store);
		return r;
	}
	if (strcmp(cm.status, "resolved") != 0 || cm.close_due == 0 || cm.close_due > now) {
		store_complaint_clear(&cm);
		store_rollback(a->store);
		return 0;
	}
	snprintf(note, sizeof note, "closed automatically: no reply from the reporter within "
	    "%d working days", a->conf->sla_autoclose_days);
	r = agency_apply(a->conf, a->store, &cm, "aduan", "closed", note, NULL, now, err,
	    sizeof err);
	store_complaint_clear(&cm);
	if (r != 0) {
		store_rollback(a->store);
		if (r > 0) {
			log_warnx("ticket %s: not closed automatically: %s", ticket, err);
			return 0;
		}
		return -1;
	}
	return store_commit(a->store) != 0 ? -1 : 1;
}

/* Runs fn on every complaint list() finds, batch after batch.  Changes, or -1. */
static int
tick_each(struct agency_ctx *a, int64_t now,
    int (*list)(struct store *, int64_t, struct store_complaint *, size_t, size_t *),
    int (*fn)(struct agency_ctx *, const char *, int64_t))
{
	struct store_complaint *rows = xcalloc(TICK_BATCH, sizeof *rows);
	size_t n, i;
	int round, count = 0, done, r, rc = 0;

	for (round = 0; round < TICK_ROUNDS && rc == 0; round++) {
		if (list(a->store, now, rows, TICK_BATCH, &n) != 0) {
			rc = -1;
			break;
		}
		for (done = 0, i = 0; i < n; i++) {
			if (rc == 0 && (r = fn(a, rows[i].ticket, now)) != 0) {
				if (r < 0)
					rc = -1;
				else
					done++;
			}
			store_complaint_clear(&rows[i]);
		}
		count += done;
		if (n < TICK_BATCH || done == 0)
			break;
	}
	free(rows);
	return rc < 0 ? -1 : count;
}

static int
sla_tick(struct agency_ctx *a, int64_t now)
{
	int r1, r2;

	r1 = tick_each(a, now, store_complaint_overdue, remind_one);
	r2 = r1 < 0 ? -1 : tick_each(a, now, store_complaint_to_autoclose, autoclose_one);
	if (r1 > 0 || r2 > 0) {
		if (a->deliver != NULL)
			deliver_wake(a->deliver);
	}
	return r1 < 0 || r2 < 0 ? -1 : r1 + r2;
}

/*
 * The entry points take a snapshot of the config in force for the whole
 * request (conf/live.h): a reload in the middle changes nothing for it.
 */
static const struct live_snap *
pin(const struct agency_ctx *a, struct agency_ctx *local)
{
	const struct live_snap *snap = NULL;

	*local = *a;
	if (a->live != NULL) {
		snap = live_get(a->live);
		local->conf = snap->conf;
	}
	return snap;
}

void
agency_api_handler(void *ctx, const struct http_request *req, struct http_response *res)
{
	struct agency_ctx *a = ctx, local;
	const struct live_snap *snap = pin(a, &local);

	api_handle(&local, req, res);
	if (snap != NULL)
		live_put(a->live, snap);
}

void
agency_open311_handler(void *ctx, const struct http_request *req, struct http_response *res)
{
	struct agency_ctx *a = ctx, local;
	const struct live_snap *snap = pin(a, &local);

	o311_handle(&local, req, res);
	if (snap != NULL)
		live_put(a->live, snap);
}

int
agency_sla_tick(struct agency_ctx *a, int64_t now)
{
	struct agency_ctx local;
	const struct live_snap *snap = pin(a, &local);
	int r = sla_tick(&local, now);

	if (snap != NULL)
		live_put(a->live, snap);
	return r;
}
