/*
 * tool_http: one HTTP request for the integration tests (test/it_*.sh).
 *
 *   tool_http [-X METHOD] [-d BODY | -d @FILE] [-H 'Name: value']... [-m SECONDS] URL
 *
 * Prints exactly
 *
 *   STATUS <code>
 *   CONTENT-TYPE <value, empty when the response had none>
 *   <blank line>
 *   <the response body, byte for byte>
 *
 * and nothing else.  The shell scripts split that with sed: the headers are
 * lines, the body is everything after the first blank line.
 *
 * -d sends BODY (or the bytes of FILE, for bodies too large or too binary
 * for an argument) and implies POST with the form content type, as curl(1)
 * does; -X overrides the method.  -m bounds the whole request (default 30 s).
 *
 * Exit status: 0 when a response came, whatever its status; 2 when no
 * response came (connection refused, reset, timeout); 1 on usage errors or
 * a response body over 1 MB.  Diagnostics go to stderr only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#define BODY_MAX (1024 * 1024)          /* response bytes we accept */
#define REQ_BODY_MAX (16 * 1024 * 1024) /* request body from a file */

struct buf {
	char *p;
	size_t len;
	size_t cap;
	int too_big;
};

static void usage(void)
{
	fprintf(stderr, "usage: tool_http [-X METHOD] [-d BODY|@FILE] "
	    "[-H 'Name: value']... [-m SECONDS] URL\n");
	exit(1);
}

static int buf_append(struct buf *b, const char *data, size_t n, size_t max)
{
	if (n > max - b->len) {
		b->too_big = 1;
		return -1;
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *np;

		while (cap < b->len + n + 1)
			cap *= 2;
		np = realloc(b->p, cap);
		if (np == NULL)
			return -1;
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct buf *b = arg;
	size_t n = size * nmemb;

	if (buf_append(b, data, n, BODY_MAX) == -1)
		return 0;       /* makes curl fail with CURLE_WRITE_ERROR */
	return n;
}

static int read_file(const char *path, struct buf *b)
{
	FILE *f = fopen(path, "rb");
	char chunk[8192];
	size_t n;

	if (f == NULL) {
		fprintf(stderr, "tool_http: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (buf_append(b, chunk, n, REQ_BODY_MAX) == -1) {
			fprintf(stderr, "tool_http: %s: too large\n", path);
			fclose(f);
			return -1;
		}
	}
	if (ferror(f)) {
		fprintf(stderr, "tool_http: %s: read error\n", path);
		fclose(f);
		return -1;
	}
	fclose(f);
	return 0;
}

static long parse_seconds(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 1 || v > 3600)
		usage();
	return v;
}

int main(int argc, char **argv)
{
	const char *method = NULL, *url = NULL, *data = NULL;
	struct curl_slist *headers = NULL;
	struct buf reqbody = { 0 }, body = { 0 };
	long timeout = 30, status = 0;
	char *ctype = NULL;
	CURL *c;
	CURLcode rc;
	int i, have_body = 0, ret;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "-X") == 0 && i + 1 < argc) {
			method = argv[++i];
		} else if (strcmp(a, "-d") == 0 && i + 1 < argc) {
			data = argv[++i];
			have_body = 1;
		} else if (strcmp(a, "-H") == 0 && i + 1 < argc) {
			struct curl_slist *h = curl_slist_append(headers, argv[++i]);

			if (h == NULL) {
				fprintf(stderr, "tool_http: out of memory\n");
				return 1;
			}
			headers = h;
		} else if (strcmp(a, "-m") == 0 && i + 1 < argc) {
			timeout = parse_seconds(argv[++i]);
		} else if (a[0] == '-' || url != NULL) {
			usage();
		} else {
			url = a;
		}
	}
	if (url == NULL)
		usage();

	if (have_body) {
		if (data[0] == '@') {
			if (read_file(data + 1, &reqbody) == -1)
				return 1;
		} else if (buf_append(&reqbody, data, strlen(data),
		    REQ_BODY_MAX) == -1) {
			fprintf(stderr, "tool_http: body too large\n");
			return 1;
		}
	}

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "tool_http: curl_global_init failed\n");
		return 1;
	}
	c = curl_easy_init();
	if (c == NULL) {
		fprintf(stderr, "tool_http: curl_easy_init failed\n");
		return 1;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 5L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
	if (have_body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS,
		    reqbody.p != NULL ? reqbody.p : "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)reqbody.len);
		/* No "Expect: 100-continue" round trip for large bodies. */
		headers = curl_slist_append(headers, "Expect:");
	}
	if (method != NULL)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (headers != NULL)
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);

	rc = curl_easy_perform(c);
	if (rc == CURLE_WRITE_ERROR && body.too_big) {
		fprintf(stderr, "tool_http: response body over %d bytes\n",
		    BODY_MAX);
		ret = 1;
	} else if (rc != CURLE_OK) {
		fprintf(stderr, "tool_http: %s: %s\n", url,
		    curl_easy_strerror(rc));
		ret = 2;
	} else {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ctype);
		printf("STATUS %ld\nCONTENT-TYPE %s\n\n", status,
		    ctype != NULL ? ctype : "");
		if (body.len > 0)
			fwrite(body.p, 1, body.len, stdout);
		ret = fflush(stdout) == 0 ? 0 : 1;
	}

	curl_easy_cleanup(c);
	curl_slist_free_all(headers);
	curl_global_cleanup();
	free(body.p);
	free(reqbody.p);
	return ret;
}
