/*
 * kannel: the Kannel adapter.  smsbox calls our get-url with escape codes
 * substituted (see doc/kannel.conf):
 *
 *   /kannel/sms?secret=S&from=%p&to=%P&text=%b&coding=%c&charset=%C&id=%I&time=%T
 *
 * %b is the exact message bytes; without mo-recode a UCS-2 message arrives
 * as raw UTF-16BE (coding=2), so the text is decoded by coding/charset.
 * The answer is text/plain; charset=UTF-8, which smsbox sends back as the
 * reply SMS.  Kannel squeezes a text/plain reply through GSM-7, so a reply
 * that is not GSM-7 carries "X-Kannel-Coding: 2" (honoured when smsbox has
 * accept-x-kannel-headers = true).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/gateway.h"
#include "sms/gsm.h"
#include "sms/text.h"
#include "util/util.h"

static int
kannel_decode(const struct conf *c, const struct http_request *req, struct sms_in *in,
    size_t max, size_t *nin, char *err, size_t errsz)
{
	const char *from, *to, *text, *coding, *charset, *id, *tm;
	size_t len, from_len, text_len, to_len = 0;
	long code = 0, t = 0;
	char reason[128];
	long n;
	int st;

	*nin = 0;
	if (max == 0)
		return gateway_fail(err, errsz, 500, "%s", "no room for a message");
	memset(in, 0, sizeof *in);
	if ((st = gateway_secret(req, c->kannel_secret, "Kannel", err, errsz)) != 0)
		return st;

	from = http_param(req, "from", &from_len);
	if (from == NULL || from_len == 0)
		return gateway_fail(err, errsz, 400, "%s", "missing parameter: from (Kannel %p)");
	if (from_len >= sizeof in->from || !text_utf8_valid(from, from_len))
		return gateway_fail(err, errsz, 400, "%s", "parameter from is not a phone number or sender name");
	to = http_param(req, "to", &to_len);
	if (to != NULL && (to_len >= sizeof in->to || !gateway_token(to, to_len)))
		return gateway_fail(err, errsz, 400, "%s", "parameter to is not a short code");

	text = http_param(req, "text", &text_len);
	if (text == NULL)
		return gateway_fail(err, errsz, 400, "%s", "missing parameter: text (Kannel %b)");

	coding = http_param(req, "coding", &len);
	if (coding != NULL && len > 0 && str_to_long(coding, 0, 2, &code) != 0)
		return gateway_fail(err, errsz, 400, "%s", "parameter coding must be 0, 1 or 2 (Kannel %c)");
	charset = http_param(req, "charset", &len);
	if (charset != NULL && (len > 32 || !gateway_token(charset, len)))
		return gateway_fail(err, errsz, 400, "%s", "parameter charset is malformed");
	if (charset == NULL || *charset == '\0')
		charset = code == 2 ? "UTF-16BE" : code == 1 ? "ISO-8859-1" : "UTF-8";

	id = http_param(req, "id", &len);
	if (id != NULL && (len >= sizeof in->id || !gateway_token(id, len)))
		return gateway_fail(err, errsz, 400, "%s", "parameter id is malformed (Kannel %I)");
	tm = http_param(req, "time", &len);
	if (tm != NULL && len > 0 && str_to_long(tm, 0, 32503680000L, &t) != 0)
		return gateway_fail(err, errsz, 400, "%s", "parameter time is not a Unix time (Kannel %T)");

	/* UTF-8 takes at most 3 bytes per UTF-16 unit of 2 bytes: bound the copy. */
	if ((long)text_len > c->max_text * 2)
		return gateway_fail(err, errsz, 413, "%s", "text too long");
	in->text = xmalloc(text_len * 2 + 4);
	n = text_to_utf8(charset, (const unsigned char *)text, text_len, in->text,
	    text_len * 2 + 4, reason, sizeof reason);
	if (n < 0) {
		free(in->text);
		in->text = NULL;
		return gateway_fail(err, errsz, 400, "text: %s", reason);
	}
	if (n > c->max_text) {
		free(in->text);
		in->text = NULL;
		return gateway_fail(err, errsz, 413, "%s", "text too long");
	}
	in->text_len = (size_t)n;
	memcpy(in->from, from, from_len);
	if (to != NULL)
		memcpy(in->to, to, to_len);
	if (id != NULL)
		str_copy(in->id, sizeof in->id, id);
	in->time = tm != NULL && *tm ? t : 0;
	*nin = 1;
	return 0;
}

static void
kannel_encode(const char *reply, struct http_response *res)
{
	http_respond_text(res, 200, reply);
	if (*reply != '\0' && !gsm_is_gsm7(reply, strlen(reply))) {
		res->header_name = "X-Kannel-Coding";
		res->header_value = "2";
	}
}

/*
 * Delivery reports: the dlr-url gateway/send.c gives Kannel,
 *   /kannel/dlr?secret=S&id=<outbox id>&type=%d
 * where %d is one dlr-mask bit: 1 delivered to the phone, 2 not delivered,
 * 4 buffered, 8 accepted by the SMSC, 16 rejected by the SMSC.
 */
static int
kannel_decode_dlr(const struct conf *c, const struct http_request *req, char *provider_id,
    size_t idsz, char *state, size_t statesz, char *err, size_t errsz)
{
	static const struct {
		long bit;
		const char *state;
	} types[] = {
		{ 1, "delivered" }, { 2, "failed" }, { 4, "buffered" }, { 8, "submitted" },
		{ 16, "rejected" },
	};
	const char *id, *type;
	size_t len, ilen;
	long t, n;
	size_t i;
	int st;

	if ((st = gateway_secret(req, c->kannel_secret, "Kannel", err, errsz)) != 0)
		return st;
	id = http_param(req, "id", &ilen);
	if (id == NULL || ilen == 0 || ilen >= idsz || str_to_long(id, 1, 0x7fffffffffffffffL, &n) != 0)
		return gateway_fail(err, errsz, 400, "%s", "parameter id must be the outbox id Aduan sent");
	type = http_param(req, "type", &len);
	if (type == NULL || str_to_long(type, 0, 255, &t) != 0)
		return gateway_fail(err, errsz, 400, "%s", "parameter type must be Kannel's %d (1, 2, 4, 8 or 16)");
	for (i = 0; i < ARRAY_LEN(types); i++)
		if (types[i].bit == t)
			break;
	if (i == ARRAY_LEN(types))
		return gateway_fail(err, errsz, 400, "delivery report type %ld is not one of 1, 2, 4, 8, 16", t);
	str_copy(provider_id, idsz, id);
	str_copy(state, statesz, types[i].state);
	return 0;
}

const struct gateway gateway_kannel = {
	.name = "kannel",
	.sms_path = "/kannel/sms",
	.decode_sms = kannel_decode,
	.reply_inline = 1,
	.encode_reply = kannel_encode,
	.dlr_path = "/kannel/dlr",
	.decode_dlr = kannel_decode_dlr,
};
