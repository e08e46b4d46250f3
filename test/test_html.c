/*
 * test_html: the web inbox's HTML layer (web/html.h).  Every value that
 * html_fmt() and html_text() write is escaped: a citizen's <script> is
 * text, a quote cannot leave an attribute, bytes that are not UTF-8 and
 * control characters become U+FFFD; the markup around them is the literal
 * format, numbers are digits, and a page past its cap is refused whole.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web/html.h"

/* The page written so far, as a string the test owns. */
static char *
page(struct html *h)
{
	size_t n;
	char *s = html_take(h, &n);

	assert_non_null(s);
	assert_int_equal(strlen(s), n);
	return s;
}

static void
test_script_in_a_value_is_text(void **state)
{
	struct html h;
	char *s;

	(void)state;
	html_init(&h);
	html_fmt(&h, "<p class=\"d\">%s</p>", "<script>alert(1)</script> & <b>");
	s = page(&h);
	assert_string_equal(s, "<p class=\"d\">&lt;script&gt;alert(1)&lt;/script&gt; "
	    "&amp; &lt;b&gt;</p>");
	assert_null(strstr(s, "<script"));
	free(s);

	/* html_text is the same escaping without markup. */
	html_init(&h);
	html_text(&h, "<img src=x onerror=alert(1)>");
	s = page(&h);
	assert_string_equal(s, "&lt;img src=x onerror=alert(1)&gt;");
	free(s);
}

static void
test_quotes_cannot_leave_an_attribute(void **state)
{
	struct html h;
	char *s;

	(void)state;
	html_init(&h);
	html_fmt(&h, "<input name=\"note\" value=\"%s\">", "\" autofocus onfocus=\"alert(1)");
	s = page(&h);
	assert_string_equal(s, "<input name=\"note\" value=\"&quot; autofocus "
	    "onfocus=&quot;alert(1)\">");
	free(s);

	html_init(&h);
	html_fmt(&h, "<a title='%s'>", "x' onclick='y");
	s = page(&h);
	assert_string_equal(s, "<a title='x&#39; onclick=&#39;y'>");
	free(s);
}

static void
test_invalid_utf8_and_controls_become_replacement_characters(void **state)
{
	struct html h;
	char *s;

	(void)state;
	html_init(&h);
	/* A stray continuation byte, an overlong '<' (C0 BC), a cut sequence, a surrogate. */
	html_text(&h, "a\x80" "b\xC0\xBC" "c\xE2\x82" "d\xED\xA0\x80" "e");
	s = page(&h);
	assert_string_equal(s, "a\xEF\xBF\xBD" "b\xEF\xBF\xBD\xEF\xBF\xBD"
	    "c\xEF\xBF\xBD\xEF\xBF\xBD" "d\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD" "e");
	free(s);

	/* Well-formed text passes as it is; tab, newline and CR stay, others go. */
	html_init(&h);
	html_text(&h, "Jl. Pemuda \xE2\x80\x93 r\xC3\xA9sum\xC3\xA9 \xF0\x9F\x98\x80\t\n\r\x01\x1b\x7f.");
	s = page(&h);
	assert_string_equal(s, "Jl. Pemuda \xE2\x80\x93 r\xC3\xA9sum\xC3\xA9 \xF0\x9F\x98\x80\t\n\r"
	    "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD.");
	free(s);

	/* A NUL inside a counted value is a control character too. */
	html_init(&h);
	html_text_n(&h, "a\0b", 3);
	s = page(&h);
	assert_string_equal(s, "a\xEF\xBF\xBD" "b");
	free(s);
}

static void
test_numbers_percent_and_cut_strings(void **state)
{
	const char *volatile none = NULL;       /* NULL the compiler cannot see */
	struct html h;
	char *s;

	(void)state;
	html_init(&h);
	html_fmt(&h, "<td>%d|%i|%u|%ld|%lu|%lld|%llu|%zu|%02d|%5d|%%|%c|%c</td>", -3, 4, 5u,
	    -6L, 7UL, -8LL, 9ULL, (size_t)10, 7, 42, '<', 'x');
	s = page(&h);
	assert_string_equal(s, "<td>-3|4|5|-6|7|-8|9|10|07|   42|%|&lt;|x</td>");
	free(s);

	/* %.*s takes at most n bytes, never half a character; NULL writes nothing. */
	html_init(&h);
	html_fmt(&h, "[%.*s][%.*s][%s][%.*s]", 3, "abcdef", 2, "\xC3\xA9t\xC3\xA9", none,
	    5, "<<<<<<");
	s = page(&h);
	assert_string_equal(s, "[abc][\xC3\xA9][][&lt;&lt;&lt;&lt;&lt;]");
	free(s);
}

static void
test_a_page_past_its_cap_is_refused(void **state)
{
	struct html h;
	size_t n, i;
	char *chunk, *s;

	(void)state;
	chunk = malloc(1u << 20);
	assert_non_null(chunk);
	memset(chunk, 'a', (1u << 20) - 1);
	chunk[(1u << 20) - 1] = '\0';
	html_init(&h);
	for (i = 0; i < 5; i++)
		html_text(&h, chunk);
	s = html_take(&h, &n);
	assert_null(s);
	assert_int_equal(n, 0);
	/* Ready for a page again. */
	html_fmt(&h, "<p>%s</p>", "ok");
	s = html_take(&h, &n);
	assert_string_equal(s, "<p>ok</p>");
	free(s);
	free(chunk);

	/* An empty page is an empty string, not NULL. */
	html_init(&h);
	s = html_take(&h, &n);
	assert_string_equal(s, "");
	free(s);
}

static void
test_url_encoding(void **state)
{
	char out[64];
	struct html h;
	char *s;

	(void)state;
	assert_int_equal(html_url_encode("a b&c=d/\xC3\xA9~", out, sizeof out), 23);
	assert_string_equal(out, "a%20b%26c%3Dd%2F%C3%A9~");
	assert_int_equal(html_url_encode("abc", out, 3), -1);
	assert_string_equal(out, "");
	assert_int_equal(html_url_encode("", out, 1), 0);

	/* Encoded, then escaped: the & between parameters becomes &amp; in the page. */
	html_init(&h);
	html_fmt(&h, "<a href=\"/inbox/queue?%s\">", "status=routed&page=2");
	s = page(&h);
	assert_string_equal(s, "<a href=\"/inbox/queue?status=routed&amp;page=2\">");
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_script_in_a_value_is_text),
		cmocka_unit_test(test_quotes_cannot_leave_an_attribute),
		cmocka_unit_test(test_invalid_utf8_and_controls_become_replacement_characters),
		cmocka_unit_test(test_numbers_percent_and_cut_strings),
		cmocka_unit_test(test_a_page_past_its_cap_is_refused),
		cmocka_unit_test(test_url_encoding),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
