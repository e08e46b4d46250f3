/*
 * crypto: SHA-256, HMAC-SHA1/-SHA256, Base64, cleansing and constant-time
 * comparison over OpenSSL's libcrypto, random tokens from getrandom(2),
 * and password hashing with scrypt.  Every OpenSSL call of the tree is
 * here; the rest of Aduan sees only util/crypto.h.
 */
#include "util/crypto.h"

#include <errno.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "util/log.h"

void
crypto_hex(const unsigned char *in, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hex[in[i] >> 4];
		out[2 * i + 1] = hex[in[i] & 0x0F];
	}
	out[2 * n] = '\0';
}

void
crypto_sha256_hex(const void *s, size_t len, char out[2 * CRYPTO_SHA256_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (EVP_Digest(s, len, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen != CRYPTO_SHA256_LEN)
		fatal("crypto_sha256_hex: SHA-256 failed");
	crypto_hex(md, CRYPTO_SHA256_LEN, out);
}

/* One-shot HMAC with md, whose output is want bytes long. */
static int
hmac(const EVP_MD *md, size_t want, const void *key, size_t klen, const void *msg,
    size_t len, unsigned char *out)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;

	if (klen > INT_MAX ||
	    HMAC(md, key, (int)klen, msg, len, mac, &maclen) == NULL || maclen != want)
		return -1;
	memcpy(out, mac, want);
	return 0;
}

int
crypto_hmac_sha1(const void *key, size_t klen, const void *msg, size_t len,
    unsigned char out[CRYPTO_SHA1_LEN])
{
	return hmac(EVP_sha1(), CRYPTO_SHA1_LEN, key, klen, msg, len, out);
}

int
crypto_hmac_sha256(const void *key, size_t klen, const void *msg, size_t len,
    unsigned char out[CRYPTO_SHA256_LEN])
{
	return hmac(EVP_sha256(), CRYPTO_SHA256_LEN, key, klen, msg, len, out);
}

int
crypto_base64(const void *in, size_t len, char *out, size_t outsz)
{
	size_t need;

	/* EVP_EncodeBlock takes an int length. */
	if (len > (size_t)INT_MAX / 4 * 3 - 3)
		return -1;
	need = CRYPTO_BASE64_LEN(len);
	if (outsz < need + 1)
		return -1;
	return EVP_EncodeBlock((unsigned char *)out, in, (int)len);
}

void
crypto_cleanse(void *p, size_t n)
{
	OPENSSL_cleanse(p, n);
}

int
crypto_equal(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}

/* ---- random tokens ---- */

/* n random bytes into buf from the kernel: 0, -1. */
static int
random_bytes(unsigned char *buf, size_t n)
{
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		r = getrandom(buf + got, n - got, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		got += (size_t)r;
	}
	return 0;
}

int
crypto_random_hex(char *out, size_t nbytes)
{
	unsigned char buf[64];
	size_t done = 0, n;

	while (done < nbytes) {
		n = nbytes - done < sizeof buf ? nbytes - done : sizeof buf;
		if (random_bytes(buf, n) != 0) {
			out[0] = '\0';
			crypto_cleanse(buf, sizeof buf);
			return -1;
		}
		crypto_hex(buf, n, out + 2 * done);
		done += n;
	}
	if (nbytes == 0)
		out[0] = '\0';
	crypto_cleanse(buf, sizeof buf);
	return 0;
}

/* ---- passwords: scrypt (RFC 7914) ----
 *
 * The string: "scrypt$N=<N>,r=<r>,p=<p>$<salt>$<hash>", salt and hash in
 * Base64 with padding.  The parameters of new hashes are below; a stored
 * string brings its own, so raising them later leaves old hashes valid
 * (crypto_password_outdated says which to hash again).  N=2^15, r=8 is
 * RFC 7914's interactive-login choice: 32 MiB and a tenth of a second.
 */
#define PW_ALG          "scrypt"
#define PW_N            32768ULL
#define PW_N_PUBLIC     1024ULL /* crypto_password_hash_public: published passwords */
#define PW_R            8ULL
#define PW_P            1ULL
#define PW_SALT         16      /* bytes of salt in new hashes */
#define PW_HASH         32      /* bytes of hash in new hashes */
#define PW_BYTES_MIN    8       /* a stored salt or hash shorter than this is malformed */
#define PW_BYTES_MAX    64      /* ... or longer */
#define PW_N_MAX        (1ULL << 20)
#define PW_R_MAX        32ULL
#define PW_P_MAX        16ULL
#define PW_MEM_MAX      (1ULL << 30)    /* 128 * N * r of a stored string, at most */

struct pw_params {
	uint64_t n, r, p;
	unsigned char salt[PW_BYTES_MAX];
	size_t saltlen;
	unsigned char hash[PW_BYTES_MAX];
	size_t hashlen;
};

/*
 * Strict Base64 of s[0..len) into out (at most max bytes): the length, or
 * -1 when it is not canonical Base64 of 1..max bytes.
 */
static long
base64_decode(const char *s, size_t len, unsigned char *out, size_t max)
{
	unsigned char buf[PW_BYTES_MAX + 3];
	size_t pad = 0, i;
	int n;

	if (len == 0 || len % 4 != 0 || len / 4 * 3 > sizeof buf)
		return -1;
	for (i = 0; i < len; i++) {
		char ch = s[i];

		if (ch == '=') {
			if (i < len - 2)
				return -1;
			pad++;
		} else if (pad > 0 || !((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || ch == '+' || ch == '/'))
			return -1;
	}
	n = EVP_DecodeBlock(buf, (const unsigned char *)s, (int)len);
	if (n < 0 || (size_t)n < pad || (size_t)n - pad > max || (size_t)n == pad)
		return -1;
	memcpy(out, buf, (size_t)n - pad);
	crypto_cleanse(buf, sizeof buf);
	return (long)((size_t)n - pad);
}

/* A decimal number of 1..20 digits at *sp, up to max; *sp moves past it. */
static int
parse_u64(const char **sp, uint64_t max, uint64_t *out)
{
	const char *s = *sp;
	uint64_t v = 0;
	int digits = 0;

	while (*s >= '0' && *s <= '9') {
		if (v > (max - (uint64_t)(*s - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
		s++;
		digits++;
	}
	if (digits == 0 || (digits > 1 && **sp == '0'))
		return -1;
	*sp = s;
	*out = v;
	return 0;
}

/* Parses a stored string into *pp: 0, or -1 malformed or beyond the limits. */
static int
pw_parse(const char *stored, struct pw_params *pp)
{
	const char *s = stored, *salt, *hash, *end;
	long n;

	if (strncmp(s, PW_ALG "$N=", sizeof PW_ALG + 2) != 0)
		return -1;
	s += sizeof PW_ALG + 2;
	if (parse_u64(&s, PW_N_MAX, &pp->n) != 0 || pp->n < 2 || (pp->n & (pp->n - 1)) != 0 ||
	    strncmp(s, ",r=", 3) != 0)
		return -1;
	s += 3;
	if (parse_u64(&s, PW_R_MAX, &pp->r) != 0 || pp->r == 0 || strncmp(s, ",p=", 3) != 0)
		return -1;
	s += 3;
	if (parse_u64(&s, PW_P_MAX, &pp->p) != 0 || pp->p == 0 || *s != '$')
		return -1;
	if (128 * pp->n * pp->r > PW_MEM_MAX)
		return -1;
	salt = s + 1;
	if ((hash = strchr(salt, '$')) == NULL)
		return -1;
	hash++;
	end = hash + strlen(hash);
	if ((n = base64_decode(salt, (size_t)(hash - 1 - salt), pp->salt, sizeof pp->salt)) <
	    PW_BYTES_MIN)
		return -1;
	pp->saltlen = (size_t)n;
	if ((n = base64_decode(hash, (size_t)(end - hash), pp->hash, sizeof pp->hash)) <
	    PW_BYTES_MIN)
		return -1;
	pp->hashlen = (size_t)n;
	return 0;
}

/* scrypt of password with pp's parameters and salt into out[0..outlen): 0, -1. */
static int
pw_derive(const char *password, const struct pw_params *pp, unsigned char *out, size_t outlen)
{
	/* OpenSSL wants room for its V array (128 * N * r) and B (128 * r * p), and a little. */
	uint64_t mem = 128 * pp->r * (pp->n + pp->p) + (1U << 20);

	if (EVP_PBE_scrypt(password, strlen(password), pp->salt, pp->saltlen, pp->n, pp->r,
	    pp->p, mem, out, outlen) != 1)
		return -1;
	return 0;
}

/* crypto_password_hash with N = cost. */
static int
pw_hash(const char *password, uint64_t cost, char *out, size_t outsz)
{
	struct pw_params pp = { .n = cost, .r = PW_R, .p = PW_P, .saltlen = PW_SALT,
	    .hashlen = PW_HASH };
	char salt64[CRYPTO_BASE64_LEN(PW_SALT) + 1], hash64[CRYPTO_BASE64_LEN(PW_HASH) + 1];
	int n, ret = -1;

	if (outsz > 0)
		out[0] = '\0';
	if (random_bytes(pp.salt, pp.saltlen) != 0 ||
	    pw_derive(password, &pp, pp.hash, pp.hashlen) != 0 ||
	    crypto_base64(pp.salt, pp.saltlen, salt64, sizeof salt64) < 0 ||
	    crypto_base64(pp.hash, pp.hashlen, hash64, sizeof hash64) < 0)
		goto done;
	n = snprintf(out, outsz, PW_ALG "$N=%llu,r=%llu,p=%llu$%s$%s",
	    (unsigned long long)pp.n, (unsigned long long)pp.r, (unsigned long long)pp.p,
	    salt64, hash64);
	if (n < 0 || (size_t)n >= outsz) {
		if (outsz > 0)
			out[0] = '\0';
		goto done;
	}
	ret = 0;
done:
	crypto_cleanse(&pp, sizeof pp);
	crypto_cleanse(hash64, sizeof hash64);
	return ret;
}

int
crypto_password_hash(const char *password, char *out, size_t outsz)
{
	return pw_hash(password, PW_N, out, outsz);
}

int
crypto_password_hash_public(const char *password, char *out, size_t outsz)
{
	return pw_hash(password, PW_N_PUBLIC, out, outsz);
}

int
crypto_password_check(const char *password, const char *stored)
{
	struct pw_params pp;
	unsigned char got[PW_BYTES_MAX];
	int ret = -1;

	if (pw_parse(stored, &pp) != 0)
		return -1;
	if (pw_derive(password, &pp, got, pp.hashlen) == 0)
		ret = CRYPTO_memcmp(got, pp.hash, pp.hashlen) == 0;
	crypto_cleanse(got, sizeof got);
	crypto_cleanse(&pp, sizeof pp);
	return ret;
}

int
crypto_password_outdated(const char *stored)
{
	struct pw_params pp;

	if (pw_parse(stored, &pp) != 0)
		return -1;
	return pp.n != PW_N || pp.r != PW_R || pp.p != PW_P || pp.saltlen != PW_SALT ||
	    pp.hashlen != PW_HASH;
}
