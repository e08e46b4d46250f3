/*
 * cli/sms.c: a phone in the terminal against a running service:
 * `aduan sms FROM TEXT` (as Kannel would send it) and `aduan phone --ussd`
 * (a USSD session, as Africa's Talking would); ops/phone.c talks HTTP.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "conf/conf.h"
#include "ops/phone.h"
#include "sms/gsm.h"

int
cmd_phone(const struct opts *o, int argc, char **argv)
{
	struct conf *c;
	struct phone_ussd u = { 0 };
	char url[300], err[256];
	int rc;

	(void)argc;
	(void)argv;
	if (o->ussd == NULL)
		return CLI_USAGE;
	if ((c = load_conf(o->conf, CONF_DEMO | CONF_SECRETS)) == NULL)
		return 1;
	if (c->africastalking_secret == NULL) {
		fprintf(stderr, "aduan: %s has no gateways.africastalking group: the USSD endpoint is off\n",
		    o->conf);
		conf_free(c);
		return 1;
	}
	base_url(o, c, url, sizeof url);
	u.base_url = url;
	u.secret = c->africastalking_secret;
	u.from = o->from ? o->from : "081234567890";
	u.code = o->ussd;
	u.session = o->session;
	u.in = stdin;
	u.out = stdout;
	rc = phone_ussd_run(&u, err, sizeof err);
	conf_free(c);
	if (rc < 0) {
		fprintf(stderr, "aduan: %s: %s\n", url, err);
		return 1;
	}
	return 0;
}

int
cmd_sms(const struct opts *o, int argc, char **argv)
{
	const char *from = argv[0], *text = argv[1];
	struct conf *c = load_conf(o->conf, CONF_DEMO | CONF_SECRETS);
	struct phone_sms m = { 0 };
	struct gsm_count gc;
	char url[300], err[256], *body = NULL;
	int st, coding2;

	(void)argc;
	if (c == NULL)
		return 1;
	if (c->kannel_secret == NULL) {
		fprintf(stderr, "aduan: %s has no gateways.kannel group: the Kannel endpoint is off\n",
		    o->conf);
		conf_free(c);
		return 1;
	}
	base_url(o, c, url, sizeof url);
	m.base_url = url;
	m.secret = c->kannel_secret;
	m.from = from;
	m.to = o->to ? o->to : c->short_code;
	m.text = text;
	m.id = o->id;
	st = phone_sms_send(&m, &body, &coding2, err, sizeof err);
	conf_free(c);
	if (st < 0) {
		fprintf(stderr, "aduan: %s: %s (is `aduan serve` running?)\n", url, err);
		return 1;
	}
	if (st != 200) {
		fprintf(stderr, "aduan: the service answered HTTP %d: %s", st, body);
		free(body);
		return 1;
	}
	if (*body == '\0')
		fprintf(stderr, "(no reply: nothing is sent to this sender)\n");
	else {
		printf("%s\n", body);
		if (gsm_count(body, strlen(body), &gc) == 0)
			fprintf(stderr, "(%zu SMS part%s, %s, %zu %s)\n", gc.parts,
			    gc.parts == 1 ? "" : "s", gc.coding == GSM_7BIT ? "GSM-7" : "UCS-2",
			    gc.units, gc.coding == GSM_7BIT ? "septets" : "UTF-16 units");
	}
	free(body);
	return 0;
}
