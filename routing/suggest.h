/*
 * suggest: learning from triage with a human in the loop (`aduan rules
 * suggest`).  Complaints the router sent to triage and a person then moved
 * to an agency are the evidence: the words of their texts, counted per
 * agency, become candidate aliases of that agency's rule, and each
 * candidate is checked by replay (routing/replay.h: the candidate config is
 * this one with the word added) against the stored texts: how many
 * hand-routed texts it would have routed to the agency a person chose, how
 * many it would send elsewhere, how many already-routed texts it would
 * move.  The result is config lines an operator may paste; nothing here
 * changes routing or writes anything.
 *
 * The history already says all of it, so there is no table of its own:
 *   - a complaint's keyword is the rule the router chose when it arrived
 *     ("" when it sent it to triage) and is never changed afterwards;
 *   - its agency changes only by a change an account made (ticket/change.c:
 *     triage's re-route through the agency API or the web inbox, an
 *     agency's return to triage); Aduan's own changes (automatic closing)
 *     move nothing;
 *   - the text the router saw is the stored message (replay routes it).
 * So keyword "" with an agency other than triage is a text the router
 * could not place and a person did: the agency it is with now is the
 * person's answer.
 *
 * Words: suggest_key() is the one place a message word becomes a
 * candidate: the form the router looks it up by (its stem).  A candidate has at
 * least SUGGEST_MIN_LETTERS letters, is no common word (route_common_word),
 * no command word of the SMS grammar, no word or region word the config
 * already has, and was seen in at least `min` texts that went to the agency.
 *
 * Only the texts with a key equal to the word, one letter off it or
 * holding it are routed again for it (an index of the texts' distinct
 * keys); the others cannot route otherwise, so they keep today's
 * decision.  This holds because suggest_key() gives what the router looks
 * up (route_word_key).
 *
 * Dropped: a candidate that fixes nothing, that would move or misroute as
 * many texts as it fixes or more, or that `aduan rules lint` would warn
 * about once added (a typo pair with another rule's word, a short or
 * common word: ambiguous).  They are listed with the reason.
 *
 * Ownership: suggest_new() keeps c and base (borrowed; they must outlive
 * it).  suggest_run() adds each candidate to c's rule for the time of its
 * replay and puts c back as it was before it returns: c must not be used
 * by another thread meanwhile.
 */
#ifndef ADUAN_SUGGEST_H
#define ADUAN_SUGGEST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "conf/conf.h"
#include "routing/replay.h"
#include "routing/route.h"
#include "store/store.h"

#define SUGGEST_MIN_LETTERS 3           /* a candidate word's letters, at least */
#define SUGGEST_MIN_TEXTS 2             /* default --min: texts that used it */
#define SUGGEST_CANDIDATES_MAX 500      /* candidates replayed at most (most used first) */
#define SUGGEST_DROPPED_SHOWN 20        /* dropped candidates listed */
#define SUGGEST_WORDS_PER_AGENCY 10     /* words suggested per agency, best first */

struct suggest;

/* min: texts to one agency a word must be seen in (1..). */
struct suggest *suggest_new(struct conf *c, const struct route_table *base, long min);
void suggest_free(struct suggest *sg);

/*
 * One word -> its candidate key, into out (outsz bytes): the form rt's
 * router looks it up by (route_word_key: folded, respelt, stemmed), so
 * BERLUBANG and LUBANGNYA count as one candidate, LUBANG, which as an
 * alias routes both.  Its length, 0 when the word is none (punctuation
 * only, too long).
 */
size_t suggest_key(const struct route_table *rt, const char *word, size_t len,
    char *out, size_t outsz);

/*
 * Feeds one stored complaint (see replay_item; its agency is the one it is
 * with now).  USSD complaints and texts that are no complaint are left out.
 * 1 kept, 0 left out.
 */
int suggest_add(struct suggest *sg, const struct replay_item *it);

/* Feeds every complaint created since `since`, at most limit.  0, -1 (store_errmsg()). */
int suggest_store(struct suggest *sg, struct store *s, int64_t since, size_t limit);

/* Counts, replays, ranks.  0, -1 with a reason in err. */
int suggest_run(struct suggest *sg, char *err, size_t errsz);

/* Hand-routed texts and routed ones fed (after suggest_add). */
long suggest_hand_routed(const struct suggest *sg);
long suggest_routed(const struct suggest *sg);

/*
 * The result as config lines, best first: per agency a comment with the
 * evidence, the rule's aliases line with the new words, one comment per
 * word; agencies without a rule; the dropped candidates.
 */
void suggest_print(const struct suggest *sg, FILE *f);

#endif
