/*
 * tool_flakyproxy: a loopback TCP relay that loses the first responses.
 *
 *   tool_flakyproxy LISTEN_PORT UPSTREAM_PORT DROP_COUNT
 *
 * Listens on 127.0.0.1:LISTEN_PORT and relays every connection to
 * 127.0.0.1:UPSTREAM_PORT and back.  The first DROP_COUNT connections that
 * carry a request are treated differently: the request goes upstream, the
 * proxy waits until the upstream's response is complete (Content-Length
 * satisfied, the last chunk of a chunked body, or upstream EOF) and then
 * closes the client connection without sending a byte of it.  That is a
 * reply lost on the way back after the service committed: the gateway sees a
 * failed request and retries the same message.
 *
 * A connection is numbered when its first byte arrives, not when it is
 * accepted, so a port probe (connect, then close) does not use up a drop.
 *
 * This is a test tool, not an HTTP parser: it reads just enough of the
 * response head to know when the response is over.  It prints nothing but
 * errors (stderr) and runs until killed (SIGTERM ends it, the default
 * action).  One thread per connection.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>

#define IO_CHUNK 16384
#define HEAD_MAX 16384           /* response head bytes kept for parsing */
#define IDLE_MS (60 * 1000)      /* a silent connection is dropped after this */

static int upstream_port;
static long drop_count;
static long numbered;            /* connections that carried a request */
static pthread_mutex_t numbered_lock = PTHREAD_MUTEX_INITIALIZER;

struct conn {
	int client;
};

/* The number of the connection whose first request byte just arrived. */
static long next_number(void)
{
	long n;

	pthread_mutex_lock(&numbered_lock);
	n = ++numbered;
	pthread_mutex_unlock(&numbered_lock);
	return n;
}

static int parse_port(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 1 || v > 65535)
		return -1;
	return (int)v;
}

static int send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int connect_upstream(void)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)upstream_port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Response completeness, fed the upstream bytes as they come.  Before the
 * head is complete the bytes are kept in head[]; after it, only counted.
 */
struct resp {
	char head[HEAD_MAX + 1];
	size_t head_len;
	int head_done;
	int chunked;
	long long content_length;   /* -1: none given (read until EOF) */
	long long body_seen;
	char tail[5];               /* last bytes of a chunked body */
	size_t tail_len;
};

static void resp_parse_head(struct resp *r, size_t head_end)
{
	char *line = r->head, *end = r->head + head_end;

	r->content_length = -1;
	while (line < end) {
		char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t len = nl ? (size_t)(nl - line) : (size_t)(end - line);

		if (len >= 15 && strncasecmp(line, "Content-Length:", 15) == 0)
			r->content_length = strtoll(line + 15, NULL, 10);
		else if (len >= 18 &&
		    strncasecmp(line, "Transfer-Encoding:", 18) == 0 &&
		    strstr(line, "chunked") != NULL)
			r->chunked = 1;
		if (nl == NULL)
			break;
		line = nl + 1;
	}
}

static void resp_body_bytes(struct resp *r, const char *p, size_t n)
{
	size_t i;

	r->body_seen += (long long)n;
	for (i = 0; i < n; i++) {
		if (r->tail_len == sizeof(r->tail)) {
			memmove(r->tail, r->tail + 1, sizeof(r->tail) - 1);
			r->tail_len--;
		}
		r->tail[r->tail_len++] = p[i];
	}
}

/* Returns 1 once the response is complete (EOF aside). */
static int resp_feed(struct resp *r, const char *p, size_t n)
{
	if (!r->head_done) {
		size_t room = HEAD_MAX - r->head_len, take = n < room ? n : room;
		char *sep;

		memcpy(r->head + r->head_len, p, take);
		r->head_len += take;
		r->head[r->head_len] = '\0';
		sep = strstr(r->head, "\r\n\r\n");
		if (sep == NULL) {
			/* a head this large is not what we proxy: wait for EOF */
			return 0;
		}
		r->head_done = 1;
		resp_parse_head(r, (size_t)(sep - r->head));
		/* bytes of the body that came with the head */
		{
			size_t head_bytes = (size_t)(sep + 4 - r->head);
			size_t before = r->head_len - take;

			if (head_bytes < before + n)
				resp_body_bytes(r, p + (head_bytes - before),
				    before + n - head_bytes);
		}
	} else {
		resp_body_bytes(r, p, n);
	}
	if (!r->head_done)
		return 0;
	if (r->chunked)
		return r->tail_len == sizeof(r->tail) &&
		    memcmp(r->tail, "0\r\n\r\n", 5) == 0;
	if (r->content_length >= 0)
		return r->body_seen >= r->content_length;
	return 0;
}

/*
 * Relay both ways until both directions are closed.  In drop mode nothing
 * goes back to the client: the upstream response is read to its end, then
 * both sockets are closed.
 */
static void relay(int client, int upstream, int drop, const char *first,
    size_t first_len)
{
	struct pollfd pf[2];
	char buf[IO_CHUNK];
	int client_open = 1, upstream_open = 1;
	struct resp *r = NULL;

	if (send_all(upstream, first, first_len) == -1)
		return;
	if (drop) {
		r = calloc(1, sizeof(*r));
		if (r == NULL)
			return;
	}
	while (client_open || upstream_open) {
		int n;

		pf[0].fd = client_open ? client : -1;
		pf[0].events = POLLIN;
		pf[1].fd = upstream_open ? upstream : -1;
		pf[1].events = POLLIN;
		n = poll(pf, 2, IDLE_MS);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (n == 0)
			break;
		if (client_open && (pf[0].revents & (POLLIN | POLLHUP | POLLERR))) {
			ssize_t got = recv(client, buf, sizeof(buf), 0);

			if (got <= 0) {
				client_open = 0;
				shutdown(upstream, SHUT_WR);
				if (drop)
					break;   /* client gave up: nothing to lose */
			} else if (send_all(upstream, buf, (size_t)got) == -1) {
				break;
			}
		}
		if (upstream_open && (pf[1].revents & (POLLIN | POLLHUP | POLLERR))) {
			ssize_t got = recv(upstream, buf, sizeof(buf), 0);

			if (got <= 0) {
				upstream_open = 0;
				if (drop)
					break;   /* response over: lose it */
				shutdown(client, SHUT_WR);
			} else if (drop) {
				if (resp_feed(r, buf, (size_t)got))
					break;   /* response complete: lose it */
			} else if (send_all(client, buf, (size_t)got) == -1) {
				break;
			}
		}
	}
	free(r);
}

static void *serve(void *arg)
{
	struct conn *c = arg;
	char first[IO_CHUNK];
	ssize_t got;
	int upstream, drop;

	/* The first bytes decide the connection's number (see above). */
	do
		got = recv(c->client, first, sizeof(first), 0);
	while (got < 0 && errno == EINTR);
	if (got <= 0)
		goto out;
	drop = next_number() <= drop_count;

	upstream = connect_upstream();
	if (upstream < 0) {
		fprintf(stderr, "tool_flakyproxy: connect to 127.0.0.1:%d: %s\n",
		    upstream_port, strerror(errno));
		goto out;
	}
	relay(c->client, upstream, drop, first, (size_t)got);
	close(upstream);
out:
	close(c->client);
	free(c);
	return NULL;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa;
	char *end;
	int listen_port, s, one = 1;
	pthread_attr_t attr;

	if (argc != 4) {
		fprintf(stderr, "usage: tool_flakyproxy LISTEN_PORT "
		    "UPSTREAM_PORT DROP_COUNT\n");
		return 1;
	}
	listen_port = parse_port(argv[1]);
	upstream_port = parse_port(argv[2]);
	errno = 0;
	drop_count = strtol(argv[3], &end, 10);
	if (listen_port < 0 || upstream_port < 0 || errno != 0 ||
	    end == argv[3] || *end != '\0' || drop_count < 0) {
		fprintf(stderr, "tool_flakyproxy: bad arguments\n");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);

	s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0) {
		perror("tool_flakyproxy: socket");
		return 1;
	}
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)listen_port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(s, 128) < 0) {
		fprintf(stderr, "tool_flakyproxy: listen on 127.0.0.1:%d: %s\n",
		    listen_port, strerror(errno));
		return 1;
	}
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (;;) {
		struct conn *c;
		pthread_t t;
		int fd = accept(s, NULL, NULL);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED ||
			    errno == EMFILE || errno == ENFILE)
				continue;
			perror("tool_flakyproxy: accept");
			return 1;
		}
		c = malloc(sizeof(*c));
		if (c == NULL) {
			close(fd);
			continue;
		}
		c->client = fd;
		if (pthread_create(&t, &attr, serve, c) != 0) {
			fprintf(stderr, "tool_flakyproxy: pthread_create failed\n");
			close(fd);
			free(c);
		}
	}
}
