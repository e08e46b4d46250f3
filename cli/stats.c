/*
 * cli/stats.c: `aduan stats`: what flows, read from the database
 * (ops/stats.c computes and prints).
 */
#include <stdio.h>

#include "cli/cli.h"
#include "conf/conf.h"
#include "ops/stats.h"
#include "store/store.h"
#include "util/util.h"

int
cmd_stats(const struct opts *o, int argc, char **argv)
{
	struct conf *c;
	struct store *st;
	struct stats s;
	const char *db;
	int64_t now = now_unix(), since;
	int rc = 0;

	(void)argc;
	(void)argv;
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
