/*
 * test_hub: forwarding to a hub as the config and the hub's answers see it
 * (ticket/hub.h, conf/hub.c).  The config's hub group: what goes to the
 * hub under which service code, and every mistake with its line; the
 * hub's GET requests/{id}.json answer mapped onto the local lifecycle,
 * from an Aduan hub (extended_attributes) and from a plain Open311 one.
 * The HTTP side is it_hub.sh's.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "conf/conf.h"
#include "outbox/hub.h"
#include "ticket/hub.h"

/* Lines 1-6: three agencies, triage, two rules. */
#define BASE \
	"agencies = ( { id = \"dpupr\"; name = \"Dinas PU\"; short_name = \"DPUPR\"; },\n" \
	"  { id = \"dlh\"; name = \"DLH\"; short_name = \"DLH\"; },\n" \
	"  { id = \"diskominfo\"; name = \"Diskominfo\"; short_name = \"Diskominfo\"; } );\n" \
	"triage = \"diskominfo\";\n" \
	"rules = ( { keyword = \"JALAN\"; agency = \"dpupr\"; label = { id = \"Jalan\"; }; },\n" \
	"  { keyword = \"SAMPAH\"; agency = \"dlh\"; label = { id = \"Sampah\"; }; } );\n"

static struct conf_errors errs;

/* Fails unless some error is on `line` and contains `text`. */
static void
expect_error(int line, const char *text)
{
	int i;

	for (i = 0; i < errs.n; i++)
		if (errs.e[i].line == line && strstr(errs.e[i].msg, text) != NULL)
			return;
	print_message("no error at line %d containing \"%s\"; got:\n", line, text);
	for (i = 0; i < errs.n; i++)
		print_message("    line %d: %s\n", errs.e[i].line, errs.e[i].msg);
	fail();
}

static void
test_no_hub(void **state)
{
	struct conf *c = conf_load_string(BASE, 0, &errs);

	(void)state;
	assert_non_null(c);
	assert_null(c->hub_url);
	assert_null(conf_hub_code(c, "JALAN", "dpupr"));
	conf_free(c);
}

static void
test_hub_group(void **state)
{
	struct conf *c = conf_load_string(BASE
	    "hub = { url = \"http://127.0.0.1:9/open311/v2\"; api_key = \"k\";\n"
	    "  categories = [ \"jalan\" ]; agencies = [ \"dlh\" ];\n"
	    "  services = { SAMPAH = \"KEBERSIHAN\"; }; };\n", 0, &errs);

	(void)state;
	assert_non_null(c);
	/* The paths are appended: the URL ends in a slash. */
	assert_string_equal(c->hub_url, "http://127.0.0.1:9/open311/v2/");
	assert_int_equal(c->hub_poll_seconds, 300);
	assert_int_equal(c->hub_poll_max_seconds, 3600);
	assert_int_equal(c->hub_send_phone, 0);
	/* A category as the rules spell it, its own code without a services entry. */
	assert_string_equal(c->hub_categories[0], "JALAN");
	assert_string_equal(conf_hub_code(c, "JALAN", "dpupr"), "JALAN");
	/* By agency, with its mapped code. */
	assert_string_equal(conf_hub_code(c, "SAMPAH", "dlh"), "KEBERSIHAN");
	/* No category, forwarded by its agency: the hub routes it (TRIAGE). */
	assert_string_equal(conf_hub_code(c, "", "dlh"), "TRIAGE");
	/* Neither: stays local. */
	assert_null(conf_hub_code(c, "", "diskominfo"));
	conf_free(c);
}

static void
test_hub_mistakes(void **state)
{
	struct conf *c = conf_load_string(BASE
	    "hub = { url = \"ftp://x/\";\n"                                 /* 7 */
	    "  categories = [ \"AIR\" ];\n"                                 /* 8 */
	    "  agencies = [ \"pdam\" ];\n"                                  /* 9 */
	    "  services = { LISTRIK = \"PLN\"; };\n"                        /* 10 */
	    "  poll_seconds = 600; poll_max_seconds = 60; colour = 1; };\n", /* 11 */
	    0, &errs);

	(void)state;
	assert_null(c);
	expect_error(7, "hub.url");
	expect_error(7, "hub.api_key: missing");
	expect_error(8, "'AIR' is not the keyword of a rule");
	expect_error(9, "'pdam' is not the id of an agency");
	expect_error(10, "'LISTRIK' is not the keyword of a rule");
	expect_error(7, "poll_max_seconds (60) is below poll_seconds (600)");
	expect_error(11, "colour");
}

static void
read_ok(const char *json, struct ticket_hub_view *v)
{
	char err[160];

	if (ticket_hub_read(json, strlen(json), v, err, sizeof err) != 0)
		fail_msg("not read: %s: %s", err, json);
}

static void
test_read_aduan_hub(void **state)
{
	struct ticket_hub_view v;

	(void)state;
	read_ok("[{\"service_request_id\":\"48219303\",\"status\":\"open\",\"status_notes\":\"x\","
	    "\"updated_datetime\":\"2026-12-03T10:00:00Z\",\"extended_attributes\":{"
	    "\"aduan_status\":\"in_progress\",\"status_note\":\"Tim menuju lokasi\"}}]", &v);
	assert_string_equal(v.status, "in_progress");
	assert_string_equal(v.note, "Tim menuju lokasi");
	assert_string_equal(v.id, "48219303");
	assert_string_equal(v.updated, "2026-12-03T10:00:00Z");
	/* Closed at the hub: resolved here (the reporter's window closes it). */
	read_ok("[{\"status\":\"closed\",\"extended_attributes\":{\"aduan_status\":\"closed\"}}]",
	    &v);
	assert_string_equal(v.status, "resolved");
	/* Still in triage at the hub: no change here. */
	read_ok("[{\"status\":\"open\",\"extended_attributes\":{\"aduan_status\":\"routed\","
	    "\"status_note\":null}}]", &v);
	assert_string_equal(v.status, "");
	assert_string_equal(v.note, "");
	read_ok("[{\"status\":\"closed\",\"extended_attributes\":{\"aduan_status\":\"rejected\"}}]",
	    &v);
	assert_string_equal(v.status, "rejected");
}

static void
test_read_plain_hub(void **state)
{
	struct ticket_hub_view v;
	char err[160];

	(void)state;
	read_ok("[{\"service_request_id\":123,\"status\":\"open\",\"status_notes\":null}]", &v);
	assert_string_equal(v.status, "");
	assert_string_equal(v.id, "123");
	read_ok("[{\"status\":\"open\",\"status_notes\":\"Sedang dikerjakan\"}]", &v);
	assert_string_equal(v.status, "in_progress");
	assert_string_equal(v.note, "Sedang dikerjakan");
	read_ok("[{\"status\":\"closed\",\"status_notes\":\"Selesai\"}]", &v);
	assert_string_equal(v.status, "resolved");
	assert_string_equal(v.note, "Selesai");
	assert_int_equal(ticket_hub_read("{}", 2, &v, err, sizeof err), -1);
	assert_int_equal(ticket_hub_read("<html>", 6, &v, err, sizeof err), -1);
	assert_int_equal(ticket_hub_read("[]", 2, &v, err, sizeof err), -1);
}

/* A note longer than a change takes is cut to fit, on a character boundary. */
static void
test_read_long_note(void **state)
{
	static char json[4096];
	struct ticket_hub_view v;
	size_t n;
	int i;

	(void)state;
	n = (size_t)snprintf(json, sizeof json, "[{\"status\":\"closed\",\"status_notes\":\"");
	for (i = 0; i < 1200; i++)
		n += (size_t)snprintf(json + n, sizeof json - n, "\xc3\xa9");   /* é */
	(void)snprintf(json + n, sizeof json - n, "\"}]");
	read_ok(json, &v);
	assert_true(strlen(v.note) < TICKET_HUB_NOTE_MAX);
	assert_int_equal(strlen(v.note) % 2, 0);
}

/* What the hub calls its request is kept, put in a URL and texted: a plain id only. */
static void
test_hub_ids(void **state)
{
	char long_id[80];

	(void)state;
	assert_int_equal(hub_id_ok("700001"), 1);
	assert_int_equal(hub_id_ok("48219303"), 1);
	assert_int_equal(hub_id_ok("LAPOR-2026/12:0001_a.b"), 1);
	assert_int_equal(hub_id_ok(""), 0);
	assert_int_equal(hub_id_ok("12 34"), 0);
	assert_int_equal(hub_id_ok("<script>"), 0);
	assert_int_equal(hub_id_ok("1?api_key=x"), 0);
	assert_int_equal(hub_id_ok("\xc3\xa9"), 0);
	memset(long_id, '7', 63);
	long_id[63] = '\0';
	assert_int_equal(hub_id_ok(long_id), 1);
	memset(long_id, '7', 64);
	long_id[64] = '\0';
	assert_int_equal(hub_id_ok(long_id), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_hub),
		cmocka_unit_test(test_hub_group),
		cmocka_unit_test(test_hub_mistakes),
		cmocka_unit_test(test_read_aduan_hub),
		cmocka_unit_test(test_read_plain_hub),
		cmocka_unit_test(test_read_long_note),
		cmocka_unit_test(test_hub_ids),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
