/*
 * corpus: a labelled corpus of SMS texts routed through a config, with the
 * figures an operator measures a rule change by (see corpus.h).  The texts
 * take the service's own path (sms_parse, route_sms_decide), so what the
 * report says is what citizens would get.
 */
#include "routing/corpus.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "routing/decide.h"
#include "sms/parse.h"
#include "util/util.h"

struct errs {
	void (*fn)(void *arg, int line, const char *msg);
	void *arg;
	int n;
};

static void errs_add(struct errs *, int, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static void
errs_add(struct errs *e, int line, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (e->n++ >= CORPUS_ERRORS_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	e->fn(e->arg, line, msg);
}

/* The agency a label names: an agency id, or "triage"; -1 when none. */
static long
label_agency(const struct conf *c, const char *s, size_t len)
{
	size_t i;

	if (len == 6 && memcmp(s, "triage", 6) == 0)
		return (long)c->triage;
	for (i = 0; i < c->nagencies; i++)
		if (strlen(c->agencies[i].id) == len && memcmp(c->agencies[i].id, s, len) == 0)
			return (long)i;
	return -1;
}

static int
blank(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return 0;
	return 1;
}

/* Routes one text as the service routes an SMS body; fills in its outcome. */
static void
route_one(const struct route_table *rt, const struct conf *c, struct corpus_item *it)
{
	struct sms_command cmd;
	struct route_sms r;

	it->rule = -1;
	it->how = ROUTE_TRIAGE_NONE;
	it->typo = 0;
	it->word[0] = it->keyword[0] = '\0';
	it->got = c->triage;
	sms_parse(it->text, strlen(it->text), &cmd);
	it->command = cmd.cmd != SMS_COMPLAINT;
	if (cmd.cmd == SMS_COMPLAINT) {
		route_sms_decide(rt, &cmd, &r);
		/* No ticket ("halo"; a lone keyword asks for details): nobody gets it. */
		it->help = r.answer != ROUTE_SMS_TICKET;
		if (r.answer == ROUTE_SMS_TICKET) {
			it->got = r.d.agency;
			it->rule = r.d.rule;
			it->how = r.d.how;
			it->typo = r.d.typo;
			(void)str_copy(it->word, sizeof it->word, r.d.word);
			(void)str_copy(it->keyword, sizeof it->keyword, r.d.keyword);
			if (r.d.how == ROUTE_TRIAGE_TIE)
				it->explain = xstrdup(r.d.explain);
		}
	}
	if (it->got == it->expected)
		it->outcome = CORPUS_RIGHT;
	else if (it->got == c->triage)
		it->outcome = CORPUS_TRIAGE;
	else
		it->outcome = CORPUS_WRONG;
}

struct corpus_result *
corpus_eval(const struct route_table *rt, const struct conf *c, const char *data, size_t len,
    void (*fn)(void *arg, int line, const char *msg), void *arg)
{
	struct corpus_result *r;
	struct corpus_item *it;
	struct errs e = { fn, arg, 0 };
	const char *p = data, *end = data + len, *nl, *next, *tab, *text;
	size_t cap = 0, na = c->nagencies, llen, tlen;
	long a;
	int line = 0;

	r = xcalloc(1, sizeof *r);
	r->c = c;
	for (; p < end; p = next) {
		line++;
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		next = nl < end ? nl + 1 : end;
		llen = (size_t)(nl - p);
		if (llen > 0 && p[llen - 1] == '\r')
			llen--;
		if (blank(p, llen) || p[0] == '#')
			continue;
		if ((tab = memchr(p, '\t', llen)) == NULL) {
			errs_add(&e, line, "no tab between the agency id and the text");
			continue;
		}
		if ((a = label_agency(c, p, (size_t)(tab - p))) < 0) {
			errs_add(&e, line, "unknown agency '%.*s' (an agency id of the config, "
			    "or triage)", (int)((size_t)(tab - p) > 40 ? 40 : tab - p), p);
			continue;
		}
		text = tab + 1;
		tlen = llen - (size_t)(text - p);
		if (blank(text, tlen)) {
			errs_add(&e, line, "no text after the agency id");
			continue;
		}
		if (tlen > CORPUS_TEXT_MAX) {
			errs_add(&e, line, "text longer than %d bytes", CORPUS_TEXT_MAX);
			continue;
		}
		if (e.n > 0)
			continue;       /* only checking the rest now */
		if (r->n == cap) {
			cap = cap ? 2 * cap : 256;
			r->items = xrealloc(r->items, cap * sizeof *r->items);
		}
		it = &r->items[r->n++];
		memset(it, 0, sizeof *it);
		it->line = line;
		it->expected = (size_t)a;
		it->text = xstrndup(text, tlen);
	}
	if (e.n == 0 && r->n == 0)
		errs_add(&e, 0, "no text in the corpus (lines: agency-id<TAB>text)");
	if (e.n > CORPUS_ERRORS_MAX) {
		char msg[64];

		snprintf(msg, sizeof msg, "... and %d more bad lines", e.n - CORPUS_ERRORS_MAX);
		fn(arg, 0, msg);
	}
	if (e.n > 0) {
		corpus_free(r);
		return NULL;
	}

	r->texts = xcalloc(na, sizeof *r->texts);
	r->right = xcalloc(na, sizeof *r->right);
	r->wrong = xcalloc(na, sizeof *r->wrong);
	r->triage = xcalloc(na, sizeof *r->triage);
	r->confusion = xcalloc(na * na, sizeof *r->confusion);
	for (it = r->items; it < r->items + r->n; it++) {
		route_one(rt, c, it);
		r->texts[it->expected]++;
		r->confusion[it->expected * na + it->got]++;
		switch (it->outcome) {
		case CORPUS_RIGHT:
			r->right[it->expected]++;
			r->total_right++;
			break;
		case CORPUS_WRONG:
			r->wrong[it->expected]++;
			r->total_wrong++;
			break;
		case CORPUS_TRIAGE:
			r->triage[it->expected]++;
			r->total_triage++;
			break;
		}
	}
	return r;
}

void
corpus_free(struct corpus_result *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++) {
		free(r->items[i].text);
		free(r->items[i].explain);
	}
	free(r->items);
	free(r->texts);
	free(r->right);
	free(r->wrong);
	free(r->triage);
	free(r->confusion);
	free(r);
}

double
corpus_pct(size_t n, size_t total)
{
	return total == 0 ? 0.0 : 100.0 * (double)n / (double)total;
}

/* "triage" for the triage agency: the corpus's own word for it. */
static const char *
name_of(const struct conf *c, size_t a)
{
	return a == c->triage ? "triage" : c->agencies[a].id;
}

/* The text on one line: control bytes as '?', so a corpus cannot forge lines. */
static void
print_text(const char *s, FILE *out)
{
	for (; *s != '\0'; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7F ? '?' : *s, out);
}

/* Why an item went where it went, on one line. */
static void
print_why(const struct corpus_result *r, const struct corpus_item *it, FILE *out)
{
	const char *how = "";

	if (it->command || it->help) {
		fprintf(out, "%s", it->command ? "read as a command, not a complaint" :
		    "no ticket: answered with help or asked for details");
		return;
	}
	if (it->rule < 0) {
		if (it->explain != NULL) {
			/* "triage -> diskominfo (...): keywords of ...": the reason only. */
			const char *why = strstr(it->explain, "): ");

			print_text(why != NULL ? why + 3 : it->explain, out);
		}
		else
			fprintf(out, "no keyword");
		return;
	}
	switch (it->how) {
	case ROUTE_STRUCTURED:
		how = "keyword field";
		break;
	case ROUTE_LEADING:
		how = "leading keyword";
		break;
	case ROUTE_INSIDE:
		how = "inside the text";
		break;
	default:
		break;
	}
	fprintf(out, "rule %s, '%s' matched '%s'%s, %s", r->c->rules[it->rule].keyword, it->word,
	    it->keyword, it->typo ? " (typo)" : "", how);
}

void
corpus_print(const struct corpus_result *r, const char *name, FILE *out)
{
	const struct conf *c = r->c;
	size_t na = c->nagencies, a, g, n;
	size_t *shown = xcalloc(na, sizeof *shown), nshown = 0;
	const struct corpus_item *it;

	fprintf(out, "corpus %s: %zu texts\n\n", name, r->n);
	fprintf(out, "%-20s %6s %6s %6s %6s %7s\n", "expected", "texts", "right", "wrong", "triage",
	    "right%");
	for (a = 0; a < na; a++) {
		if (r->texts[a] == 0)
			continue;
		fprintf(out, "%-20s %6zu %6zu %6zu %6zu %6.1f%%\n", name_of(c, a), r->texts[a],
		    r->right[a], r->wrong[a], r->triage[a], corpus_pct(r->right[a], r->texts[a]));
	}
	fprintf(out, "%-20s %6zu %6zu %6zu %6zu %6.1f%%\n\n", "all", r->n, r->total_right,
	    r->total_wrong, r->total_triage, corpus_pct(r->total_right, r->n));
	fprintf(out, "right %.1f%%  wrong %.1f%%  triage %.1f%%  (%zu right, %zu wrong agency, "
	    "%zu to triage, of %zu)\n\n", corpus_pct(r->total_right, r->n),
	    corpus_pct(r->total_wrong, r->n), corpus_pct(r->total_triage, r->n), r->total_right,
	    r->total_wrong, r->total_triage, r->n);

	/* The confusion table: agencies that were expected or got, numbered. */
	for (a = 0; a < na; a++) {
		n = r->texts[a];
		for (g = 0; g < na && n == 0; g++)
			n += r->confusion[g * na + a];
		if (n > 0)
			shown[nshown++] = a;
	}
	fprintf(out, "confusion (rows: expected, columns: got, numbered as the rows)\n");
	fprintf(out, "%-24s", "");
	for (g = 0; g < nshown; g++)
		fprintf(out, "%4zu", g + 1);
	fputc('\n', out);
	for (a = 0; a < nshown; a++) {
		fprintf(out, "%2zu %-21.21s", a + 1, name_of(c, shown[a]));
		for (g = 0; g < nshown; g++) {
			n = r->confusion[shown[a] * na + shown[g]];
			if (n == 0)
				fprintf(out, "%4s", ".");
			else
				fprintf(out, "%4zu", n);
		}
		fputc('\n', out);
	}

	fprintf(out, "\nwrong agency (%zu):\n", r->total_wrong);
	for (it = r->items; it < r->items + r->n; it++) {
		if (it->outcome != CORPUS_WRONG)
			continue;
		fprintf(out, "%s:%d: expected %s, got %s (", name, it->line,
		    name_of(c, it->expected), name_of(c, it->got));
		print_why(r, it, out);
		fprintf(out, "): ");
		print_text(it->text, out);
		fputc('\n', out);
	}
	fprintf(out, "\nto triage (%zu):\n", r->total_triage);
	for (it = r->items; it < r->items + r->n; it++) {
		if (it->outcome != CORPUS_TRIAGE)
			continue;
		fprintf(out, "%s:%d: expected %s (", name, it->line, name_of(c, it->expected));
		print_why(r, it, out);
		fprintf(out, "): ");
		print_text(it->text, out);
		fputc('\n', out);
	}
	free(shown);
}
