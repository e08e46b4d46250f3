/*
 * conf/hub.c: the hub group's lists (its scalars, url, api_key,
 * poll_seconds, poll_max_seconds and send_phone, are in conf.c's table):
 *
 *   hub = {
 *     url = "https://lapor.example/open311/v2/";
 *     api_key = "...";                   (a secret: the secrets file may hold it)
 *     categories = [ "JALAN", "SAMPAH" ];   rule keywords whose tickets go to the hub
 *     agencies = [ "dpupr" ];               agencies whose tickets go to the hub
 *     services = { JALAN = "JALAN"; SAMPAH = "KEBERSIHAN"; };
 *                                           category -> the hub's service_code
 *   };
 *
 * Every name must be known: a category is a rule's keyword, an agency an
 * agency's id, a services key a category of the rules.  A category
 * without a services entry goes with its own keyword as the code.
 */
#include "conf/conf_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/util.h"

/* The rule keyword spelt like v (any case), or NULL. */
static const char *
rule_keyword(const struct conf *c, const char *v)
{
	size_t i;

	for (i = 0; i < c->nrules; i++)
		if (strcasecmp(c->rules[i].keyword, v) == 0)
			return c->rules[i].keyword;
	return NULL;
}

/* hub.NAME = [ "...", ... ] of known names into *out, *n. */
static void
load_names(struct loader *ld, const config_setting_t *g, const char *name, int agencies,
    char ***out, size_t *n)
{
	config_setting_t *list = config_setting_get_member(g, name), *e;
	const char *v, *known;
	size_t i, len;

	*out = NULL;
	*n = 0;
	if (list == NULL)
		return;
	if (!config_setting_is_array(list) && !config_setting_is_list(list)) {
		conf_err_at(ld, list, "hub.%s: must be a list [ \"%s\", ... ], not %s", name,
		    agencies ? "dpupr" : "JALAN", conf_type_name(list));
		return;
	}
	len = (size_t)config_setting_length(list);
	*out = xcalloc(len > 0 ? len : 1, sizeof **out);
	for (i = 0; i < len; i++) {
		e = config_setting_get_elem(list, (unsigned)i);
		v = config_setting_type(e) == CONFIG_TYPE_STRING ? config_setting_get_string(e) :
		    NULL;
		if (v == NULL) {
			conf_err_at(ld, e, "hub.%s: each entry must be a string, not %s", name,
			    conf_type_name(e));
			continue;
		}
		if (agencies)
			known = conf_agency_find(ld->c, v) >= 0 ? v : NULL;
		else
			known = rule_keyword(ld->c, v);
		if (known == NULL) {
			conf_err_at(ld, e, "hub.%s: '%.40s' is not %s", name, v, agencies ?
			    "the id of an agency in agencies" : "the keyword of a rule in rules");
			continue;
		}
		(*out)[(*n)++] = xstrdup(known);
	}
}

static void
load_services(struct loader *ld, const config_setting_t *g)
{
	struct conf *c = ld->c;
	config_setting_t *svc = config_setting_get_member(g, "services"), *e;
	const char *key, *v;
	size_t i, len;

	if (svc == NULL)
		return;
	if (!config_setting_is_group(svc)) {
		conf_err_at(ld, svc, "hub.services: must be a group { JALAN = \"JALAN\"; ... }, "
		    "not %s", conf_type_name(svc));
		return;
	}
	len = (size_t)config_setting_length(svc);
	c->hub_services = xcalloc(len > 0 ? len : 1, sizeof *c->hub_services);
	for (i = 0; i < len; i++) {
		e = config_setting_get_elem(svc, (unsigned)i);
		key = config_setting_name(e);
		v = config_setting_type(e) == CONFIG_TYPE_STRING ? config_setting_get_string(e) :
		    NULL;
		if (v == NULL || *v == '\0' || strlen(v) > 64) {
			conf_err_at(ld, e, "hub.services.%s: must be the hub's service code, a "
			    "string of 1 to 64 characters", key);
			continue;
		}
		if (rule_keyword(c, key) == NULL) {
			conf_err_at(ld, e, "hub.services: '%.40s' is not the keyword of a rule in "
			    "rules", key);
			continue;
		}
		c->hub_services[c->nhub_services].category = xstrdup(rule_keyword(c, key));
		c->hub_services[c->nhub_services++].code = xstrdup(v);
	}
}

void
hub_load(struct loader *ld, const config_t *cfg)
{
	struct conf *c = ld->c;
	config_setting_t *g = config_lookup(cfg, "hub");
	size_t n;
	char *u;

	if (g == NULL || !config_setting_is_group(g))
		return;         /* absent: off; not a group: check_structure said so */
	load_names(ld, g, "categories", 0, &c->hub_categories, &c->nhub_categories);
	load_names(ld, g, "agencies", 1, &c->hub_agencies, &c->nhub_agencies);
	load_services(ld, g);
	if (c->nhub_categories == 0 && c->nhub_agencies == 0 &&
	    config_setting_get_member(g, "categories") == NULL &&
	    config_setting_get_member(g, "agencies") == NULL)
		conf_err_at(ld, g, "hub: neither categories nor agencies: no ticket would go "
		    "to the hub (remove the group to turn forwarding off)");
	if (c->hub_poll_max_seconds < c->hub_poll_seconds)
		conf_err_at(ld, g, "hub: poll_max_seconds (%d) is below poll_seconds (%d)",
		    c->hub_poll_max_seconds, c->hub_poll_seconds);
	/* The paths are appended to the URL: it ends in '/'. */
	if (c->hub_url != NULL && (n = strlen(c->hub_url)) > 0 && c->hub_url[n - 1] != '/') {
		u = xmalloc(n + 2);
		memcpy(u, c->hub_url, n);
		memcpy(u + n, "/", 2);
		free(c->hub_url);
		c->hub_url = u;
	}
}

void
hub_free(struct conf *c)
{
	size_t i;

	for (i = 0; i < c->nhub_categories; i++)
		free(c->hub_categories[i]);
	free(c->hub_categories);
	for (i = 0; i < c->nhub_agencies; i++)
		free(c->hub_agencies[i]);
	free(c->hub_agencies);
	for (i = 0; i < c->nhub_services; i++) {
		free(c->hub_services[i].category);
		free(c->hub_services[i].code);
	}
	free(c->hub_services);
}

const char *
conf_hub_code(const struct conf *c, const char *keyword, const char *agency)
{
	size_t i;
	int go = 0;

	if (c->hub_url == NULL)
		return NULL;
	for (i = 0; i < c->nhub_categories && !go; i++)
		go = keyword != NULL && strcmp(c->hub_categories[i], keyword) == 0;
	for (i = 0; i < c->nhub_agencies && !go; i++)
		go = agency != NULL && strcmp(c->hub_agencies[i], agency) == 0;
	if (!go)
		return NULL;
	for (i = 0; keyword != NULL && i < c->nhub_services; i++)
		if (strcmp(c->hub_services[i].category, keyword) == 0)
			return c->hub_services[i].code;
	/* No category (triage): the hub routes it by its text, as an Aduan hub does for TRIAGE. */
	return keyword != NULL && *keyword != '\0' ? keyword : "TRIAGE";
}
