/*
 * test_inbox: the web inbox's pages and actions (web/internal.h) on a real
 * SQLite store in a directory of its own, with a literal config of three
 * agencies (triage "kominfo", "dpupr", "dlh"), two rules and a region, and
 * the viewer filled in as the handler fills it from a session.  The page
 * functions are called directly and their HTML read back; a posted form is
 * a struct http_request built as the server builds one (net/request.h).
 *
 * What it pins down: a citizen's markup is text on every page and in the
 * CSV; numbers are masked until revealed; an agency sees and changes only
 * its own tickets (another's is the same 404 as none, the store unchanged);
 * a role posting another role's form gets 403, a bad form 400, both with
 * nothing changed; the queue's counts, filters, order and pages; the CSV
 * is the queue's tickets, RFC 4180, formula-safe; the dashboard draws what
 * the store holds; every word has both languages.  TZ is UTC.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf/conf.h"
#include "net/request.h"
#include "routing/route.h"
#include "sms/ticket.h"
#include "store/store.h"
#include "ticket/change.h"
#include "util/log.h"
#include "util/util.h"
#include "web/internal.h"

#include "test/store_fixture.h"

#define PHONE           "+6281234567890"
#define PHONE_MASKED    "+62812****890"

static const struct store_options opts = { .sync_full = 0, .busy_timeout_ms = 500 };

static const char conf_text[] =
	"agencies = (\n"
	"  { id = \"kominfo\"; name = \"Dinas Komunikasi dan Informatika\";\n"
	"    short_name = \"Kominfo\"; },\n"
	"  { id = \"dpupr\"; name = \"Dinas Pekerjaan Umum\"; short_name = \"DPUPR\"; },\n"
	"  { id = \"dlh\"; name = \"Dinas Lingkungan Hidup\"; short_name = \"DLH\"; }\n"
	");\n"
	"triage = \"kominfo\";\n"
	"regions = ( { id = \"ungaran\"; name = \"Wilayah Ungaran\"; keywords = [ \"UNGARAN\" ]; } );\n"
	"rules = (\n"
	"  { keyword = \"JALAN\"; aliases = [ \"JLN\", \"LUBANG\" ]; agency = \"dpupr\";\n"
	"    label = { id = \"Jalan & jembatan\"; en = \"Roads & bridges\"; }; },\n"
	"  { keyword = \"SAMPAH\"; aliases = [ \"TPS\" ]; agency = \"dlh\";\n"
	"    label = { id = \"Sampah\"; en = \"Waste\"; }; }\n"
	");\n"
	"service_levels = { route_days = 3; followup_days = 5; autoclose_days = 10; };\n";

struct t {
	struct fixture *f;
	struct conf *c;
	struct route_table *rt;
	struct viewer triage, dpupr, dlh;
	int64_t now;
};

static int
setup(void **state)
{
	struct t *t = xcalloc(1, sizeof *t);
	struct conf_errors errs;
	char err[256];
	int i;

	log_set_level(LOG_LEVEL_ERROR);
	memset(&errs, 0, sizeof errs);
	if ((t->c = conf_load_string(conf_text, 0, &errs)) == NULL) {
		for (i = 0; i < errs.n; i++)
			print_error("line %d: %s\n", errs.e[i].line, errs.e[i].msg);
		free(t);
		return -1;
	}
	if ((t->rt = route_build(t->c, err, sizeof err)) == NULL ||
	    (t->f = fixture_open("/tmp/aduan-inbox-XXXXXX", NULL, &opts)) == NULL) {
		print_error("set-up: %s\n", err);
		route_free(t->rt);
		conf_free(t->c);
		free(t);
		return -1;
	}
	t->triage = (struct viewer){ "verifikator", "Sari Verifikator", "kominfo", 1, 1, 1,
	    "csrf-token" };
	t->dpupr = (struct viewer){ "budi", "Budi", "dpupr", 0, 1, 0, "csrf-token" };
	t->dlh = (struct viewer){ "dewi", "", "dlh", 0, 1, 0, "csrf-token" };
	t->now = 1796626800;    /* Monday 2026-12-07 07:00 UTC */
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	struct t *t = *state;

	(void)fixture_reopen;   /* store_fixture.h's, not needed here */
	fixture_close(t->f);
	route_free(t->rt);
	conf_free(t->c);
	free(t);
	return 0;
}

/* The page context for viewer w (NULL: nobody). */
static struct page
page_for(struct t *t, const struct viewer *w, enum lang l)
{
	struct page p;

	memset(&p, 0, sizeof p);
	p.conf = t->c;
	p.rt = t->rt;
	p.store = t->f->s;
	p.lang = l;
	p.now = t->now;
	p.who = w;
	p.self = "/inbox/queue";
	return p;
}

#define assert_contains(h, n)     contains_((h), (n), 1, __FILE__, __LINE__)
#define assert_not_contains(h, n) contains_((h), (n), 0, __FILE__, __LINE__)

static void
contains_(const char *haystack, const char *needle, int want, const char *file, int line)
{
	if ((strstr(haystack, needle) != NULL) != want) {
		print_error("%s \"%s\" in:\n%.6000s\n", want ? "expected" : "did not expect",
		    needle, haystack);
		_fail(file, line);
	}
}

static size_t
count_of(const char *haystack, const char *needle)
{
	size_t n = 0;

	for (; (haystack = strstr(haystack, needle)) != NULL; haystack++)
		n++;
	return n;
}

/* Stores a complaint as intake would (service levels from ticket_sla_init); its number. */
static void
add(struct t *t, const char *keyword, const char *agency, const char *status, int64_t at,
    const char *desc, char number[9])
{
	struct store_complaint c;

	memset(&c, 0, sizeof c);
	do
		assert_int_equal(ticket_new(c.ticket), 0);
	while (store_ticket_exists(t->f->s, c.ticket) != 0);
	str_copy(c.phone, sizeof c.phone, PHONE);
	str_copy(c.channel, sizeof c.channel, "sms");
	str_copy(c.keyword, sizeof c.keyword, keyword);
	str_copy(c.agency, sizeof c.agency, agency);
	str_copy(c.status, sizeof c.status, status);
	str_copy(c.lang, sizeof c.lang, "id");
	c.description = xstrdup(desc);
	c.route_explain = xstrdup(keyword[0] != '\0' ? "rule -> agency" : "triage: no keyword");
	c.created_at = at;
	ticket_sla_init(t->c, &c, at);
	assert_int_equal(store_complaint_add(t->f->s, &c), 0);
	str_copy(number, 9, c.ticket);
	store_complaint_clear(&c);
}

/* A message of the reporter's about complaint number (command "complaint", "add", ...). */
static void
message(struct t *t, const char *number, const char *command, const char *text, int64_t at)
{
	struct store_complaint c;
	struct store_message m;
	char id[32];
	static int seq;

	assert_int_equal(store_complaint_get(t->f->s, number, &c), 1);
	snprintf(id, sizeof id, "m%d", ++seq);
	memset(&m, 0, sizeof m);
	m.gateway = "kannel";
	m.gw_id = id;
	m.sender = PHONE;
	m.receiver = "1708";
	m.text = text;
	m.command = command;
	m.reply = "Aduan diterima.";
	m.complaint_id = c.id;
	m.received_at = at;
	assert_int_equal(store_message_add(t->f->s, &m), 1);
	store_complaint_clear(&c);
}

/* A page rendered by fn into a string the test frees; *status its HTTP status. */
static char *
take(struct html *h)
{
	size_t n;
	char *s = html_take(h, &n);

	assert_non_null(s);
	return s;
}

static char *
queue(struct t *t, const struct viewer *w, const struct qfilter *f, int *status)
{
	struct page p = page_for(t, w, LANG_ID);
	struct html h;

	html_init(&h);
	*status = queue_render(&h, &p, f);
	return take(&h);
}

static char *
detail(struct t *t, const struct viewer *w, const char *number, int reveal, int *status)
{
	struct page p = page_for(t, w, LANG_ID);
	struct html h;

	html_init(&h);
	*status = detail_render(&h, &p, number, reveal, NULL, NULL);
	return take(&h);
}

/* ---- a posted form --------------------------------------------------------------- */

static const char *
no_header(void *conn, const char *name)
{
	(void)conn;
	(void)name;
	return NULL;
}

/* Posts the fields (name, value, ..., NULL) to /inbox/t/number/act as w. */
static int
post(struct t *t, const struct viewer *w, const char *number, char *err, size_t errsz, ...)
{
	struct page p = page_for(t, w, LANG_ID);
	struct http_request r;
	const char *name, *value, *done;
	va_list ap;
	int st;

	memset(&r, 0, sizeof r);
	r.method = HTTP_POST;
	r.header = no_header;
	va_start(ap, errsz);
	while ((name = va_arg(ap, const char *)) != NULL) {
		value = va_arg(ap, const char *);
		assert_int_equal(request_param_append(&r, name, value, strlen(value), 1), 0);
	}
	va_end(ap);
	st = actions_post(&p, number, &r, &done, err, errsz);
	request_release(&r);
	return st;
}

/* "status agency events outbox" of a ticket, to see that nothing changed. */
static void
snapshot(struct t *t, const char *number, char *out, size_t outsz)
{
	struct store_complaint c;
	struct store_event ev[32];
	size_t n, i;

	assert_int_equal(store_complaint_get(t->f->s, number, &c), 1);
	assert_int_equal(store_events_list(t->f->s, c.id, ev, 32, &n), 0);
	snprintf(out, outsz, "%s %s %zu %ld", c.status, c.agency, n,
	    store_outbox_count(t->f->s, "pending"));
	for (i = 0; i < n; i++)
		store_event_clear(&ev[i]);
	store_complaint_clear(&c);
}

/* The newest SMS queued about a complaint (store_outbox_each lists newest first). */
struct sms_find {
	int64_t complaint_id;
	char body[1024];
	int found;
};

static void
last_sms(void *arg, const struct store_outbox_row *r)
{
	struct sms_find *q = arg;

	if (!q->found && r->complaint_id == q->complaint_id && strcmp(r->kind, "sms") == 0) {
		str_copy(q->body, sizeof q->body, r->body);
		q->found = 1;
	}
}

/* ---- tests ------------------------------------------------------------------------- */

static void
test_every_word_has_both_languages(void **state)
{
	int k;

	(void)state;
	for (k = 0; k < TR_N; k++) {
		if (strcmp(tr(LANG_ID, (enum tr_key)k), "?") == 0 ||
		    strcmp(tr(LANG_EN, (enum tr_key)k), "?") == 0)
			fail_msg("word %d has a hole", k);
	}
	assert_string_equal(tr(LANG_EN, TR_QUEUE), "Queue");
	assert_string_equal(tr(LANG_ID, TR_QUEUE), "Antrian");
	/* Canned notes exist in both languages for the statuses an agency sets. */
	assert_string_not_equal(actions_canned(NULL, LANG_ID, "in_progress"),
	    actions_canned(NULL, LANG_EN, "in_progress"));
	assert_string_equal(actions_canned(NULL, LANG_ID, "withdrawn"), "");
}

static void
test_a_citizens_markup_is_text_and_numbers_are_masked(void **state)
{
	struct t *t = *state;
	struct qfilter f;
	char n[9];
	char *s;
	int st;

	add(t, "", "kominfo", "received", t->now - 3600,
	    "<script>alert('x')</script><img src=x onerror=alert(1)> hubungi 0812 3456 7890 "
	    "\"quoted\"", n);
	memset(&f, 0, sizeof f);
	f.page = 1;
	s = queue(t, &t->triage, &f, &st);
	assert_int_equal(st, 200);
	assert_contains(s, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&lt;img src=x");
	assert_not_contains(s, "<script");
	assert_not_contains(s, "<img");
	assert_not_contains(s, "3456 7890");
	assert_contains(s, "hubungi ***");
	free(s);

	s = detail(t, &t->triage, n, 0, &st);
	assert_int_equal(st, 200);
	assert_contains(s, "&lt;script&gt;");
	assert_not_contains(s, "<script");
	assert_contains(s, PHONE_MASKED);
	assert_not_contains(s, PHONE);
	assert_contains(s, "&quot;quoted&quot;");
	/* The page allows no script: there is none, not even inline. */
	assert_not_contains(s, "<script");
	assert_not_contains(s, " onclick=");
	free(s);

	/* Revealed: the number in full (the caller audited it). */
	s = detail(t, &t->triage, n, 1, &st);
	assert_int_equal(st, 200);
	assert_contains(s, PHONE);
	assert_contains(s, "0812 3456 7890");
	free(s);
}

/*
 * A partner system's complaint (Open311 POST): the page names the partner
 * and shows what it sent, as text; without a phone there is no number and
 * nothing to reveal.
 */
static void
test_a_partners_complaint_shows_the_partner(void **state)
{
	struct t *t = *state;
	struct store_complaint c;
	char *s;
	int st;

	memset(&c, 0, sizeof c);
	do
		assert_int_equal(ticket_new(c.ticket), 0);
	while (store_ticket_exists(t->f->s, c.ticket) != 0);
	str_copy(c.channel, sizeof c.channel, "open311");
	str_copy(c.agency, sizeof c.agency, "kominfo");
	str_copy(c.status, sizeof c.status, "received");
	str_copy(c.partner, sizeof c.partner, "kab-semarang");
	c.description = xstrdup("Jalan rusak");
	c.created_at = t->now;
	ticket_sla_init(t->c, &c, t->now);
	assert_int_equal(store_complaint_add(t->f->s, &c), 0);
	assert_int_equal(store_partner_add(t->f->s, c.id, c.ticket, "kab-semarang", NULL,
	    "{\"media_url\":\"https://x/<b>.jpg\"}", t->now), 1);
	s = detail(t, &t->triage, c.ticket, 0, &st);
	assert_int_equal(st, 200);
	assert_contains(s, "kab-semarang");
	assert_contains(s, "https://x/&lt;b&gt;.jpg");
	assert_not_contains(s, "<b>.jpg");
	assert_not_contains(s, "/reveal");
	free(s);
	store_complaint_clear(&c);
}

static void
test_an_agency_sees_only_its_own_tickets(void **state)
{
	struct t *t = *state;
	struct qfilter f;
	char mine[9], theirs[9], triage[9];
	char *s, *missing;
	int st;

	add(t, "JALAN", "dpupr", "routed", t->now - 7200, "JALAN lubang di Jl. Pemuda", mine);
	add(t, "SAMPAH", "dlh", "routed", t->now - 7000, "SAMPAH menumpuk di pasar", theirs);
	add(t, "", "kominfo", "received", t->now - 6000, "ada yang aneh di desa kami", triage);
	message(t, mine, "complaint", "JALAN lubang di Jl. Pemuda", t->now - 7200);
	message(t, mine, "add", "TAMBAH sudah 2 minggu, hubungi 081298765432", t->now - 3600);

	memset(&f, 0, sizeof f);
	f.page = 1;
	s = queue(t, &t->dpupr, &f, &st);
	assert_int_equal(st, 200);
	assert_contains(s, mine);
	assert_not_contains(s, theirs);
	assert_not_contains(s, triage);
	free(s);

	/* Another agency's ticket: the very page of a ticket that does not exist. */
	s = detail(t, &t->dpupr, theirs, 0, &st);
	assert_int_equal(st, 404);
	free(s);
	missing = detail(t, &t->dpupr, "00000000", 0, &st);
	assert_int_equal(st, 404);
	free(missing);

	/* Its own: the thread (TAMBAH with its number masked) and the history. */
	s = detail(t, &t->dpupr, mine, 0, &st);
	assert_int_equal(st, 200);
	assert_contains(s, "TAMBAH sudah 2 minggu, hubungi ***");
	assert_not_contains(s, "081298765432");
	assert_contains(s, "Aduan diterima.");
	assert_contains(s, "Riwayat");
	/* An agency gets the status forms, not triage's; no reveal for staff. */
	assert_contains(s, "value=\"status\"");
	assert_contains(s, "value=\"in_progress\"");
	assert_contains(s, "value=\"return\"");
	assert_not_contains(s, "value=\"route\"");
	assert_not_contains(s, "/reveal");
	assert_contains(s, "name=\"csrf\" value=\"csrf-token\"");
	free(s);

	/* The triage desk sees every ticket and gets the triage forms. */
	s = detail(t, &t->triage, theirs, 0, &st);
	assert_int_equal(st, 200);
	free(s);
	s = detail(t, &t->triage, triage, 0, &st);
	assert_int_equal(st, 200);
	assert_contains(s, "value=\"route\"");
	assert_contains(s, "value=\"hold\"");
	assert_contains(s, "value=\"reject\"");
	assert_contains(s, "/reveal");
	free(s);
}

static void
test_posts_check_agency_role_and_form(void **state)
{
	struct t *t = *state;
	char mine[9], theirs[9], orig[9], before[128], after[128], err[300];
	char tri[9];
	struct store_complaint c;

	add(t, "JALAN", "dpupr", "routed", t->now - 7200, "JALAN lubang", mine);
	add(t, "SAMPAH", "dlh", "routed", t->now - 7000, "SAMPAH menumpuk", theirs);
	add(t, "", "kominfo", "received", t->now - 6000, "jalan rusak parah sekali", tri);
	add(t, "", "kominfo", "received", t->now - 5000, "jalan rusak parah sekali lagi", orig);

	/* Another agency's ticket: 404, nothing changed. */
	snapshot(t, theirs, before, sizeof before);
	assert_int_equal(post(t, &t->dpupr, theirs, err, sizeof err, "action", "status",
	    "status", "in_progress", "note", "x", (char *)NULL), 404);
	snapshot(t, theirs, after, sizeof after);
	assert_string_equal(before, after);

	/* A triage form from an agency: 403; an unknown status: 400; nothing changed. */
	snapshot(t, mine, before, sizeof before);
	assert_int_equal(post(t, &t->dpupr, mine, err, sizeof err, "action", "route",
	    "agency", "dlh", (char *)NULL), 403);
	assert_int_equal(post(t, &t->dpupr, mine, err, sizeof err, "action", "status",
	    "status", "finished", (char *)NULL), 400);
	assert_int_equal(post(t, &t->dpupr, mine, err, sizeof err, "action", "status",
	    "status", "closed", (char *)NULL), 409);
	assert_int_equal(post(t, &t->dpupr, mine, err, sizeof err, "action", "fly",
	    (char *)NULL), 400);
	snapshot(t, mine, after, sizeof after);
	assert_string_equal(before, after);

	/* The agency works its ticket: in progress with a note; the reporter's SMS queued. */
	assert_int_equal(post(t, &t->dpupr, mine, err, sizeof err, "action", "status",
	    "status", "in_progress", "note", "Tim datang besok pagi", (char *)NULL), 303);
	assert_int_equal(store_complaint_get(t->f->s, mine, &c), 1);
	assert_string_equal(c.status, "in_progress");
	/* Who did it and when: the audit log, written in the same transaction. */
	{
		struct store_audit a[4];
		size_t na;

		assert_int_equal(store_audit_list(t->f->s, c.id, 0, a, 4, &na), 0);
		assert_int_equal(na, 1);
		assert_string_equal(a[0].login, "budi");
		assert_string_equal(a[0].action, "ticket_status");
		assert_int_equal(a[0].at, t->now);
	}
	store_complaint_clear(&c);
	snapshot(t, mine, after, sizeof after);
	assert_string_not_equal(before, after);

	/* Triage routes its ticket to the agency the form names. */
	assert_int_equal(post(t, &t->triage, tri, err, sizeof err, "action", "route",
	    "agency", "dpupr", "note", "Diteruskan", (char *)NULL), 303);
	assert_int_equal(store_complaint_get(t->f->s, tri, &c), 1);
	assert_string_equal(c.status, "routed");
	assert_string_equal(c.agency, "dpupr");
	store_complaint_clear(&c);

	/* A duplicate needs an existing original; then the reporter reads its number. */
	assert_int_equal(post(t, &t->triage, orig, err, sizeof err, "action", "reject",
	    "kind", "duplicate", "duplicate_of", "1234567", (char *)NULL), 400);
	assert_int_equal(post(t, &t->triage, orig, err, sizeof err, "action", "reject",
	    "kind", "duplicate", "duplicate_of", "00000000", (char *)NULL), 400);
	assert_int_equal(post(t, &t->triage, orig, err, sizeof err, "action", "reject",
	    "kind", "duplicate", "duplicate_of", tri, (char *)NULL), 303);
	assert_int_equal(store_complaint_get(t->f->s, orig, &c), 1);
	assert_string_equal(c.status, "rejected");
	{
		struct sms_find q = { c.id, "", 0 };

		assert_int_equal(store_outbox_each(t->f->s, NULL, 100, last_sms, &q), 0);
		assert_int_equal(q.found, 1);
		assert_non_null(strstr(q.body, tri));
	}
	store_complaint_clear(&c);

	/* A note with no text is refused; a read-only viewer may not post at all. */
	assert_int_equal(post(t, &t->dpupr, mine, err, sizeof err, "action", "note",
	    "to", "citizen", (char *)NULL), 400);
	{
		struct viewer ro = t->dpupr;

		ro.may_act = 0;
		assert_int_equal(post(t, &ro, mine, err, sizeof err, "action", "note",
		    "to", "citizen", "note", "hi", (char *)NULL), 403);
	}
}

/*
 * Through the core's one entry point: an internal note stays in the history
 * (marked, with who wrote it) and queues no SMS; a return to triage by its
 * holder moves the ticket and the page shows who returned it and where.
 */
static void
test_internal_note_and_return_through_the_core(void **state)
{
	struct t *t = *state;
	char mine[9], err[300];
	struct store_complaint c;
	long before;
	char *s;
	int st;

	add(t, "JALAN", "dpupr", "routed", t->now - 7200, "JALAN lubang", mine);
	before = store_outbox_count(t->f->s, "pending");
	assert_int_equal(post(t, &t->dpupr, mine, err, sizeof err, "action", "note",
	    "to", "internal", "note", "Cek anggaran dulu", (char *)NULL), 303);
	assert_int_equal(store_outbox_count(t->f->s, "pending"), before);
	s = detail(t, &t->dpupr, mine, 0, &st);
	assert_int_equal(st, 200);
	assert_contains(s, "[catatan internal] Cek anggaran dulu");
	assert_contains(s, " / budi");
	free(s);

	assert_int_equal(post(t, &t->dpupr, mine, err, sizeof err, "action", "return",
	    "reason", "Jalan provinsi, bukan wewenang kabupaten", (char *)NULL), 303);
	assert_int_equal(store_complaint_get(t->f->s, mine, &c), 1);
	assert_string_equal(c.agency, "kominfo");
	assert_string_equal(c.status, "received");
	store_complaint_clear(&c);
	/* Gone from dpupr's reach; triage sees who returned it. */
	s = detail(t, &t->dpupr, mine, 0, &st);
	assert_int_equal(st, 404);
	free(s);
	s = detail(t, &t->triage, mine, 0, &st);
	assert_int_equal(st, 200);
	assert_contains(s, "(returned)");
	free(s);
}

static void
test_queue_counts_filters_order_and_pages(void **state)
{
	struct t *t = *state;
	struct qfilter f;
	char n[9], late[9], err[200];
	char *s;
	int st, i;

	for (i = 0; i < 55; i++)
		add(t, "SAMPAH", "dlh", "routed", t->now - 86400 - i, "SAMPAH di TPS", n);
	add(t, "", "kominfo", "received", t->now - 20 * 86400, "lama sekali belum dijawab", late);
	add(t, "", "kominfo", "received", t->now - 60, "baru saja masuk hari ini", n);

	/* The triage desk's own queue: two received, the old one overdue. */
	memset(&f, 0, sizeof f);
	f.page = 1;
	s = queue(t, &t->triage, &f, &st);
	assert_int_equal(count_of(s, "<tr><td><a href=\"/inbox/t/"), 2);
	assert_contains(s, "Diterima&nbsp;(2)");
	assert_contains(s, "class=\"late\"");
	free(s);
	f.overdue = 1;
	f.by_due = 1;
	s = queue(t, &t->triage, &f, &st);
	assert_int_equal(count_of(s, "<tr><td><a href=\"/inbox/t/"), 1);
	assert_contains(s, late);
	free(s);

	/* Every agency, a category, pages of 50. */
	memset(&f, 0, sizeof f);
	f.page = 1;
	str_copy(f.agency, sizeof f.agency, "*");
	str_copy(f.category, sizeof f.category, "SAMPAH");
	s = queue(t, &t->triage, &f, &st);
	assert_int_equal(count_of(s, "<tr><td><a href=\"/inbox/t/"), QUEUE_PAGE_ROWS);
	assert_contains(s, "rel=\"next\"");
	assert_contains(s, "Diteruskan&nbsp;(55)");
	free(s);
	f.page = 2;
	s = queue(t, &t->triage, &f, &st);
	assert_int_equal(count_of(s, "<tr><td><a href=\"/inbox/t/"), 5);
	assert_contains(s, "rel=\"prev\"");
	assert_not_contains(s, "rel=\"next\"");
	free(s);

	/* An agency's viewer cannot widen its queue with agency=*. */
	{
		struct page p = page_for(t, &t->dpupr, LANG_ID);
		struct http_request r;

		memset(&r, 0, sizeof r);
		r.method = HTTP_GET;
		r.header = no_header;
		request_param_append(&r, "agency", "*", 1, 0);
		assert_int_equal(filter_read(&r, &p, &f, err, sizeof err), 0);
		assert_string_equal(filter_agency(&f, &p), "dpupr");
		request_release(&r);

		/* Unknown values are refused, not ignored. */
		memset(&r, 0, sizeof r);
		r.header = no_header;
		request_param_append(&r, "status", "done", 4, 0);
		assert_int_equal(filter_read(&r, &p, &f, err, sizeof err), -1);
		request_release(&r);
		memset(&r, 0, sizeof r);
		r.header = no_header;
		request_param_append(&r, "page", "0", 1, 0);
		assert_int_equal(filter_read(&r, &p, &f, err, sizeof err), -1);
		request_release(&r);
	}
}

static void
test_csv_is_the_queue(void **state)
{
	struct t *t = *state;
	struct page p = page_for(t, &t->triage, LANG_ID);
	struct qfilter f;
	struct sbuf b;
	char a[9], c[9], d[9], line[256];

	add(t, "", "kominfo", "received", t->now - 300, "=HYPERLINK(\"http://x\") a, \"b\"", a);
	add(t, "", "kominfo", "received", t->now - 200, "baris\ndua hubungi 081234567890", c);
	add(t, "JALAN", "dpupr", "routed", t->now - 100, "JALAN bukan di antrian triase", d);
	memset(&f, 0, sizeof f);
	f.page = 1;
	sbuf_init(&b, CSV_BYTES_MAX);
	assert_int_equal(queue_csv(&b, &p, &f), 200);
	assert_non_null(b.s);
	assert_true(strncmp(b.s, "ticket,received_at,status,agency,category,region,due_at,"
	    "overdue,reporter,location,description\r\n", 94) == 0);
	/* Newest first, as the queue; dpupr's ticket is not in triage's queue. */
	assert_true(strstr(b.s, c) < strstr(b.s, a));
	assert_null(strstr(b.s, d));
	snprintf(line, sizeof line, "%s,", a);
	assert_non_null(strstr(b.s, line));
	assert_non_null(strstr(b.s, ",\"'=HYPERLINK(\"\"http://x\"\") a, \"\"b\"\"\"\r\n"));
	assert_non_null(strstr(b.s, "\"baris\ndua hubungi ***\"\r\n"));
	assert_null(strstr(b.s, PHONE));
	assert_non_null(strstr(b.s, PHONE_MASKED));
	assert_int_equal(count_of(b.s, "\r\n"), 3);  /* the header and two rows */
	free(b.s);

	/* Fields: plain as is, quotes doubled, formulas inert. */
	sbuf_init(&b, 1000);
	queue_csv_field(&b, "plain");
	queue_csv_field(&b, "-1");
	queue_csv_field(&b, "@SUM(A1)");
	assert_string_equal(b.s, "plain\"'-1\"\"'@SUM(A1)\"");
	free(b.s);
}

static void
test_dashboard_draws_the_store(void **state)
{
	struct t *t = *state;
	struct page p = page_for(t, &t->dpupr, LANG_EN);
	struct html h;
	char n[9], err[200];
	char *s;
	int i;

	for (i = 0; i < 3; i++)
		add(t, "JALAN", "dpupr", "routed", t->now - 3600 * (i + 1), "JALAN lubang", n);
	add(t, "", "kominfo", "received", t->now - 8 * 86400, "apa ini tidak jelas", n);
	add(t, "SAMPAH", "dlh", "routed", t->now - 9 * 86400, "SAMPAH lagi", n);
	/* A first response by the agency, one hour after the complaint. */
	add(t, "JALAN", "dpupr", "routed", t->now - 7200, "JALAN retak", n);
	t->now -= 3600;
	assert_int_equal(post(t, &t->dpupr, n, err, sizeof err, "action", "status",
	    "status", "in_progress", (char *)NULL), 303);
	t->now += 3600;
	html_init(&h);
	assert_int_equal(dash_render(&h, &p, 4), 200);
	s = take(&h);
	assert_contains(s, "<svg viewBox=");
	assert_contains(s, "<title>DPUPR: 4</title>");
	assert_contains(s, "Complaints in the period</dt><dd>6</dd>");
	/* One of six went to triage; the median first response is one hour. */
	assert_contains(s, "16,6% (1 / 6)");
	assert_contains(s, "1,0 hours");
	free(s);
}

/* A ticket forwarded to a hub shows the hub's tracking number; one not forwarded, none. */
static void
test_the_hubs_number_is_shown(void **state)
{
	struct t *t = *state;
	struct store_complaint c;
	char n[9];
	char *s;
	int st;

	add(t, "JALAN", "dpupr", "routed", t->now - 3600, "jalan berlubang", n);
	s = detail(t, &t->dpupr, n, 0, &st);
	assert_int_equal(st, 200);
	assert_not_contains(s, "Nomor di hub");
	free(s);
	assert_int_equal(store_complaint_get(t->f->s, n, &c), 1);
	assert_int_equal(store_hub_forwarded(t->f->s, c.id, "700123", "", t->now, t->now + 300,
	    300), 0);
	store_complaint_clear(&c);
	s = detail(t, &t->dpupr, n, 0, &st);
	assert_int_equal(st, 200);
	assert_contains(s, "Nomor di hub (LAPOR!)</dt><dd class=\"hub-id\">700123</dd>");
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_word_has_both_languages),
		cmocka_unit_test_setup_teardown(test_a_citizens_markup_is_text_and_numbers_are_masked,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_partners_complaint_shows_the_partner, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_an_agency_sees_only_its_own_tickets, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_posts_check_agency_role_and_form, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_internal_note_and_return_through_the_core, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_queue_counts_filters_order_and_pages, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_csv_is_the_queue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dashboard_draws_the_store, setup, teardown),
		cmocka_unit_test_setup_teardown(test_the_hubs_number_is_shown, setup, teardown),
	};

	setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
