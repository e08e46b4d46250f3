/*
 * test_gateway: the gateway table (gateway_find), and one outbound SMS
 * (gateway_send: the send() of the gateway sms_sender names) as the
 * gateway receives it.  Two stand-in
 * gateways run on loopback over real HTTP (net/http.h on a free port):
 * a Kannel sendsms that records the query parameters it was given, and an
 * Africa's Talking messaging API that records the form and headers.  Each
 * answers as the test tells it (status, body, or a sleep past the
 * timeout), and the test checks both what went over the wire (decoded, as
 * the gateway sees it: UTF-8 text byte for byte, UTF-16BE with surrogate
 * pairs for text GSM-7 cannot carry, the delivery-report URL with our
 * outbox id) and the outcome the delivery workers will act on.  Two more
 * stand in for Twilio's Messages API (Basic auth, a form, JSON answers)
 * and Infobip's SMS API (an App key, a JSON request, JSON answers).
 *
 * The config is a literal string (conf_load_string) with the stand-ins'
 * ports filled in.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "conf/conf.h"
#include "net/http.h"
#include "gateway/gateway.h"
#include "net/fetch.h"
#include "util/log.h"
#include "util/util.h"

#define PHONE           "+6281234567890"
#define KANNEL_SECRET   "kannel-secret-123"
#define PASSWORD        "p@ss w&rd=1+"
#define AT_KEY          "atsk_0123456789abcdef"
#define TW_ACCOUNT      "ACaaaabbbbccccddddeeeeffff00001111"
#define TW_TOKEN        "tw_token_0123456789abcdef"
/* printf '%s:%s' TW_ACCOUNT TW_TOKEN | base64 */
#define TW_BASIC        "Basic QUNhYWFhYmJiYmNjY2NkZGRkZWVlZWZmZmYwMDAwMTExMTp0d190b2tlbl8wMTIzNDU2Nzg5YWJjZGVm"
#define TW_SID          "SM1234567890abcdef1234567890abcdef"
#define IB_KEY          "ib-key-0123456789abcdef"
#define IB_SECRET       "ib secret&12="

#define TW_CREATED \
	"{\"account_sid\":\"" TW_ACCOUNT "\",\"api_version\":\"2010-04-01\"," \
	"\"body\":\"hello\",\"direction\":\"outbound-api\",\"error_code\":null," \
	"\"from\":\"+14155550100\",\"num_segments\":\"1\",\"sid\":\"" TW_SID "\"," \
	"\"status\":\"queued\",\"to\":\"+6281234567890\"}"
#define TW_ERROR(code, msg, status) \
	"{\"code\":" #code ",\"message\":\"" msg "\",\"more_info\":" \
	"\"https://www.twilio.com/docs/errors/" #code "\",\"status\":" #status "}"
#define IB_ANSWER(group, name, desc) \
	"{\"bulkId\":\"2034072219640523072\",\"messages\":[{\"messageId\":\"aduan-31\"," \
	"\"status\":{\"description\":\"" desc "\",\"groupId\":1,\"groupName\":\"" group "\"," \
	"\"id\":26,\"name\":\"" name "\"},\"to\":\"6281234567890\"}]}"
#define IB_ERROR(id, text) \
	"{\"requestError\":{\"serviceException\":{\"messageId\":\"" id "\",\"text\":\"" \
	text "\"}}}"

#define AT_SUCCESS \
	"{\"SMSMessageData\":{\"Message\":\"Sent to 1/1 Total Cost: KES 0.8000\"," \
	"\"Recipients\":[{\"statusCode\":101,\"number\":\"+254711XXXYYY\"," \
	"\"status\":\"Success\",\"cost\":\"KES 0.8000\"," \
	"\"messageId\":\"ATPid_SampleTxnId123\"}]}}"
#define AT_RECIPIENT(code, status) \
	"{\"SMSMessageData\":{\"Message\":\"Sent to 0/1 Total Cost: 0\"," \
	"\"Recipients\":[{\"statusCode\":" #code ",\"number\":\"+254711XXXYYY\"," \
	"\"status\":\"" status "\",\"cost\":\"0\",\"messageId\":\"None\"}]}}"

/* The parameters a stand-in keeps from the last request, decoded. */
static const char *const kept_names[] = {
	"username", "password", "to", "from", "text", "coding", "charset", "dlr-mask",
	"dlr-url", "smsc", "message", "To", "From", "Body", "StatusCallback",
};
#define NKEPT (sizeof kept_names / sizeof kept_names[0])

struct standin {
	pthread_mutex_t mu;
	struct http_server *srv;
	/* how to answer */
	int status;
	const char *content_type;
	char answer[1024];
	int sleep_s;
	/* what came */
	int calls;
	int method;
	char *value[NKEPT];     /* NULL: absent */
	size_t len[NKEPT];
	char api_key[128];
	char accept[128];
	char ctype[128];
	char auth[256];
	char path[256];
	char *body;             /* a non-form body (JSON), NULL when none */
};

struct fixture {
	struct standin kannel;
	struct standin at;
	struct standin twilio;
	struct standin infobip;
	struct conf *conf;
};

static void
standin_answer(struct standin *st, int status, const char *body)
{
	pthread_mutex_lock(&st->mu);
	st->status = status;
	str_copy(st->answer, sizeof st->answer, body);
	pthread_mutex_unlock(&st->mu);
}

static void
copy_header(const struct http_request *req, const char *name, char *out, size_t outsz)
{
	const char *v = http_header(req, name);

	str_copy(out, outsz, v != NULL ? v : "");
}

static void
standin_handler(void *ctx, const struct http_request *req, struct http_response *res)
{
	struct standin *st = ctx;
	const char *v;
	char answer[1024];
	int status, sleep_s;
	size_t i, len;

	pthread_mutex_lock(&st->mu);
	st->calls++;
	st->method = http_request_method(req);
	for (i = 0; i < NKEPT; i++) {
		free(st->value[i]);
		st->value[i] = NULL;
		st->len[i] = 0;
		if ((v = http_param(req, kept_names[i], &len)) != NULL) {
			st->value[i] = xmalloc(len + 1);
			memcpy(st->value[i], v, len + 1);
			st->len[i] = len;
		}
	}
	copy_header(req, "apiKey", st->api_key, sizeof st->api_key);
	copy_header(req, "Accept", st->accept, sizeof st->accept);
	copy_header(req, "Content-Type", st->ctype, sizeof st->ctype);
	copy_header(req, "Authorization", st->auth, sizeof st->auth);
	str_copy(st->path, sizeof st->path, http_request_path(req));
	free(st->body);
	st->body = (v = http_body(req, &len)) != NULL ? xstrndup(v, len) : NULL;
	status = st->status;
	sleep_s = st->sleep_s;
	memcpy(answer, st->answer, sizeof answer);
	pthread_mutex_unlock(&st->mu);

	if (sleep_s > 0)
		sleep((unsigned)sleep_s);
	http_respond(res, status, st->content_type, answer, strlen(answer));
}

static int
standin_start(struct standin *st, const char *path, unsigned methods, const char *ctype)
{
	struct http_options o = { "127.0.0.1", 0, 4, 65536 };
	struct http_route r = { path, methods, standin_handler, st };
	char err[256];

	pthread_mutex_init(&st->mu, NULL);
	st->content_type = ctype;
	if ((st->srv = http_start(&o, &r, 1, err, sizeof err)) == NULL) {
		print_error("stand-in %s: %s\n", path, err);
		return -1;
	}
	return 0;
}

static void
standin_stop(struct standin *st)
{
	size_t i;

	http_stop(st->srv);
	for (i = 0; i < NKEPT; i++)
		free(st->value[i]);
	free(st->body);
	pthread_mutex_destroy(&st->mu);
}

/* The last value of parameter `name`, NUL-terminated; NULL when it was absent. */
static const char *
got(struct standin *st, const char *name, size_t *len)
{
	const char *v = NULL;
	size_t i;

	pthread_mutex_lock(&st->mu);
	for (i = 0; i < NKEPT; i++)
		if (strcmp(kept_names[i], name) == 0) {
			v = st->value[i];
			if (len != NULL)
				*len = st->len[i];
		}
	pthread_mutex_unlock(&st->mu);
	return v;
}

/* Loads a config for the given sms_sender group ("" for none). */
static void
use_conf(struct fixture *f, const char *sender_group, const char *gateways_group)
{
	static struct conf_errors errs;
	char text[4096];
	int i;

	conf_free(f->conf);
	snprintf(text, sizeof text,
	    "server = { public_url = \"https://aduan.example.org/\"; };\n"
	    "delivery = { timeout = 1; };\n"
	    "%s\n%s\n"
	    "agencies = ( { id = \"dpupr\"; name = \"Dinas PU\"; short_name = \"DPUPR\"; },\n"
	    "  { id = \"diskominfo\"; name = \"Diskominfo\"; short_name = \"Diskominfo\"; } );\n"
	    "triage = \"diskominfo\";\n"
	    "rules = ( { keyword = \"JALAN\"; agency = \"dpupr\"; label = { id = \"Jalan\"; }; } );\n",
	    gateways_group, sender_group);
	memset(&errs, 0, sizeof errs);
	f->conf = conf_load_string(text, 0, &errs);
	if (f->conf == NULL) {
		for (i = 0; i < errs.n; i++)
			print_error("line %d: %s\n", errs.e[i].line, errs.e[i].msg);
		fail_msg("config did not load:\n%s", text);
	}
}

static void
use_kannel(struct fixture *f, const char *url_suffix, int with_secret)
{
	char group[1024];

	snprintf(group, sizeof group,
	    "sms_sender = { type = \"kannel\"; url = \"http://127.0.0.1:%d/cgi-bin/sendsms%s\";\n"
	    "  username = \"aduan\"; password = \"" PASSWORD "\"; from = \"1708\"; };",
	    http_port(f->kannel.srv), url_suffix);
	use_conf(f, group, with_secret ?
	    "gateways = { kannel = { secret = \"" KANNEL_SECRET "\"; }; };" : "");
}

static void
use_at(struct fixture *f, const char *url)
{
	char group[1024], u[256];

	if (url == NULL) {
		snprintf(u, sizeof u, "http://127.0.0.1:%d/version1/messaging",
		    http_port(f->at.srv));
		url = u;
	}
	snprintf(group, sizeof group,
	    "sms_sender = { type = \"africastalking\"; url = \"%s\";\n"
	    "  username = \"sandbox\"; password = \"" AT_KEY "\"; from = \"ADUAN\"; };", url);
	use_conf(f, group, "");
}

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);

	log_set_level(LOG_LEVEL_ERROR);
	if (fetch_init() == -1 ||
	    standin_start(&f->kannel, "/cgi-bin/sendsms", HTTP_GET, "text/html") == -1 ||
	    standin_start(&f->at, "/version1/messaging", HTTP_POST, "application/json") == -1 ||
	    standin_start(&f->twilio, "/2010-04-01/Accounts/", HTTP_POST, "application/json") == -1 ||
	    standin_start(&f->infobip, "/sms/2/text/advanced", HTTP_POST, "application/json") == -1)
		return -1;
	standin_answer(&f->kannel, 202, "0: Accepted for delivery");
	standin_answer(&f->at, 201, AT_SUCCESS);
	standin_answer(&f->twilio, 201, TW_CREATED);
	standin_answer(&f->infobip, 200, IB_ANSWER("PENDING", "PENDING_ACCEPTED",
	    "Message sent to next instance"));
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	standin_stop(&f->kannel);
	standin_stop(&f->at);
	standin_stop(&f->twilio);
	standin_stop(&f->infobip);
	conf_free(f->conf);
	free(f);
	fetch_cleanup();
	return 0;
}

/* A loopback port nobody listens on: bound, then closed again. */
static int
closed_port(void)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof sin;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
	close(fd);
	return ntohs(sin.sin_port);
}

static void
assert_param(struct standin *st, const char *name, const char *want)
{
	const char *v = got(st, name, NULL);

	if (v == NULL)
		fail_msg("parameter %s is missing (wanted \"%s\")", name, want);
	assert_string_equal(v, want);
}

/* ---- Kannel ------------------------------------------------------------- */

static void
test_kannel_gsm_text_goes_as_utf8_with_every_parameter(void **state)
{
	struct fixture *f = *state;
	/* GSM-7 but not ASCII: basic-table letters and extension-table signs. */
	const char *text = "Aduan 48219303 diterima: Dinas PU. é à Ø ß £ € {x} [y] ~ | ^ \\ 100%";
	struct send_result r;
	size_t len;
	const char *v;

	use_kannel(f, "", 1);
	gateway_send(f->conf, PHONE, text, 42, &r);
	assert_int_equal(r.outcome, SEND_OK);
	assert_string_equal(r.provider_id, "42");
	assert_string_equal(r.error, "");

	assert_int_equal(f->kannel.calls, 1);
	assert_int_equal(f->kannel.method, HTTP_GET);
	assert_param(&f->kannel, "username", "aduan");
	assert_param(&f->kannel, "password", PASSWORD);
	assert_param(&f->kannel, "to", PHONE);
	assert_param(&f->kannel, "from", "1708");
	assert_param(&f->kannel, "charset", "UTF-8");
	assert_null(got(&f->kannel, "coding", NULL));
	v = got(&f->kannel, "text", &len);
	assert_non_null(v);
	assert_int_equal(len, strlen(text));
	assert_memory_equal(v, text, len);
	assert_param(&f->kannel, "dlr-mask", "31");
	/* Decoded once, as Kannel does: %d left for Kannel to fill in. */
	assert_param(&f->kannel, "dlr-url",
	    "https://aduan.example.org/kannel/dlr?secret=" KANNEL_SECRET "&id=42&type=%d");
}

static void
test_kannel_non_gsm_text_goes_as_utf16be_with_coding_2(void **state)
{
	struct fixture *f = *state;
	/* H, e-acute (GSM-7, but the text as a whole is not), space, curly quote, emoji. */
	const char *text = "H\xC3\xA9 \xE2\x80\x99\xF0\x9F\x98\x80";
	static const unsigned char want[] = {
		0x00, 0x48, 0x00, 0xE9, 0x00, 0x20, 0x20, 0x19,
		0xD8, 0x3D, 0xDE, 0x00,         /* U+1F600 as a surrogate pair */
	};
	struct send_result r;
	size_t len;
	const char *v;

	use_kannel(f, "", 1);
	gateway_send(f->conf, PHONE, text, 7, &r);
	assert_int_equal(r.outcome, SEND_OK);
	assert_string_equal(r.provider_id, "7");
	assert_param(&f->kannel, "coding", "2");
	assert_param(&f->kannel, "charset", "UTF-16BE");
	v = got(&f->kannel, "text", &len);
	assert_non_null(v);
	assert_int_equal(len, sizeof want);
	assert_memory_equal(v, want, sizeof want);
}

static void
test_kannel_curly_quote_alone_makes_the_text_ucs2(void **state)
{
	struct fixture *f = *state;
	static const unsigned char want[] = { 0x00, 0x69, 0x20, 0x19, 0x00, 0x73 };
	struct send_result r;
	size_t len;
	const char *v;

	use_kannel(f, "", 1);
	gateway_send(f->conf, PHONE, "i\xE2\x80\x99s", 8, &r);
	assert_int_equal(r.outcome, SEND_OK);
	assert_param(&f->kannel, "coding", "2");
	v = got(&f->kannel, "text", &len);
	assert_int_equal(len, sizeof want);
	assert_memory_equal(v, want, sizeof want);
}

static void
test_kannel_queued_for_later_is_accepted(void **state)
{
	struct fixture *f = *state;
	struct send_result r;

	use_kannel(f, "", 1);
	standin_answer(&f->kannel, 202, "3: Queued for later delivery");
	gateway_send(f->conf, PHONE, "hello", 9, &r);
	assert_int_equal(r.outcome, SEND_OK);
	assert_string_equal(r.provider_id, "9");
}

static void
test_kannel_answers_map_to_outcomes(void **state)
{
	struct fixture *f = *state;
	static const struct {
		int status;
		const char *body;
		enum send_outcome want;
		const char *error;
	} cases[] = {
		{ 503, "Temporary failure, try again later.", SEND_RETRY, "HTTP 503" },
		{ 403, "Not routable. Do not try again.", SEND_FAIL, "not routable" },
		{ 400, "Charset or body misformed, rejected", SEND_FAIL,
		  "HTTP 400: Charset or body misformed, rejected" },
		{ 401, "Authorization failed for sendsms", SEND_FAIL, "HTTP 401" },
		{ 500, "Internal error", SEND_RETRY, "HTTP 500" },
		{ 502, "Bad gateway", SEND_RETRY, "HTTP 502" },
		{ 429, "slow down", SEND_RETRY, "HTTP 429" },
	};
	struct send_result r;
	size_t i;

	use_kannel(f, "", 1);
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		standin_answer(&f->kannel, cases[i].status, cases[i].body);
		gateway_send(f->conf, PHONE, "hello", 10, &r);
		if (r.outcome != cases[i].want || strstr(r.error, cases[i].error) == NULL)
			fail_msg("HTTP %d: outcome %d error \"%s\", wanted %d with \"%s\"",
			    cases[i].status, r.outcome, r.error, cases[i].want, cases[i].error);
		/* The phone number never lands in an error. */
		assert_null(strstr(r.error, "6281234567890"));
	}
}

static void
test_kannel_error_quotes_at_most_100_printable_bytes(void **state)
{
	struct fixture *f = *state;
	char body[400];
	struct send_result r;

	memset(body, 'x', sizeof body - 1);
	body[sizeof body - 1] = '\0';
	body[3] = '\n';
	use_kannel(f, "", 1);
	standin_answer(&f->kannel, 400, body);
	gateway_send(f->conf, PHONE, "hello", 11, &r);
	assert_int_equal(r.outcome, SEND_FAIL);
	assert_null(strchr(r.error, '\n'));
	assert_true(strlen(r.error) <= strlen("kannel: HTTP 400: ") + 100);
}

static void
test_kannel_connection_refused_is_retried(void **state)
{
	struct fixture *f = *state;
	char group[512];
	struct send_result r;

	snprintf(group, sizeof group,
	    "sms_sender = { type = \"kannel\"; url = \"http://127.0.0.1:%d/cgi-bin/sendsms\";\n"
	    "  username = \"aduan\"; password = \"x\"; };", closed_port());
	use_conf(f, group, "");
	gateway_send(f->conf, PHONE, "hello", 12, &r);
	assert_int_equal(r.outcome, SEND_RETRY);
	assert_true(r.error[0] != '\0');
}

static void
test_kannel_timeout_is_retried(void **state)
{
	struct fixture *f = *state;
	struct send_result r;
	time_t t0;

	use_kannel(f, "", 1);
	pthread_mutex_lock(&f->kannel.mu);
	f->kannel.sleep_s = 3;          /* delivery.timeout is 1 */
	pthread_mutex_unlock(&f->kannel.mu);
	t0 = time(NULL);
	gateway_send(f->conf, PHONE, "hello", 13, &r);
	assert_int_equal(r.outcome, SEND_RETRY);
	assert_non_null(strstr(r.error, "timed out"));
	assert_true(time(NULL) - t0 < 3);
}

static void
test_kannel_url_with_its_own_query_keeps_it(void **state)
{
	struct fixture *f = *state;
	struct send_result r;

	use_kannel(f, "?smsc=telkomsel", 1);
	gateway_send(f->conf, PHONE, "hello", 14, &r);
	assert_int_equal(r.outcome, SEND_OK);
	assert_param(&f->kannel, "smsc", "telkomsel");
	assert_param(&f->kannel, "username", "aduan");
	assert_param(&f->kannel, "text", "hello");
}

static void
test_kannel_without_endpoint_secret_asks_for_no_reports(void **state)
{
	struct fixture *f = *state;
	struct send_result r;

	use_kannel(f, "", 0);
	gateway_send(f->conf, PHONE, "hello", 15, &r);
	assert_int_equal(r.outcome, SEND_OK);
	assert_null(got(&f->kannel, "dlr-url", NULL));
	assert_null(got(&f->kannel, "dlr-mask", NULL));
}

/* ---- no sender, bad text -------------------------------------------------- */

static void
test_no_sender_waits_for_one(void **state)
{
	struct fixture *f = *state;
	struct send_result r;

	use_conf(f, "", "");
	gateway_send(f->conf, PHONE, "hello", 16, &r);
	assert_int_equal(r.outcome, SEND_RETRY);
	assert_string_equal(r.error, "no sms_sender configured");
	assert_int_equal(f->kannel.calls, 0);
	assert_int_equal(f->at.calls, 0);
}

static void
test_invalid_utf8_is_never_sent(void **state)
{
	struct fixture *f = *state;
	struct send_result r;

	use_kannel(f, "", 1);
	gateway_send(f->conf, PHONE, "bad \xC3\x28 text", 17, &r);
	assert_int_equal(r.outcome, SEND_FAIL);
	assert_int_equal(f->kannel.calls, 0);
}

/* ---- Africa's Talking ------------------------------------------------------- */

static void
test_at_success_keeps_the_message_id(void **state)
{
	struct fixture *f = *state;
	const char *text = "Aduan diterima \xE2\x80\x99 \xF0\x9F\x98\x80 & = +";
	struct send_result r;
	size_t len;
	const char *v;

	use_at(f, NULL);
	gateway_send(f->conf, PHONE, text, 21, &r);
	assert_int_equal(r.outcome, SEND_OK);
	assert_string_equal(r.provider_id, "ATPid_SampleTxnId123");

	assert_int_equal(f->at.calls, 1);
	assert_int_equal(f->at.method, HTTP_POST);
	assert_string_equal(f->at.api_key, AT_KEY);
	assert_string_equal(f->at.accept, "application/json");
	assert_non_null(strstr(f->at.ctype, "application/x-www-form-urlencoded"));
	assert_param(&f->at, "username", "sandbox");
	assert_param(&f->at, "to", PHONE);
	assert_param(&f->at, "from", "ADUAN");
	v = got(&f->at, "message", &len);
	assert_non_null(v);
	assert_int_equal(len, strlen(text));
	assert_memory_equal(v, text, len);
}

static void
test_at_recipient_statuses_map_to_outcomes(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *answer;
		enum send_outcome want;
		const char *error;
	} cases[] = {
		{ AT_RECIPIENT(403, "InvalidPhoneNumber"), SEND_FAIL, "InvalidPhoneNumber" },
		{ AT_RECIPIENT(406, "UserInBlacklist"), SEND_FAIL, "UserInBlacklist" },
		{ AT_RECIPIENT(404, "UnsupportedNumberType"), SEND_FAIL, "UnsupportedNumberType" },
		{ AT_RECIPIENT(405, "InsufficientBalance"), SEND_RETRY, "InsufficientBalance" },
		{ AT_RECIPIENT(500, "InternalServerError"), SEND_RETRY, "InternalServerError" },
		{ AT_RECIPIENT(407, "CouldNotRoute"), SEND_RETRY, "CouldNotRoute" },
		{ "{\"SMSMessageData\":{\"Message\":\"InvalidSenderId\",\"Recipients\":[]}}",
		  SEND_RETRY, "InvalidSenderId" },
		{ "<html>not json</html>", SEND_RETRY, "unreadable" },
	};
	struct send_result r;
	size_t i;

	use_at(f, NULL);
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		standin_answer(&f->at, 201, cases[i].answer);
		gateway_send(f->conf, PHONE, "hello", 22, &r);
		if (r.outcome != cases[i].want || strstr(r.error, cases[i].error) == NULL)
			fail_msg("%s: outcome %d error \"%s\", wanted %d with \"%s\"",
			    cases[i].answer, r.outcome, r.error, cases[i].want, cases[i].error);
	}
}

static void
test_at_http_errors_map_to_outcomes(void **state)
{
	struct fixture *f = *state;
	struct send_result r;

	use_at(f, NULL);
	standin_answer(&f->at, 500, "Internal Server Error");
	gateway_send(f->conf, PHONE, "hello", 23, &r);
	assert_int_equal(r.outcome, SEND_RETRY);
	assert_non_null(strstr(r.error, "HTTP 500"));

	standin_answer(&f->at, 401, "The supplied authentication is invalid");
	gateway_send(f->conf, PHONE, "hello", 23, &r);
	assert_int_equal(r.outcome, SEND_FAIL);
	assert_non_null(strstr(r.error, "HTTP 401: The supplied authentication is invalid"));

	standin_answer(&f->at, 429, "Too many requests");
	gateway_send(f->conf, PHONE, "hello", 23, &r);
	assert_int_equal(r.outcome, SEND_RETRY);

	standin_answer(&f->at, 400, "Request is missing required form field 'to'");
	gateway_send(f->conf, PHONE, "hello", 23, &r);
	assert_int_equal(r.outcome, SEND_FAIL);
}

static void
test_at_connection_refused_is_retried(void **state)
{
	struct fixture *f = *state;
	struct send_result r;
	char url[128];

	snprintf(url, sizeof url, "http://127.0.0.1:%d/version1/messaging", closed_port());
	use_at(f, url);
	gateway_send(f->conf, PHONE, "hello", 24, &r);
	assert_int_equal(r.outcome, SEND_RETRY);
}

/* ---- Twilio ------------------------------------------------------------------ */

static void
use_twilio(struct fixture *f, int port)
{
	char group[1024];

	snprintf(group, sizeof group,
	    "sms_sender = { type = \"twilio\"; url = \"http://127.0.0.1:%d/\";\n"
	    "  username = \"" TW_ACCOUNT "\"; password = \"" TW_TOKEN "\"; from = \"+14155550100\"; };",
	    port > 0 ? port : http_port(f->twilio.srv));
	use_conf(f, group, "");
}

static void
test_twilio_created_keeps_the_sid(void **state)
{
	struct fixture *f = *state;
	const char *text = "Aduan diterima \xE2\x80\x99 \xF0\x9F\x98\x80 & = + %20";
	struct send_result r;
	size_t len;
	const char *v;

	use_twilio(f, 0);
	gateway_send(f->conf, PHONE, text, 31, &r);
	assert_int_equal(r.outcome, SEND_OK);
	assert_string_equal(r.provider_id, TW_SID);
	assert_string_equal(r.error, "");

	assert_int_equal(f->twilio.calls, 1);
	assert_int_equal(f->twilio.method, HTTP_POST);
	assert_string_equal(f->twilio.path, "/2010-04-01/Accounts/" TW_ACCOUNT "/Messages.json");
	assert_string_equal(f->twilio.auth, TW_BASIC);
	assert_string_equal(f->twilio.accept, "application/json");
	assert_non_null(strstr(f->twilio.ctype, "application/x-www-form-urlencoded"));
	assert_param(&f->twilio, "To", PHONE);
	assert_param(&f->twilio, "From", "+14155550100");
	/* public_url's trailing '/' is not doubled. */
	assert_param(&f->twilio, "StatusCallback", "https://aduan.example.org/twilio/status");
	v = got(&f->twilio, "Body", &len);
	assert_non_null(v);
	assert_int_equal(len, strlen(text));
	assert_memory_equal(v, text, len);
}

static void
test_twilio_answers_map_to_outcomes(void **state)
{
	struct fixture *f = *state;
	static const struct {
		int status;
		const char *body;
		enum send_outcome want;
		const char *error;
	} cases[] = {
		{ 400, TW_ERROR(21211, "The 'To' number +6281234567890 is not a valid phone number.",
		  400), SEND_FAIL, "HTTP 400 error 21211: The 'To' number +**********890 is not" },
		{ 400, TW_ERROR(21610, "Attempt to send to unsubscribed recipient", 400), SEND_FAIL,
		  "error 21610" },
		{ 400, TW_ERROR(21611, "This 'From' number has exceeded the maximum number of "
		  "queued messages", 400), SEND_RETRY, "error 21611" },
		{ 401, TW_ERROR(20003, "Authenticate", 401), SEND_FAIL, "HTTP 401 error 20003" },
		{ 403, "Forbidden", SEND_FAIL, "HTTP 403: Forbidden" },
		{ 404, TW_ERROR(20404, "The requested resource was not found", 404), SEND_FAIL,
		  "20404" },
		{ 429, TW_ERROR(20429, "Too Many Requests", 429), SEND_RETRY, "HTTP 429" },
		{ 500, "Internal Server Error", SEND_RETRY, "HTTP 500" },
		{ 503, TW_ERROR(20503, "Service unavailable", 503), SEND_RETRY, "HTTP 503" },
		{ 201, "<html>not json</html>", SEND_RETRY, "unreadable" },
		{ 201, "{\"status\":\"queued\"}", SEND_RETRY, "without a message sid" },
	};
	struct send_result r;
	size_t i;

	use_twilio(f, 0);
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		standin_answer(&f->twilio, cases[i].status, cases[i].body);
		gateway_send(f->conf, PHONE, "hello", 32, &r);
		if (r.outcome != cases[i].want || strstr(r.error, cases[i].error) == NULL)
			fail_msg("HTTP %d %s: outcome %d error \"%s\", wanted %d with \"%s\"",
			    cases[i].status, cases[i].body, r.outcome, r.error, cases[i].want,
			    cases[i].error);
		assert_null(strstr(r.error, "81234567890"));
	}
}

static void
test_twilio_connection_refused_is_retried(void **state)
{
	struct fixture *f = *state;
	struct send_result r;

	use_twilio(f, closed_port());
	gateway_send(f->conf, PHONE, "hello", 33, &r);
	assert_int_equal(r.outcome, SEND_RETRY);
	assert_non_null(strstr(r.error, "twilio: "));
	assert_int_equal(f->twilio.calls, 0);
}

/* ---- Infobip ------------------------------------------------------------------- */

static void
use_infobip(struct fixture *f, int with_secret)
{
	char group[1024];

	snprintf(group, sizeof group,
	    "sms_sender = { type = \"infobip\"; url = \"http://127.0.0.1:%d\";\n"
	    "  password = \"" IB_KEY "\"; from = \"ADUAN\"; };", http_port(f->infobip.srv));
	use_conf(f, group, with_secret ?
	    "gateways = { infobip = { secret = \"" IB_SECRET "\"; }; };" : "");
}

/* The request's JSON body, parsed (the caller json_decref()s it). */
static json_t *
infobip_request(struct fixture *f)
{
	json_error_t jerr;
	json_t *root;

	pthread_mutex_lock(&f->infobip.mu);
	assert_non_null(f->infobip.body);
	root = json_loads(f->infobip.body, 0, &jerr);
	pthread_mutex_unlock(&f->infobip.mu);
	if (root == NULL)
		fail_msg("not JSON: %s", jerr.text);
	return root;
}

static const char *
jget(json_t *root, const char *path)
{
	json_t *m = json_array_get(json_object_get(root, "messages"), 0);
	json_t *v;

	if (strncmp(path, "dest.", 5) == 0)
		v = json_object_get(json_array_get(json_object_get(m, "destinations"), 0),
		    path + 5);
	else
		v = json_object_get(m, path);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static void
test_infobip_pending_keeps_the_message_id(void **state)
{
	struct fixture *f = *state;
	const char *text = "Aduan diterima \xE2\x80\x99 \xF0\x9F\x98\x80 \"quoted\" \\ & =";
	struct send_result r;
	json_t *root;

	use_infobip(f, 1);
	gateway_send(f->conf, PHONE, text, 31, &r);
	assert_int_equal(r.outcome, SEND_OK);
	assert_string_equal(r.provider_id, "aduan-31");
	assert_string_equal(r.error, "");

	assert_int_equal(f->infobip.calls, 1);
	assert_int_equal(f->infobip.method, HTTP_POST);
	assert_string_equal(f->infobip.path, "/sms/2/text/advanced");
	assert_string_equal(f->infobip.auth, "App " IB_KEY);
	assert_string_equal(f->infobip.accept, "application/json");
	assert_non_null(strstr(f->infobip.ctype, "application/json"));
	root = infobip_request(f);
	assert_int_equal(json_array_size(json_object_get(root, "messages")), 1);
	assert_int_equal(json_array_size(json_object_get(json_array_get(
	    json_object_get(root, "messages"), 0), "destinations")), 1);
	assert_string_equal(jget(root, "dest.to"), "6281234567890");
	assert_string_equal(jget(root, "dest.messageId"), "aduan-31");
	assert_string_equal(jget(root, "from"), "ADUAN");
	assert_string_equal(jget(root, "text"), text);
	assert_string_equal(jget(root, "notifyUrl"),
	    "https://aduan.example.org/infobip/dlr?secret=ib%20secret%2612%3D");
	assert_string_equal(jget(root, "notifyContentType"), "application/json");
	json_decref(root);
}

static void
test_infobip_without_endpoint_secret_asks_for_no_reports(void **state)
{
	struct fixture *f = *state;
	struct send_result r;
	json_t *root;

	use_infobip(f, 0);
	gateway_send(f->conf, PHONE, "hello", 34, &r);
	assert_int_equal(r.outcome, SEND_OK);
	root = infobip_request(f);
	assert_null(jget(root, "notifyUrl"));
	assert_null(jget(root, "notifyContentType"));
	assert_string_equal(jget(root, "dest.messageId"), "aduan-34");
	json_decref(root);
}

static void
test_infobip_answers_map_to_outcomes(void **state)
{
	struct fixture *f = *state;
	static const struct {
		int status;
		const char *body;
		enum send_outcome want;
		const char *error;
	} cases[] = {
		{ 200, IB_ANSWER("REJECTED", "REJECTED_DESTINATION",
		  "Destination 6281234567890 is invalid"), SEND_FAIL,
		  "REJECTED_DESTINATION: Destination **********890 is invalid" },
		{ 200, IB_ANSWER("UNDELIVERABLE", "UNDELIVERABLE_NOT_DELIVERED",
		  "Message sent not delivered"), SEND_FAIL, "UNDELIVERABLE_NOT_DELIVERED" },
		{ 200, IB_ANSWER("ACCEPTED", "ACCEPTED", "ok"), SEND_OK, "" },
		{ 200, IB_ANSWER("SOMETHING_NEW", "x y", "later"), SEND_RETRY, "SOMETHING_NEW" },
		{ 200, "{\"bulkId\":\"1\",\"messages\":[]}", SEND_RETRY, "without a message status" },
		{ 200, "<html>not json</html>", SEND_RETRY, "unreadable" },
		{ 401, IB_ERROR("UNAUTHORIZED", "Invalid login details"), SEND_FAIL,
		  "HTTP 401: Invalid login details" },
		{ 400, IB_ERROR("BAD_REQUEST", "Bad request"), SEND_FAIL, "HTTP 400: Bad request" },
		{ 429, IB_ERROR("TOO_MANY_REQUESTS", "Too many requests"), SEND_RETRY, "HTTP 429" },
		{ 500, "Internal Server Error", SEND_RETRY, "HTTP 500: Internal Server Error" },
		{ 503, "", SEND_RETRY, "HTTP 503" },
	};
	struct send_result r;
	size_t i;

	use_infobip(f, 1);
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		standin_answer(&f->infobip, cases[i].status, cases[i].body);
		gateway_send(f->conf, PHONE, "hello", 35, &r);
		if (r.outcome != cases[i].want || strstr(r.error, cases[i].error) == NULL)
			fail_msg("HTTP %d %s: outcome %d error \"%s\", wanted %d with \"%s\"",
			    cases[i].status, cases[i].body, r.outcome, r.error, cases[i].want,
			    cases[i].error);
		assert_null(strstr(r.error, "81234567890"));
	}
}

/* ---- fetch itself ------------------------------------------------------------ */

static void
test_fetch_caps_the_answer(void **state)
{
	struct fixture *f = *state;
	struct fetch_req req = { 0 };
	struct fetch_res res;
	char url[128], big[1000];

	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	standin_answer(&f->kannel, 202, big);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/cgi-bin/sendsms", http_port(f->kannel.srv));
	req.method = "GET";
	req.url = url;
	req.max_response = 100;
	assert_int_equal(fetch(&req, &res), -1);
	assert_non_null(strstr(res.error, "response too large"));
	fetch_res_clear(&res);

	req.max_response = 2000;
	assert_int_equal(fetch(&req, &res), 0);
	assert_int_equal(res.status, 202);
	assert_int_equal(res.body_len, sizeof big - 1);
	assert_string_equal(res.body, big);
	fetch_res_clear(&res);
}

static void
test_fetch_escape_is_binary_safe(void **state)
{
	char *e;

	(void)state;
	e = fetch_escape("a\0b +", 5);
	assert_string_equal(e, "a%00b%20%2B");
	free(e);
	e = fetch_escape("ignored", 0);
	assert_string_equal(e, "");
	free(e);
}

/*
 * Kannel's reports carry the outbox id, known before sending: it is the
 * provider id ahead, and the one the send result keeps.  Africa's Talking
 * names a message only in its answer.
 */
static void
test_provider_id_ahead_only_for_kannel(void **state)
{
	struct fixture *f = *state;
	struct send_result r;
	char id[32];

	use_kannel(f, "", 1);
	assert_int_equal(gateway_provider_id_ahead(f->conf, 4711, id, sizeof id), 1);
	assert_string_equal(id, "4711");
	gateway_send(f->conf, "+6281234567890", "Tiket 48219303 diterima", 4711, &r);
	assert_string_equal(r.provider_id, id);
	use_at(f, NULL);
	assert_int_equal(gateway_provider_id_ahead(f->conf, 4711, id, sizeof id), 0);
}

/* Each gateway is found by the name stored with its messages; no other name is. */
static void
test_gateway_find(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; gateways[i] != NULL; i++)
		assert_ptr_equal(gateway_find(gateways[i]->name), gateways[i]);
	assert_int_equal(i, 6);
	assert_ptr_equal(gateway_find("kannel"), &gateway_kannel);
	assert_ptr_equal(gateway_find("infobip"), &gateway_infobip);
	assert_null(gateway_find("Kannel"));
	assert_null(gateway_find(""));
	/* Vonage and the generic adapter only receive. */
	assert_null(gateway_vonage.send);
	assert_null(gateway_generic.send);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gateway_find),
		T(test_kannel_gsm_text_goes_as_utf8_with_every_parameter),
		T(test_kannel_non_gsm_text_goes_as_utf16be_with_coding_2),
		T(test_kannel_curly_quote_alone_makes_the_text_ucs2),
		T(test_kannel_queued_for_later_is_accepted),
		T(test_kannel_answers_map_to_outcomes),
		T(test_kannel_error_quotes_at_most_100_printable_bytes),
		T(test_kannel_connection_refused_is_retried),
		T(test_kannel_timeout_is_retried),
		T(test_kannel_url_with_its_own_query_keeps_it),
		T(test_kannel_without_endpoint_secret_asks_for_no_reports),
		T(test_provider_id_ahead_only_for_kannel),
		T(test_no_sender_waits_for_one),
		T(test_invalid_utf8_is_never_sent),
		T(test_at_success_keeps_the_message_id),
		T(test_at_recipient_statuses_map_to_outcomes),
		T(test_at_http_errors_map_to_outcomes),
		T(test_at_connection_refused_is_retried),
		T(test_twilio_created_keeps_the_sid),
		T(test_twilio_answers_map_to_outcomes),
		T(test_twilio_connection_refused_is_retried),
		T(test_infobip_pending_keeps_the_message_id),
		T(test_infobip_without_endpoint_secret_asks_for_no_reports),
		T(test_infobip_answers_map_to_outcomes),
		T(test_fetch_caps_the_answer),
		T(test_fetch_escape_is_binary_safe),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
