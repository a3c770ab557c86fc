/* store.h - SQLite: schema, the register, the outbox.
 *
 * One connection, WAL mode, schema created and migrated on open (PRAGMA
 * user_version). The caller brackets each message's changes in
 * store_begin()/store_commit(), so a message's case change, events, outbox
 * rows and status commit together or not at all (invariant 4).
 *
 * Times are GDateTime in, ISO 8601 UTC text in the database. Strings
 * returned as char * belong to the caller.
 */
#ifndef CMEGW_STORE_H
#define CMEGW_STORE_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include <json-glib/json-glib.h>
#include "parse/parse.h"
#include "route/route.h"

#define STORE_ERROR (store_error_quark())
GQuark store_error_quark(void);
enum store_error_code {
	STORE_ERROR_OPEN,     /* cannot open or migrate the database */
	STORE_ERROR_SQL,      /* a statement failed */
	STORE_ERROR_BUSY,     /* another process holds the lock (transient) */
	STORE_ERROR_NOT_FOUND,
};

struct store;

struct store *store_open(const char *path, GError **error);
void store_free(struct store *store);
/* the typedef exists only because g_autoptr() needs a one-word type name */
typedef struct store store;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(store, store_free)


/* store_schema_version - the PRAGMA user_version the binary migrates to */
int store_schema_version(void);

bool store_begin(struct store *store, GError **error);
bool store_commit(struct store *store, GError **error);
void store_rollback(struct store *store);

/* ---- mailboxes: UIDVALIDITY and the last UID seen ---- */
bool store_mailbox_get(struct store *store, const char *name, uint32_t *uidvalidity_r,
		       uint32_t *last_uid_r);
bool store_mailbox_set(struct store *store, const char *name, uint32_t uidvalidity,
		       uint32_t last_uid, GError **error);

/* ---- messages ---- */
struct store_message {
	const char *source;        /* "imap" or "file" */
	const char *mailbox;       /* IMAP mailbox or NULL */
	uint32_t uidvalidity, uid; /* 0 when not IMAP */
	const char *message_id, *sha256, *sender, *subject, *date_header;
	const char *spool_path;
	GDateTime *received_at;
};

/* store_message_by_uid - the row for MAILBOX/UIDVALIDITY/UID; *status_r
 * (may be NULL) gets its status, caller owns it */
bool store_message_by_uid(struct store *store, const char *mailbox, uint32_t uidvalidity,
			  uint32_t uid, int64_t *id_r, char **status_r);

/* store_message_duplicate - the first message with the same SHA-256, or the
 * same Message-ID from the same sender (DESIGN.md "Duplicates") */
bool store_message_duplicate(struct store *store, const char *sha256, const char *message_id,
			     const char *sender, int64_t *id_r);

bool store_message_add(struct store *store, const struct store_message *msg, int64_t *id_r,
		       GError **error);

/* store_message_finish - set kind, status (processed, review, duplicate,
 * failed), the reason and the case the message fed */
bool store_message_finish(struct store *store, int64_t id, const char *kind, const char *status,
			  const char *reason, int64_t case_id, GError **error);

/* store_message_case_add - message ID fed case CASE_ID (PUPIL: which pupil
 * of a multi-pupil export, 0 the first); the case lists the message (case
 * show "messages") beside those whose case_id it is. Once per pair. */
bool store_message_case_add(struct store *store, int64_t id, int64_t case_id, unsigned pupil,
			    GError **error);

/* ---- the register ---- */

/* store_case_open - a child and a new case from RECORD and DECISION, with
 * its reference CME-YYYY-NNNNNN (year of NOW); an "opened" event */
bool store_case_open(struct store *store, const struct parse_record *record,
		     const struct route_decision *decision, int64_t message_row, GDateTime *now,
		     int64_t *case_id_r, char **ref_r, GError **error);

/* store_case_update - fold DECISION into case CASE_ID (risk only rises,
 * residence filled when unknown); an "updated" event. A RECORD (may be NULL)
 * whose valid former UPN is the child's UPN gives the child its new UPN, the
 * old one kept as the former UPN. */
bool store_case_update(struct store *store, int64_t case_id, const struct parse_record *record,
		       const struct route_decision *decision, int64_t message_row,
		       GDateTime *now, GError **error);

/* store_case_close - close case CASE_ID with OUTCOME ("on_roll"), stopping
 * its open clocks; a "closed" event with REASON */
bool store_case_close(struct store *store, int64_t case_id, const char *outcome,
		      const char *reason, int64_t message_row, GDateTime *now, GError **error);

/* store_case_officer - an officer's action on case REF, in one transaction:
 * OUTCOME set: close it with that outcome (clocks stopped); else EVENT
 * (e.g. "visit"): stop the clocks waiting for it. NOTE goes in the audit
 * trail. STORE_ERROR_NOT_FOUND when there is no such open case. */
bool store_case_officer(struct store *store, const char *ref, const char *outcome,
			const char *event, const char *note, GDateTime *now, GError **error);
/* store_case_officer_in - the same inside the caller's transaction (so the
 * notices the closure sends commit with it); *case_id_r (may be NULL) gets
 * the case's id */
bool store_case_officer_in(struct store *store, const char *ref, const char *outcome,
			   const char *event, const char *note, GDateTime *now, int64_t *case_id_r,
			   GError **error);

/* store_case_reopen - an officer reopens closed case REF (outcome cleared;
 * the clocks stay as they were), with NOTE in the audit trail, in one
 * transaction. STORE_ERROR_NOT_FOUND when there is no such closed case. */
bool store_case_reopen(struct store *store, const char *ref, const char *note, GDateTime *now,
		       GError **error);

/* store_deadlines_add - the clocks (struct route_deadline *) a new case starts */
bool store_deadlines_add(struct store *store, int64_t case_id, GPtrArray *deadlines,
			 GDateTime *now, GError **error);

/* store_deadlines_stop - stop the open clocks of CASE_ID whose stop_on names
 * one of EVENTS (state "met"), or every open clock when EVENTS is NULL
 * (state "stopped"); REASON is recorded with each and in the audit trail */
bool store_deadlines_stop(struct store *store, int64_t case_id, char **events,
			  const char *reason, int64_t message_row, GDateTime *now, GError **error);

bool store_event_add(struct store *store, int64_t case_id, int64_t message_row,
		     const char *actor, const char *kind, const char *detail, GDateTime *now,
		     GError **error);

/* store_route_view - the read-only look-ups route needs, backed by STORE
 * (valid while STORE is) */
void store_route_view(struct store *store, GDateTime *now, struct route_view *view_r);

/* ---- outbox ---- */
struct store_outbox_item {
	int64_t id;
	char *kind;
	char **to;
	char *message_id;
	GBytes *raw;
	int attempts;
	char **pending;      /* recipients not yet sent or failed (issue 6) */
	char *created_at;
};
void store_outbox_item_free(struct store_outbox_item *item);

/* store_outbox_add - queue RAW to TO. DEDUPE is unique: a second add with the
 * same key is ignored (*added_r false). */
bool store_outbox_add(struct store *store, int64_t case_id, const char *kind,
		      const char *dedupe, char **to, const char *subject,
		      const char *message_id, GBytes *raw, GDateTime *now, bool *added_r,
		      GError **error);

/* store_outbox_due - queued items whose next try is due at NOW, oldest first;
 * GPtrArray of struct store_outbox_item * owned by the caller */
GPtrArray *store_outbox_due(struct store *store, GDateTime *now, GError **error);

/* store_outbox_sent / store_outbox_failed - record a send's result. A failed
 * item stays queued (next try backs off) unless PERMANENT or it has had
 * MAX_ATTEMPTS, then it is "failed". */
bool store_outbox_sent(struct store *store, int64_t id, GDateTime *now, GError **error);
bool store_outbox_failed(struct store *store, int64_t id, const char *error_text,
			 bool permanent, int max_attempts, GDateTime *now, GError **error);

/* ---- outbox: per-recipient delivery, failures, bounces (issue 6, notify) ----
 *
 * Each notification has one outbox_recipients row per address. The worker
 * counts a round (store_outbox_round), records each attempt before the send
 * (store_outbox_attempt: the recipient is 'sending'), then its result; a
 * recipient still 'sending' when a later run looks is one whose run was
 * interrupted after the send may have happened: store_outbox_interrupted
 * fails it rather than send it twice. store_outbox_settle then sets the
 * row: sent when every recipient is, failed when none is left to try and
 * one failed, else queued with the next try backed off (1, 2, 4 ... 60
 * minutes) until MAX_ATTEMPTS rounds or HORIZON_MINUTES after queueing. */
enum store_rcpt_result { STORE_RCPT_SENT, STORE_RCPT_TRANSIENT, STORE_RCPT_PERMANENT };
struct store_settle {
	int max_attempts, horizon_minutes;
	bool may_give_up;    /* false: the failure was ours (TLS, login), not the row's */
};
bool store_outbox_round(struct store *store, int64_t id, GDateTime *now, GError **error);
/* store_outbox_attempt - ADDRESS of ID is being sent now (committed before
 * the send); *claimed_r false when it was not queued (another run has it) */
bool store_outbox_attempt(struct store *store, int64_t id, const char *address, GDateTime *now,
			  bool *claimed_r, GError **error);
bool store_outbox_rcpt_result(struct store *store, int64_t id, const char *address,
			      enum store_rcpt_result result, const char *error_text,
			      GDateTime *now, GError **error);
/* store_outbox_settle - *status_r: "queued", "sent" or "failed" (static) */
bool store_outbox_settle(struct store *store, int64_t id, const struct store_settle *how,
			 GDateTime *now, const char **status_r, GError **error);
/* store_outbox_interrupted - fail the recipients left 'sending' before
 * STALE_BEFORE; the ids of their rows (to settle), caller owns the array */
GArray *store_outbox_interrupted(struct store *store, GDateTime *stale_before, GError **error);

struct store_outbox_row {
	int64_t id, case_id;
	char *kind, *case_ref, *subject, *status, *last_error, *created_at;
	char **to;
	char *failed_to;     /* failed or bounced recipients, ", "-joined, or NULL */
	bool alerted;        /* the team was told it failed */
};
bool store_outbox_row(struct store *store, int64_t id, struct store_outbox_row *row_r,
		      GError **error);
void store_outbox_row_clear(struct store_outbox_row *row);
bool store_outbox_mark_alerted(struct store *store, int64_t id, GError **error);
/* store_outbox_by_message_id - the notification we sent as MESSAGE_ID (no <>) */
bool store_outbox_by_message_id(struct store *store, const char *message_id, int64_t *id_r);
/* store_outbox_bounced - RECIPIENT (every one when NULL or not one of the
 * row's) bounced; the row is failed with REASON */
bool store_outbox_bounced(struct store *store, int64_t id, const char *recipient,
			  const char *reason, GDateTime *now, GError **error);

/* ---- digests and reminders (issue 6, notify; store_digest.c) ----
 * Each returns a JSON object owned by the caller; times ISO 8601 UTC text. */
/* store_digest_json - the officers' digest between SINCE and NOW: arrays
 * new_cases, review_items, deadlines_due (today), deadlines_overdue,
 * long_open (open for REVIEW_DAYS or more), notifications_failed; numbers
 * open_cases, messages_received, notifications_sent */
JsonNode *store_digest_json(struct store *store, GDateTime *since, GDateTime *now,
			    int review_days, GError **error);
/* store_new_cases_json - {"referrals": [...]}: cases opened from SINCE to UNTIL */
JsonNode *store_new_cases_json(struct store *store, GDateTime *since, GDateTime *until,
			       GError **error);
/* store_deadlines_open_json - {"deadlines": [...]}: every open deadline with its case */
JsonNode *store_deadlines_open_json(struct store *store, GError **error);
bool store_deadline_reminded(struct store *store, int64_t id, GDateTime *now, GError **error);

/* ---- postcodes ---- */
bool store_postcode_put(struct store *store, const char *postcode, const char *la,
			bool terminated, GError **error);
bool store_postcodes_clear(struct store *store, GError **error);

/* ---- listings (FIELDS.md "What the register adds", "What is sent") ---- */
JsonNode *store_cases_json(struct store *store, bool all, GError **error);
JsonNode *store_case_json(struct store *store, const char *ref, GError **error);
JsonNode *store_outbox_json(struct store *store, GError **error);

/* store_counts - messages by status, for poll's summary line; a table of
 * status -> count (GINT_TO_POINTER) owned by the caller */
GHashTable *store_message_counts(struct store *store);

#endif
