/*
 * store: Aduan's SQLite backend, the only file that includes <sqlite3.h>.
 *
 * One connection is shared by every thread.  A recursive mutex serialises
 * them: store_begin() takes it and keeps it until commit or rollback, so a
 * transaction runs alone, and every other function takes it around its own
 * statements (recursive, so it also works inside a transaction).  A
 * transaction given to store_run() is run by the committer thread itself,
 * which holds the mutex while it runs the queued ones back to back.  Statements are prepared once at open, bound with
 * parameters, and reset after each use so none keeps a read snapshot open.
 *
 * Writes that touch two rows (a complaint and its first event, an event
 * and the complaint's status) run inside a savepoint, so even a caller
 * that did not open a transaction never leaves half of them stored.
 */
#include "store/store.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sys/resource.h>

#include <sqlite3.h>

#include "util/log.h"
#include "util/util.h"

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
};

/* The filters of both listing statements (after their agency condition). */
#define LIST_FILTERS \
	" AND (?2 IS NULL OR status = ?2)" \
	" AND (?3 = 0" \
	" OR (?3 = 1 AND status NOT IN " FINAL_STATUSES ")" \
	" OR (?3 = -1 AND status IN " FINAL_STATUSES "))" \
	" AND (?4 IS NULL OR keyword = ?4)" \
	" AND (?5 = 0 OR updated_at >= ?5)" \
	" AND (?6 = 0 OR created_at >= ?6)" \
	" AND (?7 = 0 OR created_at < ?7)" \
	" AND id < ?8" \
	" ORDER BY id DESC LIMIT ?9"

enum stmt_id {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_MEMBER_BEGIN,
	ST_MEMBER_RELEASE,
	ST_MEMBER_UNDO,
	ST_SAVEPOINT,
	ST_RELEASE,
	ST_ROLLBACK_TO,
	ST_USER_VERSION,
	ST_MESSAGE_FIND,
	ST_MESSAGE_ADD,
	ST_TICKET_EXISTS,
	ST_COMPLAINT_ADD,
	ST_COMPLAINT_GET,
	ST_COMPLAINT_COUNT,
	ST_EVENT_ADD,
	ST_COMPLAINT_TOUCH,
	ST_LAST_NOTE,
	ST_PHONE_GET,
	ST_PHONE_SET,
	ST_USSD_GET,
	ST_USSD_PUT,
	ST_USSD_RESUMABLE,
	ST_USSD_PURGE,
	ST_OUTBOX_ADD,
	ST_OUTBOX_PENDING,
	ST_OUTBOX_DUE,
	ST_OUTBOX_LEASE,
	ST_OUTBOX_SENT,
	ST_OUTBOX_PROVIDER,
	ST_OUTBOX_RETRY,
	ST_OUTBOX_DEAD,
	ST_OUTBOX_REQUEUE,
	ST_OUTBOX_EACH,
	ST_OUTBOX_COUNT,
	ST_OUTBOX_DLR,
	ST_COMPLAINT_LIST,
	ST_COMPLAINT_LIST_AGENCY,
	ST_EVENTS_LIST,
	ST_COMPLAINT_SET_AGENCY,
	ST_COMPLAINT_SET_SLA,
	ST_COMPLAINT_OVERDUE,
	ST_COMPLAINT_AUTOCLOSE,
	ST_PART_ADD,
	ST_PART_FIND,
	ST_PARTS_GET,
	ST_PARTS_DELETE,
	ST_PARTS_FORGET,
	ST_PARTS_PURGE,
	ST_PARTS_EXPIRED,
	ST_COMPLAINT_MESSAGES,
	ST_STATS_TOTALS,
	ST_STATS_BY_AGENCY,
	ST_STATS_BY_KEYWORD,
	ST_STATS_BY_CHANNEL,
	ST_STATS_RESPONSES,
	ST_STATS_OVERDUE,
	ST_GUARD_GET,
	ST_GUARD_PUT,
	ST_GUARD_TEXT_FIND,
	ST_GUARD_TEXT_PUT,
	ST_GUARD_PURGE,
	ST_GUARD_TEXTS_PURGE,
	ST_NSTMTS
};

/* The complaint columns in struct store_complaint order: complaint_row(). */
#define COMPLAINT_COLS \
	"id, ticket, phone, channel, keyword, agency, region, status, lang," \
	" location, description, route_explain, created_at, updated_at," \
	" routed_at, route_due, followup_due, close_due, reminded_at, config_hash"

/* The outbox columns in struct store_outbox_row order: outbox_row(). */
#define OUTBOX_COLS \
	"id, kind, recipient, body, idem_key, complaint_id, state, attempts," \
	" next_attempt_at, last_error, provider_id, dlr_state, created_at," \
	" updated_at"

/* The statuses after which nothing more happens to a complaint. */
#define FINAL_STATUSES "('closed', 'rejected', 'withdrawn')"

/* The session columns in struct store_ussd order: ussd_row() reads them so. */
#define USSD_COLS \
	"gateway, id, phone, state, lang, page, rule, location, description," \
	" resume_to, resumable, done, complaint_id, last_text, last_response," \
	" created_at, updated_at"

static const char *const stmt_sql[ST_NSTMTS] = {
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
	/*
	 * A gateway id is one sender's: a gateway that reuses an id for
	 * another phone (a restarted counter) must not hand that phone the
	 * first one's reply.  The message of a second sender is kept under
	 * "<id>/<sender>" (ST_MESSAGE_ADD), which the unique (gateway, gw_id)
	 * index finds as well; ?3 NULL matches any sender on the plain id.
	 */
	[ST_MESSAGE_FIND] =
	    "SELECT reply FROM messages WHERE gateway = ?1"
	    " AND gw_id IN (?2, ?2 || '/' || ?3) AND (?3 IS NULL OR sender = ?3)",
	/* DO NOTHING rather than catching the error: a retried callback is normal. */
	[ST_MESSAGE_ADD] =
	    "INSERT INTO messages (gateway, gw_id, sender, receiver, text,"
	    " command, reply, complaint_id, received_at)"
	    " VALUES (?1, CASE WHEN EXISTS (SELECT 1 FROM messages"
	    "  WHERE gateway = ?1 AND gw_id = ?2 AND sender <> ?3)"
	    "  THEN ?2 || '/' || ?3 ELSE ?2 END, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
	    " ON CONFLICT (gateway, gw_id) DO NOTHING",
	[ST_TICKET_EXISTS] = "SELECT 1 FROM complaints WHERE ticket = ?1",
	[ST_COMPLAINT_ADD] =
	    "INSERT INTO complaints (ticket, phone, channel, keyword, agency,"
	    " region, status, lang, location, description, route_explain,"
	    " created_at, updated_at, routed_at, route_due, followup_due,"
	    " close_due, reminded_at, config_hash)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12,"
	    " ?13, ?14, ?15, ?16, ?17, ?18)",
	[ST_COMPLAINT_GET] =
	    "SELECT " COMPLAINT_COLS " FROM complaints WHERE ticket = ?1",
	[ST_COMPLAINT_COUNT] = "SELECT count(*) FROM complaints",
	[ST_EVENT_ADD] =
	    "INSERT INTO events (complaint_id, at, actor, status, note)"
	    " VALUES (?1, ?2, ?3, ?4, ?5)",
	/* A NULL status is a note only: keep the status, move updated_at. */
	[ST_COMPLAINT_TOUCH] =
	    "UPDATE complaints SET status = coalesce(?3, status), updated_at = ?2"
	    " WHERE id = ?1",
	[ST_LAST_NOTE] =
	    "SELECT note FROM events WHERE complaint_id = ?1"
	    " AND actor NOT IN ('citizen', 'aduan') AND note IS NOT NULL AND note <> ''"
	    " ORDER BY at DESC, id DESC LIMIT 1",
	[ST_PHONE_GET] = "SELECT notify, lang FROM phones WHERE phone = ?1",
	/* NULL for ?2 or ?3 means "leave as it is" (default on a new row). */
	[ST_PHONE_SET] =
	    "INSERT INTO phones (phone, notify, lang, updated_at)"
	    " VALUES (?1, coalesce(?2, 1), coalesce(?3, ''), ?4)"
	    " ON CONFLICT (phone) DO UPDATE SET"
	    " notify = coalesce(?2, notify), lang = coalesce(?3, lang),"
	    " updated_at = ?4",
	[ST_USSD_GET] =
	    "SELECT " USSD_COLS " FROM ussd_sessions WHERE gateway = ?1 AND id = ?2",
	/* The whole row but created_at, which stays the first request's. */
	[ST_USSD_PUT] =
	    "INSERT INTO ussd_sessions (" USSD_COLS ")"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
	    " ?14, ?15, ?16, ?17)"
	    " ON CONFLICT (gateway, id) DO UPDATE SET"
	    " phone = excluded.phone, state = excluded.state,"
	    " lang = excluded.lang, page = excluded.page, rule = excluded.rule,"
	    " location = excluded.location, description = excluded.description,"
	    " resume_to = excluded.resume_to, resumable = excluded.resumable,"
	    " done = excluded.done, complaint_id = excluded.complaint_id,"
	    " last_text = excluded.last_text,"
	    " last_response = excluded.last_response,"
	    " updated_at = excluded.updated_at",
	/* Same updated_at: the session inserted later wins. */
	[ST_USSD_RESUMABLE] =
	    "SELECT " USSD_COLS " FROM ussd_sessions"
	    " WHERE phone = ?1 AND gateway = ?2 AND id <> ?3 AND resumable = 1"
	    " AND done = 0 AND updated_at >= ?4"
	    " ORDER BY updated_at DESC, rowid DESC LIMIT 1",
	/* In batches of ?2, along ussd_sessions_updated: a step never waits long. */
	[ST_USSD_PURGE] =
	    "DELETE FROM ussd_sessions WHERE rowid IN (SELECT rowid FROM ussd_sessions"
	    " WHERE updated_at < ?1 LIMIT ?2)",
	/* Due at once: next_attempt_at is the time it was queued. */
	[ST_OUTBOX_ADD] =
	    "INSERT INTO outbox (kind, recipient, body, idem_key, complaint_id,"
	    " state, attempts, next_attempt_at, created_at, updated_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, 'pending', 0, ?6, ?6, ?6)"
	    " ON CONFLICT (idem_key) DO NOTHING",
	/* A NULL kind counts every kind. */
	[ST_OUTBOX_PENDING] =
	    "SELECT count(*) FROM outbox WHERE state = 'pending'"
	    " AND (?1 IS NULL OR kind = ?1)",
	/*
	 * Due rows: pending ones whose time has come, and sending ones whose
	 * lease ran out (the worker died).  Read whole before any is leased:
	 * leasing moves next_attempt_at, a column of the index being walked.
	 */
	[ST_OUTBOX_DUE] =
	    "SELECT " OUTBOX_COLS " FROM outbox"
	    " WHERE state IN ('pending', 'sending') AND next_attempt_at <= ?1"
	    " ORDER BY next_attempt_at, id LIMIT ?2",
	[ST_OUTBOX_LEASE] =
	    "UPDATE outbox SET state = 'sending', next_attempt_at = ?2,"
	    " updated_at = ?3 WHERE id = ?1",
	/* No provider id keeps the one there ('' unless sent before). */
	/* The successful attempt counts too, and the last failure is history. */
	[ST_OUTBOX_SENT] =
	    "UPDATE outbox SET state = 'sent', provider_id = coalesce(?3, provider_id),"
	    " attempts = attempts + 1, last_error = NULL, updated_at = ?2 WHERE id = ?1",
	[ST_OUTBOX_PROVIDER] = "UPDATE outbox SET provider_id = ?2 WHERE id = ?1",
	[ST_OUTBOX_RETRY] =
	    "UPDATE outbox SET state = 'pending', attempts = attempts + 1,"
	    " next_attempt_at = ?3, last_error = ?4, updated_at = ?2 WHERE id = ?1",
	[ST_OUTBOX_DEAD] =
	    "UPDATE outbox SET state = 'dead', attempts = attempts + 1,"
	    " last_error = ?3, updated_at = ?2 WHERE id = ?1",
	/* last_error stays: it says why the row died until it is tried again. */
	[ST_OUTBOX_REQUEUE] =
	    "UPDATE outbox SET state = 'pending', attempts = 0,"
	    " next_attempt_at = ?2, updated_at = ?2 WHERE id = ?1 AND state = 'dead'",
	[ST_OUTBOX_EACH] =
	    "SELECT " OUTBOX_COLS " FROM outbox WHERE (?1 IS NULL OR state = ?1)"
	    " ORDER BY id DESC LIMIT ?2",
	[ST_OUTBOX_COUNT] =
	    "SELECT count(*) FROM outbox WHERE (?1 IS NULL OR state = ?1)",
	/* A row never sent has provider_id '': no report can be for it. */
	/*
	 * Reports may arrive out of order ("Sent" after "Success"): a final
	 * state is never replaced by an intermediate one.
	 */
	[ST_OUTBOX_DLR] =
	    "UPDATE outbox SET dlr_state = ?2, updated_at = ?3"
	    " WHERE provider_id = ?1 AND provider_id <> ''"
	    " AND (dlr_state NOT IN ('delivered', 'failed', 'rejected')"
	    "  OR ?2 IN ('delivered', 'failed', 'rejected'))",
	/*
	 * Listing (run on the reading connection, see store_complaint_list).
	 * Every filter is a parameter that switches itself off (NULL or 0),
	 * so one fixed statement serves every combination; ?3 is the "open"
	 * filter (1 open only, -1 final only, 0 any).  No SQL is built at
	 * run time.  The planner cannot know which filters are off, so it
	 * walks the primary key downwards from the cursor and stops at the
	 * limit: cheap for the usual pages, a longer scan for a filter that
	 * matches few rows.  The cursor ?8 is always bound (INT64_MAX for
	 * "from the newest"), not switched off like the others, so that walk
	 * starts at the cursor instead of skipping every newer row.
	 */
	[ST_COMPLAINT_LIST] =
	    "SELECT " COMPLAINT_COLS " FROM complaints"
	    " WHERE (?1 IS NULL OR agency = ?1)" LIST_FILTERS,
	/*
	 * The same for one agency (the agency API always names one): it
	 * walks that agency's part of complaints_agency (agency, id) instead
	 * of every complaint, so a quiet agency's page costs its own rows.
	 */
	[ST_COMPLAINT_LIST_AGENCY] =
	    "SELECT " COMPLAINT_COLS " FROM complaints"
	    " WHERE agency = ?1" LIST_FILTERS,
	[ST_EVENTS_LIST] =
	    "SELECT id, at, actor, status, note FROM events"
	    " WHERE complaint_id = ?1 ORDER BY at, id LIMIT ?2",
	[ST_COMPLAINT_SET_AGENCY] =
	    "UPDATE complaints SET agency = ?2, updated_at = ?3 WHERE id = ?1",
	/* A negative time leaves its column alone; 0 clears it. */
	[ST_COMPLAINT_SET_SLA] =
	    "UPDATE complaints SET"
	    " routed_at = CASE WHEN ?2 < 0 THEN routed_at ELSE ?2 END,"
	    " route_due = CASE WHEN ?3 < 0 THEN route_due ELSE ?3 END,"
	    " followup_due = CASE WHEN ?4 < 0 THEN followup_due ELSE ?4 END,"
	    " close_due = CASE WHEN ?5 < 0 THEN close_due ELSE ?5 END,"
	    " reminded_at = CASE WHEN ?6 < 0 THEN reminded_at ELSE ?6 END"
	    " WHERE id = ?1",
	[ST_COMPLAINT_OVERDUE] =
	    "SELECT " COMPLAINT_COLS " FROM complaints WHERE reminded_at = 0"
	    " AND ((status = 'received' AND route_due > 0 AND route_due < ?1)"
	    " OR (status = 'routed' AND followup_due > 0 AND followup_due < ?1))"
	    " ORDER BY id LIMIT ?2",
	[ST_COMPLAINT_AUTOCLOSE] =
	    "SELECT " COMPLAINT_COLS " FROM complaints WHERE status = 'resolved'"
	    " AND close_due > 0 AND close_due <= ?1 ORDER BY id LIMIT ?2",
	[ST_PART_ADD] =
	    "INSERT INTO sms_parts (gateway, sender, ref, total, part, text, received_at, msg_id)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, coalesce(?8, ''))",
	[ST_PART_FIND] =
	    "SELECT msg_id, joined_at FROM sms_parts"
	    " WHERE gateway = ?1 AND sender = ?2 AND ref = ?3 AND part = ?4",
	[ST_PARTS_GET] =
	    "SELECT part, total, text, received_at FROM sms_parts"
	    " WHERE gateway = ?1 AND sender = ?2 AND ref = ?3 AND joined_at = 0 ORDER BY part",
	[ST_PARTS_DELETE] =
	    "UPDATE sms_parts SET joined_at = ?4"
	    " WHERE gateway = ?1 AND sender = ?2 AND ref = ?3 AND joined_at = 0",
	/*
	 * Only the handled message's parts: a part of the new message that
	 * came before (out of order) stays.
	 */
	[ST_PARTS_FORGET] =
	    "DELETE FROM sms_parts WHERE gateway = ?1 AND sender = ?2 AND ref = ?3"
	    " AND joined_at > 0",
	/* In batches of ?2, along sms_parts_joined. */
	[ST_PARTS_PURGE] =
	    "DELETE FROM sms_parts WHERE rowid IN (SELECT rowid FROM sms_parts"
	    " WHERE joined_at > 0 AND joined_at < ?1 LIMIT ?2)",
	/* Walks sms_parts_waiting: the waiting parts, never the handled history. */
	[ST_PARTS_EXPIRED] =
	    "SELECT gateway, sender, ref, min(received_at) AS first FROM sms_parts"
	    " INDEXED BY sms_parts_waiting WHERE joined_at = 0"
	    " GROUP BY gateway, sender, ref HAVING first < ?1 AND count(*) < max(total)"
	    " ORDER BY first LIMIT ?2",
	/*
	 * Reports (aduan stats, aduan route --replay): read only.  A complaint
	 * with the SMS that opened it (none for USSD).  messages has no index
	 * on complaint_id; as a join, SQLite builds an automatic one for the
	 * run instead of scanning messages once per complaint.  ?2 NULL: any
	 * keyword; '' the complaints no rule decided.
	 */
	[ST_COMPLAINT_MESSAGES] =
	    "SELECT c.ticket, c.channel, c.keyword, c.agency, c.region, c.location,"
	    " c.description, c.created_at, m.text"
	    " FROM complaints c LEFT JOIN messages m"
	    " ON m.complaint_id = c.id AND m.command = 'complaint'"
	    " WHERE c.created_at >= ?1 AND (?2 IS NULL OR c.keyword = ?2)"
	    " ORDER BY c.id LIMIT ?3",
	[ST_STATS_TOTALS] =
	    "SELECT count(*), coalesce(sum(keyword = ''), 0) FROM complaints"
	    " WHERE created_at >= ?1",
	/* One statement per grouping: no SQL is built at run time. */
	[ST_STATS_BY_AGENCY] =
	    "SELECT agency, count(*) AS n FROM complaints WHERE created_at >= ?1"
	    " GROUP BY agency ORDER BY n DESC, agency LIMIT ?2",
	[ST_STATS_BY_KEYWORD] =
	    "SELECT keyword, count(*) AS n FROM complaints WHERE created_at >= ?1"
	    " GROUP BY keyword ORDER BY n DESC, keyword LIMIT ?2",
	[ST_STATS_BY_CHANNEL] =
	    "SELECT channel, count(*) AS n FROM complaints WHERE created_at >= ?1"
	    " GROUP BY channel ORDER BY n DESC, channel LIMIT ?2",
	/*
	 * The first event by an agency (anyone but the citizen and Aduan
	 * itself) at or after the complaint's creation; NULL when none.  The
	 * subquery walks events_complaint.
	 */
	[ST_STATS_RESPONSES] =
	    "SELECT c.created_at, (SELECT min(e.at) FROM events e"
	    " WHERE e.complaint_id = c.id AND e.actor NOT IN ('citizen', 'aduan')"
	    " AND e.at >= c.created_at)"
	    " FROM complaints c WHERE c.created_at >= ?1 ORDER BY c.id LIMIT ?2",
	/* As ST_COMPLAINT_OVERDUE, but every one, reminded or not. */
	[ST_STATS_OVERDUE] =
	    "SELECT"
	    " (SELECT count(*) FROM complaints"
	    "  WHERE status = 'received' AND route_due > 0 AND route_due < ?1),"
	    " (SELECT count(*) FROM complaints"
	    "  WHERE status = 'routed' AND followup_due > 0 AND followup_due < ?1)",
	/* The flood and loop guard (migration 7): one primary-key row each. */
	[ST_GUARD_GET] =
	    "SELECT tokens, tokens_at, limited, replies, replies_since, capped,"
	    " last_hash, repeats, last_at FROM guard_phones WHERE phone = ?1",
	[ST_GUARD_PUT] =
	    "INSERT OR REPLACE INTO guard_phones (phone, tokens, tokens_at, limited,"
	    " replies, replies_since, capped, last_hash, repeats, last_at, updated_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
	[ST_GUARD_TEXT_FIND] =
	    "SELECT ticket FROM guard_texts WHERE phone = ?1 AND hash = ?2 AND at >= ?3",
	/* The first ticket of a text stays until its window is over. */
	[ST_GUARD_TEXT_PUT] =
	    "INSERT INTO guard_texts (phone, hash, ticket, at) VALUES (?1, ?2, ?3, ?4)"
	    " ON CONFLICT (phone, hash) DO UPDATE SET ticket = excluded.ticket,"
	    " at = excluded.at WHERE at < ?5",
	[ST_GUARD_PURGE] =
	    "DELETE FROM guard_phones WHERE phone IN (SELECT phone FROM guard_phones"
	    " WHERE updated_at < ?1 LIMIT ?2)",
	[ST_GUARD_TEXTS_PURGE] =
	    "DELETE FROM guard_texts WHERE (phone, hash) IN (SELECT phone, hash"
	    " FROM guard_texts WHERE at < ?1 LIMIT ?2)",
};

/*
 * Group commit.  A transaction of a caller (store_begin .. store_commit)
 * is a savepoint inside one shared SQLite transaction, the open batch; the
 * committer thread commits the batch -- one fsync for every transaction in
 * it -- and wakes the callers, whose store_commit() returns only then.
 * While one batch is being committed (the lock held), the next callers
 * queue on the lock and form the next batch, so a burst shares its fsyncs
 * while a lone message still commits at once.
 */
#define BATCH_RESULTS 64
#define WRITER_NICE   (-10)     /* the writer thread's nice value, if allowed */

/* A transaction handed to the committer by store_run(); on its caller's stack. */
struct store_job {
	store_tx_fn fn;
	void *arg;
	struct store_job *next;
	enum { JOB_QUEUED, JOB_IN_BATCH, JOB_DONE } state;
	int ret;                        /* JOB_DONE: fn's 1, or -1 */
	uint64_t batch;                 /* JOB_IN_BATCH: the batch that holds it */
	char err[256];
};
#define GATHER_NS     3000000L  /* longest wait for queued callers before a commit */

struct store {
	sqlite3 *db;
	pthread_mutex_t lock;
	int lock_ready;
	sqlite3_stmt *st[ST_NSTMTS];

	pthread_t committer;
	int committer_running;
	pthread_mutex_t cmu;            /* guards jobs, kicked, stopping, committed and
	                                   result[]: waiters sleep on it, not on the
	                                   store's lock */
	pthread_cond_t kick_cv;         /* the committer has work (with cmu) */
	pthread_cond_t done_cv;         /* a batch was committed (or failed), or a job
	                                   ended without one, with cmu */
	struct store_job *jobs, **jobs_tail; /* queued for the committer (store_run) */
	int kicked;                     /* a transaction joined the open batch */
	int stopping;
	atomic_int arriving;            /* callers waiting to begin, or about to
	                                   (store_expect): worth waiting for */
	int batch_open;                 /* the shared transaction is open */
	int member_open;                /* a caller's transaction is open (it holds the lock) */
	int member_failed;              /* a write in it failed half done: it can only roll back */
	int member_lost;                /* SQLite rolled back the whole batch under it: every
	                                   further statement of it is refused (it would
	                                   run on its own, outside any batch) */
	sqlite3_int64 op_changes;       /* rows changed before the write in it began */
	int waiting;                    /* callers waiting for the open batch */
	uint64_t batch;                 /* id of the open (or last) batch */
	uint64_t committed;             /* last batch finished */
	int result[BATCH_RESULTS];      /* 0 / -1 of recent batches, by id % BATCH_RESULTS */
	uint64_t result_of[BATCH_RESULTS]; /* the batch whose result a slot holds */
	int moved_logged;               /* the file was found moved: said once */
	char result_msg[BATCH_RESULTS][160];
	unsigned long commits, grouped; /* batches committed, transactions in them */

	/*
	 * A second connection that only reads what is committed, so that a
	 * retried callback is answered without waiting for the writer (in WAL
	 * a reader never blocks the writer nor waits for it).
	 */
	sqlite3 *rdb;
	sqlite3_stmt *rfind, *rlist, *rlist_agency;
	pthread_mutex_t rlock;
	int rlock_ready;

	/*
	 * Listings, read-only too, each on a connection of its own so that
	 * neither waits for the retry check above nor for the writer: the
	 * agency API's (rlist, rlist_agency) on ldb, the public ones
	 * (Open311) on pdb, where each statement also has a budget of
	 * virtual-machine steps (pub_budget) that stops it when spent.
	 */
	sqlite3 *ldb;
	pthread_mutex_t llock;
	int llock_ready;
	sqlite3 *pdb;
	sqlite3_stmt *pst[4];           /* PUB_* */
	pthread_mutex_t plock;
	int plock_ready;
	long pub_ticks;                 /* progress calls of the running statement (plock) */
};

static int committer_start(struct store *s, char *err, size_t errsz);
static void committer_stop(struct store *s);

/* This thread counted itself in arriving with store_expect(). */
static _Thread_local struct store *expecting;

/* Per thread, so one worker's failure never shows up in another's 503. */
static _Thread_local char errbuf[512];

static int batch_lost(struct store *s);
static int batch_result(struct store *s, uint64_t id);

/*
 * Records "what: <sqlite message>"; call before anything else touches db.
 * A failed statement may have made SQLite roll back the whole open batch
 * (I/O error, full disk, out of memory): that is noticed here, at once,
 * so that no later transaction can join a batch that no longer exists.
 */
static void
fail_op(struct store *s, const char *what)
{
	snprintf(errbuf, sizeof errbuf, "%s: %s", what, sqlite3_errmsg(s->db));
	(void)batch_lost(s);
}

const char *
store_errmsg(void)
{
	return errbuf;
}

static void
lock(struct store *s)
{
	if (pthread_mutex_lock(&s->lock) != 0)
		fatal("store: cannot take the database lock");
}

static void
unlock(struct store *s)
{
	if (pthread_mutex_unlock(&s->lock) != 0)
		fatal("store: database lock released by a thread not holding it");
}

/* Leaves a cached statement ready for its next use, holding no pointers. */
static void
done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/*
 * The caller's strings outlive the statement's use (we clear bindings
 * before returning), so SQLITE_STATIC spares a copy.  NULL binds NULL.
 */
static int
bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v == NULL)
		return sqlite3_bind_null(st, i);
	return sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

/* A fixed array in a struct: never read past it, even unterminated. */
static int
bind_fixed(sqlite3_stmt *st, int i, const char *v, size_t vsz)
{
	return sqlite3_bind_text(st, i, v, (int)strnlen(v, vsz), SQLITE_STATIC);
}

static int
bind_int64(sqlite3_stmt *st, int i, int64_t v)
{
	return sqlite3_bind_int64(st, i, (sqlite3_int64)v);
}

/* A row count from size_t; SQLite's LIMIT is a signed 64-bit integer. */
static int
bind_limit(sqlite3_stmt *st, int i, size_t v)
{
	return bind_int64(st, i, v > (size_t)INT64_MAX ? INT64_MAX : (int64_t)v);
}

/* Runs a statement that returns no rows.  0, or -1 with errbuf set. */
static int
run(struct store *s, enum stmt_id id, const char *what)
{
	sqlite3_stmt *st = s->st[id];
	int rc;

	if (s->member_lost) {
		snprintf(errbuf, sizeof errbuf, "%s: the database rolled back the transaction "
		    "(an earlier write failed)", what);
		return -1;
	}
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		fail_op(s, what);
	done(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* run() for a write that may change nothing: 1 changed a row, 0 none, -1 error. */
static int
run_changed(struct store *s, enum stmt_id id, const char *what)
{
	if (run(s, id, what) == -1)
		return -1;
	return sqlite3_changes(s->db) > 0 ? 1 : 0;
}

static void
bind_failed(struct store *s, enum stmt_id id, const char *what)
{
	fail_op(s, what);
	done(s->st[id]);
}

/*
 * A write of several statements (op_begin .. op_end, op_undo on failure)
 * is all or nothing.  Outside a caller's transaction it is a savepoint of
 * its own.  Inside one it needs none: the caller's transaction is already
 * a savepoint.  A write that fails before it changed anything (a UNIQUE
 * ticket, say: SQLite undoes a failed statement itself) leaves the
 * transaction usable; one that fails half done marks it, so that it can
 * only roll back (store_commit refuses it).  A nested savepoint would copy
 * every page the write touches a second time (perf: a tenth of an SMS's
 * time in the store).
 */
static int
op_begin(struct store *s, const char *what)
{
	if (s->member_open) {
		s->op_changes = sqlite3_total_changes64(s->db);
		return 0;
	}
	return run(s, ST_SAVEPOINT, what);
}

static int
op_end(struct store *s, const char *what)
{
	return s->member_open ? 0 : run(s, ST_RELEASE, what);
}

/*
 * Undoes a write after a failed statement.  Errors are ignored: if SQLite
 * already rolled the whole transaction back, there is nothing left to
 * undo, and errbuf already holds the failure that matters.
 */
static void
op_undo(struct store *s)
{
	if (s->member_open) {
		if (sqlite3_total_changes64(s->db) != s->op_changes)
			s->member_failed = 1;
		return;
	}
	if (sqlite3_get_autocommit(s->db))
		return;
	sqlite3_step(s->st[ST_ROLLBACK_TO]);
	done(s->st[ST_ROLLBACK_TO]);
	sqlite3_step(s->st[ST_RELEASE]);
	done(s->st[ST_RELEASE]);
}

/* PRAGMA user_version, or -1 with the reason in errbuf. */
static int
user_version(struct store *s)
{
	sqlite3_stmt *st = s->st[ST_USER_VERSION];
	int rc, v = -1;

	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	else
		fail_op(s, "read schema version");
	done(st);
	return v;
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
 * Brings the schema up to date, one transaction per migration.  The
 * version is read inside the write transaction so two processes opening a
 * fresh file at once cannot both apply the same migration.
 */
static int
migrate(struct store *s, const char *path, char *err, size_t errsz)
{
	const int latest = (int)ARRAY_LEN(migrations);
	int v;

	for (;;) {
		if (exec_const(s, "BEGIN IMMEDIATE", "begin migration", err,
		    errsz) == -1)
			return -1;
		if ((v = user_version(s)) == -1) {
			errf(err, errsz, "%s", errbuf);
			goto fail;
		}
		if (v > latest) {
			errf(err, errsz, "%s: schema version %d is newer than "
			    "this aduan knows (%d); use a newer aduan", path, v,
			    latest);
			goto fail;
		}
		if (v == latest)
			break;
		if (exec_const(s, migrations[v], "schema migration", err,
		    errsz) == -1)
			goto fail;
		if (user_version(s) != v + 1) {
			/* A migration that forgot its PRAGMA: a bug, not bad data. */
			errf(err, errsz, "schema migration %d did not set "
			    "user_version", v + 1);
			goto fail;
		}
		if (exec_const(s, "COMMIT", "commit migration", err, errsz) == -1)
			goto fail;
	}
	return exec_const(s, "COMMIT", "end migration", err, errsz);

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
		errf(err, errsz, "%s: %s", path, errbuf);
		return -1;
	}
	if (v < latest) {
		errf(err, errsz, "%s: database schema %d is older than this aduan's %d; "
		    "this command only reads and does not migrate: run this aduan's serve "
		    "on the database once (it migrates on start), or use the aduan that "
		    "wrote it", path, v, latest);
		return -1;
	}
	if (v > latest) {
		errf(err, errsz, "%s: database schema %d is newer than this aduan "
		    "knows (%d); use a newer aduan", path, v, latest);
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

/* The read-only connection of store_message_seen(), once the schema is there. */
static int
reader_open(struct store *s, const char *path, char *err, size_t errsz)
{
	if (pthread_mutex_init(&s->rlock, NULL) != 0) {
		errf(err, errsz, "cannot create the reader's lock");
		return -1;
	}
	s->rlock_ready = 1;
	if (sqlite3_open_v2(path, &s->rdb, SQLITE_OPEN_READONLY | SQLITE_OPEN_FULLMUTEX |
	    SQLITE_OPEN_URI, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(s->rdb, stmt_sql[ST_MESSAGE_FIND], -1, SQLITE_PREPARE_PERSISTENT,
	    &s->rfind, NULL) != SQLITE_OK) {
		errf(err, errsz, "%s: reading connection: %s", path,
		    s->rdb != NULL ? sqlite3_errmsg(s->rdb) : "out of memory");
		return -1;
	}
	sqlite3_busy_timeout(s->rdb, 2000);
	return 0;
}

/*
 * The public statements (pdb).  Withdrawn and rejected complaints are
 * never public.  ?3 is the open filter (1 open, -1 closed, 0 any), ?6/?7
 * the creation range (0: unbounded), ?8 the id cursor, ?9 the limit.
 */
enum { PUB_LIST, PUB_LIST_CODE, PUB_LIST_CLOSED, PUB_ONE };
#define PUB_FILTERS \
	" AND status NOT IN ('withdrawn', 'rejected')" \
	" AND (?3 = 0 OR (?3 = 1 AND status NOT IN " FINAL_STATUSES ")" \
	" OR (?3 = -1 AND status = 'closed'))" \
	" AND (?6 = 0 OR created_at >= ?6) AND (?7 = 0 OR created_at < ?7)" \
	" AND id < ?8 ORDER BY id DESC LIMIT ?9"
static const char *const pub_sql[] = {
	/* Walks the primary key down from the newest. */
	[PUB_LIST] = "SELECT " COMPLAINT_COLS " FROM complaints WHERE ?4 IS NULL" PUB_FILTERS,
	/* Walks one service code's part of complaints_keyword (keyword, id). */
	[PUB_LIST_CODE] = "SELECT " COMPLAINT_COLS " FROM complaints WHERE keyword = ?4"
	    PUB_FILTERS,
	/* Walks complaints_closed (a partial index). */
	[PUB_LIST_CLOSED] = "SELECT " COMPLAINT_COLS " FROM complaints"
	    " WHERE status = 'closed' AND ?4 IS NULL" PUB_FILTERS,
	/* One ticket, with the newest note of an agency (as ST_LAST_NOTE). */
	[PUB_ONE] = "SELECT " COMPLAINT_COLS ", (SELECT note FROM events"
	    " WHERE complaint_id = complaints.id AND actor NOT IN ('citizen', 'aduan')"
	    " AND note IS NOT NULL AND note <> '' ORDER BY at DESC, id DESC LIMIT 1)"
	    " FROM complaints WHERE ticket = ?1"
	    " AND status NOT IN ('withdrawn', 'rejected')",
};
#define PUB_TICK        1000    /* virtual-machine steps between progress calls */

/* Stops a public statement once it spent its budget (STORE_PUBLIC_STEPS). */
static int
pub_progress(void *arg)
{
	struct store *s = arg;

	return ++s->pub_ticks > STORE_PUBLIC_STEPS / PUB_TICK;
}

/* The listing connections (agency API, public), after reader_open(). */
static int
listings_open(struct store *s, const char *path, char *err, size_t errsz)
{
	size_t i;

	if (pthread_mutex_init(&s->llock, NULL) != 0) {
		errf(err, errsz, "cannot create the listing lock");
		return -1;
	}
	s->llock_ready = 1;
	if (pthread_mutex_init(&s->plock, NULL) != 0) {
		errf(err, errsz, "cannot create the public listing lock");
		return -1;
	}
	s->plock_ready = 1;
	if (sqlite3_open_v2(path, &s->ldb, SQLITE_OPEN_READONLY | SQLITE_OPEN_FULLMUTEX |
	    SQLITE_OPEN_URI, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(s->ldb, stmt_sql[ST_COMPLAINT_LIST], -1,
	    SQLITE_PREPARE_PERSISTENT, &s->rlist, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(s->ldb, stmt_sql[ST_COMPLAINT_LIST_AGENCY], -1,
	    SQLITE_PREPARE_PERSISTENT, &s->rlist_agency, NULL) != SQLITE_OK) {
		errf(err, errsz, "%s: listing connection: %s", path,
		    s->ldb != NULL ? sqlite3_errmsg(s->ldb) : "out of memory");
		return -1;
	}
	sqlite3_busy_timeout(s->ldb, 2000);
	if (sqlite3_open_v2(path, &s->pdb, SQLITE_OPEN_READONLY | SQLITE_OPEN_FULLMUTEX |
	    SQLITE_OPEN_URI, NULL) != SQLITE_OK) {
		errf(err, errsz, "%s: public listing connection: %s", path,
		    s->pdb != NULL ? sqlite3_errmsg(s->pdb) : "out of memory");
		return -1;
	}
	for (i = 0; i < ARRAY_LEN(pub_sql); i++)
		if (sqlite3_prepare_v3(s->pdb, pub_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
		    &s->pst[i], NULL) != SQLITE_OK) {
			errf(err, errsz, "prepare \"%s\": %s", pub_sql[i],
			    sqlite3_errmsg(s->pdb));
			return -1;
		}
	sqlite3_busy_timeout(s->pdb, 2000);
	sqlite3_progress_handler(s->pdb, PUB_TICK, pub_progress, s);
	return 0;
}

struct store *
store_open(const char *path, const struct store_options *opt, char *err,
    size_t errsz)
{
	pthread_mutexattr_t attr;
	struct store *s;
	int i, rc, eno, ro = opt != NULL && opt->read_only;

	errf(err, errsz, "%s", "");
	if (path == NULL || *path == '\0') {
		errf(err, errsz, "no database path given");
		return NULL;
	}
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
	    NULL);
	if (rc != SQLITE_OK) {
		/* SQLite's "unable to open database file" alone does not say why. */
		eno = s->db != NULL ? sqlite3_system_errno(s->db) : 0;
		errf(err, errsz, "cannot open database %s: %s%s%s%s", path,
		    s->db != NULL ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc),
		    eno ? " (" : "", eno ? strerror(eno) : "", eno ? ")" : "");
		goto fail;
	}
	sqlite3_busy_timeout(s->db, opt != NULL ? opt->busy_timeout_ms : 5000);

	/*
	 * The first statement that reads the file: "not a database" shows here.
	 * Read-only: the journal mode is the owner's; query_only makes any
	 * write through this connection an error, not a change.
	 */
	if (ro ? exec_const(s, "PRAGMA query_only = ON", "open read-only", err,
	    errsz) == -1 : set_wal(s, path, err, errsz) == -1)
		goto fail;
	if (exec_const(s, opt == NULL || opt->sync_full ?
	    "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL",
	    "set synchronous", err, errsz) == -1)
		goto fail;
	if (exec_const(s, "PRAGMA foreign_keys = ON", "enable foreign keys",
	    err, errsz) == -1)
		goto fail;
	/*
	 * Statement journals (savepoints inside a transaction) in memory: as
	 * files, every message created and deleted one (perf: a fifth of the
	 * time of an SMS went to open, close and evicting inodes).
	 */
	if (exec_const(s, "PRAGMA temp_store = MEMORY", "keep temporary data in memory",
	    err, errsz) == -1)
		goto fail;

	/* migrate() needs the user_version statement; the rest need the schema. */
	if (sqlite3_prepare_v3(s->db, stmt_sql[ST_USER_VERSION], -1,
	    SQLITE_PREPARE_PERSISTENT, &s->st[ST_USER_VERSION], NULL) != SQLITE_OK) {
		errf(err, errsz, "%s: %s", path, sqlite3_errmsg(s->db));
		goto fail;
	}
	if ((ro ? schema_current(s, path, err, errsz) : migrate(s, path, err, errsz)) == -1)
		goto fail;
	for (i = 0; i < ST_NSTMTS; i++) {
		if (s->st[i] != NULL)
			continue;
		if (sqlite3_prepare_v3(s->db, stmt_sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &s->st[i], NULL) != SQLITE_OK) {
			errf(err, errsz, "prepare \"%s\": %s", stmt_sql[i],
			    sqlite3_errmsg(s->db));
			goto fail;
		}
	}
	if (reader_open(s, path, err, errsz) == -1)
		goto fail;
	if (listings_open(s, path, err, errsz) == -1)
		goto fail;
	if (committer_start(s, err, errsz) == -1)
		goto fail;
	return s;

fail:
	store_close(s);
	return NULL;
}

void
store_close(struct store *s)
{
	int i;

	if (s == NULL)
		return;
	/* The committer commits what is open, then stops. */
	committer_stop(s);
	for (i = 0; i < ST_NSTMTS; i++)
		sqlite3_finalize(s->st[i]);
	sqlite3_finalize(s->rfind);
	sqlite3_finalize(s->rlist);
	sqlite3_finalize(s->rlist_agency);
	sqlite3_close(s->rdb);
	if (s->rlock_ready)
		pthread_mutex_destroy(&s->rlock);
	for (i = 0; i < (int)ARRAY_LEN(s->pst); i++)
		sqlite3_finalize(s->pst[i]);
	sqlite3_close(s->ldb);
	sqlite3_close(s->pdb);
	if (s->llock_ready)
		pthread_mutex_destroy(&s->llock);
	if (s->plock_ready)
		pthread_mutex_destroy(&s->plock);
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

	lock(s);
	v = user_version(s);
	unlock(s);
	return v;
}

void
store_expect(struct store *s)
{
	if (expecting == s)
		return;
	store_expect_end(expecting);
	atomic_fetch_add(&s->arriving, 1);
	expecting = s;
}

void
store_expect_end(struct store *s)
{
	if (s == NULL || expecting != s)
		return;
	expecting = NULL;
	/* The last one on the way gave up: the gathering need not wait for it. */
	if (atomic_fetch_sub(&s->arriving, 1) == 1) {
		pthread_mutex_lock(&s->cmu);
		pthread_cond_signal(&s->kick_cv);
		pthread_mutex_unlock(&s->cmu);
	}
}

/* Wakes the committer to commit the open batch. */
static void
kick(struct store *s)
{
	pthread_mutex_lock(&s->cmu);
	s->kicked = 1;
	pthread_cond_signal(&s->kick_cv);
	pthread_mutex_unlock(&s->cmu);
}

int
store_begin(struct store *s)
{
	if (expecting != s)
		atomic_fetch_add(&s->arriving, 1);
	expecting = NULL;
	lock(s);
	atomic_fetch_sub(&s->arriving, 1);
	(void)batch_lost(s);
	if (!s->batch_open) {
		if (run(s, ST_BEGIN, "begin") == -1) {
			unlock(s);
			return -1;
		}
		s->batch_open = 1;
		s->batch++;
	}
	if (run(s, ST_MEMBER_BEGIN, "begin") == -1) {
		unlock(s);
		kick(s);        /* the batch may hold others' work: not left open */
		return -1;
	}
	s->member_open = 1;
	s->member_failed = 0;
	s->member_lost = 0;
	return 0;
}

int
store_commit(struct store *s)
{
	uint64_t mine;
	int ret;

	if (s->member_failed || batch_lost(s)) {
		/* A write failed and its caller went on: errbuf says which. */
		store_rollback(s);
		return -1;
	}
	s->member_open = 0;
	if (run(s, ST_MEMBER_RELEASE, "commit") == -1) {
		s->member_open = 1;
		store_rollback(s);
		return -1;
	}
	/*
	 * Ours is in the open batch: let go of the store (the next callers
	 * join the batch meanwhile) and sleep until the committer has made
	 * it durable.
	 */
	mine = s->batch;
	s->waiting++;
	unlock(s);
	pthread_mutex_lock(&s->cmu);
	s->kicked = 1;
	pthread_cond_signal(&s->kick_cv);
	while (s->committed < mine)
		pthread_cond_wait(&s->done_cv, &s->cmu);
	ret = batch_result(s, mine);
	pthread_mutex_unlock(&s->cmu);
	return ret;
}

/* Undoes the open member transaction; 1 when the batch is still open. */
static int
member_undo(struct store *s)
{
	(void)batch_lost(s);
	s->member_open = 0;
	s->member_failed = 0;
	s->member_lost = 0;
	if (s->batch_open) {
		if (run(s, ST_MEMBER_UNDO, "rollback") != -1)
			(void)run(s, ST_MEMBER_RELEASE, "rollback");
		return 1;
	}
	s->batch_open = 0;
	return 0;
}

void
store_rollback(struct store *s)
{
	/*
	 * Undo ours only: the batch may hold other callers' work.  SQLite may
	 * have rolled the whole transaction back already (I/O error, full
	 * disk); then the batch is gone and its waiters learn it at commit.
	 */
	int open = member_undo(s);

	unlock(s);
	/* Nobody else may wait on this batch: commit it anyway (cheap, empty or not). */
	if (open)
		kick(s);
}

/* deadline = now + ns */
static void
deadline_in(struct timespec *deadline, long ns)
{
	clock_gettime(CLOCK_MONOTONIC, deadline);
	deadline->tv_nsec += ns;
	if (deadline->tv_nsec >= 1000000000L) {
		deadline->tv_sec++;
		deadline->tv_nsec -= 1000000000L;
	}
}

static int
deadline_passed(const struct timespec *deadline)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > deadline->tv_sec || (now.tv_sec == deadline->tv_sec &&
	    now.tv_nsec >= deadline->tv_nsec);
}

/*
 * Runs one job as a member of the open batch (opening it if need be), on
 * the committer's thread with the store's lock held.  Sets job->ret to 0
 * (in the batch), fn's 1 or -1 (undone, with err).
 */
static void
run_job(struct store *s, struct store_job *job)
{
	int r;

	(void)batch_lost(s);
	if (!s->batch_open) {
		if (run(s, ST_BEGIN, "begin") == -1) {
			job->ret = -1;
			(void)str_copy(job->err, sizeof job->err, errbuf);
			return;
		}
		s->batch_open = 1;
		s->batch++;
	}
	if (run(s, ST_MEMBER_BEGIN, "begin") == -1) {
		job->ret = -1;
		(void)str_copy(job->err, sizeof job->err, errbuf);
		return;
	}
	s->member_open = 1;
	s->member_failed = 0;
	s->member_lost = 0;
	r = job->fn(s, job->arg);
	if (r == 0 && (s->member_failed || batch_lost(s)))
		r = -1;                 /* a write failed half done and fn went on */
	if (r == 0) {
		s->member_open = 0;
		if (run(s, ST_MEMBER_RELEASE, "commit") == -1) {
			s->member_open = 1;
			r = -1;
		}
	}
	/*
	 * The batch it joined, now: a later job may see this batch rolled
	 * back and open another before this one is marked in a batch.
	 */
	job->batch = s->batch;
	if (r != 0) {
		if (r < 0)
			(void)str_copy(job->err, sizeof job->err, errbuf);
		(void)member_undo(s);
	}
	job->ret = r;
}

/*
 * Runs every queued job (the store's lock held) and tells their callers
 * how each went: in the open batch, or over without it.  0 when there was
 * none.
 */
static int
run_jobs(struct store *s)
{
	struct store_job *list, *job, *next;
	int ended = 0;

	pthread_mutex_lock(&s->cmu);
	list = s->jobs;
	s->jobs = NULL;
	s->jobs_tail = &s->jobs;
	pthread_mutex_unlock(&s->cmu);
	if (list == NULL)
		return 0;
	for (job = list; job != NULL; job = job->next)
		run_job(s, job);
	pthread_mutex_lock(&s->cmu);
	for (job = list; job != NULL; job = next) {
		next = job->next;       /* job may be gone once its state is set */
		if (job->ret == 0) {
			job->state = JOB_IN_BATCH;
			if (job->batch == s->batch && s->batch_open)
				s->waiting++;
			else
				ended = 1;      /* its batch was lost meanwhile */
		} else {
			job->state = JOB_DONE;
			ended = 1;
		}
	}
	if (ended)
		pthread_cond_broadcast(&s->done_cv);
	pthread_mutex_unlock(&s->cmu);
	return 1;
}

/*
 * Ends the open batch (the store's lock held): records how it went, 0 or
 * -1 with msg, and wakes everyone who waits for it.
 */
static void
batch_end(struct store *s, int ret, const char *msg)
{
	uint64_t id = s->batch;
	int slot = (int)(id % BATCH_RESULTS);

	s->batch_open = 0;
	s->commits++;
	pthread_mutex_lock(&s->cmu);
	s->grouped += (unsigned long)s->waiting;
	s->waiting = 0;
	s->result[slot] = ret;
	s->result_of[slot] = id;
	if (ret != 0)
		(void)str_copy(s->result_msg[slot], sizeof(s->result_msg[0]), msg);
	s->committed = id;
	pthread_cond_broadcast(&s->done_cv);
	pthread_mutex_unlock(&s->cmu);
}

/*
 * 1 when SQLite rolled the open batch back by itself (after an I/O error,
 * a full disk or out of memory inside a statement: it is no longer in a
 * transaction): the batch is ended as failed, so that every transaction
 * in it, and every caller waiting for it, gets -1, never the success of a
 * batch opened after it.  A member transaction still open in it can
 * only roll back.  0 when the batch (if any) is intact.
 */
static int
batch_lost(struct store *s)
{
	char msg[sizeof s->result_msg[0]];

	if (!s->batch_open || !sqlite3_get_autocommit(s->db))
		return 0;
	(void)snprintf(msg, sizeof msg, "the database rolled back the transaction (%.100s)",
	    errbuf[0] != '\0' ? errbuf : "no reason given");
	if (s->member_open) {
		s->member_failed = 1;
		s->member_lost = 1;
	}
	log_warnx("store: %s", msg);
	batch_end(s, -1, msg);
	return 1;
}

/* A finished batch's result for its waiter (cmu held); errbuf set on -1. */
static int
batch_result(struct store *s, uint64_t id)
{
	int slot = (int)(id % BATCH_RESULTS);

	if (s->result_of[slot] != id) {
		/* Overwritten by a batch BATCH_RESULTS later: unknown, so not committed. */
		(void)snprintf(errbuf, sizeof errbuf, "commit: outcome of batch %" PRIu64
		    " no longer known", id);
		return -1;
	}
	if (s->result[slot] != 0)
		(void)snprintf(errbuf, sizeof errbuf, "%s", s->result_msg[slot]);
	return s->result[slot];
}

/*
 * 1 when the database file is no longer at its path (deleted, or renamed
 * away): what would be committed now goes to a file nobody will open
 * again, and a restart starts on a new, empty one.  One stat(2).
 */
static int
file_moved(struct store *s)
{
	int moved = 0;

	if (sqlite3_file_control(s->db, "main", SQLITE_FCNTL_HAS_MOVED, &moved) != SQLITE_OK)
		return 0;
	return moved != 0;
}

/* Commits the open batch and wakes everyone in it; the store's lock held. */
static void
commit_batch(struct store *s)
{
	char msg[sizeof s->result_msg[0]];

	if (batch_lost(s))
		return;                 /* rolled back already: its waiters know */
	if (file_moved(s)) {
		/* Never acknowledge what a restart would not find. */
		(void)snprintf(msg, sizeof msg, "commit: the database file was deleted or "
		    "moved away while open: restart aduan on it");
		if (!s->moved_logged)
			log_warnx("store: %s", msg);
		s->moved_logged = 1;
		sqlite3_step(s->st[ST_ROLLBACK]);
		done(s->st[ST_ROLLBACK]);
		batch_end(s, -1, msg);
		return;
	}
	s->moved_logged = 0;
	if (run(s, ST_COMMIT, "commit") == -1) {
		if (!s->batch_open)
			return;         /* fail_op saw the rollback and ended it */
		sqlite3_step(s->st[ST_ROLLBACK]);
		done(s->st[ST_ROLLBACK]);
		batch_end(s, -1, errbuf);
		return;
	}
	batch_end(s, 0, NULL);
}

/*
 * The committer: runs the jobs of store_run() and commits open batches for
 * as long as the store is open.  A batch gathers what arrives while it is
 * open -- jobs, and callers of store_begin() let in whenever the
 * committer waits -- for at most GATHER_NS, and no longer than something
 * is on the way (queued, waiting for the store, or announced with
 * store_expect), so that a burst shares one fsync while a lone message
 * commits at once.  Lock order: the store's lock, then cmu.
 */
static void *
committer(void *arg)
{
	struct store *s = arg;
	struct timespec deadline;
	int stop;

	(void)pthread_setname_np(pthread_self(), "store-commit");     /* top -H */
	/*
	 * Every request waits for this thread, and after each commit dozens
	 * of HTTP threads wake at once and would share the CPUs with it
	 * equally: ask for a higher priority (perf: a quarter more messages
	 * per second on 2 CPUs).  On Linux this is the thread's own nice
	 * value; it needs root, CAP_SYS_NICE or RLIMIT_NICE, else it stays.
	 */
	if (setpriority(PRIO_PROCESS, 0, WRITER_NICE) != 0)
		log_debug("store: the writer thread keeps its priority (%s)", strerror(errno));
	for (;;) {
		pthread_mutex_lock(&s->cmu);
		while (s->jobs == NULL && !s->kicked && !s->stopping)
			pthread_cond_wait(&s->kick_cv, &s->cmu);
		s->kicked = 0;
		stop = s->stopping;
		pthread_mutex_unlock(&s->cmu);

		lock(s);
		deadline_in(&deadline, GATHER_NS);
		for (;;) {
			(void)run_jobs(s);
			if (!s->batch_open || deadline_passed(&deadline))
				break;
			pthread_mutex_lock(&s->cmu);
			stop = s->stopping;
			if (s->jobs != NULL) {
				pthread_mutex_unlock(&s->cmu);
				continue;
			}
			if (stop || atomic_load(&s->arriving) == 0) {
				pthread_mutex_unlock(&s->cmu);
				break;
			}
			/* Someone is on the way: let callers of store_begin in meanwhile. */
			unlock(s);
			s->kicked = 0;
			(void)pthread_cond_timedwait(&s->kick_cv, &s->cmu, &deadline);
			pthread_mutex_unlock(&s->cmu);
			lock(s);
		}
		if (s->batch_open)
			commit_batch(s);
		unlock(s);
		if (stop) {
			pthread_mutex_lock(&s->cmu);
			stop = s->jobs == NULL;
			pthread_mutex_unlock(&s->cmu);
			if (stop)
				break;
		}
	}
	return NULL;
}

int
store_run(struct store *s, store_tx_fn fn, void *arg)
{
	struct store_job job;
	int ret;

	memset(&job, 0, sizeof job);
	job.fn = fn;
	job.arg = arg;
	job.state = JOB_QUEUED;
	pthread_mutex_lock(&s->cmu);
	if (s->stopping) {
		pthread_mutex_unlock(&s->cmu);
		(void)snprintf(errbuf, sizeof errbuf, "the store is closing");
		return -1;
	}
	*s->jobs_tail = &job;
	s->jobs_tail = &job.next;
	if (expecting == s) {
		/* Queued now: no longer only on the way (under cmu, so never neither). */
		expecting = NULL;
		atomic_fetch_sub(&s->arriving, 1);
	}
	pthread_cond_signal(&s->kick_cv);
	while (job.state == JOB_QUEUED || (job.state == JOB_IN_BATCH && s->committed < job.batch))
		pthread_cond_wait(&s->done_cv, &s->cmu);
	if (job.state == JOB_DONE) {
		ret = job.ret;
		if (ret < 0)
			(void)snprintf(errbuf, sizeof errbuf, "%s", job.err);
	} else
		ret = batch_result(s, job.batch);
	pthread_mutex_unlock(&s->cmu);
	return ret;
}

static int
committer_start(struct store *s, char *err, size_t errsz)
{
	pthread_condattr_t ca;

	atomic_init(&s->arriving, 0);
	s->jobs = NULL;
	s->jobs_tail = &s->jobs;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->kick_cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&s->cmu, NULL);
	pthread_cond_init(&s->done_cv, NULL);
	if (pthread_create(&s->committer, NULL, committer, s) != 0) {
		errf(err, errsz, "cannot start the commit thread");
		return -1;
	}
	s->committer_running = 1;
	return 0;
}

static void
committer_stop(struct store *s)
{
	if (!s->committer_running)
		return;
	pthread_mutex_lock(&s->cmu);
	s->stopping = 1;
	pthread_cond_broadcast(&s->kick_cv);
	pthread_mutex_unlock(&s->cmu);
	pthread_join(s->committer, NULL);
	s->committer_running = 0;
	pthread_cond_destroy(&s->kick_cv);
	pthread_cond_destroy(&s->done_cv);
	pthread_mutex_destroy(&s->cmu);
}

void
store_commit_stats(struct store *s, unsigned long *commits, unsigned long *transactions)
{
	lock(s);
	*commits = s->commits;
	*transactions = s->grouped;
	unlock(s);
}

/* ---- messages ---------------------------------------------------------- */

/*
 * ST_MESSAGE_FIND on connection db (its lock held): 1, 0, -1 with errbuf
 * set.  Without a gateway id there is nothing to deduplicate on: 0.
 */
static int
message_find(sqlite3 *db, sqlite3_stmt *st, const char *gateway, const char *gw_id,
    const char *sender, char *reply, size_t replysz)
{
	const char *r;
	int rc, ret;

	if (gw_id == NULL)
		return 0;
	if (bind_text(st, 1, gateway) != SQLITE_OK || bind_text(st, 2, gw_id) != SQLITE_OK ||
	    bind_text(st, 3, sender) != SQLITE_OK)
		rc = SQLITE_ERROR;
	else
		rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		r = (const char *)sqlite3_column_text(st, 0);
		if (reply != NULL && replysz > 0)
			(void)str_copy(reply, replysz, r != NULL ? r : "");
		ret = 1;
	} else if (rc == SQLITE_DONE) {
		ret = 0;
	} else {
		snprintf(errbuf, sizeof errbuf, "find message: %s", sqlite3_errmsg(db));
		ret = -1;
	}
	done(st);
	return ret;
}

int
store_message_find(struct store *s, const char *gateway, const char *gw_id,
    const char *sender, char *reply, size_t replysz)
{
	int ret;

	lock(s);
	ret = message_find(s->db, s->st[ST_MESSAGE_FIND], gateway, gw_id, sender, reply,
	    replysz);
	unlock(s);
	return ret;
}

int
store_message_seen(struct store *s, const char *gateway, const char *gw_id,
    const char *sender, char *reply, size_t replysz)
{
	int ret;

	if (pthread_mutex_lock(&s->rlock) != 0)
		fatal("store: cannot take the reader's lock");
	ret = message_find(s->rdb, s->rfind, gateway, gw_id, sender, reply, replysz);
	pthread_mutex_unlock(&s->rlock);
	return ret;
}

int
store_message_add(struct store *s, const struct store_message *m)
{
	sqlite3_stmt *st;
	int ret;

	lock(s);
	st = s->st[ST_MESSAGE_ADD];
	if (bind_text(st, 1, m->gateway) != SQLITE_OK ||
	    bind_text(st, 2, m->gw_id) != SQLITE_OK ||
	    bind_text(st, 3, m->sender) != SQLITE_OK ||
	    bind_text(st, 4, m->receiver != NULL ? m->receiver : "") != SQLITE_OK ||
	    bind_text(st, 5, m->text) != SQLITE_OK ||
	    bind_text(st, 6, m->command) != SQLITE_OK ||
	    bind_text(st, 7, m->reply != NULL ? m->reply : "") != SQLITE_OK ||
	    (m->complaint_id != 0 ? bind_int64(st, 8, m->complaint_id) :
	    sqlite3_bind_null(st, 8)) != SQLITE_OK ||
	    bind_int64(st, 9, m->received_at) != SQLITE_OK) {
		bind_failed(s, ST_MESSAGE_ADD, "insert message");
		unlock(s);
		return -1;
	}
	ret = run_changed(s, ST_MESSAGE_ADD, "insert message");
	unlock(s);
	return ret;
}

/* ---- complaints -------------------------------------------------------- */

void
store_complaint_clear(struct store_complaint *c)
{
	if (c == NULL)
		return;
	free(c->location);
	free(c->description);
	free(c->route_explain);
	c->location = NULL;
	c->description = NULL;
	c->route_explain = NULL;
}

int
store_ticket_exists(struct store *s, const char *ticket)
{
	sqlite3_stmt *st;
	int rc, ret;

	lock(s);
	st = s->st[ST_TICKET_EXISTS];
	if (bind_text(st, 1, ticket) != SQLITE_OK) {
		bind_failed(s, ST_TICKET_EXISTS, "look up ticket");
		unlock(s);
		return -1;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		ret = 1;
	else if (rc == SQLITE_DONE)
		ret = 0;
	else {
		fail_op(s, "look up ticket");
		ret = -1;
	}
	done(st);
	unlock(s);
	return ret;
}

/* Appends an event row; the caller holds the lock and a savepoint. */
static int
event_insert(struct store *s, int64_t complaint_id, int64_t at,
    const char *actor, const char *status, const char *note)
{
	sqlite3_stmt *st = s->st[ST_EVENT_ADD];

	if (bind_int64(st, 1, complaint_id) != SQLITE_OK ||
	    bind_int64(st, 2, at) != SQLITE_OK ||
	    bind_text(st, 3, actor) != SQLITE_OK ||
	    bind_text(st, 4, status) != SQLITE_OK ||
	    bind_text(st, 5, note) != SQLITE_OK) {
		bind_failed(s, ST_EVENT_ADD, "insert event");
		return -1;
	}
	return run(s, ST_EVENT_ADD, "insert event");
}

/* store_complaint_add and store_complaint_add_routed: routed_note NULL or the reason. */
static int
complaint_insert(struct store *s, struct store_complaint *c, const char *routed_note)
{
	sqlite3_stmt *st;
	int64_t id;

	lock(s);
	if (op_begin(s, "insert complaint") == -1) {
		unlock(s);
		return -1;
	}
	st = s->st[ST_COMPLAINT_ADD];
	if (bind_fixed(st, 1, c->ticket, sizeof c->ticket) != SQLITE_OK ||
	    bind_fixed(st, 2, c->phone, sizeof c->phone) != SQLITE_OK ||
	    bind_fixed(st, 3, c->channel, sizeof c->channel) != SQLITE_OK ||
	    bind_fixed(st, 4, c->keyword, sizeof c->keyword) != SQLITE_OK ||
	    bind_fixed(st, 5, c->agency, sizeof c->agency) != SQLITE_OK ||
	    bind_fixed(st, 6, c->region, sizeof c->region) != SQLITE_OK ||
	    (routed_note != NULL ? bind_text(st, 7, "routed") :
	    bind_fixed(st, 7, c->status, sizeof c->status)) != SQLITE_OK ||
	    bind_fixed(st, 8, c->lang, sizeof c->lang) != SQLITE_OK ||
	    bind_text(st, 9, c->location) != SQLITE_OK ||
	    bind_text(st, 10, c->description) != SQLITE_OK ||
	    bind_text(st, 11, c->route_explain) != SQLITE_OK ||
	    bind_int64(st, 12, c->created_at) != SQLITE_OK ||
	    bind_int64(st, 13, c->routed_at) != SQLITE_OK ||
	    bind_int64(st, 14, c->route_due) != SQLITE_OK ||
	    bind_int64(st, 15, c->followup_due) != SQLITE_OK ||
	    bind_int64(st, 16, c->close_due) != SQLITE_OK ||
	    bind_int64(st, 17, c->reminded_at) != SQLITE_OK ||
	    bind_fixed(st, 18, c->config_hash, sizeof c->config_hash) != SQLITE_OK) {
		bind_failed(s, ST_COMPLAINT_ADD, "insert complaint");
		goto fail;
	}
	if (run(s, ST_COMPLAINT_ADD, "insert complaint") == -1)
		goto fail;
	id = (int64_t)sqlite3_last_insert_rowid(s->db);
	if (event_insert(s, id, c->created_at, "citizen", c->status, NULL) == -1)
		goto fail;
	if (routed_note != NULL &&
	    event_insert(s, id, c->created_at, "aduan", "routed", routed_note) == -1)
		goto fail;
	if (op_end(s, "insert complaint") == -1)
		goto fail;
	c->id = id;
	c->updated_at = c->created_at;
	if (routed_note != NULL)
		(void)str_copy(c->status, sizeof c->status, "routed");
	unlock(s);
	return 0;

fail:
	op_undo(s);
	unlock(s);
	return -1;
}

int
store_complaint_add(struct store *s, struct store_complaint *c)
{
	return complaint_insert(s, c, NULL);
}

int
store_complaint_add_routed(struct store *s, struct store_complaint *c, const char *note)
{
	return complaint_insert(s, c, note != NULL ? note : "");
}

/* A TEXT column as a C string; "" for NULL so fixed arrays stay defined. */
static const char *
col_str(sqlite3_stmt *st, int i)
{
	const char *v = (const char *)sqlite3_column_text(st, i);

	return v != NULL ? v : "";
}

static char *
col_dup(sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return NULL;
	return xstrdup(col_str(st, i));
}

/* Fills c (zeroed first) from a row of COMPLAINT_COLS; strings on the heap. */
static void
complaint_row(sqlite3_stmt *st, struct store_complaint *c)
{
	memset(c, 0, sizeof *c);
	c->id = (int64_t)sqlite3_column_int64(st, 0);
	(void)str_copy(c->ticket, sizeof c->ticket, col_str(st, 1));
	(void)str_copy(c->phone, sizeof c->phone, col_str(st, 2));
	(void)str_copy(c->channel, sizeof c->channel, col_str(st, 3));
	(void)str_copy(c->keyword, sizeof c->keyword, col_str(st, 4));
	(void)str_copy(c->agency, sizeof c->agency, col_str(st, 5));
	(void)str_copy(c->region, sizeof c->region, col_str(st, 6));
	(void)str_copy(c->status, sizeof c->status, col_str(st, 7));
	(void)str_copy(c->lang, sizeof c->lang, col_str(st, 8));
	c->location = col_dup(st, 9);
	c->description = xstrdup(col_str(st, 10));
	c->route_explain = col_dup(st, 11);
	c->created_at = (int64_t)sqlite3_column_int64(st, 12);
	c->updated_at = (int64_t)sqlite3_column_int64(st, 13);
	c->routed_at = (int64_t)sqlite3_column_int64(st, 14);
	c->route_due = (int64_t)sqlite3_column_int64(st, 15);
	c->followup_due = (int64_t)sqlite3_column_int64(st, 16);
	c->close_due = (int64_t)sqlite3_column_int64(st, 17);
	c->reminded_at = (int64_t)sqlite3_column_int64(st, 18);
	(void)str_copy(c->config_hash, sizeof c->config_hash, col_str(st, 19));
}

/*
 * Steps a bound statement of COMPLAINT_COLS into out[0..*n), at most max.
 * On an error nothing is left allocated and *n is 0.  Resets the statement.
 */
static int
complaint_rows_on(sqlite3 *db, sqlite3_stmt *st, const char *what,
    struct store_complaint *out, size_t max, size_t *n)
{
	int rc = SQLITE_DONE;
	size_t k = 0, i;

	while (k < max && (rc = sqlite3_step(st)) == SQLITE_ROW)
		complaint_row(st, &out[k++]);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		snprintf(errbuf, sizeof errbuf, "%s: %s", what, sqlite3_errmsg(db));
		done(st);
		for (i = 0; i < k; i++)
			store_complaint_clear(&out[i]);
		*n = 0;
		return -1;
	}
	done(st);
	*n = k;
	return 0;
}

int
store_complaint_get(struct store *s, const char *ticket,
    struct store_complaint *c)
{
	sqlite3_stmt *st;
	int rc, ret;

	/* c is output only: the caller may pass it uninitialized. */
	memset(c, 0, sizeof *c);
	lock(s);
	st = s->st[ST_COMPLAINT_GET];
	if (bind_text(st, 1, ticket) != SQLITE_OK) {
		bind_failed(s, ST_COMPLAINT_GET, "get complaint");
		unlock(s);
		return -1;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		complaint_row(st, c);
		ret = 1;
	} else if (rc == SQLITE_DONE) {
		ret = 0;
	} else {
		fail_op(s, "get complaint");
		ret = -1;
	}
	done(st);
	unlock(s);
	return ret;
}

int
store_event_add(struct store *s, int64_t complaint_id, int64_t at,
    const char *actor, const char *status, const char *note)
{
	sqlite3_stmt *st;

	lock(s);
	if (op_begin(s, "add event") == -1) {
		unlock(s);
		return -1;
	}
	if (event_insert(s, complaint_id, at, actor, status, note) == -1)
		goto fail;
	st = s->st[ST_COMPLAINT_TOUCH];
	if (bind_int64(st, 1, complaint_id) != SQLITE_OK ||
	    bind_int64(st, 2, at) != SQLITE_OK ||
	    bind_text(st, 3, status) != SQLITE_OK) {
		bind_failed(s, ST_COMPLAINT_TOUCH, "update complaint");
		goto fail;
	}
	if (run(s, ST_COMPLAINT_TOUCH, "update complaint") == -1)
		goto fail;
	if (op_end(s, "add event") == -1)
		goto fail;
	unlock(s);
	return 0;

fail:
	op_undo(s);
	unlock(s);
	return -1;
}

int
store_last_agency_note(struct store *s, int64_t complaint_id, char *buf,
    size_t bufsz)
{
	sqlite3_stmt *st;
	int rc, ret;

	/* Written whatever comes: a caller never reads an unwritten buffer. */
	if (buf != NULL && bufsz > 0)
		buf[0] = '\0';
	lock(s);
	st = s->st[ST_LAST_NOTE];
	if (bind_int64(st, 1, complaint_id) != SQLITE_OK) {
		bind_failed(s, ST_LAST_NOTE, "last agency note");
		unlock(s);
		return -1;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (buf != NULL && bufsz > 0)
			(void)str_copy(buf, bufsz, col_str(st, 0));
		ret = 1;
	} else if (rc == SQLITE_DONE) {
		ret = 0;
	} else {
		fail_op(s, "last agency note");
		ret = -1;
	}
	done(st);
	unlock(s);
	return ret;
}

long
store_complaint_count(struct store *s)
{
	sqlite3_stmt *st;
	long n;

	lock(s);
	st = s->st[ST_COMPLAINT_COUNT];
	if (sqlite3_step(st) == SQLITE_ROW)
		n = (long)sqlite3_column_int64(st, 0);
	else {
		fail_op(s, "count complaints");
		n = -1;
	}
	done(st);
	unlock(s);
	return n;
}

/* ---- tickets for the agency API and Open311 ---------------------------- */

int
store_complaint_list(struct store *s, const struct store_query *q,
    struct store_complaint *out, size_t max, size_t *n)
{
	sqlite3_stmt *st;
	size_t limit = q->limit < max ? q->limit : max;
	int open_only = q->open > 0 ? 1 : q->open < 0 ? -1 : 0;
	int ret;

	*n = 0;
	/*
	 * On the listing connection: a page that has to walk many rows
	 * (a rare filter) never holds up the writer nor a retried callback
	 * (store_message_seen), nor the other way round.
	 */
	if (pthread_mutex_lock(&s->llock) != 0)
		fatal("store: cannot take the listing lock");
	st = q->agency != NULL ? s->rlist_agency : s->rlist;
	if (bind_text(st, 1, q->agency) != SQLITE_OK ||
	    bind_text(st, 2, q->status) != SQLITE_OK ||
	    sqlite3_bind_int(st, 3, open_only) != SQLITE_OK ||
	    bind_text(st, 4, q->keyword) != SQLITE_OK ||
	    bind_int64(st, 5, q->updated_since) != SQLITE_OK ||
	    bind_int64(st, 6, q->created_from) != SQLITE_OK ||
	    bind_int64(st, 7, q->created_to) != SQLITE_OK ||
	    bind_int64(st, 8, q->before_id > 0 ? q->before_id : INT64_MAX) != SQLITE_OK ||
	    bind_limit(st, 9, limit) != SQLITE_OK) {
		snprintf(errbuf, sizeof errbuf, "list complaints: %s", sqlite3_errmsg(s->ldb));
		done(st);
		pthread_mutex_unlock(&s->llock);
		return -1;
	}
	ret = complaint_rows_on(s->ldb, st, "list complaints", out, limit, n);
	pthread_mutex_unlock(&s->llock);
	return ret;
}

/* A statement stopped by pub_progress: its budget is spent. */
static int
pub_result(struct store *s, int ret)
{
	if (ret < 0 && sqlite3_errcode(s->pdb) == SQLITE_INTERRUPT) {
		snprintf(errbuf, sizeof errbuf, "public listing: more than %d steps",
		    STORE_PUBLIC_STEPS);
		return STORE_TOO_COSTLY;
	}
	return ret;
}

int
store_public_list(struct store *s, const struct store_query *q,
    struct store_complaint *out, size_t max, size_t *n)
{
	sqlite3_stmt *st;
	size_t limit = q->limit < max ? q->limit : max;
	int open_only = q->open > 0 ? 1 : q->open < 0 ? -1 : 0;
	int ret;

	*n = 0;
	if (pthread_mutex_lock(&s->plock) != 0)
		fatal("store: cannot take the public listing lock");
	st = s->pst[q->keyword != NULL ? PUB_LIST_CODE : open_only < 0 ? PUB_LIST_CLOSED :
	    PUB_LIST];
	if (sqlite3_bind_int(st, 3, open_only) != SQLITE_OK ||
	    bind_text(st, 4, q->keyword) != SQLITE_OK ||
	    bind_int64(st, 6, q->created_from) != SQLITE_OK ||
	    bind_int64(st, 7, q->created_to) != SQLITE_OK ||
	    bind_int64(st, 8, q->before_id > 0 ? q->before_id : INT64_MAX) != SQLITE_OK ||
	    bind_limit(st, 9, limit) != SQLITE_OK) {
		snprintf(errbuf, sizeof errbuf, "public listing: %s", sqlite3_errmsg(s->pdb));
		done(st);
		pthread_mutex_unlock(&s->plock);
		return -1;
	}
	s->pub_ticks = 0;
	ret = pub_result(s, complaint_rows_on(s->pdb, st, "public listing", out, limit, n));
	pthread_mutex_unlock(&s->plock);
	return ret;
}

/* One public complaint, with its note, on pdb.  1, 0, -1 (budget: STORE_TOO_COSTLY). */
static int
pub_one(struct store *s, const char *ticket, int64_t id, struct store_complaint *c,
    char *note, size_t notesz)
{
	sqlite3_stmt *st = s->pst[PUB_ONE];
	int rc, ret;

	if (bind_text(st, 1, ticket) != SQLITE_OK) {
		snprintf(errbuf, sizeof errbuf, "public request: %s", sqlite3_errmsg(s->pdb));
		done(st);
		return -1;
	}
	s->pub_ticks = 0;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (c != NULL)
			complaint_row(st, c);
		if (note != NULL && notesz > 0)
			(void)str_copy(note, notesz, col_str(st, 20));
		ret = sqlite3_column_int64(st, 0) == id || id == 0 ? 1 : 0;
	} else if (rc == SQLITE_DONE) {
		ret = 0;
	} else {
		snprintf(errbuf, sizeof errbuf, "public request: %s", sqlite3_errmsg(s->pdb));
		ret = -1;
	}
	done(st);
	return pub_result(s, ret);
}

int
store_public_plan(struct store *s, const struct store_query *q, char *out, size_t outsz)
{
	sqlite3_stmt *st = NULL;
	int open_only = q->open > 0 ? 1 : q->open < 0 ? -1 : 0, ret = 0;
	size_t o = 0;
	const char *sql = pub_sql[q->keyword != NULL ? PUB_LIST_CODE : open_only < 0 ?
	    PUB_LIST_CLOSED : PUB_LIST];
	char *explain;

	if (outsz == 0)
		return -1;
	out[0] = '\0';
	explain = xmalloc(strlen(sql) + 32);
	memcpy(explain, "EXPLAIN QUERY PLAN ", 19);
	memcpy(explain + 19, sql, strlen(sql) + 1);
	if (pthread_mutex_lock(&s->plock) != 0)
		fatal("store: cannot take the public listing lock");
	if (sqlite3_prepare_v2(s->pdb, explain, -1, &st, NULL) != SQLITE_OK) {
		snprintf(errbuf, sizeof errbuf, "explain: %s", sqlite3_errmsg(s->pdb));
		ret = -1;
	} else {
		while (sqlite3_step(st) == SQLITE_ROW) {
			int w = snprintf(out + o, outsz - o, "%s%s", o > 0 ? "; " : "",
			    col_str(st, 3));

			if (w < 0 || (size_t)w >= outsz - o)
				break;
			o += (size_t)w;
		}
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&s->plock);
	free(explain);
	return ret;
}

int
store_public_get(struct store *s, const char *ticket, struct store_complaint *c,
    char *note, size_t notesz)
{
	int ret;

	memset(c, 0, sizeof *c);
	if (note != NULL && notesz > 0)
		note[0] = '\0';
	if (pthread_mutex_lock(&s->plock) != 0)
		fatal("store: cannot take the public listing lock");
	ret = pub_one(s, ticket, 0, c, note, notesz);
	pthread_mutex_unlock(&s->plock);
	if (ret != 1)
		store_complaint_clear(c);
	return ret;
}

int
store_public_note(struct store *s, const struct store_complaint *c, char *note,
    size_t notesz)
{
	int ret;

	if (note != NULL && notesz > 0)
		note[0] = '\0';
	if (pthread_mutex_lock(&s->plock) != 0)
		fatal("store: cannot take the public listing lock");
	ret = pub_one(s, c->ticket, c->id, NULL, note, notesz);
	pthread_mutex_unlock(&s->plock);
	return ret < 0 ? ret : note != NULL && note[0] != '\0';
}

void
store_event_clear(struct store_event *e)
{
	if (e == NULL)
		return;
	free(e->note);
	e->note = NULL;
}

int
store_events_list(struct store *s, int64_t complaint_id,
    struct store_event *out, size_t max, size_t *n)
{
	struct store_event *e;
	sqlite3_stmt *st;
	size_t k = 0, i;
	int rc = SQLITE_DONE;

	*n = 0;
	lock(s);
	st = s->st[ST_EVENTS_LIST];
	if (bind_int64(st, 1, complaint_id) != SQLITE_OK ||
	    bind_limit(st, 2, max) != SQLITE_OK) {
		bind_failed(s, ST_EVENTS_LIST, "list events");
		unlock(s);
		return -1;
	}
	while (k < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		e = &out[k++];
		memset(e, 0, sizeof *e);
		e->id = (int64_t)sqlite3_column_int64(st, 0);
		e->at = (int64_t)sqlite3_column_int64(st, 1);
		(void)str_copy(e->actor, sizeof e->actor, col_str(st, 2));
		(void)str_copy(e->status, sizeof e->status, col_str(st, 3));
		e->note = col_dup(st, 4);
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		fail_op(s, "list events");
		done(st);
		unlock(s);
		for (i = 0; i < k; i++)
			store_event_clear(&out[i]);
		return -1;
	}
	done(st);
	unlock(s);
	*n = k;
	return 0;
}

int
store_complaint_set_agency(struct store *s, int64_t complaint_id,
    const char *agency, int64_t now)
{
	sqlite3_stmt *st;
	int ret;

	lock(s);
	st = s->st[ST_COMPLAINT_SET_AGENCY];
	if (bind_int64(st, 1, complaint_id) != SQLITE_OK ||
	    bind_text(st, 2, agency) != SQLITE_OK ||
	    bind_int64(st, 3, now) != SQLITE_OK) {
		bind_failed(s, ST_COMPLAINT_SET_AGENCY, "set complaint agency");
		unlock(s);
		return -1;
	}
	ret = run(s, ST_COMPLAINT_SET_AGENCY, "set complaint agency");
	unlock(s);
	return ret;
}

int
store_complaint_set_sla(struct store *s, int64_t complaint_id,
    int64_t routed_at, int64_t route_due, int64_t followup_due,
    int64_t close_due, int64_t reminded_at)
{
	sqlite3_stmt *st;
	int ret;

	lock(s);
	st = s->st[ST_COMPLAINT_SET_SLA];
	if (bind_int64(st, 1, complaint_id) != SQLITE_OK ||
	    bind_int64(st, 2, routed_at) != SQLITE_OK ||
	    bind_int64(st, 3, route_due) != SQLITE_OK ||
	    bind_int64(st, 4, followup_due) != SQLITE_OK ||
	    bind_int64(st, 5, close_due) != SQLITE_OK ||
	    bind_int64(st, 6, reminded_at) != SQLITE_OK) {
		bind_failed(s, ST_COMPLAINT_SET_SLA, "set service levels");
		unlock(s);
		return -1;
	}
	ret = run(s, ST_COMPLAINT_SET_SLA, "set service levels");
	unlock(s);
	return ret;
}

/* Runs a "due at now" complaint query (overdue, to close) into out. */
static int
complaints_due(struct store *s, enum stmt_id id, const char *what,
    int64_t now, struct store_complaint *out, size_t max, size_t *n)
{
	sqlite3_stmt *st;
	int ret;

	*n = 0;
	lock(s);
	st = s->st[id];
	if (bind_int64(st, 1, now) != SQLITE_OK ||
	    bind_limit(st, 2, max) != SQLITE_OK) {
		bind_failed(s, id, what);
		unlock(s);
		return -1;
	}
	ret = complaint_rows_on(s->db, s->st[id], what, out, max, n);
	unlock(s);
	return ret;
}

int
store_complaint_overdue(struct store *s, int64_t now,
    struct store_complaint *out, size_t max, size_t *n)
{
	return complaints_due(s, ST_COMPLAINT_OVERDUE, "find overdue complaints",
	    now, out, max, n);
}

int
store_complaint_to_autoclose(struct store *s, int64_t now,
    struct store_complaint *out, size_t max, size_t *n)
{
	return complaints_due(s, ST_COMPLAINT_AUTOCLOSE,
	    "find complaints to close", now, out, max, n);
}

/* ---- phones ------------------------------------------------------------ */

int
store_phone_get(struct store *s, const char *phone, struct store_phone *p)
{
	sqlite3_stmt *st;
	int rc, ret;

	/* Defaults first, so "not known" and errors leave something sane. */
	p->notify = 1;
	p->lang[0] = '\0';
	lock(s);
	st = s->st[ST_PHONE_GET];
	if (bind_text(st, 1, phone) != SQLITE_OK) {
		bind_failed(s, ST_PHONE_GET, "get phone");
		unlock(s);
		return -1;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		p->notify = sqlite3_column_int(st, 0) != 0;
		(void)str_copy(p->lang, sizeof p->lang, col_str(st, 1));
		ret = 1;
	} else if (rc == SQLITE_DONE) {
		ret = 0;
	} else {
		fail_op(s, "get phone");
		ret = -1;
	}
	done(st);
	unlock(s);
	return ret;
}

int
store_phone_set(struct store *s, const char *phone, int notify,
    const char *lang, int64_t at)
{
	sqlite3_stmt *st;
	int ret;

	lock(s);
	st = s->st[ST_PHONE_SET];
	if (bind_text(st, 1, phone) != SQLITE_OK ||
	    (notify < 0 ? sqlite3_bind_null(st, 2) :
	    sqlite3_bind_int(st, 2, notify != 0)) != SQLITE_OK ||
	    bind_text(st, 3, lang) != SQLITE_OK ||
	    bind_int64(st, 4, at) != SQLITE_OK) {
		bind_failed(s, ST_PHONE_SET, "set phone");
		unlock(s);
		return -1;
	}
	ret = run(s, ST_PHONE_SET, "set phone");
	unlock(s);
	return ret;
}

/* ---- USSD sessions ----------------------------------------------------- */

/* A row id where 0 means none: binds NULL for 0. */
static int
bind_ref(sqlite3_stmt *st, int i, int64_t id)
{
	if (id == 0)
		return sqlite3_bind_null(st, i);
	return bind_int64(st, i, id);
}

/* Fills u from a row of USSD_COLS; strings are cut to the arrays. */
static void
ussd_row(sqlite3_stmt *st, struct store_ussd *u)
{
	(void)str_copy(u->gateway, sizeof u->gateway, col_str(st, 0));
	(void)str_copy(u->id, sizeof u->id, col_str(st, 1));
	(void)str_copy(u->phone, sizeof u->phone, col_str(st, 2));
	(void)str_copy(u->state, sizeof u->state, col_str(st, 3));
	(void)str_copy(u->lang, sizeof u->lang, col_str(st, 4));
	u->page = sqlite3_column_int(st, 5);
	u->rule = (long)sqlite3_column_int64(st, 6);
	(void)str_copy(u->location, sizeof u->location, col_str(st, 7));
	(void)str_copy(u->description, sizeof u->description, col_str(st, 8));
	(void)str_copy(u->resume_to, sizeof u->resume_to, col_str(st, 9));
	u->resumable = sqlite3_column_int(st, 10) != 0;
	u->done = sqlite3_column_int(st, 11) != 0;
	/* NULL reads as 0, "none". */
	u->complaint_id = (int64_t)sqlite3_column_int64(st, 12);
	(void)str_copy(u->last_text, sizeof u->last_text, col_str(st, 13));
	(void)str_copy(u->last_response, sizeof u->last_response, col_str(st, 14));
	u->created_at = (int64_t)sqlite3_column_int64(st, 15);
	u->updated_at = (int64_t)sqlite3_column_int64(st, 16);
}

/* Steps a bound session query: 1 row read into u, 0 none, -1 error. */
static int
ussd_fetch(struct store *s, enum stmt_id id, const char *what,
    struct store_ussd *u)
{
	sqlite3_stmt *st = s->st[id];
	int rc, ret;

	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		ussd_row(st, u);
		ret = 1;
	} else if (rc == SQLITE_DONE) {
		ret = 0;
	} else {
		fail_op(s, what);
		ret = -1;
	}
	done(st);
	return ret;
}

int
store_ussd_get(struct store *s, const char *gateway, const char *id,
    struct store_ussd *u)
{
	sqlite3_stmt *st;
	int ret;

	/* u is output only: "not found" and errors leave it zeroed. */
	memset(u, 0, sizeof *u);
	lock(s);
	st = s->st[ST_USSD_GET];
	if (bind_text(st, 1, gateway) != SQLITE_OK ||
	    bind_text(st, 2, id) != SQLITE_OK) {
		bind_failed(s, ST_USSD_GET, "get ussd session");
		unlock(s);
		return -1;
	}
	ret = ussd_fetch(s, ST_USSD_GET, "get ussd session", u);
	unlock(s);
	return ret;
}

int
store_ussd_put(struct store *s, const struct store_ussd *u)
{
	sqlite3_stmt *st;
	int ret;

	lock(s);
	st = s->st[ST_USSD_PUT];
	if (bind_fixed(st, 1, u->gateway, sizeof u->gateway) != SQLITE_OK ||
	    bind_fixed(st, 2, u->id, sizeof u->id) != SQLITE_OK ||
	    bind_fixed(st, 3, u->phone, sizeof u->phone) != SQLITE_OK ||
	    bind_fixed(st, 4, u->state, sizeof u->state) != SQLITE_OK ||
	    bind_fixed(st, 5, u->lang, sizeof u->lang) != SQLITE_OK ||
	    sqlite3_bind_int(st, 6, u->page) != SQLITE_OK ||
	    bind_int64(st, 7, (int64_t)u->rule) != SQLITE_OK ||
	    bind_fixed(st, 8, u->location, sizeof u->location) != SQLITE_OK ||
	    bind_fixed(st, 9, u->description, sizeof u->description) != SQLITE_OK ||
	    bind_fixed(st, 10, u->resume_to, sizeof u->resume_to) != SQLITE_OK ||
	    sqlite3_bind_int(st, 11, u->resumable != 0) != SQLITE_OK ||
	    sqlite3_bind_int(st, 12, u->done != 0) != SQLITE_OK ||
	    bind_ref(st, 13, u->complaint_id) != SQLITE_OK ||
	    bind_fixed(st, 14, u->last_text, sizeof u->last_text) != SQLITE_OK ||
	    bind_fixed(st, 15, u->last_response, sizeof u->last_response) != SQLITE_OK ||
	    bind_int64(st, 16, u->created_at) != SQLITE_OK ||
	    bind_int64(st, 17, u->updated_at) != SQLITE_OK) {
		bind_failed(s, ST_USSD_PUT, "save ussd session");
		unlock(s);
		return -1;
	}
	ret = run(s, ST_USSD_PUT, "save ussd session");
	unlock(s);
	return ret;
}

int
store_ussd_find_resumable(struct store *s, const char *phone,
    const char *gateway, const char *not_id, int64_t since,
    struct store_ussd *u)
{
	sqlite3_stmt *st;
	int ret;

	memset(u, 0, sizeof *u);
	lock(s);
	st = s->st[ST_USSD_RESUMABLE];
	if (bind_text(st, 1, phone) != SQLITE_OK ||
	    bind_text(st, 2, gateway) != SQLITE_OK ||
	    bind_text(st, 3, not_id) != SQLITE_OK ||
	    bind_int64(st, 4, since) != SQLITE_OK) {
		bind_failed(s, ST_USSD_RESUMABLE, "find resumable ussd session");
		unlock(s);
		return -1;
	}
	ret = ussd_fetch(s, ST_USSD_RESUMABLE, "find resumable ussd session", u);
	unlock(s);
	return ret;
}

long
store_ussd_purge(struct store *s, int64_t before)
{
	sqlite3_stmt *st;
	long n;

	lock(s);
	st = s->st[ST_USSD_PURGE];
	if (bind_int64(st, 1, before) != SQLITE_OK ||
	    bind_int64(st, 2, STORE_PURGE_BATCH) != SQLITE_OK) {
		bind_failed(s, ST_USSD_PURGE, "purge ussd sessions");
		unlock(s);
		return -1;
	}
	if (run(s, ST_USSD_PURGE, "purge ussd sessions") == -1)
		n = -1;
	else
		n = (long)sqlite3_changes(s->db);
	unlock(s);
	return n;
}

/* ---- outbox ------------------------------------------------------------ */

int
store_outbox_add(struct store *s, const struct store_outbox_new *o)
{
	sqlite3_stmt *st;
	int ret;

	lock(s);
	st = s->st[ST_OUTBOX_ADD];
	if (bind_text(st, 1, o->kind) != SQLITE_OK ||
	    bind_text(st, 2, o->recipient) != SQLITE_OK ||
	    bind_text(st, 3, o->body) != SQLITE_OK ||
	    bind_text(st, 4, o->idem_key) != SQLITE_OK ||
	    bind_ref(st, 5, o->complaint_id) != SQLITE_OK ||
	    bind_int64(st, 6, o->created_at) != SQLITE_OK) {
		bind_failed(s, ST_OUTBOX_ADD, "queue outbox message");
		unlock(s);
		return -1;
	}
	ret = run_changed(s, ST_OUTBOX_ADD, "queue outbox message");
	unlock(s);
	return ret;
}

long
store_outbox_pending(struct store *s, const char *kind)
{
	sqlite3_stmt *st;
	long n;

	lock(s);
	st = s->st[ST_OUTBOX_PENDING];
	if (bind_text(st, 1, kind) != SQLITE_OK) {
		bind_failed(s, ST_OUTBOX_PENDING, "count pending outbox");
		unlock(s);
		return -1;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		n = (long)sqlite3_column_int64(st, 0);
	else {
		fail_op(s, "count pending outbox");
		n = -1;
	}
	done(st);
	unlock(s);
	return n;
}

/* ---- delivery ---------------------------------------------------------- */

void
store_outbox_row_clear(struct store_outbox_row *r)
{
	if (r == NULL)
		return;
	free(r->body);
	r->body = NULL;
}

/* Fills r (zeroed first) from a row of OUTBOX_COLS; the body on the heap. */
static void
outbox_row(sqlite3_stmt *st, struct store_outbox_row *r)
{
	memset(r, 0, sizeof *r);
	r->id = (int64_t)sqlite3_column_int64(st, 0);
	(void)str_copy(r->kind, sizeof r->kind, col_str(st, 1));
	(void)str_copy(r->recipient, sizeof r->recipient, col_str(st, 2));
	r->body = xstrdup(col_str(st, 3));
	(void)str_copy(r->idem_key, sizeof r->idem_key, col_str(st, 4));
	/* NULL reads as 0, "none". */
	r->complaint_id = (int64_t)sqlite3_column_int64(st, 5);
	(void)str_copy(r->state, sizeof r->state, col_str(st, 6));
	r->attempts = sqlite3_column_int(st, 7);
	r->next_attempt_at = (int64_t)sqlite3_column_int64(st, 8);
	(void)str_copy(r->last_error, sizeof r->last_error, col_str(st, 9));
	(void)str_copy(r->provider_id, sizeof r->provider_id, col_str(st, 10));
	(void)str_copy(r->dlr_state, sizeof r->dlr_state, col_str(st, 11));
	r->created_at = (int64_t)sqlite3_column_int64(st, 12);
	r->updated_at = (int64_t)sqlite3_column_int64(st, 13);
}

int
store_outbox_due(struct store *s, int64_t now)
{
	sqlite3_stmt *st;
	int rc;

	lock(s);
	st = s->st[ST_OUTBOX_DUE];
	if (bind_int64(st, 1, now) != SQLITE_OK || bind_limit(st, 2, 1) != SQLITE_OK) {
		bind_failed(s, ST_OUTBOX_DUE, "look for due outbox rows");
		unlock(s);
		return -1;
	}
	rc = sqlite3_step(st);
	done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		fail_op(s, "look for due outbox rows");
	unlock(s);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/*
 * The read and the leases are one transaction, so no other worker (a
 * thread here, behind the lock, or another process) can claim the same
 * rows in between.  Outside a transaction it is BEGIN IMMEDIATE rather
 * than a savepoint: a deferred one would read first and then fail with
 * SQLITE_BUSY, without waiting, if another process wrote meanwhile.
 */
int
store_outbox_claim(struct store *s, int64_t now, int64_t lease_until,
    struct store_outbox_row *rows, size_t max, size_t *n)
{
	sqlite3_stmt *st;
	size_t k = 0, i;
	int own_tx, rc = SQLITE_DONE;

	*n = 0;
	if (max == 0)
		return 0;
	lock(s);
	own_tx = sqlite3_get_autocommit(s->db) != 0;
	if (own_tx) {
		/*
		 * Most polls find nothing due: look first with a plain read, so
		 * that idle workers never take the write lock (in WAL a read
		 * blocks no writer, and no other process waits on us).
		 */
		if ((rc = store_outbox_due(s, now)) != 1) {
			unlock(s);
			return rc;
		}
		rc = SQLITE_DONE;
	}
	if ((own_tx ? run(s, ST_BEGIN, "claim outbox") : op_begin(s, "claim outbox")) == -1) {
		unlock(s);
		return -1;
	}
	st = s->st[ST_OUTBOX_DUE];
	if (bind_int64(st, 1, now) != SQLITE_OK ||
	    bind_limit(st, 2, max) != SQLITE_OK) {
		bind_failed(s, ST_OUTBOX_DUE, "claim outbox");
		goto fail;
	}
	while (k < max && (rc = sqlite3_step(st)) == SQLITE_ROW)
		outbox_row(st, &rows[k++]);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		fail_op(s, "claim outbox");
		done(st);
		goto fail;
	}
	done(st);

	st = s->st[ST_OUTBOX_LEASE];
	for (i = 0; i < k; i++) {
		if (bind_int64(st, 1, rows[i].id) != SQLITE_OK ||
		    bind_int64(st, 2, lease_until) != SQLITE_OK ||
		    bind_int64(st, 3, now) != SQLITE_OK) {
			bind_failed(s, ST_OUTBOX_LEASE, "lease outbox row");
			goto fail;
		}
		if (run(s, ST_OUTBOX_LEASE, "lease outbox row") == -1)
			goto fail;
		(void)str_copy(rows[i].state, sizeof rows[i].state, "sending");
		rows[i].next_attempt_at = lease_until;
		rows[i].updated_at = now;
	}
	if ((own_tx ? run(s, ST_COMMIT, "claim outbox") : op_end(s, "claim outbox")) == -1)
		goto fail;
	unlock(s);
	*n = k;
	return 0;

fail:
	for (i = 0; i < k; i++)
		store_outbox_row_clear(&rows[i]);
	if (!own_tx)
		op_undo(s);
	else if (!sqlite3_get_autocommit(s->db)) {
		sqlite3_step(s->st[ST_ROLLBACK]);
		done(s->st[ST_ROLLBACK]);
	}
	unlock(s);
	return -1;
}

/* Runs a bound state change of one outbox row.  0, -1. */
static int
outbox_change(struct store *s, enum stmt_id id, const char *what, int bound)
{
	int ret;

	if (!bound) {
		bind_failed(s, id, what);
		unlock(s);
		return -1;
	}
	ret = run(s, id, what);
	unlock(s);
	return ret;
}

int
store_outbox_sent(struct store *s, int64_t id, int64_t now,
    const char *provider_id)
{
	sqlite3_stmt *st;

	lock(s);
	st = s->st[ST_OUTBOX_SENT];
	return outbox_change(s, ST_OUTBOX_SENT, "mark outbox row sent",
	    bind_int64(st, 1, id) == SQLITE_OK &&
	    bind_int64(st, 2, now) == SQLITE_OK &&
	    bind_text(st, 3, provider_id) == SQLITE_OK);
}

int
store_outbox_provider(struct store *s, int64_t id, const char *provider_id)
{
	sqlite3_stmt *st;

	lock(s);
	st = s->st[ST_OUTBOX_PROVIDER];
	return outbox_change(s, ST_OUTBOX_PROVIDER, "record provider id",
	    bind_int64(st, 1, id) == SQLITE_OK &&
	    bind_text(st, 2, provider_id) == SQLITE_OK);
}

int
store_outbox_retry(struct store *s, int64_t id, int64_t now, int64_t next_at,
    const char *error)
{
	sqlite3_stmt *st;

	lock(s);
	st = s->st[ST_OUTBOX_RETRY];
	return outbox_change(s, ST_OUTBOX_RETRY, "reschedule outbox row",
	    bind_int64(st, 1, id) == SQLITE_OK &&
	    bind_int64(st, 2, now) == SQLITE_OK &&
	    bind_int64(st, 3, next_at) == SQLITE_OK &&
	    bind_text(st, 4, error) == SQLITE_OK);
}

int
store_outbox_dead(struct store *s, int64_t id, int64_t now, const char *error)
{
	sqlite3_stmt *st;

	lock(s);
	st = s->st[ST_OUTBOX_DEAD];
	return outbox_change(s, ST_OUTBOX_DEAD, "mark outbox row dead",
	    bind_int64(st, 1, id) == SQLITE_OK &&
	    bind_int64(st, 2, now) == SQLITE_OK &&
	    bind_text(st, 3, error) == SQLITE_OK);
}

int
store_outbox_requeue(struct store *s, int64_t id, int64_t now)
{
	sqlite3_stmt *st;
	int ret;

	lock(s);
	st = s->st[ST_OUTBOX_REQUEUE];
	if (bind_int64(st, 1, id) != SQLITE_OK ||
	    bind_int64(st, 2, now) != SQLITE_OK) {
		bind_failed(s, ST_OUTBOX_REQUEUE, "requeue outbox row");
		unlock(s);
		return -1;
	}
	ret = run_changed(s, ST_OUTBOX_REQUEUE, "requeue outbox row");
	unlock(s);
	return ret;
}

/*
 * fn runs with the store's lock held and this statement open: it may call
 * other store functions (the lock is recursive), but not
 * store_outbox_each() itself.
 */
int
store_outbox_each(struct store *s, const char *state, size_t limit,
    void (*fn)(void *arg, const struct store_outbox_row *r), void *arg)
{
	struct store_outbox_row r;
	sqlite3_stmt *st;
	int rc;

	lock(s);
	st = s->st[ST_OUTBOX_EACH];
	if (bind_text(st, 1, state) != SQLITE_OK ||
	    bind_limit(st, 2, limit) != SQLITE_OK) {
		bind_failed(s, ST_OUTBOX_EACH, "list outbox");
		unlock(s);
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		outbox_row(st, &r);
		fn(arg, &r);
		store_outbox_row_clear(&r);
	}
	if (rc != SQLITE_DONE)
		fail_op(s, "list outbox");
	done(st);
	unlock(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

long
store_outbox_count(struct store *s, const char *state)
{
	sqlite3_stmt *st;
	long n;

	lock(s);
	st = s->st[ST_OUTBOX_COUNT];
	if (bind_text(st, 1, state) != SQLITE_OK) {
		bind_failed(s, ST_OUTBOX_COUNT, "count outbox");
		unlock(s);
		return -1;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		n = (long)sqlite3_column_int64(st, 0);
	else {
		fail_op(s, "count outbox");
		n = -1;
	}
	done(st);
	unlock(s);
	return n;
}

int
store_outbox_dlr(struct store *s, const char *provider_id,
    const char *dlr_state, int64_t now)
{
	sqlite3_stmt *st;
	int ret;

	lock(s);
	st = s->st[ST_OUTBOX_DLR];
	if (bind_text(st, 1, provider_id) != SQLITE_OK ||
	    bind_text(st, 2, dlr_state) != SQLITE_OK ||
	    bind_int64(st, 3, now) != SQLITE_OK) {
		bind_failed(s, ST_OUTBOX_DLR, "record delivery report");
		unlock(s);
		return -1;
	}
	ret = run_changed(s, ST_OUTBOX_DLR, "record delivery report");
	unlock(s);
	return ret;
}

/* ---- long messages in parts ------------------------------------------- */

int
store_part_add(struct store *s, const char *gateway, const char *sender, const char *ref,
    int total, int part, const char *msg_id, const char *text, int64_t now)
{
	sqlite3_stmt *st;
	int ret, rc, reused = 0;

	lock(s);
	st = s->st[ST_PART_FIND];
	if (bind_text(st, 1, gateway) != SQLITE_OK || bind_text(st, 2, sender) != SQLITE_OK ||
	    bind_text(st, 3, ref) != SQLITE_OK || bind_int64(st, 4, part) != SQLITE_OK) {
		bind_failed(s, ST_PART_FIND, "keep message part");
		unlock(s);
		return -1;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		/*
		 * Had it.  A repeat, unless the whole was handled and this part
		 * has another id: the phone reused the reference for a new
		 * message, whose parts replace the old ones.
		 */
		reused = msg_id != NULL && *msg_id != '\0' &&
		    sqlite3_column_int64(st, 1) > 0 && strcmp(col_str(st, 0), msg_id) != 0;
	} else if (rc != SQLITE_DONE) {
		fail_op(s, "keep message part");
		done(st);
		unlock(s);
		return -1;
	}
	done(st);
	if (rc == SQLITE_ROW && !reused) {
		unlock(s);
		return 0;
	}
	if (reused) {
		st = s->st[ST_PARTS_FORGET];
		if (bind_text(st, 1, gateway) != SQLITE_OK || bind_text(st, 2, sender) != SQLITE_OK ||
		    bind_text(st, 3, ref) != SQLITE_OK) {
			bind_failed(s, ST_PARTS_FORGET, "keep message part");
			unlock(s);
			return -1;
		}
		if (run(s, ST_PARTS_FORGET, "keep message part") == -1) {
			unlock(s);
			return -1;
		}
	}
	st = s->st[ST_PART_ADD];
	if (bind_text(st, 1, gateway) != SQLITE_OK || bind_text(st, 2, sender) != SQLITE_OK ||
	    bind_text(st, 3, ref) != SQLITE_OK || bind_int64(st, 4, total) != SQLITE_OK ||
	    bind_int64(st, 5, part) != SQLITE_OK || bind_text(st, 6, text) != SQLITE_OK ||
	    bind_int64(st, 7, now) != SQLITE_OK || bind_text(st, 8, msg_id) != SQLITE_OK) {
		bind_failed(s, ST_PART_ADD, "keep message part");
		unlock(s);
		return -1;
	}
	ret = run(s, ST_PART_ADD, "keep message part") == -1 ? -1 : 1;
	unlock(s);
	return ret;
}

long
store_parts_purge(struct store *s, int64_t before)
{
	sqlite3_stmt *st;
	long n;

	lock(s);
	st = s->st[ST_PARTS_PURGE];
	if (bind_int64(st, 1, before) != SQLITE_OK ||
	    bind_int64(st, 2, STORE_PURGE_BATCH) != SQLITE_OK) {
		bind_failed(s, ST_PARTS_PURGE, "purge message parts");
		unlock(s);
		return -1;
	}
	if (run(s, ST_PARTS_PURGE, "purge message parts") == -1)
		n = -1;
	else
		n = (long)sqlite3_changes(s->db);
	unlock(s);
	return n;
}

/*
 * Reads the parts of one message in order into a joined text with "[...]"
 * for each missing part.  Sets *have, *total, *first_at.  0, -1.
 */
static int
parts_read(struct store *s, const char *gateway, const char *sender, const char *ref,
    char **text, int *have, int *total, int64_t *first_at)
{
	sqlite3_stmt *st = s->st[ST_PARTS_GET];
	size_t len = 0, cap = 256, n;
	const char *t;
	int rc, next = 1, part;
	char *out;

	*have = 0;
	*total = 0;
	*first_at = 0;
	if (bind_text(st, 1, gateway) != SQLITE_OK || bind_text(st, 2, sender) != SQLITE_OK ||
	    bind_text(st, 3, ref) != SQLITE_OK) {
		bind_failed(s, ST_PARTS_GET, "read message parts");
		return -1;
	}
	out = xmalloc(cap);
	out[0] = '\0';
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		part = sqlite3_column_int(st, 0);
		if (sqlite3_column_int(st, 1) > *total)
			*total = sqlite3_column_int(st, 1);
		if (*first_at == 0 || sqlite3_column_int64(st, 3) < *first_at)
			*first_at = sqlite3_column_int64(st, 3);
		t = col_str(st, 2);
		n = strlen(t);
		/* A gap between the parts that came is marked once, never closed up. */
		while (len + n + 6 + 1 > cap)
			out = xrealloc(out, cap *= 2);
		if (next < part) {
			memcpy(out + len, "[...]", 5);
			len += 5;
		}
		memcpy(out + len, t, n);
		len += n;
		out[len] = '\0';
		next = part + 1;
		(*have)++;
	}
	if (rc != SQLITE_DONE) {
		fail_op(s, "read message parts");
		done(st);
		free(out);
		return -1;
	}
	done(st);
	if (next <= *total) {
		out = xrealloc(out, len + 6);
		memcpy(out + len, "[...]", 6);
	}
	*text = out;
	return 0;
}

int
store_parts_join(struct store *s, const char *gateway, const char *sender, const char *ref,
    char **text)
{
	int have, total;
	int64_t first;

	*text = NULL;
	lock(s);
	if (parts_read(s, gateway, sender, ref, text, &have, &total, &first) != 0) {
		unlock(s);
		return -1;
	}
	unlock(s);
	if (have > 0 && have >= total)
		return 1;
	free(*text);
	*text = NULL;
	return 0;
}

int
store_parts_delete(struct store *s, const char *gateway, const char *sender, const char *ref,
    int64_t now)
{
	sqlite3_stmt *st;
	int ret;

	lock(s);
	st = s->st[ST_PARTS_DELETE];
	if (bind_text(st, 1, gateway) != SQLITE_OK || bind_text(st, 2, sender) != SQLITE_OK ||
	    bind_text(st, 3, ref) != SQLITE_OK || bind_int64(st, 4, now > 0 ? now : 1) != SQLITE_OK) {
		bind_failed(s, ST_PARTS_DELETE, "forget message parts");
		unlock(s);
		return -1;
	}
	ret = run(s, ST_PARTS_DELETE, "forget message parts") == -1 ? -1 : 0;
	unlock(s);
	return ret;
}

void
store_parts_group_clear(struct store_parts_group *g)
{
	free(g->text);
	g->text = NULL;
}

int
store_parts_expired(struct store *s, int64_t before, struct store_parts_group *out, size_t max,
    size_t *n)
{
	sqlite3_stmt *st;
	size_t k = 0, i;
	int rc = SQLITE_DONE;

	*n = 0;
	if (max == 0)
		return 0;
	lock(s);
	st = s->st[ST_PARTS_EXPIRED];
	if (bind_int64(st, 1, before) != SQLITE_OK || bind_int64(st, 2, (int64_t)max) != SQLITE_OK) {
		bind_failed(s, ST_PARTS_EXPIRED, "find waiting message parts");
		unlock(s);
		return -1;
	}
	while (k < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&out[k], 0, sizeof out[k]);
		(void)str_copy(out[k].gateway, sizeof out[k].gateway, col_str(st, 0));
		(void)str_copy(out[k].sender, sizeof out[k].sender, col_str(st, 1));
		(void)str_copy(out[k].ref, sizeof out[k].ref, col_str(st, 2));
		out[k].first_at = sqlite3_column_int64(st, 3);
		k++;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		fail_op(s, "find waiting message parts");
		done(st);
		unlock(s);
		return -1;
	}
	done(st);
	for (i = 0; i < k; i++) {
		int64_t first;

		if (parts_read(s, out[i].gateway, out[i].sender, out[i].ref, &out[i].text,
		    &out[i].have, &out[i].total, &first) != 0) {
			while (i > 0)
				store_parts_group_clear(&out[--i]);
			unlock(s);
			return -1;
		}
	}
	unlock(s);
	*n = k;
	return 0;
}

/* ---- flood and loop guard ----------------------------------------------- */

int
store_guard_get(struct store *s, const char *phone, struct store_guard *g)
{
	sqlite3_stmt *st;
	int rc, ret;

	memset(g, 0, sizeof *g);
	lock(s);
	st = s->st[ST_GUARD_GET];
	if (bind_text(st, 1, phone) != SQLITE_OK) {
		bind_failed(s, ST_GUARD_GET, "read guard state");
		unlock(s);
		return -1;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		g->tokens = sqlite3_column_double(st, 0);
		g->tokens_at = sqlite3_column_int64(st, 1);
		g->limited = sqlite3_column_int(st, 2);
		g->replies = sqlite3_column_int(st, 3);
		g->replies_since = sqlite3_column_int64(st, 4);
		g->capped = sqlite3_column_int(st, 5);
		(void)str_copy(g->last_hash, sizeof g->last_hash, col_str(st, 6));
		g->repeats = sqlite3_column_int(st, 7);
		g->last_at = sqlite3_column_int64(st, 8);
		ret = 1;
	} else if (rc == SQLITE_DONE) {
		ret = 0;
	} else {
		fail_op(s, "read guard state");
		ret = -1;
	}
	done(st);
	unlock(s);
	return ret;
}

int
store_guard_put(struct store *s, const char *phone, const struct store_guard *g, int64_t now)
{
	sqlite3_stmt *st;
	int ret;

	lock(s);
	st = s->st[ST_GUARD_PUT];
	if (bind_text(st, 1, phone) != SQLITE_OK ||
	    sqlite3_bind_double(st, 2, g->tokens) != SQLITE_OK ||
	    bind_int64(st, 3, g->tokens_at) != SQLITE_OK ||
	    bind_int64(st, 4, g->limited) != SQLITE_OK ||
	    bind_int64(st, 5, g->replies) != SQLITE_OK ||
	    bind_int64(st, 6, g->replies_since) != SQLITE_OK ||
	    bind_int64(st, 7, g->capped) != SQLITE_OK ||
	    bind_text(st, 8, g->last_hash) != SQLITE_OK ||
	    bind_int64(st, 9, g->repeats) != SQLITE_OK ||
	    bind_int64(st, 10, g->last_at) != SQLITE_OK ||
	    bind_int64(st, 11, now) != SQLITE_OK) {
		bind_failed(s, ST_GUARD_PUT, "write guard state");
		unlock(s);
		return -1;
	}
	ret = run(s, ST_GUARD_PUT, "write guard state") == -1 ? -1 : 0;
	unlock(s);
	return ret;
}

int
store_guard_text_find(struct store *s, const char *phone, const char *hash, int64_t since,
    char ticket[STORE_TICKET_LEN + 1])
{
	sqlite3_stmt *st;
	int rc, ret;

	ticket[0] = '\0';
	lock(s);
	st = s->st[ST_GUARD_TEXT_FIND];
	if (bind_text(st, 1, phone) != SQLITE_OK || bind_text(st, 2, hash) != SQLITE_OK ||
	    bind_int64(st, 3, since) != SQLITE_OK) {
		bind_failed(s, ST_GUARD_TEXT_FIND, "find an earlier text");
		unlock(s);
		return -1;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		(void)str_copy(ticket, STORE_TICKET_LEN + 1, col_str(st, 0));
		ret = 1;
	} else if (rc == SQLITE_DONE) {
		ret = 0;
	} else {
		fail_op(s, "find an earlier text");
		ret = -1;
	}
	done(st);
	unlock(s);
	return ret;
}

int
store_guard_text_put(struct store *s, const char *phone, const char *hash, const char *ticket,
    int64_t now, int64_t since)
{
	sqlite3_stmt *st;
	int ret;

	lock(s);
	st = s->st[ST_GUARD_TEXT_PUT];
	if (bind_text(st, 1, phone) != SQLITE_OK || bind_text(st, 2, hash) != SQLITE_OK ||
	    bind_text(st, 3, ticket) != SQLITE_OK || bind_int64(st, 4, now) != SQLITE_OK ||
	    bind_int64(st, 5, since) != SQLITE_OK) {
		bind_failed(s, ST_GUARD_TEXT_PUT, "remember a text");
		unlock(s);
		return -1;
	}
	ret = run(s, ST_GUARD_TEXT_PUT, "remember a text") == -1 ? -1 : 0;
	unlock(s);
	return ret;
}

long
store_guard_purge(struct store *s, int64_t phones_before, int64_t texts_before)
{
	sqlite3_stmt *st;
	long n = 0;

	lock(s);
	st = s->st[ST_GUARD_PURGE];
	if (bind_int64(st, 1, phones_before) != SQLITE_OK ||
	    bind_int64(st, 2, STORE_PURGE_BATCH) != SQLITE_OK) {
		bind_failed(s, ST_GUARD_PURGE, "purge guard state");
		unlock(s);
		return -1;
	}
	if (run(s, ST_GUARD_PURGE, "purge guard state") == -1) {
		unlock(s);
		return -1;
	}
	n += (long)sqlite3_changes(s->db);
	st = s->st[ST_GUARD_TEXTS_PURGE];
	if (bind_int64(st, 1, texts_before) != SQLITE_OK ||
	    bind_int64(st, 2, STORE_PURGE_BATCH) != SQLITE_OK) {
		bind_failed(s, ST_GUARD_TEXTS_PURGE, "purge guard texts");
		unlock(s);
		return -1;
	}
	if (run(s, ST_GUARD_TEXTS_PURGE, "purge guard texts") == -1) {
		unlock(s);
		return -1;
	}
	n += (long)sqlite3_changes(s->db);
	unlock(s);
	return n;
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
};

int
store_plan(struct store *s, const char *name, char *buf, size_t bufsz)
{
	sqlite3_stmt *st = NULL;
	char sql[2048];
	size_t i, len = 0;
	int rc;

	if (bufsz == 0)
		return -1;
	buf[0] = '\0';
	for (i = 0; i < ARRAY_LEN(planned); i++)
		if (strcmp(planned[i].name, name) == 0)
			break;
	if (i == ARRAY_LEN(planned)) {
		snprintf(errbuf, sizeof errbuf, "no statement named %s", name);
		return -1;
	}
	lock(s);
	if (snprintf(sql, sizeof sql, "EXPLAIN QUERY PLAN %s",
	    sqlite3_sql(s->st[planned[i].id])) >= (int)sizeof sql ||
	    sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		fail_op(s, "explain a statement");
		unlock(s);
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *d = (const char *)sqlite3_column_text(st, 3);
		int w = snprintf(buf + len, bufsz - len, "%s%s", len > 0 ? "\n" : "",
		    d != NULL ? d : "");

		if (w < 0 || (size_t)w >= bufsz - len)
			break;
		len += (size_t)w;
	}
	sqlite3_finalize(st);
	unlock(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* ---- reports: aduan stats and aduan route --replay --------------------- */

int
store_complaint_messages_each(struct store *s, int64_t since, const char *keyword,
    size_t limit, int (*fn)(void *arg, const struct store_complaint_text *t), void *arg)
{
	struct store_complaint_text t;
	sqlite3_stmt *st;
	int rc, stop = 0;

	lock(s);
	st = s->st[ST_COMPLAINT_MESSAGES];
	if (bind_int64(st, 1, since) != SQLITE_OK || bind_text(st, 2, keyword) != SQLITE_OK ||
	    bind_limit(st, 3, limit) != SQLITE_OK) {
		bind_failed(s, ST_COMPLAINT_MESSAGES, "read complaint messages");
		unlock(s);
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		t.ticket = col_str(st, 0);
		t.channel = col_str(st, 1);
		t.keyword = col_str(st, 2);
		t.agency = col_str(st, 3);
		t.region = col_str(st, 4);
		t.location = sqlite3_column_type(st, 5) == SQLITE_NULL ? NULL : col_str(st, 5);
		t.description = col_str(st, 6);
		t.created_at = (int64_t)sqlite3_column_int64(st, 7);
		t.text = sqlite3_column_type(st, 8) == SQLITE_NULL ? NULL : col_str(st, 8);
		if ((stop = fn(arg, &t)) != 0)
			break;
	}
	if (!stop && rc != SQLITE_DONE)
		fail_op(s, "read complaint messages");
	done(st);
	unlock(s);
	if (stop)
		return 1;
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Runs a one-row statement bound with one integer, reading two counts. */
static int
two_counts(struct store *s, enum stmt_id id, const char *what, int64_t arg, long *a, long *b)
{
	sqlite3_stmt *st;
	int ret = 0;

	*a = 0;
	*b = 0;
	lock(s);
	st = s->st[id];
	if (bind_int64(st, 1, arg) != SQLITE_OK) {
		bind_failed(s, id, what);
		unlock(s);
		return -1;
	}
	if (sqlite3_step(st) == SQLITE_ROW) {
		*a = (long)sqlite3_column_int64(st, 0);
		*b = (long)sqlite3_column_int64(st, 1);
	} else {
		fail_op(s, what);
		ret = -1;
	}
	done(st);
	unlock(s);
	return ret;
}

int
store_stats_totals(struct store *s, int64_t since, long *total, long *no_rule)
{
	return two_counts(s, ST_STATS_TOTALS, "count complaints", since, total, no_rule);
}

int
store_stats_counts(struct store *s, enum store_stats_by by, int64_t since, size_t limit,
    void (*fn)(void *arg, const char *name, long n), void *arg)
{
	enum stmt_id id;
	sqlite3_stmt *st;
	int rc;

	switch (by) {
	case STORE_STATS_AGENCY:
		id = ST_STATS_BY_AGENCY;
		break;
	case STORE_STATS_KEYWORD:
		id = ST_STATS_BY_KEYWORD;
		break;
	case STORE_STATS_CHANNEL:
		id = ST_STATS_BY_CHANNEL;
		break;
	default:
		snprintf(errbuf, sizeof errbuf, "count complaints: unknown grouping %d", (int)by);
		return -1;
	}
	lock(s);
	st = s->st[id];
	if (bind_int64(st, 1, since) != SQLITE_OK || bind_limit(st, 2, limit) != SQLITE_OK) {
		bind_failed(s, id, "count complaints");
		unlock(s);
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		fn(arg, col_str(st, 0), (long)sqlite3_column_int64(st, 1));
	if (rc != SQLITE_DONE)
		fail_op(s, "count complaints");
	done(st);
	unlock(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
store_stats_responses(struct store *s, int64_t since, size_t limit,
    void (*fn)(void *arg, int64_t created_at, int64_t first_at), void *arg)
{
	sqlite3_stmt *st;
	int rc;

	lock(s);
	st = s->st[ST_STATS_RESPONSES];
	if (bind_int64(st, 1, since) != SQLITE_OK || bind_limit(st, 2, limit) != SQLITE_OK) {
		bind_failed(s, ST_STATS_RESPONSES, "read agency responses");
		unlock(s);
		return -1;
	}
	/* NULL (no response yet) reads as 0. */
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		fn(arg, (int64_t)sqlite3_column_int64(st, 0), (int64_t)sqlite3_column_int64(st, 1));
	if (rc != SQLITE_DONE)
		fail_op(s, "read agency responses");
	done(st);
	unlock(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
store_stats_overdue(struct store *s, int64_t now, long *received, long *routed)
{
	return two_counts(s, ST_STATS_OVERDUE, "count overdue complaints", now, received, routed);
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
		fail_op(s, "write the health mark");
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
	 */
	return store_run(s, health_tx, NULL) == 0;
}
