/*
 * test_live: configuration snapshots as conf/live.h promises them.  Real
 * configs (conf_load_string) and real routing tables (route_build); the
 * tables are freed through a counting wrapper of route_free, so each test
 * sees exactly when a snapshot goes: not while a reader holds it, at once
 * when nobody does, once and only once.  Under the sanitizer build a reader
 * using a freed snapshot is a use-after-free report.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "conf/live.h"
#include "routing/route.h"

#define MAXFREED 256

static struct {
	pthread_mutex_t mu;
	size_t n;
	const struct route_table *freed[MAXFREED];
} frees = { .mu = PTHREAD_MUTEX_INITIALIZER };

static void
counting_route_free(struct route_table *rt)
{
	pthread_mutex_lock(&frees.mu);
	if (frees.n < MAXFREED)
		frees.freed[frees.n] = rt;
	frees.n++;
	pthread_mutex_unlock(&frees.mu);
	route_free(rt);
}

static size_t
nfreed(void)
{
	size_t n;

	pthread_mutex_lock(&frees.mu);
	n = frees.n;
	pthread_mutex_unlock(&frees.mu);
	return n;
}

struct pair {
	struct conf *c;
	struct route_table *rt;
};

/* A config whose rule JALAN goes to `agency` ("dpupr" or "dlh"). */
static struct pair
make_pair(const char *agency)
{
	struct conf_errors errs;
	struct pair p;
	char text[1024], err[256];
	int i;

	snprintf(text, sizeof text,
	    "agencies = (\n"
	    "  { id = \"kominfo\"; name = \"Dinas Kominfo\"; short_name = \"Kominfo\"; },\n"
	    "  { id = \"dpupr\"; name = \"Dinas Pekerjaan Umum\"; short_name = \"DPUPR\"; },\n"
	    "  { id = \"dlh\"; name = \"Dinas Lingkungan Hidup\"; short_name = \"DLH\"; }\n"
	    ");\n"
	    "triage = \"kominfo\";\n"
	    "rules = ( { keyword = \"JALAN\"; agency = \"%s\";\n"
	    "  label = { id = \"Jalan\"; en = \"Roads\"; }; } );\n", agency);
	memset(&errs, 0, sizeof errs);
	p.c = conf_load_string(text, 0, &errs);
	for (i = 0; p.c == NULL && i < errs.n; i++)
		print_error("line %d: %s\n", errs.e[i].line, errs.e[i].msg);
	assert_non_null(p.c);
	p.rt = route_build(p.c, err, sizeof err);
	if (p.rt == NULL)
		print_error("route_build: %s\n", err);
	assert_non_null(p.rt);
	return p;
}

/* The agency id a snapshot routes "JALAN rusak" to, through its own pair. */
static const char *
jalan_goes_to(const struct live_snap *s)
{
	struct route_decision d;

	route_text(s->rt, "JALAN rusak", 11, &d);
	assert_true(d.agency < s->conf->nagencies);
	return s->conf->agencies[d.agency].id;
}

static void
test_get_put_keeps_current(void **state)
{
	struct pair a = make_pair("dpupr");
	struct live *l;
	const struct live_snap *s1, *s2;
	size_t base;

	(void)state;
	base = nfreed();
	l = live_new(a.c, a.rt, counting_route_free);
	s1 = live_get(l);
	s2 = live_get(l);
	assert_non_null(s1);
	assert_ptr_equal(s1, s2);
	assert_ptr_equal(s1->conf, a.c);
	assert_ptr_equal(s1->rt, a.rt);
	assert_string_equal(jalan_goes_to(s1), "dpupr");
	live_put(l, s1);
	live_put(l, s2);
	live_put(l, NULL);              /* nothing */
	/* The current snapshot stays while it is current, readers or not. */
	assert_int_equal(nfreed(), base);
	s1 = live_get(l);
	assert_string_equal(jalan_goes_to(s1), "dpupr");
	live_put(l, s1);
	live_free(l);
	assert_int_equal(nfreed(), base + 1);
	assert_ptr_equal(frees.freed[base], a.rt);
	live_free(NULL);                /* nothing */
}

/* A reader that holds the old snapshot keeps it whole until it lets go. */
static void
test_swap_while_held(void **state)
{
	struct pair a = make_pair("dpupr"), b = make_pair("dlh");
	struct live *l;
	const struct live_snap *old, *old2, *cur;
	size_t base;

	(void)state;
	base = nfreed();
	l = live_new(a.c, a.rt, counting_route_free);
	old = live_get(l);
	old2 = live_get(l);
	live_swap(l, b.c, b.rt);
	assert_int_equal(nfreed(), base);       /* two readers hold a */
	/* The old message still sees the old config, entirely. */
	assert_ptr_equal(old->conf, a.c);
	assert_ptr_equal(old->rt, a.rt);
	assert_string_equal(jalan_goes_to(old), "dpupr");
	/* A new reader sees the new one, entirely. */
	cur = live_get(l);
	assert_ptr_equal(cur->conf, b.c);
	assert_ptr_equal(cur->rt, b.rt);
	assert_string_equal(jalan_goes_to(cur), "dlh");
	live_put(l, old);
	assert_int_equal(nfreed(), base);       /* one reader still holds a */
	assert_string_equal(jalan_goes_to(old2), "dpupr");
	live_put(l, old2);
	assert_int_equal(nfreed(), base + 1);   /* the last reader let go */
	assert_ptr_equal(frees.freed[base], a.rt);
	live_put(l, cur);
	assert_int_equal(nfreed(), base + 1);   /* b is current */
	live_free(l);
	assert_int_equal(nfreed(), base + 2);
	assert_ptr_equal(frees.freed[base + 1], b.rt);
}

/* Nobody holds the old snapshot: it goes at the swap. */
static void
test_swap_unheld_frees_at_once(void **state)
{
	struct pair a = make_pair("dpupr"), b = make_pair("dlh"), c = make_pair("dpupr");
	struct live *l;
	const struct live_snap *s;
	size_t base;

	(void)state;
	base = nfreed();
	l = live_new(a.c, a.rt, counting_route_free);
	live_swap(l, b.c, b.rt);
	assert_int_equal(nfreed(), base + 1);
	assert_ptr_equal(frees.freed[base], a.rt);
	live_swap(l, c.c, c.rt);
	assert_int_equal(nfreed(), base + 2);
	assert_ptr_equal(frees.freed[base + 1], b.rt);
	s = live_get(l);
	assert_ptr_equal(s->rt, c.rt);
	live_put(l, s);
	live_free(l);
	assert_int_equal(nfreed(), base + 3);
}

/*
 * Readers on four threads take a snapshot, route one message with its table
 * and read the agency from its config, while the main thread swaps 40
 * times.  Every snapshot is a pair made together; every old pair is freed
 * exactly once, the current one at live_free().
 */
#define NPAIRS 41
#define NREADERS 4

static struct pair pairs[NPAIRS];
static struct live *shared;
static volatile int stop;
static int bad;

static void *
reader(void *arg)
{
	long n = 0;
	size_t i;

	(void)arg;
	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE) || n < 1000) {
		const struct live_snap *s = live_get(shared);
		struct route_decision d;
		const char *id = "";
		int found = 0;

		/* No cmocka assert off the main thread: note, check later. */
		route_text(s->rt, "JALAN rusak", 11, &d);
		if (d.agency < s->conf->nagencies)
			id = s->conf->agencies[d.agency].id;

		for (i = 0; i < NPAIRS; i++)
			if (pairs[i].rt == s->rt) {
				found = pairs[i].c == s->conf &&
				    strcmp(id, i % 2 ? "dlh" : "dpupr") == 0;
				break;
			}
		if (!found)
			__atomic_store_n(&bad, 1, __ATOMIC_RELEASE);
		live_put(shared, s);
		n++;
	}
	return NULL;
}

static void
test_swap_under_readers(void **state)
{
	pthread_t t[NREADERS];
	size_t base, i;

	(void)state;
	for (i = 0; i < NPAIRS; i++)
		pairs[i] = make_pair(i % 2 ? "dlh" : "dpupr");
	base = nfreed();
	shared = live_new(pairs[0].c, pairs[0].rt, counting_route_free);
	for (i = 0; i < NREADERS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, reader, NULL), 0);
	for (i = 1; i < NPAIRS; i++)
		live_swap(shared, pairs[i].c, pairs[i].rt);
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	for (i = 0; i < NREADERS; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	assert_int_equal(bad, 0);
	/* Readers are gone: every old pair went, once. */
	assert_int_equal(nfreed(), base + NPAIRS - 1);
	live_free(shared);
	assert_int_equal(nfreed(), base + NPAIRS);
	for (i = 0; i < NPAIRS; i++) {
		size_t j, times = 0;

		for (j = base; j < base + NPAIRS; j++)
			times += frees.freed[j] == pairs[i].rt;
		assert_int_equal(times, 1);
	}
	assert_ptr_equal(frees.freed[base + NPAIRS - 1], pairs[NPAIRS - 1].rt);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_put_keeps_current),
		cmocka_unit_test(test_swap_while_held),
		cmocka_unit_test(test_swap_unheld_frees_at_once),
		cmocka_unit_test(test_swap_under_readers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
