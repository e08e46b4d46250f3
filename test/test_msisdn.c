/*
 * test_msisdn: sender normalisation as a table.  Each spelling of an Indonesian
 * mobile number becomes the same E.164 string; service senders (names and
 * short codes) are told apart from numbers; everything else is refused with
 * a reason and the output buffer is never overrun.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "sms/msisdn.h"

static const struct {
	const char *in;
	const char *cc;
	enum msisdn_kind want;
	const char *out;        /* for MSISDN_INVALID: "" */
} cases[] = {
	/* Every spelling of one number. */
	{ "081234567890", "62", MSISDN_E164, "+6281234567890" },
	{ "6281234567890", "62", MSISDN_E164, "+6281234567890" },
	{ "+6281234567890", "62", MSISDN_E164, "+6281234567890" },
	{ "+62 812-3456-7890", "62", MSISDN_E164, "+6281234567890" },
	{ "006281234567890", "62", MSISDN_E164, "+6281234567890" },
	{ "0062 812 3456 7890", "62", MSISDN_E164, "+6281234567890" },
	{ "(0812) 3456 7890", "62", MSISDN_E164, "+6281234567890" },
	{ "0812.3456.7890", "62", MSISDN_E164, "+6281234567890" },
	{ "  081234567890\n", "62", MSISDN_E164, "+6281234567890" },
	/* Another default country. */
	{ "09876543210", "91", MSISDN_E164, "+919876543210" },
	{ "919876543210", "91", MSISDN_E164, "+919876543210" },
	/* Foreign numbers keep their own country code. */
	{ "+447911123456", "62", MSISDN_E164, "+447911123456" },
	{ "00447911123456", "62", MSISDN_E164, "+447911123456" },
	/* Landline (Jakarta) and the E.164 limits: 8 and 15 digits. */
	{ "0215551234", "62", MSISDN_E164, "+62215551234" },
	{ "+12345678", "62", MSISDN_E164, "+12345678" },
	{ "+123456789012345", "62", MSISDN_E164, "+123456789012345" },

	/* Service senders: names and short codes, never replied to. */
	{ "TELKOMSEL", "62", MSISDN_ALPHA, "TELKOMSEL" },
	{ "INFO", "62", MSISDN_ALPHA, "INFO" },
	{ " BANK BRI ", "62", MSISDN_ALPHA, "BANK BRI" },
	{ "Tokopedia", "62", MSISDN_ALPHA, "Tokopedia" },
	{ "BRI-Info", "62", MSISDN_ALPHA, "BRI-Info" },
	{ "3Care", "62", MSISDN_ALPHA, "3Care" },
	{ "888", "62", MSISDN_ALPHA, "888" },
	{ "1708", "62", MSISDN_ALPHA, "1708" },
	{ "363", "62", MSISDN_ALPHA, "363" },
	{ "1234567", "62", MSISDN_ALPHA, "1234567" },

	/* Neither. */
	{ "+62", "62", MSISDN_INVALID, "" },
	{ "+", "62", MSISDN_INVALID, "" },
	{ "", "62", MSISDN_INVALID, "" },
	{ "   ", "62", MSISDN_INVALID, "" },
	{ "---", "62", MSISDN_INVALID, "" },
	{ "()", "62", MSISDN_INVALID, "" },
	{ "12345678901234567890", "62", MSISDN_INVALID, "" },
	{ "+12345678901234567890", "62", MSISDN_INVALID, "" },
	{ "62123456789012345678", "62", MSISDN_INVALID, "" },
	{ "+1234567", "62", MSISDN_INVALID, "" },
	{ "62 812+3456", "62", MSISDN_INVALID, "" },
	{ "0812+34567890", "62", MSISDN_INVALID, "" },
	{ "++6281234567890", "62", MSISDN_INVALID, "" },
	{ "81234567890", "62", MSISDN_INVALID, "" },    /* no trunk 0, no cc */
	{ "12345678", "62", MSISDN_INVALID, "" },
	{ "621234567", "62", MSISDN_INVALID, "" },      /* cc form, too short */
	{ "+0812345678", "62", MSISDN_INVALID, "" },
	{ "000812345678", "62", MSISDN_INVALID, "" },
	{ "0812*3456#7890", "62", MSISDN_INVALID, "" },
	{ "081234567890", "", MSISDN_INVALID, "" },     /* no default cc */
	{ "081234567890", "6a", MSISDN_INVALID, "" },
};

static void
test_table(void **state)
{
	char out[MSISDN_MAX], err[128];
	enum msisdn_kind k;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(out, 'x', sizeof(out));
		err[0] = 'x';
		k = msisdn_normalize(cases[i].in, cases[i].cc, out, sizeof(out),
		    err, sizeof(err));
		if (k != cases[i].want || strcmp(out, cases[i].out) != 0)
			print_message("input: \"%s\" cc \"%s\" (err \"%s\")\n",
			    cases[i].in, cases[i].cc, err);
		assert_int_equal(k, cases[i].want);
		assert_string_equal(out, cases[i].out);
		/* Only a refusal carries a reason. */
		if (k == MSISDN_INVALID)
			assert_true(strlen(err) > 0);
		else
			assert_string_equal(err, "");
	}
}

static void
test_reason(void **state)
{
	char out[MSISDN_MAX], err[128];

	(void)state;
	assert_int_equal(msisdn_normalize("12345678", "62", out, sizeof(out), err,
	    sizeof(err)), MSISDN_INVALID);
	assert_string_equal(err, "not a phone number in a known form");
	/* A small error buffer is cut, not overrun. */
	assert_int_equal(msisdn_normalize("+62", "62", out, sizeof(out), err, 4),
	    MSISDN_INVALID);
	assert_int_equal(strlen(err), 3);
	assert_int_equal(msisdn_normalize("+62", "62", out, sizeof(out), NULL, 0),
	    MSISDN_INVALID);
	assert_int_equal(msisdn_normalize(NULL, "62", out, sizeof(out), err,
	    sizeof(err)), MSISDN_INVALID);
}

/* A guard byte after the buffer shows any write past outsz. */
static void
test_small_output(void **state)
{
	char buf[32], err[128];
	size_t sz;

	(void)state;
	/* "+6281234567890" needs 15 bytes with its NUL. */
	for (sz = 0; sz < 15; sz++) {
		memset(buf, '!', sizeof(buf));
		if (msisdn_normalize("081234567890", "62", buf, sz, err,
		    sizeof(err)) != MSISDN_INVALID)
			print_message("outsz %zu\n", sz);
		assert_int_equal(msisdn_normalize("081234567890", "62", buf, sz,
		    err, sizeof(err)), MSISDN_INVALID);
		assert_int_equal(buf[sz], '!');
	}
	memset(buf, '!', sizeof(buf));
	assert_int_equal(msisdn_normalize("081234567890", "62", buf, 15, err,
	    sizeof(err)), MSISDN_E164);
	assert_string_equal(buf, "+6281234567890");
	assert_int_equal(buf[15], '!');

	/* An alphanumeric sender is cut to fit, on a character boundary. */
	memset(buf, '!', sizeof(buf));
	assert_int_equal(msisdn_normalize("TELKOMSEL", "62", buf, 5, err,
	    sizeof(err)), MSISDN_ALPHA);
	assert_string_equal(buf, "TELK");
	assert_int_equal(buf[5], '!');
	assert_int_equal(msisdn_normalize("AB\xC3\xA9", "62", buf, 4, err,
	    sizeof(err)), MSISDN_ALPHA);
	assert_string_equal(buf, "AB");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_reason),
		cmocka_unit_test(test_small_output),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
