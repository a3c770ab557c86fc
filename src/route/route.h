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

struct route_view {
	void *ctx;
	/* residence authority (ONS code) of a normalised postcode, NULL when unknown;
	 * the string is owned by the view and lives until the next call */
	const char *(*postcode_la)(void *ctx, const char *postcode);
	/* the open case of the child with this UPN; false when none */
	bool (*case_by_upn)(void *ctx, const char *upn, struct route_case *case_r);
	/* the open case of the child with this surname and date of birth
	 * (surname compared case-insensitively); false when none */
	bool (*case_by_name_dob)(void *ctx, const char *surname, const char *dob,
				 struct route_case *case_r);
	/* the case with reference REF, open or closed */
	bool (*case_by_ref)(void *ctx, const char *ref, struct route_case *case_r);
	/* acknowledgements already queued to ADDRESS on the day of NOW */
	unsigned (*acks_today)(void *ctx, const char *address);
};

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
};

enum route_action {
	ROUTE_ACTION_IGNORE,    /* nothing to do (auto-reply, bounce): recorded only */
	ROUTE_ACTION_OPEN,      /* open a new case */
	ROUTE_ACTION_UPDATE,    /* add to an existing case */
	ROUTE_ACTION_REVIEW,    /* a person must look: message to the review folder */
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
};

/* route_decide - the decision for RECORD. Never fails: what cannot be decided
 * becomes ROUTE_ACTION_REVIEW with the reason. Returns a decision owned by
 * the caller. */
struct route_decision *route_decide(const struct parse_record *record,
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
