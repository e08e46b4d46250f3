/*
 * faultvfs: a SQLite VFS for tests that wraps the default one ("unix") and
 * makes chosen writes fail the way a dying or full disk does.  Every call
 * is passed through, except that xWrite, xSync and xTruncate can fail:
 *
 *   faultvfs_register()          once, before store_open(..., vfs FAULTVFS)
 *   faultvfs_fail_nth(n, code)   the n-th write/sync/truncate from now fails
 *                                (1: the next one), once
 *   faultvfs_fail_every(n, code) every n-th one fails (a flaky disk)
 *   faultvfs_fail_all(code)      every one fails (a full disk) until
 *   faultvfs_off()               everything passes again
 *   faultvfs_failures()          calls failed so far
 *   faultvfs_hold_syncs(1)       every xSync waits (a slow disk, for as long
 *                                as a test wants) until faultvfs_hold_syncs(0)
 *   faultvfs_syncs_waiting()     xSync calls waiting now
 *
 * code: SQLITE_IOERR_WRITE or SQLITE_FULL (xSync fails with
 * SQLITE_IOERR_FSYNC, xTruncate with SQLITE_IOERR_TRUNCATE when code is
 * an I/O error).  A header of static functions: each test program that
 * needs it includes it once (the Makefile builds a test from one file).
 */
#ifndef ADUAN_TEST_FAULTVFS_H
#define ADUAN_TEST_FAULTVFS_H

#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#define FAULTVFS "faultvfs"

struct faultvfs_file {
	sqlite3_file base;
	sqlite3_file *real;             /* the wrapped file, allocated right after */
};

static sqlite3_vfs faultvfs_vfs;
static sqlite3_vfs *faultvfs_orig;
static atomic_long faultvfs_countdown;  /* > 0: the call that brings it to 0 fails */
static atomic_long faultvfs_every;      /* > 0: every n-th call fails */
static atomic_long faultvfs_calls;
static atomic_int faultvfs_all;
static atomic_int faultvfs_code;
static atomic_long faultvfs_failed;
static atomic_int faultvfs_hold;        /* 1: xSync waits until it is 0 */
static atomic_int faultvfs_held;        /* xSync calls waiting now */

/* Whether this write/sync/truncate fails; its error code in *code. */
static int
faultvfs_hit(int kind_sync, int kind_trunc, int *code)
{
	long n = atomic_fetch_add(&faultvfs_calls, 1) + 1, every;
	int c = atomic_load(&faultvfs_code), hit = 0;

	if (atomic_load(&faultvfs_all))
		hit = 1;
	else if ((every = atomic_load(&faultvfs_every)) > 0 && n % every == 0)
		hit = 1;
	else if (atomic_load(&faultvfs_countdown) > 0 &&
	    atomic_fetch_sub(&faultvfs_countdown, 1) == 1)
		hit = 1;
	if (!hit)
		return 0;
	atomic_fetch_add(&faultvfs_failed, 1);
	if (c == SQLITE_FULL && !kind_sync && !kind_trunc)
		*code = SQLITE_FULL;
	else if (kind_sync)
		*code = SQLITE_IOERR_FSYNC;
	else if (kind_trunc)
		*code = SQLITE_IOERR_TRUNCATE;
	else
		*code = SQLITE_IOERR_WRITE;
	return 1;
}

#define FAULTVFS_REAL(f) (((struct faultvfs_file *)(f))->real)

static int
faultvfs_close(sqlite3_file *f)
{
	return FAULTVFS_REAL(f)->pMethods->xClose(FAULTVFS_REAL(f));
}

static int
faultvfs_read(sqlite3_file *f, void *buf, int amt, sqlite3_int64 off)
{
	return FAULTVFS_REAL(f)->pMethods->xRead(FAULTVFS_REAL(f), buf, amt, off);
}

static int
faultvfs_write(sqlite3_file *f, const void *buf, int amt, sqlite3_int64 off)
{
	int code;

	if (faultvfs_hit(0, 0, &code))
		return code;
	return FAULTVFS_REAL(f)->pMethods->xWrite(FAULTVFS_REAL(f), buf, amt, off);
}

static int
faultvfs_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	int code;

	if (faultvfs_hit(0, 1, &code))
		return code;
	return FAULTVFS_REAL(f)->pMethods->xTruncate(FAULTVFS_REAL(f), size);
}

static int
faultvfs_sync(sqlite3_file *f, int flags)
{
	const struct timespec ms = { 0, 1000000L };
	int code;

	if (atomic_load(&faultvfs_hold)) {
		atomic_fetch_add(&faultvfs_held, 1);
		while (atomic_load(&faultvfs_hold))
			nanosleep(&ms, NULL);
		atomic_fetch_sub(&faultvfs_held, 1);
	}
	if (faultvfs_hit(1, 0, &code))
		return code;
	return FAULTVFS_REAL(f)->pMethods->xSync(FAULTVFS_REAL(f), flags);
}

static int
faultvfs_size(sqlite3_file *f, sqlite3_int64 *size)
{
	return FAULTVFS_REAL(f)->pMethods->xFileSize(FAULTVFS_REAL(f), size);
}

static int
faultvfs_lock(sqlite3_file *f, int l)
{
	return FAULTVFS_REAL(f)->pMethods->xLock(FAULTVFS_REAL(f), l);
}

static int
faultvfs_unlock(sqlite3_file *f, int l)
{
	return FAULTVFS_REAL(f)->pMethods->xUnlock(FAULTVFS_REAL(f), l);
}

static int
faultvfs_reserved(sqlite3_file *f, int *out)
{
	return FAULTVFS_REAL(f)->pMethods->xCheckReservedLock(FAULTVFS_REAL(f), out);
}

static int
faultvfs_fcntl(sqlite3_file *f, int op, void *arg)
{
	return FAULTVFS_REAL(f)->pMethods->xFileControl(FAULTVFS_REAL(f), op, arg);
}

static int
faultvfs_sector(sqlite3_file *f)
{
	return FAULTVFS_REAL(f)->pMethods->xSectorSize(FAULTVFS_REAL(f));
}

static int
faultvfs_devchar(sqlite3_file *f)
{
	return FAULTVFS_REAL(f)->pMethods->xDeviceCharacteristics(FAULTVFS_REAL(f));
}

static int
faultvfs_shm_map(sqlite3_file *f, int pg, int pgsz, int extend, void volatile **pp)
{
	return FAULTVFS_REAL(f)->pMethods->xShmMap(FAULTVFS_REAL(f), pg, pgsz, extend, pp);
}

static int
faultvfs_shm_lock(sqlite3_file *f, int off, int n, int flags)
{
	return FAULTVFS_REAL(f)->pMethods->xShmLock(FAULTVFS_REAL(f), off, n, flags);
}

static void
faultvfs_shm_barrier(sqlite3_file *f)
{
	FAULTVFS_REAL(f)->pMethods->xShmBarrier(FAULTVFS_REAL(f));
}

static int
faultvfs_shm_unmap(sqlite3_file *f, int del)
{
	return FAULTVFS_REAL(f)->pMethods->xShmUnmap(FAULTVFS_REAL(f), del);
}

static int
faultvfs_fetch(sqlite3_file *f, sqlite3_int64 off, int amt, void **pp)
{
	return FAULTVFS_REAL(f)->pMethods->xFetch(FAULTVFS_REAL(f), off, amt, pp);
}

static int
faultvfs_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
	return FAULTVFS_REAL(f)->pMethods->xUnfetch(FAULTVFS_REAL(f), off, p);
}

static const sqlite3_io_methods faultvfs_io = {
	3, faultvfs_close, faultvfs_read, faultvfs_write, faultvfs_truncate, faultvfs_sync,
	faultvfs_size, faultvfs_lock, faultvfs_unlock, faultvfs_reserved, faultvfs_fcntl,
	faultvfs_sector, faultvfs_devchar, faultvfs_shm_map, faultvfs_shm_lock,
	faultvfs_shm_barrier, faultvfs_shm_unmap, faultvfs_fetch, faultvfs_unfetch
};

static int
faultvfs_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out)
{
	struct faultvfs_file *p = (struct faultvfs_file *)f;
	int rc;

	(void)vfs;
	p->real = (sqlite3_file *)(p + 1);
	rc = faultvfs_orig->xOpen(faultvfs_orig, name, p->real, flags, out);
	/* SQLite calls xClose only when pMethods is set. */
	p->base.pMethods = p->real->pMethods != NULL ? &faultvfs_io : NULL;
	return rc;
}

__attribute__((unused)) static void
faultvfs_register(void)
{
	if (faultvfs_orig != NULL)
		return;
	faultvfs_orig = sqlite3_vfs_find(NULL);
	faultvfs_vfs = *faultvfs_orig;
	faultvfs_vfs.pNext = NULL;
	faultvfs_vfs.zName = FAULTVFS;
	faultvfs_vfs.szOsFile = (int)sizeof(struct faultvfs_file) + faultvfs_orig->szOsFile;
	faultvfs_vfs.xOpen = faultvfs_open;
	if (sqlite3_vfs_register(&faultvfs_vfs, 0) != SQLITE_OK)
		faultvfs_orig = NULL;
}

__attribute__((unused)) static void
faultvfs_off(void)
{
	atomic_store(&faultvfs_all, 0);
	atomic_store(&faultvfs_every, 0);
	atomic_store(&faultvfs_countdown, 0);
}

__attribute__((unused)) static void
faultvfs_fail_nth(long n, int code)
{
	atomic_store(&faultvfs_code, code);
	atomic_store(&faultvfs_countdown, n);
}

__attribute__((unused)) static void
faultvfs_fail_every(long n, int code)
{
	atomic_store(&faultvfs_code, code);
	atomic_store(&faultvfs_every, n);
}

__attribute__((unused)) static void
faultvfs_fail_all(int code)
{
	atomic_store(&faultvfs_code, code);
	atomic_store(&faultvfs_all, 1);
}

__attribute__((unused)) static long
faultvfs_failures(void)
{
	return atomic_load(&faultvfs_failed);
}

__attribute__((unused)) static void
faultvfs_hold_syncs(int on)
{
	atomic_store(&faultvfs_hold, on);
}

__attribute__((unused)) static int
faultvfs_syncs_waiting(void)
{
	return atomic_load(&faultvfs_held);
}

#endif
