/*
 * intake's private header: what the files of intake/ share.  Nothing
 * outside intake/ includes it; intake.h is the contract.
 *
 *   sms.c           the SMS use case: dedup, read, guard, command, store, reply
 *   parts.c         long messages: parts kept and joined; the tick for those
 *                   whose parts never all came; the purges
 *   ussd_session.c  the USSD flow around the menu machine (ussd.c): sessions
 *   ussd_cache.c    the live USSD sessions of this process, in memory
 *   endpoints.c     the HTTP handlers: gateway callbacks, /healthz, /metrics
 *   reply.c         the texts the citizen reads, from the config's templates
 *   guard.c         the flood and loop guard (guard.h)
 */
#ifndef ADUAN_INTAKE_INTERNAL_H
#define ADUAN_INTAKE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "intake/intake.h"
#include "util/util.h"

/* ---- reply.c ------------------------------------------------------------ */

/* A template's variables: names and values borrowed, at most 8 (more are dropped). */
struct reply_vars {
	const char *names[8];
	const char *values[8];
	size_t n;
};

void reply_var(struct reply_vars *v, const char *name, const char *value);

/* Template r in language l with v into out: GSM-7 only, at most 3 SMS parts. */
void reply_render(struct intake *ix, enum lang l, enum conf_reply r,
    const struct reply_vars *v, char *out, size_t outsz);

/* The help text: the rules' keywords in language l while the text stays short. */
void reply_help(struct intake *ix, enum lang l, char *out, size_t outsz);

/*
 * A ticket's status for its reporter; note (the agency's last public note,
 * or NULL) is cut in place at a word until the reply fits.
 */
void reply_status(struct intake *ix, enum lang l, const struct store_complaint *c, char *note,
    char *out, size_t outsz);

/* A new complaint's receipt (ticket number, agency, category) as routed by d. */
void reply_receipt(struct intake *ix, enum lang l, const struct route_decision *d,
    const char *ticket, char *out, size_t outsz);

/* The agency's short name for a citizen's screen (id when unknown); borrowed from c. */
const char *reply_agency_short(const struct conf *c, const char *id);

/* t as a citizen reads a date: dd/mm/yyyy, local time. */
void reply_date(int64_t t, char *buf, size_t bufsz);

/* ---- parts.c ------------------------------------------------------------ */

/*
 * Inside the caller's transaction: keeps the part in; when all are here,
 * fills *whole with the joined message (heap text: sms_in_clear) and
 * forgets the parts.  1 whole, 0 more to come (or a repeat), -1 store error.
 */
int parts_join(struct intake *ix, const struct gateway *gw, const struct sms_in *in,
    struct sms_in *whole);

/* ---- endpoints.c -------------------------------------------------------- */

struct live_snap;

/*
 * A request's view of the config: *local is *ix with the live snapshot's
 * conf and route table (when ix->live is set), for the whole request, so a
 * reload in the middle of a message changes nothing for it.  Every pin is
 * followed by one intake_unpin() with what it returned.
 */
const struct live_snap *intake_pin(const struct intake *ix, struct intake *local);
void intake_unpin(const struct intake *ix, const struct live_snap *snap);

/* ---- ussd_cache.c ------------------------------------------------------- */

/*
 * A live session as this process last stored it.  Only the request that
 * took it (ussd_cache_take) reads or writes it, until ussd_cache_give.
 */
struct ussd_cached {
	int loaded;                     /* 1: row is the session's row in the store */
	int created;                    /* ussd_cache_take made it now: this process
	                                   never held the session, or let it go */
	/*
	 * Steps of the session on their way through the store's writer
	 * (ussd_session.c): while one is, loaded is 0 and the others go that
	 * way too, in order; the newest one's row (issued) is loaded once
	 * none is left on the way.
	 */
	unsigned issued;                /* steps sent to the writer so far */
	int inflight;                   /* of them, not back yet */
	int newest_ok;                  /* the newest one back left its row in row */
	struct store_ussd row;
};

struct ussd_cache *ussd_cache_new(void);
/* Frees every entry; no request may hold one. */
void ussd_cache_free(struct ussd_cache *c);

/*
 * The entry of session (gateway, id), made (not loaded) if there is none,
 * held by the caller until ussd_cache_give: a second request of the
 * session waits here.  Entries not taken for longer than timeout seconds
 * are evicted now and then.  NULL when the cache is full of live sessions
 * (or the key is too long): then the session is not cached.
 */
struct ussd_cached *ussd_cache_take(struct ussd_cache *c, const char *gateway, const char *id,
    int64_t now, int64_t timeout);

/* Lets go of an entry; with drop, the session leaves the cache (it ended). */
void ussd_cache_give(struct ussd_cache *c, struct ussd_cached *u, int drop);
/*
 * Lets go of an entry's mutex but keeps it (a step parked while the writer
 * works it: another request of the session, maybe on this very thread,
 * must not wait for it); ussd_cache_relock takes the mutex back (1 when
 * the store's row was changed behind it meanwhile, ussd_cache_forget: not
 * to be loaded from what the step saw), and ussd_cache_give ends as usual.
 */
void ussd_cache_unlock(struct ussd_cached *u);
int ussd_cache_relock(struct ussd_cached *u);

/*
 * The store's row of (gateway, id) was changed by another session's
 * request: if cached, its next request reloads it.  Takes no entry's mutex.
 */
void ussd_cache_forget(struct ussd_cache *c, const char *gateway, const char *id);

/* ---- shared ------------------------------------------------------------- */

/*
 * A request's wait for the store's writer (intake_sms_start,
 * intake_ussd_start): intake_written, the store_run_async callback on the
 * writer's thread, keeps the outcome here and calls woken(arg).
 */
struct intake_wait {
	int ret;                        /* the writer's: 0, 1 or -1 */
	char err[256];                  /* why, when -1 */
	intake_woken_fn woken;
	void *arg;
};
void intake_written(void *wait, int ret, const char *err);

/* The park of intake_sms and intake_ussd: never parked, the work waits here. */
static inline int
intake_no_park(void *arg)
{
	(void)arg;
	return -1;
}

/*
 * FNV-1a of a gateway's name, a NUL and one of its ids (a message's or a
 * USSD session's): the key of sms.c's recent ids and ussd_cache.c's table.
 */
static inline uint64_t
gateway_key_hash(const char *gateway, const char *id)
{
	return fnv1a(fnv1a(FNV1A_INIT, gateway, strlen(gateway) + 1), id, strlen(id));
}

/* Milliseconds since t0 (CLOCK_MONOTONIC), for a request's log line. */
static inline double
elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

#endif
