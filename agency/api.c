/*
 * agency/api: the bearer-token agency REST API.  Each agency sees and
 * changes only its own tickets; a change goes through ticket_apply (the
 * ticket core, ticket/change.h) in one transaction.  OpenSSL's SHA-256
 * (crypto_sha256_hex, util/crypto.h) hashes the token: the config keeps only
 * the hash.
 *
 * Agency API answers (application/json; charset=utf-8; errors are
 * {"error": "reason"}):
 *   GET  /api/v1/tickets    {"tickets": [ticket...], "next_cursor": "<id>" | null}
 *        status=<lifecycle name>, since=<ISO-8601 or Unix seconds> (updated
 *        at or after), limit=1..100 (20), cursor=<next_cursor>; newest first.
 *   GET  /api/v1/tickets/{number}          the ticket with "events"
 *   POST /api/v1/tickets/{number}/events   {"status", "note", "agency"}: all
 *        optional strings, no other members; the answer is the ticket as GET
 *        shows it.  400 bad JSON / unknown status or agency / note over 1000
 *        characters, 401 no or unknown token (WWW-Authenticate: Bearer), 404
 *        another agency's ticket or none (the same body), 405, 409 a change
 *        the lifecycle refuses, withdrawn, or a re-route by anyone but the
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
#include "sms/text.h"
#include "util/crypto.h"
#include "util/log.h"
#include "util/util.h"

#define NOTE_MAX_CHARS          1000
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

/* The agency whose token_sha256 is the hash of the bearer token, or NULL. */
static const struct conf_agency *
authenticate(const struct conf *c, const char *auth)
{
	const struct conf_agency *found = NULL;
	char hex[65];
	size_t i, n;

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
	/* Compare with every agency: the time taken says nothing about which. */
	for (i = 0; i < c->nagencies; i++)
		if (c->agencies[i].token_sha256 != NULL &&
		    str_secret_equal(hex, c->agencies[i].token_sha256) && found == NULL)
			found = &c->agencies[i];
	return found;
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
		json_array_append_new(arr, ticket_must(json_pack("{s:o, s:o, s:o, s:o}",
		    "at", ticket_jtime(ev[i].at), "actor", ticket_jstr(ev[i].actor),
		    "status", ev[i].status[0] != '\0' ? ticket_jstr(ev[i].status) : json_null(),
		    "note", ticket_jstr(ev[i].note))));
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
	const char *status, *since, *limit, *cursor;
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
	q.agency = ag->id;
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
	if (r == 0 || strcmp(cm.agency, ag->id) != 0) {
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

static void
api_post(struct agency_ctx *a, const struct conf_agency *ag, const char *number,
    const struct http_request *req, struct http_response *res)
{
	struct store_complaint cm;
	json_error_t jerr;
	json_t *root, *v, *j = NULL;
	const char *body, *status, *note, *to, *key;
	char err[256];
	int64_t now = now_unix();
	size_t len;
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
		if (strcmp(key, "status") != 0 && strcmp(key, "note") != 0 &&
		    strcmp(key, "agency") != 0) {
			json_error(res, 400, "unknown field '%.40s' (known: status, note, agency)",
			    key);
			json_decref(root);
			return;
		}
	}
	if (member(root, "status", &status) != 0 || member(root, "note", &note) != 0 ||
	    member(root, "agency", &to) != 0) {
		json_decref(root);
		json_error(res, 400, "status, note and agency must be strings");
		return;
	}
	if (note != NULL && text_utf8_chars(note, strlen(note)) > NOTE_MAX_CHARS) {
		json_decref(root);
		json_error(res, 400, "note is longer than %d characters", NOTE_MAX_CHARS);
		return;
	}

	if (store_begin(a->store) != 0) {
		log_error("api: begin: %s", store_errmsg());
		json_decref(root);
		json_error(res, 503, "store unavailable, try again");
		return;
	}
	r = store_complaint_get(a->store, number, &cm);
	if (r != 1 || strcmp(cm.agency, ag->id) != 0) {
		store_rollback(a->store);
		json_decref(root);
		if (r == 1)
			store_complaint_clear(&cm);
		if (r < 0) {
			log_error("api: get ticket: %s", store_errmsg());
			json_error(res, 503, "store unavailable, try again");
		} else
			not_found(res);
		return;
	}
	r = ticket_apply(a->conf, a->store, &cm, ag->id, status, note, to, now, err,
	    sizeof err);
	json_decref(root);
	if (r == 0 && (j = ticket_full(a->conf, a->store, &cm, ag->show_phone, now)) == NULL) {
		errf(err, sizeof err, "store: %s", store_errmsg());
		r = -1;
	}
	if (r == 0 && store_commit(a->store) != 0) {
		errf(err, sizeof err, "store: %s", store_errmsg());
		json_decref(j);
		r = -1;
	} else if (r != 0)
		store_rollback(a->store);
	store_complaint_clear(&cm);
	if (r < 0) {
		log_error("api: %s ticket %s: %s", ag->id, number, err);
		json_error(res, 503, "store unavailable, try again");
		return;
	}
	if (r > 0) {
		log_info("api: %s ticket %s refused with %d: %s", ag->id, number, r, err);
		json_error(res, r, "%s", err);
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
	const char *path = http_request_path(req), *rest;
	enum http_method m = http_request_method(req);
	char number[16];
	size_t n;

	ag = authenticate(a->conf, http_header(req, "Authorization"));
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
		api_post(a, ag, number, req, res);
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
