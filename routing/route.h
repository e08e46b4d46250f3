/*
 * route: keyword rules -> agency (+ region), with an explanation an
 * operator can read.
 *
 * route_build() indexes every keyword, alias, unless entry and region word
 * of a conf in hash tables: exact words, phrases of two or three words, and
 * the one-deletion
 * neighbourhood of every word of 5+ letters (for one-letter typos:
 * substitution, insertion, deletion, swap of neighbours).  Deciding costs a
 * fixed number of hash look-ups per word of the message, whatever the
 * number of rules.
 *
 * Matching: at each message word the longest configured phrase is tried
 * first (three words, then two), then the word, then a typo (single words
 * only).  A phrase ("LAMPU JALAN", "RUMAH SAKIT HEWAN") consumes its words,
 * so JALAN inside it does not count for another rule.
 *
 * Unless: a rule's unless entries (words or phrases, matched exactly, never
 * as typos) found anywhere in the message rule that rule out: its words do
 * not count and its leading keyword (or keyword field) does not decide.
 * They consume their words like any phrase ("TIDAK BERJALAN" leaves no
 * BERJALAN to count anywhere).  An unless entry that is another rule's
 * word still counts for that rule.
 *
 * Precedence:
 *   1. structured form KEYWORD#LOCATION#TEXT: the keyword field decides,
 *      unless its rule is ruled out;
 *   2. a leading keyword (the message's first word, or first two or three
 *      words for a phrase) decides, unless its rule is ruled out;
 *   3. otherwise keywords found anywhere in the text, ruled-out rules left
 *      out: exact matches beat typo matches; the rule with the most matched
 *      words wins, each distinct configured word counting its words (a
 *      phrase outweighs a single word: "rumah sakit ... jalan" is health,
 *      2 against 1; "rumah sakit ... jalan berlubang" is a tie, 2 and 2);
 *      a tie between rules goes to triage;
 *   4. nothing found: triage.
 * A region word found anywhere (including the LOCATION field) selects the
 * rule's regional agency for that region; two different regions -> none.
 *
 * Word forms: each message word is first read through the conf's
 * spellings (JLN -> JALAN) unless it is a configured word as written; then
 * matched as written (phrase, word), else by stem (routing.stemming,
 * routing/stem.h: the phrase of its words' stems, then the word's stem,
 * against the stems of the configured words), else as a typo.  A stem
 * match counts as exact, never as a typo; a configured word whose stem is
 * a common word (route_common_word) is not indexed by it.  The table owns
 * its stemmer (thread-safe, see stem.h).
 *
 * Ownership: the table keeps pointers into the conf it was built from; the
 * conf must outlive it.  A built table is read-only and thread-safe.
 */
#ifndef ADUAN_ROUTE_H
#define ADUAN_ROUTE_H

#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"
#include "sms/lang.h"

struct route_table;

/* NULL on failure with a reason in err. */
struct route_table *route_build(const struct conf *c, char *err, size_t errsz);
void route_free(struct route_table *rt);

/*
 * A warning about a built table an operator should see (aduan check):
 * stemming is on but the dictionary could not be read.  NULL when none.
 */
const char *route_note(const struct route_table *rt);

enum route_how {
	ROUTE_TRIAGE_NONE,      /* no keyword at all */
	ROUTE_TRIAGE_TIE,       /* keywords of two or more rules, none ahead */
	ROUTE_STRUCTURED,       /* keyword field of KEYWORD#LOCATION#TEXT */
	ROUTE_LEADING,          /* first word(s) of the message */
	ROUTE_INSIDE,           /* found inside the text */
	ROUTE_MENU,             /* category chosen from a menu (USSD) */
	ROUTE_TRIAGE_OUTSIDE,   /* names a place outside the area (routing.outside) */
	ROUTE_TRIAGE_THANKS     /* starts with a thank-you (routing.thanks) */
};

struct route_decision {
	size_t agency;          /* index into conf.agencies (triage when no rule) */
	long rule;              /* index into conf.rules, -1 for triage */
	long region;            /* index into conf.regions, -1 when none */
	int regional;           /* 1 when the region changed the agency */
	enum route_how how;
	int typo;               /* 1 when the deciding word was one letter off */
	int ruled_out;          /* rules an unless entry of the message ruled out */
	int stem;               /* 1 when it matched by its stem (BERLUBANG: LUBANG) */
	enum lang lang;         /* LANG_EN when an English alias matched, LANG_ID
	                           for an Indonesian one, LANG_NONE for triage */
	char word[64];          /* the citizen's word(s) that decided, folded */
	char keyword[64];       /* the configured keyword or alias it matched */
	/*
	 * ROUTE_LEADING: byte offset in the routed text just past the leading
	 * keyword (the description starts there); else 0.
	 */
	size_t body_offset;
	char explain[768];      /* one paragraph, plain text, for operators */
};

/*
 * Decides a free-form complaint text (the part after an optional
 * LAPOR/ADUAN/REPORT prefix).  Always fills *d (triage at worst).
 */
void route_text(const struct route_table *rt, const char *text, size_t len,
    struct route_decision *d);

/*
 * Decides a structured complaint: keyword field, location field (searched
 * for region words) and description (searched for region words too, and
 * for keywords when the keyword field matches none).
 */
void route_structured(const struct route_table *rt,
    const char *keyword, size_t klen, const char *location, size_t llen,
    const char *desc, size_t dlen, struct route_decision *d);

/*
 * Decides a complaint whose category the citizen chose from a menu: rule is
 * an index into conf.rules and decides; the location and description are
 * searched for region words only (the regional agency, as for SMS).
 */
void route_menu(const struct route_table *rt, long rule, const char *location,
    size_t llen, const char *desc, size_t dlen, struct route_decision *d);

/*
 * The form the router looks a message word up by, after an exact miss:
 * w[0..len) folded, read through the config's spellings, then its stem
 * (routing.stemming; a configured or common word keeps its form).  Into
 * out; its length, 0 when the word folds to nothing or does not fit.
 * `aduan rules suggest` counts candidate words by it.
 */
size_t route_word_key(const struct route_table *rt, const char *w, size_t len,
    char *out, size_t outsz);

/*
 * 1 when a and b are exactly one restricted Damerau-Levenshtein edit apart
 * (one substitution, insertion, deletion or swap of neighbours): what the
 * router calls a typo.
 */
int route_one_edit(const char *a, size_t la, const char *b, size_t lb);

/*
 * The hash of the deletion neighbourhood: s[0..len) without byte skip
 * (skip >= len: the whole word).  lint pairs words with it as the router does.
 */
uint64_t route_hash_skip(const char *s, size_t len, size_t skip);

/*
 * Common words of messages (SAMA, PADA, SAMPAI, LATER, ...), folded: never
 * read as a typo of a keyword.  1 when w[0..len) is one.
 */
int route_common_word(const char *w, size_t len);
extern const char *const route_common_words[];
extern const size_t route_ncommon_words;

#endif
