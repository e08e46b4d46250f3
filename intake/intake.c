/*
 * intake: one inbound SMS from decoded parameters to the reply, with every
 * write of that message in one store transaction.  The reply is only handed
 * back after the commit, so a ticket number a citizen reads is on disk.
 *
 * Replies are rendered from the config's templates, then passed through
 * gsm_clean() so they stay GSM-7 (one curly quote would turn a one-part SMS
 * into three UCS-2 parts).
 */
#include "intake/intake.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf/live.h"
#include "intake/guard.h"
#include "intake/ussd.h"
#include "routing/decide.h"
#include "sms/gsm.h"
#include "sms/msisdn.h"
#include "sms/parse.h"
#include "sms/text.h"
#include "sms/ticket.h"
#include "ticket/open.h"
#include "util/log.h"
#include "util/metrics.h"
#include "util/util.h"

/* Kannel's example sms-service sends at most 3 parts (max-messages). */
#define REPLY_MAX_PARTS 3

struct vars {
	const char *names[8];
	const char *values[8];
	size_t n;
};

static void
var(struct vars *v, const char *name, const char *value)
{
	if (v->n < ARRAY_LEN(v->names)) {
		v->names[v->n] = name;
		v->values[v->n] = value ? value : "";
		v->n++;
	}
}

/* What handling a message decided, for the message row and the log line. */
struct outcome {
	const char *command;
	int64_t complaint_id;
	char ticket[TICKET_DIGITS + 1];
	const char *agency;
	const char *rule;
	enum lang lang;                 /* language to remember for this phone */
	int queued;                     /* something went into the outbox */
	const char *guard;              /* what the flood guard did (metric label), or NULL */
	const char *guard_why;          /* a loop: why it is one */
	int loop_started;               /* a loop: found with this message (warn once) */
};

static void
render(struct intake *ix, enum lang l, enum conf_reply r, const struct vars *v,
    char *out, size_t outsz)
{
	char raw[INTAKE_REPLY_MAX];

	char clean[INTAKE_REPLY_MAX];

	if (conf_render(ix->conf, l, r, v->names, v->values, v->n, raw, sizeof raw) < 0)
		log_warnx("reply '%s' was cut to %zu bytes", conf_reply_name(r), sizeof raw - 1);
	if (gsm_clean(raw, strlen(raw), clean, sizeof clean) < 0)
		str_copy(clean, sizeof clean, raw);
	/* Never more than the gateway sends: cut on a word, with "...". */
	if (gsm_fit(clean, strlen(clean), REPLY_MAX_PARTS, out, outsz) < 0)
		str_copy(out, outsz, clean);
}

static size_t
reply_parts(const char *s)
{
	struct gsm_count gc;

	if (gsm_count(s, strlen(s), &gc) != 0)
		return 99;
	return gc.parts;
}

static const char *
agency_short(const struct conf *c, const char *id)
{
	long i = conf_agency_find(c, id);

	return i >= 0 ? c->agencies[i].short_name : id;
}

/* Rule keywords for the help text, in the reply's language, until it would not fit. */
static void
help_reply(struct intake *ix, enum lang l, char *out, size_t outsz)
{
	const struct conf *c = ix->conf;
	char kw[600] = "";
	size_t i, n = 0;
	struct vars v = { 0 };

	var(&v, "keywords", kw);
	var(&v, "shortcode", c->short_code);
	for (i = 0; i < c->nrules; i++) {
		const struct conf_rule *r = &c->rules[i];
		const char *w = l == LANG_EN && r->naliases_en > 0 ? r->aliases_en[0] : r->keyword;
		size_t wl = strlen(w);

		if (n + wl + 2 >= sizeof kw)
			break;
		if (n > 0) {
			memcpy(kw + n, ", ", 2);
			n += 2;
		}
		memcpy(kw + n, w, wl + 1);
		n += wl;
		render(ix, l, REPLY_HELP, &v, out, outsz);
		if (reply_parts(out) > REPLY_MAX_PARTS - 1) {
			/* Drop this keyword again: help should stay short. */
			n -= wl + (n > wl ? 2 : 0);
			kw[n] = '\0';
			break;
		}
	}
	render(ix, l, REPLY_HELP, &v, out, outsz);
}

/* A new complaint's receipt: the SMS reply, or the SMS after a USSD session. */
static void
receipt(struct intake *ix, enum lang l, const struct route_decision *d, const char *ticket,
    char *out, size_t outsz)
{
	const struct conf *conf = ix->conf;
	struct vars v = { 0 };

	var(&v, "ticket", ticket);
	var(&v, "agency", conf->agencies[d->agency].short_name);
	var(&v, "category", d->rule >= 0 ? conf->rules[d->rule].label[l] : "");
	var(&v, "shortcode", conf->short_code);
	render(ix, l, d->rule >= 0 ? REPLY_RECEIVED : REPLY_RECEIVED_TRIAGE, &v, out, outsz);
}

static void
format_date(int64_t t, char *buf, size_t bufsz)
{
	time_t tt = (time_t)t;
	struct tm tm;

	localtime_r(&tt, &tm);
	snprintf(buf, bufsz, "%02d/%02d/%04d", tm.tm_mday, tm.tm_mon + 1, tm.tm_year + 1900);
}

/* Trims note (in place) at a word boundary until the status reply fits. */
static void
status_reply(struct intake *ix, enum lang l, const struct store_complaint *c, char *note,
    char *out, size_t outsz)
{
	const struct conf *conf = ix->conf;
	char date[40];
	struct vars v = { 0 };
	int st = conf_status_reply(c->status);
	size_t n, cut;

	format_date(c->updated_at, date, sizeof date);
	var(&v, "ticket", c->ticket);
	var(&v, "status", st >= 0 ? conf->replies[l][st] : c->status);
	var(&v, "agency", agency_short(conf, c->agency));
	var(&v, "date", date);
	if (note == NULL || *note == '\0') {
		render(ix, l, REPLY_STATUS, &v, out, outsz);
		return;
	}
	var(&v, "note", note);
	for (;;) {
		render(ix, l, REPLY_STATUS_NOTE, &v, out, outsz);
		n = strlen(note);
		if (reply_parts(out) <= REPLY_MAX_PARTS || n <= 3)
			return;
		/*
		 * Cut the last word and mark the cut; a note without spaces
		 * (a link) is cut where it is, never inside a UTF-8 character.
		 */
		n = n > 4 ? n - 4 : 0;
		cut = n;
		while (cut > 0 && note[cut] != ' ')
			cut--;
		if (cut == 0)
			cut = n;
		cut = utf8_cut(note, strlen(note), cut);
		memcpy(note + cut, "...", 4);
	}
}

static int
is_closed(const char *status)
{
	return strcmp(status, "closed") == 0 || strcmp(status, "withdrawn") == 0 ||
	    strcmp(status, "rejected") == 0;
}

/* STATUS, TAMBAH and BATAL: act only for the phone that reported the ticket. */
static int
ticket_command(struct intake *ix, const char *phone, const struct sms_command *cmd,
    enum lang l, int64_t now, struct outcome *o, char *out, size_t outsz)
{
	struct store_complaint c = { 0 };
	struct vars v = { 0 };
	char note[INTAKE_REPLY_MAX];
	int r, rc = 0;

	o->command = cmd->cmd == SMS_STATUS ? "status" : cmd->cmd == SMS_ADD ? "add" : "cancel";
	var(&v, "command", cmd->word);
	var(&v, "ticket", cmd->ticket);
	switch (cmd->ticket_state) {
	case TICKET_READ_NONE:
	case TICKET_READ_MALFORMED:
		render(ix, l, REPLY_BAD_TICKET, &v, out, outsz);
		return 0;
	case TICKET_READ_MISTYPED:
		render(ix, l, REPLY_MISTYPED, &v, out, outsz);
		return 0;
	case TICKET_READ_OK:
		break;
	}
	r = store_complaint_get(ix->store, cmd->ticket, &c);
	if (r < 0)
		return -1;
	/* Someone else's ticket reads exactly like a ticket that does not exist. */
	if (r == 0 || strcmp(c.phone, phone) != 0) {
		render(ix, l, REPLY_NOT_FOUND, &v, out, outsz);
		store_complaint_clear(&c);
		return 0;
	}
	o->complaint_id = c.id;
	str_copy(o->ticket, sizeof o->ticket, c.ticket);
	if ((r = (int)conf_agency_find(ix->conf, c.agency)) >= 0)
		o->agency = ix->conf->agencies[r].id;   /* for the log line */
	var(&v, "status", conf_status_reply(c.status) >= 0 ?
	    ix->conf->replies[l][conf_status_reply(c.status)] : c.status);
	switch (cmd->cmd) {
	case SMS_STATUS:
		r = store_last_agency_note(ix->store, c.id, note, sizeof note);
		if (r < 0) {
			rc = -1;
			break;
		}
		status_reply(ix, l, &c, r == 1 ? note : NULL, out, outsz);
		break;
	case SMS_ADD:
		if (cmd->note.len == 0)
			render(ix, l, REPLY_ADD_EMPTY, &v, out, outsz);
		else if (is_closed(c.status))
			render(ix, l, REPLY_ALREADY_CLOSED, &v, out, outsz);
		else {
			char *text = xstrndup(cmd->note.p, cmd->note.len);

			rc = store_event_add(ix->store, c.id, now, "citizen", NULL, text);
			/* The citizen answered: a resolved ticket no longer closes by itself. */
			if (rc == 0 && strcmp(c.status, "resolved") == 0)
				rc = store_complaint_set_sla(ix->store, c.id, -1, -1, -1, 0, -1);
			if (rc == 0 && (rc = ticket_queue_citizen(ix->conf, ix->store, &c, NULL, text,
			    now)) > 0) {
				o->queued = 1;
				rc = 0;
			}
			free(text);
			render(ix, l, REPLY_ADDED, &v, out, outsz);
		}
		break;
	default:
		if (is_closed(c.status) || strcmp(c.status, "resolved") == 0)
			render(ix, l, REPLY_ALREADY_CLOSED, &v, out, outsz);
		else {
			rc = store_event_add(ix->store, c.id, now, "citizen", "withdrawn",
			    "withdrawn by the reporter (BATAL)");
			if (rc == 0 && (rc = ticket_queue_citizen(ix->conf, ix->store, &c,
			    "withdrawn", "withdrawn by the reporter (BATAL)", now)) > 0) {
				o->queued = 1;
				rc = 0;
			}
			render(ix, l, REPLY_WITHDRAWN, &v, out, outsz);
		}
		break;
	}
	store_complaint_clear(&c);
	return rc;
}

/*
 * What a complaint will be, worked out before the transaction: routing,
 * service levels and a ticket number need nothing stored, so they do not
 * hold up the other messages of a burst, which wait for the store while
 * one message is in it (perf: a third of the time inside the store).
 */
struct plan {
	enum route_sms_answer what;
	struct route_decision d;
	struct store_complaint c;       /* all but lang; ticket not checked yet */
};

static int
complaint_plan(struct intake *ix, const char *phone, const struct sms_command *cmd,
    int64_t now, struct plan *p)
{
	struct route_sms r;

	memset(p, 0, sizeof *p);
	route_sms_decide(ix->rt, cmd, &r);
	p->d = r.d;
	p->what = r.answer;
	if (r.answer != ROUTE_SMS_TICKET)
		return 0;
	return ticket_plan(ix->conf, &p->d, phone, "sms", r.loc, r.llen, r.desc, r.dlen, now,
	    &p->c);
}

/* Stores the planned complaint (inside the transaction) and answers. */
static int
complaint(struct intake *ix, struct plan *p, enum lang base, enum lang cmd_lang, int64_t now,
    struct outcome *o, char *out, size_t outsz)
{
	const struct conf *conf = ix->conf;
	const struct route_decision *d = &p->d;
	struct store_complaint *c = &p->c;
	struct vars v = { 0 };
	enum lang l;
	int r;

	l = cmd_lang != LANG_NONE ? cmd_lang : d->lang != LANG_NONE ? d->lang : base;
	o->lang = cmd_lang != LANG_NONE ? cmd_lang : d->lang;
	var(&v, "shortcode", conf->short_code);

	if (p->what == ROUTE_SMS_NEED_TEXT) {
		o->command = "complaint_empty";
		var(&v, "keyword", conf->rules[d->rule].keyword);
		render(ix, l, REPLY_NEED_TEXT, &v, out, outsz);
		return 0;
	}
	if (p->what == ROUTE_SMS_HELP) {
		o->command = "help";
		help_reply(ix, l, out, outsz);
		return 0;
	}
	str_copy(c->lang, sizeof c->lang, lang_code(l));
	r = ticket_open(conf, ix->store, d, c, now);
	if (r < 0)
		return -1;
	o->queued = r > 0;      /* a webhook to deliver: wake the workers */
	o->command = "complaint";
	o->complaint_id = c->id;
	str_copy(o->ticket, sizeof o->ticket, c->ticket);
	o->agency = conf->agencies[d->agency].id;
	o->rule = d->rule >= 0 ? conf->rules[d->rule].keyword : "triage";

	receipt(ix, l, d, c->ticket, out, outsz);
	return 0;
}

/*
 * A message read before the transaction: its command and, for a
 * complaint, the plan.  Parts of a long message are read inside it, once
 * joined.
 */
struct reading {
	struct sms_command cmd;
	struct plan plan;
};

static int
read_message(struct intake *ix, const char *phone, const struct sms_in *in, int64_t now,
    struct reading *rd)
{
	sms_parse(in->text, in->text_len, &rd->cmd);
	memset(&rd->plan, 0, sizeof rd->plan);
	if (rd->cmd.cmd == SMS_COMPLAINT)
		return complaint_plan(ix, phone, &rd->cmd, now, &rd->plan);
	return 0;
}

static void
reading_clear(struct reading *rd)
{
	store_complaint_clear(&rd->plan.c);
}

/*
 * The flood guard's answer instead of handling the message (intake/guard.h):
 * 1 when it answered (or chose silence), 0 to handle the message as usual.
 */
static int
guarded(struct intake *ix, const struct guard *g, const struct reading *rd, enum lang base,
    struct outcome *o, char *out, size_t outsz)
{
	const struct route_decision *d = &rd->plan.d;
	struct vars v = { 0 };
	enum lang l;

	/* A complaint's language, as complaint() would answer it. */
	l = rd->cmd.lang != LANG_NONE ? rd->cmd.lang : d->lang != LANG_NONE ? d->lang : base;
	var(&v, "shortcode", ix->conf->short_code);
	switch (g->verdict) {
	case GUARD_PASS:
		return 0;
	case GUARD_LOOP:
		o->command = "loop";
		o->guard = "loop";
		o->guard_why = g->why;
		o->loop_started = g->loop_started;
		out[0] = '\0';
		return 1;
	case GUARD_DUPLICATE:
		o->command = "duplicate";
		o->guard = "duplicate";
		str_copy(o->ticket, sizeof o->ticket, g->ticket);
		var(&v, "ticket", g->ticket);
		render(ix, l, REPLY_DUPLICATE, &v, out, outsz);
		return 1;
	case GUARD_LIMITED:
		o->command = "limited";
		o->guard = "complaint_limit";
		render(ix, l, REPLY_LIMITED, &v, out, outsz);
		return 1;
	case GUARD_QUIET:
		o->command = "limited";
		o->guard = "complaint_limit_silent";
		out[0] = '\0';
		return 1;
	}
	return 0;
}

/*
 * Everything one message does inside the transaction, once read (rd):
 * the flood guard first (in this transaction, so that two copies of one
 * text arriving at once are decided one after the other), then the
 * command.  0, or -1 on a store error.
 */
static int
handle(struct intake *ix, const char *phone, const struct sms_in *in, struct reading *rd,
    int64_t now, struct outcome *o, char *out, size_t outsz)
{
	const struct sms_command *cmd = &rd->cmd;
	struct store_phone pp;
	struct guard g;
	struct vars v = { 0 };
	enum lang pref, base;
	int rc = 0;

	if (store_phone_get(ix->store, phone, &pp) < 0)
		return -1;
	pref = lang_from_code(pp.lang);
	base = cmd->lang != LANG_NONE ? cmd->lang : pref != LANG_NONE ? pref : ix->conf->default_lang;
	o->lang = cmd->lang;
	var(&v, "shortcode", ix->conf->short_code);

	if (guard_check(ix->conf, ix->store, phone, in->text, in->text_len,
	    cmd->cmd == SMS_COMPLAINT && rd->plan.what == ROUTE_SMS_TICKET, now, &g) != 0)
		return -1;
	if (guarded(ix, &g, rd, base, o, out, outsz)) {
		o->lang = LANG_NONE;    /* nothing the citizen chose */
		goto reply;
	}

	switch (cmd->cmd) {
	case SMS_HELP:
		o->command = "help";
		help_reply(ix, base, out, outsz);
		break;
	case SMS_STOP:
	case SMS_START:
		o->command = cmd->cmd == SMS_STOP ? "stop" : "start";
		if (store_phone_set(ix->store, phone, cmd->cmd == SMS_START, NULL, now) < 0)
			return -1;
		render(ix, base, cmd->cmd == SMS_STOP ? REPLY_STOPPED : REPLY_STARTED, &v, out, outsz);
		break;
	case SMS_LANG:
		o->command = "language";
		if (cmd->set_lang == LANG_NONE) {
			render(ix, base, REPLY_LANG_HOW, &v, out, outsz);
			break;
		}
		/* Remembered below like any language the citizen chose. */
		o->lang = cmd->set_lang;
		render(ix, cmd->set_lang, REPLY_LANG_SET, &v, out, outsz);
		break;
	case SMS_STATUS:
	case SMS_ADD:
	case SMS_CANCEL:
		rc = ticket_command(ix, phone, cmd, base, now, o, out, outsz);
		break;
	case SMS_COMPLAINT:
		rc = complaint(ix, &rd->plan, base, cmd->lang, now, o, out, outsz);
		break;
	}
	if (rc != 0)
		return -1;
	/* Remember the language the citizen chose by the words they used. */
	if (o->lang != LANG_NONE && o->lang != pref &&
	    store_phone_set(ix->store, phone, -1, lang_code(o->lang), now) < 0)
		return -1;
reply:
	/* Every reply counts against the phone's hourly cap, the guard's own too. */
	if (out[0] != '\0') {
		switch (guard_reply(ix->conf, &g, now)) {
		case GUARD_SEND:
			break;
		case GUARD_SEND_NOTICE:
			o->guard = "reply_cap";
			render(ix, base, REPLY_CAPPED, &v, out, outsz);
			break;
		case GUARD_SILENT:
			o->guard = "reply_cap_silent";
			out[0] = '\0';
			break;
		}
	}
	return guard_save(ix->conf, ix->store, phone, &g,
	    strcmp(o->command, "complaint") == 0 ? o->ticket : NULL, now);
}

/*
 * A gateway that only acknowledges (Vonage, Infobip, Africa's Talking SMS):
 * the reply leaves through the outbox and the configured sms_sender, in the
 * same transaction as the message, keyed by the gateway's message id so
 * that a retried callback queues it once.
 */
static int
queue_reply(struct intake *ix, const struct gateway *gw, const char *gwid, const char *phone,
    const char *reply, int64_t now)
{
	struct store_outbox_new ob = { 0 };
	char key[SMS_ID_MAX + 64], nonce[TICKET_DIGITS + 1];

	int r;

	/*
	 * An id another phone already used (a gateway that reused it, see
	 * store_message_find) gets the phone in its key, or the first
	 * phone's reply would stand for this one's.
	 */
	if (gwid != NULL && (r = store_message_find(ix->store, gw->name, gwid, NULL, NULL, 0)) < 0)
		return -1;
	if (gwid != NULL && r == 1)
		snprintf(key, sizeof key, "reply:%s:%s:%s", gw->name, gwid, phone);
	else if (gwid != NULL)
		snprintf(key, sizeof key, "reply:%s:%s", gw->name, gwid);
	else {
		if (ticket_new(nonce) != 0)
			return -1;
		snprintf(key, sizeof key, "reply:%s:%lld:%s", gw->name, (long long)now, nonce);
	}
	ob.kind = "sms";
	ob.recipient = phone;
	ob.body = reply;
	ob.idem_key = key;
	ob.created_at = now;
	return store_outbox_add(ix->store, &ob) < 0 ? -1 : 0;
}

static double
elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* The store failed: 503 so the gateway retries, and the message's one log line. */
static int
unavailable(struct intake_result *res, const struct gateway *gw, const char *masked,
    const struct timespec *t0)
{
	log_error("sms %s from=%s command=unavailable store: %s %.1fms", gw->name, masked,
	    store_errmsg(), elapsed_ms(t0));
	res->status = 503;
	res->reply[0] = '\0';
	snprintf(res->error, sizeof res->error, "service temporarily unavailable, retry later");
	return res->status;
}

static int sms_one(struct intake *ix, const struct gateway *gw, const struct sms_in *in,
    struct intake_result *res, struct sms_in *whole);
static int part_join(struct intake *ix, const struct gateway *gw, const struct sms_in *in,
    struct sms_in *whole);

int
intake_sms(struct intake *ix, const struct gateway *gw, const struct sms_in *in,
    struct intake_result *res)
{
	struct sms_in whole;
	int st;

	memset(&whole, 0, sizeof whole);
	st = sms_one(ix, gw, in, res, &whole);
	sms_in_clear(&whole);
	return st;
}

/* One SMS inside its transaction (sms_tx), and what came of it. */
struct sms_tx {
	struct intake *ix;
	const struct gateway *gw;
	const struct sms_in *in;        /* the whole message once its parts are joined */
	struct sms_in *wholep;
	struct reading *rd;
	const char *phone;
	enum msisdn_kind kind;
	int64_t now;
	const char *gwid;
	struct intake_result *res;
	struct outcome o;
	int part_kept;                  /* a part of a long message, kept for the rest */
};

/*
 * Everything an SMS stores, run by the store's writer (store_run): 0 keep
 * it, 1 a retried callback (the stored reply is in res->reply), -1 error.
 */
static int
sms_tx(struct store *s, void *arg)
{
	struct sms_tx *t = arg;
	struct intake *ix = t->ix;
	struct intake_result *res = t->res;
	struct store_message m = { 0 };
	int r;

	if (t->in->concat_total > 1) {
		/*
		 * A part of a long message: kept, joined and handled in this
		 * one transaction, so a failure leaves the parts for the retry.
		 */
		r = part_join(ix, t->gw, t->in, t->wholep);
		if (r <= 0) {
			t->part_kept = r == 0;  /* more parts to come: nothing to answer */
			return r;
		}
		t->in = t->wholep;
		t->gwid = t->wholep->id;
		if (t->kind != MSISDN_ALPHA && read_message(ix, t->phone, t->in, t->now, t->rd) != 0)
			return -1;
	}
	/* A retried callback: the stored answer, nothing new. */
	if (t->gwid != NULL) {
		r = store_message_find(s, t->gw->name, t->gwid, t->phone, res->reply,
		    sizeof res->reply);
		if (r != 0)
			return r < 0 ? -1 : 1;
	}
	if (t->kind == MSISDN_ALPHA) {
		/* Network and robot senders: keep the message, never answer (loops). */
		t->o.command = "ignored";
	} else if (handle(ix, t->phone, t->in, t->rd, t->now, &t->o, res->reply,
	    sizeof res->reply) != 0)
		return -1;
	if (!t->gw->reply_inline && res->reply[0] != '\0' &&
	    queue_reply(ix, t->gw, t->gwid, t->phone, res->reply, t->now) != 0)
		return -1;
	m.gateway = t->gw->name;
	m.gw_id = t->gwid;
	m.sender = t->phone;
	m.receiver = t->in->to;
	m.text = t->in->text;
	m.command = t->o.command;
	m.reply = res->reply;
	m.complaint_id = t->o.complaint_id;
	m.received_at = t->in->time > 0 ? t->in->time : t->now;
	r = store_message_add(s, &m);
	if (r == 0)
		log_error("message %s/%s stored twice inside one transaction", t->gw->name,
		    t->gwid);
	return r == 1 ? 0 : -1;
}

static int
sms_handle(struct intake *ix, const struct gateway *gw, const struct sms_in *in,
    struct intake_result *res, struct sms_in *wholep, struct reading *rd)
{
	struct sms_tx t = { 0 };
	struct timespec t0;
	char phone[MSISDN_MAX + 44], why[128], masked[32];
	const struct outcome *o = &t.o;
	int r;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(res, 0, sizeof *res);
	res->status = 200;
	t.ix = ix;
	t.gw = gw;
	t.in = in;
	t.wholep = wholep;
	t.rd = rd;
	t.phone = phone;
	t.now = now_unix();
	t.gwid = in->id[0] ? in->id : NULL;
	t.res = res;

	t.kind = msisdn_normalize(in->from, ix->conf->country_code, phone, sizeof phone,
	    why, sizeof why);
	log_mask_phone(t.kind == MSISDN_INVALID ? in->from : phone, masked, sizeof masked);
	if (t.kind == MSISDN_INVALID) {
		res->status = 400;
		snprintf(res->error, sizeof res->error, "from: %s", why);
		log_warnx("sms %s from=%s command=rejected (%s) %.1fms", gw->name, masked,
		    res->error, elapsed_ms(&t0));
		return res->status;
	}

	/* Blocklisted: silence, and nothing stored (not a complaint, not a message). */
	if (t.kind == MSISDN_E164 && guard_blocked(ix->conf, phone)) {
		metrics_count("aduan_guard_total", 1, "action", "blocked", "channel", "sms", NULL);
		log_info("sms %s from=%s command=blocked: sender on guard.blocklist, not stored "
		    "nor answered %.1fms", gw->name, masked, elapsed_ms(&t0));
		return res->status;
	}

	/*
	 * A retried callback whose message is stored is answered from the
	 * committed data, without the writer; one not yet committed is found
	 * again inside the transaction.
	 */
	r = in->concat_total <= 1 ? store_message_seen(ix->store, gw->name, t.gwid, phone,
	    res->reply, sizeof res->reply) : 0;
	if (r < 0)
		return unavailable(res, gw, masked, &t0);
	/* A whole message is read before the transaction, so the others need not wait for it. */
	if (r == 0 && in->concat_total <= 1 && t.kind != MSISDN_ALPHA &&
	    read_message(ix, phone, in, t.now, rd) != 0)
		return unavailable(res, gw, masked, &t0);
	if (r == 0)
		r = store_run(ix->store, sms_tx, &t);
	if (r < 0)
		return unavailable(res, gw, masked, &t0);
	if (r == 1) {
		res->replayed = 1;
		log_info("sms %s from=%s command=retry id=%s: stored reply returned %.1fms",
		    gw->name, masked, t.gwid, elapsed_ms(&t0));
		return res->status;
	}
	if (t.part_kept) {
		log_info("sms %s from=%s command=part %d of %d of message %s kept %.1fms",
		    gw->name, masked, in->concat_part, in->concat_total, in->concat_ref,
		    elapsed_ms(&t0));
		return res->status;
	}
	if (strcmp(o->command, "complaint") == 0)
		metrics_count("aduan_complaints_created_total", 1, "agency", o->agency,
		    "channel", "sms", NULL);
	if (o->guard != NULL)
		metrics_count("aduan_guard_total", 1, "action", o->guard, "channel", "sms", NULL);
	if (o->loop_started)
		log_warnx("sms %s from=%s: auto-reply loop (%s): its messages are kept and no "
		    "longer answered", gw->name, masked, o->guard_why);
	if ((o->queued || (!gw->reply_inline && res->reply[0] != '\0')) && ix->deliver != NULL)
		deliver_wake(ix->deliver);
	log_info("sms %s from=%s command=%s%s%s%s%s%s%s%s%s%s %.1fms", gw->name, masked,
	    o->command, o->ticket[0] ? " ticket=" : "", o->ticket,
	    o->agency ? " agency=" : "", o->agency ? o->agency : "",
	    o->rule ? " rule=" : "", o->rule ? o->rule : "",
	    o->guard ? " guard=" : "", o->guard ? o->guard : "",
	    o->guard && res->reply[0] == '\0' ? " (no reply)" : "", elapsed_ms(&t0));
	return res->status;
}

/* One message, or one part of a long one (wholep: where the whole goes). */
static int
sms_one(struct intake *ix, const struct gateway *gw, const struct sms_in *in,
    struct intake_result *res, struct sms_in *wholep)
{
	struct reading rd = { 0 };
	int r;

	store_expect(ix->store);
	r = sms_handle(ix, gw, in, res, wholep, &rd);
	store_expect_end(ix->store);    /* refused before the store */
	reading_clear(&rd);
	return r;
}

/* FNV-1a of a text, for the id of a joined long message. */
static uint64_t
fnv(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/*
 * The joined message's id: the sender, the parts' reference and a hash of
 * the whole text, because phones reuse small references (two citizens,
 * or one citizen later, may both send "ref 1").
 */
static void
concat_id(const char *sender, const char *ref, const char *text, char *out, size_t outsz)
{
	snprintf(out, outsz, "concat:%.40s:%.40s:%016llx", sender, ref,
	    (unsigned long long)fnv(text));
}

/* Long messages are bounded like any text. */
static void
cap_text(const struct conf *c, char *text)
{
	size_t n = strlen(text);

	if ((long)n <= c->max_text)
		return;
	n = utf8_cut(text, n, (size_t)c->max_text);
	text[n] = '\0';
}

/*
 * Inside the caller's transaction: keeps the part; when all are here,
 * fills *whole with the joined message (heap text) and forgets the parts.
 * 1 whole, 0 more to come (or a repeat), -1 store error.
 */
static int
part_join(struct intake *ix, const struct gateway *gw, const struct sms_in *in,
    struct sms_in *whole)
{
	char *joined = NULL;
	int r;

	r = store_part_add(ix->store, gw->name, in->from, in->concat_ref, in->concat_total,
	    in->concat_part, in->id[0] ? in->id : NULL, in->text, now_unix());
	if (r < 0)
		return -1;
	r = store_parts_join(ix->store, gw->name, in->from, in->concat_ref, &joined);
	if (r <= 0)
		return r;
	if (store_parts_delete(ix->store, gw->name, in->from, in->concat_ref, now_unix()) != 0) {
		free(joined);
		return -1;
	}
	cap_text(ix->conf, joined);
	*whole = *in;
	whole->concat_total = 0;
	whole->text = joined;
	whole->text_len = strlen(joined);
	concat_id(in->from, in->concat_ref, joined, whole->id, sizeof whole->id);
	return 1;
}

/*
 * The handlers' view of the config: a snapshot for the whole request, so a
 * reload in the middle of a message changes nothing for it.
 */
static const struct live_snap *
pin(const struct intake *ix, struct intake *local)
{
	const struct live_snap *snap = NULL;

	*local = *ix;
	if (ix->live != NULL) {
		snap = live_get(ix->live);
		local->conf = snap->conf;
		local->rt = snap->rt;
	}
	return snap;
}

static void
unpin(const struct intake *ix, const struct live_snap *snap)
{
	if (snap != NULL)
		live_put(ix->live, snap);
}

/*
 * aduan_callbacks_total: one per callback answered.  The results are a
 * bounded set: ok, retry_replayed, refused_<4xx status>, unavailable_503.
 */
static void
count_callback(const struct gateway *gw, const char *endpoint, int status, int replayed)
{
	char result[32];

	if (status == 200)
		str_copy(result, sizeof result, replayed ? "retry_replayed" : "ok");
	else if (status == 503)
		str_copy(result, sizeof result, "unavailable_503");
	else
		snprintf(result, sizeof result, "%s_%d", status >= 400 && status < 500 ?
		    "refused" : "error", status);
	metrics_count("aduan_callbacks_total", 1, "gateway", gw->name, "endpoint", endpoint,
	    "result", result, NULL);
}

void
intake_http_handler(void *ctx, const struct http_request *req, struct http_response *res)
{
	struct intake_endpoint *ep = ctx;
	struct intake_result *r;
	struct intake ix;
	const struct live_snap *snap = pin(ep->ix, &ix);
	struct sms_in *in;
	char err[200], line[224];
	size_t n = 0, i, replays = 0, max = ep->gw->reply_inline ? 1 : SMS_BATCH_MAX;
	int st, worst = 200;

	in = xcalloc(max, sizeof *in);
	st = ep->gw->decode_sms(ix.conf, req, in, max, &n, err, sizeof err);
	if (st != 0) {
		log_warnx("sms %s from peer %s refused with %d: %s", ep->gw->name,
		    http_request_peer(req), st, err);
		snprintf(line, sizeof line, "%s\n", err);
		http_respond_text(res, st, line);
		count_callback(ep->gw, "sms", st, 0);
		free(in);
		unpin(ep->ix, snap);
		return;
	}
	r = xmalloc(sizeof *r);
	r->reply[0] = '\0';
	/*
	 * Each message of a batch is handled (and deduplicated) on its own.
	 * One that could not be stored (5xx) makes the whole callback a 503,
	 * so the gateway sends it again; those already stored then answer
	 * from the store.  A message refused for what it is (4xx: a sender
	 * that is no phone number) is logged and acknowledged: sending the
	 * batch again could not fix it.  A single message answered inline
	 * (Kannel, Twilio) gets its own status.  intake_sms() logged each
	 * message, refused or not, on its one line.
	 */
	for (i = 0; i < n; i++) {
		st = intake_sms(&ix, ep->gw, &in[i], r);
		replays += st == 200 && r->replayed;
		if (st >= 500 && worst < 500) {
			worst = st;
			snprintf(line, sizeof line, "%s\n", r->error);
		} else if (st != 200 && worst == 200 && ep->gw->reply_inline) {
			worst = st;
			snprintf(line, sizeof line, "%s\n", r->error);
		}
	}
	if (worst != 200)
		http_respond_text(res, worst, line);
	else {
		ep->gw->encode_reply(ep->gw->reply_inline && n == 1 ? r->reply : "", res);
		if (ep->gw->reply_inline && n == 1 && r->reply[0] != '\0')
			metrics_count("aduan_replies_sent_total", 1, "gateway", ep->gw->name, NULL);
	}
	count_callback(ep->gw, "sms", worst, n > 0 && replays == n);
	for (i = 0; i < n; i++)
		sms_in_clear(&in[i]);
	free(in);
	free(r);
	unpin(ep->ix, snap);
}

static int parts_tick(struct intake *ix, int64_t now);

int
intake_parts_tick(struct intake *ix, int64_t now)
{
	struct intake local;
	const struct live_snap *snap = pin(ix, &local);
	int r = parts_tick(&local, now);

	unpin(ix, snap);
	return r;
}

/*
 * Per tick (every few seconds): at most this many timed-out long messages
 * handled, and this many purge batches of each kind.  Enough to keep up
 * with any burst a gateway can send, bounded so the tick still ends.
 */
#define PARTS_TICK_MAX          1024
#define PURGE_TICK_BATCHES      20

/* Forgets handled parts and old guard rows, a bounded batch at a time. */
static int
purge_tick(struct intake *ix, int64_t now)
{
	long n;
	int i;

	/* Handled parts are kept a day to recognise late repeats, then forgotten. */
	for (i = 0; i < PURGE_TICK_BATCHES; i++) {
		if ((n = store_parts_purge(ix->store, now - 24 * 3600)) < 0)
			return -1;
		if (n < STORE_PURGE_BATCH)
			break;
	}
	for (i = 0; i < PURGE_TICK_BATCHES; i++) {
		if ((n = guard_purge(ix->conf, ix->store, now)) < 0)
			return -1;
		if (n < STORE_PURGE_BATCH)
			break;
	}
	return 0;
}

static int
parts_tick(struct intake *ix, int64_t now)
{
	struct store_parts_group g[16];
	struct intake_result *r;
	struct sms_in in;
	size_t n = 0, i, k, seen = 0;
	int done = 0;

	if (purge_tick(ix, now) != 0)
		return -1;
	r = xmalloc(sizeof *r);
	do {
		if (store_parts_expired(ix->store, now - ix->conf->parts_timeout, g, ARRAY_LEN(g),
		    &n) != 0) {
			done = -1;
			break;
		}
		seen += n;
		for (i = 0; i < n; i++) {
			const struct gateway *gw = NULL;

			for (k = 0; gateways[k] != NULL; k++)
				if (strcmp(gateways[k]->name, g[i].gateway) == 0)
					gw = gateways[k];
			/* The parts that came are the citizen's words: handle them, gaps marked. */
			memset(&in, 0, sizeof in);
			str_copy(in.from, sizeof in.from, g[i].sender);
			cap_text(ix->conf, g[i].text);
			concat_id(g[i].sender, g[i].ref, g[i].text, in.id, sizeof in.id);
			in.text = g[i].text;
			in.text_len = strlen(g[i].text);
			if (gw != NULL) {
				log_warnx("sms %s: long message %s has %d of %d parts after %d s; "
				    "handling what came", gw->name, g[i].ref, g[i].have, g[i].total,
				    ix->conf->parts_timeout);
				if (intake_sms(ix, gw, &in, r) == 200 && done >= 0)
					done++;
			}
			if (store_parts_delete(ix->store, g[i].gateway, g[i].sender, g[i].ref, now)
			    != 0)
				done = -1;
			store_parts_group_clear(&g[i]);
		}
		/* A group whose delete failed would come back: stop until the next tick. */
	} while (done >= 0 && n == ARRAY_LEN(g) && seen < PARTS_TICK_MAX);
	free(r);
	return done;
}

void
intake_dlr_handler(void *ctx, const struct http_request *req, struct http_response *res)
{
	struct intake_endpoint *ep = ctx;
	struct intake ix;
	const struct live_snap *snap = pin(ep->ix, &ix);
	char id[128], state[32], err[200], line[224];
	int st;

	st = ep->gw->decode_dlr(ix.conf, req, id, sizeof id, state, sizeof state, err,
	    sizeof err);
	unpin(ep->ix, snap);
	if (st != 0) {
		log_warnx("dlr %s from peer %s refused with %d: %s", ep->gw->name,
		    http_request_peer(req), st, err);
		snprintf(line, sizeof line, "%s\n", err);
		http_respond_text(res, st, line);
		count_callback(ep->gw, "dlr", st, 0);
		return;
	}
	st = store_outbox_dlr(ep->ix->store, id, state, now_unix());
	if (st < 0) {
		log_error("store: %s", store_errmsg());
		http_respond_text(res, 503, "service temporarily unavailable, retry later\n");
		count_callback(ep->gw, "dlr", 503, 0);
		return;
	}
	/* An unknown id is answered 200 too: retrying it would not help. */
	log_info("dlr %s id=%s state=%s%s", ep->gw->name, id, state, st == 0 ? " (no such message)" : "");
	http_respond_text(res, 200, "ok\n");
	count_callback(ep->gw, "dlr", 200, 0);
}

void
intake_health_handler(void *ctx, const struct http_request *req, struct http_response *res)
{
	struct intake *ix = ctx;
	char line[600];

	(void)req;
	/* Readable is not enough: a locked or read-only database refuses every message. */
	if (store_schema_version(ix->store) <= 0)
		snprintf(line, sizeof line, "store unavailable: %s\n", store_errmsg());
	else if (!store_writable(ix->store))
		snprintf(line, sizeof line, "store not writable: %s\n", store_errmsg());
	else {
		http_respond_text(res, 200, "ok\n");
		return;
	}
	log_warnx("healthz: %.*s", (int)strcspn(line, "\n"), line);
	http_respond_text(res, 503, line);
}

void
intake_metrics_gauges(void *arg, struct metrics_out *out)
{
	static const char *const states[] = { "pending", "sending", "sent", "dead" };
	struct intake *ix = arg;
	char labels[64];
	long n;
	size_t i;

	for (i = 0; i < ARRAY_LEN(states); i++) {
		if ((n = store_outbox_count(ix->store, states[i])) < 0) {
			log_warnx("metrics: outbox rows: %s", store_errmsg());
			return;
		}
		metrics_labels(labels, sizeof labels, "state", states[i], NULL);
		metrics_gauge(out, "aduan_outbox_rows", labels, (double)n);
	}
}

void
intake_metrics_handler(void *ctx, const struct http_request *req, struct http_response *res)
{
	char *text = metrics_render();

	(void)ctx;
	(void)req;
	http_respond(res, 200, "text/plain; version=0.0.4; charset=utf-8", text, strlen(text));
	free(text);
}

/* ---- USSD --------------------------------------------------------------- */

#define USSD_PURGE_AFTER (24 * 3600)    /* sessions older than a day are deleted */

static void
ctx_from_row(const struct conf *c, const struct store_ussd *u, struct ussd_ctx *ctx)
{
	int st = ussd_state_from_name(u->state), rt = ussd_state_from_name(u->resume_to);
	enum lang l = lang_from_code(u->lang);

	memset(ctx, 0, sizeof *ctx);
	ctx->state = st >= 0 ? (enum ussd_state)st : USSD_MAIN;
	ctx->resume_to = rt >= 0 ? (enum ussd_state)rt : USSD_MAIN;
	ctx->lang = l != LANG_NONE ? l : c->default_lang;
	ctx->page = u->page;
	ctx->rule = u->rule >= 0 && (size_t)u->rule < c->nrules ? u->rule : -1;
	str_copy(ctx->location, sizeof ctx->location, u->location);
	str_copy(ctx->description, sizeof ctx->description, u->description);
}

static void
ctx_to_row(const struct ussd_ctx *ctx, struct store_ussd *u)
{
	str_copy(u->state, sizeof u->state, ussd_state_name(ctx->state));
	str_copy(u->resume_to, sizeof u->resume_to, ussd_state_name(ctx->resume_to));
	str_copy(u->lang, sizeof u->lang, lang_code(ctx->lang));
	u->page = ctx->page;
	u->rule = ctx->rule;
	str_copy(u->location, sizeof u->location, ctx->location);
	str_copy(u->description, sizeof u->description, ctx->description);
}

/* The complaint a USSD session confirmed: stored like an SMS one, receipt SMS queued. */
static int
ussd_submit(struct intake *ix, const struct gateway *gw, const struct ussd_in *in,
    const char *phone, struct ussd_ctx *ctx, int64_t now, struct ussd_out *out,
    int64_t *complaint_id, char *ticket_out, const char **agency_out, int *limited)
{
	const struct conf *conf = ix->conf;
	struct route_decision d;
	struct store_complaint c = { 0 };
	struct store_outbox_new ob = { 0 };
	struct vars v = { 0 };
	char receipt_sms[INTAKE_REPLY_MAX], key[200];
	struct guard g;

	/* A USSD complaint takes a token from the phone's bucket like an SMS one. */
	if (guard_check_bucket(conf, ix->store, phone, now, &g) != 0)
		return -1;
	if (g.verdict != GUARD_PASS) {
		var(&v, "shortcode", conf->short_code);
		out->end = 1;
		out->action = USSD_ACT_NONE;
		render(ix, ctx->lang, REPLY_LIMITED, &v, out->screen, sizeof out->screen);
		*limited = 1;
		return guard_save(conf, ix->store, phone, &g, NULL, now);
	}
	if (guard_save(conf, ix->store, phone, &g, NULL, now) != 0)
		return -1;

	route_menu(ix->rt, ctx->rule, ctx->location, strlen(ctx->location), ctx->description,
	    strlen(ctx->description), &d);
	if (ticket_plan(conf, &d, phone, "ussd", ctx->location, strlen(ctx->location),
	    ctx->description, strlen(ctx->description), now, &c) != 0)
		return -1;
	str_copy(c.lang, sizeof c.lang, lang_code(ctx->lang));
	if (ticket_open(conf, ix->store, &d, &c, now) < 0) {
		store_complaint_clear(&c);
		return -1;
	}

	/* The USSD screen vanishes: the same receipt an SMS complaint gets, by SMS. */
	receipt(ix, ctx->lang, &d, c.ticket, receipt_sms, sizeof receipt_sms);
	snprintf(key, sizeof key, "ussd-receipt:%s:%s", gw->name, in->session);
	ob.kind = "sms";
	ob.recipient = phone;
	ob.body = receipt_sms;
	ob.idem_key = key;
	ob.complaint_id = c.id;
	ob.created_at = now;
	if (store_outbox_add(ix->store, &ob) < 0) {
		store_complaint_clear(&c);
		return -1;
	}
	*complaint_id = c.id;
	str_copy(ticket_out, TICKET_DIGITS + 1, c.ticket);
	*agency_out = conf->agencies[d.agency].id;
	ussd_submitted(conf, ctx, c.ticket, conf->agencies[d.agency].short_name, out);
	store_complaint_clear(&c);
	return 0;
}

static int
ussd_lookup(struct intake *ix, const char *phone, struct ussd_ctx *ctx, struct ussd_out *out)
{
	struct store_complaint c = { 0 };
	char date[40], ticket[TICKET_DIGITS + 1];
	int r, st;

	str_copy(ticket, sizeof ticket, out->ticket);
	r = store_complaint_get(ix->store, ticket, &c);
	if (r < 0)
		return -1;
	/* Someone else's ticket reads exactly like one that does not exist. */
	if (r == 0 || strcmp(c.phone, phone) != 0) {
		ussd_status(ix->conf, ctx, 0, ticket, NULL, NULL, NULL, out);
	} else {
		st = conf_status_reply(c.status);
		format_date(c.updated_at, date, sizeof date);
		ussd_status(ix->conf, ctx, 1, ticket,
		    st >= 0 ? ix->conf->replies[ctx->lang][st] : c.status,
		    agency_short(ix->conf, c.agency), date, out);
	}
	store_complaint_clear(&c);
	return 0;
}

/* Dial-through: a first request whose text is menu choices only ("1", "1*3"). */
static int
menu_path(const char *t, size_t len)
{
	size_t i, run = 0;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++) {
		if (t[i] == '*') {
			if (run == 0)
				return 0;
			run = 0;
		} else if (t[i] >= '0' && t[i] <= '9' && run < 2)
			run++;
		else
			return 0;
	}
	return run > 0;
}

/* Runs one input and whatever it asks for.  0, or -1 on a store error. */
static int
ussd_input(struct intake *ix, const struct gateway *gw, const struct ussd_in *in,
    const char *phone, struct ussd_ctx *ctx, const char *input, size_t len, int64_t now,
    struct ussd_out *out, struct store_ussd *row, char *ticket, const char **agency,
    int *limited)
{
	ussd_step(ix->conf, ctx, input, len, out);
	switch (out->action) {
	case USSD_ACT_SUBMIT:
		return ussd_submit(ix, gw, in, phone, ctx, now, out, &row->complaint_id, ticket,
		    agency, limited);
	case USSD_ACT_STATUS:
		return ussd_lookup(ix, phone, ctx, out);
	case USSD_ACT_LANG:
		return store_phone_set(ix->store, phone, -1, lang_code(ctx->lang), now) < 0 ? -1 : 0;
	case USSD_ACT_NONE:
		break;
	}
	return 0;
}

/* The store failed: 503 so the gateway retries, and the request's one log line. */
static int
ussd_unavailable(struct intake_ussd_result *res, const struct gateway *gw, const char *masked,
    const struct ussd_in *in, const struct timespec *t0)
{
	log_error("ussd %s from=%s session=%s command=unavailable store: %s %.1fms", gw->name,
	    masked, in->session, store_errmsg(), elapsed_ms(t0));
	res->status = 503;
	snprintf(res->error, sizeof res->error, "service temporarily unavailable, retry later");
	return res->status;
}

/* One USSD request inside its transaction (ussd_tx), and what came of it. */
struct ussd_tx {
	struct intake *ix;
	const struct gateway *gw;
	const struct ussd_in *in;
	const char *phone;
	int64_t now;
	struct store_ussd *row, *old;
	struct ussd_ctx ctx;
	struct ussd_out out;
	char ticket[TICKET_DIGITS + 1];
	const char *agency;
	const char *what;               /* how a fresh session began */
	int fresh;
	int limited;                    /* the flood guard refused the complaint */
	enum { USSD_TX_STEP, USSD_TX_REPEAT, USSD_TX_ENDED } end;
};

/*
 * Everything a USSD request reads and stores, run by the store's writer
 * (store_run): 0 keep it, 1 nothing new (a repeated request, or a session
 * that is over: the screen to show is in row->last_response), -1 error.
 */
static int
ussd_tx(struct store *s, void *arg)
{
	struct ussd_tx *t = arg;
	struct intake *ix = t->ix;
	const struct conf *conf = ix->conf;
	const struct gateway *gw = t->gw;
	const struct ussd_in *in = t->in;
	struct store_ussd *row = t->row;
	struct ussd_ctx *ctx = &t->ctx;
	struct store_phone pp;
	const char *input = in->text;
	size_t ilen = in->text_len, llen;
	int64_t now = t->now;
	enum lang pref;
	int r;
	static unsigned purge_tick;

	r = store_ussd_get(s, gw->name, in->session, row);
	if (r < 0)
		return -1;
	if (r == 1 && strcmp(row->phone, t->phone) != 0) {
		/* A session id is one phone's; another phone gets its own start. */
		r = 0;
	}
	if (r == 1 && now - row->updated_at <= conf->ussd_session_timeout &&
	    strlen(row->last_text) == in->text_len &&
	    memcmp(row->last_text, in->text, in->text_len) == 0) {
		/* The gateway repeated a request: the same answer, nothing new. */
		t->end = USSD_TX_REPEAT;
		return 1;
	}
	if (r == 1 && row->done) {
		/* Over: whatever comes now, the last screen again. */
		t->end = USSD_TX_ENDED;
		return 1;
	}
	if (store_phone_get(s, t->phone, &pp) < 0)
		return -1;
	pref = lang_from_code(pp.lang);

	if (r == 1 && now - row->updated_at <= conf->ussd_session_timeout) {
		/* The newest input is what follows the text we saw last. */
		ctx_from_row(conf, row, ctx);
		if (in->cumulative) {
			llen = strlen(row->last_text);
			if (llen == 0) {
				input = in->text;
				ilen = in->text_len;
			} else if (in->text_len > llen && memcmp(in->text, row->last_text, llen) == 0 &&
			    in->text[llen] == '*') {
				input = in->text + llen + 1;
				ilen = in->text_len - llen - 1;
			} else {
				const char *star = memrchr(in->text, '*', in->text_len);

				log_warnx("ussd %s session=%s: text does not continue the last one; "
				    "taking its last part", gw->name, in->session);
				input = star ? star + 1 : in->text;
				ilen = in->text_len - (size_t)(input - in->text);
			}
		}
		if (ussd_input(ix, gw, in, t->phone, ctx, input, ilen, now, &t->out, row, t->ticket,
		    &t->agency, &t->limited) != 0)
			return -1;
	} else {
		/* New, expired or unknown session. */
		int expired = r == 1;

		t->fresh = 1;
		t->what = expired ? "expired: fresh menu" : "start";
		memset(row, 0, sizeof *row);
		row->created_at = now;
		if (!expired && menu_path(in->text, in->text_len)) {
			/* Dial-through (*123*1*2#): walk the choices in order. */
			const char *p = in->text, *end = in->text + in->text_len, *star;

			t->what = "dial-through";
			ussd_begin(conf, ctx, pref != LANG_NONE ? pref : conf->default_lang, &t->out);
			while (p < end && !t->out.end) {
				star = memchr(p, '*', (size_t)(end - p));
				if (star == NULL)
					star = end;
				if (ussd_input(ix, gw, in, t->phone, ctx, p, (size_t)(star - p), now,
				    &t->out, row, t->ticket, &t->agency, &t->limited) != 0)
					return -1;
				p = star + 1;
			}
		} else {
			ussd_begin(conf, ctx, pref != LANG_NONE ? pref : conf->default_lang, &t->out);
			if (conf->ussd_resume_window > 0) {
				if (t->old == NULL)
					t->old = xcalloc(1, sizeof *t->old);
				r = store_ussd_find_resumable(s, t->phone, gw->name, in->session,
				    now - conf->ussd_resume_window, t->old);
				if (r < 0)
					return -1;
				if (r == 1) {
					struct ussd_ctx prev;

					ctx_from_row(conf, t->old, &prev);
					if (ussd_resumable(&prev)) {
						t->what = "resume offered";
						*ctx = prev;
						ussd_offer_resume(conf, ctx, &t->out);
					}
					/* Offered once: the old session will not come back again. */
					t->old->resumable = 0;
					t->old->updated_at = now;
					if (store_ussd_put(s, t->old) != 0)
						return -1;
				}
			}
		}
		if (__atomic_add_fetch(&purge_tick, 1, __ATOMIC_RELAXED) % 64 == 0 &&
		    store_ussd_purge(s, now - USSD_PURGE_AFTER) < 0)
			return -1;
	}

	str_copy(row->gateway, sizeof row->gateway, gw->name);
	str_copy(row->id, sizeof row->id, in->session);
	str_copy(row->phone, sizeof row->phone, t->phone);
	ctx_to_row(ctx, row);
	row->done = t->out.end;
	row->resumable = !t->out.end && ussd_resumable(ctx);
	row->updated_at = now;
	if (in->text_len < sizeof row->last_text) {
		memcpy(row->last_text, in->text, in->text_len);
		row->last_text[in->text_len] = '\0';
	}
	snprintf(row->last_response, sizeof row->last_response, "%s%s",
	    t->out.end ? "END " : "CON ", t->out.screen);
	return store_ussd_put(s, row) != 0 ? -1 : 0;
}

int
intake_ussd(struct intake *ix, const struct gateway *gw, const struct ussd_in *in,
    struct intake_ussd_result *res)
{
	const struct conf *conf = ix->conf;
	struct ussd_tx t;
	struct timespec t0;
	char phone[MSISDN_MAX + 44], why[128], masked[32];
	const char *command;
	int r;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(res, 0, sizeof *res);
	memset(&t, 0, sizeof t);
	res->status = 200;
	if (msisdn_normalize(in->phone, conf->country_code, phone, sizeof phone, why,
	    sizeof why) != MSISDN_E164) {
		res->status = 400;
		snprintf(res->error, sizeof res->error, "phoneNumber: %s",
		    why[0] ? why : "not a phone number");
		log_warnx("ussd %s from=%s session=%s command=rejected (%s) %.1fms", gw->name,
		    log_mask_phone(in->phone, masked, sizeof masked), in->session, res->error,
		    elapsed_ms(&t0));
		return res->status;
	}
	log_mask_phone(phone, masked, sizeof masked);
	if (guard_blocked(conf, phone)) {
		/* A USSD screen cannot stay silent: it ends at once, empty, nothing stored. */
		res->end = 1;
		res->screen[0] = '\0';
		metrics_count("aduan_guard_total", 1, "action", "blocked", "channel", "ussd", NULL);
		log_info("ussd %s from=%s session=%s command=blocked: sender on guard.blocklist, "
		    "not stored %.1fms", gw->name, masked, in->session, elapsed_ms(&t0));
		return res->status;
	}
	if (in->text_len > STORE_USSD_TEXT_MAX) {
		/* Far more than any menu needs: end politely, store nothing. */
		res->end = 1;
		str_copy(res->screen, sizeof res->screen, conf->default_lang == LANG_EN ?
		    "Sorry, that answer is too long. Please dial again." :
		    "Maaf, jawaban terlalu panjang. Silakan hubungi lagi.");
		log_warnx("ussd %s from=%s session=%s command=too_long: text of %zu bytes refused "
		    "%.1fms", gw->name, masked, in->session, in->text_len, elapsed_ms(&t0));
		return res->status;
	}

	t.ix = ix;
	t.gw = gw;
	t.in = in;
	t.phone = phone;
	t.now = now_unix();
	t.what = "step";
	t.row = xcalloc(1, sizeof *t.row);
	r = store_run(ix->store, ussd_tx, &t);
	if (r < 0) {
		free(t.row);
		free(t.old);
		return ussd_unavailable(res, gw, masked, in, &t0);
	}
	if (r == 1) {
		res->end = t.end == USSD_TX_ENDED ||
		    strncmp(t.row->last_response, "END ", 4) == 0;
		str_copy(res->screen, sizeof res->screen, t.row->last_response + 4);
		if (t.end == USSD_TX_REPEAT) {
			res->replayed = 1;
			log_info("ussd %s from=%s session=%s command=repeat: stored answer returned "
			    "%.1fms", gw->name, masked, in->session, elapsed_ms(&t0));
		} else
			log_info("ussd %s from=%s session=%s command=ended: last screen returned "
			    "%.1fms", gw->name, masked, in->session, elapsed_ms(&t0));
		free(t.row);
		free(t.old);
		return res->status;
	}
	if (t.ticket[0] && ix->deliver != NULL)
		deliver_wake(ix->deliver);
	if (t.ticket[0] && t.agency != NULL)
		metrics_count("aduan_complaints_created_total", 1, "agency", t.agency,
		    "channel", "ussd", NULL);
	if (t.limited)
		metrics_count("aduan_guard_total", 1, "action", "complaint_limit", "channel", "ussd",
		    NULL);
	res->end = t.out.end;
	str_copy(res->screen, sizeof res->screen, t.out.screen);
	command = t.ticket[0] ? "complaint" : t.limited ? "limited" :
	    t.out.action == USSD_ACT_STATUS ? "status" :
	    t.out.action == USSD_ACT_LANG ? "language" : "menu";
	log_info("ussd %s from=%s session=%s command=%s %s state=%s%s%s%s%s%s %.1fms", gw->name,
	    masked, in->session, command, t.fresh ? t.what : "step", ussd_state_name(t.ctx.state),
	    t.out.end ? " end" : "", t.ticket[0] ? " ticket=" : "", t.ticket,
	    t.agency != NULL ? " agency=" : "", t.agency != NULL ? t.agency : "",
	    elapsed_ms(&t0));
	free(t.row);
	free(t.old);
	return res->status;
}

void
intake_ussd_handler(void *ctx, const struct http_request *req, struct http_response *res)
{
	struct intake_endpoint *ep = ctx;
	struct intake_ussd_result *r;
	struct intake ix;
	const struct live_snap *snap = pin(ep->ix, &ix);
	struct ussd_in in;
	char err[200], line[224];
	int st;

	st = ep->gw->decode_ussd(ix.conf, req, &in, err, sizeof err);
	if (st != 0) {
		log_warnx("ussd %s from peer %s refused with %d: %s", ep->gw->name,
		    http_request_peer(req), st, err);
		snprintf(line, sizeof line, "%s\n", err);
		http_respond_text(res, st, line);
		count_callback(ep->gw, "ussd", st, 0);
		unpin(ep->ix, snap);
		return;
	}
	r = xmalloc(sizeof *r);
	intake_ussd(&ix, ep->gw, &in, r);
	if (r->status != 200) {
		snprintf(line, sizeof line, "%s\n", r->error);
		http_respond_text(res, r->status, line);
	} else
		ep->gw->encode_ussd(r->screen, r->end, res);
	count_callback(ep->gw, "ussd", r->status, r->replayed);
	free(r);
	ussd_in_clear(&in);
	unpin(ep->ix, snap);
}

void
ussd_in_clear(struct ussd_in *in)
{
	free(in->text);
	in->text = NULL;
	in->text_len = 0;
}

const struct gateway *const gateways[] = {
	&gateway_kannel,
	&gateway_africastalking,
	&gateway_twilio,
	&gateway_vonage,
	&gateway_infobip,
	&gateway_generic,
	NULL
};

void
sms_in_clear(struct sms_in *in)
{
	free(in->text);
	in->text = NULL;
	in->text_len = 0;
}
