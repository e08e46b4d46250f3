/*
 * login: the login form.  A POST form (a password never goes into a URL),
 * with autocomplete hints so a phone's password manager can help; what
 * happens to it is inbox.c's (web/auth.h checks the password, slows down
 * repeated failures and gives the fresh session).
 */
#include "web/internal.h"

void
login_render(struct html *h, const struct page *p, const char *login, const char *error)
{
	page_begin(h, p, tr(p->lang, TR_LOGIN));
	html_fmt(h, "<h1>%s</h1>", tr(p->lang, TR_LOGIN_TITLE));
	if (error != NULL)
		html_fmt(h, "<p class=\"box err\" role=\"alert\">%s</p>", error);
	html_fmt(h, "<form class=\"box login\" method=\"post\" action=\"/inbox/login\">"
	    "<label>%s<br><input name=\"login\" autocomplete=\"username\" autocapitalize=\"none\" "
	    "maxlength=\"64\" required value=\"%s\"></label>"
	    "<label>%s<br><input name=\"password\" type=\"password\" "
	    "autocomplete=\"current-password\" maxlength=\"256\" required></label>"
	    "<button type=\"submit\">%s</button></form><p class=\"muted\">%s</p>\n",
	    tr(p->lang, TR_USERNAME), login != NULL ? login : "", tr(p->lang, TR_PASSWORD),
	    tr(p->lang, TR_LOGIN), tr(p->lang, TR_LOGIN_HELP));
	page_end(h);
}
