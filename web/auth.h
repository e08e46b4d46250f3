/*
 * auth: who is using the web inbox.  Logging in (password check, back-off
 * after failures, a fresh session), finding the session of a request
 * (idle and absolute expiry, the account still enabled and its agency
 * still in the config), logging out, the CSRF check, the session cookie,
 * and what a role may do.  The rules for logins, passwords and roles
 * live here, so that the web pages and `aduan user` share them.
 *
 * Sessions: the cookie carries a random token (64 hex digits); the store
 * keeps only its SHA-256 (store.h, "accounts").  Each session has a CSRF
 * token of its own, returned with it, that every form carries.
 *
 * Threads: every function may be called from any HTTP worker; nothing is
 * kept between calls.  auth_login() takes a tenth of a second (the
 * password hash) outside the store's lock, by design.
 *
 * Buffers: token and csrf are 65 bytes (64 hex digits and a NUL),
 * struct web_user is the caller's.
 */
#ifndef ADUAN_WEB_AUTH_H
#define ADUAN_WEB_AUTH_H

#include <stddef.h>
#include <stdint.h>

struct conf;
struct store;

#define AUTH_TOKEN_LEN  64              /* hex digits of a session token, a CSRF token */
#define AUTH_COOKIE     "aduan_session" /* the session cookie's name */
#define AUTH_COOKIE_PATH "/inbox"       /* the cookie is sent to the inbox only */
#define AUTH_PASSWORD_MIN 10            /* characters (bytes) a password has at least */
#define AUTH_PASSWORD_MAX 1024          /* and at most: a longer one is refused unhashed */

/* Answers besides 0 (done) and -1 (the store failed: answer 503). */
#define AUTH_BAD        1       /* wrong login or password (or disabled): one answer */
#define AUTH_SLOW       2       /* too many recent failures: wait *retry_after seconds */
#define AUTH_NONE       3       /* no valid session: log in */

/* The person behind a request, from their account. */
struct web_user {
	int64_t id;             /* the account's id */
	char login[64];
	char agency[64];        /* an agency id of the config */
	char role[16];          /* "staff", "supervisor" */
	char name[128];         /* full name, "" when none */
	int triage;             /* 1: agency is the config's triage agency (the desk) */
};

/*
 * Checks login and password.  0: logged in, with a new session (a fresh
 * token each time, never one the client brought) in token, its CSRF token
 * in csrf, the user in *u; failures of this login are forgotten.
 * AUTH_BAD: unknown login, disabled account, agency not in the config,
 * wrong password, or a published demo password while the config was not
 * loaded with CONF_DEMO (logged, telling the operator to run `aduan user
 * passwd`): one answer for all, in about the same time (an unknown login
 * is checked against a dummy hash); the failure is counted for the login
 * and for the client address peer.  AUTH_SLOW: too many failures lately
 * (conf's inbox.login_max_failures within inbox.login_window for the
 * login, four times that for the address, which a whole office may
 * share): nothing checked, try again after *retry_after seconds; the wait
 * doubles with each further failure, up to login_window.  -1: store
 * error.  Logins, failures and refusals go to the audit log.
 */
int auth_login(const struct conf *c, struct store *s, const char *login, const char *password,
    const char *peer, int64_t now, char token[65], char csrf[65], struct web_user *u,
    int *retry_after);

/*
 * The session of cookie token token at now: 0 valid (*u and csrf filled),
 * AUTH_NONE when there is none, it sat idle longer than
 * inbox.session_idle or lived longer than inbox.session_max, its account
 * is disabled or gone, or the account's agency left the config; -1 store
 * error.  A valid session's idle time starts again.
 */
int auth_session(const struct conf *c, struct store *s, const char *token, int64_t now,
    struct web_user *u, char csrf[65]);

/* Ends the session of token (logout; audited).  0 (also when there was none), -1. */
int auth_logout(struct store *s, const char *token);

/* 1 when given equals the session's CSRF token expected, in constant time; 0 otherwise. */
int auth_csrf_ok(const char *expected, const char *given);

/* 1 when u's role may reveal a reporter's full number (supervisor); the caller audits it. */
int auth_may_reveal(const struct web_user *u);

/*
 * The Set-Cookie value for token: AUTH_COOKIE=token with Path=/inbox,
 * Max-Age, HttpOnly, SameSite=Strict, and Secure when server.public_url
 * is https.  max_age 0 (token NULL or ""): the cookie that clears it.
 * Cut to fit outsz (256 is enough).
 */
void auth_cookie(const struct conf *c, const char *token, int64_t max_age, char *out,
    size_t outsz);

/*
 * The session token in a request's Cookie header (NULL: none): 1 found
 * (64 hex digits, copied to token), 0 none or malformed.
 */
int auth_cookie_token(const char *cookie_header, char token[65]);

/* ---- the rules `aduan user` and the demo accounts share ---- */

/* 1 when login is 1 to 63 of [a-z0-9._-], starting with a letter or digit. */
int auth_login_valid(const char *login);
/* 1 for "staff" and "supervisor". */
int auth_role_valid(const char *role);
/*
 * 0 when password may be set for login; -1 with the reason in why: shorter
 * than AUTH_PASSWORD_MIN, longer than AUTH_PASSWORD_MAX, equal to the
 * login, or a published demo password.
 */
int auth_password_acceptable(const struct conf *c, const char *login, const char *password,
    char *why, size_t whysz);

/*
 * serve --demo: makes sure each agency of c has an account (login = the
 * agency id, role staff, password demo-<id>-ganti) and the triage agency
 * a supervisor "verifikator" (demo-verifikator-ganti); existing accounts
 * are left alone.  Logs a DEMO warning naming them.  Number created, -1.
 */
int auth_demo_accounts(const struct conf *c, struct store *s, int64_t now);

#endif
