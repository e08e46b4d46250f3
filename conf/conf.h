/*
 * conf: the only module that includes <libconfig.h>.  It reads aduan.conf
 * into a validated plain struct conf; nothing else in Aduan sees libconfig.
 *
 * Its files: conf/conf.c the loader (the settings table, agencies, errors,
 * conf_free), conf/rules.c regions, rules and triage (the routing words),
 * conf/replies.c the reply templates and filling them, conf/live.c the
 * config in force (live.h), conf/spellings.c the SMS spellings.
 *
 * Settings are declared as data (a table of name, type, range, default in
 * conf.c).  The loader never stops at the first problem: it collects every
 * error with its line number into a struct conf_errors, and returns NULL
 * when there was any.  A libconfig syntax error is necessarily the only one
 * reported (libconfig cannot go past it).
 *
 * Ownership: conf_load_* return a struct conf the caller frees with
 * conf_free(); every pointer inside it is owned by it and lives as long as
 * it.  A loaded conf is never modified, so threads may share it.
 */
#ifndef ADUAN_CONF_H
#define ADUAN_CONF_H

#include <stddef.h>

#include "sms/lang.h"

#define CONF_ERRORS_MAX 64

struct conf_errors {
	int n;                  /* errors kept in e[] */
	int dropped;            /* errors beyond CONF_ERRORS_MAX */
	struct {
		int line;       /* 1-based line in the file, 0 if unknown */
		char msg[256];
	} e[CONF_ERRORS_MAX];
};

/* ---- reply templates (conf/replies.c) ---- */

/*
 * Reply templates.  Each has a config name (conf_reply_name()), a default
 * text in both languages, and a set of {placeholders} it may use.
 */
enum conf_reply {
	REPLY_RECEIVED,         /* {ticket} {agency} {category} {shortcode} */
	REPLY_RECEIVED_TRIAGE,  /* {ticket} {agency} {shortcode} */
	REPLY_NEED_TEXT,        /* {keyword} */
	REPLY_STATUS,           /* {ticket} {status} {agency} {date} */
	REPLY_STATUS_NOTE,      /* {ticket} {status} {agency} {date} {note} */
	REPLY_NOT_FOUND,        /* {ticket} */
	REPLY_MISTYPED,         /* {ticket} */
	REPLY_BAD_TICKET,       /* {command} */
	REPLY_ADDED,            /* {ticket} */
	REPLY_ADD_EMPTY,        /* {ticket} */
	REPLY_WITHDRAWN,        /* {ticket} */
	REPLY_ALREADY_CLOSED,   /* {ticket} {status} */
	REPLY_HELP,             /* {keywords} {shortcode} */
	REPLY_STOPPED,          /* {shortcode} */
	REPLY_STARTED,          /* {shortcode} */
	REPLY_LANG_SET,         /* (none): answer to BAHASA ID / BAHASA EN */
	REPLY_LANG_HOW,         /* (none): BAHASA without a known language */
	/* the flood guard (intake/guard.h): each sent once, then silence */
	REPLY_DUPLICATE,        /* {ticket} {shortcode}: the same complaint text again */
	REPLY_LIMITED,          /* {shortcode}: too many new complaints from this phone */
	REPLY_CAPPED,           /* {shortcode}: too many replies to this phone this hour */
	/* the agency side (ticket/change.h) */
	REPLY_REOPENED,         /* {ticket} {agency}: the reporter's TAMBAH reopened it */
	REPLY_DUPLICATE_OF,     /* {ticket} {original} {shortcode}: rejected as a duplicate */
	REPLY_RESOLVED_HINT,    /* {ticket} {shortcode}: appended to the "resolved" status SMS:
	                           how to say it is not solved (TAMBAH reopens it) */
	/* receipts for what routing sends to triage before any rule (route.h) */
	REPLY_RECEIVED_OUTSIDE, /* {ticket} {agency} {shortcode}: names a place outside the area */
	REPLY_RECEIVED_THANKS,  /* {ticket} {agency} {shortcode}: starts with a thank-you */
	/* status names shown in {status} */
	REPLY_ST_RECEIVED,
	REPLY_ST_ROUTED,
	REPLY_ST_IN_PROGRESS,
	REPLY_ST_RESOLVED,
	REPLY_ST_CLOSED,
	REPLY_ST_DEFERRED,
	REPLY_ST_REJECTED,
	REPLY_ST_WITHDRAWN,
	REPLY_N
};

/* "received", "status_note", "st_in_progress", ...: the key in replies.id / replies.en. */
const char *conf_reply_name(enum conf_reply r);
/* REPLY_ST_* for a lifecycle status name ("in_progress"), or -1. */
int conf_status_reply(const char *status);

/* ---- the loaded config: conf/conf.c, regions and rules from conf/rules.c ---- */

/* The name token_sha256 records in events as who acted ("by"). */
#define CONF_TOKEN_API  "api"
/* A named token's name: at most this many of a-z, A-Z, 0-9, '.', '_', '-', '@'. */
#define CONF_TOKEN_NAME_MAX 48

/* A named API token of an agency: events record its name as who acted. */
struct conf_token {
	char *name;             /* unique in its agency, never CONF_TOKEN_API */
	char *sha256;           /* lower-case hex SHA-256 of the token */
	int line;
};

struct conf_agency {
	char *id;               /* [a-z0-9_-]+, unique; never "citizen" nor "aduan" */
	char *name;             /* full name, e.g. "Dinas Pekerjaan Umum ..." */
	char *short_name;       /* GSM-7, fits in a reply: "DPUPR" */
	int line;
	char *webhook;          /* http(s) URL for new tickets and changes, or NULL */
	char *webhook_secret;   /* HMAC-SHA256 key for the signature (with webhook) */
	char *webhook_secret_next;      /* during a switch, a second signature, or NULL */
	char *token_sha256;     /* lower-case hex SHA-256 of the API token (who: CONF_TOKEN_API),
	                           or NULL */
	struct conf_token *tokens;      /* named API tokens (tokens = ( ... )) */
	size_t ntokens;
	int show_phone;         /* 1: webhooks and the API show the reporter's full number */
	/* email (ticket/mail.h): needs the top-level email group */
	char *email;            /* new tickets and overdue reminders go here, or NULL */
	char *head_email;       /* overdue reminders go here too, or NULL */
	int email_digest;       /* 1: email_mode "digest", one email a day; 0: "immediate" */
	int digest_hour;        /* local hour 0..23 the digest goes out, default 7 */
};

/* email.starttls, for smtp:// (smtps:// is TLS from the start). */
enum conf_starttls { STARTTLS_REQUIRED, STARTTLS_OPTIONAL, STARTTLS_OFF };

/* The lifecycle's statuses, in REPLY_ST_* order (conf_status_reply()). */
#define CONF_STATUSES   8
/* Canned notes of one status in one language (status_notes = { ... }). */
#define CONF_NOTES_MAX  20      /* per status and language */
#define CONF_NOTE_CHARS 1000    /* as the agency API's note */
struct conf_notes {
	char **text;
	size_t n;
};

struct addr_range;               /* util/addr.h */

/* gateways.<gateway>.allow_from */
struct conf_allow {
	char *gateway;                  /* "kannel": the group's name, struct gateway's name */
	struct addr_range *ranges;
	size_t n;
};

enum conf_sender {
	SENDER_NONE, SENDER_KANNEL, SENDER_AFRICASTALKING, SENDER_TWILIO, SENDER_INFOBIP
};

struct conf_region {
	char *id;
	char *name;
	char **keywords;        /* upper-case, folded as text_fold_word() does */
	size_t nkeywords;
	int line;
};

struct conf_regional {
	size_t region;          /* index into conf.regions */
	size_t agency;          /* index into conf.agencies */
};

struct conf_rule {
	char *keyword;          /* canonical keyword, folded upper-case: "JALAN" */
	char **aliases;         /* other words or phrases of up to three words, folded: "JLN", "LAMPU JALAN" */
	size_t naliases;
	char **aliases_en;      /* English words: a match makes the reply English */
	size_t naliases_en;
	size_t agency;          /* index into conf.agencies */
	struct conf_regional *regional;
	size_t nregional;
	char *label[LANG_N];    /* category name shown to citizens: "Jalan & jembatan" */
	int line;
	/*
	 * Words or phrases (up to three words, folded) whose presence in a
	 * message rules this rule out: its words do not count and its leading
	 * keyword does not decide.  "TIDAK BERJALAN".
	 */
	char **unless;
	size_t nunless;
	int unless_line;        /* line of the unless list, 0 when none */
	/*
	 * Weak words: this rule's own keywords or aliases (folded) that count
	 * only when no other rule's word is in the message, or another word of
	 * this rule is ("JALAN", which also writes every address: "lampu PJU
	 * di jalan Ambarawa").
	 */
	char **weak;
	size_t nweak;
	/* Open311 attributes of this service (attributes = ( ... )), none by default */
	struct conf_attr *attrs;
	size_t nattrs;
};

/*
 * A rule's Open311 attribute (rules[].attributes, conf/partners.c): what
 * a partner system may send with a complaint of that service as
 * attribute[code]=value (GeoReport v2 service definitions).
 */
enum conf_attr_type {
	ATTR_STRING, ATTR_NUMBER, ATTR_DATETIME, ATTR_TEXT, ATTR_SINGLEVALUELIST,
	ATTR_MULTIVALUELIST
};
#define CONF_ATTR_VALUES_MAX    50      /* values of a list attribute */
#define CONF_ATTRS_MAX          20      /* attributes of a rule */
struct conf_attr {
	char *code;             /* [A-Za-z0-9_-], unique in its rule */
	char *description;      /* what the partner's form asks */
	enum conf_attr_type type;
	int required;
	char **values;          /* the list types' allowed values, else none */
	size_t nvalues;
	int line;
};

/* "string", "number", ...: GeoReport's datatype names. */
const char *conf_attr_type_name(enum conf_attr_type t);

/* open311.partners: a system that may POST complaints (conf/partners.c) */
struct conf_partner {
	char *id;               /* [a-z0-9_-]+, unique: recorded on its complaints */
	char *name;
	char *key_sha256;       /* lower-case hex SHA-256 of its api_key, unique */
	int line;
};

/* spellings = { yg = "yang"; ... }: an SMS spelling and the word it stands for */
struct conf_spelling {
	char *from;             /* folded upper-case, one word: "YG" */
	char *to;               /* folded upper-case, one word: "YANG" */
	int line;
};

/* hub.services: a local category (rule keyword) and the hub's service_code for it. */
struct conf_hub_service {
	char *category;
	char *code;
};

struct conf {
	char *path;             /* file it came from, or "<string>" */
	char hash[17];          /* the config's version: 16 hex digits of a hash of the
	                           file's bytes, stored with each routing decision */

	/* admin listener: /healthz, /metrics, POST /admin/reload; loopback only */
	char *admin_listen;     /* default "127.0.0.1" */
	int admin_port;         /* default 8081; 0 turns the admin listener off */

	/* server */
	char *listen;           /* IPv4 or IPv6 literal, default "127.0.0.1" */
	int port;               /* 1..65535, default 8080 */
	int threads;            /* HTTP worker threads, 1..256, default 64 */
	long max_body;          /* request body cap in bytes, default 16384 */
	int connections_per_address;    /* open connections one client address may
	                                   hold, 1..1024, default 64 */
	int idle_timeout;       /* seconds a connection may send nothing (headers
	                           included) before it is closed, 1..300, default 10 */
	struct addr_range *trusted_proxies;     /* server.trusted_proxies: peers whose
	                                           X-Forwarded-For names the client */
	size_t ntrusted_proxies;
	char *trusted_proxies_text;     /* as written, ", "-joined ("" when none): what
	                                   reload compares (it needs a restart) */

	/* store */
	char *database;         /* SQLite file, default "aduan.db" */
	int sync_full;          /* 1: synchronous=FULL (default), 0: NORMAL */
	int busy_timeout_ms;    /* default 2000 */
	int pool_size;          /* PostgreSQL connections at most; 0 (default):
	                           server.threads + 4 */

	/* retention: what `aduan purge` deletes (store/purge.c); 0 = keep forever */
	int retention_messages_days;    /* inbound messages outside a ticket's thread, default 180 */
	int retention_outbox_days;      /* delivered outbox rows but a ticket's SMS, default 90 */
	int retention_sessions_days;    /* USSD and web sessions, failed logins, default 30 */

	/* sms */
	char *country_code;     /* digits, default "62" */
	char *short_code;       /* shown in replies, default "1708" */
	enum lang default_lang; /* default LANG_ID */
	long max_text;          /* decoded message text cap in bytes, default 4096 */

	char *public_url;       /* how gateways reach Aduan (delivery-report URLs);
	                           default http://<listen>:<port> */
	int public_url_set;     /* 1: server.public_url was written in the file (a link
	                           others can follow), 0: the default above */

	/* delivery (outbox/deliver.h) */
	int delivery_workers;           /* default 2, 1..16 */
	int delivery_max_attempts;      /* default 8, 1..100 */
	int delivery_backoff_initial;   /* seconds, default 30 */
	int delivery_backoff_max;       /* seconds, default 3600 */
	int delivery_timeout;           /* seconds per attempt, default 10 */

	/* outbound SMS (gateway_send, gateway/gateway.h) */
	enum conf_sender sender;        /* SENDER_NONE when sms_sender is absent */
	char *sender_url;               /* Kannel sendsms URL / AT messaging URL /
	                                   Twilio API base / Infobip base URL */
	char *sender_username;          /* Kannel user / AT username / Twilio Account SID;
	                                   NULL for Infobip */
	char *sender_password;          /* Kannel password / AT apiKey / Twilio auth
	                                   token / Infobip API key */
	char *sender_from;              /* sender id or short code, or NULL */

	/* email to agencies (ticket/mail.h, outbox/deliver.c); the group is
	   there when email_smtp_url is not NULL */
	char *email_smtp_url;           /* smtp://host[:port] or smtps://host[:port] */
	char *email_from;               /* the sender address, From: and MAIL FROM */
	char *email_username;           /* AUTH when set (with email_password) */
	char *email_password;
	int email_starttls;             /* enum conf_starttls, default STARTTLS_REQUIRED */
	int email_timeout;              /* seconds per SMTP attempt, default 30 */

	/* service levels (ticket/sla.h), in working days */
	int sla_route_days;             /* default 3 */
	int sla_followup_days;          /* default 5 */
	int sla_autoclose_days;         /* default 10 */
	int *holidays;                  /* YYYYMMDD */
	size_t nholidays;

	/* ussd */
	int ussd_session_timeout;   /* seconds a session lives without input, default 180 */
	int ussd_resume_window;     /* seconds within which a dropped complaint is offered
	                               again to the same phone, default 600; 0: never */

	/* guard: one phone cannot flood (intake/guard.h) */
	int guard_complaints_per_hour;  /* token bucket rate, default 10; 0: no limit */
	int guard_burst;                /* bucket size, default 3 */
	int guard_duplicate_window;     /* seconds the same text gets the first ticket,
	                                   default 86400; 0: off */
	int guard_replies_per_hour;     /* default 20; 0: no cap */
	int guard_loop_repeats;         /* the same text this often in a row is a loop,
	                                   default 5; 0: off */
	int guard_loop_window;          /* seconds between repeats that still count,
	                                   default 600 */
	char **guard_blocklist;         /* E.164, normalised at load */
	size_t nguard_blocklist;
	char **guard_autoreply;         /* normalised texts (lower case, single spaces):
	                                   a message holding one is an auto-reply */
	size_t nguard_autoreply;

	/* gateways */
	char *kannel_secret;    /* NULL when the Kannel endpoint is disabled */
	char *africastalking_secret;  /* NULL when the Africa's Talking endpoints are off */
	char *twilio_auth_token;      /* NULL when the Twilio endpoint is off */
	char *twilio_auth_token_next; /* during a switch: a second token accepted, or NULL */
	char *twilio_url;             /* the exact public URL Twilio calls for incoming
	                                 SMS (what X-Twilio-Signature signs) */
	char *vonage_secret;          /* NULL when the Vonage endpoint is off */
	char *infobip_secret;         /* NULL when the Infobip endpoint is off */
	char *generic_secret;         /* NULL when the generic JSON endpoint is off */
	int parts_timeout;            /* sms.parts_timeout: seconds to wait for the
	                                 missing parts of a long message, default 60 */
	/*
	 * gateways.<name>.allow_from: the addresses a gateway's callbacks may
	 * come from (conf_gateway_allow); none: any address with the secret.
	 */
	struct conf_allow *allow;
	size_t nallow;
	/* gateways.<name>.secret_next: a second secret accepted during a switch */
	char *kannel_secret_next;
	char *africastalking_secret_next;
	char *vonage_secret_next;
	char *infobip_secret_next;
	char *generic_secret_next;

	/* open311: the public, unauthenticated GeoReport v2 endpoints */
	int open311_enabled;            /* default 0: every /open311/ path answers 404 */
	int open311_publish_text;       /* default 0: description is the category's name,
	                                   address left out; 1: both, masked (sms/pii.h) */
	int open311_per_minute;         /* requests per minute per client address, default 30 */
	int open311_burst;              /* requests at once per client address, default 10 */
	int open311_receipt_sms;        /* 1: a partner's complaint with a phone gets the
	                                   receipt SMS; default 0 */
	struct conf_partner *partners;  /* open311.partners: who may POST complaints */
	size_t npartners;

	/* inbox: the web inbox's logins (web/auth.h) */
	int inbox_session_idle;         /* seconds a session lives unused, default 1800 */
	int inbox_session_max;          /* seconds a session lives at most, default 43200 */
	int inbox_login_max_failures;   /* failed logins of one login within login_window
	                                   before each try waits, default 5 */
	int inbox_login_window;         /* seconds failures are counted, default 900 */
	int inbox_demo;                 /* 1: loaded with CONF_DEMO: the demo accounts'
	                                   published passwords may log in */

	struct conf_agency *agencies;
	size_t nagencies;
	size_t triage;          /* index of the triage agency */

	struct conf_region *regions;
	size_t nregions;

	struct conf_rule *rules;
	size_t nrules;

	/* routing (routing/route.h, routing/stem.h) */
	int routing_stemming;           /* routing.stemming, default 1: words meet by stem */
	char *routing_dictionary;       /* Hunspell dictionary, path without .aff/.dic,
	                                   default "/usr/share/hunspell/id_ID" */
	/*
	 * routing.outside: places and things outside this service's area
	 * (words or phrases, folded): a message naming one goes to triage,
	 * unless the word before it is one of routing.directions ("arah
	 * Salatiga").  routing.thanks: a message that starts with one is a
	 * thank-you, not a complaint: triage.
	 */
	char **routing_outside;
	size_t nrouting_outside;
	char **routing_directions;
	size_t nrouting_directions;
	char **routing_thanks;
	size_t nrouting_thanks;
	struct conf_spelling *spellings;        /* read before routing looks a word up;
	                                           sorted by from, each from once */
	size_t nspellings;

	/* templates, defaults filled in for any the file leaves out */
	char *replies[LANG_N][REPLY_N];

	/* canned notes per language and status, by REPLY_ST_* - REPLY_ST_RECEIVED */
	struct conf_notes status_notes[LANG_N][CONF_STATUSES];

	char *log_level;        /* "debug", "info" (default), "warn" */

	/*
	 * hub: an Open311 GeoReport v2 hub (LAPOR!-SP4N style) that chosen
	 * tickets are forwarded to and followed at (conf/hub.c, ticket/hub.h).
	 * Off when hub_url is NULL (no hub group).
	 */
	char *hub_url;                  /* ends in '/' (added at load): "requests.json"
	                                   and the rest are appended to it */
	char *hub_api_key;              /* secret (the secrets file may hold it) */
	int hub_poll_seconds;           /* first wait between polls of a ticket, default 300 */
	int hub_poll_max_seconds;       /* the doubling wait's cap, default 3600 */
	int hub_send_phone;             /* 1: the reporter's number goes to the hub */
	char **hub_categories;          /* rule keywords (as the rules spell them) */
	size_t nhub_categories;
	char **hub_agencies;            /* agency ids */
	size_t nhub_agencies;
	struct conf_hub_service *hub_services;  /* category -> hub service code */
	size_t nhub_services;

	/* secrets = "FILE": the secret settings kept apart (conf_load_file) */
	char *secrets_path;     /* as resolved, or NULL when the config names none */
	int secrets_loaded;     /* 0: secrets_path was not read (no CONF_SECRETS) */
	char *secrets_note;     /* why not, for the command to say; else NULL */
};

/* ---- loading (conf/conf.c) ---- */

/*
 * flags: 0, or CONF_DEMO to accept the demo secrets and tokens whose
 * plaintexts README and the example config publish (aduan --demo, make
 * run, the tests).  Without it each one is an error at its line.  Demo
 * mode is a caller's choice, never a setting: an operator who copies the
 * example config must not inherit it.
 */
#define CONF_DEMO       0x1u
/*
 * The secrets file (top-level `secrets = "secrets.conf"`, relative to the
 * config's directory) holds the settings that are secret: every gateway's
 * secret, secret_next and Twilio auth_token, sms_sender.password,
 * email.password, per agency (by id) webhook_secret, token_sha256 and
 * tokens, and per open311 partner (by id) key_sha256.  conf_load_file() reads it after the main file and merges it in;
 * a secret written in both is an error, and so is anything else in it.
 * It is not part of the config's version (conf->hash): rotating a secret
 * does not change the version complaints carry.  It must not be readable
 * by everyone (its mode is checked).
 *
 * With CONF_SECRETS (serve, check, the service's reloads) a secrets file
 * that cannot be read is an error.  Without it (route, replay, stats, ...)
 * the config loads without its secrets, secrets_loaded 0 and secrets_note
 * saying why, so that staff who may read aduan.conf but not the secrets
 * can still test rules.  Inline secrets in the main file work either way.
 */
#define CONF_SECRETS    0x2u

struct conf *conf_load_file(const char *path, unsigned flags, struct conf_errors *errs);
struct conf *conf_load_string(const char *text, unsigned flags, struct conf_errors *errs);
void conf_free(struct conf *c);

/*
 * The allow-list of gateway `name` ("kannel"): its ranges and *n, or NULL
 * when the config has none (any address with the secret may call).
 */
const struct addr_range *conf_gateway_allow(const struct conf *c, const char *name, size_t *n);

/* Index of the agency with this id, or -1. */
long conf_agency_find(const struct conf *c, const char *id);

/*
 * NULL when s is an email address Aduan writes into a mail header and
 * gives to an SMTP server, else why not (words that follow the address in
 * a message).  The subset of RFC 5321 that real agency mailboxes use:
 * local@domain in ASCII, at most 254 characters; the local part 1 to 64
 * of letters, digits and !#$%&'*+/=?^_`{|}~.- (dots not first, last or
 * doubled; no quoted form); the domain two or more labels of letters,
 * digits and '-' (1 to 63, no '-' first or last; no address literal).
 * No name, no <>, no space, and above all no CR or LF: a line break
 * would let the value write headers of its own.
 */
const char *conf_email_check(const char *s);

/*
 * The canned notes the config offers for setting `status` ("in_progress")
 * in language l, for a staff member to pick and edit before sending:
 * their number, and *out the array (borrowed from c; NULL when none).
 * 0 for an unknown status or language.
 */
size_t conf_status_notes(const struct conf *c, enum lang l, const char *status,
    const char *const **out);

/*
 * The hub service code a new ticket of category `keyword` ("" for triage)
 * at agency `agency` is forwarded with: hub.services[keyword], else the
 * keyword itself, when the keyword is in hub.categories or the agency in
 * hub.agencies (a ticket of no category, forwarded by its agency:
 * "TRIAGE", which an Aduan hub routes by the text).
 * NULL when the ticket stays local (or there is no hub).  Borrowed from c.
 */
const char *conf_hub_code(const struct conf *c, const char *keyword, const char *agency);

/* ---- filling templates (conf/replies.c) ---- */

/*
 * Renders template r of language l into out (outsz bytes), replacing each
 * {name} with the value of the matching vars[i] (names[i]); an unknown
 * placeholder renders as empty text.  Returns the length, -1 if truncated.
 * c NULL: the built-in text.  This is conf_fill() on the template's text.
 */
long conf_render(const struct conf *c, enum lang l, enum conf_reply r,
    const char *const *names, const char *const *values, size_t nvars,
    char *out, size_t outsz);

/*
 * The one template filler: copies text t into out (outsz bytes) with each
 * {name} (a-z and '_', 1 to 32 of them) replaced by values[i] of the
 * first names[i] equal to name; a placeholder without a value renders as
 * empty text, any other brace is literal text.  What does not fit is cut
 * on a UTF-8 character boundary; out is always NUL-terminated when outsz
 * > 0.  Returns the length, -1 if cut or when out is NULL or outsz is 0.
 * No allocation.
 */
long conf_fill(const char *t, const char *const *names, const char *const *values,
    size_t nvars, char *out, size_t outsz);

#endif
