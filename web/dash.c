/*
 * dash: the dashboard.  Over the last N calendar weeks (Monday to Sunday,
 * local time): complaints per week per agency as a stacked bar chart, the
 * share that no rule could route (the triage desk's load), the share of
 * open tickets that are overdue now, and the median time from a complaint
 * to the first thing an agency did with it.  Charts are SVG written here,
 * with the same escaping as any page (html.h); each has its figures in a
 * table too, for screen readers and for copying.
 */
#include "web/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/log.h"

#define WEEK            (7 * 86400)
#define SERIES_MAX      7       /* agencies drawn on their own; the rest together */
#define RESPONSES_MAX   200000  /* complaints whose first response is measured */
#define CHART_W         640
#define CHART_H         220
#define CHART_TOP       16
#define CHART_BOTTOM    30
#define CHART_LEFT      34

struct dash {
	const struct page *p;
	int weeks;
	long (*n)[DASH_WEEKS_MAX];      /* per agency (nagencies + 1: unknown ids) */
	long *agency_total;
	long week_total[DASH_WEEKS_MAX];
	long *open, *overdue;           /* per agency (+1) */
	int64_t *delays;                /* first responses, seconds */
	size_t ndelays, unanswered;
};

static size_t
agency_index(const struct dash *d, const char *id)
{
	long i = conf_agency_find(d->p->conf, id);

	return i >= 0 ? (size_t)i : d->p->conf->nagencies;
}

static void
weekly(void *arg, const char *agency, long week, long n)
{
	struct dash *d = arg;
	size_t a = agency_index(d, agency);

	if (week < 0 || week >= d->weeks)
		return;
	d->n[a][week] += n;
	d->agency_total[a] += n;
	d->week_total[week] += n;
}

static void
open_counts(void *arg, const char *agency, long open, long overdue)
{
	struct dash *d = arg;
	size_t a = agency_index(d, agency);

	d->open[a] += open;
	d->overdue[a] += overdue;
}

static void
response(void *arg, int64_t created_at, int64_t first_at)
{
	struct dash *d = arg;

	if (first_at == 0) {
		d->unanswered++;
		return;
	}
	if (d->ndelays < RESPONSES_MAX)
		d->delays[d->ndelays++] = first_at > created_at ? first_at - created_at : 0;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Monday 00:00 local of the week `weeks - 1` weeks before now's. */
static int64_t
window_start(int64_t now, int weeks)
{
	time_t t = (time_t)now;
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL)
		return now - (int64_t)weeks * WEEK;
	tm.tm_mday -= (tm.tm_wday + 6) % 7;
	tm.tm_hour = 0;
	tm.tm_min = 0;
	tm.tm_sec = 0;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm) - (int64_t)(weeks - 1) * WEEK;
}

/* "12/01": the day a week starts. */
static void
week_label(int64_t from, int w, char *buf, size_t bufsz)
{
	time_t t = (time_t)(from + (int64_t)w * WEEK);
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL)
		snprintf(buf, bufsz, "%d", w + 1);
	else
		snprintf(buf, bufsz, "%02d/%02d", tm.tm_mday, tm.tm_mon + 1);
}

/* The series drawn: the SERIES_MAX agencies with most complaints, then "others". */
static size_t
series(const struct dash *d, size_t *idx)
{
	size_t na = d->p->conf->nagencies + 1, n = 0, i, j, best;
	char *used = xcalloc(na, 1);

	while (n < SERIES_MAX) {
		best = na;
		for (i = 0; i < d->p->conf->nagencies; i++)
			if (!used[i] && d->agency_total[i] > 0 &&
			    (best == na || d->agency_total[i] > d->agency_total[best]))
				best = i;
		if (best == na)
			break;
		used[best] = 1;
		idx[n++] = best;
	}
	/* Everything else (and complaints of agencies no longer configured) as one. */
	for (j = 0; j < na; j++)
		if (!used[j] && d->agency_total[j] > 0) {
			idx[n++] = na;
			break;
		}
	free(used);
	return n;
}

static long
series_value(const struct dash *d, const size_t *idx, size_t ns, size_t s, int w)
{
	size_t na = d->p->conf->nagencies + 1, j, k;
	long v = 0;

	if (idx[s] != na)
		return d->n[idx[s]][w];
	for (j = 0; j < na; j++) {
		for (k = 0; k < ns && idx[k] != j; k++)
			;
		if (k == ns)
			v += d->n[j][w];
	}
	return v;
}

static const char *
series_name(const struct dash *d, size_t a)
{
	return a < d->p->conf->nagencies ? d->p->conf->agencies[a].short_name :
	    tr(d->p->lang, TR_DASH_OTHERS);
}

static void
chart(struct html *h, const struct dash *d, int64_t from)
{
	const struct page *p = d->p;
	size_t idx[SERIES_MAX + 1], ns = series(d, idx), s;
	long max = 1, v;
	int w, plot_h = CHART_H - CHART_TOP - CHART_BOTTOM;
	int slot = (CHART_W - CHART_LEFT) / d->weeks, bw = slot * 2 / 3, y, bh;
	char label[16];

	for (w = 0; w < d->weeks; w++)
		if (d->week_total[w] > max)
			max = d->week_total[w];
	html_fmt(h, "<svg viewBox=\"0 0 %d %d\" width=\"100%%\" role=\"img\" aria-label=\"%s\" "
	    "xmlns=\"http://www.w3.org/2000/svg\">", CHART_W, CHART_H,
	    tr(p->lang, TR_DASH_PER_WEEK));
	html_fmt(h, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>",
	    CHART_LEFT, CHART_H - CHART_BOTTOM, CHART_W, CHART_H - CHART_BOTTOM);
	html_fmt(h, "<text x=\"0\" y=\"%d\">%ld</text><text x=\"0\" y=\"%d\">0</text>",
	    CHART_TOP + 4, max, CHART_H - CHART_BOTTOM);
	for (w = 0; w < d->weeks; w++) {
		int x = CHART_LEFT + w * slot + (slot - bw) / 2;

		y = CHART_H - CHART_BOTTOM;
		for (s = 0; s < ns; s++) {
			v = series_value(d, idx, ns, s, w);
			if (v == 0)
				continue;
			bh = (int)((long long)v * plot_h / max);
			if (bh < 1)
				bh = 1;
			y -= bh;
			html_fmt(h, "<rect class=\"c%zu\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\">"
			    "<title>%s: %ld</title></rect>", s, x, y, bw, bh,
			    series_name(d, idx[s]), v);
		}
		if (d->week_total[w] > 0)
			html_fmt(h, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%ld</text>",
			    x + bw / 2, y - 3, d->week_total[w]);
		week_label(from, w, label, sizeof label);
		html_fmt(h, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>", x + bw / 2,
		    CHART_H - CHART_BOTTOM + 16, label);
	}
	html_fmt(h, "</svg>\n<p>");
	for (s = 0; s < ns; s++)
		html_fmt(h, "<svg width=\"12\" height=\"12\" aria-hidden=\"true\"><rect class=\"c%zu\" "
		    "width=\"12\" height=\"12\"/></svg> %s &nbsp; ", s, series_name(d, idx[s]));
	html_fmt(h, "</p>\n");
	/* The same figures as a table. */
	html_fmt(h, "<details><summary>%s</summary><div class=\"scroll\"><table><thead><tr>"
	    "<th>%s</th>", tr(p->lang, TR_DASH_PER_WEEK), tr(p->lang, TR_AGENCY));
	for (w = 0; w < d->weeks; w++) {
		week_label(from, w, label, sizeof label);
		html_fmt(h, "<th>%s</th>", label);
	}
	html_fmt(h, "</tr></thead><tbody>");
	for (s = 0; s < ns; s++) {
		html_fmt(h, "<tr><td>%s</td>", series_name(d, idx[s]));
		for (w = 0; w < d->weeks; w++)
			html_fmt(h, "<td>%ld</td>", series_value(d, idx, ns, s, w));
		html_fmt(h, "</tr>");
	}
	html_fmt(h, "</tbody></table></div></details>\n");
}

/* A share as a horizontal bar with its percentage. */
static void
share_bar(struct html *h, long part, long whole, int late)
{
	int pct = whole > 0 ? (int)((long long)part * 1000 / whole) : 0;

	html_fmt(h, "<svg viewBox=\"0 0 200 14\" width=\"200\" height=\"14\" aria-hidden=\"true\">"
	    "<rect width=\"200\" height=\"14\" fill=\"#e3e7ec\"/><rect class=\"bar%s\" "
	    "width=\"%d\" height=\"14\"/></svg> %d,%d%% (%ld / %ld)", late ? " late" : "",
	    pct / 5, pct / 10, pct % 10, part, whole);
}

/* A duration as hours under two days, else days, one decimal. */
static void
duration(struct html *h, const struct page *p, int64_t secs)
{
	int64_t tenths = secs < 2 * 86400 ? secs * 10 / 3600 : secs * 10 / 86400;

	html_fmt(h, "%lld,%lld %s", (long long)(tenths / 10), (long long)(tenths % 10),
	    tr(p->lang, secs < 2 * 86400 ? TR_HOURS : TR_DAYS));
}

static void
figures(struct html *h, const struct dash *d, long total, long no_rule)
{
	const struct page *p = d->p;
	size_t a, na = p->conf->nagencies + 1;
	long open = 0, overdue = 0;

	for (a = 0; a < na; a++) {
		open += d->open[a];
		overdue += d->overdue[a];
	}
	html_fmt(h, "<section class=\"box\"><dl><dt>%s</dt><dd>%ld</dd>",
	    tr(p->lang, TR_DASH_TOTAL), total);
	html_fmt(h, "<dt>%s</dt><dd>", tr(p->lang, TR_DASH_TRIAGE_SHARE));
	share_bar(h, no_rule, total, 0);
	html_fmt(h, "</dd><dt>%s</dt><dd>", tr(p->lang, TR_DASH_OVERDUE_SHARE));
	share_bar(h, overdue, open, 1);
	html_fmt(h, "</dd><dt>%s</dt><dd>", tr(p->lang, TR_DASH_MEDIAN));
	if (d->ndelays == 0)
		html_fmt(h, "-");
	else
		duration(h, p, d->ndelays % 2 == 1 ? d->delays[d->ndelays / 2] :
		    (d->delays[d->ndelays / 2 - 1] + d->delays[d->ndelays / 2]) / 2);
	html_fmt(h, " <span class=\"muted\">(%zu; %s: %zu)</span></dd></dl></section>\n",
	    d->ndelays, tr(p->lang, TR_DASH_NO_RESPONSE), d->unanswered);
	/* Open and overdue per agency. */
	html_fmt(h, "<h2>%s</h2><div class=\"scroll\"><table><thead><tr><th>%s</th><th>%s</th>"
	    "<th>%s</th></tr></thead><tbody>", tr(p->lang, TR_DASH_OPEN), tr(p->lang, TR_AGENCY),
	    tr(p->lang, TR_ST_OPEN), tr(p->lang, TR_OVERDUE));
	for (a = 0; a < na; a++) {
		if (d->open[a] == 0)
			continue;
		html_fmt(h, "<tr><td>%s</td><td>%ld</td><td>", series_name(d, a), d->open[a]);
		share_bar(h, d->overdue[a], d->open[a], 1);
		html_fmt(h, "</td></tr>");
	}
	html_fmt(h, "</tbody></table></div>\n");
}

int
dash_render(struct html *h, const struct page *p, int weeks)
{
	struct dash d;
	size_t na = p->conf->nagencies + 1;
	int64_t from;
	long total = 0, no_rule = 0;
	int ret = 503, w;
	char label[16];

	if (weeks < 1 || weeks > DASH_WEEKS_MAX)
		weeks = DASH_WEEKS_DEFAULT;
	memset(&d, 0, sizeof d);
	d.p = p;
	d.weeks = weeks;
	d.n = xcalloc(na, sizeof *d.n);
	d.agency_total = xcalloc(na, sizeof *d.agency_total);
	d.open = xcalloc(na, sizeof *d.open);
	d.overdue = xcalloc(na, sizeof *d.overdue);
	d.delays = xcalloc(RESPONSES_MAX, sizeof *d.delays);
	from = window_start(p->now, weeks);
	if (store_inbox_weekly(p->store, from, na * (size_t)weeks, weekly, &d) != 0 ||
	    store_inbox_open(p->store, p->now, na, open_counts, &d) != 0 ||
	    store_stats_totals(p->store, from, &total, &no_rule) != 0 ||
	    store_stats_responses(p->store, from, RESPONSES_MAX, response, &d) != 0) {
		log_error("web: dashboard: %s", store_errmsg());
		goto done;
	}
	qsort(d.delays, d.ndelays, sizeof *d.delays, cmp_i64);
	page_begin(h, p, tr(p->lang, TR_DASHBOARD));
	week_label(from, 0, label, sizeof label);
	html_fmt(h, "<h1>%s</h1><form class=\"filters\" method=\"get\" action=\"/inbox/dashboard\">"
	    "<label>%s <select name=\"weeks\">", tr(p->lang, TR_DASHBOARD),
	    tr(p->lang, TR_DASH_WINDOW));
	for (w = 4; w <= DASH_WEEKS_MAX; w += w < 12 ? 4 : 14)
		html_fmt(h, "<option value=\"%d\"%s>%d %s</option>", w, w == weeks ? " selected" : "",
		    w, tr(p->lang, TR_WEEKS));
	html_fmt(h, "</select></label> <button type=\"submit\">%s</button> "
	    "<span class=\"muted\">%s %s</span></form>\n", tr(p->lang, TR_APPLY),
	    tr(p->lang, TR_DASH_WEEK_OF), label);
	figures(h, &d, total, no_rule);
	html_fmt(h, "<h2>%s</h2>", tr(p->lang, TR_DASH_PER_WEEK));
	if (total == 0)
		html_fmt(h, "<p class=\"box\">%s</p>", tr(p->lang, TR_DASH_NONE));
	else
		chart(h, &d, from);
	page_end(h);
	ret = 200;
done:
	free(d.n);
	free(d.agency_total);
	free(d.open);
	free(d.overdue);
	free(d.delays);
	return ret;
}
