/*
 * parse: what a citizen meant by one SMS.  The first word decides: a
 * command word (STATUS, CEK, TAMBAH, ...) makes a command, an optional
 * LAPOR / ADUAN / REPORT is dropped in front of a complaint, and anything
 * else is a complaint for routing to place.  People type on keypads and
 * autocorrecting phones, so the first word is folded (case, accents and
 * surrounding punctuation ignored) and a ticket may be glued to its command
 * word ("CEK:48219307", "STATUS#48219307").
 *
 * Nothing is copied: the slices of struct sms_command point into the text.
 */
#include "sms/parse.h"

#include <string.h>

#include "sms/text.h"
#include "util/util.h"

enum word_kind {
	W_TICKET,       /* a ticket number follows */
	W_PLAIN,        /* the word alone is the command; the rest is ignored */
	W_LANG,         /* a language code follows */
	W_PREFIX        /* optional in front of a complaint */
};

static const struct {
	const char *word;
	enum word_kind kind;
	enum sms_cmd cmd;
	enum lang lang;
} words[] = {
	{ "STATUS",     W_TICKET,  SMS_STATUS,    LANG_NONE },
	{ "CEK",        W_TICKET,  SMS_STATUS,    LANG_ID },
	{ "TAMBAH",     W_TICKET,  SMS_ADD,       LANG_ID },
	{ "ADD",        W_TICKET,  SMS_ADD,       LANG_EN },
	{ "BATAL",      W_TICKET,  SMS_CANCEL,    LANG_ID },
	{ "CANCEL",     W_TICKET,  SMS_CANCEL,    LANG_EN },
	{ "INFO",       W_PLAIN,   SMS_HELP,      LANG_NONE },
	{ "BANTUAN",    W_PLAIN,   SMS_HELP,      LANG_ID },
	{ "HELP",       W_PLAIN,   SMS_HELP,      LANG_EN },
	{ "STOP",       W_PLAIN,   SMS_STOP,      LANG_EN },
	{ "BERHENTI",   W_PLAIN,   SMS_STOP,      LANG_ID },
	/*
	 * Indonesian operators' unsubscribe word, "UNREG <keyword>": people
	 * send it to every short code that texts them.  Shared, like STATUS.
	 */
	{ "UNREG",      W_PLAIN,   SMS_STOP,      LANG_NONE },
	{ "MULAI",      W_PLAIN,   SMS_START,     LANG_ID },
	{ "START",      W_PLAIN,   SMS_START,     LANG_EN },
	{ "BAHASA",     W_LANG,    SMS_LANG,      LANG_ID },
	{ "LANGUAGE",   W_LANG,    SMS_LANG,      LANG_EN },
	{ "LAPOR",      W_PREFIX,  SMS_COMPLAINT, LANG_ID },
	{ "ADUAN",      W_PREFIX,  SMS_COMPLAINT, LANG_ID },
	{ "REPORT",     W_PREFIX,  SMS_COMPLAINT, LANG_EN },
};

/* A command word followed by this many words or more opens a sentence. */
#define PROSE_WORDS 3

/* What may glue a command word to what follows it in one word. */
static const char glue[] = "#:-";

/* The table entry for w[0..len) as typed, or -1. */
static int
lookup(const char *w, size_t len)
{
	char f[sizeof(((struct sms_command *)0)->word)];
	long n;
	size_t i;

	if ((n = text_fold_word(w, len, f, sizeof(f))) <= 0)
		return -1;
	/* Compare lengths too: a NUL inside the word must not match. */
	for (i = 0; i < ARRAY_LEN(words); i++)
		if (strlen(words[i].word) == (size_t)n &&
		    memcmp(words[i].word, f, (size_t)n) == 0)
			return (int)i;
	return -1;
}

struct span {
	size_t first, end;
	int any;
};

static int
span_word(void *arg, size_t off, size_t wlen)
{
	struct span *sp = arg;

	if (!sp->any)
		sp->first = off;
	sp->end = off + wlen;
	sp->any = 1;
	return 0;
}

static int
stop_at_first(void *arg, size_t off, size_t wlen)
{
	struct span *sp = arg;

	sp->first = off;
	sp->end = off + wlen;
	sp->any = 1;
	return 1;
}

/*
 * Trims s[0..*len) at both ends of whitespace as text_words() sees it
 * (ASCII and Unicode spaces alike: a no-break space after "CEK" is a
 * space to the citizen).
 */
static void
trim(const char **s, size_t *len)
{
	struct span sp = { 0, 0, 0 };

	text_trim(s, len);
	text_words(*s, *len, span_word, &sp);
	if (!sp.any) {
		*len = 0;
		return;
	}
	*s += sp.first;
	*len = sp.end - sp.first;
}

static struct sms_slice
slice(const char *p, size_t len)
{
	struct sms_slice sl;

	trim(&p, &len);
	sl.p = p;
	sl.len = len;
	return sl;
}

/* The length of the first word of s[0..len); s is trimmed. */
static size_t
first_word(const char *s, size_t len)
{
	struct span sp = { 0, 0, 0 };

	text_words(s, len, stop_at_first, &sp);
	return sp.any ? sp.end : 0;
}

/* strchr() alone would also find the terminator for a NUL byte. */
static int
is_glue(char c)
{
	return c != '\0' && strchr(glue, c) != NULL;
}

/* Where the first glue character is in w[0..len), or len. */
static size_t
glue_at(const char *w, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (is_glue(w[i]))
			return i;
	return len;
}

static int
has_space(const char *s, size_t len)
{
	return first_word(s, len) != len;
}

static void
set_word(struct sms_command *cmd, int e)
{
	str_copy(cmd->word, sizeof(cmd->word), words[e].word);
	cmd->lang = words[e].lang;
}

static void
clear_word(struct sms_command *cmd)
{
	cmd->word[0] = '\0';
	cmd->lang = LANG_NONE;
}

static int
count_cb(void *arg, size_t off, size_t wlen)
{
	(void)off;
	(void)wlen;
	++*(size_t *)arg;
	return 0;
}

static size_t
count_words(const char *s, size_t len)
{
	size_t n = 0;

	text_words(s, len, count_cb, &n);
	return n;
}

/*
 * Words citizens put between the command and the number: "CEK STATUS
 * 48219303", "STATUS TIKET 48219303", "CEK NO. TIKET 48219303".
 */
static const char *const fillers[] = {
	"STATUS", "TIKET", "TICKET", "NO", "NOMOR", "NOMER", "NUMBER", "ADUAN", "LAPORAN",
	"NO.TIKET",
};

static int
skip_fillers(const char **rest, size_t *rlen)
{
	char f[16];
	size_t i, w;
	int round;
	long n;

	for (round = 0; round < 3 && *rlen > 0; round++) {
		w = first_word(*rest, *rlen);
		n = text_fold_word(*rest, w, f, sizeof f);
		if (n <= 0)
			break;
		for (i = 0; i < ARRAY_LEN(fillers); i++)
			if (strcmp(fillers[i], f) == 0)
				break;
		if (i == ARRAY_LEN(fillers))
			break;
		*rest += w;
		*rlen -= w;
		trim(rest, rlen);
	}
	return round;
}

/* The language named by the first word of s: ID, INDONESIA, EN, ENGLISH, INGGRIS ... */
static enum lang
lang_word(const char *s, size_t len)
{
	static const struct {
		const char *w;
		enum lang l;
	} names[] = {
		{ "ID", LANG_ID }, { "IND", LANG_ID }, { "INDONESIA", LANG_ID },
		{ "INDONESIAN", LANG_ID }, { "INDO", LANG_ID },
		{ "EN", LANG_EN }, { "ENG", LANG_EN }, { "ENGLISH", LANG_EN },
		{ "INGGRIS", LANG_EN }, { "INGRIS", LANG_EN },
	};
	char f[16];
	size_t i, w;

	if (len == 0)
		return LANG_NONE;
	w = first_word(s, len);
	if (text_fold_word(s, w, f, sizeof f) <= 0)
		return LANG_NONE;
	for (i = 0; i < ARRAY_LEN(names); i++)
		if (strcmp(names[i].w, f) == 0)
			return names[i].l;
	return LANG_NONE;
}

/*
 * A complaint, s trimmed and non-empty.  KEYWORD#LOCATION#TEXT is the
 * structured form only when what comes before the first '#' is one word:
 * "jalan rusak #tembalang" is prose with a hashtag.
 */
static void
complaint(struct sms_command *cmd, const char *s, size_t len)
{
	const char *h1, *h2, *end = s + len;

	cmd->cmd = SMS_COMPLAINT;
	cmd->body.p = s;
	cmd->body.len = len;

	if ((h1 = memchr(s, '#', len)) == NULL)
		return;
	cmd->keyword = slice(s, (size_t)(h1 - s));
	if (cmd->keyword.len == 0 || has_space(cmd->keyword.p, cmd->keyword.len)) {
		cmd->keyword.p = NULL;
		cmd->keyword.len = 0;
		return;
	}
	cmd->structured = 1;
	h1++;
	if ((h2 = memchr(h1, '#', (size_t)(end - h1))) == NULL) {
		cmd->description = slice(h1, (size_t)(end - h1));
		return;
	}
	cmd->location = slice(h1, (size_t)(h2 - h1));
	h2++;
	cmd->description = slice(h2, (size_t)(end - h2));
}

/*
 * Trims what follows a command or prefix word, and one glue character in
 * front of it: "STATUS : 48219307" and "LAPOR # JALAN # ..." are the glued
 * forms with spaces around the glue.
 */
static void
skip_glue(const char **rest, size_t *rlen)
{
	trim(rest, rlen);
	if (*rlen > 0 && is_glue((*rest)[0])) {
		(*rest)++;
		(*rlen)--;
		trim(rest, rlen);
	}
}

/*
 * STATUS / TAMBAH / BATAL and their twins: rest is what follows the word.
 * Returns 1 when words follow that are neither a number nor a filler word
 * ("Status jalan rusak": maybe not a ticket command at all), else 0.
 */
static int
ticket_command(struct sms_command *cmd, int e, const char *rest, size_t rlen)
{
	size_t used = 0;
	int fill, after;

	cmd->cmd = words[e].cmd;
	skip_glue(&rest, &rlen);
	fill = skip_fillers(&rest, &rlen);
	skip_glue(&rest, &rlen);
	after = fill == 0 && rlen > 0;
	cmd->ticket_state = ticket_read(rest, rlen, cmd->ticket, &used);
	if (cmd->cmd != SMS_ADD)
		return after;   /* "BATAL 48219307 sudah beres": the number is enough */
	rest += used;
	rlen -= used;
	trim(&rest, &rlen);
	/* "TAMBAH 48219307: ..." or "...-sudah": the separator is not the note. */
	if (rlen > 0 && (rest[0] == ':' || rest[0] == '-' || rest[0] == ',')) {
		rest++;
		rlen--;
		trim(&rest, &rlen);
	}
	cmd->note.p = rest;
	cmd->note.len = rlen;
	return after;
}

void
sms_parse(const char *text, size_t len, struct sms_command *cmd)
{
	static const struct sms_slice none = { NULL, 0 };
	const char *s = text, *rest;
	size_t wlen, k, rlen;
	int e;

	memset(cmd, 0, sizeof(*cmd));
	cmd->cmd = SMS_HELP;
	cmd->lang = LANG_NONE;
	cmd->ticket_state = TICKET_READ_NONE;
	cmd->body = cmd->keyword = cmd->location = cmd->description = none;
	cmd->note = none;
	cmd->set_lang = LANG_NONE;

	if (s == NULL)
		len = 0;
	trim(&s, &len);
	if (len == 0)
		return;

	wlen = first_word(s, len);
	rest = s + wlen;
	if ((e = lookup(s, wlen)) == -1) {
		/*
		 * "CEK:48219307", "LAPOR#JALAN#...": the word before the glue
		 * counts as if a space followed it ("e-KTP" stays a word).
		 */
		k = glue_at(s, wlen);
		if (k > 0 && k < wlen && (e = lookup(s, k)) != -1)
			rest = s + k + 1;
	}
	rlen = len - (size_t)(rest - s);

	if (e == -1) {
		complaint(cmd, s, len);
		return;
	}
	set_word(cmd, e);
	switch (words[e].kind) {
	case W_PLAIN:
		/*
		 * "Info: ada pohon tumbang di Jl. Merdeka", "Mulai kemarin air
		 * mati", "Berhenti di tengah jalan, angkot ngetem": reports that
		 * open with an ordinary word.  A command word followed by a
		 * sentence is a complaint; "STOP kirim sms", "HELP me please"
		 * and "MULAI lagi" stay commands.
		 */
		if (count_words(rest, rlen) >= PROSE_WORDS) {
			clear_word(cmd);
			complaint(cmd, s, len);
			return;
		}
		cmd->cmd = words[e].cmd;
		return;
	case W_TICKET:
		/*
		 * No digits where the number goes, but words: "Status jalan
		 * rusak", "Cek jalan depan SD" are complaints.  A bare
		 * "STATUS" or "CEK STATUS TIKET" still asks for the number,
		 * and so does TAMBAH: "TAMBAH sudah 2 minggu" is a note whose
		 * number was forgotten, and the reply shows the right form.
		 */
		if (ticket_command(cmd, e, rest, rlen) &&
		    cmd->ticket_state == TICKET_READ_NONE &&
		    cmd->cmd != SMS_ADD) {
			memset(cmd->ticket, 0, sizeof cmd->ticket);
			cmd->note = none;
			clear_word(cmd);
			complaint(cmd, s, len);
		}
		return;
	case W_LANG:
		skip_glue(&rest, &rlen);
		cmd->set_lang = lang_word(rest, rlen);
		/* "Bahasa petugas di kantor camat kasar": a complaint, not a setting. */
		if (cmd->set_lang == LANG_NONE && count_words(rest, rlen) >= PROSE_WORDS) {
			clear_word(cmd);
			complaint(cmd, s, len);
			return;
		}
		cmd->cmd = SMS_LANG;
		return;
	case W_PREFIX:
		skip_glue(&rest, &rlen);
		if (rlen == 0) {
			cmd->cmd = SMS_HELP;    /* "LAPOR" alone: how do I report? */
			return;
		}
		complaint(cmd, rest, rlen);
		return;
	}
}
