/*
 * fuzz_conf: the config loader from a string (conf_load_string): libconfig
 * syntax, the settings table, rules, regions, agencies and reply
 * templates, then the routing table built from what loaded.  A config that
 * loads must also build (or refuse with a reason) and free cleanly.
 *
 * Input: the text of a config file.  @include is cut out (it would read
 * files named by the input).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "routing/route.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct conf_errors errs;
	struct route_table *rt;
	struct conf *c;
	char *text, err[256];
	int i;

	if (size > 64 * 1024)
		return 0;
	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (strstr(text, "@include") != NULL) {
		free(text);
		return 0;
	}
	memset(&errs, 0, sizeof errs);
	c = conf_load_string(text, CONF_DEMO, &errs);
	if (c == NULL) {
		if (errs.n < 1 || errs.n > CONF_ERRORS_MAX)
			abort();        /* refused: at least one reason */
		for (i = 0; i < errs.n; i++)
			if (memchr(errs.e[i].msg, '\0', sizeof errs.e[i].msg) == NULL ||
			    errs.e[i].msg[0] == '\0')
				abort();
	} else {
		rt = route_build(c, err, sizeof err);
		route_free(rt);
		conf_free(c);
	}
	free(text);
	return 0;
}
