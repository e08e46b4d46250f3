/*
 * phones: per-number preferences (store.h, "phones"): whether the citizen
 * wants status SMS (STOP / MULAI) and the language last used.
 */
#include "store/store_int.h"

#include <stdio.h>

const char *const phones_sql[ST_NSTMTS] = {
	[ST_PHONE_GET] = "SELECT notify, lang FROM phones WHERE phone = ?1",
	/* NULL for ?2 or ?3 means "leave as it is" (default on a new row). */
	[ST_PHONE_SET] =
	    "INSERT INTO phones (phone, notify, lang, updated_at)"
	    " VALUES (?1, coalesce(?2, 1), coalesce(?3, ''), ?4)"
	    " ON CONFLICT (phone) DO UPDATE SET"
	    " notify = coalesce(?2, phones.notify), lang = coalesce(?3, phones.lang),"
	    " updated_at = ?4",
};

int
store_lock_phone(struct store *s, const char *phone)
{
	char key[96];

	if (s->pg == NULL)
		return 0;
	snprintf(key, sizeof key, "phone:%s", phone);
	return pg_lock_key(s, key);
}

int
store_phone_get(struct store *s, const char *phone, struct store_phone *p)
{
	struct stmt q;
	int ret;

	/* Defaults first, so "not known" and errors leave something sane. */
	p->notify = 1;
	p->lang[0] = '\0';
	stmt_begin(&q, s, ST_PHONE_GET, "get phone");
	stmt_text(&q, 1, phone);
	if ((ret = stmt_row(&q)) == 1) {
		p->notify = col_int(&q, 0) != 0;
		(void)str_copy(p->lang, sizeof p->lang, col_str(&q, 1));
	}
	return stmt_end(&q, ret);
}

int
store_phone_set(struct store *s, const char *phone, int notify,
    const char *lang, int64_t at)
{
	struct stmt q;

	stmt_begin(&q, s, ST_PHONE_SET, "set phone");
	stmt_text(&q, 1, phone);
	if (notify < 0)
		stmt_null(&q, 2);
	else
		stmt_int(&q, 2, notify != 0);
	stmt_text(&q, 3, lang);
	stmt_int(&q, 4, at);
	return stmt_run(&q);
}
