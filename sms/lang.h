/* lang: the reply languages.  Bahasa Indonesia is index 0, English 1. */
#ifndef ADUAN_LANG_H
#define ADUAN_LANG_H

enum lang {
	LANG_NONE = -1, /* the word used says nothing about the language */
	LANG_ID = 0,
	LANG_EN = 1,
	LANG_N = 2
};

/* "id" / "en" for a language; NULL for LANG_NONE. */
const char *lang_code(enum lang l);
/* LANG_ID for "id", LANG_EN for "en" (case-insensitive), else LANG_NONE. */
enum lang lang_from_code(const char *code);

#endif
