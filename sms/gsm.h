/*
 * gsm: GSM 03.38 facts about a UTF-8 text: can it go as GSM-7, how many
 * septets (extension-table characters count 2) or UTF-16 units it takes,
 * and how many SMS parts (160/153 septets, 70/67 units; an escape pair or a
 * surrogate pair never straddles two parts).  Also the clean-up Aduan
 * applies to the replies it writes: look-alikes (curly quotes, long dashes,
 * non-breaking spaces, ellipsis) become their GSM-7 twins.
 */
#ifndef ADUAN_GSM_H
#define ADUAN_GSM_H

#include <stddef.h>

enum gsm_coding { GSM_7BIT, GSM_UCS2 };

struct gsm_count {
	enum gsm_coding coding;
	size_t units;           /* septets for GSM_7BIT, UTF-16 units for UCS-2 */
	size_t parts;           /* 1 for the empty text */
};

/* Counts valid UTF-8 s[0..len).  0, or -1 when s is not valid UTF-8. */
int gsm_count(const char *s, size_t len, struct gsm_count *out);

/* 1 when every character of valid UTF-8 s is in the GSM-7 tables. */
int gsm_is_gsm7(const char *s, size_t len);

/*
 * Copies s into out (outsz bytes, NUL-terminated) with look-alikes replaced
 * by GSM-7 characters.  Returns the output length, -1 if it did not fit.
 */
long gsm_clean(const char *s, size_t len, char *out, size_t outsz);

/*
 * Copies s into out (outsz bytes, NUL-terminated), cut so that it takes at
 * most max_parts SMS parts: at the last space before the limit (or inside
 * a word with no space near, never inside a character), with "..."
 * appended.  Text that fits is copied as it is.  Returns the output
 * length, -1 if out is too small or s is not valid UTF-8.
 */
long gsm_fit(const char *s, size_t len, size_t max_parts, char *out, size_t outsz);

#endif
