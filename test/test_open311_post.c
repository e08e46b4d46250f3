/*
 * test_open311_post: a partner's Open311 POST fields into a checked
 * request (agency/open311_post.h, open311_post_read), and the config it
 * reads them against: open311.partners and a rule's attributes
 * (conf/partners.c).  Pure: literal configs, fields as a table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "agency/open311_post.h"
#include "conf/conf.h"

#define KEY_A "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"
#define KEY_B "0000000000000000000000000000000000000000000000000000000000000001"

/* Lines 1-3: agencies and triage; 4-9: JALAN with two attributes; 10: SAMPAH. */
#define BASE \
	"agencies = ( { id = \"dpupr\"; name = \"Dinas PU\"; short_name = \"DPUPR\"; },\n" \
	"  { id = \"diskominfo\"; name = \"Diskominfo\"; short_name = \"Diskominfo\"; } );\n" \
	"triage = \"diskominfo\";\n" \
	"rules = ( { keyword = \"JALAN\"; agency = \"dpupr\"; label = { id = \"Jalan\"; };\n" \
	"  attributes = (\n" \
	"    { code = \"JENIS\"; description = \"Jenis\"; datatype = \"singlevaluelist\";\n" \
	"      required = true; values = [ \"Berlubang\", \"Retak\" ]; },\n" \
	"    { code = \"LEBAR\"; description = \"Lebar\"; datatype = \"number\"; },\n" \
	"    { code = \"SEJAK\"; description = \"Sejak\"; datatype = \"datetime\"; } ); },\n" \
	"  { keyword = \"SAMPAH\"; agency = \"dpupr\"; label = { id = \"Sampah\"; }; } );\n"

/* A config whose JALAN rule has one attribute X with members m. */
#define AGENCY_RULE_ATTR(m) \
	"agencies = ( { id = \"dpupr\"; name = \"Dinas PU\"; short_name = \"DPUPR\"; } );\n" \
	"triage = \"dpupr\";\n" \
	"rules = ( { keyword = \"JALAN\"; agency = \"dpupr\"; label = { id = \"Jalan\"; };\n" \
	"  attributes = ( { code = \"X\"; description = \"x\"; " m " } ); } );\n"

static struct conf_errors errs;

static struct conf *
load(const char *text)
{
	struct conf *c = conf_load_string(text, 0, &errs);
	int i;

	if (c == NULL)
		for (i = 0; i < errs.n; i++)
			print_message("    line %d: %s\n", errs.e[i].line, errs.e[i].msg);
	return c;
}

/* Fails unless loading text fails with an error containing what. */
static void
refused(const char *text, const char *what)
{
	struct conf *c = conf_load_string(text, 0, &errs);
	int i;

	if (c != NULL) {
		conf_free(c);
		fail_msg("accepted, expected an error with '%s'", what);
	}
	for (i = 0; i < errs.n; i++)
		if (strstr(errs.e[i].msg, what) != NULL)
			return;
	for (i = 0; i < errs.n; i++)
		print_message("    line %d: %s\n", errs.e[i].line, errs.e[i].msg);
	fail_msg("no error with '%s'", what);
}

static int
setup(void **state)
{
	struct conf *c = load(BASE "open311 = { partners = (\n"
	    "  { id = \"kab-semarang\"; name = \"Kabupaten Semarang\"; key_sha256 = \"" KEY_A "\"; }\n"
	    "); };\n");

	assert_non_null(c);
	*state = c;
	return 0;
}

static int
teardown(void **state)
{
	conf_free(*state);
	return 0;
}

/* A form as "name=value" strings (values without NUL): fields point into them. */
#define FIELDS_MAX 16
struct form {
	struct open311_param p[FIELDS_MAX];
	char buf[FIELDS_MAX][256];
	size_t n;
};

static void
form(struct form *f, ...)
{
	va_list ap;
	const char *s;

	memset(f, 0, sizeof *f);
	va_start(ap, f);
	while ((s = va_arg(ap, const char *)) != NULL && f->n < FIELDS_MAX) {
		char *eq;

		snprintf(f->buf[f->n], sizeof f->buf[0], "%s", s);
		eq = strchr(f->buf[f->n], '=');
		assert_non_null(eq);
		*eq = '\0';
		f->p[f->n].name = f->buf[f->n];
		f->p[f->n].value = eq + 1;
		f->p[f->n].len = strlen(eq + 1);
		f->n++;
	}
	va_end(ap);
}

/* Reading f must fail with a message containing want. */
static void
read_fails(const struct conf *c, const struct form *f, const char *want)
{
	struct open311_post p;
	char msg[256];

	if (open311_post_read(c, f->p, f->n, &p, msg, sizeof msg) == 0)
		fail_msg("accepted; expected a 400 naming '%s'", want);
	if (strstr(msg, want) == NULL)
		fail_msg("expected a message with '%s', got '%s'", want, msg);
}

static void
partners_and_attributes_load(void **state)
{
	const struct conf *c = *state;
	const struct conf_rule *r = &c->rules[0];

	assert_int_equal(c->npartners, 1);
	assert_string_equal(c->partners[0].id, "kab-semarang");
	assert_string_equal(c->partners[0].key_sha256, KEY_A);
	assert_int_equal(c->open311_receipt_sms, 0);
	assert_int_equal(r->nattrs, 3);
	assert_string_equal(r->attrs[0].code, "JENIS");
	assert_int_equal(r->attrs[0].type, ATTR_SINGLEVALUELIST);
	assert_int_equal(r->attrs[0].required, 1);
	assert_int_equal(r->attrs[0].nvalues, 2);
	assert_int_equal(r->attrs[1].type, ATTR_NUMBER);
	assert_int_equal(r->attrs[1].required, 0);
	assert_int_equal(c->rules[1].nattrs, 0);
}

static void
partners_config_errors(void **state)
{
	(void)state;
	refused(BASE "open311 = { partners = ( { id = \"a\"; name = \"A\"; key_sha256 = \"" KEY_A
	    "\"; }, { id = \"a\"; name = \"B\"; key_sha256 = \"" KEY_B "\"; } ); };\n",
	    "is partner 1's already");
	refused(BASE "open311 = { partners = ( { id = \"a\"; name = \"A\"; key_sha256 = \"" KEY_A
	    "\"; }, { id = \"b\"; name = \"B\"; key_sha256 = \"" KEY_A "\"; } ); };\n",
	    "key of its own");
	refused(BASE "open311 = { partners = ( { id = \"a\"; name = \"A\"; key_sha256 = \"XYZ\"; } ); };\n",
	    "64 lower-case hex digits");
	refused(BASE "open311 = { partners = ( { id = \"a\"; name = \"A\"; } ); };\n", "key_sha256");
	refused(BASE "open311 = { partners = ( { id = \"a\"; name = \"A\"; key_sha256 = \"" KEY_A
	    "\"; colour = 1; } ); };\n", "unknown setting 'colour'");
	refused(AGENCY_RULE_ATTR("datatype = \"singlevaluelist\";"), "needs values");
	refused(AGENCY_RULE_ATTR("datatype = \"float\";"), "datatype 'float'");
	refused(AGENCY_RULE_ATTR("datatype = \"number\"; values = [ \"1\" ];"), "list datatypes");
	refused(AGENCY_RULE_ATTR("datatype = \"singlevaluelist\"; values = [ \"a\", \"a\" ];"),
	    "listed twice");
}

static void
read_a_good_request(void **state)
{
	const struct conf *c = *state;
	struct open311_post p;
	struct form f;
	char msg[256], *d;
	json_t *j;

	form(&f, "api_key=secret", "jurisdiction_id=semarang", "service_code=jalan",
	    "address_string=Jl. Pemuda 12", "lat=-7.13", "long=110.4",
	    "description=  Jalan berlubang  ", "phone=0812-3456-7001", "attribute[JENIS]=Retak",
	    "attribute[LEBAR]=2.5", "media_url=https://example.org/a.jpg", "first_name=Sri", NULL);
	assert_int_equal(open311_post_read(c, f.p, f.n, &p, msg, sizeof msg), 0);
	assert_int_equal(p.rule, 0);
	assert_string_equal(p.address, "Jl. Pemuda 12");
	assert_int_equal(p.has_point, 1);
	assert_true(p.lat < -7.12 && p.lat > -7.14);
	assert_int_equal((int)p.dlen, 15);
	assert_memory_equal(p.desc, "Jalan berlubang", 15);
	assert_string_equal(p.phone, "+6281234567001");
	assert_string_equal(p.attr[0], "Retak");
	assert_string_equal(p.attr[1], "2.5");
	assert_null(p.attr[2]);
	d = open311_post_details(c, &p);
	assert_non_null(d);
	j = json_loads(d, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "attributes"),
	    "JENIS")), "Retak");
	assert_string_equal(json_string_value(json_object_get(j, "media_url")),
	    "https://example.org/a.jpg");
	assert_string_equal(json_string_value(json_object_get(j, "first_name")), "Sri");
	json_decref(j);
	free(d);

	/* The triage code: no rule, a point is location enough, no phone. */
	form(&f, "service_code=TRIAGE", "lat=0", "long=0", "description=lampu mati", NULL);
	assert_int_equal(open311_post_read(c, f.p, f.n, &p, msg, sizeof msg), 0);
	assert_int_equal(p.rule, -1);
	assert_null(p.address);
	assert_string_equal(p.phone, "");
	d = open311_post_details(c, &p);
	assert_non_null(d);     /* the point */
	free(d);
	/* An empty optional field is one not sent. */
	form(&f, "service_code=SAMPAH", "address_string=x", "description=bau", "phone=",
	    "email=", NULL);
	assert_int_equal(open311_post_read(c, f.p, f.n, &p, msg, sizeof msg), 0);
	assert_null(open311_post_details(c, &p));
}

static void
every_bad_field_named(void **state)
{
	const struct conf *c = *state;
	struct form f;
	char big[300];

#define LOC "address_string=x"
#define DESC "description=rusak"
	form(&f, LOC, DESC, NULL);
	read_fails(c, &f, "service_code");
	form(&f, "service_code=NOPE", LOC, DESC, NULL);
	read_fails(c, &f, "service_code");
	form(&f, "service_code=SAMPAH", DESC, NULL);
	read_fails(c, &f, "address_string");
	form(&f, "service_code=SAMPAH", "lat=1", DESC, NULL);
	read_fails(c, &f, "long");
	form(&f, "service_code=SAMPAH", "long=1", DESC, NULL);
	read_fails(c, &f, "lat");
	form(&f, "service_code=SAMPAH", "lat=-90.5", "long=1", DESC, NULL);
	read_fails(c, &f, "lat");
	form(&f, "service_code=SAMPAH", "lat=1", "long=180.01", DESC, NULL);
	read_fails(c, &f, "long");
	form(&f, "service_code=SAMPAH", "lat=nan", "long=1", DESC, NULL);
	read_fails(c, &f, "lat");
	form(&f, "service_code=SAMPAH", "lat=1x", "long=1", DESC, NULL);
	read_fails(c, &f, "lat");
	form(&f, "service_code=SAMPAH", "lat=0x1p3", "long=1", DESC, NULL);
	read_fails(c, &f, "lat");
	form(&f, "service_code=SAMPAH", "lat=1", "long=-inf", DESC, NULL);
	read_fails(c, &f, "long");
	form(&f, "service_code=SAMPAH", LOC, NULL);
	read_fails(c, &f, "description");
	form(&f, "service_code=SAMPAH", LOC, "description= \t ", NULL);
	read_fails(c, &f, "description");
	form(&f, "service_code=SAMPAH", LOC, "description=\xc3\x28", NULL);
	read_fails(c, &f, "description is not valid UTF-8");
	form(&f, "service_code=SAMPAH", LOC, DESC, "phone=12", NULL);
	read_fails(c, &f, "phone");
	form(&f, "service_code=SAMPAH", LOC, DESC, "email=a b@c", NULL);
	read_fails(c, &f, "email");
	form(&f, "service_code=SAMPAH", LOC, DESC, "media_url=javascript:alert(1)", NULL);
	read_fails(c, &f, "media_url");
	form(&f, "service_code=SAMPAH", LOC, DESC, "media_url=https://a.b/<x>", NULL);
	read_fails(c, &f, "media_url");
	form(&f, "service_code=SAMPAH", LOC, DESC, "first_name=a\x01", NULL);
	read_fails(c, &f, "first_name");
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	memcpy(big, "device_id=", 10);
	form(&f, "service_code=SAMPAH", LOC, DESC, big, NULL);
	read_fails(c, &f, "device_id");
	form(&f, "service_code=SAMPAH", LOC, DESC, "colour=red", NULL);
	read_fails(c, &f, "unknown field 'colour'");
	/* The client's bytes are quoted fit for a log line: no line break gets through. */
	form(&f, "service_code=SAMPAH", LOC, DESC, "col\nour=red", NULL);
	read_fails(c, &f, "unknown field 'col?our'");
	form(&f, "service_code=SAM\r\nPAH", LOC, DESC, NULL);
	read_fails(c, &f, "service_code 'SAM??PAH' is unknown");
	form(&f, "service_code=SAMPAH", LOC, DESC, "attribute[JENIS=Retak", NULL);
	read_fails(c, &f, "attribute[CODE]");
	/* A NUL byte inside a value. */
	form(&f, "service_code=SAMPAH", LOC, DESC, NULL);
	f.p[2].len = 8;         /* "rusak\0" and beyond: the length says more than strlen */
	read_fails(c, &f, "description contains a NUL byte");
#undef LOC
#undef DESC
}

static void
attributes_checked(void **state)
{
	const struct conf *c = *state;
	struct open311_post p;
	struct form f;
	char msg[256];

#define JALAN "service_code=JALAN", "address_string=x", "description=rusak"
	form(&f, JALAN, NULL);
	read_fails(c, &f, "attribute[JENIS] is required");
	form(&f, JALAN, "attribute[JENIS]=", NULL);
	read_fails(c, &f, "attribute[JENIS] is required");
	form(&f, JALAN, "attribute[JENIS]=Bagus", NULL);
	read_fails(c, &f, "attribute[JENIS] must be one of");
	form(&f, JALAN, "attribute[JENIS]=retak", NULL);       /* values are exact */
	read_fails(c, &f, "attribute[JENIS]");
	form(&f, JALAN, "attribute[JENIS]=Retak", "attribute[LEBAR]=dua", NULL);
	read_fails(c, &f, "attribute[LEBAR] must be a number");
	form(&f, JALAN, "attribute[JENIS]=Retak", "attribute[SEJAK]=kemarin", NULL);
	read_fails(c, &f, "attribute[SEJAK] must be a datetime");
	form(&f, JALAN, "attribute[JENIS]=Retak", "attribute[WARNA]=merah", NULL);
	read_fails(c, &f, "attribute[WARNA] is not an attribute of service JALAN");
	form(&f, "service_code=SAMPAH", "address_string=x", "description=bau",
	    "attribute[JENIS]=Retak", NULL);
	read_fails(c, &f, "not an attribute of service SAMPAH");
	form(&f, JALAN, "attribute[JENIS][]=Berlubang", "attribute[SEJAK]=2026-12-01T08:00",
	    NULL);
	assert_int_equal(open311_post_read(c, f.p, f.n, &p, msg, sizeof msg), 0);
	assert_string_equal(p.attr[0], "Berlubang");
	assert_string_equal(p.attr[2], "2026-12-01T08:00");
#undef JALAN
}

static void
multivaluelist_takes_a_comma_list(void **state)
{
	struct conf *c;
	struct open311_post p;
	struct form f;
	char msg[256];

	(void)state;
	c = load(AGENCY_RULE_ATTR("datatype = \"multivaluelist\"; values = [ \"a\", \"b\", \"c\" ];"));
	assert_non_null(c);
	form(&f, "service_code=JALAN", "address_string=x", "description=d", "attribute[X]=a,c",
	    NULL);
	assert_int_equal(open311_post_read(c, f.p, f.n, &p, msg, sizeof msg), 0);
	form(&f, "service_code=JALAN", "address_string=x", "description=d", "attribute[X]=a,d",
	    NULL);
	read_fails(c, &f, "attribute[X] must be a comma list");
	conf_free(c);
}

/* Writes text to dir/name with mode; the path in buf. */
static void
write_file(const char *dir, const char *name, const char *text, mode_t mode, char *buf,
    size_t bufsz)
{
	FILE *fp;

	snprintf(buf, bufsz, "%s/%s", dir, name);
	assert_non_null(fp = fopen(buf, "w"));
	assert_true(fputs(text, fp) >= 0);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(chmod(buf, mode), 0);
}

/*
 * A partner's key_sha256 may live in the secrets file, as agencies' tokens
 * do: merged by id; without the secrets read, the partner loads without a
 * key (no POST accepted) instead of failing; a secret for an unknown
 * partner, or anything else of open311 there, is an error.
 */
static void
partner_key_in_the_secrets_file(void **state)
{
	char dir[] = "/tmp/test-open311-XXXXXX", main_path[256], sec[256];
	struct conf *c;

	(void)state;
	assert_non_null(mkdtemp(dir));
	write_file(dir, "aduan.conf", BASE "secrets = \"secrets.conf\";\n"
	    "open311 = { partners = ( { id = \"kab-semarang\"; name = \"Kab\"; } ); };\n",
	    0644, main_path, sizeof main_path);
	write_file(dir, "secrets.conf", "open311 = { partners = ( { id = \"kab-semarang\";"
	    " key_sha256 = \"" KEY_A "\"; } ); };\n", 0600, sec, sizeof sec);
	c = conf_load_file(main_path, CONF_SECRETS, &errs);
	if (c == NULL)
		fail_msg("refused: %s", errs.n > 0 ? errs.e[0].msg : "?");
	assert_string_equal(c->partners[0].key_sha256, KEY_A);
	conf_free(c);
	unlink(sec);            /* a command that may go without: loads, no key */
	c = conf_load_file(main_path, 0, &errs);
	assert_non_null(c);
	assert_false(c->secrets_loaded);
	assert_null(c->partners[0].key_sha256);
	conf_free(c);

	write_file(dir, "secrets.conf", "open311 = { enabled = true; partners = ( { id = \"x\";"
	    " key_sha256 = \"" KEY_A "\"; } ); };\n", 0600, sec, sizeof sec);
	assert_null(conf_load_file(main_path, CONF_SECRETS, &errs));
	assert_true(errs.n >= 2);
	assert_non_null(strstr(errs.e[0].msg, "open311.enabled: not a secret") != NULL ?
	    errs.e[0].msg : errs.e[1].msg);
	unlink(sec);
	unlink(main_path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(partners_and_attributes_load, setup, teardown),
		cmocka_unit_test(partners_config_errors),
		cmocka_unit_test_setup_teardown(read_a_good_request, setup, teardown),
		cmocka_unit_test_setup_teardown(every_bad_field_named, setup, teardown),
		cmocka_unit_test_setup_teardown(attributes_checked, setup, teardown),
		cmocka_unit_test(multivaluelist_takes_a_comma_list),
		cmocka_unit_test(partner_key_in_the_secrets_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
