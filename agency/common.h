/*
 * agency/common: what the agency API (agency/api.c) and Open311
 * (agency/open311.c) share and nothing else uses: the config snapshot a
 * request runs with, query parameters, times and digit strings as clients
 * send them, JSON answers.  Private to agency/.  Moved unchanged from
 * the former agency/agency.c (the ticket JSON helpers are ticket/json.h).
 */
#ifndef ADUAN_AGENCY_COMMON_H
#define ADUAN_AGENCY_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "agency/agency.h"
#include "conf/live.h"
#include "net/http.h"

#define CT_JSON                 "application/json; charset=utf-8"

/* 1 when s is minlen..maxlen decimal digits and nothing else. */
int agency_all_digits(const char *s, size_t minlen, size_t maxlen);

/*
 * ISO-8601 by util/date.h's rule, in the forms people send: "2026-11-28",
 * "2026-11-28T08:51", "2026-11-28T08:51:03", with optional fraction, then
 * "Z", "+07", "+0700", "+07:00" or nothing (UTC); a space may stand for the
 * T.  With allow_unix, plain Unix seconds too.  *date_only (may be NULL)
 * tells whether only a date came.  0, or -1 when s is none of these.
 */
int agency_parse_time(const char *s, int allow_unix, int64_t *out, int *date_only);

/* Answers j (stolen) as compact JSON with status. */
void agency_respond_json(struct http_response *res, int status, json_t *j);

/* A query parameter as a C string; NULL when absent; *bad when it has a NUL. */
const char *agency_param(const struct http_request *req, const char *name, int *bad);

/*
 * *local = *a with the config in force (when a->live is set); the snapshot
 * to give back with live_put(a->live, ...) at the end of the request, or
 * NULL when there is none.
 */
const struct live_snap *agency_pin(const struct agency_ctx *a, struct agency_ctx *local);

#endif
