/*
 * deliver: the delivery policy and the workers that carry outbox rows out
 * of Aduan: agency webhooks (signed JSON), SMS (gateway_send in
 * gateway/gateway.h), email to agencies (SMTP through net/fetch.h's
 * fetch_mail; the message is the row's body as ticket/mail.h wrote it, its
 * envelope the From, To and Cc addresses in it) and tickets forwarded to
 * the hub (an Open311 POST to {hub.url}requests.json, the api_key put in
 * front of the row's form; the hub's service_request_id stored with the
 * ticket and a "forwarded" event, in one transaction; README "Forwarding
 * to a hub").
 *
 * At least once: a row is claimed with a lease, attempted, then marked
 * sent, retried later, or dead.  Retries back off exponentially with
 * jitter (delivery.backoff_initial doubling up to delivery.backoff_max) on
 * timeouts, transport errors, 5xx and 429 (email: no answer, or SMTP 4xx;
 * an SMTP 5xx is final); any other 4xx is final; after
 * delivery.max_attempts the row is dead (`aduan outbox --dead`, `aduan
 * outbox retry ID`).  Rows survive a restart: the workers pick them up.
 *
 * Webhooks: POST the row's body (JSON) to the agency's webhook with
 *   Content-Type: application/json
 *   Idempotency-Key: <the row's idem_key>   (the same on every attempt)
 *   X-Aduan-Signature: t=<unix time>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
 * An agency verifies by recomputing the HMAC over the timestamp, a dot and
 * the raw body with its webhook_secret, comparing in constant time, and
 * rejecting timestamps older than a few minutes.  The body sent is the
 * row's JSON object plus "event_id" (32 hex digits, the same on every
 * attempt of the row) and "seq" (the row id: grows with each event of a
 * ticket), both signed: a replay under a new Idempotency-Key still carries
 * an event_id the agency has seen.
 */
#ifndef ADUAN_DELIVER_H
#define ADUAN_DELIVER_H

#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"
#include "store/store.h"

struct deliver;

/*
 * Starts conf->delivery_workers threads.  They poll the store every second
 * and at once after deliver_wake().  The conf and store must outlive them.
 * NULL with a reason in err.
 */
struct deliver *deliver_start(const struct conf *c, struct store *s, char *err, size_t errsz);
struct live;

/*
 * The same, reading the config in force (conf/live.h) on every pass, so a
 * reload's webhooks and sender apply at once.  The worker count is read at
 * start only.
 */
struct deliver *deliver_start_live(struct live *l, struct store *s, char *err, size_t errsz);

/* Something was queued: look now. */
void deliver_wake(struct deliver *d);
/* Stops the workers after their current attempt; frees d. */
void deliver_stop(struct deliver *d);

/*
 * One pass in the calling thread: claims what is due at `now` and attempts
 * it.  Returns the number of rows attempted, -1 on a store error.
 */
int deliver_run_once(const struct conf *c, struct store *s, int64_t now);

/* Seconds to wait after the attempts-th failed attempt; rnd gives the jitter. */
int64_t deliver_backoff(const struct conf *c, int attempts, uint32_t rnd);

/*
 * Writes the X-Aduan-Signature value for body at time ts into out:
 * "t=<ts>,v1=<HMAC with secret>", and with secret_next (an agency's
 * webhook_secret_next, NULL when none) a second ",v1=<HMAC with
 * secret_next>", so that a receiver that accepts any v1 it can verify
 * keeps working while it switches to the new secret.
 */
void deliver_sign(const char *secret, const char *secret_next, int64_t ts, const char *body,
    size_t len, char *out, size_t outsz);

#endif
