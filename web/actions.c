/*
 * actions: the forms on a ticket's page and what a posted one does.
 *
 * The triage desk routes (disposisi, the agency the rules suggest chosen
 * first), puts on hold (tunda), rejects (not a complaint, spam, or a
 * duplicate of ticket N), takes back a ticket an agency returned, and
 * writes notes.  An agency's staff change the status with a note (one form
 * per status they may move to, its canned text in the reporter's language
 * ready to edit), write a note for the reporter (sent by SMS: its delivery
 * shows in the thread) or for staff only, and return a ticket to triage
 * ("bukan wewenang") with a reason.
 *
 * Every post goes the same way (actions_post): the ticket is read in the
 * transaction that changes it, and one that is not the viewer's is a 404
 * before anything else is looked at, exactly as the agency API answers;
 * an action the viewer's role may not take is a 403; then the form becomes
 * one struct web_request (actions_request, the only reader of the form's
 * fields) and actions_apply carries it out through the ticket core, the
 * same code path as the agency API's status changes.  Nothing is kept
 * unless all of it succeeded.
 */
#include "web/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sms/text.h"
#include "ticket/change.h"
#include "ticket/lifecycle.h"
#include "util/log.h"

#define NOTE_MAX_CHARS  1000    /* as the agency API */
#define FIELD_MAX       8192    /* bytes of any one field */

/* ---- canned texts ------------------------------------------------------------ */

/*
 * What an officer usually tells the reporter when moving a ticket to a
 * status, in the reporter's language: the form starts with it, to edit.
 */
static const struct {
	const char *status;
	const char *text[LANG_N];
} canned[] = {
	{ "routed", { "Aduan Anda kami teruskan ke instansi yang berwenang.",
	    "We have passed your complaint to the agency in charge." } },
	{ "in_progress", { "Petugas kami sedang menangani aduan Anda.",
	    "Our staff are working on your complaint." } },
	{ "resolved", { "Aduan Anda sudah kami tindak lanjuti. Bila belum selesai, balas "
	    "TAMBAH dan nomor tiket.", "We have dealt with your complaint. If it is not "
	    "solved, reply ADD and the ticket number." } },
	{ "deferred", { "Penanganan aduan Anda kami tunda sementara.",
	    "We have put your complaint on hold for now." } },
	{ "rejected", { "Aduan Anda tidak dapat kami tindak lanjuti.",
	    "We cannot act on your complaint." } },
	{ "closed", { "Aduan Anda kami tutup. Terima kasih.",
	    "We have closed your complaint. Thank you." } },
};

const char *
actions_canned(const struct conf *c, enum lang l, const char *status)
{
	const char *const *notes;
	size_t i;

	/* The operator's canned notes (status_notes) first, then the built-in one. */
	if (c != NULL && conf_status_notes(c, l, status, &notes) > 0)
		return notes[0];
	for (i = 0; i < ARRAY_LEN(canned); i++)
		if (strcmp(canned[i].status, status) == 0)
			return canned[i].text[l == LANG_EN ? LANG_EN : LANG_ID];
	return "";
}

/* The reporter's language, for the texts they will read. */
static enum lang
reporter_lang(const struct page *p, const struct store_complaint *cm)
{
	enum lang l = lang_from_code(cm->lang);

	return l == LANG_NONE ? p->conf->default_lang : l;
}

/* The kinds of rejection the core knows (ticket/change.h); it words the SMS. */
static const char *const rejections[] = { "not_complaint", "spam", "duplicate" };

/* ---- the forms ------------------------------------------------------------------ */

static const char *
triage_id(const struct conf *c)
{
	return c->triage < c->nagencies ? c->agencies[c->triage].id : "";
}

/* The start of a form posting `action` for cm, with its CSRF token. */
static void
form_open(struct html *h, const struct page *p, const struct store_complaint *cm,
    const char *action, const char *title, const char *help, int open)
{
	html_fmt(h, "<details%s><summary>%s</summary><form method=\"post\" "
	    "action=\"/inbox/t/%s/act\"><input type=\"hidden\" name=\"action\" value=\"%s\">",
	    open ? " open" : "", title, cm->ticket, action);
	page_csrf(h, p);
	if (help != NULL)
		html_fmt(h, "<p class=\"muted\">%s</p>", help);
}

static void
form_close(struct html *h, const struct page *p)
{
	html_fmt(h, "<button type=\"submit\">%s</button></form></details>\n",
	    tr(p->lang, TR_SEND));
}

/* A note field starting with text. */
static void
note_field(struct html *h, const struct page *p, const char *name, const char *text,
    const struct store_complaint *cm, int required)
{
	html_fmt(h, "<label>%s <span class=\"muted\">(%s: %s)</span><textarea name=\"%s\" "
	    "maxlength=\"%d\"%s>%s</textarea></label>", tr(p->lang, TR_NOTE),
	    tr(p->lang, TR_CANNED_LANG), reporter_lang(p, cm) == LANG_EN ? "English" :
	    "Bahasa Indonesia", name, NOTE_MAX_CHARS, required ? " required" : "", text);
}

/* The agency the rules in force would pick for cm; NULL when none but triage. */
static const char *
suggested(const struct page *p, const struct store_complaint *cm)
{
	struct route_decision d;

	if (p->rt == NULL)
		return NULL;
	route_text(p->rt, cm->description, strlen(cm->description), &d);
	return d.agency != p->conf->triage && d.agency < p->conf->nagencies ?
	    p->conf->agencies[d.agency].id : NULL;
}

static void
triage_forms(struct html *h, const struct page *p, const struct store_complaint *cm,
    int returned)
{
	const struct conf *c = p->conf;
	const char *sug = suggested(p, cm);
	int at_triage = strcmp(cm->agency, triage_id(c)) == 0;
	size_t i;

	if (returned && at_triage) {
		form_open(h, p, cm, "takeback", tr(p->lang, TR_ACT_TAKEBACK),
		    tr(p->lang, TR_ACT_TAKEBACK_HELP), 1);
		html_fmt(h, "<label>%s<textarea name=\"note\" maxlength=\"%d\"></textarea></label>",
		    tr(p->lang, TR_NOTE_INTERNAL), NOTE_MAX_CHARS);
		form_close(h, p);
	}
	form_open(h, p, cm, "route", tr(p->lang, TR_ACT_ROUTE), tr(p->lang, TR_ACT_ROUTE_HELP),
	    at_triage && !returned);
	html_fmt(h, "<label>%s<br><select name=\"agency\" required>", tr(p->lang, TR_TO_AGENCY));
	if (sug == NULL)
		html_fmt(h, "<option value=\"\"></option>");
	for (i = 0; i < c->nagencies; i++) {
		if (i == c->triage || strcmp(c->agencies[i].id, cm->agency) == 0)
			continue;
		html_fmt(h, "<option value=\"%s\"%s>%s%s</option>", c->agencies[i].id,
		    sug != NULL && strcmp(sug, c->agencies[i].id) == 0 ? " selected" : "",
		    c->agencies[i].name, sug != NULL && strcmp(sug, c->agencies[i].id) == 0 ?
		    " *" : "");
	}
	html_fmt(h, "</select></label>");
	note_field(h, p, "note", actions_canned(p->conf, reporter_lang(p, cm), "routed"), cm, 0);
	form_close(h, p);
	form_open(h, p, cm, "hold", tr(p->lang, TR_ACT_HOLD), tr(p->lang, TR_ACT_HOLD_HELP), 0);
	note_field(h, p, "note", actions_canned(p->conf, reporter_lang(p, cm), "deferred"), cm, 0);
	form_close(h, p);
	form_open(h, p, cm, "reject", tr(p->lang, TR_ACT_REJECT), tr(p->lang, TR_ACT_REJECT_HELP),
	    0);
	html_fmt(h, "<label><input type=\"radio\" name=\"kind\" value=\"not_complaint\" checked> "
	    "%s</label><label><input type=\"radio\" name=\"kind\" value=\"spam\"> %s</label>"
	    "<label><input type=\"radio\" name=\"kind\" value=\"duplicate\"> %s</label>"
	    "<label>%s <input name=\"duplicate_of\" inputmode=\"numeric\" pattern=\"[0-9]{8}\" "
	    "maxlength=\"8\" size=\"9\"></label>", tr(p->lang, TR_REJ_NOT_COMPLAINT),
	    tr(p->lang, TR_REJ_SPAM), tr(p->lang, TR_REJ_DUPLICATE), tr(p->lang, TR_DUPLICATE_OF));
	note_field(h, p, "note", "", cm, 0);
	form_close(h, p);
}

/* One form per status the agency may move cm to, each with its canned text. */
static void
status_forms(struct html *h, const struct page *p, const struct store_complaint *cm)
{
	int cur = lifecycle_from_name(cm->status), to;
	char title[160];

	if (cur < 0)
		return;
	for (to = 0; to < LC_N; to++) {
		const char *name = lifecycle_name((enum lc_status)to);

		/* Routing is triage's; withdrawing the reporter's. */
		if (to == LC_ROUTED || to == LC_WITHDRAWN ||
		    !lifecycle_agency_may((enum lc_status)cur, (enum lc_status)to))
			continue;
		snprintf(title, sizeof title, "%s: %s", tr(p->lang, TR_SET_TO), page_status(p, name));
		form_open(h, p, cm, "status", title, NULL, 0);
		html_fmt(h, "<input type=\"hidden\" name=\"status\" value=\"%s\">", name);
		note_field(h, p, "note", actions_canned(p->conf, reporter_lang(p, cm), name), cm, 0);
		form_close(h, p);
	}
}

static void
note_form(struct html *h, const struct page *p, const struct store_complaint *cm)
{
	form_open(h, p, cm, "note", tr(p->lang, TR_ACT_NOTE), tr(p->lang, TR_ACT_NOTE_HELP), 0);
	html_fmt(h, "<label><input type=\"radio\" name=\"to\" value=\"citizen\" checked> %s</label>"
	    "<label><input type=\"radio\" name=\"to\" value=\"internal\"> %s</label>",
	    tr(p->lang, TR_NOTE_TO_CITIZEN), tr(p->lang, TR_NOTE_INTERNAL));
	note_field(h, p, "note", "", cm, 1);
	form_close(h, p);
}

void
actions_forms(struct html *h, const struct page *p, const struct store_complaint *cm,
    int returned)
{
	int st = lifecycle_from_name(cm->status);

	html_fmt(h, "<h2>%s</h2>", tr(p->lang, TR_ACTIONS));
	if (p->who == NULL || !p->who->may_act) {
		html_fmt(h, "<p class=\"muted\">%s</p>", tr(p->lang, TR_READ_ONLY));
		return;
	}
	if (st < 0 || lifecycle_final((enum lc_status)st)) {
		html_fmt(h, "<p class=\"muted\">%s</p>", tr(p->lang, TR_FINAL));
		return;
	}
	if (returned)
		html_fmt(h, "<p class=\"box err\">%s</p>", tr(p->lang, TR_RETURNED_BY));
	if (p->who->triage)
		triage_forms(h, p, cm, returned);
	if (strcmp(cm->agency, p->who->agency) == 0 && !p->who->triage)
		status_forms(h, p, cm);
	note_form(h, p, cm);
	if (strcmp(cm->agency, p->who->agency) == 0 && !p->who->triage &&
	    strcmp(cm->agency, triage_id(p->conf)) != 0) {
		form_open(h, p, cm, "return", tr(p->lang, TR_ACT_RETURN),
		    tr(p->lang, TR_ACT_RETURN_HELP), 0);
		html_fmt(h, "<label>%s<textarea name=\"reason\" maxlength=\"%d\" required>"
		    "</textarea></label>", tr(p->lang, TR_REASON), NOTE_MAX_CHARS);
		form_close(h, p);
	}
}

/* ---- a posted form ------------------------------------------------------------- */

/*
 * Form field `name` of the body: NULL when absent or empty; *bad set when
 * it holds a NUL byte, is not UTF-8 or is over max characters.
 */
static const char *
field(const struct http_request *req, const char *name, size_t max, int *bad)
{
	size_t len;
	const char *v = http_param(req, name, &len);

	if (v == NULL || len == 0)
		return NULL;
	if (strlen(v) != len || len > FIELD_MAX || !text_utf8_valid(v, len) ||
	    text_utf8_chars(v, len) > max) {
		*bad = 1;
		return NULL;
	}
	return v;
}

/* Whether the viewer's role may take `action` on cm: 0, or 403. */
static int
allowed(const struct page *p, const struct store_complaint *cm, const char *action)
{
	const struct viewer *w = p->who;
	int holds = strcmp(cm->agency, w->agency) == 0;

	if (!w->may_act)
		return 403;
	if (strcmp(action, "route") == 0 || strcmp(action, "hold") == 0 ||
	    strcmp(action, "reject") == 0 || strcmp(action, "takeback") == 0)
		return w->triage ? 0 : 403;
	if (strcmp(action, "status") == 0 || strcmp(action, "return") == 0)
		return holds && !w->triage ? 0 : 403;
	/* A note, or an action nobody has: actions_request answers that one. */
	return 0;
}

/*
 * The one place a posted form is read: its fields as one ticket change
 * for cm.  0, or 400 with a reason in err.
 */
static int
actions_request(const struct http_request *req, const struct page *p,
    const struct store_complaint *cm, struct web_request *r, char *err, size_t errsz)
{
	const char *to, *kind, *dup;
	size_t i;
	int bad = 0;

	memset(r, 0, sizeof *r);
	r->action = field(req, "action", 16, &bad);
	r->note = field(req, "note", NOTE_MAX_CHARS, &bad);
	if (bad || r->action == NULL) {
		errf(err, errsz, "a field is missing, not UTF-8, or its note is over %d characters",
		    NOTE_MAX_CHARS);
		return 400;
	}
	if (strcmp(r->action, "route") == 0) {
		r->status = "routed";
		r->new_agency = field(req, "agency", 64, &bad);
		if (r->new_agency == NULL || conf_agency_find(p->conf, r->new_agency) < 0) {
			errf(err, errsz, "choose the agency to route to");
			return 400;
		}
	} else if (strcmp(r->action, "hold") == 0)
		r->status = "deferred";
	else if (strcmp(r->action, "reject") == 0) {
		r->status = "rejected";
		kind = field(req, "kind", 16, &bad);
		for (i = 0; kind != NULL && i < ARRAY_LEN(rejections); i++)
			if (strcmp(rejections[i], kind) == 0)
				break;
		if (kind == NULL || i == ARRAY_LEN(rejections)) {
			errf(err, errsz, "choose why it is rejected");
			return 400;
		}
		r->rejection = rejections[i];
		if (strcmp(kind, "duplicate") == 0) {
			dup = field(req, "duplicate_of", 8, &bad);
			if (dup == NULL || strspn(dup, "0123456789") != 8 || strlen(dup) != 8 ||
			    strcmp(dup, cm->ticket) == 0) {
				errf(err, errsz, "a duplicate needs the 8 digits of the other ticket");
				return 400;
			}
			r->duplicate_of = dup;
		}
	} else if (strcmp(r->action, "takeback") == 0) {
		r->internal = 1;
		if (r->note == NULL)
			r->note = p->lang == LANG_EN ? "Taken back by triage." :
			    "Diambil kembali oleh triase.";
	} else if (strcmp(r->action, "status") == 0) {
		r->status = field(req, "status", 24, &bad);
		if (r->status == NULL || lifecycle_from_name(r->status) < 0) {
			errf(err, errsz, "unknown status");
			return 400;
		}
	} else if (strcmp(r->action, "note") == 0) {
		to = field(req, "to", 16, &bad);
		if (to == NULL || (strcmp(to, "citizen") != 0 && strcmp(to, "internal") != 0)) {
			errf(err, errsz, "say whether the note is for the reporter or internal");
			return 400;
		}
		r->internal = strcmp(to, "internal") == 0;
		if (r->note == NULL) {
			errf(err, errsz, "the note is empty");
			return 400;
		}
	} else if (strcmp(r->action, "return") == 0) {
		r->give_back = 1;
		r->reason = field(req, "reason", NOTE_MAX_CHARS, &bad);
		if (r->reason == NULL || bad) {
			errf(err, errsz, "say why the ticket goes back to triage");
			return 400;
		}
	} else {
		errf(err, errsz, "unknown action");
		return 400;
	}
	if (bad) {
		errf(err, errsz, "a field is not UTF-8 or too long");
		return 400;
	}
	return 0;
}

/*
 * Carries r out on cm inside the caller's transaction through the ticket
 * core's one entry point (ticket_request_apply, as the agency API does),
 * as the viewer: agency, by = the account's login.  0, or 400/403/404/409
 * with the core's reason in err, -1 on a store error.  The core words
 * every SMS sent to the reporter (a rejection's kind included).
 */
static int
actions_apply(const struct page *p, struct store_complaint *cm, const struct web_request *r,
    char *err, size_t errsz)
{
	static const int answer[] = {
		[TICKET_OK] = 0, [TICKET_NOT_FOUND] = 404, [TICKET_FORBIDDEN] = 403,
		[TICKET_CONFLICT] = 409, [TICKET_BAD_INPUT] = 400, [TICKET_STORE] = -1
	};
	struct ticket_request rq = { 0 };
	struct ticket_error e;

	rq.agency = p->who->agency;
	rq.by = p->who->login;
	rq.status = r->status;
	rq.note = r->note;
	rq.internal = r->internal;
	rq.new_agency = r->new_agency;
	rq.rejection = r->rejection;
	rq.duplicate_of = r->duplicate_of;
	rq.give_back = r->give_back;
	rq.reason = r->reason;
	if (ticket_request_apply(p->conf, p->store, cm, &rq, p->now, &e) == 0)
		return 0;
	errf(err, errsz, "%s", e.msg);
	return answer[e.kind];
}

/* The audit row of an action carried out on cm: "ticket_<action>", what it set.  0, -1. */
static int
audit(const struct page *p, const struct store_complaint *cm, const struct web_request *r)
{
	char action[32], detail[256];

	snprintf(action, sizeof action, "ticket_%s", r->action);
	snprintf(detail, sizeof detail, "%s%s%s%s%s%s%s", cm->ticket,
	    r->status != NULL ? " status=" : "", r->status != NULL ? r->status : "",
	    r->new_agency != NULL ? " agency=" : "", r->new_agency != NULL ? r->new_agency : "",
	    r->internal ? " internal" : "", r->note != NULL ? " note" : "");
	return store_audit_add(p->store, p->now, p->who->login, action, cm->id, detail);
}

int
actions_post(const struct page *p, const char *number, const struct http_request *req,
    const char **done, char *err, size_t errsz)
{
	struct store_complaint cm;
	struct web_request r;
	const char *action;
	int found, rc;

	*done = NULL;
	errf(err, errsz, "%s", "");
	if (store_begin(p->store) != 0) {
		errf(err, errsz, "store: %s", store_errmsg());
		return 503;
	}
	found = store_complaint_get(p->store, number, &cm);
	if (found != 1 || !page_may_see(p, &cm)) {
		store_rollback(p->store);
		if (found == 1)
			store_complaint_clear(&cm);
		if (found < 0) {
			errf(err, errsz, "store: %s", store_errmsg());
			return 503;
		}
		return 404;
	}
	action = http_param(req, "action", NULL);
	if ((rc = allowed(p, &cm, action != NULL ? action : "")) != 0)
		errf(err, errsz, "not for this account's role or agency");
	else if ((rc = actions_request(req, p, &cm, &r, err, errsz)) == 0)
		rc = actions_apply(p, &cm, &r, err, errsz);
	/* Who did it and when, in the same transaction: the audit log. */
	if (rc == 0 && audit(p, &cm, &r) != 0) {
		errf(err, errsz, "store: %s", store_errmsg());
		rc = -1;
	}
	if (rc == 0 && store_commit(p->store) != 0) {
		errf(err, errsz, "store: %s", store_errmsg());
		rc = -1;
	} else if (rc != 0)
		store_rollback(p->store);
	if (rc == 0) {
		log_info("web: %s (%s) ticket %s: %s%s%s", p->who->login, p->who->agency,
		    cm.ticket, r.action, r.status != NULL ? " -> " : "",
		    r.status != NULL ? r.status : "");
		*done = r.action;
	} else if (rc > 0)
		log_info("web: %s (%s) ticket %s: %s refused with %d: %s", p->who->login,
		    p->who->agency, cm.ticket, action != NULL ? action : "?", rc, err);
	else
		log_error("web: %s ticket %s: %s", p->who->login, cm.ticket, err);
	store_complaint_clear(&cm);
	return rc == 0 ? 303 : rc < 0 ? 503 : rc;
}
