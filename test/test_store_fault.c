/*
 * test_store_fault: the store's promises when the disk fails under it.
 * Writes fail for real, through a SQLite VFS that wraps the default one
 * (test/faultvfs.h) and fails a chosen write, sync or truncate with an
 * I/O error or SQLITE_FULL.  What is asserted is what a gateway would
 * see: every transaction the store reported committed (0) is in the file
 * after it is closed and opened again, and the transactions of a batch
 * that SQLite rolled back got an error (a 503, so the gateway retries).
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
#include <time.h>
#include <unistd.h>

#include "store/store.h"
#include "test/faultvfs.h"
#include "test/store_fixture.h"
#include "util/log.h"
#include "util/util.h"

static const struct store_options opts = { .sync_full = 1, .busy_timeout_ms = 2000 };

static int
setup(void **state)
{
	log_set_level(LOG_LEVEL_ERROR);    /* each lost batch says so at WARN */
	faultvfs_register();
	faultvfs_off();
	*state = fixture_open("/tmp/aduan-fault-XXXXXX", FAULTVFS, &opts);
	return *state != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	faultvfs_off();
	fixture_close(*state);
	return 0;
}

/* Closes the store and opens the file again without fault injection. */
static void
reopen_plain(struct fixture *f)
{
	faultvfs_off();
	fixture_reopen(f, &opts);
}

static void
nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* ---- one complaint per transaction ------------------------------------ */

struct tx {
	char ticket[9];
	const char *description;
	int arm;                        /* arm the fault VFS first: the next write fails */
	int ret;                        /* what store_run / store_commit said */
	char err[256];
};

static int
add(struct store *s, struct tx *t)
{
	struct store_complaint c;

	memset(&c, 0, sizeof c);
	str_copy(c.ticket, sizeof c.ticket, t->ticket);
	str_copy(c.phone, sizeof c.phone, "+6281234567890");
	str_copy(c.channel, sizeof c.channel, "sms");
	str_copy(c.agency, sizeof c.agency, "triage");
	str_copy(c.status, sizeof c.status, "received");
	str_copy(c.lang, sizeof c.lang, "id");
	c.description = (char *)t->description;
	c.created_at = 1700000000;
	if (t->arm)
		faultvfs_fail_nth(1, SQLITE_IOERR_WRITE);
	return store_complaint_add(s, &c) == 0 ? 0 : -1;
}

static int
add_tx(struct store *s, void *arg)
{
	return add(s, arg);
}

static int
stored(struct store *s, const char *ticket)
{
	struct store_complaint c;
	int r = store_complaint_get(s, ticket, &c);

	if (r == 1)
		store_complaint_clear(&c);
	if (r == -1)
		fail_msg("read %s back: %s", ticket, store_errmsg());
	return r;
}

/* ---- a batch rolled back by SQLite in the middle ---------------------- */

static atomic_int gate_running, gate_open, launched;

/* Holds the writer thread while the jobs of the next batch queue up. */
static int
gate_tx(struct store *s, void *arg)
{
	(void)s;
	(void)arg;
	atomic_store(&gate_running, 1);
	while (!atomic_load(&gate_open))
		nap_ms(1);
	return 1;
}

static void *
gate_thread(void *arg)
{
	(void)store_run(arg, gate_tx, NULL);
	return NULL;
}

struct runner {
	struct store *s;
	struct tx *t;
};

static void *
run_thread(void *arg)
{
	struct runner *r = arg;

	atomic_fetch_add(&launched, 1);
	r->t->ret = store_run(r->s, add_tx, r->t);
	if (r->t->ret != 0)
		str_copy(r->t->err, sizeof r->t->err, store_errmsg());
	return NULL;
}

/*
 * Three jobs run back to back in one batch: A writes a complaint, B's
 * write spills the page cache to the WAL and that write fails, so SQLite
 * rolls back the whole transaction (A's complaint with it), and C then
 * writes in a new batch that commits.  A must hear that it was lost,
 * never C's success.
 */
static void
test_lost_batch_fails_every_job_in_it(void **state)
{
	struct fixture *f = *state;
	size_t big = 6 * 1024 * 1024;   /* far more than the page cache holds */
	char *text = xmalloc(big + 1);
	struct tx t[3];
	struct runner r[3];
	pthread_t gate, th[3];
	int i;

	memset(text, 'x', big);
	text[big] = '\0';
	memset(t, 0, sizeof t);
	str_copy(t[0].ticket, sizeof t[0].ticket, "LOSTAAAA");
	t[0].description = "jalan berlubang";
	str_copy(t[1].ticket, sizeof t[1].ticket, "LOSTBBBB");
	t[1].description = text;
	t[1].arm = 1;
	str_copy(t[2].ticket, sizeof t[2].ticket, "LOSTCCCC");
	t[2].description = "lampu mati";

	atomic_store(&gate_running, 0);
	atomic_store(&gate_open, 0);
	atomic_store(&launched, 0);
	assert_int_equal(pthread_create(&gate, NULL, gate_thread, f->s), 0);
	while (!atomic_load(&gate_running))
		nap_ms(1);
	/* Queued in this order while the writer is held. */
	for (i = 0; i < 3; i++) {
		r[i].s = f->s;
		r[i].t = &t[i];
		assert_int_equal(pthread_create(&th[i], NULL, run_thread, &r[i]), 0);
		while (atomic_load(&launched) < i + 1)
			nap_ms(1);
		nap_ms(30);
	}
	atomic_store(&gate_open, 1);
	pthread_join(gate, NULL);
	for (i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	free(text);
	assert_true(faultvfs_failures() >= 1);

	if (t[1].ret == 0)
		fail_msg("B's write failed on disk, yet store_run said it committed");
	reopen_plain(f);
	for (i = 0; i < 3; i++) {
		int there = stored(f->s, t[i].ticket);

		if (t[i].ret == 0 && there != 1)
			fail_msg("job %c: store_run returned 0 (committed), but complaint %s "
			    "is not in the database after reopening", 'A' + i, t[i].ticket);
	}
	if (t[0].ret == 0)
		fail_msg("job A shared the batch that SQLite rolled back, yet got 0");
	if (t[2].ret != 0)
		fail_msg("job C, after the lost batch, expected 0, got %d (%s)", t[2].ret,
		    t[2].err);
	assert_int_equal(stored(f->s, "LOSTCCCC"), 1);
}

/* ---- concurrent load on a flaky disk ---------------------------------- */

#define LOAD_THREADS 8
#define LOAD_PER     60

static char *big_text;          /* BIG_TEXT bytes of 'x' */
#define BIG_TEXT (700 * 1024)

struct load {
	struct store *s;
	int k;
	struct tx t[LOAD_PER];
};

static void *
load_thread(void *arg)
{
	struct load *l = arg;
	int i;

	for (i = 0; i < LOAD_PER; i++) {
		struct tx *t = &l->t[i];

		snprintf(t->ticket, sizeof t->ticket, "L%d%06d", l->k, i);
		/*
		 * Some are large: a batch of several of them outgrows the page
		 * cache, so SQLite writes to the WAL in the middle of a
		 * statement, and a fault there rolls back the whole batch.
		 */
		t->description = i % 3 == 0 ? big_text : "sampah menumpuk di pasar";
		if ((l->k + i) % 2 == 0) {
			/* The writer thread's way (store_run) ... */
			t->ret = store_run(l->s, add_tx, t);
		} else {
			/* ... and the caller's own transaction (store_begin). */
			t->ret = store_begin(l->s);
			if (t->ret == 0) {
				if (add(l->s, t) == 0)
					t->ret = store_commit(l->s);
				else {
					str_copy(t->err, sizeof t->err, store_errmsg());
					store_rollback(l->s);
					t->ret = -1;
				}
			}
		}
		if (t->ret != 0 && t->err[0] == '\0')
			str_copy(t->err, sizeof t->err, store_errmsg());
	}
	return NULL;
}

static void
test_flaky_disk_loses_nothing_acknowledged(void **state)
{
	struct fixture *f = *state;
	static struct load l[LOAD_THREADS];
	pthread_t th[LOAD_THREADS];
	int k, i, ok = 0, failed = 0;

	big_text = xmalloc(BIG_TEXT + 1);
	memset(big_text, 'x', BIG_TEXT);
	big_text[BIG_TEXT] = '\0';
	faultvfs_fail_every(150, SQLITE_IOERR_WRITE);
	for (k = 0; k < LOAD_THREADS; k++) {
		memset(&l[k], 0, sizeof l[k]);
		l[k].s = f->s;
		l[k].k = k;
		assert_int_equal(pthread_create(&th[k], NULL, load_thread, &l[k]), 0);
	}
	for (k = 0; k < LOAD_THREADS; k++)
		pthread_join(th[k], NULL);
	faultvfs_off();
	free(big_text);
	reopen_plain(f);
	for (k = 0; k < LOAD_THREADS; k++)
		for (i = 0; i < LOAD_PER; i++) {
			if (l[k].t[i].ret != 0) {
				if (failed++ < 3)
					print_message("      e.g. %s: %s\n", l[k].t[i].ticket,
					    l[k].t[i].err);
				continue;
			}
			ok++;
			if (stored(f->s, l[k].t[i].ticket) != 1)
				fail_msg("complaint %s was reported committed but is missing after "
				    "reopening (%d committed, %d failed so far, %ld faults)",
				    l[k].t[i].ticket, ok, failed, faultvfs_failures());
		}
	print_message("      %d committed, %d failed, %ld injected faults\n", ok, failed,
	    faultvfs_failures());
	assert_true(faultvfs_failures() > 0);
	assert_true(ok > 0);
	assert_true(failed > 0);
}

/* ---- the file deleted or moved away while open ------------------------ */

static void
expect_refused(struct fixture *f, const char *ticket, const char *when)
{
	struct tx t;

	memset(&t, 0, sizeof t);
	str_copy(t.ticket, sizeof t.ticket, ticket);
	t.description = "jalan berlubang";
	if (store_run(f->s, add_tx, &t) != -1)
		fail_msg("%s: store_run acknowledged complaint %s", when, ticket);
	if (strstr(store_errmsg(), "deleted or moved") == NULL)
		fail_msg("%s: the reason says nothing of the file: %s", when, store_errmsg());
	if (store_writable(f->s) != 0)
		fail_msg("%s: store_writable (healthz) said writable", when);
	if (store_begin(f->s) == 0) {
		t.arm = 0;
		str_copy(t.ticket, sizeof t.ticket, "MOVEDBGN");
		if (add(f->s, &t) == 0 && store_commit(f->s) == 0)
			fail_msg("%s: store_commit acknowledged a complaint", when);
		else if (store_errmsg()[0] == '\0')
			fail_msg("%s: store_commit failed without a reason", when);
	}
}

static void
test_moved_or_deleted_file_is_never_acknowledged(void **state)
{
	struct fixture *f = *state;
	char moved[160];
	struct tx t;

	memset(&t, 0, sizeof t);
	str_copy(t.ticket, sizeof t.ticket, "MOVED001");
	t.description = "jalan berlubang";
	assert_int_equal(store_run(f->s, add_tx, &t), 0);
	assert_int_equal(store_writable(f->s), 1);

	/* Renamed away: refused; back at its path: taken again. */
	snprintf(moved, sizeof moved, "%s.moved", f->path);
	assert_int_equal(rename(f->path, moved), 0);
	expect_refused(f, "MOVED002", "renamed away");
	assert_int_equal(rename(moved, f->path), 0);
	assert_int_equal(store_writable(f->s), 1);
	str_copy(t.ticket, sizeof t.ticket, "MOVED003");
	assert_int_equal(store_run(f->s, add_tx, &t), 0);

	/* Deleted: refused, for good. */
	assert_int_equal(unlink(f->path), 0);
	expect_refused(f, "MOVED004", "deleted");
	expect_refused(f, "MOVED005", "deleted, again");
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_lost_batch_fails_every_job_in_it),
		T(test_flaky_disk_loses_nothing_acknowledged),
		T(test_moved_or_deleted_file_is_never_acknowledged),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
