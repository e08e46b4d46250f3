/*
 * ticket/change: the ticket core that every edge calls (SMS and USSD intake,
 * the agency API, the service-level tick): the side effects of opening a
 * ticket and every status change, each inside the caller's transaction.
 * What a change causes is queued in the outbox (outbox/deliver.c sends
 * it): the webhook to the agency (and to the new one on re-routing) and
 * the status SMS to the citizen unless they sent STOP.  The payloads are
 * documented in ticket/change.c and ticket/json.c.  No HTTP here.
 */
#ifndef ADUAN_TICKET_CHANGE_H
#define ADUAN_TICKET_CHANGE_H

#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"
#include "store/store.h"

/*
 * Sets a new complaint's service-level times (c->route_due for triage,
 * c->routed_at and c->followup_due when a rule routed it).  Before
 * store_complaint_add().
 */
void ticket_sla_init(const struct conf *c, struct store_complaint *cm, int64_t now);

/*
 * Queues the "ticket.created" webhook for a stored complaint (if its agency
 * has a webhook).  Inside the caller's transaction.  1 queued, 0 nothing
 * queued (no webhook, or the same row is queued already), -1 error.
 */
int ticket_queue_created(const struct conf *c, struct store *s, const struct store_complaint *cm,
    int64_t now);

/*
 * Queues the "ticket.note" (status NULL) or "ticket.withdrawn" webhook for
 * something the citizen did by SMS/USSD (TAMBAH, BATAL).  1, 0, -1 as
 * ticket_queue_created.
 */
int ticket_queue_citizen(const struct conf *c, struct store *s, const struct store_complaint *cm,
    const char *status, const char *note, int64_t now);

/*
 * A status change by `actor` (an agency id, or "aduan" for automatic
 * ones), inside the caller's transaction: lifecycle check, event row,
 * service-level times, webhook to the agency (and to the new one on
 * re-routing), SMS to the citizen unless they sent STOP.  new_agency
 * non-NULL re-routes (only with status "routed").  Returns 0, or
 * 404/409/400 with a reason in err; -1 on a store error.  On 0, *cm is
 * updated (status, agency, times).
 */
int ticket_apply(const struct conf *c, struct store *s, struct store_complaint *cm,
    const char *actor, const char *status, const char *note, const char *new_agency,
    int64_t now, char *err, size_t errsz);

/*
 * Helpers the core shares with the service-level tick (ticket/tick.c) and
 * the agency edge (agency/), moved unchanged from the former agency/agency.c.
 */

/* The agency with that id in c, or NULL. */
const struct conf_agency *ticket_agency_of(const struct conf *c, const char *id);

/* "received, routed, ..." (every lifecycle name) into buf, cut to fit. */
void ticket_known_statuses(char *buf, size_t bufsz);

/*
 * Queues one webhook to agency `to` if it has one, inside the caller's
 * transaction.  key_tail NULL gives "<now>:<hash of the body>".  1 queued,
 * 0 nothing to queue (no webhook, or queued before), -1 error.
 */
int ticket_queue_webhook(const struct conf *c, struct store *s, const char *to, const char *event,
    const struct store_complaint *cm, const char *actor, const char *note,
    const char *prev_status, const char *prev_agency, const char *key_tail, int64_t now);

#endif
