/*
 * log: one line per event on stderr, "2026-11-28T08:51:03Z INFO message".
 * A single write() per line so concurrent threads do not interleave.
 */
#include "util/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static enum log_level min_level = LOG_LEVEL_INFO;

void
log_set_level(enum log_level level)
{
	min_level = level;
}

static void
vlog(enum log_level level, int with_errno, int saved_errno, const char *fmt, va_list ap)
{
	static const char *names[] = { "DEBUG", "INFO", "WARN", "ERROR" };
	char line[2048];
	struct tm tm;
	time_t t = time(NULL);
	int n, m;

	if (level < min_level)
		return;
	gmtime_r(&t, &tm);
	n = snprintf(line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02dZ %s ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, names[level]);
	m = vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
	if (m < 0)
		m = 0;
	n += m;
	if ((size_t)n >= sizeof line - 64)
		n = (int)(sizeof line - 64);
	if (with_errno && saved_errno != 0)
		n += snprintf(line + n, sizeof line - (size_t)n, ": %s", strerror(saved_errno));
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, (size_t)n) < 0) {
		/* Nowhere left to report it. */
	}
}

#define LOGFN(name, level, witherr)                     \
	void name(const char *fmt, ...)                 \
	{                                               \
		int e = errno;                          \
		va_list ap;                             \
		va_start(ap, fmt);                      \
		vlog(level, witherr, e, fmt, ap);       \
		va_end(ap);                             \
		errno = e;                              \
	}

LOGFN(log_debug, LOG_LEVEL_DEBUG, 0)
LOGFN(log_info, LOG_LEVEL_INFO, 0)
LOGFN(log_warn, LOG_LEVEL_WARN, 1)
LOGFN(log_warnx, LOG_LEVEL_WARN, 0)
LOGFN(log_error, LOG_LEVEL_ERROR, 0)

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LEVEL_ERROR, 0, 0, fmt, ap);
	va_end(ap);
	exit(1);
}

char *
log_mask_phone(const char *phone, char *buf, size_t bufsz)
{
	size_t n;

	if (bufsz == 0)
		return buf;
	if (phone == NULL || *phone == '\0') {
		snprintf(buf, bufsz, "-");
		return buf;
	}
	n = strlen(phone);
	if (n <= 9)
		/* Too short to show any part without giving it away. */
		snprintf(buf, bufsz, "%.*s****", n > 4 ? 2 : 0, phone);
	else
		snprintf(buf, bufsz, "%.6s****%s", phone, phone + n - 3);
	return buf;
}
