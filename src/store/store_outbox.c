/* store_outbox.c - the outbox: queued notifications, their attempts and results */
#include <string.h>
#include <glib.h>
#include <json-glib/json-glib.h>
#include "store/store.h"
#include "store/store_p.h"

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
	if (added_r)
		*added_r = sqlite3_changes(s->db) > 0;
	return true;
}

void store_outbox_item_free(struct store_outbox_item *it)
{
	if (!it)
		return;
	g_free(it->kind);
	g_strfreev(it->to);
	g_free(it->message_id);
	if (it->raw)
		g_bytes_unref(it->raw);
	g_free(it);
}

GPtrArray *store_outbox_due(struct store *s, GDateTime *now, GError **error)
{
	sqlite3_stmt *st = store_prep(s, "SELECT id, kind, recipients, message_id, raw, attempts FROM outbox"
				   " WHERE status = 'queued' AND next_try <= ? ORDER BY id", error);
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
	return store_step_done(s, st, error, "mark sent");
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
	return store_step_done(s, st, error, "record send failure");
}

JsonNode *store_outbox_json(struct store *s, GError **error)
{
	sqlite3_stmt *st = store_prep(s, "SELECT o.id, c.ref, o.kind, o.recipients, o.subject, o.status,"
				   " o.attempts, o.sent_at, o.last_error FROM outbox o"
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
		json_builder_end_object(b);
	}
	sqlite3_finalize(st);
	json_builder_end_array(b);
	return json_builder_get_root(b);
}

