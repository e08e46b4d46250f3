/*
 * http: the libmicrohttpd server and the URL table (net/http.c, the only
 * module that includes <microhttpd.h>), and what handlers call on a
 * request and its response (net/request.c, no libmicrohttpd).
 *
 * Handlers see a request's parameters (query string and, for POST, an
 * application/x-www-form-urlencoded body) through http_param(), binary-safe
 * with lengths, and fill a struct http_response.  Body size is capped
 * before a handler runs: a request over max_body gets 413 without reaching
 * it.  Handlers run on the server's worker threads and must not wait on the
 * network.
 */
#ifndef ADUAN_HTTP_H
#define ADUAN_HTTP_H

#include <stddef.h>

struct http_server;
struct http_request;

/*
 * HTTP_HEAD in a route's methods: HEAD runs the route's GET handler and the
 * server sends the headers only.  Only for handlers without side effects
 * (/healthz, /metrics); everywhere else HEAD gets 405 with Allow.  A
 * handler never sees HTTP_HEAD: http_request_method() says HTTP_GET.
 */
enum http_method { HTTP_GET = 1, HTTP_POST = 2, HTTP_HEAD = 4 };

/* Headers http_respond_header() may add to one response, and their values' bytes. */
#define HTTP_HEADERS_MAX        10
#define HTTP_HEADERS_BYTES      1536

struct http_response {
	int status;
	const char *content_type;       /* static string */
	char *body;                     /* heap (xmalloc), freed by the server */
	size_t body_len;
	const char *header_name;        /* one optional extra header (static) */
	const char *header_value;
	/* More headers, added by http_respond_header(): names static, values in hbuf. */
	size_t nheaders;
	const char *hname[HTTP_HEADERS_MAX];
	size_t hval[HTTP_HEADERS_MAX];  /* offset of each value in hbuf */
	size_t hused;
	char hbuf[HTTP_HEADERS_BYTES];
};

typedef void (*http_handler)(void *ctx, const struct http_request *req,
    struct http_response *res);

struct http_route {
	const char *path;               /* exact path, e.g. "/kannel/sms"; or a prefix
	                                   ending in '/' ("/api/v1/") matching every
	                                   path below it */
	unsigned methods;               /* HTTP_GET | HTTP_POST, | HTTP_HEAD for a
	                                   GET handler without side effects */
	http_handler fn;
	void *ctx;
};

struct http_options {
	const char *listen;             /* IP literal */
	int port;                       /* 0: any free port (see http_port) */
	int threads;
	size_t max_body;
};

/*
 * Starts serving; routes (copied) are matched by exact path.  NULL with a
 * reason in err (address in use, bad address, ...).
 */
struct http_server *http_start(const struct http_options *opt,
    const struct http_route *routes, size_t nroutes, char *err, size_t errsz);
/*
 * Connection limits for the servers started after this call (serve calls
 * it once, from its config, before its first http_start):
 * per_address: open connections one client address may hold, more are
 * closed as soon as they are accepted (0, the default: no limit);
 * idle_timeout: seconds a connection may send nothing, while its headers
 * are coming too, before it is closed (0: the default, 30).
 */
void http_set_limits(unsigned per_address, unsigned idle_timeout);
/*
 * server.trusted_proxies, for the servers started after this call (serve
 * calls it once, before its first http_start; r is copied, at most
 * HTTP_TRUSTED_MAX).  A request whose connection comes from one of them
 * has the client address X-Forwarded-For names (util/addr.h, addr_client);
 * from any other peer the header is ignored.  Default: none trusted.
 */
#define HTTP_TRUSTED_MAX 64
struct addr_range;
void http_set_trusted_proxies(const struct addr_range *r, size_t n);
/*
 * A handler whose answer waits for something slow that another thread
 * finishes (a commit: store_run_async) parks its request instead of
 * holding its thread: it calls http_defer(req, fn, arg) and returns
 * leaving res alone.  The thread serves other connections meanwhile.
 * Whoever finishes the work calls http_wake(req) once, from any thread;
 * then fn(arg, req, res) runs on one of the server's threads and fills
 * res as the handler would have.  fn is also called, once, with req and
 * res NULL when the request is gone before that (the server stopping):
 * it frees arg then.  http_defer returns -1 (nothing parked) for a
 * request the server did not make (a test's): the handler then answers
 * as usual, waiting.  http_stop waits until every parked request was
 * woken and answered.
 */
typedef void (*http_resume_fn)(void *arg, const struct http_request *req,
    struct http_response *res);
int http_defer(const struct http_request *req, http_resume_fn fn, void *arg);
void http_wake(const struct http_request *req);
/* Stops accepting, finishes running handlers, frees everything. */
void http_stop(struct http_server *srv);
/* The port actually bound. */
int http_port(const struct http_server *srv);

/*
 * The value of parameter `name` (query string first, then form body), or
 * NULL when absent.  *len gets its length in bytes; the value may contain
 * NUL bytes (UTF-16 text), and is always followed by a NUL terminator.
 * Valid for the duration of the handler.
 */
const char *http_param(const struct http_request *req, const char *name, size_t *len);
/*
 * Calls fn once for every parameter of the form body (from_body 1) or of
 * the query string (from_body 0), in the order they came, with the same
 * binary-safe value and length http_param() gives.  A name repeated within
 * one source is seen once (its first occurrence), as http_param() sees it.
 * Stops at the first non-zero return of fn and returns that value; 0 when
 * fn was called for every parameter (or there were none).
 */
int http_params_each(const struct http_request *req, int from_body,
    int (*fn)(void *arg, const char *name, const char *value, size_t len), void *arg);
enum http_method http_request_method(const struct http_request *req);
/*
 * The request's client address as text ("127.0.0.1"), for logs and the
 * per-address limits: the connection's peer, or behind a trusted proxy
 * the address X-Forwarded-For gives (http_set_trusted_proxies).
 */
const char *http_request_peer(const struct http_request *req);

/* The request's path ("/api/v1/tickets/48219303"), without the query. */
const char *http_request_path(const struct http_request *req);
/* The value of request header `name` (case-insensitive), or NULL. */
const char *http_header(const struct http_request *req, const char *name);
/*
 * The raw body of a POST that is not a form (JSON), NUL-terminated, and its
 * length; NULL when there was none.  Bounded by max_body.
 */
const char *http_body(const struct http_request *req, size_t *len);

/* Sets a text/plain; charset=UTF-8 response. */
void http_respond_text(struct http_response *res, int status, const char *text);
/* Sets a response with the given content type (static string) and body (copied). */
void http_respond(struct http_response *res, int status, const char *content_type,
    const char *body, size_t len);
/*
 * Adds a response header: name a static string, value copied into the
 * response (a zeroed struct http_response has room for HTTP_HEADERS_MAX
 * of them, HTTP_HEADERS_BYTES together).  A name may come twice
 * (Set-Cookie).  0, or -1 when there is no room or value holds a CR, LF
 * or other control byte (nothing added).
 */
int http_respond_header(struct http_response *res, const char *name, const char *value);
/* The value of header `name` added by http_respond_header() (the first one), or NULL. */
const char *http_response_header(const struct http_response *res, const char *name);

#endif
