/*
 * html: how the web inbox writes HTML, with escaping as the only way a
 * value gets into a page.
 *
 * A page is markup and values.  Markup is the format string of html_fmt(),
 * which must be a string literal: the function carries printf's format
 * attribute and the build has -Wformat=2 -Werror, so a format that is not
 * a literal does not compile.  Every argument is a value and is escaped
 * for text and for double-quoted attributes alike (& < > " ' become
 * entities; bytes that are not well-formed UTF-8, and control characters
 * other than tab, newline and carriage return, become U+FFFD).  There is no
 * function that copies a string computed at run time into a page as it
 * is: markup that depends on data is chosen among literals by the caller.
 *
 * Values only ever go into text or into a double-quoted attribute whose
 * markup starts it with a literal ("/inbox/...", a class name, a number);
 * never into a tag or attribute name, a URL's scheme, <script> or <style>.
 *
 * Memory: a page grows in one capped buffer (HTML_PAGE_MAX); past the cap
 * further writes are dropped and html_take() says so.  Nothing here
 * fails otherwise (allocation failures are fatal, util.h).
 */
#ifndef ADUAN_HTML_H
#define ADUAN_HTML_H

#include <stddef.h>

#include "util/util.h"

/* A page's most bytes: a queue page of 50 tickets is some 40 KB. */
#define HTML_PAGE_MAX   (4u << 20)

struct html {
	struct sbuf b;
};

void html_init(struct html *h);
/* Frees what h holds (after html_take: nothing). */
void html_free(struct html *h);

/*
 * Appends markup `fmt` with each conversion replaced by its escaped
 * argument.  Conversions: %s (a string, escaped; NULL writes nothing),
 * %.*s (an int length, then a string: at most that many bytes of it, cut
 * on a character boundary, escaped), %c (one byte, escaped), %d %i %u %ld
 * %lu %lld %llu %zu with an optional '0' flag and width (%02d), and %%.
 * Anything else is a programming error (fatal).
 */
void html_fmt(struct html *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends s escaped (NULL: nothing); html_text_n the first n bytes. */
void html_text(struct html *h, const char *s);
void html_text_n(struct html *h, const char *s, size_t n);

/*
 * Appends the part `from` built with these same functions (so escaped
 * already) and empties it: a page assembled from parts written in another
 * order.
 */
void html_append(struct html *h, struct html *from);

/*
 * The page: *len gets its length and the heap string is the caller's
 * (h is left empty).  NULL when the page passed HTML_PAGE_MAX.
 */
char *html_take(struct html *h, size_t *len);

/*
 * Escapes s[0..n) into b as html_fmt() escapes its arguments: for
 * writers of other formats that embed HTML-safe text (none yet) and for
 * the tests.  -1 when b overflowed.
 */
int html_escape(struct sbuf *b, const char *s, size_t n);

/*
 * Percent-encodes s for a URL's query or path segment into out (outsz):
 * every byte but A-Z a-z 0-9 - . _ ~ as %XX.  The length, or -1 when it
 * does not fit (out then holds "").  The result still goes through
 * html_fmt()'s escaping when written into a page.
 */
long html_url_encode(const char *s, char *out, size_t outsz);

#endif
