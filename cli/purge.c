/*
 * cli/purge.c: `aduan purge [--dry-run]`: deletes what the retention
 * settings let go (store/purge.c says what, and what never), a batch per
 * transaction with a pause between, so a serving aduan beside it keeps
 * answering; with --dry-run it opens the database read-only and counts.
 * Like the reports it never migrates: a database of another schema is
 * refused (only serve migrates).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "conf/conf.h"
#include "store/store.h"
#include "util/util.h"

/* Between two batches: the service's writer takes the database meanwhile. */
#define PURGE_PAUSE_MS  50

/* What each kind deletes, said beside its count: "<head> <cutoff><tail>". */
static const struct {
	const char *head, *tail;
} kind_rule[STORE_PURGE_N] = {
	[STORE_PURGE_MESSAGES] = { "received before", ", not part of a ticket's thread" },
	[STORE_PURGE_OUTBOX] = { "delivered before", "; a ticket's SMS and dead rows kept" },
	[STORE_PURGE_USSD] = { "last used before", "" },
	[STORE_PURGE_SESSIONS] = { "ended before", "" },
	[STORE_PURGE_LOGIN_FAILURES] = { "before", "" },
	[STORE_PURGE_PARTNER_KEYS] = { "made before", "" },
};

/* The setting behind each kind, for "kept: retention.X = 0". */
static const char *const kind_setting[STORE_PURGE_N] = {
	[STORE_PURGE_MESSAGES] = "messages_days",
	[STORE_PURGE_OUTBOX] = "outbox_days",
	[STORE_PURGE_USSD] = "sessions_days",
	[STORE_PURGE_SESSIONS] = "sessions_days",
	[STORE_PURGE_LOGIN_FAILURES] = "sessions_days",
	[STORE_PURGE_PARTNER_KEYS] = "messages_days",
};

struct batch {
	enum store_purge_kind kind;
	int64_t before, cursor;
	long n;
};

static int
batch_tx(struct store *s, void *arg)
{
	struct batch *b = arg;

	return (b->n = store_purge_batch(s, b->kind, b->before, &b->cursor)) < 0 ? -1 : 0;
}

static void
nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Deletes every row of kind older than before, batch by batch.  Rows, or -1. */
static long long
purge_kind(struct store *st, enum store_purge_kind kind, int64_t before)
{
	struct batch b = { kind, before, 0, 0 };
	long long total = 0;

	for (;;) {
		if (store_run(st, batch_tx, &b) != 0)
			return -1;
		total += b.n;
		if (b.n == 0)
			return total;
		nap_ms(PURGE_PAUSE_MS);
	}
}

static struct store *
purge_open(const struct opts *o, const struct conf *c)
{
	struct store_options so;
	struct store *st;
	char err[768];

	memset(&so, 0, sizeof so);
	so.sync_full = c->sync_full;
	so.busy_timeout_ms = c->busy_timeout_ms;
	so.read_only = o->dry_run;
	so.no_migrate = 1;
	st = store_open(o->database ? o->database : c->database, &so, err, sizeof err);
	if (st == NULL)
		fprintf(stderr, "aduan: database: %s\n", err);
	return st;
}

int
cmd_purge(const struct opts *o, int argc, char **argv)
{
	struct store_purge_plan plan;
	struct conf *c;
	struct store *st;
	const char *db;
	char when[32];
	struct tm tm;
	time_t t;
	long long n;
	int k, rc = 0;

	(void)argv;
	if (argc != 0)
		return CLI_USAGE;
	if ((c = load_conf(o->conf, CONF_DEMO)) == NULL)
		return 1;
	if (report_db(o, c, &db) != 0 || (st = purge_open(o, c)) == NULL) {
		conf_free(c);
		return 1;
	}
	store_purge_plan(now_unix(), c->retention_messages_days, c->retention_outbox_days,
	    c->retention_sessions_days, &plan);
	printf("database: %s (config %s)%s\n", db, o->conf,
	    o->dry_run ? "; dry run: nothing is deleted" : "");
	for (k = 0; k < STORE_PURGE_N; k++) {
		if (plan.before[k] == 0) {
			printf("%-15s kept: retention.%s = 0\n", store_purge_name(k), kind_setting[k]);
			continue;
		}
		t = (time_t)plan.before[k];
		localtime_r(&t, &tm);
		strftime(when, sizeof when, "%Y-%m-%d %H:%M %z", &tm);
		n = o->dry_run ? store_purge_count(st, k, plan.before[k]) :
		    purge_kind(st, k, plan.before[k]);
		if (n < 0) {
			fprintf(stderr, "aduan: purge %s: %s\n", store_purge_name(k), store_errmsg());
			rc = 1;
			break;
		}
		printf("%-15s %s %lld: %s %s%s\n", store_purge_name(k),
		    o->dry_run ? "would delete" : "deleted", n, kind_rule[k].head, when,
		    kind_rule[k].tail);
	}
	if (rc == 0)
		printf("complaints, their events and every ticket's thread are kept\n");
	store_close(st);
	conf_free(c);
	return rc;
}
