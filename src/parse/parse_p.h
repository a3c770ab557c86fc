/* parse_p.h - internals shared by the files of src/parse/.
 *
 * The pipeline: parse_message.c walks the MIME tree and reads the headers;
 * each text part becomes a struct parse_form (a flat list of headings and
 * label/value fields, from parse_form.c for plain text or parse_html.c for
 * HTML); parse_fields.c maps a form onto a struct parse_draft (the record
 * plus what is only known once the kind is decided); parse_risk.c reads risk
 * answers and free text; parse_normalise.c holds the value readers.
 *
 * Not for use outside src/parse/ (the unit tests excepted).
 */
#ifndef CMEGW_PARSE_P_H
#define CMEGW_PARSE_P_H

#include "parse/parse.h"

/* ---- the MIME walk (parse_mime.c) ---- */

struct _GMimeMessage;

enum parse_source {
	PARSE_SRC_TEXT, PARSE_SRC_HTML, PARSE_SRC_CSV, PARSE_SRC_JSON, PARSE_SRC_XML,
	PARSE_SRC_DOCX, PARSE_SRC_PDF,
};

/* A part to read: UTF-8 text, or the raw decoded bytes of a .docx or PDF. */
struct parse_text {
	enum parse_source source;
	char *data;
	size_t len;
	bool attachment;      /* Content-Disposition: attachment */
	char *name;           /* its file name, or NULL */
	unsigned alt;         /* inside multipart/alternative: its number (from 1), else 0 */
};

struct parse_walk {
	const struct parse_limits *limits;
	unsigned parts;
	size_t decoded;           /* bytes decoded so far */
	char *limit;              /* the first limit hit, as an issue's problem; NULL */
	bool is_dsn;              /* a message/delivery-status part */
	GString *dsn;             /* its text */
	char *bounced_ref;        /* a case tag in an attached message's subject */
	char *bounced_id;         /* the Message-ID of an attached message or headers */
	char *inner_from, *inner_name; /* the sender of an attached message */
	GPtrArray *texts;         /* struct parse_text * */
	unsigned alt, alts;       /* the alternative being walked (0: none), how many seen */
};

void parse_walk_init(struct parse_walk *w, const struct parse_limits *limits);
void parse_walk_clear(struct parse_walk *w);
/* parse_walk_message - decode the parts of MSG (a GMimeMessage *) into W */
void parse_walk_message(struct parse_walk *w, struct _GMimeMessage *msg);
/* parse_walk_original - note an attached original's Message-ID and case tag */
void parse_walk_original(struct parse_walk *w, struct _GMimeMessage *msg);
/* parse_read_from - the first mailbox of From: bare lower-case address and name */
void parse_read_from(struct _GMimeMessage *msg, char **addr_r, char **name_r);

/* ---- bounces (parse_bounce.c) ---- */

/* parse_bounce_read - recipient, status, action, diagnostic and the original
 * Message-ID from the report, else from the text of a non-standard bounce */
void parse_bounce_read(struct parse_record *record, const struct parse_walk *w);

/* ---- record building (parse_record.c) ---- */

struct parse_record *parse_record_new(void);
/* parse_issue_add - append {FIELD, PROBLEM} to the record's issues */
void parse_issue_add(struct parse_record *record, const char *field,
		     const char *fmt, ...) G_GNUC_PRINTF(3, 4);
/* parse_factor_add - add FACTOR (a static FIELDS.md name), keeping the list
 * sorted and unique */
void parse_factor_add(struct parse_record *record, const char *factor);
void parse_factor_remove(struct parse_record *record, const char *factor);
struct parse_carer *parse_carer_new(void);
struct parse_sibling *parse_sibling_new(void);

struct parse_arena;

/* ---- value readers (parse_normalise.c) ----
 * Every char * result belongs to the caller; NULL means "nothing there" or
 * "cannot be read", as each says. Inputs are UTF-8. */

/* parse_fold - trimmed, inner runs of white space (Unicode too) folded to one
 * space; NULL when nothing is left */
char *parse_fold(const char *text);
/* parse_fold_into - parse_fold into OUT, which has room for TEXT; returns
 * the length, 0 when nothing is left */
size_t parse_fold_into(char *out, const char *text);
/* parse_fold_into_len - parse_fold_into of TEXT's first LEN bytes (up to a
 * NUL before them); OUT has room for LEN + 1 */
size_t parse_fold_into_len(char *out, const char *text, size_t len);
/* parse_fold_arena - parse_fold, kept in arena A */
char *parse_fold_arena(struct parse_arena *a, const char *text);
/* parse_label_clean - parse_fold, then trailing colons and spaces dropped;
 * NULL when nothing is left */
char *parse_label_clean(const char *label);
/* parse_c1_fix - TEXT with C1 controls (U+0080..U+009F) read as the
 * Windows-1252 characters their senders meant: Outlook labels Windows-1252
 * text ISO-8859-1 ("=96" for an en dash in a subject) */
char *parse_c1_fix(const char *text);
/* parse_header_fold - a header's TEXT (any bytes) as valid UTF-8, folded,
 * with parse_c1_fix too when C1; NULL when nothing is left */
char *parse_header_fold(const char *text, bool c1);
/* parse_fold_ascii_lower - parse_fold, then lower case (Unicode's rules
 * beyond ASCII); NULL when nothing is left */
char *parse_fold_ascii_lower(const char *text);
/* parse_fold_lower - parse_fold, lower-cased; "" when nothing is left */
char *parse_fold_lower(const char *text);
/* parse_ascii_lower - C in lower case when it is an ASCII capital; inline,
 * for the loops that lower text a byte at a time */
static inline char parse_ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + ('a' - 'A')) : c;
}
/* parse_numbered - "HEAD N" ("Parent/carer 2"), newly allocated */
char *parse_numbered(const char *head, unsigned long n);
/* parse_path_n - "HEAD" N "TAIL" into BUF of CAP bytes ("carers.1.phone"),
 * cut short when it does not fit; returns BUF */
char *parse_path_n(char *buf, size_t cap, const char *head, unsigned long n, const char *tail);
/* parse_words - lower case, letters and digits only, every other run of
 * characters one space; dots and apostrophes vanish ("D.O.B." -> "dob",
 * "Child's" -> "childs"); "" when nothing is left */
char *parse_words(const char *text);
/* parse_words_ascii - parse_words() of ASCII TEXT into BUF (CAP bytes);
 * false, BUF unset, when TEXT is not ASCII or does not fit */
bool parse_words_ascii(const char *text, char *buf, size_t cap);
/* parse_words_has - W (parse_words form) holds the words PHRASE: PHRASE is
 * there with a space or the end of W on each side */
bool parse_words_has(const char *w, const char *phrase);
/* parse_words_has_any - parse_words_has() of any of the N PHRASES */
bool parse_words_has_any(const char *w, const char *const *phrases, size_t n);
/* parse_words_has_list - parse_words_has() of any of PHRASES (NULL-terminated) */
bool parse_words_has_list(const char *w, const char *const *phrases);
/* parse_value_blank - "", "-", "n/a", "tbc", "not known", ...: a form's way
 * of leaving a field empty */
bool parse_value_blank(const char *text);
/* parse_date_read - a day-first date -> YYYY-MM-DD; on failure NULL and
 * *PROBLEM_R (static) says why */
char *parse_date_read(const char *text, const char **problem_r);
/* parse_postcode_valid - whether PC (normalised) has a UK postcode shape */
bool parse_postcode_valid(const char *pc);
/* parse_postcode_find - the last UK postcode in TEXT: its byte offset and
 * length; false when there is none */
bool parse_postcode_find(const char *text, size_t *start_r, size_t *len_r);
char *parse_upn_normalise(const char *text);     /* upper case, no spaces */
char *parse_laestab_normalise(const char *text); /* 7 digits, XXXXXXX, MMMMMMM or NULL */
char *parse_email_normalise(const char *text);   /* first address, lower case, or NULL */
/* parse_tri_read - Yes/No/Y/N/True/False ("Yes - since 2024" is yes) */
enum parse_tri parse_tri_read(const char *text);
/* parse_answer_unsure - "Not sure", "Don't know", "Unknown" */
bool parse_answer_unsure(const char *text);
const char *parse_sex_read(const char *text);    /* "female", "male" or NULL */
const char *parse_sen_read(const char *text);    /* "none", "sen_support", "ehcp" or NULL */
/* parse_case_tag_find - the first "CME-YYYY-NNNNNN" in TEXT, upper case */
char *parse_case_tag_find(const char *text);

/* ---- arenas (parse_xml.c) ---- */

/* parse_arena - memory freed all at once: a page's tree, a form's items */
struct parse_arena {
	struct parse_arena_block *blocks;
};

void *parse_arena_alloc(struct parse_arena *a, size_t n);   /* zeroed, 8-aligned */
char *parse_arena_strndup(struct parse_arena *a, const char *s, size_t len);
void parse_arena_clear(struct parse_arena *a);

/* ---- forms (parse_form.c, parse_html.c) ---- */

enum parse_item_type {
	PARSE_ITEM_HEADING,   /* label: the heading text */
	PARSE_ITEM_FIELD,     /* label and value lines */
	PARSE_ITEM_TEXT,      /* prose outside any field: lines */
	PARSE_ITEM_FORWARD,   /* a "forwarded message" marker */
};

/* parse_lines - an item's lines; read them as a GPtrArray's: ->len and
 * g_ptr_array_index() */
struct parse_lines {
	char **pdata;
	guint len, cap;
};

/* An item and its strings live in its form's arena, freed with the form. */
struct parse_item {
	enum parse_item_type type;
	char *label;          /* folded, as written */
	struct parse_lines *lines;   /* char *, folded, non-empty */
	struct parse_arena *arena;   /* its form's */
};

struct parse_form {
	struct parse_arena arena;    /* the items and their strings */
	GPtrArray *items;     /* struct parse_item * */
	GString *title;       /* <title>, headings: what the form says it is */
	/* an export of several pupils (CSV rows, CTF Pupil elements): the forms
	 * of pupils 2..n, each with the export's shared items (a CTF's schools)
	 * so it maps on its own; struct parse_form *, owned, never NULL */
	GPtrArray *pupils;
	unsigned pupils_over; /* pupils past PARSE_MAX_PUPILS, not read */
};

void parse_form_init(struct parse_form *form);
void parse_form_clear(struct parse_form *form);
/* A form with more items than this is not a form a person filled in: the
 * readers stop there. */
#define PARSE_MAX_ITEMS 4000

/* parse_form_add - append an item (NULL past PARSE_MAX_ITEMS) */
struct parse_item *parse_form_add(struct parse_form *form, enum parse_item_type type,
				  const char *label);
/* parse_item_add_line - append LINE folded (nothing when blank; IT may be NULL) */
void parse_item_add_line(struct parse_item *it, const char *line);
/* parse_item_add_lines - each line of TEXT ("\n" between them) added as
 * parse_item_add_line() adds it; the last line the item has room for
 * takes the rest of TEXT (IT may be NULL) */
void parse_item_add_lines(struct parse_item *it, const char *text);
/* parse_form_text - read "Label: value" lines. QUOTED_STOPS: stop at the
 * quoted original of a reply ("On ... wrote:", "-----Original Message-----");
 * returns whether it stopped there */
bool parse_form_text(struct parse_form *form, const char *text, bool quoted_stops);
/* parse_form_attachment - read a CSV, JSON, CTF XML, .docx or PDF form into
 * FORM; false when T is not one of those or cannot be read */
bool parse_form_attachment(struct parse_form *form, const struct parse_text *t);
/* parse_key_label - a machine key as a label ("dateOfBirth" -> "date Of Birth") */
char *parse_key_label(const char *key);
/* parse_form_docx - a Word form (parse_docx.c): table rows of label and
 * value cells, content controls, "Label: value" paragraphs */
bool parse_form_docx(struct parse_form *form, const char *data, size_t len);
/* parse_form_pdf - a fillable PDF (parse_pdf.c): AcroForm field names and values */
bool parse_form_pdf(struct parse_form *form, const char *data, size_t len);
/* parse_form_html - read table rows, headings and the text between them */
void parse_form_html(struct parse_form *form, const char *html, size_t len,
		     bool quoted_stops);

/* ---- light trees of XML and HTML pages (parse_xml.c) ---- */


/* An XML element or text, as libxml2's SAX interface reported it. Text
 * nodes have a NULL name; adjacent text is one node. */
struct parse_xnode {
	struct parse_xnode *children, *last, *next, *parent;
	const char *name;     /* local name (no prefix); NULL for text */
	const char *text;     /* a text node's text */
	const char *val;      /* XML: the attribute val (Word's w:val); HTML: an input's value */
	const char *cls, *id; /* HTML: the attributes class and id */
	unsigned char tag, kind;   /* HTML: parse_html.c's element number and kind */
};

struct parse_xtree {
	struct parse_arena arena;
	struct parse_xnode doc;          /* its children: the document's top level */
	struct parse_xnode *cur;
	GString *text;
	const char *const *skip;         /* elements not kept, with all below them */
	unsigned skipping;               /* depth inside a skipped element */
};

/* parse_xml_read - DATA (LEN bytes; ENCODING NULL: as the document says,
 * "UTF-8": UTF-8 whatever its declaration says) into T; elements named in
 * SKIP (NULL-terminated, may be NULL) are left out with what they hold. No
 * network, no DTD, no entities beyond XML's own. False when it is not
 * well-formed XML. T is cleared with parse_xml_clear() either way. */
bool parse_xml_read(struct parse_xtree *t, const char *data, size_t len, const char *encoding,
		    const char *const *skip);
void parse_xml_clear(struct parse_xtree *t);
/* Building a tree from SAX events, for parse_html.c as for parse_xml_read():
 * init; open an element (NULL when it is skipped: SKIP, or inside one),
 * text, close; flush at the end. */
void parse_xtree_init(struct parse_xtree *t, const char *const *skip);
struct parse_xnode *parse_xtree_open(struct parse_xtree *t, const char *name);
void parse_xtree_text(struct parse_xtree *t, const char *s, size_t len);
void parse_xtree_close(struct parse_xtree *t);
void parse_xtree_flush(struct parse_xtree *t);
/* parse_xml_root - the document element, NULL when there is none */
const struct parse_xnode *parse_xml_root(const struct parse_xtree *t);
/* parse_xml_content - append the text of N and all below it to OUT */
void parse_xml_content(const struct parse_xnode *n, GString *out);

/* ---- labels and fields (parse_fields.c) ---- */

enum parse_section {
	PARSE_SECT_NONE, PARSE_SECT_CHILD, PARSE_SECT_CARER, PARSE_SECT_REFERRER,
	PARSE_SECT_SCHOOL, PARSE_SECT_PREV_SCHOOL, PARSE_SECT_DEST,
	PARSE_SECT_SIBLING, PARSE_SECT_RISK,
};

enum parse_field {
	PARSE_F_NONE, PARSE_F_NAME, PARSE_F_FORENAME, PARSE_F_MIDDLE, PARSE_F_SURNAME,
	PARSE_F_PREFERRED, PARSE_F_DOB, PARSE_F_SEX, PARSE_F_UPN, PARSE_F_ETHNICITY,
	PARSE_F_EAL, PARSE_F_LANGUAGE, PARSE_F_FSM, PARSE_F_SEN, PARSE_F_EHCP,
	PARSE_F_ADDRESS, PARSE_F_ADDRESS_PART, PARSE_F_POSTCODE, PARSE_F_COUNTRY,
	PARSE_F_SCHOOL, PARSE_F_LAESTAB, PARSE_F_DATE_ON, PARSE_F_DATE_OFF,
	PARSE_F_DATE_LAST, PARSE_F_START, PARSE_F_PHONE, PARSE_F_EMAIL,
	PARSE_F_RELATIONSHIP, PARSE_F_PR, PARSE_F_ORG, PARSE_F_ROLE, PARSE_F_REASON,
	PARSE_F_SIBLINGS, PARSE_F_CONCERNS, PARSE_F_NOTES, PARSE_F_WHEREABOUTS,
	PARSE_F_RISK, PARSE_F_FROM, PARSE_F_FORMER_UPN,
};

struct parse_label {
	enum parse_field field;
	enum parse_section section;   /* from the label itself; NONE: the context's */
	int index;                    /* "Parent/carer 2" -> 1; -1 when not numbered */
	const char *relationship;     /* "Mother" for "Mother's name", else NULL */
	bool child;                   /* the label names the child ("Child's ...") */
	bool negative;                /* "whereabouts known": a No means unknown */
};

/* ---- the field dictionary (parse_dict.c) ---- */

struct parse_dict_label {
	enum parse_field field;
	enum parse_section section;
};

struct parse_dict_prefix {
	char *words;                 /* parse_words() form */
	enum parse_section section;
	char *relationship;          /* "Mother", or NULL */
};

struct parse_dict_ground {
	char *words;
	const char *ground;          /* static FIELDS.md name */
};

enum parse_dict_kind {
	PARSE_DICT_REFERRAL, PARSE_DICT_CME, PARSE_DICT_OFF_ROLL, PARSE_DICT_ON_ROLL,
	PARSE_DICT_KINDS,
};

/* parse_dict_use - the dictionary the lookups below use on this thread (NULL:
 * the built-in one) until the next call; returns the one used before */
const struct parse_dictionary *parse_dict_use(const struct parse_dictionary *dict);
/* lookups: borrowed from the dictionary in use */
const struct parse_dict_label *parse_dict_label(const char *words);
const GPtrArray *parse_dict_prefixes(void);        /* struct parse_dict_prefix * */
/* parse_dict_serial - a number no other dictionary of the process has (never 0) */
guint parse_dict_serial(void);
const GPtrArray *parse_dict_kind_words(enum parse_dict_kind kind); /* char * */
const GPtrArray *parse_dict_grounds(void);         /* struct parse_dict_ground * */

/* parse_label_classify - what the label LABEL (as written) asks for */
void parse_label_classify(const char *label, struct parse_label *out_r);
/* parse_label_memo - keep (ON) or drop the answers of parse_label_classify
 * on this thread; parse_message() keeps them for one message */
void parse_label_memo(bool on);
/* parse_heading_classify - the section a heading opens (NONE: not a known
 * heading); *INDEX_R and *REL_R as for struct parse_label */
enum parse_section parse_heading_classify(const char *heading, int *index_r,
					  const char **rel_r);
/* parse_label_multiline - whether the value of a field classified as INFO
 * may run on over lines */
bool parse_label_multiline(const struct parse_label *info);

/* What a form gives beyond the record, resolved once the kind is known. */
struct parse_draft {
	struct parse_record *record;
	char *title;               /* what the form says it is: <title>, headings */
	char *prev_name, *prev_laestab;
	char *prev_on, *prev_off, *prev_last; /* dates given under "Previous school" */
	char *start_date;          /* a start date with no school named */
	char *role_text;           /* the referrer's role as written */
	char *fwd_name, *fwd_email; /* the sender of a forwarded original */
	GPtrArray *unsure;         /* factors answered "not sure" (static strings) */
	bool child_named, child_dob, child_upn;
	bool fields_school_off, fields_school_on; /* off-roll / on-roll specific fields */
	/* what prose outside any field says (a member of the public's e-mail) */
	char *free_postcode, *free_school;
	int free_age;              /* "about 12", "a 9 year old"; -1 when none */
	bool free_child;           /* it is about a child out of school */
};

void parse_draft_init(struct parse_draft *draft);
void parse_draft_clear(struct parse_draft *draft);
/* parse_fields_map - map FORM onto DRAFT->record; counts fields_found */
void parse_fields_map(struct parse_draft *draft, const struct parse_form *form);
/* parse_fields_finish - what needs the kind (set in DRAFT->record first):
 * school or previous school, start date, postcodes split from addresses,
 * destination country, sen factor, risk notes, deletion */
void parse_fields_finish(struct parse_draft *draft);
/* parse_regulation_read - the ground a regulation reference in TEXT names
 * ("Reg 9(1)(i)", "regulation 8(1)(h)"), static; NULL when none. On a match
 * *REGULATION_R gets "ENG2024:9(1)(i)" (caller's) */
const char *parse_regulation_read(const char *text, char **regulation_r);
/* parse_deletion_ground - the FIELDS.md ground for a reason as written */
const char *parse_deletion_ground(const char *text);
/* parse_role_from_words - "school", "health", ... for a role, organisation
 * or relationship as written; NULL when nothing matches */
const char *parse_role_from_words(const char *text);
/* parse_role_from_domain - role from an address's domain ("sch", "nhs",
 * "police" labels); NULL when nothing matches */
const char *parse_role_from_domain(const char *email);

/* ---- risk (parse_risk.c) ---- */

#define PARSE_RISK_MAX 24

struct parse_risk_hit {
	const char *factor;   /* static FIELDS.md name */
	bool unsure;          /* "not sure whether ..." */
};

/* parse_risk_scan - the factors TEXT names, negated mentions ("no CSE
 * concerns") left out. LABEL: TEXT is a question's label, where short codes
 * (CP, CIN, LAC) count. Returns how many were stored in HITS_R (unique, at
 * most PARSE_RISK_MAX). */
size_t parse_risk_scan(const char *text, bool label, struct parse_risk_hit *hits_r);
/* parse_risk_question - a risk question LABEL answered VALUE */
void parse_risk_question(struct parse_record *record, GPtrArray *unsure,
			 const char *label, const char *value);
/* parse_risk_free_text - a free-text field. CONCERNS: the label asks for
 * safeguarding concerns, so a concern that names no factor still counts */
void parse_risk_free_text(struct parse_record *record, GPtrArray *unsure,
			  const char *value, bool concerns);
/* parse_whereabouts_unknown - TEXT says the child's whereabouts are unknown */
bool parse_whereabouts_unknown(const char *text);

/* ---- multi-pupil exports (parse_attach.c) ---- */

/* An attachment's pupils read, the first included; beyond it they are
 * counted (struct parse_form pupils_over) and the first record says so. */
#define PARSE_MAX_PUPILS 200

/* parse_form_new, parse_form_free - a form on the heap (a further pupil's) */
struct parse_form *parse_form_new(void);
void parse_form_free(gpointer form);

#endif
