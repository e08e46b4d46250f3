/*
 * ussd_cache: the live USSD sessions of this process in memory, so that a
 * step that only moves a session is answered without a round trip through
 * the store's writer thread (ussd_session.c; a context switch there and
 * back cost more than the step).  SQLite only: on a shared (PostgreSQL)
 * store other nodes write the same sessions.
 *
 * A hash table of entries keyed by (gateway, session id).  The table's
 * mutex is held only to find, insert or remove an entry; each entry has a
 * mutex of its own that a request holds for its whole handling, so that
 * two requests of one session (a gateway's retry racing its original) are
 * decided one after the other.  An entry is freed only when nobody holds
 * or waits for it (refs, under the table's mutex).  Lock order: an entry's
 * mutex, then the table's; the table's is never held while waiting for an
 * entry's.  The store's writer takes neither.
 */
#include "intake/internal.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

/*
 * Live sessions kept at most.  An entry is a session row (struct
 * store_ussd, ~3.5 kB, most of it the cumulative text) and ~0.2 kB more:
 * ~70 MB when full, which takes 20,000 citizens inside the menu at once
 * (a session that ended leaves at once).  When full of live sessions, a
 * new one is not cached: it takes the store's path, as before the cache.
 */
#define USSD_CACHE_MAX     20000
#define USSD_CACHE_BUCKETS 32768        /* a power of two above USSD_CACHE_MAX */
#define USSD_CACHE_SWEEP   8            /* idle entries looked at per insert */

struct entry {
	struct ussd_cached pub;         /* first: what the holder reads and writes */
	pthread_mutex_t mu;             /* held by the request handling the session */
	char gateway[16];
	char id[128];
	uint32_t hash;
	struct entry *hnext;            /* the bucket's chain */
	struct entry *prev, *next;      /* least recently taken first */
	int refs;                       /* holders and waiters, under the table's mutex */
	int64_t touched;                /* last taken (unix s), under the table's mutex */
	atomic_int stale;               /* the store changed the row: reload before use */
	atomic_int gone;                /* out of the table: the last to leave frees it */
};

struct ussd_cache {
	pthread_mutex_t mu;
	struct entry *buckets[USSD_CACHE_BUCKETS];
	struct entry *oldest, *newest;
	size_t n;
};

struct ussd_cache *
ussd_cache_new(void)
{
	struct ussd_cache *c = xcalloc(1, sizeof *c);

	pthread_mutex_init(&c->mu, NULL);
	return c;
}

static void
entry_free(struct entry *e)
{
	pthread_mutex_destroy(&e->mu);
	free(e);
}

void
ussd_cache_free(struct ussd_cache *c)
{
	struct entry *e, *next;

	if (c == NULL)
		return;
	for (e = c->oldest; e != NULL; e = next) {
		next = e->next;
		entry_free(e);
	}
	pthread_mutex_destroy(&c->mu);
	free(c);
}

/* gateway_key_hash of the session, its halves folded. */
static uint32_t
key_hash(const char *gateway, const char *id)
{
	uint64_t h = gateway_key_hash(gateway, id);

	return (uint32_t)(h ^ (h >> 32));
}

static struct entry *
find(struct ussd_cache *c, uint32_t h, const char *gateway, const char *id)
{
	struct entry *e;

	for (e = c->buckets[h & (USSD_CACHE_BUCKETS - 1)]; e != NULL; e = e->hnext)
		if (e->hash == h && strcmp(e->id, id) == 0 && strcmp(e->gateway, gateway) == 0)
			return e;
	return NULL;
}

static void
lru_unlink(struct ussd_cache *c, struct entry *e)
{
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		c->oldest = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		c->newest = e->prev;
	e->prev = e->next = NULL;
}

static void
lru_append(struct ussd_cache *c, struct entry *e)
{
	e->prev = c->newest;
	e->next = NULL;
	if (c->newest != NULL)
		c->newest->next = e;
	else
		c->oldest = e;
	c->newest = e;
}

/* Takes e out of the table (c->mu held); freed now if nobody holds it. */
static void
unlink_entry(struct ussd_cache *c, struct entry *e)
{
	struct entry **pp = &c->buckets[e->hash & (USSD_CACHE_BUCKETS - 1)];

	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	lru_unlink(c, e);
	c->n--;
	atomic_store(&e->gone, 1);
	if (e->refs == 0)
		entry_free(e);
}

/*
 * Evicts entries nobody holds that were last taken longer than timeout
 * ago, oldest first, at most max of them (c->mu held).  Entries are in
 * the order they were last taken, so the first one still young ends it.
 */
static void
sweep(struct ussd_cache *c, int64_t now, int64_t timeout, int max)
{
	struct entry *e = c->oldest, *next;

	for (; e != NULL && max > 0 && now - e->touched > timeout; e = next, max--) {
		next = e->next;
		if (e->refs == 0)
			unlink_entry(c, e);
	}
}

struct ussd_cached *
ussd_cache_take(struct ussd_cache *c, const char *gateway, const char *id, int64_t now,
    int64_t timeout)
{
	uint32_t h;
	struct entry *e;

	if (strlen(gateway) >= sizeof e->gateway || strlen(id) >= sizeof e->id)
		return NULL;
	h = key_hash(gateway, id);
	pthread_mutex_lock(&c->mu);
	e = find(c, h, gateway, id);
	if (e == NULL) {
		sweep(c, now, timeout, USSD_CACHE_SWEEP);
		if (c->n >= USSD_CACHE_MAX) {
			pthread_mutex_unlock(&c->mu);
			return NULL;
		}
		e = xcalloc(1, sizeof *e);
		pthread_mutex_init(&e->mu, NULL);
		str_copy(e->gateway, sizeof e->gateway, gateway);
		str_copy(e->id, sizeof e->id, id);
		e->hash = h;
		atomic_init(&e->stale, 0);
		atomic_init(&e->gone, 0);
		e->hnext = c->buckets[h & (USSD_CACHE_BUCKETS - 1)];
		c->buckets[h & (USSD_CACHE_BUCKETS - 1)] = e;
		c->n++;
		e->pub.created = 1;
	} else {
		lru_unlink(c, e);
		e->pub.created = 0;
	}
	lru_append(c, e);
	e->touched = now;
	e->refs++;
	pthread_mutex_unlock(&c->mu);

	/* Changed in the store behind it, or no longer the session's entry: reload. */
	if (ussd_cache_relock(&e->pub))
		e->pub.loaded = 0;
	return &e->pub;
}

void
ussd_cache_give(struct ussd_cache *c, struct ussd_cached *u, int drop)
{
	struct entry *e = (struct entry *)u;    /* pub is its first member */

	if (drop)
		e->pub.loaded = 0;
	pthread_mutex_unlock(&e->mu);
	pthread_mutex_lock(&c->mu);
	e->refs--;
	if (drop && !atomic_load(&e->gone))
		unlink_entry(c, e);             /* frees it when refs is 0 */
	else if (e->refs == 0 && atomic_load(&e->gone))
		entry_free(e);
	pthread_mutex_unlock(&c->mu);
}

void
ussd_cache_unlock(struct ussd_cached *u)
{
	pthread_mutex_unlock(&((struct entry *)u)->mu);
}

int
ussd_cache_relock(struct ussd_cached *u)
{
	struct entry *e = (struct entry *)u;

	pthread_mutex_lock(&e->mu);
	return atomic_exchange(&e->stale, 0) || atomic_load(&e->gone);
}

void
ussd_cache_forget(struct ussd_cache *c, const char *gateway, const char *id)
{
	struct entry *e;

	if (strlen(gateway) >= sizeof e->gateway || strlen(id) >= sizeof e->id)
		return;
	pthread_mutex_lock(&c->mu);
	e = find(c, key_hash(gateway, id), gateway, id);
	if (e != NULL)
		atomic_store(&e->stale, 1);
	pthread_mutex_unlock(&c->mu);
}
