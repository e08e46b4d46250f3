/*
 * generic: a JSON endpoint for any SMS aggregator or in-house gateway that
 * can call a URL with a JSON body.  The reply comes back in the answer
 * (reply_inline 1): the caller sends it to the citizen.
 *
 * The contract (README-ready):
 *
 *   POST /generic/sms
 *   Content-Type: application/json
 *   Authorization: Bearer SECRET        (or: X-Aduan-Secret: SECRET)
 *
 *   {"from": "081234567890", "to": "1708", "text": "JALAN rusak di depan pasar",
 *    "id": "msg-000123", "time": 1767366245}
 *
 *   | field | required | meaning |
 *   |---|---|---|
 *   | `from` | yes | the sender; normalised to E.164 (`0812...` -> `+62812...`) |
 *   | `text` | yes | the message, UTF-8 (may be empty: the citizen gets the help text) |
 *   | `id` | recommended | your message id, a string or an integer: the same id again gets the same answer and creates nothing new |
 *   | `to` | no | the short code |
 *   | `time` | no | when the SMS was received: Unix seconds, or ISO-8601 (`2026-01-02T15:04:05Z`, `...+07:00`; without an offset, UTC) |
 *
 *   Other members are ignored.  SECRET is `gateways.generic.secret` in
 *   Aduan's config (at least 12 characters); compared in constant time.
 *
 *   | answer | when |
 *   |---|---|
 *   | 200 `application/json` `{"reply": "TEXT"}` | stored and committed; send TEXT to `from` |
 *   | 200 `{"reply": ""}` | stored; send nothing (alphanumeric senders such as TELKOMSEL) |
 *   | 400 plain-text reason | not JSON (jansson's reason, line, column, position); `from` or `text` missing or malformed |
 *   | 403 | wrong or missing secret |
 *   | 404 | no `gateways.generic` group in the config |
 *   | 413 | text over `sms.max_text`, or a body over `server.max_body` |
 *   | 503 | the database is unavailable: retry with the same `id` |
 *
 *   curl -H 'Authorization: Bearer ganti-rahasia-generic' -H 'Content-Type: application/json' \
 *        -d '{"from":"081234567890","to":"1708","text":"JALAN rusak","id":"msg-000123"}' \
 *        http://127.0.0.1:8080/generic/sms
 *   {"reply": "Aduan diterima. No tiket: 18892251. ..."}
 *
 * Without an id every call is a new message: a retry after a lost answer
 * opens a second ticket.
 *
 * JSON: this adapter parses its bodies with jansson.  The project keeps
 * third-party libraries behind few modules; a gateway whose protocol is
 * JSON is one of the places where that parsing is expected to live.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "gateway/gateway.h"
#include "sms/text.h"
#include "util/date.h"
#include "util/util.h"

#define UNIX_TIME_MAX 32503680000LL     /* year 3000 */

/* Authorization: Bearer SECRET, or X-Aduan-Secret: SECRET (constant time). */
static int
authenticated(const struct conf *c, const struct http_request *req)
{
	const char *auth = http_header(req, "Authorization");
	const char *xs = http_header(req, "X-Aduan-Secret");
	int ok = 0;

	if (auth != NULL && strncasecmp(auth, "Bearer ", 7) == 0) {
		for (auth += 7; *auth == ' '; auth++)
			;
		ok |= str_secret_equal(auth, c->generic_secret);
		if (c->generic_secret_next != NULL)
			ok |= str_secret_equal(auth, c->generic_secret_next);
	}
	if (xs != NULL) {
		ok |= str_secret_equal(xs, c->generic_secret);
		if (c->generic_secret_next != NULL)
			ok |= str_secret_equal(xs, c->generic_secret_next);
	}
	return ok;
}

/* Member `name` as a string: 0 (*s NULL when absent or null), or 400. */
static int
member(const json_t *o, const char *name, const char **s, size_t *len, char *err, size_t errsz)
{
	const json_t *v = json_object_get(o, name);

	*s = NULL;
	*len = 0;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return gateway_fail(err, errsz, 400, "field \"%s\" must be a string", name);
	*s = json_string_value(v);
	*len = json_string_length(v);
	return 0;
}

/* "id": a string or an integer, into in->id.  0, or 400. */
static int
read_id(const json_t *o, struct sms_in *in, char *err, size_t errsz)
{
	const json_t *v = json_object_get(o, "id");
	const char *s;
	size_t len;

	if (v == NULL || json_is_null(v))
		return 0;
	if (json_is_integer(v)) {
		snprintf(in->id, sizeof in->id, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return 0;
	}
	if (!json_is_string(v))
		return gateway_fail(err, errsz, 400, "%s", "field \"id\" must be a string or an integer");
	s = json_string_value(v);
	len = json_string_length(v);
	if (len >= sizeof in->id || !gateway_token(s, len))
		return gateway_fail(err, errsz, 400, "field \"id\" must be at most %zu printable ASCII "
		    "characters without spaces", sizeof in->id - 1);
	memcpy(in->id, s, len);
	return 0;
}

/* "time": Unix seconds (a number or a string of digits) or ISO-8601.  0, or 400. */
static int
read_time(const json_t *o, struct sms_in *in, char *err, size_t errsz)
{
	const json_t *v = json_object_get(o, "time");
	const char *s;
	long t;
	int64_t iso;

	if (v == NULL || json_is_null(v))
		return 0;
	if (json_is_integer(v) && json_integer_value(v) >= 0 &&
	    json_integer_value(v) <= UNIX_TIME_MAX) {
		in->time = (int64_t)json_integer_value(v);
		return 0;
	}
	if (json_is_string(v)) {
		s = json_string_value(v);
		if (str_to_long(s, 0, (long)UNIX_TIME_MAX, &t) == 0) {
			in->time = t;
			return 0;
		}
		if ((iso = date_parse_iso8601(s)) >= 0 && iso <= UNIX_TIME_MAX) {
			in->time = iso;
			return 0;
		}
	}
	return gateway_fail(err, errsz, 400, "%s", "field \"time\" must be Unix seconds or an ISO-8601 "
	    "time like 2026-01-02T15:04:05+07:00");
}

static int
generic_decode(const struct conf *c, const struct http_request *req, struct sms_in *in,
    size_t max, size_t *nin, char *err, size_t errsz)
{
	json_error_t jerr;
	json_t *root;
	const char *body, *from, *to, *text;
	size_t len, flen, tolen, tlen;
	int st;

	*nin = 0;
	if (max == 0)
		return gateway_fail(err, errsz, 500, "%s", "no room for a message");
	memset(in, 0, sizeof *in);
	if (c->generic_secret == NULL)
		return gateway_fail(err, errsz, 404, "%s",
		    "the generic JSON endpoint is not enabled in the configuration");
	if (!authenticated(c, req))
		return gateway_fail(err, errsz, 403, "%s", "wrong or missing secret (Authorization: Bearer "
		    "<secret> or X-Aduan-Secret: <secret>)");
	body = http_body(req, &len);
	if (body == NULL || len == 0)
		return gateway_fail(err, errsz, 400, "%s", "expected a JSON body (Content-Type: application/json)");
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL)
		return gateway_fail(err, errsz, 400, "bad JSON: %s (line %d, column %d, position %d)",
		    jerr.text, jerr.line, jerr.column, jerr.position);
	if (!json_is_object(root)) {
		st = gateway_fail(err, errsz, 400, "%s", "the body must be a JSON object "
		    "{\"from\", \"text\", \"id\", \"to\", \"time\"}");
		goto out;
	}
	if ((st = member(root, "from", &from, &flen, err, errsz)) != 0 ||
	    (st = member(root, "text", &text, &tlen, err, errsz)) != 0 ||
	    (st = member(root, "to", &to, &tolen, err, errsz)) != 0)
		goto out;
	st = 400;
	if (from == NULL || flen == 0) {
		gateway_fail(err, errsz, 400, "%s", "missing field \"from\"");
		goto out;
	}
	if (flen >= sizeof in->from || !text_utf8_valid(from, flen)) {
		gateway_fail(err, errsz, 400, "%s", "field \"from\" is not a phone number or sender name");
		goto out;
	}
	if (text == NULL) {
		gateway_fail(err, errsz, 400, "%s", "missing field \"text\"");
		goto out;
	}
	if (to != NULL && (tolen >= sizeof in->to || !gateway_token(to, tolen))) {
		gateway_fail(err, errsz, 400, "%s", "field \"to\" is not a short code");
		goto out;
	}
	if ((st = read_id(root, in, err, errsz)) != 0 || (st = read_time(root, in, err, errsz)) != 0)
		goto out;
	if (!text_utf8_valid(text, tlen)) {
		st = gateway_fail(err, errsz, 400, "%s", "field \"text\" is not valid UTF-8 or has a NUL byte");
		goto out;
	}
	if ((long)tlen > c->max_text) {
		st = gateway_fail(err, errsz, 413, "%s", "text too long");
		goto out;
	}
	memcpy(in->from, from, flen);
	if (to != NULL)
		memcpy(in->to, to, tolen);
	in->text = xstrndup(text, tlen);
	in->text_len = tlen;
	*nin = 1;
	st = 0;
out:
	json_decref(root);
	if (st != 0)
		memset(in, 0, sizeof *in);
	return st;
}

/* {"reply": "TEXT"}; {"reply": ""} when nothing must be sent. */
static void
generic_encode(const char *reply, struct http_response *res)
{
	json_t *o = json_pack("{s:s}", "reply", reply);
	char *s = o != NULL ? json_dumps(o, 0) : NULL;

	if (s != NULL)
		http_respond(res, 200, "application/json", s, strlen(s));
	else
		http_respond_text(res, 500, "could not encode the reply\n");
	free(s);
	json_decref(o);
}

const struct gateway gateway_generic = {
	.name = "generic",
	.sms_path = "/generic/sms",
	.decode_sms = generic_decode,
	.reply_inline = 1,
	.encode_reply = generic_encode,
};
