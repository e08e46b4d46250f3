/*
 * test_crypto: util/crypto.h against published known answers: SHA-256 of
 * "abc" and of "" (FIPS 180-2), HMAC-SHA256 (RFC 4231 test cases 1, 2, 6
 * and 7: short key, short key and data, a key longer than the block),
 * HMAC-SHA1 (RFC 2202 test cases 1, 2, 3 and 6), Base64 (RFC 4648 section
 * 10), plus the bounds the header promises: a Base64 buffer one byte short
 * is refused untouched, cleanse zeroes, the comparison sees every byte.
 * Passwords: the scrypt known answer of RFC 7914 section 12 as a stored
 * string (older parameters than new hashes use, still accepted), a hash
 * of a known password checks and a wrong one does not, two hashes of one
 * password differ, malformed and over-limit strings are refused; random
 * tokens are hex of the length asked for and differ.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "util/crypto.h"

static void
hmac256_hex(const void *key, size_t klen, const void *msg, size_t len, char *out)
{
	unsigned char mac[CRYPTO_SHA256_LEN];

	assert_int_equal(crypto_hmac_sha256(key, klen, msg, len, mac), 0);
	crypto_hex(mac, sizeof mac, out);
}

static void
hmac1_hex(const void *key, size_t klen, const void *msg, size_t len, char *out)
{
	unsigned char mac[CRYPTO_SHA1_LEN];

	assert_int_equal(crypto_hmac_sha1(key, klen, msg, len, mac), 0);
	crypto_hex(mac, sizeof mac, out);
}

static void
test_sha256(void **state)
{
	char out[2 * CRYPTO_SHA256_LEN + 1];

	(void)state;
	crypto_sha256_hex("abc", 3, out);
	assert_string_equal(out,
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	crypto_sha256_hex("", 0, out);
	assert_string_equal(out,
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	crypto_sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, out);
	assert_string_equal(out,
	    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

/* RFC 4231 section 4. */
static void
test_hmac_sha256_rfc4231(void **state)
{
	unsigned char key[131], data[50];
	char out[2 * CRYPTO_SHA256_LEN + 1];
	static const char big[] = "Test Using Larger Than Block-Size Key - Hash Key First";
	static const char big2[] = "This is a test using a larger than block-size key and a "
	    "larger than block-size data. The key needs to be hashed before being used by "
	    "the HMAC algorithm.";

	(void)state;
	/* Test case 1 */
	memset(key, 0x0b, 20);
	hmac256_hex(key, 20, "Hi There", 8, out);
	assert_string_equal(out,
	    "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
	/* Test case 2 */
	hmac256_hex("Jefe", 4, "what do ya want for nothing?", 28, out);
	assert_string_equal(out,
	    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	/* Test case 3 */
	memset(key, 0xaa, 20);
	memset(data, 0xdd, 50);
	hmac256_hex(key, 20, data, 50, out);
	assert_string_equal(out,
	    "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
	/* Test case 6 */
	memset(key, 0xaa, 131);
	hmac256_hex(key, 131, big, strlen(big), out);
	assert_string_equal(out,
	    "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
	/* Test case 7 */
	hmac256_hex(key, 131, big2, strlen(big2), out);
	assert_string_equal(out,
	    "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

/* RFC 2202 section 3. */
static void
test_hmac_sha1_rfc2202(void **state)
{
	unsigned char key[80], data[50];
	char out[2 * CRYPTO_SHA1_LEN + 1];
	static const char big[] = "Test Using Larger Than Block-Size Key - Hash Key First";

	(void)state;
	memset(key, 0x0b, 20);
	hmac1_hex(key, 20, "Hi There", 8, out);
	assert_string_equal(out, "b617318655057264e28bc0b6fb378c8ef146be00");
	hmac1_hex("Jefe", 4, "what do ya want for nothing?", 28, out);
	assert_string_equal(out, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
	memset(key, 0xaa, 20);
	memset(data, 0xdd, 50);
	hmac1_hex(key, 20, data, 50, out);
	assert_string_equal(out, "125d7342b9ac11cd91a39af48aa17b4f63f175d3");
	memset(key, 0xaa, 80);
	hmac1_hex(key, 80, big, strlen(big), out);
	assert_string_equal(out, "aa4ae5e15272d00e95705637ce8a3b55ed402112");
}

/* RFC 4648 section 10. */
static void
test_base64_rfc4648(void **state)
{
	static const struct {
		const char *in, *out;
	} v[] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
	};
	char out[16];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		memset(out, 'x', sizeof out);
		assert_int_equal(crypto_base64(v[i].in, strlen(v[i].in), out, sizeof out),
		    (int)strlen(v[i].out));
		assert_string_equal(out, v[i].out);
		assert_int_equal(CRYPTO_BASE64_LEN(strlen(v[i].in)), strlen(v[i].out));
	}
	/* Binary input, every byte value of the alphabet's edges. */
	assert_int_equal(crypto_base64("\xFB\xFF\x00", 3, out, sizeof out), 4);
	assert_string_equal(out, "+/8A");
}

static void
test_base64_bound(void **state)
{
	char out[9];

	(void)state;
	/* "foobar" needs 8 characters and a NUL: 8 bytes are refused, untouched. */
	memset(out, 'x', sizeof out);
	assert_int_equal(crypto_base64("foobar", 6, out, 8), -1);
	assert_memory_equal(out, "xxxxxxxxx", 9);
	assert_int_equal(crypto_base64("foobar", 6, out, 9), 8);
	assert_string_equal(out, "Zm9vYmFy");
}

static void
test_hex(void **state)
{
	char out[9];

	(void)state;
	crypto_hex((const unsigned char *)"\x00\x0f\xa5\xff", 4, out);
	assert_string_equal(out, "000fa5ff");
	crypto_hex((const unsigned char *)"", 0, out);
	assert_string_equal(out, "");
}

static void
test_cleanse_and_equal(void **state)
{
	char secret[16] = "hunter2-hunter2";
	static const char zero[16] = { 0 };

	(void)state;
	crypto_cleanse(secret, sizeof secret);
	assert_memory_equal(secret, zero, sizeof zero);
	assert_true(crypto_equal("abcdef", "abcdef", 6));
	assert_false(crypto_equal("abcdef", "abcdeg", 6));
	assert_false(crypto_equal("Xbcdef", "abcdef", 6));
	/* Only n bytes are compared. */
	assert_true(crypto_equal("abcX", "abcY", 3));
	assert_true(crypto_equal("a", "b", 0));
}

/* RFC 7914 section 12: scrypt("pleaseletmein", "SodiumChloride", N=16384, r=8, p=1, 64). */
static const char rfc7914[] = "scrypt$N=16384,r=8,p=1$U29kaXVtQ2hsb3JpZGU=$"
    "cCO9yzr9c0hGHAbNgf046/2o+7qQT44+qbVD9lRdofLVQylVYT8Pz2LUlwUkKpr55h6F3A1lHkDfzwF7RVdYhw==";

static void
test_password_known_answer(void **state)
{
	(void)state;
	assert_int_equal(crypto_password_check("pleaseletmein", rfc7914), 1);
	assert_int_equal(crypto_password_check("pleaseletmeIn", rfc7914), 0);
	assert_int_equal(crypto_password_check("", rfc7914), 0);
	/* Older parameters than new hashes get: valid, and worth hashing again. */
	assert_int_equal(crypto_password_outdated(rfc7914), 1);
}

static void
test_password_hash_and_check(void **state)
{
	char a[CRYPTO_PASSWORD_MAX], b[CRYPTO_PASSWORD_MAX];

	(void)state;
	assert_int_equal(crypto_password_hash("kata sandi rahasia", a, sizeof a), 0);
	assert_int_equal(strncmp(a, "scrypt$N=32768,r=8,p=1$", 23), 0);
	assert_int_equal(crypto_password_check("kata sandi rahasia", a), 1);
	assert_int_equal(crypto_password_check("kata sandi rahasiA", a), 0);
	assert_int_equal(crypto_password_check("kata sandi rahasia ", a), 0);
	assert_int_equal(crypto_password_outdated(a), 0);
	/* A fresh salt each time: the same password never gives the same string. */
	assert_int_equal(crypto_password_hash("kata sandi rahasia", b, sizeof b), 0);
	assert_string_not_equal(a, b);
	assert_int_equal(crypto_password_check("kata sandi rahasia", b), 1);
	/* UTF-8 passwords are bytes like any other. */
	assert_int_equal(crypto_password_hash("sandi-\xc3\xa9\xc3\xa9-panjang", a, sizeof a), 0);
	assert_int_equal(crypto_password_check("sandi-\xc3\xa9\xc3\xa9-panjang", a), 1);
	assert_int_equal(crypto_password_check("sandi-ee-panjang", a), 0);
	/* A published password's cheap hash checks the same way, and is outdated. */
	assert_int_equal(crypto_password_hash_public("demo-dpupr-ganti", a, sizeof a), 0);
	assert_int_equal(strncmp(a, "scrypt$N=1024,r=8,p=1$", 22), 0);
	assert_int_equal(crypto_password_check("demo-dpupr-ganti", a), 1);
	assert_int_equal(crypto_password_check("demo-dlh-ganti", a), 0);
	assert_int_equal(crypto_password_outdated(a), 1);
}

static void
test_password_bounds(void **state)
{
	char out[CRYPTO_PASSWORD_MAX];

	(void)state;
	/* Too small a buffer: refused, nothing half written. */
	assert_int_equal(crypto_password_hash("kata sandi rahasia", out, 40), -1);
	assert_string_equal(out, "");
	/* The string's size for new hashes is well inside the bound the store keeps. */
	assert_int_equal(crypto_password_hash("x", out, sizeof out), 0);
	assert_true(strlen(out) < 120);
}

static void
test_password_malformed(void **state)
{
	static const char *const bad[] = {
		"",
		"plain text password",
		"$2y$10$abcdefghijklmnopqrstuv",                          /* bcrypt: not ours */
		"scrypt$N=16384,r=8,p=1$U29kaXVtQ2hsb3JpZGU=",             /* no hash */
		"scrypt$N=16384,r=8,p=1$U29kaXVtQ2hsb3JpZGU=$",            /* empty hash */
		"scrypt$N=16383,r=8,p=1$U29kaXVtQ2hsb3JpZGU=$U29kaXVtQ2hsb3JpZGU=", /* N not 2^k */
		"scrypt$N=016384,r=8,p=1$U29kaXVtQ2hsb3JpZGU=$U29kaXVtQ2hsb3JpZGU=", /* leading 0 */
		"scrypt$N=2097152,r=8,p=1$U29kaXVtQ2hsb3JpZGU=$U29kaXVtQ2hsb3JpZGU=", /* N > 2^20 */
		"scrypt$N=1048576,r=16,p=1$U29kaXVtQ2hsb3JpZGU=$U29kaXVtQ2hsb3JpZGU=", /* 2 GiB */
		"scrypt$N=16384,r=0,p=1$U29kaXVtQ2hsb3JpZGU=$U29kaXVtQ2hsb3JpZGU=",
		"scrypt$N=16384,r=8,p=17$U29kaXVtQ2hsb3JpZGU=$U29kaXVtQ2hsb3JpZGU=",
		"scrypt$N=16384,r=8,p=1$U29kaXVtQ2hsb3JpZGU$U29kaXVtQ2hsb3JpZGU=",  /* bad length */
		"scrypt$N=16384,r=8,p=1$U29k*XVtQ2hsb3JpZGU=$U29kaXVtQ2hsb3JpZGU=", /* bad char */
		"scrypt$N=16384,r=8,p=1$U29k$U29kaXVtQ2hsb3JpZGU=",         /* salt too short */
		"scrypt$N=99999999999999999999999,r=8,p=1$U29kaXVtQ2hsb3JpZGU=$U29kaXVtQ2hsb3JpZGU=",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(crypto_password_check("pleaseletmein", bad[i]), -1);
		assert_int_equal(crypto_password_outdated(bad[i]), -1);
	}
}

static void
test_random_hex(void **state)
{
	char a[65], b[65], big[2 * 100 + 1];
	size_t i;

	(void)state;
	assert_int_equal(crypto_random_hex(a, 32), 0);
	assert_int_equal(crypto_random_hex(b, 32), 0);
	assert_int_equal(strlen(a), 64);
	assert_int_equal(strspn(a, "0123456789abcdef"), 64);
	assert_string_not_equal(a, b);
	/* More than one read's worth: every digit written, the NUL in place. */
	memset(big, 'x', sizeof big);
	assert_int_equal(crypto_random_hex(big, 100), 0);
	assert_int_equal(strlen(big), 200);
	for (i = 0; i < 200; i++)
		assert_non_null(strchr("0123456789abcdef", big[i]));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256),
		cmocka_unit_test(test_hmac_sha256_rfc4231),
		cmocka_unit_test(test_hmac_sha1_rfc2202),
		cmocka_unit_test(test_base64_rfc4648),
		cmocka_unit_test(test_base64_bound),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_cleanse_and_equal),
		cmocka_unit_test(test_password_known_answer),
		cmocka_unit_test(test_password_hash_and_check),
		cmocka_unit_test(test_password_bounds),
		cmocka_unit_test(test_password_malformed),
		cmocka_unit_test(test_random_hex),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
