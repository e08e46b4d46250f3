/*
 * metrics: the registry behind GET /metrics.  A fixed table of series
 * (METRICS_MAX_SERIES), found through an open-addressing hash of name and
 * label set, under one mutex: an update is a hash, a compare and an add.
 * Rendering sorts the series with the scrape's gauges and writes the text
 * exposition format 0.0.4; the families Aduan exposes are described in
 * `helps` below, in one place.
 */
#include "util/metrics.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/log.h"
#include "util/util.h"

#define NSLOTS  (METRICS_MAX_SERIES * 2)        /* the hash is at most half full */
#define DROPPED "aduan_metrics_dropped_total"

enum kind { K_COUNTER, K_GAUGE, K_HISTOGRAM };

static const char *const kind_names[] = { "counter", "gauge", "histogram" };

struct series {
	char name[METRICS_NAME_MAX];
	char labels[METRICS_LABELS_MAX];
	enum kind kind;
	double value;                           /* counter */
	uint64_t bucket[METRICS_NBUCKETS];      /* histogram: per bucket, not cumulative */
	uint64_t count;
	double sum;
};

struct gauge {
	char name[METRICS_NAME_MAX];
	char labels[METRICS_LABELS_MAX];
	double value;
};

struct metrics_out {
	struct gauge g[METRICS_GAUGES_MAX];
	size_t n;
	unsigned long dropped;
};

/* One line of output to be: a series, a gauge of this scrape, or the dropped count. */
struct item {
	const char *name;
	const char *labels;
	enum kind kind;
	const struct series *s;                 /* NULL: value holds it */
	double value;
	int skip;                               /* not rendered (a conflicting gauge) */
};

struct text {
	char *p;
	size_t len;
	size_t cap;
};

const double metrics_buckets[METRICS_NBUCKETS] = {
	0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
};

/* What Aduan exposes.  A family not listed here still gets a HELP line. */
static const struct {
	const char *name;
	const char *help;
} helps[] = {
	{ "aduan_callbacks_total", "Gateway callbacks answered, by gateway, endpoint (sms, "
	    "ussd, dlr) and result (ok, retry_replayed, refused_<4xx status>, unavailable_503)." },
	{ "aduan_complaints_created_total", "Complaints stored (counted after the commit), by "
	    "agency and channel (sms, ussd, open311)." },
	{ "aduan_replies_sent_total", "Inline SMS replies with a non-empty body given to the "
	    "gateway in the HTTP answer, by gateway." },
	{ "aduan_outbox_rows", "Outbox rows by state (pending, sending, sent, dead), read from "
	    "the store at scrape time." },
	{ "aduan_delivery_attempts_total", "Outbox delivery attempts by kind (sms, webhook, email, "
	    "hub) and outcome (sent, retry, dead)." },
	{ "aduan_config_reloads_total", "Configuration reloads that took effect (SIGHUP or POST "
	    "/admin/reload)." },
	{ "aduan_config_reload_failures_total", "Configuration reloads refused; the configuration "
	    "in force stayed." },
	{ "aduan_guard_total", "Messages the flood and loop guard acted on, by action (blocked, "
	    "loop, duplicate, complaint_limit, complaint_limit_silent, reply_cap, "
	    "reply_cap_silent) and channel (sms, ussd)." },
	{ "aduan_http_request_duration_seconds", "HTTP request latency, from the request's "
	    "arrival to its answer, by the route's configured path (\"other\": no route)." },
	{ "aduan_http_connections_refused_total", "Connections refused on accept: the limit "
	    "of connections per client address (server.connections_per_address) was reached." },
	{ "aduan_build_info", "Always 1; the labels say which build runs (version, and the git "
	    "commit when the build knows it)." },
	{ "aduan_start_time_seconds", "When the service started, Unix time in seconds." },
	{ "aduan_config_info", "Always 1; version is the version (hash) of the configuration "
	    "in force, the one complaints are stamped with; changes with a reload." },
	{ "aduan_database_bytes", "Size of the database file in bytes." },
	{ "aduan_database_wal_bytes", "Size of the database's write-ahead log (-wal) in bytes; "
	    "grows while a reader (a backup) holds a snapshot, shrinks at checkpoints." },
	{ "aduan_database_filesystem_avail_bytes", "Bytes free for the service on the "
	    "database's filesystem (statvfs f_bavail)." },
	{ "aduan_database_filesystem_size_bytes", "Size of the database's filesystem in bytes." },
	{ "aduan_outbox_oldest_pending_age_seconds", "Seconds the oldest undelivered outbox row "
	    "(pending or sending) has been due; 0 when none." },
	{ "aduan_tickets_overdue", "Open tickets past their service-level due date (received "
	    "and not routed in time; routed or reopened without a follow-up in time), by agency; "
	    "every configured agency has a sample." },
	{ "aduan_last_inbound_message_time_seconds", "When the newest inbound SMS or USSD "
	    "request stored arrived, Unix time in seconds; 0 when none." },
	{ DROPPED, "Metric samples dropped: the series table was full (512 series), or a name, "
	    "label set or value was invalid." },
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct series series[METRICS_MAX_SERIES];
static size_t nseries;
static uint16_t slots[NSLOTS];                  /* index into series + 1; 0: empty */
static unsigned long dropped;
static void (*gauge_fn)(void *arg, struct metrics_out *out);
static void *gauge_arg;
static const char *build_version;               /* metrics_set_build; NULL: not set */
static const char *build_commit;
static double start_time;

static int
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* A metric name: [a-zA-Z_:][a-zA-Z0-9_:]*, within METRICS_NAME_MAX. */
static int
name_ok(const char *s)
{
	size_t i;

	if (s == NULL || *s == '\0')
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (!is_alpha(s[i]) && s[i] != ':' && !(i > 0 && is_digit(s[i])))
			return 0;
	return i < METRICS_NAME_MAX;
}

/* A label name: [a-zA-Z_][a-zA-Z0-9_]*, n bytes. */
static int
label_name_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (!is_alpha(s[i]) && !(i > 0 && is_digit(s[i])))
			return 0;
	return 1;
}

/* key="value" pairs joined by commas, values escaped; "" is no labels. */
static int
labels_ok(const char *s)
{
	const char *p = s, *k;

	if (strlen(s) >= METRICS_LABELS_MAX)
		return 0;
	while (*p != '\0') {
		k = p;
		while (*p != '\0' && *p != '=')
			p++;
		if (*p != '=' || !label_name_ok(k, (size_t)(p - k)) || p[1] != '"')
			return 0;
		for (p += 2; *p != '"'; p++) {
			if (*p == '\0' || *p == '\n')
				return 0;
			if (*p == '\\' && (p[1] == '\\' || p[1] == '"' || p[1] == 'n'))
				p++;
			else if (*p == '\\')
				return 0;
		}
		p++;
		if (*p == ',' && p[1] != '\0')
			p++;
		else if (*p != '\0')
			return 0;
	}
	return 1;
}

static uint32_t
hash(const char *name, const char *labels)
{
	uint32_t h = 2166136261u;

	for (; *name != '\0'; name++)
		h = (h ^ (unsigned char)*name) * 16777619u;
	h = (h ^ 0xFFu) * 16777619u;    /* no byte of a name: "ab"+"c" is not "a"+"bc" */
	for (; *labels != '\0'; labels++)
		h = (h ^ (unsigned char)*labels) * 16777619u;
	return h;
}

/*
 * The series name{labels} of this kind, created when new; NULL when the
 * table is full or the name already belongs to a family of another kind.
 * The caller holds mu and has validated name and labels.
 */
static struct series *
lookup(const char *name, const char *labels, enum kind kind)
{
	uint32_t i = hash(name, labels) % NSLOTS;
	struct series *s;
	size_t k;

	for (; slots[i] != 0; i = (i + 1) % NSLOTS) {
		s = &series[slots[i] - 1];
		if (strcmp(s->name, name) == 0 && strcmp(s->labels, labels) == 0)
			return s->kind == kind ? s : NULL;
	}
	if (nseries == METRICS_MAX_SERIES || strcmp(name, DROPPED) == 0)
		return NULL;
	for (k = 0; k < nseries; k++)
		if (series[k].kind != kind && strcmp(series[k].name, name) == 0)
			return NULL;
	s = &series[nseries++];
	memset(s, 0, sizeof *s);
	str_copy(s->name, sizeof s->name, name);
	str_copy(s->labels, sizeof s->labels, labels);
	s->kind = kind;
	slots[i] = (uint16_t)nseries;
	return s;
}

int
metrics_inc(const char *name, const char *labels, double v)
{
	struct series *s = NULL;
	int valid;

	if (labels == NULL)
		labels = "";
	valid = name_ok(name) && labels_ok(labels) && isfinite(v) && v >= 0;
	pthread_mutex_lock(&mu);
	if (valid && (s = lookup(name, labels, K_COUNTER)) != NULL)
		s->value += v;
	else
		dropped++;
	pthread_mutex_unlock(&mu);
	return s != NULL ? 0 : -1;
}

int
metrics_observe(const char *name, const char *labels, double seconds)
{
	struct series *s = NULL;
	size_t b;
	int valid;

	if (labels == NULL)
		labels = "";
	valid = name_ok(name) && labels_ok(labels) && isfinite(seconds) && seconds >= 0;
	pthread_mutex_lock(&mu);
	if (valid && (s = lookup(name, labels, K_HISTOGRAM)) != NULL) {
		for (b = 0; b < METRICS_NBUCKETS; b++)
			if (seconds <= metrics_buckets[b]) {
				s->bucket[b]++;
				break;
			}
		s->count++;
		s->sum += seconds;
	} else
		dropped++;
	pthread_mutex_unlock(&mu);
	return s != NULL ? 0 : -1;
}

/* Appends n bytes of s at *o; -1 when they and a NUL do not fit. */
static int
put(char *buf, size_t bufsz, size_t *o, const char *s, size_t n)
{
	if (n >= bufsz - *o)
		return -1;
	memcpy(buf + *o, s, n);
	*o += n;
	buf[*o] = '\0';
	return 0;
}

static int
vlabels(char *buf, size_t bufsz, va_list ap)
{
	const char *k, *v, *esc;
	size_t o = 0;

	if (bufsz == 0)
		return -1;
	buf[0] = '\0';
	while ((k = va_arg(ap, const char *)) != NULL) {
		if ((v = va_arg(ap, const char *)) == NULL || !label_name_ok(k, strlen(k)) ||
		    (o > 0 && put(buf, bufsz, &o, ",", 1) != 0) ||
		    put(buf, bufsz, &o, k, strlen(k)) != 0 || put(buf, bufsz, &o, "=\"", 2) != 0)
			goto fail;
		for (; *v != '\0'; v++) {
			esc = *v == '\\' ? "\\\\" : *v == '"' ? "\\\"" : *v == '\n' ? "\\n" : NULL;
			if (esc != NULL ? put(buf, bufsz, &o, esc, 2) != 0 :
			    put(buf, bufsz, &o, v, 1) != 0)
				goto fail;
		}
		if (put(buf, bufsz, &o, "\"", 1) != 0)
			goto fail;
	}
	return 0;
fail:
	buf[0] = '\0';
	return -1;
}

int
metrics_labels(char *buf, size_t bufsz, ...)
{
	va_list ap;
	int r;

	va_start(ap, bufsz);
	r = vlabels(buf, bufsz, ap);
	va_end(ap);
	return r;
}

int
metrics_count(const char *name, double v, ...)
{
	char labels[METRICS_LABELS_MAX];
	va_list ap;
	int r;

	va_start(ap, v);
	r = vlabels(labels, sizeof labels, ap);
	va_end(ap);
	if (r == 0)
		return metrics_inc(name, labels, v);
	pthread_mutex_lock(&mu);
	dropped++;
	pthread_mutex_unlock(&mu);
	return -1;
}

void
metrics_gauge(struct metrics_out *out, const char *name, const char *labels, double v)
{
	struct gauge *g;

	if (labels == NULL)
		labels = "";
	if (out->n == METRICS_GAUGES_MAX || !name_ok(name) || !labels_ok(labels)) {
		out->dropped++;
		return;
	}
	g = &out->g[out->n++];
	str_copy(g->name, sizeof g->name, name);
	str_copy(g->labels, sizeof g->labels, labels);
	g->value = v;
}

void
metrics_set_gauge_fn(void (*fn)(void *arg, struct metrics_out *out), void *arg)
{
	pthread_mutex_lock(&mu);
	gauge_fn = fn;
	gauge_arg = arg;
	pthread_mutex_unlock(&mu);
}

void
metrics_set_build(const char *version, const char *commit)
{
	/*
	 * now_unix(), the clock every other Aduan time comes from: time(2)
	 * may lag clock_gettime(CLOCK_REALTIME) by a tick, and a start time
	 * a second after "now" was seen (test_build_info, once in CI).
	 */
	int64_t now = now_unix();

	pthread_mutex_lock(&mu);
	build_version = version;
	build_commit = commit != NULL && *commit != '\0' ? commit : NULL;
	start_time = (double)now;
	pthread_mutex_unlock(&mu);
}

/* The gauges this module knows itself: the build and the start. */
static void
build_gauges(struct metrics_out *out)
{
	char labels[METRICS_LABELS_MAX];
	const char *version, *commit;
	double start;

	pthread_mutex_lock(&mu);
	version = build_version;
	commit = build_commit;
	start = start_time;
	pthread_mutex_unlock(&mu);
	if (version == NULL)
		return;
	if ((commit != NULL ? metrics_labels(labels, sizeof labels, "version", version,
	    "commit", commit, NULL) : metrics_labels(labels, sizeof labels, "version", version,
	    NULL)) == 0)
		metrics_gauge(out, "aduan_build_info", labels, 1);
	metrics_gauge(out, "aduan_start_time_seconds", NULL, start);
}

static void add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->p + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			fatal("metrics: cannot format a line");
		if ((size_t)n < t->cap - t->len)
			break;
		t->cap = t->cap * 2 + (size_t)n;
		t->p = xrealloc(t->p, t->cap);
	}
	t->len += (size_t)n;
}

/* The shortest of %.15g, %.16g, %.17g that reads back as v; NaN and +-Inf as Prometheus spells them. */
static const char *
num(double v, char *buf, size_t bufsz)
{
	int prec;

	if (isnan(v))
		return "NaN";
	if (isinf(v))
		return v > 0 ? "+Inf" : "-Inf";
	for (prec = 15; prec < 17; prec++) {
		snprintf(buf, bufsz, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return buf;
	}
	snprintf(buf, bufsz, "%.17g", v);
	return buf;
}

static const char *
help_of(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(helps); i++)
		if (strcmp(helps[i].name, name) == 0)
			return helps[i].help;
	return "Aduan metric (no description).";
}

static int
item_cmp(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c != 0 ? c : strcmp(x->labels, y->labels);
}

/* name{labels} or name{labels,le="x"}: the braces only when there is a label. */
static void
sample(struct text *t, const char *name, const char *suffix, const char *labels,
    const char *le, const char *value)
{
	add(t, "%s%s", name, suffix);
	if (*labels != '\0' || le != NULL)
		add(t, "{%s%s%s%s}", labels, *labels != '\0' && le != NULL ? "," : "",
		    le != NULL ? "le=" : "", le != NULL ? le : "");
	add(t, " %s\n", value);
}

static void
render_item(struct text *t, const struct item *it)
{
	char v[40], bound[40], le[48], count[24];
	uint64_t cum = 0;
	size_t b;

	if (it->kind != K_HISTOGRAM) {
		sample(t, it->name, "", it->labels, NULL,
		    num(it->s != NULL ? it->s->value : it->value, v, sizeof v));
		return;
	}
	/* Buckets are cumulative: each counts every observation up to its bound. */
	for (b = 0; b < METRICS_NBUCKETS; b++) {
		cum += it->s->bucket[b];
		snprintf(le, sizeof le, "\"%s\"", num(metrics_buckets[b], bound, sizeof bound));
		snprintf(count, sizeof count, "%llu", (unsigned long long)cum);
		sample(t, it->name, "_bucket", it->labels, le, count);
	}
	snprintf(count, sizeof count, "%llu", (unsigned long long)it->s->count);
	sample(t, it->name, "_bucket", it->labels, "\"+Inf\"", count);
	sample(t, it->name, "_sum", it->labels, NULL, num(it->s->sum, v, sizeof v));
	sample(t, it->name, "_count", it->labels, NULL, count);
}

char *
metrics_render(void)
{
	void (*fn)(void *arg, struct metrics_out *out);
	struct metrics_out *out = xcalloc(1, sizeof *out);
	struct text t = { NULL, 0, 4096 };
	struct item *items;
	const struct item *fam = NULL;
	size_t n = 0, i;
	void *arg;

	/* Gauges first, without the lock: the callback may wait on the store. */
	pthread_mutex_lock(&mu);
	fn = gauge_fn;
	arg = gauge_arg;
	pthread_mutex_unlock(&mu);
	build_gauges(out);
	if (fn != NULL)
		fn(arg, out);

	t.p = xmalloc(t.cap);
	t.p[0] = '\0';
	pthread_mutex_lock(&mu);
	dropped += out->dropped;
	items = xcalloc(nseries + out->n + 1, sizeof *items);
	for (i = 0; i < nseries; i++)
		items[n++] = (struct item){ series[i].name, series[i].labels, series[i].kind,
		    &series[i], 0, 0 };
	for (i = 0; i < out->n; i++)
		items[n++] = (struct item){ out->g[i].name, out->g[i].labels, K_GAUGE, NULL,
		    out->g[i].value, 0 };
	items[n++] = (struct item){ DROPPED, "", K_COUNTER, NULL, 0, 0 };
	qsort(items, n, sizeof *items, item_cmp);
	/* A gauge may neither join a family of another type nor repeat a sample. */
	for (i = 0; i < n; i++) {
		if (fam != NULL && strcmp(fam->name, items[i].name) == 0 &&
		    (fam->kind != items[i].kind || strcmp(items[i - 1].labels, items[i].labels) == 0)) {
			items[i].skip = 1;
			dropped++;
		} else if (fam == NULL || strcmp(fam->name, items[i].name) != 0)
			fam = &items[i];
	}
	fam = NULL;
	for (i = 0; i < n; i++) {
		if (items[i].skip)
			continue;
		if (fam == NULL || strcmp(fam->name, items[i].name) != 0) {
			fam = &items[i];
			add(&t, "# HELP %s %s\n# TYPE %s %s\n", fam->name, help_of(fam->name),
			    fam->name, kind_names[fam->kind]);
		}
		if (strcmp(items[i].name, DROPPED) == 0)
			items[i].value = (double)dropped;
		render_item(&t, &items[i]);
	}
	pthread_mutex_unlock(&mu);
	free(items);
	free(out);
	return t.p;
}

void
metrics_reset(void)
{
	pthread_mutex_lock(&mu);
	nseries = 0;
	memset(slots, 0, sizeof slots);
	dropped = 0;
	gauge_fn = NULL;
	gauge_arg = NULL;
	build_version = NULL;
	build_commit = NULL;
	pthread_mutex_unlock(&mu);
}
