/*
 * gateway: the adapter interface every SMS gateway implements, one file per
 * gateway (gateway/kannel.c, ...), in the manner of Kannel's smscconn_p.h.
 * Each file holds its gateway whole: inbound decode, reply encode, outbound
 * send and delivery reports; gateway/gateway.c holds the table and what the
 * adapters share.
 *
 * The contract:
 *  - decode_sms() authenticates the request and turns it into messages:
 *    in[0..*n), at most max (one for most gateways; Infobip batches
 *    several).  It returns 0, or an HTTP status (400 malformed, 403 not
 *    authenticated, 404 gateway disabled in the config, 413 text too large)
 *    with a short plain-English reason in err; on failure *n is 0 and
 *    nothing needs clearing.  It must not touch the store and must not
 *    trust anything in the request: every length is checked.
 *  - reply_inline: 1 when the gateway sends the HTTP answer to the phone
 *    (Kannel, Twilio): encode_reply() writes the reply SMS text in the
 *    gateway's own format (an empty reply means "send nothing").  0 when
 *    the gateway only wants an acknowledgement (Africa's Talking SMS,
 *    Vonage, Infobip): replies go out through the outbox and the configured
 *    sms_sender, and encode_reply("") writes the acknowledgement.
 *  - decode_ussd() / encode_ussd(), for gateways with USSD (else NULL):
 *    the same contract for one USSD request and its screen.  A gateway
 *    that sends every input of the session joined by '*' (Africa's
 *    Talking) sets ussd_in.cumulative; one that sends only the newest
 *    input leaves it 0, and intake needs nothing else to serve it.
 *  - send(), for gateways Aduan can send SMS through (else NULL): one SMS
 *    out, called by the delivery workers (outbox/deliver.c) through
 *    gateway_send(), never by an HTTP handler.  It turns the gateway's
 *    answer into one of three outcomes.  The rule behind every mapping:
 *    retry what time can fix (the gateway is busy or down, the network
 *    failed, the account ran dry, a rate limit), fail what it cannot (a
 *    number that does not exist or refuses SMS, a request the gateway
 *    rejects as malformed or unauthorised); a failed row can be requeued
 *    by hand once the cause is fixed (`aduan outbox retry ID`).  Errors
 *    land in the outbox row and the log: they never hold the phone number,
 *    only the gateway's words, cut short and stripped of control characters.
 *  - provider_id_ahead(), for a gateway whose messages Aduan names itself
 *    (Kannel: the outbox id in the dlr-url), else NULL.
 * Adapters are stateless tables; one instance serves all threads.
 */
#ifndef ADUAN_GATEWAY_H
#define ADUAN_GATEWAY_H

#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"
#include "net/http.h"

struct json_t;
struct sbuf;

#define SMS_FROM_MAX    64
#define SMS_TO_MAX      32
#define SMS_ID_MAX      128

/* One inbound SMS as the gateway delivered it, text decoded to UTF-8. */
struct sms_in {
	char from[SMS_FROM_MAX];        /* sender as given (normalised later) */
	char to[SMS_TO_MAX];            /* the short code, "" if not given */
	char id[SMS_ID_MAX];            /* the gateway's message id, "" if none */
	int64_t time;                   /* gateway's receive time, 0 if none */
	char *text;                     /* heap, valid UTF-8, NUL-terminated */
	size_t text_len;
	/*
	 * One part of a long message the gateway did not join (Vonage
	 * concat-ref/-total/-part): concat_total > 1, parts numbered from 1.
	 * Intake keeps the parts in the store and handles the joined text
	 * once all have come (or the wait for the rest has run out).
	 */
	char concat_ref[64];
	int concat_total;
	int concat_part;
};

#define SMS_BATCH_MAX 100               /* messages one callback may carry */

void sms_in_clear(struct sms_in *in);

/* Adapters' helpers (gateway/gateway.c). */

/* Writes the reason into err and returns status: `return gateway_fail(...)`. */
int gateway_fail(char *err, size_t errsz, int status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/*
 * The shared secret a gateway passes in the query string (?secret=...):
 * 404 when the endpoint is off (want NULL: no secret configured), 403 when
 * the request's is missing or wrong, else 0.  want_next (NULL: none), the
 * gateway's secret_next, is accepted too, so that a secret is changed
 * without a callback refused in between.  name says which endpoint.
 */
int gateway_secret(const struct http_request *req, const char *want, const char *want_next,
    const char *name, char *err, size_t errsz);
/* 1 when s[0..len) is printable ASCII without spaces (ids, codes, references). */
int gateway_token(const char *s, size_t len);

#define USSD_SESSION_MAX 128

/* One USSD request. */
struct ussd_in {
	char session[USSD_SESSION_MAX]; /* the gateway's session id */
	char phone[SMS_FROM_MAX];       /* as given (normalised later) */
	char service_code[32];          /* "*123#", "" if not given */
	char *text;                     /* heap, valid UTF-8 without NUL */
	size_t text_len;
	int cumulative;                 /* 1: all inputs joined by '*'; 0: newest only */
};

void ussd_in_clear(struct ussd_in *in);

/* ---- outbound SMS ------------------------------------------------------------ */

enum send_outcome {
	SEND_OK,        /* accepted by the gateway */
	SEND_RETRY,     /* temporary: try again later */
	SEND_FAIL       /* permanent: do not try again */
};

struct send_result {
	enum send_outcome outcome;
	char provider_id[128];  /* the id delivery reports will carry */
	char error[256];        /* why, for the outbox row */
};

/*
 * Sends text (UTF-8) to `to` (E.164) through the gateway sms_sender.type
 * names.  outbox_id identifies the message in delivery reports.  No sender
 * configured: SEND_RETRY with an error saying so (the row waits for one).
 */
void gateway_send(const struct conf *c, const char *to, const char *text, int64_t outbox_id,
    struct send_result *r);

/*
 * The id the sender's delivery reports will carry, when the sender names
 * the message itself before sending it (Kannel: the outbox id in the
 * dlr-url): 1 with the id in buf, so that it can be stored before a report
 * can come back; 0 when only the gateway's answer tells it.
 */
int gateway_provider_id_ahead(const struct conf *c, int64_t outbox_id, char *buf, size_t bufsz);

/* Outbound helpers the adapters' send() share (gateway/gateway.c). */

/* Gateway answers are short; anything longer is not one of theirs. */
#define GATEWAY_ANSWER_MAX      (16 * 1024)
/*
 * The most a request URL, form or callback URL may grow to: what goes in is
 * bounded by the text limit and the config, so only a config gone wrong (a
 * secret or URL of kilobytes) reaches it; that send fails with a reason.
 */
#define GATEWAY_REQUEST_MAX     (64 * 1024)

/* Appends "&name=<value URL-encoded>" to b (no "&" when b is empty). */
void gateway_param(struct sbuf *b, const char *name, const char *value, size_t len);
/* Sets r's outcome and its error, formatted (cut to fit). */
void gateway_result(struct send_result *r, enum send_outcome o, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The outcome of an HTTP status that is not a success: 429 and 5xx retry, the rest fail. */
enum send_outcome gateway_status_outcome(long status);
/* Masks in place every run of 7 or more digits but its last 3 (numbers in error texts). */
void gateway_mask_numbers(char *s);
/* The length of url without its trailing '/'s. */
size_t gateway_base_len(const char *url);
/* obj's member name when it is a JSON string, else NULL (obj NULL too).  Owned by obj. */
const char *gateway_jstr(struct json_t *obj, const char *name);

/* ---- the table --------------------------------------------------------------- */

struct gateway {
	const char *name;               /* "kannel": stored with each message */
	const char *sms_path;           /* URL path of its inbound SMS endpoint, or NULL */
	int (*decode_sms)(const struct conf *c, const struct http_request *req,
	    struct sms_in *in, size_t max, size_t *n, char *err, size_t errsz);
	int reply_inline;
	void (*encode_reply)(const char *reply, struct http_response *res);
	const char *ussd_path;          /* URL path of its USSD endpoint, or NULL */
	int (*decode_ussd)(const struct conf *c, const struct http_request *req,
	    struct ussd_in *in, char *err, size_t errsz);
	/* end: 1 for the last screen of the session (END), 0 to wait for input */
	void (*encode_ussd)(const char *screen, int end, struct http_response *res);
	/*
	 * Delivery reports for the SMS Aduan sent through this gateway: the
	 * provider id the sender recorded and the state, one of "delivered",
	 * "failed", "buffered", "submitted", "rejected".  0 or an HTTP status
	 * with a reason, as decode_sms.
	 */
	const char *dlr_path;
	int (*decode_dlr)(const struct conf *c, const struct http_request *req,
	    char *provider_id, size_t idsz, char *state, size_t statesz, char *err, size_t errsz);
	/*
	 * Outbound, for the gateway sms_sender.type = sender_type selects
	 * (send NULL: Aduan cannot send through it).  send() is called only
	 * when sms_sender.password is set, and url and username when the
	 * gateway needs them (0: Twilio has a default API base, Infobip only
	 * an API key); r is zeroed, the text valid UTF-8 of bounded length.
	 */
	enum conf_sender sender_type;
	int send_needs_url;
	int send_needs_username;
	void (*send)(const struct conf *c, const char *to, const char *text, int64_t outbox_id,
	    struct send_result *r);
	int (*provider_id_ahead)(const struct conf *c, int64_t outbox_id, char *buf,
	    size_t bufsz);
};

extern const struct gateway gateway_kannel;
extern const struct gateway gateway_africastalking;
extern const struct gateway gateway_twilio;
extern const struct gateway gateway_vonage;
extern const struct gateway gateway_infobip;
extern const struct gateway gateway_generic;

/* Every gateway, for the URL table (NULL-terminated). */
extern const struct gateway *const gateways[];

/* The gateway called name ("kannel", ...), or NULL. */
const struct gateway *gateway_find(const char *name);

#endif
