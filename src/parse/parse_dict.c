/* parse_dict.c - the field dictionary (data/fields.conf): labels and their
 * fields, section prefixes, kind words and deletion-ground words, read from
 * text the caller supplies (the parser does no I/O) */
#include <string.h>

#include "parse/parse_p.h"

#define MAX_DICT_BYTES (4u << 20)   /* a dictionary is a few kB; refuse a runaway file */

struct parse_dictionary {
	GHashTable *labels;      /* parse_words(label) -> struct parse_dict_label * */
	GPtrArray *prefixes;     /* struct parse_dict_prefix * */
	GPtrArray *kinds[PARSE_DICT_KINDS];   /* char *, parse_words() form */
	GPtrArray *grounds;      /* struct parse_dict_ground *, in file order */
	guint serial;            /* unique to this dictionary in the process (memo keys) */
};

/* The built-in copy of data/fields.conf, for callers that load none. The
 * assembler reads the file at build time (the Makefile makes this object
 * depend on it), so the data file stays the one place the words live. */
__asm__(".section .rodata\n"
	".global parse_fields_conf_start\n"
	".global parse_fields_conf_end\n"
	".balign 16\n"
	"parse_fields_conf_start:\n"
	".incbin \"data/fields.conf\"\n"
	"parse_fields_conf_end:\n"
	".byte 0\n"
	".previous\n");
extern const char parse_fields_conf_start[], parse_fields_conf_end[];

static const struct { const char *name; enum parse_field field; } field_names[] = {
	{ "name", PARSE_F_NAME }, { "forename", PARSE_F_FORENAME },
	{ "middle_names", PARSE_F_MIDDLE }, { "surname", PARSE_F_SURNAME },
	{ "preferred_name", PARSE_F_PREFERRED }, { "dob", PARSE_F_DOB }, { "sex", PARSE_F_SEX },
	{ "upn", PARSE_F_UPN }, { "ethnicity", PARSE_F_ETHNICITY }, { "eal", PARSE_F_EAL },
	{ "language", PARSE_F_LANGUAGE }, { "fsm", PARSE_F_FSM }, { "sen", PARSE_F_SEN },
	{ "ehcp", PARSE_F_EHCP }, { "address", PARSE_F_ADDRESS },
	{ "address_line", PARSE_F_ADDRESS_PART }, { "postcode", PARSE_F_POSTCODE },
	{ "country", PARSE_F_COUNTRY }, { "school", PARSE_F_SCHOOL }, { "laestab", PARSE_F_LAESTAB },
	{ "date_on_roll", PARSE_F_DATE_ON }, { "date_off_roll", PARSE_F_DATE_OFF },
	{ "date_last_attended", PARSE_F_DATE_LAST }, { "start_date", PARSE_F_START },
	{ "phone", PARSE_F_PHONE }, { "email", PARSE_F_EMAIL },
	{ "relationship", PARSE_F_RELATIONSHIP }, { "parental_responsibility", PARSE_F_PR },
	{ "organisation", PARSE_F_ORG }, { "role", PARSE_F_ROLE },
	{ "deletion_reason", PARSE_F_REASON }, { "siblings", PARSE_F_SIBLINGS },
	{ "concerns", PARSE_F_CONCERNS }, { "notes", PARSE_F_NOTES },
	{ "whereabouts", PARSE_F_WHEREABOUTS }, { "risk", PARSE_F_RISK }, { "from", PARSE_F_FROM },
	{ "former_upn", PARSE_F_FORMER_UPN },
};

static const struct { const char *name; enum parse_section section; } section_names[] = {
	{ "child", PARSE_SECT_CHILD }, { "carer", PARSE_SECT_CARER },
	{ "referrer", PARSE_SECT_REFERRER }, { "school", PARSE_SECT_SCHOOL },
	{ "previous_school", PARSE_SECT_PREV_SCHOOL }, { "destination", PARSE_SECT_DEST },
	{ "sibling", PARSE_SECT_SIBLING }, { "risk", PARSE_SECT_RISK },
};

static const char *const kind_names[PARSE_DICT_KINDS] = {
	[PARSE_DICT_REFERRAL] = "referral", [PARSE_DICT_CME] = "missing_education",
	[PARSE_DICT_OFF_ROLL] = "off_roll", [PARSE_DICT_ON_ROLL] = "on_roll",
};

static const char *const ground_names[] = {
	"registered_elsewhere", "nursery_not_continuing", "dual_registration_ended",
	"sao_amended", "sao_revoked", "home_education", "moved_away", "not_returned_from_leave",
	"absent_20_days", "medical", "custody", "died", "ceased_compulsory_age",
	"permanently_excluded", "other",
};

static void prefix_free(gpointer p)
{
	struct parse_dict_prefix *px = p;

	g_free(px->words);
	g_free(px->relationship);
	g_free(px);
}

static void ground_free(gpointer p)
{
	struct parse_dict_ground *g = p;

	g_free(g->words);
	g_free(g);
}

void parse_dictionary_free(struct parse_dictionary *d)
{
	if (d == NULL)
		return;
	g_hash_table_unref(d->labels);
	g_ptr_array_unref(d->prefixes);
	for (int i = 0; i < PARSE_DICT_KINDS; i++)
		g_ptr_array_unref(d->kinds[i]);
	g_ptr_array_unref(d->grounds);
	g_free(d);
}

static struct parse_dictionary *dict_alloc(void)
{
	static gint serials;
	struct parse_dictionary *d = g_new0(struct parse_dictionary, 1);

	d->serial = (guint)g_atomic_int_add(&serials, 1) + 1;

	d->labels = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	d->prefixes = g_ptr_array_new_with_free_func(prefix_free);
	for (int i = 0; i < PARSE_DICT_KINDS; i++)
		d->kinds[i] = g_ptr_array_new_with_free_func(g_free);
	d->grounds = g_ptr_array_new_with_free_func(ground_free);
	return d;
}

enum group { G_NONE, G_LABELS, G_PREFIXES, G_KINDS, G_GROUNDS };

/* bad - "line N: what is wrong"; FMT holds one %s, for WHAT */
static bool bad(GError **error, unsigned line, const char *fmt, const char *what)
{
	const char *at = strstr(fmt, "%s");
	g_autofree char *head = at != NULL ? g_strndup(fmt, (gsize)(at - fmt)) : g_strdup(fmt);

	g_set_error(error, PARSE_ERROR, PARSE_ERROR_DICTIONARY, "line %u: %s%s%s", line, head,
		    at != NULL ? what : "", at != NULL ? at + 2 : "");
	return false;
}

/* add_label - "First name = forename" or "Previous school = school @previous_school" */
static bool add_label(struct parse_dictionary *d, const char *words, const char *meaning,
		      unsigned line, GError **error)
{
	g_auto(GStrv) parts = g_strsplit_set(meaning, " \t", 0);
	struct parse_dict_label *l = g_new0(struct parse_dict_label, 1);
	bool field = false;

	l->section = PARSE_SECT_NONE;
	for (char **p = parts; *p != NULL; p++) {
		bool found = false;

		if (**p == '\0')
			continue;
		if (**p == '@') {
			for (size_t i = 0; i < G_N_ELEMENTS(section_names) && !found; i++)
				if (strcmp(*p + 1, section_names[i].name) == 0) {
					l->section = section_names[i].section;
					found = true;
				}
		} else if (!field) {
			for (size_t i = 0; i < G_N_ELEMENTS(field_names) && !found; i++)
				if (strcmp(*p, field_names[i].name) == 0) {
					l->field = field_names[i].field;
					found = field = true;
				}
		}
		if (!found) {
			g_free(l);
			return bad(error, line, "unknown field or section '%s'", *p);
		}
	}
	if (!field) {
		g_free(l);
		return bad(error, line, "no field for '%s'", words);
	}
	g_hash_table_replace(d->labels, g_strdup(words), l);   /* a later line wins */
	return true;
}

/* add_prefix - "Parent/carer = carer", "Mother's = carer Mother" */
static bool add_prefix(struct parse_dictionary *d, const char *words, const char *meaning,
		       unsigned line, GError **error)
{
	g_auto(GStrv) parts = g_strsplit(meaning, " ", 2);
	struct parse_dict_prefix *px;

	for (size_t i = 0; i < G_N_ELEMENTS(section_names); i++)
		if (strcmp(parts[0], section_names[i].name) == 0) {
			px = g_new0(struct parse_dict_prefix, 1);
			px->words = g_strdup(words);
			px->section = section_names[i].section;
			px->relationship = parts[1] != NULL ? parse_fold(parts[1]) : NULL;
			g_ptr_array_add(d->prefixes, px);
			return true;
		}
	return bad(error, line, "unknown section '%s'", parts[0]);
}

static bool add_kind(struct parse_dictionary *d, const char *words, const char *meaning,
		     unsigned line, GError **error)
{
	for (int i = 0; i < PARSE_DICT_KINDS; i++)
		if (strcmp(meaning, kind_names[i]) == 0) {
			g_ptr_array_add(d->kinds[i], g_strdup(words));
			return true;
		}
	return bad(error, line, "unknown kind '%s'", meaning);
}

static bool add_ground(struct parse_dictionary *d, const char *words, const char *meaning,
		       unsigned line, GError **error)
{
	for (size_t i = 0; i < G_N_ELEMENTS(ground_names); i++)
		if (strcmp(meaning, ground_names[i]) == 0) {
			struct parse_dict_ground *g = g_new0(struct parse_dict_ground, 1);

			g->words = g_strdup(words);
			g->ground = ground_names[i];
			g_ptr_array_add(d->grounds, g);
			return true;
		}
	return bad(error, line, "unknown deletion ground '%s'", meaning);
}

/* dict_line - one "WORDS = MEANING" line of GROUP */
static bool dict_line(struct parse_dictionary *d, enum group group, const char *line,
		      unsigned n, GError **error)
{
	const char *eq = strrchr(line, '=');
	g_autofree char *left = NULL, *words = NULL, *meaning = NULL;

	if (eq == NULL)
		return bad(error, n, "'%s' is not WORDS = MEANING", line);
	left = g_strndup(line, (gsize)(eq - line));
	words = parse_words(left);
	meaning = parse_fold(eq + 1);
	if (words[0] == '\0' || meaning == NULL)
		return bad(error, n, "'%s' is not WORDS = MEANING", line);
	switch (group) {
	case G_LABELS:
		return add_label(d, words, meaning, n, error);
	case G_PREFIXES:
		return add_prefix(d, words, meaning, n, error);
	case G_KINDS:
		return add_kind(d, words, meaning, n, error);
	case G_GROUNDS:
		return add_ground(d, words, meaning, n, error);
	case G_NONE:
		break;
	}
	return bad(error, n, "'%s' comes before any [section]", line);
}

static bool dict_group(const char *line, enum group *group_r, unsigned n, GError **error)
{
	static const struct { const char *name; enum group group; } groups[] = {
		{ "[labels]", G_LABELS }, { "[prefixes]", G_PREFIXES }, { "[kinds]", G_KINDS },
		{ "[grounds]", G_GROUNDS },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(groups); i++)
		if (strcmp(line, groups[i].name) == 0) {
			*group_r = groups[i].group;
			return true;
		}
	return bad(error, n, "unknown section %s", line);
}

struct parse_dictionary *parse_dictionary_new(const char *text, size_t len, GError **error)
{
	struct parse_dictionary *d;
	g_auto(GStrv) lines = NULL;
	g_autofree char *copy = NULL;
	enum group group = G_NONE;

	if (len > MAX_DICT_BYTES) {
		g_set_error(error, PARSE_ERROR, PARSE_ERROR_DICTIONARY,
			    "%zu bytes is more than a dictionary can be", len);
		return NULL;
	}
	copy = g_strndup(text != NULL ? text : "", len);
	if (!g_utf8_validate(copy, -1, NULL)) {
		g_set_error(error, PARSE_ERROR, PARSE_ERROR_DICTIONARY, "not UTF-8 text");
		return NULL;
	}
	d = dict_alloc();
	lines = g_strsplit(copy, "\n", 0);
	for (unsigned i = 0; lines[i] != NULL; i++) {
		char *l = g_strstrip(lines[i]);
		bool ok;

		if (l[0] == '\0' || l[0] == '#')
			continue;
		ok = l[0] == '[' ? dict_group(l, &group, i + 1, error)
				 : dict_line(d, group, l, i + 1, error);
		if (!ok) {
			parse_dictionary_free(d);
			return NULL;
		}
	}
	if (g_hash_table_size(d->labels) == 0) {
		g_set_error(error, PARSE_ERROR, PARSE_ERROR_DICTIONARY, "no [labels]");
		parse_dictionary_free(d);
		return NULL;
	}
	return d;
}

const struct parse_dictionary *parse_dictionary_default(void)
{
	static struct parse_dictionary *dict;

	if (g_once_init_enter(&dict)) {
		GError *error = NULL;
		struct parse_dictionary *d = parse_dictionary_new(
			parse_fields_conf_start,
			(size_t)(parse_fields_conf_end - parse_fields_conf_start), &error);

		if (d == NULL)
			g_error("built-in data/fields.conf: %s", error->message);
		g_once_init_leave(&dict, d);
	}
	return dict;
}

unsigned parse_dictionary_size(const struct parse_dictionary *d)
{
	return d != NULL ? g_hash_table_size(d->labels) : 0;
}

/* ---- the dictionary the running parse uses ---- */

/* The labels are classified deep inside the form readers; rather than pass
 * the dictionary through every one, parse_message() names it for the thread
 * for the length of the call. */
static __thread const struct parse_dictionary *current;

const struct parse_dictionary *parse_dict_use(const struct parse_dictionary *dict)
{
	const struct parse_dictionary *old = current;

	current = dict;
	return old;
}

static const struct parse_dictionary *dict_now(void)
{
	return current != NULL ? current : parse_dictionary_default();
}

const struct parse_dict_label *parse_dict_label(const char *words)
{
	return g_hash_table_lookup(dict_now()->labels, words);
}

guint parse_dict_serial(void)
{
	return dict_now()->serial;
}

const GPtrArray *parse_dict_prefixes(void)
{
	return dict_now()->prefixes;
}

const GPtrArray *parse_dict_kind_words(enum parse_dict_kind kind)
{
	return dict_now()->kinds[kind];
}

const GPtrArray *parse_dict_grounds(void)
{
	return dict_now()->grounds;
}
