/*
 * text: the pure text helpers the grammar, routing and gateways share:
 * UTF-8 validation, charset decoding to UTF-8, and the folding that makes
 * keyword matching case-, accent- and punctuation-insensitive.
 *
 * Every function here is pure (no I/O, no globals) and bounded.
 */
#ifndef ADUAN_TEXT_H
#define ADUAN_TEXT_H

#include <stddef.h>

/* 1 when s[0..len) is well-formed UTF-8 without NUL bytes or overlongs. */
int text_utf8_valid(const char *s, size_t len);

/* Number of Unicode code points in valid UTF-8 s[0..len). */
size_t text_utf8_chars(const char *s, size_t len);

/*
 * Decode len bytes in charset `charset` to UTF-8 into out (outsz bytes,
 * NUL-terminated).  Known charsets, case-insensitive: "UTF-8"/"UTF8",
 * "UTF-16BE"/"UCS-2"/"UCS2"/"UTF-16", "ISO-8859-1"/"LATIN1"/"WINDOWS-1252".
 * UTF-16 input must be an even number of bytes with paired surrogates.
 * Returns the output length, or -1 with a reason in err (errsz) on an
 * unknown charset, malformed input, a NUL character, or when out is too
 * small.
 */
long text_to_utf8(const char *charset, const unsigned char *in, size_t len,
    char *out, size_t outsz, char *err, size_t errsz);

/*
 * Folds one word for keyword matching into out (outsz bytes): ASCII letters
 * upper-cased, Latin accented letters reduced to their base letter (é -> E,
 * ñ -> N), leading and trailing punctuation dropped (".,;:!?*#()[]\"'-/"
 * and the like); inner punctuation kept.  Returns the folded length (0 when
 * the word was only punctuation), or -1 when it did not fit.
 */
long text_fold_word(const char *word, size_t len, char *out, size_t outsz);

/*
 * Splits text into words at whitespace (ASCII space, tab, CR, LF and
 * Unicode spaces U+00A0/U+3000 as UTF-8).  Calls fn for each word with its
 * byte offset and length in text; stops early when fn returns non-zero and
 * returns that value, else 0.
 */
int text_words(const char *text, size_t len,
    int (*fn)(void *arg, size_t off, size_t wlen), void *arg);

/* Trims ASCII whitespace from both ends: adjusts *s and *len in place. */
void text_trim(const char **s, size_t *len);

#endif
