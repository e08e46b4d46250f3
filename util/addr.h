/*
 * addr: IP addresses and CIDR ranges (IPv4 and IPv6) as an operator writes
 * them, and who the client of a request is behind trusted proxies.  Pure:
 * no sockets, no allocation.  conf/ parses server.trusted_proxies and
 * gateways.*.allow_from with addr_range_parse(); net/http.c computes every
 * request's client address with addr_client(), the one place that reads
 * X-Forwarded-For.
 */
#ifndef ADUAN_ADDR_H
#define ADUAN_ADDR_H

#include <stddef.h>

/* One address ("10.1.2.3", bits 32) or range ("10.0.0.0/8", "2001:db8::/32"). */
struct addr_range {
	int family;             /* AF_INET or AF_INET6 */
	unsigned char a[16];    /* network bytes (4 used for AF_INET) */
	int bits;               /* prefix length */
};

/*
 * Parses "ADDR" or "ADDR/BITS" into *r: 0, or -1 with why in err (host
 * bits set after the prefix are refused: "10.1.2.3/8" is a typo more
 * often than a wish).  An IPv4-mapped IPv6 address (::ffff:10.1.2.3) is
 * kept as the IPv4 one.
 */
int addr_range_parse(const char *s, struct addr_range *r, char *err, size_t errsz);
/* 1 when address text addr (no brackets, no port) is inside one of r[0..n). */
int addr_in(const char *addr, const struct addr_range *r, size_t n);
/*
 * The client's address of a request whose connection came from peer and
 * that carried header X-Forwarded-For xff (NULL when absent), into out:
 * peer itself, unless peer is one of trusted[0..ntrusted); then the
 * right-most address of xff that is not itself trusted (the one the last
 * trusted proxy saw), or the left-most when every one is trusted.  An
 * entry that is not an address (garbage, "unknown") stops the walk: the
 * address after it, to the right, is the client (or peer when none).  So a
 * header the client wrote itself is never taken for its address: a proxy
 * appends the address it saw, and only what trusted proxies added counts.
 */
void addr_client(const char *peer, const char *xff, const struct addr_range *trusted,
    size_t ntrusted, char *out, size_t outsz);

#endif
