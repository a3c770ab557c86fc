/* pipeline.h - one message through parse, route and store, in one transaction.
 *
 * The shell's glue: the stages stay ignorant of each other, and this file
 * hands each one's plain struct to the next. Used by `ingest` (files) and
 * `poll` (IMAP) alike, so both run the same path.
 */
#ifndef CMEGW_PIPELINE_H
#define CMEGW_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include "config.h"
#include "store/store.h"
#include "route/route.h"

enum pipeline_result {
	PIPELINE_PROCESSED,   /* filed against a case (opened or updated) */
	PIPELINE_IGNORED,     /* recorded, nothing to do (auto-reply, bounce) */
	PIPELINE_REVIEW,      /* a person must look: review folder + review_needed */
	PIPELINE_DUPLICATE,   /* seen before: nothing else happened */
};

struct pipeline_source {
	const char *source;      /* "imap" or "file" */
	const char *mailbox;     /* IMAP only */
	uint32_t uidvalidity, uid;
	const char *label;       /* for messages: "uid 42" or a file name */
};

struct pipeline_counts {
	unsigned processed, ignored, review, duplicate, failed, queued;
};

struct pipeline {
	const struct config *config;
	struct store *store;
	GDateTime *now;
	GHashTable *la_numbers;
	GHashTable *la_names;    /* ONS code -> name, for people */
	struct route_policy policy;
	struct parse_limits limits;
	char *mail_domain;
	struct pipeline_counts counts;
};

/* pipeline_init - ready a pipeline over CONFIG and STORE (both borrowed);
 * NOW is the receiving time of this run (clocks and ages use it) */
bool pipeline_init(struct pipeline *p, const struct config *config, struct store *db,
		   GDateTime *now, GError **error);
void pipeline_clear(struct pipeline *p);

/* pipeline_procedure - fill POLICY's procedure (recipients, over-age route,
 * postcode fallback, clocks, calendar with closures and the term dates file)
 * from CONFIG, which it borrows; check-config --offline uses it to check the
 * data files. Free with pipeline_procedure_clear. */
bool pipeline_procedure(const struct config *config, struct route_policy *policy, GError **error);
void pipeline_procedure_clear(struct route_policy *policy);

/* pipeline_message - spool RAW (fsync), then parse, route and apply it in one
 * transaction. On success *result_r says what became of it. Fails only when
 * the message could not be made safe (spool or database error): then nothing
 * of it was committed and it must stay where it came from. */
bool pipeline_message(struct pipeline *p, GBytes *raw, const struct pipeline_source *src,
		      enum pipeline_result *result_r, GError **error);

/* pipeline_officer_close - an officer closes open case REF by hand with
 * OUTCOME (NOTE, may be NULL, in the audit trail): the closure and the
 * notices route_officer_close decides (case_closed_referrer to the
 * acknowledged referrer under [routing] tell_referrer_on_close) commit in one
 * transaction; `send` sends them. STORE_ERROR_NOT_FOUND when REF is not an
 * open case (a second close queues nothing). */
bool pipeline_officer_close(struct pipeline *p, const char *ref, const char *outcome,
			    const char *note, GError **error);

/* pipeline_review_raw - record a message that could not even be fetched
 * whole (over the size limit) as a review item, with REASON */
bool pipeline_review_unfetchable(struct pipeline *p, const struct pipeline_source *src,
				 const char *reason, GError **error);

#endif
