/*
 * test_mail: email to agencies (ticket/mail.h), from the text up to the
 * outbox.  The header and body encoders are checked by decoding what they
 * wrote with decoders written here from RFC 2047 and RFC 2045 (so a bug
 * shared by encoder and decoder would have to be made twice), and by the
 * rules a mail server holds them to: no line over 78 characters, no
 * encoded-word over 75, no byte outside ASCII, no CR or LF let into a
 * header.  The config side (conf_email_check, the email group, the
 * agency keys) is loaded from strings.  The queueing side runs on a real
 * SQLite store in a mkdtemp() directory, with chosen times, so digest
 * times are checked to the second without waiting; the delivery of an
 * email row to a port nobody listens on goes through the real retry rules.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf/conf.h"
#include "net/fetch.h"
#include "outbox/deliver.h"
#include "sms/text.h"
#include "store/store.h"
#include "ticket/change.h"
#include "ticket/mail.h"
#include "ticket/tick.h"
#include "util/log.h"
#include "util/util.h"

#define PHONE           "+6281234567890"
#define PHONE_DIGITS    "81234567890"           /* what must never show */
#define MASKED          "+62812****890"
/* 2026-01-05 (a Monday) 06:30:00 in Asia/Jakarta (UTC+7): 2026-01-04T23:30:00Z. */
#define T0              INT64_C(1767569400)

/* ---- decoders written from the RFCs ----------------------------------------- */

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;      /* lower case is not what we write */
}

/* Every line (CRLF-terminated) of s at most max characters; fails the test otherwise. */
static void
assert_lines_within(const char *s, size_t max)
{
	const char *p = s, *eol;

	while (*p != '\0') {
		eol = strstr(p, "\r\n");
		assert_non_null(eol);
		if ((size_t)(eol - p) > max)
			fail_msg("line of %zu characters (max %zu): %.*s", (size_t)(eol - p), max,
			    (int)(eol - p), p);
		for (; p < eol; p++)
			if ((unsigned char)*p >= 0x80 || *p == '\r' || *p == '\n' || *p == '\0')
				fail_msg("a byte that is not 7-bit text: 0x%02x",
				    (unsigned char)*p);
		p = eol + 2;
	}
}

/* RFC 2045 decoding of a whole QP body; lines come back as CRLF.  Heap. */
static char *
qp_decode(const char *s)
{
	char *out = xmalloc(strlen(s) + 1), *o = out;
	int hi, lo;

	while (*s != '\0') {
		if (s[0] == '=' && s[1] == '\r' && s[2] == '\n') {
			s += 3;                 /* soft break */
		} else if (s[0] == '=') {
			hi = hexval(s[1]);
			lo = hi < 0 ? -1 : hexval(s[2]);
			if (lo < 0)
				fail_msg("bad QP escape at: %.10s", s);
			*o++ = (char)(hi * 16 + lo);
			s += 3;
		} else
			*o++ = *s++;
	}
	*o = '\0';
	return out;
}

/*
 * The value of header `name` in a message's header block, unfolded, with
 * RFC 2047 Q encoded-words decoded (the whitespace between two of them
 * dropped, as RFC 2047 6.2 says).  Heap; NULL when absent.  Each word must
 * be whole UTF-8 and at most 75 characters.
 */
static char *
header_value(const char *msg, const char *name)
{
	size_t nl = strlen(name);
	const char *p = msg, *eol;
	char raw[8192], *out, *o;
	size_t rl = 0;
	int found = 0;

	while (*p != '\0' && !(p[0] == '\r' && p[1] == '\n')) {
		eol = strstr(p, "\r\n");
		assert_non_null(eol);
		if (found && (*p == ' ' || *p == '\t')) {
			memcpy(raw + rl, p, (size_t)(eol - p));
			rl += (size_t)(eol - p);
		} else if (found)
			break;
		else if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			found = 1;
			memcpy(raw, p + nl + 1, (size_t)(eol - p) - nl - 1);
			rl = (size_t)(eol - p) - nl - 1;
		}
		p = eol + 2;
	}
	if (!found)
		return NULL;
	raw[rl] = '\0';
	out = o = xmalloc(rl + 1);
	p = raw;
	while (*p == ' ')
		p++;
	while (*p != '\0') {
		if (strncmp(p, "=?UTF-8?Q?", 10) == 0) {
			const char *end = strstr(p + 10, "?="), *q;
			char *word = o;

			assert_non_null(end);
			assert_true(end + 2 - p <= 75);
			for (q = p + 10; q < end; q++) {
				if (*q == '_')
					*o++ = ' ';
				else if (*q == '=') {
					*o++ = (char)(hexval(q[1]) * 16 + hexval(q[2]));
					q += 2;
				} else
					*o++ = *q;
			}
			assert_true(text_utf8_valid(word, (size_t)(o - word)));
			p = end + 2;
			/* Blanks between two encoded-words are not text. */
			if (strncmp(p + strspn(p, " \t"), "=?UTF-8?Q?", 10) == 0)
				p += strspn(p, " \t");
		} else
			*o++ = *p++;
	}
	*o = '\0';
	return out;
}

/* The body of a message (after the blank line), QP-decoded.  Heap. */
static char *
body_of(const char *msg)
{
	const char *b = strstr(msg, "\r\n\r\n");

	assert_non_null(b);
	return qp_decode(b + 4);
}

/* ---- headers ----------------------------------------------------------------- */

static char *
header(const char *name, const char *value, int *rc)
{
	struct sbuf b;

	sbuf_init(&b, 65536);
	sbuf_str(&b, "");
	*rc = ticket_mail_header(&b, name, value);
	return b.s;
}

/* Writes value as a header, checks the lines, reads it back as want. */
static void
header_reads_as(const char *value, const char *want)
{
	char *h, *back, msg[16384];
	int rc;

	h = header("Subject", value, &rc);
	assert_int_equal(rc, 0);
	assert_lines_within(h, TICKET_MAIL_LINE);
	snprintf(msg, sizeof msg, "%s\r\n", h);
	back = header_value(msg, "Subject");
	assert_non_null(back);
	assert_string_equal(back, want);
	free(back);
	free(h);
}

static void
roundtrip_header(const char *value)
{
	header_reads_as(value, value);
}

static void
test_header_ascii_stays_plain(void **state)
{
	char *h;
	int rc;

	(void)state;
	h = header("Subject", "[Aduan] Tiket baru 48219303: Jalan & jembatan", &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(h, "Subject: [Aduan] Tiket baru 48219303: Jalan & jembatan\r\n");
	free(h);
	/* Long ASCII folds at spaces, every line within 78. */
	roundtrip_header("[Aduan] Tiket baru 48219303: Lampu jalan & lalu lintas - depan pasar "
	    "Bandungan arah Sumowono, tiang ketiga dari perempatan");
}

static void
test_header_utf8_is_rfc2047(void **state)
{
	char *h;
	int rc;

	(void)state;
	h = header("Subject", "[Aduan] Tiket baru 48219303: Jalan - Jl. Diponegoro No. 5 café", &rc);
	assert_int_equal(rc, 0);
	/* Plain as long as it is plain: `aduan outbox` shows a readable Subject. */
	assert_string_equal(h, "Subject: [Aduan] Tiket baru 48219303: Jalan - Jl. Diponegoro No. 5\r\n"
	    " =?UTF-8?Q?caf=C3=A9?=\r\n");
	free(h);
	h = header("Subject", "Kafé", &rc);
	assert_string_equal(h, "Subject: =?UTF-8?Q?Kaf=C3=A9?=\r\n");
	free(h);
	/* What looks like an encoded-word is encoded, never passed on to be decoded. */
	h = header("Subject", "Tiket =?UTF-8?Q?x?=", &rc);
	assert_string_equal(h, "Subject: =?UTF-8?Q?Tiket_=3D=3FUTF-8=3FQ=3Fx=3F=3D?=\r\n");
	free(h);
	roundtrip_header("Jalan  berlubang   di depan   kafé  Ñoño,   dua  spasi");
	/* Blanks at the start are the fold's, not text (RFC 5322 unstructured). */
	header_reads_as("  awal dengan spasi, kafé", "awal dengan spasi, kafé");
	roundtrip_header("[Aduan] Tiket baru 48219303: Jalan - Jl. Diponegoro No. 5 café");
	/* Many multi-byte characters: words break between characters only. */
	roundtrip_header("Jalan rusak 🚧🚧🚧 di depan sekolah — ěščřžýáíé ĀĒĪŌŪ 日本語の文字列 "
	    "and = ? _ signs, then some more words to need a few encoded-words");
	/* One word too long to fold goes encoded, still within the lines. */
	roundtrip_header("https://aduan.example.go.id/inbox/t/48219303?filter=overdue&page=2&"
	    "sort=newest-first-and-a-little-more");
}

static void
test_header_refuses_line_breaks(void **state)
{
	static const char *const bad[] = {
		"Tiket 1\r\nBcc: someone@example.org",
		"Tiket 1\nBcc: someone@example.org",
		"Tiket 1\rBcc: someone@example.org",
		"\r\n",
		"not UTF-8: \xC3\x28",
	};
	struct sbuf b;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(bad); i++) {
		sbuf_init(&b, 4096);
		sbuf_str(&b, "Date: x\r\n");
		assert_int_equal(ticket_mail_header(&b, "Subject", bad[i]), -1);
		/* Nothing of the refused header was written. */
		assert_string_equal(b.s, "Date: x\r\n");
		free(b.s);
	}
}

/* ---- quoted-printable -------------------------------------------------------- */

/* text with its line breaks as CRLF, ending in one: what QP must give back. */
static char *
crlf_of(const char *text)
{
	struct sbuf b;
	size_t i, n = strlen(text);

	sbuf_init(&b, 1 << 20);
	sbuf_str(&b, "");
	for (i = 0; i < n; i++) {
		if (text[i] == '\r' || text[i] == '\n') {
			sbuf_str(&b, "\r\n");
			if (text[i] == '\r' && i + 1 < n && text[i + 1] == '\n')
				i++;
		} else
			sbuf_add(&b, text + i, 1);
	}
	if (n == 0 || (text[n - 1] != '\n' && text[n - 1] != '\r'))
		sbuf_str(&b, "\r\n");
	return b.s;
}

static void
roundtrip_qp(const char *text)
{
	struct sbuf b;
	char *back, *want;

	sbuf_init(&b, 1 << 20);
	ticket_mail_qp(&b, text, strlen(text));
	assert_non_null(b.s);
	assert_lines_within(b.s, 76);
	back = qp_decode(b.s);
	want = crlf_of(text);
	assert_string_equal(back, want);
	free(want);
	free(back);
	free(b.s);
}

static void
test_qp_lines_and_roundtrip(void **state)
{
	char longline[1000], *p;
	struct sbuf b;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof longline - 1; i++)
		longline[i] = (char)('a' + i % 26);
	longline[sizeof longline - 1] = '\0';
	roundtrip_qp(longline);
	/* '=' escapes and multi-byte text on a long line: no escape is split. */
	for (p = longline, i = 0; i < 150; i++) {
		memcpy(p, i % 3 ? "é" : "=", i % 3 ? 2 : 1);
		p += i % 3 ? 2 : 1;
	}
	*p = '\0';
	roundtrip_qp(longline);
	roundtrip_qp("Jalan rusak\r\nparah sekali\nsejak\rkemarin\r\n\r\nterima kasih");
	roundtrip_qp("trailing blanks \nand a tab\t\n");
	roundtrip_qp(".\n.. a line of dots\nFrom here on\nFrom");
	roundtrip_qp("");
	roundtrip_qp("🚧 emoji, ÄÖÜ, 日本");

	/* What a mail server sees: the risky line starts are encoded. */
	sbuf_init(&b, 4096);
	ticket_mail_qp(&b, ".\nFrom me\nend \n", 15);
	assert_string_equal(b.s, "=2E\r\n=46rom me\r\nend=20\r\n");
	free(b.s);
}

/* ---- addresses and the config --------------------------------------------------- */

static void
test_address_check(void **state)
{
	static const char *const good[] = {
		"pengaduan@dpupr.semarangkab.go.id", "a@b.co", "first.last+tag@example.org",
		"o'brien@example.ie", "x_y-z@sub-domain.example.com",
	};
	static const char *const bad[] = {
		"pengaduan@dpupr.go.id\r\nBcc: evil@example.org", "a@b.co\n", "a\r@b.co",
		"", "plain", "a@b", "@b.co", "a@", "a@@b.co", "a@b@c.co", ".a@b.co", "a.@b.co",
		"a..b@b.co", "a b@b.co", "Dinas <a@b.co>", "a@-b.co", "a@b-.co", "a@b..co",
		"a@[127.0.0.1]", "dinas@pemkab.go.id,other@x.co", "pengäduan@b.co", "\"q\"@b.co",
		"a@b_c.co",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@b.co", /* 65 */
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(good); i++)
		if (conf_email_check(good[i]) != NULL)
			fail_msg("'%s' refused: %s", good[i], conf_email_check(good[i]));
	for (i = 0; i < ARRAY_LEN(bad); i++)
		if (conf_email_check(bad[i]) == NULL)
			fail_msg("'%s' accepted", bad[i]);
	/* A line break is named for what it is, whatever else is wrong. */
	assert_non_null(strstr(conf_email_check("a b\r\nBcc: x@y.z"), "line break"));
}

/* The config used below, with extra text spliced in (email group, agency keys). */
static struct conf *
load(const char *email_group, const char *dpupr_keys, const char *dlh_keys, unsigned flags,
    struct conf_errors *errs)
{
	char text[8192];

	snprintf(text, sizeof text,
	    "server = { public_url = \"https://aduan.example.go.id/\"; };\n"
	    "delivery = { max_attempts = 3; backoff_initial = 10; backoff_max = 20; timeout = 2; };\n"
	    "%s\n"
	    "agencies = (\n"
	    "  { id = \"dpupr\"; name = \"Dinas Pekerjaan Umum\"; short_name = \"DPUPR\";\n"
	    "    %s },\n"
	    "  { id = \"dlh\"; name = \"Dinas Lingkungan Hidup\"; short_name = \"DLH\";\n"
	    "    %s },\n"
	    "  { id = \"diskominfo\"; name = \"Diskominfo\"; short_name = \"Diskominfo\"; } );\n"
	    "triage = \"diskominfo\";\n"
	    "regions = ( { id = \"ungaran\"; name = \"Wilayah Ungaran\"; keywords = [ \"UNGARAN\" ]; } );\n"
	    "rules = ( { keyword = \"JALAN\"; agency = \"dpupr\";\n"
	    "    label = { id = \"Jalan & jembatan\"; en = \"Roads\"; }; },\n"
	    "  { keyword = \"SAMPAH\"; agency = \"dlh\"; label = { id = \"Sampah\"; }; } );\n",
	    email_group, dpupr_keys, dlh_keys);
	return conf_load_string(text, flags, errs);
}

#define EMAIL_GROUP(port) \
	"email = { smtp_url = \"smtp://127.0.0.1:" port "\"; from = \"aduan@semarangkab.go.id\";\n" \
	"  starttls = \"off\"; timeout = 2; };"

/* The errors of a config that must not load, joined, for strstr. */
static void
expect_refused(const char *group, const char *dpupr, const char *dlh, unsigned flags,
    const char *want)
{
	struct conf_errors *errs = xcalloc(1, sizeof *errs);
	struct conf *c = load(group, dpupr, dlh, flags, errs);
	char all[8192] = "";
	int i;

	for (i = 0; i < errs->n; i++) {
		strncat(all, errs->e[i].msg, sizeof all - strlen(all) - 2);
		strncat(all, "\n", sizeof all - strlen(all) - 1);
	}
	if (c != NULL || strstr(all, want) == NULL)
		fail_msg("expected an error with '%s', got %s:\n%s", want, c ? "a config" : "",
		    all);
	conf_free(c);
	free(errs);
}

static void
test_config(void **state)
{
	struct conf_errors *errs = xcalloc(1, sizeof *errs);
	struct conf *c;

	(void)state;
	c = load("email = { smtp_url = \"smtps://smtp.example.go.id:465\";\n"
	    "  from = \"aduan@semarangkab.go.id\"; username = \"aduan\"; password = \"s3cret-pw\"; };",
	    "email = \"pengaduan@dpupr.example.go.id\"; head_email = \"kepala@dpupr.example.go.id\";",
	    "email = \"dlh@example.go.id\"; email_mode = \"digest\"; digest_hour = 16;", 0, errs);
	if (c == NULL)
		fail_msg("config refused: %s", errs->e[0].msg);
	assert_string_equal(c->email_smtp_url, "smtps://smtp.example.go.id:465");
	assert_int_equal(c->email_starttls, STARTTLS_REQUIRED);
	assert_int_equal(c->email_timeout, 30);
	assert_string_equal(c->agencies[0].email, "pengaduan@dpupr.example.go.id");
	assert_string_equal(c->agencies[0].head_email, "kepala@dpupr.example.go.id");
	assert_int_equal(c->agencies[0].email_digest, 0);
	assert_int_equal(c->agencies[1].email_digest, 1);
	assert_int_equal(c->agencies[1].digest_hour, 16);
	assert_null(c->agencies[2].email);
	assert_int_equal(c->public_url_set, 1);
	conf_free(c);
	free(errs);

	expect_refused("", "email = \"a@example.go.id\";", "", 0,
	    "email needs the top-level email group");
	expect_refused("", "", "head_email = \"a@example.go.id\";", 0,
	    "head_email needs the top-level email group");
	expect_refused(EMAIL_GROUP("25"), "email = \"a@example.go.id\\r\\nBcc: x@evil.example\";",
	    "", 0, "line break");
	expect_refused(EMAIL_GROUP("25"), "email = \"Dinas PU <a@example.go.id>\";", "", 0,
	    "plain ASCII without spaces");
	expect_refused(EMAIL_GROUP("25"), "email = \"a@example.go.id\"; email_mode = \"weekly\";",
	    "", 0, "email_mode 'weekly' is not one of: immediate, digest");
	expect_refused(EMAIL_GROUP("25"), "email = \"a@example.go.id\"; email_mode = \"digest\"; "
	    "digest_hour = 24;", "", 0, "digest_hour 24 is out of range 0..23");
	expect_refused(EMAIL_GROUP("25"), "email = \"a@example.go.id\"; digest_hour = 7;", "", 0,
	    "digest_hour is for email_mode = \"digest\"");
	expect_refused(EMAIL_GROUP("25"), "email_mode = \"digest\";", "", 0,
	    "email_mode without email or head_email");
	expect_refused("email = { smtp_url = \"http://mail.example.go.id\"; from = \"a@b.co\"; };",
	    "", "", 0, "must start with smtp://");
	expect_refused("email = { smtp_url = \"smtp://user:pw@mail.example.go.id\"; from = \"a@b.co\"; };",
	    "", "", 0, "must not hold a user name or password");
	expect_refused("email = { smtp_url = \"smtp://mail.example.go.id\"; };", "", "", 0,
	    "email.from: missing");
	expect_refused("email = { smtp_url = \"smtp://mail.example.go.id\"; from = \"a@b.co\\n\"; };",
	    "", "", 0, "line break");
	expect_refused("email = { smtp_url = \"smtp://mail.example.go.id\"; from = \"a@b.co\";\n"
	    "  password = \"s3cret-pw\"; };", "", "", 0, "email.username is missing");
	expect_refused("email = { smtp_url = \"smtp://mail.example.go.id\"; from = \"a@b.co\";\n"
	    "  starttls = \"maybe\"; };", "", "", 0, "'maybe' is not one of: required, optional, off");
	expect_refused("email = { smtp_url = \"smtp://mail.example.go.id\"; from = \"a@b.co\"; port = 25; };",
	    "", "", 0, "unknown setting 'port' in 'email'");
	/* The example's demo password: refused unless --demo. */
	expect_refused("email = { smtp_url = \"smtp://mail.example.go.id\"; from = \"a@b.co\";\n"
	    "  username = \"aduan\"; password = \"ganti-sandi-email\"; };", "", "", 0,
	    "email.password: 'ganti-sandi-email' is a demo password");
	errs = xcalloc(1, sizeof *errs);
	c = load("email = { smtp_url = \"smtp://mail.example.go.id\"; from = \"a@b.co\";\n"
	    "  username = \"aduan\"; password = \"ganti-sandi-email\"; };", "", "", CONF_DEMO, errs);
	assert_non_null(c);
	conf_free(c);
	free(errs);
}

/* ---- composing ------------------------------------------------------------------- */

static struct conf *
conf_ok(const char *group, const char *dpupr, const char *dlh)
{
	struct conf_errors *errs = xcalloc(1, sizeof *errs);
	struct conf *c = load(group, dpupr, dlh, 0, errs);
	int i;

	if (c == NULL) {
		for (i = 0; i < errs->n; i++)
			print_error("line %d: %s\n", errs->e[i].line, errs->e[i].msg);
		fail_msg("config refused");
	}
	free(errs);
	return c;
}

static void
complaint(struct store_complaint *cm, const char *ticket, const char *keyword,
    const char *agency, int64_t now)
{
	memset(cm, 0, sizeof *cm);
	str_copy(cm->ticket, sizeof cm->ticket, ticket);
	str_copy(cm->phone, sizeof cm->phone, PHONE);
	str_copy(cm->channel, sizeof cm->channel, "sms");
	str_copy(cm->keyword, sizeof cm->keyword, keyword);
	str_copy(cm->agency, sizeof cm->agency, agency);
	str_copy(cm->region, sizeof cm->region, "ungaran");
	str_copy(cm->status, sizeof cm->status, "routed");
	str_copy(cm->lang, sizeof cm->lang, "id");
	cm->location = xstrdup("Jl. Diponegoro depan kafé\r\nBcc: evil@example.org");
	cm->description = xstrdup("JALAN berlubang besar di Ungaran, bahaya. Hubungi saya di "
	    "0812-3456-7890 atau 081234567890.\n. baris yang diawali titik\nFrom pelapor");
	cm->created_at = now;
	cm->updated_at = now;
	cm->routed_at = now;
	cm->followup_due = now + 5 * 86400;
}

static void
test_compose_message(void **state)
{
	struct conf *c = conf_ok(EMAIL_GROUP("25"), "email = \"pengaduan@dpupr.example.go.id\"; "
	    "head_email = \"kepala@dpupr.example.go.id\";", "");
	const char *to[] = { "pengaduan@dpupr.example.go.id", "kepala@dpupr.example.go.id", NULL };
	struct store_complaint cm;
	char *m, *m2, *m3, *v, *body;

	(void)state;
	complaint(&cm, "48219303", "JALAN", "dpupr", T0);
	m = ticket_mail_compose(c, &cm, 0, to, "email:created:dpupr:48219303:1", T0);
	assert_non_null(m);
	assert_lines_within(m, TICKET_MAIL_LINE);
	/* Subject first (aduan outbox shows it), the citizen's line break gone. */
	assert_true(strncmp(m, "Subject: ", 9) == 0);
	v = header_value(m, "Subject");
	assert_string_equal(v, "[Aduan] Tiket baru 48219303: Jalan & jembatan - Jl. Diponegoro "
	    "depan kafé  Bcc: evil@exa...");
	free(v);
	assert_null(strstr(m, "\r\nBcc:"));
	v = header_value(m, "From");
	assert_string_equal(v, "Aduan <aduan@semarangkab.go.id>");
	free(v);
	v = header_value(m, "To");
	assert_string_equal(v, "pengaduan@dpupr.example.go.id, kepala@dpupr.example.go.id");
	free(v);
	v = header_value(m, "Content-Type");
	assert_string_equal(v, "text/plain; charset=UTF-8");
	free(v);
	v = header_value(m, "Content-Transfer-Encoding");
	assert_string_equal(v, "quoted-printable");
	free(v);
	v = header_value(m, "MIME-Version");
	assert_string_equal(v, "1.0");
	free(v);
	v = header_value(m, "Date");
	/* 2026-01-05 06:30:00 in UTC+7 */
	assert_string_equal(v, "Mon, 05 Jan 2026 06:30:00 +0700");
	free(v);
	v = header_value(m, "Message-ID");
	assert_non_null(v);
	assert_int_equal(strlen(v), 1 + 32 + 1 + strlen("semarangkab.go.id") + 1);
	assert_non_null(strstr(v, "@semarangkab.go.id>"));
	free(v);

	body = body_of(m);
	assert_non_null(strstr(body, "Nomor tiket / Ticket:   48219303\r\n"));
	assert_non_null(strstr(body, "Jalan & jembatan (JALAN)"));
	assert_non_null(strstr(body, "Wilayah Ungaran"));
	assert_non_null(strstr(body, "Pelapor / Reporter:     " MASKED " (sms)"));
	assert_non_null(strstr(body, "https://aduan.example.go.id/inbox/t/48219303\r\n"));
	assert_non_null(strstr(body, "\r\n. baris yang diawali titik\r\nFrom pelapor\r\n"));
	assert_non_null(strstr(body, "Diterima / Received:    05/01/2026 06:30 +0700"));
	/* No full phone number anywhere, decoded or not, however it was typed. */
	assert_null(strstr(body, PHONE_DIGITS));
	assert_null(strstr(body, "3456-7890"));
	assert_null(strstr(m, PHONE_DIGITS));
	free(body);

	/* A retry is the same message; another row is another Message-ID. */
	m2 = ticket_mail_compose(c, &cm, 0, to, "email:created:dpupr:48219303:1", T0);
	assert_string_equal(m, m2);
	m3 = ticket_mail_compose(c, &cm, 1, to, "email:overdue:dpupr:48219303:9", T0);
	v = header_value(m3, "Subject");
	assert_string_equal(v, "[Aduan] Terlambat: tiket 48219303 (Jalan & jembatan)");
	free(v);
	v = header_value(m, "Message-ID");
	{
		char *v3 = header_value(m3, "Message-ID");

		assert_string_not_equal(v, v3);
		free(v3);
	}
	free(v);
	free(m3);
	free(m2);
	free(m);
	store_complaint_clear(&cm);
	conf_free(c);
}

static void
test_compose_without_public_url(void **state)
{
	struct conf_errors *errs = xcalloc(1, sizeof *errs);
	const char *to[] = { "pengaduan@dpupr.example.go.id", NULL };
	char text[2048], *m, *body;
	struct store_complaint cm;
	struct conf *c;

	(void)state;
	snprintf(text, sizeof text, "%s\n"
	    "agencies = ( { id = \"dpupr\"; name = \"Dinas PU\"; short_name = \"DPUPR\";\n"
	    "    email = \"pengaduan@dpupr.example.go.id\"; } );\n"
	    "triage = \"dpupr\";\n"
	    "rules = ( { keyword = \"JALAN\"; agency = \"dpupr\"; label = { id = \"Jalan\"; }; } );\n",
	    EMAIL_GROUP("25"));
	c = conf_load_string(text, 0, errs);
	if (c == NULL)
		fail_msg("config refused: line %d: %s", errs->e[0].line, errs->e[0].msg);
	assert_int_equal(c->public_url_set, 0);
	complaint(&cm, "48219303", "", "dpupr", T0);
	m = ticket_mail_compose(c, &cm, 0, to, "k", T0);
	assert_non_null(m);
	body = body_of(m);
	assert_null(strstr(body, "/inbox/t/"));
	assert_null(strstr(body, "127.0.0.1"));
	assert_non_null(strstr(body, "server.public_url is not set"));
	assert_non_null(strstr(body, "perlu dipilah / to be sorted"));
	free(body);
	free(m);
	store_complaint_clear(&cm);
	conf_free(c);
	free(errs);
}

static void
test_digest_time(void **state)
{
	(void)state;
	/* 06:30 -> 07:00 the same day; 07:00 sharp -> the next day; 23:59 -> tomorrow. */
	assert_int_equal(ticket_mail_digest_at(T0, 7), T0 + 1800);
	assert_int_equal(ticket_mail_digest_at(T0 + 1800, 7), T0 + 1800 + 86400);
	assert_int_equal(ticket_mail_digest_at(T0 + 1799, 7), T0 + 1800);
	assert_int_equal(ticket_mail_digest_at(T0, 0), T0 + 17 * 3600 + 1800);
	assert_int_equal(ticket_mail_digest_at(T0, 23), T0 + 16 * 3600 + 1800);
	assert_int_equal(ticket_mail_digest_at(T0, 6), T0 - 1800 + 86400);
}

/* ---- queueing on a real store ---------------------------------------------------- */

struct fx {
	char dir[64];
	struct store *s;
	struct conf *c;
};

static const struct store_options opts = { .sync_full = 0, .busy_timeout_ms = 2000 };

static int
setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof *f);
	char path[128], err[256];

	log_set_level(LOG_LEVEL_ERROR);
	snprintf(f->dir, sizeof f->dir, "/tmp/aduan-mail-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(path, sizeof path, "%s/aduan.db", f->dir);
	if ((f->s = store_open(path, &opts, err, sizeof err)) == NULL) {
		print_error("store_open %s: %s\n", path, err);
		return -1;
	}
	/* Port 9 (discard): nobody listens on loopback, so a send fails at once. */
	f->c = conf_ok(EMAIL_GROUP("9"),
	    "email = \"pengaduan@dpupr.example.go.id\"; head_email = \"kepala@dpupr.example.go.id\";",
	    "email = \"dlh@example.go.id\"; head_email = \"kepala@dlh.example.go.id\"; "
	    "email_mode = \"digest\"; digest_hour = 7;");
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char p[512];
	struct dirent *de;
	DIR *d;

	store_close(f->s);
	conf_free(f->c);
	if ((d = opendir(f->dir)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(p, sizeof p, "%s/%s", f->dir, de->d_name);
			unlink(p);
		}
		closedir(d);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

/* A stored complaint for agency `agency`. */
static void
stored(struct fx *f, struct store_complaint *cm, const char *ticket, const char *keyword,
    const char *agency, int64_t now)
{
	complaint(cm, ticket, keyword, agency, now);
	assert_int_equal(store_complaint_add(f->s, cm), 0);
}

struct rows {
	int n;
	struct store_outbox_row r[16];
};

static void
collect(void *arg, const struct store_outbox_row *r)
{
	struct rows *rs = arg;

	if (strcmp(r->kind, "email") != 0 || rs->n == 16)
		return;
	rs->r[rs->n] = *r;
	rs->r[rs->n].body = xstrdup(r->body);
	rs->n++;
}

/* The email rows, newest first. */
static void
emails(struct fx *f, struct rows *rs)
{
	memset(rs, 0, sizeof *rs);
	assert_int_equal(store_outbox_each(f->s, NULL, 100, collect, rs), 0);
}

static void
rows_clear(struct rows *rs)
{
	int i;

	for (i = 0; i < rs->n; i++)
		store_outbox_row_clear(&rs->r[i]);
}

static void
test_immediate_created_and_overdue(void **state)
{
	struct fx *f = *state;
	struct store_complaint cm;
	struct rows rs;
	char *v;

	stored(f, &cm, "48219303", "JALAN", "dpupr", T0);
	/* Through the hook the intake calls: the webhook's and the email's. */
	assert_true(ticket_queue_created(f->c, f->s, &cm, T0) >= 0);
	emails(f, &rs);
	assert_int_equal(rs.n, 1);
	assert_string_equal(rs.r[0].recipient, "dpupr");
	assert_string_equal(rs.r[0].state, "pending");
	assert_int_equal(rs.r[0].next_attempt_at, T0);
	assert_int_equal(rs.r[0].complaint_id, cm.id);
	assert_string_equal(rs.r[0].idem_key, "email:created:dpupr:48219303:1767569400");
	v = header_value(rs.r[0].body, "To");
	assert_string_equal(v, "pengaduan@dpupr.example.go.id");
	free(v);
	rows_clear(&rs);

	/* Overdue: to the agency and its head, once per stage. */
	assert_int_equal(ticket_mail_overdue(f->c, f->s, &cm, T0 + 6 * 86400), 1);
	assert_int_equal(ticket_mail_overdue(f->c, f->s, &cm, T0 + 6 * 86400 + 5), 0);
	emails(f, &rs);
	assert_int_equal(rs.n, 2);
	v = header_value(rs.r[0].body, "To");
	assert_string_equal(v, "pengaduan@dpupr.example.go.id, kepala@dpupr.example.go.id");
	free(v);
	v = header_value(rs.r[0].body, "Subject");
	assert_non_null(strstr(v, "Terlambat"));
	free(v);
	rows_clear(&rs);
	store_complaint_clear(&cm);
}

static void
test_digest_collects_until_its_hour(void **state)
{
	struct fx *f = *state;
	struct store_complaint a, b, d;
	int64_t at = T0 + 1800;         /* 07:00 local */
	struct rows rs;
	char *v, *body;

	stored(f, &a, "11111118", "SAMPAH", "dlh", T0);
	stored(f, &b, "22222226", "SAMPAH", "dlh", T0 + 60);
	assert_int_equal(ticket_mail_created(f->c, f->s, &a, T0), 1);
	assert_int_equal(ticket_mail_created(f->c, f->s, &b, T0 + 60), 1);
	/* One row, due at 07:00, holding both. */
	emails(f, &rs);
	assert_int_equal(rs.n, 1);
	assert_int_equal(rs.r[0].next_attempt_at, at);
	assert_int_equal(rs.r[0].complaint_id, 0);
	assert_lines_within(rs.r[0].body, TICKET_MAIL_LINE);
	v = header_value(rs.r[0].body, "Subject");
	assert_string_equal(v, "[Aduan] Ringkasan harian DLH 05/01/2026");
	free(v);
	v = header_value(rs.r[0].body, "Date");
	assert_string_equal(v, "Mon, 05 Jan 2026 07:00:00 +0700");
	free(v);
	v = header_value(rs.r[0].body, "To");
	assert_string_equal(v, "dlh@example.go.id");
	free(v);
	assert_null(header_value(rs.r[0].body, "X-Aduan-Ticket"));
	body = body_of(rs.r[0].body);
	assert_non_null(strstr(body, "== BARU / NEW: 11111118 =="));
	assert_non_null(strstr(body, "== BARU / NEW: 22222226 =="));
	assert_non_null(strstr(body, "/inbox/t/22222226"));
	assert_null(strstr(body, PHONE_DIGITS));
	free(body);
	rows_clear(&rs);

	/* Not before its hour: a delivery pass at 06:59:59 attempts nothing. */
	assert_int_equal(deliver_run_once(f->c, f->s, at - 1), 0);

	/* An overdue ticket: the agency's digest and the head's own. */
	stored(f, &d, "33333334", "SAMPAH", "dlh", T0 - 7 * 86400);
	d.followup_due = T0 - 86400;
	assert_int_equal(ticket_mail_overdue(f->c, f->s, &d, T0 + 120), 1);
	emails(f, &rs);
	assert_int_equal(rs.n, 2);
	v = header_value(rs.r[0].body, "To");
	assert_string_equal(v, "kepala@dlh.example.go.id");
	free(v);
	v = header_value(rs.r[0].body, "Subject");
	assert_string_equal(v, "[Aduan] Ringkasan harian pimpinan DLH 05/01/2026");
	free(v);
	body = body_of(rs.r[0].body);
	assert_non_null(strstr(body, "== TERLAMBAT / OVERDUE: 33333334 =="));
	assert_null(strstr(body, "11111118"));
	free(body);
	body = body_of(rs.r[1].body);
	assert_non_null(strstr(body, "== TERLAMBAT / OVERDUE: 33333334 =="));
	free(body);
	rows_clear(&rs);

	/* After 07:00 the next ticket waits for tomorrow's digest. */
	assert_int_equal(ticket_mail_created(f->c, f->s, &a, at), 1);
	emails(f, &rs);
	assert_int_equal(rs.n, 3);
	assert_int_equal(rs.r[0].next_attempt_at, at + 86400);
	rows_clear(&rs);

	/* An agency with no email and nothing pending: no email, no row. */
	{
		struct store_complaint t;

		stored(f, &t, "44444442", "", "diskominfo", T0);
		assert_int_equal(ticket_mail_created(f->c, f->s, &t, T0), 0);
		assert_int_equal(ticket_mail_overdue(f->c, f->s, &t, T0), 0);
		store_complaint_clear(&t);
	}
	store_complaint_clear(&a);
	store_complaint_clear(&b);
	store_complaint_clear(&d);
}

/* The hooks: triage re-routing a ticket, and the service-level tick. */
static void
test_reroute_and_tick(void **state)
{
	struct fx *f = *state;
	struct store_complaint cm;
	struct rows rs;
	char err[256], *v;
	int64_t later;

	complaint(&cm, "55555551", "", "diskominfo", T0);
	str_copy(cm.status, sizeof cm.status, "received");
	cm.routed_at = cm.followup_due = 0;
	cm.route_due = T0 + 3 * 86400;
	assert_int_equal(store_complaint_add(f->s, &cm), 0);
	assert_int_equal(ticket_queue_created(f->c, f->s, &cm, T0), 0);
	emails(f, &rs);
	assert_int_equal(rs.n, 0);      /* triage has no email */
	assert_int_equal(ticket_apply(f->c, f->s, &cm, "diskominfo", "routed", NULL, "dpupr",
	    T0 + 60, err, sizeof err), 0);
	emails(f, &rs);
	assert_int_equal(rs.n, 1);
	assert_string_equal(rs.r[0].idem_key, "email:created:dpupr:55555551:1767569460");
	v = header_value(rs.r[0].body, "Subject");
	assert_string_equal(v, "[Aduan] Tiket baru 55555551: perlu dipilah - Jl. Diponegoro "
	    "depan kafé  Bcc: evil@exa...");
	free(v);
	rows_clear(&rs);

	/* Past its follow-up date: the tick's reminder, once, to both addresses. */
	later = cm.followup_due + 60;
	assert_int_equal(ticket_sla_tick(f->c, NULL, f->s, NULL, later), 1);
	assert_int_equal(ticket_sla_tick(f->c, NULL, f->s, NULL, later + 5), 0);
	emails(f, &rs);
	assert_int_equal(rs.n, 2);
	v = header_value(rs.r[0].body, "To");
	assert_string_equal(v, "pengaduan@dpupr.example.go.id, kepala@dpupr.example.go.id");
	free(v);
	rows_clear(&rs);
	store_complaint_clear(&cm);
}

static void
test_smtp_down_retries_then_dead(void **state)
{
	struct fx *f = *state;
	struct store_complaint cm;
	struct rows rs;
	int64_t t = T0;
	int i;

	stored(f, &cm, "48219303", "JALAN", "dpupr", T0);
	assert_int_equal(ticket_mail_created(f->c, f->s, &cm, T0), 1);
	for (i = 1; i <= 3; i++) {
		assert_int_equal(deliver_run_once(f->c, f->s, t), 1);
		emails(f, &rs);
		assert_int_equal(rs.r[0].attempts, i);
		assert_string_equal(rs.r[0].state, i < 3 ? "pending" : "dead");
		assert_true(strlen(rs.r[0].last_error) > 0);
		t = rs.r[0].next_attempt_at;
		rows_clear(&rs);
	}
	assert_int_equal(store_outbox_count(f->s, "dead"), 1);
	store_complaint_clear(&cm);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_ascii_stays_plain),
		cmocka_unit_test(test_header_utf8_is_rfc2047),
		cmocka_unit_test(test_header_refuses_line_breaks),
		cmocka_unit_test(test_qp_lines_and_roundtrip),
		cmocka_unit_test(test_address_check),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_compose_message),
		cmocka_unit_test(test_compose_without_public_url),
		cmocka_unit_test(test_digest_time),
		cmocka_unit_test_setup_teardown(test_immediate_created_and_overdue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_digest_collects_until_its_hour, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reroute_and_tick, setup, teardown),
		cmocka_unit_test_setup_teardown(test_smtp_down_retries_then_dead, setup, teardown),
	};

	/* Dates in the tests are Jakarta's, whatever the machine's zone. */
	setenv("TZ", "Asia/Jakarta", 1);
	tzset();
	if (fetch_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
