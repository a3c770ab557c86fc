/* store_digest.c - what digests and reminders read from the register (issue 6) */
#include <string.h>
#include <glib.h>
#include <json-glib/json-glib.h>
#include "store/store.h"
#include "store/store_p.h"

/* rows_json - every row of SQL (bound with the texts in ARGS, NULL-ended)
 * as an object of the column names, into member NAME of B */
static bool rows_json(struct store *s, JsonBuilder *b, const char *name, const char *sql,
		      const char *const *args, GError **error)
{
	sqlite3_stmt *st = store_prep(s, sql, error);
	if (!st)
		return false;
	for (int i = 0; args && args[i]; i++)
		store_bind_text(st, i + 1, args[i]);
	json_builder_set_member_name(b, name);
	json_builder_begin_array(b);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_builder_begin_object(b);
		for (int c = 0; c < sqlite3_column_count(st); c++) {
			if (sqlite3_column_type(st, c) == SQLITE_INTEGER) {
				json_builder_set_member_name(b, sqlite3_column_name(st, c));
				json_builder_add_int_value(b, sqlite3_column_int64(st, c));
			} else {
				store_json_add_str(b, sqlite3_column_name(st, c), st, c);
			}
		}
		json_builder_end_object(b);
	}
	sqlite3_finalize(st);
	json_builder_end_array(b);
	if (rc != SQLITE_DONE)
		return store_sql_fail(s, error, name);
	return true;
}

/* count_json - member NAME = the one number SQL returns */
static void count_json(struct store *s, JsonBuilder *b, const char *name, const char *sql,
		       const char *arg)
{
	sqlite3_stmt *st = store_prep(s, sql, NULL);
	gint64 n = 0;
	if (st) {
		store_bind_text(st, 1, arg);
		if (sqlite3_step(st) == SQLITE_ROW)
			n = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	json_builder_set_member_name(b, name);
	json_builder_add_int_value(b, n);
}

#define RISK_ORDER "CASE c.risk WHEN 'immediate' THEN 0 WHEN 'high' THEN 1 ELSE 2 END"

JsonNode *store_digest_json(struct store *s, GDateTime *since, GDateTime *now, int review_days,
			    GError **error)
{
	g_autofree char *from = store_iso(since);
	g_autofree char *to = store_iso(now);
	g_autofree char *today = g_strndup(to, 10);
	g_autoptr(GDateTime) old = g_date_time_add_days(now, -review_days);
	g_autofree char *before = store_iso(old);
	const char *const period[] = { from, NULL };
	const char *const day[] = { today, NULL };
	const char *const older[] = { before, NULL };
	g_autoptr(JsonBuilder) b = json_builder_new();

	json_builder_begin_object(b);
	if (!rows_json(s, b, "new_cases", "SELECT c.ref, c.risk, c.category, c.residence_la,"
		       " c.opened_at FROM cases c WHERE c.opened_at >= ?1 ORDER BY " RISK_ORDER
		       ", c.opened_at", period, error) ||
	    !rows_json(s, b, "review_items", "SELECT received_at, message_id, reason FROM messages"
		       " WHERE status = 'review' AND received_at >= ?1 ORDER BY received_at", period,
		       error) ||
	    !rows_json(s, b, "deadlines_due", "SELECT c.ref, d.kind, substr(d.due, 1, 10) AS due"
		       " FROM deadlines d JOIN cases c ON c.id = d.case_id WHERE d.state = 'open'"
		       " AND substr(d.due, 1, 10) = ?1 ORDER BY d.due", day, error) ||
	    !rows_json(s, b, "deadlines_overdue", "SELECT c.ref, d.kind, substr(d.due, 1, 10) AS due"
		       " FROM deadlines d JOIN cases c ON c.id = d.case_id WHERE d.state = 'open'"
		       " AND substr(d.due, 1, 10) < ?1 ORDER BY d.due", day, error) ||
	    !rows_json(s, b, "long_open", "SELECT c.ref, c.risk, c.category, c.residence_la,"
		       " c.opened_at FROM cases c WHERE c.status = 'open' AND c.opened_at < ?1"
		       " ORDER BY c.opened_at", older, error) ||
	    !rows_json(s, b, "notifications_failed", "SELECT c.ref AS case_ref, o.kind,"
		       " (SELECT group_concat(value, ', ') FROM json_each(o.recipients)) AS \"to\","
		       " o.last_error AS error, CASE WHEN o.bounced_at IS NOT NULL THEN 'bounced'"
		       " ELSE 'failed' END AS status FROM outbox o LEFT JOIN cases c ON c.id = o.case_id"
		       " WHERE o.status = 'failed' AND COALESCE(o.failed_at, o.created_at) >= ?1"
		       " ORDER BY o.id", period, error))
		return NULL;
	count_json(s, b, "open_cases", "SELECT count(*) FROM cases WHERE status = 'open'", NULL);
	count_json(s, b, "messages_received", "SELECT count(*) FROM messages WHERE received_at >= ?",
		   from);
	count_json(s, b, "notifications_sent", "SELECT count(*) FROM outbox WHERE status = 'sent'"
		   " AND sent_at >= ?", from);
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

JsonNode *store_new_cases_json(struct store *s, GDateTime *since, GDateTime *until,
			       GError **error)
{
	g_autofree char *from = store_iso(since);
	g_autofree char *to = store_iso(until);
	const char *const args[] = { from, to, NULL };
	g_autoptr(JsonBuilder) b = json_builder_new();

	json_builder_begin_object(b);
	if (!rows_json(s, b, "referrals", "SELECT c.ref, c.opened_at, c.risk, c.category,"
		       " (SELECT e.detail FROM events e WHERE e.case_id = c.id AND e.kind = 'opened'"
		       "  ORDER BY e.id LIMIT 1) AS risk_factors,"
		       " trim(COALESCE(ch.forename, '') || ' ' || COALESCE(ch.surname, '')) AS child_name,"
		       " ch.dob AS child_dob FROM cases c JOIN children ch ON ch.id = c.child_id"
		       " WHERE c.opened_at >= ?1 AND c.opened_at < ?2 ORDER BY c.opened_at", args,
		       error))
		return NULL;
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

JsonNode *store_deadlines_open_json(struct store *s, GError **error)
{
	g_autoptr(JsonBuilder) b = json_builder_new();

	json_builder_begin_object(b);
	if (!rows_json(s, b, "deadlines", "SELECT d.id, d.case_id, c.ref, d.kind,"
		       " substr(d.due, 1, 10) AS due, d.reminded_at, d.recipients, d.escalation,"
		       " c.risk, c.category, c.officer FROM deadlines d JOIN cases c ON c.id = d.case_id"
		       " WHERE d.state = 'open' ORDER BY d.due, d.id", NULL, error))
		return NULL;
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

bool store_deadline_reminded(struct store *s, int64_t id, GDateTime *now, GError **error)
{
	sqlite3_stmt *st = store_prep(s, "UPDATE deadlines SET reminded_at = ? WHERE id = ?", error);
	if (!st)
		return false;
	g_autofree char *at = store_iso(now);
	store_bind_text(st, 1, at);
	sqlite3_bind_int64(st, 2, id);
	return store_step_done(s, st, error, "record reminder");
}
