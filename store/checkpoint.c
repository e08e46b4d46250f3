/*
 * checkpoint: the WAL's pages copied into the database file by a thread
 * and connection of their own, so that the writer thread rarely stops for
 * it.
 *
 * SQLite's automatic checkpoint runs on the connection that committed,
 * right after the commit: the writer thread copied up to
 * WAL_CHECKPOINT_PAGES pages and synced the database file while every
 * request waited for it (perf, issue 18: without checkpoints during a
 * run the SMS row's p99 went from 18-21 ms to 9-12 ms).  Here the
 * writer's connection has a WAL hook of its own instead: once the WAL
 * holds CKPT_FIRST pages, and again every CKPT_STEP pages, it wakes this
 * thread, which copies them concurrently (SQLITE_CHECKPOINT_PASSIVE waits
 * for nobody; it copies the frames every reader is done with).  At
 * WAL_CHECKPOINT_PAGES the writer still checkpoints itself, as SQLite's
 * hook did, but only the pages written since the thread's last run (perf:
 * p99 14-16 ms instead of 16-22 in A/B pairs; woken once at 80%, 16-18
 * ms).  That last checkpoint is the one that leaves the WAL
 * fully copied, so the next batch starts it over from its beginning
 * (under steady load the background one never catches up alone, and the
 * file would only grow).
 *
 * Durability is SQLite's: a checkpoint copies only committed frames, and
 * the WAL is started over only once all of them are in the synced
 * database file.  The thread's connection uses SQLite's default VFS: it
 * only reads the WAL, frames that are in the file before they are
 * published (walbuf.c).
 */
#include "store/store_int.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/log.h"

/* WAL pages at which the checkpoint thread first copies, and then every CKPT_STEP more. */
#define CKPT_FIRST (WAL_CHECKPOINT_PAGES / 2)
#define CKPT_STEP  (WAL_CHECKPOINT_PAGES / 5)

struct ckpt {
	sqlite3 *db;                    /* the thread's own connection */
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int wanted;                     /* the writer asked for a checkpoint (mu) */
	int stopping;                   /* (mu) */
	atomic_int asked;               /* the thread was woken at pages / CKPT_STEP = asked */
};

static void *
ckpt_main(void *arg)
{
	struct ckpt *c = arg;
	int rc, log_pages, copied;

	(void)pthread_setname_np(pthread_self(), "store-ckpt");
	pthread_mutex_lock(&c->mu);
	for (;;) {
		while (!c->wanted && !c->stopping)
			pthread_cond_wait(&c->cv, &c->mu);
		if (c->stopping)
			break;
		c->wanted = 0;
		pthread_mutex_unlock(&c->mu);
		rc = sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log_pages,
		    &copied);
		if (rc != SQLITE_OK && rc != SQLITE_BUSY)
			log_warnx("store: background checkpoint: %s (the writer checkpoints itself)",
			    sqlite3_errmsg(c->db));
		pthread_mutex_lock(&c->mu);
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

/*
 * The writer connection's WAL hook, after each commit (on the writer's
 * thread, the store's lock held): SQLite's own checkpoint at
 * WAL_CHECKPOINT_PAGES, the thread woken at CKPT_FIRST and every
 * CKPT_STEP after.
 */
static int
wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct ckpt *c = arg;
	int step = pages / CKPT_STEP;

	if (pages >= WAL_CHECKPOINT_PAGES) {
		(void)sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		atomic_store(&c->asked, 0);
	} else if (step < atomic_load(&c->asked))
		atomic_store(&c->asked, step);  /* the WAL started over meanwhile */
	else if (pages >= CKPT_FIRST && step > atomic_load(&c->asked)) {
		atomic_store(&c->asked, step);
		pthread_mutex_lock(&c->mu);
		c->wanted = 1;
		pthread_cond_signal(&c->cv);
		pthread_mutex_unlock(&c->mu);
	}
	return SQLITE_OK;
}

int
ckpt_start(struct store *s, const char *path, char *err, size_t errsz)
{
	struct ckpt *c = xcalloc(1, sizeof *c);

	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	atomic_init(&c->asked, 0);
	if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX |
	    SQLITE_OPEN_URI, NULL) != SQLITE_OK ||
	    sqlite3_exec(c->db, "PRAGMA synchronous = FULL", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(c->db, "PRAGMA wal_autocheckpoint = 0", NULL, NULL, NULL) != SQLITE_OK) {
		errf(err, errsz, "%s: checkpoint connection: %s", path,
		    c->db != NULL ? sqlite3_errmsg(c->db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(c->db, 2000);
	if (pthread_create(&c->th, NULL, ckpt_main, c) != 0) {
		errf(err, errsz, "cannot start the checkpoint thread");
		goto fail;
	}
	/* Replaces SQLite's automatic checkpoint on the writer's connection. */
	(void)sqlite3_wal_hook(s->db, wal_hook, c);
	s->ckpt = c;
	return 0;
fail:
	sqlite3_close(c->db);
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mu);
	free(c);
	return -1;
}

void
ckpt_stop(struct store *s)
{
	struct ckpt *c = s->ckpt;

	if (c == NULL)
		return;
	(void)sqlite3_wal_hook(s->db, NULL, NULL);
	pthread_mutex_lock(&c->mu);
	c->stopping = 1;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
	pthread_join(c->th, NULL);
	sqlite3_close(c->db);
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mu);
	free(c);
	s->ckpt = NULL;
}
