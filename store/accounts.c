/*
 * accounts: the web inbox's staff (store.h, "accounts"): accounts, their
 * sessions, failed logins counted for the back-off, and the audit log.
 * Keeping and finding only; what a login or a session means is
 * web/auth.c's.
 */
#include "store/store_int.h"

#define ACCOUNT_COLS \
	"id, login, agency, role, name, pw_hash, disabled, created_at, updated_at"

const char *const accounts_sql[ST_NSTMTS] = {
	[ST_ACCOUNT_ADD] =
	    "INSERT INTO accounts (login, agency, role, name, pw_hash, disabled,"
	    " created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)"
	    " ON CONFLICT (login) DO NOTHING RETURNING id",
	[ST_ACCOUNT_GET] = "SELECT " ACCOUNT_COLS " FROM accounts WHERE login = ?1",
	[ST_ACCOUNT_GET_ID] = "SELECT " ACCOUNT_COLS " FROM accounts WHERE id = ?1",
	[ST_ACCOUNT_SET_PASSWORD] =
	    "UPDATE accounts SET pw_hash = ?2, updated_at = ?3 WHERE login = ?1",
	[ST_ACCOUNT_SET_DISABLED] =
	    "UPDATE accounts SET disabled = ?2, updated_at = ?3 WHERE login = ?1",
	/* Listings never carry the hash. */
	[ST_ACCOUNT_LIST] =
	    "SELECT id, login, agency, role, name, '', disabled, created_at, updated_at"
	    " FROM accounts ORDER BY login",

	[ST_SESSION_ADD] =
	    "INSERT INTO sessions (token_sha256, account_id, csrf, created_at, last_seen,"
	    " expires_at) VALUES (?1, ?2, ?3, ?4, ?4, ?5)",
	[ST_SESSION_GET] =
	    "SELECT account_id, csrf, created_at, last_seen, expires_at FROM sessions"
	    " WHERE token_sha256 = ?1 AND expires_at > ?2 AND last_seen >= ?3",
	[ST_SESSION_TOUCH] =
	    "UPDATE sessions SET last_seen = ?2 WHERE token_sha256 = ?1",
	[ST_SESSION_DELETE] = "DELETE FROM sessions WHERE token_sha256 = ?1",
	[ST_SESSION_DELETE_ACCOUNT] = "DELETE FROM sessions WHERE account_id = ?1",
	/* Two index walks (expires_at, last_seen), each bounded by the batch. */
	[ST_SESSION_PURGE] =
	    "DELETE FROM sessions WHERE token_sha256 IN ("
	    " SELECT token_sha256 FROM sessions WHERE expires_at <= ?1"
	    " UNION SELECT token_sha256 FROM sessions WHERE last_seen < ?2"
	    " LIMIT ?3)",

	[ST_LOGIN_FAILURE_NOTE] = "INSERT INTO login_failures (key, at) VALUES (?1, ?2)",
	[ST_LOGIN_FAILURES] =
	    "SELECT count(*), coalesce(max(at), 0) FROM login_failures"
	    " WHERE key = ?1 AND at >= ?2",
	[ST_LOGIN_FAILURES_CLEAR] = "DELETE FROM login_failures WHERE key = ?1",
	[ST_LOGIN_FAILURES_PURGE] =
	    "DELETE FROM login_failures WHERE id IN ("
	    " SELECT id FROM login_failures WHERE at < ?1 LIMIT ?2)",

	[ST_AUDIT_ADD] =
	    "INSERT INTO audit_log (at, login, action, complaint_id, detail)"
	    " VALUES (?1, ?2, ?3, ?4, coalesce(?5, ''))",
	[ST_AUDIT_LIST] =
	    "SELECT id, at, login, action, coalesce(complaint_id, 0), detail FROM audit_log"
	    " WHERE id < ?1 ORDER BY id DESC LIMIT ?2",
	[ST_AUDIT_LIST_COMPLAINT] =
	    "SELECT id, at, login, action, coalesce(complaint_id, 0), detail FROM audit_log"
	    " WHERE complaint_id = ?3 AND id < ?1 ORDER BY id DESC LIMIT ?2",
};

/* Fills a from a row of ACCOUNT_COLS. */
static void
account_row(const struct stmt *q, struct store_account *a)
{
	memset(a, 0, sizeof *a);
	a->id = col_int64(q, 0);
	(void)str_copy(a->login, sizeof a->login, col_str(q, 1));
	(void)str_copy(a->agency, sizeof a->agency, col_str(q, 2));
	(void)str_copy(a->role, sizeof a->role, col_str(q, 3));
	(void)str_copy(a->name, sizeof a->name, col_str(q, 4));
	utf8_fix_tail(a->name);
	(void)str_copy(a->pw_hash, sizeof a->pw_hash, col_str(q, 5));
	a->disabled = col_int(q, 6) != 0;
	a->created_at = col_int64(q, 7);
	a->updated_at = col_int64(q, 8);
}

int
store_account_add(struct store *s, struct store_account *a)
{
	struct stmt q;
	int ret;

	stmt_begin(&q, s, ST_ACCOUNT_ADD, "add account");
	stmt_fixed(&q, 1, a->login, sizeof a->login);
	stmt_fixed(&q, 2, a->agency, sizeof a->agency);
	stmt_fixed(&q, 3, a->role, sizeof a->role);
	stmt_fixed(&q, 4, a->name, sizeof a->name);
	stmt_fixed(&q, 5, a->pw_hash, sizeof a->pw_hash);
	stmt_int(&q, 6, a->disabled != 0);
	stmt_int(&q, 7, a->created_at);
	if ((ret = stmt_row(&q)) == 1) {
		a->id = col_int64(&q, 0);
		a->updated_at = a->created_at;
	}
	return stmt_end(&q, ret);
}

static int
account_get(struct store *s, enum stmt_id id, const char *login, int64_t rowid,
    struct store_account *a)
{
	struct stmt q;
	int ret;

	stmt_begin(&q, s, id, "get account");
	if (login != NULL)
		stmt_text(&q, 1, login);
	else
		stmt_int(&q, 1, rowid);
	if ((ret = stmt_row(&q)) == 1)
		account_row(&q, a);
	return stmt_end(&q, ret);
}

int
store_account_get(struct store *s, const char *login, struct store_account *a)
{
	return account_get(s, ST_ACCOUNT_GET, login, 0, a);
}

int
store_account_get_id(struct store *s, int64_t id, struct store_account *a)
{
	return account_get(s, ST_ACCOUNT_GET_ID, NULL, id, a);
}

int
store_account_set_password(struct store *s, const char *login, const char *pw_hash,
    int64_t now)
{
	struct stmt q;

	stmt_begin(&q, s, ST_ACCOUNT_SET_PASSWORD, "set password");
	stmt_text(&q, 1, login);
	stmt_text(&q, 2, pw_hash);
	stmt_int(&q, 3, now);
	return stmt_changed(&q);
}

int
store_account_set_disabled(struct store *s, const char *login, int disabled, int64_t now)
{
	struct stmt q;

	stmt_begin(&q, s, ST_ACCOUNT_SET_DISABLED, "disable account");
	stmt_text(&q, 1, login);
	stmt_int(&q, 2, disabled != 0);
	stmt_int(&q, 3, now);
	return stmt_changed(&q);
}

int
store_account_list(struct store *s, void (*fn)(void *arg, const struct store_account *a),
    void *arg)
{
	struct store_account a;
	struct stmt q;
	int ret;

	stmt_begin(&q, s, ST_ACCOUNT_LIST, "list accounts");
	while ((ret = stmt_row(&q)) == 1) {
		account_row(&q, &a);
		fn(arg, &a);
	}
	return stmt_end(&q, ret);
}

/* ---- sessions ---- */

int
store_session_add(struct store *s, const char *token_sha256, int64_t account_id,
    const char *csrf, int64_t created, int64_t expires)
{
	struct stmt q;

	stmt_begin(&q, s, ST_SESSION_ADD, "add session");
	stmt_text(&q, 1, token_sha256);
	stmt_int(&q, 2, account_id);
	stmt_text(&q, 3, csrf);
	stmt_int(&q, 4, created);
	stmt_int(&q, 5, expires);
	return stmt_run(&q);
}

int
store_session_get(struct store *s, const char *token_sha256, int64_t now, int64_t idle_before,
    struct store_session *out)
{
	struct stmt q;
	int ret;

	memset(out, 0, sizeof *out);
	stmt_begin(&q, s, ST_SESSION_GET, "get session");
	stmt_text(&q, 1, token_sha256);
	stmt_int(&q, 2, now);
	stmt_int(&q, 3, idle_before);
	if ((ret = stmt_row(&q)) == 1) {
		out->account_id = col_int64(&q, 0);
		(void)str_copy(out->csrf, sizeof out->csrf, col_str(&q, 1));
		out->created_at = col_int64(&q, 2);
		out->last_seen = col_int64(&q, 3);
		out->expires_at = col_int64(&q, 4);
	}
	ret = stmt_end(&q, ret);
	/* Page views within a minute share one write. */
	if (ret == 1 && now - out->last_seen > STORE_SESSION_TOUCH) {
		stmt_begin(&q, s, ST_SESSION_TOUCH, "touch session");
		stmt_text(&q, 1, token_sha256);
		stmt_int(&q, 2, now);
		if (stmt_run(&q) != 0)
			return -1;
		out->last_seen = now;
	}
	return ret;
}

int
store_session_delete(struct store *s, const char *token_sha256)
{
	struct stmt q;

	stmt_begin(&q, s, ST_SESSION_DELETE, "delete session");
	stmt_text(&q, 1, token_sha256);
	return stmt_changed(&q);
}

long
store_session_delete_account(struct store *s, int64_t account_id)
{
	struct stmt q;

	stmt_begin(&q, s, ST_SESSION_DELETE_ACCOUNT, "delete sessions");
	stmt_int(&q, 1, account_id);
	return stmt_write(&q);
}

long
store_session_purge(struct store *s, int64_t now, int64_t idle_before)
{
	struct stmt q;

	stmt_begin(&q, s, ST_SESSION_PURGE, "purge sessions");
	stmt_int(&q, 1, now);
	stmt_int(&q, 2, idle_before);
	stmt_int(&q, 3, STORE_PURGE_BATCH);
	return stmt_write(&q);
}

/* ---- failed logins ---- */

int
store_login_failure_note(struct store *s, const char *key, int64_t at)
{
	struct stmt q;

	stmt_begin(&q, s, ST_LOGIN_FAILURE_NOTE, "note login failure");
	stmt_text(&q, 1, key);
	stmt_int(&q, 2, at);
	return stmt_run(&q);
}

long
store_login_failures(struct store *s, const char *key, int64_t since, int64_t *last)
{
	struct stmt q;
	long n = 0;
	int ret;

	*last = 0;
	stmt_begin(&q, s, ST_LOGIN_FAILURES, "count login failures");
	stmt_text(&q, 1, key);
	stmt_int(&q, 2, since);
	if ((ret = stmt_row(&q)) == 1) {
		n = (long)col_int64(&q, 0);
		*last = col_int64(&q, 1);
	}
	if (stmt_end(&q, ret) < 0)
		return -1;
	return ret == 1 ? n : 0;
}

int
store_login_failures_clear(struct store *s, const char *key)
{
	struct stmt q;

	stmt_begin(&q, s, ST_LOGIN_FAILURES_CLEAR, "clear login failures");
	stmt_text(&q, 1, key);
	return stmt_run(&q);
}

long
store_login_failures_purge(struct store *s, int64_t before)
{
	struct stmt q;

	stmt_begin(&q, s, ST_LOGIN_FAILURES_PURGE, "purge login failures");
	stmt_int(&q, 1, before);
	stmt_int(&q, 2, STORE_PURGE_BATCH);
	return stmt_write(&q);
}

/* ---- the audit log ---- */

int
store_audit_add(struct store *s, int64_t at, const char *login, const char *action,
    int64_t complaint_id, const char *detail)
{
	struct stmt q;

	stmt_begin(&q, s, ST_AUDIT_ADD, "add audit row");
	stmt_int(&q, 1, at);
	stmt_text(&q, 2, login);
	stmt_text(&q, 3, action);
	stmt_ref(&q, 4, complaint_id);
	stmt_text(&q, 5, detail);
	return stmt_run(&q);
}

int
store_audit_list(struct store *s, int64_t complaint_id, int64_t before_id,
    struct store_audit *out, size_t max, size_t *n)
{
	struct store_audit *a;
	struct stmt q;
	int ret = 0;

	*n = 0;
	if (max == 0)
		return 0;
	stmt_begin(&q, s, complaint_id > 0 ? ST_AUDIT_LIST_COMPLAINT : ST_AUDIT_LIST,
	    "list audit rows");
	stmt_int(&q, 1, before_id > 0 ? before_id : INT64_MAX);
	stmt_limit(&q, 2, max);
	if (complaint_id > 0)
		stmt_int(&q, 3, complaint_id);
	while (*n < max && (ret = stmt_row(&q)) == 1) {
		a = &out[(*n)++];
		memset(a, 0, sizeof *a);
		a->id = col_int64(&q, 0);
		a->at = col_int64(&q, 1);
		(void)str_copy(a->login, sizeof a->login, col_str(&q, 2));
		(void)str_copy(a->action, sizeof a->action, col_str(&q, 3));
		a->complaint_id = col_int64(&q, 4);
		(void)str_copy(a->detail, sizeof a->detail, col_str(&q, 5));
		utf8_fix_tail(a->detail);
	}
	if (*n == max)
		ret = 0;
	if (ret < 0)
		*n = 0;
	return stmt_end(&q, ret);
}
