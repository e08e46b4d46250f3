/*
 * aduan: main() and the command table.  Every command is one row of
 * commands[]: its name, how its options parse, how many arguments it
 * takes, the function that runs it and its lines of --help, which
 * cli_usage() writes from the table.  The commands themselves are in the
 * other files of cli/; the option parser and the shared helpers in opts.c.
 *
 * The only file that sees ADUAN_VERSION and ADUAN_COMMIT (the VERSION file
 * and the git commit, given by the Makefile): a new version or commit
 * recompiles this file alone.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "util/util.h"

#ifndef ADUAN_VERSION
#define ADUAN_VERSION "dev"
#endif
#ifndef ADUAN_COMMIT
#define ADUAN_COMMIT ""
#endif

const char cli_version[] = ADUAN_VERSION;
const char cli_commit[] = ADUAN_COMMIT;

static const char usage_head[] =
"usage: aduan COMMAND [OPTIONS] [ARGS]\n"
"\n"
"Aduan takes citizens' complaints by SMS or a USSD menu through a gateway\n"
"(Kannel, Africa's Talking, Twilio, Vonage, Infobip, or any JSON caller),\n"
"routes them by keyword to the responsible agency, stores them, replies with\n"
"a ticket number, and carries the agency's updates back to the citizen.\n"
"\n"
"commands:\n";

/* In the order of --help. */
static const struct cli_cmd commands[] = {
	{ "serve", NULL, CLI_PERMUTE, 0, 0, cmd_serve, {
	    { "[-c FILE] [-p PORT] [-d DATABASE] [--admin-port PORT] [--demo]",
"        run the service on the configured address; logs go to stderr;\n"
"        SIGHUP reloads the config (kept as it is when the new one has an\n"
"        error); SIGINT or SIGTERM stops it cleanly\n" } } },
	{ "reload", NULL, CLI_PERMUTE, 0, 0, cmd_reload, {
	    { "[-c FILE] [--admin-port PORT]",
"        ask the running service to reload its config (through the admin\n"
"        listener on loopback); prints what it did or why it refused\n" } } },
	{ "check", NULL, CLI_PERMUTE, 0, 0, cmd_check, {
	    { "[-c FILE] [--demo]",
"        validate the configuration: every error with its line number, exit 1;\n"
"        \"configuration OK\" and exit 0\n" } } },
	{ "rules", "lint", 0, 1, -1, cmd_rules_lint, {
	    { "[-c FILE]",
"        what check lets through but an operator should look at: words one\n"
"        letter apart, phrases, unused agencies, regions without regional\n"
"        agencies; FILE:LINE: warning|note: ...; exit 0 no warnings, 1\n"
"        warnings, 2 the config does not load\n" } } },
	{ "rules", "suggest", 0, 1, -1, cmd_rules_suggest, {
	    { "[-c FILE] [-d DATABASE] [--since 90d] [--min N]",
"        learn from triage: words of the complaints the router sent to triage\n"
"        and a person moved to an agency (seen in N texts, default 2), each\n"
"        checked by replay: how many of those texts it would have routed,\n"
"        how many routed ones it would move; prints aliases lines to paste,\n"
"        best first, and the words left out and why; reads only\n" } } },
	{ "route", NULL, 0, 0, -1, cmd_route, {
	    { "[-c FILE] TEXT",
"        dry run: which agency TEXT would go to, by which rule and word, exact,\n"
"        stem or typo, which region; or why it goes to triage\n" },
	    { "--replay -c NEW.conf [-d DATABASE] [--since 30d] [--examples N]",
"        what NEW.conf would change: the stored complaints routed again by\n"
"        it, how many would go to another agency, from which to which, with\n"
"        examples; the database is -d, else NEW.conf's; reads only\n" },
	    { "--corpus FILE [-c FILE]",
"        measure the rules on a labelled corpus (lines agency-id<TAB>text,\n"
"        'triage' for texts no agency should get; conf/corpus.tsv): per\n"
"        agency right / wrong agency / triage, a confusion table, every miss\n"
"        with the rule and word that decided; exit 2 on a bad line\n" } } },
	{ "stats", NULL, 0, 0, 0, cmd_stats, {
	    { "[-c FILE] [-d DATABASE] [--since 7d]",
"        complaints per agency, keyword and channel; the triage share; the\n"
"        median time to an agency's first response; what is overdue; words\n"
"        of triage messages no rule knows (candidate keywords); reads only\n" } } },
	{ "sms", NULL, 0, 2, 2, cmd_sms, {
	    { "[-c FILE] [--url URL] [--id ID] [--to CODE] FROM TEXT",
"        send TEXT from phone number FROM to a running service the way Kannel\n"
"        would, and print the reply the phone would get; reuse --id to see\n"
"        what a gateway retry gets\n" } } },
	{ "backup", NULL, CLI_PERMUTE, 1, 1, cmd_backup, {
	    { "DEST [-c FILE] [-d DATABASE]",
"        a consistent copy of the database, taken while the service runs\n"
"        (SQLite's online backup API: cp would miss what is in the -wal\n"
"        file), checked with an integrity check; DEST must not exist; see\n"
"        README \"Backup and restore\"\n" } } },
	{ "migrate", NULL, CLI_PERMUTE, 0, 0, cmd_migrate, {
	    { "--to URI [-c FILE] [-d DATABASE]",
"        copy the SQLite database into an empty PostgreSQL one (URI:\n"
"        postgresql://USER@HOST/DB): every table, in one transaction that\n"
"        compares the counts and a sample of rows before it commits; refuses\n"
"        a target with rows; run it with the service stopped; see README\n"
"        \"PostgreSQL\"\n" } } },
	{ "purge", NULL, CLI_PERMUTE, 0, 0, cmd_purge, {
	    { "[--dry-run] [-c FILE] [-d DATABASE]",
"        delete what the retention settings let go: inbound messages outside\n"
"        a ticket's thread, delivered outbox rows, old sessions and failed\n"
"        logins; never a complaint nor its history; per table the rows and\n"
"        the cutoff; in small transactions, beside a running service;\n"
"        --dry-run only counts (reads only); see README \"Retention\"\n" } } },
	{ "outbox", NULL, CLI_PERMUTE, 0, -1, cmd_outbox, {
	    { "[-c FILE] [-d DATABASE] [--dead]",
"        list what waits to leave Aduan (webhooks, SMS), or the dead rows\n" },
	    { "retry ID [-c FILE] [-d DATABASE]",
"        put a dead row back in the queue; a running service sends it\n" } } },
	{ "user", NULL, CLI_PERMUTE, 1, 2, cmd_user, {
	    { "add LOGIN --agency ID [--role staff|supervisor] [--name \"FULL NAME\"]\n"
	      "             [-c FILE] [-d DATABASE]",
"        a staff account of the web inbox, in an agency of the config; the\n"
"        password is one line on stdin (asked twice, unechoed, on a\n"
"        terminal): 10 characters at least, not the login\n" },
	    { "passwd|disable|enable LOGIN | user list [-c FILE] [-d DATABASE]",
"        passwd: a new password (read as for add), ends the account's\n"
"        sessions; disable: no more logins, ends its sessions; enable: undoes\n"
"        it; list: login, agency, role, name, disabled, created (no hashes)\n" } } },
	{ "hub", "check", CLI_PERMUTE, 1, 1, cmd_hub_check, {
	    { "[-c FILE]",
"        the categories forwarded to the hub (the config's hub group) and their\n"
"        hub service codes, checked against the hub's services.json; exit 1\n"
"        when the hub lacks one\n" } } },
	{ "phone", NULL, 0, 0, 0, cmd_phone, {
	    { "--ussd CODE [-c FILE] [--url URL] [--from NUMBER] [--session ID]",
"        a feature phone in the terminal: dial CODE (*123#, or *123*1# to\n"
"        dial through) on a running service, as Africa's Talking would; type\n"
"        each answer and Enter; Ctrl-D drops the call\n" } } },
};

void
cli_usage(FILE *f)
{
	size_t i, j;

	fputs(usage_head, f);
	for (i = 0; i < ARRAY_LEN(commands); i++) {
		const struct cli_cmd *cmd = &commands[i];

		for (j = 0; j < ARRAY_LEN(cmd->help) && cmd->help[j].synopsis != NULL; j++)
			fprintf(f, "  %s%s%s %s\n%s", cmd->name, cmd->sub ? " " : "",
			    cmd->sub ? cmd->sub : "", cmd->help[j].synopsis, cmd->help[j].text);
	}
	fputs(cli_options_help, f);
}

static const struct cli_cmd *
find_cmd(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(commands); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

/*
 * A command of several rows ("rules lint", "rules suggest"): the row whose
 * sub word is argv[0], else cmd itself.
 */
static const struct cli_cmd *
find_sub(const struct cli_cmd *cmd, int argc, char **argv)
{
	size_t i;

	for (i = 0; cmd->sub != NULL && argc > 0 && i < ARRAY_LEN(commands); i++)
		if (strcmp(commands[i].name, cmd->name) == 0 && commands[i].sub != NULL &&
		    strcmp(commands[i].sub, argv[0]) == 0)
			return &commands[i];
	return cmd;
}

/* Whether argv[0..argc), what follows the options, is for cmd. */
static int
args_fit(const struct cli_cmd *cmd, int argc, char **argv)
{
	if (argc < cmd->min_args || (cmd->max_args >= 0 && argc > cmd->max_args))
		return 0;
	return cmd->sub == NULL || strcmp(argv[0], cmd->sub) == 0;
}

int
main(int argc, char **argv)
{
	struct opts o;
	const struct cli_cmd *cmd;
	const char *name;
	int rc;

	if (argc < 2) {
		cli_usage(stderr);
		return 2;
	}
	name = argv[1];
	/*
	 * Service levels count working days in local time.  Without TZ,
	 * glibc reads /etc/localtime's status again on every mktime()
	 * (perf: 5% of an SMS); named once, the zone is read once.  Change
	 * the system's zone, restart Aduan.
	 */
	if (getenv("TZ") == NULL)
		(void)setenv("TZ", ":/etc/localtime", 1);
	tzset();
	if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0 || strcmp(name, "help") == 0) {
		cli_usage(stdout);
		return 0;
	}
	if (strcmp(name, "-V") == 0 || strcmp(name, "--version") == 0) {
		/* "aduan 0.2.0 (commit abc1234)"; the release alone when built without one. */
		if (cli_commit[0] != '\0')
			printf("aduan %s (commit %s)\n", cli_version, cli_commit);
		else
			printf("aduan %s\n", cli_version);
		return 0;
	}
	/* An unknown command's options are parsed too: -h answers there as well. */
	cmd = find_cmd(name);
	if (cli_parse_opts(argc - 1, argv + 1, &o, cmd ? cmd->flags : 0) != 0)
		return 2;
	argc -= 1 + optind;
	argv += 1 + optind;
	if (cmd != NULL)
		cmd = find_sub(cmd, argc, argv);
	rc = cmd != NULL && args_fit(cmd, argc, argv) ? cmd->run(&o, argc, argv) : CLI_USAGE;
	if (rc != CLI_USAGE)
		return rc;
	fprintf(stderr, "aduan: unknown command or wrong arguments: %s\n", name);
	cli_usage(stderr);
	return 2;
}
