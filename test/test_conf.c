/*
 * test_conf: the config loader as an operator meets it.  The bundled
 * example must load clean; every mistake must be reported with its line,
 * all of them at once; defaults, folding, reply templates and rendering
 * must be what routing and the replies rely on.
 *
 * Configs are literal strings (conf_load_string) so each test shows the
 * text it judges; the line numbers in the assertions count its lines.
 * File cases use the fixtures in test/conf/, found from the repo root (the cwd under
 * make) or $ADUAN_SRCDIR.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/conf.h"
#include "util/addr.h"
#include "sms/lang.h"

/* Lines 1-3: two agencies and the triage agency. */
#define AGENCIES \
	"agencies = ( { id = \"dpupr\"; name = \"Dinas PU\"; short_name = \"DPUPR\"; },\n" \
	"  { id = \"diskominfo\"; name = \"Diskominfo\"; short_name = \"Diskominfo\"; } );\n" \
	"triage = \"diskominfo\";\n"
/* Lines 4-5: one rule. */
#define RULE \
	"rules = ( { keyword = \"JALAN\"; agency = \"dpupr\";\n" \
	"  label = { id = \"Jalan\"; }; } );\n"
/* Lines 1-5: the smallest valid config; tests append from line 6. */
#define BASE AGENCIES RULE

static struct conf_errors errs;

static void
dump_errors(const struct conf_errors *e)
{
	int i;

	for (i = 0; i < e->n; i++)
		print_message("    line %d: %s\n", e->e[i].line, e->e[i].msg);
	if (e->dropped)
		print_message("    (%d more)\n", e->dropped);
}

/* Fails unless some error is on `line` and contains `text`. */
static void
expect_error(const struct conf_errors *e, int line, const char *text)
{
	int i;

	for (i = 0; i < e->n; i++)
		if (e->e[i].line == line && strstr(e->e[i].msg, text) != NULL)
			return;
	print_message("no error at line %d containing \"%s\"; got:\n", line, text);
	dump_errors(e);
	fail();
}

/* Loads text that must be refused; errs holds the errors afterwards. */
static void
load_bad(const char *text)
{
	struct conf *c = conf_load_string(text, 0, &errs);

	if (c != NULL) {
		conf_free(c);
		fail_msg("config was accepted but should not be:\n%s", text);
	}
	assert_true(errs.n > 0);
}

static struct conf *
load_good(const char *text)
{
	struct conf *c = conf_load_string(text, 0, &errs);

	if (c == NULL) {
		print_message("config refused:\n");
		dump_errors(&errs);
		fail();
	}
	assert_int_equal(errs.n, 0);
	assert_int_equal(errs.dropped, 0);
	return c;
}

static const char *
src_path(const char *rel, char *buf, size_t bufsz)
{
	const char *dir = getenv("ADUAN_SRCDIR");

	(void)snprintf(buf, bufsz, "%s/%s", dir != NULL && *dir ? dir : ".", rel);
	return buf;
}

static long
rule_find(const struct conf *c, const char *keyword)
{
	size_t i;

	for (i = 0; i < c->nrules; i++)
		if (strcmp(c->rules[i].keyword, keyword) == 0)
			return (long)i;
	return -1;
}

static int
has_word(char **words, size_t n, const char *w)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(words[i], w) == 0)
			return 1;
	return 0;
}

/* Fails unless some error, on any line, contains `text`. */
static void
expect_error_anywhere(const struct conf_errors *e, const char *text)
{
	int i;

	for (i = 0; i < e->n; i++)
		if (e->e[i].line > 0 && strstr(e->e[i].msg, text) != NULL)
			return;
	print_message("no error containing \"%s\"; got:\n", text);
	dump_errors(e);
	fail();
}

/* ---- the demo secrets and tokens of the example and README ---- */

/*
 * One of each kind of published demo value, in every kind of setting that
 * takes a secret.  Lines 1-16.
 */
#define DEMO_CONF \
	"agencies = ( { id = \"dpupr\"; name = \"Dinas PU\"; short_name = \"DPUPR\";\n" \
	"  webhook = \"https://example.go.id/hook\"; webhook_secret = \"ganti-rahasia-webhook-dpupr\";\n" \
	"  token_sha256 = \"742f68a37c533b3b5cfaf5c209bab354be4d21be6890a2e1e459bb7e8a20b06e\"; },\n" \
	"  { id = \"diskominfo\"; name = \"Diskominfo\"; short_name = \"Diskominfo\";\n" \
	"  token_sha256 = \"d183b9340f93f4cfec0f6c56abf2974f4d518f48f4ec912adc02220ef1f74709\"; } );\n" \
	"triage = \"diskominfo\";\n" \
	RULE \
	"gateways = { kannel = { secret = \"ganti-rahasia-kannel\"; };\n" \
	"  africastalking = { secret = \"ganti-rahasia-ussd\"; };\n" \
	"  vonage = { secret = \"ganti-rahasia-vonage\"; };\n" \
	"  infobip = { secret = \"ganti-rahasia-infobip\"; };\n" \
	"  generic = { secret = \"ganti-rahasia-generic\"; };\n" \
	"  twilio = { auth_token = \"token-akun-twilio-anda\"; url = \"https://example.go.id/twilio/sms\"; }; };\n" \
	"sms_sender = { type = \"kannel\"; url = \"http://127.0.0.1:13013/cgi-bin/sendsms\";\n" \
	"  username = \"aduan\"; password = \"ganti-sandi-sendsms\"; };\n"

/*
 * Without demo mode every published value is an error at its own line,
 * naming the setting and saying how to make a real one.
 */
static void
test_demo_values_refused(void **state)
{
	(void)state;
	load_bad(DEMO_CONF);
	expect_error(&errs, 2, "agencies[dpupr].webhook_secret: 'ganti-rahasia-webhook-dpupr' "
	    "is a demo secret");
	expect_error(&errs, 3, "agencies[dpupr].token_sha256: is the SHA-256 of the demo "
	    "token 'demo-token-dpupr-ganti'");
	expect_error(&errs, 5, "agencies[diskominfo].token_sha256: is the SHA-256 of the "
	    "demo token 'demo-token-diskominfo-ganti'");
	expect_error(&errs, 5, "printf %s TOKEN | sha256sum");
	expect_error(&errs, 9, "gateways.kannel.secret: 'ganti-rahasia-kannel' is a demo secret");
	expect_error(&errs, 9, "openssl rand -hex 16");
	expect_error(&errs, 9, "--demo");
	expect_error(&errs, 10, "gateways.africastalking.secret: 'ganti-rahasia-ussd'");
	expect_error(&errs, 11, "gateways.vonage.secret");
	expect_error(&errs, 12, "gateways.infobip.secret");
	expect_error(&errs, 13, "gateways.generic.secret");
	expect_error(&errs, 14, "gateways.twilio.auth_token: 'token-akun-twilio-anda'");
	expect_error(&errs, 16, "sms_sender.password: 'ganti-sandi-sendsms' is a demo password");
	assert_int_equal(errs.n, 10);
}

/* With CONF_DEMO (aduan --demo) the same text loads, values as written. */
static void
test_demo_values_accepted_in_demo_mode(void **state)
{
	struct conf *c;

	(void)state;
	c = conf_load_string(DEMO_CONF, CONF_DEMO, &errs);
	if (c == NULL)
		dump_errors(&errs);
	assert_non_null(c);
	assert_string_equal(c->kannel_secret, "ganti-rahasia-kannel");
	assert_string_equal(c->agencies[0].webhook_secret, "ganti-rahasia-webhook-dpupr");
	conf_free(c);
}

/*
 * Matched by value, not by setting: the demo secret of one gateway pasted
 * into another, or a webhook secret for an agency the example has none
 * for, is as public.
 */
static void
test_demo_values_matched_by_value(void **state)
{
	(void)state;
	load_bad(BASE
	    "gateways = { vonage = { secret = \"ganti-rahasia-kannel\"; }; };\n");
	expect_error(&errs, 6, "gateways.vonage.secret: 'ganti-rahasia-kannel' is a demo secret");
	assert_int_equal(errs.n, 1);
	load_bad("agencies = ( { id = \"dlh\"; name = \"DLH\"; short_name = \"DLH\";\n"
	    "  webhook = \"https://dlh.example.go.id/hook\";\n"
	    "  webhook_secret = \"ganti-rahasia-webhook-dlh\"; } );\n"
	    "triage = \"dlh\";\n"
	    "rules = ( { keyword = \"SAMPAH\"; agency = \"dlh\"; label = { id = \"Sampah\"; }; } );\n");
	expect_error(&errs, 3, "agencies[dlh].webhook_secret");
	assert_int_equal(errs.n, 1);
}

/* The example config itself needs --demo: it ships with the demo values. */
static void
test_example_needs_demo_mode(void **state)
{
	char path[4096];

	(void)state;
	assert_null(conf_load_file(src_path("conf/aduan.conf", path, sizeof(path)), 0, &errs));
	expect_error_anywhere(&errs, "gateways.kannel.secret: 'ganti-rahasia-kannel'");
	expect_error_anywhere(&errs, "gateways.africastalking.secret: 'ganti-rahasia-ussd'");
	expect_error_anywhere(&errs, "sms_sender.password: 'ganti-sandi-sendsms'");
	expect_error_anywhere(&errs, "agencies[diskominfo].token_sha256");
	expect_error_anywhere(&errs, "agencies[dpupr].token_sha256");
}

/*
 * Two agencies with one token: the API would let the second read the
 * first's tickets.  Refused, naming both agencies and both lines.
 */
static void
test_token_shared_by_two_agencies(void **state)
{
	(void)state;
	load_bad("agencies = ( { id = \"dpupr\"; name = \"Dinas PU\"; short_name = \"DPUPR\";\n"
	    "  token_sha256 = \"5a1c7e6fbd0e2cb3d14f8e5c2b0b1e2d3c4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b\"; },\n"
	    "  { id = \"diskominfo\"; name = \"Diskominfo\"; short_name = \"Diskominfo\";\n"
	    "  token_sha256 = \"5a1c7e6fbd0e2cb3d14f8e5c2b0b1e2d3c4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b\"; } );\n"
	    "triage = \"diskominfo\";\n"
	    RULE);
	expect_error(&errs, 4, "agency diskominfo (Diskominfo): token_sha256 is the same as "
	    "that of agency dpupr (Dinas PU) at line 2");
	assert_int_equal(errs.n, 1);
}

/* ---- the bundled example and the fixtures ---- */

static void
test_example_config(void **state)
{
	char path[4096];
	struct conf *c;
	long r;
	size_t i;

	(void)state;
	c = conf_load_file(src_path("conf/aduan.conf", path, sizeof(path)), CONF_DEMO,
	    &errs);
	if (c == NULL)
		dump_errors(&errs);
	assert_non_null(c);
	assert_int_equal(errs.n, 0);
	assert_true(c->nagencies >= 10);
	assert_string_equal(c->agencies[c->triage].id, "diskominfo");
	assert_int_equal(c->nregions, 2);
	assert_true(c->nrules >= 8);
	assert_string_equal(c->short_code, "1708");
	assert_non_null(c->kannel_secret);
	assert_string_equal(c->listen, "127.0.0.1");
	assert_int_equal(c->port, 8080);
	assert_string_equal(c->database, "aduan.db");

	assert_true((r = rule_find(c, "JALAN")) >= 0);
	assert_true(has_word(c->rules[r].aliases, c->rules[r].naliases, "JLN"));
	assert_true(c->rules[r].nregional == 2);
	assert_true((r = rule_find(c, "LISTRIK")) >= 0);
	assert_true(has_word(c->rules[r].aliases, c->rules[r].naliases, "MATI LAMPU"));
	assert_true((r = rule_find(c, "KTP")) >= 0);
	assert_true(has_word(c->rules[r].aliases, c->rules[r].naliases, "E-KTP"));
	/* "JL" would match every address ("Jl. Pemuda"). */
	for (i = 0; i < c->nrules; i++) {
		assert_false(has_word(c->rules[i].aliases, c->rules[i].naliases, "JL"));
		assert_non_null(c->rules[i].label[LANG_ID]);
		assert_non_null(c->rules[i].label[LANG_EN]);
	}
	conf_free(c);
}

static void
test_good_fixture(void **state)
{
	char path[4096];
	struct conf *c;

	(void)state;
	c = conf_load_file(src_path("test/conf/good.conf", path, sizeof(path)), 0,
	    &errs);
	if (c == NULL)
		dump_errors(&errs);
	assert_non_null(c);
	assert_string_equal(c->path, path);
	assert_string_equal(c->listen, "::1");
	assert_int_equal(c->port, 8081);
	assert_int_equal(c->threads, 2);
	assert_int_equal(c->max_body, 8192);
	assert_string_equal(c->database, "/var/lib/aduan/aduan.db");
	assert_int_equal(c->sync_full, 0);
	assert_int_equal(c->busy_timeout_ms, 500);
	assert_int_equal(c->default_lang, LANG_EN);
	assert_int_equal(c->max_text, 2000);
	assert_string_equal(c->log_level, "debug");
	assert_string_equal(c->kannel_secret, "0123456789abcdef");
	assert_int_equal(c->nagencies, 3);
	assert_int_equal(c->nregions, 1);
	assert_string_equal(c->regions[0].keywords[1], "BANYUBIRU");
	assert_int_equal(c->nrules, 1);
	assert_string_equal(c->rules[0].keyword, "JALAN");
	assert_string_equal(c->rules[0].aliases[1], "LAMPU JALAN");
	assert_string_equal(c->rules[0].aliases_en[0], "ROAD");
	assert_int_equal(c->rules[0].nregional, 1);
	assert_int_equal(c->rules[0].regional[0].region, 0);
	assert_int_equal(c->rules[0].regional[0].agency, 2);
	assert_string_equal(c->replies[LANG_EN][REPLY_ST_RESOLVED], "fixed");
	conf_free(c);
}

static void
test_spellings_and_routing(void **state)
{
	struct conf *c;

	(void)state;
	c = load_good(BASE
	    "routing = { stemming = false; dictionary = \"/tmp/none\"; };\n"
	    "spellings = { yg = \"yang\"; JLN = \"Jalan\"; skt = \"sakit\"; };\n");
	assert_int_equal(c->routing_stemming, 0);
	assert_string_equal(c->routing_dictionary, "/tmp/none");
	assert_int_equal(c->nspellings, 3);
	/* folded and sorted by spelling */
	assert_string_equal(c->spellings[0].from, "JLN");
	assert_string_equal(c->spellings[0].to, "JALAN");
	assert_int_equal(c->spellings[0].line, 7);
	assert_string_equal(c->spellings[2].from, "YG");
	conf_free(c);

	/* the defaults: stems on, Debian's Indonesian dictionary, no spellings */
	c = load_good(BASE);
	assert_int_equal(c->routing_stemming, 1);
	assert_string_equal(c->routing_dictionary, "/usr/share/hunspell/id_ID");
	assert_int_equal(c->nspellings, 0);
	conf_free(c);

	load_bad(BASE
	    "spellings = {\n"
	    "  cek2 = \"status\";\n"
	    "  kosong = \"\";\n"
	    "  yg = \"yang\";\n"
	    "  YG = \"yang\";\n"
	    "  dua = \"dua kata\";\n"
	    "  sama = \"SAMA\";\n"
	    "  angka = 3;\n"
	    "};\n"
	    "routing = { stemming = 1; };\n");
	expect_error(&errs, 7, "spellings.cek2: 'STATUS' is a command word");
	expect_error(&errs, 8, "spellings.kosong: '' is empty");
	expect_error(&errs, 10, "spellings: 'YG' is given twice (first at line 9)");
	expect_error(&errs, 11, "spellings.dua: 'dua kata' must be one word");
	expect_error(&errs, 12, "spellings.sama: stands for itself");
	expect_error(&errs, 13, "spellings.angka: must be a string");
	expect_error(&errs, 15, "routing.stemming: must be true or false");
}

static void
test_bad_many_fixture(void **state)
{
	char path[4096];
	int i;

	(void)state;
	assert_null(conf_load_file(src_path("test/conf/bad-many.conf", path,
	    sizeof(path)), 0, &errs));
	expect_error(&errs, 4, "server.port: 70000 is out of range 1..65535");
	expect_error(&errs, 5, "unknown setting 'lisen' in 'server'");
	expect_error(&errs, 7, "store.synchronous: 'fast' is not one of: full, normal");
	expect_error(&errs, 8, "sms.short_code: '17-08'");
	expect_error(&errs, 8, "sms.max_text: 100 is out of range");
	expect_error(&errs, 9, "log_level: 'verbose'");
	expect_error(&errs, 10, "unknown setting 'nexmo' in 'gateways'");
	expect_error(&errs, 10, "gateways.kannel.secret: must be at least 12");
	expect_error(&errs, 13, "id 'DLH' must be");
	expect_error(&errs, 13, "longer than 24 characters");
	expect_error(&errs, 14, "id 'dpupr' is already used by the agency at line 12");
	expect_error(&errs, 14, "unknown setting 'fax'");
	expect_error(&errs, 14, "name must not be empty");
	expect_error(&errs, 16, "triage: unknown agency 'diskominfo'");
	expect_error(&errs, 19, "'JAMBU' (line 19) is also in region ambarawa (line 18)");
	expect_error(&errs, 23, "at most three words");
	expect_error(&errs, 23, "'JLN' (line 23) is given twice in this rule");
	expect_error(&errs, 24, "rule JALAN: unknown agency 'dpu'");
	expect_error(&errs, 26, "unknown region 'semarang'");
	expect_error(&errs, 28, "'CEK' is a command word");
	expect_error(&errs, 29, "'AMBARAWA' (line 29) is also in region ambarawa (line 18)");
	expect_error(&errs, 31, "rule CEK: label.id is missing");
	expect_error(&errs, 35, "replies.id.recieved: unknown template");
	expect_error(&errs, 35, "placeholder {note} is not allowed");
	expect_error(&errs, 36, "unknown setting 'fr' in 'replies'");
	/* status is overridden in Indonesian only. */
	expect_error(&errs, 35, "replies.id.status: set, but replies.en.status is not");
	assert_int_equal(errs.n, 26);
	/* Reported in file order, as aduan check prints them. */
	for (i = 1; i < errs.n; i++)
		assert_true(errs.e[i - 1].line <= errs.e[i].line);
}

static void
test_include(void **state)
{
	char path[4096];

	(void)state;
	/* @include is relative to the including file; errors name the file. */
	assert_null(conf_load_file(src_path("test/conf/include.conf", path,
	    sizeof(path)), 0, &errs));
	expect_error(&errs, 3, "rule JALAN: unknown agency 'dpu' (in include-rules.conf)");
	expect_error(&errs, 4, "alias 'AMBARAWA' (line 4) is also in region ambarawa (line 4 of ");
	assert_int_equal(errs.n, 2);
}

static void
test_unreadable_file(void **state)
{
	char path[4096];

	(void)state;
	assert_null(conf_load_file("/nonexistent/aduan.conf", 0, &errs));
	assert_int_equal(errs.n, 1);
	assert_int_equal(errs.e[0].line, 0);
	expect_error(&errs, 0, "/nonexistent/aduan.conf");
	expect_error(&errs, 0, "No such file or directory");

	assert_null(conf_load_file(src_path("test/conf", path, sizeof(path)), 0, &errs));
	assert_int_equal(errs.n, 1);
	expect_error(&errs, 0, "Is a directory");
}

static void
on_alarm(int sig)
{
	static const char msg[] = "FAIL: conf_load_file() still reading after 10 s "
	    "(a FIFO or /dev/zero must be refused at once)\n";

	(void)sig;
	if (write(STDERR_FILENO, msg, sizeof msg - 1) < 0) {
		/* exiting anyway */
	}
	_exit(1);
}

/* Writes text to dir/name; returns the path in buf. */
static const char *
write_in(const char *dir, const char *name, const char *text, char *buf, size_t bufsz)
{
	FILE *fp;

	snprintf(buf, bufsz, "%s/%s", dir, name);
	fp = fopen(buf, "w");
	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
	return buf;
}

/*
 * A config path that is a FIFO, a device or a huge file is refused at
 * once, naming the file; so is an @include'd one.  Before, reading a FIFO
 * waited for a writer forever and /dev/zero never ended, hanging check,
 * serve and reload.
 */
static void
test_not_a_regular_file(void **state)
{
	char dir[] = "/tmp/aduan-test-conf.XXXXXX", path[4200], inc[4200];
	int fd;

	(void)state;
	signal(SIGALRM, on_alarm);
	alarm(10);
	assert_non_null(mkdtemp(dir));

	snprintf(path, sizeof path, "%s/aduan.fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_null(conf_load_file(path, 0, &errs));
	assert_int_equal(errs.n, 1);
	expect_error(&errs, 0, path);
	expect_error(&errs, 0, "not a regular file");

	assert_null(conf_load_file("/dev/zero", 0, &errs));
	assert_int_equal(errs.n, 1);
	expect_error(&errs, 0, "/dev/zero: not a regular file");

	/* 5 MiB (sparse): over the 4 MiB cap. */
	snprintf(inc, sizeof inc, "%s/huge.conf", dir);
	fd = open(inc, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 5L * 1024 * 1024), 0);
	close(fd);
	assert_null(conf_load_file(inc, 0, &errs));
	assert_int_equal(errs.n, 1);
	expect_error(&errs, 0, "huge.conf: larger than 4 MiB");

	/* @include of a FIFO, and of /dev/zero through a symlink. */
	write_in(dir, "main.conf", BASE "@include \"aduan.fifo\"\n", path, sizeof path);
	assert_null(conf_load_file(path, 0, &errs));
	assert_int_equal(errs.n, 1);
	expect_error(&errs, 6, "aduan.fifo: not a regular file");
	snprintf(inc, sizeof inc, "%s/zero.conf", dir);
	assert_int_equal(symlink("/dev/zero", inc), 0);
	write_in(dir, "inner.conf", "@include \"zero.conf\"\n", inc, sizeof inc);
	write_in(dir, "main.conf", BASE "# rules next door\n@include \"inner.conf\"\n", path,
	    sizeof path);
	assert_null(conf_load_file(path, 0, &errs));
	assert_int_equal(errs.n, 1);
	/* at its line in the file that includes it */
	expect_error(&errs, 1, "zero.conf: not a regular file");
	expect_error(&errs, 1, "(in inner.conf)");
	alarm(0);

	/* A good file next to them still loads, its includes too. */
	write_in(dir, "rule.conf", RULE, inc, sizeof inc);
	write_in(dir, "main.conf", AGENCIES "@include \"rule.conf\"\n", path, sizeof path);
	{
		struct conf *c = conf_load_file(path, 0, &errs);

		if (c == NULL)
			dump_errors(&errs);
		assert_non_null(c);
		conf_free(c);
	}
	snprintf(path, sizeof path, "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
}

/* Loads path, which must load; its hash into hash. */
static void
hash_of(const char *path, char *hash)
{
	struct conf *c = conf_load_file(path, 0, &errs);

	if (c == NULL)
		dump_errors(&errs);
	assert_non_null(c);
	memcpy(hash, c->hash, sizeof c->hash);
	conf_free(c);
}

/*
 * The config's version covers what it @includes: a rule changed in an
 * included file is a new version.  Before, the hash was of the main file's
 * bytes only, so two configs routing differently had one version.
 */
static void
test_hash_covers_includes(void **state)
{
	char dir[] = "/tmp/aduan-test-conf.XXXXXX", path[4200], inc[4200];
	char h1[17], h2[17], h3[17];

	(void)state;
	assert_non_null(mkdtemp(dir));
	write_in(dir, "rule.conf", RULE, inc, sizeof inc);
	write_in(dir, "main.conf", AGENCIES "@include \"rule.conf\"\n", path, sizeof path);
	hash_of(path, h1);
	write_in(dir, "rule.conf", "rules = ( { keyword = \"JALAN\"; agency = \"diskominfo\";\n"
	    "  label = { id = \"Jalan\"; }; } );\n", inc, sizeof inc);
	hash_of(path, h2);
	assert_string_not_equal(h1, h2);
	write_in(dir, "rule.conf", RULE, inc, sizeof inc);
	hash_of(path, h3);
	assert_string_equal(h1, h3);
	snprintf(path, sizeof path, "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
}

/*
 * @include "/abs/path": libconfig 1.5 joins it to the including file's
 * directory and says only "cannot open include file"; the error names the
 * file and says why.  A relative one that cannot be read is named too, with
 * the reason.
 */
static void
test_include_absolute(void **state)
{
	char dir[] = "/tmp/aduan-test-conf.XXXXXX", path[4200], inc[4200], text[8400];

	(void)state;
	assert_non_null(mkdtemp(dir));
	write_in(dir, "rule.conf", RULE, inc, sizeof inc);
	snprintf(text, sizeof text, AGENCIES "@include \"%s\"\n", inc);
	write_in(dir, "main.conf", text, path, sizeof path);
	assert_null(conf_load_file(path, 0, &errs));
	assert_int_equal(errs.n, 1);
	expect_error(&errs, 4, inc);
	expect_error(&errs, 4, "an absolute path is not supported");

	/* A relative one that is missing: named, with the reason. */
	write_in(dir, "main.conf", AGENCIES "@include \"nowhere.conf\"\n", path, sizeof path);
	assert_null(conf_load_file(path, 0, &errs));
	assert_int_equal(errs.n, 1);
	expect_error(&errs, 4, "nowhere.conf");
	expect_error(&errs, 4, "No such file or directory");
	snprintf(path, sizeof path, "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
}

static void
test_syntax_error(void **state)
{
	(void)state;
	load_bad(BASE
	    "server = {\n"              /* 6 */
	    "  port = = 8080;\n"        /* 7 */
	    "};\n");
	/* libconfig stops at the first syntax error: nothing else is known. */
	assert_int_equal(errs.n, 1);
	expect_error(&errs, 7, "syntax error");

	load_bad(BASE "rules = ( );\n");
	assert_int_equal(errs.n, 1);
	expect_error(&errs, 6, "duplicate setting name");
}

/* ---- scalar settings ---- */

static void
test_defaults(void **state)
{
	struct conf *c;
	int r;

	(void)state;
	c = load_good(BASE);
	assert_string_equal(c->path, "<string>");
	assert_string_equal(c->listen, "127.0.0.1");
	assert_int_equal(c->port, 8080);
	assert_int_equal(c->threads, 8);
	assert_int_equal(c->max_body, 16384);
	assert_string_equal(c->database, "aduan.db");
	assert_int_equal(c->sync_full, 1);
	assert_int_equal(c->busy_timeout_ms, 2000);
	assert_string_equal(c->country_code, "62");
	assert_string_equal(c->short_code, "1708");
	assert_int_equal(c->default_lang, LANG_ID);
	assert_int_equal(c->max_text, 4096);
	assert_null(c->kannel_secret);
	assert_string_equal(c->log_level, "info");
	assert_int_equal(c->nregions, 0);
	assert_int_equal(c->triage, 1);
	assert_int_equal(c->rules[0].agency, 0);
	assert_int_equal(c->rules[0].line, 4);
	/* label.en defaults to label.id */
	assert_string_equal(c->rules[0].label[LANG_EN], "Jalan");
	assert_string_equal(c->replies[LANG_ID][REPLY_RECEIVED],
	    "Aduan diterima. No tiket: {ticket}. Diteruskan ke {agency}. Cek status: ketik STATUS {ticket} kirim ke {shortcode}");
	assert_string_equal(c->replies[LANG_EN][REPLY_STARTED],
	    "Progress SMS turned on. Send STOP to {shortcode} to stop them.");
	assert_string_equal(c->replies[LANG_ID][REPLY_ST_IN_PROGRESS], "sedang ditangani");
	assert_string_equal(c->replies[LANG_EN][REPLY_ST_ROUTED], "forwarded to the agency");
	for (r = 0; r < REPLY_N; r++) {
		assert_non_null(c->replies[LANG_ID][r]);
		assert_non_null(c->replies[LANG_EN][r]);
	}
	conf_free(c);
}

static void
test_scalars_set(void **state)
{
	struct conf *c;

	(void)state;
	c = load_good(BASE
	    "server = { listen = \"0.0.0.0\"; port = 80; threads = 256; max_body = 1048576; };\n"
	    "store = { database = \"x.db\"; synchronous = \"normal\"; busy_timeout_ms = 0; };\n"
	    "sms = { country_code = \"1\"; short_code = \"LAPORKAB\"; default_language = \"en\"; max_text = 65536; };\n"
	    "log_level = \"warn\";\n"
	    "gateways = { kannel = { secret = \"abcdefghijkl\"; }; };\n");
	assert_string_equal(c->listen, "0.0.0.0");
	assert_int_equal(c->port, 80);
	assert_int_equal(c->threads, 256);
	assert_int_equal(c->max_body, 1048576);
	assert_string_equal(c->database, "x.db");
	assert_int_equal(c->sync_full, 0);
	assert_int_equal(c->busy_timeout_ms, 0);
	assert_string_equal(c->country_code, "1");
	assert_string_equal(c->short_code, "LAPORKAB");
	assert_int_equal(c->default_lang, LANG_EN);
	assert_int_equal(c->max_text, 65536);
	assert_string_equal(c->log_level, "warn");
	assert_string_equal(c->kannel_secret, "abcdefghijkl");
	conf_free(c);
}

static void
test_scalar_range(void **state)
{
	(void)state;
	load_bad(BASE
	    "server = { port = 70000; threads = 0; max_body = 100; };\n"   /* 6 */
	    "store = { busy_timeout_ms = -1; };\n"                         /* 7 */
	    "sms = { max_text = 70000; };\n");                             /* 8 */
	expect_error(&errs, 6, "server.port: 70000 is out of range 1..65535");
	expect_error(&errs, 6, "server.threads: 0 is out of range 1..256");
	expect_error(&errs, 6, "server.max_body: 100 is out of range 1024..1048576");
	expect_error(&errs, 7, "store.busy_timeout_ms: -1 is out of range 0..60000");
	expect_error(&errs, 8, "sms.max_text: 70000 is out of range 160..65536");
	assert_int_equal(errs.n, 5);
}

/* retention: days, 0 keeps forever; what `aduan purge` reads. */
static void
test_retention(void **state)
{
	struct conf *c;

	(void)state;
	c = load_good(BASE);
	assert_int_equal(c->retention_messages_days, 180);
	assert_int_equal(c->retention_outbox_days, 90);
	assert_int_equal(c->retention_sessions_days, 30);
	conf_free(c);
	c = load_good(BASE "retention = { messages_days = 0; outbox_days = 7; sessions_days = 1; };\n");
	assert_int_equal(c->retention_messages_days, 0);
	assert_int_equal(c->retention_outbox_days, 7);
	assert_int_equal(c->retention_sessions_days, 1);
	conf_free(c);
	load_bad(BASE
	    "retention = { messages_days = -1;\n"                          /* 6 */
	    "  outbox = 3; };\n");                                         /* 7 */
	expect_error(&errs, 6, "retention.messages_days: -1 is out of range 0..36500");
	expect_error(&errs, 7, "unknown setting 'outbox' in 'retention' (known: messages_days, "
	    "outbox_days, sessions_days)");
	assert_int_equal(errs.n, 2);
}

static void
test_scalar_types(void **state)
{
	(void)state;
	load_bad(BASE
	    "server = {\n"                      /* 6 */
	    "  port = \"80\";\n"                /* 7 */
	    "  listen = 127;\n"                 /* 8 */
	    "  threads = 2.5;\n"                /* 9 */
	    "};\n"                              /* 10 */
	    "log_level = true;\n"               /* 11 */
	    "store = ( \"aduan.db\" );\n");     /* 12 */
	expect_error(&errs, 7, "server.port: must be a whole number, not a string");
	expect_error(&errs, 8, "server.listen: must be a string in double quotes, not a number");
	expect_error(&errs, 9, "server.threads: must be a whole number, not a decimal number");
	expect_error(&errs, 11, "log_level: must be a string in double quotes, not true/false");
	expect_error(&errs, 12, "store: must be a group { ... }, not a list");
	assert_int_equal(errs.n, 5);
}

static void
test_scalar_values(void **state)
{
	struct conf *c;

	(void)state;
	load_bad(BASE
	    "server = { listen = \"localhost\"; };\n"                   /* 6 */
	    "store = { synchronous = \"fast\"; database = \"\"; };\n"   /* 7 */
	    "sms = { default_language = \"fr\";\n"                     /* 8 */
	    "  country_code = \"+62\";\n"                               /* 9 */
	    "  short_code = \"17 08\"; };\n"                            /* 10 */
	    "log_level = \"trace\";\n");                                /* 11 */
	expect_error(&errs, 6, "server.listen: 'localhost' is not an IPv4 or IPv6 address");
	expect_error(&errs, 7, "store.synchronous: 'fast' is not one of: full, normal");
	expect_error(&errs, 7, "store.database: must not be empty");
	expect_error(&errs, 8, "sms.default_language: 'fr' is not one of: id, en");
	expect_error(&errs, 9, "sms.country_code: '+62' must be digits only");
	expect_error(&errs, 10, "sms.short_code: '17 08' must be letters and digits only");
	expect_error(&errs, 11, "log_level: 'trace' is not one of: debug, info, warn");
	assert_int_equal(errs.n, 7);

	load_bad(BASE "sms = { short_code = \"123456789012\"; country_code = \"0062\"; };\n");
	expect_error(&errs, 6, "sms.short_code: '123456789012' is longer than 11 characters");
	expect_error(&errs, 6, "sms.country_code: '0062' is longer than 3 characters");

	c = load_good(BASE "server = { listen = \"::\"; };\n");
	assert_string_equal(c->listen, "::");
	conf_free(c);
}

static void
test_max_text_within_body(void **state)
{
	(void)state;
	load_bad(BASE
	    "server = { max_body = 2048; };\n"  /* 6 */
	    "sms = { max_text = 4096; };\n");   /* 7 */
	expect_error(&errs, 7, "sms.max_text: 4096 is larger than server.max_body (2048)");
	assert_int_equal(errs.n, 1);

	/* max_text left at its default: the line to fix is max_body's. */
	load_bad(BASE "server = { max_body = 2048; };\n");
	expect_error(&errs, 6, "sms.max_text: 4096 is larger than server.max_body (2048)");
}

static void
test_unknown_settings(void **state)
{
	(void)state;
	load_bad(AGENCIES
	    "rules = ( { keyword = \"JALAN\"; agency = \"dpupr\"; label = { id = \"Jalan\"; fr = \"Rue\"; };\n" /* 4 */
	    "  keywords = [ \"JLN\" ];\n"                                              /* 5 */
	    "  regional = ( { region = \"x\"; agency = \"dpupr\"; unit = 1; } ); } );\n" /* 6 */
	    "colour = \"red\";\n"                                                      /* 7 */
	    "server = { lisen = \"0.0.0.0\"; };\n"                                     /* 8 */
	    "gateways = { nexmo = { secret = \"abcdefghijklmnop\"; }; };\n"           /* 9 */
	    "regions = ( { id = \"r\"; name = \"R\"; keywords = [ \"R\" ]; words = 1; } );\n"); /* 10 */
	expect_error(&errs, 4, "unknown setting 'fr' in 'rule JALAN label'");
	expect_error(&errs, 5, "unknown setting 'keywords' in 'rule JALAN'");
	expect_error(&errs, 6, "unknown setting 'unit' in 'rule JALAN regional'");
	expect_error(&errs, 7, "unknown setting 'colour' at the top level");
	expect_error(&errs, 8, "unknown setting 'lisen' in 'server' (known: listen, port, threads, max_body, connections_per_address, idle_timeout, public_url, trusted_proxies)");
	expect_error(&errs, 9, "unknown setting 'nexmo' in 'gateways' (known: kannel, africastalking, twilio, vonage, infobip, generic)");
	expect_error(&errs, 10, "unknown setting 'words' in 'region r'");

	load_bad("agencies = ( { id = \"dpupr\"; name = \"Dinas PU\"; short_name = \"DPUPR\";\n" /* 1 */
	    "  fax = \"024-123456\"; } );\n"   /* 2 */
	    "triage = \"dpupr\";\n" RULE);
	expect_error(&errs, 2, "unknown setting 'fax' in 'agency dpupr' (known: id, name, short_name, webhook, webhook_secret, webhook_secret_next, token_sha256, tokens, show_phone, email, head_email, email_mode, digest_hour)");
	assert_int_equal(errs.n, 1);
}

static void
test_kannel(void **state)
{
	(void)state;
	load_bad(BASE "gateways = { kannel = { secret = \"rahasia\"; }; };\n");
	expect_error(&errs, 6, "gateways.kannel.secret: must be at least 12 characters");

	load_bad(BASE "gateways = {\n  kannel = { };\n};\n");
	expect_error(&errs, 7, "gateways.kannel.secret: missing");

	load_bad(BASE "gateways = { kannel = \"abcdefghijklmnop\"; };\n");
	expect_error(&errs, 6, "gateways.kannel: must be a group");
}

/* ---- an internet-facing deployment: trusted proxies, allow-lists, rotation ---- */

static void
test_trusted_proxies(void **state)
{
	struct conf *c;

	(void)state;
	c = load_good(BASE "server = { trusted_proxies = [ \"127.0.0.1\", \"10.0.0.0/8\", "
	    "\"2001:db8::/32\" ]; };\n");
	assert_int_equal(c->ntrusted_proxies, 3);
	assert_string_equal(c->trusted_proxies_text, "127.0.0.1, 10.0.0.0/8, 2001:db8::/32");
	assert_true(addr_in("10.200.3.4", c->trusted_proxies, c->ntrusted_proxies));
	assert_true(addr_in("2001:db8:1::5", c->trusted_proxies, c->ntrusted_proxies));
	assert_true(addr_in("::ffff:127.0.0.1", c->trusted_proxies, c->ntrusted_proxies));
	assert_false(addr_in("11.0.0.1", c->trusted_proxies, c->ntrusted_proxies));
	assert_false(addr_in("2001:db9::1", c->trusted_proxies, c->ntrusted_proxies));
	conf_free(c);

	c = load_good(BASE);
	assert_int_equal(c->ntrusted_proxies, 0);
	assert_string_equal(c->trusted_proxies_text, "");
	conf_free(c);

	load_bad(BASE "server = {\n"                                     /* 6 */
	    "  trusted_proxies = [ \"127.0.0.1\",\n"                    /* 7 */
	    "    \"proxy.local\",\n"                                    /* 8 */
	    "    \"10.1.2.3/8\",\n"                                     /* 9 */
	    "    \"10.0.0.0/33\" ];\n"                                  /* 10 */
	    "};\n");
	expect_error(&errs, 8, "server.trusted_proxies: 'proxy.local' is not an IP address");
	expect_error(&errs, 9, "server.trusted_proxies: '10.1.2.3/8' has bits set after its /8");
	expect_error(&errs, 10, "server.trusted_proxies: '10.0.0.0/33': the prefix length");
	load_bad(BASE "server = { trusted_proxies = [ ]; };\n");
	expect_error(&errs, 6, "server.trusted_proxies: an empty list");
}

/* The client behind trusted proxies: right-most X-Forwarded-For entry not trusted. */
static void
test_client_address(void **state)
{
	struct addr_range t[2];
	char out[64], why[128];

	(void)state;
	assert_int_equal(addr_range_parse("127.0.0.1", &t[0], why, sizeof why), 0);
	assert_int_equal(addr_range_parse("10.0.0.0/8", &t[1], why, sizeof why), 0);
	/* From an untrusted peer the header is ignored, whatever it says. */
	addr_client("198.51.100.7", "203.0.113.9", t, 2, out, sizeof out);
	assert_string_equal(out, "198.51.100.7");
	/* No proxy configured: the same. */
	addr_client("127.0.0.1", "203.0.113.9", t, 0, out, sizeof out);
	assert_string_equal(out, "127.0.0.1");
	/* One trusted proxy that appended what it saw. */
	addr_client("127.0.0.1", "203.0.113.9", t, 2, out, sizeof out);
	assert_string_equal(out, "203.0.113.9");
	/* A spoofed entry from the client comes first: the proxy's entry wins. */
	addr_client("127.0.0.1", "6.6.6.6, 203.0.113.9", t, 2, out, sizeof out);
	assert_string_equal(out, "203.0.113.9");
	/* Two trusted hops: the right-most untrusted one. */
	addr_client("127.0.0.1", "6.6.6.6,203.0.113.9 , 10.9.9.9", t, 2, out, sizeof out);
	assert_string_equal(out, "203.0.113.9");
	/* Garbage the proxy passed on stops the walk at the last good hop. */
	addr_client("127.0.0.1", "203.0.113.9, unknown", t, 2, out, sizeof out);
	assert_string_equal(out, "127.0.0.1");
	addr_client("127.0.0.1", "unknown, 10.1.1.1", t, 2, out, sizeof out);
	assert_string_equal(out, "10.1.1.1");
	/* Only trusted entries: the left-most. */
	addr_client("127.0.0.1", "10.1.1.1, 10.2.2.2", t, 2, out, sizeof out);
	assert_string_equal(out, "10.1.1.1");
	/* Empty header: the peer; IPv6 written one way is one address. */
	addr_client("127.0.0.1", "", t, 2, out, sizeof out);
	assert_string_equal(out, "127.0.0.1");
	addr_client("127.0.0.1", "2001:DB8:0::1", t, 2, out, sizeof out);
	assert_string_equal(out, "2001:db8::1");
}

static void
test_gateway_allow_from(void **state)
{
	const struct addr_range *r;
	struct conf *c;
	size_t n;

	(void)state;
	c = load_good(BASE "gateways = { kannel = { secret = \"abcdefghijklmnop\"; "
	    "allow_from = [ \"10.1.2.3\", \"192.0.2.0/24\" ]; };\n"
	    "  generic = { secret = \"qrstuvwxyzabcdef\"; }; };\n");
	r = conf_gateway_allow(c, "kannel", &n);
	assert_non_null(r);
	assert_int_equal(n, 2);
	assert_true(addr_in("192.0.2.200", r, n));
	assert_true(addr_in("10.1.2.3", r, n));
	assert_false(addr_in("10.1.2.4", r, n));
	/* No allow_from: anyone with the secret, as before. */
	assert_null(conf_gateway_allow(c, "generic", &n));
	assert_int_equal(n, 0);
	conf_free(c);

	load_bad(BASE "gateways = { kannel = { secret = \"abcdefghijklmnop\";\n"
	    "  allow_from = \"10.1.2.3\"; }; };\n");
	expect_error(&errs, 7, "gateways.kannel.allow_from: must be a list");
	load_bad(BASE "gateways = { kannel = { secret = \"abcdefghijklmnop\";\n"
	    "  allow_from = [ \"10.1.2.300\" ]; }; };\n");
	expect_error(&errs, 7, "gateways.kannel.allow_from: '10.1.2.300' is not an IP address");
}

static void
test_secret_next(void **state)
{
	struct conf *c;

	(void)state;
	c = load_good(BASE "gateways = { kannel = { secret = \"abcdefghijklmnop\"; "
	    "secret_next = \"ponmlkjihgfedcba\"; }; };\n");
	assert_string_equal(c->kannel_secret, "abcdefghijklmnop");
	assert_string_equal(c->kannel_secret_next, "ponmlkjihgfedcba");
	conf_free(c);
	c = load_good(BASE "gateways = { kannel = { secret = \"abcdefghijklmnop\"; }; };\n");
	assert_null(c->kannel_secret_next);
	conf_free(c);
	load_bad(BASE "gateways = { kannel = { secret = \"abcdefghijklmnop\";\n"
	    "  secret_next = \"short\"; }; };\n");
	expect_error(&errs, 7, "gateways.kannel.secret_next: must be at least 12 characters");

	/* An agency's webhook signed with two secrets during a switch. */
	c = load_good("agencies = ( { id = \"dpupr\"; name = \"Dinas PU\"; short_name = \"DPUPR\";\n"
	    "  webhook = \"https://dpupr.example.go.id/hook\"; webhook_secret = \"0123456789abcdef\";\n"
	    "  webhook_secret_next = \"fedcba9876543210\"; },\n"
	    "  { id = \"diskominfo\"; name = \"Diskominfo\"; short_name = \"Diskominfo\"; } );\n"
	    "triage = \"diskominfo\";\n" RULE);
	assert_string_equal(c->agencies[0].webhook_secret_next, "fedcba9876543210");
	conf_free(c);
	load_bad("agencies = ( { id = \"dpupr\"; name = \"Dinas PU\"; short_name = \"DPUPR\";\n"
	    "  webhook_secret_next = \"fedcba9876543210\"; },\n"
	    "  { id = \"diskominfo\"; name = \"Diskominfo\"; short_name = \"Diskominfo\"; } );\n"
	    "triage = \"diskominfo\";\n" RULE);
	expect_error(&errs, 2, "webhook_secret_next without a webhook_secret");
}

/*
 * secrets = "FILE": the secret settings in a file of their own, merged in;
 * not part of the version; required by serve and check (CONF_SECRETS),
 * optional for the rest, which then load without them.
 */
static void
test_secrets_file(void **state)
{
	char dir[] = "/tmp/aduan-test-conf.XXXXXX", path[4200], sec[4200], h1[17];
	struct conf *c;

	(void)state;
	assert_non_null(mkdtemp(dir));
	write_in(dir, "main.conf", BASE "secrets = \"secrets.conf\";\n"
	    "gateways = { kannel = { allow_from = [ \"10.1.2.3\" ]; }; };\n"
	    "sms_sender = { type = \"kannel\"; url = \"http://127.0.0.1:13013/\";\n"
	    "  username = \"aduan\"; };\n", path, sizeof path);
	write_in(dir, "secrets.conf", "gateways = { kannel = { secret = \"abcdefghijklmnop\";\n"
	    "  secret_next = \"qrstuvwxyzabcdef\"; }; };\n"
	    "sms_sender = { password = \"sandi-kannel-99\"; };\n"
	    "agencies = ( { id = \"dpupr\"; webhook_secret = \"0123456789abcdef0123\";\n"
	    "  tokens = ( { name = \"sipd\"; sha256 = \"" 
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"; } ); } );\n",
	    sec, sizeof sec);
	assert_int_equal(chmod(sec, 0640), 0);
	c = conf_load_file(path, CONF_SECRETS, &errs);
	if (c == NULL)
		dump_errors(&errs);
	assert_non_null(c);
	assert_true(c->secrets_loaded);
	assert_null(c->secrets_note);
	assert_string_equal(c->secrets_path, sec);
	assert_string_equal(c->kannel_secret, "abcdefghijklmnop");
	assert_string_equal(c->kannel_secret_next, "qrstuvwxyzabcdef");
	assert_string_equal(c->sender_password, "sandi-kannel-99");
	assert_string_equal(c->agencies[conf_agency_find(c, "dpupr")].webhook_secret,
	    "0123456789abcdef0123");
	assert_int_equal(c->agencies[conf_agency_find(c, "dpupr")].ntokens, 1);
	memcpy(h1, c->hash, sizeof h1);
	conf_free(c);

	/* A rotated secret is not a new version of the config. */
	write_in(dir, "secrets.conf", "gateways = { kannel = { secret = \"ponmlkjihgfedcba\"; }; };\n"
	    "sms_sender = { password = \"sandi-kannel-99\"; };\n", sec, sizeof sec);
	assert_int_equal(chmod(sec, 0600), 0);
	c = conf_load_file(path, CONF_SECRETS, &errs);
	assert_non_null(c);
	assert_string_equal(c->kannel_secret, "ponmlkjihgfedcba");
	assert_null(c->kannel_secret_next);
	assert_string_equal(c->hash, h1);
	conf_free(c);

	/* Readable by everyone: refused, whoever asks. */
	assert_int_equal(chmod(sec, 0644), 0);
	assert_null(conf_load_file(path, CONF_SECRETS, &errs));
	expect_error(&errs, 6, "is readable by everyone (mode 0644)");
	assert_int_equal(chmod(sec, 0640), 0);

	/* Unreadable (here: missing): serve and check refuse, route loads without. */
	write_in(dir, "main.conf", BASE "secrets = \"nowhere.conf\";\n"
	    "gateways = { kannel = { allow_from = [ \"10.1.2.3\" ]; }; };\n"
	    "agencies_x = 1;\n", path, sizeof path);
	assert_null(conf_load_file(path, CONF_SECRETS, &errs));
	expect_error_anywhere(&errs, "unknown setting 'agencies_x'");
	write_in(dir, "main.conf", BASE "secrets = \"nowhere.conf\";\n"
	    "gateways = { kannel = { allow_from = [ \"10.1.2.3\" ]; }; };\n", path, sizeof path);
	assert_null(conf_load_file(path, CONF_SECRETS, &errs));
	expect_error(&errs, 6, "secrets: cannot read");
	expect_error(&errs, 6, "nowhere.conf");
	c = conf_load_file(path, 0, &errs);
	if (c == NULL)
		dump_errors(&errs);
	assert_non_null(c);
	assert_false(c->secrets_loaded);
	assert_non_null(c->secrets_note);
	assert_non_null(strstr(c->secrets_note, "nowhere.conf"));
	assert_null(c->kannel_secret);
	assert_int_equal(c->nrules, 1);
	conf_free(c);

	/* Only secrets in it; none in both places. */
	write_in(dir, "main.conf", BASE "secrets = \"secrets.conf\";\n"
	    "gateways = { kannel = { secret = \"abcdefghijklmnop\"; }; };\n", path, sizeof path);
	write_in(dir, "secrets.conf", "gateways = { kannel = { secret = \"ponmlkjihgfedcba\";\n"
	    "  allow_from = [ \"10.0.0.1\" ]; }; };\n"
	    "store = { database = \"x.db\"; };\n"
	    "agencies = ( { id = \"dinas-x\"; webhook_secret = \"0123456789abcdef0123\"; },\n"
	    "  { id = \"dpupr\"; name = \"Dinas PU\"; } );\n", sec, sizeof sec);
	assert_null(conf_load_file(path, CONF_SECRETS, &errs));
	expect_error(&errs, 0, "secrets.conf:1: gateways.kannel.secret: set in both");
	expect_error(&errs, 0, "secrets.conf:2: gateways.kannel.allow_from: not a secret");
	expect_error(&errs, 0, "secrets.conf:3: store.database: not a secret");
	expect_error(&errs, 0, "secrets.conf:4: agencies: no agency 'dinas-x'");
	expect_error(&errs, 0, "secrets.conf:5: agencies[dpupr].name: not a secret");

	snprintf(path, sizeof path, "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
}

/* ---- agencies and triage ---- */

static void
test_agencies(void **state)
{
	(void)state;
	load_bad("agencies = (\n"                                                             /* 1 */
	    "  { id = \"dpupr\"; name = \"Dinas PU\"; short_name = \"DPUPR\"; },\n"           /* 2 */
	    "  { id = \"Dinas PU\"; name = \"x\"; short_name = \"x\"; },\n"                   /* 3 */
	    "  { id = \"dpupr\"; name = \"x\"; short_name = \"x\"; },\n"                      /* 4 */
	    "  { id = \"a1\"; name = \"\"; short_name = \"x\"; },\n"                          /* 5 */
	    "  { id = \"a2\"; name = \"x\"; short_name = \"Dinas Pekerjaan Umum Kabupaten\"; },\n" /* 6 */
	    "  { id = \"a3\"; name = \"x\"; short_name = \"Dinkes \xe2\x9c\x93\"; },\n"       /* 7 */
	    "  { id = \"a4\"; name = \"x\"; },\n"                                             /* 8 */
	    "  { id = \"a5\"; name = \"x\"; short_name = \"\"; },\n"                          /* 9 */
	    "  { id = \"abcdefghijklmnopqrstuvwxyz0123456\"; name = \"x\"; short_name = \"x\"; },\n" /* 10 */
	    "  { name = \"x\"; short_name = \"x\"; },\n"                                      /* 11 */
	    "  \"dlh\",\n"                                                                    /* 12 */
	    "  { id = \"diskominfo\"; name = \"Diskominfo\"; short_name = \"Diskominfo\"; }\n" /* 13 */
	    ");\n"                                                                            /* 14 */
	    "triage = \"diskominfo\";\n"                                                      /* 15 */
	    "rules = ( { keyword = \"JALAN\"; agency = \"dpupr\"; label = { id = \"Jalan\"; }; } );\n");
	expect_error(&errs, 3, "agency #2: id 'Dinas PU' must be 1 to 32 of a-z, 0-9, '_' and '-'");
	expect_error(&errs, 4, "agency #3: id 'dpupr' is already used by the agency at line 2");
	expect_error(&errs, 5, "agency a1: name must not be empty");
	expect_error(&errs, 6, "agency a2: short_name 'Dinas Pekerjaan Umum Kabupaten' is longer than 24 characters");
	expect_error(&errs, 7, "agency a3: short_name has '\xe2\x9c\x93', which is not in the GSM-7 alphabet");
	expect_error(&errs, 8, "agency a4: short_name is missing");
	expect_error(&errs, 9, "agency a5: short_name must not be empty");
	expect_error(&errs, 10, "agency #9: id 'abcdefghijklmnopqrstuvwxyz0123456' must be 1 to 32");
	expect_error(&errs, 11, "agency #10: id is missing");
	expect_error(&errs, 12, "agency #11: must be a group");
	assert_int_equal(errs.n, 10);
}

static void
test_agencies_required(void **state)
{
	(void)state;
	/* Without agencies nothing can refer to one: one error, not a cascade. */
	load_bad("triage = \"diskominfo\";\n" RULE);
	expect_error(&errs, 0, "agencies: missing");
	assert_int_equal(errs.n, 1);

	load_bad("agencies = ( );\ntriage = \"diskominfo\";\n" RULE);
	expect_error(&errs, 1, "agencies: the list is empty");
	assert_int_equal(errs.n, 1);

	load_bad("agencies = { id = \"dpupr\"; };\ntriage = \"dpupr\";\n" RULE);
	expect_error(&errs, 1, "agencies: must be a list");
}

static void
test_triage(void **state)
{
	(void)state;
	load_bad("agencies = ( { id = \"dpupr\"; name = \"Dinas PU\"; short_name = \"DPUPR\"; } );\n"
	    "rules = ( { keyword = \"JALAN\"; agency = \"dpupr\"; label = { id = \"Jalan\"; }; } );\n");
	expect_error(&errs, 0, "triage: missing");
	assert_int_equal(errs.n, 1);

	load_bad("agencies = ( { id = \"dpupr\"; name = \"Dinas PU\"; short_name = \"DPUPR\"; } );\n"
	    "triage = \"kominfo\";\n" RULE);
	expect_error(&errs, 2, "triage: unknown agency 'kominfo'");
	assert_int_equal(errs.n, 1);

	load_bad("agencies = ( { id = \"dpupr\"; name = \"Dinas PU\"; short_name = \"DPUPR\"; } );\n"
	    "triage = 1;\n" RULE);
	expect_error(&errs, 2, "triage: triage must be a string");
}

/* ---- regions ---- */

static void
test_regions(void **state)
{
	(void)state;
	load_bad(AGENCIES
	    "regions = (\n"                                                                  /* 4 */
	    "  { id = \"ambarawa\"; name = \"Ambarawa\"; keywords = [ \"AMBARAWA\" ]; },\n"  /* 5 */
	    "  { id = \"ambarawa\"; name = \"Lagi\"; keywords = [ \"BAWEN\" ]; },\n"         /* 6 */
	    "  { id = \"Ungaran\"; name = \"Ungaran\"; keywords = [ \"UNGARAN\" ]; },\n"     /* 7 */
	    "  { id = \"kosong\"; name = \"Kosong\"; keywords = [ ]; },\n"                   /* 8 */
	    "  { id = \"tanda\"; name = \"Tanda\"; keywords = [ \"--\" ]; },\n"              /* 9 */
	    "  { id = \"frasa\"; name = \"Frasa\"; keywords = [ \"UNGARAN BARAT\" ]; },\n"   /* 10 */
	    "  { id = \"tanpa\"; name = \"Tanpa\"; }\n"                                      /* 11 */
	    ");\n"                                                                           /* 12 */
	    "rules = ( { keyword = \"JALAN\"; agency = \"dpupr\"; label = { id = \"Jalan\"; };\n" /* 13 */
	    "  regional = ( { region = \"semarang\"; agency = \"dpupr\"; },\n"               /* 14 */
	    "    { region = \"ambarawa\"; agency = \"upt\"; },\n"                            /* 15 */
	    "    { region = \"ambarawa\"; agency = \"dpupr\"; },\n"                          /* 16 */
	    "    { region = \"ambarawa\"; agency = \"diskominfo\"; } ); } );\n");            /* 17 */
	expect_error(&errs, 6, "region #2: id 'ambarawa' is already used by the region at line 5");
	expect_error(&errs, 7, "region #3: id 'Ungaran' must be 1 to 32 of a-z");
	expect_error(&errs, 8, "region kosong: keywords is empty");
	expect_error(&errs, 9, "region tanda: keywords: '--' has no letters or digits");
	expect_error(&errs, 10, "region frasa: keywords: 'UNGARAN BARAT' must be a single word");
	expect_error(&errs, 11, "region tanpa: keywords is missing");
	expect_error(&errs, 14, "rule JALAN: regional: unknown region 'semarang'");
	expect_error(&errs, 15, "rule JALAN: regional: unknown agency 'upt'");
	expect_error(&errs, 17, "rule JALAN: regional: region 'ambarawa' is given twice (first at line 16)");
	assert_int_equal(errs.n, 9);
}

/* ---- rules ---- */

static void
test_rules(void **state)
{
	(void)state;
	load_bad(AGENCIES
	    "rules = (\n"                                                                    /* 4 */
	    "  { agency = \"dpupr\"; label = { id = \"Tanpa\"; }; },\n"                      /* 5 */
	    "  { keyword = \"JALAN\"; agency = \"dpu\"; label = { id = \"Jalan\"; }; },\n"   /* 6 */
	    "  { keyword = \"AIR\"; agency = \"dpupr\"; label = { id = \"Air\"; };\n"        /* 7 */
	    "    aliases = [ \"air pdam tidak mengalir\" ]; },\n"                            /* 8 */
	    "  { keyword = \"SAMPAH\"; agency = \"dpupr\"; },\n"                             /* 9 */
	    "  { keyword = \"LISTRIK\"; agency = \"dpupr\"; label = { id = \"Listrik \xe2\x9c\x93\"; }; },\n" /* 10 */
	    "  { keyword = \"PJU\"; label = { id = \"PJU\"; }; },\n"                         /* 11 */
	    "  { keyword = \"TAMAN\"; agency = \"dpupr\"; label = { en = \"Parks\"; }; },\n" /* 12 */
	    "  { keyword = \"#\"; agency = \"dpupr\"; label = { id = \"x\"; }; },\n"         /* 13 */
	    "  { keyword = \"A#B\"; agency = \"dpupr\"; label = { id = \"x\"; }; },\n"       /* 14 */
	    "  { keyword = \"GOT\"; agency = \"dpupr\"; label = { id = \"Got\"; }; aliases = [ 5 ]; },\n" /* 15 */
	    "  { keyword = \"PKL\"; agency = \"dpupr\"; label = { id = \"PKL\"; }; aliases = \"SATPOL\"; },\n" /* 16 */
	    "  { keyword = \"PASAR\"; agency = \"dpupr\"; label = \"Pasar\"; },\n"           /* 17 */
	    "  { keyword = \"TPS\"; agency = \"dpupr\"; label = { id = \"\"; }; }\n"         /* 18 */
	    ");\n");
	expect_error(&errs, 5, "rule #1: keyword is missing");
	expect_error(&errs, 6, "rule JALAN: unknown agency 'dpu'");
	expect_error(&errs, 8, "rule AIR: aliases: 'air pdam tidak mengalir' has more than three words; a phrase has at most three words");
	expect_error(&errs, 9, "rule SAMPAH: label is missing");
	expect_error(&errs, 10, "rule LISTRIK: label.id has '\xe2\x9c\x93', which is not in the GSM-7 alphabet");
	expect_error(&errs, 11, "rule PJU: agency is missing");
	expect_error(&errs, 12, "rule TAMAN: label.id is missing");
	expect_error(&errs, 13, "rule #8: keyword '#' has no letters or digits");
	expect_error(&errs, 14, "rule #9: keyword 'A#B' contains '#'");
	expect_error(&errs, 15, "rule GOT: aliases must be strings in double quotes, not a number");
	expect_error(&errs, 16, "rule PKL: aliases must be an array");
	expect_error(&errs, 17, "rule PASAR: label must be a group");
	expect_error(&errs, 18, "rule TPS: label.id must not be empty");
	assert_int_equal(errs.n, 13);
}

/* Phrases of up to three words; unless = [ ... ] per rule (issue 15). */
/* weak = [ ... ]: the rule's own words only. */
static void
test_rules_weak(void **state)
{
	struct conf *c;

	(void)state;
	c = load_good(AGENCIES
	    "rules = (\n"                                                        /* 4 */
	    "  { keyword = \"JALAN\"; agency = \"dpupr\"; label = { id = \"J\"; };\n" /* 5 */
	    "    aliases = [ \"JLN\" ]; aliases_en = [ \"ROAD\" ];\n"            /* 6 */
	    "    weak = [ \"jalan\", \"Road\" ]; }\n"                             /* 7 */
	    ");\n");
	assert_int_equal(c->rules[0].nweak, 2);
	assert_string_equal(c->rules[0].weak[0], "JALAN");
	assert_string_equal(c->rules[0].weak[1], "ROAD");
	conf_free(c);

	load_bad(AGENCIES
	    "rules = (\n"                                                        /* 4 */
	    "  { keyword = \"JALAN\"; agency = \"dpupr\"; label = { id = \"J\"; };\n" /* 5 */
	    "    weak = [ \"JALAN\", \"PJU\" ]; },\n"                             /* 6 */
	    "  { keyword = \"PJU\"; agency = \"dpupr\"; label = { id = \"P\"; };\n" /* 7 */
	    "    weak = \"PJU\"; }\n"                                              /* 8 */
	    ");\n");
	expect_error(&errs, 6, "rule JALAN: weak word 'PJU' is not the keyword or an alias of this rule");
	expect_error(&errs, 8, "rule PJU: weak must be an array");
	assert_int_equal(errs.n, 2);
}

static void
test_rules_unless(void **state)
{
	struct conf *c;

	(void)state;
	c = load_good(AGENCIES
	    "rules = (\n"                                                        /* 4 */
	    "  { keyword = \"JALAN\"; agency = \"dpupr\"; label = { id = \"J\"; };\n" /* 5 */
	    "    aliases = [ \"jalan berlubang parah\" ];\n"                     /* 6 */
	    "    unless = [ \"tidak  berjalan\", \"Jalan-tol\", \"PJU\" ]; },\n"   /* 7 */
	    "  { keyword = \"PJU\"; agency = \"dpupr\"; label = { id = \"P\"; };\n" /* 8 */
	    "    unless = [ \"TIDAK BERJALAN\" ]; }\n"                            /* 9 */
	    ");\n");
	assert_string_equal(c->rules[0].aliases[0], "JALAN BERLUBANG PARAH");
	assert_int_equal(c->rules[0].nunless, 3);
	assert_string_equal(c->rules[0].unless[0], "TIDAK BERJALAN");
	assert_string_equal(c->rules[0].unless[1], "JALAN-TOL");
	/* Another rule's word, and another rule's unless entry: fine. */
	assert_string_equal(c->rules[0].unless[2], "PJU");
	assert_int_equal(c->rules[0].unless_line, 7);
	assert_int_equal(c->rules[1].nunless, 1);
	assert_int_equal(c->rules[1].unless_line, 9);
	conf_free(c);

	load_bad(AGENCIES
	    "rules = (\n"                                                        /* 4 */
	    "  { keyword = \"JALAN\"; agency = \"dpupr\"; label = { id = \"J\"; };\n" /* 5 */
	    "    aliases = [ \"JLN\", \"LAMPU JALAN\" ];\n"                      /* 6 */
	    "    unless = [ \"jln\",\n"                                          /* 7 */
	    "      \"Jalan\", \"lampu jalan\", \"JALAN TOL\",\n"                  /* 8 */
	    "      \"jalan tol\", \"jalan tol di kota\" ]; },\n"              /* 9 */
	    "  { keyword = \"PJU\"; agency = \"dpupr\"; label = { id = \"P\"; };\n" /* 10 */
	    "    unless = \"TIDAK BERJALAN\"; }\n"                                /* 11 */
	    ");\n");
	expect_error(&errs, 7, "rule JALAN: unless entry 'JLN' (line 7) is also the alias of this rule (line 6)");
	expect_error(&errs, 8, "rule JALAN: unless entry 'JALAN' (line 8) is also the keyword of this rule (line 5)");
	expect_error(&errs, 8, "unless entry 'LAMPU JALAN' (line 8) is also the alias of this rule (line 6)");
	expect_error(&errs, 9, "rule JALAN: unless entry 'JALAN TOL' (line 9) is given twice in this rule (first at line 8)");
	expect_error(&errs, 9, "rule JALAN: unless: 'jalan tol di kota' has more than three words");
	expect_error(&errs, 11, "rule PJU: unless must be an array");
	assert_int_equal(errs.n, 6);
}

static void
test_rules_required(void **state)
{
	(void)state;
	load_bad(AGENCIES);
	expect_error(&errs, 0, "rules: missing");
	assert_int_equal(errs.n, 1);

	load_bad(AGENCIES "rules = ( );\n");
	expect_error(&errs, 4, "rules: the list is empty");
	assert_int_equal(errs.n, 1);
}

static void
test_duplicate_words(void **state)
{
	(void)state;
	load_bad(AGENCIES
	    "regions = ( { id = \"ambarawa\"; name = \"Ambarawa\"; keywords = [ \"AMBARAWA\", \"JAMBU\" ]; } );\n" /* 4 */
	    "rules = (\n"                                                               /* 5 */
	    "  { keyword = \"AIR\"; agency = \"dpupr\"; label = { id = \"Air\"; };\n"   /* 6 */
	    "    aliases = [ \"PDAM\", \"pdam.\" ]; },\n"                               /* 7 */
	    "  { keyword = \"SAMPAH\"; agency = \"dpupr\"; label = { id = \"Sampah\"; };\n" /* 8 */
	    "    aliases = [ \"air\", \"Jambu\" ];\n"                                   /* 9 */
	    "    aliases_en = [ \"WASTE\", \"pdam\" ]; },\n"                            /* 10 */
	    "  { keyword = \"LAMPU JALAN\"; agency = \"dpupr\"; label = { id = \"PJU\"; }; },\n" /* 11 */
	    "  { keyword = \"PJU\"; agency = \"dpupr\"; label = { id = \"PJU\"; };\n"  /* 12 */
	    "    aliases = [ \"lampu   jalan\", \"JALAN\" ]; }\n"                       /* 13 */
	    ");\n");
	expect_error(&errs, 7, "rule AIR: alias 'PDAM' (line 7) is given twice in this rule (first at line 7)");
	expect_error(&errs, 9, "rule SAMPAH: alias 'AIR' (line 9) is also in rule AIR (line 6)");
	expect_error(&errs, 9, "rule SAMPAH: alias 'JAMBU' (line 9) is also in region ambarawa (line 4)");
	expect_error(&errs, 10, "rule SAMPAH: English alias 'PDAM' (line 10) is also in rule AIR (line 7)");
	expect_error(&errs, 13, "rule PJU: alias 'LAMPU JALAN' (line 13) is also in rule LAMPU JALAN (line 11)");
	/* A phrase and one of its words are different entries. */
	assert_int_equal(errs.n, 5);
}

static void
test_command_words(void **state)
{
	(void)state;
	load_bad(AGENCIES
	    "rules = ( { keyword = \"status\"; agency = \"dpupr\"; label = { id = \"x\"; };\n" /* 4 */
	    "  aliases = [ \"Help\", \"CEK JALAN\" ];\n"                                     /* 5 */
	    "  aliases_en = [ \"start!\" ]; } );\n");                                        /* 6 */
	expect_error(&errs, 4, "rule STATUS: keyword 'STATUS' is a command word");
	expect_error(&errs, 5, "rule STATUS: alias 'HELP' is a command word");
	expect_error(&errs, 6, "rule STATUS: English alias 'START' is a command word");
	assert_int_equal(errs.n, 3);
}

static void
test_folding(void **state)
{
	struct conf *c;

	(void)state;
	c = load_good(AGENCIES
	    "regions = ( { id = \"ambarawa\"; name = \"Ambarawa\"; keywords = [ \"ambarawa,\", \"Banyubiru\" ]; } );\n"
	    "rules = ( { keyword = \"jalan\"; agency = \"dpupr\"; label = { id = \"Jalan\"; };\n"
	    "  aliases = [ \"jln.\", \"S\xc3\xa9lokan\", \" lampu \t jalan \", \"E-KTP\", \"(got)\" ];\n"
	    "  aliases_en = [ \"Road!\" ]; } );\n");
	assert_string_equal(c->rules[0].keyword, "JALAN");
	assert_int_equal(c->rules[0].naliases, 5);
	assert_string_equal(c->rules[0].aliases[0], "JLN");
	assert_string_equal(c->rules[0].aliases[1], "SELOKAN");
	assert_string_equal(c->rules[0].aliases[2], "LAMPU JALAN");
	assert_string_equal(c->rules[0].aliases[3], "E-KTP");
	assert_string_equal(c->rules[0].aliases[4], "GOT");
	assert_int_equal(c->rules[0].naliases_en, 1);
	assert_string_equal(c->rules[0].aliases_en[0], "ROAD");
	assert_int_equal(c->regions[0].nkeywords, 2);
	assert_string_equal(c->regions[0].keywords[0], "AMBARAWA");
	assert_string_equal(c->regions[0].keywords[1], "BANYUBIRU");
	conf_free(c);
}

/* ---- all errors at once ---- */

static void
test_five_mistakes(void **state)
{
	(void)state;
	load_bad("server = { port = 0; };\n"                                           /* 1 */
	    "agencies = ( { id = \"dpupr\"; name = \"Dinas PU\"; short_name = \"DPUPR\"; },\n" /* 2 */
	    "  { id = \"dpupr\"; name = \"Dinas PU 2\"; short_name = \"PU\"; } );\n"    /* 3 */
	    "triage = \"diskominfo\";\n"                                                /* 4 */
	    "rules = ( { keyword = \"JALAN\"; agency = \"dpu\"; label = { id = \"Jalan\"; }; } );\n" /* 5 */
	    "replies = { en = { receivd = \"Thanks\"; }; };\n");                         /* 6 */
	expect_error(&errs, 1, "server.port: 0 is out of range");
	expect_error(&errs, 3, "id 'dpupr' is already used");
	expect_error(&errs, 4, "triage: unknown agency 'diskominfo'");
	expect_error(&errs, 5, "rule JALAN: unknown agency 'dpu'");
	expect_error(&errs, 6, "replies.en.receivd: unknown template");
	assert_int_equal(errs.n, 5);
}

static void
test_errors_overflow(void **state)
{
	char *text;
	size_t o, sz = 16384;
	int i, w;

	(void)state;
	text = malloc(sz);
	assert_non_null(text);
	w = snprintf(text, sz, "%s", AGENCIES "rules = (\n");
	o = (size_t)w;
	for (i = 0; i < 70; i++) {
		w = snprintf(text + o, sz - o, "%s{ keyword = \"K%d\"; agency = \"nope\"; "
		    "label = { id = \"x\"; }; }\n", i ? "," : "", i);
		assert_true(w > 0 && (size_t)w < sz - o);
		o += (size_t)w;
	}
	(void)snprintf(text + o, sz - o, ");\n");
	load_bad(text);
	assert_int_equal(errs.n, CONF_ERRORS_MAX);
	assert_int_equal(errs.dropped, 70 - CONF_ERRORS_MAX);
	expect_error(&errs, 5, "rule K0: unknown agency 'nope'");
	free(text);
}

/* ---- replies ---- */

static void
test_replies_override(void **state)
{
	struct conf *c;

	(void)state;
	c = load_good(BASE
	    "replies = {\n"                                                             /* 6 */
	    "  id = { received = \"Diterima {ticket} untuk {agency}.\"; st_in_progress = \"dikerjakan\";\n" /* 7 */
	    "         help = \"Kirim {keywords} ke {shortcode}\"; };\n"                  /* 8 */
	    "  en = { help = \"Text {keywords} to {shortcode}\"; received = \"Got {ticket} for {agency}.\";\n" /* 9 */
	    "         st_in_progress = \"being done\"; };\n"                            /* 10 */
	    "};\n");
	assert_string_equal(c->replies[LANG_ID][REPLY_RECEIVED], "Diterima {ticket} untuk {agency}.");
	assert_string_equal(c->replies[LANG_ID][REPLY_ST_IN_PROGRESS], "dikerjakan");
	assert_string_equal(c->replies[LANG_EN][REPLY_HELP], "Text {keywords} to {shortcode}");
	/* The rest keep their defaults. */
	assert_string_equal(c->replies[LANG_EN][REPLY_RECEIVED], "Got {ticket} for {agency}.");
	assert_string_equal(c->replies[LANG_EN][REPLY_ST_IN_PROGRESS], "being done");
	assert_string_equal(c->replies[LANG_EN][REPLY_ST_RESOLVED], "resolved");
	assert_string_equal(c->replies[LANG_ID][REPLY_HELP], "Kirim {keywords} ke {shortcode}");
	assert_string_equal(c->replies[LANG_ID][REPLY_NOT_FOUND],
	    "Tiket {ticket} tidak ditemukan. Periksa nomor di SMS tanda terima aduan Anda.");
	conf_free(c);
}

static void
test_replies_errors(void **state)
{
	(void)state;
	load_bad(BASE
	    "replies = {\n"                                              /* 6 */
	    "  id = { recieved = \"x\";\n"                               /* 7 */
	    "    status = \"Tiket {ticket}: {status} {note}\";\n"        /* 8 */
	    "    st_closed = \"ditutup {date}\";\n"                      /* 9 */
	    "    added = \"Terima kasih \xe2\x9c\x93 {ticket}\";\n"      /* 10 */
	    "    withdrawn = \"\";\n"                                    /* 11 */
	    "    help = 5;\n"                                            /* 12 */
	    "    not_found = \"{tiket} tidak ada\"; };\n"                /* 13 */
	    "  fr = { received = \"x\"; };\n"                            /* 14 */
	    "  en = [ \"x\" ];\n"                                        /* 15 */
	    "};\n");
	expect_error(&errs, 7, "replies.id.recieved: unknown template 'recieved'");
	expect_error(&errs, 8, "replies.id.status: placeholder {note} is not allowed here (allowed: {ticket} {agency} {status} {date})");
	expect_error(&errs, 9, "replies.id.st_closed: placeholder {date} is not allowed here (this template takes none)");
	expect_error(&errs, 10, "replies.id.added: '\xe2\x9c\x93' is not in the GSM-7 alphabet");
	expect_error(&errs, 11, "replies.id.withdrawn: must not be empty");
	expect_error(&errs, 12, "replies.id.help: must be a string in double quotes, not a number");
	expect_error(&errs, 13, "replies.id.not_found: placeholder {tiket} is not allowed");
	expect_error(&errs, 14, "unknown setting 'fr' in 'replies' (known: id, en)");
	expect_error(&errs, 15, "replies.en: must be a group");
	/* Set in Indonesian only: status, st_closed, added, withdrawn, not_found. */
	expect_error(&errs, 8, "replies.id.status: set, but replies.en.status is not; write the text in both languages");
	expect_error(&errs, 13, "replies.id.not_found: set, but replies.en.not_found is not");
	assert_int_equal(errs.n, 14);
}

static void
test_receipt_must_fit_one_sms(void **state)
{
	(void)state;
	/* 164 characters with ticket 48219307, agency Diskominfo, short code 1708. */
	load_bad(BASE
	    "replies = { id = {\n"   /* 6 */
	    "  received = \"Aduan Anda sudah kami terima dengan nomor tiket {ticket} dan sudah kami teruskan kepada {agency} untuk segera ditindaklanjuti. Cek status: STATUS {ticket} ke {shortcode}\";\n" /* 7 */
	    "}; };\n");
	expect_error(&errs, 7, "reply 'received' (id) can reach 164 characters; a ticket confirmation must fit one SMS (160)");
	expect_error(&errs, 7, "short_name 'Diskominfo'");
	expect_error(&errs, 7, "replies.id.received: set, but replies.en.received is not");
	assert_int_equal(errs.n, 2);

	/* The longest label decides, and the triage receipt is checked too. */
	load_bad(AGENCIES
	    "rules = ( { keyword = \"JALAN\"; agency = \"dpupr\"; label = { id = \"Jalan\"; }; },\n" /* 4 */
	    "  { keyword = \"GOT\"; agency = \"dpupr\"; label = { id = \"Got\";\n"                   /* 5 */
	    "    en = \"Roads, bridges, drains, gutters, sidewalks, bus stops and parking lots\"; }; } );\n" /* 6 */
	    "replies = { en = {\n"                                                                     /* 7 */
	    "  received = \"Complaint received. Ticket no: {ticket}. Category: {category}. For status text STATUS {ticket} to {shortcode}\";\n" /* 8 */
	    "  received_triage = \"Complaint received. Ticket no: {ticket}. Our staff will forward it to the right office within three working days (Mon-Fri). For status text STATUS {ticket} to {shortcode}\";\n" /* 9 */
	    "}; };\n");
	expect_error(&errs, 8, "reply 'received' (en) can reach 162 characters");
	expect_error(&errs, 8, "label 'Roads, bridges, drains, gutters, sidew");
	expect_error(&errs, 9, "reply 'received_triage' (en) can reach 163 characters");
	expect_error(&errs, 8, "replies.en.received: set, but replies.id.received is not");
	expect_error(&errs, 9, "replies.en.received_triage: set, but replies.id.received_triage is not");
	assert_int_equal(errs.n, 4);

	/* Longer than the render buffer: still reported, not cut silently. */
	{
		char *text = malloc(4096);
		int w;

		assert_non_null(text);
		w = snprintf(text, 4096, "%sreplies = { en = { received = \"", BASE);
		memset(text + w, 'x', 2000);
		(void)snprintf(text + w + 2000, 4096 - (size_t)w - 2000,
		    " {ticket}\"; }; };\n");
		load_bad(text);
		expect_error(&errs, 6, "reply 'received' (en) can reach more than 1023 characters");
		free(text);
	}
}

/* ---- rendering and names ---- */

static void
test_render(void **state)
{
	const char *names[] = { "ticket", "status", "agency", "date", "note" };
	const char *values[] = { "48219307", "sedang ditangani", "DPUPR", "3 Mar", "\xc3\xa9\xc3\xa9\xc3\xa9" };
	char out[256], small[20];
	struct conf *c;
	long n;

	(void)state;
	c = load_good(BASE
	    "replies = { id = { not_found = \"Tiket {ticket} {bukan ini} {} {ticket\"; };\n"
	    "            en = { not_found = \"Ticket {ticket} not found\"; }; };\n");
	n = conf_render(c, LANG_ID, REPLY_STATUS, names, values, 4, out, sizeof(out));
	assert_string_equal(out, "Tiket 48219307: sedang ditangani. Ditangani DPUPR, update 3 Mar.");
	assert_int_equal(n, (long)strlen(out));

	/* A placeholder without a value renders as nothing. */
	n = conf_render(c, LANG_EN, REPLY_STATUS, names, values, 1, out, sizeof(out));
	assert_string_equal(out, "Ticket 48219307: . Handled by , updated .");

	/* Braces that are not a placeholder are text. */
	(void)conf_render(c, LANG_ID, REPLY_NOT_FOUND, names, values, 1, out, sizeof(out));
	assert_string_equal(out, "Tiket 48219307 {bukan ini} {} {ticket");

	/* Truncation: -1, NUL-terminated, the prefix that fit. */
	n = conf_render(c, LANG_ID, REPLY_STATUS, names, values, 4, small, sizeof(small));
	assert_int_equal(n, -1);
	assert_string_equal(small, "Tiket 48219307: sed");

	/* ... never cut inside a UTF-8 character. */
	{
		/* "Tiket 48219307: sedang ditangani. Ditangani DPUPR, update 3 Mar. Catatan: " is 74 bytes. */
		char cut[78];

		n = conf_render(c, LANG_ID, REPLY_STATUS_NOTE, names, values, 5, cut, sizeof(cut));
		assert_int_equal(n, -1);
		assert_int_equal(strlen(cut), 76);
		assert_memory_equal(cut + 74, "\xc3\xa9", 2);
	}

	assert_int_equal(conf_render(c, LANG_ID, REPLY_STATUS, names, values, 4, out, 0), -1);
	assert_int_equal(conf_render(c, LANG_ID, REPLY_N, names, values, 4, out, sizeof(out)), -1);
	assert_string_equal(out, "");
	assert_int_equal(conf_render(c, LANG_NONE, REPLY_STATUS, names, values, 4, out, sizeof(out)), -1);

	/* Without a conf: the built-in texts. */
	n = conf_render(NULL, LANG_EN, REPLY_ST_IN_PROGRESS, NULL, NULL, 0, out, sizeof(out));
	assert_string_equal(out, "in progress");
	assert_int_equal(n, 11);
	conf_free(c);
}

static void
test_status_reply(void **state)
{
	(void)state;
	assert_int_equal(conf_status_reply("received"), REPLY_ST_RECEIVED);
	assert_int_equal(conf_status_reply("routed"), REPLY_ST_ROUTED);
	assert_int_equal(conf_status_reply("in_progress"), REPLY_ST_IN_PROGRESS);
	assert_int_equal(conf_status_reply("resolved"), REPLY_ST_RESOLVED);
	assert_int_equal(conf_status_reply("closed"), REPLY_ST_CLOSED);
	assert_int_equal(conf_status_reply("deferred"), REPLY_ST_DEFERRED);
	assert_int_equal(conf_status_reply("rejected"), REPLY_ST_REJECTED);
	assert_int_equal(conf_status_reply("withdrawn"), REPLY_ST_WITHDRAWN);
	assert_int_equal(conf_status_reply("in progress"), -1);
	assert_int_equal(conf_status_reply("RESOLVED"), -1);
	assert_int_equal(conf_status_reply(""), -1);
	assert_int_equal(conf_status_reply(NULL), -1);
}

static void
test_reply_names(void **state)
{
	static const char *const want[REPLY_N] = {
		"received", "received_triage", "need_text", "status", "status_note",
		"not_found", "mistyped", "bad_ticket", "added", "add_empty",
		"withdrawn", "already_closed", "help", "stopped", "started",
		"lang_set", "lang_how", "duplicate", "limited", "capped", "reopened", "duplicate_of",
		"resolved_hint", "received_outside", "received_thanks",
		"st_received", "st_routed", "st_in_progress", "st_resolved",
		"st_closed", "st_deferred", "st_rejected", "st_withdrawn"
	};
	int r;

	(void)state;
	for (r = 0; r < REPLY_N; r++)
		assert_string_equal(conf_reply_name((enum conf_reply)r), want[r]);
	assert_null(conf_reply_name(REPLY_N));
	assert_null(conf_reply_name((enum conf_reply)-1));
}

/* guard: defaults, ranges, the blocklist normalised, auto-reply texts normalised. */
static void
test_guard_settings(void **state)
{
	struct conf *c;

	(void)state;
	c = load_good(BASE);
	assert_int_equal(c->guard_complaints_per_hour, 10);
	assert_int_equal(c->guard_burst, 3);
	assert_int_equal(c->guard_duplicate_window, 86400);
	assert_int_equal(c->guard_replies_per_hour, 20);
	assert_int_equal(c->guard_loop_repeats, 5);
	assert_int_equal(c->guard_loop_window, 600);
	assert_int_equal(c->nguard_blocklist, 0);
	assert_true(c->nguard_autoreply > 0);
	conf_free(c);

	c = load_good(BASE
	    "guard = { burst = 5; complaints_per_hour = 0;\n"
	    "  blocklist = [ \"0812-3456-7890\", \"+62 811 000 999\" ];\n"
	    "  autoreply = [ \"Saya  SEDANG cuti\" ]; };\n");
	assert_int_equal(c->guard_burst, 5);
	assert_int_equal(c->guard_complaints_per_hour, 0);
	assert_int_equal(c->nguard_blocklist, 2);
	assert_string_equal(c->guard_blocklist[0], "+6281234567890");
	assert_string_equal(c->guard_blocklist[1], "+62811000999");
	assert_int_equal(c->nguard_autoreply, 1);
	assert_string_equal(c->guard_autoreply[0], "saya sedang cuti");
	conf_free(c);

	load_bad(BASE
	    "guard = { burst = 0;\n"
	    "  blocklist = [ \"TELKOMSEL\" ];\n"
	    "  autoreply = [ \"ok\" ];\n"
	    "  flood = 1; };\n");
	expect_error(&errs, 6, "guard.burst");
	expect_error(&errs, 7, "guard.blocklist");
	expect_error(&errs, 8, "guard.autoreply");
	expect_error(&errs, 9, "flood");
}

static void
test_agency_find(void **state)
{
	struct conf *c;

	(void)state;
	c = load_good(BASE);
	assert_int_equal(conf_agency_find(c, "dpupr"), 0);
	assert_int_equal(conf_agency_find(c, "diskominfo"), 1);
	assert_int_equal(conf_agency_find(c, "DPUPR"), -1);
	assert_int_equal(conf_agency_find(c, NULL), -1);
	conf_free(c);
	conf_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example_config),
		cmocka_unit_test(test_good_fixture),
		cmocka_unit_test(test_bad_many_fixture),
		cmocka_unit_test(test_include),
		cmocka_unit_test(test_unreadable_file),
		cmocka_unit_test(test_syntax_error),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_scalars_set),
		cmocka_unit_test(test_scalar_range),
		cmocka_unit_test(test_retention),
		cmocka_unit_test(test_scalar_types),
		cmocka_unit_test(test_scalar_values),
		cmocka_unit_test(test_max_text_within_body),
		cmocka_unit_test(test_unknown_settings),
		cmocka_unit_test(test_kannel),
		cmocka_unit_test(test_trusted_proxies),
		cmocka_unit_test(test_client_address),
		cmocka_unit_test(test_gateway_allow_from),
		cmocka_unit_test(test_secret_next),
		cmocka_unit_test(test_secrets_file),
		cmocka_unit_test(test_agencies),
		cmocka_unit_test(test_agencies_required),
		cmocka_unit_test(test_triage),
		cmocka_unit_test(test_regions),
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_rules_unless),
		cmocka_unit_test(test_rules_weak),
		cmocka_unit_test(test_rules_required),
		cmocka_unit_test(test_duplicate_words),
		cmocka_unit_test(test_command_words),
		cmocka_unit_test(test_folding),
		cmocka_unit_test(test_five_mistakes),
		cmocka_unit_test(test_errors_overflow),
		cmocka_unit_test(test_replies_override),
		cmocka_unit_test(test_replies_errors),
		cmocka_unit_test(test_receipt_must_fit_one_sms),
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_not_a_regular_file),
		cmocka_unit_test(test_hash_covers_includes),
		cmocka_unit_test(test_include_absolute),
		cmocka_unit_test(test_status_reply),
		cmocka_unit_test(test_reply_names),
		cmocka_unit_test(test_agency_find),
		cmocka_unit_test(test_guard_settings),
		cmocka_unit_test(test_demo_values_refused),
		cmocka_unit_test(test_demo_values_accepted_in_demo_mode),
		cmocka_unit_test(test_demo_values_matched_by_value),
		cmocka_unit_test(test_example_needs_demo_mode),
		cmocka_unit_test(test_token_shared_by_two_agencies),
		cmocka_unit_test(test_spellings_and_routing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
