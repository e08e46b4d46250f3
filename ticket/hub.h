/*
 * ticket/hub: forwarding to an Open311 GeoReport v2 hub (LAPOR!-SP4N
 * style; the config's hub group, conf.h) and following the hub's answer.
 *
 * Forwarding: when a ticket whose category or agency the config sends to
 * the hub is opened, ticket_hub_queue() adds an outbox row of kind "hub"
 * in the same transaction (outbox/deliver.c POSTs it to
 * {hub.url}requests.json and stores the hub's service_request_id).
 *
 * Following: ticket_hub_start() runs a thread that asks the hub for the
 * status of every open forwarded ticket (GET
 * {hub.url}requests/{id}.json), each on its own back-off
 * (hub.poll_seconds doubling up to hub.poll_max_seconds while nothing
 * changes), and applies a change through ticket_request_apply() as the
 * ticket's own agency would, "by hub": the citizen gets the status SMS.
 * What was applied is kept per ticket, so a repeated poll or a restart
 * never applies it twice.
 */
#ifndef ADUAN_TICKET_HUB_H
#define ADUAN_TICKET_HUB_H

#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"
#include "store/store.h"

struct deliver;
struct live;

/* A note taken from the hub, in bytes with its NUL: at most 1000 characters (TICKET_NOTE_MAX_CHARS). */
#define TICKET_HUB_NOTE_MAX     1001

/*
 * Inside the caller's transaction: queues the "hub" outbox row of a new
 * ticket cm when the config forwards it (conf_hub_code).  1 queued, 0
 * not forwarded (or queued before), -1 store error.
 */
int ticket_hub_queue(const struct conf *c, struct store *s, const struct store_complaint *cm,
    int64_t now);

/*
 * What the hub says of one request (GET requests/{id}.json), mapped onto
 * the local lifecycle.  Pure, for tests.
 */
struct ticket_hub_view {
	char status[24];        /* the local status it maps to, "" for none */
	char note[TICKET_HUB_NOTE_MAX];
	char updated[40];       /* updated_datetime as the hub wrote it */
	char id[64];            /* its service_request_id */
};

/*
 * Reads the hub's answer (a JSON array of one request) into v.  With
 * extended_attributes.aduan_status (the hub is an Aduan): in_progress,
 * deferred, resolved and rejected map to themselves, closed to resolved,
 * the rest (received, routed, ...) to none; the note is
 * extended_attributes.status_note.  Otherwise (another hub): "closed" maps
 * to resolved, "open" to in_progress when status_notes is not empty, else
 * none; the note is status_notes.  0, or -1 when the answer is not such
 * an array (why in err).
 */
int ticket_hub_read(const char *body, size_t len, struct ticket_hub_view *v, char *err,
    size_t errsz);

/*
 * One pass at `now`: every forwarded ticket due is asked for and changed
 * if the hub's answer changed; a ticket the hub does not answer ends the
 * pass (its wait grows; the others are asked in later passes, one a pass
 * while the hub stays down).  c, or with live the config in force.
 * Number of tickets changed, -1 on a store error.  (Tests call it; the
 * thread below calls it every second.)
 */
int ticket_hub_poll(const struct conf *c, struct live *live, struct store *s,
    struct deliver *d, int64_t now);

/* The following thread of `aduan serve`; NULL when it cannot start.  Stop frees. */
struct ticket_hub *ticket_hub_start(struct live *live, struct store *s, struct deliver *d);
void ticket_hub_stop(struct ticket_hub *h);

#endif
