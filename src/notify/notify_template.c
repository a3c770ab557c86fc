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

/* tag_length - length of the whole tag at P: "{{name}}", "{{#name}}",
 * "{{^name}}", "{{?name}}" or "{{/name}}"; 0 if P does not start one */
static size_t tag_length(const char *p)
{
	size_t n;

	if (p[0] == '{' && p[1] == '{' && (p[2] == '#' || p[2] == '^' || p[2] == '?' ||
				       p[2] == '/')) {
		g_autofree char *shifted = g_strconcat("{{", p + 3, NULL);

		n = name_length(shifted);
		return n ? n + 5 : 0;
	}
	n = name_length(p);
	return n ? n + 4 : 0;
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
		} else if ((n = tag_length(p)) > 0) {
			p += n;
		} else {
			template_error(error, path, lineno,
				       "'{{' does not start a {{name}} or section tag (write '{{{{' for a literal '{{')");
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

/* ---- the section language ----
 *
 * A part (subject, text body, HTML body) is parsed once, at load, into a
 * tree: text, {{name}}, and {{#name}}...{{/name}} / {{^name}}...{{/name}}
 * sections. Rendering walks the tree with a chain of scopes.
 */

enum tnode_type { T_TEXT, T_VAR, T_SECTION, T_INVERTED, T_IF };

struct tnode {
	enum tnode_type type;
	char *text;            /* T_TEXT: the text; otherwise the name */
	unsigned line;
	GPtrArray *children;   /* sections: struct tnode * */
};

static void tnode_free(gpointer data)
{
	struct tnode *n = data;

	g_free(n->text);
	if (n->children)
		g_ptr_array_unref(n->children);
	g_free(n);
}

static GPtrArray *tnodes_new(void)
{
	return g_ptr_array_new_with_free_func(tnode_free);
}

static void add_text(GPtrArray *into, const char *text, size_t len, unsigned line)
{
	struct tnode *n;

	if (len == 0)
		return;
	n = g_new0(struct tnode, 1);
	n->type = T_TEXT;
	n->text = g_strndup(text, len);
	n->line = line;
	g_ptr_array_add(into, n);
}

static unsigned count_lines(const char *from, const char *to)
{
	unsigned n = 0;

	for (; from < to; from++)
		n += *from == '\n';
	return n;
}

static char sigil_of(const struct tnode *n)
{
	return n->type == T_SECTION ? '#' : n->type == T_INVERTED ? '^' : '?';
}

/* parse_tree - TEXT (starting at LINE of PATH) as a tree; NULL with the
 * error naming file and line for an unbalanced section */
static GPtrArray *parse_tree(const char *path, unsigned line, const char *text, GError **error)
{
	GPtrArray *root = tnodes_new();
	GPtrArray *stack = g_ptr_array_new();   /* open section nodes */
	GPtrArray *cur = root;
	const char *p = text;

	while (*p) {
		const char *open = strstr(p, "{{");
		size_t n;

		if (!open) {
			add_text(cur, p, strlen(p), line);
			break;
		}
		add_text(cur, p, open - p, line);
		line += count_lines(p, open);
		if (g_str_has_prefix(open, "{{{{")) {
			add_text(cur, "{{", 2, line);
			p = open + 4;
			continue;
		}
		n = tag_length(open);
		if (n == 0) {
			/* load already refused this; keep it as text */
			add_text(cur, "{{", 2, line);
			p = open + 2;
			continue;
		}
		char sigil = open[2];
		bool has_sigil = sigil == '#' || sigil == '^' || sigil == '?' || sigil == '/';
		g_autofree char *name = g_strndup(open + (has_sigil ? 3 : 2),
						  n - (has_sigil ? 5 : 4));
		p = open + n;
		if (sigil == '/') {
			struct tnode *top = stack->len ? g_ptr_array_index(stack, stack->len - 1) : NULL;

			if (!top || strcmp(top->text, name) != 0) {
				if (top)
					template_error(error, path, line,
						       "'{{/%s}}' closes nothing: '{{%c%s}}' of line %u is open",
						       name, sigil_of(top), top->text,
						       top->line);
				else
					template_error(error, path, line,
						       "'{{/%s}}' closes no open section", name);
				g_ptr_array_unref(stack);
				g_ptr_array_unref(root);
				return NULL;
			}
			g_ptr_array_remove_index(stack, stack->len - 1);
			cur = stack->len ? ((struct tnode *)g_ptr_array_index(stack, stack->len - 1))->children
					 : root;
			continue;
		}
		struct tnode *node = g_new0(struct tnode, 1);

		node->text = g_steal_pointer(&name);
		node->line = line;
		node->type = sigil == '#' ? T_SECTION : sigil == '^' ? T_INVERTED
			   : sigil == '?' ? T_IF : T_VAR;
		g_ptr_array_add(cur, node);
		if (node->type != T_VAR) {
			node->children = tnodes_new();
			g_ptr_array_add(stack, node);
			cur = node->children;
		}
	}
	if (stack->len) {
		struct tnode *top = g_ptr_array_index(stack, stack->len - 1);

		template_error(error, path, top->line, "section '{{%c%s}}' is never closed",
			       sigil_of(top), top->text);
		g_ptr_array_unref(stack);
		g_ptr_array_unref(root);
		return NULL;
	}
	g_ptr_array_unref(stack);
	return root;
}

/* ---- values ---- */

struct notify_value {
	char *str;           /* a string value, or NULL */
	GPtrArray *items;    /* a list: struct notify_vars *, or NULL */
	bool personal;       /* a child's details: withheld unless secure */
};

struct notify_vars {
	GHashTable *values;  /* name -> struct notify_value * */
};

static void value_free(gpointer data)
{
	struct notify_value *v = data;

	g_free(v->str);
	if (v->items)
		g_ptr_array_unref(v->items);
	g_free(v);
}

struct notify_vars *notify_vars_new(void)
{
	struct notify_vars *v = g_new0(struct notify_vars, 1);

	v->values = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, value_free);
	return v;
}

void notify_vars_free(struct notify_vars *vars)
{
	if (!vars)
		return;
	g_hash_table_unref(vars->values);
	g_free(vars);
}

static void put_value(struct notify_vars *vars, const char *name, const char *value,
		      bool personal)
{
	struct notify_value *v = g_new0(struct notify_value, 1);

	v->str = g_strdup(value);
	v->personal = personal;
	g_hash_table_insert(vars->values, g_strdup(name), v);
}

void notify_vars_set(struct notify_vars *vars, const char *name, const char *value)
{
	put_value(vars, name, value, false);
}

void notify_vars_set_personal(struct notify_vars *vars, const char *name, const char *value)
{
	put_value(vars, name, value, true);
}

void notify_vars_set_int(struct notify_vars *vars, const char *name, long long value)
{
	g_autofree char *text = g_strdup_printf("%lld", value);

	put_value(vars, name, text, false);
}

/* list_of - the list NAME of VARS, made (empty) when missing */
static struct notify_value *list_of(struct notify_vars *vars, const char *name, bool personal)
{
	struct notify_value *v = g_hash_table_lookup(vars->values, name);

	if (!v || !v->items) {
		v = g_new0(struct notify_value, 1);
		v->items = g_ptr_array_new_with_free_func((GDestroyNotify)notify_vars_free);
		g_hash_table_insert(vars->values, g_strdup(name), v);
	}
	v->personal = v->personal || personal;
	return v;
}

void notify_vars_set_list(struct notify_vars *vars, const char *name, bool personal)
{
	list_of(vars, name, personal);
}

struct notify_vars *notify_vars_add_item(struct notify_vars *vars, const char *name)
{
	struct notify_value *v = list_of(vars, name, false);
	struct notify_vars *item = notify_vars_new();

	g_ptr_array_add(v->items, item);
	return item;
}

/* ---- rendering ---- */

enum render_mode { MODE_TEXT, MODE_HTML, MODE_HEADER };

struct render_ctx {
	const char *path;
	enum render_mode mode;
	bool secure, strict;
	GPtrArray *scopes;   /* struct notify_vars *, innermost last */
	GError **error;
	bool failed;
};

/* lookup - NAME in the innermost scope that has it; *found_r false when none */
static const struct notify_value *lookup(struct render_ctx *c, const char *name, bool *found_r)
{
	for (guint i = c->scopes->len; i > 0; i--) {
		const struct notify_vars *v = g_ptr_array_index(c->scopes, i - 1);
		const struct notify_value *val = g_hash_table_lookup(v->values, name);

		if (val) {
			*found_r = true;
			return val;
		}
		if (g_hash_table_contains(v->values, name)) {
			*found_r = true;
			return NULL;
		}
	}
	*found_r = false;
	return NULL;
}

/* unknown - an unknown NAME: an error in strict mode, empty otherwise */
static void unknown(struct render_ctx *c, const struct tnode *n)
{
	if (c->strict && !c->failed) {
		template_error(c->error, c->path, n->line, "unknown name '%s'", n->text);
		c->failed = true;
	}
}

/* value_items - the items of V as the renderer may see them: none when V is
 * a child's details and the mail is not secure */
static guint value_items(const struct render_ctx *c, const struct notify_value *v)
{
	if (!v || !v->items || (v->personal && !c->secure))
		return 0;
	return v->items->len;
}

/* value_text - what {{name}} shows for V */
static char *value_text(const struct render_ctx *c, const struct notify_value *v)
{
	if (!v)
		return g_strdup("");
	if (v->personal && !c->secure)
		return g_strdup(NOTIFY_WITHHELD);
	if (v->items)
		return g_strdup_printf("%u", v->items->len);
	return g_strdup(v->str ? v->str : "");
}

/* present - whether V counts as present for a section */
static bool present(const struct render_ctx *c, const struct notify_value *v)
{
	if (!v)
		return false;
	if (v->items)
		return value_items(c, v) > 0;
	if (v->personal && !c->secure)
		return true;   /* shows as withheld */
	return v->str && *v->str;
}

static void render_nodes(struct render_ctx *c, GPtrArray *nodes, GString *out);

/* emit_value - TEXT into OUT, HTML-escaped in the HTML part: &#39; rather
 * than &apos;, which HTML 4 mail readers (Outlook) do not know */
static void emit_value(struct render_ctx *c, const char *text, GString *out)
{
	if (c->mode != MODE_HTML) {
		g_string_append(out, text);
		return;
	}
	for (const char *p = text; *p; p++) {
		switch (*p) {
		case '&': g_string_append(out, "&amp;"); break;
		case '<': g_string_append(out, "&lt;"); break;
		case '>': g_string_append(out, "&gt;"); break;
		case '"': g_string_append(out, "&quot;"); break;
		case '\'': g_string_append(out, "&#39;"); break;
		default: g_string_append_c(out, *p); break;
		}
	}
}

/* render_section - a {{#name}} or {{^name}} node */
static void render_section(struct render_ctx *c, const struct tnode *n, GString *out)
{
	bool found;
	const struct notify_value *v = lookup(c, n->text, &found);

	if (!found)
		unknown(c, n);
	if (n->type == T_INVERTED || n->type == T_IF) {
		if (present(c, v) == (n->type == T_IF))
			render_nodes(c, n->children, out);
		return;
	}
	if (!present(c, v))
		return;
	if (!v->items) {
		render_nodes(c, n->children, out);
		return;
	}
	for (guint i = 0; i < value_items(c, v); i++) {
		g_ptr_array_add(c->scopes, g_ptr_array_index(v->items, i));
		render_nodes(c, n->children, out);
		g_ptr_array_remove_index(c->scopes, c->scopes->len - 1);
	}
}

static void render_nodes(struct render_ctx *c, GPtrArray *nodes, GString *out)
{
	for (guint i = 0; i < nodes->len; i++) {
		const struct tnode *n = g_ptr_array_index(nodes, i);
		bool found;
		const struct notify_value *v;
		g_autofree char *text = NULL;

		switch (n->type) {
		case T_TEXT:
			g_string_append(out, n->text);
			break;
		case T_VAR:
			v = lookup(c, n->text, &found);
			if (!found)
				unknown(c, n);
			text = value_text(c, v);
			emit_value(c, text, out);
			break;
		case T_SECTION:
		case T_INVERTED:
		case T_IF:
			render_section(c, n, out);
			break;
		}
	}
}

/* render_part - NODES (from PATH) rendered in MODE */
static char *render_part(const char *path, GPtrArray *nodes, enum render_mode mode,
			 const struct notify_vars *vars, const struct notify_render_opts *opts,
			 GError **error)
{
	struct render_ctx c = {
		.path = path, .mode = mode, .secure = opts->secure, .strict = opts->strict,
		.scopes = g_ptr_array_new(), .error = error,
	};
	GString *out = g_string_new(NULL);
	g_autofree char *raw = NULL;

	g_ptr_array_add(c.scopes, (gpointer)vars);
	render_nodes(&c, nodes, out);
	g_ptr_array_unref(c.scopes);
	raw = g_string_free(out, FALSE);
	if (c.failed)
		return NULL;
	if (mode == MODE_HEADER)
		return notify_header_line(raw);
	return g_utf8_make_valid(raw, -1);
}

bool notify_template_render(const struct notify_template *t, const struct notify_vars *vars,
			    const struct notify_render_opts *opts, struct notify_rendered *out_r,
			    GError **error)
{
	struct notify_rendered r = { 0 };

	r.subject = render_part(t->text_path, t->subject_tree, MODE_HEADER, vars, opts, error);
	if (r.subject)
		r.text = render_part(t->text_path, t->body_tree, MODE_TEXT, vars, opts, error);
	if (r.text && t->html_tree)
		r.html = render_part(t->html_path, t->html_tree, MODE_HTML, vars, opts, error);
	if (!r.subject || !r.text || (t->html_tree && !r.html)) {
		notify_rendered_clear(&r);
		return false;
	}
	*out_r = r;
	return true;
}

void notify_rendered_clear(struct notify_rendered *r)
{
	g_clear_pointer(&r->subject, g_free);
	g_clear_pointer(&r->text, g_free);
	g_clear_pointer(&r->html, g_free);
}

/* ---- loading ---- */

/* read_template_file - PATH's contents as checked UTF-8 text */
static char *read_template_file(const char *path, GError **error)
{
	g_autofree char *contents = NULL;
	g_autoptr(GError) local = NULL;
	gsize length;

	if (!g_file_get_contents(path, &contents, &length, &local)) {
		template_error(error, path, 0, "cannot read: %s", read_failure(local));
		return NULL;
	}
	if (!check_text(path, contents, length, error))
		return NULL;
	return g_steal_pointer(&contents);
}

/* load_text - the KIND.txt at PATH into TMPL: subject, body, trees */
static bool load_text(const char *path, struct notify_template *tmpl, GError **error)
{
	g_autofree char *contents = read_template_file(path, error);
	g_auto(GStrv) lines = NULL;
	unsigned body;

	if (!contents)
		return false;
	lines = split_lines(contents);
	if (!parse_header(path, lines, tmpl, &body, error) ||
	    !parse_body(path, lines, body, tmpl, error))
		return false;
	tmpl->subject_tree = parse_tree(path, 1, tmpl->subject, error);
	if (!tmpl->subject_tree)
		return false;
	tmpl->body_tree = parse_tree(path, body + 1, tmpl->body, error);
	return tmpl->body_tree != NULL;
}

/* load_html - the KIND.html at PATH (the whole file is the HTML body) */
static bool load_html(const char *path, struct notify_template *tmpl, GError **error)
{
	g_autofree char *contents = read_template_file(path, error);
	g_auto(GStrv) lines = NULL;

	if (!contents)
		return false;
	lines = split_lines(contents);
	for (unsigned i = 0; lines[i]; i++)
		if (!check_syntax(path, i + 1, lines[i], error))
			return false;
	tmpl->html = g_strjoinv("\n", lines);
	tmpl->html_tree = parse_tree(path, 1, tmpl->html, error);
	return tmpl->html_tree != NULL;
}

/* pick - DIR/FILE from OVERRIDE when it is there, else from DIR; NULL when
 * OPTIONAL and in neither */
static char *pick(const char *override, const char *dir, const char *file, bool optional)
{
	g_autofree char *path = NULL;

	if (override && *override) {
		path = g_build_filename(override, file, NULL);
		if (g_file_test(path, G_FILE_TEST_EXISTS))
			return g_steal_pointer(&path);
		g_clear_pointer(&path, g_free);
	}
	path = g_build_filename(dir, file, NULL);
	if (optional && !g_file_test(path, G_FILE_TEST_EXISTS))
		return NULL;
	return g_steal_pointer(&path);
}

struct notify_template *notify_template_open(const char *override, const char *dir,
					     const char *kind, GError **error)
{
	g_autofree char *text_file = NULL;
	g_autofree char *html_file = NULL;
	g_autoptr(notify_template) tmpl = NULL;

	g_return_val_if_fail(dir != NULL && kind != NULL, NULL);

	if (!valid_kind(kind)) {
		g_autofree char *shown = g_strescape(kind, NULL);

		g_set_error(error, NOTIFY_ERROR, NOTIFY_ERROR_TEMPLATE,
			    "template kind '%s': not a template name", shown);
		return NULL;
	}
	text_file = g_strconcat(kind, ".txt", NULL);
	html_file = g_strconcat(kind, ".html", NULL);
	tmpl = g_new0(struct notify_template, 1);
	tmpl->kind = g_strdup(kind);
	tmpl->text_path = pick(override, dir, text_file, false);
	tmpl->html_path = pick(override, dir, html_file, true);
	if (!load_text(tmpl->text_path, tmpl, error))
		return NULL;
	if (tmpl->html_path && !load_html(tmpl->html_path, tmpl, error))
		return NULL;
	return g_steal_pointer(&tmpl);
}

struct notify_template *notify_template_load(const char *dir, const char *kind,
					     GError **error)
{
	return notify_template_open(NULL, dir, kind, error);
}

void notify_template_free(struct notify_template *tmpl)
{
	if (!tmpl)
		return;
	g_free(tmpl->kind);
	g_free(tmpl->subject);
	g_free(tmpl->body);
	g_free(tmpl->html);
	g_free(tmpl->text_path);
	g_free(tmpl->html_path);
	if (tmpl->subject_tree)
		g_ptr_array_unref(tmpl->subject_tree);
	if (tmpl->body_tree)
		g_ptr_array_unref(tmpl->body_tree);
	if (tmpl->html_tree)
		g_ptr_array_unref(tmpl->html_tree);
	g_free(tmpl);
}
