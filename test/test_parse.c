/*
 * test_parse: the SMS grammar of DESIGN.md ("Message grammar") as a table.
 * Each row is one message and everything sms_parse() must make of it; then
 * hostile input (random bytes, 10 KB of '#', fragments) must never crash
 * and must always give slices inside the text.
 *
 * In the inputs, an X right after a digit stands for the correct Damm check
 * digit of the seven digits before it and a Y for a wrong one, so that no
 * row carries a magic ticket number.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "sms/parse.h"

#define NBSP    "\xC2\xA0"
#define EMOJI   "\xF0\x9F\x98\x80"

#define OK      TICKET_READ_OK
#define TYPO    TICKET_READ_MISTYPED
#define BAD     TICKET_READ_MALFORMED
#define NONE    TICKET_READ_NONE
#define ID      LANG_ID
#define EN      LANG_EN
#define ANY     LANG_NONE

/*
 * A slice column holds NULL when the slice must be unused ({NULL, 0}),
 * else its exact text.  Complaints are structured when keyword is set.
 */
static const struct row {
	const char *in;
	enum sms_cmd cmd;
	enum lang lang;
	const char *word;
	enum ticket_read ts;
	const char *ticket;
	const char *note;
	const char *body, *keyword, *location, *description;
} rows[] = {
	/* Help: INFO / BANTUAN / HELP / empty, and a prefix alone. */
	{ "", SMS_HELP, ANY, "", NONE, "", NULL, NULL, NULL, NULL, NULL },
	{ " \t\r\n ", SMS_HELP, ANY, "", NONE, "", NULL, NULL, NULL, NULL, NULL },
	{ NBSP " " NBSP, SMS_HELP, ANY, "", NONE, "", NULL, NULL, NULL, NULL, NULL },
	{ "INFO", SMS_HELP, ANY, "INFO", NONE, "", NULL, NULL, NULL, NULL, NULL },
	{ "info?", SMS_HELP, ANY, "INFO", NONE, "", NULL, NULL, NULL, NULL, NULL },
	{ "BANTUAN", SMS_HELP, ID, "BANTUAN", NONE, "", NULL, NULL, NULL, NULL, NULL },
	{ "Bantuan dong", SMS_HELP, ID, "BANTUAN", NONE, "", NULL, NULL, NULL, NULL, NULL },
	{ "HELP", SMS_HELP, EN, "HELP", NONE, "", NULL, NULL, NULL, NULL, NULL },
	/* A command word opening a sentence (3+ words after it) is a complaint. */
	{ "Mulai kemarin air PDAM mati", SMS_COMPLAINT, ANY, "", NONE, "", NULL,
	  "Mulai kemarin air PDAM mati", NULL, NULL, NULL },
	{ "Berhenti di tengah jalan, angkot ngetem", SMS_COMPLAINT, ANY, "", NONE, "", NULL,
	  "Berhenti di tengah jalan, angkot ngetem", NULL, NULL, NULL },
	{ "Bantuan sosial belum cair", SMS_COMPLAINT, ANY, "", NONE, "", NULL,
	  "Bantuan sosial belum cair", NULL, NULL, NULL },
	{ "STOP kirim sms", SMS_STOP, EN, "STOP", NONE, "", NULL, NULL, NULL, NULL, NULL },
	{ "mulai lagi", SMS_START, ID, "MULAI", NONE, "", NULL, NULL, NULL, NULL, NULL },
	/* BAHASA / LANGUAGE: the reply language. */
	{ "BAHASA EN", SMS_LANG, ID, "BAHASA", NONE, "", NULL, NULL, NULL, NULL, NULL },
	{ "bahasa inggris", SMS_LANG, ID, "BAHASA", NONE, "", NULL, NULL, NULL, NULL, NULL },
	{ "LANGUAGE ID", SMS_LANG, EN, "LANGUAGE", NONE, "", NULL, NULL, NULL, NULL, NULL },
	{ "BAHASA", SMS_LANG, ID, "BAHASA", NONE, "", NULL, NULL, NULL, NULL, NULL },
	{ "Bahasa petugas di kantor camat kasar", SMS_COMPLAINT, ANY, "", NONE, "", NULL,
	  "Bahasa petugas di kantor camat kasar", NULL, NULL, NULL },
	{ "help me please", SMS_HELP, EN, "HELP", NONE, "", NULL, NULL, NULL, NULL, NULL },
	{ "LAPOR", SMS_HELP, ID, "LAPOR", NONE, "", NULL, NULL, NULL, NULL, NULL },
	{ "lapor.", SMS_HELP, ID, "LAPOR", NONE, "", NULL, NULL, NULL, NULL, NULL },
	{ "LAPOR#", SMS_HELP, ID, "LAPOR", NONE, "", NULL, NULL, NULL, NULL, NULL },
	{ "ADUAN  ", SMS_HELP, ID, "ADUAN", NONE, "", NULL, NULL, NULL, NULL, NULL },
	{ "Report", SMS_HELP, EN, "REPORT", NONE, "", NULL, NULL, NULL, NULL, NULL },

	/* Notifications off and on; whatever follows is ignored. */
	{ "STOP", SMS_STOP, EN, "STOP", NONE, "", NULL, NULL, NULL, NULL, NULL },
	{ "stop.", SMS_STOP, EN, "STOP", NONE, "", NULL, NULL, NULL, NULL, NULL },
	{ "Stop kirim sms", SMS_STOP, EN, "STOP", NONE, "", NULL, NULL, NULL, NULL, NULL },
	{ "BERHENTI", SMS_STOP, ID, "BERHENTI", NONE, "", NULL, NULL, NULL, NULL, NULL },
	{ "berhenti!", SMS_STOP, ID, "BERHENTI", NONE, "", NULL, NULL, NULL, NULL, NULL },
	/* UNREG, the operators' unsubscribe word, with or without the service's keyword. */
	{ "UNREG", SMS_STOP, ANY, "UNREG", NONE, "", NULL, NULL, NULL, NULL, NULL },
	{ "unreg lapor", SMS_STOP, ANY, "UNREG", NONE, "", NULL, NULL, NULL, NULL, NULL },
	{ "UNREG ADUAN 1708", SMS_STOP, ANY, "UNREG", NONE, "", NULL, NULL, NULL, NULL, NULL },
	{ "UNREG#LAPOR", SMS_STOP, ANY, "UNREG", NONE, "", NULL, NULL, NULL, NULL, NULL },
	{ "Unreg.", SMS_STOP, ANY, "UNREG", NONE, "", NULL, NULL, NULL, NULL, NULL },
	{ "MULAI", SMS_START, ID, "MULAI", NONE, "", NULL, NULL, NULL, NULL, NULL },
	{ "mulai lagi", SMS_START, ID, "MULAI", NONE, "", NULL, NULL, NULL, NULL, NULL },
	{ "START", SMS_START, EN, "START", NONE, "", NULL, NULL, NULL, NULL, NULL },
	{ "*Start*", SMS_START, EN, "START", NONE, "", NULL, NULL, NULL, NULL, NULL },

	/* Status: every accepted spelling of the ticket. */
	{ "STATUS 4821930X", SMS_STATUS, ANY, "STATUS", OK, "4821930X", NULL, NULL, NULL, NULL, NULL },
	{ "CEK 4821 930X", SMS_STATUS, ID, "CEK", OK, "4821930X", NULL, NULL, NULL, NULL, NULL },
	{ "STATUS #4821930X", SMS_STATUS, ANY, "STATUS", OK, "4821930X", NULL, NULL, NULL, NULL, NULL },
	{ "status:4821930X", SMS_STATUS, ANY, "STATUS", OK, "4821930X", NULL, NULL, NULL, NULL, NULL },
	{ "Cek 4821-930X", SMS_STATUS, ID, "CEK", OK, "4821930X", NULL, NULL, NULL, NULL, NULL },
	{ "STATUS#4821930X", SMS_STATUS, ANY, "STATUS", OK, "4821930X", NULL, NULL, NULL, NULL, NULL },
	{ "CEK:4821930X", SMS_STATUS, ID, "CEK", OK, "4821930X", NULL, NULL, NULL, NULL, NULL },
	{ "cek-4821-930X", SMS_STATUS, ID, "CEK", OK, "4821930X", NULL, NULL, NULL, NULL, NULL },
	{ "STATUS: 4821930X", SMS_STATUS, ANY, "STATUS", OK, "4821930X", NULL, NULL, NULL, NULL, NULL },
	{ "St\xC3\xA1tus 4821930X", SMS_STATUS, ANY, "STATUS", OK, "4821930X", NULL, NULL, NULL, NULL, NULL },
	{ "*cek* 48 21 93 0X", SMS_STATUS, ID, "CEK", OK, "4821930X", NULL, NULL, NULL, NULL, NULL },
	{ "cek" NBSP "4821930X", SMS_STATUS, ID, "CEK", OK, "4821930X", NULL, NULL, NULL, NULL, NULL },
	{ "  STATUS \t 4821930X \n", SMS_STATUS, ANY, "STATUS", OK, "4821930X", NULL, NULL, NULL, NULL, NULL },
	{ "STATUS : 4821930X", SMS_STATUS, ANY, "STATUS", OK, "4821930X", NULL, NULL, NULL, NULL, NULL },
	{ "CEK # 4821 930X", SMS_STATUS, ID, "CEK", OK, "4821930X", NULL, NULL, NULL, NULL, NULL },
	{ "STATUS##4821930X", SMS_STATUS, ANY, "STATUS", OK, "4821930X", NULL, NULL, NULL, NULL, NULL },
	{ "STATUS 4821930X terima kasih", SMS_STATUS, ANY, "STATUS", OK, "4821930X", NULL, NULL, NULL, NULL, NULL },
	{ "STATUS 4821930Y", SMS_STATUS, ANY, "STATUS", TYPO, "4821930Y", NULL, NULL, NULL, NULL, NULL },
	{ "CEK 4821 930Y", SMS_STATUS, ID, "CEK", TYPO, "4821930Y", NULL, NULL, NULL, NULL, NULL },
	{ "STATUS 4821930", SMS_STATUS, ANY, "STATUS", BAD, "4821930", NULL, NULL, NULL, NULL, NULL },
	{ "STATUS 482193012", SMS_STATUS, ANY, "STATUS", BAD, "48219301", NULL, NULL, NULL, NULL, NULL },
	{ "STATUS", SMS_STATUS, ANY, "STATUS", NONE, "", NULL, NULL, NULL, NULL, NULL },
	{ "STATUS ", SMS_STATUS, ANY, "STATUS", NONE, "", NULL, NULL, NULL, NULL, NULL },
	{ "CEK#", SMS_STATUS, ID, "CEK", NONE, "", NULL, NULL, NULL, NULL, NULL },
	{ "status tiket saya", SMS_STATUS, ANY, "STATUS", NONE, "", NULL, NULL, NULL, NULL, NULL },
	/* Filler words between the command and the number are skipped. */
	{ "CEK STATUS 4821930X", SMS_STATUS, ID, "CEK", OK, "4821930X", NULL, NULL, NULL, NULL, NULL },
	{ "STATUS TIKET 4821930X", SMS_STATUS, ANY, "STATUS", OK, "4821930X", NULL, NULL, NULL, NULL, NULL },
	{ "cek no. tiket 4821-930X", SMS_STATUS, ID, "CEK", OK, "4821930X", NULL, NULL, NULL, NULL, NULL },
	{ "CEK STATUS", SMS_STATUS, ID, "CEK", NONE, "", NULL, NULL, NULL, NULL, NULL },
	/* A command word opening ordinary prose, with no number: a complaint. */
	{ "Status jalan rusak di depan pasar", SMS_COMPLAINT, ANY, "", NONE, "", NULL,
	  "Status jalan rusak di depan pasar", NULL, NULL, NULL },
	{ "Cek jalan rusak depan SD 2", SMS_COMPLAINT, ANY, "", NONE, "", NULL,
	  "Cek jalan rusak depan SD 2", NULL, NULL, NULL },
	{ "Info: ada pohon tumbang", SMS_COMPLAINT, ANY, "", NONE, "", NULL,
	  "Info: ada pohon tumbang", NULL, NULL, NULL },
	{ "help me please", SMS_HELP, EN, "HELP", NONE, "", NULL, NULL, NULL, NULL, NULL },

	/* Add information: the note is what follows the ticket. */
	{ "TAMBAH 4821930X sudah 2 minggu", SMS_ADD, ID, "TAMBAH", OK, "4821930X",
	  "sudah 2 minggu", NULL, NULL, NULL, NULL },
	{ "ADD 4821 930X still broken", SMS_ADD, EN, "ADD", OK, "4821930X",
	  "still broken", NULL, NULL, NULL, NULL },
	{ "TAMBAH 4821930X", SMS_ADD, ID, "TAMBAH", OK, "4821930X", "", NULL, NULL, NULL, NULL },
	{ "tambah #4821930X: lubang makin besar #darurat ", SMS_ADD, ID, "TAMBAH", OK,
	  "4821930X", "lubang makin besar #darurat", NULL, NULL, NULL, NULL },
	{ "Tambah:4821930X-sudah 3 hari", SMS_ADD, ID, "TAMBAH", OK, "4821930X",
	  "sudah 3 hari", NULL, NULL, NULL, NULL },
	{ "TAMBAH 4821930Y sudah", SMS_ADD, ID, "TAMBAH", TYPO, "4821930Y", "sudah",
	  NULL, NULL, NULL, NULL },
	{ "TAMBAH 12345 sudah", SMS_ADD, ID, "TAMBAH", BAD, "12345", "sudah",
	  NULL, NULL, NULL, NULL },
	{ "TAMBAH sudah 2 minggu", SMS_ADD, ID, "TAMBAH", NONE, "", "sudah 2 minggu",
	  NULL, NULL, NULL, NULL },
	{ "TAMBAH", SMS_ADD, ID, "TAMBAH", NONE, "", "", NULL, NULL, NULL, NULL },

	/* Withdraw. */
	{ "BATAL 4821930X", SMS_CANCEL, ID, "BATAL", OK, "4821930X", NULL, NULL, NULL, NULL, NULL },
	{ "batal 4821930X sudah diperbaiki", SMS_CANCEL, ID, "BATAL", OK, "4821930X",
	  NULL, NULL, NULL, NULL, NULL },
	{ "CANCEL #4821-930X", SMS_CANCEL, EN, "CANCEL", OK, "4821930X", NULL, NULL, NULL, NULL, NULL },
	{ "BATAL 4821930Y", SMS_CANCEL, ID, "BATAL", TYPO, "4821930Y", NULL, NULL, NULL, NULL, NULL },
	{ "Batal", SMS_CANCEL, ID, "BATAL", NONE, "", NULL, NULL, NULL, NULL, NULL },

	/* Complaints: keyword first, with or without a prefix. */
	{ "JALAN Jl. Pemuda depan SMP 3 berlubang", SMS_COMPLAINT, ANY, "", NONE, "", NULL,
	  "JALAN Jl. Pemuda depan SMP 3 berlubang", NULL, NULL, NULL },
	{ "LAPOR JALAN Jl. Pemuda depan SMP 3 berlubang", SMS_COMPLAINT, ID, "LAPOR", NONE, "",
	  NULL, "JALAN Jl. Pemuda depan SMP 3 berlubang", NULL, NULL, NULL },
	{ "  lapor:  jalan rusak  ", SMS_COMPLAINT, ID, "LAPOR", NONE, "", NULL,
	  "jalan rusak", NULL, NULL, NULL },
	{ "ADUAN sampah menumpuk", SMS_COMPLAINT, ID, "ADUAN", NONE, "", NULL,
	  "sampah menumpuk", NULL, NULL, NULL },
	{ "REPORT ROAD pothole on Jl. Pemuda", SMS_COMPLAINT, EN, "REPORT", NONE, "", NULL,
	  "ROAD pothole on Jl. Pemuda", NULL, NULL, NULL },
	/* A command word after a prefix is just text of the complaint. */
	{ "LAPOR STATUS jalan", SMS_COMPLAINT, ID, "LAPOR", NONE, "", NULL,
	  "STATUS jalan", NULL, NULL, NULL },

	/* Structured: KEYWORD#LOCATION#TEXT, KEYWORD#TEXT. */
	{ "JALAN#Tembalang#lubang besar depan SD 2", SMS_COMPLAINT, ANY, "", NONE, "", NULL,
	  "JALAN#Tembalang#lubang besar depan SD 2", "JALAN", "Tembalang",
	  "lubang besar depan SD 2" },
	{ "JALAN # Tembalang # lubang besar ", SMS_COMPLAINT, ANY, "", NONE, "", NULL,
	  "JALAN # Tembalang # lubang besar", "JALAN", "Tembalang", "lubang besar" },
	{ "JALAN#lubang", SMS_COMPLAINT, ANY, "", NONE, "", NULL,
	  "JALAN#lubang", "JALAN", NULL, "lubang" },
	{ "JALAN#Jl. Pemuda#lubang #2 makin besar", SMS_COMPLAINT, ANY, "", NONE, "", NULL,
	  "JALAN#Jl. Pemuda#lubang #2 makin besar", "JALAN", "Jl. Pemuda",
	  "lubang #2 makin besar" },
	{ "JALAN#Tembalang#", SMS_COMPLAINT, ANY, "", NONE, "", NULL,
	  "JALAN#Tembalang#", "JALAN", "Tembalang", "" },
	{ "LAPOR#JALAN#Tembalang#lubang", SMS_COMPLAINT, ID, "LAPOR", NONE, "", NULL,
	  "JALAN#Tembalang#lubang", "JALAN", "Tembalang", "lubang" },
	{ "LAPOR JALAN#Tembalang#lubang", SMS_COMPLAINT, ID, "LAPOR", NONE, "", NULL,
	  "JALAN#Tembalang#lubang", "JALAN", "Tembalang", "lubang" },
	{ "LAPOR # JALAN # Tembalang # lubang", SMS_COMPLAINT, ID, "LAPOR", NONE, "", NULL,
	  "JALAN # Tembalang # lubang", "JALAN", "Tembalang", "lubang" },
	{ "LAPOR - jalan rusak", SMS_COMPLAINT, ID, "LAPOR", NONE, "", NULL,
	  "jalan rusak", NULL, NULL, NULL },
	{ "lapor :", SMS_HELP, ID, "LAPOR", NONE, "", NULL, NULL, NULL, NULL, NULL },
	{ "REPORT ROAD#Tembalang#pothole", SMS_COMPLAINT, EN, "REPORT", NONE, "", NULL,
	  "ROAD#Tembalang#pothole", "ROAD", "Tembalang", "pothole" },

	/* Free text: routing searches it. */
	{ "lampu jalan mati sejak seminggu", SMS_COMPLAINT, ANY, "", NONE, "", NULL,
	  "lampu jalan mati sejak seminggu", NULL, NULL, NULL },
	{ "jalan rusak #tembalang", SMS_COMPLAINT, ANY, "", NONE, "", NULL,
	  "jalan rusak #tembalang", NULL, NULL, NULL },
	{ "#JALAN#lubang", SMS_COMPLAINT, ANY, "", NONE, "", NULL,
	  "#JALAN#lubang", NULL, NULL, NULL },
	{ "e-KTP belum jadi", SMS_COMPLAINT, ANY, "", NONE, "", NULL,
	  "e-KTP belum jadi", NULL, NULL, NULL },
	{ "Laporan jalan rusak", SMS_COMPLAINT, ANY, "", NONE, "", NULL,
	  "Laporan jalan rusak", NULL, NULL, NULL },
	{ "#", SMS_COMPLAINT, ANY, "", NONE, "", NULL, "#", NULL, NULL, NULL },
	{ "...", SMS_COMPLAINT, ANY, "", NONE, "", NULL, "...", NULL, NULL, NULL },
	{ EMOJI, SMS_COMPLAINT, ANY, "", NONE, "", NULL, EMOJI, NULL, NULL, NULL },
	{ EMOJI " " EMOJI EMOJI, SMS_COMPLAINT, ANY, "", NONE, "", NULL,
	  EMOJI " " EMOJI EMOJI, NULL, NULL, NULL },
};

/* Replaces each X / Y that follows a digit by the right / a wrong check digit. */
static void
expand(const char *src, char *dst, size_t dstsz)
{
	char digits[64];
	size_t i, nd = 0;
	int d;

	assert_true(strlen(src) < dstsz);
	for (i = 0; src[i] != '\0'; i++) {
		dst[i] = src[i];
		if ((src[i] == 'X' || src[i] == 'Y') && i > 0 &&
		    src[i - 1] >= '0' && src[i - 1] <= '9' && nd >= 7) {
			d = ticket_damm(digits + nd - 7, 7);
			if (src[i] == 'Y')
				d = (d + 1) % 10;
			dst[i] = (char)('0' + d);
		}
		if (dst[i] >= '0' && dst[i] <= '9' && nd < sizeof(digits))
			digits[nd++] = dst[i];
	}
	dst[i] = '\0';
}

/* Checks one slice against its column; false (after a message) on mismatch. */
static int
slice_is(const char *name, const char *text, size_t len, struct sms_slice sl,
    const char *want)
{
	if (want == NULL) {
		if (sl.p == NULL && sl.len == 0)
			return 1;
		print_message("%s: want unused, got \"%.*s\"\n", name, (int)sl.len,
		    sl.p != NULL ? sl.p : "");
		return 0;
	}
	if (sl.p == NULL || sl.p < text || sl.p + sl.len > text + len) {
		print_message("%s: want \"%s\", got a slice outside the text\n", name, want);
		return 0;
	}
	if (sl.len != strlen(want) || memcmp(sl.p, want, sl.len) != 0) {
		print_message("%s: want \"%s\", got \"%.*s\"\n", name, want, (int)sl.len,
		    sl.p);
		return 0;
	}
	return 1;
}

static void
check_row(const struct row *r)
{
	char in[256], ticket[32];
	struct sms_command c;
	size_t len;
	int ok = 1;

	expand(r->in, in, sizeof(in));
	expand(r->ticket, ticket, sizeof(ticket));
	len = strlen(in);
	sms_parse(in, len, &c);

	if (c.cmd != r->cmd || c.lang != r->lang || strcmp(c.word, r->word) != 0 ||
	    c.ticket_state != r->ts || strcmp(c.ticket, ticket) != 0)
		ok = 0;
	ok &= slice_is("note", in, len, c.note, r->note);
	ok &= slice_is("body", in, len, c.body, r->body);
	ok &= slice_is("keyword", in, len, c.keyword, r->keyword);
	ok &= slice_is("location", in, len, c.location, r->location);
	ok &= slice_is("description", in, len, c.description, r->description);
	if (c.structured != (r->keyword != NULL))
		ok = 0;
	if (!ok)
		print_message("input: \"%s\"\n", in);
	assert_int_equal(c.cmd, r->cmd);
	assert_int_equal(c.lang, r->lang);
	assert_string_equal(c.word, r->word);
	assert_int_equal(c.ticket_state, r->ts);
	assert_string_equal(c.ticket, ticket);
	assert_int_equal(c.structured, r->keyword != NULL);
	assert_true(ok);
}

static void
test_grammar_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		check_row(&rows[i]);
}

/* Spelled out once without the X convention: the worked example of DESIGN.md. */
static void
test_literal_ticket(void **state)
{
	char t[TICKET_DIGITS + 1], in[64];
	struct sms_command c;
	int d;

	(void)state;
	d = ticket_damm("4821930", 7);
	snprintf(t, sizeof(t), "4821930%d", d);
	snprintf(in, sizeof(in), "CEK %.4s %.4s", t, t + 4);
	sms_parse(in, strlen(in), &c);
	assert_int_equal(c.cmd, SMS_STATUS);
	assert_int_equal(c.lang, LANG_ID);
	assert_int_equal(c.ticket_state, TICKET_READ_OK);
	assert_string_equal(c.ticket, t);
	/* "48219307" itself, as DESIGN.md writes it, has a wrong check digit. */
	if (d != 7) {
		sms_parse("STATUS 48219307", 15, &c);
		assert_int_equal(c.ticket_state, TICKET_READ_MISTYPED);
	}
}

/* The result is sane whatever the input: enums in range, slices in the text. */
static void
check_sane(const char *text, size_t len)
{
	struct sms_command c;
	const struct sms_slice *sl[5];
	size_t i;

	memset(&c, 0x5A, sizeof(c));
	sms_parse(text, len, &c);
	assert_in_range(c.cmd, SMS_COMPLAINT, SMS_START);
	/* cmocka's ranges are unsigned: LANG_NONE is -1. */
	assert_true(c.lang == LANG_NONE || c.lang == LANG_ID || c.lang == LANG_EN);
	assert_in_range(c.ticket_state, TICKET_READ_OK, TICKET_READ_NONE);
	assert_true(memchr(c.word, '\0', sizeof(c.word)) != NULL);
	assert_true(memchr(c.ticket, '\0', sizeof(c.ticket)) != NULL);
	assert_in_range(c.structured, 0, 1);
	sl[0] = &c.body;
	sl[1] = &c.keyword;
	sl[2] = &c.location;
	sl[3] = &c.description;
	sl[4] = &c.note;
	for (i = 0; i < 5; i++) {
		if (sl[i]->p == NULL) {
			assert_int_equal(sl[i]->len, 0);
			continue;
		}
		assert_true(sl[i]->p >= text && sl[i]->p + sl[i]->len <= text + len);
	}
}

/* xorshift32: the same "random" messages on every run. */
static uint32_t
next_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void
test_random_bytes(void **state)
{
	static char buf[512];
	uint32_t seed = 0x12345678;
	size_t i, j, len;

	(void)state;
	for (i = 0; i < 20000; i++) {
		len = next_rand(&seed) % sizeof(buf);
		for (j = 0; j < len; j++) {
			do
				buf[j] = (char)(next_rand(&seed) & 0xFF);
			while (buf[j] == '\0');
		}
		check_sane(buf, len);
	}
}

/* Random messages from the grammar's own pieces reach the deep paths. */
static void
test_random_tokens(void **state)
{
	static const char *const tok[] = {
		"STATUS", "cek", "TAMBAH", "batal", "LAPOR", "report", "INFO",
		"stop", "#", "##", "-", ":", " ", "  ", "\t", NBSP, "4821", "930",
		"12345678", "0", "JALAN", "\xC3\xA9", EMOJI, "\xE2\x80\x9C", ".",
		"\xC3", "\x80", "\n",
	};
	static char buf[512];
	uint32_t seed = 0xCAFEF00D;
	size_t i, j, n, len, tl;

	(void)state;
	for (i = 0; i < 20000; i++) {
		n = next_rand(&seed) % 12;
		len = 0;
		for (j = 0; j < n; j++) {
			const char *t = tok[next_rand(&seed) % (sizeof(tok) / sizeof(tok[0]))];

			tl = strlen(t);
			if (len + tl >= sizeof(buf))
				break;
			memcpy(buf + len, t, tl);
			len += tl;
		}
		check_sane(buf, len);
	}
}

static void
test_hostile(void **state)
{
	static char big[10 * 1024];
	struct sms_command c;

	(void)state;
	memset(big, '#', sizeof(big));
	check_sane(big, sizeof(big));
	sms_parse(big, sizeof(big), &c);
	assert_int_equal(c.cmd, SMS_COMPLAINT);
	assert_int_equal(c.structured, 0);
	assert_int_equal(c.body.len, sizeof(big));

	memset(big, ' ', sizeof(big));
	check_sane(big, sizeof(big));
	sms_parse(big, sizeof(big), &c);
	assert_int_equal(c.cmd, SMS_HELP);

	memcpy(big, "STATUS ", 7);
	memset(big + 7, '1', sizeof(big) - 7);
	check_sane(big, sizeof(big));
	sms_parse(big, sizeof(big), &c);
	assert_int_equal(c.cmd, SMS_STATUS);
	assert_int_equal(c.ticket_state, TICKET_READ_MALFORMED);

	memset(big, 'A', sizeof(big));
	check_sane(big, sizeof(big));
	memcpy(big, "JALAN#", 6);
	check_sane(big, sizeof(big));

	check_sane("#", 1);
	check_sane("STATUS", 6);
	check_sane("STATUS ", 7);
	check_sane("TAMBAH 48219307", 15);
	check_sane(EMOJI EMOJI EMOJI, 12);
	check_sane(NULL, 0);
	check_sane("x", 0);
	/* A NUL inside the word must not make it a command. */
	sms_parse("STOP\0x", 6, &c);
	assert_int_equal(c.cmd, SMS_COMPLAINT);
	/* Nor is a NUL glue. */
	sms_parse("STATUS \0" "12345678", 16, &c);
	assert_int_equal(c.ticket_state, TICKET_READ_NONE);
	/* Nothing past len is read: the command is "STA", a complaint. */
	sms_parse("STATUS", 3, &c);
	assert_int_equal(c.cmd, SMS_COMPLAINT);
	assert_int_equal(c.body.len, 3);
}

/* BAHASA EN / LANGUAGE ID name the language; anything else asks how. */
static void
test_language_command(void **state)
{
	static const struct {
		const char *in;
		enum lang want;
	} cases[] = {
		{ "BAHASA EN", LANG_EN }, { "bahasa english", LANG_EN }, { "Bahasa Inggris", LANG_EN },
		{ "BAHASA ID", LANG_ID }, { "bahasa indonesia", LANG_ID }, { "LANGUAGE: ID", LANG_ID },
		{ "BAHASA", LANG_NONE }, { "BAHASA jawa", LANG_NONE },
	};
	struct sms_command cmd;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		sms_parse(cases[i].in, strlen(cases[i].in), &cmd);
		if (cmd.cmd != SMS_LANG || cmd.set_lang != cases[i].want)
			fail_msg("\"%s\": expected SMS_LANG with language %d, got command %d "
			    "with language %d", cases[i].in, cases[i].want, cmd.cmd, cmd.set_lang);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grammar_table),
		cmocka_unit_test(test_language_command),
		cmocka_unit_test(test_literal_ticket),
		cmocka_unit_test(test_random_bytes),
		cmocka_unit_test(test_random_tokens),
		cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
