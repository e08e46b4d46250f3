/*
 * agency/open311_post: a partner system's complaint, from its form fields
 * to a ticket.  See open311_post.h.
 *
 * Decisions: a field Aduan does not know is a 400 (a typo in a partner's
 * integration must not lose data in silence), but jurisdiction_id, which
 * GeoReport clients send to every endpoint, is accepted and ignored.  A
 * multivaluelist attribute is one field with its values separated by
 * commas: the HTTP layer keeps the first of a repeated name, so
 * attribute[X][]=a&attribute[X][]=b would lose b.  The partner's
 * complaint skips the per-phone flood guard (the partner is trusted and
 * has its own limits) and opens the same way as an SMS or USSD one.
 */
#include "agency/open311_post.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "agency/common.h"
#include "outbox/deliver.h"
#include "routing/route.h"
#include "sms/lang.h"
#include "sms/msisdn.h"
#include "sms/text.h"
#include "ticket/json.h"
#include "ticket/open.h"
#include "util/log.h"
#include "util/metrics.h"
#include "util/util.h"

#define RECEIPT_MAX     640     /* the receipt SMS: one template, as intake's */

/* The fields a POST may carry besides attribute[...]. */
enum field {
	F_SERVICE_CODE, F_LAT, F_LONG, F_ADDRESS, F_DESCRIPTION, F_PHONE, F_FIRST_NAME,
	F_LAST_NAME, F_EMAIL, F_DEVICE_ID, F_ACCOUNT_ID, F_MEDIA_URL, F_N
};

static const char *const field_names[F_N] = {
	[F_SERVICE_CODE] = "service_code", [F_LAT] = "lat", [F_LONG] = "long",
	[F_ADDRESS] = "address_string", [F_DESCRIPTION] = "description", [F_PHONE] = "phone",
	[F_FIRST_NAME] = "first_name", [F_LAST_NAME] = "last_name", [F_EMAIL] = "email",
	[F_DEVICE_ID] = "device_id", [F_ACCOUNT_ID] = "account_id", [F_MEDIA_URL] = "media_url",
};

static int bad(char *msg, size_t msgsz, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Fails the read with msg; always -1. */
static int
bad(char *msg, size_t msgsz, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, msgsz, fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * s made fit to quote in an answer and a log line: printable ASCII kept,
 * any other byte '?', at most outsz - 1 bytes.
 */
static const char *
shown(const char *s, char *out, size_t outsz)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i + 1 < outsz; i++)
		out[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	out[i] = '\0';
	return out;
}

/* 1 when s (len bytes, no NUL) holds a control character. */
static int
has_control(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 1;
	return 0;
}

/* A number with nothing after it, finite, in [lo, hi]. */
static int
number_in(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	while (*s == ' ')
		s++;
	/* Decimal only: strtod would also take "0x1p3", "inf" and "nan". */
	if (*s == '\0' || s[strspn(s, "0123456789+-.eE ")] != '\0')
		return -1;
	v = strtod(s, &end);
	while (*end == ' ')
		end++;
	if (*end != '\0' || !isfinite(v) || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* 1 when v is one of a's values. */
static int
attr_value_ok(const struct conf_attr *a, const char *v, size_t len)
{
	size_t i;

	for (i = 0; i < a->nvalues; i++)
		if (strlen(a->values[i]) == len && memcmp(a->values[i], v, len) == 0)
			return 1;
	return 0;
}

/* Checks one attribute's value by its datatype; 0, or -1 with msg. */
static int
attr_check(const struct conf_attr *a, const char *v, size_t len, char *msg, size_t msgsz)
{
	const char *p, *end = v + len;
	double num;
	int64_t t;

	switch (a->type) {
	case ATTR_NUMBER:
		if (number_in(v, -1e15, 1e15, &num) != 0)
			goto bad_value;
		return 0;
	case ATTR_DATETIME:
		if (agency_parse_time(v, 0, &t, NULL) != 0)
			goto bad_value;
		return 0;
	case ATTR_SINGLEVALUELIST:
		if (!attr_value_ok(a, v, len))
			goto bad_value;
		return 0;
	case ATTR_MULTIVALUELIST:
		for (p = v; p <= end; ) {
			const char *comma = memchr(p, ',', (size_t)(end - p));
			size_t n = (size_t)((comma != NULL ? comma : end) - p);

			if (!attr_value_ok(a, p, n))
				goto bad_value;
			if (comma == NULL)
				break;
			p = comma + 1;
		}
		return 0;
	case ATTR_STRING:
	case ATTR_TEXT:
		return 0;
	}
	return 0;

bad_value:
	if (a->type == ATTR_SINGLEVALUELIST || a->type == ATTR_MULTIVALUELIST)
		snprintf(msg, msgsz, "attribute[%s] must be %s of the values services/"
		    "{code}.json lists", a->code, a->type == ATTR_SINGLEVALUELIST ? "one" :
		    "a comma list");
	else
		snprintf(msg, msgsz, "attribute[%s] must be a %s", a->code,
		    conf_attr_type_name(a->type));
	return -1;
}

/* The rule whose keyword is code, upper-cased; -1 for the triage code, -2 none. */
static long
rule_of_code(const struct conf *c, const char *code)
{
	char up[64];
	size_t i, n = strlen(code);

	if (n == 0 || n >= sizeof up)
		return -2;
	for (i = 0; i <= n; i++)
		up[i] = (char)toupper((unsigned char)code[i]);
	if (strcmp(up, OPEN311_TRIAGE_CODE) == 0)
		return -1;
	for (i = 0; i < c->nrules; i++)
		if (strcmp(c->rules[i].keyword, up) == 0)
			return (long)i;
	return -2;
}

/* "attribute[CODE]" (or "attribute[CODE][]"): CODE into code; 1, or 0 when not one. */
static int
attr_name(const char *name, char *code, size_t codesz)
{
	const char *open = name + 10, *close;
	size_t n;

	if (strncmp(name, "attribute[", 10) != 0 || (close = strchr(open, ']')) == NULL)
		return 0;
	if (strcmp(close, "]") != 0 && strcmp(close, "][]") != 0)
		return 0;
	n = (size_t)(close - open);
	if (n == 0 || n >= codesz)
		return 0;
	memcpy(code, open, n);
	code[n] = '\0';
	return 1;
}

int
open311_post_read(const struct conf *c, const struct open311_param *p, size_t n,
    struct open311_post *out, char *msg, size_t msgsz)
{
	const char *f[F_N] = { NULL };
	const struct open311_param *attrs[64];
	const struct conf_rule *r = NULL;
	size_t i, k, nattrs = 0, len;
	char code[64], err[96], q[64];
	int j;

	memset(out, 0, sizeof *out);
	out->rule = -1;
	for (i = 0; i < n; i++) {
		const char *name = p[i].name;

		if (strlen(p[i].value) != p[i].len)
			return bad(msg, msgsz, "%s contains a NUL byte", shown(name, q, sizeof q));
		if (!text_utf8_valid(p[i].value, p[i].len))
			return bad(msg, msgsz, "%s is not valid UTF-8", shown(name, q, sizeof q));
		if (strcmp(name, "api_key") == 0 || strcmp(name, "jurisdiction_id") == 0)
			continue;
		if (strncmp(name, "attribute[", 10) == 0) {
			if (!attr_name(name, code, sizeof code))
				return bad(msg, msgsz, "%s: write attribute[CODE]=value",
				    shown(name, q, sizeof q));
			if (p[i].len > 0 && nattrs < sizeof attrs / sizeof attrs[0])
				attrs[nattrs++] = &p[i];
			continue;
		}
		for (j = 0; j < F_N && strcmp(name, field_names[j]) != 0; j++)
			;
		if (j == F_N)
			return bad(msg, msgsz, "unknown field '%s'", shown(name, q, sizeof q));
		/* An empty optional field is one not sent (HTML forms send them so). */
		if (p[i].len > 0)
			f[j] = p[i].value;
	}

	if (f[F_SERVICE_CODE] == NULL)
		return bad(msg, msgsz, "%s is required: services.json lists them", "service_code");
	if ((out->rule = rule_of_code(c, f[F_SERVICE_CODE])) == -2)
		return bad(msg, msgsz, "service_code '%s' is unknown: services.json lists "
		    "them (" OPEN311_TRIAGE_CODE ": Aduan routes the description)",
		    shown(f[F_SERVICE_CODE], q, sizeof q));
	if (out->rule >= 0)
		r = &c->rules[out->rule];

	if ((f[F_LAT] == NULL) != (f[F_LONG] == NULL))
		return bad(msg, msgsz, "%s: lat and long come together", f[F_LAT] == NULL ?
		    "lat" : "long");
	if (f[F_LAT] != NULL) {
		if (number_in(f[F_LAT], -90, 90, &out->lat) != 0)
			return bad(msg, msgsz, "%s must be a latitude, -90 to 90", "lat");
		if (number_in(f[F_LONG], -180, 180, &out->lon) != 0)
			return bad(msg, msgsz, "%s must be a longitude, -180 to 180", "long");
		out->has_point = 1;
	}
	if ((out->address = f[F_ADDRESS]) != NULL) {
		len = strlen(out->address);
		if (text_utf8_chars(out->address, len) > OPEN311_ADDRESS_MAX)
			return bad(msg, msgsz, "%s is longer than 500 characters", "address_string");
		if (has_control(out->address, len))
			return bad(msg, msgsz, "%s holds a control character", "address_string");
	}
	if (out->address == NULL && !out->has_point)
		return bad(msg, msgsz, "a location is required: %s, or lat and long",
		    "address_string");

	if (f[F_DESCRIPTION] == NULL)
		return bad(msg, msgsz, "%s is required", "description");
	out->desc = f[F_DESCRIPTION];
	out->dlen = strlen(out->desc);
	while (out->dlen > 0 && isspace((unsigned char)*out->desc)) {
		out->desc++;
		out->dlen--;
	}
	while (out->dlen > 0 && isspace((unsigned char)out->desc[out->dlen - 1]))
		out->dlen--;
	if (out->dlen == 0)
		return bad(msg, msgsz, "%s is empty", "description");
	if ((long)strlen(f[F_DESCRIPTION]) > c->max_text) {
		snprintf(msg, msgsz, "description is longer than %ld bytes", c->max_text);
		return -1;
	}

	if (f[F_PHONE] != NULL) {
		if (msisdn_normalize(f[F_PHONE], c->country_code, out->phone, sizeof out->phone,
		    err, sizeof err) != MSISDN_E164) {
			out->phone[0] = '\0';
			return bad(msg, msgsz, "%s is not a phone number (E.164 or 08...)", "phone");
		}
	}
	if ((out->email = f[F_EMAIL]) != NULL && conf_email_check(out->email) != NULL)
		return bad(msg, msgsz, "%s is not an email address", "email");
	for (j = F_FIRST_NAME; j <= F_ACCOUNT_ID; j++) {
		if (j == F_EMAIL || f[j] == NULL)
			continue;
		len = strlen(f[j]);
		if (text_utf8_chars(f[j], len) > OPEN311_FIELD_MAX)
			return bad(msg, msgsz, "%s is longer than 200 characters", field_names[j]);
		if (has_control(f[j], len))
			return bad(msg, msgsz, "%s holds a control character", field_names[j]);
	}
	out->first_name = f[F_FIRST_NAME];
	out->last_name = f[F_LAST_NAME];
	out->device_id = f[F_DEVICE_ID];
	out->account_id = f[F_ACCOUNT_ID];
	if ((out->media_url = f[F_MEDIA_URL]) != NULL) {
		len = strlen(out->media_url);
		if ((strncmp(out->media_url, "http://", 7) != 0 &&
		    strncmp(out->media_url, "https://", 8) != 0) || len > OPEN311_URL_MAX ||
		    len <= 8 || strpbrk(out->media_url, " \"<>\\^`{|}") != NULL ||
		    has_control(out->media_url, len))
			return bad(msg, msgsz, "%s must be an http:// or https:// URL", "media_url");
	}

	for (i = 0; i < nattrs; i++) {
		(void)attr_name(attrs[i]->name, code, sizeof code);
		for (k = 0; r != NULL && k < r->nattrs && strcmp(r->attrs[k].code, code) != 0; k++)
			;
		if (r == NULL || k == r->nattrs) {
			snprintf(msg, msgsz, "attribute[%s] is not an attribute of service %s",
			    shown(code, q, 41), r != NULL ? r->keyword : OPEN311_TRIAGE_CODE);
			return -1;
		}
		if (text_utf8_chars(attrs[i]->value, attrs[i]->len) > OPEN311_ATTR_MAX) {
			snprintf(msg, msgsz, "attribute[%s] is longer than 2000 characters", code);
			return -1;
		}
		if (attr_check(&r->attrs[k], attrs[i]->value, attrs[i]->len, msg, msgsz) != 0)
			return -1;
		out->attr[k] = attrs[i]->value;
	}
	for (k = 0; r != NULL && k < r->nattrs; k++)
		if (r->attrs[k].required && out->attr[k] == NULL) {
			snprintf(msg, msgsz, "attribute[%s] is required for service %s",
			    r->attrs[k].code, r->keyword);
			return -1;
		}
	return 0;
}

char *
open311_post_details(const struct conf *c, const struct open311_post *p)
{
	json_t *o = ticket_must(json_object()), *at;
	const struct conf_rule *r = p->rule >= 0 ? &c->rules[p->rule] : NULL;
	char *s = NULL;
	size_t k;

	if (r != NULL) {
		at = ticket_must(json_object());
		for (k = 0; k < r->nattrs; k++)
			if (p->attr[k] != NULL)
				json_object_set_new(at, r->attrs[k].code, ticket_jstr(p->attr[k]));
		if (json_object_size(at) > 0)
			json_object_set_new(o, "attributes", at);
		else
			json_decref(at);
	}
	if (p->has_point) {
		json_object_set_new(o, "lat", json_real(p->lat));
		json_object_set_new(o, "long", json_real(p->lon));
	}
	if (p->media_url != NULL)
		json_object_set_new(o, "media_url", ticket_jstr(p->media_url));
	if (p->first_name != NULL)
		json_object_set_new(o, "first_name", ticket_jstr(p->first_name));
	if (p->last_name != NULL)
		json_object_set_new(o, "last_name", ticket_jstr(p->last_name));
	if (p->email != NULL)
		json_object_set_new(o, "email", ticket_jstr(p->email));
	if (p->device_id != NULL)
		json_object_set_new(o, "device_id", ticket_jstr(p->device_id));
	if (p->account_id != NULL)
		json_object_set_new(o, "account_id", ticket_jstr(p->account_id));
	if (json_object_size(o) > 0)
		s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	return s;
}

/* The receipt SMS for the reporter, as an SMS complaint's. */
static void
receipt_text(const struct conf *c, const struct route_decision *d, const char *ticket,
    char *out, size_t outsz)
{
	enum lang l = c->default_lang;
	const char *names[] = { "ticket", "agency", "category", "shortcode" };
	const char *values[4];

	values[0] = ticket;
	values[1] = c->agencies[d->agency].short_name;
	values[2] = d->rule >= 0 && c->rules[d->rule].label[l] != NULL ?
	    c->rules[d->rule].label[l] : "";
	values[3] = c->short_code;
	(void)conf_render(c, l, d->rule >= 0 ? REPLY_RECEIVED : REPLY_RECEIVED_TRIAGE, names,
	    values, 4, out, outsz);
}

/* What the store transaction needs and gives back. */
struct post_tx {
	const struct conf *conf;
	const struct conf_partner *partner;
	const struct route_decision *d;
	struct store_complaint *cm;
	const char *idem_key;
	const char *details;
	int receipt;                    /* 1: queue the receipt SMS */
	int64_t now;
	int repeat;                     /* 1: idem_key made cm->ticket before */
	int wake;                       /* 1: something was queued */
};

static int
post_tx(struct store *s, void *arg)
{
	struct post_tx *t = arg;
	struct store_outbox_new ob = { 0 };
	char first[9], key[160], receipt[RECEIPT_MAX];
	int r;

	if (t->idem_key != NULL) {
		if ((r = store_partner_key_find(s, t->partner->id, t->idem_key, first)) < 0)
			return -1;
		if (r == 1) {
			/*
			 * 0, not 1 (read only): the answer waits until the batch that
			 * may still hold the first request's ticket is on disk.
			 */
			str_copy(t->cm->ticket, sizeof t->cm->ticket, first);
			t->repeat = 1;
			return 0;
		}
	}
	if ((r = ticket_open(t->conf, s, t->d, t->cm, t->now)) < 0)
		return -1;
	t->wake = r;
	if (store_partner_add(s, t->cm->id, t->cm->ticket, t->partner->id, t->idem_key,
	    t->details, t->now) != 1)
		return -1;
	if (t->receipt) {
		/* Rendered here: ticket_open may have drawn another number. */
		receipt_text(t->conf, t->d, t->cm->ticket, receipt, sizeof receipt);
		snprintf(key, sizeof key, "open311-receipt:%s", t->cm->ticket);
		ob.kind = "sms";
		ob.recipient = t->cm->phone;
		ob.body = receipt;
		ob.idem_key = key;
		ob.complaint_id = t->cm->id;
		ob.created_at = t->now;
		if (store_outbox_add(s, &ob) < 0)
			return -1;
		t->wake = 1;
	}
	return 0;
}

int
open311_post_store(const struct agency_ctx *a, const struct conf_partner *partner,
    const struct open311_post *p, const char *idem_key, int64_t now, char ticket[9])
{
	const struct conf *c = a->conf;
	struct store_complaint cm = { 0 };
	struct route_decision d;
	struct post_tx t = { 0 };
	char loc[OPEN311_ADDRESS_MAX * 4 + 64];
	size_t llen = 0;
	int r;

	if (a->rt == NULL) {
		log_error("open311: no route table to route a partner's complaint");
		return -1;
	}
	/* The location the agency reads: the address, else the point. */
	if (p->address != NULL)
		llen = (size_t)snprintf(loc, sizeof loc, "%s", p->address);
	else
		llen = (size_t)snprintf(loc, sizeof loc, "%.6f,%.6f", p->lat, p->lon);
	if (llen >= sizeof loc)
		llen = sizeof loc - 1;
	if (p->rule >= 0)
		route_menu(a->rt, p->rule, loc, llen, p->desc, p->dlen, &d);
	else
		route_text(a->rt, p->desc, p->dlen, &d);
	if (ticket_plan(c, &d, p->phone, "open311", loc, llen, p->desc, p->dlen, now, &cm) != 0)
		return -1;
	str_copy(cm.lang, sizeof cm.lang, lang_code(c->default_lang));
	str_copy(cm.partner, sizeof cm.partner, partner->id);
	t.conf = c;
	t.partner = partner;
	t.d = &d;
	t.cm = &cm;
	t.idem_key = idem_key;
	t.details = open311_post_details(c, p);
	t.now = now;
	t.receipt = c->open311_receipt_sms && p->phone[0] != '\0';
	r = store_run(a->store, post_tx, &t);
	free((void *)t.details);
	if (r < 0) {
		store_complaint_clear(&cm);
		return -1;
	}
	str_copy(ticket, 9, cm.ticket);
	if (!t.repeat)
		metrics_count("aduan_complaints_created_total", 1, "agency", cm.agency,
		    "channel", "open311", NULL);
	store_complaint_clear(&cm);
	if (t.wake && a->deliver != NULL)
		deliver_wake(a->deliver);
	return t.repeat ? 0 : 1;
}
