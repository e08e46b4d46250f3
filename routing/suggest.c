/*
 * suggest: candidate aliases from what triage routed by hand, each checked
 * by replay.  See suggest.h.  Words are counted without a hash table: the
 * (agency, word, text) triples of the hand-routed texts are sorted once and
 * counted in runs.
 */
#include "routing/suggest.h"

#include <stdlib.h>
#include <string.h>

#include "routing/lint.h"
#include "sms/parse.h"
#include "sms/text.h"
#include "util/util.h"

#define KEY_MAX 64              /* a candidate key's bytes, NUL included */
#define EXAMPLE_CHARS 50        /* an example text, in characters */

enum item_kind {
	ITEM_HAND,              /* the router sent it to triage, a person moved it */
	ITEM_ROUTED,            /* a rule routed it */
	ITEM_TRIAGE             /* still with triage: replayed, never a label */
};

struct item {
	char *ticket, *channel, *text, *keyword, *description, *agency;
	enum item_kind kind;
	size_t base;            /* agency the config routes it to today */
	char *keys;             /* its distinct keys, each NUL-terminated, back to back */
	size_t nkeys;
};

struct triple {
	size_t agency;          /* index into conf.agencies */
	char key[KEY_MAX];
	size_t item;
};

enum drop {
	DROP_NONE,
	DROP_FIXES_NOTHING,
	DROP_MOVES,
	DROP_AMBIGUOUS,
	DROP_BUILD
};

struct cand {
	size_t agency;
	long rule;              /* -1: the agency has no rule */
	char key[KEY_MAX];
	long seen;              /* hand-routed texts to the agency that used it */
	long seen_else;         /* hand-routed texts to other agencies that used it */
	size_t example;         /* an item that used it */
	long fixes, elsewhere, moves;
	long already;           /* its agency's texts with it the config routes there today */
	enum drop drop;
	int grouped;            /* one of its agency's SUGGEST_WORDS_PER_AGENCY best */
	char why[256];          /* DROP_AMBIGUOUS, DROP_BUILD */
};

struct group {
	size_t agency;
	long rule;
	long hand, before, after, moves;        /* the words together */
	long more;                              /* kept words beyond the best ones */
	char **words;                           /* during eval_group() only */
	size_t nwords;
};

/* A distinct key of the stored texts and the texts that have it. */
struct dkey {
	const char *key;        /* into an item's keys */
	size_t len;
	size_t first, nitems;   /* suggest.ditems[first .. first + nitems) */
};

struct suggest {
	struct dkey *dkeys;
	size_t ndkeys;
	size_t *ditems;
	unsigned *mark;         /* per item: stamp when the candidate may move it */
	unsigned stamp;
	struct conf *c;
	const struct route_table *base;
	long min;
	struct item *items;
	size_t nitems, capitems;
	long hand, routed;
	struct cand *cands;
	size_t ncands;
	struct group *groups;
	size_t ngroups;
	int base_warnings;
};

struct suggest *
suggest_new(struct conf *c, const struct route_table *base, long min)
{
	struct suggest *sg = xcalloc(1, sizeof *sg);

	sg->c = c;
	sg->base = base;
	sg->min = min > 0 ? min : 1;
	return sg;
}

void
suggest_free(struct suggest *sg)
{
	size_t i;

	if (sg == NULL)
		return;
	for (i = 0; i < sg->nitems; i++) {
		free(sg->items[i].ticket);
		free(sg->items[i].channel);
		free(sg->items[i].text);
		free(sg->items[i].keyword);
		free(sg->items[i].description);
		free(sg->items[i].agency);
		free(sg->items[i].keys);
	}
	free(sg->items);
	free(sg->dkeys);
	free(sg->ditems);
	free(sg->mark);
	free(sg->cands);
	free(sg->groups);
	free(sg);
}

size_t
suggest_key(const struct route_table *rt, const char *word, size_t len,
    char *out, size_t outsz)
{
	return route_word_key(rt, word, len, out, outsz);
}

long
suggest_hand_routed(const struct suggest *sg)
{
	return sg->hand;
}

long
suggest_routed(const struct suggest *sg)
{
	return sg->routed;
}

static void item_keys(const struct route_table *rt, struct item *m);

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

static struct replay_item
item_view(const struct item *m)
{
	struct replay_item it;

	memset(&it, 0, sizeof it);
	it.ticket = m->ticket;
	it.channel = m->channel;
	it.text = m->text;
	it.keyword = m->keyword;
	it.description = m->description;
	it.agency = m->agency;
	return it;
}

int
suggest_add(struct suggest *sg, const struct replay_item *it)
{
	const struct conf *c = sg->c;
	const char *triage = c->agencies[c->triage].id;
	struct route_decision d;
	struct item *m;
	int no_ticket;
	long a;

	if (it->channel != NULL && strcmp(it->channel, "ussd") == 0)
		return 0;       /* a menu choice says nothing about words */
	if (replay_decide(c, sg->base, it, &d, &no_ticket) != 0)
		return 0;
	if (sg->nitems == sg->capitems) {
		sg->capitems = sg->capitems ? sg->capitems * 2 : 64;
		sg->items = xrealloc(sg->items, sg->capitems * sizeof *sg->items);
	}
	m = &sg->items[sg->nitems++];
	memset(m, 0, sizeof *m);
	m->ticket = dup_or_null(it->ticket);
	m->channel = dup_or_null(it->channel);
	m->text = dup_or_null(it->text);
	m->keyword = dup_or_null(it->keyword != NULL ? it->keyword : "");
	m->description = dup_or_null(it->description);
	m->agency = dup_or_null(it->agency != NULL ? it->agency : "");
	m->base = d.agency;
	item_keys(sg->base, m);
	a = conf_agency_find(c, m->agency);
	if (m->keyword[0] != '\0') {
		m->kind = ITEM_ROUTED;
		sg->routed++;
	} else if (a >= 0 && strcmp(m->agency, triage) != 0) {
		m->kind = ITEM_HAND;
		sg->hand++;
	} else
		m->kind = ITEM_TRIAGE;
	return 1;
}

static int
feed_one(void *arg, const struct store_complaint_text *t)
{
	struct replay_item it;

	replay_item_of(&it, t);
	(void)suggest_add(arg, &it);
	return 0;
}

int
suggest_store(struct suggest *sg, struct store *s, int64_t since, size_t limit)
{
	return store_complaint_messages_each(s, since, NULL, limit, feed_one, sg) < 0 ? -1 : 0;
}

/* ---- words of the hand-routed texts ------------------------------------- */

struct words_ctx {
	const struct route_table *rt;   /* whose spellings and stems make the keys */
	const char *text;
	size_t agency, item;
	struct triple *t;
	size_t n, cap;
	size_t first;           /* this text's first triple */
};

static int
letters_of(const char *k)
{
	int n = 0;

	for (; *k != '\0'; k++)
		if ((*k >= 'A' && *k <= 'Z') || (unsigned char)*k >= 0xC0)
			n++;
	return n;
}

static int
add_word(void *arg, size_t off, size_t len)
{
	struct words_ctx *x = arg;
	char key[KEY_MAX];
	size_t i;

	if (suggest_key(x->rt, x->text + off, len, key, sizeof key) == 0)
		return 0;
	for (i = x->first; i < x->n; i++)
		if (strcmp(x->t[i].key, key) == 0)
			return 0;       /* a text counts a word once */
	if (x->n == x->cap) {
		x->cap = x->cap ? x->cap * 2 : 256;
		x->t = xrealloc(x->t, x->cap * sizeof *x->t);
	}
	x->t[x->n].agency = x->agency;
	(void)str_copy(x->t[x->n].key, sizeof x->t[x->n].key, key);
	x->t[x->n].item = x->item;
	x->n++;
	return 0;
}

static void
add_slice(struct words_ctx *x, const char *p, size_t len)
{
	if (p == NULL || len == 0)
		return;
	x->text = p;
	(void)text_words(p, len, add_word, x);
}

/* The words the router read in m: the body, or the fields of KEYWORD#LOCATION#TEXT. */
static void
words_of(struct words_ctx *x, const struct item *m)
{
	const char *s = m->text != NULL ? m->text : m->description != NULL ? m->description : "";
	struct sms_command cmd;

	x->first = x->n;
	sms_parse(s, strlen(s), &cmd);
	if (cmd.structured) {
		add_slice(x, cmd.keyword.p, cmd.keyword.len);
		add_slice(x, cmd.location.p, cmd.location.len);
		add_slice(x, cmd.description.p, cmd.description.len);
	} else
		add_slice(x, cmd.body.p, cmd.body.len);
}

/* m->keys from its words, as collect() counts them. */
static void
item_keys(const struct route_table *rt, struct item *m)
{
	struct words_ctx x;
	size_t i, len = 0, o = 0;

	memset(&x, 0, sizeof x);
	x.rt = rt;
	words_of(&x, m);
	for (i = 0; i < x.n; i++)
		len += strlen(x.t[i].key) + 1;
	m->keys = xmalloc(len + 1);
	for (i = 0; i < x.n; i++) {
		size_t kl = strlen(x.t[i].key);

		memcpy(m->keys + o, x.t[i].key, kl + 1);
		o += kl + 1;
	}
	m->nkeys = x.n;
	free(x.t);
}

/*
 * Marks (sg->mark[i] = sg->stamp) the items whose routing adding
 * words[0..n) could change: the router looks words up one by one, so only
 * a text with such a word, or a word one letter off it (typos), can route
 * otherwise.  A key holding the word (an affix around it, as stems will
 * strip) counts too: this may only err on the side of replaying.  Texts it
 * leaves unmarked keep their routing today.  Walks the distinct keys, not
 * every text's words.
 */
static void
mark_touched(struct suggest *sg, char *const *words, size_t n)
{
	const struct dkey *d;
	size_t i, j, wl;

	sg->stamp++;
	for (i = 0; i < sg->ndkeys; i++) {
		d = &sg->dkeys[i];
		for (j = 0; j < n; j++) {
			wl = strlen(words[j]);
			if (strstr(d->key, words[j]) != NULL ||
			    route_one_edit(d->key, d->len, words[j], wl))
				break;
		}
		if (j == n)
			continue;
		for (j = 0; j < d->nitems; j++)
			sg->mark[sg->ditems[d->first + j]] = sg->stamp;
	}
}

struct pair {
	const char *key;
	size_t item;
};

static int
pair_cmp(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;
	int r = strcmp(x->key, y->key);

	return r != 0 ? r : x->item < y->item ? -1 : x->item > y->item;
}

/* The distinct keys of the texts that can be replayed, each with its texts. */
static void
index_keys(struct suggest *sg)
{
	struct pair *p;
	const char *k;
	size_t i, j, n = 0, np = 0;

	for (i = 0; i < sg->nitems; i++)
		if (sg->items[i].kind != ITEM_TRIAGE)
			n += sg->items[i].nkeys;
	p = xcalloc(n + 1, sizeof *p);
	for (i = 0; i < sg->nitems; i++) {
		if (sg->items[i].kind == ITEM_TRIAGE)
			continue;
		for (j = 0, k = sg->items[i].keys; j < sg->items[i].nkeys; j++, k += strlen(k) + 1) {
			p[np].key = k;
			p[np++].item = i;
		}
	}
	if (np > 1)
		qsort(p, np, sizeof *p, pair_cmp);
	sg->dkeys = xcalloc(np + 1, sizeof *sg->dkeys);
	sg->ditems = xcalloc(np + 1, sizeof *sg->ditems);
	sg->mark = xcalloc(sg->nitems + 1, sizeof *sg->mark);
	for (i = 0; i < np; i++) {
		struct dkey *d;

		if (i == 0 || strcmp(p[i].key, p[i - 1].key) != 0) {
			d = &sg->dkeys[sg->ndkeys++];
			d->key = p[i].key;
			d->len = strlen(p[i].key);
			d->first = i;
		}
		sg->ditems[i] = p[i].item;
		sg->dkeys[sg->ndkeys - 1].nitems++;
	}
	free(p);
}

static int
triple_cmp(const void *a, const void *b)
{
	const struct triple *x = a, *y = b;
	int r = strcmp(x->key, y->key);

	if (r != 0)
		return r;
	if (x->agency != y->agency)
		return x->agency < y->agency ? -1 : 1;
	return x->item < y->item ? -1 : x->item > y->item;
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every word and region word of the config, sorted, for bsearch. */
static const char **
known_words(const struct conf *c, size_t *n)
{
	const char **w;
	size_t i, j, k = 0, cap = 0;

	for (i = 0; i < c->nrules; i++)
		cap += 1 + c->rules[i].naliases + c->rules[i].naliases_en;
	for (i = 0; i < c->nregions; i++)
		cap += c->regions[i].nkeywords;
	w = xcalloc(cap + 1, sizeof *w);
	for (i = 0; i < c->nrules; i++) {
		w[k++] = c->rules[i].keyword;
		for (j = 0; j < c->rules[i].naliases; j++)
			w[k++] = c->rules[i].aliases[j];
		for (j = 0; j < c->rules[i].naliases_en; j++)
			w[k++] = c->rules[i].aliases_en[j];
	}
	for (i = 0; i < c->nregions; i++)
		for (j = 0; j < c->regions[i].nkeywords; j++)
			w[k++] = c->regions[i].keywords[j];
	qsort(w, k, sizeof *w, str_cmp);
	*n = k;
	return w;
}

/* A word the SMS grammar reads as a command (or prefix) when a message is only it. */
static int
command_word(const char *key)
{
	struct sms_command cmd;

	sms_parse(key, strlen(key), &cmd);
	return cmd.cmd != SMS_COMPLAINT || cmd.word[0] != '\0';
}

/* The rule that sends complaints to agency a: its own first, else a regional one. */
static long
rule_for(const struct conf *c, size_t a)
{
	size_t i, j;

	for (i = 0; i < c->nrules; i++)
		if (c->rules[i].agency == a)
			return (long)i;
	for (i = 0; i < c->nrules; i++)
		for (j = 0; j < c->rules[i].nregional; j++)
			if (c->rules[i].regional[j].agency == a)
				return (long)i;
	return -1;
}

static void
add_cand(struct suggest *sg, size_t *cap, const struct cand *k)
{
	if (sg->ncands == *cap) {
		*cap = *cap ? *cap * 2 : 32;
		sg->cands = xrealloc(sg->cands, *cap * sizeof *sg->cands);
	}
	sg->cands[sg->ncands++] = *k;
}

/* Candidates: runs of (word, agency) seen in at least min hand-routed texts. */
static void
collect(struct suggest *sg)
{
	const struct conf *c = sg->c;
	struct words_ctx x;
	const char **known;
	size_t nknown, i, j, k, cap = 0;
	long total;

	memset(&x, 0, sizeof x);
	for (i = 0; i < sg->nitems; i++) {
		const struct item *m = &sg->items[i];
		const char *mk = m->keys;

		if (m->kind != ITEM_HAND)
			continue;
		for (j = 0; j < m->nkeys; j++, mk += strlen(mk) + 1) {
			if (x.n == x.cap) {
				x.cap = x.cap ? x.cap * 2 : 256;
				x.t = xrealloc(x.t, x.cap * sizeof *x.t);
			}
			x.t[x.n].agency = (size_t)conf_agency_find(c, m->agency);
			(void)str_copy(x.t[x.n].key, sizeof x.t[x.n].key, mk);
			x.t[x.n++].item = i;
		}
	}
	if (x.n > 1)
		qsort(x.t, x.n, sizeof *x.t, triple_cmp);
	known = known_words(c, &nknown);
	for (i = 0; i < x.n; i = j) {
		const char *key = x.t[i].key;
		const char *kp = key;

		/* the run of this word, all agencies */
		for (j = i; j < x.n && strcmp(x.t[j].key, key) == 0; j++)
			;
		total = (long)(j - i);
		if (total < sg->min || letters_of(key) < SUGGEST_MIN_LETTERS ||
		    route_common_word(key, strlen(key)) || command_word(key) ||
		    bsearch(&kp, known, nknown, sizeof *known, str_cmp) != NULL)
			continue;
		for (k = i; k < j;) {
			struct cand cd;
			size_t e = k;

			while (e < j && x.t[e].agency == x.t[k].agency)
				e++;
			if ((long)(e - k) >= sg->min) {
				memset(&cd, 0, sizeof cd);
				cd.agency = x.t[k].agency;
				cd.rule = rule_for(c, cd.agency);
				(void)str_copy(cd.key, sizeof cd.key, key);
				cd.seen = (long)(e - k);
				cd.seen_else = total - cd.seen;
				cd.example = x.t[k].item;
				add_cand(sg, &cap, &cd);
			}
			k = e;
		}
	}
	free(known);
	free(x.t);
}

/* ---- replay of a candidate ----------------------------------------------- */

/*
 * Adds words[0..n) to the aliases of rule r for the call of fn, then puts
 * the rule back.  fn gets the built table, NULL (with the reason in err)
 * when the router refuses the config.
 */
static void
with_aliases(struct suggest *sg, long r, char *const *words, size_t n,
    void (*fn)(struct suggest *, const struct route_table *, const char *, void *), void *arg)
{
	struct conf_rule *rule = &sg->c->rules[r];
	char **saved = rule->aliases, **tmp;
	size_t nsaved = rule->naliases;
	struct route_table *rt;
	char err[256];

	tmp = xcalloc(nsaved + n + 1, sizeof *tmp);
	if (nsaved > 0)
		memcpy(tmp, saved, nsaved * sizeof *tmp);
	memcpy(tmp + nsaved, words, n * sizeof *tmp);
	rule->aliases = tmp;
	rule->naliases = nsaved + n;
	rt = route_build(sg->c, err, sizeof err);
	fn(sg, rt, err, arg);
	route_free(rt);
	rule->aliases = saved;
	rule->naliases = nsaved;
	free(tmp);
}

/* The agency the candidate table routes item m to; -1 when it is no complaint. */
static long
decide(struct suggest *sg, const struct route_table *rt, const struct item *m)
{
	struct replay_item it = item_view(m);
	struct route_decision d;
	int no_ticket;

	if (replay_decide(sg->c, rt, &it, &d, &no_ticket) != 0)
		return -1;
	return (long)d.agency;
}

struct lint_ctx {
	const char *key;
	char *why;
	size_t whysz;
};

static void
lint_note(void *arg, const struct lint_finding *f)
{
	struct lint_ctx *l = arg;

	if (f->level != LINT_WARNING || l->why[0] != '\0')
		return;
	if (strstr(f->msg, l->key) != NULL)
		(void)str_copy(l->why, l->whysz, f->msg);
}

static void
lint_none(void *arg, const struct lint_finding *f)
{
	(void)arg;
	(void)f;
}

static void
eval_one(struct suggest *sg, const struct route_table *rt, const char *err, void *arg)
{
	struct cand *cd = arg;
	struct lint_ctx l = { cd->key, cd->why, sizeof cd->why };
	char *key = cd->key;
	size_t i;
	long a;
	int w;

	if (rt == NULL) {
		cd->drop = DROP_BUILD;
		(void)str_copy(cd->why, sizeof cd->why, err);
		return;
	}
	w = lint_run(sg->c, lint_note, &l);
	if (w > sg->base_warnings) {
		cd->drop = DROP_AMBIGUOUS;
		if (cd->why[0] == '\0')
			(void)str_copy(cd->why, sizeof cd->why, "aduan rules lint would warn");
		return;
	}
	cd->why[0] = '\0';
	mark_touched(sg, &key, 1);
	for (i = 0; i < sg->nitems; i++) {
		const struct item *m = &sg->items[i];
		long label;

		if (m->kind == ITEM_TRIAGE || sg->mark[i] != sg->stamp)
			continue;
		label = conf_agency_find(sg->c, m->agency);
		if (m->kind == ITEM_HAND && label == (long)cd->agency && (long)m->base == label)
			cd->already++;
		if ((a = decide(sg, rt, m)) < 0 || (size_t)a == m->base)
			continue;
		if (m->kind == ITEM_ROUTED) {
			/* To where a person put it after the rule (via triage) is no harm. */
			cd->moves += a != label;
			continue;
		}
		if (a == label)
			cd->fixes++;
		else if ((long)m->base == label)
			cd->moves++;    /* it was right already */
		else if ((size_t)a != sg->c->triage)
			cd->elsewhere++;
	}
	if (cd->fixes == 0)
		cd->drop = DROP_FIXES_NOTHING;
	else if (cd->moves + cd->elsewhere >= cd->fixes)
		cd->drop = DROP_MOVES;
}

static void
eval_group(struct suggest *sg, const struct route_table *rt, const char *err, void *arg)
{
	struct group *g = arg;
	size_t i;
	long a, label;

	(void)err;
	if (rt != NULL)
		mark_touched(sg, g->words, g->nwords);
	for (i = 0; rt != NULL && i < sg->nitems; i++) {
		const struct item *m = &sg->items[i];

		if (m->kind == ITEM_TRIAGE)
			continue;
		a = sg->mark[i] == sg->stamp ? decide(sg, rt, m) : (long)m->base;
		if (a < 0)
			continue;
		label = conf_agency_find(sg->c, m->agency);
		if (m->kind == ITEM_ROUTED) {
			g->moves += (size_t)a != m->base && a != label;
			continue;
		}
		if (label != (long)g->agency) {
			g->moves += (size_t)a != m->base && (long)m->base == label;
			continue;
		}
		g->hand++;
		g->before += (long)m->base == label;
		g->after += a == label;
	}
}

static int
cand_rank(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;
	int r;

	if (x->fixes != y->fixes)
		return x->fixes > y->fixes ? -1 : 1;
	if (x->moves + x->elsewhere != y->moves + y->elsewhere)
		return x->moves + x->elsewhere < y->moves + y->elsewhere ? -1 : 1;
	if (x->seen != y->seen)
		return x->seen > y->seen ? -1 : 1;
	if ((r = strcmp(x->key, y->key)) != 0)
		return r;
	return x->agency < y->agency ? -1 : x->agency > y->agency;
}

static int
seen_rank(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->seen != y->seen)
		return x->seen > y->seen ? -1 : 1;
	return strcmp(x->key, y->key);
}

static int
group_rank(const void *a, const void *b)
{
	const struct group *x = a, *y = b;
	long gx = x->after - x->before, gy = y->after - y->before;

	if (gx != gy)
		return gx > gy ? -1 : 1;
	return x->agency < y->agency ? -1 : x->agency > y->agency;
}

int
suggest_run(struct suggest *sg, char *err, size_t errsz)
{
	size_t i, j, n;
	char **words;

	free(sg->cands);
	free(sg->groups);
	free(sg->dkeys);
	free(sg->ditems);
	free(sg->mark);
	sg->cands = NULL;
	sg->groups = NULL;
	sg->dkeys = NULL;
	sg->ditems = NULL;
	sg->mark = NULL;
	sg->ncands = sg->ngroups = sg->ndkeys = 0;
	if ((sg->base_warnings = lint_run(sg->c, lint_none, NULL)) < 0)
		return errf(err, errsz, "the config's rules could not be linted");
	collect(sg);
	index_keys(sg);
	/* The most used first; at most SUGGEST_CANDIDATES_MAX replayed. */
	if (sg->ncands > 1)
		qsort(sg->cands, sg->ncands, sizeof *sg->cands, seen_rank);
	if (sg->ncands > SUGGEST_CANDIDATES_MAX)
		sg->ncands = SUGGEST_CANDIDATES_MAX;
	for (i = 0; i < sg->ncands; i++) {
		char *w = sg->cands[i].key;

		if (sg->cands[i].rule >= 0)
			with_aliases(sg, sg->cands[i].rule, &w, 1, eval_one, &sg->cands[i]);
	}
	if (sg->ncands > 1)
		qsort(sg->cands, sg->ncands, sizeof *sg->cands, cand_rank);
	/* Per agency, its kept words together: what pasting them all would do. */
	words = xcalloc(sg->ncands + 1, sizeof *words);
	sg->groups = xcalloc(sg->ncands + 1, sizeof *sg->groups);
	for (i = 0; i < sg->ncands; i++) {
		const struct cand *cd = &sg->cands[i];
		struct group *g = NULL;

		if (cd->rule < 0 || cd->drop != DROP_NONE)
			continue;
		for (j = 0; j < sg->ngroups; j++)
			if (sg->groups[j].agency == cd->agency)
				g = &sg->groups[j];
		if (g != NULL)
			continue;
		g = &sg->groups[sg->ngroups++];
		g->agency = cd->agency;
		g->rule = cd->rule;
		for (n = 0, j = i; j < sg->ncands; j++)
			if (sg->cands[j].agency == cd->agency && sg->cands[j].rule >= 0 &&
			    sg->cands[j].drop == DROP_NONE) {
				if (n == SUGGEST_WORDS_PER_AGENCY) {
					g->more++;
					continue;
				}
				sg->cands[j].grouped = 1;
				words[n++] = sg->cands[j].key;
			}
		g->words = words;
		g->nwords = n;
		with_aliases(sg, g->rule, words, n, eval_group, g);
		g->words = NULL;
	}
	free(words);
	if (sg->ngroups > 1)
		qsort(sg->groups, sg->ngroups, sizeof *sg->groups, group_rank);
	return 0;
}

/* ---- output ---------------------------------------------------------------- */

/* s shortened to one line for a comment: no quotes, no control bytes. */
static void
example_of(const struct item *m, char *out, size_t outsz)
{
	const char *s = m->text != NULL ? m->text : m->description != NULL ? m->description : "";
	size_t i, o = 0, chars = 0;

	for (i = 0; s[i] != '\0' && o + 4 < outsz; i++) {
		unsigned char b = (unsigned char)s[i];

		if ((b & 0xC0) != 0x80 && chars++ == EXAMPLE_CHARS) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		out[o++] = b < 0x20 || b == 0x7f ? ' ' : b == '"' ? '\'' : (char)b;
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
}

static const char *
plural(long n)
{
	return n == 1 ? "" : "s";
}

static void
print_group(const struct suggest *sg, const struct group *g, FILE *f)
{
	const struct conf *c = sg->c;
	const struct conf_rule *r = &c->rules[g->rule];
	char ex[EXAMPLE_CHARS * 4 + 8];
	size_t i;
	const char *sep = "";

	fprintf(f, "# %s (rule %s, %s:%d): %ld of %ld hand-routed text%s would go there "
	    "(now %ld), %ld routed text%s would move\n", c->agencies[g->agency].id, r->keyword,
	    c->path, r->line, g->after, g->hand, plural(g->hand), g->before, g->moves,
	    plural(g->moves));
	fprintf(f, "# add to the aliases of rule %s (line %d); its whole list would read:\n",
	    r->keyword, r->line);
	fprintf(f, "aliases = [ ");
	for (i = 0; i < r->naliases; i++, sep = ", ")
		fprintf(f, "%s\"%s\"", sep, r->aliases[i]);
	for (i = 0; i < sg->ncands; i++) {
		const struct cand *cd = &sg->cands[i];

		if (cd->agency == g->agency && cd->grouped) {
			fprintf(f, "%s\"%s\"", sep, cd->key);
			sep = ", ";
		}
	}
	fprintf(f, " ];\n");
	for (i = 0; i < sg->ncands; i++) {
		const struct cand *cd = &sg->cands[i];

		if (cd->agency != g->agency || !cd->grouped)
			continue;
		example_of(&sg->items[cd->example], ex, sizeof ex);
		fprintf(f, "#   \"%s\": %ld triaged text%s -> %s, %ld elsewhere, %ld routed "
		    "text%s would move; seen in %ld text%s to %s", cd->key, cd->fixes,
		    plural(cd->fixes), c->agencies[g->agency].id, cd->elsewhere, cd->moves,
		    plural(cd->moves), cd->seen, plural(cd->seen), c->agencies[g->agency].id);
		if (cd->seen_else > 0)
			fprintf(f, ", %ld to others", cd->seen_else);
		fprintf(f, "; e.g. \"%s\"\n", ex);
	}
	if (g->more > 0)
		fprintf(f, "#   and %ld more word%s that would help less (shown once these are in "
		    "the config)\n", g->more, plural(g->more));
}

static const char *
drop_text(const struct cand *cd, char *buf, size_t bufsz)
{
	switch (cd->drop) {
	case DROP_FIXES_NOTHING:
		if (cd->already > 0) {
			snprintf(buf, bufsz, "the config routes its text%s there already",
			    plural(cd->already));
			return buf;
		}
		return "it would route none of the hand-routed texts there";
	case DROP_MOVES:
		snprintf(buf, bufsz, "it would route %ld hand-routed text%s there but move %ld "
		    "routed and send %ld elsewhere", cd->fixes, plural(cd->fixes), cd->moves,
		    cd->elsewhere);
		return buf;
	case DROP_AMBIGUOUS:
		snprintf(buf, bufsz, "ambiguous: %s", cd->why);
		return buf;
	case DROP_BUILD:
		snprintf(buf, bufsz, "the router refuses it: %s", cd->why);
		return buf;
	case DROP_NONE:
		break;
	}
	return "";
}

void
suggest_print(const struct suggest *sg, FILE *f)
{
	const struct conf *c = sg->c;
	char buf[512];
	size_t i, j, shown = 0, ndropped = 0;
	int any = 0;

	for (i = 0; i < sg->ngroups; i++) {
		fprintf(f, "\n");
		print_group(sg, &sg->groups[i], f);
	}
	if (sg->ngroups == 0)
		fprintf(f, "\nno word to suggest\n");
	/*
	 * Agencies that no rule sends complaints to: a new rule block, its
	 * words by use (not replayed: there is no rule to add them to).
	 */
	for (i = 0; i < c->nagencies; i++) {
		long texts = 0;
		const char *sep = "", *first = NULL;

		for (j = 0; j < sg->nitems; j++)
			texts += sg->items[j].kind == ITEM_HAND &&
			    conf_agency_find(c, sg->items[j].agency) == (long)i;
		if (texts == 0 || rule_for(c, i) >= 0)
			continue;
		if (!any)
			fprintf(f, "\n");
		any = 1;
		fprintf(f, "# %s: no rule sends complaints there; %ld hand-routed text%s went "
		    "there", c->agencies[i].id, texts, plural(texts));
		for (j = 0; j < sg->ncands; j++)
			if (sg->cands[j].agency == i) {
				fprintf(f, "%s\"%s\" (%ld)", *sep ? sep : "; words seen: ",
				    sg->cands[j].key, sg->cands[j].seen);
				sep = ", ";
			}
		fprintf(f, "\n");
		if (*sep == '\0') {
			fprintf(f, "# no word seen in %ld texts or more: a new rule for it needs "
			    "its words\n", sg->min);
			continue;
		}
		fprintf(f, "# a new rule block (not replayed: check it with aduan route "
		    "--replay), e.g.:\n#   { keyword = ");
		for (j = 0, sep = ""; j < sg->ncands; j++) {
			if (sg->cands[j].agency != i)
				continue;
			if (first == NULL) {
				first = sg->cands[j].key;
				fprintf(f, "\"%s\"; aliases = [ ", first);
			} else {
				fprintf(f, "%s\"%s\"", sep, sg->cands[j].key);
				sep = ", ";
			}
		}
		fprintf(f, "%s]; agency = \"%s\";\n#     label = { id = \"...\"; en = \"...\"; }; },"
		    "\n", *sep ? " " : "", c->agencies[i].id);
	}
	for (i = 0; i < sg->ncands; i++)
		ndropped += sg->cands[i].rule >= 0 && sg->cands[i].drop != DROP_NONE;
	if (ndropped == 0)
		return;
	fprintf(f, "\n# not suggested (%zu word%s):\n", ndropped, ndropped == 1 ? "" : "s");
	for (i = 0; i < sg->ncands && shown < SUGGEST_DROPPED_SHOWN; i++) {
		const struct cand *cd = &sg->cands[i];

		if (cd->rule < 0 || cd->drop == DROP_NONE)
			continue;
		shown++;
		fprintf(f, "#   \"%s\" for %s (seen in %ld text%s): %s\n", cd->key,
		    c->agencies[cd->agency].id, cd->seen, plural(cd->seen),
		    drop_text(cd, buf, sizeof buf));
	}
	if (shown < ndropped)
		fprintf(f, "#   ... and %zu more\n", ndropped - shown);
}
