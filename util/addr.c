/*
 * addr: addresses and CIDR ranges, and the client's address behind
 * trusted proxies (addr_client, the only reader of X-Forwarded-For).
 */
#include "util/addr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "util/util.h"

/* An address's text into family and bytes; ::ffff:a.b.c.d becomes IPv4. */
static int
parse_ip(const char *s, int *family, unsigned char a[16])
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	memset(a, 0, 16);
	if (inet_pton(AF_INET, s, a) == 1) {
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a) == 1) {
		*family = AF_INET6;
		if (memcmp(a, mapped, sizeof mapped) == 0) {
			memmove(a, a + 12, 4);
			memset(a + 4, 0, 12);
			*family = AF_INET;
		}
		return 0;
	}
	return -1;
}

int
addr_range_parse(const char *s, struct addr_range *r, char *err, size_t errsz)
{
	char ip[INET6_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	size_t n = slash != NULL ? (size_t)(slash - s) : strlen(s);
	int max, i;

	if (n == 0 || n >= sizeof ip)
		return errf(err, errsz, "'%.60s' is not an IP address or range", s);
	memcpy(ip, s, n);
	ip[n] = '\0';
	if (parse_ip(ip, &r->family, r->a) != 0)
		return errf(err, errsz, "'%.60s' is not an IP address or range "
		    "(10.1.2.3, 10.0.0.0/8, 2001:db8::/32)", s);
	max = r->family == AF_INET ? 32 : 128;
	r->bits = max;
	if (slash != NULL) {
		char *end;
		long b = strtol(slash + 1, &end, 10);

		if (slash[1] < '0' || slash[1] > '9' || *end != '\0' || b < 0 || b > max)
			return errf(err, errsz, "'%.60s': the prefix length after '/' must be "
			    "0 to %d", s, max);
		r->bits = (int)b;
	}
	for (i = r->bits; i < max; i++)
		if (r->a[i / 8] & (0x80 >> (i % 8)))
			return errf(err, errsz, "'%.60s' has bits set after its /%d prefix "
			    "(a typo? the range would be written with zeros there)", s, r->bits);
	return 0;
}

static int
match(const struct addr_range *r, int family, const unsigned char a[16])
{
	int full = r->bits / 8, rest = r->bits % 8;

	if (r->family != family || memcmp(r->a, a, (size_t)full) != 0)
		return 0;
	return rest == 0 ||
	    ((r->a[full] ^ a[full]) & (unsigned char)(0xff << (8 - rest))) == 0;
}

int
addr_in(const char *addr, const struct addr_range *r, size_t n)
{
	unsigned char a[16];
	int family;
	size_t i;

	if (addr == NULL || parse_ip(addr, &family, a) != 0)
		return 0;
	for (i = 0; i < n; i++)
		if (match(&r[i], family, a))
			return 1;
	return 0;
}

void
addr_client(const char *peer, const char *xff, const struct addr_range *trusted,
    size_t ntrusted, char *out, size_t outsz)
{
	char item[INET6_ADDRSTRLEN];
	const char *end, *p, *start;
	unsigned char a[16];
	int family;
	size_t n;

	(void)str_copy(out, outsz, peer);
	if (xff == NULL || ntrusted == 0 || !addr_in(peer, trusted, ntrusted))
		return;
	/* From the right: each entry was added by the hop before the last one. */
	end = xff + strlen(xff);
	while (end > xff) {
		for (p = end; p > xff && p[-1] != ','; p--)
			;
		start = p;
		while (start < end && (*start == ' ' || *start == '\t'))
			start++;
		n = (size_t)(end - start);
		while (n > 0 && (start[n - 1] == ' ' || start[n - 1] == '\t'))
			n--;
		end = p > xff ? p - 1 : xff;
		if (n == 0)
			continue;
		if (n >= sizeof item)
			return;
		memcpy(item, start, n);
		item[n] = '\0';
		if (parse_ip(item, &family, a) != 0)
			return;
		/* Normalised text, so that one client is one key in the limits. */
		(void)inet_ntop(family, a, out, (socklen_t)outsz);
		if (!addr_in(out, trusted, ntrusted))
			return;
	}
}
