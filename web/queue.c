/*
 * queue: the inbox's working list.  Tabs with the count of every status
 * (within the other filters), the filter form (a GET form: the filter is
 * the URL, so it can be bookmarked and exported), the page of tickets with
 * their due dates and overdue flags as the agency API shows them
 * (ticket_due_of, ticket_overdue), a pager, and the CSV export of the same
 * filter.  Texts shown here pass through pii_mask(): numbers in them are
 * masked as on Open311, the reporter's own in any form.
 */
#include "web/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sms/pii.h"
#include "ticket/json.h"
#include "ticket/lifecycle.h"
#include "util/log.h"

#define SUMMARY_BYTES   140     /* of a description in a queue row */

/* Counts per status, filled by store_inbox_counts. */
struct counts {
	long n[LC_N];
	long total, open;
};

static void
count_one(void *arg, const char *status, long n)
{
	struct counts *c = arg;
	int st = lifecycle_from_name(status);

	c->total += n;
	if (st < 0)
		return;
	c->n[st] += n;
	if (!lifecycle_final((enum lc_status)st))
		c->open += n;
}

/* How many tickets f selects, from the counts. */
static long
selected(const struct counts *c, const struct qfilter *f)
{
	int st;

	if (f->status[0] == '\0')
		return c->open;
	if (strcmp(f->status, "all") == 0)
		return c->total;
	st = lifecycle_from_name(f->status);
	return st >= 0 ? c->n[st] : 0;
}

/* One tab: the status's link with its count; the current one marked. */
static void
tab(struct html *h, const struct page *p, const struct qfilter *f, const char *status,
    const char *label, long n)
{
	struct qfilter t = *f;
	char q[768];

	(void)str_copy(t.status, sizeof t.status, status);
	filter_query(&t, 0, q, sizeof q);
	html_fmt(h, "<a href=\"/inbox/queue%s%s\"%s>%s&nbsp;(%ld)</a> ", q[0] != '\0' ? "?" : "",
	    q, strcmp(f->status, status) == 0 ? " class=\"on\"" : "", label, n);
	(void)p;
}

static void
tabs(struct html *h, const struct page *p, const struct qfilter *f, const struct counts *c)
{
	int i;

	html_fmt(h, "<nav class=\"tabs\">");
	tab(h, p, f, "", tr(p->lang, TR_ST_OPEN), c->open);
	for (i = 0; i < LC_N; i++)
		if (c->n[i] > 0 || strcmp(f->status, lifecycle_name((enum lc_status)i)) == 0)
			tab(h, p, f, lifecycle_name((enum lc_status)i),
			    page_status(p, lifecycle_name((enum lc_status)i)), c->n[i]);
	tab(h, p, f, "all", tr(p->lang, TR_ST_ALL), c->total);
	html_fmt(h, "</nav>\n");
}

static void
option(struct html *h, const char *value, const char *label, int selected_)
{
	html_fmt(h, "<option value=\"%s\"%s>%s</option>", value, selected_ ? " selected" : "",
	    label);
}

/* The filter form: GET, so its result is a link. */
static void
filter_form(struct html *h, const struct page *p, const struct qfilter *f)
{
	const struct conf *c = p->conf;
	char q[768];
	size_t i;
	int s;

	html_fmt(h, "<form class=\"box filters\" method=\"get\" action=\"/inbox/queue\">");
	html_fmt(h, "<label>%s<br><select name=\"status\">", tr(p->lang, TR_STATUS));
	option(h, "", tr(p->lang, TR_ST_OPEN), f->status[0] == '\0');
	for (s = 0; s < LC_N; s++)
		option(h, lifecycle_name((enum lc_status)s), page_status(p,
		    lifecycle_name((enum lc_status)s)), strcmp(f->status,
		    lifecycle_name((enum lc_status)s)) == 0);
	option(h, "all", tr(p->lang, TR_ST_ALL), strcmp(f->status, "all") == 0);
	html_fmt(h, "</select></label><label>%s<br><select name=\"category\">",
	    tr(p->lang, TR_CATEGORY));
	option(h, "", tr(p->lang, TR_ANY), f->category[0] == '\0');
	option(h, "-", tr(p->lang, TR_NO_RULE), strcmp(f->category, "-") == 0);
	for (i = 0; i < c->nrules; i++)
		option(h, c->rules[i].keyword, page_category(p, c->rules[i].keyword),
		    strcmp(f->category, c->rules[i].keyword) == 0);
	html_fmt(h, "</select></label><label>%s<br><select name=\"region\">",
	    tr(p->lang, TR_REGION));
	option(h, "", tr(p->lang, TR_ANY), f->region[0] == '\0');
	option(h, "-", tr(p->lang, TR_NO_REGION), strcmp(f->region, "-") == 0);
	for (i = 0; i < c->nregions; i++)
		option(h, c->regions[i].id, page_region(p, c->regions[i].id),
		    strcmp(f->region, c->regions[i].id) == 0);
	html_fmt(h, "</select></label><label>%s<br><select name=\"age\">", tr(p->lang, TR_AGE));
	option(h, "", tr(p->lang, TR_ANY), f->age == 0);
	option(h, "1", tr(p->lang, TR_AGE_1), f->age == 1);
	option(h, "7", tr(p->lang, TR_AGE_7), f->age == 7);
	option(h, "30", tr(p->lang, TR_AGE_30), f->age == 30);
	option(h, "-30", tr(p->lang, TR_AGE_OLDER), f->age == -30);
	html_fmt(h, "</select></label><label>%s<br><select name=\"sort\">", tr(p->lang, TR_SORT));
	option(h, "new", tr(p->lang, TR_SORT_NEW), !f->by_due);
	option(h, "due", tr(p->lang, TR_SORT_DUE), f->by_due);
	html_fmt(h, "</select></label>");
	if (p->who != NULL && p->who->triage) {
		html_fmt(h, "<label>%s<br><select name=\"agency\">", tr(p->lang, TR_AGENCY));
		option(h, "", tr(p->lang, TR_TRIAGE_QUEUE), f->agency[0] == '\0');
		option(h, "*", tr(p->lang, TR_ALL_AGENCIES), strcmp(f->agency, "*") == 0);
		for (i = 0; i < c->nagencies; i++)
			option(h, c->agencies[i].id, c->agencies[i].short_name,
			    strcmp(f->agency, c->agencies[i].id) == 0);
		html_fmt(h, "</select></label>");
	}
	html_fmt(h, "<label><input type=\"checkbox\" name=\"overdue\" value=\"1\"%s> %s</label>",
	    f->overdue ? " checked" : "", tr(p->lang, TR_ONLY_OVERDUE));
	filter_query(f, 0, q, sizeof q);
	html_fmt(h, "<button type=\"submit\">%s</button> <a href=\"/inbox/queue.csv%s%s\">%s</a>"
	    "</form>\n", tr(p->lang, TR_APPLY), q[0] != '\0' ? "?" : "", q, tr(p->lang, TR_CSV));
}

/* The due date of cm's stage and whether it passed, as the API says them. */
static void
due_cell(struct html *h, const struct page *p, const struct store_complaint *cm)
{
	char when[32];
	int64_t due = ticket_due_of(cm);

	page_time(due, when, sizeof when);
	if (ticket_overdue(cm, p->now))
		html_fmt(h, "<td class=\"late\">%s<br>%s</td>", when, tr(p->lang, TR_LATE));
	else
		html_fmt(h, "<td>%s</td>", when);
}

static void
row(struct html *h, const struct page *p, const struct store_complaint *cm, int all)
{
	char when[32];
	char *masked = pii_mask(cm->description, cm->phone);

	page_time(cm->created_at, when, sizeof when);
	html_fmt(h, "<tr><td><a href=\"/inbox/t/%s\">%s</a></td><td>%s</td>", cm->ticket,
	    cm->ticket, when);
	html_fmt(h, "<td><span class=\"badge\">%s</span></td>", page_status(p, cm->status));
	due_cell(h, p, cm);
	html_fmt(h, "<td>%s</td><td class=\"wide\">%s</td>", page_category(p, cm->keyword),
	    page_region(p, cm->region));
	if (all)
		html_fmt(h, "<td>%s</td>", page_agency(p, cm->agency));
	html_fmt(h, "<td>%.*s%s</td></tr>\n", SUMMARY_BYTES, masked != NULL ? masked : "",
	    masked != NULL && strlen(masked) > SUMMARY_BYTES ? "..." : "");
	free(masked);
}

static void
pager(struct html *h, const struct page *p, const struct qfilter *f, long total)
{
	long pages = (total + QUEUE_PAGE_ROWS - 1) / QUEUE_PAGE_ROWS;
	char q[768];

	if (pages <= 1)
		return;
	if (pages > QUEUE_PAGES_MAX)
		pages = QUEUE_PAGES_MAX;
	html_fmt(h, "<p class=\"pager\">");
	if (f->page > 1) {
		filter_query(f, f->page - 1, q, sizeof q);
		html_fmt(h, "<a href=\"/inbox/queue%s%s\" rel=\"prev\">&laquo; %s</a> ",
		    q[0] != '\0' ? "?" : "", q, tr(p->lang, TR_PREV));
	}
	html_fmt(h, "%s ", tr(p->lang, TR_PAGE_OF));
	html_fmt(h, "%ld / %ld ", f->page, pages);
	if (f->page < pages) {
		filter_query(f, f->page + 1, q, sizeof q);
		html_fmt(h, "<a href=\"/inbox/queue%s%s\" rel=\"next\">%s &raquo;</a>",
		    q[0] != '\0' ? "?" : "", q, tr(p->lang, TR_NEXT));
	}
	html_fmt(h, "</p>\n");
}

int
queue_render(struct html *h, const struct page *p, const struct qfilter *f)
{
	struct store_inbox_query q;
	struct store_complaint *out;
	struct counts c = { { 0 }, 0, 0 };
	const char *agency;
	size_t n, i;
	long total;
	int all;

	filter_store(f, p, &q);
	agency = q.agency;
	all = agency == NULL;
	if (store_inbox_counts(p->store, &q, count_one, &c) != 0) {
		log_error("web: queue counts: %s", store_errmsg());
		return 503;
	}
	out = xcalloc(QUEUE_PAGE_ROWS, sizeof *out);
	if (store_inbox_list(p->store, &q, out, QUEUE_PAGE_ROWS, &n) != 0) {
		log_error("web: queue: %s", store_errmsg());
		free(out);
		return 503;
	}
	total = selected(&c, f);
	page_begin(h, p, tr(p->lang, TR_QUEUE));
	html_fmt(h, "<h1>%s: %s</h1>", tr(p->lang, TR_QUEUE), all ? tr(p->lang, TR_ALL_AGENCIES) :
	    page_agency(p, agency));
	tabs(h, p, f, &c);
	filter_form(h, p, f);
	html_fmt(h, "<p class=\"muted\">%s: %ld</p>", tr(p->lang, TR_SHOWN), total);
	if (n == 0)
		html_fmt(h, "<p class=\"box\">%s</p>", tr(p->lang, TR_NONE_FOUND));
	else {
		html_fmt(h, "<div class=\"scroll\"><table><thead><tr><th>%s</th><th>%s</th>"
		    "<th>%s</th><th>%s</th><th>%s</th><th class=\"wide\">%s</th>",
		    tr(p->lang, TR_TICKET), tr(p->lang, TR_RECEIVED_AT), tr(p->lang, TR_STATUS),
		    tr(p->lang, TR_DUE), tr(p->lang, TR_CATEGORY), tr(p->lang, TR_REGION));
		if (all)
			html_fmt(h, "<th>%s</th>", tr(p->lang, TR_AGENCY));
		html_fmt(h, "<th>%s</th></tr></thead><tbody>\n", tr(p->lang, TR_SUMMARY));
		for (i = 0; i < n; i++)
			row(h, p, &out[i], all);
		html_fmt(h, "</tbody></table></div>\n");
	}
	pager(h, p, f, total);
	page_end(h);
	for (i = 0; i < n; i++)
		store_complaint_clear(&out[i]);
	free(out);
	return 200;
}

/* ---- CSV ------------------------------------------------------------------- */

void
queue_csv_field(struct sbuf *b, const char *s)
{
	const char *p;
	int quote;

	if (s == NULL)
		s = "";
	/*
	 * A spreadsheet runs a cell that starts with = + - @ as a formula
	 * (a citizen's "=HYPERLINK(...)"): a leading apostrophe keeps it text.
	 */
	quote = strpbrk(s, ",\"\r\n") != NULL || (*s != '\0' && strchr("=+-@\t", *s) != NULL);
	if (!quote) {
		(void)sbuf_str(b, s);
		return;
	}
	(void)sbuf_add(b, "\"", 1);
	if (strchr("=+-@\t", *s) != NULL && *s != '\0')
		(void)sbuf_add(b, "'", 1);
	for (p = s; *p != '\0'; p++) {
		if (*p == '"')
			(void)sbuf_add(b, "\"\"", 2);
		else
			(void)sbuf_add(b, p, 1);
	}
	(void)sbuf_add(b, "\"", 1);
}

/* The CSV's columns, in the order of csv_row. */
static const char csv_head[] =
	"ticket,received_at,status,agency,category,region,due_at,overdue,reporter,"
	"location,description\r\n";

static void
csv_row(struct sbuf *b, const struct page *p, const struct store_complaint *cm)
{
	char t[32], phone[32];
	char *loc = pii_mask(cm->location, cm->phone), *desc = pii_mask(cm->description, cm->phone);

	queue_csv_field(b, cm->ticket);
	(void)sbuf_add(b, ",", 1);
	ticket_iso_time(cm->created_at, t, sizeof t);
	queue_csv_field(b, t);
	(void)sbuf_add(b, ",", 1);
	queue_csv_field(b, cm->status);
	(void)sbuf_add(b, ",", 1);
	queue_csv_field(b, cm->agency);
	(void)sbuf_add(b, ",", 1);
	queue_csv_field(b, cm->keyword);
	(void)sbuf_add(b, ",", 1);
	queue_csv_field(b, cm->region);
	(void)sbuf_add(b, ",", 1);
	ticket_iso_time(ticket_due_of(cm), t, sizeof t);
	queue_csv_field(b, ticket_due_of(cm) != 0 ? t : "");
	(void)sbuf_add(b, ",", 1);
	queue_csv_field(b, ticket_overdue(cm, p->now) ? "1" : "0");
	(void)sbuf_add(b, ",", 1);
	queue_csv_field(b, log_mask_phone(cm->phone, phone, sizeof phone));
	(void)sbuf_add(b, ",", 1);
	queue_csv_field(b, loc);
	(void)sbuf_add(b, ",", 1);
	queue_csv_field(b, desc);
	(void)sbuf_add(b, "\r\n", 2);
	free(loc);
	free(desc);
}

int
queue_csv(struct sbuf *b, const struct page *p, const struct qfilter *f)
{
	struct store_inbox_query q;
	struct store_complaint *out;
	size_t n, i, rows = 0;

	filter_store(f, p, &q);
	out = xcalloc(QUEUE_PAGE_ROWS, sizeof *out);
	(void)sbuf_str(b, csv_head);
	/* Page by page, as the queue shows them, up to CSV_ROWS_MAX. */
	for (q.offset = 0; rows < CSV_ROWS_MAX; q.offset += QUEUE_PAGE_ROWS) {
		if (store_inbox_list(p->store, &q, out, QUEUE_PAGE_ROWS, &n) != 0) {
			log_error("web: csv: %s", store_errmsg());
			free(out);
			return 503;
		}
		for (i = 0; i < n; i++) {
			if (rows++ < CSV_ROWS_MAX)
				csv_row(b, p, &out[i]);
			store_complaint_clear(&out[i]);
		}
		if (n < QUEUE_PAGE_ROWS)
			break;
	}
	free(out);
	return 200;
}
