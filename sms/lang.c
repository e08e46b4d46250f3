/* lang: language codes. */
#include "sms/lang.h"

#include <stddef.h>
#include <strings.h>

const char *
lang_code(enum lang l)
{
	switch (l) {
	case LANG_ID:
		return "id";
	case LANG_EN:
		return "en";
	default:
		return NULL;
	}
}

enum lang
lang_from_code(const char *code)
{
	if (code == NULL)
		return LANG_NONE;
	if (strcasecmp(code, "id") == 0)
		return LANG_ID;
	if (strcasecmp(code, "en") == 0)
		return LANG_EN;
	return LANG_NONE;
}
