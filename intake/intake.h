/*
 * intake: what happens to one inbound SMS, whichever gateway brought it.
 *
 *   normalise the sender -> dedup on (gateway, message id, sender) -> parse
 *   -> route / look up the ticket -> flood and loop guard (intake/guard.h)
 *   -> store complaint + events + message in ONE transaction -> commit ->
 *   only then the reply.
 *
 * A retried callback (same gateway and message id) gets the stored reply
 * and changes nothing.  When the store fails the result is 503 so that the
 * gateway retries; nothing half-written stays behind (the transaction is
 * rolled back).
 */
#ifndef ADUAN_INTAKE_H
#define ADUAN_INTAKE_H

#include <stddef.h>

#include "conf/conf.h"
#include "gateway/gateway.h"
#include "outbox/deliver.h"
#include "routing/route.h"
#include "sms/parse.h"
#include "store/store.h"

struct live;
struct ussd_cache;

/*
 * Borrowed pointers: the caller keeps them alive while serving.  With live
 * set, the HTTP handlers and the tick use the config in force when each
 * request starts (conf/live.h), and conf and rt are ignored.
 */
struct intake {
	const struct conf *conf;
	const struct route_table *rt;
	struct store *store;
	struct deliver *deliver;        /* woken when something was queued; may be NULL */
	struct live *live;
	struct ussd_cache *ussd;        /* intake_start's: live USSD sessions in memory */
};

/*
 * Once store is set, before serving: the USSD sessions of this process
 * kept in memory, so that a step that only moves a session is answered
 * without waiting on the store (none on a shared, PostgreSQL store: other
 * nodes write the same sessions).  Without it every step goes through
 * the store.  intake_stop frees it once no request runs any more.
 */
void intake_start(struct intake *ix);
void intake_stop(struct intake *ix);

#define INTAKE_REPLY_MAX 1024
struct intake_result {
	int status;                     /* 200, 400 or 503 */
	char reply[INTAKE_REPLY_MAX];   /* the SMS to send back ("" for none) */
	char error[160];                /* reason for a non-200 */
	int replayed;                   /* 1: a retried callback got the stored reply */
};

/*
 * Handles one decoded message from gateway gw.  Always fills *res.
 * Returns res->status.
 */
int intake_sms(struct intake *ix, const struct gateway *gw, const struct sms_in *in,
    struct intake_result *res);
/*
 * intake_sms without holding the caller while the message waits for its
 * commit.  One the writer need not see (a sender refused, a retry found
 * stored) is answered at once: *parked 0, res final once intake_sms_end(w)
 * is called.  One that needs the writer calls park(park_arg) first: 0 when
 * the caller's request is parked (*parked 1): woken(woken_arg) is called
 * once it is done, on the store's writer thread (so woken only hands on:
 * http_wake), and then intake_sms_end.  Else it is worked here, waiting,
 * as intake_sms does.  intake_sms_end, on the caller's side, logs and
 * counts it as intake_sms does, frees w and gives res->status; res, in and
 * *ix's config must stay until then.  intake_sms_end(NULL) is 0.
 */
typedef void (*intake_woken_fn)(void *arg);
struct sms_work;
struct sms_work *intake_sms_start(struct intake *ix, const struct gateway *gw,
    const struct sms_in *in, struct intake_result *res, int (*park)(void *),
    void *park_arg, intake_woken_fn woken, void *woken_arg, int *parked);
int intake_sms_end(struct sms_work *w);

struct intake_ussd_result {
	int status;                     /* 200, 400 or 503 */
	int end;                        /* 1: the last screen (END) */
	char screen[640];               /* the screen, without CON/END */
	char error[160];                /* reason for a non-200 */
	int replayed;                   /* 1: a repeated request got the stored answer */
};

/*
 * Handles one USSD request: finds the session (gateway, id), works out the
 * newest input, steps the menu (intake/ussd.h), stores what the step did
 * (the session, a complaint with its receipt SMS in the outbox) in one
 * transaction.  A request repeated with the same text gets the stored
 * answer and changes nothing.  Returns res->status.
 */
int intake_ussd(struct intake *ix, const struct gateway *gw, const struct ussd_in *in,
    struct intake_ussd_result *res);
/*
 * intake_ussd without holding the caller while the step is with the
 * store's writer, as intake_sms_start and intake_sms_end.  Most steps are
 * answered at once, from memory (*parked 0).
 */
struct ussd_work;
struct ussd_work *intake_ussd_start(struct intake *ix, const struct gateway *gw,
    const struct ussd_in *in, struct intake_ussd_result *res, int (*park)(void *),
    void *park_arg, intake_woken_fn woken, void *woken_arg, int *parked);
int intake_ussd_end(struct ussd_work *w);

/* The HTTP handler for a gateway's endpoint; ctx is a struct intake_endpoint. */
struct intake_endpoint {
	struct intake *ix;
	const struct gateway *gw;
};
void intake_http_handler(void *ctx, const struct http_request *req, struct http_response *res);
void intake_ussd_handler(void *ctx, const struct http_request *req, struct http_response *res);

/*
 * A gateway's delivery reports (ctx is a struct intake_endpoint): the
 * outbound SMS they name gets its dlr_state.  200 when understood (also for
 * an unknown message, so the gateway does not retry forever), 400/403 else.
 */
void intake_dlr_handler(void *ctx, const struct http_request *req, struct http_response *res);

/*
 * Long messages whose missing parts did not come within sms.parts_timeout:
 * handles what came (gaps marked "[...]") so the citizen is not left
 * without an answer, every waiting one up to a bound per tick (1024).  Also
 * purges handled parts and the flood guard's idle rows, in bounded
 * batches.  Returns the number handled, -1 on a store error.
 */
int intake_parts_tick(struct intake *ix, int64_t now);

/*
 * GET /healthz: 200 "ok" when the store answers and a write could start
 * (store_writable), else 503 with the reason.  ctx is a struct intake.
 */
void intake_health_handler(void *ctx, const struct http_request *req, struct http_response *res);

/*
 * GET /metrics (util/metrics.h), ctx unused; and the scrape-time gauges
 * for metrics_set_gauge_fn, arg a struct intake: the config in force, what
 * the store says (store_monitor_read: outbox rows by state and the oldest
 * undelivered one, the last inbound message, file sizes) and the overdue
 * tickets of every configured agency.
 */
void intake_metrics_handler(void *ctx, const struct http_request *req, struct http_response *res);
struct metrics_out;
void intake_metrics_gauges(void *arg, struct metrics_out *out);

#endif
