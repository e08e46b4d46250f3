/*
 * agency: what agencies and the public see of Aduan over HTTP.  The ticket
 * core they act on (status changes, webhook payloads, the service-level
 * tick) is ticket/.
 *
 *  - The agency API (agency/api.c; bearer tokens per agency, the config
 *    keeps only their SHA-256):
 *      GET  /api/v1/tickets?status=&since=&limit=&cursor=&agency=
 *      GET  /api/v1/tickets/{number}
 *      POST /api/v1/tickets/{number}/events   {"status": ..., "note": ..., ...}
 *    401 bad token, 404 a ticket the agency may not see or none, 403/409
 *    a change it may not make, 400 a bad request (with the reason).
 *  - Open311 GeoReport v2 (agency/open311.c), off unless open311.enabled,
 *    read-only, never a phone number nor a withdrawn or rejected ticket,
 *    rate-limited per address:
 *      /open311/v2/services.json|.xml, /open311/v2/requests.json|.xml,
 *      /open311/v2/requests/{id}.json|.xml
 *    and, for the partner systems of open311.partners (api_key), POST
 *    /open311/v2/requests.json|.xml (agency/open311_post.c) and their own
 *    requests with their Aduan status.
 */
#ifndef ADUAN_AGENCY_H
#define ADUAN_AGENCY_H

#include "conf/conf.h"
#include "net/http.h"
#include "outbox/deliver.h"
#include "store/store.h"

struct live;
struct route_table;

/*
 * Borrowed pointers; deliver may be NULL (nothing to wake).  With live set,
 * each request uses the config in force then (conf/live.h) and conf is
 * ignored.
 */
struct agency_ctx {
	const struct conf *conf;
	struct store *store;
	struct deliver *deliver;
	struct live *live;
	/* The route table of the config in force (set per request from live); NULL: none */
	const struct route_table *rt;
};

/* The HTTP handlers; ctx is a struct agency_ctx. */
void agency_api_handler(void *ctx, const struct http_request *req, struct http_response *res);
void agency_open311_handler(void *ctx, const struct http_request *req, struct http_response *res);

#endif
