/*
 * outbox/hub: the hub's side of HTTP for the layers above that may not
 * speak it (ticket/hub.c follows the hub's status through here).  The POST
 * of a forwarded ticket is outbox/deliver.c's, as every outbox kind's.
 */
#ifndef ADUAN_OUTBOX_HUB_H
#define ADUAN_OUTBOX_HUB_H

#include <stddef.h>

#include "conf/conf.h"

/* The hub's answer to a GET. */
struct hub_answer {
	long status;            /* HTTP status, 0 when no answer came */
	char *body;             /* heap, NUL-terminated ("" when none); hub_answer_clear */
	size_t len;
	char why[256];          /* no answer: the transport error; else the body quoted */
};

/*
 * GET {hub.url}<what>/<id>.json?api_key=<hub.api_key> (what: "requests",
 * "tokens"), id and key URL-encoded, within delivery.timeout.  0: a 2xx
 * answer; 1: the hub is down (no answer, 5xx, 429); 2: any other answer.
 * a is filled in every case; clear it.
 */
int hub_get(const struct conf *c, const char *what, const char *id, struct hub_answer *a);
void hub_answer_clear(struct hub_answer *a);

/*
 * 1 when id, a hub's service_request_id or token, is fit to keep, put in
 * a URL path and text to a citizen: 1 to 63 of A-Z a-z 0-9 and . _ - : /
 * (GeoReport ids are numbers or short codes).  A hub that answers
 * anything else is answered with a dead row, not an SMS with its bytes.
 */
int hub_id_ok(const char *id);

#endif
