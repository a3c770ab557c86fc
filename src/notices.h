/* notices.h - render a notice the router asked for and queue it in the outbox.
 *
 * The template of the notice's kind is rendered with the values of the
 * record and decision (README "Templates"), composed into a message with a
 * Message-ID of ours, and added to the outbox inside the caller's open
 * transaction. A child's details are rendered only when every recipient is
 * on a secure domain (invariant 6), whatever the template says.
 */
#ifndef CMEGW_NOTICES_H
#define CMEGW_NOTICES_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include "pipeline.h"

/* notices_queue - queue notice N about RECORD (may be NULL for a message
 * that could not be read) for case CASE_ID/CASE_REF; SHA256 of the message
 * that caused it keys the dedupe, so the same message never queues the same
 * kind twice. */
bool notices_queue(struct pipeline *p, const struct parse_record *record,
		   const struct route_decision *decision, const struct route_notice *notice,
		   int64_t case_id, const char *case_ref, const char *sha256, GError **error);

#endif
