/*
 * lifecycle: the complaint's states and which changes an agency may make.
 *
 *   received -> routed (disposisi) -> in_progress -> resolved -> closed
 *   side exits: deferred (tunda), rejected (ditolak), withdrawn (BATAL)
 *
 * Allowed changes (anything else is refused, HTTP 409 in the agency API):
 *   received    -> routed, in_progress, deferred, rejected
 *   routed      -> routed (re-routed by triage), in_progress, resolved, deferred, rejected
 *   in_progress -> resolved, deferred, rejected
 *   deferred    -> in_progress, resolved, rejected
 *   resolved    -> in_progress (the problem came back), closed
 *   closed, rejected, withdrawn: final
 * "withdrawn" is the citizen's alone (BATAL); an agency cannot set it.
 *
 * Two moves that are not an agency's own status change:
 *   re-route (triage only): from any open state (not closed, rejected,
 *     withdrawn) to "routed" at another agency;
 *   return to triage ("bukan wewenang", the agency holding the ticket):
 *     from received, routed, in_progress or deferred, to "received" at the
 *     triage agency.  Not from resolved: that work was done.
 * The conditions that are not about states (who may, the reporter's
 * window before closing) are ticket/change.c's.  Pure: no I/O.
 */
#ifndef ADUAN_LIFECYCLE_H
#define ADUAN_LIFECYCLE_H

enum lc_status {
	LC_RECEIVED,
	LC_ROUTED,
	LC_IN_PROGRESS,
	LC_RESOLVED,
	LC_CLOSED,
	LC_DEFERRED,
	LC_REJECTED,
	LC_WITHDRAWN,
	LC_N
};

/* "received", "in_progress", ...; NULL when out of range. */
const char *lifecycle_name(enum lc_status s);
/* The status with that name, or -1. */
int lifecycle_from_name(const char *name);
/* 1 when an agency may move a complaint from `from` to `to`. */
int lifecycle_agency_may(enum lc_status from, enum lc_status to);
/* 1 when triage may re-route a complaint in `from` to another agency. */
int lifecycle_reroute_may(enum lc_status from);
/* 1 when the agency holding a complaint in `from` may return it to triage. */
int lifecycle_return_may(enum lc_status from);
/* 1 for closed, rejected, withdrawn. */
int lifecycle_final(enum lc_status s);
/* 1 when the complaint counts as open (Open311 "open"): not final. */
int lifecycle_open(enum lc_status s);

#endif
