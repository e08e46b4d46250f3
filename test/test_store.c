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
test_open_creates_schema_version_2(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(store_schema_version(f->s), 2);
	assert_int_equal(store_complaint_count(f->s), 0);
	assert_int_equal(store_outbox_pending(f->s, NULL), 0);
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
	assert_int_equal(store_schema_version(f->s), 2);
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

/*
 * Schema version 1 as it shipped (store.c's migrations[0]), copied so this
 * test keeps checking the upgrade from real version 1 files whatever the
 * store does later.
 */
static const char v1_schema[] =
	"CREATE TABLE complaints ("
	"  id INTEGER PRIMARY KEY,"
	"  ticket TEXT NOT NULL UNIQUE,"
	"  phone TEXT NOT NULL,"
	"  channel TEXT NOT NULL,"
	"  keyword TEXT NOT NULL DEFAULT '',"
	"  agency TEXT NOT NULL,"
	"  region TEXT NOT NULL DEFAULT '',"
	"  status TEXT NOT NULL,"
	"  lang TEXT NOT NULL DEFAULT '',"
	"  location TEXT,"
	"  description TEXT NOT NULL,"
	"  route_explain TEXT,"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL);"
	"CREATE INDEX complaints_phone ON complaints(phone);"
	"CREATE TABLE events ("
	"  id INTEGER PRIMARY KEY,"
	"  complaint_id INTEGER NOT NULL REFERENCES complaints(id),"
	"  at INTEGER NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  status TEXT,"
	"  note TEXT);"
	"CREATE INDEX events_complaint ON events(complaint_id);"
	"CREATE TABLE messages ("
	"  id INTEGER PRIMARY KEY,"
	"  gateway TEXT NOT NULL,"
	"  gw_id TEXT,"
	"  sender TEXT NOT NULL,"
	"  receiver TEXT NOT NULL DEFAULT '',"
	"  text TEXT NOT NULL,"
	"  command TEXT NOT NULL,"
	"  reply TEXT NOT NULL DEFAULT '',"
	"  complaint_id INTEGER REFERENCES complaints(id),"
	"  received_at INTEGER NOT NULL,"
	"  UNIQUE(gateway, gw_id));"
	"CREATE TABLE phones ("
	"  phone TEXT PRIMARY KEY,"
	"  notify INTEGER NOT NULL DEFAULT 1,"
	"  lang TEXT NOT NULL DEFAULT '',"
	"  updated_at INTEGER NOT NULL);"
	"PRAGMA user_version = 1;";

/* One integer from a raw connection's query (-1 if it returns no row). */
static int64_t
raw_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("prepare %s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW)
		v = (int64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* raw_int() on the fixture's file through a connection of its own. */
static int64_t
file_int(const struct fixture *f, const char *sql)
{
	sqlite3 *db;
	int64_t v;

	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	v = raw_int(db, sql);
	sqlite3_close(db);
	return v;
}

static void
test_migrate_1_to_2_keeps_data(void **state)
{
	struct fixture *f = *state;
	struct store_outbox_new o = {
		"sms", "+6281234567890", "Tiket OLD00001 diterima", "receipt:1", 0,
		1700000100,
	};
	struct store_ussd u;
	struct store_complaint c;
	char path[160], err[256] = "";
	struct store *s;
	sqlite3 *db;

	snprintf(path, sizeof path, "%s/v1.db", f->dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, v1_schema, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
	    "INSERT INTO complaints (ticket, phone, channel, agency, status,"
	    " description, created_at, updated_at) VALUES ('OLD00001',"
	    " '+6281234567890', 'sms', 'dpu-jakarta', 'routed', 'Jalan rusak',"
	    " 1600000000, 1600000100);"
	    "INSERT INTO events (complaint_id, at, actor, status) VALUES"
	    " (1, 1600000000, 'citizen', 'received');",
	    NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(raw_int(db, "PRAGMA user_version"), 1);
	sqlite3_close(db);

	s = store_open(path, &opts, err, sizeof err);
	if (s == NULL)
		fail_msg("open v1 database: %s", err);
	assert_int_equal(store_schema_version(s), 2);
	assert_int_equal(store_complaint_count(s), 1);
	assert_int_equal(store_complaint_get(s, "OLD00001", &c), 1);
	assert_int_equal(c.id, 1);
	assert_string_equal(c.status, "routed");
	assert_string_equal(c.description, "Jalan rusak");
	assert_null(c.location);
	assert_int_equal(c.updated_at, 1600000100);
	store_complaint_clear(&c);

	/* The new tables work, and may point at the old complaint. */
	o.complaint_id = 1;
	assert_int_equal(store_outbox_add(s, &o), 1);
	assert_int_equal(store_outbox_pending(s, "sms"), 1);
	memset(&u, 0, sizeof u);
	str_copy(u.gateway, sizeof u.gateway, "at");
	str_copy(u.id, sizeof u.id, "ATUid_old");
	str_copy(u.phone, sizeof u.phone, "+6281234567890");
	str_copy(u.state, sizeof u.state, "end");
	u.rule = -1;
	u.done = 1;
	u.complaint_id = 1;
	u.created_at = u.updated_at = 1700000100;
	assert_int_equal(store_ussd_put(s, &u), 0);
	assert_int_equal(store_ussd_get(s, "at", "ATUid_old", &u), 1);
	assert_int_equal(u.complaint_id, 1);
	store_close(s);

	/* Opening again migrates nothing more and keeps everything. */
	s = store_open(path, &opts, err, sizeof err);
	if (s == NULL)
		fail_msg("reopen migrated database: %s", err);
	assert_int_equal(store_schema_version(s), 2);
	assert_int_equal(store_complaint_count(s), 1);
	assert_int_equal(store_outbox_pending(s, NULL), 1);
	assert_int_equal(store_ussd_get(s, "at", "ATUid_old", &u), 1);
	store_close(s);
}

static void
test_schema_2_indexes(void **state)
{
	struct fixture *f = *state;

	/* The lookups the new queries rely on exist. */
	assert_int_equal(file_int(f, "SELECT count(*) FROM sqlite_master"
	    " WHERE type = 'index' AND ((name = 'ussd_sessions_phone' AND"
	    " tbl_name = 'ussd_sessions') OR (name = 'outbox_due' AND"
	    " tbl_name = 'outbox'))"), 2);
	assert_int_equal(file_int(f, "SELECT count(*) FROM pragma_index_info("
	    "'ussd_sessions_phone') WHERE (seqno = 0 AND name = 'phone') OR"
	    " (seqno = 1 AND name = 'updated_at')"), 2);
	assert_int_equal(file_int(f, "SELECT count(*) FROM pragma_index_info("
	    "'outbox_due') WHERE (seqno = 0 AND name = 'state') OR"
	    " (seqno = 1 AND name = 'next_attempt_at')"), 2);
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

/* ---- USSD sessions ------------------------------------------------------ */

/* A session with the keys, phone and times given, the rest plain. */
static void
fill_ussd(struct store_ussd *u, const char *gateway, const char *id,
    const char *phone, int64_t at)
{
	memset(u, 0, sizeof *u);
	str_copy(u->gateway, sizeof u->gateway, gateway);
	str_copy(u->id, sizeof u->id, id);
	str_copy(u->phone, sizeof u->phone, phone);
	str_copy(u->state, sizeof u->state, "location");
	str_copy(u->lang, sizeof u->lang, "id");
	u->rule = 2;
	u->resumable = 1;
	u->created_at = at;
	u->updated_at = at;
}

static void
put_ussd(struct store *s, const struct store_ussd *u)
{
	if (store_ussd_put(s, u) != 0)
		fail_msg("put ussd %s/%s: %s", u->gateway, u->id, store_errmsg());
}

static void
test_ussd_round_trip(void **state)
{
	struct fixture *f = *state;
	/* é, —, and a 4-byte emoji: the store keeps bytes, not characters. */
	static const char loc[] = "Desa Suka\xc3\xa9 \xe2\x80\x94 RT 03/RW 05 \xf0\x9f\x9a\xa7";
	struct store_ussd in, out;
	int64_t cid;
	size_t i;

	cid = add_complaint(f->s, "USSD0001");
	memset(&in, 0, sizeof in);
	str_copy(in.gateway, sizeof in.gateway, "africastalking");
	str_copy(in.id, sizeof in.id, "ATUid_0123456789abcdef");
	str_copy(in.phone, sizeof in.phone, "+6281234567890");
	str_copy(in.state, sizeof in.state, "confirm");
	str_copy(in.lang, sizeof in.lang, "en");
	in.page = 3;
	in.rule = 17;
	str_copy(in.location, sizeof in.location, loc);
	str_copy(in.description, sizeof in.description,
	    "Lampu jalan mati sejak * minggu # lalu");
	str_copy(in.resume_to, sizeof in.resume_to, "description");
	in.resumable = 1;
	in.done = 0;
	in.complaint_id = cid;
	/* The longest session text kept: "1*2*...", exactly the maximum. */
	for (i = 0; i < STORE_USSD_TEXT_MAX; i++)
		in.last_text[i] = i % 2 ? '*' : (char)('0' + i / 2 % 10);
	in.last_text[STORE_USSD_TEXT_MAX] = '\0';
	memset(in.last_response, 'r', sizeof in.last_response - 1);
	memcpy(in.last_response, "CON ", 4);
	in.last_response[sizeof in.last_response - 1] = '\0';
	in.created_at = 1700000000;
	in.updated_at = 1700000042;
	put_ussd(f->s, &in);

	memset(&out, 0x55, sizeof out);
	assert_int_equal(store_ussd_get(f->s, "africastalking",
	    "ATUid_0123456789abcdef", &out), 1);
	assert_string_equal(out.gateway, "africastalking");
	assert_string_equal(out.id, "ATUid_0123456789abcdef");
	assert_string_equal(out.phone, "+6281234567890");
	assert_string_equal(out.state, "confirm");
	assert_string_equal(out.lang, "en");
	assert_int_equal(out.page, 3);
	assert_int_equal(out.rule, 17);
	assert_string_equal(out.location, loc);
	assert_string_equal(out.description, in.description);
	assert_string_equal(out.resume_to, "description");
	assert_int_equal(out.resumable, 1);
	assert_int_equal(out.done, 0);
	assert_int_equal(out.complaint_id, cid);
	assert_int_equal(strlen(out.last_text), STORE_USSD_TEXT_MAX);
	assert_string_equal(out.last_text, in.last_text);
	assert_int_equal(strlen(out.last_response), sizeof out.last_response - 1);
	assert_string_equal(out.last_response, in.last_response);
	assert_int_equal(out.created_at, 1700000000);
	assert_int_equal(out.updated_at, 1700000042);

	/* No complaint, no rule, flags other than 0/1 stored as 1. */
	fill_ussd(&in, "africastalking", "ATUid_2", "+6281234567890", 10);
	in.rule = -1;
	in.done = 7;
	in.resumable = 0;
	put_ussd(f->s, &in);
	assert_int_equal(store_ussd_get(f->s, "africastalking", "ATUid_2", &out), 1);
	assert_int_equal(out.rule, -1);
	assert_int_equal(out.complaint_id, 0);
	assert_int_equal(out.done, 1);
	assert_int_equal(out.resumable, 0);
	assert_string_equal(out.resume_to, "");
	assert_string_equal(out.last_text, "");
	assert_int_equal(file_int(f, "SELECT complaint_id IS NULL FROM ussd_sessions"
	    " WHERE id = 'ATUid_2'"), 1);
	assert_int_equal(file_int(f, "SELECT done FROM ussd_sessions"
	    " WHERE id = 'ATUid_2'"), 1);
}

static void
test_ussd_unterminated_arrays_bounded(void **state)
{
	struct fixture *f = *state;
	struct store_ussd in, out;

	/* Full arrays without a NUL: stored up to their size, read back cut. */
	fill_ussd(&in, "x", "y", "+6281234567890", 5);
	memset(in.gateway, 'g', sizeof in.gateway);
	memset(in.id, 'i', sizeof in.id);
	memset(in.lang, 'l', sizeof in.lang);
	memset(in.last_text, 't', sizeof in.last_text);
	memset(in.last_response, 'r', sizeof in.last_response);
	put_ussd(f->s, &in);
	assert_int_equal(file_int(f, "SELECT length(gateway) + length(id) +"
	    " length(lang) + length(last_text) + length(last_response)"
	    " FROM ussd_sessions"), (int64_t)(sizeof in.gateway + sizeof in.id +
	    sizeof in.lang + sizeof in.last_text + sizeof in.last_response));

	assert_int_equal(store_ussd_find_resumable(f->s, "+6281234567890",
	    "gggggggggggggggg", "other", 0, &out), 1);
	assert_int_equal(strlen(out.gateway), sizeof out.gateway - 1);
	assert_int_equal(strlen(out.id), sizeof out.id - 1);
	assert_int_equal(strlen(out.lang), sizeof out.lang - 1);
	assert_int_equal(strlen(out.last_text), sizeof out.last_text - 1);
	assert_int_equal(strlen(out.last_response), sizeof out.last_response - 1);
}

static void
test_ussd_upsert_keeps_created_at(void **state)
{
	struct fixture *f = *state;
	struct store_ussd u, out;
	int64_t cid;

	cid = add_complaint(f->s, "UPSR0001");
	fill_ussd(&u, "at", "s-1", "+6281234567890", 1000);
	u.complaint_id = cid;
	str_copy(u.last_text, sizeof u.last_text, "1*2");
	str_copy(u.last_response, sizeof u.last_response, "CON Lokasi?");
	put_ussd(f->s, &u);

	/* Every field changes; created_at given differently is ignored. */
	str_copy(u.phone, sizeof u.phone, "+6289999999999");
	str_copy(u.state, sizeof u.state, "end");
	str_copy(u.lang, sizeof u.lang, "en");
	u.page = 1;
	u.rule = -1;
	str_copy(u.location, sizeof u.location, "Pasar Baru");
	str_copy(u.description, sizeof u.description, "Sampah menumpuk");
	str_copy(u.resume_to, sizeof u.resume_to, "location");
	u.resumable = 0;
	u.done = 1;
	u.complaint_id = 0;
	str_copy(u.last_text, sizeof u.last_text, "1*2*Pasar Baru*Sampah menumpuk*1");
	str_copy(u.last_response, sizeof u.last_response, "END Tiket UPSR0001");
	u.created_at = 9999;
	u.updated_at = 1300;
	put_ussd(f->s, &u);

	assert_int_equal(store_ussd_get(f->s, "at", "s-1", &out), 1);
	assert_string_equal(out.phone, "+6289999999999");
	assert_string_equal(out.state, "end");
	assert_string_equal(out.lang, "en");
	assert_int_equal(out.page, 1);
	assert_int_equal(out.rule, -1);
	assert_string_equal(out.location, "Pasar Baru");
	assert_string_equal(out.description, "Sampah menumpuk");
	assert_string_equal(out.resume_to, "location");
	assert_int_equal(out.resumable, 0);
	assert_int_equal(out.done, 1);
	assert_int_equal(out.complaint_id, 0);
	assert_string_equal(out.last_text, "1*2*Pasar Baru*Sampah menumpuk*1");
	assert_string_equal(out.last_response, "END Tiket UPSR0001");
	assert_int_equal(out.created_at, 1000);
	assert_int_equal(out.updated_at, 1300);
	assert_int_equal(file_int(f, "SELECT count(*) FROM ussd_sessions"), 1);
}

static void
test_ussd_get_unknown(void **state)
{
	struct fixture *f = *state;
	struct store_ussd u;

	fill_ussd(&u, "at", "known", "+6281234567890", 10);
	put_ussd(f->s, &u);

	memset(&u, 0x55, sizeof u);
	assert_int_equal(store_ussd_get(f->s, "at", "unknown", &u), 0);
	assert_string_equal(u.gateway, "");
	assert_string_equal(u.last_text, "");
	assert_int_equal(u.complaint_id, 0);
	assert_int_equal(u.created_at, 0);
	/* The id belongs to another gateway. */
	assert_int_equal(store_ussd_get(f->s, "other", "known", &u), 0);
}

static void
test_ussd_put_errors(void **state)
{
	struct fixture *f = *state;
	struct store_ussd u, out;

	/* A complaint that does not exist is refused, and nothing is kept. */
	fill_ussd(&u, "at", "fk-1", "+6281234567890", 10);
	u.complaint_id = 4242;
	assert_int_equal(store_ussd_put(f->s, &u), -1);
	assert_non_null(strstr(store_errmsg(), "save ussd session"));
	assert_non_null(strstr(store_errmsg(), "FOREIGN KEY"));
	assert_int_equal(store_ussd_get(f->s, "at", "fk-1", &out), 0);
}

static void
test_ussd_find_resumable(void **state)
{
	struct fixture *f = *state;
	const char *p = "+6281234567890";
	struct store_ussd u;

	assert_int_equal(store_ussd_find_resumable(f->s, p, "at", "now", 0, &u), 0);

	fill_ussd(&u, "at", "too-old", p, 1000);
	put_ussd(f->s, &u);
	fill_ussd(&u, "at", "older", p, 2000);
	put_ussd(f->s, &u);
	fill_ussd(&u, "at", "best", p, 3000);
	str_copy(u.location, sizeof u.location, "Jl. Merdeka");
	str_copy(u.resume_to, sizeof u.resume_to, "description");
	put_ussd(f->s, &u);
	/* Newer, but each fails one condition. */
	fill_ussd(&u, "at", "done", p, 5000);
	u.done = 1;
	put_ussd(f->s, &u);
	fill_ussd(&u, "at", "not-resumable", p, 5000);
	u.resumable = 0;
	put_ussd(f->s, &u);
	fill_ussd(&u, "at", "other-phone", "+6289999999999", 5000);
	put_ussd(f->s, &u);
	fill_ussd(&u, "other-gw", "other-gateway", p, 5000);
	put_ussd(f->s, &u);
	fill_ussd(&u, "at", "now", p, 6000);
	put_ussd(f->s, &u);

	memset(&u, 0x55, sizeof u);
	assert_int_equal(store_ussd_find_resumable(f->s, p, "at", "now", 1500, &u), 1);
	assert_string_equal(u.id, "best");
	assert_string_equal(u.gateway, "at");
	assert_string_equal(u.phone, p);
	assert_string_equal(u.location, "Jl. Merdeka");
	assert_string_equal(u.resume_to, "description");
	assert_int_equal(u.rule, 2);
	assert_int_equal(u.updated_at, 3000);

	/* since is inclusive. */
	assert_int_equal(store_ussd_find_resumable(f->s, p, "at", "now", 3000, &u), 1);
	assert_string_equal(u.id, "best");
	memset(&u, 0x55, sizeof u);
	assert_int_equal(store_ussd_find_resumable(f->s, p, "at", "now", 3001, &u), 0);
	assert_string_equal(u.id, "");

	/* The session asking is never offered to itself... */
	assert_int_equal(store_ussd_find_resumable(f->s, p, "at", "best", 1500, &u), 1);
	assert_string_equal(u.id, "now");
	/* ...and the other gateway's session is found only from there. */
	assert_int_equal(store_ussd_find_resumable(f->s, p, "other-gw", "x", 0, &u), 1);
	assert_string_equal(u.id, "other-gateway");

	/* Same updated_at: the later row wins. */
	fill_ussd(&u, "at", "same-second", p, 3000);
	put_ussd(f->s, &u);
	assert_int_equal(store_ussd_find_resumable(f->s, p, "at", "now", 1500, &u), 1);
	assert_string_equal(u.id, "same-second");

	/* Finishing the winners falls back to the older ones. */
	assert_int_equal(store_ussd_get(f->s, "at", "same-second", &u), 1);
	u.done = 1;
	put_ussd(f->s, &u);
	assert_int_equal(store_ussd_get(f->s, "at", "best", &u), 1);
	u.resumable = 0;
	put_ussd(f->s, &u);
	assert_int_equal(store_ussd_find_resumable(f->s, p, "at", "now", 1500, &u), 1);
	assert_string_equal(u.id, "older");
	assert_int_equal(store_ussd_find_resumable(f->s, p, "at", "now", 0, &u), 1);
	assert_string_equal(u.id, "older");
}

static void
test_ussd_purge(void **state)
{
	struct fixture *f = *state;
	struct store_ussd u;

	fill_ussd(&u, "at", "a", "+6281234567890", 100);
	put_ussd(f->s, &u);
	/* Created early, updated late: updated_at is what counts. */
	fill_ussd(&u, "at", "b", "+6281234567890", 50);
	u.updated_at = 200;
	put_ussd(f->s, &u);
	fill_ussd(&u, "at", "c", "+6281234567890", 300);
	put_ussd(f->s, &u);

	assert_int_equal(store_ussd_purge(f->s, 100), 0);
	assert_int_equal(store_ussd_purge(f->s, 200), 1);
	assert_int_equal(store_ussd_get(f->s, "at", "a", &u), 0);
	assert_int_equal(store_ussd_get(f->s, "at", "b", &u), 1);
	assert_int_equal(store_ussd_get(f->s, "at", "c", &u), 1);
	assert_int_equal(store_ussd_purge(f->s, 301), 2);
	assert_int_equal(store_ussd_purge(f->s, 301), 0);
	assert_int_equal(file_int(f, "SELECT count(*) FROM ussd_sessions"), 0);
}

/* ---- outbox ------------------------------------------------------------- */

static struct store_outbox_new
outbox(const char *kind, const char *idem_key, int64_t complaint_id)
{
	struct store_outbox_new o = {
		.kind = kind,
		.recipient = "+6281234567890",
		.body = "Tiket K7M2P9QX: sedang ditangani",
		.idem_key = idem_key,
		.complaint_id = complaint_id,
		.created_at = 1700000500,
	};
	return o;
}

static void
test_outbox_add_and_pending(void **state)
{
	struct fixture *f = *state;
	struct store_outbox_new o;
	int64_t cid;

	cid = add_complaint(f->s, "OUTB0001");
	assert_int_equal(store_outbox_pending(f->s, NULL), 0);
	assert_int_equal(store_outbox_pending(f->s, "sms"), 0);

	o = outbox("sms", "receipt:1", cid);
	assert_int_equal(store_outbox_add(f->s, &o), 1);
	/* The same key again, even with another body, queues nothing. */
	o.body = "another text";
	o.created_at = 1700000999;
	assert_int_equal(store_outbox_add(f->s, &o), 0);
	o = outbox("sms", "status:1:routed", 0);
	assert_int_equal(store_outbox_add(f->s, &o), 1);
	o = outbox("webhook", "agency:1", cid);
	assert_int_equal(store_outbox_add(f->s, &o), 1);

	assert_int_equal(store_outbox_pending(f->s, NULL), 3);
	assert_int_equal(store_outbox_pending(f->s, "sms"), 2);
	assert_int_equal(store_outbox_pending(f->s, "webhook"), 1);
	assert_int_equal(store_outbox_pending(f->s, "email"), 0);

	/* The row as a worker will find it. */
	assert_int_equal(file_int(f, "SELECT count(*) FROM outbox WHERE"
	    " idem_key = 'receipt:1' AND kind = 'sms' AND"
	    " recipient = '+6281234567890' AND"
	    " body = 'Tiket K7M2P9QX: sedang ditangani' AND state = 'pending'"
	    " AND attempts = 0 AND next_attempt_at = 1700000500 AND"
	    " created_at = 1700000500 AND updated_at = 1700000500 AND"
	    " last_error IS NULL AND complaint_id = 1"), 1);
	assert_int_equal(file_int(f, "SELECT complaint_id IS NULL FROM outbox"
	    " WHERE idem_key = 'status:1:routed'"), 1);

	/* Rows in another state are not pending. */
	{
		sqlite3 *db;

		assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
		assert_int_equal(sqlite3_exec(db, "UPDATE outbox SET state = 'sent'"
		    " WHERE idem_key = 'receipt:1'", NULL, NULL, NULL), SQLITE_OK);
		sqlite3_close(db);
	}
	assert_int_equal(store_outbox_pending(f->s, NULL), 2);
	assert_int_equal(store_outbox_pending(f->s, "sms"), 1);
	/* Sent or not, the key stays taken. */
	o = outbox("sms", "receipt:1", cid);
	assert_int_equal(store_outbox_add(f->s, &o), 0);
}

static void
test_outbox_add_errors(void **state)
{
	struct fixture *f = *state;
	struct store_outbox_new o;

	o = outbox("sms", "fk:1", 4242);
	assert_int_equal(store_outbox_add(f->s, &o), -1);
	assert_non_null(strstr(store_errmsg(), "queue outbox message"));
	assert_non_null(strstr(store_errmsg(), "FOREIGN KEY"));

	/* DO NOTHING is for the key only: a missing field is still an error. */
	o = outbox("sms", "nobody:1", 0);
	o.body = NULL;
	assert_int_equal(store_outbox_add(f->s, &o), -1);
	assert_non_null(strstr(store_errmsg(), "NOT NULL"));
	o = outbox("sms", NULL, 0);
	assert_int_equal(store_outbox_add(f->s, &o), -1);
	assert_int_equal(store_outbox_pending(f->s, NULL), 0);
}

static void
test_ussd_and_outbox_rolled_back(void **state)
{
	struct fixture *f = *state;
	struct store_outbox_new o;
	struct store_ussd u;

	assert_int_equal(store_begin(f->s), 0);
	fill_ussd(&u, "at", "rb-1", "+6281234567890", 100);
	u.complaint_id = add_complaint(f->s, "ROLL0002");
	put_ussd(f->s, &u);
	o = outbox("sms", "receipt:rb", u.complaint_id);
	assert_int_equal(store_outbox_add(f->s, &o), 1);
	/* Inside the transaction they are visible... */
	assert_int_equal(store_ussd_get(f->s, "at", "rb-1", &u), 1);
	assert_int_equal(store_outbox_pending(f->s, "sms"), 1);
	store_rollback(f->s);

	/* ...and after the rollback nothing is left. */
	assert_int_equal(store_ussd_get(f->s, "at", "rb-1", &u), 0);
	assert_int_equal(store_ussd_find_resumable(f->s, "+6281234567890", "at",
	    "x", 0, &u), 0);
	assert_int_equal(store_outbox_pending(f->s, NULL), 0);
	assert_int_equal(store_complaint_count(f->s), 0);
	assert_int_equal(store_ussd_purge(f->s, INT64_MAX), 0);

	/* The key was never taken: queueing it now works. */
	o = outbox("sms", "receipt:rb", 0);
	assert_int_equal(store_outbox_add(f->s, &o), 1);
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
		cmocka_unit_test_setup_teardown(test_open_creates_schema_version_2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_sets_wal_and_foreign_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen_keeps_data, setup, teardown),
		cmocka_unit_test(test_open_missing_directory_fails),
		cmocka_unit_test_setup_teardown(test_open_not_a_database_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_newer_schema_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_1_to_2_keeps_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_schema_2_indexes, setup, teardown),
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
		cmocka_unit_test_setup_teardown(test_ussd_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ussd_unterminated_arrays_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ussd_upsert_keeps_created_at, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ussd_get_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ussd_put_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ussd_find_resumable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ussd_purge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_outbox_add_and_pending, setup, teardown),
		cmocka_unit_test_setup_teardown(test_outbox_add_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ussd_and_outbox_rolled_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_locked_database_fails_within_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threads_share_one_store, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
