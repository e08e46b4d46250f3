/*
 * backup: `aduan backup DEST`, a consistent single-file copy of a live
 * database through SQLite's online backup API (store.h, "backup").
 *
 * Why not cp: in WAL mode the recent commits live in aduan.db-wal until a
 * checkpoint; a copy of aduan.db alone misses them (issue 14: 4 KB, no
 * tables).  The backup API reads pages through SQLite, WAL included.
 *
 * Its own connections, not a struct store: it must never create, migrate
 * nor write the source, and it runs beside a serving process.  The source
 * is opened read-only and one read transaction is held across every
 * backup step: in WAL mode a reader does not block writers, so `aduan
 * serve` keeps committing, and since the snapshot stays the same, commits
 * made meanwhile by the service do not restart the copy (without the held
 * transaction, each step would begin a new snapshot and a steady stream of
 * SMS could restart it forever).  The copy is what was committed when the
 * transaction began.  The price: the service's checkpoints cannot pass
 * that snapshot, so its -wal grows until the backup ends.  Aduan's
 * databases are always in WAL mode; in rollback mode the held read lock
 * would block writers for the whole copy.
 *
 * The copy goes to a temporary file beside DEST, is checked (integrity
 * check, same user_version as the source), fsync'd and only then linked
 * to DEST, so DEST is never a half file; an existing DEST is refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store/store.h"
#include "util/util.h"

#define BACKUP_STEP_PAGES  256         /* pages copied per step */
#define BACKUP_BUSY_MS     50          /* wait after SQLITE_BUSY/LOCKED */
#define BACKUP_BUSY_MAX_MS 30000       /* give up after that much waiting */

static int
fsync_path(const char *path, int flags)
{
	int fd, rc;

	if ((fd = open(path, flags | O_CLOEXEC)) == -1)
		return -1;
	rc = fsync(fd);
	if (close(fd) != 0)
		rc = -1;
	return rc;
}

/* A single-value query on db into *v.  0, or -1 with the reason in err. */
static int
query_int(sqlite3 *db, const char *sql, long long *v, const char *what, char *err, size_t errsz)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return errf(err, errsz, "%s: %s", what, sqlite3_errmsg(db));
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int64(st, 0);
	else
		errf(err, errsz, "%s: %s", what, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

/* PRAGMA integrity_check on db: 0 when it says "ok", else -1 with its first line. */
static int
integrity_ok(sqlite3 *db, const char *path, char *err, size_t errsz)
{
	sqlite3_stmt *st;
	const unsigned char *t;
	int rc, ok = 0;

	if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK)
		return errf(err, errsz, "%s: integrity check: %s", path, sqlite3_errmsg(db));
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		t = sqlite3_column_text(st, 0);
		ok = t != NULL && strcmp((const char *)t, "ok") == 0;
		if (!ok)
			errf(err, errsz, "%s: integrity check failed: %s", path,
			    t != NULL ? (const char *)t : "(no text)");
	} else {
		errf(err, errsz, "%s: integrity check: %s", path, sqlite3_errmsg(db));
	}
	sqlite3_finalize(st);
	return ok ? 0 : -1;
}

/* The copy loop, inside the source's held read transaction. */
static int
copy_pages(sqlite3 *src, sqlite3 *dst, const char *db_path, char *err, size_t errsz)
{
	sqlite3_backup *b;
	int rc, waited = 0;

	if ((b = sqlite3_backup_init(dst, "main", src, "main")) == NULL)
		return errf(err, errsz, "backup of %s: %s", db_path, sqlite3_errmsg(dst));
	for (;;) {
		rc = sqlite3_backup_step(b, BACKUP_STEP_PAGES);
		if (rc == SQLITE_DONE)
			break;
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
			if (waited >= BACKUP_BUSY_MAX_MS)
				break;
			sqlite3_sleep(BACKUP_BUSY_MS);
			waited += BACKUP_BUSY_MS;
			continue;
		}
		if (rc != SQLITE_OK)
			break;
	}
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE)
		return errf(err, errsz, "backup of %s: %s%s", db_path, sqlite3_errstr(rc),
		    rc == SQLITE_BUSY || rc == SQLITE_LOCKED ? " (still locked after 30 s)" : "");
	return 0;
}

static void
remove_tmp(const char *tmp)
{
	static const char *const sfx[] = { "", "-journal", "-wal", "-shm" };
	char p[4200];
	size_t i;

	for (i = 0; i < ARRAY_LEN(sfx); i++) {
		snprintf(p, sizeof p, "%s%s", tmp, sfx[i]);
		(void)unlink(p);
	}
}

int
store_backup(const char *db_path, const char *dest, struct store_backup_info *out,
    char *err, size_t errsz)
{
	struct timespec t0, t1;
	struct stat sb;
	sqlite3 *src = NULL, *dst = NULL;
	char dir[4096], tmp[4200];
	long long src_version = -1, v;
	int fd, in_tx = 0, have_tmp = 0;

	memset(out, 0, sizeof *out);
	if (store_db_is_postgres(db_path))
		return errf(err, errsz, "aduan backup copies a SQLite file; back up PostgreSQL "
		    "with pg_dump (README: PostgreSQL)");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* SQLITE_OPEN_READONLY never creates; stat first to say why plainly. */
	if (stat(db_path, &sb) != 0)
		return errf(err, errsz, "database %s: %s", db_path, strerror(errno));
	if (!S_ISREG(sb.st_mode))
		return errf(err, errsz, "database %s: not a regular file", db_path);
	if (lstat(dest, &sb) == 0)
		return errf(err, errsz, "%s already exists; not overwriting it (choose a new name)", dest);
	if (errno != ENOENT)
		return errf(err, errsz, "%s: %s", dest, strerror(errno));
	if (path_dir(dir, sizeof dir, dest) != 0 ||
	    snprintf(tmp, sizeof tmp, "%s.tmp-XXXXXX", dest) >= (int)sizeof tmp)
		return errf(err, errsz, "%s: path too long", dest);
	if (stat(dir, &sb) != 0)
		return errf(err, errsz, "directory %s: %s", dir, strerror(errno));
	if (!S_ISDIR(sb.st_mode))
		return errf(err, errsz, "%s: not a directory", dir);
	/* mkstemp: exclusive, so two backups to one DEST never share a temp. */
	if ((fd = mkstemp(tmp)) == -1)
		return errf(err, errsz, "cannot create a file in %s: %s", dir, strerror(errno));
	close(fd);
	have_tmp = 1;

	if (sqlite3_open_v2(db_path, &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		errf(err, errsz, "cannot open database %s: %s", db_path,
		    src != NULL ? sqlite3_errmsg(src) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(src, 5000);
	/* The snapshot that the copy and its expected user_version come from. */
	if (sqlite3_exec(src, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		errf(err, errsz, "database %s: %s", db_path, sqlite3_errmsg(src));
		goto fail;
	}
	in_tx = 1;
	if (query_int(src, "PRAGMA user_version", &src_version, db_path, err, errsz) != 0)
		goto fail;
	if (src_version <= 0) {
		errf(err, errsz, "database %s: not an Aduan database (user_version 0)", db_path);
		goto fail;
	}
	if (sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		errf(err, errsz, "cannot open %s: %s", tmp,
		    dst != NULL ? sqlite3_errmsg(dst) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(dst, 5000);
	if (copy_pages(src, dst, db_path, err, errsz) != 0)
		goto fail;
	sqlite3_exec(src, "COMMIT", NULL, NULL, NULL);
	in_tx = 0;

	if (integrity_ok(dst, tmp, err, errsz) != 0)
		goto fail;
	if (query_int(dst, "PRAGMA user_version", &v, tmp, err, errsz) != 0)
		goto fail;
	if (v != src_version) {
		errf(err, errsz, "the copy's schema version %lld differs from the source's %lld",
		    v, src_version);
		goto fail;
	}
	out->schema_version = (int)v;
	if (query_int(dst, "SELECT count(*) FROM complaints", &out->complaints, tmp, err, errsz) != 0)
		goto fail;
	/* Closing the last connection checkpoints and removes its -wal/-shm. */
	if (sqlite3_close(dst) != SQLITE_OK) {
		errf(err, errsz, "%s: %s", tmp, sqlite3_errmsg(dst));
		goto fail;
	}
	dst = NULL;

	if (fsync_path(tmp, O_RDONLY) != 0) {
		errf(err, errsz, "fsync %s: %s", tmp, strerror(errno));
		goto fail;
	}
	/* link() fails on an existing DEST where rename() would replace it. */
	if (link(tmp, dest) != 0) {
		errf(err, errsz, "%s: %s", dest, errno == EEXIST ?
		    "appeared during the backup; not overwriting it" : strerror(errno));
		goto fail;
	}
	(void)unlink(tmp);
	have_tmp = 0;
	if (fsync_path(dir, O_RDONLY | O_DIRECTORY) != 0) {
		errf(err, errsz, "fsync directory %s: %s", dir, strerror(errno));
		goto fail;
	}
	if (stat(dest, &sb) == 0)
		out->bytes = (long long)sb.st_size;
	sqlite3_close(src);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	out->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	return 0;

fail:
	if (in_tx)
		sqlite3_exec(src, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(dst);
	sqlite3_close(src);
	if (have_tmp)
		remove_tmp(tmp);
	return -1;
}
