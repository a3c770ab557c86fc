/* store.c - the SQLite register */
#include <string.h>
#include <sqlite3.h>
#include <glib.h>
#include "store/store.h"
#include "store/store_p.h"

G_DEFINE_QUARK(cmegw-store-error-quark, store_error)


/* Each entry moves the schema from version i to i+1. Never edit a shipped
 * entry: append a new one. */
static const char *const migrations[] = {
	"CREATE TABLE mailboxes (name TEXT PRIMARY KEY, uidvalidity INTEGER NOT NULL,"
	"  last_uid INTEGER NOT NULL);"
	"CREATE TABLE children (id INTEGER PRIMARY KEY, forename TEXT, middle_names TEXT,"
	"  surname TEXT, surname_key TEXT, preferred_name TEXT, dob TEXT, sex TEXT, upn TEXT,"
	"  ethnicity TEXT, eal INTEGER, fsm INTEGER, sen TEXT);"
	"CREATE INDEX children_upn ON children(upn);"
	"CREATE INDEX children_name_dob ON children(surname_key, dob);"
	"CREATE TABLE cases (id INTEGER PRIMARY KEY, ref TEXT NOT NULL UNIQUE,"
	"  child_id INTEGER NOT NULL REFERENCES children(id), category TEXT NOT NULL,"
	"  status TEXT NOT NULL DEFAULT 'open', risk TEXT NOT NULL, residence_la TEXT,"
	"  school_la TEXT, opened_at TEXT NOT NULL, closed_at TEXT, outcome TEXT, officer TEXT);"
	"CREATE TABLE case_refs (year INTEGER PRIMARY KEY, last INTEGER NOT NULL);"
	"CREATE TABLE messages (id INTEGER PRIMARY KEY, source TEXT NOT NULL, mailbox TEXT,"
	"  uidvalidity INTEGER, uid INTEGER, message_id TEXT, sha256 TEXT NOT NULL,"
	"  received_at TEXT NOT NULL, date_header TEXT, sender TEXT, subject TEXT, kind TEXT,"
	"  status TEXT NOT NULL DEFAULT 'received', reason TEXT, spool_path TEXT NOT NULL,"
	"  case_id INTEGER REFERENCES cases(id));"
	"CREATE UNIQUE INDEX messages_uid ON messages(mailbox, uidvalidity, uid)"
	"  WHERE uid IS NOT NULL;"
	"CREATE INDEX messages_sha256 ON messages(sha256);"
	"CREATE INDEX messages_msgid ON messages(message_id, sender);"
	"CREATE TABLE events (id INTEGER PRIMARY KEY, case_id INTEGER NOT NULL REFERENCES cases(id),"
	"  message_row INTEGER REFERENCES messages(id), at TEXT NOT NULL, actor TEXT NOT NULL,"
	"  kind TEXT NOT NULL, detail TEXT);"
	"CREATE TABLE outbox (id INTEGER PRIMARY KEY, case_id INTEGER REFERENCES cases(id),"
	"  kind TEXT NOT NULL, dedupe_key TEXT NOT NULL UNIQUE, recipients TEXT NOT NULL,"
	"  subject TEXT NOT NULL, message_id TEXT NOT NULL, raw BLOB NOT NULL,"
	"  status TEXT NOT NULL DEFAULT 'queued', attempts INTEGER NOT NULL DEFAULT 0,"
	"  created_at TEXT NOT NULL, next_try TEXT NOT NULL, sent_at TEXT, last_error TEXT);"
	"CREATE INDEX outbox_due ON outbox(status, next_try);"
	"CREATE TABLE deadlines (id INTEGER PRIMARY KEY, case_id INTEGER NOT NULL REFERENCES cases(id),"
	"  kind TEXT NOT NULL, due TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'open',"
	"  reminded_at TEXT);"
	"CREATE TABLE postcodes (postcode TEXT PRIMARY KEY, la TEXT NOT NULL,"
	"  terminated INTEGER NOT NULL DEFAULT 0);",
	/* 2 (issue 5): clocks as data, and name keys for tolerant matching */
	"ALTER TABLE deadlines ADD COLUMN action TEXT;"
	"ALTER TABLE deadlines ADD COLUMN recipients TEXT;"
	"ALTER TABLE deadlines ADD COLUMN escalation TEXT;"
	"ALTER TABLE deadlines ADD COLUMN stop_on TEXT;"
	"ALTER TABLE deadlines ADD COLUMN created_at TEXT;"
	"ALTER TABLE deadlines ADD COLUMN stopped_at TEXT;"
	"ALTER TABLE deadlines ADD COLUMN stop_reason TEXT;"
	"CREATE INDEX deadlines_case ON deadlines(case_id, state);"
	"ALTER TABLE children ADD COLUMN name_key TEXT;"
	"CREATE INDEX children_name_key ON children(name_key);"
	"CREATE INDEX children_dob ON children(dob);"
	"UPDATE children SET name_key = surname_key;",
	/* 3 (issue 6): per-recipient delivery, failures and bounces */
	"CREATE TABLE outbox_recipients (outbox_id INTEGER NOT NULL REFERENCES outbox(id),"
	"  address TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'queued',"
	"  attempts INTEGER NOT NULL DEFAULT 0, started_at TEXT, sent_at TEXT, last_error TEXT,"
	"  PRIMARY KEY (outbox_id, address));"
	"INSERT OR IGNORE INTO outbox_recipients(outbox_id, address, status)"
	"  SELECT o.id, lower(j.value), o.status FROM outbox o, json_each(o.recipients) j;"
	"ALTER TABLE outbox ADD COLUMN failed_at TEXT;"
	"ALTER TABLE outbox ADD COLUMN bounced_at TEXT;"
	"ALTER TABLE outbox ADD COLUMN alerted INTEGER NOT NULL DEFAULT 0;"
	"CREATE INDEX outbox_message_id ON outbox(message_id);",
	/* 4 (issue 5): former UPNs, for matching */
	"ALTER TABLE children ADD COLUMN former_upn TEXT;"
	"CREATE INDEX children_former_upn ON children(former_upn);",
	/* 5: a multi-pupil export feeds a case per pupil; messages.case_id
	 * keeps the first */
	"CREATE TABLE IF NOT EXISTS message_cases (message_row INTEGER NOT NULL REFERENCES messages(id),"
	"  case_id INTEGER NOT NULL REFERENCES cases(id), pupil INTEGER NOT NULL,"
	"  PRIMARY KEY (message_row, case_id));"
	"CREATE INDEX IF NOT EXISTS message_cases_case ON message_cases(case_id);",
};

int store_schema_version(void)
{
	return (int)G_N_ELEMENTS(migrations);
}

bool store_sql_fail(struct store *s, GError **error, const char *what)
{
	int rc = sqlite3_errcode(s->db);
	g_set_error(error, STORE_ERROR,
		    rc == SQLITE_BUSY || rc == SQLITE_LOCKED ? STORE_ERROR_BUSY : STORE_ERROR_SQL,
		    "database '%s': %s: %s", s->path, what, sqlite3_errmsg(s->db));
	return false;
}

bool store_exec(struct store *s, const char *sql, GError **error)
{
	char *msg = NULL;
	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		g_set_error(error, STORE_ERROR, STORE_ERROR_SQL, "database '%s': %s", s->path,
			    msg ? msg : "error");
		sqlite3_free(msg);
		return false;
	}
	return true;
}

/* prep - a prepared statement; NULL (and error) when the SQL is wrong */
sqlite3_stmt *store_prep(struct store *s, const char *sql, GError **error)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		store_sql_fail(s, error, "prepare");
		return NULL;
	}
	return st;
}

void store_bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

void store_bind_tri(sqlite3_stmt *st, int i, enum parse_tri v)
{
	if (v == PARSE_TRI_NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int(st, i, v == PARSE_TRI_TRUE);
}

/* step_done - run a statement that returns no rows, then finalize it */
bool store_step_done(struct store *s, sqlite3_stmt *st, GError **error, const char *what)
{
	if (!st)
		return false;
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_sql_fail(s, error, what);
	return true;
}

char *store_col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? g_strdup((const char *)t) : NULL;
}

char *store_iso(GDateTime *t)
{
	g_autoptr(GDateTime) u = g_date_time_to_utc(t);
	return g_date_time_format(u, "%Y-%m-%dT%H:%M:%SZ");
}

static bool migrate(struct store *s, GError **error)
{
	sqlite3_stmt *st = store_prep(s, "PRAGMA user_version", error);
	if (!st)
		return false;
	int version = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);
	if (version > store_schema_version()) {
		g_set_error(error, STORE_ERROR, STORE_ERROR_OPEN,
			    "database '%s': schema version %d is newer than this cmegw (%d)", s->path,
			    version, store_schema_version());
		return false;
	}
	for (int v = version; v < store_schema_version(); v++) {
		g_autofree char *sql = g_strdup_printf("BEGIN IMMEDIATE; %s; PRAGMA user_version = %d; COMMIT;",
						       migrations[v], v + 1);
		if (!store_exec(s, sql, error)) {
			store_exec(s, "ROLLBACK", NULL);
			return false;
		}
	}
	return true;
}

struct store *store_open(const char *path, GError **error)
{
	struct store *s = g_new0(struct store, 1);
	s->path = g_strdup(path);
	g_autofree char *dir = g_path_get_dirname(path);
	g_mkdir_with_parents(dir, 0750);
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		g_set_error(error, STORE_ERROR, STORE_ERROR_OPEN, "database '%s': %s", path,
			    s->db ? sqlite3_errmsg(s->db) : "cannot open");
		store_free(s);
		return NULL;
	}
	sqlite3_busy_timeout(s->db, 10000);
	if (!store_exec(s, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
		     "PRAGMA foreign_keys = ON;", error) ||
	    !migrate(s, error)) {
		g_prefix_error(error, "cannot open: ");
		store_free(s);
		return NULL;
	}
	return s;
}

void store_free(struct store *s)
{
	if (!s)
		return;
	if (s->db)
		sqlite3_close(s->db);
	g_free(s->path);
	g_free(s->scratch);
	g_free(s->scratch_ref);
	g_free(s->scratch_la);
	if (s->now)
		g_date_time_unref(s->now);
	g_free(s);
}

bool store_begin(struct store *s, GError **error)
{
	return store_exec(s, "BEGIN IMMEDIATE", error);
}

bool store_commit(struct store *s, GError **error)
{
	return store_exec(s, "COMMIT", error);
}

void store_rollback(struct store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		store_exec(s, "ROLLBACK", NULL);
}

/* ---- mailboxes ---- */

bool store_mailbox_get(struct store *s, const char *name, uint32_t *uidvalidity_r,
		       uint32_t *last_uid_r)
{
	sqlite3_stmt *st = store_prep(s, "SELECT uidvalidity, last_uid FROM mailboxes WHERE name = ?", NULL);
	if (!st)
		return false;
	store_bind_text(st, 1, name);
	bool found = sqlite3_step(st) == SQLITE_ROW;
	if (found) {
		*uidvalidity_r = (uint32_t)sqlite3_column_int64(st, 0);
		*last_uid_r = (uint32_t)sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return found;
}

bool store_mailbox_set(struct store *s, const char *name, uint32_t uidvalidity, uint32_t last_uid,
		       GError **error)
{
	sqlite3_stmt *st = store_prep(s, "INSERT INTO mailboxes(name, uidvalidity, last_uid) VALUES (?,?,?)"
				   " ON CONFLICT(name) DO UPDATE SET uidvalidity = excluded.uidvalidity,"
				   " last_uid = excluded.last_uid", error);
	if (!st)
		return false;
	store_bind_text(st, 1, name);
	sqlite3_bind_int64(st, 2, uidvalidity);
	sqlite3_bind_int64(st, 3, last_uid);
	return store_step_done(s, st, error, "save mailbox state");
}

/* ---- messages ---- */

bool store_message_by_uid(struct store *s, const char *mailbox, uint32_t uidvalidity,
			  uint32_t uid, int64_t *id_r, char **status_r)
{
	sqlite3_stmt *st = store_prep(s, "SELECT id, status FROM messages WHERE mailbox = ? AND"
				   " uidvalidity = ? AND uid = ?", NULL);
	if (!st)
		return false;
	store_bind_text(st, 1, mailbox);
	sqlite3_bind_int64(st, 2, uidvalidity);
	sqlite3_bind_int64(st, 3, uid);
	bool found = sqlite3_step(st) == SQLITE_ROW;
	if (found) {
		*id_r = sqlite3_column_int64(st, 0);
		if (status_r)
			*status_r = store_col_text(st, 1);
	}
	sqlite3_finalize(st);
	return found;
}

bool store_message_duplicate(struct store *s, const char *sha256, const char *message_id,
			     const char *sender, int64_t *id_r)
{
	sqlite3_stmt *st = store_prep(s, "SELECT id FROM messages WHERE sha256 = ?1 OR"
				   " (?2 IS NOT NULL AND message_id = ?2 AND sender IS ?3)"
				   " ORDER BY id LIMIT 1", NULL);
	if (!st)
		return false;
	store_bind_text(st, 1, sha256);
	store_bind_text(st, 2, message_id);
	store_bind_text(st, 3, sender);
	bool found = sqlite3_step(st) == SQLITE_ROW;
	if (found)
		*id_r = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return found;
}

bool store_message_add(struct store *s, const struct store_message *m, int64_t *id_r,
		       GError **error)
{
	sqlite3_stmt *st = store_prep(s, "INSERT INTO messages(source, mailbox, uidvalidity, uid,"
				   " message_id, sha256, received_at, date_header, sender, subject,"
				   " spool_path) VALUES (?,?,?,?,?,?,?,?,?,?,?)", error);
	if (!st)
		return false;
	g_autofree char *at = store_iso(m->received_at);
	store_bind_text(st, 1, m->source);
	store_bind_text(st, 2, m->mailbox);
	if (m->uid) {
		sqlite3_bind_int64(st, 3, m->uidvalidity);
		sqlite3_bind_int64(st, 4, m->uid);
	}
	store_bind_text(st, 5, m->message_id);
	store_bind_text(st, 6, m->sha256);
	store_bind_text(st, 7, at);
	store_bind_text(st, 8, m->date_header);
	store_bind_text(st, 9, m->sender);
	store_bind_text(st, 10, m->subject);
	store_bind_text(st, 11, m->spool_path);
	if (!store_step_done(s, st, error, "record message"))
		return false;
	*id_r = sqlite3_last_insert_rowid(s->db);
	return true;
}

bool store_message_finish(struct store *s, int64_t id, const char *kind, const char *status,
			  const char *reason, int64_t case_id, GError **error)
{
	sqlite3_stmt *st = store_prep(s, "UPDATE messages SET kind = ?, status = ?, reason = ?,"
				   " case_id = ? WHERE id = ?", error);
	if (!st)
		return false;
	store_bind_text(st, 1, kind);
	store_bind_text(st, 2, status);
	store_bind_text(st, 3, reason);
	if (case_id)
		sqlite3_bind_int64(st, 4, case_id);
	sqlite3_bind_int64(st, 5, id);
	return store_step_done(s, st, error, "update message");
}

bool store_message_case_add(struct store *s, int64_t id, int64_t case_id, unsigned pupil,
			    GError **error)
{
	sqlite3_stmt *st = store_prep(s, "INSERT OR IGNORE INTO message_cases(message_row, case_id,"
				   " pupil) VALUES (?,?,?)", error);
	if (!st)
		return false;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, case_id);
	sqlite3_bind_int64(st, 3, pupil);
	return store_step_done(s, st, error, "link message to case");
}

/* ---- the register ---- */

/* next_ref - CME-YYYY-NNNNNN, numbered within the year */
static char *next_ref(struct store *s, GDateTime *now, GError **error)
{
	int year = g_date_time_get_year(now);
	sqlite3_stmt *st = store_prep(s, "INSERT INTO case_refs(year, last) VALUES (?, 1)"
				   " ON CONFLICT(year) DO UPDATE SET last = last + 1 RETURNING last", error);
	if (!st)
		return NULL;
	sqlite3_bind_int(st, 1, year);
	if (sqlite3_step(st) != SQLITE_ROW) {
		store_sql_fail(s, error, "number the case");
		sqlite3_finalize(st);
		return NULL;
	}
	gint64 n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return g_strdup_printf("CME-%04d-%06" G_GINT64_FORMAT, year, n);
}

static bool add_child(struct store *s, const struct parse_child *c, int64_t *id_r, GError **error)
{
	sqlite3_stmt *st = store_prep(s, "INSERT INTO children(forename, middle_names, surname, surname_key,"
				   " preferred_name, dob, sex, upn, ethnicity, eal, fsm, sen, name_key,"
				   " former_upn) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", error);
	if (!st)
		return false;
	g_autofree char *key = c->surname ? g_utf8_casefold(c->surname, -1) : NULL;
	g_autofree char *name_key = route_name_key(c->surname);
	store_bind_text(st, 13, name_key);
	store_bind_text(st, 1, c->forename);
	store_bind_text(st, 2, c->middle_names);
	store_bind_text(st, 3, c->surname);
	store_bind_text(st, 4, key);
	store_bind_text(st, 5, c->preferred_name);
	store_bind_text(st, 6, c->dob);
	store_bind_text(st, 7, c->sex);
	store_bind_text(st, 8, c->upn);
	store_bind_text(st, 9, c->ethnicity);
	store_bind_tri(st, 10, c->eal);
	store_bind_tri(st, 11, c->fsm);
	store_bind_text(st, 12, c->sen);
	store_bind_text(st, 14, c->former_upn);
	if (!store_step_done(s, st, error, "record child"))
		return false;
	*id_r = sqlite3_last_insert_rowid(s->db);
	return true;
}

bool store_event_add(struct store *s, int64_t case_id, int64_t message_row, const char *actor,
		     const char *kind, const char *detail, GDateTime *now, GError **error)
{
	sqlite3_stmt *st = store_prep(s, "INSERT INTO events(case_id, message_row, at, actor, kind, detail)"
				   " VALUES (?,?,?,?,?,?)", error);
	if (!st)
		return false;
	g_autofree char *at = store_iso(now);
	sqlite3_bind_int64(st, 1, case_id);
	if (message_row)
		sqlite3_bind_int64(st, 2, message_row);
	store_bind_text(st, 3, at);
	store_bind_text(st, 4, actor);
	store_bind_text(st, 5, kind);
	store_bind_text(st, 6, detail);
	return store_step_done(s, st, error, "record event");
}

bool store_case_open(struct store *s, const struct parse_record *r, const struct route_decision *d,
		     int64_t message_row, GDateTime *now, int64_t *case_id_r, char **ref_r,
		     GError **error)
{
	int64_t child = 0;
	if (!add_child(s, &r->child, &child, error))
		return false;
	g_autofree char *ref = next_ref(s, now, error);
	if (!ref)
		return false;
	sqlite3_stmt *st = store_prep(s, "INSERT INTO cases(ref, child_id, category, risk, residence_la,"
				   " school_la, opened_at) VALUES (?,?,?,?,?,?,?)", error);
	if (!st)
		return false;
	g_autofree char *at = store_iso(now);
	store_bind_text(st, 1, ref);
	sqlite3_bind_int64(st, 2, child);
	store_bind_text(st, 3, route_category_name(d->category));
	store_bind_text(st, 4, route_risk_name(d->risk));
	store_bind_text(st, 5, d->residence_la);
	store_bind_text(st, 6, d->school_la);
	store_bind_text(st, 7, at);
	if (!store_step_done(s, st, error, "open case"))
		return false;
	*case_id_r = sqlite3_last_insert_rowid(s->db);
	if (!store_event_add(s, *case_id_r, message_row, "cmegw", "opened", d->reason, now, error))
		return false;
	*ref_r = g_steal_pointer(&ref);
	return true;
}

static int risk_rank(const char *name)
{
	if (g_strcmp0(name, "immediate") == 0)
		return ROUTE_RISK_IMMEDIATE;
	if (g_strcmp0(name, "high") == 0)
		return ROUTE_RISK_HIGH;
	return ROUTE_RISK_STANDARD;
}

/* upn_usable - a UPN that identifies a child (not a UN placeholder, check
 * letter right), as route matches on */
static bool upn_usable(const char *upn)
{
	return upn && !g_str_has_prefix(upn, "UN") && !parse_upn_check(upn);
}

/* child_new_upn - a record whose former UPN is the child's UPN brings the
 * child's new UPN: it is kept, the old one becoming the former UPN, so that
 * later mail giving either finds the case */
static bool child_new_upn(struct store *s, int64_t case_id, const struct parse_child *c,
			  GError **error)
{
	if (!upn_usable(c->upn) || !upn_usable(c->former_upn) || strcmp(c->upn, c->former_upn) == 0)
		return true;
	sqlite3_stmt *st = store_prep(s, "UPDATE children SET former_upn = upn, upn = ?1 WHERE"
				   " id = (SELECT child_id FROM cases WHERE id = ?3) AND upn = ?2", error);
	if (!st)
		return false;
	store_bind_text(st, 1, c->upn);
	store_bind_text(st, 2, c->former_upn);
	sqlite3_bind_int64(st, 3, case_id);
	return store_step_done(s, st, error, "record new upn");
}

bool store_case_update(struct store *s, int64_t case_id, const struct parse_record *r,
		       const struct route_decision *d, int64_t message_row, GDateTime *now,
		       GError **error)
{
	if (r && !child_new_upn(s, case_id, &r->child, error))
		return false;
	/* Risk only rises; a known residence is not overwritten by silence. */
	sqlite3_stmt *st = store_prep(s, "UPDATE cases SET"
				   " risk = CASE WHEN ?1 > (CASE risk WHEN 'immediate' THEN 2"
				   "   WHEN 'high' THEN 1 ELSE 0 END) THEN ?2 ELSE risk END,"
				   " residence_la = COALESCE(residence_la, ?3),"
				   " school_la = COALESCE(?4, school_la) WHERE id = ?5", error);
	if (!st)
		return false;
	sqlite3_bind_int(st, 1, (int)d->risk);
	store_bind_text(st, 2, route_risk_name(d->risk));
	store_bind_text(st, 3, d->residence_la);
	store_bind_text(st, 4, d->school_la);
	sqlite3_bind_int64(st, 5, case_id);
	if (!store_step_done(s, st, error, "update case"))
		return false;
	return store_event_add(s, case_id, message_row, "cmegw", "updated", d->reason, now, error);
}

bool store_case_close(struct store *s, int64_t case_id, const char *outcome, const char *reason,
		      int64_t message_row, GDateTime *now, GError **error)
{
	sqlite3_stmt *st = store_prep(s, "UPDATE cases SET status = 'closed', closed_at = ?,"
				   " outcome = ? WHERE id = ?", error);
	if (!st)
		return false;
	g_autofree char *at = store_iso(now);
	store_bind_text(st, 1, at);
	store_bind_text(st, 2, outcome);
	sqlite3_bind_int64(st, 3, case_id);
	if (!store_step_done(s, st, error, "close case"))
		return false;
	g_autofree char *why = g_strdup_printf("case closed (%s)", outcome);
	return store_deadlines_stop(s, case_id, NULL, why, message_row, now, error) &&
	       store_event_add(s, case_id, message_row, "cmegw", "closed", reason, now, error);
}

bool store_case_officer(struct store *s, const char *ref, const char *outcome, const char *event,
			const char *note, GDateTime *now, GError **error)
{
	if (!store_begin(s, error))
		return false;
	bool ok = store_case_officer_in(s, ref, outcome, event, note, now, NULL, error) &&
		  store_commit(s, error);
	if (!ok)
		store_rollback(s);
	return ok;
}

bool store_case_officer_in(struct store *s, const char *ref, const char *outcome,
			   const char *event, const char *note, GDateTime *now, int64_t *case_id_r,
			   GError **error)
{
	sqlite3_stmt *st = store_prep(s, "SELECT id FROM cases WHERE ref = ? AND status = 'open'", error);
	if (!st)
		return false;
	store_bind_text(st, 1, ref);
	int64_t id = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	if (!id) {
		g_set_error(error, STORE_ERROR, STORE_ERROR_NOT_FOUND, "case '%s' is not an open case", ref);
		return false;
	}
	g_autofree char *detail = g_strdup_printf("%s %s%s%s", outcome ? "closed with outcome" : "event",
						  outcome ? outcome : event, note ? ": " : "",
						  note ? note : "");
	char *events[] = { (char *)event, NULL };
	g_autofree char *why = g_strdup_printf("officer recorded %s", event ? event : "closure");
	if (case_id_r)
		*case_id_r = id;
	return store_event_add(s, id, 0, "officer", outcome ? "closed" : "officer", detail, now, error) &&
	       (outcome ? store_case_close(s, id, outcome, detail, 0, now, error)
			: store_deadlines_stop(s, id, events, why, 0, now, error));
}

bool store_case_reopen(struct store *s, const char *ref, const char *note, GDateTime *now,
		       GError **error)
{
	sqlite3_stmt *st = store_prep(s, "SELECT id, outcome FROM cases WHERE ref = ? AND status = 'closed'",
				      error);
	if (!st)
		return false;
	store_bind_text(st, 1, ref);
	int64_t id = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	g_autofree char *outcome = id ? store_col_text(st, 1) : NULL;
	sqlite3_finalize(st);
	if (!id) {
		g_set_error(error, STORE_ERROR, STORE_ERROR_NOT_FOUND, "case '%s' is not a closed case", ref);
		return false;
	}
	g_autofree char *detail = g_strdup_printf("reopened (was %s)%s%s", outcome ? outcome : "closed",
						  note ? ": " : "", note ? note : "");
	if (!store_begin(s, error))
		return false;
	st = store_prep(s, "UPDATE cases SET status = 'open', closed_at = NULL, outcome = NULL"
			" WHERE id = ?", error);
	if (st)
		sqlite3_bind_int64(st, 1, id);
	bool ok = st && store_step_done(s, st, error, "reopen case") &&
		  store_event_add(s, id, 0, "officer", "reopened", detail, now, error) &&
		  store_commit(s, error);
	if (!ok)
		store_rollback(s);
	return ok;
}

bool store_deadlines_add(struct store *s, int64_t case_id, GPtrArray *deadlines, GDateTime *now,
			 GError **error)
{
	g_autofree char *at = store_iso(now);
	for (guint i = 0; deadlines && i < deadlines->len; i++) {
		const struct route_deadline *d = g_ptr_array_index(deadlines, i);
		sqlite3_stmt *st = store_prep(s, "INSERT INTO deadlines(case_id, kind, due, action,"
					   " recipients, escalation, stop_on, created_at)"
					   " VALUES (?,?,?,?,?,?,?,?)", error);
		if (!st)
			return false;
		sqlite3_bind_int64(st, 1, case_id);
		store_bind_text(st, 2, d->kind);
		store_bind_text(st, 3, d->due);
		store_bind_text(st, 4, d->action);
		store_bind_text(st, 5, d->to);
		store_bind_text(st, 6, d->escalate);
		store_bind_text(st, 7, d->stop_on);
		store_bind_text(st, 8, at);
		if (!store_step_done(s, st, error, "record deadline"))
			return false;
		g_autofree char *ev = g_strdup_printf("%s due %s (%s)", d->kind, d->due, d->action);
		if (!store_event_add(s, case_id, 0, "cmegw", "deadline", ev, now, error))
			return false;
	}
	return true;
}

/* stops - whether the clock's stop_on list (a,b) holds one of EVENTS */
static bool stops(const char *stop_on, char **events)
{
	if (!events)
		return true;
	g_auto(GStrv) on = g_strsplit(stop_on ? stop_on : "", ",", -1);
	for (int i = 0; events[i]; i++)
		if (g_strv_contains((const char *const *)on, events[i]))
			return true;
	return false;
}

bool store_deadlines_stop(struct store *s, int64_t case_id, char **events, const char *reason,
			  int64_t message_row, GDateTime *now, GError **error)
{
	sqlite3_stmt *q = store_prep(s, "SELECT id, kind, stop_on FROM deadlines WHERE case_id = ?"
				  " AND state = 'open' ORDER BY id", error);
	if (!q)
		return false;
	sqlite3_bind_int64(q, 1, case_id);
	g_autoptr(GArray) ids = g_array_new(FALSE, FALSE, sizeof(int64_t));
	g_autoptr(GPtrArray) kinds = g_ptr_array_new_with_free_func(g_free);
	while (sqlite3_step(q) == SQLITE_ROW) {
		g_autofree char *on = store_col_text(q, 2);
		if (!stops(on, events))
			continue;
		int64_t id = sqlite3_column_int64(q, 0);
		g_array_append_val(ids, id);
		g_ptr_array_add(kinds, store_col_text(q, 1));
	}
	sqlite3_finalize(q);
	g_autofree char *at = store_iso(now);
	for (guint i = 0; i < ids->len; i++) {
		sqlite3_stmt *st = store_prep(s, "UPDATE deadlines SET state = ?, stopped_at = ?,"
					   " stop_reason = ? WHERE id = ?", error);
		if (!st)
			return false;
		store_bind_text(st, 1, events ? "met" : "stopped");
		store_bind_text(st, 2, at);
		store_bind_text(st, 3, reason);
		sqlite3_bind_int64(st, 4, g_array_index(ids, int64_t, i));
		if (!store_step_done(s, st, error, "stop deadline"))
			return false;
		g_autofree char *ev = g_strdup_printf("%s clock stopped: %s",
						      (const char *)g_ptr_array_index(kinds, i), reason);
		if (!store_event_add(s, case_id, message_row, "cmegw", "deadline", ev, now, error))
			return false;
	}
	return true;
}

/* ---- the route view ---- */

static const char *view_postcode_la(void *ctx, const char *postcode)
{
	struct store *s = ctx;
	g_clear_pointer(&s->scratch, g_free);
	/* A live row first; a terminated postcode still says where it was. */
	sqlite3_stmt *st = store_prep(s, "SELECT la FROM postcodes WHERE postcode = ?", NULL);
	if (!st)
		return NULL;
	store_bind_text(st, 1, postcode);
	if (sqlite3_step(st) == SQLITE_ROW)
		s->scratch = store_col_text(st, 0);
	sqlite3_finalize(st);
	return s->scratch;
}

static bool case_from(struct store *s, sqlite3_stmt *st, struct route_case *c_r)
{
	bool found = sqlite3_step(st) == SQLITE_ROW;
	if (found) {
		g_free(s->scratch_ref);
		g_free(s->scratch_la);
		s->scratch_ref = store_col_text(st, 1);
		s->scratch_la = store_col_text(st, 3);
		g_autofree char *risk = store_col_text(st, 2);
		c_r->id = sqlite3_column_int64(st, 0);
		c_r->ref = s->scratch_ref;
		c_r->risk = (enum route_risk)risk_rank(risk);
		c_r->residence_la = s->scratch_la;
	}
	sqlite3_finalize(st);
	return found;
}

#define CASE_COLS "SELECT c.id, c.ref, c.risk, c.residence_la FROM cases c"

static bool view_case_by_upn(void *ctx, const char *upn, struct route_case *c_r)
{
	struct store *s = ctx;
	sqlite3_stmt *st = store_prep(s, CASE_COLS " JOIN children ch ON ch.id = c.child_id"
				   " WHERE (ch.upn = ?1 OR ch.former_upn = ?1) AND c.status = 'open'"
				   " ORDER BY c.id LIMIT 1", NULL);
	if (!st)
		return false;
	store_bind_text(st, 1, upn);
	return case_from(s, st, c_r);
}

static bool view_case_by_name_dob(void *ctx, const char *surname, const char *dob,
				  struct route_case *c_r)
{
	struct store *s = ctx;
	sqlite3_stmt *st = store_prep(s, CASE_COLS " JOIN children ch ON ch.id = c.child_id"
				   " WHERE ch.surname_key = ? AND ch.dob = ? AND c.status = 'open'"
				   " ORDER BY c.id LIMIT 1", NULL);
	if (!st)
		return false;
	g_autofree char *key = g_utf8_casefold(surname, -1);
	store_bind_text(st, 1, key);
	store_bind_text(st, 2, dob);
	return case_from(s, st, c_r);
}

static bool view_case_by_ref(void *ctx, const char *ref, struct route_case *c_r)
{
	struct store *s = ctx;
	sqlite3_stmt *st = store_prep(s, CASE_COLS " WHERE c.ref = ?", NULL);
	if (!st)
		return false;
	store_bind_text(st, 1, ref);
	return case_from(s, st, c_r);
}

static unsigned view_acks_today(void *ctx, const char *address)
{
	struct store *s = ctx;
	sqlite3_stmt *st = store_prep(s, "SELECT count(*) FROM outbox WHERE kind IN ('ack_referrer',"
				   " 'not_cme_notice') AND"
				   " recipients = json_array(lower(?)) AND substr(created_at, 1, 10) = ?", NULL);
	if (!st)
		return 0;
	g_autofree char *day = store_iso(s->now);
	day[10] = '\0';
	store_bind_text(st, 1, address);
	store_bind_text(st, 2, day);
	unsigned n = sqlite3_step(st) == SQLITE_ROW ? (unsigned)sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);
	return n;
}

static void view_candidates(void *ctx, const char *name_key, const char *surname,
			    const char *dob, GPtrArray *out)
{
	struct store *s = ctx;
	sqlite3_stmt *st = store_prep(s, "SELECT c.id, c.ref, c.risk, c.residence_la, ch.forename,"
				   " ch.middle_names, ch.surname, ch.preferred_name, ch.dob, ch.upn,"
				   " ch.former_upn FROM cases c JOIN children ch ON ch.id = c.child_id"
				   " WHERE c.status = 'open' AND (ch.dob = ?1 OR ch.name_key = ?2 OR"
				   " ch.surname_key = ?3) ORDER BY c.id LIMIT 200", NULL);
	if (!st)
		return;
	g_autofree char *folded = surname ? g_utf8_casefold(surname, -1) : NULL;
	store_bind_text(st, 1, dob);
	store_bind_text(st, 2, name_key);
	store_bind_text(st, 3, folded);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct route_candidate *c = g_new0(struct route_candidate, 1);
		g_autofree char *risk = store_col_text(st, 2);
		c->id = sqlite3_column_int64(st, 0);
		c->ref = store_col_text(st, 1);
		c->risk = (enum route_risk)risk_rank(risk);
		c->residence_la = store_col_text(st, 3);
		c->forename = store_col_text(st, 4);
		c->middle_names = store_col_text(st, 5);
		c->surname = store_col_text(st, 6);
		c->preferred_name = store_col_text(st, 7);
		c->dob = store_col_text(st, 8);
		c->upn = store_col_text(st, 9);
		c->former_upn = store_col_text(st, 10);
		g_ptr_array_add(out, c);
	}
	sqlite3_finalize(st);
}

/* view_case_referrer - whom the case's referral was acknowledged to: so the
 * rules of invariant 7 (never an auto-submitted sender, a bounce, ourselves)
 * already held; NULL when no acknowledgement was sent */
static const char *view_case_referrer(void *ctx, int64_t case_id)
{
	struct store *s = ctx;
	g_clear_pointer(&s->scratch, g_free);
	sqlite3_stmt *st = store_prep(s, "SELECT json_extract(recipients, '$[0]') FROM outbox WHERE"
				   " case_id = ? AND kind = 'ack_referrer' ORDER BY id LIMIT 1", NULL);
	if (!st)
		return NULL;
	sqlite3_bind_int64(st, 1, case_id);
	if (sqlite3_step(st) == SQLITE_ROW)
		s->scratch = store_col_text(st, 0);
	sqlite3_finalize(st);
	return s->scratch;
}

static bool view_case_by_sent_message(void *ctx, const char *message_id, struct route_case *c_r)
{
	struct store *s = ctx;
	sqlite3_stmt *st = store_prep(s, CASE_COLS " JOIN outbox o ON o.case_id = c.id"
				   " WHERE o.message_id = ? ORDER BY o.id LIMIT 1", NULL);
	if (!st)
		return false;
	store_bind_text(st, 1, message_id);
	return case_from(s, st, c_r);
}

void store_route_view(struct store *s, GDateTime *now, struct route_view *v)
{
	if (s->now)
		g_date_time_unref(s->now);
	s->now = g_date_time_ref(now);
	v->ctx = s;
	v->postcode_la = view_postcode_la;
	v->case_by_upn = view_case_by_upn;
	v->case_by_name_dob = view_case_by_name_dob;
	v->case_by_ref = view_case_by_ref;
	v->acks_today = view_acks_today;
	v->candidates = view_candidates;
	v->case_by_sent_message = view_case_by_sent_message;
	v->case_referrer = view_case_referrer;
}

/* ---- postcodes ---- */

bool store_postcode_put(struct store *s, const char *postcode, const char *la, bool terminated,
			GError **error)
{
	/* A live record wins over a terminated one for the same postcode. */
	sqlite3_stmt *st = store_prep(s, "INSERT INTO postcodes(postcode, la, terminated) VALUES (?,?,?)"
				   " ON CONFLICT(postcode) DO UPDATE SET la = excluded.la,"
				   " terminated = excluded.terminated"
				   " WHERE excluded.terminated <= postcodes.terminated", error);
	if (!st)
		return false;
	store_bind_text(st, 1, postcode);
	store_bind_text(st, 2, la);
	sqlite3_bind_int(st, 3, terminated);
	return store_step_done(s, st, error, "store postcode");
}

bool store_postcodes_clear(struct store *s, GError **error)
{
	return store_exec(s, "DELETE FROM postcodes", error);
}

/* ---- listings ---- */

void store_json_add_str(JsonBuilder *b, const char *name, sqlite3_stmt *st, int col)
{
	json_builder_set_member_name(b, name);
	const unsigned char *t = sqlite3_column_text(st, col);
	if (t)
		json_builder_add_string_value(b, (const char *)t);
	else
		json_builder_add_null_value(b);
}

static void add_tri(JsonBuilder *b, const char *name, sqlite3_stmt *st, int col)
{
	json_builder_set_member_name(b, name);
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		json_builder_add_null_value(b);
	else
		json_builder_add_boolean_value(b, sqlite3_column_int(st, col) != 0);
}

#define CASE_LIST_SQL \
	"SELECT c.id, c.ref, c.status, c.category, c.risk, c.residence_la, c.school_la," \
	" c.opened_at, c.closed_at, c.outcome, ch.forename, ch.middle_names, ch.surname," \
	" ch.preferred_name, ch.dob, ch.sex, ch.upn, ch.ethnicity, ch.eal, ch.fsm, ch.sen," \
	" ch.former_upn FROM cases c JOIN children ch ON ch.id = c.child_id"

/* case_object - one case row as the FIELDS.md object */
static void case_object(struct store *s, JsonBuilder *b, sqlite3_stmt *st)
{
	static const char *const names[] = { "forename", "middle_names", "surname",
					     "preferred_name", "dob", "sex", "upn", "ethnicity" };
	int64_t id = sqlite3_column_int64(st, 0);
	json_builder_begin_object(b);
	store_json_add_str(b, "ref", st, 1);
	store_json_add_str(b, "status", st, 2);
	store_json_add_str(b, "category", st, 3);
	store_json_add_str(b, "risk", st, 4);
	store_json_add_str(b, "residence_la", st, 5);
	store_json_add_str(b, "school_la", st, 6);
	store_json_add_str(b, "opened_at", st, 7);
	store_json_add_str(b, "closed_at", st, 8);
	store_json_add_str(b, "outcome", st, 9);
	json_builder_set_member_name(b, "child");
	json_builder_begin_object(b);
	for (int i = 0; i < 8; i++) {
		store_json_add_str(b, names[i], st, 10 + i);
		if (strcmp(names[i], "upn") == 0)
			store_json_add_str(b, "former_upn", st, 21);
	}
	add_tri(b, "eal", st, 18);
	add_tri(b, "fsm", st, 19);
	store_json_add_str(b, "sen", st, 20);
	json_builder_end_object(b);

	json_builder_set_member_name(b, "deadlines");
	json_builder_begin_array(b);
	sqlite3_stmt *d = store_prep(s, "SELECT kind, due, state FROM deadlines WHERE case_id = ? ORDER BY due", NULL);
	if (d) {
		sqlite3_bind_int64(d, 1, id);
		while (sqlite3_step(d) == SQLITE_ROW) {
			json_builder_begin_object(b);
			store_json_add_str(b, "kind", d, 0);
			store_json_add_str(b, "due", d, 1);
			store_json_add_str(b, "state", d, 2);
			json_builder_end_object(b);
		}
		sqlite3_finalize(d);
	}
	json_builder_end_array(b);

	json_builder_set_member_name(b, "messages");
	json_builder_begin_array(b);
	sqlite3_stmt *m = store_prep(s, "SELECT message_id FROM messages WHERE message_id IS NOT NULL"
				  " AND (case_id = ?1 OR id IN (SELECT message_row FROM message_cases"
				  " WHERE case_id = ?1)) ORDER BY id", NULL);
	if (m) {
		sqlite3_bind_int64(m, 1, id);
		while (sqlite3_step(m) == SQLITE_ROW)
			json_builder_add_string_value(b, (const char *)sqlite3_column_text(m, 0));
		sqlite3_finalize(m);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
}

JsonNode *store_cases_json(struct store *s, bool all, GError **error)
{
	sqlite3_stmt *st = store_prep(s, all ? CASE_LIST_SQL " ORDER BY c.id"
				       : CASE_LIST_SQL " WHERE c.status = 'open' ORDER BY c.id", error);
	if (!st)
		return NULL;
	g_autoptr(JsonBuilder) b = json_builder_new();
	json_builder_begin_array(b);
	while (sqlite3_step(st) == SQLITE_ROW)
		case_object(s, b, st);
	sqlite3_finalize(st);
	json_builder_end_array(b);
	return json_builder_get_root(b);
}

JsonNode *store_case_json(struct store *s, const char *ref, GError **error)
{
	sqlite3_stmt *st = store_prep(s, CASE_LIST_SQL " WHERE c.ref = ?", error);
	if (!st)
		return NULL;
	store_bind_text(st, 1, ref);
	g_autoptr(JsonBuilder) b = json_builder_new();
	bool found = false;
	if (sqlite3_step(st) == SQLITE_ROW) {
		case_object(s, b, st);
		found = true;
	}
	sqlite3_finalize(st);
	if (!found) {
		g_set_error(error, STORE_ERROR, STORE_ERROR_NOT_FOUND, "case '%s' not found", ref);
		return NULL;
	}
	JsonNode *node = json_builder_get_root(b);
	/* The audit trail, for people reading one case. */
	JsonObject *o = json_node_get_object(node);
	JsonArray *events = json_array_new();
	sqlite3_stmt *e = store_prep(s, "SELECT e.at, e.actor, e.kind, e.detail, m.message_id FROM events e"
				  " JOIN cases c ON c.id = e.case_id LEFT JOIN messages m ON"
				  " m.id = e.message_row WHERE c.ref = ? ORDER BY e.id", NULL);
	if (e) {
		store_bind_text(e, 1, ref);
		while (sqlite3_step(e) == SQLITE_ROW) {
			JsonObject *ev = json_object_new();
			static const char *const cols[] = { "at", "actor", "kind", "detail", "message_id" };
			for (int i = 0; i < 5; i++) {
				const unsigned char *t = sqlite3_column_text(e, i);
				if (t)
					json_object_set_string_member(ev, cols[i], (const char *)t);
				else
					json_object_set_null_member(ev, cols[i]);
			}
			json_array_add_object_element(events, ev);
		}
		sqlite3_finalize(e);
	}
	json_object_set_array_member(o, "events", events);
	return node;
}

GHashTable *store_message_counts(struct store *s)
{
	GHashTable *t = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	sqlite3_stmt *st = store_prep(s, "SELECT status, count(*) FROM messages GROUP BY status", NULL);
	if (!st)
		return t;
	while (sqlite3_step(st) == SQLITE_ROW)
		g_hash_table_insert(t, store_col_text(st, 0), GINT_TO_POINTER(sqlite3_column_int(st, 1)));
	sqlite3_finalize(st);
	return t;
}
