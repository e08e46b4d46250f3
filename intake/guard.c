/*
 * guard: the flood and loop guard's decisions (intake/guard.h).  The pure
 * parts (hash, auto-reply match, token bucket, reply cap) take the phone's
 * row as a plain struct; guard_check() and guard_save() read and write it
 * in the caller's transaction.
 */
#include "intake/guard.h"

#include <stdio.h>
#include <string.h>

#include "util/util.h"

#define HOUR 3600

int
guard_blocked(const struct conf *c, const char *phone)
{
	size_t i;

	for (i = 0; i < c->nguard_blocklist; i++)
		if (strcmp(c->guard_blocklist[i], phone) == 0)
			return 1;
	return 0;
}

static int
is_space(unsigned char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == '\v' || ch == '\f';
}

static unsigned char
lower(unsigned char ch)
{
	return ch >= 'A' && ch <= 'Z' ? (unsigned char)(ch | 0x20) : ch;
}

/*
 * Calls fn for each byte of the normalised text, in order, without a copy:
 * ASCII letters lowered, each run of white space one space, none at
 * either end.
 */
static void
each_norm(const char *text, size_t len, void (*fn)(void *arg, unsigned char ch), void *arg)
{
	size_t i;
	int pending = 0, any = 0;

	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)text[i];

		if (is_space(ch)) {
			pending = any;
			continue;
		}
		if (pending)
			fn(arg, ' ');
		pending = 0;
		any = 1;
		fn(arg, lower(ch));
	}
}

static void
hash_byte(void *arg, unsigned char ch)
{
	uint64_t *h = arg;

	*h = fnv1a(*h, &ch, 1);
}

void
guard_hash(const char *text, size_t len, char out[STORE_HASH_LEN + 1])
{
	uint64_t h = FNV1A_INIT_STORED;

	each_norm(text, len, hash_byte, &h);
	snprintf(out, STORE_HASH_LEN + 1, "%016llx", (unsigned long long)h);
}

struct norm_buf {
	char b[1024];
	size_t n;
};

static void
buf_byte(void *arg, unsigned char ch)
{
	struct norm_buf *nb = arg;

	if (nb->n + 1 < sizeof nb->b)
		nb->b[nb->n++] = (char)ch;
}

int
guard_autoreply(const struct conf *c, const char *text, size_t len)
{
	struct norm_buf nb;
	size_t i;

	if (c->nguard_autoreply == 0)
		return 0;
	/* Auto-replies are short; a long complaint is judged on its start. */
	nb.n = 0;
	each_norm(text, len, buf_byte, &nb);
	nb.b[nb.n] = '\0';
	for (i = 0; i < c->nguard_autoreply; i++)
		if (strstr(nb.b, c->guard_autoreply[i]) != NULL)
			return 1;
	return 0;
}

int
guard_take(const struct conf *c, struct store_guard *row, int64_t now)
{
	double burst = c->guard_burst;

	if (c->guard_complaints_per_hour <= 0)
		return 1;
	if (row->tokens_at <= 0 || now < row->tokens_at)
		row->tokens = row->tokens_at <= 0 ? burst : row->tokens;
	else
		row->tokens += (double)(now - row->tokens_at) * c->guard_complaints_per_hour / HOUR;
	if (row->tokens > burst)
		row->tokens = burst;
	row->tokens_at = now;
	if (row->tokens < 1.0)
		return 0;
	row->tokens -= 1.0;
	return 1;
}

/* The bucket part of a decision: PASS, LIMITED (the notice) or QUIET. */
static void
bucket(const struct conf *c, struct guard *g, int64_t now)
{
	if (guard_take(c, &g->row, now)) {
		g->row.limited = 0;
		g->verdict = GUARD_PASS;
	} else if (!g->row.limited) {
		g->row.limited = 1;
		g->verdict = GUARD_LIMITED;
	} else
		g->verdict = GUARD_QUIET;
}

int
guard_check(const struct conf *c, struct store *s, const char *phone, const char *text,
    size_t len, int complaint, int64_t now, struct guard *g)
{
	struct store_guard *row = &g->row;
	int r;

	memset(g, 0, sizeof *g);
	g->verdict = GUARD_PASS;
	if (store_guard_get(s, phone, row) < 0)
		return -1;
	guard_hash(text, len, g->hash);

	/* The same text again, soon after: a robot answering us, or a stuck phone. */
	if (strcmp(row->last_hash, g->hash) == 0 && now - row->last_at <= c->guard_loop_window)
		row->repeats++;
	else
		row->repeats = 1;
	str_copy(row->last_hash, sizeof row->last_hash, g->hash);
	row->last_at = now;
	if (guard_autoreply(c, text, len)) {
		g->verdict = GUARD_LOOP;
		g->why = "auto-reply text";
		g->loop_started = row->repeats == 1;
		return 0;
	}
	if (c->guard_loop_repeats > 0 && row->repeats >= c->guard_loop_repeats) {
		g->verdict = GUARD_LOOP;
		g->why = "same text again and again";
		g->loop_started = row->repeats == c->guard_loop_repeats;
		return 0;
	}
	if (!complaint)
		return 0;
	if (c->guard_duplicate_window > 0) {
		r = store_guard_text_find(s, phone, g->hash, now - c->guard_duplicate_window,
		    g->ticket);
		if (r < 0)
			return -1;
		if (r == 1) {
			g->verdict = GUARD_DUPLICATE;
			return 0;
		}
	}
	bucket(c, g, now);
	return 0;
}

int
guard_check_bucket(const struct conf *c, struct store *s, const char *phone, int64_t now,
    struct guard *g)
{
	memset(g, 0, sizeof *g);
	if (store_guard_get(s, phone, &g->row) < 0)
		return -1;
	bucket(c, g, now);
	return 0;
}

enum guard_send
guard_reply(const struct conf *c, struct guard *g, int64_t now)
{
	struct store_guard *row = &g->row;

	if (c->guard_replies_per_hour <= 0)
		return GUARD_SEND;
	if (row->replies_since <= 0 || now - row->replies_since >= HOUR || now < row->replies_since) {
		row->replies = 0;
		row->replies_since = now;
		row->capped = 0;
	}
	if (row->replies < c->guard_replies_per_hour) {
		row->replies++;
		return GUARD_SEND;
	}
	if (!row->capped) {
		row->capped = 1;
		return GUARD_SEND_NOTICE;
	}
	return GUARD_SILENT;
}

int
guard_save(const struct conf *c, struct store *s, const char *phone, const struct guard *g,
    const char *ticket, int64_t now)
{
	if (store_guard_put(s, phone, &g->row, now) != 0)
		return -1;
	if (ticket != NULL && *ticket != '\0' && c->guard_duplicate_window > 0 &&
	    store_guard_text_put(s, phone, g->hash, ticket, now,
	    now - c->guard_duplicate_window) != 0)
		return -1;
	return 0;
}

long
guard_purge(const struct conf *c, struct store *s, int64_t now)
{
	int64_t keep = HOUR;

	/*
	 * A row untouched for longer than every window and than a full
	 * refill decides nothing a missing row would not: full bucket, no
	 * replies counted, no repeats.
	 */
	if (c->guard_loop_window > keep)
		keep = c->guard_loop_window;
	if (c->guard_complaints_per_hour > 0 &&
	    (int64_t)c->guard_burst * HOUR / c->guard_complaints_per_hour + 1 > keep)
		keep = (int64_t)c->guard_burst * HOUR / c->guard_complaints_per_hour + 1;
	return store_guard_purge(s, now - keep, now - c->guard_duplicate_window);
}
