/*
 * cli/opts.c: what every command shares: the option parser, loading the
 * config with its errors printed, opening the store, the service's URL,
 * --since and the reports' database (contracts in cli/cli.h).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "conf/conf.h"
#include "ops/stats.h"
#include "store/store.h"
#include "util/log.h"
#include "util/util.h"

int
cli_parse_opts(int argc, char **argv, struct opts *o, unsigned flags)
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
		{ "corpus", required_argument, NULL, 'K' },
		{ "since", required_argument, NULL, 'S' },
		{ "examples", required_argument, NULL, 'N' },
		{ "demo", no_argument, NULL, 'Z' },
		{ "agency", required_argument, NULL, 'G' },
		{ "role", required_argument, NULL, 'O' },
		{ "name", required_argument, NULL, 'M' },
		{ "dry-run", no_argument, NULL, 'Y' },
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
	while ((ch = getopt_long(argc, argv, (flags & CLI_PERMUTE) ? "c:p:d:h" : "+c:p:d:h", longopts,
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
		case 'K':
			o->corpus = optarg;
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
		case 'G':
			o->agency = optarg;
			break;
		case 'O':
			o->role = optarg;
			break;
		case 'M':
			o->name = optarg;
			break;
		case 'Y':
			o->dry_run = 1;
			break;
		case 'A':
			if (str_to_long(optarg, 0, 65535, &o->admin_port) != 0) {
				fprintf(stderr, "aduan: --admin-port %s: not a port number (0..65535)\n",
				    optarg);
				return -1;
			}
			break;
		case 'h':
			cli_usage(stdout);
			exit(0);
		default:
			fprintf(stderr, "aduan: try 'aduan --help'\n");
			return -1;
		}
	}
	return 0;
}

/* The options' part of --help: keep it beside longopts above. */
const char cli_options_help[] =
"\n"
"options:\n"
"  -c, --config FILE    configuration file (default: $ADUAN_CONF, else " DEFAULT_CONF ")\n"
"  -p, --port PORT      serve: listen on PORT instead of server.port\n"
"  -d, --database DB    serve, user, ...: use DB instead of store.database: a\n"
"                       SQLite file, or a PostgreSQL URI postgresql://...\n"
"  --admin-port PORT    serve, reload: admin listener port instead of admin.port\n"
"                       (serve with -p and without --admin-port: no admin listener)\n"
"  --url URL            sms: service base URL (default: from the config's listen/port)\n"
"  --id ID              sms: gateway message id (default: a fresh one)\n"
"  --to CODE            sms: the short code messaged (default: sms.short_code)\n"
"  --to URI             migrate: the PostgreSQL database to copy into\n"
"  --ussd CODE          phone: the USSD code dialled\n"
"  --from NUMBER        phone: the caller (default: 081234567890)\n"
"  --session ID         phone: reuse a session id (default: a fresh one)\n"
"  --dead               outbox: only rows that gave up\n"
"  --replay             route: replay the stored complaints through -c FILE\n"
"  --corpus FILE        route: route every line of FILE (agency-id<TAB>text) and\n"
"                       report right / wrong agency / triage per agency\n"
"  --since WHEN         route --replay, stats: complaints since WHEN: 30d, 12h,\n"
"                       2w, or a date 2026-11-01 (local time); default 30d for\n"
"                       route --replay, 7d for stats\n"
"  --examples N         route --replay: examples per move (default 3)\n"
"  --agency ID          user add: the account's agency (an agency id of the config)\n"
"  --role ROLE          user add: staff (default) or supervisor (may also reveal a\n"
"                       reporter's number)\n"
"  --name \"FULL NAME\"   user add: the person's name, shown in the inbox\n"
"  --demo               serve, check: accept the demo secrets and tokens whose\n"
"                       plaintexts README and conf/aduan.conf publish (make run\n"
"                       uses it); without it they are config errors.  Anyone\n"
"                       who read README can use them: never on a reachable address\n"
"  --dry-run            purge: count what would go, delete nothing (reads only)\n"
"  -h, --help           this text\n"
"  -V, --version        print the release and the git commit it was built from\n";

struct conf *
load_conf(const char *path, unsigned flags)
{
	struct conf_errors errs;
	struct conf *c;
	int i;

	memset(&errs, 0, sizeof errs);
	c = conf_load_file(path, flags, &errs);
	if (c != NULL && c->secrets_note != NULL)
		fprintf(stderr, "%s: secrets not loaded (%s); this command does not need them\n",
		    path, c->secrets_note);
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
const char demo_warning[] =
    "DEMO MODE (--demo): the demo secrets and tokens published in README and "
    "conf/aduan.conf are accepted; anyone who read them can post messages and "
    "read agencies' tickets. Never run --demo on an address others can reach";

struct store *
open_store(const struct opts *o, const struct conf *c, int read_only)
{
	struct store_options so;
	struct store *st;
	char err[512];

	memset(&so, 0, sizeof so);
	so.sync_full = c->sync_full;
	so.busy_timeout_ms = c->busy_timeout_ms;
	so.read_only = read_only;
	/* each worker may hold one in a transaction and one to read; and the outbox's */
	so.pool_size = c->pool_size > 0 ? c->pool_size : c->threads + 4;
	st = store_open(o->database ? o->database : c->database, &so, err, sizeof err);
	if (st == NULL)
		fprintf(stderr, "aduan: database: %s\n", err);
	return st;
}

void
base_url(const struct opts *o, const struct conf *c, char *url, size_t urlsz)
{
	if (o->url)
		str_copy(url, urlsz, o->url);
	else if (strchr(c->listen, ':'))
		snprintf(url, urlsz, "http://[%s]:%d", c->listen, c->port);
	else
		snprintf(url, urlsz, "http://%s:%d", c->listen, c->port);
}

enum log_level
level_of(const char *s)
{
	if (s && strcmp(s, "debug") == 0)
		return LOG_LEVEL_DEBUG;
	if (s && strcmp(s, "warn") == 0)
		return LOG_LEVEL_WARN;
	return LOG_LEVEL_INFO;
}

int
since_of(const struct opts *o, const char *dflt, int64_t now, int64_t *since)
{
	const char *arg = o->since != NULL ? o->since : dflt;

	if (stats_parse_since(arg, now, since) == 0)
		return 0;
	fprintf(stderr, "aduan: --since %s: not understood; use 30d, 12h, 2w or a date "
	    "such as 2026-11-01 or 2026-11-01T08:00\n", arg);
	return -1;
}

int
report_db(const struct opts *o, const struct conf *c, const char **path)
{
	static char shown[1024];
	FILE *f;

	*path = o->database ? o->database : c->database;
	if (store_db_is_postgres(*path)) {
		/* opened by store_open, which says why it cannot; never print a password */
		store_db_display(*path, shown, sizeof shown);
		*path = shown;
		return 0;
	}
	if ((f = fopen(*path, "rb")) == NULL) {
		fprintf(stderr, "aduan: database %s: cannot read it (%s)\n", *path, strerror(errno));
		return -1;
	}
	fclose(f);
	return 0;
}
