/*
 * db: opening and closing the SQLite backend (store.h's contract; these
 * files of store/ are the only includers of <sqlite3.h>): the connections
 * and their pragmas, the schema versions list and migrations, the
 * statements prepared once at open from every file's SQL table; the
 * store's lock and its error message; and the diagnostics (store_plan) and
 * health check (store_writable) that look at the whole store.
 */
#include "store/store_int.h"

#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/log.h"

/*
 * Migrations: migrations[i] takes the schema from version i to i + 1 and
 * ends by setting user_version itself, because PRAGMA takes no bound
 * parameters and we build no SQL at run time.  Append; never edit one that
 * has shipped.
 */
static const char *const migrations[] = {
	/* 1: the initial schema. */
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
	"PRAGMA user_version = 1;",

	/*
	 * 2: USSD sessions and the outbox.  A session is one row per
	 * (gateway, id), rewritten whole on every request; the phone index
	 * finds a phone's recent sessions for "continue?".  The outbox is
	 * delivered by a worker that takes state = 'pending' rows whose
	 * next_attempt_at has come, in that order (outbox_due), and records
	 * each try in state, attempts, next_attempt_at, last_error and
	 * updated_at; idem_key makes queueing the same message twice a no-op.
	 */
	"CREATE TABLE ussd_sessions ("
	"  gateway TEXT NOT NULL,"
	"  id TEXT NOT NULL,"
	"  phone TEXT NOT NULL,"
	"  state TEXT NOT NULL,"
	"  lang TEXT NOT NULL DEFAULT '',"
	"  page INTEGER NOT NULL DEFAULT 0,"
	"  rule INTEGER NOT NULL DEFAULT -1,"
	"  location TEXT NOT NULL DEFAULT '',"
	"  description TEXT NOT NULL DEFAULT '',"
	"  resume_to TEXT NOT NULL DEFAULT '',"
	"  resumable INTEGER NOT NULL DEFAULT 0,"
	"  done INTEGER NOT NULL DEFAULT 0,"
	"  complaint_id INTEGER REFERENCES complaints(id),"
	"  last_text TEXT NOT NULL DEFAULT '',"
	"  last_response TEXT NOT NULL DEFAULT '',"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL,"
	"  PRIMARY KEY (gateway, id));"
	"CREATE INDEX ussd_sessions_phone ON ussd_sessions(phone, updated_at);"
	"CREATE TABLE outbox ("
	"  id INTEGER PRIMARY KEY,"
	"  kind TEXT NOT NULL,"
	"  recipient TEXT NOT NULL,"
	"  body TEXT NOT NULL,"
	"  idem_key TEXT NOT NULL UNIQUE,"
	"  complaint_id INTEGER REFERENCES complaints(id),"
	"  state TEXT NOT NULL DEFAULT 'pending',"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_attempt_at INTEGER NOT NULL DEFAULT 0,"
	"  last_error TEXT,"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL);"
	"CREATE INDEX outbox_due ON outbox(state, next_attempt_at);"
	"PRAGMA user_version = 2;",

	/*
	 * 3: agencies and delivery.  Complaints get their service-level
	 * times (0: none), with indexes for the agency API's listing and for
	 * the service-level tick's "what is overdue"; outbox rows get the
	 * gateway's message id, to match delivery reports, and the last
	 * report.  A row in state 'sending' is claimed by a worker until
	 * next_attempt_at (its lease).  Complaints from before have no
	 * service levels: they are never reminded nor closed by themselves.
	 */
	"ALTER TABLE complaints ADD COLUMN routed_at INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE complaints ADD COLUMN route_due INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE complaints ADD COLUMN followup_due INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE complaints ADD COLUMN close_due INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE complaints ADD COLUMN reminded_at INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE outbox ADD COLUMN provider_id TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE outbox ADD COLUMN dlr_state TEXT NOT NULL DEFAULT '';"
	"CREATE INDEX complaints_agency ON complaints(agency, id);"
	"CREATE INDEX complaints_route_due ON complaints(status, route_due);"
	"CREATE INDEX complaints_followup_due ON complaints(status, followup_due);"
	"CREATE INDEX complaints_close_due ON complaints(status, close_due);"
	"CREATE INDEX complaints_created ON complaints(created_at);"
	"CREATE INDEX outbox_provider ON outbox(provider_id);"
	"PRAGMA user_version = 3;",

	/* 4: long messages that arrive in parts (Vonage concat-*). */
	"CREATE TABLE sms_parts ("
	"  gateway TEXT NOT NULL,"
	"  sender TEXT NOT NULL,"
	"  ref TEXT NOT NULL,"
	"  total INTEGER NOT NULL,"
	"  part INTEGER NOT NULL,"
	"  text TEXT NOT NULL,"
	"  received_at INTEGER NOT NULL,"
	"  msg_id TEXT NOT NULL DEFAULT '',"     /* the gateway's id of this part */
	"  joined_at INTEGER NOT NULL DEFAULT 0," /* handled as part of a whole */
	"  PRIMARY KEY (gateway, sender, ref, part));"
	"CREATE INDEX sms_parts_received ON sms_parts(received_at);"
	"PRAGMA user_version = 4;",

	/* 5: the config version (a hash) that routed each complaint. */
	"ALTER TABLE complaints ADD COLUMN config_hash TEXT NOT NULL DEFAULT '';"
	"PRAGMA user_version = 5;",

	/*
	 * 6: fewer index entries per new complaint (perf: writing them was
	 * most of an SMS's time in the store).  complaints_phone served no
	 * query.  Each service-level index holds only the complaints of the
	 * status it is for (a new complaint enters one, not three); the
	 * queries that use them name that status.
	 */
	"DROP INDEX complaints_phone;"
	"DROP INDEX complaints_route_due;"
	"DROP INDEX complaints_followup_due;"
	"DROP INDEX complaints_close_due;"
	"CREATE INDEX complaints_route_due ON complaints(route_due)"
	"  WHERE status = 'received';"
	"CREATE INDEX complaints_followup_due ON complaints(followup_due)"
	"  WHERE status = 'routed';"
	"CREATE INDEX complaints_close_due ON complaints(close_due)"
	"  WHERE status = 'resolved';"
	"PRAGMA user_version = 6;",

	/*
	 * From 7 on, a step creates only what is missing (IF NOT EXISTS), so a
	 * database whose user_version was set back by hand can run it again.
	 *
	 * 7: what a public (Open311) listing filters on.  A service code walks
	 * its own complaints newest first instead of the whole table; closed
	 * ones have a partial index that a new complaint never enters (it is
	 * never closed), so intake writes one index entry more, not two.
	 */
	"CREATE INDEX IF NOT EXISTS complaints_keyword ON complaints(keyword, id);"
	"CREATE INDEX IF NOT EXISTS complaints_closed ON complaints(id)"
	"  WHERE status = 'closed';"
	"PRAGMA user_version = 7;",

	/*
	 * 8: the flood and loop guard, and purges that walk an index.
	 * guard_phones holds one row per phone that wrote lately: its
	 * complaint token bucket, its replies this hour, the hash of its
	 * last text and how often it came in a row, and which limit notice
	 * it got.  guard_texts maps (phone, normalised text) to the first
	 * ticket, for "already received".  Both are read and written in the
	 * message's own transaction, so two copies of a message arriving at
	 * once are decided one after the other, and a restart forgets
	 * nothing.  The purges (handled parts, old sessions, old guard rows)
	 * each get an index on the column they delete by, and the expiry of
	 * waiting parts one over the waiting parts alone.
	 */
	"CREATE TABLE IF NOT EXISTS guard_phones ("
	"  phone TEXT PRIMARY KEY,"
	"  tokens REAL NOT NULL,"
	"  tokens_at INTEGER NOT NULL,"
	"  limited INTEGER NOT NULL DEFAULT 0,"
	"  replies INTEGER NOT NULL DEFAULT 0,"
	"  replies_since INTEGER NOT NULL DEFAULT 0,"
	"  capped INTEGER NOT NULL DEFAULT 0,"
	"  last_hash TEXT NOT NULL DEFAULT '',"
	"  repeats INTEGER NOT NULL DEFAULT 0,"
	"  last_at INTEGER NOT NULL DEFAULT 0,"
	"  updated_at INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS guard_phones_updated ON guard_phones(updated_at);"
	"CREATE TABLE IF NOT EXISTS guard_texts ("
	"  phone TEXT NOT NULL,"
	"  hash TEXT NOT NULL,"
	"  ticket TEXT NOT NULL,"
	"  at INTEGER NOT NULL,"
	"  PRIMARY KEY (phone, hash)) WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS guard_texts_at ON guard_texts(at);"
	"CREATE INDEX IF NOT EXISTS sms_parts_joined ON sms_parts(joined_at) WHERE joined_at > 0;"
	"CREATE INDEX IF NOT EXISTS sms_parts_waiting"
	"  ON sms_parts(gateway, sender, ref, received_at, total)"
	"  WHERE joined_at = 0;"
	"CREATE INDEX IF NOT EXISTS ussd_sessions_updated ON ussd_sessions(updated_at);"
	"PRAGMA user_version = 8;",

	/*
	 * 9: the agency side.  event_details holds what an event says beyond
	 * its status and note, for the events that have any (an agency's, not
	 * the citizen's nor intake's: a new complaint writes no row here): who
	 * acted (by_name: the staff account or the API token's name), whether
	 * the note is internal (kept in the history, never sent to the citizen
	 * nor published), what it did (action: 'returned', 'reopened', or a
	 * rejection's kind) and the agency it moved the ticket to.
	 * complaint_links names the original of a complaint rejected as a
	 * duplicate.  A ticket its reporter reopened is in_progress with a
	 * follow-up due date; the overdue tick finds those through an index of
	 * their own, which a new complaint never enters.  Tables, not columns:
	 * SQLite has no ADD COLUMN IF NOT EXISTS, and this step, like 7 and 8,
	 * must be able to run again.
	 */
	"CREATE TABLE IF NOT EXISTS event_details ("
	"  event_id INTEGER PRIMARY KEY REFERENCES events(id),"
	"  by_name TEXT NOT NULL DEFAULT '',"
	"  internal INTEGER NOT NULL DEFAULT 0,"
	"  action TEXT NOT NULL DEFAULT '',"
	"  to_agency TEXT NOT NULL DEFAULT '');"
	"CREATE TABLE IF NOT EXISTS complaint_links ("
	"  complaint_id INTEGER PRIMARY KEY REFERENCES complaints(id),"
	"  duplicate_of TEXT NOT NULL);"
	"CREATE INDEX IF NOT EXISTS complaints_reopened_due ON complaints(followup_due)"
	"  WHERE status = 'in_progress';"
	"PRAGMA user_version = 9;",

	/*
	 * 10: the web inbox's staff (store.h, "accounts").  accounts: one row
	 * per person, in one agency of the config, with a role and a
	 * password hash (never the password).  sessions: keyed by the
	 * SHA-256 of the cookie's token, so a copy of the database opens no
	 * session; their accounts' rows own them (ON DELETE CASCADE, for
	 * a future delete; disabling ends them in store code), and the
	 * purge walks the two expiry columns.  login_failures: one row per
	 * failed login, by key (login or client address), for the back-off:
	 * counted by (key, at), purged by at.  audit_log: appended only;
	 * listed per complaint and as a whole, newest first.
	 */
	"CREATE TABLE IF NOT EXISTS accounts ("
	"  id INTEGER PRIMARY KEY,"
	"  login TEXT NOT NULL UNIQUE,"
	"  agency TEXT NOT NULL,"
	"  role TEXT NOT NULL CHECK (role IN ('staff', 'supervisor')),"
	"  name TEXT NOT NULL DEFAULT '',"
	"  pw_hash TEXT NOT NULL,"
	"  disabled INTEGER NOT NULL DEFAULT 0,"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS sessions ("
	"  token_sha256 TEXT PRIMARY KEY,"
	"  account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,"
	"  csrf TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  last_seen INTEGER NOT NULL,"
	"  expires_at INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS sessions_account ON sessions(account_id);"
	"CREATE INDEX IF NOT EXISTS sessions_expires ON sessions(expires_at);"
	"CREATE INDEX IF NOT EXISTS sessions_last_seen ON sessions(last_seen);"
	"CREATE TABLE IF NOT EXISTS login_failures ("
	"  id INTEGER PRIMARY KEY,"
	"  key TEXT NOT NULL,"
	"  at INTEGER NOT NULL);"
	"CREATE INDEX IF NOT EXISTS login_failures_key ON login_failures(key, at);"
	"CREATE INDEX IF NOT EXISTS login_failures_at ON login_failures(at);"
	"CREATE TABLE IF NOT EXISTS audit_log ("
	"  id INTEGER PRIMARY KEY,"
	"  at INTEGER NOT NULL,"
	"  login TEXT NOT NULL,"
	"  action TEXT NOT NULL,"
	"  complaint_id INTEGER,"
	"  detail TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX IF NOT EXISTS audit_log_complaint ON audit_log(complaint_id, id)"
	"  WHERE complaint_id IS NOT NULL;"
	"PRAGMA user_version = 10;",

	/*
	 * 11: a ticket's page in the web inbox reads the citizen's messages and
	 * the SMS queued to them by complaint (store/inbox.c's thread): without
	 * these it scanned both tables on every page.  Partial on messages (a
	 * command that opened no ticket has none).
	 */
	"CREATE INDEX IF NOT EXISTS messages_complaint ON messages(complaint_id)"
	"  WHERE complaint_id IS NOT NULL;"
	"CREATE INDEX IF NOT EXISTS outbox_complaint ON outbox(complaint_id)"
	"  WHERE complaint_id IS NOT NULL;"
	"PRAGMA user_version = 11;",

	/*
	 * 12: complaints from partner systems (Open311 POST, agency/open311.c).
	 * complaint_partner: which partner filed a complaint and what else its
	 * request carried (a JSON object: attributes, media_url, contact
	 * fields), kept as long as the complaint.  partner_keys: each
	 * partner's Idempotency-Key and the ticket it created, unique per
	 * partner, written in the same transaction as the ticket; `aduan
	 * purge` drops them with the messages (never younger than
	 * STORE_DEDUP_KEEP).  Tables, not columns, as in 9.
	 */
	"CREATE TABLE IF NOT EXISTS complaint_partner ("
	"  complaint_id INTEGER PRIMARY KEY REFERENCES complaints(id),"
	"  partner TEXT NOT NULL,"
	"  details TEXT);"
	"CREATE TABLE IF NOT EXISTS partner_keys ("
	"  id INTEGER PRIMARY KEY,"
	"  partner TEXT NOT NULL,"
	"  idem_key TEXT NOT NULL,"
	"  ticket TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  UNIQUE(partner, idem_key));"
	"PRAGMA user_version = 12;",

	/*
	 * 13: forwarding to a hub (store.h, "hub").  One row per ticket
	 * forwarded: the hub's service_request_id (or, while the hub has
	 * only given a token, the token), and the following of its status:
	 * what was last applied (seen), when to ask next and the wait that
	 * doubles while nothing changes.  A table, not columns, as in 9: the
	 * step can run again, and the poll walks its own index.
	 */
	"CREATE TABLE IF NOT EXISTS hub_requests ("
	"  complaint_id INTEGER PRIMARY KEY REFERENCES complaints(id),"
	"  hub_id TEXT NOT NULL DEFAULT '',"
	"  token TEXT NOT NULL DEFAULT '',"
	"  forwarded_at INTEGER NOT NULL,"
	"  seen TEXT NOT NULL DEFAULT '',"
	"  next_poll_at INTEGER NOT NULL,"
	"  poll_interval INTEGER NOT NULL);"
	"CREATE INDEX IF NOT EXISTS hub_requests_due ON hub_requests(next_poll_at);"
	"PRAGMA user_version = 13;",

	/*
	 * 14 (issue 18): the text of the message that opened a complaint is
	 * kept once, as the complaint's description: its messages row keeps
	 * '' when the two are the same (store/messages.c, ST_MESSAGE_ADD), and
	 * every reader of the message's text takes the description then
	 * (MESSAGE_TEXT).  Older rows the same way.  A complaint is never
	 * deleted nor its description changed, and purge keeps a ticket's
	 * own messages: the text stays readable for as long as the message.
	 */
	"UPDATE messages SET text = '' WHERE command = 'complaint'"
	"  AND complaint_id IS NOT NULL AND text <> ''"
	"  AND text = (SELECT description FROM complaints WHERE id = messages.complaint_id);"
	"PRAGMA user_version = 14;",
};


/*
 * What each migration does, for the log of an upgrade: migration_what[i]
 * is migrations[i]'s (schema i -> i + 1), in words an operator reads.
 */
static const char *const migration_what[] = {
	"the initial schema: complaints, events, messages, phones",
	"USSD sessions and the outbox",
	"service-level times on complaints, delivery reports on the outbox",
	"long messages in parts",
	"the config version that routed each complaint",
	"fewer indexes per new complaint",
	"indexes for the public (Open311) listings",
	"the flood and loop guard, indexes for the purges",
	"the agency side: event details, duplicate links",
	"the web inbox: accounts, sessions, failed logins, audit log",
	"indexes on messages and outbox by complaint",
	"complaints from partner systems (Open311 POST) and their idempotency keys",
	"forwarding to a hub: the hub's ids and status polls",
	"a complaint's text kept once (in the complaint, not again in its message)",
};

_Static_assert(ARRAY_LEN(migration_what) == ARRAY_LEN(migrations),
    "every migration says what it does");

const char *const db_sql[ST_NSTMTS] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_MEMBER_BEGIN] = "SAVEPOINT store_member",
	[ST_MEMBER_RELEASE] = "RELEASE store_member",
	[ST_MEMBER_UNDO] = "ROLLBACK TO store_member",
	[ST_SAVEPOINT] = "SAVEPOINT store_op",
	[ST_RELEASE] = "RELEASE store_op",
	[ST_ROLLBACK_TO] = "ROLLBACK TO store_op",
	[ST_USER_VERSION] = "PRAGMA user_version",
};

/* Every file's statements: each id is in exactly one of them. */
static const char *const *const sql_tables[] = {
	db_sql, messages_sql, complaints_sql, phones_sql, ussd_sql, outbox_sql,
	listing_sql, parts_sql, reports_sql, guard_sql, accounts_sql, inbox_sql,
	partners_sql,
	hub_sql,
};

/* The SQL of statement id, from the table that has it (a programming error if not one). */
#define sql_of db_sql_of
const char *
sql_of(enum stmt_id id)
{
	const char *sql = NULL;
	size_t i;

	for (i = 0; i < ARRAY_LEN(sql_tables); i++)
		if (sql_tables[i][id] != NULL) {
			if (sql != NULL)
				fatal("store: statement %d has SQL in two files", (int)id);
			sql = sql_tables[i][id];
		}
	if (sql == NULL)
		fatal("store: statement %d has no SQL", (int)id);
	return sql;
}

/* Per thread, so one worker's failure never shows up in another's 503. */
_Thread_local char db_errbuf[512];

void
db_fail(struct store *s, const char *what)
{
	if (s->pg != NULL)
		return;         /* pg.c said what failed, as it failed */
	snprintf(db_errbuf, sizeof db_errbuf, "%s: %s", what, sqlite3_errmsg(s->db));
	(void)commit_batch_lost(s);
}

int
store_db_is_postgres(const char *db)
{
	return db != NULL && pg_is_conninfo(db);
}

void
store_db_display(const char *db, char *out, size_t outsz)
{
	if (store_db_is_postgres(db))
		pg_safe_conninfo(db, out, outsz);
	else
		snprintf(out, outsz, "%s", db != NULL ? db : "");
}

int
store_db_check(const char *db, char *err, size_t errsz)
{
	return store_db_is_postgres(db) ? pg_conninfo_check(db, err, errsz) : 0;
}

const char *
store_errmsg(void)
{
	return db_errbuf;
}

/*
 * This thread's writes give way to a lock held elsewhere (store_give_way);
 * way_depth: how deep it holds the (recursive) store lock, so that only
 * the outermost db_unlock puts the busy timeout back.
 */
static _Thread_local int giving_way, way_depth;

void
store_give_way(void)
{
	giving_way = 1;
}

void
db_lock(struct store *s)
{
	if (s->pg != NULL) {
		pg_hold(s);
		return;
	}
	if (pthread_mutex_lock(&s->lock) != 0)
		fatal("store: cannot take the database lock");
	if (giving_way && way_depth++ == 0)
		sqlite3_busy_timeout(s->db, STORE_GIVE_WAY_MS < s->busy_ms ?
		    STORE_GIVE_WAY_MS : s->busy_ms);
}

void
db_unlock(struct store *s)
{
	if (s->pg != NULL) {
		pg_release(s);
		return;
	}
	if (giving_way && --way_depth == 0)
		sqlite3_busy_timeout(s->db, s->busy_ms);
	if (pthread_mutex_unlock(&s->lock) != 0)
		fatal("store: database lock released by a thread not holding it");
}

int
db_in_tx(struct store *s)
{
	if (s->pg != NULL)
		return pg_in_tx(s);
	return !sqlite3_get_autocommit(s->db);
}

const char *
db_file(struct store *s, const char **wal)
{
	const char *f = s->ldb != NULL ? sqlite3_db_filename(s->ldb, "main") : NULL;

	if (s->pg != NULL) {
		*wal = NULL;
		return NULL;
	}
	*wal = f != NULL && *f != '\0' ? sqlite3_filename_wal(f) : NULL;
	return f;
}

/* PRAGMA user_version, or -1 with the reason in db_errbuf. */
static int
user_version(struct store *s)
{
	struct stmt q;

	stmt_use(&q, s, ST_USER_VERSION, "read schema version");
	return (int)stmt_count(&q);
}

static int
exec_const(struct store *s, const char *sql, const char *what, char *err,
    size_t errsz)
{
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		errf(err, errsz, "%s: %s", what, sqlite3_errmsg(s->db));
		return -1;
	}
	return 0;
}

/*
 * Downgrade protection: an aduan never runs on a schema newer than its own
 * (it would not know the shape of the tables, and an older migration list
 * cannot undo a newer one).  Going back to an older aduan means restoring
 * the backup taken before the upgrade.
 */
#define NEWER_SCHEMA "%s: database schema %d is newer than this aduan knows (%d): " \
	"it was written by a newer aduan; use that one, or to go back to this " \
	"version restore the backup taken before the upgrade (README: Upgrade and rollback)"

/*
 * Brings the schema up to date, one transaction per migration.  The
 * version is read inside the write transaction so two processes opening a
 * fresh file at once cannot both apply the same migration.
 *
 * An upgrade logs each step at info ("store: migrating schema 10 -> 11:
 * what, in FILE") and a summary; a new database one line ("created schema
 * 11"); a current one nothing.
 */
static int
migrate(struct store *s, const char *path, char *err, size_t errsz)
{
	const int latest = (int)ARRAY_LEN(migrations);
	int v, from = -1;
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		if (exec_const(s, "BEGIN IMMEDIATE", "begin migration", err,
		    errsz) == -1)
			return -1;
		if ((v = user_version(s)) == -1) {
			errf(err, errsz, "%s", db_errbuf);
			goto fail;
		}
		if (v > latest) {
			errf(err, errsz, NEWER_SCHEMA, path, v, latest);
			goto fail;
		}
		if (from == -1)
			from = v;
		if (v == latest)
			break;
		if (from > 0)
			log_info("store: migrating schema %d -> %d: %s, in %s", v, v + 1,
			    migration_what[v], path);
		if (exec_const(s, migrations[v], "schema migration", err,
		    errsz) == -1) {
			if (from > 0)
				log_error("store: migration %d -> %d of %s failed, rolled back: "
				    "%s", v, v + 1, path, err);
			goto fail;
		}
		if (user_version(s) != v + 1) {
			/* A migration that forgot its PRAGMA: a bug, not bad data. */
			errf(err, errsz, "schema migration %d did not set "
			    "user_version", v + 1);
			goto fail;
		}
		if (exec_const(s, "COMMIT", "commit migration", err, errsz) == -1)
			goto fail;
	}
	if (exec_const(s, "COMMIT", "end migration", err, errsz) == -1)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (from == 0)
		log_info("store: created schema %d in %s", latest, path);
	else if (from < latest)
		log_info("store: %s migrated from schema %d to %d in %d step%s, %.2f s",
		    path, from, latest, latest - from, latest - from == 1 ? "" : "s",
		    (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return 0;

fail:
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/*
 * For a read-only open: the schema must be the one this binary knows.
 * Migrating is for the service that owns the file (it may be an older
 * aduan, still serving); a report must neither change the file under it
 * nor read tables whose shape it does not know.
 */
static int
schema_current(struct store *s, const char *path, char *err, size_t errsz)
{
	const int latest = (int)ARRAY_LEN(migrations);
	int v;

	if ((v = user_version(s)) == -1) {
		errf(err, errsz, "%s: %s", path, db_errbuf);
		return -1;
	}
	if (v < latest) {
		errf(err, errsz, "%s: database schema %d is older than this aduan's %d; "
		    "this command does not migrate: run this aduan's serve "
		    "on the database once (it migrates on start), or use the aduan that "
		    "wrote it", path, v, latest);
		return -1;
	}
	if (v > latest) {
		errf(err, errsz, NEWER_SCHEMA, path, v, latest);
		return -1;
	}
	return 0;
}

/* Sets WAL and checks it took: SQLite answers with the mode it is in. */
static int
set_wal(struct store *s, const char *path, char *err, size_t errsz)
{
	sqlite3_stmt *st = NULL;
	const char *mode;
	int rc, ret = -1;

	if (sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = WAL", -1, &st,
	    NULL) != SQLITE_OK) {
		errf(err, errsz, "%s: %s", path, sqlite3_errmsg(s->db));
		return -1;
	}
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		errf(err, errsz, "%s: %s", path, sqlite3_errmsg(s->db));
		goto out;
	}
	mode = (const char *)sqlite3_column_text(st, 0);
	if (mode == NULL || strcmp(mode, "wal") != 0) {
		errf(err, errsz, "%s: journal_mode is %s, not wal", path,
		    mode != NULL ? mode : "unknown");
		goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(st);
	return ret;
}

int
db_open_reader(const char *path, sqlite3 **db)
{
	if (sqlite3_open_v2(path, db, SQLITE_OPEN_READONLY | SQLITE_OPEN_FULLMUTEX |
	    SQLITE_OPEN_URI, NULL) != SQLITE_OK)
		return -1;
	sqlite3_busy_timeout(*db, 2000);
	return 0;
}

/* The read-only connection of store_message_seen(), once the schema is there. */
static int
reader_open(struct store *s, const char *path, char *err, size_t errsz)
{
	if (pthread_mutex_init(&s->rlock, NULL) != 0) {
		errf(err, errsz, "cannot create the reader's lock");
		return -1;
	}
	s->rlock_ready = 1;
	if (db_open_reader(path, &s->rdb) == -1 ||
	    sqlite3_prepare_v3(s->rdb, sql_of(ST_MESSAGE_FIND), -1, SQLITE_PREPARE_PERSISTENT,
	    &s->rfind, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(s->rdb, ussd_peek_sql, -1, SQLITE_PREPARE_PERSISTENT,
	    &s->rpeek, NULL) != SQLITE_OK) {
		errf(err, errsz, "%s: reading connection: %s", path,
		    s->rdb != NULL ? sqlite3_errmsg(s->rdb) : "out of memory");
		return -1;
	}
	return 0;
}

#define STR_(x) #x
#define STR(x) STR_(x)

/* The main connection's pragmas, before anything reads the schema. */
static int
pragmas(struct store *s, const char *path, const struct store_options *opt, int ro,
    char *err, size_t errsz)
{
	/*
	 * The first statement that reads the file: "not a database" shows here.
	 * Read-only: the journal mode is the owner's; query_only makes any
	 * write through this connection an error, not a change.
	 */
	if (ro ? exec_const(s, "PRAGMA query_only = ON", "open read-only", err,
	    errsz) == -1 : set_wal(s, path, err, errsz) == -1)
		return -1;
	if (exec_const(s, opt == NULL || opt->sync_full ?
	    "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL",
	    "set synchronous", err, errsz) == -1)
		return -1;
	if (exec_const(s, "PRAGMA foreign_keys = ON", "enable foreign keys",
	    err, errsz) == -1)
		return -1;
	/*
	 * SQLite's own checkpoints at WAL_CHECKPOINT_PAGES until the checkpoint
	 * thread's hook replaces them (ckpt_start, after the migrations).
	 */
	if (!ro && exec_const(s, "PRAGMA wal_autocheckpoint = " STR(WAL_CHECKPOINT_PAGES),
	    "set the checkpoint interval", err, errsz) == -1)
		return -1;
	/*
	 * Statement journals (savepoints inside a transaction) in memory: as
	 * files, every message created and deleted one (perf: a fifth of the
	 * time of an SMS went to open, close and evicting inodes).
	 */
	if (exec_const(s, "PRAGMA temp_store = MEMORY", "keep temporary data in memory",
	    err, errsz) == -1)
		return -1;
	return 0;
}

/* Prepares every statement not prepared yet, from the files' SQL tables. */
static int
prepare_all(struct store *s, char *err, size_t errsz)
{
	int i;

	for (i = 0; i < ST_NSTMTS; i++) {
		if (s->st[i] != NULL)
			continue;
		if (sqlite3_prepare_v3(s->db, sql_of((enum stmt_id)i), -1,
		    SQLITE_PREPARE_PERSISTENT, &s->st[i], NULL) != SQLITE_OK) {
			errf(err, errsz, "prepare \"%s\": %s", sql_of((enum stmt_id)i),
			    sqlite3_errmsg(s->db));
			return -1;
		}
	}
	return 0;
}

/*
 * Why a database that SQLite would not open or write cannot be used, when
 * the reason is its directory: SQLite's errno is that of its last probe
 * (often ENOENT, of a -journal or -wal that is not there), not the real
 * cause.  A writer needs the directory writable for its -wal and -shm
 * files.  0 and err set when the directory is the reason; -1 otherwise.
 */
static int
dir_reason(const char *path, char *err, size_t errsz)
{
	char dir[PATH_MAX];
	struct stat st;

	if (strncmp(path, "file:", 5) == 0 || strcmp(path, ":memory:") == 0 ||
	    path_dir(dir, sizeof dir, path) != 0)
		return -1;
	if (stat(dir, &st) == -1) {
		errf(err, errsz, "cannot open database %s: its directory %s: %s", path, dir,
		    strerror(errno));
		return 0;
	}
	if (!S_ISDIR(st.st_mode)) {
		errf(err, errsz, "cannot open database %s: %s is not a directory", path, dir);
		return 0;
	}
	if (access(dir, W_OK | X_OK) == -1) {
		errf(err, errsz, "cannot open database %s: its directory %s is not writable (%s); "
		    "aduan needs to create the database and its -wal and -shm files there",
		    path, dir, strerror(errno));
		return 0;
	}
	return -1;
}

/*
 * Once, before SQLite's first use: no memory statistics.  With them every
 * allocation of SQLite, in every thread, takes one global mutex (perf: the
 * writer thread's mutex calls were a tenth of its time, and it queued
 * there behind the HTTP threads' reading connection).  Nothing in Aduan
 * reads sqlite3_memory_used() or sqlite3_status().  Too late (SQLite
 * already initialised by someone else): it stays as it is.
 */
static pthread_once_t sqlite_once = PTHREAD_ONCE_INIT;

static void
sqlite_setup(void)
{
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/* ---- PostgreSQL ----------------------------------------------------------- */

/*
 * The schema on PostgreSQL, from the same migrations[] (pg_ddl translates
 * their DDL: pg.c).  The version is the one row of schema_version (SQLite:
 * PRAGMA user_version).  Several nodes starting at once: each takes the
 * same transaction-level advisory lock first, so one migrates and the
 * others wait, then find the schema current.  All steps in one
 * transaction: PostgreSQL's DDL is transactional.
 */
#define PG_MIGRATE_LOCK "SELECT pg_advisory_xact_lock(1097102689)"      /* "Adua" */

static int
pg_migrate(struct store *s, const char *name, int migrate, char *err, size_t errsz)
{
	const int latest = (int)ARRAY_LEN(migrations);
	long long v;
	int from, i;
	char *ddl;

	if (pg_script(s, "BEGIN", "begin migration", err, errsz) == -1)
		return -1;
	if (migrate && (pg_script(s, PG_MIGRATE_LOCK, "lock for migration", err, errsz) == -1 ||
	    pg_script(s, "CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL);"
	    "INSERT INTO schema_version SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM schema_version)",
	    "create schema_version", err, errsz) == -1))
		goto fail;
	if ((v = pg_one_int(s, "SELECT version FROM schema_version", "read schema version")) < 0) {
		errf(err, errsz, "%s: %s", name, db_errbuf);
		goto fail;
	}
	from = (int)v;
	if (from > latest) {
		errf(err, errsz, NEWER_SCHEMA, name, from, latest);
		goto fail;
	}
	if (!migrate && from < latest) {
		errf(err, errsz, "%s: database schema %d is older than this aduan's %d; "
		    "start `aduan serve` once to migrate it", name, from, latest);
		goto fail;
	}
	for (i = from; i < latest; i++) {
		if (from > 0)
			log_info("store: migrating schema %d -> %d: %s, in %s", i, i + 1,
			    migration_what[i], name);
		ddl = pg_ddl(migrations[i]);
		if (pg_script(s, ddl, "schema migration", err, errsz) == -1) {
			free(ddl);
			goto fail;
		}
		free(ddl);
	}
	if (pg_script(s, "COMMIT", "commit migration", err, errsz) == -1)
		return -1;
	if (from == 0)
		log_info("store: created schema %d in %s", latest, name);
	else if (from < latest)
		log_info("store: %s migrated from schema %d to %d", name, from, latest);
	return 0;

fail:
	(void)pg_script(s, "ROLLBACK", "roll back migration", NULL, 0);
	return -1;
}

static struct store *
pg_store_open(const char *conninfo, const struct store_options *opt, char *err, size_t errsz)
{
	struct store *s = xcalloc(1, sizeof *s);
	char name[512];
	int ro = opt != NULL && opt->read_only;

	pg_safe_conninfo(conninfo, name, sizeof name);
	s->pg = pg_pool_new(conninfo, opt != NULL ? opt->pool_size : 0, ro);
	pg_hold(s);
	if (pg_current(s) == NULL) {
		errf(err, errsz, "%s: %s", name, db_errbuf);
		goto fail;
	}
	if (pg_migrate(s, name, !(ro || (opt != NULL && opt->no_migrate)), err, errsz) == -1)
		goto fail;
	if (pg_prepare_all(s, err, errsz) == -1)
		goto fail;
	pg_release(s);
	return s;

fail:
	pg_release(s);
	store_close(s);
	return NULL;
}

struct store *
store_open(const char *path, const struct store_options *opt, char *err,
    size_t errsz)
{
	pthread_mutexattr_t attr;
	struct store *s;
	char why[PATH_MAX + 256];
	int rc, eno, ro = opt != NULL && opt->read_only;

	(void)pthread_once(&sqlite_once, sqlite_setup);
	errf(err, errsz, "%s", "");
	if (path == NULL || *path == '\0') {
		errf(err, errsz, "no database path given");
		return NULL;
	}
	if (pg_is_conninfo(path))
		return pg_store_open(path, opt, err, errsz);
	s = xcalloc(1, sizeof *s);
	if (pthread_mutexattr_init(&attr) != 0 ||
	    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE) != 0 ||
	    pthread_mutex_init(&s->lock, &attr) != 0) {
		errf(err, errsz, "cannot create the database lock");
		pthread_mutexattr_destroy(&attr);
		free(s);
		return NULL;
	}
	pthread_mutexattr_destroy(&attr);
	s->lock_ready = 1;

	rc = sqlite3_open_v2(path, &s->db, (ro ? SQLITE_OPEN_READONLY :
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_URI,
	    !ro && (opt == NULL || opt->sync_full) ? walbuf_vfs() : NULL);
	if (rc != SQLITE_OK) {
		/* SQLite's "unable to open database file" alone does not say why. */
		eno = s->db != NULL ? sqlite3_system_errno(s->db) : 0;
		errf(err, errsz, "cannot open database %s: %s%s%s%s", path,
		    s->db != NULL ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc),
		    eno ? " (" : "", eno ? strerror(eno) : "", eno ? ")" : "");
		goto fail;
	}
	s->busy_ms = opt != NULL ? opt->busy_timeout_ms : 5000;
	sqlite3_busy_timeout(s->db, s->busy_ms);

	if (pragmas(s, path, opt, ro, err, errsz) == -1)
		goto fail;

	/* migrate() needs the user_version statement; the rest need the schema. */
	if (sqlite3_prepare_v3(s->db, db_sql[ST_USER_VERSION], -1,
	    SQLITE_PREPARE_PERSISTENT, &s->st[ST_USER_VERSION], NULL) != SQLITE_OK) {
		errf(err, errsz, "%s: %s", path, sqlite3_errmsg(s->db));
		goto fail;
	}
	if ((ro || (opt != NULL && opt->no_migrate) ? schema_current(s, path, err, errsz) :
	    migrate(s, path, err, errsz)) == -1)
		goto fail;
	if (prepare_all(s, err, errsz) == -1)
		goto fail;
	if (reader_open(s, path, err, errsz) == -1)
		goto fail;
	if (listing_open(s, path, err, errsz) == -1)
		goto fail;
	if (!ro && ckpt_start(s, path, err, errsz) == -1)
		goto fail;
	if (commit_start(s, err, errsz) == -1)
		goto fail;
	return s;

fail:
	/* SQLite's words, with its errno of a mere probe, would mislead. */
	if (!ro && dir_reason(path, why, sizeof why) == 0)
		errf(err, errsz, "%s", why);
	store_close(s);
	return NULL;
}

const char *
store_writer_vfs(void)
{
	return walbuf_vfs();
}

void
store_close(struct store *s)
{
	int i;

	if (s == NULL)
		return;
	if (s->pg != NULL) {
		pg_pool_free(s->pg);
		free(s);
		return;
	}
	/* The committer commits what is open, then stops. */
	commit_stop(s);
	ckpt_stop(s);
	for (i = 0; i < ST_NSTMTS; i++)
		sqlite3_finalize(s->st[i]);
	sqlite3_finalize(s->rfind);
	sqlite3_finalize(s->rpeek);
	sqlite3_close(s->rdb);
	if (s->rlock_ready)
		pthread_mutex_destroy(&s->rlock);
	listing_close(s);
	/* Every statement is finalized, so this closes for real (and checkpoints). */
	sqlite3_close(s->db);
	if (s->lock_ready)
		pthread_mutex_destroy(&s->lock);
	free(s);
}

int
store_schema_version(struct store *s)
{
	int v;

	db_lock(s);
	v = user_version(s);
	db_unlock(s);
	return v;
}


/* The statements store_plan() explains, by the names its callers use. */
static const struct {
	const char *name;
	enum stmt_id id;
} planned[] = {
	{ "message_find", ST_MESSAGE_FIND },
	{ "message_add", ST_MESSAGE_ADD },
	{ "ussd_purge", ST_USSD_PURGE },
	{ "parts_purge", ST_PARTS_PURGE },
	{ "parts_expired", ST_PARTS_EXPIRED },
	{ "parts_forget", ST_PARTS_FORGET },
	{ "guard_get", ST_GUARD_GET },
	{ "guard_text_find", ST_GUARD_TEXT_FIND },
	{ "guard_purge", ST_GUARD_PURGE },
	{ "guard_texts_purge", ST_GUARD_TEXTS_PURGE },
	{ "session_get", ST_SESSION_GET },
	{ "session_purge", ST_SESSION_PURGE },
	{ "login_failures", ST_LOGIN_FAILURES },
	{ "login_failures_purge", ST_LOGIN_FAILURES_PURGE },
	{ "audit_list_complaint", ST_AUDIT_LIST_COMPLAINT },
	{ "inbox_thread", ST_INBOX_THREAD },
};

int
db_explain(sqlite3 *db, const char *sql, const char *sep, char *out, size_t outsz)
{
	sqlite3_stmt *st = NULL;
	size_t len = 0, n = strlen(sql);
	char *explain = xmalloc(n + 20);
	int rc = SQLITE_ERROR;

	out[0] = '\0';
	memcpy(explain, "EXPLAIN QUERY PLAN ", 19);
	memcpy(explain + 19, sql, n + 1);
	if (sqlite3_prepare_v2(db, explain, -1, &st, NULL) == SQLITE_OK)
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			const char *d = (const char *)sqlite3_column_text(st, 3);
			int w = snprintf(out + len, outsz - len, "%s%s", len > 0 ? sep : "",
			    d != NULL ? d : "");

			if (w < 0 || (size_t)w >= outsz - len)
				break;
			len += (size_t)w;
		}
	sqlite3_finalize(st);
	free(explain);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int
store_plan(struct store *s, const char *name, char *buf, size_t bufsz)
{
	size_t i;
	int ret;

	if (bufsz == 0)
		return -1;
	buf[0] = '\0';
	for (i = 0; i < ARRAY_LEN(planned); i++)
		if (strcmp(planned[i].name, name) == 0)
			break;
	if (i == ARRAY_LEN(planned)) {
		snprintf(db_errbuf, sizeof db_errbuf, "no statement named %s", name);
		return -1;
	}
	if (s->pg != NULL) {
		snprintf(db_errbuf, sizeof db_errbuf, "store_plan: SQLite only (on "
		    "PostgreSQL use EXPLAIN in psql)");
		return -1;
	}
	db_lock(s);
	if ((ret = db_explain(s->db, sqlite3_sql(s->st[planned[i].id]), "\n", buf, bufsz)) == -1)
		db_fail(s, "explain a statement");
	db_unlock(s);
	return ret;
}


/* ---- health ------------------------------------------------------------- */

/*
 * What /healthz writes: the file's application_id ("Adua"), always the
 * same value, so after the first check it changes nothing, yet it dirties
 * the header page, which the commit then appends to the WAL and syncs
 * like any transaction's pages.
 */
#define HEALTH_WRITE "PRAGMA application_id = 1097102689"

static int
health_tx(struct store *s, void *arg)
{
	(void)arg;
	if (sqlite3_exec(s->db, HEALTH_WRITE, NULL, NULL, NULL) != SQLITE_OK) {
		db_fail(s, "write the health mark");
		return -1;
	}
	return 0;
}

int
store_writable(struct store *s)
{
	/*
	 * A real write, through the writer, committed with the next batch:
	 * 1 only once it is on disk.  Taking the write lock and letting it go
	 * proved nothing: a read-only or full file, or one deleted while
	 * open, takes the lock and fails at the commit.
	 *
	 * PostgreSQL: a SELECT 1 on a pooled connection (a broken one is
	 * dropped and a new one opened, within connect_timeout).
	 */
	if (s->pg != NULL) {
		long long v;

		pg_hold(s);
		v = pg_one_int(s, "SELECT 1", "health check");
		pg_release(s);
		return v == 1;
	}
	return store_run(s, health_tx, NULL) == 0;
}
