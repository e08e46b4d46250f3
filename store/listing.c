/*
 * listing: the listings of complaints (store.h, "tickets for the agency
 * API and Open311"), each on a read-only connection of its own so that
 * none waits for the writer nor holds up a retried callback: the agency
 * API's on ldb, the public (Open311) ones on pdb, where every statement
 * has a budget of virtual-machine steps (STORE_PUBLIC_STEPS).
 */
#include "store/store_int.h"

#include <stdio.h>
#include <stdlib.h>

#include "util/log.h"

/* The statuses after which nothing more happens to a complaint. */
#define FINAL_STATUSES "('closed', 'rejected', 'withdrawn')"

/* The filters of both listing statements (after their agency condition). */
#define LIST_FILTERS \
	" AND (?2 IS NULL OR status = ?2)" \
	" AND (?3 = 0" \
	" OR (?3 = 1 AND status NOT IN " FINAL_STATUSES ")" \
	" OR (?3 = -1 AND status IN " FINAL_STATUSES "))" \
	" AND (?4 IS NULL OR keyword = ?4)" \
	" AND (?5 = 0 OR updated_at >= ?5)" \
	" AND (?6 = 0 OR created_at >= ?6)" \
	" AND (?7 = 0 OR created_at < ?7)" \
	" AND id < ?8" \
	" ORDER BY id DESC LIMIT ?9"

const char *const listing_sql[ST_NSTMTS] = {
	/*
	 * Listing (run on the reading connection, see store_complaint_list).
	 * Every filter is a parameter that switches itself off (NULL or 0),
	 * so one fixed statement serves every combination; ?3 is the "open"
	 * filter (1 open only, -1 final only, 0 any).  No SQL is built at
	 * run time.  The planner cannot know which filters are off, so it
	 * walks the primary key downwards from the cursor and stops at the
	 * limit: cheap for the usual pages, a longer scan for a filter that
	 * matches few rows.  The cursor ?8 is always bound (INT64_MAX for
	 * "from the newest"), not switched off like the others, so that walk
	 * starts at the cursor instead of skipping every newer row.
	 */
	[ST_COMPLAINT_LIST] =
	    "SELECT " COMPLAINT_COLS " FROM complaints"
	    " WHERE (?1 IS NULL OR agency = ?1)" LIST_FILTERS,
	/*
	 * The same for one agency (the agency API always names one): it
	 * walks that agency's part of complaints_agency (agency, id) instead
	 * of every complaint, so a quiet agency's page costs its own rows.
	 */
	[ST_COMPLAINT_LIST_AGENCY] =
	    "SELECT " COMPLAINT_COLS " FROM complaints"
	    " WHERE agency = ?1" LIST_FILTERS,
};


/*
 * The public statements (pdb).  Withdrawn and rejected complaints are
 * never public.  ?3 is the open filter (1 open, -1 closed, 0 any), ?6/?7
 * the creation range (0: unbounded), ?8 the id cursor, ?9 the limit.
 */
enum { PUB_LIST, PUB_LIST_CODE, PUB_LIST_CLOSED, PUB_ONE };
#define PUB_FILTERS \
	" AND status NOT IN ('withdrawn', 'rejected')" \
	" AND (?3 = 0 OR (?3 = 1 AND status NOT IN " FINAL_STATUSES ")" \
	" OR (?3 = -1 AND status = 'closed'))" \
	" AND (?6 = 0 OR created_at >= ?6) AND (?7 = 0 OR created_at < ?7)" \
	" AND id < ?8 ORDER BY id DESC LIMIT ?9"
static const char *const pub_sql[] = {
	/* Walks the primary key down from the newest. */
	[PUB_LIST] = "SELECT " COMPLAINT_COLS " FROM complaints WHERE ?4 IS NULL" PUB_FILTERS,
	/* Walks one service code's part of complaints_keyword (keyword, id). */
	[PUB_LIST_CODE] = "SELECT " COMPLAINT_COLS " FROM complaints WHERE keyword = ?4"
	    PUB_FILTERS,
	/* Walks complaints_closed (a partial index). */
	[PUB_LIST_CLOSED] = "SELECT " COMPLAINT_COLS " FROM complaints"
	    " WHERE status = 'closed' AND ?4 IS NULL" PUB_FILTERS,
	/* One ticket, with the newest public note of an agency (as ST_LAST_NOTE). */
	[PUB_ONE] = "SELECT " COMPLAINT_COLS ", (SELECT note FROM events"
	    " WHERE complaint_id = complaints.id AND actor NOT IN ('citizen', 'aduan')"
	    " AND note IS NOT NULL AND note <> '' AND NOT EXISTS (SELECT 1 FROM event_details d"
	    " WHERE d.event_id = events.id AND d.internal <> 0)"
	    " ORDER BY at DESC, id DESC LIMIT 1)"
	    " FROM complaints WHERE ticket = ?1"
	    " AND status NOT IN ('withdrawn', 'rejected')",
};
#define PUB_TICK        1000    /* virtual-machine steps between progress calls */

/* Stops a public statement once it spent its budget (STORE_PUBLIC_STEPS). */
static int
pub_progress(void *arg)
{
	struct store *s = arg;

	return ++s->pub_ticks > STORE_PUBLIC_STEPS / PUB_TICK;
}

int
listing_open(struct store *s, const char *path, char *err, size_t errsz)
{
	size_t i;

	if (pthread_mutex_init(&s->llock, NULL) != 0) {
		errf(err, errsz, "cannot create the listing lock");
		return -1;
	}
	s->llock_ready = 1;
	if (pthread_mutex_init(&s->plock, NULL) != 0) {
		errf(err, errsz, "cannot create the public listing lock");
		return -1;
	}
	s->plock_ready = 1;
	if (db_open_reader(path, &s->ldb) == -1 ||
	    sqlite3_prepare_v3(s->ldb, listing_sql[ST_COMPLAINT_LIST], -1,
	    SQLITE_PREPARE_PERSISTENT, &s->rlist, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(s->ldb, listing_sql[ST_COMPLAINT_LIST_AGENCY], -1,
	    SQLITE_PREPARE_PERSISTENT, &s->rlist_agency, NULL) != SQLITE_OK) {
		errf(err, errsz, "%s: listing connection: %s", path,
		    s->ldb != NULL ? sqlite3_errmsg(s->ldb) : "out of memory");
		return -1;
	}
	if (db_open_reader(path, &s->pdb) == -1) {
		errf(err, errsz, "%s: public listing connection: %s", path,
		    s->pdb != NULL ? sqlite3_errmsg(s->pdb) : "out of memory");
		return -1;
	}
	for (i = 0; i < ARRAY_LEN(pub_sql); i++)
		if (sqlite3_prepare_v3(s->pdb, pub_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
		    &s->pst[i], NULL) != SQLITE_OK) {
			errf(err, errsz, "prepare \"%s\": %s", pub_sql[i],
			    sqlite3_errmsg(s->pdb));
			return -1;
		}
	sqlite3_progress_handler(s->pdb, PUB_TICK, pub_progress, s);
	return 0;
}

void
listing_close(struct store *s)
{
	size_t i;

	sqlite3_finalize(s->rlist);
	sqlite3_finalize(s->rlist_agency);
	for (i = 0; i < ARRAY_LEN(s->pst); i++)
		sqlite3_finalize(s->pst[i]);
	sqlite3_close(s->ldb);
	sqlite3_close(s->pdb);
	if (s->llock_ready)
		pthread_mutex_destroy(&s->llock);
	if (s->plock_ready)
		pthread_mutex_destroy(&s->plock);
}

/* The "open" filter as the statements take it: 1 open only, -1 final only, 0 any. */
static int
open_filter(const struct store_query *q)
{
	return q->open > 0 ? 1 : q->open < 0 ? -1 : 0;
}

/* The public statement that serves q (PUB_*): by service code, closed ones, or all. */
static int
pub_listing(const struct store_query *q)
{
	return q->keyword != NULL ? PUB_LIST_CODE : open_filter(q) < 0 ? PUB_LIST_CLOSED :
	    PUB_LIST;
}

int
store_complaint_list(struct store *s, const struct store_query *q,
    struct store_complaint *out, size_t max, size_t *n)
{
	struct stmt l;
	size_t limit = q->limit < max ? q->limit : max;

	*n = 0;
	/*
	 * On the listing connection: a page that has to walk many rows
	 * (a rare filter) never holds up the writer nor a retried callback
	 * (store_message_seen), nor the other way round.
	 */
	if (s->pg != NULL)
		stmt_read(&l, s, q->agency != NULL ? ST_COMPLAINT_LIST_AGENCY :
		    ST_COMPLAINT_LIST, "list complaints");
	else
		stmt_on(&l, s, s->ldb, q->agency != NULL ? s->rlist_agency : s->rlist,
		    &s->llock, "list complaints");
	stmt_text(&l, 1, q->agency);
	stmt_text(&l, 2, q->status);
	stmt_int(&l, 3, open_filter(q));
	stmt_text(&l, 4, q->keyword);
	stmt_int(&l, 5, q->updated_since);
	stmt_int(&l, 6, q->created_from);
	stmt_int(&l, 7, q->created_to);
	stmt_int(&l, 8, q->before_id > 0 ? q->before_id : INT64_MAX);
	stmt_limit(&l, 9, limit);
	return stmt_end(&l, complaints_rows(&l, out, limit, n));
}

/* A statement stopped by pub_progress: its budget is spent. */
static int
pub_result(struct store *s, int ret)
{
	if (ret < 0 && sqlite3_errcode(s->pdb) == SQLITE_INTERRUPT) {
		snprintf(db_errbuf, sizeof db_errbuf, "public listing: more than %d steps",
		    STORE_PUBLIC_STEPS);
		return STORE_TOO_COSTLY;
	}
	return ret;
}

static void
pub_lock(struct store *s)
{
	if (pthread_mutex_lock(&s->plock) != 0)
		fatal("store: cannot take the public listing lock");
}

int
store_public_list(struct store *s, const struct store_query *q,
    struct store_complaint *out, size_t max, size_t *n)
{
	struct stmt l;
	size_t limit = q->limit < max ? q->limit : max;
	int ret;

	*n = 0;
	if (s->pg != NULL) {
		/* PostgreSQL: no step budget; statement_timeout bounds it (pg.c) */
		if (stmt_prepare(&l, s, DB_LISTING, pub_sql[pub_listing(q)],
		    "public listing") == -1)
			return -1;
	} else {
		pub_lock(s);
		/* plock stays held until pub_result has read pdb's error. */
		stmt_on(&l, s, s->pdb, s->pst[pub_listing(q)], NULL, "public listing");
	}
	stmt_int(&l, 3, open_filter(q));
	stmt_text(&l, 4, q->keyword);
	stmt_int(&l, 6, q->created_from);
	stmt_int(&l, 7, q->created_to);
	stmt_int(&l, 8, q->before_id > 0 ? q->before_id : INT64_MAX);
	stmt_limit(&l, 9, limit);
	if (s->pg != NULL)
		return stmt_finish(&l, complaints_rows(&l, out, limit, n));
	s->pub_ticks = 0;
	ret = pub_result(s, stmt_end(&l, complaints_rows(&l, out, limit, n)));
	pthread_mutex_unlock(&s->plock);
	return ret;
}

/* One public complaint, with its note, on pdb.  1, 0, -1 (budget: STORE_TOO_COSTLY). */
static int
pub_one(struct store *s, const char *ticket, int64_t id, struct store_complaint *c,
    char *note, size_t notesz)
{
	struct stmt l;
	int ret;

	if (s->pg != NULL) {
		if (stmt_prepare(&l, s, DB_LISTING, pub_sql[PUB_ONE], "public request") == -1)
			return -1;
	} else {
		pub_lock(s);
		stmt_on(&l, s, s->pdb, s->pst[PUB_ONE], NULL, "public request");
	}
	stmt_text(&l, 1, ticket);
	s->pub_ticks = 0;
	if ((ret = stmt_row(&l)) == 1) {
		if (c != NULL)
			complaints_row(&l, c);
		if (note != NULL && notesz > 0)
			(void)str_copy(note, notesz, col_str(&l, COMPLAINT_NCOLS));
		ret = col_int64(&l, 0) == id || id == 0 ? 1 : 0;
	}
	if (s->pg != NULL)
		return stmt_finish(&l, ret);
	ret = pub_result(s, stmt_end(&l, ret));
	pthread_mutex_unlock(&s->plock);
	return ret;
}

int
store_public_plan(struct store *s, const struct store_query *q, char *out, size_t outsz)
{
	int ret;

	if (outsz == 0)
		return -1;
	if (s->pg != NULL) {
		snprintf(db_errbuf, sizeof db_errbuf, "explain: SQLite only");
		return -1;
	}
	pub_lock(s);
	if ((ret = db_explain(s->pdb, pub_sql[pub_listing(q)], "; ", out, outsz)) == -1)
		snprintf(db_errbuf, sizeof db_errbuf, "explain: %s", sqlite3_errmsg(s->pdb));
	pthread_mutex_unlock(&s->plock);
	return ret;
}

int
store_public_get(struct store *s, const char *ticket, struct store_complaint *c,
    char *note, size_t notesz)
{
	int ret;

	memset(c, 0, sizeof *c);
	if (note != NULL && notesz > 0)
		note[0] = '\0';
	ret = pub_one(s, ticket, 0, c, note, notesz);
	if (ret != 1)
		store_complaint_clear(c);
	return ret;
}

int
store_public_note(struct store *s, const struct store_complaint *c, char *note,
    size_t notesz)
{
	int ret;

	if (note != NULL && notesz > 0)
		note[0] = '\0';
	ret = pub_one(s, c->ticket, c->id, NULL, note, notesz);
	return ret < 0 ? ret : note != NULL && note[0] != '\0';
}
