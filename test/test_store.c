/*
 * test_store: the store module against a real SQLite file.  Each test gets
 * its own mkdtemp() directory under /tmp, removed at teardown, so tests
 * neither share state nor leave files behind.  A second raw connection
 * stands in for another process when a test needs the database locked.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store/store.h"
#include "util/util.h"

struct fixture {
	char dir[64];
	char path[128];
	struct store *s;
};

static const struct store_options opts = { 1, 100 };

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);
	char err[256];

	snprintf(f->dir, sizeof f->dir, "/tmp/aduan-store-XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof f->path, "%s/aduan.db", f->dir);
	f->s = store_open(f->path, &opts, err, sizeof err);
	if (f->s == NULL) {
		print_error("store_open %s: %s\n", f->path, err);
		rmdir(f->dir);
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char p[512];
	struct dirent *de;
	DIR *d;

	store_close(f->s);
	/* The -wal and -shm files may or may not be there; remove whatever is. */
	if ((d = opendir(f->dir)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			snprintf(p, sizeof p, "%s/%s", f->dir, de->d_name);
			unlink(p);
		}
		closedir(d);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

static void
reopen(struct fixture *f)
{
	char err[256];

	store_close(f->s);
	f->s = store_open(f->path, &opts, err, sizeof err);
	if (f->s == NULL)
		fail_msg("reopen %s: %s", f->path, err);
}

/* A complaint with every field set; ticket chosen by the test. */
static void
fill_complaint(struct store_complaint *c, const char *ticket)
{
	memset(c, 0, sizeof *c);
	str_copy(c->ticket, sizeof c->ticket, ticket);
	str_copy(c->phone, sizeof c->phone, "+6281234567890");
	str_copy(c->channel, sizeof c->channel, "sms");
	str_copy(c->keyword, sizeof c->keyword, "jalan");
	str_copy(c->agency, sizeof c->agency, "dpu-jakarta");
	str_copy(c->region, sizeof c->region, "jakarta");
	str_copy(c->status, sizeof c->status, "received");
	str_copy(c->lang, sizeof c->lang, "id");
	c->location = "Jl. Sudirman 5";
	c->description = "Jalan berlubang";
	c->route_explain = "keyword jalan -> dpu-jakarta";
	c->created_at = 1700000000;
}

static int64_t
add_complaint(struct store *s, const char *ticket)
{
	struct store_complaint c;

	fill_complaint(&c, ticket);
	if (store_complaint_add(s, &c) != 0)
		fail_msg("add complaint %s: %s", ticket, store_errmsg());
	assert_true(c.id > 0);
	return c.id;
}

static struct store_message
message(const char *gateway, const char *gw_id, const char *reply)
{
	struct store_message m = {
		.gateway = gateway,
		.gw_id = gw_id,
		.sender = "+6281234567890",
		.receiver = "1708",
		.text = "ADUAN jalan rusak",
		.command = "complaint",
		.reply = reply,
		.complaint_id = 0,
		.received_at = 1700000000,
	};
	return m;
}

/* ---- open, schema, reopen ----------------------------------------------- */

static void
test_open_creates_schema_version_1(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(store_schema_version(f->s), 1);
	assert_int_equal(store_complaint_count(f->s), 0);
}

static void
test_open_sets_wal_and_foreign_keys(void **state)
{
	struct fixture *f = *state;
	sqlite3 *db;
	sqlite3_stmt *st;

	/* journal_mode is stored in the file: a fresh connection sees it. */
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
	sqlite3_close(db);

	/* foreign_keys=ON: an event for a missing complaint is refused. */
	assert_int_equal(store_event_add(f->s, 4242, 1700000000, "operator",
	    "routed", NULL), -1);
	assert_non_null(strstr(store_errmsg(), "FOREIGN KEY"));
}

static void
test_reopen_keeps_data(void **state)
{
	struct fixture *f = *state;

	add_complaint(f->s, "AB12CD34");
	reopen(f);
	assert_int_equal(store_schema_version(f->s), 1);
	assert_int_equal(store_complaint_count(f->s), 1);
	assert_int_equal(store_ticket_exists(f->s, "AB12CD34"), 1);
}

static void
test_open_missing_directory_fails(void **state)
{
	char err[256] = "untouched";
	struct store *s;

	(void)state;
	s = store_open("/nonexistent-aduan-dir/sub/aduan.db", &opts, err, sizeof err);
	assert_null(s);
	assert_non_null(strstr(err, "/nonexistent-aduan-dir/sub/aduan.db"));
	assert_non_null(strstr(err, "unable to open"));
}

static void
test_open_not_a_database_fails(void **state)
{
	struct fixture *f = *state;
	char path[160], err[256] = "";
	FILE *fp;

	snprintf(path, sizeof path, "%s/garbage.db", f->dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	for (int i = 0; i < 200; i++)
		fputs("this is not an sqlite file. ", fp);
	fclose(fp);
	assert_null(store_open(path, &opts, err, sizeof err));
	assert_non_null(strstr(err, "not a database"));
}

static void
test_open_newer_schema_refused(void **state)
{
	struct fixture *f = *state;
	char path[160], err[256] = "";
	sqlite3 *db;

	snprintf(path, sizeof path, "%s/future.db", f->dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL,
	    NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_null(store_open(path, &opts, err, sizeof err));
	assert_non_null(strstr(err, "newer"));
	assert_non_null(strstr(err, "99"));
}

/* ---- complaints --------------------------------------------------------- */

static void
test_complaint_round_trip(void **state)
{
	struct fixture *f = *state;
	struct store_complaint in, out;
	static const char *const pieces[] = { "a", "\xc3\xa9", "\xe2\x80\x94", " " };
	char desc[1300];
	size_t n = 0, len;
	int i;

	/* 400 characters, ASCII mixed with 2- and 3-byte UTF-8 (é, —). */
	for (i = 0; i < 400; i++) {
		len = strlen(pieces[i % 4]);
		memcpy(desc + n, pieces[i % 4], len);
		n += len;
	}
	desc[n] = '\0';
	assert_int_equal(strlen(desc), 100 * (1 + 2 + 3 + 1));

	fill_complaint(&in, "K7M2P9QX");
	in.location = NULL;
	in.description = desc;
	in.route_explain = NULL;
	in.keyword[0] = '\0';
	in.created_at = 1700000123;
	in.updated_at = 0;
	assert_int_equal(store_complaint_add(f->s, &in), 0);
	assert_true(in.id > 0);
	assert_int_equal(in.updated_at, 1700000123);

	assert_int_equal(store_complaint_get(f->s, "K7M2P9QX", &out), 1);
	assert_int_equal(out.id, in.id);
	assert_string_equal(out.ticket, "K7M2P9QX");
	assert_string_equal(out.phone, "+6281234567890");
	assert_string_equal(out.channel, "sms");
	assert_string_equal(out.keyword, "");
	assert_string_equal(out.agency, "dpu-jakarta");
	assert_string_equal(out.region, "jakarta");
	assert_string_equal(out.status, "received");
	assert_string_equal(out.lang, "id");
	assert_null(out.location);
	assert_string_equal(out.description, desc);
	assert_null(out.route_explain);
	assert_int_equal(out.created_at, 1700000123);
	assert_int_equal(out.updated_at, 1700000123);
	store_complaint_clear(&out);
	assert_null(out.description);
	store_complaint_clear(&out);    /* twice is harmless */

	/* And with the optional strings present. */
	fill_complaint(&in, "R2D2C3PO");
	assert_int_equal(store_complaint_add(f->s, &in), 0);
	assert_int_equal(store_complaint_get(f->s, "R2D2C3PO", &out), 1);
	assert_string_equal(out.location, "Jl. Sudirman 5");
	assert_string_equal(out.route_explain, "keyword jalan -> dpu-jakarta");
	assert_string_equal(out.keyword, "jalan");
	store_complaint_clear(&out);

	assert_int_equal(store_complaint_get(f->s, "NOPE0000", &out), 0);
	store_complaint_clear(&out);
	assert_int_equal(store_complaint_count(f->s), 2);
}

static void
test_complaint_clear_zeroed(void **state)
{
	struct store_complaint c;

	(void)state;
	memset(&c, 0, sizeof c);
	store_complaint_clear(&c);
	store_complaint_clear(&c);
	assert_null(c.location);
	assert_null(c.description);
	assert_null(c.route_explain);
}

static void
test_ticket_exists(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(store_ticket_exists(f->s, "AAAA1111"), 0);
	add_complaint(f->s, "AAAA1111");
	assert_int_equal(store_ticket_exists(f->s, "AAAA1111"), 1);
	assert_int_equal(store_ticket_exists(f->s, "AAAA1112"), 0);
}

static void
test_duplicate_ticket_fails(void **state)
{
	struct fixture *f = *state;
	struct store_complaint c;
	char note[64];
	int64_t id;

	id = add_complaint(f->s, "DUPE0001");
	fill_complaint(&c, "DUPE0001");
	assert_int_equal(store_complaint_add(f->s, &c), -1);
	assert_int_equal(c.id, 0);
	assert_non_null(strstr(store_errmsg(), "insert complaint"));
	assert_non_null(strstr(store_errmsg(), "UNIQUE"));
	assert_int_equal(store_complaint_count(f->s), 1);

	/* Inside a transaction the failure leaves the transaction usable. */
	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(store_complaint_add(f->s, &c), -1);
	assert_int_equal(store_event_add(f->s, id, 1700000100, "operator", NULL,
	    "still here"), 0);
	assert_int_equal(store_commit(f->s), 0);
	assert_int_equal(store_last_agency_note(f->s, id, note, sizeof note), 1);
	assert_string_equal(note, "still here");
	assert_int_equal(store_complaint_count(f->s), 1);
}

static void
test_rollback_leaves_nothing(void **state)
{
	struct fixture *f = *state;
	struct store_message m = message("kannel", "gw-1", "Tiket ROLL0001");
	char reply[64];
	int64_t id;

	assert_int_equal(store_begin(f->s), 0);
	id = add_complaint(f->s, "ROLL0001");
	m.complaint_id = id;
	assert_int_equal(store_message_add(f->s, &m), 1);
	store_rollback(f->s);

	assert_int_equal(store_ticket_exists(f->s, "ROLL0001"), 0);
	assert_int_equal(store_complaint_count(f->s), 0);
	assert_int_equal(store_message_find(f->s, "kannel", "gw-1", reply,
	    sizeof reply), 0);

	/* The lock was released: another transaction starts at once. */
	assert_int_equal(store_begin(f->s), 0);
	store_rollback(f->s);
}

static void
test_commit_persists_across_reopen(void **state)
{
	struct fixture *f = *state;
	struct store_message m = message("kannel", "gw-7", "Tiket KEEP0001");
	struct store_complaint c;
	char reply[64];

	assert_int_equal(store_begin(f->s), 0);
	m.complaint_id = add_complaint(f->s, "KEEP0001");
	assert_int_equal(store_message_add(f->s, &m), 1);
	assert_int_equal(store_commit(f->s), 0);

	reopen(f);
	assert_int_equal(store_complaint_get(f->s, "KEEP0001", &c), 1);
	assert_int_equal(c.id, m.complaint_id);
	store_complaint_clear(&c);
	assert_int_equal(store_message_find(f->s, "kannel", "gw-7", reply,
	    sizeof reply), 1);
	assert_string_equal(reply, "Tiket KEEP0001");
}

static void *
read_errmsg(void *arg)
{
	str_copy(arg, 256, store_errmsg());
	return NULL;
}

static void
test_errmsg_is_per_thread(void **state)
{
	struct fixture *f = *state;
	struct store_complaint c;
	char other[256] = "unset";
	pthread_t t;

	add_complaint(f->s, "SAME0001");
	fill_complaint(&c, "SAME0001");
	assert_int_equal(store_complaint_add(f->s, &c), -1);
	assert_non_null(strstr(store_errmsg(), "insert complaint"));

	/* Another worker thread that has not failed sees no message. */
	assert_int_equal(pthread_create(&t, NULL, read_errmsg, other), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_string_equal(other, "");
}

/* ---- messages ----------------------------------------------------------- */

static void
test_message_dedup(void **state)
{
	struct fixture *f = *state;
	struct store_message first = message("kannel", "abc-1", "first reply");
	struct store_message again = message("kannel", "abc-1", "second reply");
	struct store_message other = message("twilio", "abc-1", "other gateway");
	char reply[64];

	assert_int_equal(store_message_find(f->s, "kannel", "abc-1", reply,
	    sizeof reply), 0);
	assert_int_equal(store_message_add(f->s, &first), 1);
	assert_int_equal(store_message_add(f->s, &again), 0);
	assert_int_equal(store_message_find(f->s, "kannel", "abc-1", reply,
	    sizeof reply), 1);
	assert_string_equal(reply, "first reply");

	/* The same id from another gateway is another message. */
	assert_int_equal(store_message_add(f->s, &other), 1);
	assert_int_equal(store_message_find(f->s, "twilio", "abc-1", reply,
	    sizeof reply), 1);
	assert_string_equal(reply, "other gateway");
}

static void
test_message_null_gw_id_not_deduplicated(void **state)
{
	struct fixture *f = *state;
	struct store_message m = message("kannel", NULL, "");
	char reply[8];

	assert_int_equal(store_message_add(f->s, &m), 1);
	assert_int_equal(store_message_add(f->s, &m), 1);
	assert_int_equal(store_message_find(f->s, "kannel", NULL, reply,
	    sizeof reply), 0);
}

static void
test_message_find_truncates_reply(void **state)
{
	struct fixture *f = *state;
	struct store_message m = message("kannel", "long-1",
	    "Terima kasih, tiket Anda K7M2P9QX");
	char reply[6];

	assert_int_equal(store_message_add(f->s, &m), 1);
	memset(reply, 'x', sizeof reply);
	assert_int_equal(store_message_find(f->s, "kannel", "long-1", reply,
	    sizeof reply), 1);
	assert_string_equal(reply, "Terim");
}

static void
test_message_unknown_complaint_refused(void **state)
{
	struct fixture *f = *state;
	struct store_message m = message("kannel", "fk-1", "");

	m.complaint_id = 999;
	assert_int_equal(store_message_add(f->s, &m), -1);
	assert_non_null(strstr(store_errmsg(), "insert message"));
}

/* ---- events and notes --------------------------------------------------- */

static void
test_event_add_with_and_without_status(void **state)
{
	struct fixture *f = *state;
	struct store_complaint c;
	int64_t id;

	id = add_complaint(f->s, "EVNT0001");
	assert_int_equal(store_event_add(f->s, id, 1700000500, "system", "routed",
	    NULL), 0);
	assert_int_equal(store_complaint_get(f->s, "EVNT0001", &c), 1);
	assert_string_equal(c.status, "routed");
	assert_int_equal(c.updated_at, 1700000500);
	assert_int_equal(c.created_at, 1700000000);
	store_complaint_clear(&c);

	/* A note only: the status stays, updated_at moves. */
	assert_int_equal(store_event_add(f->s, id, 1700000600, "dpu-jakarta", NULL,
	    "Tim dikirim"), 0);
	assert_int_equal(store_complaint_get(f->s, "EVNT0001", &c), 1);
	assert_string_equal(c.status, "routed");
	assert_int_equal(c.updated_at, 1700000600);
	store_complaint_clear(&c);
}

static void
test_event_add_needs_actor(void **state)
{
	struct fixture *f = *state;
	struct store_complaint c;
	int64_t id;

	/* The failed insert must not have moved the complaint either. */
	id = add_complaint(f->s, "EVNT0002");
	assert_int_equal(store_event_add(f->s, id, 1700000900, NULL, "closed",
	    NULL), -1);
	assert_non_null(strstr(store_errmsg(), "insert event"));
	assert_int_equal(store_complaint_get(f->s, "EVNT0002", &c), 1);
	assert_string_equal(c.status, "received");
	assert_int_equal(c.updated_at, 1700000000);
	store_complaint_clear(&c);
}

static void
test_last_agency_note(void **state)
{
	struct fixture *f = *state;
	char note[128];
	int64_t id, other;

	id = add_complaint(f->s, "NOTE0001");
	other = add_complaint(f->s, "NOTE0002");
	assert_int_equal(store_last_agency_note(f->s, id, note, sizeof note), 0);

	assert_int_equal(store_event_add(f->s, id, 100, "dpu-jakarta", NULL,
	    "older agency note"), 0);
	assert_int_equal(store_event_add(f->s, id, 300, "citizen", NULL,
	    "citizen writes later"), 0);
	assert_int_equal(store_event_add(f->s, id, 200, "operator", "in_progress",
	    "newest agency note"), 0);
	/* Same time: the later row wins. */
	assert_int_equal(store_event_add(f->s, id, 200, "dpu-jakarta", NULL,
	    "same second, later row"), 0);
	/* Empty and NULL notes are status changes, not notes. */
	assert_int_equal(store_event_add(f->s, id, 400, "dpu-jakarta", "resolved",
	    ""), 0);
	assert_int_equal(store_event_add(f->s, id, 500, "dpu-jakarta", "closed",
	    NULL), 0);
	assert_int_equal(store_event_add(f->s, other, 900, "operator", NULL,
	    "note on another complaint"), 0);

	assert_int_equal(store_last_agency_note(f->s, id, note, sizeof note), 1);
	assert_string_equal(note, "same second, later row");
}

/* ---- phones ------------------------------------------------------------- */

static void
test_phone_defaults_and_partial_updates(void **state)
{
	struct fixture *f = *state;
	struct store_phone p;
	const char *phone = "+6281111111111";

	memset(&p, 0x55, sizeof p);
	assert_int_equal(store_phone_get(f->s, phone, &p), 0);
	assert_int_equal(p.notify, 1);
	assert_string_equal(p.lang, "");

	/* Only lang: notify keeps its default. */
	assert_int_equal(store_phone_set(f->s, phone, -1, "en", 10), 0);
	assert_int_equal(store_phone_get(f->s, phone, &p), 1);
	assert_int_equal(p.notify, 1);
	assert_string_equal(p.lang, "en");

	/* STOP: notify off, lang untouched. */
	assert_int_equal(store_phone_set(f->s, phone, 0, NULL, 20), 0);
	assert_int_equal(store_phone_get(f->s, phone, &p), 1);
	assert_int_equal(p.notify, 0);
	assert_string_equal(p.lang, "en");

	/* Language change leaves the STOP in place. */
	assert_int_equal(store_phone_set(f->s, phone, -1, "id", 30), 0);
	assert_int_equal(store_phone_get(f->s, phone, &p), 1);
	assert_int_equal(p.notify, 0);
	assert_string_equal(p.lang, "id");

	assert_int_equal(store_phone_set(f->s, phone, 1, "en", 40), 0);
	assert_int_equal(store_phone_get(f->s, phone, &p), 1);
	assert_int_equal(p.notify, 1);
	assert_string_equal(p.lang, "en");

	/* A new number with only notify set gets lang "". */
	assert_int_equal(store_phone_set(f->s, "+6282222222222", 0, NULL, 50), 0);
	assert_int_equal(store_phone_get(f->s, "+6282222222222", &p), 1);
	assert_int_equal(p.notify, 0);
	assert_string_equal(p.lang, "");
}

/* ---- locking and threads ------------------------------------------------ */

static long
elapsed_ms(const struct timespec *a, const struct timespec *b)
{
	return (long)((b->tv_sec - a->tv_sec) * 1000 +
	    (b->tv_nsec - a->tv_nsec) / 1000000);
}

static void
test_locked_database_fails_within_timeout(void **state)
{
	struct fixture *f = *state;
	struct timespec t0, t1;
	sqlite3 *db;
	long ms;

	/* Another process, as far as SQLite can tell, holds the write lock. */
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "BEGIN EXCLUSIVE", NULL, NULL, NULL),
	    SQLITE_OK);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(store_begin(f->s), -1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = elapsed_ms(&t0, &t1);
	assert_non_null(strstr(store_errmsg(), "locked"));
	assert_non_null(strstr(store_errmsg(), "begin"));
	assert_in_range(ms, 50, 2000);

	/* A write outside a transaction waits and fails the same way. */
	assert_int_equal(store_phone_set(f->s, "+6283333333333", 1, "id", 1), -1);
	assert_non_null(strstr(store_errmsg(), "locked"));

	assert_int_equal(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	/* The failed begin released the store's lock: it works again. */
	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(store_commit(f->s), 0);
}

#define NTHREADS 8
#define PER_THREAD 25

struct worker {
	struct store *s;
	int n;
	int failures;
};

static void *
worker_run(void *arg)
{
	struct worker *w = arg;
	struct store_complaint c;
	char ticket[32];
	int i;

	for (i = 0; i < PER_THREAD; i++) {
		snprintf(ticket, sizeof ticket, "T%02dX%04d", w->n, i);
		fill_complaint(&c, ticket);
		if (store_begin(w->s) == -1) {
			w->failures++;
			continue;
		}
		if (store_ticket_exists(w->s, ticket) != 0 ||
		    store_complaint_add(w->s, &c) == -1) {
			store_rollback(w->s);
			w->failures++;
			continue;
		}
		if (store_commit(w->s) == -1)
			w->failures++;
	}
	return NULL;
}

static void
test_threads_share_one_store(void **state)
{
	struct fixture *f = *state;
	struct worker w[NTHREADS];
	pthread_t t[NTHREADS];
	int i;

	for (i = 0; i < NTHREADS; i++) {
		w[i].s = f->s;
		w[i].n = i;
		w[i].failures = 0;
		assert_int_equal(pthread_create(&t[i], NULL, worker_run, &w[i]), 0);
	}
	for (i = 0; i < NTHREADS; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(w[i].failures, 0);
	}
	assert_int_equal(store_complaint_count(f->s), NTHREADS * PER_THREAD);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_creates_schema_version_1, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_sets_wal_and_foreign_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen_keeps_data, setup, teardown),
		cmocka_unit_test(test_open_missing_directory_fails),
		cmocka_unit_test_setup_teardown(test_open_not_a_database_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_newer_schema_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_complaint_round_trip, setup, teardown),
		cmocka_unit_test(test_complaint_clear_zeroed),
		cmocka_unit_test_setup_teardown(test_ticket_exists, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_ticket_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollback_leaves_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_commit_persists_across_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errmsg_is_per_thread, setup, teardown),
		cmocka_unit_test_setup_teardown(test_message_dedup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_message_null_gw_id_not_deduplicated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_message_find_truncates_reply, setup, teardown),
		cmocka_unit_test_setup_teardown(test_message_unknown_complaint_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_event_add_with_and_without_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_event_add_needs_actor, setup, teardown),
		cmocka_unit_test_setup_teardown(test_last_agency_note, setup, teardown),
		cmocka_unit_test_setup_teardown(test_phone_defaults_and_partial_updates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_locked_database_fails_within_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threads_share_one_store, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
