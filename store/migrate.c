/*
 * migrate: `aduan migrate --to URI`, a SQLite database copied into an empty
 * PostgreSQL one (store.h, "migrate").
 *
 * Its own connections, as backup.c: the source is opened read-only, in one
 * read transaction held for the whole copy, so what is copied is one
 * snapshot even beside a running service (whatever that service commits
 * afterwards stays in the SQLite file only: stop it for the cut-over).
 * The target is first opened through store_open(), which creates the
 * schema there from the same list of versions as SQLite's; then, on a
 * libpq connection of its own, in ONE transaction:
 *
 *   - every table is locked (no node can write while it copies) and must
 *     be empty, else nothing is done;
 *   - each table of the source goes over with COPY ... FROM STDIN (text
 *     format), parents before the tables that reference them;
 *   - each identity column's sequence is set past the largest id copied,
 *     so the next complaint on PostgreSQL does not collide with one copied;
 *   - the row counts of every table are compared, and a sample of rows
 *     (SAMPLE_ROWS per table, chosen at random in the source) is read back
 *     by primary key and compared value by value;
 *
 * and only then COMMIT.  Any difference or error rolls it all back: the
 * target is left as empty as it was.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>
#include <sqlite3.h>

#include "store/store.h"
#include "util/util.h"

#define SAMPLE_ROWS 50          /* rows per table read back and compared */
#define MAX_COLS    32          /* columns of the widest table (complaints: 20) */
#define COPY_CHUNK  65536       /* bytes handed to PQputCopyData at once */
#define SQL_MAX     16384       /* the longest statement built here */

/*
 * Copied first, in this order: the tables others reference (events by
 * event_details, accounts by sessions).  The rest follow in the source's
 * order.
 */
static const char *const parents[] = { "complaints", "events", "accounts" };

struct table {
	char name[64];
	int ncols;
	char cols[MAX_COLS][64];
	int pk[MAX_COLS];               /* 1-based position in the primary key, 0 not in it */
	int npk;
	long long rows;                 /* copied */
};

/* ---- the source ---------------------------------------------------------- */

/* The columns and primary key of table t->name in the source. */
static int
source_columns(sqlite3 *db, struct table *t, char *err, size_t errsz)
{
	sqlite3_stmt *st;
	char sql[128];
	int rc;

	snprintf(sql, sizeof sql, "SELECT name, pk FROM pragma_table_info('%s')", t->name);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return errf(err, errsz, "%s: %s", t->name, sqlite3_errmsg(db));
	t->ncols = t->npk = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (t->ncols == MAX_COLS) {
			sqlite3_finalize(st);
			return errf(err, errsz, "%s: more than %d columns", t->name, MAX_COLS);
		}
		str_copy(t->cols[t->ncols], sizeof t->cols[0],
		    (const char *)sqlite3_column_text(st, 0));
		t->pk[t->ncols] = sqlite3_column_int(st, 1);
		if (t->pk[t->ncols] > 0)
			t->npk++;
		t->ncols++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return errf(err, errsz, "%s: %s", t->name, sqlite3_errmsg(db));
	if (t->npk == 0)
		return errf(err, errsz, "%s: no primary key to compare rows by", t->name);
	return 0;
}

/* The source's tables, parents first.  *n of them, or -1. */
static int
source_tables(sqlite3 *db, struct table **out, int *n, char *err, size_t errsz)
{
	sqlite3_stmt *st;
	struct table *t = NULL;
	int cap = 0, rc, i, j;

	*n = 0;
	if (sqlite3_prepare_v2(db, "SELECT name FROM sqlite_schema WHERE type = 'table'"
	    " AND name NOT LIKE 'sqlite_%' ORDER BY rowid", -1, &st, NULL) != SQLITE_OK)
		return errf(err, errsz, "listing tables: %s", sqlite3_errmsg(db));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 32;
			t = xrealloc(t, (size_t)cap * sizeof *t);
		}
		memset(&t[*n], 0, sizeof t[*n]);
		str_copy(t[*n].name, sizeof t[*n].name, (const char *)sqlite3_column_text(st, 0));
		(*n)++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(t);
		return errf(err, errsz, "listing tables: %s", sqlite3_errmsg(db));
	}
	/* Parents to the front, in parents[] order (a stable move). */
	for (i = (int)(sizeof parents / sizeof parents[0]) - 1; i >= 0; i--)
		for (j = 0; j < *n; j++)
			if (strcmp(t[j].name, parents[i]) == 0) {
				struct table tmp = t[j];

				memmove(&t[1], &t[0], (size_t)j * sizeof *t);
				t[0] = tmp;
				break;
			}
	for (i = 0; i < *n; i++)
		if (source_columns(db, &t[i], err, errsz) != 0) {
			free(t);
			return -1;
		}
	*out = t;
	return 0;
}

/* ---- the target ---------------------------------------------------------- */

/* Runs sql on pg; 0, or -1 with its message.  Rows, if any, are dropped. */
static int
pq_exec(PGconn *pg, const char *sql, const char *what, char *err, size_t errsz)
{
	PGresult *r = PQexec(pg, sql);
	ExecStatusType rs = PQresultStatus(r);
	int ret = 0;

	if (rs != PGRES_COMMAND_OK && rs != PGRES_TUPLES_OK)
		ret = errf(err, errsz, "%s: %s", what, PQresultErrorMessage(r));
	PQclear(r);
	return ret;
}

/* A one-value query; the value as a number, or -1 with the message. */
static long long
pq_number(PGconn *pg, const char *sql, const char *what, char *err, size_t errsz)
{
	PGresult *r = PQexec(pg, sql);
	long long v = -1;

	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
		v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	else
		errf(err, errsz, "%s: %s", what, PQresultErrorMessage(r));
	PQclear(r);
	return v;
}

/* s quoted as a PostgreSQL identifier ("name"), for names we read ourselves. */
static void
ident(struct sbuf *b, const char *s)
{
	sbuf_str(b, "\"");
	for (; *s; s++)
		sbuf_add(b, *s == '"' ? "\"\"" : s, *s == '"' ? 2 : 1);
	sbuf_str(b, "\"");
}

/* Appends one value in COPY's text format. */
static void
copy_value(struct sbuf *b, sqlite3_stmt *st, int i)
{
	char num[40];
	const unsigned char *v;
	int k, len;

	switch (sqlite3_column_type(st, i)) {
	case SQLITE_NULL:
		sbuf_str(b, "\\N");
		return;
	case SQLITE_INTEGER:
		snprintf(num, sizeof num, "%lld", (long long)sqlite3_column_int64(st, i));
		sbuf_str(b, num);
		return;
	case SQLITE_FLOAT:
		snprintf(num, sizeof num, "%.17g", sqlite3_column_double(st, i));
		sbuf_str(b, num);
		return;
	case SQLITE_BLOB:       /* bytea's hex input: \x... (the backslash escaped) */
		v = sqlite3_column_blob(st, i);
		len = sqlite3_column_bytes(st, i);
		sbuf_str(b, "\\\\x");
		for (k = 0; k < len; k++) {
			snprintf(num, sizeof num, "%02x", v[k]);
			sbuf_str(b, num);
		}
		return;
	default:
		v = sqlite3_column_text(st, i);
		len = sqlite3_column_bytes(st, i);
		for (k = 0; k < len; k++) {
			switch (v[k]) {
			case '\\': sbuf_str(b, "\\\\"); break;
			case '\n': sbuf_str(b, "\\n"); break;
			case '\r': sbuf_str(b, "\\r"); break;
			case '\t': sbuf_str(b, "\\t"); break;
			default: sbuf_add(b, (const char *)&v[k], 1);
			}
		}
	}
}

/* The column list "a", "b", ... of t. */
static void
column_list(struct sbuf *b, const struct table *t)
{
	int i;

	for (i = 0; i < t->ncols; i++) {
		if (i > 0)
			sbuf_str(b, ", ");
		ident(b, t->cols[i]);
	}
}

static int
copy_table(sqlite3 *db, PGconn *pg, struct table *t, char *err, size_t errsz)
{
	struct sbuf sql, row;
	sqlite3_stmt *st;
	PGresult *r;
	int rc, i, ret = -1;

	sbuf_init(&sql, SQL_MAX);
	sbuf_str(&sql, "COPY ");
	ident(&sql, t->name);
	sbuf_str(&sql, " (");
	column_list(&sql, t);
	sbuf_str(&sql, ") FROM STDIN");
	r = PQexec(pg, sql.s);
	if (PQresultStatus(r) != PGRES_COPY_IN) {
		errf(err, errsz, "%s: %s", t->name, PQresultErrorMessage(r));
		PQclear(r);
		free(sql.s);
		return -1;
	}
	PQclear(r);

	free(sql.s);
	sbuf_init(&sql, SQL_MAX);
	sbuf_str(&sql, "SELECT ");
	column_list(&sql, t);
	sbuf_str(&sql, " FROM ");
	ident(&sql, t->name);
	if (sqlite3_prepare_v2(db, sql.s, -1, &st, NULL) != SQLITE_OK) {
		errf(err, errsz, "%s: %s", t->name, sqlite3_errmsg(db));
		PQputCopyEnd(pg, "source unreadable");
		PQclear(PQgetResult(pg));
		free(sql.s);
		return -1;
	}
	sbuf_init(&row, COPY_CHUNK * 256);
	t->rows = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (i = 0; i < t->ncols; i++) {
			if (i > 0)
				sbuf_str(&row, "\t");
			copy_value(&row, st, i);
		}
		sbuf_str(&row, "\n");
		t->rows++;
		if (row.len >= COPY_CHUNK || row.overflow) {
			if (row.overflow || PQputCopyData(pg, row.s, (int)row.len) != 1)
				break;
			row.len = 0;
			row.s[0] = '\0';
		}
	}
	if (rc != SQLITE_DONE) {
		errf(err, errsz, "%s: %s", t->name, rc != SQLITE_ROW ? sqlite3_errmsg(db) :
		    row.overflow ? "a row longer than the copy's buffer" : PQerrorMessage(pg));
		PQputCopyEnd(pg, "copy stopped");
	} else if ((row.len > 0 && PQputCopyData(pg, row.s, (int)row.len) != 1) ||
	    PQputCopyEnd(pg, NULL) != 1) {
		errf(err, errsz, "%s: %s", t->name, PQerrorMessage(pg));
	} else {
		ret = 0;
	}
	sqlite3_finalize(st);
	while ((r = PQgetResult(pg)) != NULL) {
		if (ret == 0 && PQresultStatus(r) != PGRES_COMMAND_OK)
			ret = errf(err, errsz, "%s: %s", t->name, PQresultErrorMessage(r));
		PQclear(r);
	}
	free(row.s);
	free(sql.s);
	return ret;
}

/*
 * After rows were copied with their ids: each identity (or serial) column's
 * sequence continues past the largest one.
 */
static int
set_sequences(PGconn *pg, const struct table *t, char *err, size_t errsz)
{
	struct sbuf sql;
	const char *params[2];
	PGresult *r;
	int i, ret = 0, has;

	for (i = 0; i < t->ncols && ret == 0; i++) {
		if (t->pk[i] != 1 || t->npk != 1)
			continue;
		params[0] = t->name;
		params[1] = t->cols[i];
		r = PQexecParams(pg, "SELECT pg_get_serial_sequence(quote_ident($1), $2)"
		    " IS NOT NULL", 2, NULL, params, NULL, NULL, 0);
		if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
			ret = errf(err, errsz, "%s: %s", t->name, PQresultErrorMessage(r));
			PQclear(r);
			break;
		}
		has = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
		PQclear(r);
		if (!has)
			continue;       /* a key of text, or an id given by its parent */
		sbuf_init(&sql, SQL_MAX);
		sbuf_str(&sql, "SELECT setval(pg_get_serial_sequence(quote_ident($1), $2),"
		    " coalesce((SELECT max(");
		ident(&sql, t->cols[i]);
		sbuf_str(&sql, ") FROM ");
		ident(&sql, t->name);
		sbuf_str(&sql, "), 0) + 1, false)");
		r = PQexecParams(pg, sql.s, 2, NULL, params, NULL, NULL, 0);
		if (PQresultStatus(r) != PGRES_TUPLES_OK)
			ret = errf(err, errsz, "%s: %s", t->name, PQresultErrorMessage(r));
		PQclear(r);
		free(sql.s);
	}
	return ret;
}

/* Source value i of st and target value c of row 0 of r: the same? */
static int
same_value(sqlite3_stmt *st, int i, PGresult *r, int c)
{
	const char *pv;
	char num[40];

	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return PQgetisnull(r, 0, c);
	if (PQgetisnull(r, 0, c))
		return 0;
	pv = PQgetvalue(r, 0, c);
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER:
		snprintf(num, sizeof num, "%lld", (long long)sqlite3_column_int64(st, i));
		return strcmp(num, pv) == 0;
	case SQLITE_FLOAT:
		return strtod(pv, NULL) == sqlite3_column_double(st, i);
	case SQLITE_BLOB:
		return 1;       /* no blob columns today; their bytes went over as hex */
	default:
		return strcmp((const char *)sqlite3_column_text(st, i), pv) == 0;
	}
}

/* SAMPLE_ROWS rows of t at random, read back from pg by key and compared. */
static int
compare_sample(sqlite3 *db, PGconn *pg, const struct table *t, long long *compared,
    char *err, size_t errsz)
{
	struct sbuf src, dst;
	const char *params[MAX_COLS];
	char *keys[MAX_COLS];
	char num[48];
	sqlite3_stmt *st;
	PGresult *r;
	int i, k, n, rc, ret = 0;

	sbuf_init(&src, SQL_MAX);
	sbuf_str(&src, "SELECT ");
	column_list(&src, t);
	sbuf_str(&src, " FROM ");
	ident(&src, t->name);
	snprintf(num, sizeof num, " ORDER BY random() LIMIT %d", SAMPLE_ROWS);
	sbuf_str(&src, num);
	sbuf_init(&dst, SQL_MAX);
	sbuf_str(&dst, "SELECT ");
	column_list(&dst, t);
	sbuf_str(&dst, " FROM ");
	ident(&dst, t->name);
	sbuf_str(&dst, " WHERE ");
	for (k = 1, n = 0; k <= t->npk; k++)
		for (i = 0; i < t->ncols; i++)
			if (t->pk[i] == k) {
				char ph[16];

				if (n++ > 0)
					sbuf_str(&dst, " AND ");
				ident(&dst, t->cols[i]);
				snprintf(ph, sizeof ph, " = $%d", n);
				sbuf_str(&dst, ph);
			}
	if (sqlite3_prepare_v2(db, src.s, -1, &st, NULL) != SQLITE_OK) {
		ret = errf(err, errsz, "%s: %s", t->name, sqlite3_errmsg(db));
		goto out;
	}
	while (ret == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (k = 1, n = 0; k <= t->npk; k++)
			for (i = 0; i < t->ncols; i++)
				if (t->pk[i] == k) {
					keys[n] = xstrdup((const char *)sqlite3_column_text(st, i));
					params[n] = keys[n];
					n++;
				}
		r = PQexecParams(pg, dst.s, n, NULL, params, NULL, NULL, 0);
		for (k = 0; k < n; k++)
			free(keys[k]);
		if (PQresultStatus(r) != PGRES_TUPLES_OK)
			ret = errf(err, errsz, "%s: reading back: %s", t->name,
			    PQresultErrorMessage(r));
		else if (PQntuples(r) != 1)
			ret = errf(err, errsz, "%s: a row of the source is missing in the "
			    "target (key %s)", t->name, (const char *)sqlite3_column_text(st, 0));
		for (i = 0; ret == 0 && i < t->ncols; i++)
			if (!same_value(st, i, r, i))
				ret = errf(err, errsz, "%s: column %s differs after the copy "
				    "(source '%.60s', target '%.60s')", t->name, t->cols[i],
				    sqlite3_column_text(st, i) ? (const char *)sqlite3_column_text(st, i) : "NULL",
				    PQgetisnull(r, 0, i) ? "NULL" : PQgetvalue(r, 0, i));
		PQclear(r);
		if (ret == 0)
			(*compared)++;
	}
	if (ret == 0 && rc != SQLITE_DONE)
		ret = errf(err, errsz, "%s: %s", t->name, sqlite3_errmsg(db));
	sqlite3_finalize(st);
out:
	free(src.s);
	free(dst.s);
	return ret;
}

/* ---- the whole --------------------------------------------------------- */

/* Locks every table, checks they are empty, copies, checks: in pg's open transaction. */
static int
copy_all(sqlite3 *db, PGconn *pg, struct table *t, int n, struct store_migrate_info *out,
    char *err, size_t errsz)
{
	struct sbuf sql;
	long long got;
	int i;

	sbuf_init(&sql, SQL_MAX);
	sbuf_str(&sql, "LOCK TABLE ");
	for (i = 0; i < n; i++) {
		if (i > 0)
			sbuf_str(&sql, ", ");
		ident(&sql, t[i].name);
	}
	sbuf_str(&sql, " IN ACCESS EXCLUSIVE MODE");
	i = pq_exec(pg, sql.s, "the target (same schema version?)", err, errsz);
	free(sql.s);
	if (i != 0)
		return -1;
	for (i = 0; i < n; i++) {
		sbuf_init(&sql, SQL_MAX);
		sbuf_str(&sql, "SELECT count(*) FROM (SELECT 1 FROM ");
		ident(&sql, t[i].name);
		sbuf_str(&sql, " LIMIT 1) AS one");
		got = pq_number(pg, sql.s, t[i].name, err, errsz);
		free(sql.s);
		if (got < 0)
			return -1;
		if (got > 0)
			return errf(err, errsz, "the target is not empty (table %s has rows): "
			    "migrate only into a new database", t[i].name);
	}
	for (i = 0; i < n; i++) {
		if (copy_table(db, pg, &t[i], err, errsz) != 0 ||
		    set_sequences(pg, &t[i], err, errsz) != 0)
			return -1;
		out->rows += t[i].rows;
		if (strcmp(t[i].name, "complaints") == 0)
			out->complaints = t[i].rows;
	}
	for (i = 0; i < n; i++) {
		sbuf_init(&sql, SQL_MAX);
		sbuf_str(&sql, "SELECT count(*) FROM ");
		ident(&sql, t[i].name);
		got = pq_number(pg, sql.s, t[i].name, err, errsz);
		free(sql.s);
		if (got < 0)
			return -1;
		if (got != t[i].rows)
			return errf(err, errsz, "%s: %lld rows read from the source, %lld in the "
			    "target", t[i].name, t[i].rows, got);
		if (compare_sample(db, pg, &t[i], &out->sampled, err, errsz) != 0)
			return -1;
	}
	out->tables = n;
	return 0;
}

int
store_migrate_to(const char *src_path, const char *url, struct store_migrate_info *out,
    char *err, size_t errsz)
{
	struct store_options opt = { .sync_full = 1, .busy_timeout_ms = 5000, .read_only = 1 };
	struct timespec t0, t1;
	struct store *s;
	struct table *t = NULL;
	sqlite3 *db = NULL;
	PGconn *pg = NULL;
	int n = 0, ret = -1, version;

	memset(out, 0, sizeof *out);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (store_db_is_postgres(src_path))
		return errf(err, errsz, "the source must be a SQLite file (-d or store.database), not a URI");
	if (!store_db_is_postgres(url))
		return errf(err, errsz, "--to takes a postgresql:// URI");

	/* The source at this binary's schema (a read-only open refuses another). */
	if ((s = store_open(src_path, &opt, err, errsz)) == NULL)
		return -1;
	version = store_schema_version(s);
	store_close(s);
	/* The target's schema, created (or found) by the same list of versions. */
	opt.read_only = 0;
	if ((s = store_open(url, &opt, err, errsz)) == NULL)
		return -1;
	if (store_schema_version(s) != version) {
		errf(err, errsz, "the target is at schema version %d, the source at %d",
		    store_schema_version(s), version);
		store_close(s);
		return -1;
	}
	store_close(s);
	out->schema_version = version;

	if (sqlite3_open_v2(src_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		errf(err, errsz, "%s: %s", src_path, sqlite3_errmsg(db));
		goto done;
	}
	sqlite3_busy_timeout(db, 5000);
	pg = PQconnectdb(url);
	if (PQstatus(pg) != CONNECTION_OK) {
		errf(err, errsz, "connecting to the target: %s", PQerrorMessage(pg));
		goto done;
	}
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
	    source_tables(db, &t, &n, err, errsz) != 0)
		goto done;
	if (pq_exec(pg, "BEGIN", "the target", err, errsz) != 0)
		goto done;
	if (copy_all(db, pg, t, n, out, err, errsz) != 0) {
		PQclear(PQexec(pg, "ROLLBACK"));
		goto done;
	}
	if (pq_exec(pg, "COMMIT", "committing on the target", err, errsz) != 0)
		goto done;
	ret = 0;
done:
	if (db != NULL)
		sqlite3_close(db);
	if (pg != NULL)
		PQfinish(pg);
	free(t);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	out->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	return ret;
}
