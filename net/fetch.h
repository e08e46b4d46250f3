/*
 * fetch: outbound HTTP and SMTP, the only module that includes <curl/curl.h>
 * (scripts/layers.sh).  Every response is bounded;
 * every request has a timeout.  Thread-safe once fetch_init() ran.
 */
#ifndef ADUAN_FETCH_H
#define ADUAN_FETCH_H

#include <stddef.h>

struct fetch_req {
	const char *method;             /* "GET" or "POST" */
	const char *url;
	const char *content_type;       /* POST: the body's type, or NULL */
	const char *body;               /* POST body, or NULL */
	size_t body_len;
	const char *const *headers;     /* "Name: value" strings, NULL-terminated, or NULL */
	long timeout_s;                 /* whole request; 0: 10 s */
	size_t max_response;            /* 0: 64 KB; a longer answer is an error */
	const char *want_header;        /* a response header to keep (name, any case), or NULL */
};

struct fetch_res {
	long status;                    /* HTTP status, 0 when none came */
	char *body;                     /* heap, NUL-terminated ("" when empty) */
	size_t body_len;
	int timed_out;                  /* 1 when the request ran out of time */
	char header[128];               /* want_header's value (leading blanks and the line
	                                   end dropped, cut to fit), "" when absent */
	char error[256];                /* transport error, "" when an answer came */
};

/* Once, before threads start.  0, -1. */
int fetch_init(void);
void fetch_cleanup(void);

/* 0 when an HTTP answer came (any status); -1 on a transport error (res->error). */
int fetch(const struct fetch_req *req, struct fetch_res *res);
void fetch_res_clear(struct fetch_res *res);

/*
 * Mail through libcurl's SMTP: one message per call, on its own handle, so
 * any thread may call it.  The message goes as it is (libcurl only
 * dot-stuffs it): the caller writes it whole, headers and CRLF line ends
 * included.
 */
enum fetch_tls {
	FETCH_TLS_REQUIRED,             /* smtp://: STARTTLS or fail, before AUTH and DATA */
	FETCH_TLS_OPTIONAL,             /* smtp://: STARTTLS when the server offers it */
	FETCH_TLS_OFF                   /* smtp://: plain text (a relay on this machine) */
};

struct fetch_mail {
	const char *url;                /* smtp://host[:port] or smtps://host[:port] */
	const char *username;           /* AUTH with these when not NULL */
	const char *password;
	enum fetch_tls tls;             /* smtps:// is TLS from the start whatever this says */
	const char *from;               /* envelope sender (MAIL FROM), a bare address */
	const char *const *to;          /* envelope recipients (RCPT TO), NULL-terminated */
	const char *message;            /* RFC 5322, CRLF line ends */
	size_t message_len;
	long timeout_s;                 /* the whole exchange; 0: 30 s */
};

struct fetch_mail_res {
	long code;                      /* the server's last reply code, 0 when none came */
	int timed_out;                  /* 1 when the exchange ran out of time */
	int tls_refused;                /* 1: STARTTLS required, the server did not offer it */
	char reply[160];                /* the server's last reply line, cut to fit, or "" */
	char error[256];                /* why it failed, "" when accepted */
};

/*
 * 0 when the server accepted the message for every recipient (250 after
 * DATA); -1 otherwise, with res->code (4xx: try again later, 5xx: refused
 * for good, 0: no answer: a transport error) and res->error.
 */
int fetch_mail(const struct fetch_mail *m, struct fetch_mail_res *res);

/* URL-encodes len bytes of s (binary-safe) into a heap string. */
char *fetch_escape(const char *s, size_t len);

/* Bytes of an answer that fetch_quote() keeps for an error message. */
#define FETCH_QUOTE_MAX 100

/*
 * Copies at most FETCH_QUOTE_MAX bytes of an answer body into out for an
 * error message: control characters become spaces, a UTF-8 sequence cut
 * at the end is dropped, trailing blanks trimmed.
 */
void fetch_quote(const char *body, size_t len, char *out, size_t outsz);

#endif
