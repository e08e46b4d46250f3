/*
 * pii: phone and identity numbers masked in free text (see pii.h).  The
 * text is read as UTF-8 code points; each is a digit (with its value), a
 * separator, a plus, a parenthesis or anything else.  Runs of digits are
 * found in one pass, judged by their digits and shape, and replaced; then
 * the reporter's own number is looked for in the digits that are left.
 */
#include "sms/pii.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

#define SEP_MAX         5       /* separators in a row that still join two digit groups */
#define GROUPS_MAX      32      /* groups of one run remembered for the amount check */
#define REPORTER_TAIL   9       /* digits of the reporter's number looked for */

enum ukind { U_OTHER, U_DIGIT, U_SEP, U_PLUS, U_OPEN, U_CLOSE, U_DOT };

struct unit {
	enum ukind kind;
	int digit;              /* U_DIGIT: 0..9 */
	size_t len;             /* bytes */
};

/* Zero of each run of ten decimal digits Unicode has, in the scripts people type. */
static const uint32_t zeros[] = {
	0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66,
	0x0CE6, 0x0D66, 0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x17E0, 0x1810, 0xFF10
};

/*
 * One code point at s (NUL-terminated: utf8_next stops at the NUL, so 4
 * bytes is a safe bound); a byte that does not start a well-formed
 * character is one U_OTHER byte.
 */
static uint32_t
decode(const unsigned char *s, size_t *len)
{
	uint32_t cp;

	*len = utf8_next(s, 4, &cp);
	if (*len == 0) {
		*len = 1;
		return 0xFFFD;
	}
	return cp;
}

static struct unit
classify(const unsigned char *s)
{
	struct unit u = { U_OTHER, 0, 1 };
	uint32_t cp = decode(s, &u.len);
	size_t i;

	if (cp >= '0' && cp <= '9') {
		u.kind = U_DIGIT;
		u.digit = (int)(cp - '0');
		return u;
	}
	for (i = 0; i < ARRAY_LEN(zeros); i++)
		if (cp >= zeros[i] && cp <= zeros[i] + 9) {
			u.kind = U_DIGIT;
			u.digit = (int)(cp - zeros[i]);
			return u;
		}
	if (cp >= 0x1D7CE && cp <= 0x1D7FF) {   /* mathematical bold, double-struck ... */
		u.kind = U_DIGIT;
		u.digit = (int)((cp - 0x1D7CE) % 10);
		return u;
	}
	switch (cp) {
	case '+': case 0xFF0B:
		u.kind = U_PLUS;
		break;
	case '(': case 0xFF08: case '[':
		u.kind = U_OPEN;
		break;
	case ')': case 0xFF09: case ']':
		u.kind = U_CLOSE;
		break;
	case '.': case 0xFF0E:
		u.kind = U_DOT;
		break;
	case ' ': case '\t': case '\r': case '\n': case '-': case '/': case '_': case '\\':
	case 0x00A0: case 0x00AD: case 0x00B7: case 0x2022: case 0x202F: case 0x205F:
	case 0x2212: case 0x3000: case 0xFF0D: case 0xFF0F: case 0xFF3F: case 0xFEFF:
		u.kind = U_SEP;
		break;
	default:
		if ((cp >= 0x2000 && cp <= 0x200B) || (cp >= 0x2010 && cp <= 0x2015))
			u.kind = U_SEP;
		break;
	}
	return u;
}

/* What one run of digits looks like. */
struct run {
	size_t start, end;      /* bytes [start, end) to replace */
	size_t ndigits;
	int first[3];           /* its first digits (-1: none) */
	int plus;               /* a '+' before its first digit */
	int amount;             /* written as an amount: 1.250.000 */
};

static int
run_masked(const struct run *r)
{
	int zero = r->first[0] == 0, eight = r->first[0] == 8,
	    cc = r->first[0] == 6 && r->first[1] == 2;

	if (r->plus)
		return r->ndigits >= 8;
	if (r->ndigits >= 10)
		return !r->amount || (cc && r->first[2] == 8);
	if (r->ndigits == 9)
		return !r->amount && (zero || eight || cc);
	return 0;
}

/*
 * The run whose first digit is at byte i (prefix: bytes of '+' / '('
 * right before it).  Fills r.
 */
static void
run_read(const char *s, size_t i, size_t prefix, int plus, int open, struct run *r)
{
	size_t groups[GROUPS_MAX], ng = 0, glen = 0, seps = 0, last_end = i, j = i;
	int seps_all_single_dots = 1, only_dot = 1;
	struct unit u;

	memset(r, 0, sizeof *r);
	r->first[0] = r->first[1] = r->first[2] = -1;
	r->start = i - prefix;
	r->plus = plus;
	while (s[j] != '\0') {
		u = classify((const unsigned char *)s + j);
		if (u.kind == U_DIGIT) {
			if (seps > 0) {
				if (ng < GROUPS_MAX)
					groups[ng] = glen;
				ng++;
				glen = 0;
				if (seps != 1 || !only_dot)
					seps_all_single_dots = 0;
			}
			if (r->ndigits < 3)
				r->first[r->ndigits] = u.digit;
			r->ndigits++;
			glen++;
			seps = 0;
			only_dot = 1;
			j += u.len;
			last_end = j;
			continue;
		}
		if (u.kind == U_OTHER || u.kind == U_PLUS || seps == SEP_MAX)
			break;
		if (u.kind != U_DOT)
			only_dot = 0;
		seps++;
		j += u.len;
	}
	if (ng < GROUPS_MAX)
		groups[ng] = glen;
	ng++;
	r->end = last_end;
	if (open && s[last_end] != '\0' && classify((const unsigned char *)s + last_end).kind ==
	    U_CLOSE)
		r->end += classify((const unsigned char *)s + last_end).len;
	/* 1.250.000: groups of three after a first of 1..3 not starting with 0. */
	if (!plus && ng >= 2 && ng <= GROUPS_MAX && seps_all_single_dots && groups[0] <= 3 &&
	    r->first[0] != 0) {
		size_t k;

		r->amount = 1;
		for (k = 1; k < ng; k++)
			if (groups[k] != 3)
				r->amount = 0;
	}
}

/*
 * The most a masked text can take: every byte a run of its own, each
 * replaced by PII_MASK.  Reaching it is impossible; were it reached, the
 * whole text is masked (fail closed: never a number left in clear).
 */
static size_t
masked_max(const char *s)
{
	return (strlen(s) + 1) * (sizeof PII_MASK - 1);
}

static char *
fail_closed(struct sbuf *b)
{
	free(b->s);
	return xstrdup(PII_MASK);
}

/* The text with every judged run replaced. */
static char *
mask_runs(const char *s)
{
	struct sbuf b;
	size_t i = 0, copied = 0, prefix;
	int plus, open;
	struct unit u, v;
	struct run r;

	sbuf_init(&b, masked_max(s));
	sbuf_add(&b, "", 0);
	while (s[i] != '\0') {
		u = classify((const unsigned char *)s + i);
		if (u.kind != U_PLUS && u.kind != U_OPEN && u.kind != U_DIGIT) {
			i += u.len;
			continue;
		}
		/* A '+', '(' or "+(" counts only right before a digit. */
		prefix = 0;
		plus = open = 0;
		v = u;
		while ((v.kind == U_PLUS || v.kind == U_OPEN) && prefix < 8) {
			if (v.kind == U_PLUS)
				plus = 1;
			else
				open = 1;
			prefix += v.len;
			if (s[i + prefix] == '\0')
				break;
			v = classify((const unsigned char *)s + i + prefix);
		}
		if (v.kind != U_DIGIT) {
			i += u.len;
			continue;
		}
		run_read(s, i + prefix, prefix, plus, open, &r);
		if (run_masked(&r)) {
			sbuf_add(&b, s + copied, r.start - copied);
			sbuf_str(&b, PII_MASK);
			copied = r.end;
		}
		i = r.end > i ? r.end : i + u.len;
	}
	sbuf_add(&b, s + copied, i - copied);
	return b.overflow ? fail_closed(&b) : b.s;
}

/* The last REPORTER_TAIL digits of the reporter's number, or 0 when it has fewer. */
static int
reporter_tail(const char *reporter, char tail[REPORTER_TAIL + 1])
{
	size_t i = 0, n = 0;
	char d[64];
	struct unit u;

	if (reporter == NULL)
		return 0;
	while (reporter[i] != '\0' && n < sizeof d) {
		u = classify((const unsigned char *)reporter + i);
		if (u.kind == U_DIGIT)
			d[n++] = (char)('0' + u.digit);
		i += u.len;
	}
	if (n < REPORTER_TAIL)
		return 0;
	memcpy(tail, d + n - REPORTER_TAIL, REPORTER_TAIL);
	tail[REPORTER_TAIL] = '\0';
	return 1;
}

/*
 * Masks, in s (heap, replaced), the first place where tail appears in its
 * digits read in order.  1 when one was masked, 0 when there is none.
 */
static int
mask_tail_once(char **sp, const char *tail)
{
	const char *s = *sp;
	size_t at[REPORTER_TAIL], ends[REPORTER_TAIL], i = 0, n = 0, k, m;
	char win[REPORTER_TAIL];
	struct unit u;
	struct sbuf b;

	while (s[i] != '\0') {
		u = classify((const unsigned char *)s + i);
		if (u.kind == U_DIGIT) {
			/* A sliding window of the last REPORTER_TAIL digits and their places. */
			if (n == REPORTER_TAIL) {
				memmove(win, win + 1, REPORTER_TAIL - 1);
				memmove(at, at + 1, (REPORTER_TAIL - 1) * sizeof at[0]);
				memmove(ends, ends + 1, (REPORTER_TAIL - 1) * sizeof ends[0]);
				n--;
			}
			win[n] = (char)('0' + u.digit);
			at[n] = i;
			ends[n] = i + u.len;
			n++;
			if (n == REPORTER_TAIL && memcmp(win, tail, REPORTER_TAIL) == 0) {
				/* With the digits glued before it (the rest of its prefix). */
				k = at[0];
				while (k > 0 && ((s[k - 1] >= '0' && s[k - 1] <= '9') || s[k - 1] == '+'))
					k--;
				m = ends[REPORTER_TAIL - 1];
				sbuf_init(&b, masked_max(s));
				sbuf_add(&b, s, k);
				sbuf_str(&b, PII_MASK);
				sbuf_str(&b, s + m);
				free(*sp);
				*sp = b.overflow ? fail_closed(&b) : b.s;
				return 1;
			}
		}
		i += u.len;
	}
	return 0;
}

char *
pii_mask(const char *text, const char *reporter)
{
	char tail[REPORTER_TAIL + 1], *out;
	int guard;

	if (text == NULL)
		return NULL;
	out = mask_runs(text);
	if (reporter_tail(reporter, tail))
		/* Each round removes digits, so this ends; the guard is for certainty. */
		for (guard = 0; guard < 1000 && mask_tail_once(&out, tail); guard++)
			;
	return out;
}
