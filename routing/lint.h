/*
 * lint: what an operator should look at in the keyword rules of a config
 * that `aduan check` accepts.  Check refuses what cannot work (unknown
 * agencies, one word in two rules, command words as keywords); lint
 * reports what works but routes in a way the operator may not expect,
 * judged against the real matcher of routing/route.c:
 *
 *   - exact words and phrases (two or three words) win over typos, the
 *     longest phrase is tried first, before its words (and then consumes
 *     them); in the vote a phrase counts its words;
 *   - a message word of 4+ bytes (not all digits) with no exact match is a
 *     typo of a configured single word of 5+ bytes one restricted
 *     Damerau-Levenshtein edit away (substitution, insertion, deletion,
 *     swap of neighbours); one letter off words of two different rules or
 *     regions, it is ignored as ambiguous.
 *
 * "Shadowed" is defined by that matcher.  Check already makes an exact
 * word mean one thing; what can still hide a word is typo tolerance: a
 * word X of rule (or region) A one letter off a typo-tolerant word Y of
 * another rule or region B takes, exactly, the misspelling of Y that
 * would otherwise have reached B.
 *
 * Warnings (count towards the exit status of `aduan rules lint`):
 *   LINT_TYPO_PAIR      two typo-tolerant words (single, 5+ bytes) of
 *                       different rules or regions one letter apart: each
 *                       one mistyped into the other reaches the wrong one,
 *                       and misspellings near both are ignored (ambiguous);
 *   LINT_TYPO_CAPTURE   a word X (4 bytes: not itself typo-tolerant) one
 *                       letter off a typo-tolerant word Y of another rule
 *                       or region: a citizen misspelling Y as X reaches X's;
 *   LINT_PHRASE_REGION  a phrase holding a region word: the phrase consumes
 *                       it, so that mention of the place sets no region;
 *   LINT_COMMAND_WORD   a word or phrase the SMS grammar reads as a command
 *                       when a message opens with it (BAHASA, LANGUAGE,
 *                       which check does not refuse; a phrase starting
 *                       with any command or prefix word);
 *   LINT_SHORT_WORD     a single word of 1 or 2 characters: it matches
 *                       initials, abbreviations and addresses anywhere;
 *   LINT_COMMON_WORD    a word that is, or is one letter off, a very
 *                       common word of messages ("YANG", "TOLONG", "THE");
 *   LINT_AGENCY_UNUSED  an agency no rule, regional entry or triage names;
 *   LINT_STEM_COLLIDES  (routing.stemming) single words of two rules or
 *                       regions with one stem (PADAM, PEMADAMAN): a message
 *                       word that reaches them by that stem is ambiguous.
 * Notes (information; the exit status ignores them):
 *   LINT_STEM_COMMON    (routing.stemming) a single word whose stem is a
 *                       very common word (PERBAIKAN: BAIK): the router
 *                       matches it only as written, never by its stem;
 *   LINT_PHRASE_SHARES  a phrase holding a word of another rule: the phrase
 *                       wins only with both words together, in order, spelt
 *                       exactly; otherwise the word counts for the other rule;
 *   LINT_PHRASE_CHAIN   phrase "A B" of one rule and "B C" of another: in
 *                       "A B C" the first takes B and the second never
 *                       matches (phrases of three words alike: the scan
 *                       goes left to right, longest phrase first);
 *   LINT_PHRASE_ORDER   two-word phrase "X Y" of rule A holding a word of
 *                       rule B, when in the other order "Y X" no phrase
 *                       decides and the words take the message to B
 *                       ("MATI LAMPU" of LISTRIK, LAMPU of PJU: "lampu
 *                       mati" goes to PJU); not when they tie (triage),
 *                       as "RUMAH SAKIT" of a rule that also has SAKIT;
 *   LINT_PHRASE_KEYWORD a rule keyword of two or three words: the structured form
 *                       KEYWORD#LOCATION#TEXT needs one word;
 *   LINT_REGIONAL_SAME  a regional entry naming the rule's own agency;
 *   LINT_REGION_FALLBACK per region, the rules without a regional agency
 *                       for it (they keep their own agency).
 *
 * Lines: rules, regions and agencies carry one line each in struct conf
 * (where their group starts), so a finding about a word gives the line of
 * its rule or region.  Words of a file pulled in with @include carry that
 * file's line numbers.
 *
 * Cost, for N configured words of at most L bytes, R rules, G regions and
 * A agencies: exact look-ups sort the words once, O(N log N); the typo
 * check sorts the one-deletion neighbourhood of each word of 4+ bytes,
 * O(N L log(N L)), and compares only words that share a deletion key (as
 * the router's index does) instead of all N^2 pairs; the per-region note
 * is O(G R).  5,000 rules lint in well under a second.
 */
#ifndef ADUAN_LINT_H
#define ADUAN_LINT_H

#include "conf/conf.h"

enum lint_level {
	LINT_NOTE,
	LINT_WARNING
};

/* In the order findings on one line are reported. */
enum lint_kind {
	LINT_TYPO_PAIR,
	LINT_TYPO_CAPTURE,
	LINT_PHRASE_REGION,
	LINT_COMMAND_WORD,
	LINT_SHORT_WORD,
	LINT_COMMON_WORD,
	LINT_AGENCY_UNUSED,
	LINT_PHRASE_SHARES,
	LINT_PHRASE_CHAIN,
	LINT_PHRASE_ORDER,
	LINT_PHRASE_KEYWORD,
	LINT_REGIONAL_SAME,
	LINT_REGION_FALLBACK,
	LINT_STEM_COMMON,
	LINT_STEM_COLLIDES,
	LINT_KIND_N
};

struct lint_finding {
	enum lint_level level;
	enum lint_kind kind;
	int line;               /* config line it is about, 0 when unknown */
	int line2;              /* the other line of a pair, else 0 */
	char msg[256];          /* one sentence, no line number, no newline;
	                           cut with "..." when longer */
};

/* "warning", "note". */
const char *lint_level_name(enum lint_level l);
/* A short stable tag: "typo-pair", "region-fallback", ... */
const char *lint_kind_name(enum lint_kind k);

/*
 * Lints c: calls emit once per finding, ordered by line, then kind, then
 * message (the order depends on the config's content only).  f points to
 * storage of lint_run that is valid during the call only: copy what you
 * keep.  Pure: reads c (and, with routing.stemming, its dictionary),
 * writes nothing but its own allocations, calls nothing else; c is not
 * kept.
 *
 * Returns the number of warnings (notes not counted), or -1 without any
 * call when c is NULL or its indices or lists are inconsistent (a conf
 * from conf_load_*() never is).
 */
int lint_run(const struct conf *c,
    void (*emit)(void *arg, const struct lint_finding *f), void *arg);

#endif
