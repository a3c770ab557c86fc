/* test_store.c - the register on a real SQLite file */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include "store/store.h"
#include "parse/parse_p.h"

struct fixture {
	char *dir, *path;
	struct store *db;
	GDateTime *now;
};

static int setup(void **state)
{
	struct fixture *f = g_new0(struct fixture, 1);
	f->dir = g_dir_make_tmp("cmegw-store-XXXXXX", NULL);
	f->path = g_build_filename(f->dir, "sub", "cmegw.db", NULL);
	GError *err = NULL;
	f->db = store_open(f->path, &err);
	assert_null(err);
	f->now = g_date_time_new_from_iso8601("2026-12-01T10:00:00Z", NULL);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	store_free(f->db);
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	g_date_time_unref(f->now);
	g_free(f->path);
	g_free(f->dir);
	g_free(f);
	return 0;
}

static struct parse_record *child(const char *surname, const char *dob, const char *upn)
{
	struct parse_record *r = parse_record_new();
	r->kind = PARSE_KIND_REFERRAL;
	r->child.forename = g_strdup("Alex");
	r->child.surname = g_strdup(surname);
	r->child.dob = g_strdup(dob);
	r->child.upn = g_strdup(upn);
	return r;
}

static struct route_decision *decision(enum route_risk risk, const char *la)
{
	struct route_decision *d = g_new0(struct route_decision, 1);
	d->notices = g_ptr_array_new();
	d->action = ROUTE_ACTION_OPEN;
	d->risk = risk;
	d->category = ROUTE_CATEGORY_WITHOUT_PLACE;
	d->residence_la = g_strdup(la);
	d->reason = g_strdup("test");
	return d;
}

static int64_t add_message(struct fixture *f, const char *sha, const char *msgid, uint32_t uid)
{
	struct store_message m = { .source = "imap", .mailbox = "INBOX", .uidvalidity = 5,
				   .uid = uid, .message_id = msgid, .sha256 = sha,
				   .sender = "dsl@school.example.net", .spool_path = "/x",
				   .received_at = f->now };
	int64_t id = 0;
	GError *err = NULL;
	assert_true(store_message_add(f->db, &m, &id, &err));
	return id;
}

static void test_schema(void **state)
{
	struct fixture *f = *state;
	/* Reopening migrates nothing and keeps the data. */
	assert_true(store_mailbox_set(f->db, "INBOX", 42, 7, NULL));
	store_free(f->db);
	f->db = store_open(f->path, NULL);
	assert_non_null(f->db);
	uint32_t uv = 0, last = 0;
	assert_true(store_mailbox_get(f->db, "INBOX", &uv, &last));
	assert_int_equal(uv, 42);
	assert_int_equal(last, 7);
	assert_false(store_mailbox_get(f->db, "Other", &uv, &last));
	assert_true(store_schema_version() >= 1);
}

static void test_refs_and_matching(void **state)
{
	struct fixture *f = *state;
	GError *err = NULL;
	struct parse_record *r = child("O'Brien", "2015-03-14", "H801200001001");
	struct route_decision *d = decision(ROUTE_RISK_HIGH, "E06000035");
	int64_t id1 = 0, id2 = 0, id3 = 0;
	char *ref1 = NULL, *ref2 = NULL, *ref3 = NULL;
	int64_t row = add_message(f, "aa", "m1@example.net", 1);
	assert_true(store_case_open(f->db, r, d, row, f->now, &id1, &ref1, &err));
	assert_string_equal(ref1, "CME-2026-000001");
	assert_true(store_case_open(f->db, r, d, row, f->now, &id2, &ref2, &err));
	assert_string_equal(ref2, "CME-2026-000002");
	GDateTime *next_year = g_date_time_new_from_iso8601("2027-01-02T00:00:00Z", NULL);
	assert_true(store_case_open(f->db, r, d, row, next_year, &id3, &ref3, &err));
	assert_string_equal(ref3, "CME-2027-000001");
	g_date_time_unref(next_year);

	struct route_view v;
	store_route_view(f->db, f->now, &v);
	struct route_case c = { 0 };
	assert_true(v.case_by_upn(v.ctx, "H801200001001", &c));
	assert_int_equal(c.id, id1);
	assert_string_equal(c.ref, "CME-2026-000001");
	assert_int_equal(c.risk, ROUTE_RISK_HIGH);
	assert_true(v.case_by_name_dob(v.ctx, "o'brien", "2015-03-14", &c));
	assert_false(v.case_by_name_dob(v.ctx, "O'Brien", "2015-03-15", &c));
	assert_false(v.case_by_upn(v.ctx, "B801200005001", &c));
	assert_true(v.case_by_ref(v.ctx, "CME-2027-000001", &c));
	assert_int_equal(c.id, id3);

	/* Risk only rises on update. */
	struct route_decision *low = decision(ROUTE_RISK_STANDARD, NULL);
	assert_true(store_case_update(f->db, id1, r, low, row, f->now, &err));
	assert_true(v.case_by_ref(v.ctx, "CME-2026-000001", &c));
	assert_int_equal(c.risk, ROUTE_RISK_HIGH);
	assert_string_equal(c.residence_la, "E06000035");
	struct route_decision *up = decision(ROUTE_RISK_IMMEDIATE, NULL);
	assert_true(store_case_update(f->db, id1, r, up, row, f->now, &err));
	assert_true(v.case_by_ref(v.ctx, "CME-2026-000001", &c));
	assert_int_equal(c.risk, ROUTE_RISK_IMMEDIATE);

	JsonNode *one = store_case_json(f->db, "CME-2026-000001", &err);
	assert_non_null(one);
	JsonObject *o = json_node_get_object(one);
	static const char *const keys[] = { "ref", "status", "category", "risk", "residence_la",
					    "school_la", "opened_at", "closed_at", "outcome", "child",
					    "deadlines", "messages" };
	for (size_t i = 0; i < G_N_ELEMENTS(keys); i++)
		assert_true(json_object_has_member(o, keys[i]));
	assert_string_equal(json_object_get_string_member(o, "risk"), "immediate");
	assert_true(json_object_get_null_member(o, "school_la"));
	assert_int_equal(json_array_get_length(json_object_get_array_member(o, "events")), 3);
	JsonObject *ch = json_object_get_object_member(o, "child");
	assert_string_equal(json_object_get_string_member(ch, "surname"), "O'Brien");
	assert_true(json_object_get_null_member(ch, "eal"));
	json_node_unref(one);
	assert_null(store_case_json(f->db, "CME-2026-999999", &err));
	assert_true(g_error_matches(err, STORE_ERROR, STORE_ERROR_NOT_FOUND));
	g_clear_error(&err);

	g_free(ref1);
	g_free(ref2);
	g_free(ref3);
	route_decision_free(d);
	route_decision_free(low);
	route_decision_free(up);
	parse_record_free(r);
}

/* test_former_upn - a child's former UPN finds its open case as its UPN
 * does; a register from before former UPNs (schema 3) gains the column */
static void test_former_upn(void **state)
{
	struct fixture *f = *state;
	GError *err = NULL;
	struct parse_record *r = child("Testchild", "2015-03-14", "R674123101121");
	r->child.former_upn = g_strdup("H801200001001");
	struct route_decision *d = decision(ROUTE_RISK_STANDARD, "E06000035");
	int64_t id = 0, other = 0;
	char *ref = NULL, *ref2 = NULL;
	int64_t row = add_message(f, "ff", "former@example.net", 1);
	struct parse_record *r2 = child("Other", "2014-01-01", "B801200005001");
	assert_true(store_case_open(f->db, r2, d, row, f->now, &other, &ref2, &err));
	assert_true(store_case_open(f->db, r, d, row, f->now, &id, &ref, &err));

	struct route_view v;
	store_route_view(f->db, f->now, &v);
	struct route_case c = { 0 };
	static const struct { const char *upn; int which; } rows[] = {
		{ "R674123101121", 1 },    /* the UPN */
		{ "H801200001001", 1 },    /* the former UPN */
		{ "B801200005001", 2 },    /* the other child's UPN */
		{ "G80120000101A", 0 },    /* nobody's */
	};
	for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
		bool found = v.case_by_upn(v.ctx, rows[i].upn, &c);
		if (found != (rows[i].which != 0) ||
		    (found && c.id != (rows[i].which == 1 ? id : other)))
			fail_msg("case_by_upn row %zu (%s): found %d id %lld", i, rows[i].upn, found,
				 (long long)c.id);
	}
	GPtrArray *cands = g_ptr_array_new_with_free_func((GDestroyNotify)route_candidate_free);
	v.candidates(v.ctx, "testchild", "Testchild", "2015-03-14", cands);
	assert_int_equal(cands->len, 1);
	struct route_candidate *cand = g_ptr_array_index(cands, 0);
	assert_string_equal(cand->former_upn, "H801200001001");
	g_ptr_array_unref(cands);
	JsonNode *one = store_case_json(f->db, ref, &err);
	assert_non_null(one);
	JsonObject *ch = json_object_get_object_member(json_node_get_object(one), "child");
	assert_string_equal(json_object_get_string_member(ch, "former_upn"), "H801200001001");
	json_node_unref(one);
	/* a record whose former UPN is the child's UPN gives the child its new
	 * one (the old kept as the former); a UN placeholder changes nothing */
	struct parse_record *un = child("Testchild", "2015-03-14", "UN1");
	un->child.former_upn = g_strdup("R674123101121");
	assert_true(store_case_update(f->db, id, un, d, row, f->now, &err));
	assert_true(v.case_by_upn(v.ctx, "H801200001001", &c));
	struct parse_record *renum = child("Testchild", "2015-03-14", "G80120000101A");
	renum->child.former_upn = g_strdup("R674123101121");
	assert_true(store_case_update(f->db, id, renum, d, row, f->now, &err));
	assert_true(v.case_by_upn(v.ctx, "G80120000101A", &c));
	assert_int_equal(c.id, id);
	assert_true(v.case_by_upn(v.ctx, "R674123101121", &c));
	assert_int_equal(c.id, id);
	assert_false(v.case_by_upn(v.ctx, "H801200001001", &c));
	parse_record_free(un);
	parse_record_free(renum);
	/* a closed case is not found by its former UPN */
	assert_true(store_case_close(f->db, id, "on_roll", "test", row, f->now, &err));
	assert_false(v.case_by_upn(v.ctx, "R674123101121", &c));

	/* schema 3 -> 4 on a register with data: the column and its index */
	store_free(f->db);
	sqlite3 *raw = NULL;
	assert_int_equal(sqlite3_open(f->path, &raw), SQLITE_OK);
	assert_int_equal(sqlite3_exec(raw, "DROP INDEX children_former_upn;"
				      " ALTER TABLE children DROP COLUMN former_upn;"
				      " PRAGMA user_version = 3;", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(raw);
	f->db = store_open(f->path, &err);
	assert_non_null(f->db);
	store_route_view(f->db, f->now, &v);
	assert_true(v.case_by_upn(v.ctx, "B801200005001", &c));   /* the data survived */
	assert_int_equal(c.id, other);
	assert_false(v.case_by_upn(v.ctx, "H801200001001", &c));
	assert_int_equal(sqlite3_open(f->path, &raw), SQLITE_OK);
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(raw, "SELECT count(*) FROM sqlite_master WHERE"
					    " name = 'children_former_upn'", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 1);
	sqlite3_finalize(st);
	sqlite3_close(raw);

	g_free(ref);
	g_free(ref2);
	route_decision_free(d);
	parse_record_free(r);
	parse_record_free(r2);
}

static void test_rollback(void **state)
{
	struct fixture *f = *state;
	GError *err = NULL;
	struct parse_record *r = child("Smith", "2015-03-14", NULL);
	struct route_decision *d = decision(ROUTE_RISK_STANDARD, NULL);
	assert_true(store_begin(f->db, &err));
	int64_t row = add_message(f, "bb", "m2@example.net", 2);
	int64_t id = 0;
	char *ref = NULL;
	assert_true(store_case_open(f->db, r, d, row, f->now, &id, &ref, &err));
	store_rollback(f->db);
	g_free(ref);
	JsonNode *all = store_cases_json(f->db, true, &err);
	assert_int_equal(json_array_get_length(json_node_get_array(all)), 0);
	json_node_unref(all);
	int64_t found = 0;
	assert_false(store_message_by_uid(f->db, "INBOX", 5, 2, &found, NULL));
	/* The reference numbering rolled back too: the next case is 000001. */
	assert_true(store_case_open(f->db, r, d, 0, f->now, &id, &ref, &err));
	assert_string_equal(ref, "CME-2026-000001");
	g_free(ref);
	route_decision_free(d);
	parse_record_free(r);
}

static void test_duplicates(void **state)
{
	struct fixture *f = *state;
	int64_t first = add_message(f, "cc", "same@example.net", 3), id = 0;
	char *status = NULL;
	assert_true(store_message_by_uid(f->db, "INBOX", 5, 3, &id, &status));
	assert_int_equal(id, first);
	assert_string_equal(status, "received");
	g_free(status);
	assert_false(store_message_by_uid(f->db, "INBOX", 6, 3, &id, NULL));
	assert_true(store_message_duplicate(f->db, "cc", NULL, NULL, &id));
	assert_int_equal(id, first);
	assert_true(store_message_duplicate(f->db, "dd", "same@example.net", "dsl@school.example.net", &id));
	assert_false(store_message_duplicate(f->db, "dd", "same@example.net", "other@example.net", &id));
	assert_false(store_message_duplicate(f->db, "dd", NULL, "dsl@school.example.net", &id));
	GError *err = NULL;
	assert_true(store_message_finish(f->db, first, "referral", "processed", "ok", 0, &err));
	assert_true(store_message_by_uid(f->db, "INBOX", 5, 3, &id, &status));
	assert_string_equal(status, "processed");
	g_free(status);
}

static void test_outbox(void **state)
{
	struct fixture *f = *state;
	GError *err = NULL;
	char *to[] = { (char *)"DSL@School.example.net", NULL };
	g_autoptr(GBytes) raw = g_bytes_new_static("a\0b", 3);
	bool added = false;
	assert_true(store_outbox_add(f->db, 0, "ack_referrer", "k1", to, "s", "id1@x", raw, f->now,
				     &added, &err));
	assert_true(added);
	assert_true(store_outbox_add(f->db, 0, "ack_referrer", "k1", to, "s", "id2@x", raw, f->now,
				     &added, &err));
	assert_false(added);

	struct route_view v;
	store_route_view(f->db, f->now, &v);
	assert_int_equal(v.acks_today(v.ctx, "dsl@school.example.net"), 1);
	assert_int_equal(v.acks_today(v.ctx, "other@example.net"), 0);
	GDateTime *tomorrow = g_date_time_add_days(f->now, 1);
	store_route_view(f->db, tomorrow, &v);
	assert_int_equal(v.acks_today(v.ctx, "dsl@school.example.net"), 0);

	GPtrArray *due = store_outbox_due(f->db, f->now, &err);
	assert_int_equal(due->len, 1);
	struct store_outbox_item *it = g_ptr_array_index(due, 0);
	assert_string_equal(it->to[0], "dsl@school.example.net");
	assert_int_equal(g_bytes_get_size(it->raw), 3);   /* NUL bytes survive */
	int64_t id = it->id;
	g_ptr_array_unref(due);

	/* A transient failure: still queued, not due again at once, due later. */
	assert_true(store_outbox_failed(f->db, id, "connect refused", false, 3, f->now, &err));
	due = store_outbox_due(f->db, f->now, &err);
	assert_int_equal(due->len, 0);
	g_ptr_array_unref(due);
	due = store_outbox_due(f->db, tomorrow, &err);
	assert_int_equal(due->len, 1);
	g_ptr_array_unref(due);
	/* Attempts run out: failed, never due again. */
	assert_true(store_outbox_failed(f->db, id, "again", false, 3, tomorrow, &err));
	assert_true(store_outbox_failed(f->db, id, "and again", false, 3, tomorrow, &err));
	GDateTime *later = g_date_time_add_days(f->now, 30);
	due = store_outbox_due(f->db, later, &err);
	assert_int_equal(due->len, 0);
	g_ptr_array_unref(due);
	JsonNode *list = store_outbox_json(f->db, &err);
	JsonObject *o = json_array_get_object_element(json_node_get_array(list), 0);
	assert_string_equal(json_object_get_string_member(o, "status"), "failed");
	assert_int_equal(json_object_get_int_member(o, "attempts"), 3);
	assert_string_equal(json_object_get_string_member(o, "last_error"), "and again");
	assert_true(json_object_get_null_member(o, "sent_at"));
	json_node_unref(list);

	/* A permanent failure gives up at once; a sent one is done. */
	assert_true(store_outbox_add(f->db, 0, "officer_alert", "k2", to, "s", "id3@x", raw, f->now,
				     &added, &err));
	assert_true(store_outbox_add(f->db, 0, "officer_alert", "k3", to, "s", "id4@x", raw, f->now,
				     &added, &err));
	due = store_outbox_due(f->db, f->now, &err);
	assert_int_equal(due->len, 2);
	assert_true(store_outbox_failed(f->db, ((struct store_outbox_item *)due->pdata[0])->id,
					"550 no such user", true, 10, f->now, &err));
	assert_true(store_outbox_sent(f->db, ((struct store_outbox_item *)due->pdata[1])->id, f->now,
				      &err));
	g_ptr_array_unref(due);
	due = store_outbox_due(f->db, later, &err);
	assert_int_equal(due->len, 0);
	g_ptr_array_unref(due);
	g_date_time_unref(tomorrow);
	g_date_time_unref(later);
}

static void test_postcodes(void **state)
{
	struct fixture *f = *state;
	GError *err = NULL;
	assert_true(store_postcode_put(f->db, "ME4 4TR", "E06000035", false, &err));
	/* a terminated record does not replace a live one */
	assert_true(store_postcode_put(f->db, "ME4 4TR", "E10000016", true, &err));
	assert_true(store_postcode_put(f->db, "ME1 9ZZ", "E10000016", true, &err));
	/* a live record replaces a terminated one */
	assert_true(store_postcode_put(f->db, "ME1 9ZZ", "E06000035", false, &err));
	struct route_view v;
	store_route_view(f->db, f->now, &v);
	assert_string_equal(v.postcode_la(v.ctx, "ME4 4TR"), "E06000035");
	assert_string_equal(v.postcode_la(v.ctx, "ME1 9ZZ"), "E06000035");
	assert_null(v.postcode_la(v.ctx, "ZZ9 9ZZ"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_schema, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refs_and_matching, setup, teardown),
		cmocka_unit_test_setup_teardown(test_former_upn, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_outbox, setup, teardown),
		cmocka_unit_test_setup_teardown(test_postcodes, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
