/*
 * floor: the SQLite floor of one SMS complaint (issue 18), for `make bench`.
 *
 *   floor DIR SECONDS GROUP [list] [walbuf]
 *
 * Runs exactly the SQL statements the store runs today for one new SMS
 * complaint through Kannel (intake/sms.c -> store/; read off a statement
 * trace of `aduan serve`, see the list below), straight on sqlite3 in one
 * thread with prepared statements: no HTTP, no parsing, no routing, no
 * reply, no locks, no other thread.  The database is created by
 * store_open() (so the schema, WAL and the pragmas are the store's own:
 * journal_mode=WAL, synchronous=FULL, foreign_keys=ON, temp_store=MEMORY,
 * wal_autocheckpoint=10000;
 * and, since store_open() runs first, SQLite without memory statistics),
 * then closed and opened again here as a plain sqlite3 connection, plus a
 * second one for the retry look-up the intake does on the store's reading
 * connection.  GROUP messages share one BEGIN IMMEDIATE .. COMMIT (one
 * fsync), each inside its own SAVEPOINT as the group-commit writer does:
 * pass the group size the writer reached under 64 connections.
 * No store layer can beat this with these rows.  With "walbuf" the
 * writing connection goes through the VFS the store's writer uses
 * (store_writer_vfs(): each commit's -wal frames written in one piece)
 * instead of SQLite's default one: the floor of these rows as the store
 * writes them.  No test runs it and nothing here asserts a time.
 *
 * Output (bench/run.sh parses the last line):
 *   FLOOR_SQL <statement>            with "list", each statement per message
 *   FLOOR msgs=N secs=X msgs_per_s=X us_per_msg=X cpu_us_per_msg=X group=G statements=S
 * (cpu_us_per_msg: user + system CPU per message, fsync waits excluded).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/resource.h>

#include <sqlite3.h>

#include "store/store.h"

/* On the reading connection, before the writer (store_message_seen). */
static const char *const sql_seen =
    "SELECT reply FROM messages WHERE gateway = ?1"
    " AND gw_id IN (?2, ?2 || '/' || ?3) AND (?3 IS NULL OR sender = ?3)";

/* In the writer's transaction, in this order (sms_tx). */
enum {
	Q_FIND, Q_PHONE_GET, Q_GUARD_GET, Q_GUARD_TEXT_FIND, Q_TICKET_EXISTS,
	Q_COMPLAINT_ADD, Q_EVENT_RECEIVED, Q_EVENT_ROUTED, Q_PHONE_SET, Q_GUARD_PUT,
	Q_GUARD_TEXT_PUT, Q_MESSAGE_ADD, NQ
};

static const char *const sql_tx[NQ] = {
	[Q_FIND] =
	    "SELECT reply FROM messages WHERE gateway = ?1"
	    " AND gw_id IN (?2, ?2 || '/' || ?3) AND (?3 IS NULL OR sender = ?3)",
	[Q_PHONE_GET] = "SELECT notify, lang FROM phones WHERE phone = ?1",
	[Q_GUARD_GET] =
	    "SELECT tokens, tokens_at, limited, replies, replies_since, capped, last_hash,"
	    " repeats, last_at FROM guard_phones WHERE phone = ?1",
	[Q_GUARD_TEXT_FIND] =
	    "SELECT ticket FROM guard_texts WHERE phone = ?1 AND hash = ?2 AND at >= ?3",
	[Q_TICKET_EXISTS] = "SELECT 1 FROM complaints WHERE ticket = ?1",
	[Q_COMPLAINT_ADD] =
	    "INSERT INTO complaints (ticket, phone, channel, keyword, agency, region, status,"
	    " lang, location, description, route_explain, created_at, updated_at, routed_at,"
	    " route_due, followup_due, close_due, reminded_at, config_hash)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12, ?13, ?14, ?15,"
	    " ?16, ?17, ?18)",
	[Q_EVENT_RECEIVED] =
	    "INSERT INTO events (complaint_id, at, actor, status, note) VALUES (?1, ?2, ?3, ?4, ?5)",
	[Q_EVENT_ROUTED] =
	    "INSERT INTO events (complaint_id, at, actor, status, note) VALUES (?1, ?2, ?3, ?4, ?5)",
	[Q_PHONE_SET] =
	    "INSERT INTO phones (phone, notify, lang, updated_at)"
	    " VALUES (?1, coalesce(?2, 1), coalesce(?3, ''), ?4)"
	    " ON CONFLICT (phone) DO UPDATE SET notify = coalesce(?2, notify),"
	    " lang = coalesce(?3, lang), updated_at = ?4",
	[Q_GUARD_PUT] =
	    "INSERT OR REPLACE INTO guard_phones (phone, tokens, tokens_at, limited, replies,"
	    " replies_since, capped, last_hash, repeats, last_at, updated_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
	[Q_GUARD_TEXT_PUT] =
	    "INSERT INTO guard_texts (phone, hash, ticket, at) VALUES (?1, ?2, ?3, ?4)"
	    " ON CONFLICT (phone, hash) DO UPDATE SET ticket = excluded.ticket,"
	    " at = excluded.at WHERE at < ?5",
	[Q_MESSAGE_ADD] =
	    "INSERT INTO messages (gateway, gw_id, sender, receiver, text,"
	    " command, reply, complaint_id, received_at)"
	    " VALUES (?1, CASE WHEN EXISTS (SELECT 1 FROM messages"
	    "  WHERE gateway = ?1 AND gw_id = ?2 AND sender <> ?3)"
	    "  THEN ?2 || '/' || ?3 ELSE ?2 END, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
	    " ON CONFLICT (gateway, gw_id) DO NOTHING",
};

static sqlite3 *db, *rdb;
static sqlite3_stmt *q[NQ], *seen, *begin, *commit, *sp, *release;

static void
die(const char *what, sqlite3 *d)
{
	fprintf(stderr, "floor: %s: %s\n", what, d != NULL ? sqlite3_errmsg(d) : "");
	exit(1);
}

static sqlite3_stmt *
prep(sqlite3 *d, const char *sql)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v3(d, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
		die(sql, d);
	return st;
}

/* Steps st to its end; the rows are read as the store reads them (not at all here). */
static void
run(sqlite3_stmt *st)
{
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	if (rc != SQLITE_DONE)
		die(sqlite3_sql(st), sqlite3_db_handle(st));
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

static void
text(sqlite3_stmt *st, int i, const char *v)
{
	sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

static const char *const texts[] = {
	"JALAN Jl. Diponegoro depan SMP 2 Ungaran berlubang besar, sudah dua minggu belum "
	"diperbaiki",
	"SAMPAH di Pasar Bandungan tidak diangkut seminggu, bau sekali",
	"AIR PDAM mati sejak kemarin di Kel. Bandarjo RT 3",
	"LAMPU jalan mati tiap malam di Jl. Pemuda 12",
};

/* One SMS complaint's statements; n makes its id, phone and ticket unique. */
static void
one(long n, int64_t now)
{
	char id[48], phone[24], ticket[12], reply[200], hash[20];
	const char *t = texts[n % 4];
	sqlite3_int64 cid;

	snprintf(id, sizeof id, "floor-%ld", n);
	snprintf(phone, sizeof phone, "+62812%08ld", n % 100000000);
	snprintf(ticket, sizeof ticket, "%08ld", (n * 7919 + 10000000) % 100000000);
	snprintf(hash, sizeof hash, "%016lx", (unsigned long)n * 2654435761UL);

	/* The retry look-up, on the reading connection. */
	text(seen, 1, "kannel");
	text(seen, 2, id);
	text(seen, 3, phone);
	run(seen);

	run(sp);
	text(q[Q_FIND], 1, "kannel");
	text(q[Q_FIND], 2, id);
	text(q[Q_FIND], 3, phone);
	run(q[Q_FIND]);
	text(q[Q_PHONE_GET], 1, phone);
	run(q[Q_PHONE_GET]);
	text(q[Q_GUARD_GET], 1, phone);
	run(q[Q_GUARD_GET]);
	text(q[Q_GUARD_TEXT_FIND], 1, phone);
	text(q[Q_GUARD_TEXT_FIND], 2, hash);
	sqlite3_bind_int64(q[Q_GUARD_TEXT_FIND], 3, now - 3600);
	run(q[Q_GUARD_TEXT_FIND]);
	text(q[Q_TICKET_EXISTS], 1, ticket);
	run(q[Q_TICKET_EXISTS]);

	text(q[Q_COMPLAINT_ADD], 1, ticket);
	text(q[Q_COMPLAINT_ADD], 2, phone);
	text(q[Q_COMPLAINT_ADD], 3, "sms");
	text(q[Q_COMPLAINT_ADD], 4, "JALAN");
	text(q[Q_COMPLAINT_ADD], 5, "dpupr");
	text(q[Q_COMPLAINT_ADD], 6, "");
	text(q[Q_COMPLAINT_ADD], 7, "routed");
	text(q[Q_COMPLAINT_ADD], 8, "id");
	text(q[Q_COMPLAINT_ADD], 9, "");
	text(q[Q_COMPLAINT_ADD], 10, t);
	text(q[Q_COMPLAINT_ADD], 11, "keyword JALAN at the start (exact) -> dpupr");
	sqlite3_bind_int64(q[Q_COMPLAINT_ADD], 12, now);
	sqlite3_bind_int64(q[Q_COMPLAINT_ADD], 13, now);
	sqlite3_bind_int64(q[Q_COMPLAINT_ADD], 14, 0);
	sqlite3_bind_int64(q[Q_COMPLAINT_ADD], 15, now + 5 * 86400);
	sqlite3_bind_int64(q[Q_COMPLAINT_ADD], 16, 0);
	sqlite3_bind_int64(q[Q_COMPLAINT_ADD], 17, 0);
	text(q[Q_COMPLAINT_ADD], 18, "0123456789abcdef");
	run(q[Q_COMPLAINT_ADD]);
	cid = sqlite3_last_insert_rowid(db);

	sqlite3_bind_int64(q[Q_EVENT_RECEIVED], 1, cid);
	sqlite3_bind_int64(q[Q_EVENT_RECEIVED], 2, now);
	text(q[Q_EVENT_RECEIVED], 3, "citizen");
	text(q[Q_EVENT_RECEIVED], 4, "received");
	text(q[Q_EVENT_RECEIVED], 5, "");
	run(q[Q_EVENT_RECEIVED]);
	sqlite3_bind_int64(q[Q_EVENT_ROUTED], 1, cid);
	sqlite3_bind_int64(q[Q_EVENT_ROUTED], 2, now);
	text(q[Q_EVENT_ROUTED], 3, "system");
	text(q[Q_EVENT_ROUTED], 4, "routed");
	text(q[Q_EVENT_ROUTED], 5, "keyword JALAN at the start (exact) -> dpupr");
	run(q[Q_EVENT_ROUTED]);

	text(q[Q_PHONE_SET], 1, phone);
	text(q[Q_PHONE_SET], 3, "id");
	sqlite3_bind_int64(q[Q_PHONE_SET], 4, now);
	run(q[Q_PHONE_SET]);
	text(q[Q_GUARD_PUT], 1, phone);
	sqlite3_bind_double(q[Q_GUARD_PUT], 2, 4.0);
	sqlite3_bind_int64(q[Q_GUARD_PUT], 3, now);
	sqlite3_bind_int(q[Q_GUARD_PUT], 4, 0);
	sqlite3_bind_int(q[Q_GUARD_PUT], 5, 1);
	sqlite3_bind_int64(q[Q_GUARD_PUT], 6, now);
	sqlite3_bind_int(q[Q_GUARD_PUT], 7, 0);
	text(q[Q_GUARD_PUT], 8, hash);
	sqlite3_bind_int(q[Q_GUARD_PUT], 9, 1);
	sqlite3_bind_int64(q[Q_GUARD_PUT], 10, now);
	sqlite3_bind_int64(q[Q_GUARD_PUT], 11, now);
	run(q[Q_GUARD_PUT]);
	text(q[Q_GUARD_TEXT_PUT], 1, phone);
	text(q[Q_GUARD_TEXT_PUT], 2, hash);
	text(q[Q_GUARD_TEXT_PUT], 3, ticket);
	sqlite3_bind_int64(q[Q_GUARD_TEXT_PUT], 4, now);
	sqlite3_bind_int64(q[Q_GUARD_TEXT_PUT], 5, now - 3600);
	run(q[Q_GUARD_TEXT_PUT]);

	snprintf(reply, sizeof reply, "Aduan diterima. No tiket: %s. Diteruskan ke DPUPR. "
	    "Cek status: ketik STATUS %s kirim ke 1708", ticket, ticket);
	text(q[Q_MESSAGE_ADD], 1, "kannel");
	text(q[Q_MESSAGE_ADD], 2, id);
	text(q[Q_MESSAGE_ADD], 3, phone);
	text(q[Q_MESSAGE_ADD], 4, "1708");
	text(q[Q_MESSAGE_ADD], 5, t);
	text(q[Q_MESSAGE_ADD], 6, "complaint");
	text(q[Q_MESSAGE_ADD], 7, reply);
	sqlite3_bind_int64(q[Q_MESSAGE_ADD], 8, cid);
	sqlite3_bind_int64(q[Q_MESSAGE_ADD], 9, now);
	run(q[Q_MESSAGE_ADD]);
	run(release);
}

/* CPU seconds of this process so far (user + system): less noisy than the clock. */
static double
cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static double
now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void
exec(sqlite3 *d, const char *sql)
{
	if (sqlite3_exec(d, sql, NULL, NULL, NULL) != SQLITE_OK)
		die(sql, d);
}

int
main(int argc, char **argv)
{
	struct store_options opt = { .sync_full = 1, .busy_timeout_ms = 5000 };
	struct store *s;
	char path[512], err[256];
	double secs, t0, el, c0;
	long n = 0, group;
	int i, g, list = 0, walbuf = 0;
	int64_t now = (int64_t)time(NULL);

	if (argc < 4) {
		fprintf(stderr, "usage: floor DIR SECONDS GROUP [list] [walbuf]\n");
		return 2;
	}
	for (i = 4; i < argc; i++) {
		list |= strcmp(argv[i], "list") == 0;
		walbuf |= strcmp(argv[i], "walbuf") == 0;
	}
	secs = strtod(argv[2], NULL);
	group = strtol(argv[3], NULL, 10);
	if (secs <= 0 || group < 1 || group > 100000) {
		fprintf(stderr, "floor: bad SECONDS or GROUP\n");
		return 2;
	}
	snprintf(path, sizeof path, "%s/floor.db-wal", argv[1]);
	unlink(path);
	snprintf(path, sizeof path, "%s/floor.db-shm", argv[1]);
	unlink(path);
	snprintf(path, sizeof path, "%s/floor.db", argv[1]);
	unlink(path);
	/* The store's schema and journal mode, made by the store itself. */
	if ((s = store_open(path, &opt, err, sizeof err)) == NULL) {
		fprintf(stderr, "floor: store_open %s: %s\n", path, err);
		return 1;
	}
	store_close(s);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, walbuf ? store_writer_vfs() :
	    NULL) != SQLITE_OK)
		die("open", db);
	if (sqlite3_open_v2(path, &rdb, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		die("open reader", rdb);
	/* The store's pragmas (store/db.c, pragmas()). */
	exec(db, "PRAGMA journal_mode = WAL");
	exec(db, "PRAGMA synchronous = FULL");
	exec(db, "PRAGMA foreign_keys = ON");
	exec(db, "PRAGMA temp_store = MEMORY");
	exec(db, "PRAGMA wal_autocheckpoint = 10000");
	sqlite3_busy_timeout(db, 5000);
	sqlite3_busy_timeout(rdb, 5000);
	for (i = 0; i < NQ; i++)
		q[i] = prep(db, sql_tx[i]);
	seen = prep(rdb, sql_seen);
	begin = prep(db, "BEGIN IMMEDIATE");
	commit = prep(db, "COMMIT");
	sp = prep(db, "SAVEPOINT store_member");
	release = prep(db, "RELEASE store_member");
	if (list) {
		printf("FLOOR_SQL (reading connection) %s\n", sql_seen);
		printf("FLOOR_SQL SAVEPOINT store_member\n");
		for (i = 0; i < NQ; i++)
			printf("FLOOR_SQL %s\n", sql_tx[i]);
		printf("FLOOR_SQL RELEASE store_member\n");
		printf("FLOOR_SQL (once per group of %ld) BEGIN IMMEDIATE .. COMMIT\n", group);
	}

	t0 = now_s();
	c0 = cpu_s();
	do {
		run(begin);
		for (g = 0; g < group; g++)
			one(n++, now);
		run(commit);
		el = now_s() - t0;
	} while (el < secs);
	printf("FLOOR msgs=%ld secs=%.3f msgs_per_s=%.1f us_per_msg=%.1f cpu_us_per_msg=%.1f group=%ld"
	    " statements=%d vfs=%s\n", n, el, (double)n / el, el * 1e6 / (double)n,
	    (cpu_s() - c0) * 1e6 / (double)n, group, NQ + 3, walbuf ? "walbuf" : "default");
	for (i = 0; i < NQ; i++)
		sqlite3_finalize(q[i]);
	sqlite3_finalize(seen);
	sqlite3_finalize(begin);
	sqlite3_finalize(commit);
	sqlite3_finalize(sp);
	sqlite3_finalize(release);
	sqlite3_close(rdb);
	sqlite3_close(db);
	return 0;
}
