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

/* ---- random tokens and passwords ---- */

/*
 * nbytes bytes from the kernel's random source (getrandom(2)) as 2 * nbytes
 * lower-case hex digits and a NUL in out, which holds at least
 * 2 * nbytes + 1 bytes: session ids and CSRF tokens (32 bytes: 64 digits).
 * 0, or -1 when no randomness could be had (out is then "").
 */
int crypto_random_hex(char *out, size_t nbytes);

/* Bytes a stored password hash takes at most, NUL included. */
#define CRYPTO_PASSWORD_MAX     256

/*
 * Hashes password (a C string) with a slow, salted key-derivation
 * function into out (outsz bytes, CRYPTO_PASSWORD_MAX is enough) as one
 * self-describing string of printable ASCII: algorithm, parameters, salt
 * and hash, e.g.
 *
 *	scrypt$N=32768,r=8,p=1$<16-byte salt, Base64>$<32-byte hash, Base64>
 *
 * The salt is fresh from getrandom(2), so two hashes of one password
 * differ.  Takes a tenth of a second and 32 MiB on purpose: call it
 * outside the store's lock.  0, or -1 (out too small, no randomness, the
 * library refused; out is then "").
 */
int crypto_password_hash(const char *password, char *out, size_t outsz);

/*
 * crypto_password_hash with the cheapest parameters (N=1024): for a
 * password that is published anyway (the demo accounts of serve --demo,
 * README lists them), whose hash protects nothing, so that making a
 * dozen of them at start-up takes milliseconds, not seconds.
 * crypto_password_outdated() says 1 of these.  0, -1.
 */
int crypto_password_hash_public(const char *password, char *out, size_t outsz);

/*
 * 1 when password matches stored (a string of crypto_password_hash, of
 * this version or an older one with other parameters: parameters can be
 * raised without invalidating stored hashes), 0 when it does not, -1 when
 * stored is malformed or asks for more than the limits allow (N a power
 * of two up to 2^20, r up to 32, p up to 16, 128 * N * r bytes up to
 * 1 GiB).  The hashes are compared in constant
 * time; the time taken depends on stored's parameters only.
 */
int crypto_password_check(const char *password, const char *stored);

/*
 * 1 when stored was made with other parameters (or another algorithm)
 * than crypto_password_hash uses now: worth hashing again after a
 * successful check.  0 when current; -1 malformed.
 */
int crypto_password_outdated(const char *stored);

#endif
