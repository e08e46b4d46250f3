/*
 * cli/serve.c: `aduan serve`, the wiring of the service, one step per
 * function, in the order they run: signals, config and store, delivery
 * workers and the clock, the HTTP routes (every gateway's endpoints, the
 * agency API, Open311) and the admin listener, the signal loop (SIGHUP
 * reloads, SIGINT and SIGTERM stop), and the shutdown in reverse.
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
#include "ticket/hub.h"
#include "ticket/tick.h"
#include "util/log.h"
#include "util/metrics.h"
#include "util/notify.h"
#include "util/util.h"
#include "web/auth.h"
#include "web/inbox.h"

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

	store_give_way();
	pthread_mutex_lock(&t->mu);
	while (!t->stop) {
		pthread_mutex_unlock(&t->mu);
		if (ticket_sla_tick(t->actx->conf, t->actx->live, t->actx->store, t->actx->deliver,
		    now_unix()) < 0)
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

/* The routes one gateway may have: SMS, USSD, delivery reports. */
#define ROUTES_PER_GATEWAY 3
/* The other routes of the service's listener: agency API, Open311, /healthz. */
#define OTHER_ROUTES 3
/* The web inbox's: /inbox and everything below it. */
#define INBOX_ROUTES 2

/* What serve starts, held until it stops. */
struct serve {
	const struct opts *o;
	struct conf *c;                 /* the first config; `live` has the one in force */
	struct store *st;
	struct live *live;
	struct deliver *dv;
	struct agency_ctx actx;
	struct inbox_ctx inbox;
	struct intake ix;
	struct reloader rl;
	struct ticker tk;
	struct ticket_hub *hub;         /* following the hub's status (ticket/hub.h) */
	struct intake_endpoint *eps;    /* one per gateway, the handlers' ctx */
	struct http_server *srv, *admin;
};

/*
 * Signals go to the calling thread only: block them before any thread
 * starts (the store's writer is the first, in open_store), since every
 * thread inherits the mask of the one that creates it.  A thread that did
 * not block SIGHUP would take its default action (exit 129) whenever this
 * one is busy reloading.
 */
static void
block_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* The routing table, the store and `live`, from s->c.  0, or -1 with a message. */
static int
open_config_store(struct serve *s)
{
	struct route_table *rt;
	char err[256];

	log_set_level(level_of(s->c->log_level));
	rt = route_build(s->c, err, sizeof err);
	if (rt == NULL)
		fatal("%s: %s", s->o->conf, err);
	if (route_note(rt) != NULL)
		log_warnx("routing: %s", route_note(rt));
	if ((s->st = open_store(s->o, s->c, 0)) == NULL) {
		route_free(rt);
		return -1;
	}
	/* From here on the config in force lives in `live`; c is the first one. */
	s->live = live_new(s->c, rt, route_free);
	s->ix.rt = rt;
	return 0;
}

/* Delivery workers, the contexts of the handlers, the reloader, the clock. */
static void
start_workers(struct serve *s)
{
	char err[256];

	if (fetch_init() != 0)
		fatal("cannot start libcurl");
	s->dv = deliver_start_live(s->live, s->st, err, sizeof err);
	if (s->dv == NULL)
		fatal("delivery: %s", err);
	s->actx.conf = s->c;
	s->actx.store = s->st;
	s->actx.deliver = s->dv;
	s->actx.live = s->live;
	s->ix.conf = s->c;
	s->ix.store = s->st;
	s->ix.deliver = s->dv;
	s->ix.live = s->live;
	intake_start(&s->ix);
	pthread_mutex_init(&s->rl.mu, NULL);
	s->rl.path = s->o->conf;
	s->rl.conf_flags = (s->o->demo ? CONF_DEMO : 0) | CONF_SECRETS;
	s->rl.live = s->live;
	s->tk.actx = &s->actx;
	s->tk.ix = &s->ix;
	pthread_mutex_init(&s->tk.mu, NULL);
	pthread_cond_init(&s->tk.cv, NULL);
	if (pthread_create(&s->tk.thread, NULL, ticker_run, &s->tk) != 0)
		fatal("cannot start the service-level thread");
	/* Idle while the config names no hub; a reload that adds one starts it. */
	if ((s->hub = ticket_hub_start(s->live, s->st, s->dv)) == NULL)
		fatal("cannot start the hub thread");
}

static void
add_route(struct http_route *routes, size_t *n, size_t max, struct http_route r)
{
	if (*n >= max)
		fatal("serve: more routes than the %zu counted", max);
	routes[(*n)++] = r;
}

/*
 * The service's listener: every gateway's endpoints (one whose settings
 * are absent answers 404), the agency API, Open311, /healthz.  The route
 * list is sized from the gateway table (http_start copies it).
 */
static void
start_listener(struct serve *s)
{
	struct http_options ho;
	struct http_route *routes;
	size_t i, ngw, n = 0, max;
	char err[256];

	for (ngw = 0; gateways[ngw] != NULL; ngw++)
		;
	max = ngw * ROUTES_PER_GATEWAY + OTHER_ROUTES + INBOX_ROUTES;
	routes = xcalloc(max, sizeof *routes);
	s->eps = xcalloc(ngw ? ngw : 1, sizeof *s->eps);
	for (i = 0; i < ngw; i++) {
		const struct gateway *gw = gateways[i];

		s->eps[i].ix = &s->ix;
		s->eps[i].gw = gw;
		if (gw->sms_path)
			add_route(routes, &n, max, (struct http_route){ gw->sms_path,
			    HTTP_GET | HTTP_POST, intake_http_handler, &s->eps[i] });
		if (gw->ussd_path)
			add_route(routes, &n, max, (struct http_route){ gw->ussd_path, HTTP_POST,
			    intake_ussd_handler, &s->eps[i] });
		if (gw->dlr_path)
			add_route(routes, &n, max, (struct http_route){ gw->dlr_path,
			    HTTP_GET | HTTP_POST, intake_dlr_handler, &s->eps[i] });
	}
	add_route(routes, &n, max, (struct http_route){ "/api/v1/", HTTP_GET | HTTP_POST,
	    agency_api_handler, &s->actx });
	add_route(routes, &n, max, (struct http_route){ "/open311/v2/", HTTP_GET | HTTP_POST,
	    agency_open311_handler, &s->actx });
	add_route(routes, &n, max, (struct http_route){ "/healthz", HTTP_GET | HTTP_HEAD,
	    intake_health_handler, &s->ix });

	/* ---- the web inbox (web/inbox.h): staff pages under /inbox ---- */
	s->inbox.conf = s->c;
	s->inbox.store = s->st;
	s->inbox.deliver = s->dv;
	s->inbox.live = s->live;
	add_route(routes, &n, max, (struct http_route){ "/inbox", HTTP_GET | HTTP_POST,
	    inbox_handler, &s->inbox });
	add_route(routes, &n, max, (struct http_route){ "/inbox/", HTTP_GET | HTTP_POST,
	    inbox_handler, &s->inbox });
	/* ---- end of the web inbox ---- */

	ho.listen = s->c->listen;
	ho.port = s->o->port > 0 ? (int)s->o->port : s->c->port;
	ho.threads = s->c->threads;
	ho.max_body = (size_t)s->c->max_body;
	http_set_limits((unsigned)s->c->connections_per_address, (unsigned)s->c->idle_timeout);
	http_set_trusted_proxies(s->c->trusted_proxies, s->c->ntrusted_proxies);
	s->srv = http_start(&ho, routes, n, err, sizeof err);
	free(routes);
	if (s->srv == NULL)
		fatal("%s", err);
}

/*
 * The admin listener (loopback): /healthz, /metrics, POST /admin/reload;
 * none when admin.port is 0, or with -p and without --admin-port.
 */
static void
start_admin(struct serve *s)
{
	const struct http_route routes[] = {
		{ "/healthz", HTTP_GET | HTTP_HEAD, intake_health_handler, &s->ix },
		{ "/metrics", HTTP_GET | HTTP_HEAD, intake_metrics_handler, NULL },
		{ "/admin/reload", HTTP_POST, admin_reload_handler, &s->rl },
	};
	struct http_options ho;
	char err[256];

	if (s->c->admin_port == 0 || (s->o->port > 0 && s->o->admin_port == 0))
		return;
	/* Counters show from the start, at 0; gauges are read at each scrape. */
	metrics_inc("aduan_config_reloads_total", "", 0);
	metrics_inc("aduan_config_reload_failures_total", "", 0);
	metrics_set_gauge_fn(intake_metrics_gauges, &s->ix);
	metrics_set_build(cli_version, cli_commit);
	ho.listen = s->c->admin_listen;
	ho.port = s->o->admin_port > 0 ? (int)s->o->admin_port : s->c->admin_port;
	ho.threads = 1;
	ho.max_body = 1024;
	s->admin = http_start(&ho, routes, ARRAY_LEN(routes), err, sizeof err);
	if (s->admin == NULL)
		fatal("admin listener: %s", err);
}

/* Until SIGINT or SIGTERM; SIGHUP reloads the config. */
static void
wait_signals(struct serve *s, const sigset_t *set)
{
	char report[4096];
	int sig;

	for (;;) {
		if (sigwait(set, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			log_info("SIGHUP: reloading %s", s->o->conf);
			(void)notify_send("RELOADING=1");
			(void)reload(&s->rl, report, sizeof report);
			(void)notify_send("READY=1");
			continue;
		}
		log_info("%s: shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
		(void)notify_send("STOPPING=1");
		break;
	}
}

/* In the reverse order of the start. */
static void
stop_all(struct serve *s)
{
	unsigned long commits, txs;

	if (s->admin != NULL)
		http_stop(s->admin);
	http_stop(s->srv);
	intake_stop(&s->ix);          /* no request runs any more */
	pthread_mutex_lock(&s->tk.mu);
	s->tk.stop = 1;
	pthread_cond_broadcast(&s->tk.cv);
	pthread_mutex_unlock(&s->tk.mu);
	pthread_join(s->tk.thread, NULL);
	ticket_hub_stop(s->hub);
	deliver_stop(s->dv);
	fetch_cleanup();
	store_commit_stats(s->st, &commits, &txs);
	log_info("store: %lu transactions in %lu commits (group commit)", txs, commits);
	store_close(s->st);
	live_free(s->live);
	free(s->eps);
	log_info("stopped");
}

int
cmd_serve(const struct opts *o, int argc, char **argv)
{
	struct serve s;
	sigset_t set;
	char dbname[1024];

	(void)argc;
	(void)argv;
	memset(&s, 0, sizeof s);
	s.o = o;
	if ((s.c = load_conf(o->conf, (o->demo ? CONF_DEMO : 0) | CONF_SECRETS)) == NULL)
		return 1;
	block_signals(&set);
	if (open_config_store(&s) != 0) {
		conf_free(s.c);
		return 1;
	}
	/* The web inbox's demo accounts, one per agency (web/auth.h): --demo only. */
	if (o->demo && auth_demo_accounts(s.c, s.st, now_unix()) < 0)
		log_warnx("demo accounts not made: %s", store_errmsg());
	start_workers(&s);
	start_listener(&s);
	start_admin(&s);
	store_db_display(o->database ? o->database : s.c->database, dbname, sizeof dbname);
	log_info("aduan %s%s%s serving on %s port %d: config %s (version %s), database %s, "
	    "%zu agencies, %zu rules", cli_version, cli_commit[0] ? " commit " : "", cli_commit,
	    s.c->listen, http_port(s.srv), o->conf, s.c->hash, dbname, s.c->nagencies,
	    s.c->nrules);
	if (s.admin != NULL)
		log_info("admin listener on %s port %d: /healthz, /metrics, POST /admin/reload",
		    s.c->admin_listen, http_port(s.admin));
	if (o->demo)
		log_warnx("%s", demo_warning);
	/*
	 * Type=notify (dist/aduan.service): started once the store is open and
	 * both listeners accept; systemd starts what waits on it only now.
	 */
	(void)notify_send("READY=1");
	wait_signals(&s, &set);
	stop_all(&s);
	return 0;
}
