/*
 * endpoints: intake's HTTP handlers.  A gateway's SMS, USSD and delivery
 * report callbacks (decoded by its adapter, gateway/), each request on the
 * config snapshot in force when it starts; /healthz and /metrics; the
 * aduan_callbacks_total counter.  The work itself is sms.c's, ussd_session.c's
 * and the store's.
 */
#include "intake/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/live.h"
#include "util/addr.h"
#include "util/log.h"
#include "util/metrics.h"
#include "util/util.h"

/*
 * The handlers' view of the config: a snapshot for the whole request, so a
 * reload in the middle of a message changes nothing for it.
 */
const struct live_snap *
intake_pin(const struct intake *ix, struct intake *local)
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

void
intake_unpin(const struct intake *ix, const struct live_snap *snap)
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

/*
 * gateways.<name>.allow_from: a callback from any other client address
 * (behind a trusted proxy, the one X-Forwarded-For gives) is refused 403
 * before its secret is looked at, so a stolen secret alone is not enough.
 * 1 when refused (answered, counted, logged), 0 when it may go on.
 */
static int
refuse_source(const struct intake_endpoint *ep, const struct conf *c,
    const struct http_request *req, struct http_response *res, const char *endpoint)
{
	const struct addr_range *r;
	const char *addr = http_request_peer(req);
	size_t n;

	if ((r = conf_gateway_allow(c, ep->gw->name, &n)) == NULL || addr_in(addr, r, n))
		return 0;
	log_warnx("%s %s from %s refused with 403: not in gateways.%s.allow_from", endpoint,
	    ep->gw->name, addr, ep->gw->name);
	http_respond_text(res, 403, "this address may not call this endpoint\n");
	count_callback(ep->gw, endpoint, 403, 0);
	return 1;
}

void
intake_written(void *wait, int ret, const char *err)
{
	struct intake_wait *w = wait;

	w->ret = ret;
	(void)str_copy(w->err, sizeof w->err, err);
	w->woken(w->arg);
}

/*
 * A callback parked while its message or step is with the store's writer
 * (http_defer): the HTTP thread serves other callbacks meanwhile instead
 * of sleeping until the writer wakes it (perf: two context switches per
 * message, a third of the HTTP threads' time).  The first member of
 * sms_parked and ussd_parked.
 */
struct parked {
	const struct http_request *req;
	http_resume_fn answer;          /* the request's answer once it is resumed */
};

/* The park of intake_sms_start and intake_ussd_start (arg: a struct parked). */
static int
park_request(void *arg)
{
	struct parked *p = arg;

	return http_defer(p->req, p->answer, p);
}

/* intake_woken_fn of a parked request: it is resumed (arg: the request). */
static void
wake_request(void *req)
{
	http_wake(req);
}

/*
 * The answer to a gateway's SMS callback of n messages (worst and line:
 * sms_worst's of their statuses; replays: how many were retries answered
 * from the store; r: the last one's result): each message of a batch is
 * handled (and deduplicated) on its own.  One that could
 * not be stored (5xx) makes the whole callback a 503, so the gateway
 * sends it again; those already stored then answer from the store.  A
 * message refused for what it is (4xx: a sender that is no phone number)
 * is logged and acknowledged: sending the batch again could not fix it.
 * A single message answered inline (Kannel, Twilio) gets its own status.
 * intake_sms() logged each message, refused or not, on its one line.
 */
static void
sms_answer(const struct intake_endpoint *ep, int worst, const char *line, size_t n,
    size_t replays, const struct intake_result *r, struct http_response *res)
{
	if (worst != 200)
		http_respond_text(res, worst, line);
	else {
		ep->gw->encode_reply(ep->gw->reply_inline && n == 1 ? r->reply : "", res);
		if (ep->gw->reply_inline && n == 1 && r->reply[0] != '\0')
			metrics_count("aduan_replies_sent_total", 1, "gateway", ep->gw->name, NULL);
	}
	count_callback(ep->gw, "sms", worst, n > 0 && replays == n);
}

/* Folds one message's status st (its result r) into the callback's worst and line. */
static void
sms_worst(const struct intake_endpoint *ep, int st, const struct intake_result *r,
    int *worst, char *line, size_t linesz)
{
	if (st >= 500 && *worst < 500) {
		*worst = st;
		snprintf(line, linesz, "%s\n", r->error);
	} else if (st != 200 && *worst == 200 && ep->gw->reply_inline) {
		*worst = st;
		snprintf(line, linesz, "%s\n", r->error);
	}
}

/* A callback of one message, parked while it waits for its commit. */
struct sms_parked {
	struct parked park;             /* first */
	struct intake_endpoint *ep;
	const struct live_snap *snap;
	struct sms_in in;
	struct intake_result r;
	struct sms_work *w;
};

static void
sms_parked_answer(void *arg, const struct http_request *req, struct http_response *res)
{
	struct sms_parked *p = arg;
	char line[224];
	int st, worst = 200;

	(void)req;
	st = intake_sms_end(p->w);
	if (res != NULL) {
		sms_worst(p->ep, st, &p->r, &worst, line, sizeof line);
		sms_answer(p->ep, worst, line, 1, st == 200 && p->r.replayed, &p->r, res);
	}
	sms_in_clear(&p->in);
	intake_unpin(p->ep->ix, p->snap);
	free(p);
}

void
intake_http_handler(void *ctx, const struct http_request *req, struct http_response *res)
{
	struct intake_endpoint *ep = ctx;
	struct intake_result *r;
	struct intake ix;
	const struct live_snap *snap = intake_pin(ep->ix, &ix);
	struct sms_parked *p;
	struct sms_in *in;
	char err[200], line[224];
	size_t n = 0, i, replays = 0, max = ep->gw->reply_inline ? 1 : SMS_BATCH_MAX;
	int st, worst = 200, parked;

	if (refuse_source(ep, ix.conf, req, res, "sms")) {
		intake_unpin(ep->ix, snap);
		return;
	}
	in = xcalloc(max, sizeof *in);
	st = ep->gw->decode_sms(ix.conf, req, in, max, &n, err, sizeof err);
	if (st != 0) {
		log_warnx("sms %s from peer %s refused with %d: %s", ep->gw->name,
		    http_request_peer(req), st, err);
		snprintf(line, sizeof line, "%s\n", err);
		http_respond_text(res, st, line);
		count_callback(ep->gw, "sms", st, 0);
		free(in);
		intake_unpin(ep->ix, snap);
		return;
	}
	if (n == 1) {
		/* Parked only if the message needs the writer (park_request). */
		p = xcalloc(1, sizeof *p);
		p->park.req = req;
		p->park.answer = sms_parked_answer;
		p->ep = ep;
		p->snap = snap;
		p->in = in[0];  /* its heap parts move with it */
		free(in);
		p->w = intake_sms_start(&ix, ep->gw, &p->in, &p->r, park_request, p, wake_request,
		    (void *)req, &parked);
		if (!parked)
			sms_parked_answer(p, req, res);
		return;
	}
	r = xmalloc(sizeof *r);
	r->reply[0] = '\0';
	for (i = 0; i < n; i++) {
		st = intake_sms(&ix, ep->gw, &in[i], r);
		replays += st == 200 && r->replayed;
		sms_worst(ep, st, r, &worst, line, sizeof line);
	}
	sms_answer(ep, worst, line, n, replays, r, res);
	for (i = 0; i < n; i++)
		sms_in_clear(&in[i]);
	free(in);
	free(r);
	intake_unpin(ep->ix, snap);
}

void
intake_dlr_handler(void *ctx, const struct http_request *req, struct http_response *res)
{
	struct intake_endpoint *ep = ctx;
	struct intake ix;
	const struct live_snap *snap = intake_pin(ep->ix, &ix);
	char id[128], state[32], err[200], line[224];
	int st;

	if (refuse_source(ep, ix.conf, req, res, "dlr")) {
		intake_unpin(ep->ix, snap);
		return;
	}
	st = ep->gw->decode_dlr(ix.conf, req, id, sizeof id, state, sizeof state, err,
	    sizeof err);
	intake_unpin(ep->ix, snap);
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

/* Overdue complaints per agency as the store counted them, for the gauges. */
struct overdue {
	struct { char agency[64]; long n; } a[METRICS_GAUGES_MAX];
	size_t n;
};

static void
overdue_row(void *arg, const char *agency, long n)
{
	struct overdue *o = arg;

	if (o->n < ARRAY_LEN(o->a)) {
		str_copy(o->a[o->n].agency, sizeof o->a[o->n].agency, agency);
		o->a[o->n++].n = n;
	}
}

static void
gauge_labeled(struct metrics_out *out, const char *name, const char *key, const char *value,
    double v)
{
	char labels[METRICS_LABELS_MAX];

	if (metrics_labels(labels, sizeof labels, key, value, NULL) == 0)
		metrics_gauge(out, name, labels, v);
}

/*
 * aduan_tickets_overdue{agency}: every agency of the config in force gets
 * a sample, 0 included, so that an alert can compare; an agency that left
 * the config but still holds overdue tickets shows too.
 */
static void
overdue_gauges(struct intake *ix, const struct conf *c, int64_t now, struct metrics_out *out)
{
	struct overdue *o = xcalloc(1, sizeof *o);
	size_t i, k;
	long n;

	if (store_monitor_overdue(ix->store, now, ARRAY_LEN(o->a), overdue_row, o) != 0) {
		log_warnx("metrics: overdue tickets: %s", store_errmsg());
		free(o);
		return;
	}
	for (i = 0; i < c->nagencies; i++) {
		for (n = 0, k = 0; k < o->n; k++)
			if (strcmp(o->a[k].agency, c->agencies[i].id) == 0) {
				n = o->a[k].n;
				o->a[k].agency[0] = '\0';      /* shown */
			}
		gauge_labeled(out, "aduan_tickets_overdue", "agency", c->agencies[i].id, (double)n);
	}
	for (k = 0; k < o->n; k++)
		if (o->a[k].agency[0] != '\0')
			gauge_labeled(out, "aduan_tickets_overdue", "agency", o->a[k].agency,
			    (double)o->a[k].n);
	free(o);
}

/* What the store and its files say at this scrape (store_monitor_read). */
static void
store_gauges(struct intake *ix, int64_t now, struct metrics_out *out)
{
	static const char *const states[] = STORE_MONITOR_STATES;
	struct store_monitor m;
	size_t i;

	if (store_monitor_read(ix->store, now, &m) != 0)
		log_warnx("metrics: %s", store_errmsg());
	/*
	 * -1 (not read, unknown) is left out: an absent sample, not a wrong
	 * one (a last inbound time of 0 would fire "no inbound" falsely).
	 */
	if (m.last_inbound >= 0)
		metrics_gauge(out, "aduan_last_inbound_message_time_seconds", NULL,
		    (double)m.last_inbound);
	if (m.oldest_pending >= 0)
		metrics_gauge(out, "aduan_outbox_oldest_pending_age_seconds", NULL,
		    m.oldest_pending > 0 && m.oldest_pending < now ?
		    (double)(now - m.oldest_pending) : 0);
	if (m.db_bytes >= 0)
		metrics_gauge(out, "aduan_database_bytes", NULL, (double)m.db_bytes);
	if (m.wal_bytes >= 0)
		metrics_gauge(out, "aduan_database_wal_bytes", NULL, (double)m.wal_bytes);
	if (m.fs_avail_bytes >= 0)
		metrics_gauge(out, "aduan_database_filesystem_avail_bytes", NULL,
		    (double)m.fs_avail_bytes);
	if (m.fs_size_bytes >= 0)
		metrics_gauge(out, "aduan_database_filesystem_size_bytes", NULL,
		    (double)m.fs_size_bytes);
	/* On the reading connection: counting years of sent rows holds up no intake. */
	for (i = 0; i < ARRAY_LEN(states); i++)
		if (m.outbox[i] >= 0)
			gauge_labeled(out, "aduan_outbox_rows", "state", states[i],
			    (double)m.outbox[i]);
}

/*
 * The delivery counters of every kind and outcome, at 0 until the first
 * attempt: Prometheus's increase() sees nothing of a series that appears
 * at 1, so an alert on rows going dead would miss the first one after a
 * start.  At each scrape (the outbox may start after the admin listener);
 * a series that exists costs a lookup.
 */
static void
declare_delivery_counters(void)
{
	static const char *const kinds[] = { "sms", "webhook", "email", "hub" };
	static const char *const outcomes[] = { "sent", "retry", "dead" };
	size_t k, o;

	for (k = 0; k < ARRAY_LEN(kinds); k++)
		for (o = 0; o < ARRAY_LEN(outcomes); o++)
			metrics_count("aduan_delivery_attempts_total", 0, "kind", kinds[k],
			    "outcome", outcomes[o], NULL);
}

void
intake_metrics_gauges(void *arg, struct metrics_out *out)
{
	struct intake *ix = arg;
	const struct live_snap *snap = NULL;
	const struct conf *c = ix->conf;
	int64_t now = now_unix();

	if (ix->live != NULL) {
		snap = live_get(ix->live);
		c = snap->conf;
	}
	/* The config in force: its version changes with a reload that took effect. */
	gauge_labeled(out, "aduan_config_info", "version", c->hash, 1);
	declare_delivery_counters();
	overdue_gauges(ix, c, now, out);
	if (snap != NULL)
		live_put(ix->live, snap);
	store_gauges(ix, now, out);
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

/* The answer to a gateway's USSD callback, once r is final. */
static void
ussd_answer(const struct intake_endpoint *ep, const struct intake_ussd_result *r,
    struct http_response *res)
{
	char line[224];

	if (r->status != 200) {
		snprintf(line, sizeof line, "%s\n", r->error);
		http_respond_text(res, r->status, line);
	} else
		ep->gw->encode_ussd(r->screen, r->end, res);
	count_callback(ep->gw, "ussd", r->status, r->replayed);
}

/* A USSD callback parked while its step is with the store's writer. */
struct ussd_parked {
	struct parked park;             /* first */
	struct intake_endpoint *ep;
	const struct live_snap *snap;
	struct ussd_in in;
	struct intake_ussd_result r;
	struct ussd_work *w;
};

static void
ussd_parked_answer(void *arg, const struct http_request *req, struct http_response *res)
{
	struct ussd_parked *p = arg;

	(void)req;
	(void)intake_ussd_end(p->w);
	if (res != NULL)
		ussd_answer(p->ep, &p->r, res);
	ussd_in_clear(&p->in);
	intake_unpin(p->ep->ix, p->snap);
	free(p);
}

void
intake_ussd_handler(void *ctx, const struct http_request *req, struct http_response *res)
{
	struct intake_endpoint *ep = ctx;
	struct intake ix;
	const struct live_snap *snap = intake_pin(ep->ix, &ix);
	struct ussd_parked *p;
	struct ussd_in in;
	char err[200], line[224];
	int st, parked;

	if (refuse_source(ep, ix.conf, req, res, "ussd")) {
		intake_unpin(ep->ix, snap);
		return;
	}
	st = ep->gw->decode_ussd(ix.conf, req, &in, err, sizeof err);
	if (st != 0) {
		log_warnx("ussd %s from peer %s refused with %d: %s", ep->gw->name,
		    http_request_peer(req), st, err);
		snprintf(line, sizeof line, "%s\n", err);
		http_respond_text(res, st, line);
		count_callback(ep->gw, "ussd", st, 0);
		intake_unpin(ep->ix, snap);
		return;
	}
	/* Parked only if its step needs the writer (park_request); most are answered now. */
	p = xcalloc(1, sizeof *p);
	p->park.req = req;
	p->park.answer = ussd_parked_answer;
	p->ep = ep;
	p->snap = snap;
	p->in = in;     /* its heap parts move with it */
	p->w = intake_ussd_start(&ix, ep->gw, &p->in, &p->r, park_request, p, wake_request,
	    (void *)req, &parked);
	if (!parked)
		ussd_parked_answer(p, req, res);
}
