/*
 * deliver: the workers that empty the outbox, and the policy they follow.
 *
 * A pass claims up to BATCH due rows with a lease, attempts each, and
 * records the outcome: sent, pending again after a back-off, or dead.  The
 * lease is what makes a crash harmless: a row left "sending" is claimed
 * again once it expires, so delivery is at least once and the receiver
 * deduplicates by the Idempotency-Key (SMS gateways by the outbox id).
 * A row is attempted only while its lease still covers a whole attempt;
 * the rest of a slow batch stays leased and is picked up when the lease
 * runs out, so a second worker never sends it while the first still may.
 *
 * Back-off is "equal jitter": half the exponential delay is fixed, the
 * other half random, so retries of many rows that failed together (an
 * agency down for an hour) spread out instead of arriving in one burst,
 * while each row still waits at least half the nominal delay.
 *
 * Threads: each worker runs passes until stopped, sleeping on a condition
 * variable for at most POLL_S between them; deliver_wake() cuts the sleep
 * short.  A store error is logged and waited out, never fatal.
 */
#include "outbox/deliver.h"

#include "conf/live.h"

#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "gateway/gateway.h"
#include "net/fetch.h"
#include "outbox/hub.h"
#include "util/crypto.h"
#include "util/log.h"
#include "util/metrics.h"
#include "util/util.h"

#define BATCH           8       /* rows claimed per pass */
#define POLL_S          1       /* seconds between polls when idle */
#define LEASE_SLACK     30      /* lease = now + 2 * timeout + LEASE_SLACK */
#define ATTEMPT_MARGIN  5       /* seconds of lease kept in hand per attempt */
#define ANSWER_MAX      (64 * 1024)
#define RCPT_MAX        8       /* envelope recipients of one email */
#define ADDR_MAX        255     /* an address (254) and its NUL */

struct deliver {
	const struct conf *c;           /* when live is NULL */
	struct live *live;              /* the config in force, read each pass */
	struct store *s;
	pthread_t *threads;
	int nthreads;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned long wakes;    /* bumped by deliver_wake(), under mu */
	atomic_int stopping;
};

/* What one attempt came to; the HTTP status is for the log only. */
struct attempt {
	struct send_result r;
	long status;            /* 0: none (SMS, or no answer) */
	char hub_id[64];        /* kind "hub": the hub's service_request_id, or "" */
	char hub_token[128];    /* kind "hub": its token when it gave no id yet */
};

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint32_t
random32(void)
{
	static atomic_uint fallback;
	uint32_t v;

	if (getrandom(&v, sizeof v, GRND_NONBLOCK) == (ssize_t)sizeof v)
		return v;
	/* No entropy yet (early boot): jitter needs spread, not secrecy. */
	return (uint32_t)mono_ms() * 2654435761u ^ atomic_fetch_add(&fallback, 0x9E3779B9u);
}

int64_t
deliver_backoff(const struct conf *c, int attempts, uint32_t rnd)
{
	int64_t cap = c->delivery_backoff_max > 0 ? c->delivery_backoff_max : 1;
	int64_t d = c->delivery_backoff_initial > 0 ? c->delivery_backoff_initial : 1;
	int64_t half;
	int i;

	if (d > cap)
		d = cap;
	for (i = 1; i < attempts && d < cap; i++)
		d = d * 2 < cap ? d * 2 : cap;
	half = d / 2;
	d = half + (int64_t)(rnd % (uint64_t)(d - half + 1));
	return d < 1 ? 1 : d;
}

/* The hex HMAC-SHA256 of "<ts>.<body>" with secret into v1. */
static void
sign_one(const char *secret, int64_t ts, const char *body, size_t len,
    char v1[2 * CRYPTO_SHA256_LEN + 1])
{
	unsigned char mac[CRYPTO_SHA256_LEN];
	char tsbuf[32];
	size_t tslen, klen = strlen(secret);
	unsigned char *msg;

	/* The signed message is "<ts>.<body>": one buffer for one-shot HMAC(). */
	tslen = (size_t)snprintf(tsbuf, sizeof tsbuf, "%" PRId64 ".", ts);
	msg = xmalloc(tslen + len);
	memcpy(msg, tsbuf, tslen);
	if (len > 0)
		memcpy(msg + tslen, body, len);
	if (crypto_hmac_sha256(secret, klen, msg, tslen + len, mac) != 0)
		fatal("deliver_sign: HMAC-SHA256 failed");
	free(msg);
	crypto_hex(mac, sizeof mac, v1);
}

void
deliver_sign(const char *secret, const char *secret_next, int64_t ts, const char *body,
    size_t len, char *out, size_t outsz)
{
	char v1[2 * CRYPTO_SHA256_LEN + 1], v1n[2 * CRYPTO_SHA256_LEN + 1];

	sign_one(secret, ts, body, len, v1);
	if (secret_next == NULL) {
		snprintf(out, outsz, "t=%" PRId64 ",v1=%s", ts, v1);
		return;
	}
	sign_one(secret_next, ts, body, len, v1n);
	snprintf(out, outsz, "t=%" PRId64 ",v1=%s,v1=%s", ts, v1, v1n);
}

static void
outcome(struct attempt *a, enum send_outcome o, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
outcome(struct attempt *a, enum send_outcome o, const char *fmt, ...)
{
	va_list ap;

	a->r.outcome = o;
	va_start(ap, fmt);
	(void)verrf(a->r.error, sizeof a->r.error, fmt, ap);
	va_end(ap);
}

/*
 * The body as sent: the row's JSON object with "event_id" and "seq" added,
 * so that both are inside the signature (Idempotency-Key is a header,
 * outside it: a captured delivery could be replayed under a new key, but
 * not under a new event_id without breaking the signature).
 *   event_id  32 hex digits (128 bits) of SHA-256("<row id>:<idem_key>"):
 *             the same on every attempt of a row, different for every row
 *             (idem_key is unique), so a receiver drops one it has seen.
 *   seq       the row's id: it grows with every row queued, so the events
 *             of one ticket carry increasing numbers (with gaps: other
 *             tickets and SMS share the count) and a receiver can order
 *             what arrives out of order.
 * Keys stay sorted, as every JSON of Aduan.  NULL when the row's body is
 * not a JSON object.  Caller frees.
 */
static char *
webhook_body(const struct store_outbox_row *row)
{
	char in[200], id[2 * CRYPTO_SHA256_LEN + 1];
	json_t *j;
	char *out;
	int n;

	j = json_loads(row->body != NULL ? row->body : "", 0, NULL);
	if (j == NULL || !json_is_object(j)) {
		json_decref(j);
		return NULL;
	}
	n = snprintf(in, sizeof in, "%" PRId64 ":%s", row->id, row->idem_key);
	if (n < 0 || (size_t)n >= sizeof in)
		fatal("webhook: event id input too long");
	/* The first 16 bytes of the digest: 32 hex digits. */
	crypto_sha256_hex(in, (size_t)n, id);
	id[32] = '\0';
	if (json_object_set_new(j, "event_id", json_string(id)) != 0 ||
	    json_object_set_new(j, "seq", json_integer((json_int_t)row->id)) != 0 ||
	    (out = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		fatal("webhook: out of memory writing JSON");
	json_decref(j);
	return out;
}

/* POSTs the row's JSON body (webhook_body), signed, to its agency's webhook. */
static void
webhook(const struct conf *c, const struct store_outbox_row *row, int64_t now,
    struct attempt *a)
{
	const struct conf_agency *ag;
	struct fetch_req req = { 0 };
	struct fetch_res res;
	char idem[200], sig[256], why[FETCH_QUOTE_MAX + 1];
	const char *hdrs[] = { idem, sig, "User-Agent: aduan", NULL };
	char *body;
	size_t len;
	long i;

	if ((i = conf_agency_find(c, row->recipient)) < 0) {
		outcome(a, SEND_FAIL, "agency %s has no webhook (no such agency in the config)",
		    row->recipient);
		return;
	}
	ag = &c->agencies[i];
	if (ag->webhook == NULL) {
		outcome(a, SEND_FAIL, "agency %s has no webhook", row->recipient);
		return;
	}
	if (ag->webhook_secret == NULL) {
		outcome(a, SEND_FAIL, "agency %s has no webhook_secret to sign with",
		    row->recipient);
		return;
	}
	if ((body = webhook_body(row)) == NULL) {
		outcome(a, SEND_FAIL, "outbox row %" PRId64 ": the body is not a JSON object",
		    row->id);
		return;
	}
	len = strlen(body);
	snprintf(idem, sizeof idem, "Idempotency-Key: %s", row->idem_key);
	memcpy(sig, "X-Aduan-Signature: ", 19);
	deliver_sign(ag->webhook_secret, ag->webhook_secret_next, now, body, len, sig + 19,
	    sizeof sig - 19);

	req.method = "POST";
	req.url = ag->webhook;
	req.content_type = "application/json";
	req.body = body;
	req.body_len = len;
	req.headers = hdrs;
	req.timeout_s = c->delivery_timeout;
	req.max_response = ANSWER_MAX;
	/*
	 * A 2xx status line is the agency's receipt, even when the body
	 * after it then failed (too long, cut off): retrying would only
	 * deliver it twice.
	 */
	if (fetch(&req, &res) == -1 && !(res.status >= 200 && res.status <= 299))
		outcome(a, SEND_RETRY, "%s", res.error);
	else {
		a->status = res.status;
		fetch_quote(res.body, res.body_len, why, sizeof why);
		if (res.status >= 200 && res.status <= 299)
			outcome(a, SEND_OK, "%s", "");
		else if (res.status == 429 || (res.status >= 500 && res.status <= 599))
			outcome(a, SEND_RETRY, "HTTP %ld: %s", res.status, why);
		else if (res.status >= 300 && res.status <= 399)
			outcome(a, SEND_FAIL, "HTTP %ld (redirects are not followed: fix the "
			    "webhook URL): %s", res.status, why);
		else
			outcome(a, SEND_FAIL, "HTTP %ld: %s", res.status, why);
	}
	fetch_res_clear(&res);
	free(body);
}

/* ---- hub ---------------------------------------------------------------- */

/*
 * A string (or number) member of the first object of a GeoReport answer
 * ([{"service_request_id": ...}] or [{"code": 400, "description": ...}])
 * into out, cut to fit; "" when none.
 */
static void
georeport_member(const char *body, size_t len, const char *name, char *out, size_t outsz)
{
	json_t *j = json_loadb(body, len, 0, NULL);
	json_t *o = json_is_array(j) ? json_array_get(j, 0) : j;
	json_t *v = json_is_object(o) ? json_object_get(o, name) : NULL;

	out[0] = '\0';
	if (json_is_string(v)) {
		const char *t = json_string_value(v);
		size_t n = utf8_cut(t, strlen(t), outsz - 1);

		memcpy(out, t, n);
		out[n] = '\0';
	} else if (json_is_integer(v))
		(void)snprintf(out, outsz, "%lld", (long long)json_integer_value(v));
	json_decref(j);
}

/* Appends "&name=value" (the first without '&'), both URL-encoded, to *out. */
static void
form_add(char **out, size_t *len, const char *name, const char *value)
{
	char *en = fetch_escape(name, strlen(name)), *ev = fetch_escape(value, strlen(value));
	size_t n = strlen(en), e = strlen(ev);

	*out = xrealloc(*out, *len + n + e + 3);
	if (*len > 0)
		(*out)[(*len)++] = '&';
	memcpy(*out + *len, en, n);
	*len += n;
	(*out)[(*len)++] = '=';
	memcpy(*out + *len, ev, e + 1);
	*len += e;
	free(en);
	free(ev);
}

/*
 * The form POSTed to the hub: api_key, then each member of the row's JSON
 * object (ticket/hub.c wrote the fields).  NULL when the body is not an
 * object of strings.  Caller frees.
 */
static char *
hub_form(const struct conf *c, const struct store_outbox_row *row)
{
	json_t *j = json_loads(row->body != NULL ? row->body : "", 0, NULL), *v;
	const char *k;
	char *out = NULL;
	size_t len = 0;

	if (!json_is_object(j)) {
		json_decref(j);
		return NULL;
	}
	form_add(&out, &len, "api_key", c->hub_api_key);
	json_object_foreach(j, k, v) {
		if (!json_is_string(v)) {
			free(out);
			json_decref(j);
			return NULL;
		}
		form_add(&out, &len, k, json_string_value(v));
	}
	json_decref(j);
	return out;
}

/*
 * POSTs a forwarded ticket to {hub.url}requests.json: the form of the
 * row's JSON fields (ticket/hub.c wrote them) after the api_key, with the row's key as
 * Idempotency-Key, so a repeat after a timeout is the same request to the
 * hub.  2xx with a service_request_id (or a token) is done; 5xx, 429 and
 * no answer are tried again; any other answer is final, with the hub's
 * own description of what is wrong.
 */
static void
hub(const struct conf *c, const struct store_outbox_row *row, struct attempt *a)
{
	struct fetch_req req = { 0 };
	struct fetch_res res;
	char idem[200], why[FETCH_QUOTE_MAX + 1], desc[200], *url, *body;
	const char *hdrs[] = { idem, "Accept: application/json", "User-Agent: aduan", NULL };
	size_t ulen;

	if (c->hub_url == NULL || c->hub_api_key == NULL) {
		outcome(a, SEND_FAIL, "no hub in the config (hub.url, hub.api_key): nowhere to "
		    "forward it");
		return;
	}
	if ((body = hub_form(c, row)) == NULL) {
		outcome(a, SEND_FAIL, "outbox row %" PRId64 ": the body is not a JSON object of "
		    "strings", row->id);
		return;
	}
	ulen = strlen(c->hub_url) + sizeof "requests.json";
	url = xmalloc(ulen);
	(void)snprintf(url, ulen, "%srequests.json", c->hub_url);
	snprintf(idem, sizeof idem, "Idempotency-Key: %s", row->idem_key);
	req.method = "POST";
	req.url = url;
	req.content_type = "application/x-www-form-urlencoded";
	req.body = body;
	req.body_len = strlen(body);
	req.headers = hdrs;
	req.timeout_s = c->delivery_timeout;
	req.max_response = ANSWER_MAX;
	if (fetch(&req, &res) == -1 && !(res.status >= 200 && res.status <= 299))
		outcome(a, SEND_RETRY, "%s", res.error);
	else {
		a->status = res.status;
		fetch_quote(res.body, res.body_len, why, sizeof why);
		if (res.status >= 200 && res.status <= 299) {
			georeport_member(res.body, res.body_len, "service_request_id", a->hub_id,
			    sizeof a->hub_id);
			if (a->hub_id[0] == '\0')
				georeport_member(res.body, res.body_len, "token", a->hub_token,
				    sizeof a->hub_token);
			if ((a->hub_id[0] != '\0' && !hub_id_ok(a->hub_id)) ||
			    (a->hub_id[0] == '\0' && a->hub_token[0] != '\0' &&
			    !hub_id_ok(a->hub_token)))
				outcome(a, SEND_FAIL, "HTTP %ld, but the hub's id is not one Aduan "
				    "keeps (1 to 63 of A-Z a-z 0-9 . _ - : /): %s", res.status, why);
			else if (a->hub_id[0] != '\0' || a->hub_token[0] != '\0')
				outcome(a, SEND_OK, "%s", "");
			else
				outcome(a, SEND_RETRY, "HTTP %ld without a service_request_id or "
				    "token: %s", res.status, why);
		} else if (res.status == 429 || (res.status >= 500 && res.status <= 599))
			outcome(a, SEND_RETRY, "HTTP %ld: %s", res.status, why);
		else {
			georeport_member(res.body, res.body_len, "description", desc, sizeof desc);
			outcome(a, SEND_FAIL, "HTTP %ld from the hub: %s", res.status,
			    desc[0] != '\0' ? desc : why);
		}
	}
	fetch_res_clear(&res);
	free(body);
	free(url);
}

/*
 * The hub took the ticket: its id kept with the ticket, a "forwarded"
 * event in the history, the row sent, in one transaction.  0, -1.
 */
static int
hub_sent(const struct conf *c, struct store *s, const struct store_outbox_row *row,
    const struct attempt *a, int64_t now)
{
	struct store_event_new e = { 0 };
	char note[256];

	if (row->complaint_id == 0)
		return store_outbox_sent(s, row->id, now, NULL);
	if (a->hub_id[0] != '\0')
		(void)snprintf(note, sizeof note, "forwarded to the hub: request %s", a->hub_id);
	else
		(void)snprintf(note, sizeof note, "forwarded to the hub: token %s (no request "
		    "id yet)", a->hub_token);
	e.complaint_id = row->complaint_id;
	e.at = now;
	e.actor = "aduan";
	e.note = note;
	e.action = "forwarded";
	if (store_begin(s) != 0)
		return -1;
	if (store_hub_forwarded(s, row->complaint_id, a->hub_id, a->hub_token, now,
	    now + c->hub_poll_seconds, c->hub_poll_seconds) != 0 ||
	    store_event_put(s, &e) != 0 ||
	    store_outbox_sent(s, row->id, now, a->hub_id[0] != '\0' ? a->hub_id : NULL) != 0) {
		store_rollback(s);
		return -1;
	}
	return store_commit(s);
}

/* ---- email -------------------------------------------------------------- */

/* The address in "Name <a@b>" or "a@b", trimmed, into out; 0, or -1. */
static int
address_of(const char *v, size_t n, char *out)
{
	const char *lt = memchr(v, '<', n), *gt;

	if (lt != NULL) {
		if ((gt = memchr(lt, '>', n - (size_t)(lt - v))) == NULL)
			return -1;
		v = lt + 1;
		n = (size_t)(gt - v);
	}
	while (n > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		n--;
	}
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	if (n == 0 || n >= ADDR_MAX)
		return -1;
	memcpy(out, v, n);
	out[n] = '\0';
	return conf_email_check(out) == NULL ? 0 : -1;
}

/*
 * The envelope of a message as ticket/mail.c writes it: MAIL FROM the From
 * address, RCPT TO each address of To and Cc (folded lines joined).
 * Nothing else of the message is read.  0, or -1 with the reason in why.
 */
static int
envelope(const char *msg, char *from, char rcpt[][ADDR_MAX], size_t *nrcpt, char *why,
    size_t whysz)
{
	char field[2048];
	const char *p = msg, *eol, *v, *comma;
	size_t n, flen;
	int have_from = 0;

	*nrcpt = 0;
	while (*p != '\0' && !(p[0] == '\r' && p[1] == '\n')) {
		/* One field, its continuation lines (starting with a blank) joined. */
		flen = 0;
		do {
			if ((eol = strstr(p, "\r\n")) == NULL)
				return errf(why, whysz, "the message has no blank line after its headers");
			n = (size_t)(eol - p);
			if (flen + n >= sizeof field)
				n = sizeof field - 1 - flen;
			memcpy(field + flen, p, n);
			flen += n;
			p = eol + 2;
		} while (*p == ' ' || *p == '\t');
		field[flen] = '\0';
		if (strncasecmp(field, "From:", 5) == 0) {
			if (address_of(field + 5, flen - 5, from) != 0)
				return errf(why, whysz, "the From header holds no valid address");
			have_from = 1;
		} else if (strncasecmp(field, "To:", 3) == 0 || strncasecmp(field, "Cc:", 3) == 0) {
			for (v = field + 3; *v != '\0'; v = *comma != '\0' ? comma + 1 : comma) {
				comma = v + strcspn(v, ",");
				if (*nrcpt == RCPT_MAX)
					return errf(why, whysz, "more than %d recipients", RCPT_MAX);
				if (address_of(v, (size_t)(comma - v), rcpt[*nrcpt]) != 0)
					return errf(why, whysz, "a To or Cc address is not valid");
				(*nrcpt)++;
			}
		}
	}
	if (*p == '\0')
		return errf(why, whysz, "the message has no blank line after its headers");
	if (!have_from || *nrcpt == 0)
		return errf(why, whysz, "the message has no From or no To address");
	return 0;
}

/*
 * Sends the row's message through email.smtp_url.  The server's reply
 * decides as SMTP means it: 2xx sent, 4xx (and no answer at all) try
 * again, 5xx refused for good; a server that does not offer the STARTTLS
 * that email.starttls requires is a configuration to fix, not a retry.
 */
static void
email(const struct conf *c, const struct store_outbox_row *row, struct attempt *a)
{
	char from[ADDR_MAX], rcpt[RCPT_MAX][ADDR_MAX], why[128];
	const char *to[RCPT_MAX + 1];
	struct fetch_mail m = { 0 };
	struct fetch_mail_res res;
	size_t n, i;

	if (c->email_smtp_url == NULL) {
		outcome(a, SEND_FAIL, "no email group in the config: nothing to send it with");
		return;
	}
	if (envelope(row->body != NULL ? row->body : "", from, rcpt, &n, why, sizeof why) != 0) {
		outcome(a, SEND_FAIL, "outbox row %" PRId64 ": %s", row->id, why);
		return;
	}
	for (i = 0; i < n; i++)
		to[i] = rcpt[i];
	to[n] = NULL;
	m.url = c->email_smtp_url;
	m.username = c->email_username;
	m.password = c->email_password;
	m.tls = c->email_starttls == STARTTLS_OFF ? FETCH_TLS_OFF :
	    c->email_starttls == STARTTLS_OPTIONAL ? FETCH_TLS_OPTIONAL : FETCH_TLS_REQUIRED;
	m.from = from;
	m.to = to;
	m.message = row->body;
	m.message_len = strlen(row->body);
	m.timeout_s = c->email_timeout;
	if (fetch_mail(&m, &res) == 0)
		outcome(a, SEND_OK, "%s", "");
	else if (res.tls_refused)
		outcome(a, SEND_FAIL, "%s and email.starttls is \"required\": nothing was sent",
		    res.error);
	else if (res.code >= 500 && res.code <= 599)
		outcome(a, SEND_FAIL, "SMTP %ld: %s", res.code, res.error);
	else
		outcome(a, SEND_RETRY, "%s%s", res.code != 0 ? "SMTP: " : "", res.error);
	a->status = res.code;
}

/*
 * A claim runs on the store's writer thread (store_run), sharing a commit
 * with whatever is written meanwhile.  The outcome of an attempt does not
 * wait for a batch: a delivery report can follow the gateway's answer at
 * once (Kannel's does), and a report that finds no provider id yet is
 * dropped, so the outcome is written the moment the answer is in.
 */
struct claim {
	int64_t now, until;
	struct store_outbox_row *rows;
	size_t max, n;
};

/* 0 rows leased, 1 none due (nothing to keep), -1. */
static int
claim_tx(struct store *s, void *arg)
{
	struct claim *c = arg;

	if (store_outbox_claim(s, c->now, c->until, c->rows, c->max, &c->n) == -1)
		return -1;
	return c->n > 0 ? 0 : 1;
}

/*
 * Attempts one row at `now` and records the outcome.  0, or -1 when the
 * store could not record it: the row stays leased and is claimed again
 * when its lease runs out, never lost and never stuck (sent once more,
 * with the same key, if the attempt had gone through).
 */
static int
attempt_row(const struct conf *c, struct store *s, const struct store_outbox_row *row,
    int64_t now, int live)
{
	struct attempt a;
	char who[96], masked[32], err[sizeof a.r.error], ahead[32];
	const char *result;
	int64_t t0 = mono_ms(), ms, next;
	int n, ret, waits = 0;

	memset(&a, 0, sizeof a);
	if (strcmp(row->kind, "sms") == 0) {
		/* A report may come back before the gateway's answer: its row must know it. */
		if (gateway_provider_id_ahead(c, row->id, ahead, sizeof ahead) &&
		    store_outbox_provider(s, row->id, ahead) != 0) {
			log_warnx("outbox %" PRId64 ": cannot record the provider id: %s", row->id,
			    store_errmsg());
			return -1;
		}
		gateway_send(c, row->recipient, row->body != NULL ? row->body : "", row->id, &a.r);
		/*
		 * No sender configured: the row waits for one (gateway_send)
		 * instead of dying, still backing off up to backoff_max.
		 */
		waits = c->sender == SENDER_NONE;
		snprintf(who, sizeof who, "sms to %s",
		    log_mask_phone(row->recipient, masked, sizeof masked));
	} else if (strcmp(row->kind, "webhook") == 0) {
		webhook(c, row, now, &a);
		snprintf(who, sizeof who, "webhook to agency %s", row->recipient);
	} else if (strcmp(row->kind, "email") == 0) {
		email(c, row, &a);
		snprintf(who, sizeof who, "email to agency %s", row->recipient);
	} else if (strcmp(row->kind, "hub") == 0) {
		hub(c, row, &a);
		snprintf(who, sizeof who, "ticket to the hub");
	} else {
		outcome(&a, SEND_FAIL, "unknown kind '%s'", row->kind);
		snprintf(who, sizeof who, "%s", row->kind);
	}
	ms = mono_ms() - t0;
	if (live)
		now = now_unix();

	n = row->attempts + 1;
	result = a.r.outcome == SEND_OK ? "sent" : a.r.outcome == SEND_RETRY &&
	    (n < c->delivery_max_attempts || waits) ? "retry" : "dead";
	/* Bounded labels: a kind this build does not know counts as "other". */
	metrics_count("aduan_delivery_attempts_total", 1, "kind", strcmp(row->kind, "sms") == 0 ||
	    strcmp(row->kind, "webhook") == 0 || strcmp(row->kind, "email") == 0 ||
	    strcmp(row->kind, "hub") == 0 ? row->kind :
	    "other", "outcome", result, NULL);
	switch (a.r.outcome) {
	case SEND_OK:
		if (strcmp(row->kind, "hub") == 0)
			ret = hub_sent(c, s, row, &a, now);
		else
			ret = store_outbox_sent(s, row->id, now,
			    a.r.provider_id[0] != '\0' ? a.r.provider_id : NULL);
		if (a.status != 0)
			log_info("outbox %" PRId64 " %s: sent, %s %ld, attempt %d, %" PRId64
			    " ms", row->id, who, strcmp(row->kind, "email") == 0 ? "SMTP" : "HTTP",
			    a.status, n, ms);
		else
			log_info("outbox %" PRId64 " %s: sent, attempt %d, %" PRId64 " ms%s%s",
			    row->id, who, n, ms, a.r.provider_id[0] ? ", provider id " : "",
			    a.r.provider_id);
		break;
	case SEND_RETRY:
		if (n < c->delivery_max_attempts || waits) {
			next = now + deliver_backoff(c, n, random32());
			ret = store_outbox_retry(s, row->id, now, next, a.r.error);
			log_warnx("outbox %" PRId64 " %s: attempt %d failed (%s), %" PRId64
			    " ms; retry in %" PRId64 " s", row->id, who, n, a.r.error, ms,
			    next - now);
			break;
		}
		snprintf(err, sizeof err, "gave up after %d attempts: %.200s", n, a.r.error);
		ret = store_outbox_dead(s, row->id, now, err);
		log_warnx("outbox %" PRId64 " %s: dead, %s, %" PRId64 " ms", row->id, who,
		    err, ms);
		break;
	default:
		ret = store_outbox_dead(s, row->id, now, a.r.error);
		log_warnx("outbox %" PRId64 " %s: dead after attempt %d: %s, %" PRId64 " ms",
		    row->id, who, n, a.r.error, ms);
		break;
	}
	if (ret == -1)
		log_warnx("outbox %" PRId64 ": cannot record the outcome: %s", row->id,
		    store_errmsg());
	return ret;
}

/* The longest one attempt may take: email has a timeout of its own. */
static int64_t
attempt_timeout(const struct conf *c)
{
	if (c->email_smtp_url != NULL && c->email_timeout > c->delivery_timeout)
		return c->email_timeout;
	return c->delivery_timeout;
}

/*
 * One pass: claim, attempt while the lease lasts and nobody stops us.
 * `live`: the wall clock moves on between rows (workers); otherwise every
 * row is attempted at `now` (deliver_run_once, tests).  *full is set when
 * the claim came back full, so more may be due.
 */
static int
pass(const struct conf *c, struct store *s, int64_t now, int live, atomic_int *stopping,
    int *full)
{
	struct store_outbox_row rows[BATCH];
	int64_t lease = attempt_timeout(c) * 2 + LEASE_SLACK, t0, elapsed;
	struct claim cl;
	size_t n, i;
	int done = 0, failed = 0, r;

	*full = 0;
	memset(rows, 0, sizeof rows);
	cl.now = now;
	cl.until = now + lease;
	cl.rows = rows;
	cl.max = BATCH;
	cl.n = 0;
	/* Most polls find nothing due: a plain read, no write lock, no commit. */
	if ((r = store_outbox_due(s, now)) == 1)
		r = store_run(s, claim_tx, &cl);
	if (r < 0) {
		/*
		 * The claim's commit failed (a full disk): nothing was leased,
		 * the rows stay due, and what claim_tx read of them is let go
		 * here, or every poll of a worker would keep a batch of bodies.
		 */
		log_warnx("outbox: cannot claim rows: %s", store_errmsg());
		for (i = 0; i < cl.n; i++)
			store_outbox_row_clear(&rows[i]);
		return -1;
	}
	n = cl.n;
	*full = n == BATCH;
	t0 = mono_ms();
	for (i = 0; i < n; i++) {
		if (failed || (stopping != NULL && atomic_load(stopping)))
			break;
		elapsed = (mono_ms() - t0) / 1000;
		if (elapsed + attempt_timeout(c) + ATTEMPT_MARGIN > lease) {
			log_info("outbox: %zu rows left for when their lease ends", n - i);
			break;
		}
		if (attempt_row(c, s, &rows[i], live ? now_unix() : now, live) == -1)
			failed = 1;
		done++;
	}
	for (i = 0; i < n; i++)
		store_outbox_row_clear(&rows[i]);
	return failed ? -1 : done;
}

int
deliver_run_once(const struct conf *c, struct store *s, int64_t now)
{
	int full;

	return pass(c, s, now, 0, NULL, &full);
}

/* ---- workers ---------------------------------------------------------------- */

/* Waits until `deadline` (monotonic ms), a stop, or (if wake) a deliver_wake(). */
static void
nap(struct deliver *d, unsigned long seen, int wake)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += POLL_S;
	while (!atomic_load(&d->stopping) && !(wake && d->wakes != seen))
		if (pthread_cond_timedwait(&d->cv, &d->mu, &ts) != 0)
			break;  /* ETIMEDOUT */
}

static void *
worker(void *arg)
{
	struct deliver *d = arg;
	unsigned long seen;
	int n, full;

	pthread_mutex_lock(&d->mu);
	while (!atomic_load(&d->stopping)) {
		seen = d->wakes;
		pthread_mutex_unlock(&d->mu);
		if (d->live != NULL) {
			/* Each pass with the config in force: a reload takes effect here. */
			const struct live_snap *snap = live_get(d->live);

			n = pass(snap->conf, d->s, now_unix(), 1, &d->stopping, &full);
			live_put(d->live, snap);
		} else
			n = pass(d->c, d->s, now_unix(), 1, &d->stopping, &full);
		pthread_mutex_lock(&d->mu);
		if (n == -1)
			nap(d, seen, 0);        /* the store needs a moment */
		else if (!full && d->wakes == seen)
			nap(d, seen, 1);
	}
	pthread_mutex_unlock(&d->mu);
	return NULL;
}

static struct deliver *start(const struct conf *c, struct live *l, struct store *s,
    char *err, size_t errsz);

struct deliver *
deliver_start(const struct conf *c, struct store *s, char *err, size_t errsz)
{
	return start(c, NULL, s, err, errsz);
}

struct deliver *
deliver_start_live(struct live *l, struct store *s, char *err, size_t errsz)
{
	const struct live_snap *snap = live_get(l);
	struct deliver *d = start(snap->conf, l, s, err, errsz);

	live_put(l, snap);
	return d;
}

static struct deliver *
start(const struct conf *c, struct live *l, struct store *s, char *err, size_t errsz)
{
	struct deliver *d;
	pthread_condattr_t ca;
	int i, e;

	if (c->delivery_workers < 1) {
		snprintf(err, errsz, "delivery: workers must be at least 1");
		return NULL;
	}
	d = xcalloc(1, sizeof *d);
	d->c = l != NULL ? NULL : c;
	d->live = l;
	d->s = s;
	atomic_init(&d->stopping, 0);
	pthread_mutex_init(&d->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&d->cv, &ca);
	pthread_condattr_destroy(&ca);
	d->threads = xcalloc((size_t)c->delivery_workers, sizeof *d->threads);
	for (i = 0; i < c->delivery_workers; i++) {
		if ((e = pthread_create(&d->threads[i], NULL, worker, d)) != 0) {
			snprintf(err, errsz, "cannot start delivery worker %d: %s", i + 1,
			    strerror(e));
			deliver_stop(d);
			return NULL;
		}
		d->nthreads++;
	}
	log_info("delivery: %d workers, at most %d attempts, back-off %d..%d s, timeout %d s",
	    d->nthreads, c->delivery_max_attempts, c->delivery_backoff_initial,
	    c->delivery_backoff_max, c->delivery_timeout);
	return d;
}

void
deliver_wake(struct deliver *d)
{
	if (d == NULL)
		return;
	pthread_mutex_lock(&d->mu);
	d->wakes++;
	pthread_cond_signal(&d->cv);
	pthread_mutex_unlock(&d->mu);
}

void
deliver_stop(struct deliver *d)
{
	int i;

	if (d == NULL)
		return;
	pthread_mutex_lock(&d->mu);
	atomic_store(&d->stopping, 1);
	pthread_cond_broadcast(&d->cv);
	pthread_mutex_unlock(&d->mu);
	for (i = 0; i < d->nthreads; i++)
		pthread_join(d->threads[i], NULL);
	pthread_cond_destroy(&d->cv);
	pthread_mutex_destroy(&d->mu);
	free(d->threads);
	free(d);
}
