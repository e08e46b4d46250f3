/*
 * detail: one ticket's page.  Its facts with the current stage's due date,
 * why it went where it is (the routing explanation stored with it, and for
 * the triage desk what the rules in force would suggest now), the whole
 * thread with the reporter (the complaint, every TAMBAH, a BATAL, Aduan's
 * replies, and every SMS queued to them with its delivery state), the
 * history of events with who did what, and the forms the viewer may use.
 *
 * The reporter's number is masked (log_mask_phone), and so are numbers in
 * their texts (pii_mask, their own number in any form); the full number is
 * shown only on the answer to a POST to .../reveal, which inbox.c allows
 * to the roles that may and writes to the audit log first.
 */
#include "web/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sms/pii.h"
#include "ticket/json.h"
#include "ticket/lifecycle.h"
#include "util/log.h"

#define EVENTS_MAX      200     /* events shown (a ticket has a handful) */
#define THREAD_MAX      200     /* thread items shown */
#define AUDIT_MAX       100     /* audit rows shown, the newest */

/* A text of the reporter's: masked unless revealed.  Heap; the caller frees. */
static char *
shown(const char *text, const struct store_complaint *cm, int reveal)
{
	if (text == NULL)
		return NULL;
	return reveal ? xstrdup(text) : pii_mask(text, cm->phone);
}

static void
facts(struct html *h, const struct page *p, const struct store_complaint *cm, int reveal)
{
	char when[32], phone[32];
	char *loc = shown(cm->location, cm, reveal);

	html_fmt(h, "<section class=\"box\"><dl>");
	page_time(cm->created_at, when, sizeof when);
	html_fmt(h, "<dt>%s</dt><dd>%s</dd>", tr(p->lang, TR_RECEIVED_AT), when);
	html_fmt(h, "<dt>%s</dt><dd><span class=\"badge\">%s</span></dd>", tr(p->lang, TR_STATUS),
	    page_status(p, cm->status));
	page_time(ticket_due_of(cm), when, sizeof when);
	html_fmt(h, "<dt>%s</dt><dd%s>%s%s%s</dd>", tr(p->lang, TR_DUE),
	    ticket_overdue(cm, p->now) ? " class=\"late\"" : "", when,
	    ticket_overdue(cm, p->now) ? " - " : "",
	    ticket_overdue(cm, p->now) ? tr(p->lang, TR_LATE) : "");
	html_fmt(h, "<dt>%s</dt><dd>%s</dd>", tr(p->lang, TR_AGENCY), page_agency(p, cm->agency));
	html_fmt(h, "<dt>%s</dt><dd>%s</dd>", tr(p->lang, TR_CATEGORY),
	    page_category(p, cm->keyword));
	html_fmt(h, "<dt>%s</dt><dd>%s</dd>", tr(p->lang, TR_REGION), page_region(p, cm->region));
	html_fmt(h, "<dt>%s</dt><dd>%s</dd>", tr(p->lang, TR_LOCATION), loc != NULL ? loc : "-");
	html_fmt(h, "<dt>%s</dt><dd>%s</dd>", tr(p->lang, TR_CHANNEL), cm->channel);
	if (cm->hub_id[0] != '\0')
		html_fmt(h, "<dt>%s</dt><dd class=\"hub-id\">%s</dd>", tr(p->lang, TR_HUB_ID),
		    cm->hub_id);
	if (cm->partner[0] != '\0') {
		/* A partner system (Open311 POST) filed it: which, and what it sent. */
		html_fmt(h, "<dt>%s</dt><dd>%s</dd>", tr(p->lang, TR_PARTNER), cm->partner);
		if (cm->partner_details != NULL)
			html_fmt(h, "<dt>%s</dt><dd><code>%s</code></dd>",
			    tr(p->lang, TR_PARTNER_DETAILS), cm->partner_details);
	}
	html_fmt(h, "<dt>%s</dt><dd>%s", tr(p->lang, TR_REPORTER), cm->phone[0] == '\0' ? "-" :
	    reveal ? cm->phone : log_mask_phone(cm->phone, phone, sizeof phone));
	if (cm->phone[0] == '\0')
		;       /* a partner's complaint without a number: nothing to reveal */
	else if (reveal)
		html_fmt(h, " <span class=\"muted\">(%s)</span>", tr(p->lang, TR_REVEALED));
	else if (p->who != NULL && p->who->may_reveal) {
		html_fmt(h, " <form class=\"inline\" method=\"post\" "
		    "action=\"/inbox/t/%s/reveal\">", cm->ticket);
		page_csrf(h, p);
		html_fmt(h, "<button class=\"link\" type=\"submit\">%s</button></form>",
		    tr(p->lang, TR_REVEAL));
	}
	html_fmt(h, "</dd><dt>%s</dt><dd>%s</dd></dl></section>\n", tr(p->lang, TR_LANGUAGE),
	    strcmp(cm->lang, "en") == 0 ? "English" : "Bahasa Indonesia");
	free(loc);
}

/* Why it is where it is; for the triage desk, what the rules say now. */
static void
route_why(struct html *h, const struct page *p, const struct store_complaint *cm)
{
	const struct conf *c = p->conf;
	struct route_decision d;
	int st = lifecycle_from_name(cm->status);

	html_fmt(h, "<h2>%s</h2><div class=\"box\"><p class=\"pre\">%s</p>",
	    tr(p->lang, TR_ROUTE_WHY), cm->route_explain != NULL && *cm->route_explain != '\0' ?
	    cm->route_explain : "-");
	if (p->who != NULL && p->who->triage && p->rt != NULL && st >= 0 &&
	    !lifecycle_final((enum lc_status)st)) {
		route_text(p->rt, cm->description, strlen(cm->description), &d);
		if (d.agency != c->triage && d.agency < c->nagencies)
			html_fmt(h, "<p><strong>%s: %s</strong></p><p class=\"pre muted\">%s</p>",
			    tr(p->lang, TR_SUGGEST), c->agencies[d.agency].name, d.explain);
		else if (cm->route_explain != NULL && strcmp(cm->route_explain, d.explain) == 0)
			html_fmt(h, "<p>%s</p>", tr(p->lang, TR_SUGGEST_NONE));
		else
			html_fmt(h, "<p>%s</p><p class=\"pre muted\">%s</p>",
			    tr(p->lang, TR_SUGGEST_NONE), d.explain);
	}
	html_fmt(h, "</div>\n");
}

struct thread_ctx {
	struct html *h;
	const struct page *p;
	const struct store_complaint *cm;
	int reveal;
	int n;
};

static const char *
delivery(const struct page *p, const char *state)
{
	if (strcmp(state, "pending") == 0)
		return tr(p->lang, TR_DLV_PENDING);
	if (strcmp(state, "sending") == 0)
		return tr(p->lang, TR_DLV_SENDING);
	if (strcmp(state, "sent") == 0)
		return tr(p->lang, TR_DLV_SENT);
	if (strcmp(state, "dead") == 0)
		return tr(p->lang, TR_DLV_DEAD);
	return state;
}

static void
thread_item(void *arg, const struct store_thread_item *t)
{
	struct thread_ctx *x = arg;
	const struct page *p = x->p;
	char when[32];
	char *text;

	x->n++;
	page_time(t->at, when, sizeof when);
	if (t->outgoing) {
		html_fmt(x->h, "<div class=\"out\"><span class=\"muted\">%s &middot; %s &middot; "
		    "%s: %s", tr(p->lang, TR_TO_CITIZEN), when, tr(p->lang, TR_DELIVERY),
		    delivery(p, t->state));
		if (t->dlr_state[0] != '\0')
			html_fmt(x->h, " (%s)", t->dlr_state);
		if (t->attempts > 1 || strcmp(t->state, "dead") == 0)
			html_fmt(x->h, " &middot; %s: %d", tr(p->lang, TR_ATTEMPTS), t->attempts);
		if (t->last_error[0] != '\0' && strcmp(t->state, "sent") != 0)
			html_fmt(x->h, " &middot; %s", t->last_error);
		html_fmt(x->h, "</span><br><span class=\"pre\">%s</span></div>\n", t->text);
		return;
	}
	text = shown(t->text, x->cm, x->reveal);
	html_fmt(x->h, "<div class=\"in\"><span class=\"muted\">%s &middot; %s &middot; %s</span>"
	    "<br><span class=\"pre\">%s</span>", tr(p->lang, TR_FROM_CITIZEN), when,
	    strcmp(t->command, "add") == 0 ? tr(p->lang, TR_CMD_ADD) :
	    strcmp(t->command, "cancel") == 0 ? tr(p->lang, TR_CMD_CANCEL) :
	    tr(p->lang, TR_CMD_COMPLAINT), text != NULL ? text : "");
	if (t->reply[0] != '\0')
		html_fmt(x->h, "<br><span class=\"muted\">%s: %s</span>", tr(p->lang, TR_AUTO_REPLY),
		    t->reply);
	html_fmt(x->h, "</div>\n");
	free(text);
}

/* The thread; 0, -1 (store). */
static int
thread(struct html *h, const struct page *p, const struct store_complaint *cm, int reveal)
{
	struct thread_ctx x = { h, p, cm, reveal, 0 };
	char *desc;

	html_fmt(h, "<h2>%s</h2><section class=\"thread\">", tr(p->lang, TR_THREAD));
	if (store_inbox_thread(p->store, cm->id, THREAD_MAX, thread_item, &x) != 0)
		return -1;
	if (x.n == 0) {
		/* A USSD complaint has no message: its description is the complaint. */
		desc = shown(cm->description, cm, reveal);
		html_fmt(h, "<div class=\"in\"><span class=\"muted\">%s &middot; %s</span><br>"
		    "<span class=\"pre\">%s</span></div>", tr(p->lang, TR_FROM_CITIZEN),
		    cm->channel, desc != NULL ? desc : "");
		free(desc);
	}
	html_fmt(h, "</section>\n");
	return 0;
}

/* Who an event's actor is, in words. */
static const char *
actor(const struct page *p, const char *a)
{
	if (strcmp(a, "citizen") == 0)
		return tr(p->lang, TR_CITIZEN);
	if (strcmp(a, "aduan") == 0)
		return tr(p->lang, TR_ADUAN);
	return page_agency(p, a);
}

/*
 * The history table; *returned set when the last move was an agency
 * handing the ticket back to triage (an agency setting "received").
 * 0, -1 (store).
 */
static int
history(struct html *h, const struct page *p, const struct store_complaint *cm, int reveal,
    int *returned)
{
	struct store_event *ev = xcalloc(EVENTS_MAX, sizeof *ev);
	char when[32];
	char *note;
	size_t n, i;

	*returned = 0;
	if (store_events_list(p->store, cm->id, ev, EVENTS_MAX, &n) != 0) {
		free(ev);
		return -1;
	}
	html_fmt(h, "<h2>%s</h2><div class=\"scroll\"><table><thead><tr><th>%s</th><th>%s</th>"
	    "<th>%s</th><th>%s</th></tr></thead><tbody>\n", tr(p->lang, TR_HISTORY),
	    tr(p->lang, TR_WHEN), tr(p->lang, TR_WHO), tr(p->lang, TR_STATUS),
	    tr(p->lang, TR_NOTE));
	for (i = 0; i < n; i++) {
		page_time(ev[i].at, when, sizeof when);
		/* A citizen's note may hold numbers: masked like their other texts. */
		note = strcmp(ev[i].actor, "citizen") == 0 ? shown(ev[i].note, cm, reveal) :
		    ev[i].note != NULL ? xstrdup(ev[i].note) : NULL;
		/* Who: the agency and the person of it (a staff login or a token's name). */
		html_fmt(h, "<tr><td>%s</td><td>%s%s%s</td><td>%s%s%s%s%s%s</td>"
		    "<td class=\"pre\">%s%s</td></tr>\n", when, actor(p, ev[i].actor),
		    ev[i].by[0] != '\0' ? " / " : "", ev[i].by,
		    ev[i].status[0] != '\0' ? page_status(p, ev[i].status) : "",
		    ev[i].action[0] != '\0' ? " (" : "", ev[i].action,
		    ev[i].action[0] != '\0' ? ")" : "",
		    ev[i].to_agency[0] != '\0' ? " \xe2\x86\x92 " : "",
		    ev[i].to_agency[0] != '\0' ? page_agency(p, ev[i].to_agency) : "",
		    ev[i].internal ? tr(p->lang, TR_INTERNAL) : "",
		    note != NULL ? note : "");
		if (ev[i].status[0] != '\0' || ev[i].to_agency[0] != '\0')
			*returned = strcmp(ev[i].action, "returned") == 0;
		free(note);
		store_event_clear(&ev[i]);
	}
	html_fmt(h, "</tbody></table></div>\n");
	free(ev);
	return 0;
}

/* The ticket's rows of the audit log: which account did what, when.  0, -1. */
static int
audit(struct html *h, const struct page *p, const struct store_complaint *cm)
{
	struct store_audit *a = xcalloc(AUDIT_MAX, sizeof *a);
	char when[32];
	size_t n, i;

	if (store_audit_list(p->store, cm->id, 0, a, AUDIT_MAX, &n) != 0) {
		free(a);
		return -1;
	}
	if (n > 0) {
		html_fmt(h, "<details><summary>%s (%zu)</summary><div class=\"scroll\"><table>"
		    "<thead><tr><th>%s</th><th>%s</th><th>%s</th></tr></thead><tbody>",
		    tr(p->lang, TR_AUDIT), n, tr(p->lang, TR_WHEN), tr(p->lang, TR_WHO),
		    tr(p->lang, TR_ACTIONS));
		for (i = 0; i < n; i++) {
			page_time(a[i].at, when, sizeof when);
			html_fmt(h, "<tr><td>%s</td><td>%s</td><td>%s</td></tr>", when, a[i].login,
			    a[i].action);
		}
		html_fmt(h, "</tbody></table></div></details>\n");
	}
	free(a);
	return 0;
}

int
detail_render(struct html *h, const struct page *p, const char *number, int reveal,
    const char *notice, const char *error)
{
	struct store_complaint cm;
	struct html body;
	char *desc;
	int r, returned = 0;

	r = store_complaint_get(p->store, number, &cm);
	if (r < 0) {
		log_error("web: ticket %s: %s", number, store_errmsg());
		return 503;
	}
	/* Another agency's ticket reads exactly like one that does not exist. */
	if (r == 0 || !page_may_see(p, &cm)) {
		if (r == 1)
			store_complaint_clear(&cm);
		return 404;
	}
	/* The parts that read the store go first, into a page of their own. */
	html_init(&body);
	if (thread(&body, p, &cm, reveal) != 0 || history(&body, p, &cm, reveal, &returned) != 0 ||
	    audit(&body, p, &cm) != 0) {
		log_error("web: ticket %s: %s", number, store_errmsg());
		html_free(&body);
		store_complaint_clear(&cm);
		return 503;
	}
	page_begin(h, p, cm.ticket);
	html_fmt(h, "<h1>%s %s <span class=\"badge\">%s</span>", tr(p->lang, TR_TICKET), cm.ticket,
	    page_status(p, cm.status));
	if (ticket_overdue(&cm, p->now))
		html_fmt(h, " <span class=\"late\">%s</span>", tr(p->lang, TR_LATE));
	html_fmt(h, "</h1>\n");
	if (notice != NULL)
		html_fmt(h, "<p class=\"box ok\">%s</p>\n", notice);
	if (error != NULL)
		html_fmt(h, "<p class=\"box err\" role=\"alert\">%s</p>\n", error);
	desc = shown(cm.description, &cm, reveal);
	html_fmt(h, "<section class=\"box\"><p class=\"pre\" id=\"description\">%s</p></section>\n",
	    desc != NULL ? desc : "");
	free(desc);
	facts(h, p, &cm, reveal);
	actions_forms(h, p, &cm, returned);
	html_append(h, &body);
	route_why(h, p, &cm);
	page_end(h);
	store_complaint_clear(&cm);
	return 200;
}
