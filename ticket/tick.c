/*
 * ticket/tick: the service-level tick.  It finds the tickets to remind or
 * close in batches (store_complaint_overdue, store_complaint_to_autoclose),
 * then changes each in a transaction of its own, so one failure costs one
 * ticket and a long tick never holds the store.
 */
#include "ticket/tick.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/live.h"
#include "outbox/deliver.h"
#include "ticket/change.h"
#include "ticket/json.h"
#include "ticket/mail.h"
#include "util/log.h"
#include "util/util.h"

#define TICK_BATCH              64
#define TICK_ROUNDS             16

/* What one tick works with: the config in force, the store, the workers to wake. */
struct tick {
	const struct conf *conf;
	struct store *store;
	struct deliver *deliver;
};

/* 1 reminded, 0 nothing to do any more, -1 store error. */
static int
remind_one(struct tick *a, const char *ticket, int64_t now)
{
	struct store_complaint cm;
	struct ticket_event ev = { 0 };
	char tail[48];
	int r;

	if (store_begin(a->store) != 0)
		return -1;
	if ((r = store_complaint_get(a->store, ticket, &cm)) != 1) {
		store_rollback(a->store);
		return r;
	}
	if (cm.reminded_at != 0 || !ticket_overdue(&cm, now)) {
		store_complaint_clear(&cm);
		store_rollback(a->store);
		return 0;
	}
	/* Once per stage: the key is the due date, not the time of the tick. */
	snprintf(tail, sizeof tail, "overdue:%lld", (long long)ticket_due_of(&cm));
	ev.event = "ticket.overdue";
	ev.actor = TICKET_SYSTEM;
	ev.key_tail = tail;
	if (ticket_queue_webhook(a->conf, a->store, cm.agency, &cm, &ev, now) < 0 ||
	    ticket_mail_overdue(a->conf, a->store, &cm, now) < 0 ||
	    store_complaint_set_sla(a->store, cm.id, -1, -1, -1, -1, now) != 0) {
		store_complaint_clear(&cm);
		store_rollback(a->store);
		return -1;
	}
	if (store_commit(a->store) != 0) {
		store_complaint_clear(&cm);
		return -1;
	}
	log_info("ticket %s: overdue at %s, reminder queued", cm.ticket, cm.agency);
	store_complaint_clear(&cm);
	return 1;
}

/* 1 closed, 0 nothing to do any more, -1 store error. */
static int
autoclose_one(struct tick *a, const char *ticket, int64_t now)
{
	struct store_complaint cm;
	struct ticket_request rq = { 0 };
	struct ticket_error err;
	char note[160];
	int r;

	if (store_begin(a->store) != 0)
		return -1;
	if ((r = store_complaint_get(a->store, ticket, &cm)) != 1) {
		store_rollback(a->store);
		return r;
	}
	if (strcmp(cm.status, "resolved") != 0 || cm.close_due == 0 || cm.close_due > now) {
		store_complaint_clear(&cm);
		store_rollback(a->store);
		return 0;
	}
	snprintf(note, sizeof note, "closed automatically: no reply from the reporter within "
	    "%d working days", a->conf->sla_autoclose_days);
	rq.agency = TICKET_SYSTEM;
	rq.status = "closed";
	rq.note = note;
	r = ticket_request_apply(a->conf, a->store, &cm, &rq, now, &err);
	store_complaint_clear(&cm);
	if (r != 0) {
		store_rollback(a->store);
		if (err.kind != TICKET_STORE) {
			log_warnx("ticket %s: not closed automatically: %s", ticket, err.msg);
			return 0;
		}
		return -1;
	}
	return store_commit(a->store) != 0 ? -1 : 1;
}

/* Runs fn on every complaint list() finds, batch after batch.  Changes, or -1. */
static int
tick_each(struct tick *a, int64_t now,
    int (*list)(struct store *, int64_t, struct store_complaint *, size_t, size_t *),
    int (*fn)(struct tick *, const char *, int64_t))
{
	struct store_complaint *rows = xcalloc(TICK_BATCH, sizeof *rows);
	size_t n, i;
	int round, count = 0, done, r, rc = 0;

	for (round = 0; round < TICK_ROUNDS && rc == 0; round++) {
		if (list(a->store, now, rows, TICK_BATCH, &n) != 0) {
			rc = -1;
			break;
		}
		for (done = 0, i = 0; i < n; i++) {
			if (rc == 0 && (r = fn(a, rows[i].ticket, now)) != 0) {
				if (r < 0)
					rc = -1;
				else
					done++;
			}
			store_complaint_clear(&rows[i]);
		}
		count += done;
		if (n < TICK_BATCH || done == 0)
			break;
	}
	free(rows);
	return rc < 0 ? -1 : count;
}

static int
sla_tick(struct tick *a, int64_t now)
{
	int r1, r2;

	r1 = tick_each(a, now, store_complaint_overdue, remind_one);
	r2 = r1 < 0 ? -1 : tick_each(a, now, store_complaint_to_autoclose, autoclose_one);
	if (r1 > 0 || r2 > 0) {
		if (a->deliver != NULL)
			deliver_wake(a->deliver);
	}
	return r1 < 0 || r2 < 0 ? -1 : r1 + r2;
}

int
ticket_sla_tick(const struct conf *c, struct live *live, struct store *s,
    struct deliver *deliver, int64_t now)
{
	struct tick t = { c, s, deliver };
	const struct live_snap *snap = NULL;
	int r;

	if (live != NULL) {
		snap = live_get(live);
		t.conf = snap->conf;
	}
	r = sla_tick(&t, now);
	if (snap != NULL)
		live_put(live, snap);
	return r;
}
