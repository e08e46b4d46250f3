/*
 * agency/open311: the Open311 GeoReport v2 endpoints, in JSON
 * and XML, with a per-address rate limit.
 *
 * Open311 (off unless open311.enabled; then public, unauthenticated):
 * services one per keyword rule; requests newest first, limit 1..200
 * (50), status=open|closed, service_code=A,B (at most 10, each a known
 * code), start_date/end_date (ISO-8601, inclusive; a bare date as end_date
 * means the whole day; at most 90 days apart).  A triage ticket has
 * service_code "".  Withdrawn and rejected tickets are never shown (a
 * single request answers 404).  Each client address may ask
 * open311.requests_per_minute times a minute (open311.burst at once), then
 * gets 429 with Retry-After.  Errors are GeoReport's
 * [{"code", "description"}] / <errors><error>.
 *
 * Partner systems (open311.partners, each with the SHA-256 of its
 * api_key): POST requests.json|.xml files a complaint
 * (agency/open311_post.c); GET requests/{id} with the api_key of the
 * partner that filed it shows its own request whatever its status, with
 * its text and extended_attributes (aduan_status, status_note, agency); a
 * request with a valid api_key is not held to the per-address limit (a
 * regency forwards bursts and polls), a wrong one counts against it.
 * services/{code}.json|.xml is GeoReport's service definition (the rule's
 * attributes); with partners configured, services.json also lists TRIAGE
 * (open311_post.h: Aduan routes the description), last.
 *
 * Decisions: Open311 output shows the citizen's own text (description,
 * address) only with open311.publish_text, and every free text it shows
 * goes through pii_mask() (sms/pii.h) with the reporter's number: phone
 * and identity numbers in any form are hidden, since a citizen sometimes
 * writes one.
 */
#include "agency/agency.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>

#include "agency/common.h"
#include "agency/open311_post.h"
#include "ticket/change.h"
#include "ticket/json.h"
#include "ticket/lifecycle.h"
#include "sms/lang.h"
#include "sms/pii.h"
#include "util/crypto.h"
#include "util/log.h"
#include "util/util.h"

#define CT_XML                  "application/xml; charset=utf-8"

#define O311_LIMIT_DEFAULT      50
#define O311_LIMIT_MAX          200     /* a page's rows: each costs a note lookup too */
#define O311_CODES_MAX          10
#define O311_RANGE_MAX          (90 * 86400)    /* start_date..end_date, as GeoReport suggests */
#define O311_CLIENTS            4096    /* client addresses the rate limit remembers */
#define O311_PROBE              8       /* slots looked at for one address */
#define NOTE_BUF                8192    /* a stored note for status_notes */
#define XML_MAX                 (8 << 20)       /* an XML answer: 200 rows are far less */
#define REQUEST_PARAMS_MAX_O311 64    /* fields of a POST: what net/request.h keeps */
#define KEYWORDS_MAX            4096    /* a service's "keywords": whole aliases up to this */

/* The grow-as-needed text buffer of the XML writer. */
/* Text escaped for XML 1.0; control characters it cannot carry are dropped. */
static void
buf_xml(struct sbuf *b, const char *s)
{
	const char *run = s;

	for (; *s != '\0'; s++) {
		const char *rep = NULL;
		unsigned char ch = (unsigned char)*s;

		switch (ch) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&apos;"; break;
		default:
			if (ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r')
				rep = "";
			break;
		}
		if (rep == NULL)
			continue;
		sbuf_add(b, run, (size_t)(s - run));
		sbuf_str(b, rep);
		run = s + 1;
	}
	sbuf_add(b, run, (size_t)(s - run));
}

/* ---- Open311 GeoReport v2 ----------------------------------------------- */

enum fmt { FMT_JSON, FMT_XML };

/*
 * The per-address rate limit: a token bucket per client address, in
 * memory, open311.burst tokens at most, refilled at
 * open311.requests_per_minute.  A fixed table: an address not seen for
 * the longest time gives its slot to a new one (which starts full, as any
 * new client does), so memory stays bounded whatever the number of
 * addresses.  Behind a reverse proxy every request comes from the proxy:
 * the proxy must limit per client itself (README).
 */
struct o311_client {
	char addr[48];
	double tokens;
	int64_t at_ms;          /* last refill, CLOCK_MONOTONIC */
};

static struct o311_client o311_clients[O311_CLIENTS];
static pthread_mutex_t o311_mu = PTHREAD_MUTEX_INITIALIZER;

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* 0 when addr may ask now (a token taken), else the seconds until it may. */
static long
o311_wait(const struct conf *c, const char *addr)
{
	struct o311_client *cl = NULL, *old = NULL;
	uint32_t h = 2166136261u;
	double rate = c->open311_per_minute / 60000.0, burst = c->open311_burst;
	int64_t now = mono_ms();
	size_t i, k;
	long wait = 0;

	if (addr == NULL)
		addr = "";
	for (i = 0; addr[i] != '\0'; i++)
		h = (h ^ (unsigned char)addr[i]) * 16777619u;
	pthread_mutex_lock(&o311_mu);
	for (i = 0; i < O311_PROBE; i++) {
		k = (h + i) % O311_CLIENTS;
		if (strncmp(o311_clients[k].addr, addr, sizeof o311_clients[k].addr - 1) == 0 &&
		    o311_clients[k].at_ms != 0) {
			cl = &o311_clients[k];
			break;
		}
		if (old == NULL || o311_clients[k].at_ms < old->at_ms)
			old = &o311_clients[k];
	}
	if (cl == NULL) {
		cl = old;
		(void)str_copy(cl->addr, sizeof cl->addr, addr);
		cl->tokens = burst;
		cl->at_ms = now;
	}
	cl->tokens += (double)(now - cl->at_ms) * rate;
	if (cl->tokens > burst)
		cl->tokens = burst;
	cl->at_ms = now > 0 ? now : 1;
	if (cl->tokens >= 1.0)
		cl->tokens -= 1.0;
	else
		wait = (long)((1.0 - cl->tokens) / rate / 1000.0) + 1;
	pthread_mutex_unlock(&o311_mu);
	return wait;
}

static const struct conf_rule *
rule_of(const struct conf *c, const char *keyword)
{
	size_t i;

	for (i = 0; keyword[0] != '\0' && i < c->nrules; i++)
		if (strcmp(c->rules[i].keyword, keyword) == 0)
			return &c->rules[i];
	return NULL;
}

/* Adds a string member that may be NULL (JSON null, empty XML element). */
static void
put(json_t *o, const char *name, const char *v)
{
	json_object_set_new(o, name, ticket_jstr(v));
}

/* o's members as <name>v</name>, in insertion order; an object member nests. */
static void
xml_members(struct sbuf *b, const json_t *o)
{
	const char *key;
	json_t *v;
	char num[32];

	json_object_foreach((json_t *)o, key, v) {
		sbuf_str(b, "<");
		sbuf_str(b, key);
		sbuf_str(b, ">");
		if (json_is_string(v))
			buf_xml(b, json_string_value(v));
		else if (json_is_true(v))
			sbuf_str(b, "true");
		else if (json_is_false(v))
			sbuf_str(b, "false");
		else if (json_is_integer(v)) {
			snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
			sbuf_str(b, num);
		} else if (json_is_object(v))
			xml_members(b, v);
		sbuf_str(b, "</");
		sbuf_str(b, key);
		sbuf_str(b, ">");
	}
}

/*
 * Writes an array of objects as <root><item><name>v</name>...</item>
 * </root>, members in insertion order.  NULL past XML_MAX bytes.
 */
static char *
xml_of(const json_t *arr, const char *root, const char *item)
{
	struct sbuf b;
	json_t *o;
	size_t i;

	sbuf_init(&b, XML_MAX);
	sbuf_str(&b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<");
	sbuf_str(&b, root);
	sbuf_str(&b, ">");
	json_array_foreach(arr, i, o) {
		sbuf_str(&b, "<");
		sbuf_str(&b, item);
		sbuf_str(&b, ">");
		xml_members(&b, o);
		sbuf_str(&b, "</");
		sbuf_str(&b, item);
		sbuf_str(&b, ">");
	}
	sbuf_str(&b, "</");
	sbuf_str(&b, root);
	sbuf_str(&b, ">\n");
	if (b.overflow) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

/* Sends arr (stolen) as JSON or as XML <root><item>... */
static void
respond_list(struct http_response *res, int status, enum fmt f, json_t *arr,
    const char *root, const char *item)
{
	char *s;

	if (f == FMT_JSON) {
		agency_respond_json(res, status, arr);
		return;
	}
	if ((s = xml_of(arr, root, item)) == NULL) {
		static const char too_large[] = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
		    "<errors><error><code>500</code><description>answer too large"
		    "</description></error></errors>\n";

		log_error("agency: an XML answer passed %d bytes", XML_MAX);
		http_respond(res, 500, CT_XML, too_large, sizeof too_large - 1);
	} else
		http_respond(res, status, CT_XML, s, strlen(s));
	free(s);
	json_decref(arr);
}

/* GeoReport's error format: [{"code": 404, "description": "..."}]. */
static void
o311_error(struct http_response *res, enum fmt f, int status, const char *msg)
{
	json_t *arr = ticket_must(json_array());

	/* msg may quote the client's bytes: ticket_jstr, never a fatal on bad UTF-8. */
	json_array_append_new(arr, ticket_must(json_pack("{s:i, s:o}", "code", status,
	    "description", ticket_jstr(msg))));
	respond_list(res, status, f, arr, "errors", "error");
}

static void
o311_services(const struct conf *c, enum fmt f, struct http_response *res)
{
	json_t *arr = ticket_must(json_array()), *o;
	struct sbuf kw;
	size_t i, k;

	for (i = 0; i < c->nrules; i++) {
		const struct conf_rule *r = &c->rules[i];
		const struct conf_agency *ag = r->agency < c->nagencies ?
		    &c->agencies[r->agency] : NULL;

		sbuf_init(&kw, KEYWORDS_MAX);
		sbuf_add(&kw, "", 0);
		for (k = 0; k < r->naliases + r->naliases_en; k++) {
			size_t keep = kw.len;

			if ((k > 0 && sbuf_str(&kw, ",") != 0) ||
			    sbuf_str(&kw, k < r->naliases ? r->aliases[k] :
			    r->aliases_en[k - r->naliases]) != 0) {
				kw.len = keep;  /* whole aliases only */
				kw.s[keep] = '\0';
				break;
			}
		}
		o = ticket_must(json_object());
		put(o, "service_code", r->keyword);
		put(o, "service_name", r->label[LANG_ID] != NULL ? r->label[LANG_ID] :
		    r->keyword);
		put(o, "description", r->label[LANG_EN] != NULL ? r->label[LANG_EN] :
		    r->label[LANG_ID]);
		json_object_set_new(o, "metadata", json_boolean(r->nattrs > 0));
		put(o, "type", "realtime");
		put(o, "keywords", kw.s);
		put(o, "group", ag != NULL ? ag->short_name : "");
		free(kw.s);
		json_array_append_new(arr, o);
	}
	if (c->npartners > 0) {
		/* Partners may file what they cannot classify: Aduan routes its text. */
		o = ticket_must(json_object());
		put(o, "service_code", OPEN311_TRIAGE_CODE);
		put(o, "service_name", "Lainnya");
		put(o, "description", "Other: Aduan routes the description as it routes an SMS");
		json_object_set_new(o, "metadata", json_false());
		put(o, "type", "realtime");
		put(o, "keywords", "");
		put(o, "group", c->agencies[c->triage].short_name);
		json_array_append_new(arr, o);
	}
	respond_list(res, 200, f, arr, "services", "service");
}

/*
 * One service request, with note: the newest agency note ("" when none).
 * Free text shown to the public goes through pii_mask() with the
 * reporter's number; the citizen's own text only with publish_text.
 */
static json_t *
o311_request(const struct conf *c, const struct store_complaint *cm, const char *note,
    int own)
{
	const struct conf_rule *r = rule_of(c, cm->keyword);
	const struct conf_agency *ag = ticket_agency_of(c, cm->agency);
	const char *category = r != NULL && r->label[LANG_ID] != NULL ? r->label[LANG_ID] :
	    cm->keyword;
	char *txt, t[32];
	json_t *o;
	int st = lifecycle_from_name(cm->status);

	o = ticket_must(json_object());
	put(o, "service_request_id", cm->ticket);
	put(o, "status", st >= 0 && lifecycle_open((enum lc_status)st) ? "open" : "closed");
	txt = pii_mask(note[0] != '\0' ? note : cm->status, cm->phone);
	put(o, "status_notes", txt);
	free(txt);
	put(o, "service_name", category);
	put(o, "service_code", cm->keyword);
	if (c->open311_publish_text || own) {
		txt = pii_mask(cm->description != NULL ? cm->description : "", cm->phone);
		put(o, "description", txt);
		free(txt);
	} else
		put(o, "description", category);
	put(o, "agency_responsible", ag != NULL ? ag->name : cm->agency);
	ticket_iso_time(cm->created_at, t, sizeof t);
	put(o, "requested_datetime", t);
	ticket_iso_time(cm->updated_at, t, sizeof t);
	put(o, "updated_datetime", t);
	json_object_set_new(o, "expected_datetime", ticket_jtime(ticket_due_of(cm)));
	txt = c->open311_publish_text || own ? pii_mask(cm->location, cm->phone) : NULL;
	put(o, "address", txt);
	free(txt);
	if (own) {
		/* The partner that filed it follows Aduan's own lifecycle. */
		json_t *ext = ticket_must(json_object());

		put(ext, "aduan_status", cm->status);
		txt = pii_mask(note, cm->phone);
		put(ext, "status_note", txt);
		free(txt);
		put(ext, "agency", cm->agency);
		json_object_set_new(o, "extended_attributes", ext);
	}
	return o;
}

static int
by_id_desc(const void *a, const void *b)
{
	const struct store_complaint *x = a, *y = b;

	return x->id < y->id ? 1 : x->id > y->id ? -1 : 0;
}

/* What a GET /requests asks for, read from its query string. */
struct o311_filter {
	struct store_query q;
	char codes[O311_CODES_MAX][64];
	size_t ncodes;          /* 0: every service */
	long lim;
};

/*
 * service_code: a comma list, each code as the rule keyword, upper-case,
 * repeats dropped.  0, or -1 with the 400's text in msg.
 */
static int
o311_codes(const struct conf *c, const char *code, struct o311_filter *flt, char *msg,
    size_t msgsz)
{
	size_t len, i, k;

	while (*code != '\0') {
		len = strcspn(code, ",");
		while (len > 0 && *code == ' ') {
			code++;
			len--;
		}
		while (len > 0 && code[len - 1] == ' ')
			len--;
		if (len > 0) {
			char *dst = flt->codes[flt->ncodes];

			if (flt->ncodes == O311_CODES_MAX || len >= sizeof flt->codes[0]) {
				str_copy(msg, msgsz, "at most 10 service codes");
				return -1;
			}
			for (i = 0; i < len; i++)
				dst[i] = (code[i] >= 'a' && code[i] <= 'z') ?
				    (char)(code[i] - 'a' + 'A') : code[i];
			dst[len] = '\0';
			if (rule_of(c, dst) == NULL) {
				snprintf(msg, msgsz, "unknown service_code '%.*s': "
				    "services.json lists them", (int)(len > 64 ? 64 : len), code);
				return -1;
			}
			for (k = 0; k < flt->ncodes && strcmp(flt->codes[k], dst) != 0; k++)
				;
			if (k == flt->ncodes)
				flt->ncodes++;
		}
		code += strcspn(code, ",");
		if (*code == ',')
			code++;
	}
	if (flt->ncodes == 0) {
		str_copy(msg, msgsz, "service_code is empty");
		return -1;
	}
	return 0;
}

/*
 * The query string's status, service_code, start_date, end_date and limit
 * into flt.  0, or -1 with the 400's text in msg.
 */
static int
o311_filter_read(const struct conf *c, const struct http_request *req,
    struct o311_filter *flt, char *msg, size_t msgsz)
{
	const char *status, *code, *start, *end, *limit, *why = NULL;
	int64_t from = 0, to = 0;
	int bad = 0, date_only = 0;

	memset(flt, 0, sizeof *flt);
	flt->lim = O311_LIMIT_DEFAULT;
	status = agency_param(req, "status", &bad);
	code = agency_param(req, "service_code", &bad);
	start = agency_param(req, "start_date", &bad);
	end = agency_param(req, "end_date", &bad);
	limit = agency_param(req, "limit", &bad);
	if (bad)
		why = "a parameter contains a NUL byte";
	else if (status != NULL && strcmp(status, "open") != 0 && strcmp(status, "closed") != 0)
		why = "status must be open or closed";
	else if (start != NULL && agency_parse_time(start, 0, &from, NULL) != 0)
		why = "start_date must be ISO-8601 (2026-11-28T00:00:00Z)";
	else if (end != NULL && agency_parse_time(end, 0, &to, &date_only) != 0)
		why = "end_date must be ISO-8601 (2026-11-28T23:59:59Z)";
	if (why == NULL && end != NULL)
		to += date_only ? 86400 : 1;    /* inclusive; a date means all of it */
	if (why == NULL && start != NULL && end != NULL && to <= from)
		why = "end_date is before start_date";
	else if (why == NULL && start != NULL && end != NULL && to - from > O311_RANGE_MAX + 86400)
		why = "start_date and end_date may be at most 90 days apart";
	else if (why == NULL && limit != NULL && (!agency_all_digits(limit, 1, 4) ||
	    str_to_long(limit, 1, O311_LIMIT_MAX, &flt->lim) != 0))
		why = "limit must be 1 to 200";
	if (why != NULL) {
		str_copy(msg, msgsz, why);
		return -1;
	}
	if (code != NULL && o311_codes(c, code, flt, msg, msgsz) != 0)
		return -1;
	if (status != NULL)
		flt->q.open = strcmp(status, "open") == 0 ? 1 : -1;
	flt->q.created_from = from;
	flt->q.created_to = to;
	flt->q.limit = (size_t)flt->lim;
	return 0;
}

static void
o311_requests(struct agency_ctx *a, const struct http_request *req, enum fmt f,
    struct http_response *res)
{
	struct o311_filter flt;
	struct store_complaint *out = NULL;
	json_t *arr;
	size_t n = 0, got, i, k, nq;
	int r = 0;
	char note[NOTE_BUF], msg[160];

	if (o311_filter_read(a->conf, req, &flt, msg, sizeof msg) != 0) {
		o311_error(res, f, 400, msg);
		return;
	}
	nq = flt.ncodes > 0 ? flt.ncodes : 1;
	out = xcalloc(nq * (size_t)flt.lim, sizeof *out);
	/* One query per code (each walks that code's rows), merged newest first. */
	for (k = 0; k < nq; k++) {
		flt.q.keyword = flt.ncodes > 0 ? flt.codes[k] : NULL;
		if ((r = store_public_list(a->store, &flt.q, out + n, (size_t)flt.lim, &got)) != 0)
			goto fail;
		n += got;
	}
	qsort(out, n, sizeof *out, by_id_desc);
	arr = ticket_must(json_array());
	for (i = 0; i < n && i < (size_t)flt.lim; i++) {
		if ((r = store_public_note(a->store, &out[i], note, sizeof note)) < 0) {
			json_decref(arr);
			goto fail;
		}
		utf8_fix_tail(note);    /* written by the store, always terminated */
		json_array_append_new(arr, o311_request(a->conf, &out[i], note, 0));
	}
	for (i = 0; i < n; i++)
		store_complaint_clear(&out[i]);
	free(out);
	respond_list(res, 200, f, arr, "service_requests", "request");
	return;

fail:
	for (i = 0; i < n; i++)
		store_complaint_clear(&out[i]);
	free(out);
	if (r == STORE_TOO_COSTLY) {
		log_warnx("open311: %s", store_errmsg());
		o311_error(res, f, 400, "this listing would read too much: narrow it with "
		    "service_code, status or start_date/end_date");
		return;
	}
	log_error("open311: %s", store_errmsg());
	o311_error(res, f, 503, "store unavailable, try again");
}

/*
 * A request the partner filed itself, whatever its status (withdrawn and
 * rejected ones too, status closed): 1 answered, 0 not the partner's
 * (answer as to anyone), -1 answered with an error.
 */
static int
o311_own(struct agency_ctx *a, const struct conf_partner *partner, const char *id, enum fmt f,
    struct http_response *res)
{
	struct store_complaint cm;
	char note[NOTE_BUF];
	json_t *arr;
	int r;

	if ((r = store_complaint_get(a->store, id, &cm)) == 0)
		return 0;
	if (r < 0 || (strcmp(cm.partner, partner->id) == 0 &&
	    store_last_agency_note(a->store, cm.id, note, sizeof note) < 0)) {
		if (r > 0)
			store_complaint_clear(&cm);
		log_error("open311: %s", store_errmsg());
		o311_error(res, f, 503, "store unavailable, try again");
		return -1;
	}
	if (strcmp(cm.partner, partner->id) != 0) {
		store_complaint_clear(&cm);
		return 0;
	}
	utf8_fix_tail(note);
	arr = ticket_must(json_array());
	json_array_append_new(arr, o311_request(a->conf, &cm, note, 1));
	store_complaint_clear(&cm);
	respond_list(res, 200, f, arr, "service_requests", "request");
	return 1;
}

static void
o311_one(struct agency_ctx *a, const struct conf_partner *partner, const char *id, enum fmt f,
    struct http_response *res)
{
	struct store_complaint cm;
	char note[NOTE_BUF];
	json_t *arr, *o;
	int r;

	if (!agency_all_digits(id, 8, 8)) {
		o311_error(res, f, 404, "no such service request");
		return;
	}
	if (partner != NULL && o311_own(a, partner, id, f, res) != 0)
		return;
	/* Withdrawn and rejected tickets read exactly like unknown ones. */
	if ((r = store_public_get(a->store, id, &cm, note, sizeof note)) == 0) {
		o311_error(res, f, 404, "no such service request");
		return;
	}
	if (r < 0) {
		log_error("open311: %s", store_errmsg());
		o311_error(res, f, 503, "store unavailable, try again");
		return;
	}
	utf8_fix_tail(note);    /* written by the store, always terminated */
	o = o311_request(a->conf, &cm, note, 0);
	store_complaint_clear(&cm);
	arr = ticket_must(json_array());
	json_array_append_new(arr, o);
	respond_list(res, 200, f, arr, "service_requests", "request");
}

/* GeoReport's service definition: the rule's attributes; 404 for an unknown code. */
static void
o311_definition(const struct conf *c, const char *code, enum fmt f, struct http_response *res)
{
	const struct conf_rule *r = NULL;
	struct sbuf b;
	json_t *o, *attrs, *at, *vals, *v;
	char up[64];
	size_t i, k, n = strlen(code);

	for (i = 0; i < n && n < sizeof up; i++)
		up[i] = (code[i] >= 'a' && code[i] <= 'z') ? (char)(code[i] - 'a' + 'A') : code[i];
	if (n < sizeof up) {
		up[n] = '\0';
		r = rule_of(c, up);
	}
	if (r == NULL && c->npartners > 0 && n < sizeof up &&
	    strcmp(up, OPEN311_TRIAGE_CODE) == 0) {
		o = ticket_must(json_object());
		put(o, "service_code", OPEN311_TRIAGE_CODE);
		json_object_set_new(o, "attributes", json_array());
		if (f == FMT_JSON)
			agency_respond_json(res, 200, o);
		else {
			static const char triage[] = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
			    "<service_definition><service_code>" OPEN311_TRIAGE_CODE
			    "</service_code><attributes></attributes></service_definition>\n";

			json_decref(o);
			http_respond(res, 200, CT_XML, triage, sizeof triage - 1);
		}
		return;
	}
	if (r == NULL) {
		o311_error(res, f, 404, "no such service: services.json lists them");
		return;
	}
	o = ticket_must(json_object());
	put(o, "service_code", r->keyword);
	attrs = ticket_must(json_array());
	for (i = 0; i < r->nattrs; i++) {
		const struct conf_attr *ca = &r->attrs[i];

		at = ticket_must(json_object());
		json_object_set_new(at, "variable", json_true());
		put(at, "code", ca->code);
		put(at, "datatype", conf_attr_type_name(ca->type));
		json_object_set_new(at, "required", json_boolean(ca->required));
		put(at, "datatype_description", NULL);
		json_object_set_new(at, "order", json_integer((json_int_t)i + 1));
		put(at, "description", ca->description);
		if (ca->nvalues > 0) {
			vals = ticket_must(json_array());
			for (k = 0; k < ca->nvalues; k++) {
				v = ticket_must(json_object());
				put(v, "key", ca->values[k]);
				put(v, "name", ca->values[k]);
				json_array_append_new(vals, v);
			}
			json_object_set_new(at, "values", vals);
		}
		json_array_append_new(attrs, at);
	}
	json_object_set_new(o, "attributes", attrs);
	if (f == FMT_JSON) {
		agency_respond_json(res, 200, o);
		return;
	}
	/* <service_definition><service_code/><attributes><attribute>...<values><value>... */
	sbuf_init(&b, XML_MAX);
	sbuf_str(&b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<service_definition>"
	    "<service_code>");
	buf_xml(&b, r->keyword);
	sbuf_str(&b, "</service_code><attributes>");
	json_array_foreach(attrs, i, at) {
		json_t *copy = json_copy(at);

		vals = json_object_get(at, "values");
		json_object_del(copy, "values");
		sbuf_str(&b, "<attribute>");
		xml_members(&b, copy);
		json_decref(copy);
		if (vals != NULL) {
			sbuf_str(&b, "<values>");
			json_array_foreach(vals, k, v) {
				sbuf_str(&b, "<value>");
				xml_members(&b, v);
				sbuf_str(&b, "</value>");
			}
			sbuf_str(&b, "</values>");
		}
		sbuf_str(&b, "</attribute>");
	}
	sbuf_str(&b, "</attributes></service_definition>\n");
	json_decref(o);
	if (b.overflow) {
		free(b.s);
		o311_error(res, f, 500, "answer too large");
		return;
	}
	http_respond(res, 200, CT_XML, b.s, b.len);
	free(b.s);
}

/* The partner whose api_key the request carries (query or form), or NULL. */
static const struct conf_partner *
o311_partner(const struct conf *c, const struct http_request *req)
{
	const char *key;
	char hex[2 * CRYPTO_SHA256_LEN + 1];
	size_t len, i;
	const struct conf_partner *found = NULL;

	if (c->npartners == 0 || (key = http_param(req, "api_key", &len)) == NULL || len == 0)
		return NULL;
	crypto_sha256_hex(key, len, hex);
	for (i = 0; i < c->npartners; i++)
		if (c->partners[i].key_sha256 != NULL &&
		    crypto_equal(c->partners[i].key_sha256, hex, sizeof hex - 1))
			found = &c->partners[i];
	return found;
}

struct o311_fields {
	struct open311_param p[REQUEST_PARAMS_MAX_O311];
	size_t n;
};

static int
o311_field(void *arg, const char *name, const char *value, size_t len)
{
	struct o311_fields *fl = arg;
	size_t i;

	for (i = 0; i < fl->n; i++)
		if (strcmp(fl->p[i].name, name) == 0)
			return 0;       /* in the query already: that one, as http_param */
	if (fl->n == REQUEST_PARAMS_MAX_O311)
		return 1;
	fl->p[fl->n].name = name;
	fl->p[fl->n].value = value;
	fl->p[fl->n].len = len;
	fl->n++;
	return 0;
}

/* The 201 (or 200 for a repeat) answer: [{service_request_id, service_notice, account_id}]. */
static void
o311_post_answer(struct http_response *res, enum fmt f, int status, const char *ticket,
    int repeat)
{
	json_t *arr = ticket_must(json_array()), *o = ticket_must(json_object());

	put(o, "service_request_id", ticket);
	put(o, "service_notice", repeat ? "already received with this Idempotency-Key" :
	    "received");
	put(o, "account_id", NULL);
	json_array_append_new(arr, o);
	respond_list(res, status, f, arr, "service_requests", "request");
}

/*
 * POST requests: a partner's complaint.  415 unless a form, 403 without a
 * partner's api_key, 400 for a bad Idempotency-Key or field, 201 with the
 * ticket once committed, 200 with the first ticket for a repeated key.
 */
static void
o311_post(struct agency_ctx *a, const struct conf_partner *partner,
    const struct http_request *req, enum fmt f, struct http_response *res)
{
	static const char form[] = "application/x-www-form-urlencoded";
	const char *ct = http_header(req, "Content-Type"), *idem;
	struct o311_fields fl;
	struct open311_post p;
	char msg[256], ticket[9];
	size_t i;
	int r;

	if (ct == NULL || strncasecmp(ct, form, sizeof form - 1) != 0 ||
	    (ct[sizeof form - 1] != '\0' && ct[sizeof form - 1] != ';' &&
	    ct[sizeof form - 1] != ' ')) {
		o311_error(res, f, 415, "the body must be application/x-www-form-urlencoded");
		return;
	}
	if (partner == NULL) {
		o311_error(res, f, 403, "api_key is missing or unknown");
		return;
	}
	if ((idem = http_header(req, "Idempotency-Key")) != NULL) {
		for (i = 0; idem[i] != '\0' && idem[i] >= 0x20 && idem[i] < 0x7f; i++)
			;
		if (i == 0 || idem[i] != '\0' || i > OPEN311_IDEM_MAX) {
			o311_error(res, f, 400, "the Idempotency-Key header must be 1 to 100 "
			    "printable ASCII characters");
			return;
		}
	}
	fl.n = 0;
	if (http_params_each(req, 0, o311_field, &fl) != 0 ||
	    http_params_each(req, 1, o311_field, &fl) != 0) {
		o311_error(res, f, 400, "too many fields");
		return;
	}
	if (open311_post_read(a->conf, fl.p, fl.n, &p, msg, sizeof msg) != 0) {
		log_info("open311: partner %s: 400: %s", partner->id, msg);
		o311_error(res, f, 400, msg);
		return;
	}
	if ((r = open311_post_store(a, partner, &p, idem, now_unix(), ticket)) < 0) {
		log_error("open311: partner %s: %s", partner->id, store_errmsg());
		o311_error(res, f, 503, "store unavailable, try again");
		return;
	}
	log_info("open311: partner %s: %s ticket %s", partner->id, r == 1 ? "new" : "repeated",
	    ticket);
	o311_post_answer(res, f, r == 1 ? 201 : 200, ticket, r == 0);
}

static void
o311_handle(struct agency_ctx *a, const struct http_request *req, struct http_response *res)
{
	static const char prefix[] = "/open311/v2/";
	/* http.c copies the header in this thread before it runs another handler. */
	static _Thread_local char retry_after[24];
	const char *path = http_request_path(req), *dot;
	char base[64];
	enum fmt f = FMT_JSON;
	const struct conf_partner *partner;
	size_t n;
	long wait;

	/* Off: as if there were no such endpoint. */
	if (!a->conf->open311_enabled) {
		o311_error(res, f, 404, "not found: Open311 is not enabled here");
		return;
	}
	/* A partner's valid key is not held to the per-address limit; a wrong one is. */
	partner = o311_partner(a->conf, req);
	if (partner == NULL && (wait = o311_wait(a->conf, http_request_peer(req))) > 0) {
		o311_error(res, f, 429, "too many requests from this address: try again later");
		snprintf(retry_after, sizeof retry_after, "%ld", wait);
		res->header_name = "Retry-After";
		res->header_value = retry_after;
		return;
	}
	if (path == NULL || strncmp(path, prefix, sizeof prefix - 1) != 0) {
		o311_error(res, f, 404, "not found");
		return;
	}
	path += sizeof prefix - 1;
	if ((dot = strrchr(path, '.')) == NULL || (strcmp(dot, ".json") != 0 &&
	    strcmp(dot, ".xml") != 0) || (size_t)(dot - path) >= sizeof base) {
		o311_error(res, f, 404, "not found: ask for .json or .xml");
		return;
	}
	if (strcmp(dot, ".xml") == 0)
		f = FMT_XML;
	n = (size_t)(dot - path);
	memcpy(base, path, n);
	base[n] = '\0';
	if (http_request_method(req) == HTTP_POST && strcmp(base, "requests") == 0) {
		o311_post(a, partner, req, f, res);
		return;
	}
	if (http_request_method(req) != HTTP_GET) {
		o311_error(res, f, 405, "GET only here; POST requests.json files a complaint");
		res->header_name = "Allow";
		res->header_value = "GET";
		return;
	}
	if (strcmp(base, "services") == 0)
		o311_services(a->conf, f, res);
	else if (strncmp(base, "services/", 9) == 0)
		o311_definition(a->conf, base + 9, f, res);
	else if (strcmp(base, "requests") == 0)
		o311_requests(a, req, f, res);
	else if (strncmp(base, "requests/", 9) == 0)
		o311_one(a, partner, base + 9, f, res);
	else
		o311_error(res, f, 404, "not found");
}

void
agency_open311_handler(void *ctx, const struct http_request *req, struct http_response *res)
{
	struct agency_ctx *a = ctx, local;
	const struct live_snap *snap = agency_pin(a, &local);

	o311_handle(&local, req, res);
	if (snap != NULL)
		live_put(a->live, snap);
}
