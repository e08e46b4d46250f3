/*
 * guard: what the flood and loop guard keeps (store.h, "flood and loop
 * guard"; intake/guard.h decides): one row per phone that wrote lately,
 * the first ticket of each (phone, normalised text), and their purges.
 */
#include "store/store_int.h"

const char *const guard_sql[ST_NSTMTS] = {
	/* The flood and loop guard (migration 7): one primary-key row each. */
	[ST_GUARD_GET] =
	    "SELECT tokens, tokens_at, limited, replies, replies_since, capped,"
	    " last_hash, repeats, last_at FROM guard_phones WHERE phone = ?1",
	[ST_GUARD_PUT] =
	    "INSERT INTO guard_phones (phone, tokens, tokens_at, limited,"
	    " replies, replies_since, capped, last_hash, repeats, last_at, updated_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
	    " ON CONFLICT (phone) DO UPDATE SET tokens = excluded.tokens,"
	    " tokens_at = excluded.tokens_at, limited = excluded.limited,"
	    " replies = excluded.replies, replies_since = excluded.replies_since,"
	    " capped = excluded.capped, last_hash = excluded.last_hash,"
	    " repeats = excluded.repeats, last_at = excluded.last_at,"
	    " updated_at = excluded.updated_at",
	[ST_GUARD_TEXT_FIND] =
	    "SELECT ticket FROM guard_texts WHERE phone = ?1 AND hash = ?2 AND at >= ?3",
	/* The first ticket of a text stays until its window is over. */
	[ST_GUARD_TEXT_PUT] =
	    "INSERT INTO guard_texts (phone, hash, ticket, at) VALUES (?1, ?2, ?3, ?4)"
	    " ON CONFLICT (phone, hash) DO UPDATE SET ticket = excluded.ticket,"
	    " at = excluded.at WHERE guard_texts.at < ?5",
	[ST_GUARD_PURGE] =
	    "DELETE FROM guard_phones WHERE phone IN (SELECT phone FROM guard_phones"
	    " WHERE updated_at < ?1 LIMIT ?2)",
	[ST_GUARD_TEXTS_PURGE] =
	    "DELETE FROM guard_texts WHERE (phone, hash) IN (SELECT phone, hash"
	    " FROM guard_texts WHERE at < ?1 LIMIT ?2)",
};

int
store_guard_get(struct store *s, const char *phone, struct store_guard *g)
{
	struct stmt q;
	int ret;

	memset(g, 0, sizeof *g);
	stmt_begin(&q, s, ST_GUARD_GET, "read guard state");
	stmt_text(&q, 1, phone);
	if ((ret = stmt_row(&q)) == 1) {
		g->tokens = col_double(&q, 0);
		g->tokens_at = col_int64(&q, 1);
		g->limited = col_int(&q, 2);
		g->replies = col_int(&q, 3);
		g->replies_since = col_int64(&q, 4);
		g->capped = col_int(&q, 5);
		(void)str_copy(g->last_hash, sizeof g->last_hash, col_str(&q, 6));
		g->repeats = col_int(&q, 7);
		g->last_at = col_int64(&q, 8);
	}
	return stmt_end(&q, ret);
}

int
store_guard_put(struct store *s, const char *phone, const struct store_guard *g, int64_t now)
{
	struct stmt q;

	stmt_begin(&q, s, ST_GUARD_PUT, "write guard state");
	stmt_text(&q, 1, phone);
	stmt_double(&q, 2, g->tokens);
	stmt_int(&q, 3, g->tokens_at);
	stmt_int(&q, 4, g->limited);
	stmt_int(&q, 5, g->replies);
	stmt_int(&q, 6, g->replies_since);
	stmt_int(&q, 7, g->capped);
	stmt_text(&q, 8, g->last_hash);
	stmt_int(&q, 9, g->repeats);
	stmt_int(&q, 10, g->last_at);
	stmt_int(&q, 11, now);
	return stmt_run(&q);
}

int
store_guard_text_find(struct store *s, const char *phone, const char *hash, int64_t since,
    char ticket[STORE_TICKET_LEN + 1])
{
	struct stmt q;
	int ret;

	ticket[0] = '\0';
	stmt_begin(&q, s, ST_GUARD_TEXT_FIND, "find an earlier text");
	stmt_text(&q, 1, phone);
	stmt_text(&q, 2, hash);
	stmt_int(&q, 3, since);
	if ((ret = stmt_row(&q)) == 1)
		(void)str_copy(ticket, STORE_TICKET_LEN + 1, col_str(&q, 0));
	return stmt_end(&q, ret);
}

int
store_guard_text_put(struct store *s, const char *phone, const char *hash, const char *ticket,
    int64_t now, int64_t since)
{
	struct stmt q;

	stmt_begin(&q, s, ST_GUARD_TEXT_PUT, "remember a text");
	stmt_text(&q, 1, phone);
	stmt_text(&q, 2, hash);
	stmt_text(&q, 3, ticket);
	stmt_int(&q, 4, now);
	stmt_int(&q, 5, since);
	return stmt_run(&q);
}

long
store_guard_purge(struct store *s, int64_t phones_before, int64_t texts_before)
{
	struct stmt q;
	long phones, texts = -1;

	db_lock(s);
	stmt_use(&q, s, ST_GUARD_PURGE, "purge guard state");
	stmt_int(&q, 1, phones_before);
	stmt_int(&q, 2, STORE_PURGE_BATCH);
	if ((phones = stmt_write(&q)) != -1) {
		stmt_use(&q, s, ST_GUARD_TEXTS_PURGE, "purge guard texts");
		stmt_int(&q, 1, texts_before);
		stmt_int(&q, 2, STORE_PURGE_BATCH);
		texts = stmt_write(&q);
	}
	db_unlock(s);
	return texts == -1 ? -1 : phones + texts;
}
