/*
 * conf: reads aduan.conf (libconfig syntax) into a validated struct conf.
 *
 * The operator who edits this file is a Diskominfo admin, not a
 * programmer, and a mistake in it must never reach a citizen: so the
 * loader checks everything it can before anything is served (unknown
 * settings, types, ranges, references between agencies, regions and
 * rules, words that collide or can never route, reply templates that would
 * not fit one SMS) and reports every problem at once, each with its line,
 * instead of stopping at the first.
 *
 * The scalar settings are data: one table (name, type, range, default,
 * place in struct conf) drives defaults, type and range checks and the
 * list of known names used to reject typos.  The lists (agencies, regions,
 * rules) and the reply templates have their own loaders below because
 * their checks are about relations, not ranges.
 *
 * This is the only file that includes <libconfig.h>.
 */
#include "conf/conf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sms/gsm.h"
#include "sms/msisdn.h"
#include "sms/text.h"
#include "util/date.h"
#include "util/util.h"

/* A folded keyword or phrase, NUL included; route_decision.keyword is 64. */
#define WORD_MAX        64
#define ID_MAX          32
#define SHORT_NAME_MAX  24
#define SMS_SEPTETS     160
/* What a receipt is rendered with to see whether it fits one SMS. */
#define SAMPLE_TICKET   "48219307"

/*
 * Reply templates: config name, the placeholders each may use, and the
 * built-in texts.  The defaults were written for citizens on feature
 * phones: plain words, GSM-7 only, a receipt in one SMS.
 */
enum {
	P_TICKET        = 1 << 0,
	P_AGENCY        = 1 << 1,
	P_CATEGORY      = 1 << 2,
	P_SHORTCODE     = 1 << 3,
	P_KEYWORD       = 1 << 4,
	P_STATUS        = 1 << 5,
	P_DATE          = 1 << 6,
	P_NOTE          = 1 << 7,
	P_COMMAND       = 1 << 8,
	P_KEYWORDS      = 1 << 9
};

static const char *const placeholders[] = {
	"ticket", "agency", "category", "shortcode", "keyword", "status",
	"date", "note", "command", "keywords"
};

struct template {
	const char      *name;
	unsigned         allowed;
	const char      *def[LANG_N];
};

static const struct template templates[REPLY_N] = {
	[REPLY_RECEIVED] = { "received", P_TICKET | P_AGENCY | P_CATEGORY | P_SHORTCODE, {
	    "Aduan diterima. No tiket: {ticket}. Diteruskan ke {agency}. Cek status: ketik STATUS {ticket} kirim ke {shortcode}",
	    "Complaint received. Ticket no: {ticket}. Sent to {agency}. For status text STATUS {ticket} to {shortcode}" } },
	[REPLY_RECEIVED_TRIAGE] = { "received_triage", P_TICKET | P_AGENCY | P_SHORTCODE, {
	    "Aduan diterima. No tiket: {ticket}. Petugas akan meneruskan ke dinas terkait. Cek status: ketik STATUS {ticket} kirim ke {shortcode}",
	    "Complaint received. Ticket no: {ticket}. Our staff will forward it to the right office. For status text STATUS {ticket} to {shortcode}" } },
	[REPLY_NEED_TEXT] = { "need_text", P_KEYWORD, {
	    "Isi aduan belum ada. Tulis lokasi dan masalahnya setelah {keyword}, contoh: {keyword} Jl. Pemuda 12 depan SD, sejak 3 hari",
	    "Your complaint is empty. Write the place and the problem after {keyword}, e.g. {keyword} Jl. Pemuda 12 near the school, 3 days" } },
	[REPLY_STATUS] = { "status", P_TICKET | P_STATUS | P_AGENCY | P_DATE, {
	    "Tiket {ticket}: {status}. Ditangani {agency}, update {date}.",
	    "Ticket {ticket}: {status}. Handled by {agency}, updated {date}." } },
	[REPLY_STATUS_NOTE] = { "status_note", P_TICKET | P_STATUS | P_AGENCY | P_DATE | P_NOTE, {
	    "Tiket {ticket}: {status}. Ditangani {agency}, update {date}. Catatan: {note}",
	    "Ticket {ticket}: {status}. Handled by {agency}, updated {date}. Note: {note}" } },
	[REPLY_NOT_FOUND] = { "not_found", P_TICKET, {
	    "Tiket {ticket} tidak ditemukan. Periksa nomor di SMS tanda terima aduan Anda.",
	    "Ticket {ticket} was not found. Please check the number in your receipt SMS." } },
	[REPLY_MISTYPED] = { "mistyped", P_TICKET, {
	    "Nomor tiket {ticket} salah ketik. Periksa lagi 8 angka di SMS tanda terima aduan Anda.",
	    "Ticket number {ticket} has a typo. Please check the 8 digits in your receipt SMS." } },
	[REPLY_BAD_TICKET] = { "bad_ticket", P_COMMAND, {
	    "Nomor tiket harus 8 angka. Contoh: {command} 48219303",
	    "A ticket number has 8 digits. Example: {command} 48219303" } },
	[REPLY_ADDED] = { "added", P_TICKET, {
	    "Tambahan info untuk tiket {ticket} sudah kami terima. Terima kasih.",
	    "Your added information for ticket {ticket} was received. Thank you." } },
	[REPLY_ADD_EMPTY] = { "add_empty", P_TICKET, {
	    "Tulis tambahan info setelah nomor tiket. Contoh: TAMBAH {ticket} sudah 2 minggu belum diperbaiki",
	    "Write the added information after the ticket number, e.g. ADD {ticket} still broken after 2 weeks" } },
	[REPLY_WITHDRAWN] = { "withdrawn", P_TICKET, {
	    "Tiket {ticket} sudah dibatalkan sesuai permintaan Anda.",
	    "Ticket {ticket} has been withdrawn as you asked." } },
	[REPLY_ALREADY_CLOSED] = { "already_closed", P_TICKET | P_STATUS, {
	    "Tiket {ticket} sudah {status} dan tidak bisa diubah. Kirim aduan baru bila masalah belum selesai.",
	    "Ticket {ticket} is already {status} and cannot be changed. Send a new complaint if the problem remains." } },
	[REPLY_HELP] = { "help", P_KEYWORDS | P_SHORTCODE, {
	    "Kirim ke {shortcode}: KATA KUNCI lalu isi aduan. Kata kunci: {keywords}. Cek: STATUS no tiket",
	    "Text {shortcode}: KEYWORD then your complaint. Keywords: {keywords}. Check: STATUS ticket no" } },
	/*
	 * conf.h says "(none)" for these two, but their texts tell the citizen
	 * where to send MULAI / START, so they take {shortcode}.
	 */
	[REPLY_STOPPED] = { "stopped", P_SHORTCODE, {
	    "SMS perkembangan aduan dihentikan. Kirim MULAI ke {shortcode} untuk mengaktifkan lagi.",
	    "Progress SMS stopped. Send START to {shortcode} to turn them on again." } },
	[REPLY_STARTED] = { "started", P_SHORTCODE, {
	    "SMS perkembangan aduan diaktifkan. Kirim BERHENTI ke {shortcode} untuk menghentikan.",
	    "Progress SMS turned on. Send STOP to {shortcode} to stop them." } },
	[REPLY_LANG_SET] = { "lang_set", 0, {
	    "Balasan akan dikirim dalam Bahasa Indonesia. Kirim BAHASA EN untuk bahasa Inggris.",
	    "Replies will now be in English. Send BAHASA ID for Bahasa Indonesia." } },
	[REPLY_LANG_HOW] = { "lang_how", 0, {
	    "Kirim BAHASA ID untuk balasan Bahasa Indonesia, atau BAHASA EN untuk bahasa Inggris.",
	    "Send BAHASA EN for replies in English, or BAHASA ID for Bahasa Indonesia." } },
	[REPLY_DUPLICATE] = { "duplicate", P_TICKET | P_SHORTCODE, {
	    "Aduan ini sudah diterima, No tiket: {ticket}. Cek status: ketik STATUS {ticket} kirim ke {shortcode}",
	    "This complaint was already received, Ticket no: {ticket}. For status text STATUS {ticket} to {shortcode}" } },
	[REPLY_LIMITED] = { "limited", P_SHORTCODE, {
	    "Terlalu banyak aduan dari nomor ini. Aduan berikutnya belum kami terima; silakan kirim lagi 1 jam lagi.",
	    "Too many complaints from this number. Further complaints are not taken now; please send again in an hour." } },
	[REPLY_CAPPED] = { "capped", P_SHORTCODE, {
	    "Terlalu banyak pesan dari nomor ini. Balasan dihentikan sementara; coba lagi 1 jam lagi.",
	    "Too many messages from this number. Replies are paused; please try again in an hour." } },
	[REPLY_ST_RECEIVED] = { "st_received", 0, { "diterima", "received" } },
	[REPLY_ST_ROUTED] = { "st_routed", 0, { "diteruskan ke dinas", "forwarded to the agency" } },
	[REPLY_ST_IN_PROGRESS] = { "st_in_progress", 0, { "sedang ditangani", "in progress" } },
	[REPLY_ST_RESOLVED] = { "st_resolved", 0, { "selesai ditangani", "resolved" } },
	[REPLY_ST_CLOSED] = { "st_closed", 0, { "ditutup", "closed" } },
	[REPLY_ST_DEFERRED] = { "st_deferred", 0, { "ditunda", "deferred" } },
	[REPLY_ST_REJECTED] = { "st_rejected", 0, { "ditolak", "rejected" } },
	[REPLY_ST_WITHDRAWN] = { "st_withdrawn", 0, { "dibatalkan", "withdrawn" } },
};

/* Lifecycle statuses as the store names them, in REPLY_ST_* order. */
static const char *const statuses[] = {
	"received", "routed", "in_progress", "resolved", "closed", "deferred",
	"rejected", "withdrawn"
};

/*
 * The first word of a message is checked against these before routing
 * sees it (sms/parse.h), so a rule word among them could never route a
 * complaint that starts with it.
 */
static const char *const command_words[] = {
	"STATUS", "CEK", "TAMBAH", "ADD", "BATAL", "CANCEL", "INFO", "BANTUAN",
	"HELP", "STOP", "BERHENTI", "UNREG", "MULAI", "START", "LAPOR", "ADUAN", "REPORT",
	"BAHASA", "LANGUAGE"
};

/*
 * The demo values: every secret, password and token whose plaintext the
 * example config, README or doc/kannel.conf publishes.  A deployment that
 * kept one is open to anyone who read them, so outside demo mode
 * (CONF_DEMO: `aduan --demo`, which `make run` and the tests use) a
 * setting holding one is an error.  Matched by value wherever it is
 * written, not by setting name: a demo secret pasted into another setting
 * is just as public.  This is the only list of them; add any new example
 * secret here.
 */
static const struct demo_value {
	const char      *value;
	int              prefix;        /* 1: any value that starts with it */
	const char      *what;          /* said in the error */
} demo_values[] = {
	/* gateways.*.secret, webhook_secret: "ganti-rahasia-kannel", ... */
	{ "ganti-rahasia-", 1, "a demo secret" },
	/* sms_sender.password and Kannel's passwords in doc/kannel.conf */
	{ "ganti-sandi-", 1, "a demo password" },
	{ "token-akun-twilio-anda", 0, "the example's Twilio placeholder" },
	/* token_sha256 of the README's demo tokens */
	{ "d183b9340f93f4cfec0f6c56abf2974f4d518f48f4ec912adc02220ef1f74709", 0,
	  "the SHA-256 of the demo token 'demo-token-diskominfo-ganti'" },
	{ "742f68a37c533b3b5cfaf5c209bab354be4d21be6890a2e1e459bb7e8a20b06e", 0,
	  "the SHA-256 of the demo token 'demo-token-dpupr-ganti'" },
};

/*
 * The scalar settings.  A row says where the value lives in struct conf,
 * its type, its range (for strings: its length in characters) and its
 * default; the loader needs no other code to read it.
 */
enum kind {
	K_INT,          /* int field, integer in [min, max] */
	K_LONG,         /* long field, integer in [min, max] */
	K_STR,          /* char * field, [min, max] characters, optional choices */
	K_CHOICE,       /* int field, one of choices (stores its value) */
	K_LANG,         /* enum lang field, one of choices */
	K_BOOL          /* int field, true or false (ldef: 0 or 1) */
};

struct choice {
	const char      *name;
	int              value;
};

struct scalar {
	const char      *group;         /* "server", "gateways.kannel"; NULL: top level */
	const char      *name;
	enum kind        kind;
	long             min, max;
	long             ldef;          /* default of K_INT, K_LONG */
	const char      *sdef;          /* default of K_STR (NULL: none), K_CHOICE, K_LANG */
	const struct choice *choices;   /* NULL-terminated */
	const char      *(*check)(const char *);  /* K_STR: NULL, or why it is wrong */
	int              required;      /* must be set when its group is there */
	size_t           off;           /* offset in struct conf */
};

static const char *check_listen(const char *);
static const char *check_country(const char *);
static const char *check_alnum(const char *);
static const char *check_url(const char *);
static const char *check_loopback(const char *);

static const struct choice sync_choices[] = {
	{ "full", 1 }, { "normal", 0 }, { NULL, 0 }
};
static const struct choice lang_choices[] = {
	{ "id", LANG_ID }, { "en", LANG_EN }, { NULL, 0 }
};
static const struct choice sender_choices[] = {
	{ "kannel", SENDER_KANNEL }, { "africastalking", SENDER_AFRICASTALKING },
	{ "twilio", SENDER_TWILIO }, { "infobip", SENDER_INFOBIP },
	{ "none", SENDER_NONE }, { NULL, 0 }
};
static const struct choice level_choices[] = {
	{ "debug", 0 }, { "info", 0 }, { "warn", 0 }, { NULL, 0 }
};

#define F(field) offsetof(struct conf, field)
static const struct scalar scalars[] = {
	{ .group = "server", .name = "listen", .kind = K_STR, .min = 1, .max = 45,
	  .sdef = "127.0.0.1", .check = check_listen, .off = F(listen) },
	{ .group = "server", .name = "port", .kind = K_INT, .min = 1, .max = 65535,
	  .ldef = 8080, .off = F(port) },
	{ .group = "server", .name = "threads", .kind = K_INT, .min = 1, .max = 256,
	  .ldef = 64, .off = F(threads) },
	{ .group = "server", .name = "max_body", .kind = K_LONG, .min = 1024, .max = 1048576,
	  .ldef = 16384, .off = F(max_body) },
	{ .group = "server", .name = "connections_per_address", .kind = K_INT, .min = 1,
	  .max = 1024, .ldef = 64, .off = F(connections_per_address) },
	{ .group = "server", .name = "idle_timeout", .kind = K_INT, .min = 1, .max = 300,
	  .ldef = 10, .off = F(idle_timeout) },
	{ .group = "store", .name = "database", .kind = K_STR, .min = 1, .max = 4096,
	  .sdef = "aduan.db", .off = F(database) },
	{ .group = "store", .name = "synchronous", .kind = K_CHOICE,
	  .sdef = "full", .choices = sync_choices, .off = F(sync_full) },
	{ .group = "store", .name = "busy_timeout_ms", .kind = K_INT, .min = 0, .max = 60000,
	  .ldef = 2000, .off = F(busy_timeout_ms) },
	{ .group = "sms", .name = "country_code", .kind = K_STR, .min = 1, .max = 3,
	  .sdef = "62", .check = check_country, .off = F(country_code) },
	{ .group = "sms", .name = "short_code", .kind = K_STR, .min = 1, .max = 11,
	  .sdef = "1708", .check = check_alnum, .off = F(short_code) },
	{ .group = "sms", .name = "default_language", .kind = K_LANG,
	  .sdef = "id", .choices = lang_choices, .off = F(default_lang) },
	{ .group = "sms", .name = "max_text", .kind = K_LONG, .min = 160, .max = 65536,
	  .ldef = 4096, .off = F(max_text) },
	{ .group = NULL, .name = "log_level", .kind = K_STR,
	  .sdef = "info", .choices = level_choices, .off = F(log_level) },
	{ .group = "gateways.kannel", .name = "secret", .kind = K_STR, .min = 12, .max = 256,
	  .sdef = NULL, .required = 1, .off = F(kannel_secret) },
	{ .group = "gateways.africastalking", .name = "secret", .kind = K_STR, .min = 12,
	  .max = 256, .sdef = NULL, .required = 1, .off = F(africastalking_secret) },
	{ .group = "gateways.twilio", .name = "auth_token", .kind = K_STR, .min = 16,
	  .max = 256, .sdef = NULL, .required = 1, .off = F(twilio_auth_token) },
	{ .group = "gateways.twilio", .name = "url", .kind = K_STR, .min = 8,
	  .max = 512, .sdef = NULL, .required = 1, .check = check_url, .off = F(twilio_url) },
	{ .group = "gateways.vonage", .name = "secret", .kind = K_STR, .min = 12,
	  .max = 256, .sdef = NULL, .required = 1, .off = F(vonage_secret) },
	{ .group = "gateways.infobip", .name = "secret", .kind = K_STR, .min = 12,
	  .max = 256, .sdef = NULL, .required = 1, .off = F(infobip_secret) },
	{ .group = "gateways.generic", .name = "secret", .kind = K_STR, .min = 12,
	  .max = 256, .sdef = NULL, .required = 1, .off = F(generic_secret) },
	{ .group = "sms", .name = "parts_timeout", .kind = K_INT, .min = 5, .max = 3600,
	  .ldef = 60, .off = F(parts_timeout) },
	{ .group = "server", .name = "public_url", .kind = K_STR, .min = 8, .max = 512,
	  .sdef = NULL, .check = check_url, .off = F(public_url) },
	{ .group = "admin", .name = "listen", .kind = K_STR, .min = 1, .max = 45,
	  .sdef = "127.0.0.1", .check = check_loopback, .off = F(admin_listen) },
	{ .group = "admin", .name = "port", .kind = K_INT, .min = 0, .max = 65535,
	  .ldef = 8081, .off = F(admin_port) },
	{ .group = "delivery", .name = "workers", .kind = K_INT, .min = 1, .max = 16,
	  .ldef = 2, .off = F(delivery_workers) },
	{ .group = "delivery", .name = "max_attempts", .kind = K_INT, .min = 1, .max = 100,
	  .ldef = 8, .off = F(delivery_max_attempts) },
	{ .group = "delivery", .name = "backoff_initial", .kind = K_INT, .min = 1, .max = 86400,
	  .ldef = 30, .off = F(delivery_backoff_initial) },
	{ .group = "delivery", .name = "backoff_max", .kind = K_INT, .min = 1, .max = 604800,
	  .ldef = 3600, .off = F(delivery_backoff_max) },
	{ .group = "delivery", .name = "timeout", .kind = K_INT, .min = 1, .max = 300,
	  .ldef = 10, .off = F(delivery_timeout) },
	{ .group = "sms_sender", .name = "type", .kind = K_CHOICE, .required = 1,
	  .sdef = "none", .choices = sender_choices, .off = F(sender) },
	{ .group = "sms_sender", .name = "url", .kind = K_STR, .min = 8, .max = 512,
	  .sdef = NULL, .required = 1, .check = check_url, .off = F(sender_url) },
	{ .group = "sms_sender", .name = "username", .kind = K_STR, .min = 1, .max = 128,
	  .sdef = NULL, .off = F(sender_username) },
	{ .group = "sms_sender", .name = "password", .kind = K_STR, .min = 1, .max = 256,
	  .sdef = NULL, .required = 1, .off = F(sender_password) },
	{ .group = "sms_sender", .name = "from", .kind = K_STR, .min = 1, .max = 16,
	  .sdef = NULL, .off = F(sender_from) },
	{ .group = "service_levels", .name = "route_days", .kind = K_INT, .min = 1, .max = 60,
	  .ldef = 3, .off = F(sla_route_days) },
	{ .group = "service_levels", .name = "followup_days", .kind = K_INT, .min = 1,
	  .max = 60, .ldef = 5, .off = F(sla_followup_days) },
	{ .group = "service_levels", .name = "autoclose_days", .kind = K_INT, .min = 1,
	  .max = 60, .ldef = 10, .off = F(sla_autoclose_days) },
	{ .group = "ussd", .name = "session_timeout", .kind = K_INT, .min = 30, .max = 3600,
	  .ldef = 180, .off = F(ussd_session_timeout) },
	{ .group = "ussd", .name = "resume_window", .kind = K_INT, .min = 0, .max = 86400,
	  .ldef = 600, .off = F(ussd_resume_window) },
	{ .group = "open311", .name = "enabled", .kind = K_BOOL, .ldef = 0,
	  .off = F(open311_enabled) },
	{ .group = "open311", .name = "publish_text", .kind = K_BOOL, .ldef = 0,
	  .off = F(open311_publish_text) },
	{ .group = "open311", .name = "requests_per_minute", .kind = K_INT, .min = 1,
	  .max = 100000, .ldef = 30, .off = F(open311_per_minute) },
	{ .group = "open311", .name = "burst", .kind = K_INT, .min = 1, .max = 100000,
	  .ldef = 10, .off = F(open311_burst) },
	{ .group = "guard", .name = "complaints_per_hour", .kind = K_INT, .min = 0, .max = 3600,
	  .ldef = 10, .off = F(guard_complaints_per_hour) },
	{ .group = "guard", .name = "burst", .kind = K_INT, .min = 1, .max = 1000,
	  .ldef = 3, .off = F(guard_burst) },
	{ .group = "guard", .name = "duplicate_window", .kind = K_INT, .min = 0, .max = 2592000,
	  .ldef = 86400, .off = F(guard_duplicate_window) },
	{ .group = "guard", .name = "replies_per_hour", .kind = K_INT, .min = 0, .max = 3600,
	  .ldef = 20, .off = F(guard_replies_per_hour) },
	{ .group = "guard", .name = "loop_repeats", .kind = K_INT, .min = 0, .max = 1000,
	  .ldef = 5, .off = F(guard_loop_repeats) },
	{ .group = "guard", .name = "loop_window", .kind = K_INT, .min = 1, .max = 86400,
	  .ldef = 600, .off = F(guard_loop_window) },
};
#undef F

/* Groups of scalars, parents before children; their members come from scalars[]. */
static const char *const scalar_groups[] = {
	"server", "admin", "store", "sms", "ussd", "guard", "delivery", "sms_sender", "service_levels",
	"open311",
	"gateways", "gateways.kannel", "gateways.africastalking", "gateways.twilio",
	"gateways.vonage", "gateways.infobip", "gateways.generic"
};

/* Top-level settings that are not in scalars[]: they have loaders of their own. */
static const char *const top_lists[] = {
	"agencies", "triage", "regions", "rules", "replies"
};

static const char *const agency_keys[] = {
	"id", "name", "short_name", "webhook", "webhook_secret", "token_sha256", "show_phone",
	NULL
};
static const char *const region_keys[] = { "id", "name", "keywords", NULL };
static const char *const rule_keys[] = {
	"keyword", "aliases", "aliases_en", "agency", "label", "regional", NULL
};
static const char *const label_keys[] = { "id", "en", NULL };
static const char *const regional_keys[] = { "region", "agency", NULL };
static const char *const reply_langs[] = { "id", "en", NULL };

/* Every rule and region word, to find the ones that collide. */
enum wkind { W_KEYWORD, W_ALIAS, W_ALIAS_EN, W_REGION };

struct word {
	const char      *w;             /* folded, owned by the conf */
	enum wkind       kind;
	size_t           owner;         /* rule or region index */
	int              line;
	const char      *file;          /* @include'd file, or NULL */
	size_t           seq;           /* keeps qsort stable */
};

struct loader {
	struct conf             *c;
	struct conf_errors      *errs;
	struct word             *words;
	size_t                   nwords, wordsz;
	int                      reply_line[LANG_N][REPLY_N];  /* 0: built-in */
	const char              *reply_file[LANG_N][REPLY_N];  /* @include'd */
};

static void err_vadd(struct loader *, int, const char *, va_list)
    __attribute__((format(printf, 3, 0)));
static void err_line(struct loader *, int, const char *, ...)
    __attribute__((format(printf, 3, 4)));
static void err_at(struct loader *, const config_setting_t *, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static void
err_vadd(struct loader *ld, int line, const char *fmt, va_list ap)
{
	struct conf_errors *e = ld->errs;

	if (e->n >= CONF_ERRORS_MAX) {
		e->dropped++;
		return;
	}
	e->e[e->n].line = line;
	/* A message cut at 255 bytes still says what and where. */
	(void)vsnprintf(e->e[e->n].msg, sizeof(e->e[e->n].msg), fmt, ap);
	e->n++;
}

static void
err_line(struct loader *ld, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vadd(ld, line, fmt, ap);
	va_end(ap);
}

static int
line_of(const config_setting_t *s)
{
	return s != NULL ? (int)config_setting_source_line(s) : 0;
}

/*
 * Says which @include'd file the error just added (the one at index
 * `added`) is in; libconfig knows no file for the main file's settings.
 */
static void
note_file(struct loader *ld, int added, const char *file)
{
	struct conf_errors *e = ld->errs;
	size_t len;

	if (file == NULL || added >= e->n)
		return;
	len = strlen(e->e[added].msg);
	(void)snprintf(e->e[added].msg + len, sizeof(e->e[added].msg) - len,
	    " (in %s)", file);
}

/* An error about setting s, at its line. */
static void
err_at(struct loader *ld, const config_setting_t *s, const char *fmt, ...)
{
	int n = ld->errs->n;
	va_list ap;

	va_start(ap, fmt);
	err_vadd(ld, line_of(s), fmt, ap);
	va_end(ap);
	note_file(ld, n, s != NULL ? config_setting_source_file(s) : NULL);
}

/* Operators read these: say what was written, in words. */
static const char *
type_name(const config_setting_t *s)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_GROUP:
		return "a group { ... }";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "a number";
	case CONFIG_TYPE_FLOAT:
		return "a decimal number";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "true/false";
	case CONFIG_TYPE_ARRAY:
		return "an array [ ... ]";
	case CONFIG_TYPE_LIST:
		return "a list ( ... )";
	default:
		return "nothing";
	}
}

static const char *
check_listen(const char *s)
{
	unsigned char buf[sizeof(struct in6_addr)];

	if (inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1)
		return NULL;
	return "is not an IPv4 or IPv6 address (a host name is not accepted)";
}

static const char *
check_country(const char *s)
{
	if (s[0] == '0')
		return "must not start with 0 (write 62, not 062 or +62)";
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return "must be digits only (write 62, not +62)";
	return NULL;
}

static const char *
check_alnum(const char *s)
{
	for (; *s != '\0'; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= 'a' && *s <= 'z')))
			return "must be letters and digits only";
	return NULL;
}

/*
 * The admin listener reloads the config and shows metrics: never on an
 * address other machines can reach.
 */
static const char *
check_loopback(const char *s)
{
	const char *why = check_listen(s);

	if (why != NULL)
		return why;
	if (strncmp(s, "127.", 4) != 0 && strcmp(s, "::1") != 0)
		return "must be a loopback address (127.0.0.1 or ::1): the admin endpoints "
		    "are not for other machines";
	return NULL;
}

/* An http:// or https:// URL without spaces. */
static const char *
check_url(const char *s)
{
	const char *p;

	if (strncmp(s, "http://", 7) != 0 && strncmp(s, "https://", 8) != 0)
		return "must start with http:// or https://";
	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7F)
			return "must not contain spaces or non-ASCII characters";
	return NULL;
}

/*
 * Writes the first character of s that GSM-7 cannot carry into out (a
 * UTF-8 sequence, NUL-terminated).  0 when there is none.
 */
static int
first_non_gsm(const char *s, char *out, size_t outsz)
{
	size_t i = 0, n, len = strlen(s);

	while (i < len) {
		n = 1;
		while (i + n < len && ((unsigned char)s[i + n] & 0xC0) == 0x80)
			n++;
		if (!gsm_is_gsm7(s + i, n)) {
			if (n >= outsz)
				n = outsz - 1;
			memcpy(out, s + i, n);
			out[n] = '\0';
			return 1;
		}
		i += n;
	}
	return 0;
}

static size_t
chars(const char *s)
{
	return text_utf8_chars(s, strlen(s));
}

static size_t
septets(const char *s)
{
	struct gsm_count gc;

	if (gsm_count(s, strlen(s), &gc) == -1)
		return 0;
	return gc.units;
}

static int
valid_id(const char *s)
{
	size_t n;

	for (n = 0; s[n] != '\0'; n++)
		if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= '0' && s[n] <= '9') ||
		    s[n] == '_' || s[n] == '-'))
			return 0;
	return n >= 1 && n <= ID_MAX;
}

static int
in_list(const char *const *list, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(list[i], s) == 0)
			return 1;
	return 0;
}

/*
 * Rejects every member of group g whose name is not in known[0..nknown):
 * a misspelt setting silently ignored is the worst kind of config bug.
 */
static void
check_members(struct loader *ld, const config_setting_t *g, const char *where,
    const char *const *known, size_t nknown)
{
	char hint[192];
	size_t i, o = 0;
	int j, n = config_setting_length(g);

	hint[0] = '\0';
	for (i = 0; i < nknown; i++) {
		int w = snprintf(hint + o, sizeof(hint) - o, "%s%s",
		    i ? ", " : "", known[i]);

		if (w < 0 || (size_t)w >= sizeof(hint) - o)
			break;
		o += (size_t)w;
	}
	for (j = 0; j < n; j++) {
		const config_setting_t *m = config_setting_get_elem(g, (unsigned)j);
		const char *name = config_setting_name(m);

		if (name == NULL || in_list(known, nknown, name))
			continue;
		if (where[0] == '\0')
			err_at(ld, m, "unknown setting '%s' at the top level (known: %s)",
			    name, hint);
		else
			err_at(ld, m, "unknown setting '%s' in '%s' (known: %s)",
			    name, where, hint);
	}
}

static size_t
count_keys(const char *const *keys)
{
	size_t n = 0;

	while (keys[n] != NULL)
		n++;
	return n;
}

/* The names a scalar group (or the top level, "") may hold, from the tables. */
static size_t
group_known(const char *group, const char **known, size_t max)
{
	size_t i, n = 0, glen = strlen(group);

	for (i = 0; i < ARRAY_LEN(scalars) && n < max; i++) {
		const char *g = scalars[i].group != NULL ? scalars[i].group : "";

		if (strcmp(g, group) == 0)
			known[n++] = scalars[i].name;
	}
	for (i = 0; i < ARRAY_LEN(scalar_groups) && n < max; i++) {
		const char *g = scalar_groups[i], *dot = strrchr(g, '.');

		if (glen == 0 && dot == NULL)
			known[n++] = g;
		else if (glen > 0 && dot != NULL && (size_t)(dot - g) == glen &&
		    strncmp(g, group, glen) == 0)
			known[n++] = dot + 1;
	}
	if (glen == 0)
		for (i = 0; i < ARRAY_LEN(top_lists) && n < max; i++)
			known[n++] = top_lists[i];
	/* Lists inside a scalar group have loaders of their own. */
	if (strcmp(group, "service_levels") == 0 && n < max)
		known[n++] = "holidays";
	if (strcmp(group, "guard") == 0 && n + 1 < max) {
		known[n++] = "blocklist";
		known[n++] = "autoreply";
	}
	return n;
}

/* The group setting at path, NULL when absent or (reported) not a group. */
static config_setting_t *
group_at(struct loader *ld, const config_t *cfg, const char *path, int report)
{
	config_setting_t *g = config_lookup(cfg, path);

	if (g == NULL || config_setting_is_group(g))
		return g;
	if (report)
		err_at(ld, g, "%s: must be a group { ... }, not %s", path,
		    type_name(g));
	return NULL;
}

static void
check_structure(struct loader *ld, const config_t *cfg)
{
	const char *known[32];
	size_t i, n;

	n = group_known("", known, ARRAY_LEN(known));
	check_members(ld, config_root_setting(cfg), "", known, n);
	for (i = 0; i < ARRAY_LEN(scalar_groups); i++) {
		config_setting_t *g = group_at(ld, cfg, scalar_groups[i], 1);

		if (g == NULL)
			continue;
		n = group_known(scalar_groups[i], known, ARRAY_LEN(known));
		check_members(ld, g, scalar_groups[i], known, n);
	}
}

/* Checks a string from the file: valid UTF-8 (libconfig does not check). */
static int
utf8_ok(struct loader *ld, const config_setting_t *s, const char *what,
    const char *v)
{
	if (text_utf8_valid(v, strlen(v)))
		return 1;
	err_at(ld, s, "%s: is not valid UTF-8; save the file as UTF-8", what);
	return 0;
}

static void
choices_hint(const struct choice *ch, char *buf, size_t bufsz)
{
	size_t o = 0;

	buf[0] = '\0';
	for (; ch->name != NULL; ch++) {
		int w = snprintf(buf + o, bufsz - o, "%s%s", o ? ", " : "", ch->name);

		if (w < 0 || (size_t)w >= bufsz - o)
			return;
		o += (size_t)w;
	}
}

static const struct choice *
choice_find(const struct choice *ch, const char *s)
{
	for (; ch->name != NULL; ch++)
		if (strcmp(ch->name, s) == 0)
			return ch;
	return NULL;
}

static void
scalar_store(struct conf *c, const struct scalar *sc, long lv, const char *sv)
{
	char *base = (char *)c + sc->off;
	const struct choice *ch;

	switch (sc->kind) {
	case K_INT:
	case K_BOOL:
		*(int *)(void *)base = (int)lv;
		break;
	case K_LONG:
		*(long *)(void *)base = lv;
		break;
	case K_STR:
		free(*(char **)(void *)base);
		*(char **)(void *)base = sv != NULL ? xstrdup(sv) : NULL;
		break;
	case K_CHOICE:
		if ((ch = choice_find(sc->choices, sv)) != NULL)
			*(int *)(void *)base = ch->value;
		break;
	case K_LANG:
		if ((ch = choice_find(sc->choices, sv)) != NULL)
			*(enum lang *)(void *)base = (enum lang)ch->value;
		break;
	}
}

static void
scalar_defaults(struct conf *c)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(scalars); i++)
		scalar_store(c, &scalars[i], scalars[i].ldef, scalars[i].sdef);
}

/* Reads one scalar row from the file, or reports why it cannot. */
static void
scalar_read(struct loader *ld, const config_t *cfg, const struct scalar *sc)
{
	config_setting_t *g, *s;
	char path[96], hint[64];
	const char *v, *why;
	long long lv;
	size_t n;

	if (sc->group != NULL) {
		/* Type errors of the group itself were reported by check_structure(). */
		if ((g = group_at(ld, cfg, sc->group, 0)) == NULL)
			return;
		(void)snprintf(path, sizeof(path), "%s.%s", sc->group, sc->name);
	} else {
		g = config_root_setting(cfg);
		(void)snprintf(path, sizeof(path), "%s", sc->name);
	}
	if ((s = config_setting_get_member(g, sc->name)) == NULL) {
		if (sc->required && sc->group != NULL)
			err_at(ld, g, "%s: missing; it is required when '%s' is "
			    "there", path, sc->group);
		return;
	}

	switch (sc->kind) {
	case K_INT:
	case K_LONG:
		if (config_setting_type(s) != CONFIG_TYPE_INT &&
		    config_setting_type(s) != CONFIG_TYPE_INT64) {
			err_at(ld, s, "%s: must be a whole number, not %s", path,
			    type_name(s));
			return;
		}
		lv = config_setting_get_int64(s);
		if (lv < sc->min || lv > sc->max) {
			err_at(ld, s, "%s: %lld is out of range %ld..%ld", path, lv,
			    sc->min, sc->max);
			return;
		}
		scalar_store(ld->c, sc, (long)lv, NULL);
		return;
	case K_BOOL:
		if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
			err_at(ld, s, "%s: must be true or false, not %s", path, type_name(s));
			return;
		}
		scalar_store(ld->c, sc, config_setting_get_bool(s) ? 1 : 0, NULL);
		return;
	case K_STR:
	case K_CHOICE:
	case K_LANG:
		break;
	}

	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		err_at(ld, s, "%s: must be a string in double quotes, not %s", path,
		    type_name(s));
		return;
	}
	v = config_setting_get_string(s);
	if (!utf8_ok(ld, s, path, v))
		return;
	if (sc->choices != NULL) {
		if (choice_find(sc->choices, v) == NULL) {
			choices_hint(sc->choices, hint, sizeof(hint));
			err_at(ld, s, "%s: '%s' is not one of: %s", path, v, hint);
			return;
		}
	} else {
		n = chars(v);
		if (n < (size_t)sc->min) {
			if (sc->min == 1)
				err_at(ld, s, "%s: must not be empty", path);
			else
				err_at(ld, s, "%s: must be at least %ld characters",
				    path, sc->min);
			return;
		}
		if (n > (size_t)sc->max) {
			err_at(ld, s, "%s: '%.40s' is longer than %ld characters",
			    path, v, sc->max);
			return;
		}
		if (sc->check != NULL && (why = sc->check(v)) != NULL) {
			err_at(ld, s, "%s: '%s' %s", path, v, why);
			return;
		}
	}
	scalar_store(ld->c, sc, 0, v);
}

static void
load_scalars(struct loader *ld, const config_t *cfg)
{
	config_setting_t *s;
	size_t i;

	for (i = 0; i < ARRAY_LEN(scalars); i++)
		scalar_read(ld, cfg, &scalars[i]);

	/* The decoded text can never be longer than the body it came in. */
	if (ld->c->max_text > ld->c->max_body) {
		if ((s = config_lookup(cfg, "sms.max_text")) == NULL)
			s = config_lookup(cfg, "server.max_body");
		err_at(ld, s, "sms.max_text: %ld is larger than server.max_body (%ld)",
		    ld->c->max_text, ld->c->max_body);
	}
}

/*
 * A string member of a list element: NULL when absent (reported when
 * required), not a string, or not UTF-8 (reported).
 */
static const char *
member_string(struct loader *ld, const config_setting_t *g, const char *name,
    const char *where, int required, config_setting_t **sp)
{
	config_setting_t *s = config_setting_get_member(g, name);
	const char *v;

	if (sp != NULL)
		*sp = s;
	if (s == NULL) {
		if (required)
			err_at(ld, g, "%s: %s is missing", where, name);
		return NULL;
	}
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		err_at(ld, s, "%s: %s must be a string in double quotes, not %s",
		    where, name, type_name(s));
		return NULL;
	}
	v = config_setting_get_string(s);
	if (!text_utf8_valid(v, strlen(v))) {
		err_at(ld, s, "%s: %s is not valid UTF-8; save the file as UTF-8",
		    where, name);
		return NULL;
	}
	return v;
}

/* A list of groups at the top level: NULL when absent or (reported) not a list. */
static config_setting_t *
top_list(struct loader *ld, const config_t *cfg, const char *name, int required,
    const char *example)
{
	config_setting_t *l = config_setting_get_member(config_root_setting(cfg),
	    name);

	if (l == NULL) {
		if (required)
			err_line(ld, 0, "%s: missing; write %s = ( %s, ... );",
			    name, name, example);
		return NULL;
	}
	if (!config_setting_is_list(l)) {
		err_at(ld, l, "%s: must be a list ( %s, ... ), not %s", name,
		    example, type_name(l));
		return NULL;
	}
	if (config_setting_length(l) == 0) {
		if (required)
			err_at(ld, l, "%s: the list is empty; at least one is needed",
			    name);
		return NULL;
	}
	return l;
}

static int
gsm_ok(struct loader *ld, const config_setting_t *s, const char *where,
    const char *what, const char *v)
{
	char bad[8];

	if (!first_non_gsm(v, bad, sizeof(bad)))
		return 1;
	err_at(ld, s, "%s: %s has '%s', which is not in the GSM-7 alphabet of "
	    "SMS; use plain letters", where, what, bad);
	return 0;
}

/* webhook, webhook_secret, token_sha256, show_phone: all optional. */
static void
load_agency_delivery(struct loader *ld, const config_setting_t *e, const char *where,
    struct conf_agency *a)
{
	config_setting_t *s, *w = NULL;
	const char *v, *why;
	size_t i;

	if ((v = member_string(ld, e, "webhook", where, 0, &w)) != NULL) {
		if ((why = check_url(v)) != NULL)
			err_at(ld, w, "%s: webhook '%.60s' %s", where, v, why);
		else
			a->webhook = xstrdup(v);
	}
	if ((v = member_string(ld, e, "webhook_secret", where, 0, &s)) != NULL) {
		if (strlen(v) < 16)
			err_at(ld, s, "%s: webhook_secret must be at least 16 characters", where);
		else
			a->webhook_secret = xstrdup(v);
	}
	if (a->webhook != NULL && a->webhook_secret == NULL &&
	    config_setting_get_member(e, "webhook_secret") == NULL)
		err_at(ld, w, "%s: webhook needs a webhook_secret to sign what it sends", where);
	if ((v = member_string(ld, e, "token_sha256", where, 0, &s)) != NULL) {
		for (i = 0; v[i] != '\0'; i++)
			if (!((v[i] >= '0' && v[i] <= '9') || (v[i] >= 'a' && v[i] <= 'f')))
				break;
		if (i != 64 || v[i] != '\0')
			err_at(ld, s, "%s: token_sha256 must be 64 lower-case hex digits (the "
			    "SHA-256 of the token: printf %%s TOKEN | sha256sum)", where);
		else
			a->token_sha256 = xstrdup(v);
	}
	if ((s = config_setting_get_member(e, "show_phone")) != NULL) {
		if (config_setting_type(s) != CONFIG_TYPE_BOOL)
			err_at(ld, s, "%s: show_phone must be true or false, not %s", where,
			    type_name(s));
		else
			a->show_phone = config_setting_get_bool(s);
	}
}

/*
 * Agency i's token_sha256 is no other agency's: the API finds the agency
 * by the token's hash, so two agencies with one token would both read the
 * first one's tickets.
 */
static void
check_token_unique(struct loader *ld, const config_setting_t *list, size_t i)
{
	const struct conf_agency *a = &ld->c->agencies[i], *b;
	const config_setting_t *s;
	size_t j;

	if (a->token_sha256 == NULL)
		return;
	for (j = 0; j < i; j++) {
		b = &ld->c->agencies[j];
		if (b->token_sha256 == NULL || strcmp(a->token_sha256, b->token_sha256) != 0)
			continue;
		s = config_setting_get_member(config_setting_get_elem(list, (unsigned)i),
		    "token_sha256");
		err_at(ld, s, "agency %s (%s): token_sha256 is the same as that of agency "
		    "%s (%s) at line %d; each agency needs a token of its own (openssl "
		    "rand -hex 16), or one token reads both agencies' tickets",
		    a->id != NULL ? a->id : "?", a->name != NULL ? a->name : "?",
		    b->id != NULL ? b->id : "?", b->name != NULL ? b->name : "?",
		    line_of(config_setting_get_member(config_setting_get_elem(list,
		    (unsigned)j), "token_sha256")));
		return;
	}
}

static void
load_agencies(struct loader *ld, const config_t *cfg)
{
	struct conf *c = ld->c;
	config_setting_t *list, *e, *s;
	const char *v;
	char where[64];
	size_t i, j, n;

	list = top_list(ld, cfg, "agencies", 1,
	    "{ id = \"dpupr\"; name = \"...\"; short_name = \"DPUPR\"; }");
	if (list == NULL)
		return;
	n = (size_t)config_setting_length(list);
	c->agencies = xcalloc(n, sizeof(*c->agencies));
	c->nagencies = n;
	for (i = 0; i < n; i++) {
		struct conf_agency *a = &c->agencies[i];

		e = config_setting_get_elem(list, (unsigned)i);
		a->line = line_of(e);
		(void)snprintf(where, sizeof(where), "agency #%zu", i + 1);
		if (!config_setting_is_group(e)) {
			err_at(ld, e, "%s: must be a group { id = ...; name = ...; "
			    "short_name = ...; }, not %s", where, type_name(e));
			continue;
		}
		if ((v = member_string(ld, e, "id", where, 1, &s)) != NULL) {
			a->id = xstrdup(v);
			if (!valid_id(v))
				err_at(ld, s, "%s: id '%.40s' must be 1 to %d of a-z, "
				    "0-9, '_' and '-'", where, v, ID_MAX);
			else {
				for (j = 0; j < i; j++)
					if (c->agencies[j].id != NULL &&
					    strcmp(c->agencies[j].id, v) == 0)
						break;
				if (j < i)
					err_at(ld, s, "%s: id '%s' is already used by "
					    "the agency at line %d", where, v,
					    c->agencies[j].line);
				(void)snprintf(where, sizeof(where), "agency %s", v);
			}
		}
		check_members(ld, e, where, agency_keys, count_keys(agency_keys));
		if ((v = member_string(ld, e, "name", where, 1, &s)) != NULL) {
			a->name = xstrdup(v);
			if (*v == '\0')
				err_at(ld, s, "%s: name must not be empty", where);
		}
		if ((v = member_string(ld, e, "short_name", where, 1, &s)) != NULL) {
			a->short_name = xstrdup(v);
			if (*v == '\0')
				err_at(ld, s, "%s: short_name must not be empty", where);
			else if (chars(v) > SHORT_NAME_MAX)
				err_at(ld, s, "%s: short_name '%s' is longer than %d "
				    "characters; it goes into the receipt SMS", where,
				    v, SHORT_NAME_MAX);
			else
				(void)gsm_ok(ld, s, where, "short_name", v);
		}
		load_agency_delivery(ld, e, where, a);
		check_token_unique(ld, list, i);
	}
}

/* service_levels.holidays: a list of "YYYY-MM-DD" dates. */
static void
load_holidays(struct loader *ld, const config_t *cfg)
{
	struct conf *c = ld->c;
	config_setting_t *g, *list, *e;
	const char *v;
	size_t i, n;
	int d;

	if ((g = group_at(ld, cfg, "service_levels", 0)) == NULL ||
	    (list = config_setting_get_member(g, "holidays")) == NULL)
		return;
	if (!config_setting_is_array(list) && !config_setting_is_list(list)) {
		err_at(ld, list, "service_levels.holidays: must be a list of dates "
		    "[ \"2026-12-25\", ... ], not %s", type_name(list));
		return;
	}
	n = (size_t)config_setting_length(list);
	c->holidays = xcalloc(n, sizeof(*c->holidays));
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(list, (unsigned)i);
		v = config_setting_type(e) == CONFIG_TYPE_STRING ?
		    config_setting_get_string(e) : NULL;
		if (v == NULL || (d = date_parse_day(v)) < 0) {
			err_at(ld, e, "service_levels.holidays: '%.20s' is not a date "
			    "written YYYY-MM-DD", v != NULL ? v : type_name(e));
			continue;
		}
		c->holidays[c->nholidays++] = d;
	}
}

/*
 * Auto-replies of networks and phones, normalised (lower case, single
 * spaces): a message holding one is answered with silence.  guard.autoreply
 * replaces the list.
 */
static const char *const autoreply_defaults[] = {
	"nomor yang anda tuju",
	"nomor yang anda hubungi",
	"the number you are calling",
	"the number you have dialed",
	"pesan ini dibalas otomatis",
	"balasan otomatis",
	"auto reply",
	"auto-reply",
	"automatic reply",
	"pulsa anda tidak mencukupi",
};

/* Lower case, runs of white space as one space, trimmed: how the guard compares texts. */
static char *
guard_norm(const char *v)
{
	size_t n = strlen(v), i, o = 0;
	char *out = xmalloc(n + 1);
	int space = 0;

	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)v[i];

		if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n') {
			space = o > 0;
			continue;
		}
		if (space)
			out[o++] = ' ';
		space = 0;
		out[o++] = ch >= 'A' && ch <= 'Z' ? (char)(ch | 0x20) : (char)ch;
	}
	out[o] = '\0';
	return out;
}

/* guard.blocklist (phone numbers) and guard.autoreply (texts). */
static void
load_guard(struct loader *ld, const config_t *cfg)
{
	struct conf *c = ld->c;
	config_setting_t *g, *list, *e;
	char phone[64], why[128];
	const char *v;
	size_t i, n;

	c->nguard_autoreply = ARRAY_LEN(autoreply_defaults);
	c->guard_autoreply = xcalloc(c->nguard_autoreply, sizeof *c->guard_autoreply);
	for (i = 0; i < c->nguard_autoreply; i++)
		c->guard_autoreply[i] = xstrdup(autoreply_defaults[i]);
	if ((g = group_at(ld, cfg, "guard", 0)) == NULL)
		return;
	if ((list = config_setting_get_member(g, "blocklist")) != NULL) {
		if (!config_setting_is_array(list) && !config_setting_is_list(list)) {
			err_at(ld, list, "guard.blocklist: must be a list of phone numbers "
			    "[ \"+6281234567890\", ... ], not %s", type_name(list));
		} else {
			n = (size_t)config_setting_length(list);
			c->guard_blocklist = xcalloc(n > 0 ? n : 1, sizeof *c->guard_blocklist);
			for (i = 0; i < n; i++) {
				e = config_setting_get_elem(list, (unsigned)i);
				v = config_setting_type(e) == CONFIG_TYPE_STRING ?
				    config_setting_get_string(e) : NULL;
				if (v == NULL || msisdn_normalize(v, c->country_code, phone,
				    sizeof phone, why, sizeof why) != MSISDN_E164) {
					err_at(ld, e, "guard.blocklist: '%.24s' is not a phone number",
					    v != NULL ? v : type_name(e));
					continue;
				}
				c->guard_blocklist[c->nguard_blocklist++] = xstrdup(phone);
			}
		}
	}
	if ((list = config_setting_get_member(g, "autoreply")) != NULL) {
		if (!config_setting_is_array(list) && !config_setting_is_list(list)) {
			err_at(ld, list, "guard.autoreply: must be a list of texts "
			    "[ \"nomor yang anda tuju\", ... ], not %s", type_name(list));
			return;
		}
		for (i = 0; i < c->nguard_autoreply; i++)
			free(c->guard_autoreply[i]);
		free(c->guard_autoreply);
		c->nguard_autoreply = 0;
		n = (size_t)config_setting_length(list);
		c->guard_autoreply = xcalloc(n > 0 ? n : 1, sizeof *c->guard_autoreply);
		for (i = 0; i < n; i++) {
			e = config_setting_get_elem(list, (unsigned)i);
			v = config_setting_type(e) == CONFIG_TYPE_STRING ?
			    config_setting_get_string(e) : NULL;
			if (v == NULL || strlen(v) < 4 || strlen(v) > 160) {
				err_at(ld, e, "guard.autoreply: each entry must be a text of 4 to "
				    "160 characters, not %.24s", v != NULL ? v : type_name(e));
				continue;
			}
			c->guard_autoreply[c->nguard_autoreply++] = guard_norm(v);
		}
	}
}

/* Settings that only make sense together, and derived defaults. */
static void
finish_delivery(struct loader *ld, const config_t *cfg)
{
	struct conf *c = ld->c;
	config_setting_t *g;
	char url[96];

	if (c->delivery_backoff_max < c->delivery_backoff_initial &&
	    (g = group_at(ld, cfg, "delivery", 0)) != NULL)
		err_at(ld, g, "delivery: backoff_max (%d) is below backoff_initial (%d)",
		    c->delivery_backoff_max, c->delivery_backoff_initial);
	if ((g = group_at(ld, cfg, "sms_sender", 0)) != NULL && c->sender != SENDER_NONE &&
	    c->sender != SENDER_INFOBIP && c->sender_username == NULL &&
	    config_setting_get_member(g, "username") == NULL)
		err_at(ld, g, "sms_sender.username: missing; this sender needs it (the "
		    "Twilio Account SID, the Kannel or Africa's Talking user name)");
	if (c->public_url == NULL && c->listen != NULL) {
		if (strchr(c->listen, ':') != NULL)
			(void)snprintf(url, sizeof(url), "http://[%s]:%d", c->listen, c->port);
		else
			(void)snprintf(url, sizeof(url), "http://%s:%d", c->listen, c->port);
		c->public_url = xstrdup(url);
	}
}

static void
load_triage(struct loader *ld, const config_t *cfg)
{
	config_setting_t *s;
	const char *v;
	long a;

	v = member_string(ld, config_root_setting(cfg), "triage", "triage", 0, &s);
	if (s == NULL) {
		err_line(ld, 0, "triage: missing; name the agency that receives the "
		    "complaints no rule matches, e.g. triage = \"diskominfo\";");
		return;
	}
	if (v == NULL)
		return;
	if ((a = conf_agency_find(ld->c, v)) == -1) {
		/* A missing agency list was reported already. */
		if (ld->c->nagencies > 0)
			err_at(ld, s, "triage: unknown agency '%s'", v);
		return;
	}
	ld->c->triage = (size_t)a;
}

struct fold_words {
	size_t           off[3], len[3];
	size_t           n;
};

static int
fold_collect(void *arg, size_t off, size_t len)
{
	struct fold_words *fw = arg;

	if (fw->n < ARRAY_LEN(fw->off)) {
		fw->off[fw->n] = off;
		fw->len[fw->n] = len;
	}
	fw->n++;
	return 0;
}

/*
 * Folds a configured word (maxwords 1) or phrase (maxwords 2) exactly as
 * routing folds the words of a message, words joined by one space.
 * Returns 0, or -1 with the reason in *why.
 */
static int
fold_phrase(const char *s, size_t maxwords, char *out, size_t outsz,
    const char **why)
{
	struct fold_words fw;
	char w[WORD_MAX];
	size_t i, o = 0;
	long n;

	memset(&fw, 0, sizeof(fw));
	(void)text_words(s, strlen(s), fold_collect, &fw);
	if (fw.n == 0) {
		*why = "is empty";
		return -1;
	}
	if (fw.n > maxwords) {
		*why = maxwords == 1 ? "must be a single word" :
		    "has more than two words; a phrase has at most two words";
		return -1;
	}
	for (i = 0; i < fw.n; i++) {
		n = text_fold_word(s + fw.off[i], fw.len[i], w, sizeof(w));
		if (n == -1 || o + (i > 0) + (size_t)n + 1 > outsz) {
			*why = "is too long (at most 63 characters)";
			return -1;
		}
		if (n == 0) {
			*why = "has no letters or digits, so it can never match";
			return -1;
		}
		if (memchr(w, '#', (size_t)n) != NULL) {
			*why = "contains '#', which separates the parts of a "
			    "structured complaint";
			return -1;
		}
		if (i > 0)
			out[o++] = ' ';
		memcpy(out + o, w, (size_t)n);
		o += (size_t)n;
	}
	out[o] = '\0';
	return 0;
}

static void
word_add(struct loader *ld, const char *w, enum wkind kind, size_t owner,
    const config_setting_t *s)
{
	if (ld->nwords == ld->wordsz) {
		ld->wordsz = ld->wordsz ? ld->wordsz * 2 : 64;
		ld->words = xrealloc(ld->words, ld->wordsz * sizeof(*ld->words));
	}
	ld->words[ld->nwords].w = w;
	ld->words[ld->nwords].kind = kind;
	ld->words[ld->nwords].owner = owner;
	ld->words[ld->nwords].line = line_of(s);
	ld->words[ld->nwords].file = config_setting_source_file(s);
	ld->words[ld->nwords].seq = ld->nwords;
	ld->nwords++;
}

/*
 * Folds the strings of an array or list s into a new array (*out, *nout),
 * reporting each bad one; the good ones are registered as words.
 */
static void
load_words(struct loader *ld, const config_setting_t *s, const char *where,
    const char *what, size_t maxwords, enum wkind kind, size_t owner,
    char ***out, size_t *nout)
{
	char folded[WORD_MAX];
	const char *v, *why;
	size_t i, n;

	*out = NULL;
	*nout = 0;
	if (!config_setting_is_array(s) && !config_setting_is_list(s)) {
		err_at(ld, s, "%s: %s must be an array [ \"...\", \"...\" ], not %s",
		    where, what, type_name(s));
		return;
	}
	n = (size_t)config_setting_length(s);
	*out = xcalloc(n, sizeof(**out));
	for (i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);

		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			err_at(ld, e, "%s: %s must be strings in double quotes, not "
			    "%s", where, what, type_name(e));
			continue;
		}
		v = config_setting_get_string(e);
		if (!text_utf8_valid(v, strlen(v))) {
			err_at(ld, e, "%s: %s: a word is not valid UTF-8; save the "
			    "file as UTF-8", where, what);
			continue;
		}
		if (fold_phrase(v, maxwords, folded, sizeof(folded), &why) == -1) {
			err_at(ld, e, "%s: %s: '%.60s' %s", where, what, v, why);
			continue;
		}
		(*out)[*nout] = xstrdup(folded);
		word_add(ld, (*out)[*nout], kind, owner, e);
		(*nout)++;
	}
}

static void
load_regions(struct loader *ld, const config_t *cfg)
{
	struct conf *c = ld->c;
	config_setting_t *list, *e, *s;
	const char *v;
	char where[64];
	size_t i, j, n;

	list = top_list(ld, cfg, "regions", 0,
	    "{ id = \"ambarawa\"; name = \"...\"; keywords = [ \"AMBARAWA\" ]; }");
	if (list == NULL)
		return;
	n = (size_t)config_setting_length(list);
	c->regions = xcalloc(n, sizeof(*c->regions));
	c->nregions = n;
	for (i = 0; i < n; i++) {
		struct conf_region *r = &c->regions[i];

		e = config_setting_get_elem(list, (unsigned)i);
		r->line = line_of(e);
		(void)snprintf(where, sizeof(where), "region #%zu", i + 1);
		if (!config_setting_is_group(e)) {
			err_at(ld, e, "%s: must be a group { id = ...; name = ...; "
			    "keywords = [ ... ]; }, not %s", where, type_name(e));
			continue;
		}
		if ((v = member_string(ld, e, "id", where, 1, &s)) != NULL) {
			r->id = xstrdup(v);
			if (!valid_id(v))
				err_at(ld, s, "%s: id '%.40s' must be 1 to %d of a-z, "
				    "0-9, '_' and '-'", where, v, ID_MAX);
			else {
				for (j = 0; j < i; j++)
					if (c->regions[j].id != NULL &&
					    strcmp(c->regions[j].id, v) == 0)
						break;
				if (j < i)
					err_at(ld, s, "%s: id '%s' is already used by "
					    "the region at line %d", where, v,
					    c->regions[j].line);
				(void)snprintf(where, sizeof(where), "region %s", v);
			}
		}
		check_members(ld, e, where, region_keys, count_keys(region_keys));
		if ((v = member_string(ld, e, "name", where, 1, &s)) != NULL) {
			r->name = xstrdup(v);
			if (*v == '\0')
				err_at(ld, s, "%s: name must not be empty", where);
		}
		if ((s = config_setting_get_member(e, "keywords")) == NULL) {
			err_at(ld, e, "%s: keywords is missing", where);
			continue;
		}
		load_words(ld, s, where, "keywords", 1, W_REGION, i, &r->keywords,
		    &r->nkeywords);
		if (config_setting_is_aggregate(s) && config_setting_length(s) == 0)
			err_at(ld, s, "%s: keywords is empty; list the words (town, "
			    "district) that name this region", where);
	}
}

static long
region_find(const struct conf *c, const char *id)
{
	size_t i;

	for (i = 0; i < c->nregions; i++)
		if (c->regions[i].id != NULL && strcmp(c->regions[i].id, id) == 0)
			return (long)i;
	return -1;
}

static void
rule_where(const struct conf *c, size_t i, char *buf, size_t bufsz)
{
	if (i < c->nrules && c->rules[i].keyword != NULL)
		(void)snprintf(buf, bufsz, "rule %s", c->rules[i].keyword);
	else
		(void)snprintf(buf, bufsz, "rule #%zu", i + 1);
}

static void
load_label(struct loader *ld, const config_setting_t *e, const char *where,
    struct conf_rule *r)
{
	config_setting_t *l, *s;
	const char *v;
	int i;

	if ((l = config_setting_get_member(e, "label")) == NULL) {
		err_at(ld, e, "%s: label is missing; write label = { id = \"...\"; "
		    "en = \"...\"; };", where);
		return;
	}
	if (!config_setting_is_group(l)) {
		err_at(ld, l, "%s: label must be a group { id = \"...\"; en = \"...\"; "
		    "}, not %s", where, type_name(l));
		return;
	}
	{
		char lwhere[WORD_MAX + 32];

		(void)snprintf(lwhere, sizeof(lwhere), "%s label", where);
		check_members(ld, l, lwhere, label_keys, count_keys(label_keys));
	}
	for (i = 0; i < LANG_N; i++) {
		char what[16];

		(void)snprintf(what, sizeof(what), "label.%s", lang_code((enum lang)i));
		v = member_string(ld, l, lang_code((enum lang)i), where, 0, &s);
		if (s == NULL) {
			if (i == LANG_ID)
				err_at(ld, l, "%s: label.id is missing", where);
			continue;
		}
		if (v == NULL)
			continue;
		r->label[i] = xstrdup(v);
		if (*v == '\0')
			err_at(ld, s, "%s: %s must not be empty", where, what);
		else
			(void)gsm_ok(ld, s, where, what, v);
	}
	/* A label without English is shown in Indonesian to everyone. */
	if (r->label[LANG_EN] == NULL && r->label[LANG_ID] != NULL)
		r->label[LANG_EN] = xstrdup(r->label[LANG_ID]);
}

static void
load_regional(struct loader *ld, const config_setting_t *e, const char *where,
    struct conf_rule *r)
{
	const struct conf *c = ld->c;
	config_setting_t *l, *g, *rs, *as;
	const char *region, *agency;
	char rwhere[WORD_MAX + 32];
	int *lines;
	long ri, ai;
	size_t i, j, n;

	if ((l = config_setting_get_member(e, "regional")) == NULL)
		return;
	if (!config_setting_is_list(l)) {
		err_at(ld, l, "%s: regional must be a list ( { region = \"...\"; "
		    "agency = \"...\"; }, ... ), not %s", where, type_name(l));
		return;
	}
	(void)snprintf(rwhere, sizeof(rwhere), "%s regional", where);
	n = (size_t)config_setting_length(l);
	r->regional = xcalloc(n, sizeof(*r->regional));
	lines = xcalloc(n, sizeof(*lines));
	for (i = 0; i < n; i++) {
		g = config_setting_get_elem(l, (unsigned)i);
		if (!config_setting_is_group(g)) {
			err_at(ld, g, "%s: regional entries must be groups { region = "
			    "\"...\"; agency = \"...\"; }, not %s", where,
			    type_name(g));
			continue;
		}
		check_members(ld, g, rwhere, regional_keys,
		    count_keys(regional_keys));
		region = member_string(ld, g, "region", where, 1, &rs);
		agency = member_string(ld, g, "agency", where, 1, &as);
		ri = ai = -1;
		if (region != NULL && (ri = region_find(c, region)) == -1)
			err_at(ld, rs, "%s: regional: unknown region '%s'", where,
			    region);
		if (agency != NULL && (ai = conf_agency_find(c, agency)) == -1 &&
		    c->nagencies > 0)
			err_at(ld, as, "%s: regional: unknown agency '%s'", where,
			    agency);
		if (ri == -1 || ai == -1)
			continue;
		for (j = 0; j < r->nregional; j++)
			if (r->regional[j].region == (size_t)ri)
				break;
		if (j < r->nregional) {
			err_at(ld, rs, "%s: regional: region '%s' is given twice "
			    "(first at line %d)", where, region, lines[j]);
			continue;
		}
		lines[r->nregional] = line_of(g);
		r->regional[r->nregional].region = (size_t)ri;
		r->regional[r->nregional].agency = (size_t)ai;
		r->nregional++;
	}
	free(lines);
}

static void
load_rules(struct loader *ld, const config_t *cfg)
{
	struct conf *c = ld->c;
	config_setting_t *list, *e, *s;
	char where[WORD_MAX + 16], folded[WORD_MAX];
	const char *v, *why;
	long a;
	size_t i, n;

	list = top_list(ld, cfg, "rules", 1,
	    "{ keyword = \"JALAN\"; agency = \"dpupr\"; label = { id = \"...\"; }; }");
	if (list == NULL)
		return;
	n = (size_t)config_setting_length(list);
	c->rules = xcalloc(n, sizeof(*c->rules));
	c->nrules = n;
	for (i = 0; i < n; i++) {
		struct conf_rule *r = &c->rules[i];

		e = config_setting_get_elem(list, (unsigned)i);
		r->line = line_of(e);
		rule_where(c, i, where, sizeof(where));
		if (!config_setting_is_group(e)) {
			err_at(ld, e, "%s: must be a group { keyword = ...; agency = "
			    "...; label = ...; }, not %s", where, type_name(e));
			continue;
		}
		if ((v = member_string(ld, e, "keyword", where, 1, &s)) != NULL) {
			if (fold_phrase(v, 2, folded, sizeof(folded), &why) == -1)
				err_at(ld, s, "%s: keyword '%.60s' %s", where, v, why);
			else {
				r->keyword = xstrdup(folded);
				word_add(ld, r->keyword, W_KEYWORD, i, s);
				rule_where(c, i, where, sizeof(where));
			}
		}
		check_members(ld, e, where, rule_keys, count_keys(rule_keys));
		if ((s = config_setting_get_member(e, "aliases")) != NULL)
			load_words(ld, s, where, "aliases", 2, W_ALIAS, i,
			    &r->aliases, &r->naliases);
		if ((s = config_setting_get_member(e, "aliases_en")) != NULL)
			load_words(ld, s, where, "aliases_en", 2, W_ALIAS_EN, i,
			    &r->aliases_en, &r->naliases_en);
		if ((v = member_string(ld, e, "agency", where, 1, &s)) != NULL) {
			if ((a = conf_agency_find(c, v)) != -1)
				r->agency = (size_t)a;
			else if (c->nagencies > 0)
				err_at(ld, s, "%s: unknown agency '%s'", where, v);
		}
		load_label(ld, e, where, r);
		load_regional(ld, e, where, r);
	}
}

static int
same_file(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static int
word_cmp(const void *a, const void *b)
{
	const struct word *x = a, *y = b;
	int d = strcmp(x->w, y->w);

	if (d != 0)
		return d;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void
owner_name(const struct conf *c, const struct word *w, char *buf, size_t bufsz)
{
	if (w->kind != W_REGION)
		rule_where(c, w->owner, buf, bufsz);
	else if (c->regions[w->owner].id != NULL)
		(void)snprintf(buf, bufsz, "region %s", c->regions[w->owner].id);
	else
		(void)snprintf(buf, bufsz, "region #%zu", w->owner + 1);
}

/*
 * A word may mean one thing only: routing cannot choose between two rules
 * for the same word, and a region word that is also a rule word would both
 * route and localise.  Sorting makes this O(n log n) for any number of
 * rules.  Each later occurrence is reported against the first.
 */
static void
check_words(struct loader *ld)
{
	static const char *const kind_name[] = {
		[W_KEYWORD] = "keyword", [W_ALIAS] = "alias",
		[W_ALIAS_EN] = "English alias", [W_REGION] = "keyword"
	};
	const struct conf *c = ld->c;
	char here[WORD_MAX + 16], there[WORD_MAX + 16], aline[96];
	size_t i, first;
	int n;

	for (i = 0; i < ld->nwords; i++) {
		const struct word *w = &ld->words[i];

		if (w->kind == W_REGION || strchr(w->w, ' ') != NULL ||
		    !in_list(command_words, ARRAY_LEN(command_words), w->w))
			continue;
		owner_name(c, w, here, sizeof(here));
		n = ld->errs->n;
		err_line(ld, w->line, "%s: %s '%s' is a command word; a message "
		    "starting with it is read as a command, never as a complaint",
		    here, kind_name[w->kind], w->w);
		note_file(ld, n, w->file);
	}

	if (ld->nwords > 1)
		qsort(ld->words, ld->nwords, sizeof(*ld->words), word_cmp);
	for (first = 0, i = 1; i < ld->nwords; i++) {
		const struct word *a, *b;

		if (strcmp(ld->words[i].w, ld->words[first].w) != 0) {
			first = i;
			continue;
		}
		a = &ld->words[first];
		b = &ld->words[i];
		owner_name(c, b, here, sizeof(here));
		/* The first one may be in another (@include'd) file. */
		if (same_file(a->file, b->file))
			(void)snprintf(aline, sizeof(aline), "line %d", a->line);
		else
			(void)snprintf(aline, sizeof(aline), "line %d of %s", a->line,
			    a->file != NULL ? a->file : c->path);
		n = ld->errs->n;
		if ((a->kind == W_REGION) == (b->kind == W_REGION) &&
		    a->owner == b->owner)
			err_line(ld, b->line, "%s: %s '%s' (line %d) is given twice "
			    "in this %s (first at %s)", here, kind_name[b->kind],
			    b->w, b->line, b->kind == W_REGION ? "region" : "rule",
			    aline);
		else {
			owner_name(c, a, there, sizeof(there));
			err_line(ld, b->line, "%s: %s '%s' (line %d) is also in %s "
			    "(%s)", here, kind_name[b->kind], b->w, b->line,
			    there, aline);
		}
		note_file(ld, n, b->file);
	}
}

/*
 * The length of the placeholder name at p ("{ticket}" -> 6), 0 when p
 * does not start one.  Anything else with braces is literal text, the
 * same for the check and for rendering.
 */
static size_t
placeholder_len(const char *p)
{
	size_t n = 0;

	if (*p != '{')
		return 0;
	while (n < 32 && ((p[n + 1] >= 'a' && p[n + 1] <= 'z') || p[n + 1] == '_'))
		n++;
	return n > 0 && p[n + 1] == '}' ? n : 0;
}

static unsigned
placeholder_bit(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(placeholders); i++)
		if (strlen(placeholders[i]) == len &&
		    memcmp(placeholders[i], name, len) == 0)
			return 1u << i;
	return 0;
}

static void
allowed_hint(unsigned allowed, char *buf, size_t bufsz)
{
	size_t i, o = 0;

	if (allowed == 0) {
		(void)snprintf(buf, bufsz, "this template takes none");
		return;
	}
	buf[0] = '\0';
	for (i = 0; i < ARRAY_LEN(placeholders); i++) {
		int w;

		if (!(allowed & (1u << i)))
			continue;
		w = snprintf(buf + o, bufsz - o, "%s{%s}", o ? " " : "allowed: ",
		    placeholders[i]);
		if (w < 0 || (size_t)w >= bufsz - o)
			return;
		o += (size_t)w;
	}
}

/* Checks one template in effect; line 0 for a built-in one. */
static void
check_template(struct loader *ld, enum lang l, enum conf_reply r)
{
	const char *t = ld->c->replies[l][r], *p;
	int line = ld->reply_line[l][r];
	char path[48], hint[128], bad[8];
	size_t n;

	(void)snprintf(path, sizeof(path), "replies.%s.%s", lang_code(l),
	    templates[r].name);
	if (*t == '\0') {
		err_line(ld, line, "%s: must not be empty; a citizen always gets "
		    "an answer", path);
		return;
	}
	for (p = t; *p != '\0'; p++) {
		if ((n = placeholder_len(p)) == 0)
			continue;
		if (!(placeholder_bit(p + 1, n) & templates[r].allowed)) {
			allowed_hint(templates[r].allowed, hint, sizeof(hint));
			err_line(ld, line, "%s: placeholder {%.*s} is not allowed here "
			    "(%s)", path, (int)n, p + 1, hint);
		}
		p += n + 1;
	}
	if (first_non_gsm(t, bad, sizeof(bad)))
		err_line(ld, line, "%s: '%s' is not in the GSM-7 alphabet; the "
		    "reply would go as UCS-2, 70 characters per SMS", path, bad);
}

static const char *
longest(const char *a, const char *b)
{
	if (b == NULL)
		return a;
	if (a == NULL || septets(b) > septets(a))
		return b;
	return a;
}

/*
 * A receipt carries the ticket number: split over two SMS, the part with
 * it may arrive late or never.  Render it with the longest values it can
 * get and count.
 */
static void
check_receipt(struct loader *ld, enum lang l, enum conf_reply r)
{
	const struct conf *c = ld->c;
	const char *names[] = { "ticket", "agency", "category", "shortcode" };
	const char *values[4];
	const char *agency = NULL, *label = NULL;
	const char *t;
	char out[1024], hint[112], bad[8];
	struct gsm_count gc;
	int line = ld->reply_line[l][r], agency_line = 0, label_line = 0;
	int cut, has_agency, has_label;
	size_t i;

	if (first_non_gsm(c->replies[l][r], bad, sizeof(bad)))
		return;         /* reported by check_template() */
	for (i = 0; i < c->nagencies; i++)
		if (c->agencies[i].short_name != NULL &&
		    longest(agency, c->agencies[i].short_name) != agency) {
			agency = c->agencies[i].short_name;
			agency_line = c->agencies[i].line;
		}
	for (i = 0; i < c->nrules; i++)
		if (c->rules[i].label[l] != NULL &&
		    longest(label, c->rules[i].label[l]) != label) {
			label = c->rules[i].label[l];
			label_line = c->rules[i].line;
		}
	values[0] = SAMPLE_TICKET;
	values[1] = agency != NULL ? agency : "";
	values[2] = label != NULL ? label : "";
	values[3] = c->short_code;
	cut = conf_render(c, l, r, names, values, ARRAY_LEN(names), out,
	    sizeof(out)) == -1;
	if (gsm_count(out, strlen(out), &gc) == -1 || gc.coding != GSM_7BIT)
		return;         /* a name or label that is not GSM-7: reported */
	if (!cut && gc.parts <= 1 && gc.units <= SMS_SEPTETS)
		return;

	/* Name what made it long: the file may not even override the text. */
	t = c->replies[l][r];
	has_agency = agency != NULL && strstr(t, "{agency}") != NULL;
	has_label = label != NULL && strstr(t, "{category}") != NULL;
	if (line == 0)
		line = has_label ? label_line : agency_line;
	if (has_agency && has_label)
		(void)snprintf(hint, sizeof(hint), " (with short_name '%s' and "
		    "label '%.40s')", agency, label);
	else if (has_agency)
		(void)snprintf(hint, sizeof(hint), " (with short_name '%s')",
		    agency);
	else if (has_label)
		(void)snprintf(hint, sizeof(hint), " (with label '%.40s')", label);
	else
		hint[0] = '\0';
	err_line(ld, line, "reply '%s' (%s) can reach %s%zu characters; a "
	    "ticket confirmation must fit one SMS (%d)%s", templates[r].name,
	    lang_code(l), cut ? "more than " : "", gc.units, SMS_SEPTETS, hint);
}

static void
load_replies(struct loader *ld, const config_t *cfg)
{
	struct conf *c = ld->c;
	config_setting_t *g, *lg, *s;
	const char *v;
	char path[48];
	int l, j, n, r;

	g = config_setting_get_member(config_root_setting(cfg), "replies");
	if (g != NULL && !config_setting_is_group(g)) {
		err_at(ld, g, "replies: must be a group { id = { ... }; en = { ... }; "
		    "}, not %s", type_name(g));
		g = NULL;
	}
	if (g != NULL)
		check_members(ld, g, "replies", reply_langs, count_keys(reply_langs));
	for (l = 0; g != NULL && l < LANG_N; l++) {
		if ((lg = config_setting_get_member(g, lang_code((enum lang)l))) == NULL)
			continue;
		if (!config_setting_is_group(lg)) {
			err_at(ld, lg, "replies.%s: must be a group { received = "
			    "\"...\"; ... }, not %s", lang_code((enum lang)l),
			    type_name(lg));
			continue;
		}
		n = config_setting_length(lg);
		for (j = 0; j < n; j++) {
			s = config_setting_get_elem(lg, (unsigned)j);
			(void)snprintf(path, sizeof(path), "replies.%s.%s",
			    lang_code((enum lang)l), config_setting_name(s));
			for (r = 0; r < REPLY_N; r++)
				if (strcmp(templates[r].name, config_setting_name(s)) == 0)
					break;
			if (r == REPLY_N) {
				err_at(ld, s, "%s: unknown template '%s' (see the "
				    "list in the example aduan.conf)", path,
				    config_setting_name(s));
				continue;
			}
			if (config_setting_type(s) != CONFIG_TYPE_STRING) {
				err_at(ld, s, "%s: must be a string in double quotes, "
				    "not %s", path, type_name(s));
				continue;
			}
			v = config_setting_get_string(s);
			if (!utf8_ok(ld, s, path, v))
				continue;
			free(c->replies[l][r]);
			c->replies[l][r] = xstrdup(v);
			ld->reply_line[l][r] = line_of(s);
			ld->reply_file[l][r] = config_setting_source_file(s);
		}
	}
	/*
	 * A text changed in one language only: citizens writing in the other
	 * would still get the old wording.  Both or neither.
	 */
	for (r = 0; r < REPLY_N; r++) {
		int has_id = ld->reply_line[LANG_ID][r] != 0, has_en = ld->reply_line[LANG_EN][r] != 0;

		if (has_id != has_en)
			err_line(ld, has_id ? ld->reply_line[LANG_ID][r] : ld->reply_line[LANG_EN][r],
			    "replies.%s.%s: set, but replies.%s.%s is not; write the text in "
			    "both languages", has_id ? "id" : "en", templates[r].name,
			    has_id ? "en" : "id", templates[r].name);
	}
	for (l = 0; l < LANG_N; l++) {
		for (r = 0; r < REPLY_N; r++) {
			n = ld->errs->n;
			check_template(ld, (enum lang)l, (enum conf_reply)r);
			if (r == REPLY_RECEIVED || r == REPLY_RECEIVED_TRIAGE)
				check_receipt(ld, (enum lang)l, (enum conf_reply)r);
			for (j = n; j < ld->errs->n; j++)
				note_file(ld, j, ld->reply_file[l][r]);
		}
	}
}

static const struct demo_value *
demo_find(const char *v)
{
	size_t i, n;

	for (i = 0; i < ARRAY_LEN(demo_values); i++) {
		n = strlen(demo_values[i].value);
		if (demo_values[i].prefix ? strncmp(v, demo_values[i].value, n) == 0 :
		    strcmp(v, demo_values[i].value) == 0)
			return &demo_values[i];
	}
	return NULL;
}

/*
 * Every string in the file, whatever its setting, against demo_values[].
 * path names the setting for the operator: "gateways.kannel.secret",
 * "agencies[dpupr].token_sha256" (a list element by its id, else by its
 * 1-based place).
 */
static void
check_demo(struct loader *ld, const config_setting_t *s, const char *path)
{
	const struct demo_value *d;
	const config_setting_t *e, *id;
	const char *name, *v;
	char sub[192];
	int i, n;

	switch (config_setting_type(s)) {
	case CONFIG_TYPE_STRING:
		v = config_setting_get_string(s);
		if (v == NULL || (d = demo_find(v)) == NULL)
			return;
		if (strstr(path, "token_sha256") != NULL)
			err_at(ld, s, "%s: is %s, published in README; make your own "
			    "token (openssl rand -hex 16) and put its SHA-256 here "
			    "(printf %%s TOKEN | sha256sum), or try Aduan out with --demo",
			    path, d->what);
		else
			err_at(ld, s, "%s: '%.40s' is %s, published in README; generate "
			    "your own (openssl rand -hex 16), or try Aduan out with --demo",
			    path, v, d->what);
		return;
	case CONFIG_TYPE_GROUP:
	case CONFIG_TYPE_LIST:
	case CONFIG_TYPE_ARRAY:
		break;
	default:
		return;
	}
	n = config_setting_length(s);
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(s, (unsigned)i);
		name = config_setting_name(e);
		if (name != NULL)
			(void)snprintf(sub, sizeof(sub), "%s%s%s", path, *path ? "." : "",
			    name);
		else if (config_setting_is_group(e) &&
		    (id = config_setting_get_member(e, "id")) != NULL &&
		    config_setting_type(id) == CONFIG_TYPE_STRING)
			(void)snprintf(sub, sizeof(sub), "%s[%.40s]", path,
			    config_setting_get_string(id));
		else
			(void)snprintf(sub, sizeof(sub), "%s[%d]", path, i + 1);
		check_demo(ld, e, sub);
	}
}

/* Errors in file order read best; keeps equal lines in the order found. */
static void
sort_errors(struct conf_errors *e)
{
	int i, j;

	for (i = 1; i < e->n; i++) {
		for (j = i; j > 0 && e->e[j - 1].line > e->e[j].line; j--) {
			int line = e->e[j].line;
			char msg[sizeof(e->e[0].msg)];

			memcpy(msg, e->e[j].msg, sizeof(msg));
			e->e[j].line = e->e[j - 1].line;
			memcpy(e->e[j].msg, e->e[j - 1].msg, sizeof(msg));
			e->e[j - 1].line = line;
			memcpy(e->e[j - 1].msg, msg, sizeof(msg));
		}
	}
}

static struct conf *
conf_new(const char *path)
{
	struct conf *c = xcalloc(1, sizeof(*c));
	int l, r;

	c->path = xstrdup(path);
	for (l = 0; l < LANG_N; l++)
		for (r = 0; r < REPLY_N; r++)
			c->replies[l][r] = xstrdup(templates[r].def[l]);
	scalar_defaults(c);
	return c;
}

static struct conf *
load(const config_t *cfg, const char *path, unsigned flags, struct conf_errors *errs)
{
	struct loader ld;

	memset(&ld, 0, sizeof(ld));
	ld.errs = errs;
	ld.c = conf_new(path);

	check_structure(&ld, cfg);
	load_scalars(&ld, cfg);
	load_holidays(&ld, cfg);
	load_guard(&ld, cfg);
	finish_delivery(&ld, cfg);
	load_agencies(&ld, cfg);
	load_triage(&ld, cfg);
	load_regions(&ld, cfg);
	load_rules(&ld, cfg);
	check_words(&ld);
	load_replies(&ld, cfg);
	if (!(flags & CONF_DEMO))
		check_demo(&ld, config_root_setting(cfg), "");

	free(ld.words);
	sort_errors(errs);
	if (errs->n > 0 || errs->dropped > 0) {
		conf_free(ld.c);
		return NULL;
	}
	return ld.c;
}

static void
errors_init(struct conf_errors *errs)
{
	errs->n = 0;
	errs->dropped = 0;
}

static void
syntax_error(struct conf_errors *errs, const config_t *cfg, const char *path)
{
	const char *file = config_error_file(cfg);
	const char *text = config_error_text(cfg);

	errs->e[0].line = config_error_line(cfg);
	if (file != NULL && strcmp(file, path) != 0)
		(void)snprintf(errs->e[0].msg, sizeof(errs->e[0].msg),
		    "%s (in %s)", text != NULL ? text : "syntax error", file);
	else
		(void)snprintf(errs->e[0].msg, sizeof(errs->e[0].msg), "%s",
		    text != NULL ? text : "syntax error");
	errs->n = 1;
}

/* A config file, or one it @includes, is read whole; none is this large. */
#define CONF_FILE_MAX   (4L * 1024 * 1024)
/* libconfig 1.5's MAX_INCLUDE_DEPTH: deeper includes are its error, not ours. */
#define INCLUDE_DEPTH   10

/*
 * Reads the file at path whole into a NUL-terminated heap string; NULL
 * with the reason in msg.  Only a regular file of at most CONF_FILE_MAX
 * bytes: opened without blocking and checked before a byte is read, since
 * a FIFO would wait for a writer forever and /dev/zero never ends, which
 * would hang check, serve and every reload.  A NUL byte is refused too
 * (libconfig would stop reading there in silence).
 */
static char *
read_conf_file(const char *path, size_t *lenp, int *enoent, char *msg, size_t msgsz)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	ssize_t n;
	int fd;

	*enoent = 0;
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)) == -1) {
		*enoent = errno == ENOENT;
		(void)snprintf(msg, msgsz, "cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1) {
		(void)snprintf(msg, msgsz, "cannot read %s: %s", path, strerror(errno));
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		(void)snprintf(msg, msgsz, "cannot read %s: %s", path, strerror(EISDIR));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		(void)snprintf(msg, msgsz, "cannot read %s: not a regular file (a FIFO, device "
		    "or socket)", path);
		goto fail;
	}
	if (st.st_size > CONF_FILE_MAX) {
		(void)snprintf(msg, msgsz, "cannot read %s: larger than 4 MiB", path);
		goto fail;
	}
	/* One byte more than the cap, to see a file that grew meanwhile. */
	buf = xmalloc((size_t)CONF_FILE_MAX + 2);
	while (len <= (size_t)CONF_FILE_MAX) {
		n = read(fd, buf + len, (size_t)CONF_FILE_MAX + 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			(void)snprintf(msg, msgsz, "cannot read %s: %s", path, strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > (size_t)CONF_FILE_MAX) {
		(void)snprintf(msg, msgsz, "cannot read %s: larger than 4 MiB", path);
		goto fail;
	}
	if (memchr(buf, '\0', len) != NULL) {
		(void)snprintf(msg, msgsz, "cannot read %s: it contains a NUL byte", path);
		goto fail;
	}
	buf[len] = '\0';
	close(fd);
	*lenp = len;
	return xrealloc(buf, len + 1);
fail:
	free(buf);
	close(fd);
	return NULL;
}

/*
 * libconfig 1.5 opens @include'd files itself, with a blocking fopen() and
 * no size limit, and has no hook to do it for us: so every file that a
 * line `@include "name"` names (libconfig's own pattern: at the start of
 * a line; the name relative to dir, as libconfig joins them) is checked
 * with read_conf_file() first, and its own includes in turn.  A name
 * that does not exist is left to libconfig to report.  Returns 0, or -1
 * with the error in errs (the line is the @include's, in the file that
 * has it).
 */
static int
check_includes(const char *text, const char *dir, const char *file, int depth,
    struct conf_errors *errs)
{
	const char *p = text;
	int line = 1;

	for (; *p != '\0'; line++) {
		const char *q = p + strspn(p, " \t");
		const char *eol = strchr(p, '\n');
		char name[4096], path[8200], msg[sizeof(errs->e[0].msg)];
		size_t nl = 0, len;
		char *sub;
		int enoent, rc;

		if (eol == NULL)
			eol = p + strlen(p);
		if (strncmp(q, "@include", 8) == 0 && (q[8] == ' ' || q[8] == '\t')) {
			q += 8;
			q += strspn(q, " \t");
		} else
			q = NULL;
		if (q != NULL && *q == '"' && depth < INCLUDE_DEPTH) {
			/* The name, with libconfig's two escapes (\\ and \"). */
			for (q++; q < eol && *q != '"' && nl + 1 < sizeof(name); q++) {
				if (*q == '\\' && (q[1] == '\\' || q[1] == '"'))
					q++;
				name[nl++] = *q;
			}
			name[nl] = '\0';
			if (dir != NULL)
				(void)snprintf(path, sizeof(path), "%s/%s", dir, name);
			else
				(void)snprintf(path, sizeof(path), "%s", name);
			sub = read_conf_file(path, &len, &enoent, msg, sizeof(msg));
			if (sub == NULL && !enoent) {
				errs->e[0].line = line;
				if (file != NULL)
					(void)snprintf(errs->e[0].msg, sizeof(errs->e[0].msg),
					    "%.200s (in %s)", msg, file);
				else
					(void)snprintf(errs->e[0].msg, sizeof(errs->e[0].msg),
					    "%s", msg);
				errs->n = 1;
				return -1;
			}
			if (sub != NULL) {
				rc = check_includes(sub, dir, name, depth + 1, errs);
				free(sub);
				if (rc == -1)
					return -1;
			}
		}
		p = *eol != '\0' ? eol + 1 : eol;
	}
	return 0;
}

struct conf *
conf_load_file(const char *path, unsigned flags, struct conf_errors *errs)
{
	struct conf_errors local;
	struct conf *c;
	config_t cfg;
	char dir[4096], *text;
	const char *slash, *incdir = NULL;
	uint64_t hash = 1469598103934665603ULL;
	size_t len, i;
	int ok, enoent;

	if (errs == NULL)
		errs = &local;
	errors_init(errs);
	/* Read it here rather than in libconfig, to say why it failed. */
	if ((text = read_conf_file(path, &len, &enoent, errs->e[0].msg,
	    sizeof(errs->e[0].msg))) == NULL) {
		errs->e[0].line = 0;
		errs->n = 1;
		return NULL;
	}
	/* @include "rules.conf" means next to this file, not in the cwd. */
	if ((slash = strrchr(path, '/')) != NULL &&
	    (size_t)(slash - path) < sizeof(dir)) {
		memcpy(dir, path, (size_t)(slash - path));
		dir[slash - path] = '\0';
		incdir = slash == path ? "/" : dir;
	}
	if (check_includes(text, incdir, NULL, 0, errs) == -1) {
		free(text);
		return NULL;
	}
	/*
	 * FNV-1a over the file's bytes: the config's version, stored with
	 * every routing decision so that an operator can tell which rules
	 * made it.
	 */
	for (i = 0; i < len; i++)
		hash = (hash ^ (unsigned char)text[i]) * 1099511628211ULL;
	config_init(&cfg);
	if (incdir != NULL)
		config_set_include_dir(&cfg, incdir);
	ok = config_read_string(&cfg, text);
	free(text);
	if (!ok) {
		syntax_error(errs, &cfg, path);
		config_destroy(&cfg);
		return NULL;
	}
	c = load(&cfg, path, flags, errs);
	config_destroy(&cfg);
	if (c != NULL)
		(void)snprintf(c->hash, sizeof(c->hash), "%016llx", (unsigned long long)hash);
	return c;
}

struct conf *
conf_load_string(const char *text, unsigned flags, struct conf_errors *errs)
{
	struct conf_errors local;
	struct conf *c;
	config_t cfg;

	if (errs == NULL)
		errs = &local;
	errors_init(errs);
	config_init(&cfg);
	if (!config_read_string(&cfg, text)) {
		syntax_error(errs, &cfg, "<string>");
		config_destroy(&cfg);
		return NULL;
	}
	c = load(&cfg, "<string>", flags, errs);
	config_destroy(&cfg);
	if (c != NULL) {
		uint64_t h = 1469598103934665603ULL;
		const char *p;

		for (p = text; *p; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ULL;
		(void)snprintf(c->hash, sizeof(c->hash), "%016llx", (unsigned long long)h);
	}
	return c;
}

static void
free_words(char **w, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(w[i]);
	free(w);
}

void
conf_free(struct conf *c)
{
	size_t i, j;
	int l, r;

	if (c == NULL)
		return;
	for (i = 0; i < c->nagencies; i++) {
		free(c->agencies[i].id);
		free(c->agencies[i].name);
		free(c->agencies[i].short_name);
		free(c->agencies[i].webhook);
		free(c->agencies[i].webhook_secret);
		free(c->agencies[i].token_sha256);
	}
	free(c->agencies);
	free(c->holidays);
	for (i = 0; i < c->nguard_blocklist; i++)
		free(c->guard_blocklist[i]);
	free(c->guard_blocklist);
	for (i = 0; i < c->nguard_autoreply; i++)
		free(c->guard_autoreply[i]);
	free(c->guard_autoreply);
	for (i = 0; i < c->nregions; i++) {
		free(c->regions[i].id);
		free(c->regions[i].name);
		free_words(c->regions[i].keywords, c->regions[i].nkeywords);
	}
	free(c->regions);
	for (i = 0; i < c->nrules; i++) {
		struct conf_rule *rule = &c->rules[i];

		free(rule->keyword);
		free_words(rule->aliases, rule->naliases);
		free_words(rule->aliases_en, rule->naliases_en);
		free(rule->regional);
		for (j = 0; j < LANG_N; j++)
			free(rule->label[j]);
	}
	free(c->rules);
	for (l = 0; l < LANG_N; l++)
		for (r = 0; r < REPLY_N; r++)
			free(c->replies[l][r]);
	for (i = 0; i < ARRAY_LEN(scalars); i++)
		if (scalars[i].kind == K_STR)
			free(*(char **)(void *)((char *)c + scalars[i].off));
	free(c->path);
	free(c);
}

long
conf_agency_find(const struct conf *c, const char *id)
{
	size_t i;

	if (c == NULL || id == NULL)
		return -1;
	for (i = 0; i < c->nagencies; i++)
		if (c->agencies[i].id != NULL && strcmp(c->agencies[i].id, id) == 0)
			return (long)i;
	return -1;
}

const char *
conf_reply_name(enum conf_reply r)
{
	if ((int)r < 0 || r >= REPLY_N)
		return NULL;
	return templates[r].name;
}

int
conf_status_reply(const char *status)
{
	size_t i;

	if (status == NULL)
		return -1;
	for (i = 0; i < ARRAY_LEN(statuses); i++)
		if (strcmp(statuses[i], status) == 0)
			return REPLY_ST_RECEIVED + (int)i;
	return -1;
}

/* Appends s[0..n) to out; 0, or -1 when it had to cut. */
static int
append(char *out, size_t outsz, size_t *o, const char *s, size_t n)
{
	size_t room = outsz - 1 - *o;

	if (n <= room) {
		memcpy(out + *o, s, n);
		*o += n;
		return 0;
	}
	/* Cut at a character boundary: a truncated reply is still UTF-8. */
	room = utf8_cut(s, n, room);
	memcpy(out + *o, s, room);
	*o += room;
	return -1;
}

long
conf_render(const struct conf *c, enum lang l, enum conf_reply r,
    const char *const *names, const char *const *values, size_t nvars,
    char *out, size_t outsz)
{
	const char *t, *p, *v;
	size_t o = 0, n, i;

	if (out == NULL || outsz == 0)
		return -1;
	out[0] = '\0';
	if ((int)l < 0 || l >= LANG_N || (int)r < 0 || r >= REPLY_N)
		return -1;
	t = c != NULL && c->replies[l][r] != NULL ? c->replies[l][r] :
	    templates[r].def[l];
	for (p = t; *p != '\0'; ) {
		if ((n = placeholder_len(p)) == 0) {
			/* Copy the literal run up to the next brace at once. */
			size_t run = strcspn(p + 1, "{") + 1;

			if (append(out, outsz, &o, p, run) == -1)
				goto cut;
			p += run;
			continue;
		}
		v = NULL;
		for (i = 0; i < nvars; i++)
			if (names[i] != NULL && strlen(names[i]) == n &&
			    memcmp(names[i], p + 1, n) == 0) {
				v = values[i];
				break;
			}
		if (v != NULL && append(out, outsz, &o, v, strlen(v)) == -1)
			goto cut;
		p += n + 2;
	}
	out[o] = '\0';
	return (long)o;
cut:
	out[o] = '\0';
	return -1;
}
