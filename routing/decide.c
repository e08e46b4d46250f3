/*
 * decide: one SMS complaint's routing decision, pure.  See decide.h.  Moved
 * down from intake (it was intake_route_sms) so that `aduan route` and
 * replay (routing/replay.c) use the service's own decision without
 * including intake/.
 */
#include "routing/decide.h"

#include <string.h>

#include "sms/text.h"

static int
count_words_cb(void *arg, size_t off, size_t len)
{
	(void)off;
	(void)len;
	++*(size_t *)arg;
	return 0;
}

/* 1 when s holds a letter or digit (any non-ASCII character counts as one). */
static int
has_alnum(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((s[i] >= '0' && s[i] <= '9') || ((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z') ||
		    (unsigned char)s[i] >= 0x80)
			return 1;
	return 0;
}

void
route_sms_decide(const struct route_table *rt, const struct sms_command *cmd,
    struct route_sms *r)
{
	struct route_decision *d = &r->d;
	size_t words = 0;

	r->loc = NULL;
	r->llen = 0;
	if (cmd->structured) {
		route_structured(rt, cmd->keyword.p, cmd->keyword.len, cmd->location.p,
		    cmd->location.len, cmd->description.p, cmd->description.len, d);
		r->desc = cmd->description.p;
		r->dlen = cmd->description.len;
		r->loc = cmd->location.p;
		r->llen = cmd->location.len;
	} else {
		route_text(rt, cmd->body.p, cmd->body.len, d);
		/*
		 * The whole text is the description: "Sampah menumpuk di
		 * pasar" without its first word loses its subject.  Only a
		 * keyword with nothing after it is not a complaint yet.
		 */
		r->desc = cmd->body.p;
		r->dlen = cmd->body.len;
		/*
		 * A leading phrase alone says something ("jalan ambles",
		 * "mati lampu"); a leading word alone does not.
		 */
		if (d->how == ROUTE_LEADING && strchr(d->word, ' ') == NULL &&
		    d->body_offset <= r->dlen &&
		    !has_alnum(r->desc + d->body_offset, r->dlen - d->body_offset))
			r->dlen = 0;    /* "JALAN", "JALAN !!!": nothing said yet */
	}
	if (r->desc != NULL)
		text_trim(&r->desc, &r->dlen);
	if (r->loc != NULL)
		text_trim(&r->loc, &r->llen);

	if (r->desc == NULL || r->dlen == 0) {
		r->answer = d->rule >= 0 ? ROUTE_SMS_NEED_TEXT : ROUTE_SMS_HELP;
		return;
	}
	r->answer = ROUTE_SMS_TICKET;
	if (d->rule < 0) {
		/* "halo", "tes#tes": no keyword and hardly a sentence. */
		text_words(cmd->body.p, cmd->body.len, count_words_cb, &words);
		if (words < ROUTE_SMS_MIN_FREE_WORDS)
			r->answer = ROUTE_SMS_HELP;
	}
}
