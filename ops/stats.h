/*
 * stats: the figures an operator looks at (`aduan stats`): complaints per
 * agency, keyword and channel, the share no rule matched (triage), the
 * median time to the first agency response, what is overdue now, and the
 * words of triage messages that no rule knows: candidate keywords for the
 * next config.
 *
 * Counting is SQL (GROUP BY in the store); the median and the word counts
 * are computed here.  Read only: nothing is written to the store.
 */
#ifndef ADUAN_STATS_H
#define ADUAN_STATS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "conf/conf.h"
#include "store/store.h"

#define STATS_TOP_WORDS 15              /* candidate keywords shown */
#define STATS_MIN_LETTERS 3             /* shorter words are not candidates */
#define STATS_GROUPS_MAX 1000           /* rows of each per-... table */
#define STATS_ROWS_MAX 1000000          /* complaints read for the median and the words */
#define STATS_WORDS_DISTINCT_MAX 200000 /* distinct words counted; later new ones are not */

struct stats_count {
	char name[64];                  /* agency id, keyword ("" no rule), channel, word */
	long n;
};

struct stats {
	int64_t since;
	int64_t now;
	long total;                     /* complaints created since `since` */
	long no_rule;                   /* of which no rule matched (keyword ""): triage */
	struct stats_count *by_agency, *by_keyword, *by_channel;   /* largest first */
	size_t nagency, nkeyword, nchannel;
	long responded;                 /* complaints with an agency response */
	long unanswered;                /* complaints without one yet */
	int64_t median_response;        /* seconds from creation; -1 when none responded */
	long overdue_received;          /* now, any age: received, route_due passed */
	long overdue_routed;            /* now, any age: routed, followup_due passed */
	long triage_texts;              /* triage messages whose words were counted */
	struct stats_count words[STATS_TOP_WORDS];  /* messages using each word, most first */
	size_t nwords;
	int truncated;                  /* 1: more than STATS_ROWS_MAX complaints */
};

/*
 * Computes every figure for complaints created at or after `since`; `now`
 * is the time overdue is judged at.  c gives the words rules and regions
 * know.  0, or -1 on a store error (store_errmsg()); clear *st either way.
 */
int stats_compute(struct store *s, const struct conf *c, int64_t since, int64_t now,
    struct stats *st);
void stats_clear(struct stats *st);

/* The aligned plain-text report. */
void stats_print(const struct stats *st, const struct conf *c, FILE *f);

/* The median of v[0..n) (sorts v); the mean of the two middle ones when n is even.  -1 for n 0. */
int64_t stats_median(int64_t *v, size_t n);

/* "2d 3h", "4h 5m", "6m 7s", "8s": seconds in the two largest units. */
void stats_duration(int64_t secs, char *out, size_t outsz);

/*
 * --since: "30d", "12h", "2w" (back from now), or an ISO date "2026-11-01"
 * (local midnight), "2026-11-01T08:00", "2026-11-01 08:00:00" (local time).
 * 0 with *since set, -1 when not understood.
 */
int stats_parse_since(const char *arg, int64_t now, int64_t *since);

/* ---- candidate keywords --------------------------------------------------
 *
 * Words are folded (text_fold_word) and counted once per message.  Left
 * out: words of fewer than STATS_MIN_LETTERS letters (so digits-only words
 * and numbers like "RT.03" too), function words (DI, DARI, YANG, THE, ...),
 * and every word a rule (keyword, alias, English alias) or a region of the
 * config knows exactly.
 */
struct stats_words;

struct stats_words *stats_words_new(const struct conf *c);
void stats_words_free(struct stats_words *w);
/* One complaint's text as received (KEYWORD#LOCATION#TEXT or free text). */
void stats_words_add(struct stats_words *w, const char *text);
/* The most used words, most first (ties alphabetical): out[0..return). */
size_t stats_words_top(const struct stats_words *w, struct stats_count *out, size_t max);
/* 1 for a function word ("YANG", "THE"), given folded. */
int stats_stop_word(const char *folded);

#endif
