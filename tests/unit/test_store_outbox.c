/* test_store_outbox.c - per-recipient delivery in the outbox (issue 6) on a
 * real SQLite file: attempts claimed before the send, settling to sent /
 * failed / queued with back-off, the max_attempts and horizon give-ups, runs
 * that died mid-send, bounces, and what the digest reads. One TAP line per
 * table row.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <glib.h>
#include <glib/gstdio.h>
#include "store/store.h"
#include "store/store_p.h"

struct fixture {
	char *dir;
	struct store *db;
	GDateTime *now;
};

static int setup(void **state)
{
	struct fixture *f = g_new0(struct fixture, 1);
	g_autofree char *path = NULL;
	GError *err = NULL;

	f->dir = g_dir_make_tmp("cmegw-outbox-XXXXXX", NULL);
	path = g_build_filename(f->dir, "cmegw.db", NULL);
	f->db = store_open(path, &err);
	assert_null(err);
	f->now = g_date_time_new_from_iso8601("2026-12-01T10:00:00Z", NULL);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", f->dir);

	store_free(f->db);
	assert_int_equal(system(cmd), 0);
	g_date_time_unref(f->now);
	g_free(f->dir);
	g_free(f);
	return 0;
}

/* queue - a notification KEY to A (and B), its id */
static int64_t queue(struct fixture *f, const char *key, const char *a, const char *b)
{
	char *to[] = { (char *)a, (char *)b, NULL };
	g_autoptr(GBytes) raw = g_bytes_new_static("x", 1);
	g_autofree char *msgid = g_strdup_printf("%s@cmegw.example.org", key);
	GError *err = NULL;
	bool added = false;
	int64_t id = 0;

	assert_true(store_outbox_add(f->db, 0, "officer_alert", key, to, "s", msgid, raw, f->now,
				     &added, &err));
	assert_true(added);
	assert_true(store_outbox_by_message_id(f->db, msgid, &id));
	return id;
}

/* outcome - one recipient's result in a round */
struct outcome {
	const char *address;
	int result;   /* enum store_rcpt_result, or -1: not tried this round */
};

struct row {
	const char *name;
	int rounds;                  /* rounds already counted before this one */
	struct outcome out[2];
	int max_attempts, horizon;   /* minutes */
	bool may_give_up;
	int at_minutes;              /* when this round happens, after queueing */
	const char *want_status;
	const char *want_error;      /* substring of last_error, or NULL: none */
	const char *unwanted_error;  /* must not be in last_error */
};

enum { S = STORE_RCPT_SENT, T = STORE_RCPT_TRANSIENT, P = STORE_RCPT_PERMANENT, N = -1 };

static const struct row rows[] = {
	{ "settle: every recipient sent", 0, { { "a@example.org", S }, { "b@example.net", S } },
	  10, 2880, true, 0, "sent", NULL, NULL },
	{ "settle: one 5xx fails the row, naming only that address", 0,
	  { { "a@example.org", S }, { "b@example.net", P } }, 10, 2880, true, 0, "failed",
	  "b@example.net: refused", "a@example.org" },
	{ "settle: a 4xx stays queued", 0, { { "a@example.org", S }, { "b@example.net", T } },
	  10, 2880, true, 0, "queued", "b@example.net: later", NULL },
	{ "settle: not tried this round stays queued", 0, { { "a@example.org", T }, { "b@example.net", N } },
	  10, 2880, true, 0, "queued", NULL, NULL },
	{ "settle: max_attempts rounds then failed", 2, { { "a@example.org", T }, { NULL, N } },
	  3, 2880, true, 30, "failed", "gave up after 3 attempts", NULL },
	{ "settle: past the horizon then failed", 0, { { "a@example.org", T }, { NULL, N } },
	  10, 60, true, 61, "failed", "gave up after 1 attempts: later", NULL },
	{ "settle: our own TLS/login failure never gives up", 5, { { "a@example.org", T }, { NULL, N } },
	  3, 60, false, 600, "queued", NULL, NULL },
};

static void test_settle(void **state)
{
	const struct row *row = *state;
	struct fixture *f;
	setup((void **)&f);
	int64_t id = queue(f, "k", row->out[0].address, row->out[1].address);
	g_autoptr(GDateTime) at = g_date_time_add_minutes(f->now, row->at_minutes);
	GError *err = NULL;
	const char *status = NULL;
	struct store_settle how = { row->max_attempts, row->horizon, row->may_give_up };

	for (int i = 0; i < row->rounds; i++)
		assert_true(store_outbox_round(f->db, id, at, &err));
	assert_true(store_outbox_round(f->db, id, at, &err));
	for (int i = 0; i < 2; i++) {
		bool claimed = false;
		if (!row->out[i].address || row->out[i].result == N)
			continue;
		assert_true(store_outbox_attempt(f->db, id, row->out[i].address, at, &claimed, &err));
		assert_true(claimed);
		assert_true(store_outbox_rcpt_result(f->db, id, row->out[i].address,
						     (enum store_rcpt_result)row->out[i].result,
						     row->out[i].result == P ? "refused" :
						     row->out[i].result == T ? "later" : NULL, at, &err));
	}
	assert_true(store_outbox_settle(f->db, id, &how, at, &status, &err));
	assert_string_equal(status, row->want_status);

	struct store_outbox_row r;
	assert_true(store_outbox_row(f->db, id, &r, &err));
	assert_string_equal(r.status, row->want_status);
	if (row->want_error) {
		assert_non_null(r.last_error);
		if (!strstr(r.last_error, row->want_error))
			fail_msg("last_error '%s' lacks '%s'", r.last_error, row->want_error);
	}
	if (row->unwanted_error && r.last_error && strstr(r.last_error, row->unwanted_error))
		fail_msg("last_error '%s' has '%s'", r.last_error, row->unwanted_error);
	store_outbox_row_clear(&r);

	/* a queued row is due again only after its back-off */
	g_autoptr(GPtrArray) due = store_outbox_due(f->db, at, &err);
	assert_non_null(due);
	if (strcmp(row->want_status, "queued") == 0) {
		g_autoptr(GDateTime) later = g_date_time_add_minutes(at, 61);
		g_autoptr(GPtrArray) due2 = store_outbox_due(f->db, later, &err);
		assert_int_equal(due->len, 0);
		assert_int_equal(due2->len, 1);
		struct store_outbox_item *it = g_ptr_array_index(due2, 0);
		/* what was sent is not offered again */
		for (int i = 0; it->pending[i]; i++)
			for (int k = 0; k < 2; k++)
				if (row->out[k].address && row->out[k].result == S)
					assert_string_not_equal(it->pending[i], row->out[k].address);
	}
	teardown((void **)&f);
}

/* test_interrupted - a recipient left 'sending' by a dead run is failed,
 * not offered again; a fresh one (another run at work) is left alone */
static void test_interrupted(void **state)
{
	struct fixture *f = *state;
	GError *err = NULL;
	bool claimed = false;
	int64_t old = queue(f, "old", "a@example.org", NULL);
	int64_t fresh = queue(f, "fresh", "b@example.org", NULL);
	g_autoptr(GDateTime) later = g_date_time_add_minutes(f->now, 30);
	g_autoptr(GDateTime) stale = g_date_time_add_minutes(later, -11);

	assert_true(store_outbox_attempt(f->db, old, "a@example.org", f->now, &claimed, &err));
	assert_true(claimed);
	assert_true(store_outbox_attempt(f->db, old, "a@example.org", f->now, &claimed, &err));
	assert_false(claimed);   /* a second run cannot claim it */
	assert_true(store_outbox_attempt(f->db, fresh, "b@example.org", later, &claimed, &err));
	g_autoptr(GArray) ids = store_outbox_interrupted(f->db, stale, &err);
	assert_non_null(ids);
	assert_int_equal(ids->len, 1);
	assert_int_equal(g_array_index(ids, int64_t, 0), old);

	struct store_settle how = { 10, 2880, true };
	const char *status = NULL;
	assert_true(store_outbox_settle(f->db, old, &how, later, &status, &err));
	assert_string_equal(status, "failed");
	struct store_outbox_row r;
	assert_true(store_outbox_row(f->db, old, &r, &err));
	assert_non_null(strstr(r.last_error, "interrupted"));
	assert_string_equal(r.failed_to, "a@example.org");
	store_outbox_row_clear(&r);
	g_autoptr(GPtrArray) due = store_outbox_due(f->db, later, &err);
	for (guint i = 0; i < due->len; i++)
		assert_int_not_equal(((struct store_outbox_item *)due->pdata[i])->id, old);
}

/* test_bounced - the DSN's recipient bounces; an unknown one bounces all */
static void test_bounced(void **state)
{
	struct fixture *f = *state;
	GError *err = NULL;
	int64_t one = queue(f, "one", "a@example.org", "b@example.net");
	int64_t all = queue(f, "all", "c@example.org", "d@example.net");
	struct store_outbox_row r;

	assert_true(store_outbox_sent(f->db, one, f->now, &err));
	assert_true(store_outbox_bounced(f->db, one, "B@example.net", "5.1.1 unknown", f->now, &err));
	assert_true(store_outbox_row(f->db, one, &r, &err));
	assert_string_equal(r.status, "failed");
	assert_string_equal(r.failed_to, "b@example.net");
	assert_string_equal(r.last_error, "bounced: 5.1.1 unknown");
	store_outbox_row_clear(&r);
	assert_true(store_outbox_bounced(f->db, all, "z@example.org", NULL, f->now, &err));
	assert_true(store_outbox_row(f->db, all, &r, &err));
	assert_string_equal(r.failed_to, "c@example.org, d@example.net");
	assert_string_equal(r.last_error, "bounced: no reason given");
	assert_false(r.alerted);
	store_outbox_row_clear(&r);
	assert_true(store_outbox_mark_alerted(f->db, all, &err));
	assert_true(store_outbox_row(f->db, all, &r, &err));
	assert_true(r.alerted);
	store_outbox_row_clear(&r);
	int64_t id = 0;
	assert_false(store_outbox_by_message_id(f->db, "nobody@example.org", &id));
}

/* test_digest - what the digest reads: failed notifications and deadlines */
static void test_digest(void **state)
{
	struct fixture *f = *state;
	GError *err = NULL;
	int64_t id = queue(f, "dig", "a@example.org", NULL);

	assert_true(store_exec(f->db,
		"INSERT INTO children(id, forename, surname) VALUES (1, 'Amelia', 'Testchild');"
		"INSERT INTO cases(id, ref, child_id, category, risk, opened_at) VALUES"
		" (1, 'CME-2026-000001', 1, 'missing', 'immediate', '2026-12-01T09:00:00Z'),"
		" (2, 'CME-2026-000002', 1, 'potential', 'standard', '2026-10-01T09:00:00Z');"
		"INSERT INTO deadlines(case_id, kind, due) VALUES (1, 'today', '2026-12-01'),"
		" (1, 'late', '2026-11-28'), (2, 'later', '2026-12-09');", &err));
	assert_true(store_outbox_bounced(f->db, id, NULL, "5.1.1", f->now, &err));
	g_autoptr(GDateTime) since = g_date_time_add_days(f->now, -1);
	g_autoptr(JsonNode) node = store_digest_json(f->db, since, f->now, 20, &err);
	assert_non_null(node);
	JsonObject *o = json_node_get_object(node);
	static const struct { const char *list; guint n; } want[] = {
		{ "new_cases", 1 }, { "deadlines_due", 1 }, { "deadlines_overdue", 1 },
		{ "long_open", 1 }, { "notifications_failed", 1 }, { "review_items", 0 },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(want); i++)
		if (json_array_get_length(json_object_get_array_member(o, want[i].list)) != want[i].n)
			fail_msg("%s: want %u", want[i].list, want[i].n);
	JsonObject *failed = json_array_get_object_element(
		json_object_get_array_member(o, "notifications_failed"), 0);
	assert_string_equal(json_object_get_string_member(failed, "status"), "bounced");
	assert_string_equal(json_object_get_string_member(failed, "to"), "a@example.org");
	assert_int_equal(json_object_get_int_member(o, "open_cases"), 2);
	g_autoptr(JsonNode) dl = store_deadlines_open_json(f->db, &err);
	assert_int_equal(json_array_get_length(json_object_get_array_member(
		json_node_get_object(dl), "deadlines")), 3);
}

int main(void)
{
	struct CMUnitTest tests[G_N_ELEMENTS(rows) + 3];
	size_t n = 0;

	for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
		struct CMUnitTest t = { rows[i].name, test_settle, NULL, NULL, (void *)&rows[i] };
		tests[n++] = t;
	}
	tests[n++] = (struct CMUnitTest)cmocka_unit_test_setup_teardown(test_interrupted, setup, teardown);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test_setup_teardown(test_bounced, setup, teardown);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test_setup_teardown(test_digest, setup, teardown);
	return _cmocka_run_group_tests("store_outbox", tests, n, NULL, NULL);
}
