/* parse_form.c - plain-text forms: "Label: value" lines, headings and
 * continuation lines -> a flat list of items (struct parse_form) */
#include <string.h>

#include "parse/parse_p.h"

#define MAX_LABEL 80      /* bytes of a label before its colon */
#define MAX_LINE 16384    /* bytes of a line read; a form's lines are shorter */
#define MAX_HEADING 70

void parse_form_init(struct parse_form *form)
{
	form->arena.blocks = NULL;
	form->items = g_ptr_array_new();   /* in the arena */
	form->title = g_string_new(NULL);
	form->pupils = g_ptr_array_new_with_free_func(parse_form_free);
	form->pupils_over = 0;
}

void parse_form_clear(struct parse_form *form)
{
	g_ptr_array_unref(form->items);
	parse_arena_clear(&form->arena);
	g_string_free(form->title, TRUE);
	g_ptr_array_unref(form->pupils);
}

/* form_add_kept - parse_form_add, LABEL already in the form's arena */
static struct parse_item *form_add_kept(struct parse_form *form, enum parse_item_type type,
					char *label)
{
	struct parse_item *it;

	if (form->items->len >= PARSE_MAX_ITEMS)
		return NULL;
	it = parse_arena_alloc(&form->arena, sizeof(*it));
	it->type = type;
	it->label = label;
	it->lines = parse_arena_alloc(&form->arena, sizeof(*it->lines));
	it->arena = &form->arena;
	g_ptr_array_add(form->items, it);
	if (type == PARSE_ITEM_HEADING && label != NULL && form->title->len < 2000) {
		if (form->title->len > 0)
			g_string_append(form->title, " | ");
		g_string_append(form->title, label);
	}
	return it;
}

struct parse_item *parse_form_add(struct parse_form *form, enum parse_item_type type,
				  const char *label)
{
	if (form->items->len >= PARSE_MAX_ITEMS)
		return NULL;
	return form_add_kept(form, type, label == NULL ? NULL :
			     parse_arena_strndup(&form->arena, label, strlen(label)));
}

/* item_keep - add LINE, folded and in the item's arena already */
static void item_keep(struct parse_item *it, char *line)
{
	struct parse_lines *l = it->lines;

	if (l->len >= 200)
		return;
	if (l->len == l->cap) {
		guint cap = l->cap == 0 ? 4 : l->cap * 2;
		char **pdata = parse_arena_alloc(it->arena, cap * sizeof(*pdata));

		if (l->len > 0)
			memcpy(pdata, l->pdata, l->len * sizeof(*pdata));
		l->pdata = pdata;   /* the old array goes with the arena */
		l->cap = cap;
	}
	l->pdata[l->len++] = line;
}

/* item_add_folded - add LINE, folded already (parse_fold would not change it) */
static void item_add_folded(struct parse_item *it, const char *line)
{
	if (it != NULL && it->lines->len < 200)
		item_keep(it, parse_arena_strndup(it->arena, line, strlen(line)));
}

void parse_item_add_line(struct parse_item *it, const char *line)
{
	char *f;

	if (it == NULL || line == NULL || it->lines->len >= 200)
		return;
	f = parse_fold_arena(it->arena, line);
	if (f != NULL)
		item_keep(it, f);
}

void parse_item_add_lines(struct parse_item *it, const char *text)
{
	if (it == NULL || text == NULL)
		return;
	for (const char *p = text;;) {
		const char *nl = it->lines->len + 1 < 200 ? strchr(p, '\n') : NULL;
		size_t n = nl != NULL ? (size_t)(nl - p) : strlen(p);
		char *f;

		if (it->lines->len >= 200)
			return;
		/* folded where it will be kept: never longer than the line */
		f = parse_arena_alloc(it->arena, n + 1);
		if (parse_fold_into_len(f, p, n) > 0)
			item_keep(it, f);
		if (nl == NULL)
			return;
		p = nl + 1;
	}
}

/* strip_decoration - drop bullets, rules and emphasis around a line, in
 * place: "** Child details **", "== Parent/carer 1 ==", "- Name: x",
 * "• Name: x". F is folded already (parse_fold), but for maybe a space at
 * its end, which goes with the decoration: folding it again would change
 * nothing. Returns F, or NULL when nothing is left. */
static char *strip_decoration(char *f)
{
	static const char deco[] = "*#=_~|>";
	char *b, *e;

	if (f == NULL)
		return NULL;
	b = f;
	while (*b != '\0' && (strchr(deco, *b) != NULL || *b == ' ' ||
			      (*b == '-' && (b[1] == ' ' || b[1] == '-'))))
		b++;
	if (strncmp(b, "\xe2\x80\xa2", 3) == 0 || strncmp(b, "\xc2\xb7", 2) == 0)  /* • · */
		b += b[0] == '\xe2' ? 3 : 2;
	e = b + strlen(b);
	while (e > b && (strchr(deco, e[-1]) != NULL || e[-1] == ' ' || e[-1] == '-'))
		e--;
	/* F is folded, so what is left between B and E is too, but for the one
	 * space a bullet may leave in front (parse_fold of it, in place) */
	if (*b == ' ')
		b++;
	if (b >= e)
		return NULL;
	memmove(f, b, (size_t)(e - b));
	f[e - b] = '\0';
	return f;
}

/* is_rule - a line of only - = _ * ~ (a separator) */
static bool is_rule(const char *f)
{
	for (; *f != '\0'; f++)
		if (strchr("-=_*~+ ", *f) == NULL)
			return false;
	return true;
}

/* ci_contains - HAY holds NEEDLE (lower case ASCII), ASCII case ignored */
static bool ci_contains(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	const char first[3] = { needle[0], g_ascii_toupper(needle[0]), '\0' };

	/* libc finds the first letter, in either case, many bytes at a time */
	for (const char *p = hay; (p = strpbrk(p, first)) != NULL; p++)
		if (g_ascii_strncasecmp(p, needle, n) == 0)
			return true;
	return false;
}

/* is_original_marker - where the quoted original of a reply or forward starts */
static bool is_original_marker(const char *f)
{
	size_t n = strlen(f);

	if ((f[0] == '-' || f[0] == '_') && ci_contains(f, "original message"))
		return true;
	if (n >= 10 && strspn(f, "_") == n)
		return true;
	return g_ascii_strncasecmp(f, "on ", 3) == 0 && n > 8 &&
	       g_ascii_strcasecmp(f + n - 6, "wrote:") == 0;
}

static bool is_forward_marker(const char *f)
{
	return ci_contains(f, "forwarded message") ||
	       g_ascii_strncasecmp(f, "begin forwarded", 15) == 0;
}

/* label_words - LABEL reads as a label: one to thirteen words (as
 * parse_words counts them), the first starting with a letter */
static bool label_words(const char *label)
{
	unsigned runs = 0;
	bool in = false;
	char first = '\0';
	const char *p;

	for (p = label; *p != '\0' && (unsigned char)*p < 0x80; p++) {
		if (*p == '.' || *p == '\'')
			continue;   /* parse_words drops them inside a word */
		if (!g_ascii_isalnum(*p)) {
			in = false;
			continue;
		}
		if (!in)
			runs++;
		in = true;
		if (first == '\0')
			first = *p;
	}
	if (*p != '\0') {
		/* not ASCII: the words as parse_words gives them */
		g_autofree char *words = parse_words(label);
		unsigned n = 0;

		for (const char *w = words; *w != '\0'; w++)
			n += *w == ' ';
		return words[0] != '\0' && n <= 12 && g_unichar_isalpha(g_utf8_get_char(words));
	}
	return runs > 0 && runs <= 13 && g_ascii_isalpha(first);
}

/* split_label - "Label: value" -> label and value, kept in arena A; false
 * when the line has no label (no colon, a time "09:30", a URL, a label too
 * long) */
static bool split_label(struct parse_arena *a, const char *line, char **label_r,
			char **value_r)
{
	const char *c;

	for (c = strchr(line, ':'); c != NULL; c = strchr(c + 1, ':')) {
		if (c > line && g_ascii_isdigit(c[-1]) && g_ascii_isdigit(c[1]))
			continue;
		break;
	}
	if (c == NULL) {
		/* "Is the child looked after? Yes": a question is a label too */
		c = strchr(line, '?');
		if (c == NULL || c[1] != ' ' || c[2] == '\0')
			return false;
		c++;
	}
	if (c == line || c - line > MAX_LABEL || strncmp(c + 1, "//", 2) == 0)
		return false;
	*label_r = parse_arena_strndup(a, line, (size_t)(c - line));
	if (strip_decoration(*label_r) == NULL || !label_words(*label_r))
		return false;   /* what it took goes with the arena */
	{
		/* "**Surname:** Smith": emphasis around the value goes too */
		const char *v = c + 1;
		size_t n;

		while (*v == '*' || *v == ' ')
			v++;
		*value_r = parse_fold_arena(a, v);
		n = *value_r != NULL ? strlen(*value_r) : 0;
		while (n > 0 && (*value_r)[n - 1] == '*')
			(*value_r)[--n] = '\0';
		if (n == 0)
			*value_r = NULL;
	}
	return true;
}

/* split_columns - "Label<TAB>value" or "Label   value" (a table rendered as
 * text), kept in arena A; only when the label is one we know */
static bool split_columns(struct parse_arena *a, const char *raw, char **label_r,
			  char **value_r)
{
	const char *p = raw, *gap;
	struct parse_label info;

	while (*p == ' ' || *p == '\t')
		p++;
	for (gap = p; *gap != '\0'; gap++)
		if (*gap == '\t' || (gap[0] == ' ' && gap[1] == ' ' && gap[2] == ' '))
			break;
	if (*gap == '\0' || gap == p || gap - p > MAX_LABEL)
		return false;
	*label_r = parse_arena_strndup(a, p, (size_t)(gap - p));
	parse_label_classify(*label_r, &info);
	if (info.field == PARSE_F_NONE)
		return false;
	*value_r = parse_fold_arena(a, gap);
	return *value_r != NULL;
}

/* heading_like - a short line that could open a section */
static bool heading_like(const char *f)
{
	size_t n = strlen(f);
	unsigned words = 1;

	if (n == 0 || n > MAX_HEADING || strchr(".,;!?", f[n - 1]) != NULL)
		return false;
	if (strchr(f, '@') != NULL || ci_contains(f, "http"))
		return false;
	for (const char *p = f; *p != '\0'; p++)
		words += *p == ' ';
	return words <= 8 && g_unichar_isalnum(g_utf8_get_char(f));
}

/* section_word_heading - "Section 2: Child details" -> "Child details" */
static bool section_word_heading(const char *label)
{
	static const char *const words[] = { "section", "part", "step", "page", NULL };
	g_autofree char *w = NULL;
	const char *q = label;

	/* ASCII: the first letter or digit starts the words, and must be an s or p */
	while (*q != '\0' && (unsigned char)*q < 0x80 && !g_ascii_isalnum(*q))
		q++;
	if (*q == '\0' || ((unsigned char)*q < 0x80 && g_ascii_tolower(*q) != 's' &&
			     g_ascii_tolower(*q) != 'p'))
		return false;
	w = parse_words(label);

	for (const char *const *p = words; *p != NULL; p++) {
		size_t n = strlen(*p);

		if (strncmp(w, *p, n) == 0 && (w[n] == '\0' ||
					      (w[n] == ' ' && strchr(w + n + 1, ' ') == NULL)))
			return true;
	}
	return false;
}

struct text_state {
	struct parse_form *form;
	struct parse_item *open;   /* the field continuation lines join */
	bool open_multi;           /* its value may run over several lines */
	bool open_empty;           /* its value is still to come */
	bool open_address;         /* an address: it ends at its postcode */
	struct parse_item *text;   /* the prose item lines join */
};

/* text_line_labelled - a line with "Label: value"; LABEL and VALUE
 * (folded, or NULL) are in the form's arena already */
static void text_line_labelled(struct text_state *st, char *label, char *value)
{
	struct parse_item *it;
	struct parse_label info;

	st->text = NULL;
	if (value != NULL && section_word_heading(label)) {
		form_add_kept(st->form, PARSE_ITEM_HEADING, value);
		st->open = NULL;
		return;
	}
	parse_label_classify(label, &info);
	st->open_multi = parse_label_multiline(&info);
	st->open_address = info.field == PARSE_F_ADDRESS;
	st->open_empty = value == NULL;
	it = form_add_kept(st->form, PARSE_ITEM_FIELD, label);
	if (it != NULL && value != NULL)
		item_keep(it, value);   /* folded already */
	st->open = it;
}

/* label_alone - a line that is only a label, its value on the line below
 * (Microsoft Forms and Power Automate mail as text): a question, or a label
 * the dictionary knows that is not also a section heading */
static bool label_alone(const char *clean)
{
	struct parse_label info;
	size_t n = strlen(clean);
	int index;
	const char *rel;

	if (n == 0 || n > MAX_LABEL || strchr(".,;!", clean[n - 1]) != NULL)
		return false;
	if (clean[n - 1] == '?')
		return true;
	parse_label_classify(clean, &info);
	switch (info.field) {
	case PARSE_F_NONE: case PARSE_F_NAME: case PARSE_F_NOTES: case PARSE_F_CONCERNS:
	case PARSE_F_SCHOOL: case PARSE_F_RISK: case PARSE_F_SIBLINGS: case PARSE_F_FROM:
		return parse_heading_classify(clean, &index, &rel) == PARSE_SECT_NONE &&
		       info.field != PARSE_F_NONE && info.field != PARSE_F_FROM;
	default:
		return true;
	}
}

/* address_ended - the address so far ends with a postcode */
static bool address_ended(const struct parse_item *it)
{
	const char *last;
	size_t b, n;

	if (it->lines->len == 0)
		return false;
	last = g_ptr_array_index(it->lines, it->lines->len - 1);
	return parse_postcode_find(last, &b, &n) && last[b + n] == '\0';
}

/* text_line_bare - a line without a label: continuation, heading or prose */
static void text_line_bare(struct text_state *st, const char *raw, const char *clean)
{
	bool indented = raw[0] == ' ' || raw[0] == '\t';
	int index;
	const char *rel;
	enum parse_section sect = parse_heading_classify(clean, &index, &rel);
	char *label = NULL, *value = NULL;

	if (st->open != NULL && st->open_address && !indented && !st->open_empty &&
	    address_ended(st->open))
		st->open = NULL;   /* the prose after "Address: ..., ME7 1XX" */
	if (st->open != NULL && (indented || st->open_empty || st->open_multi) &&
	    (sect == PARSE_SECT_NONE || indented || st->open_empty)) {
		item_add_folded(st->open, clean);
		if (st->open_empty && !st->open_multi)
			st->open = NULL;
		st->open_empty = false;
		return;
	}
	st->open = NULL;
	if (split_columns(&st->form->arena, raw, &label, &value)) {
		text_line_labelled(st, label, value);
		st->open = NULL;
		return;
	}
	if (label_alone(clean)) {
		/* its value is on the next line */
		text_line_labelled(st, parse_arena_strndup(&st->form->arena, clean,
							   strlen(clean)), NULL);
		return;
	}
	if (heading_like(clean)) {
		parse_form_add(st->form, PARSE_ITEM_HEADING, clean);
		st->text = NULL;
		return;
	}
	if (st->text == NULL)
		st->text = parse_form_add(st->form, PARSE_ITEM_TEXT, NULL);
	item_add_folded(st->text, clean);
}

/* text_line - one line: rules, quotes and markers first, then labels;
 * BUF has room for RAW, folded */
static void text_line(struct text_state *st, const char *raw, char *buf, bool quoted_stops,
		      bool *stop_r)
{
	char *folded = parse_fold_into(buf, raw) > 0 ? buf : NULL;
	char *clean, *label = NULL, *value = NULL;

	if (folded == NULL || is_rule(folded)) {
		if (folded != NULL && is_original_marker(folded)) {
			if (quoted_stops)
				*stop_r = true;
			else
				parse_form_add(st->form, PARSE_ITEM_FORWARD, NULL);
		}
		st->open = NULL;
		st->text = NULL;
		return;
	}
	if (folded[0] == '>') {       /* quoted text is someone else's */
		st->open = NULL;
		return;
	}
	if (is_original_marker(folded) || is_forward_marker(folded)) {
		if (quoted_stops && is_original_marker(folded)) {
			*stop_r = true;
			return;
		}
		parse_form_add(st->form, PARSE_ITEM_FORWARD, NULL);
		st->open = NULL;
		st->text = NULL;
		return;
	}
	clean = strip_decoration(folded);   /* in place */
	if (clean == NULL)
		return;
	if (split_label(&st->form->arena, clean, &label, &value)) {
		text_line_labelled(st, label, value);
		return;
	}
	text_line_bare(st, raw, clean);
}

bool parse_form_text(struct parse_form *form, const char *text, bool quoted_stops)
{
	struct text_state st = { .form = form };
	const char *p = text;
	bool stop = false;
	/* one buffer for every line, one for it folded */
	GString *line = g_string_sized_new(256), *fold = g_string_sized_new(256);

	while (p != NULL && *p != '\0' && !stop && form->items->len < PARSE_MAX_ITEMS) {
		const char *nl = strchr(p, '\n');
		size_t n = nl != NULL ? (size_t)(nl - p) : strlen(p);

		g_string_truncate(line, 0);
		g_string_append_len(line, p, (gssize)MIN(n, MAX_LINE));
		if (n > 0 && n <= MAX_LINE && line->str[n - 1] == '\r')
			g_string_truncate(line, n - 1);
		g_string_set_size(fold, line->len);
		text_line(&st, line->str, fold->str, quoted_stops, &stop);
		p = nl != NULL ? nl + 1 : NULL;
	}
	g_string_free(line, TRUE);
	g_string_free(fold, TRUE);
	return stop;
}
