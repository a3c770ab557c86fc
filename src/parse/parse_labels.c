/* parse_labels.c - what a form's labels and headings ask for: synonyms
 * (DOMAIN.md section 9), section prefixes ("Parent/carer 2 phone"), roles,
 * deletion grounds */
#include <string.h>

#include "parse/parse_p.h"

#define F(x) PARSE_F_##x
#define S(x) PARSE_SECT_##x

/* the words after a section name that number it: "Parent/carer 2" */
static int index_word(const char *w)
{
	static const char *const words[][3] = {
		{ "1", "one", "first" }, { "2", "two", "second" }, { "3", "three", "third" },
		{ "4", "four", "fourth" }, { "5", "five", "fifth" }, { "6", "six", "sixth" },
	};
	static const char *const ords[] = { "1st", "2nd", "3rd", "4th", "5th", "6th" };

	for (int i = 0; i < 6; i++) {
		if (strcmp(w, words[i][0]) == 0 || strcmp(w, words[i][1]) == 0 ||
		    strcmp(w, words[i][2]) == 0 || strcmp(w, ords[i]) == 0)
			return i;
	}
	return -1;
}

/* word_at_start - the length of PREFIX when W starts with it as whole words */
static size_t word_at_start(const char *w, const char *prefix)
{
	size_t n = strlen(prefix);

	if (strncmp(w, prefix, n) == 0 && (w[n] == '\0' || w[n] == ' '))
		return n;
	return 0;
}

/* base_find - the dictionary's entry for W, NULL when none */
static const struct parse_dict_label *base_find(const char *w)
{
	return parse_dict_label(w);
}

/* prefix_match - the longest section prefix W starts with; *REST_R points
 * past it and its number, *INDEX_R the number or -1 */
static const struct parse_dict_prefix *prefix_match(const char *w, const char **rest_r,
						     int *index_r)
{
	const GPtrArray *prefixes = parse_dict_prefixes();
	const struct parse_dict_prefix *best = NULL;
	size_t best_n = 0;

	for (guint i = 0; i < prefixes->len; i++) {
		const struct parse_dict_prefix *px = g_ptr_array_index(prefixes, i);
		size_t n = word_at_start(w, px->words);

		if (n > best_n) {
			best = px;
			best_n = n;
		}
	}
	if (best == NULL)
		return NULL;
	*rest_r = w + best_n;
	if (**rest_r == ' ')
		(*rest_r)++;
	*index_r = -1;
	if (**rest_r != '\0') {
		const char *sp = strchr(*rest_r, ' ');
		g_autofree char *first = sp != NULL ? g_strndup(*rest_r, (gsize)(sp - *rest_r))
						    : g_strdup(*rest_r);
		int idx = index_word(first);

		/* "Child's first name" is a first name, not child number one */
		if (idx >= 0 && base_find(*rest_r) == NULL) {
			*index_r = idx;
			*rest_r = sp != NULL ? sp + 1 : *rest_r + strlen(*rest_r);
		}
	}
	return best;
}

static void set_from_prefix(struct parse_label *out, const struct parse_dict_prefix *px, int index)
{
	out->section = px->section;
	out->index = index;
	out->relationship = px->relationship;
	out->child = px->section == PARSE_SECT_CHILD;
}

/* empty_rest - what a bare section name asks for: "Referrer", "Previous school" */
static enum parse_field empty_rest(enum parse_section s)
{
	switch (s) {
	case PARSE_SECT_SCHOOL: case PARSE_SECT_PREV_SCHOOL: case PARSE_SECT_DEST:
		return PARSE_F_SCHOOL;
	case PARSE_SECT_CARER: case PARSE_SECT_REFERRER: case PARSE_SECT_SIBLING:
	case PARSE_SECT_CHILD:
		return PARSE_F_NAME;
	default:
		return PARSE_F_NONE;
	}
}

/* lookup_prefixed - "Parent/carer 2 phone", "Referrer email", "Child's school" */
static bool lookup_prefixed(const char *w, struct parse_label *out)
{
	const char *rest;
	int index;
	const struct parse_dict_prefix *px = prefix_match(w, &rest, &index);
	const struct parse_dict_label *b;

	if (px == NULL)
		return false;
	if (*rest == '\0') {
		out->field = empty_rest(px->section);
		if (out->field == PARSE_F_NONE)
			return false;
		set_from_prefix(out, px, index);
		return true;
	}
	b = base_find(rest);
	if (b == NULL)
		return false;
	out->field = b->field;
	set_from_prefix(out, px, index);
	if (b->section != PARSE_SECT_NONE && px->section == PARSE_SECT_CHILD)
		out->section = b->section;   /* "Child's last known school" */
	return true;
}

/* lookup_of - "Name of child", "Date of birth of pupil", "Name of school" */
static bool lookup_of(const char *w, struct parse_label *out)
{
	const char *of = NULL;
	const struct parse_dict_label *b;
	const struct parse_dict_prefix *px;
	const char *rest;
	int index;
	g_autofree char *head = NULL;

	for (const char *p = w; (p = strstr(p, " of ")) != NULL; p++)
		of = p;
	if (of == NULL)
		return false;
	px = prefix_match(of + 4, &rest, &index);
	if (px == NULL || *rest != '\0')
		return false;
	head = g_strndup(w, (gsize)(of - w));
	if (strcmp(head, "name") == 0)
		b = NULL;
	else if ((b = base_find(head)) == NULL)
		return false;
	out->field = b != NULL ? b->field : empty_rest(px->section);
	if (out->field == PARSE_F_NONE)
		out->field = PARSE_F_NAME;
	set_from_prefix(out, px, index);
	return true;
}

/* lookup_contains - question-style labels: "Is the child eligible for free
 * school meals?", "Does this person have parental responsibility?" */
static bool lookup_contains(const char *w, struct parse_label *out, bool late)
{
	static const struct { const char *phrase; enum parse_field field; bool late; } rules[] = {
		{ "parental responsibility", F(PR), false },
		{ "free school meals", F(FSM), false }, { "fsm", F(FSM), false },
		{ "english as an additional language", F(EAL), false }, { "eal", F(EAL), false },
		{ "ehcp", F(EHCP), false }, { "ehc plan", F(EHCP), false },
		{ "education health and care plan", F(EHCP), false },
		{ "statement of special", F(EHCP), false },
		{ "special educational needs", F(SEN), false }, { "sen support", F(SEN), false },
		{ "sen", F(SEN), false }, { "send", F(SEN), false },
		{ "additional learning needs", F(SEN), false }, { "aln", F(SEN), false },
		{ "date of birth", F(DOB), false }, { "unique pupil number", F(UPN), false },
		{ "upn", F(UPN), false }, { "laestab", F(LAESTAB), false },
		{ "dfe number", F(LAESTAB), false }, { "whereabouts", F(WHEREABOUTS), false },
		{ "reason for leaving", F(REASON), false }, { "reason for removal", F(REASON), false },
		{ "reason for deletion", F(REASON), false },
		{ "date of admission", F(DATE_ON), false }, { "date on roll", F(DATE_ON), false },
		{ "date off roll", F(DATE_OFF), false }, { "date removed from roll", F(DATE_OFF), false },
		{ "last day of attendance", F(DATE_LAST), false },
		{ "date last attended", F(DATE_LAST), false },
		{ "postcode", F(POSTCODE), true }, { "email", F(EMAIL), true },
		{ "e mail", F(EMAIL), true }, { "telephone", F(PHONE), true },
		{ "phone", F(PHONE), true }, { "mobile", F(PHONE), true },
		{ "address", F(ADDRESS), true },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(rules); i++)
		if (rules[i].late == late && parse_words_has(w, rules[i].phrase)) {
			out->field = rules[i].field;
			if (rules[i].field == PARSE_F_PR)
				out->section = PARSE_SECT_CARER;
			return true;
		}
	return false;
}

/* strip_parens - LABEL without its "(...)" and "[...]" parts; *INNER_R gets
 * what was inside them */
static char *strip_parens(const char *label, char **inner_r)
{
	GString *out = g_string_new(NULL), *in = g_string_new(NULL);
	int depth = 0;

	for (const char *p = label; *p != '\0'; p++) {
		if (*p == '(' || *p == '[') {
			depth++;
			g_string_append_c(in, ' ');
		} else if ((*p == ')' || *p == ']') && depth > 0) {
			depth--;
		} else if (depth > 0) {
			g_string_append_c(in, *p);
		} else {
			g_string_append_c(out, *p);
		}
	}
	*inner_r = g_string_free(in, FALSE);
	return g_string_free(out, FALSE);
}

/* trim_words - drop question numbers in front ("1.", "Q3") and filler at
 * the end ("if known", "dd/mm/yyyy") */
static char *trim_words(const char *w)
{
	static const char *const fillers[] = {
		"if known", "if applicable", "if any", "please specify", "please state",
		"please give details", "please provide details", "if yes please give details",
		"if yes give details", "if so please give details", "dd mm yyyy", "dd mm yy",
		"yyyy mm dd", "yes no", "y n", "yes no unknown", "yes no not sure",
		"yes no dont know", "please tick", "optional", "required", "mandatory",
		"where known", "in full", "if different", "please", "yes no n a",
	};
	const char *p = w;
	char *out;
	bool again = true;

	while (g_ascii_isdigit(*p) || ((*p == 'q' || *p == 'Q') && g_ascii_isdigit(p[1]))) {
		const char *sp = strchr(p, ' ');

		if (sp == NULL)
			break;
		p = sp + 1;
	}
	out = g_strdup(p);
	while (again) {
		size_t n = strlen(out);

		again = false;
		for (size_t i = 0; i < G_N_ELEMENTS(fillers); i++) {
			size_t f = strlen(fillers[i]);

			if (n > f && out[n - f - 1] == ' ' && strcmp(out + n - f, fillers[i]) == 0) {
				out[n - f - 1] = '\0';
				again = true;
				break;
			}
		}
	}
	return out;
}

static void classify(const char *label, struct parse_label *out);

/* A parse classifies the same labels several times (the text reader, the
 * field mapper), and forms repeat the same labels message after message:
 * the answers are kept on the thread from one parse_message() call to the
 * next, for the dictionary they were read with (a new dictionary starts
 * afresh). The tables hold at most MEMO_MAX entries: past that they start
 * again, so memory stays bounded. Outside parse_message() they are not used. */
#define MEMO_MAX 10000

struct label_memo {
	GHashTable *labels;      /* label -> struct parse_label */
	GHashTable *headings;    /* heading -> struct heading_answer */
	guint serial;            /* the dictionary LABELS were read with */
	bool on;
};

struct heading_answer {
	enum parse_section section;
	int index;
	const char *rel;
};

static void memo_free(gpointer p)
{
	struct label_memo *m = p;

	g_hash_table_unref(m->labels);
	g_hash_table_unref(m->headings);
	g_free(m);
}

static GPrivate memo_key = G_PRIVATE_INIT(memo_free);

static struct label_memo *memo_get(void)
{
	struct label_memo *m = g_private_get(&memo_key);

	return m != NULL && m->on ? m : NULL;
}

void parse_label_memo(bool on)
{
	struct label_memo *m = g_private_get(&memo_key);

	if (!on) {
		if (m != NULL)
			m->on = false;
		return;
	}
	if (m == NULL) {
		m = g_new0(struct label_memo, 1);
		m->labels = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
		m->headings = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
		g_private_set(&memo_key, m);
	}
	if (m->serial != parse_dict_serial()) {
		g_hash_table_remove_all(m->labels);
		m->serial = parse_dict_serial();
	}
	m->on = true;
}

/* memo_insert - KEY -> a copy of the N bytes at VALUE */
static void memo_insert(GHashTable *t, const char *key, const void *value, size_t n)
{
	if (g_hash_table_size(t) >= MEMO_MAX)
		g_hash_table_remove_all(t);
	g_hash_table_insert(t, g_strdup(key), g_memdup2(value, n));
}

void parse_label_classify(const char *label, struct parse_label *out)
{
	struct label_memo *m = memo_get();
	struct parse_label *hit;

	if (m == NULL || label == NULL) {
		classify(label, out);
		return;
	}
	if ((hit = g_hash_table_lookup(m->labels, label)) != NULL) {
		*out = *hit;
		return;
	}
	classify(label, out);
	memo_insert(m->labels, label, out, sizeof *out);
}

/* classify - parse_label_classify without the memo */
static void classify(const char *label, struct parse_label *out)
{
	g_autofree char *inner = NULL;
	g_autofree char *outer = NULL;
	g_autofree char *raw = NULL;
	g_autofree char *w = NULL;
	const struct parse_dict_label *b;
	struct parse_risk_hit hits[PARSE_RISK_MAX];

	memset(out, 0, sizeof *out);
	out->index = -1;
	if (label == NULL)
		return;
	outer = strip_parens(label, &inner);
	raw = parse_words(outer);
	w = trim_words(raw);
	if (w[0] == '\0')
		return;
	if ((b = base_find(w)) != NULL) {
		out->field = b->field;
		out->section = b->section;
	} else if (!lookup_prefixed(w, out) && !lookup_of(w, out) &&
		   !lookup_contains(w, out, false)) {
		if (parse_risk_scan(w, true, hits) > 0)
			out->field = PARSE_F_RISK;
		else
			lookup_contains(w, out, true);
	}
	if (out->field == PARSE_F_WHEREABOUTS)
		out->negative = parse_words_has(w, "known") && !parse_words_has(w, "unknown") &&
				!parse_words_has(w, "not known");
	if (out->field != PARSE_F_NONE && out->section == PARSE_SECT_NONE && inner[0] != '\0') {
		g_autofree char *iw = parse_words(inner);
		const char *rest;
		int index;
		const struct parse_dict_prefix *px = prefix_match(iw, &rest, &index);

		if (px != NULL && *rest == '\0')
			set_from_prefix(out, px, index);
	}
}

bool parse_label_multiline(const struct parse_label *info)
{
	switch (info->field) {
	case PARSE_F_ADDRESS: case PARSE_F_CONCERNS: case PARSE_F_NOTES:
	case PARSE_F_SIBLINGS: case PARSE_F_REASON:
		return true;
	default:
		return false;
	}
}

/* heading_relationship - "Mother" for a mother's section, else NULL */
static const char *heading_relationship(const char *w)
{
	static const char *const mother[] = { "mother", "mothers", "mum", "mums", NULL };
	static const char *const father[] = { "father", "fathers", "dad", "dads", NULL };

	if (parse_words_has_list(w, mother))
		return "Mother";
	if (parse_words_has_list(w, father))
		return "Father";
	if (parse_words_has(w, "guardian"))
		return "Guardian";
	return NULL;
}

static enum parse_section heading_classify(const char *heading, int *index_r,
					 const char **rel_r);

enum parse_section parse_heading_classify(const char *heading, int *index_r, const char **rel_r)
{
	struct label_memo *m = memo_get();
	struct heading_answer a, *hit;

	if (m == NULL || heading == NULL)
		return heading_classify(heading, index_r, rel_r);
	if ((hit = g_hash_table_lookup(m->headings, heading)) == NULL) {
		a.section = heading_classify(heading, &a.index, &a.rel);
		memo_insert(m->headings, heading, &a, sizeof a);
		hit = &a;
	}
	*index_r = hit->index;
	*rel_r = hit->rel;
	return hit->section;
}

/* heading_classify - parse_heading_classify without the memo */
static enum parse_section heading_classify(const char *heading, int *index_r,
					 const char **rel_r)
{
	static const char *const referrer[] = {
		"referrer", "referrers", "referring", "referred by", "your details", "person making",
		"person completing", "completed by", "professional details", "professionals details",
		"about you", "your information", "reporter", "reported by", NULL,
	};
	static const char *const title[] = {
		"missing education", "cme", "referral", "notification", "form", NULL,
	};
	static const char *const prev[] = {
		"previous school", "previous schools", "previous setting", NULL,
	};
	static const char *const dest[] = {
		"destination", "new school", "receiving school", "moving to", "forwarding",
		"new address", "future address", "onward", NULL,
	};
	static const char *const sibling[] = {
		"sibling", "siblings", "brothers", "sisters", "other children", NULL,
	};
	static const char *const carer[] = {
		"parent", "parents", "carer", "carers", "mother", "father", "guardian", "guardians",
		"parental", "mum", "dad", "mothers", "fathers", NULL,
	};
	static const char *const school[] = {
		"school", "schools", "education", "setting", "attendance", "academy",
		"educational", NULL,
	};
	static const char *const risk[] = {
		"risk", "risks", "safeguarding", "concerns", "vulnerability", "vulnerabilities",
		"vulnerable", NULL,
	};
	static const char *const child[] = {
		"child", "childs", "children", "pupil", "pupils", "young person", "young persons",
		"student", "learner", "address", "personal details", "personal information", NULL,
	};
	g_autofree char *w = parse_words(heading);
	unsigned words = 1;

	*index_r = -1;
	*rel_r = NULL;
	for (const char *p = w; *p != '\0'; p++)
		words += *p == ' ';
	if (w[0] == '\0' || words > 6)
		return PARSE_SECT_NONE;
	if (parse_words_has_list(w, referrer))
		return PARSE_SECT_REFERRER;
	if (parse_words_has_list(w, title))
		return PARSE_SECT_CHILD;
	if (parse_words_has_list(w, prev))
		return PARSE_SECT_PREV_SCHOOL;
	if (parse_words_has_list(w, dest))
		return PARSE_SECT_DEST;
	if (parse_words_has_list(w, sibling) || parse_words_has_list(w, carer)) {
		g_auto(GStrv) parts = g_strsplit(w, " ", 0);

		for (char **p = parts; *p != NULL && *index_r < 0; p++)
			*index_r = index_word(*p);
		if (parse_words_has_list(w, sibling))
			return PARSE_SECT_SIBLING;
		*rel_r = heading_relationship(w);
		return PARSE_SECT_CARER;
	}
	if (parse_words_has_list(w, school))
		return PARSE_SECT_SCHOOL;
	if (parse_words_has_list(w, risk))
		return PARSE_SECT_RISK;
	if (parse_words_has_list(w, child))
		return PARSE_SECT_CHILD;
	return PARSE_SECT_NONE;
}

/* ---- roles ---- */

const char *parse_role_from_words(const char *text)
{
	static const struct { const char *role; const char *const words[24]; } roles[] = {
		{ "health", { "nurse", "health visitor", "health", "nhs", "gp", "doctor", "midwife",
			      "paediatrician", "paediatric", "hospital", "surgery", "camhs",
			      "clinic", "medical", "health visiting", "practice manager", NULL } },
		{ "police", { "police", "pc", "pcso", "constable", "detective", "sergeant",
			      "constabulary", "dc", NULL } },
		{ "social_care", { "social worker", "social care", "childrens services",
				   "childrens social care", "family support", "mash", "early help",
				   "csc", "social services", "family practitioner", "social work",
				   NULL } },
		{ "local_authority", { "council", "local authority", "education welfare", "ewo",
				       "ews", "cme officer", "cme", "admissions", "inclusion officer",
				       "virtual school", "education officer", "la", "borough",
				       "ehe officer", "elective home education", "send team",
				       "sen team", "county council", NULL } },
		{ "school", { "school", "academy", "teacher", "headteacher", "head teacher",
			      "head of year", "dsl", "designated safeguarding lead", "deputy head",
			      "senco", "pastoral", "principal", "college", "primary", "secondary",
			      "office manager", "business manager", "attendance lead",
			      "safeguarding lead", "learning mentor", "nursery", "infant",
			      "junior", NULL } },
		{ "public", { "parent", "mother", "father", "mum", "dad", "grandparent",
			      "grandmother", "grandfather", "aunt", "uncle", "neighbour",
			      "member of the public", "relative", "family friend", "friend",
			      "carer", "self", "public", "resident", NULL } },
	};
	g_autofree char *w = parse_words(text);

	if (w[0] == '\0')
		return NULL;
	for (size_t i = 0; i < G_N_ELEMENTS(roles); i++)
		if (parse_words_has_list(w, roles[i].words))
			return roles[i].role;
	return NULL;
}

/* label_is - the LEN bytes at S are WORD (lower case), ASCII case ignored */
static bool label_is(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && g_ascii_strncasecmp(s, word, len) == 0;
}

/* label_has - the LEN bytes at S hold WORD (lower case), ASCII case ignored */
static bool label_has(const char *s, size_t len, const char *word)
{
	size_t n = strlen(word);

	for (size_t i = 0; i + n <= len; i++)
		if (parse_ascii_lower(s[i]) == word[0] && g_ascii_strncasecmp(s + i, word, n) == 0)
			return true;
	return false;
}

const char *parse_role_from_domain(const char *email)
{
	const char *at = email != NULL ? strrchr(email, '@') : NULL;

	if (at == NULL)
		return NULL;
	/* each label of the domain where it lies, without splitting a copy */
	for (const char *s = at + 1;;) {
		const char *dot = strchr(s, '.');
		size_t len = dot != NULL ? (size_t)(dot - s) : strlen(s);

		if (label_is(s, len, "sch") || label_has(s, len, "school") ||
		    label_has(s, len, "academy"))
			return "school";
		if (label_is(s, len, "nhs"))
			return "health";
		if (label_is(s, len, "police") || label_is(s, len, "pnn"))
			return "police";
		if (dot == NULL)
			return NULL;
		s = dot + 1;
	}
}

/* ---- deletion grounds ---- */

/* The grounds by letter: England 2024 regulation 9(1), and the 2006
 * regulation 8(1) that older forms cite (DOMAIN.md section 1; the 2024
 * letters (f)-(n) are in the statutory order, marked inferred there). */
static const char *const reg9_2024[14] = {
	"registered_elsewhere", "nursery_not_continuing", "dual_registration_ended",
	"sao_amended", "sao_revoked", "home_education", "moved_away",
	"not_returned_from_leave", "absent_20_days", "medical", "custody", "died",
	"ceased_compulsory_age", "permanently_excluded",
};
static const char *const reg8_2006[14] = {
	"sao_amended", "registered_elsewhere", "dual_registration_ended", "home_education",
	"moved_away", "not_returned_from_leave", "medical", "absent_20_days", "custody", "died",
	"ceased_compulsory_age", "other", "permanently_excluded", "nursery_not_continuing",
};

const char *parse_regulation_read(const char *text, char **regulation_r)
{
	static GRegex *re;
	GMatchInfo *m = NULL;
	const char *ground = NULL;

	*regulation_r = NULL;
	if (text == NULL)
		return NULL;
	if (g_once_init_enter(&re)) {
		GRegex *r = g_regex_new("(?<![\\d(])(8|9)\\s*\\(\\s*1\\s*\\)\\s*\\(\\s*([a-n])\\s*\\)",
					G_REGEX_CASELESS | G_REGEX_OPTIMIZE, 0, NULL);

		g_once_init_leave(&re, r);
	}
	if (g_regex_match(re, text, 0, &m)) {
		g_autofree char *num = g_match_info_fetch(m, 1);
		g_autofree char *letter = g_match_info_fetch(m, 2);
		int i = g_ascii_tolower(letter[0]) - 'a';
		bool y2024 = num[0] == '9';

		ground = y2024 ? reg9_2024[i] : reg8_2006[i];
		if (!y2024 && i == 0 && strstr(text, "revok") != NULL)
			ground = "sao_revoked";
		*regulation_r = g_strdup_printf("%s:%c(1)(%c)", y2024 ? "ENG2024" : "ENG2006",
						num[0], g_ascii_tolower(letter[0]));
	}
	g_match_info_free(m);
	return ground;
}

const char *parse_deletion_ground(const char *text)
{
	const GPtrArray *grounds = parse_dict_grounds();
	g_autofree char *w = parse_words(text);

	if (w[0] == '\0')
		return NULL;
	for (guint i = 0; i < grounds->len; i++) {
		const struct parse_dict_ground *g = g_ptr_array_index(grounds, i);

		if (parse_words_has(w, g->words))
			return g->ground;
	}
	return "other";
}
