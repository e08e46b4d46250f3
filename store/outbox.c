/*
 * outbox: everything that leaves Aduan (store.h, "outbox" and "agencies
 * and delivery"): rows queued in the transaction of the change that caused
 * them, claimed by a delivery worker with a lease, marked sent, retried or
 * dead, requeued by an operator, and matched with delivery reports.
 */
#include "store/store_int.h"

#include <stdlib.h>

/* The outbox columns in struct store_outbox_row order: outbox_row(). */
#define OUTBOX_COLS \
	"id, kind, recipient, body, idem_key, complaint_id, state, attempts," \
	" next_attempt_at, last_error, provider_id, dlr_state, created_at," \
	" updated_at"

const char *const outbox_sql[ST_NSTMTS] = {
	/* Due at once (next_attempt_at is the time it was queued) or at not_before. */
	[ST_OUTBOX_ADD] =
	    "INSERT INTO outbox (kind, recipient, body, idem_key, complaint_id,"
	    " state, attempts, next_attempt_at, created_at, updated_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, 'pending', 0, ?7, ?6, ?6)"
	    " ON CONFLICT (idem_key) DO NOTHING",
	/* Bytes, not characters: the cap is on what is sent. */
	[ST_OUTBOX_APPEND] =
	    "UPDATE outbox SET body = body || ?2, updated_at = ?4"
	    " WHERE idem_key = ?1 AND state = 'pending' AND attempts = 0"
	    " AND length(CAST(body AS BLOB)) + length(CAST(?2 AS BLOB)) <= ?3",
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
};

int
store_outbox_add(struct store *s, const struct store_outbox_new *o)
{
	return store_outbox_add_at(s, o, o->created_at);
}

int
store_outbox_add_at(struct store *s, const struct store_outbox_new *o, int64_t not_before)
{
	struct stmt q;

	stmt_begin(&q, s, ST_OUTBOX_ADD, "queue outbox message");
	stmt_text(&q, 1, o->kind);
	stmt_text(&q, 2, o->recipient);
	stmt_text(&q, 3, o->body);
	stmt_text(&q, 4, o->idem_key);
	stmt_ref(&q, 5, o->complaint_id);
	stmt_int(&q, 6, o->created_at);
	stmt_int(&q, 7, not_before);
	return stmt_changed(&q);
}

int
store_outbox_append(struct store *s, const char *idem_key, const char *text, size_t max,
    int64_t now)
{
	struct stmt q;

	stmt_begin(&q, s, ST_OUTBOX_APPEND, "add to a digest");
	stmt_text(&q, 1, idem_key);
	stmt_text(&q, 2, text);
	stmt_limit(&q, 3, max);
	stmt_int(&q, 4, now);
	return stmt_changed(&q);
}

long
store_outbox_pending(struct store *s, const char *kind)
{
	struct stmt q;

	stmt_begin(&q, s, ST_OUTBOX_PENDING, "count pending outbox");
	stmt_text(&q, 1, kind);
	return stmt_count(&q);
}

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
outbox_row(const struct stmt *q, struct store_outbox_row *r)
{
	memset(r, 0, sizeof *r);
	r->id = (int64_t)col_int64(q, 0);
	(void)str_copy(r->kind, sizeof r->kind, col_str(q, 1));
	(void)str_copy(r->recipient, sizeof r->recipient, col_str(q, 2));
	r->body = xstrdup(col_str(q, 3));
	(void)str_copy(r->idem_key, sizeof r->idem_key, col_str(q, 4));
	/* NULL reads as 0, "none". */
	r->complaint_id = (int64_t)col_int64(q, 5);
	(void)str_copy(r->state, sizeof r->state, col_str(q, 6));
	r->attempts = col_int(q, 7);
	r->next_attempt_at = (int64_t)col_int64(q, 8);
	(void)str_copy(r->last_error, sizeof r->last_error, col_str(q, 9));
	(void)str_copy(r->provider_id, sizeof r->provider_id, col_str(q, 10));
	(void)str_copy(r->dlr_state, sizeof r->dlr_state, col_str(q, 11));
	r->created_at = (int64_t)col_int64(q, 12);
	r->updated_at = (int64_t)col_int64(q, 13);
}

int
store_outbox_due(struct store *s, int64_t now)
{
	struct stmt q;

	stmt_begin(&q, s, ST_OUTBOX_DUE, "look for due outbox rows");
	stmt_int(&q, 1, now);
	stmt_limit(&q, 2, 1);
	return stmt_end(&q, stmt_row(&q));
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
	struct stmt q;
	size_t k = 0, i;
	int own_tx, rc;

	*n = 0;
	if (max == 0)
		return 0;
	db_lock(s);
	own_tx = !db_in_tx(s);
	/*
	 * Most polls find nothing due: look first with a plain read, so
	 * that idle workers never take the write lock (in WAL a read
	 * blocks no writer, and no other process waits on us).
	 */
	if (own_tx && (rc = store_outbox_due(s, now)) != 1) {
		db_unlock(s);
		return rc;
	}
	if ((own_tx ? stmt_do(s, ST_BEGIN, "claim outbox") :
	    stmt_op_begin(s, "claim outbox")) == -1) {
		db_unlock(s);
		return -1;
	}
	stmt_use(&q, s, ST_OUTBOX_DUE, "claim outbox");
	stmt_int(&q, 1, now);
	stmt_limit(&q, 2, max);
	rc = 0;
	while (k < max && (rc = stmt_row(&q)) == 1)
		outbox_row(&q, &rows[k++]);
	if (stmt_end(&q, rc) == -1)
		goto fail;

	for (i = 0; i < k; i++) {
		stmt_use(&q, s, ST_OUTBOX_LEASE, "lease outbox row");
		stmt_int(&q, 1, rows[i].id);
		stmt_int(&q, 2, lease_until);
		stmt_int(&q, 3, now);
		if (stmt_run(&q) == -1)
			goto fail;
		(void)str_copy(rows[i].state, sizeof rows[i].state, "sending");
		rows[i].next_attempt_at = lease_until;
		rows[i].updated_at = now;
	}
	if ((own_tx ? stmt_do(s, ST_COMMIT, "claim outbox") :
	    stmt_op_end(s, "claim outbox")) == -1)
		goto fail;
	db_unlock(s);
	*n = k;
	return 0;

fail:
	for (i = 0; i < k; i++)
		store_outbox_row_clear(&rows[i]);
	if (!own_tx)
		stmt_op_undo(s);
	else if (db_in_tx(s))
		stmt_try(s, ST_ROLLBACK);
	db_unlock(s);
	return -1;
}

int
store_outbox_sent(struct store *s, int64_t id, int64_t now,
    const char *provider_id)
{
	struct stmt q;

	stmt_begin(&q, s, ST_OUTBOX_SENT, "mark outbox row sent");
	stmt_int(&q, 1, id);
	stmt_int(&q, 2, now);
	stmt_text(&q, 3, provider_id);
	return stmt_run(&q);
}

int
store_outbox_provider(struct store *s, int64_t id, const char *provider_id)
{
	struct stmt q;

	stmt_begin(&q, s, ST_OUTBOX_PROVIDER, "record provider id");
	stmt_int(&q, 1, id);
	stmt_text(&q, 2, provider_id);
	return stmt_run(&q);
}

int
store_outbox_retry(struct store *s, int64_t id, int64_t now, int64_t next_at,
    const char *error)
{
	struct stmt q;

	stmt_begin(&q, s, ST_OUTBOX_RETRY, "reschedule outbox row");
	stmt_int(&q, 1, id);
	stmt_int(&q, 2, now);
	stmt_int(&q, 3, next_at);
	stmt_text(&q, 4, error);
	return stmt_run(&q);
}

int
store_outbox_dead(struct store *s, int64_t id, int64_t now, const char *error)
{
	struct stmt q;

	stmt_begin(&q, s, ST_OUTBOX_DEAD, "mark outbox row dead");
	stmt_int(&q, 1, id);
	stmt_int(&q, 2, now);
	stmt_text(&q, 3, error);
	return stmt_run(&q);
}

int
store_outbox_requeue(struct store *s, int64_t id, int64_t now)
{
	struct stmt q;

	stmt_begin(&q, s, ST_OUTBOX_REQUEUE, "requeue outbox row");
	stmt_int(&q, 1, id);
	stmt_int(&q, 2, now);
	return stmt_changed(&q);
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
	struct stmt q;
	int rc;

	stmt_begin(&q, s, ST_OUTBOX_EACH, "list outbox");
	stmt_text(&q, 1, state);
	stmt_limit(&q, 2, limit);
	while ((rc = stmt_row(&q)) == 1) {
		outbox_row(&q, &r);
		fn(arg, &r);
		store_outbox_row_clear(&r);
	}
	return stmt_end(&q, rc);
}

long
store_outbox_count(struct store *s, const char *state)
{
	struct stmt q;

	stmt_begin(&q, s, ST_OUTBOX_COUNT, "count outbox");
	stmt_text(&q, 1, state);
	return stmt_count(&q);
}

int
store_outbox_dlr(struct store *s, const char *provider_id,
    const char *dlr_state, int64_t now)
{
	struct stmt q;

	stmt_begin(&q, s, ST_OUTBOX_DLR, "record delivery report");
	stmt_text(&q, 1, provider_id);
	stmt_text(&q, 2, dlr_state);
	stmt_int(&q, 3, now);
	return stmt_changed(&q);
}
