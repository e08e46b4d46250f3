/*
 * hub: tickets forwarded to a hub and the following of their status
 * (store.h, "hub"; the table is migration 12's hub_requests).
 */
#include "store/store_int.h"

const char *const hub_sql[ST_NSTMTS] = {
	[ST_HUB_FORWARDED] =
	    "INSERT INTO hub_requests (complaint_id, hub_id, token, forwarded_at,"
	    " next_poll_at, poll_interval) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
	    " ON CONFLICT (complaint_id) DO UPDATE SET hub_id = excluded.hub_id,"
	    " token = excluded.token",
	[ST_HUB_DUE] =
	    "SELECT h.complaint_id, c.ticket, h.hub_id, h.token, h.seen, h.next_poll_at,"
	    " h.poll_interval FROM hub_requests h JOIN complaints c ON c.id = h.complaint_id"
	    " WHERE h.next_poll_at <= ?1"
	    " AND c.status NOT IN ('closed', 'rejected', 'withdrawn')"
	    " ORDER BY h.next_poll_at LIMIT ?2",
	/* Only from what this poll read: another node may have applied it meanwhile. */
	[ST_HUB_SEEN_SWAP] =
	    "UPDATE hub_requests SET seen = ?3 WHERE complaint_id = ?1 AND seen = ?2",
	[ST_HUB_POLLED] =
	    "UPDATE hub_requests SET next_poll_at = ?2, poll_interval = ?3,"
	    " seen = coalesce(?4, seen), hub_id = coalesce(?5, hub_id) WHERE complaint_id = ?1",
};

int
store_hub_forwarded(struct store *s, int64_t complaint_id, const char *hub_id,
    const char *token, int64_t now, int64_t next_at, int interval)
{
	struct stmt q;

	stmt_begin(&q, s, ST_HUB_FORWARDED, "record the hub's answer");
	stmt_int(&q, 1, complaint_id);
	stmt_text(&q, 2, hub_id != NULL ? hub_id : "");
	stmt_text(&q, 3, token != NULL ? token : "");
	stmt_int(&q, 4, now);
	stmt_int(&q, 5, next_at);
	stmt_int(&q, 6, interval);
	return stmt_run(&q);
}

int
store_hub_due(struct store *s, int64_t now, struct store_hub_link *out, size_t max,
    size_t *n)
{
	struct stmt q;
	int ret = 0;

	*n = 0;
	stmt_begin(&q, s, ST_HUB_DUE, "list hub requests due");
	stmt_int(&q, 1, now);
	stmt_int(&q, 2, (int64_t)max);
	while (*n < max && (ret = stmt_row(&q)) == 1) {
		struct store_hub_link *l = &out[(*n)++];

		memset(l, 0, sizeof *l);
		l->complaint_id = (int64_t)col_int64(&q, 0);
		(void)str_copy(l->ticket, sizeof l->ticket, col_str(&q, 1));
		(void)str_copy(l->hub_id, sizeof l->hub_id, col_str(&q, 2));
		(void)str_copy(l->token, sizeof l->token, col_str(&q, 3));
		(void)str_copy(l->seen, sizeof l->seen, col_str(&q, 4));
		l->next_poll_at = (int64_t)col_int64(&q, 5);
		l->interval = col_int(&q, 6);
	}
	if (*n == max)
		ret = 0;
	if (ret == -1)
		*n = 0;
	return stmt_end(&q, ret);
}

int
store_hub_polled(struct store *s, int64_t complaint_id, int64_t next_at, int interval,
    const char *seen, const char *hub_id)
{
	struct stmt q;

	stmt_begin(&q, s, ST_HUB_POLLED, "record a hub poll");
	stmt_int(&q, 1, complaint_id);
	stmt_int(&q, 2, next_at);
	stmt_int(&q, 3, interval);
	stmt_text(&q, 4, seen);
	stmt_text(&q, 5, hub_id);
	return stmt_run(&q);
}

int
store_hub_seen_swap(struct store *s, int64_t complaint_id, const char *from, const char *to)
{
	struct stmt q;

	stmt_begin(&q, s, ST_HUB_SEEN_SWAP, "record what the hub said");
	stmt_int(&q, 1, complaint_id);
	stmt_text(&q, 2, from);
	stmt_text(&q, 3, to);
	return stmt_changed(&q);
}
