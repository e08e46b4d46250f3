/*
 * cli/outbox.c: `aduan outbox`: the rows waiting to leave (or dead),
 * and `aduan outbox retry ID`.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "conf/conf.h"
#include "store/store.h"
#include "util/log.h"
#include "util/util.h"

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

int
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
