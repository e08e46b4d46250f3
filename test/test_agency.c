/*
 * test_agency: what agencies and the public see, over real HTTP.  The
 * agency API and Open311 handlers run on a loopback server (net/http.h,
 * port 0) and are called with net/fetch.h, as an agency's system or a
 * GeoReport client would; ticket_request_apply(), the webhook queueing and the
 * service-level tick are also called directly where the test needs fixed
 * times.  Each test has a real SQLite store in its own mkdtemp() directory
 * and a literal config (conf_load_string) with three agencies: the triage
 * agency "kominfo" and two others, "dpupr" (webhook, masked phone) and
 * "dlh" (webhook, full phone), each with an API token whose SHA-256 the
 * test computes with OpenSSL.  Outbox rows (webhooks, SMS) are read back
 * through store_outbox_each() and webhook bodies parsed with jansson.
 * TZ is UTC so that working days and dates are predictable.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <malloc.h>

#include <jansson.h>
#include <openssl/sha.h>

#include "conf/conf.h"
#include "conf/live.h"
#include "agency/agency.h"
#include "net/http.h"
#include "sms/gsm.h"
#include "sms/text.h"
#include "sms/ticket.h"
#include "store/store.h"
#include "ticket/change.h"
#include "ticket/tick.h"
#include "net/fetch.h"
#include "util/log.h"
#include "util/util.h"

#define PHONE           "+6281234567890"
#define PHONE_DIGITS    "81234567890"
#define PHONE_MASKED    "+62812****890"
#define TOK_TRIAGE      "triage-token-0123456789abcdef"
#define TOK_DPUPR       "dpupr-token-0123456789abcdef"
#define TOK_DLH         "dlh-token-0123456789abcdef"
#define TOK_BUDI        "budi-token-0123456789abcdef"   /* dpupr's named token "budi" */

struct fixture {
	char dir[64];
	char path[128];
	struct conf *conf;
	struct conf *other;     /* a second config a test switched to (use_conf) */
	struct store *s;
	struct agency_ctx actx;
	struct http_server *srv;
	int port;
	char why[256];          /* the reason of the last refused change (apply) */
};

static const struct store_options opts = { .sync_full = 1, .busy_timeout_ms = 500 };

/*
 * Sanitizer builds: every malloc'd byte filled (ASan's default fills the
 * first 4 KB only), so a buffer read before it is written is caught on
 * every run.  Ignored by the plain build, which uses M_PERTURB (main).
 */
const char *__asan_default_options(void);
const char *
__asan_default_options(void)
{
	return "max_malloc_fill_size=65536";
}

/* ---- fixture ------------------------------------------------------------ */

static void
sha_hex(const char *s, char out[65])
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	size_t i;

	SHA256((const unsigned char *)s, strlen(s), md);
	for (i = 0; i < SHA256_DIGEST_LENGTH; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static void
remove_dir(const char *dir)
{
	char p[512];
	struct dirent *de;
	DIR *d;

	if ((d = opendir(dir)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
			unlink(p);
		}
		closedir(d);
	}
	rmdir(dir);
}

/* Open311 as most tests want it: on, texts published, no rate limit in the way. */
#define O311_ON "open311 = { enabled = true; publish_text = true; " \
	"requests_per_minute = 100000; burst = 100000; };\n"

/*
 * The fixture's config with `open311` (a whole open311 group, or "") and
 * `triage` (more members of the triage agency's group, or "").
 */
static struct conf *
fixture_conf_with(const char *open311, const char *triage)
{
	struct conf_errors errs;
	struct conf *c;
	char text[4096], h1[65], h2[65], h3[65], h4[65];
	int i;

	sha_hex(TOK_TRIAGE, h1);
	sha_hex(TOK_DPUPR, h2);
	sha_hex(TOK_DLH, h3);
	sha_hex(TOK_BUDI, h4);
	snprintf(text, sizeof text,
	    "agencies = (\n"
	    "  { id = \"kominfo\"; name = \"Dinas Komunikasi dan Informatika\";\n"
	    "    short_name = \"Kominfo\"; token_sha256 = \"%s\"; %s },\n"
	    "  { id = \"dpupr\"; name = \"Dinas Pekerjaan Umum\"; short_name = \"DPUPR\";\n"
	    "    token_sha256 = \"%s\"; tokens = ( { name = \"budi\"; sha256 = \"%s\"; } );\n"
	    "    webhook = \"http://127.0.0.1:9/dpupr\";\n"
	    "    webhook_secret = \"dpupr-secret-0123456789\"; show_phone = false; },\n"
	    "  { id = \"dlh\"; name = \"Dinas Lingkungan Hidup\"; short_name = \"DLH\";\n"
	    "    token_sha256 = \"%s\"; webhook = \"http://127.0.0.1:9/dlh\";\n"
	    "    webhook_secret = \"dlh-secret-0123456789ab\"; show_phone = true; }\n"
	    ");\n"
	    "triage = \"kominfo\";\n"
	    "rules = (\n"
	    "  { keyword = \"JALAN\"; aliases = [ \"JLN\", \"LUBANG\" ];\n"
	    "    aliases_en = [ \"ROAD\" ]; agency = \"dpupr\";\n"
	    "    label = { id = \"Jalan & jembatan\"; en = \"Roads & bridges\"; }; },\n"
	    "  { keyword = \"SAMPAH\"; aliases = [ \"TPS\" ]; agency = \"dlh\";\n"
	    "    label = { id = \"Sampah\"; en = \"Waste\"; }; }\n"
	    ");\n"
	    "service_levels = { route_days = 3; followup_days = 5; autoclose_days = 10;\n"
	    "  holidays = [ \"2026-12-25\" ]; };\n%s", h1, triage, h2, h4, h3, open311);
	memset(&errs, 0, sizeof errs);
	if ((c = conf_load_string(text, 0, &errs)) == NULL)
		for (i = 0; i < errs.n; i++)
			print_error("line %d: %s\n", errs.e[i].line, errs.e[i].msg);
	return c;
}

static struct conf *
fixture_conf(const char *open311)
{
	return fixture_conf_with(open311, "");
}

/* From now on the handlers of this test use the fixture's config with `open311`. */
static void
use_conf(struct fixture *f, const char *open311)
{
	assert_null(f->other);
	assert_non_null(f->other = fixture_conf(open311));
	f->actx.conf = f->other;
}

/* ... and a webhook for the triage agency too. */
#define TRIAGE_WEBHOOK "webhook = \"http://127.0.0.1:9/kominfo\"; " \
	"webhook_secret = \"kominfo-secret-0123456789\";"
static void
use_triage_webhook(struct fixture *f)
{
	struct conf *c = fixture_conf_with(O311_ON, TRIAGE_WEBHOOK);

	assert_null(f->other);
	assert_non_null(c);
	f->other = f->conf;     /* freed by teardown like the new one */
	f->conf = c;            /* the tests' own calls use it too */
	f->actx.conf = c;
}

/* The service-level tick with what the handlers of this test use. */
static int
sla_tick(struct fixture *f, int64_t now)
{
	return ticket_sla_tick(f->actx.conf, f->actx.live, f->actx.store, f->actx.deliver, now);
}

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);
	struct http_options ho;
	struct http_route routes[2];
	char err[256];

	log_set_level(LOG_LEVEL_ERROR);
	if ((f->conf = fixture_conf(O311_ON)) == NULL) {
		free(f);
		return -1;
	}
	snprintf(f->dir, sizeof f->dir, "/tmp/aduan-agency-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		goto fail_conf;
	snprintf(f->path, sizeof f->path, "%s/aduan.db", f->dir);
	if ((f->s = store_open(f->path, &opts, err, sizeof err)) == NULL) {
		print_error("store_open: %s\n", err);
		goto fail_dir;
	}
	f->actx.conf = f->conf;
	f->actx.store = f->s;
	f->actx.deliver = NULL;
	routes[0] = (struct http_route){ "/api/v1/", HTTP_GET | HTTP_POST, agency_api_handler,
	    &f->actx };
	routes[1] = (struct http_route){ "/open311/v2/", HTTP_GET, agency_open311_handler,
	    &f->actx };
	ho.listen = "127.0.0.1";
	ho.port = 0;
	ho.threads = 2;
	ho.max_body = 16384;
	if ((f->srv = http_start(&ho, routes, 2, err, sizeof err)) == NULL) {
		print_error("http_start: %s\n", err);
		store_close(f->s);
		goto fail_dir;
	}
	f->port = http_port(f->srv);
	*state = f;
	return 0;

fail_dir:
	remove_dir(f->dir);
fail_conf:
	conf_free(f->conf);
	free(f);
	return -1;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	http_stop(f->srv);
	store_close(f->s);
	remove_dir(f->dir);
	conf_free(f->conf);
	conf_free(f->other);
	free(f);
	return 0;
}

/* ---- helpers ------------------------------------------------------------ */

#define assert_contains(haystack, needle) \
	contains_((haystack), (needle), __FILE__, __LINE__)
#define assert_not_contains(haystack, needle) \
	not_contains_((haystack), (needle), __FILE__, __LINE__)

static void
contains_(const char *haystack, const char *needle, const char *file, int line)
{
	if (strstr(haystack, needle) == NULL) {
		print_error("expected to find \"%s\"\n            in \"%s\"\n", needle, haystack);
		_fail(file, line);
	}
}

static void
not_contains_(const char *haystack, const char *needle, const char *file, int line)
{
	if (strstr(haystack, needle) != NULL) {
		print_error("did not expect \"%s\"\n                 in \"%s\"\n", needle,
		    haystack);
		_fail(file, line);
	}
}

static int64_t
utc(int y, int mo, int d, int h, int mi)
{
	struct tm tm;

	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	return (int64_t)timegm(&tm);
}

/*
 * Stores a complaint as intake would: the rule's agency (or triage for
 * keyword ""), service levels from ticket_sla_init.  Writes its number.
 */
static void
add_ticket(struct fixture *f, const char *keyword, const char *agency, const char *status,
    const char *lang, int64_t at, const char *location, const char *desc,
    char number[TICKET_DIGITS + 1])
{
	struct store_complaint c;

	memset(&c, 0, sizeof c);
	do
		assert_int_equal(ticket_new(c.ticket), 0);
	while (store_ticket_exists(f->s, c.ticket) != 0);
	str_copy(c.phone, sizeof c.phone, PHONE);
	str_copy(c.channel, sizeof c.channel, "sms");
	str_copy(c.keyword, sizeof c.keyword, keyword);
	str_copy(c.agency, sizeof c.agency, agency);
	str_copy(c.status, sizeof c.status, status);
	str_copy(c.lang, sizeof c.lang, lang);
	c.location = location != NULL ? xstrdup(location) : NULL;
	c.description = xstrdup(desc);
	c.created_at = at;
	ticket_sla_init(f->conf, &c, at);
	assert_int_equal(store_complaint_add(f->s, &c), 0);
	str_copy(number, TICKET_DIGITS + 1, c.ticket);
	store_complaint_clear(&c);
}

static void
get_ticket(struct fixture *f, const char *number, struct store_complaint *c)
{
	assert_int_equal(store_complaint_get(f->s, number, c), 1);
}

/*
 * A change by `agency` through the one code path (ticket_request_apply),
 * by "tester", re-routing to `to` when not NULL: 0, or the kind of the
 * refusal (TICKET_*), its reason in f->why.
 */
static int
apply(struct fixture *f, struct store_complaint *c, const char *agency, const char *status,
    const char *note, const char *to, int64_t now)
{
	struct ticket_request rq = { 0 };
	struct ticket_error err;

	rq.agency = agency;
	rq.by = "tester";
	rq.status = status;
	rq.note = note;
	rq.new_agency = to;
	if (ticket_request_apply(f->conf, f->s, c, &rq, now, &err) == 0)
		return 0;
	str_copy(f->why, sizeof f->why, err.msg);
	return (int)err.kind;
}

/* ticket_request_apply of rq as it stands: 0 or the kind of the refusal (f->why). */
static int
request(struct fixture *f, struct store_complaint *c, const struct ticket_request *rq,
    int64_t now)
{
	struct ticket_error err;

	if (ticket_request_apply(f->conf, f->s, c, rq, now, &err) == 0)
		return 0;
	str_copy(f->why, sizeof f->why, err.msg);
	return (int)err.kind;
}

/* One request to the loopback server; the body of the answer stays in r. */
static void
call(struct fixture *f, const char *method, const char *path, const char *token,
    const char *json, struct fetch_res *r)
{
	char url[1024], auth[256];
	const char *headers[2] = { NULL, NULL };
	struct fetch_req q;

	memset(&q, 0, sizeof q);
	snprintf(url, sizeof url, "http://127.0.0.1:%d%s", f->port, path);
	if (token != NULL) {
		snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
		headers[0] = auth;
	}
	q.method = method;
	q.url = url;
	q.headers = headers;
	q.max_response = 4 << 20;
	if (json != NULL) {
		q.content_type = "application/json";
		q.body = json;
		q.body_len = strlen(json);
	}
	if (fetch(&q, r) != 0)
		fail_msg("%s %s: %s", method, path, r->error);
}

/* A GET with this exact Authorization header line. */
static void
call_auth(struct fixture *f, const char *path, const char *header, struct fetch_res *r)
{
	char url[1024];
	const char *headers[2] = { header, NULL };
	struct fetch_req q;

	memset(&q, 0, sizeof q);
	snprintf(url, sizeof url, "http://127.0.0.1:%d%s", f->port, path);
	q.method = "GET";
	q.url = url;
	q.headers = headers;
	if (fetch(&q, r) != 0)
		fail_msg("GET %s: %s", path, r->error);
}

static json_t *
parse(const char *s)
{
	json_error_t e;
	json_t *j = json_loads(s, 0, &e);

	if (j == NULL)
		fail_msg("not JSON (%s): %s", e.text, s);
	return j;
}

static const char *
sget(const json_t *o, const char *name)
{
	json_t *v = json_object_get(o, name);

	if (!json_is_string(v)) {
		fail_msg("member %s is not a string", name);
		abort();        /* not reached */
	}
	return json_string_value(v);
}

/* The raw answer (headers too) of a GET without a token, over a plain socket. */
static void
raw_get(struct fixture *f, const char *path, char *out, size_t outsz)
{
	struct sockaddr_in sa;
	char req[512];
	size_t n = 0;
	ssize_t r;
	int fd;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)f->port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	snprintf(req, sizeof req, "GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n", path);
	assert_true(write(fd, req, strlen(req)) == (ssize_t)strlen(req));
	while (n + 1 < outsz && (r = read(fd, out + n, outsz - n - 1)) > 0)
		n += (size_t)r;
	out[n] = '\0';
	close(fd);
}

/* ---- outbox rows -------------------------------------------------------- */

struct row {
	char kind[16];
	char recipient[64];
	char key[160];
	char *body;
};

struct rows {
	size_t n;
	struct row r[128];
};

static void
collect(void *arg, const struct store_outbox_row *r)
{
	struct rows *rs = arg;

	if (rs->n == ARRAY_LEN(rs->r))
		return;
	str_copy(rs->r[rs->n].kind, sizeof rs->r[rs->n].kind, r->kind);
	str_copy(rs->r[rs->n].recipient, sizeof rs->r[rs->n].recipient, r->recipient);
	str_copy(rs->r[rs->n].key, sizeof rs->r[rs->n].key, r->idem_key);
	rs->r[rs->n].body = xstrdup(r->body);
	rs->n++;
}

/* Every outbox row, newest first. */
static void
outbox(struct fixture *f, struct rows *rs)
{
	memset(rs, 0, sizeof *rs);
	assert_int_equal(store_outbox_each(f->s, NULL, ARRAY_LEN(rs->r), collect, rs), 0);
}

static void
rows_clear(struct rows *rs)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		free(rs->r[i].body);
	rs->n = 0;
}

/* Rows of kind (and recipient, if not NULL) whose body has `needle`. */
static size_t
count_rows(const struct rows *rs, const char *kind, const char *recipient, const char *needle)
{
	size_t i, n = 0;

	for (i = 0; i < rs->n; i++)
		if (strcmp(rs->r[i].kind, kind) == 0 &&
		    (recipient == NULL || strcmp(rs->r[i].recipient, recipient) == 0) &&
		    (needle == NULL || strstr(rs->r[i].body, needle) != NULL))
			n++;
	return n;
}

/* The newest row of that kind and recipient whose body has `needle`. */
static const struct row *
find_row(const struct rows *rs, const char *kind, const char *recipient, const char *needle)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		if (strcmp(rs->r[i].kind, kind) == 0 &&
		    (recipient == NULL || strcmp(rs->r[i].recipient, recipient) == 0) &&
		    (needle == NULL || strstr(rs->r[i].body, needle) != NULL))
			return &rs->r[i];
	fail_msg("no %s row to %s with \"%s\"", kind, recipient ? recipient : "anyone",
	    needle ? needle : "");
	abort();        /* not reached: fail_msg() jumps out of the test */
}

static size_t
sms_parts(const char *s)
{
	struct gsm_count gc;

	assert_int_equal(gsm_count(s, strlen(s), &gc), 0);
	return gc.parts;
}

/* ---- authentication ----------------------------------------------------- */

static void
test_api_without_or_with_a_wrong_token_is_401(void **state)
{
	struct fixture *f = *state;
	struct fetch_res r;
	char raw[4096];
	json_t *j;

	call(f, "GET", "/api/v1/tickets", NULL, NULL, &r);
	assert_int_equal(r.status, 401);
	j = parse(r.body);
	assert_contains(sget(j, "error"), "bearer token");
	json_decref(j);
	fetch_res_clear(&r);

	call(f, "GET", "/api/v1/tickets", "not-a-token", NULL, &r);
	assert_int_equal(r.status, 401);
	fetch_res_clear(&r);

	/* The right token under another scheme is no token. */
	call_auth(f, "/api/v1/tickets", "Authorization: Basic " TOK_DPUPR, &r);
	assert_int_equal(r.status, 401);
	fetch_res_clear(&r);
	call_auth(f, "/api/v1/tickets", "Authorization: Bearer", &r);
	assert_int_equal(r.status, 401);
	fetch_res_clear(&r);
	call_auth(f, "/api/v1/tickets", "Authorization: bearer  " TOK_DPUPR, &r);
	assert_int_equal(r.status, 200);
	fetch_res_clear(&r);
	/* Unknown paths need the token too: nothing to probe without one. */
	call(f, "GET", "/api/v1/tickets/12345678", NULL, NULL, &r);
	assert_int_equal(r.status, 401);
	fetch_res_clear(&r);

	raw_get(f, "/api/v1/tickets", raw, sizeof raw);
	assert_contains(raw, "401");
	assert_contains(raw, "WWW-Authenticate: Bearer");
	assert_contains(raw, "application/json");

	call(f, "GET", "/api/v1/tickets", TOK_DPUPR, NULL, &r);
	assert_int_equal(r.status, 200);
	fetch_res_clear(&r);
}

/* ---- listing -------------------------------------------------------------- */

static void
test_list_shows_only_the_agencys_own_tickets(void **state)
{
	struct fixture *f = *state;
	char t[5][TICKET_DIGITS + 1];
	struct fetch_res r;
	json_t *j, *arr, *o;
	size_t i;
	int64_t at = utc(2026, 11, 2, 8, 0);

	add_ticket(f, "JALAN", "dpupr", "routed", "id", at, "Jl. Pemuda", "lubang", t[0]);
	add_ticket(f, "SAMPAH", "dlh", "routed", "id", at + 60, NULL, "sampah", t[1]);
	add_ticket(f, "JALAN", "dpupr", "routed", "id", at + 120, NULL, "retak", t[2]);
	add_ticket(f, "", "kominfo", "received", "id", at + 180, NULL, "apa saja", t[3]);
	add_ticket(f, "JALAN", "dpupr", "routed", "id", at + 240, NULL, "banjir", t[4]);

	call(f, "GET", "/api/v1/tickets", TOK_DPUPR, NULL, &r);
	assert_int_equal(r.status, 200);
	j = parse(r.body);
	arr = json_object_get(j, "tickets");
	assert_int_equal(json_array_size(arr), 3);
	json_array_foreach(arr, i, o)
		assert_string_equal(sget(o, "agency"), "dpupr");
	/* Newest first. */
	assert_string_equal(sget(json_array_get(arr, 0), "number"), t[4]);
	assert_string_equal(sget(json_array_get(arr, 2), "number"), t[0]);
	assert_true(json_is_null(json_object_get(j, "next_cursor")));
	json_decref(j);
	fetch_res_clear(&r);

	call(f, "GET", "/api/v1/tickets", TOK_DLH, NULL, &r);
	j = parse(r.body);
	arr = json_object_get(j, "tickets");
	assert_int_equal(json_array_size(arr), 1);
	assert_string_equal(sget(json_array_get(arr, 0), "number"), t[1]);
	json_decref(j);
	fetch_res_clear(&r);

	call(f, "GET", "/api/v1/tickets", TOK_TRIAGE, NULL, &r);
	j = parse(r.body);
	arr = json_object_get(j, "tickets");
	assert_int_equal(json_array_size(arr), 1);
	assert_string_equal(sget(json_array_get(arr, 0), "number"), t[3]);
	json_decref(j);
	fetch_res_clear(&r);
}

static void
test_cursor_pages_cover_every_ticket_once_newest_first(void **state)
{
	struct fixture *f = *state;
	char t[7][TICKET_DIGITS + 1], other[TICKET_DIGITS + 1], path[256], cursor[32] = "";
	struct fetch_res r;
	json_t *j, *arr, *o, *next;
	size_t i, seen = 0, pages = 0;
	int64_t at = utc(2026, 11, 2, 8, 0);

	for (i = 0; i < 7; i++)
		add_ticket(f, "JALAN", "dpupr", "routed", "id", at + (int64_t)i * 60, NULL,
		    "lubang", t[i]);
	add_ticket(f, "SAMPAH", "dlh", "routed", "id", at + 30, NULL, "sampah", other);
	do {
		if (cursor[0] == '\0')
			snprintf(path, sizeof path, "/api/v1/tickets?limit=3");
		else
			snprintf(path, sizeof path, "/api/v1/tickets?limit=3&cursor=%s", cursor);
		call(f, "GET", path, TOK_DPUPR, NULL, &r);
		assert_int_equal(r.status, 200);
		j = parse(r.body);
		arr = json_object_get(j, "tickets");
		assert_true(json_array_size(arr) <= 3);
		json_array_foreach(arr, i, o) {
			assert_true(seen < 7);
			/* Newest first: t[6], t[5], ... t[0], each once. */
			assert_string_equal(sget(o, "number"), t[6 - seen]);
			seen++;
		}
		next = json_object_get(j, "next_cursor");
		if (json_is_string(next))
			str_copy(cursor, sizeof cursor, json_string_value(next));
		else {
			assert_true(json_is_null(next));
			cursor[0] = '\0';
		}
		json_decref(j);
		fetch_res_clear(&r);
		pages++;
	} while (cursor[0] != '\0' && pages < 10);
	assert_int_equal(seen, 7);
	assert_int_equal(pages, 3);
}

static void
test_list_filters_and_their_400s(void **state)
{
	struct fixture *f = *state;
	static const char *const bad[] = {
		"/api/v1/tickets?limit=0", "/api/v1/tickets?limit=101",
		"/api/v1/tickets?limit=abc", "/api/v1/tickets?limit=-1",
		"/api/v1/tickets?status=open", "/api/v1/tickets?status=",
		"/api/v1/tickets?since=yesterday", "/api/v1/tickets?since=2026-13-01",
		"/api/v1/tickets?since=2026-11-04T07:00:00%2B14:30",
		"/api/v1/tickets?cursor=abc", "/api/v1/tickets?cursor=-5",
		"/api/v1/tickets?cursor=0",
	};
	char t[3][TICKET_DIGITS + 1], path[128];
	struct store_complaint c;
	struct fetch_res r;
	json_t *j, *arr;
	size_t i;

	add_ticket(f, "JALAN", "dpupr", "routed", "id", utc(2026, 11, 2, 8, 0), NULL, "a", t[0]);
	add_ticket(f, "JALAN", "dpupr", "routed", "id", utc(2026, 11, 10, 8, 0), NULL, "b", t[1]);
	add_ticket(f, "JALAN", "dpupr", "routed", "id", utc(2026, 11, 3, 8, 0), NULL, "c", t[2]);
	get_ticket(f, t[2], &c);
	assert_int_equal(apply(f, &c, "dpupr", "in_progress", NULL, NULL,
	    utc(2026, 11, 4, 8, 0)), 0);
	store_complaint_clear(&c);

	call(f, "GET", "/api/v1/tickets?status=in_progress", TOK_DPUPR, NULL, &r);
	assert_int_equal(r.status, 200);
	j = parse(r.body);
	arr = json_object_get(j, "tickets");
	assert_int_equal(json_array_size(arr), 1);
	assert_string_equal(sget(json_array_get(arr, 0), "number"), t[2]);
	assert_string_equal(sget(json_array_get(arr, 0), "status"), "in_progress");
	json_decref(j);
	fetch_res_clear(&r);

	call(f, "GET", "/api/v1/tickets?status=routed", TOK_DPUPR, NULL, &r);
	j = parse(r.body);
	assert_int_equal(json_array_size(json_object_get(j, "tickets")), 2);
	json_decref(j);
	fetch_res_clear(&r);

	/* since: updated at or after; ISO-8601 with Z or an offset, or Unix seconds. */
	call(f, "GET", "/api/v1/tickets?since=2026-11-05T00:00:00Z", TOK_DPUPR, NULL, &r);
	assert_int_equal(r.status, 200);
	j = parse(r.body);
	arr = json_object_get(j, "tickets");
	assert_int_equal(json_array_size(arr), 1);
	assert_string_equal(sget(json_array_get(arr, 0), "number"), t[1]);
	json_decref(j);
	fetch_res_clear(&r);

	call(f, "GET", "/api/v1/tickets?since=2026-11-04T07:00:00%2B07:00", TOK_DPUPR, NULL, &r);
	j = parse(r.body);
	assert_int_equal(json_array_size(json_object_get(j, "tickets")), 2);
	json_decref(j);
	fetch_res_clear(&r);

	/* "+07" alone, as the gateways' timestamps have it (util/date.h's one rule). */
	call(f, "GET", "/api/v1/tickets?since=2026-11-04T07:00:00%2B07", TOK_DPUPR, NULL, &r);
	if (r.status != 200)
		fail_msg("since=...+07: status %ld, expected 200: %s", r.status, r.body);
	j = parse(r.body);
	assert_int_equal(json_array_size(json_object_get(j, "tickets")), 2);
	json_decref(j);
	fetch_res_clear(&r);

	snprintf(path, sizeof path, "/api/v1/tickets?since=%lld",
	    (long long)utc(2026, 11, 4, 0, 0));
	call(f, "GET", path, TOK_DPUPR, NULL, &r);
	j = parse(r.body);
	assert_int_equal(json_array_size(json_object_get(j, "tickets")), 2);
	json_decref(j);
	fetch_res_clear(&r);

	call(f, "GET", "/api/v1/tickets?limit=1", TOK_DPUPR, NULL, &r);
	j = parse(r.body);
	assert_int_equal(json_array_size(json_object_get(j, "tickets")), 1);
	assert_true(json_is_string(json_object_get(j, "next_cursor")));
	json_decref(j);
	fetch_res_clear(&r);

	for (i = 0; i < ARRAY_LEN(bad); i++) {
		call(f, "GET", bad[i], TOK_DPUPR, NULL, &r);
		if (r.status != 400)
			fail_msg("%s: %ld %s", bad[i], r.status, r.body);
		j = parse(r.body);
		assert_true(strlen(sget(j, "error")) > 0);
		json_decref(j);
		fetch_res_clear(&r);
	}
}

/* ---- one ticket ------------------------------------------------------------ */

static void
test_another_agencys_ticket_reads_exactly_like_an_unknown_one(void **state)
{
	struct fixture *f = *state;
	char t[TICKET_DIGITS + 1], path[128], other[4096];
	struct fetch_res r;

	add_ticket(f, "SAMPAH", "dlh", "routed", "id", utc(2026, 11, 2, 8, 0), NULL, "x", t);
	snprintf(path, sizeof path, "/api/v1/tickets/%s", t);
	call(f, "GET", path, TOK_DPUPR, NULL, &r);
	assert_int_equal(r.status, 404);
	str_copy(other, sizeof other, r.body);
	fetch_res_clear(&r);

	call(f, "GET", "/api/v1/tickets/12345678", TOK_DPUPR, NULL, &r);
	assert_int_equal(r.status, 404);
	assert_string_equal(r.body, other);
	fetch_res_clear(&r);

	call(f, "GET", "/api/v1/tickets/1234", TOK_DPUPR, NULL, &r);
	assert_int_equal(r.status, 404);
	assert_string_equal(r.body, other);
	fetch_res_clear(&r);

	/* Posting to it is the same 404, and changes nothing. */
	snprintf(path, sizeof path, "/api/v1/tickets/%s/events", t);
	call(f, "POST", path, TOK_DPUPR, "{\"status\":\"in_progress\"}", &r);
	assert_int_equal(r.status, 404);
	assert_string_equal(r.body, other);
	fetch_res_clear(&r);

	call(f, "GET", "/api/v1/nothing", TOK_DPUPR, NULL, &r);
	assert_int_equal(r.status, 404);
	json_decref(parse(r.body));
	fetch_res_clear(&r);

	snprintf(path, sizeof path, "/api/v1/tickets/%s", t);
	call(f, "GET", path, TOK_DLH, NULL, &r);
	assert_int_equal(r.status, 200);
	fetch_res_clear(&r);
}

static void
test_one_ticket_has_events_with_citizen_notes_and_no_phone(void **state)
{
	struct fixture *f = *state;
	char t[TICKET_DIGITS + 1], path[128];
	struct fetch_res r;
	json_t *j, *ev, *rep;
	int64_t at = utc(2026, 11, 2, 8, 0);

	add_ticket(f, "JALAN", "dpupr", "routed", "id", at, "Jl. Pemuda 12",
	    "Lubang besar depan SD 2", t);
	{
		struct store_complaint c;

		get_ticket(f, t, &c);
		assert_int_equal(store_event_add(f->s, c.id, at + 3600, "citizen", NULL,
		    "sudah 2 minggu belum diperbaiki"), 0);
		store_complaint_clear(&c);
	}
	snprintf(path, sizeof path, "/api/v1/tickets/%s", t);
	call(f, "GET", path, TOK_DPUPR, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_not_contains(r.body, PHONE_DIGITS);
	j = parse(r.body);
	assert_string_equal(sget(j, "number"), t);
	assert_string_equal(sget(j, "status"), "routed");
	assert_string_equal(sget(j, "category"), "JALAN");
	assert_string_equal(sget(j, "location"), "Jl. Pemuda 12");
	assert_string_equal(sget(j, "received_at"), "2026-11-02T08:00:00Z");
	rep = json_object_get(j, "reporter");
	assert_string_equal(sget(rep, "phone"), PHONE_MASKED);
	ev = json_object_get(j, "events");
	assert_int_equal(json_array_size(ev), 2);
	assert_string_equal(sget(json_array_get(ev, 0), "actor"), "citizen");
	assert_string_equal(sget(json_array_get(ev, 0), "status"), "routed");
	assert_string_equal(sget(json_array_get(ev, 1), "note"),
	    "sudah 2 minggu belum diperbaiki");
	assert_true(json_is_null(json_object_get(json_array_get(ev, 1), "status")));
	assert_string_equal(sget(json_array_get(ev, 1), "at"), "2026-11-02T09:00:00Z");
	json_decref(j);
	fetch_res_clear(&r);
}

/* ---- posting events --------------------------------------------------------- */

static void
post(struct fixture *f, const char *token, const char *number, const char *json,
    struct fetch_res *r)
{
	char path[128];

	snprintf(path, sizeof path, "/api/v1/tickets/%s/events", number);
	call(f, "POST", path, token, json, r);
}

static void
test_allowed_changes_are_200_and_others_409_or_400(void **state)
{
	struct fixture *f = *state;
	char t[TICKET_DIGITS + 1], big[1200], path[128];
	struct fetch_res r;
	struct store_complaint c;
	json_t *j;

	add_ticket(f, "JALAN", "dpupr", "routed", "id", utc(2026, 11, 2, 8, 0), NULL, "x", t);

	post(f, TOK_DPUPR, t, "{\"status\": \"in_progress\", \"note\": \"tim dikirim\"}", &r);
	assert_int_equal(r.status, 200);
	j = parse(r.body);
	assert_string_equal(sget(j, "status"), "in_progress");
	assert_string_equal(sget(json_array_get(json_object_get(j, "events"), 1), "actor"),
	    "dpupr");
	assert_string_equal(sget(json_array_get(json_object_get(j, "events"), 1), "note"),
	    "tim dikirim");
	json_decref(j);
	fetch_res_clear(&r);

	post(f, TOK_DPUPR, t, "{\"status\": \"resolved\"}", &r);
	assert_int_equal(r.status, 200);
	j = parse(r.body);
	assert_string_equal(sget(j, "status"), "resolved");
	assert_true(json_is_string(json_object_get(j, "due_at")));   /* closes by itself then */
	json_decref(j);
	fetch_res_clear(&r);

	post(f, TOK_DPUPR, t, "{\"status\": \"routed\"}", &r);
	assert_int_equal(r.status, 409);
	assert_contains(r.body, "cannot go from resolved to routed");
	fetch_res_clear(&r);

	post(f, TOK_DPUPR, t, "{\"status\": \"withdrawn\"}", &r);
	assert_int_equal(r.status, 409);
	fetch_res_clear(&r);

	post(f, TOK_DPUPR, t, "{\"status\": \"done\"}", &r);
	assert_int_equal(r.status, 400);
	assert_contains(r.body, "unknown status 'done' (known: received, routed");
	fetch_res_clear(&r);

	post(f, TOK_DPUPR, t, "{\"status\": \"closed\",", &r);
	assert_int_equal(r.status, 400);
	assert_contains(r.body, "bad JSON: ");
	assert_contains(r.body, "line 1");
	fetch_res_clear(&r);

	post(f, TOK_DPUPR, t, "[\"closed\"]", &r);
	assert_int_equal(r.status, 400);
	fetch_res_clear(&r);

	post(f, TOK_DPUPR, t, "{\"status\": 3}", &r);
	assert_int_equal(r.status, 400);
	fetch_res_clear(&r);

	post(f, TOK_DPUPR, t, "{\"state\": \"closed\"}", &r);
	assert_int_equal(r.status, 400);
	assert_contains(r.body, "unknown field 'state'");
	fetch_res_clear(&r);

	post(f, TOK_DPUPR, t, "{}", &r);
	assert_int_equal(r.status, 400);
	fetch_res_clear(&r);

	post(f, TOK_DPUPR, t, "", &r);
	assert_int_equal(r.status, 400);
	fetch_res_clear(&r);

	memset(big, 'a', sizeof big);
	memcpy(big, "{\"note\":\"", 9);
	memcpy(big + 9 + 1001, "\"}", 3);
	post(f, TOK_DPUPR, t, big, &r);
	assert_int_equal(r.status, 400);
	assert_contains(r.body, "1000 characters");
	fetch_res_clear(&r);

	/* A body over the API's 8 KB cap, under the server's max_body. */
	{
		char *huge = xmalloc(10001);

		memset(huge, ' ', 10000);
		huge[0] = '{';
		huge[9999] = '}';
		huge[10000] = '\0';
		post(f, TOK_DPUPR, t, huge, &r);
		assert_int_equal(r.status, 413);
		fetch_res_clear(&r);
		free(huge);
	}

	snprintf(path, sizeof path, "/api/v1/tickets/%s/events", t);
	call(f, "GET", path, TOK_DPUPR, NULL, &r);
	assert_int_equal(r.status, 405);
	fetch_res_clear(&r);
	call(f, "POST", "/api/v1/tickets", TOK_DPUPR, "{}", &r);
	assert_int_equal(r.status, 405);
	fetch_res_clear(&r);

	/* Nothing refused changed anything. */
	get_ticket(f, t, &c);
	assert_string_equal(c.status, "resolved");
	store_complaint_clear(&c);

	/* Resolved waits for the reporter (LAPOR!): no closing within the window. */
	post(f, TOK_DPUPR, t, "{\"status\": \"closed\"}", &r);
	assert_int_equal(r.status, 409);
	assert_contains(r.body, "waits for its reporter until ");
	assert_contains(r.body, "10 working days");
	fetch_res_clear(&r);
	get_ticket(f, t, &c);
	assert_string_equal(c.status, "resolved");
	assert_int_equal(apply(f, &c, "dpupr", "closed", NULL, NULL, c.close_due - 1),
	    TICKET_CONFLICT);
	/* Once the window is over the agency may close it (or the tick does). */
	assert_int_equal(apply(f, &c, "dpupr", "closed", NULL, NULL, c.close_due), 0);
	store_complaint_clear(&c);
	post(f, TOK_DPUPR, t, "{\"status\": \"in_progress\"}", &r);
	assert_int_equal(r.status, 409);
	assert_contains(r.body, "cannot go from closed to in_progress");
	fetch_res_clear(&r);
}

static void
test_reroute_by_triage_moves_the_ticket_and_tells_the_new_agency(void **state)
{
	struct fixture *f = *state;
	char t[TICKET_DIGITS + 1];
	struct fetch_res r;
	struct store_complaint c;
	struct rows rs;
	const struct row *w;
	json_t *j, *arr;
	int64_t at = utc(2026, 11, 2, 8, 0);

	add_ticket(f, "", "kominfo", "received", "id", at, NULL, "jalan rusak parah", t);
	get_ticket(f, t, &c);
	assert_true(c.route_due > 0);
	store_complaint_clear(&c);

	post(f, TOK_TRIAGE, t, "{\"status\":\"routed\",\"agency\":\"nosuch\"}", &r);
	assert_int_equal(r.status, 400);
	assert_contains(r.body, "unknown agency");
	fetch_res_clear(&r);
	post(f, TOK_TRIAGE, t, "{\"status\":\"in_progress\",\"agency\":\"dpupr\"}", &r);
	assert_int_equal(r.status, 400);
	fetch_res_clear(&r);

	post(f, TOK_TRIAGE, t, "{\"status\":\"routed\",\"agency\":\"dpupr\",\"note\":\"urusan PU\"}",
	    &r);
	assert_int_equal(r.status, 200);
	j = parse(r.body);
	assert_string_equal(sget(j, "agency"), "dpupr");
	assert_string_equal(sget(j, "status"), "routed");
	json_decref(j);
	fetch_res_clear(&r);

	get_ticket(f, t, &c);
	assert_string_equal(c.agency, "dpupr");
	assert_int_equal(c.route_due, 0);
	assert_true(c.routed_at > 0);
	assert_true(c.followup_due > c.routed_at);
	store_complaint_clear(&c);

	call(f, "GET", "/api/v1/tickets", TOK_DPUPR, NULL, &r);
	j = parse(r.body);
	arr = json_object_get(j, "tickets");
	assert_int_equal(json_array_size(arr), 1);
	assert_string_equal(sget(json_array_get(arr, 0), "number"), t);
	json_decref(j);
	fetch_res_clear(&r);
	call(f, "GET", "/api/v1/tickets", TOK_TRIAGE, NULL, &r);
	j = parse(r.body);
	assert_int_equal(json_array_size(json_object_get(j, "tickets")), 0);
	json_decref(j);
	fetch_res_clear(&r);

	outbox(f, &rs);
	w = find_row(&rs, "webhook", "dpupr", "\"ticket.created\"");
	j = parse(w->body);
	assert_string_equal(sget(j, "event"), "ticket.created");
	assert_string_equal(sget(j, "actor"), "kominfo");
	assert_string_equal(sget(j, "previous_agency"), "kominfo");
	assert_string_equal(sget(j, "note"), "urusan PU");
	assert_string_equal(sget(json_object_get(j, "ticket"), "agency"), "dpupr");
	assert_string_equal(sget(json_object_get(j, "ticket"), "number"), t);
	json_decref(j);
	assert_contains(w->key, "webhook:dpupr:");
	/* kominfo has no webhook: nothing for it.  The citizen is told. */
	assert_int_equal(count_rows(&rs, "webhook", "kominfo", NULL), 0);
	assert_contains(find_row(&rs, "sms", PHONE, NULL)->body, "DPUPR");
	rows_clear(&rs);
}

static void
test_reroute_by_another_agency_is_refused(void **state)
{
	struct fixture *f = *state;
	char t[TICKET_DIGITS + 1], err[256];
	struct fetch_res r;
	struct store_complaint c;
	struct rows rs;

	add_ticket(f, "JALAN", "dpupr", "routed", "id", utc(2026, 11, 2, 8, 0), NULL, "x", t);
	post(f, TOK_DPUPR, t, "{\"status\":\"routed\",\"agency\":\"dlh\"}", &r);
	assert_int_equal(r.status, 409);
	assert_contains(r.body, "only the triage agency (kominfo) may re-route");
	fetch_res_clear(&r);
	get_ticket(f, t, &c);
	assert_string_equal(c.agency, "dpupr");

	/*
	 * Triage may move a ticket from one agency to another: both are told.
	 * Through the former entry point, ticket_apply, with its HTTP-like codes.
	 */
	assert_int_equal(ticket_apply(f->conf, f->s, &c, "dpupr", "routed", NULL, "dlh",
	    utc(2026, 11, 3, 7, 0), err, sizeof err), 409);
	assert_contains(err, "return it to triage with a reason");
	assert_int_equal(ticket_apply(f->conf, f->s, &c, "kominfo", "in_progress", NULL, NULL,
	    utc(2026, 11, 3, 7, 0), err, sizeof err), 403);
	assert_int_equal(ticket_apply(f->conf, f->s, &c, "kominfo", "routed", NULL, "dlh",
	    utc(2026, 11, 3, 8, 0), err, sizeof err), 0);
	assert_string_equal(err, "");
	assert_string_equal(c.agency, "dlh");
	store_complaint_clear(&c);
	outbox(f, &rs);
	assert_int_equal(count_rows(&rs, "webhook", "dlh", "\"ticket.created\""), 1);
	assert_int_equal(count_rows(&rs, "webhook", "dpupr", "\"ticket.rerouted_away\""), 1);
	rows_clear(&rs);
}

static void
test_status_change_texts_the_citizen_in_their_language(void **state)
{
	struct fixture *f = *state;
	char id_t[TICKET_DIGITS + 1], en_t[TICKET_DIGITS + 1];
	struct fetch_res r;
	struct rows rs;
	const struct row *sms;

	add_ticket(f, "JALAN", "dpupr", "routed", "id", utc(2026, 11, 2, 8, 0), NULL, "x", id_t);
	add_ticket(f, "JALAN", "dpupr", "routed", "en", utc(2026, 11, 2, 9, 0), NULL, "y", en_t);

	post(f, TOK_DPUPR, id_t, "{\"status\":\"in_progress\",\"note\":\"tim menuju lokasi\"}", &r);
	assert_int_equal(r.status, 200);
	fetch_res_clear(&r);
	outbox(f, &rs);
	sms = find_row(&rs, "sms", PHONE, id_t);
	assert_contains(sms->body, "Tiket ");
	assert_contains(sms->body, "sedang ditangani");
	assert_contains(sms->body, "DPUPR");
	assert_contains(sms->body, "Catatan: tim menuju lokasi");
	assert_contains(sms->key, "sms:status:");
	assert_int_equal(count_rows(&rs, "webhook", "dpupr", "\"ticket.status\""), 1);
	rows_clear(&rs);

	post(f, TOK_DPUPR, en_t, "{\"status\":\"resolved\"}", &r);
	assert_int_equal(r.status, 200);
	fetch_res_clear(&r);
	outbox(f, &rs);
	sms = find_row(&rs, "sms", PHONE, en_t);
	assert_contains(sms->body, "Ticket ");
	assert_contains(sms->body, ": resolved. Handled by DPUPR");
	assert_not_contains(sms->body, "Note:");
	rows_clear(&rs);

	/* A note alone: an event, a "ticket.note" webhook, an SMS with the status. */
	post(f, TOK_DPUPR, en_t, "{\"note\":\"asphalt laid on Monday\"}", &r);
	assert_int_equal(r.status, 200);
	fetch_res_clear(&r);
	outbox(f, &rs);
	sms = find_row(&rs, "sms", PHONE, "asphalt");
	assert_contains(sms->body, ": resolved. Handled by DPUPR");
	assert_contains(sms->body, "Note: asphalt laid on Monday");
	assert_int_equal(count_rows(&rs, "webhook", "dpupr", "\"ticket.note\""), 1);
	rows_clear(&rs);
}

/* The longest note (1000 characters, TICKET_NOTE_MAX_CHARS) in at most 3 SMS. */
static void
test_the_longest_note_is_cut_to_three_sms(void **state)
{
	struct fixture *f = *state;
	char t[TICKET_DIGITS + 1], *note;
	struct store_complaint c;
	struct rows rs;
	const struct row *sms;
	size_t i, n;

	add_ticket(f, "JALAN", "dpupr", "routed", "id", utc(2026, 11, 2, 8, 0), NULL, "x", t);
	note = xmalloc(2 * TICKET_NOTE_MAX_CHARS + 1);
	for (i = 0; i < TICKET_NOTE_MAX_CHARS; i++)
		note[i] = i % 7 == 6 ? ' ' : (char)('a' + i % 7);
	note[TICKET_NOTE_MAX_CHARS] = '\0';
	get_ticket(f, t, &c);
	assert_int_equal(apply(f, &c, "dpupr", "in_progress", note, NULL,
	    utc(2026, 11, 3, 8, 0)), 0);
	outbox(f, &rs);
	sms = find_row(&rs, "sms", PHONE, "Catatan");
	assert_true(sms_parts(sms->body) <= 3);
	assert_true(sms_parts(sms->body) >= 2);        /* a good part of it stays */
	n = strlen(sms->body);
	assert_string_equal(sms->body + n - 3, "...");
	assert_true(sms->body[n - 4] == 'f');           /* cut after a whole word */
	assert_contains(sms->body, "03/11/2026");
	rows_clear(&rs);

	/* No space at all (a link): cut where it is. */
	for (i = 0; i < TICKET_NOTE_MAX_CHARS; i++)
		note[i] = 'x';
	assert_int_equal(apply(f, &c, "dpupr", "resolved", note, NULL,
	    utc(2026, 11, 4, 8, 0)), 0);
	outbox(f, &rs);
	sms = find_row(&rs, "sms", PHONE, "selesai");
	assert_true(sms_parts(sms->body) <= 3);
	assert_contains(sms->body, "xxxxxxxxxx...");
	/* Resolved: the reporter is told how to say it is not (TAMBAH reopens it), whole. */
	{
		char hint[120];

		snprintf(hint, sizeof hint, "... Belum selesai? Balas TAMBAH %s dan keterangannya "
		    "ke 1708.", c.ticket);
		assert_contains(sms->body, hint);
	}
	rows_clear(&rs);

	/* Two-byte characters: UCS-2, still 3 parts, never half a character. */
	for (i = 0; i + 1 < 2 * TICKET_NOTE_MAX_CHARS; i += 2)
		memcpy(note + i, "\xc3\xa9", 2);     /* é is GSM-7; ā is not */
	for (i = 0; i + 1 < 2 * TICKET_NOTE_MAX_CHARS; i += 6)
		memcpy(note + i, "\xc4\x81", 2);
	note[2 * TICKET_NOTE_MAX_CHARS] = '\0';
	/* Ten working days after it was resolved: the reporter's window is over. */
	assert_int_equal(apply(f, &c, "dpupr", "closed", note, NULL,
	    utc(2026, 11, 18, 8, 0)), 0);
	outbox(f, &rs);
	sms = find_row(&rs, "sms", PHONE, "ditutup");
	assert_true(text_utf8_valid(sms->body, strlen(sms->body)));
	assert_true(sms_parts(sms->body) <= 3);
	assert_contains(sms->body, "...");
	rows_clear(&rs);
	store_complaint_clear(&c);
	free(note);
}

static void
test_no_sms_after_the_citizen_sent_stop(void **state)
{
	struct fixture *f = *state;
	char t[TICKET_DIGITS + 1];
	struct fetch_res r;
	struct rows rs;

	add_ticket(f, "JALAN", "dpupr", "routed", "id", utc(2026, 11, 2, 8, 0), NULL, "x", t);
	assert_int_equal(store_phone_set(f->s, PHONE, 0, NULL, utc(2026, 11, 2, 9, 0)), 0);
	post(f, TOK_DPUPR, t, "{\"status\":\"in_progress\",\"note\":\"ok\"}", &r);
	assert_int_equal(r.status, 200);
	fetch_res_clear(&r);
	outbox(f, &rs);
	assert_int_equal(count_rows(&rs, "sms", NULL, NULL), 0);
	assert_int_equal(count_rows(&rs, "webhook", "dpupr", "\"ticket.status\""), 1);
	rows_clear(&rs);

	assert_int_equal(store_phone_set(f->s, PHONE, 1, NULL, utc(2026, 11, 2, 10, 0)), 0);
	post(f, TOK_DPUPR, t, "{\"status\":\"resolved\"}", &r);
	assert_int_equal(r.status, 200);
	fetch_res_clear(&r);
	outbox(f, &rs);
	assert_int_equal(count_rows(&rs, "sms", PHONE, NULL), 1);
	rows_clear(&rs);
}

/* ---- the agency side: internal notes, returns, triage, who acted ---------- */

/* The newest event of the ticket as the API shows it (GET by `token`); decref j. */
static json_t *
last_event(struct fixture *f, const char *token, const char *number, json_t **j)
{
	char path[128];
	struct fetch_res r;
	json_t *ev;

	snprintf(path, sizeof path, "/api/v1/tickets/%s", number);
	call(f, "GET", path, token, NULL, &r);
	assert_int_equal(r.status, 200);
	*j = parse(r.body);
	fetch_res_clear(&r);
	ev = json_object_get(*j, "events");
	assert_true(json_array_size(ev) > 0);
	return json_array_get(ev, json_array_size(ev) - 1);
}

/* The status_notes Open311 shows for ticket number. */
static void
open311_note(struct fixture *f, const char *number, char *out, size_t outsz)
{
	char path[128];
	struct fetch_res r;
	json_t *j;

	snprintf(path, sizeof path, "/open311/v2/requests/%s.json", number);
	call(f, "GET", path, NULL, NULL, &r);
	assert_int_equal(r.status, 200);
	j = parse(r.body);
	str_copy(out, outsz, sget(json_array_get(j, 0), "status_notes"));
	json_decref(j);
	fetch_res_clear(&r);
}

static void
test_internal_notes_reach_neither_the_citizen_nor_open311(void **state)
{
	struct fixture *f = *state;
	char t[TICKET_DIGITS + 1], note[256];
	struct store_complaint c;
	struct fetch_res r;
	struct rows rs;
	const struct row *w;
	json_t *j, *ev;

	add_ticket(f, "JALAN", "dpupr", "routed", "id", utc(2026, 11, 2, 8, 0), NULL, "x", t);

	/* An internal note alone: in the history and to dpupr, nothing to the citizen. */
	post(f, TOK_DPUPR, t, "{\"note\":\"anggaran belum turun, tunggu APBD-P\","
	    "\"internal\":true}", &r);
	assert_int_equal(r.status, 200);
	fetch_res_clear(&r);
	outbox(f, &rs);
	assert_int_equal(count_rows(&rs, "sms", NULL, NULL), 0);
	w = find_row(&rs, "webhook", "dpupr", "\"ticket.note\"");
	j = parse(w->body);
	assert_string_equal(sget(j, "note"), "anggaran belum turun, tunggu APBD-P");
	assert_true(json_is_true(json_object_get(j, "internal")));
	json_decref(j);
	rows_clear(&rs);
	ev = last_event(f, TOK_DPUPR, t, &j);
	assert_true(json_is_true(json_object_get(ev, "internal")));
	assert_string_equal(sget(ev, "note"), "anggaran belum turun, tunggu APBD-P");
	json_decref(j);
	open311_note(f, t, note, sizeof note);
	assert_string_equal(note, "routed");
	get_ticket(f, t, &c);
	assert_int_equal(store_last_agency_note(f->s, c.id, note, sizeof note), 0);
	store_complaint_clear(&c);

	/* With a status change: the status SMS, without the note. */
	post(f, TOK_DPUPR, t, "{\"status\":\"in_progress\",\"note\":\"kontraktor CV Maju, "
	    "nilai 40 juta\",\"internal\":true}", &r);
	assert_int_equal(r.status, 200);
	fetch_res_clear(&r);
	outbox(f, &rs);
	assert_int_equal(count_rows(&rs, "sms", PHONE, NULL), 1);
	w = find_row(&rs, "sms", PHONE, "sedang ditangani");
	assert_not_contains(w->body, "kontraktor");
	assert_not_contains(w->body, "Catatan");
	rows_clear(&rs);

	/* A public note after it is what the citizen and Open311 see ... */
	post(f, TOK_DPUPR, t, "{\"note\":\"Tim datang Senin pagi\",\"internal\":false}", &r);
	assert_int_equal(r.status, 200);
	fetch_res_clear(&r);
	/* ... and stays so when an internal one comes after it. */
	post(f, TOK_DPUPR, t, "{\"note\":\"bawa aspal 2 ton\",\"internal\":true}", &r);
	assert_int_equal(r.status, 200);
	fetch_res_clear(&r);
	open311_note(f, t, note, sizeof note);
	assert_string_equal(note, "Tim datang Senin pagi");
	get_ticket(f, t, &c);
	assert_int_equal(store_last_agency_note(f->s, c.id, note, sizeof note), 1);
	assert_string_equal(note, "Tim datang Senin pagi");
	store_complaint_clear(&c);
	outbox(f, &rs);
	assert_int_equal(count_rows(&rs, "sms", PHONE, "Tim datang Senin pagi"), 1);
	assert_int_equal(count_rows(&rs, "sms", NULL, "aspal"), 0);
	assert_int_equal(count_rows(&rs, "sms", NULL, "anggaran"), 0);
	rows_clear(&rs);

	/* internal marks a note: alone, or not a boolean, it is refused. */
	post(f, TOK_DPUPR, t, "{\"status\":\"deferred\",\"internal\":true}", &r);
	assert_int_equal(r.status, 400);
	assert_contains(r.body, "internal marks a note");
	fetch_res_clear(&r);
	post(f, TOK_DPUPR, t, "{\"note\":\"x\",\"internal\":\"yes\"}", &r);
	assert_int_equal(r.status, 400);
	fetch_res_clear(&r);
}

/* Triage reads every ticket and re-routes any open one, a rule-routed one too. */
static void
test_triage_reads_and_reroutes_a_ticket_a_rule_routed(void **state)
{
	struct fixture *f = *state;
	char t[TICKET_DIGITS + 1], path[128];
	struct store_complaint c;
	struct fetch_res r;
	struct rows rs;
	const struct row *w;
	json_t *j, *ev;

	add_ticket(f, "JALAN", "dpupr", "routed", "id", utc(2026, 11, 2, 8, 0), NULL,
	    "sampah menumpuk di got jalan", t);
	snprintf(path, sizeof path, "/api/v1/tickets/%s", t);
	call(f, "GET", path, TOK_TRIAGE, NULL, &r);
	assert_int_equal(r.status, 200);
	j = parse(r.body);
	assert_string_equal(sget(j, "agency"), "dpupr");
	json_decref(j);
	fetch_res_clear(&r);
	/* dlh still cannot. */
	call(f, "GET", path, TOK_DLH, NULL, &r);
	assert_int_equal(r.status, 404);
	fetch_res_clear(&r);

	/* Triage's list is its queue; agency=all or an id lists the others. */
	call(f, "GET", "/api/v1/tickets", TOK_TRIAGE, NULL, &r);
	assert_not_contains(r.body, t);
	fetch_res_clear(&r);
	call(f, "GET", "/api/v1/tickets?agency=all", TOK_TRIAGE, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_contains(r.body, t);
	fetch_res_clear(&r);
	call(f, "GET", "/api/v1/tickets?agency=dpupr&status=routed", TOK_TRIAGE, NULL, &r);
	assert_contains(r.body, t);
	fetch_res_clear(&r);
	call(f, "GET", "/api/v1/tickets?agency=nosuch", TOK_TRIAGE, NULL, &r);
	assert_int_equal(r.status, 400);
	fetch_res_clear(&r);
	call(f, "GET", "/api/v1/tickets?agency=all", TOK_DPUPR, NULL, &r);
	assert_int_equal(r.status, 403);
	fetch_res_clear(&r);
	call(f, "GET", "/api/v1/tickets?agency=dpupr", TOK_DPUPR, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_contains(r.body, t);
	fetch_res_clear(&r);

	/* dpupr started on it; triage sees it is waste and moves it to dlh. */
	post(f, TOK_DPUPR, t, "{\"status\":\"in_progress\"}", &r);
	assert_int_equal(r.status, 200);
	fetch_res_clear(&r);
	post(f, TOK_TRIAGE, t, "{\"status\":\"in_progress\"}", &r);
	assert_int_equal(r.status, 403);
	assert_contains(r.body, "is with dpupr: triage may re-route it");
	fetch_res_clear(&r);
	post(f, TOK_TRIAGE, t, "{\"status\":\"routed\",\"agency\":\"kominfo\"}", &r);
	assert_int_equal(r.status, 400);
	fetch_res_clear(&r);
	post(f, TOK_TRIAGE, t, "{\"status\":\"routed\",\"agency\":\"dlh\",\"note\":\"urusan "
	    "sampah\"}", &r);
	assert_int_equal(r.status, 200);
	fetch_res_clear(&r);
	get_ticket(f, t, &c);
	assert_string_equal(c.agency, "dlh");
	assert_string_equal(c.status, "routed");
	assert_true(c.followup_due > 0);
	store_complaint_clear(&c);
	outbox(f, &rs);
	w = find_row(&rs, "webhook", "dlh", "\"ticket.created\"");
	j = parse(w->body);
	assert_string_equal(sget(j, "previous_agency"), "dpupr");
	assert_string_equal(sget(j, "previous_status"), "in_progress");
	assert_string_equal(sget(j, "actor"), "kominfo");
	assert_string_equal(sget(j, "by"), "api");
	json_decref(j);
	assert_int_equal(count_rows(&rs, "webhook", "dpupr", "\"ticket.rerouted_away\""), 1);
	rows_clear(&rs);
	ev = last_event(f, TOK_DLH, t, &j);
	assert_string_equal(sget(ev, "to_agency"), "dlh");
	assert_string_equal(sget(ev, "actor"), "kominfo");
	json_decref(j);

	/* Triage may put it on hold or reject it where it is; not re-route a final one. */
	post(f, TOK_TRIAGE, t, "{\"status\":\"deferred\",\"note\":\"tunggu musim kemarau\"}", &r);
	assert_int_equal(r.status, 200);
	fetch_res_clear(&r);
	get_ticket(f, t, &c);
	assert_string_equal(c.status, "deferred");
	assert_string_equal(c.agency, "dlh");
	assert_int_equal(apply(f, &c, "kominfo", "rejected", "bukan aduan", NULL,
	    utc(2026, 11, 4, 8, 0)), 0);
	assert_int_equal(apply(f, &c, "kominfo", "routed", NULL, "dpupr",
	    utc(2026, 11, 4, 9, 0)), TICKET_CONFLICT);
	assert_contains(f->why, "can no longer be re-routed");
	store_complaint_clear(&c);
}

/* "Bukan wewenang": the agency hands a ticket back to triage with its reason. */
static void
test_agency_returns_a_ticket_to_triage_and_the_citizen_is_not_told_rejected(void **state)
{
	struct fixture *f = *state;
	char t[TICKET_DIGITS + 1], path[128];
	struct store_complaint c;
	struct fetch_res r;
	struct rows rs;
	const struct row *w;
	json_t *j, *ev;
	size_t sms_before;

	use_triage_webhook(f);
	add_ticket(f, "JALAN", "dpupr", "routed", "id", utc(2026, 11, 2, 8, 0), NULL,
	    "jalan provinsi Bawen-Salatiga rusak", t);
	post(f, TOK_DPUPR, t, "{\"status\":\"in_progress\"}", &r);
	assert_int_equal(r.status, 200);
	fetch_res_clear(&r);
	outbox(f, &rs);
	sms_before = count_rows(&rs, "sms", NULL, NULL);
	rows_clear(&rs);

	/* The 409 for a re-route by dpupr points at the return, not at "rejected". */
	post(f, TOK_DPUPR, t, "{\"status\":\"routed\",\"agency\":\"dlh\"}", &r);
	assert_int_equal(r.status, 409);
	assert_contains(r.body, "return it to triage with a reason");
	assert_not_contains(r.body, "rejected");
	fetch_res_clear(&r);

	/* A reason is required, and nothing else goes with it. */
	post(f, TOK_DPUPR, t, "{\"return\":true}", &r);
	assert_int_equal(r.status, 400);
	assert_contains(r.body, "needs a reason");
	fetch_res_clear(&r);
	post(f, TOK_DPUPR, t, "{\"return\":true,\"reason\":\"x\",\"status\":\"routed\"}", &r);
	assert_int_equal(r.status, 400);
	fetch_res_clear(&r);
	post(f, TOK_DPUPR, t, "{\"reason\":\"x\"}", &r);
	assert_int_equal(r.status, 400);
	fetch_res_clear(&r);
	post(f, TOK_DLH, t, "{\"return\":true,\"reason\":\"x\"}", &r);
	assert_int_equal(r.status, 404);
	fetch_res_clear(&r);

	post(f, TOK_DPUPR, t, "{\"return\":true,\"reason\":\"bukan wewenang: jalan provinsi, "
	    "urusan DPU provinsi\"}", &r);
	assert_int_equal(r.status, 200);
	j = parse(r.body);
	assert_string_equal(sget(j, "agency"), "kominfo");
	assert_string_equal(sget(j, "status"), "received");
	assert_true(json_is_string(json_object_get(j, "due_at")));     /* routing due */
	json_decref(j);
	fetch_res_clear(&r);

	get_ticket(f, t, &c);
	assert_string_equal(c.agency, "kominfo");
	assert_string_equal(c.status, "received");
	assert_true(c.route_due > 0);
	assert_int_equal(c.followup_due, 0);
	store_complaint_clear(&c);
	/* Gone from dpupr, in triage's queue with the reason. */
	snprintf(path, sizeof path, "/api/v1/tickets/%s", t);
	call(f, "GET", path, TOK_DPUPR, NULL, &r);
	assert_int_equal(r.status, 404);
	fetch_res_clear(&r);
	call(f, "GET", "/api/v1/tickets?status=received", TOK_TRIAGE, NULL, &r);
	assert_contains(r.body, t);
	fetch_res_clear(&r);
	ev = last_event(f, TOK_TRIAGE, t, &j);
	assert_string_equal(sget(ev, "actor"), "dpupr");
	assert_string_equal(sget(ev, "by"), "api");
	assert_string_equal(sget(ev, "status"), "received");
	assert_string_equal(sget(ev, "action"), "returned");
	assert_string_equal(sget(ev, "to_agency"), "kominfo");
	assert_true(json_is_true(json_object_get(ev, "internal")));
	assert_contains(sget(ev, "note"), "bukan wewenang: jalan provinsi");
	json_decref(j);

	/* Triage is told (ticket.returned), dpupr too; the citizen is not texted at all. */
	outbox(f, &rs);
	w = find_row(&rs, "webhook", "kominfo", "\"ticket.returned\"");
	j = parse(w->body);
	assert_string_equal(sget(j, "previous_agency"), "dpupr");
	assert_string_equal(sget(j, "previous_status"), "in_progress");
	assert_string_equal(sget(j, "action"), "returned");
	assert_contains(sget(j, "note"), "jalan provinsi");
	assert_true(json_is_true(json_object_get(j, "internal")));
	json_decref(j);
	w = find_row(&rs, "webhook", "dpupr", "\"ticket.rerouted_away\"");
	assert_contains(w->body, "\"agency\":\"kominfo\"");
	assert_int_equal(count_rows(&rs, "sms", NULL, NULL), sms_before);
	assert_int_equal(count_rows(&rs, "sms", NULL, "ditolak"), 0);
	rows_clear(&rs);

	/* Again: it is with triage already.  Triage routes it on: that is texted. */
	get_ticket(f, t, &c);
	assert_int_equal(request(f, &c, &(struct ticket_request){ .agency = "dpupr",
	    .give_back = 1, .reason = "lagi" }, utc(2026, 11, 5, 8, 0)), TICKET_NOT_FOUND);
	assert_int_equal(request(f, &c, &(struct ticket_request){ .agency = "kominfo",
	    .give_back = 1, .reason = "x" }, utc(2026, 11, 5, 8, 0)), TICKET_CONFLICT);
	assert_int_equal(apply(f, &c, "kominfo", "routed", "jalan provinsi: diteruskan ke "
	    "UPT", "dlh", utc(2026, 11, 5, 8, 0)), 0);
	store_complaint_clear(&c);
	outbox(f, &rs);
	assert_int_equal(count_rows(&rs, "sms", PHONE, "diteruskan ke dinas"), 1);
	rows_clear(&rs);
}

/* A resolved ticket is not returned: that work was done. */
static void
test_a_resolved_ticket_cannot_be_returned(void **state)
{
	struct fixture *f = *state;
	char t[TICKET_DIGITS + 1];
	struct store_complaint c;

	add_ticket(f, "JALAN", "dpupr", "routed", "id", utc(2026, 11, 2, 8, 0), NULL, "x", t);
	get_ticket(f, t, &c);
	assert_int_equal(apply(f, &c, "dpupr", "resolved", NULL, NULL,
	    utc(2026, 11, 3, 8, 0)), 0);
	assert_int_equal(request(f, &c, &(struct ticket_request){ .agency = "dpupr",
	    .give_back = 1, .reason = "bukan wewenang" }, utc(2026, 11, 3, 9, 0)),
	    TICKET_CONFLICT);
	assert_contains(f->why, "is resolved and cannot be returned");
	store_complaint_clear(&c);
}

/* Triage rejects with a kind; a duplicate links the two and texts the original. */
static void
test_rejection_kinds_and_a_duplicate_linked_to_its_original(void **state)
{
	struct fixture *f = *state;
	char orig[TICKET_DIGITS + 1], dup[TICKET_DIGITS + 1], spam[TICKET_DIGITS + 1];
	char other[TICKET_DIGITS + 1], body[256], want[160];
	struct store_complaint c;
	struct fetch_res r;
	struct rows rs;
	const struct row *sms;
	json_t *j, *ev;

	add_ticket(f, "JALAN", "dpupr", "routed", "id", utc(2026, 11, 2, 8, 0), NULL,
	    "lubang depan SD 2", orig);
	add_ticket(f, "", "kominfo", "received", "id", utc(2026, 11, 3, 8, 0), NULL,
	    "lubang depan SD 2 belum ditambal", dup);
	add_ticket(f, "", "kominfo", "received", "id", utc(2026, 11, 3, 9, 0), NULL,
	    "MENANG UNDIAN klik tautan", spam);
	add_ticket(f, "SAMPAH", "dlh", "routed", "id", utc(2026, 11, 3, 10, 0), NULL, "y", other);

	/* The request's own mistakes: 400, nothing written. */
	snprintf(body, sizeof body, "{\"status\":\"rejected\",\"rejection\":\"duplicate\"}");
	post(f, TOK_TRIAGE, dup, body, &r);
	assert_int_equal(r.status, 400);
	assert_contains(r.body, "duplicate_of");
	fetch_res_clear(&r);
	snprintf(body, sizeof body, "{\"status\":\"deferred\",\"rejection\":\"spam\"}");
	post(f, TOK_TRIAGE, dup, body, &r);
	assert_int_equal(r.status, 400);
	fetch_res_clear(&r);
	snprintf(body, sizeof body, "{\"status\":\"rejected\",\"rejection\":\"hoax\"}");
	post(f, TOK_TRIAGE, dup, body, &r);
	assert_int_equal(r.status, 400);
	assert_contains(r.body, "not_complaint, spam, duplicate");
	fetch_res_clear(&r);
	snprintf(body, sizeof body, "{\"status\":\"rejected\",\"rejection\":\"duplicate\","
	    "\"duplicate_of\":\"%s\"}", dup);
	post(f, TOK_TRIAGE, dup, body, &r);
	assert_int_equal(r.status, 400);
	assert_contains(r.body, "of itself");
	fetch_res_clear(&r);
	snprintf(body, sizeof body, "{\"status\":\"rejected\",\"rejection\":\"duplicate\","
	    "\"duplicate_of\":\"12345678\"}");
	post(f, TOK_TRIAGE, dup, body, &r);
	assert_int_equal(r.status, 400);
	fetch_res_clear(&r);
	/* dlh names a ticket it cannot see: as if there were none. */
	snprintf(body, sizeof body, "{\"status\":\"rejected\",\"rejection\":\"duplicate\","
	    "\"duplicate_of\":\"%s\"}", orig);
	post(f, TOK_DLH, other, body, &r);
	assert_int_equal(r.status, 400);
	assert_contains(r.body, "no ticket");
	fetch_res_clear(&r);
	get_ticket(f, dup, &c);
	assert_string_equal(c.status, "received");
	store_complaint_clear(&c);

	/* The duplicate: linked, and the reporter reads the original's number. */
	snprintf(body, sizeof body, "{\"status\":\"rejected\",\"rejection\":\"duplicate\","
	    "\"duplicate_of\":\"%s\",\"note\":\"sama dengan aduan sebelumnya\"}", orig);
	post(f, TOK_TRIAGE, dup, body, &r);
	assert_int_equal(r.status, 200);
	j = parse(r.body);
	assert_string_equal(sget(j, "duplicate_of"), orig);
	assert_string_equal(sget(j, "status"), "rejected");
	ev = json_array_get(json_object_get(j, "events"),
	    json_array_size(json_object_get(j, "events")) - 1);
	assert_string_equal(sget(ev, "action"), "duplicate");
	json_decref(j);
	fetch_res_clear(&r);
	get_ticket(f, dup, &c);
	assert_string_equal(c.duplicate_of, orig);
	store_complaint_clear(&c);
	outbox(f, &rs);
	sms = find_row(&rs, "sms", PHONE, dup);
	snprintf(want, sizeof want, "sama dengan aduan No tiket %s. Cek status: ketik STATUS %s",
	    orig, orig);
	assert_contains(sms->body, want);
	assert_not_contains(sms->body, "ditolak");
	rows_clear(&rs);
	/* A duplicate of a duplicate names the original. */
	snprintf(body, sizeof body, "{\"status\":\"rejected\",\"rejection\":\"duplicate\","
	    "\"duplicate_of\":\"%s\"}", dup);
	post(f, TOK_TRIAGE, spam, body, &r);
	assert_int_equal(r.status, 400);
	assert_contains(r.body, "is itself a duplicate of");
	fetch_res_clear(&r);

	/* Spam: rejected, and not a word back. */
	post(f, TOK_TRIAGE, spam, "{\"status\":\"rejected\",\"rejection\":\"spam\","
	    "\"note\":\"penipuan\"}", &r);
	assert_int_equal(r.status, 200);
	fetch_res_clear(&r);
	outbox(f, &rs);
	assert_int_equal(count_rows(&rs, "sms", NULL, spam), 0);
	rows_clear(&rs);

	/* Not a complaint, on another agency's ticket: the reporter is told, with the note. */
	post(f, TOK_TRIAGE, other, "{\"status\":\"rejected\",\"rejection\":\"not_complaint\","
	    "\"note\":\"ini pertanyaan, hubungi 112\"}", &r);
	assert_int_equal(r.status, 200);
	fetch_res_clear(&r);
	outbox(f, &rs);
	sms = find_row(&rs, "sms", PHONE, other);
	assert_contains(sms->body, "ditolak");
	assert_contains(sms->body, "ini pertanyaan");
	rows_clear(&rs);
}

/* Every event says who: the agency as actor, its token's or person's name as by. */
static void
test_events_and_webhooks_say_who_acted(void **state)
{
	struct fixture *f = *state;
	char t[TICKET_DIGITS + 1], path[128];
	struct fetch_res r;
	struct rows rs;
	const struct row *w;
	json_t *j, *ev, *e;
	size_t i;

	add_ticket(f, "JALAN", "dpupr", "routed", "id", utc(2026, 11, 2, 8, 0), NULL, "x", t);
	post(f, TOK_BUDI, t, "{\"status\":\"in_progress\",\"note\":\"saya cek besok\"}", &r);
	assert_int_equal(r.status, 200);
	fetch_res_clear(&r);
	post(f, TOK_DPUPR, t, "{\"note\":\"dijadwalkan\"}", &r);
	assert_int_equal(r.status, 200);
	fetch_res_clear(&r);

	snprintf(path, sizeof path, "/api/v1/tickets/%s", t);
	call(f, "GET", path, TOK_BUDI, NULL, &r);
	assert_int_equal(r.status, 200);
	j = parse(r.body);
	fetch_res_clear(&r);
	ev = json_object_get(j, "events");
	assert_int_equal(json_array_size(ev), 3);
	/* The citizen's "received": no by. */
	assert_string_equal(sget(json_array_get(ev, 0), "actor"), "citizen");
	assert_true(json_is_null(json_object_get(json_array_get(ev, 0), "by")));
	assert_string_equal(sget(json_array_get(ev, 1), "actor"), "dpupr");
	assert_string_equal(sget(json_array_get(ev, 1), "by"), "budi");
	assert_string_equal(sget(json_array_get(ev, 2), "by"), "api");
	for (i = 0; i < json_array_size(ev); i++) {
		static const char *const keys[] = { "at", "actor", "by", "status", "note",
		    "internal", "action", "to_agency" };
		size_t k;

		e = json_array_get(ev, i);
		assert_int_equal(json_object_size(e), ARRAY_LEN(keys));
		for (k = 0; k < ARRAY_LEN(keys); k++)
			if (json_object_get(e, keys[k]) == NULL)
				fail_msg("event %zu has no \"%s\"", i, keys[k]);
	}
	json_decref(j);

	outbox(f, &rs);
	w = find_row(&rs, "webhook", "dpupr", "saya cek besok");
	j = parse(w->body);
	assert_string_equal(sget(j, "actor"), "dpupr");
	assert_string_equal(sget(j, "by"), "budi");
	json_decref(j);
	rows_clear(&rs);
}

/* Named tokens and canned notes, as `aduan check` reads them. */
#define H1 "1111111111111111111111111111111111111111111111111111111111111111"
#define H2 "2222222222222222222222222222222222222222222222222222222222222222"
#define RULES "triage = \"a\";\n" \
	"rules = ( { keyword = \"JALAN\"; agency = \"a\"; label = { id = \"Jalan\"; }; } );\n"
#define AGENCY_A "{ id = \"a\"; name = \"A\"; short_name = \"A\"; "
static void
test_config_checks_named_tokens_and_reads_status_notes(void **state)
{
	static const struct {
		const char *text, *error;
	} bad[] = {
		{ "agencies = ( " AGENCY_A "tokens = ( { name = \"budi\"; sha256 = \"" H1 "\"; },\n"
		  "  { name = \"budi\"; sha256 = \"" H2 "\"; } ); } );\n" RULES,
		  "token name 'budi' is already used at line" },
		/* a named token equal to another agency's token_sha256 */
		{ "agencies = ( " AGENCY_A "token_sha256 = \"" H1 "\"; },\n"
		  "  { id = \"b\"; name = \"B\"; short_name = \"B\";\n"
		  "    tokens = ( { name = \"budi\"; sha256 = \"" H1 "\"; } ); } );\n" RULES,
		  "agency b (B): token budi is the same as that of agency a (A) at line 1" },
		/* two names of one agency with one value */
		{ "agencies = ( " AGENCY_A "token_sha256 = \"" H1 "\";\n"
		  "  tokens = ( { name = \"budi\"; sha256 = \"" H1 "\"; } ); } );\n" RULES,
		  "agency a: token budi has the same SHA-256 as token token_sha256" },
		{ "agencies = ( " AGENCY_A "tokens = ( { name = \"api\"; sha256 = \"" H1 "\"; } ); } );\n"
		  RULES, "the name 'api' is what token_sha256 records" },
		{ "agencies = ( " AGENCY_A "tokens = ( { name = \"budi santoso\"; sha256 = \"" H1 "\"; }"
		  " ); } );\n" RULES, "must be 1 to 48 of a-z" },
		{ "agencies = ( " AGENCY_A "tokens = ( { name = \"budi\"; sha256 = \"ABC\"; } ); } );\n"
		  RULES, "sha256 must be 64 lower-case hex digits" },
		{ "agencies = ( " AGENCY_A "tokens = ( { name = \"budi\"; sha256 = \"" H1 "\";\n"
		  "  secret = \"x\"; } ); } );\n" RULES,
		  "unknown setting 'secret' in 'agency a: token #1'" },
		/* an agency may not be called like the reporter or Aduan in events */
		{ "agencies = ( " AGENCY_A "},\n  { id = \"aduan\"; name = \"X\"; short_name = \"X\"; } );\n"
		  RULES, "id 'aduan' is reserved" },
		{ "agencies = ( " AGENCY_A "} );\nstatus_notes = { id = { done = [ \"x\" ]; }; };\n" RULES,
		  "unknown setting 'done' in 'status_notes.id'" },
		{ "agencies = ( " AGENCY_A "} );\nstatus_notes = { id = { resolved = \"x\"; }; };\n" RULES,
		  "status_notes.id.resolved: must be a list of texts" },
	};
	struct conf_errors errs;
	struct conf *c;
	const char *const *notes;
	size_t i;
	int k, found;

	(void)state;
	for (i = 0; i < ARRAY_LEN(bad); i++) {
		memset(&errs, 0, sizeof errs);
		if ((c = conf_load_string(bad[i].text, 0, &errs)) != NULL) {
			conf_free(c);
			fail_msg("accepted:\n%s", bad[i].text);
		}
		for (found = 0, k = 0; k < errs.n; k++)
			if (strstr(errs.e[k].msg, bad[i].error) != NULL)
				found = 1;
		if (!found) {
			for (k = 0; k < errs.n; k++)
				print_error("line %d: %s\n", errs.e[k].line, errs.e[k].msg);
			fail_msg("no error \"%s\" for:\n%s", bad[i].error, bad[i].text);
		}
	}

	/* A named token next to token_sha256, and canned notes per status. */
	memset(&errs, 0, sizeof errs);
	c = conf_load_string("agencies = ( " AGENCY_A "token_sha256 = \"" H1 "\";\n"
	    "  tokens = ( { name = \"budi.santoso@dpupr\"; sha256 = \"" H2 "\"; } ); } );\n"
	    "status_notes = { id = { in_progress = [ \"Petugas dijadwalkan.\",\n"
	    "  \"Menunggu material.\" ]; }; en = { resolved = [ \"Fixed.\" ]; }; };\n" RULES, 0,
	    &errs);
	assert_non_null(c);
	assert_int_equal(c->agencies[0].ntokens, 1);
	assert_string_equal(c->agencies[0].tokens[0].name, "budi.santoso@dpupr");
	assert_int_equal(conf_status_notes(c, LANG_ID, "in_progress", &notes), 2);
	assert_string_equal(notes[1], "Menunggu material.");
	assert_int_equal(conf_status_notes(c, LANG_EN, "resolved", &notes), 1);
	assert_string_equal(notes[0], "Fixed.");
	assert_int_equal(conf_status_notes(c, LANG_EN, "in_progress", &notes), 0);
	assert_null(notes);
	assert_int_equal(conf_status_notes(c, LANG_ID, "selesai", &notes), 0);
	conf_free(c);
}
#undef H1
#undef H2
#undef RULES
#undef AGENCY_A

/*
 * The reporter's TAMBAH within the window reopens a resolved ticket: the
 * agency hears of it, and the new due date is reminded like any other.
 */
static void
test_reopened_ticket_is_told_to_the_agency_and_has_a_due_date(void **state)
{
	struct fixture *f = *state;
	char t[TICKET_DIGITS + 1];
	struct store_complaint c;
	struct rows rs;
	const struct row *w;
	json_t *j;
	int queued;
	int64_t mon = utc(2026, 11, 2, 9, 0);

	add_ticket(f, "SAMPAH", "dlh", "routed", "id", mon, NULL, "sampah", t);
	get_ticket(f, t, &c);
	assert_int_equal(apply(f, &c, "dlh", "resolved", "sudah diangkut", NULL, mon + 3600), 0);
	/* Within the window (due Monday 16th 10:00): reopened. */
	assert_int_equal(ticket_citizen_add(f->conf, f->s, &c, "masih ada, belum diangkut",
	    utc(2026, 11, 5, 10, 0), &queued), 1);
	assert_int_equal(queued, 1);
	assert_string_equal(c.status, "in_progress");
	assert_int_equal(c.close_due, 0);
	/* Five working days after Thursday 10:00: the next Thursday. */
	assert_int_equal(c.followup_due, utc(2026, 11, 12, 10, 0));
	store_complaint_clear(&c);
	outbox(f, &rs);
	w = find_row(&rs, "webhook", "dlh", "\"reopened\"");
	j = parse(w->body);
	assert_string_equal(sget(j, "event"), "ticket.status");
	assert_string_equal(sget(j, "actor"), "citizen");
	assert_string_equal(sget(j, "previous_status"), "resolved");
	assert_string_equal(sget(j, "note"), "masih ada, belum diangkut");
	assert_string_equal(sget(json_object_get(j, "ticket"), "due_at"), "2026-11-12T10:00:00Z");
	json_decref(j);
	/* Nothing texted: the reply to the TAMBAH says it. */
	assert_int_equal(count_rows(&rs, "sms", NULL, "masih ada"), 0);
	rows_clear(&rs);

	/* The reopened stage is overdue like any: one reminder, then not again. */
	assert_int_equal(sla_tick(f, utc(2026, 11, 12, 10, 0)), 0);
	assert_int_equal(sla_tick(f, utc(2026, 11, 12, 10, 1)), 1);
	assert_int_equal(sla_tick(f, utc(2026, 11, 13, 10, 1)), 0);
	outbox(f, &rs);
	assert_int_equal(count_rows(&rs, "webhook", "dlh", "\"ticket.overdue\""), 1);
	rows_clear(&rs);

	/* Resolved again, and after the window a TAMBAH is a note only. */
	get_ticket(f, t, &c);
	assert_int_equal(apply(f, &c, "dlh", "resolved", NULL, NULL, utc(2026, 11, 13, 9, 0)), 0);
	assert_int_equal(ticket_citizen_add(f->conf, f->s, &c, "terima kasih",
	    c.close_due, &queued), 0);
	assert_string_equal(c.status, "resolved");
	store_complaint_clear(&c);
}

/* ---- webhook payloads ----------------------------------------------------- */

static void
test_webhook_payload_fields_with_masked_or_full_phone(void **state)
{
	struct fixture *f = *state;
	char a[TICKET_DIGITS + 1], b[TICKET_DIGITS + 1], k[TICKET_DIGITS + 1];
	struct store_complaint c;
	struct rows rs;
	const struct row *w;
	json_t *j, *t, *rep;
	int64_t at = utc(2026, 11, 27, 8, 51) + 3;

	add_ticket(f, "JALAN", "dpupr", "routed", "id", at, "Jl. Pemuda", "lubang \"besar\"", a);
	add_ticket(f, "SAMPAH", "dlh", "routed", "en", at, NULL, "trash", b);
	add_ticket(f, "", "kominfo", "received", "id", at, NULL, "entah", k);
	get_ticket(f, a, &c);
	assert_int_equal(ticket_queue_created(f->conf, f->s, &c, at), 1);
	store_complaint_clear(&c);
	get_ticket(f, b, &c);
	assert_int_equal(ticket_queue_created(f->conf, f->s, &c, at), 1);
	/* The same again in the same second is one row. */
	assert_int_equal(ticket_queue_created(f->conf, f->s, &c, at), 0);
	assert_int_equal(ticket_queue_citizen(f->conf, f->s, &c, NULL, "masih ada", at + 60), 1);
	assert_int_equal(ticket_queue_citizen(f->conf, f->s, &c, "withdrawn", "BATAL", at + 120),
	    1);
	store_complaint_clear(&c);
	get_ticket(f, k, &c);
	assert_int_equal(ticket_queue_created(f->conf, f->s, &c, at), 0);     /* no webhook */
	store_complaint_clear(&c);

	outbox(f, &rs);
	assert_int_equal(rs.n, 4);
	w = find_row(&rs, "webhook", "dpupr", "\"ticket.created\"");
	j = parse(w->body);
	assert_string_equal(sget(j, "event"), "ticket.created");
	assert_string_equal(sget(j, "at"), "2026-11-27T08:51:03Z");
	assert_string_equal(sget(j, "actor"), "citizen");
	assert_true(json_is_null(json_object_get(j, "note")));
	t = json_object_get(j, "ticket");
	assert_string_equal(sget(t, "number"), a);
	assert_string_equal(sget(t, "status"), "routed");
	assert_string_equal(sget(t, "category"), "JALAN");
	assert_string_equal(sget(t, "location"), "Jl. Pemuda");
	assert_string_equal(sget(t, "description"), "lubang \"besar\"");
	assert_string_equal(sget(t, "channel"), "sms");
	assert_string_equal(sget(t, "region"), "");
	assert_string_equal(sget(t, "agency"), "dpupr");
	assert_string_equal(sget(t, "received_at"), "2026-11-27T08:51:03Z");
	assert_string_equal(sget(t, "updated_at"), "2026-11-27T08:51:03Z");
	/* Friday + 5 working days: the next Friday, same time. */
	assert_string_equal(sget(t, "due_at"), "2026-12-04T08:51:03Z");
	assert_true(json_is_false(json_object_get(t, "overdue")));
	rep = json_object_get(t, "reporter");
	assert_string_equal(sget(rep, "phone"), PHONE_MASKED);
	assert_string_equal(sget(rep, "language"), "id");
	json_decref(j);
	assert_not_contains(w->body, PHONE_DIGITS);
	/* Compact, sorted keys; who and the note's kind are always there. */
	assert_true(strncmp(w->body, "{\"action\":null,\"actor\":\"citizen\",",
	    strlen("{\"action\":null,\"actor\":\"citizen\",")) == 0);
	assert_contains(w->body, "\"by\":null,");
	assert_contains(w->body, "\"internal\":false,");
	assert_contains(w->body, "\"duplicate_of\":null,");

	w = find_row(&rs, "webhook", "dlh", "\"ticket.created\"");
	j = parse(w->body);
	t = json_object_get(j, "ticket");
	assert_true(json_is_null(json_object_get(t, "location")));
	rep = json_object_get(t, "reporter");
	assert_string_equal(sget(rep, "phone"), PHONE);
	assert_string_equal(sget(rep, "language"), "en");
	json_decref(j);

	w = find_row(&rs, "webhook", "dlh", "\"ticket.note\"");
	j = parse(w->body);
	assert_string_equal(sget(j, "note"), "masih ada");
	assert_string_equal(sget(j, "actor"), "citizen");
	json_decref(j);
	w = find_row(&rs, "webhook", "dlh", "\"ticket.withdrawn\"");
	j = parse(w->body);
	assert_string_equal(sget(json_object_get(j, "ticket"), "status"), "withdrawn");
	assert_string_equal(sget(j, "previous_status"), "routed");
	assert_true(json_is_null(json_object_get(json_object_get(j, "ticket"), "due_at")));
	json_decref(j);
	rows_clear(&rs);
}

/* ---- service levels ------------------------------------------------------- */

static void
test_sla_init_counts_working_days_without_weekends_and_holidays(void **state)
{
	struct fixture *f = *state;
	struct store_complaint c;

	memset(&c, 0, sizeof c);
	str_copy(c.agency, sizeof c.agency, "kominfo");
	/* Triage, Friday 16:00 + 3 working days: Wednesday 16:00. */
	ticket_sla_init(f->conf, &c, utc(2026, 11, 27, 16, 0));
	assert_int_equal(c.route_due, utc(2026, 12, 2, 16, 0));
	assert_int_equal(c.routed_at, 0);
	assert_int_equal(c.followup_due, 0);
	/* Saturday counts from Monday. */
	ticket_sla_init(f->conf, &c, utc(2026, 11, 28, 10, 0));
	assert_int_equal(c.route_due, utc(2026, 12, 2, 10, 0));

	str_copy(c.agency, sizeof c.agency, "dpupr");
	str_copy(c.keyword, sizeof c.keyword, "JALAN");
	ticket_sla_init(f->conf, &c, utc(2026, 11, 27, 16, 0));
	assert_int_equal(c.route_due, 0);
	assert_int_equal(c.routed_at, utc(2026, 11, 27, 16, 0));
	assert_int_equal(c.followup_due, utc(2026, 12, 4, 16, 0));
	/* Wednesday 23 December: Friday the 25th is a holiday. */
	ticket_sla_init(f->conf, &c, utc(2026, 12, 23, 10, 0));
	assert_int_equal(c.followup_due, utc(2026, 12, 31, 10, 0));
	assert_int_equal(c.close_due, 0);
	assert_int_equal(c.reminded_at, 0);
}

static void
test_sla_tick_reminds_once_and_closes_resolved_tickets(void **state)
{
	struct fixture *f = *state;
	char late[TICKET_DIGITS + 1], fresh[TICKET_DIGITS + 1], done[TICKET_DIGITS + 1];
	char triage[TICKET_DIGITS + 1];
	struct store_complaint c;
	struct rows rs;
	const struct row *w;
	json_t *j;
	int64_t mon = utc(2026, 11, 2, 9, 0);

	add_ticket(f, "JALAN", "dpupr", "routed", "id", mon, NULL, "late", late);
	add_ticket(f, "JALAN", "dpupr", "routed", "id", mon + 86400, NULL, "fresh", fresh);
	add_ticket(f, "", "kominfo", "received", "id", mon, NULL, "triage", triage);
	add_ticket(f, "SAMPAH", "dlh", "routed", "en", mon, NULL, "done", done);
	get_ticket(f, done, &c);
	assert_int_equal(apply(f, &c, "dlh", "resolved", "diangkut", NULL, mon + 3600), 0);
	/* Ten working days after Monday 10:00: Monday two weeks on. */
	assert_int_equal(c.close_due, utc(2026, 11, 16, 10, 0));
	store_complaint_clear(&c);

	/* Due Monday 9 November 09:00 (follow-up) and Thursday 5th (routing). */
	assert_int_equal(sla_tick(f, utc(2026, 11, 5, 9, 0)), 0);
	assert_int_equal(sla_tick(f, utc(2026, 11, 5, 9, 1)), 1);
	assert_int_equal(sla_tick(f, utc(2026, 11, 9, 9, 1)), 1);
	assert_int_equal(sla_tick(f, utc(2026, 11, 9, 9, 2)), 0);
	outbox(f, &rs);
	assert_int_equal(count_rows(&rs, "webhook", "dpupr", "\"ticket.overdue\""), 1);
	w = find_row(&rs, "webhook", "dpupr", "\"ticket.overdue\"");
	j = parse(w->body);
	assert_string_equal(sget(json_object_get(j, "ticket"), "number"), late);
	assert_true(json_is_true(json_object_get(json_object_get(j, "ticket"), "overdue")));
	assert_string_equal(sget(j, "actor"), "aduan");
	json_decref(j);
	rows_clear(&rs);
	get_ticket(f, late, &c);
	assert_int_equal(c.reminded_at, utc(2026, 11, 9, 9, 1));
	store_complaint_clear(&c);
	get_ticket(f, triage, &c);
	assert_int_equal(c.reminded_at, utc(2026, 11, 5, 9, 1));     /* no webhook, marked */
	store_complaint_clear(&c);

	/* The other routed ticket is due a day later: its own single reminder. */
	assert_int_equal(sla_tick(f, utc(2026, 11, 10, 9, 0)), 0);
	assert_int_equal(sla_tick(f, utc(2026, 11, 10, 9, 1)), 1);
	assert_int_equal(sla_tick(f, utc(2026, 11, 12, 9, 0)), 0);
	outbox(f, &rs);
	assert_int_equal(count_rows(&rs, "webhook", "dpupr", "\"ticket.overdue\""), 2);
	assert_int_equal(count_rows(&rs, "webhook", "dpupr", fresh), 1);
	rows_clear(&rs);

	/* The resolved ticket closes at close_due, not before, with an SMS. */
	assert_int_equal(sla_tick(f, utc(2026, 11, 16, 9, 59)), 0);
	get_ticket(f, done, &c);
	assert_string_equal(c.status, "resolved");
	store_complaint_clear(&c);
	assert_int_equal(sla_tick(f, utc(2026, 11, 16, 10, 0)), 1);
	get_ticket(f, done, &c);
	assert_string_equal(c.status, "closed");
	assert_int_equal(c.close_due, 0);
	store_complaint_clear(&c);
	assert_int_equal(sla_tick(f, utc(2026, 11, 16, 10, 5)), 0);
	outbox(f, &rs);
	w = find_row(&rs, "sms", PHONE, ": closed.");
	assert_contains(w->body, done);
	assert_not_contains(w->body, "automatically");
	w = find_row(&rs, "webhook", "dlh", "\"closed automatically");
	j = parse(w->body);
	assert_string_equal(sget(j, "event"), "ticket.status");
	assert_string_equal(sget(j, "actor"), "aduan");
	assert_contains(sget(j, "note"), "within 10 working days");
	json_decref(j);
	rows_clear(&rs);
}

static void
no_rt_free(struct route_table *rt)
{
	(void)rt;
}

/* With a live config the tick reads the config in force, not the one it is passed. */
static void
test_sla_tick_uses_the_config_in_force(void **state)
{
	struct fixture *f = *state;
	char late[TICKET_DIGITS + 1];
	struct live *live;
	struct conf *c;
	struct rows rs;
	int64_t mon = utc(2026, 11, 2, 9, 0);

	add_ticket(f, "JALAN", "dpupr", "routed", "id", mon, NULL, "late", late);
	assert_non_null(c = fixture_conf(O311_ON));
	live = live_new(c, NULL, no_rt_free);
	assert_int_equal(ticket_sla_tick(NULL, live, f->s, NULL, utc(2026, 11, 9, 9, 1)), 1);
	live_free(live);
	outbox(f, &rs);
	assert_int_equal(count_rows(&rs, "webhook", "dpupr", late), 1);
	assert_int_equal(count_rows(&rs, "webhook", "dpupr", "\"ticket.overdue\""), 1);
	rows_clear(&rs);
}

/* ---- Open311 -------------------------------------------------------------- */

static void
test_open311_services_one_per_rule(void **state)
{
	struct fixture *f = *state;
	struct fetch_res r;
	json_t *j, *s;

	call(f, "GET", "/open311/v2/services.json", NULL, NULL, &r);
	assert_int_equal(r.status, 200);
	j = parse(r.body);
	assert_int_equal(json_array_size(j), 2);
	s = json_array_get(j, 0);
	assert_string_equal(sget(s, "service_code"), "JALAN");
	assert_string_equal(sget(s, "service_name"), "Jalan & jembatan");
	assert_string_equal(sget(s, "description"), "Roads & bridges");
	assert_true(json_is_false(json_object_get(s, "metadata")));
	assert_string_equal(sget(s, "type"), "realtime");
	assert_string_equal(sget(s, "keywords"), "JLN,LUBANG,ROAD");
	assert_string_equal(sget(s, "group"), "DPUPR");
	assert_string_equal(sget(json_array_get(j, 1), "group"), "DLH");
	json_decref(j);
	fetch_res_clear(&r);

	call(f, "GET", "/open311/v2/services.xml", NULL, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_contains(r.body, "<services><service><service_code>JALAN</service_code>");
	assert_contains(r.body, "<service_name>Jalan &amp; jembatan</service_name>");
	assert_contains(r.body, "<metadata>false</metadata>");
	assert_contains(r.body, "</service></services>");
	fetch_res_clear(&r);

	call(f, "GET", "/open311/v2/services.csv", NULL, NULL, &r);
	assert_int_equal(r.status, 404);
	fetch_res_clear(&r);
}

/* Numbers of the requests in a GeoReport JSON answer, in order, space-separated. */
static void
request_ids(const char *body, char *out, size_t outsz)
{
	json_t *j = parse(body), *o;
	size_t i, n = 0;

	out[0] = '\0';
	json_array_foreach(j, i, o) {
		snprintf(out + n, outsz - n, "%s%s", n > 0 ? " " : "",
		    sget(o, "service_request_id"));
		n = strlen(out);
	}
	json_decref(j);
}

static void
test_open311_requests_filters_and_one_by_id(void **state)
{
	struct fixture *f = *state;
	char a[TICKET_DIGITS + 1], b[TICKET_DIGITS + 1], c3[TICKET_DIGITS + 1];
	char ids[256], want[256], path[128];
	struct store_complaint c;
	struct fetch_res r;
	json_t *j, *o;

	add_ticket(f, "JALAN", "dpupr", "routed", "id", utc(2026, 11, 2, 8, 0), "Jl. Pemuda",
	    "lubang, hubungi saya 0812-3456-7890", a);
	add_ticket(f, "SAMPAH", "dlh", "routed", "id", utc(2026, 11, 10, 8, 0), NULL,
	    "sampah menumpuk, WA +6281234567890", b);
	add_ticket(f, "JALAN", "dpupr", "routed", "id", utc(2026, 11, 20, 8, 0), NULL,
	    "retak 125.000.000 rupiah", c3);
	get_ticket(f, b, &c);
	assert_int_equal(apply(f, &c, "dlh", "in_progress", "sudah diangkut", NULL,
	    utc(2026, 11, 11, 8, 0)), 0);
	assert_int_equal(apply(f, &c, "dlh", "resolved", NULL, NULL,
	    utc(2026, 11, 12, 8, 0)), 0);
	assert_int_equal(apply(f, &c, "dlh", "closed", NULL, NULL, utc(2026, 11, 26, 8, 0)), 0);
	store_complaint_clear(&c);

	call(f, "GET", "/open311/v2/requests.json", NULL, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_not_contains(r.body, PHONE_DIGITS);
	assert_not_contains(r.body, "3456");
	assert_contains(r.body, "125.000.000");
	request_ids(r.body, ids, sizeof ids);
	snprintf(want, sizeof want, "%s %s %s", c3, b, a);
	assert_string_equal(ids, want);
	j = parse(r.body);
	o = json_array_get(j, 1);
	assert_string_equal(sget(o, "status"), "closed");
	assert_string_equal(sget(o, "status_notes"), "sudah diangkut");
	assert_string_equal(sget(o, "service_code"), "SAMPAH");
	assert_string_equal(sget(o, "service_name"), "Sampah");
	assert_string_equal(sget(o, "agency_responsible"), "Dinas Lingkungan Hidup");
	assert_string_equal(sget(o, "requested_datetime"), "2026-11-10T08:00:00Z");
	assert_string_equal(sget(o, "updated_datetime"), "2026-11-26T08:00:00Z");
	assert_true(json_is_null(json_object_get(o, "expected_datetime")));
	assert_null(json_object_get(o, "lat"));
	o = json_array_get(j, 2);
	assert_string_equal(sget(o, "status"), "open");
	assert_string_equal(sget(o, "status_notes"), "routed");
	assert_string_equal(sget(o, "address"), "Jl. Pemuda");
	assert_string_equal(sget(o, "expected_datetime"), "2026-11-09T08:00:00Z");
	json_decref(j);
	fetch_res_clear(&r);

	call(f, "GET", "/open311/v2/requests.json?status=open", NULL, NULL, &r);
	request_ids(r.body, ids, sizeof ids);
	snprintf(want, sizeof want, "%s %s", c3, a);
	assert_string_equal(ids, want);
	fetch_res_clear(&r);
	call(f, "GET", "/open311/v2/requests.json?status=closed", NULL, NULL, &r);
	request_ids(r.body, ids, sizeof ids);
	assert_string_equal(ids, b);
	fetch_res_clear(&r);

	call(f, "GET", "/open311/v2/requests.json?service_code=JALAN", NULL, NULL, &r);
	request_ids(r.body, ids, sizeof ids);
	snprintf(want, sizeof want, "%s %s", c3, a);
	assert_string_equal(ids, want);
	fetch_res_clear(&r);
	call(f, "GET", "/open311/v2/requests.json?service_code=sampah,JALAN&limit=2", NULL, NULL,
	    &r);
	request_ids(r.body, ids, sizeof ids);
	snprintf(want, sizeof want, "%s %s", c3, b);
	assert_string_equal(ids, want);
	fetch_res_clear(&r);

	call(f, "GET", "/open311/v2/requests.json?start_date=2026-11-05T00:00:00Z"
	    "&end_date=2026-11-15", NULL, NULL, &r);
	request_ids(r.body, ids, sizeof ids);
	assert_string_equal(ids, b);
	fetch_res_clear(&r);
	call(f, "GET", "/open311/v2/requests.json?end_date=2026-11-10T08:00:00Z", NULL, NULL,
	    &r);
	request_ids(r.body, ids, sizeof ids);
	snprintf(want, sizeof want, "%s %s", b, a);
	assert_string_equal(ids, want);
	fetch_res_clear(&r);

	call(f, "GET", "/open311/v2/requests.json?status=pending", NULL, NULL, &r);
	assert_int_equal(r.status, 400);
	j = parse(r.body);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(j, 0), "code")), 400);
	json_decref(j);
	fetch_res_clear(&r);
	call(f, "GET", "/open311/v2/requests.json?start_date=last-week", NULL, NULL, &r);
	assert_int_equal(r.status, 400);
	fetch_res_clear(&r);
	call(f, "GET", "/open311/v2/requests.json?limit=1001", NULL, NULL, &r);
	assert_int_equal(r.status, 400);
	fetch_res_clear(&r);

	snprintf(path, sizeof path, "/open311/v2/requests/%s.json", a);
	call(f, "GET", path, NULL, NULL, &r);
	assert_int_equal(r.status, 200);
	request_ids(r.body, ids, sizeof ids);
	assert_string_equal(ids, a);
	assert_not_contains(r.body, "3456");
	fetch_res_clear(&r);

	call(f, "GET", "/open311/v2/requests/12345678.json", NULL, NULL, &r);
	assert_int_equal(r.status, 404);
	fetch_res_clear(&r);
	call(f, "GET", "/open311/v2/requests/12345678.xml", NULL, NULL, &r);
	assert_int_equal(r.status, 404);
	assert_contains(r.body, "<errors><error><code>404</code>");
	fetch_res_clear(&r);
}

/*
 * A small well-formedness check: every tag closed in order, every '&' an
 * entity, no '<' or '>' inside text.
 */
static int
xml_well_formed(const char *s)
{
	const char *stack[64];
	size_t lens[64], depth = 0, n;

	if (strncmp(s, "<?xml", 5) == 0 && (s = strstr(s, "?>")) != NULL)
		s += 2;
	while (s != NULL && *s != '\0') {
		if (*s == '<') {
			int closing = s[1] == '/';
			const char *name = s + 1 + closing;

			n = strcspn(name, ">");
			if (name[n] != '>' || n == 0 || memchr(name, '<', n) != NULL)
				return 0;
			if (closing) {
				if (depth == 0 || lens[depth - 1] != n ||
				    strncmp(stack[depth - 1], name, n) != 0)
					return 0;
				depth--;
			} else {
				if (depth == ARRAY_LEN(stack))
					return 0;
				stack[depth] = name;
				lens[depth++] = n;
			}
			s = name + n + 1;
		} else if (*s == '&') {
			if (strncmp(s, "&amp;", 5) != 0 && strncmp(s, "&lt;", 4) != 0 &&
			    strncmp(s, "&gt;", 4) != 0 && strncmp(s, "&quot;", 6) != 0 &&
			    strncmp(s, "&apos;", 6) != 0)
				return 0;
			s++;
		} else if (*s == '>')
			return 0;
		else
			s++;
	}
	return depth == 0;
}

static void
test_open311_xml_escapes_and_never_shows_a_phone(void **state)
{
	struct fixture *f = *state;
	char a[TICKET_DIGITS + 1], path[128];
	struct fetch_res r;

	add_ticket(f, "JALAN", "dpupr", "routed", "id", utc(2026, 11, 2, 8, 0),
	    "Jl. A & B <dekat> pasar", "Lubang & \"besar\" <dalam> 'sekali' 081234567890", a);
	call(f, "GET", "/open311/v2/requests.xml", NULL, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_true(xml_well_formed(r.body));
	assert_contains(r.body, "<service_requests><request><service_request_id>");
	assert_contains(r.body, "<description>Lubang &amp; &quot;besar&quot; &lt;dalam&gt; "
	    "&apos;sekali&apos; ***</description>");
	assert_contains(r.body, "<address>Jl. A &amp; B &lt;dekat&gt; pasar</address>");
	assert_contains(r.body, "<status>open</status>");
	assert_not_contains(r.body, PHONE_DIGITS);
	assert_not_contains(r.body, "<lat>");
	fetch_res_clear(&r);

	snprintf(path, sizeof path, "/open311/v2/requests/%s.xml", a);
	call(f, "GET", path, NULL, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_true(xml_well_formed(r.body));
	assert_not_contains(r.body, PHONE_DIGITS);
	fetch_res_clear(&r);
}


static void
test_open311_is_off_unless_the_config_enables_it(void **state)
{
	struct fixture *f = *state;
	char a[TICKET_DIGITS + 1], path[128];
	struct fetch_res r;

	add_ticket(f, "JALAN", "dpupr", "routed", "id", utc(2026, 11, 2, 8, 0), NULL,
	    "lubang besar", a);
	use_conf(f, "");
	snprintf(path, sizeof path, "/open311/v2/requests/%s.json", a);
	call(f, "GET", "/open311/v2/services.json", NULL, NULL, &r);
	assert_int_equal(r.status, 404);
	fetch_res_clear(&r);
	call(f, "GET", "/open311/v2/requests.json", NULL, NULL, &r);
	assert_int_equal(r.status, 404);
	assert_not_contains(r.body, a);
	fetch_res_clear(&r);
	call(f, "GET", path, NULL, NULL, &r);
	assert_int_equal(r.status, 404);
	assert_not_contains(r.body, "lubang");
	fetch_res_clear(&r);
}

static void
test_open311_unknown_service_codes_are_400(void **state)
{
	struct fixture *f = *state;
	struct fetch_res r;
	json_t *j;

	call(f, "GET", "/open311/v2/requests.json?service_code=JALAN,NOPE", NULL, NULL, &r);
	assert_int_equal(r.status, 400);
	j = parse(r.body);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(j, 0), "code")), 400);
	assert_contains(sget(json_array_get(j, 0), "description"), "unknown service_code 'NOPE'");
	json_decref(j);
	fetch_res_clear(&r);
	call(f, "GET", "/open311/v2/requests.json?service_code=A1,A2,A3,A4,A5,A6,A7,A8,A9,A10",
	    NULL, NULL, &r);
	assert_int_equal(r.status, 400);
	assert_contains(r.body, "unknown service_code 'A1'");
	fetch_res_clear(&r);
	call(f, "GET", "/open311/v2/requests.json?service_code=JALAN,SAMPAH,JALAN,SAMPAH,JALAN,"
	    "SAMPAH,JALAN,SAMPAH,JALAN,SAMPAH,JALAN", NULL, NULL, &r);
	assert_int_equal(r.status, 200);       /* repeats count once */
	fetch_res_clear(&r);
	call(f, "GET", "/open311/v2/requests.json?limit=201", NULL, NULL, &r);
	assert_int_equal(r.status, 400);
	fetch_res_clear(&r);
	call(f, "GET", "/open311/v2/requests.json?start_date=2026-01-01&end_date=2026-06-01",
	    NULL, NULL, &r);
	assert_int_equal(r.status, 400);
	assert_contains(r.body, "90 days");
	fetch_res_clear(&r);
}

static void
test_open311_too_many_requests_from_one_address_is_429(void **state)
{
	struct fixture *f = *state;
	struct fetch_res r;
	char raw[4096];
	int i;

	use_conf(f, "open311 = { enabled = true; requests_per_minute = 1; burst = 3; };\n");
	for (i = 0; i < 3; i++) {
		call(f, "GET", "/open311/v2/services.json", NULL, NULL, &r);
		assert_int_equal(r.status, 200);
		fetch_res_clear(&r);
	}
	call(f, "GET", "/open311/v2/requests.json", NULL, NULL, &r);
	assert_int_equal(r.status, 429);
	assert_contains(r.body, "too many requests");
	fetch_res_clear(&r);
	raw_get(f, "/open311/v2/services.json", raw, sizeof raw);
	assert_contains(raw, " 429 ");
	assert_contains(raw, "Retry-After: ");
}

static void
test_open311_never_shows_withdrawn_or_rejected_tickets(void **state)
{
	struct fixture *f = *state;
	char a[TICKET_DIGITS + 1], w[TICKET_DIGITS + 1], x[TICKET_DIGITS + 1];
	char c4[TICKET_DIGITS + 1], ids[256], want[64], path[128];
	struct fetch_res r;

	add_ticket(f, "JALAN", "dpupr", "routed", "id", utc(2026, 11, 2, 8, 0), NULL, "lubang", a);
	add_ticket(f, "JALAN", "dpupr", "withdrawn", "id", utc(2026, 11, 3, 8, 0), NULL,
	    "batal", w);
	add_ticket(f, "SAMPAH", "dlh", "rejected", "id", utc(2026, 11, 4, 8, 0), NULL, "spam", x);
	add_ticket(f, "SAMPAH", "dlh", "closed", "id", utc(2026, 11, 5, 8, 0), NULL, "selesai",
	    c4);
	call(f, "GET", "/open311/v2/requests.json", NULL, NULL, &r);
	assert_int_equal(r.status, 200);
	request_ids(r.body, ids, sizeof ids);
	snprintf(want, sizeof want, "%s %s", c4, a);
	assert_string_equal(ids, want);
	fetch_res_clear(&r);
	call(f, "GET", "/open311/v2/requests.json?status=closed", NULL, NULL, &r);
	request_ids(r.body, ids, sizeof ids);
	assert_string_equal(ids, c4);
	fetch_res_clear(&r);
	call(f, "GET", "/open311/v2/requests.json?service_code=SAMPAH", NULL, NULL, &r);
	request_ids(r.body, ids, sizeof ids);
	assert_string_equal(ids, c4);
	fetch_res_clear(&r);
	snprintf(path, sizeof path, "/open311/v2/requests/%s.json", w);
	call(f, "GET", path, NULL, NULL, &r);
	assert_int_equal(r.status, 404);
	assert_not_contains(r.body, "batal");
	fetch_res_clear(&r);
	snprintf(path, sizeof path, "/open311/v2/requests/%s.xml", x);
	call(f, "GET", path, NULL, NULL, &r);
	assert_int_equal(r.status, 404);
	fetch_res_clear(&r);
}

/* The digits of s in order, ASCII only. */
static void
digits_of(const char *s, char *out, size_t outsz)
{
	size_t n = 0;

	for (; *s != '\0' && n + 1 < outsz; s++)
		if (*s >= '0' && *s <= '9')
			out[n++] = *s;
	out[n] = '\0';
}

static void
test_open311_hides_numbers_in_every_form_and_text_unless_published(void **state)
{
	struct fixture *f = *state;
	char a[TICKET_DIGITS + 1], path[128], *digits;
	struct store_complaint c;
	struct fetch_res r;
	json_t *j, *o;

	add_ticket(f, "JALAN", "dpupr", "routed", "id", utc(2026, 11, 2, 8, 0),
	    "depan no (0812) 3456-7890",
	    "lubang RT 05 RW 03 sudah 2 minggu, hubungi0813_2222_3333 atau "
	    "\xef\xbc\x90\xef\xbc\x98\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93\xef\xbc\x94"
	    "\xef\xbc\x95\xef\xbc\x96\xef\xbc\x97\xef\xbc\x98\xef\xbc\x99\xef\xbc\x90"
	    " / 8123456789, NIK 3374 0123 4567 0001, tiket lama 48219303", a);
	get_ticket(f, a, &c);
	assert_int_equal(apply(f, &c, "dpupr", "in_progress",
	    "sudah kami telepon ke 0812x3456x7890", NULL, utc(2026, 11, 3, 8, 0)), 0);
	store_complaint_clear(&c);

	snprintf(path, sizeof path, "/open311/v2/requests/%s.json", a);
	call(f, "GET", path, NULL, NULL, &r);
	assert_int_equal(r.status, 200);
	j = parse(r.body);
	o = json_array_get(j, 0);
	assert_string_equal(sget(o, "description"), "lubang RT 05 RW 03 sudah 2 minggu, "
	    "hubungi*** atau ***, NIK ***, tiket lama 48219303");
	assert_string_equal(sget(o, "address"), "depan no ***");
	assert_string_equal(sget(o, "status_notes"), "sudah kami telepon ke ***");
	json_decref(j);
	digits = xmalloc(strlen(r.body) + 1);
	digits_of(r.body, digits, strlen(r.body) + 1);
	assert_not_contains(digits, "234567890");
	free(digits);
	fetch_res_clear(&r);

	/* Not published: the category instead of the text, no address. */
	use_conf(f, "open311 = { enabled = true; requests_per_minute = 100000; "
	    "burst = 100000; };\n");
	call(f, "GET", "/open311/v2/requests.json", NULL, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_not_contains(r.body, "lubang");
	assert_not_contains(r.body, "depan");
	j = parse(r.body);
	o = json_array_get(j, 0);
	assert_string_equal(sget(o, "description"), "Jalan & jembatan");
	assert_true(json_is_null(json_object_get(o, "address")));
	json_decref(j);
	fetch_res_clear(&r);
}

/*
 * A ticket no agency wrote a note on, asked for alone.  The whole binary
 * runs with M_PERTURB (as GLIBC_TUNABLES=glibc.malloc.perturb=85 would):
 * every malloc hands back dirty memory, so a buffer read before it is
 * written shows as garbage or a crash instead of passing by luck.
 */
static void
test_open311_one_request_without_a_note_on_dirty_memory(void **state)
{
	struct fixture *f = *state;
	char a[TICKET_DIGITS + 1], path[128];
	struct fetch_res r;
	json_t *j;
	int i;

	add_ticket(f, "JALAN", "dpupr", "routed", "id", utc(2026, 11, 2, 8, 0), NULL,
	    "lubang besar", a);
	snprintf(path, sizeof path, "/open311/v2/requests/%s.json", a);
	for (i = 0; i < 20; i++) {
		call(f, "GET", path, NULL, NULL, &r);
		assert_int_equal(r.status, 200);
		j = parse(r.body);
		assert_int_equal(json_array_size(j), 1);
		assert_string_equal(sget(json_array_get(j, 0), "service_request_id"), a);
		assert_string_equal(sget(json_array_get(j, 0), "status_notes"), "routed");
		json_decref(j);
		fetch_res_clear(&r);
	}
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_api_without_or_with_a_wrong_token_is_401),
		T(test_list_shows_only_the_agencys_own_tickets),
		T(test_cursor_pages_cover_every_ticket_once_newest_first),
		T(test_list_filters_and_their_400s),
		T(test_another_agencys_ticket_reads_exactly_like_an_unknown_one),
		T(test_one_ticket_has_events_with_citizen_notes_and_no_phone),
		T(test_allowed_changes_are_200_and_others_409_or_400),
		T(test_reroute_by_triage_moves_the_ticket_and_tells_the_new_agency),
		T(test_reroute_by_another_agency_is_refused),
		T(test_status_change_texts_the_citizen_in_their_language),
		T(test_the_longest_note_is_cut_to_three_sms),
		T(test_no_sms_after_the_citizen_sent_stop),
		T(test_internal_notes_reach_neither_the_citizen_nor_open311),
		T(test_triage_reads_and_reroutes_a_ticket_a_rule_routed),
		T(test_agency_returns_a_ticket_to_triage_and_the_citizen_is_not_told_rejected),
		T(test_a_resolved_ticket_cannot_be_returned),
		T(test_rejection_kinds_and_a_duplicate_linked_to_its_original),
		T(test_events_and_webhooks_say_who_acted),
		T(test_config_checks_named_tokens_and_reads_status_notes),
		T(test_reopened_ticket_is_told_to_the_agency_and_has_a_due_date),
		T(test_webhook_payload_fields_with_masked_or_full_phone),
		T(test_sla_init_counts_working_days_without_weekends_and_holidays),
		T(test_sla_tick_reminds_once_and_closes_resolved_tickets),
		T(test_sla_tick_uses_the_config_in_force),
		T(test_open311_services_one_per_rule),
		T(test_open311_requests_filters_and_one_by_id),
		T(test_open311_xml_escapes_and_never_shows_a_phone),
		T(test_open311_one_request_without_a_note_on_dirty_memory),
		T(test_open311_is_off_unless_the_config_enables_it),
		T(test_open311_unknown_service_codes_are_400),
		T(test_open311_too_many_requests_from_one_address_is_429),
		T(test_open311_never_shows_withdrawn_or_rejected_tickets),
		T(test_open311_hides_numbers_in_every_form_and_text_unless_published),
	};
#undef T
	int rc;

	setenv("TZ", "UTC", 1);
	tzset();
	/* Dirty memory from every malloc: a read before a write cannot pass by luck. */
	mallopt(M_PERTURB, 85);
	if (fetch_init() != 0)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	fetch_cleanup();
	return rc;
}
