/*
 * open: a new complaint, written once for every channel (SMS and USSD
 * today).  Two steps, because the first needs no store:
 *
 *   ticket_plan()  before the transaction, pure: a ticket number, the
 *                  complaint filled from its routing decision, its
 *                  service-level times;
 *   ticket_open()  inside the caller's transaction: the number made sure to
 *                  be free, the complaint stored with its "received" event
 *                  (and the "routed" one when a rule routed it), the
 *                  "ticket.created" webhook queued.
 *
 * The SMS path plans before its transaction so that this pure work (the
 * working-day arithmetic above all) does not hold up the other messages of
 * a burst, which wait while one message is inside the store; the USSD path
 * learns what to open only inside its transaction and calls both there.
 * The receipt the citizen reads is the caller's (intake renders it).
 */
#ifndef ADUAN_TICKET_OPEN_H
#define ADUAN_TICKET_OPEN_H

#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"
#include "routing/route.h"
#include "store/store.h"

/*
 * Fills *cm (zeroed by the caller) for a complaint from phone on channel
 * ("sms", "ussd") that routing decided as d: ticket number (not checked
 * against the store yet), phone, channel, keyword, agency, region, status
 * "received", location (loc, llen; none when llen is 0), description,
 * route_explain, config_hash, created_at and the service-level times.
 * Everything but cm->lang, which the caller sets before ticket_open().
 * The strings are copied: cm owns its heap fields (store_complaint_clear).
 * 0, or -1 when no random ticket number could be drawn.
 */
int ticket_plan(const struct conf *c, const struct route_decision *d, const char *phone,
    const char *channel, const char *loc, size_t llen, const char *desc, size_t dlen,
    int64_t now, struct store_complaint *cm);

/*
 * Stores the planned complaint cm inside the caller's transaction (store_run):
 * draws another ticket number while the planned one is taken (a bounded
 * number of times), then store_complaint_add_routed() when d routed it by a
 * rule, else store_complaint_add(), then the ticket.created webhook and,
 * when the config forwards it, the hub's row (ticket/hub.h).  Sets
 * cm->id (and cm->status when routed).  1: stored and a webhook queued (wake
 * the delivery workers), 0: stored, nothing queued, -1: store error or no
 * free number (roll back).
 */
int ticket_open(const struct conf *c, struct store *s, const struct route_decision *d,
    struct store_complaint *cm, int64_t now);

#endif
