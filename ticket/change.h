/*
 * ticket/change: the ticket core that every edge calls (SMS and USSD
 * intake, the agency API, the web inbox, the service-level tick): the side
 * effects of opening a ticket and every change to it, each inside the
 * caller's transaction.  What a change causes is queued in the outbox
 * (outbox/deliver.c sends it): the webhook to the agency (and to the new
 * one on re-routing, to triage on a return) and the SMS to the citizen
 * unless they sent STOP.  The payloads are documented in ticket/change.c
 * and ticket/json.c, the contract for agencies in README ("Agencies").
 * No HTTP here: an edge maps a refusal's kind to its own answer.
 */
#ifndef ADUAN_TICKET_CHANGE_H
#define ADUAN_TICKET_CHANGE_H

#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"
#include "store/store.h"

/* The actor of what Aduan does by itself (automatic closing, reminders). */
#define TICKET_SYSTEM           "aduan"
/* The longest note, reason or canned text a change takes, in characters. */
#define TICKET_NOTE_MAX_CHARS   1000

/*
 * What an agency asks of one ticket: a status change and/or a note, a
 * re-route (triage), a return to triage ("bukan wewenang"), a rejection
 * with its kind.  Strings are borrowed for the call; NULL (or "" for
 * note and reason) means absent.
 */
struct ticket_request {
	const char *agency;     /* the acting agency's id, or TICKET_SYSTEM */
	const char *by;         /* who of it acted: a staff account or an API token's
	                           name (CONF_TOKEN_API for token_sha256); NULL: none */
	const char *status;     /* a lifecycle name; NULL: a note alone */
	const char *note;       /* shown to the citizen unless internal */
	int internal;           /* 1: the note is for staff only: kept in the history,
	                           never sent to the citizen nor published */
	const char *new_agency; /* with status "routed": re-route there (triage only) */
	const char *rejection;  /* with status "rejected": "not_complaint", "spam" or
	                           "duplicate" */
	const char *duplicate_of; /* with rejection "duplicate": the original's ticket */
	int give_back;          /* 1: return the ticket to triage (its holder only);
	                           reason is required, nothing else may be set */
	const char *reason;     /* with give_back: why (kept as an internal note) */
};

/* Why a request was refused; each edge maps the kind to its own answer. */
enum ticket_error_kind {
	TICKET_OK = 0,
	TICKET_NOT_FOUND,       /* no such ticket, or one this agency may not see (API 404) */
	TICKET_FORBIDDEN,       /* it may see the ticket, not make this change (API 403) */
	TICKET_CONFLICT,        /* the ticket's state refuses the change (API 409) */
	TICKET_BAD_INPUT,       /* the request itself is wrong (API 400) */
	TICKET_STORE            /* the store failed: nothing was kept, retry (API 503) */
};

struct ticket_error {
	enum ticket_error_kind kind;
	char msg[256];          /* a sentence for the person who asked (English) */
};

/*
 * The one way a ticket is changed by an agency, whatever the edge (the
 * API, the web inbox) or by Aduan itself (rq->agency TICKET_SYSTEM: the
 * automatic closing).  Inside the caller's transaction: who may (see
 * ticket_visible; triage may re-route, reject, defer or note any open
 * ticket; only the holder returns one), the lifecycle (ticket/lifecycle.h),
 * the reporter's window (a resolved ticket closes only once close_due has
 * come), then the event row, the service-level times, the webhooks and
 * the citizen's SMS.  0 with *cm updated (status, agency, times,
 * duplicate_of), or -1 with err set; on TICKET_STORE the caller rolls
 * back (something may have been written), on the others nothing was.
 */
int ticket_request_apply(const struct conf *c, struct store *s, struct store_complaint *cm,
    const struct ticket_request *rq, int64_t now, struct ticket_error *err);

/*
 * The former entry point, kept for callers not moved yet: ticket_request_apply
 * of { actor, status, note, new_agency } (no by, not internal).  0, or
 * 404/403/409/400 with the reason in err, -1 on a store error (roll back).
 */
int ticket_apply(const struct conf *c, struct store *s, struct store_complaint *cm,
    const char *actor, const char *status, const char *note, const char *new_agency,
    int64_t now, char *err, size_t errsz);

/* 1 when agency may see cm: the triage agency sees every ticket, others their own. */
int ticket_visible(const struct conf *c, const char *agency, const struct store_complaint *cm);

/* 1 when agency is the triage agency of c. */
int ticket_is_triage(const struct conf *c, const char *agency);

/*
 * The reporter's TAMBAH (added information) on their ticket cm, not
 * closed, rejected nor withdrawn, inside the caller's transaction.  A
 * resolved ticket within the reporter's window (before close_due, or with
 * none) is reopened: "in_progress" with a new follow-up due date, a
 * "ticket.status" webhook (actor "citizen", action "reopened") to its
 * agency.  Anything else gets the note as an event and a "ticket.note"
 * webhook.  1 reopened, 0 noted, -1 store error (roll back); *queued is
 * set to 1 when a webhook was queued (wake the delivery workers).
 */
int ticket_citizen_add(const struct conf *c, struct store *s, struct store_complaint *cm,
    const char *text, int64_t now, int *queued);

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
 * Helpers the core shares with the service-level tick (ticket/tick.c) and
 * the edges (agency/, web/).
 */

/* The agency with that id in c, or NULL. */
const struct conf_agency *ticket_agency_of(const struct conf *c, const char *id);

/* "received, routed, ..." (every lifecycle name) into buf, cut to fit. */
void ticket_known_statuses(char *buf, size_t bufsz);

/* What a webhook says happened (the payload's members; ticket/change.c). */
struct ticket_event {
	const char *event;      /* "ticket.created", "ticket.status", ... */
	const char *actor;      /* "citizen", TICKET_SYSTEM or an agency id */
	const char *by;         /* who of the actor; NULL: none */
	const char *note;       /* NULL: none */
	int internal;           /* the note is internal */
	const char *action;     /* NULL, "returned", "reopened", a rejection's kind */
	const char *prev_status;        /* NULL: not in the payload */
	const char *prev_agency;        /* NULL: not in the payload */
	const char *key_tail;   /* the idempotency key's tail; NULL: "<now>:<hash>" */
};

/*
 * Queues one webhook to agency `to` if it has one, inside the caller's
 * transaction.  1 queued, 0 nothing to queue (no webhook, or queued
 * before), -1 error.
 */
int ticket_queue_webhook(const struct conf *c, struct store *s, const char *to,
    const struct store_complaint *cm, const struct ticket_event *ev, int64_t now);

#endif
