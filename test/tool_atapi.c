/*
 * tool_atapi: a stand-in of Africa's Talking's SMS messaging API for the
 * integration tests.
 *
 *   tool_atapi PORT USERNAME APIKEY LOGFILE [--fail N STATUS]
 *
 * Listens on 127.0.0.1:PORT and answers POST /version1/messaging (an
 * application/x-www-form-urlencoded body) the way the real API does:
 *
 *   - the apiKey header must equal APIKEY, else 401 "The supplied
 *     authentication is invalid";
 *   - the form fields username (must equal USERNAME), to and message must be
 *     there and not empty (from is optional), else 400 with the reason;
 *   - otherwise HTTP 201 with the documented JSON:
 *     {"SMSMessageData":{"Message":"Sent to 1/1 Total Cost: KES 0.8000",
 *      "Recipients":[{"statusCode":101,"number":"<to>","status":"Success",
 *      "cost":"KES 0.8000","messageId":"ATPid_<n>"}]}}
 *     n counts accepted messages from 1.
 *
 * --fail N STATUS answers the first N well-formed requests with HTTP STATUS
 * (and a plain body), as the API does when it is down or rate-limited.
 *
 * LOGFILE gets one line per request, flushed at once, fields separated by
 * tabs:
 *
 *   <status>\t<messageId or ->\t<username>\t<to>\t<from or ->\t<message>
 *
 * with backslash, tab, CR and LF in any field written as \\, \t, \r, \n.  A
 * refused request has its reason in place of the messageId ("BADKEY",
 * "BADUSER", "MISSING:to", ...).  SIGTERM or SIGINT stops it.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/http.h"
#include "test/tool_net.h"

static const char *username, *apikey;
static FILE *log_fp;
static long fail_n, fail_status = 500;
static long requests_ok;        /* well-formed requests so far */
static long accepted;           /* messages accepted (ATPid_<n>) */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void
usage(void)
{
	fprintf(stderr, "usage: tool_atapi PORT USERNAME APIKEY LOGFILE [--fail N STATUS]\n");
	exit(2);
}

/* One field of a log line, escaped; NULL as "-". */
static void
put_field(const char *s, size_t len, int last)
{
	size_t i;

	if (s == NULL) {
		fputc('-', log_fp);
	} else {
		for (i = 0; i < len; i++) {
			switch (s[i]) {
			case '\\': fputs("\\\\", log_fp); break;
			case '\t': fputs("\\t", log_fp); break;
			case '\n': fputs("\\n", log_fp); break;
			case '\r': fputs("\\r", log_fp); break;
			default: fputc(s[i], log_fp); break;
			}
		}
	}
	fputc(last ? '\n' : '\t', log_fp);
}

/* Writes the line; caller holds mu. */
static void
log_request(int status, const char *id, const struct http_request *req)
{
	static const char *const fields[] = { "username", "to", "from", "message" };
	const char *v;
	size_t len, i;

	fprintf(log_fp, "%d\t", status);
	put_field(id, strlen(id), 0);
	for (i = 0; i < 4; i++) {
		v = http_param(req, fields[i], &len);
		put_field(v, len, i == 3);
	}
	fflush(log_fp);
}

/* A JSON string's content: ", \ and control characters escaped. */
static void
json_text(char *out, size_t outsz, const char *s)
{
	size_t n = 0;

	for (; *s != '\0' && n + 7 < outsz; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\') {
			out[n++] = '\\';
			out[n++] = (char)ch;
		} else if (ch < 0x20)
			n += (size_t)snprintf(out + n, outsz - n, "\\u%04x", ch);
		else
			out[n++] = (char)ch;
	}
	out[n] = '\0';
}

static int
present(const char *v, size_t len)
{
	return v != NULL && len > 0 && strlen(v) == len;
}

static void
handler(void *ctx, const struct http_request *req, struct http_response *res)
{
	const char *key = http_header(req, "apiKey");
	const char *user, *to, *msg;
	size_t ulen, tlen, mlen;
	char id[32], why[64], num[128], body[512];
	long n;

	(void)ctx;
	user = http_param(req, "username", &ulen);
	to = http_param(req, "to", &tlen);
	msg = http_param(req, "message", &mlen);
	pthread_mutex_lock(&mu);
	if (http_request_method(req) != HTTP_POST) {
		log_request(405, "NOTPOST", req);
		pthread_mutex_unlock(&mu);
		http_respond_text(res, 405, "Method not allowed");
		return;
	}
	if (key == NULL || strcmp(key, apikey) != 0) {
		log_request(401, "BADKEY", req);
		pthread_mutex_unlock(&mu);
		http_respond_text(res, 401, "The supplied authentication is invalid");
		return;
	}
	if (!present(user, ulen) || strcmp(user, username) != 0) {
		log_request(401, "BADUSER", req);
		pthread_mutex_unlock(&mu);
		http_respond_text(res, 401, "The supplied authentication is invalid");
		return;
	}
	if (!present(to, tlen) || !present(msg, mlen)) {
		snprintf(why, sizeof why, "MISSING:%s", !present(to, tlen) ? "to" : "message");
		log_request(400, why, req);
		pthread_mutex_unlock(&mu);
		snprintf(body, sizeof body, "Request is missing required form field '%s'",
		    why + 8);
		http_respond_text(res, 400, body);
		return;
	}
	n = ++requests_ok;
	if (n <= fail_n) {
		log_request((int)fail_status, "FAIL", req);
		pthread_mutex_unlock(&mu);
		http_respond_text(res, (int)fail_status, "Service temporarily unavailable");
		return;
	}
	snprintf(id, sizeof id, "ATPid_%ld", ++accepted);
	log_request(201, id, req);
	pthread_mutex_unlock(&mu);
	json_text(num, sizeof num, to);
	snprintf(body, sizeof body,
	    "{\"SMSMessageData\":{\"Message\":\"Sent to 1/1 Total Cost: KES 0.8000\","
	    "\"Recipients\":[{\"statusCode\":101,\"number\":\"%s\",\"status\":\"Success\","
	    "\"cost\":\"KES 0.8000\",\"messageId\":\"%s\"}]}}", num, id);
	http_respond(res, 201, "application/json", body, strlen(body));
}

int
main(int argc, char **argv)
{
	struct http_route route = { "/version1/messaging", HTTP_GET | HTTP_POST, handler, NULL };
	int i, port;

	if (argc < 5)
		usage();
	port = (int)tool_number(argv[1], 1, 65535, usage);
	username = argv[2];
	apikey = argv[3];
	for (i = 5; i < argc; i++) {
		if (strcmp(argv[i], "--fail") == 0 && i + 2 < argc) {
			fail_n = tool_number(argv[i + 1], 0, 1000000, usage);
			fail_status = tool_number(argv[i + 2], 100, 599, usage);
			i += 2;
		} else
			usage();
	}
	if ((log_fp = fopen(argv[4], "a")) == NULL) {
		fprintf(stderr, "tool_atapi: %s: %s\n", argv[4], strerror(errno));
		return 1;
	}
	if (tool_serve("tool_atapi", &route, port, 2, 64 * 1024, NULL) != 0)
		return 1;
	fclose(log_fp);
	return 0;
}
