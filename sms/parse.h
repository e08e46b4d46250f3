/*
 * parse: the SMS grammar.  Turns the text of one message into a command.
 * Pure: no I/O, no config; what is a routing keyword is routing's business,
 * so everything that is not a command word is a complaint.
 *
 *   [LAPOR|ADUAN|REPORT] KEYWORD text        complaint
 *   [LAPOR|ADUAN|REPORT] KEYWORD#LOCATION#TEXT  structured complaint
 *   free text                                complaint (routing searches it)
 *   STATUS|CEK <ticket>                      status
 *   TAMBAH|ADD <ticket> text                 add information
 *   BATAL|CANCEL <ticket>                    withdraw
 *   INFO|BANTUAN|HELP|(empty)|LAPOR alone    help
 *   STOP|BERHENTI / MULAI|START              notifications off / on
 *   BAHASA|LANGUAGE ID|EN                    reply language for this phone
 *
 * Command words are matched on the folded first word (case, accents and
 * surrounding punctuation ignored: "Status:", "*cek*", "stop." all count).
 * Tickets are read with ticket_read(): "48219307", "4821 9307", "#48219307".
 */
#ifndef ADUAN_PARSE_H
#define ADUAN_PARSE_H

#include <stddef.h>

#include "sms/lang.h"
#include "sms/ticket.h"

enum sms_cmd {
	SMS_COMPLAINT,
	SMS_STATUS,
	SMS_ADD,
	SMS_CANCEL,
	SMS_HELP,
	SMS_STOP,
	SMS_START,
	SMS_LANG
};

/*
 * The slices point into the text given to sms_parse(); they live as long
 * as it does.  Unused slices are {NULL, 0}.
 */
struct sms_slice {
	const char *p;
	size_t len;
};

struct sms_command {
	enum sms_cmd cmd;
	enum lang lang;         /* language of the command word; LANG_NONE when
	                           shared (STATUS, INFO) or for complaints */
	char word[24];          /* the command word, folded ("CEK", "LAPOR"), or "" */

	/* SMS_STATUS, SMS_ADD, SMS_CANCEL */
	enum ticket_read ticket_state;
	char ticket[TICKET_DIGITS + 1];  /* digits read (8 unless malformed) */

	/* SMS_COMPLAINT: text after the optional prefix, trimmed */
	struct sms_slice body;
	int structured;         /* 1 for KEYWORD#LOCATION#TEXT */
	struct sms_slice keyword, location, description;  /* structured only, trimmed */

	/* SMS_ADD: the note after the ticket number, trimmed (may be empty) */
	struct sms_slice note;

	/* SMS_LANG: the language asked for, LANG_NONE when not understood */
	enum lang set_lang;
};

/* Parses text[0..len) (valid UTF-8).  Always fills *cmd. */
void sms_parse(const char *text, size_t len, struct sms_command *cmd);

#endif
