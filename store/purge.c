/*
 * purge: retention (store.h, "retention"), what `aduan purge` deletes and
 * what it never touches.  The rule, also in README "Configuration":
 *
 *   messages        inbound messages received before the cutoff that are
 *                   not part of a ticket's thread: STATUS queries, help,
 *                   STOP/MULAI, BAHASA, refused and ignored ones.  A
 *                   ticket's own messages (command complaint, add,
 *                   cancel with its complaint_id: what the inbox's ticket
 *                   page shows, and what route --replay and stats read)
 *                   are kept for as long as the ticket, whatever their age.
 *                   Never younger than STORE_DEDUP_KEEP, whatever the
 *                   setting: a gateway's retry finds its stored reply.
 *   outbox          rows delivered (state sent) last changed before the
 *                   cutoff, but not the SMS sent to a reporter about a
 *                   ticket (its thread shows them); pending, sending and
 *                   dead rows never (a dead row waits for an operator:
 *                   `aduan outbox retry`).
 *   ussd_sessions   USSD sessions last used before the cutoff.
 *   sessions        web inbox sessions that ended (expired or idle) before
 *                   the cutoff.
 *   login_failures  failed logins before the cutoff.
 *   partner_keys    partners' Idempotency-Keys (Open311 POST) made before
 *                   the messages' cutoff, so never younger than
 *                   STORE_DEDUP_KEEP: a partner's retry within it finds
 *                   its first ticket.  The complaint keeps its partner.
 *
 * Complaints, events, event details, links and the audit log are never
 * deleted.  The statements are prepared per call (a purge runs once a
 * day; the cached table is for the hot paths) and run through the store's
 * statement helper on the writer's connection.
 */
#include "store/store_int.h"

#include <stdio.h>

/* The rows each kind would delete, as a WHERE on its table (?1: the cutoff). */
static const struct {
	const char *name;               /* the table */
	const char *where;
	int by_id;                      /* deleted along the rowid, from a cursor */
} kinds[STORE_PURGE_N] = {
	[STORE_PURGE_MESSAGES] = { "messages",
	    "received_at < ?1 AND (complaint_id IS NULL"
	    " OR command NOT IN ('complaint', 'add', 'cancel'))", 1 },
	[STORE_PURGE_OUTBOX] = { "outbox",
	    "state = 'sent' AND updated_at < ?1 AND (complaint_id IS NULL OR kind <> 'sms')", 1 },
	[STORE_PURGE_USSD] = { "ussd_sessions", "updated_at < ?1", 0 },
	[STORE_PURGE_SESSIONS] = { "sessions", "expires_at <= ?1 OR last_seen < ?1", 0 },
	[STORE_PURGE_LOGIN_FAILURES] = { "login_failures", "at < ?1", 0 },
	[STORE_PURGE_PARTNER_KEYS] = { "partner_keys", "created_at < ?1", 1 },
};

const char *
store_purge_name(enum store_purge_kind k)
{
	return k < STORE_PURGE_N ? kinds[k].name : "?";
}

void
store_purge_plan(int64_t now, int messages_days, int outbox_days, int sessions_days,
    struct store_purge_plan *p)
{
	int64_t keep;

	memset(p, 0, sizeof *p);
	p->now = now;
	if (messages_days > 0) {
		keep = (int64_t)messages_days * 86400;
		p->before[STORE_PURGE_MESSAGES] = now - (keep > STORE_DEDUP_KEEP ? keep :
		    STORE_DEDUP_KEEP);
		p->before[STORE_PURGE_PARTNER_KEYS] = p->before[STORE_PURGE_MESSAGES];
	}
	if (outbox_days > 0)
		p->before[STORE_PURGE_OUTBOX] = now - (int64_t)outbox_days * 86400;
	if (sessions_days > 0) {
		p->before[STORE_PURGE_USSD] = now - (int64_t)sessions_days * 86400;
		p->before[STORE_PURGE_SESSIONS] = p->before[STORE_PURGE_USSD];
		p->before[STORE_PURGE_LOGIN_FAILURES] = p->before[STORE_PURGE_USSD];
	}
}

/*
 * SQL built from the constant parts above only (no value ever goes into
 * it: the cutoff and cursor are bound), into buf.
 */
static const char *
sql_for(char *buf, size_t bufsz, const char *head, enum store_purge_kind k, const char *tail)
{
	snprintf(buf, bufsz, "%s %s WHERE (%s)%s", head, kinds[k].name, kinds[k].where, tail);
	return buf;
}

long long
store_purge_count(struct store *s, enum store_purge_kind k, int64_t before)
{
	struct stmt q;
	char sql[512];
	long long n = -1;

	if (stmt_prepare(&q, s, DB_WRITER, sql_for(sql, sizeof sql, "SELECT count(*) FROM", k, ""),
	    "count rows to purge") == -1)
		return -1;
	stmt_int(&q, 1, before);
	if (stmt_row(&q) == 1)
		n = col_int64(&q, 0);
	return stmt_finish(&q, n < 0 ? -1 : 0) < 0 ? -1 : n;
}

/*
 * messages and outbox: the rows to go are found along the rowid from
 * *cursor on, so that the kept ones (a ticket's thread, which stays at the
 * front of the table) are walked past once per purge, not once per batch.
 */
static long
purge_by_id(struct store *s, enum store_purge_kind k, int64_t before, int64_t *cursor)
{
	struct stmt q;
	char sql[512];
	int64_t last = 0;
	long n;

	if (stmt_prepare(&q, s, DB_WRITER, sql_for(sql, sizeof sql, "SELECT max(id) FROM (SELECT id FROM", k,
	    " AND id > ?2 ORDER BY id LIMIT ?3) AS batch"), "find rows to purge") == -1)
		return -1;
	stmt_int(&q, 1, before);
	stmt_int(&q, 2, *cursor);
	stmt_int(&q, 3, STORE_PURGE_BATCH);
	n = stmt_row(&q);
	if (n == 1)
		last = col_int64(&q, 0);
	if (stmt_finish(&q, n < 0 ? -1 : 0) < 0)
		return -1;
	if (last == 0)
		return 0;
	if (stmt_prepare(&q, s, DB_WRITER, sql_for(sql, sizeof sql, "DELETE FROM", k,
	    " AND id > ?2 AND id <= ?3"), "purge rows") == -1)
		return -1;
	stmt_int(&q, 1, before);
	stmt_int(&q, 2, *cursor);
	stmt_int(&q, 3, last);
	if (stmt_exec(&q) == -1)
		return stmt_finish(&q, -1);
	n = stmt_changes(&q);
	if (stmt_finish(&q, 0) < 0)
		return -1;
	*cursor = last;
	return n;
}

long
store_purge_batch(struct store *s, enum store_purge_kind k, int64_t before, int64_t *cursor)
{
	switch (k) {
	case STORE_PURGE_MESSAGES:
	case STORE_PURGE_OUTBOX:
	case STORE_PURGE_PARTNER_KEYS:
		return purge_by_id(s, k, before, cursor);
	case STORE_PURGE_USSD:
		return store_ussd_purge(s, before);
	case STORE_PURGE_SESSIONS:
		return store_session_purge(s, before, before);
	case STORE_PURGE_LOGIN_FAILURES:
		return store_login_failures_purge(s, before);
	case STORE_PURGE_N:
		break;
	}
	snprintf(db_errbuf, sizeof db_errbuf, "purge: no such kind %d", (int)k);
	return -1;
}
