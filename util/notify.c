/*
 * util/notify.c: the sd_notify protocol, the part systemd's documentation
 * (sd_notify(3), "NOTES") describes as stable for reimplementation: a
 * datagram to $NOTIFY_SOCKET.  No libsystemd: one socket call is all it is.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "util/log.h"
#include "util/notify.h"

int
notify_send(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa;
	socklen_t salen;
	size_t len;
	ssize_t n;
	int fd;

	if (path == NULL || path[0] == '\0')
		return 0;
	len = strlen(path);
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	if ((path[0] != '/' && path[0] != '@') || len >= sizeof sa.sun_path) {
		log_warnx("NOTIFY_SOCKET=%s: not a socket path nor an abstract name", path);
		return -1;
	}
	memcpy(sa.sun_path, path, len);
	/* An abstract name: a leading NUL, and the length says where it ends. */
	if (path[0] == '@')
		sa.sun_path[0] = '\0';
	salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + (path[0] == '/'));
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0) {
		log_warn("NOTIFY_SOCKET: socket");
		return -1;
	}
	n = sendto(fd, state, strlen(state), MSG_NOSIGNAL | MSG_DONTWAIT,
	    (const struct sockaddr *)&sa, salen);
	if (n < 0)
		log_warn("NOTIFY_SOCKET %s: cannot send %s", path, state);
	close(fd);
	return n < 0 ? -1 : 1;
}
