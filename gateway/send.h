/*
 * send: outbound SMS through the configured gateway, one function per
 * gateway behind one small table (Kannel sendsms, Africa's Talking's
 * messaging API, Twilio's Messages API, Infobip's SMS API).  Called by the
 * delivery workers, never by an HTTP handler.
 *
 * Kannel: GET sendsms with username, password, from, to, text; a text that
 * is not GSM-7 goes as UTF-16BE with coding=2; dlr-mask=31 and a dlr-url
 * back to Aduan (/kannel/dlr) carrying the outbox id, so delivery reports
 * find their message.  202 accepted; 503 and transport errors are worth a
 * retry; 403 (not routable) and other 4xx are not.
 * Africa's Talking: POST username, to, message, from with the apiKey
 * header; success is SMSMessageData.Recipients[0].status "Success", whose
 * messageId is kept for its delivery reports (/africastalking/dlr).
 * Twilio: POST To, From, Body, StatusCallback (public_url + /twilio/status)
 * to <url, default https://api.twilio.com>/2010-04-01/Accounts/<username =
 * Account SID>/Messages.json with HTTP Basic auth (Account SID, password =
 * auth token); 201 with the message's sid (kept for the status callbacks);
 * 429, 5xx and transport errors are retried; 400 (21211: not a valid
 * number, ...), 401 and 403 are not, but for 21611 (the From number's
 * queue is full).
 * Infobip: POST JSON to <url>/sms/2/text/advanced with "Authorization: App
 * <password = API key>": the number in E.164 without '+', messageId
 * "aduan-<outbox id>", from, text, and with gateways.infobip.secret a
 * notifyUrl (public_url + /infobip/dlr?secret=...); status group PENDING
 * or ACCEPTED is sent (provider id: its messageId), REJECTED,
 * UNDELIVERABLE or EXPIRED final; 429 and 5xx retried, 401 and other 4xx
 * not.  No username.
 */
#ifndef ADUAN_SEND_H
#define ADUAN_SEND_H

#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"

enum send_outcome {
	SEND_OK,        /* accepted by the gateway */
	SEND_RETRY,     /* temporary: try again later */
	SEND_FAIL       /* permanent: do not try again */
};

struct send_result {
	enum send_outcome outcome;
	char provider_id[128];  /* the id delivery reports will carry */
	char error[256];        /* why, for the outbox row */
};

/*
 * Sends text (UTF-8) to `to` (E.164) with the sender the config names.
 * outbox_id identifies the message in delivery reports.  No sender
 * configured: SEND_RETRY with an error saying so (the row waits for one).
 */
void send_sms(const struct conf *c, const char *to, const char *text, int64_t outbox_id,
    struct send_result *r);

/*
 * The id the sender's delivery reports will carry, when the sender names
 * the message itself before sending it (Kannel: the outbox id in the
 * dlr-url): 1 with the id in buf, so that it can be stored before a report
 * can come back; 0 when only the gateway's answer tells it.
 */
int send_provider_id_ahead(const struct conf *c, int64_t outbox_id, char *buf, size_t bufsz);

#endif
