/*
 * agency/api: the bearer-token agency REST API.  An agency sees and
 * changes its own tickets, the triage agency every ticket; a change goes
 * through ticket_request_apply (the ticket core, ticket/change.h, the one
 * code path the web inbox shares) in one transaction.  OpenSSL's SHA-256
 * (crypto_sha256_hex, util/crypto.h) hashes the token: the config keeps
 * only the hash, and each token's name is who acted ("by").
 *
 * Agency API answers (application/json; charset=utf-8; errors are
 * {"error": "reason"}; README "The agency API" is the contract):
 *   GET  /api/v1/tickets    {"tickets": [ticket...], "next_cursor": "<id>" | null}
 *        status=<lifecycle name>, since=<ISO-8601 or Unix seconds> (updated
 *        at or after), limit=1..100 (20), cursor=<next_cursor>, agency=<id>
 *        or "all" (triage only; default: the caller's own); newest first.
 *   GET  /api/v1/tickets/{number}          the ticket with "events"
 *   POST /api/v1/tickets/{number}/events   one change: {"status", "note",
 *        "internal", "agency", "rejection", "duplicate_of"} or {"return":
 *        true, "reason"}; no other members; the answer is the ticket as GET
 *        shows it.  400 bad request, 401 no or unknown token
 *        (WWW-Authenticate: Bearer), 403 a change triage may not make on
 *        another agency's ticket, 404 a ticket the agency may not see or
 *        none (the same body), 405, 409 a change the ticket's state
 *        refuses, 413 body over 8 KB, 503 store.
 */
#include "agency/agency.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "agency/common.h"
#include "ticket/change.h"
#include "ticket/json.h"
#include "ticket/lifecycle.h"
#include "util/crypto.h"
#include "util/log.h"
#include "util/util.h"

#define API_BODY_MAX            8192
#define API_LIMIT_DEFAULT       20
#define API_LIMIT_MAX           100
#define TOKEN_MAX               512
#define EVENTS_MAX              200

/* ---- the agency API ----------------------------------------------------- */

static void
json_error(struct http_response *res, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
json_error(struct http_response *res, int status, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	utf8_fix_tail(msg);
	agency_respond_json(res, status, ticket_must(json_pack("{s:o}", "error", ticket_jstr(msg))));
}

/*
 * The agency one of whose tokens (token_sha256, or a named one) hashes to
 * the bearer token's hash, or NULL; *who is that token's name
 * (CONF_TOKEN_API for token_sha256), borrowed from c.
 */
static const struct conf_agency *
authenticate(const struct conf *c, const char *auth, const char **who)
{
	const struct conf_agency *found = NULL, *a;
	char hex[65];
	size_t i, k, n;

	if (auth == NULL || strncasecmp(auth, "Bearer ", 7) != 0)
		return NULL;
	for (auth += 7; *auth == ' '; auth++)
		;
	n = strlen(auth);
	while (n > 0 && (auth[n - 1] == ' ' || auth[n - 1] == '\t'))
		n--;
	if (n == 0 || n > TOKEN_MAX)
		return NULL;
	crypto_sha256_hex(auth, n, hex);
	/* Compare with every token: the time taken says nothing about which. */
	for (i = 0; i < c->nagencies; i++) {
		a = &c->agencies[i];
		if (a->token_sha256 != NULL && str_secret_equal(hex, a->token_sha256) &&
		    found == NULL) {
			found = a;
			*who = CONF_TOKEN_API;
		}
		for (k = 0; k < a->ntokens; k++)
			if (str_secret_equal(hex, a->tokens[k].sha256) && found == NULL) {
				found = a;
				*who = a->tokens[k].name;
			}
	}
	return found;
}

/* "" as JSON null, else the string. */
static json_t *
jstr_or_null(const char *s)
{
	return s[0] != '\0' ? ticket_jstr(s) : json_null();
}

static json_t *
events_json(struct store *s, int64_t id)
{
	struct store_event *ev = xcalloc(EVENTS_MAX, sizeof *ev);
	json_t *arr;
	size_t n, i;

	if (store_events_list(s, id, ev, EVENTS_MAX, &n) != 0) {
		free(ev);
		return NULL;
	}
	arr = ticket_must(json_array());
	for (i = 0; i < n; i++) {
		json_array_append_new(arr, ticket_must(json_pack("{s:o, s:o, s:o, s:o, s:o, s:b,"
		    " s:o, s:o}",
		    "at", ticket_jtime(ev[i].at), "actor", ticket_jstr(ev[i].actor),
		    "by", jstr_or_null(ev[i].by), "status", jstr_or_null(ev[i].status),
		    "note", ticket_jstr(ev[i].note), "internal", ev[i].internal,
		    "action", jstr_or_null(ev[i].action),
		    "to_agency", jstr_or_null(ev[i].to_agency))));
		store_event_clear(&ev[i]);
	}
	free(ev);
	return arr;
}

/* The ticket with its events, as GET /api/v1/tickets/{number} shows it. */
static json_t *
ticket_full(const struct conf *c, struct store *s, const struct store_complaint *cm,
    int show_phone, int64_t now)
{
	json_t *j, *ev;

	if ((ev = events_json(s, cm->id)) == NULL)
		return NULL;
	j = ticket_json(c, cm, show_phone, now);
	json_object_set_new(j, "events", ev);
	return j;
}

static void
api_list(struct agency_ctx *a, const struct conf_agency *ag, const struct http_request *req,
    struct http_response *res)
{
	struct store_query q = { 0 };
	struct store_complaint *out;
	const char *status, *since, *limit, *cursor, *agency;
	json_t *arr, *j;
	char next[24];
	int64_t now = now_unix(), t;
	long lim = API_LIMIT_DEFAULT, v;
	size_t n, i;
	int bad = 0;

	status = agency_param(req, "status", &bad);
	since = agency_param(req, "since", &bad);
	limit = agency_param(req, "limit", &bad);
	cursor = agency_param(req, "cursor", &bad);
	agency = agency_param(req, "agency", &bad);
	if (bad) {
		json_error(res, 400, "a parameter contains a NUL byte");
		return;
	}
	if (status != NULL && lifecycle_from_name(status) < 0) {
		char known[160];

		ticket_known_statuses(known, sizeof known);
		json_error(res, 400, "unknown status '%.40s' (known: %s)", status, known);
		return;
	}
	if (since != NULL) {
		if (agency_parse_time(since, 1, &t, NULL) != 0) {
			json_error(res, 400, "since must be an ISO-8601 time "
			    "(2026-11-28T08:51:03Z) or Unix seconds");
			return;
		}
		q.updated_since = t;
	}
	if (limit != NULL && (!agency_all_digits(limit, 1, 3) ||
	    str_to_long(limit, 1, API_LIMIT_MAX, &lim) != 0)) {
		json_error(res, 400, "limit must be 1 to %d", API_LIMIT_MAX);
		return;
	}
	if (cursor != NULL) {
		if (!agency_all_digits(cursor, 1, 18) || str_to_long(cursor, 1, 0x7fffffffffffffffL,
		    &v) != 0) {
			json_error(res, 400, "malformed cursor: pass next_cursor as it came");
			return;
		}
		q.before_id = v;
	}
	if (agency != NULL && strcmp(agency, ag->id) != 0) {
		if (!ticket_is_triage(a->conf, ag->id)) {
			json_error(res, 403, "only the triage agency lists other agencies' "
			    "tickets; leave agency out for your own");
			return;
		}
		if (strcmp(agency, "all") != 0 && ticket_agency_of(a->conf, agency) == NULL) {
			json_error(res, 400, "unknown agency '%.64s' (an agency id, or all)",
			    agency);
			return;
		}
	}
	q.agency = agency == NULL ? ag->id : strcmp(agency, "all") == 0 ? NULL : agency;
	q.status = status;
	q.limit = (size_t)lim + 1;      /* one more tells whether a next page exists */
	out = xcalloc(q.limit, sizeof *out);
	if (store_complaint_list(a->store, &q, out, q.limit, &n) != 0) {
		log_error("api: list tickets: %s", store_errmsg());
		free(out);
		json_error(res, 503, "store unavailable, try again");
		return;
	}
	arr = ticket_must(json_array());
	for (i = 0; i < n && i < (size_t)lim; i++)
		json_array_append_new(arr, ticket_json(a->conf, &out[i], ag->show_phone, now));
	if (n > (size_t)lim)
		snprintf(next, sizeof next, "%lld", (long long)out[lim - 1].id);
	j = ticket_must(json_pack("{s:o, s:o}", "tickets", arr, "next_cursor",
	    n > (size_t)lim ? json_string(next) : json_null()));
	for (i = 0; i < n; i++)
		store_complaint_clear(&out[i]);
	free(out);
	agency_respond_json(res, 200, j);
}

/* Another agency's ticket answers exactly like one that does not exist. */
static void
not_found(struct http_response *res)
{
	json_error(res, 404, "no such ticket");
}

static void
api_get(struct agency_ctx *a, const struct conf_agency *ag, const char *number,
    struct http_response *res)
{
	struct store_complaint cm;
	json_t *j;
	int r;

	r = store_complaint_get(a->store, number, &cm);
	if (r < 0) {
		log_error("api: get ticket: %s", store_errmsg());
		json_error(res, 503, "store unavailable, try again");
		return;
	}
	if (r == 0 || !ticket_visible(a->conf, ag->id, &cm)) {
		store_complaint_clear(&cm);
		not_found(res);
		return;
	}
	j = ticket_full(a->conf, a->store, &cm, ag->show_phone, now_unix());
	store_complaint_clear(&cm);
	if (j == NULL) {
		log_error("api: list events: %s", store_errmsg());
		json_error(res, 503, "store unavailable, try again");
		return;
	}
	agency_respond_json(res, 200, j);
}

/* A member of the request object: a string, null or absent.  -1: another type. */
static int
member(json_t *root, const char *name, const char **out)
{
	json_t *v = json_object_get(root, name);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return -1;
	*out = json_string_value(v);
	return 0;
}

/* A member that is true, false, null or absent (0).  -1: another type. */
static int
member_bool(json_t *root, const char *name, int *out)
{
	json_t *v = json_object_get(root, name);

	*out = 0;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_boolean(v))
		return -1;
	*out = json_is_true(v);
	return 0;
}

/* The members a POST may have. */
static const char *const post_members[] = {
	"status", "note", "internal", "agency", "rejection", "duplicate_of", "return", "reason"
};

/* The HTTP status of a refused change. */
static int
error_status(enum ticket_error_kind k)
{
	switch (k) {
	case TICKET_NOT_FOUND:
		return 404;
	case TICKET_FORBIDDEN:
		return 403;
	case TICKET_CONFLICT:
		return 409;
	case TICKET_BAD_INPUT:
		return 400;
	case TICKET_OK:
	case TICKET_STORE:
		break;
	}
	return 503;
}

static void
api_post(struct agency_ctx *a, const struct conf_agency *ag, const char *who, const char *number,
    const struct http_request *req, struct http_response *res)
{
	struct store_complaint cm;
	struct ticket_request rq = { 0 };
	struct ticket_error err = { TICKET_OK, "" };
	json_error_t jerr;
	json_t *root, *v, *j = NULL;
	const char *body, *key;
	int64_t now = now_unix();
	size_t len, i;
	int r;

	body = http_body(req, &len);
	if (body == NULL || len == 0) {
		json_error(res, 400, "a JSON body is needed: {\"status\": \"in_progress\", "
		    "\"note\": \"...\"} (Content-Type: application/json)");
		return;
	}
	if (len > API_BODY_MAX) {
		json_error(res, 413, "body over %d bytes", API_BODY_MAX);
		return;
	}
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		json_error(res, 400, "bad JSON: %s (line %d, column %d)", jerr.text, jerr.line,
		    jerr.column);
		return;
	}
	if (!json_is_object(root)) {
		json_decref(root);
		json_error(res, 400, "the body must be a JSON object "
		    "{\"status\": ..., \"note\": ..., \"agency\": ...}");
		return;
	}
	json_object_foreach(root, key, v) {
		for (i = 0; i < ARRAY_LEN(post_members); i++)
			if (strcmp(key, post_members[i]) == 0)
				break;
		if (i == ARRAY_LEN(post_members)) {
			json_error(res, 400, "unknown field '%.40s' (known: status, note, "
			    "internal, agency, rejection, duplicate_of, return, reason)", key);
			json_decref(root);
			return;
		}
	}
	if (member(root, "status", &rq.status) != 0 || member(root, "note", &rq.note) != 0 ||
	    member(root, "agency", &rq.new_agency) != 0 ||
	    member(root, "rejection", &rq.rejection) != 0 ||
	    member(root, "duplicate_of", &rq.duplicate_of) != 0 ||
	    member(root, "reason", &rq.reason) != 0) {
		json_decref(root);
		json_error(res, 400, "status, note, agency, rejection, duplicate_of and reason "
		    "must be strings");
		return;
	}
	if (member_bool(root, "internal", &rq.internal) != 0 ||
	    member_bool(root, "return", &rq.give_back) != 0) {
		json_decref(root);
		json_error(res, 400, "internal and return must be true or false");
		return;
	}
	rq.agency = ag->id;
	rq.by = who;

	if (store_begin(a->store) != 0) {
		log_error("api: begin: %s", store_errmsg());
		json_decref(root);
		json_error(res, 503, "store unavailable, try again");
		return;
	}
	r = store_complaint_get(a->store, number, &cm);
	if (r == 1)
		r = ticket_request_apply(a->conf, a->store, &cm, &rq, now, &err) == 0 ? 1 : -1;
	else if (r == 0)
		err.kind = TICKET_NOT_FOUND;
	else
		errf(err.msg, sizeof err.msg, "store: %s", store_errmsg());
	json_decref(root);
	if (r == 1 && (j = ticket_full(a->conf, a->store, &cm, ag->show_phone, now)) == NULL) {
		errf(err.msg, sizeof err.msg, "store: %s", store_errmsg());
		err.kind = TICKET_STORE;
		r = -1;
	}
	if (r == 1 && store_commit(a->store) != 0) {
		errf(err.msg, sizeof err.msg, "store: %s", store_errmsg());
		err.kind = TICKET_STORE;
		json_decref(j);
		r = -1;
	} else if (r != 1)
		store_rollback(a->store);
	store_complaint_clear(&cm);
	if (r != 1 && (err.kind == TICKET_OK || err.kind == TICKET_STORE)) {
		log_error("api: %s ticket %s: %s", ag->id, number, err.msg);
		json_error(res, 503, "store unavailable, try again");
		return;
	}
	if (r != 1 && err.kind == TICKET_NOT_FOUND) {
		not_found(res);
		return;
	}
	if (r != 1) {
		log_info("api: %s ticket %s refused with %d: %s", ag->id, number,
		    error_status(err.kind), err.msg);
		json_error(res, error_status(err.kind), "%s", err.msg);
		return;
	}
	if (a->deliver != NULL)
		deliver_wake(a->deliver);
	agency_respond_json(res, 200, j);
}

static void
api_handle(struct agency_ctx *a, const struct http_request *req, struct http_response *res)
{
	static const char prefix[] = "/api/v1/tickets";
	const struct conf_agency *ag;
	const char *path = http_request_path(req), *rest, *who = NULL;
	enum http_method m = http_request_method(req);
	char number[16];
	size_t n;

	ag = authenticate(a->conf, http_header(req, "Authorization"), &who);
	if (ag == NULL) {
		log_warnx("api: %s from %s without a valid bearer token",
		    http_header(req, "Authorization") != NULL ? "token" : "request",
		    http_request_peer(req));
		json_error(res, 401, "a valid bearer token is needed "
		    "(Authorization: Bearer <token>)");
		res->header_name = "WWW-Authenticate";
		res->header_value = "Bearer realm=\"aduan\"";
		return;
	}
	if (path == NULL || strncmp(path, prefix, sizeof prefix - 1) != 0) {
		json_error(res, 404, "not found");
		return;
	}
	rest = path + sizeof prefix - 1;
	if (*rest == '\0' || strcmp(rest, "/") == 0) {
		if (m != HTTP_GET)
			goto method;
		api_list(a, ag, req, res);
		return;
	}
	if (*rest++ != '/') {
		json_error(res, 404, "not found");
		return;
	}
	n = strcspn(rest, "/");
	if (n == 0 || n >= sizeof number) {
		json_error(res, 404, "not found");
		return;
	}
	memcpy(number, rest, n);
	number[n] = '\0';
	rest += n;
	if (*rest != '\0' && strcmp(rest, "/") != 0 && strcmp(rest, "/events") != 0) {
		json_error(res, 404, "not found");
		return;
	}
	if (!agency_all_digits(number, 8, 8)) {
		not_found(res);
		return;
	}
	if (strcmp(rest, "/events") == 0) {
		if (m != HTTP_POST)
			goto method;
		api_post(a, ag, who, number, req, res);
		return;
	}
	if (m != HTTP_GET)
		goto method;
	api_get(a, ag, number, res);
	return;

method:
	json_error(res, 405, "method not allowed here");
	res->header_name = "Allow";
	res->header_value = strcmp(rest, "/events") == 0 ? "POST" : "GET";
}

void
agency_api_handler(void *ctx, const struct http_request *req, struct http_response *res)
{
	struct agency_ctx *a = ctx, local;
	const struct live_snap *snap = agency_pin(a, &local);

	api_handle(&local, req, res);
	if (snap != NULL)
		live_put(a->live, snap);
}
