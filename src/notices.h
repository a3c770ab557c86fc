/* notices.h - render a notification and queue it in the outbox.
 *
 * The template of the notice's kind (README "Templates"; an authority's
 * [notify] local_templates first) is rendered, composed into a message with
 * a Message-ID of ours, and added to the outbox (inside the caller's open
 * transaction when there is one). A child's details are rendered only when
 * every recipient is on a secure domain (invariant 6), whatever the template
 * says: the renderer withholds every personal value otherwise.
 */
#ifndef CMEGW_NOTICES_H
#define CMEGW_NOTICES_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include "config.h"
#include "pipeline.h"
#include "notify/notify.h"
#include "store/store.h"

/* every kind of notification, NULL-terminated: FIELDS.md's outbox kinds and
 * delivery_failed (the team's alert about a notification that failed) */
extern const char *const notices_kinds[];

/* notices_secure - every address in TO may receive a child's details: our
 * own domain or a secure_domains entry (false for an empty list) */
bool notices_secure(const struct config *config, char **to);

/* notices_vars_new - the values every template has: case_ref, authority_name,
 * authority_address, authority_code, today, respond_by (five working days
 * from NOW). Caller owns the result. */
struct notify_vars *notices_vars_new(const struct config *config, GDateTime *now,
				     const char *case_ref);

struct notices_item {
	const char *kind;         /* the template */
	char **to;                /* strv */
	int64_t case_id;          /* 0: none */
	const char *dedupe;       /* unique key: a second queue with it adds nothing */
	const char *in_reply_to;  /* the message answered, without <>, or NULL */
};

/* notices_queue_vars - render ITEM's template with VARS, compose, queue it.
 * *ADDED_R (may be NULL): false when DEDUPE was already queued. */
bool notices_queue_vars(const struct config *config, struct store *db, GDateTime *now,
			const struct notices_item *item, struct notify_vars *vars, bool *added_r,
			GError **error);

/* notices_queue - queue notice N about RECORD (may be NULL for a message
 * that could not be read) for case CASE_ID/CASE_REF; SHA256 of the message
 * that caused it keys the dedupe, so the same message never queues the same
 * kind twice (the pipeline passes "SHA256:pupilN" for pupil N >= 2 of a
 * multi-pupil export, so each pupil's notices are its own). */
bool notices_queue(struct pipeline *p, const struct parse_record *record,
		   const struct route_decision *decision, const struct route_notice *notice,
		   int64_t case_id, const char *case_ref, const char *sha256, GError **error);

/* notices_bounce - a bounce (RECORD of kind bounce) of our message
 * ORIGINAL_MESSAGE_ID (without <>) to RECIPIENT (NULL: unknown): the
 * notification is marked failed with REASON and, unless it was an acknowledgement or itself an alert, the team
 * is alerted (delivery_failed). Nothing is ever sent to the bounce's sender.
 * A bounce of nothing we sent changes nothing. *matched_r (may be NULL):
 * whether it was ours. Inside the caller's transaction. */
bool notices_bounce(const struct config *config, struct store *db, GDateTime *now,
		    const char *original_message_id, const char *recipient, const char *reason,
		    bool *matched_r, GError **error);

/* notices_bounce_record - notices_bounce for the bounce RECORD (its
 * bounce.original_message_id, status and diagnostic), in P's transaction:
 * the one call the pipeline makes for a bounce */
bool notices_bounce_record(struct pipeline *p, const struct parse_record *record, GError **error);

/* notices_alert_failed - queue the team's delivery_failed alert about
 * outbox row ID (once per row; never about an alert) */
bool notices_alert_failed(const struct config *config, struct store *db, GDateTime *now,
			  int64_t id, GError **error);

/* notices_sample_vars - every name any template may use, with sample values */
struct notify_vars *notices_sample_vars(const struct config *config, GDateTime *now);

/* notices_check_template - load KIND (override first) and render it against
 * the sample, secure and not, strictly: an unknown name is an error naming
 * the file and line. *has_html_r: whether it has an HTML part. */
bool notices_check_template(const struct config *config, GDateTime *now, const char *kind,
			    bool *has_html_r, GError **error);

#endif
