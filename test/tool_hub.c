/*
 * tool_hub: a stand-in Open311 GeoReport v2 hub (LAPOR!-SP4N style) for
 * the integration tests of forwarding (test/it_hub.sh).
 *
 *   tool_hub PORT DIR
 *
 * Listens on 127.0.0.1:PORT (net/http.h's server) and answers, under any
 * path prefix:
 *
 *   POST .../requests.json   (a form: api_key, service_code, description,
 *                            address_string, ...) with the status in the
 *                            file DIR/post_status when there is one (a
 *                            test writes 503 or 400 there), else 201 and
 *                            [{"service_request_id":"<id>","service_notice":""}].
 *                            Ids count up from 700001 (on from the log's
 *                            NEW lines when started again); the same
 *                            Idempotency-Key gets the same id and creates
 *                            nothing ("REPEAT" in the log).  api_key must
 *                            be the text of DIR/api_key (else 403).  A 400
 *                            answers [{"code":400,"description":"..."}].
 *                            With a file DIR/post_token, the answer is a
 *                            token instead: [{"token":"tok-<id>"}].
 *   GET .../tokens/tok-ID.json  [{"token":"tok-<id>"}] with
 *                            "service_request_id":"<id>" only once the file
 *                            DIR/token_ready exists.
 *   GET .../requests/ID.json the file DIR/request_ID.json as it is (the test
 *                            writes the hub's status there), else an open
 *                            request without notes.
 *   GET .../services.json    the file DIR/services.json, else 404.
 *
 * DIR/log gets one line per POST, flushed at once:
 *
 *   <status> <Idempotency-Key or -> <NEW id | REPEAT id | ERR> <service_code> <description>
 *
 * so `grep -c ' NEW '` is the number of requests the hub holds.
 * SIGTERM or SIGINT stops it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/http.h"
#include "test/tool_net.h"

#define KEYS_MAX        4096
#define FILE_MAX        (64 * 1024)

static const char *dir;
static FILE *log_fp;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static char *keys[KEYS_MAX];
static long ids[KEYS_MAX];
static size_t nkeys;
static long next_id = 700001;

static void
usage(void)
{
	fprintf(stderr, "usage: tool_hub PORT DIR\n");
	exit(2);
}

/* DIR/name into buf (NUL-terminated, trailing blanks cut); -1 when absent. */
static long
read_file(const char *name, char *buf, size_t bufsz)
{
	char path[1024];
	FILE *f;
	size_t n;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	n = fread(buf, 1, bufsz - 1, f);
	fclose(f);
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' ' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	return (long)n;
}

static const char *
param(const struct http_request *req, const char *name)
{
	size_t len;
	const char *v = http_param(req, name, &len);

	return v != NULL ? v : "";
}

static void
post(const struct http_request *req, struct http_response *res)
{
	const char *key = http_header(req, "Idempotency-Key");
	char want[256], st[32], answer[256], *desc;
	long status = 201, id = 0;
	size_t i;
	int repeat = 0;

	if (read_file("post_status", st, sizeof st) > 0)
		status = strtol(st, NULL, 10);
	if (status == 201 && read_file("api_key", want, sizeof want) >= 0 &&
	    strcmp(want, param(req, "api_key")) != 0)
		status = 403;
	desc = strdup(param(req, "description"));
	for (i = 0; desc != NULL && desc[i] != '\0'; i++)
		if (desc[i] == '\n' || desc[i] == '\r')
			desc[i] = ' ';
	pthread_mutex_lock(&mu);
	if (status >= 200 && status <= 299) {
		for (i = 0; key != NULL && i < nkeys; i++)
			if (strcmp(keys[i], key) == 0) {
				id = ids[i];
				repeat = 1;
			}
		if (!repeat) {
			id = next_id++;
			if (key != NULL && nkeys < KEYS_MAX) {
				keys[nkeys] = strdup(key);
				ids[nkeys++] = id;
			}
		}
		fprintf(log_fp, "%ld %s %s %ld %s %s\n", status, key != NULL ? key : "-",
		    repeat ? "REPEAT" : "NEW", id, param(req, "service_code"),
		    desc != NULL ? desc : "");
	} else
		fprintf(log_fp, "%ld %s ERR %s %s\n", status, key != NULL ? key : "-",
		    param(req, "service_code"), desc != NULL ? desc : "");
	fflush(log_fp);
	pthread_mutex_unlock(&mu);
	free(desc);
	if (status >= 200 && status <= 299 && read_file("post_token", st, sizeof st) >= 0)
		snprintf(answer, sizeof answer, "[{\"token\":\"tok-%ld\"}]", id);
	else if (status >= 200 && status <= 299)
		snprintf(answer, sizeof answer, "[{\"service_request_id\":\"%ld\","
		    "\"service_notice\":\"\"}]", id);
	else if (status == 400)
		snprintf(answer, sizeof answer, "[{\"code\":400,\"description\":\"service_code "
		    "%.40s is not a service of this hub\"}]", param(req, "service_code"));
	else
		snprintf(answer, sizeof answer, "[{\"code\":%ld,\"description\":\"test hub "
		    "answers %ld\"}]", status, status);
	http_respond(res, (int)status, "application/json", answer, strlen(answer));
}

static void
handler(void *ctx, const struct http_request *req, struct http_response *res)
{
	const char *path = http_request_path(req), *p;
	char name[160], *buf;
	long n;

	(void)ctx;
	if (http_request_method(req) == HTTP_POST) {
		if (strlen(path) >= 13 && strcmp(path + strlen(path) - 13, "requests.json") == 0)
			post(req, res);
		else
			http_respond_text(res, 404, "no such path\n");
		return;
	}
	buf = malloc(FILE_MAX);
	if (buf == NULL) {
		http_respond_text(res, 503, "out of memory\n");
		return;
	}
	if ((p = strstr(path, "/tokens/tok-")) != NULL && strlen(p + 12) < 32 &&
	    strlen(p + 12) > 5) {
		int idlen = (int)(strlen(p + 12) - 5);

		if (read_file("token_ready", name, sizeof name) >= 0)
			n = snprintf(buf, FILE_MAX, "[{\"token\":\"tok-%.*s\",\"service_request_id\":"
			    "\"%.*s\"}]", idlen, p + 12, idlen, p + 12);
		else
			n = snprintf(buf, FILE_MAX, "[{\"token\":\"tok-%.*s\"}]", idlen, p + 12);
		http_respond(res, 200, "application/json", buf, (size_t)n);
	} else if ((p = strstr(path, "/requests/")) != NULL && strlen(p + 10) < 64 &&
	    strlen(p + 10) > 5 && strcmp(p + strlen(p) - 5, ".json") == 0) {
		snprintf(name, sizeof name, "request_%.*s.json", (int)(strlen(p + 10) - 5), p + 10);
		if ((n = read_file(name, buf, FILE_MAX)) < 0)
			n = snprintf(buf, FILE_MAX, "[{\"service_request_id\":\"%.*s\",\"status\":"
			    "\"open\",\"status_notes\":null,\"updated_datetime\":null}]",
			    (int)(strlen(p + 10) - 5), p + 10);
		http_respond(res, 200, "application/json", buf, (size_t)n);
	} else if (strlen(path) >= 13 && strcmp(path + strlen(path) - 13, "services.json") == 0 &&
	    (n = read_file("services.json", buf, FILE_MAX)) >= 0)
		http_respond(res, 200, "application/json", buf, (size_t)n);
	else
		http_respond_text(res, 404, "no such path\n");
	free(buf);
}

int
main(int argc, char **argv)
{
	struct http_route route = { "/", HTTP_GET | HTTP_POST, handler, NULL };
	char path[1024];
	int port;

	if (argc != 3)
		usage();
	port = (int)tool_number(argv[1], 1, 65535, usage);
	dir = argv[2];
	snprintf(path, sizeof path, "%s/log", dir);
	/* Started again: ids go on after those the log already holds. */
	if ((log_fp = fopen(path, "r")) != NULL) {
		char line[512];

		while (fgets(line, sizeof line, log_fp) != NULL)
			if (strstr(line, " NEW ") != NULL)
				next_id++;
		fclose(log_fp);
	}
	if ((log_fp = fopen(path, "a")) == NULL) {
		fprintf(stderr, "tool_hub: %s: %s\n", path, strerror(errno));
		return 1;
	}
	if (tool_serve("tool_hub", &route, port, 4, 1024 * 1024, NULL) != 0)
		return 1;
	fclose(log_fp);
	return 0;
}
