/*
 * complaints: complaints and their events (store.h, "complaints" and the
 * changes of "tickets for the agency API"): opening one with its first
 * events, reading it, status changes and notes (with who acted and
 * whether the note is internal), the agency it is with, the original of a
 * duplicate, its service-level times and what is overdue.  The listings are listing.c's.
 *
 * Writes that touch two rows (a complaint and its first event, an event
 * and the complaint's status) run inside stmt_op_begin .. stmt_op_end, so
 * even a caller that did not open a transaction never leaves half of them
 * stored.
 */
#include "store/store_int.h"

#include <stdio.h>
#include <stdlib.h>

const char *const complaints_sql[ST_NSTMTS] = {
	[ST_TICKET_EXISTS] = "SELECT 1 FROM complaints WHERE ticket = ?1",
	[ST_COMPLAINT_ADD] =
	    "INSERT INTO complaints (ticket, phone, channel, keyword, agency,"
	    " region, status, lang, location, description, route_explain,"
	    " created_at, updated_at, routed_at, route_due, followup_due,"
	    " close_due, reminded_at, config_hash)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12,"
	    " ?13, ?14, ?15, ?16, ?17, ?18) RETURNING id",
	[ST_COMPLAINT_GET] =
	    "SELECT " COMPLAINT_COLS " FROM complaints WHERE ticket = ?1",
	[ST_COMPLAINT_COUNT] = "SELECT count(*) FROM complaints",
	[ST_EVENT_ADD] =
	    "INSERT INTO events (complaint_id, at, actor, status, note)"
	    " VALUES (?1, ?2, ?3, ?4, ?5)",
	/* Right after ST_EVENT_ADD, on the same connection: its row id. */
	[ST_EVENT_DETAILS_ADD] =
	    "INSERT INTO event_details (event_id, by_name, internal, action, to_agency)"
	    " VALUES (last_insert_rowid(), ?1, ?2, ?3, ?4)",
	/* A NULL status is a note only: keep the status, move updated_at. */
	[ST_COMPLAINT_TOUCH] =
	    "UPDATE complaints SET status = coalesce(?3, status), updated_at = ?2"
	    " WHERE id = ?1",
	[ST_LAST_NOTE] =
	    "SELECT note FROM events WHERE complaint_id = ?1"
	    " AND actor NOT IN ('citizen', 'aduan') AND note IS NOT NULL AND note <> ''"
	    " AND NOT EXISTS (SELECT 1 FROM event_details d WHERE d.event_id = events.id"
	    " AND d.internal <> 0) ORDER BY at DESC, id DESC LIMIT 1",
	[ST_EVENTS_LIST] =
	    "SELECT e.id, e.at, e.actor, e.status, e.note, d.by_name, d.internal, d.action,"
	    " d.to_agency FROM events e LEFT JOIN event_details d ON d.event_id = e.id"
	    " WHERE e.complaint_id = ?1 ORDER BY e.at, e.id LIMIT ?2",
	[ST_COMPLAINT_SET_AGENCY] =
	    "UPDATE complaints SET agency = ?2, updated_at = ?3 WHERE id = ?1",
	/* A negative time leaves its column alone; 0 clears it. */
	[ST_COMPLAINT_SET_SLA] =
	    "UPDATE complaints SET"
	    " routed_at = CASE WHEN ?2 < 0 THEN routed_at ELSE ?2 END,"
	    " route_due = CASE WHEN ?3 < 0 THEN route_due ELSE ?3 END,"
	    " followup_due = CASE WHEN ?4 < 0 THEN followup_due ELSE ?4 END,"
	    " close_due = CASE WHEN ?5 < 0 THEN close_due ELSE ?5 END,"
	    " reminded_at = CASE WHEN ?6 < 0 THEN reminded_at ELSE ?6 END"
	    " WHERE id = ?1",
	[ST_COMPLAINT_OVERDUE] =
	    "SELECT " COMPLAINT_COLS " FROM complaints WHERE reminded_at = 0"
	    " AND ((status = 'received' AND route_due > 0 AND route_due < ?1)"
	    " OR (status = 'routed' AND followup_due > 0 AND followup_due < ?1)"
	    " OR (status = 'in_progress' AND followup_due > 0 AND followup_due < ?1))"
	    " ORDER BY id LIMIT ?2",
	[ST_COMPLAINT_AUTOCLOSE] =
	    "SELECT " COMPLAINT_COLS " FROM complaints WHERE status = 'resolved'"
	    " AND close_due > 0 AND close_due <= ?1 ORDER BY id LIMIT ?2",
	[ST_COMPLAINT_SET_DUPLICATE] =
	    "INSERT INTO complaint_links (complaint_id, duplicate_of) VALUES (?1, ?2)"
	    " ON CONFLICT (complaint_id) DO UPDATE SET duplicate_of = excluded.duplicate_of",
};

void
store_complaint_clear(struct store_complaint *c)
{
	if (c == NULL)
		return;
	free(c->location);
	free(c->description);
	free(c->route_explain);
	free(c->partner_details);
	c->partner_details = NULL;
	c->location = NULL;
	c->description = NULL;
	c->route_explain = NULL;
}

int
store_ticket_exists(struct store *s, const char *ticket)
{
	struct stmt q;

	stmt_begin(&q, s, ST_TICKET_EXISTS, "look up ticket");
	stmt_text(&q, 1, ticket);
	return stmt_end(&q, stmt_row(&q));
}

/* Appends an event row; the caller holds the lock and a savepoint. */
static int
event_insert(struct store *s, const struct store_event_new *e)
{
	struct stmt q;

	stmt_use(&q, s, ST_EVENT_ADD, "insert event");
	stmt_int(&q, 1, e->complaint_id);
	stmt_int(&q, 2, e->at);
	stmt_text(&q, 3, e->actor);
	stmt_text(&q, 4, e->status);
	stmt_text(&q, 5, e->note);
	if (stmt_run(&q) == -1)
		return -1;
	if (e->by == NULL && !e->internal && e->action == NULL && e->to_agency == NULL)
		return 0;
	stmt_use(&q, s, ST_EVENT_DETAILS_ADD, "insert event details");
	stmt_text(&q, 1, e->by != NULL ? e->by : "");
	stmt_int(&q, 2, e->internal != 0);
	stmt_text(&q, 3, e->action != NULL ? e->action : "");
	stmt_text(&q, 4, e->to_agency != NULL ? e->to_agency : "");
	return stmt_run(&q);
}

/* A plain event: no by, not internal, no action. */
static int
event_plain(struct store *s, int64_t complaint_id, int64_t at, const char *actor,
    const char *status, const char *note)
{
	struct store_event_new e = { 0 };

	e.complaint_id = complaint_id;
	e.at = at;
	e.actor = actor;
	e.status = status;
	e.note = note;
	return event_insert(s, &e);
}

/* store_complaint_add and store_complaint_add_routed: routed_note NULL or the reason. */
static int
complaint_insert(struct store *s, struct store_complaint *c, const char *routed_note)
{
	struct store_event_new received = { 0 };
	struct stmt q;
	int64_t id = 0;
	int rc;

	db_lock(s);
	if (stmt_op_begin(s, "insert complaint") == -1) {
		db_unlock(s);
		return -1;
	}
	stmt_use(&q, s, ST_COMPLAINT_ADD, "insert complaint");
	stmt_fixed(&q, 1, c->ticket, sizeof c->ticket);
	stmt_fixed(&q, 2, c->phone, sizeof c->phone);
	stmt_fixed(&q, 3, c->channel, sizeof c->channel);
	stmt_fixed(&q, 4, c->keyword, sizeof c->keyword);
	stmt_fixed(&q, 5, c->agency, sizeof c->agency);
	stmt_fixed(&q, 6, c->region, sizeof c->region);
	if (routed_note != NULL)
		stmt_text(&q, 7, "routed");
	else
		stmt_fixed(&q, 7, c->status, sizeof c->status);
	stmt_fixed(&q, 8, c->lang, sizeof c->lang);
	stmt_text(&q, 9, c->location);
	stmt_text(&q, 10, c->description);
	stmt_text(&q, 11, c->route_explain);
	stmt_int(&q, 12, c->created_at);
	stmt_int(&q, 13, c->routed_at);
	stmt_int(&q, 14, c->route_due);
	stmt_int(&q, 15, c->followup_due);
	stmt_int(&q, 16, c->close_due);
	stmt_int(&q, 17, c->reminded_at);
	stmt_fixed(&q, 18, c->config_hash, sizeof c->config_hash);
	/* RETURNING: the id on both backends (no last_insert_rowid). */
	if ((rc = stmt_row(&q)) == 1)
		id = col_int64(&q, 0);
	else if (rc == 0)
		snprintf(db_errbuf, sizeof db_errbuf, "insert complaint: no id returned");
	if (stmt_end(&q, rc == 1 ? 0 : -1) == -1)
		goto fail;
	/* From a partner system: its id is who handed the citizen's complaint in. */
	received.complaint_id = id;
	received.at = c->created_at;
	received.actor = "citizen";
	received.status = c->status;
	received.by = c->partner[0] != '\0' ? c->partner : NULL;
	if (event_insert(s, &received) == -1)
		goto fail;
	if (routed_note != NULL &&
	    event_plain(s, id, c->created_at, "aduan", "routed", routed_note) == -1)
		goto fail;
	if (stmt_op_end(s, "insert complaint") == -1)
		goto fail;
	c->id = id;
	c->updated_at = c->created_at;
	if (routed_note != NULL)
		(void)str_copy(c->status, sizeof c->status, "routed");
	db_unlock(s);
	return 0;

fail:
	stmt_op_undo(s);
	db_unlock(s);
	return -1;
}

int
store_complaint_add(struct store *s, struct store_complaint *c)
{
	return complaint_insert(s, c, NULL);
}

int
store_complaint_add_routed(struct store *s, struct store_complaint *c, const char *note)
{
	return complaint_insert(s, c, note != NULL ? note : "");
}

void
complaints_row(const struct stmt *q, struct store_complaint *c)
{
	memset(c, 0, sizeof *c);
	c->id = (int64_t)col_int64(q, 0);
	(void)str_copy(c->ticket, sizeof c->ticket, col_str(q, 1));
	(void)str_copy(c->phone, sizeof c->phone, col_str(q, 2));
	(void)str_copy(c->channel, sizeof c->channel, col_str(q, 3));
	(void)str_copy(c->keyword, sizeof c->keyword, col_str(q, 4));
	(void)str_copy(c->agency, sizeof c->agency, col_str(q, 5));
	(void)str_copy(c->region, sizeof c->region, col_str(q, 6));
	(void)str_copy(c->status, sizeof c->status, col_str(q, 7));
	(void)str_copy(c->lang, sizeof c->lang, col_str(q, 8));
	c->location = col_dup(q, 9);
	c->description = xstrdup(col_str(q, 10));
	c->route_explain = col_dup(q, 11);
	c->created_at = (int64_t)col_int64(q, 12);
	c->updated_at = (int64_t)col_int64(q, 13);
	c->routed_at = (int64_t)col_int64(q, 14);
	c->route_due = (int64_t)col_int64(q, 15);
	c->followup_due = (int64_t)col_int64(q, 16);
	c->close_due = (int64_t)col_int64(q, 17);
	c->reminded_at = (int64_t)col_int64(q, 18);
	(void)str_copy(c->config_hash, sizeof c->config_hash, col_str(q, 19));
	(void)str_copy(c->duplicate_of, sizeof c->duplicate_of, col_str(q, 20));
	(void)str_copy(c->partner, sizeof c->partner, col_str(q, 21));
	c->partner_details = col_dup(q, 22);
	(void)str_copy(c->hub_id, sizeof c->hub_id, col_str(q, 23));
}

int
complaints_rows(struct stmt *q, struct store_complaint *out, size_t max, size_t *n)
{
	int rc = 0;
	size_t k = 0, i;

	while (k < max && (rc = stmt_row(q)) == 1)
		complaints_row(q, &out[k++]);
	if (rc == -1) {
		for (i = 0; i < k; i++)
			store_complaint_clear(&out[i]);
		*n = 0;
		return -1;
	}
	*n = k;
	return 0;
}

int
store_complaint_get(struct store *s, const char *ticket,
    struct store_complaint *c)
{
	struct stmt q;
	int ret;

	/* c is output only: the caller may pass it uninitialized. */
	memset(c, 0, sizeof *c);
	stmt_begin(&q, s, ST_COMPLAINT_GET, "get complaint");
	stmt_text(&q, 1, ticket);
	if ((ret = stmt_row(&q)) == 1)
		complaints_row(&q, c);
	return stmt_end(&q, ret);
}

int
store_event_put(struct store *s, const struct store_event_new *e)
{
	struct stmt q;

	db_lock(s);
	if (stmt_op_begin(s, "add event") == -1) {
		db_unlock(s);
		return -1;
	}
	if (event_insert(s, e) == -1)
		goto fail;
	stmt_use(&q, s, ST_COMPLAINT_TOUCH, "update complaint");
	stmt_int(&q, 1, e->complaint_id);
	stmt_int(&q, 2, e->at);
	stmt_text(&q, 3, e->status);
	if (stmt_run(&q) == -1)
		goto fail;
	if (stmt_op_end(s, "add event") == -1)
		goto fail;
	db_unlock(s);
	return 0;

fail:
	stmt_op_undo(s);
	db_unlock(s);
	return -1;
}

int
store_event_add(struct store *s, int64_t complaint_id, int64_t at,
    const char *actor, const char *status, const char *note)
{
	struct store_event_new e = { 0 };

	e.complaint_id = complaint_id;
	e.at = at;
	e.actor = actor;
	e.status = status;
	e.note = note;
	return store_event_put(s, &e);
}

int
store_last_agency_note(struct store *s, int64_t complaint_id, char *buf,
    size_t bufsz)
{
	struct stmt q;
	int ret;

	/* Written whatever comes: a caller never reads an unwritten buffer. */
	if (buf != NULL && bufsz > 0)
		buf[0] = '\0';
	stmt_begin(&q, s, ST_LAST_NOTE, "last agency note");
	stmt_int(&q, 1, complaint_id);
	if ((ret = stmt_row(&q)) == 1 && buf != NULL && bufsz > 0)
		(void)str_copy(buf, bufsz, col_str(&q, 0));
	return stmt_end(&q, ret);
}

long
store_complaint_count(struct store *s)
{
	struct stmt q;

	stmt_begin(&q, s, ST_COMPLAINT_COUNT, "count complaints");
	return stmt_count(&q);
}

void
store_event_clear(struct store_event *e)
{
	if (e == NULL)
		return;
	free(e->note);
	e->note = NULL;
}

int
store_events_list(struct store *s, int64_t complaint_id,
    struct store_event *out, size_t max, size_t *n)
{
	struct store_event *e;
	struct stmt q;
	size_t k = 0, i;
	int rc = 0;

	*n = 0;
	stmt_begin(&q, s, ST_EVENTS_LIST, "list events");
	stmt_int(&q, 1, complaint_id);
	stmt_limit(&q, 2, max);
	while (k < max && (rc = stmt_row(&q)) == 1) {
		e = &out[k++];
		memset(e, 0, sizeof *e);
		e->id = (int64_t)col_int64(&q, 0);
		e->at = (int64_t)col_int64(&q, 1);
		(void)str_copy(e->actor, sizeof e->actor, col_str(&q, 2));
		(void)str_copy(e->status, sizeof e->status, col_str(&q, 3));
		e->note = col_dup(&q, 4);
		(void)str_copy(e->by, sizeof e->by, col_str(&q, 5));
		e->internal = col_int(&q, 6) != 0;
		(void)str_copy(e->action, sizeof e->action, col_str(&q, 7));
		(void)str_copy(e->to_agency, sizeof e->to_agency, col_str(&q, 8));
	}
	if (stmt_end(&q, rc) == -1) {
		for (i = 0; i < k; i++)
			store_event_clear(&out[i]);
		return -1;
	}
	*n = k;
	return 0;
}

int
store_complaint_set_agency(struct store *s, int64_t complaint_id,
    const char *agency, int64_t now)
{
	struct stmt q;

	stmt_begin(&q, s, ST_COMPLAINT_SET_AGENCY, "set complaint agency");
	stmt_int(&q, 1, complaint_id);
	stmt_text(&q, 2, agency);
	stmt_int(&q, 3, now);
	return stmt_run(&q);
}

int
store_complaint_set_duplicate(struct store *s, int64_t complaint_id, const char *original)
{
	struct stmt q;

	stmt_begin(&q, s, ST_COMPLAINT_SET_DUPLICATE, "set duplicate");
	stmt_int(&q, 1, complaint_id);
	stmt_text(&q, 2, original != NULL ? original : "");
	return stmt_run(&q);
}

int
store_complaint_set_sla(struct store *s, int64_t complaint_id,
    int64_t routed_at, int64_t route_due, int64_t followup_due,
    int64_t close_due, int64_t reminded_at)
{
	struct stmt q;

	stmt_begin(&q, s, ST_COMPLAINT_SET_SLA, "set service levels");
	stmt_int(&q, 1, complaint_id);
	stmt_int(&q, 2, routed_at);
	stmt_int(&q, 3, route_due);
	stmt_int(&q, 4, followup_due);
	stmt_int(&q, 5, close_due);
	stmt_int(&q, 6, reminded_at);
	return stmt_run(&q);
}

/* Runs a "due at now" complaint query (overdue, to close) into out. */
static int
complaints_due(struct store *s, enum stmt_id id, const char *what,
    int64_t now, struct store_complaint *out, size_t max, size_t *n)
{
	struct stmt q;

	*n = 0;
	stmt_begin(&q, s, id, what);
	stmt_int(&q, 1, now);
	stmt_limit(&q, 2, max);
	return stmt_end(&q, complaints_rows(&q, out, max, n));
}

int
store_complaint_overdue(struct store *s, int64_t now,
    struct store_complaint *out, size_t max, size_t *n)
{
	return complaints_due(s, ST_COMPLAINT_OVERDUE, "find overdue complaints",
	    now, out, max, n);
}

int
store_complaint_to_autoclose(struct store *s, int64_t now,
    struct store_complaint *out, size_t max, size_t *n)
{
	return complaints_due(s, ST_COMPLAINT_AUTOCLOSE,
	    "find complaints to close", now, out, max, n);
}
