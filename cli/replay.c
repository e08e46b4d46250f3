/*
 * cli/replay.c: `aduan route --replay`: what a candidate config would
 * change, the stored complaints routed again by it (routing/replay.c).
 */
#include <stdio.h>
#include <time.h>

#include "cli/cli.h"
#include "conf/conf.h"
#include "routing/replay.h"
#include "routing/route.h"
#include "store/store.h"
#include "util/util.h"

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
int
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
