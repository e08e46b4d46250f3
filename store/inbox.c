/*
 * inbox: the reads of the web inbox (store.h, "the web inbox"): a queue
 * page with its filters and paging, its counts per status, the
 * dashboard's figures, one complaint's thread with its reporter.
 *
 * They run on the agency listing's read-only connection (ldb, listing.c),
 * not the writer's: a triage desk's queue over every agency or a
 * dashboard counting months of complaints must never hold the lock that
 * intake commits under (STYLE 14), and a page should show what is on
 * disk.  The statements are in inbox_sql like every other file's (so
 * store_open prepares, and checks, them on the writer's connection too);
 * here each is prepared on ldb for its call and finalized after it, a few
 * microseconds that a page can afford, so that struct store needs nothing
 * new.  Each filter is a parameter that switches itself off (NULL or 0),
 * so one fixed statement serves every combination; no SQL is built at
 * run time.
 *
 * Indexes: complaints_agency (agency, id) serves an agency's queue;
 * complaints_created the dashboard's window; messages_complaint and
 * outbox_complaint (migration 11) a ticket's thread.
 */
#include "store/store_int.h"

#include <stdio.h>

#include "util/log.h"

#define FINAL_STATUSES "('closed', 'rejected', 'withdrawn')"

/* ticket_overdue's rule (ticket/json.c) at time ?8. */
#define OVERDUE_AT(t) \
	"((status = 'received' AND route_due > 0 AND route_due < " t ")" \
	" OR (status = 'routed' AND followup_due > 0 AND followup_due < " t "))"

/* The current stage's due date (ticket_due_of), 0 when none. */
#define DUE \
	"(CASE status WHEN 'received' THEN route_due WHEN 'routed' THEN followup_due" \
	" WHEN 'resolved' THEN close_due ELSE 0 END)"

/* Every filter of a queue but status and open (?2, ?3): the counts leave those out. */
#define QUEUE_SCOPE \
	" WHERE (?1 IS NULL OR agency = ?1)" \
	" AND (?4 IS NULL OR keyword = ?4)" \
	" AND (?5 IS NULL OR region = ?5)" \
	" AND (?6 = 0 OR created_at >= ?6)" \
	" AND (?7 = 0 OR created_at < ?7)" \
	" AND (?8 = 0 OR " OVERDUE_AT("?8") ")"

#define QUEUE_FILTERS QUEUE_SCOPE \
	" AND (?2 IS NULL OR status = ?2)" \
	" AND (?3 = 0 OR status NOT IN " FINAL_STATUSES ")"

const char *const inbox_sql[ST_NSTMTS] = {
	/* Newest first: walks the primary key (or an agency's complaints_agency) down. */
	[ST_INBOX_LIST_NEW] =
	    "SELECT " COMPLAINT_COLS " FROM complaints" QUEUE_FILTERS
	    " ORDER BY id DESC LIMIT ?9 OFFSET ?10",
	/* The earliest due date first, tickets without one last: sorts what the filters keep. */
	[ST_INBOX_LIST_DUE] =
	    "SELECT " COMPLAINT_COLS " FROM complaints" QUEUE_FILTERS
	    " ORDER BY " DUE " = 0, " DUE ", id DESC LIMIT ?9 OFFSET ?10",
	[ST_INBOX_COUNTS] =
	    "SELECT status, count(*) FROM complaints" QUEUE_SCOPE
	    " GROUP BY status ORDER BY status",
	/* Walks complaints_created from the window's start. */
	[ST_INBOX_WEEKLY] =
	    "SELECT agency, (created_at - ?1) / 604800 AS week, count(*) FROM complaints"
	    " WHERE created_at >= ?1 GROUP BY agency, week ORDER BY agency, week LIMIT ?2",
	[ST_INBOX_OPEN] =
	    "SELECT agency, count(*), coalesce(sum(CASE WHEN " OVERDUE_AT("?1")
	    " THEN 1 ELSE 0 END), 0) FROM complaints"
	    " WHERE status NOT IN " FINAL_STATUSES
	    " GROUP BY agency ORDER BY agency LIMIT ?2",
	/*
	 * The citizen's messages about the complaint and the SMS queued to
	 * them, in time order (ties: the citizen's first, then by row).
	 */
	[ST_INBOX_THREAD] =
	    "SELECT 0 AS outgoing, received_at AS at, id, command, " MESSAGE_TEXT("messages") ","
	    " reply, '', '', 0, ''"
	    " FROM messages WHERE complaint_id = ?1"
	    " AND command IN ('complaint', 'add', 'cancel')"
	    " UNION ALL"
	    " SELECT 1, created_at, id, 'sms', body, '', state, dlr_state, attempts,"
	    " coalesce(last_error, '')"
	    " FROM outbox WHERE complaint_id = ?1 AND kind = 'sms'"
	    " ORDER BY at, outgoing, id LIMIT ?2",
};

/* Statement id of inbox_sql on ldb for this call (stmt_prepare).  0, -1. */
static int
inbox_begin(struct stmt *q, struct store *s, enum stmt_id id, const char *what)
{
	return stmt_prepare(q, s, DB_LISTING, inbox_sql[id], what);
}

static int
inbox_end(struct stmt *q, int ret)
{
	return stmt_finish(q, ret);
}

/* Binds the filters ?1..?8 of QUEUE_FILTERS (?2 and ?3 unused by the counts: bound all the same). */
static void
bind_queue(struct stmt *q, const struct store_inbox_query *f)
{
	stmt_text(q, 1, f->agency);
	stmt_text(q, 4, f->keyword);
	stmt_text(q, 5, f->region);
	stmt_int(q, 6, f->created_from);
	stmt_int(q, 7, f->created_to);
	stmt_int(q, 8, f->overdue_at);
}

int
store_inbox_list(struct store *s, const struct store_inbox_query *f,
    struct store_complaint *out, size_t max, size_t *n)
{
	struct stmt q;
	size_t limit = f->limit < max ? f->limit : max;

	*n = 0;
	if (inbox_begin(&q, s, f->by_due ? ST_INBOX_LIST_DUE : ST_INBOX_LIST_NEW,
	    "inbox queue") != 0)
		return -1;
	bind_queue(&q, f);
	stmt_text(&q, 2, f->status);
	stmt_int(&q, 3, f->open > 0);
	stmt_limit(&q, 9, limit);
	stmt_limit(&q, 10, f->offset);
	return inbox_end(&q, complaints_rows(&q, out, limit, n));
}

int
store_inbox_counts(struct store *s, const struct store_inbox_query *f,
    void (*fn)(void *arg, const char *status, long n), void *arg)
{
	struct stmt q;
	int rc;

	if (inbox_begin(&q, s, ST_INBOX_COUNTS, "inbox counts") != 0)
		return -1;
	bind_queue(&q, f);
	while ((rc = stmt_row(&q)) == 1)
		fn(arg, col_str(&q, 0), (long)col_int64(&q, 1));
	return inbox_end(&q, rc);
}

int
store_inbox_weekly(struct store *s, int64_t from, size_t limit,
    void (*fn)(void *arg, const char *agency, long week, long n), void *arg)
{
	struct stmt q;
	int rc;

	if (inbox_begin(&q, s, ST_INBOX_WEEKLY, "inbox weekly counts") != 0)
		return -1;
	stmt_int(&q, 1, from);
	stmt_limit(&q, 2, limit);
	while ((rc = stmt_row(&q)) == 1)
		fn(arg, col_str(&q, 0), (long)col_int64(&q, 1),
		    (long)col_int64(&q, 2));
	return inbox_end(&q, rc);
}

int
store_inbox_open(struct store *s, int64_t now, size_t limit,
    void (*fn)(void *arg, const char *agency, long open, long overdue), void *arg)
{
	struct stmt q;
	int rc;

	if (inbox_begin(&q, s, ST_INBOX_OPEN, "inbox open counts") != 0)
		return -1;
	stmt_int(&q, 1, now);
	stmt_limit(&q, 2, limit);
	while ((rc = stmt_row(&q)) == 1)
		fn(arg, col_str(&q, 0), (long)col_int64(&q, 1),
		    (long)col_int64(&q, 2));
	return inbox_end(&q, rc);
}

int
store_inbox_thread(struct store *s, int64_t complaint_id, size_t limit,
    void (*fn)(void *arg, const struct store_thread_item *t), void *arg)
{
	struct store_thread_item t;
	struct stmt q;
	int rc;

	if (inbox_begin(&q, s, ST_INBOX_THREAD, "inbox thread") != 0)
		return -1;
	stmt_int(&q, 1, complaint_id);
	stmt_limit(&q, 2, limit);
	while ((rc = stmt_row(&q)) == 1) {
		t.outgoing = col_int(&q, 0);
		t.at = (int64_t)col_int64(&q, 1);
		t.command = col_str(&q, 3);
		t.text = col_str(&q, 4);
		t.reply = col_str(&q, 5);
		t.state = col_str(&q, 6);
		t.dlr_state = col_str(&q, 7);
		t.attempts = col_int(&q, 8);
		t.last_error = col_str(&q, 9);
		fn(arg, &t);
	}
	return inbox_end(&q, rc);
}
