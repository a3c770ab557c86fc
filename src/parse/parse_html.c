/* parse_html.c - HTML forms: table rows, headings and the text between them
 * -> the same flat list of items as plain text (struct parse_form) */
#include <limits.h>
#include <string.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "parse/parse_p.h"

/* Deeper than this is not a form; what lies below is ignored. */
#define MAX_DEPTH 128
#define MAX_CELLS 16
#define MAX_CELL 16384    /* bytes of a cell's text read */

struct html_state {
	struct parse_form *form;
	GString *pending;      /* text outside tables, read as plain text */
	bool quoted_stops;
	bool stopped;
};

static const char *el_name(const xmlNode *n)
{
	return n->type == XML_ELEMENT_NODE && n->name != NULL ? (const char *)n->name : "";
}

/* el_is - N is the element NAME (lower case) */
static bool el_is(const xmlNode *n, const char *name)
{
	const char *e = el_name(n);

	return g_ascii_tolower(e[0]) == name[0] && g_ascii_strcasecmp(e, name) == 0;
}

static bool el_in(const xmlNode *n, const char *const *names)
{
	for (; *names != NULL; names++)
		if (el_is(n, *names))
			return true;
	return false;
}

static const char *const blocks[] = {
	"p", "div", "li", "ul", "ol", "dl", "section", "article", "header", "footer",
	"form", "fieldset", "table", "tr", "center", "blockquote", "address", "pre",
	"body", "html", "tbody", "thead", "tfoot", "main", "nav", "aside", "hr", NULL,
};
static const char *const headings[] = { "h1", "h2", "h3", "h4", "h5", "h6", "caption",
					"legend", NULL };
static const char *const skipped[] = { "script", "style", "noscript", "template", "head",
				       "object", "svg", NULL };

/* append_text - HTML text: runs of white space are one space, none at a line start */
static void append_text(GString *out, const char *text)
{
	for (const char *p = text; *p != '\0'; p++) {
		if (g_ascii_isspace(*p)) {
			if (out->len > 0 && out->str[out->len - 1] != ' ' &&
			    out->str[out->len - 1] != '\n')
				g_string_append_c(out, ' ');
		} else {
			g_string_append_c(out, *p);
		}
	}
}

static void append_newline(GString *out)
{
	while (out->len > 0 && out->str[out->len - 1] == ' ')
		g_string_truncate(out, out->len - 1);
	if (out->len > 0 && out->str[out->len - 1] != '\n')
		g_string_append_c(out, '\n');
}

/* render - the text of N's children as lines: <br> and blocks break lines */
static void render(const xmlNode *n, GString *out, unsigned depth)
{
	if (depth > MAX_DEPTH)
		return;
	for (const xmlNode *c = n->children; c != NULL; c = c->next) {
		if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
			if (c->content != NULL)
				append_text(out, (const char *)c->content);
			continue;
		}
		if (c->type != XML_ELEMENT_NODE || el_in(c, skipped))
			continue;
		if (el_is(c, "br")) {
			g_string_append_c(out, '\n');
			continue;
		}
		if (el_is(c, "input")) {
			xmlChar *v = xmlGetProp(c, (const xmlChar *)"value");

			if (v != NULL)
				append_text(out, (const char *)v);
			xmlFree(v);
			continue;
		}
		if (el_in(c, blocks) || el_in(c, headings) || el_is(c, "dt") || el_is(c, "dd"))
			append_newline(out);
		else if (el_is(c, "td") || el_is(c, "th"))
			append_text(out, " ");
		render(c, out, depth + 1);
		if (el_is(c, "dt")) {
			while (out->len > 0 && out->str[out->len - 1] == ' ')
				g_string_truncate(out, out->len - 1);
			if (out->len > 0 && out->str[out->len - 1] != ':')
				g_string_append_c(out, ':');
			g_string_append_c(out, ' ');
		} else if (el_in(c, blocks) || el_in(c, headings) || el_is(c, "dd")) {
			append_newline(out);
		}
	}
}

/* has_table_below - a layout row holding a table is not a form row */
static bool has_table_below(const xmlNode *n, unsigned depth)
{
	if (depth > MAX_DEPTH)
		return false;
	for (const xmlNode *c = n->children; c != NULL; c = c->next)
		if (el_is(c, "table") || has_table_below(c, depth + 1))
			return true;
	return false;
}

/* flush - the text gathered since the last row, read as plain text */
static void flush(struct html_state *st)
{
	if (st->pending->len == 0 || st->stopped)
		return;
	if (parse_form_text(st->form, st->pending->str, st->quoted_stops))
		st->stopped = true;
	g_string_truncate(st->pending, 0);
}

/* cell_text - a cell's lines joined by "\n", "" when empty */
static char *cell_text(const xmlNode *cell)
{
	GString *s = g_string_new(NULL);
	g_autofree char *f = NULL;

	render(cell, s, 0);
	if (s->len > MAX_CELL)
		g_string_truncate(s, MAX_CELL);
	f = parse_fold(s->str);
	if (f == NULL) {
		g_string_free(s, TRUE);
		return g_strdup("");
	}
	return g_string_free(s, FALSE);
}

/* field_from_cells - a label cell and a value cell: "Surname:" | "Smith" */
static void field_from_cells(struct html_state *st, const char *label, const char *value)
{
	g_autofree char *l = parse_label_clean(label);
	struct parse_item *it;
	char **lines;

	if (l == NULL)
		return;
	it = parse_form_add(st->form, PARSE_ITEM_FIELD, l);
	lines = g_strsplit(value, "\n", 200);
	for (char **p = lines; *p != NULL; p++)
		parse_item_add_line(it, *p);
	g_strfreev(lines);
}

/* row - one <tr> without a table inside: a heading, or label/value pairs */
static void row(struct html_state *st, const xmlNode *tr)
{
	char *cells[MAX_CELLS];
	unsigned n = 0, filled = 0;

	for (const xmlNode *c = tr->children; c != NULL && n < MAX_CELLS; c = c->next)
		if (el_is(c, "td") || el_is(c, "th")) {
			cells[n] = cell_text(c);
			filled += cells[n][0] != '\0';
			n++;
		}
	if (filled == 0) {
		/* nothing */
	} else if (n == 1 || (filled == 1 && cells[0][0] != '\0' && n > 2)) {
		parse_form_text(st->form, cells[0], false);
	} else if (cells[0][0] == '\0' && n >= 2 && st->form->items->len > 0) {
		/* a row continuing the value above (an address over rows) */
		struct parse_item *last = g_ptr_array_index(st->form->items,
							   st->form->items->len - 1);
		char **lines = g_strsplit(cells[1], "\n", 200);

		for (char **p = lines; *p != NULL && last->type == PARSE_ITEM_FIELD; p++)
			parse_item_add_line(last, *p);
		g_strfreev(lines);
	} else {
		for (unsigned i = 0; i + 1 < n; i += 2) {
			if (cells[i][0] != '\0')
				field_from_cells(st, cells[i], cells[i + 1]);
			if (n < 4)
				break;
		}
	}
	for (unsigned i = 0; i < n; i++)
		g_free(cells[i]);
}

/* is_quote_block - where a reply's quoted original starts in HTML mail */
static bool is_quote_block(const xmlNode *n)
{
	xmlChar *cls, *id;
	bool quote = false;

	if (el_is(n, "blockquote"))
		return true;
	if (!el_is(n, "div"))
		return false;
	cls = xmlGetProp(n, (const xmlChar *)"class");
	id = xmlGetProp(n, (const xmlChar *)"id");
	if (cls != NULL && (strstr((const char *)cls, "gmail_quote") != NULL ||
			    strstr((const char *)cls, "moz-cite") != NULL))
		quote = true;
	if (id != NULL && (strcmp((const char *)id, "divRplyFwdMsg") == 0 ||
			   strcmp((const char *)id, "appendonsend") == 0))
		quote = true;
	xmlFree(cls);
	xmlFree(id);
	return quote;
}

static void walk(struct html_state *st, const xmlNode *first, unsigned depth);

/* add_title - <title> says what the form is */
static void add_title(struct html_state *st, const xmlNode *n)
{
	g_autofree char *t = cell_text(n);
	g_autofree char *f = parse_fold(t);

	if (f == NULL || st->form->title->len >= 2000)
		return;
	if (st->form->title->len > 0)
		g_string_append(st->form->title, " | ");
	g_string_append(st->form->title, f);
}

/* walk_element - one element: a row, a heading, a block or inline content */
static void walk_element(struct html_state *st, const xmlNode *c, unsigned depth)
{
	if (el_is(c, "title")) {
		add_title(st, c);
	} else if (el_is(c, "head")) {
		walk(st, c->children, depth + 1);   /* only for <title> */
		g_string_truncate(st->pending, 0);
	} else if (el_in(c, skipped)) {
		/* nothing a person reads */
	} else if (st->quoted_stops && is_quote_block(c)) {
		flush(st);
		st->stopped = true;
	} else if (is_quote_block(c)) {
		/* a forward: Outlook's divRplyFwdMsg, Gmail's gmail_quote; the
		 * "From:" inside names the original sender */
		flush(st);
		parse_form_add(st->form, PARSE_ITEM_FORWARD, NULL);
		walk(st, c->children, depth + 1);
		flush(st);
	} else if (el_is(c, "tr") && !has_table_below(c, depth)) {
		flush(st);
		row(st, c);
	} else if (el_in(c, headings)) {
		g_autofree char *t = cell_text(c);
		g_autofree char *f = parse_fold(t);

		flush(st);
		if (f != NULL)
			parse_form_add(st->form, PARSE_ITEM_HEADING, f);
	} else if (el_is(c, "br")) {
		g_string_append_c(st->pending, '\n');
	} else if (el_is(c, "dl")) {       /* <dt>label</dt><dd>value</dd> */
		append_newline(st->pending);
		render(c, st->pending, depth + 1);
		append_newline(st->pending);
	} else {
		bool block = el_in(c, blocks);

		if (block)
			append_newline(st->pending);
		walk(st, c->children, depth + 1);
		if (block)
			append_newline(st->pending);
	}
}

/* bold_text - the text of N's <b>/<strong> descendants */
static void bold_text(const xmlNode *n, GString *out, bool in_bold, unsigned depth)
{
	if (depth > MAX_DEPTH)
		return;
	for (const xmlNode *c = n->children; c != NULL; c = c->next) {
		if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && in_bold &&
		    c->content != NULL)
			append_text(out, (const char *)c->content);
		else if (c->type == XML_ELEMENT_NODE)
			bold_text(c, out, in_bold || el_is(c, "b") || el_is(c, "strong"), depth + 1);
	}
}

/* short_text - whether the text under N fits in *BUDGET bytes; it stops
 * counting there, so a page of nested blocks is not read again per block */
static bool short_text(const xmlNode *n, unsigned depth, long *budget)
{
	if (depth > MAX_DEPTH)
		return false;
	for (const xmlNode *c = n->children; c != NULL; c = c->next) {
		if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) &&
		    c->content != NULL)
			*budget -= (long)strnlen((const char *)c->content, (size_t)*budget + 1);
		else if (c->type == XML_ELEMENT_NODE && !short_text(c, depth + 1, budget))
			return false;
		if (*budget < 0)
			return false;
	}
	return true;
}

/* question_of - a paragraph that is all bold: Microsoft Forms and Power
 * Automate write each question so, its answer in the next paragraph.
 * Returns the question, NULL when N is not one. */
static char *question_of(const xmlNode *n)
{
	static const char *const paras[] = { "p", "div", NULL };
	g_autofree char *all = NULL;
	GString *b;
	char *q = NULL;
	long budget = 300;

	if (!el_in(n, paras) || !short_text(n, 0, &budget) || has_table_below(n, 0))
		return NULL;
	all = cell_text(n);
	b = g_string_new(NULL);
	bold_text(n, b, false, 0);
	{
		g_autofree char *fa = parse_fold(all);
		g_autofree char *fb = parse_fold(b->str);

		if (fa != NULL && fb != NULL && strcmp(fa, fb) == 0 && strlen(fa) <= 200)
			q = g_steal_pointer(&fb);
	}
	g_string_free(b, TRUE);
	return q;
}

/* next_element - the next sibling element, past white space */
static const xmlNode *next_element(const xmlNode *n)
{
	for (n = n->next; n != NULL; n = n->next) {
		if (n->type == XML_ELEMENT_NODE)
			return n;
		if (n->type == XML_TEXT_NODE && n->content != NULL) {
			g_autofree char *f = parse_fold((const char *)n->content);

			if (f != NULL)
				return NULL;
		}
	}
	return NULL;
}

/* question_pair - <p><b>Question</b></p><p>Answer</p>: a field; returns the
 * answer's node (the walk goes on after it), NULL when C starts no pair */
static const xmlNode *question_pair(struct html_state *st, const xmlNode *c)
{
	static const char *const answers[] = { "p", "div", "ul", "ol", NULL };
	g_autofree char *q = question_of(c);
	g_autofree char *a = NULL, *qa = NULL;
	const xmlNode *n;

	if (q == NULL || (n = next_element(c)) == NULL || !el_in(n, answers))
		return NULL;
	if ((qa = question_of(n)) != NULL)
		return NULL;     /* two headings in a row */
	{
		struct parse_label info;
		size_t len = strlen(q);

		parse_label_classify(q, &info);
		if (info.field == PARSE_F_NONE && q[len - 1] != '?')
			return NULL;   /* a bold heading, not a question */
	}
	a = cell_text(n);
	{
		/* a bold heading over "Label: value" lines is a heading */
		const char *colon = strchr(a, ':'), *nl = strchr(a, '\n');
		struct parse_label info;

		if (colon != NULL && (nl == NULL || colon < nl) && colon - a < 80) {
			g_autofree char *l = g_strndup(a, (gsize)(colon - a));

			parse_label_classify(l, &info);
			if (info.field != PARSE_F_NONE)
				return NULL;
		}
	}
	flush(st);
	field_from_cells(st, q, a);
	return n;
}

/* walk - FIRST and its siblings, in document order */
static void walk(struct html_state *st, const xmlNode *first, unsigned depth)
{
	if (depth > MAX_DEPTH)
		return;
	for (const xmlNode *c = first; c != NULL && !st->stopped &&
				       st->form->items->len < PARSE_MAX_ITEMS; c = c->next) {
		const xmlNode *answer;

		if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
			if (c->content != NULL)
				append_text(st->pending, (const char *)c->content);
		} else if (c->type == XML_ELEMENT_NODE) {
			if ((answer = question_pair(st, c)) != NULL)
				c = answer;
			else
				walk_element(st, c, depth);
		}
	}
}

void parse_form_html(struct parse_form *form, const char *html, size_t len, bool quoted_stops)
{
	struct html_state st = { .form = form, .quoted_stops = quoted_stops };
	htmlDocPtr doc;
	xmlNode *root;

	if (len == 0 || len > INT_MAX)
		return;
	doc = htmlReadMemory(html, (int)len, NULL, "UTF-8",
			     HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
			     HTML_PARSE_RECOVER | HTML_PARSE_NOBLANKS);
	if (doc == NULL)
		return;
	root = xmlDocGetRootElement(doc);
	st.pending = g_string_new(NULL);
	if (root != NULL) {
		walk(&st, root, 0);
		flush(&st);
	}
	g_string_free(st.pending, TRUE);
	xmlFreeDoc(doc);
}
