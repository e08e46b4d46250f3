/*
 * test_accounts: the web inbox's staff, on a real SQLite file in a temp
 * directory (store_fixture.h) with a literal config of three agencies
 * (kominfo the triage desk, dpupr, dlh).
 *
 * The store (store.h, "accounts"): accounts by login and id, a login
 * taken twice, listings without hashes, kept across a reopen; sessions by token hash with idle
 * and absolute expiry, the touch written at most once a minute, ended one
 * by one, per account and by the purge; failures counted per key and
 * window; the audit log per complaint and whole, newest first, paged; and
 * the plans of the lookups walk their indexes.
 *
 * Logins (web/auth.h): a right password gets a session, a fresh token
 * each time; a wrong password, an unknown login and a disabled account
 * get one answer, in comparable time; the sixth failure within the
 * window is slowed and the wait doubles; an address failing for many
 * logins is slowed too; an idle, too old, logged-out or disabled
 * account's session is refused; an agency that left the config locks its
 * accounts out; the CSRF compare; the cookie's attributes for http and
 * https; reading the token back from a Cookie header; the password rules
 * `aduan user` applies; the demo accounts, refused without demo mode.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "conf/conf.h"
#include "store/store.h"
#include "test/store_fixture.h"
#include "util/crypto.h"
#include "web/auth.h"

#define T0      1767225600      /* 2026-01-01 00:00:00 UTC */
#define PASSWORD "jalan berlubang 42"

struct ctx {
	struct fixture *f;
	struct conf *c;
};

static const char conf_text[] =
    "server = { public_url = \"%s\"; };\n"
    "agencies = (\n"
    "  { id = \"kominfo\"; name = \"Dinas Komunikasi dan Informatika\";\n"
    "    short_name = \"Kominfo\"; },\n"
    "  { id = \"dpupr\"; name = \"Dinas Pekerjaan Umum\"; short_name = \"DPUPR\"; },\n"
    "  { id = \"dlh\"; name = \"Dinas Lingkungan Hidup\"; short_name = \"DLH\"; }\n"
    ");\n"
    "triage = \"kominfo\";\n"
    "rules = (\n"
    "  { keyword = \"JALAN\"; agency = \"dpupr\";\n"
    "    label = { id = \"Jalan\"; en = \"Roads\"; }; }\n"
    ");\n"
    "%s";

/* The fixture's config, with public_url and extra settings. */
static struct conf *
load(const char *url, const char *extra, unsigned flags)
{
	struct conf_errors errs;
	struct conf *c;
	char text[4096];
	int i;

	snprintf(text, sizeof text, conf_text, url, extra);
	memset(&errs, 0, sizeof errs);
	if ((c = conf_load_string(text, flags, &errs)) == NULL)
		for (i = 0; i < errs.n; i++)
			print_error("line %d: %s\n", errs.e[i].line, errs.e[i].msg);
	return c;
}

static int
setup(void **state)
{
	struct store_options o = { .sync_full = 0, .busy_timeout_ms = 2000 };
	struct ctx *x = xcalloc(1, sizeof *x);

	if ((x->f = fixture_open("/tmp/aduan-accounts-XXXXXX", NULL, &o)) == NULL ||
	    (x->c = load("http://127.0.0.1:8080", "", 0)) == NULL)
		return -1;
	*state = x;
	return 0;
}

static int
teardown(void **state)
{
	struct ctx *x = *state;

	fixture_close(x->f);
	conf_free(x->c);
	free(x);
	return 0;
}

/* Adds an account with password pw (hashed for real).  Its id. */
static int64_t
add(struct store *s, const char *login, const char *agency, const char *role, const char *pw)
{
	struct store_account a;

	memset(&a, 0, sizeof a);
	str_copy(a.login, sizeof a.login, login);
	str_copy(a.agency, sizeof a.agency, agency);
	str_copy(a.role, sizeof a.role, role);
	str_copy(a.name, sizeof a.name, "Petugas Uji");
	assert_int_equal(crypto_password_hash(pw, a.pw_hash, sizeof a.pw_hash), 0);
	a.created_at = T0;
	assert_int_equal(store_account_add(s, &a), 1);
	assert_true(a.id > 0);
	return a.id;
}

/* ---- the store ---- */

struct seen {
	int n;
	char logins[8][64];
	int hashes;
};

static void
collect(void *arg, const struct store_account *a)
{
	struct seen *v = arg;

	if (v->n < 8)
		str_copy(v->logins[v->n], sizeof v->logins[0], a->login);
	v->n++;
	v->hashes += a->pw_hash[0] != '\0';
}

static void
test_store_accounts(void **state)
{
	struct ctx *x = *state;
	struct store *s = x->f->s;
	struct store_account a, b;
	struct seen v = { 0 };
	int64_t id;

	id = add(s, "budi", "dpupr", "staff", PASSWORD);
	assert_int_equal(store_account_get(s, "budi", &a), 1);
	assert_int_equal(a.id, id);
	assert_string_equal(a.agency, "dpupr");
	assert_string_equal(a.role, "staff");
	assert_string_equal(a.name, "Petugas Uji");
	assert_int_equal(a.disabled, 0);
	assert_int_equal(a.created_at, T0);
	assert_int_equal(a.updated_at, T0);
	assert_int_equal(crypto_password_check(PASSWORD, a.pw_hash), 1);
	assert_int_equal(store_account_get_id(s, id, &b), 1);
	assert_string_equal(b.login, "budi");
	assert_int_equal(store_account_get(s, "nobody", &a), 0);
	assert_int_equal(store_account_get_id(s, id + 100, &a), 0);

	/* A login is one person's: the second add changes nothing. */
	memset(&b, 0, sizeof b);
	str_copy(b.login, sizeof b.login, "budi");
	str_copy(b.agency, sizeof b.agency, "dlh");
	str_copy(b.role, sizeof b.role, "supervisor");
	str_copy(b.pw_hash, sizeof b.pw_hash, "x");
	b.created_at = T0 + 5;
	assert_int_equal(store_account_add(s, &b), 0);
	assert_int_equal(store_account_get(s, "budi", &a), 1);
	assert_string_equal(a.agency, "dpupr");
	/* Only the two roles. */
	str_copy(b.login, sizeof b.login, "root");
	str_copy(b.role, sizeof b.role, "admin");
	assert_int_equal(store_account_add(s, &b), -1);

	assert_int_equal(store_account_set_password(s, "budi", "new-hash", T0 + 10), 1);
	assert_int_equal(store_account_set_password(s, "nobody", "new-hash", T0 + 10), 0);
	assert_int_equal(store_account_set_disabled(s, "budi", 1, T0 + 20), 1);
	assert_int_equal(store_account_set_disabled(s, "nobody", 1, T0 + 20), 0);
	assert_int_equal(store_account_get(s, "budi", &a), 1);
	assert_string_equal(a.pw_hash, "new-hash");
	assert_int_equal(a.disabled, 1);
	assert_int_equal(a.updated_at, T0 + 20);

	add(s, "ani", "kominfo", "supervisor", PASSWORD);
	assert_int_equal(store_account_list(s, collect, &v), 0);
	assert_int_equal(v.n, 2);
	assert_string_equal(v.logins[0], "ani");
	assert_string_equal(v.logins[1], "budi");
	assert_int_equal(v.hashes, 0);

	/* Kept on disk: a restart finds them. */
	fixture_reopen(x->f, &(struct store_options){ .sync_full = 0, .busy_timeout_ms = 2000 });
	assert_int_equal(store_account_get(x->f->s, "ani", &a), 1);
	assert_string_equal(a.role, "supervisor");
}

static void
test_store_sessions(void **state)
{
	struct ctx *x = *state;
	struct store *s = x->f->s;
	struct store_session ss;
	int64_t a = add(s, "budi", "dpupr", "staff", PASSWORD);
	int64_t b = add(s, "ani", "dlh", "staff", PASSWORD);

	assert_int_equal(store_session_add(s, "h1", a, "csrf1", T0, T0 + 1000), 0);
	assert_int_equal(store_session_add(s, "h2", a, "csrf2", T0, T0 + 1000), 0);
	assert_int_equal(store_session_add(s, "h3", b, "csrf3", T0, T0 + 1000), 0);
	/* A token hash is unique; an account that does not exist has no session. */
	assert_int_equal(store_session_add(s, "h1", b, "x", T0, T0 + 1000), -1);
	assert_int_equal(store_session_add(s, "h9", b + 100, "x", T0, T0 + 1000), -1);

	assert_int_equal(store_session_get(s, "h1", T0 + 30, T0 - 100, &ss), 1);
	assert_int_equal(ss.account_id, a);
	assert_string_equal(ss.csrf, "csrf1");
	assert_int_equal(ss.created_at, T0);
	/* Within a minute of the last write: not written again. */
	assert_int_equal(ss.last_seen, T0);
	assert_int_equal(store_session_get(s, "h1", T0 + 100, T0, &ss), 1);
	assert_int_equal(ss.last_seen, T0 + 100);
	assert_int_equal(store_session_get(s, "h1", T0 + 101, T0 + 100, &ss), 1);
	assert_int_equal(ss.last_seen, T0 + 100);
	/* Idle: last use before idle_before.  Absolute: expires_at reached. */
	assert_int_equal(store_session_get(s, "h1", T0 + 200, T0 + 101, &ss), 0);
	assert_int_equal(store_session_get(s, "h2", T0 + 1000, T0, &ss), 0);
	assert_int_equal(store_session_get(s, "nope", T0, T0, &ss), 0);

	assert_int_equal(store_session_delete(s, "h1"), 1);
	assert_int_equal(store_session_delete(s, "h1"), 0);
	assert_int_equal(store_session_get(s, "h1", T0 + 101, T0, &ss), 0);
	assert_int_equal(store_session_add(s, "h4", a, "csrf4", T0, T0 + 1000), 0);
	assert_int_equal(store_session_delete_account(s, a), 2);      /* h2, h4 */
	assert_int_equal(store_session_get(s, "h3", T0, T0, &ss), 1);

	/* The purge: ended (h5), idle (h3), not the live one (h6). */
	assert_int_equal(store_session_add(s, "h5", b, "c", T0, T0 + 10), 0);
	assert_int_equal(store_session_add(s, "h6", b, "c", T0 + 500, T0 + 1000), 0);
	assert_int_equal(store_session_purge(s, T0 + 20, T0 + 400), 2);
	assert_int_equal(store_session_get(s, "h6", T0 + 501, T0, &ss), 1);
	assert_int_equal(store_session_purge(s, T0 + 20, T0 + 400), 0);
}

static void
test_store_failures_and_audit(void **state)
{
	struct ctx *x = *state;
	struct store *s = x->f->s;
	struct store_audit out[8];
	int64_t last;
	size_t n;
	int i;

	assert_int_equal(store_login_failures(s, "login:budi", 0, &last), 0);
	assert_int_equal(last, 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(store_login_failure_note(s, "login:budi", T0 + 10 * i), 0);
	assert_int_equal(store_login_failure_note(s, "addr:10.0.0.1", T0), 0);
	assert_int_equal(store_login_failures(s, "login:budi", T0, &last), 4);
	assert_int_equal(last, T0 + 30);
	assert_int_equal(store_login_failures(s, "login:budi", T0 + 15, &last), 2);
	assert_int_equal(store_login_failures_clear(s, "login:budi"), 0);
	assert_int_equal(store_login_failures(s, "login:budi", 0, &last), 0);
	assert_int_equal(store_login_failures(s, "addr:10.0.0.1", 0, &last), 1);
	assert_int_equal(store_login_failures_purge(s, T0 + 1), 1);
	assert_int_equal(store_login_failures(s, "addr:10.0.0.1", 0, &last), 0);

	assert_int_equal(store_audit_add(s, T0, "budi", "login", 0, "from 10.0.0.1"), 0);
	assert_int_equal(store_audit_add(s, T0 + 1, "ani", "reveal", 7, NULL), 0);
	assert_int_equal(store_audit_add(s, T0 + 2, "ani", "reveal", 8, "x"), 0);
	assert_int_equal(store_audit_add(s, T0 + 3, "budi", "reveal", 7, "y"), 0);
	assert_int_equal(store_audit_list(s, 7, 0, out, 8, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(out[0].login, "budi");
	assert_int_equal(out[0].complaint_id, 7);
	assert_string_equal(out[0].detail, "y");
	assert_string_equal(out[1].login, "ani");
	assert_string_equal(out[1].detail, "");
	assert_int_equal(out[1].at, T0 + 1);
	assert_int_equal(store_audit_list(s, 0, 0, out, 3, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(out[2].complaint_id, 7);
	/* The next page: below the last id seen. */
	assert_int_equal(store_audit_list(s, 0, out[2].id, out, 3, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(out[0].action, "login");
	assert_int_equal(out[0].complaint_id, 0);
}

static void
test_store_plans(void **state)
{
	struct ctx *x = *state;
	char plan[512];

	if (fixture_pg()) {
		print_message("skipped on PostgreSQL: SQLite's query plans (store_plan)\n");
		skip();
	}
	assert_int_equal(store_plan(x->f->s, "session_get", plan, sizeof plan), 0);
	assert_non_null(strstr(plan, "PRIMARY KEY"));
	assert_int_equal(store_plan(x->f->s, "login_failures", plan, sizeof plan), 0);
	assert_non_null(strstr(plan, "login_failures_key"));
	assert_int_equal(store_plan(x->f->s, "login_failures_purge", plan, sizeof plan), 0);
	assert_non_null(strstr(plan, "login_failures_at"));
	assert_int_equal(store_plan(x->f->s, "audit_list_complaint", plan, sizeof plan), 0);
	assert_non_null(strstr(plan, "audit_log_complaint"));
	assert_int_equal(store_plan(x->f->s, "session_purge", plan, sizeof plan), 0);
	assert_non_null(strstr(plan, "sessions_expires"));
	assert_non_null(strstr(plan, "sessions_last_seen"));
}

/* ---- logins ---- */

static int
login(struct ctx *x, const char *who, const char *pw, const char *peer, int64_t now,
    char token[65], struct web_user *u, int *wait)
{
	char csrf[65];

	return auth_login(x->c, x->f->s, who, pw, peer, now, token, csrf, u, wait);
}

static double
seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
test_login_fresh_session(void **state)
{
	struct ctx *x = *state;
	struct store_audit out[4];
	struct web_user u, v;
	char t1[65], t2[65], c1[65], c2[65], csrf[65];
	int wait;
	size_t n;

	add(x->f->s, "budi", "dpupr", "staff", PASSWORD);
	add(x->f->s, "ani", "kominfo", "supervisor", PASSWORD);
	assert_int_equal(auth_login(x->c, x->f->s, "budi", PASSWORD, "10.0.0.1", T0, t1, c1, &u,
	    &wait), 0);
	assert_int_equal(strlen(t1), 64);
	assert_int_equal(strlen(c1), 64);
	assert_string_equal(u.login, "budi");
	assert_string_equal(u.agency, "dpupr");
	assert_string_equal(u.role, "staff");
	assert_string_equal(u.name, "Petugas Uji");
	assert_int_equal(u.triage, 0);
	assert_false(auth_may_reveal(&u));
	/* Every login is a new session, whatever the client had. */
	assert_int_equal(auth_login(x->c, x->f->s, "budi", PASSWORD, "10.0.0.1", T0 + 1, t2, c2,
	    &u, &wait), 0);
	assert_string_not_equal(t1, t2);
	assert_string_not_equal(c1, c2);
	assert_int_equal(auth_session(x->c, x->f->s, t1, T0 + 2, &v, csrf), 0);
	assert_string_equal(csrf, c1);
	assert_int_equal(auth_session(x->c, x->f->s, t2, T0 + 2, &v, csrf), 0);
	assert_string_equal(csrf, c2);
	assert_int_equal(v.id, u.id);

	/* The triage desk's supervisor. */
	assert_int_equal(login(x, "ani", PASSWORD, "10.0.0.2", T0, t1, &u, &wait), 0);
	assert_int_equal(u.triage, 1);
	assert_true(auth_may_reveal(&u));

	/* Audited, with the address. */
	assert_int_equal(store_audit_list(x->f->s, 0, 0, out, 4, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(out[0].login, "ani");
	assert_string_equal(out[0].action, "login");
	assert_string_equal(out[0].detail, "from 10.0.0.2");
}

static void
test_login_one_answer(void **state)
{
	struct ctx *x = *state;
	struct store_audit out[8];
	struct store_account a;
	struct web_user u;
	char token[65];
	double t, wrong, unknown, disabled;
	int wait;
	size_t n;

	add(x->f->s, "budi", "dpupr", "staff", PASSWORD);
	add(x->f->s, "cici", "dpupr", "staff", PASSWORD);
	assert_int_equal(store_account_set_disabled(x->f->s, "cici", 1, T0), 1);

	t = seconds();
	assert_int_equal(login(x, "budi", "jalan berlubang 43", "a", T0, token, &u, &wait),
	    AUTH_BAD);
	wrong = seconds() - t;
	assert_string_equal(token, "");
	assert_int_equal(u.id, 0);
	t = seconds();
	assert_int_equal(login(x, "nobody", PASSWORD, "b", T0, token, &u, &wait), AUTH_BAD);
	unknown = seconds() - t;
	t = seconds();
	assert_int_equal(login(x, "cici", PASSWORD, "c", T0, token, &u, &wait), AUTH_BAD);
	disabled = seconds() - t;
	assert_int_equal(login(x, "NOT A LOGIN;--", PASSWORD, "d", T0, token, &u, &wait),
	    AUTH_BAD);
	assert_int_equal(login(x, "", "", "e", T0, token, &u, &wait), AUTH_BAD);
	/* Each costs one password hash: none answers in a fraction of another's time. */
	assert_true(unknown > wrong / 4 && wrong > unknown / 4);
	assert_true(disabled > wrong / 4);
	/* The account of an agency that left the config cannot log in. */
	add(x->f->s, "dedi", "gone", "staff", PASSWORD);
	assert_int_equal(login(x, "dedi", PASSWORD, "f", T0, token, &u, &wait), AUTH_BAD);

	/* A password longer than any allowed is not hashed, and fails the same way. */
	{
		char big[AUTH_PASSWORD_MAX + 2];

		memset(big, 'a', sizeof big - 1);
		big[sizeof big - 1] = '\0';
		assert_int_equal(login(x, "budi", big, "g", T0, token, &u, &wait), AUTH_BAD);
	}
	/* Failures are audited; an unknown login is named "-". */
	assert_int_equal(store_audit_list(x->f->s, 0, 0, out, 8, &n), 0);
	assert_int_equal(n, 7);
	assert_string_equal(out[6].action, "login_failed");
	assert_string_equal(out[6].login, "budi");
	assert_string_equal(out[5].login, "-");
	assert_int_equal(store_account_get(x->f->s, "cici", &a), 1);
	assert_int_equal(a.disabled, 1);
}

static void
test_login_backoff(void **state)
{
	struct ctx *x = *state;
	struct web_user u;
	char token[65];
	int i, wait, w1, w2, w3;

	add(x->f->s, "budi", "dpupr", "staff", PASSWORD);
	/* Five failures within the window (login_max_failures 5) are answered as usual. */
	for (i = 0; i < 5; i++)
		assert_int_equal(login(x, "budi", "salah sekali ya", "10.0.0.1", T0 + i, token, &u,
		    &wait), AUTH_BAD);
	/* The sixth try is slowed, even with the right password, even from elsewhere. */
	assert_int_equal(login(x, "budi", PASSWORD, "10.0.0.9", T0 + 5, token, &u, &w1),
	    AUTH_SLOW);
	assert_true(w1 > 0);
	assert_string_equal(token, "");
	/* One second early: still slowed, and told how much longer. */
	assert_int_equal(login(x, "budi", PASSWORD, "10.0.0.1", T0 + 5 + w1 - 1, token, &u,
	    &wait), AUTH_SLOW);
	assert_int_equal(wait, 1);
	/* After the wait, a further failure makes the next wait longer. */
	assert_int_equal(login(x, "budi", "salah sekali ya", "10.0.0.1", T0 + 5 + w1, token, &u,
	    &wait), AUTH_BAD);
	assert_int_equal(login(x, "budi", PASSWORD, "10.0.0.1", T0 + 5 + w1, token, &u, &w2),
	    AUTH_SLOW);
	assert_true(w2 > w1);
	assert_int_equal(login(x, "budi", "salah sekali ya", "10.0.0.1", T0 + 5 + w1 + w2, token,
	    &u, &wait), AUTH_BAD);
	assert_int_equal(login(x, "budi", PASSWORD, "10.0.0.1", T0 + 5 + w1 + w2, token, &u, &w3),
	    AUTH_SLOW);
	assert_true(w3 > w2);
	/* Waited out, the right password logs in, and the count starts again. */
	assert_int_equal(login(x, "budi", PASSWORD, "10.0.0.1", T0 + 5 + w1 + w2 + w3, token, &u,
	    &wait), 0);
	assert_int_equal(login(x, "budi", "salah sekali ya", "10.0.0.1", T0 + 6 + w1 + w2 + w3,
	    token, &u, &wait), AUTH_BAD);
	assert_int_equal(login(x, "budi", PASSWORD, "10.0.0.1", T0 + 7 + w1 + w2 + w3, token, &u,
	    &wait), 0);
	/* Failures older than the window (900 s) no longer count. */
	for (i = 0; i < 5; i++)
		assert_int_equal(login(x, "budi", "salah sekali ya", "10.0.0.3", T0 + 5000, token,
		    &u, &wait), AUTH_BAD);
	assert_int_equal(login(x, "budi", PASSWORD, "10.0.0.3", T0 + 5001, token, &u, &wait),
	    AUTH_SLOW);
	assert_int_equal(login(x, "budi", PASSWORD, "10.0.0.3", T0 + 5000 + 901, token, &u,
	    &wait), 0);
}

static void
test_login_backoff_address(void **state)
{
	struct ctx *x = *state;
	struct web_user u;
	char token[65], who[16];
	int i, wait;

	/* login_max_failures 2 here, so that the test hashes less. */
	conf_free(x->c);
	x->c = load("http://127.0.0.1:8080", "inbox = { login_max_failures = 2; };\n", 0);
	assert_non_null(x->c);
	add(x->f->s, "budi", "dpupr", "staff", PASSWORD);
	/* One address trying many logins: slowed after four times a login's limit. */
	for (i = 0; i < 8; i++) {
		snprintf(who, sizeof who, "tebak%d", i);
		assert_int_equal(login(x, who, "salah sekali ya", "10.0.0.66", T0 + i, token, &u,
		    &wait), AUTH_BAD);
	}
	assert_int_equal(login(x, "budi", PASSWORD, "10.0.0.66", T0 + 8, token, &u, &wait),
	    AUTH_SLOW);
	assert_true(wait > 0);
	/* Another address is not. */
	assert_int_equal(login(x, "budi", PASSWORD, "10.0.0.7", T0 + 8, token, &u, &wait), 0);
}

static void
test_session_expiry(void **state)
{
	struct ctx *x = *state;
	struct web_user u;
	char token[65], csrf[65];
	int64_t t;
	int wait;

	add(x->f->s, "budi", "dpupr", "staff", PASSWORD);
	/* Idle (session_idle 1800): used within it, it lives on; left longer, it is gone. */
	assert_int_equal(login(x, "budi", PASSWORD, "p", T0, token, &u, &wait), 0);
	assert_int_equal(auth_session(x->c, x->f->s, token, T0 + 1799, &u, csrf), 0);
	assert_int_equal(auth_session(x->c, x->f->s, token, T0 + 1799 + 1800, &u, csrf), 0);
	assert_int_equal(auth_session(x->c, x->f->s, token, T0 + 1799 + 1800 + 1801, &u, csrf),
	    AUTH_NONE);
	assert_string_equal(csrf, "");
	assert_int_equal(u.id, 0);
	/* Absolute (session_max 43200): in use all along, it ends all the same. */
	assert_int_equal(login(x, "budi", PASSWORD, "p", T0, token, &u, &wait), 0);
	for (t = T0 + 1000; t < T0 + 43200; t += 1000)
		assert_int_equal(auth_session(x->c, x->f->s, token, t, &u, csrf), 0);
	assert_int_equal(auth_session(x->c, x->f->s, token, T0 + 43200, &u, csrf), AUTH_NONE);
	/* Tokens that are no session. */
	assert_int_equal(auth_session(x->c, x->f->s, "", T0, &u, csrf), AUTH_NONE);
	assert_int_equal(auth_session(x->c, x->f->s, NULL, T0, &u, csrf), AUTH_NONE);
	assert_int_equal(auth_session(x->c, x->f->s,
	    "0000000000000000000000000000000000000000000000000000000000000000", T0, &u, csrf),
	    AUTH_NONE);
	assert_int_equal(auth_session(x->c, x->f->s, "ABC", T0, &u, csrf), AUTH_NONE);
}

static void
test_session_ended(void **state)
{
	struct ctx *x = *state;
	struct store_audit out[2];
	struct web_user u;
	char t1[65], t2[65], t3[65], csrf[65];
	int64_t now = now_unix(), id;
	int wait;
	size_t n;

	id = add(x->f->s, "budi", "dpupr", "staff", PASSWORD);
	/* Logout ends that session only, and is audited. */
	assert_int_equal(login(x, "budi", PASSWORD, "p", now, t1, &u, &wait), 0);
	assert_int_equal(login(x, "budi", PASSWORD, "p", now, t2, &u, &wait), 0);
	assert_int_equal(auth_logout(x->f->s, t1), 0);
	assert_int_equal(auth_session(x->c, x->f->s, t1, now + 1, &u, csrf), AUTH_NONE);
	assert_int_equal(auth_session(x->c, x->f->s, t2, now + 1, &u, csrf), 0);
	assert_int_equal(auth_logout(x->f->s, t1), 0);
	assert_int_equal(auth_logout(x->f->s, "junk"), 0);
	assert_int_equal(store_audit_list(x->f->s, 0, 0, out, 2, &n), 0);
	assert_string_equal(out[0].action, "logout");
	assert_string_equal(out[0].login, "budi");

	/* Disabling (as `aduan user disable` does) ends every session of the account. */
	assert_int_equal(login(x, "budi", PASSWORD, "p", now, t3, &u, &wait), 0);
	assert_int_equal(store_account_set_disabled(x->f->s, "budi", 1, now), 1);
	/* Even a session left behind is refused once the account is disabled... */
	assert_int_equal(auth_session(x->c, x->f->s, t3, now + 1, &u, csrf), AUTH_NONE);
	assert_int_equal(store_session_delete_account(x->f->s, id), 2);
	/* ... and enabled again, the old sessions stay ended. */
	assert_int_equal(store_account_set_disabled(x->f->s, "budi", 0, now), 1);
	assert_int_equal(auth_session(x->c, x->f->s, t2, now + 1, &u, csrf), AUTH_NONE);
	assert_int_equal(auth_session(x->c, x->f->s, t3, now + 1, &u, csrf), AUTH_NONE);
}

static void
test_session_agency_left(void **state)
{
	struct ctx *x = *state;
	struct conf *c2;
	struct web_user u;
	char token[65], csrf[65];
	int wait;

	add(x->f->s, "lina", "dlh", "staff", PASSWORD);
	assert_int_equal(login(x, "lina", PASSWORD, "p", T0, token, &u, &wait), 0);
	/* A reload whose config no longer has dlh: its staff are out. */
	c2 = conf_load_string(
	    "agencies = ( { id = \"kominfo\"; name = \"Kominfo\"; short_name = \"Kominfo\"; },\n"
	    "  { id = \"dpupr\"; name = \"DPU\"; short_name = \"DPUPR\"; } );\n"
	    "triage = \"kominfo\";\n"
	    "rules = ( { keyword = \"JALAN\"; agency = \"dpupr\";\n"
	    "  label = { id = \"Jalan\"; en = \"Roads\"; }; } );\n", 0,
	    &(struct conf_errors){ 0 });
	assert_non_null(c2);
	assert_int_equal(auth_session(x->c, x->f->s, token, T0 + 1, &u, csrf), 0);
	assert_int_equal(auth_session(c2, x->f->s, token, T0 + 1, &u, csrf), AUTH_NONE);
	conf_free(c2);
}

static void
test_csrf(void **state)
{
	const char *a = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
	const char *b = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab";

	(void)state;
	assert_true(auth_csrf_ok(a, a));
	assert_false(auth_csrf_ok(a, b));
	assert_false(auth_csrf_ok(a, "aaaa"));
	assert_false(auth_csrf_ok(a, ""));
	assert_false(auth_csrf_ok(a, NULL));
	assert_false(auth_csrf_ok("", ""));
	assert_false(auth_csrf_ok(NULL, a));
}

static void
test_cookie(void **state)
{
	struct ctx *x = *state;
	struct conf *https = load("https://aduan.example.go.id", "", 0);
	const char *tok = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	char out[256], got[65];

	assert_non_null(https);
	auth_cookie(x->c, tok, 43200, out, sizeof out);
	assert_string_equal(out, "aduan_session=0123456789abcdef0123456789abcdef0123456789abcdef"
	    "0123456789abcdef; Path=/inbox; Max-Age=43200; HttpOnly; SameSite=Strict");
	auth_cookie(https, tok, 43200, out, sizeof out);
	assert_string_equal(out, "aduan_session=0123456789abcdef0123456789abcdef0123456789abcdef"
	    "0123456789abcdef; Path=/inbox; Max-Age=43200; HttpOnly; SameSite=Strict; Secure");
	/* Clearing it. */
	auth_cookie(https, NULL, 0, out, sizeof out);
	assert_string_equal(out,
	    "aduan_session=; Path=/inbox; Max-Age=0; HttpOnly; SameSite=Strict; Secure");
	auth_cookie(x->c, tok, 0, out, sizeof out);
	assert_string_equal(out, "aduan_session=; Path=/inbox; Max-Age=0; HttpOnly; SameSite=Strict");
	conf_free(https);

	/* Reading it back from a Cookie header. */
	snprintf(out, sizeof out, "lang=en; aduan_session=%s; other=1", tok);
	assert_int_equal(auth_cookie_token(out, got), 1);
	assert_string_equal(got, tok);
	snprintf(out, sizeof out, "aduan_session=%s", tok);
	assert_int_equal(auth_cookie_token(out, got), 1);
	snprintf(out, sizeof out, "xaduan_session=%s", tok);
	assert_int_equal(auth_cookie_token(out, got), 0);
	assert_string_equal(got, "");
	assert_int_equal(auth_cookie_token("aduan_session=", got), 0);
	assert_int_equal(auth_cookie_token("aduan_session=ZZZZ", got), 0);
	assert_int_equal(auth_cookie_token(NULL, got), 0);
	snprintf(out, sizeof out, "aduan_session=%sff", tok);
	assert_int_equal(auth_cookie_token(out, got), 0);
	/* An empty one first (a cleared cookie of another path), then the real one. */
	snprintf(out, sizeof out, "aduan_session=; aduan_session=%s", tok);
	assert_int_equal(auth_cookie_token(out, got), 1);
	assert_string_equal(got, tok);
}

static void
test_rules(void **state)
{
	struct ctx *x = *state;
	char why[128];

	assert_true(auth_login_valid("dpupr"));
	assert_true(auth_login_valid("upt-pu-ungaran"));
	assert_true(auth_login_valid("budi.santoso_2"));
	assert_false(auth_login_valid(""));
	assert_false(auth_login_valid("Budi"));
	assert_false(auth_login_valid("-budi"));
	assert_false(auth_login_valid("budi santoso"));
	assert_false(auth_login_valid("b\xc3\xa9"));
	assert_false(auth_login_valid(
	    "a123456789012345678901234567890123456789012345678901234567890123"));
	assert_true(auth_login_valid(
	    "a12345678901234567890123456789012345678901234567890123456789012"));
	assert_true(auth_role_valid("staff"));
	assert_true(auth_role_valid("supervisor"));
	assert_false(auth_role_valid("admin"));

	assert_int_equal(auth_password_acceptable(x->c, "budi", PASSWORD, why, sizeof why), 0);
	assert_int_equal(auth_password_acceptable(x->c, "budi", "pendek", why, sizeof why), -1);
	assert_non_null(strstr(why, "shorter than 10"));
	/* Ten characters, not ten bytes. */
	assert_int_equal(auth_password_acceptable(x->c, "budi", "\xc3\xa9\xc3\xa9\xc3\xa9"
	    "\xc3\xa9\xc3\xa9\xc3\xa9", why, sizeof why), -1);
	assert_int_equal(auth_password_acceptable(x->c, "budisantoso", "budisantoso", why,
	    sizeof why), -1);
	assert_non_null(strstr(why, "login"));
	assert_int_equal(auth_password_acceptable(x->c, "budi", "demo-dlh-ganti", why,
	    sizeof why), -1);
	assert_non_null(strstr(why, "demo"));
	assert_int_equal(auth_password_acceptable(x->c, "budi", "demo-budi-ganti", why,
	    sizeof why), -1);
	assert_int_equal(auth_password_acceptable(x->c, "budi", "demo-verifikator-ganti", why,
	    sizeof why), -1);
}

static void
test_demo_accounts(void **state)
{
	struct ctx *x = *state;
	struct conf *demo = load("http://127.0.0.1:8080", "", CONF_DEMO);
	struct store_account a;
	struct web_user u;
	char token[65], csrf[65];
	int wait;

	assert_non_null(demo);
	assert_int_equal(demo->inbox_demo, 1);
	assert_int_equal(x->c->inbox_demo, 0);
	assert_int_equal(auth_demo_accounts(demo, x->f->s, T0), 4);
	assert_int_equal(auth_demo_accounts(demo, x->f->s, T0), 0);
	assert_int_equal(store_account_get(x->f->s, "dpupr", &a), 1);
	assert_string_equal(a.agency, "dpupr");
	assert_string_equal(a.role, "staff");
	assert_int_equal(store_account_get(x->f->s, "verifikator", &a), 1);
	assert_string_equal(a.agency, "kominfo");
	assert_string_equal(a.role, "supervisor");

	/* Outside demo mode the published password opens nothing... */
	assert_int_equal(auth_login(x->c, x->f->s, "dpupr", "demo-dpupr-ganti", "p", T0, token,
	    csrf, &u, &wait), AUTH_BAD);
	/* ... in demo mode it does, and the cheap hash is replaced by a strong one. */
	assert_int_equal(auth_login(demo, x->f->s, "dpupr", "demo-dpupr-ganti", "p", T0, token,
	    csrf, &u, &wait), 0);
	assert_int_equal(u.triage, 0);
	assert_int_equal(store_account_get(x->f->s, "dpupr", &a), 1);
	assert_int_equal(crypto_password_outdated(a.pw_hash), 0);
	assert_int_equal(crypto_password_check("demo-dpupr-ganti", a.pw_hash), 1);
	assert_int_equal(auth_login(demo, x->f->s, "verifikator", "demo-verifikator-ganti", "p",
	    T0, token, csrf, &u, &wait), 0);
	assert_int_equal(u.triage, 1);
	assert_true(auth_may_reveal(&u));
	conf_free(demo);
}

static int
has_error(const struct conf_errors *errs, const char *needle)
{
	int i;

	for (i = 0; i < errs->n; i++)
		if (strstr(errs->e[i].msg, needle) != NULL)
			return 1;
	return 0;
}

static void
test_conf_inbox(void **state)
{
	struct ctx *x = *state;
	struct conf_errors errs;
	struct conf *c;
	char text[4096];

	assert_int_equal(x->c->inbox_session_idle, 1800);
	assert_int_equal(x->c->inbox_session_max, 43200);
	assert_int_equal(x->c->inbox_login_max_failures, 5);
	assert_int_equal(x->c->inbox_login_window, 900);
	c = load("http://x.example", "inbox = { session_idle = 600; session_max = 3600;\n"
	    "  login_max_failures = 3; login_window = 300; };\n", 0);
	assert_non_null(c);
	assert_int_equal(c->inbox_session_idle, 600);
	assert_int_equal(c->inbox_session_max, 3600);
	assert_int_equal(c->inbox_login_max_failures, 3);
	assert_int_equal(c->inbox_login_window, 300);
	conf_free(c);
	/* Every error at its line: a session cannot outlive its maximum, nor be 0. */
	snprintf(text, sizeof text, conf_text, "http://x.example",
	    "inbox = { session_idle = 7200; session_max = 3600;\n"
	    "  login_max_failures = 0; lifetime = 5; };\n");
	memset(&errs, 0, sizeof errs);
	assert_null(conf_load_string(text, 0, &errs));
	assert_int_equal(errs.n, 3);
	assert_true(has_error(&errs, "login_max_failures"));
	assert_true(has_error(&errs, "lifetime"));
	assert_true(has_error(&errs, "session_max (3600) is below session_idle (7200)"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_store_accounts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_sessions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_failures_and_audit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_plans, setup, teardown),
		cmocka_unit_test_setup_teardown(test_login_fresh_session, setup, teardown),
		cmocka_unit_test_setup_teardown(test_login_one_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_login_backoff, setup, teardown),
		cmocka_unit_test_setup_teardown(test_login_backoff_address, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_expiry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_ended, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_agency_left, setup, teardown),
		cmocka_unit_test(test_csrf),
		cmocka_unit_test_setup_teardown(test_cookie, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_demo_accounts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conf_inbox, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
