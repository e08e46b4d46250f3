/*
 * fetch: outbound HTTP, the only module that includes <curl/curl.h>
 * (scripts/layers.sh).  Every response is bounded;
 * every request has a timeout.  Thread-safe once fetch_init() ran.
 */
#ifndef ADUAN_FETCH_H
#define ADUAN_FETCH_H

#include <stddef.h>

struct fetch_req {
	const char *method;             /* "GET" or "POST" */
	const char *url;
	const char *content_type;       /* POST: the body's type, or NULL */
	const char *body;               /* POST body, or NULL */
	size_t body_len;
	const char *const *headers;     /* "Name: value" strings, NULL-terminated, or NULL */
	long timeout_s;                 /* whole request; 0: 10 s */
	size_t max_response;            /* 0: 64 KB; a longer answer is an error */
	const char *want_header;        /* a response header to keep (name, any case), or NULL */
};

struct fetch_res {
	long status;                    /* HTTP status, 0 when none came */
	char *body;                     /* heap, NUL-terminated ("" when empty) */
	size_t body_len;
	int timed_out;                  /* 1 when the request ran out of time */
	char header[128];               /* want_header's value (leading blanks and the line
	                                   end dropped, cut to fit), "" when absent */
	char error[256];                /* transport error, "" when an answer came */
};

/* Once, before threads start.  0, -1. */
int fetch_init(void);
void fetch_cleanup(void);

/* 0 when an HTTP answer came (any status); -1 on a transport error (res->error). */
int fetch(const struct fetch_req *req, struct fetch_res *res);
void fetch_res_clear(struct fetch_res *res);

/* URL-encodes len bytes of s (binary-safe) into a heap string. */
char *fetch_escape(const char *s, size_t len);

/* Bytes of an answer that fetch_quote() keeps for an error message. */
#define FETCH_QUOTE_MAX 100

/*
 * Copies at most FETCH_QUOTE_MAX bytes of an answer body into out for an
 * error message: control characters become spaces, a UTF-8 sequence cut
 * at the end is dropped, trailing blanks trimmed.
 */
void fetch_quote(const char *body, size_t len, char *out, size_t outsz);

#endif
