/*
 * test_store_monitor: the store's reads for GET /metrics (store/monitor.c)
 * on a real SQLite file.  The newest inbound message is the newest SMS or
 * USSD request, the same after a reopen; the oldest undelivered outbox row counts from when it
 * became due (a row queued for later is not counted before its time, a
 * retried one counts from its queueing); overdue complaints per agency
 * follow store_stats_overdue's rule and add up to it; the file sizes are
 * what stat says.  And none of it waits for a transaction that holds the
 * store: a scrape never holds up intake.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sqlite3.h>

#include "store/store.h"
#include "test/store_fixture.h"
#include "util/util.h"

static const struct store_options opts = { .sync_full = 1, .busy_timeout_ms = 100 };

static int
setup(void **state)
{
	*state = fixture_open("/tmp/aduan-monitor-XXXXXX", NULL, &opts);
	return *state == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	fixture_close(*state);
	return 0;
}

/* SQL on the database through a connection of the test's own. */
static void
exec_sql(struct fixture *f, const char *sql)
{
	sqlite3 *db;
	char *msg = NULL;

	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg);
	sqlite3_close(db);
}

static void
read_monitor(struct fixture *f, int64_t now, struct store_monitor *m)
{
	if (store_monitor_read(f->s, now, m) != 0)
		fail_msg("store_monitor_read: %s", store_errmsg());
}

static long long
size_of(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 ? (long long)sb.st_size : 0;
}

static void
test_empty_store(void **state)
{
	struct fixture *f = *state;
	struct store_monitor m;
	char wal[160];
	size_t i;

	read_monitor(f, 1000, &m);
	assert_int_equal(m.last_inbound, 0);
	assert_int_equal(m.oldest_pending, 0);
	for (i = 0; i < ARRAY_LEN(m.outbox); i++)
		assert_int_equal(m.outbox[i], 0);
	snprintf(wal, sizeof wal, "%s-wal", f->path);
	assert_true(m.db_bytes > 0);
	assert_true(m.db_bytes == size_of(f->path));
	assert_true(m.wal_bytes == size_of(wal));
	assert_true(m.fs_avail_bytes > 0);
	assert_true(m.fs_size_bytes >= m.fs_avail_bytes);
}

static void
test_last_inbound(void **state)
{
	struct fixture *f = *state;
	struct store_monitor m;

	exec_sql(f, "INSERT INTO messages (gateway, gw_id, sender, text, command, received_at)"
	    " VALUES ('kannel', 'a', '+628', 'x', 'complaint', 3000),"
	    " ('kannel', 'b', '+628', 'x', 'status', 4000)");
	read_monitor(f, 5000, &m);
	assert_int_equal(m.last_inbound, 4000);
	/* A USSD request since is newer. */
	exec_sql(f, "INSERT INTO ussd_sessions (gateway, id, phone, state, created_at, updated_at)"
	    " VALUES ('africastalking', 's1', '+628', 'main', 4500, 4600)");
	read_monitor(f, 5000, &m);
	assert_int_equal(m.last_inbound, 4600);
	/* A restart reads it again from the store: never 0 after one. */
	fixture_reopen(f, &opts);
	read_monitor(f, 5000, &m);
	assert_int_equal(m.last_inbound, 4600);
}

static void
test_oldest_pending(void **state)
{
	struct fixture *f = *state;
	struct store_monitor m;

	/* Due at once at 1000; a digest queued at 500 for 3000; one sent at 100. */
	exec_sql(f, "INSERT INTO outbox (kind, recipient, body, idem_key, state, attempts,"
	    " next_attempt_at, created_at, updated_at) VALUES"
	    " ('sms', '+628', 'a', 'now', 'pending', 0, 1000, 1000, 1000),"
	    " ('email', 'dpu', 'b', 'later', 'pending', 0, 3000, 500, 500),"
	    " ('sms', '+628', 'c', 'sent', 'sent', 1, 100, 100, 100)");
	read_monitor(f, 2000, &m);
	assert_int_equal(m.oldest_pending, 1000);
	assert_int_equal(m.outbox[0], 2);       /* pending */
	assert_int_equal(m.outbox[2], 1);       /* sent */
	/* The digest's time came: due since 3000, not since its queueing. */
	exec_sql(f, "DELETE FROM outbox WHERE idem_key = 'now'");
	read_monitor(f, 2000, &m);
	assert_int_equal(m.oldest_pending, 0);
	read_monitor(f, 3500, &m);
	assert_int_equal(m.oldest_pending, 3000);
	/* Tried and failing, next try later: it waits since its queueing. */
	exec_sql(f, "INSERT INTO outbox (kind, recipient, body, idem_key, state, attempts,"
	    " next_attempt_at, created_at, updated_at) VALUES"
	    " ('webhook', 'dpu', 'd', 'retried', 'pending', 3, 9000, 200, 2000),"
	    " ('sms', '+628', 'e', 'leased', 'sending', 0, 9000, 2500, 2500)");
	read_monitor(f, 3500, &m);
	assert_int_equal(m.oldest_pending, 200);
	assert_int_equal(m.outbox[1], 1);       /* sending */
}

/* A read that fails says so and leaves -1, never a 0 that reads as "long ago". */
static void
test_failed_read_is_not_zero(void **state)
{
	struct fixture *f = *state;
	struct store_monitor m;

	exec_sql(f, "INSERT INTO messages (gateway, gw_id, sender, text, command, received_at)"
	    " VALUES ('kannel', 'a', '+628', 'x', 'complaint', 3000);"
	    " DROP TABLE ussd_sessions");
	assert_int_equal(store_monitor_read(f->s, 5000, &m), -1);
	assert_non_null(strstr(store_errmsg(), "ussd_sessions"));
	assert_true(m.last_inbound == -1);
	assert_true(m.oldest_pending == 0);     /* the other reads still went through */
	assert_true(m.db_bytes > 0);
}

struct counted {
	char agencies[8][16];
	long n[8];
	size_t len;
};

static void
count_row(void *arg, const char *agency, long n)
{
	struct counted *c = arg;

	assert_true(c->len < 8);
	str_copy(c->agencies[c->len], sizeof c->agencies[c->len], agency);
	c->n[c->len++] = n;
}

static void
test_overdue_per_agency(void **state)
{
	struct fixture *f = *state;
	struct counted c;
	long received, routed;

	/*
	 * At 1000: dpu has a received one past its route date and a routed one
	 * past its follow-up; dlh a reopened (in_progress) one past it.  Not
	 * overdue: due later, no due date (0), resolved, in_progress never
	 * reopened (no follow-up date), closed.
	 */
	exec_sql(f, "INSERT INTO complaints (ticket, phone, channel, agency, status, description,"
	    " created_at, updated_at, route_due, followup_due, close_due) VALUES"
	    " ('T1', '+628', 'sms', 'dpu', 'received', 'x', 1, 1, 900, 0, 0),"
	    " ('T2', '+628', 'sms', 'dpu', 'routed', 'x', 1, 1, 100, 999, 0),"
	    " ('T3', '+628', 'sms', 'dlh', 'in_progress', 'x', 1, 1, 100, 500, 0),"
	    " ('T4', '+628', 'sms', 'dlh', 'routed', 'x', 1, 1, 100, 1500, 0),"
	    " ('T5', '+628', 'sms', 'pdam', 'received', 'x', 1, 1, 0, 0, 0),"
	    " ('T6', '+628', 'sms', 'pdam', 'resolved', 'x', 1, 1, 100, 200, 300),"
	    " ('T7', '+628', 'sms', 'pdam', 'in_progress', 'x', 1, 1, 100, 0, 0),"
	    " ('T8', '+628', 'sms', 'pdam', 'closed', 'x', 1, 1, 100, 200, 300)");
	memset(&c, 0, sizeof c);
	if (store_monitor_overdue(f->s, 1000, 8, count_row, &c) != 0)
		fail_msg("store_monitor_overdue: %s", store_errmsg());
	assert_int_equal(c.len, 2);
	assert_string_equal(c.agencies[0], "dlh");
	assert_int_equal(c.n[0], 1);
	assert_string_equal(c.agencies[1], "dpu");
	assert_int_equal(c.n[1], 2);
	assert_int_equal(store_stats_overdue(f->s, 1000, &received, &routed), 0);
	assert_int_equal(received + routed, c.n[0] + c.n[1]);
	/* Bounded by the caller's limit. */
	memset(&c, 0, sizeof c);
	assert_int_equal(store_monitor_overdue(f->s, 1000, 1, count_row, &c), 0);
	assert_int_equal(c.len, 1);
}

struct reader {
	struct store *s;
	atomic_int done;
	int ret;
};

static void
ignore_row(void *arg, const char *agency, long n)
{
	(void)arg;
	(void)agency;
	(void)n;
}

static void *
reader_run(void *arg)
{
	struct reader *r = arg;
	struct store_monitor m;

	r->ret = store_monitor_read(r->s, 1000, &m) != 0 ||
	    store_monitor_overdue(r->s, 1000, 8, ignore_row, NULL) != 0 ? -1 : 0;
	atomic_store(&r->done, 1);
	return NULL;
}

/*
 * A scrape while a transaction holds the store (a burst of intake, or a
 * long write): the monitor's reads answer at once from what is committed.
 */
static void
test_reads_do_not_wait_for_the_writer(void **state)
{
	struct fixture *f = *state;
	struct reader r = { f->s, 0, -1 };
	struct store_outbox_new o = { "sms", "+628", "x", "held", 0, 1000 };
	pthread_t t;
	int i;

	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(store_outbox_add(f->s, &o), 1);
	assert_int_equal(pthread_create(&t, NULL, reader_run, &r), 0);
	for (i = 0; i < 500 && !atomic_load(&r.done); i++) {
		struct timespec ts = { 0, 10000000L };

		nanosleep(&ts, NULL);
	}
	if (!atomic_load(&r.done)) {
		store_rollback(f->s);
		pthread_join(t, NULL);
		fail_msg("the monitor's reads waited 5 s for the open transaction");
	}
	assert_int_equal(store_commit(f->s), 0);
	pthread_join(t, NULL);
	assert_int_equal(r.ret, 0);
}

int
main(void)
{
	/*
	 * SQLite only, whatever ADUAN_TEST_PG says: raw sqlite3 rows and the
	 * file sizes.  test_store's test_monitor_reads covers PostgreSQL.
	 */
	unsetenv("ADUAN_TEST_PG");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_empty_store, setup, teardown),
		cmocka_unit_test_setup_teardown(test_last_inbound, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oldest_pending, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_read_is_not_zero, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overdue_per_agency, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reads_do_not_wait_for_the_writer, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
