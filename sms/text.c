/*
 * text: UTF-8 checks, charset decoding and keyword folding.  Citizens type
 * on keypads and autocorrecting phones: "Jalan", "JALAN", "jalan." and
 * "JALÁN" must all be the same word to the router, and whatever charset the
 * gateway used, what we store is valid UTF-8.
 */
#include "sms/text.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util/util.h"

/* Base letters of U+00C0..U+017F, upper-case; '0' where there is none. */
static const char latin_base[] =
    "AAAAAAACEEEEIIIIDNOOOOO0OUUUUYTSAAAAAAACEEEEIIIIDNOOOOO0OUUUUYTY"
    "AAAAAACCCCCCCCDDDDEEEEEEEEEEGGGGGGGGHHHHIIIIIIIIIIIIJJKKKLLLLLLL"
    "LLLNNNNNNNNNOOOOOOOORRRRRRSSSSSSSSTTTTTTUUUUUUUUUUUUWWYYYZZZZZZS";

/* Windows-1252 0x80..0x9F; 0 marks the five unassigned bytes. */
static const uint16_t cp1252_high[32] = {
	0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
	0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
};

static size_t
utf8_encode(uint32_t c, char *out)
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xC0 | (c >> 6));
		out[1] = (char)(0x80 | (c & 0x3F));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (char)(0xE0 | (c >> 12));
		out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
		out[2] = (char)(0x80 | (c & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (c >> 18));
	out[1] = (char)(0x80 | ((c >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((c >> 6) & 0x3F));
	out[3] = (char)(0x80 | (c & 0x3F));
	return 4;
}

int
text_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;
	size_t i = 0, n;

	while (i < len) {
		n = utf8_next(p + i, len - i, &cp);
		if (n == 0 || cp == 0)
			return 0;
		i += n;
	}
	return 1;
}

size_t
text_utf8_chars(const char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			n++;
	return n;
}

static long
fail(char *err, size_t errsz, const char *why)
{
	if (errsz > 0)
		snprintf(err, errsz, "%s", why);
	return -1;
}

long
text_to_utf8(const char *charset, const unsigned char *in, size_t len,
    char *out, size_t outsz, char *err, size_t errsz)
{
	size_t o = 0, i = 0, n;
	uint32_t c;
	char enc[4];
	int big_endian = 1;
	enum { UTF8, UTF16, LATIN1, CP1252 } cs;

	if (charset == NULL || *charset == '\0' || strcasecmp(charset, "UTF-8") == 0 ||
	    strcasecmp(charset, "UTF8") == 0)
		cs = UTF8;
	else if (strcasecmp(charset, "UTF-16BE") == 0 || strcasecmp(charset, "UTF-16") == 0 ||
	    strcasecmp(charset, "UCS-2") == 0 || strcasecmp(charset, "UCS2") == 0 ||
	    strcasecmp(charset, "UCS-2BE") == 0)
		cs = UTF16;
	else if (strcasecmp(charset, "ISO-8859-1") == 0 || strcasecmp(charset, "ISO8859-1") == 0 ||
	    strcasecmp(charset, "LATIN1") == 0)
		cs = LATIN1;
	else if (strcasecmp(charset, "WINDOWS-1252") == 0 || strcasecmp(charset, "CP1252") == 0)
		cs = CP1252;
	else
		return fail(err, errsz, "unknown charset");

	if (cs == UTF16) {
		if (len % 2 != 0)
			return fail(err, errsz, "UTF-16 text has an odd number of bytes");
		/* A byte-order mark may say little-endian; it is not text. */
		if (len >= 2 && in[0] == 0xFE && in[1] == 0xFF)
			i = 2;
		else if (len >= 2 && in[0] == 0xFF && in[1] == 0xFE) {
			i = 2;
			big_endian = 0;
		}
	}
	while (i < len) {
		switch (cs) {
		case UTF8:
			n = utf8_next(in + i, len - i, &c);
			if (n == 0)
				return fail(err, errsz, "text is not valid UTF-8");
			i += n;
			break;
		case UTF16:
			c = big_endian ? (uint32_t)(in[i] << 8 | in[i + 1]) :
			    (uint32_t)(in[i + 1] << 8 | in[i]);
			i += 2;
			if (c >= 0xDC00 && c <= 0xDFFF)
				return fail(err, errsz, "UTF-16 text has a lone low surrogate");
			if (c >= 0xD800 && c <= 0xDBFF) {
				uint32_t lo;

				if (i + 2 > len)
					return fail(err, errsz, "UTF-16 text ends inside a surrogate pair");
				lo = big_endian ? (uint32_t)(in[i] << 8 | in[i + 1]) :
				    (uint32_t)(in[i + 1] << 8 | in[i]);
				if (lo < 0xDC00 || lo > 0xDFFF)
					return fail(err, errsz, "UTF-16 text has a lone high surrogate");
				i += 2;
				c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
			}
			break;
		case LATIN1:
			c = in[i++];
			break;
		case CP1252:
			c = in[i++];
			if (c >= 0x80 && c <= 0x9F) {
				c = cp1252_high[c - 0x80];
				if (c == 0)
					return fail(err, errsz, "byte not defined in windows-1252");
			}
			break;
		}
		if (c == 0)
			return fail(err, errsz, "text contains a NUL character");
		n = utf8_encode(c, enc);
		if (o + n >= outsz)
			return fail(err, errsz, "text too long");
		memcpy(out + o, enc, n);
		o += n;
	}
	if (outsz == 0)
		return fail(err, errsz, "text too long");
	out[o] = '\0';
	return (long)o;
}

/* Punctuation that may surround a keyword: ASCII and common Unicode marks. */
static int
is_punct(uint32_t c)
{
	if (c < 0x80)
		return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) ||
		    (c >= 0x5B && c <= 0x60) || (c >= 0x7B && c <= 0x7E);
	return (c >= 0xA1 && c <= 0xBF && c != 0xAA && c != 0xB5 && c != 0xBA) ||
	    (c >= 0x2010 && c <= 0x2027) || (c >= 0x2030 && c <= 0x205E) ||
	    (c >= 0x3001 && c <= 0x3003);
}

static int
is_space(uint32_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f' ||
	    c == 0xA0 || c == 0x3000 || (c >= 0x2000 && c <= 0x200B) || c == 0x202F;
}

long
text_fold_word(const char *word, size_t len, char *out, size_t outsz)
{
	const unsigned char *p = (const unsigned char *)word;
	size_t i = 0, end = len, o = 0, n;
	uint32_t c;

	/* Drop punctuation at the start ... */
	while (i < end) {
		n = utf8_next(p + i, end - i, &c);
		if (n == 0 || !is_punct(c))
			break;
		i += n;
	}
	/* ... and at the end (walk back over whole characters). */
	while (end > i) {
		size_t s = end - 1;

		while (s > i && (p[s] & 0xC0) == 0x80)
			s--;
		n = utf8_next(p + s, end - s, &c);
		/* n short of end - s: stray bytes follow, which are not punctuation. */
		if (n == 0 || n != end - s || !is_punct(c))
			break;
		end = s;
	}
	while (i < end) {
		n = utf8_next(p + i, end - i, &c);
		if (n == 0) {
			/* Not UTF-8: keep the byte, it cannot match a keyword anyway. */
			n = 1;
			c = p[i];
			if (o + 1 >= outsz)
				return -1;
			out[o++] = (char)c;
			i += n;
			continue;
		}
		if (c >= 'a' && c <= 'z')
			c -= 'a' - 'A';
		else if (c >= 0xC0 && c <= 0x17F && latin_base[c - 0xC0] != '0')
			c = (uint32_t)latin_base[c - 0xC0];
		if (c < 0x80) {
			if (o + 1 >= outsz)
				return -1;
			out[o++] = (char)c;
		} else {
			if (o + n >= outsz)
				return -1;
			memcpy(out + o, p + i, n);
			o += n;
		}
		i += n;
	}
	if (outsz == 0)
		return -1;
	out[o] = '\0';
	return (long)o;
}

int
text_words(const char *text, size_t len,
    int (*fn)(void *arg, size_t off, size_t wlen), void *arg)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t i = 0, start = 0, n;
	int inword = 0, r;
	uint32_t c;

	while (i < len) {
		n = utf8_next(p + i, len - i, &c);
		if (n == 0) {
			n = 1;
			c = p[i];
		}
		if (is_space(c)) {
			if (inword && (r = fn(arg, start, i - start)) != 0)
				return r;
			inword = 0;
		} else if (!inword) {
			inword = 1;
			start = i;
		}
		i += n;
	}
	if (inword)
		return fn(arg, start, len - start);
	return 0;
}

void
text_trim(const char **s, size_t *len)
{
	const char *p = *s;
	size_t n = *len;

	while (n > 0 && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' ||
	    *p == '\v' || *p == '\f')) {
		p++;
		n--;
	}
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r' ||
	    p[n - 1] == '\n' || p[n - 1] == '\v' || p[n - 1] == '\f'))
		n--;
	*s = p;
	*len = n;
}
