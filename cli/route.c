/*
 * cli/route.c: `aduan route TEXT`, the routing dry run with its reasons,
 * and `aduan rules lint`, what check lets through but an operator should
 * look at.  (`route --replay` is cli/replay.c.)
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "conf/conf.h"
#include "routing/corpus.h"
#include "routing/decide.h"
#include "routing/lint.h"
#include "routing/route.h"
#include "sms/parse.h"
#include "util/util.h"

struct lint_print {
	const char *path;
	int warnings, notes;
};

static void
lint_print(void *arg, const struct lint_finding *f)
{
	struct lint_print *lp = arg;

	if (f->level == LINT_WARNING)
		lp->warnings++;
	else
		lp->notes++;
	if (f->line > 0)
		printf("%s:%d: %s: %s [%s]\n", lp->path, f->line, lint_level_name(f->level), f->msg,
		    lint_kind_name(f->kind));
	else
		printf("%s: %s: %s [%s]\n", lp->path, lint_level_name(f->level), f->msg,
		    lint_kind_name(f->kind));
}

/*
 * aduan rules lint [-c FILE]: argv[0] is "lint"; -c may come before "rules
 * lint" (already in o) or after it.  Exit 0 without warnings (notes do not
 * count), 1 with warnings, 2 when the config does not load or on a usage
 * error.
 */
int
cmd_rules_lint(const struct opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct lint_print lp = { o->conf, 0, 0 };
	struct route_table *rt;
	struct conf *c;
	char err[256];
	int ch, n;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+c:h", longopts, NULL)) != -1) {
		if (ch == 'c')
			lp.path = optarg;
		else if (ch == 'h') {
			cli_usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "aduan: rules lint: unknown option or missing argument; "
			    "usage: aduan rules lint [-c FILE]\n");
			return 2;
		}
	}
	opterr = 1;
	if (optind != argc) {
		fprintf(stderr, "aduan: rules lint: unexpected argument '%s'; usage: aduan rules "
		    "lint [-c FILE]\n", argv[optind]);
		return 2;
	}
	if ((c = load_conf(lp.path, CONF_DEMO)) == NULL)
		return 2;
	/* What check refuses, lint refuses too: the router must accept the rules. */
	if ((rt = route_build(c, err, sizeof err)) == NULL) {
		fprintf(stderr, "%s: %s\n", lp.path, err);
		conf_free(c);
		return 2;
	}
	route_free(rt);
	n = lint_run(c, lint_print, &lp);
	conf_free(c);
	if (n < 0) {
		fprintf(stderr, "%s: the rules could not be linted\n", lp.path);
		return 2;
	}
	printf("%s: %d warning%s, %d note%s\n", lp.path, lp.warnings, lp.warnings == 1 ? "" : "s",
	    lp.notes, lp.notes == 1 ? "" : "s");
	return lp.warnings > 0 ? 1 : 0;
}

static const char *
how_text(const struct route_decision *d)
{
	switch (d->how) {
	case ROUTE_STRUCTURED:
		return "keyword field of KEYWORD#LOCATION#TEXT";
	case ROUTE_LEADING:
		return "leading keyword";
	case ROUTE_INSIDE:
		return "keyword found inside the text";
	case ROUTE_TRIAGE_TIE:
		return "triage: keywords of several rules tied";
	case ROUTE_TRIAGE_NONE:
		return d->ruled_out > 0 ? "triage: no keyword found of a rule not ruled out" :
		    "triage: no keyword found";
	case ROUTE_MENU:
		return "category chosen from the menu";
	case ROUTE_TRIAGE_OUTSIDE:
		return "triage: names a place outside the service's area";
	case ROUTE_TRIAGE_THANKS:
		return "triage: a thank-you, not a complaint";
	}
	return "?";
}

static int
dry_run(const struct opts *o, const char *text)
{
	struct conf *c = load_conf(o->conf, CONF_DEMO);
	struct route_table *rt;
	struct route_sms r;
	const struct route_decision *d = &r.d;
	struct sms_command cmd;
	const struct conf_agency *a;
	char err[256];
	static const char *names[] = { "complaint", "STATUS", "TAMBAH (add)", "BATAL (cancel)",
	    "help", "STOP", "START", "BAHASA (language)" };

	if (c == NULL)
		return 1;
	rt = route_build(c, err, sizeof err);
	if (rt == NULL) {
		fprintf(stderr, "%s: %s\n", o->conf, err);
		conf_free(c);
		return 1;
	}
	sms_parse(text, strlen(text), &cmd);
	if (cmd.cmd != SMS_COMPLAINT) {
		printf("command: %s%s%s (not a complaint: no routing)\n", names[cmd.cmd],
		    cmd.ticket[0] ? " for ticket " : "", cmd.ticket);
		route_free(rt);
		conf_free(c);
		return 0;
	}
	route_sms_decide(rt, &cmd, &r);
	a = &c->agencies[d->agency];
	printf("agency:  %s (%s)\n", a->id, a->name);
	printf("rule:    %s\n", d->rule >= 0 ? c->rules[d->rule].keyword : "- (triage)");
	printf("how:     %s%s\n", how_text(d), d->rule >= 0 ? (d->typo ? ", typo (one letter off)" : d->stem ? ", stem" : ", exact") : "");
	if (d->rule >= 0)
		printf("word:    '%s' matched '%s'\n", d->word, d->keyword);
	if (d->region >= 0)
		printf("region:  %s (%s)%s\n", c->regions[d->region].id, c->regions[d->region].name,
		    d->regional ? ", regional agency" : "");
	else
		printf("region:  -\n");
	printf("why:     %s\n", d->explain);
	if (r.answer == ROUTE_SMS_HELP)
		printf("note:    no keyword and fewer than %d words: the service answers with the "
		    "help text and opens no ticket\n", ROUTE_SMS_MIN_FREE_WORDS);
	route_free(rt);
	conf_free(c);
	return 0;
}

/* A corpus file bigger than this is refused: 16 MiB is some 100,000 SMS. */
#define CORPUS_FILE_MAX (16L * 1024 * 1024)

struct corpus_errs {
	const char *path;
};

static void
corpus_err(void *arg, int line, const char *msg)
{
	const struct corpus_errs *ce = arg;

	if (line > 0)
		fprintf(stderr, "%s:%d: %s\n", ce->path, line, msg);
	else
		fprintf(stderr, "%s: %s\n", ce->path, msg);
}

/* The whole file, NUL-terminated, at most CORPUS_FILE_MAX bytes; NULL after a message. */
static char *
read_corpus(const char *path, size_t *lenp)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;

	if (f == NULL) {
		fprintf(stderr, "aduan: %s: cannot open: %s\n", path, strerror(errno));
		return NULL;
	}
	buf = xmalloc((size_t)CORPUS_FILE_MAX + 1);
	n = fread(buf, 1, (size_t)CORPUS_FILE_MAX + 1, f);
	if (ferror(f) || n > (size_t)CORPUS_FILE_MAX) {
		fprintf(stderr, "aduan: %s: %s\n", path, ferror(f) ? "read error" :
		    "larger than 16 MiB");
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	*lenp = n;
	return buf;
}

/*
 * route --corpus FILE: every line routed as an SMS complaint, the figures
 * and the misses (routing/corpus.h).  Exit 0, 2 when the config or the
 * corpus does not load or a line is bad.
 */
static int
corpus_run(const struct opts *o)
{
	struct corpus_errs ce = { o->corpus };
	struct corpus_result *r;
	struct route_table *rt;
	struct conf *c;
	char err[256], *data;
	size_t len;
	int rc = 2;

	if ((c = load_conf(o->conf, CONF_DEMO)) == NULL)
		return 2;
	if ((rt = route_build(c, err, sizeof err)) == NULL) {
		fprintf(stderr, "%s: %s\n", o->conf, err);
		conf_free(c);
		return 2;
	}
	if ((data = read_corpus(o->corpus, &len)) == NULL) {
		route_free(rt);
		conf_free(c);
		return 2;
	}
	r = corpus_eval(rt, c, data, len, corpus_err, &ce);
	free(data);
	if (r != NULL) {
		printf("config %s\n", o->conf);
		corpus_print(r, o->corpus, stdout);
		corpus_free(r);
		rc = 0;
	}
	route_free(rt);
	conf_free(c);
	return rc;
}

/* route TEXT; route --replay (cli/replay.c) and route --corpus FILE take no TEXT. */
int
cmd_route(const struct opts *o, int argc, char **argv)
{
	if (o->corpus) {
		if (argc == 0 && !o->replay)
			return corpus_run(o);
		fprintf(stderr, "aduan: route --corpus FILE takes no TEXT and no --replay\n");
		return 2;
	}
	if (o->replay) {
		if (argc == 0)
			return cmd_replay(o);
		fprintf(stderr, "aduan: route --replay takes no TEXT: it replays the stored complaints\n");
		return 2;
	}
	if (argc != 1)
		return CLI_USAGE;
	return dry_run(o, argv[0]);
}
