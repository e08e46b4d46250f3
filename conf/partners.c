/*
 * partners: what Open311 POST needs from the config (agency/open311.c):
 * open311.partners, the systems that may file complaints here, each with
 * the SHA-256 of its api_key (never the key), and each rule's
 * attributes, the extra fields a partner may send with a complaint of
 * that service.  Every error is collected with its line, as in conf.c.
 */
#include "conf/conf.h"
#include "conf/conf_int.h"

#include <stdlib.h>
#include <string.h>

#include "sms/text.h"
#include "util/util.h"

#define PARTNER_NAME_MAX        200     /* characters of a partner's name */
#define ATTR_CODE_MAX           32      /* characters of an attribute's code */
#define ATTR_TEXT_MAX           500     /* characters of a description or a value */

static const char *const partner_keys[] = { "id", "name", "key_sha256", NULL };
static const char *const attr_keys[] = {
	"code", "description", "datatype", "required", "values", NULL
};
static const char *const attr_types[] = {
	[ATTR_STRING] = "string", [ATTR_NUMBER] = "number", [ATTR_DATETIME] = "datetime",
	[ATTR_TEXT] = "text", [ATTR_SINGLEVALUELIST] = "singlevaluelist",
	[ATTR_MULTIVALUELIST] = "multivaluelist",
};

const char *
conf_attr_type_name(enum conf_attr_type t)
{
	return (size_t)t < ARRAY_LEN(attr_types) ? attr_types[t] : "string";
}

static void
partner_one(struct loader *ld, config_setting_t *e, size_t i)
{
	struct conf *c = ld->c;
	struct conf_partner *p = &c->partners[i];
	config_setting_t *s;
	const char *v;
	char where[64];
	size_t j;

	p->line = conf_line_of(e);
	(void)snprintf(where, sizeof where, "open311.partners[%zu]", i + 1);
	if (!config_setting_is_group(e)) {
		conf_err_at(ld, e, "%s: must be a group { id = ...; name = ...; key_sha256 = "
		    "...; }, not %s", where, conf_type_name(e));
		return;
	}
	conf_check_members(ld, e, where, partner_keys, conf_count_keys(partner_keys));
	if ((v = conf_member_string(ld, e, "id", where, 1, &s)) != NULL) {
		if (!conf_valid_id(v))
			conf_err_at(ld, s, "%s: id '%.40s' must be 1 to %d of a-z, 0-9, '_' "
			    "and '-'", where, v, ID_MAX);
		else {
			for (j = 0; j < i; j++)
				if (c->partners[j].id != NULL && strcmp(c->partners[j].id, v) == 0)
					conf_err_at(ld, s, "%s: id '%s' is partner %zu's already",
					    where, v, j + 1);
			p->id = xstrdup(v);
			(void)snprintf(where, sizeof where, "open311 partner %s", v);
		}
	}
	if ((v = conf_member_string(ld, e, "name", where, 1, &s)) != NULL) {
		if (text_utf8_chars(v, strlen(v)) > PARTNER_NAME_MAX)
			conf_err_at(ld, s, "%s: name is longer than %d characters", where,
			    PARTNER_NAME_MAX);
		else
			p->name = xstrdup(v);
	}
	/* key_sha256 may be in the secrets file (conf.h, CONF_SECRETS): not missing unread. */
	if ((v = conf_member_string(ld, e, "key_sha256", where, !ld->no_secrets, &s)) != NULL) {
		if (!conf_sha256_hex(v))
			conf_err_at(ld, s, "%s: key_sha256 must be 64 lower-case hex digits (the "
			    "SHA-256 of the api_key: printf %%s KEY | sha256sum)", where);
		else {
			for (j = 0; j < i; j++)
				if (c->partners[j].key_sha256 != NULL &&
				    strcmp(c->partners[j].key_sha256, v) == 0)
					conf_err_at(ld, s, "%s: key_sha256 is partner %zu's already: "
					    "each partner needs a key of its own", where, j + 1);
			for (j = 0; j < c->nagencies; j++)
				if (c->agencies[j].token_sha256 != NULL &&
				    strcmp(c->agencies[j].token_sha256, v) == 0)
					conf_err_at(ld, s, "%s: key_sha256 is agency %s's API token: "
					    "a partner needs a key of its own", where,
					    c->agencies[j].id);
			p->key_sha256 = xstrdup(v);
		}
	}
}

void
partners_load(struct loader *ld, const config_t *cfg)
{
	config_setting_t *list = config_lookup(cfg, "open311.partners");
	size_t i, n;

	if (list == NULL)
		return;
	if (!config_setting_is_list(list)) {
		conf_err_at(ld, list, "open311.partners: must be a list ( { id = ...; name = ...; "
		    "key_sha256 = ...; }, ... ), not %s", conf_type_name(list));
		return;
	}
	n = (size_t)config_setting_length(list);
	ld->c->partners = xcalloc(n ? n : 1, sizeof *ld->c->partners);
	ld->c->npartners = n;
	for (i = 0; i < n; i++)
		partner_one(ld, config_setting_get_elem(list, (unsigned)i), i);
}

/* 1 when code is 1 to ATTR_CODE_MAX of A-Z a-z 0-9 '_' '-' (it goes into attribute[CODE]). */
static int
attr_code_ok(const char *code)
{
	size_t n;

	for (n = 0; code[n] != '\0'; n++)
		if (!((code[n] >= 'a' && code[n] <= 'z') || (code[n] >= 'A' && code[n] <= 'Z') ||
		    (code[n] >= '0' && code[n] <= '9') || code[n] == '_' || code[n] == '-'))
			return 0;
	return n >= 1 && n <= ATTR_CODE_MAX;
}

static void
attr_values(struct loader *ld, config_setting_t *s, const char *where, struct conf_attr *a)
{
	size_t i, j, n;

	if (!config_setting_is_array(s) && !config_setting_is_list(s)) {
		conf_err_at(ld, s, "%s: values must be a list of strings [ \"...\", ... ]", where);
		return;
	}
	n = (size_t)config_setting_length(s);
	if (n == 0 || n > CONF_ATTR_VALUES_MAX) {
		conf_err_at(ld, s, "%s: values must hold 1 to %d strings", where,
		    CONF_ATTR_VALUES_MAX);
		return;
	}
	a->values = xcalloc(n, sizeof *a->values);
	for (i = 0; i < n; i++) {
		config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		const char *v = config_setting_get_string(e);

		if (v == NULL || v[0] == '\0' || !conf_utf8_ok(ld, e, where, v) ||
		    text_utf8_chars(v, strlen(v)) > ATTR_TEXT_MAX) {
			if (v == NULL || v[0] == '\0')
				conf_err_at(ld, e, "%s: values[%zu] must be a non-empty string",
				    where, i + 1);
			continue;
		}
		for (j = 0; j < a->nvalues; j++)
			if (strcmp(a->values[j], v) == 0)
				conf_err_at(ld, e, "%s: value '%.40s' is listed twice", where, v);
		a->values[a->nvalues++] = xstrdup(v);
	}
}

static void
attr_one(struct loader *ld, config_setting_t *e, const char *rwhere, struct conf_rule *r,
    size_t i)
{
	struct conf_attr *a = &r->attrs[i];
	config_setting_t *s;
	const char *v;
	char where[160];
	size_t j;
	int found;

	a->line = conf_line_of(e);
	(void)snprintf(where, sizeof where, "%s: attributes[%zu]", rwhere, i + 1);
	if (!config_setting_is_group(e)) {
		conf_err_at(ld, e, "%s: must be a group { code = ...; description = ...; "
		    "datatype = ...; }, not %s", where, conf_type_name(e));
		return;
	}
	conf_check_members(ld, e, where, attr_keys, conf_count_keys(attr_keys));
	if ((v = conf_member_string(ld, e, "code", where, 1, &s)) != NULL) {
		if (!attr_code_ok(v))
			conf_err_at(ld, s, "%s: code '%.40s' must be 1 to %d of A-Z, a-z, 0-9, "
			    "'_' and '-'", where, v, ATTR_CODE_MAX);
		else {
			for (j = 0; j < i; j++)
				if (r->attrs[j].code != NULL && strcmp(r->attrs[j].code, v) == 0)
					conf_err_at(ld, s, "%s: code '%s' is there twice", where, v);
			a->code = xstrdup(v);
		}
	}
	if ((v = conf_member_string(ld, e, "description", where, 1, &s)) != NULL) {
		if (text_utf8_chars(v, strlen(v)) > ATTR_TEXT_MAX)
			conf_err_at(ld, s, "%s: description is longer than %d characters", where,
			    ATTR_TEXT_MAX);
		else
			a->description = xstrdup(v);
	}
	a->type = ATTR_STRING;
	if ((v = conf_member_string(ld, e, "datatype", where, 0, &s)) != NULL) {
		for (j = 0, found = 0; j < ARRAY_LEN(attr_types); j++)
			if (strcmp(attr_types[j], v) == 0) {
				a->type = (enum conf_attr_type)j;
				found = 1;
			}
		if (!found)
			conf_err_at(ld, s, "%s: datatype '%.40s' is none of string, number, "
			    "datetime, text, singlevaluelist, multivaluelist", where, v);
	}
	if ((s = config_setting_get_member(e, "required")) != NULL) {
		if (config_setting_type(s) != CONFIG_TYPE_BOOL)
			conf_err_at(ld, s, "%s: required must be true or false", where);
		else
			a->required = config_setting_get_bool(s);
	}
	s = config_setting_get_member(e, "values");
	if (a->type == ATTR_SINGLEVALUELIST || a->type == ATTR_MULTIVALUELIST) {
		if (s == NULL)
			conf_err_at(ld, e, "%s: datatype %s needs values = [ \"...\", ... ]", where,
			    attr_types[a->type]);
		else
			attr_values(ld, s, where, a);
	} else if (s != NULL)
		conf_err_at(ld, s, "%s: values are for the list datatypes (singlevaluelist, "
		    "multivaluelist) only", where);
}

void
partners_load_attrs(struct loader *ld, const config_setting_t *e, const char *where,
    struct conf_rule *r)
{
	config_setting_t *list = config_setting_get_member(e, "attributes");
	size_t i, n;

	if (list == NULL)
		return;
	if (!config_setting_is_list(list)) {
		conf_err_at(ld, list, "%s: attributes must be a list ( { code = ...; ... }, ... ), "
		    "not %s", where, conf_type_name(list));
		return;
	}
	n = (size_t)config_setting_length(list);
	if (n > CONF_ATTRS_MAX) {
		conf_err_at(ld, list, "%s: at most %d attributes", where, CONF_ATTRS_MAX);
		return;
	}
	r->attrs = xcalloc(n ? n : 1, sizeof *r->attrs);
	r->nattrs = n;
	for (i = 0; i < n; i++)
		attr_one(ld, config_setting_get_elem(list, (unsigned)i), where, r, i);
}

void
partners_free(struct conf *c)
{
	size_t i, j, k;

	for (i = 0; i < c->npartners; i++) {
		free(c->partners[i].id);
		free(c->partners[i].name);
		free(c->partners[i].key_sha256);
	}
	free(c->partners);
	for (i = 0; i < c->nrules; i++) {
		for (j = 0; j < c->rules[i].nattrs; j++) {
			struct conf_attr *a = &c->rules[i].attrs[j];

			free(a->code);
			free(a->description);
			for (k = 0; k < a->nvalues; k++)
				free(a->values[k]);
			free(a->values);
		}
		free(c->rules[i].attrs);
	}
}
