/*
 * replay: what a candidate config would change.  Stored complaints are
 * routed again through the candidate's rules and compared with the agency
 * each one is with now: how many would move, from which agency to which,
 * and a few examples of each move (`aduan route --replay`).
 *
 * Each complaint is routed as intake routed it:
 *   - SMS: the message that opened it, parsed (sms_parse) and routed by
 *     route_sms_decide(), the function intake itself uses: route_structured()
 *     for KEYWORD#LOCATION#TEXT, else route_text() on the text after the
 *     optional LAPOR/ADUAN/REPORT.  A message that no longer parses as a
 *     complaint is skipped (counted, not replayed).
 *   - USSD: the category (the stored keyword) and location: route_menu()
 *     with the candidate's rule of the same keyword, or triage when the
 *     candidate has no such rule.
 *
 * The old decision is what the store holds: the complaint's agency (after
 * any re-routing by triage) and its rule keyword ("" for triage).
 *
 * Pure but for replay_store(): feed items one by one with replay_add()
 * from any source (a test's array, the store), then read the counts and
 * moves, or print them.  Nothing is written anywhere.
 */
#ifndef ADUAN_REPLAY_H
#define ADUAN_REPLAY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "conf/conf.h"
#include "routing/route.h"
#include "store/store.h"

#define REPLAY_TEXT_CHARS 60            /* an example's text, in characters */
#define REPLAY_EXPLAIN_CHARS 120        /* an example's new explanation */
#define REPLAY_ROWS_MAX 1000000         /* complaints replayed at most */

/* One stored complaint to replay; the strings are borrowed for the call. */
struct replay_item {
	const char *ticket;
	const char *channel;            /* "ussd": routed by its menu category; else SMS */
	const char *text;               /* SMS: the message as received; NULL: none stored
	                                   (its description is routed instead) */
	const char *keyword;            /* the stored rule keyword, "" for triage */
	const char *location;           /* USSD (NULL: none) */
	const char *description;        /* USSD; SMS when text is NULL */
	const char *agency;             /* the stored agency id */
};

/* The item of a stored complaint (the pointers are t's). */
void replay_item_of(struct replay_item *it, const struct store_complaint_text *t);

struct replay_example {
	char ticket[16];
	char text[REPLAY_TEXT_CHARS * 4 + 4];           /* shortened, one line */
	char old_rule[64];                              /* "triage" for none */
	char new_rule[64];                              /* "triage" for none */
	char new_word[64];                              /* "" for triage and menus */
	int typo;                                       /* the new word was one letter off */
	int no_ticket;                                  /* see struct replay.no_ticket */
	char explain[REPLAY_EXPLAIN_CHARS * 4 + 4];     /* the new explanation, shortened */
};

/* Complaints that would go from one agency to another. */
struct replay_move {
	char from[64];
	char to[64];
	long count;
	struct replay_example *examples;                /* the first max_examples */
	size_t nexamples;
};

struct replay {
	const struct conf *conf;        /* the candidate (borrowed) */
	const struct route_table *rt;   /* built from it (borrowed) */
	size_t max_examples;            /* per move */
	long total;                     /* complaints replayed */
	long sms, ussd;                 /* of which by channel */
	long skipped;                   /* SMS that no longer parse as a complaint */
	long moved;                     /* to another agency */
	long rule_changed;              /* same agency, another rule */
	long no_ticket;                 /* the candidate would open no ticket for them: a
	                                   keyword with nothing after it, or no keyword
	                                   and fewer than ROUTE_SMS_MIN_FREE_WORDS words */
	struct replay_move *moves;      /* see replay_sort() */
	size_t nmoves, capmoves;
};

void replay_init(struct replay *r, const struct conf *c, const struct route_table *rt,
    size_t max_examples);
void replay_clear(struct replay *r);

/*
 * Routes one complaint as the candidate would (see above).  0 with *d
 * filled and *no_ticket set; -1 when it is skipped (an SMS that is no
 * complaint).
 */
int replay_decide(const struct conf *c, const struct route_table *rt,
    const struct replay_item *it, struct route_decision *d, int *no_ticket);

/* Replays one complaint into the counts.  1 replayed, 0 skipped. */
int replay_add(struct replay *r, const struct replay_item *it);

/*
 * Replays every complaint created since `since` (at most limit) from the
 * store, read only.  0, -1 on a store error (store_errmsg()).
 */
int replay_store(struct replay *r, struct store *s, int64_t since, size_t limit);

/* Orders the moves: most complaints first, then by from and to. */
void replay_sort(struct replay *r);

/* The moving complaints from -> to, 0 when none. */
long replay_count(const struct replay *r, const char *from, const char *to);

/* The summary, the from -> to table and the examples, as plain text.  Sorts. */
void replay_print(struct replay *r, FILE *f);

#endif
