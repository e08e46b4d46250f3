/*
 * inbox: the handler of /inbox (contract in inbox.h).  It does what comes
 * before any page: the config in force, the language (?lang=, then the
 * aduan_lang cookie, then Bahasa Indonesia), the session (web/auth.h),
 * and for every POST the checks that a form came from one of our pages of
 * this very session: an Origin (or Referer) of another site is refused, and
 * the form's CSRF token must be the session's.  Then it hands the request
 * to the page that answers it.
 *
 * A POST without a valid session or token changes nothing and answers
 * 403; a GET without a session goes to the login form.  Each answer
 * carries page_headers() (no script, no framing, no caching).
 */
#include "web/inbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/live.h"
#include "ticket/lifecycle.h"
#include "util/crypto.h"
#include "util/log.h"
#include "web/auth.h"
#include "web/internal.h"

#define LANG_COOKIE     "aduan_lang"
#define LANG_MAX_AGE    31536000        /* a year */
#define SELF_MAX        1024            /* a page's own URL, for the language switch */

/* One request's state, for the pages. */
struct req_ctx {
	const struct inbox_ctx *ix;
	const struct http_request *req;
	struct http_response *res;
	struct page p;
	struct viewer who;
	struct web_user user;
	char csrf[65];
	char token[65];
	char self[SELF_MAX];
};

/* ---- language and the page's own URL ------------------------------------------ */

struct self_build {
	char *out;
	size_t size;
};

static int
self_param(void *arg, const char *name, const char *value, size_t len)
{
	struct self_build *b = arg;
	char n[96], v[600];
	size_t at = strlen(b->out);

	if (strcmp(name, "lang") == 0 || strcmp(name, "done") == 0 || strlen(value) != len)
		return 0;
	if (html_url_encode(name, n, sizeof n) < 0 || html_url_encode(value, v, sizeof v) < 0)
		return 0;
	if (at + strlen(n) + strlen(v) + 2 >= b->size)
		return 1;
	snprintf(b->out + at, b->size - at, "%s%s=%s", strchr(b->out, '?') != NULL ? "&" : "?",
	    n, v);
	return 0;
}

/* This page's path and query without lang (for the switch link). */
static void
self_url(const struct http_request *req, const char *path, char *out, size_t outsz)
{
	struct self_build b = { out, outsz };

	if (str_copy(out, outsz, path) != 0) {
		(void)str_copy(out, outsz, "/inbox/queue");
		return;
	}
	(void)http_params_each(req, 0, self_param, &b);
}

/* The page's language; a ?lang= choice is kept in a cookie. */
static enum lang
choose_lang(const struct http_request *req, struct http_response *res)
{
	const char *q = http_param(req, "lang", NULL);
	char c[8];

	if (q != NULL && (strcmp(q, "id") == 0 || strcmp(q, "en") == 0)) {
		char cookie[128];

		snprintf(cookie, sizeof cookie, LANG_COOKIE "=%s; Path=/inbox; Max-Age=%d; "
		    "SameSite=Lax; HttpOnly", q, LANG_MAX_AGE);
		(void)http_respond_header(res, "Set-Cookie", cookie);
		return strcmp(q, "en") == 0 ? LANG_EN : LANG_ID;
	}
	if (page_cookie(req, LANG_COOKIE, c, sizeof c) && strcmp(c, "en") == 0)
		return LANG_EN;
	return LANG_ID;
}

/* ---- the checks before a POST ----------------------------------------------------- */

/*
 * 1 when the request's Origin (or, without one, its Referer) names this
 * host, or when it has neither (then the CSRF token alone decides).
 */
static int
same_origin(const struct http_request *req)
{
	const char *host = http_header(req, "Host");
	const char *o = http_header(req, "Origin");
	const char *at;
	size_t n;

	if (o == NULL)
		o = http_header(req, "Referer");
	if (o == NULL)
		return 1;
	if (host == NULL || (at = strstr(o, "://")) == NULL)
		return 0;
	at += 3;
	n = strlen(host);
	return strncmp(at, host, n) == 0 && (at[n] == '\0' || at[n] == '/');
}

/* 1 when the form carries this session's CSRF token. */
static int
csrf_ok(const struct req_ctx *r)
{
	size_t len;
	const char *given = http_param(r->req, "csrf", &len);

	return given != NULL && strlen(given) == len && auth_csrf_ok(r->csrf, given);
}

/* ---- pages --------------------------------------------------------------------------- */

static void
render(struct req_ctx *r, int status, struct html *h)
{
	if (status == 200 || status == 400 || status == 403 || status == 409 ||
	    status == 401 || status == 429) {
		page_send(r->res, status, h);
		return;
	}
	html_free(h);
	page_error(r->res, &r->p, status, NULL);
}

static void
login_page(struct req_ctx *r, const char *login, const char *error, int status)
{
	struct html h;

	html_init(&h);
	login_render(&h, &r->p, login, error);
	page_send(r->res, status, &h);
}

static void
do_login(struct req_ctx *r)
{
	const struct conf *c = r->p.conf;
	const char *login = http_param(r->req, "login", NULL);
	const char *password = http_param(r->req, "password", NULL);
	char cookie[320], msg[200], secs[16];
	const char *name = "seconds", *value = secs;
	int rc, retry = 0;

	if (!same_origin(r->req)) {
		page_error(r->res, &r->p, 403, tr(r->p.lang, TR_CSRF_FAILED));
		return;
	}
	if (login == NULL || password == NULL || strlen(login) > 64 ||
	    strlen(password) > AUTH_PASSWORD_MAX) {
		login_page(r, NULL, tr(r->p.lang, TR_LOGIN_FAILED), 401);
		return;
	}
	rc = auth_login(c, r->ix->store, login, password, http_request_peer(r->req), r->p.now,
	    r->token, r->csrf, &r->user, &retry);
	if (rc == 0) {
		auth_cookie(c, r->token, c->inbox_session_max, cookie, sizeof cookie);
		page_redirect(r->res, "/inbox/queue");
		(void)http_respond_header(r->res, "Set-Cookie", cookie);
		return;
	}
	if (rc == AUTH_SLOW) {
		snprintf(secs, sizeof secs, "%d", retry > 0 ? retry : 1);
		(void)conf_fill(tr(r->p.lang, TR_LOGIN_SLOWED), &name, &value, 1, msg, sizeof msg);
		login_page(r, login, msg, 429);
		(void)http_respond_header(r->res, "Retry-After", secs);
		return;
	}
	if (rc < 0) {
		log_error("web: login: %s", store_errmsg());
		page_error(r->res, &r->p, 503, NULL);
		return;
	}
	login_page(r, login, tr(r->p.lang, TR_LOGIN_FAILED), 401);
}

static void
do_logout(struct req_ctx *r)
{
	char cookie[320];

	if (auth_logout(r->ix->store, r->token) != 0)
		log_error("web: logout: %s", store_errmsg());
	auth_cookie(r->p.conf, NULL, 0, cookie, sizeof cookie);
	page_redirect(r->res, "/inbox/login?bye=1");
	(void)http_respond_header(r->res, "Set-Cookie", cookie);
}

static void
do_queue(struct req_ctx *r, int csv)
{
	struct qfilter f;
	struct html h;
	struct sbuf b;
	char err[200];
	int st;

	if (filter_read(r->req, &r->p, &f, err, sizeof err) != 0) {
		page_error(r->res, &r->p, 400, err);
		return;
	}
	if (!csv) {
		html_init(&h);
		render(r, queue_render(&h, &r->p, &f), &h);
		return;
	}
	sbuf_init(&b, CSV_BYTES_MAX);
	st = queue_csv(&b, &r->p, &f);
	if (st != 200 || b.overflow) {
		free(b.s);
		page_error(r->res, &r->p, st != 200 ? st : 503, NULL);
		return;
	}
	page_headers(r->res);
	http_respond(r->res, 200, "text/csv; charset=utf-8", b.s != NULL ? b.s : "", b.len);
	(void)http_respond_header(r->res, "Content-Disposition",
	    "attachment; filename=\"aduan-antrian.csv\"");
	free(b.s);
}

static void
do_dashboard(struct req_ctx *r)
{
	const char *w = http_param(r->req, "weeks", NULL);
	struct html h;
	long weeks = DASH_WEEKS_DEFAULT;

	if (w != NULL && str_to_long(w, 1, DASH_WEEKS_MAX, &weeks) != 0)
		weeks = DASH_WEEKS_DEFAULT;
	html_init(&h);
	render(r, dash_render(&h, &r->p, (int)weeks), &h);
}

/* The ticket's page, with a notice or an error line. */
static void
ticket_page(struct req_ctx *r, const char *number, int reveal, int status, const char *notice,
    const char *error)
{
	struct html h;
	int st;

	html_init(&h);
	st = detail_render(&h, &r->p, number, reveal, notice, error);
	render(r, st == 200 ? status : st, &h);
}

static void
do_ticket(struct req_ctx *r, const char *number)
{
	const char *done = http_param(r->req, "done", NULL);

	ticket_page(r, number, 0, 200, done != NULL ? tr(r->p.lang, TR_DONE) : NULL, NULL);
}

static void
do_act(struct req_ctx *r, const char *number)
{
	const char *done;
	char err[300], loc[64];
	int st;

	st = actions_post(&r->p, number, r->req, &done, err, sizeof err);
	if (st == 303) {
		if (r->ix->deliver != NULL)
			deliver_wake(r->ix->deliver);
		snprintf(loc, sizeof loc, "/inbox/t/%s?done=%s", number, done);
		page_redirect(r->res, loc);
		return;
	}
	if (st == 404 || st == 503) {
		page_error(r->res, &r->p, st, NULL);
		return;
	}
	if (st == 403) {
		page_error(r->res, &r->p, 403, NULL);
		return;
	}
	ticket_page(r, number, 0, st, NULL, err);
}

/* The ticket with the reporter's number, for a role that may; audited before it shows. */
static void
do_reveal(struct req_ctx *r, const char *number)
{
	struct store_complaint cm;
	int found, rc;

	found = store_complaint_get(r->ix->store, number, &cm);
	if (found < 0) {
		page_error(r->res, &r->p, 503, NULL);
		return;
	}
	if (found == 0 || !page_may_see(&r->p, &cm)) {
		if (found == 1)
			store_complaint_clear(&cm);
		page_error(r->res, &r->p, 404, NULL);
		return;
	}
	if (!r->who.may_reveal) {
		store_complaint_clear(&cm);
		page_error(r->res, &r->p, 403, NULL);
		return;
	}
	rc = store_begin(r->ix->store);
	if (rc == 0 && (rc = store_audit_add(r->ix->store, r->p.now, r->user.login, "reveal",
	    cm.id, cm.ticket)) == 0)
		rc = store_commit(r->ix->store);
	else if (rc == 0)
		store_rollback(r->ix->store);
	store_complaint_clear(&cm);
	if (rc != 0) {
		log_error("web: reveal %s: %s", number, store_errmsg());
		page_error(r->res, &r->p, 503, NULL);
		return;
	}
	log_info("web: %s (%s) revealed the reporter of ticket %s", r->user.login,
	    r->user.agency, number);
	ticket_page(r, number, 1, 200, NULL, NULL);
}

/* ---- routing ---------------------------------------------------------------------- */

/* 1 when the method is not the one the path takes: answered 405 with Allow. */
static int
wrong_method(struct req_ctx *r, int post, int want_post)
{
	if (post == want_post)
		return 0;
	page_headers(r->res);
	http_respond_text(r->res, 405, "method not allowed\n");
	(void)http_respond_header(r->res, "Allow", want_post ? "POST" : "GET");
	return 1;
}

/* The ticket number of "/inbox/t/NNNNNNNN[/rest]" into number, and what follows. */
static const char *
ticket_path(const char *path, char number[9])
{
	const char *t = path + strlen("/inbox/t/");

	if (strspn(t, "0123456789") != 8 || (t[8] != '\0' && t[8] != '/'))
		return NULL;
	memcpy(number, t, 8);
	number[8] = '\0';
	return t + 8;
}

/* A page that needs a session: 0 with r->user and r->who set, else answered. */
static int
session(struct req_ctx *r, int post)
{
	int rc = AUTH_NONE, had = 0;

	if (auth_cookie_token(http_header(r->req, "Cookie"), r->token)) {
		had = 1;
		rc = auth_session(r->p.conf, r->ix->store, r->token, r->p.now, &r->user, r->csrf);
	}
	if (rc < 0) {
		log_error("web: session: %s", store_errmsg());
		page_error(r->res, &r->p, 503, NULL);
		return -1;
	}
	if (rc != 0) {
		r->token[0] = '\0';
		if (post)
			page_error(r->res, &r->p, 403, tr(r->p.lang, TR_LOGIN_EXPIRED));
		else
			page_redirect(r->res, had ? "/inbox/login?expired=1" : "/inbox/login");
		return -1;
	}
	r->who.login = r->user.login;
	r->who.name = r->user.name;
	r->who.agency = r->user.agency;
	r->who.triage = r->user.triage;
	r->who.may_act = 1;     /* staff and supervisors both work tickets */
	r->who.may_reveal = auth_may_reveal(&r->user);
	r->who.csrf = r->csrf;
	r->p.who = &r->who;
	if (post && (!same_origin(r->req) || !csrf_ok(r))) {
		log_warnx("web: %s: a form without this session's CSRF token (or from another "
		    "site) refused", r->user.login);
		page_error(r->res, &r->p, 403, tr(r->p.lang, TR_CSRF_FAILED));
		return -1;
	}
	return 0;
}

static void
route(struct req_ctx *r)
{
	const char *path = http_request_path(r->req);
	int post = http_request_method(r->req) == HTTP_POST;
	const char *rest;
	char number[9];

	if (path == NULL || strcmp(path, "/inbox") == 0 || strcmp(path, "/inbox/") == 0) {
		if (!wrong_method(r, post, 0))
			page_redirect(r->res, "/inbox/queue");
	} else if (strcmp(path, "/inbox/login") == 0) {
		if (post)
			do_login(r);
		else
			login_page(r, NULL, http_param(r->req, "expired", NULL) != NULL ?
			    tr(r->p.lang, TR_LOGIN_EXPIRED) : http_param(r->req, "bye", NULL) !=
			    NULL ? tr(r->p.lang, TR_LOGGED_OUT) : NULL, 200);
	} else if (strcmp(path, "/inbox/logout") == 0) {
		if (!wrong_method(r, post, 1) && session(r, 1) == 0)
			do_logout(r);
	} else if (strcmp(path, "/inbox/queue") == 0 || strcmp(path, "/inbox/queue.csv") == 0) {
		if (!wrong_method(r, post, 0) && session(r, 0) == 0)
			do_queue(r, strcmp(path, "/inbox/queue.csv") == 0);
	} else if (strcmp(path, "/inbox/dashboard") == 0) {
		if (!wrong_method(r, post, 0) && session(r, 0) == 0)
			do_dashboard(r);
	} else if (strncmp(path, "/inbox/t/", 9) == 0 &&
	    (rest = ticket_path(path, number)) != NULL &&
	    (*rest == '\0' || strcmp(rest, "/act") == 0 || strcmp(rest, "/reveal") == 0)) {
		if (wrong_method(r, post, *rest != '\0') || session(r, post) != 0)
			return;
		/* A posted page's language switch goes to the ticket, not the form's URL. */
		snprintf(r->self, sizeof r->self, "/inbox/t/%s", number);
		if (*rest == '\0')
			do_ticket(r, number);
		else if (strcmp(rest, "/act") == 0)
			do_act(r, number);
		else
			do_reveal(r, number);
	} else if (session(r, post) == 0) {
		/* Unknown, or a malformed ticket number: the same 404 as a ticket not there. */
		page_error(r->res, &r->p, 404, NULL);
	}
}

void
inbox_handler(void *ctx, const struct http_request *req, struct http_response *res)
{
	const struct inbox_ctx *ix = ctx;
	const struct live_snap *snap = NULL;
	struct req_ctx *r = xcalloc(1, sizeof *r);

	r->ix = ix;
	r->req = req;
	r->res = res;
	r->p.conf = ix->conf;
	if (ix->live != NULL) {
		snap = live_get(ix->live);
		r->p.conf = snap->conf;
		r->p.rt = snap->rt;
	}
	r->p.store = ix->store;
	r->p.now = now_unix();
	r->p.lang = choose_lang(req, res);
	self_url(req, http_request_path(req) != NULL ? http_request_path(req) : "/inbox/queue",
	    r->self, sizeof r->self);
	r->p.self = r->self;
	route(r);
	if (snap != NULL)
		live_put(ix->live, snap);
	crypto_cleanse(r->token, sizeof r->token);
	crypto_cleanse(r->csrf, sizeof r->csrf);
	free(r);
}
