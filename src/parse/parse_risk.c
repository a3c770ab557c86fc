/* parse_risk.c - risk questions and free text -> risk.factors */
#include <string.h>

#include "parse/parse_p.h"

#define LABEL_ONLY 1u   /* a short code that counts only in a question's label */
#define STEM       2u   /* the last word may go on: "traveller" -> "travellers" */
#define TEXT_ONLY  4u

struct risk_word {
	const char *words;
	const char *factor;
	unsigned flags;
};

static const struct risk_word risk_words[] = {
	{ "child protection", "cp_plan", 0 },
	{ "cp plan", "cp_plan", 0 },
	{ "cp register", "cp_plan", 0 },
	{ "protection plan", "cp_plan", 0 },
	{ "section 47", "cp_plan", 0 },
	{ "s47", "cp_plan", 0 },
	{ "cp", "cp_plan", LABEL_ONLY },
	{ "child in need", "cin_plan", 0 },
	{ "children in need", "cin_plan", 0 },
	{ "cin plan", "cin_plan", 0 },
	{ "section 17", "cin_plan", 0 },
	{ "cin", "cin_plan", LABEL_ONLY },
	{ "looked after", "looked_after", 0 },
	{ "child in care", "looked_after", 0 },
	{ "children in care", "looked_after", 0 },
	{ "care leaver", "looked_after", STEM },
	{ "privately fostered", "looked_after", 0 },
	{ "private fostering", "looked_after", 0 },
	{ "foster care", "looked_after", 0 },
	{ "foster placement", "looked_after", 0 },
	{ "in care", "looked_after", LABEL_ONLY },
	{ "lac", "looked_after", LABEL_ONLY },
	{ "cla", "looked_after", LABEL_ONLY },
	{ "cic", "looked_after", LABEL_ONLY },
	{ "sexual exploitation", "cse", 0 },
	{ "sexually exploited", "cse", 0 },
	{ "cse", "cse", 0 },
	{ "criminal exploitation", "criminal_exploitation", 0 },
	{ "criminally exploited", "criminal_exploitation", 0 },
	{ "county lines", "criminal_exploitation", 0 },
	{ "cce", "criminal_exploitation", 0 },
	{ "gang", "criminal_exploitation", STEM },
	{ "drug running", "criminal_exploitation", 0 },
	{ "trafficking", "trafficking", 0 },
	{ "trafficked", "trafficking", 0 },
	{ "modern slavery", "trafficking", 0 },
	{ "fgm", "fgm", 0 },
	{ "female genital mutilation", "fgm", 0 },
	{ "forced marriage", "forced_marriage", 0 },
	{ "honour based", "forced_marriage", 0 },
	{ "honour abuse", "forced_marriage", 0 },
	{ "honour violence", "forced_marriage", 0 },
	{ "hbv", "forced_marriage", 0 },
	{ "hba", "forced_marriage", 0 },
	{ "radicalisation", "radicalisation", 0 },
	{ "radicalization", "radicalisation", 0 },
	{ "radicalised", "radicalisation", 0 },
	{ "extremism", "radicalisation", 0 },
	{ "extremist", "radicalisation", STEM },
	{ "prevent referral", "radicalisation", 0 },
	{ "missing episode", "missing_episodes", STEM },
	{ "missing from home", "missing_episodes", 0 },
	{ "missing from care", "missing_episodes", 0 },
	{ "missing person", "missing_episodes", STEM },
	{ "reported missing", "missing_episodes", 0 },
	{ "misper", "missing_episodes", STEM },
	{ "runaway", "missing_episodes", STEM },
	{ "run away", "missing_episodes", 0 },
	{ "ran away", "missing_episodes", 0 },
	{ "running away", "missing_episodes", 0 },
	{ "abduction", "missing_episodes", 0 },
	{ "abducted", "missing_episodes", 0 },
	{ "traveller", "grt", STEM },
	{ "traveler", "grt", STEM },
	{ "gypsy", "grt", 0 },
	{ "gypsies", "grt", 0 },
	{ "roma", "grt", 0 },
	{ "grt", "grt", 0 },
	{ "highly mobile", "grt", 0 },
	{ "mobile family", "grt", 0 },
	{ "high mobility", "grt", 0 },
	{ "showmen", "grt", 0 },
	{ "boater", "grt", STEM },
	{ "asylum", "refugee_asylum", 0 },
	{ "refugee", "refugee_asylum", STEM },
	{ "new migrant", "refugee_asylum", STEM },
	{ "newly arrived", "refugee_asylum", 0 },
	{ "unaccompanied", "refugee_asylum", 0 },
	{ "uasc", "refugee_asylum", 0 },
	{ "domestic abuse", "domestic_abuse", 0 },
	{ "domestic violence", "domestic_abuse", 0 },
	{ "toxic trio", "domestic_abuse", 0 },
	{ "dv", "domestic_abuse", LABEL_ONLY },
	{ "parental mental health", "parental_needs", 0 },
	{ "parents mental health", "parental_needs", 0 },
	{ "mothers mental health", "parental_needs", 0 },
	{ "fathers mental health", "parental_needs", 0 },
	{ "mums mental health", "parental_needs", 0 },
	{ "dads mental health", "parental_needs", 0 },
	{ "parental needs", "parental_needs", 0 },
	{ "substance misuse", "parental_needs", 0 },
	{ "substance abuse", "parental_needs", 0 },
	{ "drug misuse", "parental_needs", 0 },
	{ "alcohol misuse", "parental_needs", 0 },
	{ "parental substance", "parental_needs", 0 },
	{ "toxic trio", "parental_needs", 0 },
	{ "homeless", "homeless", STEM },
	{ "temporary accommodation", "homeless", 0 },
	{ "refuge", "homeless", 0 },
	{ "hostel", "homeless", 0 },
	{ "sofa surfing", "homeless", 0 },
	{ "no fixed abode", "homeless", 0 },
	{ "ehcp", "sen", TEXT_ONLY },
	{ "ehc plan", "sen", TEXT_ONLY },
	{ "young carer", "young_carer", STEM },
	{ "youth justice", "youth_justice", 0 },
	{ "youth offending", "youth_justice", 0 },
	{ "yot", "youth_justice", 0 },
	{ "yos", "youth_justice", 0 },
	{ "offending", "youth_justice", 0 },
	{ "anti social behaviour", "youth_justice", 0 },
	{ "asb", "youth_justice", 0 },
	{ "arrested", "youth_justice", 0 },
	{ "excluded", "excluded", 0 },
	{ "exclusion", "excluded", STEM },
	{ "suspension", "excluded", STEM },
	{ "suspended", "excluded", 0 },
	{ "teenage parent", "teenage_parent", STEM },
	{ "teenage pregnancy", "teenage_parent", 0 },
	{ "teenage mother", "teenage_parent", 0 },
	{ "teenage father", "teenage_parent", 0 },
	{ "young parent", "teenage_parent", STEM },
	{ "pregnant", "teenage_parent", 0 },
	{ "removal from the uk", "removal_from_uk", 0 },
	{ "removal from uk", "removal_from_uk", 0 },
	{ "removed from the uk", "removal_from_uk", 0 },
	{ "taken abroad", "removal_from_uk", 0 },
	{ "taken out of the country", "removal_from_uk", 0 },
	{ "taken out of the uk", "removal_from_uk", 0 },
	{ "immigration", "removal_from_uk", 0 },
	{ "deportation", "removal_from_uk", 0 },
	{ "deported", "removal_from_uk", 0 },
	{ "safeguarding concern", "safeguarding_concern", STEM },
};

static const char *const negators[] = {
	"no", "not", "nil", "none", "never", "without", "denies", "denied", "neither",
	"nor", "nothing", "ruled", NULL,
};
static const char *const scope_ends[] = {
	"and", "but", "however", "although", "though", "whereas", "yet", "also", NULL,
};

static bool word_is(const char *w, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(w, *list) == 0)
			return true;
	return false;
}

/* match_at - whether the words PHRASE start at word I of WORDS; with STEM
 * its last word need only start the word of WORDS */
static bool match_at(char **words, guint n, guint i, const char *phrase, bool stem)
{
	const char *q = phrase;

	for (guint k = i; k < n; k++) {
		const char *w = words[k];

		while (*q != '\0' && *q != ' ' && *w == *q) {
			w++;
			q++;
		}
		if (*q == '\0')
			return stem || *w == '\0';
		if (*q != ' ' || *w != '\0')
			return false;
		q++;   /* the phrase's next word, against the next of WORDS */
	}
	return false;
}

/* negation_before - how the words before word I bear on it: 0 none,
 * 1 negated ("no known CSE"), 2 unsure ("not sure if CSE") */
static int negation_before(char **words, guint i)
{
	for (guint back = 1; back <= 5 && back <= i; back++) {
		const char *w = words[i - back];

		if (word_is(w, scope_ends))
			return 0;
		if (strcmp(w, "unsure") == 0 || strcmp(w, "uncertain") == 0 ||
		    (strcmp(w, "not") == 0 && strcmp(words[i - back + 1], "sure") == 0))
			return 2;
		if (word_is(w, negators))
			return 1;
	}
	return 0;
}

/* hit_add - FACTOR once; sure beats not sure */
static size_t hit_add(struct parse_risk_hit *hits, size_t n, const char *factor, bool unsure)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(hits[i].factor, factor) == 0) {
			hits[i].unsure = hits[i].unsure && unsure;
			return n;
		}
	if (n == PARSE_RISK_MAX)
		return n;
	hits[n].factor = factor;
	hits[n].unsure = unsure;
	return n + 1;
}

/* The table by the first byte of its words, in table order: a word is
 * tried only against the entries that can start there. Built once. */
#define NO_ENTRY 0xffffu

static guint16 first_entry[256];                   /* first entry for a byte */
static guint16 next_entry[G_N_ELEMENTS(risk_words)]; /* the next with that byte */

static void index_build(void)
{
	static gsize done;

	if (g_once_init_enter(&done)) {
		guint16 last[256];

		for (size_t b = 0; b < 256; b++)
			first_entry[b] = last[b] = NO_ENTRY;
		for (size_t r = 0; r < G_N_ELEMENTS(risk_words); r++) {
			unsigned char b = (unsigned char)risk_words[r].words[0];

			next_entry[r] = NO_ENTRY;
			if (last[b] == NO_ENTRY)
				first_entry[b] = (guint16)r;
			else
				next_entry[last[b]] = (guint16)r;
			last[b] = (guint16)r;
		}
		g_once_init_leave(&done, 1);
	}
}

/* scan_clause - one clause's words against the table */
static size_t scan_clause(const char *clause, bool label, struct parse_risk_hit *hits, size_t n)
{
	char small[512];
	g_autofree char *big = NULL;
	char *w = parse_words_ascii(clause, small, sizeof small) ? small
		  : (big = parse_words(clause));
	char *stack[128];
	g_autofree char **heap = NULL;
	char **words = stack;
	guint nw = 0, cap = G_N_ELEMENTS(stack);

	if (w[0] == '\0')
		return n;
	/* split W in place at its single spaces (parse_words leaves no others) */
	for (char *p = w;;) {
		char *sp = strchr(p, ' ');

		if (nw == cap) {
			cap *= 2;
			if (heap == NULL) {
				heap = g_new(char *, cap);
				memcpy(heap, stack, sizeof stack);
			} else {
				heap = g_renew(char *, heap, cap);
			}
			words = heap;
		}
		words[nw++] = p;
		if (sp == NULL)
			break;
		*sp = '\0';
		p = sp + 1;
	}
	for (guint i = 0; i < nw; i++)
		for (guint r = first_entry[(unsigned char)words[i][0]]; r != NO_ENTRY;
		     r = next_entry[r]) {
			const struct risk_word *rw = &risk_words[r];
			int neg;

			if ((rw->flags & LABEL_ONLY) && !label)
				continue;
			if ((rw->flags & TEXT_ONLY) && label)
				continue;
			if (!match_at(words, nw, i, rw->words, (rw->flags & STEM) != 0))
				continue;
			neg = label ? 0 : negation_before(words, i);
			if (neg != 1)
				n = hit_add(hits, n, rw->factor, neg == 2);
		}
	return n;
}

/* the bytes that end a clause: sentence punctuation, commas, brackets,
 * new lines (and the end of the text) */
static const bool clause_end[256] = {
	['\0'] = true, ['.'] = true, [';'] = true, ['!'] = true, ['?'] = true,
	['\n'] = true, [','] = true, ['('] = true, [')'] = true,
};

/* Free text beyond this is not read for risks (bounded work). */
#define MAX_SCAN 16384

size_t parse_risk_scan(const char *text, bool label, struct parse_risk_hit *hits_r)
{
	/* a copy of no more than MAX_SCAN bytes (not a MAX_SCAN buffer each time) */
	g_autofree char *t = g_strndup(text != NULL ? text : "",
				       text != NULL ? strnlen(text, MAX_SCAN) : 0);
	size_t n = 0;
	char *p = t;

	index_build();
	/* clauses end at sentence punctuation, commas, dashes and new lines */
	for (char *q = t;; q++) {
		bool end = clause_end[(unsigned char)*q] ||
			   (*q == '-' && q > t && q[-1] == ' ') ||
			   strncmp(q, "\xe2\x80\x93", 3) == 0;   /* en dash */

		if (!end)
			continue;
		{
			char saved = *q;

			*q = '\0';
			n = scan_clause(p, label, hits_r, n);
			if (saved == '\0')
				break;
			if (strncmp(q + 1, "\x80\x93", 2) == 0 && saved == '\xe2')
				q += 2;
			p = q + 1;
		}
	}
	return n;
}

static void add_hits(struct parse_record *r, GPtrArray *unsure,
		     const struct parse_risk_hit *hits, size_t n, bool all_unsure)
{
	for (size_t i = 0; i < n; i++) {
		parse_factor_add(r, hits[i].factor);
		if ((all_unsure || hits[i].unsure) && unsure != NULL)
			g_ptr_array_add(unsure, (gpointer)hits[i].factor);
	}
}

void parse_risk_question(struct parse_record *r, GPtrArray *unsure, const char *label,
			 const char *value)
{
	struct parse_risk_hit q[PARSE_RISK_MAX], t[PARSE_RISK_MAX];
	size_t nq = parse_risk_scan(label, true, q);
	size_t nt;

	if (value == NULL || nq == 0)
		return;
	nt = parse_risk_scan(value, false, t);
	if (parse_answer_unsure(value)) {
		add_hits(r, unsure, q, nq, true);
	} else {
		enum parse_tri tri = parse_tri_read(value);

		if (tri == PARSE_TRI_TRUE ||
		    (tri == PARSE_TRI_NULL && !parse_value_blank(value)))
			add_hits(r, unsure, q, nq, false);
	}
	add_hits(r, unsure, t, nt, false);
}

/* says_none - free text that says there is nothing to report */
static bool says_none(const char *value)
{
	static const char *const starts[] = {
		"no", "none", "nil", "nothing", "not aware", "not known", "not applicable",
		"n a", "na", NULL,
	};
	static const char *const phrases[] = {
		" no concerns", " no safeguarding concerns", " no known concerns",
		" no known safeguarding concerns", " no current concerns", " not aware of any",
		NULL,
	};
	g_autofree char *w = parse_words(value);
	g_autofree char *padded = g_strconcat(" ", w, " ", NULL);

	if (parse_value_blank(value))
		return true;
	for (const char *const *s = starts; *s != NULL; s++) {
		size_t n = strlen(*s);

		if (strncmp(w, *s, n) == 0 && (w[n] == '\0' || w[n] == ' '))
			return true;
	}
	for (const char *const *s = phrases; *s != NULL; s++)
		if (strstr(padded, *s) != NULL)
			return true;
	return false;
}

void parse_risk_free_text(struct parse_record *r, GPtrArray *unsure, const char *value,
			  bool concerns)
{
	struct parse_risk_hit t[PARSE_RISK_MAX];
	size_t nt;
	bool named = false;

	if (value == NULL)
		return;
	nt = parse_risk_scan(value, false, t);
	add_hits(r, unsure, t, nt, false);
	for (size_t i = 0; i < nt; i++)
		named = named || strcmp(t[i].factor, "safeguarding_concern") != 0;
	if (!concerns || named)
		return;
	if (parse_answer_unsure(value)) {
		parse_factor_add(r, "safeguarding_concern");
		if (unsure != NULL)
			g_ptr_array_add(unsure, (gpointer)"safeguarding_concern");
	} else if (parse_tri_read(value) == PARSE_TRI_TRUE || !says_none(value)) {
		parse_factor_add(r, "safeguarding_concern");
	}
}

/* has_words - W (parse_words form) holds PHRASE as whole words */
static bool has_words(const char *w, const char *phrase)
{
	size_t n = strlen(phrase);

	for (const char *p = w; (p = strstr(p, phrase)) != NULL; p++)
		if ((p == w || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' '))
			return true;
	return false;
}

/* spelled_at - the ASCII text at P spells WORD (lower case letters), ASCII
 * case ignored, dots and apostrophes allowed between its letters: what the
 * text must hold for parse_words() of it to hold WORD */
static bool spelled_at(const char *p, const char *word)
{
	for (size_t k = 0;;) {
		if (((unsigned char)*p | 0x20) != (unsigned char)word[k])
			return false;
		p++;
		if (word[++k] == '\0')
			return true;
		while (*p == '.' || *p == '\'')
			p++;
	}
}

/* may_be_unknown - ASCII TEXT could name whereabouts or an address, or say
 * someone cannot be located or traced: what every phrase below needs */
static bool may_be_unknown(const char *text)
{
	for (const char *p = text; *p != '\0'; p++)
		switch ((unsigned char)*p | 0x20) {
		case 'w':
			if (spelled_at(p, "whereabouts"))
				return true;
			break;
		case 'a':
			if (spelled_at(p, "address"))
				return true;
			break;
		case 'l':
			if (spelled_at(p, "locat"))
				return true;
			break;
		case 't':
			if (spelled_at(p, "trac"))
				return true;
			break;
		default:
			break;
		}
	return false;
}

bool parse_whereabouts_unknown(const char *text)
{
	static const char *const phrases[] = {
		"whereabouts unknown", "whereabouts are unknown", "whereabouts is unknown",
		"whereabouts not known", "whereabouts are not known", "whereabouts remain unknown",
		"whereabouts are currently unknown", "whereabouts currently unknown",
		"no forwarding address", "without leaving a forwarding address",
		"address unknown", "address is unknown", "address not known",
		"address is not known", "cannot be located", "could not be located",
		"unable to locate", "unable to trace", "untraceable", "not been located",
		"cannot be traced", "could not be traced", "not been traced",
		NULL,
	};
	g_autofree char *w = NULL;
	const char *c;

	/* the shortest phrase, "untraceable", is 11 letters */
	if (text == NULL || strnlen(text, 11) < 11)
		return false;
	/* most values name none of what the phrases need, and in ASCII text
	 * that shows without reading the words */
	for (c = text; *c != '\0' && (unsigned char)*c < 0x80; c++)
		;
	if (*c == '\0' && !may_be_unknown(text))
		return false;
	w = parse_words(text);
	if (strstr(w, "whereabouts") == NULL && strstr(w, "address") == NULL &&
	    strstr(w, "locat") == NULL && strstr(w, "trac") == NULL)
		return false;
	for (const char *const *p = phrases; *p != NULL; p++)
		if (has_words(w, *p))
			return true;
	return false;
}
