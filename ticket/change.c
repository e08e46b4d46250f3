/*
 * ticket/change: a ticket's side effects and changes (ticket_request_apply,
 * ticket_citizen_add), with the webhook payloads and the citizen's SMS they
 * queue in the outbox.  OpenSSL is used for SHA-256 only (idempotency keys;
 * bearer tokens in agency/api.c).
 *
 * Webhook payload (outbox row kind "webhook", recipient = agency id, the
 * body POSTed as application/json, signed by outbox/deliver.c):
 *
 *   {
 *     "event":   "ticket.created"        a new ticket, or one re-routed to you
 *              | "ticket.status"         its status changed (also when the
 *                                        reporter reopened it: actor "citizen",
 *                                        action "reopened")
 *              | "ticket.note"           a note without a status change (the
 *                                        citizen's TAMBAH, or an agency's note)
 *              | "ticket.withdrawn"      the citizen withdrew it (BATAL)
 *              | "ticket.overdue"        the current stage passed its due date
 *                                        (sent once per stage)
 *              | "ticket.rerouted_away"  it left you: triage moved it to another
 *                                        agency, or you returned it to triage
 *                                        (ticket.agency is where it is now)
 *              | "ticket.returned",      (to triage) an agency handed it back
 *                                        ("bukan wewenang"); note: the reason
 *     "event_id", "seq": added when it is sent, inside the signature
 *                                        (outbox/deliver.c, webhook_body)
 *     "at":      "2026-11-28T08:51:03Z", when it happened (UTC)
 *     "actor":   "citizen" | "aduan" | an agency id,
 *     "by":      who of the actor: an API token's name ("api" for
 *                token_sha256), a staff account; null for citizen and aduan
 *     "note":    text or null,
 *     "internal": true when the note is internal (staff only): such a note
 *                is carried only to the agency that wrote it and to the one
 *                the ticket is with afterwards, null for anyone else
 *     "action":  null | "returned" | "reopened" | "not_complaint" | "spam"
 *                | "duplicate" (the last three: a rejection's kind)
 *     "previous_status": "received" ...  (ticket.status, ticket.created after
 *                                        a re-route, ticket.rerouted_away,
 *                                        ticket.returned only)
 *     "previous_agency": agency id       (after a re-route or a return only)
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
 * The citizen's SMS: a status change or an agency's note is the status
 * SMS (current status and the note), unless the note is internal (then
 * the status alone; an internal note alone sends nothing).  Notes written
 * by Aduan itself (actor "aduan", e.g. automatic closing) stay in the
 * event log but are not put in the citizen's SMS, which is in the
 * citizen's language.  A return to triage sends nothing (triage routes it
 * again, and that is texted); a rejection as spam sends nothing (no reply
 * to feed a loop); a rejection as a duplicate sends REPLY_DUPLICATE_OF
 * with the original's number.
 */
#include "ticket/change.h"
#include "ticket/hub.h"

#include <stdarg.h>
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
#include "sms/text.h"
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

int
ticket_queue_webhook(const struct conf *c, struct store *s, const char *to,
    const struct store_complaint *cm, const struct ticket_event *ev, int64_t now)
{
	const struct conf_agency *ag = ticket_agency_of(c, to);
	struct store_outbox_new ob = { 0 };
	json_t *j;
	char *body, key[160], hash[65], at[32];
	int r;

	if (ag == NULL || ag->webhook == NULL)
		return 0;
	ticket_iso_time(now, at, sizeof at);
	j = ticket_must(json_pack("{s:s, s:s, s:o, s:o, s:o, s:b, s:o, s:o}", "event", ev->event,
	    "at", at, "actor", ticket_jstr(ev->actor), "by", ticket_jstr(ev->by),
	    "note", ticket_jstr(ev->note), "internal", ev->note != NULL && ev->internal,
	    "action", ticket_jstr(ev->action),
	    "ticket", ticket_json(c, cm, ag->show_phone, now)));
	if (ev->prev_status != NULL)
		json_object_set_new(j, "previous_status", ticket_jstr(ev->prev_status));
	if (ev->prev_agency != NULL)
		json_object_set_new(j, "previous_agency", ticket_jstr(ev->prev_agency));
	body = ticket_dump(j);
	json_decref(j);
	crypto_sha256_hex(body, strlen(body), hash);
	if (ev->key_tail != NULL)
		snprintf(key, sizeof key, "webhook:%s:%s:%s:%s", ag->id, cm->ticket, ev->event,
		    ev->key_tail);
	else
		snprintf(key, sizeof key, "webhook:%s:%s:%s:%lld:%.12s", ag->id, cm->ticket,
		    ev->event, (long long)now, hash);
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
	struct ticket_event ev = { 0 };

	if (ticket_mail_created(c, s, cm, now) < 0)
		return -1;
	ev.event = "ticket.created";
	ev.actor = "citizen";
	return ticket_queue_webhook(c, s, cm->agency, cm, &ev, now);
}

int
ticket_queue_citizen(const struct conf *c, struct store *s, const struct store_complaint *cm,
    const char *status, const char *note, int64_t now)
{
	struct store_complaint t = *cm;        /* shallow: the payload's view */
	struct ticket_event ev = { 0 };

	ev.event = "ticket.note";
	if (status != NULL) {
		ev.event = strcmp(status, "withdrawn") == 0 ? "ticket.withdrawn" : "ticket.status";
		ev.prev_status = cm->status;
		(void)str_copy(t.status, sizeof t.status, status);
	}
	t.updated_at = now;
	ev.actor = "citizen";
	ev.note = note;
	return ticket_queue_webhook(c, s, cm->agency, &t, &ev, now);
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
 * A status SMS's text: template r, then, for a resolved ticket, how the
 * reporter says it is not solved (REPLY_RESOLVED_HINT: TAMBAH reopens it
 * within their window).  A heap string.
 */
static char *
status_text(const struct conf *c, enum lang l, const struct store_complaint *cm,
    enum conf_reply r, const char *const *names, const char *const *values, size_t n)
{
	const char *hn[] = { "ticket", "shortcode" };
	const char *hv[2];
	char *text = render(c, l, r, names, values, n), *hint, *out;
	size_t a, b;

	if (strcmp(cm->status, "resolved") != 0)
		return text;
	hv[0] = cm->ticket;
	hv[1] = c->short_code;
	hint = render(c, l, REPLY_RESOLVED_HINT, hn, hv, 2);
	a = strlen(text);
	b = strlen(hint);
	out = xmalloc(a + b + 1);
	memcpy(out, text, a);
	memcpy(out + a, hint, b + 1);
	free(text);
	free(hint);
	return out;
}

/*
 * The status SMS: REPLY_STATUS_NOTE (REPLY_STATUS without a note) with the
 * note cut, with "...", until the whole text (the resolved hint included)
 * fits SMS_MAX_PARTS.  Binary
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
		return status_text(c, l, cm, REPLY_STATUS, names, values, 4);
	values[4] = note;
	out = status_text(c, l, cm, REPLY_STATUS_NOTE, names, values, 5);
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
		out = status_text(c, l, cm, REPLY_STATUS_NOTE, names, values, 5);
		if (sms_parts(out) <= SMS_MAX_PARTS)
			lo = mid;
		else
			hi = mid - 1;
		free(out);
	}
	p = cut_at(note, n, lo);
	memcpy(cut, note, p);
	memcpy(cut + p, "...", 4);
	out = status_text(c, l, cm, REPLY_STATUS_NOTE, names, values, 5);
	free(cut);
	return out;
}

/* 1 when the reporter may be texted (a phone, and no STOP), 0 not, -1 error. */
static int
may_text(struct store *s, const struct store_complaint *cm)
{
	struct store_phone pp;
	int r;

	if (cm->phone[0] == '\0')
		return 0;
	if ((r = store_phone_get(s, cm->phone, &pp)) < 0)
		return -1;
	return r == 0 || pp.notify != 0;
}

/* Queues body (the caller's, freed here) to the reporter.  0, -1. */
static int
queue_sms(struct store *s, const struct store_complaint *cm, char *body, int64_t now)
{
	struct store_outbox_new ob = { 0 };
	char key[160], hash[65];
	int r;

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

/* The reporter's language, or the config's default. */
static enum lang
citizen_lang(const struct conf *c, const struct store_complaint *cm)
{
	enum lang l = lang_from_code(cm->lang);

	return l == LANG_NONE ? c->default_lang : l;
}

/* The status SMS (with note unless NULL) to the reporter.  0, -1. */
static int
queue_status_sms(const struct conf *c, struct store *s, const struct store_complaint *cm,
    const char *note, int64_t now)
{
	int r = may_text(s, cm);

	if (r <= 0)
		return r;
	return queue_sms(s, cm, status_sms(c, citizen_lang(c, cm), cm, note, now), now);
}

/* "Ticket X was closed as the same complaint as ticket Y" to the reporter.  0, -1. */
static int
queue_duplicate_sms(const struct conf *c, struct store *s, const struct store_complaint *cm,
    int64_t now)
{
	const char *names[] = { "ticket", "original", "shortcode" };
	const char *values[] = { cm->ticket, cm->duplicate_of, c->short_code };
	int r = may_text(s, cm);

	if (r <= 0)
		return r;
	return queue_sms(s, cm, render(c, citizen_lang(c, cm), REPLY_DUPLICATE_OF, names, values,
	    3), now);
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

/* ---- changes: who may, what it does ------------------------------------- */

int
ticket_is_triage(const struct conf *c, const char *agency)
{
	return agency != NULL && c->triage < c->nagencies &&
	    strcmp(agency, c->agencies[c->triage].id) == 0;
}

int
ticket_visible(const struct conf *c, const char *agency, const struct store_complaint *cm)
{
	return agency != NULL && (strcmp(cm->agency, agency) == 0 || ticket_is_triage(c, agency));
}

/* The kinds a rejection may have (ticket_request.rejection, the event's action). */
static const char *const rejections[] = { "not_complaint", "spam", "duplicate" };

/* What the citizen is texted about a change. */
enum change_sms {
	CHANGE_SMS_STATUS,      /* the status SMS, with the note unless internal */
	CHANGE_SMS_NONE,
	CHANGE_SMS_DUPLICATE    /* REPLY_DUPLICATE_OF */
};

/*
 * A change once checked: everything apply() writes and queues.  The
 * service-level times follow store_complaint_set_sla (negative: keep).
 */
struct change {
	const char *actor, *by;
	const char *status;             /* NULL: a note only */
	const char *note;               /* NULL: none */
	int internal;
	const char *action;             /* the event's action, NULL: none */
	const char *move_to;            /* the agency it goes to, NULL: stays */
	const char *duplicate_of;       /* NULL: no link */
	const char *event;              /* the webhook to the holder afterwards */
	const char *away;               /* the webhook to the one it left, NULL: none */
	enum change_sms sms;
	int set_sla;
	int64_t routed_at, route_due, followup_due, close_due;
};

static int
refuse(struct ticket_error *err, enum ticket_error_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
refuse(struct ticket_error *err, enum ticket_error_kind kind, const char *fmt, ...)
{
	va_list ap;

	err->kind = kind;
	va_start(ap, fmt);
	(void)vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	utf8_fix_tail(err->msg);
	return -1;
}

/* s when it has text, else NULL. */
static const char *
given(const char *s)
{
	return s != NULL && *s != '\0' ? s : NULL;
}

/* A note or reason that is too long for the citizen's SMS and the history. */
static int
too_long(const char *s)
{
	return s != NULL && text_utf8_chars(s, strlen(s)) > TICKET_NOTE_MAX_CHARS;
}

/* The service-level times of a new stage `to`, into ch. */
static void
stage_times(const struct conf *c, int to, int64_t now, struct change *ch)
{
	struct sla_calendar cal = { c->holidays, c->nholidays };

	ch->set_sla = 1;
	ch->routed_at = -1;
	ch->route_due = 0;
	ch->followup_due = 0;
	ch->close_due = 0;
	if (to == LC_ROUTED) {
		ch->routed_at = now;
		ch->followup_due = sla_add_working_days(&cal, now, c->sla_followup_days);
	} else if (to == LC_RESOLVED)
		ch->close_due = sla_add_working_days(&cal, now, c->sla_autoclose_days);
	else if (to == LC_RECEIVED)
		ch->route_due = sla_add_working_days(&cal, now, c->sla_route_days);
}

/* A return to triage ("bukan wewenang") checked into ch.  0, -1 (err). */
static int
check_return(const struct conf *c, const struct store_complaint *cm,
    const struct ticket_request *rq, int64_t now, struct change *ch, struct ticket_error *err)
{
	const char *reason = given(rq->reason);
	int cur = lifecycle_from_name(cm->status);

	if (rq->status != NULL || rq->new_agency != NULL || rq->rejection != NULL ||
	    rq->duplicate_of != NULL || given(rq->note) != NULL)
		return refuse(err, TICKET_BAD_INPUT, "a return to triage takes only its reason "
		    "(it is kept as an internal note); no status, note or agency");
	if (reason == NULL)
		return refuse(err, TICKET_BAD_INPUT, "a return to triage needs a reason, e.g. "
		    "\"bukan wewenang: jalan provinsi\"");
	if (too_long(reason))
		return refuse(err, TICKET_BAD_INPUT, "reason is longer than %d characters",
		    TICKET_NOTE_MAX_CHARS);
	if (ticket_is_triage(c, cm->agency))
		return refuse(err, TICKET_CONFLICT, "ticket %s is with the triage agency already; "
		    "triage routes it to the agency that handles it", cm->ticket);
	if (strcmp(rq->agency, cm->agency) != 0)
		return refuse(err, TICKET_CONFLICT, "only the agency that holds ticket %s (%s) "
		    "can return it; triage re-routes it instead", cm->ticket, cm->agency);
	if (cur < 0 || !lifecycle_return_may((enum lc_status)cur))
		return refuse(err, TICKET_CONFLICT, "ticket %s is %s and cannot be returned to "
		    "triage; only received, routed, in_progress or deferred ones can", cm->ticket,
		    cm->status);
	ch->status = "received";
	ch->note = reason;
	ch->internal = 1;
	ch->action = "returned";
	ch->move_to = c->agencies[c->triage].id;
	ch->event = "ticket.returned";
	ch->away = "ticket.rerouted_away";
	ch->sms = CHANGE_SMS_NONE;
	stage_times(c, LC_RECEIVED, now, ch);
	return 0;
}

/*
 * The original a rejection as a duplicate names: a ticket the actor sees,
 * not this one, not rejected nor withdrawn, not a duplicate itself.
 * 0 (ch->duplicate_of set), -1 (err).
 */
static int
check_original(const struct conf *c, struct store *s, const struct store_complaint *cm,
    const struct ticket_request *rq, struct change *ch, struct ticket_error *err)
{
	struct store_complaint o;
	int r, final;

	if (strcmp(rq->duplicate_of, cm->ticket) == 0)
		return refuse(err, TICKET_BAD_INPUT, "ticket %s cannot be a duplicate of itself",
		    cm->ticket);
	if ((r = store_complaint_get(s, rq->duplicate_of, &o)) < 0)
		return refuse(err, TICKET_STORE, "store: %s", store_errmsg());
	if (r == 0 || (strcmp(rq->agency, TICKET_SYSTEM) != 0 &&
	    !ticket_visible(c, rq->agency, &o))) {
		store_complaint_clear(&o);
		return refuse(err, TICKET_BAD_INPUT, "duplicate_of: no ticket '%.16s'",
		    rq->duplicate_of);
	}
	final = strcmp(o.status, "rejected") == 0 || strcmp(o.status, "withdrawn") == 0;
	if (final || o.duplicate_of[0] != '\0') {
		if (o.duplicate_of[0] != '\0')
			refuse(err, TICKET_BAD_INPUT, "ticket %s is itself a duplicate of %s; "
			    "name %s", o.ticket, o.duplicate_of, o.duplicate_of);
		else
			refuse(err, TICKET_BAD_INPUT, "ticket %s is %s; name an original that "
			    "is kept", o.ticket, o.status);
		store_complaint_clear(&o);
		return -1;
	}
	store_complaint_clear(&o);
	ch->duplicate_of = rq->duplicate_of;
	return 0;
}

/* An agency's status change, note, re-route or rejection, checked into ch.  0, -1. */
static int
check_change(const struct conf *c, struct store *s, const struct store_complaint *cm,
    const struct ticket_request *rq, int64_t now, struct change *ch, struct ticket_error *err)
{
	const char *note = given(rq->note), *status = rq->status, *triage;
	int cur = lifecycle_from_name(cm->status), to = -1, reroute = 0, i;
	int holder = strcmp(rq->agency, cm->agency) == 0;
	int system = strcmp(rq->agency, TICKET_SYSTEM) == 0;
	char known[160];

	triage = c->agencies[c->triage].id;
	if (given(rq->reason) != NULL)
		return refuse(err, TICKET_BAD_INPUT, "reason goes with a return to triage; a "
		    "status change takes a note");
	if (status == NULL && note == NULL)
		return refuse(err, TICKET_BAD_INPUT, "nothing to do: give a status, a note or "
		    "both");
	if (too_long(note))
		return refuse(err, TICKET_BAD_INPUT, "note is longer than %d characters",
		    TICKET_NOTE_MAX_CHARS);
	if (rq->internal && note == NULL)
		return refuse(err, TICKET_BAD_INPUT, "internal marks a note: give the note");
	if (status == NULL && rq->new_agency != NULL)
		return refuse(err, TICKET_BAD_INPUT, "re-routing needs status \"routed\"");
	if (status != NULL && (to = lifecycle_from_name(status)) < 0) {
		ticket_known_statuses(known, sizeof known);
		return refuse(err, TICKET_BAD_INPUT, "unknown status '%.40s' (known: %s)", status,
		    known);
	}
	if (rq->rejection != NULL) {
		for (i = 0; i < (int)ARRAY_LEN(rejections); i++)
			if (strcmp(rq->rejection, rejections[i]) == 0)
				break;
		if (i == (int)ARRAY_LEN(rejections))
			return refuse(err, TICKET_BAD_INPUT, "unknown rejection '%.40s' (known: "
			    "not_complaint, spam, duplicate)", rq->rejection);
		if (to != LC_REJECTED)
			return refuse(err, TICKET_BAD_INPUT, "a rejection's kind goes with status "
			    "\"rejected\"");
	}
	if ((rq->duplicate_of != NULL) != (rq->rejection != NULL &&
	    strcmp(rq->rejection, "duplicate") == 0))
		return refuse(err, TICKET_BAD_INPUT, rq->duplicate_of != NULL ?
		    "duplicate_of goes with rejection \"duplicate\"" :
		    "a rejection as a duplicate names the original: duplicate_of");
	if (rq->new_agency != NULL && strcmp(rq->new_agency, cm->agency) != 0) {
		if (to != LC_ROUTED)
			return refuse(err, TICKET_BAD_INPUT, "re-routing to another agency needs "
			    "status \"routed\", not \"%s\"", status);
		if (ticket_agency_of(c, rq->new_agency) == NULL)
			return refuse(err, TICKET_BAD_INPUT, "unknown agency '%.64s'",
			    rq->new_agency);
		reroute = 1;
	}
	if (to == LC_WITHDRAWN)
		return refuse(err, TICKET_CONFLICT, "only the reporter can withdraw a ticket "
		    "(BATAL by SMS)");
	if (reroute) {
		if (!ticket_is_triage(c, rq->agency))
			return refuse(err, TICKET_CONFLICT, "only the triage agency (%s) may "
			    "re-route a ticket; to hand this one back, return it to triage with "
			    "a reason: {\"return\": true, \"reason\": \"bukan wewenang: ...\"}",
			    triage);
		if (strcmp(rq->new_agency, triage) == 0)
			return refuse(err, TICKET_BAD_INPUT, "route a ticket to the agency that "
			    "handles it, not to the triage agency (%s)", triage);
		if (cur < 0 || !lifecycle_reroute_may((enum lc_status)cur))
			return refuse(err, TICKET_CONFLICT, "ticket %s is %s and can no longer be "
			    "re-routed", cm->ticket, cm->status);
	} else {
		if (!holder && !system && status != NULL && to != LC_REJECTED &&
		    to != LC_DEFERRED)
			return refuse(err, TICKET_FORBIDDEN, "ticket %s is with %s: triage may "
			    "re-route it, reject it, put it on hold (deferred) or add a note; "
			    "%s sets the other statuses", cm->ticket, cm->agency, cm->agency);
		if (status != NULL && (cur < 0 || !lifecycle_agency_may((enum lc_status)cur,
		    (enum lc_status)to)))
			return refuse(err, TICKET_CONFLICT, "cannot go from %s to %s", cm->status,
			    status);
		if (to == LC_ROUTED && cur == LC_ROUTED)
			return refuse(err, TICKET_CONFLICT, "already routed to %s; name another "
			    "agency to re-route", cm->agency);
		if (to == LC_CLOSED && cur == LC_RESOLVED && cm->close_due > now) {
			char due[32];

			ticket_iso_time(cm->close_due, due, sizeof due);
			return refuse(err, TICKET_CONFLICT, "ticket %s waits for its reporter "
			    "until %s (%d working days after it was resolved): a reply reopens "
			    "it, and without one it closes by itself then", cm->ticket, due,
			    c->sla_autoclose_days);
		}
	}
	if (rq->duplicate_of != NULL && check_original(c, s, cm, rq, ch, err) != 0)
		return -1;
	ch->status = status;
	ch->note = note;
	ch->internal = note != NULL && rq->internal;
	ch->action = rq->rejection;
	ch->move_to = reroute ? rq->new_agency : NULL;
	ch->event = reroute ? "ticket.created" : status != NULL ? "ticket.status" : "ticket.note";
	ch->away = reroute ? "ticket.rerouted_away" : NULL;
	if (rq->rejection != NULL && strcmp(rq->rejection, "spam") == 0)
		ch->sms = CHANGE_SMS_NONE;
	else if (rq->rejection != NULL && strcmp(rq->rejection, "duplicate") == 0)
		ch->sms = CHANGE_SMS_DUPLICATE;
	else if (status == NULL && ch->internal)
		ch->sms = CHANGE_SMS_NONE;
	else
		ch->sms = CHANGE_SMS_STATUS;
	if (status != NULL)
		stage_times(c, to, now, ch);
	return 0;
}

/* The note as agency `to` may read it: an internal one only its author's and holder's. */
static const char *
note_for(const struct change *ch, const char *to, const char *holder)
{
	if (ch->note == NULL || !ch->internal)
		return ch->note;
	return strcmp(to, ch->actor) == 0 || strcmp(to, holder) == 0 ? ch->note : NULL;
}

/* Writes and queues the checked change ch.  0, -1 (store; roll back). */
static int
apply(const struct conf *c, struct store *s, struct store_complaint *cm, const struct change *ch,
    int64_t now, int *queued)
{
	struct store_event_new e = { 0 };
	struct ticket_event ev = { 0 };
	char old_agency[sizeof cm->agency], old_status[sizeof cm->status];
	int r;

	(void)str_copy(old_agency, sizeof old_agency, cm->agency);
	(void)str_copy(old_status, sizeof old_status, cm->status);
	if (ch->move_to != NULL && store_complaint_set_agency(s, cm->id, ch->move_to, now) != 0)
		return -1;
	e.complaint_id = cm->id;
	e.at = now;
	e.actor = ch->actor;
	e.by = ch->by;
	e.status = ch->status;
	e.note = ch->note;
	e.internal = ch->internal;
	e.action = ch->action;
	e.to_agency = ch->move_to;
	if (store_event_put(s, &e) != 0)
		return -1;
	if (ch->set_sla && store_complaint_set_sla(s, cm->id, ch->routed_at, ch->route_due,
	    ch->followup_due, ch->close_due, 0) != 0)
		return -1;
	if (ch->duplicate_of != NULL && store_complaint_set_duplicate(s, cm->id,
	    ch->duplicate_of) != 0)
		return -1;
	if (ch->status != NULL)
		(void)str_copy(cm->status, sizeof cm->status, ch->status);
	if (ch->set_sla) {
		if (ch->routed_at >= 0)
			cm->routed_at = ch->routed_at;
		cm->route_due = ch->route_due;
		cm->followup_due = ch->followup_due;
		cm->close_due = ch->close_due;
		cm->reminded_at = 0;
	}
	if (ch->move_to != NULL)
		(void)str_copy(cm->agency, sizeof cm->agency, ch->move_to);
	if (ch->duplicate_of != NULL)
		(void)str_copy(cm->duplicate_of, sizeof cm->duplicate_of, ch->duplicate_of);
	cm->updated_at = now;

	ev.actor = ch->actor;
	ev.by = ch->by;
	ev.internal = ch->internal;
	ev.action = ch->action;
	ev.event = ch->event;
	ev.note = note_for(ch, cm->agency, cm->agency);
	ev.prev_status = ch->status != NULL || ch->move_to != NULL ? old_status : NULL;
	ev.prev_agency = ch->move_to != NULL ? old_agency : NULL;
	if ((r = ticket_queue_webhook(c, s, cm->agency, cm, &ev, now)) < 0)
		return -1;
	*queued |= r > 0;
	if (ch->away != NULL) {
		ev.event = ch->away;
		ev.note = note_for(ch, old_agency, cm->agency);
		if ((r = ticket_queue_webhook(c, s, old_agency, cm, &ev, now)) < 0)
			return -1;
		*queued |= r > 0;
	}
	/* Re-routed or returned: the new holder gets it by email as a new ticket. */
	if (ch->move_to != NULL && ticket_mail_created(c, s, cm, now) < 0)
		return -1;
	/*
	 * Routed by hand to an agency whose tickets go to the hub, and not
	 * forwarded yet: forwarded now (a row queued before is kept as it is).
	 */
	if (ch->move_to != NULL && cm->hub_id[0] == '\0') {
		if ((r = ticket_hub_queue(c, s, cm, now)) < 0)
			return -1;
		*queued |= r > 0;
	}
	switch (ch->sms) {
	case CHANGE_SMS_STATUS:
		/* Aduan's own notes are English bookkeeping, not for the citizen. */
		r = queue_status_sms(c, s, cm, ch->internal ||
		    strcmp(ch->actor, TICKET_SYSTEM) == 0 ? NULL : ch->note, now);
		break;
	case CHANGE_SMS_DUPLICATE:
		r = queue_duplicate_sms(c, s, cm, now);
		break;
	case CHANGE_SMS_NONE:
		r = 0;
		break;
	}
	if (r != 0)
		return -1;
	log_info("ticket %s: %s%s%s%s%s%s%s by %s%s%s", cm->ticket, old_status,
	    ch->status != NULL ? " -> " : " (note)", ch->status != NULL ? ch->status : "",
	    ch->action != NULL ? " " : "", ch->action != NULL ? ch->action : "",
	    ch->move_to != NULL ? ", now with " : "", ch->move_to != NULL ? ch->move_to : "",
	    ch->actor, ch->by != NULL ? "/" : "", ch->by != NULL ? ch->by : "");
	return 0;
}

int
ticket_request_apply(const struct conf *c, struct store *s, struct store_complaint *cm,
    const struct ticket_request *rq, int64_t now, struct ticket_error *err)
{
	struct change ch;
	int system, queued = 0;

	memset(&ch, 0, sizeof ch);
	err->kind = TICKET_OK;
	err->msg[0] = '\0';
	if (rq->agency == NULL)
		return refuse(err, TICKET_FORBIDDEN, "no acting agency");
	system = strcmp(rq->agency, TICKET_SYSTEM) == 0;
	if (!system && ticket_agency_of(c, rq->agency) == NULL)
		return refuse(err, TICKET_FORBIDDEN, "agency '%.64s' is not in the config",
		    rq->agency);
	if (!system && !ticket_visible(c, rq->agency, cm))
		return refuse(err, TICKET_NOT_FOUND, "no such ticket");
	ch.actor = rq->agency;
	ch.by = system ? NULL : given(rq->by);
	if (rq->give_back && system)
		return refuse(err, TICKET_BAD_INPUT, "Aduan itself returns no ticket");
	if ((rq->give_back ? check_return(c, cm, rq, now, &ch, err) :
	    check_change(c, s, cm, rq, now, &ch, err)) != 0)
		return -1;
	if (apply(c, s, cm, &ch, now, &queued) != 0)
		return refuse(err, TICKET_STORE, "store: %s", store_errmsg());
	return 0;
}

int
ticket_apply(const struct conf *c, struct store *s, struct store_complaint *cm,
    const char *actor, const char *status, const char *note, const char *new_agency,
    int64_t now, char *err, size_t errsz)
{
	static const int http[] = {
		[TICKET_OK] = 0, [TICKET_NOT_FOUND] = 404, [TICKET_FORBIDDEN] = 403,
		[TICKET_CONFLICT] = 409, [TICKET_BAD_INPUT] = 400, [TICKET_STORE] = -1
	};
	struct ticket_request rq = { 0 };
	struct ticket_error e;

	rq.agency = actor;
	rq.status = status;
	rq.note = note;
	rq.new_agency = new_agency;
	if (ticket_request_apply(c, s, cm, &rq, now, &e) == 0) {
		errf(err, errsz, "%s", "");
		return 0;
	}
	errf(err, errsz, "%s", e.msg);
	return http[e.kind];
}

int
ticket_citizen_add(const struct conf *c, struct store *s, struct store_complaint *cm,
    const char *text, int64_t now, int *queued)
{
	struct sla_calendar cal = { c->holidays, c->nholidays };
	struct change ch;
	int r;

	*queued = 0;
	if (strcmp(cm->status, "resolved") != 0 || (cm->close_due != 0 && cm->close_due <= now)) {
		/* A note; a resolved ticket past its window closes by itself soon. */
		if (store_event_add(s, cm->id, now, "citizen", NULL, text) != 0 ||
		    (r = ticket_queue_citizen(c, s, cm, NULL, text, now)) < 0)
			return -1;
		cm->updated_at = now;
		*queued = r > 0;
		return 0;
	}
	/* LAPOR!: a reply from the reporter within the window sends it back to work. */
	memset(&ch, 0, sizeof ch);
	ch.actor = "citizen";
	ch.status = "in_progress";
	ch.note = text;
	ch.action = "reopened";
	ch.event = "ticket.status";
	ch.sms = CHANGE_SMS_NONE;       /* the reply to the TAMBAH says so */
	ch.set_sla = 1;
	ch.routed_at = -1;
	ch.followup_due = sla_add_working_days(&cal, now, c->sla_followup_days);
	return apply(c, s, cm, &ch, now, queued) != 0 ? -1 : 1;
}
