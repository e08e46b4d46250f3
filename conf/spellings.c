/*
 * spellings: the SMS spellings and abbreviations citizens use (yg, tdk,
 * blm, jln, ...) and the word each stands for, from the top-level group
 *     spellings = { yg = "yang"; jln = "jalan"; };
 * Routing reads a message word through this table before it looks the
 * word up (routing/route.c), so "jln rusak" meets the rule word JALAN.
 *
 * Both sides are folded as routing folds a message word (text_fold_word())
 * and must be one word.  A target that is empty or a command word, a key
 * given twice (YG and yg are one key) and a key that maps to itself are
 * errors at their line.
 */
#include <libconfig.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf_int.h"
#include "sms/text.h"
#include "util/util.h"

#define SPELL_MAX	64	/* folded word + NUL, as routing's words */

/* Folds s as one word into out; NULL, or why it cannot be one. */
static const char *
fold_one(const char *s, char *out, size_t outsz)
{
	const char *p;
	long n;

	for (p = s; *p != '\0'; p++)
		if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			return "must be one word";
	n = text_fold_word(s, strlen(s), out, outsz);
	if (n == -1)
		return "is too long (at most 63 characters)";
	if (n == 0)
		return "is empty (no letters or digits)";
	return NULL;
}

static int
spelling_cmp(const void *pa, const void *pb)
{
	const struct conf_spelling *a = pa, *b = pb;
	int r;

	if ((r = strcmp(a->from, b->from)) != 0)
		return r;
	return a->line - b->line;
}

void
spellings_load(struct loader *ld, const config_t *cfg)
{
	struct conf *c = ld->c;
	config_setting_t *g, *s;
	const char *v, *why;
	char from[SPELL_MAX], to[SPELL_MAX];
	size_t i, n, k = 0;

	if ((g = config_setting_get_member(config_root_setting(cfg), "spellings")) == NULL)
		return;
	if (!config_setting_is_group(g)) {
		conf_err_at(ld, g, "spellings: must be a group { yg = \"yang\"; ... }, "
		    "not %s", conf_type_name(g));
		return;
	}
	n = (size_t)config_setting_length(g);
	if (n == 0)
		return;
	c->spellings = xcalloc(n, sizeof(*c->spellings));
	for (i = 0; i < n; i++) {
		s = config_setting_get_elem(g, (unsigned)i);
		if (config_setting_type(s) != CONFIG_TYPE_STRING) {
			conf_err_at(ld, s, "spellings.%s: must be a string in double "
			    "quotes (the word it stands for), not %s",
			    config_setting_name(s), conf_type_name(s));
			continue;
		}
		v = config_setting_get_string(s);
		if (!conf_utf8_ok(ld, s, "spellings", v))
			continue;
		if ((why = fold_one(config_setting_name(s), from, sizeof(from))) != NULL) {
			conf_err_at(ld, s, "spellings.%s: the spelling %s",
			    config_setting_name(s), why);
			continue;
		}
		if ((why = fold_one(v, to, sizeof(to))) != NULL) {
			conf_err_at(ld, s, "spellings.%s: '%s' %s",
			    config_setting_name(s), v, why);
			continue;
		}
		if (rules_command_word(to)) {
			conf_err_at(ld, s, "spellings.%s: '%s' is a command word; a "
			    "spelling stands for an ordinary word",
			    config_setting_name(s), to);
			continue;
		}
		if (strcmp(from, to) == 0) {
			conf_err_at(ld, s, "spellings.%s: stands for itself",
			    config_setting_name(s));
			continue;
		}
		c->spellings[k].from = xstrdup(from);
		c->spellings[k].to = xstrdup(to);
		c->spellings[k].line = conf_line_of(s);
		k++;
	}
	c->nspellings = k;
	if (k > 1)
		qsort(c->spellings, k, sizeof(*c->spellings), spelling_cmp);
	for (i = 1; i < k; i++)
		if (strcmp(c->spellings[i].from, c->spellings[i - 1].from) == 0)
			conf_err_line(ld, c->spellings[i].line, "spellings: '%s' is "
			    "given twice (first at line %d)", c->spellings[i].from,
			    c->spellings[i - 1].line);
}
