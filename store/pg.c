/*
 * pg: the PostgreSQL driver under the store's statement helper (stmt.c),
 * the one includer of <libpq-fe.h>.  The query files do not know which
 * backend runs their SQL: they use stmt_* and col_* only.
 *
 * Connections: a bounded pool (store.pool_size).  A thread takes one when it
 * first needs it (db_lock, recursive) and gives it back when it is done
 * (db_unlock at depth 0), unless a transaction of its own is open on it
 * (store_begin .. store_commit): the transaction is owned by the thread, and
 * no connection is shared between threads mid-transaction.  There is no
 * committer thread on PostgreSQL: store_run(fn) runs fn in the caller's
 * thread between BEGIN and COMMIT, retried a few times on a serialization
 * failure, a deadlock or a unique violation of a ticket number, and
 * PostgreSQL groups the commits itself.  synchronous_commit stays on: a
 * COMMIT returns once the transaction is on disk.
 *
 * Statements: each id's SQL is translated once at open (`?N` -> `$N`, and
 * the few SQLite-isms in pg_rewrite[] below), prepared on a connection the
 * first time that connection runs it (PQprepare, lazily), and executed with
 * its parameters as text.  Results are read whole (PQexecPrepared) and
 * walked row by row by stmt_row.
 *
 * A connection that breaks (PostgreSQL restarted, the network gone) fails
 * its statement, is closed when its thread gives it back, and a new one is
 * opened on the next use: no crash, no wait longer than connect_timeout.
 */
#include "store/store_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "util/log.h"

#define PG_CONNECT_TIMEOUT "5"          /* seconds, for a server that does not answer */
#define PG_STATEMENT_TIMEOUT "30000"    /* ms: no statement holds a worker longer */
#define PG_TCP_TIMEOUT "10000"          /* ms: unacknowledged data on a lost network */
#define PG_WAIT_S 5                     /* longest wait for a free pooled connection */
#define PG_RETRIES 3                    /* store_run's tries on a conflict */
#define PG_OPS 8                        /* stmt_op levels, nested, at most */
#define PG_HELD 4                       /* stores a thread can hold connections of at once */

struct pgconn {
	PGconn *conn;
	unsigned char *prepared;        /* [ST_NSTMTS]: PQprepare'd on this connection */
	struct pgconn *next;            /* in the pool's free list */
	int in_tx;                      /* store_begin's transaction is open */
	unsigned long ops;              /* bit d: stmt_op level d began the transaction */
	int op_depth;
	long writes;                    /* statements that changed rows, ever */
	long mark[PG_OPS];              /* writes when stmt_op level d began */
	int failed;                     /* a write failed half done in the caller's
	                                   transaction: it can only roll back */
};

struct pgpool {
	char *conninfo;
	char *options;                  /* ours, then the operator's (conn_new) */
	char *sql[ST_NSTMTS];           /* each id's text, translated */
	char *lsql[ST_NSTMTS];          /* its locking variant, for the ids in locking[] */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct pgconn *free;
	int open, max;
	unsigned long commits;
	int read_only;
};

/* The connections this thread holds, by store. */
static _Thread_local struct {
	struct store *s;
	struct pgconn *c;               /* NULL: none could be had (conn_err says why) */
	int depth;                      /* db_lock nesting */
} held[PG_HELD];
static _Thread_local char conn_err[256];

/* SQLSTATE of this thread's last failed statement ("" if none). */
static _Thread_local char last_state[6];
static _Thread_local char last_constraint[64];

/* ---- SQL translation ---------------------------------------------------- */

/*
 * Where SQLite's SQL and PostgreSQL's differ in words, a plain substitution
 * is enough (each written out whole, so it cannot match by accident).
 */
static const struct {
	const char *from, *to;
} pg_rewrite[] = {
	{ "BEGIN IMMEDIATE", "BEGIN" },
	{ "PRAGMA user_version", "SELECT version FROM schema_version" },
	/* the row id of a table without an id column: a row's place will do */
	{ "rowid", "ctid" },
	/* events.id, just inserted (an identity column's sequence) */
	{ "last_insert_rowid()", "lastval()" },
	/* SQLite's planner needed telling; PostgreSQL's does not take it */
	{ " INDEXED BY sms_parts_waiting", "" },
	/* a text's size in bytes */
	{ "length(CAST(body AS BLOB))", "octet_length(body)" },
	{ "length(CAST(?2 AS BLOB))", "octet_length($2::text)" },
	/*
	 * The outbox claim (store_outbox_claim, in its own transaction): rows
	 * another node's worker is claiming are skipped, not claimed twice,
	 * and their lease (state 'sending') is set in the same transaction.
	 */
	{ " ORDER BY next_attempt_at, id LIMIT ?2",
	  " ORDER BY next_attempt_at, id LIMIT $2 FOR UPDATE SKIP LOCKED" },
	/* SQLite's max() of two values (the monitor's last inbound) */
	{ "SELECT max(coalesce(", "SELECT GREATEST(coalesce(" },
	/* a parameter PostgreSQL cannot type from "IS NULL" alone (else: text) */
	{ "?8 IS NOT NULL", "$8::bigint IS NOT NULL" },
};

/*
 * Reads that lock what they read when they run in a caller's transaction
 * (store_begin .. store_commit), until its commit: a ticket read to be
 * changed (ticket/tick.c's reminders and auto-close, an agency's update).
 * Two nodes doing the same then take turns, and the second reads what the
 * first wrote (READ COMMITTED re-reads a row it waited for) instead of
 * doing it again.  SQLite needs none: its writer is alone.
 */
static const enum stmt_id locking[] = { ST_COMPLAINT_GET };

/* DDL: the migrations' types and clauses (store/db.c's migrations[]). */
static const struct {
	const char *from, *to;
} pg_ddl_rewrite[] = {
	/* a row id: SQLite's alias of rowid, an identity column here */
	{ "id INTEGER PRIMARY KEY,", "id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY," },
	/* epoch seconds and counts: 64 bits as in SQLite */
	{ "INTEGER", "BIGINT" },
	{ "REAL", "DOUBLE PRECISION" },
	{ "BLOB", "BYTEA" },
	{ ") WITHOUT ROWID;", ");" },
	{ "PRAGMA user_version = ", "UPDATE schema_version SET version = " },
};

/* Appends n bytes of p to the heap string *b (length *len, capacity *cap). */
static void
put(char **b, size_t *len, size_t *cap, const char *p, size_t n)
{
	if (*len + n + 1 > *cap) {
		*cap = (*len + n + 1) * 2;
		*b = xrealloc(*b, *cap);
	}
	memcpy(*b + *len, p, n);
	*len += n;
	(*b)[*len] = '\0';
}

/*
 * 1 when what follows a parameter compares it with an integer literal
 * ("?2 < 0"): PostgreSQL would type it int4 from that, too small for
 * times in milliseconds or INT64_MIN; bigint, as SQLite's integers.
 */
static int
int_compared(const char *p)
{
	static const char *const ops[] = { " <= ", " >= ", " <> ", " < ", " > ", " = " };
	size_t i;

	for (i = 0; i < ARRAY_LEN(ops); i++)
		if (strncmp(p, ops[i], strlen(ops[i])) == 0) {
			p += strlen(ops[i]);
			if (*p == '-')
				p++;
			return *p >= '0' && *p <= '9';
		}
	return 0;
}

/*
 * sql for PostgreSQL: ?N -> $N outside string literals, and the rewrites
 * of table (n entries) applied at word starts.  On the heap.
 */
static char *
translate(const char *sql, const void *table, size_t n)
{
	const struct { const char *from, *to; } *t = table;
	size_t len = 0, cap = strlen(sql) * 2 + 64, i;
	char *b = xmalloc(cap);
	int quoted = 0;

	b[0] = '\0';
	while (*sql != '\0') {
		if (*sql == '\'') {
			quoted = !quoted;
			put(&b, &len, &cap, sql++, 1);
			continue;
		}
		if (!quoted) {
			for (i = 0; i < n; i++)
				if (strncmp(sql, t[i].from, strlen(t[i].from)) == 0)
					break;
			if (i < n) {
				put(&b, &len, &cap, t[i].to, strlen(t[i].to));
				sql += strlen(t[i].from);
				continue;
			}
		}
		if (!quoted && *sql == '?' && sql[1] >= '0' && sql[1] <= '9') {
			/* ?N -> $N; "?N IS [NOT] NULL" alone types nothing: text */
			put(&b, &len, &cap, "$", 1);
			sql++;
			while (*sql >= '0' && *sql <= '9')
				put(&b, &len, &cap, sql++, 1);
			if (strncmp(sql, " IS NULL", 8) == 0 || strncmp(sql, " IS NOT NULL", 12) == 0)
				put(&b, &len, &cap, "::text", 6);
			else if (int_compared(sql))
				put(&b, &len, &cap, "::bigint", 8);
			continue;
		}
		put(&b, &len, &cap, sql++, 1);
	}
	return b;
}

char *
pg_sql(const char *sql)
{
	return translate(sql, pg_rewrite, ARRAY_LEN(pg_rewrite));
}

char *
pg_ddl(const char *sql)
{
	char *a = translate(sql, pg_ddl_rewrite, ARRAY_LEN(pg_ddl_rewrite));
	char *b = pg_sql(a);

	free(a);
	return b;
}

/*
 * The parameters of translated sql: *n the highest $N, types[] 0 (let
 * PostgreSQL infer) for each one used and text for one never used (the
 * listing statements share a numbering and skip some: PostgreSQL cannot
 * type a parameter it never sees).  -1 when above STMT_MAXP.
 */
static int
param_types(const char *sql, Oid types[STMT_MAXP], int *n)
{
	int used[STMT_MAXP + 1] = { 0 }, i, k;
	int quoted = 0;

	*n = 0;
	for (; *sql != '\0'; sql++) {
		if (*sql == '\'')
			quoted = !quoted;
		if (quoted || *sql != '$' || sql[1] < '0' || sql[1] > '9')
			continue;
		k = (int)strtol(sql + 1, NULL, 10);
		if (k < 1 || k > STMT_MAXP)
			return -1;
		used[k] = 1;
		if (k > *n)
			*n = k;
	}
	for (i = 1; i <= *n; i++)
		types[i - 1] = used[i] ? 0 : 25;        /* TEXTOID */
	return 0;
}

/* ---- connections ----------------------------------------------------------- */

static void
conn_free(struct pgconn *c)
{
	if (c == NULL)
		return;
	PQfinish(c->conn);
	free(c->prepared);
	free(c);
}

static void
quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/*
 * The server options of every connection: ours (a statement timeout; the
 * reports' connections read-only, intake's commits synchronous), then
 * those of the operator's URI, if it has any.  Heap.
 */
static char *
pool_options(const char *conninfo, int read_only)
{
	const char *ours = read_only ?
	    "-c statement_timeout=" PG_STATEMENT_TIMEOUT " -c default_transaction_read_only=on" :
	    "-c statement_timeout=" PG_STATEMENT_TIMEOUT " -c synchronous_commit=on";
	PQconninfoOption *opts = PQconninfoParse(conninfo, NULL), *o;
	const char *theirs = NULL;
	char *all;
	size_t n;

	for (o = opts; o != NULL && o->keyword != NULL; o++)
		if (strcmp(o->keyword, "options") == 0 && o->val != NULL && o->val[0] != '\0')
			theirs = o->val;
	n = strlen(ours) + (theirs != NULL ? strlen(theirs) + 1 : 0) + 1;
	all = xmalloc(n);
	snprintf(all, n, "%s%s%s", ours, theirs != NULL ? " " : "", theirs != NULL ? theirs : "");
	PQconninfoFree(opts);
	return all;
}

/* A new connection, or NULL with the reason in db_errbuf. */
static struct pgconn *
conn_new(struct pgpool *p)
{
	/*
	 * Defaults first, the operator's URI next: what it says itself
	 * (connect_timeout=2, ...) wins.  Then the server options: ours
	 * followed by the URI's own (p->options), so an operator's
	 * options=-csearch_path=aduan neither loses our statement_timeout nor
	 * the reports' read-only mode, and a -c of the same name in the URI
	 * still wins.  tcp_user_timeout: a server gone from the network fails
	 * a statement in seconds, not minutes.
	 */
	const char *const keys[] = { "connect_timeout", "tcp_user_timeout",
	    "application_name", "dbname", "options", NULL };
	const char *const vals[] = { PG_CONNECT_TIMEOUT, PG_TCP_TIMEOUT,
	    "aduan", p->conninfo, p->options, NULL };
	struct pgconn *c = xcalloc(1, sizeof *c);
	char *m, *e;

	c->conn = PQconnectdbParams(keys, vals, 1);
	if (c->conn == NULL || PQstatus(c->conn) != CONNECTION_OK) {
		m = c->conn != NULL ? xstrdup(PQerrorMessage(c->conn)) : xstrdup("out of memory");
		if ((e = strchr(m, '\n')) != NULL)
			*e = '\0';
		snprintf(db_errbuf, sizeof db_errbuf, "cannot connect to PostgreSQL: %s", m);
		free(m);
		conn_free(c);
		return NULL;
	}
	c->prepared = xcalloc(ST_NSTMTS, 1);
	/* "relation ... already exists, skipping" and the like: not for stderr */
	PQsetNoticeProcessor(c->conn, quiet, NULL);
	return c;
}

/* A pooled connection, waiting up to PG_WAIT_S for one; NULL (db_errbuf says why). */
static struct pgconn *
pool_get(struct pgpool *p)
{
	struct pgconn *c = NULL;
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += PG_WAIT_S;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		if (p->free != NULL) {
			c = p->free;
			p->free = c->next;
			c->next = NULL;
			break;
		}
		if (p->open < p->max) {
			p->open++;
			pthread_mutex_unlock(&p->mu);
			if ((c = conn_new(p)) == NULL) {
				pthread_mutex_lock(&p->mu);
				p->open--;
				pthread_cond_signal(&p->cv);
				pthread_mutex_unlock(&p->mu);
			}
			return c;
		}
		if (pthread_cond_timedwait(&p->cv, &p->mu, &until) == ETIMEDOUT) {
			snprintf(db_errbuf, sizeof db_errbuf, "no free PostgreSQL connection "
			    "in %d s (store.pool_size = %d)", PG_WAIT_S, p->max);
			break;
		}
	}
	pthread_mutex_unlock(&p->mu);
	return c;
}

/* Gives c back; a broken one (or one left in a transaction) is closed. */
static void
pool_put(struct pgpool *p, struct pgconn *c)
{
	int bad = PQstatus(c->conn) != CONNECTION_OK;

	if (!bad && PQtransactionStatus(c->conn) != PQTRANS_IDLE) {
		PGresult *r = PQexec(c->conn, "ROLLBACK");

		PQclear(r);
		bad = PQtransactionStatus(c->conn) != PQTRANS_IDLE;
	}
	c->in_tx = c->op_depth = c->failed = 0;
	c->ops = 0;
	pthread_mutex_lock(&p->mu);
	if (bad) {
		p->open--;
	} else {
		c->next = p->free;
		p->free = c;
	}
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
	if (bad)
		conn_free(c);
}

static int
held_slot(const struct store *s)
{
	int i;

	for (i = 0; i < PG_HELD; i++)
		if (held[i].s == s)
			return i;
	return -1;
}

struct pgconn *
pg_current(struct store *s)
{
	int i = held_slot(s);

	return i >= 0 ? held[i].c : NULL;
}

void
pg_hold(struct store *s)
{
	int i = held_slot(s);

	if (i < 0) {
		if ((i = held_slot(NULL)) < 0)
			fatal("store: a thread holds connections of more than %d stores", PG_HELD);
		held[i].s = s;
		held[i].depth = 0;
		/* None to be had: each statement fails (conn_err) until let go. */
		if ((held[i].c = pool_get(s->pg)) == NULL)
			(void)str_copy(conn_err, sizeof conn_err, db_errbuf);
	}
	held[i].depth++;
}

void
pg_release(struct store *s)
{
	int i = held_slot(s);

	if (i < 0 || held[i].depth <= 0)
		fatal("store: a connection let go by a thread not holding it");
	if (--held[i].depth > 0)
		return;
	if (held[i].c != NULL)
		pool_put(s->pg, held[i].c);
	held[i].s = NULL;
	held[i].c = NULL;
}

/*
 * A connection of q's own for one read of what is committed (the SQLite
 * backend's reading connections): never the thread's, whose transaction
 * may hold what is not committed yet.  stmt_end gives it back.
 */
void
pg_reader(struct stmt *q)
{
	q->c = pool_get(q->s->pg);
	if (q->c == NULL)
		(void)str_copy(conn_err, sizeof conn_err, db_errbuf);
	q->own = q->c;
}

/* ---- statements ------------------------------------------------------------ */

/* Records "what: message" and the SQLSTATE of a failed result r (or of c). */
static void
fail(const struct stmt *q, PGresult *r)
{
	const char *st = r != NULL ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	const char *cn = r != NULL ? PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME) : NULL;
	const char *m = r != NULL ? PQresultErrorMessage(r) : "";
	size_t n;

	if ((m == NULL || *m == '\0') && q->c != NULL)
		m = PQerrorMessage(q->c->conn);
	snprintf(last_state, sizeof last_state, "%s", st != NULL ? st : "");
	snprintf(last_constraint, sizeof last_constraint, "%s", cn != NULL ? cn : "");
	snprintf(db_errbuf, sizeof db_errbuf, "%s: %s", q->what, m != NULL ? m : "");
	n = strlen(db_errbuf);
	while (n > 0 && (db_errbuf[n - 1] == '\n' || db_errbuf[n - 1] == ' '))
		db_errbuf[--n] = '\0';
	/* libpq's messages run over lines ("...\n\tThis probably means"): one line */
	for (; n > 0; n--)
		if (db_errbuf[n - 1] == '\n' || db_errbuf[n - 1] == '\t')
			db_errbuf[n - 1] = ' ';
}

void
pg_bind(struct stmt *q, int i, const char *v)
{
	if (i < 1 || i > STMT_MAXP) {
		q->bad = 1;
		return;
	}
	while (q->np < i)
		q->pv[q->np++] = NULL;
	q->pv[i - 1] = v;
}

/* A fixed array, terminated or not: never read past it. */
void
pg_bind_fixed(struct stmt *q, int i, const char *v, size_t vsz)
{
	size_t n = strnlen(v, vsz);

	if (n < vsz || i < 1 || i > STMT_MAXP) {
		pg_bind(q, i, v);
		return;
	}
	free(q->dup[i - 1]);
	q->dup[i - 1] = xmalloc(n + 1);
	memcpy(q->dup[i - 1], v, n);
	q->dup[i - 1][n] = '\0';
	pg_bind(q, i, q->dup[i - 1]);
}

void
pg_bind_int(struct stmt *q, int i, int64_t v)
{
	if (i < 1 || i > STMT_MAXP) {
		q->bad = 1;
		return;
	}
	snprintf(q->pbuf[i - 1], sizeof q->pbuf[i - 1], "%" PRId64, v);
	pg_bind(q, i, q->pbuf[i - 1]);
}

void
pg_bind_double(struct stmt *q, int i, double v)
{
	if (i < 1 || i > STMT_MAXP) {
		q->bad = 1;
		return;
	}
	snprintf(q->pbuf[i - 1], sizeof q->pbuf[i - 1], "%.17g", v);
	pg_bind(q, i, q->pbuf[i - 1]);
}

/* Runs q's statement: its result in q->res.  0, -1 (reported). */
static int
run(struct stmt *q)
{
	struct pgpool *p = q->s->pg;
	PGresult *r;
	char name[16];
	ExecStatusType es;
	Oid types[STMT_MAXP];
	const char *sql;
	int n;

	if (q->c == NULL) {
		snprintf(db_errbuf, sizeof db_errbuf, "%s: %s", q->what, conn_err);
		snprintf(last_state, sizeof last_state, "08006");
		return -1;
	}
	sql = q->sql != NULL ? q->sql : p->sql[q->id];
	if (param_types(sql, types, &n) == -1 || q->np > n) {
		snprintf(db_errbuf, sizeof db_errbuf, "%s: parameters beyond the statement's",
		    q->what);
		return -1;
	}
	while (q->np < n)
		q->pv[q->np++] = NULL;
	if (q->sql != NULL) {
		r = PQexecParams(q->c->conn, q->sql, n, types, q->pv, NULL, NULL, 0);
	} else if (q->np == 0 && q->id <= ST_USER_VERSION) {
		/* BEGIN, COMMIT, savepoints: utility statements, not prepared */
		r = PQexec(q->c->conn, p->sql[q->id]);
	} else {
		/* bit 1: the plain text prepared as sN, bit 2: the locking one as lN */
		int lock = q->c->in_tx && p->lsql[q->id] != NULL, bit = lock ? 2 : 1;

		snprintf(name, sizeof name, "%c%d", lock ? 'l' : 's', q->id);
		if (!(q->c->prepared[q->id] & bit)) {
			r = PQprepare(q->c->conn, name, lock ? p->lsql[q->id] : p->sql[q->id], n,
			    types);
			if (PQresultStatus(r) != PGRES_COMMAND_OK) {
				fail(q, r);
				PQclear(r);
				return -1;
			}
			PQclear(r);
			q->c->prepared[q->id] |= (unsigned char)bit;
		}
		r = PQexecPrepared(q->c->conn, name, n, q->pv, NULL, NULL, 0);
	}
	es = PQresultStatus(r);
	if (es != PGRES_COMMAND_OK && es != PGRES_TUPLES_OK) {
		fail(q, r);
		PQclear(r);
		return -1;
	}
	q->res = r;
	q->row = -1;
	q->nrows = PQntuples(r);
	if (*PQcmdTuples(r) != '\0' && strcmp(PQcmdTuples(r), "0") != 0 &&
	    strncmp(PQcmdStatus(r), "SELECT", 6) != 0)
		q->c->writes++;
	return 0;
}

/* pg_row, pg_exec: stmt_row and stmt_exec checked the binds already. */
int
pg_row(struct stmt *q)
{
	if (q->res == NULL && run(q) == -1)
		return -1;
	if (q->row + 1 >= q->nrows) {
		q->row = q->nrows;
		return 0;
	}
	q->row++;
	return 1;
}

int
pg_exec(struct stmt *q)
{
	if (q->res != NULL) {
		PQclear(q->res);
		q->res = NULL;
	}
	return run(q);
}

long
pg_changes(const struct stmt *q)
{
	const char *n = q->res != NULL ? PQcmdTuples(q->res) : "";

	return *n != '\0' ? strtol(n, NULL, 10) : 0;
}

void
pg_end(struct stmt *q)
{
	int i;

	PQclear(q->res);
	q->res = NULL;
	q->np = 0;
	for (i = 0; i < STMT_MAXP; i++) {
		free(q->dup[i]);
		q->dup[i] = NULL;
	}
	if (q->own != NULL) {
		pool_put(q->s->pg, q->own);
		q->own = q->c = NULL;
	}
}

/* ---- columns ------------------------------------------------------------- */

static const char *
val(const struct stmt *q, int i)
{
	if (q->res == NULL || q->row < 0 || q->row >= q->nrows || i >= PQnfields(q->res) ||
	    PQgetisnull(q->res, q->row, i))
		return NULL;
	return PQgetvalue(q->res, q->row, i);
}

int
pg_col_null(const struct stmt *q, int i)
{
	return val(q, i) == NULL;
}

const char *
pg_col_str(const struct stmt *q, int i)
{
	const char *v = val(q, i);

	return v != NULL ? v : "";
}

/* An integer column; a boolean one ('t'/'f', of a comparison) reads as 1/0 as in SQLite. */
int64_t
pg_col_int64(const struct stmt *q, int i)
{
	const char *v = val(q, i);

	if (v == NULL)
		return 0;
	if (v[0] == 't' && v[1] == '\0')
		return 1;
	if (v[0] == 'f' && v[1] == '\0')
		return 0;
	if (strchr(v, '.') != NULL || strchr(v, 'e') != NULL)
		return (int64_t)strtod(v, NULL);
	return (int64_t)strtoll(v, NULL, 10);
}

double
pg_col_double(const struct stmt *q, int i)
{
	const char *v = val(q, i);

	return v != NULL ? strtod(v, NULL) : 0.0;
}

int
pg_nparams(const struct stmt *q)
{
	const char *sql = q->sql != NULL ? q->sql : q->s->pg->sql[q->id];

	return strchr(sql, '$') != NULL;
}

/* ---- transactions ---------------------------------------------------------- */

/* A utility statement on the thread's connection: 0, -1 (reported as what). */
static int
utility(struct store *s, const char *sql, const char *what, const char *expect)
{
	struct pgconn *c = pg_current(s);
	PGresult *r;
	int ret = 0;

	if (c == NULL) {
		snprintf(db_errbuf, sizeof db_errbuf, "%s: %s", what, conn_err);
		snprintf(last_state, sizeof last_state, "08006");
		return -1;
	}
	r = PQexec(c->conn, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		struct stmt q = { .s = s, .c = c, .what = what };

		fail(&q, r);
		ret = -1;
	} else if (expect != NULL && strcmp(PQcmdStatus(r), expect) != 0) {
		/* COMMIT of a transaction that failed answers ROLLBACK */
		snprintf(db_errbuf, sizeof db_errbuf, "%s: the transaction was rolled back "
		    "(an earlier statement in it failed)", what);
		ret = -1;
	}
	PQclear(r);
	return ret;
}

int
pg_begin(struct store *s)
{
	struct pgconn *c;

	pg_hold(s);
	c = pg_current(s);
	if (c != NULL && c->in_tx) {
		pg_release(s);
		snprintf(db_errbuf, sizeof db_errbuf, "begin: a transaction is open already");
		return -1;
	}
	if (utility(s, "BEGIN", "begin", NULL) == -1) {
		pg_release(s);
		return -1;
	}
	c->in_tx = 1;
	return 0;
}

int
pg_commit(struct store *s)
{
	struct pgconn *c = pg_current(s);
	int ret;

	if (c == NULL || !c->in_tx) {
		snprintf(db_errbuf, sizeof db_errbuf, "commit: no transaction open");
		return -1;
	}
	if (c->failed) {
		/* A write failed and its caller went on: db_errbuf says which. */
		pg_rollback(s);
		return -1;
	}
	ret = utility(s, "COMMIT", "commit", "COMMIT");
	c->in_tx = 0;
	if (ret == 0) {
		pthread_mutex_lock(&s->pg->mu);
		s->pg->commits++;
		pthread_mutex_unlock(&s->pg->mu);
	}
	pg_release(s);
	return ret;
}

void
pg_rollback(struct store *s)
{
	struct pgconn *c = pg_current(s);

	if (c == NULL || !c->in_tx)
		return;
	{
		char save[sizeof db_errbuf];

		(void)str_copy(save, sizeof save, db_errbuf);
		(void)utility(s, "ROLLBACK", "rollback", NULL);
		(void)str_copy(db_errbuf, sizeof db_errbuf, save);
	}
	c->in_tx = 0;
	c->failed = 0;
	pg_release(s);
}

/*
 * A transaction-level advisory lock on key's 64-bit hash, in the thread's
 * open transaction: held until its commit or rollback (store_lock_phone).
 */
int
pg_lock_key(struct store *s, const char *key)
{
	struct pgconn *c = pg_current(s);
	const char *params[1] = { key };
	PGresult *r;
	int ret = 0;

	if (c == NULL || !c->in_tx) {
		snprintf(db_errbuf, sizeof db_errbuf, "lock %s: no transaction open", key);
		return -1;
	}
	r = PQexecParams(c->conn, "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", 1,
	    NULL, params, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		struct stmt q = { .s = s, .c = c, .what = "lock phone" };

		fail(&q, r);
		ret = -1;
	}
	PQclear(r);
	return ret;
}

/* Worth another try: a serialization failure, a deadlock, a ticket number taken. */
static int
retryable(void)
{
	return strcmp(last_state, "40001") == 0 || strcmp(last_state, "40P01") == 0 ||
	    (strcmp(last_state, "23505") == 0 &&
	    strcmp(last_constraint, "complaints_ticket_key") == 0);
}

int
pg_run(struct store *s, store_tx_fn fn, void *arg)
{
	int tries, ret = -1;

	for (tries = 0; tries < PG_RETRIES; tries++) {
		last_state[0] = '\0';
		if (pg_begin(s) == -1)
			return -1;
		ret = fn(s, arg);
		if (ret == 0) {
			if ((ret = pg_commit(s)) == 0)
				return 0;
		} else {
			pg_rollback(s);
			if (ret == 1)
				return 1;
		}
		if (!retryable())
			return -1;
	}
	return ret;
}

unsigned long
pg_commits(struct store *s)
{
	unsigned long n;

	pthread_mutex_lock(&s->pg->mu);
	n = s->pg->commits;
	pthread_mutex_unlock(&s->pg->mu);
	return n;
}

int
pg_in_tx(struct store *s)
{
	struct pgconn *c = pg_current(s);

	return c != NULL && PQtransactionStatus(c->conn) != PQTRANS_IDLE;
}

/*
 * A write of several statements (stmt_op_*): a transaction of its own
 * when none is open, else a savepoint (a failed statement in PostgreSQL
 * spoils the whole transaction, unless rolled back to a savepoint).
 */
int
pg_op_begin(struct store *s, const char *what)
{
	struct pgconn *c = pg_current(s);
	int own;

	if (c == NULL)
		return utility(s, "BEGIN", what, NULL);
	if (c->op_depth >= PG_OPS)
		fatal("store: writes nested too deep");
	own = PQtransactionStatus(c->conn) == PQTRANS_IDLE;
	if (utility(s, own ? "BEGIN" : "SAVEPOINT store_op", what, NULL) == -1)
		return -1;
	if (own)
		c->ops |= 1UL << c->op_depth;
	else
		c->ops &= ~(1UL << c->op_depth);
	c->mark[c->op_depth] = c->writes;
	c->op_depth++;
	return 0;
}

int
pg_op_end(struct store *s, const char *what)
{
	struct pgconn *c = pg_current(s);
	int own;

	if (c == NULL || c->op_depth == 0)
		return -1;
	c->op_depth--;
	own = (c->ops >> c->op_depth) & 1;
	if (own)
		return utility(s, "COMMIT", what, "COMMIT");
	return utility(s, "RELEASE store_op", what, NULL);
}

void
pg_op_undo(struct store *s)
{
	struct pgconn *c = pg_current(s);
	char save[sizeof db_errbuf];
	int own;

	if (c == NULL || c->op_depth == 0)
		return;
	(void)str_copy(save, sizeof save, db_errbuf);
	c->op_depth--;
	own = (c->ops >> c->op_depth) & 1;
	if (own) {
		(void)utility(s, "ROLLBACK", "undo", NULL);
	} else {
		(void)utility(s, "ROLLBACK TO store_op", "undo", NULL);
		(void)utility(s, "RELEASE store_op", "undo", NULL);
		/*
		 * As on SQLite: a write that failed before it changed anything (a
		 * ticket number taken) leaves the caller's transaction usable;
		 * one that failed half done leaves it only a rollback, though the
		 * savepoint undid the half.
		 */
		if (c->in_tx && c->writes != c->mark[c->op_depth])
			c->failed = 1;
	}
	(void)str_copy(db_errbuf, sizeof db_errbuf, save);
}

/* ---- open, close, schema ------------------------------------------------- */

int
pg_is_conninfo(const char *path)
{
	return strncmp(path, "postgresql://", 13) == 0 || strncmp(path, "postgres://", 11) == 0;
}

void
pg_safe_conninfo(const char *conninfo, char *out, size_t outsz)
{
	const char *at = strchr(conninfo, '@'), *scheme = strstr(conninfo, "://");
	const char *colon;

	/* postgresql://user:secret@host/db -> postgresql://user:***@host/db */
	if (at != NULL && scheme != NULL && scheme < at &&
	    (colon = memchr(scheme + 3, ':', (size_t)(at - scheme - 3))) != NULL)
		snprintf(out, outsz, "%.*s:***%s", (int)(colon - conninfo), conninfo, at);
	else
		snprintf(out, outsz, "%s", conninfo);
	/* ...?password=secret */
	if ((at = strstr(out, "password=")) != NULL) {
		char *p = out + (at - out) + 9;
		char *e = p + strcspn(p, "&");

		memmove(p + 3, e, strlen(e) + 1);
		memcpy(p, "***", 3);
	}
}

int
pg_conninfo_check(const char *conninfo, char *err, size_t errsz)
{
	char *why = NULL, *e;
	PQconninfoOption *o = PQconninfoParse(conninfo, &why);

	if (o != NULL) {
		PQconninfoFree(o);
		return 0;
	}
	if (why != NULL && (e = strchr(why, '\n')) != NULL)
		*e = '\0';
	/* libpq quotes the URI, password and all: not that part */
	if (why != NULL && (e = strstr(why, conninfo)) != NULL) {
		*e = '\0';
		while (e > why && strchr(": \"", e[-1]) != NULL)
			*--e = '\0';
	}
	errf(err, errsz, "%s", why != NULL ? why : "out of memory");
	PQfreemem(why);
	return -1;
}

struct pgpool *
pg_pool_new(const char *conninfo, int max, int read_only)
{
	struct pgpool *p = xcalloc(1, sizeof *p);
	size_t k;
	int i;

	p->conninfo = xstrdup(conninfo);
	p->options = pool_options(conninfo, read_only);
	p->max = max > 0 ? max : 8;
	p->read_only = read_only;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	for (i = 0; i < ST_NSTMTS; i++)
		p->sql[i] = pg_sql(db_sql_of((enum stmt_id)i));
	for (k = 0; k < ARRAY_LEN(locking); k++) {
		size_t n = strlen(p->sql[locking[k]]);

		p->lsql[locking[k]] = xmalloc(n + sizeof " FOR UPDATE OF complaints");
		memcpy(p->lsql[locking[k]], p->sql[locking[k]], n);
		memcpy(p->lsql[locking[k]] + n, " FOR UPDATE OF complaints",
		    sizeof " FOR UPDATE OF complaints");
	}
	return p;
}

void
pg_pool_free(struct pgpool *p)
{
	struct pgconn *c;
	int i;

	if (p == NULL)
		return;
	for (i = 0; i < PG_HELD; i++)
		if (held[i].s != NULL && held[i].s->pg == p) {
			/* left held by this thread (a test that failed mid-way) */
			conn_free(held[i].c);
			held[i].s = NULL;
			held[i].c = NULL;
			held[i].depth = 0;
		}
	while ((c = p->free) != NULL) {
		p->free = c->next;
		conn_free(c);
	}
	for (i = 0; i < ST_NSTMTS; i++) {
		free(p->sql[i]);
		free(p->lsql[i]);
	}
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p->conninfo);
	free(p->options);
	free(p);
}

/* A whole script (several statements, no parameters): 0, -1 with err. */
int
pg_script(struct store *s, const char *sql, const char *what, char *err, size_t errsz)
{
	struct pgconn *c = pg_current(s);
	PGresult *r;
	int ret = 0;

	if (c == NULL) {
		errf(err, errsz, "%s: %s", what, conn_err);
		return -1;
	}
	/* PQexec runs every statement of the string, as sqlite3_exec. */
	r = PQexec(c->conn, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
		struct stmt q = { .s = s, .c = c, .what = what };

		fail(&q, r);
		errf(err, errsz, "%s", db_errbuf);
		ret = -1;
	}
	PQclear(r);
	return ret;
}

/* The one integer of a statement without parameters, or -1 (db_errbuf). */
long long
pg_one_int(struct store *s, const char *sql, const char *what)
{
	struct stmt q = { .s = s, .c = pg_current(s), .what = what, .sql = sql, .pg = 1 };
	long long v = -1;

	if (run(&q) == 0) {
		if (q.nrows > 0 && !PQgetisnull(q.res, 0, 0))
			v = strtoll(PQgetvalue(q.res, 0, 0), NULL, 10);
		else
			snprintf(db_errbuf, sizeof db_errbuf, "%s: no row", what);
	}
	PQclear(q.res);
	return v;
}

/*
 * Every statement prepared once on the thread's connection, at open: a
 * statement PostgreSQL refuses stops the open, as on SQLite, instead of
 * failing the first request that uses it.
 */
int
pg_prepare_all(struct store *s, char *err, size_t errsz)
{
	struct pgconn *c = pg_current(s);
	PGresult *r;
	char name[16];
	Oid types[STMT_MAXP];
	int i, n, ret = 0;

	if (c == NULL) {
		errf(err, errsz, "%s", conn_err);
		return -1;
	}
	for (i = ST_USER_VERSION + 1; i < ST_NSTMTS; i++) {
		if (c->prepared[i] & 1)
			continue;
		snprintf(name, sizeof name, "s%d", i);
		if (param_types(s->pg->sql[i], types, &n) == -1) {
			errf(err, errsz, "prepare \"%s\": too many parameters", s->pg->sql[i]);
			return -1;
		}
		r = PQprepare(c->conn, name, s->pg->sql[i], n, types);
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			char *m = xstrdup(PQresultErrorMessage(r)), *e;

			if ((e = strchr(m, '\n')) != NULL)
				*e = '\0';
			/* each one said, so that one run shows them all */
			log_error("store: PostgreSQL refuses statement %d: %s: %s", i, m,
			    s->pg->sql[i]);
			errf(err, errsz, "prepare \"%s\": %s", s->pg->sql[i], m);
			free(m);
			PQclear(r);
			ret = -1;
			continue;
		}
		PQclear(r);
		c->prepared[i] |= 1;
	}
	return ret;
}
