/*
 * notify: tells the service manager how the service is doing, by the
 * sd_notify protocol (one datagram of "NAME=value" lines to the AF_UNIX
 * socket named by $NOTIFY_SOCKET; a name starting with '@' is in the
 * abstract namespace), without libsystemd.  dist/aduan.service is
 * Type=notify: systemd counts the service as started on READY=1.
 */
#ifndef ADUAN_NOTIFY_H
#define ADUAN_NOTIFY_H

/*
 * Sends state ("READY=1", "RELOADING=1", "STOPPING=1", "STATUS=...", one
 * per line) to $NOTIFY_SOCKET.  Returns 1 sent, 0 when $NOTIFY_SOCKET is
 * unset or empty (not run by a service manager: nothing to do), -1 when
 * sending failed (with a warning logged).  Thread-safe; never blocks.
 */
int notify_send(const char *state);

#endif
