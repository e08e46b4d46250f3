/*
 * fuzz_text: sms/text.h on arbitrary bytes.  text_to_utf8() in every
 * charset a gateway may name (and an unknown one), into a tight and a roomy
 * buffer; what it accepts must be valid UTF-8 of the length it says.  Then
 * the helpers the grammar uses on valid text: text_utf8_chars, text_words,
 * text_fold_word, text_trim.
 *
 * Input: first byte picks the charset (and the output room), the rest is
 * the text.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sms/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const charsets[] = {
	"UTF-8", "utf8", "UTF-16BE", "UCS-2", "ucs2", "UTF-16", "ISO-8859-1", "latin1",
	"WINDOWS-1252", "EBCDIC", "",
};
#define NCHARSETS (sizeof charsets / sizeof charsets[0])

struct words {
	const char *text;
	size_t n;
};

static int
on_word(void *arg, size_t off, size_t wlen)
{
	struct words *w = arg;
	char folded[64];
	long n;

	w->n++;
	n = text_fold_word(w->text + off, wlen, folded, sizeof folded);
	if (n >= (long)sizeof folded)
		abort();
	if (n >= 0 && strlen(folded) != (size_t)n)
		abort();                /* the length said is the length written */
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *cs;
	char *out, err[128];
	size_t outsz, len;
	const char *s;
	long n;
	struct words w;

	if (size < 1)
		return 0;
	cs = charsets[data[0] % NCHARSETS];
	/* bit 7: a buffer that is just big enough or too small, else 3x + 4 */
	outsz = (data[0] & 0x80) ? (size - 1) + 1 : (size - 1) * 3 + 4;
	out = malloc(outsz);
	if (out == NULL)
		return 0;
	n = text_to_utf8(cs, data + 1, size - 1, out, outsz, err, sizeof err);
	if (n >= 0) {
		if ((size_t)n >= outsz || out[n] != '\0')
			abort();
		if (!text_utf8_valid(out, (size_t)n))
			abort();        /* decoded text is valid UTF-8 without NUL */
		(void)text_utf8_chars(out, (size_t)n);
		w.text = out;
		w.n = 0;
		text_words(out, (size_t)n, on_word, &w);
		s = out;
		len = (size_t)n;
		text_trim(&s, &len);
		if (s < out || s + len > out + n)
			abort();
	} else if (memchr(err, '\0', sizeof err) == NULL) {
		abort();                /* the reason is a string */
	}
	free(out);
	/* The raw bytes through the validator and, when valid, the helpers. */
	if (text_utf8_valid((const char *)data + 1, size - 1)) {
		w.text = (const char *)data + 1;
		w.n = 0;
		text_words(w.text, size - 1, on_word, &w);
	}
	return 0;
}
