/*
 * test_suggest: what `aduan rules suggest` proposes from hand-routed texts
 * (routing/suggest.c), fed as replay items, judged on its printed lines.
 *
 * The config: JALAN (LUBANG) -> dpupr, SAMPAH (TPS) -> dlh, triage kominfo,
 * and an agency dinsos no rule names.
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
#include "routing/route.h"
#include "routing/suggest.h"

static const char config[] =
    "agencies = (\n"
    "  { id = \"kominfo\"; name = \"Kominfo\"; short_name = \"Kominfo\"; },\n"
    "  { id = \"dpupr\"; name = \"Dinas PU\"; short_name = \"DPUPR\"; },\n"
    "  { id = \"dlh\"; name = \"Dinas LH\"; short_name = \"DLH\"; },\n"
    "  { id = \"dinsos\"; name = \"Dinas Sosial\"; short_name = \"Dinsos\"; }\n"
    ");\n"
    "triage = \"kominfo\";\n"
    "rules = (\n"
    "  { keyword = \"JALAN\"; aliases = [ \"LUBANG\" ]; agency = \"dpupr\";\n"
    "    label = { id = \"Jalan\"; en = \"Roads\"; }; },\n"
    "  { keyword = \"SAMPAH\"; aliases = [ \"TPS\" ]; agency = \"dlh\";\n"
    "    label = { id = \"Sampah\"; en = \"Waste\"; }; }\n"
    ");\n";

struct fixture {
	struct conf *c;
	struct route_table *rt;
	struct suggest *sg;
	char *out;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	struct conf_errors errs;
	char err[256];

	memset(&errs, 0, sizeof errs);
	f->c = conf_load_string(config, 0, &errs);
	assert_non_null(f->c);
	f->rt = route_build(f->c, err, sizeof err);
	assert_non_null(f->rt);
	f->sg = suggest_new(f->c, f->rt, 2);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	suggest_free(f->sg);
	route_free(f->rt);
	conf_free(f->c);
	free(f->out);
	free(f);
	return 0;
}

/* text: the router sent it to triage (keyword ""), a person to agency. */
static void
hand(struct fixture *f, const char *text, const char *agency)
{
	struct replay_item it = { "12345678", "sms", text, "", NULL, NULL, agency };

	assert_int_equal(suggest_add(f->sg, &it), 1);
}

/* text: rule keyword routed it to agency, and it is still there. */
static void
routed(struct fixture *f, const char *text, const char *keyword, const char *agency)
{
	struct replay_item it = { "12345679", "sms", text, keyword, NULL, NULL, agency };

	assert_int_equal(suggest_add(f->sg, &it), 1);
}

static const char *
run(struct fixture *f)
{
	char err[256];
	size_t len;
	FILE *o;

	assert_int_equal(suggest_run(f->sg, err, sizeof err), 0);
	o = open_memstream(&f->out, &len);
	assert_non_null(o);
	suggest_print(f->sg, o);
	fclose(o);
	return f->out;
}

static void
expect_line(const char *out, const char *line)
{
	const char *p = strstr(out, line);

	if (p == NULL || (p != out && p[-1] != '\n') || (p[strlen(line)] != '\n'))
		fail_msg("expected the line\n  %s\ngot:\n%s", line, out);
}

static void
expect_absent(const char *out, const char *s)
{
	if (strstr(out, s) != NULL)
		fail_msg("expected no '%s', got:\n%s", s, out);
}

/* The word that fixes more comes first, in the aliases line and the evidence. */
static void
test_ranked_best_first(void **state)
{
	struct fixture *f = *state;
	const char *out, *a, *b;

	hand(f, "talud beton retak", "dpupr");
	hand(f, "talud ambrol", "dpupr");
	hand(f, "talud dan beton", "dpupr");
	routed(f, "tps penuh", "SAMPAH", "dlh");
	out = run(f);
	expect_line(out, "aliases = [ \"LUBANG\", \"TALUD\", \"BETON\" ];");
	a = strstr(out, "#   \"TALUD\": 3 triaged texts -> dpupr, 0 elsewhere");
	b = strstr(out, "#   \"BETON\": 2 triaged texts -> dpupr, 0 elsewhere");
	assert_non_null(a);
	assert_non_null(b);
	assert_true(a < b);
	expect_absent(out, "RETAK");            /* one text only */
	expect_absent(out, "\"DAN\"");          /* a common word */
}

/*
 * Word forms meet as the router reads them: BRONJONGNYA and BRONJONG2 are
 * BRONJONG (its stem), seen in three texts; TDK is read as TIDAK.
 */
static void
test_word_forms_one_candidate(void **state)
{
	struct fixture *f = *state;
	const char *out;

	hand(f, "bronjongnya jebol di kali", "dpupr");
	hand(f, "bronjong2 sungai ambrol", "dpupr");
	hand(f, "bronjong tdk diperbaiki", "dpupr");
	out = run(f);
	expect_line(out, "aliases = [ \"LUBANG\", \"BRONJONG\" ];");
	assert_non_null(strstr(out, "#   \"BRONJONG\": 3 triaged texts -> dpupr, 0 elsewhere"));
	expect_absent(out, "BRONJONGNYA");
	expect_absent(out, "\"TDK\"");
}

/* A word seen as often in texts a person sent elsewhere is no help. */
static void
test_word_of_two_agencies_dropped(void **state)
{
	struct fixture *f = *state;
	const char *out;

	hand(f, "pagar roboh", "dpupr");
	hand(f, "pagar miring", "dpupr");
	hand(f, "pagar penuh plastik", "dlh");
	hand(f, "pagar bau plastik", "dlh");
	out = run(f);
	expect_absent(out, "aliases = [ \"LUBANG\", \"PAGAR\"");
	expect_absent(out, "aliases = [ \"TPS\", \"PAGAR\"");
	expect_line(out, "#   \"PAGAR\" for dlh (seen in 2 texts): it would route 2 hand-routed "
	    "texts there but move 0 routed and send 2 elsewhere");
	expect_line(out, "aliases = [ \"TPS\", \"PLASTIK\" ];");
}

/* A word one letter off another rule's word: lint would warn (typo pair). */
static void
test_ambiguous_word_dropped(void **state)
{
	struct fixture *f = *state;
	const char *out;

	hand(f, "ada lubank sampah", "dlh");
	hand(f, "lubank busuk", "dlh");
	out = run(f);
	expect_absent(out, "aliases = [ \"TPS\", \"LUBANK\"");
	if (strstr(out, "#   \"LUBANK\" for dlh (seen in 2 texts): ambiguous: ") == NULL)
		fail_msg("expected LUBANK left out as ambiguous, got:\n%s", out);
}

/* Command words, short words and words of the config are never candidates. */
static void
test_never_candidates(void **state)
{
	struct fixture *f = *state;
	const char *out;

	hand(f, "tps ya di rt cek status bantuan", "dlh");
	hand(f, "tps ya di rt cek status bantuan", "dlh");
	hand(f, "lapor tps ya di rt lapor", "dlh");
	out = run(f);
	expect_line(out, "no word to suggest");
	expect_absent(out, "CEK");
	expect_absent(out, "STATUS");
	expect_absent(out, "BANTUAN");
	expect_absent(out, "LAPOR");
	expect_absent(out, "\"RT\"");
	expect_absent(out, "\"TPS\"");
}

/* An agency no rule names: its words, a rule block to write. */
static void
test_agency_without_rule(void **state)
{
	struct fixture *f = *state;
	const char *out;

	hand(f, "pkh belum cair", "dinsos");
	hand(f, "dana pkh dipotong", "dinsos");
	hand(f, "masih di triase pkh", "kominfo");      /* no person decided it */
	out = run(f);
	expect_line(out, "# dinsos: no rule sends complaints there; 2 hand-routed texts went "
	    "there; words seen: \"PKH\" (2)");
	expect_line(out, "#   { keyword = \"PKH\"; aliases = [ ]; agency = \"dinsos\";");
	assert_int_equal(suggest_hand_routed(f->sg), 2);
}

/* Texts the config routes right today (it learnt since): nothing to add. */
static void
test_routed_right_already(void **state)
{
	struct fixture *f = *state;
	const char *out;

	hand(f, "tps bocor cairan hitam", "dlh");
	hand(f, "tps bocor lagi", "dlh");
	out = run(f);
	expect_line(out, "no word to suggest");
	expect_line(out, "#   \"BOCOR\" for dlh (seen in 2 texts): the config routes its texts "
	    "there already");
}

/* At most SUGGEST_WORDS_PER_AGENCY words per agency; the rest are counted. */
static void
test_words_per_agency_capped(void **state)
{
	static const char *const words[] = {        /* ranked: same evidence, by name */
		"AMBLAS", "AMBROL", "BETON", "GORONG", "KERIKIL", "LONGSOR", "PASIR",
		"PAVING", "RETAK", "TALUD", "TANGGUL", "TROTOAR"
	};
	char line[64];
	const char *out;
	size_t i;

	assert_int_equal(SUGGEST_WORDS_PER_AGENCY, 10);
	for (i = 0; i < sizeof words / sizeof words[0]; i++) {
		hand(*state, words[i], "dpupr");
		hand(*state, words[i], "dpupr");
	}
	out = run(*state);
	expect_line(out, "aliases = [ \"LUBANG\", \"AMBLAS\", \"AMBROL\", \"BETON\", \"GORONG\", "
	    "\"KERIKIL\", \"LONGSOR\", \"PASIR\", \"PAVING\", \"RETAK\", \"TALUD\" ];");
	for (i = 0; i < 10; i++) {
		snprintf(line, sizeof line, "#   \"%s\": 2 triaged texts", words[i]);
		if (strstr(out, line) == NULL)
			fail_msg("expected '%s', got:\n%s", line, out);
	}
	expect_absent(out, "TANGGUL");
	expect_absent(out, "TROTOAR");
	expect_line(out, "#   and 2 more words that would help less (shown once these are in "
	    "the config)");
	expect_line(out, "# dpupr (rule JALAN, <string>:9): 20 of 24 hand-routed texts would go there "
	    "(now 0), 0 routed texts would move");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ranked_best_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_word_forms_one_candidate, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_word_of_two_agencies_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ambiguous_word_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_never_candidates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_agency_without_rule, setup, teardown),
		cmocka_unit_test_setup_teardown(test_words_per_agency_capped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_routed_right_already, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
