/*
 * fuzz_gateway: every gateway's decoders (gateway/gateway.h: decode_sms,
 * decode_ussd, decode_dlr of Kannel, Africa's Talking, Twilio, Vonage,
 * Infobip and the generic JSON endpoint) on hostile requests, with no
 * server: this file builds the struct http_request of net/request.h that
 * net/http.c would build, and the decoders read it through the real
 * accessors (net/request.c: http_param, http_params_each, http_header,
 * http_body, ...), exactly as a handler does, thousands of times a
 * second.  The query string and a form body are split and percent-decoded
 * as libmicrohttpd does ('+' is a space, a bad %XX stays as it is) and
 * stored as net/http.c stores them (request_param_append: the first of a
 * repeated name wins, at most REQUEST_PARAMS_MAX parameters).
 *
 * The config is the example one (conf/aduan.conf or $ADUAN_FUZZ_CONF) with
 * every gateway switched on and server.public_url set.
 *
 * Input, as text (see fuzz/corpus/gateway/):
 *   line 1   GATEWAY KIND METHOD     kannel|africastalking|twilio|vonage|infobip|generic,
 *                                    sms|ussd|dlr, GET|POST
 *   line 2   the query string
 *   lines    Name: value headers, up to an empty line
 *   rest     the body: a form when Content-Type is
 *            application/x-www-form-urlencoded, else the raw body
 * "X-Twilio-Signature: auto" is replaced by the right signature for the
 * form, so that the fuzzer gets past Twilio's check.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf/conf.h"
#include "gateway/gateway.h"
#include "net/http.h"
#include "net/request.h"
#include "gateway/twilio.h"
#include "sms/text.h"
#include "util/util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_HEADERS 16

/* The request's headers, looked up by http_header() through fuzz_header(). */
struct headers {
	char *name[MAX_HEADERS], *value[MAX_HEADERS];
	size_t n;
};

static const char *
fuzz_header(void *conn, const char *name)
{
	const struct headers *h = conn;
	size_t i;

	for (i = 0; i < h->n; i++)
		if (strcasecmp(h->name[i], name) == 0)
			return h->value[i];
	return NULL;
}

/* ---- building a request from the input -------------------------------------- */

static int
hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decodes s[0..len) into a new NUL-terminated string; *outlen its length. */
static char *
unescape(const char *s, size_t len, size_t *outlen)
{
	char *o = xmalloc(len + 1);
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		if (s[i] == '+')
			o[n++] = ' ';
		else if (s[i] == '%' && i + 2 < len && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
			o[n++] = (char)(hex(s[i + 1]) * 16 + hex(s[i + 2]));
			i += 2;
		} else
			o[n++] = s[i];
	}
	o[n] = '\0';
	*outlen = n;
	return o;
}

static void
add_params(struct http_request *r, const char *s, size_t len, int from_body)
{
	size_t i = 0, j, k, nl, vl;
	char *name, *value;

	while (i < len) {
		for (j = i; j < len && s[j] != '&'; j++)
			;
		for (k = i; k < j && s[k] != '='; k++)
			;
		if (j > i) {
			name = unescape(s + i, k - i, &nl);
			vl = 0;
			value = k < j ? unescape(s + k + 1, j - k - 1, &vl) : xstrdup("");
			/* As net/http.c: repeated in the same source, the first wins. */
			if (request_param_find(r, name, from_body) == NULL &&
			    request_param_append(r, name, value, vl, from_body) == -1) {
				free(name);
				free(value);
				return;
			}
			free(name);
			free(value);
		}
		i = j + 1;
	}
}

static void
headers_free(struct headers *h)
{
	size_t i;

	for (i = 0; i < h->n; i++) {
		free(h->name[i]);
		free(h->value[i]);
	}
}

/* The next line of the input (without its LF); NULL at the end. */
static const char *
line(const char **p, const char *end, size_t *len)
{
	const char *s = *p, *nl;

	if (s >= end)
		return NULL;
	nl = memchr(s, '\n', (size_t)(end - s));
	if (nl == NULL)
		nl = end;
	*len = (size_t)(nl - s);
	*p = nl < end ? nl + 1 : end;
	return s;
}

static struct conf *conf;
static int verbose;             /* $FUZZ_VERBOSE: print each decode's answer */

static const char *const gateways_conf =
    "gateways = {\n"
    "  twilio = { auth_token = \"fuzz-twilio-auth-token-0123\";"
    " url = \"https://aduan.example.go.id/twilio/sms\"; };\n"
    "  vonage = { secret = \"fuzz-rahasia-vonage\"; };\n"
    "  infobip = { secret = \"fuzz-rahasia-infobip\"; };\n"
    "  generic = { secret = \"fuzz-rahasia-generic\"; };\n";

/* The configuration file read at start (ours is about 30 KiB). */
#define CONF_TEXT_MAX   (1 << 20)

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct conf_errors errs;
	const char *path = getenv("ADUAN_FUZZ_CONF");
	struct sbuf b;
	char chunk[4096], *at;
	FILE *f;
	size_t n;

	(void)argc;
	(void)argv;
	if (path == NULL)
		path = "conf/aduan.conf";
	f = fopen(path, "r");
	if (f == NULL) {
		fprintf(stderr, "fuzz_gateway: cannot open %s\n", path);
		exit(2);
	}
	sbuf_init(&b, CONF_TEXT_MAX);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		sbuf_add(&b, chunk, n);
	fclose(f);
	if (b.overflow || b.s == NULL) {
		fprintf(stderr, "fuzz_gateway: %s is empty or over %d bytes\n", path, CONF_TEXT_MAX);
		exit(2);
	}
	/* Every gateway on, and the public URL Twilio's status callbacks sign. */
	at = strstr(b.s, "\ngateways = {\n");
	if (at == NULL || strstr(b.s, "\nserver = {\n") == NULL) {
		fprintf(stderr, "fuzz_gateway: %s has no 'gateways = {' or 'server = {' line\n", path);
		exit(2);
	}
	{
		struct sbuf c;
		char *srv;

		sbuf_init(&c, 2 * CONF_TEXT_MAX);
		sbuf_add(&c, b.s, (size_t)(at + 1 - b.s));
		sbuf_str(&c, gateways_conf);
		sbuf_str(&c, at + strlen("\ngateways = {\n"));
		free(b.s);
		b = c;
		srv = strstr(b.s, "\nserver = {\n");
		sbuf_init(&c, 2 * CONF_TEXT_MAX);
		sbuf_add(&c, b.s, (size_t)(srv - b.s));
		sbuf_str(&c, "\nserver = {\n  public_url = \"https://aduan.example.go.id\";\n");
		sbuf_str(&c, srv + strlen("\nserver = {\n"));
		free(b.s);
		b = c;
	}
	verbose = getenv("FUZZ_VERBOSE") != NULL;
	memset(&errs, 0, sizeof errs);
	conf = conf_load_string(b.s, CONF_DEMO, &errs);
	if (conf == NULL) {
		fprintf(stderr, "fuzz_gateway: %s: line %d: %s\n", path,
		    errs.n > 0 ? errs.e[0].line : 0, errs.n > 0 ? errs.e[0].msg : "cannot load");
		exit(2);
	}
	free(b.s);
	return 0;
}

/*
 * The request net/http.c would hand gw's handler for the rest of the input
 * (from p to end, after its first line): the route's path, the query
 * string, the headers, then a form or a raw body.  Release with
 * request_release() and headers_free().
 */
static void
build_request(struct http_request *r, struct headers *h, const struct gateway *gw,
    const char *kind, const char *method, const char *p, const char *end)
{
	const char *l, *ct, *path;
	size_t len;

	memset(r, 0, sizeof *r);
	memset(h, 0, sizeof *h);
	r->header = fuzz_header;
	r->conn = h;
	str_copy(r->peer, sizeof r->peer, "127.0.0.1");
	r->method = strcmp(method, "POST") == 0 ? HTTP_POST : HTTP_GET;
	path = strcmp(kind, "dlr") == 0 ? gw->dlr_path : strcmp(kind, "ussd") == 0 ?
	    gw->ussd_path : gw->sms_path;
	r->path = path != NULL ? xstrdup(path) : NULL;  /* NULL: the gateway has no such route */
	if ((l = line(&p, end, &len)) != NULL)
		add_params(r, l, len, 0);
	while ((l = line(&p, end, &len)) != NULL && len > 0) {
		const char *colon = memchr(l, ':', len);
		size_t vs;

		if (colon == NULL || h->n == MAX_HEADERS || memchr(l, '\0', len) != NULL)
			continue;
		vs = (size_t)(colon + 1 - l);
		while (vs < len && l[vs] == ' ')
			vs++;
		h->name[h->n] = xstrndup(l, (size_t)(colon - l));
		h->value[h->n] = xstrndup(l + vs, len - vs);
		h->n++;
	}
	if (r->method == HTTP_POST) {
		ct = http_header(r, "Content-Type");
		if (ct != NULL && strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0)
			add_params(r, p, (size_t)(end - p), 1);
		else if (p < end) {
			r->body_len = (size_t)(end - p);
			r->body = xmalloc(r->body_len + 1);
			memcpy(r->body, p, r->body_len);
			r->body[r->body_len] = '\0';
		}
	}
}

static const struct gateway *
gateway_named(const char *s, size_t len)
{
	size_t i;

	for (i = 0; gateways[i] != NULL; i++)
		if (strlen(gateways[i]->name) == len && memcmp(gateways[i]->name, s, len) == 0)
			return gateways[i];
	return NULL;
}

/* The signature Twilio would send for this form, for "X-Twilio-Signature: auto". */
static void
twilio_sign(struct http_request *r, const char *kind, char *sig, size_t sigsz)
{
	struct twilio_param p[REQUEST_PARAMS_MAX];
	size_t i, n = 0;

	for (i = 0; i < r->nparams; i++)
		if (r->params[i].from_body) {
			p[n].name = r->params[i].name;
			p[n].value = r->params[i].value;
			p[n].len = r->params[i].len;
			n++;
		}
	twilio_signature(conf->twilio_auth_token, strcmp(kind, "dlr") == 0 ?
	    "https://aduan.example.go.id/twilio/status" : conf->twilio_url, p, n, sig, sigsz);
}

static void
check_sms(const struct sms_in *in, size_t n, size_t max)
{
	size_t i;

	if (n > max)
		abort();
	for (i = 0; i < n; i++) {
		if (in[i].text == NULL || strlen(in[i].text) != in[i].text_len ||
		    !text_utf8_valid(in[i].text, in[i].text_len))
			abort();        /* the contract: valid UTF-8, NUL-terminated */
		if ((long)in[i].text_len > conf->max_text)
			abort();
		if (memchr(in[i].from, '\0', sizeof in[i].from) == NULL ||
		    memchr(in[i].to, '\0', sizeof in[i].to) == NULL ||
		    memchr(in[i].id, '\0', sizeof in[i].id) == NULL ||
		    memchr(in[i].concat_ref, '\0', sizeof in[i].concat_ref) == NULL)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sms_in in[SMS_BATCH_MAX];
	const char *p = (const char *)data, *end = p + size, *l;
	const struct gateway *gw;
	struct http_request r;
	struct headers h;
	struct ussd_in u;
	char first[64], kind[8], method[8], gwname[24], err[256], id[128], state[32];
	char sig[TWILIO_SIGNATURE_LEN + 1];
	size_t len, n = 0, i, max;
	int st;

	if (conf == NULL)
		LLVMFuzzerInitialize(NULL, NULL);
	if ((l = line(&p, end, &len)) == NULL || len >= sizeof first)
		return 0;
	memcpy(first, l, len);
	first[len] = '\0';
	if (sscanf(first, "%23s %7s %7s", gwname, kind, method) != 3)
		return 0;
	if ((gw = gateway_named(gwname, strlen(gwname))) == NULL)
		return 0;
	build_request(&r, &h, gw, kind, method, p, end);
	if (r.too_many)
		goto out;               /* http.c answers 400 before any handler */
	for (i = 0; i < h.n; i++)
		if (strcasecmp(h.name[i], "X-Twilio-Signature") == 0 &&
		    strcmp(h.value[i], "auto") == 0) {
			twilio_sign(&r, kind, sig, sizeof sig);
			free(h.value[i]);
			h.value[i] = xstrdup(sig);
		}

	memset(err, 0, sizeof err);
	if (strcmp(kind, "sms") == 0 && gw->decode_sms != NULL) {
		/* Infobip batches: a small max too, to reach "no room" answers. */
		max = size % 3 == 0 ? 1 : SMS_BATCH_MAX;
		st = gw->decode_sms(conf, &r, in, max, &n, err, sizeof err);
		if (st != 0 && n != 0)
			abort();        /* on failure *n is 0 */
		if (st == 0)
			check_sms(in, n, max);
		for (i = 0; i < n; i++) {
			free(in[i].text);
			in[i].text = NULL;
		}
		if (st == 0) {
			struct http_response res = { 0 };

			gw->encode_reply(gw->reply_inline ? "Aduan diterima. No tiket: 48219307" : "", &res);
			free(res.body);
		}
	} else if (strcmp(kind, "ussd") == 0 && gw->decode_ussd != NULL) {
		memset(&u, 0, sizeof u);
		st = gw->decode_ussd(conf, &r, &u, err, sizeof err);
		if (st == 0 && (u.text == NULL || strlen(u.text) != u.text_len ||
		    !text_utf8_valid(u.text, u.text_len) ||
		    memchr(u.session, '\0', sizeof u.session) == NULL ||
		    memchr(u.phone, '\0', sizeof u.phone) == NULL))
			abort();
		free(u.text);
		if (st == 0) {
			struct http_response res = { 0 };

			gw->encode_ussd("1. Aduan baru\n2. Cek status", size & 1, &res);
			free(res.body);
		}
	} else if (strcmp(kind, "dlr") == 0 && gw->decode_dlr != NULL) {
		st = gw->decode_dlr(conf, &r, id, sizeof id, state, sizeof state, err, sizeof err);
		if (st == 0 && (memchr(id, '\0', sizeof id) == NULL ||
		    memchr(state, '\0', sizeof state) == NULL))
			abort();
	} else
		goto out;
	if (verbose)
		fprintf(stderr, "%s %s %s: %d %s\n", gwname, kind, method, st, st ? err : "ok");
	if (st != 0 && (st < 400 || st > 599 || memchr(err, '\0', sizeof err) == NULL ||
	    err[0] == '\0'))
		abort();                /* a refusal is an HTTP status with a reason */
out:
	request_release(&r);
	headers_free(&h);
	return 0;
}
