/*
 * conf/replies.c: the reply templates: their names, the placeholders each
 * may use, the built-in texts in both languages, loading the file's
 * replies = { id = { ... }; en = { ... }; }, the checks (allowed
 * placeholders, GSM-7, a receipt that fits one SMS) and the one function
 * that fills {placeholders} (conf_fill(), behind conf_render()).
 *
 * Rendering runs for every reply an SMS or USSD request gets: it does no
 * allocation and copies literal text in runs.  The rest runs once per
 * load, as part of the loader (conf_int.h).
 */
#include "conf/conf.h"
#include "conf/conf_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sms/gsm.h"
#include "util/util.h"

#define SMS_SEPTETS     160
/* What a receipt is rendered with to see whether it fits one SMS. */
#define SAMPLE_TICKET   "48219307"

/*
 * Reply templates: config name, the placeholders each may use, and the
 * built-in texts.  The defaults were written for citizens on feature
 * phones: plain words, GSM-7 only, a receipt in one SMS.
 */
enum {
	P_TICKET        = 1 << 0,
	P_AGENCY        = 1 << 1,
	P_CATEGORY      = 1 << 2,
	P_SHORTCODE     = 1 << 3,
	P_KEYWORD       = 1 << 4,
	P_STATUS        = 1 << 5,
	P_DATE          = 1 << 6,
	P_NOTE          = 1 << 7,
	P_COMMAND       = 1 << 8,
	P_KEYWORDS      = 1 << 9,
	P_ORIGINAL      = 1 << 10
};

static const char *const placeholders[] = {
	"ticket", "agency", "category", "shortcode", "keyword", "status",
	"date", "note", "command", "keywords", "original"
};

struct template {
	const char      *name;
	unsigned         allowed;
	const char      *def[LANG_N];
};

static const struct template templates[REPLY_N] = {
	[REPLY_RECEIVED] = { "received", P_TICKET | P_AGENCY | P_CATEGORY | P_SHORTCODE, {
	    "Aduan diterima. No tiket: {ticket}. Diteruskan ke {agency}. Cek status: ketik STATUS {ticket} kirim ke {shortcode}",
	    "Complaint received. Ticket no: {ticket}. Sent to {agency}. For status text STATUS {ticket} to {shortcode}" } },
	[REPLY_RECEIVED_TRIAGE] = { "received_triage", P_TICKET | P_AGENCY | P_SHORTCODE, {
	    "Aduan diterima. No tiket: {ticket}. Petugas akan meneruskan ke dinas terkait. Cek status: ketik STATUS {ticket} kirim ke {shortcode}",
	    "Complaint received. Ticket no: {ticket}. Our staff will forward it to the right office. For status text STATUS {ticket} to {shortcode}" } },
	[REPLY_NEED_TEXT] = { "need_text", P_KEYWORD, {
	    "Isi aduan belum ada. Tulis lokasi dan masalahnya setelah {keyword}, contoh: {keyword} Jl. Pemuda 12 depan SD, sejak 3 hari",
	    "Your complaint is empty. Write the place and the problem after {keyword}, e.g. {keyword} Jl. Pemuda 12 near the school, 3 days" } },
	[REPLY_STATUS] = { "status", P_TICKET | P_STATUS | P_AGENCY | P_DATE, {
	    "Tiket {ticket}: {status}. Ditangani {agency}, update {date}.",
	    "Ticket {ticket}: {status}. Handled by {agency}, updated {date}." } },
	[REPLY_STATUS_NOTE] = { "status_note", P_TICKET | P_STATUS | P_AGENCY | P_DATE | P_NOTE, {
	    "Tiket {ticket}: {status}. Ditangani {agency}, update {date}. Catatan: {note}",
	    "Ticket {ticket}: {status}. Handled by {agency}, updated {date}. Note: {note}" } },
	[REPLY_NOT_FOUND] = { "not_found", P_TICKET, {
	    "Tiket {ticket} tidak ditemukan. Periksa nomor di SMS tanda terima aduan Anda.",
	    "Ticket {ticket} was not found. Please check the number in your receipt SMS." } },
	[REPLY_MISTYPED] = { "mistyped", P_TICKET, {
	    "Nomor tiket {ticket} salah ketik. Periksa lagi 8 angka di SMS tanda terima aduan Anda.",
	    "Ticket number {ticket} has a typo. Please check the 8 digits in your receipt SMS." } },
	[REPLY_BAD_TICKET] = { "bad_ticket", P_COMMAND, {
	    "Nomor tiket harus 8 angka. Contoh: {command} 48219303",
	    "A ticket number has 8 digits. Example: {command} 48219303" } },
	[REPLY_ADDED] = { "added", P_TICKET, {
	    "Tambahan info untuk tiket {ticket} sudah kami terima. Terima kasih.",
	    "Your added information for ticket {ticket} was received. Thank you." } },
	[REPLY_ADD_EMPTY] = { "add_empty", P_TICKET, {
	    "Tulis tambahan info setelah nomor tiket. Contoh: TAMBAH {ticket} sudah 2 minggu belum diperbaiki",
	    "Write the added information after the ticket number, e.g. ADD {ticket} still broken after 2 weeks" } },
	[REPLY_WITHDRAWN] = { "withdrawn", P_TICKET, {
	    "Tiket {ticket} sudah dibatalkan sesuai permintaan Anda.",
	    "Ticket {ticket} has been withdrawn as you asked." } },
	[REPLY_ALREADY_CLOSED] = { "already_closed", P_TICKET | P_STATUS, {
	    "Tiket {ticket} sudah {status} dan tidak bisa diubah. Kirim aduan baru bila masalah belum selesai.",
	    "Ticket {ticket} is already {status} and cannot be changed. Send a new complaint if the problem remains." } },
	[REPLY_HELP] = { "help", P_KEYWORDS | P_SHORTCODE, {
	    "Kirim ke {shortcode}: KATA KUNCI lalu isi aduan. Kata kunci: {keywords}. Cek: STATUS no tiket",
	    "Text {shortcode}: KEYWORD then your complaint. Keywords: {keywords}. Check: STATUS ticket no" } },
	/*
	 * conf.h says "(none)" for these two, but their texts tell the citizen
	 * where to send MULAI / START, so they take {shortcode}.
	 */
	[REPLY_STOPPED] = { "stopped", P_SHORTCODE, {
	    "SMS perkembangan aduan dihentikan. Kirim MULAI ke {shortcode} untuk mengaktifkan lagi.",
	    "Progress SMS stopped. Send START to {shortcode} to turn them on again." } },
	[REPLY_STARTED] = { "started", P_SHORTCODE, {
	    "SMS perkembangan aduan diaktifkan. Kirim BERHENTI ke {shortcode} untuk menghentikan.",
	    "Progress SMS turned on. Send STOP to {shortcode} to stop them." } },
	[REPLY_LANG_SET] = { "lang_set", 0, {
	    "Balasan akan dikirim dalam Bahasa Indonesia. Kirim BAHASA EN untuk bahasa Inggris.",
	    "Replies will now be in English. Send BAHASA ID for Bahasa Indonesia." } },
	[REPLY_LANG_HOW] = { "lang_how", 0, {
	    "Kirim BAHASA ID untuk balasan Bahasa Indonesia, atau BAHASA EN untuk bahasa Inggris.",
	    "Send BAHASA EN for replies in English, or BAHASA ID for Bahasa Indonesia." } },
	[REPLY_DUPLICATE] = { "duplicate", P_TICKET | P_SHORTCODE, {
	    "Aduan ini sudah diterima, No tiket: {ticket}. Cek status: ketik STATUS {ticket} kirim ke {shortcode}",
	    "This complaint was already received, Ticket no: {ticket}. For status text STATUS {ticket} to {shortcode}" } },
	[REPLY_LIMITED] = { "limited", P_SHORTCODE, {
	    "Terlalu banyak aduan dari nomor ini. Aduan berikutnya belum kami terima; silakan kirim lagi 1 jam lagi.",
	    "Too many complaints from this number. Further complaints are not taken now; please send again in an hour." } },
	[REPLY_CAPPED] = { "capped", P_SHORTCODE, {
	    "Terlalu banyak pesan dari nomor ini. Balasan dihentikan sementara; coba lagi 1 jam lagi.",
	    "Too many messages from this number. Replies are paused; please try again in an hour." } },
	[REPLY_REOPENED] = { "reopened", P_TICKET | P_AGENCY, {
	    "Tiket {ticket} dibuka kembali: tambahan info Anda sudah kami terima dan diteruskan ke {agency} untuk ditangani lagi.",
	    "Ticket {ticket} is reopened: your added information was received and sent back to {agency} to be handled again." } },
	[REPLY_DUPLICATE_OF] = { "duplicate_of", P_TICKET | P_ORIGINAL | P_SHORTCODE, {
	    "Tiket {ticket} ditutup karena sama dengan aduan No tiket {original}. Cek status: ketik STATUS {original} kirim ke {shortcode}",
	    "Ticket {ticket} was closed as the same complaint as ticket no {original}. For status text STATUS {original} to {shortcode}" } },
	[REPLY_RECEIVED_OUTSIDE] = { "received_outside", P_TICKET | P_AGENCY | P_SHORTCODE, {
	    "Aduan diterima. No tiket: {ticket}. Lokasinya di luar wilayah kami; petugas akan meneruskan ke instansi yang berwenang. Cek: STATUS {ticket} ke {shortcode}",
	    "Complaint received. Ticket no: {ticket}. The place is outside our area; our staff will forward it to the right office. Status: STATUS {ticket} to {shortcode}" } },
	[REPLY_RECEIVED_THANKS] = { "received_thanks", P_TICKET | P_AGENCY | P_SHORTCODE, {
	    "Terima kasih, pesan Anda kami terima (no {ticket}) dan dibaca petugas. Masih ada masalah? Kirim aduan baru ke {shortcode}",
	    "Thank you, we got your message (no {ticket}) and our staff will read it. Still a problem? Send a new complaint to {shortcode}" } },
	[REPLY_RESOLVED_HINT] = { "resolved_hint", P_TICKET | P_SHORTCODE, {
	    " Belum selesai? Balas TAMBAH {ticket} dan keterangannya ke {shortcode}.",
	    " Not solved? Reply ADD {ticket} and what is wrong to {shortcode}." } },
	[REPLY_ST_RECEIVED] = { "st_received", 0, { "diterima", "received" } },
	[REPLY_ST_ROUTED] = { "st_routed", 0, { "diteruskan ke dinas", "forwarded to the agency" } },
	[REPLY_ST_IN_PROGRESS] = { "st_in_progress", 0, { "sedang ditangani", "in progress" } },
	[REPLY_ST_RESOLVED] = { "st_resolved", 0, { "selesai ditangani", "resolved" } },
	[REPLY_ST_CLOSED] = { "st_closed", 0, { "ditutup", "closed" } },
	[REPLY_ST_DEFERRED] = { "st_deferred", 0, { "ditunda", "deferred" } },
	[REPLY_ST_REJECTED] = { "st_rejected", 0, { "ditolak", "rejected" } },
	[REPLY_ST_WITHDRAWN] = { "st_withdrawn", 0, { "dibatalkan", "withdrawn" } },
};

/* Lifecycle statuses as the store names them, in REPLY_ST_* order. */
static const char *const statuses[] = {
	"received", "routed", "in_progress", "resolved", "closed", "deferred",
	"rejected", "withdrawn"
};

static const char *const reply_langs[] = { "id", "en", NULL };

static size_t
septets(const char *s)
{
	struct gsm_count gc;

	if (gsm_count(s, strlen(s), &gc) == -1)
		return 0;
	return gc.units;
}

/*
 * The length of the placeholder name at p ("{ticket}" -> 6), 0 when p
 * does not start one.  Anything else with braces is literal text, the
 * same for the check and for rendering.
 */
static size_t
placeholder_len(const char *p)
{
	size_t n = 0;

	if (*p != '{')
		return 0;
	while (n < 32 && ((p[n + 1] >= 'a' && p[n + 1] <= 'z') || p[n + 1] == '_'))
		n++;
	return n > 0 && p[n + 1] == '}' ? n : 0;
}

static unsigned
placeholder_bit(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(placeholders); i++)
		if (strlen(placeholders[i]) == len &&
		    memcmp(placeholders[i], name, len) == 0)
			return 1u << i;
	return 0;
}

static void
allowed_hint(unsigned allowed, char *buf, size_t bufsz)
{
	size_t i, o = 0;

	if (allowed == 0) {
		(void)snprintf(buf, bufsz, "this template takes none");
		return;
	}
	buf[0] = '\0';
	for (i = 0; i < ARRAY_LEN(placeholders); i++) {
		int w;

		if (!(allowed & (1u << i)))
			continue;
		w = snprintf(buf + o, bufsz - o, "%s{%s}", o ? " " : "allowed: ",
		    placeholders[i]);
		if (w < 0 || (size_t)w >= bufsz - o)
			return;
		o += (size_t)w;
	}
}

/* Checks one template in effect; line 0 for a built-in one. */
static void
check_template(struct loader *ld, enum lang l, enum conf_reply r)
{
	const char *t = ld->c->replies[l][r], *p;
	int line = ld->reply_line[l][r];
	char path[48], hint[128], bad[8];
	size_t n;

	(void)snprintf(path, sizeof(path), "replies.%s.%s", lang_code(l),
	    templates[r].name);
	if (*t == '\0') {
		conf_err_line(ld, line, "%s: must not be empty; a citizen always gets "
		    "an answer", path);
		return;
	}
	for (p = t; *p != '\0'; p++) {
		if ((n = placeholder_len(p)) == 0)
			continue;
		if (!(placeholder_bit(p + 1, n) & templates[r].allowed)) {
			allowed_hint(templates[r].allowed, hint, sizeof(hint));
			conf_err_line(ld, line, "%s: placeholder {%.*s} is not allowed here "
			    "(%s)", path, (int)n, p + 1, hint);
		}
		p += n + 1;
	}
	if (conf_first_non_gsm(t, bad, sizeof(bad)))
		conf_err_line(ld, line, "%s: '%s' is not in the GSM-7 alphabet; the "
		    "reply would go as UCS-2, 70 characters per SMS", path, bad);
}

static const char *
longest(const char *a, const char *b)
{
	if (b == NULL)
		return a;
	if (a == NULL || septets(b) > septets(a))
		return b;
	return a;
}

/*
 * A receipt carries the ticket number: split over two SMS, the part with
 * it may arrive late or never.  Render it with the longest values it can
 * get and count.
 */
static void
check_receipt(struct loader *ld, enum lang l, enum conf_reply r)
{
	const struct conf *c = ld->c;
	const char *names[] = { "ticket", "agency", "category", "shortcode" };
	const char *values[4];
	const char *agency = NULL, *label = NULL;
	const char *t;
	char out[1024], hint[112], bad[8];
	struct gsm_count gc;
	int line = ld->reply_line[l][r], agency_line = 0, label_line = 0;
	int cut, has_agency, has_label;
	size_t i;

	if (conf_first_non_gsm(c->replies[l][r], bad, sizeof(bad)))
		return;         /* reported by check_template() */
	for (i = 0; i < c->nagencies; i++)
		if (c->agencies[i].short_name != NULL &&
		    longest(agency, c->agencies[i].short_name) != agency) {
			agency = c->agencies[i].short_name;
			agency_line = c->agencies[i].line;
		}
	for (i = 0; i < c->nrules; i++)
		if (c->rules[i].label[l] != NULL &&
		    longest(label, c->rules[i].label[l]) != label) {
			label = c->rules[i].label[l];
			label_line = c->rules[i].line;
		}
	values[0] = SAMPLE_TICKET;
	values[1] = agency != NULL ? agency : "";
	values[2] = label != NULL ? label : "";
	values[3] = c->short_code;
	cut = conf_render(c, l, r, names, values, ARRAY_LEN(names), out,
	    sizeof(out)) == -1;
	if (gsm_count(out, strlen(out), &gc) == -1 || gc.coding != GSM_7BIT)
		return;         /* a name or label that is not GSM-7: reported */
	if (!cut && gc.parts <= 1 && gc.units <= SMS_SEPTETS)
		return;

	/* Name what made it long: the file may not even override the text. */
	t = c->replies[l][r];
	has_agency = agency != NULL && strstr(t, "{agency}") != NULL;
	has_label = label != NULL && strstr(t, "{category}") != NULL;
	if (line == 0)
		line = has_label ? label_line : agency_line;
	if (has_agency && has_label)
		(void)snprintf(hint, sizeof(hint), " (with short_name '%s' and "
		    "label '%.40s')", agency, label);
	else if (has_agency)
		(void)snprintf(hint, sizeof(hint), " (with short_name '%s')",
		    agency);
	else if (has_label)
		(void)snprintf(hint, sizeof(hint), " (with label '%.40s')", label);
	else
		hint[0] = '\0';
	conf_err_line(ld, line, "reply '%s' (%s) can reach %s%zu characters; a "
	    "ticket confirmation must fit one SMS (%d)%s", templates[r].name,
	    lang_code(l), cut ? "more than " : "", gc.units, SMS_SEPTETS, hint);
}

void
replies_load(struct loader *ld, const config_t *cfg)
{
	struct conf *c = ld->c;
	config_setting_t *g, *lg, *s;
	const char *v;
	char path[48];
	int l, j, n, r;

	g = config_setting_get_member(config_root_setting(cfg), "replies");
	if (g != NULL && !config_setting_is_group(g)) {
		conf_err_at(ld, g, "replies: must be a group { id = { ... }; en = { ... }; "
		    "}, not %s", conf_type_name(g));
		g = NULL;
	}
	if (g != NULL)
		conf_check_members(ld, g, "replies", reply_langs, conf_count_keys(reply_langs));
	for (l = 0; g != NULL && l < LANG_N; l++) {
		if ((lg = config_setting_get_member(g, lang_code((enum lang)l))) == NULL)
			continue;
		if (!config_setting_is_group(lg)) {
			conf_err_at(ld, lg, "replies.%s: must be a group { received = "
			    "\"...\"; ... }, not %s", lang_code((enum lang)l),
			    conf_type_name(lg));
			continue;
		}
		n = config_setting_length(lg);
		for (j = 0; j < n; j++) {
			s = config_setting_get_elem(lg, (unsigned)j);
			(void)snprintf(path, sizeof(path), "replies.%s.%s",
			    lang_code((enum lang)l), config_setting_name(s));
			for (r = 0; r < REPLY_N; r++)
				if (strcmp(templates[r].name, config_setting_name(s)) == 0)
					break;
			if (r == REPLY_N) {
				conf_err_at(ld, s, "%s: unknown template '%s' (see the "
				    "list in the example aduan.conf)", path,
				    config_setting_name(s));
				continue;
			}
			if (config_setting_type(s) != CONFIG_TYPE_STRING) {
				conf_err_at(ld, s, "%s: must be a string in double quotes, "
				    "not %s", path, conf_type_name(s));
				continue;
			}
			v = config_setting_get_string(s);
			if (!conf_utf8_ok(ld, s, path, v))
				continue;
			free(c->replies[l][r]);
			c->replies[l][r] = xstrdup(v);
			ld->reply_line[l][r] = conf_line_of(s);
			ld->reply_file[l][r] = config_setting_source_file(s);
		}
	}
	/*
	 * A text changed in one language only: citizens writing in the other
	 * would still get the old wording.  Both or neither.
	 */
	for (r = 0; r < REPLY_N; r++) {
		int has_id = ld->reply_line[LANG_ID][r] != 0, has_en = ld->reply_line[LANG_EN][r] != 0;

		if (has_id != has_en)
			conf_err_line(ld, has_id ? ld->reply_line[LANG_ID][r] : ld->reply_line[LANG_EN][r],
			    "replies.%s.%s: set, but replies.%s.%s is not; write the text in "
			    "both languages", has_id ? "id" : "en", templates[r].name,
			    has_id ? "en" : "id", templates[r].name);
	}
	for (l = 0; l < LANG_N; l++) {
		for (r = 0; r < REPLY_N; r++) {
			n = ld->errs->n;
			check_template(ld, (enum lang)l, (enum conf_reply)r);
			if (r == REPLY_RECEIVED || r == REPLY_RECEIVED_TRIAGE ||
			    r == REPLY_RECEIVED_OUTSIDE || r == REPLY_RECEIVED_THANKS)
				check_receipt(ld, (enum lang)l, (enum conf_reply)r);
			for (j = n; j < ld->errs->n; j++)
				conf_note_file(ld, j, ld->reply_file[l][r]);
		}
	}
}

/* Every template at its built-in text, until the file says otherwise. */
void
replies_default(struct conf *c)
{
	int l, r;

	for (l = 0; l < LANG_N; l++)
		for (r = 0; r < REPLY_N; r++)
			c->replies[l][r] = xstrdup(templates[r].def[l]);
}

const char *
conf_reply_name(enum conf_reply r)
{
	if ((int)r < 0 || r >= REPLY_N)
		return NULL;
	return templates[r].name;
}

int
conf_status_reply(const char *status)
{
	size_t i;

	if (status == NULL)
		return -1;
	for (i = 0; i < ARRAY_LEN(statuses); i++)
		if (strcmp(statuses[i], status) == 0)
			return REPLY_ST_RECEIVED + (int)i;
	return -1;
}

/* Appends s[0..n) to out; 0, or -1 when it had to cut. */
static int
append(char *out, size_t outsz, size_t *o, const char *s, size_t n)
{
	size_t room = outsz - 1 - *o;

	if (n <= room) {
		memcpy(out + *o, s, n);
		*o += n;
		return 0;
	}
	/* Cut at a character boundary: a truncated reply is still UTF-8. */
	room = utf8_cut(s, n, room);
	memcpy(out + *o, s, room);
	*o += room;
	return -1;
}

long
conf_fill(const char *t, const char *const *names, const char *const *values,
    size_t nvars, char *out, size_t outsz)
{
	const char *p, *v;
	size_t o = 0, n, i;

	if (out == NULL || outsz == 0)
		return -1;
	out[0] = '\0';
	for (p = t; *p != '\0'; ) {
		if ((n = placeholder_len(p)) == 0) {
			/* Copy the literal run up to the next brace at once. */
			size_t run = strcspn(p + 1, "{") + 1;

			if (append(out, outsz, &o, p, run) == -1)
				goto cut;
			p += run;
			continue;
		}
		v = NULL;
		for (i = 0; i < nvars; i++)
			if (names[i] != NULL && strlen(names[i]) == n &&
			    memcmp(names[i], p + 1, n) == 0) {
				v = values[i];
				break;
			}
		if (v != NULL && append(out, outsz, &o, v, strlen(v)) == -1)
			goto cut;
		p += n + 2;
	}
	out[o] = '\0';
	return (long)o;
cut:
	out[o] = '\0';
	return -1;
}

long
conf_render(const struct conf *c, enum lang l, enum conf_reply r,
    const char *const *names, const char *const *values, size_t nvars,
    char *out, size_t outsz)
{
	const char *t;

	if ((int)l < 0 || l >= LANG_N || (int)r < 0 || r >= REPLY_N) {
		if (out != NULL && outsz > 0)
			out[0] = '\0';
		return -1;
	}
	t = c != NULL && c->replies[l][r] != NULL ? c->replies[l][r] :
	    templates[r].def[l];
	return conf_fill(t, names, values, nvars, out, outsz);
}
