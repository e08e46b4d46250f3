/*
 * test_pii: pii_mask() on a table of texts as citizens write them: phone
 * and identity numbers in every form people type are masked, ordinary
 * numbers (tickets, RT/RW, years, amounts, house numbers) are kept, and
 * the reporter's own number is hidden however it was split.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sms/pii.h"
#include "util/util.h"

#define REPORTER "+6281234567890"

struct pii_case {
	const char *text;
	const char *reporter;   /* NULL: none */
	const char *want;
};

static const struct pii_case masked[] = {
	{ "hubungi 081234567890", NULL, "hubungi ***" },
	{ "hubungi (0812) 3456-7890 ya", NULL, "hubungi *** ya" },
	{ "(08123456789)", NULL, "***" },
	{ "0812/3456/7890", NULL, "***" },
	{ "0812_3456_7890", NULL, "***" },
	{ "telp 0812   3456    7890", NULL, "telp ***" },
	{ "0812-3456-7890", NULL, "***" },
	{ "0812 - 3456 - 7890", NULL, "***" },
	{ "0812.3456.7890", NULL, "***" },
	{ "tanpa nol 8123456789 ya", NULL, "tanpa nol *** ya" },
	{ "812345678", NULL, "***" },
	{ "+6281234567890", NULL, "***" },
	{ "6281234567890", NULL, "***" },
	{ "+62 812-3456-7890", NULL, "***" },
	{ "+62 (812) 3456 7890", NULL, "***" },
	{ "62-812-3456-7890", NULL, "***" },
	{ "hubungi0812345678", NULL, "hubungi***" },
	{ "WA:081234567890.", NULL, "WA:***." },
	{ "telp 0812-3456-789ya", NULL, "telp ***ya" },
	{ "0 8 1 2 3 4 5 6 7 8 9", NULL, "***" },
	/* full-width digits and separators */
	{ "\xef\xbc\x90\xef\xbc\x98\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93\xef\xbc\x94"
	  "\xef\xbc\x95\xef\xbc\x96\xef\xbc\x97\xef\xbc\x98\xef\xbc\x99\xef\xbc\x90", NULL, "***" },
	{ "\xef\xbc\x90\xef\xbc\x98\xef\xbc\x91\xef\xbc\x92-3456-7890", NULL, "***" },
	{ "\xef\xbc\x8b\xef\xbc\x96\xef\xbc\x92 812\xef\xbc\x8d" "3456\xef\xbc\x8d" "7890", NULL,
	  "***" },
	{ "0812\xe3\x80\x80" "3456\xe3\x80\x80" "7890", NULL, "***" },         /* U+3000 */
	{ "0812\xc2\xa0" "3456\xc2\xa0" "7890", NULL, "***" },                 /* NBSP */
	{ "0812\xe2\x80\x8b" "3456" "\xe2\x80\x8b" "7890", NULL, "***" },      /* ZWSP */
	/* Arabic-Indic */
	{ "\xd9\xa0\xd9\xa8\xd9\xa1\xd9\xa2\xd9\xa3\xd9\xa4\xd9\xa5\xd9\xa6\xd9\xa7\xd9\xa8\xd9\xa9",
	  NULL, "***" },
	/* landlines */
	{ "kantor (024) 7654321", NULL, "kantor ***" },
	{ "024765432", NULL, "***" },
	{ "+1 415 555 2671", NULL, "***" },
	/* identity numbers */
	{ "NIK 3374012345670001", NULL, "NIK ***" },
	{ "NIK: 3374 0123 4567 0001.", NULL, "NIK: ***." },
	{ "KK 3374-0123-4567-0001", NULL, "KK ***" },
	/* the reporter's own number, however it was split */
	{ "nomor 0812 lalu 3456 lalu 7890", REPORTER, "nomor ***" },
	{ "0812x3456x7890", REPORTER, "***" },
	{ "no saya O81234567890", REPORTER, "no saya O***" },
	{ "sms ke 0812 34 56 78 90 ya", REPORTER, "sms ke *** ya" },
};

static const struct pii_case kept[] = {
	{ "tiket 48219303", NULL, NULL },
	{ "STATUS 4821 9303", NULL, NULL },
	{ "cek 4821-9303", NULL, NULL },
	{ "RT 05 RW 03", NULL, NULL },
	{ "RT 05/RW 03", NULL, NULL },
	{ "sudah 2 minggu", NULL, NULL },
	{ "sejak 2019", NULL, NULL },
	{ "Jl. Pemuda 123", NULL, NULL },
	{ "Jl. Pemuda No. 123A depan SMP 3", NULL, NULL },
	{ "Rp 125.000.000", NULL, NULL },
	{ "kerugian Rp 15.000.000.000", NULL, NULL },
	{ "retak 125.000.000 rupiah", NULL, NULL },
	{ "tanggal 12/03/2026", NULL, NULL },
	{ "jam 08.30 pagi", NULL, NULL },
	{ "lubang 3 meter, 2 buah", NULL, NULL },
	{ "KM 12.5", NULL, NULL },
	{ "kode pos 50275", NULL, NULL },
	{ "tiket 48219303 sudah 2 minggu", REPORTER, NULL },
	{ "", NULL, NULL },
	{ "tanpa angka sama sekali", REPORTER, NULL },
};

static void
test_phone_and_id_numbers_are_masked_in_every_form(void **state)
{
	size_t i;
	int bad = 0;

	(void)state;
	for (i = 0; i < ARRAY_LEN(masked); i++) {
		char *got = pii_mask(masked[i].text, masked[i].reporter);

		if (strcmp(got, masked[i].want) != 0) {
			print_error("case %zu: pii_mask(\"%s\")\n  expected \"%s\"\n  got      \"%s\"\n",
			    i, masked[i].text, masked[i].want, got);
			bad++;
		}
		free(got);
	}
	assert_int_equal(bad, 0);
	assert_true(ARRAY_LEN(masked) >= 25);
}

static void
test_ordinary_numbers_are_kept(void **state)
{
	size_t i;
	int bad = 0;

	(void)state;
	for (i = 0; i < ARRAY_LEN(kept); i++) {
		char *got = pii_mask(kept[i].text, kept[i].reporter);

		if (strcmp(got, kept[i].text) != 0) {
			print_error("case %zu: pii_mask(\"%s\") changed it to \"%s\"\n", i,
			    kept[i].text, got);
			bad++;
		}
		free(got);
	}
	assert_int_equal(bad, 0);
}

/* However the reporter's number hides in a text, its digits never come out. */
static void
test_the_reporters_number_never_comes_out(void **state)
{
	static const char *const texts[] = {
		"a0b8c1d2e3f4g5h6i7j8k9l0m", "0812-34-567-890", "+62 812 345 678 90",
		"nomor: 62 812 3456 7890 (WA)", "81234567890", "sms 0812 3456 7890 / 0812 3456 7890",
	};
	size_t i, j, n;
	char digits[256], *got;

	(void)state;
	for (i = 0; i < ARRAY_LEN(texts); i++) {
		got = pii_mask(texts[i], REPORTER);
		for (j = 0, n = 0; got[j] != '\0' && n + 1 < sizeof digits; j++)
			if (got[j] >= '0' && got[j] <= '9')
				digits[n++] = got[j];
		digits[n] = '\0';
		if (strstr(digits, "234567890") != NULL)
			fail_msg("pii_mask(\"%s\") = \"%s\" still holds the reporter's digits",
			    texts[i], got);
		free(got);
	}
	assert_null(pii_mask(NULL, REPORTER));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_phone_and_id_numbers_are_masked_in_every_form),
		cmocka_unit_test(test_ordinary_numbers_are_kept),
		cmocka_unit_test(test_the_reporters_number_never_comes_out),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
