/*
 * ticket/hub: forwarding a ticket to the hub (the outbox row) and
 * following the hub's status back.  See hub.h.
 *
 * The row's body is a JSON object of the form fields the hub is POSTed
 * (service_code, description, address_string, phone), without the
 * api_key: the key is a secret and the outbox is listed (`aduan outbox`),
 * so outbox/deliver.c adds it when it writes the form.
 *
 * Following: a pass lists the forwarded tickets due (store_hub_due), asks
 * the hub for each outside any lock, and writes what it learnt in a
 * transaction per ticket (the change, the fingerprint of what was applied
 * and the next poll together), so a crash between them repeats a poll,
 * never a change.  The fingerprint ("seen") is
 * "<mapped status>|<SHA-256 of the note, 16 hex>|<updated_datetime>".
 */
#include "ticket/hub.h"

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf/live.h"
#include "outbox/deliver.h"
#include "outbox/hub.h"
#include "ticket/change.h"
#include "ticket/json.h"
#include "ticket/lifecycle.h"
#include "util/crypto.h"
#include "util/log.h"
#include "util/util.h"

#define HUB_BATCH       32              /* tickets asked for per pass */
#define HUB_BY          "hub"           /* who acted, in the history */
#define NO_LOCATION     "(lokasi di deskripsi)"
#define HUB_DOWN        2               /* poll_one: the hub did not answer */

int
ticket_hub_queue(const struct conf *c, struct store *s, const struct store_complaint *cm,
    int64_t now)
{
	struct store_outbox_new ob = { 0 };
	const char *code = conf_hub_code(c, cm->keyword, cm->agency);
	char key[64], *body;
	json_t *j;
	int r;

	if (code == NULL)
		return 0;
	j = ticket_must(json_pack("{s:s, s:o, s:o}", "service_code", code,
	    "description", ticket_jstr(cm->description != NULL ? cm->description : ""),
	    "address_string", ticket_jstr(cm->location != NULL && *cm->location != '\0' ?
	    cm->location : NO_LOCATION)));
	if (c->hub_send_phone && cm->phone[0] == '+')
		json_object_set_new(j, "phone", ticket_jstr(cm->phone));
	body = ticket_dump(j);
	json_decref(j);
	(void)snprintf(key, sizeof key, "hub:%s", cm->ticket);
	ob.kind = "hub";
	ob.recipient = "hub";
	ob.body = body;
	ob.idem_key = key;
	ob.complaint_id = cm->id;
	ob.created_at = now;
	r = store_outbox_add(s, &ob);
	free(body);
	return r;
}

/* ---- reading the hub's answer ------------------------------------------- */

/* A string member (or a number, as text) of o into out; "" when absent or null. */
static void
member_text(const json_t *o, const char *name, char *out, size_t outsz)
{
	const json_t *v = o != NULL ? json_object_get(o, name) : NULL;
	const char *t;
	size_t n;

	out[0] = '\0';
	if (json_is_integer(v)) {
		(void)snprintf(out, outsz, "%lld", (long long)json_integer_value(v));
		return;
	}
	if (!json_is_string(v))
		return;
	t = json_string_value(v);
	n = utf8_cut(t, strlen(t), outsz - 1);
	memcpy(out, t, n);
	out[n] = '\0';
}

int
ticket_hub_read(const char *body, size_t len, struct ticket_hub_view *v, char *err,
    size_t errsz)
{
	static const char *const same[] = { "in_progress", "deferred", "resolved", "rejected" };
	json_t *j = json_loadb(body, len, 0, NULL), *o, *ext;
	char st[32];
	size_t i;

	memset(v, 0, sizeof *v);
	o = json_is_array(j) ? json_array_get(j, 0) : NULL;
	if (!json_is_object(o)) {
		json_decref(j);
		return errf(err, errsz, "the answer is not a GeoReport array of one request");
	}
	member_text(o, "service_request_id", v->id, sizeof v->id);
	member_text(o, "updated_datetime", v->updated, sizeof v->updated);
	ext = json_object_get(o, "extended_attributes");
	if (json_is_object(ext) && json_is_string(json_object_get(ext, "aduan_status"))) {
		member_text(ext, "aduan_status", st, sizeof st);
		member_text(ext, "status_note", v->note, sizeof v->note);
		for (i = 0; i < ARRAY_LEN(same); i++)
			if (strcmp(st, same[i]) == 0)
				(void)str_copy(v->status, sizeof v->status, st);
		if (strcmp(st, "closed") == 0)
			(void)str_copy(v->status, sizeof v->status, "resolved");
	} else {
		member_text(o, "status", st, sizeof st);
		member_text(o, "status_notes", v->note, sizeof v->note);
		if (strcmp(st, "closed") == 0)
			(void)str_copy(v->status, sizeof v->status, "resolved");
		else if (strcmp(st, "open") == 0 && v->note[0] != '\0')
			(void)str_copy(v->status, sizeof v->status, "in_progress");
	}
	json_decref(j);
	return 0;
}

/* ---- following ---------------------------------------------------------- */

/* Set while the hub does not answer: logged once per outage. */
static atomic_int hub_down;

/* "<status>|<16 hex of SHA-256(note)>|<updated>" into out. */
static void
fingerprint(const struct ticket_hub_view *v, char *out, size_t outsz)
{
	char h[2 * CRYPTO_SHA256_LEN + 1];

	crypto_sha256_hex(v->note, strlen(v->note), h);
	(void)snprintf(out, outsz, "%s|%.16s|%.200s", v->status, h, v->updated);
}

/* The part of a fingerprint up to its second '|' (status and note), its length. */
static size_t
what_of(const char *seen)
{
	const char *p = strchr(seen, '|');

	p = p != NULL ? strchr(p + 1, '|') : NULL;
	return p != NULL ? (size_t)(p - seen) : strlen(seen);
}

/* The wait after this one when nothing changed. */
static int
longer(const struct conf *c, int interval)
{
	int64_t next = (int64_t)(interval > 0 ? interval : c->hub_poll_seconds) * 2;

	return next > c->hub_poll_max_seconds ? c->hub_poll_max_seconds : (int)next;
}

/*
 * Applies v to the ticket of link l in a transaction: the change (a status
 * the lifecycle allows from where the ticket is, else a new note alone),
 * the fingerprint, the next poll.  1 changed, 0 nothing to change, -1.
 */
static int
apply_view(const struct conf *c, struct store *s, const struct store_hub_link *l,
    const struct ticket_hub_view *v, const char *seen, int64_t now)
{
	struct store_complaint cm;
	struct ticket_request rq = { 0 };
	struct ticket_error err;
	size_t a = what_of(seen), b = what_of(l->seen);
	const char *pb;
	char oldnote[24], newnote[24];
	int cur, to, r, changed = 0;

	if (store_begin(s) != 0)
		return -1;
	/*
	 * Several nodes poll: one applies an answer, the others find the
	 * fingerprint moved on and apply nothing (no second event, no
	 * second SMS to the citizen).
	 */
	if ((r = store_hub_seen_swap(s, l->complaint_id, l->seen, seen)) != 1) {
		store_rollback(s);
		return r;
	}
	if ((r = store_complaint_get(s, l->ticket, &cm)) != 1) {
		store_rollback(s);
		return r;
	}
	/* The note's hash is what follows the first '|' of each fingerprint. */
	pb = strchr(l->seen, '|');
	(void)snprintf(oldnote, sizeof oldnote, "%.16s", pb != NULL ? pb + 1 : "");
	pb = strchr(seen, '|');
	(void)snprintf(newnote, sizeof newnote, "%.16s", pb != NULL ? pb + 1 : "");
	if (a != b || memcmp(seen, l->seen, a) != 0) {
		cur = lifecycle_from_name(cm.status);
		to = v->status[0] != '\0' ? lifecycle_from_name(v->status) : -1;
		rq.agency = cm.agency;
		rq.by = HUB_BY;
		if (to >= 0 && to != cur && cur >= 0 &&
		    lifecycle_agency_may((enum lc_status)cur, (enum lc_status)to))
			rq.status = v->status;
		/*
		 * A note only when it is new: an Aduan hub repeats its newest
		 * note with every later status, which the citizen has read.
		 */
		if (v->note[0] != '\0' && strcmp(oldnote, newnote) != 0)
			rq.note = v->note;
		if (rq.status != NULL || rq.note != NULL) {
			if (ticket_request_apply(c, s, &cm, &rq, now, &err) != 0) {
				if (err.kind == TICKET_STORE) {
					store_complaint_clear(&cm);
					store_rollback(s);
					return -1;
				}
				log_warnx("ticket %s: the hub's %s%s not applied: %s", cm.ticket,
				    v->status[0] != '\0' ? v->status : "note", rq.note != NULL &&
				    v->status[0] != '\0' ? " with a note" : "", err.msg);
			} else
				changed = 1;
		}
	}
	store_complaint_clear(&cm);
	if (store_hub_polled(s, l->complaint_id, now + c->hub_poll_seconds, c->hub_poll_seconds,
	    seen, NULL) != 0) {
		store_rollback(s);
		return -1;
	}
	if (store_commit(s) != 0)
		return -1;
	return changed;
}

/*
 * One forwarded ticket: ask, compare, apply.  1 changed, 0 not, HUB_DOWN
 * the hub did not answer (the ticket's wait grew), -1 store error.
 */
static int
poll_one(const struct conf *c, struct store *s, const struct store_hub_link *l, int64_t now)
{
	struct hub_answer res;
	struct ticket_hub_view v;
	char seen[sizeof l->seen], why[160];
	int r, next = longer(c, l->interval);

	if (l->hub_id[0] == '\0' && l->token[0] == '\0')
		return store_hub_polled(s, l->complaint_id, now + c->hub_poll_max_seconds,
		    c->hub_poll_max_seconds, NULL, NULL) == 0 ? 0 : -1;
	r = l->hub_id[0] != '\0' ? hub_get(c, "requests", l->hub_id, &res) :
	    hub_get(c, "tokens", l->token, &res);
	if (r == 1) {
		if (atomic_exchange(&hub_down, 1) == 0)
			log_warnx("hub %s does not answer (%s%s%.200s): following its tickets on "
			    "with back-off, up to %d s", c->hub_url, res.status != 0 ? "HTTP " : "",
			    res.status != 0 ? (res.status >= 500 ? "5xx: " : "429: ") : "", res.why,
			    c->hub_poll_max_seconds);
		hub_answer_clear(&res);
		return store_hub_polled(s, l->complaint_id, now + next, next, NULL, NULL) == 0 ?
		    HUB_DOWN : -1;
	}
	if (atomic_exchange(&hub_down, 0) == 1)
		log_info("hub %s answers again", c->hub_url);
	if (r == 2 || ticket_hub_read(res.body, res.len, &v, why, sizeof why) != 0) {
		if (r == 2)
			(void)str_copy(why, sizeof why, res.why);
		log_warnx("ticket %s: hub request %s: HTTP %ld: %s; asked again in %d s", l->ticket,
		    l->hub_id[0] != '\0' ? l->hub_id : l->token, res.status, why, next);
		hub_answer_clear(&res);
		return store_hub_polled(s, l->complaint_id, now + next, next, NULL, NULL) == 0 ?
		    0 : -1;
	}
	hub_answer_clear(&res);
	if (l->hub_id[0] == '\0') {
		/* A token: the hub has given the request its id, or not yet. */
		if (v.id[0] == '\0' || !hub_id_ok(v.id))
			return store_hub_polled(s, l->complaint_id, now + next, next, NULL, NULL) ==
			    0 ? 0 : -1;
		log_info("ticket %s: the hub's token %s is request %s", l->ticket, l->token, v.id);
		return store_hub_polled(s, l->complaint_id, now, c->hub_poll_seconds, NULL,
		    v.id) == 0 ? 0 : -1;
	}
	fingerprint(&v, seen, sizeof seen);
	if (strcmp(seen, l->seen) == 0)
		return store_hub_polled(s, l->complaint_id, now + next, next, NULL, NULL) == 0 ?
		    0 : -1;
	return apply_view(c, s, l, &v, seen, now);
}

/*
 * A pass; stop (may be NULL) ends it between two tickets.  After a ticket
 * the hub did not answer the pass ends too: the others stay due and are
 * asked one per pass, so a hub that hangs costs one timeout a pass and a
 * stop waits for one request at most.
 */
static int
poll_pass(const struct conf *c, struct live *live, struct store *s, struct deliver *d,
    int64_t now, atomic_int *stop)
{
	const struct live_snap *snap = NULL;
	struct store_hub_link *links;
	size_t n = 0, i;
	int r, changed = 0, rc = 0;

	if (live != NULL) {
		snap = live_get(live);
		c = snap->conf;
	}
	if (c->hub_url == NULL) {
		if (snap != NULL)
			live_put(live, snap);
		return 0;
	}
	links = xcalloc(HUB_BATCH, sizeof *links);
	if (store_hub_due(s, now, links, HUB_BATCH, &n) != 0)
		rc = -1;
	for (i = 0; i < n && rc == 0 && (stop == NULL || !atomic_load(stop)); i++) {
		if ((r = poll_one(c, s, &links[i], now)) < 0)
			rc = -1;
		else if (r == HUB_DOWN)
			break;
		else
			changed += r;
	}
	free(links);
	if (snap != NULL)
		live_put(live, snap);
	if (changed > 0 && d != NULL)
		deliver_wake(d);
	return rc < 0 ? -1 : changed;
}

int
ticket_hub_poll(const struct conf *c, struct live *live, struct store *s,
    struct deliver *d, int64_t now)
{
	return poll_pass(c, live, s, d, now, NULL);
}

/* ---- the thread ----------------------------------------------------------- */

struct ticket_hub {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stop;
	atomic_int stopping;    /* stop, read by a pass without the mutex */
	struct live *live;
	struct store *s;
	struct deliver *d;
};

static void *
hub_run(void *arg)
{
	struct ticket_hub *h = arg;
	struct timespec until;

	pthread_mutex_lock(&h->mu);
	while (!h->stop) {
		pthread_mutex_unlock(&h->mu);
		if (poll_pass(NULL, h->live, h->s, h->d, now_unix(), &h->stopping) < 0)
			log_warnx("hub: %s", store_errmsg());
		pthread_mutex_lock(&h->mu);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 1;
		while (!h->stop && pthread_cond_timedwait(&h->cv, &h->mu, &until) == 0)
			;
	}
	pthread_mutex_unlock(&h->mu);
	return NULL;
}

struct ticket_hub *
ticket_hub_start(struct live *live, struct store *s, struct deliver *d)
{
	struct ticket_hub *h = xcalloc(1, sizeof *h);

	h->live = live;
	h->s = s;
	h->d = d;
	atomic_init(&h->stopping, 0);
	pthread_mutex_init(&h->mu, NULL);
	pthread_cond_init(&h->cv, NULL);
	if (pthread_create(&h->thread, NULL, hub_run, h) != 0) {
		pthread_cond_destroy(&h->cv);
		pthread_mutex_destroy(&h->mu);
		free(h);
		return NULL;
	}
	return h;
}

void
ticket_hub_stop(struct ticket_hub *h)
{
	if (h == NULL)
		return;
	atomic_store(&h->stopping, 1);
	pthread_mutex_lock(&h->mu);
	h->stop = 1;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
	pthread_join(h->thread, NULL);
	pthread_cond_destroy(&h->cv);
	pthread_mutex_destroy(&h->mu);
	free(h);
}
