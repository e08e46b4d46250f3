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
#include "sms/send.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sms/gsm.h"
#include "sms/text.h"
#include "util/fetch.h"
#include "util/util.h"

/* An SMS text longer than this is refused (about 50 concatenated parts). */
#define TEXT_MAX        8192
/* Gateway answers are short; anything longer is not one of theirs. */
#define ANSWER_MAX      (16 * 1024)
/* How much of a gateway's answer an error quotes. */
#define QUOTE_MAX       100

/* A growable string; what goes in is bounded by TEXT_MAX and the config. */
struct sbuf {
	char *s;
	size_t len;
	size_t cap;
};

static void
sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 512;

		while (cap < b->len + n + 1)
			cap *= 2;
		b->s = xrealloc(b->s, cap);
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void
sb_str(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

/* Appends "&name=<value URL-encoded>" (no "&" when the string is empty). */
static void
sb_param(struct sbuf *b, const char *name, const char *value, size_t len)
{
	char *e = fetch_escape(value, len);

	if (b->len > 0)
		sb_str(b, "&");
	sb_str(b, name);
	sb_str(b, "=");
	sb_str(b, e);
	free(e);
}

/*
 * Copies at most QUOTE_MAX bytes of a gateway's answer into out for an
 * error message: control characters become spaces, a UTF-8 sequence cut at
 * the end is dropped, trailing blanks trimmed.
 */
static void
quote(const char *body, size_t len, char *out, size_t outsz)
{
	size_t i, n = len < QUOTE_MAX ? len : QUOTE_MAX;

	if (n >= outsz)
		n = outsz - 1;
	if (n < len)
		while (n > 0 && ((unsigned char)body[n] & 0xC0) == 0x80)
			n--;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)body[i];

		out[i] = ch < 0x20 || ch == 0x7F ? ' ' : (char)ch;
	}
	while (i > 0 && out[i - 1] == ' ')
		i--;
	out[i] = '\0';
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
	vsnprintf(r->error, sizeof r->error, fmt, ap);
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
			sb_add(b, u, 4);
		} else {
			u[0] = (char)(c >> 8);
			u[1] = (char)(c & 0xFF);
			sb_add(b, u, 2);
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
	struct sbuf q = { 0 }, u16 = { 0 }, dlr = { 0 };
	struct fetch_req req = { 0 };
	struct fetch_res res;
	char idbuf[32], why[QUOTE_MAX + 1], *url, *e;
	size_t tlen = strlen(text), plen;
	int gsm7 = gsm_is_gsm7(text, tlen);

	snprintf(idbuf, sizeof idbuf, "%" PRId64, outbox_id);
	str_copy(r->provider_id, sizeof r->provider_id, idbuf);

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
		sb_add(&dlr, c->public_url, plen);
		sb_str(&dlr, "/kannel/dlr?secret=");
		e = fetch_escape(c->kannel_secret, strlen(c->kannel_secret));
		sb_str(&dlr, e);
		free(e);
		sb_str(&dlr, "&id=");
		sb_str(&dlr, idbuf);
		sb_str(&dlr, "&type=%d");
		sb_param(&q, "dlr-mask", "31", 2);
		sb_param(&q, "dlr-url", dlr.s, dlr.len);
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
		quote(res.body, res.body_len, why, sizeof why);
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
	struct sbuf f = { 0 };
	struct fetch_req req = { 0 };
	struct fetch_res res;
	char key[300], why[QUOTE_MAX + 1];
	const char *hdrs[] = { key, "Accept: application/json", NULL };

	(void)outbox_id;
	sb_param(&f, "username", c->sender_username, strlen(c->sender_username));
	sb_param(&f, "to", to, strlen(to));
	sb_param(&f, "message", text, strlen(text));
	if (c->sender_from != NULL)
		sb_param(&f, "from", c->sender_from, strlen(c->sender_from));
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
		quote(res.body, res.body_len, why, sizeof why);
		result(r, status_outcome(res.status), "africastalking: HTTP %ld: %s",
		    res.status, why);
	}
	fetch_res_clear(&res);
	free(f.s);
}

/* ---- the table ------------------------------------------------------------- */

static const struct {
	enum conf_sender type;
	void (*send)(const struct conf *, const char *, const char *, int64_t,
	    struct send_result *);
} senders[] = {
	{ SENDER_KANNEL, send_kannel },
	{ SENDER_AFRICASTALKING, send_africastalking },
};

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
		if (senders[i].type == c->sender && c->sender_url != NULL &&
		    c->sender_username != NULL && c->sender_password != NULL) {
			senders[i].send(c, to, text, outbox_id, r);
			return;
		}
	result(r, SEND_RETRY, "no sms_sender configured");
}
