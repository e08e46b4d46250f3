/*
 * parts: long messages.  Each part is kept in the store inside its own
 * message's transaction; the last one to come joins them and the whole is
 * handled as one SMS (sms.c).  A tick handles the messages whose missing
 * parts never came, and purges handled parts and the flood guard's idle
 * rows, in bounded batches.
 */
#include "intake/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intake/guard.h"
#include "util/log.h"
#include "util/util.h"

/*
 * The joined message's id: the sender, the parts' reference and a hash of
 * the whole text, because phones reuse small references (two citizens,
 * or one citizen later, may both send "ref 1").
 */
static void
concat_id(const char *sender, const char *ref, const char *text, char *out, size_t outsz)
{
	snprintf(out, outsz, "concat:%.40s:%.40s:%016llx", sender, ref,
	    (unsigned long long)fnv1a(FNV1A_INIT_STORED, text, strlen(text)));
}

/* Long messages are bounded like any text. */
static void
cap_text(const struct conf *c, char *text)
{
	size_t n = strlen(text);

	if ((long)n <= c->max_text)
		return;
	n = utf8_cut(text, n, (size_t)c->max_text);
	text[n] = '\0';
}

/*
 * Inside the caller's transaction: keeps the part; when all are here,
 * fills *whole with the joined message (heap text) and forgets the parts.
 * 1 whole, 0 more to come (or a repeat), -1 store error.
 */
int
parts_join(struct intake *ix, const struct gateway *gw, const struct sms_in *in,
    struct sms_in *whole)
{
	char *joined = NULL;
	int r;

	r = store_part_add(ix->store, gw->name, in->from, in->concat_ref, in->concat_total,
	    in->concat_part, in->id[0] ? in->id : NULL, in->text, now_unix());
	if (r < 0)
		return -1;
	r = store_parts_join(ix->store, gw->name, in->from, in->concat_ref, &joined);
	if (r <= 0)
		return r;
	if (store_parts_delete(ix->store, gw->name, in->from, in->concat_ref, now_unix()) != 0) {
		free(joined);
		return -1;
	}
	cap_text(ix->conf, joined);
	*whole = *in;
	whole->concat_total = 0;
	whole->text = joined;
	whole->text_len = strlen(joined);
	concat_id(in->from, in->concat_ref, joined, whole->id, sizeof whole->id);
	return 1;
}

static int parts_tick(struct intake *ix, int64_t now);

int
intake_parts_tick(struct intake *ix, int64_t now)
{
	struct intake local;
	const struct live_snap *snap = intake_pin(ix, &local);
	int r = parts_tick(&local, now);

	intake_unpin(ix, snap);
	return r;
}

/*
 * Per tick (every few seconds): at most this many timed-out long messages
 * handled, and this many purge batches of each kind.  Enough to keep up
 * with any burst a gateway can send, bounded so the tick still ends.
 */
#define PARTS_TICK_MAX          1024

#define PURGE_TICK_BATCHES      20

/* Forgets handled parts and old guard rows, a bounded batch at a time. */
static int
purge_tick(struct intake *ix, int64_t now)
{
	long n;
	int i;

	/* Handled parts are kept a day to recognise late repeats, then forgotten. */
	for (i = 0; i < PURGE_TICK_BATCHES; i++) {
		if ((n = store_parts_purge(ix->store, now - 24 * 3600)) < 0)
			return -1;
		if (n < STORE_PURGE_BATCH)
			break;
	}
	for (i = 0; i < PURGE_TICK_BATCHES; i++) {
		if ((n = guard_purge(ix->conf, ix->store, now)) < 0)
			return -1;
		if (n < STORE_PURGE_BATCH)
			break;
	}
	return 0;
}

static int
parts_tick(struct intake *ix, int64_t now)
{
	struct store_parts_group g[16];
	struct intake_result *r;
	struct sms_in in;
	size_t n = 0, i, k, seen = 0;
	int done = 0;

	if (purge_tick(ix, now) != 0)
		return -1;
	r = xmalloc(sizeof *r);
	do {
		if (store_parts_expired(ix->store, now - ix->conf->parts_timeout, g, ARRAY_LEN(g),
		    &n) != 0) {
			done = -1;
			break;
		}
		seen += n;
		for (i = 0; i < n; i++) {
			const struct gateway *gw = NULL;

			for (k = 0; gateways[k] != NULL; k++)
				if (strcmp(gateways[k]->name, g[i].gateway) == 0)
					gw = gateways[k];
			/* The parts that came are the citizen's words: handle them, gaps marked. */
			memset(&in, 0, sizeof in);
			str_copy(in.from, sizeof in.from, g[i].sender);
			cap_text(ix->conf, g[i].text);
			concat_id(g[i].sender, g[i].ref, g[i].text, in.id, sizeof in.id);
			in.text = g[i].text;
			in.text_len = strlen(g[i].text);
			if (gw != NULL) {
				log_warnx("sms %s: long message %s has %d of %d parts after %d s; "
				    "handling what came", gw->name, g[i].ref, g[i].have, g[i].total,
				    ix->conf->parts_timeout);
				if (intake_sms(ix, gw, &in, r) == 200 && done >= 0)
					done++;
			}
			if (store_parts_delete(ix->store, g[i].gateway, g[i].sender, g[i].ref, now)
			    != 0)
				done = -1;
			store_parts_group_clear(&g[i]);
		}
		/* A group whose delete failed would come back: stop until the next tick. */
	} while (done >= 0 && n == ARRAY_LEN(g) && seen < PARTS_TICK_MAX);
	free(r);
	return done;
}
