/*
 * crypto: SHA-256, HMAC-SHA1/-SHA256, Base64, cleansing and constant-time
 * comparison over OpenSSL's libcrypto.  Every OpenSSL call of the tree is
 * here; the rest of Aduan sees only util/crypto.h.
 */
#include "util/crypto.h"

#include <limits.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

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
