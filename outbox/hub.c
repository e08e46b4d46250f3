/*
 * outbox/hub: GET of one request (or token) at the hub.  See hub.h.
 */
#include "outbox/hub.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/fetch.h"
#include "util/util.h"

#define HUB_ANSWER_MAX  (256 * 1024)    /* one request's JSON */

int
hub_get(const struct conf *c, const char *what, const char *id, struct hub_answer *a)
{
	struct fetch_req req = { 0 };
	struct fetch_res res;
	const char *hdrs[] = { "Accept: application/json", "User-Agent: aduan", NULL };
	const char *key = c->hub_api_key != NULL ? c->hub_api_key : "";
	char *eid = fetch_escape(id, strlen(id)), *ekey = fetch_escape(key, strlen(key)), *url;
	size_t n = strlen(c->hub_url) + strlen(what) + strlen(eid) + strlen(ekey) + 32;
	int r;

	memset(a, 0, sizeof *a);
	url = xmalloc(n);
	(void)snprintf(url, n, "%s%s/%s.json?api_key=%s", c->hub_url, what, eid, ekey);
	free(eid);
	free(ekey);
	req.method = "GET";
	req.url = url;
	req.headers = hdrs;
	req.timeout_s = c->delivery_timeout;
	req.max_response = HUB_ANSWER_MAX;
	if (fetch(&req, &res) != 0) {
		(void)str_copy(a->why, sizeof a->why, res.error);
		r = 1;
	} else {
		fetch_quote(res.body, res.body_len, a->why, sizeof a->why);
		r = res.status >= 200 && res.status <= 299 ? 0 :
		    res.status >= 500 || res.status == 429 ? 1 : 2;
	}
	a->status = res.status;
	a->body = res.body;             /* taken from res */
	a->len = res.body_len;
	res.body = NULL;
	if (a->body == NULL) {
		a->body = xstrdup("");
		a->len = 0;
	}
	fetch_res_clear(&res);
	free(url);
	return r;
}

void
hub_answer_clear(struct hub_answer *a)
{
	free(a->body);
	a->body = NULL;
	a->len = 0;
}

int
hub_id_ok(const char *id)
{
	size_t n = strlen(id), i;

	if (n == 0 || n > 63)
		return 0;
	for (i = 0; i < n; i++)
		if (!((id[i] >= 'A' && id[i] <= 'Z') || (id[i] >= 'a' && id[i] <= 'z') ||
		    (id[i] >= '0' && id[i] <= '9') || strchr("._-:/", id[i]) != NULL))
			return 0;
	return 1;
}
