/*
 * phone: a feature phone in the terminal.  `aduan sms` builds the same URL
 * Kannel's smsbox builds (%p, %P, %b, %c, %C, %I, %T); `aduan phone --ussd`
 * talks Africa's Talking's USSD protocol (form POST, cumulative text,
 * CON/END answers).  What an operator tries here is what a citizen's phone
 * would get.
 */
#include "ops/phone.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "net/fetch.h"
#include "util/util.h"

#define MAX_ANSWER (64 * 1024)
/* Seconds a request may take, as long as a phone would wait. */
#define TIMEOUT 30

/* URL-encodes a C string into a heap string. */
static char *
escape(const char *s)
{
	return fetch_escape(s, strlen(s));
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
	struct fetch_req req = { 0 };
	struct fetch_res res;
	char id[40], tbuf[24], *url = NULL, *e_secret, *e_from, *e_to, *e_text, *e_id;
	size_t ulen;

	*body = NULL;
	*coding2 = 0;
	if (m->id == NULL)
		new_id(id, sizeof id);
	else
		str_copy(id, sizeof id, m->id);
	snprintf(tbuf, sizeof tbuf, "%lld", (long long)time(NULL));
	e_secret = escape(m->secret);
	e_from = escape(m->from);
	e_to = escape(m->to);
	e_text = escape(m->text);
	e_id = escape(m->id ? m->id : id);
	ulen = strlen(m->base_url) + strlen(e_secret) + strlen(e_from) + strlen(e_to) +
	    strlen(e_text) + strlen(e_id) + 128;
	url = xmalloc(ulen);
	snprintf(url, ulen,
	    "%s/kannel/sms?secret=%s&from=%s&to=%s&text=%s&coding=0&charset=UTF-8&id=%s&time=%s",
	    m->base_url, e_secret, e_from, e_to, e_text, e_id, tbuf);
	free(e_secret);
	free(e_from);
	free(e_to);
	free(e_text);
	free(e_id);

	req.method = "GET";
	req.url = url;
	req.timeout_s = TIMEOUT;
	req.max_response = MAX_ANSWER;
	req.want_header = "X-Kannel-Coding";
	if (fetch(&req, &res) != 0) {
		snprintf(err, errsz, "%s", res.error);
		fetch_res_clear(&res);
		free(url);
		return -1;
	}
	free(url);
	*body = res.body;       /* ours now: "" when the answer had none */
	*coding2 = res.header[0] == '2';
	return (int)res.status;
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

/* POSTs the form; the answer replaces the one in *a.  0, or -1 with err. */
static int
ussd_post(const char *url, const char *form, struct fetch_res *a, char *err, size_t errsz)
{
	struct fetch_req req = { 0 };

	fetch_res_clear(a);
	req.method = "POST";
	req.url = url;
	req.content_type = "application/x-www-form-urlencoded";
	req.body = form;
	req.body_len = strlen(form);
	req.timeout_s = TIMEOUT;
	req.max_response = MAX_ANSWER;
	if (fetch(&req, a) != 0) {
		snprintf(err, errsz, "%s", a->error);
		return -1;
	}
	return 0;
}

int
phone_ussd_run(const struct phone_ussd *u, char *err, size_t errsz)
{
	struct fetch_res a = { 0 };
	char svc[64], sid[48], url[600], line[512], *text, *form = NULL;
	char *e_secret, *e_text, *e_from, *e_svc, *e_sid;
	size_t tlen, cap = 8192, n;
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
	e_secret = escape(u->secret);
	snprintf(url, sizeof url, "%s/africastalking/ussd?secret=%s", u->base_url, e_secret);
	free(e_secret);
	e_from = escape(u->from);
	e_svc = escape(svc);
	e_sid = escape(sid);
	for (;;) {
		e_text = escape(text);
		n = strlen(e_sid) + strlen(e_svc) + strlen(e_from) + strlen(e_text) + 96;
		form = xrealloc(form, n);
		snprintf(form, n, "sessionId=%s&serviceCode=%s&phoneNumber=%s&networkCode=51010&text=%s",
		    e_sid, e_svc, e_from, e_text);
		free(e_text);
		if (ussd_post(url, form, &a, err, errsz) != 0)
			break;
		if (a.status != 200) {
			snprintf(err, errsz, "the service answered HTTP %ld: %s", a.status, a.body);
			break;
		}
		if (strncmp(a.body, "CON ", 4) != 0 && strncmp(a.body, "END ", 4) != 0) {
			snprintf(err, errsz, "the answer is neither CON nor END: %.80s",
			    a.body_len > 0 ? a.body : "(empty)");
			break;
		}
		end = a.body[0] == 'E';
		fprintf(u->out, "+------------------------------+\n%s\n+------------------------------+\n",
		    a.body + 4);
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
	free(e_from);
	free(e_svc);
	free(e_sid);
	fetch_res_clear(&a);
	free(form);
	free(text);
	return rc;
}
