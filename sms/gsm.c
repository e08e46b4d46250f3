/*
 * gsm: how a UTF-8 text travels as SMS.  A message goes as GSM-7 only when
 * every character is in the GSM 03.38 basic or extension table; one stray
 * curly quote makes the whole message UCS-2 and cuts its room from 160 to
 * 70 characters, which is why Aduan cleans the replies it writes
 * (gsm_clean) before counting them.
 *
 * The tables are the GSM 03.38 default alphabet mapped to Unicode, in the
 * order of the standard so that they can be checked against it line by line.
 */
#include "sms/gsm.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sms/text.h"
#include "util/util.h"

#define GSM7_SINGLE     160     /* septets in a message of one part */
#define GSM7_MULTI      153     /* septets in a part of a concatenated one */
#define UCS2_SINGLE     70      /* UTF-16 units, one part */
#define UCS2_MULTI      67      /* UTF-16 units per concatenated part */

#define NONE            0xFFFF  /* the escape slot: no character */

/* GSM 03.38 basic table, septet 0x00 to 0x7F. */
static const uint16_t gsm_basic[128] = {
	/* 0x00 */ '@', 0x00A3, '$', 0x00A5, 0x00E8, 0x00E9, 0x00F9, 0x00EC,
	/* 0x08 */ 0x00F2, 0x00C7, '\n', 0x00D8, 0x00F8, '\r', 0x00C5, 0x00E5,
	/* 0x10 */ 0x0394, '_', 0x03A6, 0x0393, 0x039B, 0x03A9, 0x03A0, 0x03A8,
	/* 0x18 */ 0x03A3, 0x0398, 0x039E, NONE, 0x00C6, 0x00E6, 0x00DF, 0x00C9,
	/* 0x20 */ ' ', '!', '"', '#', 0x00A4, '%', '&', '\'',
	/* 0x28 */ '(', ')', '*', '+', ',', '-', '.', '/',
	/* 0x30 */ '0', '1', '2', '3', '4', '5', '6', '7',
	/* 0x38 */ '8', '9', ':', ';', '<', '=', '>', '?',
	/* 0x40 */ 0x00A1, 'A', 'B', 'C', 'D', 'E', 'F', 'G',
	/* 0x48 */ 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O',
	/* 0x50 */ 'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W',
	/* 0x58 */ 'X', 'Y', 'Z', 0x00C4, 0x00D6, 0x00D1, 0x00DC, 0x00A7,
	/* 0x60 */ 0x00BF, 'a', 'b', 'c', 'd', 'e', 'f', 'g',
	/* 0x68 */ 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
	/* 0x70 */ 'p', 'q', 'r', 's', 't', 'u', 'v', 'w',
	/* 0x78 */ 'x', 'y', 'z', 0x00E4, 0x00F6, 0x00F1, 0x00FC, 0x00E0,
};

/*
 * The extension table (escape 0x1B, then 0x0A form feed, 0x14 ^, 0x28 {,
 * 0x29 }, 0x2F \, 0x3C [, 0x3D ~, 0x3E ], 0x40 |, 0x65 euro sign).  Each
 * costs two septets.
 */
static const uint16_t gsm_ext[] = {
	0x000C, '^', '{', '}', '\\', '[', '~', ']', '|', 0x20AC,
};

/*
 * Look-alikes that phones, word processors and translators put into text,
 * and the GSM-7 text that stands in for them.  An empty replacement drops
 * an invisible character.
 */
static const struct {
	uint32_t cp;
	const char *to;
} lookalike[] = {
	{ '\t', " " },          /* no tab in GSM-7 */
	{ '`', "'" },
	{ 0x00A0, " " },        /* no-break space */
	{ 0x00AB, "\"" },       /* guillemets */
	{ 0x00BB, "\"" },
	{ 0x00AD, "" },         /* soft hyphen: invisible */
	{ 0x00B4, "'" },        /* acute accent used as an apostrophe */
	{ 0x00B7, "." },        /* middle dot */
	{ 0x02B9, "'" },        /* modifier letter prime */
	{ 0x02BC, "'" },        /* modifier letter apostrophe */
	{ 0x02C6, "^" },
	{ 0x02DC, "~" },
	{ 0x2000, " " }, { 0x2001, " " }, { 0x2002, " " }, { 0x2003, " " },
	{ 0x2004, " " }, { 0x2005, " " }, { 0x2006, " " }, { 0x2007, " " },
	{ 0x2008, " " }, { 0x2009, " " }, { 0x200A, " " },
	{ 0x200B, "" },         /* zero-width space */
	{ 0x2010, "-" }, { 0x2011, "-" }, { 0x2012, "-" },
	{ 0x2013, "-" }, { 0x2014, "-" }, { 0x2015, "-" },
	{ 0x2018, "'" }, { 0x2019, "'" }, { 0x201A, "'" }, { 0x201B, "'" },
	{ 0x201C, "\"" }, { 0x201D, "\"" }, { 0x201E, "\"" }, { 0x201F, "\"" },
	{ 0x2022, "-" },        /* bullet */
	{ 0x2023, "-" },
	{ 0x2024, "." },
	{ 0x2025, ".." },
	{ 0x2026, "..." },
	{ 0x2032, "'" },        /* prime */
	{ 0x2033, "\"" },
	{ 0x2039, "'" }, { 0x203A, "'" },
	{ 0x2043, "-" },        /* hyphen bullet */
	{ 0x2044, "/" },        /* fraction slash */
	{ 0x202F, " " },        /* narrow no-break space */
	{ 0x205F, " " },
	{ 0x2060, "" },         /* word joiner */
	{ 0x2212, "-" },        /* minus sign */
	{ 0x3000, " " },        /* ideographic space */
	{ 0xFEFF, "" },         /* byte-order mark inside text */
};

/*
 * Decodes the character at s[0..len): its byte length, or 0 when the bytes
 * there are not a well-formed character.  Validity is text_utf8_valid()'s,
 * so that the whole program agrees on what UTF-8 is (no NUL, no overlongs,
 * no surrogates).
 */
static size_t
next_char(const char *s, size_t len, uint32_t *cp)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n, i;
	uint32_t c;

	if (p[0] < 0x80)
		n = 1;
	else if (p[0] >= 0xC0 && p[0] < 0xE0)
		n = 2;
	else if (p[0] >= 0xE0 && p[0] < 0xF0)
		n = 3;
	else if (p[0] >= 0xF0 && p[0] < 0xF8)
		n = 4;
	else
		return 0;
	if (n > len || !text_utf8_valid(s, n))
		return 0;
	c = n == 1 ? p[0] : p[0] & (0x7F >> n);
	for (i = 1; i < n; i++)
		c = (c << 6) | (p[i] & 0x3F);
	*cp = c;
	return n;
}

static size_t septets_scan(uint32_t c);

/*
 * What ASCII costs and what stands in for it, read once from the tables:
 * replies and screens are mostly ASCII, and scanning 138 entries per
 * character made rendering a USSD screen quadratic in practice (and
 * cleaning every reply a tenth of the store writer's time).
 */
static unsigned char ascii_septets[0x80];
static const char *ascii_lookalike[0x80];
static pthread_once_t ascii_once = PTHREAD_ONCE_INIT;

static void
ascii_init(void)
{
	uint32_t c;
	size_t i;

	for (c = 0; c < 0x80; c++)
		ascii_septets[c] = (unsigned char)septets_scan(c);
	for (i = 0; i < ARRAY_LEN(lookalike); i++)
		if (lookalike[i].cp < 0x80)
			ascii_lookalike[lookalike[i].cp] = lookalike[i].to;
}

/* Septets a character costs in GSM-7: 1, 2 (extension table), 0 if none. */
static size_t
septets(uint32_t c)
{
	if (c < 0x80) {
		pthread_once(&ascii_once, ascii_init);
		return ascii_septets[c];
	}
	return septets_scan(c);
}

static size_t
septets_scan(uint32_t c)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(gsm_basic); i++)
		if (gsm_basic[i] == c && c != NONE)
			return 1;
	for (i = 0; i < ARRAY_LEN(gsm_ext); i++)
		if (gsm_ext[i] == c)
			return 2;
	return 0;
}

static size_t
units(uint32_t c, enum gsm_coding coding)
{
	if (coding == GSM_7BIT)
		return septets(c);
	return c > 0xFFFF ? 2 : 1;
}

int
gsm_is_gsm7(const char *s, size_t len)
{
	size_t i = 0, n;
	uint32_t c;

	while (i < len) {
		if ((n = next_char(s + i, len - i, &c)) == 0 || septets(c) == 0)
			return 0;
		i += n;
	}
	return 1;
}

int
gsm_count(const char *s, size_t len, struct gsm_count *out)
{
	enum gsm_coding coding;
	size_t i, n, u, total = 0, part = 0, parts = 1, single, multi;
	uint32_t c;

	if (!text_utf8_valid(s, len))
		return -1;
	coding = gsm_is_gsm7(s, len) ? GSM_7BIT : GSM_UCS2;
	single = coding == GSM_7BIT ? GSM7_SINGLE : UCS2_SINGLE;
	multi = coding == GSM_7BIT ? GSM7_MULTI : UCS2_MULTI;

	/*
	 * Fill parts greedily.  An escape pair or a surrogate pair that would
	 * straddle a boundary moves whole to the next part, so the part count
	 * can exceed ceil(units / multi): 152 digits, a euro sign and 152
	 * digits are 306 septets but three parts.
	 */
	for (i = 0; i < len; i += n) {
		n = next_char(s + i, len - i, &c);
		u = units(c, coding);
		total += u;
		if (part + u > multi) {
			parts++;
			part = 0;
		}
		part += u;
	}
	out->coding = coding;
	out->units = total;
	out->parts = total <= single ? 1 : parts;
	return 0;
}

static const char *
lookalike_for(uint32_t c)
{
	size_t i;

	if (c < 0x80) {
		(void)pthread_once(&ascii_once, ascii_init);
		return ascii_lookalike[c];
	}
	for (i = 0; i < ARRAY_LEN(lookalike); i++)
		if (lookalike[i].cp == c)
			return lookalike[i].to;
	return NULL;
}

long
gsm_clean(const char *s, size_t len, char *out, size_t outsz)
{
	size_t i = 0, o = 0, n, rlen;
	const char *r;
	uint32_t c;

	if (outsz == 0)
		return -1;
	while (i < len) {
		n = next_char(s + i, len - i, &c);
		if (n == 0) {
			/* Not UTF-8 (or a NUL): a '?' keeps the output valid. */
			r = "?";
			n = 1;
		} else if ((r = lookalike_for(c)) == NULL)
			r = s + i;
		rlen = r == s + i ? n : strlen(r);
		if (rlen >= outsz - o) {
			out[0] = '\0';
			return -1;
		}
		memcpy(out + o, r, rlen);
		o += rlen;
		i += n;
	}
	out[o] = '\0';
	return (long)o;
}

/* Parts of s[0..len) followed by "...". */
static size_t
parts_with_dots(const char *s, size_t len, char *buf, size_t bufsz)
{
	struct gsm_count gc;

	if (len + 4 > bufsz)
		return (size_t)-1;
	memcpy(buf, s, len);
	memcpy(buf + len, "...", 4);
	if (gsm_count(buf, len + 3, &gc) != 0)
		return (size_t)-1;
	return gc.parts;
}

long
gsm_fit(const char *s, size_t len, size_t max_parts, char *out, size_t outsz)
{
	struct gsm_count gc;
	size_t lo = 0, hi, mid, cut, sp;
	char *buf;

	if (gsm_count(s, len, &gc) != 0 || outsz == 0)
		return -1;
	if (gc.parts <= max_parts) {
		if (len + 1 > outsz)
			return -1;
		memcpy(out, s, len);
		out[len] = '\0';
		return (long)len;
	}
	buf = xmalloc(len + 4);
	/* The longest prefix, on a character boundary, that fits with "...". */
	hi = len;
	while (lo < hi) {
		mid = lo + (hi - lo + 1) / 2;
		/* s[len] is not the caller's: mid == len is a boundary as it is. */
		while (mid > lo && mid < len && ((unsigned char)s[mid] & 0xC0) == 0x80)
			mid--;
		if (mid == lo) {
			/* No character starts in (lo, mid]: step to the next one. */
			mid = lo + 1;
			while (mid < hi && ((unsigned char)s[mid] & 0xC0) == 0x80)
				mid++;
			if (mid > hi)
				break;
		}
		if (parts_with_dots(s, mid, buf, len + 4) <= max_parts)
			lo = mid;
		else
			hi = mid - 1;
	}
	cut = utf8_cut(s, len, lo);
	/* Back to a word boundary when there is one in the last fifth. */
	for (sp = cut; sp > 0 && s[sp - 1] != ' '; sp--)
		;
	if (sp > 0 && sp >= cut - cut / 5)
		cut = sp;
	while (cut > 0 && (s[cut - 1] == ' ' || s[cut - 1] == ',' || s[cut - 1] == '.'))
		cut--;
	free(buf);
	if (cut + 4 > outsz)
		return -1;
	memcpy(out, s, cut);
	memcpy(out + cut, "...", 4);
	return (long)(cut + 3);
}
