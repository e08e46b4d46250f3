/*
 * test_ussd: the USSD menu as a specification.  Every row of the
 * transition table in intake/ussd.c is walked by one case below; every
 * screen of the example config, in both languages, with every error line
 * and with hostile citizen text, is GSM-7 and at most 160 septets; category
 * pages with 50 and 120 rules reach every category; citizen text keeps its
 * '*' and '#'.  The example config is read from conf/aduan.conf relative to
 * the current directory (the repository root under make) or $ADUAN_SRCDIR.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "intake/ussd.h"
#include "sms/gsm.h"
#include "sms/text.h"
#include "util/util.h"

#define TICKET_OK       "48219303"      /* Damm digit right */
#define TICKET_TYPO     "48219304"      /* one digit off */

static struct conf *example;

/* The longest screen seen per kind, printed at the end of test_render_all. */
enum kind {
	K_MAIN, K_CATEGORY, K_LOCATION, K_DESCRIPTION, K_CONFIRM, K_STATUS_ASK,
	K_HELP, K_RESUME, K_SUBMITTED, K_STATUS, K_NOT_FOUND, K_N
};
static const char *const kind_name[K_N] = {
	"main", "category", "location", "description", "confirm", "status_ask",
	"help", "resume", "end submitted", "end status", "end not found"
};
static size_t kind_max[K_N];

static const char *
src_path(const char *rel, char *buf, size_t bufsz)
{
	const char *dir = getenv("ADUAN_SRCDIR");

	(void)snprintf(buf, bufsz, "%s/%s", dir != NULL && *dir ? dir : ".", rel);
	return buf;
}

static struct conf *
load_string(const char *text)
{
	struct conf_errors errs;
	struct conf *c;
	int i;

	memset(&errs, 0, sizeof(errs));
	if ((c = conf_load_string(text, 0, &errs)) == NULL) {
		for (i = 0; i < errs.n; i++)
			print_error("line %d: %s\n", errs.e[i].line, errs.e[i].msg);
		fail();
	}
	return c;
}

static int
setup(void **state)
{
	struct conf_errors errs;
	char path[4096];
	int i;

	(void)state;
	memset(&errs, 0, sizeof(errs));
	example = conf_load_file(src_path("conf/aduan.conf", path, sizeof(path)),
	    CONF_DEMO, &errs);
	if (example == NULL) {
		for (i = 0; i < errs.n; i++)
			print_error("%s:%d: %s\n", path, errs.e[i].line, errs.e[i].msg);
		return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	conf_free(example);
	return 0;
}

/* Asserts the screen is valid GSM-7 of at most 160 septets; its septets. */
static size_t
screen_ok(const struct ussd_out *o, const char *what)
{
	struct gsm_count gc;
	size_t len = strlen(o->screen);

	if (!text_utf8_valid(o->screen, len) ||
	    gsm_count(o->screen, len, &gc) != 0 || gc.coding != GSM_7BIT ||
	    gc.units > USSD_SCREEN_MAX) {
		print_error("%s: screen is not GSM-7 of <= %d septets:\n"
		    "----\n%s\n----\n", what, USSD_SCREEN_MAX, o->screen);
		fail();
	}
	return gc.units;
}

static void
measure(const struct ussd_out *o, enum kind k, const char *what)
{
	size_t n = screen_ok(o, what);

	if (n > kind_max[k])
		kind_max[k] = n;
}

/* One input, its screen checked. */
static void
in(const struct conf *c, struct ussd_ctx *ctx, struct ussd_out *o, const char *s)
{
	ussd_step(c, ctx, s, strlen(s), o);
	(void)screen_ok(o, s);
}

static void
assert_starts(const char *s, const char *prefix)
{
	if (strncmp(s, prefix, strlen(prefix)) != 0) {
		print_error("screen does not start with:\n%s\n---- it is:\n%s\n----\n",
		    prefix, s);
		fail();
	}
}

static void
assert_contains(const char *s, const char *part)
{
	if (strstr(s, part) == NULL) {
		print_error("screen does not contain:\n%s\n---- it is:\n%s\n----\n",
		    part, s);
		fail();
	}
}

/* The number a category shows: ussd.c's rule (global, 98 skipped). */
static long
number_of(size_t i)
{
	return i + 1 < 98 ? (long)i + 1 : (long)i + 2;
}

/* ---- (1) every row of the transition table ---- */

/*
 * One case per row of rows[] in intake/ussd.c, in its order: a path of
 * inputs from a fresh MAIN (Bahasa Indonesia) to the row's state, then the
 * input that takes the row.  Keep it in step with the table.
 */
static const struct row_case {
	const char *row;
	const char *path[6];
	int resume;             /* ussd_offer_resume() after the path */
	int submitted;          /* ussd_submitted() after the path */
	const char *input;
	enum ussd_state state;
	enum ussd_action action;
	const char *starts;
} row_cases[] = {
	{ "main 1", { NULL }, 0, 0, "1", USSD_CATEGORY, USSD_ACT_NONE,
	  "Pilih kategori:\n1 Jalan & jembatan\n" },
	{ "main 2", { NULL }, 0, 0, "2", USSD_STATUS_ASK, USSD_ACT_NONE,
	  "Nomor tiket (8 angka):\n0 Kembali" },
	{ "main 3", { NULL }, 0, 0, "3", USSD_HELP, USSD_ACT_NONE,
	  "Aduan juga lewat SMS ke 1708: " },
	{ "main 4", { NULL }, 0, 0, "4", USSD_MAIN, USSD_ACT_LANG,
	  "Aduan 1708\n1 New complaint\n" },
	{ "main any", { NULL }, 0, 0, "5", USSD_MAIN, USSD_ACT_NONE,
	  "Pilihan salah.\nAduan 1708\n1 Buat aduan" },

	{ "category pick", { "1", NULL }, 0, 0, "3", USSD_LOCATION, USSD_ACT_NONE,
	  "Lokasi (desa/kelurahan, jalan):\n0 Kembali" },
	{ "category next", { "1", NULL }, 0, 0, "98", USSD_CATEGORY,
	  USSD_ACT_NONE, "Pilih kategori:\n" },
	{ "category back to previous page", { "1", "98", NULL }, 0, 0, "0",
	  USSD_CATEGORY, USSD_ACT_NONE, "Pilih kategori:\n1 Jalan & jembatan\n" },
	{ "category back to main", { "1", NULL }, 0, 0, "0", USSD_MAIN,
	  USSD_ACT_NONE, "Aduan 1708\n" },
	{ "category any", { "1", NULL }, 0, 0, "lampu", USSD_CATEGORY,
	  USSD_ACT_NONE, "Pilihan salah.\nPilih kategori:\n1 " },

	{ "location back", { "1", "3", NULL }, 0, 0, "0", USSD_CATEGORY,
	  USSD_ACT_NONE, "Pilih kategori:\n1 " },
	{ "location empty", { "1", "3", NULL }, 0, 0, "  ", USSD_LOCATION,
	  USSD_ACT_NONE, "Jawaban kosong.\nLokasi" },
	{ "location text", { "1", "3", NULL }, 0, 0, "Lerep", USSD_DESCRIPTION,
	  USSD_ACT_NONE, "Tulis aduan Anda singkat:\n0 Kembali" },

	{ "description back", { "1", "3", "Lerep", NULL }, 0, 0, "0",
	  USSD_LOCATION, USSD_ACT_NONE, "Lokasi" },
	{ "description empty", { "1", "3", "Lerep", NULL }, 0, 0, "",
	  USSD_DESCRIPTION, USSD_ACT_NONE, "Jawaban kosong.\nTulis aduan" },
	{ "description text", { "1", "3", "Lerep", NULL }, 0, 0,
	  "Air mati 3 hari", USSD_CONFIRM, USSD_ACT_NONE,
	  "Kirim aduan?\nAir minum, Lerep: Air mati 3 hari\n1 Kirim\n2 Ubah\n"
	  "0 Batal" },

	{ "confirm 1", { "1", "3", "Lerep", "Air mati", NULL }, 0, 0, "1",
	  USSD_CONFIRM, USSD_ACT_SUBMIT, "Kirim aduan?\n" },
	{ "confirm 2", { "1", "3", "Lerep", "Air mati", NULL }, 0, 0, "2",
	  USSD_CATEGORY, USSD_ACT_NONE, "Pilih kategori:\n1 " },
	{ "confirm 0", { "1", "3", "Lerep", "Air mati", NULL }, 0, 0, "0",
	  USSD_MAIN, USSD_ACT_NONE, "Aduan dibatalkan.\nAduan 1708\n" },
	{ "confirm any", { "1", "3", "Lerep", "Air mati", NULL }, 0, 0, "3",
	  USSD_CONFIRM, USSD_ACT_NONE, "Pilihan salah.\nKirim aduan?\n" },

	{ "status_ask back", { "2", NULL }, 0, 0, "0", USSD_MAIN, USSD_ACT_NONE,
	  "Aduan 1708\n" },
	{ "status_ask ticket ok", { "2", NULL }, 0, 0, TICKET_OK,
	  USSD_STATUS_ASK, USSD_ACT_STATUS, "Nomor tiket" },
	{ "status_ask ticket mistyped", { "2", NULL }, 0, 0, TICKET_TYPO,
	  USSD_STATUS_ASK, USSD_ACT_NONE, "Nomor salah ketik.\nNomor tiket" },
	{ "status_ask malformed", { "2", NULL }, 0, 0, "4821", USSD_STATUS_ASK,
	  USSD_ACT_NONE, "Harus 8 angka.\nNomor tiket" },

	{ "help back", { "3", NULL }, 0, 0, "0", USSD_MAIN, USSD_ACT_NONE,
	  "Aduan 1708\n" },
	{ "help any", { "3", NULL }, 0, 0, "1", USSD_HELP, USSD_ACT_NONE,
	  "Pilihan salah.\nAduan juga lewat SMS" },

	{ "resume 1 to location", { "1", "3", NULL }, 1, 0, "1", USSD_LOCATION,
	  USSD_ACT_NONE, "Lokasi" },
	{ "resume 1 to description", { "1", "3", "Lerep", NULL }, 1, 0, "1",
	  USSD_DESCRIPTION, USSD_ACT_NONE, "Tulis aduan" },
	{ "resume 1 to confirm", { "1", "3", "Lerep", "Air mati", NULL }, 1, 0,
	  "1", USSD_CONFIRM, USSD_ACT_NONE,
	  "Kirim aduan?\nAir minum, Lerep: Air mati\n" },
	{ "resume 2", { "1", "3", "Lerep", NULL }, 1, 0, "2", USSD_MAIN,
	  USSD_ACT_NONE, "Aduan 1708\n" },
	{ "resume any", { "1", "3", "Lerep", NULL }, 1, 0, "3", USSD_RESUME,
	  USSD_ACT_NONE, "Pilihan salah.\nLanjutkan aduan sebelumnya?\n" },

	{ "end any", { "1", "3", "Lerep", "Air mati", "1", NULL }, 0, 1, "1",
	  USSD_END, USSD_ACT_NONE, "" },
};

static void
test_every_row(void **state)
{
	const struct row_case *rc;
	struct ussd_ctx ctx;
	struct ussd_out o;
	size_t i, k;

	(void)state;
	for (i = 0; i < ARRAY_LEN(row_cases); i++) {
		rc = &row_cases[i];
		print_message("row: %s\n", rc->row);
		ussd_begin(example, &ctx, LANG_ID, &o);
		for (k = 0; rc->path[k] != NULL; k++) {
			in(example, &ctx, &o, rc->path[k]);
			assert_int_equal(o.end, 0);
		}
		if (rc->resume) {
			ussd_offer_resume(example, &ctx, &o);
			assert_int_equal(ctx.state, USSD_RESUME);
		}
		if (rc->submitted) {
			assert_int_equal(o.action, USSD_ACT_SUBMIT);
			ussd_submitted(example, &ctx, TICKET_OK, "PDAM", &o);
			assert_int_equal(ctx.state, USSD_END);
		}
		in(example, &ctx, &o, rc->input);
		assert_int_equal(ctx.state, rc->state);
		assert_int_equal(o.action, rc->action);
		assert_int_equal(o.end, rc->state == USSD_END);
		assert_starts(o.screen, rc->starts);
		if (rc->state == USSD_END)
			assert_string_equal(o.screen, "");
	}
	/* The cases' own promises, checked once more where they matter. */
	ussd_begin(example, &ctx, LANG_ID, &o);
	in(example, &ctx, &o, "2");
	in(example, &ctx, &o, TICKET_OK);
	assert_string_equal(o.ticket, TICKET_OK);
}

/* ---- exact screens of the example config ---- */

static void
test_exact_screens(void **state)
{
	struct ussd_ctx ctx;
	struct ussd_out o;

	(void)state;
	ussd_begin(example, &ctx, LANG_ID, &o);
	assert_string_equal(o.screen, "Aduan 1708\n1 Buat aduan\n"
	    "2 Cek status aduan\n3 Bantuan\n4 English");
	assert_int_equal(o.end, 0);
	assert_int_equal(o.action, USSD_ACT_NONE);
	ussd_begin(example, &ctx, LANG_EN, &o);
	assert_string_equal(o.screen, "Aduan 1708\n1 New complaint\n"
	    "2 Check status\n3 Help\n4 Bahasa Indonesia");

	in(example, &ctx, &o, "1");
	assert_string_equal(o.screen, "Choose a category:\n1 Roads & bridges\n"
	    "2 Waste & environment\n3 Water supply\n4 Electricity\n5 Health\n"
	    "6 ID cards & civil records\n98 Next\n0 Back");
	in(example, &ctx, &o, "98");
	assert_string_equal(o.screen, "Choose a category:\n"
	    "7 Education\n8 Street & traffic lights\n9 Parking & transport\n"
	    "10 Public order\n11 Social assistance\n98 Next\n0 Back");
	in(example, &ctx, &o, "10");
	assert_string_equal(o.screen, "Location (village, street):\n0 Back");
	in(example, &ctx, &o, "Pasar Bandungan");
	assert_string_equal(o.screen, "Describe the problem briefly:\n0 Back");
	in(example, &ctx, &o, "PKL di trotoar");
	assert_string_equal(o.screen, "Send complaint?\n"
	    "Public order, Pasar Bandungan: PKL di trotoar\n"
	    "1 Send\n2 Change\n0 Cancel");
	ussd_offer_resume(example, &ctx, &o);
	assert_string_equal(o.screen, "Continue your earlier complaint?\n"
	    "Public order: Pasar Bandungan\n1 Yes\n2 No, new complaint");

	ussd_begin(example, &ctx, LANG_ID, &o);
	in(example, &ctx, &o, "1");
	assert_string_equal(o.screen, "Pilih kategori:\n1 Jalan & jembatan\n"
	    "2 Sampah & lingkungan\n3 Air minum\n4 Listrik\n5 Kesehatan\n"
	    "6 KTP, KK & akta\n98 Berikutnya\n0 Kembali");
	in(example, &ctx, &o, "98");
	assert_string_equal(o.screen, "Pilih kategori:\n7 Pendidikan\n"
	    "8 Lampu jalan & lalu lintas\n9 Parkir & angkutan\n"
	    "10 Ketertiban umum\n11 Bantuan sosial\n98 Berikutnya\n0 Kembali");

	ussd_begin(example, &ctx, LANG_ID, &o);
	in(example, &ctx, &o, "3");
	assert_string_equal(o.screen, "Aduan juga lewat SMS ke 1708: KATA KUNCI "
	    "lalu isi aduan, mis. JALAN Jl. Pemuda berlubang. Cek: STATUS no "
	    "tiket\n0 Kembali");
	ussd_begin(example, &ctx, LANG_EN, &o);
	in(example, &ctx, &o, "3");
	assert_string_equal(o.screen, "You can also SMS 1708: KEYWORD then your "
	    "complaint, e.g. ROAD Jl. Pemuda pothole. Check: STATUS ticket no\n"
	    "0 Back");
	ussd_begin(example, &ctx, LANG_EN, &o);
	in(example, &ctx, &o, "2");
	assert_string_equal(o.screen, "Ticket number (8 digits):\n0 Back");

	ussd_submitted(example, &ctx, TICKET_OK, "PDAM", &o);
	assert_int_equal(o.end, 1);
	assert_string_equal(o.screen, "Complaint received. Ticket no: 48219303, "
	    "sent to PDAM. You will also get it by SMS.");
	ctx.lang = LANG_ID;
	ussd_submitted(example, &ctx, TICKET_OK, "PDAM", &o);
	assert_string_equal(o.screen, "Aduan diterima. No tiket: 48219303, "
	    "diteruskan ke PDAM. Nomor ini juga dikirim lewat SMS.");
	ussd_status(example, &ctx, 1, TICKET_OK, "sedang dikerjakan", "DPUPR",
	    "02-01-2026", &o);
	assert_int_equal(o.end, 1);
	assert_int_equal(ctx.state, USSD_END);
	assert_string_equal(o.screen, "Tiket 48219303: sedang dikerjakan. DPUPR, "
	    "update 02-01-2026.");
	ussd_status(example, &ctx, 0, TICKET_OK, NULL, NULL, NULL, &o);
	assert_string_equal(o.screen, "Tiket 48219303 tidak ditemukan.");
	ctx.lang = LANG_EN;
	ussd_status(example, &ctx, 1, TICKET_OK, "in progress", "DPUPR",
	    "2026-01-02", &o);
	assert_string_equal(o.screen, "Ticket 48219303: in progress. DPUPR, "
	    "updated 2026-01-02.");
	/* Not found reads the same whoever owns the number. */
	ussd_status(example, &ctx, 0, TICKET_OK, "in progress", "DPUPR",
	    "2026-01-02", &o);
	assert_string_equal(o.screen, "Ticket 48219303 not found.");
}

/* ---- (2) every screen of the example config, both languages ---- */

/* Long citizen text: look-alikes, accents, emoji, a ZWJ sequence. */
static const char long_location[] =
    "Dusun Krajan RT 03/RW 05 \xe2\x80\x9c" "depan masjid\xe2\x80\x9d "
    "\xf0\x9f\x98\x80 sebelah warung Bu Sri \xe2\x80\x94 Desa Lerep, "
    "Kec. Ungaran Barat, jalan menurun";
static const char long_description[] =
    "Jalan berlubang besar \xf0\x9f\x98\xa1\xf0\x9f\x98\xa1 sudah 2 minggu, "
    "motor jatuh \xe2\x80\xa6 anak sekolah lewat tiap pagi. "
    "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7 "
    "Mohon segera diperbaiki, sudah lapor ke RT tapi belum ada tindakan "
    "sama sekali dari dinas terkait \xc3\xa9\xc3\xa8 \xe2\x82\xac {} [] ~ | ^ "
    "\xe4\xb8\xad\xe6\x96\x87 selesai.";

/* From a fresh MAIN to the LOCATION screen of rule i, via the pages. */
static void
choose_rule(const struct conf *c, struct ussd_ctx *ctx, struct ussd_out *o,
    size_t i)
{
	char num[24], line[32];
	int guard;

	(void)snprintf(num, sizeof(num), "%ld", number_of(i));
	(void)snprintf(line, sizeof(line), "\n%s ", num);
	in(c, ctx, o, "1");
	for (guard = 0; strstr(o->screen, line) == NULL; guard++) {
		assert_true(guard < 200);
		in(c, ctx, o, "98");
		assert_int_equal(ctx->state, USSD_CATEGORY);
	}
	in(c, ctx, o, num);
	assert_int_equal(ctx->state, USSD_LOCATION);
	assert_int_equal(ctx->rule, (long)i);
}

static const char *
longest_agency(const struct conf *c)
{
	const char *a = "";
	size_t i;

	for (i = 0; i < c->nagencies; i++)
		if (strlen(c->agencies[i].short_name) > strlen(a))
			a = c->agencies[i].short_name;
	return a;
}

static const char *
longest_status(const struct conf *c, enum lang l)
{
	const char *s = "";
	int r;

	for (r = REPLY_ST_RECEIVED; r <= REPLY_ST_WITHDRAWN; r++)
		if (c->replies[l][r] != NULL && strlen(c->replies[l][r]) > strlen(s))
			s = c->replies[l][r];
	return s;
}

/* Every screen and every error variant of conf c in language l. */
static void
render_all(const struct conf *c, enum lang l)
{
	struct ussd_ctx ctx;
	struct ussd_out o;
	size_t i;
	int guard;
	enum ussd_state at;

	ussd_begin(c, &ctx, l, &o);
	measure(&o, K_MAIN, "main");
	in(c, &ctx, &o, "x");
	measure(&o, K_MAIN, "main invalid");

	/* Every category page, plain and with the error line. */
	in(c, &ctx, &o, "1");
	for (guard = 0;; guard++) {
		assert_true(guard < 200);
		measure(&o, K_CATEGORY, "category page");
		in(c, &ctx, &o, "x");
		measure(&o, K_CATEGORY, "category page invalid");
		assert_int_equal(ctx.state, USSD_CATEGORY);
		if (strstr(o.screen, "\n98 ") == NULL)
			break;
		in(c, &ctx, &o, "98");
	}

	for (i = 0; i < c->nrules; i++) {
		ussd_begin(c, &ctx, l, &o);
		choose_rule(c, &ctx, &o, i);
		measure(&o, K_LOCATION, "location");
		ussd_offer_resume(c, &ctx, &o);
		measure(&o, K_RESUME, "resume at location");
		in(c, &ctx, &o, "1");
		in(c, &ctx, &o, "");
		measure(&o, K_LOCATION, "location empty");
		in(c, &ctx, &o, long_location);
		measure(&o, K_DESCRIPTION, "description");
		in(c, &ctx, &o, "");
		measure(&o, K_DESCRIPTION, "description empty");
		in(c, &ctx, &o, long_description);
		assert_int_equal(ctx.state, USSD_CONFIRM);
		measure(&o, K_CONFIRM, "confirm");
		in(c, &ctx, &o, "7");
		measure(&o, K_CONFIRM, "confirm invalid");
		for (at = USSD_LOCATION; at <= USSD_CONFIRM; at++) {
			ctx.state = at;
			ussd_offer_resume(c, &ctx, &o);
			assert_int_equal(ctx.state, USSD_RESUME);
			measure(&o, K_RESUME, "resume");
			in(c, &ctx, &o, "9");
			measure(&o, K_RESUME, "resume invalid");
			in(c, &ctx, &o, "1");
			assert_int_equal(ctx.state, at);
		}
		in(c, &ctx, &o, "0");
		measure(&o, K_MAIN, "main cancelled");
	}

	ussd_begin(c, &ctx, l, &o);
	in(c, &ctx, &o, "2");
	measure(&o, K_STATUS_ASK, "status_ask");
	in(c, &ctx, &o, TICKET_TYPO);
	measure(&o, K_STATUS_ASK, "status_ask mistyped");
	in(c, &ctx, &o, "12");
	measure(&o, K_STATUS_ASK, "status_ask malformed");
	in(c, &ctx, &o, "");
	measure(&o, K_STATUS_ASK, "status_ask none");

	ussd_begin(c, &ctx, l, &o);
	in(c, &ctx, &o, "3");
	measure(&o, K_HELP, "help");
	in(c, &ctx, &o, "4");
	measure(&o, K_HELP, "help invalid");

	ussd_submitted(c, &ctx, TICKET_OK, longest_agency(c), &o);
	measure(&o, K_SUBMITTED, "submitted");
	ussd_status(c, &ctx, 1, TICKET_OK, longest_status(c, l), longest_agency(c),
	    "2026-12-31", &o);
	measure(&o, K_STATUS, "status");
	ussd_status(c, &ctx, 0, TICKET_OK, NULL, NULL, NULL, &o);
	measure(&o, K_NOT_FOUND, "not found");
}

static void
test_render_all(void **state)
{
	int k;

	(void)state;
	render_all(example, LANG_ID);
	render_all(example, LANG_EN);
	for (k = 0; k < K_N; k++)
		print_message("longest %-14s %3zu septets\n", kind_name[k],
		    kind_max[k]);
}

/* ---- (3) pagination with many rules ---- */

/* A config with n rules; some labels long, one too long for any page. */
static struct conf *
many_rules(size_t n)
{
	size_t sz = 4096 + n * 512, o, i;
	char *t = malloc(sz), pad[300];
	struct conf *c;

	assert_non_null(t);
	o = (size_t)snprintf(t, sz,
	    "agencies = ( { id = \"dinas\"; name = \"Dinas\"; short_name = \"Dinas\"; } );\n"
	    "triage = \"dinas\";\nrules = (\n");
	for (i = 0; i < n; i++) {
		memset(pad, 0, sizeof(pad));
		if (i == 30)
			memset(pad, 'x', 250);          /* cannot fit even alone */
		else
			memset(pad, 'k', i % 23);
		o += (size_t)snprintf(t + o, sz - o,
		    "%s{ keyword = \"KATA%c%c\"; agency = \"dinas\"; "
		    "label = { id = \"Kategori %zu %s\"; en = \"Category %zu%s\"; }; }\n",
		    i > 0 ? "," : "", 'A' + (int)(i / 26), 'A' + (int)(i % 26),
		    i + 1, pad, i + 1, i % 5 == 0 ? " long long long long" : "");
		assert_true(o < sz);
	}
	(void)snprintf(t + o, sz - o, ");\n");
	c = load_string(t);
	free(t);
	assert_int_equal(c->nrules, n);
	return c;
}

/* The numbers of the category lines of a screen, into nums; their count. */
static size_t
page_numbers(const char *screen, const char *next, long *nums, size_t max)
{
	const char *p = screen, *nl;
	size_t n = 0;
	long v;
	char *end;

	while ((nl = strchr(p, '\n')) != NULL) {
		p = nl + 1;
		if (strncmp(p, "98 ", 3) == 0) {
			/* Always the next-page line, never a category. */
			assert_int_equal(strncmp(p, next, strlen(next)), 0);
			continue;
		}
		if (*p == '0')
			continue;
		v = strtol(p, &end, 10);
		assert_true(end > p && *end == ' ');
		assert_true(n < max);
		nums[n++] = v;
	}
	return n;
}

static void
paging(const struct conf *c, enum lang l)
{
	const char *next = l == LANG_ID ? "98 Berikutnya" : "98 Next";
	const char *bad = l == LANG_ID ? "Pilihan salah.\n" : "Invalid choice.\n";
	size_t n = c->nrules, npages = 0, k, j, cnt, i;
	char (*pages)[sizeof(((struct ussd_out *)0)->screen)];
	long nums[200], *seen;
	struct ussd_ctx ctx;
	struct ussd_out o;
	char num[24];

	pages = calloc(n + 1, sizeof(*pages));
	seen = calloc(n + 200, sizeof(*seen));
	assert_non_null(pages);
	assert_non_null(seen);

	ussd_begin(c, &ctx, l, &o);
	in(c, &ctx, &o, "1");
	for (;;) {
		assert_true(npages <= n);
		assert_int_equal(ctx.state, USSD_CATEGORY);
		assert_int_equal(ctx.page, (int)npages);
		memcpy(pages[npages], o.screen, sizeof(o.screen));
		cnt = page_numbers(o.screen, next, nums, ARRAY_LEN(nums));
		assert_true(cnt > 0);
		for (j = 0; j < cnt; j++) {
			assert_true(nums[j] != 98);
			assert_true(nums[j] >= 1 && nums[j] < (long)n + 200);
			seen[nums[j]]++;
			/* The number is typeable and picks its rule... */
			(void)snprintf(num, sizeof(num), "%ld", nums[j]);
			in(c, &ctx, &o, num);
			assert_int_equal(ctx.state, USSD_LOCATION);
			assert_int_equal(ctx.rule,
			    nums[j] < 98 ? nums[j] - 1 : nums[j] - 2);
			/* ...and back shows the same page again. */
			in(c, &ctx, &o, "0");
			assert_string_equal(o.screen, pages[npages]);
		}
		/* The error variant is this page with the error on top. */
		in(c, &ctx, &o, "abc");
		assert_starts(o.screen, bad);
		assert_string_equal(o.screen + strlen(bad), pages[npages]);
		/* A number shown on another page is not valid here. */
		if (npages > 0) {
			(void)snprintf(num, sizeof(num), "%ld", number_of(0));
			in(c, &ctx, &o, num);
			assert_int_equal(ctx.state, USSD_CATEGORY);
			assert_starts(o.screen, bad);
		}
		npages++;
		if (strstr(o.screen, next) == NULL)
			break;
		in(c, &ctx, &o, "98");
	}
	/* 98 on the last page is an error, not an end. */
	in(c, &ctx, &o, "98");
	assert_int_equal(ctx.state, USSD_CATEGORY);
	assert_int_equal(o.end, 0);
	assert_starts(o.screen, bad);
	/* A number beyond the last is invalid. */
	(void)snprintf(num, sizeof(num), "%ld", number_of(n));
	in(c, &ctx, &o, num);
	assert_starts(o.screen, bad);

	/* Every category exactly once, under its number. */
	for (i = 0; i < n; i++)
		assert_int_equal(seen[number_of(i)], 1);
	assert_int_equal(seen[98], 0);

	/* Back from page k shows page k - 1, then MAIN. */
	for (k = npages - 1; k > 0; k--) {
		in(c, &ctx, &o, "0");
		assert_int_equal(ctx.state, USSD_CATEGORY);
		assert_string_equal(o.screen, pages[k - 1]);
	}
	in(c, &ctx, &o, "0");
	assert_int_equal(ctx.state, USSD_MAIN);

	/* The label too long for a page is cut with "..." on a page of its own. */
	if (n > 30) {
		ussd_begin(c, &ctx, l, &o);
		choose_rule(c, &ctx, &o, 30);
		for (k = 0; k < npages; k++)
			if (strstr(pages[k], l == LANG_ID ? "\n31 Kategori 31 xxx" :
			    "\n31 Category 31") != NULL)
				break;
		assert_true(k < npages);
		if (l == LANG_ID) {
			assert_non_null(strstr(pages[k], "x...\n"));
			assert_int_equal(page_numbers(pages[k], next, nums,
			    ARRAY_LEN(nums)), 1);
		}
	}
	print_message("%zu rules, %s: %zu pages\n", n, lang_code(l), npages);
	free(pages);
	free(seen);
}

static void
test_paging_50(void **state)
{
	struct conf *c = many_rules(50);

	(void)state;
	paging(c, LANG_ID);
	paging(c, LANG_EN);
	render_all(c, LANG_ID);
	render_all(c, LANG_EN);
	conf_free(c);
}

static void
test_paging_120(void **state)
{
	struct conf *c = many_rules(120);

	(void)state;
	paging(c, LANG_ID);
	paging(c, LANG_EN);
	render_all(c, LANG_ID);
	render_all(c, LANG_EN);
	conf_free(c);
}

/* ---- (4) '*' and '#' in citizen text ---- */

static void
test_star_hash_kept(void **state)
{
	const char *loc = "Jl. Merdeka *12# RT 3", *desc = "*123# lubang # besar * 2";
	struct ussd_ctx ctx;
	struct ussd_out o;

	(void)state;
	ussd_begin(example, &ctx, LANG_ID, &o);
	in(example, &ctx, &o, "1");
	in(example, &ctx, &o, "1");
	in(example, &ctx, &o, loc);
	assert_string_equal(ctx.location, loc);
	in(example, &ctx, &o, desc);
	assert_string_equal(ctx.description, desc);
	assert_int_equal(ctx.state, USSD_CONFIRM);
	assert_contains(o.screen, "Jalan & jembatan, Jl. Merdeka *12# RT 3: "
	    "*123# lubang # besar * 2\n1 Kirim");
	/* Surrounding blanks go; inner ones stay. */
	ussd_step(example, &ctx, "2", 1, &o);
	in(example, &ctx, &o, "1");
	in(example, &ctx, &o, "  a  *  b  ");
	assert_string_equal(ctx.location, "a  *  b");
}

/* ---- (5) invalid choices ---- */

static void
test_invalid_never_ends(void **state)
{
	static const char *const junk[] = {
		"", " ", "14", "99", "98", "abc", "*", "#", "1*2", "00", "01", "-1",
		"9999", "99999", "1 2", "\xff", "\xf0\x9f\x98\x80"
	};
	static const struct {
		const char *path[5];
		enum ussd_state state;
	} where[] = {
		{ { NULL }, USSD_MAIN },
		{ { "1", NULL }, USSD_CATEGORY },
		{ { "1", "98", NULL }, USSD_CATEGORY },
		{ { "1", "2", "Bergas", "Sampah menumpuk", NULL }, USSD_CONFIRM },
		{ { "3", NULL }, USSD_HELP },
	};
	struct ussd_ctx ctx;
	struct ussd_out o, plain;
	size_t w, j, k;
	enum lang l;

	(void)state;
	for (l = LANG_ID; l <= LANG_EN; l++)
		for (w = 0; w < ARRAY_LEN(where); w++)
			for (j = 0; j < ARRAY_LEN(junk); j++) {
				ussd_begin(example, &ctx, l, &o);
				for (k = 0; where[w].path[k] != NULL; k++)
					in(example, &ctx, &o, where[w].path[k]);
				plain = o;
				/* "98" is valid on the first page of categories. */
				if (strcmp(junk[j], "98") == 0 &&
				    strstr(plain.screen, "\n98 ") != NULL)
					continue;
				in(example, &ctx, &o, junk[j]);
				assert_int_equal(ctx.state, where[w].state);
				assert_int_equal(o.end, 0);
				assert_int_equal(o.action, USSD_ACT_NONE);
				assert_starts(o.screen, l == LANG_ID ?
				    "Pilihan salah.\n" : "Invalid choice.\n");
				assert_string_equal(strchr(o.screen, '\n') + 1,
				    plain.screen);
			}
	/* RESUME too. */
	ussd_begin(example, &ctx, LANG_EN, &o);
	in(example, &ctx, &o, "1");
	in(example, &ctx, &o, "4");
	ussd_offer_resume(example, &ctx, &o);
	plain = o;
	in(example, &ctx, &o, "3");
	assert_int_equal(ctx.state, USSD_RESUME);
	assert_string_equal(o.screen + strlen("Invalid choice.\n"), plain.screen);
	/* Empty answers on the text screens. */
	in(example, &ctx, &o, "1");
	in(example, &ctx, &o, "   ");
	assert_int_equal(ctx.state, USSD_LOCATION);
	assert_string_equal(o.screen, "Empty answer.\nLocation (village, street):\n"
	    "0 Back");
}

/* ---- (6) dial-through ---- */

static void
test_dial_through(void **state)
{
	struct ussd_ctx ctx;
	struct ussd_out o;

	(void)state;
	ussd_begin(example, &ctx, LANG_ID, &o);
	in(example, &ctx, &o, "1");
	in(example, &ctx, &o, "3");
	assert_int_equal(ctx.state, USSD_LOCATION);
	assert_int_equal(ctx.rule, 2);
	assert_string_equal(example->rules[ctx.rule].keyword, "AIR");
	/* A category of page 2 is not reachable from page 1 by its number. */
	ussd_begin(example, &ctx, LANG_ID, &o);
	in(example, &ctx, &o, "1");
	in(example, &ctx, &o, "8");
	assert_int_equal(ctx.state, USSD_CATEGORY);
	assert_int_equal(ctx.rule, -1);
	in(example, &ctx, &o, "98");
	in(example, &ctx, &o, "8");
	assert_int_equal(ctx.state, USSD_LOCATION);
	assert_int_equal(ctx.rule, 7);
	/* Back from LOCATION shows the page the category was on. */
	in(example, &ctx, &o, "0");
	assert_int_equal(ctx.page, 1);
	assert_contains(o.screen, "\n8 Lampu jalan & lalu lintas\n");
}

/* ---- (7) language ---- */

static void
test_language_toggle(void **state)
{
	struct ussd_ctx ctx;
	struct ussd_out o;

	(void)state;
	ussd_begin(example, &ctx, LANG_ID, &o);
	in(example, &ctx, &o, "4");
	assert_int_equal(ctx.lang, LANG_EN);
	assert_int_equal(o.action, USSD_ACT_LANG);
	assert_int_equal(ctx.state, USSD_MAIN);
	assert_string_equal(o.screen, "Aduan 1708\n1 New complaint\n"
	    "2 Check status\n3 Help\n4 Bahasa Indonesia");
	in(example, &ctx, &o, "1");
	assert_starts(o.screen, "Choose a category:\n1 Roads & bridges\n");
	in(example, &ctx, &o, "0");
	in(example, &ctx, &o, "4");
	assert_int_equal(ctx.lang, LANG_ID);
	assert_int_equal(o.action, USSD_ACT_LANG);
	assert_starts(o.screen, "Aduan 1708\n1 Buat aduan\n");
	/* An unknown language begins in the config's default. */
	ussd_begin(example, &ctx, LANG_NONE, &o);
	assert_int_equal(ctx.lang, example->default_lang);
}

/* ---- (8) resume ---- */

static void
test_resume(void **state)
{
	struct ussd_ctx ctx;
	struct ussd_out o;

	(void)state;
	ussd_begin(example, &ctx, LANG_ID, &o);
	assert_int_equal(ussd_resumable(&ctx), 0);
	in(example, &ctx, &o, "1");
	assert_int_equal(ussd_resumable(&ctx), 0);
	in(example, &ctx, &o, "3");
	assert_int_equal(ussd_resumable(&ctx), 1);
	/* No location yet: only the label. */
	ussd_offer_resume(example, &ctx, &o);
	assert_string_equal(o.screen, "Lanjutkan aduan sebelumnya?\nAir minum\n"
	    "1 Ya\n2 Tidak, aduan baru");
	assert_int_equal(ussd_resumable(&ctx), 0);
	in(example, &ctx, &o, "1");
	assert_int_equal(ctx.state, USSD_LOCATION);
	in(example, &ctx, &o, "Jambu");
	assert_int_equal(ctx.state, USSD_DESCRIPTION);

	/* Yes: the description screen again, nothing lost. */
	ussd_offer_resume(example, &ctx, &o);
	assert_int_equal(ctx.resume_to, USSD_DESCRIPTION);
	assert_string_equal(o.screen, "Lanjutkan aduan sebelumnya?\n"
	    "Air minum: Jambu\n1 Ya\n2 Tidak, aduan baru");
	in(example, &ctx, &o, "1");
	assert_int_equal(ctx.state, USSD_DESCRIPTION);
	assert_string_equal(o.screen, "Tulis aduan Anda singkat:\n0 Kembali");
	assert_string_equal(ctx.location, "Jambu");
	assert_int_equal(ctx.rule, 2);

	/* No: forgotten, MAIN. */
	ussd_offer_resume(example, &ctx, &o);
	in(example, &ctx, &o, "2");
	assert_int_equal(ctx.state, USSD_MAIN);
	assert_int_equal(ctx.rule, -1);
	assert_string_equal(ctx.location, "");
	assert_string_equal(ctx.description, "");
	assert_starts(o.screen, "Aduan 1708\n1 Buat aduan");

	/* Nothing to resume: MAIN, as a new session. */
	ussd_offer_resume(example, &ctx, &o);
	assert_int_equal(ctx.state, USSD_MAIN);
	assert_starts(o.screen, "Aduan 1708\n");

	/* Resume into CONFIRM shows the summary again. */
	ussd_begin(example, &ctx, LANG_EN, &o);
	in(example, &ctx, &o, "1");
	in(example, &ctx, &o, "4");
	in(example, &ctx, &o, "Bawen");
	in(example, &ctx, &o, "Padam tiap malam");
	ussd_offer_resume(example, &ctx, &o);
	in(example, &ctx, &o, "1");
	assert_string_equal(o.screen, "Send complaint?\n"
	    "Electricity, Bawen: Padam tiap malam\n1 Send\n2 Change\n0 Cancel");
}

/* ---- (9) status numbers ---- */

static void
test_status_ask(void **state)
{
	static const char *const ok[] = {
		TICKET_OK, "4821 9303", "4821-9303", "#48219303", "#4821 9303#",
		"  48219303  ", "48219303#"
	};
	static const char *const not8[] = {
		"4821", "482193030", "1234567", "abc", "#", "48219303 5",
		"48219303x", "4821 93030", "tiket"
	};
	struct ussd_ctx ctx;
	struct ussd_out o;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(ok); i++) {
		ussd_begin(example, &ctx, LANG_ID, &o);
		in(example, &ctx, &o, "2");
		in(example, &ctx, &o, ok[i]);
		assert_int_equal(o.action, USSD_ACT_STATUS);
		assert_string_equal(o.ticket, TICKET_OK);
		assert_int_equal(ctx.state, USSD_STATUS_ASK);
		assert_int_equal(o.end, 0);
	}
	ussd_begin(example, &ctx, LANG_ID, &o);
	in(example, &ctx, &o, "2");
	in(example, &ctx, &o, "4821 9304");
	assert_int_equal(o.action, USSD_ACT_NONE);
	assert_string_equal(o.screen, "Nomor salah ketik.\n"
	    "Nomor tiket (8 angka):\n0 Kembali");
	for (i = 0; i < ARRAY_LEN(not8); i++) {
		in(example, &ctx, &o, not8[i]);
		assert_int_equal(o.action, USSD_ACT_NONE);
		assert_int_equal(ctx.state, USSD_STATUS_ASK);
		assert_string_equal(o.screen, "Harus 8 angka.\n"
		    "Nomor tiket (8 angka):\n0 Kembali");
	}
	ussd_begin(example, &ctx, LANG_EN, &o);
	in(example, &ctx, &o, "2");
	in(example, &ctx, &o, TICKET_TYPO);
	assert_string_equal(o.screen, "Number has a typo.\n"
	    "Ticket number (8 digits):\n0 Back");
	in(example, &ctx, &o, "123");
	assert_string_equal(o.screen, "Must be 8 digits.\n"
	    "Ticket number (8 digits):\n0 Back");
	/* After the lookup the caller ends the session. */
	in(example, &ctx, &o, TICKET_OK);
	ussd_status(example, &ctx, 0, o.ticket, NULL, NULL, NULL, &o);
	assert_int_equal(o.end, 1);
	in(example, &ctx, &o, "0");
	assert_int_equal(o.end, 1);
	assert_string_equal(o.screen, "");
}

/* ---- stored text bounds and hostile text ---- */

static void
test_text_bounds(void **state)
{
	const char *words = "satu dua tiga empat lima enam tujuh delapan "
	    "sembilan sepuluh sebelas dua belas tiga belas empat belas lima belas "
	    "enam belas tujuh belas delapan belas sembilan belas dua puluh";
	const char *line, *end;
	char big[2048];
	struct ussd_ctx ctx;
	struct ussd_out o;
	size_t i;

	(void)state;
	ussd_begin(example, &ctx, LANG_ID, &o);
	in(example, &ctx, &o, "1");
	in(example, &ctx, &o, "1");
	/* 300 two-byte letters: cut to 100 bytes, never inside a letter. */
	for (i = 0; i < 300; i++)
		memcpy(big + 2 * i, "\xc3\xa9", 2);
	big[600] = '\0';
	in(example, &ctx, &o, big);
	assert_int_equal(strlen(ctx.location), 100);
	assert_true(text_utf8_valid(ctx.location, strlen(ctx.location)));
	/* Three-byte characters: 33 of them (99 bytes). */
	for (i = 0; i < 300; i++)
		memcpy(big + 3 * i, "\xe2\x82\xac", 3);
	big[900] = '\0';
	in(example, &ctx, &o, big);
	assert_int_equal(strlen(ctx.description), 318);
	assert_true(text_utf8_valid(ctx.description, strlen(ctx.description)));
	assert_int_equal(ctx.state, USSD_CONFIRM);
	/* Bytes that are not UTF-8, and a NUL inside the input. */
	in(example, &ctx, &o, "2");
	in(example, &ctx, &o, "1");
	ussd_step(example, &ctx, "a\xff\xfe" "b\0c", 6, &o);
	(void)screen_ok(&o, "nul");
	assert_string_equal(ctx.location, "a??b?c");
	/* A 2 KB answer. */
	memset(big, 'w', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	in(example, &ctx, &o, big);
	assert_int_equal(strlen(ctx.description), USSD_DESC_MAX);
	assert_int_equal(ctx.state, USSD_CONFIRM);
	assert_contains(o.screen, "...\n1 Kirim\n2 Ubah\n0 Batal");
	/* The summary keeps a word boundary when it cuts. */
	in(example, &ctx, &o, "2");
	in(example, &ctx, &o, "1");
	in(example, &ctx, &o, "Lerep");
	in(example, &ctx, &o, words);
	line = strstr(o.screen, "Jalan & jembatan, Lerep: ");
	assert_non_null(line);
	line += strlen("Jalan & jembatan, Lerep: ");
	end = strstr(line, "...\n1 Kirim");
	assert_non_null(end);
	assert_true(end - line > 20);
	assert_memory_equal(line, words, (size_t)(end - line));
	assert_int_equal(words[end - line], ' ');
}

/*
 * The final fit: whatever the config or the caller hands in (a label of
 * emoji, a 300-character agency, a status name with line breaks), the
 * screen stays GSM-7 and within 160.
 */
static void
test_final_fit(void **state)
{
	char hostile[512], label[1024], code[256];
	struct conf c;
	struct conf_rule *rules;
	struct ussd_ctx ctx;
	struct ussd_out o;
	size_t i;

	(void)state;
	for (i = 0; i < 100; i++)
		memcpy(hostile + 3 * i, i % 2 ? "\xe2\x82\xac" : "ab ", 3);
	hostile[300] = '\0';
	(void)snprintf(label, sizeof(label), "\xf0\x9f\x98\x80 Label\n%s",
	    hostile);
	memset(code, '9', 200);
	code[200] = '\0';

	c = *example;
	rules = calloc(c.nrules, sizeof(*rules));
	assert_non_null(rules);
	memcpy(rules, example->rules, c.nrules * sizeof(*rules));
	for (i = 0; i < c.nrules; i++)
		rules[i].label[i % 2 ? LANG_ID : LANG_EN] = label;
	rules[3].label[LANG_EN] = NULL;         /* falls back to Indonesian */
	c.rules = rules;
	c.short_code = code;

	render_all(&c, LANG_ID);
	render_all(&c, LANG_EN);

	ussd_begin(&c, &ctx, LANG_ID, &o);
	assert_starts(o.screen, "Aduan 999");
	assert_contains(o.screen, "...\n1 Buat aduan\n2 Cek status aduan\n"
	    "3 Bantuan\n4 English");
	in(&c, &ctx, &o, "3");
	assert_contains(o.screen, "\n0 Kembali");
	in(&c, &ctx, &o, "0");
	in(&c, &ctx, &o, "1");
	assert_string_equal(o.screen, "Pilih kategori:\n1 Jalan & jembatan\n"
	    "98 Berikutnya\n0 Kembali");
	in(&c, &ctx, &o, "98");
	/* Alone on its page, the emoji as '?', the line break a space, cut. */
	assert_starts(o.screen, "Pilih kategori:\n2 ? Label ab \xe2\x82\xac");
	assert_contains(o.screen, "...\n98 Berikutnya\n0 Kembali");

	ussd_submitted(&c, &ctx, TICKET_OK, hostile, &o);
	(void)screen_ok(&o, "submitted, hostile agency");
	assert_starts(o.screen, "Aduan diterima. No tiket: 48219303, diteruskan ke ab");
	assert_int_equal(o.end, 1);
	ussd_status(&c, &ctx, 1, "\xf0\x9f\x98\x80" "12345678", label, hostile,
	    hostile, &o);
	(void)screen_ok(&o, "status, hostile values");
	assert_null(strchr(o.screen, '\n'));
	ussd_status(&c, &ctx, 0, NULL, NULL, NULL, NULL, &o);
	(void)screen_ok(&o, "not found, NULL values");
	free(rules);
}

/* ---- state names, damaged contexts, END ---- */

static void
test_state_names(void **state)
{
	int s;

	(void)state;
	for (s = 0; s < USSD_NSTATES; s++) {
		assert_non_null(ussd_state_name((enum ussd_state)s));
		assert_int_equal(ussd_state_from_name(
		    ussd_state_name((enum ussd_state)s)), s);
	}
	assert_string_equal(ussd_state_name(USSD_STATUS_ASK), "status_ask");
	assert_string_equal(ussd_state_name(USSD_END), "end");
	assert_null(ussd_state_name(USSD_NSTATES));
	assert_int_equal(ussd_state_from_name("bogus"), -1);
	assert_int_equal(ussd_state_from_name(""), -1);
	assert_int_equal(ussd_state_from_name(NULL), -1);
}

static void
test_damaged_context(void **state)
{
	struct ussd_ctx ctx;
	struct ussd_out o;

	(void)state;
	/* A state out of range: MAIN, the input not taken. */
	ussd_begin(example, &ctx, LANG_EN, &o);
	ctx.state = (enum ussd_state)42;
	in(example, &ctx, &o, "2");
	assert_int_equal(ctx.state, USSD_MAIN);
	assert_int_equal(ctx.lang, LANG_EN);
	assert_starts(o.screen, "Aduan 1708\n1 New complaint");
	/* A rule gone after a reload. */
	ussd_begin(example, &ctx, LANG_ID, &o);
	in(example, &ctx, &o, "1");
	in(example, &ctx, &o, "1");
	ctx.rule = 999;
	in(example, &ctx, &o, "Lerep");
	assert_int_equal(ctx.state, USSD_MAIN);
	assert_int_equal(ctx.rule, -1);
	/* A page beyond the last, strings without their NUL. */
	ussd_begin(example, &ctx, LANG_ID, &o);
	in(example, &ctx, &o, "1");
	ctx.page = 77;
	memset(ctx.location, 'x', sizeof(ctx.location));
	memset(ctx.description, 'y', sizeof(ctx.description));
	in(example, &ctx, &o, "x");
	assert_int_equal(ctx.page, 2);  /* the last of the example's 3 pages */
	assert_int_equal(strlen(ctx.location), USSD_LOCATION_MAX);
	assert_int_equal(strlen(ctx.description), USSD_DESC_MAX);
	/* RESUME with nowhere to go back to. */
	ussd_begin(example, &ctx, LANG_ID, &o);
	in(example, &ctx, &o, "1");
	in(example, &ctx, &o, "1");
	ussd_offer_resume(example, &ctx, &o);
	ctx.resume_to = USSD_HELP;
	in(example, &ctx, &o, "1");
	assert_int_equal(ctx.state, USSD_MAIN);
	/* A NULL input is an empty one. */
	ussd_begin(example, &ctx, LANG_ID, &o);
	ussd_step(example, &ctx, NULL, 5, &o);
	assert_starts(o.screen, "Pilihan salah.\n");
}

static void
test_end(void **state)
{
	struct ussd_ctx ctx;
	struct ussd_out o;

	(void)state;
	ussd_begin(example, &ctx, LANG_ID, &o);
	in(example, &ctx, &o, "1");
	in(example, &ctx, &o, "5");
	in(example, &ctx, &o, "Puskesmas Bergas");
	in(example, &ctx, &o, "Antrian lama");
	in(example, &ctx, &o, "1");
	assert_int_equal(o.action, USSD_ACT_SUBMIT);
	assert_int_equal(ctx.state, USSD_CONFIRM);
	assert_int_equal(o.end, 0);
	ussd_submitted(example, &ctx, TICKET_OK, "Dinkes", &o);
	assert_int_equal(o.end, 1);
	assert_int_equal(ussd_resumable(&ctx), 0);
	in(example, &ctx, &o, "1");
	assert_int_equal(o.end, 1);
	assert_int_equal(o.action, USSD_ACT_NONE);
	assert_string_equal(o.screen, "");
	assert_int_equal(ctx.state, USSD_END);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_row),
		cmocka_unit_test(test_exact_screens),
		cmocka_unit_test(test_render_all),
		cmocka_unit_test(test_paging_50),
		cmocka_unit_test(test_paging_120),
		cmocka_unit_test(test_star_hash_kept),
		cmocka_unit_test(test_invalid_never_ends),
		cmocka_unit_test(test_dial_through),
		cmocka_unit_test(test_language_toggle),
		cmocka_unit_test(test_resume),
		cmocka_unit_test(test_status_ask),
		cmocka_unit_test(test_text_bounds),
		cmocka_unit_test(test_final_fit),
		cmocka_unit_test(test_state_names),
		cmocka_unit_test(test_damaged_context),
		cmocka_unit_test(test_end),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
