/*
 * ticket/json: the ticket object as JSON (ticket_json), the one shape that
 * webhooks (ticket/change.c) and the agency API (agency/api.c) show, and
 * the small jansson helpers every writer of ticket JSON shares (the core,
 * agency/api.c, agency/open311.c), ticket_-prefixed like the rest of
 * ticket/.  Pure: no I/O.
 */
#ifndef ADUAN_TICKET_JSON_H
#define ADUAN_TICKET_JSON_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "conf/conf.h"
#include "store/store.h"

/* t as "2026-11-28T08:51:03Z" (UTC) into buf; "" if it does not fit. */
void ticket_iso_time(int64_t t, char *buf, size_t bufsz);

/* j, or fatal() when it is NULL (jansson's only failure is memory). */
json_t *ticket_must(json_t *j);

/*
 * A JSON string (null for NULL); never fails on bytes that are not UTF-8
 * (each such byte becomes '?').  A new reference.
 */
json_t *ticket_jstr(const char *s);

/* ISO-8601 UTC string of t, null for 0.  A new reference. */
json_t *ticket_jtime(int64_t t);

/*
 * The current stage's due date: received -> route_due, routed and
 * in_progress -> followup_due (0 for in_progress unless the reporter
 * reopened it), resolved -> close_due; 0 otherwise.
 */
int64_t ticket_due_of(const struct store_complaint *cm);

/* 1 when a received, routed or in_progress ticket is past its due date at now. */
int ticket_overdue(const struct store_complaint *cm, int64_t now);

/*
 * The ticket object (fields in ticket/json.c), phone in full when
 * show_phone, else masked.  A new reference; never NULL.
 */
json_t *ticket_json(const struct conf *c, const struct store_complaint *cm, int show_phone,
    int64_t now);

/* j as compact JSON with sorted keys; heap string the caller frees. */
char *ticket_dump(const json_t *j);

#endif
