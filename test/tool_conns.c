/*
 * tool_conns: many idle TCP connections from one source address, for the
 * connection-limit tests (test/it_conns.sh).
 *
 *   tool_conns [-s SRC] [-n N] [-p] [-w MS] [-t SECONDS] [-g PATH] HOST PORT
 *
 * Opens N connections to HOST:PORT (IPv4), each bound to source address
 * SRC first (any 127.x.y.z works on Linux loopback, so one machine can be
 * several clients).  With -p each sends half a request ("GET / HTTP/1.1",
 * a Host header, and never the blank line that ends the headers), as a
 * slowloris client does; otherwise they send nothing.  After -w MS
 * (default 1000) it prints
 *
 *   connected=C open=O closed=K
 *
 * C: connections the kernel completed within 3 s; O: of those, the ones the
 * server has not closed; K: the ones it closed (EOF or reset).  Then it
 * holds them for -t SECONDS (default 0) and prints the same line again,
 * prefixed "after SECONDS s:".  Every line is flushed at once, so a test
 * can read the first while the connections are still held.
 *
 * With -g PATH each connection instead sends a whole "GET PATH HTTP/1.0"
 * and the line printed is "answered=A status=S" (S: the first status code
 * seen, 0 when none): a client that wants an answer.
 *
 * Exit status 0, 1 on usage or system errors.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "test/tool_net.h"

#define MAX_CONNS 4000

static int fds[MAX_CONNS];
static int state[MAX_CONNS];    /* 0 pending, 1 connected, 2 closed by the server, 3 failed */

static void
usage(void)
{
	fprintf(stderr, "usage: tool_conns [-s SRC] [-n N] [-p] [-w MS] [-t SECONDS] "
	    "[-g PATH] HOST PORT\n");
	exit(1);
}

static long
ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void
nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Marks connections the server closed: readable with EOF, or an error. */
static void
reap(int n)
{
	char buf[512];
	int i;

	for (i = 0; i < n; i++) {
		struct pollfd p = { fds[i], POLLIN | POLLRDHUP, 0 };

		if (state[i] != 1)
			continue;
		if (poll(&p, 1, 0) <= 0)
			continue;
		if (p.revents & (POLLERR | POLLHUP | POLLRDHUP)) {
			state[i] = 2;
			continue;
		}
		if (p.revents & POLLIN) {
			ssize_t r = recv(fds[i], buf, sizeof buf, MSG_DONTWAIT);

			if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
				state[i] = 2;
		}
	}
}

static void
report(const char *prefix, int n)
{
	int i, c = 0, o = 0, k = 0;

	for (i = 0; i < n; i++) {
		c += state[i] == 1 || state[i] == 2;
		o += state[i] == 1;
		k += state[i] == 2;
	}
	printf("%sconnected=%d open=%d closed=%d\n", prefix, c, o, k);
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	const char *src = NULL, *get = NULL;
	struct sockaddr_in dst, sa;
	struct rlimit rl;
	long wait_ms = 1000, hold = 0, end;
	int n = 1, partial = 0, i, opt, pending;

	while ((opt = getopt(argc, argv, "s:n:pw:t:g:")) != -1) {
		switch (opt) {
		case 's': src = optarg; break;
		case 'n': n = (int)tool_number(optarg, 1, MAX_CONNS, usage); break;
		case 'p': partial = 1; break;
		case 'w': wait_ms = tool_number(optarg, 0, 600000, usage); break;
		case 't': hold = tool_number(optarg, 0, 3600, usage); break;
		case 'g': get = optarg; break;
		default: usage();
		}
	}
	if (argc - optind != 2)
		usage();
	memset(&dst, 0, sizeof dst);
	dst.sin_family = AF_INET;
	dst.sin_port = htons((unsigned short)tool_number(argv[optind + 1], 1, 65535, usage));
	if (inet_pton(AF_INET, argv[optind], &dst.sin_addr) != 1)
		usage();
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	if (src != NULL && inet_pton(AF_INET, src, &sa.sin_addr) != 1)
		usage();
	/* Room for n sockets, whatever the shell's soft limit. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)n + 64) {
		rl.rlim_cur = rl.rlim_max < (rlim_t)n + 64 ? rl.rlim_max : (rlim_t)n + 64;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}

	for (i = 0; i < n; i++) {
		fds[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fds[i] == -1) {
			perror("tool_conns: socket");
			return 1;
		}
		if (src != NULL && bind(fds[i], (struct sockaddr *)&sa, sizeof sa) == -1) {
			perror("tool_conns: bind");
			return 1;
		}
		if (connect(fds[i], (struct sockaddr *)&dst, sizeof dst) == 0)
			state[i] = 1;
		else if (errno != EINPROGRESS)
			state[i] = 3;
	}
	/* Connections still in progress: up to 3 s for the kernel. */
	end = ms_now() + 3000;
	do {
		pending = 0;
		for (i = 0; i < n; i++) {
			struct pollfd p = { fds[i], POLLOUT, 0 };
			int err = 0;
			socklen_t len = sizeof err;

			if (state[i] != 0)
				continue;
			if (poll(&p, 1, 0) == 1) {
				getsockopt(fds[i], SOL_SOCKET, SO_ERROR, &err, &len);
				state[i] = err == 0 ? 1 : 3;
			} else
				pending++;
		}
		if (pending > 0)
			nap_ms(20);
	} while (pending > 0 && ms_now() < end);

	for (i = 0; i < n; i++) {
		char req[512];
		int len = 0;

		if (state[i] != 1)
			continue;
		if (get != NULL)
			len = snprintf(req, sizeof req, "GET %s HTTP/1.0\r\nHost: x\r\n\r\n", get);
		else if (partial)
			len = snprintf(req, sizeof req, "GET / HTTP/1.1\r\nHost: x\r\n");
		if (len > 0 && send(fds[i], req, (size_t)len, MSG_NOSIGNAL) != len)
			state[i] = 2;
	}

	if (get != NULL) {
		int answered = 0, status = 0;

		/* Each answer, within the wait (at least 2 s). */
		end = ms_now() + (wait_ms > 2000 ? wait_ms : 2000);
		for (i = 0; i < n; i++) {
			char buf[64];
			ssize_t r;
			int code;

			if (state[i] != 1)
				continue;
			(void)fcntl(fds[i], F_SETFL, 0);
			for (;;) {
				struct pollfd p = { fds[i], POLLIN, 0 };
				long left = end - ms_now();

				if (left <= 0 || poll(&p, 1, (int)left) <= 0)
					break;
				r = recv(fds[i], buf, sizeof buf - 1, 0);
				if (r > 0) {
					buf[r] = '\0';
					if (sscanf(buf, "HTTP/1.%*d %d", &code) == 1) {
						answered++;
						if (status == 0)
							status = code;
					}
				}
				break;
			}
		}
		printf("answered=%d status=%d\n", answered, status);
		fflush(stdout);
		return 0;
	}

	nap_ms(wait_ms);
	reap(n);
	report("", n);
	if (hold > 0) {
		char prefix[64];

		end = ms_now() + hold * 1000;
		while (ms_now() < end) {
			nap_ms(100);
			reap(n);
		}
		snprintf(prefix, sizeof prefix, "after %ld s: ", hold);
		report(prefix, n);
	}
	for (i = 0; i < n; i++)
		close(fds[i]);
	return 0;
}
