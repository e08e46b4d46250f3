/*
 * parts: long messages that arrive in parts (store.h, "long messages in
 * parts"): each part kept once, keyed by (gateway, sender, ref, part),
 * joined when all have come, marked handled, expired when some never come,
 * purged later.
 */
#include "store/store_int.h"

#include <stdlib.h>

const char *const parts_sql[ST_NSTMTS] = {
	[ST_PART_ADD] =
	    "INSERT INTO sms_parts (gateway, sender, ref, total, part, text, received_at, msg_id)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, coalesce(?8, ''))",
	[ST_PART_FIND] =
	    "SELECT msg_id, joined_at FROM sms_parts"
	    " WHERE gateway = ?1 AND sender = ?2 AND ref = ?3 AND part = ?4",
	[ST_PARTS_GET] =
	    "SELECT part, total, text, received_at FROM sms_parts"
	    " WHERE gateway = ?1 AND sender = ?2 AND ref = ?3 AND joined_at = 0 ORDER BY part",
	[ST_PARTS_DELETE] =
	    "UPDATE sms_parts SET joined_at = ?4"
	    " WHERE gateway = ?1 AND sender = ?2 AND ref = ?3 AND joined_at = 0",
	/*
	 * Only the handled message's parts: a part of the new message that
	 * came before (out of order) stays.
	 */
	[ST_PARTS_FORGET] =
	    "DELETE FROM sms_parts WHERE gateway = ?1 AND sender = ?2 AND ref = ?3"
	    " AND joined_at > 0",
	/* In batches of ?2, along sms_parts_joined. */
	[ST_PARTS_PURGE] =
	    "DELETE FROM sms_parts WHERE rowid IN (SELECT rowid FROM sms_parts"
	    " WHERE joined_at > 0 AND joined_at < ?1 LIMIT ?2)",
	/* Walks sms_parts_waiting: the waiting parts, never the handled history. */
	[ST_PARTS_EXPIRED] =
	    "SELECT gateway, sender, ref, min(received_at) AS first FROM sms_parts"
	    " INDEXED BY sms_parts_waiting WHERE joined_at = 0"
	    " GROUP BY gateway, sender, ref HAVING min(received_at) < ?1"
	    " AND count(*) < max(total)"
	    " ORDER BY first LIMIT ?2",
};

int
store_part_add(struct store *s, const char *gateway, const char *sender, const char *ref,
    int total, int part, const char *msg_id, const char *text, int64_t now)
{
	struct stmt q;
	int ret = -1, rc, reused = 0;

	db_lock(s);
	stmt_use(&q, s, ST_PART_FIND, "keep message part");
	stmt_text(&q, 1, gateway);
	stmt_text(&q, 2, sender);
	stmt_text(&q, 3, ref);
	stmt_int(&q, 4, part);
	/*
	 * Had it.  A repeat, unless the whole was handled and this part
	 * has another id: the phone reused the reference for a new
	 * message, whose parts replace the old ones.
	 */
	if ((rc = stmt_row(&q)) == 1)
		reused = msg_id != NULL && *msg_id != '\0' &&
		    col_int64(&q, 1) > 0 && strcmp(col_str(&q, 0), msg_id) != 0;
	if (stmt_end(&q, rc) == -1)
		goto out;
	if (rc == 1 && !reused) {
		ret = 0;
		goto out;
	}
	if (reused) {
		stmt_use(&q, s, ST_PARTS_FORGET, "keep message part");
		stmt_text(&q, 1, gateway);
		stmt_text(&q, 2, sender);
		stmt_text(&q, 3, ref);
		if (stmt_run(&q) == -1)
			goto out;
	}
	stmt_use(&q, s, ST_PART_ADD, "keep message part");
	stmt_text(&q, 1, gateway);
	stmt_text(&q, 2, sender);
	stmt_text(&q, 3, ref);
	stmt_int(&q, 4, total);
	stmt_int(&q, 5, part);
	stmt_text(&q, 6, text);
	stmt_int(&q, 7, now);
	stmt_text(&q, 8, msg_id);
	ret = stmt_run(&q) == -1 ? -1 : 1;
out:
	db_unlock(s);
	return ret;
}

long
store_parts_purge(struct store *s, int64_t before)
{
	struct stmt q;

	stmt_begin(&q, s, ST_PARTS_PURGE, "purge message parts");
	stmt_int(&q, 1, before);
	stmt_int(&q, 2, STORE_PURGE_BATCH);
	return stmt_write(&q);
}

/*
 * Reads the parts of one message in order into a joined text with "[...]"
 * for each missing part.  Sets *have, *total, *first_at.  0, -1.  The
 * caller holds the lock.
 */
static int
parts_read(struct store *s, const char *gateway, const char *sender, const char *ref,
    char **text, int *have, int *total, int64_t *first_at)
{
	struct stmt q;
	size_t len = 0, cap = 256, n;
	const char *t;
	int rc, next = 1, part;
	char *out;

	*have = 0;
	*total = 0;
	*first_at = 0;
	stmt_use(&q, s, ST_PARTS_GET, "read message parts");
	stmt_text(&q, 1, gateway);
	stmt_text(&q, 2, sender);
	stmt_text(&q, 3, ref);
	out = xmalloc(cap);
	out[0] = '\0';
	while ((rc = stmt_row(&q)) == 1) {
		part = col_int(&q, 0);
		if (col_int(&q, 1) > *total)
			*total = col_int(&q, 1);
		if (*first_at == 0 || col_int64(&q, 3) < *first_at)
			*first_at = col_int64(&q, 3);
		t = col_str(&q, 2);
		n = strlen(t);
		/* A gap between the parts that came is marked once, never closed up. */
		while (len + n + 6 + 1 > cap)
			out = xrealloc(out, cap *= 2);
		if (next < part) {
			memcpy(out + len, "[...]", 5);
			len += 5;
		}
		memcpy(out + len, t, n);
		len += n;
		out[len] = '\0';
		next = part + 1;
		(*have)++;
	}
	if (stmt_end(&q, rc) == -1) {
		free(out);
		return -1;
	}
	if (next <= *total) {
		out = xrealloc(out, len + 6);
		memcpy(out + len, "[...]", 6);
	}
	*text = out;
	return 0;
}

int
store_parts_join(struct store *s, const char *gateway, const char *sender, const char *ref,
    char **text)
{
	int have, total, ret;
	int64_t first;

	*text = NULL;
	db_lock(s);
	ret = parts_read(s, gateway, sender, ref, text, &have, &total, &first);
	db_unlock(s);
	if (ret != 0)
		return -1;
	if (have > 0 && have >= total)
		return 1;
	free(*text);
	*text = NULL;
	return 0;
}

int
store_parts_delete(struct store *s, const char *gateway, const char *sender, const char *ref,
    int64_t now)
{
	struct stmt q;

	stmt_begin(&q, s, ST_PARTS_DELETE, "forget message parts");
	stmt_text(&q, 1, gateway);
	stmt_text(&q, 2, sender);
	stmt_text(&q, 3, ref);
	stmt_int(&q, 4, now > 0 ? now : 1);
	return stmt_run(&q);
}

void
store_parts_group_clear(struct store_parts_group *g)
{
	free(g->text);
	g->text = NULL;
}

int
store_parts_expired(struct store *s, int64_t before, struct store_parts_group *out, size_t max,
    size_t *n)
{
	struct stmt q;
	size_t k = 0, i;
	int rc = 0;

	*n = 0;
	if (max == 0)
		return 0;
	db_lock(s);
	stmt_use(&q, s, ST_PARTS_EXPIRED, "find waiting message parts");
	stmt_int(&q, 1, before);
	stmt_int(&q, 2, (int64_t)max);
	while (k < max && (rc = stmt_row(&q)) == 1) {
		memset(&out[k], 0, sizeof out[k]);
		(void)str_copy(out[k].gateway, sizeof out[k].gateway, col_str(&q, 0));
		(void)str_copy(out[k].sender, sizeof out[k].sender, col_str(&q, 1));
		(void)str_copy(out[k].ref, sizeof out[k].ref, col_str(&q, 2));
		out[k].first_at = col_int64(&q, 3);
		k++;
	}
	if (stmt_end(&q, rc) == -1) {
		db_unlock(s);
		return -1;
	}
	for (i = 0; i < k; i++) {
		int64_t first;

		if (parts_read(s, out[i].gateway, out[i].sender, out[i].ref, &out[i].text,
		    &out[i].have, &out[i].total, &first) != 0) {
			while (i > 0)
				store_parts_group_clear(&out[--i]);
			db_unlock(s);
			return -1;
		}
	}
	db_unlock(s);
	*n = k;
	return 0;
}
