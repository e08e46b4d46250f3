/*
 * store_int.h: private to the backend's files (the .c files of store/), never
 * included elsewhere.  store.h is the contract; this is how the SQLite
 * files share one connection set, one lock and one statement helper, and
 * how that helper runs the same statements on PostgreSQL (pg.c: s->pg set,
 * each struct stmt marked q->pg; stmt.c, db.c, commit.c and listing.c are
 * where the backend shows, the query files never see it).
 *
 * Who owns what:
 *   db.c          open and close, pragmas, the schema versions list and
 *                 migrations, the reading connection, store_plan, health
 *   commit.c      the group-commit writer: store_begin .. store_commit,
 *                 store_run, the committer thread
 *   stmt.c        the statement helper below, and writes of several
 *                 statements (stmt_op_*)
 *   messages.c, complaints.c, phones.c, ussd.c, outbox.c, listing.c,
 *   parts.c, reports.c, guard.c, accounts.c, inbox.c, purge.c, monitor.c
 *                 one section of store.h each, with its SQL
 *   backup.c      aduan backup: its own connections, none of the above
 *
 * Statements are prepared once at open, from the SQL tables below (one per
 * file, indexed by enum stmt_id; each id in exactly one table), kept in
 * s->st[] and reset after each use so none keeps a read snapshot open.
 */
#ifndef ADUAN_STORE_INT_H
#define ADUAN_STORE_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include <sqlite3.h>

#include "store/store.h"
#include "util/util.h"

/* Every cached statement of the writer's connection: s->st[id]. */
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
	ST_OUTBOX_APPEND,
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
	ST_COMPLAINT_SET_DUPLICATE,
	ST_EVENT_DETAILS_ADD,
	/* accounts.c */
	ST_ACCOUNT_ADD,
	ST_ACCOUNT_GET,
	ST_ACCOUNT_GET_ID,
	ST_ACCOUNT_SET_PASSWORD,
	ST_ACCOUNT_SET_DISABLED,
	ST_ACCOUNT_LIST,
	ST_SESSION_ADD,
	ST_SESSION_GET,
	ST_SESSION_TOUCH,
	ST_SESSION_DELETE,
	ST_SESSION_DELETE_ACCOUNT,
	ST_SESSION_PURGE,
	ST_LOGIN_FAILURE_NOTE,
	ST_LOGIN_FAILURES,
	ST_LOGIN_FAILURES_CLEAR,
	ST_LOGIN_FAILURES_PURGE,
	ST_AUDIT_ADD,
	ST_AUDIT_LIST,
	ST_AUDIT_LIST_COMPLAINT,
	/* inbox.c (the web inbox), appended */
	ST_INBOX_LIST_NEW,
	ST_INBOX_LIST_DUE,
	ST_INBOX_COUNTS,
	ST_INBOX_WEEKLY,
	ST_INBOX_OPEN,
	ST_INBOX_THREAD,
	/* partners.c (Open311 POST), appended */
	ST_PARTNER_ADD,
	ST_PARTNER_KEY_ADD,
	ST_PARTNER_KEY_FIND,
	/* hub.c (forwarding to a hub), appended */
	ST_HUB_FORWARDED,
	ST_HUB_DUE,
	ST_HUB_POLLED,
	ST_HUB_SEEN_SWAP,
	ST_NSTMTS
};

/* Each file's statements by id (NULL where another file has it): db.c prepares them all. */
extern const char *const db_sql[ST_NSTMTS];
extern const char *const messages_sql[ST_NSTMTS];
extern const char *const complaints_sql[ST_NSTMTS];
extern const char *const phones_sql[ST_NSTMTS];
extern const char *const ussd_sql[ST_NSTMTS];
extern const char *const outbox_sql[ST_NSTMTS];
extern const char *const listing_sql[ST_NSTMTS];
extern const char *const parts_sql[ST_NSTMTS];
extern const char *const reports_sql[ST_NSTMTS];
extern const char *const guard_sql[ST_NSTMTS];
extern const char *const accounts_sql[ST_NSTMTS];
extern const char *const hub_sql[ST_NSTMTS];

/*
 * The complaint columns in struct store_complaint order: complaints_row().
 * Selected FROM complaints (not aliased): the last one looks up its link.
 */
#define COMPLAINT_COLS \
	"id, ticket, phone, channel, keyword, agency, region, status, lang," \
	" location, description, route_explain, created_at, updated_at," \
	" routed_at, route_due, followup_due, close_due, reminded_at, config_hash," \
	" (SELECT duplicate_of FROM complaint_links WHERE complaint_id = complaints.id)," \
	" (SELECT partner FROM complaint_partner WHERE complaint_id = complaints.id)," \
	" (SELECT details FROM complaint_partner WHERE complaint_id = complaints.id)," \
	" (SELECT hub_id FROM hub_requests WHERE complaint_id = complaints.id)"
#define COMPLAINT_NCOLS 24      /* a query's columns after COMPLAINT_COLS start here */

/*
 * A messages row's text as every reader sees it (schema 14): the message
 * that opened a complaint keeps '' when its text was the complaint's
 * description, stored once there.  m: the messages row's name in the
 * statement.
 */
#define MESSAGE_TEXT(m) \
	"(CASE WHEN " m ".text = '' AND " m ".command = 'complaint'" \
	" AND " m ".complaint_id IS NOT NULL THEN coalesce((SELECT description" \
	" FROM complaints WHERE complaints.id = " m ".complaint_id), '')" \
	" ELSE " m ".text END)"

#define BATCH_RESULTS 1024      /* batch results kept for store_commit's waiters (commit.c;
                                   a store_run job gets its own): ~1 s of batches */

struct store_job;

/* One per open database, shared by every thread; see commit.c for the locks' order. */
struct store {
	struct pgpool *pg;              /* PostgreSQL (pg.c); NULL: SQLite, all below */
	sqlite3 *db;
	int busy_ms;                    /* its busy timeout (store_options) */
	pthread_mutex_t lock;
	int lock_ready;
	sqlite3_stmt *st[ST_NSTMTS];

	pthread_t committer;
	int committer_running;
	pthread_mutex_t cmu;            /* guards jobs, kicked, stopping, committed and
	                                   result[]: waiters sleep on it, not on the
	                                   store's lock */
	pthread_cond_t kick_cv;         /* the committer has work (with cmu) */
	pthread_cond_t done_cv;         /* a batch was committed (or failed), with cmu
	                                   (a queued job's caller waits on its own cv) */
	struct store_job *jobs, **jobs_tail; /* queued for the committer (store_run) */
	int kicked;                     /* a transaction joined the open batch */
	int idle;                       /* the committer sleeps with no batch open: a
	                                   store_run_later job must wake it */
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
	int steps;                      /* store_run_step jobs in the open batch, answered
	                                   already: nobody waits for its commit */
	struct store_job *cur_job;      /* the job the committer runs now (run_job) */
	uint64_t batch;                 /* id of the open (or last) batch */
	uint64_t committed;             /* last batch finished */
	int result[BATCH_RESULTS];      /* 0 / -1 of recent batches, by id % BATCH_RESULTS */
	uint64_t result_of[BATCH_RESULTS]; /* the batch whose result a slot holds */
	int moved_logged;               /* the file was found moved: said once */
	char result_msg[BATCH_RESULTS][160];
	unsigned long commits, grouped; /* batches committed, transactions in them */
	struct store_job *bwait, **bwait_tail; /* store_run callers waiting for the open
	                                   batch's commit, woken in a chain (with cmu) */

	/*
	 * A second connection that only reads what is committed, so that a
	 * retried callback is answered without waiting for the writer (in WAL
	 * a reader never blocks the writer nor waits for it).
	 */
	sqlite3 *rdb;
	sqlite3_stmt *rfind, *rpeek, *rlist, *rlist_agency;
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

	struct ckpt *ckpt;              /* the checkpoint thread (checkpoint.c), or NULL */
};

/* ---- db.c ---------------------------------------------------------------- */

/* Per thread, so one worker's failure never shows up in another's 503. */
extern _Thread_local char db_errbuf[512];

/* The store's (recursive) lock: every statement on s->db runs under it. */
void db_lock(struct store *s);
void db_unlock(struct store *s);

/*
 * Records "what: <sqlite message>" for s->db; call before anything else
 * touches db.  A failed statement may have made SQLite roll back the whole
 * open batch (I/O error, full disk, out of memory): that is noticed here,
 * at once (commit_batch_lost), so that no later transaction can join a
 * batch that no longer exists.
 */
void db_fail(struct store *s, const char *what);

/*
 * A read-only connection to path for a reader of its own (retries,
 * listings): in WAL it never blocks the writer nor waits for it; a lock
 * (a checkpoint, say) is waited for up to 2 s.  0, or -1: *db may be set
 * all the same (its message says why), and store_close() closes it.
 */
int db_open_reader(const char *path, sqlite3 **db);
/* store_ussd_peek_fresh's statement, prepared on the reading connection (ussd.c). */
extern const char ussd_peek_sql[];

/*
 * EXPLAIN QUERY PLAN of sql on db (its lock held): the detail lines joined
 * by sep into out (outsz > 0; cut before a line that does not fit).  0, or
 * -1 with db's message saying why.  For store_plan and store_public_plan.
 */
int db_explain(sqlite3 *db, const char *sql, const char *sep, char *out, size_t outsz);

/* ---- checkpoint.c ----------------------------------------------------------- */

/*
 * Pages in the WAL before it is copied into the database file and started
 * over (SQLite's default is 1,000).  A checkpoint reads and writes every
 * page the WAL holds once, its newest copy only: the same index and table
 * pages, rewritten by every batch, are copied once per checkpoint, so
 * rarer checkpoints copy far fewer pages in all (perf: with 1,000, the
 * checkpoints' pread and pwrite were a third of the system calls of a
 * USSD step).  The WAL file grows to about 40 MB between checkpoints; the
 * checkpoint thread copies most of it off the writer's (checkpoint.c).
 */
#define WAL_CHECKPOINT_PAGES 10000
/*
 * The checkpoint thread of a read-write store: its own connection, and the
 * writer connection's WAL hook in place of SQLite's automatic checkpoint.
 * ckpt_stop before the writer connection closes.
 */
int ckpt_start(struct store *s, const char *path, char *err, size_t errsz);
void ckpt_stop(struct store *s);

/* ---- commit.c ------------------------------------------------------------- */

int commit_start(struct store *s, char *err, size_t errsz);
/*
 * The name of the VFS that writes a -wal file's frames in one call per
 * sync (walbuf.c): for the writer connection with synchronous = FULL
 * only.  NULL if it could not be registered (the default VFS then).
 */
const char *walbuf_vfs(void);
void commit_stop(struct store *s);
/* 1 when SQLite rolled the open batch back by itself: see commit.c. */
int commit_batch_lost(struct store *s);

/* ---- stmt.c: the statement helper ------------------------------------------
 *
 * One use of a cached statement:
 *
 *	struct stmt q;
 *
 *	stmt_begin(&q, s, ST_PHONE_GET, "get phone");   takes the lock
 *	stmt_text(&q, 1, phone);                         binds ?1
 *	if ((ret = stmt_row(&q)) == 1)                   steps
 *		... sqlite3_column_*(q.st, i), col_str(q.st, i) ...
 *	return stmt_end(&q, ret);                        resets, unlocks
 *
 * A bind that fails is remembered (and the later binds skipped): the step
 * reports it.  Errors are reported one way, into db_errbuf as "what:
 * <SQLite's message>" (on the writer's connection through db_fail).  A
 * statement of a caller's transaction that SQLite already rolled back is
 * refused (stmt_exec).  stmt_end() always resets the statement and clears
 * its bindings (the strings bound are the caller's: SQLITE_STATIC), then
 * lets go of the lock stmt_begin/stmt_on took (none for stmt_use).
 * Nothing is allocated: struct stmt lives on the caller's stack.
 */
#define STMT_MAXP 24            /* parameters of a statement, at most (PostgreSQL) */

struct pgconn;
struct pgpool;

struct stmt {
	struct store *s;
	sqlite3 *db;                    /* the connection st belongs to */
	sqlite3_stmt *st;
	pthread_mutex_t *mu;            /* released by stmt_end; NULL: none */
	pthread_mutex_t *once;          /* stmt_prepare's lock, released by stmt_finish */
	const char *what;               /* what failed, for the message */
	int bad;                        /* a bind failed */

	/* PostgreSQL (pg.c): set by stmt_use/stmt_prepare when s->pg */
	int pg;                         /* 1: this statement runs on PostgreSQL */
	int held;                       /* stmt_end lets go of the store (db_unlock) */
	struct pgconn *c;               /* the thread's connection (NULL: none to be had) */
	struct pgconn *own;             /* a reader's own connection (pg_reader) */
	int id;                         /* the statement's id, unless sql */
	const char *sql;                /* stmt_prepare's text, translated (heap) */
	void *res;                      /* its PGresult, once run */
	int row, nrows;
	int np;                         /* parameters bound, 1..np */
	const char *pv[STMT_MAXP];
	char pbuf[STMT_MAXP][24];       /* numbers bound, as text */
	char *dup[STMT_MAXP];           /* unterminated arrays bound, copied (pg_end frees) */
};

/* ---- pg.c: the PostgreSQL driver (see pg.c) ----------------------------- */

int pg_is_conninfo(const char *path);
/* conninfo with any password replaced by ***, for messages and `aduan check`. */
void pg_safe_conninfo(const char *conninfo, char *out, size_t outsz);
/* 0, or -1 with libpq's reason why it cannot parse conninfo. */
int pg_conninfo_check(const char *conninfo, char *err, size_t errsz);
struct pgpool *pg_pool_new(const char *conninfo, int max, int read_only);
void pg_pool_free(struct pgpool *p);
char *pg_sql(const char *sql);          /* ?N -> $N and the dialect's words; heap */
char *pg_ddl(const char *sql);          /* a migration's DDL for PostgreSQL; heap */
void pg_hold(struct store *s);          /* db_lock on PostgreSQL */
void pg_reader(struct stmt *q);         /* q on a pooled connection of its own */
void pg_release(struct store *s);       /* db_unlock on PostgreSQL */
struct pgconn *pg_current(struct store *s);
void pg_bind(struct stmt *q, int i, const char *v);
void pg_bind_int(struct stmt *q, int i, int64_t v);
void pg_bind_fixed(struct stmt *q, int i, const char *v, size_t vsz);
void pg_bind_double(struct stmt *q, int i, double v);
int pg_row(struct stmt *q);
int pg_exec(struct stmt *q);
long pg_changes(const struct stmt *q);
void pg_end(struct stmt *q);
int pg_nparams(const struct stmt *q);
int pg_col_null(const struct stmt *q, int i);
const char *pg_col_str(const struct stmt *q, int i);
int64_t pg_col_int64(const struct stmt *q, int i);
double pg_col_double(const struct stmt *q, int i);
int pg_begin(struct store *s);
int pg_commit(struct store *s);
void pg_rollback(struct store *s);
int pg_run(struct store *s, store_tx_fn fn, void *arg);
unsigned long pg_commits(struct store *s);
int pg_in_tx(struct store *s);
int pg_op_begin(struct store *s, const char *what);
int pg_op_end(struct store *s, const char *what);
void pg_op_undo(struct store *s);
int pg_lock_key(struct store *s, const char *key);  /* store_lock_phone */
int pg_script(struct store *s, const char *sql, const char *what, char *err, size_t errsz);
long long pg_one_int(struct store *s, const char *sql, const char *what);
int pg_prepare_all(struct store *s, char *err, size_t errsz);
/* The SQL of statement id (db.c), as written: SQLite's dialect. */
const char *db_sql_of(enum stmt_id id);

/* s->st[id], the store's lock taken (recursive: also inside a transaction). */
void stmt_begin(struct stmt *q, struct store *s, enum stmt_id id, const char *what);
/* s->st[id] for a caller that already holds the store's lock. */
void stmt_use(struct stmt *q, struct store *s, enum stmt_id id, const char *what);
/* A statement of a reading connection db, taking its lock mu (NULL: held already). */
void stmt_on(struct stmt *q, struct store *s, sqlite3 *db, sqlite3_stmt *st,
    pthread_mutex_t *mu, const char *what);

/* Steps: 1 a row (read it from q->st), 0 no more rows, -1 error (reported). */
int stmt_row(struct stmt *q);
/* Steps a statement that returns no rows: 0, -1 (reported).  Does not end. */
int stmt_exec(struct stmt *q);
/* Resets the statement, lets go of the lock; returns ret (-1 if a bind failed). */
int stmt_end(struct stmt *q, int ret);
/* Reports the failure of the last step or bind as "what: <message>". */
void stmt_fail(struct stmt *q);

/* stmt_exec then stmt_end: 0, -1. */
int stmt_run(struct stmt *q);
/* The same for a write that may change nothing: rows changed, or -1. */
long stmt_write(struct stmt *q);
/* stmt_write as 1 changed a row, 0 none, -1 error. */
int stmt_changed(struct stmt *q);
/* A count: the first column of the one row, or -1; ends. */
long stmt_count(struct stmt *q);

/* A statement without parameters or rows (BEGIN, savepoints), the lock held.  0, -1. */
int stmt_do(struct store *s, enum stmt_id id, const char *what);
/* The same when nothing can be done about a failure (a rollback): not reported. */
void stmt_try(struct store *s, enum stmt_id id);

/*
 * A write of several statements (stmt_op_begin .. stmt_op_end,
 * stmt_op_undo on failure) is all or nothing; the lock held.  See stmt.c.
 */
int stmt_op_begin(struct store *s, const char *what);
int stmt_op_end(struct store *s, const char *what);
void stmt_op_undo(struct store *s);

/*
 * A statement of its own (SQL built at run time: purge's kinds, the
 * monitor's and inbox's reads), prepared for one use on a connection:
 * DB_WRITER the writer's (its lock taken, recursive), DB_LISTING the agency
 * listing's (never waits for the writer).  0 and q ready for binding, or
 * -1 (reported; nothing held).  stmt_finish: stmt_end, the statement
 * dropped, the lock let go; returns ret.
 */
enum db_conn { DB_WRITER, DB_LISTING };
int stmt_prepare(struct stmt *q, struct store *s, enum db_conn conn, const char *sql,
    const char *what);
int stmt_finish(struct stmt *q, int ret);
/* PostgreSQL: s's statement id on a pooled connection of its own (reads what is committed). */
void stmt_read(struct stmt *q, struct store *s, enum stmt_id id, const char *what);
/* How many parameters q's statement takes. */
int stmt_nparams(const struct stmt *q);
/* Rows changed by q's last stmt_exec (before stmt_end). */
long stmt_changes(const struct stmt *q);

/* 1 when a transaction is open on the writer's connection (its lock held). */
int db_in_tx(struct store *s);
/*
 * The database's file and its write-ahead log, for the monitor's sizes
 * (no I/O); NULL for a backend without files of its own.
 */
const char *db_file(struct store *s, const char **wal);

/*
 * Binding the next parameters.  The caller's strings outlive the
 * statement's use (stmt_end clears bindings), so SQLITE_STATIC spares a
 * copy.  A NULL string binds NULL.
 */
static inline void
stmt_text(struct stmt *q, int i, const char *v)
{
	if (q->pg) {
		pg_bind(q, i, v);
		return;
	}
	if (!q->bad && (v == NULL ? sqlite3_bind_null(q->st, i) :
	    sqlite3_bind_text(q->st, i, v, -1, SQLITE_STATIC)) != SQLITE_OK)
		q->bad = 1;
}

/* A fixed array in a struct: never read past it, even unterminated. */
static inline void
stmt_fixed(struct stmt *q, int i, const char *v, size_t vsz)
{
	if (q->pg) {
		pg_bind_fixed(q, i, v, vsz);
		return;
	}
	if (!q->bad && sqlite3_bind_text(q->st, i, v, (int)strnlen(v, vsz),
	    SQLITE_STATIC) != SQLITE_OK)
		q->bad = 1;
}

static inline void
stmt_int(struct stmt *q, int i, int64_t v)
{
	if (q->pg) {
		pg_bind_int(q, i, v);
		return;
	}
	if (!q->bad && sqlite3_bind_int64(q->st, i, (sqlite3_int64)v) != SQLITE_OK)
		q->bad = 1;
}

static inline void
stmt_null(struct stmt *q, int i)
{
	if (q->pg) {
		pg_bind(q, i, NULL);
		return;
	}
	if (!q->bad && sqlite3_bind_null(q->st, i) != SQLITE_OK)
		q->bad = 1;
}

static inline void
stmt_double(struct stmt *q, int i, double v)
{
	if (q->pg) {
		pg_bind_double(q, i, v);
		return;
	}
	if (!q->bad && sqlite3_bind_double(q->st, i, v) != SQLITE_OK)
		q->bad = 1;
}

/* A row id where 0 means none: binds NULL for 0. */
static inline void
stmt_ref(struct stmt *q, int i, int64_t id)
{
	if (id == 0)
		stmt_null(q, i);
	else
		stmt_int(q, i, id);
}

/* A row count from size_t; SQLite's LIMIT is a signed 64-bit integer. */
static inline void
stmt_limit(struct stmt *q, int i, size_t v)
{
	stmt_int(q, i, v > (size_t)INT64_MAX ? INT64_MAX : (int64_t)v);
}

/*
 * Reading the row stmt_row() stepped to: column i (from 0) of q.  The
 * query files read columns only through these, never from the backend.
 */
static inline int64_t
col_int64(const struct stmt *q, int i)
{
	if (q->pg)
		return pg_col_int64(q, i);
	return (int64_t)sqlite3_column_int64(q->st, i);
}

static inline int
col_int(const struct stmt *q, int i)
{
	if (q->pg)
		return (int)pg_col_int64(q, i);
	return sqlite3_column_int(q->st, i);
}

static inline double
col_double(const struct stmt *q, int i)
{
	if (q->pg)
		return pg_col_double(q, i);
	return sqlite3_column_double(q->st, i);
}

/* 1 when column i is NULL. */
static inline int
col_null(const struct stmt *q, int i)
{
	if (q->pg)
		return pg_col_null(q, i);
	return sqlite3_column_type(q->st, i) == SQLITE_NULL;
}

/* A TEXT column as a C string; "" for NULL so fixed arrays stay defined. */
static inline const char *
col_str(const struct stmt *q, int i)
{
	const char *v;

	if (q->pg)
		return pg_col_str(q, i);
	v = (const char *)sqlite3_column_text(q->st, i);

	return v != NULL ? v : "";
}

/* A TEXT column on the heap; NULL for NULL. */
static inline char *
col_dup(const struct stmt *q, int i)
{
	if (col_null(q, i))
		return NULL;
	return xstrdup(col_str(q, i));
}

/* ---- complaints.c, listing.c ---------------------------------------------- */

/* Fills c (zeroed first) from a row of COMPLAINT_COLS; strings on the heap. */
void complaints_row(const struct stmt *q, struct store_complaint *c);
/*
 * Steps q's statement of COMPLAINT_COLS into out[0..*n), at most max.  On
 * an error nothing is left allocated and *n is 0.  Does not end q.
 */
int complaints_rows(struct stmt *q, struct store_complaint *out, size_t max, size_t *n);

/* The listing connections (agency API, public), opened after the reader's. */
int listing_open(struct store *s, const char *path, char *err, size_t errsz);
void listing_close(struct store *s);


/* ---- inbox.c (the web inbox's reads) ------------------------------------- */

/*
 * Its statements (ST_INBOX_*).  Prepared on the writer's connection at
 * open like every table (so a bad one stops the open), but run on the
 * listing connection ldb: inbox.c prepares each there for the call.
 */
extern const char *const inbox_sql[ST_NSTMTS];
extern const char *const partners_sql[ST_NSTMTS];

#endif
