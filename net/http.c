/*
 * http: libmicrohttpd behind a small URL table.  libmicrohttpd parses HTTP;
 * this file only gathers a request's parameters into bounded, binary-safe
 * copies (struct http_request, net/request.h), enforces the body cap and
 * the connection limits, and maps paths to handlers.  What handlers call
 * on a request is in net/request.c.
 *
 * Threads: libmicrohttpd's internal thread pool, so a burst of gateway
 * callbacks is served concurrently; handlers are quick (a store
 * transaction, no network).  Each pool thread poll()s its own connections
 * (at most MAX_CONNECTIONS / server.threads), not epoll: a request parked
 * for the writer (http_defer) is suspended and resumed, which on epoll
 * costs an epoll_ctl each way; A/B pairs with wrk, poll against epoll:
 * 8% less CPU per SMS, +4% SMS/s at 64 connections and +15% at 512, USSD
 * +2%.
 */
#include "net/http.h"
#include "net/request.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "util/addr.h"
#include "util/log.h"
#include "util/metrics.h"
#include "util/util.h"

#define MAX_ROUTES      32
/*
 * Open connections, all clients together.  One client address holds at
 * most per_address of them (see http_set_limits; libmicrohttpd closes any
 * more at once), so a single address can no longer take them all; and a
 * connection that sends nothing for idle_timeout seconds is closed, also
 * while its headers are still coming.  libmicrohttpd 0.9.75 has no
 * deadline for the headers as a whole: a client that sends a byte every
 * few seconds keeps its connections, at most per_address of them.
 */
#define MAX_CONNECTIONS 1024
/*
 * Per-connection memory: the read buffer holds the request line, so it
 * bounds URLs (a GET callback's text: 32 kB holds 10 kB of UTF-8 text
 * percent-encoded, more than the example's sms.max_text of 4 kB).
 * libmicrohttpd zeroes all of it before each request of a connection
 * (perf: at 64 kB that memset was a tenth of a USSD step's HTTP time).
 */
#define CONN_MEMORY     (32 * 1024)

struct http_server;

/* One connection's request: what handlers see, and what only the server tracks. */
struct conn_state {
	struct http_request req;
	struct http_server *srv;
	http_resume_fn resume;  /* http_defer()'d: its answer comes from resume */
	void *resume_arg;
	int suspended;          /* parked in libmicrohttpd (srv->park_mu) */
	int woken;              /* http_wake()'d (srv->park_mu) */
	int answered;           /* a parked request's answer is queued: on_completed,
	                           once it is sent, lets http_stop go on */
	const struct http_route *route;
	struct MHD_PostProcessor *pp;
	size_t body_bytes;
	int too_large;          /* body over max_body: answer 413 */
	int bad_body;           /* form body that would not decode */
	struct timespec t0;     /* arrival of the headers (CLOCK_MONOTONIC) */
};

struct http_server {
	struct MHD_Daemon *d;
	pthread_mutex_t park_mu;        /* conn_state's suspended and woken, parked */
	pthread_cond_t park_cv;         /* parked went to 0 */
	int parked;                     /* requests deferred and not answered yet */
	struct http_route routes[MAX_ROUTES];
	size_t nroutes;
	size_t max_body;
	int port;
};

static enum MHD_Result
query_iter(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
    const char *value, size_t value_size)
{
	struct http_request *r = cls;

	(void)kind;
	(void)key_size;
	if (request_param_find(r, key, 0) != NULL)
		return MHD_YES;         /* first occurrence wins */
	request_param_append(r, key, value ? value : "", value ? value_size : 0, 0);
	return MHD_YES;
}

static enum MHD_Result
post_iter(void *cls, enum MHD_ValueKind kind, const char *key, const char *filename,
    const char *content_type, const char *transfer_encoding, const char *data,
    uint64_t off, size_t size)
{
	struct http_request *r = cls;

	(void)kind;
	(void)filename;
	(void)content_type;
	(void)transfer_encoding;
	if (off > 0 && request_param_find(r, key, 1) == NULL)
		return MHD_YES;         /* a later piece of a dropped parameter */
	if (off == 0 && request_param_find(r, key, 1) != NULL)
		return MHD_YES;         /* repeated name: first occurrence wins */
	request_param_append(r, key, data, size, 1);
	return MHD_YES;
}

static enum MHD_Result
send_response(struct MHD_Connection *conn, struct http_response *res)
{
	struct MHD_Response *mr;
	enum MHD_Result ret;
	size_t i;

	if (res->body == NULL) {
		res->body = xstrdup("");
		res->body_len = 0;
	}
	mr = MHD_create_response_from_buffer(res->body_len, res->body, MHD_RESPMEM_MUST_FREE);
	if (mr == NULL) {
		free(res->body);
		return MHD_NO;
	}
	res->body = NULL;       /* owned by the response now */
	if (res->content_type)
		MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE, res->content_type);
	if (res->header_name && res->header_value)
		MHD_add_response_header(mr, res->header_name, res->header_value);
	for (i = 0; i < res->nheaders && i < HTTP_HEADERS_MAX; i++)
		MHD_add_response_header(mr, res->hname[i], res->hbuf + res->hval[i]);
	ret = MHD_queue_response(conn, (unsigned)res->status, mr);
	MHD_destroy_response(mr);
	return ret;
}

static enum MHD_Result
send_text(struct MHD_Connection *conn, int status, const char *text)
{
	struct http_response res = { 0 };

	http_respond_text(&res, status, text);
	return send_response(conn, &res);
}

static void peer_of(struct MHD_Connection *conn, char *buf, size_t bufsz);

/* Refusals made here never reach a handler: log them with what was asked. */
static enum MHD_Result
refuse(struct MHD_Connection *conn, const char *method, const char *url, int status,
    const char *text)
{
	char peer[INET6_ADDRSTRLEN];

	peer_of(conn, peer, sizeof peer);
	log_warnx("http %s %.100s from %s refused with %d: %.*s", method, url, peer, status,
	    (int)strcspn(text, "\n"), text);
	return send_text(conn, status, text);
}

/*
 * aduan_http_request_duration_seconds: from the request's arrival to its
 * answer, by the route's configured path ("other" when none matched), never
 * the raw URL, so that the label has as many values as there are routes.
 */
static void
observe(const struct http_route *route, const struct timespec *t0)
{
	char labels[METRICS_LABELS_MAX];
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (metrics_labels(labels, sizeof labels, "path", route != NULL ? route->path : "other",
	    NULL) == 0)
		metrics_observe("aduan_http_request_duration_seconds", labels,
		    (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9);
}

/* refuse(), timed like any answer. */
static enum MHD_Result
refuse_timed(const struct http_route *route, const struct timespec *t0,
    struct MHD_Connection *conn, const char *method, const char *url, int status,
    const char *text)
{
	enum MHD_Result ret = refuse(conn, method, url, status, text);

	observe(route, t0);
	return ret;
}

/* 405, with the Allow header that names the methods the route takes. */
static enum MHD_Result
refuse_405(const struct http_route *route, const struct timespec *t0,
    struct MHD_Connection *conn, const char *method, const char *url)
{
	static const char *const allow[8] = {
		"", "GET", "POST", "GET, POST", "", "GET, HEAD", "POST", "GET, HEAD, POST"
	};
	struct http_response res = { 0 };
	char peer[INET6_ADDRSTRLEN];
	enum MHD_Result ret;

	peer_of(conn, peer, sizeof peer);
	log_warnx("http %s %.100s from %s refused with 405: method not allowed", method, url,
	    peer);
	http_respond_text(&res, 405, "method not allowed\n");
	res.header_name = MHD_HTTP_HEADER_ALLOW;
	res.header_value = allow[route->methods & 7];
	ret = send_response(conn, &res);
	observe(route, t0);
	return ret;
}

/* Set once, before the servers start (http_set_trusted_proxies). */
static struct addr_range trusted[HTTP_TRUSTED_MAX];
static size_t ntrusted;

void
http_set_trusted_proxies(const struct addr_range *r, size_t n)
{
	ntrusted = n < HTTP_TRUSTED_MAX ? n : HTTP_TRUSTED_MAX;
	if (ntrusted > 0)
		memcpy(trusted, r, ntrusted * sizeof *r);
}

/* X-Forwarded-For's lines joined: more than this and only the last line counts. */
#define XFF_MAX 1024

struct xff {
	char buf[XFF_MAX];
	size_t len;
	const char *last;       /* the last line seen */
	int over;
};

/*
 * Every X-Forwarded-For line, in order, joined with ", ": a proxy such as
 * haproxy adds a line of its own after the client's, and the first line
 * alone would be the one the client wrote.
 */
static enum MHD_Result
xff_iter(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct xff *x = cls;
	size_t n;

	(void)kind;
	if (value == NULL || strcasecmp(key, "X-Forwarded-For") != 0)
		return MHD_YES;
	x->last = value;
	n = strlen(value);
	if (x->over || x->len + n + 3 > sizeof x->buf) {
		x->over = 1;
		return MHD_YES;
	}
	if (x->len > 0) {
		memcpy(x->buf + x->len, ", ", 2);
		x->len += 2;
	}
	memcpy(x->buf + x->len, value, n + 1);
	x->len += n;
	return MHD_YES;
}

/*
 * The request's client address, the one every log line and per-address
 * limit uses: the connection's peer, or behind a trusted proxy what
 * X-Forwarded-For says (addr_client).  The only place that computes it.
 */
static void
peer_of(struct MHD_Connection *conn, char *buf, size_t bufsz)
{
	const union MHD_ConnectionInfo *ci;
	const struct sockaddr *sa;
	char sock[INET6_ADDRSTRLEN] = "?";
	struct xff x;

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci != NULL && ci->client_addr != NULL) {
		sa = ci->client_addr;
		if (sa->sa_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
			    sock, (socklen_t)sizeof sock);
		else if (sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6,
			    &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
			    sock, (socklen_t)sizeof sock);
	}
	x.len = 0;
	x.buf[0] = '\0';
	x.last = NULL;
	x.over = 0;
	if (ntrusted > 0)
		(void)MHD_get_connection_values(conn, MHD_HEADER_KIND, xff_iter, &x);
	addr_client(sock, x.last == NULL ? NULL : x.over ? x.last : x.buf, trusted, ntrusted,
	    buf, bufsz);
}

/* http_header() for our requests: the connection's request headers. */
static const char *
conn_header(void *conn, const char *name)
{
	return MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
}

/*
 * The first call for a request, its headers in: the route, the refusals
 * that need no body (method, path, Content-Length over max_body), and the
 * request's state in *con_cls.
 */
static enum MHD_Result
conn_begin(struct http_server *srv, struct MHD_Connection *conn, const char *url,
    const char *method, void **con_cls)
{
	struct conn_state *c;
	const char *cl, *ct;
	const struct http_route *route = NULL;
	enum http_method m;
	struct timespec t0;
	size_t i;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (strcmp(method, "GET") == 0)
		m = HTTP_GET;
	else if (strcmp(method, "HEAD") == 0)
		m = HTTP_HEAD;
	else if (strcmp(method, "POST") == 0)
		m = HTTP_POST;
	else
		return refuse_timed(NULL, &t0, conn, method, url, 405, "method not allowed\n");
	for (i = 0; i < srv->nroutes; i++) {
		const char *rp = srv->routes[i].path;
		size_t rl = strlen(rp);

		if (strcmp(rp, url) == 0 ||
		    (rl > 0 && rp[rl - 1] == '/' && strncmp(rp, url, rl) == 0)) {
			route = &srv->routes[i];
			break;
		}
	}
	if (route == NULL)
		return refuse_timed(NULL, &t0, conn, method, url, 404, "not found\n");
	/*
	 * HEAD runs the GET handler only where the route says that
	 * handler has no side effects; an intake callback must never
	 * store a complaint for a HEAD.
	 */
	if ((route->methods & m) == 0 ||
	    (m == HTTP_HEAD && (route->methods & HTTP_GET) == 0))
		return refuse_405(route, &t0, conn, method, url);
	if (m == HTTP_HEAD)
		m = HTTP_GET;   /* libmicrohttpd sends the headers only */
	cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl != NULL) {
		char *end;
		unsigned long long n = strtoull(cl, &end, 10);

		if (*end != '\0' || n > srv->max_body)
			return refuse_timed(route, &t0, conn, method, url, 413,
			    "request body too large\n");
	}
	c = xcalloc(1, sizeof *c);
	c->srv = srv;
	c->req.header = conn_header;
	c->req.conn = conn;
	c->req.parked = c;
	c->req.method = m;
	c->route = route;
	c->t0 = t0;
	c->req.path = xstrdup(url);
	peer_of(conn, c->req.peer, sizeof c->req.peer);
	if (m == HTTP_POST) {
		ct = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		    MHD_HTTP_HEADER_CONTENT_TYPE);
		if (ct != NULL && strncasecmp(ct, MHD_HTTP_POST_ENCODING_FORM_URLENCODED,
		    strlen(MHD_HTTP_POST_ENCODING_FORM_URLENCODED)) == 0)
			c->pp = MHD_create_post_processor(conn, 4096, post_iter, &c->req);
	}
	*con_cls = c;
	return MHD_YES;
}

/* A piece of the body: to the form parser, or kept as it is; within max_body. */
static void
conn_upload(const struct http_server *srv, struct conn_state *c, const char *upload_data,
    const size_t *upload_data_size)
{
	c->body_bytes += *upload_data_size;
	if (c->body_bytes > srv->max_body)
		c->too_large = 1;
	else if (c->pp != NULL) {
		if (MHD_post_process(c->pp, upload_data, *upload_data_size) != MHD_YES)
			c->bad_body = 1;
	} else {
		/* Not a form: keep the bytes (JSON for the agency API). */
		c->req.body = xrealloc(c->req.body, c->body_bytes + 1);
		memcpy(c->req.body + c->req.body_len, upload_data, *upload_data_size);
		c->req.body_len += *upload_data_size;
		c->req.body[c->req.body_len] = '\0';
	}
}

int
http_defer(const struct http_request *req, http_resume_fn fn, void *arg)
{
	struct conn_state *c = req->parked;

	if (c == NULL || c->resume != NULL)
		return -1;
	c->resume = fn;
	c->resume_arg = arg;
	pthread_mutex_lock(&c->srv->park_mu);
	c->srv->parked++;
	pthread_mutex_unlock(&c->srv->park_mu);
	return 0;
}

void
http_wake(const struct http_request *req)
{
	struct conn_state *c = req->parked;

	pthread_mutex_lock(&c->srv->park_mu);
	c->woken = 1;
	/* Not suspended yet: its handler's thread sees woken and answers at once. */
	if (c->suspended) {
		c->suspended = 0;
		MHD_resume_connection(c->req.conn);
	}
	pthread_mutex_unlock(&c->srv->park_mu);
}

/* A parked request answered, or gone: one fewer for http_stop to wait for. */
static void
unpark(struct http_server *srv)
{
	pthread_mutex_lock(&srv->park_mu);
	if (--srv->parked == 0)
		pthread_cond_broadcast(&srv->park_cv);
	pthread_mutex_unlock(&srv->park_mu);
}

/* A deferred request woken: its answer, from its resume function. */
static enum MHD_Result
conn_resumed(struct conn_state *c, struct MHD_Connection *conn)
{
	struct http_response res = { 0 };
	http_resume_fn fn = c->resume;
	enum MHD_Result ret;

	c->resume = NULL;
	res.status = 500;
	fn(c->resume_arg, &c->req, &res);
	ret = send_response(conn, &res);
	free(res.body);
	observe(c->route, &c->t0);
	/*
	 * Queued, not sent yet (on poll() it goes out on the thread's next
	 * round): http_stop must wait until it is (on_completed), or
	 * stopping the daemon closes the connection with the answer in it.
	 */
	c->answered = 1;
	return ret;
}

/* The whole request is in: refused, or its handler run, and answered. */
static enum MHD_Result
conn_finish(struct conn_state *c, struct MHD_Connection *conn, const char *url,
    const char *method)
{
	struct http_response res = { 0 };
	enum MHD_Result ret;

	/*
	 * Closing the form parser reports a last field that has no value
	 * yet ("...&text="): the handler must see it.
	 */
	if (c->pp != NULL) {
		if (MHD_destroy_post_processor(c->pp) != MHD_YES)
			c->bad_body = 1;
		c->pp = NULL;
	}
	if (c->too_large)
		return refuse_timed(c->route, &c->t0, conn, method, url, 413,
		    "request body too large\n");
	if (c->bad_body)
		return refuse_timed(c->route, &c->t0, conn, method, url, 400,
		    "malformed form body\n");
	MHD_get_connection_values_n(conn, MHD_GET_ARGUMENT_KIND, query_iter, &c->req);
	if (c->req.too_many)
		return refuse_timed(c->route, &c->t0, conn, method, url, 400,
		    "too many parameters\n");
	res.status = 500;
	c->route->fn(c->route->ctx, &c->req, &res);
	if (c->resume != NULL) {
		free(res.body);
		/*
		 * Parked: suspended until http_wake, unless that came first
		 * (then answered now; libmicrohttpd must never be asked to
		 * resume a connection it has not suspended).
		 */
		pthread_mutex_lock(&c->srv->park_mu);
		if (!c->woken) {
			MHD_suspend_connection(conn);
			c->suspended = 1;
			pthread_mutex_unlock(&c->srv->park_mu);
			return MHD_YES;
		}
		pthread_mutex_unlock(&c->srv->park_mu);
		return conn_resumed(c, conn);
	}
	ret = send_response(conn, &res);
	free(res.body);
	observe(c->route, &c->t0);
	return ret;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct http_server *srv = cls;
	struct conn_state *c = *con_cls;

	(void)version;
	if (c == NULL)
		return conn_begin(srv, conn, url, method, con_cls);
	if (c->resume != NULL)
		return conn_resumed(c, conn);   /* woken (http_wake) */
	if (*upload_data_size > 0) {
		conn_upload(srv, c, upload_data, upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	return conn_finish(c, conn, url, method);
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct conn_state *c = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (c == NULL)
		return;
	if (c->resume != NULL) {
		c->resume(c->resume_arg, NULL, NULL);   /* woken, never answered */
		unpark(c->srv);
	} else if (c->answered)
		unpark(c->srv);                         /* its answer sent (or the peer gone) */
	if (c->pp)
		MHD_destroy_post_processor(c->pp);
	request_release(&c->req);
	free(c);
	*con_cls = NULL;
}

/*
 * A connection closed for being over a limit: counted in
 * aduan_http_connections_refused_total, logged at most once per
 * REFUSED_LOG_EVERY seconds with the number since, so that a flood of
 * connections cannot flood the log as well.  libmicrohttpd says the same
 * words for the per-address limit and the global one, and not which
 * address.
 */
#define REFUSED_LOG_EVERY 10

static void
connection_refused(void)
{
	static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	static time_t last;
	static unsigned long since;
	time_t now = time(NULL);
	unsigned long n = 0;
	int say = 0;

	metrics_inc("aduan_http_connections_refused_total", "", 1);
	pthread_mutex_lock(&mu);
	since++;
	if (last == 0 || now - last >= REFUSED_LOG_EVERY) {
		say = 1;
		n = since;
		since = 0;
		last = now;
	}
	pthread_mutex_unlock(&mu);
	if (say)
		log_warnx("http: %lu connection%s closed at once since the last such line: "
		    "over server.connections_per_address from one address, or all %d in use",
		    n, n == 1 ? "" : "s", MAX_CONNECTIONS);
}

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char buf[512];
	size_t n;

	(void)cls;
	vsnprintf(buf, sizeof buf, fmt, ap);
	if (strncmp(buf, "Server reached connection limit", 31) == 0) {
		connection_refused();
		return;
	}
	n = strlen(buf);
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	log_warnx("http: %s", buf);
}

/* Set once, before the servers start (http_set_limits). */
static unsigned limit_per_address;
static unsigned limit_idle_timeout = 30;

void
http_set_limits(unsigned per_address, unsigned idle_timeout)
{
	limit_per_address = per_address;
	limit_idle_timeout = idle_timeout > 0 ? idle_timeout : 30;
}

struct http_server *
http_start(const struct http_options *opt, const struct http_route *routes, size_t nroutes,
    char *err, size_t errsz)
{
	struct http_server *srv;
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	struct sockaddr *sa;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ERROR_LOG |
	    MHD_ALLOW_SUSPEND_RESUME;
	const union MHD_DaemonInfo *di;

	if (nroutes > MAX_ROUTES) {
		snprintf(err, errsz, "too many routes");
		return NULL;
	}
	memset(&sin, 0, sizeof sin);
	memset(&sin6, 0, sizeof sin6);
	if (inet_pton(AF_INET, opt->listen, &sin.sin_addr) == 1) {
		sin.sin_family = AF_INET;
		sin.sin_port = htons((uint16_t)opt->port);
		sa = (struct sockaddr *)&sin;
	} else if (inet_pton(AF_INET6, opt->listen, &sin6.sin6_addr) == 1) {
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = htons((uint16_t)opt->port);
		sa = (struct sockaddr *)&sin6;
		flags |= MHD_USE_IPv6;
	} else {
		snprintf(err, errsz, "listen address '%s' is not an IP address", opt->listen);
		return NULL;
	}
	srv = xcalloc(1, sizeof *srv);
	pthread_mutex_init(&srv->park_mu, NULL);
	pthread_cond_init(&srv->park_cv, NULL);
	memcpy(srv->routes, routes, nroutes * sizeof *routes);
	srv->nroutes = nroutes;
	srv->max_body = opt->max_body;
	srv->d = MHD_start_daemon(flags, (uint16_t)opt->port, NULL, NULL, on_request, srv,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
	    MHD_OPTION_SOCK_ADDR, sa,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)MAX_CONNECTIONS,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, limit_per_address,
	    MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned int)MAX_CONNECTIONS,
	    MHD_OPTION_CONNECTION_TIMEOUT, limit_idle_timeout,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_MEMORY,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
	    /*
	     * Last, so that one thread ends the list here instead: MHD warns
	     * at every start when asked for a pool of 1 (the admin listener).
	     */
	    opt->threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END,
	    (unsigned int)opt->threads,
	    MHD_OPTION_END);
	if (srv->d == NULL) {
		snprintf(err, errsz, "cannot listen on %s port %d (in use, or not an address of this machine)",
		    opt->listen, opt->port);
		pthread_cond_destroy(&srv->park_cv);
		pthread_mutex_destroy(&srv->park_mu);
		free(srv);
		return NULL;
	}
	di = MHD_get_daemon_info(srv->d, MHD_DAEMON_INFO_BIND_PORT);
	srv->port = di ? (int)di->port : opt->port;
	return srv;
}

int
http_port(const struct http_server *srv)
{
	return srv->port;
}

void
http_stop(struct http_server *srv)
{
	if (srv == NULL)
		return;
	/*
	 * libmicrohttpd must not stop with a connection suspended: every
	 * parked request is woken and answered first (its work, a commit,
	 * still runs: the writer stops after this server).
	 */
	pthread_mutex_lock(&srv->park_mu);
	while (srv->parked > 0)
		pthread_cond_wait(&srv->park_cv, &srv->park_mu);
	pthread_mutex_unlock(&srv->park_mu);
	MHD_stop_daemon(srv->d);
	pthread_cond_destroy(&srv->park_cv);
	pthread_mutex_destroy(&srv->park_mu);
	free(srv);
}
