/*
 * messages: inbound messages, one row per gateway message, and the
 * deduplication of retried callbacks by the gateway's message id (store.h,
 * "inbound messages").  A retry is answered from the reading connection
 * (store_message_seen) so that it never waits for the writer.
 */
#include "store/store_int.h"

const char *const messages_sql[ST_NSTMTS] = {
	/*
	 * A gateway id is one sender's: a gateway that reuses an id for
	 * another phone (a restarted counter) must not hand that phone the
	 * first one's reply.  The message of a second sender is kept under
	 * "<id>/<sender>" (ST_MESSAGE_ADD), which the unique (gateway, gw_id)
	 * index finds as well; ?3 NULL matches any sender on the plain id.
	 */
	[ST_MESSAGE_FIND] =
	    "SELECT reply FROM messages WHERE gateway = ?1"
	    " AND gw_id IN (?2, ?2 || '/' || ?3) AND (?3 IS NULL OR sender = ?3)",
	/*
	 * DO NOTHING rather than catching the error: a retried callback is
	 * normal.  The text of a message that opened a complaint is that
	 * complaint's description, most of the time: then it is kept once,
	 * there, and '' here (schema 14; readers use MESSAGE_TEXT).
	 */
	[ST_MESSAGE_ADD] =
	    "INSERT INTO messages (gateway, gw_id, sender, receiver, text,"
	    " command, reply, complaint_id, received_at)"
	    " VALUES (?1, CASE WHEN EXISTS (SELECT 1 FROM messages"
	    "  WHERE gateway = ?1 AND gw_id = ?2 AND sender <> ?3)"
	    "  THEN ?2 || '/' || ?3 ELSE ?2 END, ?3, ?4,"
	    " CASE WHEN ?6 = 'complaint' AND ?8 IS NOT NULL AND ?5 <> ''"
	    "  AND ?5 = (SELECT description FROM complaints WHERE id = ?8)"
	    "  THEN '' ELSE ?5 END, ?6, ?7, ?8, ?9)"
	    " ON CONFLICT (gateway, gw_id) DO NOTHING",
};

/*
 * ST_MESSAGE_FIND through q (taken on either connection): 1, 0, -1 with
 * the error set; ends q.
 */
static int
message_find(struct stmt *q, const char *gateway, const char *gw_id, const char *sender,
    char *reply, size_t replysz)
{
	int ret;

	stmt_text(q, 1, gateway);
	stmt_text(q, 2, gw_id);
	stmt_text(q, 3, sender);
	if ((ret = stmt_row(q)) == 1 && reply != NULL && replysz > 0)
		(void)str_copy(reply, replysz, col_str(q, 0));
	return stmt_end(q, ret);
}

/* Without a gateway id there is nothing to deduplicate on: 0. */
int
store_message_find(struct store *s, const char *gateway, const char *gw_id,
    const char *sender, char *reply, size_t replysz)
{
	struct stmt q;

	if (gw_id == NULL)
		return 0;
	stmt_begin(&q, s, ST_MESSAGE_FIND, "find message");
	return message_find(&q, gateway, gw_id, sender, reply, replysz);
}

int
store_message_seen(struct store *s, const char *gateway, const char *gw_id,
    const char *sender, char *reply, size_t replysz)
{
	struct stmt q;

	if (gw_id == NULL)
		return 0;
	if (s->pg != NULL)      /* a pooled connection of its own */
		stmt_read(&q, s, ST_MESSAGE_FIND, "find message");
	else
		stmt_on(&q, s, s->rdb, s->rfind, &s->rlock, "find message");
	return message_find(&q, gateway, gw_id, sender, reply, replysz);
}

int
store_message_add(struct store *s, const struct store_message *m)
{
	struct stmt q;

	stmt_begin(&q, s, ST_MESSAGE_ADD, "insert message");
	stmt_text(&q, 1, m->gateway);
	stmt_text(&q, 2, m->gw_id);
	stmt_text(&q, 3, m->sender);
	stmt_text(&q, 4, m->receiver != NULL ? m->receiver : "");
	stmt_text(&q, 5, m->text);
	stmt_text(&q, 6, m->command);
	stmt_text(&q, 7, m->reply != NULL ? m->reply : "");
	stmt_ref(&q, 8, m->complaint_id);
	stmt_int(&q, 9, m->received_at);
	return stmt_changed(&q);
}
