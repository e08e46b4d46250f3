/*
 * cli: the aduan command.  main() (cli/main.c) parses the options shared by
 * every command, finds the command in one table, struct cli_cmd, and runs
 * it; --help is written from that table, so the help and the commands
 * cannot drift apart.  One file per command or close family (check.c,
 * route.c, replay.c, suggest.c, stats.c, outbox.c, sms.c, reload.c, serve.c,
 * user.c, backup.c, purge.c, hub.c); the helpers they share (loading the config, opening the store,
 * ...) are in opts.c.  Logic lives in the modules below: a command parses,
 * loads, calls, prints.
 *
 * A command returns its exit status, or CLI_USAGE for wrong arguments:
 * main() then says so, prints the usage on stderr and exits 2.
 */
#ifndef ADUAN_CLI_H
#define ADUAN_CLI_H

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#include "util/log.h"

struct conf;
struct store;

/*
 * The config file without -c and $ADUAN_CONF.  A plain `make` builds the
 * source tree's example, relative to the working directory (`make run`,
 * the tests); `make install` and the Debian package compile cli/opts.c
 * again with -DADUAN_DEFAULT_CONF='"$(SYSCONFDIR)/aduan/aduan.conf"'
 * (/etc/aduan/aduan.conf for PREFIX=/usr).  Only cli/opts.c uses it.
 */
#ifdef ADUAN_DEFAULT_CONF
#define DEFAULT_CONF ADUAN_DEFAULT_CONF
#else
#define DEFAULT_CONF "conf/aduan.conf"
#endif

/* The options, one set for every command (each reads those it needs). */
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
	const char *corpus;     /* route --corpus FILE */
	const char *since;
	const char *examples;
	long port;
	long admin_port;
	int demo;
	const char *agency;     /* user add */
	const char *role;
	const char *name;
	int dry_run;            /* purge */
};

/* A command's return value for wrong arguments (never an exit status). */
#define CLI_USAGE (-1)

/* cli_cmd.flags */
#define CLI_PERMUTE 0x1         /* options may follow the arguments; else the
                                   first argument ends them (a citizen's
                                   text may start with '-') */

/* One line of the help: the synopsis after "aduan", what it does. */
struct cli_help {
	const char *synopsis;
	const char *text;       /* lines of text, each ending in '\n' */
};

struct cli_cmd {
	const char *name;       /* argv[1] */
	const char *sub;        /* a second word that must follow ("lint" of
	                           "rules lint"), or NULL */
	unsigned flags;         /* CLI_PERMUTE */
	int min_args, max_args; /* arguments after the options, sub included;
	                           max -1: any number, the command checks them */
	/*
	 * argv[0..argc): the arguments after the options; with sub, from the
	 * sub word on (the command parses what follows it).
	 */
	int (*run)(const struct opts *o, int argc, char **argv);
	struct cli_help help[3];        /* more forms, or { NULL } */
};

/* The version the binary was built as (the VERSION file). */
extern const char cli_version[];
/* The git commit it was built from ("abc1234", "abc1234-dirty"), "" when unknown. */
extern const char cli_commit[];

/*
 * The help: the commands' part generated from the command table
 * (cli/main.c), then cli_options_help (cli/opts.c, beside the parser).
 */
void cli_usage(FILE *f);
extern const char cli_options_help[];

/*
 * Parses the options of argv[0..argc) (argv[0] is the command) into o, the
 * defaults first; with CLI_PERMUTE in flags options may follow arguments.
 * -h prints the help and exits 0.  Returns 0, or -1 after a message on
 * stderr.  optind is then the index of the first argument.
 */
int cli_parse_opts(int argc, char **argv, struct opts *o, unsigned flags);

/*
 * flags: CONF_DEMO where the published demo secrets may pass.  serve and
 * check refuse them unless --demo; the tools that serve nothing (route,
 * rules lint, sms, phone, stats, outbox, reload's request) take them, so
 * they work against a `make run` service as they are.  CONF_SECRETS
 * where the secrets file must be read (serve, check, sms); elsewhere an
 * unreadable one is said on stderr and the config loads without it.
 * NULL after every error on stderr as FILE:LINE: message.
 */
struct conf *load_conf(const char *path, unsigned flags);

/* What --demo means, said loudly wherever it is used. */
extern const char demo_warning[];

/*
 * read_only: the reports (stats, outbox listing, route --replay) open the
 * database as it is, never creating, migrating or writing it: the service
 * that owns it, maybe an older aduan, may be running.  -d, else the
 * config's database.  NULL after a message on stderr.
 */
struct store *open_store(const struct opts *o, const struct conf *c, int read_only);

/* The service's base URL: --url, else the config's listen address and port. */
void base_url(const struct opts *o, const struct conf *c, char *url, size_t urlsz);

/* log.level's value as a log level (info when absent or unknown). */
enum log_level level_of(const char *s);

/* --since, else dflt, as a Unix time.  0, or -1 with a message. */
int since_of(const struct opts *o, const char *dflt, int64_t now, int64_t *since);

/*
 * The reports only read: a database that is not there is a mistake (a
 * wrong -d), not a new one to create.  0 there (*path: -d, else the
 * config's), -1 with a message.
 */
int report_db(const struct opts *o, const struct conf *c, const char **path);

/*
 * The reloader behind SIGHUP and POST /admin/reload (cli/reload.c): serve
 * fills path, conf_flags and live, and inits mu.
 */
struct live;
struct http_request;
struct http_response;
struct reloader {
	pthread_mutex_t mu;
	const char *path;
	unsigned conf_flags;    /* CONF_DEMO with serve --demo */
	struct live *live;
	unsigned long reloads, failures;
};

/* 0 reloaded; -1 refused, with the reasons in report (one per line). */
int reload(struct reloader *rl, char *report, size_t reportsz);
/*
 * POST /admin/reload; ctx is the struct reloader.  With this header (the
 * realpath of the file `aduan reload -c` names) the reload is refused with
 * 409 unless it is the file the service serves.
 */
#define RELOAD_CONFIG_HEADER    "X-Aduan-Config"
void admin_reload_handler(void *ctx, const struct http_request *req, struct http_response *res);

/* The commands, one file each (or per family). */
int cmd_serve(const struct opts *o, int argc, char **argv);
int cmd_reload(const struct opts *o, int argc, char **argv);
int cmd_check(const struct opts *o, int argc, char **argv);
int cmd_rules_lint(const struct opts *o, int argc, char **argv);
int cmd_rules_suggest(const struct opts *o, int argc, char **argv);
int cmd_route(const struct opts *o, int argc, char **argv);
int cmd_replay(const struct opts *o);
int cmd_stats(const struct opts *o, int argc, char **argv);
int cmd_sms(const struct opts *o, int argc, char **argv);
int cmd_outbox(const struct opts *o, int argc, char **argv);
int cmd_phone(const struct opts *o, int argc, char **argv);
int cmd_user(const struct opts *o, int argc, char **argv);
int cmd_backup(const struct opts *o, int argc, char **argv);
int cmd_migrate(const struct opts *o, int argc, char **argv);
int cmd_purge(const struct opts *o, int argc, char **argv);
int cmd_hub_check(const struct opts *o, int argc, char **argv);

#endif
