/*
 * lint: warnings and notes about a config's keyword rules, judged by the
 * matcher of routing/route.c (see lint.h for what each finding means).
 *
 * Every configured word (rule keywords, aliases, English aliases, region
 * words) becomes one struct went.  Exact questions ("is this phrase's word
 * a word of another rule?") are binary searches in the single words
 * sorted by text.  The typo question ("which words of different rules are
 * one edit apart?") is answered without comparing all pairs: every word of
 * 4+ bytes is listed under itself and under each string made by deleting
 * one of its bytes (the router's deletion neighbourhood), the list is
 * sorted, and only words that share a key are compared, each pair then
 * confirmed with the same one-edit check as the router's.  Two words one
 * edit apart always share a key: substitution at i (both minus byte i),
 * swap at i (one minus byte i, the other minus byte i + 1), insertion (the
 * longer minus the byte, the shorter itself).
 *
 * Nothing here calls into route.c: the distance, the folding assumptions
 * and the thresholds are restated below, and test_lint checks them against
 * the router's behaviour by example.
 */
#include "routing/lint.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "routing/route.h"
#include "routing/stem.h"
#include "sms/text.h"
#include "util/util.h"

#define WORD_MAX	64	/* folded word + NUL: longer ones never match */
#define TYPO_CONF_MIN	5	/* configured words this long tolerate a typo */
#define TYPO_MSG_MIN	4	/* message words shorter than this never do */
#define SHORT_MAX	2	/* characters: words this short match anything */
#define PHRASE_MAX	3	/* words in a phrase */

enum role { ROLE_KEYWORD, ROLE_ALIAS, ROLE_ALIAS_EN, ROLE_REGION, ROLE_COMMON };

/* One configured word or phrase, or one common word (ROLE_COMMON). */
struct went {
	const char *s;		/* points into the conf (or common[]) */
	size_t len;
	size_t sp;		/* phrase: offset of its space; single word: 0 */
	unsigned char role;	/* enum role */
	size_t owner;		/* index into conf.rules or conf.regions */
	int line;
};

struct lint {
	const struct conf *c;
	struct went *w;
	size_t nw;
	const struct went **singles;	/* single configured words, by text */
	size_t nsingles;
	const struct went **phrases;	/* phrases of rules, by first word */
	size_t nphrases;
	const char **unless;		/* unless entries of all rules, sorted */
	size_t nunless;
	struct lint_finding *f;
	size_t nf, fsz;
	int warnings;
};

/* A deletion key: hash of a word minus one byte (or of all of it). */
struct dkey {
	uint64_t h;
	uint32_t w;		/* index into lint.w */
};

struct wpair {
	uint32_t a, b;		/* a < b */
};

static const struct {
	const char *name;
	enum lint_level level;
} kinds[LINT_KIND_N] = {
	[LINT_TYPO_PAIR] = { "typo-pair", LINT_WARNING },
	[LINT_TYPO_CAPTURE] = { "typo-capture", LINT_WARNING },
	[LINT_PHRASE_REGION] = { "phrase-region", LINT_WARNING },
	[LINT_COMMAND_WORD] = { "command-word", LINT_WARNING },
	[LINT_SHORT_WORD] = { "short-word", LINT_WARNING },
	[LINT_COMMON_WORD] = { "common-word", LINT_WARNING },
	[LINT_AGENCY_UNUSED] = { "agency-unused", LINT_WARNING },
	[LINT_PHRASE_SHARES] = { "phrase-shares", LINT_NOTE },
	[LINT_PHRASE_CHAIN] = { "phrase-chain", LINT_NOTE },
	[LINT_PHRASE_ORDER] = { "phrase-order", LINT_NOTE },
	[LINT_PHRASE_KEYWORD] = { "phrase-keyword", LINT_NOTE },
	[LINT_REGIONAL_SAME] = { "regional-same", LINT_NOTE },
	[LINT_REGION_FALLBACK] = { "region-fallback", LINT_NOTE },
	[LINT_STEM_COMMON] = { "stem-common", LINT_NOTE },
	[LINT_STEM_COLLIDES] = { "stem-collides", LINT_WARNING },
};

/*
 * The first words sms/parse.c reads as something else than a complaint
 * word.  Check refuses all of them as single rule words except BAHASA and
 * LANGUAGE, and refuses none of them at the start of a phrase.
 */
enum cmd_class { CMD_TICKET, CMD_ADD, CMD_PLAIN, CMD_PREFIX };

static const struct {
	const char *w;
	enum cmd_class cl;
} commands[] = {
	{ "STATUS", CMD_TICKET }, { "CEK", CMD_TICKET },
	{ "TAMBAH", CMD_ADD }, { "ADD", CMD_ADD },
	{ "BATAL", CMD_TICKET }, { "CANCEL", CMD_TICKET },
	{ "INFO", CMD_PLAIN }, { "BANTUAN", CMD_PLAIN }, { "HELP", CMD_PLAIN },
	{ "STOP", CMD_PLAIN }, { "BERHENTI", CMD_PLAIN },
	{ "MULAI", CMD_PLAIN }, { "START", CMD_PLAIN },
	{ "BAHASA", CMD_PLAIN }, { "LANGUAGE", CMD_PLAIN },
	{ "LAPOR", CMD_PREFIX }, { "ADUAN", CMD_PREFIX }, { "REPORT", CMD_PREFIX },
};

/* The router's common words (routing/route.h): never read as typos. */
#define common route_common_words

static void add(struct lint *, enum lint_kind, int, int, const char *, ...)
    __attribute__((format(printf, 5, 6)));

const char *
lint_level_name(enum lint_level l)
{
	return l == LINT_WARNING ? "warning" : "note";
}

const char *
lint_kind_name(enum lint_kind k)
{
	return (unsigned)k < LINT_KIND_N ? kinds[k].name : "?";
}

/* Records a finding; the message is cut at a UTF-8 boundary with "...". */
static void
add(struct lint *l, enum lint_kind k, int line, int line2, const char *fmt,
    ...)
{
	struct lint_finding *f;
	va_list ap;
	size_t e;
	int n;

	if (l->nf == l->fsz) {
		l->fsz = l->fsz ? 2 * l->fsz : 32;
		l->f = xrealloc(l->f, l->fsz * sizeof(*l->f));
	}
	f = &l->f[l->nf++];
	memset(f, 0, sizeof(*f));
	f->level = kinds[k].level;
	f->kind = k;
	f->line = line;
	f->line2 = line2;
	va_start(ap, fmt);
	n = vsnprintf(f->msg, sizeof(f->msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		f->msg[0] = '\0';
	else if ((size_t)n >= sizeof(f->msg)) {
		e = utf8_cut(f->msg, sizeof(f->msg) - 1, sizeof(f->msg) - 4);
		memcpy(f->msg + e, "...", 4);
	}
	if (f->level == LINT_WARNING)
		l->warnings++;
}

/* ---- the router's definitions, restated ---- */

/* The router's own typo test (routing/route.h). */
#define one_edit route_one_edit

static int
digits_only(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* A configured word the router lists in its deletion index. */
static int
tolerant(const struct went *e)
{
	return e->role != ROLE_COMMON && e->sp == 0 &&
	    e->len >= TYPO_CONF_MIN && e->len < WORD_MAX;
}

/* As a citizen's word with no exact match, the router tries it as a typo. */
static int
typo_capable(const struct went *e)
{
	return e->sp == 0 && e->len >= TYPO_MSG_MIN && e->len < WORD_MAX &&
	    !digits_only(e->s, e->len);
}

/* Same rule, or same region: the router never calls that ambiguous. */
static int
same_target(const struct went *a, const struct went *b)
{
	if (a->role == ROLE_COMMON || b->role == ROLE_COMMON)
		return 0;
	return (a->role == ROLE_REGION) == (b->role == ROLE_REGION) &&
	    a->owner == b->owner;
}

/* ---- naming things in messages ---- */

static int
cmp_mem(const char *a, size_t la, const char *b, size_t lb)
{
	int r = memcmp(a, b, la < lb ? la : lb);

	if (r != 0)
		return r;
	return la < lb ? -1 : la > lb;
}

static const char *
what(const struct went *e)
{
	switch (e->role) {
	case ROLE_KEYWORD:
		return "keyword";
	case ROLE_ALIAS:
		return "alias";
	case ROLE_ALIAS_EN:
		return "English alias";
	default:
		return "word";
	}
}

/* "rule JALAN", "region ambarawa". */
static const char *
who(const struct lint *l, const struct went *e, char *buf, size_t sz)
{
	if (e->role == ROLE_REGION)
		(void)snprintf(buf, sz, "region %s", l->c->regions[e->owner].id);
	else
		(void)snprintf(buf, sz, "rule %s", l->c->rules[e->owner].keyword);
	return buf;
}

/* "the keyword of rule JALAN", "an alias of rule PJU", "a word of region x". */
static const char *
role_of(const struct lint *l, const struct went *e, char *buf, size_t sz)
{
	char w[WORD_MAX + 16];

	(void)snprintf(buf, sz, "%s %s of %s", e->role == ROLE_KEYWORD ? "the" :
	    e->role == ROLE_REGION ? "a" : "an", what(e),
	    who(l, e, w, sizeof(w)));
	return buf;
}

/* ---- collecting the words ---- */

/*
 * What route_build() would follow: every index in range, every list
 * there.  A conf from conf_load_*() always passes.
 */
static int
usable(const struct conf *c)
{
	const struct conf_rule *r;
	const struct conf_region *g;
	size_t i, j;

	if (c == NULL || c->agencies == NULL || c->nagencies == 0 ||
	    c->triage >= c->nagencies ||
	    (c->nrules > 0 && c->rules == NULL) ||
	    (c->nregions > 0 && c->regions == NULL))
		return 0;
	for (i = 0; i < c->nagencies; i++)
		if (c->agencies[i].id == NULL)
			return 0;
	for (i = 0; i < c->nregions; i++) {
		g = &c->regions[i];
		if (g->id == NULL || (g->nkeywords > 0 && g->keywords == NULL))
			return 0;
		for (j = 0; j < g->nkeywords; j++)
			if (g->keywords[j] == NULL)
				return 0;
	}
	for (i = 0; i < c->nrules; i++) {
		r = &c->rules[i];
		if (r->keyword == NULL || r->agency >= c->nagencies ||
		    (r->naliases > 0 && r->aliases == NULL) ||
		    (r->naliases_en > 0 && r->aliases_en == NULL) ||
		    (r->nunless > 0 && r->unless == NULL) ||
		    (r->nregional > 0 && r->regional == NULL))
			return 0;
		for (j = 0; j < r->naliases; j++)
			if (r->aliases[j] == NULL)
				return 0;
		for (j = 0; j < r->naliases_en; j++)
			if (r->aliases_en[j] == NULL)
				return 0;
		for (j = 0; j < r->nunless; j++)
			if (r->unless[j] == NULL)
				return 0;
		for (j = 0; j < r->nregional; j++)
			if (r->regional[j].region >= c->nregions ||
			    r->regional[j].agency >= c->nagencies)
				return 0;
	}
	return 1;
}

static void
push(struct lint *l, const char *s, enum role role, size_t owner, int line)
{
	struct went *e = &l->w[l->nw++];
	const char *sp;

	e->s = s;
	e->len = strlen(s);
	sp = memchr(s, ' ', e->len);
	e->sp = sp != NULL ? (size_t)(sp - s) : 0;
	e->role = (unsigned char)role;
	e->owner = owner;
	e->line = line;
}

/* Ties go to the earlier word: pointers into the one array l->w. */
static int
single_cmp(const void *pa, const void *pb)
{
	const struct went *a = *(const struct went *const *)pa;
	const struct went *b = *(const struct went *const *)pb;
	int r = cmp_mem(a->s, a->len, b->s, b->len);

	if (r != 0)
		return r;
	return a < b ? -1 : a > b;
}

static int
phrase_cmp(const void *pa, const void *pb)
{
	const struct went *a = *(const struct went *const *)pa;
	const struct went *b = *(const struct went *const *)pb;
	int r = cmp_mem(a->s, a->sp, b->s, b->sp);

	if (r != 0)
		return r;
	return a < b ? -1 : a > b;
}

static int
str_cmp(const void *pa, const void *pb)
{
	return strcmp(*(const char *const *)pa, *(const char *const *)pb);
}

/*
 * Fills l->w with every configured word, then the common words (last),
 * and sorts the look-up arrays.
 */
static void
collect(struct lint *l)
{
	const struct conf *c = l->c;
	const struct conf_rule *r;
	size_t i, j, n = route_ncommon_words;

	for (i = 0; i < c->nrules; i++)
		n += 1 + c->rules[i].naliases + c->rules[i].naliases_en;
	for (i = 0; i < c->nregions; i++)
		n += c->regions[i].nkeywords;
	l->w = xcalloc(n, sizeof(*l->w));
	for (i = 0; i < c->nrules; i++) {
		r = &c->rules[i];
		push(l, r->keyword, ROLE_KEYWORD, i, r->line);
		for (j = 0; j < r->naliases; j++)
			push(l, r->aliases[j], ROLE_ALIAS, i, r->line);
		for (j = 0; j < r->naliases_en; j++)
			push(l, r->aliases_en[j], ROLE_ALIAS_EN, i, r->line);
	}
	for (i = 0; i < c->nregions; i++)
		for (j = 0; j < c->regions[i].nkeywords; j++)
			push(l, c->regions[i].keywords[j], ROLE_REGION, i,
			    c->regions[i].line);
	for (i = 0; i < route_ncommon_words; i++)
		push(l, common[i], ROLE_COMMON, 0, 0);

	l->singles = xcalloc(l->nw, sizeof(*l->singles));
	l->phrases = xcalloc(l->nw, sizeof(*l->phrases));
	for (i = 0; i < l->nw; i++) {
		if (l->w[i].role == ROLE_COMMON)
			continue;
		if (l->w[i].sp == 0)
			l->singles[l->nsingles++] = &l->w[i];
		else if (l->w[i].role != ROLE_REGION)
			l->phrases[l->nphrases++] = &l->w[i];
	}
	qsort(l->singles, l->nsingles, sizeof(*l->singles), single_cmp);
	qsort(l->phrases, l->nphrases, sizeof(*l->phrases), phrase_cmp);

	for (i = 0, n = 0; i < c->nrules; i++)
		n += c->rules[i].nunless;
	l->unless = xcalloc(n + 1, sizeof(*l->unless));
	for (i = 0; i < c->nrules; i++)
		for (j = 0; j < c->rules[i].nunless; j++)
			l->unless[l->nunless++] = c->rules[i].unless[j];
	qsort(l->unless, l->nunless, sizeof(*l->unless), str_cmp);
}

/* First index in singles[] whose word is not below s[0..len). */
static size_t
singles_from(const struct lint *l, const char *s, size_t len)
{
	size_t lo = 0, hi = l->nsingles, mid;
	const struct went *e;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		e = l->singles[mid];
		if (cmp_mem(e->s, e->len, s, len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* First index in phrases[] whose first word is not below s[0..len). */
static size_t
phrases_from(const struct lint *l, const char *s, size_t len)
{
	size_t lo = 0, hi = l->nphrases, mid;
	const struct went *e;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		e = l->phrases[mid];
		if (cmp_mem(e->s, e->sp, s, len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int
is_common(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < route_ncommon_words; i++)
		if (cmp_mem(common[i], strlen(common[i]), s, len) == 0)
			return 1;
	return 0;
}

static long
command_of(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(commands); i++)
		if (cmp_mem(commands[i].w, strlen(commands[i].w), s, len) == 0)
			return (long)i;
	return -1;
}

/* The words of phrase p: up to PHRASE_MAX (start, length); their number. */
static size_t
split(const struct went *p, const char **part, size_t *plen)
{
	const char *s = p->s, *sp;
	size_t n = 0, left = p->len;

	while (n < PHRASE_MAX) {
		sp = memchr(s, ' ', left);
		part[n] = s;
		plen[n] = sp != NULL ? (size_t)(sp - s) : left;
		n++;
		if (sp == NULL)
			break;
		left -= plen[n - 1] + 1;
		s = sp + 1;
	}
	return n;
}

static size_t
nwords(const struct went *e)
{
	const char *part[PHRASE_MAX];
	size_t plen[PHRASE_MAX];

	return split(e, part, plen);
}

/* ---- the checks ---- */

/* What the SMS grammar does with a message that opens with command k. */
static const char *
command_effect(long k)
{
	switch (commands[k].cl) {
	case CMD_TICKET:
		return "is read as that ticket command when a ticket number or "
		    "nothing follows";
	case CMD_ADD:
		return "is always read as that command (a note for a ticket)";
	case CMD_PLAIN:
		/* sms/parse.c: PROSE_WORDS more words make it a complaint. */
		return "is read as that command unless 3 or more words follow";
	default:
		return "loses that word as the complaint prefix, so this never "
		    "leads (it still counts inside a text)";
	}
}

/* One word or phrase on its own: command words, short and common words. */
static void
check_word(struct lint *l, const struct went *e)
{
	char who_buf[WORD_MAX + 16];
	size_t chars;
	long k;

	if (e->role == ROLE_COMMON)
		return;
	who(l, e, who_buf, sizeof(who_buf));
	if (e->sp > 0) {
		if (e->role != ROLE_REGION &&
		    (k = command_of(e->s, e->sp)) >= 0)
			add(l, LINT_COMMAND_WORD, e->line, 0, "phrase '%s' (%s "
			    "of %s) starts with the command word %s: a message "
			    "opening with it %s", e->s, what(e), who_buf,
			    commands[k].w, command_effect(k));
		if (e->role == ROLE_KEYWORD)
			add(l, LINT_PHRASE_KEYWORD, e->line, 0, "keyword '%s' of "
			    "%s is %s words: the structured form "
			    "KEYWORD#LOCATION#TEXT needs a one-word keyword, so "
			    "'%s#...' goes unrecognised", e->s, who_buf,
			    nwords(e) == 2 ? "two" : "three", e->s);
		return;
	}
	if (e->role != ROLE_REGION && (k = command_of(e->s, e->len)) >= 0) {
		add(l, LINT_COMMAND_WORD, e->line, 0, "%s '%s' of %s is the "
		    "command word %s: a message opening with it %s", what(e),
		    e->s, who_buf, commands[k].w, command_effect(k));
		return;
	}
	chars = text_utf8_chars(e->s, e->len);
	if (chars <= SHORT_MAX)
		add(l, LINT_SHORT_WORD, e->line, 0, "%s '%s' of %s is only %zu "
		    "character%s: it matches wherever it stands alone in a "
		    "message (initials, abbreviations, addresses)", what(e),
		    e->s, who_buf, chars, chars == 1 ? "" : "s");
	else if (is_common(e->s, e->len))
		add(l, LINT_COMMON_WORD, e->line, 0, "%s '%s' of %s is a very "
		    "common word in messages: it matches most complaints that "
		    "contain it, whatever they are about", what(e), e->s,
		    who_buf);
}

/*
 * A phrase's words that are words of another rule (a note: the phrase is
 * an exception the operator made on purpose, usually) or of a region (a
 * warning: the phrase consumes the place name).
 */
static void
check_phrase_words(struct lint *l, const struct went *p)
{
	const struct went *e, *hit[PHRASE_MAX] = { NULL, NULL, NULL };
	const char *part[PHRASE_MAX];
	size_t plen[PHRASE_MAX], i, k, np, nhit = 0;
	char a[WORD_MAX + 64], b[WORD_MAX + 64], own[WORD_MAX + 16];

	np = split(p, part, plen);
	who(l, p, own, sizeof(own));
	for (i = 0; i < np; i++) {
		for (k = singles_from(l, part[i], plen[i]); k < l->nsingles;
		    k++) {
			e = l->singles[k];
			if (cmp_mem(e->s, e->len, part[i], plen[i]) != 0)
				break;
			if (same_target(e, p))
				continue;
			if (e->role == ROLE_REGION)
				add(l, LINT_PHRASE_REGION, p->line, e->line,
				    "phrase '%s' of %s contains '%s', a word of "
				    "region %s (line %d): the phrase consumes it, "
				    "so a complaint naming the place only there "
				    "gets no region and no regional agency", p->s,
				    own, e->s, l->c->regions[e->owner].id,
				    e->line);
			else if (hit[nhit] == NULL)
				hit[nhit] = e;
		}
		if (hit[nhit] != NULL)
			nhit++;
	}
	if (nhit >= 2)
		add(l, LINT_PHRASE_SHARES, p->line, hit[0]->line, "phrase '%s' "
		    "of %s joins '%s', %s (line %d), and '%s', %s (line %d)%s: "
		    "only the %s together, in this order and spelt exactly, "
		    "reach %s", p->s, own, hit[0]->s,
		    role_of(l, hit[0], a, sizeof(a)), hit[0]->line, hit[1]->s,
		    role_of(l, hit[1], b, sizeof(b)), hit[1]->line,
		    nhit > 2 ? " and more" : "", np == 2 ? "two" : "words", own);
	else if (nhit == 1) {
		e = hit[0];
		add(l, LINT_PHRASE_SHARES, p->line, e->line, "phrase '%s' of %s "
		    "contains '%s', %s (line %d): the phrase wins only as these "
		    "%s words in this order, spelt exactly; otherwise '%s' "
		    "counts for %s", p->s, own, e->s, role_of(l, e, a, sizeof(a)),
		    e->line, np == 2 ? "two" : "three", e->s,
		    who(l, e, b, sizeof(b)));
	}
}

/*
 * The single rule word (not a region's) w[0..len) is, or NULL; check
 * makes a word mean one thing, so the first one found is the one.
 */
static const struct went *
rule_word(const struct lint *l, const char *w, size_t len)
{
	const struct went *e;
	size_t k;

	for (k = singles_from(l, w, len); k < l->nsingles; k++) {
		e = l->singles[k];
		if (cmp_mem(e->s, e->len, w, len) != 0)
			break;
		if (e->role != ROLE_REGION)
			return e;
	}
	return NULL;
}

/*
 * 1 when some rule has the phrase w (w[len] is its NUL), as a word or in
 * its unless list: either way the phrase takes its words.
 */
static int
is_phrase(const struct lint *l, const char *w, size_t len, size_t sp)
{
	const struct went *e;
	size_t k;

	if (l->nunless > 0 && bsearch(&w, l->unless, l->nunless,
	    sizeof(*l->unless), str_cmp) != NULL)
		return 1;
	for (k = phrases_from(l, w, sp); k < l->nphrases; k++) {
		e = l->phrases[k];
		if (cmp_mem(e->s, e->sp, w, sp) != 0)
			break;
		if (cmp_mem(e->s, e->len, w, len) == 0)
			return 1;
	}
	return 0;
}

/*
 * Two-word phrase "X Y" of rule A holding a word of another rule B: in
 * the other order, "Y X", no phrase decides (unless one is configured),
 * and the words vote.  When B gets more of them than any other rule (A
 * included) the message goes to B; when they tie (A has the other word,
 * or a third rule does) it goes to triage, which is fine.  "MATI LAMPU"
 * of LISTRIK and the word LAMPU of PJU: "lampu mati" goes to PJU.  A note:
 * whether the other order means the same is for the operator to judge.
 */
static void
check_phrase_order(struct lint *l, const struct went *p)
{
	const struct went *x, *y, *b;
	const char *part[PHRASE_MAX];
	size_t plen[PHRASE_MAX], len;
	char rev[WORD_MAX], a[WORD_MAX + 64], own[WORD_MAX + 16];
	char bw[WORD_MAX + 16];

	if (split(p, part, plen) != 2)
		return;
	x = rule_word(l, part[0], plen[0]);
	y = rule_word(l, part[1], plen[1]);
	if (x != NULL && y != NULL && !same_target(x, y))
		return;		/* one each: a tie, triage */
	b = y != NULL ? y : x;
	if (b == NULL || same_target(b, p))
		return;
	if ((x != NULL && same_target(x, p)) || (y != NULL && same_target(y, p)))
		return;
	len = (size_t)snprintf(rev, sizeof(rev), "%.*s %.*s", (int)plen[1],
	    part[1], (int)plen[0], part[0]);
	if (len >= sizeof(rev) || is_phrase(l, rev, len, plen[1]))
		return;
	who(l, p, own, sizeof(own));
	add(l, LINT_PHRASE_ORDER, p->line, b->line, "phrase '%s' of %s: in the "
	    "other order, '%s', no phrase decides and '%s', %s (line %d), "
	    "takes the message to %s; if it means the same, add '%s' to %s",
	    p->s, own, rev, b->s, role_of(l, b, a, sizeof(a)), b->line,
	    who(l, b, bw, sizeof(bw)), rev, own);
}

/*
 * Phrase p1 "A B" and phrases "B C" of other rules: the scan goes left to
 * right and a phrase consumes its words, so in "A B C" the second never
 * matches.  Reported at the phrase that loses.
 */
static void
check_phrase_chain(struct lint *l, const struct went *p1)
{
	const struct went *p2;
	const char *w1[PHRASE_MAX], *w2[PHRASE_MAX], *shared, *rest;
	size_t l1[PHRASE_MAX], l2[PHRASE_MAX], n1, n2, k, j, m, q;
	char a[WORD_MAX + 16], b[WORD_MAX + 16];

	n1 = split(p1, w1, l1);
	/* Each later word of p1 may start another rule's phrase. */
	for (k = 1; k < n1; k++) {
		for (q = phrases_from(l, w1[k], l1[k]); q < l->nphrases; q++) {
			p2 = l->phrases[q];
			if (cmp_mem(p2->s, p2->sp, w1[k], l1[k]) != 0)
				break;
			if (same_target(p1, p2))
				continue;
			n2 = split(p2, w2, l2);
			/* p2 must run past p1's end: else p1 simply holds it. */
			if (n2 <= n1 - k)
				continue;
			for (m = 1; m < n1 - k; m++)
				if (cmp_mem(w2[m], l2[m], w1[k + m], l1[k + m]) != 0)
					break;
			if (m < n1 - k)
				continue;
			shared = w1[k];
			rest = w2[n1 - k];
			j = (size_t)(w1[k] - p1->s);	/* p1's words before */
			add(l, LINT_PHRASE_CHAIN, p2->line, p1->line, "phrase '%s' "
			    "of %s overlaps '%s' of %s (line %d): in '%.*s%s' the "
			    "first phrase takes '%.*s', and '%s' is read on its "
			    "own", p2->s, who(l, p2, a, sizeof(a)), p1->s,
			    who(l, p1, b, sizeof(b)), p1->line, (int)j, p1->s,
			    p2->s, (int)(p1->len - (size_t)(shared - p1->s)),
			    shared, rest);
		}
	}
}

static int
dkey_cmp(const void *pa, const void *pb)
{
	const struct dkey *a = pa, *b = pb;

	if (a->h != b->h)
		return a->h < b->h ? -1 : 1;
	if (a->w != b->w)
		return a->w < b->w ? -1 : 1;
	return 0;
}

static int
wpair_cmp(const void *pa, const void *pb)
{
	const struct wpair *a = pa, *b = pb;

	if (a->a != b->a)
		return a->a < b->a ? -1 : 1;
	if (a->b != b->b)
		return a->b < b->b ? -1 : 1;
	return 0;
}

/* Worth a look: a typo of one would be tried against the other. */
static int
typo_relevant(const struct went *a, const struct went *b)
{
	if (a->role == ROLE_COMMON && b->role == ROLE_COMMON)
		return 0;
	if (same_target(a, b))
		return 0;
	return (tolerant(a) && typo_capable(b)) ||
	    (tolerant(b) && typo_capable(a));
}

/*
 * Every pair of words (indices a < b) one edit apart that matters for
 * typo matching, sorted, each once.  *np gets the count.
 */
static struct wpair *
typo_pairs(const struct lint *l, size_t *np)
{
	const struct went *e;
	struct dkey *k;
	struct wpair *p = NULL;
	size_t nk = 0, i, j, x, y, pos, n = 0, sz = 0, u;

	for (i = 0; i < l->nw; i++) {
		e = &l->w[i];
		if (e->sp == 0 && e->len >= TYPO_MSG_MIN && e->len < WORD_MAX)
			nk += e->len + 1;
	}
	*np = 0;
	if (nk == 0)
		return NULL;
	k = xcalloc(nk, sizeof(*k));
	nk = 0;
	for (i = 0; i < l->nw; i++) {
		e = &l->w[i];
		if (e->sp != 0 || e->len < TYPO_MSG_MIN || e->len >= WORD_MAX)
			continue;
		for (pos = 0; pos <= e->len; pos++) {
			k[nk].h = route_hash_skip(e->s, e->len, pos);
			k[nk].w = (uint32_t)i;
			nk++;
		}
	}
	qsort(k, nk, sizeof(*k), dkey_cmp);
	/*
	 * One run per key (a hash collision merely adds candidates that
	 * one_edit() turns down).  Within a run the words are sorted and a
	 * word's duplicate keys ("JALLAN" minus either L) are adjacent.
	 */
	for (i = 0; i < nk; i = j) {
		for (j = i + 1; j < nk && k[j].h == k[i].h; j++)
			;
		for (x = i; x < j; x++) {
			if (x > i && k[x].w == k[x - 1].w)
				continue;
			for (y = x + 1; y < j; y++) {
				if (k[y].w == k[y - 1].w)
					continue;
				if (!typo_relevant(&l->w[k[x].w], &l->w[k[y].w]) ||
				    !one_edit(l->w[k[x].w].s, l->w[k[x].w].len,
				    l->w[k[y].w].s, l->w[k[y].w].len))
					continue;
				if (n == sz) {
					sz = sz ? 2 * sz : 16;
					p = xrealloc(p, sz * sizeof(*p));
				}
				p[n].a = k[x].w;
				p[n].b = k[y].w;
				n++;
			}
		}
	}
	free(k);
	/* A swap shares two keys: the same pair may be listed twice. */
	if (n > 1)
		qsort(p, n, sizeof(*p), wpair_cmp);
	for (i = 0, u = 0; i < n; i++)
		if (u == 0 || wpair_cmp(&p[i], &p[u - 1]) != 0)
			p[u++] = p[i];
	*np = u;
	return p;
}

/* A citizen typing x, one letter off y, reaches x's target, not y's. */
static int
captures(const struct went *x, const struct went *y)
{
	return tolerant(y) && typo_capable(x);
}

static void
report_capture(struct lint *l, const struct went *x, const struct went *y)
{
	char a[WORD_MAX + 16], b[WORD_MAX + 16];

	who(l, x, a, sizeof(a));
	if (x->role == ROLE_REGION)
		add(l, LINT_TYPO_CAPTURE, x->line, y->line, "%s '%s' of %s is "
		    "one letter off %s '%s' of %s (line %d): a citizen "
		    "misspelling %s this way names %s instead", what(x), x->s, a,
		    what(y), y->s, who(l, y, b, sizeof(b)), y->line, y->s, a);
	else
		add(l, LINT_TYPO_CAPTURE, x->line, y->line, "%s '%s' of %s is "
		    "one letter off %s '%s' of %s (line %d): a citizen "
		    "misspelling %s this way reaches %s", what(x), x->s, a,
		    what(y), y->s, who(l, y, b, sizeof(b)), y->line, y->s, a);
}

/* Both tolerant: reported once, at the later line, naming the earlier. */
static void
report_pair(struct lint *l, const struct went *x, const struct went *y)
{
	const struct went *t;
	char a[WORD_MAX + 16], b[WORD_MAX + 16];

	if (x->line < y->line) {
		t = x;
		x = y;
		y = t;
	}
	add(l, LINT_TYPO_PAIR, x->line, y->line, "%s '%s' of %s and %s '%s' of "
	    "%s (line %d) are one letter apart: a citizen mistyping one as the "
	    "other reaches the wrong one, and misspellings one letter off both "
	    "are ignored as ambiguous", what(x), x->s, who(l, x, a, sizeof(a)),
	    what(y), y->s, who(l, y, b, sizeof(b)), y->line);
}

static void
check_typos(struct lint *l)
{
	const struct went *x, *y;
	struct wpair *p;
	size_t n, i;
	int xy, yx;

	p = typo_pairs(l, &n);
	for (i = 0; i < n; i++) {
		x = &l->w[p[i].a];
		y = &l->w[p[i].b];
		if (x->role == ROLE_COMMON || y->role == ROLE_COMMON)
			continue;
		xy = captures(x, y);
		yx = captures(y, x);
		if (xy && yx)
			report_pair(l, x, y);
		else if (xy)
			report_capture(l, x, y);
		else if (yx)
			report_capture(l, y, x);
	}
	/*
	 * A common word one letter off a tolerant word is no finding: the
	 * router never reads a common word as a typo (route_common_word()).
	 */
	free(p);
}

static void
check_agencies(struct lint *l)
{
	const struct conf *c = l->c;
	const struct conf_agency *a;
	unsigned char *used = xcalloc(c->nagencies, 1);
	size_t i, j;

	used[c->triage] = 1;
	for (i = 0; i < c->nrules; i++) {
		used[c->rules[i].agency] = 1;
		for (j = 0; j < c->rules[i].nregional; j++)
			used[c->rules[i].regional[j].agency] = 1;
	}
	for (i = 0; i < c->nagencies; i++) {
		a = &c->agencies[i];
		if (!used[i])
			add(l, LINT_AGENCY_UNUSED, a->line, 0, "agency '%s'%s%s%s "
			    "is never reached: no rule, regional entry or triage "
			    "names it", a->id, a->name != NULL ? " (" : "",
			    a->name != NULL ? a->name : "",
			    a->name != NULL ? ")" : "");
	}
	free(used);
}

static int
has_regional(const struct conf_rule *r, size_t g)
{
	size_t j;

	for (j = 0; j < r->nregional; j++)
		if (r->regional[j].region == g)
			return 1;
	return 0;
}

/*
 * Per region, the rules without a regional agency for it: they keep their
 * own agency there, which may well be intended, hence a note.  Counting is
 * one pass over the regional entries; listing stops when the message is
 * full.
 */
static void
check_regions(struct lint *l)
{
	const struct conf *c = l->c;
	const struct conf_rule *r;
	size_t *have, *last, i, j, g, missing, shown, len, need;
	char buf[sizeof(((struct lint_finding *)0)->msg)];
	int n;

	for (i = 0; i < c->nrules; i++) {
		r = &c->rules[i];
		for (j = 0; j < r->nregional; j++)
			if (r->regional[j].agency == r->agency)
				add(l, LINT_REGIONAL_SAME, r->line, 0, "rule %s: the "
				    "regional agency for region %s is %s, the "
				    "rule's own: the entry changes nothing",
				    r->keyword,
				    c->regions[r->regional[j].region].id,
				    c->agencies[r->agency].id);
	}
	if (c->nregions == 0 || c->nrules == 0)
		return;
	have = xcalloc(c->nregions, sizeof(*have));
	last = xcalloc(c->nregions, sizeof(*last));
	for (i = 0; i < c->nrules; i++)
		for (j = 0; j < c->rules[i].nregional; j++) {
			g = c->rules[i].regional[j].region;
			if (last[g] != i + 1) {
				last[g] = i + 1;
				have[g]++;
			}
		}
	for (g = 0; g < c->nregions; g++) {
		missing = c->nrules - have[g];
		if (missing == 0)
			continue;
		if (have[g] == 0) {
			add(l, LINT_REGION_FALLBACK, c->regions[g].line, 0,
			    "region %s: no rule has a regional agency for it; its "
			    "words only mark where a complaint comes from",
			    c->regions[g].id);
			continue;
		}
		n = snprintf(buf, sizeof(buf), "region %s: %zu of %zu rules have "
		    "no regional agency for it and keep their own: ",
		    c->regions[g].id, missing, c->nrules);
		len = n < 0 ? 0 : (size_t)n < sizeof(buf) ? (size_t)n :
		    sizeof(buf) - 1;
		buf[len] = '\0';
		for (i = 0, shown = 0; i < c->nrules; i++) {
			r = &c->rules[i];
			if (has_regional(r, g))
				continue;
			need = (shown > 0 ? 2 : 0) + strlen(r->keyword);
			/* Room for ", ... and 12345 more" unless it is the last. */
			if (len + need + (shown + 1 < missing ? 24 : 0) >=
			    sizeof(buf))
				break;
			n = snprintf(buf + len, sizeof(buf) - len, "%s%s",
			    shown > 0 ? ", " : "", r->keyword);
			len += (size_t)n;
			shown++;
		}
		if (shown < missing)
			(void)snprintf(buf + len, sizeof(buf) - len, "%s and %zu "
			    "more", shown > 0 ? "," : "", missing - shown);
		add(l, LINT_REGION_FALLBACK, c->regions[g].line, 0, "%s", buf);
	}
	free(have);
	free(last);
}

static int
finding_cmp(const void *pa, const void *pb)
{
	const struct lint_finding *a = pa, *b = pb;
	int r;

	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if ((r = strcmp(a->msg, b->msg)) != 0)
		return r;
	if (a->line2 != b->line2)
		return a->line2 < b->line2 ? -1 : 1;
	return 0;
}

/* A configured single word and its stem (check_stems). */
struct wstem {
	char s[WORD_MAX];
	size_t len;
	const struct went *e;
};

static int
wstem_cmp(const void *pa, const void *pb)
{
	const struct wstem *a = pa, *b = pb;
	int r = strcmp(a->s, b->s);

	if (r != 0)
		return r;
	return a->e < b->e ? -1 : a->e > b->e;
}

/*
 * With routing.stemming, as route_build() indexes stems: a single word
 * whose stem is a common word is never matched by it; words of different
 * rules or regions that share a stem make that stem ambiguous.
 */
static void
check_stems(struct lint *l)
{
	struct stemmer *st;
	struct wstem *ws;
	const struct went *e, *o;
	char err[256], b1[WORD_MAX + 16], b2[WORD_MAX + 16];
	size_t i, j, n = 0;

	if (!l->c->routing_stemming)
		return;
	st = stem_open(l->c->routing_dictionary, err, sizeof(err));
	ws = xcalloc(l->nsingles > 0 ? l->nsingles : 1, sizeof(*ws));
	for (i = 0; i < l->nsingles; i++) {
		e = l->singles[i];
		ws[n].len = stem_word(st, e->s, e->len, ws[n].s, WORD_MAX, NULL);
		if (ws[n].len < STEM_MIN)
			continue;
		if (is_common(ws[n].s, ws[n].len)) {
			if (ws[n].len != e->len || memcmp(ws[n].s, e->s, e->len) != 0)
				add(l, LINT_STEM_COMMON, e->line, 0, "%s '%s' of %s "
				    "has the stem %s, a very common word: routing "
				    "never matches it by its stem", what(e), e->s,
				    who(l, e, b1, sizeof(b1)), ws[n].s);
			continue;
		}
		ws[n++].e = e;
	}
	qsort(ws, n, sizeof(*ws), wstem_cmp);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && strcmp(ws[j].s, ws[i].s) == 0; j++) {
			e = ws[j].e;
			o = ws[i].e;
			if (same_target(e, o))
				continue;
			add(l, LINT_STEM_COLLIDES, e->line, o->line, "%s '%s' of "
			    "%s and %s '%s' of %s share the stem %s: a message "
			    "word with that stem, spelt as neither, is ignored "
			    "(ambiguous)", what(e), e->s, who(l, e, b1, sizeof(b1)),
			    what(o), o->s, who(l, o, b2, sizeof(b2)), ws[i].s);
		}
	}
	free(ws);
	stem_close(st);
}

int
lint_run(const struct conf *c,
    void (*emit)(void *arg, const struct lint_finding *f), void *arg)
{
	struct lint l;
	size_t i;

	if (!usable(c))
		return -1;
	memset(&l, 0, sizeof(l));
	l.c = c;
	collect(&l);
	for (i = 0; i < l.nw; i++)
		check_word(&l, &l.w[i]);
	for (i = 0; i < l.nphrases; i++) {
		check_phrase_words(&l, l.phrases[i]);
		check_phrase_order(&l, l.phrases[i]);
		check_phrase_chain(&l, l.phrases[i]);
	}
	check_typos(&l);
	check_agencies(&l);
	check_regions(&l);
	check_stems(&l);

	if (l.nf > 1)
		qsort(l.f, l.nf, sizeof(*l.f), finding_cmp);
	if (emit != NULL)
		for (i = 0; i < l.nf; i++)
			emit(arg, &l.f[i]);
	free(l.f);
	free(l.w);
	free(l.singles);
	free(l.phrases);
	free(l.unless);
	return l.warnings;
}
