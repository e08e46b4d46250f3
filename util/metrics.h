/*
 * metrics: a small in-process registry rendered in the Prometheus text
 * exposition format 0.0.4 (GET /metrics on the admin listener).
 *
 * Counters and latency histograms are series keyed by a metric name and a
 * preformatted label set, `gateway="kannel",result="ok"`, whose values are
 * escaped (backslash, double quote, newline: metrics_labels() does it).
 * Gauges are not stored: a callback computes them at each scrape
 * (metrics_set_gauge_fn), so they are never stale.
 *
 * Bounded: at most METRICS_MAX_SERIES series.  A sample for a new series
 * beyond that, or with an invalid name, label set or value, is dropped and
 * counted in aduan_metrics_dropped_total; nothing here grows without
 * bound.  Label values must come from bounded sets (a gateway, an agency
 * id, a route's configured path), never from what a request carries.
 *
 * Threads: every function may be called from any thread (one mutex).  The
 * gauge callback runs without that mutex held, so it may take its time
 * (a store query) without holding up the request threads.
 */
#ifndef ADUAN_METRICS_H
#define ADUAN_METRICS_H

#include <stddef.h>

#define METRICS_MAX_SERIES      512
#define METRICS_NAME_MAX        96      /* bytes of a name, NUL included */
#define METRICS_LABELS_MAX      256     /* bytes of a label set, NUL included */
#define METRICS_GAUGES_MAX      512     /* gauge samples per scrape (one per agency
                                           for the overdue tickets) */

/* The histogram's upper bounds in seconds (plus +Inf): 1 ms .. 10 s. */
#define METRICS_NBUCKETS        13
extern const double metrics_buckets[METRICS_NBUCKETS];

/*
 * Adds v (>= 0) to the counter name{labels}, creating it at 0 first; an
 * increment by 0 declares a series so that it shows before its first
 * event.  labels: "" or NULL for none.  0, or -1 when dropped.
 */
int metrics_inc(const char *name, const char *labels, double v);

/*
 * The same with the labels given as key, value pairs ending with NULL:
 * metrics_count("aduan_x_total", 1, "gateway", gw->name, NULL).  Values are
 * escaped here.  0, or -1 when dropped.
 */
int metrics_count(const char *name, double v, ...) __attribute__((sentinel));

/* Records one observation (seconds >= 0) in the histogram name{labels}.  0, -1. */
int metrics_observe(const char *name, const char *labels, double seconds);

/*
 * Writes the label set of the key, value pairs (ending with NULL) into
 * buf: key1="v1",key2="v2", values escaped.  0, or -1 when it did not fit
 * or a key is not a label name (buf is then "", and must not be used).
 */
int metrics_labels(char *buf, size_t bufsz, ...) __attribute__((sentinel));

/* What a gauge callback writes into during a scrape. */
struct metrics_out;

/* Called by the gauge callback: one gauge sample for this scrape. */
void metrics_gauge(struct metrics_out *out, const char *name, const char *labels, double v);

/*
 * Registers the callback that computes the gauges at each scrape (NULL:
 * none).  One per process; the last registration wins.  arg must stay
 * valid until it is replaced.
 */
void metrics_set_gauge_fn(void (*fn)(void *arg, struct metrics_out *out), void *arg);

/*
 * The build, for aduan_build_info{version,commit} 1, and the process's
 * start, now, for aduan_start_time_seconds: called once when the service
 * starts.  commit NULL or "": the version alone.  Both strings must stay
 * valid (string literals, cli_version).  Before any call neither is shown.
 */
void metrics_set_build(const char *version, const char *commit);

/*
 * Every family in the exposition format, each with # HELP and # TYPE,
 * sorted by name and then label set so that two scrapes diff cleanly.
 * Heap text (xmalloc); the caller frees it.
 */
char *metrics_render(void);

/* Forgets every series, the dropped count and the gauge callback (tests). */
void metrics_reset(void);

#endif
