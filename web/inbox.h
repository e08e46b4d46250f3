/*
 * inbox: the agency and triage inbox, HTML pages served by `aduan serve`
 * under /inbox, in Bahasa Indonesia with an English switch (?lang=en, kept
 * in a cookie).  No JavaScript: forms and links only, one small inline
 * stylesheet, charts as inline SVG drawn here.
 *
 *   GET  /inbox                      -> 303 to the queue (or the login page)
 *   GET  /inbox/login                the login form
 *   POST /inbox/login                login: a fresh session, 303 to the queue
 *   POST /inbox/logout               the session ended, 303 to the login form
 *   GET  /inbox/queue?status=&category=&region=&age=&overdue=&sort=&agency=&page=
 *   GET  /inbox/queue.csv?...        what that queue filter shows, as CSV
 *   GET  /inbox/t/{ticket}           one ticket: thread, history, forms
 *   POST /inbox/t/{ticket}/act       an action (action=route, hold, reject, takeback,
 *                                    status, note, return), 303 back to the ticket
 *   POST /inbox/t/{ticket}/reveal    the ticket with the reporter's number (audited)
 *   GET  /inbox/dashboard?weeks=     complaints per week per agency, shares, medians
 *
 * Every page needs a session (web/auth.h) but the login form; every POST
 * a CSRF token of its session; an agency's staff see and act on their
 * agency's tickets only (anything else is 404, the same as a ticket that
 * does not exist), the triage desk on every ticket.  Every answer carries
 * a Content-Security-Policy that allows no script, nosniff, a same-origin
 * referrer and no-store.  Handlers never wait on the network.
 */
#ifndef ADUAN_INBOX_H
#define ADUAN_INBOX_H

#include "conf/conf.h"
#include "net/http.h"
#include "outbox/deliver.h"
#include "store/store.h"

struct live;

/*
 * Borrowed pointers; deliver may be NULL (nothing to wake).  With live set,
 * each request uses the config and routing table in force then and conf is
 * ignored (without it, no route suggestions are shown).
 */
struct inbox_ctx {
	const struct conf *conf;
	struct store *store;
	struct deliver *deliver;
	struct live *live;
};

/* The handler of "/inbox" and "/inbox/" (GET and POST); ctx is a struct inbox_ctx. */
void inbox_handler(void *ctx, const struct http_request *req, struct http_response *res);

#endif
