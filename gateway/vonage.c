/*
 * vonage: the Vonage (formerly Nexmo) SMS API adapter.  The inbound-SMS
 * webhook registered in Vonage's dashboard (per number or account-wide)
 * carries our secret in its query string:
 *
 *   https://HOST/vonage/sms?secret=S
 *
 * Vonage calls it as GET (parameters in the query), POST (a form) or
 * POST-JSON (a JSON object of strings), with
 *
 *   msisdn=6281234567890&to=1708&messageId=0A0000000123ABCD1&text=Hello
 *   &type=text&keyword=HELLO&message-timestamp=2020-01-01+12%3A00%3A00
 *
 * and, for each part of a long message it did not join, concat=true,
 * concat-ref, concat-total and concat-part (intake joins the parts).
 * msisdn is E.164 without the '+'.  type is text or unicode (either way the
 * text arrives as UTF-8) or binary (data and udh instead of text: refused).
 * message-timestamp is UTC.
 *
 * Vonage wants a 200 quickly and retries anything else for up to a day:
 * the answer is a bare acknowledgement, and the reply SMS leaves through
 * the outbox and the configured sms_sender.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "gateway/gateway.h"
#include "sms/text.h"
#include "util/date.h"
#include "util/util.h"

/* s[0..len) is exactly the word lit (no NUL byte hiding a longer value). */
static int
is(const char *s, size_t len, const char *lit)
{
	return s != NULL && len == strlen(lit) && memcmp(s, lit, len) == 0;
}

static int
all_digits(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return len > 0;
}

/*
 * The request's parameters: the query and form (http_param), or the
 * members of a POST-JSON body.  JSON numbers and booleans are read as
 * their text ("3", "true"); anything else counts as absent.
 */
struct params {
	const struct http_request *req;
	json_t *json;
	char scratch[8][32];
	size_t nscratch;
};

static const char *
param(struct params *p, const char *name, size_t *len)
{
	json_t *v;
	char *b;

	*len = 0;
	if (p->json == NULL)
		return http_param(p->req, name, len);
	v = json_object_get(p->json, name);
	if (json_is_string(v)) {
		*len = json_string_length(v);
		return json_string_value(v);
	}
	if ((json_is_integer(v) || json_is_boolean(v)) && p->nscratch < ARRAY_LEN(p->scratch)) {
		b = p->scratch[p->nscratch++];
		if (json_is_boolean(v))
			str_copy(b, sizeof p->scratch[0], json_is_true(v) ? "true" : "false");
		else
			snprintf(b, sizeof p->scratch[0], "%" JSON_INTEGER_FORMAT,
			    json_integer_value(v));
		*len = strlen(b);
		return b;
	}
	return NULL;
}

/* A POST whose body is not a form must be a JSON object.  0, or a status. */
static int
params_init(struct params *p, const struct http_request *req, char *err, size_t errsz)
{
	json_error_t je;
	const char *body;
	size_t len;

	memset(p, 0, sizeof *p);
	p->req = req;
	body = http_request_method(req) == HTTP_POST ? http_body(req, &len) : NULL;
	if (body == NULL)
		return 0;
	p->json = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	if (p->json == NULL)
		return gateway_fail(err, errsz, 400, "body is neither a form nor JSON: %.80s", je.text);
	if (!json_is_object(p->json)) {
		json_decref(p->json);
		p->json = NULL;
		return gateway_fail(err, errsz, 400, "%s", "JSON body is not an object");
	}
	return 0;
}

static void
params_clear(struct params *p)
{
	json_decref(p->json);
	p->json = NULL;
}

/* "2020-01-01 12:00:00" (UTC; 'T' for the space accepted) to Unix time.  0 or -1. */
static int
parse_timestamp(const char *s, size_t len, int64_t *out)
{
	struct date d;

	if (date_parse(s, len, DATE_NO_ZONE | DATE_NO_FRACTION, &d) != 0)
		return -1;
	*out = date_unix(&d);
	return 0;
}

/* concat, concat-ref, concat-total, concat-part.  0, or 400 with a reason. */
static int
decode_concat(struct params *p, struct sms_in *in, char *err, size_t errsz)
{
	const char *concat, *ref, *total, *part;
	size_t clen, rlen, tlen, plen;
	long t, n;

	concat = param(p, "concat", &clen);
	ref = param(p, "concat-ref", &rlen);
	total = param(p, "concat-total", &tlen);
	part = param(p, "concat-part", &plen);
	if (concat != NULL && !is(concat, clen, "true") && !is(concat, clen, "false"))
		return gateway_fail(err, errsz, 400, "%s", "parameter concat must be true or false");
	if (!is(concat, clen, "true") && ref == NULL && total == NULL && part == NULL)
		return 0;       /* a message in one piece */
	if (ref == NULL || total == NULL || part == NULL)
		return gateway_fail(err, errsz, 400, "%s", "a part of a long message needs concat-ref, "
		    "concat-total and concat-part");
	if (rlen == 0 || rlen >= sizeof in->concat_ref || !gateway_token(ref, rlen))
		return gateway_fail(err, errsz, 400, "%s", "parameter concat-ref is malformed");
	if (strlen(total) != tlen || str_to_long(total, 2, 255, &t) != 0)
		return gateway_fail(err, errsz, 400, "%s", "parameter concat-total must be 2 to 255");
	if (strlen(part) != plen || str_to_long(part, 1, t, &n) != 0)
		return gateway_fail(err, errsz, 400, "parameter concat-part must be 1 to %ld", t);
	memcpy(in->concat_ref, ref, rlen);
	in->concat_ref[rlen] = '\0';
	in->concat_total = (int)t;
	in->concat_part = (int)n;
	return 0;
}

static int
vonage_fields(const struct conf *c, struct params *p, struct sms_in *in, char *err,
    size_t errsz)
{
	const char *from, *to, *id, *type, *text, *ts;
	size_t from_len, to_len, id_len, len, text_len, ts_len;
	int64_t t = 0;
	int st;

	from = param(p, "msisdn", &from_len);
	if (from == NULL || from_len == 0)
		return gateway_fail(err, errsz, 400, "%s", "missing parameter: msisdn (the sender)");
	/* Room for the '+' put before an all-digit msisdn. */
	if (from_len >= sizeof in->from - 1 || !text_utf8_valid(from, from_len))
		return gateway_fail(err, errsz, 400, "%s", "parameter msisdn is not a phone number or sender name");
	to = param(p, "to", &to_len);
	if (to != NULL && (to_len >= sizeof in->to || !gateway_token(to, to_len)))
		return gateway_fail(err, errsz, 400, "%s", "parameter to is not a number");
	id = param(p, "messageId", &id_len);
	if (id == NULL || id_len == 0)
		return gateway_fail(err, errsz, 400, "%s", "missing parameter: messageId");
	if (id_len >= sizeof in->id || !gateway_token(id, id_len))
		return gateway_fail(err, errsz, 400, "%s", "parameter messageId is malformed");

	type = param(p, "type", &len);
	if (is(type, len, "binary"))
		return gateway_fail(err, errsz, 400, "%s", "binary messages are not supported");
	if (type != NULL && len > 0 && !is(type, len, "text") && !is(type, len, "unicode"))
		return gateway_fail(err, errsz, 400, "%s", "parameter type must be text, unicode or binary");
	text = param(p, "text", &text_len);
	if (text == NULL)
		return gateway_fail(err, errsz, 400, "%s", "missing parameter: text");
	if ((long)text_len > c->max_text)
		return gateway_fail(err, errsz, 413, "%s", "text too long");
	if (!text_utf8_valid(text, text_len))
		return gateway_fail(err, errsz, 400, "%s", "text is not valid UTF-8 or contains a NUL byte");

	ts = param(p, "message-timestamp", &ts_len);
	if (ts != NULL && ts_len > 0 && parse_timestamp(ts, ts_len, &t) != 0)
		return gateway_fail(err, errsz, 400, "%s", "parameter message-timestamp is not "
		    "\"YYYY-MM-DD HH:MM:SS\" (UTC)");
	if ((st = decode_concat(p, in, err, errsz)) != 0)
		return st;

	/* Vonage gives E.164 without the '+': say so, whatever the country code. */
	if (all_digits(from, from_len) && from_len >= 8 && from[0] != '0')
		snprintf(in->from, sizeof in->from, "+%.*s", (int)from_len, from);
	else
		memcpy(in->from, from, from_len);
	if (to != NULL)
		memcpy(in->to, to, to_len);
	memcpy(in->id, id, id_len);
	in->time = t;
	in->text = xstrndup(text, text_len);
	in->text_len = text_len;
	return 0;
}

static int
vonage_decode(const struct conf *c, const struct http_request *req, struct sms_in *in,
    size_t max, size_t *nin, char *err, size_t errsz)
{
	struct params p;
	int st;

	*nin = 0;
	if (max == 0)
		return gateway_fail(err, errsz, 500, "%s", "no room for a message");
	memset(in, 0, sizeof *in);
	if ((st = gateway_secret(req, c->vonage_secret, c->vonage_secret_next,
	    "Vonage", err, errsz)) != 0)
		return st;
	if ((st = params_init(&p, req, err, errsz)) != 0)
		return st;
	st = vonage_fields(c, &p, in, err, errsz);
	params_clear(&p);
	if (st != 0) {
		memset(in, 0, sizeof *in);
		return st;
	}
	*nin = 1;
	return 0;
}

/* Only ever an acknowledgement: replies leave through the outbox. */
static void
vonage_encode(const char *reply, struct http_response *res)
{
	(void)reply;
	http_respond_text(res, 200, "ok\n");
}

/*
 * Delivery receipts, registered in Vonage's dashboard as
 *   /vonage/dlr?secret=S
 * GET, form or JSON with messageId (the id Vonage's API returned for the
 * SMS), status, msisdn, err-code, message-timestamp and more.
 */
static int
vonage_decode_dlr(const struct conf *c, const struct http_request *req, char *provider_id,
    size_t idsz, char *state, size_t statesz, char *err, size_t errsz)
{
	static const struct {
		const char *status, *state;
	} map[] = {
		{ "delivered", "delivered" }, { "failed", "failed" }, { "expired", "failed" },
		{ "rejected", "rejected" }, { "accepted", "submitted" }, { "buffered", "buffered" },
	};
	struct params p;
	const char *id, *status;
	size_t len, ilen, i;
	int st;

	if ((st = gateway_secret(req, c->vonage_secret, c->vonage_secret_next,
	    "Vonage", err, errsz)) != 0)
		return st;
	if ((st = params_init(&p, req, err, errsz)) != 0)
		return st;
	id = param(&p, "messageId", &ilen);
	if (id == NULL || ilen == 0 || ilen >= idsz || !gateway_token(id, ilen)) {
		params_clear(&p);
		return gateway_fail(err, errsz, 400, "%s", "missing or malformed parameter: messageId");
	}
	status = param(&p, "status", &len);
	for (i = 0; status != NULL && i < ARRAY_LEN(map); i++)
		if (is(status, len, map[i].status))
			break;
	if (status == NULL || i == ARRAY_LEN(map)) {
		st = gateway_fail(err, errsz, 400, "status '%.40s' is not one of delivered, failed, expired, "
		    "rejected, accepted, buffered", status != NULL ? status : "");
		params_clear(&p);
		return st;
	}
	str_copy(provider_id, idsz, id);
	str_copy(state, statesz, map[i].state);
	params_clear(&p);
	return 0;
}

const struct gateway gateway_vonage = {
	.name = "vonage",
	.sms_path = "/vonage/sms",
	.decode_sms = vonage_decode,
	.reply_inline = 0,
	.encode_reply = vonage_encode,
	.dlr_path = "/vonage/dlr",
	.decode_dlr = vonage_decode_dlr,
};
