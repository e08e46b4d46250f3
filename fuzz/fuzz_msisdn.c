/*
 * fuzz_msisdn: msisdn_normalize() on arbitrary senders, with the default
 * country code 62 and a few others.  An E.164 answer is "+" and 8 to 15
 * digits; every answer is NUL-terminated inside its buffer.
 *
 * Input: first byte picks the country code and the output room; the rest,
 * NUL-terminated, is the sender as a gateway gave it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sms/msisdn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const ccs[] = { "62", "1", "254", "60", "" };
	static const size_t rooms[] = { MSISDN_MAX, 2, 9, 17 };
	char *in, out[MSISDN_MAX + 8], err[128];
	size_t room, i, d;
	enum msisdn_kind k;

	if (size < 1)
		return 0;
	in = malloc(size);
	if (in == NULL)
		return 0;
	memcpy(in, data + 1, size - 1);
	in[size - 1] = '\0';
	room = rooms[(data[0] >> 4) % 4];
	memset(out, 'X', sizeof out);
	memset(err, 'X', sizeof err);
	k = msisdn_normalize(in, ccs[data[0] % 5], out, room, err, sizeof err);
	if (k == MSISDN_E164) {
		if (out[0] != '+' || memchr(out, '\0', room) == NULL)
			abort();
		for (i = 1, d = 0; out[i] != '\0'; i++, d++)
			if (out[i] < '0' || out[i] > '9')
				abort();
		if (d < 8 || d > 15)
			abort();        /* E.164: 8 to 15 digits */
	} else if (k == MSISDN_ALPHA) {
		if (memchr(out, '\0', room) == NULL)
			abort();
	} else if (k == MSISDN_INVALID) {
		if (memchr(err, '\0', sizeof err) == NULL)
			abort();
	} else {
		abort();
	}
	if (out[room] != 'X')
		abort();                /* nothing written past outsz */
	free(in);
	return 0;
}
