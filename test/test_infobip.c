/*
 * test_infobip: the Infobip and generic JSON adapters (gateway/infobip.c,
 * gateway/generic.c), decoding over real HTTP.  A loopback server
 * (net/http.h, port 0) runs a handler that calls the adapter's
 * decode_sms() or decode_dlr() on the request, exactly as intake would get
 * it, and writes what came out into its answer: the HTTP status the adapter
 * returned, then one line per message.  The test calls it with
 * net/fetch.h as the gateway would and compares.
 *
 * The answer's body, on success:
 *
 *   n=<count>
 *   id=<id>|from=<from>|to=<to>|time=<unix>|text=<text>      (one per message)
 *
 * for a delivery report "id=<provider id>|state=<state>"; on a refusal the
 * adapter's status with its reason as the body.  The config is a literal
 * string (conf_load_string) with both gateways enabled.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf/conf.h"
#include "gateway/gateway.h"
#include "net/http.h"
#include "net/fetch.h"
#include "util/log.h"
#include "util/util.h"

#define IB_SECRET       "infobip-secret-0123"
#define GEN_SECRET      "generic-secret-4567"

/* What the handler of one path does. */
struct endpoint {
	const struct gateway *gw;
	const struct conf **conf;       /* the fixture's current config */
	size_t max;                     /* max for decode_sms */
	int dlr;                        /* 1: decode_dlr instead */
};

struct fixture {
	struct conf *conf;              /* both gateways on */
	struct conf *off;               /* neither */
	const struct conf *current;
	struct endpoint ep[5];
	struct http_server *srv;
	int port;
};

static const char conf_common[] =
    "agencies = ( { id = \"kominfo\"; name = \"Dinas Kominfo\"; short_name = \"Kominfo\"; } );\n"
    "triage = \"kominfo\";\n"
    "rules = ( { keyword = \"JALAN\"; agency = \"kominfo\";\n"
    "    label = { id = \"Jalan\"; en = \"Roads\"; }; } );\n"
    "sms = { max_text = 160; };\n";

static struct conf *
load(const char *gw_groups)
{
	struct conf_errors errs;
	struct conf *c;
	char text[2048];
	int i;

	snprintf(text, sizeof text, "%s%s", conf_common, gw_groups);
	memset(&errs, 0, sizeof errs);
	c = conf_load_string(text, 0, &errs);
	for (i = 0; c == NULL && i < errs.n; i++)
		print_error("config line %d: %s\n", errs.e[i].line, errs.e[i].msg);
	return c;
}

static void
handler(void *ctx, const struct http_request *req, struct http_response *res)
{
	const struct endpoint *ep = ctx;
	const struct conf *c = *ep->conf;
	struct sms_in *in;
	char err[200], id[128], state[32], *out, *p;
	size_t n = 0, i, cap;
	int st;

	if (ep->dlr) {
		st = ep->gw->decode_dlr(c, req, id, sizeof id, state, sizeof state, err,
		    sizeof err);
		if (st != 0) {
			http_respond_text(res, st, err);
			return;
		}
		cap = sizeof id + sizeof state + 32;
		out = xmalloc(cap);
		snprintf(out, cap, "id=%s|state=%s", id, state);
		http_respond_text(res, 200, out);
		free(out);
		return;
	}
	in = xcalloc(SMS_BATCH_MAX, sizeof *in);
	st = ep->gw->decode_sms(c, req, in, ep->max, &n, err, sizeof err);
	if (st != 0) {
		if (n != 0)
			http_respond_text(res, 599, "decode failed but *n is not 0");
		else
			http_respond_text(res, st, err);
		free(in);
		return;
	}
	cap = 32;
	for (i = 0; i < n; i++)
		cap += in[i].text_len + 512;
	out = xmalloc(cap);
	p = out + snprintf(out, cap, "n=%zu\n", n);
	for (i = 0; i < n; i++) {
		p += snprintf(p, cap - (size_t)(p - out), "id=%s|from=%s|to=%s|time=%lld|text=%s\n",
		    in[i].id, in[i].from, in[i].to, (long long)in[i].time, in[i].text);
		if (strlen(in[i].text) != in[i].text_len)
			p += snprintf(p, cap - (size_t)(p - out), "TEXT LENGTH WRONG\n");
		sms_in_clear(&in[i]);
	}
	http_respond_text(res, 200, out);
	free(out);
	free(in);
}

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);
	struct http_route routes[5];
	struct http_options ho;
	char err[256];

	log_set_level(LOG_LEVEL_ERROR);
	f->conf = load("gateways = { infobip = { secret = \"" IB_SECRET "\"; };\n"
	    "  generic = { secret = \"" GEN_SECRET "\"; }; };\n");
	f->off = load("");
	if (f->conf == NULL || f->off == NULL)
		return -1;
	f->current = f->conf;
	f->ep[0] = (struct endpoint){ &gateway_infobip, &f->current, SMS_BATCH_MAX, 0 };
	f->ep[1] = (struct endpoint){ &gateway_infobip, &f->current, 1, 0 };
	f->ep[2] = (struct endpoint){ &gateway_infobip, &f->current, 0, 1 };
	f->ep[3] = (struct endpoint){ &gateway_generic, &f->current, 1, 0 };
	f->ep[4] = (struct endpoint){ &gateway_infobip, &f->current, 2, 0 };
	routes[0] = (struct http_route){ "/infobip/sms", HTTP_GET | HTTP_POST, handler, &f->ep[0] };
	routes[1] = (struct http_route){ "/infobip/sms1", HTTP_POST, handler, &f->ep[1] };
	routes[2] = (struct http_route){ "/infobip/dlr", HTTP_POST, handler, &f->ep[2] };
	routes[3] = (struct http_route){ "/generic/sms", HTTP_GET | HTTP_POST, handler, &f->ep[3] };
	routes[4] = (struct http_route){ "/infobip/sms2", HTTP_POST, handler, &f->ep[4] };
	ho.listen = "127.0.0.1";
	ho.port = 0;
	ho.threads = 2;
	ho.max_body = 16384;
	f->srv = http_start(&ho, routes, ARRAY_LEN(routes), err, sizeof err);
	if (f->srv == NULL) {
		print_error("http_start: %s\n", err);
		return -1;
	}
	f->port = http_port(f->srv);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	http_stop(f->srv);
	conf_free(f->conf);
	conf_free(f->off);
	free(f);
	return 0;
}

/* ---- helpers ------------------------------------------------------------ */

#define assert_contains(haystack, needle) \
	contains_((haystack), (needle), __FILE__, __LINE__)

static void
contains_(const char *haystack, const char *needle, const char *file, int line)
{
	if (strstr(haystack, needle) == NULL) {
		print_error("expected to find \"%s\"\n            in \"%s\"\n", needle, haystack);
		_fail(file, line);
	}
}

/*
 * POSTs body (content type ctype, "application/json" when NULL) to path
 * with up to two extra header lines; the answer stays in r.
 */
static void
post(struct fixture *f, const char *path, const char *ctype, const char *body, const char *h1,
    const char *h2, struct fetch_res *r)
{
	char url[512];
	const char *headers[3] = { h1, h1 != NULL ? h2 : NULL, NULL };
	struct fetch_req q;

	memset(&q, 0, sizeof q);
	memset(r, 0, sizeof *r);
	snprintf(url, sizeof url, "http://127.0.0.1:%d%s", f->port, path);
	q.method = "POST";
	q.url = url;
	q.content_type = ctype != NULL ? ctype : "application/json";
	q.body = body;
	q.body_len = strlen(body);
	q.headers = headers;
	if (fetch(&q, r) != 0)
		fail_msg("POST %s: %s", path, r->error);
}

static void
infobip(struct fixture *f, const char *path_query, const char *body, struct fetch_res *r)
{
	post(f, path_query, NULL, body, NULL, NULL, r);
}

static void
generic(struct fixture *f, const char *header, const char *body, struct fetch_res *r)
{
	post(f, "/generic/sms", NULL, body, header, NULL, r);
}

static int64_t
utc(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm;

	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	return (int64_t)timegm(&tm);
}

#define IB_OK   "/infobip/sms?secret=" IB_SECRET
#define DLR_OK  "/infobip/dlr?secret=" IB_SECRET
#define BEARER  "Authorization: Bearer " GEN_SECRET
#define XSECRET "X-Aduan-Secret: " GEN_SECRET

/* Infobip's documented sample (its "Receive SMS" page), with two results. */
static const char ib_sample[] =
    "{\n"
    "  \"results\": [\n"
    "    {\n"
    "      \"messageId\": \"817790313235066447\",\n"
    "      \"from\": \"6281234567890\",\n"
    "      \"to\": \"1708\",\n"
    "      \"text\": \"JALAN Correct answer is Paris\",\n"
    "      \"cleanText\": \"Correct answer is Paris\",\n"
    "      \"keyword\": \"JALAN\",\n"
    "      \"receivedAt\": \"2016-10-06T09:28:39.220+0000\",\n"
    "      \"smsCount\": 1,\n"
    "      \"price\": { \"pricePerMessage\": 0, \"currency\": \"EUR\" },\n"
    "      \"callbackData\": \"callbackData\"\n"
    "    },\n"
    "    {\n"
    "      \"messageId\": \"817790313235066448\",\n"
    "      \"from\": \"+6285711112222\",\n"
    "      \"to\": \"1708\",\n"
    "      \"text\": \"Sampah menumpuk di pasar \\u2013 bau \\ud83d\\ude1f\",\n"
    "      \"cleanText\": \"menumpuk di pasar\",\n"
    "      \"keyword\": \"SAMPAH\",\n"
    "      \"receivedAt\": \"2026-01-02T15:04:05.000+0700\",\n"
    "      \"smsCount\": 1\n"
    "    }\n"
    "  ],\n"
    "  \"messageCount\": 2,\n"
    "  \"pendingMessageCount\": 0\n"
    "}\n";

/* ---- Infobip SMS ---------------------------------------------------------- */

static void
test_infobip_sample_two_results_two_messages(void **state)
{
	struct fixture *f = *state;
	struct fetch_res r;
	char want[1024];

	infobip(f, IB_OK, ib_sample, &r);
	assert_int_equal(r.status, 200);
	snprintf(want, sizeof want,
	    "n=2\n"
	    "id=817790313235066447|from=6281234567890|to=1708|time=%lld|"
	    "text=JALAN Correct answer is Paris\n"
	    "id=817790313235066448|from=+6285711112222|to=1708|time=%lld|"
	    "text=Sampah menumpuk di pasar \xE2\x80\x93 bau \xF0\x9F\x98\x9F\n",
	    (long long)utc(2016, 10, 6, 9, 28, 39), (long long)utc(2026, 1, 2, 8, 4, 5));
	assert_string_equal(r.body, want);
	fetch_res_clear(&r);
}

static void
test_infobip_received_at_offsets(void **state)
{
	static const struct {
		const char *at;
		int64_t want;           /* -1: refused */
	} cases[] = {
		{ "2026-01-02T15:04:05.000+0000", 0 },
		{ "2026-01-02T15:04:05Z", 0 },
		{ "2026-01-02T22:04:05+07:00", 0 },
		{ "2026-01-02T10:04:05.5-0500", 0 },
		{ "2026-01-02T15:04:05", 0 },
		{ "2026-01-02 15:04:05+00", 0 },
		{ "2026-02-29T15:04:05Z", -1 },
		{ "2026-01-02T25:04:05Z", -1 },
		{ "2026-01-02", -1 },
		{ "1767366245", -1 },
		{ "2026-01-02T15:04:05+0000 ", -1 },
		{ "2026-01-03T05:04:05+14:00", 0 },
		{ "2026-01-02T15:04:05+15:00", -1 },   /* no zone is 15 h off UTC */
		{ "2026-01-02T15:04:05-18:00", -1 },
		{ "2026-02-31T15:04:05Z", -1 },
	};
	struct fixture *f = *state;
	struct fetch_res r;
	char body[512], want[64];
	size_t i;

	for (i = 0; i < ARRAY_LEN(cases); i++) {
		snprintf(body, sizeof body, "{\"results\":[{\"messageId\":\"m%zu\",\"from\":\"081234567890\","
		    "\"text\":\"x\",\"receivedAt\":\"%s\"}]}", i, cases[i].at);
		infobip(f, IB_OK, body, &r);
		if (cases[i].want < 0) {
			if (r.status != 400)
				fail_msg("receivedAt %s: status %ld, want 400", cases[i].at, r.status);
			assert_contains(r.body, "results[0]");
			assert_contains(r.body, "receivedAt");
		} else {
			if (r.status != 200)
				fail_msg("receivedAt %s: status %ld: %s", cases[i].at, r.status, r.body);
			snprintf(want, sizeof want, "|time=%lld|",
			    (long long)utc(2026, 1, 2, 15, 4, 5));
			assert_contains(r.body, want);
		}
		fetch_res_clear(&r);
	}
}

static void
test_infobip_malformed_json_is_400_with_the_position(void **state)
{
	struct fixture *f = *state;
	struct fetch_res r;

	infobip(f, IB_OK, "{\"results\": [{\"messageId\": \"1\", \"from\": \"0812\",}]}", &r);
	assert_int_equal(r.status, 400);
	assert_contains(r.body, "bad JSON");
	assert_contains(r.body, "line 1, column 48, position 48");
	fetch_res_clear(&r);

	infobip(f, IB_OK, "[1, 2]", &r);
	assert_int_equal(r.status, 400);
	assert_contains(r.body, "\"results\" array");
	fetch_res_clear(&r);

	infobip(f, IB_OK, "{\"results\": {}}", &r);
	assert_int_equal(r.status, 400);
	fetch_res_clear(&r);

	/* A form body is no JSON body. */
	post(f, IB_OK, "application/x-www-form-urlencoded", "from=0812&text=x", NULL, NULL, &r);
	assert_int_equal(r.status, 400);
	assert_contains(r.body, "JSON body");
	fetch_res_clear(&r);

	/* A duplicated member is refused, not silently resolved. */
	infobip(f, IB_OK, "{\"results\":[{\"messageId\":\"1\",\"from\":\"081234567890\","
	    "\"text\":\"a\",\"text\":\"b\"}]}", &r);
	assert_int_equal(r.status, 400);
	assert_contains(r.body, "duplicate");
	fetch_res_clear(&r);
}

static void
test_infobip_missing_field_names_the_result_and_field(void **state)
{
	static const struct {
		const char *second, *needle;
		long status;
	} cases[] = {
		{ "{\"messageId\":\"b\",\"from\":\"085711112222\"}", "results[1]: missing field \"text\"", 400 },
		{ "{\"messageId\":\"b\",\"text\":\"x\"}", "results[1]: missing field \"from\"", 400 },
		{ "{\"from\":\"085711112222\",\"text\":\"x\"}", "results[1]: missing field \"messageId\"", 400 },
		{ "{\"messageId\":\"b\",\"from\":\"085711112222\",\"text\":null}", "results[1]: missing field \"text\"", 400 },
		{ "{\"messageId\":\"b\",\"from\":\"085711112222\",\"text\":12}", "results[1]: field \"text\" must be a string", 400 },
		{ "{\"messageId\":\"b c\",\"from\":\"085711112222\",\"text\":\"x\"}", "results[1]: field \"messageId\"", 400 },
		{ "{\"messageId\":\"b\",\"from\":\"\",\"text\":\"x\"}", "results[1]: field \"from\"", 400 },
		{ "{\"messageId\":\"b\",\"from\":\"085711112222\",\"to\":\"17 08\",\"text\":\"x\"}", "results[1]: field \"to\"", 400 },
		{ "\"x\"", "results[1] is not an object", 400 },
	};
	struct fixture *f = *state;
	struct fetch_res r;
	char body[512];
	size_t i;

	for (i = 0; i < ARRAY_LEN(cases); i++) {
		snprintf(body, sizeof body, "{\"results\":[{\"messageId\":\"a\",\"from\":\"081234567890\","
		    "\"text\":\"JALAN rusak\"},%s]}", cases[i].second);
		infobip(f, IB_OK, body, &r);
		if (r.status != cases[i].status)
			fail_msg("case %zu: status %ld, want %ld: %s", i, r.status, cases[i].status, r.body);
		assert_contains(r.body, cases[i].needle);
		fetch_res_clear(&r);
	}
}

static void
test_infobip_secret_is_checked_first(void **state)
{
	struct fixture *f = *state;
	struct fetch_res r;

	infobip(f, "/infobip/sms?secret=salah", ib_sample, &r);
	assert_int_equal(r.status, 403);
	fetch_res_clear(&r);
	infobip(f, "/infobip/sms", ib_sample, &r);
	assert_int_equal(r.status, 403);
	fetch_res_clear(&r);
	infobip(f, "/infobip/sms?secret=" IB_SECRET "x", ib_sample, &r);
	assert_int_equal(r.status, 403);
	fetch_res_clear(&r);
	/* Even a body that is not JSON: no parsing before the secret. */
	infobip(f, "/infobip/sms?secret=salah", "{{{", &r);
	assert_int_equal(r.status, 403);
	fetch_res_clear(&r);
	/* The secret in a header does not count: Infobip puts it in the URL. */
	post(f, "/infobip/sms", NULL, ib_sample, "X-Aduan-Secret: " IB_SECRET, NULL, &r);
	assert_int_equal(r.status, 403);
	fetch_res_clear(&r);

	f->current = f->off;
	infobip(f, IB_OK, ib_sample, &r);
	assert_int_equal(r.status, 404);
	fetch_res_clear(&r);
	infobip(f, DLR_OK, "{\"results\":[]}", &r);
	assert_int_equal(r.status, 404);
	fetch_res_clear(&r);
	generic(f, BEARER, "{\"from\":\"0812\",\"text\":\"x\"}", &r);
	assert_int_equal(r.status, 404);
	fetch_res_clear(&r);
	f->current = f->conf;
}

static void
test_infobip_empty_results_and_batch_limit(void **state)
{
	struct fixture *f = *state;
	struct fetch_res r;

	infobip(f, IB_OK, "{\"results\":[],\"messageCount\":0,\"pendingMessageCount\":0}", &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "n=0\n");
	fetch_res_clear(&r);

	/* Two results where only one fits: 413 with a reason, nothing decoded. */
	post(f, "/infobip/sms1?secret=" IB_SECRET, NULL, ib_sample, NULL, NULL, &r);
	assert_int_equal(r.status, 413);
	assert_contains(r.body, "2 results");
	fetch_res_clear(&r);
	post(f, "/infobip/sms2?secret=" IB_SECRET, NULL, ib_sample, NULL, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_contains(r.body, "n=2\n");
	fetch_res_clear(&r);
}

static void
test_infobip_text_not_clean_text_and_its_limit(void **state)
{
	struct fixture *f = *state;
	struct fetch_res r;
	char body[1024], text[200];

	infobip(f, IB_OK, "{\"results\":[{\"messageId\":\"k\",\"from\":\"081234567890\","
	    "\"text\":\"  JALAN  rusak\\n\",\"cleanText\":\"rusak\",\"keyword\":\"JALAN\"}]}", &r);
	assert_int_equal(r.status, 200);
	assert_contains(r.body, "|to=|time=0|text=  JALAN  rusak\n\n");
	fetch_res_clear(&r);

	/* sms.max_text = 160: 160 bytes pass, 161 are 413 naming the result. */
	memset(text, 'a', 160);
	text[160] = '\0';
	snprintf(body, sizeof body, "{\"results\":[{\"messageId\":\"k\",\"from\":\"081234567890\","
	    "\"text\":\"%s\"}]}", text);
	infobip(f, IB_OK, body, &r);
	assert_int_equal(r.status, 200);
	fetch_res_clear(&r);
	snprintf(body, sizeof body, "{\"results\":[{\"messageId\":\"k\",\"from\":\"081234567890\","
	    "\"text\":\"x\"},{\"messageId\":\"l\",\"from\":\"081234567890\",\"text\":\"%sb\"}]}",
	    text);
	infobip(f, IB_OK, body, &r);
	assert_int_equal(r.status, 413);
	assert_contains(r.body, "results[1]");
	fetch_res_clear(&r);

	/* A NUL inside the text (\u0000) never reaches intake. */
	infobip(f, IB_OK, "{\"results\":[{\"messageId\":\"k\",\"from\":\"081234567890\","
	    "\"text\":\"a\\u0000b\"}]}", &r);
	assert_int_equal(r.status, 400);
	fetch_res_clear(&r);
}

static void
test_infobip_acknowledgement(void **state)
{
	struct http_response res;

	(void)state;
	memset(&res, 0, sizeof res);
	assert_int_equal(gateway_infobip.reply_inline, 0);
	gateway_infobip.encode_reply("", &res);
	assert_int_equal(res.status, 200);
	assert_string_equal(res.body, "ok\n");
	free(res.body);
	assert_string_equal(gateway_infobip.name, "infobip");
	assert_string_equal(gateway_infobip.sms_path, "/infobip/sms");
	assert_string_equal(gateway_infobip.dlr_path, "/infobip/dlr");
}

/* ---- Infobip delivery reports ------------------------------------------ */

static void
test_infobip_dlr_mapping(void **state)
{
	static const struct {
		const char *status, *want;
	} cases[] = {
		{ "{\"groupId\":3,\"groupName\":\"DELIVERED\",\"id\":5,\"name\":\"DELIVERED_TO_HANDSET\"}", "delivered" },
		{ "{\"groupId\":3,\"groupName\":\"DELIVERED\",\"id\":2,\"name\":\"DELIVERED_TO_OPERATOR\"}", "submitted" },
		{ "{\"groupId\":1,\"groupName\":\"PENDING\",\"id\":3,\"name\":\"PENDING_WAITING_DELIVERY\"}", "buffered" },
		{ "{\"groupId\":2,\"groupName\":\"UNDELIVERABLE\",\"id\":9,\"name\":\"UNDELIVERABLE_NOT_DELIVERED\"}", "failed" },
		{ "{\"groupId\":4,\"groupName\":\"EXPIRED\",\"id\":15,\"name\":\"EXPIRED_EXPIRED\"}", "failed" },
		{ "{\"groupId\":5,\"groupName\":\"REJECTED\",\"id\":6,\"name\":\"REJECTED_NETWORK\"}", "rejected" },
		{ "{\"groupId\":3}", "delivered" },
		{ "{\"groupId\":5}", "rejected" },
	};
	struct fixture *f = *state;
	struct fetch_res r;
	char body[512];
	size_t i;

	for (i = 0; i < ARRAY_LEN(cases); i++) {
		snprintf(body, sizeof body, "{\"results\":[{\"bulkId\":\"b-1\",\"messageId\":\"IB-%zu\","
		    "\"to\":\"6281234567890\",\"sentAt\":\"2026-01-02T15:04:05.000+0000\","
		    "\"doneAt\":\"2026-01-02T15:04:07.000+0000\",\"smsCount\":1,\"status\":%s,"
		    "\"error\":{\"groupId\":0,\"groupName\":\"OK\",\"id\":0,\"name\":\"NO_ERROR\"}},"
		    "{\"messageId\":\"second\",\"status\":{\"groupName\":\"REJECTED\"}}]}",
		    i, cases[i].status);
		infobip(f, DLR_OK, body, &r);
		if (r.status != 200)
			fail_msg("case %zu: status %ld: %s", i, r.status, r.body);
		snprintf(body, sizeof body, "id=IB-%zu|state=%s", i, cases[i].want);
		assert_string_equal(r.body, body);
		fetch_res_clear(&r);
	}
}

static void
test_infobip_dlr_refusals(void **state)
{
	static const struct {
		const char *path, *body, *needle;
		long status;
	} cases[] = {
		{ "/infobip/dlr?secret=salah", "{\"results\":[{\"messageId\":\"1\",\"status\":{\"groupName\":\"DELIVERED\"}}]}", "secret", 403 },
		{ DLR_OK, "{\"results\":[{\"messageId\":\"1\",\"status\":{\"groupName\":\"SOMETHING\"}}]}", "SOMETHING", 400 },
		{ DLR_OK, "{\"results\":[{\"messageId\":\"1\"}]}", "status", 400 },
		{ DLR_OK, "{\"results\":[{\"status\":{\"groupName\":\"DELIVERED\"}}]}", "messageId", 400 },
		{ DLR_OK, "{\"results\":[]}", "no delivery report", 400 },
		{ DLR_OK, "{\"results\":[", "bad JSON", 400 },
	};
	struct fixture *f = *state;
	struct fetch_res r;
	size_t i;

	for (i = 0; i < ARRAY_LEN(cases); i++) {
		infobip(f, cases[i].path, cases[i].body, &r);
		if (r.status != cases[i].status)
			fail_msg("case %zu: status %ld, want %ld: %s", i, r.status, cases[i].status, r.body);
		assert_contains(r.body, cases[i].needle);
		fetch_res_clear(&r);
	}
}

/* ---- generic JSON ------------------------------------------------------- */

static void
test_generic_bearer_and_x_aduan_secret(void **state)
{
	static const char body[] = "{\"from\":\"081234567890\",\"to\":\"1708\","
	    "\"text\":\"JALAN rusak\",\"id\":\"g-1\"}";
	static const char want[] = "n=1\nid=g-1|from=081234567890|to=1708|time=0|text=JALAN rusak\n";
	struct fixture *f = *state;
	struct fetch_res r;

	generic(f, BEARER, body, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, want);
	fetch_res_clear(&r);
	generic(f, "authorization: bearer " GEN_SECRET, body, &r);
	assert_int_equal(r.status, 200);
	fetch_res_clear(&r);
	generic(f, XSECRET, body, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, want);
	fetch_res_clear(&r);

	generic(f, NULL, body, &r);
	assert_int_equal(r.status, 403);
	fetch_res_clear(&r);
	generic(f, "Authorization: Bearer salah-rahasia-0000", body, &r);
	assert_int_equal(r.status, 403);
	fetch_res_clear(&r);
	generic(f, "Authorization: Basic " GEN_SECRET, body, &r);
	assert_int_equal(r.status, 403);
	fetch_res_clear(&r);
	generic(f, "X-Aduan-Secret: " GEN_SECRET "x", body, &r);
	assert_int_equal(r.status, 403);
	fetch_res_clear(&r);
	/* The Infobip secret is another gateway's. */
	generic(f, "X-Aduan-Secret: " IB_SECRET, body, &r);
	assert_int_equal(r.status, 403);
	fetch_res_clear(&r);
	/* A wrong Bearer beside a right X-Aduan-Secret: one right credential is enough. */
	post(f, "/generic/sms", NULL, body, "Authorization: Bearer salah", XSECRET, &r);
	assert_int_equal(r.status, 200);
	fetch_res_clear(&r);
	/* Not in the query string. */
	post(f, "/generic/sms?secret=" GEN_SECRET, NULL, body, NULL, NULL, &r);
	assert_int_equal(r.status, 403);
	fetch_res_clear(&r);
}

static void
test_generic_missing_or_malformed_fields(void **state)
{
	static const struct {
		const char *body, *needle;
		long status;
	} cases[] = {
		{ "{\"from\":\"081234567890\"}", "missing field \"text\"", 400 },
		{ "{\"from\":\"081234567890\",\"text\":null}", "missing field \"text\"", 400 },
		{ "{\"text\":\"JALAN rusak\"}", "missing field \"from\"", 400 },
		{ "{\"from\":\"\",\"text\":\"JALAN rusak\"}", "missing field \"from\"", 400 },
		{ "{\"from\":81234567890,\"text\":\"JALAN rusak\"}", "\"from\" must be a string", 400 },
		{ "{\"from\":\"081234567890\",\"text\":\"x\",\"id\":\"a b\"}", "\"id\"", 400 },
		{ "{\"from\":\"081234567890\",\"text\":\"x\",\"id\":[1]}", "\"id\"", 400 },
		{ "{\"from\":\"081234567890\",\"text\":\"x\",\"to\":\"17 08\"}", "\"to\"", 400 },
		{ "{\"from\":\"081234567890\",\"text\":\"x\",\"time\":\"kemarin\"}", "\"time\"", 400 },
		{ "{\"from\":\"081234567890\",\"text\":\"x\",\"time\":-5}", "\"time\"", 400 },
		{ "{\"from\":\"081234567890\",\"text\":\"x\",\"time\":1.5}", "\"time\"", 400 },
		{ "{\"from\":\"081234567890\",\"text\":\"x\",}", "bad JSON", 400 },
		{ "{\"from\":\"081234567890\" \"text\":\"x\"}", "position", 400 },
		{ "[\"081234567890\",\"x\"]", "JSON object", 400 },
		{ "", "JSON body", 400 },
	};
	struct fixture *f = *state;
	struct fetch_res r;
	char big[400];
	size_t i;

	for (i = 0; i < ARRAY_LEN(cases); i++) {
		generic(f, BEARER, cases[i].body, &r);
		if (r.status != cases[i].status)
			fail_msg("case %zu (%s): status %ld, want %ld: %s", i, cases[i].body, r.status,
			    cases[i].status, r.body);
		assert_contains(r.body, cases[i].needle);
		fetch_res_clear(&r);
	}
	snprintf(big, sizeof big, "{\"from\":\"081234567890\",\"text\":\"%0161d\"}", 0);
	generic(f, BEARER, big, &r);
	assert_int_equal(r.status, 413);
	fetch_res_clear(&r);
	/* A form post is not the JSON this endpoint takes. */
	post(f, "/generic/sms", "application/x-www-form-urlencoded", "from=0812&text=x", BEARER,
	    NULL, &r);
	assert_int_equal(r.status, 400);
	assert_contains(r.body, "JSON body");
	fetch_res_clear(&r);
}

static void
test_generic_iso_and_unix_time_and_integer_id(void **state)
{
	static const char *const times[] = {
		"1767366245", "\"1767366245\"", "\"2026-01-02T15:04:05Z\"",
		"\"2026-01-02T22:04:05+07:00\"", "\"2026-01-02T22:04:05.123+0700\"",
		"\"2026-01-02T15:04:05\"",
	};
	struct fixture *f = *state;
	struct fetch_res r;
	char body[256];
	size_t i;

	assert_int_equal(utc(2026, 1, 2, 15, 4, 5), 1767366245);
	for (i = 0; i < ARRAY_LEN(times); i++) {
		snprintf(body, sizeof body, "{\"from\":\"081234567890\",\"text\":\"x\",\"time\":%s}",
		    times[i]);
		generic(f, BEARER, body, &r);
		if (r.status != 200)
			fail_msg("time %s: %ld %s", times[i], r.status, r.body);
		assert_string_equal(r.body, "n=1\nid=|from=081234567890|to=|time=1767366245|text=x\n");
		fetch_res_clear(&r);
	}
	generic(f, BEARER, "{\"from\":\"TELKOMSEL\",\"text\":\"\",\"id\":123456789012,"
	    "\"extra\":{\"ignored\":true}}", &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "n=1\nid=123456789012|from=TELKOMSEL|to=|time=0|text=\n");
	fetch_res_clear(&r);
}

static void
test_generic_reply_is_json(void **state)
{
	struct http_response res;

	(void)state;
	assert_int_equal(gateway_generic.reply_inline, 1);
	assert_null(gateway_generic.dlr_path);
	memset(&res, 0, sizeof res);
	gateway_generic.encode_reply("Tiket \"12345678\"\\ok \xE2\x80\x93\nbaris", &res);
	assert_int_equal(res.status, 200);
	assert_string_equal(res.content_type, "application/json");
	assert_string_equal(res.body, "{\"reply\": \"Tiket \\\"12345678\\\"\\\\ok \xE2\x80\x93\\nbaris\"}");
	free(res.body);
	memset(&res, 0, sizeof res);
	gateway_generic.encode_reply("", &res);
	assert_int_equal(res.status, 200);
	assert_string_equal(res.body, "{\"reply\": \"\"}");
	free(res.body);
}

int
main(void)
{
#define T(fn) cmocka_unit_test(fn)
	const struct CMUnitTest tests[] = {
		T(test_infobip_sample_two_results_two_messages),
		T(test_infobip_received_at_offsets),
		T(test_infobip_malformed_json_is_400_with_the_position),
		T(test_infobip_missing_field_names_the_result_and_field),
		T(test_infobip_secret_is_checked_first),
		T(test_infobip_empty_results_and_batch_limit),
		T(test_infobip_text_not_clean_text_and_its_limit),
		T(test_infobip_acknowledgement),
		T(test_infobip_dlr_mapping),
		T(test_infobip_dlr_refusals),
		T(test_generic_bearer_and_x_aduan_secret),
		T(test_generic_missing_or_malformed_fields),
		T(test_generic_iso_and_unix_time_and_integer_id),
		T(test_generic_reply_is_json),
	};
#undef T
	int rc;

	if (fetch_init() != 0)
		return 1;
	rc = cmocka_run_group_tests(tests, setup, teardown);
	fetch_cleanup();
	return rc;
}
