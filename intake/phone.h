/*
 * phone: a feature phone simulated from the terminal, talking to a running
 * Aduan exactly as the gateway would (libcurl).  `aduan sms` uses it.
 */
#ifndef ADUAN_PHONE_H
#define ADUAN_PHONE_H

#include <stddef.h>

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

#endif
