/*
 * corpus: measure a config's rules on a labelled corpus of SMS texts
 * (`aduan route --corpus FILE`).  A corpus is text, one complaint a line:
 *
 *   agency-id<TAB>SMS text
 *
 * where agency-id is an agency of the config, or "triage" for a text that
 * no agency should get (the config's triage agency); blank lines and lines
 * starting with '#' are comments.  Every text is routed as the body of an
 * SMS the way the service routes it (sms_parse, then route_sms_decide: the
 * structured KEYWORD#LOCATION#TEXT form included); a text the grammar reads
 * as a command, or that gets the help reply or a request for details (a
 * keyword alone), opens no ticket and counts as triage.
 *
 * Each text is then right (the expected agency), wrong (another agency; for
 * a triage text: any agency) or triage (an agency was expected, triage got
 * it).  Triage is better than wrong: the first waits for a person, the
 * second for a person at the wrong agency first.
 *
 * Pure: corpus_eval() takes the table and the file's bytes and returns the
 * figures; corpus_print() writes the operator's report.  Ownership: the
 * result keeps pointers into the conf (ids, keywords) and copies of the
 * texts; free it with corpus_free() before the conf.
 */
#ifndef ADUAN_CORPUS_H
#define ADUAN_CORPUS_H

#include <stddef.h>
#include <stdio.h>

#include "conf/conf.h"
#include "routing/route.h"

/* Bad lines reported before giving up (the rest are counted). */
#define CORPUS_ERRORS_MAX 20
/* Longest text routed, as the service's largest sms.max_text. */
#define CORPUS_TEXT_MAX 65536

enum corpus_outcome { CORPUS_RIGHT, CORPUS_WRONG, CORPUS_TRIAGE };

struct corpus_item {
	int line;                       /* 1-based line in the file */
	size_t expected;                /* index into conf.agencies */
	size_t got;
	enum corpus_outcome outcome;
	long rule;                      /* deciding rule, -1 for triage */
	enum route_how how;
	int typo;
	int command;                    /* 1: the grammar read it as a command */
	int help;                       /* 1: no ticket: help, or "JALAN" alone asked
	                                   for details */
	char word[64];                  /* the citizen's word(s) that decided */
	char keyword[64];               /* the configured word they matched */
	char *text;                     /* the line's text, NUL-terminated */
	char *explain;                  /* the router's explanation, for ties */
};

struct corpus_result {
	const struct conf *c;
	struct corpus_item *items;
	size_t n;
	/* per agency (index into conf.agencies), by expected agency */
	size_t *texts, *right, *wrong, *triage;
	size_t *confusion;              /* [expected * nagencies + got] */
	size_t total_right, total_wrong, total_triage;
};

/*
 * Routes every line of data[0..len) with rt (built from c).  NULL when a
 * line is bad (no tab between agency id and text, an unknown agency id,
 * no text): each such line is reported with fn(arg, line, message), at
 * most CORPUS_ERRORS_MAX of them, then once with line 0 and how many more
 * there were.  A corpus with no text at all is an error too (line 0).
 */
struct corpus_result *corpus_eval(const struct route_table *rt, const struct conf *c,
    const char *data, size_t len,
    void (*fn)(void *arg, int line, const char *msg), void *arg);
void corpus_free(struct corpus_result *r);

/*
 * The report: per expected agency texts / right / wrong agency / triage,
 * the confusion table (expected x got), the overall shares, then every
 * wrong text and every text that fell into triage with the rule and word
 * that decided.  name is the corpus file's name, for FILE:LINE.
 */
void corpus_print(const struct corpus_result *r, const char *name, FILE *out);

/* Percentage of n in total, 0 when total is 0. */
double corpus_pct(size_t n, size_t total);

#endif
