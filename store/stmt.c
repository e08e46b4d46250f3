/*
 * stmt: the store's one statement helper (contract in store_int.h): take a
 * cached statement and its connection's lock, bind, step, report an error
 * one way, reset and unlock in one place.  And the writes of several
 * statements that must be all or nothing (stmt_op_*).
 */
#include "store/store_int.h"

#include <stdio.h>
#include <stdlib.h>

#include "util/log.h"

void
stmt_begin(struct stmt *q, struct store *s, enum stmt_id id, const char *what)
{
	db_lock(s);
	stmt_use(q, s, id, what);
	q->held = 1;            /* stmt_end lets go through db_unlock */
}

void
stmt_use(struct stmt *q, struct store *s, enum stmt_id id, const char *what)
{
	q->s = s;
	q->db = s->db;
	q->st = s->st[id];
	q->mu = NULL;
	q->what = what;
	q->bad = 0;
	q->once = NULL;
	q->pg = s->pg != NULL;
	q->held = 0;
	if (q->pg) {
		q->c = pg_current(s);
		q->own = NULL;
		memset(q->dup, 0, sizeof q->dup);
		q->id = (int)id;
		q->sql = NULL;
		q->res = NULL;
		q->np = 0;
	}
}

void
stmt_on(struct stmt *q, struct store *s, sqlite3 *db, sqlite3_stmt *st, pthread_mutex_t *mu,
    const char *what)
{
	if (mu != NULL && pthread_mutex_lock(mu) != 0)
		fatal("store: cannot take a reading connection's lock");
	q->s = s;
	q->db = db;
	q->st = st;
	q->mu = mu;
	q->what = what;
	q->bad = 0;
	q->once = NULL;
	q->pg = 0;
	q->held = 0;
}

void
stmt_fail(struct stmt *q)
{
	if (q->pg) {
		/* pg.c reported a failed statement already; this is a caller's verdict */
		snprintf(db_errbuf, sizeof db_errbuf, "%s: %s", q->what,
		    q->bad ? "a parameter could not be bound" : "no row");
		return;
	}
	if (q->db == q->s->db)
		db_fail(q->s, q->what);
	else
		snprintf(db_errbuf, sizeof db_errbuf, "%s: %s", q->what, sqlite3_errmsg(q->db));
}

int
stmt_row(struct stmt *q)
{
	int rc;

	if (q->bad) {
		stmt_fail(q);
		return -1;
	}
	if (q->pg)
		return pg_row(q);
	rc = sqlite3_step(q->st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	stmt_fail(q);
	return -1;
}

int
stmt_exec(struct stmt *q)
{
	if (q->bad) {
		stmt_fail(q);
		return -1;
	}
	if (q->pg)
		return pg_exec(q);
	if (q->db == q->s->db && q->s->member_lost) {
		snprintf(db_errbuf, sizeof db_errbuf, "%s: the database rolled back the "
		    "transaction (an earlier write failed)", q->what);
		return -1;
	}
	if (sqlite3_step(q->st) != SQLITE_DONE) {
		stmt_fail(q);
		return -1;
	}
	return 0;
}

/*
 * Leaves a cached statement ready for its next use, holding no pointers.
 * A failed bind fails the use even when nothing was stepped (a limit of 0).
 */
int
stmt_end(struct stmt *q, int ret)
{
	if (q->bad && ret != -1) {
		stmt_fail(q);
		ret = -1;
	}
	if (q->pg) {
		pg_end(q);
		if (q->held) {
			q->held = 0;
			db_unlock(q->s);
		}
		return ret;
	}
	sqlite3_reset(q->st);
	sqlite3_clear_bindings(q->st);
	if (q->held) {
		q->held = 0;
		db_unlock(q->s);
	} else if (q->mu != NULL && pthread_mutex_unlock(q->mu) != 0)
		fatal("store: a lock released by a thread not holding it");
	return ret;
}

int
stmt_run(struct stmt *q)
{
	return stmt_end(q, stmt_exec(q));
}

long
stmt_write(struct stmt *q)
{
	long n = -1;
	int ret = stmt_exec(q);

	if (ret == 0)
		n = stmt_changes(q);
	(void)stmt_end(q, ret);
	return n;
}

int
stmt_changed(struct stmt *q)
{
	long n = stmt_write(q);

	return n < 0 ? -1 : n > 0;
}

long
stmt_count(struct stmt *q)
{
	long n = -1;
	int r = stmt_row(q);    /* a failure is reported there; no row, here */

	if (r == 1)
		n = (long)col_int64(q, 0);
	else if (r == 0)
		stmt_fail(q);
	(void)stmt_end(q, n < 0 ? -1 : 0);
	return n;
}

int
stmt_do(struct store *s, enum stmt_id id, const char *what)
{
	struct stmt q;

	stmt_use(&q, s, id, what);
	return stmt_run(&q);
}

void
stmt_try(struct store *s, enum stmt_id id)
{
	if (s->pg != NULL) {
		struct stmt q;
		char save[sizeof db_errbuf];

		(void)str_copy(save, sizeof save, db_errbuf);
		stmt_use(&q, s, id, "");
		(void)stmt_run(&q);
		(void)str_copy(db_errbuf, sizeof db_errbuf, save);
		return;
	}
	sqlite3_step(s->st[id]);
	sqlite3_reset(s->st[id]);
	sqlite3_clear_bindings(s->st[id]);
}

/*
 * A write of several statements (stmt_op_begin .. stmt_op_end,
 * stmt_op_undo on failure) is all or nothing.  Outside a caller's
 * transaction it is a savepoint of its own.  Inside one it needs none: the
 * caller's transaction is already a savepoint.  A write that fails before
 * it changed anything (a UNIQUE ticket, say: SQLite undoes a failed
 * statement itself) leaves the transaction usable; one that fails half
 * done marks it, so that it can only roll back (store_commit refuses it).
 * A nested savepoint would copy every page the write touches a second time
 * (perf: a tenth of an SMS's time in the store).
 */
int
stmt_op_begin(struct store *s, const char *what)
{
	if (s->pg != NULL)
		return pg_op_begin(s, what);
	if (s->member_open) {
		s->op_changes = sqlite3_total_changes64(s->db);
		return 0;
	}
	return stmt_do(s, ST_SAVEPOINT, what);
}

int
stmt_op_end(struct store *s, const char *what)
{
	if (s->pg != NULL)
		return pg_op_end(s, what);
	return s->member_open ? 0 : stmt_do(s, ST_RELEASE, what);
}

/*
 * Undoes a write after a failed statement.  Errors are ignored: if SQLite
 * already rolled the whole transaction back, there is nothing left to
 * undo, and db_errbuf already holds the failure that matters.
 */
void
stmt_op_undo(struct store *s)
{
	if (s->pg != NULL) {
		pg_op_undo(s);
		return;
	}
	if (s->member_open) {
		if (sqlite3_total_changes64(s->db) != s->op_changes)
			s->member_failed = 1;
		return;
	}
	if (sqlite3_get_autocommit(s->db))
		return;
	stmt_try(s, ST_ROLLBACK_TO);
	stmt_try(s, ST_RELEASE);
}

void
stmt_read(struct stmt *q, struct store *s, enum stmt_id id, const char *what)
{
	stmt_use(q, s, id, what);
	pg_reader(q);
}

int
stmt_prepare(struct stmt *q, struct store *s, enum db_conn conn, const char *sql,
    const char *what)
{
	pthread_mutex_t *mu = conn == DB_WRITER ? &s->lock : &s->llock;
	sqlite3 *db = conn == DB_WRITER ? s->db : s->ldb;
	sqlite3_stmt *st = NULL;

	if (s->pg != NULL) {
		/* the listing's reads: what is committed, on a connection of their own */
		if (conn == DB_WRITER)
			db_lock(s);
		stmt_use(q, s, ST_BEGIN, what);
		if (conn == DB_WRITER)
			q->held = 1;
		else
			pg_reader(q);
		q->sql = pg_sql(sql);
		return 0;
	}
	if (db == NULL) {
		snprintf(db_errbuf, sizeof db_errbuf, "%s: no %s connection", what,
		    conn == DB_WRITER ? "writing" : "listing");
		return -1;
	}
	if (pthread_mutex_lock(mu) != 0)
		fatal("store: cannot take a connection's lock");
	if (sqlite3_prepare_v3(db, sql, -1, 0, &st, NULL) != SQLITE_OK) {
		snprintf(db_errbuf, sizeof db_errbuf, "%s: %s", what, sqlite3_errmsg(db));
		sqlite3_finalize(st);
		pthread_mutex_unlock(mu);
		return -1;
	}
	stmt_on(q, s, db, st, NULL, what);
	q->once = mu;
	return 0;
}

int
stmt_finish(struct stmt *q, int ret)
{
	if (q->pg) {
		char *sql = (char *)q->sql;

		ret = stmt_end(q, ret);
		free(sql);
		q->sql = NULL;
		return ret;
	}
	ret = stmt_end(q, ret);
	sqlite3_finalize(q->st);
	q->st = NULL;
	if (q->once != NULL && pthread_mutex_unlock(q->once) != 0)
		fatal("store: a lock released by a thread not holding it");
	q->once = NULL;
	return ret;
}

int
stmt_nparams(const struct stmt *q)
{
	if (q->pg)
		return pg_nparams(q);
	return sqlite3_bind_parameter_count(q->st);
}

long
stmt_changes(const struct stmt *q)
{
	if (q->pg)
		return pg_changes(q);
	return (long)sqlite3_changes(q->db);
}

int
store_is_shared(const struct store *s)
{
	return s->pg != NULL;
}
