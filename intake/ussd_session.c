/*
 * ussd_session: one USSD request around the menu machine (ussd.c, pure):
 * the session row in the store keyed by (gateway, session id), the newest
 * input worked out of the gateway's text, a repeated request answered from
 * the row, dial-through and resuming, and what a step asks for: a complaint
 * opened (ticket/open.h) with its receipt SMS in the outbox, a status
 * look-up, a language remembered.  All in one store transaction.
 *
 * On SQLite a step that only moves a session is worked from the session as
 * this process last stored it (ussd_cache.c) and answered at once, its row
 * written after by the store's writer (store_run_later); everything else
 * (a new session, a complaint, a status, a language, a repeat) goes
 * through the store as one transaction, in order after those writes.
 */
#include "intake/internal.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "intake/guard.h"
#include "intake/ussd.h"
#include "sms/msisdn.h"
#include "sms/ticket.h"
#include "ticket/open.h"
#include "util/log.h"
#include "util/metrics.h"
#include "util/util.h"

#define USSD_PURGE_AFTER (24 * 3600)    /* sessions older than a day are deleted */

/* Every 64th new session also purges old ones (ussd_fresh, fresh_from_memory). */
static unsigned purge_tick;

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
	struct reply_vars v = { 0 };
	char receipt_sms[INTAKE_REPLY_MAX], key[200];
	struct guard g;

	/*
	 * A ticket number on the screen is a promise: this step is answered
	 * only once it is on disk, as an SMS complaint (every other step is
	 * answered once in the writer's open batch: store_run_step).
	 */
	store_tx_durable(ix->store);
	/* A USSD complaint takes a token from the phone's bucket like an SMS one. */
	if (guard_check_bucket(conf, ix->store, phone, now, &g) != 0)
		return -1;
	if (g.verdict != GUARD_PASS) {
		reply_var(&v, "shortcode", conf->short_code);
		out->end = 1;
		out->action = USSD_ACT_NONE;
		reply_render(ix, ctx->lang, REPLY_LIMITED, &v, out->screen, sizeof out->screen);
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
	reply_receipt(ix, ctx->lang, &d, c.ticket, receipt_sms, sizeof receipt_sms);
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
		reply_date(c.updated_at, date, sizeof date);
		ussd_status(ix->conf, ctx, 1, ticket,
		    st >= 0 ? ix->conf->replies[ctx->lang][st] : c.status,
		    reply_agency_short(ix->conf, c.agency), date, out);
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

/* The store failed (why): 503 so the gateway retries, and the request's one log line. */
static int
ussd_unavailable(struct intake_ussd_result *res, const struct gateway *gw, const char *masked,
    const struct ussd_in *in, const char *why, const struct timespec *t0)
{
	log_error("ussd %s from=%s session=%s command=unavailable store: %s %.1fms", gw->name,
	    masked, in->session, why, elapsed_ms(t0));
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
	int old_put;                    /* *old was stored (offered to resume, once) */
	int phone_recent;               /* the phone had a request these PHONE_RECENT s */
	int limited;                    /* the flood guard refused the complaint */
	enum { USSD_TX_STEP, USSD_TX_REPEAT, USSD_TX_ENDED } end;
};

/*
 * A live session's newest input: what follows the text we saw last (a
 * gateway that sends the whole path, "1*3*2"), or the whole text.
 */
static void
newest_input(const struct ussd_tx *t, const char **inputp, size_t *ilenp)
{
	const struct gateway *gw = t->gw;
	const struct ussd_in *in = t->in;
	const struct store_ussd *row = t->row;
	const char *input = in->text;
	size_t ilen = in->text_len, llen;

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
	*inputp = input;
	*ilenp = ilen;
}

/* A live session: the menu steps on the newest input.  0, or -1 on a store error. */
static int
ussd_continue(struct ussd_tx *t)
{
	const char *input;
	size_t ilen;

	ctx_from_row(t->ix->conf, t->row, &t->ctx);
	newest_input(t, &input, &ilen);
	return ussd_input(t->ix, t->gw, t->in, t->phone, &t->ctx, input, ilen, t->now, &t->out,
	    t->row, t->ticket, &t->agency, &t->limited);
}

/*
 * A new, expired (expired = 1) or unknown session: a dial-through walked,
 * or the main menu, with an older unfinished session offered to resume.
 * Now and then purges old sessions.  0, or -1 on a store error.
 */
static int
ussd_fresh(struct store *s, struct ussd_tx *t, int expired, enum lang pref)
{
	struct intake *ix = t->ix;
	const struct conf *conf = ix->conf;
	const struct gateway *gw = t->gw;
	const struct ussd_in *in = t->in;
	struct store_ussd *row = t->row;
	struct ussd_ctx *ctx = &t->ctx;
	int64_t now = t->now;
	int r;

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
				t->old_put = 1;
			}
		}
	}
	if (__atomic_add_fetch(&purge_tick, 1, __ATOMIC_RELAXED) % 64 == 0 &&
	    store_ussd_purge(s, now - USSD_PURGE_AFTER) < 0)
		return -1;
	return 0;
}

/* The session's row after a step (t->ctx, t->out), as it is stored. */
static void
row_finish(struct ussd_tx *t)
{
	const struct ussd_in *in = t->in;
	struct store_ussd *row = t->row;

	str_copy(row->gateway, sizeof row->gateway, t->gw->name);
	str_copy(row->id, sizeof row->id, in->session);
	str_copy(row->phone, sizeof row->phone, t->phone);
	ctx_to_row(&t->ctx, row);
	row->done = t->out.end;
	row->resumable = !t->out.end && ussd_resumable(&t->ctx);
	row->updated_at = t->now;
	if (in->text_len < sizeof row->last_text) {
		memcpy(row->last_text, in->text, in->text_len);
		row->last_text[in->text_len] = '\0';
	}
	snprintf(row->last_response, sizeof row->last_response, "%s%s",
	    t->out.end ? "END " : "CON ", t->out.screen);
}

/*
 * Everything a USSD request reads and stores, run by the store's writer
 * (store_run): 0 keep it, 1 nothing new (a repeated request, or a session
 * that is over: the screen to show is in row->last_response), -1 error.
 */
static int
ussd_tx(struct store *s, void *arg)
{
	struct ussd_tx *t = arg;
	const struct conf *conf = t->ix->conf;
	const struct gateway *gw = t->gw;
	const struct ussd_in *in = t->in;
	struct store_ussd *row = t->row;
	struct store_phone pp;
	int64_t now = t->now;
	int r;

	/* Alone for this phone, whichever node runs it (store_lock_phone). */
	if (store_lock_phone(s, t->phone) != 0)
		return -1;
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
		if (row->complaint_id != 0)
			store_tx_durable(s);    /* a ticket number: only once on disk */
		return 1;
	}
	if (r == 1 && row->done) {
		/* Over: whatever comes now, the last screen again. */
		t->end = USSD_TX_ENDED;
		if (row->complaint_id != 0)
			store_tx_durable(s);
		return 1;
	}
	if (r == 1 && now - row->updated_at <= conf->ussd_session_timeout) {
		/* A live session has its language in its row: no phone look-up (perf). */
		if (ussd_continue(t) != 0)
			return -1;
	} else if (store_phone_get(s, t->phone, &pp) < 0 ||
	    ussd_fresh(s, t, r == 1, lang_from_code(pp.lang)) != 0)
		return -1;
	row_finish(t);
	return store_ussd_put(s, row) != 0 ? -1 : 0;
}

/* A step answered from memory, written by the store's writer after (store_run_later). */
static int
put_later(struct store *s, void *arg)
{
	return store_ussd_put(s, arg) != 0 ? -1 : 0;
}

/*
 * The step from the session as this process last stored it (u), when it
 * is a live session's step that only moves the menu: then u holds the new
 * row and 1 comes back.  0 when the store must decide (a new, expired,
 * ended or unknown session, another phone, a repeat, or a step that opens
 * a complaint, looks up a status or remembers a language): t's work is
 * thrown away and ussd_tx does it again from the store's row.
 *
 * A repeat goes to the store too: the store's row may be behind u when
 * the commit of the step repeated failed, and a retry must then be worked
 * again from what is on disk (as without the cache), not answered with a
 * screen whose state is lost.  Repeats are rare; steps are not.
 */
static int
ussd_fast(struct ussd_tx *t, struct ussd_cached *u)
{
	const struct conf *conf = t->ix->conf;
	const struct ussd_in *in = t->in;
	const struct store_ussd *row = &u->row;
	const char *input;
	size_t ilen;

	if (!u->loaded || row->done || strcmp(row->phone, t->phone) != 0 ||
	    t->now - row->updated_at > conf->ussd_session_timeout)
		return 0;
	if (strlen(row->last_text) == in->text_len &&
	    memcmp(row->last_text, in->text, in->text_len) == 0)
		return 0;
	memcpy(t->row, row, sizeof *t->row);
	ctx_from_row(conf, t->row, &t->ctx);
	newest_input(t, &input, &ilen);
	ussd_step(conf, &t->ctx, input, ilen, &t->out);
	if (t->out.action != USSD_ACT_NONE)
		return 0;
	row_finish(t);
	memcpy(&u->row, t->row, sizeof u->row);
	return 1;
}

/*
 * The phones that had a USSD request lately: a slot each, holding the high
 * 40 bits of the phone's hash and the low 24 bits of the second of its
 * last request (a later phone takes the slot).  What the writer has not
 * committed yet was written in the last moments, for a phone in here: a
 * request of such a phone is never answered from what is committed alone
 * (fresh_from_memory), so a call dropped a moment ago is still offered to
 * resume, and a repeated last request of a session that ended is still
 * answered from its row.  Slots are many against the phones of a few
 * milliseconds, so one taken by another phone that soon is rare, and a
 * slot taken wrongly only sends a request through the writer.
 */
#define PHONE_SLOTS   65536             /* 512 kB */
#define PHONE_RECENT  2                 /* seconds: far past any commit's wait */

static _Atomic uint64_t phone_slots[PHONE_SLOTS];

static uint64_t
phone_hash(const char *phone)
{
	return fnv1a(FNV1A_INIT, phone, strlen(phone));
}

static void
phone_mark(const char *phone, int64_t now)
{
	uint64_t h = phone_hash(phone);

	atomic_store_explicit(&phone_slots[h % PHONE_SLOTS],
	    (h & ~0xffffffULL) | ((uint64_t)now & 0xffffff), memory_order_relaxed);
}

static int
phone_recent(const char *phone, int64_t now)
{
	uint64_t h = phone_hash(phone);
	uint64_t v = atomic_load_explicit(&phone_slots[h % PHONE_SLOTS], memory_order_relaxed);

	return (v & ~0xffffffULL) == (h & ~0xffffffULL) &&
	    (((uint64_t)now - v) & 0xffffff) <= PHONE_RECENT;
}

/* Purges the day-old sessions, by the writer, for a new session answered from memory. */
static int
purge_later(struct store *s, void *arg)
{
	return store_ussd_purge(s, *(int64_t *)arg) < 0 ? -1 : 0;
}

/*
 * A new session answered from memory, when a session's first request (no
 * text) comes from a phone with no USSD request these PHONE_RECENT seconds
 * and what is committed shows no row of the session and nothing of the
 * phone's to resume: the main menu in the phone's language, its row stored
 * by the writer after (store_run_later).  1 answered (u holds the row), 0
 * the writer decides.  (perf, issue 18: the first step of every session
 * was one of the two of six that still waited for the writer.)
 */
static int
fresh_from_memory(struct ussd_tx *t, struct ussd_cached *u)
{
	const struct conf *conf = t->ix->conf;
	struct store *s = t->ix->store;
	int64_t since, *cutoff;
	char lang[4];
	enum lang pref;

	if (!u->created || u->loaded || t->in->text_len != 0 || t->phone_recent)
		return 0;
	since = conf->ussd_resume_window > 0 ? t->now - conf->ussd_resume_window : INT64_MAX;
	if (store_ussd_peek_fresh(s, t->gw->name, t->in->session, t->phone, since, lang) != 1)
		return 0;
	pref = lang_from_code(lang);
	t->fresh = 1;
	t->what = "start";
	memset(t->row, 0, sizeof *t->row);
	t->row->created_at = t->now;
	ussd_begin(conf, &t->ctx, pref != LANG_NONE ? pref : conf->default_lang, &t->out);
	row_finish(t);
	memcpy(&u->row, t->row, sizeof u->row);
	u->loaded = 1;
	if (__atomic_add_fetch(&purge_tick, 1, __ATOMIC_RELAXED) % 64 == 0) {
		cutoff = xmalloc(sizeof *cutoff);
		*cutoff = t->now - USSD_PURGE_AFTER;
		(void)store_run_later(s, purge_later, cutoff, free);
	}
	return 1;
}

/*
 * A step sent to the store's writer (u held): the session's other
 * requests go that way too, in order, until it is back (after_store).
 */
static unsigned
to_store(struct ussd_cached *u)
{
	u->loaded = 0;
	u->inflight++;
	return ++u->issued;
}

/*
 * The cache after step seq worked by the store (ussd_tx returned r; u
 * held again, stale: changed behind it meanwhile): the newest step's row,
 * loaded once no step is on the way; nothing after a failure; a session
 * that ended leaves.  An older session offered to resume was changed in
 * the store: reloaded when it comes back.
 */
static void
after_store(struct intake *ix, struct ussd_tx *t, struct ussd_cached *u, unsigned seq,
    int stale, int r)
{
	int drop = 0;

	if (u != NULL) {
		u->inflight--;
		if (seq == u->issued) {
			u->newest_ok = 0;
			if (r >= 0 && t->row->done)
				drop = 1;
			else if (r >= 0 && !stale) {
				memcpy(&u->row, t->row, sizeof u->row);
				u->newest_ok = 1;
			}
		} else if (stale)
			u->newest_ok = 0;
		u->loaded = u->inflight == 0 && u->newest_ok;
		ussd_cache_give(ix->ussd, u, drop);
	}
	if (r >= 0 && t->old_put && ix->ussd != NULL)
		ussd_cache_forget(ix->ussd, t->gw->name, t->old->id);
}

void
intake_start(struct intake *ix)
{
	if (ix->ussd == NULL && !store_is_shared(ix->store))
		ix->ussd = ussd_cache_new();
}

void
intake_stop(struct intake *ix)
{
	ussd_cache_free(ix->ussd);
	ix->ussd = NULL;
}

/*
 * One USSD request on its way: ussd_req_begin's, the writer's (ussd_tx)
 * and ussd_req_end's, which may run on different threads
 * (intake_ussd_start: a parked HTTP request).
 */
struct ussd_work {
	struct ussd_tx t;
	struct intake ix;
	struct intake_ussd_result *res;
	struct timespec t0;
	char phone[MSISDN_MAX + 44];
	char masked[32];
	struct ussd_cached *u;          /* its cache entry, kept (unlocked) while parked */
	unsigned seq;                   /* its number among the session's steps (to_store) */
	int to_writer;                  /* worked by the writer, not from memory */
	int parked;                     /* the caller's request waits for woken */
	struct intake_wait wait;        /* the writer's outcome, or the memory path's */
};

enum { USSD_ANSWERED, USSD_FROM_MEMORY, USSD_TO_WRITER };

/*
 * Everything before the writer: the sender, the blocklist, the length, and
 * a step answered from memory (USSD_FROM_MEMORY: its row queued for the
 * writer).  USSD_TO_WRITER when w->t must run on the writer (ussd_tx),
 * with w->u (if any) held; USSD_ANSWERED when res is final.
 */
static int
ussd_req_begin(struct ussd_work *w, const struct gateway *gw, const struct ussd_in *in)
{
	struct intake *ix = &w->ix;
	const struct conf *conf = ix->conf;
	struct intake_ussd_result *res = w->res;
	struct ussd_tx *t = &w->t;
	char why[128];
	int r;

	clock_gettime(CLOCK_MONOTONIC, &w->t0);
	memset(res, 0, sizeof *res);
	res->status = 200;
	if (msisdn_normalize(in->phone, conf->country_code, w->phone, sizeof w->phone, why,
	    sizeof why) != MSISDN_E164) {
		res->status = 400;
		snprintf(res->error, sizeof res->error, "phoneNumber: %s",
		    why[0] ? why : "not a phone number");
		log_warnx("ussd %s from=%s session=%s command=rejected (%s) %.1fms", gw->name,
		    log_mask_phone(in->phone, w->masked, sizeof w->masked), in->session,
		    res->error, elapsed_ms(&w->t0));
		return USSD_ANSWERED;
	}
	log_mask_phone(w->phone, w->masked, sizeof w->masked);
	if (guard_blocked(conf, w->phone)) {
		/* A USSD screen cannot stay silent: it ends at once, empty, nothing stored. */
		res->end = 1;
		res->screen[0] = '\0';
		metrics_count("aduan_guard_total", 1, "action", "blocked", "channel", "ussd", NULL);
		log_info("ussd %s from=%s session=%s command=blocked: sender on guard.blocklist, "
		    "not stored %.1fms", gw->name, w->masked, in->session, elapsed_ms(&w->t0));
		return USSD_ANSWERED;
	}
	if (in->text_len > STORE_USSD_TEXT_MAX) {
		/* Far more than any menu needs: end politely, store nothing. */
		res->end = 1;
		str_copy(res->screen, sizeof res->screen, conf->default_lang == LANG_EN ?
		    "Sorry, that answer is too long. Please dial again." :
		    "Maaf, jawaban terlalu panjang. Silakan hubungi lagi.");
		log_warnx("ussd %s from=%s session=%s command=too_long: text of %zu bytes refused "
		    "%.1fms", gw->name, w->masked, in->session, in->text_len, elapsed_ms(&w->t0));
		return USSD_ANSWERED;
	}

	t->ix = ix;
	t->gw = gw;
	t->in = in;
	t->phone = w->phone;
	t->now = now_unix();
	t->what = "step";
	t->row = xcalloc(1, sizeof *t->row);
	if (ix->ussd != NULL) {
		/* Seen before any work, so a request racing this one sees it too. */
		t->phone_recent = phone_recent(w->phone, t->now);
		phone_mark(w->phone, t->now);
	}
	w->u = ix->ussd != NULL ? ussd_cache_take(ix->ussd, gw->name, in->session, t->now,
	    conf->ussd_session_timeout) : NULL;
	if (w->u != NULL && (ussd_fast(t, w->u) || fresh_from_memory(t, w->u))) {
		/* Answered now; the writer stores the row after, in order (it frees it). */
		r = store_run_later(ix->store, put_later, t->row, free);
		t->row = NULL;
		if (r < 0)
			w->u->loaded = 0;
		ussd_cache_give(ix->ussd, w->u, 0);
		w->u = NULL;
		w->wait.ret = r;
		return USSD_FROM_MEMORY;
	}
	memset(t->row, 0, sizeof *t->row);
	memset(&t->ctx, 0, sizeof t->ctx);
	memset(&t->out, 0, sizeof t->out);
	if (w->u != NULL)
		w->seq = to_store(w->u);
	w->to_writer = 1;
	return USSD_TO_WRITER;
}

/* What came of it (r: the writer's outcome, or the memory path's), with w->u held: res->status. */
static int
ussd_req_end(struct ussd_work *w, int r, const char *err, int stale)
{
	struct intake *ix = &w->ix;
	struct ussd_tx *t = &w->t;
	const struct gateway *gw = t->gw;
	const struct ussd_in *in = t->in;
	struct intake_ussd_result *res = w->res;
	const char *command;

	if (w->to_writer)
		after_store(ix, t, w->u, w->seq, stale, r);
	w->u = NULL;
	if (r < 0)
		return ussd_unavailable(res, gw, w->masked, in, err, &w->t0);
	if (r == 1) {
		res->end = t->end == USSD_TX_ENDED ||
		    strncmp(t->row->last_response, "END ", 4) == 0;
		str_copy(res->screen, sizeof res->screen, t->row->last_response + 4);
		if (t->end == USSD_TX_REPEAT) {
			res->replayed = 1;
			log_info("ussd %s from=%s session=%s command=repeat: stored answer returned "
			    "%.1fms", gw->name, w->masked, in->session, elapsed_ms(&w->t0));
		} else
			log_info("ussd %s from=%s session=%s command=ended: last screen returned "
			    "%.1fms", gw->name, w->masked, in->session, elapsed_ms(&w->t0));
		return res->status;
	}
	if (t->ticket[0] && ix->deliver != NULL)
		deliver_wake(ix->deliver);
	if (t->ticket[0] && t->agency != NULL)
		metrics_count("aduan_complaints_created_total", 1, "agency", t->agency,
		    "channel", "ussd", NULL);
	if (t->limited)
		metrics_count("aduan_guard_total", 1, "action", "complaint_limit", "channel", "ussd",
		    NULL);
	res->end = t->out.end;
	str_copy(res->screen, sizeof res->screen, t->out.screen);
	command = t->ticket[0] ? "complaint" : t->limited ? "limited" :
	    t->out.action == USSD_ACT_STATUS ? "status" :
	    t->out.action == USSD_ACT_LANG ? "language" : "menu";
	log_info("ussd %s from=%s session=%s command=%s %s state=%s%s%s%s%s%s %.1fms", gw->name,
	    w->masked, in->session, command, t->fresh ? t->what : "step",
	    ussd_state_name(t->ctx.state), t->out.end ? " end" : "",
	    t->ticket[0] ? " ticket=" : "", t->ticket, t->agency != NULL ? " agency=" : "",
	    t->agency != NULL ? t->agency : "", elapsed_ms(&w->t0));
	return res->status;
}

static void
ussd_work_free(struct ussd_work *w)
{
	free(w->t.row);
	free(w->t.old);
	free(w);
}

struct ussd_work *
intake_ussd_start(struct intake *ix, const struct gateway *gw, const struct ussd_in *in,
    struct intake_ussd_result *res, int (*park)(void *), void *park_arg, intake_woken_fn woken,
    void *woken_arg, int *parked)
{
	struct ussd_work *w = xcalloc(1, sizeof *w);
	int st;

	*parked = 0;
	w->ix = *ix;
	w->res = res;
	w->wait.woken = woken;
	w->wait.arg = woken_arg;
	st = ussd_req_begin(w, gw, in);
	if (st == USSD_ANSWERED)
		w->wait.ret = 2;     /* res is final */
	else if (st == USSD_TO_WRITER && park(park_arg) == 0) {
		/* Not held while parked: the session's next request may come on this thread. */
		*parked = w->parked = 1;
		if (w->u != NULL)
			ussd_cache_unlock(w->u);
		store_run_async(ix->store, ussd_tx, &w->t, 1, intake_written, &w->wait);
	} else if (st == USSD_TO_WRITER)
		w->wait.ret = store_run_step(ix->store, ussd_tx, &w->t);     /* w->u held */
	return w;
}

int
intake_ussd(struct intake *ix, const struct gateway *gw, const struct ussd_in *in,
    struct intake_ussd_result *res)
{
	int parked;

	return intake_ussd_end(intake_ussd_start(ix, gw, in, res, intake_no_park, NULL, NULL, NULL,
	    &parked));
}

int
intake_ussd_end(struct ussd_work *w)
{
	int st, stale = 0;

	if (w == NULL)
		return 0;
	if (w->wait.ret == 2)
		st = w->res->status;
	else {
		if (w->parked && w->u != NULL)
			stale = ussd_cache_relock(w->u);
		st = ussd_req_end(w, w->wait.ret, w->parked ? w->wait.err : store_errmsg(), stale);
	}
	ussd_work_free(w);
	return st;
}
