/*
 * test_lint: `aduan rules lint` as an operator meets it.  Each finding kind
 * on a small config that shows it, with its line and message; a clean
 * config gives nothing; what lint claims about routing is checked against
 * the router itself; 5,000 generated rules lint and the planted pair is
 * found.
 *
 * Configs are literal strings (conf_load_string) written one rule per
 * line so the line numbers in the assertions can be read off the text:
 * lines 1-4 are HEAD (three agencies and the triage agency), "rules = ("
 * is line 5, and the n-th rule after it is on line 5 + n.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "routing/lint.h"
#include "routing/route.h"
#include "util/util.h"

/* Lines 1-4. */
#define HEAD \
	"agencies = ( { id = \"dpupr\"; name = \"Dinas PU\"; short_name = \"DPUPR\"; },\n" \
	"  { id = \"dlh\"; name = \"Dinas LH\"; short_name = \"DLH\"; },\n" \
	"  { id = \"diskominfo\"; name = \"Diskominfo\"; short_name = \"Diskominfo\"; } );\n" \
	"triage = \"diskominfo\";\n"
/* One rule on one line: keyword, agency, then any extra members. */
#define RULE(kw, agency, extra) \
	"  { keyword = \"" kw "\"; agency = \"" agency "\"; label = { id = \"L\"; }; " \
	extra " },\n"
#define LAST(kw, agency, extra) \
	"  { keyword = \"" kw "\"; agency = \"" agency "\"; label = { id = \"L\"; }; " \
	extra " }\n"

#define MAXF 256

static struct lint_finding got[MAXF];
static int ngot, nwarn, nnote;
static struct conf_errors errs;

static void
keep(void *arg, const struct lint_finding *f)
{
	(void)arg;
	if (f->level == LINT_WARNING)
		nwarn++;
	else
		nnote++;
	if (ngot < MAXF)
		got[ngot++] = *f;
}

static void
dump(void)
{
	int i;

	for (i = 0; i < ngot; i++)
		print_message("    %d (%d): %s: %s [%s]\n", got[i].line,
		    got[i].line2, lint_level_name(got[i].level), got[i].msg,
		    lint_kind_name(got[i].kind));
}

static struct conf *
load(const char *text)
{
	struct conf *c;
	int i;

	memset(&errs, 0, sizeof(errs));
	c = conf_load_string(text, 0, &errs);
	if (c == NULL) {
		for (i = 0; i < errs.n; i++)
			print_message("    line %d: %s\n", errs.e[i].line,
			    errs.e[i].msg);
		fail_msg("config refused:\n%s", text);
	}
	return c;
}

/* Lints text; the findings land in got[]; returns lint_run()'s value. */
static int
lint_text(const char *text)
{
	struct conf *c = load(text);
	int n;

	ngot = nwarn = nnote = 0;
	n = lint_run(c, keep, NULL);
	conf_free(c);
	assert_int_equal(n, nwarn);
	return n;
}

/* The finding of this kind on this line whose message contains text. */
static const struct lint_finding *
find(enum lint_kind kind, int line, const char *text)
{
	int i;

	for (i = 0; i < ngot; i++)
		if (got[i].kind == kind && got[i].line == line &&
		    strstr(got[i].msg, text) != NULL)
			return &got[i];
	return NULL;
}

static const struct lint_finding *
expect(enum lint_kind kind, int line, const char *text)
{
	const struct lint_finding *f = find(kind, line, text);

	if (f == NULL) {
		print_message("no %s at line %d containing \"%s\"; got:\n",
		    lint_kind_name(kind), line, text);
		dump();
		fail();
	}
	return f;
}

static int
count_kind(enum lint_kind kind)
{
	int i, n = 0;

	for (i = 0; i < ngot; i++)
		n += got[i].kind == kind;
	return n;
}

static void
expect_no(enum lint_kind kind)
{
	if (count_kind(kind) != 0) {
		print_message("unexpected %s; got:\n", lint_kind_name(kind));
		dump();
		fail();
	}
}

/* The rule a text goes to, by the real router; -1 for triage. */
static long
route_rule(const char *conftext, const char *text)
{
	struct conf *c = load(conftext);
	struct route_table *rt;
	struct route_decision d;
	char err[256];

	rt = route_build(c, err, sizeof(err));
	if (rt == NULL)
		fail_msg("route_build: %s", err);
	route_text(rt, text, strlen(text), &d);
	route_free(rt);
	conf_free(c);
	return d.rule;
}

/* ---- a clean config ---- */

static const char clean[] = HEAD
	"rules = (\n"
	RULE("JALAN", "dpupr", "aliases = [ \"JLN\", \"JALANAN\", \"LAMPU JALAN\" ]; "
	    "regional = ( { region = \"ambarawa\"; agency = \"dlh\"; } );")
	LAST("LIMBAH", "dlh", "aliases_en = [ \"WASTE\" ]; "
	    "regional = ( { region = \"ambarawa\"; agency = \"dpupr\"; } );")
	");\n"
	"regions = ( { id = \"ambarawa\"; name = \"Ambarawa\"; keywords = [ \"AMBARAWA\" ]; } );\n";

static void
test_clean(void **state)
{
	(void)state;
	assert_int_equal(lint_text(clean), 0);
	if (ngot != 0)
		dump();
	assert_int_equal(ngot, 0);
}

static void
test_unusable(void **state)
{
	struct conf *c;

	(void)state;
	assert_int_equal(lint_run(NULL, keep, NULL), -1);
	c = load(clean);
	c->rules[1].agency = 99;	/* what a hand-built conf might hold */
	ngot = 0;
	assert_int_equal(lint_run(c, keep, NULL), -1);
	assert_int_equal(ngot, 0);
	c->rules[1].agency = 1;
	/* emit may be NULL: the count alone. */
	assert_int_equal(lint_run(c, NULL, NULL), 0);
	conf_free(c);
}

/* ---- typo tolerance ---- */

static const char typo_pair[] = HEAD
	"rules = (\n"
	RULE("PARKIR", "dpupr", "")			/* line 6 */
	LAST("LIMBAH", "dlh", "aliases = [ \"PARKIT\" ];")	/* line 7 */
	");\n";

static void
test_typo_pair(void **state)
{
	const struct lint_finding *f;

	(void)state;
	assert_int_equal(lint_text(typo_pair), 1);
	f = expect(LINT_TYPO_PAIR, 7, "alias 'PARKIT' of rule LIMBAH and keyword "
	    "'PARKIR' of rule PARKIR (line 6) are one letter apart");
	assert_int_equal(f->level, LINT_WARNING);
	assert_int_equal(f->line2, 6);
	assert_non_null(strstr(f->msg, "ignored as ambiguous"));
	assert_int_equal(ngot, 1);

	/* What the finding says is what the router does. */
	assert_int_equal(route_rule(typo_pair, "PARKIT liar"), 1);
	assert_int_equal(route_rule(typo_pair, "PARKIR liar"), 0);
	assert_int_equal(route_rule(typo_pair, "PARKIS liar"), -1);	/* ambiguous */
	assert_int_equal(route_rule(typo_pair, "PARKR liar"), 0);
	/* A misspelling of PARKIR that is PARKIT reaches the other rule. */
}

static const char typo_capture[] = HEAD
	"rules = (\n"
	RULE("JALAN", "dpupr", "")			/* line 6 */
	LAST("LIMBAH", "dlh", "aliases = [ \"JLAN\" ];")	/* line 7 */
	");\n";

static void
test_typo_capture(void **state)
{
	const struct lint_finding *f;

	(void)state;
	assert_int_equal(lint_text(typo_capture), 1);
	f = expect(LINT_TYPO_CAPTURE, 7, "alias 'JLAN' of rule LIMBAH is one "
	    "letter off keyword 'JALAN' of rule JALAN (line 6): a citizen "
	    "misspelling JALAN this way reaches rule LIMBAH");
	assert_int_equal(f->line2, 6);
	assert_int_equal(route_rule(typo_capture, "JLAN rusak"), 1);
	/* Without the alias the router takes JLAN for a typo of JALAN. */
	assert_int_equal(route_rule(HEAD "rules = (\n" LAST("JALAN", "dpupr", "")
	    ");\n", "JLAN rusak"), 0);
}

/* Same rule: a misspelling listed on purpose, nothing to say. */
static void
test_typo_same_rule(void **state)
{
	(void)state;
	assert_int_equal(lint_text(HEAD
	    "rules = (\n"
	    RULE("JALAN", "dpupr", "aliases = [ \"JALANN\", \"JLAN\", \"JLANAN\" ];")
	    LAST("LIMBAH", "dlh", "")
	    ");\n"), 0);
	assert_int_equal(ngot, 0);
}

/* Short words are not typo-tolerant: no pair. */
static void
test_typo_short_words(void **state)
{
	(void)state;
	assert_int_equal(lint_text(HEAD
	    "rules = (\n"
	    RULE("JLN", "dpupr", "")
	    LAST("LIMBAH", "dlh", "aliases = [ \"JLNN\", \"1234\" ];")
	    ");\n"), 0);
	expect_no(LINT_TYPO_PAIR);
	expect_no(LINT_TYPO_CAPTURE);
}

/* Region words take part: a typo between a rule and a region is ambiguous. */
static void
test_typo_region(void **state)
{
	static const char text[] = HEAD
	    "rules = (\n"
	    RULE("JALAN", "dpupr", "aliases = [ \"BAWEN\" ];")	/* line 6 */
	    LAST("LIMBAH", "dlh", "aliases = [ \"BAWN\" ];")		/* line 7 */
	    ");\n"
	    "regions = (\n"
	    "  { id = \"ambarawa\"; name = \"A\"; keywords = [ \"BAWEM\" ]; },\n"	/* 10 */
	    "  { id = \"ungaran\"; name = \"U\"; keywords = [ \"JALAM\" ]; } );\n";	/* 11 */

	(void)state;
	lint_text(text);
	expect(LINT_TYPO_PAIR, 10, "word 'BAWEM' of region ambarawa and alias "
	    "'BAWEN' of rule JALAN (line 6)");
	expect(LINT_TYPO_PAIR, 11, "word 'JALAM' of region ungaran and keyword "
	    "'JALAN' of rule JALAN (line 6)");
	/* BAWN is one letter off BAWEN (two off BAWEM). */
	expect(LINT_TYPO_CAPTURE, 7, "alias 'BAWN' of rule LIMBAH is one letter "
	    "off alias 'BAWEN' of rule JALAN (line 6): a citizen misspelling "
	    "BAWEN this way reaches rule LIMBAH");
	assert_int_equal(count_kind(LINT_TYPO_PAIR), 2);
	assert_int_equal(count_kind(LINT_TYPO_CAPTURE), 1);
	/*
	 * JALAM is also one letter off DALAM and MALAM: no finding, since the
	 * router never reads a common word as a typo.
	 */
	expect_no(LINT_COMMON_WORD);
}

/* ---- phrases ---- */

static void
test_phrase_shares(void **state)
{
	const struct lint_finding *f;

	(void)state;
	assert_int_equal(lint_text(HEAD
	    "rules = (\n"
	    RULE("JALAN", "dpupr", "")					/* 6 */
	    RULE("LIMBAH", "dlh", "aliases = [ \"LAMPU JALAN\" ];")	/* 7 */
	    RULE("AIR", "dlh", "")					/* 8 */
	    LAST("BANJIR", "dpupr", "aliases = [ \"AIR JALAN\" ];")	/* 9 */
	    ");\n"), 0);
	f = expect(LINT_PHRASE_SHARES, 7, "phrase 'LAMPU JALAN' of rule LIMBAH "
	    "contains 'JALAN', the keyword of rule JALAN (line 6): the phrase "
	    "wins only as these two words in this order, spelt exactly");
	assert_int_equal(f->level, LINT_NOTE);
	assert_int_equal(f->line2, 6);
	expect(LINT_PHRASE_SHARES, 9, "phrase 'AIR JALAN' of rule BANJIR joins "
	    "'AIR', the keyword of rule AIR (line 8), and 'JALAN', the keyword "
	    "of rule JALAN (line 6)");
	assert_int_equal(count_kind(LINT_PHRASE_SHARES), 2);
}

static void
test_phrase_region(void **state)
{
	const struct lint_finding *f;

	(void)state;
	assert_int_equal(lint_text(HEAD
	    "rules = (\n"
	    RULE("JALAN", "dpupr", "aliases = [ \"PASAR BAWEN\" ];")	/* 6 */
	    LAST("LIMBAH", "dlh", "")
	    ");\n"
	    "regions = ( { id = \"ambarawa\"; name = \"A\"; keywords = [ \"BAWEN\" ]; } );\n"),
	    1);
	f = expect(LINT_PHRASE_REGION, 6, "phrase 'PASAR BAWEN' of rule JALAN "
	    "contains 'BAWEN', a word of region ambarawa (line 9): the phrase "
	    "consumes it");
	assert_int_equal(f->level, LINT_WARNING);
}

static void
test_phrase_chain(void **state)
{
	static const char text[] = HEAD
	    "rules = (\n"
	    RULE("LISTRIK", "dlh", "aliases = [ \"MATI LAMPU\" ];")	/* 6 */
	    RULE("PJU", "dpupr", "aliases = [ \"LAMPU JALAN\" ];")	/* 7 */
	    LAST("SEKOLAH", "dpupr", "aliases = [ \"LAMPU KELAS\" ];")	/* 8 */
	    ");\n";

	(void)state;
	assert_int_equal(lint_text(text), 0);
	expect(LINT_PHRASE_CHAIN, 7, "phrase 'LAMPU JALAN' of rule PJU overlaps "
	    "'MATI LAMPU' of rule LISTRIK (line 6): in 'MATI LAMPU JALAN' the "
	    "first phrase takes 'LAMPU'");
	expect(LINT_PHRASE_CHAIN, 8, "'LAMPU KELAS' of rule SEKOLAH overlaps "
	    "'MATI LAMPU'");
	assert_int_equal(count_kind(LINT_PHRASE_CHAIN), 2);
	assert_int_equal(route_rule(text, "mati lampu jalan depan pasar"), 0);
	assert_int_equal(route_rule(text, "lampu jalan mati depan pasar"), 1);
}

/*
 * A two-word phrase holding another rule's word: in the other order no
 * phrase decides, and the words vote (issue 15).
 */
static void
test_phrase_order(void **state)
{
	static const char text[] = HEAD
	    "rules = (\n"
	    RULE("PJU", "dpupr", "aliases = [ \"LAMPU\" ];")			/* 6 */
	    RULE("LISTRIK", "dlh", "aliases = [ \"MATI LAMPU\" ];")		/* 7 */
	    RULE("PERUMAHAN", "dpupr", "aliases = [ \"RUMAH\" ];")		/* 8 */
	    RULE("KESEHATAN", "dlh", "aliases = [ \"RUMAH SAKIT\", \"SAKIT\" ];") /* 9 */
	    RULE("POHON", "dlh", "")						/* 10 */
	    LAST("BENCANA", "dpupr", "aliases = [ \"POHON TUMBANG\", \"TUMBANG POHON\" ];") /* 11 */
	    ");\n";
	const struct lint_finding *f;

	(void)state;
	/* The one warning: RUMAH is a very common word. */
	assert_int_equal(lint_text(text), 1);
	expect(LINT_COMMON_WORD, 8, "alias 'RUMAH' of rule PERUMAHAN");
	f = expect(LINT_PHRASE_ORDER, 7, "phrase 'MATI LAMPU' of rule LISTRIK: "
	    "in the other order, 'LAMPU MATI', no phrase decides and 'LAMPU', "
	    "an alias of rule PJU (line 6), takes the message to rule PJU; if "
	    "it means the same, add 'LAMPU MATI' to rule LISTRIK");
	assert_int_equal(f->level, LINT_NOTE);
	assert_int_equal(f->line2, 6);
	/* The router agrees. */
	assert_int_equal(route_rule(text, "tolong lampu mati sejak kemarin"), 0);
	assert_int_equal(route_rule(text, "tolong mati lampu sejak kemarin"), 1);
	/*
	 * RUMAH SAKIT: its rule has SAKIT, so "sakit ... rumah" is a tie
	 * (triage, not the wrong agency); POHON TUMBANG: the other order is a
	 * phrase too.  Neither gets the note.
	 */
	assert_int_equal(count_kind(LINT_PHRASE_ORDER), 1);
	assert_int_equal(route_rule(text, "tolong sakit di rumah"), -1);
	assert_int_equal(route_rule(text, "ada tumbang pohon besar"), 5);
}

/* An unless phrase in the other order decides too: it takes the words. */
static void
test_phrase_order_unless(void **state)
{
	static const char text[] = HEAD
	    "rules = (\n"
	    RULE("PJU", "dpupr", "aliases = [ \"LAMPU\" ];")			/* 6 */
	    LAST("LISTRIK", "dlh", "aliases = [ \"MATI LAMPU\" ]; "
	        "unless = [ \"LAMPU MATI\" ];")					/* 7 */
	    ");\n";

	(void)state;
	assert_int_equal(lint_text(text), 0);
	expect_no(LINT_PHRASE_ORDER);
	assert_int_equal(route_rule(text, "tolong lampu mati sejak kemarin"),
	    -1);
}

/* Phrases of three words: what they hold, and what they overlap. */
static void
test_phrase_three_words(void **state)
{
	static const char text[] = HEAD
	    "rules = (\n"
	    RULE("PERUMAHAN", "dpupr", "aliases = [ \"RUMAH\" ];")		/* 6 */
	    RULE("TERNAK", "dlh", "aliases = [ \"RUMAH SAKIT HEWAN\" ];")	/* 7 */
	    RULE("PANGAN", "dpupr", "aliases = [ \"HEWAN KURBAN\", \"SAKIT HEWAN\" ];") /* 8 */
	    RULE("LISTRIK", "dlh", "aliases = [ \"MATI LAMPU\" ];")		/* 9 */
	    LAST("JALAN", "dpupr", "aliases = [ \"LAMPU JALAN RAYA\" ];")	/* 10 */
	    ");\n";

	(void)state;
	assert_int_equal(lint_text(text), 1);	/* RUMAH: common-word */
	expect(LINT_PHRASE_SHARES, 7, "phrase 'RUMAH SAKIT HEWAN' of rule "
	    "TERNAK contains 'RUMAH', an alias of rule PERUMAHAN (line 6): the "
	    "phrase wins only as these three words in this order");
	expect(LINT_PHRASE_CHAIN, 8, "phrase 'HEWAN KURBAN' of rule PANGAN "
	    "overlaps 'RUMAH SAKIT HEWAN' of rule TERNAK (line 7): in 'RUMAH "
	    "SAKIT HEWAN KURBAN' the first phrase takes 'HEWAN', and 'KURBAN' "
	    "is read on its own");
	expect(LINT_PHRASE_CHAIN, 10, "phrase 'LAMPU JALAN RAYA' of rule JALAN "
	    "overlaps 'MATI LAMPU' of rule LISTRIK (line 9): in 'MATI LAMPU "
	    "JALAN RAYA' the first phrase takes 'LAMPU', and 'JALAN RAYA' is "
	    "read on its own");
	/* SAKIT HEWAN lies inside RUMAH SAKIT HEWAN: that one simply wins. */
	assert_int_equal(count_kind(LINT_PHRASE_CHAIN), 2);
	assert_int_equal(route_rule(text, "di rumah sakit hewan kurban"), 1);
	assert_int_equal(route_rule(text, "mati lampu jalan raya"), 3);
}

static void
test_phrase_keyword(void **state)
{
	(void)state;
	assert_int_equal(lint_text(HEAD
	    "rules = (\n"
	    RULE("LAMPU JALAN", "dpupr", "")		/* 6 */
	    LAST("LIMBAH", "dlh", "")
	    ");\n"), 0);
	expect(LINT_PHRASE_KEYWORD, 6, "keyword 'LAMPU JALAN' of rule LAMPU "
	    "JALAN is two words: the structured form KEYWORD#LOCATION#TEXT "
	    "needs a one-word keyword");
}

/* ---- words on their own ---- */

static void
test_command_word(void **state)
{
	(void)state;
	/* Check refuses command words as keywords; phrases it accepts. */
	assert_int_equal(lint_text(HEAD
	    "rules = (\n"
	    RULE("JALAN", "dpupr", "aliases_en = [ \"ROAD\" ];")		/* 6 */
	    LAST("LISTRIK", "dlh", "aliases = [ \"STOP KONTAK\", \"LAPOR PLN\" ];")	/* 7 */
	    ");\n"), 2);
	expect(LINT_COMMAND_WORD, 7, "phrase 'STOP KONTAK' (alias of rule "
	    "LISTRIK) starts with the command word STOP");
	expect(LINT_COMMAND_WORD, 7, "phrase 'LAPOR PLN' (alias of rule "
	    "LISTRIK) starts with the command word LAPOR: a message opening "
	    "with it loses that word as the complaint prefix");
}

static void
test_short_and_common(void **state)
{
	(void)state;
	assert_int_equal(lint_text(HEAD
	    "rules = (\n"
	    RULE("JALAN", "dpupr", "aliases = [ \"JL\", \"YANG\" ];")	/* 6 */
	    LAST("LISTRIK", "dlh", "aliases = [ \"PADAM\" ];")		/* 7 */
	    ");\n"
	    "regions = ( { id = \"x\"; name = \"X\"; keywords = [ \"X\" ]; } );\n"),	/* 9 */
	    3);
	expect(LINT_SHORT_WORD, 6, "alias 'JL' of rule JALAN is only 2 "
	    "characters: it matches wherever it stands alone");
	expect(LINT_SHORT_WORD, 9, "word 'X' of region x is only 1 character:");
	expect(LINT_COMMON_WORD, 6, "alias 'YANG' of rule JALAN is a very common "
	    "word in messages");
	/* PADAM is one letter off the common word PADA, which is never a typo: fine. */
	assert_int_equal(count_kind(LINT_COMMON_WORD), 1);
}

/* A common word one letter off words of two rules: the router ignores it. */
static void
test_common_word_ambiguous(void **state)
{
	static const char text[] = HEAD
	    "rules = (\n"
	    RULE("SAMPAH", "dlh", "")		/* 6 */
	    LAST("SAMPAN", "dpupr", "")		/* 7: a boat, one letter off */
	    ");\n";

	(void)state;
	lint_text(text);
	expect(LINT_TYPO_PAIR, 7, "keyword 'SAMPAN' of rule SAMPAN and keyword "
	    "'SAMPAH' of rule SAMPAH (line 6)");
	expect_no(LINT_COMMON_WORD);
	assert_int_equal(route_rule(text, "sudah dilaporkan sampai dua kali"), -1);
}

/* ---- stems (routing.stemming) ---- */

static void
test_stems(void **state)
{
	static const char text[] = HEAD
	    "rules = (\n"
	    RULE("LISTRIK", "dpupr", "aliases = [ \"PADAM\" ];")	/* 6 */
	    RULE("GEDUNG", "dlh", "aliases = [ \"PEMADAMAN\", "
	    "\"PERBAIKAN\" ];")						/* 7 */
	    LAST("JALAN", "dpupr", "aliases = [ \"JALANAN\" ];")	/* 8 */
	    ");\n";

	(void)state;
	lint_text(text);
	expect(LINT_STEM_COMMON, 7, "alias 'PERBAIKAN' of rule GEDUNG has the "
	    "stem BAIK, a very common word");
	expect(LINT_STEM_COLLIDES, 7, "alias 'PEMADAMAN' of rule GEDUNG and "
	    "alias 'PADAM' of rule LISTRIK share the stem PADAM");
	/* JALANAN and JALAN share a stem within one rule: nothing to say */
	assert_null(find(LINT_STEM_COLLIDES, 8, ""));
	/* what the warnings mean, by the real router */
	assert_int_equal(route_rule(text, "kerjanya baik sekali"), -1);
	assert_int_equal(route_rule(text, "listrik dipadamkan lagi"), 0);
	assert_int_equal(route_rule(text, "dipadamkan lagi"), -1);
	/* stemming off: nothing about stems */
	lint_text(HEAD "routing = { stemming = false; };\n"
	    "rules = (\n"
	    RULE("LISTRIK", "dpupr", "aliases = [ \"PADAM\" ];")
	    LAST("GEDUNG", "dlh", "aliases = [ \"PEMADAMAN\", \"PERBAIKAN\" ];")
	    ");\n");
	expect_no(LINT_STEM_COMMON);
	expect_no(LINT_STEM_COLLIDES);
}

/* ---- agencies and regions ---- */

static void
test_agency_unused(void **state)
{
	const struct lint_finding *f;

	(void)state;
	assert_int_equal(lint_text(
	    "agencies = ( { id = \"dpupr\"; name = \"Dinas PU\"; short_name = \"DPUPR\"; },\n"
	    "  { id = \"dlh\"; name = \"Dinas LH\"; short_name = \"DLH\"; },\n"
	    "  { id = \"upt\"; name = \"UPT\"; short_name = \"UPT\"; },\n"	/* 3: regional */
	    "  { id = \"bpbd\"; name = \"Badan Bencana\"; short_name = \"BPBD\"; },\n"	/* 4 */
	    "  { id = \"diskominfo\"; name = \"Diskominfo\"; short_name = \"Diskominfo\"; } );\n"
	    "triage = \"diskominfo\";\n"
	    "regions = ( { id = \"ambarawa\"; name = \"A\"; keywords = [ \"AMBARAWA\" ]; } );\n"
	    "rules = (\n"
	    RULE("JALAN", "dpupr", "regional = ( { region = \"ambarawa\"; agency = \"upt\"; } );")
	    LAST("LIMBAH", "dlh", "regional = ( { region = \"ambarawa\"; agency = \"dlh\"; } );")
	    ");\n"), 1);
	f = expect(LINT_AGENCY_UNUSED, 4, "agency 'bpbd' (Badan Bencana) is never "
	    "reached: no rule, regional entry or triage names it");
	assert_int_equal(f->level, LINT_WARNING);
	assert_int_equal(count_kind(LINT_AGENCY_UNUSED), 1);
	expect(LINT_REGIONAL_SAME, 10, "rule LIMBAH: the regional agency for "
	    "region ambarawa is dlh, the rule's own: the entry changes nothing");
}

static void
test_region_fallback(void **state)
{
	const struct lint_finding *f;

	(void)state;
	assert_int_equal(lint_text(HEAD
	    "regions = (\n"
	    "  { id = \"ambarawa\"; name = \"A\"; keywords = [ \"AMBARAWA\" ]; },\n"	/* 6 */
	    "  { id = \"ungaran\"; name = \"U\"; keywords = [ \"UNGARAN\" ]; } );\n"	/* 7 */
	    "rules = (\n"
	    RULE("JALAN", "dpupr", "regional = ( { region = \"ambarawa\"; agency = \"dlh\"; } );")
	    RULE("LIMBAH", "dlh", "")
	    LAST("KESEHATAN", "dlh", "")
	    ");\n"), 0);
	f = expect(LINT_REGION_FALLBACK, 6, "region ambarawa: 2 of 3 rules have "
	    "no regional agency for it and keep their own: LIMBAH, KESEHATAN");
	assert_int_equal(f->level, LINT_NOTE);
	assert_string_equal(f->msg, "region ambarawa: 2 of 3 rules have no regional "
	    "agency for it and keep their own: LIMBAH, KESEHATAN");
	expect(LINT_REGION_FALLBACK, 7, "region ungaran: no rule has a regional "
	    "agency for it");
}

/* Many rules without a regional agency: the list stops, with a count. */
static void
test_region_fallback_many(void **state)
{
	char *text = xmalloc(64 * 1024);
	size_t len;
	int i;

	(void)state;
	len = (size_t)snprintf(text, 64 * 1024, "%s%s", HEAD,
	    "regions = ( { id = \"ambarawa\"; name = \"A\"; keywords = [ \"AMBARAWA\" ]; } );\n"
	    "rules = (\n"
	    "  { keyword = \"JALAN\"; agency = \"dpupr\"; label = { id = \"L\"; };\n"
	    "    regional = ( { region = \"ambarawa\"; agency = \"dlh\"; } ); },\n");
	for (i = 0; i < 100; i++)
		len += (size_t)snprintf(text + len, 64 * 1024 - len,
		    "  { keyword = \"KATEGORI%c%c%c%c\"; agency = \"dlh\"; label = "
		    "{ id = \"L\"; }; }%s\n", 'A' + i / 26, 'A' + i % 26,
		    'A' + i / 26, 'A' + i % 26, i < 99 ? "," : "");
	(void)snprintf(text + len, 64 * 1024 - len, ");\n");
	lint_text(text);
	free(text);
	expect(LINT_REGION_FALLBACK, 5, "region ambarawa: 100 of 101 rules have "
	    "no regional agency for it and keep their own: KATEGORIAAAA, "
	    "KATEGORIABAB,");
	assert_int_equal(ngot, 1);
	expect(LINT_REGION_FALLBACK, 5, "more");
	assert_true(strlen(find(LINT_REGION_FALLBACK, 5, "more")->msg) < 256);
	assert_null(strstr(find(LINT_REGION_FALLBACK, 5, "more")->msg, "..."));
}

/* ---- order ---- */

static void
test_order(void **state)
{
	static const char text[] = HEAD
	    "rules = (\n"
	    RULE("LISTRIK", "dlh", "aliases = [ \"MATI LAMPU\", \"PADAM\" ];")	/* 6 */
	    RULE("PJU", "dpupr", "aliases = [ \"LAMPU JALAN\", \"YANG\" ];")	/* 7 */
	    LAST("JALAN", "dpupr", "aliases = [ \"JALAM\" ];")			/* 8 */
	    ");\n";
	struct lint_finding first[MAXF];
	int i, n;

	(void)state;
	lint_text(text);
	n = ngot;
	assert_true(n >= 3);
	for (i = 1; i < n; i++) {
		assert_true(got[i - 1].line <= got[i].line);
		if (got[i - 1].line == got[i].line)
			assert_true(got[i - 1].kind <= got[i].kind);
	}
	memcpy(first, got, sizeof(first));
	lint_text(text);
	assert_int_equal(ngot, n);
	assert_memory_equal(first, got, (size_t)n * sizeof(*got));
}

/* ---- the bundled example ---- */

static void
test_example_config(void **state)
{
	const char *dir = getenv("ADUAN_SRCDIR");
	char path[4096];
	struct conf *c;
	int n, i;

	(void)state;
	(void)snprintf(path, sizeof(path), "%s/conf/aduan.conf",
	    dir != NULL && *dir ? dir : ".");
	memset(&errs, 0, sizeof(errs));
	c = conf_load_file(path, CONF_DEMO, &errs);
	assert_non_null(c);
	ngot = nwarn = nnote = 0;
	n = lint_run(c, keep, NULL);
	conf_free(c);
	assert_true(n >= 0);
	/* The example lints without warnings (notes are fine). */
	for (i = 0; i < ngot; i++)
		if (got[i].level == LINT_WARNING)
			print_message("    conf/aduan.conf:%d: %s\n", got[i].line,
			    got[i].msg);
	assert_int_equal(n, 0);
	/* A note it is meant to have, wherever the rule PJU now stands. */
	for (i = 0; i < ngot; i++)
		if (got[i].kind == LINT_PHRASE_SHARES && strstr(got[i].msg,
		    "phrase 'LAMPU JALAN' of rule PJU contains 'JALAN'") != NULL)
			break;
	assert_true(i < ngot);
	assert_int_equal(got[i].level, LINT_NOTE);
}

/* ---- many rules ---- */

/* "R" + 3 letters of i + the same 3 again: two such words differ twice. */
static void
gen_word(char *out, char first, int i)
{
	char e[3];

	e[0] = (char)('A' + i / 676 % 26);
	e[1] = (char)('A' + i / 26 % 26);
	e[2] = (char)('A' + i % 26);
	out[0] = first;
	memcpy(out + 1, e, 3);
	memcpy(out + 4, e, 3);
	out[7] = '\0';
}

static void
test_many_rules(void **state)
{
	enum { N = 5000, PLANT_A = 123, PLANT_B = 4321 };
	size_t sz = (size_t)N * 160 + 1024, len;
	char *text = xmalloc(sz), kw[8], al[8], en[8];
	const struct lint_finding *f;
	char want[160], a[8], b[8];
	int i;

	(void)state;
	len = (size_t)snprintf(text, sz, "%srules = (\n", HEAD);
	for (i = 0; i < N; i++) {
		gen_word(kw, 'R', i);
		gen_word(al, 'S', i);
		gen_word(en, 'T', i);
		len += (size_t)snprintf(text + len, sz - len, "  { keyword = \"%s\"; "
		    "agency = \"%s\"; label = { id = \"L\"; }; aliases = [ \"%s\"%s ]; "
		    "aliases_en = [ \"%s\" ]; }%s\n", kw, i % 2 ? "dpupr" : "dlh",
		    al, i == PLANT_A ? ", \"PLANTED\"" : i == PLANT_B ?
		    ", \"PLANTER\"" : "", en, i + 1 < N ? "," : "");
		assert_true(len < sz);
	}
	(void)snprintf(text + len, sz - len, ");\n");
	assert_int_equal(lint_text(text), 1);
	free(text);
	gen_word(a, 'R', PLANT_A);
	gen_word(b, 'R', PLANT_B);
	(void)snprintf(want, sizeof(want), "alias 'PLANTER' of rule %s and "
	    "alias 'PLANTED' of rule %s (line %d) are one letter apart", b, a,
	    6 + PLANT_A);
	f = expect(LINT_TYPO_PAIR, 6 + PLANT_B, want);
	assert_int_equal(f->line2, 6 + PLANT_A);
	assert_int_equal(ngot, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_unusable),
		cmocka_unit_test(test_typo_pair),
		cmocka_unit_test(test_typo_capture),
		cmocka_unit_test(test_typo_same_rule),
		cmocka_unit_test(test_typo_short_words),
		cmocka_unit_test(test_typo_region),
		cmocka_unit_test(test_phrase_shares),
		cmocka_unit_test(test_phrase_region),
		cmocka_unit_test(test_phrase_chain),
		cmocka_unit_test(test_phrase_order),
		cmocka_unit_test(test_phrase_order_unless),
		cmocka_unit_test(test_phrase_three_words),
		cmocka_unit_test(test_phrase_keyword),
		cmocka_unit_test(test_command_word),
		cmocka_unit_test(test_short_and_common),
		cmocka_unit_test(test_common_word_ambiguous),
		cmocka_unit_test(test_agency_unused),
		cmocka_unit_test(test_region_fallback),
		cmocka_unit_test(test_region_fallback_many),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_example_config),
		cmocka_unit_test(test_many_rules),
		cmocka_unit_test(test_stems),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
