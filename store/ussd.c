/*
 * ussd: USSD sessions (store.h, "USSD sessions"): one row per (gateway,
 * session id), rewritten whole on every request, found again to resume an
 * unfinished complaint, purged when old.
 */
#include "store/store_int.h"

/* The session columns in struct store_ussd order: ussd_row() reads them so. */
#define USSD_COLS \
	"gateway, id, phone, state, lang, page, rule, location, description," \
	" resume_to, resumable, done, complaint_id, last_text, last_response," \
	" created_at, updated_at"

const char *const ussd_sql[ST_NSTMTS] = {
	[ST_USSD_GET] =
	    "SELECT " USSD_COLS " FROM ussd_sessions WHERE gateway = ?1 AND id = ?2",
	/* The whole row but created_at, which stays the first request's. */
	[ST_USSD_PUT] =
	    "INSERT INTO ussd_sessions (" USSD_COLS ")"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
	    " ?14, ?15, ?16, ?17)"
	    " ON CONFLICT (gateway, id) DO UPDATE SET"
	    " phone = excluded.phone, state = excluded.state,"
	    " lang = excluded.lang, page = excluded.page, rule = excluded.rule,"
	    " location = excluded.location, description = excluded.description,"
	    " resume_to = excluded.resume_to, resumable = excluded.resumable,"
	    " done = excluded.done, complaint_id = excluded.complaint_id,"
	    " last_text = excluded.last_text,"
	    " last_response = excluded.last_response,"
	    " updated_at = excluded.updated_at",
	/* Same updated_at: the session inserted later wins. */
	[ST_USSD_RESUMABLE] =
	    "SELECT " USSD_COLS " FROM ussd_sessions"
	    " WHERE phone = ?1 AND gateway = ?2 AND id <> ?3 AND resumable = 1"
	    " AND done = 0 AND updated_at >= ?4"
	    " ORDER BY updated_at DESC, rowid DESC LIMIT 1",
	/* In batches of ?2, along ussd_sessions_updated: a step never waits long. */
	[ST_USSD_PURGE] =
	    "DELETE FROM ussd_sessions WHERE rowid IN (SELECT rowid FROM ussd_sessions"
	    " WHERE updated_at < ?1 LIMIT ?2)",
};

/*
 * store_ussd_peek_fresh, on the reading connection: whether the session
 * has a row, the phone's language, whether the phone has a session to
 * resume since ?4 (as ST_USSD_RESUMABLE finds one).
 */
const char ussd_peek_sql[] =
    "SELECT EXISTS (SELECT 1 FROM ussd_sessions WHERE gateway = ?1 AND id = ?2),"
    " coalesce((SELECT lang FROM phones WHERE phone = ?3), ''),"
    " EXISTS (SELECT 1 FROM ussd_sessions WHERE phone = ?3 AND gateway = ?1 AND id <> ?2"
    "  AND resumable = 1 AND done = 0 AND updated_at >= ?4)";

/* Fills u from a row of USSD_COLS; strings are cut to the arrays. */
static void
ussd_row(const struct stmt *q, struct store_ussd *u)
{
	(void)str_copy(u->gateway, sizeof u->gateway, col_str(q, 0));
	(void)str_copy(u->id, sizeof u->id, col_str(q, 1));
	(void)str_copy(u->phone, sizeof u->phone, col_str(q, 2));
	(void)str_copy(u->state, sizeof u->state, col_str(q, 3));
	(void)str_copy(u->lang, sizeof u->lang, col_str(q, 4));
	u->page = col_int(q, 5);
	u->rule = (long)col_int64(q, 6);
	(void)str_copy(u->location, sizeof u->location, col_str(q, 7));
	(void)str_copy(u->description, sizeof u->description, col_str(q, 8));
	(void)str_copy(u->resume_to, sizeof u->resume_to, col_str(q, 9));
	u->resumable = col_int(q, 10) != 0;
	u->done = col_int(q, 11) != 0;
	/* NULL reads as 0, "none". */
	u->complaint_id = (int64_t)col_int64(q, 12);
	(void)str_copy(u->last_text, sizeof u->last_text, col_str(q, 13));
	(void)str_copy(u->last_response, sizeof u->last_response, col_str(q, 14));
	u->created_at = (int64_t)col_int64(q, 15);
	u->updated_at = (int64_t)col_int64(q, 16);
}

/* Steps a bound session query: 1 row read into u, 0 none, -1 error; ends q. */
static int
ussd_fetch(struct stmt *q, struct store_ussd *u)
{
	int ret;

	if ((ret = stmt_row(q)) == 1)
		ussd_row(q, u);
	return stmt_end(q, ret);
}

int
store_ussd_get(struct store *s, const char *gateway, const char *id,
    struct store_ussd *u)
{
	struct stmt q;

	/* u is output only: "not found" and errors leave it zeroed. */
	memset(u, 0, sizeof *u);
	stmt_begin(&q, s, ST_USSD_GET, "get ussd session");
	stmt_text(&q, 1, gateway);
	stmt_text(&q, 2, id);
	return ussd_fetch(&q, u);
}

int
store_ussd_put(struct store *s, const struct store_ussd *u)
{
	struct stmt q;

	stmt_begin(&q, s, ST_USSD_PUT, "save ussd session");
	stmt_fixed(&q, 1, u->gateway, sizeof u->gateway);
	stmt_fixed(&q, 2, u->id, sizeof u->id);
	stmt_fixed(&q, 3, u->phone, sizeof u->phone);
	stmt_fixed(&q, 4, u->state, sizeof u->state);
	stmt_fixed(&q, 5, u->lang, sizeof u->lang);
	stmt_int(&q, 6, u->page);
	stmt_int(&q, 7, (int64_t)u->rule);
	stmt_fixed(&q, 8, u->location, sizeof u->location);
	stmt_fixed(&q, 9, u->description, sizeof u->description);
	stmt_fixed(&q, 10, u->resume_to, sizeof u->resume_to);
	stmt_int(&q, 11, u->resumable != 0);
	stmt_int(&q, 12, u->done != 0);
	stmt_ref(&q, 13, u->complaint_id);
	stmt_fixed(&q, 14, u->last_text, sizeof u->last_text);
	stmt_fixed(&q, 15, u->last_response, sizeof u->last_response);
	stmt_int(&q, 16, u->created_at);
	stmt_int(&q, 17, u->updated_at);
	return stmt_run(&q);
}

int
store_ussd_find_resumable(struct store *s, const char *phone,
    const char *gateway, const char *not_id, int64_t since,
    struct store_ussd *u)
{
	struct stmt q;

	memset(u, 0, sizeof *u);
	stmt_begin(&q, s, ST_USSD_RESUMABLE, "find resumable ussd session");
	stmt_text(&q, 1, phone);
	stmt_text(&q, 2, gateway);
	stmt_text(&q, 3, not_id);
	stmt_int(&q, 4, since);
	return ussd_fetch(&q, u);
}

long
store_ussd_purge(struct store *s, int64_t before)
{
	struct stmt q;

	stmt_begin(&q, s, ST_USSD_PURGE, "purge ussd sessions");
	stmt_int(&q, 1, before);
	stmt_int(&q, 2, STORE_PURGE_BATCH);
	return stmt_write(&q);
}

int
store_ussd_peek_fresh(struct store *s, const char *gateway, const char *id, const char *phone,
    int64_t since, char lang[4])
{
	struct stmt q;
	int ret, fresh = 0;

	lang[0] = '\0';
	if (s->pg != NULL)
		return 0;       /* other nodes' sessions: the transaction decides */
	stmt_on(&q, s, s->rdb, s->rpeek, &s->rlock, "peek ussd session");
	stmt_text(&q, 1, gateway);
	stmt_text(&q, 2, id);
	stmt_text(&q, 3, phone);
	stmt_int(&q, 4, since);
	if ((ret = stmt_row(&q)) == 1) {
		fresh = col_int(&q, 0) == 0 && col_int(&q, 2) == 0;
		(void)str_copy(lang, 4, col_str(&q, 1));
	}
	ret = stmt_end(&q, ret);
	return ret < 0 ? -1 : fresh;
}
