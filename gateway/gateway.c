/*
 * gateway: the table of gateways, the outbound entry point the delivery
 * workers call (gateway_send: the configured sender's send()), and what
 * every adapter needs and none should write again: a refusal with its
 * reason, the query-string secret, the check of a plain token (ids, codes,
 * references); for sending, the form parameter, the outcome of a result or
 * an HTTP status, numbers masked in error texts.
 */
#include "gateway/gateway.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/fetch.h"
#include "sms/text.h"
#include "util/util.h"

/* An SMS text longer than this is refused (about 50 concatenated parts). */
#define TEXT_MAX        8192

const struct gateway *const gateways[] = {
	&gateway_kannel,
	&gateway_africastalking,
	&gateway_twilio,
	&gateway_vonage,
	&gateway_infobip,
	&gateway_generic,
	NULL
};

const struct gateway *
gateway_find(const char *name)
{
	size_t i;

	for (i = 0; gateways[i] != NULL; i++)
		if (strcmp(gateways[i]->name, name) == 0)
			return gateways[i];
	return NULL;
}

void
sms_in_clear(struct sms_in *in)
{
	free(in->text);
	in->text = NULL;
	in->text_len = 0;
}

void
ussd_in_clear(struct ussd_in *in)
{
	free(in->text);
	in->text = NULL;
	in->text_len = 0;
}

int
gateway_fail(char *err, size_t errsz, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)verrf(err, errsz, fmt, ap);
	va_end(ap);
	return status;
}

int
gateway_secret(const struct http_request *req, const char *want, const char *want_next,
    const char *name, char *err, size_t errsz)
{
	const char *secret;
	size_t len;
	int ok;

	if (want == NULL)
		return gateway_fail(err, errsz, 404, "the %s endpoint is not enabled in the configuration",
		    name);
	secret = http_param(req, "secret", &len);
	/* A NUL inside the parameter would shorten it: the lengths must agree. */
	if (secret == NULL || len != strlen(secret))
		return gateway_fail(err, errsz, 403, "%s", "wrong or missing secret");
	/* Both compared, so that the time taken says nothing of which one matched. */
	ok = str_secret_equal(secret, want);
	if (want_next != NULL)
		ok |= str_secret_equal(secret, want_next);
	if (!ok)
		return gateway_fail(err, errsz, 403, "%s", "wrong or missing secret");
	return 0;
}

int
gateway_token(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7F)
			return 0;
	return 1;
}

/* ---- outbound ---------------------------------------------------------------- */

/* Appends "&name=<value URL-encoded>" (no "&" when the string is empty). */
void
gateway_param(struct sbuf *b, const char *name, const char *value, size_t len)
{
	char *e = fetch_escape(value, len);

	if (b->len > 0)
		sbuf_str(b, "&");
	sbuf_str(b, name);
	sbuf_str(b, "=");
	sbuf_str(b, e);
	free(e);
}

void
gateway_result(struct send_result *r, enum send_outcome o, const char *fmt, ...)
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
enum send_outcome
gateway_status_outcome(long status)
{
	return status == 429 || (status >= 500 && status <= 599) ? SEND_RETRY : SEND_FAIL;
}

/*
 * Masks every run of 7 or more digits but its last 3: Twilio's and
 * Infobip's error texts can quote the number ("The 'To' number
 * +6281234567890 is not a valid phone number"), and errors never hold one.
 */
void
gateway_mask_numbers(char *s)
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
size_t
gateway_base_len(const char *url)
{
	size_t n = strlen(url);

	while (n > 0 && url[n - 1] == '/')
		n--;
	return n;
}

/* A JSON string member as a C string, or NULL. */
const char *
gateway_jstr(json_t *obj, const char *name)
{
	json_t *v = json_object_get(obj, name);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* The gateway sms_sender.type names, if it can send; else NULL. */
static const struct gateway *
sender(const struct conf *c)
{
	size_t i;

	for (i = 0; gateways[i] != NULL; i++)
		if (gateways[i]->send != NULL && gateways[i]->sender_type == c->sender)
			return gateways[i];
	return NULL;
}

int
gateway_provider_id_ahead(const struct conf *c, int64_t outbox_id, char *buf, size_t bufsz)
{
	const struct gateway *gw = sender(c);

	if (gw == NULL || gw->provider_id_ahead == NULL)
		return 0;
	return gw->provider_id_ahead(c, outbox_id, buf, bufsz);
}

void
gateway_send(const struct conf *c, const char *to, const char *text, int64_t outbox_id,
    struct send_result *r)
{
	const struct gateway *gw;
	size_t len = strlen(text);

	memset(r, 0, sizeof *r);
	if (!text_utf8_valid(text, len)) {
		gateway_result(r, SEND_FAIL, "text is not valid UTF-8");
		return;
	}
	if (len > TEXT_MAX) {
		gateway_result(r, SEND_FAIL, "text too long for an SMS (%zu bytes, at most %d)", len,
		    TEXT_MAX);
		return;
	}
	gw = sender(c);
	if (gw != NULL && c->sender_password != NULL &&
	    (c->sender_url != NULL || !gw->send_needs_url) &&
	    (c->sender_username != NULL || !gw->send_needs_username)) {
		gw->send(c, to, text, outbox_id, r);
		return;
	}
	gateway_result(r, SEND_RETRY, "no sms_sender configured");
}
