/* notify_template.c - notification templates: loading and {{name}} rendering.
 *
 * The engine is hand-written on purpose (DESIGN.md: only what no packaged
 * library does) and kept to one rule: "{{name}}" is a variable, "{{{{" is a
 * literal "{{", everything else is text.
 */
#include <stdarg.h>
#include <string.h>

#include "notify/notify.h"

/* template_error - fail loading PATH at LINE (0: no line) */
G_GNUC_PRINTF(4, 5)
static void template_error(GError **error, const char *path, unsigned line,
			   const char *fmt, ...)
{
	va_list ap;
	g_autofree char *what = NULL;

	va_start(ap, fmt);
	what = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	if (line > 0)
		g_set_error(error, NOTIFY_ERROR, NOTIFY_ERROR_TEMPLATE,
			    "template '%s' line %u: %s", path, line, what);
	else
		g_set_error(error, NOTIFY_ERROR, NOTIFY_ERROR_TEMPLATE,
			    "template '%s': %s", path, what);
}

/* is_name_char - may C appear in a {{name}} */
static bool is_name_char(char c)
{
	return g_ascii_isalnum(c) || c == '_' || c == '-' || c == '.';
}

/* name_length - length of the "name" in "{{name}}" at P, or 0 if P does not
 * start a well-formed variable */
static size_t name_length(const char *p)
{
	size_t n = 0;

	if (p[0] != '{' || p[1] != '{')
		return 0;
	while (is_name_char(p[2 + n]))
		n++;
	if (n == 0 || p[2 + n] != '}' || p[3 + n] != '}')
		return 0;
	return n;
}

/* render_raw - TEXT with variables substituted, nothing cleaned */
static char *render_raw(const char *text, GHashTable *vars)
{
	GString *out = g_string_sized_new(strlen(text) + 64);
	const char *p = text;

	while (*p) {
		const char *open = strstr(p, "{{");
		size_t n;

		if (!open) {
			g_string_append(out, p);
			break;
		}
		g_string_append_len(out, p, open - p);
		if (g_str_has_prefix(open, "{{{{")) {
			g_string_append(out, "{{");
			p = open + 4;
		} else if ((n = name_length(open)) > 0) {
			g_autofree char *name = g_strndup(open + 2, n);
			const char *value = vars ? g_hash_table_lookup(vars, name) : NULL;

			if (value)
				g_string_append(out, value);
			p = open + 4 + n;
		} else {
			g_string_append(out, "{{");
			p = open + 2;
		}
	}
	return g_string_free(out, FALSE);
}

/* is_header_space - characters that must not survive in a header value:
 * C0/C1 controls, DEL, and every Unicode space or line/paragraph separator */
static bool is_header_space(gunichar c)
{
	return g_unichar_iscntrl(c) || g_unichar_isspace(c) ||
	       g_unichar_type(c) == G_UNICODE_LINE_SEPARATOR ||
	       g_unichar_type(c) == G_UNICODE_PARAGRAPH_SEPARATOR;
}

char *notify_header_line(const char *text)
{
	g_autofree char *valid = g_utf8_make_valid(text ? text : "", -1);
	GString *out = g_string_sized_new(strlen(valid));
	bool pending_space = false;

	for (const char *p = valid; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (is_header_space(c)) {
			pending_space = true;
			continue;
		}
		if (pending_space && out->len > 0)
			g_string_append_c(out, ' ');
		pending_space = false;
		g_string_append_unichar(out, c);
	}
	return g_string_free(out, FALSE);
}

char *notify_render(const char *text, GHashTable *vars, bool header)
{
	g_autofree char *raw = NULL;

	g_return_val_if_fail(text != NULL, NULL);

	raw = render_raw(text, vars);
	if (header)
		return notify_header_line(raw);
	return g_utf8_make_valid(raw, -1);
}

/* check_syntax - every "{{" in LINE is "{{{{" or a well-formed variable */
static bool check_syntax(const char *path, unsigned lineno, const char *line,
			 GError **error)
{
	const char *p = line;

	while ((p = strstr(p, "{{")) != NULL) {
		size_t n;

		if (g_str_has_prefix(p, "{{{{")) {
			p += 4;
		} else if ((n = name_length(p)) > 0) {
			p += 4 + n;
		} else {
			template_error(error, path, lineno,
				       "'{{' does not start a {{name}} (write '{{{{' for a literal '{{')");
			return false;
		}
	}
	return true;
}

/* split_lines - CONTENTS as lines without their LF or CRLF ends */
static char **split_lines(const char *contents)
{
	char **lines = g_strsplit(contents, "\n", -1);

	for (char **l = lines; *l; l++) {
		size_t n = strlen(*l);

		if (n > 0 && (*l)[n - 1] == '\r')
			(*l)[n - 1] = '\0';
	}
	return lines;
}

/* looks_like_header - LINE is "Name: ..." with a plausible field name */
static bool looks_like_header(const char *line)
{
	const char *p = line;

	while (*p > ' ' && *p < 0x7f && *p != ':')
		p++;
	return p > line && *p == ':';
}

/* parse_subject - the value of header line LINE (a copy), or NULL when it is
 * not a Subject header */
static char *parse_subject(const char *path, unsigned lineno, const char *line,
			   GError **error)
{
	const char *colon = strchr(line, ':');
	g_autofree char *name = g_strndup(line, colon - line);

	if (g_ascii_strcasecmp(name, "Subject") != 0) {
		template_error(error, path, lineno,
			       "header '%s' is not allowed (only Subject)", name);
		return NULL;
	}
	return g_strstrip(g_strdup(colon + 1));
}

/* header_line_error - why LINE (number LINENO) cannot follow the Subject */
static void header_line_error(const char *path, unsigned lineno, const char *line,
			      GError **error)
{
	if (line[0] == ' ' || line[0] == '\t')
		template_error(error, path, lineno, "the subject must be one line");
	else if (!looks_like_header(line))
		template_error(error, path, lineno, "no blank line after the header");
	else if (g_ascii_strncasecmp(line, "Subject:", 8) == 0)
		template_error(error, path, lineno, "second Subject header");
	else
		g_free(parse_subject(path, lineno, line, error));
}

/* parse_header - the header block of LINES into TMPL; *BODY_R is the index
 * of the first body line */
static bool parse_header(const char *path, char **lines, struct notify_template *tmpl,
			 unsigned *body_r, GError **error)
{
	unsigned i;

	if (!lines[0] || !looks_like_header(lines[0])) {
		template_error(error, path, 1,
			       "no Subject header (a template starts 'Subject: ...', then a blank line)");
		return false;
	}
	for (i = 0; lines[i] && lines[i][0] != '\0'; i++) {
		if (tmpl->subject) {
			header_line_error(path, i + 1, lines[i], error);
			return false;
		}
		tmpl->subject = parse_subject(path, i + 1, lines[i], error);
		if (!tmpl->subject || !check_syntax(path, i + 1, tmpl->subject, error))
			return false;
		if (!tmpl->subject[0]) {
			template_error(error, path, i + 1, "the subject is empty");
			return false;
		}
	}
	/* g_strsplit leaves "" after a final newline: that is not a blank line */
	if (!lines[i] || !lines[i + 1]) {
		template_error(error, path, i, "no blank line after the header");
		return false;
	}
	*body_r = i + 1;
	return true;
}

/* parse_body - join LINES from FIRST into TMPL's body, LF line ends */
static bool parse_body(const char *path, char **lines, unsigned first,
		       struct notify_template *tmpl, GError **error)
{
	GString *body = g_string_new(NULL);

	for (unsigned i = first; lines[i]; i++) {
		if (!check_syntax(path, i + 1, lines[i], error)) {
			g_string_free(body, TRUE);
			return false;
		}
		g_string_append(body, lines[i]);
		if (lines[i + 1])
			g_string_append_c(body, '\n');
	}
	tmpl->body = g_string_free(body, FALSE);
	return true;
}

/* check_text - CONTENTS (LENGTH bytes) is UTF-8 text without NUL bytes */
static bool check_text(const char *path, const char *contents, gsize length,
		       GError **error)
{
	const char *end;
	unsigned line = 1;

	/* with a length, g_utf8_validate also stops at a NUL byte */
	if (g_utf8_validate(contents, length, &end))
		return true;
	for (const char *p = contents; p < end; p++)
		line += *p == '\n';
	template_error(error, path, line, "not UTF-8 text");
	return false;
}

/* read_failure - why ERROR's file could not be read, without GLib's
 * repetition of the path */
static const char *read_failure(const GError *error)
{
	switch (error->code) {
	case G_FILE_ERROR_NOENT: return "no such file";
	case G_FILE_ERROR_ACCES: return "permission denied";
	case G_FILE_ERROR_ISDIR: return "is a directory";
	default: return error->message;
	}
}

/* valid_kind - KIND names a file in the template directory, nothing more */
static bool valid_kind(const char *kind)
{
	if (!kind[0] || kind[0] == '.')
		return false;
	for (const char *p = kind; *p; p++)
		if (!is_name_char(*p))
			return false;
	return true;
}

struct notify_template *notify_template_load(const char *dir, const char *kind,
					     GError **error)
{
	g_autofree char *file = NULL;
	g_autofree char *path = NULL;
	g_autofree char *contents = NULL;
	g_autoptr(GError) local = NULL;
	g_auto(GStrv) lines = NULL;
	g_autoptr(notify_template) tmpl = NULL;
	gsize length;
	unsigned body;

	g_return_val_if_fail(dir != NULL && kind != NULL, NULL);

	if (!valid_kind(kind)) {
		g_autofree char *shown = g_strescape(kind, NULL);

		g_set_error(error, NOTIFY_ERROR, NOTIFY_ERROR_TEMPLATE,
			    "template kind '%s': not a template name", shown);
		return NULL;
	}
	file = g_strconcat(kind, ".txt", NULL);
	path = g_build_filename(dir, file, NULL);
	if (!g_file_get_contents(path, &contents, &length, &local)) {
		template_error(error, path, 0, "cannot read: %s", read_failure(local));
		return NULL;
	}
	if (!check_text(path, contents, length, error))
		return NULL;

	tmpl = g_new0(struct notify_template, 1);
	tmpl->kind = g_strdup(kind);
	lines = split_lines(contents);
	if (!parse_header(path, lines, tmpl, &body, error) ||
	    !parse_body(path, lines, body, tmpl, error))
		return NULL;
	return g_steal_pointer(&tmpl);
}

void notify_template_free(struct notify_template *tmpl)
{
	if (!tmpl)
		return;
	g_free(tmpl->kind);
	g_free(tmpl->subject);
	g_free(tmpl->body);
	g_free(tmpl);
}
