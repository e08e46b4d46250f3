/*
 * ticket/mail: email to agencies.  A new ticket (or one re-routed to an
 * agency) and an overdue reminder become an outbox row of kind "email"
 * (outbox/deliver.c sends it through SMTP), queued inside the caller's
 * transaction like the webhook beside it, so a ticket that exists always
 * has its email queued and a retry sends the same message.
 *
 * Who gets what (the agency's settings in conf/conf.h):
 *   email_mode "immediate" (the default): one email per new ticket to
 *     `email`; one per overdue stage to `email` and `head_email`.
 *   email_mode "digest": nothing at once; the ticket is added to the
 *     agency's next digest, one email to `email` that goes out at
 *     digest_hour (local time) and lists the new and overdue tickets since
 *     the previous one; overdue tickets also go to a digest of their own for
 *     `head_email`.  A day with nothing to say sends nothing.
 *
 * The outbox row (recipient: the agency id; body: the whole RFC 5322
 * message, ASCII only, CRLF line ends, no line over 78 characters):
 *
 *   Subject: [Aduan] Tiket baru 79886914: Jalan & jembatan - Jl. Pemuda
 *   Date: Sat, 28 Nov 2026 16:52:27 +0700
 *   From: Aduan <aduan@semarangkab.go.id>
 *   To: pengaduan@dpupr.semarangkab.go.id, kepala@dpupr.semarangkab.go.id
 *   Message-ID: <32 hex digits of SHA-256(idem_key)@semarangkab.go.id>
 *   MIME-Version: 1.0
 *   Content-Type: text/plain; charset=UTF-8
 *   Content-Transfer-Encoding: quoted-printable
 *   Auto-Submitted: auto-generated
 *   X-Aduan-Ticket: 79886914              (not on digests)
 *
 *   <the text in Bahasa Indonesia with English beside it, quoted-printable>
 *
 * Subject first, so that `aduan outbox` (which shows a body's first line)
 * shows it.  A Subject stays plain text up to its first word that is not
 * plain ASCII; the rest is RFC 2047 encoded-words (UTF-8, Q).  The envelope
 * is what the headers say: MAIL FROM the From address, RCPT TO each To
 * address.  Idempotency keys:
 *   email:created:<agency>:<ticket>:<unix time>
 *   email:overdue:<agency>:<ticket>:<due date>      (once per stage)
 *   email:digest:<agency>:<digest time>[:<part>]    (digest-head: the head's)
 * A digest row is queued with store_outbox_add_at(its time) and grows by
 * store_outbox_append() until then; past DIGEST_MAX bytes a second part
 * starts.  Its Date is its digest time.
 *
 * Privacy: the reporter's number is always masked (+62812****890), whatever
 * show_phone says (email is forwarded and kept in mailboxes), and numbers
 * in the citizen's text are masked with pii_mask().  The link into the web
 * inbox is server.public_url + "/inbox/t/<number>"; without a public_url
 * written in the config the email says so instead of giving a link to
 * 127.0.0.1.
 */
#ifndef ADUAN_TICKET_MAIL_H
#define ADUAN_TICKET_MAIL_H

#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"
#include "store/store.h"
#include "util/util.h"

/*
 * Queues the new-ticket email for cm's agency, or adds it to the agency's
 * digest.  Inside the caller's transaction.  1 queued, 0 nothing to send
 * (no address, no email group), -1 store error.
 */
int ticket_mail_created(const struct conf *c, struct store *s, const struct store_complaint *cm,
    int64_t now);

/* The same for an overdue reminder, to email and head_email. */
int ticket_mail_overdue(const struct conf *c, struct store *s, const struct store_complaint *cm,
    int64_t now);

/* ---- the pure parts (tests call them) ---------------------------------- */

/* The longest line written, CRLF not counted (RFC 5322 says 78). */
#define TICKET_MAIL_LINE 78

/*
 * Appends "Name: value" CRLF to out, folded at spaces to TICKET_MAIL_LINE:
 * plain words up to the first one with anything but printable ASCII, from
 * there RFC 2047 encoded-words (=?UTF-8?Q?...?=, at most 75 characters
 * each, whole characters only); all of it encoded when a word is too long
 * to fold or the text holds "=?".  -1 (out untouched) when value holds a CR
 * or LF (a header injection) or is not UTF-8; 0 otherwise.
 */
int ticket_mail_header(struct sbuf *out, const char *name, const char *value);

/*
 * Appends text[0..len) quoted-printable (RFC 2045) to out: its line breaks
 * (LF, CRLF or a lone CR) become CRLF, encoded lines are at most 76
 * characters (soft breaks "="), a line's last blank, '=', bytes outside
 * printable ASCII, a '.' that starts a line and the F of a "From " that
 * starts one are encoded.  Always ends with CRLF.
 */
void ticket_mail_qp(struct sbuf *out, const char *text, size_t len);

/* The next moment after now at hour:00 local time (a digest's time). */
int64_t ticket_mail_digest_at(int64_t now, int hour);

/*
 * The whole message for one ticket (overdue 0: new, 1: overdue reminder)
 * to the NULL-terminated addresses in to, its Message-ID from key.  Heap;
 * NULL when it cannot be written (no email group, a header refused).
 */
char *ticket_mail_compose(const struct conf *c, const struct store_complaint *cm, int overdue,
    const char *const *to, const char *key, int64_t now);

#endif
