/*
 * agency: everything agencies and the public see of Aduan, and where its
 * JSON is read and written with <jansson.h> (the JSON gateway adapters,
 * gateway/send.c and outbox/deliver.c include it too).
 *
 *  - The webhook payloads queued in the outbox (new ticket, status change,
 *    citizen's note or withdrawal, overdue reminder), JSON.
 *  - agency_apply(): a status change with all it causes, in the caller's
 *    transaction: lifecycle check, event row, service-level times, webhook
 *    to the agency (and to the new one on re-routing), SMS to the citizen
 *    unless they sent STOP.
 *  - The agency API (bearer token per agency; the config keeps only its
 *    SHA-256):
 *      GET  /api/v1/tickets?status=&since=&limit=&cursor=
 *      GET  /api/v1/tickets/{number}
 *      POST /api/v1/tickets/{number}/events   {"status": ..., "note": ..., "agency": ...}
 *    401 bad token, 404 another agency's ticket or none, 409 a change the
 *    lifecycle does not allow, 400 bad JSON (with the reason).
 *  - Open311 GeoReport v2, off unless open311.enabled, read-only, never a
 *    phone number nor a withdrawn or rejected ticket, rate-limited per address:
 *      /open311/v2/services.json|.xml, /open311/v2/requests.json|.xml,
 *      /open311/v2/requests/{id}.json|.xml
 *  - The service-level tick: one reminder webhook per overdue ticket, and
 *    automatic closing of resolved tickets the citizen did not answer.
 */
#ifndef ADUAN_AGENCY_H
#define ADUAN_AGENCY_H

#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"
#include "net/http.h"
#include "outbox/deliver.h"
#include "store/store.h"

struct live;

/*
 * Borrowed pointers; deliver may be NULL (nothing to wake).  With live set,
 * each request and tick uses the config in force then (conf/live.h) and
 * conf is ignored.
 */
struct agency_ctx {
	const struct conf *conf;
	struct store *store;
	struct deliver *deliver;
	struct live *live;
};

/*
 * Sets a new complaint's service-level times (c->route_due for triage,
 * c->routed_at and c->followup_due when a rule routed it).  Before
 * store_complaint_add().
 */
void agency_sla_init(const struct conf *c, struct store_complaint *cm, int64_t now);

/*
 * Queues the "ticket.created" webhook for a stored complaint (if its agency
 * has a webhook).  Inside the caller's transaction.  1 queued, 0 nothing
 * queued (no webhook, or the same row is queued already), -1 error.
 */
int agency_queue_created(const struct conf *c, struct store *s, const struct store_complaint *cm,
    int64_t now);

/*
 * Queues the "ticket.note" (status NULL) or "ticket.withdrawn" webhook for
 * something the citizen did by SMS/USSD (TAMBAH, BATAL).  1, 0, -1 as
 * agency_queue_created.
 */
int agency_queue_citizen(const struct conf *c, struct store *s, const struct store_complaint *cm,
    const char *status, const char *note, int64_t now);

/*
 * A status change by `actor` (an agency id, or "aduan" for automatic
 * ones).  new_agency non-NULL re-routes (only with status "routed").
 * Returns 0, or 404/409/400 with a reason in err; -1 on a store error.
 * On 0, *cm is updated (status, agency, times).
 */
int agency_apply(const struct conf *c, struct store *s, struct store_complaint *cm,
    const char *actor, const char *status, const char *note, const char *new_agency,
    int64_t now, char *err, size_t errsz);

/* The HTTP handlers; ctx is a struct agency_ctx. */
void agency_api_handler(void *ctx, const struct http_request *req, struct http_response *res);
void agency_open311_handler(void *ctx, const struct http_request *req, struct http_response *res);

/*
 * Reminders for overdue tickets and automatic closing, at `now`.  Each
 * change in its own transaction.  Returns the number of changes, -1 on a
 * store error.
 */
int agency_sla_tick(struct agency_ctx *a, int64_t now);

#endif
