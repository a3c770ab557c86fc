/* parse.h - raw RFC 5322 bytes -> the record of FIELDS.md.
 *
 * The pure core: no network, no database, no clock. GMime reads the bytes from
 * a memory stream; everything the message carries that FIELDS.md names ends up
 * in a struct parse_record. Values the message does not give are NULL (strings),
 * PARSE_TRI_NULL (tri-state) or empty arrays.
 *
 * Ownership: parse_message() returns a record owned by the caller, freed with
 * parse_record_free(). Every string in it is a g_malloc'd UTF-8 string owned by
 * the record. The GPtrArrays own their elements (free functions are set).
 */
#ifndef CMEGW_PARSE_H
#define CMEGW_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <glib.h>
#include <json-glib/json-glib.h>

#define PARSE_ERROR (parse_error_quark())
GQuark parse_error_quark(void);

enum parse_error_code {
	PARSE_ERROR_TOO_BIG,   /* a limit in struct parse_limits was hit */
	PARSE_ERROR_MIME,      /* the bytes are not a message GMime can read */
	PARSE_ERROR_DICTIONARY, /* a field dictionary that cannot be read */
};

enum parse_kind {
	PARSE_KIND_UNKNOWN,
	PARSE_KIND_REFERRAL,
	PARSE_KIND_OFF_ROLL,
	PARSE_KIND_ON_ROLL,
	PARSE_KIND_REPLY,
	PARSE_KIND_BOUNCE,
	PARSE_KIND_AUTO_REPLY,
};

/* parse_kind_name - the FIELDS.md spelling ("referral", "auto_reply", ...) */
const char *parse_kind_name(enum parse_kind kind);

enum parse_tri { PARSE_TRI_NULL = -1, PARSE_TRI_FALSE = 0, PARSE_TRI_TRUE = 1 };

/* The field dictionary (data/fields.conf): the labels forms use and what they
 * mean, the words that name a kind of message and the deletion grounds. */
struct parse_dictionary;

/* parse_dictionary_new - read a dictionary from TEXT (LEN bytes, the
 * fields.conf format). Returns a dictionary owned by the caller, or NULL with
 * ERROR set (PARSE_ERROR_DICTIONARY, the message names the line). */
struct parse_dictionary *parse_dictionary_new(const char *text, size_t len, GError **error);
void parse_dictionary_free(struct parse_dictionary *dict);
/* parse_dictionary_default - the copy of data/fields.conf built into the
 * binary, used when struct parse_limits names none (borrowed, never freed) */
const struct parse_dictionary *parse_dictionary_default(void);
/* parse_dictionary_size - number of labels it knows */
unsigned parse_dictionary_size(const struct parse_dictionary *dict);

/* Limits: a message over one comes back as kind unknown with an issue
 * (field "message") naming the limit. 0 is no limit. */
struct parse_limits {
	size_t max_message_bytes;   /* the raw message */
	unsigned max_mime_depth;    /* nesting of multiparts and attached messages */
	unsigned max_parts;         /* MIME parts */
	size_t max_attachment_bytes; /* one part, transfer encoding undone */
	size_t max_decoded_bytes;   /* all parts read, transfer encoding undone */
	const struct parse_dictionary *dictionary; /* borrowed; NULL: the built-in copy */
};

struct parse_issue {
	char *field;     /* dotted path, "child.upn", "carers.0.phone" */
	char *problem;   /* human sentence; may quote the value */
};

struct parse_carer {
	char *name, *relationship, *phone, *email;
	enum parse_tri parental_responsibility;
};

struct parse_sibling {
	char *name, *dob;
};

struct parse_child {
	char *forename, *middle_names, *surname, *preferred_name;
	char *dob;          /* YYYY-MM-DD */
	char *sex;          /* "female", "male" or NULL */
	char *upn;          /* upper case, no spaces, as written even when invalid */
	char *former_upn;   /* the first former UPN (CTF FormerUPN, "Former UPN"), as upn */
	char *ethnicity;
	enum parse_tri eal, fsm;
	char *sen;          /* "none", "sen_support", "ehcp" or NULL */
};

struct parse_record {
	enum parse_kind kind;
	struct {
		char *message_id;  /* without <> */
		char *from;        /* bare, lower case */
		char *subject;     /* decoded, folded */
		char *date;        /* ISO 8601 with offset */
	} message;
	char *case_ref;        /* CME-YYYY-NNNNNN or NULL */
	struct parse_child child;
	struct { char *text, *postcode; } address;
	GPtrArray *carers;     /* struct parse_carer * */
	GPtrArray *siblings;   /* struct parse_sibling * */
	struct {
		char *name, *laestab, *date_on_roll, *date_off_roll, *date_last_attended;
	} school;
	struct { char *name, *laestab; } previous_school;
	struct {
		char *school, *laestab, *address, *postcode, *country, *start_date;
	} destination;
	struct {
		char *ground, *text;
		char *regulation;   /* "ENG2024:9(1)(i)", "ENG2006:8(1)(h)": a regulation cited */
	} deletion;
	struct {
		GPtrArray *factors;   /* char *, FIELDS.md names, sorted, unique */
		char *notes;
	} risk;
	struct { char *name, *role, *organisation, *email, *phone; } referrer;
	GPtrArray *issues;    /* struct parse_issue * */
	/* kind bounce only (JSON "bounce", present on bounces): the first failed
	 * recipient, its DSN status ("5.1.1") and action ("failed"), the
	 * diagnostic as written, and the Message-ID (without <>) of the message
	 * that bounced: ours, when it was one we sent */
	struct {
		char *recipient, *status, *action, *diagnostic, *original_message_id;
	} bounce;
	/* a multi-pupil export (CSV rows, CTF pupils): the records of pupils
	 * 2..n, each complete on its own (same message, kind, case_ref), with its
	 * own issues; struct parse_record *, owned, never NULL, empty normally
	 * and always for bounces and auto-replies (JSON "more_pupils") */
	GPtrArray *more_pupils;

	/* Beyond the JSON contract: facts the router needs. */
	bool auto_submitted;      /* RFC 3834 / Precedence / Exchange signs: never answer */
	bool whereabouts_unknown; /* the form says the child's whereabouts are unknown */
	unsigned fields_found;    /* number of form fields recognised */
};

/* parse_message - read one message.
 * Returns NULL only when the bytes cannot be read as a message at all or a
 * limit is hit (error set, PARSE_ERROR domain). A message that is readable but
 * not understood is not an error: it comes back with kind PARSE_KIND_UNKNOWN
 * and fields_found 0. */
struct parse_record *parse_message(const char *data, size_t len,
				   const struct parse_limits *limits, GError **error);

void parse_record_free(struct parse_record *record);
/* the typedef exists only because g_autoptr() needs a one-word type name */
typedef struct parse_record parse_record;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(parse_record, parse_record_free)


/* parse_record_to_json - the FIELDS.md object, every key present.
 * Returns a new JsonNode owned by the caller. */
JsonNode *parse_record_to_json(const struct parse_record *record);

/* parse_record_has_factor - whether risk.factors holds FACTOR */
bool parse_record_has_factor(const struct parse_record *record, const char *factor);

/* Normalisers, exposed for the unit tests and for the router's matching.
 * Each returns a new string owned by the caller, or NULL when the input
 * cannot be read as one. */
char *parse_date_dayfirst(const char *text);       /* -> YYYY-MM-DD */
char *parse_postcode_normalise(const char *text);  /* -> "ME4 4TR" */
char *parse_phone_normalise(const char *text);     /* -> "07700900412" */

/* parse_upn_check - NULL when UPN (already upper-cased, no spaces) is valid
 * or a UN1..UN5 placeholder, else a static string saying what is wrong. */
const char *parse_upn_check(const char *upn);

#endif
