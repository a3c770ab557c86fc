/* route.h - record + what the register knows + policy -> decision.
 *
 * The pure heart: no I/O, no clock. What the register knows comes in through
 * struct route_view, a small table of read-only look-ups that the store
 * implements for real and the unit tests implement with plain data. Time comes
 * in as a parameter.
 */
#ifndef CMEGW_ROUTE_H
#define CMEGW_ROUTE_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include "parse/parse.h"

enum route_risk { ROUTE_RISK_STANDARD, ROUTE_RISK_HIGH, ROUTE_RISK_IMMEDIATE };
enum route_category {
	ROUTE_CATEGORY_MISSING,
	ROUTE_CATEGORY_WITHOUT_PLACE,
	ROUTE_CATEGORY_POTENTIAL,
	ROUTE_CATEGORY_REVIEW,
};

const char *route_risk_name(enum route_risk risk);          /* "immediate", ... */
const char *route_category_name(enum route_category cat);  /* "without_place", ... */

/* An open case as the register holds it (all strings borrowed from the view). */
struct route_case {
	int64_t id;
	const char *ref;
	enum route_risk risk;
	const char *residence_la;
};

/* A child with an open case, for matching (route_candidates_free frees
 * them: every string is owned by the candidate). */
struct route_candidate {
	int64_t id;
	char *ref;
	enum route_risk risk;
	char *residence_la;
	char *forename, *middle_names, *surname, *preferred_name, *dob, *upn;
	char *former_upn;
};
void route_candidate_free(struct route_candidate *c);

struct route_view {
	void *ctx;
	/* residence authority (ONS code) of a normalised postcode, NULL when unknown;
	 * the string is owned by the view and lives until the next call */
	const char *(*postcode_la)(void *ctx, const char *postcode);
	/* the open case of the child whose UPN or former UPN is UPN; false when none */
	bool (*case_by_upn)(void *ctx, const char *upn, struct route_case *case_r);
	/* the open case of the child with this surname and date of birth
	 * (surname compared case-insensitively); false when none */
	bool (*case_by_name_dob)(void *ctx, const char *surname, const char *dob,
				 struct route_case *case_r);
	/* the case with reference REF, open or closed */
	bool (*case_by_ref)(void *ctx, const char *ref, struct route_case *case_r);
	/* acknowledgements already queued to ADDRESS on the day of NOW */
	unsigned (*acks_today)(void *ctx, const char *address);
	/* optional: append to OUT (struct route_candidate *, new) the children of
	 * open cases with this date of birth, or this surname (NAME_KEY is
	 * route_name_key() of it); route_decide compares names itself */
	void (*candidates)(void *ctx, const char *name_key, const char *surname,
			   const char *dob, GPtrArray *out);
	/* optional: the case that our sent message MESSAGE_ID (without <>) was
	 * about, for replies that lost the subject tag */
	bool (*case_by_sent_message)(void *ctx, const char *message_id, struct route_case *case_r);
	/* optional: the address that sent the message which opened case CASE_ID,
	 * NULL when unknown (owned by the view, valid until the next call) */
	const char *(*case_referrer)(void *ctx, int64_t case_id);
};

/* ---- the calendar (route_calendar.c): days are GDate julian numbers ---- */
enum route_unit {
	ROUTE_UNIT_CALENDAR_DAYS,
	ROUTE_UNIT_WORKING_DAYS,   /* Mon-Fri, not an E&W bank holiday, not a closure */
	ROUTE_UNIT_SCHOOL_DAYS,    /* a working day inside a term (working day without terms) */
	ROUTE_UNIT_WEEKS,
	ROUTE_UNIT_HOURS,
};
#define ROUTE_MAX_HOLIDAYS 16

struct route_calendar {
	GHashTable *closures;   /* GUINT_TO_POINTER(julian) set of local closure days, or NULL */
	GArray *terms;          /* guint32 pairs: first and last day of each term, or NULL */
};

guint32 route_julian(int year, int month, int day);   /* 0 when not a date */
guint32 route_julian_parse(const char *iso);          /* "YYYY-MM-DD[T...]" -> day, 0 if bad */
char *route_julian_iso(guint32 day);                  /* -> "YYYY-MM-DD", caller owns */
/* route_bank_holidays - England and Wales bank holidays of YEAR, by rule with
 * the one-off changes applied, sorted; returns how many */
guint route_bank_holidays(int year, guint32 days_r[ROUTE_MAX_HOLIDAYS]);
bool route_is_bank_holiday(guint32 day);
/* route_holidays_compare - the disagreements between a published list of
 * England and Wales bank holidays (DAYS, any order) and the computed one, over
 * the years the list covers: a strv of "YYYY-MM-DD: ..." lines, owned by the
 * caller, empty when they agree */
char **route_holidays_compare(const guint32 *days, guint n);
bool route_is_working_day(const struct route_calendar *cal, guint32 day);
bool route_is_school_day(const struct route_calendar *cal, guint32 day);
const char *route_unit_name(enum route_unit unit);
bool route_unit_parse(const char *text, enum route_unit *unit_r);
/* route_add_days - the day N units after FROM (FROM itself not counted) */
guint32 route_add_days(const struct route_calendar *cal, guint32 from, int n, enum route_unit unit);
/* route_terms_parse - a term dates file: lines "YYYY-MM-DD YYYY-MM-DD [name]",
 * '#' comments. *terms_r is new (caller owns), or false with *error_r set. */
bool route_terms_parse(const char *text, GArray **terms_r, char **error_r);

/* ---- compulsory school age (DOMAIN.md §3) ---- */
enum route_age { ROUTE_AGE_UNKNOWN, ROUTE_AGE_UNDER, ROUTE_AGE_COMPULSORY, ROUTE_AGE_OVER };
guint32 route_csa_start(guint32 dob);   /* first day of compulsory school age */
guint32 route_csa_end(guint32 dob);     /* last day (the school leaving date) */
enum route_age route_school_age(const char *dob, guint32 on);

/* ---- deadline rules (route_deadlines.c) ---- */
struct route_policy;
struct route_deadline_rule {
	char *name;         /* the deadline's kind */
	char *trigger;      /* an event (opened, opened_KIND, risk_LEVEL, category_CAT) or an earlier rule */
	int offset;
	enum route_unit unit;
	char *action;       /* reminder, escalate, review, visit, report ... */
	char **to;          /* recipient list names ([recipients] keys) */
	char **stop_on;     /* events that stop the clock: reply, closed, located */
	char **escalate;    /* recipient list names told when it passes */
};
/* route_deadline_rule_parse - "TRIGGER OFFSET UNIT ACTION [to=L,L] [stop=E,E]
 * [escalate=L,L]"; a new rule, or NULL with *error_r set */
struct route_deadline_rule *route_deadline_rule_parse(const char *name, const char *text,
						      char **error_r);
void route_deadline_rule_free(struct route_deadline_rule *rule);
/* route_trigger_known - whether TRIGGER is an event route_decide starts clocks on */
bool route_trigger_known(const char *trigger);

struct route_deadline {
	char *kind, *due;   /* due: YYYY-MM-DD, or an ISO 8601 UTC time for hours */
	char *action, *to, *stop_on, *escalate;   /* lists joined with ',' */
};
void route_deadline_free(struct route_deadline *deadline);
/* route_deadlines_for - append to OUT the deadlines that the events in
 * TRIGGERS start at NOW under POLICY's rules and calendar */
void route_deadlines_for(const struct route_policy *policy, const char *const *triggers,
			 GDateTime *now, GPtrArray *out);

/* route_education_la - the education (CME) authority of a postcode from its
 * directory columns: the county (cty) in two-tier English areas (E10...), else
 * the district/unitary (laua); NULL when neither is a nine-character code
 * (borrowed: one of the arguments) */
const char *route_education_la(const char *cty, const char *laua);

/* route_name_key - a name for matching: case folded, accents removed, only
 * letters and digits kept ("O'Brien-Smith" -> "obriensmith"); caller owns */
char *route_name_key(const char *name);

struct route_policy {
	const char *our_la;             /* ONS code of this authority */
	const char *our_address;        /* the CME mailbox */
	const char *our_from;           /* the gateway's sending address */
	char **team;                    /* strv */
	char **safeguarding_hub;        /* strv, may be empty */
	GHashTable *neighbours;         /* ONS code -> CME address */
	GHashTable *la_numbers;         /* "887" -> "E06000035" (current codes) */
	char **risk_immediate;          /* factor names */
	char **risk_high;
	unsigned ack_daily_cap;

	/* issue 5: the authority's procedure */
	char **ehe_team, **neet, **police, **social_care;   /* strv, may be NULL/empty */
	enum route_over_age {
		ROUTE_OVER_AGE_CLOSE,   /* recorded with the reason, no case */
		ROUTE_OVER_AGE_NEET,    /* neet_notice to [recipients] neet, no case */
		ROUTE_OVER_AGE_CASE,    /* opened like any other */
	} over_age;
	GHashTable *postcode_fallback;  /* "ME4" or "ME4 4" -> ONS code, or NULL */
	struct route_calendar calendar;
	GPtrArray *deadline_rules;      /* struct route_deadline_rule *, in order, or NULL */
	bool referrer_on_close;         /* tell the case's referrer when it is closed */
};

enum route_action {
	ROUTE_ACTION_IGNORE,    /* nothing to do (auto-reply, bounce): recorded only */
	ROUTE_ACTION_OPEN,      /* open a new case */
	ROUTE_ACTION_UPDATE,    /* add to an existing case */
	ROUTE_ACTION_REVIEW,    /* a person must look: message to the review folder */
	ROUTE_ACTION_CLOSE,     /* close the case (outcome), stopping its clocks */
};

struct route_notice {
	char *kind;       /* FIELDS.md outbox kind: "ack_referrer", ... */
	char **to;        /* strv of addresses */
	char *reason;     /* why, for the audit trail: "risk immediate (cp_plan)" */
};

struct route_decision {
	enum route_action action;
	int64_t case_id;          /* UPDATE: the case */
	char *case_ref;           /* UPDATE: its reference */
	enum route_category category;
	enum route_risk risk;
	char *residence_la;       /* ONS code or NULL */
	char *school_la;          /* ONS code or NULL */
	char *reason;             /* one line: why this action (review reason too) */
	GPtrArray *notices;       /* struct route_notice * */
	GPtrArray *deadlines;     /* struct route_deadline *: clocks a new case starts */
	char **stop_events;       /* strv or NULL: events that stop open clocks ("reply") */
	char *outcome;            /* CLOSE: "on_roll", ... */
	char *detail;             /* for the register's audit trail only (may name the school):
				   * NULL: reason. Notices carry reason, never detail. */
	GPtrArray *siblings;      /* struct route_candidate *: open cases of the siblings the
				   * record names (same name and date of birth), to link */
};

/* route_decide - the decision for RECORD. Never fails: what cannot be decided
 * becomes ROUTE_ACTION_REVIEW with the reason. Returns a decision owned by
 * the caller. */
struct route_decision *route_decide(const struct parse_record *record,
				    const struct route_view *view,
				    const struct route_policy *policy);
/* route_decide_at - the same at time NOW (the receiving time): the school-age
 * test and the clocks need it; route_decide(r, v, p) is route_decide_at(r, v, p, NULL),
 * which skips both */
struct route_decision *route_decide_at(const struct parse_record *record,
				       const struct route_view *view,
				       const struct route_policy *policy, GDateTime *now);
/* route_officer_close - what an officer's closing of open case CASE by hand
 * with OUTCOME sends: with policy->referrer_on_close, case_closed_referrer to
 * whom the referral was acknowledged (the view's case_referrer), under the
 * rules an on-roll closure follows. Returns a decision (action CLOSE, the
 * case's id, reference and risk) owned by the caller. */
struct route_decision *route_officer_close(const struct route_case *c, const char *outcome,
					   const struct route_view *view,
					   const struct route_policy *policy);
void route_decision_free(struct route_decision *decision);
/* the typedef exists only because g_autoptr() needs a one-word type name */
typedef struct route_decision route_decision;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(route_decision, route_decision_free)


/* route_risk_of - the risk level of RECORD under POLICY; *why_r (may be NULL)
 * gets the factors that set it, caller owns it */
enum route_risk route_risk_of(const struct parse_record *record,
			      const struct route_policy *policy, char **why_r);

/* route_la_of_laestab - ONS code of the LA of a seven-digit LAESTAB, or NULL
 * (borrowed from policy->la_numbers) */
const char *route_la_of_laestab(const struct route_policy *policy, const char *laestab);

/* route_la_numbers_parse - the la-codes.csv text (la_number,ons_code,name,
 * country,ended) -> "887" -> "E06000035" for current codes. Returns a new
 * table owned by the caller, or NULL with a message in *error_r. */
GHashTable *route_la_numbers_parse(const char *csv_text, char **error_r);

/* route_la_names_parse - the same text -> "E06000035" -> "Medway", every
 * code (ended ones too). Returns a new table owned by the caller; rows it
 * cannot read are skipped (route_la_numbers_parse reports them). */
GHashTable *route_la_names_parse(const char *csv_text);

#endif
