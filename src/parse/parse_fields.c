/* parse_fields.c - a form's items -> the record: sections give labels like
 * "Name" and "Phone" their owner (child, carer, referrer, school...) */
#include <stdlib.h>
#include <string.h>

#include "parse/parse_p.h"

#define MAX_PEOPLE 8      /* carers or siblings read from one form */

enum {
	B_NAME = 1, B_FIRST = 2, B_LAST = 4, B_REL = 8, B_PHONE = 16, B_EMAIL = 32, B_PR = 64,
	B_DOB = 128,
};

/* people - carers or siblings: which one a label is about */
struct people {
	GPtrArray *list;        /* the record's array */
	unsigned bits[MAX_PEOPLE];
	int cur;                /* index in LIST, -1: the next field starts a new one */
	int slot[MAX_PEOPLE];   /* form numbering ("Parent/carer 2") -> index */
	int want_num;           /* the form number cur stands for, -1 */
	const char *want_rel;   /* "Mother": a new one gets this relationship */
};

struct map_state {
	struct parse_draft *d;
	struct parse_record *r;
	enum parse_section sect;
	struct people carers, siblings;
	bool after_forward;
	GPtrArray *former_more;    /* char *: former UPNs after the first, not kept */
};

void parse_draft_init(struct parse_draft *d)
{
	memset(d, 0, sizeof *d);
	d->record = parse_record_new();
	d->unsure = g_ptr_array_new();
	d->free_age = -1;
}

void parse_draft_clear(struct parse_draft *d)
{
	parse_record_free(d->record);
	g_free(d->title);
	g_free(d->prev_name);
	g_free(d->prev_laestab);
	g_free(d->prev_on);
	g_free(d->prev_off);
	g_free(d->prev_last);
	g_free(d->start_date);
	g_free(d->role_text);
	g_free(d->fwd_name);
	g_free(d->fwd_email);
	g_free(d->free_postcode);
	g_free(d->free_school);
	g_ptr_array_unref(d->unsure);
	memset(d, 0, sizeof *d);
}

/* ---- people ---- */

static void people_init(struct people *p, GPtrArray *list)
{
	memset(p, 0, sizeof *p);
	p->list = list;
	p->cur = -1;
	p->want_num = -1;
	for (int i = 0; i < MAX_PEOPLE; i++)
		p->slot[i] = -1;
}

static const char *person_rel(const struct people *p, guint i, bool carers)
{
	return carers ? ((struct parse_carer *)g_ptr_array_index(p->list, i))->relationship : NULL;
}

/* fragment - a person seen only through a field that came before any
 * section named them ("Contact number" with the child): the next one named
 * takes it over */
static bool fragment(const struct people *p, int i)
{
	if (i < 0 || (p->bits[i] & (B_NAME | B_FIRST | B_LAST)))
		return false;
	for (int k = 0; k < MAX_PEOPLE; k++)
		if (p->slot[k] == i)
			return false;
	return true;
}

/* people_select - a heading or label names which one: by number, by
 * relationship, or FRESH (a new section: the next field starts a new one) */
static void people_select(struct people *p, int index, const char *rel, bool fresh, bool carers)
{
	if (index >= 0 && index < MAX_PEOPLE) {
		if (p->slot[index] < 0 && fragment(p, p->cur))
			p->slot[index] = p->cur;
		p->cur = p->slot[index];
		p->want_num = index;
		p->want_rel = rel;
		return;
	}
	if (rel != NULL) {
		p->want_num = -1;
		p->want_rel = rel;
		p->cur = -1;
		for (guint i = 0; i < p->list->len; i++) {
			const char *r = person_rel(p, i, carers);

			if (r != NULL && g_ascii_strcasecmp(r, rel) == 0)
				p->cur = (int)i;
		}
		return;
	}
	if (fresh) {
		p->want_num = -1;
		p->want_rel = NULL;
		if (p->cur >= 0 && p->bits[p->cur] != 0 && !fragment(p, p->cur))
			p->cur = -1;
	}
}

/* people_for - the one a field with BIT goes to, made when needed; NULL
 * past MAX_PEOPLE */
static gpointer people_for(struct people *p, unsigned bit, bool carers, int *index_r)
{
	if (p->cur >= 0 && (p->bits[p->cur] & bit) && p->want_num < 0)
		p->cur = -1;   /* a field seen twice: the next person */
	if (p->cur < 0) {
		if (p->list->len >= MAX_PEOPLE)
			return NULL;
		if (carers) {
			struct parse_carer *c = parse_carer_new();

			c->relationship = g_strdup(p->want_rel);
			g_ptr_array_add(p->list, c);
		} else {
			g_ptr_array_add(p->list, parse_sibling_new());
		}
		p->cur = (int)p->list->len - 1;
		p->bits[p->cur] = 0;
		if (p->want_num >= 0)
			p->slot[p->want_num] = p->cur;
	}
	*index_r = p->cur;
	return g_ptr_array_index(p->list, p->cur);
}

/* ---- values ---- */

/* value_text - the item's lines joined by SEP, NULL when none */
static char *value_text(const struct parse_item *it, const char *sep)
{
	GString *s;

	if (it->lines == NULL || it->lines->len == 0)
		return NULL;
	if (it->lines->len == 1)
		return g_strdup(g_ptr_array_index(it->lines, 0));
	s = g_string_new(NULL);
	for (guint i = 0; i < it->lines->len; i++) {
		if (i > 0)
			g_string_append(s, sep);
		g_string_append(s, g_ptr_array_index(it->lines, i));
	}
	return g_string_free(s, FALSE);
}

/* value_of - the item's value: its one line (borrowed), or its lines joined
 * by a space into *OWNED_R (the caller frees it); NULL when none */
static const char *value_of(const struct parse_item *it, char **owned_r)
{
	*owned_r = NULL;
	if (it->lines != NULL && it->lines->len == 1)
		return g_ptr_array_index(it->lines, 0);
	return *owned_r = value_text(it, " ");
}

/* set_str - *SLOT = VALUE folded, when unset and VALUE says something */
static bool set_str(char **slot, const char *value)
{
	if (*slot != NULL || value == NULL || parse_value_blank(value))
		return false;
	*slot = parse_fold(value);
	return *slot != NULL;
}

/* set_date - a day-first date; one that cannot be read is an issue at PATH */
static void set_date(struct parse_record *r, char **slot, const char *value, const char *path)
{
	const char *problem;
	g_autofree char *f = parse_fold(value);

	if (*slot != NULL || f == NULL || parse_value_blank(f))
		return;
	*slot = parse_date_read(f, &problem);
	if (*slot == NULL)
		parse_issue_add(r, path, "cannot read date '%s': %s", f, problem);
}

/* set_postcode - normalised; kept as written with an issue when not a UK shape */
static void set_postcode(struct parse_record *r, char **slot, const char *value, const char *path)
{
	g_autofree char *f = parse_fold(value);

	if (*slot != NULL || f == NULL || parse_value_blank(f))
		return;
	*slot = parse_postcode_normalise(f);
	if (*slot == NULL) {
		*slot = g_steal_pointer(&f);
		parse_issue_add(r, path, "not a UK postcode '%s'", *slot);
	}
}

/* set_laestab - seven digits; kept as written with an issue when not */
static void set_laestab(struct parse_record *r, char **slot, const char *value, const char *path)
{
	g_autofree char *f = parse_fold(value);

	if (*slot != NULL || f == NULL || parse_value_blank(f))
		return;
	*slot = parse_laestab_normalise(f);
	if (*slot == NULL) {
		*slot = g_steal_pointer(&f);
		parse_issue_add(r, path, "not a LAESTAB (seven digits) '%s'", *slot);
	}
}

/* set_phone - digits, leading 0 or +; an issue when it is not a number */
static bool set_phone(struct parse_record *r, char **slot, const char *value, const char *path)
{
	g_autofree char *f = parse_fold(value);

	if (*slot != NULL || f == NULL || parse_value_blank(f))
		return false;
	*slot = parse_phone_normalise(f);
	if (*slot == NULL)
		parse_issue_add(r, path, "cannot read phone number '%s'", f);
	return *slot != NULL;
}

/* set_email - lower case; an issue when it is not an address */
static bool set_email(struct parse_record *r, char **slot, const char *value, const char *path)
{
	g_autofree char *f = parse_fold(value);

	if (*slot != NULL || f == NULL || parse_value_blank(f))
		return false;
	*slot = parse_email_normalise(f);
	if (*slot == NULL)
		parse_issue_add(r, path, "not an e-mail address '%s'", f);
	return *slot != NULL;
}

/* name_part - a forename or surname added to a one-string name */
static void name_part(char **name, const char *value, bool last)
{
	g_autofree char *f = parse_fold(value);
	char *old = *name;

	if (f == NULL || parse_value_blank(f))
		return;
	if (old == NULL)
		*name = g_steal_pointer(&f);
	else
		*name = last ? g_strconcat(old, " ", f, NULL) : g_strconcat(f, " ", old, NULL);
	g_free(old);
}

/* strip_brackets - TEXT without "(...)"; *INNER_R what the first held */
static char *strip_brackets(const char *text, char **inner_r)
{
	GString *out = g_string_new(NULL), *in = g_string_new(NULL);
	int depth = 0;

	for (const char *p = text; *p != '\0'; p++) {
		if (*p == '(')
			depth++;
		else if (*p == ')' && depth > 0)
			depth--;
		else if (depth > 0)
			g_string_append_c(in, *p);
		else
			g_string_append_c(out, *p);
	}
	*inner_r = parse_fold(in->str);
	g_string_free(in, TRUE);
	return g_string_free(out, FALSE);
}

/* child_name_split - "Amy Jane Smith", "SMITH, Amy Jane",
 * "Amy Smith (known as Millie)" */
static void child_name_split(struct parse_child *c, const char *value)
{
	g_autofree char *inner = NULL;
	g_autofree char *outer = strip_brackets(value, &inner);
	g_autofree char *f = parse_fold(outer);
	const char *comma;
	g_auto(GStrv) words = NULL;
	guint n;

	if (f == NULL || parse_value_blank(f) || c->forename != NULL || c->surname != NULL)
		return;
	if (inner != NULL && c->preferred_name == NULL) {
		static const char *const known[] = { "known as ", "aka ", "a k a ", "preferred name " };

		for (size_t i = 0; i < G_N_ELEMENTS(known); i++)
			if (g_ascii_strncasecmp(inner, known[i], strlen(known[i])) == 0)
				c->preferred_name = parse_fold(inner + strlen(known[i]));
	}
	comma = strchr(f, ',');
	if (comma != NULL) {
		g_autofree char *given = parse_fold(comma + 1);
		g_autofree char *family = g_strndup(f, (gsize)(comma - f));

		c->surname = parse_fold(family);
		if (given == NULL)
			return;
		words = g_strsplit(given, " ", 2);
		c->forename = g_strdup(words[0]);
		if (words[1] != NULL && c->middle_names == NULL)
			c->middle_names = g_strdup(words[1]);
		return;
	}
	words = g_strsplit(f, " ", 0);
	n = g_strv_length(words);
	c->forename = g_strdup(words[0]);
	if (n == 1)
		return;
	c->surname = g_strdup(words[n - 1]);
	if (n > 2 && c->middle_names == NULL) {
		g_free(words[n - 1]);
		words[n - 1] = NULL;
		c->middle_names = g_strjoinv(" ", words + 1);
	}
}

/* ---- carers, siblings, referrer ---- */

/* split_contact - "Renee Muller, 07700 900888", "Jo Bloggs (jo@example.org)",
 * "Karen Holt, School Business Manager": the name, and what follows it
 * when that is a phone number, an e-mail address or (ROLE_R) a role */
static char *split_contact(const char *value, char **phone_r, char **email_r, char **role_r)
{
	g_autofree char *f = parse_fold(value);
	const char *cut;
	char *name;
	size_t n;

	*phone_r = *email_r = NULL;
	if (role_r != NULL)
		*role_r = NULL;
	if (f == NULL)
		return NULL;
	cut = strpbrk(f, ",;(");
	if (cut == NULL) {
		role_r = NULL;   /* "Jane Smith 2nd carer" says no role */
		const char *p = f;

		while (*p != '\0' && *p != '+' && !g_ascii_isdigit(*p) && *p != '@')
			p++;
		if (*p == '\0' || p == f)
			return g_steal_pointer(&f);
		while (p > f && p[-1] != ' ')
			p--;   /* back to the start of the address or number */
		cut = p;
	}
	*phone_r = parse_phone_normalise(cut);
	*email_r = parse_email_normalise(cut);
	if (*phone_r == NULL && *email_r == NULL) {
		g_autofree char *rest = parse_fold(cut + 1);

		if (role_r == NULL || rest == NULL || parse_role_from_words(rest) == NULL)
			return g_steal_pointer(&f);
		*role_r = g_steal_pointer(&rest);
	} else if (role_r != NULL && *cut != ' ') {
		/* "Amanda Lee, Social Worker, 07700 900321": a role among the pieces */
		g_auto(GStrv) pieces = g_strsplit_set(cut + 1, ",;()", 8);

		for (char **p = pieces; *p != NULL && *role_r == NULL; p++) {
			g_autofree char *piece = parse_fold(*p);

			if (piece != NULL && strpbrk(piece, "0123456789@") == NULL &&
			    parse_role_from_words(piece) != NULL)
				*role_r = g_steal_pointer(&piece);
		}
	}
	name = g_strndup(f, (gsize)(cut - f));
	n = strlen(name);
	while (n > 0 && strchr(" -:,;(", name[n - 1]) != NULL)
		name[--n] = '\0';
	if (n == 0) {
		g_free(name);
		return NULL;
	}
	return name;
}

/* carer_name - "Name: Jo Smith" or "Mother: Jo Smith, 07700 900412" */
static bool carer_name(struct map_state *st, struct parse_carer *c, int idx, const char *value)
{
	char *phone, *email;

	if (c->name != NULL)
		return false;
	c->name = split_contact(value, &phone, &email, NULL);
	if (c->phone == NULL && phone != NULL) {
		c->phone = g_steal_pointer(&phone);
		st->carers.bits[idx] |= B_PHONE;
	}
	if (c->email == NULL && email != NULL) {
		c->email = g_steal_pointer(&email);
		st->carers.bits[idx] |= B_EMAIL;
	}
	g_free(phone);
	g_free(email);
	return c->name != NULL;
}

/* carer_field - a field of the carer the section or label points at */
static void carer_field(struct map_state *st, const struct parse_label *info, const char *value)
{
	static const unsigned bits[] = {
		[PARSE_F_NAME] = B_NAME, [PARSE_F_FORENAME] = B_FIRST, [PARSE_F_SURNAME] = B_LAST,
		[PARSE_F_RELATIONSHIP] = B_REL, [PARSE_F_PHONE] = B_PHONE, [PARSE_F_EMAIL] = B_EMAIL,
		[PARSE_F_PR] = B_PR,
	};
	unsigned bit = (unsigned)info->field < G_N_ELEMENTS(bits) ? bits[info->field] : 0;
	struct parse_carer *c;
	int idx;
	char path[40];
	bool stored = false;

	if (bit == 0)
		return;
	if (info->field == PARSE_F_PR ? parse_tri_read(value) == PARSE_TRI_NULL
				      : parse_value_blank(value))
		return;
	c = people_for(&st->carers, bit, true, &idx);
	if (c == NULL)
		return;
	switch (info->field) {
	case PARSE_F_NAME:
		stored = carer_name(st, c, idx, value);
		break;
	case PARSE_F_FORENAME: case PARSE_F_SURNAME:
		name_part(&c->name, value, info->field == PARSE_F_SURNAME);
		stored = true;
		break;
	case PARSE_F_RELATIONSHIP:
		if (c->relationship != NULL && st->carers.want_rel != NULL &&
		    strcmp(c->relationship, st->carers.want_rel) == 0)
			g_clear_pointer(&c->relationship, g_free);
		stored = set_str(&c->relationship, value);
		break;
	case PARSE_F_PHONE:
		parse_path_n(path, sizeof path, "carers.", (unsigned long)idx, ".phone");
		stored = set_phone(st->r, &c->phone, value, path);
		break;
	case PARSE_F_EMAIL:
		parse_path_n(path, sizeof path, "carers.", (unsigned long)idx, ".email");
		stored = set_email(st->r, &c->email, value, path);
		break;
	case PARSE_F_PR:
		c->parental_responsibility = parse_tri_read(value);
		stored = true;
		break;
	default:
		break;
	}
	if (stored)
		st->carers.bits[idx] |= bit;
}

/* sibling_new - a new sibling (NULL past MAX_PEOPLE) */
static struct parse_sibling *sibling_new(struct map_state *st, int *idx_r)
{
	st->siblings.cur = -1;
	return people_for(&st->siblings, B_NAME, false, idx_r);
}

/* sibling_dob - a sibling's date of birth; a bad one is an issue */
static void sibling_dob(struct map_state *st, struct parse_sibling *s, int idx, const char *value)
{
	char path[40];

	parse_path_n(path, sizeof path, "siblings.", (unsigned long)idx, ".dob");
	set_date(st->r, &s->dob, value, path);
	st->siblings.bits[idx] |= B_DOB;
}

/* date_in_text - where a date sits in a sibling line: "Tom Smith 12/05/2012" */
static bool date_in_text(const char *text, int *start_r, int *end_r)
{
	static GRegex *re;
	GMatchInfo *m = NULL;
	bool found;

	if (g_once_init_enter(&re)) {
		GRegex *r = g_regex_new("\\d{1,2}[/.-]\\d{1,2}[/.-]\\d{2,4}|\\d{4}-\\d{2}-\\d{2}|"
					"\\d{1,2}(?:st|nd|rd|th)?\\s+[A-Za-z]{3,9}\\s+\\d{4}",
					G_REGEX_OPTIMIZE, 0, NULL);
		g_once_init_leave(&re, r);
	}
	found = g_regex_match(re, text, 0, &m) && g_match_info_fetch_pos(m, 0, start_r, end_r);
	g_match_info_free(m);
	return found;
}

/* sibling_clean - a sibling's name without "DOB", "born", "aged 7", brackets */
static char *sibling_clean(const char *text)
{
	static GRegex *re;
	g_autofree char *s = NULL;
	char *f;
	size_t n;

	if (g_once_init_enter(&re)) {
		GRegex *r = g_regex_new("\\b(d\\.?o\\.?b\\.?|born|date of birth|aged?\\s*\\d*|"
					"year\\s*\\d+|yr\\s*\\d+)(?=\\W|$)|[()\\[\\]:]",
					G_REGEX_CASELESS | G_REGEX_OPTIMIZE, 0, NULL);
		g_once_init_leave(&re, r);
	}
	s = g_regex_replace_literal(re, text, -1, 0, " ", 0, NULL);
	f = parse_fold(s != NULL ? s : text);
	while (f != NULL && (n = strlen(f)) > 0 && strchr("-,/ ", f[n - 1]) != NULL)
		f[n - 1] = '\0';
	if (f != NULL && (f[0] == '\0' || !g_unichar_isalpha(g_utf8_get_char(f)))) {
		g_free(f);
		f = NULL;
	}
	return f;
}

/* sibling_piece - one sibling written on one line: name, maybe a date */
static void sibling_piece(struct map_state *st, const char *piece)
{
	int b, e, idx;
	g_autofree char *name = NULL, *date = NULL;
	struct parse_sibling *s;

	if (parse_value_blank(piece))
		return;
	if (date_in_text(piece, &b, &e)) {
		g_autofree char *rest = g_strdup(piece);

		date = g_strndup(piece + b, (gsize)(e - b));
		memset(rest + b, ' ', (size_t)(e - b));
		name = sibling_clean(rest);
		if (name == NULL && st->siblings.cur >= 0 &&
		    !(st->siblings.bits[st->siblings.cur] & B_DOB)) {
			s = g_ptr_array_index(st->siblings.list, st->siblings.cur);
			sibling_dob(st, s, st->siblings.cur, date);
			return;
		}
	} else {
		name = sibling_clean(piece);
	}
	if (name == NULL && date == NULL)
		return;
	s = sibling_new(st, &idx);
	if (s == NULL)
		return;
	s->name = g_steal_pointer(&name);
	st->siblings.bits[idx] |= B_NAME;
	if (date != NULL)
		sibling_dob(st, s, idx, date);
}

/* siblings_text - "Tom Smith (12/05/2012); Lily Smith, 01/09/2018" */
static void siblings_text(struct map_state *st, const struct parse_item *it)
{
	static const char *const none[] = { "no siblings", "none", "no", "nil", "n a", NULL };

	for (guint i = 0; it->lines != NULL && i < it->lines->len; i++) {
		const char *line = g_ptr_array_index(it->lines, i);
		g_autofree char *w = parse_words(line);
		g_auto(GStrv) pieces = NULL;

		for (const char *const *n = none; *n != NULL; n++)
			if (strcmp(w, *n) == 0)
				return;
		pieces = g_strsplit_set(line, ";,", 0);
		for (char **p = pieces; *p != NULL; p++) {
			g_auto(GStrv) ands = g_strsplit(*p, " and ", 0);

			for (char **a = ands; *a != NULL; a++)
				sibling_piece(st, *a);
		}
	}
}

/* sibling_field - "Name" or "Date of birth" under a siblings heading */
static void sibling_field(struct map_state *st, const struct parse_label *info, const char *value)
{
	struct parse_sibling *s;
	int idx;

	if (parse_value_blank(value))
		return;
	switch (info->field) {
	case PARSE_F_NAME: case PARSE_F_FORENAME: case PARSE_F_SURNAME:
		s = people_for(&st->siblings,
			       info->field == PARSE_F_SURNAME ? B_LAST :
			       info->field == PARSE_F_FORENAME ? B_FIRST : B_NAME, false, &idx);
		if (s == NULL)
			return;
		if (info->field == PARSE_F_NAME)
			set_str(&s->name, value);
		else
			name_part(&s->name, value, info->field == PARSE_F_SURNAME);
		st->siblings.bits[idx] |= info->field == PARSE_F_SURNAME ? B_LAST :
					  info->field == PARSE_F_FORENAME ? B_FIRST : B_NAME;
		break;
	case PARSE_F_DOB:
		s = people_for(&st->siblings, B_DOB, false, &idx);
		if (s != NULL)
			sibling_dob(st, s, idx, value);
		break;
	default:
		break;
	}
}

/* referrer_field - a field about the person making the referral */
static void referrer_field(struct map_state *st, const struct parse_label *info, const char *value)
{
	struct parse_record *r = st->r;

	switch (info->field) {
	case PARSE_F_NAME:
		if (r->referrer.name == NULL && !parse_value_blank(value)) {
			char *phone, *email, *role;

			r->referrer.name = split_contact(value, &phone, &email, &role);
			if (r->referrer.phone == NULL)
				r->referrer.phone = g_steal_pointer(&phone);
			if (r->referrer.email == NULL)
				r->referrer.email = g_steal_pointer(&email);
			if (st->d->role_text == NULL)
				st->d->role_text = g_steal_pointer(&role);
			g_free(phone);
			g_free(email);
			g_free(role);
		}
		break;
	case PARSE_F_FORENAME: case PARSE_F_SURNAME:
		name_part(&r->referrer.name, value, info->field == PARSE_F_SURNAME);
		break;
	case PARSE_F_PHONE:
		set_phone(r, &r->referrer.phone, value, "referrer.phone");
		break;
	case PARSE_F_EMAIL:
		set_email(r, &r->referrer.email, value, "referrer.email");
		break;
	case PARSE_F_ORG: case PARSE_F_SCHOOL:
		set_str(&r->referrer.organisation, value);
		break;
	case PARSE_F_ROLE: case PARSE_F_RELATIONSHIP:
		set_str(&st->d->role_text, value);
		break;
	default:
		break;
	}
}

/* ---- the child, school, destination ---- */

/* child_field - the child's names, date of birth and sex */
static void child_field(struct map_state *st, const struct parse_label *info, const char *value)
{
	struct parse_child *c = &st->r->child;

	switch (info->field) {
	case PARSE_F_NAME:
		child_name_split(c, value);
		break;
	case PARSE_F_FORENAME:
		set_str(&c->forename, value);
		break;
	case PARSE_F_MIDDLE:
		set_str(&c->middle_names, value);
		break;
	case PARSE_F_SURNAME:
		set_str(&c->surname, value);
		break;
	case PARSE_F_PREFERRED:
		set_str(&c->preferred_name, value);
		break;
	case PARSE_F_DOB:
		set_date(st->r, &c->dob, value, "child.dob");
		break;
	case PARSE_F_SEX:
		if (c->sex == NULL && parse_sex_read(value) != NULL)
			c->sex = g_strdup(parse_sex_read(value));
		break;
	default:
		break;
	}
}

/* child_upn - upper case, no spaces; a bad one is kept with an issue */
static void child_upn(struct map_state *st, const char *value)
{
	struct parse_child *c = &st->r->child;
	const char *problem;

	if (c->upn != NULL || parse_value_blank(value))
		return;
	c->upn = parse_upn_normalise(value);
	if (c->upn != NULL && (problem = parse_upn_check(c->upn)) != NULL)
		parse_issue_add(st->r, "child.upn", "%s in '%s'", problem, c->upn);
}

/* child_former_upn - the first former UPN, as the UPN; the others (a CTF may
 * list several) are counted for an issue */
static void child_former_upn(struct map_state *st, const char *value)
{
	struct parse_child *c = &st->r->child;
	g_autofree char *upn = NULL;
	const char *problem;

	if (parse_value_blank(value) || (upn = parse_upn_normalise(value)) == NULL ||
	    g_strcmp0(upn, c->former_upn) == 0)
		return;
	if (c->former_upn != NULL) {
		for (guint i = 0; i < st->former_more->len; i++)
			if (strcmp(g_ptr_array_index(st->former_more, i), upn) == 0)
				return;
		g_ptr_array_add(st->former_more, g_steal_pointer(&upn));
		return;
	}
	c->former_upn = g_steal_pointer(&upn);
	if ((problem = parse_upn_check(c->former_upn)) != NULL)
		parse_issue_add(st->r, "child.former_upn", "former %s in '%s'", problem, c->former_upn);
}

/* former_upn_more - the issue naming the former UPNs that were not kept */
static void former_upn_more(struct map_state *st)
{
	GString *list;

	if (st->former_more->len == 0)
		return;
	list = g_string_new(NULL);
	for (guint i = 0; i < st->former_more->len; i++)
		g_string_append_printf(list, "%s'%s'", i > 0 ? ", " : "",
				       (const char *)g_ptr_array_index(st->former_more, i));
	parse_issue_add(st->r, "child.former_upn", "%u more former UPN%s given, not kept: %s",
			st->former_more->len, st->former_more->len == 1 ? "" : "s", list->str);
	g_string_free(list, TRUE);
}

/* child_needs - EAL, FSM, SEN and EHCP answers */
static void child_needs(struct map_state *st, const struct parse_label *info, const char *value)
{
	struct parse_child *c = &st->r->child;
	enum parse_tri tri = parse_tri_read(value);
	const char *sen;

	switch (info->field) {
	case PARSE_F_EAL:
		if (c->eal == PARSE_TRI_NULL)
			c->eal = tri;
		if (tri != PARSE_TRI_NULL)
			break;
		/* "EAL: Polish": a language for an answer */
		/* fall through */
	case PARSE_F_LANGUAGE:
		if (c->eal == PARSE_TRI_NULL && !parse_value_blank(value) &&
		    !parse_answer_unsure(value)) {
			g_autofree char *w = parse_words(value);

			c->eal = strncmp(w, "english", 7) == 0 && (w[7] == '\0' || w[7] == ' ')
				 ? PARSE_TRI_FALSE : PARSE_TRI_TRUE;
		}
		break;
	case PARSE_F_FSM:
		if (c->fsm == PARSE_TRI_NULL)
			c->fsm = tri;
		break;
	case PARSE_F_SEN:
		if (parse_answer_unsure(value)) {
			parse_factor_add(st->r, "sen");
			g_ptr_array_add(st->d->unsure, (gpointer)"sen");
		} else if (c->sen == NULL && (sen = parse_sen_read(value)) != NULL) {
			c->sen = g_strdup(sen);
		}
		break;
	case PARSE_F_EHCP:
		sen = tri == PARSE_TRI_TRUE ? "ehcp" : tri == PARSE_TRI_NULL ? parse_sen_read(value) : NULL;
		if (parse_answer_unsure(value)) {
			parse_factor_add(st->r, "sen");
			g_ptr_array_add(st->d->unsure, (gpointer)"sen");
		} else if (sen != NULL && strcmp(sen, "none") != 0 &&
			   (c->sen == NULL || strcmp(sen, "ehcp") == 0)) {
			g_free(c->sen);
			c->sen = g_strdup(sen);
		}
		break;
	default:
		break;
	}
}

/* ends_in_house_number - the address so far ends in a part that is only a
 * house number ("14", "14A", "3-5"): a CTF's PAON, a form's "House number" */
static bool ends_in_house_number(const char *address)
{
	const char *comma = strrchr(address, ',');
	const char *p = comma != NULL ? comma + 1 : address;
	bool digits = false;

	while (*p == ' ')
		p++;
	for (; g_ascii_isdigit(*p) || *p == '-'; p++)
		digits = digits || g_ascii_isdigit(*p);
	if (g_ascii_isalpha(*p))
		p++;   /* 14A */
	return digits && *p == '\0';
}

/* address_add - an address, or one part of one, joined with ", " (with a
 * space after a house number: "14 Example Street") */
static void address_add(char **slot, const struct parse_item *it, bool part)
{
	g_autofree char *v = value_text(it, ", ");
	char *old = *slot;

	if (v == NULL || parse_value_blank(v))
		return;
	if (old == NULL)
		*slot = parse_fold(v);
	else if (part)
		*slot = g_strconcat(old, ends_in_house_number(old) ? " " : ", ", v, NULL);
	else
		return;
	if (part)
		g_free(old);
}

/* home_address - the child's current or last known address */
static void home_address(struct map_state *st, const struct parse_label *info,
			 const struct parse_item *it, const char *value)
{
	struct parse_record *r = st->r;

	if (info->field == PARSE_F_POSTCODE) {
		set_postcode(r, &r->address.postcode, value, "address.postcode");
		return;
	}
	if (parse_answer_unsure(value)) {
		r->whereabouts_unknown = true;
		return;
	}
	address_add(&r->address.text, it, info->field == PARSE_F_ADDRESS_PART);
}

/* school_field - the last known school, the previous one or the destination */
static void school_field(struct map_state *st, enum parse_section sect,
			 const struct parse_label *info, const char *value)
{
	struct parse_record *r = st->r;
	struct parse_draft *d = st->d;

	switch (info->field) {
	case PARSE_F_NAME: case PARSE_F_SCHOOL:
		if (sect == PARSE_SECT_PREV_SCHOOL)
			set_str(&d->prev_name, value);
		else if (sect == PARSE_SECT_DEST)
			set_str(&r->destination.school, value);
		else
			set_str(&r->school.name, value);
		break;
	case PARSE_F_LAESTAB:
		if (sect == PARSE_SECT_PREV_SCHOOL)
			set_laestab(r, &d->prev_laestab, value, "previous_school.laestab");
		else if (sect == PARSE_SECT_DEST)
			set_laestab(r, &r->destination.laestab, value, "destination.laestab");
		else
			set_laestab(r, &r->school.laestab, value, "school.laestab");
		break;
	case PARSE_F_DATE_ON:
		if (sect == PARSE_SECT_DEST)
			set_date(r, &r->destination.start_date, value, "destination.start_date");
		else if (sect == PARSE_SECT_PREV_SCHOOL)
			set_str(&d->prev_on, value);
		else
			set_date(r, &r->school.date_on_roll, value, "school.date_on_roll");
		break;
	case PARSE_F_DATE_OFF:
		if (sect == PARSE_SECT_PREV_SCHOOL)
			set_str(&d->prev_off, value);
		else if (sect != PARSE_SECT_DEST)
			set_date(r, &r->school.date_off_roll, value, "school.date_off_roll");
		break;
	case PARSE_F_DATE_LAST:
		if (sect == PARSE_SECT_PREV_SCHOOL)
			set_str(&d->prev_last, value);
		else if (sect != PARSE_SECT_DEST)
			set_date(r, &r->school.date_last_attended, value, "school.date_last_attended");
		break;
	case PARSE_F_START:
		if (sect == PARSE_SECT_DEST)
			set_date(r, &r->destination.start_date, value, "destination.start_date");
		else if (sect == PARSE_SECT_SCHOOL)
			set_date(r, &r->school.date_on_roll, value, "school.date_on_roll");
		else
			set_str(&d->start_date, value);
		break;
	default:
		break;
	}
}

/* dest_field - where the child went: school, address, country */
static void dest_field(struct map_state *st, const struct parse_label *info,
		       const struct parse_item *it, const char *value)
{
	struct parse_record *r = st->r;

	switch (info->field) {
	case PARSE_F_ADDRESS: case PARSE_F_ADDRESS_PART:
		if (!parse_answer_unsure(value))
			address_add(&r->destination.address, it, info->field == PARSE_F_ADDRESS_PART);
		break;
	case PARSE_F_POSTCODE:
		set_str(&r->destination.postcode, value);   /* checked once the country is known */
		break;
	case PARSE_F_COUNTRY:
		set_str(&r->destination.country, value);
		break;
	default:
		school_field(st, PARSE_SECT_DEST, info, value);
		break;
	}
}

/* ---- one item ---- */

/* effective_section - the label's own section, else the context's */
static enum parse_section effective_section(struct map_state *st, const struct parse_label *info)
{
	if (info->section == PARSE_SECT_NONE)
		return st->sect;
	return info->section;
}

/* note_section - a label that names its section ("Referrer email") opens
 * it for the unnamed labels after it ("Phone") */
static void note_section(struct map_state *st, const struct parse_label *info)
{
	if (info->section == PARSE_SECT_NONE)
		return;
	if (info->section != st->sect || info->index >= 0 || info->relationship != NULL) {
		if (info->section == PARSE_SECT_CARER)
			people_select(&st->carers, info->index, info->relationship, false, true);
		else if (info->section == PARSE_SECT_SIBLING && info->index >= 0)
			people_select(&st->siblings, info->index, NULL, false, false);
	}
	st->sect = info->section;
}

/* map_from - "From: Name <address>" in a forwarded original */
static void map_from(struct map_state *st, const char *value)
{
	const char *lt = strchr(value, '<');

	if (!st->after_forward || st->d->fwd_email != NULL)
		return;
	st->d->fwd_email = parse_email_normalise(value);
	if (st->d->fwd_email == NULL)
		return;
	if (lt != NULL && lt > value) {
		g_autofree char *name = g_strndup(value, (gsize)(lt - value));

		g_strdelimit(name, "\"", ' ');
		st->d->fwd_name = parse_fold(name);
	}
}

/* map_risk - risk questions, free text about concerns, whereabouts */
static void map_risk(struct map_state *st, const struct parse_label *info,
		     const struct parse_item *it, const char *label, const char *value)
{
	/* lines wrapped by the sender's mail program are one text */
	g_autofree char *text = value_text(it, " ");

	switch (info->field) {
	case PARSE_F_RISK:
		parse_risk_question(st->r, st->d->unsure, label, value);
		break;
	case PARSE_F_CONCERNS:
		parse_risk_free_text(st->r, st->d->unsure, text, true);
		break;
	case PARSE_F_NOTES:
		parse_risk_free_text(st->r, st->d->unsure, text, false);
		break;
	case PARSE_F_WHEREABOUTS:
		if (info->negative ? parse_tri_read(value) == PARSE_TRI_FALSE
				   : (parse_tri_read(value) == PARSE_TRI_TRUE ||
				      parse_answer_unsure(value) || parse_whereabouts_unknown(value)))
			st->r->whereabouts_unknown = true;
		break;
	default:
		break;
	}
}

/* map_reason - the reason for leaving as written, and its ground */
static void map_reason(struct map_state *st, const struct parse_item *it)
{
	struct parse_record *r = st->r;
	g_autofree char *text = value_text(it, " ");
	g_autofree char *reg = NULL;
	const char *ground;

	if (text == NULL || parse_value_blank(text))
		return;
	ground = parse_regulation_read(text, &reg);
	if (r->deletion.text == NULL) {
		r->deletion.text = parse_fold(text);
		r->deletion.ground = g_strdup(ground != NULL ? ground : parse_deletion_ground(text));
		r->deletion.regulation = g_steal_pointer(&reg);
	} else if (ground != NULL && r->deletion.regulation == NULL) {
		/* "Reason: moved abroad" then "Regulation: 9(1)(g)": the code decides */
		g_free(r->deletion.ground);
		r->deletion.ground = g_strdup(ground);
		r->deletion.regulation = g_steal_pointer(&reg);
	}
}

/* home_words - an address label that says it is where the child lives */
static bool home_words(const char *label)
{
	static const char *const words[] = { "home", "current", "last known", "residential",
					     "permanent", NULL };
	g_autofree char *w = parse_words(label);

	for (const char *const *p = words; *p != NULL; p++)
		if (parse_words_has(w, *p))
			return true;
	return false;
}

/* map_generic - name, phone, e-mail, address, organisation: by section */
static void map_generic(struct map_state *st, enum parse_section sect,
			const struct parse_label *info, const struct parse_item *it,
			const char *value)
{
	switch (sect) {
	case PARSE_SECT_CARER:
		if (info->field == PARSE_F_ADDRESS || info->field == PARSE_F_ADDRESS_PART ||
		    info->field == PARSE_F_POSTCODE)
			home_address(st, info, it, value);
		else
			carer_field(st, info, value);
		return;
	case PARSE_SECT_REFERRER:
		referrer_field(st, info, value);
		return;
	case PARSE_SECT_SIBLING:
		sibling_field(st, info, value);
		return;
	case PARSE_SECT_SCHOOL: case PARSE_SECT_PREV_SCHOOL:
		if (info->field == PARSE_F_ADDRESS && home_words(it->label)) {
			/* "Home address" after the school's fields is still the child's */
			home_address(st, info, it, value);
			return;
		}
		if (info->field == PARSE_F_ORG)
			set_str(&st->r->referrer.organisation, value);
		else if (info->field == PARSE_F_ROLE)
			set_str(&st->d->role_text, value);
		else
			school_field(st, sect, info, value);
		return;
	case PARSE_SECT_DEST:
		dest_field(st, info, it, value);
		return;
	default:
		break;
	}
	/* the child's own section, or none */
	switch (info->field) {
	case PARSE_F_ADDRESS: case PARSE_F_ADDRESS_PART: case PARSE_F_POSTCODE:
		home_address(st, info, it, value);
		break;
	case PARSE_F_PHONE: case PARSE_F_EMAIL: case PARSE_F_RELATIONSHIP: case PARSE_F_PR:
		if (sect != PARSE_SECT_RISK)
			carer_field(st, info, value);
		break;
	case PARSE_F_ORG:
		set_str(&st->r->referrer.organisation, value);
		break;
	case PARSE_F_ROLE:
		set_str(&st->d->role_text, value);
		break;
	case PARSE_F_COUNTRY:
		break;
	default:
		if (sect != PARSE_SECT_RISK)
			child_field(st, info, value);
		break;
	}
}

/* select_section - a heading, or a label with no value that names one
 * ("Parent/carer 2:"), opens a section */
static void select_section(struct map_state *st, enum parse_section s, int index,
			   const char *rel)
{
	st->sect = s;
	if (s == PARSE_SECT_CARER)
		people_select(&st->carers, index, rel, true, true);
	else if (s == PARSE_SECT_SIBLING)
		people_select(&st->siblings, index, NULL, true, false);
}

/* map_empty - a label with nothing after it: a heading when it names one */
static void map_empty(struct map_state *st, const struct parse_item *it,
		      const struct parse_label *info)
{
	int index;
	const char *rel;
	enum parse_section s = parse_heading_classify(it->label, &index, &rel);

	if (s != PARSE_SECT_NONE && (info->field == PARSE_F_NONE || info->field == PARSE_F_NAME ||
				     info->field == PARSE_F_SCHOOL))
		select_section(st, s, index, rel);
}

/* map_child_only - what only the child has (UPN, ethnicity, needs, sex,
 * date of birth); false when INFO is none of those */
static bool map_child_only(struct map_state *st, enum parse_section sect,
			   const struct parse_label *info, const char *value)
{
	bool sibling = sect == PARSE_SECT_SIBLING && !info->child;

	switch (info->field) {
	case PARSE_F_UPN:
		if (!sibling)
			child_upn(st, value);
		return true;
	case PARSE_F_FORMER_UPN:
		if (!sibling)
			child_former_upn(st, value);
		return true;
	case PARSE_F_ETHNICITY:
		if (!sibling)
			set_str(&st->r->child.ethnicity, value);
		return true;
	case PARSE_F_EAL: case PARSE_F_LANGUAGE: case PARSE_F_FSM: case PARSE_F_SEN:
	case PARSE_F_EHCP:
		if (!sibling)
			child_needs(st, info, value);
		return true;
	case PARSE_F_SEX: case PARSE_F_MIDDLE: case PARSE_F_PREFERRED:
		if (info->child || sect == PARSE_SECT_CHILD || sect == PARSE_SECT_NONE ||
		    sect == PARSE_SECT_SCHOOL)
			child_field(st, info, value);
		return true;
	case PARSE_F_DOB:
		if (sibling)
			sibling_field(st, info, value);
		else if (info->child || (sect != PARSE_SECT_CARER && sect != PARSE_SECT_REFERRER))
			child_field(st, info, value);
		return true;
	default:
		return false;
	}
}

/* map_school - a school, its number and dates: whose by section */
static void map_school(struct map_state *st, enum parse_section sect,
		       const struct parse_label *info, const struct parse_item *it,
		       const char *value)
{
	if (sect == PARSE_SECT_REFERRER && info->field == PARSE_F_SCHOOL)
		set_str(&st->r->referrer.organisation, value);   /* "Referring school" */
	else if (sect == PARSE_SECT_DEST)
		dest_field(st, info, it, value);
	else
		school_field(st, sect == PARSE_SECT_PREV_SCHOOL || sect == PARSE_SECT_SCHOOL
				 ? sect : PARSE_SECT_NONE, info, value);
}

/* map_field - one "Label: value" */
static void map_field(struct map_state *st, const struct parse_item *it)
{
	struct parse_label info;
	g_autofree char *owned = NULL;
	const char *value = value_of(it, &owned);
	enum parse_section sect;

	if (value != NULL && parse_whereabouts_unknown(value))
		st->r->whereabouts_unknown = true;
	parse_label_classify(it->label, &info);
	if (value == NULL) {
		map_empty(st, it, &info);
		return;
	}
	if (info.field == PARSE_F_NONE)
		return;
	if (info.field == PARSE_F_FROM) {
		map_from(st, value);
		return;
	}
	st->r->fields_found++;
	note_section(st, &info);
	sect = effective_section(st, &info);
	if (map_child_only(st, sect, &info, value))
		return;
	switch (info.field) {
	case PARSE_F_RISK: case PARSE_F_CONCERNS: case PARSE_F_NOTES: case PARSE_F_WHEREABOUTS:
		map_risk(st, &info, it, it->label, value);
		break;
	case PARSE_F_REASON:
		map_reason(st, it);
		break;
	case PARSE_F_SIBLINGS:
		siblings_text(st, it);
		break;
	case PARSE_F_SCHOOL: case PARSE_F_LAESTAB: case PARSE_F_DATE_ON: case PARSE_F_DATE_OFF:
	case PARSE_F_DATE_LAST: case PARSE_F_START:
		map_school(st, sect, &info, it, value);
		break;
	default:
		map_generic(st, info.child ? PARSE_SECT_CHILD : sect, &info, it, value);
		break;
	}
}

/* map_heading - a known heading opens its section; others change nothing */
static void map_heading(struct map_state *st, const struct parse_item *it)
{
	int index;
	const char *rel;
	enum parse_section s = parse_heading_classify(it->label, &index, &rel);

	if (s != PARSE_SECT_NONE)
		select_section(st, s, index, rel);
}

static GRegex *prose_regex(GRegex **slot, const char *pattern)
{
	if (g_once_init_enter(slot)) {
		GRegex *re = g_regex_new(pattern, G_REGEX_OPTIMIZE, 0, NULL);

		g_once_init_leave(slot, re);
	}
	return *slot;
}

/* ascii_only - TEXT is all ASCII */
static bool ascii_only(const char *text)
{
	for (; *text != '\0'; text++)
		if ((unsigned char)*text >= 0x80)
			return false;
	return true;
}

/* ascii_has_ci - TEXT holds WORD (lower case ASCII), ASCII case ignored */
static bool ascii_has_ci(const char *text, const char *word)
{
	size_t n = strlen(word);

	for (; *text != '\0'; text++)
		if (parse_ascii_lower(*text) == word[0] && g_ascii_strncasecmp(text, word, n) == 0)
			return true;
	return false;
}

/* The prose patterns are costly to run and most text cannot match them: a
 * match needs what these look for. In ASCII text \d is [0-9] and case is
 * ASCII case (in other text Unicode digits and case folding count, so the
 * patterns run). The school pattern is case-sensitive: its words must be
 * there as written, in any text. */
static bool may_give_age(const char *text, bool ascii)
{
	if (!ascii)
		return true;
	for (; *text != '\0'; text++)
		if (g_ascii_isdigit(*text))
			return true;
	return false;
}

static bool may_name_school(const char *text)
{
	return strstr(text, "School") != NULL || strstr(text, "Academy") != NULL ||
	       strstr(text, "College") != NULL;
}

static bool may_say_out_of_school(const char *text, bool ascii)
{
	return !ascii || ascii_has_ci(text, "school") || ascii_has_ci(text, "education");
}

/* prose_facts - what a person's own words give: a postcode, an age, a
 * school's name, and whether it is about a child out of school */
static void prose_facts(struct parse_draft *d, const char *text)
{
	static GRegex *age_re, *school_re, *child_re;
	GRegex *ar = prose_regex(&age_re,
		"(?i)\\b(?:aged?|about|around|approx(?:imately)?)\\s+(\\d{1,2})\\b|"
		"\\b(\\d{1,2})[ -](?:years?|yrs?)[ -]old\\b");
	GRegex *sr = prose_regex(&school_re,
		"\\b((?:St\\.? )?(?:[A-Z][a-z'\\x{2019}]+ ){1,4}"
		"(?:Primary|Junior|Infant|Infants|Secondary|High|Grammar|Community|CE|RC|C of E)?"
		" ?(?:School|Academy|College))\\b");
	GRegex *cr = prose_regex(&child_re,
		"(?i)\\b(?:(?:not|hasn.t|has not|haven.t|have not|isn.t|is not|aren.t|are not) "
		"(?:been )?(?:in|at|attending|going to|gone to) (?:any )?school|"
		"no school place|missing (?:from )?education|out of school|"
		"(?:isn.t|aren.t|not) (?:at|in) school|never been to school|not on (?:a|any) school roll|"
		"doesn.t go to school|not been to school)\\b");
	GMatchInfo *m = NULL;
	size_t b, n;
	bool ascii = ascii_only(text);

	if (d->free_postcode == NULL && parse_postcode_find(text, &b, &n)) {
		g_autofree char *pc = g_strndup(text + b, n);

		d->free_postcode = parse_postcode_normalise(pc);
	}
	if (d->free_age < 0 && may_give_age(text, ascii) && g_regex_match(ar, text, 0, &m)) {
		g_autofree char *a = g_match_info_fetch(m, 1);
		g_autofree char *y = g_match_info_fetch(m, 2);
		int age = atoi(a != NULL && a[0] != '\0' ? a : y != NULL ? y : "");

		if (age >= 2 && age <= 18)
			d->free_age = age;
	}
	g_match_info_free(m);
	m = NULL;
	if (d->free_school == NULL && may_name_school(text) && g_regex_match(sr, text, 0, &m)) {
		g_autofree char *sch = g_match_info_fetch(m, 1);

		d->free_school = parse_fold(sch);
	}
	g_match_info_free(m);
	if (!d->free_child && may_say_out_of_school(text, ascii))
		d->free_child = g_regex_match(cr, text, 0, NULL);
}

/* prose - text outside any field: whereabouts, the risks it names ("mum
 * has disclosed domestic abuse") and its facts; wrapped lines read as one */
static void prose(struct map_state *st, const struct parse_item *it)
{
	g_autofree char *text = value_text(it, " ");

	for (guint k = 0; k < it->lines->len; k++)
		if (parse_whereabouts_unknown(g_ptr_array_index(it->lines, k)))
			st->r->whereabouts_unknown = true;
	if (text == NULL)
		return;
	parse_risk_free_text(st->r, st->d->unsure, text, false);
	if (!st->after_forward || st->d->fwd_email != NULL)
		prose_facts(st->d, text);
}

void parse_fields_map(struct parse_draft *d, const struct parse_form *form)
{
	struct map_state st = { .d = d, .r = d->record, .sect = PARSE_SECT_NONE,
				.former_more = g_ptr_array_new_with_free_func(g_free) };

	people_init(&st.carers, d->record->carers);
	people_init(&st.siblings, d->record->siblings);
	g_free(d->title);
	d->title = g_strdup(form->title->str);
	for (guint i = 0; i < form->items->len; i++) {
		const struct parse_item *it = g_ptr_array_index(form->items, i);

		switch (it->type) {
		case PARSE_ITEM_HEADING:
			map_heading(&st, it);
			break;
		case PARSE_ITEM_FIELD:
			map_field(&st, it);
			break;
		case PARSE_ITEM_TEXT:
			prose(&st, it);
			break;
		case PARSE_ITEM_FORWARD:
			st.after_forward = true;
			break;
		}
	}
	d->child_named = d->record->child.forename != NULL || d->record->child.surname != NULL;
	former_upn_more(&st);
	g_ptr_array_unref(st.former_more);
	d->child_dob = d->record->child.dob != NULL;
	for (guint i = 0; i < d->record->issues->len; i++) {
		const struct parse_issue *is = g_ptr_array_index(d->record->issues, i);

		d->child_dob = d->child_dob || strcmp(is->field, "child.dob") == 0;
	}
	d->child_upn = d->record->child.upn != NULL;
}

/* ---- once the kind is known ---- */

static void move_str(char **to, char **from)
{
	if (*to == NULL)
		*to = g_steal_pointer(from);
	else
		g_clear_pointer(from, g_free);
}

/* tidy_parts - "12 Example Road, , Chatham ," -> "12 Example Road, Chatham" */
static char *tidy_parts(const char *text)
{
	g_auto(GStrv) parts = g_strsplit(text, ",", 0);
	GString *out = g_string_new(NULL);

	for (char **p = parts; *p != NULL; p++) {
		g_autofree char *f = parse_fold(*p);

		if (f == NULL)
			continue;
		if (out->len > 0)
			g_string_append(out, ", ");
		g_string_append(out, f);
	}
	if (out->len == 0) {
		g_string_free(out, TRUE);
		return NULL;
	}
	return g_string_free(out, FALSE);
}

/* split_postcode - a UK postcode inside an address goes to its own field;
 * the same postcode written twice leaves the address */
static void split_postcode(char **text, char **postcode)
{
	size_t b, n;
	g_autofree char *found = NULL, *norm = NULL, *rest = NULL;

	if (*text == NULL || !parse_postcode_find(*text, &b, &n))
		return;
	found = g_strndup(*text + b, n);
	norm = parse_postcode_normalise(found);
	if (norm == NULL)
		return;
	if (*postcode == NULL)
		*postcode = g_strdup(norm);
	else if (strcmp(*postcode, norm) != 0)
		return;
	rest = g_strdup(*text);
	memset(rest + b, ' ', n);
	g_free(*text);
	*text = tidy_parts(rest);
}

static const char *const uk_names[] = {
	"uk", "united kingdom", "england", "wales", "scotland", "northern ireland",
	"great britain", "gb", "britain", "england uk", "wales uk", NULL,
};

static const struct { const char *name; const char *const aliases[4]; } countries[] = {
	{ "Poland", { "polska", NULL } }, { "Romania", { NULL } }, { "Lithuania", { NULL } },
	{ "Latvia", { NULL } }, { "Estonia", { NULL } }, { "Bulgaria", { NULL } },
	{ "Slovakia", { NULL } }, { "Czech Republic", { "czechia", NULL } },
	{ "Hungary", { NULL } }, { "Portugal", { NULL } }, { "Spain", { NULL } },
	{ "Italy", { NULL } }, { "France", { NULL } }, { "Germany", { NULL } },
	{ "Ireland", { "republic of ireland", "eire", NULL } },
	{ "Netherlands", { "the netherlands", "holland", NULL } }, { "Belgium", { NULL } },
	{ "Greece", { NULL } }, { "Cyprus", { NULL } }, { "Malta", { NULL } },
	{ "Sweden", { NULL } }, { "Norway", { NULL } }, { "Denmark", { NULL } },
	{ "Finland", { NULL } }, { "Austria", { NULL } }, { "Switzerland", { NULL } },
	{ "Albania", { NULL } }, { "Ukraine", { NULL } }, { "Turkey", { "turkiye", NULL } },
	{ "Pakistan", { NULL } }, { "India", { NULL } }, { "Bangladesh", { NULL } },
	{ "Sri Lanka", { NULL } }, { "Nepal", { NULL } }, { "Afghanistan", { NULL } },
	{ "Iran", { NULL } }, { "Iraq", { NULL } }, { "Syria", { NULL } }, { "Egypt", { NULL } },
	{ "Morocco", { NULL } }, { "Algeria", { NULL } }, { "Nigeria", { NULL } },
	{ "Ghana", { NULL } }, { "Somalia", { NULL } }, { "Eritrea", { NULL } },
	{ "Ethiopia", { NULL } }, { "Sudan", { NULL } }, { "Kenya", { NULL } },
	{ "Uganda", { NULL } }, { "Zimbabwe", { NULL } }, { "South Africa", { NULL } },
	{ "Jamaica", { NULL } },
	{ "United States", { "usa", "united states of america", "america", NULL } },
	{ "Canada", { NULL } }, { "Australia", { NULL } }, { "New Zealand", { NULL } },
	{ "China", { NULL } }, { "Hong Kong", { NULL } }, { "Philippines", { NULL } },
	{ "Brazil", { NULL } }, { "United Arab Emirates", { "uae", NULL } },
	{ "Saudi Arabia", { NULL } },
};

/* country_name - the English name of a country written TEXT, NULL when unknown */
static const char *country_name(const char *text)
{
	g_autofree char *w = parse_words(text);

	for (size_t i = 0; i < G_N_ELEMENTS(countries); i++) {
		g_autofree char *n = parse_words(countries[i].name);

		if (strcmp(w, n) == 0)
			return countries[i].name;
		for (const char *const *a = countries[i].aliases; *a != NULL; a++)
			if (strcmp(w, *a) == 0)
				return countries[i].name;
	}
	return NULL;
}

static bool is_uk(const char *text)
{
	g_autofree char *w = parse_words(text);

	for (const char *const *u = uk_names; *u != NULL; u++)
		if (strcmp(w, *u) == 0)
			return true;
	return false;
}

/* destination_finish - country in English (NULL for the UK), a UK postcode
 * normalised and checked, a foreign one kept as written */
static void destination_finish(struct parse_record *r)
{
	const char *name;

	if (r->destination.country != NULL) {
		if (is_uk(r->destination.country))
			g_clear_pointer(&r->destination.country, g_free);
		else if ((name = country_name(r->destination.country)) != NULL) {
			g_free(r->destination.country);
			r->destination.country = g_strdup(name);
		}
	} else if (r->destination.address != NULL) {
		const char *comma = strrchr(r->destination.address, ',');
		const char *last = comma != NULL ? comma + 1 : r->destination.address;

		if ((name = country_name(last)) != NULL) {
			r->destination.country = g_strdup(name);
			if (comma == NULL)
				g_clear_pointer(&r->destination.address, g_free);
		}
	}
	if (r->destination.country != NULL)
		return;
	if (r->destination.postcode != NULL) {
		char *pc = parse_postcode_normalise(r->destination.postcode);

		if (pc != NULL) {
			g_free(r->destination.postcode);
			r->destination.postcode = pc;
		} else {
			parse_issue_add(r, "destination.postcode", "not a UK postcode '%s'",
					r->destination.postcode);
		}
	}
	split_postcode(&r->destination.address, &r->destination.postcode);
}

/* schools_finish - the previous school and a bare start date, by kind */
static void schools_finish(struct parse_draft *d)
{
	struct parse_record *r = d->record;

	if (r->kind != PARSE_KIND_ON_ROLL && r->school.name == NULL && r->school.laestab == NULL) {
		/* on a referral, "previous school" is the last known school */
		move_str(&r->school.name, &d->prev_name);
		move_str(&r->school.laestab, &d->prev_laestab);
		if (d->prev_on != NULL)
			set_date(r, &r->school.date_on_roll, d->prev_on, "school.date_on_roll");
		if (d->prev_off != NULL)
			set_date(r, &r->school.date_off_roll, d->prev_off, "school.date_off_roll");
		if (d->prev_last != NULL)
			set_date(r, &r->school.date_last_attended, d->prev_last,
				 "school.date_last_attended");
	} else {
		move_str(&r->previous_school.name, &d->prev_name);
		move_str(&r->previous_school.laestab, &d->prev_laestab);
	}
	if (d->start_date != NULL) {
		if (r->kind == PARSE_KIND_ON_ROLL)
			set_date(r, &r->school.date_on_roll, d->start_date, "school.date_on_roll");
		else
			set_date(r, &r->destination.start_date, d->start_date,
				 "destination.start_date");
	}
}

/* risk_finish - sen from child.sen; safeguarding_concern only when nothing
 * is named; notes name the "not sure" answers */
static void risk_finish(struct parse_draft *d)
{
	struct parse_record *r = d->record;
	GPtrArray *f = r->risk.factors;
	GPtrArray *notes;

	if (r->child.sen != NULL && strcmp(r->child.sen, "none") != 0)
		parse_factor_add(r, "sen");
	for (guint i = 0; i < f->len; i++) {
		const char *x = g_ptr_array_index(f, i);

		if (strcmp(x, "sen") != 0 && strcmp(x, "safeguarding_concern") != 0) {
			parse_factor_remove(r, "safeguarding_concern");
			break;
		}
	}
	notes = g_ptr_array_new();
	for (guint i = 0; i < f->len; i++) {
		const char *x = g_ptr_array_index(f, i);

		for (guint k = 0; k < d->unsure->len; k++)
			if (strcmp(x, g_ptr_array_index(d->unsure, k)) == 0) {
				g_ptr_array_add(notes, (gpointer)x);
				break;
			}
	}
	if (notes->len > 0) {
		GString *s = g_string_new("not sure: ");

		for (guint i = 0; i < notes->len; i++)
			g_string_append_printf(s, "%s%s", i > 0 ? ", " : "",
					       (const char *)g_ptr_array_index(notes, i));
		g_free(r->risk.notes);
		r->risk.notes = g_string_free(s, FALSE);
	}
	g_ptr_array_unref(notes);
}

/* deletion_finish - deletion is for off_roll only; an EHE notice with no
 * reason written still says its ground */
static void deletion_finish(struct parse_draft *d)
{
	static const char *const ehe[] = {
		" home education ", " elective home ", " home educated ", " ehe ", NULL,
	};
	struct parse_record *r = d->record;
	g_autofree char *about = NULL, *words = NULL, *padded = NULL;

	if (r->kind != PARSE_KIND_OFF_ROLL) {
		g_clear_pointer(&r->deletion.text, g_free);
		g_clear_pointer(&r->deletion.ground, g_free);
		return;
	}
	if (r->deletion.ground != NULL)
		return;
	about = g_strconcat(r->message.subject != NULL ? r->message.subject : "", " ",
			    d->title != NULL ? d->title : "", NULL);
	words = parse_words(about);
	padded = g_strconcat(" ", words, " ", NULL);
	for (const char *const *p = ehe; *p != NULL; p++)
		if (strstr(padded, *p) != NULL) {
			r->deletion.ground = g_strdup("home_education");
			return;
		}
}

/* free_text_finish - a referral in a person's own words: what its prose
 * gave, where the form gave nothing; an age is no date of birth, so it is
 * an issue the officer reads */
static void free_text_finish(struct parse_draft *d)
{
	struct parse_record *r = d->record;

	if (r->kind != PARSE_KIND_REFERRAL || d->child_named || d->child_dob || d->child_upn)
		return;
	if (r->address.postcode == NULL && r->address.text == NULL && d->free_postcode != NULL)
		r->address.postcode = g_strdup(d->free_postcode);
	if (r->school.name == NULL && d->free_school != NULL)
		r->school.name = g_strdup(d->free_school);
	if (d->free_age >= 0)
		parse_issue_add(r, "child.dob", "not given; the message says the child is about %d",
				d->free_age);
	if (r->child.forename == NULL && r->child.surname == NULL)
		parse_issue_add(r, "child", "the child is not named: free text for a person to read");
}

void parse_fields_finish(struct parse_draft *d)
{
	struct parse_record *r = d->record;

	free_text_finish(d);

	schools_finish(d);
	split_postcode(&r->address.text, &r->address.postcode);
	destination_finish(r);
	risk_finish(d);
	deletion_finish(d);
}
