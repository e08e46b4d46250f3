/*
 * cli/check.c: `aduan check`: the configuration loads (every error with
 * its line otherwise) and the router accepts its rules.
 */
#include <stdio.h>

#include "cli/cli.h"
#include "conf/conf.h"
#include "routing/route.h"
#include "store/store.h"

int
cmd_check(const struct opts *o, int argc, char **argv)
{
	struct conf *c = load_conf(o->conf, (o->demo ? CONF_DEMO : 0) | CONF_SECRETS);
	struct route_table *rt;
	const char *db;
	char err[256], shown[1024];

	(void)argc;
	(void)argv;
	if (c == NULL)
		return 1;
	rt = route_build(c, err, sizeof err);
	if (rt == NULL) {
		fprintf(stderr, "%s: %s\n", o->conf, err);
		conf_free(c);
		return 1;
	}
	if (route_note(rt) != NULL)
		fprintf(stderr, "%s: warning: routing: %s\n", o->conf, route_note(rt));
	if (o->demo)
		fprintf(stderr, "aduan: %s\n", demo_warning);
	db = o->database ? o->database : c->database;
	store_db_display(db, shown, sizeof shown);
	if (store_db_check(db, err, sizeof err) != 0) {
		fprintf(stderr, "%s: store.database %s: %s\n", o->conf, shown, err);
		route_free(rt);
		conf_free(c);
		return 1;
	}
	printf("configuration OK: %zu agencies, %zu rules, %zu regions, triage %s\n",
	    c->nagencies, c->nrules, c->nregions, c->agencies[c->triage].id);
	printf("database: %s %s\n", store_db_is_postgres(db) ? "PostgreSQL" : "SQLite file", shown);
	if (c->secrets_path != NULL)
		printf("secrets from %s (not part of the version)\n", c->secrets_path);
	if (c->hub_url != NULL)
		printf("hub %s: %zu categories, %zu agencies forwarded (codes: aduan hub "
		    "check)\n", c->hub_url, c->nhub_categories, c->nhub_agencies);
	route_free(rt);
	conf_free(c);
	return 0;
}
