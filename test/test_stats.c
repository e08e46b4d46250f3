/*
 * test_stats: `aduan stats` figures against a real store seeded at fixed
 * times (a mkdtemp() directory per test), and the pure parts: the median,
 * durations, --since, and the candidate-keyword counter with its
 * stop-word and known-word filters.
 *
 * The seed, relative to NOW (complaints c1..c9):
 *
 *   c1 sms  JALAN  dpupr            routed    -6d  dpupr answers after 600 s;
 *                                                  follow-up due passed: overdue
 *   c2 sms  JALAN  dpupr            routed    -4d  dpupr after 1800 s, and again later
 *   c3 sms  SAMPAH dlh              routed    -3d  dlh after 3600 s
 *   c4 ussd JALAN  upt-pu-ambarawa  routed    -3d  only the citizen and Aduan wrote
 *   c5 sms  -      kominfo          received  -2d  kominfo after 7200 s; route due passed
 *   c6 sms  -      kominfo          received  -2d  structured POHON#Bawen#...
 *   c7 sms  -      kominfo          received  -1d  a note by the citizen only
 *   c8 sms  -      kominfo          received -30d  route due passed (overdue, any age)
 *   c9 sms  PJU    dishub           resolved  -1d  follow-up date passed: not overdue
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf/conf.h"
#include "ops/stats.h"
#include "store/store.h"
#include "util/util.h"

#define NOW ((int64_t)1764320000)
#define DAY ((int64_t)86400)

static const struct store_options opts = { .sync_full = 1, .busy_timeout_ms = 500 };

static const char conf_text[] =
    "agencies = (\n"
    "  { id = \"kominfo\"; name = \"Dinas Komunikasi dan Informatika\"; short_name = \"Kominfo\"; },\n"
    "  { id = \"dpupr\"; name = \"Dinas Pekerjaan Umum\"; short_name = \"DPUPR\"; },\n"
    "  { id = \"upt-pu-ambarawa\"; name = \"UPT PU Ambarawa\"; short_name = \"UPT PU\"; },\n"
    "  { id = \"dlh\"; name = \"Dinas Lingkungan Hidup\"; short_name = \"DLH\"; },\n"
    "  { id = \"dishub\"; name = \"Dinas Perhubungan\"; short_name = \"Dishub\"; }\n"
    ");\n"
    "triage = \"kominfo\";\n"
    "regions = ( { id = \"ambarawa\"; name = \"Wilayah Ambarawa\";\n"
    "  keywords = [ \"AMBARAWA\", \"BAWEN\" ]; } );\n"
    "rules = (\n"
    "  { keyword = \"JALAN\"; aliases = [ \"JLN\", \"LUBANG\" ]; aliases_en = [ \"ROAD\" ];\n"
    "    agency = \"dpupr\"; label = { id = \"Jalan\"; en = \"Roads\"; };\n"
    "    regional = ( { region = \"ambarawa\"; agency = \"upt-pu-ambarawa\"; } ); },\n"
    "  { keyword = \"SAMPAH\"; aliases = [ \"TPS\" ]; agency = \"dlh\";\n"
    "    label = { id = \"Sampah\"; en = \"Waste\"; }; },\n"
    "  { keyword = \"PJU\"; aliases = [ \"LAMPU JALAN\" ]; agency = \"dishub\";\n"
    "    label = { id = \"Lampu jalan\"; en = \"Street lights\"; }; }\n"
    ");\n";

struct fixture {
	char dir[64];
	char path[128];
	struct store *s;
	struct conf *c;
};

static void
remove_dir(const char *dir)
{
	char p[512];
	struct dirent *de;
	DIR *d;

	if ((d = opendir(dir)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
			unlink(p);
		}
		closedir(d);
	}
	rmdir(dir);
}

struct seed {
	const char *ticket, *channel, *keyword, *agency, *status;
	int64_t at;
	int64_t route_due, followup_due;
	const char *text;               /* the SMS; NULL for USSD */
};

/* Stores one complaint as intake would: complaint, "routed" event, message. */
static int64_t
seed(struct store *s, const struct seed *x)
{
	struct store_complaint c;
	struct store_message m;

	memset(&c, 0, sizeof c);
	str_copy(c.ticket, sizeof c.ticket, x->ticket);
	str_copy(c.phone, sizeof c.phone, "+6281234567890");
	str_copy(c.channel, sizeof c.channel, x->channel);
	str_copy(c.keyword, sizeof c.keyword, x->keyword);
	str_copy(c.agency, sizeof c.agency, x->agency);
	str_copy(c.status, sizeof c.status, "received");
	str_copy(c.lang, sizeof c.lang, "id");
	c.description = (char *)(x->text != NULL ? x->text : "jalan rusak");
	c.created_at = x->at;
	c.route_due = x->route_due;
	c.followup_due = x->followup_due;
	if (store_complaint_add(s, &c) != 0)
		fail_msg("store_complaint_add %s: %s", x->ticket, store_errmsg());
	if (strcmp(x->status, "received") != 0 &&
	    store_event_add(s, c.id, x->at, "aduan", "routed", "routed by rule") != 0)
		fail_msg("store_event_add %s: %s", x->ticket, store_errmsg());
	if (strcmp(x->status, "received") != 0 && strcmp(x->status, "routed") != 0 &&
	    store_event_add(s, c.id, x->at + 60, "aduan", x->status, NULL) != 0)
		fail_msg("store_event_add %s: %s", x->ticket, store_errmsg());
	if (x->text != NULL) {
		memset(&m, 0, sizeof m);
		m.gateway = "kannel";
		m.gw_id = x->ticket;
		m.sender = c.phone;
		m.text = x->text;
		m.command = "complaint";
		m.complaint_id = c.id;
		m.received_at = x->at;
		if (store_message_add(s, &m) != 1)
			fail_msg("store_message_add %s: %s", x->ticket, store_errmsg());
	}
	return c.id;
}

static void
event(struct store *s, int64_t id, int64_t at, const char *actor, const char *note)
{
	if (store_event_add(s, id, at, actor, NULL, note) != 0)
		fail_msg("store_event_add: %s", store_errmsg());
}

static int
setup(void **state)
{
	static const struct seed seeds[] = {
		{ "10000001", "sms", "JALAN", "dpupr", "routed", NOW - 6 * DAY, 0, NOW - 100,
		    "JALAN rusak parah depan pasar" },
		{ "10000002", "sms", "JALAN", "dpupr", "routed", NOW - 4 * DAY, 0, NOW + DAY,
		    "JLN berlubang dalam" },
		{ "10000003", "sms", "SAMPAH", "dlh", "routed", NOW - 3 * DAY, 0, NOW + DAY,
		    "sampah menumpuk di TPS" },
		{ "10000004", "ussd", "JALAN", "upt-pu-ambarawa", "routed", NOW - 3 * DAY, 0,
		    NOW + DAY, NULL },
		{ "10000005", "sms", "", "kominfo", "received", NOW - 2 * DAY, NOW - 10, 0,
		    "pohon tumbang di depan balai desa" },
		{ "10000006", "sms", "", "kominfo", "received", NOW - 2 * DAY, NOW + DAY, 0,
		    "POHON#Bawen#dahan patah menimpa rumah warga" },
		{ "10000007", "sms", "", "kominfo", "received", NOW - DAY, NOW + DAY, 0,
		    "pohon pohon roboh, warga dan anjing yang lewat di jln. 12345 ok TPS the" },
		{ "10000008", "sms", "", "kominfo", "received", NOW - 30 * DAY, NOW - 20 * DAY, 0,
		    "pohon lama sekali" },
		{ "10000009", "sms", "PJU", "dishub", "resolved", NOW - DAY, 0, NOW - 100,
		    "lampu jalan mati total" },
	};
	struct fixture *f = xcalloc(1, sizeof *f);
	struct conf_errors errs;
	int64_t id[ARRAY_LEN(seeds)];
	char err[256];
	size_t i;

	*state = f;
	memset(&errs, 0, sizeof errs);
	if ((f->c = conf_load_string(conf_text, 0, &errs)) == NULL) {
		print_error("conf: line %d: %s\n", errs.e[0].line, errs.e[0].msg);
		return -1;
	}
	snprintf(f->dir, sizeof f->dir, "/tmp/aduan-stats-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof f->path, "%s/aduan.db", f->dir);
	if ((f->s = store_open(f->path, &opts, err, sizeof err)) == NULL) {
		print_error("store_open: %s\n", err);
		return -1;
	}
	for (i = 0; i < ARRAY_LEN(seeds); i++)
		id[i] = seed(f->s, &seeds[i]);
	/* First agency responses: 600, 1800, 3600 and 7200 s. */
	event(f->s, id[0], NOW - 6 * DAY + 600, "dpupr", "Tim berangkat");
	event(f->s, id[1], NOW - 4 * DAY + 1800, "dpupr", "Dicek");
	event(f->s, id[1], NOW - 4 * DAY + 9000, "dpupr", "Selesai besok");
	event(f->s, id[2], NOW - 3 * DAY + 3600, "dlh", NULL);
	event(f->s, id[4], NOW - 2 * DAY + 7200, "kominfo", "Diteruskan");
	/* Not agencies: the citizen and Aduan itself. */
	event(f->s, id[3], NOW - 3 * DAY + 100, "citizen", "sudah seminggu");
	event(f->s, id[6], NOW - DAY + 100, "citizen", "tolong cepat");
	event(f->s, id[6], NOW - DAY + 200, "aduan", "reminder");
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	if (f == NULL)
		return 0;
	store_close(f->s);
	conf_free(f->c);
	if (f->dir[0] != '\0')
		remove_dir(f->dir);
	free(f);
	return 0;
}

static long
count_of(const struct stats_count *v, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0)
			return v[i].n;
	return -1;
}

/* ---- against the seeded store ------------------------------------------- */

static void
test_counts(void **state)
{
	struct fixture *f = *state;
	struct stats st;

	assert_int_equal(stats_compute(f->s, f->c, NOW - 7 * DAY, NOW, &st), 0);
	assert_int_equal(st.total, 8);                          /* c8 is older */
	assert_int_equal(st.no_rule, 3);
	assert_int_equal(st.nagency, 5);
	assert_string_equal(st.by_agency[0].name, "kominfo");   /* largest first */
	assert_int_equal(st.by_agency[0].n, 3);
	assert_string_equal(st.by_agency[1].name, "dpupr");
	assert_int_equal(count_of(st.by_agency, st.nagency, "dpupr"), 2);
	assert_int_equal(count_of(st.by_agency, st.nagency, "dlh"), 1);
	assert_int_equal(count_of(st.by_agency, st.nagency, "upt-pu-ambarawa"), 1);
	assert_int_equal(count_of(st.by_agency, st.nagency, "dishub"), 1);
	assert_int_equal(st.nkeyword, 4);
	assert_int_equal(count_of(st.by_keyword, st.nkeyword, "JALAN"), 3);
	assert_int_equal(count_of(st.by_keyword, st.nkeyword, ""), 3);
	assert_int_equal(count_of(st.by_keyword, st.nkeyword, "SAMPAH"), 1);
	assert_int_equal(count_of(st.by_keyword, st.nkeyword, "PJU"), 1);
	/* Ties in the order of the names: "" before "JALAN". */
	assert_string_equal(st.by_keyword[0].name, "");
	assert_string_equal(st.by_keyword[1].name, "JALAN");
	assert_int_equal(st.nchannel, 2);
	assert_string_equal(st.by_channel[0].name, "sms");
	assert_int_equal(st.by_channel[0].n, 7);
	assert_string_equal(st.by_channel[1].name, "ussd");
	assert_int_equal(st.by_channel[1].n, 1);
	stats_clear(&st);

	/* Everything: c8 counts too. */
	assert_int_equal(stats_compute(f->s, f->c, 0, NOW, &st), 0);
	assert_int_equal(st.total, 9);
	assert_int_equal(st.no_rule, 4);
	assert_int_equal(count_of(st.by_agency, st.nagency, "kominfo"), 4);
	stats_clear(&st);
}

static void
test_median_response(void **state)
{
	struct fixture *f = *state;
	struct stats st;

	/* c1 600, c2 1800 (its later event does not count), c3 3600, c5 7200: even. */
	assert_int_equal(stats_compute(f->s, f->c, NOW - 7 * DAY, NOW, &st), 0);
	assert_int_equal(st.responded, 4);
	assert_int_equal(st.unanswered, 4);                     /* c4, c6, c7, c9 */
	assert_int_equal(st.median_response, (1800 + 3600) / 2);
	stats_clear(&st);

	/* Without c1: 1800, 3600, 7200: odd. */
	assert_int_equal(stats_compute(f->s, f->c, NOW - 5 * DAY, NOW, &st), 0);
	assert_int_equal(st.responded, 3);
	assert_int_equal(st.unanswered, 4);
	assert_int_equal(st.median_response, 3600);
	stats_clear(&st);

	/* Nobody answered the last day's complaints. */
	assert_int_equal(stats_compute(f->s, f->c, NOW - DAY, NOW, &st), 0);
	assert_int_equal(st.total, 2);
	assert_int_equal(st.responded, 0);
	assert_int_equal(st.unanswered, 2);
	assert_int_equal(st.median_response, -1);
	stats_clear(&st);
}

static void
test_overdue(void **state)
{
	struct fixture *f = *state;
	struct stats st;

	/* received past route_due: c5 and (whatever its age) c8; routed past followup_due: c1. */
	assert_int_equal(stats_compute(f->s, f->c, NOW - 7 * DAY, NOW, &st), 0);
	assert_int_equal(st.overdue_received, 2);
	assert_int_equal(st.overdue_routed, 1);
	stats_clear(&st);

	/* Judged at another time: before c5's and c1's due dates, only c8. */
	assert_int_equal(stats_compute(f->s, f->c, NOW - 7 * DAY, NOW - 200, &st), 0);
	assert_int_equal(st.overdue_received, 1);
	assert_int_equal(st.overdue_routed, 0);
	stats_clear(&st);

	/* c9 reopened by its reporter (in_progress, a new follow-up date), now passed. */
	{
		struct store_complaint c9;

		assert_int_equal(store_complaint_get(f->s, "10000009", &c9), 1);
		assert_int_equal(store_begin(f->s), 0);
		assert_int_equal(store_event_add(f->s, c9.id, NOW - 3 * DAY, "citizen",
		    "in_progress", "belum selesai"), 0);
		assert_int_equal(store_complaint_set_sla(f->s, c9.id, -1, 0, NOW - 50, 0, 0), 0);
		assert_int_equal(store_commit(f->s), 0);
		store_complaint_clear(&c9);
	}
	assert_int_equal(stats_compute(f->s, f->c, NOW - 7 * DAY, NOW, &st), 0);
	assert_int_equal(st.overdue_routed, 2);                 /* c1 and c9 */
	stats_clear(&st);
}

static void
test_candidate_words(void **state)
{
	struct fixture *f = *state;
	static const char *const ones[] = { "ANJING", "BALAI", "DAHAN", "DESA", "LEWAT",
		"MENIMPA", "PATAH", "ROBOH", "RUMAH", "TUMBANG" };
	static const char *const never[] = { "DI", "DEPAN", "DAN", "YANG", "THE", "OK", "12345",
		"JLN", "TPS", "BAWEN", "LAMA", "SEKALI", "JALAN", "SAMPAH" };
	struct stats st;
	size_t i;

	assert_int_equal(stats_compute(f->s, f->c, NOW - 7 * DAY, NOW, &st), 0);
	assert_int_equal(st.triage_texts, 3);                   /* c5, c6, c7 */
	assert_int_equal(st.nwords, 12);
	/* Messages using each word: "pohon pohon" counts once; c8 is older. */
	assert_string_equal(st.words[0].name, "POHON");
	assert_int_equal(st.words[0].n, 3);
	assert_string_equal(st.words[1].name, "WARGA");
	assert_int_equal(st.words[1].n, 2);
	/* Then the words used once, in alphabetical order. */
	for (i = 0; i < ARRAY_LEN(ones); i++) {
		assert_string_equal(st.words[2 + i].name, ones[i]);
		assert_int_equal(st.words[2 + i].n, 1);
	}
	for (i = 0; i < ARRAY_LEN(never); i++)
		assert_int_equal(count_of(st.words, st.nwords, never[i]), -1);
	stats_clear(&st);
}

static void
test_print(void **state)
{
	struct fixture *f = *state;
	struct stats st;
	char *buf = NULL;
	size_t len = 0;
	FILE *out;

	assert_int_equal(stats_compute(f->s, f->c, NOW - 7 * DAY, NOW, &st), 0);
	out = open_memstream(&buf, &len);
	assert_non_null(out);
	stats_print(&st, f->c, out);
	fclose(out);
	assert_non_null(strstr(buf, ": 8\n"));
	assert_non_null(strstr(buf, "\nper agency\n  agency           complaints   share\n"
	    "  kominfo                   3   37.5%  Dinas Komunikasi dan Informatika\n"));
	assert_non_null(strstr(buf, "  (no rule: triage)           3   37.5%\n"));
	assert_non_null(strstr(buf, "  ussd              1   12.5%\n"));
	assert_non_null(strstr(buf, "  no rule matched:  3 of 8 (37.5%), sent to kominfo\n"));
	assert_non_null(strstr(buf, "  median:           45m 0s (2700 s) over 4 complaints\n"));
	assert_non_null(strstr(buf, "  no response yet:  4\n"));
	assert_non_null(strstr(buf, "received, not routed by its route due date:      2\n"));
	assert_non_null(strstr(buf, "routed, not followed up by its follow-up date:   1\n"));
	assert_non_null(strstr(buf, "  word     messages\n  POHON           3\n  WARGA           2\n"));
	free(buf);
	stats_clear(&st);
}

/* ---- the pure parts ---------------------------------------------------------- */

static void
test_median(void **state)
{
	int64_t odd[] = { 50, 10, 30 }, even[] = { 40, 10, 30, 20 }, two[] = { 1, 2 };
	int64_t one[] = { 7 }, big[] = { INT64_MAX - 1, INT64_MAX - 3 };

	(void)state;
	assert_int_equal(stats_median(odd, 3), 30);
	assert_int_equal(stats_median(even, 4), 25);
	assert_int_equal(stats_median(two, 2), 1);             /* 1.5 rounded down */
	assert_int_equal(stats_median(one, 1), 7);
	assert_int_equal(stats_median(NULL, 0), -1);
	assert_true(stats_median(big, 2) == INT64_MAX - 2);    /* no overflow */
}

static void
test_duration(void **state)
{
	char b[32];

	(void)state;
	stats_duration(0, b, sizeof b);
	assert_string_equal(b, "0s");
	stats_duration(42, b, sizeof b);
	assert_string_equal(b, "42s");
	stats_duration(90, b, sizeof b);
	assert_string_equal(b, "1m 30s");
	stats_duration(9000, b, sizeof b);
	assert_string_equal(b, "2h 30m");
	stats_duration(26 * 3600 + 59, b, sizeof b);
	assert_string_equal(b, "1d 2h");
}

static void
test_parse_since(void **state)
{
	int64_t t;
	char *tz = getenv("TZ") ? xstrdup(getenv("TZ")) : NULL;

	(void)state;
	assert_int_equal(stats_parse_since("30d", NOW, &t), 0);
	assert_true(t == NOW - 30 * DAY);
	assert_int_equal(stats_parse_since("12h", NOW, &t), 0);
	assert_true(t == NOW - 12 * 3600);
	assert_int_equal(stats_parse_since("2w", NOW, &t), 0);
	assert_true(t == NOW - 14 * DAY);
	assert_int_equal(stats_parse_since("0d", NOW, &t), 0);
	assert_true(t == NOW);

	/* Dates are local time. */
	setenv("TZ", "UTC", 1);
	tzset();
	assert_int_equal(stats_parse_since("2026-11-01", NOW, &t), 0);
	assert_true(t == 1793491200);
	assert_int_equal(stats_parse_since("2026-11-01T08:00", NOW, &t), 0);
	assert_true(t == 1793491200 + 8 * 3600);
	assert_int_equal(stats_parse_since("2026-11-01 08:00:30", NOW, &t), 0);
	assert_true(t == 1793491200 + 8 * 3600 + 30);
	setenv("TZ", "Asia/Jakarta", 1);
	tzset();
	assert_int_equal(stats_parse_since("2026-11-01", NOW, &t), 0);
	assert_true(t == 1793491200 - 7 * 3600);
	if (tz != NULL)
		setenv("TZ", tz, 1);
	else
		unsetenv("TZ");
	tzset();
	free(tz);

	t = 42;
	assert_int_equal(stats_parse_since("", NOW, &t), -1);
	assert_int_equal(stats_parse_since("30", NOW, &t), -1);
	assert_int_equal(stats_parse_since("30x", NOW, &t), -1);
	assert_int_equal(stats_parse_since("30dd", NOW, &t), -1);
	assert_int_equal(stats_parse_since("d", NOW, &t), -1);
	assert_int_equal(stats_parse_since("-3d", NOW, &t), -1);
	assert_int_equal(stats_parse_since("yesterday", NOW, &t), -1);
	assert_int_equal(stats_parse_since("2026-02-30", NOW, &t), -1);
	assert_int_equal(stats_parse_since("2026-13-01", NOW, &t), -1);
	assert_int_equal(stats_parse_since("2026-11-01T25:00", NOW, &t), -1);
	assert_int_equal(stats_parse_since("2026-11", NOW, &t), -1);
	assert_int_equal(stats_parse_since("2026-11-01x", NOW, &t), -1);
	assert_true(t == 42);
}

static void
test_words_filters_and_top(void **state)
{
	struct fixture *f = *state;
	struct stats_words *w = stats_words_new(f->c);
	struct stats_count top[STATS_TOP_WORDS + 5];
	char text[512];
	size_t n, i;

	/* Stop words in both languages, short words, digits, known words. */
	assert_true(stats_stop_word("YANG"));
	assert_true(stats_stop_word("DARI"));
	assert_true(stats_stop_word("THE"));
	assert_true(stats_stop_word("WITH"));
	assert_false(stats_stop_word("POHON"));
	stats_words_add(w, "Yang dari dengan untuk sudah belum the and with from");
	stats_words_add(w, "ok ya di 123 4567 +6281234567890 08123");
	stats_words_add(w, "JALAN jln. Lubang road TPS sampah lampu jalan Ambarawa bawen");
	assert_int_equal(stats_words_top(w, top, STATS_TOP_WORDS), 1);
	/* "lampu jalan" is a phrase: LAMPU alone is no known word. */
	assert_string_equal(top[0].name, "LAMPU");
	/* Accents and punctuation fold; inner punctuation stays. */
	stats_words_add(w, "Kérusakan, \"kerusakan\" KERUSAKAN! di jl.pemuda rt.03 a1b2");
	n = stats_words_top(w, top, STATS_TOP_WORDS);
	assert_int_equal(n, 3);
	assert_string_equal(top[0].name, "JL.PEMUDA");
	assert_string_equal(top[1].name, "KERUSAKAN");
	assert_int_equal(top[1].n, 1);
	assert_string_equal(top[2].name, "LAMPU");
	stats_words_free(w);

	/* At most the number asked for, most used first. */
	w = stats_words_new(f->c);
	for (i = 0; i < 20; i++) {
		snprintf(text, sizeof text, "kata%c%c tambahan", (char)('a' + i), (char)('a' + i));
		stats_words_add(w, text);
	}
	n = stats_words_top(w, top, STATS_TOP_WORDS);
	assert_int_equal(n, STATS_TOP_WORDS);
	assert_string_equal(top[0].name, "TAMBAHAN");
	assert_int_equal(top[0].n, 20);
	assert_string_equal(top[1].name, "KATAAA");
	assert_int_equal(top[1].n, 1);
	stats_words_free(w);

	/* Without a config: only the stop words are left out. */
	w = stats_words_new(NULL);
	stats_words_add(w, "JALAN yang rusak");
	n = stats_words_top(w, top, STATS_TOP_WORDS);
	assert_int_equal(n, 2);
	assert_string_equal(top[0].name, "JALAN");
	assert_string_equal(top[1].name, "RUSAK");
	stats_words_free(w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_median_response, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overdue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_candidate_words, setup, teardown),
		cmocka_unit_test_setup_teardown(test_print, setup, teardown),
		cmocka_unit_test(test_median),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_parse_since),
		cmocka_unit_test_setup_teardown(test_words_filters_and_top, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
