/*
 * cli/hub.c: `aduan hub check`, the mapping of local categories to the
 * hub's service codes (the config's hub group) checked against the hub's
 * own list, GET {hub.url}services.json.  Every category whose tickets go
 * to the hub (hub.categories, and the rules of hub.agencies) is printed
 * with its code; one the hub does not offer makes the exit status 1.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "conf/conf.h"
#include "net/fetch.h"
#include "util/util.h"

#define SERVICES_MAX    (1024 * 1024)   /* the hub's services.json */

/* 1 when the hub's list (a JSON array of services) has code. */
static int
hub_has(const json_t *list, const char *code)
{
	size_t i;
	json_t *s, *v;

	json_array_foreach(list, i, s) {
		v = json_object_get(s, "service_code");
		if (json_is_string(v) && strcmp(json_string_value(v), code) == 0)
			return 1;
	}
	return 0;
}

int
cmd_hub_check(const struct opts *o, int argc, char **argv)
{
	struct conf *c;
	struct fetch_req req = { 0 };
	struct fetch_res res;
	const char *hdrs[] = { "Accept: application/json", "User-Agent: aduan", NULL };
	json_t *list = NULL;
	char *url = NULL, why[FETCH_QUOTE_MAX + 1];
	const char *code;
	size_t i, n, checked = 0, missing = 0;
	int rc = 1;

	(void)argc;
	(void)argv;
	if ((c = load_conf(o->conf, CONF_DEMO)) == NULL)
		return 1;
	if (c->hub_url == NULL) {
		fprintf(stderr, "aduan: hub check: %s has no hub group: no ticket is forwarded\n",
		    c->path);
		conf_free(c);
		return 1;
	}
	if (fetch_init() != 0) {
		fprintf(stderr, "aduan: hub check: cannot start libcurl\n");
		conf_free(c);
		return 1;
	}
	n = strlen(c->hub_url) + sizeof "services.json";
	url = xmalloc(n);
	(void)snprintf(url, n, "%sservices.json", c->hub_url);
	req.method = "GET";
	req.url = url;
	req.headers = hdrs;
	req.timeout_s = c->delivery_timeout;
	req.max_response = SERVICES_MAX;
	if (fetch(&req, &res) != 0) {
		fprintf(stderr, "aduan: hub check: %s: %s\n", url, res.error);
		goto done;
	}
	if (res.status != 200) {
		fetch_quote(res.body, res.body_len, why, sizeof why);
		fprintf(stderr, "aduan: hub check: %s: HTTP %ld: %s\n", url, res.status, why);
		goto done;
	}
	list = json_loadb(res.body, res.body_len, 0, NULL);
	if (!json_is_array(list)) {
		fprintf(stderr, "aduan: hub check: %s: the answer is not a JSON array of "
		    "services\n", url);
		goto done;
	}
	printf("hub %s: %zu services\n", c->hub_url, json_array_size(list));
	printf("%-16s %-24s %s\n", "category", "hub service_code", "at the hub");
	for (i = 0; i < c->nrules; i++) {
		const struct conf_rule *r = &c->rules[i];

		code = conf_hub_code(c, r->keyword, c->agencies[r->agency].id);
		if (code == NULL)
			continue;
		checked++;
		if (hub_has(list, code))
			printf("%-16s %-24s ok\n", r->keyword, code);
		else {
			printf("%-16s %-24s MISSING\n", r->keyword, code);
			missing++;
		}
	}
	/*
	 * Tickets no rule decided go as TRIAGE: the triage desk's when its
	 * agency is forwarded, and any a person routes by hand to an agency
	 * in hub.agencies.
	 */
	code = conf_hub_code(c, "", c->agencies[c->triage].id);
	if (code == NULL && c->nhub_agencies > 0)
		code = conf_hub_code(c, "", c->hub_agencies[0]);
	if (code != NULL) {
		checked++;
		printf("%-16s %-24s %s\n", "(triage)", code, hub_has(list, code) ? "ok" :
		    "MISSING");
		missing += !hub_has(list, code);
	}
	if (missing > 0)
		printf("%zu of %zu categories forwarded have a service code the hub lacks: fix "
		    "hub.services or ask the hub to add them\n", missing, checked);
	else
		printf("all %zu categories forwarded have their service code at the hub\n",
		    checked);
	rc = missing > 0 ? 1 : 0;
done:
	json_decref(list);
	fetch_res_clear(&res);
	free(url);
	fetch_cleanup();
	conf_free(c);
	return rc;
}
