/*
 * baseline: the bare libmicrohttpd server `make bench` measures Aduan
 * against.  Same threading model as net/http.c (an internal polling
 * thread pool on poll(), the same connection limit and listen backlog), and
 * nothing else: no parsing, no routing, no store.  Every request, GET or
 * POST, gets 200 text/plain with a fixed body of about the size of a ticket
 * receipt.  A request body is read and thrown away.
 *
 *   baseline PORT [THREADS]     (THREADS defaults to 4, as server.threads)
 *
 * Listens on 127.0.0.1 only; stops on SIGTERM or SIGINT.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char body[] =
    "Aduan diterima. No tiket: 12345674. Diteruskan ke DPUPR. Cek status: ketik "
    "STATUS 12345674 kirim ke 1708";

static struct MHD_Response *reply;
static int marker;

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	(void)cls;
	(void)url;
	(void)method;
	(void)version;
	(void)upload_data;
	if (*con_cls == NULL) {
		/* First call: headers only.  Answer once the body (if any) is read. */
		*con_cls = &marker;
		return MHD_YES;
	}
	if (*upload_data_size != 0) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	return MHD_queue_response(conn, MHD_HTTP_OK, reply);
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sin;
	struct MHD_Daemon *d;
	long port, threads = 4;
	sigset_t set;
	char *end;
	int sig;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: baseline PORT [THREADS]\n");
		return 2;
	}
	port = strtol(argv[1], &end, 10);
	if (*end != '\0' || port < 1 || port > 65535) {
		fprintf(stderr, "baseline: %s: not a port number\n", argv[1]);
		return 2;
	}
	if (argc == 3) {
		threads = strtol(argv[2], &end, 10);
		if (*end != '\0' || threads < 1 || threads > 256) {
			fprintf(stderr, "baseline: %s: threads must be 1..256\n", argv[2]);
			return 2;
		}
	}

	/* Blocked before the pool starts, so only sigwait() below sees them. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	reply = MHD_create_response_from_buffer(sizeof body - 1, (void *)body,
	    MHD_RESPMEM_PERSISTENT);
	if (reply == NULL ||
	    MHD_add_response_header(reply, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "text/plain; charset=UTF-8") != MHD_YES) {
		fprintf(stderr, "baseline: cannot build the response\n");
		return 1;
	}

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ERROR_LOG,
	    (uint16_t)port, NULL, NULL, on_request, NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)threads,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)1024,
	    MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned int)1024,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)30,
	    MHD_OPTION_END);
	if (d == NULL) {
		fprintf(stderr, "baseline: cannot listen on 127.0.0.1 port %ld\n", port);
		return 1;
	}
	fprintf(stderr, "baseline: listening on 127.0.0.1 port %ld, %ld threads\n", port, threads);
	sigwait(&set, &sig);
	MHD_stop_daemon(d);
	MHD_destroy_response(reply);
	return 0;
}
