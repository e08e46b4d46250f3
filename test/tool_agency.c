/*
 * tool_agency: a stand-in agency webhook receiver for the integration tests.
 *
 *   tool_agency PORT SECRET LOGFILE [--fail N STATUS] [--hang-first N]
 *
 * Listens on 127.0.0.1:PORT (net/http.h's server) and accepts a POST on
 * any path.  It checks X-Aduan-Signature the way an agency would
 * (outbox/deliver.h):
 *
 *   X-Aduan-Signature: t=<unix time>,v1=<hex HMAC-SHA256(SECRET, "<t>." + raw body)>
 *
 * recomputing the HMAC over the raw body it received, comparing in
 * constant time (CRYPTO_memcmp) and refusing a timestamp more than 300 s
 * from its own clock.  A request that fails the check gets 401 and the
 * log line "401 <key> BADSIG <reason>".
 *
 * A valid request gets STATUS for the first N valid requests (--fail N
 * STATUS: 500, 429, 400, ...), then 200.  With --hang-first N the first N
 * valid requests (counted before --fail's) are held without an answer for
 * HANG_S seconds, longer than any test's delivery timeout, so the sender
 * gives up on them; they are logged as "HANG".
 *
 * LOGFILE gets one line per request, flushed at once:
 *
 *   <status answered> <Idempotency-Key or -> <raw body>
 *
 * A CR or LF in the body is written as a space (JSON whitespace outside
 * strings; raw newlines are not allowed inside JSON strings), so a line is
 * always one request.  Requests without a body, or not a POST, get 400 and
 * "400 <key> NOBODY" / 405 "NOTPOST".
 *
 * SIGTERM or SIGINT stops it: a held request is let go, the server stopped.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "net/http.h"
#include "test/tool_net.h"

#define SKEW_MAX_S      300     /* a signature older or newer than this is refused */
#define HANG_S          8       /* how long a held request waits */
#define HEADER_MAX      256

static const char *secret;
static FILE *log_fp;
static long fail_n, fail_status = 500, hang_n;
static long valid_seen;         /* valid requests so far */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static atomic_int stopping;

static void
usage(void)
{
	fprintf(stderr, "usage: tool_agency PORT SECRET LOGFILE [--fail N STATUS] "
	    "[--hang-first N]\n");
	exit(2);
}

/* One log line: "<status> <key> <text>", CR/LF in text as spaces. */
static void
log_line(const char *status, const char *key, const char *text, size_t len)
{
	size_t i;

	pthread_mutex_lock(&mu);
	fprintf(log_fp, "%s %s ", status, key != NULL && *key != '\0' ? key : "-");
	for (i = 0; i < len; i++)
		fputc(text[i] == '\n' || text[i] == '\r' ? ' ' : text[i], log_fp);
	fputc('\n', log_fp);
	fflush(log_fp);
	pthread_mutex_unlock(&mu);
}

static int
hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;      /* the scheme writes lower-case hex */
}

/*
 * Checks the X-Aduan-Signature value against body.  0 valid; -1 with the
 * reason in why.
 */
static int
verify(const char *hdr, const char *body, size_t len, char *why, size_t whysz)
{
	unsigned char want[EVP_MAX_MD_SIZE], got[EVP_MAX_MD_SIZE];
	unsigned int wantlen = 0;
	char tsbuf[32];
	const char *p, *v1;
	unsigned char *msg;
	long long ts = 0;
	time_t now = time(NULL);
	size_t tslen, i;
	int digits = 0, hi, lo;

	if (hdr == NULL) {
		snprintf(why, whysz, "no X-Aduan-Signature header");
		return -1;
	}
	if (strncmp(hdr, "t=", 2) != 0) {
		snprintf(why, whysz, "header does not start with t=: %.80s", hdr);
		return -1;
	}
	for (p = hdr + 2; *p >= '0' && *p <= '9' && digits < 12; p++, digits++)
		ts = ts * 10 + (*p - '0');
	if (digits == 0 || strncmp(p, ",v1=", 4) != 0) {
		snprintf(why, whysz, "header is not t=<digits>,v1=<hex>: %.80s", hdr);
		return -1;
	}
	v1 = p + 4;
	if (strlen(v1) != 64) {
		snprintf(why, whysz, "v1 is not 64 hex digits: %.80s", v1);
		return -1;
	}
	for (i = 0; i < 32; i++) {
		hi = hexval(v1[2 * i]);
		lo = hexval(v1[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			snprintf(why, whysz, "v1 is not lower-case hex: %.80s", v1);
			return -1;
		}
		got[i] = (unsigned char)(hi << 4 | lo);
	}
	if (ts > (long long)now + SKEW_MAX_S || ts < (long long)now - SKEW_MAX_S) {
		snprintf(why, whysz, "timestamp %lld is %lld s away from now (%lld)", ts,
		    (long long)now - ts, (long long)now);
		return -1;
	}
	tslen = (size_t)snprintf(tsbuf, sizeof tsbuf, "%lld.", ts);
	msg = malloc(tslen + len + 1);
	if (msg == NULL) {
		snprintf(why, whysz, "out of memory");
		return -1;
	}
	memcpy(msg, tsbuf, tslen);
	if (len > 0)
		memcpy(msg + tslen, body, len);
	if (HMAC(EVP_sha256(), secret, (int)strlen(secret), msg, tslen + len, want,
	    &wantlen) == NULL || wantlen != 32) {
		free(msg);
		snprintf(why, whysz, "HMAC failed");
		return -1;
	}
	free(msg);
	if (CRYPTO_memcmp(want, got, 32) != 0) {
		snprintf(why, whysz, "HMAC mismatch (t=%lld, %zu body bytes)", ts, len);
		return -1;
	}
	return 0;
}

static void
handler(void *ctx, const struct http_request *req, struct http_response *res)
{
	const char *key = http_header(req, "Idempotency-Key");
	const char *sig = http_header(req, "X-Aduan-Signature");
	const char *body, *answer;
	char why[200], st[16];
	size_t len = 0;
	long n;
	int i, status;

	(void)ctx;
	if (http_request_method(req) != HTTP_POST) {
		log_line("405", key, "NOTPOST", 7);
		http_respond_text(res, 405, "POST only\n");
		return;
	}
	body = http_body(req, &len);
	if (body == NULL) {
		log_line("400", key, "NOBODY", 6);
		http_respond_text(res, 400, "a JSON body is needed\n");
		return;
	}
	if (verify(sig, body, len, why, sizeof why) != 0) {
		char line[300];

		snprintf(line, sizeof line, "BADSIG %s", why);
		log_line("401", key, line, strlen(line));
		http_respond_text(res, 401, "bad signature\n");
		return;
	}
	pthread_mutex_lock(&mu);
	n = ++valid_seen;
	pthread_mutex_unlock(&mu);
	if (n <= hang_n) {
		log_line("HANG", key, body, len);
		/* Held in slices so that a SIGTERM is not kept waiting. */
		for (i = 0; i < HANG_S * 20 && !atomic_load(&stopping); i++) {
			struct timespec ts = { 0, 50 * 1000 * 1000 };

			nanosleep(&ts, NULL);
		}
		http_respond_text(res, 503, "held\n");
		return;
	}
	status = n - hang_n <= fail_n ? (int)fail_status : 200;
	snprintf(st, sizeof st, "%d", status);
	log_line(st, key, body, len);
	answer = status == 200 ? "{\"ok\":true}" : "{\"error\":\"test failure\"}";
	http_respond(res, status, "application/json", answer, strlen(answer));
}

/* On SIGTERM: a held request is let go. */
static void
let_go(void)
{
	atomic_store(&stopping, 1);
}

int
main(int argc, char **argv)
{
	struct http_route route = { "/", HTTP_GET | HTTP_POST, handler, NULL };
	int i, port;

	if (argc < 4)
		usage();
	port = (int)tool_number(argv[1], 1, 65535, usage);
	secret = argv[2];
	for (i = 4; i < argc; i++) {
		if (strcmp(argv[i], "--fail") == 0 && i + 2 < argc) {
			fail_n = tool_number(argv[i + 1], 0, 1000000, usage);
			fail_status = tool_number(argv[i + 2], 100, 599, usage);
			i += 2;
		} else if (strcmp(argv[i], "--hang-first") == 0 && i + 1 < argc) {
			hang_n = tool_number(argv[++i], 0, 1000000, usage);
		} else
			usage();
	}
	if ((log_fp = fopen(argv[3], "a")) == NULL) {
		fprintf(stderr, "tool_agency: %s: %s\n", argv[3], strerror(errno));
		return 1;
	}
	atomic_init(&stopping, 0);
	if (tool_serve("tool_agency", &route, port, 4, 1024 * 1024, let_go) != 0)
		return 1;
	fclose(log_fp);
	return 0;
}
