/*
 * fetch: one blocking HTTP request per call on its own libcurl easy handle,
 * so any thread may call it without sharing state.  The limits are the
 * point of this file: a whole-request timeout, a short connect timeout, a
 * cap on the answer (the transfer is aborted past it, never buffered
 * whole), no redirects (a webhook or gateway URL that moved is a
 * configuration error to fix, not something to follow blindly), and only
 * http/https.  NOSIGNAL because the threaded resolver needs no SIGALRM and
 * signals would hit arbitrary threads of the daemon.
 *
 * fetch_mail() is the SMTP side: smtp:// with STARTTLS as configured, or
 * smtps://, AUTH when a user name is given (libcurl picks the strongest
 * mechanism the server offers), one message per connection.  Only
 * smtp/smtps there, as only http/https here.
 */
#include "net/fetch.h"

#include <curl/curl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/log.h"
#include "util/util.h"

#define DEFAULT_TIMEOUT         10L
#define CONNECT_TIMEOUT         5L
#define DEFAULT_MAX_RESPONSE    (64 * 1024)

struct sink {
	struct sbuf b;          /* capped at the most we accept */
	const char *want;       /* req->want_header */
	struct fetch_res *res;  /* where its value goes */
};

int
fetch_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

void
fetch_cleanup(void)
{
	curl_global_cleanup();
}

static size_t
on_data(char *data, size_t size, size_t nmemb, void *arg)
{
	struct sink *k = arg;
	size_t n = size * nmemb;

	/* Past the cap: returning short makes libcurl abort with CURLE_WRITE_ERROR. */
	return sbuf_add(&k->b, data, n) == 0 ? n : 0;
}

/* One header line: keeps the value of the one the caller asked for. */
static size_t
on_header(char *line, size_t size, size_t nmemb, void *arg)
{
	struct sink *k = arg;
	size_t n = size * nmemb, nl = strlen(k->want), v, end;

	if (n > nl && line[nl] == ':' && strncasecmp(line, k->want, nl) == 0) {
		for (v = nl + 1; v < n && (line[v] == ' ' || line[v] == '\t'); v++)
			;
		for (end = n; end > v && (line[end - 1] == '\r' || line[end - 1] == '\n'); end--)
			;
		if (end - v >= sizeof k->res->header)
			end = v + sizeof k->res->header - 1;
		memcpy(k->res->header, line + v, end - v);
		k->res->header[end - v] = '\0';
	}
	return n;
}

int
fetch(const struct fetch_req *req, struct fetch_res *res)
{
	struct curl_slist *hdrs = NULL, *t;
	struct sink k = { 0 };
	char curlerr[CURL_ERROR_SIZE];
	long timeout = req->timeout_s > 0 ? req->timeout_s : DEFAULT_TIMEOUT;
	size_t i;
	CURLcode rc;
	CURL *h;
	int post = req->method != NULL && strcmp(req->method, "POST") == 0;

	memset(res, 0, sizeof *res);
	sbuf_init(&k.b, req->max_response > 0 ? req->max_response : DEFAULT_MAX_RESPONSE);
	curlerr[0] = '\0';

	if ((h = curl_easy_init()) == NULL) {
		res->body = xstrdup("");
		snprintf(res->error, sizeof res->error, "cannot create a libcurl handle");
		return -1;
	}
	/* Our own Content-Type and no "Expect: 100-continue" round trip. */
	if (post && req->content_type != NULL) {
		char ct[256];

		snprintf(ct, sizeof ct, "Content-Type: %s", req->content_type);
		if ((t = curl_slist_append(hdrs, ct)) == NULL)
			goto oom;
		hdrs = t;
	}
	if ((t = curl_slist_append(hdrs, "Expect:")) == NULL)
		goto oom;
	hdrs = t;
	for (i = 0; req->headers != NULL && req->headers[i] != NULL; i++) {
		if ((t = curl_slist_append(hdrs, req->headers[i])) == NULL)
			goto oom;
		hdrs = t;
	}

	curl_easy_setopt(h, CURLOPT_URL, req->url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT < timeout ?
	    CONNECT_TIMEOUT : timeout);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_USERAGENT, "aduan");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, curlerr);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &k);
	if (req->want_header != NULL) {
		k.want = req->want_header;
		k.res = res;
		curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
		curl_easy_setopt(h, CURLOPT_HEADERDATA, &k);
	}
	/* Refuses at once when the server announces a larger body. */
	curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)k.b.max);
	if (post) {
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)(req->body != NULL ? req->body_len : 0));
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body != NULL ? req->body : "");
	} else
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);

	rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &res->status);
	curl_easy_cleanup(h);
	curl_slist_free_all(hdrs);

	res->body = k.b.s != NULL ? k.b.s : xstrdup("");
	res->body_len = k.b.len;
	if (rc == CURLE_OK)
		return 0;
	if (k.b.overflow || rc == CURLE_FILESIZE_EXCEEDED)
		snprintf(res->error, sizeof res->error, "response too large (over %zu bytes)",
		    k.b.max);
	else if (rc == CURLE_OPERATION_TIMEDOUT) {
		res->timed_out = 1;
		snprintf(res->error, sizeof res->error, "timed out after %ld s", timeout);
	} else
		snprintf(res->error, sizeof res->error, "%s",
		    curlerr[0] != '\0' ? curlerr : curl_easy_strerror(rc));
	return -1;

oom:
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(h);
	res->body = xstrdup("");
	snprintf(res->error, sizeof res->error, "out of memory building the request");
	return -1;
}

/* ---- SMTP ------------------------------------------------------------------ */

#define MAIL_TIMEOUT            30L

/* What libcurl reads the message from, and where the server's lines go. */
struct mail_io {
	const char *p;
	size_t left;
	struct fetch_mail_res *res;
};

static size_t
on_mail_read(char *buf, size_t size, size_t nitems, void *arg)
{
	struct mail_io *io = arg;
	size_t n = size * nitems;

	if (n > io->left)
		n = io->left;
	memcpy(buf, io->p, n);
	io->p += n;
	io->left -= n;
	return n;
}

/* Each reply line of the server: the last one says why a refusal came. */
static size_t
on_mail_reply(char *line, size_t size, size_t nmemb, void *arg)
{
	struct mail_io *io = arg;
	size_t n = size * nmemb, end = n, i;
	char *out = io->res->reply;

	while (end > 0 && (line[end - 1] == '\r' || line[end - 1] == '\n'))
		end--;
	if (end >= sizeof io->res->reply)
		end = utf8_cut(line, end, sizeof io->res->reply - 1);
	for (i = 0; i < end; i++)
		out[i] = (unsigned char)line[i] < 0x20 ? ' ' : line[i];
	out[end] = '\0';
	return n;
}

int
fetch_mail(const struct fetch_mail *m, struct fetch_mail_res *res)
{
	struct curl_slist *rcpt = NULL, *t;
	struct mail_io io;
	char curlerr[CURL_ERROR_SIZE], addr[300];
	long timeout = m->timeout_s > 0 ? m->timeout_s : MAIL_TIMEOUT;
	size_t i;
	CURLcode rc;
	CURL *h;

	memset(res, 0, sizeof *res);
	curlerr[0] = '\0';
	if ((h = curl_easy_init()) == NULL) {
		snprintf(res->error, sizeof res->error, "cannot create a libcurl handle");
		return -1;
	}
	for (i = 0; m->to != NULL && m->to[i] != NULL; i++) {
		snprintf(addr, sizeof addr, "<%s>", m->to[i]);
		if ((t = curl_slist_append(rcpt, addr)) == NULL) {
			curl_slist_free_all(rcpt);
			curl_easy_cleanup(h);
			snprintf(res->error, sizeof res->error, "out of memory building the request");
			return -1;
		}
		rcpt = t;
	}
	if (rcpt == NULL) {
		curl_easy_cleanup(h);
		snprintf(res->error, sizeof res->error, "no recipient");
		return -1;
	}
	io.p = m->message;
	io.left = m->message_len;
	io.res = res;
	snprintf(addr, sizeof addr, "<%s>", m->from);

	curl_easy_setopt(h, CURLOPT_URL, m->url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT < timeout ?
	    CONNECT_TIMEOUT : timeout);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, curlerr);
	curl_easy_setopt(h, CURLOPT_USE_SSL, m->tls == FETCH_TLS_REQUIRED ? (long)CURLUSESSL_ALL :
	    m->tls == FETCH_TLS_OPTIONAL ? (long)CURLUSESSL_TRY : (long)CURLUSESSL_NONE);
	if (m->username != NULL) {
		curl_easy_setopt(h, CURLOPT_USERNAME, m->username);
		curl_easy_setopt(h, CURLOPT_PASSWORD, m->password != NULL ? m->password : "");
	}
	curl_easy_setopt(h, CURLOPT_MAIL_FROM, addr);
	curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, on_mail_read);
	curl_easy_setopt(h, CURLOPT_READDATA, &io);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_mail_reply);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, &io);

	rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &res->code);
	curl_easy_cleanup(h);
	curl_slist_free_all(rcpt);
	if (rc == CURLE_OK)
		return 0;
	if (rc == CURLE_OPERATION_TIMEDOUT) {
		res->timed_out = 1;
		snprintf(res->error, sizeof res->error, "timed out after %ld s", timeout);
	} else if (rc == CURLE_USE_SSL_FAILED) {
		res->tls_refused = 1;
		snprintf(res->error, sizeof res->error, "the server offers no STARTTLS (%s)",
		    curlerr[0] != '\0' ? curlerr : curl_easy_strerror(rc));
	} else {
		snprintf(res->error, sizeof res->error, "%s%s%s",
		    curlerr[0] != '\0' ? curlerr : curl_easy_strerror(rc),
		    res->reply[0] != '\0' ? "; the server said: " : "", res->reply);
	}
	return -1;
}

void
fetch_res_clear(struct fetch_res *res)
{
	free(res->body);
	memset(res, 0, sizeof *res);
}

char *
fetch_escape(const char *s, size_t len)
{
	char *e, *copy;

	/*
	 * libcurl takes an int length; our texts are bounded far below it,
	 * so a longer one is a bug, like running out of memory.
	 */
	if (len > INT_MAX)
		fatal("fetch_escape: %zu bytes is too long to escape", len);
	/* libcurl reads a length of 0 as "use strlen()". */
	if (len == 0)
		return xstrdup("");
	if ((e = curl_easy_escape(NULL, s, (int)len)) == NULL)
		fatal("fetch_escape: out of memory (%zu bytes)", len);
	/* Callers free() what we return; libcurl's memory wants curl_free(). */
	copy = xstrdup(e);
	curl_free(e);
	return copy;
}

void
fetch_quote(const char *body, size_t len, char *out, size_t outsz)
{
	size_t i, n = len < FETCH_QUOTE_MAX ? len : FETCH_QUOTE_MAX;

	if (n >= outsz)
		n = outsz - 1;
	n = utf8_cut(body, len, n);
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)body[i];

		out[i] = ch < 0x20 || ch == 0x7F ? ' ' : (char)ch;
	}
	while (i > 0 && out[i - 1] == ' ')
		i--;
	out[i] = '\0';
}
