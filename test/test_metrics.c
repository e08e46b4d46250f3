/*
 * test_metrics: the registry behind /metrics.  Counters add up under their
 * label sets, label values are escaped, the histogram's buckets are
 * cumulative with +Inf equal to the count, and the whole rendering is
 * parsed back line by line as a Prometheus scraper would: every sample is
 * `name{labels} value`, every family has # HELP and # TYPE, families and
 * series come sorted.  Eight threads adding at once lose nothing, and the
 * series table stops at its cap, counting what it drops.  The build's
 * and the start's gauges show once the service set them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/metrics.h"
#include "util/util.h"

static int
reset(void **state)
{
	(void)state;
	metrics_reset();
	return 0;
}

/* The value of the sample line that starts with `series` and a space; NAN when none. */
static double
value_of(const char *text, const char *series)
{
	size_t n = strlen(series);
	const char *p = text;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, series, n) == 0 && p[n] == ' ')
			return strtod(p + n + 1, NULL);
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return NAN;
}

static double
render_value(const char *series)
{
	char *text = metrics_render();
	double v = value_of(text, series);

	free(text);
	return v;
}

static void
test_counters_and_labels(void **state)
{
	char labels[METRICS_LABELS_MAX];

	(void)state;
	assert_int_equal(metrics_inc("t_calls_total", "gateway=\"kannel\",result=\"ok\"", 1), 0);
	assert_int_equal(metrics_inc("t_calls_total", "gateway=\"kannel\",result=\"ok\"", 2.5), 0);
	assert_int_equal(metrics_inc("t_calls_total", "gateway=\"vonage\",result=\"ok\"", 1), 0);
	assert_int_equal(metrics_count("t_calls_total", 1, "gateway", "kannel", "result",
	    "refused_403", NULL), 0);
	/* metrics_count builds the same label set as the preformatted one. */
	assert_int_equal(metrics_count("t_calls_total", 1, "gateway", "kannel", "result", "ok",
	    NULL), 0);
	assert_int_equal(metrics_inc("t_plain_total", NULL, 3), 0);
	assert_int_equal(metrics_inc("t_plain_total", "", 0), 0);
	/* An increment by 0 declares the series. */
	assert_int_equal(metrics_inc("t_declared_total", "", 0), 0);

	assert_true(render_value("t_calls_total{gateway=\"kannel\",result=\"ok\"}") == 4.5);
	assert_true(render_value("t_calls_total{gateway=\"vonage\",result=\"ok\"}") == 1);
	assert_true(render_value("t_calls_total{gateway=\"kannel\",result=\"refused_403\"}") == 1);
	assert_true(render_value("t_plain_total") == 3);
	assert_true(render_value("t_declared_total") == 0);
	assert_true(render_value("aduan_metrics_dropped_total") == 0);

	assert_int_equal(metrics_labels(labels, sizeof labels, "agency", "dpupr", "channel", "sms",
	    NULL), 0);
	assert_string_equal(labels, "agency=\"dpupr\",channel=\"sms\"");
	assert_int_equal(metrics_labels(labels, sizeof labels, NULL), 0);
	assert_string_equal(labels, "");
}

static void
test_escaping_and_refusals(void **state)
{
	char labels[METRICS_LABELS_MAX], small[16];
	char *text;

	(void)state;
	assert_int_equal(metrics_labels(labels, sizeof labels, "path", "a\"b\\c\nd", NULL), 0);
	assert_string_equal(labels, "path=\"a\\\"b\\\\c\\nd\"");
	assert_int_equal(metrics_inc("t_esc_total", labels, 1), 0);
	text = metrics_render();
	assert_non_null(strstr(text, "\nt_esc_total{path=\"a\\\"b\\\\c\\nd\"} 1\n"));
	free(text);
	assert_int_equal(metrics_count("t_esc_total", 1, "path", "a\"b\\c\nd", NULL), 0);
	assert_true(render_value("t_esc_total{path=\"a\\\"b\\\\c\\nd\"}") == 2);

	/* What does not fit, or is no label name, leaves "" and -1. */
	assert_int_equal(metrics_labels(small, sizeof small, "gateway", "africastalking", NULL), -1);
	assert_string_equal(small, "");
	assert_int_equal(metrics_labels(labels, sizeof labels, "bad-key", "x", NULL), -1);
	assert_string_equal(labels, "");
	assert_int_equal(metrics_labels(labels, sizeof labels, "9lives", "x", NULL), -1);

	/* Refused samples are dropped and counted, never rendered. */
	assert_int_equal(metrics_inc("t_bad_total", "x=\"unterminated", 1), -1);
	assert_int_equal(metrics_inc("t_bad_total", "x=\"raw\nnewline\"", 1), -1);
	assert_int_equal(metrics_inc("t_bad_total", "x=\"bad \\t escape\"", 1), -1);
	assert_int_equal(metrics_inc("t_bad_total", "x=unquoted", 1), -1);
	assert_int_equal(metrics_inc("t_bad_total", "x=\"1\",", 1), -1);
	assert_int_equal(metrics_inc("t_bad_total", "x=\"1\"y=\"2\"", 1), -1);
	assert_int_equal(metrics_inc("t bad", "", 1), -1);
	assert_int_equal(metrics_inc("9t_bad", "", 1), -1);
	assert_int_equal(metrics_inc("", "", 1), -1);
	assert_int_equal(metrics_inc(NULL, "", 1), -1);
	assert_int_equal(metrics_inc("t_bad_total", "", -1), -1);
	assert_int_equal(metrics_inc("t_bad_total", "", NAN), -1);
	assert_int_equal(metrics_inc("t_bad_total", "", INFINITY), -1);
	assert_int_equal(metrics_observe("t_bad_seconds", "", -0.5), -1);
	assert_int_equal(metrics_count("t_bad_total", 1, "bad-key", "x", NULL), -1);
	/* One name, one type. */
	assert_int_equal(metrics_observe("t_esc_total", labels, 0.1), -1);
	assert_int_equal(metrics_inc("aduan_metrics_dropped_total", "", 1), -1);
	text = metrics_render();
	assert_null(strstr(text, "t_bad"));
	assert_true(value_of(text, "aduan_metrics_dropped_total") == 17);
	free(text);
}

static void
test_histogram(void **state)
{
	/* 0.001 sits on a bound: le means "less than or equal". */
	static const double obs[] = { 0.0005, 0.001, 0.003, 0.7, 20 };
	static const struct {
		const char *le;
		double want;
	} cum[] = {
		{ "0.001", 2 }, { "0.0025", 2 }, { "0.005", 3 }, { "0.01", 3 }, { "0.025", 3 },
		{ "0.05", 3 }, { "0.1", 3 }, { "0.25", 3 }, { "0.5", 3 }, { "1", 4 },
		{ "2.5", 4 }, { "5", 4 }, { "10", 4 }, { "+Inf", 5 },
	};
	char series[200], *text;
	size_t i;

	(void)state;
	assert_int_equal(ARRAY_LEN(cum), METRICS_NBUCKETS + 1);
	for (i = 0; i < ARRAY_LEN(obs); i++)
		assert_int_equal(metrics_observe("t_latency_seconds", "path=\"/kannel/sms\"",
		    obs[i]), 0);
	assert_int_equal(metrics_observe("t_latency_seconds", "", 0.02), 0);
	text = metrics_render();
	for (i = 0; i < ARRAY_LEN(cum); i++) {
		snprintf(series, sizeof series,
		    "t_latency_seconds_bucket{path=\"/kannel/sms\",le=\"%s\"}", cum[i].le);
		if (value_of(text, series) != cum[i].want)
			fail_msg("%s: %g, expected %g", series, value_of(text, series), cum[i].want);
	}
	assert_true(value_of(text, "t_latency_seconds_count{path=\"/kannel/sms\"}") == 5);
	assert_true(fabs(value_of(text, "t_latency_seconds_sum{path=\"/kannel/sms\"}") - 20.7045) <
	    1e-9);
	/* Without labels, le is the only label. */
	assert_true(value_of(text, "t_latency_seconds_bucket{le=\"0.01\"}") == 0);
	assert_true(value_of(text, "t_latency_seconds_bucket{le=\"0.025\"}") == 1);
	assert_true(value_of(text, "t_latency_seconds_count") == 1);
	assert_true(value_of(text, "t_latency_seconds_sum") == 0.02);
	free(text);
}

static void
gauges(void *arg, struct metrics_out *out)
{
	int *calls = arg;

	++*calls;
	metrics_gauge(out, "t_depth", "state=\"pending\"", 7);
	metrics_gauge(out, "t_depth", "state=\"dead\"", 1);
	metrics_gauge(out, "t_depth", "state=\"dead\"", 2);        /* a repeat: dropped */
	metrics_gauge(out, "t_calls_total", "", 5);                 /* a counter's name: dropped */
	metrics_gauge(out, "t depth", "", 1);                       /* no name: dropped */
	metrics_gauge(out, "t_temp", NULL, -3.5);
}

static void
test_gauges(void **state)
{
	int calls = 0;
	char *text;

	(void)state;
	assert_int_equal(metrics_inc("t_calls_total", "", 1), 0);
	metrics_set_gauge_fn(gauges, &calls);
	text = metrics_render();
	assert_int_equal(calls, 1);
	assert_non_null(strstr(text, "# TYPE t_depth gauge\n"
	    "t_depth{state=\"dead\"} 1\nt_depth{state=\"pending\"} 7\n"));
	assert_true(value_of(text, "t_temp") == -3.5);
	assert_true(value_of(text, "t_calls_total") == 1);
	assert_true(value_of(text, "aduan_metrics_dropped_total") == 3);
	free(text);
	/* Computed at each scrape; the drops add up. */
	text = metrics_render();
	assert_int_equal(calls, 2);
	assert_true(value_of(text, "aduan_metrics_dropped_total") == 6);
	free(text);
	metrics_set_gauge_fn(NULL, NULL);
	text = metrics_render();
	assert_int_equal(calls, 2);
	assert_null(strstr(text, "t_depth"));
	free(text);
}

/*
 * The build and the start, once set: aduan_build_info with the version
 * (and the commit when there is one, escaped), aduan_start_time_seconds
 * now; neither before metrics_set_build, nor after a reset.
 */
static void
test_build_info(void **state)
{
	int64_t t0 = now_unix();
	char *text;
	double start;

	(void)state;
	text = metrics_render();
	assert_null(strstr(text, "aduan_build_info"));
	assert_null(strstr(text, "aduan_start_time_seconds"));
	free(text);

	metrics_set_build("0.1.0", NULL);
	text = metrics_render();
	assert_non_null(strstr(text, "# TYPE aduan_build_info gauge\n"
	    "aduan_build_info{version=\"0.1.0\"} 1\n"));
	start = value_of(text, "aduan_start_time_seconds");
	assert_true(start >= (double)t0 && start <= (double)now_unix());
	assert_null(strstr(text, "(no description)"));
	free(text);

	metrics_set_build("0.1.0", "abc1234\"x");
	assert_true(render_value("aduan_build_info{version=\"0.1.0\",commit=\"abc1234\\\"x\"}") == 1);
	metrics_set_build("0.1.0", "");          /* no commit: the version alone */
	assert_true(render_value("aduan_build_info{version=\"0.1.0\"}") == 1);

	metrics_reset();
	text = metrics_render();
	assert_null(strstr(text, "aduan_build_info"));
	free(text);
}

/* ---- the exposition format, parsed back ---------------------------------- */

struct family {
	char name[METRICS_NAME_MAX];
	char type[16];
	int help;
};

#define FAMILIES_MAX 64

/* The family a sample belongs to: a histogram's _bucket/_sum/_count are its own. */
static struct family *
family_of(struct family *f, size_t n, const char *sample)
{
	static const char *const suffixes[] = { "_bucket", "_sum", "_count" };
	size_t i, k, len = strlen(sample), sl;

	for (i = 0; i < n; i++) {
		if (strcmp(f[i].name, sample) == 0)
			return &f[i];
		if (strcmp(f[i].type, "histogram") != 0)
			continue;
		for (k = 0; k < ARRAY_LEN(suffixes); k++) {
			sl = strlen(suffixes[k]);
			if (len == strlen(f[i].name) + sl && strncmp(sample, f[i].name, len - sl) == 0 &&
			    strcmp(sample + len - sl, suffixes[k]) == 0)
				return &f[i];
		}
	}
	return NULL;
}

static int
valid_value(const char *s)
{
	char *end;

	if (strcmp(s, "+Inf") == 0 || strcmp(s, "-Inf") == 0 || strcmp(s, "NaN") == 0)
		return 1;
	if (*s == '\0')
		return 0;
	(void)strtod(s, &end);
	return *end == '\0';
}

/*
 * Checks text as a scraper would; returns the number of sample lines.
 * Histogram checks: buckets of one series non-decreasing, +Inf == _count.
 */
static size_t
check_exposition(const char *text)
{
	static const char *const sample_re =
	    "^([a-zA-Z_:][a-zA-Z0-9_:]*)"
	    "(\\{([a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\]|\\\\[\\\\\"n])*\""
	    "(,[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\]|\\\\[\\\\\"n])*\")*)\\})? ([^ ]+)$";
	struct family fam[FAMILIES_MAX], *f;
	size_t nfam = 0, samples = 0, i;
	char *copy = xstrdup(text), *line, *save = NULL, name[METRICS_NAME_MAX];
	char prev_series[512] = "", prev_name[METRICS_NAME_MAX] = "", series[512];
	char hist_series[512] = "", *le;
	double last_bucket = -1, inf = -1, v;
	regex_t re;
	regmatch_t m[8];

	assert_int_equal(regcomp(&re, sample_re, REG_EXTENDED), 0);
	assert_true(text[0] != '\0' && text[strlen(text) - 1] == '\n');
	for (line = strtok_r(copy, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "# HELP ", 7) == 0) {
			assert_true(sscanf(line + 7, "%95s", name) == 1);
			assert_true(strlen(line) > 7 + strlen(name) + 1);      /* some text */
			/* A new family: after the last one in sort order, HELP before TYPE. */
			if (nfam > 0 && strcmp(fam[nfam - 1].name, name) >= 0)
				fail_msg("family %s after %s: not sorted, or twice", name,
				    fam[nfam - 1].name);
			assert_true(nfam < FAMILIES_MAX);
			memset(&fam[nfam], 0, sizeof fam[nfam]);
			str_copy(fam[nfam].name, sizeof fam[nfam].name, name);
			fam[nfam++].help = 1;
			continue;
		}
		if (strncmp(line, "# TYPE ", 7) == 0) {
			char type[32];

			assert_true(sscanf(line + 7, "%95s %31s", name, type) == 2);
			assert_true(nfam > 0);
			assert_string_equal(fam[nfam - 1].name, name);
			assert_string_equal(fam[nfam - 1].type, "");
			assert_true(strcmp(type, "counter") == 0 || strcmp(type, "gauge") == 0 ||
			    strcmp(type, "histogram") == 0);
			str_copy(fam[nfam - 1].type, sizeof fam[nfam - 1].type, type);
			continue;
		}
		assert_true(line[0] != '#');
		if (regexec(&re, line, ARRAY_LEN(m), m, 0) != 0)
			fail_msg("not a sample line: [%s]", line);
		samples++;
		snprintf(name, sizeof name, "%.*s", (int)(m[1].rm_eo - m[1].rm_so), line);
		f = family_of(fam, nfam, name);
		if (f == NULL || f != &fam[nfam - 1] || f->type[0] == '\0' || !f->help)
			fail_msg("sample %s without its family's HELP and TYPE just before", name);
		assert_true(valid_value(line + m[7].rm_so));
		v = strtod(line + m[7].rm_so, NULL);
		if (strcmp(f->type, "counter") == 0)
			assert_true(v >= 0);
		if (strcmp(f->type, "histogram") != 0) {
			/* Sorted by label set within the family, each once. */
			snprintf(series, sizeof series, "%.*s", (int)(m[7].rm_so - 1), line);
			if (strcmp(prev_name, name) == 0 && strcmp(prev_series, series) >= 0)
				fail_msg("series %s after %s", series, prev_series);
			str_copy(prev_series, sizeof prev_series, series);
			str_copy(prev_name, sizeof prev_name, name);
			continue;
		}
		/* Histogram series: the labels without le identify it. */
		snprintf(series, sizeof series, "%.*s", (int)(m[7].rm_so - 1), line);
		if ((le = strstr(series, "le=\"")) != NULL) {
			assert_non_null(strstr(name, "_bucket"));
			if (strcmp(le, "le=\"+Inf\"}") == 0)
				inf = v;
			*le = '\0';
			if (strcmp(series + strlen(name), hist_series) != 0) {
				str_copy(hist_series, sizeof hist_series, series + strlen(name));
				last_bucket = -1;
			}
			if (v < last_bucket)
				fail_msg("bucket %s is below the one before it (%g < %g)", line, v,
				    last_bucket);
			last_bucket = v;
		} else if (strlen(name) > 6 && strcmp(name + strlen(name) - 6, "_count") == 0) {
			if (v != inf)
				fail_msg("%s: _count %g, bucket +Inf %g", line, v, inf);
		}
	}
	for (i = 0; i < nfam; i++)
		if (fam[i].type[0] == '\0')
			fail_msg("family %s has no TYPE", fam[i].name);
	regfree(&re);
	free(copy);
	return samples;
}

static void
scrape_gauges(void *arg, struct metrics_out *out)
{
	(void)arg;
	metrics_gauge(out, "aduan_outbox_rows", "state=\"sent\"", 12);
	metrics_gauge(out, "aduan_outbox_rows", "state=\"dead\"", 0);
}

static void
test_rendering(void **state)
{
	char *a, *b;
	size_t samples;

	(void)state;
	/* Added out of order: the output is sorted all the same. */
	metrics_count("aduan_replies_sent_total", 1, "gateway", "twilio", NULL);
	metrics_count("aduan_callbacks_total", 1, "gateway", "kannel", "endpoint", "sms",
	    "result", "ok", NULL);
	metrics_count("aduan_callbacks_total", 1, "gateway", "africastalking", "endpoint", "ussd",
	    "result", "retry_replayed", NULL);
	metrics_count("aduan_replies_sent_total", 1, "gateway", "kannel", NULL);
	metrics_count("zz_other_total", 2, "note", "quote \" and \\ and\nnewline", NULL);
	metrics_inc("aduan_config_reloads_total", "", 0);
	metrics_observe("aduan_http_request_duration_seconds", "path=\"/kannel/sms\"", 0.004);
	metrics_observe("aduan_http_request_duration_seconds", "path=\"/healthz\"", 0.0001);
	metrics_observe("aduan_http_request_duration_seconds", "path=\"/kannel/sms\"", 12);
	metrics_set_gauge_fn(scrape_gauges, NULL);

	a = metrics_render();
	samples = check_exposition(a);
	/* 4 counters + 1 with the odd labels + reloads + 2 x 16 histogram + 2 gauges + dropped */
	assert_int_equal(samples, 4 + 1 + 1 + 2 * (METRICS_NBUCKETS + 3) + 2 + 1);
	assert_non_null(strstr(a, "# HELP aduan_callbacks_total "));
	assert_non_null(strstr(a, "# TYPE aduan_http_request_duration_seconds histogram\n"));
	assert_non_null(strstr(a, "# TYPE aduan_outbox_rows gauge\n"));
	/* A family nobody described still has a HELP line. */
	assert_non_null(strstr(a, "# HELP zz_other_total "));
	assert_true(strstr(a, "aduan_callbacks_total{gateway=\"africastalking\"") <
	    strstr(a, "aduan_callbacks_total{gateway=\"kannel\""));
	/* The same state renders the same text. */
	b = metrics_render();
	assert_string_equal(a, b);
	free(a);
	free(b);
}

/* ---- threads and the cap --------------------------------------------------- */

#define THREADS 8
#define PER_THREAD 10000

static void *
hammer(void *arg)
{
	int i, t = *(int *)arg;
	char labels[64];

	snprintf(labels, sizeof labels, "thread=\"%d\"", t);
	for (i = 0; i < PER_THREAD; i++) {
		metrics_inc("t_shared_total", "", 1);
		metrics_inc("t_own_total", labels, 1);
		metrics_observe("t_shared_seconds", "", 0.002);
	}
	return NULL;
}

static void
test_concurrency(void **state)
{
	pthread_t th[THREADS];
	int ids[THREADS], i;
	char series[64], *text;

	(void)state;
	for (i = 0; i < THREADS; i++) {
		ids[i] = i;
		assert_int_equal(pthread_create(&th[i], NULL, hammer, &ids[i]), 0);
	}
	for (i = 0; i < THREADS; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	text = metrics_render();
	assert_true(value_of(text, "t_shared_total") == THREADS * PER_THREAD);
	assert_true(value_of(text, "t_shared_seconds_count") == THREADS * PER_THREAD);
	assert_true(value_of(text, "t_shared_seconds_bucket{le=\"0.0025\"}") == THREADS * PER_THREAD);
	assert_true(value_of(text, "t_shared_seconds_bucket{le=\"0.001\"}") == 0);
	for (i = 0; i < THREADS; i++) {
		snprintf(series, sizeof series, "t_own_total{thread=\"%d\"}", i);
		assert_true(value_of(text, series) == PER_THREAD);
	}
	assert_true(value_of(text, "aduan_metrics_dropped_total") == 0);
	check_exposition(text);
	free(text);
}

static void
test_series_cap(void **state)
{
	char labels[64], *text;
	int i;

	(void)state;
	for (i = 0; i < METRICS_MAX_SERIES - 1; i++) {
		snprintf(labels, sizeof labels, "n=\"%d\"", i);
		assert_int_equal(metrics_inc("t_many_total", labels, 1), 0);
	}
	assert_int_equal(metrics_observe("t_many_seconds", "", 0.1), 0);      /* the 512th */
	/* Full: a new series is dropped, existing ones still count. */
	assert_int_equal(metrics_inc("t_many_total", "n=\"new\"", 1), -1);
	assert_int_equal(metrics_observe("t_many_seconds", "n=\"new\"", 0.1), -1);
	assert_int_equal(metrics_count("t_fresh_total", 1, NULL), -1);
	assert_int_equal(metrics_inc("t_many_total", "n=\"7\"", 1), 0);
	assert_int_equal(metrics_observe("t_many_seconds", "", 0.1), 0);
	text = metrics_render();
	assert_null(strstr(text, "n=\"new\""));
	assert_null(strstr(text, "t_fresh_total"));
	assert_true(value_of(text, "t_many_total{n=\"7\"}") == 2);
	assert_true(value_of(text, "t_many_seconds_count") == 2);
	assert_true(value_of(text, "aduan_metrics_dropped_total") == 3);
	assert_int_equal(check_exposition(text), METRICS_MAX_SERIES - 1 + METRICS_NBUCKETS + 3 + 1);
	free(text);
	/* A reset frees the table. */
	metrics_reset();
	assert_int_equal(metrics_inc("t_many_total", "n=\"new\"", 1), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_counters_and_labels, reset),
		cmocka_unit_test_setup(test_escaping_and_refusals, reset),
		cmocka_unit_test_setup(test_histogram, reset),
		cmocka_unit_test_setup(test_gauges, reset),
		cmocka_unit_test_setup(test_build_info, reset),
		cmocka_unit_test_setup(test_rendering, reset),
		cmocka_unit_test_setup(test_concurrency, reset),
		cmocka_unit_test_setup(test_series_cap, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
