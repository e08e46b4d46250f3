/*
 * cli/serve.c: `aduan serve`, the wiring of the service: config and store,
 * delivery workers and the clock, the HTTP routes and the admin listener,
 * the signal loop (SIGHUP reloads, SIGINT and SIGTERM stop), the shutdown.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agency/agency.h"
#include "cli/cli.h"
#include "conf/conf.h"
#include "conf/live.h"
#include "gateway/gateway.h"
#include "intake/intake.h"
#include "net/fetch.h"
#include "net/http.h"
#include "outbox/deliver.h"
#include "routing/route.h"
#include "store/store.h"
#include "util/log.h"
#include "util/metrics.h"
#include "util/util.h"

/*
 * The clock: service-level reminders and automatic closing, and long
 * messages whose parts stopped coming; every 5 seconds.
 */
struct ticker {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stop;
	struct agency_ctx *actx;
	struct intake *ix;
};

static void *
ticker_run(void *arg)
{
	struct ticker *t = arg;
	struct timespec until;

	pthread_mutex_lock(&t->mu);
	while (!t->stop) {
		pthread_mutex_unlock(&t->mu);
		if (agency_sla_tick(t->actx, now_unix()) < 0)
			log_warnx("service levels: %s", store_errmsg());
		if (intake_parts_tick(t->ix, now_unix()) < 0)
			log_warnx("long messages: %s", store_errmsg());
		pthread_mutex_lock(&t->mu);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 5;
		while (!t->stop && pthread_cond_timedwait(&t->cv, &t->mu, &until) == 0)
			;
	}
	pthread_mutex_unlock(&t->mu);
	return NULL;
}

int
cmd_serve(const struct opts *o, int argc, char **argv)
{
	struct conf *c = load_conf(o->conf, o->demo ? CONF_DEMO : 0);
	struct store *st;
	struct route_table *rt;
	struct http_server *srv, *admin = NULL;
	struct http_options ho;
	struct intake ix;
	struct intake_endpoint eps[16];
	size_t i;
	struct agency_ctx actx;
	struct deliver *dv;
	struct ticker tk;
	struct reloader rl;
	struct live *live;
	struct http_route routes[32], aroutes[4];
	size_t nroutes = 0, naroutes = 0;
	const char *db;
	char err[256], report[4096];
	sigset_t set;
	int sig;

	(void)argc;
	(void)argv;
	if (c == NULL)
		return 1;
	/*
	 * Signals go to this thread only: block them before any thread starts
	 * (the store's writer is the first, in open_store), since every thread
	 * inherits the mask of the one that creates it.  A thread that did not
	 * block SIGHUP would take its default action (exit 129) whenever this
	 * one is busy reloading.
	 */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	log_set_level(level_of(c->log_level));
	rt = route_build(c, err, sizeof err);
	if (rt == NULL)
		fatal("%s: %s", o->conf, err);
	db = o->database ? o->database : c->database;
	if ((st = open_store(o, c, 0)) == NULL)
		exit(1);
	/* From here on the config in force lives in `live`; c is the first one. */
	live = live_new(c, rt, route_free);

	if (fetch_init() != 0)
		fatal("cannot start libcurl");
	dv = deliver_start_live(live, st, err, sizeof err);
	if (dv == NULL)
		fatal("delivery: %s", err);
	memset(&actx, 0, sizeof actx);
	actx.conf = c;
	actx.store = st;
	actx.deliver = dv;
	actx.live = live;
	memset(&ix, 0, sizeof ix);
	ix.conf = c;
	ix.rt = rt;
	ix.store = st;
	ix.deliver = dv;
	ix.live = live;
	memset(&rl, 0, sizeof rl);
	pthread_mutex_init(&rl.mu, NULL);
	rl.path = o->conf;
	rl.conf_flags = o->demo ? CONF_DEMO : 0;
	rl.live = live;
	memset(&tk, 0, sizeof tk);
	tk.actx = &actx;
	tk.ix = &ix;
	pthread_mutex_init(&tk.mu, NULL);
	pthread_cond_init(&tk.cv, NULL);
	if (pthread_create(&tk.thread, NULL, ticker_run, &tk) != 0)
		fatal("cannot start the service-level thread");

	/* Every gateway's endpoints; one whose settings are absent answers 404. */
	for (i = 0; gateways[i] != NULL; i++) {
		const struct gateway *gw = gateways[i];

		eps[i].ix = &ix;
		eps[i].gw = gw;
		if (gw->sms_path)
			routes[nroutes++] = (struct http_route){ gw->sms_path, HTTP_GET | HTTP_POST,
			    intake_http_handler, &eps[i] };
		if (gw->ussd_path)
			routes[nroutes++] = (struct http_route){ gw->ussd_path, HTTP_POST,
			    intake_ussd_handler, &eps[i] };
		if (gw->dlr_path)
			routes[nroutes++] = (struct http_route){ gw->dlr_path, HTTP_GET | HTTP_POST,
			    intake_dlr_handler, &eps[i] };
	}
	routes[nroutes++] = (struct http_route){ "/api/v1/", HTTP_GET | HTTP_POST,
	    agency_api_handler, &actx };
	routes[nroutes++] = (struct http_route){ "/open311/v2/", HTTP_GET,
	    agency_open311_handler, &actx };
	routes[nroutes++] = (struct http_route){ "/healthz", HTTP_GET | HTTP_HEAD, intake_health_handler, &ix };
	ho.listen = c->listen;
	ho.port = o->port > 0 ? (int)o->port : c->port;
	ho.threads = c->threads;
	ho.max_body = (size_t)c->max_body;
	http_set_limits((unsigned)c->connections_per_address, (unsigned)c->idle_timeout);
	srv = http_start(&ho, routes, nroutes, err, sizeof err);
	if (srv == NULL)
		fatal("%s", err);
	if (c->admin_port != 0 && (o->port <= 0 || o->admin_port != 0)) {
		/* Counters show from the start, at 0; gauges are read at each scrape. */
		metrics_inc("aduan_config_reloads_total", "", 0);
		metrics_inc("aduan_config_reload_failures_total", "", 0);
		metrics_set_gauge_fn(intake_metrics_gauges, &ix);
		aroutes[naroutes++] = (struct http_route){ "/healthz", HTTP_GET | HTTP_HEAD,
		    intake_health_handler, &ix };
		aroutes[naroutes++] = (struct http_route){ "/metrics", HTTP_GET | HTTP_HEAD,
		    intake_metrics_handler, NULL };
		aroutes[naroutes++] = (struct http_route){ "/admin/reload", HTTP_POST,
		    admin_reload_handler, &rl };
		ho.listen = c->admin_listen;
		ho.port = o->admin_port > 0 ? (int)o->admin_port : c->admin_port;
		ho.threads = 1;
		ho.max_body = 1024;
		admin = http_start(&ho, aroutes, naroutes, err, sizeof err);
		if (admin == NULL)
			fatal("admin listener: %s", err);
	}
	log_info("aduan %s serving on %s port %d: config %s (version %s), database %s, "
	    "%zu agencies, %zu rules", cli_version, c->listen, http_port(srv), o->conf, c->hash,
	    db, c->nagencies, c->nrules);
	if (admin != NULL)
		log_info("admin listener on %s port %d: /healthz, /metrics, POST /admin/reload",
		    c->admin_listen, http_port(admin));
	if (o->demo)
		log_warnx("%s", demo_warning);

	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			log_info("SIGHUP: reloading %s", o->conf);
			(void)reload(&rl, report, sizeof report);
			continue;
		}
		log_info("%s: shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
		break;
	}
	if (admin != NULL)
		http_stop(admin);
	http_stop(srv);
	pthread_mutex_lock(&tk.mu);
	tk.stop = 1;
	pthread_cond_broadcast(&tk.cv);
	pthread_mutex_unlock(&tk.mu);
	pthread_join(tk.thread, NULL);
	deliver_stop(dv);
	fetch_cleanup();
	{
		unsigned long commits, txs;

		store_commit_stats(st, &commits, &txs);
		log_info("store: %lu transactions in %lu commits (group commit)", txs, commits);
	}
	store_close(st);
	live_free(live);
	log_info("stopped");
	return 0;
}
