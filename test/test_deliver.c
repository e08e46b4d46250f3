/*
 * test_deliver: the outbox leaving Aduan, seen from both ends.  A real
 * store (SQLite in a mkdtemp() directory) holds rows queued with
 * store_outbox_add(); stand-ins on loopback HTTP play the other side: an
 * agency receiver that verifies every request the way an agency must (the
 * HMAC-SHA256 over "<t>.<raw body>" recomputed here with OpenSSL, the
 * Idempotency-Key present) and answers as told (200, 500, 429, 400, or
 * hangs past the timeout), and a Kannel sendsms for SMS rows.
 *
 * deliver_run_once() is driven with chosen times, so the back-off, the
 * lease and the give-up rules are checked to the second without waiting;
 * only the worker test runs on the wall clock, with generous bounds.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <inttypes.h>
#include <jansson.h>
#include <malloc.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf/conf.h"
#include "net/http.h"
#include "outbox/deliver.h"
#include "store/store.h"
#include "test/faultvfs.h"
#include "net/fetch.h"
#include "util/log.h"
#include "util/util.h"

#define SECRET          "dpupr-webhook-secret-0123"
#define PHONE           "+6281234567890"
#define T0              INT64_C(1767225600)    /* 2026-01-01T00:00:00Z */
#define INITIAL         30
#define BACKOFF_MAX     3600
#define MAX_ATTEMPTS    5
#define TIMEOUT         1
#define MAX_KEYS        128

/* The agency's side: what it checked and saw, and how it answers. */
struct agency {
	pthread_mutex_t mu;
	struct http_server *srv;
	int status;             /* answer */
	int hang_s;             /* sleep before answering */
	int fill_disk;          /* the disk fills up while the request is in flight */
	int calls;
	int bad;                /* requests that failed verification */
	char why[256];          /* the first failure */
	int64_t last_t;
	char last_body[512];
	struct {
		char key[160];
		int n;
	} keys[MAX_KEYS];
	int nkeys;
};

struct kannel {
	pthread_mutex_t mu;
	struct http_server *srv;
	int status;
	int calls;
	char to[32];
	char text[256];
	char dlr_url[512];
};

struct fixture {
	char dir[64];
	struct store *s;
	struct conf *conf;
	struct agency ag;
	struct kannel kn;
	int seq;
};

static const struct store_options opts = { .sync_full = 0, .busy_timeout_ms = 2000 };

/* ---- the agency receiver ----------------------------------------------------- */

/* Recomputes the signature as an agency would: 1 valid, 0 not. */
static int
signature_valid(const char *header, const char *body, size_t len, int64_t *t)
{
	unsigned char mac[EVP_MAX_MD_SIZE], given[32];
	unsigned int maclen = 0, i;
	char *msg, *end;
	const char *v1;
	long long ts;
	size_t tslen;
	int ok;

	if (header == NULL || strncmp(header, "t=", 2) != 0)
		return 0;
	ts = strtoll(header + 2, &end, 10);
	if (end == header + 2 || strncmp(end, ",v1=", 4) != 0)
		return 0;
	v1 = end + 4;
	if (strlen(v1) != 64)
		return 0;
	for (i = 0; i < 32; i++) {
		unsigned int byte;

		if (sscanf(v1 + 2 * i, "%2x", &byte) != 1)
			return 0;
		given[i] = (unsigned char)byte;
	}
	tslen = (size_t)(end - (header + 2));
	msg = xmalloc(tslen + 1 + len);
	memcpy(msg, header + 2, tslen);
	msg[tslen] = '.';
	memcpy(msg + tslen + 1, body, len);
	HMAC(EVP_sha256(), SECRET, (int)strlen(SECRET), (unsigned char *)msg, tslen + 1 + len,
	    mac, &maclen);
	free(msg);
	ok = maclen == 32 && CRYPTO_memcmp(mac, given, 32) == 0;
	*t = ts;
	return ok;
}

static void
agency_reject(struct agency *a, const char *why)
{
	a->bad++;
	if (a->why[0] == '\0')
		str_copy(a->why, sizeof a->why, why);
}

static void
agency_handler(void *ctx, const struct http_request *req, struct http_response *res)
{
	struct agency *a = ctx;
	const char *body, *key, *ct, *ua;
	size_t len = 0;
	int64_t t = 0;
	int status, hang, i, valid;

	body = http_body(req, &len);
	if (body == NULL)
		body = "";
	key = http_header(req, "Idempotency-Key");
	ct = http_header(req, "Content-Type");
	ua = http_header(req, "User-Agent");
	valid = signature_valid(http_header(req, "X-Aduan-Signature"), body, len, &t);

	pthread_mutex_lock(&a->mu);
	a->calls++;
	if (!valid)
		agency_reject(a, "bad signature");
	else if (key == NULL || *key == '\0')
		agency_reject(a, "no Idempotency-Key");
	else if (ct == NULL || strcmp(ct, "application/json") != 0)
		agency_reject(a, "Content-Type is not application/json");
	else if (ua == NULL || strcmp(ua, "aduan") != 0)
		agency_reject(a, "User-Agent is not aduan");
	else {
		a->last_t = t;
		str_copy(a->last_body, sizeof a->last_body, body);
		for (i = 0; i < a->nkeys && strcmp(a->keys[i].key, key) != 0; i++)
			continue;
		if (i == a->nkeys && a->nkeys < MAX_KEYS)
			str_copy(a->keys[a->nkeys++].key, sizeof a->keys[0].key, key);
		if (i < MAX_KEYS)
			a->keys[i].n++;
	}
	status = a->status;
	hang = a->hang_s;
	if (a->fill_disk)
		faultvfs_fail_all(SQLITE_FULL);
	pthread_mutex_unlock(&a->mu);

	if (hang > 0)
		sleep((unsigned)hang);
	if (!valid)
		status = 401;
	http_respond(res, status, "application/json", "{\"error\":\"as told\"}", 19);
}

static void
agency_set(struct agency *a, int status, int hang_s)
{
	pthread_mutex_lock(&a->mu);
	a->status = status;
	a->hang_s = hang_s;
	pthread_mutex_unlock(&a->mu);
}

/* How many verified requests carried this key. */
static int
agency_count(struct agency *a, const char *key)
{
	int i, n = 0;

	pthread_mutex_lock(&a->mu);
	for (i = 0; i < a->nkeys; i++)
		if (strcmp(a->keys[i].key, key) == 0)
			n = a->keys[i].n;
	pthread_mutex_unlock(&a->mu);
	return n;
}

static void
assert_agency_clean(struct agency *a)
{
	pthread_mutex_lock(&a->mu);
	if (a->bad != 0)
		fail_msg("the agency rejected %d requests, first: %s", a->bad, a->why);
	pthread_mutex_unlock(&a->mu);
}

/* ---- the Kannel stand-in ------------------------------------------------------ */

static void
kannel_handler(void *ctx, const struct http_request *req, struct http_response *res)
{
	struct kannel *k = ctx;
	const char *v;
	int status;

	pthread_mutex_lock(&k->mu);
	k->calls++;
	str_copy(k->to, sizeof k->to, (v = http_param(req, "to", NULL)) ? v : "");
	str_copy(k->text, sizeof k->text, (v = http_param(req, "text", NULL)) ? v : "");
	str_copy(k->dlr_url, sizeof k->dlr_url, (v = http_param(req, "dlr-url", NULL)) ? v : "");
	status = k->status;
	pthread_mutex_unlock(&k->mu);
	http_respond_text(res, status, status == 202 ? "0: Accepted for delivery" :
	    "Not routable. Do not try again.");
}

/* ---- fixture ------------------------------------------------------------------ */

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

static struct http_server *
serve(const char *path, unsigned methods, http_handler fn, void *ctx)
{
	struct http_options o = { "127.0.0.1", 0, 4, 65536 };
	struct http_route r = { path, methods, fn, ctx };
	char err[256];
	struct http_server *srv = http_start(&o, &r, 1, err, sizeof err);

	if (srv == NULL)
		print_error("stand-in %s: %s\n", path, err);
	return srv;
}

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);
	struct conf_errors *errs = xcalloc(1, sizeof *errs);
	char text[4096], err[256], path[128];
	int i;

	log_set_level(LOG_LEVEL_ERROR);
	if (fetch_init() == -1)
		return -1;
	pthread_mutex_init(&f->ag.mu, NULL);
	pthread_mutex_init(&f->kn.mu, NULL);
	f->ag.status = 200;
	f->kn.status = 202;
	if ((f->ag.srv = serve("/hook", HTTP_POST, agency_handler, &f->ag)) == NULL ||
	    (f->kn.srv = serve("/cgi-bin/sendsms", HTTP_GET, kannel_handler, &f->kn)) == NULL)
		return -1;

	snprintf(text, sizeof text,
	    "server = { public_url = \"https://aduan.example.org\"; };\n"
	    "delivery = { workers = 2; max_attempts = %d; backoff_initial = %d;\n"
	    "  backoff_max = %d; timeout = %d; };\n"
	    "gateways = { kannel = { secret = \"kannel-secret-123\"; }; };\n"
	    "sms_sender = { type = \"kannel\"; url = \"http://127.0.0.1:%d/cgi-bin/sendsms\";\n"
	    "  username = \"aduan\"; password = \"secret\"; };\n"
	    "agencies = ( { id = \"dpupr\"; name = \"Dinas PU\"; short_name = \"DPUPR\";\n"
	    "    webhook = \"http://127.0.0.1:%d/hook\"; webhook_secret = \"" SECRET "\"; },\n"
	    "  { id = \"dlh\"; name = \"Dinas LH\"; short_name = \"DLH\"; },\n"
	    "  { id = \"diskominfo\"; name = \"Diskominfo\"; short_name = \"Diskominfo\"; } );\n"
	    "triage = \"diskominfo\";\n"
	    "rules = ( { keyword = \"JALAN\"; agency = \"dpupr\"; label = { id = \"Jalan\"; }; } );\n",
	    MAX_ATTEMPTS, INITIAL, BACKOFF_MAX, TIMEOUT, http_port(f->kn.srv),
	    http_port(f->ag.srv));
	if ((f->conf = conf_load_string(text, 0, errs)) == NULL) {
		for (i = 0; i < errs->n; i++)
			print_error("line %d: %s\n", errs->e[i].line, errs->e[i].msg);
		return -1;
	}
	free(errs);

	snprintf(f->dir, sizeof f->dir, "/tmp/aduan-deliver-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	/* Through the fault VFS: every call passes unless a test makes writes fail. */
	faultvfs_register();
	faultvfs_off();
	snprintf(path, sizeof path, "file:%s/aduan.db?vfs=%s", f->dir, FAULTVFS);
	if ((f->s = store_open(path, &opts, err, sizeof err)) == NULL) {
		print_error("store_open %s: %s\n", path, err);
		return -1;
	}
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	http_stop(f->ag.srv);
	http_stop(f->kn.srv);
	faultvfs_off();
	store_close(f->s);
	remove_dir(f->dir);
	conf_free(f->conf);
	pthread_mutex_destroy(&f->ag.mu);
	pthread_mutex_destroy(&f->kn.mu);
	free(f);
	fetch_cleanup();
	return 0;
}

/* ---- helpers ------------------------------------------------------------------ */

/* Queues a row at `at`; returns its idem key in key. */
static void
queue(struct fixture *f, const char *kind, const char *recipient, const char *body,
    int64_t at, char *key, size_t keysz)
{
	struct store_outbox_new o = { 0 };

	snprintf(key, keysz, "test-%s-%d", kind, ++f->seq);
	o.kind = kind;
	o.recipient = recipient;
	o.body = body;
	o.idem_key = key;
	o.created_at = at;
	assert_int_equal(store_outbox_add(f->s, &o), 1);
}

struct find {
	const char *key;
	struct store_outbox_row row;
	int found;
};

static void
find_cb(void *arg, const struct store_outbox_row *r)
{
	struct find *fd = arg;

	if (strcmp(r->idem_key, fd->key) != 0)
		return;
	fd->row = *r;
	fd->row.body = NULL;    /* owned by the store's iteration */
	fd->found = 1;
}

/* The row queued with this key, as the store has it now. */
static struct store_outbox_row
row_of(struct fixture *f, const char *key)
{
	struct find fd = { 0 };

	fd.key = key;
	assert_int_equal(store_outbox_each(f->s, NULL, 1000, find_cb, &fd), 0);
	if (!fd.found)
		fail_msg("no outbox row with key %s", key);
	return fd.row;
}

static void
assert_state(struct fixture *f, const char *key, const char *state, int attempts)
{
	struct store_outbox_row r = row_of(f, key);

	if (strcmp(r.state, state) != 0 || r.attempts != attempts)
		fail_msg("row %s: state %s after %d attempts (%s), wanted %s after %d", key,
		    r.state, r.attempts, r.last_error, state, attempts);
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#define BODY "{\"ticket\":\"48219303\",\"event\":\"created\"}"

/* ---- webhooks ------------------------------------------------------------------ */

static void
test_webhook_200_is_sent_signed_and_keyed(void **state)
{
	struct fixture *f = *state;
	char key[64];

	queue(f, "webhook", "dpupr", BODY, T0, key, sizeof key);
	assert_int_equal(deliver_run_once(f->conf, f->s, T0), 1);
	assert_state(f, key, "sent", 1);
	assert_agency_clean(&f->ag);
	assert_int_equal(agency_count(&f->ag, key), 1);
	assert_int_equal(f->ag.last_t, T0);
	/* The row's members, and the event id and sequence (sorted keys). */
	assert_non_null(strstr(f->ag.last_body, "{\"event\":\"created\",\"event_id\":\""));
	assert_non_null(strstr(f->ag.last_body, "\"seq\":"));
	assert_non_null(strstr(f->ag.last_body, ",\"ticket\":\"48219303\"}"));
	/* Nothing is left to do. */
	assert_int_equal(deliver_run_once(f->conf, f->s, T0 + 86400), 0);
}

/*
 * What the agency received last: its event_id (32 hex digits) and seq.
 * The agency's handler stored the body only after the signature over the
 * whole raw body checked out, so both were signed.
 */
static void
last_ids(struct agency *a, char *id, size_t idsz, json_int_t *seq)
{
	json_t *j, *e, *q;
	size_t i;

	pthread_mutex_lock(&a->mu);
	j = json_loads(a->last_body, 0, NULL);
	pthread_mutex_unlock(&a->mu);
	if (j == NULL)
		fail_msg("the webhook body is not JSON: %s", a->last_body);
	e = json_object_get(j, "event_id");
	q = json_object_get(j, "seq");
	if (!json_is_string(e) || strlen(json_string_value(e)) != 32)
		fail_msg("expected \"event_id\" of 32 hex digits in %s", a->last_body);
	for (i = 0; i < 32; i++)
		assert_non_null(strchr("0123456789abcdef", json_string_value(e)[i]));
	if (!json_is_integer(q) || json_integer_value(q) < 1)
		fail_msg("expected a positive integer \"seq\" in %s", a->last_body);
	assert_string_equal(json_string_value(json_object_get(j, "ticket")), "48219303");
	str_copy(id, idsz, json_string_value(e));
	*seq = json_integer_value(q);
	json_decref(j);
}

/*
 * Idempotency-Key is a header, outside the signature: a captured delivery
 * could be replayed under a new key.  The body itself carries an event id
 * (the same on every attempt of one event, another for the next event) and
 * a sequence number that grows with each event of the ticket, both under
 * the signature the agency checked.
 */
static void
test_webhook_body_signs_event_id_and_seq(void **state)
{
	struct fixture *f = *state;
	struct store_outbox_row r;
	char k1[64], k2[64], k3[64], id1[40], id1b[40], id2[40], id3[40];
	json_int_t s1, s1b, s2, s3;

	agency_set(&f->ag, 500, 0);
	queue(f, "webhook", "dpupr", BODY, T0, k1, sizeof k1);
	assert_int_equal(deliver_run_once(f->conf, f->s, T0), 1);
	last_ids(&f->ag, id1, sizeof id1, &s1);
	/* The retry of the same event: the same id and sequence. */
	agency_set(&f->ag, 200, 0);
	r = row_of(f, k1);
	assert_int_equal(deliver_run_once(f->conf, f->s, r.next_attempt_at), 1);
	assert_state(f, k1, "sent", 2);
	last_ids(&f->ag, id1b, sizeof id1b, &s1b);
	assert_string_equal(id1b, id1);
	assert_int_equal(s1b, s1);
	/* The ticket's next events: new ids, growing sequence. */
	queue(f, "webhook", "dpupr", BODY, r.next_attempt_at, k2, sizeof k2);
	assert_int_equal(deliver_run_once(f->conf, f->s, r.next_attempt_at), 1);
	last_ids(&f->ag, id2, sizeof id2, &s2);
	queue(f, "webhook", "dpupr", BODY, r.next_attempt_at + 1, k3, sizeof k3);
	assert_int_equal(deliver_run_once(f->conf, f->s, r.next_attempt_at + 1), 1);
	last_ids(&f->ag, id3, sizeof id3, &s3);
	assert_string_not_equal(id2, id1);
	assert_string_not_equal(id3, id2);
	assert_string_not_equal(id3, id1);
	assert_true(s1 < s2);
	assert_true(s2 < s3);
	assert_agency_clean(&f->ag);
}

static void
test_webhook_500_waits_the_first_backoff(void **state)
{
	struct fixture *f = *state;
	struct store_outbox_row r;
	char key[64];

	agency_set(&f->ag, 500, 0);
	queue(f, "webhook", "dpupr", BODY, T0, key, sizeof key);
	assert_int_equal(deliver_run_once(f->conf, f->s, T0), 1);
	r = row_of(f, key);
	assert_string_equal(r.state, "pending");
	assert_int_equal(r.attempts, 1);
	assert_in_range(r.next_attempt_at, T0 + INITIAL / 2, T0 + INITIAL);
	assert_non_null(strstr(r.last_error, "HTTP 500"));
	/* Not due yet: nothing happens before next_attempt_at. */
	assert_int_equal(deliver_run_once(f->conf, f->s, r.next_attempt_at - 1), 0);
	agency_set(&f->ag, 200, 0);
	assert_int_equal(deliver_run_once(f->conf, f->s, r.next_attempt_at), 1);
	assert_state(f, key, "sent", 2);
	assert_int_equal(agency_count(&f->ag, key), 2);
	assert_agency_clean(&f->ag);
}

static void
test_webhook_429_backs_off_longer_each_time_then_gives_up(void **state)
{
	struct fixture *f = *state;
	struct store_outbox_row r;
	int64_t now = T0, base = INITIAL;
	char key[64];
	int i;

	agency_set(&f->ag, 429, 0);
	queue(f, "webhook", "dpupr", BODY, T0, key, sizeof key);
	for (i = 1; i < MAX_ATTEMPTS; i++) {
		assert_int_equal(deliver_run_once(f->conf, f->s, now), 1);
		assert_int_equal(f->ag.last_t, now);    /* signed at the attempt */
		r = row_of(f, key);
		assert_string_equal(r.state, "pending");
		assert_int_equal(r.attempts, i);
		/* Attempt i waits between half and all of initial * 2^(i-1). */
		if (r.next_attempt_at < now + base / 2 || r.next_attempt_at > now + base)
			fail_msg("after attempt %d: waits %" PRId64 " s, wanted %" PRId64
			    "..%" PRId64, i, r.next_attempt_at - now, base / 2, base);
		now = r.next_attempt_at;
		base *= 2;
	}
	assert_int_equal(deliver_run_once(f->conf, f->s, now), 1);
	r = row_of(f, key);
	assert_string_equal(r.state, "dead");
	assert_int_equal(r.attempts, MAX_ATTEMPTS);
	assert_non_null(strstr(r.last_error, "gave up after 5 attempts: HTTP 429"));
	/* One key on every attempt, each verified. */
	assert_int_equal(agency_count(&f->ag, key), MAX_ATTEMPTS);
	assert_int_equal(f->ag.nkeys, 1);
	assert_agency_clean(&f->ag);
	assert_int_equal(deliver_run_once(f->conf, f->s, now + 86400), 0);
}

static void
test_webhook_400_is_dead_at_once(void **state)
{
	struct fixture *f = *state;
	struct store_outbox_row r;
	char key[64];

	agency_set(&f->ag, 400, 0);
	queue(f, "webhook", "dpupr", BODY, T0, key, sizeof key);
	assert_int_equal(deliver_run_once(f->conf, f->s, T0), 1);
	r = row_of(f, key);
	assert_string_equal(r.state, "dead");
	assert_int_equal(r.attempts, 1);
	assert_string_equal(r.last_error, "HTTP 400: {\"error\":\"as told\"}");
}

static void
test_webhook_that_hangs_is_retried(void **state)
{
	struct fixture *f = *state;
	struct store_outbox_row r;
	char key[64];

	agency_set(&f->ag, 200, TIMEOUT + 2);
	queue(f, "webhook", "dpupr", BODY, T0, key, sizeof key);
	assert_int_equal(deliver_run_once(f->conf, f->s, T0), 1);
	r = row_of(f, key);
	assert_string_equal(r.state, "pending");
	assert_int_equal(r.attempts, 1);
	assert_non_null(strstr(r.last_error, "timed out"));
	agency_set(&f->ag, 200, 0);
}

static void
test_agency_without_webhook_is_dead(void **state)
{
	struct fixture *f = *state;
	struct store_outbox_row r;
	char k1[64], k2[64];

	queue(f, "webhook", "dlh", BODY, T0, k1, sizeof k1);
	queue(f, "webhook", "no-such-agency", BODY, T0, k2, sizeof k2);
	assert_int_equal(deliver_run_once(f->conf, f->s, T0), 2);
	r = row_of(f, k1);
	assert_string_equal(r.state, "dead");
	assert_non_null(strstr(r.last_error, "agency dlh has no webhook"));
	r = row_of(f, k2);
	assert_string_equal(r.state, "dead");
	assert_non_null(strstr(r.last_error, "agency no-such-agency has no webhook"));
	assert_int_equal(f->ag.calls, 0);
}

/* A worker that died mid-attempt left its rows "sending": they come back after the lease. */
static void
test_row_of_a_crashed_worker_returns_after_its_lease(void **state)
{
	struct fixture *f = *state;
	struct store_outbox_row rows[8];
	int64_t lease = T0 + TIMEOUT * 2 + 30;
	size_t n, i;
	char key[64];

	queue(f, "webhook", "dpupr", BODY, T0, key, sizeof key);
	assert_int_equal(store_outbox_claim(f->s, T0, lease, rows, 8, &n), 0);
	assert_int_equal(n, 1);
	for (i = 0; i < n; i++)
		store_outbox_row_clear(&rows[i]);
	assert_int_equal(deliver_run_once(f->conf, f->s, lease - 1), 0);
	assert_int_equal(deliver_run_once(f->conf, f->s, lease), 1);
	assert_state(f, key, "sent", 1);
	assert_int_equal(agency_count(&f->ag, key), 1);
}

/*
 * The disk is full: every claim fails at its commit, pass after pass, for
 * as long as it lasts.  The rows stay due (nothing was leased) and
 * nothing of what the failed claims read is kept in memory: a worker
 * polls every second, so a day of a full disk must not grow the heap.
 */
static void
test_full_disk_claims_keep_rows_due_and_leak_nothing(void **state)
{
	struct fixture *f = *state;
	char key[64], *body = xmalloc(16 * 1024 + 1);
	size_t before, after;
	int i;

	/* A real payload: a 16 KB JSON body (the webhook body is parsed to be signed). */
	memset(body, 'a', 16 * 1024);
	memcpy(body, "{\"note\":\"", 9);
	memcpy(body + 16 * 1024 - 2, "\"}", 2);
	body[16 * 1024] = '\0';
	for (i = 0; i < 8; i++)
		queue(f, "webhook", "dpupr", body, T0, key, sizeof key);
	free(body);
	faultvfs_fail_all(SQLITE_FULL);
	assert_int_equal(deliver_run_once(f->conf, f->s, T0), -1);
	before = mallinfo2().uordblks;
	for (i = 0; i < 100; i++)
		assert_int_equal(deliver_run_once(f->conf, f->s, T0), -1);
	after = mallinfo2().uordblks;
	faultvfs_off();
	assert_int_equal(f->ag.calls, 0);
	if (after > before + 1024 * 1024)
		fail_msg("100 failed claims of 8 rows of 16 KB grew the heap by %zu KB",
		    (after - before) / 1024);
	/* Space again: every row is still due now, none leased by a claim that failed. */
	assert_int_equal(deliver_run_once(f->conf, f->s, T0), 8);
	assert_int_equal(store_outbox_count(f->s, "sent"), 8);
	assert_agency_clean(&f->ag);
}

/*
 * The disk fills up while a webhook is in flight: the agency has it, but
 * its outcome cannot be recorded.  The claimed rows stay leased, never
 * stuck: once the lease has run out they are claimed again and delivered
 * (the first one a second time, with the same Idempotency-Key).
 */
static void
test_full_disk_during_an_attempt_rows_come_back_after_the_lease(void **state)
{
	struct fixture *f = *state;
	int64_t lease = T0 + TIMEOUT * 2 + 30;
	char key1[64], key2[64];

	queue(f, "webhook", "dpupr", BODY, T0, key1, sizeof key1);
	queue(f, "webhook", "dpupr", BODY, T0, key2, sizeof key2);
	pthread_mutex_lock(&f->ag.mu);
	f->ag.fill_disk = 1;
	pthread_mutex_unlock(&f->ag.mu);
	assert_int_equal(deliver_run_once(f->conf, f->s, T0), -1);
	pthread_mutex_lock(&f->ag.mu);
	f->ag.fill_disk = 0;
	pthread_mutex_unlock(&f->ag.mu);
	faultvfs_off();
	assert_int_equal(agency_count(&f->ag, key1), 1);
	assert_state(f, key1, "sending", 0);
	assert_state(f, key2, "sending", 0);
	assert_int_equal(deliver_run_once(f->conf, f->s, lease - 1), 0);
	assert_int_equal(deliver_run_once(f->conf, f->s, lease), 2);
	assert_state(f, key1, "sent", 1);
	assert_state(f, key2, "sent", 1);
	assert_int_equal(agency_count(&f->ag, key1), 2);
	assert_int_equal(agency_count(&f->ag, key2), 1);
	assert_agency_clean(&f->ag);
}

static void
test_one_pass_takes_a_batch_of_eight(void **state)
{
	struct fixture *f = *state;
	char key[64];
	int i;

	for (i = 0; i < 10; i++)
		queue(f, "webhook", "dpupr", BODY, T0, key, sizeof key);
	assert_int_equal(deliver_run_once(f->conf, f->s, T0), 8);
	assert_int_equal(deliver_run_once(f->conf, f->s, T0), 2);
	assert_int_equal(store_outbox_count(f->s, "sent"), 10);
}

/* ---- SMS rows ------------------------------------------------------------------ */

static void
test_sms_row_goes_through_kannel_with_its_id(void **state)
{
	struct fixture *f = *state;
	struct store_outbox_row r;
	char key[64], want[64];

	queue(f, "sms", PHONE, "Aduan 48219303 diterima.", T0, key, sizeof key);
	assert_int_equal(deliver_run_once(f->conf, f->s, T0), 1);
	r = row_of(f, key);
	assert_string_equal(r.state, "sent");
	snprintf(want, sizeof want, "%" PRId64, r.id);
	assert_string_equal(r.provider_id, want);
	assert_int_equal(f->kn.calls, 1);
	assert_string_equal(f->kn.to, PHONE);
	assert_string_equal(f->kn.text, "Aduan 48219303 diterima.");
	snprintf(want, sizeof want, "&id=%" PRId64 "&type=%%d", r.id);
	assert_non_null(strstr(f->kn.dlr_url, want));
	assert_non_null(strstr(f->kn.dlr_url, "/kannel/dlr?secret=kannel-secret-123"));
}

static void
test_sms_outcomes_follow_the_gateway(void **state)
{
	struct fixture *f = *state;
	struct store_outbox_row r;
	char k1[64], k2[64];

	pthread_mutex_lock(&f->kn.mu);
	f->kn.status = 503;
	pthread_mutex_unlock(&f->kn.mu);
	queue(f, "sms", PHONE, "hello", T0, k1, sizeof k1);
	assert_int_equal(deliver_run_once(f->conf, f->s, T0), 1);
	r = row_of(f, k1);
	assert_string_equal(r.state, "pending");
	assert_in_range(r.next_attempt_at, T0 + INITIAL / 2, T0 + INITIAL);
	assert_non_null(strstr(r.last_error, "HTTP 503"));

	pthread_mutex_lock(&f->kn.mu);
	f->kn.status = 403;
	pthread_mutex_unlock(&f->kn.mu);
	queue(f, "sms", PHONE, "hello", T0, k2, sizeof k2);
	assert_int_equal(deliver_run_once(f->conf, f->s, T0), 1);
	assert_state(f, k2, "dead", 1);
	assert_non_null(strstr(row_of(f, k2).last_error, "not routable"));
}

static void
test_sms_without_a_sender_waits_for_one(void **state)
{
	struct fixture *f = *state;
	struct conf c = *f->conf;       /* the same config, no sms_sender */
	struct store_outbox_row r;
	int64_t now = T0;
	char key[64];
	int i;

	c.sender = SENDER_NONE;
	queue(f, "sms", PHONE, "hello", T0, key, sizeof key);
	for (i = 1; i <= MAX_ATTEMPTS + 2; i++) {
		assert_int_equal(deliver_run_once(&c, f->s, now), 1);
		r = row_of(f, key);
		assert_string_equal(r.state, "pending");
		assert_string_equal(r.last_error, "no sms_sender configured");
		assert_in_range(r.next_attempt_at, now + 1, now + BACKOFF_MAX);
		now = r.next_attempt_at;
	}
	assert_int_equal(f->kn.calls, 0);
	/* A sender configured (and Aduan restarted): it goes out. */
	assert_int_equal(deliver_run_once(f->conf, f->s, now), 1);
	assert_string_equal(row_of(f, key).state, "sent");
	assert_int_equal(f->kn.calls, 1);
}

/* ---- policy: back-off and signature --------------------------------------------- */

static void
test_backoff_stays_within_equal_jitter_bounds(void **state)
{
	struct conf c;
	int64_t base, d, lo, hi;
	uint32_t x = 12345;
	int a, i;

	(void)state;
	memset(&c, 0, sizeof c);
	c.delivery_backoff_initial = INITIAL;
	c.delivery_backoff_max = BACKOFF_MAX;
	for (a = 1, base = INITIAL; a <= 20; a++, base = base * 2 > BACKOFF_MAX ?
	    BACKOFF_MAX : base * 2) {
		lo = INT64_MAX;
		hi = 0;
		for (i = 0; i < 2000; i++) {
			x = x * 1664525u + 1013904223u;
			d = deliver_backoff(&c, a, i == 0 ? 0 : i == 1 ? UINT32_MAX : x);
			if (d < base / 2 || d > base || d < 1 || d > BACKOFF_MAX)
				fail_msg("attempt %d: %" PRId64 " s outside %" PRId64 "..%" PRId64,
				    a, d, base / 2, base);
			lo = d < lo ? d : lo;
			hi = d > hi ? d : hi;
		}
		/* The jitter covers its range, not one corner of it. */
		if (lo > base / 2 + base / 10 || hi < base - base / 10)
			fail_msg("attempt %d: jitter only spans %" PRId64 "..%" PRId64, a, lo, hi);
	}
	assert_int_equal(deliver_backoff(&c, 20, 0), BACKOFF_MAX / 2);
	assert_int_equal(deliver_backoff(&c, 1, 0), INITIAL / 2);

	/* Never below one second, even when half the delay rounds to zero. */
	c.delivery_backoff_initial = 1;
	c.delivery_backoff_max = 1;
	for (i = 0; i < 100; i++)
		assert_int_equal(deliver_backoff(&c, 1 + i % 20, (uint32_t)i), 1);
}

static void
test_signature_known_answer(void **state)
{
	char out[128], want[128], hex[65];
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0, i;
	const char *msg = "1700000000." BODY;

	(void)state;
	/* Computed independently: printf '%s' "$msg" | openssl dgst -sha256 -hmac "$SECRET" */
	deliver_sign(SECRET, NULL, 1700000000, BODY, strlen(BODY), out, sizeof out);
	assert_string_equal(out, "t=1700000000,v1="
	    "535739d094999f113030b8a0f2fefba7160134a1cac97c176c857181916a6699");

	/* And the same with OpenSSL here. */
	HMAC(EVP_sha256(), SECRET, (int)strlen(SECRET), (const unsigned char *)msg, strlen(msg),
	    mac, &maclen);
	assert_int_equal(maclen, 32);
	for (i = 0; i < maclen; i++)
		snprintf(hex + 2 * i, 3, "%02x", mac[i]);
	snprintf(want, sizeof want, "t=1700000000,v1=%s", hex);
	assert_string_equal(out, want);

	/* The signature covers the time: another second, another MAC. */
	deliver_sign(SECRET, NULL, 1700000001, BODY, strlen(BODY), want, sizeof want);
	assert_string_not_equal(out + 16, want + 16);
}

/*
 * webhook_secret_next: during a switch every request carries both
 * signatures, the current secret's first, so a receiver that checks any v1
 * it can verify accepts it with either secret.
 */
static void
test_signature_during_rotation(void **state)
{
	char both[256], one[128], next[128];

	(void)state;
	deliver_sign(SECRET, "the-new-webhook-secret", 1700000000, BODY, strlen(BODY), both,
	    sizeof both);
	deliver_sign(SECRET, NULL, 1700000000, BODY, strlen(BODY), one, sizeof one);
	deliver_sign("the-new-webhook-secret", NULL, 1700000000, BODY, strlen(BODY), next,
	    sizeof next);
	assert_int_equal(strncmp(both, one, strlen(one)), 0);
	assert_string_equal(both + strlen(one), next + strlen("t=1700000000"));
	assert_int_equal(strlen(both), strlen("t=1700000000") + 2 * (4 + 64));
}

/* ---- workers -------------------------------------------------------------------- */

static void
test_workers_deliver_every_row_exactly_once(void **state)
{
	struct fixture *f = *state;
	struct deliver *d;
	char keys[50][64], late[64], err[256];
	int64_t t0, now = now_unix();
	int i;

	for (i = 0; i < 50; i++)
		queue(f, "webhook", "dpupr", BODY, now, keys[i], sizeof keys[i]);
	d = deliver_start(f->conf, f->s, err, sizeof err);
	if (d == NULL)
		fail_msg("deliver_start: %s", err);
	deliver_wake(d);
	t0 = mono_ms();
	while (store_outbox_count(f->s, "sent") < 50 && mono_ms() - t0 < 10000)
		usleep(20 * 1000);

	/* Queued while running: the wake makes a worker look at once. */
	queue(f, "webhook", "dpupr", BODY, now_unix(), late, sizeof late);
	deliver_wake(d);
	t0 = mono_ms();
	while (store_outbox_count(f->s, "sent") < 51 && mono_ms() - t0 < 5000)
		usleep(20 * 1000);

	t0 = mono_ms();
	deliver_stop(d);
	assert_true(mono_ms() - t0 < 3000);

	assert_int_equal(store_outbox_count(f->s, "sent"), 51);
	assert_agency_clean(&f->ag);
	for (i = 0; i < 50; i++)
		if (agency_count(&f->ag, keys[i]) != 1)
			fail_msg("row %s arrived %d times", keys[i], agency_count(&f->ag, keys[i]));
	assert_int_equal(agency_count(&f->ag, late), 1);
	assert_int_equal(f->ag.calls, 51);
}

static void
test_idle_workers_stop_promptly(void **state)
{
	struct fixture *f = *state;
	struct deliver *d;
	char err[256];
	int64_t t0;

	d = deliver_start(f->conf, f->s, err, sizeof err);
	assert_non_null(d);
	usleep(200 * 1000);
	t0 = mono_ms();
	deliver_stop(d);
	assert_true(mono_ms() - t0 < 2000);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_webhook_200_is_sent_signed_and_keyed),
		T(test_webhook_body_signs_event_id_and_seq),
		T(test_webhook_500_waits_the_first_backoff),
		T(test_webhook_429_backs_off_longer_each_time_then_gives_up),
		T(test_webhook_400_is_dead_at_once),
		T(test_webhook_that_hangs_is_retried),
		T(test_agency_without_webhook_is_dead),
		T(test_row_of_a_crashed_worker_returns_after_its_lease),
		T(test_full_disk_claims_keep_rows_due_and_leak_nothing),
		T(test_full_disk_during_an_attempt_rows_come_back_after_the_lease),
		T(test_one_pass_takes_a_batch_of_eight),
		T(test_sms_row_goes_through_kannel_with_its_id),
		T(test_sms_outcomes_follow_the_gateway),
		T(test_sms_without_a_sender_waits_for_one),
		cmocka_unit_test(test_backoff_stays_within_equal_jitter_bounds),
		cmocka_unit_test(test_signature_known_answer),
		cmocka_unit_test(test_signature_during_rotation),
		T(test_workers_deliver_every_row_exactly_once),
		T(test_idle_workers_stop_promptly),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
