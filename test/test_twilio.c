/*
 * test_twilio: the Twilio adapter (gateway/twilio.c).
 *
 * The signature against Twilio's own known answer (PROTOCOLS.md), then
 * decode_sms and decode_dlr over real HTTP: a local server (net/http.h
 * on a free loopback port) whose handlers call gateway_twilio's functions
 * and keep what they returned, and requests sent with net/fetch.h the way
 * Twilio sends them.  Signatures here are computed independently of the
 * adapter (HMAC-SHA1 and Base64 straight from OpenSSL over a string built
 * by hand), over the public URL in the config, not the loopback one the
 * request really goes to, as behind a reverse proxy.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "gateway/gateway.h"
#include "net/http.h"
#include "gateway/twilio.h"
#include "net/fetch.h"
#include "util/log.h"
#include "util/util.h"

#define TOKEN           "twilio-auth-token-0123456789abcdef"
#define SENDER_TOKEN    "sender-auth-token-fedcba9876543210"
#define PUBLIC_SMS      "https://aduan.example.org/twilio/sms"
#define PUBLIC_STATUS   "https://aduan.example.org/twilio/status"
#define SID             "SM0123456789abcdef0123456789abcdef"
#define ACCOUNT         "AC0123456789abcdef0123456789abcdef"

struct pair {
	const char *name;
	const char *value;
};

struct fixture {
	struct http_server *srv;
	struct conf *conf;
	pthread_mutex_t mu;
	/* what the last decode gave */
	int status;
	char err[200];
	size_t n;
	char from[SMS_FROM_MAX], to[SMS_TO_MAX], id[SMS_ID_MAX];
	char *text;
	size_t text_len;
	char provider_id[128], state[32];
};

/* ---- the server ------------------------------------------------------------- */

static void
sms_handler(void *ctx, const struct http_request *req, struct http_response *res)
{
	struct fixture *f = ctx;
	struct sms_in in[2];
	char err[200] = "";
	size_t n = 0;
	int st;

	st = gateway_twilio.decode_sms(f->conf, req, in, 1, &n, err, sizeof err);
	pthread_mutex_lock(&f->mu);
	f->status = st;
	f->n = n;
	str_copy(f->err, sizeof f->err, err);
	free(f->text);
	f->text = NULL;
	if (st == 0 && n == 1) {
		str_copy(f->from, sizeof f->from, in[0].from);
		str_copy(f->to, sizeof f->to, in[0].to);
		str_copy(f->id, sizeof f->id, in[0].id);
		f->text = xstrndup(in[0].text, in[0].text_len);
		f->text_len = in[0].text_len;
	}
	pthread_mutex_unlock(&f->mu);
	if (st != 0)
		http_respond_text(res, st, err);
	else {
		gateway_twilio.encode_reply("Tiket 12345678 <ok> & \"terima kasih\"", res);
		sms_in_clear(&in[0]);
	}
}

static void
dlr_handler(void *ctx, const struct http_request *req, struct http_response *res)
{
	struct fixture *f = ctx;
	char id[128] = "", state[32] = "", err[200] = "";
	int st;

	st = gateway_twilio.decode_dlr(f->conf, req, id, sizeof id, state, sizeof state, err,
	    sizeof err);
	pthread_mutex_lock(&f->mu);
	f->status = st;
	str_copy(f->err, sizeof f->err, err);
	str_copy(f->provider_id, sizeof f->provider_id, st == 0 ? id : "");
	str_copy(f->state, sizeof f->state, st == 0 ? state : "");
	pthread_mutex_unlock(&f->mu);
	http_respond_text(res, st != 0 ? st : 200, st != 0 ? err : "ok");
}

static void
use_conf(struct fixture *f, const char *groups)
{
	static struct conf_errors errs;
	char text[4096];
	int i;

	conf_free(f->conf);
	snprintf(text, sizeof text,
	    "server = { public_url = \"https://aduan.example.org/\"; };\n"
	    "sms = { max_text = 200; };\n"
	    "%s\n"
	    "agencies = ( { id = \"dpupr\"; name = \"Dinas PU\"; short_name = \"DPUPR\"; },\n"
	    "  { id = \"diskominfo\"; name = \"Diskominfo\"; short_name = \"Diskominfo\"; } );\n"
	    "triage = \"diskominfo\";\n"
	    "rules = ( { keyword = \"JALAN\"; agency = \"dpupr\"; label = { id = \"Jalan\"; }; } );\n",
	    groups);
	memset(&errs, 0, sizeof errs);
	f->conf = conf_load_string(text, 0, &errs);
	if (f->conf == NULL) {
		for (i = 0; i < errs.n; i++)
			print_error("line %d: %s\n", errs.e[i].line, errs.e[i].msg);
		fail_msg("config did not load:\n%s", text);
	}
}

static void
use_twilio_url(struct fixture *f, const char *url)
{
	char g[512];

	snprintf(g, sizeof g, "gateways = { twilio = { auth_token = \"" TOKEN "\"; url = \"%s\"; }; };",
	    url);
	use_conf(f, g);
}

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);
	struct http_options o = { "127.0.0.1", 0, 2, 16384 };
	struct http_route r[] = {
		{ "/twilio/sms", HTTP_GET | HTTP_POST, sms_handler, f },
		{ "/twilio/status", HTTP_GET | HTTP_POST, dlr_handler, f },
	};
	char err[256];

	log_set_level(LOG_LEVEL_ERROR);
	pthread_mutex_init(&f->mu, NULL);
	if (fetch_init() == -1 || (f->srv = http_start(&o, r, 2, err, sizeof err)) == NULL) {
		print_error("server: %s\n", err);
		return -1;
	}
	use_twilio_url(f, PUBLIC_SMS);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	http_stop(f->srv);
	conf_free(f->conf);
	free(f->text);
	pthread_mutex_destroy(&f->mu);
	free(f);
	fetch_cleanup();
	return 0;
}

/* ---- requests as Twilio sends them --------------------------------------------- */

/* Base64(HMAC-SHA1(key, url + sorted name + value)), computed by hand. */
static void
sign(const char *key, const char *url, const struct pair *p, size_t n, char *out)
{
	const struct pair *sorted[64];
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	char msg[8192];
	size_t i, j, k;

	assert_true(n <= 64);
	for (i = 0; i < n; i++) {
		/* insertion sort by name, byte order */
		for (j = i; j > 0 && strcmp(sorted[j - 1]->name, p[i].name) > 0; j--)
			sorted[j] = sorted[j - 1];
		sorted[j] = &p[i];
	}
	k = (size_t)snprintf(msg, sizeof msg, "%s", url);
	for (i = 0; i < n; i++)
		k += (size_t)snprintf(msg + k, sizeof msg - k, "%s%s", sorted[i]->name,
		    sorted[i]->value);
	assert_true(k < sizeof msg);
	assert_non_null(HMAC(EVP_sha1(), key, (int)strlen(key), (unsigned char *)msg, k, mac,
	    &maclen));
	assert_int_equal(maclen, 20);
	EVP_EncodeBlock((unsigned char *)out, mac, 20);
}

/* name=value&... with every value percent-encoded; plus: spaces as '+'. */
static char *
form_of(const struct pair *p, size_t n, int plus)
{
	char *out = xstrdup(""), *e;
	size_t len = 0, i, el, nl, k;

	for (i = 0; i < n; i++) {
		e = fetch_escape(p[i].value, strlen(p[i].value));
		if (plus) {
			/* %20 -> + */
			for (k = 0, el = 0; e[k] != '\0'; k++) {
				if (strncmp(e + k, "%20", 3) == 0) {
					e[el++] = '+';
					k += 2;
				} else
					e[el++] = e[k];
			}
			e[el] = '\0';
		}
		el = strlen(e);
		nl = strlen(p[i].name);
		out = xrealloc(out, len + nl + el + 3);
		if (i > 0)
			out[len++] = '&';
		memcpy(out + len, p[i].name, nl);
		len += nl;
		out[len++] = '=';
		memcpy(out + len, e, el + 1);
		len += el;
		free(e);
	}
	return out;
}

/*
 * POSTs the form to path (with an optional query) on the test server with
 * the given X-Twilio-Signature (NULL: none); returns the HTTP status.
 */
static long
post_raw(struct fixture *f, const char *path, const char *form, const char *signature,
    char *body, size_t bodysz)
{
	struct fetch_req req = { 0 };
	struct fetch_res res;
	char url[256], hdr[128];
	const char *hdrs[] = { hdr, NULL };
	long st;

	snprintf(url, sizeof url, "http://127.0.0.1:%d%s", http_port(f->srv), path);
	snprintf(hdr, sizeof hdr, "X-Twilio-Signature: %s", signature ? signature : "");
	req.method = "POST";
	req.url = url;
	req.content_type = "application/x-www-form-urlencoded";
	req.body = form;
	req.body_len = strlen(form);
	req.headers = signature ? hdrs : NULL;
	assert_int_equal(fetch(&req, &res), 0);
	st = res.status;
	if (body != NULL)
		str_copy(body, bodysz, res.body);
	fetch_res_clear(&res);
	return st;
}

/* Signs p over url with key and POSTs it to path. */
static long
post_signed(struct fixture *f, const char *path, const char *key, const char *url,
    const struct pair *p, size_t n, char *body, size_t bodysz)
{
	char sig[64], *form = form_of(p, n, 0);
	long st;

	sign(key, url, p, n, sig);
	st = post_raw(f, path, form, sig, body, bodysz);
	free(form);
	return st;
}

/* What Twilio posts for an incoming SMS, in its order; Body is [10]. */
#define BODY_AT 10
static struct pair twilio_form[] = {
	{ "ToCountry", "US" }, { "ToState", "CA" }, { "SmsMessageSid", SID },
	{ "NumMedia", "0" }, { "ToCity", "" }, { "FromZip", "" }, { "SmsSid", SID },
	{ "FromState", "" }, { "SmsStatus", "received" }, { "FromCity", "" },
	{ "Body", "JALAN rusak & berlubang = 100% +62 \xC3\xBC \xF0\x9F\x98\x80 a+b" },
	{ "FromCountry", "ID" }, { "To", "+14155550100" }, { "ToZip", "" },
	{ "NumSegments", "1" }, { "MessageSid", SID }, { "AccountSid", ACCOUNT },
	{ "From", "+6281234567890" }, { "ApiVersion", "2010-04-01" },
};
#define NFORM ARRAY_LEN(twilio_form)

/* twilio_form without parameter `drop` (NULL: all), into out; returns the count. */
static size_t
form_without(const char *drop, struct pair *out)
{
	size_t i, n = 0;

	for (i = 0; i < NFORM; i++)
		if (drop == NULL || strcmp(twilio_form[i].name, drop) != 0)
			out[n++] = twilio_form[i];
	return n;
}

static int
last_status(struct fixture *f)
{
	int st;

	pthread_mutex_lock(&f->mu);
	st = f->status;
	pthread_mutex_unlock(&f->mu);
	return st;
}

/* ---- the signature ------------------------------------------------------------- */

static void
test_signature_known_answer(void **state)
{
	/* Twilio's library tests, given here in an order that is not sorted. */
	struct twilio_param p[] = {
		{ "To", "+18005551212", 12 }, { "Digits", "1234", 4 },
		{ "Caller", "+14158675309", 12 }, { "From", "+14158675309", 12 },
		{ "CallSid", "CA1234567890ABCDE", 17 },
	};
	char out[TWILIO_SIGNATURE_LEN + 1], small[TWILIO_SIGNATURE_LEN];

	(void)state;
	assert_int_equal(twilio_signature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2",
	    p, ARRAY_LEN(p), out, sizeof out), 0);
	assert_string_equal(out, "RSOYDt4T1cUTdK1PDd93/VVr8B8=");
	assert_string_equal(p[0].name, "CallSid");
	assert_string_equal(p[4].name, "To");
	assert_int_equal(twilio_signature("12345", "x", p, ARRAY_LEN(p), small, sizeof small), -1);
}

static void
test_signature_matches_the_independent_one(void **state)
{
	struct twilio_param p[NFORM];
	char mine[64], theirs[TWILIO_SIGNATURE_LEN + 1];
	size_t i;

	(void)state;
	for (i = 0; i < NFORM; i++) {
		p[i].name = twilio_form[i].name;
		p[i].value = twilio_form[i].value;
		p[i].len = strlen(twilio_form[i].value);
	}
	sign(TOKEN, PUBLIC_SMS, twilio_form, NFORM, mine);
	assert_int_equal(twilio_signature(TOKEN, PUBLIC_SMS, p, NFORM, theirs, sizeof theirs), 0);
	assert_string_equal(mine, theirs);
	/* No parameters: the URL alone. */
	sign(TOKEN, PUBLIC_SMS, NULL, 0, mine);
	assert_int_equal(twilio_signature(TOKEN, PUBLIC_SMS, NULL, 0, theirs, sizeof theirs), 0);
	assert_string_equal(mine, theirs);
}

/* ---- incoming SMS ----------------------------------------------------------------- */

static void
test_signed_post_is_decoded(void **state)
{
	struct fixture *f = *state;
	char body[512];

	assert_int_equal(post_signed(f, "/twilio/sms", TOKEN, PUBLIC_SMS, twilio_form, NFORM,
	    body, sizeof body), 200);
	assert_int_equal(last_status(f), 0);
	assert_int_equal(f->n, 1);
	assert_string_equal(f->from, "+6281234567890");
	assert_string_equal(f->to, "+14155550100");
	assert_string_equal(f->id, SID);
	assert_int_equal(f->text_len, strlen(twilio_form[BODY_AT].value));
	assert_string_equal(f->text, twilio_form[BODY_AT].value);
	assert_string_equal(body, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Message>"
	    "Tiket 12345678 &lt;ok&gt; &amp; &quot;terima kasih&quot;</Message></Response>");
}

static void
test_plus_for_space_is_decoded_before_signing(void **state)
{
	struct fixture *f = *state;
	char sig[64], *form = form_of(twilio_form, NFORM, 1);

	assert_non_null(strstr(form, "Body=JALAN+rusak+"));
	sign(TOKEN, PUBLIC_SMS, twilio_form, NFORM, sig);
	assert_int_equal(post_raw(f, "/twilio/sms", form, sig, NULL, 0), 200);
	assert_string_equal(f->text, twilio_form[BODY_AT].value);
	free(form);
}

static void
test_wrong_signatures_are_403(void **state)
{
	struct fixture *f = *state;
	struct pair p[NFORM];
	char local[128], sig[64], body[256], *form;
	size_t n = form_without(NULL, p);

	/* Another key: the reason names the setting, not the URL itself. */
	assert_int_equal(post_signed(f, "/twilio/sms", "another-token-0123456789", PUBLIC_SMS,
	    p, n, body, sizeof body), 403);
	assert_non_null(strstr(body, "wrong X-Twilio-Signature"));
	assert_non_null(strstr(body, "gateways.twilio.url"));
	assert_null(strstr(body, "example.org"));
	assert_int_equal(last_status(f), 403);
	assert_int_equal(f->n, 0);
	/* The URL the request really went to, not the public one Twilio knows. */
	snprintf(local, sizeof local, "http://127.0.0.1:%d/twilio/sms", http_port(f->srv));
	assert_int_equal(post_signed(f, "/twilio/sms", TOKEN, local, p, n, NULL, 0), 403);
	/* Signed, then the Body changed on the way. */
	sign(TOKEN, PUBLIC_SMS, p, n, sig);
	p[BODY_AT].value = "JALAN something else";
	form = form_of(p, n, 0);
	assert_int_equal(post_raw(f, "/twilio/sms", form, sig, NULL, 0), 403);
	free(form);
	/* Right length, wrong bytes; a prefix; empty. */
	form = form_of(twilio_form, NFORM, 0);
	sign(TOKEN, PUBLIC_SMS, twilio_form, NFORM, sig);
	sig[5] = sig[5] == 'A' ? 'B' : 'A';
	assert_int_equal(post_raw(f, "/twilio/sms", form, sig, NULL, 0), 403);
	sign(TOKEN, PUBLIC_SMS, twilio_form, NFORM, sig);
	sig[27] = '\0';
	assert_int_equal(post_raw(f, "/twilio/sms", form, sig, NULL, 0), 403);
	assert_int_equal(post_raw(f, "/twilio/sms", form, "", NULL, 0), 403);
	/* The same signature, right: accepted (the cases above differ only where said). */
	sign(TOKEN, PUBLIC_SMS, twilio_form, NFORM, sig);
	assert_int_equal(post_raw(f, "/twilio/sms", form, sig, NULL, 0), 200);
	free(form);
}

static void
test_missing_signature_is_403(void **state)
{
	struct fixture *f = *state;
	char *form = form_of(twilio_form, NFORM, 0), body[256];

	assert_int_equal(post_raw(f, "/twilio/sms", form, NULL, body, sizeof body), 403);
	assert_int_equal(last_status(f), 403);
	assert_int_equal(f->n, 0);
	assert_non_null(strstr(body, "X-Twilio-Signature"));
	free(form);
}

static void
test_unknown_parameters_are_signed_too(void **state)
{
	struct fixture *f = *state;
	struct pair p[NFORM + 3];
	char sig[64], *form, *more;
	size_t n = form_without(NULL, p);

	/* Parameters Twilio may add some day, sorting before, among and after. */
	p[n++] = (struct pair){ "AaaNew", "1" };
	p[n++] = (struct pair){ "MessagingServiceSid", "MG0123" };
	p[n++] = (struct pair){ "zzz_new", "x y" };
	assert_int_equal(post_signed(f, "/twilio/sms", TOKEN, PUBLIC_SMS, p, n, NULL, 0), 200);
	assert_string_equal(f->id, SID);

	/* One added after signing: the signature no longer holds. */
	sign(TOKEN, PUBLIC_SMS, twilio_form, NFORM, sig);
	form = form_of(twilio_form, NFORM, 0);
	more = xmalloc(strlen(form) + 16);
	memcpy(more, form, strlen(form));
	memcpy(more + strlen(form), "&Extra=1", 9);
	assert_int_equal(post_raw(f, "/twilio/sms", more, sig, NULL, 0), 403);
	free(form);
	free(more);
}

static void
test_missing_fields_are_400_with_a_reason(void **state)
{
	struct fixture *f = *state;
	static const char *const required[] = { "Body", "From", "MessageSid" };
	struct pair p[NFORM];
	char body[256], want[64];
	size_t i, n;

	for (i = 0; i < ARRAY_LEN(required); i++) {
		n = form_without(required[i], p);
		assert_int_equal(post_signed(f, "/twilio/sms", TOKEN, PUBLIC_SMS, p, n, body,
		    sizeof body), 400);
		snprintf(want, sizeof want, "missing parameter: %s", required[i]);
		if (strstr(body, want) == NULL)
			fail_msg("without %s: \"%s\"", required[i], body);
		assert_int_equal(f->n, 0);
	}
}

static void
test_empty_body_is_a_message(void **state)
{
	struct fixture *f = *state;
	struct pair p[NFORM];
	size_t n = form_without(NULL, p);

	p[BODY_AT].value = "";
	assert_int_equal(post_signed(f, "/twilio/sms", TOKEN, PUBLIC_SMS, p, n, NULL, 0), 200);
	assert_int_equal(f->text_len, 0);
}

static void
test_bad_text_is_refused(void **state)
{
	struct fixture *f = *state;
	struct pair p[NFORM];
	char body[256], big[300];
	size_t n = form_without(NULL, p);

	p[BODY_AT].value = "JALAN \xFF\xFE rusak";
	assert_int_equal(post_signed(f, "/twilio/sms", TOKEN, PUBLIC_SMS, p, n, body,
	    sizeof body), 400);
	assert_non_null(strstr(body, "UTF-8"));
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	p[BODY_AT].value = big;         /* max_text is 200 */
	assert_int_equal(post_signed(f, "/twilio/sms", TOKEN, PUBLIC_SMS, p, n, NULL, 0), 413);
	p[BODY_AT].value = "ok";
	p[17].value = "+62812345678901234567890123456789012345678901234567890123456789012345";
	assert_string_equal(p[17].name, "From");
	assert_int_equal(post_signed(f, "/twilio/sms", TOKEN, PUBLIC_SMS, p, n, NULL, 0), 400);
}

static void
test_get_is_405(void **state)
{
	struct fixture *f = *state;
	struct fetch_req req = { 0 };
	struct fetch_res res;
	char url[512], *form = form_of(twilio_form, NFORM, 0);

	snprintf(url, sizeof url, "http://127.0.0.1:%d/twilio/sms?%.400s", http_port(f->srv), form);
	req.method = "GET";
	req.url = url;
	assert_int_equal(fetch(&req, &res), 0);
	assert_int_equal(res.status, 405);
	assert_non_null(strstr(res.body, "POST"));
	fetch_res_clear(&res);
	free(form);
}

static void
test_query_parameters_are_never_message_fields(void **state)
{
	struct fixture *f = *state;

	/* A signed request replayed with fields added to its URL. */
	assert_int_equal(post_signed(f, "/twilio/sms?Body=evil&From=%2B6280000000&MessageSid=SMx",
	    TOKEN, PUBLIC_SMS, twilio_form, NFORM, NULL, 0), 200);
	assert_string_equal(f->text, twilio_form[BODY_AT].value);
	assert_string_equal(f->from, "+6281234567890");
	assert_string_equal(f->id, SID);
}

/*
 * gateways.twilio.auth_token_next: while the account's secondary token is
 * promoted, requests signed with either token are accepted; once it is
 * removed (a reload) the old one is refused.
 */
static void
test_second_token_during_a_switch(void **state)
{
	struct fixture *f = *state;
	const char *next = "the-secondary-token-0123456789ab";
	char g[512];

	snprintf(g, sizeof g, "gateways = { twilio = { auth_token = \"" TOKEN "\"; "
	    "auth_token_next = \"%s\"; url = \"%s\"; }; };", next, PUBLIC_SMS);
	use_conf(f, g);
	assert_int_equal(post_signed(f, "/twilio/sms", TOKEN, PUBLIC_SMS, twilio_form, NFORM,
	    NULL, 0), 200);
	assert_int_equal(post_signed(f, "/twilio/sms", next, PUBLIC_SMS, twilio_form, NFORM,
	    NULL, 0), 200);
	assert_int_equal(post_signed(f, "/twilio/sms", "another-token-0123456789", PUBLIC_SMS,
	    twilio_form, NFORM, NULL, 0), 403);
	snprintf(g, sizeof g, "gateways = { twilio = { auth_token = \"%s\"; url = \"%s\"; }; };",
	    next, PUBLIC_SMS);
	use_conf(f, g);
	assert_int_equal(post_signed(f, "/twilio/sms", TOKEN, PUBLIC_SMS, twilio_form, NFORM,
	    NULL, 0), 403);
	assert_int_equal(post_signed(f, "/twilio/sms", next, PUBLIC_SMS, twilio_form, NFORM,
	    NULL, 0), 200);
}

static void
test_configured_url_with_a_query_is_what_is_signed(void **state)
{
	struct fixture *f = *state;
	const char *pub = "https://proxy.example.org:8443/aduan/twilio/sms?site=semarang";

	/* Behind a proxy that rewrites the path; the query travels along. */
	use_twilio_url(f, pub);
	assert_int_equal(post_signed(f, "/twilio/sms?site=semarang", TOKEN, pub, twilio_form,
	    NFORM, NULL, 0), 200);
	assert_int_equal(post_signed(f, "/twilio/sms?site=semarang", TOKEN, PUBLIC_SMS,
	    twilio_form, NFORM, NULL, 0), 403);
}

static void
test_default_port_written_out_or_not(void **state)
{
	struct fixture *f = *state;

	/* Twilio has signed https URLs with and without ":443". */
	assert_int_equal(post_signed(f, "/twilio/sms", TOKEN,
	    "https://aduan.example.org:443/twilio/sms", twilio_form, NFORM, NULL, 0), 200);
	assert_int_equal(post_signed(f, "/twilio/sms", TOKEN,
	    "https://aduan.example.org:444/twilio/sms", twilio_form, NFORM, NULL, 0), 403);
	assert_int_equal(post_signed(f, "/twilio/sms", TOKEN,
	    "http://aduan.example.org/twilio/sms", twilio_form, NFORM, NULL, 0), 403);
	use_twilio_url(f, "https://u:p@aduan.example.org:443/twilio/sms?x=1:2");
	assert_int_equal(post_signed(f, "/twilio/sms", TOKEN,
	    "https://u:p@aduan.example.org/twilio/sms?x=1:2", twilio_form, NFORM, NULL, 0), 200);
	assert_int_equal(post_signed(f, "/twilio/sms", TOKEN,
	    "https://u:p@aduan.example.org:443/twilio/sms?x=1:2", twilio_form, NFORM, NULL, 0), 200);
	use_twilio_url(f, "http://[::1]:8080/twilio/sms");
	assert_int_equal(post_signed(f, "/twilio/sms", TOKEN, "http://[::1]/twilio/sms",
	    twilio_form, NFORM, NULL, 0), 200);
	use_twilio_url(f, "http://[::1]/twilio/sms");
	assert_int_equal(post_signed(f, "/twilio/sms", TOKEN, "http://[::1]:80/twilio/sms",
	    twilio_form, NFORM, NULL, 0), 200);
}

static void
test_disabled_endpoint_is_404(void **state)
{
	struct fixture *f = *state;

	use_conf(f, "");
	assert_int_equal(post_signed(f, "/twilio/sms", TOKEN, PUBLIC_SMS, twilio_form, NFORM,
	    NULL, 0), 404);
	assert_int_equal(post_signed(f, "/twilio/status", TOKEN, PUBLIC_STATUS, twilio_form,
	    NFORM, NULL, 0), 404);
}

/* ---- TwiML ------------------------------------------------------------------------ */

static void
test_twiml_escapes_and_empty_reply(void **state)
{
	struct http_response res = { 0 };

	(void)state;
	gateway_twilio.encode_reply("A&B <c> \"d\" 'e' \xE2\x82\xAC\x01z\nok", &res);
	assert_int_equal(res.status, 200);
	assert_string_equal(res.content_type, "text/xml");
	assert_string_equal(res.body, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response>"
	    "<Message>A&amp;B &lt;c&gt; &quot;d&quot; &apos;e&apos; \xE2\x82\xAC z\nok"
	    "</Message></Response>");
	assert_int_equal(res.body_len, strlen(res.body));

	gateway_twilio.encode_reply("", &res);
	assert_int_equal(res.status, 200);
	assert_string_equal(res.content_type, "text/xml");
	assert_string_equal(res.body, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>");

	gateway_twilio.encode_reply("&&&&&", &res);
	assert_string_equal(res.body, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response>"
	    "<Message>&amp;&amp;&amp;&amp;&amp;</Message></Response>");
	free(res.body);
}

static void
test_gateway_table_entry(void **state)
{
	(void)state;
	assert_string_equal(gateway_twilio.name, "twilio");
	assert_string_equal(gateway_twilio.sms_path, "/twilio/sms");
	assert_string_equal(gateway_twilio.dlr_path, "/twilio/status");
	assert_int_equal(gateway_twilio.reply_inline, 1);
	assert_null(gateway_twilio.ussd_path);
}

/* ---- status callbacks --------------------------------------------------------------- */

static void
test_status_callbacks_map_to_states(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *status, *state;
	} cases[] = {
		{ "queued", "buffered" }, { "sending", "buffered" }, { "sent", "submitted" },
		{ "delivered", "delivered" }, { "undelivered", "failed" }, { "failed", "failed" },
		{ "accepted", "buffered" },
	};
	struct pair p[] = {
		{ "SmsSid", SID }, { "SmsStatus", "" }, { "MessageStatus", "" },
		{ "To", "+6281234567890" }, { "MessageSid", SID }, { "AccountSid", ACCOUNT },
		{ "From", "+14155550100" }, { "ApiVersion", "2010-04-01" }, { "ErrorCode", "" },
	};
	size_t i;

	for (i = 0; i < ARRAY_LEN(cases); i++) {
		p[1].value = p[2].value = cases[i].status;
		assert_int_equal(post_signed(f, "/twilio/status", TOKEN, PUBLIC_STATUS, p,
		    ARRAY_LEN(p), NULL, 0), 200);
		assert_string_equal(f->provider_id, SID);
		if (strcmp(f->state, cases[i].state) != 0)
			fail_msg("%s: state %s, wanted %s", cases[i].status, f->state, cases[i].state);
	}
}

static void
test_status_callback_refusals(void **state)
{
	struct fixture *f = *state;
	struct pair p[] = {
		{ "MessageStatus", "delivered" }, { "MessageSid", SID }, { "AccountSid", ACCOUNT },
	};
	char body[256];

	/* Signed over the SMS URL, or the local one: not the status URL. */
	assert_int_equal(post_signed(f, "/twilio/status", TOKEN, PUBLIC_SMS, p, ARRAY_LEN(p),
	    NULL, 0), 403);
	assert_int_equal(post_signed(f, "/twilio/status", TOKEN, "https://aduan.example.org/"
	    "/twilio/status", p, ARRAY_LEN(p), NULL, 0), 403);
	assert_int_equal(post_raw(f, "/twilio/status", "MessageStatus=delivered&MessageSid=" SID,
	    NULL, NULL, 0), 403);
	p[0].value = "receiving";
	assert_int_equal(post_signed(f, "/twilio/status", TOKEN, PUBLIC_STATUS, p, ARRAY_LEN(p),
	    body, sizeof body), 400);
	assert_non_null(strstr(body, "receiving"));
	p[0].value = "delivered";
	p[1].name = "Sid";
	assert_int_equal(post_signed(f, "/twilio/status", TOKEN, PUBLIC_STATUS, p, ARRAY_LEN(p),
	    NULL, 0), 400);
}

static void
test_status_callback_signed_by_the_sending_account(void **state)
{
	struct fixture *f = *state;
	struct pair p[] = { { "MessageStatus", "sent" }, { "MessageSid", SID } };

	/* Only the sender is configured: its auth token signs the callbacks. */
	use_conf(f, "sms_sender = { type = \"twilio\"; url = \"https://api.twilio.com\";\n"
	    "  username = \"" ACCOUNT "\"; password = \"" SENDER_TOKEN "\"; from = \"+14155550100\"; };");
	assert_int_equal(post_signed(f, "/twilio/status", SENDER_TOKEN, PUBLIC_STATUS, p,
	    ARRAY_LEN(p), NULL, 0), 200);
	assert_string_equal(f->state, "submitted");
	assert_int_equal(post_signed(f, "/twilio/status", TOKEN, PUBLIC_STATUS, p,
	    ARRAY_LEN(p), NULL, 0), 403);
	/* With the inbound gateway too, either account's token is taken. */
	use_conf(f, "sms_sender = { type = \"twilio\"; url = \"https://api.twilio.com\";\n"
	    "  username = \"" ACCOUNT "\"; password = \"" SENDER_TOKEN "\"; };\n"
	    "gateways = { twilio = { auth_token = \"" TOKEN "\"; url = \"" PUBLIC_SMS "\"; }; };");
	assert_int_equal(post_signed(f, "/twilio/status", TOKEN, PUBLIC_STATUS, p,
	    ARRAY_LEN(p), NULL, 0), 200);
	assert_int_equal(post_signed(f, "/twilio/status", SENDER_TOKEN, PUBLIC_STATUS, p,
	    ARRAY_LEN(p), NULL, 0), 200);
	/* The SMS endpoint takes only its own token. */
	assert_int_equal(post_signed(f, "/twilio/sms", SENDER_TOKEN, PUBLIC_SMS, twilio_form,
	    NFORM, NULL, 0), 403);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signature_known_answer),
		cmocka_unit_test(test_signature_matches_the_independent_one),
		T(test_signed_post_is_decoded),
		T(test_plus_for_space_is_decoded_before_signing),
		T(test_wrong_signatures_are_403),
		T(test_missing_signature_is_403),
		T(test_unknown_parameters_are_signed_too),
		T(test_missing_fields_are_400_with_a_reason),
		T(test_empty_body_is_a_message),
		T(test_bad_text_is_refused),
		T(test_get_is_405),
		T(test_query_parameters_are_never_message_fields),
		T(test_second_token_during_a_switch),
		T(test_configured_url_with_a_query_is_what_is_signed),
		T(test_default_port_written_out_or_not),
		T(test_disabled_endpoint_is_404),
		cmocka_unit_test(test_twiml_escapes_and_empty_reply),
		cmocka_unit_test(test_gateway_table_entry),
		T(test_status_callbacks_map_to_states),
		T(test_status_callback_refusals),
		T(test_status_callback_signed_by_the_sending_account),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
