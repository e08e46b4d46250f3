/*
 * live: reference-counted snapshots of the configuration.  A mutex guards
 * the pointer to the current snapshot and the counts; readers hold it for
 * nanoseconds, so handlers never wait on a reload (which builds the new
 * snapshot before taking the lock).
 */
#include "conf/live.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "util/util.h"

struct snap {
	struct live_snap pub;           /* first: a live_snap * is a snap * */
	struct conf *conf;
	struct route_table *rt;
	int refs;                       /* readers, plus 1 while current */
};

struct live {
	pthread_mutex_t mu;
	struct snap *cur;
	void (*rt_free)(struct route_table *);
};

static struct snap *
snap_new(struct conf *c, struct route_table *rt)
{
	struct snap *s = xcalloc(1, sizeof *s);

	s->pub.conf = c;
	s->pub.rt = rt;
	s->conf = c;
	s->rt = rt;
	s->refs = 1;
	return s;
}

static void
snap_free(struct live *l, struct snap *s)
{
	l->rt_free(s->rt);
	conf_free(s->conf);
	free(s);
}

struct live *
live_new(struct conf *c, struct route_table *rt, void (*rt_free)(struct route_table *))
{
	struct live *l = xcalloc(1, sizeof *l);

	pthread_mutex_init(&l->mu, NULL);
	l->rt_free = rt_free;
	l->cur = snap_new(c, rt);
	return l;
}

const struct live_snap *
live_get(struct live *l)
{
	struct snap *s;

	pthread_mutex_lock(&l->mu);
	s = l->cur;
	s->refs++;
	pthread_mutex_unlock(&l->mu);
	return &s->pub;
}

void
live_put(struct live *l, const struct live_snap *p)
{
	struct snap *s = (struct snap *)(void *)(uintptr_t)p;
	int last;

	if (p == NULL)
		return;
	pthread_mutex_lock(&l->mu);
	last = --s->refs == 0;
	pthread_mutex_unlock(&l->mu);
	if (last)
		snap_free(l, s);
}

void
live_swap(struct live *l, struct conf *c, struct route_table *rt)
{
	struct snap *n = snap_new(c, rt), *old;
	int last;

	pthread_mutex_lock(&l->mu);
	old = l->cur;
	l->cur = n;
	last = --old->refs == 0;
	pthread_mutex_unlock(&l->mu);
	if (last)
		snap_free(l, old);
}

void
live_free(struct live *l)
{
	if (l == NULL)
		return;
	snap_free(l, l->cur);
	pthread_mutex_destroy(&l->mu);
	free(l);
}
