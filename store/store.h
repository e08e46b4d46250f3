/*
 * store: what Aduan keeps and asks of its database, as a contract that a
 * backend implements: the schema with its versions, migrated on open, and
 * the queries Aduan needs, nothing more.  The SQLite backend is the other
 * files of store/ (the only includers of <sqlite3.h>; their private header
 * is store_int.h); the PostgreSQL backend (store/pg.c, the only includer
 * of <libpq-fe.h>) runs the same statements when store_open is given a
 * postgresql:// URI.
 *
 * Durability: WAL, synchronous=FULL unless the config says otherwise.  A
 * caller groups the writes of one message in a transaction
 * (store_begin .. store_commit) and answers the gateway only after
 * store_commit() returned 0.
 *
 * Threads: one struct store is shared by every HTTP worker; store_begin()
 * takes its lock and store_commit()/store_rollback() release it, so a
 * transaction runs alone.  Queries outside a transaction take the lock
 * themselves.  Every function returns -1 on a database error with the
 * SQLite message in store_errmsg() (valid until the next call on the same
 * thread); callers turn that into a 503 so the gateway retries.
 *
 * Times are Unix seconds passed in by the caller (tests choose them).
 */
#ifndef ADUAN_STORE_H
#define ADUAN_STORE_H

#include <stddef.h>
#include <stdint.h>

struct store;

struct store_options {
	int sync_full;          /* 1: synchronous=FULL; 0: NORMAL */
	int busy_timeout_ms;    /* how long to wait for a lock before failing */
	int read_only;          /* 1: for the reports (stats, outbox, route --replay):
	                           SQLITE_OPEN_READONLY and query_only, never
	                           created, migrated nor written; a schema other
	                           than this binary's is refused with a message */
	int no_migrate;         /* 1: read-write, but a schema other than this
	                           binary's is refused as with read_only: only
	                           `aduan serve` migrates (a maintenance command
	                           of a new aduan, run while the old one still
	                           serves, must not change the schema under it) */
	int pool_size;          /* PostgreSQL: connections at most (0: 8) */
};

/*
 * Opens (creating and migrating) the database, or with read_only opens an
 * existing one as it is.  NULL with a reason in err.
 * path is a file name, or a SQLite URI ("file:/var/lib/aduan.db?vfs=NAME":
 * tests open through a fault-injecting VFS that way).
 */
struct store *store_open(const char *path, const struct store_options *opt,
    char *err, size_t errsz);
void store_close(struct store *s);

/*
 * Marks the calling thread as housekeeping (the clock's purges, reminders
 * and timed-out long messages): its writes on SQLite wait at most
 * STORE_GIVE_WAY_MS for a lock another process holds, not the whole busy
 * timeout, and fail; it tries again on its next round.  Otherwise a
 * citizen's message queued behind it would wait two busy timeouts.
 */
#define STORE_GIVE_WAY_MS       250
void store_give_way(void);

/*
 * What a store.database value names: a PostgreSQL connection URI
 * ("postgresql://..." or "postgres://...": store_open opens the PostgreSQL
 * backend), or else a SQLite file.  store_db_display: the value with any
 * password replaced by "***", to print or log.  store_db_check: 0, or -1
 * with err when the value is a URI that libpq cannot parse (aduan check).
 */
int store_db_is_postgres(const char *db);
void store_db_display(const char *db, char *out, size_t outsz);
int store_db_check(const char *db, char *err, size_t errsz);

/* The message of the last failed call on this thread. */
const char *store_errmsg(void);

/* Schema version after migration (for `aduan check` and tests). */
int store_schema_version(struct store *s);

/*
 * A transaction, holding the store's lock until commit or rollback.  Group
 * commit: transactions of concurrent callers share one SQLite transaction
 * and one fsync; store_commit() returns only after the commit that holds
 * this transaction reached the disk (synchronous=FULL), 0, or -1 when that
 * commit failed and nothing of it was kept.  store_rollback() undoes this
 * transaction only.
 */
int store_begin(struct store *s);

/*
 * A transaction will begin soon in this thread (a request is being read):
 * the commit of the open batch waits a little for it, so that a burst
 * shares fsyncs even when most of each request's work is done outside
 * the store.  store_begin() in the same thread, or store_expect_end(),
 * ends the promise.
 */
void store_expect(struct store *s);
void store_expect_end(struct store *s);

/*
 * A transaction run by the store's own writer thread, the one that
 * commits: fn(s, arg) runs there, inside a transaction of the open batch,
 * with the store to itself, and may call any store_* function but
 * store_begin/store_run.  fn returns 0 to keep what it wrote, 1 to keep
 * nothing (it only read), -1 on failure (errmsg set).  store_run returns
 * 1 or -1 as soon as fn did, and 0 only once the batch that holds the
 * transaction is on disk (-1 if that commit failed).  The same as
 * store_begin .. store_commit in the caller's thread, but the writes of a
 * burst run one after another on one hot thread instead of handing the
 * store from thread to thread (perf: most of the time of an SMS in the
 * store went to those hand-overs).
 */
typedef int (*store_tx_fn)(struct store *s, void *arg);
int store_run(struct store *s, store_tx_fn fn, void *arg);

/*
 * A step that promises nothing durable (a USSD step that only moves a
 * session): as store_run, but 0 comes back as soon as fn's writes are in
 * the open batch, without waiting for its commit.  Every later transaction
 * reads them (a gateway's retry of the step, the next step), and the batch
 * is committed within moments (a crash may lose those moments).  If the
 * batch's commit then fails, its writes are rolled back with it, and the
 * next transaction reads the state before them, as after a crash: nothing
 * ever builds on what was rolled back, because whatever read it was in
 * the same batch and went with it.  fn calls store_tx_durable() when what
 * it wrote must be on disk before its caller answers (a ticket number
 * shown): then store_run_step waits for the commit exactly as store_run.
 */
int store_run_step(struct store *s, store_tx_fn fn, void *arg);
/*
 * store_run (nowait 0) or store_run_step (1) without holding the caller's
 * thread: fn(s, arg) runs on the writer as theirs do, and once their
 * caller would return, done(done_arg, ret, err) is called with what it would return
 * (err: the reason of a -1, else "").  done runs on the writer's thread
 * (every caller's wait ends there): it must only hand the outcome on,
 * quickly (an HTTP request resumed, net/http.h's http_wake).  A store
 * that is closing calls done(done_arg, -1, ...) at once, on the caller's
 * thread, as does PostgreSQL with the transaction's outcome.
 */
typedef void (*store_done_fn)(void *arg, int ret, const char *err);
void store_run_async(struct store *s, store_tx_fn fn, void *arg, int nowait,
    store_done_fn done, void *done_arg);
/*
 * A write that nobody waits for (a USSD step already answered from memory,
 * intake/ussd_session.c): fn(s, arg) runs on the writer's thread in the
 * open batch soon after (within the batch's gathering, a few ms), in the
 * order such jobs and store_run jobs were queued, then done(arg) is
 * called there; a failure is only logged.  0 when queued, -1 when the
 * store is closing (done(arg) called already).  Jobs queued before
 * store_close run before it returns.  On PostgreSQL it runs at once in
 * the caller's thread, as store_run.
 */
int store_run_later(struct store *s, store_tx_fn fn, void *arg, void (*done)(void *));
/*
 * 1 when other nodes may share this store's rows (PostgreSQL): what a
 * process keeps in memory of them (intake's USSD sessions) may be stale.
 * 0 on SQLite, whose one writer is this process.
 */
int store_is_shared(const struct store *s);
/*
 * Inside fn of store_run or store_run_step: its caller is answered only
 * once the open batch is on disk, even when fn returns 1 (it read, and
 * will show, what may be in that batch only: a retry shown a ticket
 * number).  Elsewhere a no-op.
 */
void store_tx_durable(struct store *s);
int store_commit(struct store *s);
void store_rollback(struct store *s);
/*
 * The SQLite VFS the store's writer connection uses with synchronous =
 * full (store/walbuf.c: a commit's -wal frames written in one piece), for
 * bench/floor; NULL: SQLite's default.
 */
const char *store_writer_vfs(void);
/* Batches committed and transactions they held, since open (bench, metrics). */
void store_commit_stats(struct store *s, unsigned long *commits, unsigned long *transactions);

/* ---- inbound messages (one row per gateway message) ---------------- */

struct store_message {
	const char *gateway;    /* "kannel" */
	const char *gw_id;      /* the gateway's message id: dedup key; NULL if none */
	const char *sender;     /* E.164 or the alphanumeric sender */
	const char *receiver;   /* the short code */
	const char *text;       /* UTF-8 */
	const char *command;    /* "complaint", "status", ... "ignored" */
	const char *reply;      /* the reply sent back ("" for none) */
	int64_t complaint_id;   /* 0 when none */
	int64_t received_at;
};

/*
 * Looks up (gateway, gw_id, sender): a gateway id is one sender's, and a
 * gateway that reuses an id for another phone gets a new message, never the
 * first phone's reply (sender NULL: any sender, for tools and tests).  1
 * found (reply copied to reply/replysz, truncated if needed), 0 not found,
 * -1 error.
 */
int store_message_find(struct store *s, const char *gateway, const char *gw_id,
    const char *sender, char *reply, size_t replysz);

/*
 * store_message_find() on what is committed, through a connection of its
 * own that never waits for the writer: a retried callback is answered
 * at once.  A message in a batch not yet committed is not seen; the
 * transaction that stores a message looks again (store_message_find).
 */
int store_message_seen(struct store *s, const char *gateway, const char *gw_id,
    const char *sender, char *reply, size_t replysz);

/*
 * Inserts a message row.  1 inserted, 0 a row with this (gateway, gw_id,
 * sender) exists, -1 error.  A gw_id another sender already used is kept as
 * "<gw_id>/<sender>".
 */
int store_message_add(struct store *s, const struct store_message *m);

/* ---- complaints ---------------------------------------------------- */

struct store_complaint {
	int64_t id;
	char ticket[9];
	char phone[24];
	char channel[16];       /* "sms" */
	char keyword[64];       /* rule keyword, "" for triage */
	char agency[64];        /* agency id */
	char region[64];        /* region id or "" */
	char status[24];        /* "received", "routed", ... */
	char lang[4];           /* "id" / "en" */
	char *location;         /* heap, may be NULL; freed by store_complaint_clear */
	char *description;      /* heap */
	char *route_explain;    /* heap, may be NULL */
	int64_t created_at;
	int64_t updated_at;
	/* service levels (Unix seconds, 0: none); see ticket/sla.h */
	int64_t routed_at;      /* when it reached an agency (disposisi) */
	int64_t route_due;      /* triage must route it by then */
	int64_t followup_due;   /* the agency must follow up by then */
	int64_t close_due;      /* resolved: closes by itself then unless the citizen replies */
	int64_t reminded_at;    /* the one overdue reminder was queued then */
	char config_hash[24];   /* version of the config that routed it (conf.hash) */
	char duplicate_of[9];   /* rejected as a duplicate: the original's ticket, else "" */
	/* from a partner system (Open311 POST): its id, else ""; see store_partner_add */
	char partner[64];
	char *partner_details;  /* heap, may be NULL: the JSON object store_partner_add kept */
	char hub_id[64];        /* forwarded: the hub's service_request_id, else "" */
};

void store_complaint_clear(struct store_complaint *c);

/* 1 when a complaint with this ticket number exists, 0 not, -1 error. */
int store_ticket_exists(struct store *s, const char *ticket);

/*
 * Inserts c (id and the timestamps are set from c->created_at) and its first
 * event ("received" by actor "citizen").  Sets c->id.  0, -1 error.
 */
int store_complaint_add(struct store *s, struct store_complaint *c);

/*
 * The same for a complaint the router sent to an agency: stored "routed"
 * at once, with the "received" event and the "routed" one (actor "aduan",
 * note: why), as store_complaint_add then store_event_add would leave it,
 * in one write.  Sets c->id and c->status.  0, -1 error.
 */
int store_complaint_add_routed(struct store *s, struct store_complaint *c, const char *note);

/* 1 found (filled; clear it after), 0 not found, -1 error. */
int store_complaint_get(struct store *s, const char *ticket, struct store_complaint *c);

/*
 * An event to append (store_event_put); the strings are borrowed for the
 * call, NULL ones are stored as "" (note and status: as NULL).
 */
struct store_event_new {
	int64_t complaint_id;
	int64_t at;
	const char *actor;      /* "citizen", "aduan" or an agency id */
	const char *by;         /* the person or API token that acted; NULL: none */
	const char *status;     /* NULL: a note only, the status stays */
	const char *note;       /* NULL: none */
	int internal;           /* 1: the note is for staff: never sent nor published */
	const char *action;     /* NULL, "returned", "reopened", or a rejection's kind */
	const char *to_agency;  /* NULL, or the agency the event moved the ticket to */
};

/*
 * Appends an event: status NULL keeps the status (a note only), else sets
 * it.  Updates updated_at.  0, -1.
 */
int store_event_put(struct store *s, const struct store_event_new *e);

/* store_event_put() of a plain event: no by, not internal, no action. */
int store_event_add(struct store *s, int64_t complaint_id, int64_t at,
    const char *actor, const char *status, const char *note);

/*
 * The newest note on the complaint written by a person other than the
 * citizen: an agency's or an operator's, not Aduan's own (actor "aduan",
 * e.g. the routing explanation), and never an internal one.  Copied to
 * buf ("" when none: buf is always written).  1 found, 0 none, -1.
 */
int store_last_agency_note(struct store *s, int64_t complaint_id, char *buf, size_t bufsz);

/* Number of complaints (tests, `aduan` figures).  -1 on error. */
long store_complaint_count(struct store *s);

/* ---- phones: per-number preferences -------------------------------- */

struct store_phone {
	int notify;             /* 1 unless the citizen sent STOP */
	char lang[4];           /* last language the citizen used, "" if none */
};

/* 1 found, 0 not known (defaults: notify 1, lang ""), -1. */
int store_phone_get(struct store *s, const char *phone, struct store_phone *p);
/* Upsert; notify < 0 or lang NULL leaves that field as it is.  0, -1. */
int store_phone_set(struct store *s, const char *phone, int notify, const char *lang, int64_t at);

/*
 * Inside a transaction (store_run's fn, store_begin .. store_commit): the
 * rest of it runs alone for this phone, whichever node runs it, until its
 * commit or rollback.  Everything intake keeps per phone (the gateway's
 * retry of a message, the parts of a long SMS, the flood guard's counters,
 * a USSD session) is read and written after it, so two requests of one
 * phone on two nodes are decided one after the other, as on one node, and
 * the second reads what the first committed.  SQLite: nothing to do (its
 * one writer runs transactions one at a time).  PostgreSQL: a
 * transaction-level advisory lock on the phone's hash.  0, or -1.
 */
int store_lock_phone(struct store *s, const char *phone);

/* ---- USSD sessions --------------------------------------------------- */

#define STORE_USSD_TEXT_MAX 2048        /* cumulative session text kept */

/*
 * One USSD session, keyed by (gateway, id).  The menu's context is kept as
 * plain columns; last_text is the gateway's whole session text of the last
 * request (Africa's Talking sends all inputs joined by '*': the newest
 * input is what follows the previous text), last_response the full answer
 * ("CON ..." / "END ...") given to it, so a repeated request gets the same
 * answer and changes nothing.
 */
struct store_ussd {
	char gateway[16];
	char id[128];
	char phone[24];
	char state[24];                 /* ussd_state_name() */
	char lang[4];
	int page;
	long rule;                      /* -1: none */
	char location[128];
	char description[384];
	char resume_to[24];             /* state name, "" if none */
	int resumable;                  /* 1: an unfinished complaint worth offering again */
	int done;                       /* 1: ended (END sent) */
	int64_t complaint_id;           /* 0: none */
	char last_text[STORE_USSD_TEXT_MAX + 1];
	char last_response[640];
	int64_t created_at;
	int64_t updated_at;
};

/* 1 found, 0 not found, -1 error. */
int store_ussd_get(struct store *s, const char *gateway, const char *id, struct store_ussd *u);

/*
 * For a request that would open session (gateway, id) of phone, what is
 * committed says, read on the reading connection (never waiting for the
 * writer): 1 when the session has no row and phone has none to resume
 * updated since `since` (lang: the phone's language, "" if none), 0 when
 * there is one (the writer's transaction must decide; always 0 on
 * PostgreSQL), -1 on error.  What the open batch holds is not seen: the
 * caller knows the session is none of those (intake/ussd_session.c).
 */
int store_ussd_peek_fresh(struct store *s, const char *gateway, const char *id, const char *phone,
    int64_t since, char lang[4]);

/* Insert or replace the session (gateway, id).  0, -1. */
int store_ussd_put(struct store *s, const struct store_ussd *u);

/*
 * The newest session of `phone` on `gateway`, other than `not_id`, with
 * resumable = 1, done = 0 and updated_at >= since.  1 found, 0 none, -1.
 */
int store_ussd_find_resumable(struct store *s, const char *phone, const char *gateway,
    const char *not_id, int64_t since, struct store_ussd *u);

/*
 * Rows a purge deletes at most per call, so that one call inside a
 * transaction stays short (it walks an index on the purge column).  A
 * caller that needs more calls again while a call returns this many.
 */
#define STORE_PURGE_BATCH 500

/*
 * Deletes sessions whose updated_at is before `before`, at most
 * STORE_PURGE_BATCH.  Number deleted, or -1.
 */
long store_ussd_purge(struct store *s, int64_t before);

/* ---- outbox: everything that leaves Aduan, written in the same transaction
 * as the change that caused it and delivered later by a worker. -------- */

struct store_outbox_new {
	const char *kind;               /* "sms" */
	const char *recipient;          /* E.164 for SMS */
	const char *body;               /* the SMS text */
	const char *idem_key;           /* unique: the same key twice queues once */
	int64_t complaint_id;           /* 0: none */
	int64_t created_at;
};

/* 1 queued, 0 a row with this idem_key exists, -1 error. */
int store_outbox_add(struct store *s, const struct store_outbox_new *o);

/*
 * The same, but not attempted before not_before (an agency's daily email
 * digest, due at its hour).
 */
int store_outbox_add_at(struct store *s, const struct store_outbox_new *o, int64_t not_before);

/*
 * Appends text to the body of the row with this idem_key while no attempt
 * has begun (pending, 0 attempts) and the body stays within max bytes: a
 * digest collecting its items until its time.  1 appended, 0 not (no such
 * row, it is being sent or was, or it is full), -1 error.
 */
int store_outbox_append(struct store *s, const char *idem_key, const char *text, size_t max,
    int64_t now);

/* Rows in state "pending" (kind NULL: any kind).  -1 on error. */
long store_outbox_pending(struct store *s, const char *kind);

/* ---- agencies and delivery (migration 3) ------------------------------
 *
 * Outbox rows move pending -> sending (claimed by a worker, with a lease)
 * -> sent, or back to pending with a later next_attempt_at, or dead after
 * the last attempt.  A row left in "sending" by a crash is claimable again
 * when its lease (next_attempt_at) has passed: delivery is at least once.
 * Kinds: "sms" (recipient: E.164), "webhook" (recipient: agency id), "email"
 * (recipient: agency id; the body is the whole message, its envelope read
 * from its From, To and Cc: ticket/mail.h), "hub" (recipient "hub"; the
 * body is the form POSTed to the hub without its api_key: ticket/hub.h).
 */

struct store_outbox_row {
	int64_t id;
	char kind[16];
	char recipient[64];
	char *body;                     /* heap; freed by store_outbox_row_clear */
	char idem_key[160];
	int64_t complaint_id;           /* 0: none */
	char state[16];                 /* pending, sending, sent, dead */
	int attempts;
	int64_t next_attempt_at;
	char last_error[256];
	char provider_id[128];          /* the gateway's message id once sent */
	char dlr_state[32];             /* last delivery report: delivered, failed, ... */
	int64_t created_at;
	int64_t updated_at;
};

void store_outbox_row_clear(struct store_outbox_row *r);

/*
 * Claims up to max rows due at `now` (pending, or sending with an expired
 * lease), oldest first: they become "sending" with next_attempt_at =
 * lease_until.  Fills rows[0..*n).  0, -1.
 */
int store_outbox_claim(struct store *s, int64_t now, int64_t lease_until,
    struct store_outbox_row *rows, size_t max, size_t *n);
/*
 * 1 when some row is due at `now` (what store_outbox_claim would take), 0
 * none, -1 error.  A plain read: it takes no write lock.
 */
int store_outbox_due(struct store *s, int64_t now);
/* Delivered: state sent, provider_id kept (may be NULL).  0, -1. */
int store_outbox_sent(struct store *s, int64_t id, int64_t now, const char *provider_id);
/*
 * The provider id delivery reports will carry, known before the attempt
 * (send_provider_id_ahead), so that a report arriving before the
 * gateway's answer finds its row.  0, -1.
 */
int store_outbox_provider(struct store *s, int64_t id, const char *provider_id);
/* Failed, try again at next_at: state pending, attempts + 1, error kept.  0, -1. */
int store_outbox_retry(struct store *s, int64_t id, int64_t now, int64_t next_at,
    const char *error);
/* Failed for good: state dead, attempts + 1, error kept.  0, -1. */
int store_outbox_dead(struct store *s, int64_t id, int64_t now, const char *error);
/* A dead row back to pending, due now, attempts reset to 0.  1 done, 0 no such dead row, -1. */
int store_outbox_requeue(struct store *s, int64_t id, int64_t now);
/*
 * Calls fn for each row in `state` (NULL: every state), newest first, at
 * most limit rows; fn's row is valid during the call only.  0, -1.
 */
int store_outbox_each(struct store *s, const char *state, size_t limit,
    void (*fn)(void *arg, const struct store_outbox_row *r), void *arg);
/* Rows in `state`.  -1 on error. */
long store_outbox_count(struct store *s, const char *state);
/*
 * A delivery report for the SMS sent with this provider id: dlr_state is
 * kept ("delivered", "failed", "buffered", "submitted", "rejected").
 * 1 updated, 0 no such row, -1.
 */
int store_outbox_dlr(struct store *s, const char *provider_id, const char *dlr_state,
    int64_t now);

/* ---- tickets for the agency API and Open311 --------------------------- */

struct store_query {
	const char *agency;             /* NULL: every agency */
	const char *status;             /* NULL: any; else exactly this status */
	int open;                       /* 1: not closed/rejected/withdrawn; -1: only those; 0: any */
	const char *keyword;            /* NULL: any rule keyword */
	int64_t updated_since;          /* 0: any */
	int64_t created_from;           /* 0: unbounded; inclusive */
	int64_t created_to;             /* 0: unbounded; exclusive */
	int64_t before_id;              /* cursor: only ids below it; 0: from the newest */
	size_t limit;                   /* rows wanted (at most max) */
};

/*
 * Newest first (id descending).  Fills out[0..*n); clear each.  0, -1.
 * Reads what is committed, through a listing connection of its own: it
 * never waits for the writer nor holds up a retried callback
 * (store_message_seen), and a transaction does not see its own writes in it.
 */
int store_complaint_list(struct store *s, const struct store_query *q,
    struct store_complaint *out, size_t max, size_t *n);

/*
 * Public reads (Open311), on a read-only connection of their own: never
 * the writer's, the agency listing's, nor the one retried callbacks use,
 * so nothing public holds up intake; public reads wait only for each
 * other.  Withdrawn and rejected complaints are never seen, nor internal
 * notes.  Each
 * statement may run at most STORE_PUBLIC_STEPS SQLite virtual-machine
 * steps (a page of the usual filters takes a small fraction); one that
 * would take more stops and returns STORE_TOO_COSTLY.
 */
#define STORE_PUBLIC_STEPS      2000000
#define STORE_TOO_COSTLY        (-2)

/*
 * store_complaint_list() for the public: q->agency, q->status and
 * q->updated_since are ignored; q->open -1 means status closed.  One
 * keyword walks that keyword's complaints only.  0, -1, STORE_TOO_COSTLY.
 */
int store_public_list(struct store *s, const struct store_query *q,
    struct store_complaint *out, size_t max, size_t *n);
/*
 * The query plan (EXPLAIN QUERY PLAN, the detail lines joined by "; ") of
 * the statement store_public_list() runs for q, into out: tests and
 * diagnostics check that a listing walks an index.  0, -1.
 */
int store_public_plan(struct store *s, const struct store_query *q, char *out, size_t outsz);
/*
 * One public complaint by ticket, and the newest note an agency wrote on
 * it (as store_last_agency_note; "" when none) in note.  1 found (clear c
 * after), 0 none or not public, -1, STORE_TOO_COSTLY.
 */
int store_public_get(struct store *s, const char *ticket, struct store_complaint *c,
    char *note, size_t notesz);
/* The note of store_public_get() for a listed complaint.  1 one, 0 none, -1, ... */
int store_public_note(struct store *s, const struct store_complaint *c, char *note,
    size_t notesz);

struct store_event {
	int64_t id;
	int64_t at;
	char actor[64];
	char by[64];                    /* who of the actor, "" when none */
	char status[24];                /* "" when the event only added a note */
	char action[24];                /* "" or as store_event_new.action */
	char to_agency[64];             /* "" or the agency it moved the ticket to */
	int internal;                   /* 1: the note is internal */
	char *note;                     /* heap or NULL; freed by store_event_clear */
};

void store_event_clear(struct store_event *e);

/* Oldest first.  Fills out[0..*n) (at most max).  0, -1. */
int store_events_list(struct store *s, int64_t complaint_id, struct store_event *out,
    size_t max, size_t *n);

/* Moves the complaint to another agency (disposisi).  0, -1. */
int store_complaint_set_agency(struct store *s, int64_t complaint_id, const char *agency,
    int64_t now);

/* Links a complaint rejected as a duplicate to its original's ticket.  0, -1. */
int store_complaint_set_duplicate(struct store *s, int64_t complaint_id, const char *original);

/*
 * Sets the service-level times; a negative value leaves that field as it
 * is, 0 clears it.  0, -1.
 */
int store_complaint_set_sla(struct store *s, int64_t complaint_id, int64_t routed_at,
    int64_t route_due, int64_t followup_due, int64_t close_due, int64_t reminded_at);

/*
 * Complaints whose current stage is overdue at `now` and that were never
 * reminded: status received with route_due < now, or routed with
 * followup_due < now, or in_progress with followup_due < now (0 there
 * unless the reporter reopened it).  And, separately, resolved complaints with
 * close_due <= now.  Fill out[0..*n) (at most max), oldest first.  0, -1.
 */
int store_complaint_overdue(struct store *s, int64_t now, struct store_complaint *out,
    size_t max, size_t *n);
int store_complaint_to_autoclose(struct store *s, int64_t now, struct store_complaint *out,
    size_t max, size_t *n);

/* ---- long messages in parts (migration 4) -----------------------------
 *
 * Some gateways (Vonage) deliver a long SMS as separate callbacks, one per
 * part, in any order.  The parts wait here, keyed by (gateway, sender,
 * ref), until all have come; then intake joins them and handles one
 * message.  A part delivered twice is kept once.
 */

/*
 * Keeps part `part` (1..total) of the message; msg_id is the gateway's id
 * of this part (NULL if none).  1 kept, 0 had it already (a repeat), -1.
 * A part whose message was already handled, arriving with another msg_id,
 * starts a new message: phones reuse small references.
 */
int store_part_add(struct store *s, const char *gateway, const char *sender, const char *ref,
    int total, int part, const char *msg_id, const char *text, int64_t now);

/*
 * When every part 1..total of (gateway, sender, ref) is here: their texts
 * joined in order, in *text (heap; the caller frees), and 1.  0 when some
 * are missing (*text NULL).  -1 on error.
 */
int store_parts_join(struct store *s, const char *gateway, const char *sender, const char *ref,
    char **text);

/*
 * Marks the waiting parts of (gateway, sender, ref) handled (at `now`):
 * they no longer join or expire, but a repeat of one is still recognised
 * until store_parts_purge() forgets them.  0, -1.
 */
int store_parts_delete(struct store *s, const char *gateway, const char *sender, const char *ref,
    int64_t now);

/* Forgets handled parts marked before `before`, at most STORE_PURGE_BATCH.  Number, -1. */
long store_parts_purge(struct store *s, int64_t before);

struct store_parts_group {
	char gateway[16];
	char sender[64];
	char ref[64];
	int total;                      /* parts announced */
	int have;                       /* parts here */
	char *text;                     /* heap: the parts here in order, "[...]" for each gap */
	int64_t first_at;               /* when the first part came */
};

void store_parts_group_clear(struct store_parts_group *g);

/*
 * Incomplete messages whose first part came before `before`, oldest first,
 * at most max: out[0..*n) (clear each).  0, -1.
 */
int store_parts_expired(struct store *s, int64_t before, struct store_parts_group *out,
    size_t max, size_t *n);

/* ---- reports: aduan stats and aduan route --replay --------------------
 *
 * Read only: these run SELECTs and nothing else.  `since` is a Unix time:
 * complaints created at or after it.  Every query is bounded by `limit`
 * rows; the callbacks run with the store's lock held and the statement
 * open, so they must not call these functions again.
 */

/* One complaint with the SMS that opened it; valid during the callback only. */
struct store_complaint_text {
	const char *ticket;
	const char *channel;            /* "sms", "ussd" */
	const char *keyword;            /* the rule's keyword, "" when no rule decided */
	const char *agency;             /* the agency it is with now */
	const char *region;             /* "" when none */
	const char *location;           /* NULL when none */
	const char *description;
	const char *text;               /* the message as received; NULL when none (USSD) */
	int64_t created_at;
};

/*
 * Calls fn for each complaint created since `since`, oldest first, at most
 * limit; keyword NULL: any, "" only those no rule decided (triage).  fn
 * returns non-zero to stop.  0 all seen, 1 stopped by fn, -1 error.
 */
int store_complaint_messages_each(struct store *s, int64_t since, const char *keyword,
    size_t limit, int (*fn)(void *arg, const struct store_complaint_text *t), void *arg);

/* Complaints since `since`, and those of them no rule decided (keyword "").  0, -1. */
int store_stats_totals(struct store *s, int64_t since, long *total, long *no_rule);

enum store_stats_by {
	STORE_STATS_AGENCY,
	STORE_STATS_KEYWORD,            /* "" for the complaints no rule decided */
	STORE_STATS_CHANNEL
};

/*
 * Complaints since `since` counted per agency, keyword or channel (SQL
 * GROUP BY): fn once per group, largest first (ties by name), at most
 * limit groups.  0, -1.
 */
int store_stats_counts(struct store *s, enum store_stats_by by, int64_t since, size_t limit,
    void (*fn)(void *arg, const char *name, long n), void *arg);

/*
 * For each complaint created since `since` (oldest first, at most limit):
 * its creation time and the time of the first event an agency wrote at or
 * after it (an actor other than "citizen" and "aduan"), 0 when none yet.
 * 0, -1.
 */
int store_stats_responses(struct store *s, int64_t since, size_t limit,
    void (*fn)(void *arg, int64_t created_at, int64_t first_at), void *arg);

/*
 * Complaints overdue at `now`, whatever their age and whether reminded or
 * not: status received with route_due < now (*received), and status
 * routed, or in_progress reopened by the reporter, with followup_due < now
 * (*routed: the agencies').  0, -1.
 */
int store_stats_overdue(struct store *s, int64_t now, long *received, long *routed);

/* ---- flood and loop guard (intake/guard.h decides, this keeps) -------- */

#define STORE_TICKET_LEN 8
#define STORE_HASH_LEN   16

/* One phone's guard state; a phone never seen reads as all zero. */
struct store_guard {
	double tokens;                  /* complaint tokens at tokens_at */
	int64_t tokens_at;
	int limited;                    /* told "too many complaints"; quiet until a token */
	int replies;                    /* replies since replies_since */
	int64_t replies_since;
	int capped;                     /* told "too many replies" in this hour */
	char last_hash[STORE_HASH_LEN + 1];     /* normalised last text */
	int repeats;                    /* how often it came in a row */
	int64_t last_at;
};

/* 1 found, 0 never seen (*g zeroed), -1.  Inside the message's transaction. */
int store_guard_get(struct store *s, const char *phone, struct store_guard *g);
/* Writes the whole row (updated_at = now).  0, -1. */
int store_guard_put(struct store *s, const char *phone, const struct store_guard *g,
    int64_t now);

/*
 * The ticket first opened by this phone with this normalised text at or
 * after `since`: 1 (ticket filled), 0 none, -1.
 */
int store_guard_text_find(struct store *s, const char *phone, const char *hash, int64_t since,
    char ticket[STORE_TICKET_LEN + 1]);
/* Remembers ticket for (phone, hash) unless one from `since` on is there.  0, -1. */
int store_guard_text_put(struct store *s, const char *phone, const char *hash,
    const char *ticket, int64_t now, int64_t since);
/*
 * Forgets guard rows not touched since phones_before and texts older than
 * texts_before, at most STORE_PURGE_BATCH of each.  Rows deleted, or -1.
 */
long store_guard_purge(struct store *s, int64_t phones_before, int64_t texts_before);

/*
 * EXPLAIN QUERY PLAN of one of the store's statements, by name
 * ("message_find", "ussd_purge", "parts_purge", "parts_expired",
 * "guard_get", "guard_text_find", ...): its detail lines joined by
 * newlines in buf.  For tests that show a query walks an index.  0, -1.
 */
int store_plan(struct store *s, const char *name, char *buf, size_t bufsz);

/* ---- health ------------------------------------------------------------ */

/*
 * 1 when a write commits now: a small write (the file's PRAGMA
 * application_id, set to the same constant every time, "Adua") runs
 * through the writer like any transaction and returns once its batch is
 * on disk.  0
 * when not (another process holds the database, read-only or full file,
 * the file deleted or moved away while open), the reason in
 * store_errmsg().  Costs what one transaction in a batch costs (usually
 * one fsync, shared with the batch).  For /healthz.
 *
 * Every batch commit checks first that the database file is still at
 * its path (SQLITE_FCNTL_HAS_MOVED, one stat): a batch written to a file
 * deleted or renamed while open fails (-1), so nothing is acknowledged
 * that a restart would not find.
 */
int store_writable(struct store *s);

/* ---- accounts: the staff of the web inbox, their sessions, failed logins
 * and the audit log (migration 10) ------------------------------------------
 *
 * An account belongs to one agency of the config (by id; an agency that
 * left the config leaves its accounts unable to log in, web/auth.h) and
 * has a role, "staff" or "supervisor".  Passwords are kept only as
 * crypto_password_hash() strings.  A session is kept by the SHA-256 of
 * its token, never the token: a copy of the database opens no session.
 * Logins (the account, the session, the failure counts) are web/auth.c's
 * business; these functions only keep and find.
 */

#define STORE_LOGIN_LEN         64      /* sizes of the fields, NUL included */
#define STORE_AGENCY_LEN        64
#define STORE_ROLE_LEN          16
#define STORE_NAME_LEN          128
#define STORE_PWHASH_LEN        256     /* CRYPTO_PASSWORD_MAX */

struct store_account {
	int64_t id;
	char login[STORE_LOGIN_LEN];    /* unique */
	char agency[STORE_AGENCY_LEN];  /* an agency id of the config */
	char role[STORE_ROLE_LEN];      /* "staff", "supervisor" */
	char name[STORE_NAME_LEN];      /* full name, "" when none */
	char pw_hash[STORE_PWHASH_LEN]; /* crypto_password_hash(); "" in listings */
	int disabled;                   /* 1: cannot log in, has no sessions */
	int64_t created_at, updated_at;
};

/*
 * Inserts a (a->id set; updated_at = created_at).  1 added, 0 an account
 * with this login exists (nothing changed), -1.
 */
int store_account_add(struct store *s, struct store_account *a);
/* By login, or by id.  1 found (*a filled), 0 none, -1. */
int store_account_get(struct store *s, const char *login, struct store_account *a);
int store_account_get_id(struct store *s, int64_t id, struct store_account *a);
/* Sets the password hash (updated_at = now).  1 done, 0 no such login, -1. */
int store_account_set_password(struct store *s, const char *login, const char *pw_hash,
    int64_t now);
/*
 * Disables (1) or enables (0) the account (updated_at = now).  Its
 * sessions are not touched: store_session_delete_account() in the same
 * transaction.  1 done, 0 no such login, -1.
 */
int store_account_set_disabled(struct store *s, const char *login, int disabled, int64_t now);
/*
 * Calls fn for each account, by login, with pw_hash "" (listings never
 * carry hashes); a is valid during the call only, which holds the store's
 * lock: fn must not call the store.  0, -1.
 */
int store_account_list(struct store *s, void (*fn)(void *arg, const struct store_account *a),
    void *arg);

struct store_session {
	int64_t account_id;
	char csrf[65];                  /* the session's CSRF token, hex */
	int64_t created_at;
	int64_t last_seen;              /* the last use, to the minute (below) */
	int64_t expires_at;             /* the absolute end */
};

/*
 * Keeps a session: token_sha256 is the SHA-256 (hex) of the cookie's
 * token, csrf its CSRF token; last_seen = created.  0, -1 (a token hash
 * that exists already is an error: tokens are random).
 */
int store_session_add(struct store *s, const char *token_sha256, int64_t account_id,
    const char *csrf, int64_t created, int64_t expires);
/*
 * The session with this token hash, if alive at now: expires_at > now and
 * last_seen >= idle_before (the caller passes now - idle timeout).  Found
 * alive, its last_seen becomes now -- written only when it is more than
 * STORE_SESSION_TOUCH seconds old, so that page views do not each cost a
 * write.  1 alive (*out filled), 0 none or expired, -1.
 */
#define STORE_SESSION_TOUCH     60
int store_session_get(struct store *s, const char *token_sha256, int64_t now,
    int64_t idle_before, struct store_session *out);
/* Ends one session (logout).  1 ended, 0 there was none, -1. */
int store_session_delete(struct store *s, const char *token_sha256);
/* Ends every session of an account (disabled, new password).  Number ended, -1. */
long store_session_delete_account(struct store *s, int64_t account_id);
/*
 * Forgets sessions that ended by `now` (expires_at <= now) or sat idle
 * (last_seen < idle_before), at most STORE_PURGE_BATCH.  Number, -1.
 */
long store_session_purge(struct store *s, int64_t now, int64_t idle_before);

/*
 * Failed logins, counted per key (web/auth.c uses "login:<login>" and
 * "addr:<client address>") for the back-off.
 */
/* Notes one failure of key at `at`.  0, -1. */
int store_login_failure_note(struct store *s, const char *key, int64_t at);
/*
 * Failures of key at or after `since`: their number (-1 on error), and
 * the time of the newest in *last (0 when none).
 */
long store_login_failures(struct store *s, const char *key, int64_t since, int64_t *last);
/* Forgets the failures of key (a login that succeeded).  0, -1. */
int store_login_failures_clear(struct store *s, const char *key);
/* Forgets failures before `before` (any key), at most STORE_PURGE_BATCH.  Number, -1. */
long store_login_failures_purge(struct store *s, int64_t before);

/*
 * The audit log: who did what, when, for what an agency's event history
 * does not show (logins, revealing a reporter's number, account changes).
 * Rows are only added, never changed.
 */
struct store_audit {
	int64_t id;
	int64_t at;
	char login[STORE_LOGIN_LEN];    /* the account, or "operator" for the CLI */
	char action[32];                /* "login", "logout", "reveal", "user_add", ... */
	int64_t complaint_id;           /* 0: none */
	char detail[256];               /* cut to fit when listed */
};

/* Appends a row; complaint_id 0 for none, detail NULL for "".  0, -1. */
int store_audit_add(struct store *s, int64_t at, const char *login, const char *action,
    int64_t complaint_id, const char *detail);
/*
 * The newest rows first, of one complaint (complaint_id > 0) or of all
 * (0): out[0..*n), at most max, only rows with id below before_id when it
 * is > 0 (paging).  0, -1.
 */
int store_audit_list(struct store *s, int64_t complaint_id, int64_t before_id,
    struct store_audit *out, size_t max, size_t *n);

/* ---- the web inbox (store/inbox.c) --------------------------------------
 *
 * The reads of the agency and triage inbox's pages (web/), on the agency
 * listing's read-only connection: they see what is committed, never wait
 * for the writer nor hold it up, whatever they scan.  The callbacks run
 * with that connection's lock held and the statement open: they must not
 * call store functions.  Every query is bounded by its limit.
 */

struct store_inbox_query {
	const char *agency;             /* NULL: every agency */
	const char *status;             /* NULL: any; else exactly this status */
	int open;                       /* 1: not closed/rejected/withdrawn; 0: any */
	const char *keyword;            /* NULL: any; "": those no rule decided */
	const char *region;             /* NULL: any; "": none named */
	int64_t created_from;           /* 0: unbounded; inclusive */
	int64_t created_to;             /* 0: unbounded; exclusive */
	int64_t overdue_at;             /* 0: any; else only those overdue at this time
	                                   (received past route_due, routed past
	                                   followup_due: ticket_overdue's rule) */
	int by_due;                     /* 1: earliest due date first (most overdue),
	                                   those without one last; 0: newest first */
	size_t offset;                  /* rows skipped (paging) */
	size_t limit;                   /* rows wanted (at most max) */
};

/* One page of q: out[0..*n) (clear each).  0, -1. */
int store_inbox_list(struct store *s, const struct store_inbox_query *q,
    struct store_complaint *out, size_t max, size_t *n);

/*
 * Counts per status of what q selects with its status and open filters
 * left out: fn once per status that has any, by status name.  0, -1.
 */
int store_inbox_counts(struct store *s, const struct store_inbox_query *q,
    void (*fn)(void *arg, const char *status, long n), void *arg);

/*
 * Complaints created at or after `from`, per agency and week: fn(agency,
 * week, n) where week is (created_at - from) / 7 days, at most limit
 * groups, by agency then week.  0, -1.
 */
int store_inbox_weekly(struct store *s, int64_t from, size_t limit,
    void (*fn)(void *arg, const char *agency, long week, long n), void *arg);

/*
 * Open complaints (not final) per agency, and how many of them are
 * overdue at `now`: fn once per agency with any, at most limit.  0, -1.
 */
int store_inbox_open(struct store *s, int64_t now, size_t limit,
    void (*fn)(void *arg, const char *agency, long open, long overdue), void *arg);

/*
 * One item of a complaint's thread with its reporter, oldest first: what
 * the citizen sent about it (outgoing 0: the complaint, TAMBAH, BATAL, with
 * Aduan's immediate reply) and the SMS queued to them (outgoing 1: status
 * messages and notes, with the outbox row's delivery state).  Valid
 * during the callback only.
 */
struct store_thread_item {
	int outgoing;                   /* 0: from the citizen; 1: to the citizen */
	int64_t at;                     /* received (0) or queued (1) */
	const char *command;            /* 0: "complaint", "add", "cancel"; 1: "sms" */
	const char *text;               /* the message, or the SMS's body */
	const char *reply;              /* 0: Aduan's reply to it ("" none); 1: "" */
	const char *state;              /* 1: pending, sending, sent, dead; 0: "" */
	const char *dlr_state;          /* 1: last delivery report ("" none) */
	int attempts;                   /* 1: delivery attempts so far */
	const char *last_error;         /* 1: why the last attempt failed ("" none) */
};

/* fn for each item of complaint_id's thread, at most limit.  0, -1. */
int store_inbox_thread(struct store *s, int64_t complaint_id, size_t limit,
    void (*fn)(void *arg, const struct store_thread_item *t), void *arg);

/* ---- monitoring (monitor.c): what GET /metrics reads at each scrape -------
 * Cheap by design (a scrape every 15 s beside a burst of intake): each
 * query walks an index over the rows it counts, on a read-only connection
 * of its own (never the writer's lock), and sees what is committed.
 */

struct store_monitor {
	int64_t last_inbound;           /* received_at of the newest inbound SMS, or the
	                                   newest USSD request (a session's updated_at);
	                                   0: none stored; -1: not read */
	int64_t oldest_pending;         /* when the oldest undelivered outbox row (pending
	                                   or sending) became due: next_attempt_at before
	                                   its first attempt, created_at after; rows due
	                                   later than now do not count; 0: none; -1:
	                                   not read */
	long long db_bytes;             /* size of the database file, -1: unknown */
	long long wal_bytes;            /* of its -wal file (0 when there is none), -1 */
	long long fs_avail_bytes;       /* free bytes for an unprivileged user on the
	                                   database's filesystem (statvfs), -1 */
	long long fs_size_bytes;        /* that filesystem's size, -1 */
	long outbox[4];                 /* outbox rows by state: pending, sending, sent,
	                                   dead (STORE_MONITOR_STATES); -1: not read */
};

#define STORE_MONITOR_STATES { "pending", "sending", "sent", "dead" }

/* Fills *m at `now`.  0, or -1 (errmsg set; what was not read is -1). */
int store_monitor_read(struct store *s, int64_t now, struct store_monitor *m);

/*
 * Complaints overdue at `now` per agency, as store_stats_overdue counts
 * them (received past route_due; routed, or in_progress reopened, past
 * followup_due): fn once per agency that has any, by agency id, at most
 * limit.  Walks the three partial due-date indexes.  0, -1.
 */
int store_monitor_overdue(struct store *s, int64_t now, size_t limit,
    void (*fn)(void *arg, const char *agency, long n), void *arg);

/* ---- retention (purge.c): what `aduan purge` deletes ------------------
 *
 * Old rows that no ticket needs, never a complaint nor its history: the
 * rule for each kind is in store/purge.c's opening comment (and README).
 * A purge is a loop of batches, each its own transaction
 * (store_run), so a serving aduan's writes go between them.
 */

enum store_purge_kind {
	STORE_PURGE_MESSAGES,           /* inbound messages outside a ticket's thread */
	STORE_PURGE_OUTBOX,             /* delivered rows, but a ticket's SMS */
	STORE_PURGE_USSD,               /* USSD sessions */
	STORE_PURGE_SESSIONS,           /* ended web inbox sessions */
	STORE_PURGE_LOGIN_FAILURES,     /* failed logins */
	STORE_PURGE_PARTNER_KEYS,       /* partners' Idempotency-Keys, with the messages */
	STORE_PURGE_N
};

/*
 * Messages younger than this are never purged, whatever the setting: a
 * gateway that did not get our answer retries the same message id (for
 * at most a day: Vonage's retries, the longest, stop after 24 hours) and
 * must get the stored reply, not a second handling.
 */
#define STORE_DEDUP_KEEP        (3 * 86400)

struct store_purge_plan {
	int64_t now;
	int64_t before[STORE_PURGE_N];  /* rows older than this go; 0: keep them all */
};

/*
 * The cutoffs at `now` for retention settings in days (0: keep forever):
 * messages_days for messages and partners' idempotency keys (never less
 * than STORE_DEDUP_KEEP),
 * outbox_days for the outbox, sessions_days for USSD and web sessions and
 * failed logins.  Pure.
 */
void store_purge_plan(int64_t now, int messages_days, int outbox_days, int sessions_days,
    struct store_purge_plan *p);
/* The table of a kind ("messages", "outbox", "ussd_sessions", ...). */
const char *store_purge_name(enum store_purge_kind k);
/* How many rows of kind k a purge with this cutoff deletes; reads only.  -1 on error. */
long long store_purge_count(struct store *s, enum store_purge_kind k, int64_t before);
/*
 * Deletes at most STORE_PURGE_BATCH rows of kind k older than before, in
 * the caller's transaction (inside store_run); *cursor is the purge's
 * place (0 at the start; the function moves it).  The number deleted, 0
 * when none is left, -1 on error.
 */
long store_purge_batch(struct store *s, enum store_purge_kind k, int64_t before,
    int64_t *cursor);

/* ---- partner systems (partners.c): complaints filed through Open311 POST ----
 *
 * A complaint store_complaint_add*() stored with c->partner set has its
 * "received" event's by set to the partner's id; store_partner_add()
 * keeps the partner and what else its request carried, in the same
 * transaction.  The complaint's reads (store_complaint_get, the listings)
 * then fill partner and partner_details.
 */

/*
 * Records that complaint_id came from partner, with details (a JSON
 * object as text, NULL for none), and, when idem_key is not NULL, that
 * partner's Idempotency-Key idem_key made ticket.  Inside the caller's
 * transaction.  1 done, 0 the key is taken already (nothing written: roll
 * back), -1 error.
 */
int store_partner_add(struct store *s, int64_t complaint_id, const char *ticket,
    const char *partner, const char *idem_key, const char *details, int64_t at);

/*
 * The ticket an earlier request of partner with idem_key created: 1 found
 * (ticket written), 0 none, -1 error.
 */
int store_partner_key_find(struct store *s, const char *partner, const char *idem_key,
    char ticket[9]);

/* ---- backup (backup.c) -------------------------------------------------
 * `aduan backup`: its own connections, never a struct store, so it runs
 * beside a serving process and never creates, migrates nor writes the
 * source.
 */

struct store_backup_info {
	long long bytes;        /* size of DEST */
	int schema_version;     /* the copy's user_version (= the source's) */
	long long complaints;   /* rows of complaints in the copy */
	double seconds;         /* how long the whole backup took */
};

/*
 * Copies the database at db_path (which must exist) to dest, a new file:
 * one consistent snapshot through SQLite's online backup API, taken while
 * a service may keep writing; written to a temporary file beside dest,
 * checked (PRAGMA integrity_check, same user_version as the source),
 * fsync'd and only then given dest's name.  An existing dest is refused.
 * 0 with *out filled, or -1 with the reason in err and nothing left at
 * dest nor beside it.
 */
int store_backup(const char *db_path, const char *dest, struct store_backup_info *out,
    char *err, size_t errsz);

/* ---- migrate (migrate.c) ------------------------------------------------
 * `aduan migrate --to URI`: a SQLite database copied into an empty
 * PostgreSQL one.  Its own connections, as backup: the source is never
 * created, migrated nor written.
 */

struct store_migrate_info {
	int schema_version;     /* both databases' */
	int tables;             /* tables copied */
	long long rows;         /* rows copied, all tables */
	long long complaints;   /* of them in complaints */
	long long sampled;      /* rows read back from the target and compared */
	double seconds;
};

/*
 * Copies every table of the SQLite database at src_path (at this binary's
 * schema version) into the PostgreSQL database at url, whose schema it
 * creates if missing and whose tables must all be empty: in one
 * transaction that also compares each table's count and a sample of rows
 * read back by key, committed only if all match.  0 with *out filled, or
 * -1 with the reason in err and the target as empty as it was.
 */
int store_migrate_to(const char *src_path, const char *url, struct store_migrate_info *out,
    char *err, size_t errsz);

/* ---- hub: tickets forwarded to an Open311 hub (migration 12) ------------
 *
 * A ticket forwarded to the hub (outbox kind "hub") gets one row: the
 * hub's service_request_id, shown with the ticket (store_complaint.hub_id),
 * or while the hub has only given a token, the token; and the following of
 * the hub's status (ticket/hub.h): what was last applied ("seen", the
 * poller's own fingerprint), when to ask next, and the wait then.
 */

struct store_hub_link {
	int64_t complaint_id;
	char ticket[9];
	char hub_id[64];                /* "" while only a token is known */
	char token[128];                /* "" when the hub answered with an id */
	char seen[512];                 /* the poller's fingerprint of what it applied */
	int64_t next_poll_at;
	int interval;                   /* seconds of the current wait */
};

/*
 * The hub took the forwarded complaint: hub_id (or token, hub_id "") kept,
 * polls from next_at every interval seconds.  A second answer for the same
 * complaint (a repeat) updates hub_id and token only.  0, -1.
 */
int store_hub_forwarded(struct store *s, int64_t complaint_id, const char *hub_id,
    const char *token, int64_t now, int64_t next_at, int interval);

/*
 * Links due at `now` (next_poll_at <= now) whose complaint is not closed,
 * rejected nor withdrawn, soonest due first, at most max: out[0..*n).  0, -1.
 */
int store_hub_due(struct store *s, int64_t now, struct store_hub_link *out, size_t max,
    size_t *n);

/*
 * Inside the transaction that applies what the hub said: the link's
 * fingerprint moved from `from` (what this poll read before asking) to
 * `to`.  1 moved; 0 it no longer says `from`: another node's poll applied
 * a newer answer meanwhile (on PostgreSQL this waits for that node's
 * commit, then sees it), so apply nothing; -1.
 */
int store_hub_seen_swap(struct store *s, int64_t complaint_id, const char *from, const char *to);

/*
 * After a poll: next poll at next_at with the wait interval; seen and
 * hub_id NULL leave theirs.  0, -1.
 */
int store_hub_polled(struct store *s, int64_t complaint_id, int64_t next_at, int interval,
    const char *seen, const char *hub_id);

#endif
