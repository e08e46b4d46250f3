/*
 * open: a new complaint, the same for SMS and USSD.  See open.h.  What an
 * opening causes beyond the store (the agency's webhook) goes through the
 * outbox in the same transaction, so a ticket number the citizen reads
 * always has its webhook queued.
 */
#include "ticket/open.h"

#include "sms/ticket.h"
#include "ticket/change.h"
#include "ticket/hub.h"
#include "util/log.h"
#include "util/util.h"

/*
 * Ticket numbers tried before giving up: random numbers seldom meet, so
 * the planned one nearly always stands.
 */
#define OPEN_TICKET_TRIES 20

int
ticket_plan(const struct conf *conf, const struct route_decision *d, const char *phone,
    const char *channel, const char *loc, size_t llen, const char *desc, size_t dlen,
    int64_t now, struct store_complaint *c)
{
	if (ticket_new(c->ticket) != 0)
		return -1;
	str_copy(c->phone, sizeof c->phone, phone);
	str_copy(c->channel, sizeof c->channel, channel);
	str_copy(c->keyword, sizeof c->keyword, d->rule >= 0 ? conf->rules[d->rule].keyword : "");
	str_copy(c->agency, sizeof c->agency, conf->agencies[d->agency].id);
	str_copy(c->region, sizeof c->region, d->region >= 0 ? conf->regions[d->region].id : "");
	str_copy(c->status, sizeof c->status, "received");
	c->location = llen > 0 ? xstrndup(loc, llen) : NULL;
	c->description = xstrndup(desc, dlen);
	c->route_explain = xstrdup(d->explain);
	str_copy(c->config_hash, sizeof c->config_hash, conf->hash);
	c->created_at = now;
	ticket_sla_init(conf, c, now);
	return 0;
}

int
ticket_open(const struct conf *conf, struct store *s, const struct route_decision *d,
    struct store_complaint *c, int64_t now)
{
	int i, r, h;

	for (i = 0; i < OPEN_TICKET_TRIES; i++) {
		r = store_ticket_exists(s, c->ticket);
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		if (ticket_new(c->ticket) != 0)
			return -1;
	}
	if (i == OPEN_TICKET_TRIES) {
		log_error("no free ticket number after %d tries", OPEN_TICKET_TRIES);
		return -1;
	}
	r = d->rule >= 0 ? store_complaint_add_routed(s, c, d->explain) :
	    store_complaint_add(s, c);
	if (r == 0)
		r = ticket_queue_created(conf, s, c, now);
	/* A ticket the hub takes too: its row in the same transaction. */
	if (r >= 0 && (h = ticket_hub_queue(conf, s, c, now)) != 0)
		r = h < 0 ? -1 : 1;
	return r;
}
