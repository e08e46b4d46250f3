/*
 * route_bench: the router alone, with 10, 1,000 and 10,000 keyword rules
 * and with the example config's rules.  Part of `make bench` (bench/run.sh);
 * no test runs it and nothing here asserts a time.
 *
 *   route_bench [CONF [SECONDS]]     (conf/aduan.conf, 1 s per table)
 *
 * The generated tables are built by hand, as test/test_route.c builds its
 * conf: the router is measured, not the config loader.  They take the
 * example config's word-form settings (routing.stemming, its dictionary,
 * its spellings), so every row pays for stems and spellings alike.  Every generated
 * rule has a keyword, two aliases, an English alias, every fourth rule a
 * two-word phrase, every fifth a regional agency; words are 6 to 9 made-up
 * letters (so every one has a typo neighbourhood), none within one letter
 * of a word of the fixed messages, and the 10-rule table is
 * the first 10 rules of the 1,000-rule table, which is the start of the
 * 10,000-rule one.  The same fixed set of messages is routed through every
 * table: real complaints in the example's words, and complaints that hit
 * the generated rules 0..9 (leading keyword, alias inside the text, a typo,
 * a phrase, the structured KEYWORD#LOCATION#TEXT form, a region word),
 * plus long ones with no keyword at all.
 *
 * The tables are built first, then take turns for 10 rounds of SECONDS/10
 * each, so that other work on the machine slows them alike; the fastest
 * round of each is its figure (ns_per_msg, msgs_per_s), the mean of all
 * rounds is printed too.  Output, one line per table (bench/run.sh parses
 * it):
 *   ROUTE name=NAME rules=N words=N build_ms=X msgs=N secs=X msgs_per_s=X
 *         ns_per_msg=X ns_per_msg_avg=X matched=N/N
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf/conf.h"
#include "routing/route.h"
#include "util/util.h"

#define NAGENCIES       20
#define MAX_RULES       10000

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t
rng(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	rng_state = x;
	return x;
}

static int near_fixed(const char *w);

/* A set of the words handed out so far, so that every word is unique. */
static char **seen;
static size_t seen_mask;

static uint64_t
word_hash(const char *s)
{
	return fnv1a(FNV1A_INIT, s, strlen(s));
}

static int
seen_add(const char *w)
{
	size_t i;

	for (i = word_hash(w) & seen_mask; seen[i] != NULL; i = (i + 1) & seen_mask)
		if (strcmp(seen[i], w) == 0)
			return 0;
	seen[i] = (char *)w;
	return 1;
}

/* A new made-up word: 3 or 4 consonant-vowel syllables, maybe a final consonant. */
static char *
new_word(void)
{
	static const char cons[] = "BCDGHJKLMNPRSTW";
	static const char vow[] = "AIUEO";
	static const char fin[] = "KNRSTH";
	char buf[16], *w;
	size_t n, i, len;

	for (;;) {
		n = 3 + rng() % 2;
		len = 0;
		for (i = 0; i < n; i++) {
			buf[len++] = cons[rng() % (sizeof cons - 1)];
			buf[len++] = vow[rng() % (sizeof vow - 1)];
		}
		if (rng() % 2)
			buf[len++] = fin[rng() % (sizeof fin - 1)];
		buf[len] = '\0';
		if (near_fixed(buf))
			continue;
		w = xstrdup(buf);
		if (seen_add(w))
			return w;
		free(w);
	}
}

static const char *const region_words[2][6] = {
	{ "UNGARAN", "BERGAS", "LEYANGAN", "GEDANGANAK", "LEREP", "NYATNYONO" },
	{ "AMBARAWA", "BANYUBIRU", "JAMBU", "BANDUNGAN", "BAWEN", "SUMOWONO" },
};

static struct conf_agency agencies[NAGENCIES];
static struct conf_region regions[2];
static struct conf_rule *all_rules;

/* MAX_RULES rules; a table of N rules uses the first N. */
static void
generate(void)
{
	static char names[NAGENCIES][32];
	size_t i, j;

	seen_mask = (1u << 18) - 1;
	seen = xcalloc(seen_mask + 1, sizeof *seen);
	for (i = 0; i < 2; i++)
		for (j = 0; j < 6; j++)
			seen_add(region_words[i][j]);
	for (i = 0; i < NAGENCIES; i++) {
		snprintf(names[i], sizeof names[i], "agency-%zu", i);
		agencies[i].id = names[i];
		agencies[i].name = names[i];
		agencies[i].short_name = names[i];
		agencies[i].line = (int)i + 1;
	}
	for (i = 0; i < 2; i++) {
		regions[i].id = i == 0 ? "ungaran" : "ambarawa";
		regions[i].name = regions[i].id;
		regions[i].keywords = (char **)region_words[i];
		regions[i].nkeywords = 6;
		regions[i].line = 100 + (int)i;
	}
	all_rules = xcalloc(MAX_RULES, sizeof *all_rules);
	for (i = 0; i < MAX_RULES; i++) {
		struct conf_rule *r = &all_rules[i];
		char phrase[40];

		r->keyword = new_word();
		r->naliases = i % 4 == 0 ? 3 : 2;
		r->aliases = xcalloc(r->naliases, sizeof *r->aliases);
		r->aliases[0] = new_word();
		r->aliases[1] = new_word();
		if (i % 4 == 0) {
			/* A two-word phrase: its words are not keywords alone. */
			char *a = new_word(), *b = new_word();

			snprintf(phrase, sizeof phrase, "%s %s", a, b);
			r->aliases[2] = xstrdup(phrase);
			free(a);
			free(b);
		}
		r->naliases_en = 1;
		r->aliases_en = xcalloc(1, sizeof *r->aliases_en);
		r->aliases_en[0] = new_word();
		r->agency = 1 + i % (NAGENCIES - 1);
		if (i % 5 == 0) {
			r->nregional = 1;
			r->regional = xcalloc(1, sizeof *r->regional);
			r->regional[0].region = 1;
			r->regional[0].agency = 1 + (i + 7) % (NAGENCIES - 1);
		}
		r->label[LANG_ID] = r->keyword;
		r->label[LANG_EN] = r->keyword;
		r->line = 200 + (int)i;
	}
}

/*
 * The messages.  Fixed texts first (real complaints in the example
 * config's words, and long ones with no keyword), then texts that carry a
 * word of a generated rule 0..9 in place of %s.  No generated word is
 * within one edit of any word of these texts (generate() makes sure), so
 * the fixed texts go to triage in every generated table, whatever its size:
 * every table does the same work per message, only the table grows.
 */
enum slot { S_NONE, S_KEYWORD0, S_ALIAS3_LOWER, S_TYPO5, S_PHRASE4, S_EN9 };

static const struct {
	enum slot slot;
	const char *text;
} texts[] = {
	{ S_NONE, "JALAN Jl. Pemuda depan SMP 3 berlubang" },
	{ S_NONE, "lampu jalan mati sejak seminggu di gang mawar, gelap sekali kalau malam" },
	{ S_NONE, "Sampha menumpuk di pinggir pasar Bandungan sudah tiga hari tidak diangkut" },
	{ S_NONE, "Air PDAM tidak mengalir sejak kemarin pagi di Perum Griya Asri Bergas" },
	{ S_NONE, "tolong pak ada pohon tumbang menutup jalan desa, motor tidak bisa lewat" },
	{ S_NONE, "garbage in front of the school since last week" },
	{ S_NONE, "Puskesmas Bawen tutup jam 11 padahal jadwal sampai jam 14" },
	{ S_NONE, "PKL menutup trotoar depan alun-alun Ungaran setiap sore" },
	{ S_NONE, "listik padam tiap malam di Desa Bejalen Ambarawa" },
	{ S_NONE, "saya mau tanya kenapa bantuan sosial untuk ibu saya belum cair padahal "
	    "sudah terdaftar sejak tahun lalu dan sudah berkali kali datang ke kantor "
	    "desa tapi selalu disuruh menunggu tanpa kejelasan sama sekali" },
	{ S_NONE, "mohon ditindaklanjuti pak, warga sudah resah karena setiap hujan deras "
	    "air meluap ke rumah rumah di RT 03 RW 02 dan anak anak tidak bisa berangkat "
	    "ke sekolah, sudah lapor ke kelurahan tapi belum ada tanggapan" },
	{ S_KEYWORD0, "%s Jl. Diponegoro depan SMP 2 Ungaran berlubang besar" },
	{ S_ALIAS3_LOWER, "sudah dua minggu %s di depan pasar Ambarawa belum ditangani" },
	{ S_TYPO5, "%s di dekat masjid Al Ikhlas sudah lama tidak diperbaiki" },
	{ S_PHRASE4, "warga mengeluh %s di perempatan Lerep setiap pagi" },
	{ S_EN9, "%s belum ada tindak lanjut dari petugas" },
};

/* Structured messages: KEYWORD#LOCATION#TEXT (the keyword NULL: rule 7's). */
static const char *const structured[][3] = {
	{ "JALAN", "Bawen", "lubang besar depan SD 2" },
	{ NULL, "Desa Banyubiru", "sudah rusak sejak musim hujan" },
};

struct msg {
	char *text;                     /* free form, or the description */
	char *keyword;                  /* structured only */
	char *location;                 /* structured only */
};

static struct msg msgs[32];
static size_t nmsgs;

/* Every word of the fixed texts, upper-case: generated words keep off them. */
static char *fixed_words[256];
static size_t nfixed;

static void
add_fixed_words(const char *s)
{
	char w[64];
	size_t n;

	while (*s) {
		while (*s && !((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
			s++;
		for (n = 0; (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z'); s++)
			if (n < sizeof w - 1)
				w[n++] = (char)(*s >= 'a' ? *s - 'a' + 'A' : *s);
		if (n > 0 && nfixed < sizeof fixed_words / sizeof fixed_words[0]) {
			w[n] = '\0';
			fixed_words[nfixed++] = xstrdup(w);
		}
	}
}

static void
collect_fixed_words(void)
{
	size_t i, j;

	for (i = 0; i < sizeof texts / sizeof texts[0]; i++)
		add_fixed_words(texts[i].text);
	for (i = 0; i < sizeof structured / sizeof structured[0]; i++)
		for (j = 0; j < 3; j++)
			if (structured[i][j] != NULL)
				add_fixed_words(structured[i][j]);
}

/* a and b are equal or one substitution, insertion, deletion or swap apart. */
static int
one_edit(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i = 0;

	if (la < lb) {
		const char *t = a;

		a = b;
		b = t;
		i = la;
		la = lb;
		lb = i;
		i = 0;
	}
	if (la - lb > 1)
		return 0;
	while (i < lb && a[i] == b[i])
		i++;
	if (i == lb)
		return 1;
	if (la == lb)
		return strcmp(a + i + 1, b + i + 1) == 0 ||
		    (i + 1 < la && a[i] == b[i + 1] && a[i + 1] == b[i] &&
		    strcmp(a + i + 2, b + i + 2) == 0);
	return strcmp(a + i + 1, b + i) == 0;
}

static int
near_fixed(const char *w)
{
	size_t i;

	for (i = 0; i < nfixed; i++)
		if (one_edit(w, fixed_words[i]))
			return 1;
	return 0;
}

/* text with its one "%s" replaced by word (no printf on a table string). */
static void
replace_slot(char *out, size_t outsz, const char *text, const char *word)
{
	const char *p = strstr(text, "%s");

	if (p == NULL) {
		snprintf(out, outsz, "%s", text);
		return;
	}
	snprintf(out, outsz, "%.*s%s%s", (int)(p - text), text, word, p + 2);
}

static void
make_messages(void)
{
	char buf[1024], word[64];
	size_t i;

	for (i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		const struct conf_rule *r = all_rules;

		word[0] = '\0';
		switch (texts[i].slot) {
		case S_NONE:
			break;
		case S_KEYWORD0:
			snprintf(word, sizeof word, "%s", r[0].keyword);
			break;
		case S_ALIAS3_LOWER: {
			size_t j;

			snprintf(word, sizeof word, "%s", r[3].aliases[0]);
			for (j = 0; word[j]; j++)
				word[j] = (char)(word[j] - 'A' + 'a');
			break;
		}
		case S_TYPO5: {
			char t;

			/* Two neighbours swapped: consonant and vowel, so never the same. */
			snprintf(word, sizeof word, "%s", r[5].keyword);
			t = word[2];
			word[2] = word[3];
			word[3] = t;
			break;
		}
		case S_PHRASE4:
			snprintf(word, sizeof word, "%s", r[4].aliases[2]);
			break;
		case S_EN9:
			snprintf(word, sizeof word, "%s", r[9].aliases_en[0]);
			break;
		}
		if (texts[i].slot == S_NONE)
			snprintf(buf, sizeof buf, "%s", texts[i].text);
		else
			replace_slot(buf, sizeof buf, texts[i].text, word);
		msgs[nmsgs++].text = xstrdup(buf);
	}
	for (i = 0; i < sizeof structured / sizeof structured[0]; i++) {
		msgs[nmsgs].keyword = xstrdup(structured[i][0] ? structured[i][0] :
		    all_rules[7].keyword);
		msgs[nmsgs].location = xstrdup(structured[i][1]);
		msgs[nmsgs++].text = xstrdup(structured[i][2]);
	}
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t
count_words(const struct conf *c)
{
	size_t n = 0, i;

	for (i = 0; i < c->nrules; i++)
		n += 1 + c->rules[i].naliases + c->rules[i].naliases_en;
	for (i = 0; i < c->nregions; i++)
		n += c->regions[i].nkeywords;
	return n;
}

static size_t
route_all(const struct route_table *rt, struct route_decision *d)
{
	size_t i, matched = 0;

	for (i = 0; i < nmsgs; i++) {
		const struct msg *m = &msgs[i];

		if (m->keyword != NULL)
			route_structured(rt, m->keyword, strlen(m->keyword), m->location,
			    strlen(m->location), m->text, strlen(m->text), d);
		else
			route_text(rt, m->text, strlen(m->text), d);
		matched += d->rule >= 0;
	}
	return matched;
}

/* One table under test. */
struct bench {
	char name[32];
	struct conf gen;                /* the generated tables' conf */
	const struct conf *c;
	struct route_table *rt;
	double build_ms;
	size_t matched;
	size_t msgs;                    /* all rounds */
	double secs;                    /* all rounds */
	double best_ns;                 /* the fastest round, ns per message */
};

#define ROUNDS  10
#define NBENCH  4               /* the example's rules, then 10, 1,000, 10,000 */

static int
build(struct bench *b)
{
	struct route_decision d;
	char err[256];
	double t0;

	t0 = now_s();
	b->rt = route_build(b->c, err, sizeof err);
	b->build_ms = (now_s() - t0) * 1e3;
	if (b->rt == NULL) {
		fprintf(stderr, "route_bench: %s: route_build: %s\n", b->name, err);
		return -1;
	}
	b->matched = route_all(b->rt, &d);     /* and warm the caches */
	b->best_ns = 0;
	return 0;
}

/* One round: the messages in a loop for about `seconds`. */
static void
round_of(struct bench *b, double seconds)
{
	struct route_decision d;
	double start, el, ns;
	size_t n = 0;

	start = now_s();
	do {
		route_all(b->rt, &d);
		n += nmsgs;
		el = now_s() - start;
	} while (el < seconds);
	b->msgs += n;
	b->secs += el;
	ns = el * 1e9 / (double)n;
	if (b->best_ns == 0 || ns < b->best_ns)
		b->best_ns = ns;
}

int
main(int argc, char **argv)
{
	static const size_t sizes[] = { 10, 1000, 10000 };
	const char *path = argc > 1 ? argv[1] : "conf/aduan.conf";
	double seconds = argc > 2 ? atof(argv[2]) : 1.0;
	static struct bench benches[NBENCH];
	struct conf_errors errs;
	struct conf *ex;
	size_t i, r;

	if (argc > 3 || !(seconds > 0 && seconds <= 60)) {
		fprintf(stderr, "usage: route_bench [CONF [SECONDS]]\n");
		return 2;
	}
	collect_fixed_words();
	generate();
	make_messages();

	memset(&errs, 0, sizeof errs);
	ex = conf_load_file(path, CONF_DEMO, &errs);
	if (ex == NULL) {
		fprintf(stderr, "route_bench: %s: %s (line %d)\n", path,
		    errs.n > 0 ? errs.e[0].msg : "cannot load", errs.n > 0 ? errs.e[0].line : 0);
		return 1;
	}
	memset(benches, 0, sizeof benches);
	snprintf(benches[0].name, sizeof benches[0].name, "example");
	benches[0].c = ex;
	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		struct bench *b = &benches[i + 1];

		b->gen.path = "<generated>";
		b->gen.agencies = agencies;
		b->gen.nagencies = NAGENCIES;
		b->gen.triage = 0;
		b->gen.regions = regions;
		b->gen.nregions = 2;
		b->gen.rules = all_rules;
		b->gen.nrules = sizes[i];
		/* word forms as the example config has them: stems, spellings */
		b->gen.routing_stemming = ex->routing_stemming;
		b->gen.routing_dictionary = ex->routing_dictionary;
		b->gen.spellings = ex->spellings;
		b->gen.nspellings = ex->nspellings;
		b->c = &b->gen;
		snprintf(b->name, sizeof b->name, "generated-%zu", sizes[i]);
	}
	for (i = 0; i < NBENCH; i++)
		if (build(&benches[i]) != 0)
			return 1;
	/*
	 * The tables take turns, ROUNDS rounds each: a burst of other work on
	 * the machine slows them alike, and the fastest round of each is the
	 * figure least disturbed by it.
	 */
	for (r = 0; r < ROUNDS; r++)
		for (i = 0; i < NBENCH; i++)
			round_of(&benches[i], seconds / ROUNDS);
	for (i = 0; i < NBENCH; i++) {
		struct bench *b = &benches[i];

		printf("ROUTE name=%s rules=%zu words=%zu build_ms=%.2f msgs=%zu secs=%.3f "
		    "msgs_per_s=%.0f ns_per_msg=%.1f ns_per_msg_avg=%.1f matched=%zu/%zu\n",
		    b->name, b->c->nrules, count_words(b->c), b->build_ms, b->msgs, b->secs,
		    1e9 / b->best_ns, b->best_ns, b->secs * 1e9 / (double)b->msgs, b->matched, nmsgs);
		route_free(b->rt);
	}
	conf_free(ex);
	return 0;
}
