/*
 * util: small helpers every module uses.  Allocation failures are fatal
 * (the xmalloc family); string copies are bounded and report truncation.
 */
#ifndef ADUAN_UTIL_H
#define ADUAN_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/*
 * Copies src into dst (size dstsz), always NUL-terminating.  Returns 0, or
 * -1 when src did not fit (dst then holds the truncated prefix).
 */
int str_copy(char *dst, size_t dstsz, const char *src);

/*
 * The directory part of a file's path into dst, as dirname(3) would say it
 * ("." for a bare name, "/" for a file at the root), without changing path.
 * 0, or -1 when path or its directory does not fit.
 */
int path_dir(char *dst, size_t dstsz, const char *path);

/*
 * Formats a reason into the caller's error buffer (buf NULL or sz 0: no
 * buffer, nothing written; a long reason is cut) and returns -1, so that
 * a failing function can end with `return errf(err, errsz, "...", ...)`.
 */
int errf(char *buf, size_t sz, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int verrf(char *buf, size_t sz, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/*
 * FNV-1a (64-bit) of p[0..n), continuing from h (FNV1A_INIT to begin): a
 * key of several strings hashes each with its NUL (n = strlen + 1) so that
 * ("ab", "c") and ("a", "bc") differ.  Not for anything an attacker must
 * not steer: for tables whose worst case is only slower.
 */
#define FNV1A_INIT 14695981039346656037ULL
/*
 * The offset basis of the hashes Aduan has always stored (the config's
 * version, a joined long message's id, the flood guard's text hashes):
 * FNV's with its last digit missing.  Kept, so that stored hashes match.
 */
#define FNV1A_INIT_STORED 1469598103934665603ULL
uint64_t fnv1a(uint64_t h, const void *p, size_t n);

/* Parses a whole decimal integer within [min, max].  0 or -1. */
int str_to_long(const char *s, long min, long max, long *out);

/*
 * A growing string with a ceiling (as curl's dynbuf): sbuf_init() sets the
 * most bytes it may hold (NUL not counted); sbuf_add() appends n bytes
 * (binary-safe) and keeps it NUL-terminated.  An append that would pass
 * max is refused whole: it returns -1, the buffer keeps what it had (still
 * valid and terminated) and overflow stays set, so a caller may append a
 * run of pieces and check overflow once at the end.  s is NULL until the
 * first append.  Free s when done.  A zeroed sbuf has max 0: init it.
 */
struct sbuf {
	char *s;
	size_t len, cap;
	size_t max;
	int overflow;
};

void sbuf_init(struct sbuf *b, size_t max);
int sbuf_add(struct sbuf *b, const char *s, size_t n);
int sbuf_str(struct sbuf *b, const char *s);

/*
 * Where s[0..len) may be cut at or before byte n without splitting a UTF-8
 * character: n stepped back over continuation bytes (10xxxxxx); n >= len
 * gives len, and s[n] is read only when n < len.  s[0..cut) then holds
 * whole characters only (if s did).
 */
size_t utf8_cut(const char *s, size_t len, size_t n);

/*
 * Drops an incomplete UTF-8 sequence left at the end of the NUL-terminated
 * s by a cut made elsewhere (snprintf, a fixed-size column).
 */
void utf8_fix_tail(char *s);

/*
 * Decodes the UTF-8 character at s[0..len): its code point in *cp and its
 * length in bytes (1 to 4), or 0 when len is 0 or s does not start a
 * well-formed character: a stray or invalid byte, a sequence cut short (by
 * len or by a byte that is not a continuation byte), an overlong form, a
 * surrogate (U+D800..U+DFFF) or a code point over U+10FFFF.  *cp is set
 * only when the result is not 0.  NUL is a character (U+0000, length 1).
 * Reads s[i] only for i < len, and never past the first byte that is not a
 * continuation byte, so a NUL-terminated s may be given len 4.  Inline: the
 * text checks call it once per character of every message.
 */
static inline size_t
utf8_next(const unsigned char *s, size_t len, uint32_t *cp)
{
	uint32_t c;
	size_t n, i;

	if (len == 0)
		return 0;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		n = 2;
		c = s[0] & 0x1F;
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		n = 3;
		c = s[0] & 0x0F;
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		n = 4;
		c = s[0] & 0x07;
	} else
		return 0;
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10FFFF)) ||
	    (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return n;
}

/* Constant-time comparison of two NUL-terminated secrets: 1 equal, 0 not. */
int str_secret_equal(const char *a, const char *b);

/* Seconds since the epoch (wall clock). */
int64_t now_unix(void);

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
