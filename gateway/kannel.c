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
 *
 * Outbound: GET sendsms with username, password, from, to, text; a text
 * that is not GSM-7 goes as UTF-16BE with coding=2; dlr-mask=31 and a
 * dlr-url back to Aduan (/kannel/dlr) carrying the outbox id, so delivery
 * reports find their message.  202 accepted; 503 and transport errors are
 * worth a retry; 403 (not routable) and other 4xx are not.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/gateway.h"
#include "net/fetch.h"
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
	if ((st = gateway_secret(req, c->kannel_secret, c->kannel_secret_next,
	    "Kannel", err, errsz)) != 0)
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
 * Delivery reports: the dlr-url send_kannel() gives Kannel,
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

	if ((st = gateway_secret(req, c->kannel_secret, c->kannel_secret_next,
	    "Kannel", err, errsz)) != 0)
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

/* ---- Kannel sendsms --------------------------------------------------------- */

/* Writes UTF-8 s (valid) as UTF-16BE bytes into b: surrogate pairs beyond the BMP. */
static void
utf16be(const char *s, size_t len, struct sbuf *b)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k, n;
	uint32_t c;
	char u[4];

	while (i < len) {
		if (p[i] < 0x80) {
			c = p[i];
			n = 1;
		} else if (p[i] < 0xE0) {
			c = p[i] & 0x1F;
			n = 2;
		} else if (p[i] < 0xF0) {
			c = p[i] & 0x0F;
			n = 3;
		} else {
			c = p[i] & 0x07;
			n = 4;
		}
		for (k = 1; k < n && i + k < len; k++)
			c = (c << 6) | (p[i + k] & 0x3F);
		i += n;
		if (c >= 0x10000) {
			uint32_t v = c - 0x10000, hi = 0xD800 | (v >> 10), lo = 0xDC00 | (v & 0x3FF);

			u[0] = (char)(hi >> 8);
			u[1] = (char)(hi & 0xFF);
			u[2] = (char)(lo >> 8);
			u[3] = (char)(lo & 0xFF);
			sbuf_add(b, u, 4);
		} else {
			u[0] = (char)(c >> 8);
			u[1] = (char)(c & 0xFF);
			sbuf_add(b, u, 2);
		}
	}
}

/*
 * Kannel returns no message id: the outbox id goes in the dlr-url, and
 * delivery reports are matched by it.
 */
static int
kannel_provider_id_ahead(const struct conf *c, int64_t outbox_id, char *buf, size_t bufsz)
{
	(void)c;
	snprintf(buf, bufsz, "%" PRId64, outbox_id);
	return 1;
}

/*
 * GET <sender_url>?username&password&to&text&charset[&coding][&from]
 * [&dlr-mask&dlr-url].  GSM-7 text goes as UTF-8 (Kannel converts it to
 * the GSM alphabet); anything else as UTF-16BE bytes with coding=2, since
 * Kannel would turn every non-GSM character into '?'.  Kannel returns no
 * message id: our dlr-url carries the outbox id instead, and that id is
 * the provider_id delivery reports are matched by.  Without
 * gateways.kannel.secret there is no /kannel/dlr endpoint to report to,
 * so no reports are asked for.
 */
static void
send_kannel(const struct conf *c, const char *to, const char *text, int64_t outbox_id,
    struct send_result *r)
{
	struct sbuf q, u16, dlr;
	struct fetch_req req = { 0 };
	struct fetch_res res;
	char idbuf[32], why[FETCH_QUOTE_MAX + 1], *url, *e;
	size_t tlen = strlen(text), plen;
	int gsm7 = gsm_is_gsm7(text, tlen);

	(void)kannel_provider_id_ahead(c, outbox_id, idbuf, sizeof idbuf);
	str_copy(r->provider_id, sizeof r->provider_id, idbuf);
	sbuf_init(&q, GATEWAY_REQUEST_MAX);
	sbuf_init(&u16, GATEWAY_REQUEST_MAX);
	sbuf_init(&dlr, GATEWAY_REQUEST_MAX);

	gateway_param(&q, "username", c->sender_username, strlen(c->sender_username));
	gateway_param(&q, "password", c->sender_password, strlen(c->sender_password));
	gateway_param(&q, "to", to, strlen(to));
	if (gsm7) {
		gateway_param(&q, "text", text, tlen);
		gateway_param(&q, "charset", "UTF-8", 5);
	} else {
		utf16be(text, tlen, &u16);
		gateway_param(&q, "text", u16.s != NULL ? u16.s : "", u16.len);
		gateway_param(&q, "coding", "2", 1);
		gateway_param(&q, "charset", "UTF-16BE", 8);
	}
	if (c->sender_from != NULL)
		gateway_param(&q, "from", c->sender_from, strlen(c->sender_from));
	if (c->kannel_secret != NULL && c->public_url != NULL) {
		/*
		 * Kannel URL-decodes dlr-url once, then replaces %d: the
		 * secret is escaped for the inner URL, the whole for ours.
		 */
		plen = strlen(c->public_url);
		while (plen > 0 && c->public_url[plen - 1] == '/')
			plen--;
		sbuf_add(&dlr, c->public_url, plen);
		sbuf_str(&dlr, "/kannel/dlr?secret=");
		e = fetch_escape(c->kannel_secret, strlen(c->kannel_secret));
		sbuf_str(&dlr, e);
		free(e);
		sbuf_str(&dlr, "&id=");
		sbuf_str(&dlr, idbuf);
		sbuf_str(&dlr, "&type=%d");
		gateway_param(&q, "dlr-mask", "31", 2);
		gateway_param(&q, "dlr-url", dlr.s, dlr.len);
	}
	if (q.overflow || u16.overflow || dlr.overflow) {
		gateway_result(r, SEND_FAIL, "kannel: request over %d bytes", GATEWAY_REQUEST_MAX);
		goto out;
	}

	url = xmalloc(strlen(c->sender_url) + 1 + q.len + 1);
	memcpy(url, c->sender_url, strlen(c->sender_url) + 1);
	plen = strlen(url);
	url[plen++] = strchr(c->sender_url, '?') != NULL ? '&' : '?';
	memcpy(url + plen, q.s, q.len + 1);

	req.method = "GET";
	req.url = url;
	req.timeout_s = c->delivery_timeout;
	req.max_response = GATEWAY_ANSWER_MAX;
	/* A 202 status line is Kannel's receipt, whatever became of the body. */
	if (fetch(&req, &res) == -1 && !(res.status >= 200 && res.status <= 299))
		gateway_result(r, SEND_RETRY, "kannel: %s", res.error);
	else {
		fetch_quote(res.body, res.body_len, why, sizeof why);
		if (res.status >= 200 && res.status <= 299)
			gateway_result(r, SEND_OK, "%s", "");
		else if (res.status == 403)
			gateway_result(r, SEND_FAIL, "kannel: not routable (HTTP 403): %s", why);
		else
			gateway_result(r, gateway_status_outcome(res.status), "kannel: HTTP %ld: %s",
			    res.status, why);
	}
	fetch_res_clear(&res);
	free(url);
out:
	free(q.s);
	free(u16.s);
	free(dlr.s);
}

const struct gateway gateway_kannel = {
	.name = "kannel",
	.sms_path = "/kannel/sms",
	.decode_sms = kannel_decode,
	.reply_inline = 1,
	.encode_reply = kannel_encode,
	.dlr_path = "/kannel/dlr",
	.decode_dlr = kannel_decode_dlr,
	.sender_type = SENDER_KANNEL,
	.send_needs_url = 1,
	.send_needs_username = 1,
	.send = send_kannel,
	.provider_id_ahead = kannel_provider_id_ahead,
};
