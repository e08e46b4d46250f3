/*
 * phone: a feature phone in the terminal.  `aduan sms` builds the same URL
 * Kannel's smsbox builds (%p, %P, %b, %c, %C, %I, %T); `aduan phone --ussd`
 * talks Africa's Talking's USSD protocol (form POST, cumulative text,
 * CON/END answers).  What an operator tries here is what a citizen's phone
 * would get.
 */
#include "ops/phone.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "util/util.h"

#define MAX_ANSWER (64 * 1024)

struct answer {
	char *buf;
	size_t len;
	int coding2;
};

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct answer *a = arg;
	size_t len = size * n;

	if (a->len + len > MAX_ANSWER)
		return 0;
	a->buf = xrealloc(a->buf, a->len + len + 1);
	memcpy(a->buf + a->len, p, len);
	a->len += len;
	a->buf[a->len] = '\0';
	return len;
}

static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	struct answer *a = arg;
	size_t len = size * n;
	static const char h[] = "X-Kannel-Coding: 2";

	if (len >= sizeof h - 1 && strncasecmp(p, h, sizeof h - 1) == 0)
		a->coding2 = 1;
	return len;
}

/* A Kannel-like UUID for the id parameter (%I). */
static void
new_id(char *buf, size_t bufsz)
{
	unsigned char r[16];
	size_t got = 0;

	while (got < sizeof r) {
		ssize_t k = getrandom(r + got, sizeof r - got, 0);

		if (k <= 0)
			break;
		got += (size_t)k;
	}
	snprintf(buf, bufsz, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	    r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12],
	    r[13], r[14], r[15]);
}

int
phone_sms_send(const struct phone_sms *m, char **body, int *coding2, char *err, size_t errsz)
{
	CURL *curl;
	CURLcode cc;
	struct answer a = { 0 };
	char id[40], tbuf[24], *url = NULL, *e_secret, *e_from, *e_to, *e_text, *e_id;
	size_t ulen;
	long status = 0;

	*body = NULL;
	*coding2 = 0;
	curl = curl_easy_init();
	if (curl == NULL) {
		snprintf(err, errsz, "cannot start libcurl");
		return -1;
	}
	if (m->id == NULL)
		new_id(id, sizeof id);
	else
		str_copy(id, sizeof id, m->id);
	snprintf(tbuf, sizeof tbuf, "%lld", (long long)time(NULL));
	e_secret = curl_easy_escape(curl, m->secret, 0);
	e_from = curl_easy_escape(curl, m->from, 0);
	e_to = curl_easy_escape(curl, m->to, 0);
	e_text = curl_easy_escape(curl, m->text, 0);
	e_id = curl_easy_escape(curl, m->id ? m->id : id, 0);
	ulen = strlen(m->base_url) + strlen(e_secret) + strlen(e_from) + strlen(e_to) +
	    strlen(e_text) + strlen(e_id) + 128;
	url = xmalloc(ulen);
	snprintf(url, ulen,
	    "%s/kannel/sms?secret=%s&from=%s&to=%s&text=%s&coding=0&charset=UTF-8&id=%s&time=%s",
	    m->base_url, e_secret, e_from, e_to, e_text, e_id, tbuf);
	curl_free(e_secret);
	curl_free(e_from);
	curl_free(e_to);
	curl_free(e_text);
	curl_free(e_id);

	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &a);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, &a);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	cc = curl_easy_perform(curl);
	free(url);
	if (cc != CURLE_OK) {
		snprintf(err, errsz, "%s", curl_easy_strerror(cc));
		free(a.buf);
		curl_easy_cleanup(curl);
		return -1;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(curl);
	*body = a.buf ? a.buf : xstrdup("");
	*coding2 = a.coding2;
	return (int)status;
}

/* "*123*1*2#" -> service code "*123#" and first text "1*2". */
static int
split_code(const char *code, char *svc, size_t svcsz, char *text, size_t textsz)
{
	size_t n = strlen(code);
	const char *star;

	if (n < 3 || code[0] != '*' || code[n - 1] != '#')
		return -1;
	star = memchr(code + 1, '*', n - 2);
	if (star == NULL) {
		snprintf(svc, svcsz, "%s", code);
		text[0] = '\0';
		return 0;
	}
	snprintf(svc, svcsz, "%.*s#", (int)(star - code), code);
	snprintf(text, textsz, "%.*s", (int)(code + n - 1 - star - 1), star + 1);
	return 0;
}

static int
ussd_post(CURL *curl, const char *url, const char *form, struct answer *a, long *status,
    char *err, size_t errsz)
{
	CURLcode cc;

	free(a->buf);
	memset(a, 0, sizeof *a);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, form);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, a);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	cc = curl_easy_perform(curl);
	if (cc != CURLE_OK) {
		snprintf(err, errsz, "%s", curl_easy_strerror(cc));
		return -1;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, status);
	return 0;
}

int
phone_ussd_run(const struct phone_ussd *u, char *err, size_t errsz)
{
	CURL *curl;
	struct answer a = { 0 };
	char svc[64], sid[48], url[600], line[512], *text, *form = NULL;
	char *e_secret, *e_text, *e_from, *e_svc, *e_sid;
	size_t tlen, cap = 8192, n;
	long status = 0;
	int rc = -1, end;

	text = xmalloc(cap);
	if (split_code(u->code, svc, sizeof svc, text, cap) != 0) {
		snprintf(err, errsz, "'%s' is not a USSD code (like *123# or *123*1#)", u->code);
		free(text);
		return -1;
	}
	if (u->session)
		str_copy(sid, sizeof sid, u->session);
	else {
		char id[40];

		new_id(id, sizeof id);
		snprintf(sid, sizeof sid, "ATUid_%.32s", id);
	}
	curl = curl_easy_init();
	if (curl == NULL) {
		snprintf(err, errsz, "cannot start libcurl");
		free(text);
		return -1;
	}
	e_secret = curl_easy_escape(curl, u->secret, 0);
	snprintf(url, sizeof url, "%s/africastalking/ussd?secret=%s", u->base_url, e_secret);
	curl_free(e_secret);
	e_from = curl_easy_escape(curl, u->from, 0);
	e_svc = curl_easy_escape(curl, svc, 0);
	e_sid = curl_easy_escape(curl, sid, 0);
	for (;;) {
		e_text = curl_easy_escape(curl, text, 0);
		n = strlen(e_sid) + strlen(e_svc) + strlen(e_from) + strlen(e_text) + 96;
		form = xrealloc(form, n);
		snprintf(form, n, "sessionId=%s&serviceCode=%s&phoneNumber=%s&networkCode=51010&text=%s",
		    e_sid, e_svc, e_from, e_text);
		curl_free(e_text);
		if (ussd_post(curl, url, form, &a, &status, err, errsz) != 0)
			break;
		if (status != 200) {
			snprintf(err, errsz, "the service answered HTTP %ld: %s", status,
			    a.buf ? a.buf : "");
			break;
		}
		if (a.buf == NULL || (strncmp(a.buf, "CON ", 4) != 0 && strncmp(a.buf, "END ", 4) != 0)) {
			snprintf(err, errsz, "the answer is neither CON nor END: %.80s",
			    a.buf ? a.buf : "(empty)");
			break;
		}
		end = a.buf[0] == 'E';
		fprintf(u->out, "+------------------------------+\n%s\n+------------------------------+\n",
		    a.buf + 4);
		if (end) {
			fprintf(u->out, "(session ended)\n");
			rc = 0;
			break;
		}
		fprintf(u->out, "> ");
		fflush(u->out);
		if (fgets(line, sizeof line, u->in) == NULL) {
			fprintf(u->out, "\n(call dropped: no END was sent; dial again to see what the service offers)\n");
			rc = 1;
			break;
		}
		line[strcspn(line, "\r\n")] = '\0';
		/* Typed answers echo on a terminal; piped ones are shown for the transcript. */
		if (!isatty(fileno(u->in)))
			fprintf(u->out, "%s\n", line);
		tlen = strlen(text);
		if (tlen + strlen(line) + 2 > cap) {
			snprintf(err, errsz, "session text too long");
			break;
		}
		if (tlen > 0)
			text[tlen++] = '*';
		memcpy(text + tlen, line, strlen(line) + 1);
	}
	curl_free(e_from);
	curl_free(e_svc);
	curl_free(e_sid);
	curl_easy_cleanup(curl);
	free(a.buf);
	free(form);
	free(text);
	return rc;
}
