/*
 * monitor: the reads of GET /metrics (store.h, "monitoring"): the time of
 * the newest inbound message, how long the oldest undelivered outbox row
 * has waited, overdue complaints per agency, and the sizes of the
 * database, its -wal and the free space of their filesystem.
 *
 * A scrape comes every 15 s or so, in the middle of whatever intake is
 * doing: each statement runs on the agency listing's read-only connection
 * (ldb, stmt_prepare), prepared for the call like store/inbox.c's, so it
 * never takes the lock that intake commits under (STYLE 14), and each
 * walks an index over the rows it counts only:
 *   last inbound    messages' primary key from its end (one row), and
 *                   ussd_sessions_updated from its end (one entry)
 *   oldest pending  outbox_due (state, next_attempt_at) over the rows not
 *                   yet delivered, a handful unless delivery is stuck
 *   outbox states   outbox_due (it starts with state), never a row
 *   overdue         the partial due-date indexes (complaints_route_due,
 *                   complaints_followup_due, complaints_reopened_due),
 *                   over the overdue complaints only
 * The file sizes are stat(2) and statvfs(2) of the names SQLite opened.
 */
#include "store/store_int.h"

#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

/* No statement ids (store_int.h): these run on ldb only, prepared per call. */
static const char sql_last_inbound[] =
    "SELECT max(coalesce((SELECT received_at FROM messages ORDER BY id DESC LIMIT 1), 0),"
    " coalesce((SELECT max(updated_at) FROM ussd_sessions), 0))";

/*
 * Due since: before the first attempt next_attempt_at (the time it was
 * queued, or the later time it was queued for: an email digest), after
 * it created_at.  A row queued for later is not counted before its time.
 */
static const char sql_oldest_pending[] =
    "SELECT coalesce(min(CASE WHEN attempts = 0 AND state = 'pending'"
    " THEN next_attempt_at ELSE created_at END), 0)"
    " FROM outbox WHERE state IN ('pending', 'sending')"
    " AND (attempts > 0 OR state = 'sending' OR next_attempt_at <= ?1)";

/* Walks outbox_due, which holds state: no row is read. */
static const char sql_outbox_states[] =
    "SELECT state, count(*) FROM outbox GROUP BY state";

/* store_stats_overdue's rule, per agency: one branch per partial index. */
static const char sql_overdue[] =
    "SELECT agency, count(*) FROM ("
    " SELECT agency FROM complaints"
    "  WHERE status = 'received' AND route_due > 0 AND route_due < ?1"
    " UNION ALL SELECT agency FROM complaints"
    "  WHERE status = 'routed' AND followup_due > 0 AND followup_due < ?1"
    " UNION ALL SELECT agency FROM complaints"
    "  WHERE status = 'in_progress' AND followup_due > 0 AND followup_due < ?1)"
    " GROUP BY agency ORDER BY agency LIMIT ?2";

/* The one integer of a one-row statement bound with now (?1, if it has one); -1 when not read. */
static int
one_int(struct store *s, const char *sql, const char *what, int64_t now, int64_t *out)
{
	struct stmt q;
	int rc;

	*out = -1;
	if (stmt_prepare(&q, s, DB_LISTING, sql, what) != 0)
		return -1;
	if (stmt_nparams(&q) > 0)
		stmt_int(&q, 1, now);
	if ((rc = stmt_row(&q)) == 1)
		*out = (int64_t)col_int64(&q, 0);
	else if (rc == 0)
		stmt_fail(&q);          /* an aggregate always has a row */
	rc = stmt_finish(&q, rc == 1 ? 0 : -1);
	if (rc != 0)
		*out = -1;
	return rc;
}

static long long
file_bytes(const char *path)
{
	struct stat sb;

	if (path == NULL || *path == '\0')
		return -1;
	if (stat(path, &sb) != 0)
		return errno == ENOENT ? 0 : -1;
	return (long long)sb.st_size;
}

/* m->outbox[] by STORE_MONITOR_STATES; a state with no row is 0.  0, -1. */
static int
outbox_states(struct store *s, struct store_monitor *m)
{
	static const char *const states[] = STORE_MONITOR_STATES;
	struct stmt q;
	size_t i;
	int rc;

	if (stmt_prepare(&q, s, DB_LISTING, sql_outbox_states, "count outbox rows by state") != 0)
		return -1;
	for (i = 0; i < ARRAY_LEN(states); i++)
		m->outbox[i] = 0;
	while ((rc = stmt_row(&q)) == 1)
		for (i = 0; i < ARRAY_LEN(states); i++)
			if (strcmp(col_str(&q, 0), states[i]) == 0)
				m->outbox[i] = (long)col_int64(&q, 1);
	if (rc != 0)
		for (i = 0; i < ARRAY_LEN(states); i++)
			m->outbox[i] = -1;
	return stmt_finish(&q, rc);
}

int
store_monitor_read(struct store *s, int64_t now, struct store_monitor *m)
{
	const char *db, *wal = NULL;
	struct statvfs vfs;
	size_t i;
	int ret = 0;

	m->last_inbound = m->oldest_pending = -1;
	m->db_bytes = m->wal_bytes = m->fs_avail_bytes = m->fs_size_bytes = -1;
	for (i = 0; i < ARRAY_LEN(m->outbox); i++)
		m->outbox[i] = -1;
	/* The file the backend resolved (a URI's path too), if it has one: no I/O. */
	db = db_file(s, &wal);
	if (db != NULL && *db != '\0') {
		m->db_bytes = file_bytes(db);
		m->wal_bytes = file_bytes(wal);
		if (statvfs(db, &vfs) == 0) {
			m->fs_avail_bytes = (long long)vfs.f_bavail * (long long)vfs.f_frsize;
			m->fs_size_bytes = (long long)vfs.f_blocks * (long long)vfs.f_frsize;
		}
	}
	/* Each on its own: one that fails leaves the others' values (errmsg: the last failure). */
	if (one_int(s, sql_last_inbound, "read the last inbound message", now,
	    &m->last_inbound) != 0)
		ret = -1;
	if (one_int(s, sql_oldest_pending, "read the oldest pending outbox row", now,
	    &m->oldest_pending) != 0)
		ret = -1;
	if (outbox_states(s, m) != 0)
		ret = -1;
	return ret;
}

int
store_monitor_overdue(struct store *s, int64_t now, size_t limit,
    void (*fn)(void *arg, const char *agency, long n), void *arg)
{
	struct stmt q;
	int rc;

	if (stmt_prepare(&q, s, DB_LISTING, sql_overdue, "count overdue complaints per agency") != 0)
		return -1;
	stmt_int(&q, 1, now);
	stmt_limit(&q, 2, limit);
	while ((rc = stmt_row(&q)) == 1)
		fn(arg, col_str(&q, 0), (long)col_int64(&q, 1));
	return stmt_finish(&q, rc);
}
