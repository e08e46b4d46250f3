/*
 * decide: what the service does with one SMS complaint, decided from the
 * rules alone (no store): where it routes, what description and location
 * it keeps, and whether it opens a ticket at all.  The SMS intake
 * (intake/sms.c), `aduan route` and replay (routing/replay.c) all call
 * route_sms_decide(), so a dry run says exactly what the service would do.
 */
#ifndef ADUAN_DECIDE_H
#define ADUAN_DECIDE_H

#include <stddef.h>

#include "routing/route.h"
#include "sms/parse.h"

/*
 * A message with no keyword and fewer words than this ("halo", "tes",
 * "terima kasih") gets the help text, not a ticket.
 */
#define ROUTE_SMS_MIN_FREE_WORDS 3

enum route_sms_answer {
	ROUTE_SMS_TICKET,               /* a complaint is stored */
	ROUTE_SMS_NEED_TEXT,            /* a keyword and nothing said: "JALAN" */
	ROUTE_SMS_HELP                  /* no keyword and hardly a sentence: "halo" */
};

/* desc and loc point into the message (cmd's text), trimmed; loc NULL when none. */
struct route_sms {
	struct route_decision d;
	const char *desc, *loc;
	size_t dlen, llen;
	enum route_sms_answer answer;
};

/*
 * How an SMS complaint (cmd->cmd == SMS_COMPLAINT, from sms_parse) routes:
 * route_structured() for KEYWORD#LOCATION#TEXT, else route_text() with the
 * whole text as the description.  Pure; always fills *r.
 */
void route_sms_decide(const struct route_table *rt, const struct sms_command *cmd,
    struct route_sms *r);

#endif
