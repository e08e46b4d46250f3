/*
 * live: the configuration in force, swapped whole on reload (SIGHUP,
 * `aduan reload`).  A reader takes a snapshot -- the conf and the routing
 * table built from it -- for the whole of one message, so every message is
 * handled entirely by the old or entirely by the new rules; a snapshot is
 * freed when the last reader that holds it lets go.
 *
 * Ownership: live_new() and live_swap() take the conf and the table; the
 * table is freed with the rt_free function given to live_new().
 */
#ifndef ADUAN_LIVE_H
#define ADUAN_LIVE_H

#include "conf/conf.h"

struct route_table;
struct live;

struct live_snap {
	const struct conf *conf;
	const struct route_table *rt;
};

struct live *live_new(struct conf *c, struct route_table *rt,
    void (*rt_free)(struct route_table *));
/* The snapshot in force, held until live_put().  Never NULL. */
const struct live_snap *live_get(struct live *l);
void live_put(struct live *l, const struct live_snap *s);
/* Puts c and rt in force; the old ones go when no reader holds them. */
void live_swap(struct live *l, struct conf *c, struct route_table *rt);
/* Frees everything; no reader may hold a snapshot. */
void live_free(struct live *l);

#endif
