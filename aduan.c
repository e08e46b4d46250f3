/*
 * aduan: main() and the subcommands' wiring.  Logic lives in the modules;
 * this file parses arguments, loads the config, starts and stops things.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <inttypes.h>
#include <time.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "conf/live.h"
#include "agency/agency.h"
#include "gateway/gateway.h"
#include "net/http.h"
#include "intake/intake.h"
#include "ops/phone.h"
#include "ops/stats.h"
#include "outbox/deliver.h"
#include "routing/decide.h"
#include "routing/lint.h"
#include "routing/replay.h"
#include "routing/route.h"
#include "sms/gsm.h"
#include "sms/parse.h"
#include "store/store.h"
#include "ticket/tick.h"
#include "net/fetch.h"
#include "util/log.h"
#include "util/metrics.h"
#include "util/util.h"

#ifndef ADUAN_VERSION
#define ADUAN_VERSION "dev"
#endif

#define DEFAULT_CONF "conf/aduan.conf"

static const char usage_text[] =
"usage: aduan COMMAND [OPTIONS] [ARGS]\n"
"\n"
"Aduan takes citizens' complaints by SMS or a USSD menu through a gateway\n"
"(Kannel, Africa's Talking, Twilio, Vonage, Infobip, or any JSON caller),\n"
"routes them by keyword to the responsible agency, stores them, replies with\n"
"a ticket number, and carries the agency's updates back to the citizen.\n"
"\n"
"commands:\n"
"  serve [-c FILE] [-p PORT] [-d DATABASE] [--admin-port PORT] [--demo]\n"
"        run the service on the configured address; logs go to stderr;\n"
"        SIGHUP reloads the config (kept as it is when the new one has an\n"
"        error); SIGINT or SIGTERM stops it cleanly\n"
"  reload [-c FILE] [--admin-port PORT]\n"
"        ask the running service to reload its config (through the admin\n"
"        listener on loopback); prints what it did or why it refused\n"
"  check [-c FILE] [--demo]\n"
"        validate the configuration: every error with its line number, exit 1;\n"
"        \"configuration OK\" and exit 0\n"
"  rules lint [-c FILE]\n"
"        what check lets through but an operator should look at: words one\n"
"        letter apart, phrases, unused agencies, regions without regional\n"
"        agencies; FILE:LINE: warning|note: ...; exit 0 no warnings, 1\n"
"        warnings, 2 the config does not load\n"
"  route [-c FILE] TEXT\n"
"        dry run: which agency TEXT would go to, by which rule and word, exact\n"
"        or typo, which region; or why it goes to triage\n"
"  route --replay -c NEW.conf [-d DATABASE] [--since 30d] [--examples N]\n"
"        what NEW.conf would change: the stored complaints routed again by\n"
"        it, how many would go to another agency, from which to which, with\n"
"        examples; the database is -d, else NEW.conf's; reads only\n"
"  stats [-c FILE] [-d DATABASE] [--since 7d]\n"
"        complaints per agency, keyword and channel; the triage share; the\n"
"        median time to an agency's first response; what is overdue; words\n"
"        of triage messages no rule knows (candidate keywords); reads only\n"
"  sms [-c FILE] [--url URL] [--id ID] [--to CODE] FROM TEXT\n"
"        send TEXT from phone number FROM to a running service the way Kannel\n"
"        would, and print the reply the phone would get; reuse --id to see\n"
"        what a gateway retry gets\n"
"  outbox [-c FILE] [-d DATABASE] [--dead]\n"
"        list what waits to leave Aduan (webhooks, SMS), or the dead rows\n"
"  outbox retry ID [-c FILE] [-d DATABASE]\n"
"        put a dead row back in the queue; a running service sends it\n"
"  phone --ussd CODE [-c FILE] [--url URL] [--from NUMBER] [--session ID]\n"
"        a feature phone in the terminal: dial CODE (*123#, or *123*1# to\n"
"        dial through) on a running service, as Africa's Talking would; type\n"
"        each answer and Enter; Ctrl-D drops the call\n"
"\n"
"options:\n"
"  -c, --config FILE    configuration file (default: $ADUAN_CONF, else " DEFAULT_CONF ")\n"
"  -p, --port PORT      serve: listen on PORT instead of server.port\n"
"  -d, --database FILE  serve: use FILE instead of store.database\n"
"  --admin-port PORT    serve, reload: admin listener port instead of admin.port\n"
"                       (serve with -p and without --admin-port: no admin listener)\n"
"  --url URL            sms: service base URL (default: from the config's listen/port)\n"
"  --id ID              sms: gateway message id (default: a fresh one)\n"
"  --to CODE            sms: the short code messaged (default: sms.short_code)\n"
"  --ussd CODE          phone: the USSD code dialled\n"
"  --from NUMBER        phone: the caller (default: 081234567890)\n"
"  --session ID         phone: reuse a session id (default: a fresh one)\n"
"  --dead               outbox: only rows that gave up\n"
"  --replay             route: replay the stored complaints through -c FILE\n"
"  --since WHEN         route --replay, stats: complaints since WHEN: 30d, 12h,\n"
"                       2w, or a date 2026-11-01 (local time); default 30d for\n"
"                       route --replay, 7d for stats\n"
"  --examples N         route --replay: examples per move (default 3)\n"
"  --demo               serve, check: accept the demo secrets and tokens whose\n"
"                       plaintexts README and conf/aduan.conf publish (make run\n"
"                       uses it); without it they are config errors.  Anyone\n"
"                       who read README can use them: never on a reachable address\n"
"  -h, --help           this text\n"
"  -V, --version        print the version\n";

static void
usage(FILE *f)
{
	fputs(usage_text, f);
}

struct opts {
	const char *conf;
	const char *database;
	const char *url;
	const char *id;
	const char *to;
	const char *ussd;
	const char *from;
	const char *session;
	int dead;
	int replay;
	const char *since;
	const char *examples;
	long port;
	long admin_port;
	int demo;
};

static int
parse_opts(int argc, char **argv, struct opts *o, int permute)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "port", required_argument, NULL, 'p' },
		{ "database", required_argument, NULL, 'd' },
		{ "url", required_argument, NULL, 'u' },
		{ "id", required_argument, NULL, 'i' },
		{ "to", required_argument, NULL, 't' },
		{ "ussd", required_argument, NULL, 'U' },
		{ "from", required_argument, NULL, 'f' },
		{ "session", required_argument, NULL, 's' },
		{ "dead", no_argument, NULL, 'D' },
		{ "admin-port", required_argument, NULL, 'A' },
		{ "replay", no_argument, NULL, 'R' },
		{ "since", required_argument, NULL, 'S' },
		{ "examples", required_argument, NULL, 'N' },
		{ "demo", no_argument, NULL, 'Z' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	memset(o, 0, sizeof *o);
	o->conf = getenv("ADUAN_CONF") ? getenv("ADUAN_CONF") : DEFAULT_CONF;
	o->port = -1;
	optind = 1;
	/*
	 * Options may follow the arguments ("outbox retry 5 -c FILE") except
	 * where an argument is a citizen's text that may start with '-'.
	 */
	while ((ch = getopt_long(argc, argv, permute ? "c:p:d:h" : "+c:p:d:h", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			o->conf = optarg;
			break;
		case 'p':
			if (str_to_long(optarg, 1, 65535, &o->port) != 0) {
				fprintf(stderr, "aduan: --port %s: not a port number (1..65535)\n", optarg);
				return -1;
			}
			break;
		case 'd':
			o->database = optarg;
			break;
		case 'u':
			o->url = optarg;
			break;
		case 'i':
			o->id = optarg;
			break;
		case 't':
			o->to = optarg;
			break;
		case 'U':
			o->ussd = optarg;
			break;
		case 'f':
			o->from = optarg;
			break;
		case 's':
			o->session = optarg;
			break;
		case 'D':
			o->dead = 1;
			break;
		case 'R':
			o->replay = 1;
			break;
		case 'S':
			o->since = optarg;
			break;
		case 'N':
			o->examples = optarg;
			break;
		case 'Z':
			o->demo = 1;
			break;
		case 'A':
			if (str_to_long(optarg, 0, 65535, &o->admin_port) != 0) {
				fprintf(stderr, "aduan: --admin-port %s: not a port number (0..65535)\n",
				    optarg);
				return -1;
			}
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			fprintf(stderr, "aduan: try 'aduan --help'\n");
			return -1;
		}
	}
	return 0;
}

/*
 * flags: CONF_DEMO where the published demo secrets may pass.  serve and
 * check refuse them unless --demo; the tools that serve nothing (route,
 * rules lint, sms, phone, stats, outbox, reload's request) take them, so
 * they work against a `make run` service as they are.
 */
static struct conf *
load_conf(const char *path, unsigned flags)
{
	struct conf_errors errs;
	struct conf *c;
	int i;

	memset(&errs, 0, sizeof errs);
	c = conf_load_file(path, flags, &errs);
	if (c != NULL)
		return c;
	for (i = 0; i < errs.n; i++) {
		if (errs.e[i].line > 0)
			fprintf(stderr, "%s:%d: %s\n", path, errs.e[i].line, errs.e[i].msg);
		else
			fprintf(stderr, "%s: %s\n", path, errs.e[i].msg);
	}
	if (errs.dropped > 0)
		fprintf(stderr, "%s: ... and %d more errors\n", path, errs.dropped);
	fprintf(stderr, "%s: %d error%s; configuration not usable\n", path,
	    errs.n + errs.dropped, errs.n + errs.dropped == 1 ? "" : "s");
	return NULL;
}

/* What --demo means, said loudly wherever it is used. */
static const char demo_warning[] =
    "DEMO MODE (--demo): the demo secrets and tokens published in README and "
    "conf/aduan.conf are accepted; anyone who read them can post messages and "
    "read agencies' tickets. Never run --demo on an address others can reach";

static int
cmd_check(const struct opts *o)
{
	struct conf *c = load_conf(o->conf, o->demo ? CONF_DEMO : 0);
	struct route_table *rt;
	char err[256];

	if (c == NULL)
		return 1;
	rt = route_build(c, err, sizeof err);
	if (rt == NULL) {
		fprintf(stderr, "%s: %s\n", o->conf, err);
		conf_free(c);
		return 1;
	}
	if (o->demo)
		fprintf(stderr, "aduan: %s\n", demo_warning);
	printf("configuration OK: %zu agencies, %zu rules, %zu regions, triage %s\n",
	    c->nagencies, c->nrules, c->nregions, c->agencies[c->triage].id);
	route_free(rt);
	conf_free(c);
	return 0;
}

struct lint_print {
	const char *path;
	int warnings, notes;
};

static void
lint_print(void *arg, const struct lint_finding *f)
{
	struct lint_print *lp = arg;

	if (f->level == LINT_WARNING)
		lp->warnings++;
	else
		lp->notes++;
	if (f->line > 0)
		printf("%s:%d: %s: %s [%s]\n", lp->path, f->line, lint_level_name(f->level), f->msg,
		    lint_kind_name(f->kind));
	else
		printf("%s: %s: %s [%s]\n", lp->path, lint_level_name(f->level), f->msg,
		    lint_kind_name(f->kind));
}

/*
 * aduan rules lint [-c FILE]: argv[0] is "lint"; -c may come before "rules
 * lint" (already in o) or after it.  Exit 0 without warnings (notes do not
 * count), 1 with warnings, 2 when the config does not load or on a usage
 * error.
 */
static int
cmd_rules_lint(const struct opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct lint_print lp = { o->conf, 0, 0 };
	struct route_table *rt;
	struct conf *c;
	char err[256];
	int ch, n;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+c:h", longopts, NULL)) != -1) {
		if (ch == 'c')
			lp.path = optarg;
		else if (ch == 'h') {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "aduan: rules lint: unknown option or missing argument; "
			    "usage: aduan rules lint [-c FILE]\n");
			return 2;
		}
	}
	opterr = 1;
	if (optind != argc) {
		fprintf(stderr, "aduan: rules lint: unexpected argument '%s'; usage: aduan rules "
		    "lint [-c FILE]\n", argv[optind]);
		return 2;
	}
	if ((c = load_conf(lp.path, CONF_DEMO)) == NULL)
		return 2;
	/* What check refuses, lint refuses too: the router must accept the rules. */
	if ((rt = route_build(c, err, sizeof err)) == NULL) {
		fprintf(stderr, "%s: %s\n", lp.path, err);
		conf_free(c);
		return 2;
	}
	route_free(rt);
	n = lint_run(c, lint_print, &lp);
	conf_free(c);
	if (n < 0) {
		fprintf(stderr, "%s: the rules could not be linted\n", lp.path);
		return 2;
	}
	printf("%s: %d warning%s, %d note%s\n", lp.path, lp.warnings, lp.warnings == 1 ? "" : "s",
	    lp.notes, lp.notes == 1 ? "" : "s");
	return lp.warnings > 0 ? 1 : 0;
}

static const char *
how_text(const struct route_decision *d)
{
	switch (d->how) {
	case ROUTE_STRUCTURED:
		return "keyword field of KEYWORD#LOCATION#TEXT";
	case ROUTE_LEADING:
		return "leading keyword";
	case ROUTE_INSIDE:
		return "keyword found inside the text";
	case ROUTE_TRIAGE_TIE:
		return "triage: keywords of several rules tied";
	case ROUTE_TRIAGE_NONE:
		return "triage: no keyword found";
	case ROUTE_MENU:
		return "category chosen from the menu";
	}
	return "?";
}

static int
cmd_route(const struct opts *o, const char *text)
{
	struct conf *c = load_conf(o->conf, CONF_DEMO);
	struct route_table *rt;
	struct route_sms r;
	const struct route_decision *d = &r.d;
	struct sms_command cmd;
	const struct conf_agency *a;
	char err[256];
	static const char *names[] = { "complaint", "STATUS", "TAMBAH (add)", "BATAL (cancel)",
	    "help", "STOP", "START", "BAHASA (language)" };

	if (c == NULL)
		return 1;
	rt = route_build(c, err, sizeof err);
	if (rt == NULL) {
		fprintf(stderr, "%s: %s\n", o->conf, err);
		conf_free(c);
		return 1;
	}
	sms_parse(text, strlen(text), &cmd);
	if (cmd.cmd != SMS_COMPLAINT) {
		printf("command: %s%s%s (not a complaint: no routing)\n", names[cmd.cmd],
		    cmd.ticket[0] ? " for ticket " : "", cmd.ticket);
		route_free(rt);
		conf_free(c);
		return 0;
	}
	route_sms_decide(rt, &cmd, &r);
	a = &c->agencies[d->agency];
	printf("agency:  %s (%s)\n", a->id, a->name);
	printf("rule:    %s\n", d->rule >= 0 ? c->rules[d->rule].keyword : "- (triage)");
	printf("how:     %s%s\n", how_text(d), d->rule >= 0 ? (d->typo ? ", typo (one letter off)" : ", exact") : "");
	if (d->rule >= 0)
		printf("word:    '%s' matched '%s'\n", d->word, d->keyword);
	if (d->region >= 0)
		printf("region:  %s (%s)%s\n", c->regions[d->region].id, c->regions[d->region].name,
		    d->regional ? ", regional agency" : "");
	else
		printf("region:  -\n");
	printf("why:     %s\n", d->explain);
	if (r.answer == ROUTE_SMS_HELP)
		printf("note:    no keyword and fewer than %d words: the service answers with the "
		    "help text and opens no ticket\n", ROUTE_SMS_MIN_FREE_WORDS);
	route_free(rt);
	conf_free(c);
	return 0;
}

/* The service's base URL: --url, else the config's listen address and port. */
static void
base_url(const struct opts *o, const struct conf *c, char *url, size_t urlsz)
{
	if (o->url)
		str_copy(url, urlsz, o->url);
	else if (strchr(c->listen, ':'))
		snprintf(url, urlsz, "http://[%s]:%d", c->listen, c->port);
	else
		snprintf(url, urlsz, "http://%s:%d", c->listen, c->port);
}

static int
cmd_phone(const struct opts *o)
{
	struct conf *c = load_conf(o->conf, CONF_DEMO);
	struct phone_ussd u = { 0 };
	char url[300], err[256];
	int rc;

	if (c == NULL)
		return 1;
	if (c->africastalking_secret == NULL) {
		fprintf(stderr, "aduan: %s has no gateways.africastalking group: the USSD endpoint is off\n",
		    o->conf);
		conf_free(c);
		return 1;
	}
	base_url(o, c, url, sizeof url);
	u.base_url = url;
	u.secret = c->africastalking_secret;
	u.from = o->from ? o->from : "081234567890";
	u.code = o->ussd;
	u.session = o->session;
	u.in = stdin;
	u.out = stdout;
	rc = phone_ussd_run(&u, err, sizeof err);
	conf_free(c);
	if (rc < 0) {
		fprintf(stderr, "aduan: %s: %s\n", url, err);
		return 1;
	}
	return 0;
}

static int
cmd_sms(const struct opts *o, const char *from, const char *text)
{
	struct conf *c = load_conf(o->conf, CONF_DEMO);
	struct phone_sms m = { 0 };
	struct gsm_count gc;
	char url[300], err[256], *body = NULL;
	int st, coding2;

	if (c == NULL)
		return 1;
	if (c->kannel_secret == NULL) {
		fprintf(stderr, "aduan: %s has no gateways.kannel group: the Kannel endpoint is off\n",
		    o->conf);
		conf_free(c);
		return 1;
	}
	base_url(o, c, url, sizeof url);
	m.base_url = url;
	m.secret = c->kannel_secret;
	m.from = from;
	m.to = o->to ? o->to : c->short_code;
	m.text = text;
	m.id = o->id;
	st = phone_sms_send(&m, &body, &coding2, err, sizeof err);
	conf_free(c);
	if (st < 0) {
		fprintf(stderr, "aduan: %s: %s (is `aduan serve` running?)\n", url, err);
		return 1;
	}
	if (st != 200) {
		fprintf(stderr, "aduan: the service answered HTTP %d: %s", st, body);
		free(body);
		return 1;
	}
	if (*body == '\0')
		fprintf(stderr, "(no reply: nothing is sent to this sender)\n");
	else {
		printf("%s\n", body);
		if (gsm_count(body, strlen(body), &gc) == 0)
			fprintf(stderr, "(%zu SMS part%s, %s, %zu %s)\n", gc.parts,
			    gc.parts == 1 ? "" : "s", gc.coding == GSM_7BIT ? "GSM-7" : "UCS-2",
			    gc.units, gc.coding == GSM_7BIT ? "septets" : "UTF-16 units");
	}
	free(body);
	return 0;
}

static enum log_level
level_of(const char *s)
{
	if (s && strcmp(s, "debug") == 0)
		return LOG_LEVEL_DEBUG;
	if (s && strcmp(s, "warn") == 0)
		return LOG_LEVEL_WARN;
	return LOG_LEVEL_INFO;
}


/*
 * read_only: the reports (stats, outbox listing, route --replay) open the
 * database as it is, never creating, migrating or writing it: the service
 * that owns it, maybe an older aduan, may be running.
 */
static struct store *
open_store(const struct opts *o, const struct conf *c, int read_only)
{
	struct store_options so;
	struct store *st;
	char err[512];

	memset(&so, 0, sizeof so);
	so.sync_full = c->sync_full;
	so.busy_timeout_ms = c->busy_timeout_ms;
	so.read_only = read_only;
	st = store_open(o->database ? o->database : c->database, &so, err, sizeof err);
	if (st == NULL)
		fprintf(stderr, "aduan: database: %s\n", err);
	return st;
}

static void
print_row(void *arg, const struct store_outbox_row *r)
{
	char when[32], masked[32], body[61];
	time_t t = (time_t)r->next_attempt_at;
	struct tm tm;
	size_t n;

	(void)arg;
	localtime_r(&t, &tm);
	strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
	n = strcspn(r->body, "\n");
	snprintf(body, sizeof body, "%.*s", (int)(n < 60 ? n : 60), r->body);
	printf("%-6" PRId64 " %-8s %-8s %-20s %2d  %-19s %s%s%s\n", r->id, r->kind, r->state,
	    strcmp(r->kind, "sms") == 0 ? log_mask_phone(r->recipient, masked, sizeof masked) :
	    r->recipient, r->attempts, when, body,
	    r->last_error[0] ? "  | " : "", r->last_error);
}

static int
cmd_outbox(const struct opts *o, int argc, char **argv)
{
	struct conf *c = load_conf(o->conf, CONF_DEMO);
	struct store *st;
	long id;
	int rc = 0, r;

	if (c == NULL)
		return 1;
	if ((st = open_store(o, c, argc == 0)) == NULL) {
		conf_free(c);
		return 1;
	}
	if (argc == 0) {
		printf("%-6s %-8s %-8s %-20s %2s  %-19s %s\n", "id", "kind", "state", "to",
		    "n", "next attempt", "body | last error");
		if (store_outbox_each(st, o->dead ? "dead" : NULL, 200, print_row, NULL) != 0) {
			fprintf(stderr, "aduan: %s\n", store_errmsg());
			rc = 1;
		}
	} else if (argc == 2 && strcmp(argv[0], "retry") == 0 &&
	    str_to_long(argv[1], 1, 0x7fffffffL, &id) == 0) {
		r = store_outbox_requeue(st, id, now_unix());
		if (r < 0) {
			fprintf(stderr, "aduan: %s\n", store_errmsg());
			rc = 1;
		} else if (r == 0) {
			fprintf(stderr, "aduan: outbox row %ld is not dead (see aduan outbox --dead)\n", id);
			rc = 1;
		} else
			printf("outbox row %ld queued again; a running aduan serve sends it\n", id);
	} else {
		fprintf(stderr, "aduan: usage: aduan outbox [--dead] | aduan outbox retry ID\n");
		rc = 2;
	}
	store_close(st);
	conf_free(c);
	return rc;
}

/* --since, else dflt, as a Unix time.  0, or -1 with a message. */
static int
since_of(const struct opts *o, const char *dflt, int64_t now, int64_t *since)
{
	const char *arg = o->since != NULL ? o->since : dflt;

	if (stats_parse_since(arg, now, since) == 0)
		return 0;
	fprintf(stderr, "aduan: --since %s: not understood; use 30d, 12h, 2w or a date "
	    "such as 2026-11-01 or 2026-11-01T08:00\n", arg);
	return -1;
}

/*
 * The reports only read: a database that is not there is a mistake (a
 * wrong -d), not a new one to create.  0 there, -1 with a message.
 */
static int
report_db(const struct opts *o, const struct conf *c, const char **path)
{
	FILE *f;

	*path = o->database ? o->database : c->database;
	if ((f = fopen(*path, "rb")) == NULL) {
		fprintf(stderr, "aduan: database %s: cannot read it (%s)\n", *path, strerror(errno));
		return -1;
	}
	fclose(f);
	return 0;
}

static void
print_since(const char *label, int64_t since)
{
	time_t t = (time_t)since;
	struct tm tm;
	char when[64];

	localtime_r(&t, &tm);
	strftime(when, sizeof when, "%Y-%m-%d %H:%M %Z", &tm);
	printf("%s%s\n", label, when);
}

/* route --replay: exit 2 for a bad candidate config or option, 1 for the store. */
static int
cmd_replay(const struct opts *o)
{
	struct conf *c;
	struct route_table *rt;
	struct store *st;
	struct replay r;
	const char *db;
	char err[256];
	int64_t since;
	long examples = 3;
	int rc = 0;

	if (o->examples != NULL && str_to_long(o->examples, 0, 1000, &examples) != 0) {
		fprintf(stderr, "aduan: --examples %s: not a number of examples (0..1000)\n",
		    o->examples);
		return 2;
	}
	if (since_of(o, "30d", now_unix(), &since) != 0)
		return 2;
	if ((c = load_conf(o->conf, CONF_DEMO)) == NULL)
		return 2;
	if ((rt = route_build(c, err, sizeof err)) == NULL) {
		fprintf(stderr, "%s: %s\n", o->conf, err);
		conf_free(c);
		return 2;
	}
	if (report_db(o, c, &db) != 0 || (st = open_store(o, c, 1)) == NULL) {
		route_free(rt);
		conf_free(c);
		return 1;
	}
	replay_init(&r, c, rt, (size_t)examples);
	if (replay_store(&r, st, since, REPLAY_ROWS_MAX) != 0) {
		fprintf(stderr, "aduan: %s\n", store_errmsg());
		rc = 1;
	} else {
		printf("candidate: %s (version %s): %zu agencies, %zu rules, triage %s\n", o->conf,
		    c->hash, c->nagencies, c->nrules, c->agencies[c->triage].id);
		printf("database:  %s\n", db);
		print_since("since:     ", since);
		if (r.total + r.skipped >= REPLAY_ROWS_MAX)
			printf("(the first %d complaints only)\n", REPLAY_ROWS_MAX);
		printf("\n");
		replay_print(&r, stdout);
	}
	replay_clear(&r);
	store_close(st);
	route_free(rt);
	conf_free(c);
	return rc;
}

static int
cmd_stats(const struct opts *o)
{
	struct conf *c;
	struct store *st;
	struct stats s;
	const char *db;
	int64_t now = now_unix(), since;
	int rc = 0;

	if (since_of(o, "7d", now, &since) != 0)
		return 2;
	if ((c = load_conf(o->conf, CONF_DEMO)) == NULL)
		return 1;
	if (report_db(o, c, &db) != 0 || (st = open_store(o, c, 1)) == NULL) {
		conf_free(c);
		return 1;
	}
	if (stats_compute(st, c, since, now, &s) != 0) {
		fprintf(stderr, "aduan: %s\n", store_errmsg());
		rc = 1;
	} else {
		printf("database: %s (config %s)\n", db, o->conf);
		stats_print(&s, c, stdout);
	}
	stats_clear(&s);
	store_close(st);
	conf_free(c);
	return rc;
}

/*
 * The clock: service-level reminders and automatic closing, and long
 * messages whose parts stopped coming; every 5 seconds.
 */
struct ticker {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stop;
	struct agency_ctx *actx;
	struct intake *ix;
};

static void *
ticker_run(void *arg)
{
	struct ticker *t = arg;
	struct timespec until;

	pthread_mutex_lock(&t->mu);
	while (!t->stop) {
		pthread_mutex_unlock(&t->mu);
		if (ticket_sla_tick(t->actx->conf, t->actx->live, t->actx->store, t->actx->deliver,
		    now_unix()) < 0)
			log_warnx("service levels: %s", store_errmsg());
		if (intake_parts_tick(t->ix, now_unix()) < 0)
			log_warnx("long messages: %s", store_errmsg());
		pthread_mutex_lock(&t->mu);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 5;
		while (!t->stop && pthread_cond_timedwait(&t->cv, &t->mu, &until) == 0)
			;
	}
	pthread_mutex_unlock(&t->mu);
	return NULL;
}

/*
 * Reload: the new config is read and validated in full, and its routing
 * table built, before anything changes; with any error the old one stays
 * in force and every error is logged with its line.  SIGHUP and POST
 * /admin/reload (`aduan reload`) both come here, one at a time.
 */
struct reloader {
	pthread_mutex_t mu;
	const char *path;
	unsigned conf_flags;    /* CONF_DEMO with serve --demo */
	struct live *live;
	unsigned long reloads, failures;
};

/* 0 reloaded; -1 refused, with the reasons in report (one per line). */
static int
reload(struct reloader *rl, char *report, size_t reportsz)
{
	struct conf_errors errs;
	struct conf *c;
	struct route_table *rt;
	const struct live_snap *old;
	char err[256];
	size_t o = 0;
	int i, rc = -1;

	pthread_mutex_lock(&rl->mu);
	report[0] = '\0';
	memset(&errs, 0, sizeof errs);
	c = conf_load_file(rl->path, rl->conf_flags, &errs);
	if (c == NULL) {
		for (i = 0; i < errs.n; i++) {
			log_error("reload refused: %s:%d: %s", rl->path, errs.e[i].line, errs.e[i].msg);
			if (o < reportsz)
				o += (size_t)snprintf(report + o, reportsz - o, "%s:%d: %s\n", rl->path,
				    errs.e[i].line, errs.e[i].msg);
		}
		goto done;
	}
	if ((rt = route_build(c, err, sizeof err)) == NULL) {
		log_error("reload refused: %s: %s", rl->path, err);
		snprintf(report, reportsz, "%s: %s\n", rl->path, err);
		conf_free(c);
		goto done;
	}
	old = live_get(rl->live);
	/* What only a restart changes: say so rather than pretend. */
	if (strcmp(old->conf->listen, c->listen) != 0 || old->conf->port != c->port ||
	    old->conf->threads != c->threads || strcmp(old->conf->database, c->database) != 0 ||
	    old->conf->delivery_workers != c->delivery_workers ||
	    old->conf->connections_per_address != c->connections_per_address ||
	    old->conf->idle_timeout != c->idle_timeout ||
	    old->conf->admin_port != c->admin_port)
		log_warnx("reload: server, store, admin and delivery.workers settings take "
		    "effect at the next restart");
	log_info("configuration reloaded: version %s (was %s), %zu agencies, %zu rules",
	    c->hash, old->conf->hash, c->nagencies, c->nrules);
	snprintf(report, reportsz, "reloaded: version %s (was %s), %zu agencies, %zu rules\n",
	    c->hash, old->conf->hash, c->nagencies, c->nrules);
	live_put(rl->live, old);
	log_set_level(level_of(c->log_level));
	live_swap(rl->live, c, rt);
	rc = 0;
done:
	if (rc == 0)
		rl->reloads++;
	else
		rl->failures++;
	metrics_inc(rc == 0 ? "aduan_config_reloads_total" : "aduan_config_reload_failures_total",
	    "", 1);
	pthread_mutex_unlock(&rl->mu);
	return rc;
}

static void
admin_reload_handler(void *ctx, const struct http_request *req, struct http_response *res)
{
	struct reloader *rl = ctx;
	char report[4096];

	(void)req;
	if (reload(rl, report, sizeof report) == 0)
		http_respond_text(res, 200, report);
	else
		http_respond_text(res, 422, report);
}

static int
cmd_reload(const struct opts *o)
{
	struct conf *c = load_conf(o->conf, CONF_DEMO);
	struct fetch_req rq = { 0 };
	struct fetch_res rs = { 0 };
	char url[128];
	int rc;

	if (c == NULL)
		return 1;
	if (c->admin_port == 0 && o->admin_port <= 0) {
		fprintf(stderr, "aduan: admin.port is 0 in %s: no admin listener to ask; "
		    "send SIGHUP to the aduan serve process instead\n", o->conf);
		conf_free(c);
		return 1;
	}
	snprintf(url, sizeof url, strchr(c->admin_listen, ':') ? "http://[%s]:%ld/admin/reload" :
	    "http://%s:%ld/admin/reload", c->admin_listen,
	    o->admin_port > 0 ? o->admin_port : (long)c->admin_port);
	conf_free(c);
	fetch_init();
	rq.method = "POST";
	rq.url = url;
	rq.body = "";
	rq.timeout_s = 30;
	rc = fetch(&rq, &rs);
	if (rc != 0) {
		fprintf(stderr, "aduan: %s: %s (is aduan serve running?)\n", url, rs.error);
		fetch_res_clear(&rs);
		return 1;
	}
	fputs(rs.body, rs.status == 200 ? stdout : stderr);
	rc = rs.status == 200 ? 0 : 1;
	fetch_res_clear(&rs);
	fetch_cleanup();
	return rc;
}

static int
cmd_serve(const struct opts *o)
{
	struct conf *c = load_conf(o->conf, o->demo ? CONF_DEMO : 0);
	struct store *st;
	struct route_table *rt;
	struct http_server *srv, *admin = NULL;
	struct http_options ho;
	struct intake ix;
	struct intake_endpoint eps[16];
	size_t i;
	struct agency_ctx actx;
	struct deliver *dv;
	struct ticker tk;
	struct reloader rl;
	struct live *live;
	struct http_route routes[32], aroutes[4];
	size_t nroutes = 0, naroutes = 0;
	const char *db;
	char err[256], report[4096];
	sigset_t set;
	int sig;

	if (c == NULL)
		return 1;
	/*
	 * Signals go to this thread only: block them before any thread starts
	 * (the store's writer is the first, in open_store), since every thread
	 * inherits the mask of the one that creates it.  A thread that did not
	 * block SIGHUP would take its default action (exit 129) whenever this
	 * one is busy reloading.
	 */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	log_set_level(level_of(c->log_level));
	rt = route_build(c, err, sizeof err);
	if (rt == NULL)
		fatal("%s: %s", o->conf, err);
	db = o->database ? o->database : c->database;
	if ((st = open_store(o, c, 0)) == NULL)
		exit(1);
	/* From here on the config in force lives in `live`; c is the first one. */
	live = live_new(c, rt, route_free);

	if (fetch_init() != 0)
		fatal("cannot start libcurl");
	dv = deliver_start_live(live, st, err, sizeof err);
	if (dv == NULL)
		fatal("delivery: %s", err);
	memset(&actx, 0, sizeof actx);
	actx.conf = c;
	actx.store = st;
	actx.deliver = dv;
	actx.live = live;
	memset(&ix, 0, sizeof ix);
	ix.conf = c;
	ix.rt = rt;
	ix.store = st;
	ix.deliver = dv;
	ix.live = live;
	memset(&rl, 0, sizeof rl);
	pthread_mutex_init(&rl.mu, NULL);
	rl.path = o->conf;
	rl.conf_flags = o->demo ? CONF_DEMO : 0;
	rl.live = live;
	memset(&tk, 0, sizeof tk);
	tk.actx = &actx;
	tk.ix = &ix;
	pthread_mutex_init(&tk.mu, NULL);
	pthread_cond_init(&tk.cv, NULL);
	if (pthread_create(&tk.thread, NULL, ticker_run, &tk) != 0)
		fatal("cannot start the service-level thread");

	/* Every gateway's endpoints; one whose settings are absent answers 404. */
	for (i = 0; gateways[i] != NULL; i++) {
		const struct gateway *gw = gateways[i];

		eps[i].ix = &ix;
		eps[i].gw = gw;
		if (gw->sms_path)
			routes[nroutes++] = (struct http_route){ gw->sms_path, HTTP_GET | HTTP_POST,
			    intake_http_handler, &eps[i] };
		if (gw->ussd_path)
			routes[nroutes++] = (struct http_route){ gw->ussd_path, HTTP_POST,
			    intake_ussd_handler, &eps[i] };
		if (gw->dlr_path)
			routes[nroutes++] = (struct http_route){ gw->dlr_path, HTTP_GET | HTTP_POST,
			    intake_dlr_handler, &eps[i] };
	}
	routes[nroutes++] = (struct http_route){ "/api/v1/", HTTP_GET | HTTP_POST,
	    agency_api_handler, &actx };
	routes[nroutes++] = (struct http_route){ "/open311/v2/", HTTP_GET,
	    agency_open311_handler, &actx };
	routes[nroutes++] = (struct http_route){ "/healthz", HTTP_GET | HTTP_HEAD, intake_health_handler, &ix };
	ho.listen = c->listen;
	ho.port = o->port > 0 ? (int)o->port : c->port;
	ho.threads = c->threads;
	ho.max_body = (size_t)c->max_body;
	http_set_limits((unsigned)c->connections_per_address, (unsigned)c->idle_timeout);
	srv = http_start(&ho, routes, nroutes, err, sizeof err);
	if (srv == NULL)
		fatal("%s", err);
	if (c->admin_port != 0 && (o->port <= 0 || o->admin_port != 0)) {
		/* Counters show from the start, at 0; gauges are read at each scrape. */
		metrics_inc("aduan_config_reloads_total", "", 0);
		metrics_inc("aduan_config_reload_failures_total", "", 0);
		metrics_set_gauge_fn(intake_metrics_gauges, &ix);
		aroutes[naroutes++] = (struct http_route){ "/healthz", HTTP_GET | HTTP_HEAD,
		    intake_health_handler, &ix };
		aroutes[naroutes++] = (struct http_route){ "/metrics", HTTP_GET | HTTP_HEAD,
		    intake_metrics_handler, NULL };
		aroutes[naroutes++] = (struct http_route){ "/admin/reload", HTTP_POST,
		    admin_reload_handler, &rl };
		ho.listen = c->admin_listen;
		ho.port = o->admin_port > 0 ? (int)o->admin_port : c->admin_port;
		ho.threads = 1;
		ho.max_body = 1024;
		admin = http_start(&ho, aroutes, naroutes, err, sizeof err);
		if (admin == NULL)
			fatal("admin listener: %s", err);
	}
	log_info("aduan %s serving on %s port %d: config %s (version %s), database %s, "
	    "%zu agencies, %zu rules", ADUAN_VERSION, c->listen, http_port(srv), o->conf, c->hash,
	    db, c->nagencies, c->nrules);
	if (admin != NULL)
		log_info("admin listener on %s port %d: /healthz, /metrics, POST /admin/reload",
		    c->admin_listen, http_port(admin));
	if (o->demo)
		log_warnx("%s", demo_warning);

	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			log_info("SIGHUP: reloading %s", o->conf);
			(void)reload(&rl, report, sizeof report);
			continue;
		}
		log_info("%s: shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
		break;
	}
	if (admin != NULL)
		http_stop(admin);
	http_stop(srv);
	pthread_mutex_lock(&tk.mu);
	tk.stop = 1;
	pthread_cond_broadcast(&tk.cv);
	pthread_mutex_unlock(&tk.mu);
	pthread_join(tk.thread, NULL);
	deliver_stop(dv);
	fetch_cleanup();
	{
		unsigned long commits, txs;

		store_commit_stats(st, &commits, &txs);
		log_info("store: %lu transactions in %lu commits (group commit)", txs, commits);
	}
	store_close(st);
	live_free(live);
	log_info("stopped");
	return 0;
}

int
main(int argc, char **argv)
{
	struct opts o;
	const char *cmd;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	cmd = argv[1];
	/*
	 * Service levels count working days in local time.  Without TZ,
	 * glibc reads /etc/localtime's status again on every mktime()
	 * (perf: 5% of an SMS); named once, the zone is read once.  Change
	 * the system's zone, restart Aduan.
	 */
	if (getenv("TZ") == NULL)
		(void)setenv("TZ", ":/etc/localtime", 1);
	tzset();
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(cmd, "-V") == 0 || strcmp(cmd, "--version") == 0) {
		printf("aduan %s\n", ADUAN_VERSION);
		return 0;
	}
	if (parse_opts(argc - 1, argv + 1, &o, strcmp(cmd, "outbox") == 0 ||
	    strcmp(cmd, "serve") == 0 || strcmp(cmd, "check") == 0 ||
	    strcmp(cmd, "reload") == 0) != 0)
		return 2;
	argc -= 1 + optind;
	argv += 1 + optind;
	if (strcmp(cmd, "serve") == 0 && argc == 0)
		return cmd_serve(&o);
	if (strcmp(cmd, "check") == 0 && argc == 0)
		return cmd_check(&o);
	if (strcmp(cmd, "route") == 0 && o.replay) {
		if (argc == 0)
			return cmd_replay(&o);
		fprintf(stderr, "aduan: route --replay takes no TEXT: it replays the stored complaints\n");
		return 2;
	}
	if (strcmp(cmd, "stats") == 0 && argc == 0)
		return cmd_stats(&o);
	if (strcmp(cmd, "rules") == 0 && argc >= 1 && strcmp(argv[0], "lint") == 0)
		return cmd_rules_lint(&o, argc, argv);
	if (strcmp(cmd, "route") == 0 && argc == 1)
		return cmd_route(&o, argv[0]);
	if (strcmp(cmd, "sms") == 0 && argc == 2)
		return cmd_sms(&o, argv[0], argv[1]);
	if (strcmp(cmd, "outbox") == 0)
		return cmd_outbox(&o, argc, argv);
	if (strcmp(cmd, "reload") == 0 && argc == 0)
		return cmd_reload(&o);
	if (strcmp(cmd, "phone") == 0 && argc == 0 && o.ussd != NULL)
		return cmd_phone(&o);
	fprintf(stderr, "aduan: unknown command or wrong arguments: %s\n", cmd);
	usage(stderr);
	return 2;
}
