/*
 * agency/open311_post: complaints from partner systems, Open311 GeoReport
 * v2's POST /open311/v2/requests.json|.xml (README "Accepting complaints
 * from other systems").  Private to agency/: open311.c sends the POSTs
 * here once it knows the partner (api_key) and the format.
 *
 * Two parts: open311_post_read() is pure (a form's fields, already
 * collected, into a checked struct open311_post: unit-tested without a
 * server); open311_post_store() is the edge to the store (idempotency,
 * routing, the ticket core in one transaction).  open311.c answers.
 */
#ifndef ADUAN_AGENCY_OPEN311_POST_H
#define ADUAN_AGENCY_OPEN311_POST_H

#include <stddef.h>
#include <stdint.h>

#include "agency/agency.h"
#include "conf/conf.h"
#include "net/http.h"

/* The service_code that asks Aduan to route the description like an SMS. */
#define OPEN311_TRIAGE_CODE     "TRIAGE"

#define OPEN311_ADDRESS_MAX     500     /* characters of address_string */
#define OPEN311_FIELD_MAX       200     /* characters of a name, device_id, account_id */
#define OPEN311_URL_MAX         2000    /* bytes of media_url */
#define OPEN311_ATTR_MAX        2000    /* characters of one attribute's value */
#define OPEN311_IDEM_MAX        100     /* bytes of an Idempotency-Key */

/* One form field as it came: value binary-safe with its length (http_param). */
struct open311_param {
	const char *name;
	const char *value;
	size_t len;
};

/* A checked request; its strings point into the params given to read (borrowed). */
struct open311_post {
	long rule;                      /* index into conf.rules; -1: triage (route the text) */
	const char *address;            /* address_string, NULL when none */
	int has_point;                  /* 1: lat and long came */
	double lat, lon;
	const char *desc;               /* description, trimmed, not empty */
	size_t dlen;
	char phone[24];                 /* E.164 (sms/msisdn.h), "" when none */
	const char *first_name, *last_name, *email, *device_id, *account_id, *media_url;
	const char *attr[CONF_ATTRS_MAX];       /* rule's attrs[i] value, NULL when not sent */
};

/*
 * Reads and checks p[0..n) (api_key, jurisdiction_id and an empty
 * attribute are skipped) against the config c into *out.  0, or -1 with
 * GeoReport's 400 description in msg, naming the field.
 */
int open311_post_read(const struct conf *c, const struct open311_param *p, size_t n,
    struct open311_post *out, char *msg, size_t msgsz);

/*
 * What the request carried beyond the complaint itself, as a JSON object
 * (heap, the caller frees): attributes (by code), media_url, lat/long,
 * the contact fields.  NULL when there is nothing.
 */
char *open311_post_details(const struct conf *c, const struct open311_post *p);

/*
 * Opens the complaint p of partner through the ticket core, in one store
 * transaction with its idempotency key (idem_key, NULL: none) and, with
 * open311.receipt_sms and a phone, the receipt SMS; wakes the delivery
 * workers.  a's config and route table are the request's.  1 created
 * (ticket written), 0 a repeat: idem_key made a ticket before (that one
 * written, nothing stored), -1 store error or no route table.
 */
int open311_post_store(const struct agency_ctx *a, const struct conf_partner *partner,
    const struct open311_post *p, const char *idem_key, int64_t now, char ticket[9]);

#endif
