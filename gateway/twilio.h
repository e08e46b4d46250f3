/*
 * twilio: what the Twilio adapter (gateway/twilio.c) exposes besides
 * gateway_twilio: the X-Twilio-Signature computation, so the tests can
 * check it against Twilio's own known answer.
 */
#ifndef ADUAN_TWILIO_H
#define ADUAN_TWILIO_H

#include <stddef.h>

/* One POST parameter as Twilio sent it: value binary-safe, len bytes. */
struct twilio_param {
	const char *name;               /* NUL-terminated */
	const char *value;
	size_t len;
};

/* Base64 of a 20-byte HMAC-SHA1: 28 characters. */
#define TWILIO_SIGNATURE_LEN 28

/*
 * X-Twilio-Signature: Base64(HMAC-SHA1(auth_token, url + for each parameter,
 * sorted by name in byte order, name + value, no separators)).  url is the
 * full URL Twilio called, query string included.  Sorts params in place.
 * Writes the signature, NUL-terminated, into out (at least
 * TWILIO_SIGNATURE_LEN + 1 bytes).  Returns 0, or -1 when out is too small.
 */
int twilio_signature(const char *auth_token, const char *url, struct twilio_param *params,
    size_t n, char *out, size_t outsz);

#endif
