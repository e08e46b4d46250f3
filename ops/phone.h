/*
 * phone: a feature phone simulated from the terminal, talking to a running
 * Aduan exactly as the gateway would (through net/fetch.h).  `aduan sms` uses it.
 */
#ifndef ADUAN_PHONE_H
#define ADUAN_PHONE_H

#include <stddef.h>
#include <stdio.h>

struct phone_sms {
	const char *base_url;   /* "http://127.0.0.1:8080" */
	const char *secret;     /* the Kannel gateway secret */
	const char *from;       /* sender as Kannel would give it */
	const char *to;         /* short code */
	const char *text;       /* UTF-8 */
	const char *id;         /* Kannel message id; NULL: a fresh one */
};

/*
 * Sends one SMS as Kannel's get-url would.  On an answer, returns the HTTP
 * status and sets *body (heap, NUL-terminated; caller frees) and *coding2 (1
 * when the answer asked Kannel for UCS-2).  On a transport failure returns
 * -1 with a reason in err.
 */
int phone_sms_send(const struct phone_sms *m, char **body, int *coding2, char *err, size_t errsz);

struct phone_ussd {
	const char *base_url;   /* "http://127.0.0.1:8080" */
	const char *secret;     /* the Africa's Talking gateway secret */
	const char *from;       /* the phone's number */
	const char *code;       /* what is dialled: "*123#", or "*123*1*2#" to dial through */
	const char *session;    /* session id; NULL: a fresh one */
	FILE *in;               /* the keypad: one answer per line; EOF drops the call */
	FILE *out;              /* the screen */
};

/*
 * Walks a USSD session as Africa's Talking would: POSTs sessionId,
 * serviceCode, phoneNumber, networkCode and the cumulative text, shows each
 * screen, reads the next answer.  Returns 0 when the session ended with
 * END, 1 when the call was dropped (EOF on in), -1 on an error (reason in
 * err: transport, non-200 answer, or an answer that is neither CON nor END).
 */
int phone_ussd_run(const struct phone_ussd *u, char *err, size_t errsz);

#endif
