/*
 * log: the one way Aduan writes log lines.  Lines go to stderr with a UTC
 * timestamp and a level.  Phone numbers never appear raw: pass them through
 * log_mask_phone() first.
 */
#ifndef ADUAN_LOG_H
#define ADUAN_LOG_H

#include <stddef.h>

enum log_level { LOG_LEVEL_DEBUG, LOG_LEVEL_INFO, LOG_LEVEL_WARN, LOG_LEVEL_ERROR };

/* Lines below this level are dropped.  Default LOG_LEVEL_INFO. */
void log_set_level(enum log_level level);

void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* log_warn appends ": <strerror(errno)>" when errno is set at the call. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Logs at error level and exits with status 1: start-up failures and bugs. */
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/*
 * Writes a masked form of a phone number into buf: "+62812****890" (first
 * 6 characters, four stars, last 3).  Short or alphanumeric senders are
 * masked too.  Always NUL-terminates; returns buf.
 */
char *log_mask_phone(const char *phone, char *buf, size_t bufsz);

#endif
