/*
 * cli/reload.c: reloading the configuration in force: the reloader that
 * SIGHUP and POST /admin/reload run inside `aduan serve`, and `aduan
 * reload`, which asks a running service through its admin listener.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "conf/conf.h"
#include "conf/live.h"
#include "net/fetch.h"
#include "net/http.h"
#include "routing/route.h"
#include "util/log.h"
#include "util/metrics.h"

/*
 * The settings read only at start (listeners, store, worker counts): a
 * reload that changes one says so, by name, rather than pretend.
 */
enum restart_kind { R_INT, R_LONG, R_STR };
static const struct {
	const char *name;
	size_t off;
	enum restart_kind kind;
} restart_only[] = {
	{ "server.listen", offsetof(struct conf, listen), R_STR },
	{ "server.port", offsetof(struct conf, port), R_INT },
	{ "server.threads", offsetof(struct conf, threads), R_INT },
	{ "server.max_body", offsetof(struct conf, max_body), R_LONG },
	{ "server.connections_per_address", offsetof(struct conf, connections_per_address), R_INT },
	{ "server.idle_timeout", offsetof(struct conf, idle_timeout), R_INT },
	{ "server.trusted_proxies", offsetof(struct conf, trusted_proxies_text), R_STR },
	{ "admin.listen", offsetof(struct conf, admin_listen), R_STR },
	{ "admin.port", offsetof(struct conf, admin_port), R_INT },
	{ "store.database", offsetof(struct conf, database), R_STR },
	{ "store.sync_full", offsetof(struct conf, sync_full), R_INT },
	{ "store.busy_timeout_ms", offsetof(struct conf, busy_timeout_ms), R_INT },
	{ "delivery.workers", offsetof(struct conf, delivery_workers), R_INT },
};

/* The names of the restart-only settings that differ, ", "-separated, in out ("" when none). */
static void
restart_changes(const struct conf *a, const struct conf *b, char *out, size_t outsz)
{
	const char *pa, *pb;
	size_t i, o = 0;
	int same;

	out[0] = '\0';
	for (i = 0; i < sizeof restart_only / sizeof restart_only[0]; i++) {
		pa = (const char *)a + restart_only[i].off;
		pb = (const char *)b + restart_only[i].off;
		switch (restart_only[i].kind) {
		case R_INT:
			same = *(const int *)(const void *)pa == *(const int *)(const void *)pb;
			break;
		case R_LONG:
			same = *(const long *)(const void *)pa == *(const long *)(const void *)pb;
			break;
		default:
			same = strcmp(*(char *const *)(const void *)pa,
			    *(char *const *)(const void *)pb) == 0;
			break;
		}
		if (!same && o < outsz)
			o += (size_t)snprintf(out + o, outsz - o, "%s%s", o ? ", " : "",
			    restart_only[i].name);
	}
}

/*
 * Reload: the new config is read and validated in full, and its routing
 * table built, before anything changes; with any error the old one stays
 * in force and every error is logged with its line.  SIGHUP and POST
 * /admin/reload (`aduan reload`) both come here, one at a time.
 */
int
reload(struct reloader *rl, char *report, size_t reportsz)
{
	struct conf_errors errs;
	struct conf *c;
	struct route_table *rt;
	const struct live_snap *old;
	char err[256], real[PATH_MAX], restart[512];
	const char *shown;
	size_t o = 0;
	int i, rc = -1;

	pthread_mutex_lock(&rl->mu);
	report[0] = '\0';
	memset(&errs, 0, sizeof errs);
	c = conf_load_file(rl->path, rl->conf_flags, &errs);
	if (c == NULL) {
		for (i = 0; i < errs.n; i++) {
			log_error("reload refused: %s:%d: %s", rl->path, errs.e[i].line, errs.e[i].msg);
			if (o < reportsz)
				o += (size_t)snprintf(report + o, reportsz - o, "%s:%d: %s\n", rl->path,
				    errs.e[i].line, errs.e[i].msg);
		}
		goto done;
	}
	if ((rt = route_build(c, err, sizeof err)) == NULL) {
		log_error("reload refused: %s: %s", rl->path, err);
		snprintf(report, reportsz, "%s: %s\n", rl->path, err);
		conf_free(c);
		goto done;
	}
	if (route_note(rt) != NULL)
		log_warnx("routing: %s", route_note(rt));
	old = live_get(rl->live);
	shown = realpath(rl->path, real) != NULL ? real : rl->path;
	restart_changes(old->conf, c, restart, sizeof restart);
	log_info("configuration reloaded: version %s (was %s), %zu agencies, %zu rules",
	    c->hash, old->conf->hash, c->nagencies, c->nrules);
	snprintf(report, reportsz, "reloaded: version %s (was %s), %zu agencies, %zu rules, "
	    "from %s\n", c->hash, old->conf->hash, c->nagencies, c->nrules, shown);
	/* What only a restart changes: say so, on the command's output too. */
	if (restart[0] != '\0') {
		log_warnx("reload: changed but not in effect until a restart: %s", restart);
		o = strlen(report);
		if (o < reportsz)
			snprintf(report + o, reportsz - o,
			    "changed but not in effect until a restart: %s\n", restart);
	}
	live_put(rl->live, old);
	log_set_level(level_of(c->log_level));
	live_swap(rl->live, c, rt);
	rc = 0;
done:
	if (rc == 0)
		rl->reloads++;
	else
		rl->failures++;
	metrics_inc(rc == 0 ? "aduan_config_reloads_total" : "aduan_config_reload_failures_total",
	    "", 1);
	pthread_mutex_unlock(&rl->mu);
	return rc;
}

void
admin_reload_handler(void *ctx, const struct http_request *req, struct http_response *res)
{
	struct reloader *rl = ctx;
	char report[4096], real[PATH_MAX];
	const char *want = http_header(req, RELOAD_CONFIG_HEADER);

	/*
	 * `aduan reload -c FILE` names the file it means; a service serving
	 * another one must not reload its own and answer "reloaded".
	 */
	if (want != NULL && (realpath(rl->path, real) == NULL || strcmp(real, want) != 0)) {
		snprintf(report, sizeof report, "this service serves %s, not %s: nothing reloaded\n",
		    rl->path, want);
		log_warnx("reload refused: asked for %s, the service serves %s", want, rl->path);
		http_respond_text(res, 409, report);
		return;
	}
	if (reload(rl, report, sizeof report) == 0)
		http_respond_text(res, 200, report);
	else
		http_respond_text(res, 422, report);
}

int
cmd_reload(const struct opts *o, int argc, char **argv)
{
	struct conf *c = load_conf(o->conf, CONF_DEMO);
	struct fetch_req rq = { 0 };
	struct fetch_res rs = { 0 };
	char url[128], real[PATH_MAX], hdr[PATH_MAX + 32];
	const char *headers[2] = { hdr, NULL };
	int rc;

	(void)argc;
	(void)argv;
	if (c == NULL)
		return 1;
	if (c->admin_port == 0 && o->admin_port <= 0) {
		fprintf(stderr, "aduan: admin.port is 0 in %s: no admin listener to ask; "
		    "send SIGHUP to the aduan serve process instead\n", o->conf);
		conf_free(c);
		return 1;
	}
	snprintf(url, sizeof url, strchr(c->admin_listen, ':') ? "http://[%s]:%ld/admin/reload" :
	    "http://%s:%ld/admin/reload", c->admin_listen,
	    o->admin_port > 0 ? o->admin_port : (long)c->admin_port);
	conf_free(c);
	if (realpath(o->conf, real) == NULL) {
		fprintf(stderr, "aduan: %s: %s\n", o->conf, strerror(errno));
		return 1;
	}
	snprintf(hdr, sizeof hdr, "%s: %s", RELOAD_CONFIG_HEADER, real);
	fetch_init();
	rq.method = "POST";
	rq.headers = headers;
	rq.url = url;
	rq.body = "";
	rq.timeout_s = 30;
	rc = fetch(&rq, &rs);
	if (rc != 0) {
		fprintf(stderr, "aduan: %s: %s (is aduan serve running?)\n", url, rs.error);
		fetch_res_clear(&rs);
		return 1;
	}
	fputs(rs.body, rs.status == 200 ? stdout : stderr);
	rc = rs.status == 200 ? 0 : 1;
	fetch_res_clear(&rs);
	fetch_cleanup();
	return rc;
}
