/*
 * sms: the SMS use case, one inbound message from decoded parameters to the
 * reply: normalise the sender, dedup, read (parse and plan the complaint
 * before the transaction), flood and loop guard, the command (a complaint
 * opened by ticket/open.h; STATUS, TAMBAH, BATAL; help, STOP, language),
 * the message row, with every write of that message in one store
 * transaction.  The reply is only handed back after the commit, so a ticket
 * number a citizen reads is on disk.  The reply texts are reply.c's; the
 * parts of a long message are kept and joined by parts.c.
 */
#include "intake/internal.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "intake/guard.h"
#include "routing/decide.h"
#include "sms/msisdn.h"
#include "sms/parse.h"
#include "sms/ticket.h"
#include "ticket/change.h"
#include "ticket/open.h"
#include "util/log.h"
#include "util/metrics.h"
#include "util/util.h"

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

/*
 * The gateway ids this process stored lately, a 64-bit hash each in a slot
 * of its own (a later id takes the slot).  A callback whose id is not here
 * is not a retry of one of them: it skips the look-up on the reading
 * connection and goes to the writer, whose transaction looks again and
 * answers a retry of anything older (stored before a restart, or by
 * another node) from there.  A new message, nearly every callback, no
 * longer pays for that look-up (perf: the 64 HTTP threads queued on the
 * reading connection's lock, and each look-up reread index pages from the
 * WAL: futex, fcntl and pread calls).  A retry of a recent message is
 * answered without the writer, as before.
 */
#define SEEN_SLOTS 65536                /* 512 kB */

static _Atomic uint64_t seen_ids[SEEN_SLOTS];

static uint64_t
seen_hash(const char *gateway, const char *id)
{
	uint64_t h = gateway_key_hash(gateway, id);

	return h != 0 ? h : 1;
}

static int
seen_maybe(uint64_t h)
{
	return atomic_load_explicit(&seen_ids[h % SEEN_SLOTS], memory_order_relaxed) == h;
}

static void
seen_add(uint64_t h)
{
	atomic_store_explicit(&seen_ids[h % SEEN_SLOTS], h, memory_order_relaxed);
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
	struct reply_vars v = { 0 };
	char note[INTAKE_REPLY_MAX];
	int r, rc = 0;

	o->command = cmd->cmd == SMS_STATUS ? "status" : cmd->cmd == SMS_ADD ? "add" : "cancel";
	reply_var(&v, "command", cmd->word);
	reply_var(&v, "ticket", cmd->ticket);
	switch (cmd->ticket_state) {
	case TICKET_READ_NONE:
	case TICKET_READ_MALFORMED:
		reply_render(ix, l, REPLY_BAD_TICKET, &v, out, outsz);
		return 0;
	case TICKET_READ_MISTYPED:
		reply_render(ix, l, REPLY_MISTYPED, &v, out, outsz);
		return 0;
	case TICKET_READ_OK:
		break;
	}
	r = store_complaint_get(ix->store, cmd->ticket, &c);
	if (r < 0)
		return -1;
	/* Someone else's ticket reads exactly like a ticket that does not exist. */
	if (r == 0 || strcmp(c.phone, phone) != 0) {
		reply_render(ix, l, REPLY_NOT_FOUND, &v, out, outsz);
		store_complaint_clear(&c);
		return 0;
	}
	o->complaint_id = c.id;
	str_copy(o->ticket, sizeof o->ticket, c.ticket);
	if ((r = (int)conf_agency_find(ix->conf, c.agency)) >= 0)
		o->agency = ix->conf->agencies[r].id;   /* for the log line */
	reply_var(&v, "status", conf_status_reply(c.status) >= 0 ?
	    ix->conf->replies[l][conf_status_reply(c.status)] : c.status);
	switch (cmd->cmd) {
	case SMS_STATUS:
		r = store_last_agency_note(ix->store, c.id, note, sizeof note);
		if (r < 0) {
			rc = -1;
			break;
		}
		reply_status(ix, l, &c, r == 1 ? note : NULL, out, outsz);
		break;
	case SMS_ADD:
		if (cmd->note.len == 0)
			reply_render(ix, l, REPLY_ADD_EMPTY, &v, out, outsz);
		else if (is_closed(c.status))
			reply_render(ix, l, REPLY_ALREADY_CLOSED, &v, out, outsz);
		else {
			char *text = xstrndup(cmd->note.p, cmd->note.len);
			int queued = 0;

			/* Within the reporter's window a resolved ticket is reopened. */
			r = ticket_citizen_add(ix->conf, ix->store, &c, text, now, &queued);
			free(text);
			o->queued = queued;
			if (r < 0) {
				rc = -1;
				break;
			}
			reply_var(&v, "agency", reply_agency_short(ix->conf, c.agency));
			reply_render(ix, l, r == 1 ? REPLY_REOPENED : REPLY_ADDED, &v, out, outsz);
			if (r == 1)
				o->command = "reopen";
		}
		break;
	default:
		if (is_closed(c.status) || strcmp(c.status, "resolved") == 0)
			reply_render(ix, l, REPLY_ALREADY_CLOSED, &v, out, outsz);
		else {
			rc = store_event_add(ix->store, c.id, now, "citizen", "withdrawn",
			    "withdrawn by the reporter (BATAL)");
			if (rc == 0 && (rc = ticket_queue_citizen(ix->conf, ix->store, &c,
			    "withdrawn", "withdrawn by the reporter (BATAL)", now)) > 0) {
				o->queued = 1;
				rc = 0;
			}
			reply_render(ix, l, REPLY_WITHDRAWN, &v, out, outsz);
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
	struct reply_vars v = { 0 };
	enum lang l;
	int r;

	l = cmd_lang != LANG_NONE ? cmd_lang : d->lang != LANG_NONE ? d->lang : base;
	o->lang = cmd_lang != LANG_NONE ? cmd_lang : d->lang;
	reply_var(&v, "shortcode", conf->short_code);

	if (p->what == ROUTE_SMS_NEED_TEXT) {
		o->command = "complaint_empty";
		reply_var(&v, "keyword", conf->rules[d->rule].keyword);
		reply_render(ix, l, REPLY_NEED_TEXT, &v, out, outsz);
		return 0;
	}
	if (p->what == ROUTE_SMS_HELP) {
		o->command = "help";
		reply_help(ix, l, out, outsz);
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

	reply_receipt(ix, l, d, c->ticket, out, outsz);
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
	struct reply_vars v = { 0 };
	enum lang l;

	/* A complaint's language, as complaint() would answer it. */
	l = rd->cmd.lang != LANG_NONE ? rd->cmd.lang : d->lang != LANG_NONE ? d->lang : base;
	reply_var(&v, "shortcode", ix->conf->short_code);
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
		reply_var(&v, "ticket", g->ticket);
		reply_render(ix, l, REPLY_DUPLICATE, &v, out, outsz);
		return 1;
	case GUARD_LIMITED:
		o->command = "limited";
		o->guard = "complaint_limit";
		reply_render(ix, l, REPLY_LIMITED, &v, out, outsz);
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
	struct reply_vars v = { 0 };
	enum lang pref, base;
	int rc = 0;

	if (store_phone_get(ix->store, phone, &pp) < 0)
		return -1;
	pref = lang_from_code(pp.lang);
	base = cmd->lang != LANG_NONE ? cmd->lang : pref != LANG_NONE ? pref : ix->conf->default_lang;
	o->lang = cmd->lang;
	reply_var(&v, "shortcode", ix->conf->short_code);

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
		reply_help(ix, base, out, outsz);
		break;
	case SMS_STOP:
	case SMS_START:
		o->command = cmd->cmd == SMS_STOP ? "stop" : "start";
		if (store_phone_set(ix->store, phone, cmd->cmd == SMS_START, NULL, now) < 0)
			return -1;
		reply_render(ix, base, cmd->cmd == SMS_STOP ? REPLY_STOPPED : REPLY_STARTED, &v,
		    out, outsz);
		break;
	case SMS_LANG:
		o->command = "language";
		if (cmd->set_lang == LANG_NONE) {
			reply_render(ix, base, REPLY_LANG_HOW, &v, out, outsz);
			break;
		}
		/* Remembered below like any language the citizen chose. */
		o->lang = cmd->set_lang;
		reply_render(ix, cmd->set_lang, REPLY_LANG_SET, &v, out, outsz);
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
			reply_render(ix, base, REPLY_CAPPED, &v, out, outsz);
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

/* The store failed: 503 so the gateway retries, and the message's one log line. */
static int
unavailable(struct intake_result *res, const struct gateway *gw, const char *masked,
    const char *why, const struct timespec *t0)
{
	log_error("sms %s from=%s command=unavailable store: %s %.1fms", gw->name, masked,
	    why, elapsed_ms(t0));
	res->status = 503;
	res->reply[0] = '\0';
	snprintf(res->error, sizeof res->error, "service temporarily unavailable, retry later");
	return res->status;
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

	/*
	 * Alone for this phone, whichever node runs it: the parts of a long
	 * SMS, a gateway's retry and the guard's counters are read after it.
	 */
	if (store_lock_phone(s, t->phone) != 0)
		return -1;
	if (t->in->concat_total > 1) {
		/*
		 * A part of a long message: kept, joined and handled in this
		 * one transaction, so a failure leaves the parts for the retry.
		 */
		r = parts_join(ix, t->gw, t->in, t->wholep);
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
		/*
		 * Its first callback may be in the open batch: the reply (a
		 * ticket number) is shown once that batch is on disk.
		 */
		if (r == 1)
			store_tx_durable(s);
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

/*
 * One message on its way through the store: sms_begin's, the writer's
 * (sms_tx) and sms_end's, which may run on different threads
 * (intake_sms_start: a parked HTTP request).
 */
struct sms_work {
	struct sms_tx t;
	struct intake ix;
	struct sms_in whole;            /* a long message's parts, joined */
	struct reading rd;
	struct timespec t0;
	char phone[MSISDN_MAX + 44];
	char masked[32];
	uint64_t h;                     /* seen_hash of the gateway's id, or 0 */
	int parked;                     /* the caller's request waits for woken */
	struct intake_wait wait;        /* the writer's outcome, or how it was answered */
};

enum { SMS_ANSWERED, SMS_FOUND, SMS_TO_WRITER };

/*
 * Everything before the writer: the sender, the blocklist, a retry found
 * in the committed data (SMS_FOUND), the message read and routed.
 * SMS_TO_WRITER when w->t must run on the writer (sms_tx), SMS_ANSWERED
 * when res is final.
 */
static int
sms_begin(struct sms_work *w, const struct gateway *gw, const struct sms_in *in,
    struct intake_result *res)
{
	struct intake *ix = &w->ix;
	struct sms_tx *t = &w->t;
	char why[128];
	int r;

	clock_gettime(CLOCK_MONOTONIC, &w->t0);
	memset(res, 0, sizeof *res);
	res->status = 200;
	t->ix = ix;
	t->gw = gw;
	t->in = in;
	t->wholep = &w->whole;
	t->rd = &w->rd;
	t->phone = w->phone;
	t->now = now_unix();
	t->gwid = in->id[0] ? in->id : NULL;
	t->res = res;

	t->kind = msisdn_normalize(in->from, ix->conf->country_code, w->phone,
	    sizeof w->phone, why, sizeof why);
	log_mask_phone(t->kind == MSISDN_INVALID ? in->from : w->phone, w->masked,
	    sizeof w->masked);
	if (t->kind == MSISDN_INVALID) {
		res->status = 400;
		snprintf(res->error, sizeof res->error, "from: %s", why);
		log_warnx("sms %s from=%s command=rejected (%s) %.1fms", gw->name, w->masked,
		    res->error, elapsed_ms(&w->t0));
		return SMS_ANSWERED;
	}

	/* Blocklisted: silence, and nothing stored (not a complaint, not a message). */
	if (t->kind == MSISDN_E164 && guard_blocked(ix->conf, w->phone)) {
		metrics_count("aduan_guard_total", 1, "action", "blocked", "channel", "sms", NULL);
		log_info("sms %s from=%s command=blocked: sender on guard.blocklist, not stored "
		    "nor answered %.1fms", gw->name, w->masked, elapsed_ms(&w->t0));
		return SMS_ANSWERED;
	}

	/*
	 * A retried callback whose message is stored is answered from the
	 * committed data, without the writer; one not yet committed is found
	 * again inside the transaction.
	 */
	w->h = t->gwid != NULL ? seen_hash(gw->name, t->gwid) : 0;
	r = in->concat_total <= 1 && w->h != 0 && seen_maybe(w->h) ?
	    store_message_seen(ix->store, gw->name, t->gwid, w->phone, res->reply,
	    sizeof res->reply) : 0;
	if (r < 0) {
		unavailable(res, gw, w->masked, store_errmsg(), &w->t0);
		return SMS_ANSWERED;
	}
	if (r == 1)
		return SMS_FOUND;
	/* A whole message is read before the transaction, so the others need not wait for it. */
	if (in->concat_total <= 1 && t->kind != MSISDN_ALPHA &&
	    read_message(ix, w->phone, in, t->now, &w->rd) != 0) {
		unavailable(res, gw, w->masked, store_errmsg(), &w->t0);
		return SMS_ANSWERED;
	}
	return SMS_TO_WRITER;
}

/* What came of it (r: sms_tx's outcome, or 1 for SMS_FOUND): logged, counted, res->status. */
static int
sms_end(struct sms_work *w, int r, const char *err)
{
	struct intake *ix = &w->ix;
	const struct sms_tx *t = &w->t;
	const struct gateway *gw = t->gw;
	const struct sms_in *in = t->in;
	struct intake_result *res = t->res;
	const struct outcome *o = &t->o;

	if (r < 0)
		return unavailable(res, gw, w->masked, err, &w->t0);
	if (w->h != 0 && in->concat_total <= 1)
		seen_add(w->h);         /* stored, or found stored: its retries skip the writer */
	if (r == 1) {
		res->replayed = 1;
		log_info("sms %s from=%s command=retry id=%s: stored reply returned %.1fms",
		    gw->name, w->masked, t->gwid, elapsed_ms(&w->t0));
		return res->status;
	}
	if (t->part_kept) {
		log_info("sms %s from=%s command=part %d of %d of message %s kept %.1fms",
		    gw->name, w->masked, in->concat_part, in->concat_total, in->concat_ref,
		    elapsed_ms(&w->t0));
		return res->status;
	}
	if (strcmp(o->command, "complaint") == 0)
		metrics_count("aduan_complaints_created_total", 1, "agency", o->agency,
		    "channel", "sms", NULL);
	if (o->guard != NULL)
		metrics_count("aduan_guard_total", 1, "action", o->guard, "channel", "sms", NULL);
	if (o->loop_started)
		log_warnx("sms %s from=%s: auto-reply loop (%s): its messages are kept and no "
		    "longer answered", gw->name, w->masked, o->guard_why);
	if ((o->queued || (!gw->reply_inline && res->reply[0] != '\0')) && ix->deliver != NULL)
		deliver_wake(ix->deliver);
	log_info("sms %s from=%s command=%s%s%s%s%s%s%s%s%s%s %.1fms", gw->name, w->masked,
	    o->command, o->ticket[0] ? " ticket=" : "", o->ticket,
	    o->agency ? " agency=" : "", o->agency ? o->agency : "",
	    o->rule ? " rule=" : "", o->rule ? o->rule : "",
	    o->guard ? " guard=" : "", o->guard ? o->guard : "",
	    o->guard && res->reply[0] == '\0' ? " (no reply)" : "", elapsed_ms(&w->t0));
	return res->status;
}

static void
sms_work_free(struct sms_work *w)
{
	reading_clear(&w->rd);
	sms_in_clear(&w->whole);
	free(w);
}

struct sms_work *
intake_sms_start(struct intake *ix, const struct gateway *gw, const struct sms_in *in,
    struct intake_result *res, int (*park)(void *), void *park_arg, intake_woken_fn woken,
    void *woken_arg, int *parked)
{
	struct sms_work *w = xcalloc(1, sizeof *w);
	int st;

	*parked = 0;
	w->ix = *ix;
	w->wait.woken = woken;
	w->wait.arg = woken_arg;
	w->wait.ret = 1;        /* SMS_FOUND: a retry answered from the store */
	store_expect(ix->store);
	st = sms_begin(w, gw, in, res);
	if (st == SMS_ANSWERED)
		w->wait.ret = 2;        /* res is final */
	else if (st == SMS_TO_WRITER && park(park_arg) == 0) {
		*parked = w->parked = 1;
		store_run_async(ix->store, sms_tx, &w->t, 0, intake_written, &w->wait);
	} else if (st == SMS_TO_WRITER)
		w->wait.ret = store_run(ix->store, sms_tx, &w->t);
	store_expect_end(ix->store);    /* refused before the store */
	return w;
}

int
intake_sms(struct intake *ix, const struct gateway *gw, const struct sms_in *in,
    struct intake_result *res)
{
	int parked;

	return intake_sms_end(intake_sms_start(ix, gw, in, res, intake_no_park, NULL, NULL, NULL,
	    &parked));
}

int
intake_sms_end(struct sms_work *w)
{
	int st;

	if (w == NULL)
		return 0;
	st = w->wait.ret == 2 ? w->t.res->status :
	    sms_end(w, w->wait.ret, w->parked ? w->wait.err : store_errmsg());
	sms_work_free(w);
	return st;
}
