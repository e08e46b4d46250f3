/*
 * page: what every inbox page shares: the frame (head, stylesheet, top
 * bar), the headers that keep a page from being framed, sniffed, cached or
 * scripted, redirects and error pages, and the names a page shows for
 * statuses, agencies, categories, regions and times.
 */
#include "web/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "util/log.h"

/*
 * No script at all, styles only inline (the one stylesheet below), images
 * only from here or data: URLs, forms only to here, never in a frame.
 */
#define CSP "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; " \
	"form-action 'self'; frame-ancestors 'none'"

/*
 * The one stylesheet: readable on a phone as on a desktop, no web fonts.
 * A literal, written as part of the markup of html_fmt (so % is %%).
 */
#define STYLE \
	"*{box-sizing:border-box}" \
	"body{margin:0;font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;" \
	"color:#1b1f24;background:#f4f5f7}" \
	"a{color:#0b5394}" \
	"header{background:#0b5d3b;color:#fff;padding:.5em 1em;display:flex;flex-wrap:wrap;" \
	"gap:.3em 1.2em;align-items:center}" \
	"header a,header button{color:#fff}" \
	"header .app{font-weight:700;text-decoration:none;margin-right:auto}" \
	"header .who{color:#d8efe3}" \
	"header form{display:inline;margin:0}" \
	"main{max-width:72em;margin:0 auto;padding:1em}" \
	"h1{font-size:1.35em;margin:.2em 0 .6em}h2{font-size:1.1em;margin:1.3em 0 .5em}" \
	"table{border-collapse:collapse;width:100%%;background:#fff}" \
	"th,td{text-align:left;padding:.35em .5em;border-bottom:1px solid #dde1e6;" \
	"vertical-align:top}th{background:#eef0f3;font-weight:600}" \
	".scroll{overflow-x:auto}" \
	".late{color:#b00020;font-weight:600}" \
	".badge{display:inline-block;padding:0 .5em;border-radius:.7em;background:#e3e7ec;" \
	"font-size:.9em;white-space:nowrap}" \
	".tabs{margin:.4em 0 .8em}.tabs a{margin-right:.9em;white-space:nowrap}" \
	".tabs a.on{font-weight:700;color:#1b1f24;text-decoration:none}" \
	".box{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:.7em 1em;" \
	"margin:.8em 0}" \
	".ok{border-left:4px solid #0b5d3b;background:#e8f5ee}" \
	".err{border-left:4px solid #b00020;background:#fdecee}" \
	"label{display:block;margin:.35em 0}" \
	"input,select,textarea,button{font:inherit;max-width:100%%}" \
	"textarea{width:100%%;min-height:4.5em}" \
	"button{background:#0b5d3b;color:#fff;border:0;border-radius:4px;padding:.35em 1em;" \
	"cursor:pointer}" \
	"button.link{background:none;color:inherit;padding:0;text-decoration:underline}" \
	"form.inline{display:inline}" \
	"form.login{max-width:24em}form.login input{width:100%%}" \
	".filters{display:flex;flex-wrap:wrap;gap:.4em 1em;align-items:flex-end}" \
	".filters label{margin:0}" \
	".thread div{background:#fff;border:1px solid #dde1e6;border-radius:6px;" \
	"padding:.45em .7em;margin:.45em 2.5em .45em 0}" \
	".thread div.out{background:#e8f5ee;margin:.45em 0 .45em 2.5em}" \
	".muted{color:#5b6470;font-size:.92em}" \
	".pre{white-space:pre-wrap;overflow-wrap:anywhere}" \
	"details{margin:.5em 0;background:#fff;border:1px solid #dde1e6;border-radius:6px;" \
	"padding:.4em .8em}summary{cursor:pointer;font-weight:600}" \
	"dl{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em;margin:0}" \
	"dt{color:#5b6470}dd{margin:0}" \
	".c0{fill:#0b5d3b}.c1{fill:#2f7fc1}.c2{fill:#e3a21a}.c3{fill:#8e44ad}" \
	".c4{fill:#d35400}.c5{fill:#16a085}.c6{fill:#7f8c8d}.c7{fill:#c0392b}" \
	".bar{fill:#2f7fc1}.bar.late{fill:#b00020}" \
	"svg text{font-size:11px;fill:#1b1f24}" \
	"@media (max-width:40em){main{padding:.6em}.wide{display:none}" \
	"dl{grid-template-columns:1fr}}"

void
page_headers(struct http_response *res)
{
	(void)http_respond_header(res, "Content-Security-Policy", CSP);
	(void)http_respond_header(res, "X-Content-Type-Options", "nosniff");
	(void)http_respond_header(res, "Referrer-Policy", "same-origin");
	(void)http_respond_header(res, "Cache-Control", "no-store");
}

void
page_begin(struct html *h, const struct page *p, const char *title)
{
	const char *other = p->lang == LANG_EN ? "id" : "en";
	const char *self = p->self != NULL ? p->self : "/inbox/queue";

	html_fmt(h, "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	    "<title>%s - %s</title><link rel=\"icon\" href=\"data:,\">"
	    "<style>" STYLE "</style></head>"
	    "<body><header><a class=\"app\" href=\"/inbox/queue\">%s</a>",
	    p->lang == LANG_EN ? "en" : "id", title, tr(p->lang, TR_APP), tr(p->lang, TR_APP));
	if (p->who != NULL)
		html_fmt(h, "<a href=\"/inbox/queue\">%s</a><a href=\"/inbox/dashboard\">%s</a>",
		    tr(p->lang, TR_QUEUE), tr(p->lang, TR_DASHBOARD));
	html_fmt(h, "<a href=\"%s%slang=%s\" lang=\"%s\">%s</a>", self,
	    strchr(self, '?') != NULL ? "&" : "?", other, other,
	    p->lang == LANG_EN ? "Bahasa Indonesia" : "English");
	if (p->who != NULL) {
		html_fmt(h, "<span class=\"who\">%s %s (%s)</span>",
		    tr(p->lang, TR_SIGNED_IN_AS), p->who->name != NULL && *p->who->name != '\0' ?
		    p->who->name : p->who->login, page_agency(p, p->who->agency));
		html_fmt(h, "<form method=\"post\" action=\"/inbox/logout\">");
		page_csrf(h, p);
		html_fmt(h, "<button class=\"link\" type=\"submit\">%s</button></form>",
		    tr(p->lang, TR_LOGOUT));
	}
	html_fmt(h, "</header><main>\n");
}

void
page_end(struct html *h)
{
	html_fmt(h, "</main></body></html>\n");
}

void
page_send(struct http_response *res, int status, struct html *h)
{
	size_t len;
	char *body = html_take(h, &len);

	page_headers(res);
	if (body == NULL) {
		http_respond_text(res, 500, "page too large\n");
		return;
	}
	free(res->body);
	res->status = status;
	res->content_type = "text/html; charset=utf-8";
	res->body = body;
	res->body_len = len;
}

void
page_redirect(struct http_response *res, const char *location)
{
	page_headers(res);
	http_respond_text(res, 303, "see other\n");
	if (http_respond_header(res, "Location", location) != 0) {
		log_warnx("web: redirect to a location that cannot be a header");
		http_respond_text(res, 500, "bad redirect\n");
	}
}

void
page_error(struct http_response *res, const struct page *p, int status, const char *detail)
{
	struct page q;
	struct html h;
	enum tr_key title = TR_BAD_REQUEST, text = TR_BAD_REQUEST;

	switch (status) {
	case 404:
		title = TR_NOT_FOUND;
		text = TR_NOT_FOUND_TEXT;
		break;
	case 403:
		title = TR_FORBIDDEN;
		text = TR_FORBIDDEN_TEXT;
		break;
	case 503:
		title = TR_UNAVAILABLE;
		text = TR_UNAVAILABLE_TEXT;
		break;
	default:
		break;
	}
	/*
	 * The language switch goes to the queue, not back to the URL asked
	 * for: a 404 for another agency's ticket is then byte for byte the
	 * 404 of a ticket that does not exist.
	 */
	q = *p;
	q.self = "/inbox/queue";
	p = &q;
	html_init(&h);
	page_begin(&h, p, tr(p->lang, title));
	html_fmt(&h, "<h1>%s</h1><div class=\"box err\"><p>%s</p>", tr(p->lang, title),
	    tr(p->lang, text));
	if (detail != NULL && *detail != '\0')
		html_fmt(&h, "<p>%s</p>", detail);
	html_fmt(&h, "</div><p><a href=\"/inbox/queue\">%s</a></p>",
	    tr(p->lang, TR_BACK_TO_QUEUE));
	page_end(&h);
	page_send(res, status, &h);
}

void
page_time(int64_t t, char *buf, size_t bufsz)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == 0 || localtime_r(&tt, &tm) == NULL) {
		(void)str_copy(buf, bufsz, "-");
		return;
	}
	snprintf(buf, bufsz, "%02d/%02d/%04d %02d:%02d", tm.tm_mday, tm.tm_mon + 1,
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min);
}

const char *
page_status(const struct page *p, const char *status)
{
	static const struct {
		const char *name;
		enum tr_key k;
	} names[] = {
		{ "received", TR_ST_RECEIVED }, { "routed", TR_ST_ROUTED },
		{ "in_progress", TR_ST_IN_PROGRESS }, { "resolved", TR_ST_RESOLVED },
		{ "closed", TR_ST_CLOSED }, { "deferred", TR_ST_DEFERRED },
		{ "rejected", TR_ST_REJECTED }, { "withdrawn", TR_ST_WITHDRAWN },
	};
	size_t i;

	for (i = 0; i < ARRAY_LEN(names); i++)
		if (strcmp(names[i].name, status) == 0)
			return tr(p->lang, names[i].k);
	return status;
}

const char *
page_agency(const struct page *p, const char *id)
{
	long i = conf_agency_find(p->conf, id);

	return i >= 0 ? p->conf->agencies[i].short_name : id;
}

const char *
page_category(const struct page *p, const char *keyword)
{
	size_t i;

	if (keyword == NULL || *keyword == '\0')
		return tr(p->lang, TR_NO_RULE);
	for (i = 0; i < p->conf->nrules; i++)
		if (strcmp(p->conf->rules[i].keyword, keyword) == 0) {
			const char *l = p->conf->rules[i].label[p->lang == LANG_EN ? LANG_EN : LANG_ID];

			if (l == NULL || *l == '\0')
				l = p->conf->rules[i].label[LANG_ID];
			return l != NULL && *l != '\0' ? l : keyword;
		}
	return keyword;
}

const char *
page_region(const struct page *p, const char *id)
{
	size_t i;

	if (id == NULL || *id == '\0')
		return "-";
	for (i = 0; i < p->conf->nregions; i++)
		if (strcmp(p->conf->regions[i].id, id) == 0)
			return p->conf->regions[i].name != NULL ? p->conf->regions[i].name : id;
	return id;
}

void
page_csrf(struct html *h, const struct page *p)
{
	if (p->who != NULL && p->who->csrf != NULL)
		html_fmt(h, "<input type=\"hidden\" name=\"csrf\" value=\"%s\">", p->who->csrf);
}

int
page_may_see(const struct page *p, const struct store_complaint *cm)
{
	if (p->who == NULL)
		return 0;
	return p->who->triage || strcmp(cm->agency, p->who->agency) == 0;
}

int
page_cookie(const struct http_request *req, const char *name, char *out, size_t outsz)
{
	const char *c = http_header(req, "Cookie");
	size_t nl = strlen(name), vl;

	if (outsz > 0)
		out[0] = '\0';
	while (c != NULL && *c != '\0') {
		while (*c == ' ' || *c == ';')
			c++;
		vl = strcspn(c, ";");
		if (vl > nl && strncmp(c, name, nl) == 0 && c[nl] == '=') {
			vl -= nl + 1;
			if (vl >= outsz)
				return 0;
			memcpy(out, c + nl + 1, vl);
			out[vl] = '\0';
			return 1;
		}
		c += vl;
	}
	return 0;
}
