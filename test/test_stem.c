/*
 * test_stem: the roots of words as citizens text them, with the Debian
 * Indonesian dictionary (hunspell-id) and without it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "routing/stem.h"

#define DICT "/usr/share/hunspell/id_ID"

static struct stemmer *st;	/* with the dictionary */
static struct stemmer *bare;	/* without */

static int
setup(void **state)
{
	char err[256];

	(void)state;
	st = stem_open(DICT, err, sizeof(err));
	if (!stem_has_dict(st)) {
		fprintf(stderr, "test_stem: %s\n", err);
		return -1;
	}
	if (err[0] != '\0')
		return -1;
	bare = stem_open(NULL, err, sizeof(err));
	if (err[0] == '\0')	/* no dictionary must be said */
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	stem_close(st);
	stem_close(bare);
	return 0;
}

/* Stems w with s; fails with what it got when it is not want. */
static void
expect(struct stemmer *s, const char *w, const char *want, enum stem_how how)
{
	char out[64];
	enum stem_how got;
	size_t n;

	n = stem_word(s, w, strlen(w), out, sizeof(out), &got);
	if (n != strlen(want) || strcmp(out, want) != 0 || got != how)
		fail_msg("%s: expected %s (%s), got %s (%s)", w, want,
		    stem_how_name(how), n > 0 ? out : "(none)",
		    stem_how_name(got));
}

static void
issue_examples_meet(void **state)
{
	(void)state;
	expect(st, "BERLUBANG", "LUBANG", STEM_DICT);
	expect(st, "LUBANGNYA", "LUBANG", STEM_DICT);
	expect(st, "LUBANG", "LUBANG", STEM_SAME);
	expect(st, "KEBANJIRAN", "BANJIR", STEM_DICT);
	expect(st, "PEMADAMAN", "PADAM", STEM_DICT);
	expect(st, "TUMPUKAN", "TUMPUK", STEM_DICT);
	expect(st, "PERBAIKAN", "BAIK", STEM_DICT);
}

static void
reduplication(void **state)
{
	(void)state;
	expect(st, "LUBANG2", "LUBANG", STEM_REDUP);
	expect(st, "LUBANG-LUBANG", "LUBANG", STEM_REDUP);
	expect(st, "ANAK2", "ANAK", STEM_REDUP);
	expect(st, "LAMPU-LAMPU", "LAMPU", STEM_REDUP);
	expect(st, "ANAK2NYA", "ANAK", STEM_DICT);
	/* not reduplication: left alone */
	expect(st, "SAYUR-MAYUR", "SAYUR-MAYUR", STEM_SAME);
	expect(st, "RT05", "RT05", STEM_SAME);
	expect(st, "KE2", "KE2", STEM_SAME);
}

static void
unknown_words_lose_their_endings(void **state)
{
	(void)state;
	/* the dictionary lacks these forms */
	expect(st, "SEKOLAHNYA", "SEKOLAH", STEM_AFFIX);
	expect(st, "SAMPAHNYA", "SAMPAH", STEM_AFFIX);
	expect(st, "RUSAKLAH", "RUSAK", STEM_AFFIX);
	/* an unknown word with no affix is its own stem */
	expect(st, "XQZW", "XQZW", STEM_SAME);
	/* never shorter than three letters */
	expect(st, "ANYA", "ANYA", STEM_SAME);
}

static void
nasal_prefixes(void **state)
{
	(void)state;
	expect(st, "MENYAPU", "SAPU", STEM_DICT);
	expect(st, "MENUMPUK", "TUMPUK", STEM_DICT);
	expect(st, "MEMATIKAN", "MATI", STEM_DICT);
	/* the stripper's own nasal rules, on forms Hunspell lacks */
	expect(st, "MENYEDOTNYA", "SEDOT", STEM_AFFIX);
	expect(st, "MENAMBALNYA", "TAMBAL", STEM_AFFIX);
	expect(st, "MENGASPALNYA", "ASPAL", STEM_AFFIX);
}

/* Central Java texts: -NE / -E possessives and NG-/NY- verbs, onto known roots. */
static void
javanese_forms(void **state)
{
	(void)state;
	expect(st, "SAMPAHE", "SAMPAH", STEM_AFFIX);
	expect(st, "SEKOLAHE", "SEKOLAH", STEM_AFFIX);
	expect(st, "LAMPUNE", "LAMPU", STEM_AFFIX);
	expect(st, "NGURUS", "URUS", STEM_AFFIX);
	expect(st, "NYAPU", "SAPU", STEM_AFFIX);
	/* a root the dictionary does not know is not trusted */
	expect(st, "XQZWE", "XQZWE", STEM_SAME);
	expect(bare, "SAMPAHE", "SAMPAHE", STEM_SAME);
}

static void
without_dictionary(void **state)
{
	(void)state;
	expect(bare, "SEKOLAHNYA", "SEKOLAH", STEM_AFFIX);
	expect(bare, "LUBANG2", "LUBANG", STEM_REDUP);
	/* no root is trusted without a dictionary to confirm it */
	expect(bare, "BERLUBANG", "BERLUBANG", STEM_SAME);
	expect(bare, "KEBANJIRAN", "KEBANJIRAN", STEM_SAME);
}

static void
small_buffer(void **state)
{
	char out[4];

	(void)state;
	assert_int_equal(stem_word(st, "BERLUBANG", 9, out, sizeof(out), NULL), 0);
	assert_int_equal(stem_word(st, "", 0, out, sizeof(out), NULL), 0);
}

static void
cache_hits_agree(void **state)
{
	unsigned long l0, h0, l1, h1;

	(void)state;
	stem_cache_stats(&l0, &h0);
	expect(st, "KEBANJIRAN", "BANJIR", STEM_DICT);
	expect(st, "KEBANJIRAN", "BANJIR", STEM_DICT);
	stem_cache_stats(&l1, &h1);
	assert_int_equal(l1 - l0, 2);
	assert_true(h1 - h0 >= 1);
	/* one thread's cache does not mix two stemmers */
	expect(bare, "KEBANJIRAN", "KEBANJIRAN", STEM_SAME);
	expect(st, "KEBANJIRAN", "BANJIR", STEM_DICT);
}

static const char *const words[][2] = {
	{ "BERLUBANG", "LUBANG" }, { "KEBANJIRAN", "BANJIR" },
	{ "PEMADAMAN", "PADAM" }, { "SEKOLAHNYA", "SEKOLAH" },
	{ "LAMPU-LAMPU", "LAMPU" }, { "SAKITNYA", "SAKIT" },
	{ "TUMPUKAN", "TUMPUK" }, { "DITAHAN", "TAHAN" },
};
#define NWORDS (sizeof(words) / sizeof(words[0]))

static void *
stem_many(void *arg)
{
	char out[64];
	size_t i, k, n;
	long bad = 0;

	(void)arg;
	for (i = 0; i < 20000; i++) {
		k = (i * 7) % NWORDS;
		n = stem_word(st, words[k][0], strlen(words[k][0]), out,
		    sizeof(out), NULL);
		if (n != strlen(words[k][1]) || strcmp(out, words[k][1]) != 0)
			bad++;
	}
	return (void *)bad;
}

static void
threads_agree(void **state)
{
	pthread_t t[4];
	void *r;
	long bad = 0;
	int i;

	(void)state;
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, stem_many, NULL), 0);
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], &r), 0);
		bad += (long)r;
	}
	if (bad != 0)
		fail_msg("expected every stem right in 4 threads, got %ld wrong",
		    bad);
}

/* One loaded dictionary per path, shared and counted; known words. */
static void
dictionary_shared(void **state)
{
	struct stemmer *a, *b, *c;
	char err[256], out[64];

	(void)state;
	a = stem_open(DICT, err, sizeof(err));
	b = stem_open(DICT, err, sizeof(err));
	assert_ptr_equal(a, b);
	assert_string_equal(err, "");
	stem_close(a);
	/* b still works after a's close */
	assert_int_equal(stem_word(b, "KEBANJIRAN", 10, out, sizeof(out), NULL), 6);
	assert_string_equal(out, "BANJIR");
	assert_int_equal(stem_known(b, "SERING", 6), 1);
	assert_int_equal(stem_known(b, "PUSKESMSA", 9), 0);
	stem_close(b);
	/* Closed by all: opened anew, and still right. */
	c = stem_open(DICT, err, sizeof(err));
	assert_true(stem_has_dict(c));
	assert_int_equal(stem_word(c, "PEMADAMAN", 9, out, sizeof(out), NULL), 5);
	assert_string_equal(out, "PADAM");
	stem_close(c);
	/* Without a dictionary: each its own, nothing known. */
	a = stem_open(NULL, err, sizeof(err));
	assert_int_equal(stem_known(a, "SERING", 6), 0);
	stem_close(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(issue_examples_meet),
		cmocka_unit_test(reduplication),
		cmocka_unit_test(unknown_words_lose_their_endings),
		cmocka_unit_test(nasal_prefixes),
		cmocka_unit_test(javanese_forms),
		cmocka_unit_test(without_dictionary),
		cmocka_unit_test(small_buffer),
		cmocka_unit_test(cache_hits_agree),
		cmocka_unit_test(threads_agree),
		cmocka_unit_test(dictionary_shared),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
