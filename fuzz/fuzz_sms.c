/*
 * fuzz_sms: the SMS grammar as intake reads a message, on the example
 * config: sms_parse(), then for a complaint the routing (route_sms_decide:
 * rules, regions, typos, triage) and the reply the citizen would get
 * (conf_render, gsm_clean, gsm_fit), with the citizen's own words in the
 * template variables.  The input is the message text; only valid UTF-8 is
 * given to the grammar, as every gateway decoder guarantees.
 *
 * The config: $ADUAN_FUZZ_CONF, else conf/aduan.conf (run from the source
 * tree), loaded once in LLVMFuzzerInitialize.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "intake/intake.h"
#include "routing/decide.h"
#include "routing/route.h"
#include "sms/gsm.h"
#include "sms/parse.h"
#include "sms/text.h"
#include "util/log.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct conf *conf;
static struct route_table *rt;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct conf_errors errs;
	const char *path = getenv("ADUAN_FUZZ_CONF");
	char err[256];

	(void)argc;
	(void)argv;
	if (path == NULL)
		path = "conf/aduan.conf";
	memset(&errs, 0, sizeof errs);
	conf = conf_load_file(path, CONF_DEMO, &errs);
	if (conf == NULL) {
		fprintf(stderr, "fuzz_sms: %s: %s\n", path, errs.n > 0 ? errs.e[0].msg : "cannot load");
		exit(2);
	}
	rt = route_build(conf, err, sizeof err);
	if (rt == NULL) {
		fprintf(stderr, "fuzz_sms: %s: %s\n", path, err);
		exit(2);
	}
	return 0;
}

/* A slice as a NUL-terminated variable value, cut to fit. */
static void
slice(char *out, size_t outsz, const char *p, size_t len)
{
	if (p == NULL)
		len = 0;
	if (len >= outsz)
		len = outsz - 1;
	if (len > 0)
		memcpy(out, p, len);
	out[len] = '\0';
}

/* The reply as intake writes it: render, GSM-7 look-alikes, at most 3 parts. */
static void
reply(enum lang l, enum conf_reply r, const char *const *names, const char *const *values,
    size_t n)
{
	char raw[INTAKE_REPLY_MAX], clean[INTAKE_REPLY_MAX], out[INTAKE_REPLY_MAX];
	struct gsm_count gc;

	if (conf_render(conf, l, r, names, values, n, raw, sizeof raw) < 0)
		raw[sizeof raw - 1] = '\0';
	if (gsm_clean(raw, strlen(raw), clean, sizeof clean) < 0)
		memcpy(clean, raw, sizeof clean);
	if (gsm_fit(clean, strlen(clean), 3, out, sizeof out) >= 0)
		(void)gsm_count(out, strlen(out), &gc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *names[] = { "ticket", "agency", "category", "shortcode", "keyword",
	    "note", "command", "status" };
	const char *values[8];
	struct sms_command cmd;
	struct route_sms r;
	char kw[64], note[200], desc[200];
	enum lang l;
	const char *text = (const char *)data;

	if (conf == NULL)
		LLVMFuzzerInitialize(NULL, NULL);
	if (!text_utf8_valid(text, size))
		return 0;
	sms_parse(text, size, &cmd);
	l = cmd.lang != LANG_NONE ? cmd.lang : LANG_ID;
	values[0] = cmd.ticket;
	values[3] = conf->short_code;
	values[6] = cmd.word;
	values[7] = "routed";
	if (cmd.cmd != SMS_COMPLAINT) {
		slice(note, sizeof note, cmd.note.p, cmd.note.len);
		values[1] = "DPUPR";
		values[2] = "";
		values[4] = cmd.word;
		values[5] = note;
		reply(l, cmd.cmd == SMS_STATUS ? REPLY_STATUS_NOTE : cmd.cmd == SMS_ADD ?
		    REPLY_ADDED : REPLY_BAD_TICKET, names, values, 8);
		return 0;
	}
	route_sms_decide(rt, &cmd, &r);
	if (r.d.agency >= conf->nagencies)
		abort();                /* a decision must name a real agency */
	if (r.d.rule >= (long)conf->nrules || r.d.region >= (long)conf->nregions)
		abort();
	if (r.dlen > 0 && (r.desc < text || r.desc + r.dlen > text + size))
		abort();                /* the description is a slice of the message */
	if (r.d.lang != LANG_NONE)
		l = r.d.lang;
	slice(kw, sizeof kw, r.d.word, strlen(r.d.word));
	slice(desc, sizeof desc, r.desc, r.dlen);
	values[1] = conf->agencies[r.d.agency].short_name;
	values[2] = r.d.rule >= 0 ? conf->rules[r.d.rule].label[l] : "";
	values[4] = kw;
	values[5] = desc;
	reply(l, r.answer == ROUTE_SMS_NEED_TEXT ? REPLY_NEED_TEXT :
	    r.answer == ROUTE_SMS_HELP ? REPLY_HELP :
	    r.d.rule >= 0 ? REPLY_RECEIVED : REPLY_RECEIVED_TRIAGE, names, values, 8);
	return 0;
}
