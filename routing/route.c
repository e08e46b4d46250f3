/*
 * route: decides which agency gets a complaint, and says why.
 *
 * route_build() puts every configured word (rule keywords, aliases, English
 * aliases, unless entries, region words) in two hash tables: one for exact
 * words and phrases of up to three words, one for the one-deletion
 * neighbourhood of each single word of 5+ letters.  A message word then
 * costs at most three exact probes (the longest phrase first, then the
 * word; no phrase probe longer than the longest configured phrase) and,
 * only when those miss, at most 1 + its
 * length neighbourhood probes: the same work for 10 rules as for 10,000,
 * as the design asks.  Neighbourhood hits are only candidates; each one is
 * confirmed with a true restricted Damerau-Levenshtein check.
 *
 * Deciding is a pure function of the table and the text: per-call state
 * lives on the stack or in per-call allocations, the table is never
 * written after route_build(), so worker threads share one table.
 */
#include "routing/route.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "routing/stem.h"
#include "sms/text.h"
#include "util/util.h"

#define WORD_MAX	64	/* folded word + NUL; longer ones are ignored */
#define MAX_WORDS	512	/* words looked at per text field */
#define TYPO_CONF_MIN	5	/* configured words this long tolerate a typo */
#define TYPO_MSG_MIN	4	/* message words shorter than this never do */
#define NFIELDS		3	/* structured form: keyword, location, text */
#define PHRASE_MAX	3	/* words in a configured phrase */
#define HIT_BUF		(PHRASE_MAX * WORD_MAX)	/* a hit's words, joined */

/*
 * K_UNLESS sorts after a word's rule or region entry, which is preferred;
 * K_OUTSIDE and K_THANKS (routing.outside, routing.thanks) last.
 */
enum kind { K_RULE, K_REGION, K_UNLESS, K_OUTSIDE, K_THANKS };

/* One configured word of one rule or region. */
struct entry {
	const char *word;	/* points into the conf */
	size_t index;		/* into conf.rules (K_RULE, K_UNLESS) or
				   conf.regions */
	unsigned char kind;	/* enum kind */
	unsigned char canon;	/* the rule's own keyword */
	unsigned char en;	/* from aliases_en */
	unsigned char weak;	/* in the rule's weak list */
};

/*
 * A distinct configured word.  The same word may be listed more than once
 * (keyword and alias of one rule, or, by mistake, under two rules); e is
 * its preferred entry and alt an entry of a different rule or region, which
 * makes every match of the word ambiguous.
 */
struct uword {
	const char *s;
	size_t len;
	uint64_t hash;
	int phrase;
	size_t e;
	long alt;
	size_t nwords;		/* 1, or the words of a phrase */
	/* ents[ustart .. ustart + un): rules whose unless list has it */
	uint32_t ustart, un;
	int unless_only;	/* no rule or region word: matched exactly only */
	unsigned char special;	/* K_OUTSIDE, K_THANKS, or 0 */
};

/*
 * Deletion-neighbourhood slot: one distinct key and the configured words
 * that have it, listed in post[].  Keeping keys distinct matters: short
 * words share keys ("WBAX" is W?BAX minus one letter for 26 words), and in
 * a multimap their copies would lengthen every unrelated probe chain.
 */
struct dslot {
	uint32_t h;		/* low bits of the key's hash: fewer compares */
	uint32_t key;		/* uword << 6 | byte deleted (length: none) */
	uint32_t start;		/* words: post[start .. start + n) */
	uint32_t n;		/* 0: empty slot */
};

struct route_table {
	const struct conf *c;
	struct entry *ents;
	size_t nents;
	struct uword *uw;
	size_t nuw;
	uint32_t *exact;	/* uword + 1, 0 = empty */
	size_t exmask;
	struct dslot *del;
	size_t delmask;
	uint32_t *post;		/* uword lists of the deletion slots */
	size_t maxnw;		/* words in the longest phrase */
	/* stems (routing.stemming): NULL stem when off */
	struct stemmer *stem;
	struct sword *sw;	/* distinct stems of configured words */
	size_t nsw;
	uint32_t *stemix;	/* sword + 1, 0 = empty */
	size_t stmask;
	char *spool;		/* the stems' bytes */
	uint32_t *spellix;	/* conf.spellings index + 1, 0 = empty */
	size_t spmask;
	char note[256];		/* a warning for aduan check, or "" */
};

/*
 * The stem of a configured word or phrase (each word stemmed, joined by a
 * space) and the configured word it leads to.  Several configured words
 * may share a stem (LUBANG, BERLUBANG); uw is the one spelt like the stem,
 * else the first, and amb an entry of a different rule or region.
 */
struct sword {
	const char *s;		/* in spool */
	size_t len;
	uint64_t hash;
	uint32_t uw;
	long amb;
};

/* A folded message word. */
struct word {
	size_t off;		/* byte offset of the raw word in its field */
	size_t end;		/* just past the raw word */
	size_t len;		/* folded length */
	int field;
	char f[WORD_MAX];
	long sp;		/* conf.spellings index when respelt, else -1 */
	size_t slen;		/* stem length; SIZE_MAX: not stemmed yet */
	char s[WORD_MAX];	/* its stem (stemming on) */
};

/* A run of message words that matched a configured word. */
struct hit {
	size_t w;		/* first word */
	size_t nw;		/* 1, or 2 or 3 for a phrase */
	int typo;
	int stem;		/* matched by stem, not as written */
	uint32_t uw;		/* configured word matched */
	long amb;		/* entry of another rule or region, or -1 */
};

/* A rule ruled out by a word or phrase of its unless list. */
struct ruled {
	size_t rule;
	size_t hit;		/* the first hit that did it */
	uint32_t ent;		/* its unless entry */
};

/* A counted rule match in the inside search. */
struct vote {
	size_t rule;
	uint32_t uw;
	size_t w;
	size_t hit;
};

struct ctx {
	const struct route_table *rt;
	const struct conf *c;
	struct word *w;
	size_t nw;
	size_t fstart[NFIELDS], fend[NFIELDS];
	struct hit *h;
	size_t nh;
	struct vote *v;		/* sorted by rule, word, position */
	size_t nv;
	struct ruled *ro;	/* sorted by rule, one per rule */
	size_t nro;
	long lead_out;		/* leading hit whose rule was ruled out, or -1 */
	/* outcome of the inside search */
	long win;		/* deciding hit */
	size_t top, second;	/* matched words: best rule, runner-up */
	long second_rule;
	size_t ntop;
	int typo_dropped;
	int tie_one_agency;	/* the tied rules all lead to one agency */
	long weak_dropped;	/* a weak hit not counted (other keywords found), or -1 */
	long outside;		/* hit naming a place outside the area, or -1 */
	long thanks;		/* leading thank-you hit, or -1 */
};

/* Bounded paragraph writer: truncates at a UTF-8 boundary with "...". */
struct out {
	char *b;
	size_t sz, len;
	int full;
};

static void say_spellings(struct out *, const struct ctx *);
static void out_add(struct out *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
out_add(struct out *o, const char *fmt, ...)
{
	va_list ap;
	size_t room, l;
	int n;

	if (o->full || o->sz < 4)
		return;
	room = o->sz - o->len;
	va_start(ap, fmt);
	n = vsnprintf(o->b + o->len, room, fmt, ap);
	va_end(ap);
	if (n < 0) {
		o->b[o->len] = '\0';
		return;
	}
	if ((size_t)n < room) {
		o->len += (size_t)n;
		return;
	}
	/* Overwrite the tail with "...", never leaving half a character. */
	o->full = 1;
	l = utf8_cut(o->b, o->sz - 1, o->sz - 4);
	memcpy(o->b + l, "...", 4);
	o->len = l + 3;
}

/*
 * FNV-1a over s[0..len) without byte skip (skip >= len: none), then a
 * 64-bit finaliser: FNV's low bits, which pick the slot, mix poorly for
 * short keys that differ in one letter, exactly what a deletion
 * neighbourhood is made of.
 */
uint64_t
route_hash_skip(const char *s, size_t len, size_t skip)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		if (i == skip)
			continue;
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

static size_t
pow2_at_least(size_t n)
{
	size_t p = 16;

	while (p < n)
		p <<= 1;
	return p;
}

static int
same_target(const struct entry *a, const struct entry *b)
{
	return a->kind == b->kind && a->index == b->index;
}

/*
 * 1 when a and b are exactly one restricted Damerau-Levenshtein edit apart:
 * one substitution, insertion, deletion or swap of neighbours.
 */
int
route_one_edit(const char *a, size_t la, const char *b, size_t lb)
{
	size_t i;

	if (la == lb) {
		for (i = 0; i < la && a[i] == b[i]; i++)
			;
		if (i == la)
			return 0;
		if (memcmp(a + i + 1, b + i + 1, la - i - 1) == 0)
			return 1;
		return i + 1 < la && a[i] == b[i + 1] && a[i + 1] == b[i] &&
		    memcmp(a + i + 2, b + i + 2, la - i - 2) == 0;
	}
	if (la + 1 == lb)
		return route_one_edit(b, lb, a, la);
	if (la != lb + 1)
		return 0;
	/* a is b with one byte inserted. */
	for (i = 0; i < lb && a[i] == b[i]; i++)
		;
	return memcmp(a + i + 1, b + i, lb - i) == 0;
}

/* 1 when w[0..len) is already folded the way text_fold_word() folds. */
static int
folded(const char *w, size_t len)
{
	char buf[WORD_MAX];
	long n;

	if (len == 0 || len >= WORD_MAX)
		return 0;
	n = text_fold_word(w, len, buf, sizeof(buf));
	return n >= 0 && (size_t)n == len && memcmp(buf, w, len) == 0;
}

/*
 * Checks that a configured word is what the loader promised: folded as
 * text_fold_word() folds, one to PHRASE_MAX words joined by one space, and
 * short enough to ever match.  A word that fails could never match, so
 * saying so now beats a rule that silently never fires.
 */
static int
check_word(const char *w, const char *what, char *err, size_t errsz)
{
	const char *p, *sp;
	size_t len, a, n = 0;

	if (w == NULL || *w == '\0')
		return errf(err, errsz, "%s: empty word", what);
	len = strlen(w);
	if (len >= WORD_MAX)
		return errf(err, errsz, "%s: '%.40s...' is longer than %d "
		    "bytes", what, w, WORD_MAX - 1);
	for (p = w; ; p = sp + 1) {
		sp = memchr(p, ' ', len - (size_t)(p - w));
		a = sp != NULL ? (size_t)(sp - p) : len - (size_t)(p - w);
		if (a == 0 || ++n > PHRASE_MAX)
			return errf(err, errsz, "%s: '%s' is not one to three "
			    "words joined by one space", what, w);
		if (!folded(p, a))
			return errf(err, errsz, "%s: '%s' is not folded "
			    "upper-case", what, w);
		if (sp == NULL)
			return 0;
	}
}

static int
entry_cmp(const void *pa, const void *pb)
{
	const struct entry *a = pa, *b = pb;
	int r;

	if ((r = strcmp(a->word, b->word)) != 0)
		return r;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if (a->index != b->index)
		return a->index < b->index ? -1 : 1;
	/* Within one rule: the keyword, then Indonesian, then English. */
	if (a->canon != b->canon)
		return a->canon ? -1 : 1;
	if (a->en != b->en)
		return a->en ? 1 : -1;
	return 0;
}

/*
 * The conf is built by another module (or by hand in tests): check every
 * index and pointer the router will follow, so a bad conf is an error here
 * rather than a wild read while a citizen waits for a reply.
 */
static int
check_conf(const struct conf *c, char *err, size_t errsz)
{
	const struct conf_rule *r;
	const struct conf_region *g;
	size_t i, j;

	if (c == NULL)
		return errf(err, errsz, "no configuration");
	if (c->agencies == NULL || c->nagencies == 0)
		return errf(err, errsz, "no agencies");
	for (i = 0; i < c->nagencies; i++)
		if (c->agencies[i].id == NULL)
			return errf(err, errsz, "agency %zu has no id", i);
	if (c->triage >= c->nagencies)
		return errf(err, errsz, "triage agency %zu does not exist",
		    c->triage);
	if ((c->nrules > 0 && c->rules == NULL) ||
	    (c->nregions > 0 && c->regions == NULL))
		return errf(err, errsz, "rules or regions missing");
	for (i = 0; i < c->nregions; i++) {
		g = &c->regions[i];
		if (g->id == NULL || (g->nkeywords > 0 && g->keywords == NULL))
			return errf(err, errsz, "region %zu (line %d): no id "
			    "or keywords", i, g->line);
	}
	for (i = 0; i < c->nrules; i++) {
		r = &c->rules[i];
		if (r->agency >= c->nagencies)
			return errf(err, errsz, "rule %zu (line %d): agency "
			    "%zu does not exist", i, r->line, r->agency);
		if ((r->naliases > 0 && r->aliases == NULL) ||
		    (r->naliases_en > 0 && r->aliases_en == NULL) ||
		    (r->nunless > 0 && r->unless == NULL) ||
		    (r->nregional > 0 && r->regional == NULL))
			return errf(err, errsz, "rule %zu (line %d): list "
			    "missing", i, r->line);
		for (j = 0; j < r->nregional; j++)
			if (r->regional[j].region >= c->nregions ||
			    r->regional[j].agency >= c->nagencies)
				return errf(err, errsz, "rule %zu (line %d): "
				    "regional agency out of range", i, r->line);
	}
	return 0;
}

static int
add_entry(struct route_table *rt, const char *w, enum kind k, size_t idx,
    int canon, int en, const char *what, char *err, size_t errsz)
{
	struct entry *e;

	if (check_word(w, what, err, errsz) == -1)
		return -1;
	e = &rt->ents[rt->nents++];
	e->word = w;
	e->kind = (unsigned char)k;
	e->index = idx;
	e->canon = (unsigned char)canon;
	e->en = (unsigned char)en;
	e->weak = 0;
	if (k == K_RULE)
		for (size_t i = 0; i < rt->c->rules[idx].nweak; i++)
			if (strcmp(rt->c->rules[idx].weak[i], w) == 0)
				e->weak = 1;
	return 0;
}

/*
 * The unless list of rule i.  The loader refuses an entry that is a word
 * of the same rule; a conf built by hand is checked here (the sorted
 * entries would otherwise let the rule vote for itself and rule itself out
 * with the same word).
 */
static int
collect_unless(struct route_table *rt, const struct conf_rule *r, size_t i,
    char *err, size_t errsz)
{
	char what[128];
	size_t j, k;

	snprintf(what, sizeof(what), "rule %s (line %d) unless", r->keyword,
	    r->line);
	for (j = 0; j < r->nunless; j++) {
		if (add_entry(rt, r->unless[j], K_UNLESS, i, 0, 0, what, err,
		    errsz) == -1)
			return -1;
		for (k = 0; k < r->naliases + r->naliases_en + 1; k++)
			if (strcmp(r->unless[j], k == 0 ? r->keyword :
			    k <= r->naliases ? r->aliases[k - 1] :
			    r->aliases_en[k - 1 - r->naliases]) == 0)
				return errf(err, errsz, "%s: '%s' is both a "
				    "word of the rule and in its unless list",
				    what, r->unless[j]);
	}
	return 0;
}

static int
collect(struct route_table *rt, char *err, size_t errsz)
{
	const struct conf *c = rt->c;
	const struct conf_rule *r;
	const struct conf_region *g;
	char what[128];
	size_t i, j;

	for (i = 0; i < c->nrules; i++) {
		r = &c->rules[i];
		snprintf(what, sizeof(what), "rule %zu (line %d) keyword", i,
		    r->line);
		if (add_entry(rt, r->keyword, K_RULE, i, 1, 0, what, err,
		    errsz) == -1)
			return -1;
		snprintf(what, sizeof(what), "rule %s (line %d) alias",
		    r->keyword, r->line);
		for (j = 0; j < r->naliases; j++)
			if (add_entry(rt, r->aliases[j], K_RULE, i, 0, 0, what,
			    err, errsz) == -1)
				return -1;
		snprintf(what, sizeof(what), "rule %s (line %d) English alias",
		    r->keyword, r->line);
		for (j = 0; j < r->naliases_en; j++)
			if (add_entry(rt, r->aliases_en[j], K_RULE, i, 0, 1,
			    what, err, errsz) == -1)
				return -1;
		if (collect_unless(rt, r, i, err, errsz) == -1)
			return -1;
	}
	for (i = 0; i < c->nregions; i++) {
		g = &c->regions[i];
		snprintf(what, sizeof(what), "region %s (line %d) keyword",
		    g->id, g->line);
		for (j = 0; j < g->nkeywords; j++)
			if (add_entry(rt, g->keywords[j], K_REGION, i, 0, 0,
			    what, err, errsz) == -1)
				return -1;
	}
	for (j = 0; j < c->nrouting_outside; j++)
		if (add_entry(rt, c->routing_outside[j], K_OUTSIDE, j, 0, 0,
		    "routing.outside", err, errsz) == -1)
			return -1;
	for (j = 0; j < c->nrouting_thanks; j++)
		if (add_entry(rt, c->routing_thanks[j], K_THANKS, j, 0, 0,
		    "routing.thanks", err, errsz) == -1)
			return -1;
	for (j = 0; j < c->nrouting_directions; j++)
		if (check_word(c->routing_directions[j], "routing.directions",
		    err, errsz) == -1)
			return -1;
	return 0;
}

static long
exact_find(const struct route_table *rt, const char *s, size_t len)
{
	const struct uword *u;
	uint64_t h = route_hash_skip(s, len, len);
	size_t i;

	for (i = h & rt->exmask; rt->exact[i] != 0; i = (i + 1) & rt->exmask) {
		u = &rt->uw[rt->exact[i] - 1];
		if (u->hash == h && u->len == len && memcmp(u->s, s, len) == 0)
			return (long)(rt->exact[i] - 1);
	}
	return -1;
}

/* 1 when key (a word minus one byte) spells k[0..klen). */
static int
dkey_match(const struct route_table *rt, uint32_t key, const char *k,
    size_t klen)
{
	const struct uword *u = &rt->uw[key >> 6];
	size_t pos = key & 63;

	if (pos == u->len)
		return u->len == klen && memcmp(k, u->s, klen) == 0;
	return u->len - 1 == klen && memcmp(k, u->s, pos) == 0 &&
	    memcmp(k + pos, u->s + pos + 1, u->len - pos - 1) == 0;
}

/* s[0..len) without byte pos (pos == len: all of it) into k; its length. */
static size_t
del_key(const char *s, size_t len, size_t pos, char *k)
{
	if (pos >= len) {
		memcpy(k, s, len);
		return len;
	}
	memcpy(k, s, pos);
	memcpy(k + pos, s + pos + 1, len - pos - 1);
	return len - 1;
}

/* The slot holding key k, or the empty slot where it belongs. */
static size_t
del_slot(const struct route_table *rt, const char *k, size_t klen,
    uint64_t h)
{
	size_t i;

	for (i = h & rt->delmask; rt->del[i].n != 0;
	    i = (i + 1) & rt->delmask)
		if (rt->del[i].h == (uint32_t)h &&
		    dkey_match(rt, rt->del[i].key, k, klen))
			break;
	return i;
}

static int
typo_eligible(const struct uword *u)
{
	return !u->phrase && !u->unless_only && u->len >= TYPO_CONF_MIN;
}

/*
 * Fills the deletion index: every single word of 5+ letters under itself
 * and under each string made by deleting one of its bytes.  Two passes
 * over the same keys in the same order: count the words of each distinct
 * key, then list them, so post[] needs no per-key allocation.
 */
static void
del_index(struct route_table *rt)
{
	const struct uword *u;
	struct dslot *sl;
	char k[WORD_MAX];
	uint32_t *fill, total = 0;
	size_t i, pos, klen, s;
	uint64_t h;
	int pass;

	fill = xcalloc(rt->delmask + 1, sizeof(*fill));
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < rt->nuw; i++) {
			u = &rt->uw[i];
			if (!typo_eligible(u))
				continue;
			for (pos = 0; pos <= u->len; pos++) {
				klen = del_key(u->s, u->len, pos, k);
				h = route_hash_skip(k, klen, klen);
				s = del_slot(rt, k, klen, h);
				sl = &rt->del[s];
				/*
				 * "JALLAN" minus either L is one key: list the
				 * word once.  A word's keys come one after the
				 * other, so checking the last one listed is
				 * enough.  Pass 0: fill[] is the last word + 1;
				 * pass 1: how many are listed.
				 */
				if (pass == 0) {
					if (sl->n == 0) {
						sl->h = (uint32_t)h;
						sl->key = (uint32_t)(i << 6) |
						    (uint32_t)pos;
					} else if (fill[s] == i + 1)
						continue;
					sl->n++;
					fill[s] = (uint32_t)i + 1;
				} else {
					if (fill[s] > 0 && rt->post[sl->start +
					    fill[s] - 1] == i)
						continue;
					rt->post[sl->start + fill[s]++] =
					    (uint32_t)i;
				}
			}
		}
		if (pass == 1)
			break;
		for (s = 0; s <= rt->delmask; s++) {
			rt->del[s].start = total;
			total += rt->del[s].n;
			fill[s] = 0;
		}
	}
	free(fill);
}

/*
 * The unless entries of u (the last of its entries, up to end, as K_UNLESS
 * sorts last), its number of words, and the longest phrase of the table.
 */
static void
uword_unless(struct route_table *rt, struct uword *u, size_t end)
{
	size_t k;

	for (k = u->e; k < end && rt->ents[k].kind < K_UNLESS; k++)
		;
	u->ustart = (uint32_t)k;
	u->unless_only = k == u->e;
	for (; k < end && rt->ents[k].kind == K_UNLESS; k++)
		;
	u->un = (uint32_t)(k - u->ustart);
	u->special = k < end ? rt->ents[k].kind : 0;
	u->nwords = 1;
	for (k = 0; k < u->len; k++)
		if (u->s[k] == ' ')
			u->nwords++;
	if (u->nwords > rt->maxnw)
		rt->maxnw = u->nwords;
}

/*
 * Each word of w[0..len) stemmed, joined by one space, into out; its
 * length, 0 when a word has no stem or it does not fit.
 */
static size_t
stem_phrase(const struct stemmer *st, const char *w, size_t len, char *out,
    size_t outsz)
{
	char buf[WORD_MAX];
	size_t i = 0, j, o = 0, n;

	while (i < len) {
		for (j = i; j < len && w[j] != ' '; j++)
			;
		n = stem_word(st, w + i, j - i, buf, sizeof(buf), NULL);
		if (n == 0 || o + (o > 0) + n >= outsz)
			return 0;
		if (o > 0)
			out[o++] = ' ';
		memcpy(out + o, buf, n);
		o += n;
		i = j + 1;
	}
	out[o] = '\0';
	return o;
}

struct spair {
	char s[WORD_MAX];
	size_t len;
	uint32_t uw;
	int same;		/* the configured word is spelt like its stem */
};

static int
spair_cmp(const void *pa, const void *pb)
{
	const struct spair *a = pa, *b = pb;
	int r;

	if ((r = strcmp(a->s, b->s)) != 0)
		return r;
	if (a->same != b->same)
		return a->same ? -1 : 1;
	return a->uw < b->uw ? -1 : a->uw > b->uw;
}

/*
 * Indexes the stem of every configured word and phrase.  A single word
 * whose stem is a common word (BAIK of PERBAIKAN) or shorter than
 * STEM_MIN is left out: such a stem would match half the messages.
 */
static void
stem_index(struct route_table *rt)
{
	struct spair *p;
	struct sword *w;
	const struct uword *u;
	size_t np = 0, pool = 0, off = 0, i, j, k, n;

	p = xcalloc(rt->nuw > 0 ? rt->nuw : 1, sizeof(*p));
	for (i = 0; i < rt->nuw; i++) {
		u = &rt->uw[i];
		if (u->unless_only)
			continue;	/* unless entries match as written */
		n = stem_phrase(rt->stem, u->s, u->len, p[np].s, WORD_MAX);
		if (n < STEM_MIN || (!u->phrase && route_common_word(p[np].s, n)))
			continue;
		p[np].len = n;
		p[np].uw = (uint32_t)i;
		p[np].same = n == u->len && memcmp(p[np].s, u->s, n) == 0;
		pool += n + 1;
		np++;
	}
	qsort(p, np, sizeof(*p), spair_cmp);
	rt->sw = xcalloc(np > 0 ? np : 1, sizeof(*rt->sw));
	rt->spool = xmalloc(pool > 0 ? pool : 1);
	for (i = 0; i < np; i = j) {
		w = &rt->sw[rt->nsw++];
		memcpy(rt->spool + off, p[i].s, p[i].len + 1);
		w->s = rt->spool + off;
		off += p[i].len + 1;
		w->len = p[i].len;
		w->hash = route_hash_skip(w->s, w->len, w->len);
		w->uw = p[i].uw;
		w->amb = rt->uw[w->uw].alt;
		for (j = i + 1; j < np && strcmp(p[j].s, p[i].s) == 0; j++) {
			u = &rt->uw[p[j].uw];
			if (w->amb >= 0)
				continue;
			if (u->alt >= 0)
				w->amb = u->alt;
			else if (!same_target(&rt->ents[u->e],
			    &rt->ents[rt->uw[w->uw].e]))
				w->amb = (long)u->e;
		}
	}
	free(p);
	rt->stmask = pow2_at_least(2 * rt->nsw) - 1;
	rt->stemix = xcalloc(rt->stmask + 1, sizeof(*rt->stemix));
	for (i = 0; i < rt->nsw; i++) {
		for (k = rt->sw[i].hash & rt->stmask; rt->stemix[k] != 0;
		    k = (k + 1) & rt->stmask)
			;
		rt->stemix[k] = (uint32_t)i + 1;
	}
}

static long
stem_find(const struct route_table *rt, const char *s, size_t len)
{
	const struct sword *w;
	uint64_t h;
	size_t i;

	if (rt->nsw == 0 || len == 0)
		return -1;
	h = route_hash_skip(s, len, len);
	for (i = h & rt->stmask; rt->stemix[i] != 0; i = (i + 1) & rt->stmask) {
		w = &rt->sw[rt->stemix[i] - 1];
		if (w->hash == h && w->len == len && memcmp(w->s, s, len) == 0)
			return (long)(rt->stemix[i] - 1);
	}
	return -1;
}

/* The spellings (conf.spellings) by their folded spelling. */
static void
spell_index(struct route_table *rt)
{
	const struct conf *c = rt->c;
	const char *f;
	size_t i, k;

	if (c->nspellings == 0 || c->spellings == NULL)
		return;
	rt->spmask = pow2_at_least(2 * c->nspellings) - 1;
	rt->spellix = xcalloc(rt->spmask + 1, sizeof(*rt->spellix));
	for (i = 0; i < c->nspellings; i++) {
		f = c->spellings[i].from;
		if (f == NULL || c->spellings[i].to == NULL ||
		    strlen(c->spellings[i].to) >= WORD_MAX)
			continue;
		for (k = route_hash_skip(f, strlen(f), strlen(f)) & rt->spmask;
		    rt->spellix[k] != 0; k = (k + 1) & rt->spmask)
			;
		rt->spellix[k] = (uint32_t)i + 1;
	}
}

static long
spell_find(const struct route_table *rt, const char *s, size_t len)
{
	const char *f;
	size_t i;

	if (rt->spellix == NULL)
		return -1;
	for (i = route_hash_skip(s, len, len) & rt->spmask; rt->spellix[i] != 0;
	    i = (i + 1) & rt->spmask) {
		f = rt->c->spellings[rt->spellix[i] - 1].from;
		if (strncmp(f, s, len) == 0 && f[len] == '\0')
			return (long)(rt->spellix[i] - 1);
	}
	return -1;
}

struct route_table *
route_build(const struct conf *c, char *err, size_t errsz)
{
	struct route_table *rt;
	struct uword *u;
	size_t n, i, j, k, nd;

	if (check_conf(c, err, errsz) == -1)
		return NULL;
	n = 0;
	for (i = 0; i < c->nrules; i++)
		n += 1 + c->rules[i].naliases + c->rules[i].naliases_en +
		    c->rules[i].nunless;
	for (i = 0; i < c->nregions; i++)
		n += c->regions[i].nkeywords;
	n += c->nrouting_outside + c->nrouting_thanks;
	if (n >= UINT32_MAX / 128) {
		errf(err, errsz, "too many keywords (%zu)", n);
		return NULL;
	}
	rt = xcalloc(1, sizeof(*rt));
	rt->c = c;
	rt->ents = xcalloc(n, sizeof(*rt->ents));
	if (collect(rt, err, errsz) == -1) {
		route_free(rt);
		return NULL;
	}
	qsort(rt->ents, rt->nents, sizeof(*rt->ents), entry_cmp);

	rt->uw = xcalloc(rt->nents, sizeof(*rt->uw));
	for (i = 0; i < rt->nents; i = j) {
		u = &rt->uw[rt->nuw++];
		u->s = rt->ents[i].word;
		u->len = strlen(u->s);
		u->hash = route_hash_skip(u->s, u->len, u->len);
		u->phrase = memchr(u->s, ' ', u->len) != NULL;
		u->e = i;
		u->alt = -1;
		for (j = i + 1; j < rt->nents &&
		    strcmp(rt->ents[j].word, u->s) == 0; j++)
			if (u->alt < 0 && rt->ents[j].kind < K_UNLESS &&
			    !same_target(&rt->ents[i], &rt->ents[j]))
				u->alt = (long)j;
		uword_unless(rt, u, j);
		if (u->special != 0 && !u->unless_only) {
			errf(err, errsz, "routing.%s: '%s' is also a word of "
			    "%s %s; a word is either a rule's or region's, or "
			    "routing's", u->special == K_OUTSIDE ? "outside" :
			    "thanks", u->s, rt->ents[u->e].kind == K_RULE ?
			    "rule" : "region", rt->ents[u->e].kind == K_RULE ?
			    c->rules[rt->ents[u->e].index].keyword :
			    c->regions[rt->ents[u->e].index].id);
			route_free(rt);
			return NULL;
		}
	}

	/* Load factor at most 1/2 keeps linear-probe chains short. */
	rt->exmask = pow2_at_least(2 * rt->nuw) - 1;
	rt->exact = xcalloc(rt->exmask + 1, sizeof(*rt->exact));
	for (i = 0; i < rt->nuw; i++) {
		for (k = rt->uw[i].hash & rt->exmask; rt->exact[k] != 0;
		    k = (k + 1) & rt->exmask)
			;
		rt->exact[k] = (uint32_t)i + 1;
	}

	nd = 0;
	for (i = 0; i < rt->nuw; i++)
		if (typo_eligible(&rt->uw[i]))
			nd += rt->uw[i].len + 1;
	rt->delmask = pow2_at_least(2 * nd) - 1;
	rt->del = xcalloc(rt->delmask + 1, sizeof(*rt->del));
	rt->post = xcalloc(nd, sizeof(*rt->post));
	del_index(rt);
	if (c->routing_stemming) {
		rt->stem = stem_open(c->routing_dictionary, rt->note,
		    sizeof(rt->note));
		stem_index(rt);
	}
	spell_index(rt);
	return rt;
}

const char *
route_note(const struct route_table *rt)
{
	return rt != NULL && rt->note[0] != '\0' ? rt->note : NULL;
}

void
route_free(struct route_table *rt)
{
	if (rt == NULL)
		return;
	stem_close(rt->stem);
	free(rt->sw);
	free(rt->stemix);
	free(rt->spool);
	free(rt->spellix);
	free(rt->ents);
	free(rt->uw);
	free(rt->exact);
	free(rt->del);
	free(rt->post);
	free(rt);
}

/*
 * Words found in most messages whatever they are about (Indonesian as
 * texted, some English), folded.  They are never read as a typo of a
 * keyword: "sama sekali" is no misspelt SAMPA, "pada" no PADAM, "later" no
 * WATER.  (A rule may still name one exactly; aduan rules lint warns.)
 * Deliberately short: only words no complaint category owns.
 */
const char *const route_common_words[] = {
	/* Indonesian function words, pronouns, particles */
	"YANG", "DAN", "ATAU", "DARI", "DALAM", "PADA", "OLEH", "UNTUK", "UTK",
	"DENGAN", "DGN", "SAMA", "KARENA", "KRN", "AGAR", "SUPAYA", "TAPI",
	"TETAPI", "NAMUN", "JUGA", "INI", "ITU", "SINI", "SITU", "SANA", "ADA",
	"TIDAK", "TDK", "TAK", "GAK", "NGGAK", "ENGGAK", "BUKAN", "SUDAH",
	"SDH", "UDAH", "BELUM", "BLM", "MASIH", "LAGI", "AKAN", "BISA", "MAU",
	"HARUS", "SANGAT", "SEKALI", "BANYAK", "SEMUA", "SAMPAI", "HINGGA",
	"SEJAK", "SAAT", "KALAU", "JIKA", "BILA", "SETELAH", "SEBELUM",
	"SEPERTI", "SAJA", "AJA", "DONG", "SIH", "KOK", "NIH", "YAITU",
	"BAHWA", "TERSEBUT", "SAYA", "AKU", "KAMI", "KITA", "ANDA", "DIA",
	"MEREKA", "APA", "MANA", "SIAPA", "KAPAN", "KENAPA", "MENGAPA",
	"BAGAIMANA", "TOLONG", "MOHON", "SEGERA", "CEPAT", "PAK", "BAPAK",
	"IBU", "MAS", "MBAK", "TERIMA", "KASIH", "MAKASIH", "SELAMAT", "PAGI",
	"SIANG", "SORE", "MALAM", "HARI", "SEKARANG", "KEMARIN", "LAMA",
	"SUDAH", "RUSAK", "PARAH", "WARGA", "RUMAH", "DEPAN", "DEKAT",
	"SEKITAR", "BAIK",
	/* English */
	"THE", "AND", "FOR", "ARE", "WAS", "WERE", "NOT", "THIS", "THAT",
	"THERE", "THESE", "THOSE", "HAVE", "FROM", "WITH", "ABOUT", "AFTER",
	"BEFORE", "LATER", "AGAIN", "STILL", "SINCE", "WHERE", "WHEN", "WHAT",
	"PLEASE", "HELLO", "THANK", "THANKS", "VERY", "NEAR", "BROKEN",
};

const size_t route_ncommon_words = sizeof route_common_words / sizeof route_common_words[0];

int
route_common_word(const char *w, size_t len)
{
	size_t i;

	/*
	 * The first byte before strlen(): typo_find() asks this of most
	 * message words, and the strlen()s were a fifth of route_bench's time.
	 */
	for (i = 0; i < route_ncommon_words; i++)
		if (len > 0 && route_common_words[i][0] == w[0] &&
		    strlen(route_common_words[i]) == len &&
		    memcmp(route_common_words[i], w, len) == 0)
			return 1;
	return 0;
}

static int
digits_only(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/*
 * Looks up a message word with no exact match among the configured words
 * one edit away.  Each of the word's 1 + len deletion keys is one probe;
 * every candidate found is confirmed with route_one_edit().  Returns 1 with the
 * matched word in *uwp, and in *amb an entry of a second rule or region
 * when the word is ambiguous (else -1); 0 when nothing is one letter off.
 */
static int
typo_any(const struct route_table *rt, const char *q, size_t qlen,
    uint32_t *uwp, long *amb);

/*
 * A word the dictionary knows is that word, not a typo of another:
 * SERING is never KERING, LAYAK never LAPAK, PEMAKAMAN never PEMADAMAN.
 * Asked only when a configured word is one letter off.
 */
static int
typo_find(const struct route_table *rt, const char *q, size_t qlen,
    uint32_t *uwp, long *amb)
{
	if (!typo_any(rt, q, qlen, uwp, amb))
		return 0;
	if (rt->stem != NULL && stem_known(rt->stem, q, qlen)) {
		*amb = -1;
		return 0;
	}
	return 1;
}

static int
typo_any(const struct route_table *rt, const char *q, size_t qlen,
    uint32_t *uwp, long *amb)
{
	const struct dslot *sl;
	const struct uword *u;
	const struct entry *be = NULL, *e;
	char k[WORD_MAX];
	size_t pos, klen, i;
	uint32_t cand;
	long best = -1;

	*amb = -1;
	if (qlen < TYPO_MSG_MIN || qlen >= WORD_MAX || digits_only(q, qlen) ||
	    route_common_word(q, qlen))
		return 0;
	for (pos = 0; pos <= qlen; pos++) {
		klen = del_key(q, qlen, pos, k);
		sl = &rt->del[del_slot(rt, k, klen, route_hash_skip(k, klen, klen))];
		for (i = 0; i < sl->n; i++) {
			cand = rt->post[sl->start + i];
			u = &rt->uw[cand];
			if (!route_one_edit(q, qlen, u->s, u->len))
				continue;
			e = &rt->ents[u->e];
			if (u->alt >= 0) {
				*uwp = cand;
				*amb = u->alt;
				return 1;
			}
			if (best < 0) {
				best = cand;
				be = e;
			} else if (!same_target(be, e)) {
				*uwp = (uint32_t)best;
				*amb = (long)u->e;
				return 1;
			} else if (cand < (uint32_t)best)
				best = cand;	/* same rule: deterministic */
		}
	}
	if (best < 0)
		return 0;
	*uwp = (uint32_t)best;
	return 1;
}

struct tok {
	struct ctx *x;
	const char *text;
	int field;
	size_t seen;
};

/*
 * The spelling (conf.spellings index) folded word f[0..len) is read as,
 * or -1: none, or f is a configured word as written (the alias JLN).
 */
static long
respelt(const struct route_table *rt, const char *f, size_t len)
{
	long sp = spell_find(rt, f, len);

	return sp >= 0 && exact_find(rt, f, len) < 0 ? sp : -1;
}

static int
tok_add(struct tok *t, size_t off, size_t wlen)
{
	struct word *w;
	long n;

	if (t->seen++ >= MAX_WORDS)
		return 1;
	w = &t->x->w[t->x->nw];
	n = text_fold_word(t->text + off, wlen, w->f, sizeof(w->f));
	if (n <= 0)
		return 0;	/* punctuation only, or too long to match */
	w->off = off;
	w->end = off + wlen;
	w->len = (size_t)n;
	w->field = t->field;
	w->slen = SIZE_MAX;
	if ((w->sp = respelt(t->x->rt, w->f, w->len)) >= 0) {
		w->len = strlen(t->x->c->spellings[w->sp].to);
		memcpy(w->f, t->x->c->spellings[w->sp].to, w->len + 1);
	}
	t->x->nw++;
	return 0;
}

/* Punctuation that joins two words in a hurried SMS: "rusak,tolong", "Jl.Pemuda". */
static int
joiner(unsigned char c)
{
	return c != '\0' && strchr(",./&+;:!?()[]{}=<>|\\\"", c) != NULL;
}

/*
 * A hyphen between a and b (the letters and digits either side) joins two
 * words, not one reduplicated word: neither side starts the other
 * ("Bawen-Salatiga", not "lampu-lampu" nor "kos-kosan").
 */
static int
hyphen_joins(const char *a, size_t la, const char *b, size_t lb)
{
	size_t n = la < lb ? la : lb, i;

	if (la == 0 || lb == 0)
		return 0;
	for (i = 0; i < n; i++)
		if ((a[i] | 0x20) != (b[i] | 0x20))
			return 1;
	return 0;
}

static size_t
alnum_run_back(const char *s, size_t from, size_t lo)
{
	size_t i = from;

	while (i > lo && isalnum((unsigned char)s[i - 1]))
		i--;
	return from - i;
}

static size_t
alnum_run(const char *s, size_t from, size_t hi)
{
	size_t i = from;

	while (i < hi && isalnum((unsigned char)s[i]))
		i++;
	return i - from;
}

/* 1 when s[i], inside the word s[off..end), joins two words. */
static int
splits_at(const char *s, size_t i, size_t off, size_t end)
{
	size_t back;

	if (joiner((unsigned char)s[i]))
		return 1;
	if (s[i] != '-' || i == off)
		return 0;
	back = alnum_run_back(s, i, off);
	return hyphen_joins(s + i - back, back, s + i + 1, alnum_run(s, i + 1, end));
}

/*
 * One whitespace-separated word of the message.  A word with punctuation
 * inside ("sampah,bau", "Jl.Pemuda", "Sumowono-Bawen") that is not a
 * configured word as a whole (E-KTP, GORONG-GORONG) is read as the words
 * the punctuation joins; a reduplication keeps its hyphen (LAMPU-LAMPU).
 */
static int
tok_word(void *arg, size_t off, size_t wlen)
{
	struct tok *t = arg;
	const char *s = t->text;
	char f[WORD_MAX];
	size_t i, from, end = off + wlen;
	long n;
	int split = 0;

	for (i = off + 1; i + 1 < end && !split; i++)
		split = splits_at(s, i, off, end);
	if (!split || ((n = text_fold_word(s + off, wlen, f, sizeof(f))) > 0 &&
	    (exact_find(t->x->rt, f, (size_t)n) >= 0 ||
	    respelt(t->x->rt, f, (size_t)n) >= 0)))
		return tok_add(t, off, wlen);
	for (from = off, i = off; i <= end; i++) {
		if (i < end && !splits_at(s, i, off, end))
			continue;
		if (i > from && tok_add(t, from, i - from) != 0)
			return 1;
		from = i + 1;
	}
	return 0;
}

size_t
route_word_key(const struct route_table *rt, const char *w, size_t len,
    char *out, size_t outsz)
{
	char f[WORD_MAX];
	long n, sp;
	size_t k;

	if (rt == NULL || outsz == 0)
		return 0;
	n = text_fold_word(w, len, f, sizeof(f));
	if (n <= 0)
		return 0;
	if ((sp = respelt(rt, f, (size_t)n)) >= 0) {
		if (str_copy(f, sizeof(f), rt->c->spellings[sp].to) == -1)
			return 0;
		n = (long)strlen(f);
	}
	if (rt->stem != NULL && exact_find(rt, f, (size_t)n) < 0 &&
	    !route_common_word(f, (size_t)n) &&
	    (k = stem_word(rt->stem, f, (size_t)n, out, outsz, NULL)) > 0)
		return k;
	if ((size_t)n >= outsz)
		return 0;
	memcpy(out, f, (size_t)n + 1);
	return (size_t)n;
}

static void
tokenize(struct ctx *x, int field, const char *text, size_t len)
{
	struct tok t;

	t.x = x;
	t.text = text;
	t.field = field;
	t.seen = 0;
	x->fstart[field] = x->nw;
	if (text != NULL && len > 0)
		(void)text_words(text, len, tok_word, &t);
	x->fend[field] = x->nw;
}

/*
 * The configured phrase spelt by the n message words from i (all in one
 * field), or -1.
 */
static long
phrase_at(const struct ctx *x, size_t i, size_t n)
{
	char p[WORD_MAX];
	size_t k, len = 0;

	if (i + n > x->nw)
		return -1;
	for (k = 0; k < n; k++) {
		const struct word *a = &x->w[i + k];

		if (a->field != x->w[i].field ||
		    len + (k > 0) + a->len >= WORD_MAX)
			return -1;
		if (k > 0)
			p[len++] = ' ';
		memcpy(p + len, a->f, a->len);
		len += a->len;
	}
	return exact_find(x->rt, p, len);
}

/* The stem of message word i, computed once; its length (0: none). */
static size_t
wstem(struct ctx *x, size_t i)
{
	struct word *w = &x->w[i];

	if (w->slen == SIZE_MAX)
		w->slen = stem_word(x->rt->stem, w->f, w->len, w->s,
		    sizeof(w->s), NULL);
	return w->slen;
}

/*
 * The configured phrase whose stems are those of the n message words from
 * i (all in one field), as an index into rt->sw, or -1.
 */
static long
stem_phrase_at(struct ctx *x, size_t i, size_t n)
{
	char p[WORD_MAX];
	size_t k, len = 0, sl;

	if (i + n > x->nw)
		return -1;
	for (k = 0; k < n; k++) {
		if (x->w[i + k].field != x->w[i].field ||
		    (sl = wstem(x, i + k)) == 0 || len + (k > 0) + sl >= WORD_MAX)
			return -1;
		if (k > 0)
			p[len++] = ' ';
		memcpy(p + len, x->w[i + k].s, sl);
		len += sl;
	}
	return stem_find(x->rt, p, len);
}

/*
 * Matches every word of every field: the longest phrase first (three
 * words, then two; each as written, then by its words' stems), then the
 * word, the word by its stem, then a typo.
 */
static void
scan(struct ctx *x)
{
	const struct route_table *rt = x->rt;
	const struct word *a;
	struct hit *h;
	size_t i = 0, n;
	uint32_t tu;
	long u, amb;

	while (i < x->nw) {
		h = &x->h[x->nh];
		h->w = i;
		h->typo = 0;
		h->stem = 0;
		a = &x->w[i];
		for (n = rt->maxnw; n >= 2; n--) {
			if ((u = phrase_at(x, i, n)) >= 0) {
				h->uw = (uint32_t)u;
				h->amb = rt->uw[u].alt;
				break;
			}
			if (rt->nsw > 0 && (u = stem_phrase_at(x, i, n)) >= 0) {
				h->uw = rt->sw[u].uw;
				h->amb = rt->sw[u].amb;
				h->stem = 1;
				break;
			}
		}
		if (n >= 2) {
			h->nw = n;
			x->nh++;
			i += n;
			continue;
		}
		h->nw = 1;
		if ((u = exact_find(rt, a->f, a->len)) >= 0) {
			h->uw = (uint32_t)u;
			h->amb = rt->uw[u].alt;
			x->nh++;
		} else if (rt->nsw > 0 && !route_common_word(a->f, a->len) &&
		    wstem(x, i) > 0 &&
		    (u = stem_find(rt, x->w[i].s, x->w[i].slen)) >= 0) {
			h->uw = rt->sw[u].uw;
			h->amb = rt->sw[u].amb;
			h->stem = 1;
			x->nh++;
		} else if (typo_find(rt, a->f, a->len, &tu, &amb)) {
			h->uw = tu;
			h->amb = amb;
			h->typo = 1;
			x->nh++;
		}
		i++;
	}
}

static const struct entry *
hent(const struct ctx *x, const struct hit *h)
{
	return &x->rt->ents[x->rt->uw[h->uw].e];
}

static int
ruled_cmp(const void *pa, const void *pb)
{
	const struct ruled *a = pa, *b = pb;

	if (a->rule != b->rule)
		return a->rule < b->rule ? -1 : 1;
	if (a->hit != b->hit)
		return a->hit < b->hit ? -1 : 1;
	return a->ent < b->ent ? -1 : a->ent > b->ent;
}

/*
 * The rules that an exact word or phrase of the message rules out, each
 * once, with the first hit that did it.  Costs nothing per configured
 * rule: only the unless entries of the words found are visited.
 */
static void
rule_outs(struct ctx *x)
{
	const struct uword *u;
	const struct hit *h;
	size_t i, k, n, sz = 0;

	x->nro = 0;
	for (i = 0; i < x->nh; i++) {
		h = &x->h[i];
		if (h->typo)
			continue;	/* unless words match exactly only */
		u = &x->rt->uw[h->uw];
		for (k = u->ustart; k < u->ustart + u->un; k++) {
			if (x->nro == sz) {
				sz = sz ? 2 * sz : 8;
				x->ro = xrealloc(x->ro, sz * sizeof(*x->ro));
			}
			x->ro[x->nro].rule = x->rt->ents[k].index;
			x->ro[x->nro].hit = i;
			x->ro[x->nro].ent = (uint32_t)k;
			x->nro++;
		}
	}
	if (x->nro < 2)
		return;
	qsort(x->ro, x->nro, sizeof(*x->ro), ruled_cmp);
	for (i = 1, n = 1; i < x->nro; i++)
		if (x->ro[i].rule != x->ro[n - 1].rule)
			x->ro[n++] = x->ro[i];
	x->nro = n;
}

/* Index in x->ro when rule is ruled out, else -1. */
static long
ruled_out(const struct ctx *x, size_t rule)
{
	size_t lo = 0, hi = x->nro, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (x->ro[mid].rule == rule)
			return (long)mid;
		if (x->ro[mid].rule < rule)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/*
 * The hit on the first word of field, when it names a rule that is not
 * ruled out; else -1.
 */
static long
leading(struct ctx *x, int field)
{
	const struct hit *h;
	size_t i;

	for (i = 0; i < x->nh; i++) {
		h = &x->h[i];
		if (h->w < x->fstart[field])
			continue;
		if (h->w != x->fstart[field] || h->w >= x->fend[field] ||
		    h->amb >= 0 || hent(x, h)->kind != K_RULE)
			return -1;
		if (ruled_out(x, hent(x, h)->index) >= 0) {
			x->lead_out = (long)i;
			return -1;
		}
		return (long)i;
	}
	return -1;
}

static int
vote_cmp(const void *pa, const void *pb)
{
	const struct vote *a = pa, *b = pb;

	if (a->rule != b->rule)
		return a->rule < b->rule ? -1 : 1;
	if (a->uw != b->uw)
		return a->uw < b->uw ? -1 : 1;
	if (a->w != b->w)
		return a->w < b->w ? -1 : 1;
	return 0;
}

/*
 * The weight of votes[i..) of one rule: its distinct configured words, a
 * phrase counting its words (the message words it matched), so "rumah
 * sakit" outweighs one word of another rule.  *end: past them.
 */
static size_t
rule_run(const struct ctx *x, size_t i, size_t *end)
{
	size_t j, nd = 0;

	for (j = i; j < x->nv && x->v[j].rule == x->v[i].rule; j++)
		if (j == i || x->v[j].uw != x->v[j - 1].uw)
			nd += x->rt->uw[x->v[j].uw].nwords;
	*end = j;
	return nd;
}

/*
 * 1 when field has a hit that counts (a rule's word, not ambiguous, its
 * rule not ruled out) and is not a weak word: of rule `rule` when own is
 * 1, else of a rule other than `rule` (-1: any rule).
 */
static int
strong_hit(const struct ctx *x, int field, long rule, int own)
{
	const struct hit *h;
	const struct entry *e;
	size_t i;

	for (i = 0; i < x->nh; i++) {
		h = &x->h[i];
		if (h->w < x->fstart[field] || h->w >= x->fend[field] ||
		    h->amb >= 0)
			continue;
		e = hent(x, h);
		if (e->kind == K_RULE && !e->weak &&
		    (own ? (long)e->index == rule : (long)e->index != rule) &&
		    ruled_out(x, e->index) < 0)
			return 1;
	}
	return 0;
}

/* 1 when rules a and b send a complaint to one agency, in every region. */
static int
same_agency(const struct conf_rule *a, const struct conf_rule *b)
{
	size_t i;

	if (a->agency != b->agency || a->nregional != b->nregional)
		return 0;
	for (i = 0; i < a->nregional; i++)
		if (a->regional[i].region != b->regional[i].region ||
		    a->regional[i].agency != b->regional[i].agency)
			return 0;
	return 1;
}

/*
 * 1 when the rules tied at the top (x->top distinct words each) all lead
 * to one agency: the tie changes nothing for the citizen or the agency.
 */
static int
tie_one_agency(const struct ctx *x)
{
	const struct conf_rule *first = NULL, *r;
	size_t i, j;

	for (i = 0; i < x->nv; i = j) {
		if (rule_run(x, i, &j) != x->top)
			continue;
		r = &x->c->rules[x->v[i].rule];
		if (first == NULL)
			first = r;
		else if (!same_agency(first, r))
			return 0;
	}
	return first != NULL;
}

/*
 * Keywords anywhere in one field.  Sorting the (at most a few hundred)
 * votes by rule makes counting cost nothing per configured rule.
 */
static void
inside(struct ctx *x, int field)
{
	const struct hit *h;
	size_t i, j, nd, topi = 0;
	int any_exact = 0, any_typo = 0, any_strong;

	x->nv = 0;
	x->win = -1;
	x->top = x->second = x->ntop = 0;
	x->second_rule = -1;
	for (i = 0; i < x->nh; i++) {
		h = &x->h[i];
		if (h->w < x->fstart[field] || h->w >= x->fend[field] ||
		    h->amb >= 0 || hent(x, h)->kind != K_RULE ||
		    ruled_out(x, hent(x, h)->index) >= 0)
			continue;
		if (h->typo)
			any_typo = 1;
		else
			any_exact = 1;
	}
	x->typo_dropped = any_exact && any_typo;
	x->weak_dropped = -1;
	any_strong = strong_hit(x, field, -1, 0);
	for (i = 0; i < x->nh; i++) {
		h = &x->h[i];
		if (h->w < x->fstart[field] || h->w >= x->fend[field] ||
		    h->amb >= 0 || hent(x, h)->kind != K_RULE ||
		    (any_exact && h->typo) ||
		    ruled_out(x, hent(x, h)->index) >= 0)
			continue;
		if (any_strong && hent(x, h)->weak &&
		    !strong_hit(x, field, (long)hent(x, h)->index, 1) &&
		    strong_hit(x, field, (long)hent(x, h)->index, 0)) {
			if (x->weak_dropped < 0)
				x->weak_dropped = (long)i;
			continue;
		}
		x->v[x->nv].rule = hent(x, h)->index;
		x->v[x->nv].uw = h->uw;
		x->v[x->nv].w = h->w;
		x->v[x->nv].hit = i;
		x->nv++;
	}
	qsort(x->v, x->nv, sizeof(*x->v), vote_cmp);
	for (i = 0; i < x->nv; i = j) {
		nd = rule_run(x, i, &j);
		if (nd > x->top) {
			if (x->ntop > 0) {
				x->second = x->top;
				x->second_rule = (long)x->v[topi].rule;
			}
			x->top = nd;
			x->ntop = 1;
			topi = i;
		} else if (nd == x->top)
			x->ntop++;
		else if (nd > x->second) {
			x->second = nd;
			x->second_rule = (long)x->v[i].rule;
		}
	}
	x->tie_one_agency = 0;
	if (x->ntop > 1) {
		if (!tie_one_agency(x))
			return;
		x->tie_one_agency = 1;
		/* The first of them in the config decides. */
		for (i = 0; i < x->nv; i = j)
			if (rule_run(x, i, &j) == x->top)
				break;
		topi = i;
	}
	/* The winner's first word in the text decides word, lang, typo. */
	for (i = topi; i < x->nv && x->v[i].rule == x->v[topi].rule; i++)
		if (x->win < 0 || x->v[i].w < x->h[x->win].w)
			x->win = (long)x->v[i].hit;
}

/* The citizen's folded word(s) of a hit. */
static void
hit_word(const struct ctx *x, const struct hit *h, char *buf, size_t sz)
{
	if (h->nw == 3)
		snprintf(buf, sz, "%s %s %s", x->w[h->w].f, x->w[h->w + 1].f,
		    x->w[h->w + 2].f);
	else if (h->nw == 2)
		snprintf(buf, sz, "%s %s", x->w[h->w].f, x->w[h->w + 1].f);
	else
		snprintf(buf, sz, "%s", x->w[h->w].f);
}

/*
 * Citizen text for the explanation: control bytes become '?' so a message
 * cannot forge lines in an operator's terminal or log; cut at a UTF-8
 * character boundary.
 */
static void
clean(char *dst, size_t dstsz, const char *src, size_t len)
{
	size_t i, n = len < dstsz - 1 ? len : dstsz - 1;
	unsigned char ch;

	n = utf8_cut(src, len, n);
	for (i = 0; i < n; i++) {
		ch = (unsigned char)src[i];
		dst[i] = ch < 0x20 || ch == 0x7F ? '?' : (char)ch;
	}
	dst[n] = '\0';
}

static void
hit_clean(const struct ctx *x, const struct hit *h, char *buf, size_t sz)
{
	char raw[HIT_BUF];

	hit_word(x, h, raw, sizeof(raw));
	clean(buf, sz, raw, strlen(raw));
}

static void
set_rule(const struct ctx *x, const struct hit *h, enum route_how how,
    struct route_decision *d)
{
	const struct entry *e = hent(x, h);

	d->rule = (long)e->index;
	d->agency = x->c->rules[e->index].agency;
	d->how = how;
	d->typo = h->typo;
	d->stem = h->stem;
	d->lang = e->en ? LANG_EN : LANG_ID;
	hit_word(x, h, d->word, sizeof(d->word));
	(void)str_copy(d->keyword, sizeof(d->keyword), x->rt->uw[h->uw].s);
}

/* 1 when folded word w is one of routing.directions. */
static int
direction_word(const struct conf *c, const struct word *w)
{
	size_t i;

	for (i = 0; i < c->nrouting_directions; i++)
		if (strlen(c->routing_directions[i]) == w->len &&
		    memcmp(c->routing_directions[i], w->f, w->len) == 0)
			return 1;
	return 0;
}

/*
 * Fills x->outside with the first hit that names a place outside the area
 * (routing.outside) and follows neither a direction word ("arah
 * Salatiga": the road there, not the place) nor a region word of this
 * area ("Bawen-Salatiga": a road from here), and x->thanks with a
 * thank-you (routing.thanks) on the first word of field.
 */
static void
specials(struct ctx *x, int field)
{
	const struct hit *h;
	size_t i;

	x->outside = -1;
	x->thanks = -1;
	for (i = 0; i < x->nh; i++) {
		h = &x->h[i];
		if (x->rt->uw[h->uw].special == K_THANKS && h->w == x->fstart[field] &&
		    x->fstart[field] < x->fend[field] && x->thanks < 0)
			x->thanks = (long)i;
		if (x->rt->uw[h->uw].special != K_OUTSIDE || x->outside >= 0)
			continue;
		if (h->w > 0 && x->w[h->w - 1].field == x->w[h->w].field &&
		    direction_word(x->c, &x->w[h->w - 1]))
			continue;
		/* "Bawen-Salatiga": a road from a place of this area. */
		if (i > 0 && x->h[i - 1].w + x->h[i - 1].nw == h->w &&
		    !x->h[i - 1].typo && x->h[i - 1].amb < 0 &&
		    hent(x, &x->h[i - 1])->kind == K_REGION)
			continue;
		x->outside = (long)i;
	}
}

/*
 * Triage for a thank-you or a place outside the area, with its
 * explanation; 0 when neither applies.
 */
static int
decide_special(struct ctx *x, struct route_decision *d)
{
	const struct conf_agency *a = &x->c->agencies[d->agency];
	struct out o;
	char said[HIT_BUF];
	long i = x->thanks >= 0 ? x->thanks : x->outside;

	if (i < 0)
		return 0;
	d->how = x->thanks >= 0 ? ROUTE_TRIAGE_THANKS : ROUTE_TRIAGE_OUTSIDE;
	hit_word(x, &x->h[i], said, sizeof(said));
	o.b = d->explain;
	o.sz = sizeof(d->explain);
	o.len = 0;
	o.full = 0;
	out_add(&o, "triage -> %s", a->id);
	if (a->name != NULL && *a->name != '\0')
		out_add(&o, " (%s)", a->name);
	if (x->thanks >= 0)
		out_add(&o, ": the message starts with '%s' (routing.thanks): a "
		    "thank-you, not a complaint; no rule is tried.", said);
	else
		out_add(&o, ": '%s' names a place outside this service's area "
		    "(routing.outside; not after a direction word such as "
		    "ARAH or KE, nor after a region word); no rule is tried.",
		    said);
	say_spellings(&o, x);
	return 1;
}

static void
decide_inside(struct ctx *x, int field, struct route_decision *d)
{
	inside(x, field);
	if (x->nv == 0)
		d->how = ROUTE_TRIAGE_NONE;
	else if (x->ntop > 1 && !x->tie_one_agency)
		d->how = ROUTE_TRIAGE_TIE;
	else
		set_rule(x, &x->h[x->win], ROUTE_INSIDE, d);
}

/*
 * "word 'BERLUBANG' has the stem LUBANG of JALAN's alias LUBANG": what
 * (word, phrase, leading word ...), the citizen's words, their stem(s),
 * and the configured word with that stem.
 */
static void
say_stem(struct out *o, const struct ctx *x, const struct hit *h,
    const char *what)
{
	const struct entry *e = hent(x, h);
	char w[2 * WORD_MAX];

	hit_clean(x, h, w, sizeof(w));
	if (h->nw == 2)
		out_add(o, "%s '%s' has the stems %s %s of ", what, w,
		    x->w[h->w].s, x->w[h->w + 1].s);
	else
		out_add(o, "%s '%s' has the stem %s of ", what, w,
		    x->w[h->w].s);
	if (e->kind == K_REGION)
		out_add(o, "region %s's keyword %s", x->c->regions[e->index].id,
		    x->rt->uw[h->uw].s);
	else if (e->canon)
		out_add(o, "the keyword %s", x->c->rules[e->index].keyword);
	else
		out_add(o, "%s's %salias %s", x->c->rules[e->index].keyword,
		    e->en ? "English " : "", x->rt->uw[h->uw].s);
}

/* "'JLN' read as 'JALAN' (spellings)." for each respelt word that matched. */
static void
say_spellings(struct out *o, const struct ctx *x)
{
	const struct conf_spelling *sp;
	size_t i, k;

	for (i = 0; i < x->nh; i++)
		for (k = x->h[i].w; k < x->h[i].w + x->h[i].nw; k++) {
			if (x->w[k].sp < 0)
				continue;
			sp = &x->c->spellings[x->w[k].sp];
			out_add(o, " '%s' read as '%s' (spellings).", sp->from,
			    sp->to);
		}
}

/* "leading word 'JLN' is an alias of JALAN (exact)." */
static void
say_long(struct out *o, const struct ctx *x, const struct hit *h,
    const char *what)
{
	const struct entry *e = hent(x, h);
	const char *rk = x->c->rules[e->index].keyword;
	const char *cw = x->rt->uw[h->uw].s;
	char w[HIT_BUF];

	hit_clean(x, h, w, sizeof(w));
	if (h->stem) {
		say_stem(o, x, h, what);
		out_add(o, ".");
	} else if (!h->typo && e->canon)
		out_add(o, "%s '%s' is the keyword %s (exact).", what, w, rk);
	else if (!h->typo)
		out_add(o, "%s '%s' is %s alias of %s (exact).", what, w,
		    e->en ? "an English" : "an", rk);
	else if (e->canon)
		out_add(o, "%s '%s' is one letter off '%s' (typo).", what, w,
		    cw);
	else
		out_add(o, "%s '%s' is one letter off '%s', %s alias of %s "
		    "(typo).", what, w, cw, e->en ? "an English" : "an", rk);
}

/* "phrase 'LAMPU JALAN' (exact)", "'JALAM' (one letter off 'JALAN', typo)" */
static void
say_short(struct out *o, const struct ctx *x, const struct hit *h)
{
	const struct entry *e = hent(x, h);
	char w[HIT_BUF];

	hit_clean(x, h, w, sizeof(w));
	if (h->stem)
		say_stem(o, x, h, h->nw >= 2 ? "phrase" : "word");
	else if (h->nw >= 2)
		out_add(o, "phrase '%s' (exact)", w);
	else if (h->typo)
		out_add(o, "'%s' (one letter off '%s', typo)", w,
		    x->rt->uw[h->uw].s);
	else if (e->canon)
		out_add(o, "'%s' (exact)", w);
	else
		out_add(o, "'%s' (%salias, exact)", w, e->en ? "English " : "");
}

/* The words of the rule whose votes start at v[i], in short form. */
static void
say_votes(struct out *o, const struct ctx *x, size_t i, int brief)
{
	size_t j;
	char w[HIT_BUF];

	for (j = i; j < x->nv && x->v[j].rule == x->v[i].rule; j++) {
		if (j > i && x->v[j].uw == x->v[j - 1].uw)
			continue;
		if (j > i)
			out_add(o, ", ");
		if (brief) {
			hit_clean(x, &x->h[x->v[j].hit], w, sizeof(w));
			out_add(o, "'%s'", w);
		} else
			say_short(o, x, &x->h[x->v[j].hit]);
	}
}

static void
say_inside(struct out *o, const struct ctx *x, int structured)
{
	const char *where = structured ? "in the description" :
	    "inside the text";
	size_t i, j, k, nd;

	if (x->nv == 0) {
		out_add(o, "no %skeyword found%s.", x->nro > 0 ? "other " : "",
		    structured ? " in the description" : "");
		return;
	}
	if (x->ntop > 1) {
		if (x->ntop == 2)
			out_add(o, "keywords of two rules tied");
		else
			out_add(o, "keywords of %zu rules tied", x->ntop);
		if (x->top > 1)
			out_add(o, " at %zu words each", x->top);
		out_add(o, ": ");
		for (i = 0, k = 0; i < x->nv; i = j) {
			if ((nd = rule_run(x, i, &j)) != x->top)
				continue;
			out_add(o, "%s%s (", k++ > 0 ? ", " : "",
			    x->c->rules[x->v[i].rule].keyword);
			say_votes(o, x, i, 1);
			out_add(o, ")");
		}
		if (x->tie_one_agency)
			out_add(o, "; all lead to %s, so %s, first in the config, decides",
			    x->c->agencies[x->c->rules[hent(x, &x->h[x->win])->index].agency].id,
			    x->c->rules[hent(x, &x->h[x->win])->index].keyword);
	} else {
		out_add(o, "found %s: ", where);
		for (i = 0; i < x->nv; i = j)
			if (rule_run(x, i, &j) == x->top)
				say_votes(o, x, i, 0);
		if (x->second > 0)
			out_add(o, "; %zu against %zu for %s", x->top,
			    x->second, x->c->rules[x->second_rule].keyword);
	}
	if (x->typo_dropped)
		out_add(o, "; typo matches ignored (exact ones found)");
	if (x->weak_dropped >= 0) {
		char w[HIT_BUF];

		hit_clean(x, &x->h[x->weak_dropped], w, sizeof(w));
		out_add(o, "; '%s' not counted: a weak word of %s, and other "
		    "keywords were found", w,
		    x->c->rules[hent(x, &x->h[x->weak_dropped])->index].keyword);
	}
	out_add(o, ".");
}

static void
say_target(struct out *o, const struct ctx *x, const struct entry *e)
{
	if (e->kind == K_RULE)
		out_add(o, "%s", x->c->rules[e->index].keyword);
	else
		out_add(o, "region %s", x->c->regions[e->index].id);
}

static void
say_region_hit(struct out *o, const struct ctx *x, const struct hit *h)
{
	char w[HIT_BUF];

	hit_clean(x, h, w, sizeof(w));
	out_add(o, "'%s'", w);
	if (h->typo)
		out_add(o, " (one letter off '%s', typo)", x->rt->uw[h->uw].s);
	else if (h->stem)
		out_add(o, " (stem of '%s')", x->rt->uw[h->uw].s);
	out_add(o, " -> %s", x->c->regions[hent(x, h)->index].id);
}

/*
 * Region words anywhere in any field.  As for rules, an exact region word
 * outranks a typo; two different regions cancel out rather than guess.
 */
static void
region(const struct ctx *x, struct route_decision *d, struct out *o)
{
	const struct conf_rule *r;
	const struct hit *h;
	long first = -1, other = -1;
	size_t i, g;
	int any_exact = 0;

	for (i = 0; i < x->nh; i++) {
		h = &x->h[i];
		if (h->amb < 0 && hent(x, h)->kind == K_REGION && !h->typo)
			any_exact = 1;
	}
	for (i = 0; i < x->nh && other < 0; i++) {
		h = &x->h[i];
		if (h->amb >= 0 || hent(x, h)->kind != K_REGION ||
		    (any_exact && h->typo))
			continue;
		if (first < 0)
			first = (long)i;
		else if (hent(x, h)->index != hent(x, &x->h[first])->index)
			other = (long)i;
	}
	if (first < 0)
		return;
	if (other >= 0) {
		out_add(o, " Regions disagree: ");
		say_region_hit(o, x, &x->h[first]);
		out_add(o, ", ");
		say_region_hit(o, x, &x->h[other]);
		out_add(o, "; no region used.");
		return;
	}
	g = hent(x, &x->h[first])->index;
	d->region = (long)g;
	out_add(o, " Region: ");
	say_region_hit(o, x, &x->h[first]);
	if (d->rule < 0) {
		out_add(o, ".");
		return;
	}
	r = &x->c->rules[d->rule];
	for (i = 0; i < r->nregional; i++)
		if (r->regional[i].region == g) {
			d->agency = r->regional[i].agency;
			d->regional = 1;
			out_add(o, "; regional agency %s.",
			    x->c->agencies[d->agency].id);
			return;
		}
	out_add(o, "; region %s has no regional agency for %s, agency stays "
	    "%s.", x->c->regions[g].id, r->keyword,
	    x->c->agencies[d->agency].id);
}

/* Words that matched two rules (or a rule and a region) were ignored. */
static void
say_ambiguous(struct out *o, const struct ctx *x)
{
	const struct hit *h;
	char w[HIT_BUF];
	size_t i;

	for (i = 0; i < x->nh; i++) {
		h = &x->h[i];
		if (h->amb < 0)
			continue;
		hit_clean(x, h, w, sizeof(w));
		out_add(o, " Ignored '%s': %s ", w, h->typo ?
		    "one letter off words of" : "configured for both");
		say_target(o, x, hent(x, h));
		out_add(o, " and ");
		say_target(o, x, &x->rt->ents[h->amb]);
		out_add(o, " (ambiguous).");
	}
}

/* " JALAN ruled out: 'TIDAK BERJALAN' is in its unless list (line 41)." */
static void
say_ruled_out(struct out *o, const struct ctx *x)
{
	const struct conf_rule *r;
	char w[HIT_BUF];
	size_t i;

	for (i = 0; i < x->nro; i++) {
		r = &x->c->rules[x->ro[i].rule];
		hit_clean(x, &x->h[x->ro[i].hit], w, sizeof(w));
		out_add(o, " %s ruled out: '%s' is in its unless list (line %d).",
		    r->keyword, w, r->unless_line > 0 ? r->unless_line :
		    r->line);
	}
}

/* Writes the explanation; settles the region (and regional agency). */
static void
finish(const struct ctx *x, struct route_decision *d, long lead,
    int structured, const char *kw, size_t klen)
{
	const struct conf_agency *a = &x->c->agencies[d->agency];
	const struct hit *h;
	struct out o;
	char field[48];

	d->ruled_out = (int)x->nro;
	o.b = d->explain;
	o.sz = sizeof(d->explain);
	o.len = 0;
	o.full = 0;
	d->explain[0] = '\0';
	if (d->rule >= 0)
		out_add(&o, "rule %s -> %s", x->c->rules[d->rule].keyword,
		    a->id);
	else
		out_add(&o, "triage -> %s", a->id);
	if (a->name != NULL && *a->name != '\0')
		out_add(&o, " (%s)", a->name);
	out_add(&o, ": ");
	if (lead >= 0) {
		h = &x->h[lead];
		say_long(&o, x, h, structured ? "keyword field" :
		    h->nw >= 2 ? "leading phrase" : "leading word");
	} else {
		if (structured && x->lead_out < 0) {
			if (kw != NULL)
				text_trim(&kw, &klen);
			if (kw == NULL || klen == 0)
				out_add(&o, "keyword field was empty; ");
			else {
				clean(field, sizeof(field), kw, klen);
				out_add(&o, "keyword field '%s' was not "
				    "recognised; ", field);
			}
		}
		say_inside(&o, x, structured);
	}
	say_ruled_out(&o, x);
	region(x, d, &o);
	say_ambiguous(&o, x);
	say_spellings(&o, x);
}

static void
decision_init(const struct route_table *rt, struct route_decision *d)
{
	memset(d, 0, sizeof(*d));
	d->agency = rt != NULL ? rt->c->triage : 0;
	d->rule = -1;
	d->region = -1;
	d->how = ROUTE_TRIAGE_NONE;
	d->lang = LANG_NONE;
}

static void
ctx_init(struct ctx *x, const struct route_table *rt, size_t nfields)
{
	memset(x, 0, sizeof(*x));
	x->rt = rt;
	x->c = rt->c;
	/*
	 * Heap, not stack: worker threads may run on small stacks.  Not
	 * zeroed: every entry is written whole before nw, nh or nv counts it
	 * (perf: zeroing 90 KB was a tenth of an SMS's time outside the store).
	 */
	x->w = xmalloc(nfields * MAX_WORDS * sizeof(*x->w));
	x->h = xmalloc(nfields * MAX_WORDS * sizeof(*x->h));
	x->v = xmalloc(nfields * MAX_WORDS * sizeof(*x->v));
	x->ro = NULL;
	x->lead_out = -1;
	x->weak_dropped = -1;
	x->tie_one_agency = 0;
}

static void
ctx_free(struct ctx *x)
{
	free(x->w);
	free(x->h);
	free(x->v);
	free(x->ro);
}

void
route_text(const struct route_table *rt, const char *text, size_t len,
    struct route_decision *d)
{
	struct ctx x;
	long lead;

	decision_init(rt, d);
	if (rt == NULL) {
		(void)str_copy(d->explain, sizeof(d->explain),
		    "triage: no routing table.");
		return;
	}
	ctx_init(&x, rt, 1);
	tokenize(&x, 0, text, len);
	scan(&x);
	specials(&x, 0);
	if (decide_special(&x, d)) {
		ctx_free(&x);
		return;
	}
	rule_outs(&x);
	lead = leading(&x, 0);
	/* A weak leading word decides only when no other rule's word is found. */
	if (lead >= 0 && hent(&x, &x.h[lead])->weak &&
	    strong_hit(&x, 0, (long)hent(&x, &x.h[lead])->index, 0))
		lead = -1;
	if (lead >= 0) {
		set_rule(&x, &x.h[lead], ROUTE_LEADING, d);
		d->body_offset = x.w[x.h[lead].w + x.h[lead].nw - 1].end;
	} else
		decide_inside(&x, 0, d);
	finish(&x, d, lead, 0, NULL, 0);
	ctx_free(&x);
}

void
route_structured(const struct route_table *rt,
    const char *keyword, size_t klen, const char *location, size_t llen,
    const char *desc, size_t dlen, struct route_decision *d)
{
	struct ctx x;
	long lead;

	decision_init(rt, d);
	if (rt == NULL) {
		(void)str_copy(d->explain, sizeof(d->explain),
		    "triage: no routing table.");
		return;
	}
	ctx_init(&x, rt, NFIELDS);
	tokenize(&x, 0, keyword, klen);
	tokenize(&x, 1, location, llen);
	tokenize(&x, 2, desc, dlen);
	scan(&x);
	specials(&x, 2);
	x.thanks = -1;	/* a thank-you has no keyword field */
	if (decide_special(&x, d)) {
		ctx_free(&x);
		return;
	}
	rule_outs(&x);
	if ((lead = leading(&x, 0)) >= 0)
		set_rule(&x, &x.h[lead], ROUTE_STRUCTURED, d);
	else
		decide_inside(&x, 2, d);
	finish(&x, d, lead, 1, keyword, klen);
	ctx_free(&x);
}

void
route_menu(const struct route_table *rt, long rule, const char *location,
    size_t llen, const char *desc, size_t dlen, struct route_decision *d)
{
	const struct conf_rule *r;
	struct ctx x;
	struct out o;

	decision_init(rt, d);
	if (rt == NULL || rule < 0 || (size_t)rule >= rt->c->nrules) {
		(void)str_copy(d->explain, sizeof(d->explain),
		    "triage: no such menu category.");
		return;
	}
	r = &rt->c->rules[rule];
	d->rule = rule;
	d->agency = r->agency;
	d->how = ROUTE_MENU;
	(void)str_copy(d->keyword, sizeof(d->keyword), r->keyword);
	(void)str_copy(d->word, sizeof(d->word), r->keyword);
	ctx_init(&x, rt, NFIELDS);
	tokenize(&x, 1, location, llen);
	tokenize(&x, 2, desc, dlen);
	scan(&x);
	o.b = d->explain;
	o.sz = sizeof(d->explain);
	o.len = 0;
	o.full = 0;
	d->explain[0] = '\0';
	out_add(&o, "rule %s -> %s", r->keyword, rt->c->agencies[r->agency].id);
	if (rt->c->agencies[r->agency].name != NULL)
		out_add(&o, " (%s)", rt->c->agencies[r->agency].name);
	out_add(&o, ": category chosen from the menu.");
	region(&x, d, &o);
	ctx_free(&x);
}
