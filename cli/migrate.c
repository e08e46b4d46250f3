/*
 * cli/migrate.c: `aduan migrate --to URI`: the SQLite database copied into
 * an empty PostgreSQL one (store/migrate.c does it; this parses, calls,
 * prints what to do next).
 */
#include <stdio.h>

#include "cli/cli.h"
#include "conf/conf.h"
#include "store/store.h"

int
cmd_migrate(const struct opts *o, int argc, char **argv)
{
	struct store_migrate_info info;
	struct conf *c;
	const char *db;
	char err[1024], shown[512];
	int rc;

	(void)argv;
	if (argc != 0 || o->to == NULL)
		return CLI_USAGE;
	if ((c = load_conf(o->conf, CONF_DEMO)) == NULL)
		return 1;
	db = o->database ? o->database : c->database;
	store_db_display(o->to, shown, sizeof shown);
	rc = store_migrate_to(db, o->to, &info, err, sizeof err);
	if (rc != 0)
		fprintf(stderr, "aduan: migrate %s -> %s: %s\n", db, shown, err);
	else
		printf("copied %s to %s: schema version %d, %d tables, %lld rows "
		    "(%lld complaints), %.2f s\n"
		    "every table's count matches; %lld rows read back and compared: same\n"
		    "next: set store.database = \"%s\" in %s and start the service\n"
		    "(what a service running meanwhile took after the copy began is not in\n"
		    "it: migrate with the service stopped; README \"PostgreSQL\")\n",
		    db, shown, info.schema_version, info.tables, info.rows, info.complaints,
		    info.seconds, info.sampled, shown, o->conf);
	conf_free(c);
	return rc == 0 ? 0 : 1;
}
