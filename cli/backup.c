/*
 * cli/backup.c: `aduan backup DEST`: a consistent copy of the live
 * database (store/backup.c does it; this parses, calls, prints).
 */
#include <stdio.h>

#include "cli/cli.h"
#include "conf/conf.h"
#include "store/store.h"

int
cmd_backup(const struct opts *o, int argc, char **argv)
{
	struct store_backup_info info;
	struct conf *c;
	const char *db;
	char err[512];
	int rc;

	if (argc != 1)
		return CLI_USAGE;
	if ((c = load_conf(o->conf, CONF_DEMO)) == NULL)
		return 1;
	db = o->database ? o->database : c->database;
	rc = store_backup(db, argv[0], &info, err, sizeof err);
	if (rc != 0)
		fprintf(stderr, "aduan: backup: %s\n", err);
	else
		printf("backup of %s written to %s: %lld bytes, schema version %d, "
		    "%lld complaints, %.2f s; integrity check ok\n",
		    db, argv[0], info.bytes, info.schema_version, info.complaints, info.seconds);
	conf_free(c);
	return rc == 0 ? 0 : 1;
}
