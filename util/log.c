/*
 * log: one line per event on stderr, "2026-11-28T08:51:03Z INFO message".
 * A single write() per line so concurrent threads do not interleave.
 *
 * A message may quote what a client sent (a URL path, a gateway field), so
 * every line is escaped here, whatever the caller passed: control
 * characters (C0, DEL, C1), bytes that are not UTF-8 and the Unicode line
 * separators become \n, \r, \t or \xNN, and no client can write a line
 * of its own or a terminal escape into the log.
 */
#include "util/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/util.h"

static enum log_level min_level = LOG_LEVEL_INFO;

void
log_set_level(enum log_level level)
{
	min_level = level;
}

/*
 * Copies in[0..inlen) into out (room for outsz bytes, no terminator) with
 * every control character, non-UTF-8 byte and U+2028/U+2029 escaped;
 * stops before an escape or a character that would not fit whole.
 * Returns the bytes written.
 */
static size_t
escape_into(char *out, size_t outsz, const char *in, size_t inlen)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0, o = 0, k, cl;
	uint32_t cp;

	while (i < inlen) {
		cl = utf8_next(s + i, inlen - i, &cp);
		if (cl == 1 && s[i] >= 0x20 && s[i] != 0x7f) {
			if (o + 1 > outsz)
				break;
			out[o++] = (char)s[i++];
			continue;
		}
		if (cl > 1 && !(cl == 2 && s[i] == 0xc2 && s[i + 1] < 0xa0) &&
		    !(cl == 3 && s[i] == 0xe2 && s[i + 1] == 0x80 &&
		    (s[i + 2] == 0xa8 || s[i + 2] == 0xa9))) {
			if (o + cl > outsz)
				break;
			memcpy(out + o, s + i, cl);
			o += cl;
			i += cl;
			continue;
		}
		/* A control character, a C1 control or line separator (each
		 * byte), or a byte that is not UTF-8. */
		if (cl == 0)
			cl = 1;
		if (o + 4 * cl > outsz)
			break;
		for (k = 0; k < cl; k++, i++) {
			out[o++] = '\\';
			if (s[i] == '\n' || s[i] == '\r' || s[i] == '\t') {
				out[o++] = s[i] == '\n' ? 'n' : s[i] == '\r' ? 'r' : 't';
				continue;
			}
			out[o++] = 'x';
			out[o++] = hex[s[i] >> 4];
			out[o++] = hex[s[i] & 0x0f];
		}
	}
	return o;
}

static void
vlog(enum log_level level, int with_errno, int saved_errno, const char *fmt, va_list ap)
{
	static const char *names[] = { "DEBUG", "INFO", "WARN", "ERROR" };
	char line[2048], msg[2048];
	struct tm tm;
	time_t t = time(NULL);
	int n, m;

	if (level < min_level)
		return;
	gmtime_r(&t, &tm);
	n = snprintf(line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02dZ %s ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, names[level]);
	m = vsnprintf(msg, sizeof msg, fmt, ap);
	if (m < 0)
		m = 0;
	if ((size_t)m >= sizeof msg)
		m = (int)(sizeof msg - 1);
	/* 64 bytes kept for the errno text and the newline. */
	n += (int)escape_into(line + n, sizeof line - 64 - (size_t)n, msg, (size_t)m);
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
