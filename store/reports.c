/*
 * reports: the read-only queries of aduan stats and aduan route --replay
 * (store.h, "reports"): complaints with the SMS that opened them, totals,
 * counts per agency / keyword / channel, agency response times, overdue
 * counts.  Each is bounded by its caller's limit.
 */
#include "store/store_int.h"

#include <stdio.h>

const char *const reports_sql[ST_NSTMTS] = {
	/*
	 * Reports (aduan stats, aduan route --replay): read only.  A complaint
	 * with the SMS that opened it (none for USSD).  messages has no index
	 * on complaint_id; as a join, SQLite builds an automatic one for the
	 * run instead of scanning messages once per complaint.  ?2 NULL: any
	 * keyword; '' the complaints no rule decided.
	 */
	[ST_COMPLAINT_MESSAGES] =
	    "SELECT c.ticket, c.channel, c.keyword, c.agency, c.region, c.location,"
	    " c.description, c.created_at,"
	    " CASE WHEN m.text = '' THEN c.description ELSE m.text END"
	    " FROM complaints c LEFT JOIN messages m"
	    " ON m.complaint_id = c.id AND m.command = 'complaint'"
	    " WHERE c.created_at >= ?1 AND (?2 IS NULL OR c.keyword = ?2)"
	    " ORDER BY c.id LIMIT ?3",
	[ST_STATS_TOTALS] =
	    "SELECT count(*), coalesce(sum(CASE WHEN keyword = '' THEN 1 ELSE 0 END), 0) FROM complaints"
	    " WHERE created_at >= ?1",
	/* One statement per grouping: no SQL is built at run time. */
	[ST_STATS_BY_AGENCY] =
	    "SELECT agency, count(*) AS n FROM complaints WHERE created_at >= ?1"
	    " GROUP BY agency ORDER BY n DESC, agency LIMIT ?2",
	[ST_STATS_BY_KEYWORD] =
	    "SELECT keyword, count(*) AS n FROM complaints WHERE created_at >= ?1"
	    " GROUP BY keyword ORDER BY n DESC, keyword LIMIT ?2",
	[ST_STATS_BY_CHANNEL] =
	    "SELECT channel, count(*) AS n FROM complaints WHERE created_at >= ?1"
	    " GROUP BY channel ORDER BY n DESC, channel LIMIT ?2",
	/*
	 * The first event by an agency (anyone but the citizen and Aduan
	 * itself) at or after the complaint's creation; NULL when none.  The
	 * subquery walks events_complaint.
	 */
	[ST_STATS_RESPONSES] =
	    "SELECT c.created_at, (SELECT min(e.at) FROM events e"
	    " WHERE e.complaint_id = c.id AND e.actor NOT IN ('citizen', 'aduan')"
	    " AND e.at >= c.created_at)"
	    " FROM complaints c WHERE c.created_at >= ?1 ORDER BY c.id LIMIT ?2",
	/* As ST_COMPLAINT_OVERDUE, but every one, reminded or not. */
	[ST_STATS_OVERDUE] =
	    "SELECT"
	    " (SELECT count(*) FROM complaints"
	    "  WHERE status = 'received' AND route_due > 0 AND route_due < ?1),"
	    " (SELECT count(*) FROM complaints"
	    "  WHERE status = 'routed' AND followup_due > 0 AND followup_due < ?1)"
	    " + (SELECT count(*) FROM complaints"     /* reopened by the reporter's TAMBAH */
	    "  WHERE status = 'in_progress' AND followup_due > 0 AND followup_due < ?1)",
};

int
store_complaint_messages_each(struct store *s, int64_t since, const char *keyword,
    size_t limit, int (*fn)(void *arg, const struct store_complaint_text *t), void *arg)
{
	struct store_complaint_text t;
	struct stmt q;
	int rc;

	stmt_begin(&q, s, ST_COMPLAINT_MESSAGES, "read complaint messages");
	stmt_int(&q, 1, since);
	stmt_text(&q, 2, keyword);
	stmt_limit(&q, 3, limit);
	while ((rc = stmt_row(&q)) == 1) {
		t.ticket = col_str(&q, 0);
		t.channel = col_str(&q, 1);
		t.keyword = col_str(&q, 2);
		t.agency = col_str(&q, 3);
		t.region = col_str(&q, 4);
		t.location = col_null(&q, 5) ? NULL :
		    col_str(&q, 5);
		t.description = col_str(&q, 6);
		t.created_at = (int64_t)col_int64(&q, 7);
		t.text = col_null(&q, 8) ? NULL : col_str(&q, 8);
		if (fn(arg, &t) != 0) {
			rc = 2;         /* stopped by fn */
			break;
		}
	}
	return stmt_end(&q, rc == 2 ? 1 : rc);
}

/* Runs a one-row statement bound with one integer, reading two counts. */
static int
two_counts(struct store *s, enum stmt_id id, const char *what, int64_t arg, long *a, long *b)
{
	struct stmt q;
	int rc;

	*a = 0;
	*b = 0;
	stmt_begin(&q, s, id, what);
	stmt_int(&q, 1, arg);
	if ((rc = stmt_row(&q)) == 1) {
		*a = (long)col_int64(&q, 0);
		*b = (long)col_int64(&q, 1);
	} else if (rc == 0) {
		stmt_fail(&q);          /* no row: an aggregate always has one */
	}
	return stmt_end(&q, rc == 1 ? 0 : -1);
}

int
store_stats_totals(struct store *s, int64_t since, long *total, long *no_rule)
{
	return two_counts(s, ST_STATS_TOTALS, "count complaints", since, total, no_rule);
}

int
store_stats_counts(struct store *s, enum store_stats_by by, int64_t since, size_t limit,
    void (*fn)(void *arg, const char *name, long n), void *arg)
{
	enum stmt_id id;
	struct stmt q;
	int rc;

	switch (by) {
	case STORE_STATS_AGENCY:
		id = ST_STATS_BY_AGENCY;
		break;
	case STORE_STATS_KEYWORD:
		id = ST_STATS_BY_KEYWORD;
		break;
	case STORE_STATS_CHANNEL:
		id = ST_STATS_BY_CHANNEL;
		break;
	default:
		snprintf(db_errbuf, sizeof db_errbuf, "count complaints: unknown grouping %d",
		    (int)by);
		return -1;
	}
	stmt_begin(&q, s, id, "count complaints");
	stmt_int(&q, 1, since);
	stmt_limit(&q, 2, limit);
	while ((rc = stmt_row(&q)) == 1)
		fn(arg, col_str(&q, 0), (long)col_int64(&q, 1));
	return stmt_end(&q, rc);
}

int
store_stats_responses(struct store *s, int64_t since, size_t limit,
    void (*fn)(void *arg, int64_t created_at, int64_t first_at), void *arg)
{
	struct stmt q;
	int rc;

	stmt_begin(&q, s, ST_STATS_RESPONSES, "read agency responses");
	stmt_int(&q, 1, since);
	stmt_limit(&q, 2, limit);
	/* NULL (no response yet) reads as 0. */
	while ((rc = stmt_row(&q)) == 1)
		fn(arg, (int64_t)col_int64(&q, 0),
		    (int64_t)col_int64(&q, 1));
	return stmt_end(&q, rc);
}

int
store_stats_overdue(struct store *s, int64_t now, long *received, long *routed)
{
	return two_counts(s, ST_STATS_OVERDUE, "count overdue complaints", now, received, routed);
}
