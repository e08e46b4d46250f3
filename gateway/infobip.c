/*
 * infobip: the Infobip adapter.  SMS in, acknowledged only: the replies
 * leave through the outbox and the configured sms_sender (reply_inline 0).
 *
 * Inbound SMS: Infobip POSTs JSON to the forwarding URL set for the number
 * in its portal, which carries our secret in its query string:
 *
 *   POST /infobip/sms?secret=S
 *   Content-Type: application/json
 *
 *   {"results": [{"messageId": "817790313235066447", "from": "6281234567890",
 *                 "to": "1708", "text": "JALAN rusak di depan pasar",
 *                 "cleanText": "rusak di depan pasar", "keyword": "JALAN",
 *                 "receivedAt": "2026-01-02T15:04:05.000+0000", "smsCount": 1}],
 *    "messageCount": 1, "pendingMessageCount": 0}
 *
 * Several messages may come in one callback: each result is one message,
 * deduplicated by its messageId on its own (intake).  We take "text", the
 * message as the citizen wrote it; "cleanText" has the keyword Infobip
 * matched cut off, which would lose the routing word.  receivedAt is
 * ISO-8601 with its offset (+0000, +07:00 or Z).  The answer is 200 "ok"
 * once every message is stored; a non-2xx makes Infobip send the whole
 * callback again, and the messages already stored answer from the store.
 *
 * Refusals: 403 wrong or missing secret; 400 a body that is not JSON
 * (jansson's reason with line, column and position), or a result without
 * messageId, from or text (the result's index and the field are named);
 * 413 more results than one callback may carry, or a text over
 * sms.max_text.  An empty results array is 200: nothing to do.
 *
 * Delivery reports: Infobip POSTs JSON to the notifyUrl send_infobip() gives it,
 * /infobip/dlr?secret=S:
 *
 *   {"results": [{"messageId": "...", "to": "...", "status": {"groupId": 3,
 *     "groupName": "DELIVERED", "id": 5, "name": "DELIVERED_TO_HANDSET"}, ...}]}
 *
 * The status group maps to our states: DELIVERED -> delivered (but its
 * DELIVERED_TO_OPERATOR, an intermediate status, -> submitted), PENDING ->
 * buffered, UNDELIVERABLE and EXPIRED -> failed, REJECTED -> rejected.  The
 * gateway interface takes one report per request: the first result's.
 *
 * Outbound: POST JSON to <url>/sms/2/text/advanced with "Authorization:
 * App <password = API key>": the number in E.164 without '+', messageId
 * "aduan-<outbox id>", from, text, and with gateways.infobip.secret a
 * notifyUrl (public_url + /infobip/dlr?secret=...); status group PENDING
 * or ACCEPTED is sent (provider id: its messageId), REJECTED,
 * UNDELIVERABLE or EXPIRED final; 429 and 5xx retried, 401 and other 4xx
 * not.  No username.
 *
 * JSON: this adapter parses its bodies with jansson.  The project keeps
 * third-party libraries behind few modules; a gateway whose protocol is
 * JSON is one of the places where that parsing is expected to live.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "gateway/gateway.h"
#include "net/fetch.h"
#include "sms/text.h"
#include "util/crypto.h"
#include "util/date.h"
#include "util/util.h"

/* The request's secret (query string) against the configured one. */
static int
authenticate(const struct conf *c, const struct http_request *req, char *err, size_t errsz)
{
	return gateway_secret(req, c->infobip_secret, c->infobip_secret_next,
	    "Infobip", err, errsz);
}

/* The body as a JSON object with a "results" array, or an HTTP status. */
static int
load_results(const struct http_request *req, json_t **root, json_t **results, char *err,
    size_t errsz)
{
	json_error_t jerr;
	const char *body;
	size_t len;

	*root = NULL;
	body = http_body(req, &len);
	if (body == NULL || len == 0)
		return gateway_fail(err, errsz, 400, "%s", "expected a JSON body (Content-Type: application/json)");
	*root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (*root == NULL)
		return gateway_fail(err, errsz, 400, "bad JSON: %s (line %d, column %d, position %d)",
		    jerr.text, jerr.line, jerr.column, jerr.position);
	*results = json_object_get(*root, "results");
	if (!json_is_object(*root) || !json_is_array(*results)) {
		json_decref(*root);
		*root = NULL;
		return gateway_fail(err, errsz, 400, "%s", "the body must be an object with a \"results\" array");
	}
	return 0;
}

/*
 * Member `name` of result i as a string: 0 (*s NULL when absent or null and
 * not required), or 400.
 */
static int
member(const json_t *o, size_t i, const char *name, int required, const char **s, size_t *len,
    char *err, size_t errsz)
{
	const json_t *v = json_object_get(o, name);

	*s = NULL;
	*len = 0;
	if (v == NULL || json_is_null(v)) {
		if (required)
			return gateway_fail(err, errsz, 400, "results[%zu]: missing field \"%s\"", i, name);
		return 0;
	}
	if (!json_is_string(v))
		return gateway_fail(err, errsz, 400, "results[%zu]: field \"%s\" must be a string", i, name);
	*s = json_string_value(v);
	*len = json_string_length(v);
	return 0;
}

/* One result into *in.  0, or an HTTP status (nothing left to clear). */
static int
one_result(const struct conf *c, const json_t *o, size_t i, struct sms_in *in, char *err,
    size_t errsz)
{
	const char *id, *from, *to, *text, *at;
	size_t idlen, flen, tolen, tlen, alen;
	int64_t t = 0;
	int st;

	memset(in, 0, sizeof *in);
	if (!json_is_object(o))
		return gateway_fail(err, errsz, 400, "results[%zu] is not an object", i);
	if ((st = member(o, i, "messageId", 1, &id, &idlen, err, errsz)) != 0 ||
	    (st = member(o, i, "from", 1, &from, &flen, err, errsz)) != 0 ||
	    (st = member(o, i, "text", 1, &text, &tlen, err, errsz)) != 0 ||
	    (st = member(o, i, "to", 0, &to, &tolen, err, errsz)) != 0 ||
	    (st = member(o, i, "receivedAt", 0, &at, &alen, err, errsz)) != 0)
		return st;
	if (idlen == 0 || idlen >= sizeof in->id || !gateway_token(id, idlen))
		return gateway_fail(err, errsz, 400, "results[%zu]: field \"messageId\" is empty or malformed", i);
	if (flen == 0 || flen >= sizeof in->from || !text_utf8_valid(from, flen))
		return gateway_fail(err, errsz, 400, "results[%zu]: field \"from\" is not a phone number "
		    "or sender name", i);
	if (to != NULL && (tolen >= sizeof in->to || !gateway_token(to, tolen)))
		return gateway_fail(err, errsz, 400, "results[%zu]: field \"to\" is not a number", i);
	if (at != NULL && (t = date_parse_iso8601(at)) < 0)
		return gateway_fail(err, errsz, 400, "results[%zu]: field \"receivedAt\" is not an ISO-8601 "
		    "time like 2026-01-02T15:04:05.000+0000", i);
	if (!text_utf8_valid(text, tlen))
		return gateway_fail(err, errsz, 400, "results[%zu]: field \"text\" is not valid UTF-8 or "
		    "has a NUL byte", i);
	if ((long)tlen > c->max_text)
		return gateway_fail(err, errsz, 413, "results[%zu]: text too long", i);

	memcpy(in->id, id, idlen);
	memcpy(in->from, from, flen);
	if (to != NULL)
		memcpy(in->to, to, tolen);
	in->time = t;
	in->text = xstrndup(text, tlen);
	in->text_len = tlen;
	return 0;
}

static int
infobip_decode(const struct conf *c, const struct http_request *req, struct sms_in *in,
    size_t max, size_t *nin, char *err, size_t errsz)
{
	json_t *root, *results;
	size_t count, i, k;
	int st;

	*nin = 0;
	if ((st = authenticate(c, req, err, errsz)) != 0)
		return st;
	if ((st = load_results(req, &root, &results, err, errsz)) != 0)
		return st;
	count = json_array_size(results);
	if (count > max) {
		json_decref(root);
		return gateway_fail(err, errsz, 413, "%zu results in one callback; at most %zu are taken",
		    count, max);
	}
	for (i = 0; i < count; i++) {
		st = one_result(c, json_array_get(results, i), i, &in[i], err, errsz);
		if (st != 0) {
			for (k = 0; k < i; k++)
				sms_in_clear(&in[k]);
			json_decref(root);
			return st;
		}
	}
	json_decref(root);
	*nin = count;
	return 0;
}

/* An acknowledgement: Infobip only wants a 2xx. */
static void
infobip_encode(const char *reply, struct http_response *res)
{
	(void)reply;
	http_respond_text(res, 200, "ok\n");
}

static int
infobip_decode_dlr(const struct conf *c, const struct http_request *req, char *provider_id,
    size_t idsz, char *state, size_t statesz, char *err, size_t errsz)
{
	static const struct {
		const char *group, *state;
		long id;
	} map[] = {
		{ "PENDING", "buffered", 1 }, { "UNDELIVERABLE", "failed", 2 },
		{ "DELIVERED", "delivered", 3 }, { "EXPIRED", "failed", 4 },
		{ "REJECTED", "rejected", 5 },
	};
	json_t *root, *results, *r, *status, *v;
	const char *id, *group = NULL, *name;
	const char *result_state;
	size_t ilen, i;
	long gid;
	int st;

	if ((st = authenticate(c, req, err, errsz)) != 0)
		return st;
	if ((st = load_results(req, &root, &results, err, errsz)) != 0)
		return st;
	r = json_array_get(results, 0);
	if (r == NULL) {
		json_decref(root);
		return gateway_fail(err, errsz, 400, "%s", "no delivery report in \"results\"");
	}
	v = json_object_get(r, "messageId");
	if (!json_is_string(v)) {
		json_decref(root);
		return gateway_fail(err, errsz, 400, "%s", "results[0]: missing field \"messageId\"");
	}
	id = json_string_value(v);
	ilen = json_string_length(v);
	if (ilen == 0 || ilen >= idsz || !gateway_token(id, ilen)) {
		json_decref(root);
		return gateway_fail(err, errsz, 400, "%s", "results[0]: field \"messageId\" is empty or malformed");
	}
	status = json_object_get(r, "status");
	if (!json_is_object(status)) {
		json_decref(root);
		return gateway_fail(err, errsz, 400, "%s", "results[0]: missing object \"status\"");
	}
	/* groupName decides; a report without it is read by groupId. */
	v = json_object_get(status, "groupName");
	if (json_is_string(v))
		group = json_string_value(v);
	v = json_object_get(status, "groupId");
	gid = group == NULL && json_is_integer(v) ? (long)json_integer_value(v) : -1;
	for (i = 0; i < ARRAY_LEN(map); i++)
		if (group != NULL ? strcmp(group, map[i].group) == 0 : gid == map[i].id)
			break;
	if (i == ARRAY_LEN(map)) {
		gateway_fail(err, errsz, 400, "results[0]: status group '%.40s' is not one of PENDING, "
		    "UNDELIVERABLE, DELIVERED, EXPIRED, REJECTED", group ? group : "(none)");
		json_decref(root);
		return 400;
	}
	result_state = map[i].state;
	/* Reached the operator, not yet the phone: a later report follows. */
	v = json_object_get(status, "name");
	name = json_is_string(v) ? json_string_value(v) : "";
	if (strcmp(map[i].group, "DELIVERED") == 0 && strcmp(name, "DELIVERED_TO_OPERATOR") == 0)
		result_state = "submitted";
	str_copy(provider_id, idsz, id);
	str_copy(state, statesz, result_state);
	json_decref(root);
	return 0;
}

/* ---- outgoing SMS ------------------------------------------------------------ */

/* Upper-case letters, digits and '_' only: a status name worth quoting. */
static int
plain(const char *s)
{
	for (; *s != '\0'; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

/*
 * {"bulkId":..,"messages":[{"messageId":..,"status":{"groupName":"PENDING",
 * "name":"PENDING_ACCEPTED","description":..},"to":..}]}.  PENDING (and
 * ACCEPTED, DELIVERED) is taken; REJECTED, UNDELIVERABLE and EXPIRED are
 * final; anything else is retried.
 */
static void
infobip_answer(const char *body, size_t len, const char *mid, struct send_result *r)
{
	static const char *const ok[] = { "PENDING", "ACCEPTED", "DELIVERED" };
	static const char *const final[] = { "REJECTED", "UNDELIVERABLE", "EXPIRED" };
	json_error_t jerr;
	json_t *root, *first, *st;
	const char *group, *name, *desc, *id;
	char why[FETCH_QUOTE_MAX + 1];
	size_t i;

	if ((root = json_loadb(body, len, 0, &jerr)) == NULL) {
		gateway_result(r, SEND_RETRY, "infobip: unreadable answer: %s", jerr.text);
		return;
	}
	first = json_array_get(json_object_get(root, "messages"), 0);
	st = json_object_get(first, "status");
	if ((group = gateway_jstr(st, "groupName")) == NULL) {
		gateway_result(r, SEND_RETRY, "infobip: answer without a message status");
		json_decref(root);
		return;
	}
	for (i = 0; i < ARRAY_LEN(ok); i++)
		if (strcmp(group, ok[i]) == 0) {
			id = gateway_jstr(first, "messageId");
			if (id == NULL || *id == '\0' ||
			    str_copy(r->provider_id, sizeof r->provider_id, id) != 0)
				str_copy(r->provider_id, sizeof r->provider_id, mid);
			gateway_result(r, SEND_OK, "%s", "");
			json_decref(root);
			return;
		}
	/* "REJECTED_DESTINATION: Destination address is invalid" */
	name = gateway_jstr(st, "name");
	desc = gateway_jstr(st, "description");
	fetch_quote(desc != NULL ? desc : "", desc != NULL ? strlen(desc) : 0, why, sizeof why);
	gateway_mask_numbers(why);
	for (i = 0; i < ARRAY_LEN(final); i++)
		if (strcmp(group, final[i]) == 0)
			break;
	gateway_result(r, i < ARRAY_LEN(final) ? SEND_FAIL : SEND_RETRY, "infobip: %.40s: %s",
	    name != NULL && plain(name) ? name : plain(group) ? group : "unknown status", why);
	json_decref(root);
}

/*
 * POST <sender_url>/sms/2/text/advanced with "Authorization: App <key>"
 * and one message: the destination in E.164 without '+', our messageId
 * "aduan-<outbox id>" (what delivery reports carry), from, text, and,
 * with gateways.infobip.secret set, a notifyUrl back to /infobip/dlr.
 * 401 (a wrong key) and other 4xx are final; 429 and 5xx retried.
 */
static void
send_infobip(const struct conf *c, const char *to, const char *text, int64_t outbox_id,
    struct send_result *r)
{
	struct sbuf url, notify;
	struct fetch_req req = { 0 };
	struct fetch_res res;
	json_t *root, *msg, *dest;
	json_error_t jerr;
	char mid[48], auth[300], why[FETCH_QUOTE_MAX + 1], *payload, *e;
	const char *hdrs[] = { auth, "Accept: application/json", NULL };
	const char *etext;
	int n;

	sbuf_init(&url, GATEWAY_REQUEST_MAX);
	sbuf_init(&notify, GATEWAY_REQUEST_MAX);
	snprintf(mid, sizeof mid, "aduan-%" PRId64, outbox_id);
	n = snprintf(auth, sizeof auth, "Authorization: App %s", c->sender_password);
	if (n < 0 || (size_t)n >= sizeof auth) {
		gateway_result(r, SEND_FAIL, "infobip: API key too long");
		return;
	}
	dest = json_object();
	json_object_set_new(dest, "to", json_string(to[0] == '+' ? to + 1 : to));
	json_object_set_new(dest, "messageId", json_string(mid));
	msg = json_object();
	json_object_set_new(msg, "destinations", json_pack("[o]", dest));
	if (c->sender_from != NULL)
		json_object_set_new(msg, "from", json_string(c->sender_from));
	json_object_set_new(msg, "text", json_string(text));
	if (c->infobip_secret != NULL && c->public_url != NULL) {
		sbuf_add(&notify, c->public_url, gateway_base_len(c->public_url));
		sbuf_str(&notify, "/infobip/dlr?secret=");
		e = fetch_escape(c->infobip_secret, strlen(c->infobip_secret));
		sbuf_str(&notify, e);
		free(e);
		if (!notify.overflow)
			json_object_set_new(msg, "notifyUrl", json_string(notify.s));
		json_object_set_new(msg, "notifyContentType", json_string("application/json"));
	}
	root = json_pack("{s:[o]}", "messages", msg);
	payload = root != NULL ? json_dumps(root, JSON_COMPACT) : NULL;
	json_decref(root);
	free(notify.s);
	if (notify.overflow) {
		gateway_result(r, SEND_FAIL, "infobip: notifyUrl over %d bytes", GATEWAY_REQUEST_MAX);
		free(payload);
		return;
	}
	if (payload == NULL) {
		gateway_result(r, SEND_FAIL, "infobip: cannot encode the request");
		return;
	}

	sbuf_add(&url, c->sender_url, gateway_base_len(c->sender_url));
	sbuf_str(&url, "/sms/2/text/advanced");
	if (url.overflow) {
		gateway_result(r, SEND_FAIL, "infobip: URL over %d bytes", GATEWAY_REQUEST_MAX);
		free(payload);
		free(url.s);
		return;
	}
	req.method = "POST";
	req.url = url.s;
	req.content_type = "application/json";
	req.body = payload;
	req.body_len = strlen(payload);
	req.headers = hdrs;
	req.timeout_s = c->delivery_timeout;
	req.max_response = GATEWAY_ANSWER_MAX;
	if (fetch(&req, &res) == -1)
		gateway_result(r, SEND_RETRY, "infobip: %s", res.error);
	else if (res.status >= 200 && res.status <= 299)
		infobip_answer(res.body, res.body_len, mid, r);
	else {
		/* {"requestError":{"serviceException":{"messageId":..,"text":..}}} */
		root = json_loadb(res.body, res.body_len, 0, &jerr);
		etext = gateway_jstr(json_object_get(json_object_get(root, "requestError"),
		    "serviceException"), "text");
		if (etext != NULL)
			fetch_quote(etext, strlen(etext), why, sizeof why);
		else
			fetch_quote(res.body, res.body_len, why, sizeof why);
		gateway_mask_numbers(why);
		json_decref(root);
		gateway_result(r, gateway_status_outcome(res.status), "infobip: HTTP %ld: %s", res.status, why);
	}
	fetch_res_clear(&res);
	crypto_cleanse(auth, sizeof auth);
	free(payload);
	free(url.s);
}

const struct gateway gateway_infobip = {
	.name = "infobip",
	.sms_path = "/infobip/sms",
	.decode_sms = infobip_decode,
	.reply_inline = 0,
	.encode_reply = infobip_encode,
	.dlr_path = "/infobip/dlr",
	.decode_dlr = infobip_decode_dlr,
	.sender_type = SENDER_INFOBIP,
	.send_needs_url = 1,
	.send_needs_username = 0,
	.send = send_infobip,
};
