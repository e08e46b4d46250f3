/*
 * web's private header: what the files of web/ share.  Nothing outside
 * web/ includes it; inbox.h is the contract.
 *
 *   inbox.c    the handler: routes, the session, the security checks that
 *              come before any page (CSRF, same origin), the language
 *   page.c     what every page has: the frame and stylesheet, headers,
 *              redirects, error pages, dates, names of statuses and agencies
 *   tr.c       the pages' words in Bahasa Indonesia and English
 *   filter.c   a queue's filter: read from a query, written back into links
 *   queue.c    the queue page and its CSV export
 *   detail.c   one ticket's page
 *   actions.c  the forms on a ticket's page and what a posted one does
 *   dash.c     the dashboard and its SVG charts
 *   login.c    the login form
 *   html.c     the HTML layer (html.h): every value escaped
 *
 * The page functions take a struct page and write into a struct html; they
 * return the HTTP status the page is answered with, so the tests call them
 * on a real store without a server.
 */
#ifndef ADUAN_WEB_INTERNAL_H
#define ADUAN_WEB_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"
#include "net/http.h"
#include "routing/route.h"
#include "sms/lang.h"
#include "store/store.h"
#include "web/html.h"

/* Who is looking, as the pages need it: inbox.c fills it from the session. */
struct viewer {
	const char *login;              /* the account's login */
	const char *name;               /* its display name */
	const char *agency;             /* its agency's id */
	int triage;                     /* 1: the triage desk (every ticket, triage forms) */
	int may_act;                    /* 1: may change tickets (else read only) */
	int may_reveal;                 /* 1: may reveal a reporter's number (audited) */
	const char *csrf;               /* the session's token, put in every form */
};

/* What a page is rendered with; every pointer borrowed for the request. */
struct page {
	const struct conf *conf;
	const struct route_table *rt;   /* the rules in force; NULL: no suggestions */
	struct store *store;
	enum lang lang;                 /* LANG_ID or LANG_EN */
	int64_t now;
	const struct viewer *who;       /* NULL: nobody logged in (the login page) */
	const char *self;               /* this page's path and query without lang, for
	                                   the language switch ("/inbox/queue?page=2") */
};

/* ---- tr.c ------------------------------------------------------------------ */

enum tr_key {
	TR_APP, TR_QUEUE, TR_DASHBOARD, TR_LOGOUT, TR_LOGIN, TR_LOGIN_TITLE, TR_USERNAME,
	TR_PASSWORD, TR_LOGIN_FAILED, TR_LOGIN_SLOWED, TR_LOGIN_EXPIRED, TR_LOGGED_OUT,
	TR_NOT_FOUND, TR_NOT_FOUND_TEXT, TR_FORBIDDEN, TR_FORBIDDEN_TEXT, TR_BAD_REQUEST,
	TR_UNAVAILABLE, TR_UNAVAILABLE_TEXT, TR_CSRF_FAILED, TR_BACK_TO_QUEUE,
	TR_ST_OPEN, TR_ST_ALL, TR_ST_RECEIVED, TR_ST_ROUTED, TR_ST_IN_PROGRESS, TR_ST_RESOLVED,
	TR_ST_CLOSED, TR_ST_DEFERRED, TR_ST_REJECTED, TR_ST_WITHDRAWN,
	TR_STATUS, TR_CATEGORY, TR_REGION, TR_AGE, TR_OVERDUE, TR_SORT, TR_AGENCY, TR_ANY,
	TR_NO_RULE, TR_NO_REGION, TR_AGE_1, TR_AGE_7, TR_AGE_30, TR_AGE_OLDER, TR_ONLY_OVERDUE,
	TR_SORT_NEW, TR_SORT_DUE, TR_TRIAGE_QUEUE, TR_ALL_AGENCIES, TR_APPLY, TR_CSV,
	TR_TICKET, TR_RECEIVED_AT, TR_DUE, TR_SUMMARY, TR_LATE, TR_NONE_FOUND, TR_PAGE_OF,
	TR_PREV, TR_NEXT, TR_SHOWN,
	TR_FACTS, TR_CHANNEL, TR_REPORTER, TR_REVEAL, TR_REVEALED, TR_LANGUAGE, TR_LOCATION,
	TR_ROUTE_WHY, TR_SUGGEST, TR_SUGGEST_NONE, TR_THREAD, TR_THREAD_EMPTY, TR_FROM_CITIZEN,
	TR_TO_CITIZEN, TR_AUTO_REPLY, TR_CMD_COMPLAINT, TR_CMD_ADD, TR_CMD_CANCEL,
	TR_DELIVERY, TR_DLV_PENDING, TR_DLV_SENDING, TR_DLV_SENT, TR_DLV_DEAD, TR_ATTEMPTS,
	TR_HISTORY, TR_WHEN, TR_WHO, TR_NOTE, TR_INTERNAL, TR_CITIZEN, TR_ADUAN,
	TR_ACTIONS, TR_READ_ONLY, TR_FINAL, TR_DONE,
	TR_ACT_ROUTE, TR_ACT_ROUTE_HELP, TR_ACT_HOLD, TR_ACT_HOLD_HELP, TR_ACT_REJECT,
	TR_ACT_REJECT_HELP, TR_REJ_NOT_COMPLAINT, TR_REJ_SPAM, TR_REJ_DUPLICATE,
	TR_DUPLICATE_OF, TR_ACT_TAKEBACK, TR_ACT_TAKEBACK_HELP, TR_ACT_STATUS,
	TR_ACT_STATUS_HELP, TR_ACT_NOTE, TR_ACT_NOTE_HELP, TR_NOTE_TO_CITIZEN,
	TR_NOTE_INTERNAL, TR_ACT_RETURN, TR_ACT_RETURN_HELP, TR_REASON, TR_SEND,
	TR_CANNED_LANG, TR_RETURNED_BY, TR_SET_TO, TR_TO_AGENCY,
	TR_DASH_WINDOW, TR_WEEKS, TR_DASH_PER_WEEK, TR_DASH_TOTAL, TR_DASH_TRIAGE_SHARE,
	TR_DASH_OVERDUE_SHARE, TR_DASH_MEDIAN, TR_DASH_NO_RESPONSE, TR_DASH_OPEN,
	TR_DASH_OTHERS, TR_DASH_WEEK_OF, TR_HOURS, TR_DAYS, TR_DASH_NONE, TR_SIGNED_IN_AS, TR_AUDIT, TR_LOGIN_HELP,
	TR_PARTNER, TR_PARTNER_DETAILS,
	TR_HUB_ID,
	TR_N
};

/* The word k in language l (LANG_ID unless l is LANG_EN); "?" for a hole in the table. */
const char *tr(enum lang l, enum tr_key k);

/* ---- page.c ------------------------------------------------------------------ */

/* The page's head, stylesheet and top bar (navigation when someone is logged in). */
void page_begin(struct html *h, const struct page *p, const char *title);
void page_end(struct html *h);
/*
 * The headers of every inbox answer: Content-Security-Policy, nosniff,
 * Referrer-Policy, Cache-Control: no-store (the pages show personal data).
 */
void page_headers(struct http_response *res);
/* Answers h's page (taken) as text/html with status and page_headers. */
void page_send(struct http_response *res, int status, struct html *h);
/* 303 to location (a path of this site), with page_headers. */
void page_redirect(struct http_response *res, const char *location);
/* A page that says what went wrong (404, 403, 400, 503), with a link back. */
void page_error(struct http_response *res, const struct page *p, int status,
    const char *detail);
/* t as local "28/11/2026 09:52" into buf; "-" for 0. */
void page_time(int64_t t, char *buf, size_t bufsz);
/* The status's name in the page's language ("in_progress" -> "Sedang ditangani"). */
const char *page_status(const struct page *p, const char *status);
/* The agency's short name, or its id when unknown. */
const char *page_agency(const struct page *p, const char *id);
/* The rule's label in the page's language for a keyword; the keyword when unknown. */
const char *page_category(const struct page *p, const char *keyword);
/* The region's name, or its id when unknown. */
const char *page_region(const struct page *p, const char *id);
/* The hidden CSRF field of every form. */
void page_csrf(struct html *h, const struct page *p);
/*
 * 1 when the viewer may see (and act on) the complaint: the triage desk
 * every one, anyone else their agency's only.
 */
int page_may_see(const struct page *p, const struct store_complaint *cm);
/* The value of cookie `name` of the request into out; 1 found, 0 not. */
int page_cookie(const struct http_request *req, const char *name, char *out, size_t outsz);

/* ---- filter.c ---------------------------------------------------------------- */

/* A queue's filter, as its query string says. */
struct qfilter {
	char status[24];        /* "" the open ones (default), "all", or a status */
	char category[64];      /* "" any, "-" those no rule decided, or a rule keyword */
	char region[64];        /* "" any, "-" none named, or a region id */
	int age;                /* 0 any; 1, 7, 30: received within that many days;
	                           -30: more than 30 days ago */
	int overdue;            /* 1: only overdue tickets */
	int by_due;             /* 1: most overdue first; 0: newest first */
	char agency[64];        /* triage desk only: "" its own queue, "*" every
	                           agency, or an agency id */
	long page;              /* 1.. */
};

#define QUEUE_PAGE_ROWS 50      /* tickets per queue page */
#define QUEUE_PAGES_MAX 2000    /* the furthest page asked for (OFFSET stays bounded) */

/* Reads f from the request's query; unknown values are refused: -1 with a reason. */
int filter_read(const struct http_request *req, const struct page *p, struct qfilter *f,
    char *err, size_t errsz);
/* f as a query string (page `page`; 0 leaves page out), without the leading '?'. */
void filter_query(const struct qfilter *f, long page, char *out, size_t outsz);
/* The store's query for f as the viewer may see it (an agency's staff: their own). */
void filter_store(const struct qfilter *f, const struct page *p, struct store_inbox_query *q);
/* The agency f shows: the viewer's own, f->agency, or NULL for every agency. */
const char *filter_agency(const struct qfilter *f, const struct page *p);

/* ---- queue.c ----------------------------------------------------------------- */

/* The queue page for f.  200, or 503 when the store failed (nothing written). */
int queue_render(struct html *h, const struct page *p, const struct qfilter *f);

#define CSV_ROWS_MAX    10000   /* rows a CSV export holds at most */
#define CSV_BYTES_MAX   (16u << 20)

/*
 * Every ticket f selects (all pages, at most CSV_ROWS_MAX), as RFC 4180
 * CSV in UTF-8 with a header line, CRLF line ends, numbers masked: into b.
 * 200, or 503.
 */
int queue_csv(struct sbuf *b, const struct page *p, const struct qfilter *f);
/* One CSV field (quoted when it must be; a leading = + - @ made inert). */
void queue_csv_field(struct sbuf *b, const char *s);

/* ---- detail.c ---------------------------------------------------------------- */

/*
 * The page of ticket `number`: facts, route explanation, the thread with
 * the reporter, the history, the forms.  reveal: the reporter's number in
 * full (the caller checked may_reveal and wrote the audit row).  notice /
 * error: a line to show at the top (NULL: none).  200, 404 (no such
 * ticket, or one the viewer may not see: the same), 503.
 */
int detail_render(struct html *h, const struct page *p, const char *number, int reveal,
    const char *notice, const char *error);

/* ---- actions.c --------------------------------------------------------------- */

/*
 * A posted form as one change of a ticket, field for field the ticket
 * core's request (struct ticket_request, ticket/change.h): filled by
 * actions_request() from the form alone, carried out by actions_apply().
 * Strings borrowed from the request (or static).
 */
struct web_request {
	const char *action;             /* the form: "route", "hold", "reject", "takeback",
	                                   "status", "note", "return" (for logs) */
	const char *status;             /* the new status; NULL: a note alone */
	const char *note;               /* the officer's words; NULL: none */
	int internal;                   /* 1: the note is for staff only */
	const char *new_agency;         /* route: the agency it goes to */
	const char *rejection;          /* reject: "not_complaint", "spam", "duplicate" */
	const char *duplicate_of;       /* rejection "duplicate": the original's ticket */
	int give_back;                  /* 1: return the ticket to triage */
	const char *reason;             /* give_back: why */
};

/*
 * The forms the viewer may use on cm, for its page (none for a final
 * ticket or a read-only viewer).
 */
void actions_forms(struct html *h, const struct page *p, const struct store_complaint *cm,
    int returned);

/*
 * A POST to /inbox/t/{number}/act: checked against the viewer's agency and
 * role, turned into a struct web_request, applied in one transaction.
 * Returns 303 on success (*done: the action, for the page's notice), or
 * 404 (not there or not the viewer's), 403 (not the viewer's role), 400 /
 * 409 with a reason in err, 503.  Nothing is changed unless 303.
 */
int actions_post(const struct page *p, const char *number, const struct http_request *req,
    const char **done, char *err, size_t errsz);

/*
 * The canned note for moving to status in language l: the config's first
 * status_notes entry (c may be NULL), else a built-in one, or "".
 */
const char *actions_canned(const struct conf *c, enum lang l, const char *status);

/* ---- dash.c ------------------------------------------------------------------ */

#define DASH_WEEKS_DEFAULT      8
#define DASH_WEEKS_MAX          26

/* The dashboard over the last `weeks` weeks.  200 or 503. */
int dash_render(struct html *h, const struct page *p, int weeks);

/* ---- login.c ----------------------------------------------------------------- */

/*
 * The login form; login: the name to fill in again (NULL: none); error: a
 * line to show (NULL: none).
 */
void login_render(struct html *h, const struct page *p, const char *login, const char *error);

#endif
