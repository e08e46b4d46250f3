/*
 * msisdn: phone numbers to E.164.  "0812..." -> "+62812...", "62812..." ->
 * "+62812...", "0062..." -> "+62...", "+62..." kept; spaces, dashes, dots and
 * parentheses are ignored.  The default country code comes from the config.
 */
#ifndef ADUAN_MSISDN_H
#define ADUAN_MSISDN_H

#include <stddef.h>

#define MSISDN_MAX 20   /* "+" and at most 15 digits, with room to spare */

enum msisdn_kind {
	MSISDN_E164,        /* a phone number, normalised in out */
	MSISDN_ALPHA,       /* a service sender: alphanumeric (TELKOMSEL, INFO) or a
	                       short number of fewer than 8 digits (888): never reply */
	MSISDN_INVALID      /* neither; reason in err */
};

/*
 * Normalises `in` with default country code `cc` (digits, "62").  For
 * MSISDN_E164 out holds "+<digits>" (8 to 15 digits); for MSISDN_ALPHA out
 * holds the sender as given (trimmed, at most outsz-1 bytes).
 */
enum msisdn_kind msisdn_normalize(const char *in, const char *cc,
    char *out, size_t outsz, char *err, size_t errsz);

#endif
