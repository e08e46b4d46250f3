/*
 * replay: stored complaints routed again through a candidate config.  See
 * replay.h.  An SMS is routed by route_sms_decide() (routing/decide.h), the
 * function the service uses; a USSD complaint by route_menu() with the
 * candidate's rule of its stored keyword, as ussd_submit()
 * (intake/ussd_session.c) routes the category chosen from the menu.  So "would move" means what the
 * service would do.
 */
#include "routing/replay.h"

#include <stdlib.h>
#include <string.h>

#include "routing/decide.h"
#include "sms/parse.h"
#include "util/util.h"

void
replay_init(struct replay *r, const struct conf *c, const struct route_table *rt,
    size_t max_examples)
{
	memset(r, 0, sizeof *r);
	r->conf = c;
	r->rt = rt;
	r->max_examples = max_examples;
}

void
replay_clear(struct replay *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nmoves; i++)
		free(r->moves[i].examples);
	free(r->moves);
	r->moves = NULL;
	r->nmoves = r->capmoves = 0;
}

/* An SMS complaint, as intake routes it: -1 when the text is no complaint. */
static int
decide_sms(const struct route_table *rt, const char *text, struct route_decision *d,
    int *no_ticket)
{
	struct sms_command cmd;
	struct route_sms r;

	sms_parse(text, strlen(text), &cmd);
	if (cmd.cmd != SMS_COMPLAINT)
		return -1;
	route_sms_decide(rt, &cmd, &r);
	*d = r.d;
	*no_ticket = r.answer != ROUTE_SMS_TICKET;
	return 0;
}

/* A USSD complaint: its category by keyword in the candidate, else triage. */
static void
decide_menu(const struct conf *c, const struct route_table *rt, const struct replay_item *it,
    struct route_decision *d)
{
	const char *kw = it->keyword != NULL ? it->keyword : "";
	const char *loc = it->location != NULL ? it->location : "";
	const char *desc = it->description != NULL ? it->description : "";
	const struct conf_agency *t = &c->agencies[c->triage];
	long rule = -1;
	size_t i;

	for (i = 0; *kw != '\0' && i < c->nrules; i++)
		if (strcmp(c->rules[i].keyword, kw) == 0) {
			rule = (long)i;
			break;
		}
	route_menu(rt, rule, loc, strlen(loc), desc, strlen(desc), d);
	if (rule < 0)
		snprintf(d->explain, sizeof d->explain,
		    "triage -> %s (%s): menu category %s is no rule of this config.", t->id,
		    t->name != NULL ? t->name : t->id, *kw != '\0' ? kw : "(none)");
}

int
replay_decide(const struct conf *c, const struct route_table *rt,
    const struct replay_item *it, struct route_decision *d, int *no_ticket)
{
	const char *text;

	*no_ticket = 0;
	if (it->channel != NULL && strcmp(it->channel, "ussd") == 0) {
		decide_menu(c, rt, it, d);
		return 0;
	}
	text = it->text != NULL ? it->text : it->description != NULL ? it->description : "";
	return decide_sms(rt, text, d, no_ticket);
}

/*
 * s on one line, at most maxchars characters (UTF-8 code points), "..."
 * at the end when cut.  out holds maxchars * 4 + 4 bytes at least.
 */
static void
shorten(const char *s, size_t maxchars, char *out, size_t outsz)
{
	size_t i, o = 0, chars = 0, total = 0, keep;

	for (i = 0; s[i] != '\0'; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			total++;
	keep = total <= maxchars ? total : maxchars > 3 ? maxchars - 3 : maxchars;
	for (i = 0; s[i] != '\0' && o + 1 < outsz; i++) {
		unsigned char b = (unsigned char)s[i];

		if ((b & 0xC0) != 0x80 && chars++ == keep)
			break;
		out[o++] = b < 0x20 || b == 0x7f ? ' ' : (char)b;
	}
	if (total > maxchars && o + 4 <= outsz) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

static struct replay_move *
move_for(struct replay *r, const char *from, const char *to)
{
	struct replay_move *m;
	size_t i;

	for (i = 0; i < r->nmoves; i++)
		if (strcmp(r->moves[i].from, from) == 0 && strcmp(r->moves[i].to, to) == 0)
			return &r->moves[i];
	if (r->nmoves == r->capmoves) {
		r->capmoves = r->capmoves ? r->capmoves * 2 : 8;
		r->moves = xrealloc(r->moves, r->capmoves * sizeof *r->moves);
	}
	m = &r->moves[r->nmoves++];
	memset(m, 0, sizeof *m);
	(void)str_copy(m->from, sizeof m->from, from);
	(void)str_copy(m->to, sizeof m->to, to);
	return m;
}

static void
example(struct replay *r, struct replay_move *m, const struct replay_item *it,
    const struct route_decision *d, int no_ticket)
{
	const struct conf *c = r->conf;
	struct replay_example *e;
	char menu[1024];

	if (m->nexamples >= r->max_examples)
		return;
	if (m->examples == NULL)
		m->examples = xcalloc(r->max_examples, sizeof *m->examples);
	e = &m->examples[m->nexamples++];
	(void)str_copy(e->ticket, sizeof e->ticket, it->ticket != NULL ? it->ticket : "");
	if (it->channel != NULL && strcmp(it->channel, "ussd") == 0) {
		snprintf(menu, sizeof menu, "[menu %s] %s%s%s",
		    it->keyword != NULL && *it->keyword ? it->keyword : "-",
		    it->location != NULL ? it->location : "", it->location != NULL ? ": " : "",
		    it->description != NULL ? it->description : "");
		shorten(menu, REPLAY_TEXT_CHARS, e->text, sizeof e->text);
	} else
		shorten(it->text != NULL ? it->text : it->description != NULL ? it->description : "",
		    REPLAY_TEXT_CHARS, e->text, sizeof e->text);
	(void)str_copy(e->old_rule, sizeof e->old_rule,
	    it->keyword != NULL && *it->keyword ? it->keyword : "triage");
	(void)str_copy(e->new_rule, sizeof e->new_rule,
	    d->rule >= 0 ? c->rules[d->rule].keyword : "triage");
	if (d->rule >= 0 && d->how != ROUTE_MENU)
		(void)str_copy(e->new_word, sizeof e->new_word, d->word);
	e->typo = d->rule >= 0 && d->typo;
	e->no_ticket = no_ticket;
	shorten(d->explain, REPLAY_EXPLAIN_CHARS, e->explain, sizeof e->explain);
}

int
replay_add(struct replay *r, const struct replay_item *it)
{
	const struct conf *c = r->conf;
	struct route_decision d;
	const char *to, *old_kw, *new_kw;
	int no_ticket;

	if (replay_decide(c, r->rt, it, &d, &no_ticket) != 0) {
		r->skipped++;
		return 0;
	}
	r->total++;
	if (it->channel != NULL && strcmp(it->channel, "ussd") == 0)
		r->ussd++;
	else
		r->sms++;
	if (no_ticket)
		r->no_ticket++;
	to = c->agencies[d.agency].id;
	old_kw = it->keyword != NULL ? it->keyword : "";
	new_kw = d.rule >= 0 ? c->rules[d.rule].keyword : "";
	if (strcmp(it->agency != NULL ? it->agency : "", to) != 0) {
		struct replay_move *m = move_for(r, it->agency != NULL ? it->agency : "", to);

		r->moved++;
		m->count++;
		example(r, m, it, &d, no_ticket);
	} else if (strcmp(old_kw, new_kw) != 0)
		r->rule_changed++;
	return 1;
}

void
replay_item_of(struct replay_item *it, const struct store_complaint_text *t)
{
	it->ticket = t->ticket;
	it->channel = t->channel;
	it->text = t->text;
	it->keyword = t->keyword;
	it->location = t->location;
	it->description = t->description;
	it->agency = t->agency;
}

static int
feed_one(void *arg, const struct store_complaint_text *t)
{
	struct replay_item it;

	replay_item_of(&it, t);
	(void)replay_add(arg, &it);
	return 0;
}

int
replay_store(struct replay *r, struct store *s, int64_t since, size_t limit)
{
	return store_complaint_messages_each(s, since, NULL, limit, feed_one, r) < 0 ? -1 : 0;
}

static int
move_cmp(const void *a, const void *b)
{
	const struct replay_move *x = a, *y = b;
	int c;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	if ((c = strcmp(x->from, y->from)) != 0)
		return c;
	return strcmp(x->to, y->to);
}

void
replay_sort(struct replay *r)
{
	if (r->nmoves > 1)
		qsort(r->moves, r->nmoves, sizeof *r->moves, move_cmp);
}

long
replay_count(const struct replay *r, const char *from, const char *to)
{
	size_t i;

	for (i = 0; i < r->nmoves; i++)
		if (strcmp(r->moves[i].from, from) == 0 && strcmp(r->moves[i].to, to) == 0)
			return r->moves[i].count;
	return 0;
}

static double
pct(long n, long of)
{
	return of > 0 ? 100.0 * (double)n / (double)of : 0.0;
}

void
replay_print(struct replay *r, FILE *f)
{
	const struct replay_move *m;
	const struct replay_example *e;
	size_t i, j, wf = 4, wt = 2;

	replay_sort(r);
	fprintf(f, "replayed:                 %ld complaint%s (%ld SMS, %ld USSD)\n", r->total,
	    r->total == 1 ? "" : "s", r->sms, r->ussd);
	fprintf(f, "would move:               %ld (%.1f%%)\n", r->moved, pct(r->moved, r->total));
	fprintf(f, "same agency, other rule:  %ld\n", r->rule_changed);
	fprintf(f, "would open no ticket:     %ld\n", r->no_ticket);
	if (r->skipped > 0)
		fprintf(f, "skipped:                  %ld (no longer a complaint)\n", r->skipped);
	if (r->nmoves == 0) {
		fprintf(f, "\nno complaint would go to another agency\n");
		return;
	}
	for (i = 0; i < r->nmoves; i++) {
		if (strlen(r->moves[i].from) > wf)
			wf = strlen(r->moves[i].from);
		if (strlen(r->moves[i].to) > wt)
			wt = strlen(r->moves[i].to);
	}
	fprintf(f, "\nmoves (from agency -> to agency: complaints)\n");
	fprintf(f, "  %-*s    %-*s  %s\n", (int)wf, "from", (int)wt, "to", "count");
	for (i = 0; i < r->nmoves; i++)
		fprintf(f, "  %-*s -> %-*s  %5ld\n", (int)wf, r->moves[i].from, (int)wt,
		    r->moves[i].to, r->moves[i].count);
	if (r->max_examples == 0)
		return;
	fprintf(f, "\nexamples (at most %zu per move)\n", r->max_examples);
	for (i = 0; i < r->nmoves; i++) {
		m = &r->moves[i];
		fprintf(f, "  %s -> %s: %ld\n", m->from, m->to, m->count);
		for (j = 0; j < m->nexamples; j++) {
			e = &m->examples[j];
			fprintf(f, "    %-8s  \"%s\"\n", e->ticket, e->text);
			fprintf(f, "    %-8s  %s -> %s", "", e->old_rule, e->new_rule);
			if (e->new_word[0])
				fprintf(f, " ('%s'%s)", e->new_word, e->typo ? ", typo" : "");
			if (e->no_ticket)
				fprintf(f, "; would open no ticket");
			fprintf(f, "\n    %-8s  why: %s\n", "", e->explain);
		}
	}
}
