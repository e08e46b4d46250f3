/*
 * africastalking: the Africa's Talking adapter: USSD, incoming SMS and
 * delivery reports.
 *
 * SMS: a form POST to the callback registered for the short code,
 *
 *   POST /africastalking/sms?secret=S
 *   from=%2B62812..&to=1708&text=JALAN..&date=2026-11-28T08:51:03.000Z&id=ATXid_..&linkId=..
 *
 * answered 200 at once; the reply leaves through the outbox and the
 * messaging API (send_africastalking below), as Africa's Talking expects.
 *
 * USSD: a form POST to the callback URL registered in Africa's Talking's
 * dashboard, which carries our secret in its query string:
 *
 *   POST /africastalking/ussd?secret=S
 *   sessionId=ATUid_..&serviceCode=*123%23&phoneNumber=%2B62812..&networkCode=51010&text=1*2
 *
 * `text` is empty on the first request, then every input of the session
 * joined by '*'.  The answer is text/plain starting "CON " (wait for input)
 * or "END " (the last screen).
 *
 * Outbound: POST username, to, message, from with the apiKey header;
 * success is SMSMessageData.Recipients[0].status "Success", whose
 * messageId is kept for its delivery reports (/africastalking/dlr).
 */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/gateway.h"
#include "net/fetch.h"
#include "sms/text.h"
#include "util/date.h"
#include "util/util.h"

static int
at_decode_ussd(const struct conf *c, const struct http_request *req, struct ussd_in *in,
    char *err, size_t errsz)
{
	const char *session, *phone, *code, *text;
	size_t slen, plen, clen = 0, tlen;
	int st;

	memset(in, 0, sizeof *in);
	if ((st = gateway_secret(req, c->africastalking_secret, c->africastalking_secret_next,
	    "Africa's Talking", err, errsz)) != 0)
		return st;

	session = http_param(req, "sessionId", &slen);
	if (session == NULL || slen == 0)
		return gateway_fail(err, errsz, 400, "missing parameter: sessionId");
	if (slen >= sizeof in->session || !gateway_token(session, slen))
		return gateway_fail(err, errsz, 400, "parameter sessionId is malformed");
	phone = http_param(req, "phoneNumber", &plen);
	if (phone == NULL || plen == 0)
		return gateway_fail(err, errsz, 400, "missing parameter: phoneNumber");
	if (plen >= sizeof in->phone || !text_utf8_valid(phone, plen))
		return gateway_fail(err, errsz, 400, "parameter phoneNumber is not a phone number");
	code = http_param(req, "serviceCode", &clen);
	if (code != NULL && (clen >= sizeof in->service_code || !gateway_token(code, clen)))
		return gateway_fail(err, errsz, 400, "parameter serviceCode is malformed");
	text = http_param(req, "text", &tlen);
	if (text == NULL)
		return gateway_fail(err, errsz, 400, "missing parameter: text");
	if (!text_utf8_valid(text, tlen))
		return gateway_fail(err, errsz, 400, "text is not valid UTF-8 or contains a NUL byte");
	if ((long)tlen > c->max_text)
		return gateway_fail(err, errsz, 413, "text too long");

	memcpy(in->session, session, slen);
	memcpy(in->phone, phone, plen);
	if (code != NULL)
		memcpy(in->service_code, code, clen);
	in->text = xstrndup(text, tlen);
	in->text_len = tlen;
	in->cumulative = 1;
	return 0;
}

static int
at_decode_sms(const struct conf *c, const struct http_request *req, struct sms_in *in,
    size_t max, size_t *n, char *err, size_t errsz)
{
	const char *from, *to, *text, *id, *date;
	size_t len, flen, tolen = 0, tlen, ilen;
	int64_t t = 0;
	int st;

	*n = 0;
	if (max == 0)
		return gateway_fail(err, errsz, 500, "no room for a message");
	memset(in, 0, sizeof *in);
	if ((st = gateway_secret(req, c->africastalking_secret, c->africastalking_secret_next,
	    "Africa's Talking", err, errsz)) != 0)
		return st;
	from = http_param(req, "from", &flen);
	if (from == NULL || flen == 0)
		return gateway_fail(err, errsz, 400, "missing parameter: from");
	if (flen >= sizeof in->from || !text_utf8_valid(from, flen))
		return gateway_fail(err, errsz, 400, "parameter from is not a phone number or sender name");
	to = http_param(req, "to", &tolen);
	if (to != NULL && (tolen >= sizeof in->to || !gateway_token(to, tolen)))
		return gateway_fail(err, errsz, 400, "parameter to is not a short code");
	text = http_param(req, "text", &tlen);
	if (text == NULL)
		return gateway_fail(err, errsz, 400, "missing parameter: text");
	if (!text_utf8_valid(text, tlen))
		return gateway_fail(err, errsz, 400, "text is not valid UTF-8 or contains a NUL byte");
	if ((long)tlen > c->max_text)
		return gateway_fail(err, errsz, 413, "text too long");
	id = http_param(req, "id", &ilen);
	if (id == NULL || ilen == 0)
		return gateway_fail(err, errsz, 400, "missing parameter: id");
	if (ilen >= sizeof in->id || !gateway_token(id, ilen))
		return gateway_fail(err, errsz, 400, "parameter id is malformed");
	date = http_param(req, "date", &len);
	if (date != NULL && len > 0 && (t = date_parse_iso8601(date)) < 0)
		return gateway_fail(err, errsz, 400, "parameter date is not an ISO-8601 time");

	memcpy(in->from, from, flen);
	if (to != NULL)
		memcpy(in->to, to, tolen);
	memcpy(in->id, id, ilen);
	in->time = t;
	in->text = xstrndup(text, tlen);
	in->text_len = tlen;
	*n = 1;
	return 0;
}

/* The SMS callback wants 200 and nothing else: replies go by the API. */
static void
at_encode_ack(const char *reply, struct http_response *res)
{
	(void)reply;
	http_respond_text(res, 200, "");
}

static void
at_encode_ussd(const char *screen, int end, struct http_response *res)
{
	size_t n = strlen(screen);
	char *body = xmalloc(n + 5);

	memcpy(body, end ? "END " : "CON ", 4);
	memcpy(body + 4, screen, n + 1);
	http_respond_text(res, 200, body);
	free(body);
}

/*
 * SMS delivery reports, registered in Africa's Talking's dashboard as
 *   /africastalking/dlr?secret=S
 * a form POST with id (the messageId its API returned), status (Success,
 * Sent, Buffered, Rejected, Failed), phoneNumber, networkCode and
 * failureReason.
 */
static int
at_decode_dlr(const struct conf *c, const struct http_request *req, char *provider_id,
    size_t idsz, char *state, size_t statesz, char *err, size_t errsz)
{
	static const struct {
		const char *status, *state;
	} map[] = {
		{ "Success", "delivered" }, { "Sent", "submitted" }, { "Buffered", "buffered" },
		{ "Rejected", "rejected" }, { "Failed", "failed" },
	};
	const char *id, *status;
	size_t len, ilen, i;
	int st;

	if ((st = gateway_secret(req, c->africastalking_secret, c->africastalking_secret_next,
	    "Africa's Talking", err, errsz)) != 0)
		return st;
	id = http_param(req, "id", &ilen);
	if (id == NULL || ilen == 0 || ilen >= idsz || !gateway_token(id, ilen))
		return gateway_fail(err, errsz, 400, "missing or malformed parameter: id");
	status = http_param(req, "status", &len);
	if (status == NULL)
		return gateway_fail(err, errsz, 400, "missing parameter: status");
	for (i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(map[i].status, status) == 0)
			break;
	if (i == sizeof map / sizeof map[0])
		return gateway_fail(err, errsz, 400, "status '%.40s' is not one of Success, Sent, Buffered, "
		    "Rejected, Failed", status);
	str_copy(provider_id, idsz, id);
	str_copy(state, statesz, map[i].state);
	return 0;
}

/* ---- outgoing SMS (the messaging API) ------------------------------------- */

/*
 * Recipient statuses (the messaging API's statusCode names).  Final: the
 * number itself cannot take this message, and trying again will not change
 * that.  Everything else, "Success" aside, is retried: the operator can fix
 * a balance, a sender id or a risk hold, and the gateway's own errors pass.
 */
static const char *const at_final[] = {
	"InvalidPhoneNumber",           /* 403 */
	"UnsupportedNumberType",        /* 404 */
	"UserInBlacklist",              /* 406 */
	"DoNotDisturbRejection",        /* 409 */
};

static int
at_is_final(const char *status)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(at_final); i++)
		if (strcmp(status, at_final[i]) == 0)
			return 1;
	return 0;
}

/* Reads {"SMSMessageData":{"Message":..,"Recipients":[{"status":..,"messageId":..}]}}. */
static void
at_answer(const char *body, size_t len, struct send_result *r)
{
	json_error_t jerr;
	json_t *root, *data, *rcpts, *first, *st, *id, *msg;
	const char *status;

	if ((root = json_loadb(body, len, 0, &jerr)) == NULL) {
		gateway_result(r, SEND_RETRY, "africastalking: unreadable answer: %s", jerr.text);
		return;
	}
	data = json_object_get(root, "SMSMessageData");
	rcpts = json_object_get(data, "Recipients");
	first = json_array_get(rcpts, 0);
	if (first == NULL) {
		/* No recipient: the reason is in Message ("InvalidSenderId"). */
		msg = json_object_get(data, "Message");
		status = json_is_string(msg) ? json_string_value(msg) : "no recipients";
		gateway_result(r, at_is_final(status) ? SEND_FAIL : SEND_RETRY,
		    "africastalking: %.100s", status);
	} else if (!json_is_string(st = json_object_get(first, "status")))
		gateway_result(r, SEND_RETRY, "africastalking: answer without a recipient status");
	else if (strcmp(status = json_string_value(st), "Success") == 0) {
		id = json_object_get(first, "messageId");
		if (json_is_string(id))
			str_copy(r->provider_id, sizeof r->provider_id, json_string_value(id));
		gateway_result(r, SEND_OK, "%s", "");
	} else
		gateway_result(r, at_is_final(status) ? SEND_FAIL : SEND_RETRY,
		    "africastalking: %.100s", status);
	json_decref(root);
}

/*
 * POST username, to, message[, from] as a form with the apiKey header.
 * The HTTP status says whether the request was taken at all (401/403 a
 * wrong key or username, 400 a malformed request: final); the recipient's
 * status says what became of the message.
 */
static void
send_africastalking(const struct conf *c, const char *to, const char *text,
    int64_t outbox_id, struct send_result *r)
{
	struct sbuf f;
	struct fetch_req req = { 0 };
	struct fetch_res res;
	char key[300], why[FETCH_QUOTE_MAX + 1];
	const char *hdrs[] = { key, "Accept: application/json", NULL };

	(void)outbox_id;
	sbuf_init(&f, GATEWAY_REQUEST_MAX);
	gateway_param(&f, "username", c->sender_username, strlen(c->sender_username));
	gateway_param(&f, "to", to, strlen(to));
	gateway_param(&f, "message", text, strlen(text));
	if (c->sender_from != NULL)
		gateway_param(&f, "from", c->sender_from, strlen(c->sender_from));
	if (f.overflow) {
		gateway_result(r, SEND_FAIL, "africastalking: request over %d bytes", GATEWAY_REQUEST_MAX);
		free(f.s);
		return;
	}
	snprintf(key, sizeof key, "apiKey: %s", c->sender_password);

	req.method = "POST";
	req.url = c->sender_url;
	req.content_type = "application/x-www-form-urlencoded";
	req.body = f.s;
	req.body_len = f.len;
	req.headers = hdrs;
	req.timeout_s = c->delivery_timeout;
	req.max_response = GATEWAY_ANSWER_MAX;
	if (fetch(&req, &res) == -1)
		gateway_result(r, SEND_RETRY, "africastalking: %s", res.error);
	else if (res.status >= 200 && res.status <= 299)
		at_answer(res.body, res.body_len, r);
	else {
		fetch_quote(res.body, res.body_len, why, sizeof why);
		gateway_result(r, gateway_status_outcome(res.status), "africastalking: HTTP %ld: %s",
		    res.status, why);
	}
	fetch_res_clear(&res);
	free(f.s);
}

const struct gateway gateway_africastalking = {
	.name = "africastalking",
	.sms_path = "/africastalking/sms",
	.decode_sms = at_decode_sms,
	.reply_inline = 0,
	.encode_reply = at_encode_ack,
	.ussd_path = "/africastalking/ussd",
	.decode_ussd = at_decode_ussd,
	.encode_ussd = at_encode_ussd,
	.dlr_path = "/africastalking/dlr",
	.decode_dlr = at_decode_dlr,
	.sender_type = SENDER_AFRICASTALKING,
	.send_needs_url = 1,
	.send_needs_username = 1,
	.send = send_africastalking,
};
