/*
 * gateway: what every adapter needs and none should write again: a
 * refusal with its reason, the query-string secret, the check of a plain
 * token (ids, codes, references), and the ISO-8601 times gateways write.
 */
#include "gateway/gateway.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "util/util.h"

int
gateway_fail(char *err, size_t errsz, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)verrf(err, errsz, fmt, ap);
	va_end(ap);
	return status;
}

int
gateway_secret(const struct http_request *req, const char *want, const char *name,
    char *err, size_t errsz)
{
	const char *secret;
	size_t len;

	if (want == NULL)
		return gateway_fail(err, errsz, 404, "the %s endpoint is not enabled in the configuration",
		    name);
	secret = http_param(req, "secret", &len);
	/* A NUL inside the parameter would shorten it: the lengths must agree. */
	if (secret == NULL || len != strlen(secret) || !str_secret_equal(secret, want))
		return gateway_fail(err, errsz, 403, "%s", "wrong or missing secret");
	return 0;
}

int
gateway_token(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7F)
			return 0;
	return 1;
}
