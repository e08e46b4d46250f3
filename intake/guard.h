/*
 * guard: one phone cannot flood Aduan, and a robot that answers every SMS
 * cannot keep Aduan answering it.
 *
 *   - blocklist: listed senders get silence; nothing is stored;
 *   - auto-reply loops: a known auto-reply text, or the same text
 *     loop_repeats times in a row, is stored but never answered;
 *   - the same complaint text within duplicate_window gets the first
 *     ticket's number, not a new ticket;
 *   - new complaints (SMS and USSD) take a token from a bucket of `burst`
 *     refilled at complaints_per_hour; an empty bucket gets one notice,
 *     then silence until a token is back;
 *   - at most replies_per_hour replies per phone, then one notice, then
 *     silence until the hour is over.
 *
 * Every decision that keeps or refuses a ticket reads and writes the
 * phone's row in the store inside the message's own transaction
 * (store_run), so two identical messages arriving at once are decided one
 * after the other, and a restart forgets nothing.  Costs one primary-key
 * read and one write per message, and one more lookup per complaint.
 */
#ifndef ADUAN_GUARD_H
#define ADUAN_GUARD_H

#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"
#include "store/store.h"

enum guard_verdict {
	GUARD_PASS,             /* handle the message as usual */
	GUARD_LOOP,             /* an auto-reply loop: store, never answer */
	GUARD_DUPLICATE,        /* a complaint text already filed: answer with its ticket */
	GUARD_LIMITED,          /* no complaint token: the notice (once) */
	GUARD_QUIET             /* no complaint token, notice already sent: silence */
};

/* One message's guard work, from guard_check() to guard_save(). */
struct guard {
	struct store_guard row;         /* the phone's state, updated in place */
	char hash[STORE_HASH_LEN + 1];  /* the normalised text */
	enum guard_verdict verdict;
	char ticket[STORE_TICKET_LEN + 1];     /* GUARD_DUPLICATE: the first ticket */
	const char *why;                /* GUARD_LOOP: "auto-reply text" / "same text N times" */
	int loop_started;               /* this message is where the loop was found */
};

/* What to do with a reply the message would get (guard_reply). */
enum guard_send {
	GUARD_SEND,             /* send it */
	GUARD_SEND_NOTICE,      /* send the "too many replies" notice instead */
	GUARD_SILENT            /* send nothing */
};

/* 1 when phone (E.164, normalised) is on guard.blocklist. */
int guard_blocked(const struct conf *c, const char *phone);

/*
 * The normalised hash of a text: case folded (ASCII), runs of white space
 * one space, trimmed; 16 hex digits.  Pure.
 */
void guard_hash(const char *text, size_t len, char out[STORE_HASH_LEN + 1]);

/* 1 when the text holds one of guard.autoreply (compared normalised).  Pure. */
int guard_autoreply(const struct conf *c, const char *text, size_t len);

/*
 * Token bucket: refills row's tokens up to burst at complaints_per_hour
 * and takes one.  1 taken, 0 empty.  Pure (row updated).
 */
int guard_take(const struct conf *c, struct store_guard *row, int64_t now);

/*
 * Inside the message's transaction: reads the phone's row and decides.
 * complaint: the message would open a ticket.  0, -1 on a store error.
 */
int guard_check(const struct conf *c, struct store *s, const char *phone, const char *text,
    size_t len, int complaint, int64_t now, struct guard *g);

/* A ticket-creating step without a text (USSD): only the bucket.  0, -1. */
int guard_check_bucket(const struct conf *c, struct store *s, const char *phone, int64_t now,
    struct guard *g);

/* Counts a non-empty reply against replies_per_hour.  Pure (g->row updated). */
enum guard_send guard_reply(const struct conf *c, struct guard *g, int64_t now);

/*
 * Writes the phone's row; with ticket (a complaint was opened), remembers
 * the text for duplicate_window.  0, -1.
 */
int guard_save(const struct conf *c, struct store *s, const char *phone, const struct guard *g,
    const char *ticket, int64_t now);

/* One bounded batch of forgetting rows that no longer decide anything.  Rows, -1. */
long guard_purge(const struct conf *c, struct store *s, int64_t now);

#endif
