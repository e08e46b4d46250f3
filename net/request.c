/*
 * request: what a handler reads of a request and how it answers (the
 * accessors of net/http.h), over the plain struct of net/request.h.  No
 * libmicrohttpd here: the server (net/http.c) fills the struct and
 * supplies the header lookup, and fuzz/fuzz_gateway.c links these same
 * accessors to run the gateway decoders without a server.
 */
#include "net/request.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/util.h"

struct request_param *
request_param_find(struct http_request *r, const char *name, int from_body)
{
	size_t i;

	for (i = 0; i < r->nparams; i++)
		if (r->params[i].from_body == from_body && strcmp(r->params[i].name, name) == 0)
			return &r->params[i];
	return NULL;
}

/* Appends data to parameter `name` (a form value may come in pieces). */
int
request_param_append(struct http_request *r, const char *name, const char *data, size_t size,
    int from_body)
{
	struct request_param *p = request_param_find(r, name, from_body);

	if (p == NULL) {
		if (r->nparams == REQUEST_PARAMS_MAX) {
			r->too_many = 1;
			return -1;
		}
		p = &r->params[r->nparams++];
		p->name = xstrdup(name);
		p->value = xstrdup("");
		p->len = 0;
		p->from_body = from_body;
	}
	if (size == 0)
		return 0;
	p->value = xrealloc(p->value, p->len + size + 1);
	memcpy(p->value + p->len, data, size);
	p->len += size;
	p->value[p->len] = '\0';
	return 0;
}

const char *
http_param(const struct http_request *req, const char *name, size_t *len)
{
	size_t i;
	int pass;

	/* Query string first, then the form body. */
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < req->nparams; i++)
			if (req->params[i].from_body == pass &&
			    strcmp(req->params[i].name, name) == 0) {
				if (len)
					*len = req->params[i].len;
				return req->params[i].value;
			}
	if (len)
		*len = 0;
	return NULL;
}

int
http_params_each(const struct http_request *req, int from_body,
    int (*fn)(void *arg, const char *name, const char *value, size_t len), void *arg)
{
	size_t i;
	int r;

	for (i = 0; i < req->nparams; i++)
		if (req->params[i].from_body == (from_body != 0) &&
		    (r = fn(arg, req->params[i].name, req->params[i].value, req->params[i].len)) != 0)
			return r;
	return 0;
}

enum http_method
http_request_method(const struct http_request *req)
{
	return req->method;
}

const char *
http_request_peer(const struct http_request *req)
{
	return req->peer;
}

const char *
http_request_path(const struct http_request *req)
{
	return req->path;
}

const char *
http_header(const struct http_request *req, const char *name)
{
	return req->header(req->conn, name);
}

const char *
http_body(const struct http_request *req, size_t *len)
{
	if (len)
		*len = req->body_len;
	return req->body;
}

void
http_respond(struct http_response *res, int status, const char *content_type,
    const char *body, size_t len)
{
	free(res->body);
	res->status = status;
	res->content_type = content_type;
	res->body = xmalloc(len + 1);
	memcpy(res->body, body, len);
	res->body[len] = '\0';
	res->body_len = len;
}

void
http_respond_text(struct http_response *res, int status, const char *text)
{
	size_t n = strlen(text);

	free(res->body);
	res->status = status;
	res->content_type = "text/plain; charset=UTF-8";
	res->body = xmalloc(n + 1);
	memcpy(res->body, text, n + 1);
	res->body_len = n;
}

int
http_respond_header(struct http_response *res, const char *name, const char *value)
{
	size_t n = strlen(value), i;

	if (res->nheaders >= HTTP_HEADERS_MAX || res->hused > sizeof res->hbuf ||
	    n >= sizeof res->hbuf - res->hused)
		return -1;
	/* A control byte would split the header (response splitting). */
	for (i = 0; i < n; i++)
		if ((unsigned char)value[i] < 0x20 || value[i] == 0x7f)
			return -1;
	memcpy(res->hbuf + res->hused, value, n + 1);
	res->hname[res->nheaders] = name;
	res->hval[res->nheaders++] = res->hused;
	res->hused += n + 1;
	return 0;
}

const char *
http_response_header(const struct http_response *res, const char *name)
{
	size_t i;

	for (i = 0; i < res->nheaders && i < HTTP_HEADERS_MAX; i++)
		if (strcasecmp(res->hname[i], name) == 0)
			return res->hbuf + res->hval[i];
	return NULL;
}

void
request_release(struct http_request *r)
{
	size_t i;

	free(r->path);
	free(r->body);
	for (i = 0; i < r->nparams; i++) {
		free(r->params[i].name);
		free(r->params[i].value);
	}
}
