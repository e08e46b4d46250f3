/*
 * crypto: the digests, MACs and encodings Aduan needs, and the only module
 * that includes OpenSSL headers (scripts/layers.sh), so that the crypto
 * library could be swapped in this one file.  Each function is a one-shot
 * over caller-owned memory: nothing is allocated, nothing kept, any thread
 * may call any of them.
 */
#ifndef ADUAN_CRYPTO_H
#define ADUAN_CRYPTO_H

#include <stddef.h>

#define CRYPTO_SHA1_LEN         20      /* bytes of an HMAC-SHA1 */
#define CRYPTO_SHA256_LEN       32      /* bytes of a SHA-256 or an HMAC-SHA256 */
/* Characters of the Base64 of n bytes, padding included, NUL not counted. */
#define CRYPTO_BASE64_LEN(n)    (4 * (((n) + 2) / 3))

/*
 * SHA-256 of s[0..len) as 64 lower-case hex digits and a NUL in out.
 * The library failing is fatal (it cannot fail but for lack of memory).
 */
void crypto_sha256_hex(const void *s, size_t len, char out[2 * CRYPTO_SHA256_LEN + 1]);

/*
 * HMAC-SHA1 and HMAC-SHA256 of msg[0..len) with key[0..klen): the raw MAC
 * in out.  0, or -1 when the library refused (a key longer than INT_MAX).
 */
int crypto_hmac_sha1(const void *key, size_t klen, const void *msg, size_t len,
    unsigned char out[CRYPTO_SHA1_LEN]);
int crypto_hmac_sha256(const void *key, size_t klen, const void *msg, size_t len,
    unsigned char out[CRYPTO_SHA256_LEN]);

/*
 * in[0..n) as lower-case hex digits and a NUL in out, which holds at least
 * 2 * n + 1 bytes.
 */
void crypto_hex(const unsigned char *in, size_t n, char *out);

/*
 * Base64 (RFC 4648, with padding, no line breaks) of in[0..len), NUL-
 * terminated, in out.  Returns the length written (CRYPTO_BASE64_LEN(len)),
 * or -1 when out (outsz bytes) cannot hold it and its NUL: nothing written.
 */
int crypto_base64(const void *in, size_t len, char *out, size_t outsz);

/* Overwrites p[0..n) with zeros in a way the compiler cannot drop (secrets). */
void crypto_cleanse(void *p, size_t n);

/* 1 when a[0..n) and b[0..n) are equal, in a time that does not depend on where they differ. */
int crypto_equal(const void *a, const void *b, size_t n);

#endif
