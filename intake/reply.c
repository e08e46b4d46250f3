/*
 * reply: the texts a citizen reads, for SMS and USSD alike, rendered from
 * the config's templates (conf_render), then passed through gsm_clean() so
 * they stay GSM-7 (one curly quote would turn a one-part SMS into three
 * UCS-2 parts) and cut to the parts a gateway sends.
 */
#include "intake/internal.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sms/gsm.h"
#include "util/log.h"
#include "util/util.h"

/* Kannel's example sms-service sends at most 3 parts (max-messages). */
#define REPLY_MAX_PARTS 3

void
reply_var(struct reply_vars *v, const char *name, const char *value)
{
	if (v->n < ARRAY_LEN(v->names)) {
		v->names[v->n] = name;
		v->values[v->n] = value ? value : "";
		v->n++;
	}
}

void
reply_render(struct intake *ix, enum lang l, enum conf_reply r, const struct reply_vars *v,
    char *out, size_t outsz)
{
	char raw[INTAKE_REPLY_MAX];

	char clean[INTAKE_REPLY_MAX];

	if (conf_render(ix->conf, l, r, v->names, v->values, v->n, raw, sizeof raw) < 0)
		log_warnx("reply '%s' was cut to %zu bytes", conf_reply_name(r), sizeof raw - 1);
	if (gsm_clean(raw, strlen(raw), clean, sizeof clean) < 0)
		str_copy(clean, sizeof clean, raw);
	/* Never more than the gateway sends: cut on a word, with "...". */
	if (gsm_fit(clean, strlen(clean), REPLY_MAX_PARTS, out, outsz) < 0)
		str_copy(out, outsz, clean);
}

static size_t
reply_parts(const char *s)
{
	struct gsm_count gc;

	if (gsm_count(s, strlen(s), &gc) != 0)
		return 99;
	return gc.parts;
}

const char *
reply_agency_short(const struct conf *c, const char *id)
{
	long i = conf_agency_find(c, id);

	return i >= 0 ? c->agencies[i].short_name : id;
}

/* Rule keywords for the help text, in the reply's language, until it would not fit. */
void
reply_help(struct intake *ix, enum lang l, char *out, size_t outsz)
{
	const struct conf *c = ix->conf;
	char kw[600] = "";
	size_t i, n = 0;
	struct reply_vars v = { 0 };

	reply_var(&v, "keywords", kw);
	reply_var(&v, "shortcode", c->short_code);
	for (i = 0; i < c->nrules; i++) {
		const struct conf_rule *r = &c->rules[i];
		const char *w = l == LANG_EN && r->naliases_en > 0 ? r->aliases_en[0] : r->keyword;
		size_t wl = strlen(w);

		if (n + wl + 2 >= sizeof kw)
			break;
		if (n > 0) {
			memcpy(kw + n, ", ", 2);
			n += 2;
		}
		memcpy(kw + n, w, wl + 1);
		n += wl;
		reply_render(ix, l, REPLY_HELP, &v, out, outsz);
		if (reply_parts(out) > REPLY_MAX_PARTS - 1) {
			/* Drop this keyword again: help should stay short. */
			n -= wl + (n > wl ? 2 : 0);
			kw[n] = '\0';
			break;
		}
	}
	reply_render(ix, l, REPLY_HELP, &v, out, outsz);
}

/* A new complaint's receipt: the SMS reply, or the SMS after a USSD session. */
void
reply_receipt(struct intake *ix, enum lang l, const struct route_decision *d, const char *ticket,
    char *out, size_t outsz)
{
	const struct conf *conf = ix->conf;
	struct reply_vars v = { 0 };

	reply_var(&v, "ticket", ticket);
	reply_var(&v, "agency", conf->agencies[d->agency].short_name);
	reply_var(&v, "category", d->rule >= 0 ? conf->rules[d->rule].label[l] : "");
	reply_var(&v, "shortcode", conf->short_code);
	reply_render(ix, l, d->rule >= 0 ? REPLY_RECEIVED :
	    d->how == ROUTE_TRIAGE_OUTSIDE ? REPLY_RECEIVED_OUTSIDE :
	    d->how == ROUTE_TRIAGE_THANKS ? REPLY_RECEIVED_THANKS : REPLY_RECEIVED_TRIAGE,
	    &v, out, outsz);
}

void
reply_date(int64_t t, char *buf, size_t bufsz)
{
	time_t tt = (time_t)t;
	struct tm tm;

	localtime_r(&tt, &tm);
	snprintf(buf, bufsz, "%02d/%02d/%04d", tm.tm_mday, tm.tm_mon + 1, tm.tm_year + 1900);
}

/*
 * Template r, then for a ticket forwarded to a hub its tracking number on
 * a line of its own ("\nLapor: 123456", GSM-7: a line feed is one
 * character), so that the citizen can quote either number.  The number is
 * left out only when the buffer cannot hold it whole.
 */
static void
status_render(struct intake *ix, enum lang l, enum conf_reply r, const struct reply_vars *v,
    const char *hub_id, char *out, size_t outsz)
{
	size_t n;

	reply_render(ix, l, r, v, out, outsz);
	if (hub_id == NULL || *hub_id == '\0')
		return;
	n = strlen(out);
	if (n + sizeof "\nLapor: " + strlen(hub_id) <= outsz)
		(void)snprintf(out + n, outsz - n, "\nLapor: %s", hub_id);
}

/* Trims note (in place) at a word boundary until the status reply fits. */
void
reply_status(struct intake *ix, enum lang l, const struct store_complaint *c, char *note,
    char *out, size_t outsz)
{
	const struct conf *conf = ix->conf;
	char date[40];
	struct reply_vars v = { 0 };
	int st = conf_status_reply(c->status);
	size_t n, cut;

	reply_date(c->updated_at, date, sizeof date);
	reply_var(&v, "ticket", c->ticket);
	reply_var(&v, "status", st >= 0 ? conf->replies[l][st] : c->status);
	reply_var(&v, "agency", reply_agency_short(conf, c->agency));
	reply_var(&v, "date", date);
	if (note == NULL || *note == '\0') {
		status_render(ix, l, REPLY_STATUS, &v, c->hub_id, out, outsz);
		return;
	}
	reply_var(&v, "note", note);
	for (;;) {
		status_render(ix, l, REPLY_STATUS_NOTE, &v, c->hub_id, out, outsz);
		n = strlen(note);
		if (reply_parts(out) <= REPLY_MAX_PARTS || n <= 3)
			return;
		/*
		 * Cut the last word and mark the cut; a note without spaces
		 * (a link) is cut where it is, never inside a UTF-8 character.
		 */
		n = n > 4 ? n - 4 : 0;
		cut = n;
		while (cut > 0 && note[cut] != ' ')
			cut--;
		if (cut == 0)
			cut = n;
		cut = utf8_cut(note, strlen(note), cut);
		memcpy(note + cut, "...", 4);
	}
}
