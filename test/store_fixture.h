/*
 * store_fixture: a store on a real SQLite file in a directory of its own,
 * for the store's test programs (test_store, test_store_fault):
 *
 *   fixture_open(tmpl, vfs, opts)  mkdtemp(tmpl) ("/tmp/aduan-store-XXXXXX"),
 *                                  store_open on its aduan.db (through SQLite
 *                                  VFS vfs when not NULL); NULL, having said
 *                                  why and removed the directory, on failure
 *   fixture_reopen(f, opts)        closes the store and opens the file again,
 *                                  by its plain path (no VFS); fails the test
 *                                  when it cannot
 *   fixture_close(f)               closes the store, removes the directory
 *                                  with whatever is in it (-wal, -shm, files
 *                                  a test made) and frees f
 *
 * With ADUAN_TEST_PG set (a libpq key=value conninfo of a server where the
 * test may create and drop databases, e.g. "host=/tmp/d dbname=postgres
 * user=postgres"), the store is on PostgreSQL instead: fixture_open
 * creates a database of its own (aduan_test_<pid>_<n>), f->pguri is its
 * postgresql:// URI (built from the conninfo: host, port, user, password;
 * dbname replaced), and fixture_close drops it.  The directory is made all
 * the same (tests put files there).  fixture_pg(): 1 on PostgreSQL, for the
 * tests that look at SQLite itself and skip there.
 *
 * So tests neither share state nor leave files behind.  A header of
 * static functions, as test/faultvfs.h: each test program includes it
 * once, after <cmocka.h>.
 */
#ifndef ADUAN_TEST_STORE_FIXTURE_H
#define ADUAN_TEST_STORE_FIXTURE_H

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "store/store.h"
#include "util/util.h"

struct fixture {
	char dir[64];
	char path[128];                 /* the SQLite file */
	char pgdb[64];                  /* PostgreSQL: the database made for the test */
	char pguri[512];                /* and its URI, what the store opens */
	char uri[192];                  /* the same file through the VFS, if one */
	struct store *s;
};

/* 1 when the tests run on PostgreSQL (ADUAN_TEST_PG). */
static int
fixture_pg(void)
{
	const char *e = getenv("ADUAN_TEST_PG");

	return e != NULL && *e != '\0';
}

/* What the store opens: the SQLite file or the PostgreSQL URI. */
static inline const char *
fixture_db(const struct fixture *f)
{
	return f->pgdb[0] != '\0' ? f->pguri : f->path;
}

/* sql on the ADUAN_TEST_PG server (CREATE/DROP DATABASE): 0, -1 (printed). */
static int
fixture_pg_exec(const char *sql)
{
	PGconn *c = PQconnectdb(getenv("ADUAN_TEST_PG"));
	PGresult *r;
	int ret = 0;

	if (PQstatus(c) != CONNECTION_OK) {
		print_error("ADUAN_TEST_PG: %s", PQerrorMessage(c));
		PQfinish(c);
		return -1;
	}
	r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		print_error("%s: %s", sql, PQresultErrorMessage(r));
		ret = -1;
	}
	PQclear(r);
	PQfinish(c);
	return ret;
}

/* The URI of database db on the ADUAN_TEST_PG server into out. */
static void
fixture_pg_uri(char *out, size_t outsz, const char *db)
{
	const char *p = getenv("ADUAN_TEST_PG");
	size_t len;
	int first = 1;

	len = (size_t)snprintf(out, outsz, "postgresql:///%s", db);
	while (*p != '\0' && len < outsz) {
		char key[32], v[256];
		size_t k = 0, n = 0;

		while (isspace((unsigned char)*p))
			p++;
		while (*p != '\0' && *p != '=' && k + 1 < sizeof key)
			key[k++] = *p++;
		key[k] = '\0';
		if (*p == '=')
			p++;
		while (*p != '\0' && !isspace((unsigned char)*p) && n + 1 < sizeof v)
			v[n++] = *p++;
		v[n] = '\0';
		if (k == 0 || strcmp(key, "dbname") == 0)
			continue;
		len += (size_t)snprintf(out + len, outsz - len, "%c%s=", first ? '?' : '&', key);
		first = 0;
		for (n = 0; v[n] != '\0' && len + 4 < outsz; n++) {
			unsigned char ch = (unsigned char)v[n];

			if (isalnum(ch) || strchr("/._-", ch) != NULL)
				out[len++] = (char)ch;
			else
				len += (size_t)snprintf(out + len, outsz - len, "%%%02X", ch);
		}
		out[len] = '\0';
	}
}

/* sql on f's own PostgreSQL database: its result (PGRES_*_OK or failed: the test fails). */
static inline PGresult *
fixture_pg_query(const struct fixture *f, const char *sql)
{
	PGconn *c = PQconnectdb(f->pguri);
	PGresult *r;

	if (PQstatus(c) != CONNECTION_OK)
		fail_msg("connect %s: %s", f->pguri, PQerrorMessage(c));
	r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
		char msg[512];

		snprintf(msg, sizeof msg, "%s", PQresultErrorMessage(r));
		PQclear(r);
		PQfinish(c);
		fail_msg("%s: %s", sql, msg);
	}
	PQfinish(c);
	return r;
}

/* The first column of sql's first row on f's database; a boolean as 1/0; -1 for none. */
static inline int64_t
fixture_pg_int(const struct fixture *f, const char *sql)
{
	PGresult *r = fixture_pg_query(f, sql);
	int64_t v = -1;
	const char *t;

	if (PQntuples(r) > 0 && !PQgetisnull(r, 0, 0)) {
		t = PQgetvalue(r, 0, 0);
		v = strcmp(t, "t") == 0 ? 1 : strcmp(t, "f") == 0 ? 0 : strtoll(t, NULL, 10);
	}
	PQclear(r);
	return v;
}

static inline void
fixture_pg_run(const struct fixture *f, const char *sql)
{
	PQclear(fixture_pg_query(f, sql));
}

static struct fixture *
fixture_open(const char *tmpl, const char *vfs, const struct store_options *opts)
{
	struct fixture *f = xcalloc(1, sizeof *f);
	char err[256];

	snprintf(f->dir, sizeof f->dir, "%s", tmpl);
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return NULL;
	}
	snprintf(f->path, sizeof f->path, "%s/aduan.db", f->dir);
	if (fixture_pg() && vfs == NULL) {  /* a fault VFS is SQLite's: those stay on SQLite */
		static int n;
		char sql[128];

		snprintf(f->pgdb, sizeof f->pgdb, "aduan_test_%ld_%d", (long)getpid(), ++n);
		snprintf(sql, sizeof sql, "CREATE DATABASE %s TEMPLATE template0", f->pgdb);
		if (fixture_pg_exec(sql) == -1) {
			rmdir(f->dir);
			free(f);
			return NULL;
		}
		fixture_pg_uri(f->pguri, sizeof f->pguri, f->pgdb);
	}
	if (vfs != NULL)
		snprintf(f->uri, sizeof f->uri, "file:%s?vfs=%s", f->path, vfs);
	f->s = store_open(vfs != NULL ? f->uri : f->pgdb[0] != '\0' ? f->pguri : f->path, opts,
	    err, sizeof err);
	if (f->s == NULL) {
		print_error("store_open %s: %s\n", f->path, err);
		rmdir(f->dir);
		free(f);
		return NULL;
	}
	return f;
}

static void
fixture_reopen(struct fixture *f, const struct store_options *opts)
{
	char err[256];

	store_close(f->s);
	f->s = store_open(fixture_db(f), opts, err, sizeof err);
	if (f->s == NULL)
		fail_msg("reopen %s: %s", f->path, err);
}

static void
fixture_close(struct fixture *f)
{
	char p[512];
	struct dirent *de;
	DIR *d;

	store_close(f->s);
	if (f->pgdb[0] != '\0') {
		char sql[128];

		snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", f->pgdb);
		(void)fixture_pg_exec(sql);
	}
	/* The -wal and -shm files may or may not be there; remove whatever is. */
	if ((d = opendir(f->dir)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			snprintf(p, sizeof p, "%s/%s", f->dir, de->d_name);
			unlink(p);
		}
		closedir(d);
	}
	rmdir(f->dir);
	free(f);
}

#endif
