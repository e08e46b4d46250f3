/*
 * ticket/mail: the emails to agencies, written whole here and queued in the
 * outbox (ticket/mail.h says what goes to whom and the row's format).
 *
 * Quoted-printable rather than 8bit: libcurl announces no BODY=8BITMIME in
 * MAIL FROM, and 8-bit data sent without it breaks RFC 6152, so a strict
 * relay may refuse or mangle it.  QP keeps the message 7-bit and every
 * line short whatever the server, and Bahasa Indonesia is nearly all
 * ASCII, so the raw message still reads as plain text.  No SMTPUTF8 either:
 * addresses are ASCII (conf_email_check).
 *
 * Everything here is text work on plain structs; the only store calls are
 * the two outbox ones at the end, inside the caller's transaction.
 */
#include "ticket/mail.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "sms/lang.h"
#include "sms/pii.h"
#include "sms/text.h"
#include "ticket/change.h"
#include "ticket/json.h"
#include "util/crypto.h"
#include "util/log.h"

/* A message for one ticket: the citizen's text is at most sms.max_text (64 KiB). */
#define MAIL_MAX                (1024 * 1024)
/* A digest grows to this many bytes, then a second part starts. */
#define DIGEST_MAX              (512 * 1024)
/* Parts of one agency's digest of one day; more is refused (and logged). */
#define DIGEST_PARTS_MAX        64
/* The citizen's location in a Subject, in characters. */
#define SUBJECT_LOCATION_MAX    40
/* RFC 2047: an encoded-word is at most 75 characters. */
#define ENCODED_WORD_MAX        75
/* RFC 2045: an encoded line is at most 76 characters, its soft break included. */
#define QP_LINE                 76
#define CRLF                    "\r\n"

/* ---- headers ------------------------------------------------------------ */

/*
 * v[0..n) after the header's colon, folded before the blanks between words
 * (a fold is CRLF before a blank, so the blanks stay text): *col is the
 * column before and after.  Blanks at the start and the end are not
 * kept.  -1 when a word cannot fit any line.
 */
static int
plain_words(struct sbuf *b, const char *v, size_t n, size_t *col)
{
	size_t i = 0, k = 1, w;         /* k: the blanks before the word; one after the colon */

	while (i < n && v[i] == ' ')
		i++;
	while (i < n) {
		for (w = 0; i + w < n && v[i + w] != ' '; w++)
			;
		if (k + w > TICKET_MAIL_LINE)
			return -1;
		if (*col + k + w > TICKET_MAIL_LINE) {
			sbuf_str(b, CRLF);
			*col = 0;
		}
		*col += k + w;
		for (; k > 0; k--)
			sbuf_str(b, " ");
		sbuf_add(b, v + i, w);
		i += w;
		for (k = 0; i + k < n && v[i + k] == ' '; k++)
			;
		if (i + k == n)
			break;
		i += k;
	}
	return 0;
}

/* Q encoding of one character (its bytes) into out; its length. */
static size_t
q_char(const unsigned char *s, size_t n, char *out)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, o = 0;

	if (n == 1 && s[0] == ' ') {
		out[0] = '_';
		return 1;
	}
	if (n == 1 && ((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') ||
	    (s[0] >= '0' && s[0] <= '9') || strchr("!*+-/", s[0]) != NULL)) {
		out[0] = (char)s[0];
		return 1;
	}
	for (i = 0; i < n; i++) {
		out[o++] = '=';
		out[o++] = hex[s[i] >> 4];
		out[o++] = hex[s[i] & 15];
	}
	return o;
}

/*
 * v (valid UTF-8) as encoded-words after what b holds, the first after a
 * space: each within ENCODED_WORD_MAX and the line, never splitting a
 * character; a word that does not fit the line starts the next one.
 */
static void
encoded_words(struct sbuf *b, const char *v, size_t *col)
{
	static const char open[] = " =?UTF-8?Q?", close[] = "?=";
	const unsigned char *p = (const unsigned char *)v;
	size_t len = strlen(v), n, e, wlen = 0;
	char enc[12];
	int in_word = 0;
	uint32_t cp;

	while (len > 0) {
		n = utf8_next(p, len, &cp);
		e = q_char(p, n, enc);
		if (in_word && (wlen + e + 2 > ENCODED_WORD_MAX ||
		    *col + e + 2 > TICKET_MAIL_LINE)) {
			sbuf_str(b, close);
			*col += 2;
			in_word = 0;
		}
		if (!in_word) {
			if (*col + (sizeof open - 1) + e + 2 > TICKET_MAIL_LINE) {
				sbuf_str(b, CRLF);
				*col = 0;
			}
			sbuf_str(b, open);
			*col += sizeof open - 1;
			wlen = sizeof open - 2;         /* the space is not the word's */
			in_word = 1;
		}
		sbuf_add(b, enc, e);
		*col += e;
		wlen += e;
		p += n;
		len -= n;
	}
	if (in_word) {
		sbuf_str(b, close);
		*col += 2;
	}
}

/* Puts b back to its first mark bytes. */
static void
sbuf_back(struct sbuf *b, size_t mark)
{
	b->len = mark;
	if (b->s != NULL)
		b->s[mark] = '\0';
}

/*
 * Plain words as long as the text is plain, encoded-words from the first
 * word that is not: "Subject: [Aduan] Tiket baru 4821...: Jalan - Jl.
 * =?UTF-8?Q?Kaf=C3=A9?=" stays readable in `aduan outbox` and in a raw
 * message.  Text that already looks like an encoded-word ("=?") is
 * encoded whole, so no reader decodes what the citizen typed.
 */
int
ticket_mail_header(struct sbuf *out, const char *name, const char *value)
{
	size_t mark = out->len, col, split, i;

	if (strchr(value, '\r') != NULL || strchr(value, '\n') != NULL ||
	    !text_utf8_valid(value, strlen(value)))
		return -1;
	/* The plain part: up to the space before the first word that is not plain. */
	for (i = 0; value[i] != '\0'; i++)
		if ((unsigned char)value[i] < 0x20 || (unsigned char)value[i] > 0x7E)
			break;
	split = i;
	if (value[i] != '\0') {
		/* Back to the first blank before that word: those blanks are encoded. */
		while (split > 0 && value[split] != ' ')
			split--;
		while (split > 0 && value[split - 1] == ' ')
			split--;
	}
	if (strstr(value, "=?") != NULL)
		split = 0;
	sbuf_str(out, name);
	sbuf_str(out, ":");
	col = strlen(name) + 1;
	if (plain_words(out, value, split, &col) != 0) {
		/* A word too long to fold: all of it encoded. */
		sbuf_back(out, mark);
		sbuf_str(out, name);
		sbuf_str(out, ":");
		col = strlen(name) + 1;
		split = 0;
	}
	/* One blank separates the plain part from the first encoded-word. */
	if (split > 0 && value[split] == ' ')
		split++;
	else if (split == 0)
		split = strspn(value, " ");
	if (value[split] != '\0')
		encoded_words(out, value + split, &col);
	sbuf_str(out, CRLF);
	return 0;
}

/* ---- quoted-printable body ---------------------------------------------- */

void
ticket_mail_qp(struct sbuf *out, const char *text, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i = 0, col = 0, e;
	char enc[4];

	while (i <= len) {
		unsigned char ch;
		int eol;

		if (i == len || text[i] == '\n' || text[i] == '\r') {
			sbuf_str(out, CRLF);
			col = 0;
			if (i == len)
				break;
			i += text[i] == '\r' && i + 1 < len && text[i + 1] == '\n' ? 2 : 1;
			if (i == len)
				break;
			continue;
		}
		ch = (unsigned char)text[i];
		eol = i + 1 == len || text[i + 1] == '\n' || text[i + 1] == '\r';
		if (((ch >= 33 && ch <= 126 && ch != '=') || ((ch == ' ' || ch == '\t') && !eol)) &&
		    !(col == 0 && ch == '.') &&
		    !(col == 0 && ch == 'F' && len - i >= 5 && memcmp(text + i, "From ", 5) == 0)) {
			enc[0] = (char)ch;
			e = 1;
		} else {
			enc[0] = '=';
			enc[1] = hex[ch >> 4];
			enc[2] = hex[ch & 15];
			e = 3;
		}
		/* Room for a soft break "=" after it, unless the line ends here. */
		if (col + e > (eol ? QP_LINE : QP_LINE - 1)) {
			sbuf_str(out, "=" CRLF);
			col = 0;
			/* The new line may start with a '.' or "From ": encode it. */
			if (e == 1 && (ch == '.' || (ch == 'F' && len - i >= 5 &&
			    memcmp(text + i, "From ", 5) == 0))) {
				enc[0] = '=';
				enc[1] = hex[ch >> 4];
				enc[2] = hex[ch & 15];
				e = 3;
			}
		}
		sbuf_add(out, enc, e);
		col += e;
		i++;
	}
}

/* ---- text helpers --------------------------------------------------------- */

/*
 * A copy of s for one line of text: control characters (line breaks, tabs)
 * become spaces, bytes that are not UTF-8 become '?', at most maxchars
 * characters ("..." after a cut; 0: no limit).  Heap.
 */
static char *
one_line(const char *s, size_t maxchars)
{
	size_t len = strlen(s), i = 0, n, chars = 0;
	char *out = xmalloc(len + 4), *o = out;
	uint32_t cp;

	while (i < len) {
		if (maxchars > 0 && chars == maxchars) {
			memcpy(o, "...", 3);
			o += 3;
			break;
		}
		n = utf8_next((const unsigned char *)s + i, len - i, &cp);
		if (n == 0) {
			*o++ = '?';
			i++;
		} else if (cp < 0x20 || cp == 0x7F) {
			*o++ = ' ';
			i++;
		} else {
			memcpy(o, s + i, n);
			o += n;
			i += n;
		}
		chars++;
	}
	*o = '\0';
	return out;
}

/* Bytes that are not UTF-8 become '?', so that charset=UTF-8 holds.  Heap. */
static char *
utf8_clean(const char *s)
{
	size_t len = strlen(s), i = 0, n;
	char *out = xstrdup(s);
	uint32_t cp;

	while (i < len) {
		if ((n = utf8_next((const unsigned char *)s + i, len - i, &cp)) == 0) {
			out[i++] = '?';
			continue;
		}
		i += n;
	}
	return out;
}

/* "28/11/2026 16:52 +0700" in local time. */
static void
local_time(int64_t t, char *buf, size_t bufsz)
{
	time_t tt = (time_t)t;
	struct tm tm;
	int off;

	localtime_r(&tt, &tm);
	off = (int)(tm.tm_gmtoff / 60);
	snprintf(buf, bufsz, "%02d/%02d/%04d %02d:%02d %c%02d%02d", tm.tm_mday, tm.tm_mon + 1,
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, off < 0 ? '-' : '+',
	    (off < 0 ? -off : off) / 60 % 100, (off < 0 ? -off : off) % 60);
}

/* RFC 5322 date-time, English names whatever the locale. */
static void
rfc5322_date(int64_t t, char *buf, size_t bufsz)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
	    "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t tt = (time_t)t;
	struct tm tm;
	int off;

	localtime_r(&tt, &tm);
	off = (int)(tm.tm_gmtoff / 60);
	snprintf(buf, bufsz, "%s, %02d %s %04d %02d:%02d:%02d %c%02d%02d", days[tm.tm_wday],
	    tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
	    off < 0 ? '-' : '+', (off < 0 ? -off : off) / 60 % 100, (off < 0 ? -off : off) % 60);
}

int64_t
ticket_mail_digest_at(int64_t now, int hour)
{
	time_t tt = (time_t)now, t;
	struct tm tm, day;

	localtime_r(&tt, &tm);
	day = tm;
	day.tm_hour = hour;
	day.tm_min = day.tm_sec = 0;
	day.tm_isdst = -1;
	if ((t = mktime(&day)) > tt)
		return (int64_t)t;
	day = tm;
	day.tm_mday++;
	day.tm_hour = hour;
	day.tm_min = day.tm_sec = 0;
	day.tm_isdst = -1;
	return (int64_t)mktime(&day);
}

static const char *
rule_label(const struct conf *c, const char *keyword)
{
	size_t i;

	for (i = 0; i < c->nrules; i++)
		if (strcmp(c->rules[i].keyword, keyword) == 0)
			return c->rules[i].label[LANG_ID] != NULL ? c->rules[i].label[LANG_ID] :
			    keyword;
	return keyword;
}

static const char *
region_name(const struct conf *c, const char *id)
{
	size_t i;

	for (i = 0; i < c->nregions; i++)
		if (strcmp(c->regions[i].id, id) == 0)
			return c->regions[i].name;
	return id;
}

/* "Jalan & jembatan", or "perlu dipilah" for a ticket no rule matched. */
static const char *
category(const struct conf *c, const struct store_complaint *cm)
{
	return cm->keyword[0] != '\0' ? rule_label(c, cm->keyword) : "perlu dipilah";
}

static void
line(struct sbuf *b, const char *label, const char *value)
{
	char pad[32];
	size_t n = strlen(label);

	snprintf(pad, sizeof pad, "%*s", n < 24 ? (int)(24 - n) : 1, "");
	sbuf_str(b, label);
	sbuf_str(b, pad);
	sbuf_str(b, value);
	sbuf_str(b, "\n");
}

/* The link into the web inbox, or why there is none. */
static void
inbox_link(const struct conf *c, const struct store_complaint *cm, struct sbuf *b)
{
	size_t n;

	if (!c->public_url_set || c->public_url == NULL) {
		sbuf_str(b, "Tautan ke kotak masuk belum ada: server.public_url belum diatur di\n"
		    "konfigurasi Aduan.  (No inbox link: server.public_url is not set in\n"
		    "Aduan's configuration.)  Nomor tiket / ticket: ");
		sbuf_str(b, cm->ticket);
		sbuf_str(b, "\n");
		return;
	}
	n = strlen(c->public_url);
	while (n > 0 && c->public_url[n - 1] == '/')
		n--;
	sbuf_str(b, "Buka di kotak masuk / Open in the inbox:\n");
	sbuf_add(b, c->public_url, n);
	sbuf_str(b, "/inbox/t/");
	sbuf_str(b, cm->ticket);
	sbuf_str(b, "\n");
}

/* What an agency needs to know of one ticket, as UTF-8 text with LF lines. */
static void
ticket_text(const struct conf *c, const struct store_complaint *cm, struct sbuf *b)
{
	const struct conf_agency *ag;
	char when[80], masked[32], buf[512];
	char *loc = NULL, *desc, *clean;
	int st = conf_status_reply(cm->status);
	long i = conf_agency_find(c, cm->agency);

	ag = i >= 0 ? &c->agencies[i] : NULL;
	line(b, "Nomor tiket / Ticket:", cm->ticket);
	snprintf(buf, sizeof buf, "%s (%s)", st >= 0 && c->replies[LANG_ID][st] != NULL ?
	    c->replies[LANG_ID][st] : cm->status, cm->status);
	clean = one_line(buf, 0);
	line(b, "Status:", clean);
	free(clean);
	if (cm->keyword[0] != '\0')
		snprintf(buf, sizeof buf, "%s (%s)", category(c, cm), cm->keyword);
	else
		snprintf(buf, sizeof buf, "perlu dipilah / to be sorted");
	clean = one_line(buf, 0);
	line(b, "Kategori / Category:", clean);
	free(clean);
	if (cm->region[0] != '\0') {
		clean = one_line(region_name(c, cm->region), 0);
		line(b, "Wilayah / Region:", clean);
		free(clean);
	}
	if (ag != NULL) {
		snprintf(buf, sizeof buf, "%s - %s", ag->short_name, ag->name);
		clean = one_line(buf, 0);
		line(b, "Instansi / Agency:", clean);
		free(clean);
	}
	if (cm->location != NULL && cm->location[0] != '\0') {
		loc = pii_mask(cm->location, cm->phone);
		clean = one_line(loc, 0);
		line(b, "Lokasi / Location:", clean);
		free(clean);
		free(loc);
	}
	local_time(cm->created_at, when, sizeof when);
	line(b, "Diterima / Received:", when);
	if (ticket_due_of(cm) != 0) {
		local_time(ticket_due_of(cm), when, sizeof when);
		line(b, "Batas waktu / Due:", when);
	}
	/* Masked whatever show_phone says: email is forwarded and kept. */
	log_mask_phone(cm->phone, masked, sizeof masked);
	snprintf(buf, sizeof buf, "%s (%s)", masked, cm->channel);
	line(b, "Pelapor / Reporter:", buf);
	sbuf_str(b, "\nIsi aduan / Complaint:\n");
	desc = pii_mask(cm->description != NULL ? cm->description : "", cm->phone);
	clean = utf8_clean(desc);
	sbuf_str(b, clean);
	free(clean);
	free(desc);
	sbuf_str(b, "\n\n");
	inbox_link(c, cm, b);
}

/* ---- whole messages ------------------------------------------------------- */

/* The domain of email.from, for Message-IDs. */
static const char *
from_domain(const struct conf *c)
{
	const char *at = strrchr(c->email_from, '@');

	return at != NULL ? at + 1 : c->email_from;
}

/*
 * Every header, Subject first, then the blank line.  to: NULL-terminated.
 * -1 when one is refused (b then holds part of them).
 */
static int
headers(struct sbuf *b, const struct conf *c, const char *subject, const char *const *to,
    const char *key, const char *ticket, int64_t date)
{
	char buf[512], id[2 * CRYPTO_SHA256_LEN + 1];
	struct sbuf list;
	size_t i;
	int r = 0;

	if (ticket_mail_header(b, "Subject", subject) != 0)
		return -1;
	rfc5322_date(date, buf, sizeof buf);
	r |= ticket_mail_header(b, "Date", buf);
	snprintf(buf, sizeof buf, "Aduan <%s>", c->email_from);
	r |= ticket_mail_header(b, "From", buf);
	sbuf_init(&list, 8192);
	for (i = 0; to[i] != NULL; i++) {
		if (i > 0)
			sbuf_str(&list, ", ");
		sbuf_str(&list, to[i]);
	}
	r |= list.s == NULL || list.overflow ? -1 : ticket_mail_header(b, "To", list.s);
	free(list.s);
	/* Stable per outbox row: a retry is the same message. */
	crypto_sha256_hex(key, strlen(key), id);
	id[32] = '\0';
	snprintf(buf, sizeof buf, "<%s@%s>", id, from_domain(c));
	r |= ticket_mail_header(b, "Message-ID", buf);
	sbuf_str(b, "MIME-Version: 1.0" CRLF
	    "Content-Type: text/plain; charset=UTF-8" CRLF
	    "Content-Transfer-Encoding: quoted-printable" CRLF
	    "Auto-Submitted: auto-generated" CRLF);
	if (ticket != NULL)
		r |= ticket_mail_header(b, "X-Aduan-Ticket", ticket);
	sbuf_str(b, CRLF);
	return r != 0 ? -1 : 0;
}

/* The Subject of a one-ticket email (overdue 0: new). */
static char *
subject_of(const struct conf *c, const struct store_complaint *cm, int overdue)
{
	char *loc = NULL, *cut = NULL, *out;
	struct sbuf b;

	sbuf_init(&b, 1024);
	if (overdue) {
		sbuf_str(&b, "[Aduan] Terlambat: tiket ");
		sbuf_str(&b, cm->ticket);
		sbuf_str(&b, " (");
		sbuf_str(&b, category(c, cm));
		sbuf_str(&b, ")");
	} else {
		sbuf_str(&b, "[Aduan] Tiket baru ");
		sbuf_str(&b, cm->ticket);
		sbuf_str(&b, ": ");
		sbuf_str(&b, category(c, cm));
		if (cm->location != NULL && cm->location[0] != '\0') {
			loc = pii_mask(cm->location, cm->phone);
			cut = one_line(loc, SUBJECT_LOCATION_MAX);
			sbuf_str(&b, " - ");
			sbuf_str(&b, cut);
		}
	}
	/* Config and citizen text alike: one line, whole characters. */
	out = one_line(b.s != NULL ? b.s : "", 0);
	free(b.s);
	free(cut);
	free(loc);
	return out;
}

char *
ticket_mail_compose(const struct conf *c, const struct store_complaint *cm, int overdue,
    const char *const *to, const char *key, int64_t now)
{
	const struct conf_agency *ag = ticket_agency_of(c, cm->agency);
	struct sbuf b, text;
	char *subject, when[80];

	if (c->email_smtp_url == NULL || c->email_from == NULL || to == NULL || to[0] == NULL)
		return NULL;
	sbuf_init(&b, MAIL_MAX);
	sbuf_init(&text, MAIL_MAX / 4);
	subject = subject_of(c, cm, overdue);
	if (headers(&b, c, subject, to, key, cm->ticket, now) != 0) {
		free(subject);
		free(b.s);
		return NULL;
	}
	free(subject);
	if (overdue) {
		local_time(ticket_due_of(cm), when, sizeof when);
		sbuf_str(&text, "Tiket ini melewati batas waktu (");
		sbuf_str(&text, when);
		sbuf_str(&text, ") dan belum ditindaklanjuti.\n"
		    "This ticket is past its due date and has not been followed up.\n\n");
	} else {
		sbuf_str(&text, "Tiket baru untuk ");
		sbuf_str(&text, ag != NULL ? ag->short_name : cm->agency);
		sbuf_str(&text, ".  A new ticket for ");
		sbuf_str(&text, ag != NULL ? ag->short_name : cm->agency);
		sbuf_str(&text, ".\n\n");
	}
	ticket_text(c, cm, &text);
	sbuf_str(&text, "\n-- \nEmail otomatis dari Aduan; balasan ke alamat ini tidak dibaca.\n"
	    "Automatic email from Aduan; replies to this address are not read.\n");
	if (text.s != NULL)
		ticket_mail_qp(&b, text.s, text.len);
	free(text.s);
	if (b.overflow || text.overflow) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

/* ---- queueing --------------------------------------------------------------- */

/* to[] for one agency: its addresses as asked, a repeated one once.  Count. */
static size_t
recipients(const char *a, const char *b, const char *to[3])
{
	size_t n = 0;

	if (a != NULL)
		to[n++] = a;
	if (b != NULL && (a == NULL || strcasecmp(a, b) != 0))
		to[n++] = b;
	to[n] = NULL;
	return n;
}

/* One email for one ticket, due at once.  1, 0, -1 as ticket_mail_created. */
static int
queue_one(const struct conf *c, struct store *s, const struct store_complaint *cm,
    int overdue, const char *const *to, const char *key, int64_t now)
{
	struct store_outbox_new ob = { 0 };
	char *msg;
	int r;

	if ((msg = ticket_mail_compose(c, cm, overdue, to, key, now)) == NULL) {
		/* Nothing a config that loaded can cause: never lose the ticket for it. */
		log_warnx("ticket %s: the email to agency %s could not be written; not queued",
		    cm->ticket, cm->agency);
		return 0;
	}
	ob.kind = "email";
	ob.recipient = cm->agency;
	ob.body = msg;
	ob.idem_key = key;
	ob.complaint_id = cm->id;
	ob.created_at = now;
	r = store_outbox_add(s, &ob);
	free(msg);
	return r;
}

/* A digest's first part: headers and the opening text, QP.  Heap, or NULL. */
static char *
digest_start(const struct conf *c, const struct conf_agency *ag, int head, const char *to,
    const char *key, int part, int64_t at)
{
	const char *rcpt[2] = { to, NULL };
	char subject[160], day[80];
	struct sbuf b, text;
	time_t tt = (time_t)at;
	struct tm tm;

	localtime_r(&tt, &tm);
	snprintf(day, sizeof day, "%02d/%02d/%04d", tm.tm_mday, tm.tm_mon + 1, tm.tm_year + 1900);
	snprintf(subject, sizeof subject, "[Aduan] Ringkasan harian %s%s %s%s", head ?
	    "pimpinan " : "", ag->short_name, day, part > 1 ? " (lanjutan)" : "");
	sbuf_init(&b, DIGEST_MAX);
	sbuf_init(&text, 4096);
	{
		char *clean = one_line(subject, 0);

		if (headers(&b, c, clean, rcpt, key, NULL, at) != 0) {
			free(clean);
			free(b.s);
			return NULL;
		}
		free(clean);
	}
	if (head) {
		sbuf_str(&text, "Ringkasan harian untuk pimpinan ");
		sbuf_str(&text, ag->short_name);
		sbuf_str(&text, ": tiket yang melewati batas waktu sejak ringkasan\nsebelumnya.  "
		    "Daily summary for the head of ");
		sbuf_str(&text, ag->short_name);
		sbuf_str(&text, ": tickets past their due date since\nthe previous summary.\n");
	} else {
		sbuf_str(&text, "Ringkasan harian untuk ");
		sbuf_str(&text, ag->short_name);
		sbuf_str(&text, ": tiket baru dan tiket yang melewati batas waktu\nsejak ringkasan "
		    "sebelumnya.  Daily summary for ");
		sbuf_str(&text, ag->short_name);
		sbuf_str(&text, ": new tickets and tickets past\ntheir due date since the previous "
		    "summary.\n");
	}
	sbuf_str(&text, "Email otomatis dari Aduan; balasan ke alamat ini tidak dibaca.  Automatic "
	    "email\nfrom Aduan; replies to this address are not read.\n");
	ticket_mail_qp(&b, text.s, text.len);
	free(text.s);
	if (b.overflow) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

/*
 * Adds one ticket to the digest of agency ag (head: the head's digest, to
 * head_email) that goes out next at digest_hour: appended to the row
 * waiting for that time, or a new row due then.  1, 0, -1.
 */
static int
digest_add(const struct conf *c, struct store *s, const struct conf_agency *ag, int head,
    const struct store_complaint *cm, int overdue, int64_t now)
{
	struct store_outbox_new ob = { 0 };
	int64_t at = ticket_mail_digest_at(now, ag->digest_hour);
	struct sbuf text, item;
	char key[160], *start;
	int part, r = 0;

	sbuf_init(&text, MAIL_MAX / 4);
	sbuf_init(&item, MAIL_MAX);
	sbuf_str(&text, overdue ? "\n== TERLAMBAT / OVERDUE: " : "\n== BARU / NEW: ");
	sbuf_str(&text, cm->ticket);
	sbuf_str(&text, " ==\n");
	if (overdue) {
		char when[80];

		local_time(ticket_due_of(cm), when, sizeof when);
		line(&text, "Terlambat sejak / Since:", when);
	}
	ticket_text(c, cm, &text);
	ticket_mail_qp(&item, text.s, text.len);
	free(text.s);
	if (item.overflow || item.len > DIGEST_MAX / 2) {
		free(item.s);
		log_warnx("ticket %s: too long for agency %s's digest; not added", cm->ticket, ag->id);
		return 0;
	}
	for (part = 1; part <= DIGEST_PARTS_MAX; part++) {
		if (part == 1)
			snprintf(key, sizeof key, "email:%s:%s:%lld", head ? "digest-head" : "digest",
			    ag->id, (long long)at);
		else
			snprintf(key, sizeof key, "email:%s:%s:%lld:%d", head ? "digest-head" :
			    "digest", ag->id, (long long)at, part);
		if ((r = store_outbox_append(s, key, item.s, DIGEST_MAX, now)) != 0)
			break;
		/* No row for this part yet, or it is full (or gone out early): start one. */
		if ((start = digest_start(c, ag, head, head ? ag->head_email : ag->email, key, part,
		    at)) == NULL) {
			log_warnx("agency %s: the digest could not be written; ticket %s not added",
			    ag->id, cm->ticket);
			break;
		}
		ob.kind = "email";
		ob.recipient = ag->id;
		ob.body = start;
		ob.idem_key = key;
		ob.complaint_id = 0;    /* many tickets */
		ob.created_at = now;
		r = store_outbox_add_at(s, &ob, at);
		if (r == 1) {
			/* The row, then the item by the one way items are added. */
			r = store_outbox_append(s, key, item.s, DIGEST_MAX, now);
			free(start);
			break;
		}
		free(start);
		if (r < 0)
			break;
	}
	free(item.s);
	if (part > DIGEST_PARTS_MAX)
		log_warnx("agency %s: %d digest parts for %lld are full; ticket %s not added",
		    ag->id, DIGEST_PARTS_MAX, (long long)at, cm->ticket);
	return r;
}

int
ticket_mail_created(const struct conf *c, struct store *s, const struct store_complaint *cm,
    int64_t now)
{
	const struct conf_agency *ag = ticket_agency_of(c, cm->agency);
	const char *to[3];
	char key[160];

	if (ag == NULL || ag->email == NULL || c->email_smtp_url == NULL)
		return 0;
	if (ag->email_digest)
		return digest_add(c, s, ag, 0, cm, 0, now);
	recipients(ag->email, NULL, to);
	snprintf(key, sizeof key, "email:created:%s:%s:%lld", ag->id, cm->ticket, (long long)now);
	return queue_one(c, s, cm, 0, to, key, now);
}

int
ticket_mail_overdue(const struct conf *c, struct store *s, const struct store_complaint *cm,
    int64_t now)
{
	const struct conf_agency *ag = ticket_agency_of(c, cm->agency);
	const char *to[3];
	char key[160];
	int r = 0, r2 = 0;

	if (ag == NULL || c->email_smtp_url == NULL || recipients(ag->email, ag->head_email,
	    to) == 0)
		return 0;
	if (ag->email_digest) {
		if (ag->email != NULL && (r = digest_add(c, s, ag, 0, cm, 1, now)) < 0)
			return -1;
		if (ag->head_email != NULL && (ag->email == NULL ||
		    strcasecmp(ag->email, ag->head_email) != 0))
			r2 = digest_add(c, s, ag, 1, cm, 1, now);
		return r2 < 0 ? -1 : r > 0 || r2 > 0;
	}
	/* Once per stage, as the webhook: the key is the due date. */
	snprintf(key, sizeof key, "email:overdue:%s:%s:%lld", ag->id, cm->ticket,
	    (long long)ticket_due_of(cm));
	return queue_one(c, s, cm, 1, to, key, now);
}
