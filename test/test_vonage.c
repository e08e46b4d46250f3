/*
 * test_vonage: the Vonage adapter (gateway/vonage.c) on real HTTP requests.
 * A local server (net/http.h on a free port) routes /vonage/sms and
 * /vonage/dlr to handlers that call gateway_vonage.decode_sms/decode_dlr
 * and keep what came out; net/fetch.h sends the requests Vonage sends:
 * GET with the query, POST with a form, POST with JSON.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "gateway/gateway.h"
#include "net/http.h"
#include "net/fetch.h"
#include "util/log.h"
#include "util/util.h"

#define SECRET  "vonage-secret-123"

/* Vonage's documented example, as it arrives with a GET. */
#define DOC_QUERY \
	"msisdn=447700900001&to=447700900000&messageId=0A0000000123ABCD1" \
	"&text=Hello+world&type=text&keyword=HELLO" \
	"&message-timestamp=2020-01-01+12%3A00%3A00&api-key=abcd1234"
#define DOC_TIME 1577880000     /* 2020-01-01 12:00:00 UTC */

/* What the handler got from decode_sms / decode_dlr. */
struct got {
	int status;
	char err[200];
	size_t n;
	struct sms_in in;
	char dlr_id[128];
	char dlr_state[32];
};

struct fixture {
	struct conf *conf;
	struct http_server *srv;
	pthread_mutex_t mu;
	struct got got;
	struct fetch_res res;
};

static void
sms_handler(void *ctx, const struct http_request *req, struct http_response *res)
{
	struct fixture *f = ctx;
	struct sms_in *in = xcalloc(SMS_BATCH_MAX, sizeof *in);
	struct got g = { 0 };

	g.status = gateway_vonage.decode_sms(f->conf, req, in, SMS_BATCH_MAX, &g.n, g.err,
	    sizeof g.err);
	if (g.status == 0) {
		g.in = in[0];           /* takes the text */
		gateway_vonage.encode_reply("", res);
	} else
		http_respond_text(res, g.status, g.err);
	pthread_mutex_lock(&f->mu);
	sms_in_clear(&f->got.in);
	f->got = g;
	pthread_mutex_unlock(&f->mu);
	free(in);
}

static void
dlr_handler(void *ctx, const struct http_request *req, struct http_response *res)
{
	struct fixture *f = ctx;
	struct got g = { 0 };

	g.status = gateway_vonage.decode_dlr(f->conf, req, g.dlr_id, sizeof g.dlr_id, g.dlr_state,
	    sizeof g.dlr_state, g.err, sizeof g.err);
	http_respond_text(res, g.status == 0 ? 200 : g.status, g.status == 0 ? "ok\n" : g.err);
	pthread_mutex_lock(&f->mu);
	sms_in_clear(&f->got.in);
	f->got = g;
	pthread_mutex_unlock(&f->mu);
}

static void
use_conf(struct fixture *f, const char *gateways_group)
{
	static struct conf_errors errs;
	char text[2048];
	int i;

	conf_free(f->conf);
	snprintf(text, sizeof text,
	    "sms = { max_text = 160; };\n%s\n"
	    "agencies = ( { id = \"dpupr\"; name = \"Dinas PU\"; short_name = \"DPUPR\"; } );\n"
	    "triage = \"dpupr\";\n"
	    "rules = ( { keyword = \"JALAN\"; agency = \"dpupr\"; label = { id = \"Jalan\"; }; } );\n",
	    gateways_group);
	memset(&errs, 0, sizeof errs);
	f->conf = conf_load_string(text, 0, &errs);
	if (f->conf == NULL) {
		for (i = 0; i < errs.n; i++)
			print_error("line %d: %s\n", errs.e[i].line, errs.e[i].msg);
		fail_msg("config did not load:\n%s", text);
	}
}

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);
	struct http_options o = { "127.0.0.1", 0, 2, 16384 };
	struct http_route r[2] = {
		{ "/vonage/sms", HTTP_GET | HTTP_POST, sms_handler, f },
		{ "/vonage/dlr", HTTP_GET | HTTP_POST, dlr_handler, f },
	};
	char err[256];

	log_set_level(LOG_LEVEL_ERROR);
	pthread_mutex_init(&f->mu, NULL);
	use_conf(f, "gateways = { vonage = { secret = \"" SECRET "\"; }; };");
	if (fetch_init() == -1)
		return -1;
	if ((f->srv = http_start(&o, r, 2, err, sizeof err)) == NULL) {
		print_error("http_start: %s\n", err);
		return -1;
	}
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	http_stop(f->srv);
	sms_in_clear(&f->got.in);
	fetch_res_clear(&f->res);
	conf_free(f->conf);
	pthread_mutex_destroy(&f->mu);
	free(f);
	fetch_cleanup();
	return 0;
}

/*
 * One request: GET path?query, or POST with body (content type ctype) to
 * path?query.  Returns the status; the response stays in f->res and what
 * decode said in f->got.
 */
static long
request(struct fixture *f, const char *path, const char *query, const char *ctype,
    const char *body)
{
	struct fetch_req req = { 0 };
	char url[4096];

	fetch_res_clear(&f->res);
	memset(&f->res, 0, sizeof f->res);
	pthread_mutex_lock(&f->mu);
	sms_in_clear(&f->got.in);
	memset(&f->got, 0, sizeof f->got);
	f->got.status = -1;
	pthread_mutex_unlock(&f->mu);
	snprintf(url, sizeof url, "http://127.0.0.1:%d%s?%s", http_port(f->srv), path, query);
	req.method = body != NULL ? "POST" : "GET";
	req.url = url;
	req.content_type = ctype;
	req.body = body;
	req.body_len = body != NULL ? strlen(body) : 0;
	req.timeout_s = 5;
	if (fetch(&req, &f->res) != 0)
		fail_msg("fetch %s: %s", url, f->res.error);
	return f->res.status;
}

static long
get(struct fixture *f, const char *query)
{
	return request(f, "/vonage/sms", query, NULL, NULL);
}

static long
post_form(struct fixture *f, const char *form)
{
	return request(f, "/vonage/sms", "secret=" SECRET, "application/x-www-form-urlencoded",
	    form);
}

static long
post_json(struct fixture *f, const char *json)
{
	return request(f, "/vonage/sms", "secret=" SECRET, "application/json", json);
}

/* The last request was refused with status and a reason containing what. */
static void
refused(struct fixture *f, long status, const char *what)
{
	assert_int_equal(f->res.status, status);
	assert_int_equal(f->got.status, status);
	assert_int_equal(f->got.n, 0);
	assert_null(f->got.in.text);
	if (strstr(f->got.err, what) == NULL)
		fail_msg("reason \"%s\" does not mention \"%s\"", f->got.err, what);
	if (strstr(f->res.body, what) == NULL)
		fail_msg("body \"%s\" does not mention \"%s\"", f->res.body, what);
}

static void
test_table(void **state)
{
	(void)state;
	assert_string_equal(gateway_vonage.name, "vonage");
	assert_string_equal(gateway_vonage.sms_path, "/vonage/sms");
	assert_int_equal(gateway_vonage.reply_inline, 0);
	assert_non_null(gateway_vonage.decode_sms);
	assert_non_null(gateway_vonage.encode_reply);
	assert_null(gateway_vonage.ussd_path);
	assert_string_equal(gateway_vonage.dlr_path, "/vonage/dlr");
}

static void
test_get_in_vonage_shape(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(get(f, "secret=" SECRET "&" DOC_QUERY), 200);
	assert_int_equal(f->got.status, 0);
	assert_int_equal(f->got.n, 1);
	assert_string_equal(f->got.in.from, "+447700900001");
	assert_string_equal(f->got.in.to, "447700900000");
	assert_string_equal(f->got.in.id, "0A0000000123ABCD1");
	assert_string_equal(f->got.in.text, "Hello world");
	assert_int_equal(f->got.in.text_len, 11);
	assert_int_equal(f->got.in.time, DOC_TIME);
	assert_int_equal(f->got.in.concat_total, 0);
	assert_int_equal(f->got.in.concat_part, 0);
	assert_string_equal(f->got.in.concat_ref, "");
	/* The acknowledgement Vonage wants. */
	assert_non_null(strstr(f->res.body, "ok"));

	/* An Indonesian sender; the timestamp with %20; unicode text as UTF-8. */
	assert_int_equal(get(f, "secret=" SECRET "&msisdn=6281234567890&to=1708"
	    "&messageId=1A00000012345678&text=JALAN%20rusak%20%E2%98%BA%20caf%C3%A9&type=unicode"
	    "&keyword=JALAN&message-timestamp=2026-02-28%2023%3A59%3A59"), 200);
	assert_string_equal(f->got.in.from, "+6281234567890");
	assert_string_equal(f->got.in.to, "1708");
	assert_string_equal(f->got.in.text, "JALAN rusak \xE2\x98\xBA caf\xC3\xA9");
	assert_int_equal(f->got.in.time, 1772323199);
}

static void
test_optional_fields(void **state)
{
	struct fixture *f = *state;

	/* No to, type, keyword or timestamp: time 0, to "". */
	assert_int_equal(get(f, "secret=" SECRET "&msisdn=6281234567890&messageId=X1&text=halo"), 200);
	assert_int_equal(f->got.n, 1);
	assert_int_equal(f->got.in.time, 0);
	assert_string_equal(f->got.in.to, "");
	/* An empty text is a message (the citizen gets the help text). */
	assert_int_equal(get(f, "secret=" SECRET "&msisdn=6281234567890&messageId=X2&text="), 200);
	assert_int_equal(f->got.n, 1);
	assert_int_equal(f->got.in.text_len, 0);
	/* A short code or a name is passed as it came (intake never answers it). */
	assert_int_equal(get(f, "secret=" SECRET "&msisdn=888&messageId=X3&text=promo"), 200);
	assert_string_equal(f->got.in.from, "888");
	assert_int_equal(get(f, "secret=" SECRET "&msisdn=TELKOMSEL&messageId=X4&text=promo"), 200);
	assert_string_equal(f->got.in.from, "TELKOMSEL");
	/* concat=false is a message in one piece. */
	assert_int_equal(get(f, "secret=" SECRET "&msisdn=6281234567890&messageId=X5&text=a"
	    "&concat=false"), 200);
	assert_int_equal(f->got.in.concat_total, 0);
}

static void
test_post_form(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(post_form(f, DOC_QUERY), 200);
	assert_int_equal(f->got.n, 1);
	assert_string_equal(f->got.in.from, "+447700900001");
	assert_string_equal(f->got.in.id, "0A0000000123ABCD1");
	assert_string_equal(f->got.in.text, "Hello world");
	assert_int_equal(f->got.in.time, DOC_TIME);

	/* The secret in the form works too (like Kannel's endpoint). */
	assert_int_equal(request(f, "/vonage/sms", "", "application/x-www-form-urlencoded",
	    "secret=" SECRET "&" DOC_QUERY), 200);
	assert_int_equal(f->got.n, 1);
}

static void
test_post_json(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(post_json(f, "{\"msisdn\":\"447700900001\",\"to\":\"447700900000\","
	    "\"messageId\":\"0A0000000123ABCD1\",\"text\":\"Hello world \\u263a\",\"type\":\"unicode\","
	    "\"keyword\":\"HELLO\",\"message-timestamp\":\"2020-01-01 12:00:00\","
	    "\"timestamp\":\"1578787200\",\"nonce\":\"aaaaaaaa-bbbb-cccc-dddd-0123456789ab\","
	    "\"concat\":\"true\",\"concat-ref\":\"1\",\"concat-total\":\"3\",\"concat-part\":\"2\","
	    "\"data\":\"abc123\",\"udh\":\"abc123\"}"), 200);
	assert_int_equal(f->got.n, 1);
	assert_string_equal(f->got.in.from, "+447700900001");
	assert_string_equal(f->got.in.text, "Hello world \xE2\x98\xBA");
	assert_int_equal(f->got.in.time, DOC_TIME);
	assert_string_equal(f->got.in.concat_ref, "1");
	assert_int_equal(f->got.in.concat_total, 3);
	assert_int_equal(f->got.in.concat_part, 2);

	/* Numbers and a boolean where Vonage writes strings. */
	assert_int_equal(post_json(f, "{\"msisdn\":\"6281234567890\",\"messageId\":\"J2\","
	    "\"text\":\"x\",\"concat\":true,\"concat-ref\":7,\"concat-total\":2,"
	    "\"concat-part\":1}"), 200);
	assert_string_equal(f->got.in.concat_ref, "7");
	assert_int_equal(f->got.in.concat_total, 2);
	assert_int_equal(f->got.in.concat_part, 1);

	assert_int_equal(post_json(f, "{\"msisdn\":\"6281234567890\""), 400);
	refused(f, 400, "JSON");
	assert_int_equal(post_json(f, "[1,2]"), 400);
	refused(f, 400, "object");
	assert_int_equal(post_json(f, "{\"msisdn\":\"6281234567890\",\"messageId\":\"J3\","
	    "\"text\":{\"a\":1}}"), 400);
	refused(f, 400, "text");
	/* A NUL inside a JSON string is refused by the parser. */
	assert_int_equal(post_json(f, "{\"msisdn\":\"6281234567890\",\"messageId\":\"J4\","
	    "\"text\":\"a\\u0000b\"}"), 400);
	/* JSON without the secret in the query. */
	assert_int_equal(request(f, "/vonage/sms", "x=1", "application/json",
	    "{\"secret\":\"" SECRET "\",\"msisdn\":\"6281234567890\",\"messageId\":\"J5\","
	    "\"text\":\"a\"}"), 403);
}

static void
test_concat_fields(void **state)
{
	struct fixture *f = *state;
	const char *base = "secret=" SECRET "&msisdn=6281234567890&messageId=C1&text=part";
	char q[1024];

	snprintf(q, sizeof q, "%s&concat=true&concat-ref=2C&concat-total=3&concat-part=3", base);
	assert_int_equal(get(f, q), 200);
	assert_string_equal(f->got.in.concat_ref, "2C");
	assert_int_equal(f->got.in.concat_total, 3);
	assert_int_equal(f->got.in.concat_part, 3);
	assert_string_equal(f->got.in.text, "part");

	/* The limits: 255 parts, a 63-character reference. */
	snprintf(q, sizeof q, "%s&concat=true&concat-ref=%.63s&concat-total=255&concat-part=255",
	    base, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~!");
	assert_int_equal(get(f, q), 200);
	assert_int_equal(strlen(f->got.in.concat_ref), 63);
	assert_int_equal(f->got.in.concat_total, 255);

	/* The fields without concat=true are still a part. */
	snprintf(q, sizeof q, "%s&concat-ref=9&concat-total=2&concat-part=1", base);
	assert_int_equal(get(f, q), 200);
	assert_int_equal(f->got.in.concat_total, 2);
}

static void
test_concat_invalid(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *extra, *what;
	} cases[] = {
		{ "&concat=true", "concat-ref, concat-total and concat-part" },
		{ "&concat=true&concat-ref=1&concat-total=3", "concat-part" },
		{ "&concat-part=1", "concat-ref" },
		{ "&concat=yes&concat-ref=1&concat-total=3&concat-part=1", "concat must be" },
		{ "&concat=true&concat-ref=1&concat-total=1&concat-part=1", "concat-total" },
		{ "&concat=true&concat-ref=1&concat-total=256&concat-part=1", "concat-total" },
		{ "&concat=true&concat-ref=1&concat-total=x&concat-part=1", "concat-total" },
		{ "&concat=true&concat-ref=1&concat-total=3&concat-part=0", "concat-part" },
		{ "&concat=true&concat-ref=1&concat-total=3&concat-part=4", "concat-part" },
		{ "&concat=true&concat-ref=1&concat-total=3&concat-part=-1", "concat-part" },
		{ "&concat=true&concat-ref=1&concat-total=3%00&concat-part=1", "concat-total" },
		{ "&concat=true&concat-ref=&concat-total=3&concat-part=1", "concat-ref" },
		{ "&concat=true&concat-ref=a+b&concat-total=3&concat-part=1", "concat-ref" },
		{ "&concat=true&concat-ref=%C3%A9&concat-total=3&concat-part=1", "concat-ref" },
		{ "&concat=true&concat-ref=0123456789012345678901234567890123456789012345678901234567890123"
		  "&concat-total=3&concat-part=1", "concat-ref" },
	};
	char q[1024];
	size_t i;

	for (i = 0; i < ARRAY_LEN(cases); i++) {
		snprintf(q, sizeof q, "secret=" SECRET "&msisdn=6281234567890&messageId=C2&text=t%s",
		    cases[i].extra);
		if (get(f, q) != 400)
			fail_msg("%s: status %ld, expected 400", cases[i].extra, f->res.status);
		refused(f, 400, cases[i].what);
	}
}

static void
test_bad_secret(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(get(f, "secret=wrong-secret-123&" DOC_QUERY), 403);
	refused(f, 403, "secret");
	assert_int_equal(get(f, "secret=" SECRET "x&" DOC_QUERY), 403);
	refused(f, 403, "secret");
	assert_int_equal(get(f, "secret=vonage-secret-12&" DOC_QUERY), 403);
	refused(f, 403, "secret");
	assert_int_equal(get(f, DOC_QUERY), 403);
	refused(f, 403, "secret");
	/* A NUL after the right secret is not the right secret. */
	assert_int_equal(get(f, "secret=" SECRET "%00x&" DOC_QUERY), 403);
	refused(f, 403, "secret");
	assert_int_equal(post_form(f, "secret=wrong&" DOC_QUERY), 200);   /* the query's wins */
	assert_int_equal(request(f, "/vonage/sms", "secret=wrong", "application/x-www-form-urlencoded",
	    DOC_QUERY), 403);
	refused(f, 403, "secret");
	/* The secret is checked before anything else is looked at. */
	assert_int_equal(get(f, "secret=wrong&msisdn=1&type=binary"), 403);

	/* No vonage group in the config: the endpoint is off. */
	use_conf(f, "gateways = { kannel = { secret = \"kannel-secret-123\"; }; };");
	assert_int_equal(get(f, "secret=" SECRET "&" DOC_QUERY), 404);
	refused(f, 404, "not enabled");
}

static void
test_missing_fields(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(get(f, "secret=" SECRET "&to=1708&messageId=M1&text=JALAN+rusak"), 400);
	refused(f, 400, "msisdn");
	assert_int_equal(get(f, "secret=" SECRET "&msisdn=&messageId=M1&text=JALAN+rusak"), 400);
	refused(f, 400, "msisdn");
	assert_int_equal(get(f, "secret=" SECRET "&msisdn=6281234567890&messageId=M1"), 400);
	refused(f, 400, "text");
	assert_int_equal(get(f, "secret=" SECRET "&msisdn=6281234567890&text=JALAN+rusak"), 400);
	refused(f, 400, "messageId");
	assert_int_equal(get(f, "secret=" SECRET "&msisdn=6281234567890&messageId=&text=x"), 400);
	refused(f, 400, "messageId");
	assert_int_equal(post_form(f, "to=1708"), 400);
	refused(f, 400, "msisdn");
	assert_int_equal(post_json(f, "{}"), 400);
	refused(f, 400, "msisdn");
}

static void
test_malformed_fields(void **state)
{
	struct fixture *f = *state;
	char q[1024];

	assert_int_equal(get(f, "secret=" SECRET "&msisdn=6281234567890&messageId=a+b&text=x"), 400);
	refused(f, 400, "messageId");
	snprintf(q, sizeof q, "secret=" SECRET "&msisdn=6281234567890&text=x&messageId=%0128d", 0);
	assert_int_equal(get(f, q), 400);
	refused(f, 400, "messageId");
	snprintf(q, sizeof q, "secret=" SECRET "&msisdn=6281234567890&text=x&messageId=%0127d", 0);
	assert_int_equal(get(f, q), 200);
	assert_int_equal(strlen(f->got.in.id), 127);
	assert_int_equal(get(f, "secret=" SECRET "&msisdn=6281234567890&messageId=M&text=x"
	    "&to=17+08"), 400);
	refused(f, 400, "to");
	snprintf(q, sizeof q, "secret=" SECRET "&messageId=M&text=x&msisdn=%063d", 1);
	assert_int_equal(get(f, q), 400);
	refused(f, 400, "msisdn");
	assert_int_equal(get(f, "secret=" SECRET "&msisdn=%FF%FE&messageId=M&text=x"), 400);
	refused(f, 400, "msisdn");
	/* Text: valid UTF-8 without NUL bytes. */
	assert_int_equal(get(f, "secret=" SECRET "&msisdn=6281234567890&messageId=M&text=a%FFb"), 400);
	refused(f, 400, "UTF-8");
	assert_int_equal(get(f, "secret=" SECRET "&msisdn=6281234567890&messageId=M&text=a%00b"), 400);
	refused(f, 400, "UTF-8");
	assert_int_equal(get(f, "secret=" SECRET "&msisdn=6281234567890&messageId=M&text=%C0%80"), 400);
	refused(f, 400, "UTF-8");
	assert_int_equal(get(f, "secret=" SECRET "&msisdn=6281234567890&messageId=M&text=x"
	    "&type=flash"), 400);
	refused(f, 400, "type");
}

static void
test_binary_refused(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(get(f, "secret=" SECRET "&msisdn=447700900001&to=447700900000"
	    "&messageId=0A0000000123ABCD2&type=binary&data=48656c6c6f&udh=050003CC0201"
	    "&message-timestamp=2020-01-01+12%3A00%3A00"), 400);
	refused(f, 400, "binary messages are not supported");
	/* Even with a text. */
	assert_int_equal(post_form(f, "msisdn=447700900001&messageId=B3&type=binary&text=x"), 400);
	refused(f, 400, "binary messages are not supported");
	assert_int_equal(get(f, "secret=" SECRET "&msisdn=447700900001&messageId=B4&type=binary%00"
	    "&text=x"), 400);
}

static void
test_bad_timestamp(void **state)
{
	struct fixture *f = *state;
	static const char *const bad_ts[] = {
		"yesterday", "2020-01-01", "2020-01-01+12%3A00", "2020-13-01+12%3A00%3A00",
		"2020-00-10+12%3A00%3A00", "2020-02-30+12%3A00%3A00", "2021-02-29+00%3A00%3A00",
		"2020-01-01+24%3A00%3A00", "2020-01-01+12%3A60%3A00", "2020-01-01+12%3A00%3A60",
		"2020-01-01+12%3A00%3A00Z", "2020-01-01+12%3A00%3A0x", "1969-12-31+23%3A59%3A59",
		"2020%2F01%2F01+12%3A00%3A00", "+2020-01-01+12%3A00%3A0", "1577880000",
	};
	char q[512];
	size_t i;

	for (i = 0; i < ARRAY_LEN(bad_ts); i++) {
		snprintf(q, sizeof q, "secret=" SECRET "&msisdn=6281234567890&messageId=T&text=x"
		    "&message-timestamp=%s", bad_ts[i]);
		if (get(f, q) != 400)
			fail_msg("message-timestamp=%s: status %ld, expected 400", bad_ts[i],
			    f->res.status);
		refused(f, 400, "message-timestamp");
	}
	/* Leap day, the 'T' form, and an empty timestamp (as absent). */
	assert_int_equal(get(f, "secret=" SECRET "&msisdn=6281234567890&messageId=T&text=x"
	    "&message-timestamp=2024-02-29+00%3A00%3A00"), 200);
	assert_int_equal(f->got.in.time, 1709164800);
	assert_int_equal(get(f, "secret=" SECRET "&msisdn=6281234567890&messageId=T&text=x"
	    "&message-timestamp=2020-01-01T12%3A00%3A00"), 200);
	assert_int_equal(f->got.in.time, DOC_TIME);
	assert_int_equal(get(f, "secret=" SECRET "&msisdn=6281234567890&messageId=T&text=x"
	    "&message-timestamp="), 200);
	assert_int_equal(f->got.in.time, 0);
}

static void
test_text_too_long(void **state)
{
	struct fixture *f = *state;
	char q[1024];
	int n;

	/* max_text is 160 here: 160 bytes pass, 161 do not. */
	n = snprintf(q, sizeof q, "secret=" SECRET "&msisdn=6281234567890&messageId=L&text=");
	memset(q + n, 'a', 160);
	q[n + 160] = '\0';
	assert_int_equal(get(f, q), 200);
	assert_int_equal(f->got.in.text_len, 160);
	q[n + 160] = 'a';
	q[n + 161] = '\0';
	assert_int_equal(get(f, q), 413);
	refused(f, 413, "too long");
}

static void
test_dlr(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *status, *state;
	} map[] = {
		{ "delivered", "delivered" }, { "failed", "failed" }, { "expired", "failed" },
		{ "rejected", "rejected" }, { "accepted", "submitted" }, { "buffered", "buffered" },
	};
	char q[512];
	size_t i;

	for (i = 0; i < ARRAY_LEN(map); i++) {
		snprintf(q, sizeof q, "secret=" SECRET "&msisdn=6281234567890&to=1708"
		    "&network-code=51010&messageId=0B00000000000001&price=0.03330000&status=%s"
		    "&scts=2001011400&err-code=0&message-timestamp=2020-01-01+12%%3A00%%3A00",
		    map[i].status);
		assert_int_equal(request(f, "/vonage/dlr", q, NULL, NULL), 200);
		assert_int_equal(f->got.status, 0);
		assert_string_equal(f->got.dlr_id, "0B00000000000001");
		assert_string_equal(f->got.dlr_state, map[i].state);
	}
	assert_int_equal(request(f, "/vonage/dlr", "secret=" SECRET, "application/json",
	    "{\"messageId\":\"0B00000000000002\",\"status\":\"delivered\"}"), 200);
	assert_string_equal(f->got.dlr_id, "0B00000000000002");
	assert_int_equal(request(f, "/vonage/dlr", "secret=x&messageId=1&status=delivered", NULL,
	    NULL), 403);
	assert_int_equal(request(f, "/vonage/dlr", "secret=" SECRET "&status=delivered", NULL,
	    NULL), 400);
	assert_non_null(strstr(f->got.err, "messageId"));
	assert_int_equal(request(f, "/vonage/dlr", "secret=" SECRET "&messageId=1&status=lost",
	    NULL, NULL), 400);
	assert_non_null(strstr(f->got.err, "status"));
	assert_int_equal(request(f, "/vonage/dlr", "secret=" SECRET "&messageId=1", NULL, NULL), 400);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		T(test_get_in_vonage_shape),
		T(test_optional_fields),
		T(test_post_form),
		T(test_post_json),
		T(test_concat_fields),
		T(test_concat_invalid),
		T(test_bad_secret),
		T(test_missing_fields),
		T(test_malformed_fields),
		T(test_binary_refused),
		T(test_bad_timestamp),
		T(test_text_too_long),
		T(test_dlr),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
