/*
 * test_log: every log line is one line, whatever a message quotes.  The
 * logger writes to stderr; each test points stderr at a temp file, logs,
 * and reads back exactly what an operator's log would hold.  Control
 * characters (CR, LF, ESC, DEL, C1), Unicode line separators and bytes
 * that are not UTF-8 come out escaped; good UTF-8 comes out as it went in.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/log.h"

/* Runs fn(arg) with stderr going to a temp file; returns what was written. */
static char *
captured(void (*fn)(const void *), const void *arg)
{
	char path[] = "/tmp/aduan-test-log.XXXXXX";
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);
	static char buf[8192];
	ssize_t n;

	assert_true(fd >= 0);
	assert_true(saved >= 0);
	unlink(path);
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	fn(arg);
	assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	assert_true(n >= 0);
	buf[n] = '\0';
	return buf;
}

static void
info_s(const void *arg)
{
	log_info("got %s!", (const char *)arg);
}

/* The message part of the one line logged for `text`; fails unless one line. */
static const char *
logged(const char *text)
{
	const char *out = captured(info_s, text);
	const char *nl = strchr(out, '\n');
	regex_t re;

	assert_int_equal(regcomp(&re, "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z INFO ",
	    REG_EXTENDED | REG_NOSUB), 0);
	if (regexec(&re, out, 0, NULL, 0) != 0)
		fail_msg("expected a line starting with a timestamp and INFO, got [%s]", out);
	regfree(&re);
	if (nl == NULL || nl[1] != '\0')
		fail_msg("expected exactly one line ending in a newline, got [%s]", out);
	return strchr(out, 'Z') + strlen("Z INFO ");
}

static void
expect_logged(const char *text, const char *want)
{
	const char *got = logged(text);

	if (strcmp(got, want) != 0)
		fail_msg("logging [got %s!]:\n  expected: [%s]\n  got:      [%s]", text, want, got);
}

static void
test_plain_text_unchanged(void **state)
{
	(void)state;
	expect_logged("http GET /kannel/sms from 127.0.0.1", "got http GET /kannel/sms from 127.0.0.1!\n");
	expect_logged("a \\ backslash and \"quotes\"", "got a \\ backslash and \"quotes\"!\n");
}

static void
test_newlines_cannot_start_a_line(void **state)
{
	(void)state;
	expect_logged("/kannel/sms\r\n2026-01-01T00:00:00Z INFO forged",
	    "got /kannel/sms\\r\\n2026-01-01T00:00:00Z INFO forged!\n");
	expect_logged("\n", "got \\n!\n");
	expect_logged("a\tb", "got a\\tb!\n");
}

static void
test_other_controls_escaped(void **state)
{
	(void)state;
	expect_logged("\x1b[31mred\x1b[0m", "got \\x1b[31mred\\x1b[0m!\n");
	expect_logged("del\x7f bell\x07 one\x01 vt\x0b ff\x0c", "got del\\x7f bell\\x07 one\\x01 vt\\x0b ff\\x0c!\n");
	/* C1 controls (NEL, CSI) and U+2028/U+2029, which some viewers break lines at. */
	expect_logged("nel\xc2\x85 csi\xc2\x9b ls\xe2\x80\xa8 ps\xe2\x80\xa9",
	    "got nel\\xc2\\x85 csi\\xc2\\x9b ls\\xe2\\x80\\xa8 ps\\xe2\\x80\\xa9!\n");
}

static void
test_utf8_kept_invalid_escaped(void **state)
{
	(void)state;
	expect_logged("Jl. Pemuda \xe2\x80\x93 gelap \xf0\x9f\x98\x9f \xc2\xa0nbsp",
	    "got Jl. Pemuda \xe2\x80\x93 gelap \xf0\x9f\x98\x9f \xc2\xa0nbsp!\n");
	expect_logged("ff\xff fe\xfe", "got ff\\xff fe\\xfe!\n");
	/* overlong '/', a UTF-16 surrogate, past U+10FFFF, a cut character */
	expect_logged("over\xc0\xaf sur\xed\xa0\x80 big\xf4\x90\x80\x80 cut\xe2\x82",
	    "got over\\xc0\\xaf sur\\xed\\xa0\\x80 big\\xf4\\x90\\x80\\x80 cut\\xe2\\x82!\n");
	/* a lone continuation byte */
	expect_logged("x\x80y", "got x\\x80y!\n");
}

static void
long_line(const void *arg)
{
	(void)arg;
	char text[3000];
	size_t i;

	for (i = 0; i < sizeof text - 1; i++)
		text[i] = i % 3 == 0 ? '\n' : i % 3 == 1 ? '\xff' : 'a';
	text[sizeof text - 1] = '\0';
	log_warnx("%s", text);
}

static void
test_long_line_stays_one_line(void **state)
{
	const char *out = captured(long_line, NULL);
	size_t n = strlen(out);

	(void)state;
	assert_true(n > 1000);
	assert_true(n <= 2048);
	assert_int_equal(out[n - 1], '\n');
	if (memchr(out, '\n', n - 1) != NULL)
		fail_msg("a long message with newlines was logged on more than one line");
	/* cut between escapes, never inside one */
	assert_true(strstr(out, "\\n\\xffa") != NULL);
	if (!(memcmp(out + n - 2, "a", 1) == 0 || memcmp(out + n - 3, "\\n", 2) == 0 ||
	    memcmp(out + n - 5, "\\xff", 4) == 0))
		fail_msg("the line ends inside an escape: [...%s]", out + n - 8);
}

static void
warn_errno(const void *arg)
{
	errno = ENOENT;
	log_warn("open %s", (const char *)arg);
}

static void
test_warn_errno_after_escaped_message(void **state)
{
	const char *out = captured(warn_errno, "a\nb");

	(void)state;
	assert_non_null(strstr(out, " WARN open a\\nb: No such file or directory\n"));
	assert_ptr_equal(strchr(out, '\n'), out + strlen(out) - 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_text_unchanged),
		cmocka_unit_test(test_newlines_cannot_start_a_line),
		cmocka_unit_test(test_other_controls_escaped),
		cmocka_unit_test(test_utf8_kept_invalid_escaped),
		cmocka_unit_test(test_long_line_stays_one_line),
		cmocka_unit_test(test_warn_errno_after_escaped_message),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
