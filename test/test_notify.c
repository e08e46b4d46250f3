/*
 * test_notify: the sd_notify datagram reaches the socket $NOTIFY_SOCKET
 * names, a path or an abstract name ('@'), as systemd reads it; without
 * $NOTIFY_SOCKET nothing is sent and nothing fails.  Real AF_UNIX sockets.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "util/notify.h"

/* A datagram socket bound to name (a path, or '@' + an abstract name). */
static int
listener(const char *name)
{
	struct sockaddr_un sa;
	size_t len = strlen(name);
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	assert_true(fd >= 0);
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	assert_true(len < sizeof sa.sun_path);
	memcpy(sa.sun_path, name, len);
	if (name[0] == '@')
		sa.sun_path[0] = '\0';
	assert_int_equal(bind(fd, (struct sockaddr *)&sa,
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)), 0);
	return fd;
}

/* What arrived on fd, or "" when nothing did. */
static const char *
received(int fd)
{
	static char buf[256];
	ssize_t n = recv(fd, buf, sizeof buf - 1, MSG_DONTWAIT);

	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static void
test_path_socket_gets_ready(void **state)
{
	char dir[] = "/tmp/aduan-test-notify.XXXXXX", path[128];
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/notify", dir);
	fd = listener(path);
	setenv("NOTIFY_SOCKET", path, 1);
	assert_int_equal(notify_send("READY=1"), 1);
	assert_string_equal(received(fd), "READY=1");
	assert_int_equal(notify_send("STOPPING=1"), 1);
	assert_string_equal(received(fd), "STOPPING=1");
	close(fd);
	unlink(path);
	rmdir(dir);
	unsetenv("NOTIFY_SOCKET");
}

static void
test_abstract_socket_gets_ready(void **state)
{
	char name[64];
	int fd;

	(void)state;
	snprintf(name, sizeof name, "@aduan-test-notify-%ld", (long)getpid());
	fd = listener(name);
	setenv("NOTIFY_SOCKET", name, 1);
	assert_int_equal(notify_send("READY=1"), 1);
	assert_string_equal(received(fd), "READY=1");
	close(fd);
	unsetenv("NOTIFY_SOCKET");
}

static void
test_no_socket_no_op(void **state)
{
	(void)state;
	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(notify_send("READY=1"), 0);
	setenv("NOTIFY_SOCKET", "", 1);
	assert_int_equal(notify_send("READY=1"), 0);
	unsetenv("NOTIFY_SOCKET");
}

static void
test_missing_socket_is_an_error_not_a_crash(void **state)
{
	(void)state;
	setenv("NOTIFY_SOCKET", "/nonexistent/aduan-notify", 1);
	assert_int_equal(notify_send("READY=1"), -1);
	setenv("NOTIFY_SOCKET", "relative/name", 1);
	assert_int_equal(notify_send("READY=1"), -1);
	unsetenv("NOTIFY_SOCKET");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_socket_gets_ready),
		cmocka_unit_test(test_abstract_socket_gets_ready),
		cmocka_unit_test(test_no_socket_no_op),
		cmocka_unit_test(test_missing_socket_is_an_error_not_a_crash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
