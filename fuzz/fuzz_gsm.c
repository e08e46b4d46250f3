/*
 * fuzz_gsm: sms/gsm.h on arbitrary text: gsm_count, gsm_is_gsm7, gsm_clean
 * and gsm_fit with 1 to 4 parts into a tight and a roomy buffer.  What
 * gsm_fit writes must itself count to at most the parts asked for.
 *
 * Input: first byte: max_parts (bits 0-1, plus one) and a small output
 * buffer (bit 2); the rest is the text.  The text is copied into a buffer
 * of exactly its size, so a read past it is caught by AddressSanitizer.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sms/gsm.h"
#include "sms/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gsm_count gc, fc;
	size_t parts, len, outsz;
	char *s, *out;
	long n;
	int valid;

	if (size < 1)
		return 0;
	parts = (size_t)(data[0] & 3) + 1;
	len = size - 1;
	s = malloc(len ? len : 1);
	if (s == NULL)
		return 0;
	memcpy(s, data + 1, len);
	valid = text_utf8_valid(s, len);
	if (gsm_count(s, len, &gc) == 0) {
		if (!valid)
			abort();        /* counted text that is not UTF-8 */
		if (gc.parts < 1)
			abort();
		(void)gsm_is_gsm7(s, len);
	}
	outsz = (data[0] & 4) ? len / 2 + 1 : len * 3 + 8;
	out = malloc(outsz);
	if (out != NULL) {
		n = gsm_clean(s, len, out, outsz);
		if (n >= 0 && ((size_t)n >= outsz || out[n] != '\0'))
			abort();
		n = gsm_fit(s, len, parts, out, outsz);
		if (n >= 0) {
			if ((size_t)n >= outsz || out[n] != '\0')
				abort();
			if (gsm_count(out, (size_t)n, &fc) != 0 || fc.parts > parts)
				abort();        /* fitted text takes at most max_parts */
		}
		free(out);
	}
	free(s);
	return 0;
}
