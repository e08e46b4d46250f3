/*
 * commit: the store's group-commit writer (contract: store_begin,
 * store_run, store_commit in store.h).
 *
 * One connection is shared by every thread.  A recursive mutex serialises
 * them: store_begin() takes it and keeps it until commit or rollback, so a
 * transaction runs alone, and every other function takes it around its own
 * statements (recursive, so it also works inside a transaction).  A
 * transaction given to store_run() is run by the committer thread itself,
 * which holds the mutex while it runs the queued ones back to back.
 */
#include "store/store_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <sys/resource.h>

#include "util/log.h"

/*
 * Group commit.  A transaction of a caller (store_begin .. store_commit)
 * is a savepoint inside one shared SQLite transaction, the open batch; the
 * committer thread commits the batch -- one fsync for every transaction in
 * it -- and wakes the callers, whose store_commit() returns only then.
 * While one batch is being committed (the lock held), the next callers
 * queue on the lock and form the next batch, so a burst shares its fsyncs
 * while a lone message still commits at once.
 */
#define WRITER_NICE   (-10)     /* the writer thread's nice value, if allowed */

/*
 * A transaction handed to the committer: by store_run() on its caller's
 * stack; by store_run_later() and store_run_async() on the heap.
 */
struct store_job {
	store_tx_fn fn;
	void *arg;
	struct store_job *next;
	enum { JOB_QUEUED, JOB_IN_BATCH, JOB_DONE } state;
	int nowait;                     /* store_run_step: answered once in the batch */
	void (*later)(void *);          /* store_run_later: nobody waits; the job is
	                                   the heap's and later(arg) ends it */
	store_done_fn async;            /* store_run_async: nobody sleeps on cv; the job
	                                   is the heap's and async(async_arg, ret, err)
	                                   ends it once its outcome is known */
	void *async_arg;
	struct store_job *anext;        /* async jobs whose outcome is known (wake_all) */
	int durable;                    /* fn called store_tx_durable(): answered once
	                                   the batch is on disk, even if fn only read */
	int ret;                        /* JOB_DONE: fn's 1, or -1 (or a step's 0) */
	uint64_t batch;                 /* JOB_IN_BATCH: the batch that holds it */
	pthread_cond_t cv;              /* its caller waits here until go (with cmu):
	                                   woken alone, not with every waiter */
	int go;                         /* its caller may return (state says how) */
	struct store_job *wnext;        /* the next caller to wake: each caller woken
	                                   wakes the next one, not the writer */
	int ended;                      /* its batch ended (batch_end): bret says how */
	int bret;                       /* 0 committed, -1 lost (err says why) */
	char err[256];
};
#define GATHER_NS     3000000L  /* longest wait for queued callers before a commit */

/* This thread counted itself in arriving with store_expect(). */
static _Thread_local struct store *expecting;

static int batch_result(struct store *s, uint64_t id);

void
store_expect(struct store *s)
{
	if (s->pg != NULL)
		return;         /* no batch to hold open: PostgreSQL groups commits */
	if (expecting == s)
		return;
	store_expect_end(expecting);
	atomic_fetch_add(&s->arriving, 1);
	expecting = s;
}

void
store_expect_end(struct store *s)
{
	if (s == NULL || s->pg != NULL || expecting != s)
		return;
	expecting = NULL;
	/* The last one on the way gave up: the gathering need not wait for it. */
	if (atomic_fetch_sub(&s->arriving, 1) == 1) {
		pthread_mutex_lock(&s->cmu);
		pthread_cond_signal(&s->kick_cv);
		pthread_mutex_unlock(&s->cmu);
	}
}

/* Wakes the committer to commit the open batch. */
static void
kick(struct store *s)
{
	pthread_mutex_lock(&s->cmu);
	s->kicked = 1;
	pthread_cond_signal(&s->kick_cv);
	pthread_mutex_unlock(&s->cmu);
}

int
store_begin(struct store *s)
{
	if (s->pg != NULL)
		return pg_begin(s);
	if (expecting != s)
		atomic_fetch_add(&s->arriving, 1);
	expecting = NULL;
	db_lock(s);
	atomic_fetch_sub(&s->arriving, 1);
	(void)commit_batch_lost(s);
	if (!s->batch_open) {
		if (stmt_do(s, ST_BEGIN, "begin") == -1) {
			db_unlock(s);
			return -1;
		}
		s->batch_open = 1;
		s->batch++;
	}
	if (stmt_do(s, ST_MEMBER_BEGIN, "begin") == -1) {
		db_unlock(s);
		kick(s);        /* the batch may hold others' work: not left open */
		return -1;
	}
	s->member_open = 1;
	s->member_failed = 0;
	s->member_lost = 0;
	return 0;
}

int
store_commit(struct store *s)
{
	uint64_t mine;
	int ret;

	if (s->pg != NULL)
		return pg_commit(s);
	if (s->member_failed || commit_batch_lost(s)) {
		/* A write failed and its caller went on: db_errbuf says which. */
		store_rollback(s);
		return -1;
	}
	s->member_open = 0;
	if (stmt_do(s, ST_MEMBER_RELEASE, "commit") == -1) {
		s->member_open = 1;
		store_rollback(s);
		return -1;
	}
	/*
	 * Ours is in the open batch: let go of the store (the next callers
	 * join the batch meanwhile) and sleep until the committer has made
	 * it durable.
	 */
	mine = s->batch;
	s->waiting++;
	db_unlock(s);
	pthread_mutex_lock(&s->cmu);
	s->kicked = 1;
	pthread_cond_signal(&s->kick_cv);
	while (s->committed < mine)
		pthread_cond_wait(&s->done_cv, &s->cmu);
	ret = batch_result(s, mine);
	pthread_mutex_unlock(&s->cmu);
	return ret;
}

/* Undoes the open member transaction; 1 when the batch is still open. */
static int
member_undo(struct store *s)
{
	(void)commit_batch_lost(s);
	s->member_open = 0;
	s->member_failed = 0;
	s->member_lost = 0;
	if (s->batch_open) {
		if (stmt_do(s, ST_MEMBER_UNDO, "rollback") != -1)
			(void)stmt_do(s, ST_MEMBER_RELEASE, "rollback");
		return 1;
	}
	s->batch_open = 0;
	return 0;
}

void
store_rollback(struct store *s)
{
	/*
	 * Undo ours only: the batch may hold other callers' work.  SQLite may
	 * have rolled the whole transaction back already (I/O error, full
	 * disk); then the batch is gone and its waiters learn it at commit.
	 */
	int open;

	if (s->pg != NULL) {
		pg_rollback(s);
		return;
	}
	open = member_undo(s);

	db_unlock(s);
	/* Nobody else may wait on this batch: commit it anyway (cheap, empty or not). */
	if (open)
		kick(s);
}

/* deadline = now + ns */
static void
deadline_in(struct timespec *deadline, long ns)
{
	clock_gettime(CLOCK_MONOTONIC, deadline);
	deadline->tv_nsec += ns;
	if (deadline->tv_nsec >= 1000000000L) {
		deadline->tv_sec++;
		deadline->tv_nsec -= 1000000000L;
	}
}

static int
deadline_passed(const struct timespec *deadline)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > deadline->tv_sec || (now.tv_sec == deadline->tv_sec &&
	    now.tv_nsec >= deadline->tv_nsec);
}

/*
 * Wakes the first caller of a chain (cmu held); each caller woken wakes
 * the next one itself (run_queued), so that the writer makes one wake-up
 * per batch or run of jobs instead of one per caller (perf: a futex wake
 * per job was a fifth of the writer thread's time).  A caller leaves only
 * once it was woken this way, so a job is never left while the one before
 * it still points at it.
 */
static void
wake_chain(struct store_job *first)
{
	if (first == NULL)
		return;
	first->go = 1;
	pthread_cond_signal(&first->cv);
}

/*
 * What a job's caller gets once it may go (cmu held): store_run's return,
 * with the reason of a -1 in db_errbuf.
 */
static int
job_outcome(struct store *s, struct store_job *job)
{
	int ret;

	if (job->state == JOB_DONE) {
		ret = job->ret;
		if (ret < 0)
			(void)snprintf(db_errbuf, sizeof db_errbuf, "%s", job->err);
	} else if (job->ended) {
		ret = job->bret == 0 ? job->ret : -1;   /* job->ret: 0, or 1 for a durable read */
		if (ret < 0)
			(void)snprintf(db_errbuf, sizeof db_errbuf, "%s", job->err);
	} else if ((ret = batch_result(s, job->batch)) == 0)
		ret = job->ret;
	return ret;
}

/*
 * Lets every job of a list (chained by wnext) go, cmu held: the callers
 * of store_run by the chain (wake_chain), each store_run_async job with
 * its outcome in ->ret and ->err, put on *async for async_done() once
 * cmu is let go.
 */
static void
wake_all(struct store *s, struct store_job *list, struct store_job **async)
{
	struct store_job *job, *next, *chain = NULL, **tail = &chain;

	for (job = list; job != NULL; job = next) {
		next = job->wnext;
		if (job->async == NULL) {
			*tail = job;
			tail = &job->wnext;
			continue;
		}
		job->ret = job_outcome(s, job);
		if (job->ret < 0)
			(void)str_copy(job->err, sizeof job->err, db_errbuf);
		job->anext = *async;
		*async = job;
	}
	*tail = NULL;
	wake_chain(chain);
}

/* The store_run_async jobs wake_all() set aside: told, and freed (cmu not held). */
static void
async_done(struct store_job *list)
{
	struct store_job *job, *next;

	for (job = list; job != NULL; job = next) {
		next = job->anext;
		job->async(job->async_arg, job->ret, job->ret < 0 ? job->err : "");
		free(job);
	}
}

/*
 * Runs one job as a member of the open batch (opening it if need be), on
 * the committer's thread with the store's lock held.  Sets job->ret to 0
 * (in the batch), fn's 1 or -1 (undone, with err).
 */
static void
run_job(struct store *s, struct store_job *job)
{
	int r;

	(void)commit_batch_lost(s);
	if (!s->batch_open) {
		if (stmt_do(s, ST_BEGIN, "begin") == -1) {
			job->ret = -1;
			(void)str_copy(job->err, sizeof job->err, db_errbuf);
			return;
		}
		s->batch_open = 1;
		s->batch++;
	}
	if (stmt_do(s, ST_MEMBER_BEGIN, "begin") == -1) {
		job->ret = -1;
		(void)str_copy(job->err, sizeof job->err, db_errbuf);
		return;
	}
	s->member_open = 1;
	s->member_failed = 0;
	s->member_lost = 0;
	s->cur_job = job;
	r = job->fn(s, job->arg);
	s->cur_job = NULL;
	if (r == 0 && (s->member_failed || commit_batch_lost(s)))
		r = -1;                 /* a write failed half done and fn went on */
	if (r == 0) {
		s->member_open = 0;
		if (stmt_do(s, ST_MEMBER_RELEASE, "commit") == -1) {
			s->member_open = 1;
			r = -1;
		}
	}
	/*
	 * The batch it joined, now: a later job may see this batch rolled
	 * back and open another before this one is marked in a batch.
	 */
	job->batch = s->batch;
	if (r != 0) {
		if (r < 0)
			(void)str_copy(job->err, sizeof job->err, db_errbuf);
		(void)member_undo(s);
	}
	job->ret = r;
}

/*
 * Runs every queued job (the store's lock held) and tells their callers
 * how each went: in the open batch, or over without it.  0 when there was
 * none.
 */
static int
run_jobs(struct store *s)
{
	struct store_job *list, *job, *next, *now = NULL, **now_tail = &now, *async = NULL;

	pthread_mutex_lock(&s->cmu);
	list = s->jobs;
	s->jobs = NULL;
	s->jobs_tail = &s->jobs;
	pthread_mutex_unlock(&s->cmu);
	if (list == NULL)
		return 0;
	for (job = list; job != NULL; job = job->next)
		run_job(s, job);
	pthread_mutex_lock(&s->cmu);
	for (job = list; job != NULL; job = next) {
		/*
		 * job may be gone once its state is set and cmu let go: its
		 * caller is woken here, under cmu, each on its own (a broadcast
		 * woke every caller of the store for each job: perf, USSD).
		 */
		next = job->next;
		if (job->later != NULL) {
			/* Nobody waits: counted with the batch, or said why not. */
			if (job->ret == 0)
				s->steps++;
			else if (job->ret < 0)
				log_warnx("store: a write nobody waited for was not stored: %s",
				    job->err);
			job->later(job->arg);
			free(job);
			continue;
		}
		if (job->ret == 0 && job->nowait && !job->durable &&
		    job->batch == s->batch && s->batch_open) {
			/*
			 * A step: its writes are in the open batch, where every
			 * later transaction (a retry, the next step) reads them;
			 * answered now, committed with the batch.
			 */
			job->state = JOB_DONE;
			s->steps++;
		} else if (job->ret == 0 || (job->ret == 1 && job->durable)) {
			/*
			 * In the batch; or it only read, but shows what it read
			 * (a ticket number), which may be in this batch only:
			 * answered once the batch is on disk, -1 if it was lost.
			 */
			job->state = JOB_IN_BATCH;
			if (job->batch == s->batch && s->batch_open) {
				s->waiting++;
				/* woken by batch_end */
				job->wnext = NULL;
				*s->bwait_tail = job;
				s->bwait_tail = &job->wnext;
				continue;
			}
			/* else its batch was lost meanwhile: -1 from batch_result */
		} else
			job->state = JOB_DONE;
		job->wnext = NULL;
		*now_tail = job;
		now_tail = &job->wnext;
	}
	wake_all(s, now, &async);
	pthread_mutex_unlock(&s->cmu);
	async_done(async);
	return 1;
}

/*
 * Ends the open batch (the store's lock held): records how it went, 0 or
 * -1 with msg, and wakes everyone who waits for it.
 */
static void
batch_end(struct store *s, int ret, const char *msg)
{
	struct store_job *job, *async = NULL;
	uint64_t id = s->batch;
	int slot = (int)(id % BATCH_RESULTS);

	s->batch_open = 0;
	s->commits++;
	pthread_mutex_lock(&s->cmu);
	s->grouped += (unsigned long)s->waiting + (unsigned long)s->steps;
	s->waiting = 0;
	s->steps = 0;
	s->result[slot] = ret;
	s->result_of[slot] = id;
	if (ret != 0)
		(void)str_copy(s->result_msg[slot], sizeof(s->result_msg[0]), msg);
	s->committed = id;
	/*
	 * Each waiting job gets the outcome in itself: a caller that the
	 * machine leaves asleep for a while (64 threads on 2 CPUs) would
	 * find the batch's slot in result[] taken by a later batch ("outcome
	 * no longer known", a 503 for a committed ticket: seen in make bench).
	 */
	for (job = s->bwait; job != NULL; job = job->wnext) {
		job->ended = 1;
		job->bret = ret;
		if (ret != 0)
			(void)str_copy(job->err, sizeof job->err, msg);
	}
	pthread_cond_broadcast(&s->done_cv);
	wake_all(s, s->bwait, &async);
	s->bwait = NULL;
	s->bwait_tail = &s->bwait;
	pthread_mutex_unlock(&s->cmu);
	async_done(async);
}

/*
 * 1 when SQLite rolled the open batch back by itself (after an I/O error,
 * a full disk or out of memory inside a statement: it is no longer in a
 * transaction): the batch is ended as failed, so that every transaction
 * in it, and every caller waiting for it, gets -1, never the success of a
 * batch opened after it.  A member transaction still open in it can
 * only roll back.  0 when the batch (if any) is intact.
 */
int
commit_batch_lost(struct store *s)
{
	char msg[sizeof s->result_msg[0]];

	if (s->pg != NULL || !s->batch_open || !sqlite3_get_autocommit(s->db))
		return 0;
	(void)snprintf(msg, sizeof msg, "the database rolled back the transaction (%.100s)",
	    db_errbuf[0] != '\0' ? db_errbuf : "no reason given");
	if (s->member_open) {
		s->member_failed = 1;
		s->member_lost = 1;
	}
	log_warnx("store: %s", msg);
	batch_end(s, -1, msg);
	return 1;
}

/* A finished batch's result for its waiter (cmu held); db_errbuf set on -1. */
static int
batch_result(struct store *s, uint64_t id)
{
	int slot = (int)(id % BATCH_RESULTS);

	if (s->result_of[slot] != id) {
		/* Overwritten by a batch BATCH_RESULTS later: unknown, so not committed. */
		(void)snprintf(db_errbuf, sizeof db_errbuf, "commit: outcome of batch %" PRIu64
		    " no longer known", id);
		return -1;
	}
	if (s->result[slot] != 0)
		(void)snprintf(db_errbuf, sizeof db_errbuf, "%s", s->result_msg[slot]);
	return s->result[slot];
}

/*
 * 1 when the database file is no longer at its path (deleted, or renamed
 * away): what would be committed now goes to a file nobody will open
 * again, and a restart starts on a new, empty one.  One stat(2).
 */
static int
file_moved(struct store *s)
{
	int moved = 0;

	if (sqlite3_file_control(s->db, "main", SQLITE_FCNTL_HAS_MOVED, &moved) != SQLITE_OK)
		return 0;
	return moved != 0;
}

/* Commits the open batch and wakes everyone in it; the store's lock held. */
static void
commit_batch(struct store *s)
{
	char msg[sizeof s->result_msg[0]];

	if (commit_batch_lost(s))
		return;                 /* rolled back already: its waiters know */
	if (file_moved(s)) {
		/* Never acknowledge what a restart would not find. */
		(void)snprintf(msg, sizeof msg, "commit: the database file was deleted or "
		    "moved away while open: restart aduan on it");
		if (!s->moved_logged)
			log_warnx("store: %s", msg);
		s->moved_logged = 1;
		stmt_try(s, ST_ROLLBACK);
		batch_end(s, -1, msg);
		return;
	}
	s->moved_logged = 0;
	if (stmt_do(s, ST_COMMIT, "commit") == -1) {
		if (!s->batch_open)
			return;         /* db_fail saw the rollback and ended it */
		stmt_try(s, ST_ROLLBACK);
		batch_end(s, -1, db_errbuf);
		return;
	}
	batch_end(s, 0, NULL);
}

/*
 * The committer: runs the jobs of store_run() and commits open batches for
 * as long as the store is open.  A batch gathers what arrives while it is
 * open -- jobs, and callers of store_begin() let in whenever the
 * committer waits -- for at most GATHER_NS, and no longer than something
 * is on the way (queued, waiting for the store, or announced with
 * store_expect), so that a burst shares one fsync while a lone message
 * commits at once.  Lock order: the store's lock, then cmu.
 */
static void *
committer(void *arg)
{
	struct store *s = arg;
	struct timespec deadline;
	int stop;

	(void)pthread_setname_np(pthread_self(), "store-commit");     /* top -H */
	/*
	 * Every request waits for this thread, and after each commit dozens
	 * of HTTP threads wake at once and would share the CPUs with it
	 * equally: ask for a higher priority (perf: a quarter more messages
	 * per second on 2 CPUs).  On Linux this is the thread's own nice
	 * value; it needs root, CAP_SYS_NICE or RLIMIT_NICE, else it stays.
	 */
	if (setpriority(PRIO_PROCESS, 0, WRITER_NICE) != 0)
		log_debug("store: the writer thread keeps its priority (%s)", strerror(errno));
	for (;;) {
		pthread_mutex_lock(&s->cmu);
		while (s->jobs == NULL && !s->kicked && !s->stopping) {
			s->idle = 1;
			pthread_cond_wait(&s->kick_cv, &s->cmu);
			s->idle = 0;
		}
		s->kicked = 0;
		stop = s->stopping;
		pthread_mutex_unlock(&s->cmu);

		db_lock(s);
		deadline_in(&deadline, GATHER_NS);
		for (;;) {
			(void)run_jobs(s);
			if (!s->batch_open || deadline_passed(&deadline))
				break;
			pthread_mutex_lock(&s->cmu);
			stop = s->stopping;
			if (s->jobs != NULL) {
				pthread_mutex_unlock(&s->cmu);
				continue;
			}
			if (stop || (atomic_load(&s->arriving) == 0 && s->waiting > 0)) {
				pthread_mutex_unlock(&s->cmu);
				break;
			}
			/*
			 * Someone is on the way, or nobody waits for this batch (it
			 * holds steps only, answered already): let callers of
			 * store_begin in meanwhile, and the next steps join it.
			 */
			db_unlock(s);
			s->kicked = 0;
			(void)pthread_cond_timedwait(&s->kick_cv, &s->cmu, &deadline);
			pthread_mutex_unlock(&s->cmu);
			db_lock(s);
		}
		if (s->batch_open)
			commit_batch(s);
		db_unlock(s);
		if (stop) {
			pthread_mutex_lock(&s->cmu);
			stop = s->jobs == NULL;
			pthread_mutex_unlock(&s->cmu);
			if (stop)
				break;
		}
	}
	return NULL;
}

/*
 * Queues job for the committer and wakes it (cmu held).  -1 when the
 * store is closing (db_errbuf says so), nothing queued.
 */
static int
enqueue(struct store *s, struct store_job *job)
{
	if (s->stopping) {
		(void)snprintf(db_errbuf, sizeof db_errbuf, "the store is closing");
		return -1;
	}
	*s->jobs_tail = job;
	s->jobs_tail = &job->next;
	if (expecting == s) {
		/* Queued now: no longer only on the way (under cmu, so never neither). */
		expecting = NULL;
		atomic_fetch_sub(&s->arriving, 1);
	}
	pthread_cond_signal(&s->kick_cv);
	return 0;
}

static int
run_queued(struct store *s, store_tx_fn fn, void *arg, int nowait)
{
	struct store_job job;
	int ret;

	memset(&job, 0, sizeof job);
	job.fn = fn;
	job.arg = arg;
	job.nowait = nowait;
	job.state = JOB_QUEUED;
	pthread_cond_init(&job.cv, NULL);
	pthread_mutex_lock(&s->cmu);
	if (enqueue(s, &job) != 0) {
		pthread_mutex_unlock(&s->cmu);
		pthread_cond_destroy(&job.cv);
		return -1;
	}
	while (!job.go)
		pthread_cond_wait(&job.cv, &s->cmu);
	wake_chain(job.wnext);
	pthread_cond_destroy(&job.cv);
	ret = job_outcome(s, &job);
	pthread_mutex_unlock(&s->cmu);
	return ret;
}

int
store_run(struct store *s, store_tx_fn fn, void *arg)
{
	if (s->pg != NULL)
		return pg_run(s, fn, arg);
	return run_queued(s, fn, arg, 0);
}

int
store_run_step(struct store *s, store_tx_fn fn, void *arg)
{
	if (s->pg != NULL)
		return pg_run(s, fn, arg);      /* committed before it returns */
	return run_queued(s, fn, arg, 1);
}

void
store_run_async(struct store *s, store_tx_fn fn, void *arg, int nowait, store_done_fn done,
    void *done_arg)
{
	struct store_job *job;
	int ret;

	if (s->pg != NULL) {
		/* No batch to join: run now, in this thread. */
		ret = pg_run(s, fn, arg);
		done(done_arg, ret, ret < 0 ? store_errmsg() : "");
		return;
	}
	job = xcalloc(1, sizeof *job);
	job->fn = fn;
	job->arg = arg;
	job->nowait = nowait;
	job->async = done;
	job->async_arg = done_arg;
	job->state = JOB_QUEUED;
	pthread_mutex_lock(&s->cmu);
	ret = enqueue(s, job);
	pthread_mutex_unlock(&s->cmu);
	if (ret != 0) {
		free(job);
		done(done_arg, -1, store_errmsg());
	}
}

int
store_run_later(struct store *s, store_tx_fn fn, void *arg, void (*done)(void *))
{
	struct store_job *job;
	int ret;

	if (s->pg != NULL) {
		/* No batch to join: run now, in this thread. */
		ret = pg_run(s, fn, arg);
		done(arg);
		return ret < 0 ? -1 : 0;
	}
	job = xcalloc(1, sizeof *job);
	job->fn = fn;
	job->arg = arg;
	job->nowait = 1;
	job->later = done;
	job->state = JOB_QUEUED;
	pthread_mutex_lock(&s->cmu);
	if (s->stopping) {
		pthread_mutex_unlock(&s->cmu);
		free(job);
		done(arg);
		(void)snprintf(db_errbuf, sizeof db_errbuf, "the store is closing");
		return -1;
	}
	*s->jobs_tail = job;
	s->jobs_tail = &job->next;
	/*
	 * A committer gathering a batch runs it with the batch's other jobs
	 * when its wait ends (at most GATHER_NS): waking it for each one cost
	 * a context switch per job.  Only a committer asleep with no batch
	 * must be woken.
	 */
	if (s->idle)
		pthread_cond_signal(&s->kick_cv);
	pthread_mutex_unlock(&s->cmu);
	return 0;
}

void
store_tx_durable(struct store *s)
{
	/* Only ever set and read on the committer's thread, the store's lock held. */
	if (s->pg == NULL && s->cur_job != NULL)
		s->cur_job->durable = 1;
}

int
commit_start(struct store *s, char *err, size_t errsz)
{
	pthread_condattr_t ca;

	atomic_init(&s->arriving, 0);
	s->jobs = NULL;
	s->jobs_tail = &s->jobs;
	s->bwait = NULL;
	s->bwait_tail = &s->bwait;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->kick_cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&s->cmu, NULL);
	pthread_cond_init(&s->done_cv, NULL);
	if (pthread_create(&s->committer, NULL, committer, s) != 0) {
		errf(err, errsz, "cannot start the commit thread");
		return -1;
	}
	s->committer_running = 1;
	return 0;
}

void
commit_stop(struct store *s)
{
	if (!s->committer_running)
		return;
	pthread_mutex_lock(&s->cmu);
	s->stopping = 1;
	pthread_cond_broadcast(&s->kick_cv);
	pthread_mutex_unlock(&s->cmu);
	pthread_join(s->committer, NULL);
	s->committer_running = 0;
	pthread_cond_destroy(&s->kick_cv);
	pthread_cond_destroy(&s->done_cv);
	pthread_mutex_destroy(&s->cmu);
}

void
store_commit_stats(struct store *s, unsigned long *commits, unsigned long *transactions)
{
	if (s->pg != NULL) {
		*commits = *transactions = pg_commits(s);
		return;
	}
	db_lock(s);
	*commits = s->commits;
	*transactions = s->grouped;
	db_unlock(s);
}
