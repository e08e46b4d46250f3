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
 * messaging API (gateway/send.c), as Africa's Talking expects.
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
 */
#include <stdlib.h>
#include <string.h>

#include "gateway/gateway.h"
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
	if ((st = gateway_secret(req, c->africastalking_secret, "Africa's Talking", err,
	    errsz)) != 0)
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
	if ((st = gateway_secret(req, c->africastalking_secret, "Africa's Talking", err,
	    errsz)) != 0)
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

	if ((st = gateway_secret(req, c->africastalking_secret, "Africa's Talking", err,
	    errsz)) != 0)
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
};
