/*
 * test_ticket_open: opening a complaint as ticket/open.h promises it, the
 * one code path the SMS and USSD intakes share.  ticket_plan() fills a
 * complaint from a routing decision without the store; ticket_open() stores
 * it inside a transaction with its events and the agency's webhook, and
 * never reuses a ticket number that is taken.  A real SQLite file and the
 * example config (conf/aduan.conf), routed by the service's own decision.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/conf.h"
#include "routing/decide.h"
#include "routing/route.h"
#include "sms/parse.h"
#include "sms/ticket.h"
#include "store/store.h"
#include "ticket/open.h"
#include "util/log.h"
#include "util/util.h"

#define PHONE "+6281234567890"
#define NOW ((int64_t)1767225600)       /* Thu 2026-01-01 00:00 UTC */

struct fixture {
	char dir[64];
	char path[128];
	struct conf *conf;
	struct route_table *rt;
	struct store *s;
};

static int
setup(void **state)
{
	static const struct store_options opts = { .sync_full = 0, .busy_timeout_ms = 200 };
	struct fixture *f = xcalloc(1, sizeof *f);
	struct conf_errors *errs = xcalloc(1, sizeof *errs);
	const char *src = getenv("ADUAN_SRCDIR");
	char conf_path[512], err[256];

	log_set_level(LOG_LEVEL_ERROR);
	snprintf(conf_path, sizeof conf_path, "%s/conf/aduan.conf",
	    src != NULL && *src != '\0' ? src : ".");
	f->conf = conf_load_file(conf_path, CONF_DEMO, errs);
	free(errs);
	if (f->conf == NULL)
		return -1;
	f->rt = route_build(f->conf, err, sizeof err);
	snprintf(f->dir, sizeof f->dir, "/tmp/aduan-open-XXXXXX");
	if (f->rt == NULL || mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof f->path, "%s/aduan.db", f->dir);
	f->s = store_open(f->path, &opts, err, sizeof err);
	if (f->s == NULL) {
		print_error("store_open %s: %s\n", f->path, err);
		return -1;
	}
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char p[256];
	static const char *const suffix[] = { "", "-wal", "-shm" };
	size_t i;

	store_close(f->s);
	for (i = 0; i < ARRAY_LEN(suffix); i++) {
		snprintf(p, sizeof p, "%s%s", f->path, suffix[i]);
		unlink(p);
	}
	rmdir(f->dir);
	route_free(f->rt);
	conf_free(f->conf);
	free(f);
	return 0;
}

/* text routed as the SMS intake routes it; a complaint that opens a ticket. */
static void
decide(struct fixture *f, const char *text, struct route_sms *r)
{
	struct sms_command cmd;

	sms_parse(text, strlen(text), &cmd);
	assert_int_equal(cmd.cmd, SMS_COMPLAINT);
	route_sms_decide(f->rt, &cmd, r);
	assert_int_equal(r->answer, ROUTE_SMS_TICKET);
}

static void
plan(struct fixture *f, const struct route_sms *r, struct store_complaint *c)
{
	memset(c, 0, sizeof *c);
	assert_int_equal(ticket_plan(f->conf, &r->d, PHONE, "sms", r->loc, r->llen, r->desc,
	    r->dlen, NOW, c), 0);
	str_copy(c->lang, sizeof c->lang, "id");
}

struct open_tx {
	struct fixture *f;
	const struct route_decision *d;
	struct store_complaint *c;
	int result;
};

static int
open_tx(struct store *s, void *arg)
{
	struct open_tx *t = arg;

	t->result = ticket_open(t->f->conf, s, t->d, t->c, NOW);
	return t->result < 0 ? -1 : 0;
}

/* ticket_open() in a transaction of its own; what it returned. */
static int
open_one(struct fixture *f, const struct route_decision *d, struct store_complaint *c)
{
	struct open_tx t = { f, d, c, -2 };

	assert_int_equal(store_run(f->s, open_tx, &t), 0);
	return t.result;
}

static size_t
events(struct fixture *f, int64_t id, struct store_event *ev, size_t max)
{
	size_t n = 0;

	assert_int_equal(store_events_list(f->s, id, ev, max, &n), 0);
	return n;
}

static void
plan_fills_a_routed_complaint_without_the_store(void **state)
{
	struct fixture *f = *state;
	struct route_sms r;
	struct store_complaint c;

	decide(f, "JALAN#Tembalang#lubang besar depan SD 2", &r);
	assert_true(r.d.rule >= 0);
	plan(f, &r, &c);
	assert_int_equal(strlen(c.ticket), TICKET_DIGITS);
	assert_string_equal(c.phone, PHONE);
	assert_string_equal(c.channel, "sms");
	assert_string_equal(c.keyword, f->conf->rules[r.d.rule].keyword);
	assert_string_equal(c.agency, f->conf->agencies[r.d.agency].id);
	assert_string_equal(c.status, "received");
	assert_string_equal(c.location, "Tembalang");
	assert_string_equal(c.description, "lubang besar depan SD 2");
	assert_string_equal(c.route_explain, r.d.explain);
	assert_string_equal(c.config_hash, f->conf->hash);
	assert_true(c.created_at == NOW);
	/* Routed by a rule: the agency's follow-up clock runs, triage's does not. */
	assert_true(c.routed_at == NOW);
	assert_true(c.followup_due > NOW);
	assert_true(c.route_due == 0);
	assert_int_equal(c.id, 0);              /* nothing stored yet */
	store_complaint_clear(&c);
}

static void
plan_gives_triage_its_own_clock_and_no_location(void **state)
{
	struct fixture *f = *state;
	struct route_sms r;
	struct store_complaint c;

	decide(f, "ada masalah besar sekali di kampung kami", &r);
	assert_true(r.d.rule < 0);
	plan(f, &r, &c);
	assert_string_equal(c.keyword, "");
	assert_string_equal(c.agency, f->conf->agencies[f->conf->triage].id);
	assert_null(c.location);
	assert_true(c.route_due > NOW);
	assert_true(c.routed_at == 0);
	assert_true(c.followup_due == 0);
	store_complaint_clear(&c);
}

static void
open_stores_a_routed_complaint_with_both_events(void **state)
{
	struct fixture *f = *state;
	struct route_sms r;
	struct store_complaint c, got = { 0 };
	struct store_event ev[4];
	size_t n, i;

	decide(f, "JALAN Jl. Pemuda depan SMP 3 berlubang", &r);
	plan(f, &r, &c);
	assert_int_equal(open_one(f, &r.d, &c), 0);     /* the example has no webhooks */
	assert_true(c.id > 0);
	assert_int_equal(store_complaint_get(f->s, c.ticket, &got), 1);
	assert_string_equal(got.status, "routed");
	assert_string_equal(got.channel, "sms");
	assert_string_equal(got.lang, "id");
	assert_true(got.followup_due == c.followup_due);
	n = events(f, c.id, ev, ARRAY_LEN(ev));
	assert_int_equal(n, 2);
	assert_string_equal(ev[0].status, "received");
	assert_string_equal(ev[1].status, "routed");
	assert_string_equal(ev[1].note, r.d.explain);
	for (i = 0; i < n; i++)
		store_event_clear(&ev[i]);
	store_complaint_clear(&got);
	store_complaint_clear(&c);
}

static void
open_leaves_triage_received_with_one_event(void **state)
{
	struct fixture *f = *state;
	struct route_sms r;
	struct store_complaint c, got = { 0 };
	struct store_event ev[4];
	size_t n;

	decide(f, "ada masalah besar sekali di kampung kami", &r);
	plan(f, &r, &c);
	assert_int_equal(open_one(f, &r.d, &c), 0);
	assert_int_equal(store_complaint_get(f->s, c.ticket, &got), 1);
	assert_string_equal(got.status, "received");
	n = events(f, c.id, ev, ARRAY_LEN(ev));
	assert_int_equal(n, 1);
	assert_string_equal(ev[0].status, "received");
	store_event_clear(&ev[0]);
	store_complaint_clear(&got);
	store_complaint_clear(&c);
}

static void
open_queues_the_created_webhook_when_the_agency_has_one(void **state)
{
	struct fixture *f = *state;
	struct route_sms r;
	struct store_complaint c;
	struct conf_agency *a;
	static char hook[] = "http://127.0.0.1:9/aduan";
	char *saved;
	long before;

	decide(f, "JALAN Jl. Pemuda depan SMP 3 berlubang", &r);
	a = &f->conf->agencies[r.d.agency];
	saved = a->webhook;
	a->webhook = hook;
	before = store_outbox_count(f->s, "pending");
	plan(f, &r, &c);
	assert_int_equal(open_one(f, &r.d, &c), 1);
	assert_int_equal(store_outbox_count(f->s, "pending"), before + 1);
	a->webhook = saved;
	store_complaint_clear(&c);
}

static void
open_never_reuses_a_taken_ticket_number(void **state)
{
	struct fixture *f = *state;
	struct route_sms r;
	struct store_complaint first, second, got = { 0 };

	decide(f, "JALAN Jl. Pemuda depan SMP 3 berlubang", &r);
	plan(f, &r, &first);
	assert_int_equal(open_one(f, &r.d, &first), 0);
	plan(f, &r, &second);
	/* The planned number is taken by the time the transaction runs. */
	str_copy(second.ticket, sizeof second.ticket, first.ticket);
	assert_int_equal(open_one(f, &r.d, &second), 0);
	assert_string_not_equal(second.ticket, first.ticket);
	assert_int_equal(strlen(second.ticket), TICKET_DIGITS);
	assert_int_equal(store_complaint_get(f->s, first.ticket, &got), 1);
	assert_true(got.id == first.id);
	store_complaint_clear(&got);
	assert_int_equal(store_complaint_get(f->s, second.ticket, &got), 1);
	assert_true(got.id == second.id);
	store_complaint_clear(&got);
	store_complaint_clear(&first);
	store_complaint_clear(&second);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(plan_fills_a_routed_complaint_without_the_store,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(plan_gives_triage_its_own_clock_and_no_location,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(open_stores_a_routed_complaint_with_both_events,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(open_leaves_triage_received_with_one_event,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(open_queues_the_created_webhook_when_the_agency_has_one,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(open_never_reuses_a_taken_ticket_number, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
