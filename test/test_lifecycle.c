/*
 * test_lifecycle: the complaint's states as lifecycle.h promises them.
 * The allowed changes below are copied from the header's comment, not from
 * the code's table: every one of the 8 x 8 changes is checked, so a change
 * the table allows and the header does not (or the other way) fails here
 * with its two names.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "ticket/lifecycle.h"

static const char *const all[LC_N] = {
	"received", "routed", "in_progress", "resolved", "closed", "deferred", "rejected",
	"withdrawn",
};

/* lifecycle.h, "Allowed changes": from -> to. */
static const struct {
	const char *from, *to;
} allowed[] = {
	{ "received", "routed" },
	{ "received", "in_progress" },
	{ "received", "deferred" },
	{ "received", "rejected" },
	{ "routed", "routed" },
	{ "routed", "in_progress" },
	{ "routed", "resolved" },
	{ "routed", "deferred" },
	{ "routed", "rejected" },
	{ "in_progress", "resolved" },
	{ "in_progress", "deferred" },
	{ "in_progress", "rejected" },
	{ "deferred", "in_progress" },
	{ "deferred", "resolved" },
	{ "deferred", "rejected" },
	{ "resolved", "in_progress" },
	{ "resolved", "closed" },
};

static int
in_header(const char *from, const char *to)
{
	size_t i;

	for (i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
		if (strcmp(allowed[i].from, from) == 0 && strcmp(allowed[i].to, to) == 0)
			return 1;
	return 0;
}

static int
status(const char *name)
{
	int s = lifecycle_from_name(name);

	if (s < 0) {
		print_error("lifecycle_from_name(\"%s\"): -1, expected a status\n", name);
		fail();
	}
	return s;
}

static void
test_names_round_trip(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < LC_N; i++) {
		assert_string_equal(lifecycle_name((enum lc_status)i), all[i]);
		assert_int_equal(lifecycle_from_name(all[i]), i);
	}
	assert_null(lifecycle_name(LC_N));
	assert_null(lifecycle_name((enum lc_status)-1));
	assert_int_equal(lifecycle_from_name("open"), -1);
	assert_int_equal(lifecycle_from_name("Received"), -1);     /* exact names only */
	assert_int_equal(lifecycle_from_name("received "), -1);
	assert_int_equal(lifecycle_from_name(""), -1);
	assert_int_equal(lifecycle_from_name(NULL), -1);
}

/* Every change from every state to every state: the header's answer. */
static void
test_every_change(void **state)
{
	int from, to, allowed_n = 0, refused_n = 0;

	(void)state;
	for (from = 0; from < LC_N; from++)
		for (to = 0; to < LC_N; to++) {
			const char *f = all[from], *t = all[to];
			int want = in_header(f, t);
			int got = lifecycle_agency_may((enum lc_status)status(f),
			    (enum lc_status)status(t));

			if (got != want) {
				print_error("%s -> %s: lifecycle_agency_may says %d, the header %s\n",
				    f, t, got, want ? "allows it" : "refuses it");
				fail();
			}
			if (want)
				allowed_n++;
			else
				refused_n++;
		}
	assert_int_equal(allowed_n, 17);
	assert_int_equal(refused_n, 64 - 17);
}

/* "withdrawn" is the citizen's alone; closed, rejected, withdrawn are final. */
static void
test_withdrawn_and_final(void **state)
{
	int from, to;

	(void)state;
	for (from = 0; from < LC_N; from++)
		assert_false(lifecycle_agency_may((enum lc_status)from, LC_WITHDRAWN));
	for (to = 0; to < LC_N; to++) {
		assert_false(lifecycle_agency_may(LC_CLOSED, (enum lc_status)to));
		assert_false(lifecycle_agency_may(LC_REJECTED, (enum lc_status)to));
		assert_false(lifecycle_agency_may(LC_WITHDRAWN, (enum lc_status)to));
	}
	for (from = 0; from < LC_N; from++) {
		int final = from == LC_CLOSED || from == LC_REJECTED || from == LC_WITHDRAWN;

		assert_int_equal(lifecycle_final((enum lc_status)from), final);
		assert_int_equal(lifecycle_open((enum lc_status)from), !final);
	}
	/* Out of range: refused, not open. */
	assert_false(lifecycle_agency_may(LC_N, LC_ROUTED));
	assert_false(lifecycle_agency_may(LC_RECEIVED, LC_N));
	assert_false(lifecycle_agency_may((enum lc_status)-1, LC_ROUTED));
	assert_false(lifecycle_open(LC_N));
	assert_false(lifecycle_open((enum lc_status)-1));
}

/* The happy path of the header's first line, one allowed step at a time. */
static void
test_main_path(void **state)
{
	static const enum lc_status path[] = {
		LC_RECEIVED, LC_ROUTED, LC_IN_PROGRESS, LC_RESOLVED, LC_CLOSED
	};
	size_t i;

	(void)state;
	for (i = 0; i + 1 < sizeof path / sizeof path[0]; i++)
		assert_true(lifecycle_agency_may(path[i], path[i + 1]));
	/* No skipping straight to closed, no going back to received. */
	for (i = 0; i + 1 < sizeof path / sizeof path[0] - 1; i++)
		assert_false(lifecycle_agency_may(path[i], LC_CLOSED));
	for (i = 0; i < sizeof path / sizeof path[0]; i++)
		assert_false(lifecycle_agency_may(path[i], LC_RECEIVED));
}

/*
 * lifecycle.h, "Two moves": triage re-routes from any open state; the
 * holder returns a ticket to triage from received, routed, in_progress or
 * deferred, never from resolved nor a final state.
 */
static void
test_reroute_and_return(void **state)
{
	static const char *const returnable[] = { "received", "routed", "in_progress", "deferred" };
	int s;
	size_t i;

	(void)state;
	for (s = 0; s < LC_N; s++) {
		int want = 0;

		for (i = 0; i < sizeof returnable / sizeof returnable[0]; i++)
			if (strcmp(all[s], returnable[i]) == 0)
				want = 1;
		if (lifecycle_return_may((enum lc_status)s) != want) {
			print_error("return from %s: lifecycle_return_may says %d, the header %d\n",
			    all[s], lifecycle_return_may((enum lc_status)s), want);
			fail();
		}
		assert_int_equal(lifecycle_reroute_may((enum lc_status)s),
		    lifecycle_open((enum lc_status)s));
	}
	assert_true(lifecycle_reroute_may(LC_RESOLVED));
	assert_false(lifecycle_return_may(LC_RESOLVED));
	assert_false(lifecycle_reroute_may(LC_N));
	assert_false(lifecycle_return_may((enum lc_status)-1));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_round_trip),
		cmocka_unit_test(test_every_change),
		cmocka_unit_test(test_withdrawn_and_final),
		cmocka_unit_test(test_main_path),
		cmocka_unit_test(test_reroute_and_return),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
