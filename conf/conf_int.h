/*
 * conf_int.h: what the three parts of the config loader share; nothing
 * outside conf/ includes it.
 *
 *   conf/conf.c     reading the file, the settings table, agencies, the
 *                   demo-value guard, the error list (conf_err_at() and its
 *                   helpers below), conf_free()
 *   conf/rules.c    the routing words: regions, rules, triage, and the
 *                   check that no word means two things
 *   conf/replies.c  the reply templates: defaults, loading, checks, filling
 *
 * conf.c's load() runs the loaders in a fixed order (agencies before
 * triage, regions and rules; rules before replies, whose receipt check
 * renders agency names and rule labels), all on one struct loader.  The
 * functions below are not static only so the three files can share them;
 * they are no part of conf.h's contract.
 */
#ifndef ADUAN_CONF_INT_H
#define ADUAN_CONF_INT_H

#include <libconfig.h>
#include <stddef.h>

#include "conf/conf.h"

/* An agency or region id: 1 to ID_MAX of a-z, 0-9, '_' and '-'. */
#define ID_MAX          32

struct word;                    /* a rule or region word (conf/rules.c) */

/* One load in progress. */
struct loader {
	struct conf             *c;
	struct conf_errors      *errs;
	struct word             *words;
	size_t                   nwords, wordsz;
	int                      reply_line[LANG_N][REPLY_N];  /* 0: built-in */
	const char              *reply_file[LANG_N][REPLY_N];  /* @include'd */
	int                      no_secrets;    /* the secrets file was not read: its
	                                           settings are not "missing" */
};

/* ---- errors (conf/conf.c): every one is kept, with its line ---- */

/* An error at line (0: no line). */
void conf_err_line(struct loader *, int, const char *, ...)
    __attribute__((format(printf, 3, 4)));
/* An error about setting s, at its line, naming its @include'd file. */
void conf_err_at(struct loader *, const config_setting_t *, const char *, ...)
    __attribute__((format(printf, 3, 4)));
/* Adds " (in file)" to the error at index added (file NULL: the main file). */
void conf_note_file(struct loader *ld, int added, const char *file);
/* s's line in its file, 0 for NULL. */
int conf_line_of(const config_setting_t *s);
/* What s is, in an operator's words: "a string", "a list ( ... )", ... */
const char *conf_type_name(const config_setting_t *s);

/* ---- reading settings (conf/conf.c) ---- */

/* Reports every member of g whose name is not in known[0..nknown). */
void conf_check_members(struct loader *ld, const config_setting_t *g, const char *where,
    const char *const *known, size_t nknown);
/* Entries of a NULL-terminated list of keys. */
size_t conf_count_keys(const char *const *keys);
/*
 * A string member of a list element: NULL when absent (reported when
 * required), not a string, or not UTF-8 (reported).  *sp: the member.
 */
const char *conf_member_string(struct loader *ld, const config_setting_t *g, const char *name,
    const char *where, int required, config_setting_t **sp);
/* A list of groups at the top level: NULL when absent or (reported) not a list. */
config_setting_t *conf_top_list(struct loader *ld, const config_t *cfg, const char *name,
    int required, const char *example);
/* 1 when v is valid UTF-8, else 0 (reported as what). */
int conf_utf8_ok(struct loader *ld, const config_setting_t *s, const char *what,
    const char *v);
/* 1 when v is all GSM-7, else 0 (reported). */
int conf_gsm_ok(struct loader *ld, const config_setting_t *s, const char *where,
    const char *what, const char *v);
/* 1 with the first character GSM-7 cannot carry in out, 0 when none. */
int conf_first_non_gsm(const char *s, char *out, size_t outsz);
/* s is an id (see ID_MAX). */
int conf_valid_id(const char *s);
/* s is one of list[0..n). */
int conf_in_list(const char *const *list, size_t n, const char *s);

/* ---- the routing words (conf/rules.c) ---- */

/* triage = "agency id"; after the agencies. */
void rules_load_triage(struct loader *ld, const config_t *cfg);
/* regions = ( ... ): their keywords become words. */
void rules_load_regions(struct loader *ld, const config_t *cfg);
/* rules = ( ... ): keywords and aliases become words; after regions. */
void rules_load_rules(struct loader *ld, const config_t *cfg);
/* routing.outside, routing.directions, routing.thanks */
void rules_load_routing(struct loader *ld, const config_t *cfg);
/* Every word collected means one thing and is no command word. */
void rules_check_words(struct loader *ld);

/* 1 when w (folded, one word) is a command word (STATUS, CEK, ...). */
int rules_command_word(const char *w);

/* ---- Open311 partners and attributes (conf/partners.c) ---- */

/* open311.partners = ( ... ); after the scalars. */
void partners_load(struct loader *ld, const config_t *cfg);
/* rules[i].attributes of element e, into r; called by rules_load_rules. */
void partners_load_attrs(struct loader *ld, const config_setting_t *e, const char *where,
    struct conf_rule *r);
/* 1 when v is 64 lower-case hex digits (a SHA-256 as sha256sum prints it). */
int conf_sha256_hex(const char *v);
/* Frees what partners_load and partners_load_attrs gave c. */
void partners_free(struct conf *c);

/* ---- SMS spellings (conf/spellings.c) ---- */

/* spellings = { yg = "yang"; ... }: after rules (command words). */
void spellings_load(struct loader *ld, const config_t *cfg);

/* ---- forwarding to a hub (conf/hub.c) ---- */

/* hub = { ... }: categories, agencies, services; after rules and agencies. */
void hub_load(struct loader *ld, const config_t *cfg);
/* Frees what hub_load() added to c (the scalars are conf_free()'s). */
void hub_free(struct conf *c);

/* ---- reply templates (conf/replies.c) ---- */

/* Every template of a new conf at its built-in text. */
void replies_default(struct conf *c);
/* replies = { id = { ... }; en = { ... }; }, then every template checked; after rules. */
void replies_load(struct loader *ld, const config_t *cfg);

#endif
