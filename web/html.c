/*
 * html: the web inbox's one way of writing HTML (contract in html.h):
 * markup from literal format strings, every value escaped.
 */
#include "web/html.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"

/* U+FFFD, written for every byte that is not part of a well-formed character. */
#define REPLACEMENT     "\xEF\xBF\xBD"

void
html_init(struct html *h)
{
	sbuf_init(&h->b, HTML_PAGE_MAX);
}

void
html_free(struct html *h)
{
	free(h->b.s);
	sbuf_init(&h->b, HTML_PAGE_MAX);
}

int
html_escape(struct sbuf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0, k;
	uint32_t cp;

	/* Runs of plain characters go in one append. */
	while (i < n) {
		const char *ent = NULL;

		k = utf8_next(p + i, n - i, &cp);
		if (k == 0 || (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') ||
		    cp == 0x7f)
			ent = REPLACEMENT;
		else if (cp == '&')
			ent = "&amp;";
		else if (cp == '<')
			ent = "&lt;";
		else if (cp == '>')
			ent = "&gt;";
		else if (cp == '"')
			ent = "&quot;";
		else if (cp == '\'')
			ent = "&#39;";
		if (ent == NULL) {
			i += k;
			continue;
		}
		(void)sbuf_add(b, s + run, i - run);
		(void)sbuf_str(b, ent);
		i += k > 0 ? k : 1;
		run = i;
	}
	(void)sbuf_add(b, s + run, n - run);
	return b->overflow ? -1 : 0;
}

void
html_text_n(struct html *h, const char *s, size_t n)
{
	if (s != NULL)
		(void)html_escape(&h->b, s, n);
}

void
html_text(struct html *h, const char *s)
{
	if (s != NULL)
		(void)html_escape(&h->b, s, strlen(s));
}

/*
 * One integer conversion, with the '0' flag and the width html_fmt()
 * parsed: snprintf writes the digits (and a sign), nothing else can come out.
 */
static void
put_int(struct html *h, va_list *ap, int zero, int width, int lng, int is_unsigned)
{
	char num[48];
	int n;

	if (is_unsigned) {
		unsigned long long v = lng == 2 ? va_arg(*ap, unsigned long long) :
		    lng == 1 ? va_arg(*ap, unsigned long) : lng == 3 ? va_arg(*ap, size_t) :
		    va_arg(*ap, unsigned);

		n = zero ? snprintf(num, sizeof num, "%0*llu", width, v) :
		    snprintf(num, sizeof num, "%*llu", width, v);
	} else {
		long long v = lng == 2 ? va_arg(*ap, long long) : lng == 1 ? va_arg(*ap, long) :
		    va_arg(*ap, int);

		n = zero ? snprintf(num, sizeof num, "%0*lld", width, v) :
		    snprintf(num, sizeof num, "%*lld", width, v);
	}
	if (n > 0)
		(void)sbuf_add(&h->b, num, (size_t)n < sizeof num ? (size_t)n : sizeof num - 1);
}

void
html_fmt(struct html *h, const char *fmt, ...)
{
	const char *p = fmt, *run = fmt;
	va_list ap;

	va_start(ap, fmt);
	while (*p != '\0') {
		int lng = 0, zero = 0, width = 0, plain;

		if (*p != '%') {
			p++;
			continue;
		}
		(void)sbuf_add(&h->b, run, (size_t)(p - run));
		p++;
		if (*p == '%') {
			(void)sbuf_add(&h->b, "%", 1);
			run = ++p;
			continue;
		}
		if (p[0] == '.' && p[1] == '*' && p[2] == 's') {
			int max = va_arg(ap, int);
			const char *s = va_arg(ap, const char *);

			if (s != NULL && max > 0) {
				size_t n = strnlen(s, (size_t)max);

				html_text_n(h, s, utf8_cut(s, n, n));
			}
			run = p += 3;
			continue;
		}
		if (*p == '0') {
			zero = 1;
			p++;
		}
		while (*p >= '0' && *p <= '9' && width < 100)
			width = width * 10 + (*p++ - '0');
		if (*p == 'z') {
			lng = 3;
			p++;
		} else if (p[0] == 'l' && p[1] == 'l') {
			lng = 2;
			p += 2;
		} else if (*p == 'l') {
			lng = 1;
			p++;
		}
		plain = !zero && width == 0 && lng == 0;
		switch (*p) {
		case 's':
			if (plain) {
				html_text(h, va_arg(ap, const char *));
				break;
			}
			fatal("html_fmt: unsupported conversion in \"%s\"", fmt);
		case 'c':
			if (plain) {
				char c = (char)va_arg(ap, int);

				html_text_n(h, &c, 1);
				break;
			}
			fatal("html_fmt: unsupported conversion in \"%s\"", fmt);
		case 'd':
		case 'i':
		case 'u':
			if (lng == 3 && *p != 'u')
				fatal("html_fmt: unsupported conversion in \"%s\"", fmt);
			put_int(h, &ap, zero, width, lng, *p == 'u');
			break;
		default:
			fatal("html_fmt: unsupported conversion in \"%s\"", fmt);
		}
		run = ++p;
	}
	(void)sbuf_add(&h->b, run, (size_t)(p - run));
	va_end(ap);
}

void
html_append(struct html *h, struct html *from)
{
	if (from->b.overflow)
		h->b.overflow = 1;
	else if (from->b.s != NULL)
		(void)sbuf_add(&h->b, from->b.s, from->b.len);
	html_free(from);
}

char *
html_take(struct html *h, size_t *len)
{
	char *s = h->b.s;

	if (h->b.overflow) {
		log_warnx("web: a page passed %u bytes and was refused", HTML_PAGE_MAX);
		html_free(h);
		*len = 0;
		return NULL;
	}
	*len = h->b.len;
	if (s == NULL)
		s = xstrdup("");
	sbuf_init(&h->b, HTML_PAGE_MAX);
	return s;
}

long
html_url_encode(const char *s, char *out, size_t outsz)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

	if (outsz == 0)
		return -1;
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		int plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';

		if (n + (plain ? 1 : 3) >= outsz) {
			out[0] = '\0';
			return -1;
		}
		if (plain)
			out[n++] = (char)c;
		else {
			out[n++] = '%';
			out[n++] = hex[c >> 4];
			out[n++] = hex[c & 15];
		}
	}
	out[n] = '\0';
	return (long)n;
}
