/*
 * conf/rules.c: the routing words of the config, what routing's tables
 * are built from: regions (their keywords), rules (keyword, aliases,
 * English aliases, agency, label, regional agencies, the unless list of
 * words that rule the rule out) and the triage agency that gets what no
 * rule matches.
 *
 * Each word is folded here exactly as routing folds the words of a
 * message (text_fold_word()), so what the operator wrote is what routing
 * compares.  Every word is collected as it is loaded; rules_check_words() then
 * refuses a word that means two things or is a command word, whatever
 * the number of rules (one sort).  Part of the loader (conf_int.h).
 */
#include "conf/conf.h"
#include "conf/conf_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sms/text.h"
#include "util/util.h"

/* A folded keyword or phrase, NUL included; route_decision.keyword is 64. */
#define WORD_MAX        64
#define PHRASE_MAX      3       /* words in a phrase (routing/route.c) */

/*
 * The first word of a message is checked against these before routing
 * sees it (sms/parse.h), so a rule word among them could never route a
 * complaint that starts with it.
 */
static const char *const command_words[] = {
	"STATUS", "CEK", "TAMBAH", "ADD", "BATAL", "CANCEL", "INFO", "BANTUAN",
	"HELP", "STOP", "BERHENTI", "UNREG", "MULAI", "START", "LAPOR", "ADUAN", "REPORT",
	"BAHASA", "LANGUAGE"
};

static const char *const region_keys[] = { "id", "name", "keywords", NULL };
static const char *const rule_keys[] = {
	"keyword", "aliases", "aliases_en", "agency", "label", "regional",
	"unless", "weak", "attributes", NULL
};
static const char *const label_keys[] = { "id", "en", NULL };
static const char *const regional_keys[] = { "region", "agency", NULL };

/* Every rule and region word, to find the ones that collide. */
/* W_ROUTING: a routing.outside, directions or thanks word, not registered. */
enum wkind { W_KEYWORD, W_ALIAS, W_ALIAS_EN, W_REGION, W_UNLESS, W_ROUTING };

struct word {
	const char      *w;             /* folded, owned by the conf */
	enum wkind       kind;
	size_t           owner;         /* rule or region index */
	int              line;
	const char      *file;          /* @include'd file, or NULL */
	size_t           seq;           /* keeps qsort stable */
};

void
rules_load_triage(struct loader *ld, const config_t *cfg)
{
	config_setting_t *s;
	const char *v;
	long a;

	v = conf_member_string(ld, config_root_setting(cfg), "triage", "triage", 0, &s);
	if (s == NULL) {
		conf_err_line(ld, 0, "triage: missing; name the agency that receives the "
		    "complaints no rule matches, e.g. triage = \"diskominfo\";");
		return;
	}
	if (v == NULL)
		return;
	if ((a = conf_agency_find(ld->c, v)) == -1) {
		/* A missing agency list was reported already. */
		if (ld->c->nagencies > 0)
			conf_err_at(ld, s, "triage: unknown agency '%s'", v);
		return;
	}
	ld->c->triage = (size_t)a;
}

struct fold_words {
	size_t           off[PHRASE_MAX], len[PHRASE_MAX];
	size_t           n;
};

static int
fold_collect(void *arg, size_t off, size_t len)
{
	struct fold_words *fw = arg;

	if (fw->n < ARRAY_LEN(fw->off)) {
		fw->off[fw->n] = off;
		fw->len[fw->n] = len;
	}
	fw->n++;
	return 0;
}

/*
 * Folds a configured word (maxwords 1) or phrase (maxwords PHRASE_MAX)
 * exactly as routing folds the words of a message, words joined by one
 * space.
 * Returns 0, or -1 with the reason in *why.
 */
static int
fold_phrase(const char *s, size_t maxwords, char *out, size_t outsz,
    const char **why)
{
	struct fold_words fw;
	char w[WORD_MAX];
	size_t i, o = 0;
	long n;

	memset(&fw, 0, sizeof(fw));
	(void)text_words(s, strlen(s), fold_collect, &fw);
	if (fw.n == 0) {
		*why = "is empty";
		return -1;
	}
	if (fw.n > maxwords) {
		*why = maxwords == 1 ? "must be a single word" :
		    "has more than three words; a phrase has at most three "
		    "words";
		return -1;
	}
	for (i = 0; i < fw.n; i++) {
		n = text_fold_word(s + fw.off[i], fw.len[i], w, sizeof(w));
		if (n == -1 || o + (i > 0) + (size_t)n + 1 > outsz) {
			*why = "is too long (at most 63 characters)";
			return -1;
		}
		if (n == 0) {
			*why = "has no letters or digits, so it can never match";
			return -1;
		}
		if (memchr(w, '#', (size_t)n) != NULL) {
			*why = "contains '#', which separates the parts of a "
			    "structured complaint";
			return -1;
		}
		if (i > 0)
			out[o++] = ' ';
		memcpy(out + o, w, (size_t)n);
		o += (size_t)n;
	}
	out[o] = '\0';
	return 0;
}

static void
word_add(struct loader *ld, const char *w, enum wkind kind, size_t owner,
    const config_setting_t *s)
{
	if (ld->nwords == ld->wordsz) {
		ld->wordsz = ld->wordsz ? ld->wordsz * 2 : 64;
		ld->words = xrealloc(ld->words, ld->wordsz * sizeof(*ld->words));
	}
	ld->words[ld->nwords].w = w;
	ld->words[ld->nwords].kind = kind;
	ld->words[ld->nwords].owner = owner;
	ld->words[ld->nwords].line = conf_line_of(s);
	ld->words[ld->nwords].file = config_setting_source_file(s);
	ld->words[ld->nwords].seq = ld->nwords;
	ld->nwords++;
}

/*
 * Folds the strings of an array or list s into a new array (*out, *nout),
 * reporting each bad one; the good ones are registered as words.
 */
static void
load_words(struct loader *ld, const config_setting_t *s, const char *where,
    const char *what, size_t maxwords, enum wkind kind, size_t owner,
    char ***out, size_t *nout)
{
	char folded[WORD_MAX];
	const char *v, *why;
	size_t i, n;

	*out = NULL;
	*nout = 0;
	if (!config_setting_is_array(s) && !config_setting_is_list(s)) {
		conf_err_at(ld, s, "%s: %s must be an array [ \"...\", \"...\" ], not %s",
		    where, what, conf_type_name(s));
		return;
	}
	n = (size_t)config_setting_length(s);
	*out = xcalloc(n, sizeof(**out));
	for (i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);

		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			conf_err_at(ld, e, "%s: %s must be strings in double quotes, not "
			    "%s", where, what, conf_type_name(e));
			continue;
		}
		v = config_setting_get_string(e);
		if (!text_utf8_valid(v, strlen(v))) {
			conf_err_at(ld, e, "%s: %s: a word is not valid UTF-8; save the "
			    "file as UTF-8", where, what);
			continue;
		}
		if (fold_phrase(v, maxwords, folded, sizeof(folded), &why) == -1) {
			conf_err_at(ld, e, "%s: %s: '%.60s' %s", where, what, v, why);
			continue;
		}
		(*out)[*nout] = xstrdup(folded);
		if (kind != W_ROUTING)
			word_add(ld, (*out)[*nout], kind, owner, e);
		(*nout)++;
	}
}

static int
rule_has_word(const struct conf_rule *r, const char *w)
{
	size_t i;

	if (r->keyword != NULL && strcmp(r->keyword, w) == 0)
		return 1;
	for (i = 0; i < r->naliases; i++)
		if (strcmp(r->aliases[i], w) == 0)
			return 1;
	for (i = 0; i < r->naliases_en; i++)
		if (strcmp(r->aliases_en[i], w) == 0)
			return 1;
	return 0;
}

/*
 * weak = [ ... ]: words of the rule itself (keyword or aliases, read
 * before) that count only when no other rule's word is found.
 */
static void
load_weak(struct loader *ld, const config_setting_t *s, const char *where,
    struct conf_rule *r)
{
	char folded[WORD_MAX];
	const char *v, *why;
	size_t i, n;

	if (!config_setting_is_array(s) && !config_setting_is_list(s)) {
		conf_err_at(ld, s, "%s: weak must be an array [ \"...\", \"...\" ], not %s",
		    where, conf_type_name(s));
		return;
	}
	n = (size_t)config_setting_length(s);
	r->weak = xcalloc(n > 0 ? n : 1, sizeof(*r->weak));
	for (i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);

		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			conf_err_at(ld, e, "%s: weak must be strings in double quotes, not "
			    "%s", where, conf_type_name(e));
			continue;
		}
		v = config_setting_get_string(e);
		if (!text_utf8_valid(v, strlen(v)) ||
		    fold_phrase(v, PHRASE_MAX, folded, sizeof(folded), &why) == -1 ||
		    !rule_has_word(r, folded)) {
			conf_err_at(ld, e, "%s: weak word '%.60s' is not the keyword or "
			    "an alias of this rule (a weak word is one of the rule's "
			    "own words)", where, v);
			continue;
		}
		r->weak[r->nweak++] = xstrdup(folded);
	}
}

/*
 * routing = { outside = [ ... ]; directions = [ ... ]; thanks = [ ... ]; }:
 * words and phrases the router reads before any rule (routing/route.h).
 * Whether an outside word is also a rule's word is route_build's check.
 */
void
rules_load_routing(struct loader *ld, const config_t *cfg)
{
	struct conf *c = ld->c;
	config_setting_t *g, *s;

	if ((g = config_lookup(cfg, "routing")) == NULL ||
	    !config_setting_is_group(g))
		return;
	if ((s = config_setting_get_member(g, "outside")) != NULL)
		load_words(ld, s, "routing", "outside", PHRASE_MAX, W_ROUTING, 0,
		    &c->routing_outside, &c->nrouting_outside);
	if ((s = config_setting_get_member(g, "directions")) != NULL)
		load_words(ld, s, "routing", "directions", 1, W_ROUTING, 0,
		    &c->routing_directions, &c->nrouting_directions);
	if ((s = config_setting_get_member(g, "thanks")) != NULL)
		load_words(ld, s, "routing", "thanks", PHRASE_MAX, W_ROUTING, 0,
		    &c->routing_thanks, &c->nrouting_thanks);
}

void
rules_load_regions(struct loader *ld, const config_t *cfg)
{
	struct conf *c = ld->c;
	config_setting_t *list, *e, *s;
	const char *v;
	char where[64];
	size_t i, j, n;

	list = conf_top_list(ld, cfg, "regions", 0,
	    "{ id = \"ambarawa\"; name = \"...\"; keywords = [ \"AMBARAWA\" ]; }");
	if (list == NULL)
		return;
	n = (size_t)config_setting_length(list);
	c->regions = xcalloc(n, sizeof(*c->regions));
	c->nregions = n;
	for (i = 0; i < n; i++) {
		struct conf_region *r = &c->regions[i];

		e = config_setting_get_elem(list, (unsigned)i);
		r->line = conf_line_of(e);
		(void)snprintf(where, sizeof(where), "region #%zu", i + 1);
		if (!config_setting_is_group(e)) {
			conf_err_at(ld, e, "%s: must be a group { id = ...; name = ...; "
			    "keywords = [ ... ]; }, not %s", where, conf_type_name(e));
			continue;
		}
		if ((v = conf_member_string(ld, e, "id", where, 1, &s)) != NULL) {
			r->id = xstrdup(v);
			if (!conf_valid_id(v))
				conf_err_at(ld, s, "%s: id '%.40s' must be 1 to %d of a-z, "
				    "0-9, '_' and '-'", where, v, ID_MAX);
			else {
				for (j = 0; j < i; j++)
					if (c->regions[j].id != NULL &&
					    strcmp(c->regions[j].id, v) == 0)
						break;
				if (j < i)
					conf_err_at(ld, s, "%s: id '%s' is already used by "
					    "the region at line %d", where, v,
					    c->regions[j].line);
				(void)snprintf(where, sizeof(where), "region %s", v);
			}
		}
		conf_check_members(ld, e, where, region_keys, conf_count_keys(region_keys));
		if ((v = conf_member_string(ld, e, "name", where, 1, &s)) != NULL) {
			r->name = xstrdup(v);
			if (*v == '\0')
				conf_err_at(ld, s, "%s: name must not be empty", where);
		}
		if ((s = config_setting_get_member(e, "keywords")) == NULL) {
			conf_err_at(ld, e, "%s: keywords is missing", where);
			continue;
		}
		load_words(ld, s, where, "keywords", 1, W_REGION, i, &r->keywords,
		    &r->nkeywords);
		if (config_setting_is_aggregate(s) && config_setting_length(s) == 0)
			conf_err_at(ld, s, "%s: keywords is empty; list the words (town, "
			    "district) that name this region", where);
	}
}

static long
region_find(const struct conf *c, const char *id)
{
	size_t i;

	for (i = 0; i < c->nregions; i++)
		if (c->regions[i].id != NULL && strcmp(c->regions[i].id, id) == 0)
			return (long)i;
	return -1;
}

static void
rule_where(const struct conf *c, size_t i, char *buf, size_t bufsz)
{
	if (i < c->nrules && c->rules[i].keyword != NULL)
		(void)snprintf(buf, bufsz, "rule %s", c->rules[i].keyword);
	else
		(void)snprintf(buf, bufsz, "rule #%zu", i + 1);
}

static void
load_label(struct loader *ld, const config_setting_t *e, const char *where,
    struct conf_rule *r)
{
	config_setting_t *l, *s;
	const char *v;
	int i;

	if ((l = config_setting_get_member(e, "label")) == NULL) {
		conf_err_at(ld, e, "%s: label is missing; write label = { id = \"...\"; "
		    "en = \"...\"; };", where);
		return;
	}
	if (!config_setting_is_group(l)) {
		conf_err_at(ld, l, "%s: label must be a group { id = \"...\"; en = \"...\"; "
		    "}, not %s", where, conf_type_name(l));
		return;
	}
	{
		char lwhere[WORD_MAX + 32];

		(void)snprintf(lwhere, sizeof(lwhere), "%s label", where);
		conf_check_members(ld, l, lwhere, label_keys, conf_count_keys(label_keys));
	}
	for (i = 0; i < LANG_N; i++) {
		char what[16];

		(void)snprintf(what, sizeof(what), "label.%s", lang_code((enum lang)i));
		v = conf_member_string(ld, l, lang_code((enum lang)i), where, 0, &s);
		if (s == NULL) {
			if (i == LANG_ID)
				conf_err_at(ld, l, "%s: label.id is missing", where);
			continue;
		}
		if (v == NULL)
			continue;
		r->label[i] = xstrdup(v);
		if (*v == '\0')
			conf_err_at(ld, s, "%s: %s must not be empty", where, what);
		else
			(void)conf_gsm_ok(ld, s, where, what, v);
	}
	/* A label without English is shown in Indonesian to everyone. */
	if (r->label[LANG_EN] == NULL && r->label[LANG_ID] != NULL)
		r->label[LANG_EN] = xstrdup(r->label[LANG_ID]);
}

static void
load_regional(struct loader *ld, const config_setting_t *e, const char *where,
    struct conf_rule *r)
{
	const struct conf *c = ld->c;
	config_setting_t *l, *g, *rs, *as;
	const char *region, *agency;
	char rwhere[WORD_MAX + 32];
	int *lines;
	long ri, ai;
	size_t i, j, n;

	if ((l = config_setting_get_member(e, "regional")) == NULL)
		return;
	if (!config_setting_is_list(l)) {
		conf_err_at(ld, l, "%s: regional must be a list ( { region = \"...\"; "
		    "agency = \"...\"; }, ... ), not %s", where, conf_type_name(l));
		return;
	}
	(void)snprintf(rwhere, sizeof(rwhere), "%s regional", where);
	n = (size_t)config_setting_length(l);
	r->regional = xcalloc(n, sizeof(*r->regional));
	lines = xcalloc(n, sizeof(*lines));
	for (i = 0; i < n; i++) {
		g = config_setting_get_elem(l, (unsigned)i);
		if (!config_setting_is_group(g)) {
			conf_err_at(ld, g, "%s: regional entries must be groups { region = "
			    "\"...\"; agency = \"...\"; }, not %s", where,
			    conf_type_name(g));
			continue;
		}
		conf_check_members(ld, g, rwhere, regional_keys,
		    conf_count_keys(regional_keys));
		region = conf_member_string(ld, g, "region", where, 1, &rs);
		agency = conf_member_string(ld, g, "agency", where, 1, &as);
		ri = ai = -1;
		if (region != NULL && (ri = region_find(c, region)) == -1)
			conf_err_at(ld, rs, "%s: regional: unknown region '%s'", where,
			    region);
		if (agency != NULL && (ai = conf_agency_find(c, agency)) == -1 &&
		    c->nagencies > 0)
			conf_err_at(ld, as, "%s: regional: unknown agency '%s'", where,
			    agency);
		if (ri == -1 || ai == -1)
			continue;
		for (j = 0; j < r->nregional; j++)
			if (r->regional[j].region == (size_t)ri)
				break;
		if (j < r->nregional) {
			conf_err_at(ld, rs, "%s: regional: region '%s' is given twice "
			    "(first at line %d)", where, region, lines[j]);
			continue;
		}
		lines[r->nregional] = conf_line_of(g);
		r->regional[r->nregional].region = (size_t)ri;
		r->regional[r->nregional].agency = (size_t)ai;
		r->nregional++;
	}
	free(lines);
}

void
rules_load_rules(struct loader *ld, const config_t *cfg)
{
	struct conf *c = ld->c;
	config_setting_t *list, *e, *s;
	char where[WORD_MAX + 16], folded[WORD_MAX];
	const char *v, *why;
	long a;
	size_t i, n;

	list = conf_top_list(ld, cfg, "rules", 1,
	    "{ keyword = \"JALAN\"; agency = \"dpupr\"; label = { id = \"...\"; }; }");
	if (list == NULL)
		return;
	n = (size_t)config_setting_length(list);
	c->rules = xcalloc(n, sizeof(*c->rules));
	c->nrules = n;
	for (i = 0; i < n; i++) {
		struct conf_rule *r = &c->rules[i];

		e = config_setting_get_elem(list, (unsigned)i);
		r->line = conf_line_of(e);
		rule_where(c, i, where, sizeof(where));
		if (!config_setting_is_group(e)) {
			conf_err_at(ld, e, "%s: must be a group { keyword = ...; agency = "
			    "...; label = ...; }, not %s", where, conf_type_name(e));
			continue;
		}
		if ((v = conf_member_string(ld, e, "keyword", where, 1, &s)) != NULL) {
			if (fold_phrase(v, PHRASE_MAX, folded, sizeof(folded),
			    &why) == -1)
				conf_err_at(ld, s, "%s: keyword '%.60s' %s", where, v, why);
			else {
				r->keyword = xstrdup(folded);
				word_add(ld, r->keyword, W_KEYWORD, i, s);
				rule_where(c, i, where, sizeof(where));
			}
		}
		conf_check_members(ld, e, where, rule_keys, conf_count_keys(rule_keys));
		if ((s = config_setting_get_member(e, "aliases")) != NULL)
			load_words(ld, s, where, "aliases", PHRASE_MAX, W_ALIAS,
			    i, &r->aliases, &r->naliases);
		if ((s = config_setting_get_member(e, "aliases_en")) != NULL)
			load_words(ld, s, where, "aliases_en", PHRASE_MAX,
			    W_ALIAS_EN, i, &r->aliases_en, &r->naliases_en);
		/* Words or phrases whose presence rules this rule out. */
		if ((s = config_setting_get_member(e, "unless")) != NULL) {
			load_words(ld, s, where, "unless", PHRASE_MAX, W_UNLESS,
			    i, &r->unless, &r->nunless);
			r->unless_line = conf_line_of(s);
		}
		if ((s = config_setting_get_member(e, "weak")) != NULL)
			load_weak(ld, s, where, r);
		if ((v = conf_member_string(ld, e, "agency", where, 1, &s)) != NULL) {
			if ((a = conf_agency_find(c, v)) != -1)
				r->agency = (size_t)a;
			else if (c->nagencies > 0)
				conf_err_at(ld, s, "%s: unknown agency '%s'", where, v);
		}
		load_label(ld, e, where, r);
		load_regional(ld, e, where, r);
		partners_load_attrs(ld, e, where, r);
	}
}

static int
same_file(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static int
word_cmp(const void *a, const void *b)
{
	const struct word *x = a, *y = b;
	int d = strcmp(x->w, y->w);

	if (d != 0)
		return d;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void
owner_name(const struct conf *c, const struct word *w, char *buf, size_t bufsz)
{
	if (w->kind != W_REGION)
		rule_where(c, w->owner, buf, bufsz);
	else if (c->regions[w->owner].id != NULL)
		(void)snprintf(buf, bufsz, "region %s", c->regions[w->owner].id);
	else
		(void)snprintf(buf, bufsz, "region #%zu", w->owner + 1);
}

/* "line 12", or "line 12 of rules.conf" when a is in another file than b. */
static void
first_line(const struct loader *ld, const struct word *a, const struct word *b,
    char *buf, size_t bufsz)
{
	if (same_file(a->file, b->file))
		(void)snprintf(buf, bufsz, "line %d", a->line);
	else
		(void)snprintf(buf, bufsz, "line %d of %s", a->line,
		    a->file != NULL ? a->file : ld->c->path);
}

static int
owner_cmp(const void *pa, const void *pb)
{
	const struct word *x = *(const struct word *const *)pa;
	const struct word *y = *(const struct word *const *)pb;

	if (x->owner != y->owner)
		return x->owner < y->owner ? -1 : 1;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * The unless entries among words[start..end) (one text): an entry that is
 * also a word of its own rule is an error (the rule would match and rule
 * itself out with the same word), as is one given twice in a rule.  Of
 * another rule it is fine: the word counts for that rule and rules this
 * one out.  Sorting the run by rule keeps this O(n log n).
 */
static void
check_unless(struct loader *ld, size_t start, size_t end)
{
	const struct word **g, *u, *o;
	char here[WORD_MAX + 16], aline[96];
	size_t i, j, k, n = 0;
	int e;

	for (i = start; i < end && ld->words[i].kind != W_UNLESS; i++)
		;
	if (i == end)
		return;
	g = xcalloc(end - start, sizeof(*g));
	for (i = start; i < end; i++)
		if (ld->words[i].kind != W_REGION)
			g[n++] = &ld->words[i];
	qsort(g, n, sizeof(*g), owner_cmp);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && g[j]->owner == g[i]->owner; j++)
			;
		/* The rule's own word, else the first unless entry. */
		for (o = NULL, k = i; k < j && o == NULL; k++)
			if (g[k]->kind != W_UNLESS)
				o = g[k];
		for (k = i; k < j; k++) {
			u = g[k];
			if (u->kind != W_UNLESS)
				continue;
			if (o == NULL) {
				o = u;	/* the first: fine */
				continue;
			}
			rule_where(ld->c, u->owner, here, sizeof(here));
			first_line(ld, o, u, aline, sizeof(aline));
			e = ld->errs->n;
			if (o->kind == W_UNLESS)
				conf_err_line(ld, u->line, "%s: unless entry '%s' "
				    "(line %d) is given twice in this rule (first "
				    "at %s)", here, u->w, u->line, aline);
			else
				conf_err_line(ld, u->line, "%s: unless entry '%s' "
				    "(line %d) is also the %s of this rule (%s): "
				    "the rule would match and rule itself out "
				    "with the same words", here, u->w, u->line,
				    o->kind == W_KEYWORD ? "keyword" :
				    o->kind == W_ALIAS ? "alias" : "English alias",
				    aline);
			conf_note_file(ld, e, u->file);
		}
	}
	free(g);
}

/*
 * A word may mean one thing only: routing cannot choose between two rules
 * for the same word, and a region word that is also a rule word would both
 * route and localise.  Sorting makes this O(n log n) for any number of
 * rules.  Each later occurrence is reported against the first.
 */
void
rules_check_words(struct loader *ld)
{
	static const char *const kind_name[] = {
		[W_KEYWORD] = "keyword", [W_ALIAS] = "alias",
		[W_ALIAS_EN] = "English alias", [W_REGION] = "keyword",
		[W_UNLESS] = "unless entry"
	};
	const struct conf *c = ld->c;
	char here[WORD_MAX + 16], there[WORD_MAX + 16], aline[96];
	size_t i, first, start, end;
	int n;

	for (i = 0; i < ld->nwords; i++) {
		const struct word *w = &ld->words[i];

		if (w->kind == W_REGION || w->kind == W_UNLESS ||
		    strchr(w->w, ' ') != NULL ||
		    !conf_in_list(command_words, ARRAY_LEN(command_words), w->w))
			continue;
		owner_name(c, w, here, sizeof(here));
		n = ld->errs->n;
		conf_err_line(ld, w->line, "%s: %s '%s' is a command word; a message "
		    "starting with it is read as a command, never as a complaint",
		    here, kind_name[w->kind], w->w);
		conf_note_file(ld, n, w->file);
	}

	if (ld->nwords > 1)
		qsort(ld->words, ld->nwords, sizeof(*ld->words), word_cmp);
	for (start = 0; start < ld->nwords; start = end) {
		for (end = start + 1; end < ld->nwords &&
		    strcmp(ld->words[end].w, ld->words[start].w) == 0; end++)
			;
		check_unless(ld, start, end);
		/* An unless entry may be another rule's word: skipped here. */
		for (first = start; first < end &&
		    ld->words[first].kind == W_UNLESS; first++)
			;
		for (i = first + 1; i < end; i++) {
			const struct word *a, *b;

			if (ld->words[i].kind == W_UNLESS)
				continue;
			a = &ld->words[first];
			b = &ld->words[i];
			owner_name(c, b, here, sizeof(here));
			first_line(ld, a, b, aline, sizeof(aline));
			n = ld->errs->n;
			if ((a->kind == W_REGION) == (b->kind == W_REGION) &&
			    a->owner == b->owner)
				conf_err_line(ld, b->line, "%s: %s '%s' (line %d) is given twice "
				    "in this %s (first at %s)", here, kind_name[b->kind],
				    b->w, b->line, b->kind == W_REGION ? "region" : "rule",
				    aline);
			else {
				owner_name(c, a, there, sizeof(there));
				conf_err_line(ld, b->line, "%s: %s '%s' (line %d) is also in %s "
				    "(%s)", here, kind_name[b->kind], b->w, b->line,
				    there, aline);
			}
			conf_note_file(ld, n, b->file);
		}
	}
}

int
rules_command_word(const char *w)
{
	return conf_in_list(command_words, ARRAY_LEN(command_words), w);
}
