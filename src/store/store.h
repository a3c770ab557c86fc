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

/* ---- the register ---- */

/* store_case_open - a child and a new case from RECORD and DECISION, with
 * its reference CME-YYYY-NNNNNN (year of NOW); an "opened" event */
bool store_case_open(struct store *store, const struct parse_record *record,
		     const struct route_decision *decision, int64_t message_row, GDateTime *now,
		     int64_t *case_id_r, char **ref_r, GError **error);

/* store_case_update - fold DECISION into case CASE_ID (risk only rises,
 * residence filled when unknown); an "updated" event */
bool store_case_update(struct store *store, int64_t case_id, const struct parse_record *record,
		       const struct route_decision *decision, int64_t message_row,
		       GDateTime *now, GError **error);

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
