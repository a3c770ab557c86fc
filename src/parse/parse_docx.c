/* parse_docx.c - Word (.docx) forms: libzip opens the package in memory,
 * libxml2 reads word/document.xml (into parse_xml.c's tree); table rows of
 * label and value cells, content controls (their title or tag is the label)
 * and "Label: value" paragraphs become the items of a form */
#include <string.h>
#include <zip.h>

#include "parse/parse_p.h"

#define MAX_DOCUMENT_XML (16u << 20)   /* a form's document.xml is far smaller */
#define MAX_DEPTH 96
#define MAX_CELLS 16

static bool local_is(const struct parse_xnode *n, const char *name)
{
	return n != NULL && n->name != NULL && strcmp(n->name, name) == 0;
}

/* attr_val - w:val of N's child NAME ("w:alias", "w:tag") */
static char *attr_val(const struct parse_xnode *n, const char *name)
{
	for (const struct parse_xnode *c = n->children; c != NULL; c = c->next)
		if (local_is(c, name) && c->val != NULL)
			return parse_fold(c->val);
	return NULL;
}

/* text_of - the text a reader sees: w:t runs, tabs and breaks, one line a
 * paragraph */
static void text_of(const struct parse_xnode *n, GString *out, unsigned depth)
{
	if (depth > MAX_DEPTH)
		return;
	for (const struct parse_xnode *c = n->children; c != NULL; c = c->next) {
		if (c->name == NULL)
			continue;
		if (local_is(c, "t")) {
			if (out->len < (1u << 20))
				parse_xml_content(c, out);
		} else if (local_is(c, "tab")) {
			g_string_append_c(out, ' ');
		} else if (local_is(c, "br") || local_is(c, "cr")) {
			g_string_append_c(out, '\n');
		} else if (local_is(c, "sdtPr")) {
			/* a content control's properties: nothing a reader sees */
		} else {
			text_of(c, out, depth + 1);
			if (local_is(c, "p"))
				g_string_append_c(out, '\n');
		}
	}
}

static char *node_text(const struct parse_xnode *n)
{
	GString *s = g_string_new(NULL);

	text_of(n, s, 0);
	return g_string_free(s, FALSE);
}

struct docx_state {
	struct parse_form *form;
	GString *pending;     /* paragraphs, read as plain text */
};

static void flush(struct docx_state *st)
{
	if (st->pending->len > 0)
		parse_form_text(st->form, st->pending->str, false);
	g_string_truncate(st->pending, 0);
}

static void add_field(struct parse_form *form, const char *label, const char *value)
{
	g_autofree char *l = parse_label_clean(label);

	if (l == NULL)
		return;
	parse_item_add_lines(parse_form_add(form, PARSE_ITEM_FIELD, l), value);
}

/* row - a table row: one cell is a heading or text, pairs are fields */
static void row(struct docx_state *st, const struct parse_xnode *tr)
{
	char *cells[MAX_CELLS];
	unsigned n = 0;

	for (const struct parse_xnode *c = tr->children; c != NULL && n < MAX_CELLS; c = c->next)
		if (local_is(c, "tc"))
			cells[n++] = node_text(c);
	if (n == 1) {
		parse_form_text(st->form, cells[0], false);
	} else {
		for (unsigned i = 0; i + 1 < n; i += 2) {
			g_autofree char *l = parse_fold(cells[i]);

			if (l != NULL)
				add_field(st->form, l, cells[i + 1]);
		}
	}
	for (unsigned i = 0; i < n; i++)
		g_free(cells[i]);
}

static void walk(struct docx_state *st, const struct parse_xnode *n, unsigned depth);

/* content_control - a block-level w:sdt: its title (alias) or tag names it */
static void content_control(struct docx_state *st, const struct parse_xnode *sdt, unsigned depth)
{
	const struct parse_xnode *pr = NULL, *content = NULL;
	g_autofree char *label = NULL;

	for (const struct parse_xnode *c = sdt->children; c != NULL; c = c->next) {
		if (local_is(c, "sdtPr"))
			pr = c;
		else if (local_is(c, "sdtContent"))
			content = c;
	}
	if (pr != NULL && (label = attr_val(pr, "alias")) == NULL)
		label = attr_val(pr, "tag");
	if (label != NULL && content != NULL) {
		g_autofree char *v = node_text(content);

		flush(st);
		add_field(st->form, label, v);
	} else if (content != NULL) {
		walk(st, content, depth + 1);
	}
}

/* paragraph - a w:p; inline content controls with a title are fields */
static void paragraph(struct docx_state *st, const struct parse_xnode *p)
{
	g_autofree char *text = node_text(p);
	bool fields = false;

	for (const struct parse_xnode *c = p->children; c != NULL; c = c->next) {
		const struct parse_xnode *pr = NULL;
		g_autofree char *label = NULL;

		if (!local_is(c, "sdt"))
			continue;
		for (const struct parse_xnode *k = c->children; k != NULL; k = k->next)
			if (local_is(k, "sdtPr"))
				pr = k;
		if (pr != NULL && (label = attr_val(pr, "alias")) == NULL)
			label = attr_val(pr, "tag");
		if (label != NULL && strchr(text, ':') == NULL) {
			g_autofree char *v = node_text(c);

			flush(st);
			add_field(st->form, label, v);
			fields = true;
		}
	}
	if (!fields) {
		g_string_append(st->pending, text);
		g_string_append_c(st->pending, '\n');
	}
}

static void walk(struct docx_state *st, const struct parse_xnode *n, unsigned depth)
{
	if (depth > MAX_DEPTH)
		return;
	for (const struct parse_xnode *c = n->children; c != NULL; c = c->next) {
		if (st->form->items->len >= PARSE_MAX_ITEMS)
			return;
		if (local_is(c, "p")) {
			paragraph(st, c);
		} else if (local_is(c, "tbl")) {
			flush(st);
			for (const struct parse_xnode *r = c->children; r != NULL; r = r->next)
				if (local_is(r, "tr"))
					row(st, r);
		} else if (local_is(c, "sdt")) {
			content_control(st, c, depth);
		} else if (c->name != NULL) {
			walk(st, c, depth + 1);
		}
	}
}

/* document_xml - word/document.xml out of the package, NULL when it is not
 * one or is bigger than a form can be (a zip bomb) */
static char *document_xml(const char *data, size_t len, size_t *len_r)
{
	zip_error_t zerr;
	zip_source_t *src;
	zip_t *zip;
	zip_stat_t st;
	zip_file_t *f;
	char *buf = NULL;
	zip_int64_t got;

	zip_error_init(&zerr);
	src = zip_source_buffer_create(data, len, 0, &zerr);
	if (src == NULL) {
		zip_error_fini(&zerr);
		return NULL;
	}
	zip = zip_open_from_source(src, ZIP_RDONLY, &zerr);
	zip_error_fini(&zerr);
	if (zip == NULL) {
		zip_source_free(src);
		return NULL;
	}
	zip_stat_init(&st);
	if (zip_stat(zip, "word/document.xml", 0, &st) == 0 && (st.valid & ZIP_STAT_SIZE) &&
	    st.size <= MAX_DOCUMENT_XML && (f = zip_fopen(zip, "word/document.xml", 0)) != NULL) {
		buf = g_malloc(st.size + 1);
		got = zip_fread(f, buf, st.size);
		zip_fclose(f);
		if (got < 0 || (zip_uint64_t)got != st.size) {
			g_free(buf);
			buf = NULL;
		} else {
			buf[st.size] = '\0';
			*len_r = st.size;
		}
	}
	zip_close(zip);   /* frees the source too */
	return buf;
}

/* Run and paragraph properties and field codes: nothing a reader sees, and
 * most of what Word writes; they are not kept. */
static const char *const unread[] = { "rPr", "pPr", "instrText", "delText", "sectPr", NULL };

bool parse_form_docx(struct parse_form *form, const char *data, size_t len)
{
	size_t xlen = 0;
	g_autofree char *xml = document_xml(data, len, &xlen);
	struct docx_state st = { .form = form };
	struct parse_xtree tree;
	const struct parse_xnode *root;

	if (xml == NULL)
		return false;
	if (!parse_xml_read(&tree, xml, xlen, NULL, unread)) {
		parse_xml_clear(&tree);
		return false;
	}
	root = parse_xml_root(&tree);
	st.pending = g_string_new(NULL);
	if (root != NULL)
		walk(&st, root, 0);
	flush(&st);
	g_string_free(st.pending, TRUE);
	parse_xml_clear(&tree);
	return form->items->len > 0;
}
