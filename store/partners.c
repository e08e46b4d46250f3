/*
 * partners: complaints from partner systems (store.h, "partner systems"):
 * which partner filed a complaint, what its request carried, and each
 * partner's idempotency keys, so that a partner's retry finds the ticket
 * its first request created instead of opening a second one.
 */
#include "store/store_int.h"

const char *const partners_sql[ST_NSTMTS] = {
	[ST_PARTNER_ADD] =
	    "INSERT INTO complaint_partner (complaint_id, partner, details) VALUES (?1, ?2, ?3)",
	/* A key taken already inserts nothing: the caller learns it from changes(). */
	[ST_PARTNER_KEY_ADD] =
	    "INSERT INTO partner_keys (partner, idem_key, ticket, created_at)"
	    " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (partner, idem_key) DO NOTHING",
	[ST_PARTNER_KEY_FIND] =
	    "SELECT ticket FROM partner_keys WHERE partner = ?1 AND idem_key = ?2",
};

int
store_partner_add(struct store *s, int64_t complaint_id, const char *ticket,
    const char *partner, const char *idem_key, const char *details, int64_t at)
{
	struct stmt q;
	int rc;

	db_lock(s);
	if (stmt_op_begin(s, "insert partner complaint") == -1) {
		db_unlock(s);
		return -1;
	}
	stmt_use(&q, s, ST_PARTNER_ADD, "insert partner complaint");
	stmt_int(&q, 1, complaint_id);
	stmt_text(&q, 2, partner);
	stmt_text(&q, 3, details);
	if (stmt_run(&q) == -1)
		goto fail;
	if (idem_key != NULL) {
		stmt_use(&q, s, ST_PARTNER_KEY_ADD, "insert partner key");
		stmt_text(&q, 1, partner);
		stmt_text(&q, 2, idem_key);
		stmt_text(&q, 3, ticket);
		stmt_int(&q, 4, at);
		if ((rc = stmt_changed(&q)) == -1)
			goto fail;
		if (rc == 0) {
			stmt_op_undo(s);
			db_unlock(s);
			return 0;
		}
	}
	if (stmt_op_end(s, "insert partner complaint") == -1)
		goto fail;
	db_unlock(s);
	return 1;

fail:
	stmt_op_undo(s);
	db_unlock(s);
	return -1;
}

int
store_partner_key_find(struct store *s, const char *partner, const char *idem_key,
    char ticket[9])
{
	struct stmt q;
	int ret;

	stmt_begin(&q, s, ST_PARTNER_KEY_FIND, "find partner key");
	stmt_text(&q, 1, partner);
	stmt_text(&q, 2, idem_key);
	if ((ret = stmt_row(&q)) == 1)
		(void)str_copy(ticket, 9, col_str(&q, 0));
	return stmt_end(&q, ret);
}
