/* store_outbox.c - the outbox: queued notifications, their attempts and results */
#include <string.h>
#include <glib.h>
#include <json-glib/json-glib.h>
#include "store/store.h"
#include "store/store_p.h"

/* exec_id - run SQL with ?1 = ID (and ?2 = TEXT, ?3 = TEXT2 when given) */
static bool exec_id(struct store *s, const char *sql, int64_t id, const char *text,
		    const char *text2, GError **error, const char *what)
{
	sqlite3_stmt *st = store_prep(s, sql, error);
	if (!st)
		return false;
	sqlite3_bind_int64(st, 1, id);
	store_bind_text(st, 2, text);
	store_bind_text(st, 3, text2);
	return store_step_done(s, st, error, what);
}

/* ---- outbox ---- */

static char *recipients_json(char **to)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	json_builder_begin_array(b);
	for (int i = 0; to && to[i]; i++) {
		g_autofree char *l = g_ascii_strdown(to[i], -1);
		json_builder_add_string_value(b, l);
	}
	json_builder_end_array(b);
	g_autoptr(JsonNode) root = json_builder_get_root(b);
	return json_to_string(root, FALSE);
}

static char **recipients_strv(const char *json)
{
	g_autoptr(JsonParser) p = json_parser_new();
	GPtrArray *out = g_ptr_array_new();
	if (json && json_parser_load_from_data(p, json, -1, NULL)) {
		JsonNode *root = json_parser_get_root(p);
		if (JSON_NODE_HOLDS_ARRAY(root)) {
			JsonArray *a = json_node_get_array(root);
			for (guint i = 0; i < json_array_get_length(a); i++)
				g_ptr_array_add(out, g_strdup(json_array_get_string_element(a, i)));
		}
	}
	g_ptr_array_add(out, NULL);
	return (char **)g_ptr_array_free(out, FALSE);
}

bool store_outbox_add(struct store *s, int64_t case_id, const char *kind, const char *dedupe,
		      char **to, const char *subject, const char *message_id, GBytes *raw,
		      GDateTime *now, bool *added_r, GError **error)
{
	sqlite3_stmt *st = store_prep(s, "INSERT OR IGNORE INTO outbox(case_id, kind, dedupe_key, recipients,"
				   " subject, message_id, raw, created_at, next_try)"
				   " VALUES (?,?,?,?,?,?,?,?,?)", error);
	if (!st)
		return false;
	g_autofree char *rcpt = recipients_json(to);
	g_autofree char *at = store_iso(now);
	gsize len = 0;
	const void *data = g_bytes_get_data(raw, &len);
	if (case_id)
		sqlite3_bind_int64(st, 1, case_id);
	store_bind_text(st, 2, kind);
	store_bind_text(st, 3, dedupe);
	store_bind_text(st, 4, rcpt);
	store_bind_text(st, 5, subject);
	store_bind_text(st, 6, message_id);
	sqlite3_bind_blob64(st, 7, data, len, SQLITE_TRANSIENT);
	store_bind_text(st, 8, at);
	store_bind_text(st, 9, at);
	if (!store_step_done(s, st, error, "queue notification"))
		return false;
	bool added = sqlite3_changes(s->db) > 0;
	if (added_r)
		*added_r = added;
	if (!added)
		return true;
	int64_t id = sqlite3_last_insert_rowid(s->db);
	for (int i = 0; to && to[i]; i++) {
		g_autofree char *l = g_ascii_strdown(to[i], -1);
		st = store_prep(s, "INSERT OR IGNORE INTO outbox_recipients(outbox_id, address)"
			     " VALUES (?,?)", error);
		if (!st)
			return false;
		sqlite3_bind_int64(st, 1, id);
		store_bind_text(st, 2, l);
		if (!store_step_done(s, st, error, "queue recipient"))
			return false;
	}
	return true;
}

void store_outbox_item_free(struct store_outbox_item *it)
{
	if (!it)
		return;
	g_free(it->kind);
	g_strfreev(it->to);
	g_free(it->message_id);
	g_strfreev(it->pending);
	g_free(it->created_at);
	if (it->raw)
		g_bytes_unref(it->raw);
	g_free(it);
}

GPtrArray *store_outbox_due(struct store *s, GDateTime *now, GError **error)
{
	sqlite3_stmt *st = store_prep(s, "SELECT o.id, o.kind, o.recipients, o.message_id, o.raw, o.attempts,"
				   " o.created_at, (SELECT json_group_array(r.address) FROM outbox_recipients r"
				   "  WHERE r.outbox_id = o.id AND r.status = 'queued') FROM outbox o"
				   " WHERE o.status = 'queued' AND o.next_try <= ? ORDER BY o.id", error);
	if (!st)
		return NULL;
	g_autofree char *at = store_iso(now);
	store_bind_text(st, 1, at);
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)store_outbox_item_free);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_outbox_item *it = g_new0(struct store_outbox_item, 1);
		it->id = sqlite3_column_int64(st, 0);
		it->kind = store_col_text(st, 1);
		g_autofree char *rcpt = store_col_text(st, 2);
		it->to = recipients_strv(rcpt);
		it->message_id = store_col_text(st, 3);
		it->raw = g_bytes_new(sqlite3_column_blob(st, 4), (gsize)sqlite3_column_bytes(st, 4));
		it->attempts = sqlite3_column_int(st, 5);
		it->created_at = store_col_text(st, 6);
		g_autofree char *pending = store_col_text(st, 7);
		it->pending = recipients_strv(pending);
		g_ptr_array_add(out, it);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		g_ptr_array_unref(out);
		store_sql_fail(s, error, "read outbox");
		return NULL;
	}
	return out;
}

bool store_outbox_sent(struct store *s, int64_t id, GDateTime *now, GError **error)
{
	sqlite3_stmt *st = store_prep(s, "UPDATE outbox SET status = 'sent', attempts = attempts + 1,"
				   " sent_at = ?, last_error = NULL WHERE id = ?", error);
	if (!st)
		return false;
	g_autofree char *at = store_iso(now);
	store_bind_text(st, 1, at);
	sqlite3_bind_int64(st, 2, id);
	if (!store_step_done(s, st, error, "mark sent"))
		return false;
	st = store_prep(s, "UPDATE outbox_recipients SET status = 'sent', sent_at = ?"
		     " WHERE outbox_id = ? AND status <> 'sent'", error);
	if (!st)
		return false;
	store_bind_text(st, 1, at);
	sqlite3_bind_int64(st, 2, id);
	return store_step_done(s, st, error, "mark recipients sent");
}

bool store_outbox_failed(struct store *s, int64_t id, const char *error_text, bool permanent,
			 int max_attempts, GDateTime *now, GError **error)
{
	sqlite3_stmt *st = store_prep(s, "SELECT attempts FROM outbox WHERE id = ?", error);
	if (!st)
		return false;
	sqlite3_bind_int64(st, 1, id);
	int attempts = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) + 1 : 1;
	sqlite3_finalize(st);
	/* Back off 1, 2, 4 ... minutes, at most an hour. */
	int minutes = attempts >= 7 ? 60 : 1 << (attempts - 1);
	g_autoptr(GDateTime) next = g_date_time_add_minutes(now, minutes);
	g_autofree char *next_at = store_iso(next);
	bool give_up = permanent || attempts >= max_attempts;
	st = store_prep(s, "UPDATE outbox SET status = ?, attempts = ?, next_try = ?, last_error = ?"
		     " WHERE id = ?", error);
	if (!st)
		return false;
	store_bind_text(st, 1, give_up ? "failed" : "queued");
	sqlite3_bind_int(st, 2, attempts);
	store_bind_text(st, 3, next_at);
	store_bind_text(st, 4, error_text);
	sqlite3_bind_int64(st, 5, id);
	if (!store_step_done(s, st, error, "record send failure"))
		return false;
	if (!give_up)
		return true;
	return exec_id(s, "UPDATE outbox_recipients SET status = 'failed', last_error = ?2"
		       " WHERE outbox_id = ?1 AND status <> 'sent'", id, error_text, NULL, error,
		       "record send failure");
}

JsonNode *store_outbox_json(struct store *s, GError **error)
{
	sqlite3_stmt *st = store_prep(s, "SELECT o.id, c.ref, o.kind, o.recipients, o.subject, o.status,"
				   " o.attempts, o.sent_at, o.last_error, o.message_id, o.bounced_at FROM outbox o"
				   " LEFT JOIN cases c ON c.id = o.case_id ORDER BY o.id", error);
	if (!st)
		return NULL;
	g_autoptr(JsonBuilder) b = json_builder_new();
	json_builder_begin_array(b);
	while (sqlite3_step(st) == SQLITE_ROW) {
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "id");
		json_builder_add_int_value(b, sqlite3_column_int64(st, 0));
		store_json_add_str(b, "case_ref", st, 1);
		store_json_add_str(b, "kind", st, 2);
		json_builder_set_member_name(b, "to");
		json_builder_begin_array(b);
		g_autofree char *rcpt = store_col_text(st, 3);
		g_auto(GStrv) to = recipients_strv(rcpt);
		for (int i = 0; to[i]; i++)
			json_builder_add_string_value(b, to[i]);
		json_builder_end_array(b);
		store_json_add_str(b, "subject", st, 4);
		store_json_add_str(b, "status", st, 5);
		json_builder_set_member_name(b, "attempts");
		json_builder_add_int_value(b, sqlite3_column_int(st, 6));
		store_json_add_str(b, "sent_at", st, 7);
		store_json_add_str(b, "last_error", st, 8);
		store_json_add_str(b, "message_id", st, 9);
		store_json_add_str(b, "bounced_at", st, 10);
		json_builder_end_object(b);
	}
	sqlite3_finalize(st);
	json_builder_end_array(b);
	return json_builder_get_root(b);
}


/* ---- per-recipient delivery (issue 6) ---- */

bool store_outbox_round(struct store *s, int64_t id, GDateTime *now, GError **error)
{
	return exec_id(s, "UPDATE outbox SET attempts = attempts + 1 WHERE id = ?1", id, NULL, NULL,
		       error, "count attempt");
}

bool store_outbox_attempt(struct store *s, int64_t id, const char *address, GDateTime *now,
			  bool *claimed_r, GError **error)
{
	g_autofree char *at = store_iso(now);
	/* only from 'queued': a second process sending the same row claims nothing */
	if (!exec_id(s, "UPDATE outbox_recipients SET status = 'sending', attempts = attempts + 1,"
		     " started_at = ?3 WHERE outbox_id = ?1 AND address = ?2 AND status = 'queued'",
		     id, address, at, error, "record attempt"))
		return false;
	*claimed_r = sqlite3_changes(s->db) > 0;
	return true;
}

bool store_outbox_rcpt_result(struct store *s, int64_t id, const char *address,
			      enum store_rcpt_result result, const char *error_text,
			      GDateTime *now, GError **error)
{
	g_autofree char *at = store_iso(now);
	sqlite3_stmt *st = store_prep(s, "UPDATE outbox_recipients SET status = ?3, last_error = ?4,"
				   " sent_at = CASE WHEN ?3 = 'sent' THEN ?5 ELSE sent_at END"
				   " WHERE outbox_id = ?1 AND address = ?2", error);
	if (!st)
		return false;
	sqlite3_bind_int64(st, 1, id);
	store_bind_text(st, 2, address);
	store_bind_text(st, 3, result == STORE_RCPT_SENT ? "sent"
			       : result == STORE_RCPT_TRANSIENT ? "queued" : "failed");
	store_bind_text(st, 4, error_text);
	store_bind_text(st, 5, at);
	return store_step_done(s, st, error, "record recipient");
}

/* count_rcpts - recipients of ID by status */
static void count_rcpts(struct store *s, int64_t id, int *queued_r, int *sent_r, int *failed_r)
{
	*queued_r = *sent_r = *failed_r = 0;
	sqlite3_stmt *st = store_prep(s, "SELECT status, count(*) FROM outbox_recipients"
				   " WHERE outbox_id = ? GROUP BY status", NULL);
	if (!st)
		return;
	sqlite3_bind_int64(st, 1, id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *status = (const char *)sqlite3_column_text(st, 0);
		int n = sqlite3_column_int(st, 1);
		if (g_strcmp0(status, "sent") == 0)
			*sent_r += n;
		else if (g_strcmp0(status, "failed") == 0 || g_strcmp0(status, "bounced") == 0)
			*failed_r += n;
		else
			*queued_r += n;
	}
	sqlite3_finalize(st);
}

/* failure_summary - "addr: error; addr: error" of ID's failed or queued recipients */
static char *failure_summary(struct store *s, int64_t id)
{
	GString *out = g_string_new(NULL);
	sqlite3_stmt *st = store_prep(s, "SELECT address, last_error FROM outbox_recipients"
				   " WHERE outbox_id = ? AND status <> 'sent' AND last_error IS NOT NULL"
				   " ORDER BY address", NULL);
	if (st) {
		sqlite3_bind_int64(st, 1, id);
		while (sqlite3_step(st) == SQLITE_ROW)
			g_string_append_printf(out, "%s%s: %s", out->len ? "; " : "",
					       (const char *)sqlite3_column_text(st, 0),
					       (const char *)sqlite3_column_text(st, 1));
		sqlite3_finalize(st);
	}
	return g_string_free(out, out->len == 0);
}

/* backoff_minutes - the wait after the Nth failed round: 1, 2, 4 ... 60 */
static int backoff_minutes(int attempts)
{
	return attempts >= 7 ? 60 : 1 << (attempts > 0 ? attempts - 1 : 0);
}

/* past_horizon - NOW is HORIZON minutes or more after CREATED */
static bool past_horizon(const char *created, GDateTime *now, int horizon)
{
	g_autoptr(GTimeZone) utc = g_time_zone_new_utc();
	g_autoptr(GDateTime) t = created ? g_date_time_new_from_iso8601(created, utc) : NULL;
	if (!t || horizon <= 0)
		return false;
	return g_date_time_difference(now, t) >= (GTimeSpan)horizon * G_TIME_SPAN_MINUTE;
}

bool store_outbox_settle(struct store *s, int64_t id, const struct store_settle *how,
			 GDateTime *now, const char **status_r, GError **error)
{
	sqlite3_stmt *st = store_prep(s, "SELECT attempts, created_at FROM outbox WHERE id = ?", error);
	if (!st)
		return false;
	sqlite3_bind_int64(st, 1, id);
	int attempts = 0;
	g_autofree char *created = NULL;
	if (sqlite3_step(st) == SQLITE_ROW) {
		attempts = sqlite3_column_int(st, 0);
		created = store_col_text(st, 1);
	}
	sqlite3_finalize(st);

	int queued, sent, failed;
	count_rcpts(s, id, &queued, &sent, &failed);
	g_autofree char *at = store_iso(now);
	if (queued > 0 && how->may_give_up &&
	    (attempts >= how->max_attempts || past_horizon(created, now, how->horizon_minutes))) {
		g_autofree char *why = g_strdup_printf("gave up after %d attempts", attempts);
		if (!exec_id(s, "UPDATE outbox_recipients SET status = 'failed',"
			     " last_error = ?2 || COALESCE(': ' || last_error, '')"
			     " WHERE outbox_id = ?1 AND status NOT IN ('sent', 'failed', 'bounced')",
			     id, why, NULL, error, "give up"))
			return false;
		failed += queued;
		queued = 0;
	}
	g_autofree char *summary = failure_summary(s, id);
	if (queued > 0) {
		g_autoptr(GDateTime) next = g_date_time_add_minutes(now, backoff_minutes(attempts));
		g_autofree char *next_at = store_iso(next);
		*status_r = "queued";
		return exec_id(s, "UPDATE outbox SET next_try = ?2, last_error = ?3 WHERE id = ?1", id,
			       next_at, summary, error, "defer notification");
	}
	if (failed > 0) {
		*status_r = "failed";
		return exec_id(s, "UPDATE outbox SET status = 'failed', failed_at = ?2,"
			       " last_error = ?3 WHERE id = ?1", id, at, summary, error,
			       "fail notification");
	}
	*status_r = "sent";
	return exec_id(s, "UPDATE outbox SET status = 'sent', sent_at = ?2, last_error = NULL"
		       " WHERE id = ?1", id, at, NULL, error, "mark sent");
}

GArray *store_outbox_interrupted(struct store *s, GDateTime *stale_before, GError **error)
{
	g_autofree char *at = store_iso(stale_before);
	GArray *ids = g_array_new(FALSE, FALSE, sizeof(int64_t));
	sqlite3_stmt *st = store_prep(s, "SELECT DISTINCT r.outbox_id FROM outbox_recipients r"
				   " JOIN outbox o ON o.id = r.outbox_id WHERE r.status = 'sending'"
				   " AND o.status = 'queued' AND r.started_at < ?", error);
	if (!st) {
		g_array_unref(ids);
		return NULL;
	}
	store_bind_text(st, 1, at);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		g_array_append_val(ids, id);
	}
	sqlite3_finalize(st);
	for (guint i = 0; i < ids->len; i++)
		if (!exec_id(s, "UPDATE outbox_recipients SET status = 'failed', last_error ="
			     " 'interrupted during the send: it may or may not have been delivered;"
			     " not sent again, so never sent twice' WHERE outbox_id = ?1 AND"
			     " status = 'sending'", g_array_index(ids, int64_t, i), NULL, NULL, error,
			     "record interrupted send")) {
			g_array_unref(ids);
			return NULL;
		}
	return ids;
}

void store_outbox_row_clear(struct store_outbox_row *row)
{
	g_free(row->kind);
	g_free(row->case_ref);
	g_free(row->subject);
	g_free(row->status);
	g_free(row->last_error);
	g_free(row->created_at);
	g_free(row->failed_to);
	g_strfreev(row->to);
	memset(row, 0, sizeof(*row));
}

bool store_outbox_row(struct store *s, int64_t id, struct store_outbox_row *row_r, GError **error)
{
	sqlite3_stmt *st = store_prep(s, "SELECT o.id, o.kind, o.case_id, c.ref, o.subject, o.status,"
				   " o.last_error, o.created_at, o.alerted, o.recipients,"
				   " (SELECT group_concat(r.address, ', ') FROM outbox_recipients r"
				   "  WHERE r.outbox_id = o.id AND r.status IN ('failed', 'bounced'))"
				   " FROM outbox o LEFT JOIN cases c ON c.id = o.case_id WHERE o.id = ?", error);
	if (!st)
		return false;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		g_set_error(error, STORE_ERROR, STORE_ERROR_NOT_FOUND, "notification %" G_GINT64_FORMAT
			    " not found", id);
		return false;
	}
	memset(row_r, 0, sizeof(*row_r));
	row_r->id = sqlite3_column_int64(st, 0);
	row_r->kind = store_col_text(st, 1);
	row_r->case_id = sqlite3_column_int64(st, 2);
	row_r->case_ref = store_col_text(st, 3);
	row_r->subject = store_col_text(st, 4);
	row_r->status = store_col_text(st, 5);
	row_r->last_error = store_col_text(st, 6);
	row_r->created_at = store_col_text(st, 7);
	row_r->alerted = sqlite3_column_int(st, 8) != 0;
	g_autofree char *rcpt = store_col_text(st, 9);
	row_r->to = recipients_strv(rcpt);
	row_r->failed_to = store_col_text(st, 10);
	sqlite3_finalize(st);
	return true;
}

bool store_outbox_mark_alerted(struct store *s, int64_t id, GError **error)
{
	return exec_id(s, "UPDATE outbox SET alerted = 1 WHERE id = ?1", id, NULL, NULL, error,
		       "mark alerted");
}

bool store_outbox_by_message_id(struct store *s, const char *message_id, int64_t *id_r)
{
	sqlite3_stmt *st = store_prep(s, "SELECT id FROM outbox WHERE message_id = ? ORDER BY id LIMIT 1",
				   NULL);
	if (!st)
		return false;
	store_bind_text(st, 1, message_id);
	bool found = sqlite3_step(st) == SQLITE_ROW;
	if (found)
		*id_r = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return found;
}

bool store_outbox_bounced(struct store *s, int64_t id, const char *recipient, const char *reason,
			  GDateTime *now, GError **error)
{
	g_autofree char *at = store_iso(now);
	g_autofree char *why = g_strdup_printf("bounced: %s", reason && *reason ? reason
										: "no reason given");
	/* the recipient the DSN names; every one when it names none of ours */
	if (!exec_id(s, "UPDATE outbox_recipients SET status = 'bounced', last_error = ?2"
		     " WHERE outbox_id = ?1 AND address = lower(?3)", id, why, recipient, error,
		     "record bounce"))
		return false;
	if (sqlite3_changes(s->db) == 0 &&
	    !exec_id(s, "UPDATE outbox_recipients SET status = 'bounced', last_error = ?2"
		     " WHERE outbox_id = ?1", id, why, NULL, error, "record bounce"))
		return false;
	return
	       exec_id(s, "UPDATE outbox SET status = 'failed', bounced_at = ?3,"
		       " failed_at = COALESCE(failed_at, ?3), last_error = ?2 WHERE id = ?1", id, why,
		       at, error, "record bounce");
}
