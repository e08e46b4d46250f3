/*
 * walbuf: the writer connection's -wal file written in one piece per
 * commit (contract: walbuf_vfs in store_int.h).
 *
 * SQLite appends each WAL frame with two writes (its 24-byte header, then
 * the page), so a batch of 20 SMS complaints, about 90 pages, cost some
 * 180 pwrite calls on the writer thread (perf: a quarter of its time in
 * this VM, where every system call is dear).  This VFS wraps the default
 * one and, for -wal files only, gathers writes that follow one another in
 * a buffer, written with one call when SQLite next syncs, reads, sizes,
 * truncates or closes the file, or writes elsewhere in it.
 *
 * Only with synchronous = FULL (store_open chooses it): SQLite's commit
 * writes its frames, syncs the file, and only then publishes them in the
 * wal-index where other connections find them, so every frame is on disk
 * (the sync writes the buffer first) before anyone can read it, and
 * nothing is acknowledged that was not: the same order as without the
 * buffer.  With NORMAL there is no sync between the frames and the
 * wal-index, and another connection would look for frames still in
 * memory: never used then.  A failed write of the buffer is what SQLite
 * sees from the sync (or read), so the commit fails as it would have on
 * the first of those writes.
 */
#include "store/store_int.h"

#include <stdlib.h>
#include <string.h>

#define WALBUF_NAME "aduan-walbuf"
#define WALBUF_MAX  (4 * 1024 * 1024)   /* longest run kept in memory (~1,000 frames) */
#define WALBUF_PIECE (64 * 1024)        /* bytes per write of the wrapped VFS */

struct walbuf_file {
	sqlite3_file base;              /* pMethods: walbuf_io */
	sqlite3_file *real;             /* the wrapped VFS's file, after this struct */
	char *buf;                      /* NULL until the first buffered write */
	size_t len, cap;
	sqlite3_int64 off;              /* where buf[0] goes in the file */
};

static sqlite3_vfs walbuf_vfs_s;
static sqlite3_vfs *walbuf_orig;

#define REAL(f) (((struct walbuf_file *)(f))->real)

/*
 * Writes what is gathered, in pieces of WALBUF_PIECE (the unix VFS writes
 * at most 128 kB - 1 in one call, and a multiple of 128 kB not at all).
 * SQLITE_OK, or the wrapped write's error (the buffer dropped).
 */
static int
walbuf_flush(struct walbuf_file *w)
{
	size_t done, n;
	int rc = SQLITE_OK;

	for (done = 0; done < w->len && rc == SQLITE_OK; done += n) {
		n = w->len - done < WALBUF_PIECE ? w->len - done : WALBUF_PIECE;
		rc = w->real->pMethods->xWrite(w->real, w->buf + done, (int)n,
		    w->off + (sqlite3_int64)done);
	}
	w->len = 0;
	return rc;
}

static int
walbuf_close(sqlite3_file *f)
{
	struct walbuf_file *w = (struct walbuf_file *)f;
	int rc = walbuf_flush(w), rc2;

	rc2 = w->real->pMethods->xClose(w->real);
	free(w->buf);
	w->buf = NULL;
	return rc != SQLITE_OK ? rc : rc2;
}

static int
walbuf_read(sqlite3_file *f, void *p, int amt, sqlite3_int64 off)
{
	int rc = walbuf_flush((struct walbuf_file *)f);

	if (rc != SQLITE_OK)
		return rc;
	return REAL(f)->pMethods->xRead(REAL(f), p, amt, off);
}

static int
walbuf_write(sqlite3_file *f, const void *p, int amt, sqlite3_int64 off)
{
	struct walbuf_file *w = (struct walbuf_file *)f;
	size_t n = (size_t)amt;
	int rc;

	if (w->len > 0 && off >= w->off && off + amt <= w->off + (sqlite3_int64)w->len) {
		/* A frame of this transaction written again: in place. */
		memcpy(w->buf + (off - w->off), p, n);
		return SQLITE_OK;
	}
	if (w->len > 0 && (off != w->off + (sqlite3_int64)w->len || w->len + n > WALBUF_MAX)) {
		if ((rc = walbuf_flush(w)) != SQLITE_OK)
			return rc;
	}
	if (n > WALBUF_PIECE)
		return w->real->pMethods->xWrite(w->real, p, amt, off);      /* as it came */
	if (w->len == 0)
		w->off = off;
	if (w->len + n > w->cap) {
		size_t cap = w->cap != 0 ? w->cap : 256 * 1024;
		char *nb;

		while (cap < w->len + n)
			cap *= 2;
		if ((nb = realloc(w->buf, cap)) == NULL) {
			if ((rc = walbuf_flush(w)) != SQLITE_OK)
				return rc;
			return w->real->pMethods->xWrite(w->real, p, amt, off);
		}
		w->buf = nb;
		w->cap = cap;
	}
	memcpy(w->buf + w->len, p, n);
	w->len += n;
	return SQLITE_OK;
}

static int
walbuf_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	int rc = walbuf_flush((struct walbuf_file *)f);

	if (rc != SQLITE_OK)
		return rc;
	return REAL(f)->pMethods->xTruncate(REAL(f), size);
}

static int
walbuf_sync(sqlite3_file *f, int flags)
{
	int rc = walbuf_flush((struct walbuf_file *)f);

	if (rc != SQLITE_OK)
		return rc;
	return REAL(f)->pMethods->xSync(REAL(f), flags);
}

static int
walbuf_size(sqlite3_file *f, sqlite3_int64 *size)
{
	int rc = walbuf_flush((struct walbuf_file *)f);

	if (rc != SQLITE_OK)
		return rc;
	return REAL(f)->pMethods->xFileSize(REAL(f), size);
}

/* The rest as the wrapped file does them (a -wal file is neither locked nor mapped). */
static int
walbuf_lock(sqlite3_file *f, int l)
{
	return REAL(f)->pMethods->xLock(REAL(f), l);
}

static int
walbuf_unlock(sqlite3_file *f, int l)
{
	return REAL(f)->pMethods->xUnlock(REAL(f), l);
}

static int
walbuf_reserved(sqlite3_file *f, int *out)
{
	return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}

static int
walbuf_fcntl(sqlite3_file *f, int op, void *arg)
{
	return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}

static int
walbuf_sector(sqlite3_file *f)
{
	return REAL(f)->pMethods->xSectorSize(REAL(f));
}

static int
walbuf_devchar(sqlite3_file *f)
{
	return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}

static const sqlite3_io_methods walbuf_io = {
	.iVersion = 1,
	.xClose = walbuf_close,
	.xRead = walbuf_read,
	.xWrite = walbuf_write,
	.xTruncate = walbuf_truncate,
	.xSync = walbuf_sync,
	.xFileSize = walbuf_size,
	.xLock = walbuf_lock,
	.xUnlock = walbuf_unlock,
	.xCheckReservedLock = walbuf_reserved,
	.xFileControl = walbuf_fcntl,
	.xSectorSize = walbuf_sector,
	.xDeviceCharacteristics = walbuf_devchar,
};

/*
 * A -wal file gets the buffer; every other file is the wrapped VFS's own,
 * opened in place (its methods called directly, nothing in between).
 */
static int
walbuf_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out)
{
	struct walbuf_file *w = (struct walbuf_file *)f;
	int rc;

	(void)vfs;
	if (!(flags & SQLITE_OPEN_WAL))
		return walbuf_orig->xOpen(walbuf_orig, name, f, flags, out);
	memset(w, 0, sizeof *w);
	w->real = (sqlite3_file *)(w + 1);
	rc = walbuf_orig->xOpen(walbuf_orig, name, w->real, flags, out);
	if (rc != SQLITE_OK) {
		/* SQLite calls xClose only when pMethods is set: the real file's own. */
		if (w->real->pMethods != NULL)
			(void)w->real->pMethods->xClose(w->real);
		w->base.pMethods = NULL;
		return rc;
	}
	w->base.pMethods = &walbuf_io;
	return SQLITE_OK;
}

static pthread_once_t walbuf_once = PTHREAD_ONCE_INIT;
static int walbuf_ok;

static void
walbuf_register(void)
{
	size_t sz;

	if ((walbuf_orig = sqlite3_vfs_find(NULL)) == NULL)
		return;
	walbuf_vfs_s = *walbuf_orig;
	walbuf_vfs_s.pNext = NULL;
	walbuf_vfs_s.zName = WALBUF_NAME;
	sz = sizeof(struct walbuf_file) + (size_t)walbuf_orig->szOsFile;
	walbuf_vfs_s.szOsFile = (int)(sz > (size_t)walbuf_orig->szOsFile ? sz :
	    (size_t)walbuf_orig->szOsFile);
	walbuf_vfs_s.xOpen = walbuf_open;
	walbuf_ok = sqlite3_vfs_register(&walbuf_vfs_s, 0) == SQLITE_OK;
}

const char *
walbuf_vfs(void)
{
	(void)pthread_once(&walbuf_once, walbuf_register);
	return walbuf_ok ? WALBUF_NAME : NULL;
}
