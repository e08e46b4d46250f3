/*
 * request: the layout of struct http_request, for the two places that
 * build one: net/http.c fills it from a libmicrohttpd connection,
 * fuzz/fuzz_gateway.c from a fuzz input, so that the gateway decoders run
 * without a server.  Handlers never read this layout: they use the
 * accessors of net/http.h (http_param, http_header, http_respond, ...),
 * which live in net/request.c and need no libmicrohttpd.
 */
#ifndef ADUAN_REQUEST_H
#define ADUAN_REQUEST_H

#include <netinet/in.h>
#include <stddef.h>

#include "net/http.h"

/* Parameters kept per request, query and form together; one more is a 400. */
#define REQUEST_PARAMS_MAX 64

struct request_param {
	char *name;             /* heap */
	char *value;            /* heap, NUL-terminated copy; may contain NULs */
	size_t len;
	int from_body;          /* 1: form body, 0: query string */
};

/*
 * Every pointer is owned by the request and freed by request_release(),
 * except conn, which is the builder's.
 */
struct http_request {
	enum http_method method;
	struct request_param params[REQUEST_PARAMS_MAX];
	size_t nparams;
	int too_many;           /* a parameter was dropped: answer 400 */
	char peer[INET6_ADDRSTRLEN];
	char *path;             /* copy of the URL path */
	char *body;             /* raw body of a non-form POST, NUL-terminated */
	size_t body_len;
	/* http_header(): the value of header `name` in conn, or NULL. */
	const char *(*header)(void *conn, const char *name);
	void *conn;
	void *parked;           /* the server's state of it, for http_defer (http.c) */
};

/* Parameter `name` of the query (from_body 0) or of the form body (1), or NULL. */
struct request_param *request_param_find(struct http_request *r, const char *name,
    int from_body);
/*
 * Appends data[0..size) to parameter `name` of that source, adding it
 * when new (a form value may come in pieces).  -1, with too_many set,
 * when REQUEST_PARAMS_MAX parameters are there already.
 */
int request_param_append(struct http_request *r, const char *name, const char *data,
    size_t size, int from_body);
/* Frees what the request owns (path, body, parameters); not r itself. */
void request_release(struct http_request *r);

#endif
