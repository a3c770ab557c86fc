/* test_store_deadlines.c - clocks, closing and matching candidates on a real SQLite file */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <glib.h>
#include <json-glib/json-glib.h>
#include "store/store.h"
#include "parse/parse_p.h"

static const char *member_str(JsonObject *o, const char *name)
{
	return json_object_get_null_member(o, name) ? NULL : json_object_get_string_member(o, name);
}

static struct route_deadline *deadline(const char *kind, const char *due, const char *stop)
{
	struct route_deadline *d = g_new0(struct route_deadline, 1);
	d->kind = g_strdup(kind);
	d->due = g_strdup(due);
	d->action = g_strdup("reminder");
	d->to = g_strdup("team");
	d->stop_on = g_strdup(stop);
	return d;
}

static void test_clocks(void **state)
{
	(void)state;
	g_autofree char *dir = g_dir_make_tmp("cmegw-store-dl-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "cmegw.db", NULL);
	GError *err = NULL;
	struct store *db = store_open(path, &err);
	assert_non_null(db);
	assert_true(store_schema_version() >= 2);
	GDateTime *now = g_date_time_new_from_iso8601("2026-12-01T10:00:00Z", NULL);

	struct parse_record *r = parse_record_new();
	r->kind = PARSE_KIND_REFERRAL;
	r->child.forename = g_strdup("Zoë");
	r->child.surname = g_strdup("O'Brien-Smith");
	r->child.dob = g_strdup("2015-03-14");
	struct route_decision *d = g_new0(struct route_decision, 1);
	d->notices = g_ptr_array_new();
	d->deadlines = g_ptr_array_new_with_free_func((GDestroyNotify)route_deadline_free);
	g_ptr_array_add(d->deadlines, deadline("parents_respond", "2026-12-15", "reply"));
	g_ptr_array_add(d->deadlines, deadline("review", "2027-02-23", NULL));
	d->action = ROUTE_ACTION_OPEN;
	d->reason = g_strdup("test");

	int64_t id = 0;
	g_autofree char *ref = NULL;
	assert_true(store_begin(db, &err));
	assert_true(store_case_open(db, r, d, 0, now, &id, &ref, &err));
	assert_true(store_deadlines_add(db, id, d->deadlines, now, &err));
	assert_true(store_commit(db, &err));

	/* matching candidates by the normalised surname, and by dob */
	struct route_view v;
	store_route_view(db, now, &v);
	GPtrArray *c = g_ptr_array_new_with_free_func((GDestroyNotify)route_candidate_free);
	g_autofree char *key = route_name_key("OBRIEN SMITH");
	v.candidates(v.ctx, key, "OBRIEN SMITH", "2001-01-01", c);
	assert_int_equal(c->len, 1);
	assert_string_equal(((struct route_candidate *)g_ptr_array_index(c, 0))->ref, ref);
	g_ptr_array_set_size(c, 0);
	v.candidates(v.ctx, "nobody", "Nobody", "2015-03-14", c);
	assert_int_equal(c->len, 1);
	g_ptr_array_set_size(c, 0);
	v.candidates(v.ctx, "nobody", "Nobody", "2015-03-15", c);
	assert_int_equal(c->len, 0);

	/* a reply stops the clocks that wait for one */
	char *events[] = { (char *)"reply", NULL };
	assert_true(store_begin(db, &err));
	assert_true(store_deadlines_stop(db, id, events, "reply received", 0, now, &err));
	assert_true(store_commit(db, &err));
	JsonNode *n = store_case_json(db, ref, &err);
	JsonArray *dl = json_object_get_array_member(json_node_get_object(n), "deadlines");
	assert_int_equal(json_array_get_length(dl), 2);
	JsonObject *d0 = json_array_get_object_element(dl, 0);
	assert_string_equal(member_str(d0, "kind"), "parents_respond");
	assert_string_equal(member_str(d0, "due"), "2026-12-15");
	assert_string_equal(member_str(d0, "state"), "met");
	assert_string_equal(member_str(json_array_get_object_element(dl, 1), "state"), "open");
	json_node_unref(n);

	/* closing stops the rest; the case leaves the open list */
	assert_true(store_begin(db, &err));
	assert_true(store_case_close(db, id, "on_roll", "located", 0, now, &err));
	assert_true(store_commit(db, &err));
	n = store_case_json(db, ref, &err);
	JsonObject *o = json_node_get_object(n);
	assert_string_equal(member_str(o, "status"), "closed");
	assert_string_equal(member_str(o, "outcome"), "on_roll");
	dl = json_object_get_array_member(o, "deadlines");
	assert_string_equal(member_str(json_array_get_object_element(dl, 1), "state"), "stopped");
	json_node_unref(n);
	g_ptr_array_set_size(c, 0);
	v.candidates(v.ctx, "nobody", "Nobody", "2015-03-14", c);
	assert_int_equal(c->len, 0);
	n = store_cases_json(db, false, &err);
	assert_int_equal(json_array_get_length(json_node_get_array(n)), 0);
	json_node_unref(n);

	g_ptr_array_unref(c);
	route_decision_free(d);
	parse_record_free(r);
	store_free(db);
	g_date_time_unref(now);
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* a terminated postcode still says where it was; a live record wins */
static void test_postcodes(void **state)
{
	(void)state;
	g_autofree char *dir = g_dir_make_tmp("cmegw-store-pc-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "cmegw.db", NULL);
	GError *err = NULL;
	struct store *db = store_open(path, &err);
	assert_non_null(db);
	assert_true(store_postcode_put(db, "ME4 9ZZ", "E06000035", true, &err));
	assert_true(store_postcode_put(db, "DE4 3AG", "E10000016", true, &err));
	assert_true(store_postcode_put(db, "DE4 3AG", "E10000007", false, &err));
	assert_true(store_postcode_put(db, "DE4 3AG", "E10000099", true, &err));
	GDateTime *now = g_date_time_new_from_iso8601("2026-12-01T10:00:00Z", NULL);
	struct route_view v;
	store_route_view(db, now, &v);
	assert_string_equal(v.postcode_la(v.ctx, "ME4 9ZZ"), "E06000035");
	assert_string_equal(v.postcode_la(v.ctx, "DE4 3AG"), "E10000007");
	assert_null(v.postcode_la(v.ctx, "ZZ9 9ZZ"));
	store_free(db);
	g_date_time_unref(now);
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clocks),
		cmocka_unit_test(test_postcodes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
