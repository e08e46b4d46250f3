/*
 * stats: `aduan stats`.  See stats.h.  The store counts (GROUP BY); this
 * file computes the median response time and counts the words of triage
 * messages in a small open-addressing hash table of its own.
 */
#include "ops/stats.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sms/parse.h"
#include "sms/text.h"
#include "util/date.h"
#include "util/util.h"

/* Function words: never a candidate keyword.  Folded, as text_fold_word() gives them. */
static const char *const stop_words[] = {
	/* Indonesian, with the usual SMS spellings */
	"ADA", "AGAR", "AKAN", "AKU", "ANDA", "ATAS", "ATAU", "BAHWA", "BANYAK", "BAPAK",
	"BELUM", "BISA", "BLM", "BU", "BUAT", "DALAM", "DAN", "DAPAT", "DARI", "DEKAT",
	"DENGAN", "DEPAN", "DGN", "DI", "DIA", "DONG", "DPN", "ENGGAK", "GAK", "HARUS",
	"HINGGA", "IBU", "INGIN", "INI", "ITU", "JIKA", "JUGA", "KALAU", "KAMI", "KAMU",
	"KARENA", "KASIH", "KE", "KETIKA", "KITA", "KRN", "LAGI", "LAH", "MAKA", "MAKASIH",
	"MAS", "MASIH", "MAU", "MBAK", "MEREKA", "MOHON", "NAMUN", "NGGAK", "NYA", "OLEH",
	"PADA", "PAK", "PERLU", "PUN", "SAAT", "SAMPAI", "SAMPING", "SANGAT", "SAYA", "SBG",
	"SDH", "SEBAGAI", "SEBELAH", "SEDANG", "SEJAK", "SEKALI", "SEKITAR", "SELALU",
	"SEMUA", "SEPERTI", "SERING", "SETIAP", "SIH", "SUDAH", "SUPAYA", "TAK", "TAPI",
	"TDK", "TELAH", "TERIMA", "TERUS", "TETAPI", "TIAP", "TIDAK", "TOLONG", "UDAH",
	"UNTUK", "UTK", "YA", "YANG", "YG",
	/* English */
	"A", "AN", "AND", "ARE", "AS", "AT", "BE", "BEEN", "BUT", "BY", "FOR", "FROM",
	"HAD", "HAS", "HAVE", "IN", "IS", "IT", "ITS", "ME", "MY", "NEAR", "NO", "NOT",
	"OF", "ON", "OR", "OUR", "PLEASE", "SINCE", "THAT", "THE", "THEIR", "THERE",
	"THESE", "THIS", "THOSE", "TO", "VERY", "WAS", "WE", "WERE", "WITH", "YOU", "YOUR",
};

int
stats_stop_word(const char *folded)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(stop_words); i++)
		if (strcmp(stop_words[i], folded) == 0)
			return 1;
	return 0;
}

/* ---- a table of words --------------------------------------------------- */

struct word_entry {
	char *word;                     /* NULL: free slot */
	long n;                         /* messages that used it */
	unsigned long last;             /* the message that counted it last */
};

struct word_table {
	struct word_entry *e;
	size_t cap;                     /* a power of two */
	size_t n;
};

static size_t
word_hash(const char *s)
{
	size_t h = 2166136261u;

	while (*s != '\0')
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static void
table_grow(struct word_table *t)
{
	struct word_entry *old = t->e;
	size_t oldcap = t->cap, i, j;

	t->cap = oldcap ? oldcap * 2 : 256;
	t->e = xcalloc(t->cap, sizeof *t->e);
	for (i = 0; i < oldcap; i++) {
		if (old[i].word == NULL)
			continue;
		for (j = word_hash(old[i].word) & (t->cap - 1); t->e[j].word != NULL;
		    j = (j + 1) & (t->cap - 1))
			;
		t->e[j] = old[i];
	}
	free(old);
}

/* The entry of word; with add, a new one when there is none.  NULL: none. */
static struct word_entry *
table_get(struct word_table *t, const char *word, int add)
{
	size_t j;

	if (t->cap == 0) {
		if (!add)
			return NULL;
		table_grow(t);
	}
	for (j = word_hash(word) & (t->cap - 1); t->e[j].word != NULL; j = (j + 1) & (t->cap - 1))
		if (strcmp(t->e[j].word, word) == 0)
			return &t->e[j];
	if (!add)
		return NULL;
	if ((t->n + 1) * 10 > t->cap * 7) {
		table_grow(t);
		return table_get(t, word, add);
	}
	t->e[j].word = xstrdup(word);
	t->n++;
	return &t->e[j];
}

static void
table_free(struct word_table *t)
{
	size_t i;

	for (i = 0; i < t->cap; i++)
		free(t->e[i].word);
	free(t->e);
	memset(t, 0, sizeof *t);
}

/* ---- candidate keywords -------------------------------------------------- */

struct stats_words {
	struct word_table counts;
	struct word_table skip;         /* function words and words the config knows */
	unsigned long msg;              /* messages added */
};

struct stats_words *
stats_words_new(const struct conf *c)
{
	struct stats_words *w = xcalloc(1, sizeof *w);
	size_t i, j;

	for (i = 0; i < ARRAY_LEN(stop_words); i++)
		(void)table_get(&w->skip, stop_words[i], 1);
	for (i = 0; c != NULL && i < c->nrules; i++) {
		(void)table_get(&w->skip, c->rules[i].keyword, 1);
		for (j = 0; j < c->rules[i].naliases; j++)
			(void)table_get(&w->skip, c->rules[i].aliases[j], 1);
		for (j = 0; j < c->rules[i].naliases_en; j++)
			(void)table_get(&w->skip, c->rules[i].aliases_en[j], 1);
	}
	for (i = 0; c != NULL && i < c->nregions; i++)
		for (j = 0; j < c->regions[i].nkeywords; j++)
			(void)table_get(&w->skip, c->regions[i].keywords[j], 1);
	return w;
}

void
stats_words_free(struct stats_words *w)
{
	if (w == NULL)
		return;
	table_free(&w->counts);
	table_free(&w->skip);
	free(w);
}

struct word_ctx {
	struct stats_words *w;
	const char *text;
};

static int
add_word(void *arg, size_t off, size_t len)
{
	struct word_ctx *x = arg;
	struct stats_words *w = x->w;
	struct word_entry *e;
	char folded[64];
	size_t i, letters = 0;
	unsigned char ch;
	long n;

	n = text_fold_word(x->text + off, len, folded, sizeof folded);
	if (n <= 0)
		return 0;
	/*
	 * Letters: A-Z, and any other character that folding left (a letter of
	 * another script).  Digits and punctuation are none, so "12345",
	 * "+62812..." and "RT.03" are left out with the short words.
	 */
	for (i = 0; i < (size_t)n; i++) {
		ch = (unsigned char)folded[i];
		if ((ch >= 'A' && ch <= 'Z') || (ch >= 0xC0))
			letters++;
	}
	if (letters < STATS_MIN_LETTERS)
		return 0;
	if (table_get(&w->skip, folded, 0) != NULL)
		return 0;
	e = table_get(&w->counts, folded, w->counts.n < STATS_WORDS_DISTINCT_MAX);
	if (e != NULL && e->last != w->msg) {
		e->last = w->msg;
		e->n++;
	}
	return 0;
}

static void
add_slice(struct stats_words *w, const char *p, size_t len)
{
	struct word_ctx x = { w, p };

	if (p != NULL && len > 0)
		(void)text_words(p, len, add_word, &x);
}

void
stats_words_add(struct stats_words *w, const char *text)
{
	struct sms_command cmd;

	if (text == NULL)
		return;
	w->msg++;
	sms_parse(text, strlen(text), &cmd);
	if (cmd.cmd != SMS_COMPLAINT)
		add_slice(w, text, strlen(text));
	else if (cmd.structured) {
		/* The fields apart: "POHON#Bawen#tumbang" is three words. */
		add_slice(w, cmd.keyword.p, cmd.keyword.len);
		add_slice(w, cmd.location.p, cmd.location.len);
		add_slice(w, cmd.description.p, cmd.description.len);
	} else
		add_slice(w, cmd.body.p, cmd.body.len);
}

static int
count_cmp(const void *a, const void *b)
{
	const struct word_entry *x = *(const struct word_entry *const *)a;
	const struct word_entry *y = *(const struct word_entry *const *)b;

	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return strcmp(x->word, y->word);
}

size_t
stats_words_top(const struct stats_words *w, struct stats_count *out, size_t max)
{
	const struct word_entry **v;
	size_t i, k = 0;

	if (w->counts.n == 0 || max == 0)
		return 0;
	v = xmalloc(w->counts.n * sizeof *v);
	for (i = 0; i < w->counts.cap; i++)
		if (w->counts.e[i].word != NULL)
			v[k++] = &w->counts.e[i];
	qsort(v, k, sizeof *v, count_cmp);
	for (i = 0; i < k && i < max; i++) {
		(void)str_copy(out[i].name, sizeof out[i].name, v[i]->word);
		out[i].n = v[i]->n;
	}
	free(v);
	return i;
}

/* ---- figures ------------------------------------------------------------- */

static int
int64_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

int64_t
stats_median(int64_t *v, size_t n)
{
	if (n == 0)
		return -1;
	qsort(v, n, sizeof *v, int64_cmp);
	if (n % 2 == 1)
		return v[n / 2];
	/* Halves first: no overflow, and the mean rounded down. */
	return v[n / 2 - 1] / 2 + v[n / 2] / 2 + (v[n / 2 - 1] % 2 + v[n / 2] % 2) / 2;
}

void
stats_duration(int64_t secs, char *out, size_t outsz)
{
	static const struct {
		int64_t secs;
		const char *unit;
	} units[] = { { 86400, "d" }, { 3600, "h" }, { 60, "m" }, { 1, "s" } };
	size_t i;
	int64_t a, b;

	if (secs < 0)
		secs = 0;
	for (i = 0; i + 1 < ARRAY_LEN(units) && secs < units[i].secs; i++)
		;
	a = secs / units[i].secs;
	if (i + 1 == ARRAY_LEN(units)) {
		snprintf(out, outsz, "%llds", (long long)a);
		return;
	}
	b = secs % units[i].secs / units[i + 1].secs;
	snprintf(out, outsz, "%lld%s %lld%s", (long long)a, units[i].unit, (long long)b,
	    units[i + 1].unit);
}

int
stats_parse_since(const char *arg, int64_t now, int64_t *since)
{
	struct date d;
	struct tm tm;
	time_t t;
	char *end;
	long n;

	if (arg == NULL || *arg == '\0')
		return -1;
	/* 30d, 12h, 2w */
	if (arg[0] >= '0' && arg[0] <= '9' && strchr(arg, '-') == NULL) {
		n = strtol(arg, &end, 10);
		if (end == arg || end[0] == '\0' || end[1] != '\0' || n < 0 || n > 100000)
			return -1;
		switch (*end) {
		case 'h':
			*since = now - (int64_t)n * 3600;
			return 0;
		case 'd':
			*since = now - (int64_t)n * 86400;
			return 0;
		case 'w':
			*since = now - (int64_t)n * 7 * 86400;
			return 0;
		default:
			return -1;
		}
	}
	/* YYYY-MM-DD[(T| )HH:MM[:SS]], local time: util/date.h checks the fields. */
	if (date_parse(arg, strlen(arg), DATE_DAY_ALONE | DATE_SECONDS_OPTIONAL | DATE_NO_ZONE |
	    DATE_NO_FRACTION, &d) != 0)
		return -1;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = d.year - 1900;
	tm.tm_mon = d.month - 1;
	tm.tm_mday = d.day;
	tm.tm_hour = d.hour;
	tm.tm_min = d.min;
	tm.tm_sec = d.sec;
	tm.tm_isdst = -1;
	if ((t = mktime(&tm)) == (time_t)-1)
		return -1;
	*since = (int64_t)t;
	return 0;
}

struct counts {
	struct stats_count *v;
	size_t n, cap;
};

static void
count_row(void *arg, const char *name, long n)
{
	struct counts *c = arg;

	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		c->v = xrealloc(c->v, c->cap * sizeof *c->v);
	}
	(void)str_copy(c->v[c->n].name, sizeof c->v[c->n].name, name);
	c->v[c->n++].n = n;
}

static int
counts_by(struct store *s, enum store_stats_by by, int64_t since, struct stats_count **out,
    size_t *n)
{
	struct counts c = { NULL, 0, 0 };

	if (store_stats_counts(s, by, since, STATS_GROUPS_MAX, count_row, &c) != 0) {
		free(c.v);
		return -1;
	}
	*out = c.v;
	*n = c.n;
	return 0;
}

struct delays {
	int64_t *v;
	size_t n, cap;
	long none;
};

static void
delay_row(void *arg, int64_t created_at, int64_t first_at)
{
	struct delays *d = arg;

	if (first_at == 0) {
		d->none++;
		return;
	}
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 64;
		d->v = xrealloc(d->v, d->cap * sizeof *d->v);
	}
	d->v[d->n++] = first_at - created_at;
}

static int
triage_text(void *arg, const struct store_complaint_text *t)
{
	stats_words_add(arg, t->text != NULL ? t->text : t->description);
	return 0;
}

int
stats_compute(struct store *s, const struct conf *c, int64_t since, int64_t now,
    struct stats *st)
{
	struct delays d = { NULL, 0, 0, 0 };
	struct stats_words *w;

	memset(st, 0, sizeof *st);
	st->since = since;
	st->now = now;
	st->median_response = -1;
	if (store_stats_totals(s, since, &st->total, &st->no_rule) != 0 ||
	    counts_by(s, STORE_STATS_AGENCY, since, &st->by_agency, &st->nagency) != 0 ||
	    counts_by(s, STORE_STATS_KEYWORD, since, &st->by_keyword, &st->nkeyword) != 0 ||
	    counts_by(s, STORE_STATS_CHANNEL, since, &st->by_channel, &st->nchannel) != 0 ||
	    store_stats_overdue(s, now, &st->overdue_received, &st->overdue_routed) != 0)
		return -1;
	st->truncated = st->total > STATS_ROWS_MAX;
	if (store_stats_responses(s, since, STATS_ROWS_MAX, delay_row, &d) != 0) {
		free(d.v);
		return -1;
	}
	st->responded = (long)d.n;
	st->unanswered = d.none;
	st->median_response = stats_median(d.v, d.n);
	free(d.v);

	w = stats_words_new(c);
	if (store_complaint_messages_each(s, since, "", STATS_ROWS_MAX, triage_text, w) < 0) {
		stats_words_free(w);
		return -1;
	}
	st->triage_texts = (long)w->msg;
	st->nwords = stats_words_top(w, st->words, STATS_TOP_WORDS);
	stats_words_free(w);
	return 0;
}

void
stats_clear(struct stats *st)
{
	if (st == NULL)
		return;
	free(st->by_agency);
	free(st->by_keyword);
	free(st->by_channel);
	st->by_agency = st->by_keyword = st->by_channel = NULL;
	st->nagency = st->nkeyword = st->nchannel = 0;
}

/* ---- the report ---------------------------------------------------------- */

static double
pct(long n, long of)
{
	return of > 0 ? 100.0 * (double)n / (double)of : 0.0;
}

static const char *
shown(const char *name, const char *empty)
{
	return *name != '\0' ? name : empty;
}

/* One table: NAME, complaints and share, and for agencies their full name. */
static void
table(FILE *f, const char *title, const char *head, const struct stats_count *v, size_t n,
    long total, const char *empty, const struct conf *c)
{
	size_t i, w = strlen(head);
	long a;

	fprintf(f, "\n%s\n", title);
	if (n == 0) {
		fprintf(f, "  (none)\n");
		return;
	}
	for (i = 0; i < n; i++)
		if (strlen(shown(v[i].name, empty)) > w)
			w = strlen(shown(v[i].name, empty));
	fprintf(f, "  %-*s  %10s  %6s\n", (int)w, head, "complaints", "share");
	for (i = 0; i < n; i++) {
		fprintf(f, "  %-*s  %10ld  %5.1f%%", (int)w, shown(v[i].name, empty), v[i].n,
		    pct(v[i].n, total));
		if (c != NULL && (a = conf_agency_find(c, v[i].name)) >= 0 &&
		    c->agencies[a].name != NULL)
			fprintf(f, "  %s", c->agencies[a].name);
		fputc('\n', f);
	}
}

void
stats_print(const struct stats *st, const struct conf *c, FILE *f)
{
	char when[64], dur[64];
	time_t t = (time_t)st->since;
	struct tm tm;
	size_t i, w = 4;

	localtime_r(&t, &tm);
	strftime(when, sizeof when, "%Y-%m-%d %H:%M %Z", &tm);
	fprintf(f, "complaints since %s: %ld\n", when, st->total);
	if (st->truncated)
		fprintf(f, "(the response times and words below read the first %d only)\n",
		    STATS_ROWS_MAX);

	table(f, "per agency", "agency", st->by_agency, st->nagency, st->total, "", c);
	table(f, "per keyword", "keyword", st->by_keyword, st->nkeyword, st->total,
	    "(no rule: triage)", NULL);
	table(f, "per channel", "channel", st->by_channel, st->nchannel, st->total, "", NULL);

	fprintf(f, "\ntriage\n");
	fprintf(f, "  no rule matched:  %ld of %ld (%.1f%%)", st->no_rule, st->total,
	    pct(st->no_rule, st->total));
	if (c != NULL)
		fprintf(f, ", sent to %s", c->agencies[c->triage].id);
	fputc('\n', f);

	fprintf(f, "\nfirst agency response\n");
	if (st->median_response >= 0) {
		stats_duration(st->median_response, dur, sizeof dur);
		fprintf(f, "  median:           %s", dur);
		if (st->median_response >= 60)
			fprintf(f, " (%lld s)", (long long)st->median_response);
		fprintf(f, " over %ld complaint%s\n", st->responded, st->responded == 1 ? "" : "s");
	} else
		fprintf(f, "  median:           - (no agency has answered yet)\n");
	fprintf(f, "  no response yet:  %ld\n", st->unanswered);

	fprintf(f, "\noverdue now (every complaint, whatever its age)\n");
	fprintf(f, "  received, not routed by its route due date:      %ld\n",
	    st->overdue_received);
	fprintf(f, "  routed, not followed up by its follow-up date:   %ld\n",
	    st->overdue_routed);

	fprintf(f, "\ncandidate keywords: words of the %ld triage message%s no rule or region knows\n",
	    st->triage_texts, st->triage_texts == 1 ? "" : "s");
	if (st->nwords == 0) {
		fprintf(f, "  (none)\n");
		return;
	}
	for (i = 0; i < st->nwords; i++)
		if (strlen(st->words[i].name) > w)
			w = strlen(st->words[i].name);
	fprintf(f, "  %-*s  %8s\n", (int)w, "word", "messages");
	for (i = 0; i < st->nwords; i++)
		fprintf(f, "  %-*s  %8ld\n", (int)w, st->words[i].name, st->words[i].n);
}
