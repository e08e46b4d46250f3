/*
 * test_replay: `aduan route --replay` on a real store.  Each test gets a
 * store in its own mkdtemp() directory, seeded with complaints and their
 * messages at fixed times, and three configs from conf_load_string():
 *
 *   base       JALAN (JLN, LUBANG; regional Ambarawa), SAMPAH (TPS),
 *              PJU (LAMPU JALAN): what routed the stored complaints;
 *   candidate  the same with JLN moved from JALAN to PJU and a new rule
 *              POHON for the dinas lingkungan hidup;
 *   nojln      base without JLN at all.
 *
 * The replay must report exactly the complaints that move, with the right
 * from -> to counts; the base config replayed on its own complaints moves
 * none.
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
#include <unistd.h>

#include "conf/conf.h"
#include "routing/replay.h"
#include "routing/route.h"
#include "store/store.h"
#include "util/util.h"

#define NOW ((int64_t)1764320000)       /* 2025-11-28 08:53:20 UTC */
#define DAY ((int64_t)86400)

static const struct store_options opts = { .sync_full = 1, .busy_timeout_ms = 500 };

struct fixture {
	char dir[64];
	char path[128];
	struct store *s;
	struct conf *base, *cand, *nojln;
	struct route_table *rt_base, *rt_cand, *rt_nojln;
};

/* The config with JALAN's and PJU's aliases and an extra rule as given. */
static struct conf *
make_conf(const char *jalan_aliases, const char *pju_aliases, const char *extra_rule)
{
	struct conf_errors errs;
	struct conf *c;
	char text[4096];
	int i;

	snprintf(text, sizeof text,
	    "agencies = (\n"
	    "  { id = \"kominfo\"; name = \"Dinas Komunikasi dan Informatika\";\n"
	    "    short_name = \"Kominfo\"; },\n"
	    "  { id = \"dpupr\"; name = \"Dinas Pekerjaan Umum\"; short_name = \"DPUPR\"; },\n"
	    "  { id = \"upt-pu-ambarawa\"; name = \"UPT PU Ambarawa\"; short_name = \"UPT PU\"; },\n"
	    "  { id = \"dlh\"; name = \"Dinas Lingkungan Hidup\"; short_name = \"DLH\"; },\n"
	    "  { id = \"dishub\"; name = \"Dinas Perhubungan\"; short_name = \"Dishub\"; }\n"
	    ");\n"
	    "triage = \"kominfo\";\n"
	    "regions = ( { id = \"ambarawa\"; name = \"Wilayah Ambarawa\";\n"
	    "  keywords = [ \"AMBARAWA\", \"BAWEN\" ]; } );\n"
	    "rules = (\n"
	    "  { keyword = \"JALAN\"; aliases = [ %s ]; agency = \"dpupr\";\n"
	    "    label = { id = \"Jalan\"; en = \"Roads\"; };\n"
	    "    regional = ( { region = \"ambarawa\"; agency = \"upt-pu-ambarawa\"; } ); },\n"
	    "  { keyword = \"SAMPAH\"; aliases = [ \"TPS\" ]; agency = \"dlh\";\n"
	    "    label = { id = \"Sampah\"; en = \"Waste\"; }; },\n"
	    "  { keyword = \"PJU\"; aliases = [ %s ]; agency = \"dishub\";\n"
	    "    label = { id = \"Lampu jalan\"; en = \"Street lights\"; }; }%s\n"
	    ");\n", jalan_aliases, pju_aliases, extra_rule);
	memset(&errs, 0, sizeof errs);
	c = conf_load_string(text, 0, &errs);
	if (c == NULL)
		for (i = 0; i < errs.n; i++)
			print_error("conf line %d: %s\n", errs.e[i].line, errs.e[i].msg);
	return c;
}

static struct route_table *
build(const struct conf *c)
{
	char err[256];
	struct route_table *rt = route_build(c, err, sizeof err);

	if (rt == NULL)
		print_error("route_build: %s\n", err);
	return rt;
}

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

static int
teardown(void **state)
{
	struct fixture *f = *state;

	if (f == NULL)
		return 0;
	route_free(f->rt_base);
	route_free(f->rt_cand);
	route_free(f->rt_nojln);
	conf_free(f->base);
	conf_free(f->cand);
	conf_free(f->nojln);
	store_close(f->s);
	remove_dir(f->dir);
	free(f);
	return 0;
}

/*
 * A complaint as intake stores it: the complaint, its "routed" event when
 * a rule decided, and (text not NULL) the message that opened it.
 */
static int64_t
seed(struct store *s, const char *ticket, const char *channel, const char *keyword,
    const char *agency, const char *location, const char *description, const char *text,
    int64_t at)
{
	struct store_complaint c;
	struct store_message m;

	memset(&c, 0, sizeof c);
	str_copy(c.ticket, sizeof c.ticket, ticket);
	str_copy(c.phone, sizeof c.phone, "+6281234567890");
	str_copy(c.channel, sizeof c.channel, channel);
	str_copy(c.keyword, sizeof c.keyword, keyword);
	str_copy(c.agency, sizeof c.agency, agency);
	str_copy(c.status, sizeof c.status, "received");
	str_copy(c.lang, sizeof c.lang, "id");
	c.location = (char *)location;
	c.description = (char *)description;
	c.created_at = at;
	if (store_complaint_add(s, &c) != 0)
		fail_msg("store_complaint_add %s: %s", ticket, store_errmsg());
	if (*keyword != '\0' && store_event_add(s, c.id, at, "aduan", "routed", "routed") != 0)
		fail_msg("store_event_add %s: %s", ticket, store_errmsg());
	if (text != NULL) {
		memset(&m, 0, sizeof m);
		m.gateway = "kannel";
		m.gw_id = ticket;
		m.sender = c.phone;
		m.receiver = "1708";
		m.text = text;
		m.command = "complaint";
		m.reply = "Aduan diterima.";
		m.complaint_id = c.id;
		m.received_at = at;
		if (store_message_add(s, &m) != 1)
			fail_msg("store_message_add %s: %s", ticket, store_errmsg());
	}
	return c.id;
}

static const char long_pohon[] =
    "pohon tumbang menutup gang di belakang balai desa sejak kemarin sore, "
    "warga tidak bisa lewat";

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);
	struct store_message m;
	char err[256];
	int64_t id1;

	*state = f;
	f->base = make_conf("\"JLN\", \"LUBANG\"", "\"LAMPU JALAN\"", "");
	f->cand = make_conf("\"LUBANG\"", "\"LAMPU JALAN\", \"JLN\"",
	    ",\n  { keyword = \"POHON\"; agency = \"dlh\";\n"
	    "    label = { id = \"Pohon\"; en = \"Trees\"; }; }");
	f->nojln = make_conf("\"LUBANG\"", "\"LAMPU JALAN\"", "");
	if (f->base == NULL || f->cand == NULL || f->nojln == NULL)
		return -1;
	if ((f->rt_base = build(f->base)) == NULL || (f->rt_cand = build(f->cand)) == NULL ||
	    (f->rt_nojln = build(f->nojln)) == NULL)
		return -1;
	snprintf(f->dir, sizeof f->dir, "/tmp/aduan-replay-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof f->path, "%s/aduan.db", f->dir);
	if ((f->s = store_open(f->path, &opts, err, sizeof err)) == NULL) {
		print_error("store_open: %s\n", err);
		return -1;
	}

	/* What the base config decided for each (checked by base_moves_nothing). */
	id1 = seed(f->s, "10000001", "sms", "JALAN", "dpupr", NULL, "JLN rusak parah depan pasar",
	    "JLN rusak parah depan pasar", NOW - 5 * DAY);
	seed(f->s, "10000002", "sms", "JALAN", "upt-pu-ambarawa", NULL, "JLN berlubang di Ambarawa",
	    "LAPOR JLN berlubang di Ambarawa", NOW - 4 * DAY);
	seed(f->s, "10000003", "sms", "JALAN", "dpupr", NULL, "JALAN Jl. Pemuda berlubang",
	    "JALAN Jl. Pemuda berlubang", NOW - 4 * DAY);
	seed(f->s, "10000004", "sms", "SAMPAH", "dlh", NULL, "sampah menumpuk di TPS pasar",
	    "sampah menumpuk di TPS pasar", NOW - 3 * DAY);
	seed(f->s, "10000005", "sms", "", "kominfo", NULL, long_pohon, long_pohon, NOW - 3 * DAY);
	seed(f->s, "10000006", "sms", "", "kominfo", "Bawen", "dahan patah",
	    "POHON#Bawen#dahan patah", NOW - 2 * DAY);
	seed(f->s, "10000007", "ussd", "JALAN", "upt-pu-ambarawa", "Desa Bejalen, Ambarawa",
	    "jalan rusak", NULL, NOW - 2 * DAY);
	/* Stored as a complaint, no longer parses as one: skipped. */
	seed(f->s, "10000008", "sms", "", "kominfo", NULL, "INFO", "INFO", NOW - DAY);
	/* Before --since: would move, must not be replayed. */
	seed(f->s, "10000009", "sms", "JALAN", "dpupr", NULL, "JLN lama rusak", "JLN lama rusak",
	    NOW - 40 * DAY);
	/* A TAMBAH on complaint 1: another message of it, not the one that opened it. */
	memset(&m, 0, sizeof m);
	m.gateway = "kannel";
	m.gw_id = "add-1";
	m.sender = "+6281234567890";
	m.text = "TAMBAH 10000001 pohon tumbang juga";
	m.command = "add";
	m.complaint_id = id1;
	m.received_at = NOW - DAY;
	if (store_message_add(f->s, &m) != 1)
		return -1;
	return 0;
}

static struct replay_move *
find_move(struct replay *r, const char *from, const char *to)
{
	size_t i;

	for (i = 0; i < r->nmoves; i++)
		if (strcmp(r->moves[i].from, from) == 0 && strcmp(r->moves[i].to, to) == 0)
			return &r->moves[i];
	return NULL;
}

static void
test_candidate_moves_exactly_these(void **state)
{
	struct fixture *f = *state;
	struct replay r;
	struct replay_move *m;

	replay_init(&r, f->cand, f->rt_cand, 5);
	assert_int_equal(replay_store(&r, f->s, NOW - 30 * DAY, 1000), 0);
	assert_int_equal(r.total, 7);           /* 10000001..07; 08 skipped, 09 too old */
	assert_int_equal(r.sms, 6);
	assert_int_equal(r.ussd, 1);
	assert_int_equal(r.skipped, 1);
	assert_int_equal(r.moved, 4);
	assert_int_equal(r.rule_changed, 0);
	assert_int_equal(r.no_ticket, 0);
	assert_int_equal(r.nmoves, 3);
	assert_int_equal(replay_count(&r, "kominfo", "dlh"), 2);
	assert_int_equal(replay_count(&r, "dpupr", "dishub"), 1);
	assert_int_equal(replay_count(&r, "upt-pu-ambarawa", "dishub"), 1);
	assert_int_equal(replay_count(&r, "dpupr", "dlh"), 0);

	/* Sorted: most first, then by from. */
	replay_sort(&r);
	assert_string_equal(r.moves[0].from, "kominfo");
	assert_string_equal(r.moves[0].to, "dlh");
	assert_string_equal(r.moves[1].from, "dpupr");
	assert_string_equal(r.moves[2].from, "upt-pu-ambarawa");

	/* The examples: which complaints, old and new rule and word. */
	m = find_move(&r, "kominfo", "dlh");
	assert_non_null(m);
	assert_int_equal(m->nexamples, 2);
	assert_string_equal(m->examples[0].ticket, "10000005");
	assert_string_equal(m->examples[0].old_rule, "triage");
	assert_string_equal(m->examples[0].new_rule, "POHON");
	assert_string_equal(m->examples[0].new_word, "POHON");
	assert_string_equal(m->examples[1].ticket, "10000006");      /* structured */
	m = find_move(&r, "dpupr", "dishub");
	assert_non_null(m);
	assert_int_equal(m->nexamples, 1);
	assert_string_equal(m->examples[0].ticket, "10000001");
	assert_string_equal(m->examples[0].old_rule, "JALAN");
	assert_string_equal(m->examples[0].new_rule, "PJU");
	assert_string_equal(m->examples[0].new_word, "JLN");
	assert_string_equal(m->examples[0].text, "JLN rusak parah depan pasar");
	assert_non_null(strstr(m->examples[0].explain, "rule PJU -> dishub"));
	m = find_move(&r, "upt-pu-ambarawa", "dishub");
	assert_non_null(m);
	assert_string_equal(m->examples[0].ticket, "10000002");
	replay_clear(&r);
}

static void
test_base_moves_nothing(void **state)
{
	struct fixture *f = *state;
	struct replay r;

	replay_init(&r, f->base, f->rt_base, 3);
	assert_int_equal(replay_store(&r, f->s, NOW - 30 * DAY, 1000), 0);
	assert_int_equal(r.total, 7);
	assert_int_equal(r.moved, 0);
	assert_int_equal(r.rule_changed, 0);
	assert_int_equal(r.nmoves, 0);
	replay_clear(&r);

	/* Everything, the old one included: it was routed by the same rules. */
	replay_init(&r, f->base, f->rt_base, 3);
	assert_int_equal(replay_store(&r, f->s, 0, 1000), 0);
	assert_int_equal(r.total, 8);
	assert_int_equal(r.moved, 0);
	replay_clear(&r);
}

static void
test_since_and_limit(void **state)
{
	struct fixture *f = *state;
	struct replay r;

	replay_init(&r, f->cand, f->rt_cand, 3);
	assert_int_equal(replay_store(&r, f->s, 0, 1000), 0);
	assert_int_equal(r.total, 8);
	assert_int_equal(r.moved, 5);
	assert_int_equal(replay_count(&r, "dpupr", "dishub"), 2);
	replay_clear(&r);

	/* Only complaints created at or after since. */
	replay_init(&r, f->cand, f->rt_cand, 3);
	assert_int_equal(replay_store(&r, f->s, NOW - 2 * DAY, 1000), 0);
	assert_int_equal(r.total, 2);           /* 06 and 07; 08 skipped */
	assert_int_equal(r.skipped, 1);
	assert_int_equal(r.moved, 1);
	assert_int_equal(replay_count(&r, "kominfo", "dlh"), 1);
	replay_clear(&r);

	/* The limit bounds the rows read, oldest first. */
	replay_init(&r, f->cand, f->rt_cand, 3);
	assert_int_equal(replay_store(&r, f->s, NOW - 30 * DAY, 2), 0);
	assert_int_equal(r.total, 2);
	assert_int_equal(r.moved, 2);           /* 01 and 02 */
	replay_clear(&r);
}

static void
test_examples_bounded_and_shortened(void **state)
{
	struct fixture *f = *state;
	struct replay r;
	struct replay_move *m;
	const char *t;

	replay_init(&r, f->cand, f->rt_cand, 1);
	assert_int_equal(replay_store(&r, f->s, NOW - 30 * DAY, 1000), 0);
	m = find_move(&r, "kominfo", "dlh");
	assert_non_null(m);
	assert_int_equal(m->count, 2);
	assert_int_equal(m->nexamples, 1);
	t = m->examples[0].text;
	assert_int_equal(strlen(t), REPLAY_TEXT_CHARS);
	assert_memory_equal(t, long_pohon, REPLAY_TEXT_CHARS - 3);
	assert_string_equal(t + REPLAY_TEXT_CHARS - 3, "...");
	assert_true(strlen(m->examples[0].explain) <= REPLAY_EXPLAIN_CHARS);
	replay_clear(&r);

	/* No examples at all: the counts stay. */
	replay_init(&r, f->cand, f->rt_cand, 0);
	assert_int_equal(replay_store(&r, f->s, NOW - 30 * DAY, 1000), 0);
	assert_int_equal(r.moved, 4);
	assert_int_equal(find_move(&r, "kominfo", "dlh")->nexamples, 0);
	replay_clear(&r);
}

/* Items fed one by one, no store: the USSD path and "no ticket". */
static void
test_items_ussd_and_no_ticket(void **state)
{
	struct fixture *f = *state;
	struct replay r;
	struct route_decision d;
	int no_ticket;
	const struct replay_item jln = { "20000001", "sms", "JLN rusak", "JALAN", NULL, NULL,
		"dpupr" };
	const struct replay_item lubang = { "20000002", "sms", "LUBANG !!!", "JALAN", NULL, NULL,
		"dpupr" };
	const struct replay_item menu = { "20000003", "ussd", NULL, "JALAN", "Bawen",
		"jalan rusak", "upt-pu-ambarawa" };
	const struct replay_item gone = { "20000004", "ussd", NULL, "BANJIR", "Ungaran",
		"banjir sepaha", "bpbd" };

	/* Without JLN: "JLN rusak" is two words and no keyword: help text, no ticket. */
	replay_init(&r, f->nojln, f->rt_nojln, 3);
	assert_int_equal(replay_add(&r, &jln), 1);
	assert_int_equal(replay_add(&r, &lubang), 1);
	assert_int_equal(replay_add(&r, &menu), 1);
	assert_int_equal(replay_add(&r, &gone), 1);
	assert_int_equal(r.total, 4);
	assert_int_equal(r.sms, 2);
	assert_int_equal(r.ussd, 2);
	assert_int_equal(r.no_ticket, 2);       /* "JLN rusak" and "LUBANG !!!" */
	assert_int_equal(r.moved, 2);
	assert_int_equal(replay_count(&r, "dpupr", "kominfo"), 1);
	assert_int_equal(replay_count(&r, "bpbd", "kominfo"), 1);
	assert_int_equal(find_move(&r, "dpupr", "kominfo")->examples[0].no_ticket, 1);
	replay_clear(&r);

	/* The menu category decides, and region words in the location. */
	assert_int_equal(replay_decide(f->cand, f->rt_cand, &menu, &d, &no_ticket), 0);
	assert_int_equal(d.how, ROUTE_MENU);
	assert_string_equal(f->cand->rules[d.rule].keyword, "JALAN");
	assert_string_equal(f->cand->agencies[d.agency].id, "upt-pu-ambarawa");
	assert_int_equal(no_ticket, 0);
	/* A category the candidate has no rule for: triage, and why. */
	assert_int_equal(replay_decide(f->cand, f->rt_cand, &gone, &d, &no_ticket), 0);
	assert_int_equal(d.rule, -1);
	assert_string_equal(f->cand->agencies[d.agency].id, "kominfo");
	assert_non_null(strstr(d.explain, "menu category BANJIR is no rule"));
}

static void
test_print(void **state)
{
	struct fixture *f = *state;
	struct replay r;
	char *buf = NULL;
	size_t len = 0;
	FILE *out;

	replay_init(&r, f->cand, f->rt_cand, 2);
	assert_int_equal(replay_store(&r, f->s, NOW - 30 * DAY, 1000), 0);
	out = open_memstream(&buf, &len);
	assert_non_null(out);
	replay_print(&r, out);
	fclose(out);
	assert_non_null(strstr(buf, "replayed:                 7 complaints (6 SMS, 1 USSD)\n"));
	assert_non_null(strstr(buf, "would move:               4 (57.1%)\n"));
	assert_non_null(strstr(buf, "skipped:                  1 (no longer a complaint)\n"));
	assert_non_null(strstr(buf, "  kominfo         -> dlh         2\n"));
	assert_non_null(strstr(buf, "  dpupr           -> dishub      1\n"));
	assert_non_null(strstr(buf, "    10000001  \"JLN rusak parah depan pasar\"\n"));
	assert_non_null(strstr(buf, "              JALAN -> PJU ('JLN')\n"));
	/* The table comes before the examples, the biggest move first. */
	assert_true(strstr(buf, "kominfo         -> dlh") < strstr(buf, "dpupr           -> dishub"));
	free(buf);
	replay_clear(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_candidate_moves_exactly_these, setup, teardown),
		cmocka_unit_test_setup_teardown(test_base_moves_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_since_and_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_examples_bounded_and_shortened, setup, teardown),
		cmocka_unit_test_setup_teardown(test_items_ussd_and_no_ticket, setup, teardown),
		cmocka_unit_test_setup_teardown(test_print, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
