/*
 * ticket/tick: the service-level tick.  One "ticket.overdue" reminder
 * webhook per overdue stage, and the automatic closing of resolved tickets
 * the citizen did not answer (through ticket_request_apply, so the closing causes
 * what any change causes).  The daemon's clock thread calls it every few
 * seconds.  No HTTP here.
 */
#ifndef ADUAN_TICKET_TICK_H
#define ADUAN_TICKET_TICK_H

#include <stdint.h>

#include "conf/conf.h"
#include "store/store.h"

struct deliver;
struct live;

/*
 * Reminders for overdue tickets and automatic closing, at `now`.  Each
 * change in its own transaction.  Borrowed pointers: with live set, the
 * tick uses the config in force then (conf/live.h) and c is ignored;
 * deliver may be NULL (nothing to wake), else it is woken when something
 * was queued.  Returns the number of changes, -1 on a store error.
 */
int ticket_sla_tick(const struct conf *c, struct live *live, struct store *s,
    struct deliver *deliver, int64_t now);

#endif
