/*
 * filter: a queue's filter (status, category, region, age, overdue, order,
 * agency, page) read from the query string and written back into the
 * links of the queue, its pager and its CSV export, so that the CSV holds
 * exactly what the filter shows.  A value that names nothing known
 * (a status, rule keyword, region or agency not in the config) is refused
 * rather than ignored: a mistyped link shows an error, not a silently
 * wider queue.
 */
#include "web/internal.h"

#include <stdio.h>
#include <string.h>

#include "ticket/lifecycle.h"

#define DAY     86400

/* The query's parameter `name`, or "" when absent; NULL when it holds a NUL or is too long. */
static const char *
param(const struct http_request *req, const char *name, size_t max)
{
	size_t len;
	const char *v = http_param(req, name, &len);

	if (v == NULL)
		return "";
	if (strlen(v) != len || len > max)
		return NULL;
	return v;
}

static int
known_rule(const struct conf *c, const char *kw)
{
	size_t i;

	for (i = 0; i < c->nrules; i++)
		if (strcmp(c->rules[i].keyword, kw) == 0)
			return 1;
	return 0;
}

static int
known_region(const struct conf *c, const char *id)
{
	size_t i;

	for (i = 0; i < c->nregions; i++)
		if (strcmp(c->regions[i].id, id) == 0)
			return 1;
	return 0;
}

int
filter_read(const struct http_request *req, const struct page *p, struct qfilter *f,
    char *err, size_t errsz)
{
	const char *st, *cat, *reg, *age, *od, *sort, *ag, *pg;
	long n;

	memset(f, 0, sizeof *f);
	f->page = 1;
	st = param(req, "status", sizeof f->status - 1);
	cat = param(req, "category", sizeof f->category - 1);
	reg = param(req, "region", sizeof f->region - 1);
	age = param(req, "age", 4);
	od = param(req, "overdue", 1);
	sort = param(req, "sort", 8);
	ag = param(req, "agency", sizeof f->agency - 1);
	pg = param(req, "page", 6);
	if (st == NULL || cat == NULL || reg == NULL || age == NULL || od == NULL ||
	    sort == NULL || ag == NULL || pg == NULL)
		return errf(err, errsz, "a filter value is too long or holds a NUL byte");
	if (*st != '\0' && strcmp(st, "all") != 0 && lifecycle_from_name(st) < 0)
		return errf(err, errsz, "unknown status '%s'", st);
	if (*cat != '\0' && strcmp(cat, "-") != 0 && !known_rule(p->conf, cat))
		return errf(err, errsz, "unknown category '%s'", cat);
	if (*reg != '\0' && strcmp(reg, "-") != 0 && !known_region(p->conf, reg))
		return errf(err, errsz, "unknown region '%s'", reg);
	if (*age != '\0') {
		if (str_to_long(age, -30, 30, &n) != 0 || (n != 1 && n != 7 && n != 30 && n != -30))
			return errf(err, errsz, "age must be 1, 7, 30 or -30");
		f->age = (int)n;
	}
	if (*od != '\0' && strcmp(od, "1") != 0 && strcmp(od, "0") != 0)
		return errf(err, errsz, "overdue must be 1 or 0");
	f->overdue = strcmp(od, "1") == 0;
	if (*sort != '\0' && strcmp(sort, "new") != 0 && strcmp(sort, "due") != 0)
		return errf(err, errsz, "sort must be new or due");
	f->by_due = strcmp(sort, "due") == 0;
	if (*ag != '\0' && strcmp(ag, "*") != 0 && conf_agency_find(p->conf, ag) < 0)
		return errf(err, errsz, "unknown agency '%s'", ag);
	if (*pg != '\0') {
		if (str_to_long(pg, 1, QUEUE_PAGES_MAX, &n) != 0)
			return errf(err, errsz, "page must be 1 to %d", QUEUE_PAGES_MAX);
		f->page = n;
	}
	(void)str_copy(f->status, sizeof f->status, st);
	(void)str_copy(f->category, sizeof f->category, cat);
	(void)str_copy(f->region, sizeof f->region, reg);
	/* Only the triage desk chooses the agency; anyone else always sees their own. */
	if (p->who != NULL && p->who->triage)
		(void)str_copy(f->agency, sizeof f->agency, ag);
	return 0;
}

/* Appends "&name=value" (value URL-encoded) when value is not empty. */
static void
add(char *out, size_t outsz, const char *name, const char *value)
{
	char enc[200];
	size_t n = strlen(out);

	if (*value == '\0' || html_url_encode(value, enc, sizeof enc) < 0 || n >= outsz)
		return;
	snprintf(out + n, outsz - n, "%s%s=%s", n > 0 ? "&" : "", name, enc);
}

void
filter_query(const struct qfilter *f, long page, char *out, size_t outsz)
{
	char num[24];

	if (outsz == 0)
		return;
	out[0] = '\0';
	add(out, outsz, "status", f->status);
	add(out, outsz, "category", f->category);
	add(out, outsz, "region", f->region);
	if (f->age != 0) {
		snprintf(num, sizeof num, "%d", f->age);
		add(out, outsz, "age", num);
	}
	if (f->overdue)
		add(out, outsz, "overdue", "1");
	if (f->by_due)
		add(out, outsz, "sort", "due");
	add(out, outsz, "agency", f->agency);
	if (page > 1) {
		snprintf(num, sizeof num, "%ld", page);
		add(out, outsz, "page", num);
	}
}

const char *
filter_agency(const struct qfilter *f, const struct page *p)
{
	const struct conf *c = p->conf;

	if (p->who == NULL || !p->who->triage)
		return p->who != NULL ? p->who->agency : "";
	if (strcmp(f->agency, "*") == 0)
		return NULL;
	if (f->agency[0] != '\0')
		return f->agency;
	return c->triage < c->nagencies ? c->agencies[c->triage].id : "";
}

void
filter_store(const struct qfilter *f, const struct page *p, struct store_inbox_query *q)
{
	memset(q, 0, sizeof *q);
	q->agency = filter_agency(f, p);
	if (f->status[0] == '\0')
		q->open = 1;
	else if (strcmp(f->status, "all") != 0)
		q->status = f->status;
	if (f->category[0] != '\0')
		q->keyword = strcmp(f->category, "-") == 0 ? "" : f->category;
	if (f->region[0] != '\0')
		q->region = strcmp(f->region, "-") == 0 ? "" : f->region;
	if (f->age > 0)
		q->created_from = p->now - (int64_t)f->age * DAY;
	else if (f->age < 0)
		q->created_to = p->now + (int64_t)f->age * DAY;
	if (f->overdue)
		q->overdue_at = p->now;
	q->by_due = f->by_due;
	q->offset = (size_t)(f->page - 1) * QUEUE_PAGE_ROWS;
	q->limit = QUEUE_PAGE_ROWS;
}
