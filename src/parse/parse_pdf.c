/* parse_pdf.c - fillable PDF forms: poppler-glib reads the AcroForm fields
 * from memory; each field's tooltip (else its name) is the label */
#include <string.h>
#include <poppler.h>

#include "parse/parse_p.h"

#define MAX_PAGES 50
#define MAX_FIELDS 1000

/* field_label - the tooltip a form author gave the field, else the last
 * part of its name ("child.dateOfBirth" -> "date Of Birth") */
static char *field_label(PopplerFormField *f)
{
	g_autofree char *alt = poppler_form_field_get_alternate_ui_name(f);
	g_autofree char *partial = NULL, *full = NULL;
	const char *dot;

	if (alt != NULL && alt[0] != '\0')
		return parse_fold(alt);
	partial = poppler_form_field_get_partial_name(f);
	full = poppler_form_field_get_name(f);
	if (partial == NULL || partial[0] == '\0') {
		if (full == NULL)
			return NULL;
		dot = strrchr(full, '.');
		return parse_key_label(dot != NULL ? dot + 1 : full);
	}
	return parse_key_label(partial);
}

/* field_value - what was filled in: text, the chosen item, a ticked box */
static char *field_value(PopplerFormField *f)
{
	switch (poppler_form_field_get_field_type(f)) {
	case POPPLER_FORM_FIELD_TEXT:
		return poppler_form_field_text_get_text(f);
	case POPPLER_FORM_FIELD_BUTTON:
		if (poppler_form_field_button_get_button_type(f) == POPPLER_FORM_BUTTON_PUSH)
			return NULL;
		return g_strdup(poppler_form_field_button_get_state(f) ? "Yes" : "No");
	case POPPLER_FORM_FIELD_CHOICE: {
		int n = poppler_form_field_choice_get_n_items(f);

		for (int i = 0; i < n; i++)
			if (poppler_form_field_choice_is_item_selected(f, i))
				return poppler_form_field_choice_get_item(f, i);
		return poppler_form_field_choice_get_text(f);
	}
	default:
		return NULL;
	}
}

/* reading_order - PDF y grows upwards: the higher field first */
static gint reading_order(gconstpointer a, gconstpointer b)
{
	const PopplerRectangle *x = &((const PopplerFormFieldMapping *)a)->area;
	const PopplerRectangle *y = &((const PopplerFormFieldMapping *)b)->area;
	double xt = MAX(x->y1, x->y2), yt = MAX(y->y1, y->y2);

	if (xt > yt + 2)
		return -1;
	if (yt > xt + 2)
		return 1;
	return MIN(x->x1, x->x2) < MIN(y->x1, y->x2) ? -1 : MIN(x->x1, x->x2) > MIN(y->x1, y->x2);
}

/* keep_globals - poppler builds its global tables (GlobalParams: character
 * names, encodings) when the first document opens and throws them away when
 * the last one closes, several milliseconds of work for every PDF read. An
 * empty document held for the life of the process keeps them. */
static void keep_globals(void)
{
	static const char empty_pdf[] =
		"%PDF-1.4\n"
		"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
		"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
		"trailer\n<< /Size 3 /Root 1 0 R >>\n%%EOF\n";
	static gsize done;

	if (g_once_init_enter(&done)) {
		GBytes *b = g_bytes_new_static(empty_pdf, sizeof empty_pdf - 1);
		/* never freed: the one reference that keeps the tables */
		static PopplerDocument *keeper;

		keeper = poppler_document_new_from_bytes(b, NULL, NULL);
		g_bytes_unref(b);
		g_once_init_leave(&done, keeper != NULL ? 1 : 2);
	}
}

bool parse_form_pdf(struct parse_form *form, const char *data, size_t len)
{
	g_autoptr(GBytes) bytes = NULL;
	PopplerDocument *doc;
	int pages, fields = 0;

	keep_globals();
	bytes = g_bytes_new_static(data, len);
	doc = poppler_document_new_from_bytes(bytes, NULL, NULL);
	if (doc == NULL)
		return false;
	pages = MIN(poppler_document_get_n_pages(doc), MAX_PAGES);
	for (int p = 0; p < pages && fields < MAX_FIELDS; p++) {
		PopplerPage *page = poppler_document_get_page(doc, p);
		GList *map = page != NULL ? poppler_page_get_form_field_mapping(page) : NULL;

		/* poppler gives the fields in no useful order: read them as a
		 * person does, top to bottom, then left to right */
		map = g_list_sort(map, reading_order);
		for (GList *m = map; m != NULL && fields < MAX_FIELDS; m = m->next, fields++) {
			PopplerFormFieldMapping *fm = m->data;
			g_autofree char *label = field_label(fm->field);
			g_autofree char *value = field_value(fm->field);
			struct parse_item *it;

			if (label == NULL || value == NULL || value[0] == '\0')
				continue;
			{
				g_autofree char *valid = g_utf8_make_valid(value, -1);

				it = parse_form_add(form, PARSE_ITEM_FIELD, label);
				parse_item_add_lines(it, valid);
			}
		}
		poppler_page_free_form_field_mapping(map);
		if (page != NULL)
			g_object_unref(page);
	}
	g_object_unref(doc);
	return form->items->len > 0;
}
