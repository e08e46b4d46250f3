/*
 * ussd: the USSD complaint menu as one transition table.  ussd_step()
 * classifies the newest input (empty, "0" back, "98" next page, a choice
 * number, or free text), takes the first row of rows[] that matches the
 * session's state, input class and guard, runs the row's action and moves
 * to the row's next state; the screen is then drawn from the state alone
 * (one drawing function per state, plus a note line on top such as
 * "Pilihan salah.").  Nothing here does I/O or keeps state between calls.
 *
 * Decisions the header leaves open:
 *
 *  - Category numbers are global and stable: rule i is shown as i + 1 on
 *    whatever page it lands, in both languages, except that the number 98
 *    (USSD_PAGE_NEXT) is never given to a category: rules from index 97 on
 *    are numbered i + 2 (..., 97, 99, 100, ...).  A number is accepted only
 *    on the page that shows it.
 *  - Pages are filled greedily.  Every screen body is kept to
 *    USSD_SCREEN_MAX minus the longest note line of either language
 *    ("Complaint cancelled." plus its line break: 21), so a note never
 *    pushes a screen over, and a screen looks the same with or without one.
 *    A label too long to fit even alone on a page is cut with "...".
 *  - CONFIRM "2 change" goes back to CATEGORY page 0 with the rule
 *    cleared; location and description stay in the context until the
 *    citizen types new ones (they are asked again).  LOCATION "0" clears
 *    the rule too and shows the page it was chosen on.
 *  - A context the current config cannot honour (a state out of range, or
 *    a chosen rule that no longer exists after a reload) restarts the
 *    session at MAIN in its language; that input is not interpreted.
 *  - A ticket number must be the whole input (a trailing '#' is allowed).
 *  - ussd_offer_resume() on a context that holds nothing to resume shows
 *    MAIN, as ussd_begin() would.  ussd_state_name() of a value out of
 *    range is NULL.
 *
 * Every screen is checked once more at the end (finish()): text GSM-7
 * cannot carry becomes '?', and a screen over USSD_SCREEN_MAX septets is
 * cut with "...".  The END screens of ussd_submitted()/ussd_status() rely
 * on that check for over-long caller values.
 */
#include "intake/ussd.h"

#include <stdio.h>
#include <string.h>

#include "sms/gsm.h"
#include "sms/text.h"
#include "util/util.h"

#define TEXT_MAX        1024    /* bytes of any intermediate text */
#define CLEAN_MAX       512     /* bytes of one cleaned value: > 160 septets when full */
#define PAGE_NEXT_NUM   98

enum note {
	NOTE_NONE,
	NOTE_INVALID,
	NOTE_EMPTY,
	NOTE_TYPO,
	NOTE_NOT8,
	NOTE_CANCELLED,
	NOTE_N
};

/* The screens' words.  {name} is filled in; every text here is GSM-7. */
static const struct texts {
	const char *main;               /* {code} */
	const char *cat_head;
	const char *cat_next;
	const char *cat_back;
	const char *location;
	const char *description;
	const char *confirm;            /* {summary} */
	const char *status_ask;
	const char *help;               /* {help} */
	const char *help_text;          /* {code} */
	const char *resume;             /* {summary} */
	const char *submitted;          /* {ticket} {agency} */
	const char *status;             /* {ticket} {status} {agency} {date} */
	const char *not_found;          /* {ticket} */
	const char *note[NOTE_N];
} texts[LANG_N] = {
	[LANG_ID] = {
		.main = "Aduan {code}\n1 Buat aduan\n2 Cek status aduan\n3 Bantuan\n"
		    "4 English",
		.cat_head = "Pilih kategori:",
		.cat_next = USSD_PAGE_NEXT " Berikutnya",
		.cat_back = USSD_BACK " Kembali",
		.location = "Lokasi (desa/kelurahan, jalan):\n0 Kembali",
		.description = "Tulis aduan Anda singkat:\n0 Kembali",
		.confirm = "Kirim aduan?\n{summary}\n1 Kirim\n2 Ubah\n0 Batal",
		.status_ask = "Nomor tiket (8 angka):\n0 Kembali",
		.help = "{help}\n0 Kembali",
		.help_text = "Aduan juga lewat SMS ke {code}: KATA KUNCI lalu isi "
		    "aduan, mis. JALAN Jl. Pemuda berlubang. Cek: STATUS no tiket",
		.resume = "Lanjutkan aduan sebelumnya?\n{summary}\n1 Ya\n"
		    "2 Tidak, aduan baru",
		.submitted = "Aduan diterima. No tiket: {ticket}, diteruskan ke "
		    "{agency}. Nomor ini juga dikirim lewat SMS.",
		.status = "Tiket {ticket}: {status}. {agency}, update {date}.",
		.not_found = "Tiket {ticket} tidak ditemukan.",
		.note = {
			[NOTE_NONE] = "",
			[NOTE_INVALID] = "Pilihan salah.",
			[NOTE_EMPTY] = "Jawaban kosong.",
			[NOTE_TYPO] = "Nomor salah ketik.",
			[NOTE_NOT8] = "Harus 8 angka.",
			[NOTE_CANCELLED] = "Aduan dibatalkan.",
		},
	},
	[LANG_EN] = {
		.main = "Aduan {code}\n1 New complaint\n2 Check status\n3 Help\n"
		    "4 Bahasa Indonesia",
		.cat_head = "Choose a category:",
		.cat_next = USSD_PAGE_NEXT " Next",
		.cat_back = USSD_BACK " Back",
		.location = "Location (village, street):\n0 Back",
		.description = "Describe the problem briefly:\n0 Back",
		.confirm = "Send complaint?\n{summary}\n1 Send\n2 Change\n0 Cancel",
		.status_ask = "Ticket number (8 digits):\n0 Back",
		.help = "{help}\n0 Back",
		.help_text = "You can also SMS {code}: KEYWORD then your complaint, "
		    "e.g. ROAD Jl. Pemuda pothole. Check: STATUS ticket no",
		.resume = "Continue your earlier complaint?\n{summary}\n1 Yes\n"
		    "2 No, new complaint",
		.submitted = "Complaint received. Ticket no: {ticket}, sent to "
		    "{agency}. You will also get it by SMS.",
		.status = "Ticket {ticket}: {status}. {agency}, updated {date}.",
		.not_found = "Ticket {ticket} not found.",
		.note = {
			[NOTE_NONE] = "",
			[NOTE_INVALID] = "Invalid choice.",
			[NOTE_EMPTY] = "Empty answer.",
			[NOTE_TYPO] = "Number has a typo.",
			[NOTE_NOT8] = "Must be 8 digits.",
			[NOTE_CANCELLED] = "Complaint cancelled.",
		},
	},
};

static const char *const state_names[USSD_NSTATES] = {
	[USSD_MAIN] = "main",
	[USSD_CATEGORY] = "category",
	[USSD_LOCATION] = "location",
	[USSD_DESCRIPTION] = "description",
	[USSD_CONFIRM] = "confirm",
	[USSD_STATUS_ASK] = "status_ask",
	[USSD_HELP] = "help",
	[USSD_RESUME] = "resume",
	[USSD_END] = "end",
};

/* ---- text helpers: UTF-8, GSM-7, fitting ---- */

/* Bytes of the well-formed UTF-8 character at s (len > 0), or 0; NUL is not one. */
static size_t
u8_char(const char *s, size_t len)
{
	uint32_t cp;
	size_t n = utf8_next((const unsigned char *)s, len, &cp);

	return n > 0 && cp != 0 ? n : 0;
}

/* Septets of GSM-7 text; text that is not GSM-7 never counts as fitting. */
static size_t
septets(const char *s, size_t len)
{
	struct gsm_count gc;
	size_t i, n = 0;

	/* Printable ASCII (screens mostly are): the extension characters cost 2. */
	for (i = 0; i < len; i++) {
		unsigned char b = (unsigned char)s[i];

		if (b < 0x20 && b != '\n')
			break;
		if (b >= 0x7F || b == '`')
			break;
		n += strchr("^{}\\[~]|", b) != NULL ? 2 : 1;
	}
	if (i == len)
		return n;
	if (gsm_count(s, len, &gc) == -1 || gc.coding != GSM_7BIT)
		return 2 * len + USSD_SCREEN_MAX + 1;
	return gc.units;
}

static size_t
septets_str(const char *s)
{
	return septets(s, strlen(s));
}

/*
 * Copies s[0..len) into out (outsz bytes, NUL-terminated) as GSM-7 text:
 * look-alikes as gsm_clean() writes them, anything else GSM-7 cannot carry
 * (emoji, bytes that are not UTF-8, NUL) as '?', control characters as a
 * space, and with oneline line breaks as a space too.  Stops before the
 * first character that does not fit.  Returns the length.
 */
static size_t
clean(const char *s, size_t len, int oneline, char *out, size_t outsz)
{
	char one[16];
	const char *r;
	size_t i, n, rlen, o = 0;
	long k;

	if (outsz == 0)
		return 0;
	for (i = 0; i < len; i += n) {
		/* Plain ASCII is GSM-7 as it is (but the backtick): the common case. */
		if ((unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x7F && s[i] != '`') {
			n = 1;
			if (1 >= outsz - o)
				break;
			out[o++] = s[i];
			continue;
		}
		n = u8_char(s + i, len - i);
		if (n == 0) {
			n = 1;
			r = "?";
			rlen = 1;
		} else if ((unsigned char)s[i] < 0x20 &&
		    (oneline || s[i] != '\n')) {
			r = " ";
			rlen = 1;
		} else if ((k = gsm_clean(s + i, n, one, sizeof(one))) >= 0 &&
		    gsm_is_gsm7(one, (size_t)k)) {
			r = one;
			rlen = (size_t)k;
		} else {
			r = "?";
			rlen = 1;
		}
		if (rlen >= outsz - o)
			break;
		memcpy(out + o, r, rlen);
		o += rlen;
	}
	out[o] = '\0';
	return o;
}

static size_t
clean_str(const char *s, int oneline, char *out, size_t outsz)
{
	return clean(s != NULL ? s : "", s != NULL ? strlen(s) : 0, oneline, out,
	    outsz);
}

static int
is_break(char ch)
{
	return ch == ' ' || ch == '\n';
}

/*
 * Copies GSM-7 text s into out (outsz bytes) so that it takes at most max
 * septets: whole when it fits, else cut (at a word boundary unless that
 * loses more than half) with "..." appended.  Returns the length.
 */
static size_t
fit(const char *s, size_t max, char *out, size_t outsz)
{
	size_t len = strlen(s), i, n, u, total = 0, keep, sp, cut, dots;

	if (outsz == 0)
		return 0;
	if (len < outsz && septets(s, len) <= max) {
		memcpy(out, s, len + 1);
		return len;
	}
	dots = max >= 4 ? 3 : 0;
	keep = max - dots;
	for (i = 0; i < len; i += n) {
		if ((n = u8_char(s + i, len - i)) == 0)
			n = 1;
		u = septets(s + i, n);
		if (total + u > keep || i + n + dots >= outsz)
			break;
		total += u;
	}
	cut = i;
	if (dots > 0) {
		if (cut < len && !is_break(s[cut])) {
			for (sp = cut; sp > 0 && !is_break(s[sp - 1]); sp--)
				;
			if (sp > 0 && sp * 2 >= cut)
				cut = sp;
		}
		while (cut > 0 && strchr(" \n,;:.-", s[cut - 1]) != NULL)
			cut--;
	}
	memcpy(out, s, cut);
	memcpy(out + cut, "...", dots);
	out[cut + dots] = '\0';
	return cut + dots;
}

struct var {
	const char *name;
	const char *value;
};

#define VARS_MAX 4

/*
 * Renders built-in template t into out (outsz bytes) with conf_fill(), the
 * one template filler: each {name} replaced by its value in v[0..nv), cut on
 * a character boundary when it does not fit.  Returns the length.
 */
static size_t
expand(const char *t, const struct var *v, size_t nv, char *out, size_t outsz)
{
	const char *names[VARS_MAX], *values[VARS_MAX];
	size_t i;

	for (i = 0; i < nv && i < VARS_MAX; i++) {
		names[i] = v[i].name;
		values[i] = v[i].value;
	}
	(void)conf_fill(t, names, values, i, out, outsz);
	return outsz > 0 ? strlen(out) : 0;
}

/* Septets the longest note line takes above a screen, its line break included. */
static size_t
note_room(void)
{
	size_t l, i, n, room = 0;

	for (l = 0; l < LANG_N; l++)
		for (i = 0; i < NOTE_N; i++)
			if ((n = septets_str(texts[l].note[i]) + 1) > room)
				room = n;
	return room;
}

/* Septets every screen body keeps to. */
static size_t
body_max(void)
{
	return USSD_SCREEN_MAX - note_room();
}

/*
 * Stores citizen text in[0..len) into dst (dstsz bytes): whole UTF-8
 * characters only, bytes that are not UTF-8 (or NUL) as '?'.
 */
static void
store_text(char *dst, size_t dstsz, const char *in, size_t len)
{
	size_t i, n, o = 0;

	for (i = 0; i < len; i += n) {
		if ((n = u8_char(in + i, len - i)) == 0) {
			if (o + 1 >= dstsz)
				break;
			dst[o++] = '?';
			n = 1;
			continue;
		}
		if (o + n >= dstsz)
			break;
		memcpy(dst + o, in + i, n);
		o += n;
	}
	dst[o] = '\0';
}

/* ---- categories and pages ---- */

static long
cat_number(size_t i)
{
	return i + 1 < PAGE_NEXT_NUM ? (long)i + 1 : (long)i + 2;
}

/* Index of the rule shown as number n, or -1. */
static long
cat_index(long n)
{
	if (n < 1 || n == PAGE_NEXT_NUM)
		return -1;
	return n < PAGE_NEXT_NUM ? n - 1 : n - 2;
}

static const char *
rule_label(const struct conf *c, size_t i, enum lang l)
{
	const char *s = c->rules[i].label[l];

	if (s == NULL)
		s = c->rules[i].label[LANG_ID];
	return s != NULL ? s : "";
}

/* Septets of rule i's line "N label", label cleaned, uncut. */
static size_t
cat_line_cost(const struct conf *c, enum lang l, size_t i)
{
	char num[24], label[CLEAN_MAX];

	(void)snprintf(num, sizeof(num), "%ld ", cat_number(i));
	(void)clean_str(rule_label(c, i, l), 1, label, sizeof(label));
	return strlen(num) + septets_str(label);
}

struct page {
	int index;              /* the page actually shown */
	size_t start;           /* first rule on it */
	size_t n;               /* rules on it */
	int more;               /* a next page follows */
};

/*
 * Lines one screen can hold: each costs at least 3 septets ("1 X" and its
 * newline).  Costs are remembered for that many lines from the start.
 */
#define PAGE_LINES_MAX (USSD_SCREEN_MAX / 3 + 1)

/* Rules that fit on a page starting at rule start. */
static size_t
page_fill(const struct conf *c, enum lang l, size_t start, int *more)
{
	const struct texts *tx = &texts[l];
	size_t max = body_max(), base, used, i, n, cost[PAGE_LINES_MAX];

	/* Each label's cost once (cleaning it is what costs). */
#define COST(i) ((i) - start < PAGE_LINES_MAX ? cost[(i) - start] : cat_line_cost(c, l, (i)))
	base = septets_str(tx->cat_head) + 1 + septets_str(tx->cat_back);
	used = base;
	for (i = start; i < c->nrules; i++) {
		if (i - start < PAGE_LINES_MAX)
			cost[i - start] = cat_line_cost(c, l, i);
		used += 1 + COST(i);
		if (used > max)
			break;
	}
	if (i == c->nrules) {
		*more = 0;
		return c->nrules - start;
	}
	used = base + 1 + septets_str(tx->cat_next);
	for (i = start, n = 0; i < c->nrules; i++, n++) {
		if (used + 1 + COST(i) > max)
			break;
		used += 1 + COST(i);
	}
#undef COST
	if (n == 0)
		n = 1;          /* a label too long even alone: cut when drawn */
	*more = start + n < c->nrules;
	return n;
}

/* Page want (clamped to the pages there are) of the category list. */
static void
page_get(const struct conf *c, enum lang l, int want, struct page *p)
{
	p->index = 0;
	p->start = 0;
	p->n = page_fill(c, l, 0, &p->more);
	while (p->index < want && p->more) {
		p->index++;
		p->start += p->n;
		p->n = page_fill(c, l, p->start, &p->more);
	}
}

/* ---- the machine ---- */

enum in_class {
	IN_EMPTY,
	IN_BACK,        /* "0" */
	IN_NEXT,        /* "98" */
	IN_CHOICE,      /* 1 to 4 digits, no leading zero, not 98 */
	IN_TEXT,        /* anything else, taken whole */
	IN_ANY          /* in rows only: every class */
};

struct step {
	const struct conf *c;
	struct ussd_ctx *ctx;
	const char *in;         /* the input, trimmed */
	size_t len;
	enum in_class cls;
	long choice;            /* IN_CHOICE: the number */
	enum note note;         /* line shown above the next screen */
	struct ussd_out *out;
};

struct row {
	enum ussd_state state;
	enum in_class in;
	long choice;            /* IN_CHOICE rows: this number only; 0 any */
	int (*guard)(const struct step *);
	void (*action)(struct step *);
	enum ussd_state next;
};

static enum in_class
classify(const char *s, size_t len, long *choice)
{
	size_t i;
	long v = 0;

	*choice = 0;
	if (len == 0)
		return IN_EMPTY;
	if (len == 1 && s[0] == '0')
		return IN_BACK;
	if (len == 2 && memcmp(s, USSD_PAGE_NEXT, 2) == 0)
		return IN_NEXT;
	if (len > 4 || s[0] == '0')
		return IN_TEXT;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return IN_TEXT;
		v = v * 10 + (s[i] - '0');
	}
	*choice = v;
	return IN_CHOICE;
}

/* The ticket number that is the whole input (a trailing '#' allowed). */
static enum ticket_read
whole_ticket(const struct step *st, char digits[TICKET_DIGITS + 1])
{
	enum ticket_read r;
	size_t used, i;

	r = ticket_read(st->in, st->len, digits, &used);
	if (r == TICKET_READ_NONE)
		return r;
	for (i = used; i < st->len; i++)
		if (st->in[i] != '#' && st->in[i] != ' ')
			return TICKET_READ_MALFORMED;
	return r;
}

/* guards */

static int
g_on_page(const struct step *st)
{
	struct page p;
	long i = cat_index(st->choice);

	page_get(st->c, st->ctx->lang, st->ctx->page, &p);
	return i >= 0 && (size_t)i >= p.start && (size_t)i < p.start + p.n;
}

static int
g_has_next(const struct step *st)
{
	struct page p;

	page_get(st->c, st->ctx->lang, st->ctx->page, &p);
	return p.more;
}

static int
g_has_prev(const struct step *st)
{
	return st->ctx->page > 0;
}

static int
g_ticket_ok(const struct step *st)
{
	char d[TICKET_DIGITS + 1];

	return whole_ticket(st, d) == TICKET_READ_OK;
}

static int
g_ticket_typo(const struct step *st)
{
	char d[TICKET_DIGITS + 1];

	return whole_ticket(st, d) == TICKET_READ_MISTYPED;
}

static int
g_resume_location(const struct step *st)
{
	return st->ctx->resume_to == USSD_LOCATION;
}

static int
g_resume_description(const struct step *st)
{
	return st->ctx->resume_to == USSD_DESCRIPTION;
}

static int
g_resume_confirm(const struct step *st)
{
	return st->ctx->resume_to == USSD_CONFIRM;
}

/* actions */

static void
forget(struct ussd_ctx *ctx)
{
	ctx->rule = -1;
	ctx->location[0] = '\0';
	ctx->description[0] = '\0';
}

static void
a_none(struct step *st)
{
	(void)st;
}

static void
a_invalid(struct step *st)
{
	st->note = NOTE_INVALID;
}

static void
a_empty(struct step *st)
{
	st->note = NOTE_EMPTY;
}

static void
a_new(struct step *st)
{
	forget(st->ctx);
	st->ctx->page = 0;
}

static void
a_lang(struct step *st)
{
	st->ctx->lang = st->ctx->lang == LANG_EN ? LANG_ID : LANG_EN;
	st->out->action = USSD_ACT_LANG;
}

static void
a_pick(struct step *st)
{
	st->ctx->rule = cat_index(st->choice);
}

static void
a_page_next(struct step *st)
{
	st->ctx->page++;
}

static void
a_page_prev(struct step *st)
{
	st->ctx->page--;
}

static void
a_page_first(struct step *st)
{
	st->ctx->page = 0;
}

static void
a_unpick(struct step *st)
{
	st->ctx->rule = -1;
}

static void
a_location(struct step *st)
{
	store_text(st->ctx->location, sizeof(st->ctx->location), st->in, st->len);
}

static void
a_description(struct step *st)
{
	store_text(st->ctx->description, sizeof(st->ctx->description), st->in,
	    st->len);
}

static void
a_submit(struct step *st)
{
	st->out->action = USSD_ACT_SUBMIT;
}

static void
a_change(struct step *st)
{
	st->ctx->rule = -1;
	st->ctx->page = 0;
}

static void
a_cancel(struct step *st)
{
	forget(st->ctx);
	st->ctx->page = 0;
	st->note = NOTE_CANCELLED;
}

static void
a_status(struct step *st)
{
	(void)whole_ticket(st, st->out->ticket);
	st->out->action = USSD_ACT_STATUS;
}

static void
a_typo(struct step *st)
{
	st->note = NOTE_TYPO;
}

static void
a_not8(struct step *st)
{
	st->note = NOTE_NOT8;
}

static void
a_forget(struct step *st)
{
	forget(st->ctx);
	st->ctx->page = 0;
}

/*
 * The machine.  First matching row wins, so a guarded row comes before the
 * catch-all of its state; every state ends with an IN_ANY row, which is
 * why an invalid input never ends a session.
 */
static const struct row rows[] = {
	{ USSD_MAIN, IN_CHOICE, 1, NULL, a_new, USSD_CATEGORY },
	{ USSD_MAIN, IN_CHOICE, 2, NULL, a_none, USSD_STATUS_ASK },
	{ USSD_MAIN, IN_CHOICE, 3, NULL, a_none, USSD_HELP },
	{ USSD_MAIN, IN_CHOICE, 4, NULL, a_lang, USSD_MAIN },
	{ USSD_MAIN, IN_ANY, 0, NULL, a_invalid, USSD_MAIN },

	{ USSD_CATEGORY, IN_CHOICE, 0, g_on_page, a_pick, USSD_LOCATION },
	{ USSD_CATEGORY, IN_NEXT, 0, g_has_next, a_page_next, USSD_CATEGORY },
	{ USSD_CATEGORY, IN_BACK, 0, g_has_prev, a_page_prev, USSD_CATEGORY },
	{ USSD_CATEGORY, IN_BACK, 0, NULL, a_page_first, USSD_MAIN },
	{ USSD_CATEGORY, IN_ANY, 0, NULL, a_invalid, USSD_CATEGORY },

	{ USSD_LOCATION, IN_BACK, 0, NULL, a_unpick, USSD_CATEGORY },
	{ USSD_LOCATION, IN_EMPTY, 0, NULL, a_empty, USSD_LOCATION },
	{ USSD_LOCATION, IN_ANY, 0, NULL, a_location, USSD_DESCRIPTION },

	{ USSD_DESCRIPTION, IN_BACK, 0, NULL, a_none, USSD_LOCATION },
	{ USSD_DESCRIPTION, IN_EMPTY, 0, NULL, a_empty, USSD_DESCRIPTION },
	{ USSD_DESCRIPTION, IN_ANY, 0, NULL, a_description, USSD_CONFIRM },

	/* SUBMIT stays in CONFIRM: ussd_submitted() moves to END once stored. */
	{ USSD_CONFIRM, IN_CHOICE, 1, NULL, a_submit, USSD_CONFIRM },
	{ USSD_CONFIRM, IN_CHOICE, 2, NULL, a_change, USSD_CATEGORY },
	{ USSD_CONFIRM, IN_BACK, 0, NULL, a_cancel, USSD_MAIN },
	{ USSD_CONFIRM, IN_ANY, 0, NULL, a_invalid, USSD_CONFIRM },

	/* STATUS stays in STATUS_ASK: ussd_status() moves to END. */
	{ USSD_STATUS_ASK, IN_BACK, 0, NULL, a_none, USSD_MAIN },
	{ USSD_STATUS_ASK, IN_ANY, 0, g_ticket_ok, a_status, USSD_STATUS_ASK },
	{ USSD_STATUS_ASK, IN_ANY, 0, g_ticket_typo, a_typo, USSD_STATUS_ASK },
	{ USSD_STATUS_ASK, IN_ANY, 0, NULL, a_not8, USSD_STATUS_ASK },

	{ USSD_HELP, IN_BACK, 0, NULL, a_none, USSD_MAIN },
	{ USSD_HELP, IN_ANY, 0, NULL, a_invalid, USSD_HELP },

	{ USSD_RESUME, IN_CHOICE, 1, g_resume_location, a_none, USSD_LOCATION },
	{ USSD_RESUME, IN_CHOICE, 1, g_resume_description, a_none,
	    USSD_DESCRIPTION },
	{ USSD_RESUME, IN_CHOICE, 1, g_resume_confirm, a_none, USSD_CONFIRM },
	{ USSD_RESUME, IN_CHOICE, 2, NULL, a_forget, USSD_MAIN },
	{ USSD_RESUME, IN_ANY, 0, NULL, a_invalid, USSD_RESUME },

	/* The caller answers repeats from the store; this is the fallback. */
	{ USSD_END, IN_ANY, 0, NULL, a_none, USSD_END },
};

static int
row_matches(const struct row *r, const struct step *st)
{
	if (r->state != st->ctx->state)
		return 0;
	if (r->in != IN_ANY && r->in != st->cls)
		return 0;
	if (r->in == IN_CHOICE && r->choice != 0 && r->choice != st->choice)
		return 0;
	return r->guard == NULL || r->guard(st);
}

/* ---- screens ---- */

/* Cleans a value and cuts it to max septets. */
static void
value_fit(const char *s, size_t max, char *out, size_t outsz)
{
	char tmp[CLEAN_MAX];

	(void)clean_str(s, 1, tmp, sizeof(tmp));
	(void)fit(tmp, max, out, outsz);
}

/*
 * Renders template t whose one variable part {name} is cut so that the
 * whole takes at most body_max() septets.
 */
static void
draw_fitted(const char *t, const char *name, const char *value, char *out,
    size_t outsz)
{
	char cut[CLEAN_MAX];
	struct var v = { name, "" };
	size_t fixed, max = body_max();

	fixed = septets(out, expand(t, &v, 1, out, outsz));
	(void)fit(value, fixed < max ? max - fixed : 0, cut, sizeof(cut));
	v.value = cut;
	(void)expand(t, &v, 1, out, outsz);
}

/*
 * Joins parts with seps[i] before part i (empty parts and their
 * separators left out) into at most max septets: when they do not fit,
 * the room is shared out so that short parts stay whole and long ones are
 * cut alike ("..." each).
 */
static void
summary(const char *const *raw, const char *const *seps, size_t n, size_t max,
    char *out, size_t outsz)
{
	char part[3][CLEAN_MAX], cut[CLEAN_MAX];
	size_t len[3], give[3], i, j, k, total = 0, joins = 0, left = 0;
	size_t room, share, o = 0, shown = 0;
	int done[3] = { 0, 0, 0 };

	if (n > 3)
		n = 3;
	for (i = 0; i < n; i++) {
		(void)clean_str(raw[i], 1, part[i], sizeof(part[i]));
		give[i] = len[i] = septets_str(part[i]);
		total += len[i];
		if (len[i] > 0 && left++ > 0)
			joins += septets_str(seps[i]);
	}
	room = joins < max ? max - joins : 0;
	if (total > room) {
		/* Water-filling: the shortest part first takes what it needs. */
		for (k = 0; k < n; k++) {
			for (j = n, i = 0; i < n; i++)
				if (!done[i] && len[i] > 0 &&
				    (j == n || len[i] < len[j]))
					j = i;
			if (j == n)
				break;
			share = room / left;
			give[j] = len[j] < share ? len[j] : share;
			room -= give[j];
			left--;
			done[j] = 1;
		}
	}
	out[0] = '\0';
	for (i = 0; i < n && o < outsz; i++) {
		if (len[i] == 0)
			continue;
		(void)fit(part[i], give[i], cut, sizeof(cut));
		o += (size_t)snprintf(out + o, outsz - o, "%s%s",
		    shown++ > 0 ? seps[i] : "", cut);
	}
}

static void
draw_main(const struct step *st, char *out, size_t outsz)
{
	char code[CLEAN_MAX];

	(void)clean_str(st->c->short_code, 1, code, sizeof(code));
	draw_fitted(texts[st->ctx->lang].main, "code", code, out, outsz);
}

static void
draw_category(const struct step *st, char *out, size_t outsz)
{
	const struct texts *tx = &texts[st->ctx->lang];
	struct page p;
	char label[CLEAN_MAX], cut[CLEAN_MAX], num[24];
	size_t i, o, fixed, max = body_max();

	page_get(st->c, st->ctx->lang, st->ctx->page, &p);
	o = (size_t)snprintf(out, outsz, "%s", tx->cat_head);
	for (i = p.start; i < p.start + p.n && o < outsz; i++) {
		(void)snprintf(num, sizeof(num), "%ld ", cat_number(i));
		(void)clean_str(rule_label(st->c, i, st->ctx->lang), 1, label,
		    sizeof(label));
		/* Only a page of one can hold a label too long: cut it there. */
		fixed = septets_str(tx->cat_head) + 1 + strlen(num) + 1 +
		    septets_str(tx->cat_back) +
		    (p.more ? 1 + septets_str(tx->cat_next) : 0);
		(void)fit(label, fixed < max ? max - fixed : 0, cut, sizeof(cut));
		o += (size_t)snprintf(out + o, outsz - o, "\n%s%s", num, cut);
	}
	if (p.more && o < outsz)
		o += (size_t)snprintf(out + o, outsz - o, "\n%s", tx->cat_next);
	if (o < outsz)
		(void)snprintf(out + o, outsz - o, "\n%s", tx->cat_back);
}

static void
draw_location(const struct step *st, char *out, size_t outsz)
{
	(void)snprintf(out, outsz, "%s", texts[st->ctx->lang].location);
}

static void
draw_description(const struct step *st, char *out, size_t outsz)
{
	(void)snprintf(out, outsz, "%s", texts[st->ctx->lang].description);
}

static void
draw_summarised(const char *t, const char *const *raw,
    const char *const *seps, size_t n, char *out, size_t outsz)
{
	char sum[TEXT_MAX];
	struct var v = { "summary", "" };
	size_t fixed, max = body_max();

	fixed = septets(out, expand(t, &v, 1, out, outsz));
	summary(raw, seps, n, fixed < max ? max - fixed : 0, sum, sizeof(sum));
	v.value = sum;
	(void)expand(t, &v, 1, out, outsz);
}

static void
draw_confirm(const struct step *st, char *out, size_t outsz)
{
	const struct ussd_ctx *ctx = st->ctx;
	const char *raw[3], *seps[3] = { "", ", ", ": " };

	raw[0] = rule_label(st->c, (size_t)ctx->rule, ctx->lang);
	raw[1] = ctx->location;
	raw[2] = ctx->description;
	/* Without a location the description follows the label directly. */
	if (ctx->location[0] == '\0')
		seps[2] = ", ";
	draw_summarised(texts[ctx->lang].confirm, raw, seps, 3, out, outsz);
}

static void
draw_status_ask(const struct step *st, char *out, size_t outsz)
{
	(void)snprintf(out, outsz, "%s", texts[st->ctx->lang].status_ask);
}

static void
draw_help(const struct step *st, char *out, size_t outsz)
{
	const struct texts *tx = &texts[st->ctx->lang];
	char code[CLEAN_MAX], help[TEXT_MAX];
	struct var v = { "code", code };

	(void)clean_str(st->c->short_code, 1, code, sizeof(code));
	(void)expand(tx->help_text, &v, 1, help, sizeof(help));
	draw_fitted(tx->help, "help", help, out, outsz);
}

static void
draw_resume(const struct step *st, char *out, size_t outsz)
{
	const struct ussd_ctx *ctx = st->ctx;
	const char *raw[2], *seps[2] = { "", ": " };

	raw[0] = rule_label(st->c, (size_t)ctx->rule, ctx->lang);
	raw[1] = ctx->location;
	draw_summarised(texts[ctx->lang].resume, raw, seps, 2, out, outsz);
}

static void
draw_end(const struct step *st, char *out, size_t outsz)
{
	(void)st;
	(void)outsz;
	out[0] = '\0';
}

/* One drawing per state: what a state shows never depends on how we came. */
static void (*const draw[USSD_NSTATES])(const struct step *, char *, size_t) = {
	[USSD_MAIN] = draw_main,
	[USSD_CATEGORY] = draw_category,
	[USSD_LOCATION] = draw_location,
	[USSD_DESCRIPTION] = draw_description,
	[USSD_CONFIRM] = draw_confirm,
	[USSD_STATUS_ASK] = draw_status_ask,
	[USSD_HELP] = draw_help,
	[USSD_RESUME] = draw_resume,
	[USSD_END] = draw_end,
};

/*
 * The last word on every screen: GSM-7 only and at most USSD_SCREEN_MAX
 * septets, whatever the drawing before produced.
 */
static void
finish(struct ussd_out *out, const char *text)
{
	char tmp[TEXT_MAX];

	(void)clean_str(text, 0, tmp, sizeof(tmp));
	(void)fit(tmp, USSD_SCREEN_MAX, out->screen, sizeof(out->screen));
}

static void
show(struct step *st)
{
	char body[TEXT_MAX], all[TEXT_MAX + 64];
	const char *note = texts[st->ctx->lang].note[st->note];

	draw[st->ctx->state](st, body, sizeof(body));
	if (*note != '\0')
		(void)snprintf(all, sizeof(all), "%s\n%s", note, body);
	else
		(void)snprintf(all, sizeof(all), "%s", body);
	finish(st->out, all);
	st->out->end = st->ctx->state == USSD_END;
}

static void
out_reset(struct ussd_out *out)
{
	memset(out, 0, sizeof(*out));
	out->action = USSD_ACT_NONE;
}

static enum lang
lang_fix(const struct conf *c, enum lang l)
{
	if (l == LANG_ID || l == LANG_EN)
		return l;
	if (c != NULL && (c->default_lang == LANG_ID || c->default_lang == LANG_EN))
		return c->default_lang;
	return LANG_ID;
}

static int
needs_rule(enum ussd_state s)
{
	return s == USSD_LOCATION || s == USSD_DESCRIPTION || s == USSD_CONFIRM ||
	    s == USSD_RESUME;
}

/*
 * Repairs what can be repaired in a context read back from the store;
 * 0 when it cannot go on under this config.
 */
static int
ctx_usable(const struct conf *c, struct ussd_ctx *ctx)
{
	struct page p;

	ctx->lang = lang_fix(c, ctx->lang);
	ctx->location[sizeof(ctx->location) - 1] = '\0';
	ctx->description[sizeof(ctx->description) - 1] = '\0';
	if ((int)ctx->state < 0 || ctx->state >= USSD_NSTATES)
		return 0;
	if (ctx->rule < -1 || ctx->rule >= (long)c->nrules)
		ctx->rule = -1;
	if (needs_rule(ctx->state) && ctx->rule < 0)
		return 0;
	if (ctx->state == USSD_RESUME && !(ctx->resume_to == USSD_LOCATION ||
	    ctx->resume_to == USSD_DESCRIPTION || ctx->resume_to == USSD_CONFIRM))
		return 0;
	if (ctx->page < 0)
		ctx->page = 0;
	page_get(c, ctx->lang, ctx->page, &p);
	ctx->page = p.index;
	return 1;
}

/* ---- interface ---- */

const char *
ussd_state_name(enum ussd_state s)
{
	if ((int)s < 0 || s >= USSD_NSTATES)
		return NULL;
	return state_names[s];
}

int
ussd_state_from_name(const char *name)
{
	size_t i;

	if (name == NULL)
		return -1;
	for (i = 0; i < USSD_NSTATES; i++)
		if (strcmp(state_names[i], name) == 0)
			return (int)i;
	return -1;
}

void
ussd_begin(const struct conf *c, struct ussd_ctx *ctx, enum lang lang,
    struct ussd_out *out)
{
	struct step st = { .c = c, .ctx = ctx, .note = NOTE_NONE, .out = out };

	memset(ctx, 0, sizeof(*ctx));
	ctx->state = USSD_MAIN;
	ctx->lang = lang_fix(c, lang);
	ctx->page = 0;
	ctx->rule = -1;
	ctx->resume_to = USSD_MAIN;
	out_reset(out);
	show(&st);
}

void
ussd_offer_resume(const struct conf *c, struct ussd_ctx *ctx, struct ussd_out *out)
{
	struct step st = { .c = c, .ctx = ctx, .note = NOTE_NONE, .out = out };

	if (!ussd_resumable(ctx) || !ctx_usable(c, ctx)) {
		ussd_begin(c, ctx, ctx->lang, out);
		return;
	}
	ctx->resume_to = ctx->state;
	ctx->state = USSD_RESUME;
	out_reset(out);
	show(&st);
}

void
ussd_step(const struct conf *c, struct ussd_ctx *ctx, const char *input, size_t len,
    struct ussd_out *out)
{
	struct step st = { .c = c, .ctx = ctx, .note = NOTE_NONE, .out = out };
	size_t i;

	if (!ctx_usable(c, ctx)) {
		ussd_begin(c, ctx, ctx->lang, out);
		return;
	}
	out_reset(out);
	st.in = input != NULL ? input : "";
	st.len = input != NULL ? len : 0;
	text_trim(&st.in, &st.len);
	st.cls = classify(st.in, st.len, &st.choice);
	for (i = 0; i < ARRAY_LEN(rows); i++)
		if (row_matches(&rows[i], &st))
			break;
	if (i < ARRAY_LEN(rows)) {
		rows[i].action(&st);
		ctx->state = rows[i].next;
	} else
		st.note = NOTE_INVALID;         /* no row: a table bug, not an end */
	show(&st);
}

void
ussd_submitted(const struct conf *c, struct ussd_ctx *ctx, const char *ticket,
    const char *agency_short, struct ussd_out *out)
{
	char t[CLEAN_MAX], a[CLEAN_MAX], text[TEXT_MAX];
	struct var v[2] = { { "ticket", t }, { "agency", a } };

	ctx->lang = lang_fix(c, ctx->lang);
	ctx->state = USSD_END;
	out_reset(out);
	value_fit(ticket, 2 * TICKET_DIGITS, t, sizeof(t));
	(void)clean_str(agency_short, 1, a, sizeof(a));
	(void)expand(texts[ctx->lang].submitted, v, ARRAY_LEN(v), text,
	    sizeof(text));
	finish(out, text);
	out->end = 1;
}

void
ussd_status(const struct conf *c, struct ussd_ctx *ctx, int found, const char *ticket,
    const char *status_name, const char *agency_short, const char *date,
    struct ussd_out *out)
{
	char t[CLEAN_MAX], s[CLEAN_MAX], a[CLEAN_MAX], d[CLEAN_MAX];
	char text[TEXT_MAX];
	struct var v[4] = { { "ticket", t }, { "status", s }, { "agency", a },
	    { "date", d } };

	ctx->lang = lang_fix(c, ctx->lang);
	ctx->state = USSD_END;
	out_reset(out);
	value_fit(ticket, 2 * TICKET_DIGITS, t, sizeof(t));
	(void)clean_str(status_name, 1, s, sizeof(s));
	(void)clean_str(agency_short, 1, a, sizeof(a));
	(void)clean_str(date, 1, d, sizeof(d));
	if (found)
		(void)expand(texts[ctx->lang].status, v, ARRAY_LEN(v), text,
		    sizeof(text));
	else
		(void)expand(texts[ctx->lang].not_found, v, 1, text, sizeof(text));
	finish(out, text);
	out->end = 1;
}

int
ussd_resumable(const struct ussd_ctx *ctx)
{
	return (ctx->state == USSD_LOCATION || ctx->state == USSD_DESCRIPTION ||
	    ctx->state == USSD_CONFIRM) && ctx->rule >= 0;
}
