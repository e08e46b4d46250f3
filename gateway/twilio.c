/*
 * twilio: the Twilio adapter (Programmable Messaging).
 *
 * Incoming SMS: Twilio calls the messaging webhook configured for the
 * number ("A message comes in", HTTP POST) with a form:
 *
 *   POST /twilio/sms
 *   X-Twilio-Signature: Base64(HMAC-SHA1(auth token, signed text))
 *   MessageSid=SM..&AccountSid=AC..&From=%2B62812..&To=%2B1415..&Body=..
 *   &NumSegments=1&NumMedia=0&... (and more it adds without notice)
 *
 * The signed text is the URL Twilio called followed by every POST
 * parameter, sorted by name, as name + value without separators.  That URL
 * is gateways.twilio.url, taken from the config and never from the request:
 * it must be exactly what is configured in Twilio's console (scheme, host,
 * path and any query string; the port may be written out or left to the
 * scheme, as Twilio's own libraries allow), so signatures check behind a
 * reverse proxy that changes the host, the port or the path.  Every parameter
 * Twilio sent is signed, known or not.  The comparison is constant-time.
 * A wrong or missing signature is 403 and nothing is stored.
 *
 * POST only: a GET's signature covers its raw query string, which
 * libmicrohttpd has already decoded when we see it, and no re-encoding is
 * sure to give back Twilio's bytes; a GET is 405 with the reason.  The
 * message's fields are read from the signed form body only: query-string
 * parameters (part of the configured URL, or added by someone else) are
 * never taken for From, Body or MessageSid.  Twilio sends no parameter
 * twice; a form that does fails the signature (the HTTP layer keeps a
 * name's first value only).
 *
 * MessageSid is the message id (a webhook Twilio repeats gets the stored
 * answer, no second ticket); From is the sender, To the number or short
 * code it was sent to, Body the text (UTF-8).  The answer is TwiML, which
 * Twilio sends back as the reply SMS:
 *
 *   <?xml version="1.0" encoding="UTF-8"?><Response><Message>TEXT</Message></Response>
 *
 * and <Response/> for no reply.
 *
 * Delivery reports: send_twilio() gives each message it sends through Twilio
 * the StatusCallback server.public_url + "/twilio/status" (a trailing '/'
 * of public_url dropped), a form POST with MessageSid and MessageStatus,
 * signed the same way over that URL with the auth token of the account
 * that sent the message: sms_sender.password when sms_sender.type is
 * twilio, or gateways.twilio.auth_token (either is accepted).
 *
 * Outbound: POST To, From, Body, StatusCallback (public_url +
 * /twilio/status) to <url, default https://api.twilio.com>/2010-04-01/
 * Accounts/<username = Account SID>/Messages.json with HTTP Basic auth
 * (Account SID, password = auth token); 201 with the message's sid (kept
 * for the status callbacks); 429, 5xx and transport errors are retried;
 * 400 (21211: not a valid number, ...), 401 and 403 are not, but for 21611
 * (the From number's queue is full).
 */
#include "gateway/twilio.h"

#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/gateway.h"
#include "net/fetch.h"
#include "sms/text.h"
#include "util/crypto.h"
#include "util/util.h"

/* The HTTP layer keeps at most 64 parameters a request. */
#define FORM_MAX        64

/* ---- the signature ---------------------------------------------------------- */

static int
by_name(const void *a, const void *b)
{
	return strcmp(((const struct twilio_param *)a)->name,
	    ((const struct twilio_param *)b)->name);
}

int
twilio_signature(const char *auth_token, const char *url, struct twilio_param *params,
    size_t n, char *out, size_t outsz)
{
	unsigned char mac[CRYPTO_SHA1_LEN], *msg;
	size_t klen = strlen(auth_token), total, off, i, nl;

	if (outsz < TWILIO_SIGNATURE_LEN + 1 || klen > INT_MAX)
		return -1;
	if (n > 1)
		qsort(params, n, sizeof *params, by_name);
	/* Bounded by the request: the URL from the config, the body by max_body. */
	total = strlen(url);
	for (i = 0; i < n; i++)
		total += strlen(params[i].name) + params[i].len;
	msg = xmalloc(total + 1);
	off = strlen(url);
	memcpy(msg, url, off);
	for (i = 0; i < n; i++) {
		nl = strlen(params[i].name);
		memcpy(msg + off, params[i].name, nl);
		off += nl;
		if (params[i].len > 0)
			memcpy(msg + off, params[i].value, params[i].len);
		off += params[i].len;
	}
	if (crypto_hmac_sha1(auth_token, klen, msg, total, mac) != 0) {
		free(msg);
		return -1;
	}
	free(msg);
	(void)crypto_base64(mac, CRYPTO_SHA1_LEN, out, outsz);   /* 28 characters and a NUL */
	return 0;
}

/* ---- the form ------------------------------------------------------------------ */

/* The POST parameters of a request: pointers into the request, valid as long. */
struct form {
	struct twilio_param p[FORM_MAX];
	size_t n;
};

static int
form_add(void *arg, const char *name, const char *value, size_t len)
{
	struct form *f = arg;

	if (f->n == FORM_MAX)
		return -1;
	f->p[f->n].name = name;
	f->p[f->n].value = value;
	f->p[f->n].len = len;
	f->n++;
	return 0;
}

/* The value of form parameter `name`, or NULL; *len its length. */
static const char *
form_get(const struct form *f, const char *name, size_t *len)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->p[i].name, name) == 0) {
			*len = f->p[i].len;
			return f->p[i].value;
		}
	*len = 0;
	return NULL;
}

/*
 * The same URL with its port dropped, or with the scheme's default port
 * written out when it has none ("" for a URL that is not http(s)): Twilio
 * has signed https URLs in both forms, and its own libraries accept
 * either, as this adapter does.
 */
static void
url_other_port(const char *url, char *out, size_t outsz)
{
	const char *host, *end, *p, *colon;
	int https;

	out[0] = '\0';
	if (strncmp(url, "https://", 8) == 0) {
		https = 1;
		host = url + 8;
	} else if (strncmp(url, "http://", 7) == 0) {
		https = 0;
		host = url + 7;
	} else
		return;
	end = host + strcspn(host, "/?#");
	for (p = host; p < end; p++)            /* after any user:password@ */
		if (*p == '@')
			host = p + 1;
	p = memchr(host, ']', (size_t)(end - host));    /* an IPv6 literal */
	if (p == NULL)
		p = host;
	colon = memchr(p, ':', (size_t)(end - p));
	if (colon != NULL)
		snprintf(out, outsz, "%.*s%s", (int)(colon - url), url, end);
	else
		snprintf(out, outsz, "%.*s:%d%s", (int)(end - url), url, https ? 443 : 80, end);
}

/*
 * Reads the POST form and checks X-Twilio-Signature over url (or url with
 * its port dropped or written out) with each of keys[0..nkeys).  0, or an
 * HTTP status with the reason in err; `what` names the URL's setting for
 * the reason (the URL itself is not told to a caller who could not sign).
 */
static int
signed_form(const struct http_request *req, const char *url, const char *what,
    const char *const *keys, size_t nkeys, struct form *f, char *err, size_t errsz)
{
	char want[TWILIO_SIGNATURE_LEN + 1], other[700];
	const char *given, *urls[2];
	size_t i, u;
	int ok = 0;

	if (http_request_method(req) != HTTP_POST)
		return gateway_fail(err, errsz, 405, "%s", "Twilio webhooks must use HTTP POST: a GET's "
		    "signature covers its raw query string, which cannot be checked here");
	f->n = 0;
	if (http_params_each(req, 1, form_add, f) != 0)
		return gateway_fail(err, errsz, 400, "more than %d form parameters", FORM_MAX);
	given = http_header(req, "X-Twilio-Signature");
	if (given == NULL || *given == '\0')
		return gateway_fail(err, errsz, 403, "%s", "missing X-Twilio-Signature");
	url_other_port(url, other, sizeof other);
	urls[0] = url;
	urls[1] = other;
	/* Every key and URL is tried, whichever matches: the time says nothing. */
	for (i = 0; i < nkeys; i++)
		for (u = 0; u < 2; u++)
			if (*urls[u] != '\0' &&
			    twilio_signature(keys[i], urls[u], f->p, f->n, want, sizeof want) == 0 &&
			    strlen(given) == TWILIO_SIGNATURE_LEN &&
			    crypto_equal(want, given, TWILIO_SIGNATURE_LEN))
				ok = 1;
	if (!ok)
		return gateway_fail(err, errsz, 403, "wrong X-Twilio-Signature (Twilio must call %s, "
		    "signing with the account's auth token)", what);
	return 0;
}

/* ---- incoming SMS ------------------------------------------------------------ */

static int
twilio_decode(const struct conf *c, const struct http_request *req, struct sms_in *in,
    size_t max, size_t *nin, char *err, size_t errsz)
{
	struct form f;
	const char *keys[2], *sid, *from, *to, *body;
	size_t slen, flen, tlen, blen;
	int st;

	*nin = 0;
	if (max == 0)
		return gateway_fail(err, errsz, 500, "%s", "no room for a message");
	memset(in, 0, sizeof *in);
	if (c->twilio_auth_token == NULL || c->twilio_url == NULL)
		return gateway_fail(err, errsz, 404, "%s", "the Twilio endpoint is not enabled in the configuration");
	keys[0] = c->twilio_auth_token;
	keys[1] = c->twilio_auth_token_next;    /* during a switch, or NULL */
	if ((st = signed_form(req, c->twilio_url, "gateways.twilio.url", keys,
	    keys[1] != NULL ? 2 : 1, &f, err, errsz)) != 0)
		return st;

	sid = form_get(&f, "MessageSid", &slen);
	if (sid == NULL || slen == 0)
		return gateway_fail(err, errsz, 400, "%s", "missing parameter: MessageSid");
	if (slen >= sizeof in->id || !gateway_token(sid, slen))
		return gateway_fail(err, errsz, 400, "%s", "parameter MessageSid is malformed");
	from = form_get(&f, "From", &flen);
	if (from == NULL || flen == 0)
		return gateway_fail(err, errsz, 400, "%s", "missing parameter: From");
	if (flen >= sizeof in->from || !text_utf8_valid(from, flen))
		return gateway_fail(err, errsz, 400, "%s", "parameter From is not a phone number or sender name");
	to = form_get(&f, "To", &tlen);
	if (to != NULL && (tlen >= sizeof in->to || !gateway_token(to, tlen)))
		return gateway_fail(err, errsz, 400, "%s", "parameter To is not a number or short code");
	body = form_get(&f, "Body", &blen);
	if (body == NULL)
		return gateway_fail(err, errsz, 400, "%s", "missing parameter: Body");
	if (!text_utf8_valid(body, blen))
		return gateway_fail(err, errsz, 400, "%s", "Body is not valid UTF-8 or contains a NUL byte");
	if ((long)blen > c->max_text)
		return gateway_fail(err, errsz, 413, "%s", "text too long");

	memcpy(in->id, sid, slen);
	memcpy(in->from, from, flen);
	if (to != NULL)
		memcpy(in->to, to, tlen);
	in->text = xstrndup(body, blen);
	in->text_len = blen;
	*nin = 1;
	return 0;
}

/*
 * TwiML: the reply as the text of one <Message>, XML-escaped.  Control
 * characters XML 1.0 cannot carry (all below 0x20 but tab, newline and
 * carriage return) become spaces.
 */
static void
twilio_encode(const char *reply, struct http_response *res)
{
	static const char head[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";
	static const char tag_open[] = "<Response><Message>";
	static const char tag_close[] = "</Message></Response>";
	static const char empty[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>";
	size_t n = strlen(reply), k, i, el;
	const char *e;
	char *body;

	if (n == 0) {
		http_respond(res, 200, "text/xml", empty, sizeof empty - 1);
		return;
	}
	/* At most 6 bytes ("&quot;") for each byte of the reply. */
	body = xmalloc(sizeof head + sizeof tag_open + sizeof tag_close + 6 * n);
	memcpy(body, head, sizeof head - 1);
	k = sizeof head - 1;
	memcpy(body + k, tag_open, sizeof tag_open - 1);
	k += sizeof tag_open - 1;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)reply[i];

		switch (ch) {
		case '&': e = "&amp;"; break;
		case '<': e = "&lt;"; break;
		case '>': e = "&gt;"; break;
		case '"': e = "&quot;"; break;
		case '\'': e = "&apos;"; break;
		default:
			body[k++] = ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r' ?
			    ' ' : (char)ch;
			continue;
		}
		el = strlen(e);
		memcpy(body + k, e, el);
		k += el;
	}
	memcpy(body + k, tag_close, sizeof tag_close - 1);
	k += sizeof tag_close - 1;
	http_respond(res, 200, "text/xml", body, k);
	free(body);
}

/* ---- delivery reports --------------------------------------------------------- */

/*
 * MessageStatus of an outbound message: accepted, scheduled, queued and
 * sending are still at Twilio; sent is handed to the carrier; undelivered
 * (the carrier could not deliver) and failed (Twilio could not send) both
 * failed; canceled (a scheduled message) never went.
 */
static int
twilio_decode_dlr(const struct conf *c, const struct http_request *req, char *provider_id,
    size_t idsz, char *state, size_t statesz, char *err, size_t errsz)
{
	static const struct {
		const char *status, *state;
	} map[] = {
		{ "accepted", "buffered" }, { "scheduled", "buffered" }, { "queued", "buffered" },
		{ "sending", "buffered" }, { "sent", "submitted" }, { "delivered", "delivered" },
		{ "read", "delivered" }, { "undelivered", "failed" }, { "failed", "failed" },
		{ "canceled", "rejected" },
	};
	struct form f;
	const char *keys[3], *sid, *status;
	char url[640];
	size_t nkeys = 0, ilen, slen, plen, i;
	int st;

	if (c->sender == SENDER_TWILIO && c->sender_password != NULL)
		keys[nkeys++] = c->sender_password;
	if (c->twilio_auth_token != NULL)
		keys[nkeys++] = c->twilio_auth_token;
	if (c->twilio_auth_token_next != NULL)
		keys[nkeys++] = c->twilio_auth_token_next;
	if (nkeys == 0 || c->public_url == NULL)
		return gateway_fail(err, errsz, 404, "%s", "the Twilio endpoint is not enabled in the configuration");
	plen = strlen(c->public_url);
	while (plen > 0 && c->public_url[plen - 1] == '/')
		plen--;
	if (plen > 512)
		return gateway_fail(err, errsz, 500, "%s", "server.public_url too long");
	snprintf(url, sizeof url, "%.*s/twilio/status", (int)plen, c->public_url);
	if ((st = signed_form(req, url, "server.public_url + /twilio/status", keys, nkeys, &f,
	    err, errsz)) != 0)
		return st;

	sid = form_get(&f, "MessageSid", &ilen);
	if (sid == NULL || ilen == 0 || ilen >= idsz || !gateway_token(sid, ilen))
		return gateway_fail(err, errsz, 400, "%s", "missing or malformed parameter: MessageSid");
	status = form_get(&f, "MessageStatus", &slen);
	if (status == NULL)
		return gateway_fail(err, errsz, 400, "%s", "missing parameter: MessageStatus");
	for (i = 0; i < ARRAY_LEN(map); i++)
		if (strlen(map[i].status) == slen && memcmp(map[i].status, status, slen) == 0)
			break;
	if (i == ARRAY_LEN(map))
		return gateway_fail(err, errsz, 400, "MessageStatus '%.40s' is not an outbound message "
		    "status (queued, sending, sent, delivered, undelivered, failed, ...)",
		    gateway_token(status, slen) ? status : "?");
	memcpy(provider_id, sid, ilen);
	provider_id[ilen] = '\0';
	str_copy(state, statesz, map[i].state);
	return 0;
}

/* ---- outgoing SMS ------------------------------------------------------------ */

#define TWILIO_API      "https://api.twilio.com"

/*
 * Twilio error codes ("code" in an error answer) that come with a 4xx but
 * pass with time; every other 4xx is final.  21611: the From number has
 * too many messages queued.
 */
static const long twilio_retry_codes[] = { 21611 };

/*
 * 2xx: {"sid":"SM..","status":"queued",...}: the sid is what status
 * callbacks carry.  Otherwise {"code":21211,"message":"...","status":400}.
 */
static void
twilio_answer(long status, const char *body, size_t len, struct send_result *r)
{
	json_error_t jerr;
	json_t *root = json_loadb(body, len, 0, &jerr);
	const char *sid, *msg;
	char why[FETCH_QUOTE_MAX + 1];
	enum send_outcome o;
	json_int_t code = 0;
	size_t i;

	if (status >= 200 && status <= 299) {
		if (root == NULL)
			gateway_result(r, SEND_RETRY, "twilio: unreadable answer: %s", jerr.text);
		else if ((sid = gateway_jstr(root, "sid")) == NULL || *sid == '\0' ||
		    str_copy(r->provider_id, sizeof r->provider_id, sid) != 0)
			gateway_result(r, SEND_RETRY, "twilio: answer without a message sid");
		else
			gateway_result(r, SEND_OK, "%s", "");
		json_decref(root);
		return;
	}
	o = gateway_status_outcome(status);
	if (root != NULL && json_is_integer(json_object_get(root, "code")))
		code = json_integer_value(json_object_get(root, "code"));
	if (o == SEND_FAIL)
		for (i = 0; i < ARRAY_LEN(twilio_retry_codes); i++)
			if (code == twilio_retry_codes[i])
				o = SEND_RETRY;
	if (root != NULL && (msg = gateway_jstr(root, "message")) != NULL)
		fetch_quote(msg, strlen(msg), why, sizeof why);
	else
		fetch_quote(body, len, why, sizeof why);
	gateway_mask_numbers(why);
	if (code != 0)
		gateway_result(r, o, "twilio: HTTP %ld error %lld: %s", status, (long long)code, why);
	else
		gateway_result(r, o, "twilio: HTTP %ld: %s", status, why);
	json_decref(root);
}

/*
 * POST <sender_url, default https://api.twilio.com>/2010-04-01/Accounts/
 * <Account SID>/Messages.json with HTTP Basic auth (Account SID, auth
 * token) and the form To, From, Body, StatusCallback.  The status
 * callback, server.public_url + "/twilio/status", is what gateway/twilio.c
 * checks the X-Twilio-Signature of.
 */
static void
send_twilio(const struct conf *c, const char *to, const char *text, int64_t outbox_id,
    struct send_result *r)
{
	struct sbuf f, url, cb;
	struct fetch_req req = { 0 };
	struct fetch_res res;
	char cred[400], b64[CRYPTO_BASE64_LEN(sizeof cred) + 1], auth[sizeof b64 + 32], *e;
	const char *hdrs[] = { auth, "Accept: application/json", NULL };
	const char *base = c->sender_url != NULL ? c->sender_url : TWILIO_API;
	int n;

	(void)outbox_id;
	n = snprintf(cred, sizeof cred, "%s:%s", c->sender_username, c->sender_password);
	if (n < 0 || (size_t)n >= sizeof cred) {
		gateway_result(r, SEND_FAIL, "twilio: Account SID and auth token too long");
		return;
	}
	(void)crypto_base64(cred, (size_t)n, b64, sizeof b64);
	crypto_cleanse(cred, sizeof cred);
	snprintf(auth, sizeof auth, "Authorization: Basic %s", b64);

	sbuf_init(&f, GATEWAY_REQUEST_MAX);
	sbuf_init(&url, GATEWAY_REQUEST_MAX);
	sbuf_init(&cb, GATEWAY_REQUEST_MAX);
	sbuf_add(&url, base, gateway_base_len(base));
	sbuf_str(&url, "/2010-04-01/Accounts/");
	e = fetch_escape(c->sender_username, strlen(c->sender_username));
	sbuf_str(&url, e);
	free(e);
	sbuf_str(&url, "/Messages.json");

	gateway_param(&f, "To", to, strlen(to));
	if (c->sender_from != NULL)
		gateway_param(&f, "From", c->sender_from, strlen(c->sender_from));
	gateway_param(&f, "Body", text, strlen(text));
	if (c->public_url != NULL) {
		sbuf_add(&cb, c->public_url, gateway_base_len(c->public_url));
		sbuf_str(&cb, "/twilio/status");
		gateway_param(&f, "StatusCallback", cb.s, cb.len);
	}
	if (f.overflow || url.overflow || cb.overflow) {
		gateway_result(r, SEND_FAIL, "twilio: request over %d bytes", GATEWAY_REQUEST_MAX);
		goto out;
	}

	req.method = "POST";
	req.url = url.s;
	req.content_type = "application/x-www-form-urlencoded";
	req.body = f.s;
	req.body_len = f.len;
	req.headers = hdrs;
	req.timeout_s = c->delivery_timeout;
	req.max_response = GATEWAY_ANSWER_MAX;
	if (fetch(&req, &res) == -1)
		gateway_result(r, SEND_RETRY, "twilio: %s", res.error);
	else
		twilio_answer(res.status, res.body, res.body_len, r);
	fetch_res_clear(&res);
out:
	crypto_cleanse(b64, sizeof b64);
	crypto_cleanse(auth, sizeof auth);
	free(url.s);
	free(f.s);
	free(cb.s);
}

const struct gateway gateway_twilio = {
	.name = "twilio",
	.sms_path = "/twilio/sms",
	.decode_sms = twilio_decode,
	.reply_inline = 1,
	.encode_reply = twilio_encode,
	.dlr_path = "/twilio/status",
	.decode_dlr = twilio_decode_dlr,
	.sender_type = SENDER_TWILIO,
	.send_needs_url = 0,
	.send_needs_username = 1,
	.send = send_twilio,
};
