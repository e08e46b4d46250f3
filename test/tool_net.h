/*
 * tool_net: what the test tools (test/tool_*.c) share.
 *
 *   tool_number(s, min, max, usage)  s as a whole decimal number within
 *                                    [min, max] (str_to_long); else calls
 *                                    usage(), which exits
 *   tool_serve(name, route, port, threads, max_body, stopping)
 *                                    a stand-in server: route on
 *                                    127.0.0.1:PORT (net/http.h) until SIGINT
 *                                    or SIGTERM, then stopping() (if not
 *                                    NULL) and the server stopped; 0, or 1
 *                                    when it cannot start (said on stderr
 *                                    after name)
 *
 * A header of static functions, as test/faultvfs.h: a tool is one file.
 */
#ifndef ADUAN_TEST_TOOL_NET_H
#define ADUAN_TEST_TOOL_NET_H

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "net/http.h"
#include "util/util.h"

/* Not every tool uses both: unused ones are no warning. */
#define TOOL_NET_FN static __attribute__((unused))

TOOL_NET_FN long
tool_number(const char *s, long min, long max, void (*usage)(void))
{
	long v;

	if (str_to_long(s, min, max, &v) != 0) {
		usage();
		exit(2);        /* usage() exits */
	}
	return v;
}

TOOL_NET_FN int
tool_serve(const char *name, const struct http_route *route, int port, int threads,
    size_t max_body, void (*stopping)(void))
{
	struct http_options ho;
	struct http_server *srv;
	sigset_t set;
	char err[256];
	int sig;

	/* Blocked before the server's threads start, so only sigwait sees them. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	ho.listen = "127.0.0.1";
	ho.port = port;
	ho.threads = threads;
	ho.max_body = max_body;
	srv = http_start(&ho, route, 1, err, sizeof err);
	if (srv == NULL) {
		fprintf(stderr, "%s: %s\n", name, err);
		return 1;
	}
	while (sigwait(&set, &sig) != 0)
		;
	if (stopping != NULL)
		stopping();
	http_stop(srv);
	return 0;
}

#endif
