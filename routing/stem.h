/*
 * stem: the root of an Indonesian word as citizens text it, so that
 * BERLUBANG, LUBANGNYA, LUBANG2 and LUBANG-LUBANG all meet at LUBANG.
 *
 * The only includer of <hunspell/hunspell.h>.  Words come and go folded
 * upper-case, as text_fold_word() makes them.  stem_word() tries, in order:
 *   1. reduplication: ANAK2 -> ANAK, LAMPU-LAMPU -> LAMPU (ANAK2NYA ->
 *      ANAKNYA, then on);
 *   2. the Hunspell dictionary (Debian hunspell-id), for words it knows:
 *      of several stems the shortest of 3+ letters, then the first in
 *      byte order;
 *   3. for words it does not know (SEKOLAHNYA, slang), a small affix
 *      stripper: particles -LAH -KAH -PUN, possessives -NYA -KU -MU, then
 *      suffixes -KAN -AN -I and prefixes DI- KE- SE- TER- BER- ME(N)-
 *      PE(N)- (MEM->P, MEN->T, MENG->K, MENY->S); a root found that way is
 *      kept only when the dictionary knows it, the particle and possessive
 *      strip always.
 * A stem is at least STEM_MIN letters; a word that cannot be cut that far
 * is its own stem.
 *
 * Threads: a stemmer is shared by every routing thread.  Hunspell itself
 * is not thread-safe, so its calls run under the stemmer's mutex; in front
 * of them each thread keeps a small fixed-size cache keyed by the folded
 * word (2,048 words, 4-way; thread-local, no lock, no allocation: ~40 ns a
 * hit), so a message's common words rarely reach the lock; behind the lock
 * a cache all threads share (8,192 words) spares the others a word one
 * thread has stemmed (Hunspell itself: ~40 us a word).  stem_word() is
 * otherwise a pure function of the word and the dictionary.
 *
 * Ownership: stem_open() returns a stemmer the caller frees with
 * stem_close() once no thread uses it.  A loaded dictionary is shared:
 * stem_open() of a path already open returns that stemmer (counted), so
 * a reload or rules suggest's many route tables read the files once
 * (~50 ms and ~3.5 MB each); a new file on disk is read once no table
 * uses the old one.
 */
#ifndef ADUAN_STEM_H
#define ADUAN_STEM_H

#include <stddef.h>

#define STEM_MIN	3	/* letters a stem keeps at least */

struct stemmer;

enum stem_how {
	STEM_SAME,		/* the word is its own stem */
	STEM_DICT,		/* the dictionary's stem */
	STEM_AFFIX,		/* the affix stripper (word unknown to it) */
	STEM_REDUP		/* reduplication alone (ANAK2) */
};

/*
 * Opens the Hunspell dictionary dict (the path without .aff/.dic, e.g.
 * "/usr/share/hunspell/id_ID"); NULL: no dictionary.  When there is none,
 * or it cannot be read, the stemmer still works with reduplication and
 * the particle/possessive strip alone, and err (when errsz > 0) says why;
 * else err is "".  Never NULL.
 */
struct stemmer *stem_open(const char *dict, char *err, size_t errsz);
void stem_close(struct stemmer *s);

/* 1 when the stemmer has a dictionary. */
int stem_has_dict(const struct stemmer *s);

/*
 * The stem of folded[0..len) into out (outsz bytes, NUL-terminated); its
 * length, 0 when it does not fit (or len is 0).  *how (may be NULL) says
 * which step gave it.  Thread-safe.
 */
size_t stem_word(const struct stemmer *s, const char *folded, size_t len,
    char *out, size_t outsz, enum stem_how *how);

/*
 * 1 when the dictionary knows folded[0..len) (after reduplication) as a
 * word of its own: SERING, LAYAK, PEMAKAMAN.  0 without a dictionary.
 * Cached with the stem; thread-safe.
 */
int stem_known(const struct stemmer *s, const char *folded, size_t len);

/* "same", "dictionary", "affix", "reduplication". */
const char *stem_how_name(enum stem_how how);

/* Cache counters of the calling thread: look-ups and hits (for tests and benches). */
void stem_cache_stats(unsigned long *lookups, unsigned long *hits);

#endif
