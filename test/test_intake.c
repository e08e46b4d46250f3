/*
 * test_intake: what one SMS does, as the citizen who sent it would notice.
 * Each test drives intake_sms() with a hand-made struct sms_in from the
 * Kannel gateway, against the bundled example config (conf/aduan.conf, or
 * $ADUAN_SRCDIR/conf/aduan.conf) and a real SQLite store in its own
 * mkdtemp() directory under /tmp, removed at teardown.  The tests read like
 * the grammar and reply tables of the README: the reply a phone gets, the
 * ticket it can quote back, and what the store keeps (looked at through
 * store.h only).  The one exception is the locked-database test, which opens
 * a second raw SQLite connection to stand in for another process.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sqlite3.h>
#include <sys/socket.h>

#include "conf/conf.h"
#include "gateway/gateway.h"
#include "intake/guard.h"
#include "intake/intake.h"
#include "net/http.h"
#include "routing/route.h"
#include "sms/gsm.h"
#include "sms/ticket.h"
#include "store/store.h"
#include "test/faultvfs.h"
#include "util/log.h"
#include "util/metrics.h"
#include "util/util.h"

#define REPORTER        "081234567890"
#define REPORTER_E164   "+6281234567890"
#define STRANGER        "081298765432"
#define STRANGER_E164   "+6281298765432"

struct fixture {
	char dir[64];
	char path[128];
	struct conf *conf;
	struct route_table *rt;
	struct store *s;
	struct intake ix;
	unsigned long seq;      /* for unique gateway message ids */
	struct conf guard;      /* the example config's guard settings (guard_on) */
};

static const struct store_options opts = { .sync_full = 1, .busy_timeout_ms = 200 };

/* ---- fixture ------------------------------------------------------------ */

static void
remove_dir(const char *dir)
{
	char p[512];
	struct dirent *de;
	DIR *d;

	/* The -wal and -shm files may or may not be there; remove whatever is. */
	if ((d = opendir(dir)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
			unlink(p);
		}
		closedir(d);
	}
	rmdir(dir);
}

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);
	struct conf_errors *errs = xcalloc(1, sizeof *errs);
	const char *src = getenv("ADUAN_SRCDIR");
	char conf_path[512], err[256];
	int i;

	log_set_level(LOG_LEVEL_ERROR);
	snprintf(conf_path, sizeof conf_path, "%s/conf/aduan.conf",
	    src != NULL && *src != '\0' ? src : ".");
	f->conf = conf_load_file(conf_path, CONF_DEMO, errs);
	if (f->conf == NULL) {
		for (i = 0; i < errs->n; i++)
			print_error("%s:%d: %s\n", conf_path, errs->e[i].line, errs->e[i].msg);
		free(errs);
		free(f);
		return -1;
	}
	free(errs);
	f->rt = route_build(f->conf, err, sizeof err);
	if (f->rt == NULL) {
		print_error("route_build: %s\n", err);
		conf_free(f->conf);
		free(f);
		return -1;
	}
	snprintf(f->dir, sizeof f->dir, "/tmp/aduan-intake-XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		route_free(f->rt);
		conf_free(f->conf);
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof f->path, "%s/aduan.db", f->dir);
	f->s = store_open(f->path, &opts, err, sizeof err);
	if (f->s == NULL) {
		print_error("store_open %s: %s\n", f->path, err);
		remove_dir(f->dir);
		route_free(f->rt);
		conf_free(f->conf);
		free(f);
		return -1;
	}
	f->ix.conf = f->conf;
	f->ix.rt = f->rt;
	f->ix.store = f->s;
	intake_start(&f->ix);
	/*
	 * Most tests send many messages from one phone to show what one
	 * message does: the flood guard is off for them, and the guard's
	 * tests turn the example config's settings back on (guard_on).
	 */
	f->guard = *f->conf;
	f->conf->guard_complaints_per_hour = 0;
	f->conf->guard_duplicate_window = 0;
	f->conf->guard_replies_per_hour = 0;
	f->conf->guard_loop_repeats = 0;
	*state = f;
	return 0;
}

/* The flood guard as the example config sets it. */
static void
guard_on(struct fixture *f)
{
	f->conf->guard_complaints_per_hour = f->guard.guard_complaints_per_hour;
	f->conf->guard_burst = f->guard.guard_burst;
	f->conf->guard_duplicate_window = f->guard.guard_duplicate_window;
	f->conf->guard_replies_per_hour = f->guard.guard_replies_per_hour;
	f->conf->guard_loop_repeats = f->guard.guard_loop_repeats;
	f->conf->guard_loop_window = f->guard.guard_loop_window;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	intake_stop(&f->ix);
	store_close(f->s);
	remove_dir(f->dir);
	route_free(f->rt);
	conf_free(f->conf);
	free(f);
	return 0;
}

/* ---- helpers ------------------------------------------------------------ */

/* Fails, printing both strings, unless needle occurs in haystack. */
#define assert_contains(haystack, needle) \
	contains_((haystack), (needle), __FILE__, __LINE__)
#define assert_not_contains(haystack, needle) \
	not_contains_((haystack), (needle), __FILE__, __LINE__)

static void
contains_(const char *haystack, const char *needle, const char *file, int line)
{
	if (strstr(haystack, needle) == NULL) {
		print_error("expected to find \"%s\"\n            in \"%s\"\n", needle, haystack);
		_fail(file, line);
	}
}

static void
not_contains_(const char *haystack, const char *needle, const char *file, int line)
{
	if (strstr(haystack, needle) != NULL) {
		print_error("did not expect \"%s\"\n                 in \"%s\"\n", needle,
		    haystack);
		_fail(file, line);
	}
}

/* snprintf into a buffer the test then compares with a reply. */
static const char *fmt(char *buf, size_t bufsz, const char *f, ...)
    __attribute__((format(printf, 3, 4)));

static const char *
fmt(char *buf, size_t bufsz, const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	vsnprintf(buf, bufsz, f, ap);
	va_end(ap);
	return buf;
}

/*
 * One SMS from `from` through the Kannel gateway.  id NULL gives the
 * message a fresh unique gateway id; "" sends it without one.
 */
static int
sms_id(struct fixture *f, const char *from, const char *text, const char *id,
    struct intake_result *res)
{
	struct sms_in in;
	int st;

	memset(&in, 0, sizeof in);
	str_copy(in.from, sizeof in.from, from);
	str_copy(in.to, sizeof in.to, "1708");
	if (id != NULL)
		str_copy(in.id, sizeof in.id, id);
	else
		snprintf(in.id, sizeof in.id, "test-%lu", ++f->seq);
	in.time = 0;
	in.text = xstrdup(text);
	in.text_len = strlen(text);
	st = intake_sms(&f->ix, &gateway_kannel, &in, res);
	sms_in_clear(&in);
	return st;
}

/* The usual case: a phone texts, the service answers 200. */
static const char *
sms(struct fixture *f, const char *from, const char *text, struct intake_result *res)
{
	int st = sms_id(f, from, text, NULL, res);

	if (st != 200)
		fail_msg("\"%s\" from %s: status %d (%s)", text, from, st, res->error);
	assert_int_equal(res->status, 200);
	return res->reply;
}

/* The first run of exactly 8 digits in a reply; fails when there is none. */
static void
ticket_in(const char *reply, char out[TICKET_DIGITS + 1])
{
	const char *p = reply;
	size_t n;

	while (*p != '\0') {
		n = strspn(p, "0123456789");
		if (n == TICKET_DIGITS) {
			memcpy(out, p, TICKET_DIGITS);
			out[TICKET_DIGITS] = '\0';
			return;
		}
		p += n > 0 ? n : 1;
	}
	fail_msg("no 8-digit ticket in reply \"%s\"", reply);
}

/* Files a complaint from phone and returns its ticket. */
static void
file_complaint(struct fixture *f, const char *phone, const char *text,
    char ticket[TICKET_DIGITS + 1])
{
	struct intake_result res;

	sms(f, phone, text, &res);
	ticket_in(res.reply, ticket);
	assert_int_equal(store_ticket_exists(f->s, ticket), 1);
}

/* The complaint behind ticket, which must exist; clear it after. */
static void
get_complaint(struct fixture *f, const char *ticket, struct store_complaint *c)
{
	int r = store_complaint_get(f->s, ticket, c);

	if (r != 1)
		fail_msg("ticket %s: store_complaint_get returned %d (%s)", ticket, r,
		    r < 0 ? store_errmsg() : "not found");
}

static void
assert_status(struct fixture *f, const char *ticket, const char *status)
{
	struct store_complaint c;

	get_complaint(f, ticket, &c);
	assert_string_equal(c.status, status);
	store_complaint_clear(&c);
}

static int64_t
updated_at(struct fixture *f, const char *ticket)
{
	struct store_complaint c;
	int64_t t;

	get_complaint(f, ticket, &c);
	t = c.updated_at;
	store_complaint_clear(&c);
	return t;
}

static int64_t
complaint_id(struct fixture *f, const char *ticket)
{
	struct store_complaint c;
	int64_t id;

	get_complaint(f, ticket, &c);
	id = c.id;
	store_complaint_clear(&c);
	return id;
}

/* "dd/mm/yyyy" of a Unix time in local time, as status replies show it. */
static const char *
date_of(int64_t t, char *buf, size_t bufsz)
{
	time_t tt = (time_t)t;
	struct tm tm;

	localtime_r(&tt, &tm);
	snprintf(buf, bufsz, "%02d/%02d/%04d", tm.tm_mday, tm.tm_mon + 1, tm.tm_year + 1900);
	return buf;
}

/*
 * Event times are whole seconds: waiting for the next one makes a new
 * event visible as a later updated_at.
 */
static void
wait_next_second(void)
{
	struct timespec ms10 = { 0, 10 * 1000 * 1000 };
	time_t t0 = time(NULL);

	while (time(NULL) == t0)
		nanosleep(&ms10, NULL);
}

/* Replaces every occurrence of the 8 digits `ticket` in s with "########". */
static void
blank_ticket(char *s, const char *ticket)
{
	char *p;

	while ((p = strstr(s, ticket)) != NULL)
		memset(p, '#', TICKET_DIGITS);
}

/* A ticket with a valid check digit that was never issued here. */
static void
unissued_ticket(struct fixture *f, char out[TICKET_DIGITS + 1])
{
	do
		assert_int_equal(ticket_new(out), 0);
	while (store_ticket_exists(f->s, out) != 0);
}

/* The same ticket with one digit changed: the check digit no longer fits. */
static void
mistype(const char *ticket, char out[TICKET_DIGITS + 1])
{
	memcpy(out, ticket, TICKET_DIGITS + 1);
	out[3] = out[3] == '9' ? '0' : (char)(out[3] + 1);
	assert_false(ticket_valid(out));
}

static size_t
parts(const char *s)
{
	struct gsm_count gc;

	assert_int_equal(gsm_count(s, strlen(s), &gc), 0);
	return gc.parts;
}

#define HELP_ID "Kirim ke 1708: KATA KUNCI lalu isi aduan. Kata kunci: JALAN, SAMPAH, " \
	"AIR, LISTRIK, KESEHATAN, KTP, SEKOLAH, PJU, PARKIR, PKL, BANSOS, BENCANA, RTLH. " \
	"Cek: STATUS no tiket"
#define HELP_EN "Text 1708: KEYWORD then your complaint. Keywords: ROAD, GARBAGE, " \
	"WATER, ELECTRICITY, HEALTH, ID CARD, SCHOOL, STREETLIGHT, PARKING, " \
	"STREET VENDOR, WELFARE, DISASTER, HOUSING. Check: STATUS ticket no"

/* ---- new complaints ----------------------------------------------------- */

static void
test_keyword_complaint_gets_a_stored_ticket_in_one_sms(void **state)
{
	struct fixture *f = *state;
	const char *text = "JALAN Jl. Pemuda depan SMP 3 berlubang";
	struct intake_result res;
	struct store_complaint c;
	char t[TICKET_DIGITS + 1], want[256];

	assert_int_equal(sms_id(f, REPORTER, text, "k-1", &res), 200);
	assert_string_equal(res.error, "");
	ticket_in(res.reply, t);
	assert_true(ticket_valid(t));
	assert_string_equal(res.reply, fmt(want, sizeof want,
	    "Aduan diterima. No tiket: %s. Diteruskan ke DPUPR. "
	    "Cek status: ketik STATUS %s kirim ke 1708", t, t));
	assert_int_equal(parts(res.reply), 1);
	assert_true(gsm_is_gsm7(res.reply, strlen(res.reply)));

	get_complaint(f, t, &c);
	assert_string_equal(c.ticket, t);
	assert_string_equal(c.phone, REPORTER_E164);
	assert_string_equal(c.channel, "sms");
	assert_string_equal(c.keyword, "JALAN");
	assert_string_equal(c.agency, "dpupr");
	assert_string_equal(c.region, "");
	/* "received" by the citizen, then "routed" by Aduan: a rule matched. */
	assert_string_equal(c.status, "routed");
	assert_string_equal(c.lang, "id");
	assert_null(c.location);
	/* The whole text: without its keyword "Sampah menumpuk" loses its subject. */
	assert_string_equal(c.description, text);
	assert_non_null(c.route_explain);
	assert_contains(c.route_explain, "JALAN");
	assert_true(c.created_at > 0);
	store_complaint_clear(&c);
	assert_int_equal(store_complaint_count(f->s), 1);

	/* The inbound message is kept with the reply that was sent. */
	memset(want, 0, sizeof want);
	assert_int_equal(store_message_find(f->s, "kannel", "k-1", NULL, want, sizeof want), 1);
	assert_string_equal(want, res.reply);
}

static void
test_structured_complaint_keeps_location_and_routes_by_region(void **state)
{
	struct fixture *f = *state;
	struct intake_result res;
	struct store_complaint c;
	char t[TICKET_DIGITS + 1], want[256];

	sms(f, REPORTER, "JALAN#Bawen#lubang besar depan SD 2", &res);
	ticket_in(res.reply, t);
	assert_string_equal(res.reply, fmt(want, sizeof want,
	    "Aduan diterima. No tiket: %s. Diteruskan ke UPTD PU Ambarawa. "
	    "Cek status: ketik STATUS %s kirim ke 1708", t, t));
	assert_int_equal(parts(res.reply), 1);

	get_complaint(f, t, &c);
	assert_non_null(c.location);
	assert_string_equal(c.location, "Bawen");
	assert_string_equal(c.description, "lubang besar depan SD 2");
	assert_string_equal(c.keyword, "JALAN");
	assert_string_equal(c.region, "ambarawa");
	assert_string_equal(c.agency, "upt-pu-ambarawa");
	assert_string_equal(c.status, "routed");
	store_complaint_clear(&c);
}

static void
test_structured_complaint_without_location_field(void **state)
{
	struct fixture *f = *state;
	struct store_complaint c;
	char t[TICKET_DIGITS + 1];

	file_complaint(f, REPORTER, "sampah # menumpuk di pasar Ungaran", t);
	get_complaint(f, t, &c);
	assert_null(c.location);
	assert_string_equal(c.description, "menumpuk di pasar Ungaran");
	assert_string_equal(c.keyword, "SAMPAH");
	/* SAMPAH has no regional unit: the region is noted, the agency stays. */
	assert_string_equal(c.region, "ungaran");
	assert_string_equal(c.agency, "dlh");
	store_complaint_clear(&c);
}

static void
test_phrase_inside_free_text_routes_to_its_agency(void **state)
{
	struct fixture *f = *state;
	const char *text = "lampu jalan mati sejak seminggu";
	struct intake_result res;
	struct store_complaint c;
	char t[TICKET_DIGITS + 1], want[256];

	sms(f, REPORTER, text, &res);
	ticket_in(res.reply, t);
	assert_string_equal(res.reply, fmt(want, sizeof want,
	    "Aduan diterima. No tiket: %s. Diteruskan ke Dishub. "
	    "Cek status: ketik STATUS %s kirim ke 1708", t, t));
	get_complaint(f, t, &c);
	assert_string_equal(c.keyword, "PJU");
	assert_string_equal(c.agency, "dishub");
	assert_string_equal(c.status, "routed");
	assert_string_equal(c.description, text);
	store_complaint_clear(&c);
}

static void
test_keyword_one_letter_off_still_routes(void **state)
{
	struct fixture *f = *state;
	struct store_complaint c;
	char t[TICKET_DIGITS + 1];

	/* Two words only, but a (mistyped) keyword makes it a complaint. */
	file_complaint(f, REPORTER, "Sampha menumpuk", t);
	get_complaint(f, t, &c);
	assert_string_equal(c.keyword, "SAMPAH");
	assert_string_equal(c.agency, "dlh");
	assert_string_equal(c.description, "Sampha menumpuk");
	assert_contains(c.route_explain, "typo");
	store_complaint_clear(&c);
}

static void
test_free_text_without_keyword_goes_to_triage(void **state)
{
	struct fixture *f = *state;
	const char *text = "tolong ada kejadian aneh di desa kami";
	struct intake_result res;
	struct store_complaint c;
	char t[TICKET_DIGITS + 1], want[256];

	sms(f, REPORTER, text, &res);
	ticket_in(res.reply, t);
	assert_true(ticket_valid(t));
	assert_string_equal(res.reply, fmt(want, sizeof want,
	    "Aduan diterima. No tiket: %s. Petugas akan meneruskan ke dinas terkait. "
	    "Cek status: ketik STATUS %s kirim ke 1708", t, t));
	assert_int_equal(parts(res.reply), 1);

	get_complaint(f, t, &c);
	assert_string_equal(c.agency, "diskominfo");
	assert_string_equal(c.keyword, "");
	/* No rule matched: no "routed" event, a person sorts it. */
	assert_string_equal(c.status, "received");
	assert_string_equal(c.description, text);
	store_complaint_clear(&c);
}

/*
 * Routing sends a thank-you and a place outside the area to triage before
 * any rule; the citizen's receipt says which (not "complaint sent to the
 * right office" for a thank-you), and a person still reads both.
 */
static void
test_thanks_and_outside_get_their_own_receipts(void **state)
{
	struct fixture *f = *state;
	struct intake_result res;
	struct store_complaint c;
	char t[TICKET_DIGITS + 1], want[256];

	sms(f, REPORTER, "terima kasih pak, lampu jalan depan rumah sdh nyala lagi", &res);
	ticket_in(res.reply, t);
	assert_true(ticket_valid(t));
	assert_string_equal(res.reply, fmt(want, sizeof want,
	    "Terima kasih, pesan Anda kami terima (no %s) dan dibaca petugas. "
	    "Masih ada masalah? Kirim aduan baru ke 1708", t));
	assert_int_equal(parts(res.reply), 1);
	get_complaint(f, t, &c);
	assert_string_equal(c.agency, "diskominfo");
	assert_string_equal(c.keyword, "");
	assert_contains(c.route_explain, "routing.thanks");
	store_complaint_clear(&c);

	sms(f, "081234567891", "jln di Tlogosari Kota Semarang rusak parah, tolong", &res);
	ticket_in(res.reply, t);
	assert_true(ticket_valid(t));
	assert_string_equal(res.reply, fmt(want, sizeof want,
	    "Aduan diterima. No tiket: %s. Lokasinya di luar wilayah kami; petugas akan "
	    "meneruskan ke instansi yang berwenang. Cek: STATUS %s ke 1708", t, t));
	assert_int_equal(parts(res.reply), 1);
	get_complaint(f, t, &c);
	assert_string_equal(c.agency, "diskominfo");
	assert_contains(c.route_explain, "'KOTA SEMARANG' names a place outside");
	store_complaint_clear(&c);
}

static void
test_short_text_without_keyword_gets_help_and_no_ticket(void **state)
{
	struct fixture *f = *state;
	static const char *const texts[] = { "halo", "tes saja", "terima kasih", "ok",
	    "tes#tes", "a#b#c" };
	struct intake_result res;
	char id[32], stored[INTAKE_REPLY_MAX];
	size_t i;

	for (i = 0; i < ARRAY_LEN(texts); i++) {
		snprintf(id, sizeof id, "short-%zu", i);
		assert_int_equal(sms_id(f, REPORTER, texts[i], id, &res), 200);
		assert_string_equal(res.reply, HELP_ID);
		assert_int_equal(store_complaint_count(f->s), 0);
		/* The message itself is kept, with the help it got. */
		assert_int_equal(store_message_find(f->s, "kannel", id, NULL, stored, sizeof stored), 1);
		assert_string_equal(stored, HELP_ID);
	}
}

static void
test_help_words_and_empty_message_get_help(void **state)
{
	struct fixture *f = *state;
	static const char *const texts[] = {
		"INFO", "info", "BANTUAN", "Bantuan dong", "", "   ", "LAPOR", "aduan:",
		"*info*",
	};
	struct intake_result res;
	size_t i;

	for (i = 0; i < ARRAY_LEN(texts); i++) {
		sms(f, REPORTER, texts[i], &res);
		if (strcmp(res.reply, HELP_ID) != 0)
			fail_msg("\"%s\": expected the help text, got \"%s\"", texts[i], res.reply);
	}
	assert_int_equal(store_complaint_count(f->s), 0);
}

static void
test_help_fits_two_sms_in_either_language(void **state)
{
	struct fixture *f = *state;
	struct intake_result res;

	sms(f, REPORTER, "INFO", &res);
	assert_true(gsm_is_gsm7(res.reply, strlen(res.reply)));
	assert_in_range(parts(res.reply), 1, 2);
	sms(f, REPORTER, "HELP", &res);
	assert_string_equal(res.reply, HELP_EN);
	assert_true(gsm_is_gsm7(res.reply, strlen(res.reply)));
	assert_in_range(parts(res.reply), 1, 2);
	sms(f, STRANGER, "HELP me please", &res);
	assert_string_equal(res.reply, HELP_EN);
}

static void
test_keyword_alone_asks_for_the_place_and_problem(void **state)
{
	struct fixture *f = *state;
	static const char *const texts[] = { "JALAN", "jln.", "LAPOR JALAN", "  Jalan  ",
	    "JALAN !!!", "Jalan ..." };
	const char *want = "Isi aduan belum ada. Tulis lokasi dan masalahnya setelah JALAN, "
	    "contoh: JALAN Jl. Pemuda 12 depan SD, sejak 3 hari";
	struct intake_result res;
	size_t i;

	for (i = 0; i < ARRAY_LEN(texts); i++) {
		sms(f, REPORTER, texts[i], &res);
		if (strcmp(res.reply, want) != 0)
			fail_msg("\"%s\": expected \"%s\", got \"%s\"", texts[i], want, res.reply);
	}
	assert_int_equal(store_complaint_count(f->s), 0);

	/* A structured form with an empty description is no complaint either. */
	sms(f, REPORTER, "JALAN#Bawen#", &res);
	assert_string_equal(res.reply, want);
	assert_int_equal(store_complaint_count(f->s), 0);
}

/* A leading phrase alone is a complaint: "jalan ambles" says what is wrong. */
static void
test_phrase_alone_is_a_complaint(void **state)
{
	struct fixture *f = *state;
	struct store_complaint c;
	char t[TICKET_DIGITS + 1];

	file_complaint(f, REPORTER, "jalan ambles", t);
	get_complaint(f, t, &c);
	assert_string_equal(c.agency, "dpupr");
	assert_string_equal(c.description, "jalan ambles");
	store_complaint_clear(&c);
}

static void
test_prose_opening_with_command_word_is_a_complaint(void **state)
{
	struct fixture *f = *state;
	struct store_complaint c;
	char t[TICKET_DIGITS + 1];

	file_complaint(f, REPORTER, "Status jalan rusak di depan pasar", t);
	get_complaint(f, t, &c);
	assert_string_equal(c.agency, "dpupr");
	assert_string_equal(c.description, "Status jalan rusak di depan pasar");
	store_complaint_clear(&c);

	file_complaint(f, REPORTER, "Info: ada kejadian aneh di Jl. Merdeka", t);
	get_complaint(f, t, &c);
	assert_string_equal(c.agency, "diskominfo");
	assert_string_equal(c.description, "Info: ada kejadian aneh di Jl. Merdeka");
	store_complaint_clear(&c);
	assert_int_equal(store_complaint_count(f->s), 2);
}

static void
test_utf8_text_is_stored_byte_for_byte(void **state)
{
	struct fixture *f = *state;
	/* Emoji (4 bytes), accents, a long dash, a no-break space inside. */
	const char *text = "SAMPAH menumpuk di pasar \xF0\x9F\x98\xA1 caf\xC3\xA9" " "
	    "\xE2\x80\x94 tolong\xC2\xA0segera, sudah 3 hari \xE2\x80\x9C" "bau\xE2\x80\x9D";
	struct intake_result res;
	struct store_complaint c;
	char t[TICKET_DIGITS + 1];

	sms(f, REPORTER, text, &res);
	ticket_in(res.reply, t);
	/* The reply is ours, not the citizen's text: still plain GSM-7. */
	assert_true(gsm_is_gsm7(res.reply, strlen(res.reply)));
	assert_int_equal(parts(res.reply), 1);
	get_complaint(f, t, &c);
	assert_int_equal(strlen(c.description), strlen(text));
	assert_memory_equal(c.description, text, strlen(text));
	assert_string_equal(c.agency, "dlh");
	store_complaint_clear(&c);
}

static void
test_long_complaint_is_stored_whole(void **state)
{
	struct fixture *f = *state;
	char text[1200], t[TICKET_DIGITS + 1];
	struct store_complaint c;
	size_t n = 0;

	n += (size_t)snprintf(text, sizeof text, "AIR ");
	while (n < 1000)
		n += (size_t)snprintf(text + n, sizeof text - n, "mati sudah %zu hari ", n);
	text[n - 1] = '\0';
	file_complaint(f, REPORTER, text, t);
	get_complaint(f, t, &c);
	assert_string_equal(c.description, text);
	assert_string_equal(c.agency, "pdam");
	store_complaint_clear(&c);
}

/* ---- STATUS ------------------------------------------------------------- */

static void
test_status_from_reporter_names_status_agency_and_date(void **state)
{
	struct fixture *f = *state;
	struct intake_result res;
	char t[TICKET_DIGITS + 1], cmd[64], want[256], date[32];

	file_complaint(f, REPORTER, "JALAN Jl. Pemuda depan SMP 3 berlubang", t);
	sms(f, REPORTER, fmt(cmd, sizeof cmd, "STATUS %s", t), &res);
	assert_string_equal(res.reply, fmt(want, sizeof want,
	    "Tiket %s: diteruskan ke dinas. Ditangani DPUPR, update %s.", t,
	    date_of(updated_at(f, t), date, sizeof date)));
	assert_int_equal(parts(res.reply), 1);
	/* Asking changes nothing. */
	assert_status(f, t, "routed");
	assert_int_equal(store_complaint_count(f->s), 1);
}

static void
test_status_of_triage_complaint_says_received(void **state)
{
	struct fixture *f = *state;
	struct intake_result res;
	char t[TICKET_DIGITS + 1], cmd[64];

	file_complaint(f, REPORTER, "tolong ada kejadian aneh di desa kami", t);
	sms(f, REPORTER, fmt(cmd, sizeof cmd, "CEK %s", t), &res);
	assert_contains(res.reply, t);
	assert_contains(res.reply, ": diterima.");
	assert_contains(res.reply, "Ditangani Diskominfo");
}

static void
test_status_accepts_the_spellings_citizens_type(void **state)
{
	struct fixture *f = *state;
	struct intake_result res;
	char t[TICKET_DIGITS + 1], cmd[8][64], first[INTAKE_REPLY_MAX];
	size_t i;

	file_complaint(f, REPORTER, "JALAN Jl. Pemuda depan SMP 3 berlubang", t);
	sms(f, REPORTER, fmt(cmd[0], sizeof cmd[0], "STATUS %s", t), &res);
	assert_contains(res.reply, t);
	assert_contains(res.reply, "diteruskan ke dinas");
	str_copy(first, sizeof first, res.reply);

	fmt(cmd[0], sizeof cmd[0], "CEK %.4s %s", t, t + 4);
	fmt(cmd[1], sizeof cmd[1], "STATUS #%s", t);
	fmt(cmd[2], sizeof cmd[2], "cek status tiket %s", t);
	fmt(cmd[3], sizeof cmd[3], "cek status tiket %.4s-%s", t, t + 4);
	fmt(cmd[4], sizeof cmd[4], "CEK:%s", t);
	fmt(cmd[5], sizeof cmd[5], "status %s", t);
	fmt(cmd[6], sizeof cmd[6], "Status: %s ", t);
	fmt(cmd[7], sizeof cmd[7], "CEK NO. TIKET %s", t);
	for (i = 0; i < ARRAY_LEN(cmd); i++) {
		sms(f, REPORTER, cmd[i], &res);
		if (strcmp(res.reply, first) != 0)
			fail_msg("\"%s\": expected \"%s\", got \"%s\"", cmd[i], first, res.reply);
	}
	assert_int_equal(store_complaint_count(f->s), 1);
}

static void
test_status_from_another_phone_reads_like_not_found(void **state)
{
	struct fixture *f = *state;
	struct intake_result res;
	char t[TICKET_DIGITS + 1], u[TICKET_DIGITS + 1], cmd[64], want[256];
	char theirs[INTAKE_REPLY_MAX], unknown[INTAKE_REPLY_MAX];

	file_complaint(f, REPORTER, "JALAN Jl. Pemuda depan SMP 3 berlubang", t);
	unissued_ticket(f, u);

	sms(f, STRANGER, fmt(cmd, sizeof cmd, "STATUS %s", t), &res);
	assert_string_equal(res.reply, fmt(want, sizeof want,
	    "Tiket %s tidak ditemukan. Periksa nomor di SMS tanda terima aduan Anda.", t));
	str_copy(theirs, sizeof theirs, res.reply);
	sms(f, STRANGER, fmt(cmd, sizeof cmd, "STATUS %s", u), &res);
	str_copy(unknown, sizeof unknown, res.reply);

	/* The reply quotes the number asked for; apart from it, byte for byte the same. */
	blank_ticket(theirs, t);
	blank_ticket(unknown, u);
	assert_string_equal(theirs, unknown);
	assert_not_contains(theirs, "DPUPR");

	/* The same from the reporter for a number never issued. */
	sms(f, REPORTER, fmt(cmd, sizeof cmd, "STATUS %s", u), &res);
	blank_ticket(res.reply, u);
	assert_string_equal(res.reply, unknown);
}

static void
test_mistyped_ticket_gets_typo_reply(void **state)
{
	struct fixture *f = *state;
	struct intake_result res;
	char t[TICKET_DIGITS + 1], bad[TICKET_DIGITS + 1], cmd[64], want[256];

	file_complaint(f, REPORTER, "JALAN Jl. Pemuda depan SMP 3 berlubang", t);
	mistype(t, bad);
	sms(f, REPORTER, fmt(cmd, sizeof cmd, "STATUS %s", bad), &res);
	assert_string_equal(res.reply, fmt(want, sizeof want,
	    "Nomor tiket %s salah ketik. Periksa lagi 8 angka di SMS tanda terima aduan Anda.",
	    bad));
	assert_contains(res.reply, "salah ketik");

	/* Two neighbours swapped (when they differ) is caught the same way. */
	memcpy(bad, t, sizeof bad);
	if (bad[1] != bad[2]) {
		char x = bad[1];

		bad[1] = bad[2];
		bad[2] = x;
		sms(f, REPORTER, fmt(cmd, sizeof cmd, "CEK %s", bad), &res);
		assert_contains(res.reply, "salah ketik");
	}
}

static void
test_ticket_with_wrong_digit_count_shows_the_right_form(void **state)
{
	struct fixture *f = *state;
	struct intake_result res;
	char t[TICKET_DIGITS + 1], cmd[64];

	file_complaint(f, REPORTER, "JALAN Jl. Pemuda depan SMP 3 berlubang", t);
	sms(f, REPORTER, fmt(cmd, sizeof cmd, "STATUS %.7s", t), &res);
	assert_string_equal(res.reply, "Nomor tiket harus 8 angka. Contoh: STATUS 48219303");
	/* The example uses the word the citizen typed. */
	sms(f, REPORTER, fmt(cmd, sizeof cmd, "cek %.7s", t), &res);
	assert_string_equal(res.reply, "Nomor tiket harus 8 angka. Contoh: CEK 48219303");
	sms(f, REPORTER, "STATUS", &res);
	assert_string_equal(res.reply, "Nomor tiket harus 8 angka. Contoh: STATUS 48219303");
	sms(f, REPORTER, "CEK STATUS TIKET", &res);
	assert_string_equal(res.reply, "Nomor tiket harus 8 angka. Contoh: CEK 48219303");
	sms(f, REPORTER, fmt(cmd, sizeof cmd, "BATAL %.6s", t), &res);
	assert_string_equal(res.reply, "Nomor tiket harus 8 angka. Contoh: BATAL 48219303");
	assert_int_equal(store_complaint_count(f->s), 1);
	assert_status(f, t, "routed");
}

/* ---- TAMBAH ------------------------------------------------------------- */

static void
test_add_from_reporter_is_recorded_and_keeps_status(void **state)
{
	struct fixture *f = *state;
	struct intake_result res;
	char t[TICKET_DIGITS + 1], cmd[96], want[256];
	int64_t before;

	file_complaint(f, REPORTER, "JALAN Jl. Pemuda depan SMP 3 berlubang", t);
	before = updated_at(f, t);
	wait_next_second();
	sms(f, REPORTER, fmt(cmd, sizeof cmd, "TAMBAH %s sudah 2 minggu", t), &res);
	assert_string_equal(res.reply, fmt(want, sizeof want,
	    "Tambahan info untuk tiket %s sudah kami terima. Terima kasih.", t));
	/* An event was written (it moved updated_at); the status is the same. */
	assert_true(updated_at(f, t) > before);
	assert_status(f, t, "routed");
	/* A citizen's own note is not shown back as an agency note. */
	{
		char note[256];

		assert_int_equal(store_last_agency_note(f->s, complaint_id(f, t), note,
		    sizeof note), 0);
	}
	assert_int_equal(store_complaint_count(f->s), 1);
}

static void
test_add_from_another_phone_reads_like_not_found_and_adds_nothing(void **state)
{
	struct fixture *f = *state;
	struct intake_result res;
	char t[TICKET_DIGITS + 1], cmd[96], want[256];
	int64_t before;

	file_complaint(f, REPORTER, "JALAN Jl. Pemuda depan SMP 3 berlubang", t);
	before = updated_at(f, t);
	wait_next_second();
	sms(f, STRANGER, fmt(cmd, sizeof cmd, "TAMBAH %s ini palsu", t), &res);
	assert_string_equal(res.reply, fmt(want, sizeof want,
	    "Tiket %s tidak ditemukan. Periksa nomor di SMS tanda terima aduan Anda.", t));
	assert_int_equal(updated_at(f, t), before);
	assert_status(f, t, "routed");
}

static void
test_add_without_note_asks_for_it(void **state)
{
	struct fixture *f = *state;
	struct intake_result res;
	char t[TICKET_DIGITS + 1], cmd[64], want[256];

	file_complaint(f, REPORTER, "JALAN Jl. Pemuda depan SMP 3 berlubang", t);
	sms(f, REPORTER, fmt(cmd, sizeof cmd, "TAMBAH %s", t), &res);
	assert_string_equal(res.reply, fmt(want, sizeof want,
	    "Tulis tambahan info setelah nomor tiket. Contoh: TAMBAH %s sudah 2 minggu "
	    "belum diperbaiki", t));
	sms(f, REPORTER, fmt(cmd, sizeof cmd, "TAMBAH %s : ", t), &res);
	assert_contains(res.reply, "Tulis tambahan info");
	assert_status(f, t, "routed");
}

/* ---- BATAL -------------------------------------------------------------- */

static void
test_cancel_from_reporter_withdraws(void **state)
{
	struct fixture *f = *state;
	struct intake_result res;
	char t[TICKET_DIGITS + 1], cmd[64], want[256];

	file_complaint(f, REPORTER, "JALAN Jl. Pemuda depan SMP 3 berlubang", t);
	sms(f, REPORTER, fmt(cmd, sizeof cmd, "BATAL %s", t), &res);
	assert_string_equal(res.reply, fmt(want, sizeof want,
	    "Tiket %s sudah dibatalkan sesuai permintaan Anda.", t));
	assert_status(f, t, "withdrawn");

	/* STATUS now says so. */
	sms(f, REPORTER, fmt(cmd, sizeof cmd, "STATUS %s", t), &res);
	assert_contains(res.reply, fmt(want, sizeof want, "Tiket %s: dibatalkan.", t));
}

static void
test_cancelled_ticket_cannot_be_changed_again(void **state)
{
	struct fixture *f = *state;
	struct intake_result res;
	char t[TICKET_DIGITS + 1], cmd[96], want[256];

	file_complaint(f, REPORTER, "JALAN Jl. Pemuda depan SMP 3 berlubang", t);
	sms(f, REPORTER, fmt(cmd, sizeof cmd, "BATAL %s", t), &res);
	fmt(want, sizeof want, "Tiket %s sudah dibatalkan dan tidak bisa diubah. "
	    "Kirim aduan baru bila masalah belum selesai.", t);

	sms(f, REPORTER, fmt(cmd, sizeof cmd, "BATAL %s", t), &res);
	assert_string_equal(res.reply, want);
	sms(f, REPORTER, fmt(cmd, sizeof cmd, "TAMBAH %s masih rusak", t), &res);
	assert_string_equal(res.reply, want);
	assert_status(f, t, "withdrawn");
}

static void
test_cancel_from_another_phone_changes_nothing(void **state)
{
	struct fixture *f = *state;
	struct intake_result res;
	char t[TICKET_DIGITS + 1], cmd[64], want[256];

	file_complaint(f, REPORTER, "JALAN Jl. Pemuda depan SMP 3 berlubang", t);
	sms(f, STRANGER, fmt(cmd, sizeof cmd, "BATAL %s", t), &res);
	assert_string_equal(res.reply, fmt(want, sizeof want,
	    "Tiket %s tidak ditemukan. Periksa nomor di SMS tanda terima aduan Anda.", t));
	assert_status(f, t, "routed");
	/* The reporter can still withdraw it. */
	sms(f, REPORTER, fmt(cmd, sizeof cmd, "BATAL %s", t), &res);
	assert_status(f, t, "withdrawn");
}

/*
 * LAPOR!'s rule: a resolved ticket waits for its reporter (close_due, set
 * when it was resolved).  A TAMBAH in that window reopens it: back to
 * in_progress with a follow-up due date, and the reply says so.
 */
static void
test_add_within_the_window_reopens_a_resolved_ticket(void **state)
{
	struct fixture *f = *state;
	struct intake_result res;
	struct store_complaint c;
	struct store_event ev[8];
	char t[TICKET_DIGITS + 1], cmd[96], want[256];
	int64_t now = now_unix();
	size_t n, i;

	file_complaint(f, REPORTER, "JALAN Jl. Pemuda depan SMP 3 berlubang", t);
	assert_int_equal(store_event_add(f->s, complaint_id(f, t), now, "dpupr",
	    "resolved", "Sudah ditambal"), 0);
	assert_int_equal(store_complaint_set_sla(f->s, complaint_id(f, t), -1, 0, 0,
	    now + 14 * 86400, 0), 0);
	sms(f, REPORTER, fmt(cmd, sizeof cmd, "BATAL %s", t), &res);
	assert_string_equal(res.reply, fmt(want, sizeof want,
	    "Tiket %s sudah selesai ditangani dan tidak bisa diubah. "
	    "Kirim aduan baru bila masalah belum selesai.", t));
	assert_status(f, t, "resolved");

	/* "It is not fixed": the ticket goes back to work. */
	sms(f, REPORTER, fmt(cmd, sizeof cmd, "TAMBAH %s belum beres, lubang muncul lagi", t),
	    &res);
	assert_string_equal(res.reply, fmt(want, sizeof want,
	    "Tiket %s dibuka kembali: tambahan info Anda sudah kami terima dan diteruskan "
	    "ke DPUPR untuk ditangani lagi.", t));
	get_complaint(f, t, &c);
	assert_string_equal(c.status, "in_progress");
	assert_int_equal(c.close_due, 0);
	/* A new due date: the follow-up, days from now. */
	assert_true(c.followup_due > now_unix() + 86400);
	assert_int_equal(store_events_list(f->s, c.id, ev, 8, &n), 0);
	assert_true(n >= 3);
	assert_string_equal(ev[n - 1].actor, "citizen");
	assert_string_equal(ev[n - 1].status, "in_progress");
	assert_string_equal(ev[n - 1].note, "belum beres, lubang muncul lagi");
	for (i = 0; i < n; i++)
		store_event_clear(&ev[i]);
	store_complaint_clear(&c);

	/* STATUS tells the reporter it is being handled again. */
	sms(f, REPORTER, fmt(cmd, sizeof cmd, "STATUS %s", t), &res);
	assert_contains(res.reply, fmt(want, sizeof want, "Tiket %s: sedang ditangani.", t));
}

/* After the window (the tick closes it any moment), a TAMBAH is a note only. */
static void
test_add_after_the_window_is_a_note_on_the_resolved_ticket(void **state)
{
	struct fixture *f = *state;
	struct intake_result res;
	char t[TICKET_DIGITS + 1], cmd[96];
	int64_t now = now_unix();

	file_complaint(f, REPORTER, "JALAN Jl. Pemuda depan SMP 3 berlubang", t);
	assert_int_equal(store_event_add(f->s, complaint_id(f, t), now - 20 * 86400, "dpupr",
	    "resolved", "Sudah ditambal"), 0);
	assert_int_equal(store_complaint_set_sla(f->s, complaint_id(f, t), -1, 0, 0,
	    now - 60, 0), 0);
	sms(f, REPORTER, fmt(cmd, sizeof cmd, "TAMBAH %s belum beres", t), &res);
	assert_contains(res.reply, "sudah kami terima. Terima kasih.");
	assert_status(f, t, "resolved");
}

/* ---- STOP / MULAI ------------------------------------------------------- */

static void
test_stop_and_start_switch_notifications(void **state)
{
	struct fixture *f = *state;
	struct intake_result res;
	struct store_phone p;

	assert_int_equal(store_phone_get(f->s, REPORTER_E164, &p), 0);
	assert_int_equal(p.notify, 1);

	sms(f, REPORTER, "BERHENTI", &res);
	assert_string_equal(res.reply, "SMS perkembangan aduan dihentikan. "
	    "Kirim MULAI ke 1708 untuk mengaktifkan lagi.");
	assert_int_equal(store_phone_get(f->s, REPORTER_E164, &p), 1);
	assert_int_equal(p.notify, 0);

	sms(f, REPORTER, "MULAI", &res);
	assert_string_equal(res.reply, "SMS perkembangan aduan diaktifkan. "
	    "Kirim BERHENTI ke 1708 untuk menghentikan.");
	assert_int_equal(store_phone_get(f->s, REPORTER_E164, &p), 1);
	assert_int_equal(p.notify, 1);

	/* STOP is an English word: the reply is English. */
	sms(f, REPORTER, "STOP", &res);
	assert_string_equal(res.reply,
	    "Progress SMS stopped. Send START to 1708 to turn them on again.");
	assert_int_equal(store_phone_get(f->s, REPORTER_E164, &p), 1);
	assert_int_equal(p.notify, 0);
	sms(f, REPORTER, "start", &res);
	assert_string_equal(res.reply, "Progress SMS turned on. Send STOP to 1708 to stop them.");
	assert_int_equal(store_phone_get(f->s, REPORTER_E164, &p), 1);
	assert_int_equal(p.notify, 1);

	/* Another phone's preference is its own. */
	assert_int_equal(store_phone_get(f->s, STRANGER_E164, &p), 0);
	assert_int_equal(p.notify, 1);
	assert_int_equal(store_complaint_count(f->s), 0);
}

/* ---- language ----------------------------------------------------------- */

static void
test_default_language_is_indonesian(void **state)
{
	struct fixture *f = *state;
	struct intake_result res;
	struct store_complaint c;
	char t[TICKET_DIGITS + 1];

	sms(f, REPORTER, "SAMPAH menumpuk di pasar", &res);
	assert_contains(res.reply, "Aduan diterima.");
	ticket_in(res.reply, t);
	get_complaint(f, t, &c);
	assert_string_equal(c.lang, "id");
	store_complaint_clear(&c);
	sms(f, STRANGER, "STATUS 12345678", &res);
	assert_contains(res.reply, "Nomor tiket 12345678 salah ketik");
}

static void
test_english_is_remembered_until_an_indonesian_word(void **state)
{
	struct fixture *f = *state;
	struct intake_result res;
	struct store_phone p;
	char t[TICKET_DIGITS + 1], cmd[64], want[256], date[32];

	file_complaint(f, REPORTER, "JALAN Jl. Pemuda depan SMP 3 berlubang", t);

	sms(f, REPORTER, "HELP", &res);
	assert_string_equal(res.reply, HELP_EN);
	assert_int_equal(store_phone_get(f->s, REPORTER_E164, &p), 1);
	assert_string_equal(p.lang, "en");

	/* STATUS is shared: it answers in the language the phone chose. */
	sms(f, REPORTER, fmt(cmd, sizeof cmd, "STATUS %s", t), &res);
	assert_string_equal(res.reply, fmt(want, sizeof want,
	    "Ticket %s: forwarded to the agency. Handled by DPUPR, updated %s.", t,
	    date_of(updated_at(f, t), date, sizeof date)));
	sms(f, REPORTER, "INFO", &res);
	assert_string_equal(res.reply, HELP_EN);

	/* CEK is Indonesian: the reply, and the phone's language from now on. */
	sms(f, REPORTER, fmt(cmd, sizeof cmd, "CEK %s", t), &res);
	assert_string_equal(res.reply, fmt(want, sizeof want,
	    "Tiket %s: diteruskan ke dinas. Ditangani DPUPR, update %s.", t, date));
	assert_int_equal(store_phone_get(f->s, REPORTER_E164, &p), 1);
	assert_string_equal(p.lang, "id");
	sms(f, REPORTER, fmt(cmd, sizeof cmd, "STATUS %s", t), &res);
	assert_contains(res.reply, "diteruskan ke dinas");

	/* Another phone is not affected by this one's choice. */
	sms(f, STRANGER, "INFO", &res);
	assert_string_equal(res.reply, HELP_ID);
}

static void
test_report_prefix_answers_in_english(void **state)
{
	struct fixture *f = *state;
	struct intake_result res;
	struct store_complaint c;
	struct store_phone p;
	char t[TICKET_DIGITS + 1], want[256];

	sms(f, REPORTER, "REPORT garbage near the market", &res);
	ticket_in(res.reply, t);
	assert_string_equal(res.reply, fmt(want, sizeof want,
	    "Complaint received. Ticket no: %s. Sent to DLH. For status text STATUS %s to 1708",
	    t, t));
	assert_int_equal(parts(res.reply), 1);
	get_complaint(f, t, &c);
	assert_string_equal(c.lang, "en");
	assert_string_equal(c.agency, "dlh");
	assert_string_equal(c.description, "garbage near the market");
	store_complaint_clear(&c);
	assert_int_equal(store_phone_get(f->s, REPORTER_E164, &p), 1);
	assert_string_equal(p.lang, "en");

	/* Triage in English. */
	sms(f, STRANGER, "REPORT a tree fell across the village lane", &res);
	ticket_in(res.reply, t);
	assert_string_equal(res.reply, fmt(want, sizeof want,
	    "Complaint received. Ticket no: %s. Our staff will forward it to the right "
	    "office. For status text STATUS %s to 1708", t, t));
	assert_int_equal(parts(res.reply), 1);
}

static void
test_english_alias_answers_in_english(void **state)
{
	struct fixture *f = *state;
	struct intake_result res;
	struct store_complaint c;
	char t[TICKET_DIGITS + 1], want[256];

	sms(f, REPORTER, "ROAD broken near the bridge", &res);
	ticket_in(res.reply, t);
	assert_string_equal(res.reply, fmt(want, sizeof want,
	    "Complaint received. Ticket no: %s. Sent to DPUPR. For status text STATUS %s to 1708",
	    t, t));
	get_complaint(f, t, &c);
	assert_string_equal(c.keyword, "JALAN");
	assert_string_equal(c.lang, "en");
	store_complaint_clear(&c);

	sms(f, STRANGER, "ROAD#Bawen#big hole near the school", &res);
	ticket_in(res.reply, t);
	assert_contains(res.reply, "Complaint received.");
	assert_contains(res.reply, "Sent to UPTD PU Ambarawa.");

	sms(f, REPORTER, "ROAD", &res);
	assert_string_equal(res.reply, "Your complaint is empty. Write the place and the "
	    "problem after JALAN, e.g. JALAN Jl. Pemuda 12 near the school, 3 days");
}

static void
test_english_phone_keeps_english_for_triage_and_errors(void **state)
{
	struct fixture *f = *state;
	struct intake_result res;
	char t[TICKET_DIGITS + 1], bad[TICKET_DIGITS + 1], cmd[64];

	file_complaint(f, REPORTER, "ROAD broken near the bridge", t);
	/* A complaint with no keyword says nothing about the language. */
	sms(f, REPORTER, "a tree fell across the village lane", &res);
	assert_contains(res.reply, "Complaint received.");
	mistype(t, bad);
	sms(f, REPORTER, fmt(cmd, sizeof cmd, "STATUS %s", bad), &res);
	assert_contains(res.reply, "has a typo");
	sms(f, REPORTER, "hello", &res);
	assert_string_equal(res.reply, HELP_EN);
}

/* ---- senders ------------------------------------------------------------ */

static void
test_network_senders_are_stored_and_never_answered(void **state)
{
	struct fixture *f = *state;
	static const char *const senders[] = { "TELKOMSEL", "888", "INFO", "1708" };
	struct intake_result res;
	char id[32], stored[64];
	size_t i;

	for (i = 0; i < ARRAY_LEN(senders); i++) {
		snprintf(id, sizeof id, "net-%zu", i);
		assert_int_equal(sms_id(f, senders[i],
		    "JALAN rusak parah. Promo paket data 10GB hanya 10rb", id, &res), 200);
		assert_string_equal(res.reply, "");
		assert_string_equal(res.error, "");
		str_copy(stored, sizeof stored, "not looked up");
		assert_int_equal(store_message_find(f->s, "kannel", id, NULL, stored, sizeof stored), 1);
		assert_string_equal(stored, "");
	}
	assert_int_equal(store_complaint_count(f->s), 0);
}

static void
test_invalid_sender_is_refused_and_nothing_stored(void **state)
{
	struct fixture *f = *state;
	static const char *const senders[] = { "+62", "", "  ", "12+34567890", "0812/3456/789",
		"+1234567890123456789" };
	struct intake_result res;
	char id[32];
	size_t i;

	for (i = 0; i < ARRAY_LEN(senders); i++) {
		snprintf(id, sizeof id, "bad-%zu", i);
		assert_int_equal(sms_id(f, senders[i], "JALAN Jl. Pemuda berlubang", id, &res), 400);
		assert_int_equal(res.status, 400);
		assert_string_equal(res.reply, "");
		assert_contains(res.error, "from");
		assert_int_equal(store_message_find(f->s, "kannel", id, NULL, NULL, 0), 0);
	}
	assert_int_equal(store_complaint_count(f->s), 0);
}

static void
test_sender_spellings_are_one_phone(void **state)
{
	struct fixture *f = *state;
	static const char *const spellings[] = {
		"+6281234567890", "6281234567890", "0812-3456-7890", "0062 812 3456 7890",
		" 0812 3456 7890 ",
	};
	struct intake_result res;
	char t[TICKET_DIGITS + 1], cmd[64];
	size_t i;

	file_complaint(f, REPORTER, "JALAN Jl. Pemuda depan SMP 3 berlubang", t);
	fmt(cmd, sizeof cmd, "STATUS %s", t);
	for (i = 0; i < ARRAY_LEN(spellings); i++) {
		sms(f, spellings[i], cmd, &res);
		if (strstr(res.reply, "diteruskan ke dinas") == NULL)
			fail_msg("from \"%s\": expected the status, got \"%s\"", spellings[i],
			    res.reply);
	}
}

/* ---- retries and store failures ----------------------------------------- */

static void
test_gateway_retry_gets_the_same_reply_and_no_second_ticket(void **state)
{
	struct fixture *f = *state;
	const char *text = "JALAN Jl. Pemuda depan SMP 3 berlubang";
	struct intake_result first, again;

	assert_int_equal(sms_id(f, REPORTER, text, "kannel-77", &first), 200);
	assert_int_equal(store_complaint_count(f->s), 1);
	assert_int_equal(sms_id(f, REPORTER, text, "kannel-77", &again), 200);
	assert_string_equal(again.reply, first.reply);
	assert_int_equal(store_complaint_count(f->s), 1);
}

/*
 * A retry of a message this process never saw (stored before a restart,
 * or by another node) skips the reading connection's look-up (intake/
 * sms.c, seen_ids) and is found by the writer's transaction: the stored
 * reply, nothing new.
 */
static void
test_retry_of_a_message_stored_before_this_process_gets_its_reply(void **state)
{
	struct fixture *f = *state;
	struct store_message m = {
		.gateway = "kannel", .gw_id = "kannel-from-before", .sender = REPORTER_E164,
		.receiver = "1708", .text = "JALAN Jl. Pemuda berlubang", .command = "complaint",
		.reply = "Aduan diterima. No tiket: 12345678.", .received_at = 1700000000,
	};
	struct intake_result res;

	assert_int_equal(store_message_add(f->s, &m), 1);
	assert_int_equal(sms_id(f, REPORTER, m.text, m.gw_id, &res), 200);
	assert_true(res.replayed);
	assert_string_equal(res.reply, m.reply);
	assert_int_equal(store_complaint_count(f->s), 0);
	/* Seen now: the next retry is answered from the reading connection, the same. */
	assert_int_equal(sms_id(f, REPORTER, m.text, m.gw_id, &res), 200);
	assert_true(res.replayed);
	assert_string_equal(res.reply, m.reply);
	assert_int_equal(store_complaint_count(f->s), 0);
}

static void
test_retry_returns_the_stored_reply_even_after_changes(void **state)
{
	struct fixture *f = *state;
	struct intake_result first, res;
	char t[TICKET_DIGITS + 1], cmd[64];

	file_complaint(f, REPORTER, "JALAN Jl. Pemuda depan SMP 3 berlubang", t);
	fmt(cmd, sizeof cmd, "STATUS %s", t);
	assert_int_equal(sms_id(f, REPORTER, cmd, "st-1", &first), 200);
	sms(f, REPORTER, fmt(cmd, sizeof cmd, "BATAL %s", t), &res);
	/* The retried STATUS is the answer that was lost, not a new one. */
	fmt(cmd, sizeof cmd, "STATUS %s", t);
	assert_int_equal(sms_id(f, REPORTER, cmd, "st-1", &res), 200);
	assert_string_equal(res.reply, first.reply);
	assert_contains(res.reply, "diteruskan ke dinas");

	/*
	 * A retried BATAL gets "withdrawn as you asked" again, not "already
	 * withdrawn, cannot be changed": the retry is the same message.
	 */
	file_complaint(f, REPORTER, "SAMPAH menumpuk di pasar Bandungan", t);
	fmt(cmd, sizeof cmd, "BATAL %s", t);
	assert_int_equal(sms_id(f, REPORTER, cmd, "c-1", &first), 200);
	assert_contains(first.reply, "sesuai permintaan Anda");
	assert_int_equal(sms_id(f, REPORTER, cmd, "c-1", &res), 200);
	assert_string_equal(res.reply, first.reply);
	assert_status(f, t, "withdrawn");
	assert_int_equal(store_complaint_count(f->s), 2);
}

static void
test_different_ids_with_same_text_are_two_complaints(void **state)
{
	struct fixture *f = *state;
	const char *text = "JALAN Jl. Pemuda depan SMP 3 berlubang";
	struct intake_result a, b;
	char ta[TICKET_DIGITS + 1], tb[TICKET_DIGITS + 1];

	assert_int_equal(sms_id(f, REPORTER, text, "id-a", &a), 200);
	assert_int_equal(sms_id(f, REPORTER, text, "id-b", &b), 200);
	ticket_in(a.reply, ta);
	ticket_in(b.reply, tb);
	assert_string_not_equal(ta, tb);
	assert_int_equal(store_complaint_count(f->s), 2);

	/* Without a gateway id there is nothing to deduplicate on. */
	assert_int_equal(sms_id(f, REPORTER, text, "", &a), 200);
	assert_int_equal(sms_id(f, REPORTER, text, "", &b), 200);
	assert_string_not_equal(a.reply, b.reply);
	assert_int_equal(store_complaint_count(f->s), 4);
}

static void
test_same_id_from_another_gateway_is_another_message(void **state)
{
	struct fixture *f = *state;
	struct intake_result res;
	struct gateway other = gateway_kannel;
	struct sms_in in;

	assert_int_equal(sms_id(f, REPORTER, "JALAN Jl. Pemuda berlubang", "shared-1", &res), 200);
	other.name = "other";
	memset(&in, 0, sizeof in);
	str_copy(in.from, sizeof in.from, REPORTER);
	str_copy(in.id, sizeof in.id, "shared-1");
	in.text = xstrdup("SAMPAH menumpuk di pasar");
	in.text_len = strlen(in.text);
	assert_int_equal(intake_sms(&f->ix, &other, &in, &res), 200);
	sms_in_clear(&in);
	assert_contains(res.reply, "Diteruskan ke DLH");
	assert_int_equal(store_complaint_count(f->s), 2);
}

static void
test_locked_database_answers_503_and_stores_nothing_until_retry(void **state)
{
	struct fixture *f = *state;
	const char *text = "JALAN Jl. Pemuda depan SMP 3 berlubang";
	struct intake_result res;
	char stored[INTAKE_REPLY_MAX];
	sqlite3 *db;

	/* Another process, as far as SQLite can tell, holds the write lock. */
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "BEGIN EXCLUSIVE", NULL, NULL, NULL), SQLITE_OK);

	assert_int_equal(sms_id(f, REPORTER, text, "locked-1", &res), 503);
	assert_int_equal(res.status, 503);
	assert_string_equal(res.reply, "");
	assert_true(res.error[0] != '\0');
	/* Any message is refused the same way, a STOP too: nothing is half-done. */
	assert_int_equal(sms_id(f, REPORTER, "STOP", "locked-2", &res), 503);
	assert_string_equal(res.reply, "");

	assert_int_equal(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	/* Nothing of the refused messages was kept. */
	assert_int_equal(store_complaint_count(f->s), 0);
	assert_int_equal(store_message_find(f->s, "kannel", "locked-1", NULL, NULL, 0), 0);
	assert_int_equal(store_message_find(f->s, "kannel", "locked-2", NULL, NULL, 0), 0);
	{
		struct store_phone p;

		assert_int_equal(store_phone_get(f->s, REPORTER_E164, &p), 0);
	}

	/* Kannel retries with the same id: now it goes through, once. */
	assert_int_equal(sms_id(f, REPORTER, text, "locked-1", &res), 200);
	assert_contains(res.reply, "Aduan diterima. No tiket: ");
	assert_int_equal(store_complaint_count(f->s), 1);
	assert_int_equal(store_message_find(f->s, "kannel", "locked-1", NULL, stored, sizeof stored), 1);
	assert_string_equal(stored, res.reply);
	assert_int_equal(sms_id(f, REPORTER, text, "locked-1", &res), 200);
	assert_int_equal(store_complaint_count(f->s), 1);
}

/* ---- replies stay GSM-7 and short --------------------------------------- */

static void
test_status_reply_with_curly_quoted_agency_note_stays_gsm7(void **state)
{
	struct fixture *f = *state;
	struct intake_result res;
	char t[TICKET_DIGITS + 1], cmd[64];

	file_complaint(f, REPORTER, "JALAN Jl. Pemuda depan SMP 3 berlubang", t);
	assert_int_equal(store_event_add(f->s, complaint_id(f, t), now_unix(), "dpupr",
	    "in_progress", "Sedang dikerjakan \xE2\x80\x9Ctim\xE2\x80\x9D\xE2\x80\xA6"), 0);
	sms(f, REPORTER, fmt(cmd, sizeof cmd, "STATUS %s", t), &res);
	assert_true(gsm_is_gsm7(res.reply, strlen(res.reply)));
	assert_contains(res.reply, t);
	assert_contains(res.reply, "sedang ditangani");
	assert_contains(res.reply, "Catatan: Sedang dikerjakan \"tim\"...");
	assert_int_equal(parts(res.reply), 1);
}

static void
test_status_reply_with_very_long_note_is_cut_to_three_sms(void **state)
{
	struct fixture *f = *state;
	struct intake_result res;
	char t[TICKET_DIGITS + 1], cmd[64], note[1001];
	size_t n = 0, i = 0;
	const char *cut;

	file_complaint(f, REPORTER, "JALAN Jl. Pemuda depan SMP 3 berlubang", t);
	while (n < 1000) {
		n += (size_t)snprintf(note + n, sizeof note - n, "langkah%zu ", i++);
		if (n >= sizeof note - 1)
			n = sizeof note - 1;
	}
	note[1000] = '\0';
	assert_int_equal(strlen(note), 1000);
	assert_int_equal(store_event_add(f->s, complaint_id(f, t), now_unix(), "dpupr",
	    "in_progress", note), 0);
	sms(f, REPORTER, fmt(cmd, sizeof cmd, "STATUS %s", t), &res);
	assert_true(gsm_is_gsm7(res.reply, strlen(res.reply)));
	assert_in_range(parts(res.reply), 2, 3);
	assert_contains(res.reply, "sedang ditangani");
	assert_contains(res.reply, "Catatan: langkah0 langkah1 ");
	/* Cut at a word boundary, and marked. */
	n = strlen(res.reply);
	assert_true(n > 3);
	assert_string_equal(res.reply + n - 3, "...");
	cut = strstr(res.reply, "Catatan: ") + strlen("Catatan: ");
	assert_memory_equal(cut, note, (size_t)(res.reply + n - 3 - cut));
	assert_int_equal(note[res.reply + n - 3 - cut], ' ');
}

/*
 * An agency note that is one long word (a link, a reference code) must
 * still show its beginning.  reply_status() cuts back to the last space
 * (intake/reply.c, "while (n > 0 && note[n] != ' ') n--;"); with no space at all
 * it reaches 0 and the whole note becomes "...".
 */
static void
test_status_reply_with_long_note_without_spaces_keeps_a_part_of_it(void **state)
{
	struct fixture *f = *state;
	struct intake_result res;
	char t[TICKET_DIGITS + 1], cmd[64], note[601];

	file_complaint(f, REPORTER, "JALAN Jl. Pemuda depan SMP 3 berlubang", t);
	memset(note, 'x', 600);
	note[600] = '\0';
	memcpy(note, "https://", 8);
	assert_int_equal(store_event_add(f->s, complaint_id(f, t), now_unix(), "dpupr",
	    "in_progress", note), 0);
	sms(f, REPORTER, fmt(cmd, sizeof cmd, "STATUS %s", t), &res);
	assert_in_range(parts(res.reply), 1, 3);
	assert_contains(res.reply, "Catatan: https://xxx");
}

static void
test_status_reply_with_emoji_note_stays_within_three_sms(void **state)
{
	struct fixture *f = *state;
	struct intake_result res;
	char t[TICKET_DIGITS + 1], cmd[64], note[1200];
	size_t n = 0;

	file_complaint(f, REPORTER, "JALAN Jl. Pemuda depan SMP 3 berlubang", t);
	while (n + 16 < sizeof note)
		n += (size_t)snprintf(note + n, sizeof note - n, "aspal \xF0\x9F\x91\x8D ");
	assert_int_equal(store_event_add(f->s, complaint_id(f, t), now_unix(), "dpupr",
	    "in_progress", note), 0);
	sms(f, REPORTER, fmt(cmd, sizeof cmd, "STATUS %s", t), &res);
	assert_in_range(parts(res.reply), 1, 3);
	assert_contains(res.reply, "Catatan: aspal ");
}

static void
test_every_receipt_fits_one_sms(void **state)
{
	struct fixture *f = *state;
	static const char *const texts[] = {
		"JALAN#Bawen#lubang", "AIR mati di Ambarawa", "LISTRIK padam di Ungaran",
		"KTP belum jadi", "PKL di trotoar", "REPORT pothole in Ambarawa",
		"REPORT traffic light broken", "tolong ada kejadian aneh di desa kami",
	};
	struct intake_result res;
	size_t i;

	for (i = 0; i < ARRAY_LEN(texts); i++) {
		sms(f, REPORTER, texts[i], &res);
		if (parts(res.reply) != 1 || !gsm_is_gsm7(res.reply, strlen(res.reply)))
			fail_msg("\"%s\": receipt \"%s\" is not one GSM-7 SMS", texts[i], res.reply);
	}
	assert_int_equal(store_complaint_count(f->s), (long)ARRAY_LEN(texts));
}


/* ---- defect 9: a gateway id is one sender's ----------------------------- */

static void
test_gateway_id_reused_by_another_phone_is_its_own_message(void **state)
{
	struct fixture *f = *state;
	struct intake_result a, b, again;
	char ta[TICKET_DIGITS + 1], tb[TICKET_DIGITS + 1];

	assert_int_equal(sms_id(f, REPORTER, "JALAN Jl. Pemuda berlubang", "k-9", &a), 200);
	ticket_in(a.reply, ta);
	/* The gateway restarted its counter: another phone's message gets id k-9 too. */
	assert_int_equal(sms_id(f, STRANGER, "SAMPAH menumpuk di pasar", "k-9", &b), 200);
	if (strstr(b.reply, ta) != NULL)
		fail_msg("another phone reusing id k-9 got the first phone's reply \"%s\"", b.reply);
	assert_int_equal(b.replayed, 0);
	ticket_in(b.reply, tb);
	assert_string_not_equal(ta, tb);
	assert_int_equal(store_complaint_count(f->s), 2);
	/* Each phone's retry still gets its own stored reply. */
	assert_int_equal(sms_id(f, STRANGER, "SAMPAH menumpuk di pasar", "k-9", &again), 200);
	assert_int_equal(again.replayed, 1);
	assert_string_equal(again.reply, b.reply);
	assert_int_equal(sms_id(f, REPORTER, "JALAN Jl. Pemuda berlubang", "k-9", &again), 200);
	assert_string_equal(again.reply, a.reply);
	assert_int_equal(store_complaint_count(f->s), 2);
}

/* The same through a gateway whose replies leave by the outbox. */
static void
test_gateway_id_reused_by_another_phone_queues_its_own_reply(void **state)
{
	struct fixture *f = *state;
	struct gateway queued = gateway_kannel;
	struct intake_result res;
	struct sms_in in;
	const char *from[2] = { REPORTER, STRANGER };
	int i;

	queued.reply_inline = 0;
	for (i = 0; i < 2; i++) {
		memset(&in, 0, sizeof in);
		str_copy(in.from, sizeof in.from, from[i]);
		str_copy(in.id, sizeof in.id, "q-1");
		in.text = xstrdup(i == 0 ? "JALAN Jl. Pemuda berlubang" : "SAMPAH menumpuk di pasar");
		in.text_len = strlen(in.text);
		assert_int_equal(intake_sms(&f->ix, &queued, &in, &res), 200);
		sms_in_clear(&in);
	}
	assert_int_equal(store_complaint_count(f->s), 2);
	/* Two replies queued, one per phone. */
	assert_int_equal(store_outbox_count(f->s, NULL), 2);
}

/* ---- the flood and loop guard ------------------------------------------ */

/* The count of counter name{labels} in the /metrics text, 0 when absent. */
static double
metric(const char *name, const char *labels)
{
	char want[256], *text = metrics_render(), *p;
	double v = 0;

	snprintf(want, sizeof want, "%s{%s} ", name, labels);
	if ((p = strstr(text, want)) != NULL)
		v = strtod(p + strlen(want), NULL);
	free(text);
	return v;
}

static void
test_burst_from_one_phone_gets_burst_tickets_one_notice_then_silence(void **state)
{
	struct fixture *f = *state;
	struct intake_result res;
	char text[96];
	long outbox = 0;
	int i;

	guard_on(f);
	assert_int_equal(f->conf->guard_burst, 3);
	metrics_reset();
	for (i = 0; i < 20; i++) {
		snprintf(text, sizeof text, "JALAN berlubang di Jl. Pemuda nomor %d", i + 1);
		sms(f, REPORTER, text, &res);
		if (i < 3) {
			assert_contains(res.reply, "No tiket");
			outbox = store_outbox_count(f->s, NULL);
		} else if (i == 3) {
			/* One clear reply, in the citizen's language... */
			assert_contains(res.reply, "Terlalu banyak aduan");
		} else if (res.reply[0] != '\0')
			fail_msg("complaint %d: expected silence after the notice, got \"%s\"",
			    i + 1, res.reply);
	}
	assert_int_equal(store_complaint_count(f->s), 3);
	/* ...and no webhook or SMS queued for what was refused. */
	assert_int_equal(store_outbox_count(f->s, NULL), outbox);
	assert_true(metric("aduan_guard_total", "action=\"complaint_limit\",channel=\"sms\"") == 1);
	assert_true(metric("aduan_guard_total",
	    "action=\"complaint_limit_silent\",channel=\"sms\"") == 16);
	/* Other phones are not held up. */
	sms(f, STRANGER, "JALAN berlubang di Jl. Pemuda nomor 1", &res);
	assert_contains(res.reply, "No tiket");
	/* STATUS still works for the limited phone. */
	sms(f, REPORTER, "INFO", &res);
	assert_contains(res.reply, "Kata kunci");
}

static void
test_limit_notice_follows_the_language_of_the_words(void **state)
{
	struct fixture *f = *state;
	struct intake_result res;
	char text[96];
	int i;

	guard_on(f);
	for (i = 0; i < 4; i++) {
		snprintf(text, sizeof text, "REPORT pothole on road number %d", i + 1);
		sms(f, REPORTER, text, &res);
	}
	assert_contains(res.reply, "Too many complaints");
	assert_int_equal(store_complaint_count(f->s), 3);
}

/* The bucket is in the store: a restart does not hand out a new burst. */
static void
test_complaint_limit_survives_a_restart(void **state)
{
	struct fixture *f = *state;
	struct intake_result res;
	char text[96], err[256];
	int i;

	guard_on(f);
	for (i = 0; i < 4; i++) {
		snprintf(text, sizeof text, "SAMPAH menumpuk di RT %d", i + 1);
		sms(f, REPORTER, text, &res);
	}
	assert_contains(res.reply, "Terlalu banyak aduan");
	store_close(f->s);
	f->s = store_open(f->path, &opts, err, sizeof err);
	assert_non_null(f->s);
	f->ix.store = f->s;
	sms(f, REPORTER, "SAMPAH menumpuk di RT 9", &res);
	assert_string_equal(res.reply, "");
	assert_int_equal(store_complaint_count(f->s), 3);
}

static void
test_same_text_again_gets_the_first_ticket(void **state)
{
	struct fixture *f = *state;
	struct intake_result a, b;
	char ta[TICKET_DIGITS + 1], tb[TICKET_DIGITS + 1], want[128];

	guard_on(f);
	sms(f, REPORTER, "JALAN Jl. Pemuda depan SMP 3 berlubang", &a);
	ticket_in(a.reply, ta);
	/* Another gateway id, other case and spacing: the same complaint. */
	sms(f, REPORTER, "  jalan  jl. pemuda DEPAN smp 3\tberlubang ", &b);
	assert_contains(b.reply, fmt(want, sizeof want, "Aduan ini sudah diterima, No tiket: %s",
	    ta));
	assert_int_equal(store_complaint_count(f->s), 1);
	/* Another phone with the same words files its own complaint. */
	sms(f, STRANGER, "JALAN Jl. Pemuda depan SMP 3 berlubang", &b);
	ticket_in(b.reply, tb);
	assert_string_not_equal(ta, tb);
	assert_int_equal(store_complaint_count(f->s), 2);
}

struct racer {
	struct fixture *f;
	char id[32];
	struct intake_result res;
	int st;
};

static void *
race(void *arg)
{
	struct racer *r = arg;

	r->st = sms_id(r->f, REPORTER, "AIR PDAM mati sejak kemarin di Perum Griya", r->id,
	    &r->res);
	return NULL;
}

/* Two copies of one text at the same moment: decided in the transaction, one ticket. */
static void
test_identical_texts_at_once_get_one_ticket(void **state)
{
	struct fixture *f = *state;
	struct racer r[4];     /* fewer than loop_repeats: copies, not a loop */
	pthread_t th[4];
	char t0[TICKET_DIGITS + 1], t[TICKET_DIGITS + 1];
	size_t i;

	guard_on(f);
	for (i = 0; i < ARRAY_LEN(r); i++) {
		r[i].f = f;
		snprintf(r[i].id, sizeof r[i].id, "race-%zu", i);
		assert_int_equal(pthread_create(&th[i], NULL, race, &r[i]), 0);
	}
	for (i = 0; i < ARRAY_LEN(r); i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < ARRAY_LEN(r); i++) {
		assert_int_equal(r[i].st, 200);
		ticket_in(r[i].res.reply, i == 0 ? t0 : t);
		if (i > 0 && strcmp(t, t0) != 0)
			fail_msg("copy %zu got ticket %s, copy 0 got %s", i, t, t0);
	}
	assert_int_equal(store_complaint_count(f->s), 1);
}

static void
test_auto_reply_loop_is_kept_and_not_answered(void **state)
{
	struct fixture *f = *state;
	const char *robot = "Maaf saya sedang rapat, nanti saya hubungi kembali ya";
	struct intake_result res;
	char id[32], stored[64];
	int i;

	guard_on(f);
	metrics_reset();
	/* A known auto-reply text: never a ticket, never an answer. */
	assert_int_equal(sms_id(f, REPORTER, "Nomor yang Anda tuju sedang tidak aktif.", "bot-1",
	    &res), 200);
	assert_string_equal(res.reply, "");
	assert_int_equal(store_message_find(f->s, "kannel", "bot-1", NULL, stored, sizeof stored),
	    1);
	assert_int_equal(store_complaint_count(f->s), 0);
	assert_true(metric("aduan_guard_total", "action=\"loop\",channel=\"sms\"") == 1);

	/* A robot we do not know, repeating itself: answered until it is a loop. */
	for (i = 0; i < 8; i++) {
		snprintf(id, sizeof id, "bot-r%d", i);
		assert_int_equal(sms_id(f, STRANGER, robot, id, &res), 200);
		if (i < f->conf->guard_loop_repeats - 1)
			assert_true(res.reply[0] != '\0');
		else if (res.reply[0] != '\0')
			fail_msg("repeat %d: a loop must not be answered, got \"%s\"", i + 1,
			    res.reply);
	}
	assert_int_equal(store_complaint_count(f->s), 1);
	assert_true(metric("aduan_guard_total", "action=\"loop\",channel=\"sms\"") ==
	    1 + 8 - (f->conf->guard_loop_repeats - 1));
	/* The citizen behind it writing something else is answered again. */
	sms(f, STRANGER, "STATUS 12345678", &res);
	assert_true(res.reply[0] != '\0');
}

static void
test_replies_per_hour_capped_with_one_notice(void **state)
{
	struct fixture *f = *state;
	static const char *const texts[] = {
		"INFO", "HELP", "BANTUAN", "info?", "help me", "Bantuan dong", "INFO INFO"
	};
	struct intake_result res;
	size_t i;

	guard_on(f);
	f->conf->guard_replies_per_hour = 3;
	for (i = 0; i < ARRAY_LEN(texts); i++) {
		sms(f, REPORTER, texts[i], &res);
		if (i < 3)
			assert_true(res.reply[0] != '\0');
		else if (i == 3)
			assert_contains(res.reply, "Terlalu banyak pesan");
		else
			assert_string_equal(res.reply, "");
	}
}

static void
test_blocklisted_sender_gets_silence_and_nothing_is_stored(void **state)
{
	struct fixture *f = *state;
	char *list[1] = { (char *)"+6281234567890" };
	char **saved = f->conf->guard_blocklist;
	size_t nsaved = f->conf->nguard_blocklist;
	struct intake_result res;

	f->conf->guard_blocklist = list;
	f->conf->nguard_blocklist = 1;
	/* Any spelling of the number. */
	assert_int_equal(sms_id(f, "0812-3456-7890", "JALAN rusak parah", "blk-1", &res), 200);
	assert_string_equal(res.reply, "");
	assert_int_equal(store_message_find(f->s, "kannel", "blk-1", NULL, NULL, 0), 0);
	assert_int_equal(store_complaint_count(f->s), 0);
	sms(f, STRANGER, "JALAN rusak parah", &res);
	assert_contains(res.reply, "No tiket");
	f->conf->guard_blocklist = saved;
	f->conf->nguard_blocklist = nsaved;
}

static void
test_unreg_stops_notifications_like_stop(void **state)
{
	struct fixture *f = *state;
	struct intake_result res;
	struct store_phone p;

	sms(f, REPORTER, "UNREG LAPOR", &res);
	assert_contains(res.reply, "dihentikan");
	assert_int_equal(store_phone_get(f->s, REPORTER_E164, &p), 1);
	assert_int_equal(p.notify, 0);
	sms(f, REPORTER, "MULAI", &res);
	sms(f, REPORTER, "unreg", &res);
	assert_int_equal(store_phone_get(f->s, REPORTER_E164, &p), 1);
	assert_int_equal(p.notify, 0);
	assert_int_equal(store_complaint_count(f->s), 0);
}

static void
test_guard_hash_ignores_case_and_spaces(void **state)
{
	char a[STORE_HASH_LEN + 1], b[STORE_HASH_LEN + 1], c[STORE_HASH_LEN + 1];
	struct fixture *f = *state;
	struct store_guard row = { 0 };
	int i;

	guard_hash("JALAN  Rusak\n", 13, a);
	guard_hash(" jalan rusak", 12, b);
	guard_hash("jalan rusak!", 12, c);
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	assert_true(guard_autoreply(f->conf, "NOMOR  yang anda TUJU tidak aktif", 33));
	assert_false(guard_autoreply(f->conf, "nomor rumah saya 12", 19));
	/* The bucket: burst at once, then one token every 3600 / rate seconds. */
	guard_on(f);
	for (i = 0; i < 3; i++)
		assert_int_equal(guard_take(f->conf, &row, 1000), 1);
	assert_int_equal(guard_take(f->conf, &row, 1000), 0);
	assert_int_equal(guard_take(f->conf, &row, 1000 + 359), 0);
	assert_int_equal(guard_take(f->conf, &row, 1000 + 400), 1);
	assert_int_equal(guard_take(f->conf, &row, 1000 + 400), 0);
}


/*
 * Defect 9: long messages whose other parts never came are all handled
 * by the next tick, not 16 per tick (a burst of 40 waited minutes).
 */
static void
test_orphaned_parts_all_drain_in_one_tick(void **state)
{
	struct fixture *f = *state;
	char ref[16], text[64];
	int64_t now = time(NULL);
	int i;

	for (i = 0; i < 40; i++) {
		snprintf(ref, sizeof ref, "r%d", i);
		snprintf(text, sizeof text, "SAMPAH menumpuk di gang %d sejak ", i);
		assert_int_equal(store_part_add(f->s, "vonage", REPORTER_E164, ref, 2, 1, NULL, text,
		    now - 3600), 1);
	}
	assert_int_equal(intake_parts_tick(&f->ix, now), 40);
	assert_int_equal(store_complaint_count(f->s), 40);
	assert_int_equal(intake_parts_tick(&f->ix, now), 0);
}

/* ---- USSD steps and the commit (store_run_step) ------------------------- */

static void
nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* The fixture's database opened again through the VFS whose syncs can be held. */
static void
reopen_faultvfs(struct fixture *f)
{
	char uri[256], err[256];

	faultvfs_register();
	faultvfs_off();
	faultvfs_hold_syncs(0);
	intake_stop(&f->ix);
	store_close(f->s);
	snprintf(uri, sizeof uri, "file:%s?vfs=" FAULTVFS, f->path);
	f->s = store_open(uri, &opts, err, sizeof err);
	if (f->s == NULL)
		fail_msg("store_open %s: %s", uri, err);
	f->ix.store = f->s;
	intake_start(&f->ix);
}

/* One USSD request, run in a thread so that the test can see whether it was answered. */
struct ussd_call {
	struct fixture *f;
	const char *session;
	const char *text;
	const char *phone;              /* NULL: REPORTER */
	struct intake_ussd_result res;
	atomic_int answered;
	pthread_t th;
};

static void *
ussd_call_run(void *arg)
{
	struct ussd_call *c = arg;
	struct ussd_in in;

	memset(&in, 0, sizeof in);
	str_copy(in.session, sizeof in.session, c->session);
	str_copy(in.phone, sizeof in.phone, c->phone != NULL ? c->phone : REPORTER);
	in.text = xstrdup(c->text);
	in.text_len = strlen(c->text);
	in.cumulative = 1;
	(void)intake_ussd(&c->f->ix, &gateway_africastalking, &in, &c->res);
	ussd_in_clear(&in);
	atomic_store(&c->answered, 1);
	return NULL;
}

/* A USSD request from phone (NULL: REPORTER) in a thread of its own. */
static void
ussd_call_start_from(struct ussd_call *c, struct fixture *f, const char *session,
    const char *text, const char *phone)
{
	memset(c, 0, sizeof *c);
	c->f = f;
	c->session = session;
	c->text = text;
	c->phone = phone;
	atomic_init(&c->answered, 0);
	if (pthread_create(&c->th, NULL, ussd_call_run, c) != 0)
		fail_msg("pthread_create");
}

static void
ussd_call_start(struct ussd_call *c, struct fixture *f, const char *session, const char *text)
{
	ussd_call_start_from(c, f, session, text, NULL);
}

/* 1 when a call (USSD or SMS, its answered flag) was answered within ms milliseconds. */
static int
answered_within(atomic_int *answered, long ms)
{
	const struct timespec tick = { 0, 1000000L };
	long i;

	for (i = 0; i < ms && !atomic_load(answered); i++)
		nanosleep(&tick, NULL);
	return atomic_load(answered);
}

static void
ussd_call_join(struct ussd_call *c)
{
	pthread_join(c->th, NULL);
}

/* Waits (at most 5 s) until the writer thread is inside a held fsync. */
static void
wait_for_held_sync(void)
{
	const struct timespec tick = { 0, 1000000L };
	int i;

	for (i = 0; i < 5000 && faultvfs_syncs_waiting() == 0; i++)
		nanosleep(&tick, NULL);
	if (faultvfs_syncs_waiting() == 0)
		fail_msg("expected the store's commit to reach the (held) fsync; it did not in 5 s");
}

/* A transaction that runs after whatever the writer is doing now. */
static int
read_nothing_tx(struct store *s, void *arg)
{
	(void)s;
	(void)arg;
	return 1;
}

static const char *const ussd_path[] = {
	"", "1", "1*1", "1*1*Jl. Pemuda 12", "1*1*Jl. Pemuda 12*Jalan berlubang besar",
	"1*1*Jl. Pemuda 12*Jalan berlubang besar*1",
};

static void
test_ussd_step_is_answered_while_its_commit_is_still_on_the_way(void **state)
{
	struct fixture *f = *state;
	struct ussd_call c;
	struct store_ussd u;
	size_t i;

	reopen_faultvfs(f);
	faultvfs_hold_syncs(1);
	/* Every step but the last moves the session only: none waits for the disk. */
	for (i = 0; i + 1 < sizeof ussd_path / sizeof ussd_path[0]; i++) {
		ussd_call_start(&c, f, "ATUid_held", ussd_path[i]);
		if (!answered_within(&c.answered, 3000)) {
			faultvfs_hold_syncs(0);
			ussd_call_join(&c);
			fail_msg("step %zu (\"%s\"): expected an answer while the disk was held, "
			    "got none within 3 s", i, ussd_path[i]);
		}
		ussd_call_join(&c);
		assert_int_equal(c.res.status, 200);
		assert_false(c.res.end);
		/* Its group's commit is on the way, held at the fsync. */
		wait_for_held_sync();
		/* The next step runs once that commit ended: let it end. */
		faultvfs_hold_syncs(0);
		(void)store_run(f->s, read_nothing_tx, NULL);
		faultvfs_hold_syncs(1);
	}
	/* The session the steps wrote is the one they answered from. */
	faultvfs_hold_syncs(0);
	assert_int_equal(store_ussd_get(f->s, "africastalking", "ATUid_held", &u), 1);
	assert_string_equal(u.last_text, ussd_path[i - 1]);
	assert_string_equal(u.state, "confirm");
}

static void
test_ussd_ticket_is_answered_only_after_its_commit(void **state)
{
	struct fixture *f = *state;
	struct ussd_call c;
	size_t i, n = sizeof ussd_path / sizeof ussd_path[0];

	reopen_faultvfs(f);
	for (i = 0; i + 1 < n; i++) {
		ussd_call_start(&c, f, "ATUid_ticket", ussd_path[i]);
		ussd_call_join(&c);
		assert_int_equal(c.res.status, 200);
	}
	faultvfs_hold_syncs(1);
	ussd_call_start(&c, f, "ATUid_ticket", ussd_path[n - 1]);
	wait_for_held_sync();
	if (answered_within(&c.answered, 300)) {
		faultvfs_hold_syncs(0);
		ussd_call_join(&c);
		fail_msg("expected the ticket step to wait for its commit (held); it was answered: "
		    "\"%s\"", c.res.screen);
	}
	faultvfs_hold_syncs(0);
	ussd_call_join(&c);
	assert_int_equal(c.res.status, 200);
	assert_true(c.res.end);
	assert_int_equal(store_complaint_count(f->s), 1);
}

/* A transaction that keeps (nothing): its caller returns once its batch was committed. */
static int
wait_commit_tx(struct store *s, void *arg)
{
	(void)s;
	(void)arg;
	return 0;
}

/* One USSD request in this thread. */
static void
ussd_now(struct fixture *f, const char *session, const char *text,
    struct intake_ussd_result *res)
{
	struct ussd_call c;

	ussd_call_start(&c, f, session, text);
	ussd_call_join(&c);
	*res = c.res;
}

/*
 * A step answered before its commit, and that commit fails (the disk
 * refuses the write): the step is rolled back with its batch, and the
 * gateway's retry of it -- the next thing the phone sends, since the
 * citizen saw the screen but the network resends what got no final
 * answer -- is worked again from the state before it and gets the same
 * screen.  Nothing was built on the lost state: no ticket, no session
 * ahead of what is on disk.
 */
static void
test_ussd_step_whose_commit_failed_is_worked_again_on_retry(void **state)
{
	struct fixture *f = *state;
	struct intake_ussd_result first, again;
	struct store_ussd u;

	reopen_faultvfs(f);
	ussd_now(f, "ATUid_lost", "", &first);
	assert_int_equal(first.status, 200);
	assert_int_equal(store_run(f->s, wait_commit_tx, NULL), 0);

	faultvfs_fail_nth(1, SQLITE_IOERR_WRITE);       /* the next commit's first write */
	ussd_now(f, "ATUid_lost", "1", &first);
	assert_int_equal(first.status, 200);
	assert_false(first.end);
	/* Runs after that batch's commit ended: failed, so the step is gone. */
	(void)store_run(f->s, wait_commit_tx, NULL);
	faultvfs_off();
	assert_true(faultvfs_failures() >= 1);
	assert_int_equal(store_ussd_get(f->s, "africastalking", "ATUid_lost", &u), 1);
	assert_string_equal(u.last_text, "");

	ussd_now(f, "ATUid_lost", "1", &again);
	assert_int_equal(again.status, 200);
	assert_false(again.replayed);           /* worked again, not answered from a row */
	assert_string_equal(again.screen, first.screen);
	assert_int_equal(store_ussd_get(f->s, "africastalking", "ATUid_lost", &u), 1);
	assert_string_equal(u.last_text, "1");
	assert_int_equal(store_complaint_count(f->s), 0);
}

static atomic_int writer_held, writer_release;

/* Holds the store's writer thread while the next requests queue up behind it. */
static int
hold_writer_tx(struct store *s, void *arg)
{
	(void)s;
	(void)arg;
	atomic_store(&writer_held, 1);
	while (!atomic_load(&writer_release))
		nap_ms(1);
	return 1;
}

static void *
hold_writer(void *arg)
{
	(void)store_run(arg, hold_writer_tx, NULL);
	return NULL;
}

/* Holds the writer (in a thread of its own) until writer_let_go. */
static void
writer_hold(struct fixture *f, pthread_t *holder)
{
	atomic_store(&writer_held, 0);
	atomic_store(&writer_release, 0);
	if (pthread_create(holder, NULL, hold_writer, f->s) != 0)
		fail_msg("pthread_create");
	while (!atomic_load(&writer_held))
		nap_ms(1);
}

static void
writer_let_go(pthread_t *holder)
{
	atomic_store(&writer_release, 1);
	pthread_join(*holder, NULL);
}

static void
test_ussd_retry_of_the_ticket_step_waits_for_the_same_commit(void **state)
{
	struct fixture *f = *state;
	struct ussd_call first, retry;
	pthread_t holder;
	size_t i, n = sizeof ussd_path / sizeof ussd_path[0];

	reopen_faultvfs(f);
	for (i = 0; i + 1 < n; i++) {
		ussd_call_start(&first, f, "ATUid_retry", ussd_path[i]);
		ussd_call_join(&first);
		assert_int_equal(first.res.status, 200);
	}
	/*
	 * The ticket step and the gateway's retry of it run in one group,
	 * back to back: the retry reads the session the first one wrote,
	 * before that group is on disk.
	 */
	writer_hold(f, &holder);
	faultvfs_hold_syncs(1);
	ussd_call_start(&first, f, "ATUid_retry", ussd_path[n - 1]);
	nap_ms(100);
	ussd_call_start(&retry, f, "ATUid_retry", ussd_path[n - 1]);
	nap_ms(100);
	writer_let_go(&holder);
	wait_for_held_sync();
	if (answered_within(&retry.answered, 300) || atomic_load(&first.answered)) {
		int first_answered = atomic_load(&first.answered);

		faultvfs_hold_syncs(0);
		ussd_call_join(&first);
		ussd_call_join(&retry);
		fail_msg("expected neither the ticket step nor its retry answered before the commit "
		    "(held); got the retry \"%s\", the first %s", retry.res.screen,
		    first_answered ? "answered" : "waiting");
	}
	faultvfs_hold_syncs(0);
	ussd_call_join(&first);
	ussd_call_join(&retry);
	assert_int_equal(first.res.status, 200);
	assert_int_equal(retry.res.status, 200);
	assert_true(first.res.end);
	assert_string_equal(retry.res.screen, first.res.screen);
	assert_int_equal(store_complaint_count(f->s), 1);
}

/* One SMS callback, run in a thread so that the test can see whether it was answered. */
struct sms_call {
	struct fixture *f;
	const char *id;
	struct intake_result res;
	atomic_int answered;
	pthread_t th;
};

static void *
sms_call_run(void *arg)
{
	struct sms_call *c = arg;

	(void)sms_id(c->f, REPORTER, "JALAN Jl. Pemuda depan SMP 3 berlubang", c->id, &c->res);
	atomic_store(&c->answered, 1);
	return NULL;
}

static void
sms_call_start(struct sms_call *c, struct fixture *f, const char *id)
{
	memset(c, 0, sizeof *c);
	c->f = f;
	c->id = id;
	atomic_init(&c->answered, 0);
	if (pthread_create(&c->th, NULL, sms_call_run, c) != 0)
		fail_msg("pthread_create");
}

/*
 * A gateway's retry of an SMS that arrives while the first callback's
 * transaction is in the open batch finds the message there; it shows the
 * citizen a ticket number, so it is answered only once that batch is on
 * disk, with the first (it was answered at once, before the commit that
 * might still fail).
 */
static void
test_sms_retry_of_an_uncommitted_message_waits_for_its_commit(void **state)
{
	struct fixture *f = *state;
	struct sms_call first, retry;
	pthread_t holder;

	reopen_faultvfs(f);
	writer_hold(f, &holder);
	faultvfs_hold_syncs(1);
	sms_call_start(&first, f, "kannel-held");
	nap_ms(100);
	sms_call_start(&retry, f, "kannel-held");
	nap_ms(100);
	writer_let_go(&holder);
	wait_for_held_sync();
	if (answered_within(&retry.answered, 300) || atomic_load(&first.answered)) {
		int first_answered = atomic_load(&first.answered);

		faultvfs_hold_syncs(0);
		pthread_join(first.th, NULL);
		pthread_join(retry.th, NULL);
		fail_msg("expected neither the SMS nor its retry answered before the commit (held); "
		    "got the retry \"%s\", the first %s", retry.res.reply,
		    first_answered ? "answered" : "waiting");
	}
	faultvfs_hold_syncs(0);
	pthread_join(first.th, NULL);
	pthread_join(retry.th, NULL);
	assert_int_equal(first.res.status, 200);
	assert_int_equal(retry.res.status, 200);
	assert_true(retry.res.replayed);
	assert_string_equal(retry.res.reply, first.res.reply);
	assert_int_equal(store_complaint_count(f->s), 1);
}

/* ---- USSD sessions answered from memory (intake/ussd_cache.c) ---------- */

/* Aduan restarted on the same database: a new process, nothing in memory. */
static void
restart(struct fixture *f)
{
	char err[256];

	intake_stop(&f->ix);
	store_close(f->s);
	f->s = store_open(f->path, &opts, err, sizeof err);
	if (f->s == NULL)
		fail_msg("store_open %s: %s", f->path, err);
	f->ix.store = f->s;
	intake_start(&f->ix);
}

/* Returns once the store's writer ran everything queued before (the later writes). */
static void
settle(struct fixture *f)
{
	assert_int_equal(store_run(f->s, read_nothing_tx, NULL), 1);
}

/* s with every digit as '#': two END screens that differ only in their ticket number. */
static const char *
digits_hidden(const char *s, char *buf, size_t bufsz)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i + 1 < bufsz; i++)
		buf[i] = s[i] >= '0' && s[i] <= '9' ? '#' : s[i];
	buf[i] = '\0';
	return buf;
}

/*
 * A whole session with its steps answered from memory shows the citizen
 * the screens of one worked through the store alone, and stores the
 * ticket.  The steps' rows reach the disk all the same: after a restart
 * (the cache empty) the session is in the database as the last step left
 * it, and goes on from there.
 */
static void
test_ussd_session_from_memory_shows_the_same_screens_and_outlives_a_restart(void **state)
{
	struct fixture *f = *state;
	struct intake_ussd_result mem[6], stored[6];
	struct ussd_cache *cache = f->ix.ussd;
	struct store_ussd u;
	char a[700], b[700];
	size_t i, n = ARRAY_LEN(ussd_path);

	assert_non_null(cache);         /* SQLite: this process keeps its sessions */
	/* The same walk through the store only, as before the cache. */
	f->ix.ussd = NULL;
	for (i = 0; i < n; i++) {
		ussd_now(f, "ATUid_store", ussd_path[i], &stored[i]);
		assert_int_equal(stored[i].status, 200);
	}
	f->ix.ussd = cache;
	for (i = 0; i + 1 < n; i++) {
		ussd_now(f, "ATUid_mem", ussd_path[i], &mem[i]);
		assert_int_equal(mem[i].status, 200);
		assert_false(mem[i].end);
		assert_false(mem[i].replayed);
		assert_string_equal(mem[i].screen, stored[i].screen);
	}
	/* Restarted before the last step: every step answered is in the database. */
	restart(f);
	assert_int_equal(store_ussd_get(f->s, "africastalking", "ATUid_mem", &u), 1);
	assert_string_equal(u.state, "confirm");
	assert_string_equal(u.last_text, ussd_path[n - 2]);
	assert_string_equal(u.location, "Jl. Pemuda 12");
	assert_string_equal(u.description, "Jalan berlubang besar");
	assert_int_equal(u.done, 0);

	ussd_now(f, "ATUid_mem", ussd_path[n - 1], &mem[n - 1]);
	assert_int_equal(mem[n - 1].status, 200);
	assert_true(mem[n - 1].end);
	assert_string_equal(digits_hidden(mem[n - 1].screen, a, sizeof a),
	    digits_hidden(stored[n - 1].screen, b, sizeof b));
	assert_int_equal(store_complaint_count(f->s), 2);
	restart(f);
	assert_int_equal(store_ussd_get(f->s, "africastalking", "ATUid_mem", &u), 1);
	assert_int_equal(u.done, 1);
	assert_true(u.complaint_id != 0);
	assert_string_equal(u.last_text, ussd_path[n - 1]);
}

/*
 * A gateway's retry of a step answered from memory gets the same screen
 * and changes nothing: the session goes on from the step, not twice from
 * it.  A retry of the confirmation gets the same ticket, and one complaint
 * is stored.
 */
static void
test_ussd_retry_of_a_step_from_memory_gets_the_same_screen(void **state)
{
	struct fixture *f = *state;
	struct intake_ussd_result first, again;
	struct store_ussd u;
	size_t i, n = ARRAY_LEN(ussd_path);

	ussd_now(f, "ATUid_again", ussd_path[0], &first);
	ussd_now(f, "ATUid_again", ussd_path[1], &first);
	ussd_now(f, "ATUid_again", ussd_path[1], &again);
	assert_int_equal(again.status, 200);
	assert_true(again.replayed);
	assert_false(again.end);
	assert_string_equal(again.screen, first.screen);
	settle(f);
	assert_int_equal(store_ussd_get(f->s, "africastalking", "ATUid_again", &u), 1);
	assert_string_equal(u.state, "category");
	assert_string_equal(u.last_text, ussd_path[1]);

	/* The next step follows the one retried: the location is asked for. */
	for (i = 2; i + 1 < n; i++) {
		ussd_now(f, "ATUid_again", ussd_path[i], &first);
		assert_int_equal(first.status, 200);
		assert_false(first.replayed);
		ussd_now(f, "ATUid_again", ussd_path[i], &again);
		assert_true(again.replayed);
		assert_string_equal(again.screen, first.screen);
	}
	settle(f);
	assert_int_equal(store_ussd_get(f->s, "africastalking", "ATUid_again", &u), 1);
	assert_string_equal(u.state, "confirm");
	assert_string_equal(u.location, "Jl. Pemuda 12");

	ussd_now(f, "ATUid_again", ussd_path[n - 1], &first);
	ussd_now(f, "ATUid_again", ussd_path[n - 1], &again);
	assert_true(first.end);
	assert_true(again.end);
	assert_true(again.replayed);
	assert_string_equal(again.screen, first.screen);
	assert_int_equal(store_complaint_count(f->s), 1);
}

/*
 * A call dropped in the middle of a complaint whose steps were answered
 * from memory: the next call from the phone is offered to go on with it,
 * once, and going on leads to the ticket with what the first call typed.
 */
static void
test_ussd_dropped_session_from_memory_is_offered_once_on_the_next_call(void **state)
{
	struct fixture *f = *state;
	struct intake_ussd_result dropped, r;

	ussd_now(f, "ATUid_dropped", "", &dropped);
	ussd_now(f, "ATUid_dropped", "1", &dropped);
	ussd_now(f, "ATUid_dropped", "1*1", &dropped);
	ussd_now(f, "ATUid_dropped", "1*1*Jl. Pemuda 12", &dropped);
	assert_int_equal(dropped.status, 200);
	assert_false(dropped.end);

	/* The network dropped the call; the citizen dials again at once. */
	ussd_now(f, "ATUid_redial", "", &r);
	assert_int_equal(r.status, 200);
	assert_contains(r.screen, "Lanjutkan aduan sebelumnya?");
	assert_contains(r.screen, "Jl. Pemuda 12");
	/* That call drops too before an answer: the next one is not offered it again. */
	ussd_now(f, "ATUid_third", "", &r);
	assert_int_equal(r.status, 200);
	assert_not_contains(r.screen, "Lanjutkan");

	/* The second call goes on: where the first one stopped, then the ticket. */
	ussd_now(f, "ATUid_redial", "1", &r);
	assert_string_equal(r.screen, dropped.screen);
	ussd_now(f, "ATUid_redial", "1*Jalan berlubang besar", &r);
	assert_contains(r.screen, "Jl. Pemuda 12");
	ussd_now(f, "ATUid_redial", "1*Jalan berlubang besar*1", &r);
	assert_true(r.end);
	assert_int_equal(store_complaint_count(f->s), 1);
}

/* A step that only moves the session does not wait for the store's writer. */
/*
 * A new session of a phone that had no USSD request a moment ago, on what
 * is committed alone (no row of it, nothing to resume): the main menu from
 * memory, not after the writer; the same screen as through the writer.
 */
static void
test_ussd_new_session_is_answered_while_the_writer_is_busy(void **state)
{
	struct fixture *f = *state;
	struct intake_ussd_result r;
	struct ussd_call c;
	struct store_ussd u;
	pthread_t holder;
	int answered;

	ussd_now(f, "ATUid_menu_ref", "", &r);         /* REPORTER's, through the writer */
	assert_int_equal(r.status, 200);
	writer_hold(f, &holder);
	ussd_call_start_from(&c, f, "ATUid_new_busy", "", "081299990001");
	answered = answered_within(&c.answered, 2000);
	writer_let_go(&holder);
	ussd_call_join(&c);
	if (!answered)
		fail_msg("expected a new session's menu answered while the writer was held; "
		    "it waited for it");
	assert_int_equal(c.res.status, 200);
	assert_false(c.res.end);
	assert_string_equal(c.res.screen, r.screen);
	settle(f);
	assert_int_equal(store_ussd_get(f->s, "africastalking", "ATUid_new_busy", &u), 1);
	assert_string_equal(u.phone, "+6281299990001");
	assert_string_equal(u.last_text, "");
}

static void
test_ussd_step_from_memory_is_answered_while_the_writer_is_busy(void **state)
{
	struct fixture *f = *state;
	struct intake_ussd_result r;
	struct ussd_call c;
	struct store_ussd u;
	pthread_t holder;
	int answered;

	ussd_now(f, "ATUid_busy", "", &r);
	assert_int_equal(r.status, 200);
	writer_hold(f, &holder);
	ussd_call_start(&c, f, "ATUid_busy", "1");
	answered = answered_within(&c.answered, 2000);
	writer_let_go(&holder);
	ussd_call_join(&c);
	if (!answered)
		fail_msg("expected the step answered while the writer was held; it waited for it");
	assert_int_equal(c.res.status, 200);
	assert_false(c.res.end);
	settle(f);
	assert_int_equal(store_ussd_get(f->s, "africastalking", "ATUid_busy", &u), 1);
	assert_string_equal(u.state, "category");
	assert_string_equal(u.last_text, "1");
}

/*
 * A session left idle past ussd.session_timeout while its steps were
 * answered from memory is over: the next request gets a fresh main menu,
 * as from the store, and the session carries on from there.
 */
static void
test_ussd_session_idle_past_the_timeout_starts_again_at_the_menu(void **state)
{
	struct fixture *f = *state;
	struct intake_ussd_result menu, r;
	struct store_ussd u;

	f->conf->ussd_session_timeout = 1;
	ussd_now(f, "ATUid_idle", "", &menu);
	ussd_now(f, "ATUid_idle", "1", &r);
	ussd_now(f, "ATUid_idle", "1*1", &r);
	assert_false(r.end);
	assert_string_not_equal(r.screen, menu.screen);
	nap_ms(2100);                   /* updated_at is in whole seconds: > 1 s */
	ussd_now(f, "ATUid_idle", "1*1*Desa Kupang", &r);
	assert_int_equal(r.status, 200);
	assert_false(r.end);
	assert_string_equal(r.screen, menu.screen);
	settle(f);
	assert_int_equal(store_ussd_get(f->s, "africastalking", "ATUid_idle", &u), 1);
	assert_string_equal(u.state, "main");
	assert_string_equal(u.location, "");
	ussd_now(f, "ATUid_idle", "1*1*Desa Kupang*1", &r);
	assert_contains(r.screen, "1 ");
	settle(f);
	assert_int_equal(store_ussd_get(f->s, "africastalking", "ATUid_idle", &u), 1);
	assert_string_equal(u.state, "category");
}

/*
 * A gateway's retry sent while its original is still being answered, at
 * every step of several sessions at once: the two are decided one after
 * the other, so both get the same screen, and each session one ticket.
 */
static void
test_ussd_retries_racing_their_originals_get_the_same_screens(void **state)
{
	static const char *const sessions[] = { "ATUid_race0", "ATUid_race1", "ATUid_race2",
	    "ATUid_race3" };
	struct fixture *f = *state;
	struct ussd_call c[ARRAY_LEN(sessions)][2];
	size_t i, k, n = ARRAY_LEN(ussd_path);

	for (i = 0; i < n; i++) {
		for (k = 0; k < ARRAY_LEN(sessions); k++) {
			ussd_call_start(&c[k][0], f, sessions[k], ussd_path[i]);
			ussd_call_start(&c[k][1], f, sessions[k], ussd_path[i]);
		}
		for (k = 0; k < ARRAY_LEN(sessions); k++) {
			ussd_call_join(&c[k][0]);
			ussd_call_join(&c[k][1]);
			assert_int_equal(c[k][0].res.status, 200);
			assert_int_equal(c[k][1].res.status, 200);
			/* One of the two worked the step; the other is its repeat. */
			assert_int_equal(c[k][0].res.replayed + c[k][1].res.replayed, 1);
			assert_string_equal(c[k][0].res.screen, c[k][1].res.screen);
			assert_int_equal(c[k][0].res.end, i + 1 == n);
		}
	}
	assert_int_equal(store_complaint_count(f->s), (long)ARRAY_LEN(sessions));
}

/* ---- over HTTP: a message waiting for its commit parks its request ---- */

#define KANNEL_SMS "/kannel/sms?secret=ganti-rahasia-kannel&to=1708&from=" REPORTER

/* One HTTP GET (or POST of a form) in a thread of its own: what came back, whole, once answered. */
struct http_get {
	int port;
	char path[512];
	char form[512];         /* "": a GET */
	char got[4096];
	pthread_t th;
	atomic_int answered;
};

static void *
http_get_run(void *arg)
{
	struct http_get *g = arg;
	struct sockaddr_in sa = { 0 };
	char req[1200];
	size_t n = 0;
	ssize_t k;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)g->port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0) {
		if (g->form[0] == '\0')
			snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
			    "Connection: close\r\n\r\n", g->path);
		else
			snprintf(req, sizeof req, "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
			    "Content-Type: application/x-www-form-urlencoded\r\n"
			    "Content-Length: %zu\r\nConnection: close\r\n\r\n%s", g->path,
			    strlen(g->form), g->form);
		if (write(fd, req, strlen(req)) == (ssize_t)strlen(req))
			while (n + 1 < sizeof g->got &&
			    (k = read(fd, g->got + n, sizeof g->got - 1 - n)) > 0)
				n += (size_t)k;
	}
	g->got[n] = '\0';
	if (fd >= 0)
		close(fd);
	atomic_store(&g->answered, 1);
	return NULL;
}

static void
http_post_start(struct http_get *g, int port, const char *path, const char *form)
{
	memset(g, 0, sizeof *g);
	g->port = port;
	str_copy(g->path, sizeof g->path, path);
	str_copy(g->form, sizeof g->form, form);
	atomic_init(&g->answered, 0);
	if (pthread_create(&g->th, NULL, http_get_run, g) != 0)
		fail_msg("pthread_create");
}

static void
http_get_start(struct http_get *g, int port, const char *path)
{
	http_post_start(g, port, path, "");
}

/* The Kannel endpoint of f on one HTTP thread: a thread that waits shows at once. */
static struct http_server *
kannel_server(struct fixture *f, struct intake_endpoint *ep)
{
	struct http_options o = { "127.0.0.1", 0, 1, 65536 };
	struct http_route r = { "/kannel/sms", HTTP_GET | HTTP_POST, intake_http_handler, ep };
	struct http_server *srv;
	char err[256];

	ep->ix = &f->ix;
	ep->gw = &gateway_kannel;
	if ((srv = http_start(&o, &r, 1, err, sizeof err)) == NULL)
		fail_msg("http_start: %s", err);
	return srv;
}

/* The Africa's Talking USSD endpoint of f on one HTTP thread. */
static struct http_server *
ussd_server(struct fixture *f, struct intake_endpoint *ep)
{
	struct http_options o = { "127.0.0.1", 0, 1, 65536 };
	struct http_route r = { "/africastalking/ussd", HTTP_POST, intake_ussd_handler, ep };
	struct http_server *srv;
	char err[256];

	ep->ix = &f->ix;
	ep->gw = &gateway_africastalking;
	if ((srv = http_start(&o, &r, 1, err, sizeof err)) == NULL)
		fail_msg("http_start: %s", err);
	return srv;
}

#define AT_USSD "/africastalking/ussd?secret=ganti-rahasia-ussd"

/* Form of a USSD request of session from phone with text (URL-encoded already). */
static const char *
ussd_form(char *buf, size_t bufsz, const char *session, const char *phone, const char *text)
{
	snprintf(buf, bufsz, "sessionId=%s&phoneNumber=%s&serviceCode=%%2A123%%23&text=%s",
	    session, phone, text);
	return buf;
}

/* Walks session of REPORTER over HTTP up to (not including) the menu's last step. */
static void
ussd_walk_to_submit(int port, const char *session)
{
	static const char *const steps[] = {
		"", "1", "1%2A1", "1%2A1%2AJl.+Pemuda+12",
		"1%2A1%2AJl.+Pemuda+12%2AJalan+berlubang+besar",
	};
	struct http_get g;
	char form[512];
	size_t i;

	for (i = 0; i < ARRAY_LEN(steps); i++) {
		http_post_start(&g, port, AT_USSD, ussd_form(form, sizeof form, session,
		    "%2B6281234567890", steps[i]));
		pthread_join(g.th, NULL);
		if (strstr(g.got, " 200 ") == NULL || strstr(g.got, "CON ") == NULL)
			fail_msg("step %zu: expected 200 CON; got:\n%s", i, g.got);
	}
}

#define USSD_SUBMIT "1%2A1%2AJl.+Pemuda+12%2AJalan+berlubang+besar%2A1"

/*
 * A USSD step waiting for its commit (the one that files the complaint)
 * does not hold the HTTP thread: on a server of one thread, another
 * phone's new session gets its menu meanwhile.
 */
static void
test_ussd_submission_waiting_for_its_commit_leaves_the_http_thread_free(void **state)
{
	struct fixture *f = *state;
	struct intake_endpoint ep;
	struct http_server *srv = ussd_server(f, &ep);
	struct http_get submit, other;
	char form[512];
	pthread_t holder;
	int other_answered, submit_answered;

	ussd_walk_to_submit(http_port(srv), "ATUid_park");
	writer_hold(f, &holder);
	http_post_start(&submit, http_port(srv), AT_USSD, ussd_form(form, sizeof form,
	    "ATUid_park", "%2B6281234567890", USSD_SUBMIT));
	nap_ms(100);
	http_post_start(&other, http_port(srv), AT_USSD, ussd_form(form, sizeof form,
	    "ATUid_other", "%2B6281299990002", ""));
	other_answered = answered_within(&other.answered, 2000);
	submit_answered = atomic_load(&submit.answered);
	writer_let_go(&holder);
	pthread_join(other.th, NULL);
	pthread_join(submit.th, NULL);
	http_stop(srv);
	if (!other_answered || submit_answered)
		fail_msg("expected another phone's menu answered while a submission waited for its "
		    "commit (one HTTP thread), and the submission still waiting; got the menu %s, "
		    "the submission %s", other_answered ? "answered" : "waiting",
		    submit_answered ? "answered" : "waiting");
	if (strstr(other.got, "CON ") == NULL)
		fail_msg("expected the main menu (CON); got:\n%s", other.got);
	if (strstr(submit.got, "END ") == NULL || strstr(submit.got, "tiket") == NULL)
		fail_msg("expected END with the ticket once the commit was done; got:\n%s",
		    submit.got);
	assert_int_equal(store_complaint_count(f->s), 1);
}

/*
 * The gateway's retry of a parked step, on the same (only) HTTP thread:
 * it waits for the same commit, in order, and gets the same screen (the
 * session's entry is not held while its step is parked: holding it would
 * leave the retry waiting on the thread the first needs to answer).
 */
static void
test_ussd_retry_of_a_parked_step_gets_the_same_screen(void **state)
{
	struct fixture *f = *state;
	struct intake_endpoint ep;
	struct http_server *srv = ussd_server(f, &ep);
	struct http_get first, retry, next;
	char form[512];
	const char *a, *b;
	pthread_t holder;
	int answered;

	ussd_walk_to_submit(http_port(srv), "ATUid_parkretry");
	writer_hold(f, &holder);
	http_post_start(&first, http_port(srv), AT_USSD, ussd_form(form, sizeof form,
	    "ATUid_parkretry", "%2B6281234567890", USSD_SUBMIT));
	nap_ms(100);
	http_post_start(&retry, http_port(srv), AT_USSD, ussd_form(form, sizeof form,
	    "ATUid_parkretry", "%2B6281234567890", USSD_SUBMIT));
	answered = answered_within(&retry.answered, 300) || atomic_load(&first.answered);
	writer_let_go(&holder);
	pthread_join(first.th, NULL);
	pthread_join(retry.th, NULL);
	if (answered)
		fail_msg("expected neither the step nor its retry answered before the commit");
	a = strstr(first.got, "END ");
	b = strstr(retry.got, "END ");
	if (a == NULL || b == NULL || strcmp(a, b) != 0 || strstr(a, "tiket") == NULL)
		fail_msg("expected the same END screen with the ticket for both; got:\n%s\n---\n%s",
		    first.got, retry.got);
	/* And the session, over, answers its last screen from then on. */
	http_post_start(&next, http_port(srv), AT_USSD, ussd_form(form, sizeof form,
	    "ATUid_parkretry", "%2B6281234567890", USSD_SUBMIT "%2A2"));
	pthread_join(next.th, NULL);
	http_stop(srv);
	if (strstr(next.got, a) == NULL)
		fail_msg("expected the last screen again; got:\n%s", next.got);
	assert_int_equal(store_complaint_count(f->s), 1);
}

/*
 * A callback whose message waits for its commit does not hold the HTTP
 * thread: on a server of one thread, another callback is answered
 * meanwhile, and the first gets its ticket once the commit is done.
 */
static void
test_sms_waiting_for_its_commit_leaves_the_http_thread_free(void **state)
{
	struct fixture *f = *state;
	struct intake_endpoint ep;
	struct http_server *srv = kannel_server(f, &ep);
	struct http_get first, other;
	char stored[INTAKE_REPLY_MAX];
	pthread_t holder;
	int other_answered, first_answered;

	writer_hold(f, &holder);
	http_get_start(&first, http_port(srv), KANNEL_SMS "&id=park-1&text=JALAN+rusak+depan+pasar");
	nap_ms(100);
	http_get_start(&other, http_port(srv), "/kannel/sms?secret=wrong&from=" REPORTER
	    "&text=x");
	other_answered = answered_within(&other.answered, 2000);
	first_answered = atomic_load(&first.answered);
	writer_let_go(&holder);
	pthread_join(other.th, NULL);
	pthread_join(first.th, NULL);
	http_stop(srv);
	if (!other_answered || first_answered)
		fail_msg("expected a refused callback answered while another waited for its commit "
		    "(one HTTP thread), and that one still waiting; got the refusal %s, the first %s",
		    other_answered ? "answered" : "waiting", first_answered ? "answered" : "waiting");
	if (strstr(other.got, " 403 ") == NULL)
		fail_msg("expected 403 for the wrong secret; got:\n%s", other.got);
	if (strstr(first.got, " 200 ") == NULL || strstr(first.got, "No tiket") == NULL)
		fail_msg("expected 200 with a ticket once the commit was done; got:\n%s", first.got);
	assert_int_equal(store_message_find(f->s, "kannel", "park-1", NULL, stored, sizeof stored),
	    1);
	if (strstr(first.got, stored) == NULL)
		fail_msg("expected the stored reply \"%s\" in the answer; got:\n%s", stored, first.got);
}

static atomic_int stop_running_done;

static void *
stop_server(void *arg)
{
	http_stop(arg);
	atomic_store(&stop_running_done, 1);
	return NULL;
}

/* Stopping the server waits for a callback parked on its commit, and answers it. */
static void
test_stopping_the_server_answers_a_parked_sms_first(void **state)
{
	struct fixture *f = *state;
	struct intake_endpoint ep;
	struct http_server *srv = kannel_server(f, &ep);
	struct http_get g;
	pthread_t holder, stopper;
	int stopped;

	writer_hold(f, &holder);
	http_get_start(&g, http_port(srv), KANNEL_SMS "&id=park-2&text=JALAN+rusak+depan+pasar");
	nap_ms(100);
	atomic_store(&stop_running_done, 0);
	if (pthread_create(&stopper, NULL, stop_server, srv) != 0)
		fail_msg("pthread_create");
	stopped = answered_within(&stop_running_done, 300);
	writer_let_go(&holder);
	pthread_join(stopper, NULL);
	pthread_join(g.th, NULL);
	if (stopped)
		fail_msg("expected http_stop to wait for the parked callback; it returned at once");
	if (strstr(g.got, " 200 ") == NULL || strstr(g.got, "No tiket") == NULL)
		fail_msg("expected the parked callback answered 200 with its ticket; got:\n%s", g.got);
	assert_int_equal(store_message_find(f->s, "kannel", "park-2", NULL, NULL, 0), 1);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_keyword_complaint_gets_a_stored_ticket_in_one_sms),
		T(test_sms_waiting_for_its_commit_leaves_the_http_thread_free),
		T(test_stopping_the_server_answers_a_parked_sms_first),
		T(test_ussd_submission_waiting_for_its_commit_leaves_the_http_thread_free),
		T(test_ussd_retry_of_a_parked_step_gets_the_same_screen),
		T(test_structured_complaint_keeps_location_and_routes_by_region),
		T(test_structured_complaint_without_location_field),
		T(test_phrase_inside_free_text_routes_to_its_agency),
		T(test_keyword_one_letter_off_still_routes),
		T(test_free_text_without_keyword_goes_to_triage),
		T(test_thanks_and_outside_get_their_own_receipts),
		T(test_short_text_without_keyword_gets_help_and_no_ticket),
		T(test_help_words_and_empty_message_get_help),
		T(test_help_fits_two_sms_in_either_language),
		T(test_keyword_alone_asks_for_the_place_and_problem),
		T(test_phrase_alone_is_a_complaint),
		T(test_prose_opening_with_command_word_is_a_complaint),
		T(test_utf8_text_is_stored_byte_for_byte),
		T(test_long_complaint_is_stored_whole),
		T(test_status_from_reporter_names_status_agency_and_date),
		T(test_status_of_triage_complaint_says_received),
		T(test_status_accepts_the_spellings_citizens_type),
		T(test_status_from_another_phone_reads_like_not_found),
		T(test_mistyped_ticket_gets_typo_reply),
		T(test_ticket_with_wrong_digit_count_shows_the_right_form),
		T(test_add_from_reporter_is_recorded_and_keeps_status),
		T(test_add_from_another_phone_reads_like_not_found_and_adds_nothing),
		T(test_add_without_note_asks_for_it),
		T(test_cancel_from_reporter_withdraws),
		T(test_cancelled_ticket_cannot_be_changed_again),
		T(test_cancel_from_another_phone_changes_nothing),
		T(test_add_within_the_window_reopens_a_resolved_ticket),
		T(test_add_after_the_window_is_a_note_on_the_resolved_ticket),
		T(test_stop_and_start_switch_notifications),
		T(test_default_language_is_indonesian),
		T(test_english_is_remembered_until_an_indonesian_word),
		T(test_report_prefix_answers_in_english),
		T(test_english_alias_answers_in_english),
		T(test_english_phone_keeps_english_for_triage_and_errors),
		T(test_network_senders_are_stored_and_never_answered),
		T(test_invalid_sender_is_refused_and_nothing_stored),
		T(test_sender_spellings_are_one_phone),
		T(test_gateway_retry_gets_the_same_reply_and_no_second_ticket),
		T(test_retry_of_a_message_stored_before_this_process_gets_its_reply),
		T(test_retry_returns_the_stored_reply_even_after_changes),
		T(test_different_ids_with_same_text_are_two_complaints),
		T(test_same_id_from_another_gateway_is_another_message),
		T(test_locked_database_answers_503_and_stores_nothing_until_retry),
		T(test_status_reply_with_curly_quoted_agency_note_stays_gsm7),
		T(test_status_reply_with_very_long_note_is_cut_to_three_sms),
		T(test_status_reply_with_long_note_without_spaces_keeps_a_part_of_it),
		T(test_status_reply_with_emoji_note_stays_within_three_sms),
		T(test_every_receipt_fits_one_sms),
		T(test_gateway_id_reused_by_another_phone_is_its_own_message),
		T(test_gateway_id_reused_by_another_phone_queues_its_own_reply),
		T(test_burst_from_one_phone_gets_burst_tickets_one_notice_then_silence),
		T(test_limit_notice_follows_the_language_of_the_words),
		T(test_complaint_limit_survives_a_restart),
		T(test_same_text_again_gets_the_first_ticket),
		T(test_identical_texts_at_once_get_one_ticket),
		T(test_auto_reply_loop_is_kept_and_not_answered),
		T(test_replies_per_hour_capped_with_one_notice),
		T(test_blocklisted_sender_gets_silence_and_nothing_is_stored),
		T(test_unreg_stops_notifications_like_stop),
		T(test_guard_hash_ignores_case_and_spaces),
		T(test_orphaned_parts_all_drain_in_one_tick),
		T(test_ussd_step_is_answered_while_its_commit_is_still_on_the_way),
		T(test_ussd_ticket_is_answered_only_after_its_commit),
		T(test_ussd_retry_of_the_ticket_step_waits_for_the_same_commit),
		T(test_sms_retry_of_an_uncommitted_message_waits_for_its_commit),
		T(test_ussd_step_whose_commit_failed_is_worked_again_on_retry),
		T(test_ussd_session_from_memory_shows_the_same_screens_and_outlives_a_restart),
		T(test_ussd_retry_of_a_step_from_memory_gets_the_same_screen),
		T(test_ussd_dropped_session_from_memory_is_offered_once_on_the_next_call),
		T(test_ussd_step_from_memory_is_answered_while_the_writer_is_busy),
		T(test_ussd_new_session_is_answered_while_the_writer_is_busy),
		T(test_ussd_session_idle_past_the_timeout_starts_again_at_the_menu),
		T(test_ussd_retries_racing_their_originals_get_the_same_screens),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
