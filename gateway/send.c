/*
 * send: one SMS out through the configured gateway.  Each gateway is one
 * function in the table below; each turns the gateway's answer into the
 * three outcomes the delivery workers act on.  The rule behind every
 * mapping: retry what time can fix (the gateway is busy or down, the
 * network failed, the account ran dry, a rate limit), fail what it cannot
 * (a number that does not exist or refuses SMS, a request the gateway
 * rejects as malformed or unauthorised); a failed row can be requeued by
 * hand once the cause is fixed (`aduan outbox retry ID`).
 *
 * Errors land in the outbox row and the log: they never hold the phone
 * number, only the gateway's words, cut short and stripped of control
 * characters.
 */
#include "gateway/send.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sms/gsm.h"
#include "sms/text.h"
#include "net/fetch.h"
#include "util/crypto.h"
#include "util/util.h"

/* An SMS text longer than this is refused (about 50 concatenated parts). */
#define TEXT_MAX        8192
/* Gateway answers are short; anything longer is not one of theirs. */
#define ANSWER_MAX      (16 * 1024)
/* How much of a gateway's answer an error quotes. */

/*
 * The most a request URL, form or callback URL may grow to: what goes in is
 * bounded by TEXT_MAX and the config, so only a config gone wrong (a
 * secret or URL of kilobytes) reaches it; that send fails with a reason.
 */
#define REQUEST_MAX     (64 * 1024)

/* Appends "&name=<value URL-encoded>" (no "&" when the string is empty). */
static void
sb_param(struct sbuf *b, const char *name, const char *value, size_t len)
{
	char *e = fetch_escape(value, len);

	if (b->len > 0)
		sbuf_str(b, "&");
	sbuf_str(b, name);
	sbuf_str(b, "=");
	sbuf_str(b, e);
	free(e);
}

static void
result(struct send_result *r, enum send_outcome o, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
result(struct send_result *r, enum send_outcome o, const char *fmt, ...)
{
	va_list ap;

	r->outcome = o;
	va_start(ap, fmt);
	(void)verrf(r->error, sizeof r->error, fmt, ap);
	va_end(ap);
}

/*
 * The outcome of an HTTP status that is not a success, shared by the
 * gateways: 429 and 5xx are temporary, everything else is final (we follow
 * no redirects, so a 3xx means the configured URL is wrong).
 */
static enum send_outcome
status_outcome(long status)
{
	return status == 429 || (status >= 500 && status <= 599) ? SEND_RETRY : SEND_FAIL;
}

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

/* ---- Kannel sendsms --------------------------------------------------------- */

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

	(void)send_provider_id_ahead(c, outbox_id, idbuf, sizeof idbuf);
	str_copy(r->provider_id, sizeof r->provider_id, idbuf);
	sbuf_init(&q, REQUEST_MAX);
	sbuf_init(&u16, REQUEST_MAX);
	sbuf_init(&dlr, REQUEST_MAX);

	sb_param(&q, "username", c->sender_username, strlen(c->sender_username));
	sb_param(&q, "password", c->sender_password, strlen(c->sender_password));
	sb_param(&q, "to", to, strlen(to));
	if (gsm7) {
		sb_param(&q, "text", text, tlen);
		sb_param(&q, "charset", "UTF-8", 5);
	} else {
		utf16be(text, tlen, &u16);
		sb_param(&q, "text", u16.s != NULL ? u16.s : "", u16.len);
		sb_param(&q, "coding", "2", 1);
		sb_param(&q, "charset", "UTF-16BE", 8);
	}
	if (c->sender_from != NULL)
		sb_param(&q, "from", c->sender_from, strlen(c->sender_from));
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
		sb_param(&q, "dlr-mask", "31", 2);
		sb_param(&q, "dlr-url", dlr.s, dlr.len);
	}
	if (q.overflow || u16.overflow || dlr.overflow) {
		result(r, SEND_FAIL, "kannel: request over %d bytes", REQUEST_MAX);
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
	req.max_response = ANSWER_MAX;
	/* A 202 status line is Kannel's receipt, whatever became of the body. */
	if (fetch(&req, &res) == -1 && !(res.status >= 200 && res.status <= 299))
		result(r, SEND_RETRY, "kannel: %s", res.error);
	else {
		fetch_quote(res.body, res.body_len, why, sizeof why);
		if (res.status >= 200 && res.status <= 299)
			result(r, SEND_OK, "%s", "");
		else if (res.status == 403)
			result(r, SEND_FAIL, "kannel: not routable (HTTP 403): %s", why);
		else
			result(r, status_outcome(res.status), "kannel: HTTP %ld: %s",
			    res.status, why);
	}
	fetch_res_clear(&res);
	free(url);
out:
	free(q.s);
	free(u16.s);
	free(dlr.s);
}

/* ---- Africa's Talking ------------------------------------------------------- */

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
		result(r, SEND_RETRY, "africastalking: unreadable answer: %s", jerr.text);
		return;
	}
	data = json_object_get(root, "SMSMessageData");
	rcpts = json_object_get(data, "Recipients");
	first = json_array_get(rcpts, 0);
	if (first == NULL) {
		/* No recipient: the reason is in Message ("InvalidSenderId"). */
		msg = json_object_get(data, "Message");
		status = json_is_string(msg) ? json_string_value(msg) : "no recipients";
		result(r, at_is_final(status) ? SEND_FAIL : SEND_RETRY,
		    "africastalking: %.100s", status);
	} else if (!json_is_string(st = json_object_get(first, "status")))
		result(r, SEND_RETRY, "africastalking: answer without a recipient status");
	else if (strcmp(status = json_string_value(st), "Success") == 0) {
		id = json_object_get(first, "messageId");
		if (json_is_string(id))
			str_copy(r->provider_id, sizeof r->provider_id, json_string_value(id));
		result(r, SEND_OK, "%s", "");
	} else
		result(r, at_is_final(status) ? SEND_FAIL : SEND_RETRY,
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
	sbuf_init(&f, REQUEST_MAX);
	sb_param(&f, "username", c->sender_username, strlen(c->sender_username));
	sb_param(&f, "to", to, strlen(to));
	sb_param(&f, "message", text, strlen(text));
	if (c->sender_from != NULL)
		sb_param(&f, "from", c->sender_from, strlen(c->sender_from));
	if (f.overflow) {
		result(r, SEND_FAIL, "africastalking: request over %d bytes", REQUEST_MAX);
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
	req.max_response = ANSWER_MAX;
	if (fetch(&req, &res) == -1)
		result(r, SEND_RETRY, "africastalking: %s", res.error);
	else if (res.status >= 200 && res.status <= 299)
		at_answer(res.body, res.body_len, r);
	else {
		fetch_quote(res.body, res.body_len, why, sizeof why);
		result(r, status_outcome(res.status), "africastalking: HTTP %ld: %s",
		    res.status, why);
	}
	fetch_res_clear(&res);
	free(f.s);
}

/* ---- shared by the JSON APIs ------------------------------------------------ */

/*
 * Masks every run of 7 or more digits but its last 3: Twilio's and
 * Infobip's error texts can quote the number ("The 'To' number
 * +6281234567890 is not a valid phone number"), and errors never hold one.
 */
static void
mask_numbers(char *s)
{
	size_t i = 0, j, k;

	while (s[i] != '\0') {
		if (s[i] < '0' || s[i] > '9') {
			i++;
			continue;
		}
		for (j = i; s[j] >= '0' && s[j] <= '9'; j++)
			;
		if (j - i >= 7)
			for (k = i; k < j - 3; k++)
				s[k] = '*';
		i = j;
	}
}

/* len of url without trailing '/'. */
static size_t
base_len(const char *url)
{
	size_t n = strlen(url);

	while (n > 0 && url[n - 1] == '/')
		n--;
	return n;
}

/* A JSON string member as a C string, or NULL. */
static const char *
jstr(json_t *obj, const char *name)
{
	json_t *v = json_object_get(obj, name);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Upper-case letters, digits and '_' only: a status name worth quoting. */
static int
plain(const char *s)
{
	for (; *s != '\0'; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

/* ---- Twilio ------------------------------------------------------------------ */

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
			result(r, SEND_RETRY, "twilio: unreadable answer: %s", jerr.text);
		else if ((sid = jstr(root, "sid")) == NULL || *sid == '\0' ||
		    str_copy(r->provider_id, sizeof r->provider_id, sid) != 0)
			result(r, SEND_RETRY, "twilio: answer without a message sid");
		else
			result(r, SEND_OK, "%s", "");
		json_decref(root);
		return;
	}
	o = status_outcome(status);
	if (root != NULL && json_is_integer(json_object_get(root, "code")))
		code = json_integer_value(json_object_get(root, "code"));
	if (o == SEND_FAIL)
		for (i = 0; i < ARRAY_LEN(twilio_retry_codes); i++)
			if (code == twilio_retry_codes[i])
				o = SEND_RETRY;
	if (root != NULL && (msg = jstr(root, "message")) != NULL)
		fetch_quote(msg, strlen(msg), why, sizeof why);
	else
		fetch_quote(body, len, why, sizeof why);
	mask_numbers(why);
	if (code != 0)
		result(r, o, "twilio: HTTP %ld error %lld: %s", status, (long long)code, why);
	else
		result(r, o, "twilio: HTTP %ld: %s", status, why);
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
		result(r, SEND_FAIL, "twilio: Account SID and auth token too long");
		return;
	}
	(void)crypto_base64(cred, (size_t)n, b64, sizeof b64);
	crypto_cleanse(cred, sizeof cred);
	snprintf(auth, sizeof auth, "Authorization: Basic %s", b64);

	sbuf_init(&f, REQUEST_MAX);
	sbuf_init(&url, REQUEST_MAX);
	sbuf_init(&cb, REQUEST_MAX);
	sbuf_add(&url, base, base_len(base));
	sbuf_str(&url, "/2010-04-01/Accounts/");
	e = fetch_escape(c->sender_username, strlen(c->sender_username));
	sbuf_str(&url, e);
	free(e);
	sbuf_str(&url, "/Messages.json");

	sb_param(&f, "To", to, strlen(to));
	if (c->sender_from != NULL)
		sb_param(&f, "From", c->sender_from, strlen(c->sender_from));
	sb_param(&f, "Body", text, strlen(text));
	if (c->public_url != NULL) {
		sbuf_add(&cb, c->public_url, base_len(c->public_url));
		sbuf_str(&cb, "/twilio/status");
		sb_param(&f, "StatusCallback", cb.s, cb.len);
	}
	if (f.overflow || url.overflow || cb.overflow) {
		result(r, SEND_FAIL, "twilio: request over %d bytes", REQUEST_MAX);
		goto out;
	}

	req.method = "POST";
	req.url = url.s;
	req.content_type = "application/x-www-form-urlencoded";
	req.body = f.s;
	req.body_len = f.len;
	req.headers = hdrs;
	req.timeout_s = c->delivery_timeout;
	req.max_response = ANSWER_MAX;
	if (fetch(&req, &res) == -1)
		result(r, SEND_RETRY, "twilio: %s", res.error);
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

/* ---- Infobip ------------------------------------------------------------------ */

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
		result(r, SEND_RETRY, "infobip: unreadable answer: %s", jerr.text);
		return;
	}
	first = json_array_get(json_object_get(root, "messages"), 0);
	st = json_object_get(first, "status");
	if ((group = jstr(st, "groupName")) == NULL) {
		result(r, SEND_RETRY, "infobip: answer without a message status");
		json_decref(root);
		return;
	}
	for (i = 0; i < ARRAY_LEN(ok); i++)
		if (strcmp(group, ok[i]) == 0) {
			id = jstr(first, "messageId");
			if (id == NULL || *id == '\0' ||
			    str_copy(r->provider_id, sizeof r->provider_id, id) != 0)
				str_copy(r->provider_id, sizeof r->provider_id, mid);
			result(r, SEND_OK, "%s", "");
			json_decref(root);
			return;
		}
	/* "REJECTED_DESTINATION: Destination address is invalid" */
	name = jstr(st, "name");
	desc = jstr(st, "description");
	fetch_quote(desc != NULL ? desc : "", desc != NULL ? strlen(desc) : 0, why, sizeof why);
	mask_numbers(why);
	for (i = 0; i < ARRAY_LEN(final); i++)
		if (strcmp(group, final[i]) == 0)
			break;
	result(r, i < ARRAY_LEN(final) ? SEND_FAIL : SEND_RETRY, "infobip: %.40s: %s",
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

	sbuf_init(&url, REQUEST_MAX);
	sbuf_init(&notify, REQUEST_MAX);
	snprintf(mid, sizeof mid, "aduan-%" PRId64, outbox_id);
	n = snprintf(auth, sizeof auth, "Authorization: App %s", c->sender_password);
	if (n < 0 || (size_t)n >= sizeof auth) {
		result(r, SEND_FAIL, "infobip: API key too long");
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
		sbuf_add(&notify, c->public_url, base_len(c->public_url));
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
		result(r, SEND_FAIL, "infobip: notifyUrl over %d bytes", REQUEST_MAX);
		free(payload);
		return;
	}
	if (payload == NULL) {
		result(r, SEND_FAIL, "infobip: cannot encode the request");
		return;
	}

	sbuf_add(&url, c->sender_url, base_len(c->sender_url));
	sbuf_str(&url, "/sms/2/text/advanced");
	if (url.overflow) {
		result(r, SEND_FAIL, "infobip: URL over %d bytes", REQUEST_MAX);
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
	req.max_response = ANSWER_MAX;
	if (fetch(&req, &res) == -1)
		result(r, SEND_RETRY, "infobip: %s", res.error);
	else if (res.status >= 200 && res.status <= 299)
		infobip_answer(res.body, res.body_len, mid, r);
	else {
		/* {"requestError":{"serviceException":{"messageId":..,"text":..}}} */
		root = json_loadb(res.body, res.body_len, 0, &jerr);
		etext = jstr(json_object_get(json_object_get(root, "requestError"),
		    "serviceException"), "text");
		if (etext != NULL)
			fetch_quote(etext, strlen(etext), why, sizeof why);
		else
			fetch_quote(res.body, res.body_len, why, sizeof why);
		mask_numbers(why);
		json_decref(root);
		result(r, status_outcome(res.status), "infobip: HTTP %ld: %s", res.status, why);
	}
	fetch_res_clear(&res);
	crypto_cleanse(auth, sizeof auth);
	free(payload);
	free(url.s);
}

/* ---- the table ------------------------------------------------------------- */

/* What each sender needs from sms_sender: url and username (password always). */
static const struct {
	enum conf_sender type;
	void (*send)(const struct conf *, const char *, const char *, int64_t,
	    struct send_result *);
	int needs_url;          /* 0: Twilio has a default API base */
	int needs_username;     /* 0: Infobip has only an API key */
} senders[] = {
	{ SENDER_KANNEL, send_kannel, 1, 1 },
	{ SENDER_AFRICASTALKING, send_africastalking, 1, 1 },
	{ SENDER_TWILIO, send_twilio, 0, 1 },
	{ SENDER_INFOBIP, send_infobip, 1, 0 },
};

int
send_provider_id_ahead(const struct conf *c, int64_t outbox_id, char *buf, size_t bufsz)
{
	if (c->sender != SENDER_KANNEL)
		return 0;
	snprintf(buf, bufsz, "%" PRId64, outbox_id);
	return 1;
}

void
send_sms(const struct conf *c, const char *to, const char *text, int64_t outbox_id,
    struct send_result *r)
{
	size_t i, len = strlen(text);

	memset(r, 0, sizeof *r);
	if (!text_utf8_valid(text, len)) {
		result(r, SEND_FAIL, "text is not valid UTF-8");
		return;
	}
	if (len > TEXT_MAX) {
		result(r, SEND_FAIL, "text too long for an SMS (%zu bytes, at most %d)", len,
		    TEXT_MAX);
		return;
	}
	for (i = 0; i < ARRAY_LEN(senders); i++)
		if (senders[i].type == c->sender && c->sender_password != NULL &&
		    (c->sender_url != NULL || !senders[i].needs_url) &&
		    (c->sender_username != NULL || !senders[i].needs_username)) {
			senders[i].send(c, to, text, outbox_id, r);
			return;
		}
	result(r, SEND_RETRY, "no sms_sender configured");
}
