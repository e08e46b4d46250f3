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
 * rules) and the reply templates have their own loaders because their
 * checks are about relations, not ranges.
 *
 * This file owns the loader: reading the file (and its @includes), the
 * settings table, agencies, holidays, the flood guard's lists, the demo
 * values, the error list and conf_free().  The routing words (regions,
 * rules, triage) are in rules.c, the reply templates in replies.c; what
 * the three share is in conf_int.h.  Only conf/ includes <libconfig.h>.
 */
#include "conf/conf.h"
#include "conf/conf_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
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
#include "util/addr.h"
#include "util/date.h"
#include "util/util.h"

/* An agency's short_name goes into the receipt SMS. */
#define SHORT_NAME_MAX  24

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
static const char *check_smtp_url(const char *);

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
static const struct choice starttls_choices[] = {
	{ "required", STARTTLS_REQUIRED }, { "optional", STARTTLS_OPTIONAL },
	{ "off", STARTTLS_OFF }, { NULL, 0 }
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
	  .ldef = 8, .off = F(threads) },
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
	{ .group = "store", .name = "pool_size", .kind = K_INT, .min = 0, .max = 1000,
	  .ldef = 0, .off = F(pool_size) },
	{ .group = "retention", .name = "messages_days", .kind = K_INT, .min = 0, .max = 36500,
	  .ldef = 180, .off = F(retention_messages_days) },
	{ .group = "retention", .name = "outbox_days", .kind = K_INT, .min = 0, .max = 36500,
	  .ldef = 90, .off = F(retention_outbox_days) },
	{ .group = "retention", .name = "sessions_days", .kind = K_INT, .min = 0, .max = 36500,
	  .ldef = 30, .off = F(retention_sessions_days) },
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
	{ .group = "gateways.kannel", .name = "secret_next", .kind = K_STR, .min = 12,
	  .max = 256, .sdef = NULL, .off = F(kannel_secret_next) },
	{ .group = "gateways.africastalking", .name = "secret_next", .kind = K_STR, .min = 12,
	  .max = 256, .sdef = NULL, .off = F(africastalking_secret_next) },
	{ .group = "gateways.twilio", .name = "auth_token_next", .kind = K_STR, .min = 16,
	  .max = 256, .sdef = NULL, .off = F(twilio_auth_token_next) },
	{ .group = "gateways.vonage", .name = "secret_next", .kind = K_STR, .min = 12,
	  .max = 256, .sdef = NULL, .off = F(vonage_secret_next) },
	{ .group = "gateways.infobip", .name = "secret_next", .kind = K_STR, .min = 12,
	  .max = 256, .sdef = NULL, .off = F(infobip_secret_next) },
	{ .group = "gateways.generic", .name = "secret_next", .kind = K_STR, .min = 12,
	  .max = 256, .sdef = NULL, .off = F(generic_secret_next) },
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
	{ .group = "email", .name = "smtp_url", .kind = K_STR, .min = 8, .max = 512,
	  .sdef = NULL, .required = 1, .check = check_smtp_url, .off = F(email_smtp_url) },
	{ .group = "email", .name = "from", .kind = K_STR, .min = 3, .max = 254,
	  .sdef = NULL, .required = 1, .check = conf_email_check, .off = F(email_from) },
	{ .group = "email", .name = "username", .kind = K_STR, .min = 1, .max = 256,
	  .sdef = NULL, .off = F(email_username) },
	{ .group = "email", .name = "password", .kind = K_STR, .min = 1, .max = 256,
	  .sdef = NULL, .off = F(email_password) },
	{ .group = "email", .name = "starttls", .kind = K_CHOICE,
	  .sdef = "required", .choices = starttls_choices, .off = F(email_starttls) },
	{ .group = "email", .name = "timeout", .kind = K_INT, .min = 1, .max = 300,
	  .ldef = 30, .off = F(email_timeout) },
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
	{ .group = "open311", .name = "receipt_sms", .kind = K_BOOL, .ldef = 0,
	  .off = F(open311_receipt_sms) },
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
	{ .group = "inbox", .name = "session_idle", .kind = K_INT, .min = 60, .max = 86400,
	  .ldef = 1800, .off = F(inbox_session_idle) },
	{ .group = "inbox", .name = "session_max", .kind = K_INT, .min = 300, .max = 604800,
	  .ldef = 43200, .off = F(inbox_session_max) },
	{ .group = "inbox", .name = "login_max_failures", .kind = K_INT, .min = 1, .max = 100,
	  .ldef = 5, .off = F(inbox_login_max_failures) },
	{ .group = "inbox", .name = "login_window", .kind = K_INT, .min = 60, .max = 86400,
	  .ldef = 900, .off = F(inbox_login_window) },
	{ .group = "routing", .name = "stemming", .kind = K_BOOL, .ldef = 1,
	  .off = F(routing_stemming) },
	{ .group = "routing", .name = "dictionary", .kind = K_STR, .min = 1, .max = 4000,
	  .sdef = "/usr/share/hunspell/id_ID", .off = F(routing_dictionary) },
	{ .group = "hub", .name = "url", .kind = K_STR, .min = 8, .max = 512,
	  .sdef = NULL, .required = 1, .check = check_url, .off = F(hub_url) },
	{ .group = "hub", .name = "api_key", .kind = K_STR, .min = 1, .max = 256,
	  .sdef = NULL, .required = 1, .off = F(hub_api_key) },
	{ .group = "hub", .name = "poll_seconds", .kind = K_INT, .min = 1, .max = 86400,
	  .ldef = 300, .off = F(hub_poll_seconds) },
	{ .group = "hub", .name = "poll_max_seconds", .kind = K_INT, .min = 1, .max = 604800,
	  .ldef = 3600, .off = F(hub_poll_max_seconds) },
	{ .group = "hub", .name = "send_phone", .kind = K_BOOL, .ldef = 0,
	  .off = F(hub_send_phone) },
};
#undef F

/* Groups of scalars, parents before children; their members come from scalars[]. */
static const char *const scalar_groups[] = {
	"server", "admin", "store", "retention", "sms", "ussd", "guard", "delivery", "sms_sender", "service_levels",
	"open311", "email", "inbox", "routing", "hub",
	"gateways", "gateways.kannel", "gateways.africastalking", "gateways.twilio",
	"gateways.vonage", "gateways.infobip", "gateways.generic"
};

/* Top-level settings that are not in scalars[]: they have loaders of their own. */
static const char *const top_lists[] = {
	"agencies", "triage", "regions", "rules", "replies", "status_notes", "secrets",
	"spellings"
};

/*
 * The settings that are secret: what the secrets file may hold (and only
 * that), and what is not "missing" when it was not read.  Agencies' secret
 * members are agency_secret_keys.
 */
static const char *const secret_paths[] = {
	"gateways.kannel.secret", "gateways.kannel.secret_next",
	"gateways.africastalking.secret", "gateways.africastalking.secret_next",
	"gateways.twilio.auth_token", "gateways.twilio.auth_token_next",
	"gateways.vonage.secret", "gateways.vonage.secret_next",
	"gateways.infobip.secret", "gateways.infobip.secret_next",
	"gateways.generic.secret", "gateways.generic.secret_next",
	"sms_sender.password", "email.password",
	"hub.api_key",
};
static const char *const agency_secret_keys[] = {
	"webhook_secret", "webhook_secret_next", "token_sha256", "tokens"
};

/* Set in load() for the flags' internal bit: the secrets file was not read. */
#define CONF_NO_SECRETS_READ    0x100u

static const char *const agency_keys[] = {
	"id", "name", "short_name", "webhook", "webhook_secret", "webhook_secret_next",
	"token_sha256", "tokens",
	"show_phone", "email", "head_email", "email_mode", "digest_hour", NULL
};

static const char *const token_keys[] = { "name", "sha256", NULL };

/* Words events use for who acted: no agency may be called so. */
static const char *const reserved_ids[] = { "citizen", "aduan" };

static void err_vadd(struct loader *, int, const char *, va_list)
    __attribute__((format(printf, 3, 0)));

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

void
conf_err_line(struct loader *ld, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vadd(ld, line, fmt, ap);
	va_end(ap);
}

int
conf_line_of(const config_setting_t *s)
{
	return s != NULL ? (int)config_setting_source_line(s) : 0;
}

/*
 * Says which @include'd file the error just added (the one at index
 * `added`) is in; libconfig knows no file for the main file's settings.
 */
void
conf_note_file(struct loader *ld, int added, const char *file)
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
void
conf_err_at(struct loader *ld, const config_setting_t *s, const char *fmt, ...)
{
	int n = ld->errs->n;
	va_list ap;

	va_start(ap, fmt);
	err_vadd(ld, conf_line_of(s), fmt, ap);
	va_end(ap);
	conf_note_file(ld, n, s != NULL ? config_setting_source_file(s) : NULL);
}

/* Operators read these: say what was written, in words. */
const char *
conf_type_name(const config_setting_t *s)
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

/*
 * smtp:// or smtps://, a host, no spaces.  No user name or password in it:
 * those go in email.username and email.password, which are never logged.
 */
static const char *
check_smtp_url(const char *s)
{
	const char *p, *host;

	if (strncmp(s, "smtp://", 7) == 0)
		host = s + 7;
	else if (strncmp(s, "smtps://", 8) == 0)
		host = s + 8;
	else
		return "must start with smtp:// (STARTTLS, see email.starttls) or smtps:// "
		    "(TLS from the start)";
	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7F)
			return "must not contain spaces or non-ASCII characters";
	if (*host == '\0' || *host == '/' || *host == ':')
		return "has no host name";
	if (strchr(host, '@') != NULL)
		return "must not hold a user name or password: use email.username and "
		    "email.password";
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
int
conf_first_non_gsm(const char *s, char *out, size_t outsz)
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

int
conf_valid_id(const char *s)
{
	size_t n;

	for (n = 0; s[n] != '\0'; n++)
		if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= '0' && s[n] <= '9') ||
		    s[n] == '_' || s[n] == '-'))
			return 0;
	return n >= 1 && n <= ID_MAX;
}

int
conf_in_list(const char *const *list, size_t n, const char *s)
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
void
conf_check_members(struct loader *ld, const config_setting_t *g, const char *where,
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

		if (name == NULL || conf_in_list(known, nknown, name))
			continue;
		if (where[0] == '\0')
			conf_err_at(ld, m, "unknown setting '%s' at the top level (known: %s)",
			    name, hint);
		else
			conf_err_at(ld, m, "unknown setting '%s' in '%s' (known: %s)",
			    name, where, hint);
	}
}

size_t
conf_count_keys(const char *const *keys)
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
	if (strcmp(group, "server") == 0 && n < max)
		known[n++] = "trusted_proxies";
	if (strncmp(group, "gateways.", 9) == 0 && n < max)
		known[n++] = "allow_from";
	if (strcmp(group, "service_levels") == 0 && n < max)
		known[n++] = "holidays";
	if (strcmp(group, "routing") == 0 && n + 2 < max) {
		known[n++] = "outside";
		known[n++] = "directions";
		known[n++] = "thanks";
	}
	if (strcmp(group, "open311") == 0 && n < max)
		known[n++] = "partners";
	if (strcmp(group, "hub") == 0 && n + 2 < max) {
		known[n++] = "categories";
		known[n++] = "agencies";
		known[n++] = "services";
	}
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
		conf_err_at(ld, g, "%s: must be a group { ... }, not %s", path,
		    conf_type_name(g));
	return NULL;
}

static void
check_structure(struct loader *ld, const config_t *cfg)
{
	const char *known[32];
	size_t i, n;

	n = group_known("", known, ARRAY_LEN(known));
	conf_check_members(ld, config_root_setting(cfg), "", known, n);
	for (i = 0; i < ARRAY_LEN(scalar_groups); i++) {
		config_setting_t *g = group_at(ld, cfg, scalar_groups[i], 1);

		if (g == NULL)
			continue;
		n = group_known(scalar_groups[i], known, ARRAY_LEN(known));
		conf_check_members(ld, g, scalar_groups[i], known, n);
	}
}

/* Checks a string from the file: valid UTF-8 (libconfig does not check). */
int
conf_utf8_ok(struct loader *ld, const config_setting_t *s, const char *what,
    const char *v)
{
	if (text_utf8_valid(v, strlen(v)))
		return 1;
	conf_err_at(ld, s, "%s: is not valid UTF-8; save the file as UTF-8", what);
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
		if (sc->required && sc->group != NULL &&
		    !(ld->no_secrets && conf_in_list(secret_paths, ARRAY_LEN(secret_paths), path)))
			conf_err_at(ld, g, "%s: missing; it is required when '%s' is "
			    "there", path, sc->group);
		return;
	}

	switch (sc->kind) {
	case K_INT:
	case K_LONG:
		if (config_setting_type(s) != CONFIG_TYPE_INT &&
		    config_setting_type(s) != CONFIG_TYPE_INT64) {
			conf_err_at(ld, s, "%s: must be a whole number, not %s", path,
			    conf_type_name(s));
			return;
		}
		lv = config_setting_get_int64(s);
		if (lv < sc->min || lv > sc->max) {
			conf_err_at(ld, s, "%s: %lld is out of range %ld..%ld", path, lv,
			    sc->min, sc->max);
			return;
		}
		scalar_store(ld->c, sc, (long)lv, NULL);
		return;
	case K_BOOL:
		if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
			conf_err_at(ld, s, "%s: must be true or false, not %s", path, conf_type_name(s));
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
		conf_err_at(ld, s, "%s: must be a string in double quotes, not %s", path,
		    conf_type_name(s));
		return;
	}
	v = config_setting_get_string(s);
	if (!conf_utf8_ok(ld, s, path, v))
		return;
	if (sc->choices != NULL) {
		if (choice_find(sc->choices, v) == NULL) {
			choices_hint(sc->choices, hint, sizeof(hint));
			conf_err_at(ld, s, "%s: '%s' is not one of: %s", path, v, hint);
			return;
		}
	} else {
		n = chars(v);
		if (n < (size_t)sc->min) {
			if (sc->min == 1)
				conf_err_at(ld, s, "%s: must not be empty", path);
			else
				conf_err_at(ld, s, "%s: must be at least %ld characters",
				    path, sc->min);
			return;
		}
		if (n > (size_t)sc->max) {
			conf_err_at(ld, s, "%s: '%.40s' is longer than %ld characters",
			    path, v, sc->max);
			return;
		}
		if (sc->check != NULL && (why = sc->check(v)) != NULL) {
			conf_err_at(ld, s, "%s: '%s' %s", path, v, why);
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
		conf_err_at(ld, s, "sms.max_text: %ld is larger than server.max_body (%ld)",
		    ld->c->max_text, ld->c->max_body);
	}
}

/*
 * A string member of a list element: NULL when absent (reported when
 * required), not a string, or not UTF-8 (reported).
 */
const char *
conf_member_string(struct loader *ld, const config_setting_t *g, const char *name,
    const char *where, int required, config_setting_t **sp)
{
	config_setting_t *s = config_setting_get_member(g, name);
	const char *v;

	if (sp != NULL)
		*sp = s;
	if (s == NULL) {
		if (required)
			conf_err_at(ld, g, "%s: %s is missing", where, name);
		return NULL;
	}
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		conf_err_at(ld, s, "%s: %s must be a string in double quotes, not %s",
		    where, name, conf_type_name(s));
		return NULL;
	}
	v = config_setting_get_string(s);
	if (!text_utf8_valid(v, strlen(v))) {
		conf_err_at(ld, s, "%s: %s is not valid UTF-8; save the file as UTF-8",
		    where, name);
		return NULL;
	}
	return v;
}

/* A list of groups at the top level: NULL when absent or (reported) not a list. */
config_setting_t *
conf_top_list(struct loader *ld, const config_t *cfg, const char *name, int required,
    const char *example)
{
	config_setting_t *l = config_setting_get_member(config_root_setting(cfg),
	    name);

	if (l == NULL) {
		if (required)
			conf_err_line(ld, 0, "%s: missing; write %s = ( %s, ... );",
			    name, name, example);
		return NULL;
	}
	if (!config_setting_is_list(l)) {
		conf_err_at(ld, l, "%s: must be a list ( %s, ... ), not %s", name,
		    example, conf_type_name(l));
		return NULL;
	}
	if (config_setting_length(l) == 0) {
		if (required)
			conf_err_at(ld, l, "%s: the list is empty; at least one is needed",
			    name);
		return NULL;
	}
	return l;
}

int
conf_gsm_ok(struct loader *ld, const config_setting_t *s, const char *where,
    const char *what, const char *v)
{
	char bad[8];

	if (!conf_first_non_gsm(v, bad, sizeof(bad)))
		return 1;
	conf_err_at(ld, s, "%s: %s has '%s', which is not in the GSM-7 alphabet of "
	    "SMS; use plain letters", where, what, bad);
	return 0;
}

/* 1 when v is 64 lower-case hex digits (a SHA-256 as sha256sum prints it). */
static int
is_sha256_hex(const char *v)
{
	return conf_sha256_hex(v);
}

int
conf_sha256_hex(const char *v)
{
	size_t i;

	for (i = 0; v[i] != '\0'; i++)
		if (!((v[i] >= '0' && v[i] <= '9') || (v[i] >= 'a' && v[i] <= 'f')))
			return 0;
	return i == 64;
}

/* A named token's name: 1 to CONF_TOKEN_NAME_MAX of a-z A-Z 0-9 . _ - @. */
static int
valid_token_name(const char *v)
{
	size_t i;

	for (i = 0; v[i] != '\0'; i++)
		if (!((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= 'A' && v[i] <= 'Z') ||
		    (v[i] >= '0' && v[i] <= '9') || strchr("._-@", v[i]) != NULL))
			return 0;
	return i >= 1 && i <= CONF_TOKEN_NAME_MAX;
}

/*
 * tokens = ( { name = "sistem-dpupr"; sha256 = "..."; }, ... ): named API
 * tokens, so that events say which system or person acted.
 */
static void
load_agency_tokens(struct loader *ld, const config_setting_t *e, const char *where,
    struct conf_agency *a)
{
	config_setting_t *l, *t, *s;
	const char *name, *hash;
	char twhere[96];
	size_t i, j, n;

	if ((l = config_setting_get_member(e, "tokens")) == NULL)
		return;
	if (!config_setting_is_list(l)) {
		conf_err_at(ld, l, "%s: tokens must be a list ( { name = \"...\"; sha256 = "
		    "\"...\"; }, ... ), not %s", where, conf_type_name(l));
		return;
	}
	n = (size_t)config_setting_length(l);
	a->tokens = xcalloc(n > 0 ? n : 1, sizeof(*a->tokens));
	for (i = 0; i < n; i++) {
		t = config_setting_get_elem(l, (unsigned)i);
		(void)snprintf(twhere, sizeof(twhere), "%s: token #%zu", where, i + 1);
		if (!config_setting_is_group(t)) {
			conf_err_at(ld, t, "%s: must be a group { name = \"...\"; sha256 = "
			    "\"...\"; }, not %s", twhere, conf_type_name(t));
			continue;
		}
		conf_check_members(ld, t, twhere, token_keys, conf_count_keys(token_keys));
		name = conf_member_string(ld, t, "name", twhere, 1, &s);
		if (name != NULL && !valid_token_name(name)) {
			conf_err_at(ld, s, "%s: name '%.60s' must be 1 to %d of a-z, A-Z, 0-9, "
			    "'.', '_', '-' and '@'", twhere, name, CONF_TOKEN_NAME_MAX);
			name = NULL;
		} else if (name != NULL && strcmp(name, CONF_TOKEN_API) == 0) {
			conf_err_at(ld, s, "%s: the name '%s' is what token_sha256 records; "
			    "give this token another name", twhere, CONF_TOKEN_API);
			name = NULL;
		} else if (name != NULL) {
			for (j = 0; j < a->ntokens; j++)
				if (strcmp(a->tokens[j].name, name) == 0)
					break;
			if (j < a->ntokens) {
				conf_err_at(ld, s, "%s: token name '%s' is already used at line "
				    "%d; each token of an agency needs a name of its own", where,
				    name, a->tokens[j].line);
				name = NULL;
			}
		}
		hash = conf_member_string(ld, t, "sha256", twhere, 1, &s);
		if (hash != NULL && !is_sha256_hex(hash)) {
			conf_err_at(ld, s, "%s: sha256 must be 64 lower-case hex digits (the "
			    "SHA-256 of the token: printf %%s TOKEN | sha256sum)", twhere);
			hash = NULL;
		}
		if (name == NULL || hash == NULL)
			continue;
		a->tokens[a->ntokens].name = xstrdup(name);
		a->tokens[a->ntokens].sha256 = xstrdup(hash);
		a->tokens[a->ntokens].line = conf_line_of(s);
		a->ntokens++;
	}
}

/* webhook, webhook_secret, token_sha256, tokens, show_phone: all optional. */
static void
load_agency_delivery(struct loader *ld, const config_setting_t *e, const char *where,
    struct conf_agency *a)
{
	config_setting_t *s, *w = NULL;
	const char *v, *why;

	if ((v = conf_member_string(ld, e, "webhook", where, 0, &w)) != NULL) {
		if ((why = check_url(v)) != NULL)
			conf_err_at(ld, w, "%s: webhook '%.60s' %s", where, v, why);
		else
			a->webhook = xstrdup(v);
	}
	if ((v = conf_member_string(ld, e, "webhook_secret", where, 0, &s)) != NULL) {
		if (strlen(v) < 16)
			conf_err_at(ld, s, "%s: webhook_secret must be at least 16 characters", where);
		else
			a->webhook_secret = xstrdup(v);
	}
	if ((v = conf_member_string(ld, e, "webhook_secret_next", where, 0, &s)) != NULL) {
		if (strlen(v) < 16)
			conf_err_at(ld, s, "%s: webhook_secret_next must be at least 16 characters",
			    where);
		else if (config_setting_get_member(e, "webhook_secret") == NULL && !ld->no_secrets)
			conf_err_at(ld, s, "%s: webhook_secret_next without a webhook_secret: "
			    "write the new secret as webhook_secret", where);
		else
			a->webhook_secret_next = xstrdup(v);
	}
	if (a->webhook != NULL && a->webhook_secret == NULL && !ld->no_secrets &&
	    config_setting_get_member(e, "webhook_secret") == NULL)
		conf_err_at(ld, w, "%s: webhook needs a webhook_secret to sign what it sends", where);
	if ((v = conf_member_string(ld, e, "token_sha256", where, 0, &s)) != NULL) {
		if (!is_sha256_hex(v))
			conf_err_at(ld, s, "%s: token_sha256 must be 64 lower-case hex digits (the "
			    "SHA-256 of the token: printf %%s TOKEN | sha256sum)", where);
		else
			a->token_sha256 = xstrdup(v);
	}
	load_agency_tokens(ld, e, where, a);
	if ((s = config_setting_get_member(e, "show_phone")) != NULL) {
		if (config_setting_type(s) != CONFIG_TYPE_BOOL)
			conf_err_at(ld, s, "%s: show_phone must be true or false, not %s", where,
			    conf_type_name(s));
		else
			a->show_phone = config_setting_get_bool(s);
	}
}

/* s, or "?" for a value that was missing or refused. */
static const char *
or_what(const char *s)
{
	return s != NULL ? s : "?";
}

/*
 * email, head_email, email_mode, digest_hour: all optional.  email_group:
 * the top-level email group is in the file (an address without it would
 * never be sent).
 */
static void
load_agency_email(struct loader *ld, const config_setting_t *e, const char *where,
    struct conf_agency *a, int email_group)
{
	config_setting_t *s, *mode = NULL, *hour = NULL, *first = NULL;
	const char *v, *why;
	static const char *const keys[] = { "email", "head_email" };
	char **dst[2];
	size_t i;

	dst[0] = &a->email;
	dst[1] = &a->head_email;
	a->digest_hour = 7;
	for (i = 0; i < ARRAY_LEN(keys); i++) {
		if ((v = conf_member_string(ld, e, keys[i], where, 0, &s)) == NULL)
			continue;
		if (first == NULL)
			first = s;
		if ((why = conf_email_check(v)) != NULL)
			conf_err_at(ld, s, "%s: %s '%.60s' %s", where, keys[i], v, why);
		else
			*dst[i] = xstrdup(v);
	}
	if (first != NULL && !email_group)
		conf_err_at(ld, first, "%s: %s needs the top-level email group (smtp_url, "
		    "from) to be sent; add it or remove the address", where,
		    config_setting_name(first));
	if ((v = conf_member_string(ld, e, "email_mode", where, 0, &mode)) != NULL) {
		if (strcmp(v, "digest") == 0)
			a->email_digest = 1;
		else if (strcmp(v, "immediate") != 0)
			conf_err_at(ld, mode, "%s: email_mode '%.40s' is not one of: immediate, "
			    "digest", where, v);
	}
	if ((hour = config_setting_get_member(e, "digest_hour")) != NULL) {
		if (config_setting_type(hour) != CONFIG_TYPE_INT &&
		    config_setting_type(hour) != CONFIG_TYPE_INT64)
			conf_err_at(ld, hour, "%s: digest_hour must be a whole number (a local "
			    "hour, 0..23), not %s", where, conf_type_name(hour));
		else if (config_setting_get_int64(hour) < 0 ||
		    config_setting_get_int64(hour) > 23)
			conf_err_at(ld, hour, "%s: digest_hour %lld is out of range 0..23 (a "
			    "local hour)", where, (long long)config_setting_get_int64(hour));
		else if (!a->email_digest)
			conf_err_at(ld, hour, "%s: digest_hour is for email_mode = \"digest\"",
			    where);
		else
			a->digest_hour = (int)config_setting_get_int64(hour);
	}
	if (first == NULL && (mode != NULL || hour != NULL))
		conf_err_at(ld, mode != NULL ? mode : hour, "%s: %s without email or "
		    "head_email: there is nobody to write to", where,
		    mode != NULL ? "email_mode" : "digest_hour");
}

/*
 * Token k of agency a (element j of the agencies list): 0 is token_sha256,
 * k >= 1 tokens[k - 1].  Its hash, or NULL when there is none; its name
 * and line.
 */
static const char *
token_at(const config_setting_t *list, const struct conf_agency *a, size_t j, size_t k,
    const char **name, int *line)
{
	if (k == 0) {
		*name = "token_sha256";
		*line = conf_line_of(config_setting_get_member(config_setting_get_elem(list,
		    (unsigned)j), "token_sha256"));
		return a->token_sha256;
	}
	*name = a->tokens[k - 1].name;
	*line = a->tokens[k - 1].line;
	return a->tokens[k - 1].sha256;
}

static void
report_clash(struct loader *ld, const struct conf_agency *a, const char *na, int la,
    const struct conf_agency *b, const char *nb, int lb)
{
	if (a == b)
		conf_err_line(ld, la, "agency %s: token %s has the same SHA-256 as token %s at "
		    "line %d; each token needs a value of its own (openssl rand -hex 16)",
		    or_what(a->id), na, nb, lb);
	else
		conf_err_line(ld, la, "agency %s (%s): %s%s is the same as that of agency %s "
		    "(%s) at line %d; each agency needs a token of its own (openssl rand -hex "
		    "16), or one token reads both agencies' tickets", or_what(a->id),
		    or_what(a->name), strcmp(na, "token_sha256") == 0 ? "" : "token ", na,
		    or_what(b->id), or_what(b->name), lb);
}

/*
 * Every token of agency i (token_sha256 and each named one) is no other
 * token's, of this agency or any before it: the API finds the agency and
 * the name by the token's hash, so a token shared by two agencies would
 * read the first one's tickets, and one shared by two names would record
 * the wrong person.
 */
static void
check_token_unique(struct loader *ld, const config_setting_t *list, size_t i)
{
	const struct conf_agency *a = &ld->c->agencies[i], *b;
	const char *ha, *hb, *na, *nb;
	size_t j, k, m;
	int la, lb;

	for (k = 0; k <= a->ntokens; k++) {
		if ((ha = token_at(list, a, i, k, &na, &la)) == NULL)
			continue;
		for (j = 0; j <= i; j++) {
			b = &ld->c->agencies[j];
			for (m = 0; m <= b->ntokens && (j < i || m < k); m++) {
				hb = token_at(list, b, j, m, &nb, &lb);
				if (hb != NULL && strcmp(ha, hb) == 0) {
					report_clash(ld, a, na, la, b, nb, lb);
					return;
				}
			}
		}
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
	int email_group = config_lookup(cfg, "email") != NULL;

	list = conf_top_list(ld, cfg, "agencies", 1,
	    "{ id = \"dpupr\"; name = \"...\"; short_name = \"DPUPR\"; }");
	if (list == NULL)
		return;
	n = (size_t)config_setting_length(list);
	c->agencies = xcalloc(n, sizeof(*c->agencies));
	c->nagencies = n;
	for (i = 0; i < n; i++) {
		struct conf_agency *a = &c->agencies[i];

		e = config_setting_get_elem(list, (unsigned)i);
		a->line = conf_line_of(e);
		(void)snprintf(where, sizeof(where), "agency #%zu", i + 1);
		if (!config_setting_is_group(e)) {
			conf_err_at(ld, e, "%s: must be a group { id = ...; name = ...; "
			    "short_name = ...; }, not %s", where, conf_type_name(e));
			continue;
		}
		if ((v = conf_member_string(ld, e, "id", where, 1, &s)) != NULL) {
			a->id = xstrdup(v);
			if (!conf_valid_id(v))
				conf_err_at(ld, s, "%s: id '%.40s' must be 1 to %d of a-z, "
				    "0-9, '_' and '-'", where, v, ID_MAX);
			else {
				for (j = 0; j < i; j++)
					if (c->agencies[j].id != NULL &&
					    strcmp(c->agencies[j].id, v) == 0)
						break;
				if (j < i)
					conf_err_at(ld, s, "%s: id '%s' is already used by "
					    "the agency at line %d", where, v,
					    c->agencies[j].line);
				else if (conf_in_list(reserved_ids, ARRAY_LEN(reserved_ids), v))
					conf_err_at(ld, s, "%s: id '%s' is reserved: events "
					    "name the reporter 'citizen' and Aduan itself "
					    "'aduan'", where, v);
				(void)snprintf(where, sizeof(where), "agency %s", v);
			}
		}
		conf_check_members(ld, e, where, agency_keys, conf_count_keys(agency_keys));
		if ((v = conf_member_string(ld, e, "name", where, 1, &s)) != NULL) {
			a->name = xstrdup(v);
			if (*v == '\0')
				conf_err_at(ld, s, "%s: name must not be empty", where);
		}
		if ((v = conf_member_string(ld, e, "short_name", where, 1, &s)) != NULL) {
			a->short_name = xstrdup(v);
			if (*v == '\0')
				conf_err_at(ld, s, "%s: short_name must not be empty", where);
			else if (chars(v) > SHORT_NAME_MAX)
				conf_err_at(ld, s, "%s: short_name '%s' is longer than %d "
				    "characters; it goes into the receipt SMS", where,
				    v, SHORT_NAME_MAX);
			else
				(void)conf_gsm_ok(ld, s, where, "short_name", v);
		}
		load_agency_delivery(ld, e, where, a);
		load_agency_email(ld, e, where, a, email_group);
		check_token_unique(ld, list, i);
	}
}

/* One status_notes.<lang>.<status> = [ "...", ... ] into cn. */
static void
load_notes_list(struct loader *ld, const config_setting_t *l, const char *where,
    struct conf_notes *cn)
{
	const config_setting_t *e;
	const char *v;
	int i, n = config_setting_length(l);

	if (!config_setting_is_array(l) && !config_setting_is_list(l)) {
		conf_err_at(ld, l, "%s: must be a list of texts [ \"...\", ... ], not %s", where,
		    conf_type_name(l));
		return;
	}
	if (n > CONF_NOTES_MAX) {
		conf_err_at(ld, l, "%s: %d notes; at most %d", where, n, CONF_NOTES_MAX);
		return;
	}
	cn->text = xcalloc((size_t)n + 1, sizeof(*cn->text));
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(l, (unsigned)i);
		v = config_setting_type(e) == CONFIG_TYPE_STRING ? config_setting_get_string(e) :
		    NULL;
		if (v == NULL)
			conf_err_at(ld, e, "%s: each note must be a string in double quotes, "
			    "not %s", where, conf_type_name(e));
		else if (!conf_utf8_ok(ld, e, where, v))
			continue;
		else if (*v == '\0' || chars(v) > CONF_NOTE_CHARS)
			conf_err_at(ld, e, "%s: a note must have 1 to %d characters", where,
			    CONF_NOTE_CHARS);
		else
			cn->text[cn->n++] = xstrdup(v);
	}
}

/*
 * status_notes = { id = { in_progress = [ "...", ... ]; ... }; en = { ... }; }:
 * canned notes a staff member picks for a status change and edits before
 * sending (conf_status_notes()).  Optional; none built in.
 */
static void
load_status_notes(struct loader *ld, const config_t *cfg)
{
	static const char *const langs[LANG_N] = { [LANG_ID] = "id", [LANG_EN] = "en" };
	static const char *const statuses[CONF_STATUSES] = {
		"received", "routed", "in_progress", "resolved", "closed", "deferred",
		"rejected", "withdrawn"
	};
	config_setting_t *g, *lg, *l;
	const char *name;
	char where[64];
	int li, k, st;

	if ((g = config_setting_get_member(config_root_setting(cfg), "status_notes")) == NULL)
		return;
	if (!config_setting_is_group(g)) {
		conf_err_at(ld, g, "status_notes: must be a group { id = { in_progress = "
		    "[ \"...\" ]; }; en = { ... }; }, not %s", conf_type_name(g));
		return;
	}
	conf_check_members(ld, g, "status_notes", langs, LANG_N);
	for (li = 0; li < LANG_N; li++) {
		if ((lg = config_setting_get_member(g, langs[li])) == NULL)
			continue;
		(void)snprintf(where, sizeof(where), "status_notes.%s", langs[li]);
		if (!config_setting_is_group(lg)) {
			conf_err_at(ld, lg, "%s: must be a group { in_progress = [ \"...\" ]; "
			    "... }, not %s", where, conf_type_name(lg));
			continue;
		}
		conf_check_members(ld, lg, where, statuses, CONF_STATUSES);
		for (k = 0; k < config_setting_length(lg); k++) {
			l = config_setting_get_elem(lg, (unsigned)k);
			name = config_setting_name(l);
			if (name == NULL || (st = conf_status_reply(name)) < 0)
				continue;       /* reported by conf_check_members */
			(void)snprintf(where, sizeof(where), "status_notes.%s.%s", langs[li],
			    name);
			load_notes_list(ld, l, where,
			    &ld->c->status_notes[li][st - REPLY_ST_RECEIVED]);
		}
	}
}

size_t
conf_status_notes(const struct conf *c, enum lang l, const char *status,
    const char *const **out)
{
	int st = conf_status_reply(status);
	const struct conf_notes *cn;

	*out = NULL;
	if (c == NULL || st < 0 || (unsigned)l >= LANG_N)
		return 0;
	cn = &c->status_notes[l][st - REPLY_ST_RECEIVED];
	if (cn->n == 0)
		return 0;
	*out = (const char *const *)cn->text;
	return cn->n;
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
		conf_err_at(ld, list, "service_levels.holidays: must be a list of dates "
		    "[ \"2026-12-25\", ... ], not %s", conf_type_name(list));
		return;
	}
	n = (size_t)config_setting_length(list);
	c->holidays = xcalloc(n, sizeof(*c->holidays));
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(list, (unsigned)i);
		v = config_setting_type(e) == CONFIG_TYPE_STRING ?
		    config_setting_get_string(e) : NULL;
		if (v == NULL || (d = date_parse_day(v)) < 0) {
			conf_err_at(ld, e, "service_levels.holidays: '%.20s' is not a date "
			    "written YYYY-MM-DD", v != NULL ? v : conf_type_name(e));
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

/*
 * A list of addresses and CIDR ranges (server.trusted_proxies,
 * gateways.*.allow_from) into *out, *n; text (may be NULL) gets them
 * ", "-joined as written.  An empty list is refused: it would read as
 * "nobody" to one operator and "anybody" to another.
 */
static void
load_ranges(struct loader *ld, const config_setting_t *list, const char *where,
    struct addr_range **out, size_t *n, char **text)
{
	struct sbuf t;
	char why[160];
	size_t i, len;

	*out = NULL;
	*n = 0;
	if (!config_setting_is_array(list) && !config_setting_is_list(list)) {
		conf_err_at(ld, list, "%s: must be a list of addresses or ranges "
		    "[ \"127.0.0.1\", \"10.0.0.0/8\" ], not %s", where, conf_type_name(list));
		return;
	}
	len = (size_t)config_setting_length(list);
	if (len == 0) {
		conf_err_at(ld, list, "%s: an empty list; leave the setting out instead", where);
		return;
	}
	sbuf_init(&t, 4096);
	*out = xcalloc(len, sizeof **out);
	for (i = 0; i < len; i++) {
		const config_setting_t *e = config_setting_get_elem(list, (unsigned)i);
		const char *v = config_setting_type(e) == CONFIG_TYPE_STRING ?
		    config_setting_get_string(e) : NULL;

		if (v == NULL) {
			conf_err_at(ld, e, "%s: each entry must be an address or range as a "
			    "string, not %s", where, conf_type_name(e));
			continue;
		}
		if (addr_range_parse(v, &(*out)[*n], why, sizeof why) != 0) {
			conf_err_at(ld, e, "%s: %s", where, why);
			continue;
		}
		(*n)++;
		if (t.len > 0)
			(void)sbuf_str(&t, ", ");
		(void)sbuf_str(&t, v);
	}
	if (text != NULL && t.s != NULL) {
		free(*text);
		*text = t.s;
	} else
		free(t.s);
}

/* server.trusted_proxies and every gateways.<name>.allow_from. */
static void
load_addresses(struct loader *ld, const config_t *cfg)
{
	struct conf *c = ld->c;
	config_setting_t *g, *list;
	char where[64];
	size_t i;

	c->trusted_proxies_text = xstrdup("");
	if ((g = group_at(ld, cfg, "server", 0)) != NULL &&
	    (list = config_setting_get_member(g, "trusted_proxies")) != NULL)
		load_ranges(ld, list, "server.trusted_proxies", &c->trusted_proxies,
		    &c->ntrusted_proxies, &c->trusted_proxies_text);
	c->allow = xcalloc(ARRAY_LEN(scalar_groups), sizeof *c->allow);
	for (i = 0; i < ARRAY_LEN(scalar_groups); i++) {
		struct conf_allow *a = &c->allow[c->nallow];

		if (strncmp(scalar_groups[i], "gateways.", 9) != 0 ||
		    (g = group_at(ld, cfg, scalar_groups[i], 0)) == NULL ||
		    (list = config_setting_get_member(g, "allow_from")) == NULL)
			continue;
		(void)snprintf(where, sizeof where, "%s.allow_from", scalar_groups[i]);
		a->gateway = xstrdup(scalar_groups[i] + 9);
		load_ranges(ld, list, where, &a->ranges, &a->n, NULL);
		c->nallow++;
	}
}

const struct addr_range *
conf_gateway_allow(const struct conf *c, const char *name, size_t *n)
{
	size_t i;

	*n = 0;
	for (i = 0; c != NULL && i < c->nallow; i++)
		if (strcmp(c->allow[i].gateway, name) == 0) {
			*n = c->allow[i].n;
			return c->allow[i].ranges;
		}
	return NULL;
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
			conf_err_at(ld, list, "guard.blocklist: must be a list of phone numbers "
			    "[ \"+6281234567890\", ... ], not %s", conf_type_name(list));
		} else {
			n = (size_t)config_setting_length(list);
			c->guard_blocklist = xcalloc(n > 0 ? n : 1, sizeof *c->guard_blocklist);
			for (i = 0; i < n; i++) {
				e = config_setting_get_elem(list, (unsigned)i);
				v = config_setting_type(e) == CONFIG_TYPE_STRING ?
				    config_setting_get_string(e) : NULL;
				if (v == NULL || msisdn_normalize(v, c->country_code, phone,
				    sizeof phone, why, sizeof why) != MSISDN_E164) {
					conf_err_at(ld, e, "guard.blocklist: '%.24s' is not a phone number",
					    v != NULL ? v : conf_type_name(e));
					continue;
				}
				c->guard_blocklist[c->nguard_blocklist++] = xstrdup(phone);
			}
		}
	}
	if ((list = config_setting_get_member(g, "autoreply")) != NULL) {
		if (!config_setting_is_array(list) && !config_setting_is_list(list)) {
			conf_err_at(ld, list, "guard.autoreply: must be a list of texts "
			    "[ \"nomor yang anda tuju\", ... ], not %s", conf_type_name(list));
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
				conf_err_at(ld, e, "guard.autoreply: each entry must be a text of 4 to "
				    "160 characters, not %.24s", v != NULL ? v : conf_type_name(e));
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
		conf_err_at(ld, g, "delivery: backoff_max (%d) is below backoff_initial (%d)",
		    c->delivery_backoff_max, c->delivery_backoff_initial);
	if ((g = group_at(ld, cfg, "sms_sender", 0)) != NULL && c->sender != SENDER_NONE &&
	    c->sender != SENDER_INFOBIP && c->sender_username == NULL &&
	    config_setting_get_member(g, "username") == NULL)
		conf_err_at(ld, g, "sms_sender.username: missing; this sender needs it (the "
		    "Twilio Account SID, the Kannel or Africa's Talking user name)");
	c->public_url_set = c->public_url != NULL;
	if (c->email_password != NULL && c->email_username == NULL &&
	    (g = group_at(ld, cfg, "email", 0)) != NULL)
		conf_err_at(ld, g, "email.password: set, but email.username is missing; AUTH "
		    "needs both");
	if (c->email_username != NULL && c->email_password == NULL && !ld->no_secrets &&
	    (g = group_at(ld, cfg, "email", 0)) != NULL &&
	    config_setting_get_member(g, "password") == NULL)
		conf_err_at(ld, g, "email.username: set, but email.password is missing; AUTH "
		    "needs both");
	if (c->inbox_session_max < c->inbox_session_idle &&
	    (g = group_at(ld, cfg, "inbox", 0)) != NULL)
		conf_err_at(ld, g, "inbox: session_max (%d) is below session_idle (%d)",
		    c->inbox_session_max, c->inbox_session_idle);
	if (c->public_url == NULL && c->listen != NULL) {
		if (strchr(c->listen, ':') != NULL)
			(void)snprintf(url, sizeof(url), "http://[%s]:%d", c->listen, c->port);
		else
			(void)snprintf(url, sizeof(url), "http://%s:%d", c->listen, c->port);
		c->public_url = xstrdup(url);
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
		if (strstr(path, "sha256") != NULL)
			conf_err_at(ld, s, "%s: is %s, published in README; make your own "
			    "token (openssl rand -hex 16) and put its SHA-256 here "
			    "(printf %%s TOKEN | sha256sum), or try Aduan out with --demo",
			    path, d->what);
		else
			conf_err_at(ld, s, "%s: '%.40s' is %s, published in README; generate "
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

	c->path = xstrdup(path);
	replies_default(c);
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
	ld.no_secrets = (flags & CONF_NO_SECRETS_READ) != 0;

	check_structure(&ld, cfg);
	load_scalars(&ld, cfg);
	load_holidays(&ld, cfg);
	load_guard(&ld, cfg);
	load_addresses(&ld, cfg);
	finish_delivery(&ld, cfg);
	load_agencies(&ld, cfg);
	rules_load_triage(&ld, cfg);
	rules_load_regions(&ld, cfg);
	rules_load_rules(&ld, cfg);
	rules_load_routing(&ld, cfg);
	partners_load(&ld, cfg);
	rules_check_words(&ld);
	spellings_load(&ld, cfg);
	replies_load(&ld, cfg);
	load_status_notes(&ld, cfg);
	hub_load(&ld, cfg);
	if (!(flags & CONF_DEMO))
		check_demo(&ld, config_root_setting(cfg), "");
	ld.c->inbox_demo = (flags & CONF_DEMO) != 0;

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
 * with read_conf_file() first, and its own includes in turn, and its
 * bytes folded into hash (the config's version).  A name that cannot be
 * read is reported here, naming it and why.  Returns 0, or -1
 * with the error in errs (the line is the @include's, in the file that
 * has it).
 */
static int
check_includes(const char *text, const char *dir, const char *file, int depth,
    uint64_t *hash, struct conf_errors *errs)
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
			/*
			 * libconfig 1.5 joins every name to the include directory,
			 * an absolute one too, and then says only "cannot open
			 * include file": say which file, and why.
			 */
			if (name[0] == '/' && dir != NULL) {
				errs->e[0].line = line;
				(void)snprintf(errs->e[0].msg, sizeof(errs->e[0].msg),
				    "@include \"%.120s\": an absolute path is not supported; write it "
				    "relative to the including file's directory", name);
				errs->n = 1;
				return -1;
			}
			if (dir != NULL)
				(void)snprintf(path, sizeof(path), "%s/%s", dir, name);
			else
				(void)snprintf(path, sizeof(path), "%s", name);
			sub = read_conf_file(path, &len, &enoent, msg, sizeof(msg));
			if (sub == NULL) {
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
				/* The version covers what is included, in include order. */
				*hash = fnv1a(*hash, sub, len);
				rc = check_includes(sub, dir, name, depth + 1, hash, errs);
				free(sub);
				if (rc == -1)
					return -1;
			}
		}
		p = *eol != '\0' ? eol + 1 : eol;
	}
	return 0;
}

/* ---- the secrets file ---- */

/* Appends an error at line of the main file (0: none). */
static void
add_err(struct conf_errors *errs, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
add_err(struct conf_errors *errs, int line, const char *fmt, ...)
{
	va_list ap;

	if (errs->n >= CONF_ERRORS_MAX) {
		errs->dropped++;
		return;
	}
	va_start(ap, fmt);
	(void)vsnprintf(errs->e[errs->n].msg, sizeof errs->e[errs->n].msg, fmt, ap);
	va_end(ap);
	errs->e[errs->n++].line = line;
}

/* An error about the secrets file: no line of the main file, its own in the text. */
static void
secret_err(struct conf_errors *errs, const char *file, const config_setting_t *s,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
secret_err(struct conf_errors *errs, const char *file, const config_setting_t *s,
    const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (s != NULL && config_setting_source_line(s) > 0)
		add_err(errs, 0, "%.80s:%d: %.160s", file, config_setting_source_line(s), msg);
	else
		add_err(errs, 0, "%.80s: %.160s", file, msg);
}

/* Member name of group g, made a group when absent; NULL when it is something else. */
static config_setting_t *
secrets_group(config_setting_t *g, const char *name)
{
	config_setting_t *m = config_setting_get_member(g, name);

	if (m == NULL)
		return config_setting_add(g, name, CONFIG_TYPE_GROUP);
	return config_setting_is_group(m) ? m : NULL;
}

/*
 * Copies secret setting `from` (path its name in the config, e.g.
 * "gateways.kannel.secret") into group `to` of the main config: a string,
 * or for an agency's tokens a list of { name; sha256; } groups.
 */
static void
copy_secret(config_setting_t *to, const config_setting_t *from, const char *path,
    const char *file, struct conf_errors *errs)
{
	const char *name = config_setting_name(from);
	config_setting_t *n, *e, *m;
	unsigned i, j;

	if (config_setting_get_member(to, name) != NULL) {
		secret_err(errs, file, from, "%s: set in both the config and the secrets file; "
		    "keep it in one", path);
		return;
	}
	if (config_setting_type(from) == CONFIG_TYPE_STRING) {
		n = config_setting_add(to, name, CONFIG_TYPE_STRING);
		if (n != NULL)
			(void)config_setting_set_string(n, config_setting_get_string(from));
		return;
	}
	if (strcmp(name, "tokens") != 0 || !config_setting_is_list(from)) {
		secret_err(errs, file, from, "%s: must be a string (in quotes)", path);
		return;
	}
	if ((n = config_setting_add(to, name, CONFIG_TYPE_LIST)) == NULL)
		return;
	for (i = 0; i < (unsigned)config_setting_length(from); i++) {
		const config_setting_t *t = config_setting_get_elem(from, i);

		if (!config_setting_is_group(t) ||
		    (e = config_setting_add(n, NULL, CONFIG_TYPE_GROUP)) == NULL) {
			secret_err(errs, file, t, "%s: each token must be { name = \"...\"; "
			    "sha256 = \"...\"; }", path);
			continue;
		}
		for (j = 0; j < (unsigned)config_setting_length(t); j++) {
			const config_setting_t *v = config_setting_get_elem(t, j);

			if (config_setting_type(v) != CONFIG_TYPE_STRING) {
				secret_err(errs, file, v, "%s: %s must be a string", path,
				    config_setting_name(v));
				continue;
			}
			m = config_setting_add(e, config_setting_name(v), CONFIG_TYPE_STRING);
			if (m != NULL)
				(void)config_setting_set_string(m, config_setting_get_string(v));
		}
	}
}

/* The agency of the main config's list with this id, or NULL. */
static config_setting_t *
agency_by_id(config_t *cfg, const char *id)
{
	config_setting_t *list = config_lookup(cfg, "agencies");
	const char *v;
	unsigned i;

	if (list == NULL || !config_setting_is_list(list))
		return NULL;
	for (i = 0; i < (unsigned)config_setting_length(list); i++) {
		config_setting_t *a = config_setting_get_elem(list, i);

		if (config_setting_is_group(a) && config_setting_lookup_string(a, "id", &v) &&
		    strcmp(v, id) == 0)
			return a;
	}
	return NULL;
}

/* The secrets file's agencies list: each entry's secrets into the agency of that id. */
static void
merge_agencies(config_t *cfg, const config_setting_t *list, const char *file,
    struct conf_errors *errs)
{
	config_setting_t *to;
	char path[160];
	const char *id;
	unsigned j, k;

	for (j = 0; j < (unsigned)config_setting_length(list); j++) {
		const config_setting_t *a = config_setting_get_elem(list, j);

		if (!config_setting_is_group(a) || !config_setting_lookup_string(a, "id", &id)) {
			secret_err(errs, file, a, "agencies: each entry needs the id of an agency "
			    "of the config");
			continue;
		}
		if ((to = agency_by_id(cfg, id)) == NULL) {
			secret_err(errs, file, a, "agencies: no agency '%.40s' in the config", id);
			continue;
		}
		for (k = 0; k < (unsigned)config_setting_length(a); k++) {
			const config_setting_t *m = config_setting_get_elem(a, k);
			const char *mn = config_setting_name(m);

			if (strcmp(mn, "id") == 0)
				continue;
			(void)snprintf(path, sizeof path, "agencies[%.40s].%s", id, mn);
			if (conf_in_list(agency_secret_keys, ARRAY_LEN(agency_secret_keys), mn))
				copy_secret(to, m, path, file, errs);
			else
				secret_err(errs, file, m, "%s: not a secret; it belongs in the config",
				    path);
		}
	}
}

/*
 * The secrets file's open311 = { partners = ( { id; key_sha256; } ) }:
 * each key_sha256 into the main config's partner of that id.
 */
static void
merge_partners(config_t *cfg, const config_setting_t *from, const char *file,
    struct conf_errors *errs)
{
	const config_setting_t *list = config_setting_get_member(from, "partners");
	config_setting_t *mine = config_lookup(cfg, "open311.partners"), *to;
	char path[160];
	const char *id, *v;
	unsigned i, j, k;

	for (k = 0; k < (unsigned)config_setting_length(from); k++) {
		const config_setting_t *m = config_setting_get_elem(from, k);

		if (m != list || !config_setting_is_list(m))
			secret_err(errs, file, m, "open311.%s: not a secret; it belongs in the "
			    "config (the secrets file holds open311.partners' key_sha256 only)",
			    config_setting_name(m));
	}
	if (list == NULL || !config_setting_is_list(list))
		return;
	for (i = 0; i < (unsigned)config_setting_length(list); i++) {
		const config_setting_t *a = config_setting_get_elem(list, i);

		if (!config_setting_is_group(a) || !config_setting_lookup_string(a, "id", &id)) {
			secret_err(errs, file, a, "open311.partners: each entry needs the id of a "
			    "partner of the config");
			continue;
		}
		to = NULL;
		for (j = 0; mine != NULL && config_setting_is_list(mine) &&
		    j < (unsigned)config_setting_length(mine); j++) {
			config_setting_t *p = config_setting_get_elem(mine, j);

			if (config_setting_is_group(p) && config_setting_lookup_string(p, "id", &v) &&
			    strcmp(v, id) == 0)
				to = p;
		}
		if (to == NULL) {
			secret_err(errs, file, a, "open311.partners: no partner '%.40s' in the config",
			    id);
			continue;
		}
		for (k = 0; k < (unsigned)config_setting_length(a); k++) {
			const config_setting_t *m = config_setting_get_elem(a, k);
			const char *mn = config_setting_name(m);

			if (strcmp(mn, "id") == 0)
				continue;
			(void)snprintf(path, sizeof path, "open311.partners[%.40s].%s", id, mn);
			if (strcmp(mn, "key_sha256") == 0)
				copy_secret(to, m, path, file, errs);
			else
				secret_err(errs, file, m, "%s: not a secret; it belongs in the config",
				    path);
		}
	}
}

/*
 * The members of group `from` (path prefix, "gateways.kannel") into group
 * `to` of the main config: each must be in secret_paths.
 */
static void
merge_members(config_setting_t *to, const config_setting_t *from, const char *prefix,
    const char *file, struct conf_errors *errs)
{
	char path[160];
	unsigned k;

	for (k = 0; k < (unsigned)config_setting_length(from); k++) {
		const config_setting_t *v = config_setting_get_elem(from, k);

		(void)snprintf(path, sizeof path, "%s.%s", prefix, config_setting_name(v));
		if (conf_in_list(secret_paths, ARRAY_LEN(secret_paths), path))
			copy_secret(to, v, path, file, errs);
		else
			secret_err(errs, file, v, "%s: not a secret; it belongs in the config", path);
	}
}

/* Every setting of the secrets file sec, merged into cfg (secret ones only). */
static void
merge_secrets(config_t *cfg, const config_t *sec, const char *file, struct conf_errors *errs)
{
	config_setting_t *root = config_root_setting(sec), *to, *gw;
	char path[160];
	unsigned i, j;

	for (i = 0; i < (unsigned)config_setting_length(root); i++) {
		const config_setting_t *top = config_setting_get_elem(root, i);
		const char *tn = config_setting_name(top);

		if (strcmp(tn, "agencies") == 0 && config_setting_is_list(top)) {
			merge_agencies(cfg, top, file, errs);
			continue;
		}
		if (strcmp(tn, "open311") == 0 && config_setting_is_group(top)) {
			merge_partners(cfg, top, file, errs);
			continue;
		}
		if (!config_setting_is_group(top) ||
		    (to = secrets_group(config_root_setting(cfg), tn)) == NULL) {
			secret_err(errs, file, top, "'%s': not a secret setting (the secrets file "
			    "holds gateways, sms_sender, email, agencies' and open311 partners' "
			    "secrets only)", tn);
			continue;
		}
		if (strcmp(tn, "gateways") != 0) {
			merge_members(to, top, tn, file, errs);
			continue;
		}
		for (j = 0; j < (unsigned)config_setting_length(top); j++) {
			const config_setting_t *m = config_setting_get_elem(top, j);

			(void)snprintf(path, sizeof path, "gateways.%s", config_setting_name(m));
			if (!config_setting_is_group(m) ||
			    !conf_in_list(scalar_groups, ARRAY_LEN(scalar_groups), path) ||
			    (gw = secrets_group(to, config_setting_name(m))) == NULL) {
				secret_err(errs, file, m, "%s: not a gateway group", path);
				continue;
			}
			merge_members(gw, m, path, file, errs);
		}
	}
}

/*
 * Top-level `secrets = "FILE"` of cfg: FILE (relative to dir, the config's
 * directory; NULL: the current one) read and merged into cfg.  Problems go
 * into errs and the load goes on, so that every error is said at once.
 * *flags gets CONF_NO_SECRETS_READ when the file was not read (its
 * settings are then not "missing"), *note why when the caller allowed that
 * (no CONF_SECRETS); *resolved the file's path (heap) when the config
 * names one.
 */
static void
load_secrets(config_t *cfg, const char *dir, unsigned *flags, struct conf_errors *errs,
    char **resolved, char **note)
{
	config_setting_t *s = config_lookup(cfg, "secrets");
	config_t sec;
	struct stat st;
	char path[4096], msg[256], *text;
	const char *name;
	size_t len;
	int enoent, line;

	*resolved = NULL;
	*note = NULL;
	if (s == NULL)
		return;
	line = config_setting_source_line(s);
	if (config_setting_type(s) != CONFIG_TYPE_STRING ||
	    (name = config_setting_get_string(s))[0] == '\0') {
		add_err(errs, line, "secrets: must be the name of the secrets file, e.g. "
		    "secrets = \"secrets.conf\";");
		*flags |= CONF_NO_SECRETS_READ;
		return;
	}
	if (name[0] == '/' || dir == NULL)
		(void)snprintf(path, sizeof path, "%s", name);
	else
		(void)snprintf(path, sizeof path, "%s/%s", dir, name);
	*resolved = xstrdup(path);
	if ((text = read_conf_file(path, &len, &enoent, msg, sizeof msg)) == NULL) {
		*flags |= CONF_NO_SECRETS_READ;
		if (!(*flags & CONF_SECRETS))
			*note = xstrdup(msg);
		else
			add_err(errs, line, "secrets: %.150s (the secrets file must be readable "
			    "by the service: root:aduan 0640)", msg);
		return;
	}
	if (stat(path, &st) == 0 && (st.st_mode & S_IROTH))
		add_err(errs, line, "secrets: %.120s is readable by everyone (mode %04o): "
		    "chmod o-rwx it (root:aduan 0640)", path, (unsigned)(st.st_mode & 07777));
	config_init(&sec);
	if (!config_read_string(&sec, text)) {
		add_err(errs, 0, "%.160s:%d: %.80s", path, config_error_line(&sec),
		    config_error_text(&sec) != NULL ? config_error_text(&sec) : "syntax error");
		*flags |= CONF_NO_SECRETS_READ;
	} else
		merge_secrets(cfg, &sec, path, errs);
	config_destroy(&sec);
	free(text);
}

/* Records the secrets file's path and fate in c (it takes both strings). */
static void
note_secrets(struct conf *c, char *resolved, char *note)
{
	if (c == NULL) {
		free(resolved);
		free(note);
		return;
	}
	c->secrets_path = resolved;
	c->secrets_note = note;
	c->secrets_loaded = resolved != NULL && note == NULL;
}

struct conf *
conf_load_file(const char *path, unsigned flags, struct conf_errors *errs)
{
	struct conf_errors local;
	struct conf *c;
	config_t cfg;
	char dir[4096], *text, *spath = NULL, *snote = NULL;
	const char *slash, *incdir = NULL;
	uint64_t hash = FNV1A_INIT_STORED;
	size_t len;
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
	/*
	 * FNV-1a over the file's bytes and then its @includes': the config's
	 * version, stored with every routing decision so that an operator can
	 * tell which rules made it.
	 */
	hash = fnv1a(hash, text, len);
	if (check_includes(text, incdir, NULL, 0, &hash, errs) == -1) {
		free(text);
		return NULL;
	}
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
	/* After the hash: the secrets are not the config's version. */
	flags &= ~CONF_NO_SECRETS_READ;
	load_secrets(&cfg, incdir, &flags, errs, &spath, &snote);
	c = load(&cfg, path, flags, errs);
	config_destroy(&cfg);
	note_secrets(c, spath, snote);
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
	char *spath = NULL, *snote = NULL;

	if (errs == NULL)
		errs = &local;
	errors_init(errs);
	config_init(&cfg);
	if (!config_read_string(&cfg, text)) {
		syntax_error(errs, &cfg, "<string>");
		config_destroy(&cfg);
		return NULL;
	}
	flags &= ~CONF_NO_SECRETS_READ;
	load_secrets(&cfg, NULL, &flags, errs, &spath, &snote);
	c = load(&cfg, "<string>", flags, errs);
	config_destroy(&cfg);
	note_secrets(c, spath, snote);
	if (c != NULL)
		(void)snprintf(c->hash, sizeof(c->hash), "%016llx",
		    (unsigned long long)fnv1a(FNV1A_INIT_STORED, text, strlen(text)));
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
		free(c->agencies[i].webhook_secret_next);
		free(c->agencies[i].token_sha256);
		free(c->agencies[i].email);
		free(c->agencies[i].head_email);
		for (j = 0; j < c->agencies[i].ntokens; j++) {
			free(c->agencies[i].tokens[j].name);
			free(c->agencies[i].tokens[j].sha256);
		}
		free(c->agencies[i].tokens);
	}
	free(c->agencies);
	free(c->holidays);
	for (i = 0; i < c->nguard_blocklist; i++)
		free(c->guard_blocklist[i]);
	free(c->guard_blocklist);
	free(c->trusted_proxies);
	free(c->trusted_proxies_text);
	free(c->secrets_path);
	free(c->secrets_note);
	for (i = 0; i < c->nallow; i++) {
		free(c->allow[i].gateway);
		free(c->allow[i].ranges);
	}
	free(c->allow);
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
		free_words(rule->unless, rule->nunless);
		free_words(rule->weak, rule->nweak);
		free(rule->regional);
		for (j = 0; j < LANG_N; j++)
			free(rule->label[j]);
	}
	partners_free(c);
	free(c->rules);
	free_words(c->routing_outside, c->nrouting_outside);
	free_words(c->routing_directions, c->nrouting_directions);
	free_words(c->routing_thanks, c->nrouting_thanks);
	for (l = 0; l < LANG_N; l++)
		for (r = 0; r < REPLY_N; r++)
			free(c->replies[l][r]);
	for (l = 0; l < LANG_N; l++)
		for (r = 0; r < CONF_STATUSES; r++) {
			for (j = 0; j < c->status_notes[l][r].n; j++)
				free(c->status_notes[l][r].text[j]);
			free(c->status_notes[l][r].text);
		}
	for (i = 0; i < c->nspellings; i++) {
		free(c->spellings[i].from);
		free(c->spellings[i].to);
	}
	free(c->spellings);
	hub_free(c);
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

/* RFC 5322 atext, the characters of a dot-atom besides the dots. */
static int
atext(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	    (ch != '\0' && strchr("!#$%&'*+/=?^_`{|}~-", ch) != NULL);
}

const char *
conf_email_check(const char *s)
{
	const char *at = NULL, *p, *label;
	size_t n = strlen(s), labels = 0, len;

	/* The dangerous ones first, so they are named whatever else is wrong. */
	if (strchr(s, '\r') != NULL || strchr(s, '\n') != NULL)
		return "has a line break (CR or LF) in it, which would let it write mail "
		    "headers of its own";
	for (p = s; *p != '\0'; p++) {
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7F)
			return "must be plain ASCII without spaces: just local@domain, no name "
			    "and no <>";
		if (*p == '@') {
			if (at != NULL)
				return "has more than one '@'";
			at = p;
		}
	}
	if (at == NULL)
		return "is not an email address (local@domain)";
	if (n > 254)
		return "is longer than 254 characters";
	len = (size_t)(at - s);
	if (len == 0 || len > 64)
		return "must have 1 to 64 characters before the '@'";
	for (p = s; p < at; p++) {
		if (*p == '.') {
			if (p == s || p + 1 == at || p[1] == '.')
				return "has a '.' first, last or doubled before the '@'";
		} else if (!atext((unsigned char)*p))
			return "has a character before the '@' that is not a letter, digit or "
			    "one of !#$%&'*+/=?^_`{|}~.-";
	}
	for (label = p = at + 1;; p++) {
		if (*p == '.' || *p == '\0') {
			len = (size_t)(p - label);
			if (len == 0 || len > 63)
				return "has an empty or too long part (over 63) in its domain";
			if (label[0] == '-' || p[-1] == '-')
				return "has a domain part that starts or ends with '-'";
			labels++;
			if (*p == '\0')
				break;
			label = p + 1;
		} else if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-'))
			return "has a domain with a character other than letters, digits, '-' "
			    "and '.'";
	}
	if (labels < 2)
		return "needs a domain with a dot (dinas.example.go.id)";
	return NULL;
}
