/* test_notify_template.c - the template language: values, sections over
 * lists and present/absent values, HTML escaping in the HTML part, header
 * injection, data minimisation in the renderer, strict rendering (unknown
 * names), load errors naming file and line, and an authority's override
 * directory. One TAP line per table row.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <glib/gstdio.h>
#include <gmime/gmime.h>

#include "notify/notify.h"

static char *tmpdir;

struct row {
	const char *name;
	const char *txt;        /* KIND.txt */
	const char *html;       /* KIND.html, or NULL */
	bool secure, strict;
	const char *want_subject;   /* NULL: the load or render fails */
	const char *want_text;
	const char *want_html;      /* NULL: no HTML part */
	const char *want_error;     /* substring */
};

#define W NOTIFY_WITHHELD

static const struct row rows[] = {
	{ "value", "Subject: [{{case_ref}}] x\n\nHello {{case_ref}}\n", NULL, false, false,
	  "[CME-2026-000123] x", "Hello CME-2026-000123\n", NULL, NULL },
	{ "header: CRLF Bcc injection in the subject", "Subject: {{evil}}\n\n{{evil}}", NULL, false,
	  false, "Ref Bcc: victim@example.org", "Ref\r\nBcc: victim@example.org", NULL, NULL },
	{ "header: a section cannot add a line", "Subject: a{{#missing}}\n{{/missing}}b\n\nx", NULL,
	  false, false, NULL, NULL, NULL, "line 2: no blank line after the header" },
	{ "html: values escaped, markup kept", "Subject: s\n\n{{html_evil}}",
	  "<p>{{html_evil}}</p>", false, false, "s", "<script>alert('x')</script> & \"q\"",
	  "<p>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;</p>", NULL },
	{ "html: a value cannot close a cell", "Subject: s\n\nx", "<td>{{cell}}</td>", false, false,
	  "s", "x", "<td>&lt;/td&gt;&lt;td onclick=&quot;x&quot;&gt;</td>", NULL },
	{ "value is not expanded again", "Subject: {{tricky}}\n\n{{tricky}}", "{{tricky}}", false,
	  false, "{{case_ref}}", "{{case_ref}}", "{{case_ref}}", NULL },
	{ "section over a list", "Subject: s\n\n{{#missing}}- {{label}}\n{{/missing}}end", NULL,
	  false, false, "s", "- the date of birth\n- the postcode\nend", NULL, NULL },
	{ "outer names visible in a section", "Subject: s\n\n{{#missing}}{{case_ref}}:{{label}};{{/missing}}",
	  NULL, false, false, "s", "CME-2026-000123:the date of birth;CME-2026-000123:the postcode;",
	  NULL, NULL },
	{ "inverted section over an empty list", "Subject: s\n\n{{^none}}none{{/none}}{{^missing}}x{{/missing}}",
	  NULL, false, false, "s", "none", NULL, NULL },
	{ "section over present, empty and absent values",
	  "Subject: s\n\n{{#case_ref}}yes{{/case_ref}}{{#empty}}no{{/empty}}{{#absent}}no{{/absent}}"
	  "{{^empty}}E{{/empty}}{{^absent}}A{{/absent}}", NULL, false, false, "s", "yesEA", NULL, NULL },
	{ "if-section: once around a list", "Subject: s\n\nx",
	  "{{?missing}}<ul>{{#missing}}<li>{{label}}</li>{{/missing}}</ul>{{/missing}}{{?none}}<ul></ul>{{/none}}",
	  false, false, "s", "x", "<ul><li>the date of birth</li><li>the postcode</li></ul>", NULL },
	{ "a list shows its length", "Subject: {{missing}} missing\n\n{{none}}", NULL, false, false,
	  "2 missing", "0", NULL, NULL },
	{ "nested lists", "Subject: s\n\n{{#cases}}{{ref}}[{{#items}}{{n}}{{/items}}]{{/cases}}", NULL,
	  false, false, "s", "A[12]B[]", NULL, NULL },
	{ "personal: withheld when not secure", "Subject: s {{child_name}}\n\n{{child_name}}",
	  "<b>{{child_name}}</b>", false, false, "s " W, W, "<b>" W "</b>", NULL },
	{ "personal: shown when secure", "Subject: s\n\n{{child_name}}", NULL, true, false, "s",
	  "Amelia Testchild", NULL, NULL },
	{ "personal list: empty when not secure",
	  "Subject: s\n\n{{#issues}}{{field}} {{/issues}}{{^issues}}none{{/issues}}", NULL, false,
	  false, "s", "none", NULL, NULL },
	{ "personal list: items when secure",
	  "Subject: s\n\n{{#issues}}{{field}} {{/issues}}{{^issues}}none{{/issues}}", NULL, true,
	  false, "s", "child.upn child.dob ", NULL, NULL },
	{ "personal value in a plain list item", "Subject: s\n\n{{#cases}}{{ref}}={{who}};{{/cases}}",
	  NULL, false, false, "s", "A=" W ";B=" W ";", NULL, NULL },
	{ "unknown name is empty when not strict", "Subject: s\n\nx{{nope}}y", NULL, false, false,
	  "s", "xy", NULL, NULL },
	{ "strict: unknown name in the body", "Subject: s\n\nline 3\n{{nope}}\n", NULL, false, true,
	  NULL, NULL, NULL, ".txt' line 4: unknown name 'nope'" },
	{ "strict: unknown name in the subject", "Subject: {{nope}}\n\nb", NULL, false, true, NULL,
	  NULL, NULL, ".txt' line 1: unknown name 'nope'" },
	{ "strict: unknown section in the HTML", "Subject: s\n\nb", "<p>\n{{#nope}}x{{/nope}}</p>",
	  false, true, NULL, NULL, NULL, ".html' line 2: unknown name 'nope'" },
	{ "strict: unknown name inside a section", "Subject: s\n\n{{#missing}}\n{{lable}}{{/missing}}",
	  NULL, false, true, NULL, NULL, NULL, "line 4: unknown name 'lable'" },
	{ "strict: known names pass", "Subject: {{case_ref}}\n\n{{#missing}}{{label}}{{/missing}}{{absent}}",
	  NULL, false, true, "CME-2026-000123", "the date of birththe postcode", NULL, NULL },
	{ "load: section never closed", "Subject: s\n\na\n{{#missing}}\nb\n", NULL, false, false,
	  NULL, NULL, NULL, "line 4: section '{{#missing}}' is never closed" },
	{ "load: wrong section closed", "Subject: s\n\n{{#a}}\n{{^b}}{{/a}}", NULL, false, false,
	  NULL, NULL, NULL, "line 4: '{{/a}}' closes nothing: '{{^b}}' of line 4 is open" },
	{ "load: close without open", "Subject: s\n\nx\n{{/a}}", NULL, false, false, NULL, NULL, NULL,
	  "line 4: '{{/a}}' closes no open section" },
	{ "load: bad tag in the HTML", "Subject: s\n\nx", "<p>\n{{ name }}</p>", false, false, NULL,
	  NULL, NULL, ".html' line 2: '{{' does not start" },
	{ "load: HTML not UTF-8", "Subject: s\n\nx", "<p>Zo\xeb</p>", false, false, NULL, NULL, NULL,
	  ".html' line 1: not UTF-8 text" },
	{ "literal braces", "Subject: s\n\n{{{{#x}} {{{{case_ref}}", "{{{{y", false, true, "s",
	  "{{#x}} {{case_ref}}", "{{y", NULL },
};

/* vars - the values every row renders with */
static struct notify_vars *vars(void)
{
	struct notify_vars *v = notify_vars_new();
	struct notify_vars *item;

	notify_vars_set(v, "case_ref", "CME-2026-000123");
	notify_vars_set(v, "evil", "Ref\r\nBcc: victim@example.org");
	notify_vars_set(v, "html_evil", "<script>alert('x')</script> & \"q\"");
	notify_vars_set(v, "cell", "</td><td onclick=\"x\">");
	notify_vars_set(v, "tricky", "{{case_ref}}");
	notify_vars_set(v, "empty", "");
	notify_vars_set(v, "absent", NULL);
	notify_vars_set_personal(v, "child_name", "Amelia Testchild");
	notify_vars_set_list(v, "none", false);
	notify_vars_set(notify_vars_add_item(v, "missing"), "label", "the date of birth");
	notify_vars_set(notify_vars_add_item(v, "missing"), "label", "the postcode");
	notify_vars_set_list(v, "issues", true);
	item = notify_vars_add_item(v, "issues");
	notify_vars_set(item, "field", "child.upn");
	item = notify_vars_add_item(v, "issues");
	notify_vars_set(item, "field", "child.dob");
	item = notify_vars_add_item(v, "cases");
	notify_vars_set(item, "ref", "A");
	notify_vars_set_personal(item, "who", "Amelia");
	notify_vars_set_int(notify_vars_add_item(item, "items"), "n", 1);
	notify_vars_set_int(notify_vars_add_item(item, "items"), "n", 2);
	item = notify_vars_add_item(v, "cases");
	notify_vars_set(item, "ref", "B");
	notify_vars_set_personal(item, "who", "Bella");
	notify_vars_set_list(item, "items", false);
	return v;
}

static void write_file(const char *dir, const char *name, const char *text)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);

	if (text)
		assert_true(g_file_set_contents(path, text, -1, NULL));
	else
		g_unlink(path);
}

static void test_row(void **state)
{
	const struct row *row = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(notify_template) t = NULL;
	g_autoptr(notify_vars) v = vars();
	struct notify_render_opts opts = { .secure = row->secure, .strict = row->strict };
	struct notify_rendered r = { 0 };

	write_file(tmpdir, "k.txt", row->txt);
	write_file(tmpdir, "k.html", row->html);
	t = notify_template_load(tmpdir, "k", &error);
	if (t && notify_template_render(t, v, &opts, &r, &error)) {
		if (!row->want_subject)
			fail_msg("rendered, but wanted error '%s'", row->want_error);
		assert_string_equal(r.subject, row->want_subject);
		assert_null(strpbrk(r.subject, "\r\n"));
		assert_string_equal(r.text, row->want_text);
		if (row->want_html)
			assert_string_equal(r.html, row->want_html);
		else
			assert_null(r.html);
		notify_rendered_clear(&r);
		return;
	}
	assert_non_null(error);
	assert_true(g_error_matches(error, NOTIFY_ERROR, NOTIFY_ERROR_TEMPLATE));
	if (!row->want_error)
		fail_msg("unexpected error '%s'", error->message);
	if (!strstr(error->message, row->want_error) || !strstr(error->message, tmpdir))
		fail_msg("error '%s' lacks '%s' or the directory", error->message, row->want_error);
}

/* test_override - a file in the authority's directory wins, part by part */
static void test_override(void **state)
{
	g_autofree char *local = g_build_filename(tmpdir, "local", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(notify_vars) v = vars();
	struct notify_render_opts opts = { 0 };
	struct notify_rendered r = { 0 };

	g_mkdir(local, 0700);
	write_file(tmpdir, "k.txt", "Subject: shipped\n\nshipped text");
	write_file(tmpdir, "k.html", "<p>shipped html</p>");
	write_file(local, "k.txt", "Subject: ours {{case_ref}}\n\nour text");
	g_autoptr(notify_template) t = notify_template_open(local, tmpdir, "k", &error);
	assert_non_null(t);
	assert_true(notify_template_render(t, v, &opts, &r, &error));
	assert_string_equal(r.subject, "ours CME-2026-000123");
	assert_string_equal(r.text, "our text");
	assert_string_equal(r.html, "<p>shipped html</p>");
	assert_non_null(strstr(t->text_path, "/local/"));
	notify_rendered_clear(&r);
	write_file(local, "k.txt", NULL);
	g_rmdir(local);
}

/* test_shipped - every file in templates/ loads and renders strictly with
 * the names it uses set (each kind has both parts) */
static void test_shipped(void **state)
{
	g_autofree char *dir = g_build_filename(CMEGW_SRCDIR, "templates", NULL);
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *name;
	unsigned n = 0;

	assert_non_null(d);
	while ((name = g_dir_read_name(d)) != NULL) {
		g_autoptr(GError) error = NULL;
		g_autofree char *kind = NULL;
		g_autofree char *html = NULL;

		if (!g_str_has_suffix(name, ".txt"))
			continue;
		kind = g_strndup(name, strlen(name) - 4);
		g_autoptr(notify_template) t = notify_template_load(dir, kind, &error);
		if (!t)
			fail_msg("%s", error->message);
		if (!t->html)
			fail_msg("template %s has no HTML part", kind);
		n++;
	}
	assert_true(n >= 12);
}

/* test_alternative - text + HTML compose as multipart/alternative, with the
 * loop-protection headers on the message */
static void test_alternative(void **state)
{
	char *to[] = { (char *)"team@example.org", NULL };
	g_autoptr(GDateTime) date = g_date_time_new_from_iso8601("2026-12-01T09:00:00Z", NULL);
	struct notify_mail mail = {
		.from = "cme@example.org", .to = to, .subject = "s", .body = "text\n",
		.html = "<p>html</p>\n", .message_id = "id.1@example.org", .date = date,
	};
	g_autoptr(GBytes) bytes = notify_compose(&mail);
	gsize len;
	const char *data = g_bytes_get_data(bytes, &len);
	GMimeStream *stream = g_mime_stream_mem_new_with_buffer(data, len);
	GMimeParser *parser = g_mime_parser_new_with_stream(stream);
	GMimeMessage *m = g_mime_parser_construct_message(parser, NULL);
	GMimeObject *body;

	assert_non_null(m);
	assert_string_equal(g_mime_object_get_header(GMIME_OBJECT(m), "X-Auto-Response-Suppress"),
			    "All");
	assert_string_equal(g_mime_object_get_header(GMIME_OBJECT(m), "Auto-Submitted"),
			    "auto-generated");
	body = g_mime_message_get_mime_part(m);
	assert_true(GMIME_IS_MULTIPART(body));
	assert_true(g_mime_content_type_is_type(g_mime_object_get_content_type(body), "multipart",
						"alternative"));
	assert_int_equal(g_mime_multipart_get_count(GMIME_MULTIPART(body)), 2);
	assert_true(g_mime_content_type_is_type(g_mime_object_get_content_type(
		g_mime_multipart_get_part(GMIME_MULTIPART(body), 0)), "text", "plain"));
	assert_true(g_mime_content_type_is_type(g_mime_object_get_content_type(
		g_mime_multipart_get_part(GMIME_MULTIPART(body), 1)), "text", "html"));
	g_object_unref(m);
	g_object_unref(parser);
	g_object_unref(stream);
}

static int setup(void **state)
{
	tmpdir = g_dir_make_tmp("cmegw-test-tmpl-XXXXXX", NULL);
	return tmpdir ? 0 : -1;
}

static int teardown(void **state)
{
	write_file(tmpdir, "k.txt", NULL);
	write_file(tmpdir, "k.html", NULL);
	g_rmdir(tmpdir);
	g_clear_pointer(&tmpdir, g_free);
	return 0;
}

int main(void)
{
	struct CMUnitTest tests[G_N_ELEMENTS(rows) + 3];
	size_t n = 0;

	for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
		struct CMUnitTest t = { rows[i].name, test_row, NULL, NULL, (void *)&rows[i] };
		tests[n++] = t;
	}
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_override);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_shipped);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_alternative);
	return _cmocka_run_group_tests("notify_template", tests, n, setup, teardown);
}
