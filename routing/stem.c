/*
 * stem: Indonesian word roots for routing (see stem.h for the order of the
 * steps and the threading contract).
 *
 * Hunspell keeps per-call scratch state in its handle, so every call on
 * it runs under the stemmer's mutex.  Routing stems most words of every
 * message (a word that is no keyword is looked up by its stem too), so a
 * per-thread direct-mapped cache sits in front: a hit costs one hash of
 * the word and one compare, no lock and no allocation.  The cache is
 * allocated once per thread (pthread key, freed when the thread ends) and
 * tagged with the stemmer's generation, so a reload's new stemmer never
 * reads an old one's answers.
 */
#include "routing/stem.h"

#include <hunspell/hunspell.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/log.h"
#include "util/util.h"

#define HOW_KNOWN	0x80	/* in a how byte: the dictionary knows the word */
#define STEM_WORD_MAX	64	/* longest word stemmed (as route's WORD_MAX) */
#define CACHE_WAYS	4	/* slots per set: a few words sharing a set all stay */
#define CACHE_SETS	512	/* per thread, a power of two: 2,048 words */
#define CACHE_WORD	24	/* words and stems this long (with NUL) are cached */
#define SHARED_SLOTS	8192	/* per stemmer, under its lock, a power of two */

struct cslot;

struct stemmer {
	Hunhandle *h;			/* NULL: no dictionary */
	pthread_mutex_t mu;		/* every call on h, and shared[] */
	unsigned long gen;		/* tags this stemmer's cache entries */
	/*
	 * Behind the threads' caches, one all threads fill (direct-mapped):
	 * a word one thread stemmed costs another ~0.1 us under the lock,
	 * not the ~40 us of Hunspell.  With a dictionary only.
	 */
	struct cslot *shared;
	/*
	 * A loaded dictionary is shared (stem_open of the same path while
	 * one is open returns it): route tables built one after another
	 * (reload, rules suggest's candidates, lint) load Hunspell once.
	 */
	char *dict;			/* the path, for the registry; NULL: not shared */
	unsigned refs;			/* under reg_mu */
	struct stemmer *next;		/* the registry's list */
};

static pthread_mutex_t reg_mu = PTHREAD_MUTEX_INITIALIZER;
static struct stemmer *reg;		/* loaded dictionaries in use */

struct cslot {
	unsigned long gen;		/* 0: empty */
	unsigned char wlen, slen, how;
	char w[CACHE_WORD];
	char s[CACHE_WORD];
};

/*
 * Set-associative: a direct-mapped table thrashed (two words of one
 * message in one slot evicted each other on every message: 8% misses in
 * route_bench, each a trip to Hunspell under the lock).
 */
struct cache {
	struct cslot slot[CACHE_SETS][CACHE_WAYS];
	unsigned char next[CACHE_SETS];	/* round-robin victim of each set */
	unsigned long lookups, hits;
};

static pthread_key_t cache_key;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;
static unsigned long next_gen;		/* __atomic */

static void
cache_key_make(void)
{
	if (pthread_key_create(&cache_key, free) != 0)
		fatal("stem: pthread_key_create failed");
}

static struct cache *
cache_get(void)
{
	struct cache *c;

	(void)pthread_once(&cache_once, cache_key_make);
	if ((c = pthread_getspecific(cache_key)) == NULL) {
		c = xcalloc(1, sizeof(*c));
		if (pthread_setspecific(cache_key, c) != 0) {
			free(c);
			return NULL;
		}
	}
	return c;
}

static int
readable(const char *path)
{
	return access(path, R_OK) == 0;
}

static struct stemmer *open_new(const char *dict, char *err, size_t errsz);

struct stemmer *
stem_open(const char *dict, char *err, size_t errsz)
{
	struct stemmer *s;

	if (errsz > 0)
		err[0] = '\0';
	pthread_mutex_lock(&reg_mu);
	for (s = reg; s != NULL; s = s->next)
		if (dict != NULL && strcmp(s->dict, dict) == 0)
			break;
	if (s != NULL)
		s->refs++;
	else if ((s = open_new(dict, err, errsz))->h != NULL) {
		s->dict = xstrdup(dict);
		s->refs = 1;
		s->next = reg;
		reg = s;
	}
	pthread_mutex_unlock(&reg_mu);
	return s;
}

static struct stemmer *
open_new(const char *dict, char *err, size_t errsz)
{
	struct stemmer *s = xcalloc(1, sizeof(*s));
	char aff[4096], dic[4096];

	pthread_mutex_init(&s->mu, NULL);
	s->gen = __atomic_add_fetch(&next_gen, 1, __ATOMIC_RELAXED);
	if (dict == NULL || *dict == '\0') {
		(void)errf(err, errsz, "no dictionary: stems from "
		    "reduplication and -nya/-ku/-mu/-lah/-kah/-pun only");
		return s;
	}
	if ((size_t)snprintf(aff, sizeof(aff), "%s.aff", dict) >= sizeof(aff) ||
	    (size_t)snprintf(dic, sizeof(dic), "%s.dic", dict) >= sizeof(dic)) {
		(void)errf(err, errsz, "dictionary path too long");
		return s;
	}
	if (!readable(aff) || !readable(dic)) {
		(void)errf(err, errsz, "dictionary %s.aff/.dic not readable "
		    "(Debian package hunspell-id): stems from reduplication "
		    "and -nya/-ku/-mu/-lah/-kah/-pun only", dict);
		return s;
	}
	s->h = Hunspell_create(aff, dic);
	if (s->h != NULL)
		s->shared = xcalloc(SHARED_SLOTS, sizeof(*s->shared));
	if (s->h == NULL)
		(void)errf(err, errsz, "dictionary %s: Hunspell cannot load "
		    "it: stems from reduplication and -nya/-ku/-mu/-lah/-kah/"
		    "-pun only", dict);
	return s;
}

void
stem_close(struct stemmer *s)
{
	struct stemmer **p;

	if (s == NULL)
		return;
	if (s->dict != NULL) {
		pthread_mutex_lock(&reg_mu);
		if (--s->refs > 0) {
			pthread_mutex_unlock(&reg_mu);
			return;
		}
		for (p = &reg; *p != NULL; p = &(*p)->next)
			if (*p == s) {
				*p = s->next;
				break;
			}
		pthread_mutex_unlock(&reg_mu);
		free(s->dict);
	}
	if (s->h != NULL)
		Hunspell_destroy(s->h);
	free(s->shared);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

int
stem_has_dict(const struct stemmer *s)
{
	return s != NULL && s->h != NULL;
}

const char *
stem_how_name(enum stem_how how)
{
	switch (how) {
	case STEM_DICT:
		return "dictionary";
	case STEM_AFFIX:
		return "affix";
	case STEM_REDUP:
		return "reduplication";
	case STEM_SAME:
		break;
	}
	return "same";
}

static int
letters(const char *w, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (w[i] < 'A' || w[i] > 'Z')
			return 0;
	return len > 0;
}

static int
ends(const char *w, size_t len, const char *suf)
{
	size_t n = strlen(suf);

	return len >= n && memcmp(w + len - n, suf, n) == 0;
}

/*
 * Reduplication into w (upper case, letters): ANAK2 -> ANAK, ANAK2NYA ->
 * ANAKNYA, LAMPU-LAMPU -> LAMPU, LAMPU-LAMPUNYA -> LAMPUNYA.  Its length,
 * or 0 when in is no reduplication.
 */
static size_t
redup(const char *in, size_t len, char *w)
{
	const char *p;
	size_t a;

	if ((p = memchr(in, '2', len)) != NULL) {
		a = (size_t)(p - in);
		if (a < STEM_MIN || !letters(in, a) ||
		    (a + 1 < len && !letters(p + 1, len - a - 1)))
			return 0;
		memcpy(w, in, a);
		memcpy(w + a, p + 1, len - a - 1);
		return len - 1;
	}
	if ((p = memchr(in, '-', len)) != NULL) {
		a = (size_t)(p - in);
		if (a < STEM_MIN || !letters(in, a) || len - a - 1 < a ||
		    memcmp(p + 1, in, a) != 0 ||
		    (len - a - 1 > a && !letters(p + 1 + a, len - 2 * a - 1)))
			return 0;
		memcpy(w, p + 1, len - a - 1);
		return len - a - 1;
	}
	return 0;
}

/* Hunspell, under s->mu (held by the caller). */
static int
known(const struct stemmer *s, const char *w, size_t len)
{
	char lw[STEM_WORD_MAX];
	size_t i;

	if (s->h == NULL || len >= sizeof(lw))
		return 0;
	for (i = 0; i < len; i++)
		lw[i] = (char)(w[i] - 'A' + 'a');
	lw[len] = '\0';
	return Hunspell_spell(s->h, lw) != 0;
}

/*
 * The dictionary's stem of a word it knows, into out (upper case): the
 * shortest of STEM_MIN+ ASCII letters, ties in byte order (Hunspell's
 * order is its affix table's, not a promise).  Its length, 0 when none.
 */
static size_t
dict_stem(const struct stemmer *s, const char *w, size_t len, char *out)
{
	char lw[STEM_WORD_MAX], **list = NULL;
	size_t i, best = 0, l, k;
	int n, j, ok;

	if (s->h == NULL || len >= sizeof(lw))
		return 0;
	for (i = 0; i < len; i++)
		lw[i] = (char)(w[i] - 'A' + 'a');
	lw[len] = '\0';
	n = Hunspell_stem(s->h, &list, lw);
	for (j = 0; j < n; j++) {
		l = strlen(list[j]);
		ok = l >= STEM_MIN && l < STEM_WORD_MAX;
		for (k = 0; ok && k < l; k++)
			ok = list[j][k] >= 'a' && list[j][k] <= 'z';
		if (!ok)
			continue;
		for (k = 0; k < l; k++)
			lw[k] = (char)(list[j][k] - 'a' + 'A');
		if (best == 0 || l < best || (l == best &&
		    memcmp(lw, out, l) < 0)) {
			memcpy(out, lw, l);
			best = l;
		}
	}
	if (list != NULL)
		Hunspell_free_list(s->h, &list, n);
	return best;
}

/* A prefix and what replaces it ("MENY" -> "S"). */
struct prefix {
	const char *cut, *put;
};

/* Longest first, so MENG- is tried before MEN- and ME-. */
static const struct prefix prefixes[] = {
	{ "MENG", "K" }, { "MENG", "" }, { "MENY", "S" }, { "MEM", "P" },
	{ "MEM", "" }, { "MEN", "T" }, { "MEN", "" }, { "ME", "" },
	{ "PENG", "K" }, { "PENG", "" }, { "PENY", "S" }, { "PEM", "P" },
	{ "PEM", "" }, { "PEN", "T" }, { "PEN", "" }, { "PER", "" },
	{ "PE", "" }, { "TER", "" }, { "BER", "" }, { "BE", "" },
	{ "DI", "" }, { "KE", "" }, { "SE", "" },
	/* Javanese, as citizens of Central Java text: NGURUS, NYAPU, NGECAT */
	{ "NGE", "" }, { "NG", "" }, { "NG", "K" }, { "NY", "S" }, { "NY", "C" },
	{ "", "" },
};
static const char *const suffixes[] = { "", "KAN", "AN", "I" };

/*
 * The affix stripper for a word the dictionary does not know: particle
 * and possessive always (when STEM_MIN letters stay); then a root the
 * dictionary knows, by suffix and prefix.  Under s->mu when there is a
 * dictionary.  Its length into out; 0: nothing stripped.
 */
static size_t
affix(const struct stemmer *s, const char *in, size_t len, char *out)
{
	static const char *const particles[] = { "LAH", "KAH", "PUN" };
	static const char *const possessives[] = { "NYA", "KU", "MU" };
	char w[STEM_WORD_MAX], c[STEM_WORD_MAX];
	size_t i, j, l = len, b, pl, ql, cl, n;

	memcpy(w, in, len);
	for (i = 0; i < 3; i++)
		if (ends(w, l, particles[i]) && l - 3 >= STEM_MIN) {
			l -= 3;
			break;
		}
	for (i = 0; i < 3; i++)
		if (ends(w, l, possessives[i]) &&
		    l - strlen(possessives[i]) >= STEM_MIN) {
			l -= strlen(possessives[i]);
			break;
		}
	if (s->h == NULL)
		goto stripped;
	/*
	 * Javanese possessive -NE / -E (LAMPUNE, SAMPAHE): only onto a root
	 * the dictionary knows, since many words simply end in E.
	 */
	if (l == len && l > STEM_MIN + 1 && ends(w, l, "NE") && known(s, w, l - 2))
		l -= 2;
	else if (l == len && l > STEM_MIN && ends(w, l, "E") && known(s, w, l - 1))
		l -= 1;
	if (l < len && known(s, w, l)) {
		if ((n = dict_stem(s, w, l, out)) > 0)
			return n;
		goto stripped;
	}
	for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		if (!ends(w, l, suffixes[i]))
			continue;
		b = l - strlen(suffixes[i]);
		for (j = 0; j < sizeof(prefixes) / sizeof(prefixes[0]); j++) {
			pl = strlen(prefixes[j].cut);
			ql = strlen(prefixes[j].put);
			if (b < pl || memcmp(w, prefixes[j].cut, pl) != 0)
				continue;
			cl = b - pl + ql;
			if (cl < STEM_MIN || cl == len)
				continue;
			memcpy(c, prefixes[j].put, ql);
			memcpy(c + ql, w + pl, b - pl);
			if (known(s, c, cl)) {
				memcpy(out, c, cl);
				return cl;
			}
		}
	}
stripped:
	if (l == len)
		return 0;
	memcpy(out, w, l);
	return l;
}

/* The uncached work; under s->mu when there is a dictionary. */
static size_t
compute(const struct stemmer *s, const char *in, size_t len, char *out,
    int *how)
{
	char w[STEM_WORD_MAX];
	size_t l, n;
	int dup = 0;

	*how = STEM_SAME;
	if ((l = redup(in, len, w)) > 0)
		dup = 1;
	else {
		memcpy(w, in, len);
		l = len;
	}
	if (!letters(w, l))
		goto same;
	if (known(s, w, l)) {
		if ((n = dict_stem(s, w, l, out)) > 0) {
			*how = n == l && memcmp(out, w, l) == 0 ?
			    (dup ? STEM_REDUP : STEM_SAME) : STEM_DICT;
			*how |= HOW_KNOWN;
			return n;
		}
		memcpy(out, w, l);
		*how = (dup ? STEM_REDUP : STEM_SAME) | HOW_KNOWN;
		return l;
	} else if ((n = affix(s, w, l, out)) > 0) {
		*how = STEM_AFFIX;
		return n;
	}
same:
	memcpy(out, w, l);
	if (dup)
		*how = STEM_REDUP;
	return l;
}

static uint32_t
whash(const char *w, size_t len)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)w[i];
		h *= 16777619u;
	}
	return h ^ (h >> 15);
}

/* compute() through the shared cache; under s->mu. */
static size_t
shared_stem(struct stemmer *s, const char *w, size_t len, char *out,
    int *how)
{
	struct cslot *sl;
	size_t n;

	if (len >= CACHE_WORD)
		return compute(s, w, len, out, how);
	sl = &s->shared[whash(w, len) & (SHARED_SLOTS - 1)];
	if (sl->gen == s->gen && sl->wlen == len && memcmp(sl->w, w, len) == 0) {
		memcpy(out, sl->s, sl->slen);
		*how = sl->how;
		return sl->slen;
	}
	n = compute(s, w, len, out, how);
	if (n < CACHE_WORD) {
		sl->gen = s->gen;
		sl->wlen = (unsigned char)len;
		memcpy(sl->w, w, len);
		sl->slen = (unsigned char)n;
		memcpy(sl->s, out, n);
		sl->how = (unsigned char)*how;
	}
	return n;
}

/*
 * stem_word, with the dictionary's knowledge of the word in *how's
 * HOW_KNOWN bit (cached with the stem).
 */
static size_t
stem_word_how(const struct stemmer *s, const char *folded, size_t len,
    char *out, size_t outsz, int *how)
{
	struct stemmer *m = (struct stemmer *)s;	/* the mutex only */
	struct cache *c = NULL;
	struct cslot *sl = NULL, *set;
	char buf[STEM_WORD_MAX];
	size_t n, k, i;

	*how = STEM_SAME;
	if (s == NULL || len == 0 || len >= STEM_WORD_MAX || outsz == 0)
		return 0;
	if (len < CACHE_WORD && (c = cache_get()) != NULL) {
		c->lookups++;
		k = whash(folded, len) & (CACHE_SETS - 1);
		set = c->slot[k];
		for (i = 0; i < CACHE_WAYS; i++) {
			sl = &set[i];
			if (sl->gen != s->gen || sl->wlen != len ||
			    memcmp(sl->w, folded, len) != 0)
				continue;
			c->hits++;
			if (sl->slen >= outsz)
				return 0;
			memcpy(out, sl->s, sl->slen);
			out[sl->slen] = '\0';
			*how = sl->how;
			return sl->slen;
		}
		/* The victim: a slot of another stemmer (or empty), else in turn. */
		for (i = 0; i < CACHE_WAYS && set[i].gen == s->gen; i++)
			;
		if (i == CACHE_WAYS)
			i = c->next[k]++ % CACHE_WAYS;
		sl = &set[i];
	}
	if (s->h == NULL)
		n = compute(s, folded, len, buf, how);
	else {
		pthread_mutex_lock(&m->mu);
		n = shared_stem(m, folded, len, buf, how);
		pthread_mutex_unlock(&m->mu);
	}
	if (sl != NULL && n < CACHE_WORD) {
		sl->gen = s->gen;
		sl->wlen = (unsigned char)len;
		memcpy(sl->w, folded, len);
		sl->slen = (unsigned char)n;
		memcpy(sl->s, buf, n);
		sl->how = (unsigned char)*how;
	}
	if (n >= outsz)
		return 0;
	memcpy(out, buf, n);
	out[n] = '\0';
	return n;
}

size_t
stem_word(const struct stemmer *s, const char *folded, size_t len,
    char *out, size_t outsz, enum stem_how *how)
{
	int h;
	size_t n = stem_word_how(s, folded, len, out, outsz, &h);

	if (how != NULL)
		*how = (enum stem_how)(h & ~HOW_KNOWN);
	return n;
}

int
stem_known(const struct stemmer *s, const char *folded, size_t len)
{
	char buf[STEM_WORD_MAX];
	int h;

	if (s == NULL || s->h == NULL)
		return 0;
	(void)stem_word_how(s, folded, len, buf, sizeof(buf), &h);
	return (h & HOW_KNOWN) != 0;
}

void
stem_cache_stats(unsigned long *lookups, unsigned long *hits)
{
	struct cache *c = cache_get();

	*lookups = c != NULL ? c->lookups : 0;
	*hits = c != NULL ? c->hits : 0;
}
