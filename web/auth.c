/*
 * auth: logins and sessions of the web inbox (contract in web/auth.h).
 *
 * A login costs one password hash whatever happens (an unknown login is
 * checked against a dummy hash), so that its answer and its time say
 * nothing about which logins exist.  Failures are counted in the store,
 * per login and per client address, so that the back-off survives a
 * restart and holds across HTTP workers; the hash runs before the store
 * is touched for writing (STYLE 14).
 */
#include "web/auth.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "conf/conf.h"
#include "store/store.h"
#include "util/crypto.h"
#include "util/log.h"
#include "util/util.h"

#define BACKOFF_FIRST   2       /* seconds the first slowed try waits; doubles after */
#define ADDR_FACTOR     4       /* an address may fail this many times a login's limit */
#define KEY_MAX         (8 + STORE_LOGIN_LEN + 64)      /* "login:<login>", "addr:<peer>" */
#define DEMO_TRIAGE     "verifikator"   /* the demo supervisor of the triage agency */

/* The dummy hash unknown logins are checked against, made once. */
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static char dummy_hash[CRYPTO_PASSWORD_MAX];

static void
dummy_make(void)
{
	char pw[2 * 16 + 1];

	if (crypto_random_hex(pw, 16) != 0 ||
	    crypto_password_hash(pw, dummy_hash, sizeof dummy_hash) != 0)
		fatal("auth: cannot make the dummy password hash");
}

static int
is_hex64(const char *s)
{
	size_t i;

	if (s == NULL)
		return 0;
	for (i = 0; i < AUTH_TOKEN_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[AUTH_TOKEN_LEN] == '\0';
}

int
auth_login_valid(const char *login)
{
	size_t i;

	if (login == NULL || login[0] == '\0' || login[0] == '.' || login[0] == '-' ||
	    login[0] == '_')
		return 0;
	for (i = 0; login[i] != '\0'; i++) {
		if (i >= STORE_LOGIN_LEN - 1)
			return 0;
		if (!((login[i] >= 'a' && login[i] <= 'z') || (login[i] >= '0' && login[i] <= '9') ||
		    login[i] == '.' || login[i] == '_' || login[i] == '-'))
			return 0;
	}
	return 1;
}

int
auth_role_valid(const char *role)
{
	return role != NULL && (strcmp(role, "staff") == 0 || strcmp(role, "supervisor") == 0);
}

int
auth_may_reveal(const struct web_user *u)
{
	return u != NULL && strcmp(u->role, "supervisor") == 0;
}

/*
 * 1 when password is one README publishes: "demo-<x>-ganti" where x is
 * the login, an agency id of c, or the demo supervisor's login.
 */
static int
is_demo_password(const struct conf *c, const char *login, const char *password)
{
	static const char pre[] = "demo-", post[] = "-ganti";
	size_t len = strlen(password), mid, i;
	const char *m = password + sizeof pre - 1;

	if (len < sizeof pre - 1 + sizeof post - 1 + 1 ||
	    strncmp(password, pre, sizeof pre - 1) != 0 ||
	    strcmp(password + len - (sizeof post - 1), post) != 0)
		return 0;
	mid = len - (sizeof pre - 1) - (sizeof post - 1);
	if ((strlen(login) == mid && strncmp(m, login, mid) == 0) ||
	    (strlen(DEMO_TRIAGE) == mid && strncmp(m, DEMO_TRIAGE, mid) == 0))
		return 1;
	for (i = 0; c != NULL && i < c->nagencies; i++)
		if (strlen(c->agencies[i].id) == mid && strncmp(m, c->agencies[i].id, mid) == 0)
			return 1;
	return 0;
}

/* Characters of s: UTF-8 characters where it is well-formed, else bytes. */
static size_t
chars_of(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), n = 0, k;
	uint32_t cp;

	while (len > 0) {
		k = utf8_next(p, len, &cp);
		if (k == 0)
			k = 1;
		p += k;
		len -= k;
		n++;
	}
	return n;
}

int
auth_password_acceptable(const struct conf *c, const char *login, const char *password,
    char *why, size_t whysz)
{
	if (chars_of(password) < AUTH_PASSWORD_MIN)
		return errf(why, whysz, "the password is shorter than %d characters",
		    AUTH_PASSWORD_MIN);
	if (strlen(password) > AUTH_PASSWORD_MAX)
		return errf(why, whysz, "the password is longer than %d bytes", AUTH_PASSWORD_MAX);
	if (strcasecmp(password, login) == 0)
		return errf(why, whysz, "the password is the login");
	if (is_demo_password(c, login, password))
		return errf(why, whysz, "the password is a demo password that README publishes");
	return 0;
}

/* How long the try after n failures must wait after the last one (0: at once). */
static int64_t
backoff(long n, long max, int64_t window)
{
	long k = n - max;
	int64_t d;

	if (n < max)
		return 0;
	if (k >= 30)
		return window;
	d = (int64_t)BACKOFF_FIRST << k;
	return d < window ? d : window;
}

/* Seconds key must still wait at now (0: none), or -1 on a store error. */
static int64_t
wait_for(struct store *s, const char *key, long max, int64_t window, int64_t now)
{
	int64_t last, left;
	long n = store_login_failures(s, key, now - window, &last);

	if (n < 0)
		return -1;
	left = backoff(n, max, window) - (now - last);
	return left > 0 ? left : 0;
}

/* What a login writes, in one transaction run by the store's writer. */
struct login_tx {
	int ok;                         /* 1: logged in; 0: failed */
	const char *login_key, *addr_key;
	const char *audit_login;        /* who the audit row names */
	const char *detail;
	int64_t now;
	/* ok */
	const char *token_hash, *csrf;
	int64_t account_id, expires;
	const char *login;
	const char *rehash;             /* a new hash with today's parameters, or NULL */
	int64_t window, idle;           /* for the purges */
};

static int
login_write(struct store *s, void *arg)
{
	struct login_tx *t = arg;

	/* Logins sweep up after themselves: a batch of what no longer counts. */
	if (store_login_failures_purge(s, t->now - t->window) < 0 ||
	    store_session_purge(s, t->now, t->now - t->idle) < 0)
		return -1;
	if (!t->ok)
		return store_login_failure_note(s, t->login_key, t->now) != 0 ||
		    store_login_failure_note(s, t->addr_key, t->now) != 0 ||
		    store_audit_add(s, t->now, t->audit_login, "login_failed", 0, t->detail) != 0 ?
		    -1 : 0;
	if (store_session_add(s, t->token_hash, t->account_id, t->csrf, t->now, t->expires) != 0 ||
	    store_login_failures_clear(s, t->login_key) != 0 ||
	    store_audit_add(s, t->now, t->audit_login, "login", 0, t->detail) != 0)
		return -1;
	if (t->rehash != NULL && store_account_set_password(s, t->login, t->rehash, t->now) < 0)
		return -1;
	return 0;
}

static void
user_of(const struct conf *c, const struct store_account *a, struct web_user *u)
{
	long i = conf_agency_find(c, a->agency);

	memset(u, 0, sizeof *u);
	u->id = a->id;
	(void)str_copy(u->login, sizeof u->login, a->login);
	(void)str_copy(u->agency, sizeof u->agency, a->agency);
	(void)str_copy(u->role, sizeof u->role, a->role);
	(void)str_copy(u->name, sizeof u->name, a->name);
	u->triage = i >= 0 && (size_t)i == c->triage;
}

int
auth_login(const struct conf *c, struct store *s, const char *login, const char *password,
    const char *peer, int64_t now, char token[65], char csrf[65], struct web_user *u,
    int *retry_after)
{
	struct store_account a;
	struct login_tx t;
	char login_key[KEY_MAX], addr_key[KEY_MAX], detail[128];
	char token_hash[2 * CRYPTO_SHA256_LEN + 1], rehash[CRYPTO_PASSWORD_MAX];
	const char *stored;
	int64_t wl, wa;
	int found, ok, r;

	token[0] = csrf[0] = '\0';
	memset(u, 0, sizeof *u);
	*retry_after = 0;
	if (login == NULL)
		login = "";
	if (password == NULL)
		password = "";
	if (peer == NULL)
		peer = "";
	/* Keys of bounded size whatever a client sends: the login field is checked below. */
	(void)snprintf(login_key, sizeof login_key, "login:%.*s", STORE_LOGIN_LEN - 1, login);
	(void)snprintf(addr_key, sizeof addr_key, "addr:%.63s", peer);

	wl = wait_for(s, login_key, c->inbox_login_max_failures, c->inbox_login_window, now);
	wa = wait_for(s, addr_key, (long)c->inbox_login_max_failures * ADDR_FACTOR,
	    c->inbox_login_window, now);
	if (wl < 0 || wa < 0)
		return -1;
	if (wl > 0 || wa > 0) {
		*retry_after = (int)(wl > wa ? wl : wa);
		return AUTH_SLOW;
	}

	found = auth_login_valid(login) ? store_account_get(s, login, &a) : 0;
	if (found < 0)
		return -1;
	pthread_once(&dummy_once, dummy_make);
	stored = found ? a.pw_hash : dummy_hash;
	if (strlen(password) <= AUTH_PASSWORD_MAX)
		r = crypto_password_check(password, stored);
	else {
		/* Never hashed, but it costs the time of one check like any failure. */
		(void)crypto_password_check("", dummy_hash);
		r = 0;
	}
	ok = found && r == 1 && !a.disabled && conf_agency_find(c, a.agency) >= 0 &&
	    auth_role_valid(a.role);
	if (ok && !c->inbox_demo && is_demo_password(c, login, password)) {
		log_warnx("inbox: login of %s refused: its password is a demo password that README "
		    "publishes, which opens nothing without --demo; give it one of its own with "
		    "`aduan user passwd %s`", a.login, a.login);
		ok = 0;
	}
	if (found && r < 0)
		log_warnx("inbox: account %s has a malformed password hash; set one with "
		    "`aduan user passwd %s`", a.login, a.login);

	memset(&t, 0, sizeof t);
	t.ok = ok;
	t.login_key = login_key;
	t.addr_key = addr_key;
	t.audit_login = found ? a.login : "-";
	t.now = now;
	t.window = c->inbox_login_window;
	t.idle = c->inbox_session_idle;
	(void)snprintf(detail, sizeof detail, "%s%.63s", *peer ? "from " : "", peer);
	t.detail = detail;
	if (ok) {
		if (crypto_random_hex(token, 32) != 0 || crypto_random_hex(csrf, 32) != 0) {
			log_warnx("inbox: no random numbers for a session");
			token[0] = csrf[0] = '\0';
			return -1;
		}
		crypto_sha256_hex(token, AUTH_TOKEN_LEN, token_hash);
		t.token_hash = token_hash;
		t.csrf = csrf;
		t.account_id = a.id;
		t.expires = now + c->inbox_session_max;
		t.login = a.login;
		/* Hashed again with today's parameters while the password is at hand. */
		if (crypto_password_outdated(a.pw_hash) == 1 &&
		    crypto_password_hash(password, rehash, sizeof rehash) == 0)
			t.rehash = rehash;
	}
	if (store_run(s, login_write, &t) < 0) {
		token[0] = csrf[0] = '\0';
		return -1;
	}
	if (!ok)
		return AUTH_BAD;
	user_of(c, &a, u);
	log_info("inbox: %s (%s) logged in", a.login, a.agency);
	return 0;
}

int
auth_session(const struct conf *c, struct store *s, const char *token, int64_t now,
    struct web_user *u, char csrf[65])
{
	struct store_session ss;
	struct store_account a;
	char token_hash[2 * CRYPTO_SHA256_LEN + 1];
	int r;

	memset(u, 0, sizeof *u);
	csrf[0] = '\0';
	if (!is_hex64(token))
		return AUTH_NONE;
	crypto_sha256_hex(token, AUTH_TOKEN_LEN, token_hash);
	r = store_session_get(s, token_hash, now, now - c->inbox_session_idle, &ss);
	if (r <= 0)
		return r < 0 ? -1 : AUTH_NONE;
	/* session_max may have been lowered since this session began. */
	if (ss.created_at + c->inbox_session_max <= now)
		return AUTH_NONE;
	if ((r = store_account_get_id(s, ss.account_id, &a)) <= 0)
		return r < 0 ? -1 : AUTH_NONE;
	if (a.disabled || conf_agency_find(c, a.agency) < 0 || !auth_role_valid(a.role))
		return AUTH_NONE;
	user_of(c, &a, u);
	(void)str_copy(csrf, 65, ss.csrf);
	return 0;
}

struct logout_tx {
	const char *token_hash;
	int64_t now;
};

static int
logout_write(struct store *s, void *arg)
{
	struct logout_tx *t = arg;
	struct store_session ss;
	struct store_account a;
	int r;

	/* Any session with this hash, expired or not: now 0 and no idle bound. */
	if ((r = store_session_get(s, t->token_hash, 0, 0, &ss)) <= 0)
		return r < 0 ? -1 : 1;
	if (store_session_delete(s, t->token_hash) < 0 ||
	    (r = store_account_get_id(s, ss.account_id, &a)) < 0)
		return -1;
	return store_audit_add(s, t->now, r == 1 ? a.login : "-", "logout", 0, NULL) != 0 ?
	    -1 : 0;
}

int
auth_logout(struct store *s, const char *token)
{
	struct logout_tx t;
	char token_hash[2 * CRYPTO_SHA256_LEN + 1];

	if (!is_hex64(token))
		return 0;
	crypto_sha256_hex(token, AUTH_TOKEN_LEN, token_hash);
	t.token_hash = token_hash;
	t.now = now_unix();
	return store_run(s, logout_write, &t) < 0 ? -1 : 0;
}

int
auth_csrf_ok(const char *expected, const char *given)
{
	if (expected == NULL || given == NULL || expected[0] == '\0')
		return 0;
	return str_secret_equal(given, expected);
}

void
auth_cookie(const struct conf *c, const char *token, int64_t max_age, char *out, size_t outsz)
{
	int secure = c->public_url != NULL && strncasecmp(c->public_url, "https://", 8) == 0;

	if (token == NULL || token[0] == '\0' || max_age <= 0) {
		token = "";
		max_age = 0;
	}
	(void)snprintf(out, outsz, AUTH_COOKIE "=%s; Path=" AUTH_COOKIE_PATH "; Max-Age=%lld;"
	    " HttpOnly; SameSite=Strict%s", token, (long long)max_age, secure ? "; Secure" : "");
}

int
auth_cookie_token(const char *cookie_header, char token[65])
{
	const char *p = cookie_header, *v, *end;
	size_t namelen = sizeof AUTH_COOKIE - 1;

	token[0] = '\0';
	if (p == NULL)
		return 0;
	/* "a=b; aduan_session=...; c=d": the first well-formed one wins (the most specific path). */
	while (*p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ';')
			p++;
		end = p + strcspn(p, ";");
		if ((size_t)(end - p) > namelen && strncmp(p, AUTH_COOKIE, namelen) == 0 &&
		    p[namelen] == '=') {
			v = p + namelen + 1;
			if (end - v == AUTH_TOKEN_LEN) {
				memcpy(token, v, AUTH_TOKEN_LEN);
				token[AUTH_TOKEN_LEN] = '\0';
				if (is_hex64(token))
					return 1;
				token[0] = '\0';
			}
		}
		p = end;
	}
	return 0;
}

/* One demo account, unless its login exists.  1 made, 0 there, -1. */
static int
demo_account(struct store *s, const char *login, const char *agency, const char *role,
    const char *name, int64_t now)
{
	struct store_account a;
	char pw[STORE_LOGIN_LEN + 16];
	int r;

	if ((r = store_account_get(s, login, &a)) != 0)
		return r < 0 ? -1 : 0;
	memset(&a, 0, sizeof a);
	(void)snprintf(pw, sizeof pw, "demo-%s-ganti", login);
	if (str_copy(a.login, sizeof a.login, login) != 0 ||
	    crypto_password_hash_public(pw, a.pw_hash, sizeof a.pw_hash) != 0)
		return -1;
	(void)str_copy(a.agency, sizeof a.agency, agency);
	(void)str_copy(a.role, sizeof a.role, role);
	(void)snprintf(a.name, sizeof a.name, "%s (demo)", name);
	utf8_fix_tail(a.name);
	a.created_at = now;
	if (store_account_add(s, &a) < 0 ||
	    store_audit_add(s, now, "operator", "user_add", 0, "demo account (serve --demo)") != 0)
		return -1;
	return 1;
}

struct demo_tx {
	const struct conf *c;
	int64_t now;
	int made;
};

/* Every demo account in one transaction (the hashes are the cheap ones). */
static int
demo_write(struct store *s, void *arg)
{
	struct demo_tx *t = arg;
	const struct conf *c = t->c;
	size_t i;
	int r;

	for (i = 0; i < c->nagencies; i++) {
		if (!auth_login_valid(c->agencies[i].id))
			continue;
		if ((r = demo_account(s, c->agencies[i].id, c->agencies[i].id, "staff",
		    c->agencies[i].name, t->now)) < 0)
			return -1;
		t->made += r;
	}
	if (c->nagencies > 0) {
		if ((r = demo_account(s, DEMO_TRIAGE, c->agencies[c->triage].id, "supervisor",
		    "Verifikator", t->now)) < 0)
			return -1;
		t->made += r;
	}
	return t->made > 0 ? 0 : 1;
}

int
auth_demo_accounts(const struct conf *c, struct store *s, int64_t now)
{
	struct demo_tx t = { .c = c, .now = now, .made = 0 };

	if (store_run(s, demo_write, &t) < 0)
		return -1;
	log_warnx("DEMO: inbox accounts with the passwords README publishes (%d new): each "
	    "agency's id with demo-<id>-ganti (dpupr / demo-dpupr-ganti), and %s / "
	    "demo-%s-ganti, the triage desk's supervisor.  Without --demo they cannot log in; "
	    "give real staff accounts of their own (aduan user add)", t.made, DEMO_TRIAGE,
	    DEMO_TRIAGE);
	return t.made;
}
