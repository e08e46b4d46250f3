/*
 * cli/suggest.c: `aduan rules suggest`, aliases learnt from what triage
 * routed by hand, each with its evidence by replay (routing/suggest.c).
 * Reads only: the database is opened as the reports open it.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "conf/conf.h"
#include "routing/replay.h"
#include "routing/route.h"
#include "routing/suggest.h"
#include "store/store.h"
#include "util/util.h"

#define SUGGEST_USAGE "usage: aduan rules suggest [-c FILE] [-d DATABASE] [--since 90d] [--min N]"

/*
 * aduan rules suggest: argv[0] is "suggest"; -c, -d and --since may come
 * before "rules suggest" (already in o) or after it.  Exit 0 (with or
 * without suggestions), 1 for the store, 2 for the config or a usage error.
 */
int
cmd_rules_suggest(const struct opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "database", required_argument, NULL, 'd' },
		{ "since", required_argument, NULL, 'S' },
		{ "min", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts so = *o;
	struct conf *c;
	struct route_table *rt;
	struct store *st;
	struct suggest *sg;
	const char *db, *min_arg = NULL;
	char err[256], when[64];
	int64_t since;
	long min = SUGGEST_MIN_TEXTS;
	time_t t;
	struct tm tm;
	int ch, rc = 0;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+c:d:h", longopts, NULL)) != -1) {
		if (ch == 'c')
			so.conf = optarg;
		else if (ch == 'd')
			so.database = optarg;
		else if (ch == 'S')
			so.since = optarg;
		else if (ch == 'M')
			min_arg = optarg;
		else if (ch == 'h') {
			cli_usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "aduan: rules suggest: unknown option or missing argument; "
			    SUGGEST_USAGE "\n");
			return 2;
		}
	}
	opterr = 1;
	if (optind != argc) {
		fprintf(stderr, "aduan: rules suggest: unexpected argument '%s'; " SUGGEST_USAGE
		    "\n", argv[optind]);
		return 2;
	}
	if (min_arg != NULL && str_to_long(min_arg, 1, 1000000, &min) != 0) {
		fprintf(stderr, "aduan: --min %s: not a number of texts (1..1000000)\n", min_arg);
		return 2;
	}
	if (since_of(&so, "90d", now_unix(), &since) != 0)
		return 2;
	if ((c = load_conf(so.conf, CONF_DEMO)) == NULL)
		return 2;
	if ((rt = route_build(c, err, sizeof err)) == NULL) {
		fprintf(stderr, "%s: %s\n", so.conf, err);
		conf_free(c);
		return 2;
	}
	if (report_db(&so, c, &db) != 0 || (st = open_store(&so, c, 1)) == NULL) {
		route_free(rt);
		conf_free(c);
		return 1;
	}
	sg = suggest_new(c, rt, min);
	if (suggest_store(sg, st, since, REPLAY_ROWS_MAX) != 0) {
		fprintf(stderr, "aduan: %s\n", store_errmsg());
		rc = 1;
	} else if (suggest_run(sg, err, sizeof err) != 0) {
		fprintf(stderr, "%s: %s\n", so.conf, err);
		rc = 2;
	} else {
		t = (time_t)since;
		localtime_r(&t, &tm);
		strftime(when, sizeof when, "%Y-%m-%d %H:%M %Z", &tm);
		printf("# aduan rules suggest: %s (version %s), database %s, since %s\n", so.conf,
		    c->hash, db, when);
		printf("# %ld complaint%s the router sent to triage and a person moved to an "
		    "agency; %ld routed by a rule; words seen in %ld text%s or more\n",
		    suggest_hand_routed(sg), suggest_hand_routed(sg) == 1 ? "" : "s",
		    suggest_routed(sg), min, min == 1 ? "" : "s");
		printf("# nothing changes until the config is edited (then aduan check, aduan "
		    "route --replay, reload)\n");
		suggest_print(sg, stdout);
	}
	suggest_free(sg);
	store_close(st);
	route_free(rt);
	conf_free(c);
	return rc;
}
