/*
 * test_route: the routing rules as a citizen's message meets them.  The
 * confs are built by hand from static arrays so these tests depend on the
 * router alone, not on the config loader.  Each test reads as one line of
 * the spec: a message, the rule and agency it must reach, and what the
 * operator's explanation must say.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "routing/route.h"
#include "util/util.h"

enum {
	A_DISKOMINFO, A_DPUPR, A_DLH, A_DISHUB, A_UPT_PU_AMBARAWA,
	A_DUKCAPIL, A_UPT_DLH_SEMARANG, A_BPBD, A_DISDAG
};
enum { G_SEMARANG, G_AMBARAWA, G_UNGARAN, G_KENDAL };
enum { R_JALAN, R_SAMPAH, R_PJU, R_AKTA, R_BANJIR, R_PASAR };

static struct conf_agency agencies[] = {
	{ .id = "diskominfo", .name = "Dinas Komunikasi dan Informatika", .short_name = "KOMINFO", .line = 1 },
	{ .id = "dpupr", .name = "Dinas Pekerjaan Umum dan Penataan Ruang", .short_name = "DPUPR", .line = 2 },
	{ .id = "dlh", .name = "Dinas Lingkungan Hidup", .short_name = "DLH", .line = 3 },
	{ .id = "dishub", .name = "Dinas Perhubungan", .short_name = "DISHUB", .line = 4 },
	{ .id = "upt-pu-ambarawa", .name = "UPT PU Ambarawa", .short_name = "UPT PU", .line = 5 },
	{ .id = "dukcapil", .name = "Dinas Kependudukan dan Pencatatan Sipil", .short_name = "CAPIL", .line = 6 },
	{ .id = "upt-dlh-semarang", .name = "UPT DLH Semarang", .short_name = "UPT DLH", .line = 7 },
	{ .id = "bpbd", .name = "Badan Penanggulangan Bencana Daerah", .short_name = "BPBD", .line = 8 },
	{ .id = "disdag", .name = "Dinas Perdagangan", .short_name = "DISDAG", .line = 9 },
};

static char *kw_semarang[] = { "SEMARANG", "SMG" };
static char *kw_ambarawa[] = { "AMBARAWA" };
static char *kw_ungaran[] = { "UNGARAN" };
static char *kw_kendal[] = { "KENDAL" };

static struct conf_region regions[] = {
	{ "semarang", "Semarang", kw_semarang, 2, 20 },
	{ "ambarawa", "Ambarawa", kw_ambarawa, 1, 21 },
	{ "ungaran", "Ungaran", kw_ungaran, 1, 22 },
	{ "kendal", "Kendal", kw_kendal, 1, 23 },
};

static char *al_jalan[] = { "JLN", "JEMBATAN" };
static char *en_jalan[] = { "ROAD", "POTHOLE" };
static struct conf_regional rg_jalan[] = { { G_AMBARAWA, A_UPT_PU_AMBARAWA } };
static char *al_sampah[] = { "LIMBAH" };
static char *en_sampah[] = { "TRASH", "GARBAGE" };
static struct conf_regional rg_sampah[] = {
	{ G_SEMARANG, A_UPT_DLH_SEMARANG }
};
static char *al_pju[] = { "LAMPU JALAN", "PENERANGAN" };
static char *en_pju[] = { "STREETLIGHT", "STREET LIGHT" };
static char *al_akta[] = { "KTP" };
static char *al_banjir[] = { "GENANGAN", "PASIR" };
static char *en_banjir[] = { "FLOOD" };
static char *al_pasar[] = { "KENDALA" };

static struct conf_rule rules[] = {
	{ "JALAN", al_jalan, 2, en_jalan, 2, A_DPUPR, rg_jalan, 1,
	    { "Jalan & jembatan", "Roads & bridges" }, 30, NULL, 0, 0, NULL, 0, NULL, 0 },
	{ "SAMPAH", al_sampah, 1, en_sampah, 2, A_DLH, rg_sampah, 1,
	    { "Sampah", "Waste" }, 31, NULL, 0, 0, NULL, 0, NULL, 0 },
	{ "PJU", al_pju, 2, en_pju, 2, A_DISHUB, NULL, 0,
	    { "Lampu jalan", "Street lights" }, 32, NULL, 0, 0, NULL, 0, NULL, 0 },
	{ "AKTA", al_akta, 1, NULL, 0, A_DUKCAPIL, NULL, 0,
	    { "Kependudukan", "Civil registry" }, 33, NULL, 0, 0, NULL, 0, NULL, 0 },
	{ "BANJIR", al_banjir, 2, en_banjir, 1, A_BPBD, NULL, 0,
	    { "Banjir", "Flood" }, 34, NULL, 0, 0, NULL, 0, NULL, 0 },
	{ "PASAR", al_pasar, 1, NULL, 0, A_DISDAG, NULL, 0,
	    { "Pasar", "Markets" }, 35, NULL, 0, 0, NULL, 0, NULL, 0 },
};

static struct conf test_conf = {
	.path = "<test>",
	.agencies = agencies,
	.nagencies = ARRAY_LEN(agencies),
	.triage = A_DISKOMINFO,
	.regions = regions,
	.nregions = ARRAY_LEN(regions),
	.rules = rules,
	.nrules = ARRAY_LEN(rules),
};

static int
setup(void **state)
{
	char err[256];
	struct route_table *rt = route_build(&test_conf, err, sizeof(err));

	if (rt == NULL) {
		fprintf(stderr, "route_build: %s\n", err);
		return -1;
	}
	*state = rt;
	return 0;
}

static int
teardown(void **state)
{
	route_free(*state);
	return 0;
}

static void
rtext(void **state, const char *text, struct route_decision *d)
{
	route_text(*state, text, strlen(text), d);
}

static void
rstruct(void **state, const char *k, const char *l, const char *t,
    struct route_decision *d)
{
	route_structured(*state, k, strlen(k), l, strlen(l), t, strlen(t), d);
}

/* The explanation contains s (printed on failure: it is the point). */
static void
has(const struct route_decision *d, const char *s)
{
	if (strstr(d->explain, s) == NULL) {
		print_error("explanation lacks \"%s\":\n  %s\n", s, d->explain);
		fail();
	}
}

static void
lacks(const struct route_decision *d, const char *s)
{
	if (strstr(d->explain, s) != NULL) {
		print_error("explanation has \"%s\":\n  %s\n", s, d->explain);
		fail();
	}
}

static void
leading_exact_keyword(void **state)
{
	struct route_decision d;
	const char *t = "JALAN Jl. Pemuda depan SMP 3 berlubang";

	rtext(state, t, &d);
	assert_int_equal(d.how, ROUTE_LEADING);
	assert_int_equal(d.rule, R_JALAN);
	assert_int_equal(d.agency, A_DPUPR);
	assert_int_equal(d.region, -1);
	assert_int_equal(d.regional, 0);
	assert_int_equal(d.typo, 0);
	assert_int_equal(d.lang, LANG_ID);
	assert_string_equal(d.word, "JALAN");
	assert_string_equal(d.keyword, "JALAN");
	assert_int_equal(d.body_offset, 5);
	assert_string_equal(t + d.body_offset,
	    " Jl. Pemuda depan SMP 3 berlubang");
	has(&d, "rule JALAN -> dpupr (Dinas Pekerjaan Umum");
	has(&d, "leading word 'JALAN' is the keyword JALAN (exact).");
	lacks(&d, "Region");
	lacks(&d, "typo");
}

static void
leading_alias(void **state)
{
	struct route_decision d;

	rtext(state, "jln rusak parah", &d);
	assert_int_equal(d.how, ROUTE_LEADING);
	assert_int_equal(d.rule, R_JALAN);
	assert_int_equal(d.lang, LANG_ID);
	assert_string_equal(d.word, "JLN");
	assert_string_equal(d.keyword, "JLN");
	assert_int_equal(d.body_offset, 3);
	has(&d, "leading word 'JLN' is an alias of JALAN (exact).");
}

static void
leading_english_alias(void **state)
{
	struct route_decision d;

	rtext(state, "Pothole near the market", &d);
	assert_int_equal(d.how, ROUTE_LEADING);
	assert_int_equal(d.rule, R_JALAN);
	assert_int_equal(d.lang, LANG_EN);
	assert_string_equal(d.keyword, "POTHOLE");
	has(&d, "an English alias of JALAN (exact)");

	/* A Bahasa keyword keeps Bahasa even with English words after it. */
	rtext(state, "SAMPAH trash everywhere", &d);
	assert_int_equal(d.rule, R_SAMPAH);
	assert_int_equal(d.lang, LANG_ID);
}

static void
leading_phrase_alias(void **state)
{
	struct route_decision d;
	const char *t = "lampu jalan mati sejak seminggu";

	/* The phrase is tried before JALAN alone, and consumes it. */
	rtext(state, t, &d);
	assert_int_equal(d.how, ROUTE_LEADING);
	assert_int_equal(d.rule, R_PJU);
	assert_int_equal(d.agency, A_DISHUB);
	assert_string_equal(d.word, "LAMPU JALAN");
	assert_string_equal(d.keyword, "LAMPU JALAN");
	assert_int_equal(d.body_offset, 11);
	assert_string_equal(t + d.body_offset, " mati sejak seminggu");
	has(&d, "leading phrase 'LAMPU JALAN' is an alias of PJU (exact).");

	/* Extra spaces and punctuation between the two words. */
	t = "Street   light, broken";
	rtext(state, t, &d);
	assert_int_equal(d.rule, R_PJU);
	assert_int_equal(d.lang, LANG_EN);
	assert_string_equal(d.word, "STREET LIGHT");
	assert_string_equal(t + d.body_offset, " broken");

	/* Punctuation around either word does not break the phrase. */
	rtext(state, "lampu, jalan", &d);
	assert_int_equal(d.rule, R_PJU);
}

static void
check_typo(void **state, const char *text, const char *word, size_t off)
{
	struct route_decision d;
	char want[128];

	rtext(state, text, &d);
	assert_int_equal(d.how, ROUTE_LEADING);
	assert_int_equal(d.rule, R_SAMPAH);
	assert_int_equal(d.agency, A_DLH);
	assert_int_equal(d.typo, 1);
	assert_int_equal(d.lang, LANG_ID);
	assert_string_equal(d.word, word);
	assert_string_equal(d.keyword, "SAMPAH");
	assert_int_equal(d.body_offset, off);
	snprintf(want, sizeof(want), "leading word '%s' is one letter off "
	    "'SAMPAH' (typo).", word);
	has(&d, want);
}

static void
leading_typo_each_edit(void **state)
{
	check_typo(state, "SAMPAK numpuk", "SAMPAK", 6);	/* replace */
	check_typo(state, "sampaah numpuk", "SAMPAAH", 7);	/* insertion */
	check_typo(state, "Sampa numpuk", "SAMPA", 5);		/* deletion */
	check_typo(state, "SAMAPH numpuk", "SAMAPH", 6);	/* swap */
	check_typo(state, "ASMPAH numpuk", "ASMPAH", 6);	/* swap at 0 */
	check_typo(state, "SAMPHA numpuk", "SAMPHA", 6);	/* swap, end */
}

static void
leading_typo_of_alias(void **state)
{
	struct route_decision d;

	rtext(state, "garbagge near my house", &d);
	assert_int_equal(d.rule, R_SAMPAH);
	assert_int_equal(d.typo, 1);
	assert_int_equal(d.lang, LANG_EN);
	assert_string_equal(d.keyword, "GARBAGE");
	has(&d, "'GARBAGGE' is one letter off 'GARBAGE', an English alias of "
	    "SAMPAH (typo).");
}

static void
no_typo_for_short_words(void **state)
{
	struct route_decision d;

	rtext(state, "AKTA hilang", &d);
	assert_int_equal(d.rule, R_AKTA);
	/* AKTA has 4 letters: one letter off is not close enough. */
	rtext(state, "AKTI hilang", &d);
	assert_int_equal(d.how, ROUTE_TRIAGE_NONE);
	assert_int_equal(d.rule, -1);
	rtext(state, "AKT hilang", &d);
	assert_int_equal(d.how, ROUTE_TRIAGE_NONE);
	/* Two letters off a 5+ letter keyword is too far. */
	rtext(state, "SMAPAK numpuk", &d);
	assert_int_equal(d.how, ROUTE_TRIAGE_NONE);
	/* A 4-byte message word may still be a deletion from FLOOD. */
	rtext(state, "FLOD di rumah", &d);
	assert_int_equal(d.rule, R_BANJIR);
	assert_int_equal(d.typo, 1);
	assert_int_equal(d.lang, LANG_EN);
	/* A 3-byte one may not. */
	rtext(state, "FLD di rumah", &d);
	assert_int_equal(d.how, ROUTE_TRIAGE_NONE);
}

static void
no_typo_for_digits(void **state)
{
	static char *nokw[] = { "12345" };
	static struct conf_rule r[] = {
		{ "NOMOR", nokw, 1, NULL, 0, 1, NULL, 0, { "x", "x" }, 1, NULL, 0, 0, NULL, 0, NULL, 0 },
	};
	struct conf c = test_conf;
	struct route_decision d;
	struct route_table *rt;
	char err[128];

	(void)state;
	c.rules = r;
	c.nrules = 1;
	rt = route_build(&c, err, sizeof(err));
	assert_non_null(rt);
	route_text(rt, "12345 x", 7, &d);
	assert_int_equal(d.how, ROUTE_LEADING);
	route_text(rt, "12346 x", 7, &d);
	assert_int_equal(d.how, ROUTE_TRIAGE_NONE);
	route_text(rt, "1234 x", 6, &d);
	assert_int_equal(d.how, ROUTE_TRIAGE_NONE);
	route_free(rt);
}

static void
typo_ambiguity(void **state)
{
	struct route_decision d;

	/* PASUR: one letter off PASAR (rule PASAR) and PASIR (rule BANJIR). */
	rtext(state, "PASUR becek sekali", &d);
	assert_int_equal(d.how, ROUTE_TRIAGE_NONE);
	assert_int_equal(d.rule, -1);
	assert_int_equal(d.agency, A_DISKOMINFO);
	has(&d, "no keyword found");
	has(&d, "Ignored 'PASUR': one letter off words of");
	has(&d, "PASAR");
	has(&d, "BANJIR");

	/* Ambiguous words are ignored, not fatal: the others still count. */
	rtext(state, "tolong PASUR becek ada sampah", &d);
	assert_int_equal(d.how, ROUTE_INSIDE);
	assert_int_equal(d.rule, R_SAMPAH);
	has(&d, "Ignored 'PASUR'");

	/* KENDALL: one letter off region KENDAL and rule PASAR's KENDALA. */
	rtext(state, "KENDALL jalan rusak", &d);
	assert_int_equal(d.how, ROUTE_INSIDE);
	assert_int_equal(d.rule, R_JALAN);
	assert_int_equal(d.region, -1);
	has(&d, "region kendal");
	/* The exact region word is not ambiguous. */
	rtext(state, "JALAN rusak di Kendal", &d);
	assert_int_equal(d.region, G_KENDAL);
}

static void
inside_phrase(void **state)
{
	struct route_decision d;

	/* JALAN is a roads keyword, but here it belongs to the phrase. */
	rtext(state, "tolong lampu jalan mati sejak seminggu", &d);
	assert_int_equal(d.how, ROUTE_INSIDE);
	assert_int_equal(d.rule, R_PJU);
	assert_int_equal(d.agency, A_DISHUB);
	assert_int_equal(d.body_offset, 0);
	assert_int_equal(d.lang, LANG_ID);
	assert_string_equal(d.word, "LAMPU JALAN");
	has(&d, "rule PJU -> dishub");
	has(&d, "found inside the text: phrase 'LAMPU JALAN' (exact).");
}

static void
inside_exact_beats_typo(void **state)
{
	struct route_decision d;

	/* Three typo words of JALAN lose to one exact word of SAMPAH. */
	rtext(state, "tolong jalam jembatann pothol dan sampah", &d);
	assert_int_equal(d.how, ROUTE_INSIDE);
	assert_int_equal(d.rule, R_SAMPAH);
	assert_int_equal(d.typo, 0);
	has(&d, "typo matches ignored");

	/* With typos only, they count. */
	rtext(state, "tolong jalam jembatann pothol dan sampaah", &d);
	assert_int_equal(d.how, ROUTE_INSIDE);
	assert_int_equal(d.rule, R_JALAN);
	assert_int_equal(d.typo, 1);
	assert_string_equal(d.word, "JALAM");
	has(&d, "'JALAM' (one letter off 'JALAN', typo)");
}

static void
inside_majority(void **state)
{
	struct route_decision d;

	rtext(state, "tolong jalan dan jembatan rusak, ada sampah", &d);
	assert_int_equal(d.how, ROUTE_INSIDE);
	assert_int_equal(d.rule, R_JALAN);
	assert_string_equal(d.word, "JALAN");
	has(&d, "'JALAN' (exact), 'JEMBATAN' (alias, exact)");
	has(&d, "2 against 1 for SAMPAH");

	/* The same word twice is one word: distinct words count. */
	rtext(state, "ada sampah sampah SAMPAH di jalan jembatan", &d);
	assert_int_equal(d.rule, R_JALAN);

	/* The deciding word is the winner's first in the text. */
	rtext(state, "di road ini ada jalan rusak", &d);
	assert_int_equal(d.rule, R_JALAN);
	assert_string_equal(d.word, "ROAD");
	assert_int_equal(d.lang, LANG_EN);
}

static void
inside_tie(void **state)
{
	struct route_decision d;

	rtext(state, "tolong jalan penuh sampah", &d);
	assert_int_equal(d.how, ROUTE_TRIAGE_TIE);
	assert_int_equal(d.rule, -1);
	assert_int_equal(d.agency, A_DISKOMINFO);
	assert_int_equal(d.lang, LANG_NONE);
	assert_int_equal(d.typo, 0);
	assert_string_equal(d.word, "");
	has(&d, "triage -> diskominfo");
	has(&d, "keywords of two rules tied: JALAN ('JALAN'), "
	    "SAMPAH ('SAMPAH').");

	rtext(state, "di jln jembatan ada sampah limbah", &d);
	assert_int_equal(d.how, ROUTE_TRIAGE_TIE);
	has(&d, "tied at 2 words each: JALAN ('JEMBATAN', 'JLN'), "
	    "SAMPAH ('LIMBAH', 'SAMPAH').");
}

static void
no_keyword(void **state)
{
	struct route_decision d;

	rtext(state, "halo selamat pagi", &d);
	assert_int_equal(d.how, ROUTE_TRIAGE_NONE);
	assert_int_equal(d.rule, -1);
	assert_int_equal(d.region, -1);
	assert_int_equal(d.agency, A_DISKOMINFO);
	assert_int_equal(d.lang, LANG_NONE);
	has(&d, "triage -> diskominfo");
	has(&d, "no keyword found.");

	rtext(state, "", &d);
	assert_int_equal(d.how, ROUTE_TRIAGE_NONE);
	route_text(*state, NULL, 0, &d);
	assert_int_equal(d.how, ROUTE_TRIAGE_NONE);
	rtext(state, " ,.!? *** ", &d);
	assert_int_equal(d.how, ROUTE_TRIAGE_NONE);

	/* Triage still reports a region. */
	rtext(state, "halo dari Ungaran", &d);
	assert_int_equal(d.how, ROUTE_TRIAGE_NONE);
	assert_int_equal(d.region, G_UNGARAN);
	assert_int_equal(d.agency, A_DISKOMINFO);
	assert_int_equal(d.regional, 0);
}

static void
leading_beats_inside(void **state)
{
	struct route_decision d;

	rtext(state, "SAMPAH di jalan depan pasar, jalan rusak jembatan", &d);
	assert_int_equal(d.how, ROUTE_LEADING);
	assert_int_equal(d.rule, R_SAMPAH);
	/* A typo'd leading keyword also beats exact words inside. */
	rtext(state, "SAMAPH di jalan jembatan", &d);
	assert_int_equal(d.how, ROUTE_LEADING);
	assert_int_equal(d.rule, R_SAMPAH);
	/* A leading region word is not a keyword: look inside. */
	rtext(state, "Semarang: jalan rusak", &d);
	assert_int_equal(d.how, ROUTE_INSIDE);
	assert_int_equal(d.rule, R_JALAN);
	assert_int_equal(d.region, G_SEMARANG);
}

static void
region_regional_agency(void **state)
{
	struct route_decision d;

	rtext(state, "JALAN rusak di Ambarawa dekat pasar", &d);
	assert_int_equal(d.rule, R_JALAN);
	assert_int_equal(d.region, G_AMBARAWA);
	assert_int_equal(d.agency, A_UPT_PU_AMBARAWA);
	assert_int_equal(d.regional, 1);
	has(&d, "rule JALAN -> dpupr");
	has(&d, "Region: 'AMBARAWA' -> ambarawa; regional agency "
	    "upt-pu-ambarawa.");

	/* Region words tolerate a typo too (5+ letters). */
	rtext(state, "JALAN rusak di Ambarawwa", &d);
	assert_int_equal(d.region, G_AMBARAWA);
	assert_int_equal(d.agency, A_UPT_PU_AMBARAWA);
	has(&d, "'AMBARAWWA' (one letter off 'AMBARAWA', typo) -> ambarawa");

	/* A short region alias, exact only. */
	rtext(state, "sampah di smg", &d);
	assert_int_equal(d.rule, R_SAMPAH);
	assert_int_equal(d.agency, A_UPT_DLH_SEMARANG);
	rtext(state, "sampah di smgg", &d);
	assert_int_equal(d.region, -1);
	assert_int_equal(d.agency, A_DLH);
}

static void
region_without_regional_agency(void **state)
{
	struct route_decision d;

	rtext(state, "JALAN rusak di Semarang", &d);
	assert_int_equal(d.region, G_SEMARANG);
	assert_int_equal(d.agency, A_DPUPR);
	assert_int_equal(d.regional, 0);
	has(&d, "region semarang has no regional agency for JALAN");
}

static void
two_regions(void **state)
{
	struct route_decision d;

	rtext(state, "JALAN dari Semarang ke Ambarawa rusak", &d);
	assert_int_equal(d.rule, R_JALAN);
	assert_int_equal(d.region, -1);
	assert_int_equal(d.agency, A_DPUPR);
	assert_int_equal(d.regional, 0);
	has(&d, "Regions disagree");
	/* Two words of one region are one region. */
	rtext(state, "SAMPAH SMG, kota Semarang", &d);
	assert_int_equal(d.region, G_SEMARANG);
	assert_int_equal(d.agency, A_UPT_DLH_SEMARANG);
}

static void
structured_form(void **state)
{
	struct route_decision d;

	rstruct(state, "JALAN", "Ambarawa", "lubang besar depan SD 2", &d);
	assert_int_equal(d.how, ROUTE_STRUCTURED);
	assert_int_equal(d.rule, R_JALAN);
	assert_int_equal(d.region, G_AMBARAWA);
	assert_int_equal(d.agency, A_UPT_PU_AMBARAWA);
	assert_int_equal(d.regional, 1);
	assert_int_equal(d.body_offset, 0);
	has(&d, "keyword field 'JALAN' is the keyword JALAN (exact).");

	rstruct(state, " lampu jalan ", "", "mati", &d);
	assert_int_equal(d.how, ROUTE_STRUCTURED);
	assert_int_equal(d.rule, R_PJU);

	rstruct(state, "samaph", "Semarang", "numpuk", &d);
	assert_int_equal(d.how, ROUTE_STRUCTURED);
	assert_int_equal(d.rule, R_SAMPAH);
	assert_int_equal(d.typo, 1);
	assert_int_equal(d.agency, A_UPT_DLH_SEMARANG);
	has(&d, "one letter off 'SAMPAH' (typo)");

	/* Region found in the description when the location has none. */
	rstruct(state, "SAMPAH", "pasar lama", "dekat terminal Semarang", &d);
	assert_int_equal(d.region, G_SEMARANG);
}

static void
structured_unknown_keyword(void **state)
{
	struct route_decision d;

	rstruct(state, "XYZ", "Semarang", "sampah menumpuk", &d);
	assert_int_equal(d.how, ROUTE_INSIDE);
	assert_int_equal(d.rule, R_SAMPAH);
	assert_int_equal(d.agency, A_UPT_DLH_SEMARANG);
	has(&d, "keyword field 'XYZ' was not recognised; found in the "
	    "description: 'SAMPAH' (exact).");

	/* Street names in the location are not keywords. */
	rstruct(state, "XYZ", "Jalan Pemuda", "lampu mati", &d);
	assert_int_equal(d.how, ROUTE_TRIAGE_NONE);
	has(&d, "no keyword found in the description");

	/* A region as keyword is not a keyword. */
	rstruct(state, "Semarang", "", "jalan rusak", &d);
	assert_int_equal(d.how, ROUTE_INSIDE);
	assert_int_equal(d.rule, R_JALAN);

	rstruct(state, "", "", "ada sampah", &d);
	assert_int_equal(d.rule, R_SAMPAH);
	has(&d, "keyword field was empty");

	/* A phrase may not straddle two fields. */
	rstruct(state, "LAMPU", "JALAN", "mati", &d);
	assert_int_equal(d.how, ROUTE_TRIAGE_NONE);
}

static void
case_and_punctuation(void **state)
{
	struct route_decision d;
	const char *t;

	t = "jalan, rusak";
	rtext(state, t, &d);
	assert_int_equal(d.rule, R_JALAN);
	assert_string_equal(d.word, "JALAN");
	assert_string_equal(t + d.body_offset, " rusak");

	t = "*Sampah* numpuk";
	rtext(state, t, &d);
	assert_int_equal(d.rule, R_SAMPAH);
	assert_string_equal(t + d.body_offset, " numpuk");

	t = "  \"JalÁn\"!\trusak";
	rtext(state, t, &d);
	assert_int_equal(d.how, ROUTE_LEADING);
	assert_int_equal(d.rule, R_JALAN);
	assert_string_equal(t + d.body_offset, "\trusak");

	/* Punctuation-only words are skipped, they do not start the text. */
	t = "- sampah numpuk";
	rtext(state, t, &d);
	assert_int_equal(d.how, ROUTE_LEADING);
	assert_int_equal(d.rule, R_SAMPAH);

	/* Only the length given is read. */
	route_text(*state, "JALAN SAMPAH", 3, &d);
	assert_int_equal(d.how, ROUTE_TRIAGE_NONE);
}

static void
big_and_hostile_input(void **state)
{
	struct route_decision d;
	char *buf;
	size_t i, n = 10240;

	buf = xmalloc(n + 1);
	for (i = 0; i < n; i++)
		buf[i] = "jalan sampah x "[i % 15];
	buf[n] = '\0';
	rtext(state, buf, &d);
	assert_int_equal(d.how, ROUTE_LEADING);
	/* What the operator reads: the rule, its agency and why. */
	has(&d, "rule JALAN -> dpupr");
	has(&d, "leading word 'JALAN' is the keyword JALAN");

	/* One 10 KB word. */
	memset(buf, 'A', n);
	rtext(state, buf, &d);
	assert_int_equal(d.how, ROUTE_TRIAGE_NONE);

	/* Arbitrary bytes: control characters, invalid UTF-8, NULs. */
	srand(7);
	for (i = 0; i < n; i++)
		buf[i] = (char)(rand() & 0xFF);
	route_text(*state, buf, n, &d);
	assert_int_equal(d.how, ROUTE_TRIAGE_NONE);
	has(&d, "triage -> diskominfo");
	has(&d, "no keyword found");
	for (i = 0; d.explain[i] != '\0'; i++)
		assert_true((unsigned char)d.explain[i] >= 0x20);
	route_structured(*state, buf, n, buf, n, buf, n, &d);
	/* The bad keyword field is quoted, the sentence still ends. */
	has(&d, "triage -> diskominfo");
	has(&d, "keyword field '");
	has(&d, "' was not recognised; no keyword found in the description.");
	for (i = 0; d.explain[i] != '\0'; i++)
		assert_true((unsigned char)d.explain[i] >= 0x20);

	/* Words beyond the first 512 are not looked at. */
	buf[0] = '\0';
	for (i = 0; i < 600; i++)
		memcpy(buf + i * 2, "x ", 2);
	memcpy(buf + 1200, "sampah", 7);
	rtext(state, buf, &d);
	assert_int_equal(d.how, ROUTE_TRIAGE_NONE);
	free(buf);
}

static void
control_bytes_not_in_explanation(void **state)
{
	struct route_decision d;

	/* Inner control bytes survive folding; the explanation masks them. */
	rtext(state, "SAM\x01PAH di pasar", &d);
	assert_int_equal(d.how, ROUTE_LEADING);
	assert_int_equal(d.typo, 1);
	has(&d, "'SAM?PAH'");
}

static void
build_rejects_bad_conf(void **state)
{
	static char *lower[] = { "jln" };
	static char *four[] = { "LAMPU JALAN RAYA MATI" };
	static char *unl_own[] = { "JLN" };
	static char *edge[] = { "LAMPU " };
	static struct conf_rule r[1];
	static struct conf_regional bad_rg[] = { { 99, 1 } };
	struct conf c;
	char err[256];

	(void)state;
	c = test_conf;
	c.rules = r;
	c.nrules = 1;

	r[0] = rules[R_JALAN];
	r[0].aliases = lower;
	r[0].naliases = 1;
	assert_null(route_build(&c, err, sizeof(err)));
	assert_non_null(strstr(err, "'jln' is not folded upper-case"));

	r[0].aliases = four;
	assert_null(route_build(&c, err, sizeof(err)));
	assert_non_null(strstr(err, "not one to three words"));

	/* An unless entry is checked as any word is. */
	r[0] = rules[R_JALAN];
	r[0].unless = lower;
	r[0].nunless = 1;
	assert_null(route_build(&c, err, sizeof(err)));
	assert_non_null(strstr(err, "unless: 'jln' is not folded upper-case"));
	r[0].unless = NULL;
	assert_null(route_build(&c, err, sizeof(err)));
	assert_non_null(strstr(err, "list missing"));
	/* The loader refuses an unless entry that is the rule's own word. */
	r[0].unless = unl_own;
	assert_null(route_build(&c, err, sizeof(err)));
	assert_non_null(strstr(err, "'JLN' is both a word of the rule and "
	    "in its unless list"));

	r[0].aliases = edge;
	assert_null(route_build(&c, err, sizeof(err)));

	r[0] = rules[R_JALAN];
	r[0].agency = 42;
	assert_null(route_build(&c, err, sizeof(err)));
	assert_non_null(strstr(err, "agency 42 does not exist"));

	r[0] = rules[R_JALAN];
	r[0].regional = bad_rg;
	assert_null(route_build(&c, err, sizeof(err)));

	r[0] = rules[R_JALAN];
	r[0].keyword = NULL;
	assert_null(route_build(&c, err, sizeof(err)));

	c = test_conf;
	c.triage = 99;
	assert_null(route_build(&c, err, sizeof(err)));
	assert_null(route_build(NULL, err, sizeof(err)));

	/* No rules at all is a valid (if useless) table: all triage. */
	c = test_conf;
	c.nrules = 0;
	c.rules = NULL;
	{
		struct route_table *rt = route_build(&c, err, sizeof(err));
		struct route_decision d;

		assert_non_null(rt);
		route_text(rt, "JALAN rusak", 11, &d);
		assert_int_equal(d.how, ROUTE_TRIAGE_NONE);
		route_free(rt);
	}
}

static void
duplicate_word_across_rules(void **state)
{
	static char *dup[] = { "JLN" };
	static struct conf_rule r[2];
	struct conf c = test_conf;
	struct route_decision d;
	struct route_table *rt;
	char err[256];

	(void)state;
	r[0] = rules[R_JALAN];
	r[1] = rules[R_SAMPAH];
	r[1].aliases = dup;
	r[1].naliases = 1;
	c.rules = r;
	c.nrules = 2;
	rt = route_build(&c, err, sizeof(err));
	assert_non_null(rt);
	/* Configured for both: neither rule may claim it. */
	route_text(rt, "JLN rusak", 9, &d);
	assert_int_equal(d.how, ROUTE_TRIAGE_NONE);
	has(&d, "Ignored 'JLN': configured for both JALAN and SAMPAH");
	route_free(rt);
}

/* Several threads share one table and must agree with a single thread. */
struct thr {
	const struct route_table *rt;
	int bad;
};

static void *
thr_run(void *arg)
{
	static const char *msgs[] = {
		"tolong jalan penuh sampah", "SAMAPH di Semarang",
		"lampu jalan mati", "JALAN rusak di Ambarawa", "PASUR becek",
	};
	static const long want[] = { -1, R_SAMPAH, R_PJU, R_JALAN, -1 };
	struct thr *t = arg;
	struct route_decision d;
	size_t i;

	for (i = 0; i < 2000; i++) {
		route_text(t->rt, msgs[i % 5], strlen(msgs[i % 5]), &d);
		if (d.rule != want[i % 5])
			t->bad++;
	}
	return NULL;
}

static void
shared_between_threads(void **state)
{
	pthread_t th[4];
	struct thr t[4];
	size_t i;

	for (i = 0; i < 4; i++) {
		t[i].rt = *state;
		t[i].bad = 0;
		assert_int_equal(pthread_create(&th[i], NULL, thr_run, &t[i]),
		    0);
	}
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(t[i].bad, 0);
	}
}

/*
 * Many generated rules: keyword K + abc + abc (abc = the rule number in
 * base 26), alias W + cba + X.  Two keywords differ in at least two
 * letters, but a typo may still be one letter off two of them ("KAABAA"
 * is off KAABAAB and KBAABAA): the targets below have distinct letters.
 */
#define BIG 10000

static void
gen_word(char *out, size_t i, int alias)
{
	char d[3];

	d[0] = (char)('A' + i / 676);
	d[1] = (char)('A' + i / 26 % 26);
	d[2] = (char)('A' + i % 26);
	if (alias)
		snprintf(out, 8, "W%c%c%cX", d[2], d[1], d[0]);
	else
		snprintf(out, 8, "K%c%c%c%c%c%c", d[0], d[1], d[2], d[0], d[1],
		    d[2]);
}

/*
 * n generated rules, the words and agencies of rules first .. first+n-1 of
 * the 10,000-rule list (the same rule has the same words, agency and line
 * in a small table as in the big one).
 */
static struct conf *
big_conf_at(size_t first, size_t n)
{
	struct conf *c = xcalloc(1, sizeof(*c));
	size_t i, g;

	*c = test_conf;
	c->nregions = 0;
	c->regions = NULL;
	c->rules = xcalloc(n, sizeof(*c->rules));
	c->nrules = n;
	for (i = 0; i < n; i++) {
		g = first + i;
		c->rules[i].keyword = xmalloc(8);
		gen_word(c->rules[i].keyword, g, 0);
		c->rules[i].aliases = xcalloc(1, sizeof(char *));
		c->rules[i].aliases[0] = xmalloc(8);
		gen_word(c->rules[i].aliases[0], g, 1);
		c->rules[i].naliases = 1;
		c->rules[i].agency = 1 + g % (ARRAY_LEN(agencies) - 1);
		c->rules[i].line = (int)g + 1;
	}
	return c;
}

static void
big_conf_free(struct conf *c)
{
	size_t i;

	for (i = 0; i < c->nrules; i++) {
		free(c->rules[i].keyword);
		free(c->rules[i].aliases[0]);
		free(c->rules[i].aliases);
	}
	free(c->rules);
	free(c);
}

static struct conf *
big_conf(size_t n)
{
	return big_conf_at(0, n);
}

/*
 * msg routed by the big table (into *d) and by the small one holding rules
 * first .. first+9: the same rule, agency, way, typo, words and the same
 * explanation, word for word.  A big table changes nothing but the speed.
 */
static void
same_route(const struct route_table *big, const struct route_table *small, size_t first,
    const char *msg, struct route_decision *d)
{
	struct route_decision sd;

	route_text(big, msg, strlen(msg), d);
	route_text(small, msg, strlen(msg), &sd);
	if (strcmp(d->explain, sd.explain) != 0) {
		print_error("\"%s\": the explanations differ\n  10000 rules: %s\n  10 rules:    %s\n",
		    msg, d->explain, sd.explain);
		fail();
	}
	assert_int_equal(d->how, sd.how);
	assert_int_equal(d->rule, sd.rule < 0 ? -1 : sd.rule + (long)first);
	assert_int_equal(d->agency, sd.agency);
	assert_int_equal(d->typo, sd.typo);
	assert_int_equal(d->body_offset, sd.body_offset);
	assert_string_equal(d->word, sd.word);
	assert_string_equal(d->keyword, sd.keyword);
}

/*
 * The target rule's keyword, typos of it and its alias, routed by a table
 * of n rules and by one of the 10 rules around the target: same answers.
 */
static void
check_big(size_t n, size_t target)
{
	size_t first = target < 5 ? 0 : target + 5 > n ? n - 10 : target - 5;
	struct conf *c = big_conf(n), *sc = big_conf_at(first, 10);
	struct route_table *rt, *srt;
	struct route_decision d;
	char err[256], kw[8], al[8], msg[128];

	rt = route_build(c, err, sizeof(err));
	assert_non_null(rt);
	srt = route_build(sc, err, sizeof(err));
	assert_non_null(srt);
	gen_word(kw, target, 0);
	gen_word(al, target, 1);

	snprintf(msg, sizeof(msg), "%s rusak", kw);
	same_route(rt, srt, first, msg, &d);
	assert_int_equal(d.how, ROUTE_LEADING);
	assert_int_equal(d.rule, (long)target);
	assert_int_equal(d.typo, 0);

	/*
	 * Substitution, swap, insertion, deletion of the keyword.  A digit
	 * for the new letter: no generated word has one, so the typo cannot
	 * also be one letter off a neighbouring rule.
	 */
	snprintf(msg, sizeof(msg), "%.2s9%s rusak", kw, kw + 3);
	same_route(rt, srt, first, msg, &d);
	assert_int_equal(d.rule, (long)target);
	assert_int_equal(d.typo, 1);
	snprintf(msg, sizeof(msg), "%.3s%c%c%s x", kw, kw[4], kw[3], kw + 5);
	same_route(rt, srt, first, msg, &d);
	assert_int_equal(d.rule, (long)target);
	assert_int_equal(d.typo, 1);
	snprintf(msg, sizeof(msg), "%s9 x", kw);
	same_route(rt, srt, first, msg, &d);
	assert_int_equal(d.rule, (long)target);
	assert_int_equal(d.typo, 1);
	/* Not the last letter: KABCAB is also one off KCABCAB. */
	snprintf(msg, sizeof(msg), "%.3s%s x", kw, kw + 4);
	same_route(rt, srt, first, msg, &d);
	assert_int_equal(d.rule, (long)target);
	assert_int_equal(d.typo, 1);

	/* Inside the text, by alias. */
	snprintf(msg, sizeof(msg), "tolong %s segera", al);
	same_route(rt, srt, first, msg, &d);
	assert_int_equal(d.how, ROUTE_INSIDE);
	assert_int_equal(d.rule, (long)target);
	assert_int_equal(d.agency, c->rules[target].agency);

	/* No keyword of any rule: triage, explained the same. */
	same_route(rt, srt, first, "tolong jalan depan rumah rusak", &d);
	assert_int_equal(d.how, ROUTE_TRIAGE_NONE);

	route_free(srt);
	big_conf_free(sc);
	route_free(rt);
	big_conf_free(c);
}

static void
scales_to_many_rules(void **state)
{
	(void)state;
	check_big(BIG, 7);
	check_big(BIG, 9876);
	check_big(BIG, 731);	/* KBCDBCD: early in the list */
	check_big(BIG, BIG - 1);
}

static void
explanation_truncates_safely(void **state)
{
	struct conf *c = big_conf(600);
	struct route_table *rt;
	struct route_decision d;
	char err[256], w[8], *msg;
	size_t i, len = 0;

	(void)state;
	rt = route_build(c, err, sizeof(err));
	assert_non_null(rt);
	/* 500 rules with one word each: a tie whose list cannot fit. */
	msg = xmalloc(500 * 8 + 16);
	len = (size_t)snprintf(msg, 16, "tolong ");
	for (i = 0; i < 500; i++) {
		gen_word(w, i, 0);
		memcpy(msg + len, w, 7);
		msg[len + 7] = ' ';
		len += 8;
	}
	route_text(rt, msg, len, &d);
	assert_int_equal(d.how, ROUTE_TRIAGE_TIE);
	assert_true(strlen(d.explain) == sizeof(d.explain) - 1);
	assert_string_equal(d.explain + strlen(d.explain) - 3, "...");
	has(&d, "keywords of 500 rules tied");
	free(msg);
	route_free(rt);
	big_conf_free(c);
}

/* USSD: the category was chosen; only the region is looked for. */
static void
menu_category_with_region(void **state)
{
	struct route_table *rt = *state;
	struct route_decision d;
	static const char loc[] = "Desa Bejalen, Ambarawa";
	static const char desc[] = "sampah dan jalan berlubang";

	route_menu(rt, R_JALAN, loc, strlen(loc), desc, strlen(desc), &d);
	assert_int_equal(d.how, ROUTE_MENU);
	/* Keywords in the text (SAMPAH) do not override the chosen category. */
	assert_int_equal(d.rule, R_JALAN);
	assert_int_equal(d.region, G_AMBARAWA);
	assert_int_equal(d.agency, A_UPT_PU_AMBARAWA);
	has(&d, "category chosen from the menu");
	has(&d, "regional agency upt-pu-ambarawa");

	route_menu(rt, R_PJU, "Ungaran", 7, "mati", 4, &d);
	assert_int_equal(d.rule, R_PJU);
	assert_int_equal(d.region, G_UNGARAN);
	assert_int_equal(d.agency, A_DISHUB);

	route_menu(rt, R_SAMPAH, NULL, 0, NULL, 0, &d);
	assert_int_equal(d.rule, R_SAMPAH);
	assert_int_equal(d.region, -1);
	assert_int_equal(d.agency, A_DLH);

	/* An index that is no rule goes to triage rather than crash. */
	route_menu(rt, 999, "x", 1, "y", 1, &d);
	assert_int_equal(d.rule, -1);
	assert_int_equal(d.agency, A_DISKOMINFO);
}

/* ---- routing.outside, routing.directions, routing.thanks (issue 15) ---- */

static void prt(const struct route_table *rt, const char *text, struct route_decision *d);

static const char outside_conf[] =
    "agencies = ( { id = \"dpupr\"; name = \"Dinas PU\"; short_name = \"PU\"; },\n"
    "  { id = \"dishub\"; name = \"Dishub\"; short_name = \"Dishub\"; },\n"
    "  { id = \"diskominfo\"; name = \"Diskominfo\"; short_name = \"Kominfo\"; } );\n"
    "triage = \"diskominfo\";\n"
    "regions = ( { id = \"ambarawa\"; name = \"Ambarawa\"; keywords = [ \"BAWEN\" ]; } );\n"
    "rules = ( { keyword = \"JALAN\"; aliases = [ \"LUBANG\" ]; agency = \"dpupr\";\n"
    "    label = { id = \"Jalan\"; }; },\n"
    "  { keyword = \"PJU\"; aliases = [ \"LAMPU JALAN\" ]; agency = \"dishub\";\n"
    "    label = { id = \"PJU\"; }; } );\n"
    "routing = { stemming = false;\n"
    "  outside = [ \"Salatiga\", \"KOTA SEMARANG\", \"JALAN TOL\" ];\n"
    "  directions = [ \"ARAH\", \"KE\" ];\n"
    "  thanks = [ \"TERIMA KASIH\", \"MAKASIH\" ]; };\n";

static void
outside_and_thanks(void **state)
{
	struct conf_errors errs;
	struct conf *c;
	struct route_table *rt;
	struct route_decision d;
	char err[256];

	(void)state;
	memset(&errs, 0, sizeof(errs));
	c = conf_load_string(outside_conf, 0, &errs);
	if (c == NULL)
		for (int i = 0; i < errs.n; i++)
			print_error("config: %s\n", errs.e[i].msg);
	assert_non_null(c);
	assert_int_equal(c->nrouting_outside, 3);
	assert_string_equal(c->routing_outside[0], "SALATIGA");
	rt = route_build(c, err, sizeof(err));
	assert_non_null(rt);

	/* A place outside the area: triage, whatever keyword leads. */
	prt(rt, "jalan di Kota Semarang berlubang", &d);
	assert_int_equal(d.how, ROUTE_TRIAGE_OUTSIDE);
	assert_int_equal(d.rule, -1);
	assert_int_equal(d.agency, 2);
	has(&d, "triage -> diskominfo (Diskominfo): 'KOTA SEMARANG' names a "
	    "place outside this service's area (routing.outside");
	prt(rt, "lampu jalan mati di salatiga", &d);
	assert_int_equal(d.how, ROUTE_TRIAGE_OUTSIDE);
	/* The phrase consumes JALAN: no road complaint either way. */
	prt(rt, "jalan tol macet", &d);
	assert_int_equal(d.how, ROUTE_TRIAGE_OUTSIDE);
	has(&d, "'JALAN TOL' names a place outside");
	/* After a direction word or a region word of this area: the road here. */
	prt(rt, "jalan arah Salatiga berlubang", &d);
	assert_int_equal(d.how, ROUTE_LEADING);
	assert_int_equal(d.agency, 0);
	prt(rt, "lampu jalan Bawen-Salatiga mati", &d);
	assert_int_equal(d.how, ROUTE_LEADING);
	assert_int_equal(d.agency, 1);
	/* Structured: the location field counts too. */
	route_structured(rt, "JALAN", 5, "Salatiga", 8, "berlubang", 9, &d);
	assert_int_equal(d.how, ROUTE_TRIAGE_OUTSIDE);

	/* Words joined by punctuation are read as words; a reduplication is one. */
	prt(rt, "lubang,dalam sekali di gang", &d);
	assert_int_equal(d.how, ROUTE_LEADING);
	assert_string_equal(d.keyword, "LUBANG");
	prt(rt, "lampu jalan Tuntang-Bawen mati", &d);
	assert_int_equal(d.region, 0);
	/* Split, its second LAMPU would start LAMPU JALAN (dishub). */
	prt(rt, "lampu-lampu jalan mati", &d);
	assert_int_equal(d.agency, 0);

	/* A thank-you first: triage; thanks later in a complaint: routed. */
	prt(rt, "terima kasih, jalan sudah diperbaiki", &d);
	assert_int_equal(d.how, ROUTE_TRIAGE_THANKS);
	assert_int_equal(d.rule, -1);
	has(&d, "starts with 'TERIMA KASIH' (routing.thanks)");
	prt(rt, "jalan berlubang di Bawen, makasih", &d);
	assert_int_equal(d.how, ROUTE_LEADING);
	assert_int_equal(d.agency, 0);
	route_free(rt);
	conf_free(c);

	/* An outside word that is a rule's word cannot mean both. */
	memset(&errs, 0, sizeof(errs));
	{
		char text[sizeof(outside_conf) + 64];
		char *at;

		(void)str_copy(text, sizeof(text), outside_conf);
		at = strstr(text, "\"JALAN TOL\"");
		assert_non_null(at);
		memcpy(at, "\"LUBANG\"   ", 11);
		c = conf_load_string(text, 0, &errs);
	}
	assert_non_null(c);
	assert_null(route_build(c, err, sizeof(err)));
	assert_non_null(strstr(err, "routing.outside: 'LUBANG' is also a word of rule JALAN"));
	conf_free(c);
}

/* ---- phrases of up to three words, and unless (issue 15) ---- */

enum {
	P_JALAN, P_PERUMAHAN, P_KESEHATAN, P_PETERNAKAN, P_PJU, P_LISTRIK,
	P_SENAM
};

static char *pa_jalan[] = { "JLN", "BERLUBANG" };
static char *pu_jalan[] = { "TIDAK BERJALAN", "JALAN TOL" };
static char *pa_rumah[] = { "RUMAH", "RUMAH SUSUN" };
static char *pa_sehat[] = { "RUMAH SAKIT", "PUSKESMAS" };
static char *pa_ternak[] = { "RUMAH SAKIT HEWAN", "TERNAK" };
static char *pa_pju[] = { "LAMPU JALAN" };
static char *pa_listrik[] = { "PLN", "MATI LAMPU" };
static char *pu_listrik[] = { "PJU" };
static char *pa_senam[] = { "BERJALAN" };

static struct conf_rule prules[] = {
	{ "JALAN", pa_jalan, 2, NULL, 0, A_DPUPR, NULL, 0,
	    { "Jalan", "Roads" }, 40, pu_jalan, 2, 41, NULL, 0, NULL, 0 },
	{ "PERUMAHAN", pa_rumah, 2, NULL, 0, A_DISDAG, NULL, 0,
	    { "Perumahan", "Housing" }, 43, NULL, 0, 0, NULL, 0, NULL, 0 },
	{ "KESEHATAN", pa_sehat, 2, NULL, 0, A_BPBD, NULL, 0,
	    { "Kesehatan", "Health" }, 45, NULL, 0, 0, NULL, 0, NULL, 0 },
	{ "PETERNAKAN", pa_ternak, 2, NULL, 0, A_DLH, NULL, 0,
	    { "Peternakan", "Livestock" }, 47, NULL, 0, 0, NULL, 0, NULL, 0 },
	{ "PJU", pa_pju, 1, NULL, 0, A_DISHUB, NULL, 0,
	    { "Lampu jalan", "Street lights" }, 49, NULL, 0, 0, NULL, 0, NULL, 0 },
	{ "LISTRIK", pa_listrik, 2, NULL, 0, A_DUKCAPIL, NULL, 0,
	    { "Listrik", "Electricity" }, 51, pu_listrik, 1, 53, NULL, 0, NULL, 0 },
	{ "SENAM", pa_senam, 1, NULL, 0, A_UPT_DLH_SEMARANG, NULL, 0,
	    { "Senam", "Exercise" }, 55, NULL, 0, 0, NULL, 0, NULL, 0 },
};

static struct route_table *
phrase_table(void)
{
	static struct conf c;
	struct route_table *rt;
	char err[256];

	c = test_conf;
	c.rules = prules;
	c.nrules = ARRAY_LEN(prules);
	rt = route_build(&c, err, sizeof(err));
	if (rt == NULL)
		print_error("route_build: %s\n", err);
	assert_non_null(rt);
	return rt;
}

static void
prt(const struct route_table *rt, const char *text, struct route_decision *d)
{
	route_text(rt, text, strlen(text), d);
}

/* "RUMAH SAKIT" is health, not housing; "RUMAH SAKIT HEWAN" is livestock. */
static void
phrase_beats_its_words(void **state)
{
	struct route_table *rt = phrase_table();
	struct route_decision d;

	(void)state;
	prt(rt, "pelayanan di rumah sakit lambat sekali", &d);
	assert_int_equal(d.how, ROUTE_INSIDE);
	assert_int_equal(d.rule, P_KESEHATAN);
	assert_string_equal(d.word, "RUMAH SAKIT");
	has(&d, "found inside the text: phrase 'RUMAH SAKIT' (exact).");
	lacks(&d, "PERUMAHAN");

	/* Three words: the longest phrase is tried first and takes them. */
	prt(rt, "anjing kami ditolak di rumah sakit hewan", &d);
	assert_int_equal(d.how, ROUTE_INSIDE);
	assert_int_equal(d.rule, P_PETERNAKAN);
	assert_int_equal(d.agency, A_DLH);
	assert_string_equal(d.word, "RUMAH SAKIT HEWAN");
	assert_string_equal(d.keyword, "RUMAH SAKIT HEWAN");
	has(&d, "rule PETERNAKAN -> dlh");
	has(&d, "found inside the text: phrase 'RUMAH SAKIT HEWAN' (exact).");
	lacks(&d, "KESEHATAN");

	/* Leading, with the description after the third word. */
	prt(rt, "Rumah  sakit Hewan tutup terus", &d);
	assert_int_equal(d.how, ROUTE_LEADING);
	assert_int_equal(d.rule, P_PETERNAKAN);
	assert_int_equal(d.body_offset, strlen("Rumah  sakit Hewan"));
	has(&d, "leading phrase 'RUMAH SAKIT HEWAN' is an alias of "
	    "PETERNAKAN (exact).");

	/* Two of the three words: the two-word phrase. */
	prt(rt, "rumah sakit kekurangan dokter hewan", &d);
	assert_int_equal(d.how, ROUTE_LEADING);
	assert_int_equal(d.rule, P_KESEHATAN);

	/* The words apart are words again. */
	prt(rt, "rumah saya sakit", &d);
	assert_int_equal(d.rule, P_PERUMAHAN);
	route_free(rt);
}

/*
 * In the vote a phrase counts the message words it matched: "rumah sakit
 * ... jalan" is health (2 words against 1), not a tie.
 */
static void
phrase_counts_its_words_in_the_vote(void **state)
{
	struct route_table *rt = phrase_table();
	struct route_decision d;

	(void)state;
	prt(rt, "antri lama di rumah sakit dekat jalan pemuda", &d);
	assert_int_equal(d.how, ROUTE_INSIDE);
	assert_int_equal(d.rule, P_KESEHATAN);
	has(&d, "found inside the text: phrase 'RUMAH SAKIT' (exact); "
	    "2 against 1 for JALAN.");

	/* Two single words of JALAN make it even: triage. */
	prt(rt, "antri di rumah sakit, jalan berlubang", &d);
	assert_int_equal(d.how, ROUTE_TRIAGE_TIE);
	has(&d, "tied at 2 words each: JALAN ('BERLUBANG', 'JALAN'), "
	    "KESEHATAN ('RUMAH SAKIT').");

	/* A three-word phrase outweighs two single words. */
	prt(rt, "tolong jalan berlubang ke rumah sakit hewan", &d);
	assert_int_equal(d.rule, P_PETERNAKAN);
	has(&d, "3 against 2 for JALAN");
	route_free(rt);
}

static void
unless_rules_out(void **state)
{
	struct route_table *rt = phrase_table();
	struct route_decision d;

	(void)state;
	/* Without it, JALAN would win inside the text. */
	prt(rt, "perbaikan jalan desa tidak berjalan", &d);
	assert_int_equal(d.how, ROUTE_TRIAGE_NONE);
	assert_int_equal(d.rule, -1);
	assert_int_equal(d.agency, A_DISKOMINFO);
	has(&d, "JALAN ruled out: 'TIDAK BERJALAN' is in its unless list "
	    "(line 41).");

	/* Its leading keyword does not decide either. */
	prt(rt, "JALAN tol macet, PLN tidak ada", &d);
	assert_int_equal(d.how, ROUTE_INSIDE);
	assert_int_equal(d.rule, P_LISTRIK);
	has(&d, "JALAN ruled out: 'JALAN TOL' is in its unless list "
	    "(line 41).");
	has(&d, "found inside the text: 'PLN' (alias, exact)");

	prt(rt, "jln berlubang, perbaikannya tdk berjalan", &d);
	assert_int_equal(d.rule, P_JALAN);	/* TDK is not TIDAK */

	/* An unless word of one rule may be another rule's word: it counts. */
	prt(rt, "PLN bilang PJU bukan urusannya, mati lampu", &d);
	assert_int_equal(d.how, ROUTE_INSIDE);
	assert_int_equal(d.rule, P_PJU);
	has(&d, "LISTRIK ruled out: 'PJU' is in its unless list (line 53).");
	has(&d, "found inside the text: 'PJU' (exact).");
	prt(rt, "listrik mati lagi", &d);
	assert_int_equal(d.rule, P_LISTRIK);

	/* Structured: the keyword field of a ruled-out rule does not decide. */
	route_structured(rt, "JALAN", 5, "desa", 4, "proyek tidak berjalan",
	    21, &d);
	assert_int_equal(d.rule, -1);
	has(&d, "no other keyword found in the description. JALAN ruled "
	    "out: 'TIDAK BERJALAN' is in its unless list (line 41).");
	lacks(&d, "not recognised");

	/* One sentence per rule: the first entry found. */
	prt(rt, "tidak berjalan, jalan tol, tidak berjalan", &d);
	has(&d, "no other keyword found. JALAN ruled out: 'TIDAK BERJALAN'");
	lacks(&d, "'JALAN TOL'");
	route_free(rt);
}

/* "TIDAK BERJALAN" takes its words: BERJALAN counts nowhere. */
static void
unless_consumes_its_words(void **state)
{
	struct route_table *rt = phrase_table();
	struct route_decision d;

	(void)state;
	prt(rt, "sudah tidak berjalan, puskesmas tutup", &d);
	assert_int_equal(d.how, ROUTE_INSIDE);
	assert_int_equal(d.rule, P_KESEHATAN);
	lacks(&d, "SENAM");
	prt(rt, "sudah berjalan, puskesmas tutup", &d);
	assert_int_equal(d.how, ROUTE_TRIAGE_TIE);
	route_free(rt);
}

/* ---- weak words, and ties that lead to one agency (issue 15) ---- */

enum { W_JALAN, W_PJU, W_PARKIR, W_SAMPAH };

static char *wa_jalan[] = { "LUBANG", "ROAD" };
static char *ww_jalan[] = { "JALAN", "ROAD" };
static char *wa_pju[] = { "LAMPU", "DISHUB" };
static char *wa_parkir[] = { "KIR", "TERMINAL" };
static char *wa_sampah[] = { "TPS" };

static struct conf_rule wrules[] = {
	{ "JALAN", wa_jalan, 2, NULL, 0, A_DPUPR, NULL, 0,
	    { "Jalan", "Roads" }, 60, NULL, 0, 0, ww_jalan, 2, NULL, 0 },
	{ "PJU", wa_pju, 2, NULL, 0, A_DISHUB, NULL, 0,
	    { "PJU", "Street lights" }, 61, NULL, 0, 0, NULL, 0, NULL, 0 },
	{ "PARKIR", wa_parkir, 2, NULL, 0, A_DISHUB, NULL, 0,
	    { "Parkir", "Parking" }, 62, NULL, 0, 0, NULL, 0, NULL, 0 },
	{ "SAMPAH", wa_sampah, 1, NULL, 0, A_DLH, NULL, 0,
	    { "Sampah", "Waste" }, 63, NULL, 0, 0, NULL, 0, NULL, 0 },
};

static struct route_table *
weak_table(void)
{
	static struct conf c;
	struct route_table *rt;
	char err[256];

	c = test_conf;
	c.rules = wrules;
	c.nrules = ARRAY_LEN(wrules);
	rt = route_build(&c, err, sizeof(err));
	if (rt == NULL)
		print_error("route_build: %s\n", err);
	assert_non_null(rt);
	return rt;
}

/* "jalan" also writes addresses: it counts only when nothing else does. */
static void
weak_word_counts_alone_only(void **state)
{
	struct route_table *rt = weak_table();
	struct route_decision d;

	(void)state;
	prt(rt, "tolong lampu mati di jalan pemuda", &d);
	assert_int_equal(d.how, ROUTE_INSIDE);
	assert_int_equal(d.rule, W_PJU);
	has(&d, "'JALAN' not counted: a weak word of JALAN, and other keywords "
	    "were found");
	/* Leading, too: a weak leading word does not decide against another. */
	prt(rt, "jalan pemuda lampu mati", &d);
	assert_int_equal(d.how, ROUTE_INSIDE);
	assert_int_equal(d.rule, W_PJU);
	/* Alone it decides, leading or inside. */
	prt(rt, "jalan rusak parah", &d);
	assert_int_equal(d.how, ROUTE_LEADING);
	assert_int_equal(d.rule, W_JALAN);
	prt(rt, "tolong jalan desa rusak", &d);
	assert_int_equal(d.rule, W_JALAN);
	lacks(&d, "not counted");
	/* Backed by a word of its own rule it counts: 2 against 1. */
	prt(rt, "sudah tps penuh, jalan lubang semua", &d);
	assert_int_equal(d.how, ROUTE_INSIDE);
	assert_int_equal(d.rule, W_JALAN);
	has(&d, "2 against 1 for SAMPAH");
	lacks(&d, "not counted");
	route_free(rt);
}

/* Rules that lead to one agency tie for nobody: that agency gets it. */
static void
tie_of_one_agency_goes_there(void **state)
{
	struct route_table *rt = weak_table();
	struct route_decision d;

	(void)state;
	prt(rt, "uji kir di dishub lama sekali", &d);
	assert_int_equal(d.how, ROUTE_INSIDE);
	assert_int_equal(d.agency, A_DISHUB);
	assert_int_equal(d.rule, W_PJU);
	has(&d, "keywords of two rules tied: PJU ('DISHUB'), PARKIR ('KIR'); "
	    "all lead to dishub, so PJU, first in the config, decides.");
	/* Two agencies: still triage. */
	prt(rt, "tolong tps di terminal penuh", &d);
	assert_int_equal(d.how, ROUTE_TRIAGE_TIE);
	assert_int_equal(d.agency, A_DISKOMINFO);
	route_free(rt);
}

/* ---- word forms: stems and SMS spellings (routing.stemming, spellings) ---- */

enum { S_JALAN, S_LISTRIK, S_LAYANAN, S_GEDUNG, S_PJU, S_SEHAT };

static char *sal_jalan[] = { "LUBANG", "ASPAL", "SELOKAN" };
static char *sal_listrik[] = { "PADAM" };
static char *sal_layanan[] = { "PEMADAMAN" };
static char *sal_gedung[] = { "PERBAIKAN" };
static char *sal_pju[] = { "LAMPU JALAN" };
static char *sal_sehat[] = { "RUMAH SAKIT" };

static struct conf_rule stem_rules[] = {
	{ "JALAN", sal_jalan, 3, NULL, 0, A_DPUPR, NULL, 0,
	    { "Jalan", "Roads" }, 40, NULL, 0, 0, NULL, 0, NULL, 0 },
	{ "LISTRIK", sal_listrik, 1, NULL, 0, A_DISHUB, NULL, 0,
	    { "Listrik", "Electricity" }, 41, NULL, 0, 0, NULL, 0, NULL, 0 },
	{ "LAYANAN", sal_layanan, 1, NULL, 0, A_DISDAG, NULL, 0,
	    { "Layanan", "Service" }, 42, NULL, 0, 0, NULL, 0, NULL, 0 },
	{ "GEDUNG", sal_gedung, 1, NULL, 0, A_DLH, NULL, 0,
	    { "Gedung", "Buildings" }, 43, NULL, 0, 0, NULL, 0, NULL, 0 },
	{ "PJU", sal_pju, 1, NULL, 0, A_BPBD, NULL, 0,
	    { "Lampu jalan", "Street lights" }, 44, NULL, 0, 0, NULL, 0, NULL, 0 },
	{ "KESEHATAN", sal_sehat, 1, NULL, 0, A_DUKCAPIL, NULL, 0,
	    { "Kesehatan", "Health" }, 45, NULL, 0, 0, NULL, 0, NULL, 0 },
};

/* Sorted by from, as the loader leaves them. */
static struct conf_spelling stem_spellings[] = {
	{ "JLN", "JALAN", 50 }, { "RMH", "RUMAH", 51 }, { "SKT", "SAKIT", 52 },
	{ "YG", "YANG", 53 },
};

static struct conf stem_conf = {
	.path = "<stem>",
	.agencies = agencies,
	.nagencies = ARRAY_LEN(agencies),
	.triage = A_DISKOMINFO,
	.rules = stem_rules,
	.nrules = ARRAY_LEN(stem_rules),
	.routing_stemming = 1,
	.routing_dictionary = "/usr/share/hunspell/id_ID",
	.spellings = stem_spellings,
	.nspellings = ARRAY_LEN(stem_spellings),
};

static int
setup_stem(void **state)
{
	char err[256];
	struct route_table *rt = route_build(&stem_conf, err, sizeof(err));

	if (rt == NULL) {
		fprintf(stderr, "route_build: %s\n", err);
		return -1;
	}
	if (route_note(rt) != NULL) {
		fprintf(stderr, "route_build: %s\n", route_note(rt));
		route_free(rt);
		return -1;
	}
	*state = rt;
	return 0;
}

/* text must go to rule (-1: triage); says what it got when it does not. */
static void
routes(void **state, const char *text, long rule, struct route_decision *d)
{
	rtext(state, text, d);
	if (d->rule != rule) {
		print_error("'%s': expected rule %ld, got %ld:\n  %s\n", text,
		    rule, d->rule, d->explain);
		fail();
	}
}

static void
stem_meets_rule_word(void **state)
{
	static const char *const forms[] = {
		"di depan sekolah berlubang besar", "lubangnya besar sekali",
		"banyak LUBANG2 di depan pasar", "ada lubang-lubang di gang",
	};
	struct route_decision d;
	size_t i;

	for (i = 0; i < ARRAY_LEN(forms); i++) {
		routes(state, forms[i], S_JALAN, &d);
		assert_int_equal(d.agency, A_DPUPR);
		assert_int_equal(d.stem, 1);
		assert_int_equal(d.typo, 0);
		assert_string_equal(d.keyword, "LUBANG");
	}
	routes(state, "di depan sekolah berlubang besar", S_JALAN, &d);
	assert_int_equal(d.how, ROUTE_INSIDE);
	assert_string_equal(d.word, "BERLUBANG");
	has(&d, "word 'BERLUBANG' has the stem LUBANG of JALAN's alias LUBANG");
	lacks(&d, "typo");
	routes(state, "berlubang di depan pasar", S_JALAN, &d);
	assert_int_equal(d.how, ROUTE_LEADING);
	assert_int_equal(d.body_offset, 9);
	has(&d, "leading word 'BERLUBANG' has the stem LUBANG of JALAN's "
	    "alias LUBANG.");
	/* the keyword itself, by its stem */
	routes(state, "jalannya rusak", S_JALAN, &d);
	has(&d, "leading word 'JALANNYA' has the stem JALAN of the keyword "
	    "JALAN.");
}

static void
exact_beats_stem(void **state)
{
	struct route_decision d;

	/* PEMADAMAN is LAYANAN's word as written, though its stem is PADAM */
	routes(state, "pemadaman tiap malam", S_LAYANAN, &d);
	assert_int_equal(d.stem, 0);
	has(&d, "is an alias of LAYANAN (exact)");
	routes(state, "listrik padam", S_LISTRIK, &d);
	/* a word only stems meet is shared by both: ambiguous, triage */
	routes(state, "dipadamkan tiap malam", -1, &d);
	has(&d, "Ignored 'DIPADAMKAN'");
}

static void
common_word_stem_never_matches(void **state)
{
	struct route_decision d;

	/* PERBAIKAN's stem is BAIK: a word of every other message */
	routes(state, "kerjanya baik sekali", -1, &d);
	routes(state, "baiknya bagaimana", -1, &d);
	lacks(&d, "stem");
	routes(state, "perbaikan atap balai desa", S_GEDUNG, &d);
	assert_int_equal(d.stem, 0);
}

static void
phrase_of_stems(void **state)
{
	struct route_decision d;

	routes(state, "lampu2 jalannya mati semua", S_PJU, &d);
	assert_int_equal(d.stem, 1);
	assert_string_equal(d.word, "LAMPU2 JALANNYA");
	has(&d, "phrase 'LAMPU2 JALANNYA' has the stems LAMPU JALAN of PJU's "
	    "alias LAMPU JALAN");
}

static void
spellings_read_first(void **state)
{
	struct route_decision d;

	routes(state, "jln rusak", S_JALAN, &d);
	assert_int_equal(d.how, ROUTE_LEADING);
	assert_int_equal(d.stem, 0);
	has(&d, "'JLN' read as 'JALAN' (spellings).");
	/* both words of a phrase respelt */
	routes(state, "antri di rmh skt lama", S_SEHAT, &d);
	has(&d, "phrase 'RUMAH SAKIT' (exact)");
	has(&d, "'RMH' read as 'RUMAH' (spellings).");
	has(&d, "'SKT' read as 'SAKIT' (spellings).");
	/* a spelling that decides nothing is not mentioned */
	routes(state, "selokan yg mampet", S_JALAN, &d);
	lacks(&d, "spellings");
}

/* Threads share one table with its stemmer; each meets new words cold. */
static void *
stem_thr_run(void *arg)
{
	static const char *msgs[] = {
		"di depan sekolah berlubang besar", "lampu2 jalannya mati semua",
		"jln rusak", "kerjanya baik sekali", "pemadaman tiap malam",
		"listrik padam", "dipadamkan tiap malam", "banyak LUBANG2 di gang",
	};
	static const long want[] = { S_JALAN, S_PJU, S_JALAN, -1, S_LAYANAN,
		S_LISTRIK, -1, S_JALAN };
	struct thr *t = arg;
	struct route_decision d;
	size_t i;

	for (i = 0; i < 3000; i++) {
		route_text(t->rt, msgs[i % 8], strlen(msgs[i % 8]), &d);
		if (d.rule != want[i % 8])
			t->bad++;
	}
	return NULL;
}

static void
stems_shared_between_threads(void **state)
{
	pthread_t th[4];
	struct thr t[4];
	int i, bad = 0;

	for (i = 0; i < 4; i++) {
		t[i].rt = *state;
		t[i].bad = 0;
		assert_int_equal(pthread_create(&th[i], NULL, stem_thr_run, &t[i]),
		    0);
	}
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		bad += t[i].bad;
	}
	if (bad != 0)
		fail_msg("expected every message routed as alone, got %d wrong "
		    "in 4 threads", bad);
}

/* A word the dictionary knows is not a typo of a rule word one letter off. */
static void
known_word_is_no_typo(void **state)
{
	struct route_decision d;

	/* PEMAKAMAN (a cemetery) is one letter off PEMADAMAN (a blackout). */
	routes(state, "pemakaman desa tidak terurus", -1, &d);
	lacks(&d, "typo");
	/* A misspelling the dictionary does not know still is one. */
	routes(state, "pemadamn sejak pagi", S_LAYANAN, &d);
	assert_int_equal(d.typo, 1);
}

static void
stems_off_by_default(void **state)
{
	struct route_decision d;

	/* test_conf leaves routing.stemming off: JALANNYA is no JALAN */
	rtext(state, "jalannya rusak", &d);
	assert_int_equal(d.rule, -1);
	assert_int_equal(d.stem, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(leading_exact_keyword),
		cmocka_unit_test(leading_alias),
		cmocka_unit_test(leading_english_alias),
		cmocka_unit_test(leading_phrase_alias),
		cmocka_unit_test(leading_typo_each_edit),
		cmocka_unit_test(leading_typo_of_alias),
		cmocka_unit_test(no_typo_for_short_words),
		cmocka_unit_test(no_typo_for_digits),
		cmocka_unit_test(typo_ambiguity),
		cmocka_unit_test(inside_phrase),
		cmocka_unit_test(inside_exact_beats_typo),
		cmocka_unit_test(inside_majority),
		cmocka_unit_test(inside_tie),
		cmocka_unit_test(no_keyword),
		cmocka_unit_test(leading_beats_inside),
		cmocka_unit_test(region_regional_agency),
		cmocka_unit_test(region_without_regional_agency),
		cmocka_unit_test(two_regions),
		cmocka_unit_test(structured_form),
		cmocka_unit_test(structured_unknown_keyword),
		cmocka_unit_test(case_and_punctuation),
		cmocka_unit_test(big_and_hostile_input),
		cmocka_unit_test(control_bytes_not_in_explanation),
		cmocka_unit_test(build_rejects_bad_conf),
		cmocka_unit_test(duplicate_word_across_rules),
		cmocka_unit_test(shared_between_threads),
		cmocka_unit_test(scales_to_many_rules),
		cmocka_unit_test(explanation_truncates_safely),
		cmocka_unit_test(menu_category_with_region),
		cmocka_unit_test(phrase_beats_its_words),
		cmocka_unit_test(phrase_counts_its_words_in_the_vote),
		cmocka_unit_test(unless_rules_out),
		cmocka_unit_test(outside_and_thanks),
		cmocka_unit_test(unless_consumes_its_words),
		cmocka_unit_test(weak_word_counts_alone_only),
		cmocka_unit_test(tie_of_one_agency_goes_there),
		cmocka_unit_test(stems_off_by_default),
		cmocka_unit_test_setup_teardown(stem_meets_rule_word, setup_stem,
		    teardown),
		cmocka_unit_test_setup_teardown(known_word_is_no_typo, setup_stem,
		    teardown),
		cmocka_unit_test_setup_teardown(exact_beats_stem, setup_stem,
		    teardown),
		cmocka_unit_test_setup_teardown(common_word_stem_never_matches,
		    setup_stem, teardown),
		cmocka_unit_test_setup_teardown(phrase_of_stems, setup_stem,
		    teardown),
		cmocka_unit_test_setup_teardown(spellings_read_first, setup_stem,
		    teardown),
		cmocka_unit_test_setup_teardown(stems_shared_between_threads,
		    setup_stem, teardown),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
