/*
 * phone: the client side of the Kannel get-url, for `aduan sms`.  It builds
 * the same URL smsbox builds (%p, %P, %b, %c, %C, %I, %T) so that what an
 * operator tries from a terminal is what a citizen's phone would get.
 */
#include "intake/phone.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

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
