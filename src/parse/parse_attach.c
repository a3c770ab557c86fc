/* parse_attach.c - attached forms: CSV, JSON and DfE Common Transfer File
 * XML (and, through parse_docx.c and parse_pdf.c, Word and PDF forms) -> the
 * same flat list of headings and label/value items as a message's text */
#include <limits.h>
#include <string.h>

#include "parse/parse_p.h"

#define MAX_DEPTH 64
#define MAX_COLUMNS 200
#define MAX_ROW_BYTES 65536

/* add_field - one "LABEL: VALUE" item */
static void add_field(struct parse_form *form, const char *label, const char *value)
{
	if (label == NULL || value == NULL)
		return;
	parse_item_add_lines(parse_form_add(form, PARSE_ITEM_FIELD, label), value);
}

/* key_label - a machine key as a label: "first_name", "dateOfBirth",
 * "PostCode" -> "first name", "date Of Birth", "Post Code" */
char *parse_key_label(const char *key)
{
	GString *out = g_string_new(NULL);

	for (const char *p = key; *p != '\0'; p++) {
		bool up = g_ascii_isupper(*p);

		if (*p == '_' || *p == '-' || *p == '.') {
			g_string_append_c(out, ' ');
			continue;
		}
		/* a word starts at lower->Upper and at the last capital of a run
		 * before lower case ("DOBDate" -> "DOB Date") */
		if (up && p > key && (g_ascii_islower(p[-1]) ||
				      (g_ascii_isupper(p[-1]) && g_ascii_islower(p[1]))))
			g_string_append_c(out, ' ');
		else if (g_ascii_isdigit(*p) && p > key && g_ascii_isalpha(p[-1]))
			g_string_append_c(out, ' ');
		g_string_append_c(out, *p);
	}
	return g_string_free(out, FALSE);
}

/* ---- CSV ---- */

/* csv_row - one RFC 4180 row from *P (quoted fields, "" inside quotes,
 * CRLF or LF); NULL at the end */
static GPtrArray *csv_row(const char **p, char sep)
{
	GPtrArray *row;
	GString *cell;
	bool quoted = false;
	const char *s = *p;

	if (*s == '\0')
		return NULL;
	row = g_ptr_array_new_with_free_func(g_free);
	cell = g_string_new(NULL);
	for (; *s != '\0'; s++) {
		if (quoted) {
			if (*s == '"' && s[1] == '"')
				g_string_append_c(cell, *s++);
			else if (*s == '"')
				quoted = false;
			else if (cell->len < MAX_ROW_BYTES)
				g_string_append_c(cell, *s);
		} else if (*s == '"') {
			quoted = true;
		} else if (*s == sep || *s == '\n') {
			if (row->len < MAX_COLUMNS)
				g_ptr_array_add(row, g_strdup(cell->str));
			g_string_truncate(cell, 0);
			if (*s == '\n') {
				s++;
				break;
			}
		} else if (*s != '\r' && cell->len < MAX_ROW_BYTES) {
			g_string_append_c(cell, *s);
		}
	}
	if (*s == '\0' && (cell->len > 0 || s[-1] != '\n') && row->len < MAX_COLUMNS)
		g_ptr_array_add(row, g_strdup(cell->str));
	g_string_free(cell, TRUE);
	*p = s;
	return row;
}

static bool known_label(const char *text)
{
	struct parse_label info;

	parse_label_classify(text, &info);
	return info.field != PARSE_F_NONE;
}

/* column_heads - "Question,Answer", "Field,Value": a form as two columns */
static bool column_heads(const GPtrArray *head)
{
	static const char *const left[] = { "question", "field", "label", "item", "name", NULL };
	static const char *const right[] = { "answer", "value", "response", "details", NULL };
	g_autofree char *l = parse_words(g_ptr_array_index(head, 0));
	g_autofree char *r = parse_words(g_ptr_array_index(head, 1));
	bool a = false, b = false;

	for (const char *const *p = left; *p != NULL; p++)
		a = a || strcmp(l, *p) == 0;
	for (const char *const *p = right; *p != NULL; p++)
		b = b || strcmp(r, *p) == 0;
	return a && b;
}

/* ---- pupils ---- */

struct parse_form *parse_form_new(void)
{
	struct parse_form *f = g_new0(struct parse_form, 1);

	parse_form_init(f);
	return f;
}

void parse_form_free(gpointer p)
{
	struct parse_form *f = p;

	parse_form_clear(f);
	g_free(f);
}

/* pupil_form - the form pupil N (0: the first) of an export is read into:
 * FORM itself, a new one in FORM->pupils, or NULL past PARSE_MAX_PUPILS
 * (counted in FORM->pupils_over) */
static struct parse_form *pupil_form(struct parse_form *form, unsigned n)
{
	struct parse_form *f;

	if (n == 0)
		return form;
	if (n >= PARSE_MAX_PUPILS) {
		form->pupils_over++;
		return NULL;
	}
	f = parse_form_new();
	g_ptr_array_add(form->pupils, f);
	return f;
}

/* ---- CSV ---- */

static bool row_blank(const GPtrArray *row)
{
	for (guint i = 0; i < row->len; i++)
		if (((const char *)g_ptr_array_index(row, i))[0] != '\0')
			return false;
	return true;
}

/* csv_pupil - one data row under the header row HEAD */
static void csv_pupil(struct parse_form *form, const GPtrArray *head, const GPtrArray *row)
{
	for (guint i = 0; i < head->len && i < row->len; i++) {
		struct parse_label info;

		add_field(form, g_ptr_array_index(head, i), g_ptr_array_index(row, i));
		/* columns stand alone: "Destination school" does not make the next
		 * column's "Address" the destination's */
		parse_label_classify(g_ptr_array_index(head, i), &info);
		if (info.section != PARSE_SECT_NONE && info.section != PARSE_SECT_CHILD)
			parse_form_add(form, PARSE_ITEM_HEADING, "Pupil");
	}
}

/* read_csv - a header row and rows (an MIS export: each non-blank row a
 * pupil, the first in FORM, the rest in FORM->pupils), or two columns of
 * label and value (a form saved as CSV) */
static bool read_csv(struct parse_form *form, const char *text)
{
	const char *p = text;
	g_autoptr(GPtrArray) head = NULL;
	char sep = ',';
	const char *nl = strchr(text, '\n');
	unsigned n = 0;

	if (strncmp(p, "\xef\xbb\xbf", 3) == 0)    /* the BOM Excel writes */
		p += 3;
	/* Excel in some locales writes semicolons */
	if (nl != NULL && memchr(p, ';', (size_t)(nl - p)) != NULL && memchr(p, ',', (size_t)(nl - p)) == NULL)
		sep = ';';
	head = csv_row(&p, sep);
	if (head == NULL || head->len < 2)
		return false;
	if (head->len == 2 && ((known_label(g_ptr_array_index(head, 0)) &&
				!known_label(g_ptr_array_index(head, 1))) ||
			       column_heads(head))) {
		/* label, value rows */
		if (column_heads(head)) {
			g_ptr_array_unref(head);
			head = csv_row(&p, sep);
		}
		while (head != NULL) {
			if (head->len >= 2)
				add_field(form, g_ptr_array_index(head, 0), g_ptr_array_index(head, 1));
			g_ptr_array_unref(head);
			head = csv_row(&p, sep);
		}
		return true;
	}
	for (GPtrArray *row; (row = csv_row(&p, sep)) != NULL; g_ptr_array_unref(row)) {
		struct parse_form *f;

		if (row_blank(row))
			continue;   /* a blank row is no pupil */
		if ((f = pupil_form(form, n++)) != NULL)
			csv_pupil(f, head, row);
	}
	return n > 0;
}

/* ---- JSON ---- */

static void json_node_items(struct parse_form *form, const char *name, JsonNode *node,
			    unsigned depth);

/* json_object_items - members in order; an object member is a heading */
static void json_object_items(struct parse_form *form, JsonObject *o, unsigned depth)
{
	g_autoptr(GList) members = json_object_get_members(o);

	for (GList *m = members; m != NULL; m = m->next)
		json_node_items(form, m->data, json_object_get_member(o, m->data), depth + 1);
}

static void json_node_items(struct parse_form *form, const char *name, JsonNode *node,
			    unsigned depth)
{
	g_autofree char *label = name != NULL ? parse_key_label(name) : NULL;

	if (node == NULL || depth > MAX_DEPTH || form->items->len >= PARSE_MAX_ITEMS)
		return;
	switch (JSON_NODE_TYPE(node)) {
	case JSON_NODE_OBJECT:
		if (label != NULL)
			parse_form_add(form, PARSE_ITEM_HEADING, label);
		json_object_items(form, json_node_get_object(node), depth);
		break;
	case JSON_NODE_ARRAY: {
		JsonArray *a = json_node_get_array(node);
		guint n = json_array_get_length(a);

		for (guint i = 0; i < n && i < 50; i++) {
			JsonNode *e = json_array_get_element(a, i);

			if (JSON_NODE_HOLDS_OBJECT(e)) {
				g_autofree char *h = parse_numbered(label != NULL ? label : "", i + 1);

				parse_form_add(form, PARSE_ITEM_HEADING, h);
				json_object_items(form, json_node_get_object(e), depth);
			} else {
				json_node_items(form, name, e, depth + 1);
			}
		}
		break;
	}
	case JSON_NODE_VALUE: {
		GType t = json_node_get_value_type(node);
		g_autofree char *v = NULL;

		if (t == G_TYPE_STRING)
			v = g_strdup(json_node_get_string(node));
		else if (t == G_TYPE_BOOLEAN)
			v = g_strdup(json_node_get_boolean(node) ? "Yes" : "No");
		else if (t == G_TYPE_INT64)
			v = g_strdup_printf("%" G_GINT64_FORMAT, json_node_get_int(node));
		if (label != NULL && v != NULL)
			add_field(form, label, v);
		break;
	}
	case JSON_NODE_NULL:
		break;
	}
}

static bool read_json(struct parse_form *form, const char *text, size_t len)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	JsonNode *root;

	if (len > G_MAXSSIZE || !json_parser_load_from_data(parser, text, (gssize)len, NULL))
		return false;
	root = json_parser_get_root(parser);
	if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root))
		return false;
	json_node_items(form, NULL, root, 0);
	return form->items->len > 0;
}

/* ---- XML: the DfE Common Transfer File and other XML exports ---- */

static bool name_is(const struct parse_xnode *n, const char *name)
{
	return n->name != NULL && g_ascii_strcasecmp(n->name, name) == 0;
}

/* content - the text of N and all below it (xmlNodeGetContent's) */
static char *content(const struct parse_xnode *n)
{
	GString *s = g_string_new(NULL);

	parse_xml_content(n, s);
	return g_string_free(s, FALSE);
}

/* child_text - the folded text of N's child element NAME, NULL when none */
static char *child_text(const struct parse_xnode *n, const char *name)
{
	for (const struct parse_xnode *c = n->children; c != NULL; c = c->next)
		if (name_is(c, name)) {
			g_autofree char *t = content(c);

			return parse_fold(t);
		}
	return NULL;
}

static const struct parse_xnode *find_child(const struct parse_xnode *n, const char *name)
{
	for (const struct parse_xnode *c = n != NULL ? n->children : NULL; c != NULL; c = c->next)
		if (name_is(c, name))
			return c;
	return NULL;
}

static bool is_leaf(const struct parse_xnode *n)
{
	for (const struct parse_xnode *c = n->children; c != NULL; c = c->next)
		if (c->name != NULL)
			return false;
	return true;
}

/* laestab_of - LEA and Estab of a CTF school element as one LAESTAB (NULL
 * when SCHOOL is: a CTF without a DestSchool) */
static char *laestab_of(const struct parse_xnode *school)
{
	g_autofree char *lea = school != NULL ? child_text(school, "LEA") : NULL;
	g_autofree char *estab = school != NULL ? child_text(school, "Estab") : NULL;

	if (lea == NULL || estab == NULL)
		return NULL;
	return g_strconcat(lea, estab, NULL);
}

/* CTF code lists the form readers do not know by themselves */
static const char *sen_provision(const char *code)
{
	if (code == NULL)
		return NULL;
	if (g_ascii_strcasecmp(code, "E") == 0 || g_ascii_strcasecmp(code, "S") == 0)
		return "EHCP";
	if (g_ascii_strcasecmp(code, "K") == 0 || g_ascii_strcasecmp(code, "A") == 0 ||
	    g_ascii_strcasecmp(code, "P") == 0)
		return "SEN support";
	if (g_ascii_strcasecmp(code, "N") == 0)
		return "None";
	return NULL;
}

static const char *relationship_code(const char *code)
{
	static const struct { const char *code, *name; } codes[] = {
		{ "PAM", "Mother" }, { "PAF", "Father" }, { "STM", "Step-mother" },
		{ "STF", "Step-father" }, { "FOM", "Foster mother" }, { "FOF", "Foster father" },
		{ "GRM", "Grandmother" }, { "GRF", "Grandfather" }, { "CAR", "Carer" },
		{ "DOC", "Doctor" }, { "OTH", "Other" }, { "REL", "Relative" },
		{ "SWR", "Social worker" }, { "CHM", "Childminder" },
	};

	for (size_t i = 0; code != NULL && i < G_N_ELEMENTS(codes); i++)
		if (g_ascii_strcasecmp(code, codes[i].code) == 0)
			return codes[i].name;
	return code;
}

/* ctf_school - SourceSchool or DestSchool under a heading */
static void ctf_school(struct parse_form *form, const struct parse_xnode *school,
		       const char *heading)
{
	g_autofree char *laestab = NULL, *name = NULL;

	if (school == NULL)
		return;
	laestab = laestab_of(school);
	name = child_text(school, "SchoolName");
	parse_form_add(form, PARSE_ITEM_HEADING, heading);
	if (name != NULL)
		add_field(form, "School name", name);
	if (laestab != NULL)
		add_field(form, "LAESTAB", laestab);
}

/* ctf_contact - one Contacts/Contact: a parent or carer */
static void ctf_contact(struct parse_form *form, const struct parse_xnode *c, unsigned i)
{
	g_autofree char *h = parse_numbered("Parent/carer", i + 1);
	g_autofree char *fore = child_text(c, "Forename");
	g_autofree char *sur = child_text(c, "Surname");
	g_autofree char *rel = child_text(c, "Relationship");
	g_autofree char *pr = child_text(c, "Responsibility");
	g_autofree char *email = child_text(c, "Email");
	const struct parse_xnode *phones = find_child(c, "Phones");

	parse_form_add(form, PARSE_ITEM_HEADING, h);
	if (fore != NULL || sur != NULL) {
		g_autofree char *name = g_strconcat(fore != NULL ? fore : "", " ",
						    sur != NULL ? sur : "", NULL);
		add_field(form, "Name", name);
	}
	if (rel != NULL)
		add_field(form, "Relationship", relationship_code(rel));
	if (pr != NULL)
		add_field(form, "Parental responsibility",
			  g_ascii_strcasecmp(pr, "true") == 0 || g_ascii_strcasecmp(pr, "1") == 0
			  ? "Yes" : "No");
	for (const struct parse_xnode *p = phones != NULL ? phones->children : NULL; p != NULL;
	     p = p->next)
		if (name_is(p, "Phone")) {
			g_autofree char *num = child_text(p, "TelephoneNumber");

			if (num != NULL) {
				add_field(form, "Telephone", num);
				break;
			}
		}
	if (email != NULL)
		add_field(form, "Email", email);
}

/* xml_leaves - the leaf elements under N as "Label: value", by local name
 * ("PostCode" -> "Post Code"), containers as headings where they name whose */
static void xml_leaves(struct parse_form *form, const struct parse_xnode *n, unsigned depth)
{
	if (depth > MAX_DEPTH)
		return;
	for (const struct parse_xnode *c = n->children; c != NULL; c = c->next) {
		g_autofree char *label = NULL;

		if (c->name == NULL || form->items->len >= PARSE_MAX_ITEMS)
			continue;
		if (name_is(c, "Contacts")) {
			unsigned i = 0;

			for (const struct parse_xnode *k = c->children; k != NULL; k = k->next)
				if (name_is(k, "Contact"))
					ctf_contact(form, k, i++);
			parse_form_add(form, PARSE_ITEM_HEADING, "Pupil");
			continue;
		}
		if (name_is(c, "SENhistory")) {
			/* the latest SEN record's provision; its dates are history */
			const struct parse_xnode *sen = NULL;
			g_autofree char *code = NULL;
			const char *v;

			for (const struct parse_xnode *k = c->children; k != NULL; k = k->next)
				if (name_is(k, "SEN"))
					sen = k;
			code = sen != NULL ? child_text(sen, "SENprovision") : NULL;
			if ((v = sen_provision(code)) != NULL)
				add_field(form, "SEN", v);
			continue;
		}
		if (name_is(c, "InCare")) {
			g_autofree char *v = child_text(n, "InCare");

			if (v != NULL)
				add_field(form, "Looked after",
					  g_ascii_strcasecmp(v, "true") == 0 ? "Yes" : "No");
			continue;
		}
		if (name_is(c, "SchoolHistory") || name_is(c, "Attendance") ||
		    name_is(c, "StageAssessments") || name_is(c, "Phones") ||
		    name_is(c, "Languages") || name_is(c, "FSMhistory"))
			continue;   /* history, not the notice */
		label = parse_key_label(c->name);
		if (is_leaf(c)) {
			g_autofree char *t = content(c);

			add_field(form, label, t);
		} else {
			xml_leaves(form, c, depth + 1);
		}
	}
}

/* ctf_pupil - the Header's items (what the file is, the schools; DEST the
 * DestSchool's LAESTAB), then one Pupil (NULL: a CTF holding none) */
static void ctf_pupil(struct parse_form *form, const struct parse_xnode *header, const char *dest,
		      const char *title, const struct parse_xnode *pupil)
{
	if (form->title->len > 0)
		g_string_append(form->title, " | ");
	g_string_append(form->title, title);
	ctf_school(form, find_child(header, "SourceSchool"), "School");
	/* LLLL: a file to the LA itself, not a destination */
	if (dest != NULL && !g_str_has_suffix(dest, "LLLL"))
		ctf_school(form, find_child(header, "DestSchool"), "Destination school");
	parse_form_add(form, PARSE_ITEM_HEADING, "Pupil");
	if (pupil != NULL)
		xml_leaves(form, pupil, 0);
}

/* read_ctf - CTfile: Header (what it is, the schools), CTFpupilData/Pupil:
 * each Pupil a form of its own, the first in FORM */
static void read_ctf(struct parse_form *form, const struct parse_xnode *root)
{
	const struct parse_xnode *header = find_child(root, "Header");
	const struct parse_xnode *pupils = find_child(root, "CTFpupilData");
	const struct parse_xnode *pupil = find_child(pupils, "Pupil");
	g_autofree char *doc = header != NULL ? child_text(header, "DocumentName") : NULL;
	g_autofree char *desc = header != NULL ? child_text(header, "DataDescriptor") : NULL;
	g_autofree char *dest = laestab_of(find_child(header, "DestSchool"));
	g_autofree char *title = NULL;
	const char *what = "Common Transfer File";
	unsigned n = 0;

	/* a CTF to nowhere known (XXXXXXX) or outside the state sector
	 * (MMMMMMM) is a leaver's; CML and CMJ say so in their descriptor */
	if (dest != NULL && (g_ascii_strcasecmp(dest, "XXXXXXX") == 0 ||
			     g_ascii_strcasecmp(dest, "MMMMMMM") == 0))
		what = "Common Transfer File leaver";
	title = g_strconcat(what, " | ", doc != NULL ? doc : "", " | ", desc != NULL ? desc : "",
			    NULL);
	ctf_pupil(form, header, dest, title, pupil);
	for (const struct parse_xnode *c = pupil != NULL ? pupil->next : NULL; c != NULL; c = c->next) {
		struct parse_form *f;

		if (name_is(c, "Pupil") && (f = pupil_form(form, ++n)) != NULL)
			ctf_pupil(f, header, dest, title, c);
	}
}

static bool read_xml(struct parse_form *form, const char *text, size_t len)
{
	struct parse_xtree tree;
	const struct parse_xnode *root;

	/* no network, no external entities, no DTD loading; the text is UTF-8
	 * already (parse_mime.c) */
	if (parse_xml_read(&tree, text, len, "UTF-8", NULL)) {
		root = parse_xml_root(&tree);
		if (root != NULL && name_is(root, "CTfile"))
			read_ctf(form, root);
		else if (root != NULL)
			xml_leaves(form, root, 0);
	}
	parse_xml_clear(&tree);
	return form->items->len > 0;
}

bool parse_form_attachment(struct parse_form *form, const struct parse_text *t)
{
	switch (t->source) {
	case PARSE_SRC_CSV:
		return read_csv(form, t->data);
	case PARSE_SRC_JSON:
		return read_json(form, t->data, t->len);
	case PARSE_SRC_XML:
		return read_xml(form, t->data, t->len);
	case PARSE_SRC_DOCX:
		return parse_form_docx(form, t->data, t->len);
	case PARSE_SRC_PDF:
		return parse_form_pdf(form, t->data, t->len);
	case PARSE_SRC_TEXT: case PARSE_SRC_HTML:
		break;
	}
	return false;
}
