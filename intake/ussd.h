/*
 * ussd: the USSD complaint menu as a pure state machine.  No I/O: the
 * caller (intake) loads a session's struct ussd_ctx from the store, feeds
 * the newest input to ussd_step(), performs the action the machine asks for
 * (store a complaint, look up a ticket, remember a language), reports the
 * result back, and saves the context.
 *
 * The machine is a transition table (state, input class, guard, action,
 * next state) in ussd.c; a unit test walks every row without a network.
 *
 * Screens: UTF-8 text that is GSM-7 and at most USSD_SCREEN_MAX characters
 * (operators cut longer screens).  An invalid choice re-shows the same
 * screen with a short error line on top; it never ends the session.
 *
 * Menu (Bahasa Indonesia / English by ctx->lang):
 *   MAIN        1 new complaint, 2 check status, 3 help, 4 other language
 *   CATEGORY    one line per keyword rule (its label), paginated:
 *               98 next page, 0 back (previous page, or MAIN from page 0)
 *   LOCATION    free text (desa/kelurahan, street), 0 back
 *   DESCRIPTION free text, 0 back
 *   CONFIRM     summary, 1 send, 2 change (back to CATEGORY), 0 cancel (MAIN)
 *   STATUS_ASK  ticket number, 0 back
 *   HELP        how to complain by SMS, 0 back
 *   RESUME      "continue the earlier complaint?" 1 yes, 2 no (new, MAIN)
 * Free text "0" means back; any other text is taken whole (it may contain
 * '*' and '#').
 */
#ifndef ADUAN_USSD_H
#define ADUAN_USSD_H

#include <stddef.h>

#include "conf/conf.h"
#include "sms/lang.h"
#include "sms/ticket.h"

#define USSD_SCREEN_MAX   160   /* GSM-7 septets per screen (extension characters count 2) */
#define USSD_LOCATION_MAX 100   /* bytes kept of the location answer */
#define USSD_DESC_MAX     320   /* bytes kept of the description answer */
#define USSD_PAGE_NEXT    "98"
#define USSD_BACK         "0"

enum ussd_state {
	USSD_MAIN,
	USSD_CATEGORY,
	USSD_LOCATION,
	USSD_DESCRIPTION,
	USSD_CONFIRM,
	USSD_STATUS_ASK,
	USSD_HELP,
	USSD_RESUME,
	USSD_END,               /* session over: any further input is a repeat */
	USSD_NSTATES
};

/* "main", "category", ...: how states are stored. */
const char *ussd_state_name(enum ussd_state s);
/* The state with that name, or -1. */
int ussd_state_from_name(const char *name);

/* Everything a session remembers between two requests. */
struct ussd_ctx {
	enum ussd_state state;
	enum lang lang;
	int page;                       /* category page, 0-based */
	long rule;                      /* chosen category: index into conf.rules, or -1 */
	char location[USSD_LOCATION_MAX + 1];
	char description[USSD_DESC_MAX + 1];
	enum ussd_state resume_to;      /* RESUME: where "1 yes" continues */
};

enum ussd_action {
	USSD_ACT_NONE,          /* just show out->screen */
	USSD_ACT_SUBMIT,        /* store the complaint in ctx, then ussd_submitted() */
	USSD_ACT_STATUS,        /* look up out->ticket for this phone, then ussd_status() */
	USSD_ACT_LANG           /* ctx->lang changed: remember it for the phone */
};

struct ussd_out {
	int end;                        /* 1: END, the session is over; 0: CON */
	char screen[USSD_SCREEN_MAX * 3 + 1];   /* UTF-8, GSM-7 only, <= 160 chars */
	enum ussd_action action;
	char ticket[TICKET_DIGITS + 1]; /* USSD_ACT_STATUS: the number asked for */
};

/* A new session: ctx reset, MAIN in language lang. */
void ussd_begin(const struct conf *c, struct ussd_ctx *ctx, enum lang lang,
    struct ussd_out *out);

/*
 * Offers to continue an earlier, unfinished complaint.  ctx holds that
 * complaint's rule/location/description and the state it stopped in
 * (ctx->state); the machine moves to RESUME.
 */
void ussd_offer_resume(const struct conf *c, struct ussd_ctx *ctx, struct ussd_out *out);

/* One input (the newest one only, not the whole session text). */
void ussd_step(const struct conf *c, struct ussd_ctx *ctx, const char *input, size_t len,
    struct ussd_out *out);

/* After USSD_ACT_SUBMIT was stored: the END screen with the ticket. */
void ussd_submitted(const struct conf *c, struct ussd_ctx *ctx, const char *ticket,
    const char *agency_short, struct ussd_out *out);

/*
 * After USSD_ACT_STATUS: found = 1 with the status name (already in the
 * session's language), agency short name and date; found = 0 gives the
 * same screen as a ticket that does not exist.  END either way.
 */
void ussd_status(const struct conf *c, struct ussd_ctx *ctx, int found, const char *ticket,
    const char *status_name, const char *agency_short, const char *date,
    struct ussd_out *out);

/* 1 when a session in this state holds a complaint worth resuming. */
int ussd_resumable(const struct ussd_ctx *ctx);

#endif
