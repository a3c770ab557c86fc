/* parse_xml.c - libxml2's parsers report a page by SAX and it is kept in a
 * light tree of our own, in one arena: less work than libxml2's own tree to
 * build and to free, and a reader can leave out what it never reads (Word's
 * run and paragraph properties are most of a document.xml) */
#include <limits.h>
#include <string.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>

#include "parse/parse_p.h"

struct parse_arena_block {
	struct parse_arena_block *next;
	size_t used, size;
	char data[];
};

#define ARENA_BLOCK 8192

/* Each thread keeps one freed block of the usual size for the next arena:
 * most messages need one block for each form or page, and this saves
 * the allocator a large block to find and give back for each of them. */
static GPrivate spare_key = G_PRIVATE_INIT(g_free);

void *parse_arena_alloc(struct parse_arena *a, size_t n)
{
	struct parse_arena_block *k = a->blocks;
	void *p;

	n = (n + 7) & ~(size_t)7;
	if (k == NULL || k->size - k->used < n) {
		size_t size = MAX(n, ARENA_BLOCK - sizeof *k);

		if (size == ARENA_BLOCK - sizeof *k && (k = g_private_get(&spare_key)) != NULL)
			g_private_set(&spare_key, NULL);
		else
			k = g_malloc(sizeof *k + size);
		k->next = a->blocks;
		k->used = 0;
		k->size = size;
		a->blocks = k;
	}
	p = k->data + k->used;
	k->used += n;
	memset(p, 0, n);
	return p;
}

char *parse_arena_strndup(struct parse_arena *a, const char *s, size_t len)
{
	char *p = parse_arena_alloc(a, len + 1);

	memcpy(p, s, len);
	return p;
}

void parse_arena_clear(struct parse_arena *a)
{
	while (a->blocks != NULL) {
		struct parse_arena_block *next = a->blocks->next;

		if (a->blocks->size == ARENA_BLOCK - sizeof *a->blocks &&
		    g_private_get(&spare_key) == NULL)
			g_private_set(&spare_key, a->blocks);
		else
			g_free(a->blocks);
		a->blocks = next;
	}
}

static struct parse_xnode *add_node(struct parse_xtree *t)
{
	struct parse_xnode *n = parse_arena_alloc(&t->arena, sizeof *n);

	n->parent = t->cur;
	if (t->cur->last != NULL)
		t->cur->last->next = n;
	else
		t->cur->children = n;
	t->cur->last = n;
	return n;
}

/* parse_xtree_flush - the characters since the last tag become one text
 * node, as libxml2's own tree joins adjacent text */
void parse_xtree_flush(struct parse_xtree *t)
{
	if (t->text->len == 0)
		return;
	add_node(t)->text = parse_arena_strndup(&t->arena, t->text->str, t->text->len);
	g_string_truncate(t->text, 0);
}

static bool skipped(const struct parse_xtree *t, const char *name)
{
	for (const char *const *s = t->skip; s != NULL && *s != NULL; s++)
		if (strcmp(name, *s) == 0)
			return true;
	return false;
}

void parse_xtree_init(struct parse_xtree *t, const char *const *skip)
{
	memset(t, 0, sizeof *t);
	t->cur = &t->doc;
	t->text = g_string_new(NULL);
	t->skip = skip;
}

struct parse_xnode *parse_xtree_open(struct parse_xtree *t, const char *name)
{
	struct parse_xnode *n;

	if (t->skipping > 0 || skipped(t, name)) {
		t->skipping++;
		return NULL;
	}
	parse_xtree_flush(t);
	n = add_node(t);
	n->name = parse_arena_strndup(&t->arena, name, strlen(name));
	t->cur = n;
	return n;
}

void parse_xtree_text(struct parse_xtree *t, const char *s, size_t len)
{
	if (t->skipping == 0)
		g_string_append_len(t->text, s, len);
}

void parse_xtree_close(struct parse_xtree *t)
{
	if (t->skipping > 0) {
		t->skipping--;
		return;
	}
	parse_xtree_flush(t);
	if (t->cur->parent != NULL)
		t->cur = t->cur->parent;
}

static void sax_start(void *ctx, const xmlChar *localname, const xmlChar *prefix,
		      const xmlChar *uri, int nb_namespaces, const xmlChar **namespaces,
		      int nb_attributes, int nb_defaulted, const xmlChar **attrs)
{
	struct parse_xtree *t = ((xmlParserCtxtPtr)ctx)->_private;
	struct parse_xnode *n = parse_xtree_open(t, localname != NULL ? (const char *)localname
								   : "");

	/* attrs: localname, prefix, URI, value start, value end; five a piece */
	for (int i = 0; n != NULL && i < nb_attributes; i++) {
		const xmlChar **a = attrs + 5 * i;

		if (n->val == NULL && a[0] != NULL && strcmp((const char *)a[0], "val") == 0 &&
		    a[3] != NULL && a[4] >= a[3])
			n->val = parse_arena_strndup(&t->arena, (const char *)a[3],
						     (size_t)(a[4] - a[3]));
	}
}

static void sax_end(void *ctx, const xmlChar *localname, const xmlChar *prefix,
		    const xmlChar *uri)
{
	parse_xtree_close(((xmlParserCtxtPtr)ctx)->_private);
}

static void sax_text(void *ctx, const xmlChar *s, int len)
{
	if (len > 0)
		parse_xtree_text(((xmlParserCtxtPtr)ctx)->_private, (const char *)s, (size_t)len);
}

bool parse_xml_read(struct parse_xtree *t, const char *data, size_t len, const char *encoding,
		    const char *const *skip)
{
	xmlSAXHandler sax;
	xmlParserCtxtPtr ctxt;
	bool ok, utf8 = encoding != NULL && g_ascii_strcasecmp(encoding, "UTF-8") == 0;

	parse_xtree_init(t, skip);
	if (len > INT_MAX || (ctxt = xmlCreateMemoryParserCtxt(data, (int)len)) == NULL)
		return false;
	/* text already made UTF-8 is read as it is: its declaration, which may
	 * name the encoding it was sent in, is not applied again */
	xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
				(utf8 ? XML_PARSE_IGNORE_ENC : 0));
	/* only these callbacks: no tree, no DTD, no entity declarations, and
	 * no error callbacks, so nothing is printed */
	memset(&sax, 0, sizeof sax);
	sax.initialized = XML_SAX2_MAGIC;
	sax.startElementNs = sax_start;
	sax.endElementNs = sax_end;
	sax.characters = sax_text;
	sax.cdataBlock = sax_text;
	memcpy(ctxt->sax, &sax, sizeof sax);
	ctxt->_private = t;
	ctxt->userData = ctxt;
	if (encoding != NULL && !utf8) {
		xmlCharEncodingHandlerPtr h = xmlFindCharEncodingHandler(encoding);

		if (h != NULL)
			xmlSwitchToEncoding(ctxt, h);
	}
	xmlParseDocument(ctxt);
	parse_xtree_flush(t);
	ok = ctxt->wellFormed != 0;
	if (ctxt->myDoc != NULL)
		xmlFreeDoc(ctxt->myDoc);
	xmlFreeParserCtxt(ctxt);
	return ok;
}

void parse_xml_clear(struct parse_xtree *t)
{
	parse_arena_clear(&t->arena);
	if (t->text != NULL)
		g_string_free(t->text, TRUE);
	memset(t, 0, sizeof *t);
}

const struct parse_xnode *parse_xml_root(const struct parse_xtree *t)
{
	for (const struct parse_xnode *n = t->doc.children; n != NULL; n = n->next)
		if (n->name != NULL)
			return n;
	return NULL;
}

void parse_xml_content(const struct parse_xnode *n, GString *out)
{
	if (n->name == NULL) {
		g_string_append(out, n->text);
		return;
	}
	for (const struct parse_xnode *c = n->children; c != NULL; c = c->next)
		parse_xml_content(c, out);
}
