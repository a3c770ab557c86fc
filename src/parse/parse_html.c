/* parse_html.c - HTML forms: table rows, headings and the text between them
 * -> the same flat list of items as plain text (struct parse_form) */
#include <limits.h>
#include <string.h>
#include <libxml/HTMLparser.h>
#include <libxml/parserInternals.h>

#include "parse/parse_p.h"

/* Deeper than this is not a form; what lies below is ignored. */
#define MAX_DEPTH 128
#define MAX_CELLS 16
#define MAX_CELL 16384    /* bytes of a cell's text read */

/* libxml2's HTML parser reads the page (its tokenizer, entities, the rules
 * that close <p> and <td> and imply <html> and <body>) and reports it by SAX;
 * the page is kept in this light tree, in one arena, rather than libxml2's
 * own tree: a third less work for the parse, and the walk compares tag
 * numbers instead of names. */
enum tag {
	T_OTHER, T_B, T_STRONG, T_BR, T_INPUT, T_TD, T_TH, T_TR, T_TABLE, T_TITLE, T_HEAD,
	T_BLOCKQUOTE, T_DIV, T_P, T_UL, T_OL, T_DL, T_DT, T_DD, T_BLOCK, T_HEADING, T_SKIPPED,
};

enum { K_BLOCK = 1, K_HEADING = 2, K_SKIPPED = 4 };

static bool is_text(const struct parse_xnode *n)
{
	return n->name == NULL;
}

static bool is_element(const struct parse_xnode *n)
{
	return n->name != NULL;
}

/* tag_of - an element's number and kind, from its name: libxml2's HTML
 * parser gives element and attribute names in lower case */
static void tag_of(const char *name, unsigned char *tag_r, unsigned char *kind_r)
{
	static const struct { const char *name; unsigned char tag, kind; } tags[] = {
		{ "address", T_BLOCK, K_BLOCK }, { "article", T_BLOCK, K_BLOCK },
		{ "aside", T_BLOCK, K_BLOCK }, { "b", T_B, 0 },
		{ "blockquote", T_BLOCKQUOTE, K_BLOCK }, { "body", T_BLOCK, K_BLOCK },
		{ "br", T_BR, 0 }, { "caption", T_HEADING, K_HEADING },
		{ "center", T_BLOCK, K_BLOCK }, { "dd", T_DD, 0 }, { "div", T_DIV, K_BLOCK },
		{ "dl", T_DL, K_BLOCK }, { "dt", T_DT, 0 }, { "fieldset", T_BLOCK, K_BLOCK },
		{ "footer", T_BLOCK, K_BLOCK }, { "form", T_BLOCK, K_BLOCK },
		{ "h1", T_HEADING, K_HEADING }, { "h2", T_HEADING, K_HEADING },
		{ "h3", T_HEADING, K_HEADING }, { "h4", T_HEADING, K_HEADING },
		{ "h5", T_HEADING, K_HEADING }, { "h6", T_HEADING, K_HEADING },
		{ "head", T_HEAD, K_SKIPPED }, { "header", T_BLOCK, K_BLOCK },
		{ "hr", T_BLOCK, K_BLOCK }, { "html", T_BLOCK, K_BLOCK },
		{ "input", T_INPUT, 0 }, { "legend", T_HEADING, K_HEADING },
		{ "li", T_BLOCK, K_BLOCK }, { "main", T_BLOCK, K_BLOCK },
		{ "nav", T_BLOCK, K_BLOCK }, { "noscript", T_SKIPPED, K_SKIPPED },
		{ "object", T_SKIPPED, K_SKIPPED }, { "ol", T_OL, K_BLOCK },
		{ "p", T_P, K_BLOCK }, { "pre", T_BLOCK, K_BLOCK },
		{ "script", T_SKIPPED, K_SKIPPED }, { "section", T_BLOCK, K_BLOCK },
		{ "strong", T_STRONG, 0 }, { "style", T_SKIPPED, K_SKIPPED },
		{ "svg", T_SKIPPED, K_SKIPPED }, { "table", T_TABLE, K_BLOCK },
		{ "tbody", T_BLOCK, K_BLOCK }, { "td", T_TD, 0 },
		{ "template", T_SKIPPED, K_SKIPPED }, { "tfoot", T_BLOCK, K_BLOCK },
		{ "th", T_TH, 0 }, { "thead", T_BLOCK, K_BLOCK }, { "title", T_TITLE, 0 },
		{ "tr", T_TR, K_BLOCK }, { "ul", T_UL, K_BLOCK },
	};
	size_t lo = 0, hi = G_N_ELEMENTS(tags);

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(name, tags[mid].name);

		if (c == 0) {
			*tag_r = tags[mid].tag;
			*kind_r = tags[mid].kind;
			return;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	*tag_r = T_OTHER;
	*kind_r = 0;
}

/* ---- the tree, built from libxml2's SAX events ---- */

static void sax_start(void *ctx, const xmlChar *name, const xmlChar **atts)
{
	struct parse_xtree *t = ctx;
	struct parse_xnode *n = parse_xtree_open(t, name != NULL ? (const char *)name : "");

	tag_of(n->name, &n->tag, &n->kind);
	for (size_t i = 0; atts != NULL && atts[i] != NULL; i += 2) {
		const char *a = (const char *)atts[i], *v = (const char *)atts[i + 1];
		const char **slot = NULL;

		if (v == NULL)
			continue;
		if (n->tag == T_INPUT && strcmp(a, "value") == 0)
			slot = &n->val;
		else if (strcmp(a, "class") == 0)
			slot = &n->cls;
		else if (strcmp(a, "id") == 0)
			slot = &n->id;
		if (slot != NULL && *slot == NULL)
			*slot = parse_arena_strndup(&t->arena, v, strlen(v));
	}
}

static void sax_end(void *ctx, const xmlChar *name)
{
	parse_xtree_close(ctx);
}

static void sax_text(void *ctx, const xmlChar *s, int len)
{
	if (len > 0)
		parse_xtree_text(ctx, (const char *)s, (size_t)len);
}

static void sax_blank(void *ctx, const xmlChar *s, int len)
{
	/* HTML_PARSE_NOBLANKS: white space libxml2 finds ignorable is dropped */
}

/* build_tree - HTML (UTF-8) -> B's tree; false when libxml2 cannot start */
static bool build_tree(struct parse_xtree *t, const char *html, int len)
{
	htmlSAXHandler sax;
	htmlParserCtxtPtr ctxt = htmlCreateMemoryParserCtxt(html, len);
	xmlCharEncodingHandlerPtr utf8;

	parse_xtree_init(t, NULL);
	if (ctxt == NULL)
		return false;
	htmlCtxtUseOptions(ctxt, HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
				 HTML_PARSE_RECOVER | HTML_PARSE_NOBLANKS);
	memset(&sax, 0, sizeof sax);     /* no error callbacks: NOERROR, NOWARNING */
	sax.startElement = sax_start;
	sax.endElement = sax_end;
	sax.characters = sax_text;
	sax.cdataBlock = sax_text;
	sax.ignorableWhitespace = sax_blank;
	memcpy(ctxt->sax, &sax, sizeof sax);
	ctxt->userData = t;
	/* the part is UTF-8 already (parse_mime.c converted it): a <meta
	 * charset> inside must not switch the decoding again */
	if ((utf8 = xmlFindCharEncodingHandler("UTF-8")) != NULL) {
		xmlSwitchToEncoding(ctxt, utf8);
		if (ctxt->input->encoding != NULL)
			xmlFree((xmlChar *)ctxt->input->encoding);
		ctxt->input->encoding = xmlStrdup((const xmlChar *)"UTF-8");
	}
	htmlParseDocument(ctxt);
	parse_xtree_flush(t);
	if (ctxt->myDoc != NULL)
		xmlFreeDoc(ctxt->myDoc);
	htmlFreeParserCtxt(ctxt);
	return true;
}

struct html_state {
	struct parse_form *form;
	GString *pending;      /* text outside tables, read as plain text */
	bool quoted_stops;
	bool stopped;
};

/* append_text - HTML text: runs of white space are one space, none at a line start */
static void append_text(GString *out, const char *text)
{
	const char *p = text;

	while (*p != '\0') {
		const char *run = p;

		while (*p != '\0' && !g_ascii_isspace(*p))
			p++;
		if (p > run)
			g_string_append_len(out, run, p - run);
		if (*p == '\0')
			break;
		while (g_ascii_isspace(*p))
			p++;
		if (out->len > 0 && out->str[out->len - 1] != ' ' && out->str[out->len - 1] != '\n')
			g_string_append_c(out, ' ');
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
static void render(const struct parse_xnode *n, GString *out, unsigned depth)
{
	if (depth > MAX_DEPTH)
		return;
	for (const struct parse_xnode *c = n->children; c != NULL; c = c->next) {
		if (is_text(c)) {
			append_text(out, c->text);
			continue;
		}
		if (!is_element(c) || (c->kind & K_SKIPPED))
			continue;
		if (c->tag == T_BR) {
			g_string_append_c(out, '\n');
			continue;
		}
		if (c->tag == T_INPUT) {
			if (c->val != NULL)
				append_text(out, c->val);
			continue;
		}
		if ((c->kind & K_BLOCK) || (c->kind & K_HEADING) || c->tag == T_DT || c->tag == T_DD)
			append_newline(out);
		else if (c->tag == T_TD || c->tag == T_TH)
			append_text(out, " ");
		render(c, out, depth + 1);
		if (c->tag == T_DT) {
			while (out->len > 0 && out->str[out->len - 1] == ' ')
				g_string_truncate(out, out->len - 1);
			if (out->len > 0 && out->str[out->len - 1] != ':')
				g_string_append_c(out, ':');
			g_string_append_c(out, ' ');
		} else if ((c->kind & K_BLOCK) || (c->kind & K_HEADING) || c->tag == T_DD) {
			append_newline(out);
		}
	}
}

/* has_table_below - a layout row holding a table is not a form row */
static bool has_table_below(const struct parse_xnode *n, unsigned depth)
{
	if (depth > MAX_DEPTH)
		return false;
	for (const struct parse_xnode *c = n->children; c != NULL; c = c->next)
		if (c->tag == T_TABLE || has_table_below(c, depth + 1))
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
static char *cell_text(const struct parse_xnode *cell)
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

	if (l == NULL)
		return;
	parse_item_add_lines(parse_form_add(st->form, PARSE_ITEM_FIELD, l), value);
}

/* row - one <tr> without a table inside: a heading, or label/value pairs */
static void row(struct html_state *st, const struct parse_xnode *tr)
{
	char *cells[MAX_CELLS];
	unsigned n = 0, filled = 0;

	for (const struct parse_xnode *c = tr->children; c != NULL && n < MAX_CELLS; c = c->next)
		if (c->tag == T_TD || c->tag == T_TH) {
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

		if (last->type == PARSE_ITEM_FIELD)
			parse_item_add_lines(last, cells[1]);
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
static bool is_quote_block(const struct parse_xnode *n)
{
	const char *cls = n->cls, *id = n->id;

	if (n->tag == T_BLOCKQUOTE)
		return true;
	if (n->tag != T_DIV)
		return false;
	if (cls != NULL && (strstr(cls, "gmail_quote") != NULL || strstr(cls, "moz-cite") != NULL))
		return true;
	return id != NULL && (strcmp(id, "divRplyFwdMsg") == 0 || strcmp(id, "appendonsend") == 0);
}

static void walk(struct html_state *st, const struct parse_xnode *first, unsigned depth);

/* add_title - <title> says what the form is */
static void add_title(struct html_state *st, const struct parse_xnode *n)
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
static void walk_element(struct html_state *st, const struct parse_xnode *c, unsigned depth)
{
	if (c->tag == T_TITLE) {
		add_title(st, c);
	} else if (c->tag == T_HEAD) {
		walk(st, c->children, depth + 1);   /* only for <title> */
		g_string_truncate(st->pending, 0);
	} else if ((c->kind & K_SKIPPED)) {
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
	} else if (c->tag == T_TR && !has_table_below(c, depth)) {
		flush(st);
		row(st, c);
	} else if ((c->kind & K_HEADING)) {
		g_autofree char *t = cell_text(c);
		g_autofree char *f = parse_fold(t);

		flush(st);
		if (f != NULL)
			parse_form_add(st->form, PARSE_ITEM_HEADING, f);
	} else if (c->tag == T_BR) {
		g_string_append_c(st->pending, '\n');
	} else if (c->tag == T_DL) {       /* <dt>label</dt><dd>value</dd> */
		append_newline(st->pending);
		render(c, st->pending, depth + 1);
		append_newline(st->pending);
	} else {
		bool block = (c->kind & K_BLOCK);

		if (block)
			append_newline(st->pending);
		walk(st, c->children, depth + 1);
		if (block)
			append_newline(st->pending);
	}
}

/* bold_text - the text of N's <b>/<strong> descendants */
static void bold_text(const struct parse_xnode *n, GString *out, bool in_bold, unsigned depth)
{
	if (depth > MAX_DEPTH)
		return;
	for (const struct parse_xnode *c = n->children; c != NULL; c = c->next) {
		if (is_text(c) && in_bold)
			append_text(out, c->text);
		else if (is_element(c))
			bold_text(c, out, in_bold || c->tag == T_B || c->tag == T_STRONG, depth + 1);
	}
}

/* short_text - whether the text under N fits in *BUDGET bytes; it stops
 * counting there, so a page of nested blocks is not read again per block */
static bool short_text(const struct parse_xnode *n, unsigned depth, long *budget)
{
	if (depth > MAX_DEPTH)
		return false;
	for (const struct parse_xnode *c = n->children; c != NULL; c = c->next) {
		if (is_text(c))
			*budget -= (long)strnlen(c->text, (size_t)*budget + 1);
		else if (is_element(c) && !short_text(c, depth + 1, budget))
			return false;
		if (*budget < 0)
			return false;
	}
	return true;
}

/* question_of - a paragraph that is all bold: Microsoft Forms and Power
 * Automate write each question so, its answer in the next paragraph.
 * Returns the question, NULL when N is not one. */
static char *question_of(const struct parse_xnode *n)
{
	g_autofree char *all = NULL;
	GString *b;
	char *q = NULL;
	long budget = 300;

	if ((n->tag != T_P && n->tag != T_DIV) || !short_text(n, 0, &budget) || has_table_below(n, 0))
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
static const struct parse_xnode *next_element(const struct parse_xnode *n)
{
	for (n = n->next; n != NULL; n = n->next) {
		if (is_element(n))
			return n;
		if (is_text(n)) {
			g_autofree char *f = parse_fold(n->text);

			if (f != NULL)
				return NULL;
		}
	}
	return NULL;
}

/* question_pair - <p><b>Question</b></p><p>Answer</p>: a field; returns the
 * answer's node (the walk goes on after it), NULL when C starts no pair */
static const struct parse_xnode *question_pair(struct html_state *st, const struct parse_xnode *c)
{
	g_autofree char *q = question_of(c);
	g_autofree char *a = NULL, *qa = NULL;
	const struct parse_xnode *n;

	if (q == NULL || (n = next_element(c)) == NULL ||
	    (n->tag != T_P && n->tag != T_DIV && n->tag != T_UL && n->tag != T_OL))
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
static void walk(struct html_state *st, const struct parse_xnode *first, unsigned depth)
{
	if (depth > MAX_DEPTH)
		return;
	for (const struct parse_xnode *c = first; c != NULL && !st->stopped &&
				       st->form->items->len < PARSE_MAX_ITEMS; c = c->next) {
		const struct parse_xnode *answer;

		if (is_text(c)) {
			append_text(st->pending, c->text);
		} else if (is_element(c)) {
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
	struct parse_xtree tree;
	const struct parse_xnode *root;

	if (len == 0 || len > INT_MAX)
		return;
	if (build_tree(&tree, html, (int)len)) {
		/* the first element of the page, and what follows it */
		root = parse_xml_root(&tree);
		st.pending = g_string_new(NULL);
		if (root != NULL) {
			walk(&st, root, 0);
			flush(&st);
		}
		g_string_free(st.pending, TRUE);
	}
	parse_xml_clear(&tree);
}
