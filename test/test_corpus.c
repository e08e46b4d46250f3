/*
 * test_corpus: routing/corpus.c, a labelled corpus measured against a
 * config: each line's outcome (right, wrong agency, triage), the counts per
 * expected agency and the confusion table, the file's forms (comments,
 * blank lines, CRLF, a last line without newline), and bad lines reported
 * with their line numbers, nothing measured.
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
#include "routing/corpus.h"
#include "routing/route.h"
#include "util/util.h"

static const char conf_text[] =
	"agencies = ( { id = \"diskominfo\"; name = \"Diskominfo\"; short_name = \"Diskominfo\"; },\n"
	"  { id = \"dpupr\"; name = \"Dinas PU\"; short_name = \"DPUPR\"; },\n"
	"  { id = \"dlh\"; name = \"Dinas LH\"; short_name = \"DLH\"; },\n"
	"  { id = \"pln\"; name = \"PLN\"; short_name = \"PLN\"; } );\n"
	"triage = \"diskominfo\";\n"
	"rules = (\n"
	"  { keyword = \"JALAN\"; aliases = [ \"LUBANG\" ]; agency = \"dpupr\"; label = { id = \"J\"; }; },\n"
	"  { keyword = \"SAMPAH\"; agency = \"dlh\"; label = { id = \"S\"; }; },\n"
	"  { keyword = \"LISTRIK\"; agency = \"pln\"; label = { id = \"L\"; }; }\n"
	");\n";

struct fixture {
	struct conf *c;
	struct route_table *rt;
};

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);
	struct conf_errors errs;
	char err[256];

	memset(&errs, 0, sizeof errs);
	f->c = conf_load_string(conf_text, 0, &errs);
	assert_non_null(f->c);
	f->rt = route_build(f->c, err, sizeof err);
	assert_non_null(f->rt);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	route_free(f->rt);
	conf_free(f->c);
	free(f);
	return 0;
}

/* The bad lines reported, "LINE: message" each, one a line. */
static char errbuf[4096];
static int nerr;

static void
keep_err(void *arg, int line, const char *msg)
{
	size_t n = strlen(errbuf);

	(void)arg;
	nerr++;
	snprintf(errbuf + n, sizeof errbuf - n, "%d: %s\n", line, msg);
}

static struct corpus_result *
eval(const struct fixture *f, const char *text)
{
	errbuf[0] = '\0';
	nerr = 0;
	return corpus_eval(f->rt, f->c, text, strlen(text), keep_err, NULL);
}

static void
test_outcomes_counts_and_confusion(void **state)
{
	struct fixture *f = *state;
	/* dpupr = 1, dlh = 2, pln = 3, triage (diskominfo) = 0 */
	static const char text[] =
	    "# comment\n"
	    "dpupr\tjalan rusak banyak lubang\n"          /* line 2: right */
	    "\n"
	    "   \n"
	    "dlh\tsampah numpuk di pasar\r\n"             /* line 5: right, CRLF */
	    "pln\tLISTRIK#Tengaran#mati sejak pagi\n"     /* line 6: right, structured */
	    "dpupr\tSAMPAH di pinggir jalan\n"            /* line 7: wrong (leading SAMPAH) */
	    "triage\thalo\n"                              /* line 8: right (help, no ticket) */
	    "triage\tLISTRIK mati lagi malam ini\n"       /* line 9: wrong */
	    "dlh\tselamat pagi semua warga desa";         /* line 10: triage, no newline */
	struct corpus_result *r = eval(f, text);
	static const int lines[] = { 2, 5, 6, 7, 8, 9, 10 };
	static const enum corpus_outcome want[] = { CORPUS_RIGHT, CORPUS_RIGHT, CORPUS_RIGHT,
	    CORPUS_WRONG, CORPUS_RIGHT, CORPUS_WRONG, CORPUS_TRIAGE };
	size_t i;

	assert_non_null(r);
	assert_int_equal(nerr, 0);
	assert_int_equal(r->n, 7);
	for (i = 0; i < r->n; i++) {
		assert_int_equal(r->items[i].line, lines[i]);
		if (r->items[i].outcome != want[i])
			fail_msg("line %d (%s): outcome %d, expected %d", lines[i],
			    r->items[i].text, r->items[i].outcome, want[i]);
	}
	assert_string_equal(r->items[1].text, "sampah numpuk di pasar");   /* no \r */
	assert_string_equal(r->items[6].text, "selamat pagi semua warga desa");
	/* The deciding rule and word of the wrong one. */
	assert_int_equal(r->items[3].got, 2);
	assert_string_equal(f->c->rules[r->items[3].rule].keyword, "SAMPAH");
	assert_string_equal(r->items[3].word, "SAMPAH");
	assert_int_equal(r->items[4].help, 1);
	assert_int_equal(r->total_right, 4);
	assert_int_equal(r->total_wrong, 2);
	assert_int_equal(r->total_triage, 1);
	/* Per expected agency. */
	assert_int_equal(r->texts[1], 2);
	assert_int_equal(r->right[1], 1);
	assert_int_equal(r->wrong[1], 1);
	assert_int_equal(r->texts[2], 2);
	assert_int_equal(r->triage[2], 1);
	assert_int_equal(r->texts[0], 2);
	assert_int_equal(r->wrong[0], 1);
	/* Confusion [expected][got]: dpupr -> dlh once, triage -> pln once. */
	assert_int_equal(r->confusion[1 * 4 + 2], 1);
	assert_int_equal(r->confusion[0 * 4 + 3], 1);
	assert_int_equal(r->confusion[2 * 4 + 0], 1);
	assert_int_equal(r->confusion[3 * 4 + 3], 1);
	corpus_free(r);
}

static void
test_bad_lines_are_named_and_nothing_is_measured(void **state)
{
	struct fixture *f = *state;
	struct corpus_result *r;

	r = eval(f, "dpupr\tjalan rusak\n"
	    "dpupr jalan rusak tanpa tab\n"
	    "nosuch\tsampah\n"
	    "dlh\t  \n"
	    "\tsampah\n");
	assert_null(r);
	assert_int_equal(nerr, 4);
	assert_string_equal(errbuf,
	    "2: no tab between the agency id and the text\n"
	    "3: unknown agency 'nosuch' (an agency id of the config, or triage)\n"
	    "4: no text after the agency id\n"
	    "5: unknown agency '' (an agency id of the config, or triage)\n");

	/* Only comments: nothing to measure is an error too. */
	r = eval(f, "# nothing\n\n");
	assert_null(r);
	assert_int_equal(nerr, 1);
	assert_string_equal(errbuf, "0: no text in the corpus (lines: agency-id<TAB>text)\n");
}

static void
test_many_bad_lines_are_capped(void **state)
{
	struct fixture *f = *state;
	struct corpus_result *r;
	char text[2048];
	size_t n = 0;
	int i;

	for (i = 0; i < CORPUS_ERRORS_MAX + 5; i++)
		n += (size_t)snprintf(text + n, sizeof text - n, "no tab here\n");
	r = eval(f, text);
	assert_null(r);
	assert_int_equal(nerr, CORPUS_ERRORS_MAX + 1);
	assert_non_null(strstr(errbuf, "0: ... and 5 more bad lines\n"));
}

static void
test_print_names_the_misses(void **state)
{
	struct fixture *f = *state;
	struct corpus_result *r = eval(f, "dpupr\tSAMPAH di pinggir jalan\ndlh\tsampah numpuk\n");
	char *buf = NULL;
	size_t len = 0;
	FILE *out;

	assert_non_null(r);
	out = open_memstream(&buf, &len);
	assert_non_null(out);
	corpus_print(r, "c.tsv", out);
	fclose(out);
	assert_non_null(strstr(buf, "corpus c.tsv: 2 texts\n"));
	assert_non_null(strstr(buf, "right 50.0%  wrong 50.0%  triage 0.0%"));
	assert_non_null(strstr(buf, "c.tsv:1: expected dpupr, got dlh (rule SAMPAH, 'SAMPAH' "
	    "matched 'SAMPAH', leading keyword): SAMPAH di pinggir jalan\n"));
	assert_null(strstr(buf, "c.tsv:2:"));
	free(buf);
	corpus_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_outcomes_counts_and_confusion, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_lines_are_named_and_nothing_is_measured,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_bad_lines_are_capped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_print_names_the_misses, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
