/* test_route.c - the decision, with plain data for the register */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <glib.h>
#include "route/route.h"
#include "parse/parse_p.h"

/* ---- a register made of plain data ---- */

struct fake {
	struct route_case open;      /* the one open case, when open.id != 0 */
	const char *open_upn, *open_surname, *open_dob;
	unsigned acks;
};

static const char *fake_postcode_la(void *ctx, const char *pc)
{
	(void)ctx;
	if (g_str_has_prefix(pc, "ME"))
		return "E06000035";
	if (g_str_has_prefix(pc, "CT"))
		return "E10000016";
	if (g_str_has_prefix(pc, "SS"))
		return "E06000033";   /* Southend: a neighbour we have no address for */
	return NULL;
}

static bool fake_by_upn(void *ctx, const char *upn, struct route_case *c_r)
{
	struct fake *f = ctx;
	if (!f->open.id || g_strcmp0(f->open_upn, upn) != 0)
		return false;
	*c_r = f->open;
	return true;
}

static bool fake_by_name_dob(void *ctx, const char *surname, const char *dob,
			     struct route_case *c_r)
{
	struct fake *f = ctx;
	if (!f->open.id || g_ascii_strcasecmp(f->open_surname ? f->open_surname : "", surname) != 0 ||
	    g_strcmp0(f->open_dob, dob) != 0)
		return false;
	*c_r = f->open;
	return true;
}

static bool fake_by_ref(void *ctx, const char *ref, struct route_case *c_r)
{
	struct fake *f = ctx;
	if (!f->open.id || g_strcmp0(f->open.ref, ref) != 0)
		return false;
	*c_r = f->open;
	return true;
}

static unsigned fake_acks(void *ctx, const char *addr)
{
	(void)addr;
	return ((struct fake *)ctx)->acks;
}

static const char *team[] = { "team@medway.example.org", NULL };
static const char *hub[] = { "hub@medway.example.org", NULL };
static const char *immediate[] = { "cp_plan", "cin_plan", "looked_after", "cse", "trafficking", "fgm",
			     "forced_marriage", "radicalisation", "missing_episodes", NULL };
static const char *high[] = { "domestic_abuse", "ehcp", NULL };

static struct route_policy policy(GHashTable *neighbours, GHashTable *la)
{
	struct route_policy p = {
		.our_la = "E06000035", .our_address = "cme@medway.example.org",
		.our_from = "cmegw@medway.example.org", .team = (char **)team, .safeguarding_hub = (char **)hub,
		.neighbours = neighbours, .la_numbers = la, .risk_immediate = (char **)immediate,
		.risk_high = (char **)high, .ack_daily_cap = 10,
	};
	return p;
}

/* ---- rows ---- */

struct row {
	const char *name;
	enum parse_kind kind;
	const char *surname, *dob, *upn, *postcode, *laestab, *referrer, *factors, *sen;
	bool auto_submitted, whereabouts_unknown;
	struct fake register_;      /* what the register holds */
	/* expected */
	enum route_action action;
	enum route_risk risk;
	enum route_category category;
	const char *residence, *school_la;
	const char *notices;        /* "kind>to,kind>to" in order */
};

static const struct row rows[] = {
	{ "standard referral, lives here", PARSE_KIND_REFERRAL, "Smith", "2015-03-14", NULL,
	  "ME4 4TR", "8872345", "dsl@school.example.net", NULL, NULL, false, false, { { 0 } },
	  ROUTE_ACTION_OPEN, ROUTE_RISK_STANDARD, ROUTE_CATEGORY_WITHOUT_PLACE, "E06000035",
	  "E06000035",
	  "ack_referrer>dsl@school.example.net,officer_alert>team@medway.example.org" },
	{ "child protection plan: hub alerted", PARSE_KIND_REFERRAL, "Smith", "2015-03-14", NULL,
	  "ME4 4TR", NULL, "nurse@health.example.net", "cp_plan", NULL, false, false, { { 0 } },
	  ROUTE_ACTION_OPEN, ROUTE_RISK_IMMEDIATE, ROUTE_CATEGORY_WITHOUT_PLACE, "E06000035", NULL,
	  "ack_referrer>nurse@health.example.net,officer_alert>team@medway.example.org,"
	  "safeguarding_alert>hub@medway.example.org" },
	{ "missing episodes are immediate (issue 3 defaults)", PARSE_KIND_REFERRAL, "Smith",
	  "2015-03-14", NULL, "ME4 4TR", NULL, NULL, "missing_episodes,domestic_abuse", NULL, false,
	  false, { { 0 } }, ROUTE_ACTION_OPEN, ROUTE_RISK_IMMEDIATE, ROUTE_CATEGORY_WITHOUT_PLACE,
	  "E06000035", NULL,
	  "officer_alert>team@medway.example.org,safeguarding_alert>hub@medway.example.org" },
	{ "domestic abuse is high: no hub", PARSE_KIND_REFERRAL, "Smith", "2015-03-14", NULL,
	  "ME4 4TR", NULL, NULL, "domestic_abuse", NULL, false, false, { { 0 } }, ROUTE_ACTION_OPEN,
	  ROUTE_RISK_HIGH, ROUTE_CATEGORY_WITHOUT_PLACE, "E06000035", NULL,
	  "officer_alert>team@medway.example.org" },
	{ "an EHCP alone is high when the policy says so", PARSE_KIND_REFERRAL, "Smith",
	  "2015-03-14", NULL, "ME4 4TR", NULL, NULL, "sen", "ehcp", false, false, { { 0 } },
	  ROUTE_ACTION_OPEN, ROUTE_RISK_HIGH, ROUTE_CATEGORY_WITHOUT_PLACE, "E06000035", NULL,
	  "officer_alert>team@medway.example.org" },
	{ "lives in Kent: cross-border notice", PARSE_KIND_REFERRAL, "Smith", "2015-03-14", NULL,
	  "CT1 1AA", NULL, "dsl@school.example.net", NULL, NULL, false, false, { { 0 } },
	  ROUTE_ACTION_OPEN, ROUTE_RISK_STANDARD, ROUTE_CATEGORY_WITHOUT_PLACE, "E10000016", NULL,
	  "ack_referrer>dsl@school.example.net,officer_alert>team@medway.example.org,"
	  "cross_border_notice>cme@kent.example.org" },
	{ "lives with a neighbour we have no address for: no notice", PARSE_KIND_REFERRAL, "Smith",
	  "2015-03-14", NULL, "SS1 1AA", NULL, NULL, NULL, NULL, false, false, { { 0 } },
	  ROUTE_ACTION_OPEN, ROUTE_RISK_STANDARD, ROUTE_CATEGORY_WITHOUT_PLACE, "E06000033", NULL,
	  "officer_alert>team@medway.example.org" },
	{ "unknown postcode: review category", PARSE_KIND_REFERRAL, "Smith", "2015-03-14", NULL,
	  "ZZ9 9ZZ", NULL, NULL, NULL, NULL, false, false, { { 0 } }, ROUTE_ACTION_OPEN,
	  ROUTE_RISK_STANDARD, ROUTE_CATEGORY_REVIEW, NULL, NULL,
	  "officer_alert>team@medway.example.org" },
	{ "whereabouts unknown: missing", PARSE_KIND_REFERRAL, "Smith", "2015-03-14", NULL, NULL,
	  NULL, NULL, NULL, NULL, false, true, { { 0 } }, ROUTE_ACTION_OPEN, ROUTE_RISK_STANDARD,
	  ROUTE_CATEGORY_MISSING, NULL, NULL, "officer_alert>team@medway.example.org" },
	{ "same UPN: update the open case", PARSE_KIND_REFERRAL, "Other", "2016-01-01",
	  "H801200001001", "ME4 4TR", NULL, NULL, NULL, NULL, false, false,
	  { { 7, "CME-2026-000007", ROUTE_RISK_STANDARD, "E06000035" }, "H801200001001", "Smith",
	    "2015-03-14", 0 },
	  ROUTE_ACTION_UPDATE, ROUTE_RISK_STANDARD, ROUTE_CATEGORY_WITHOUT_PLACE, "E06000035", NULL,
	  "officer_alert>team@medway.example.org" },
	{ "same surname (any case) and dob: update, risk never falls", PARSE_KIND_REFERRAL, "SMITH",
	  "2015-03-14", NULL, "ME4 4TR", NULL, NULL, NULL, NULL, false, false,
	  { { 7, "CME-2026-000007", ROUTE_RISK_IMMEDIATE, "E06000035" }, NULL, "Smith", "2015-03-14",
	    0 },
	  ROUTE_ACTION_UPDATE, ROUTE_RISK_IMMEDIATE, ROUTE_CATEGORY_WITHOUT_PLACE, "E06000035", NULL,
	  "officer_alert>team@medway.example.org,safeguarding_alert>hub@medway.example.org" },
	{ "an invalid UPN does not match", PARSE_KIND_REFERRAL, "Jones", "2016-01-01",
	  "Z801200001001", "ME4 4TR", NULL, NULL, NULL, NULL, false, false,
	  { { 7, "CME-2026-000007", ROUTE_RISK_STANDARD, "E06000035" }, "Z801200001001", "Smith",
	    "2015-03-14", 0 },
	  ROUTE_ACTION_OPEN, ROUTE_RISK_STANDARD, ROUTE_CATEGORY_WITHOUT_PLACE, "E06000035", NULL,
	  "officer_alert>team@medway.example.org" },
	{ "referrer is our own mailbox: no ack", PARSE_KIND_REFERRAL, "Smith", "2015-03-14", NULL,
	  "ME4 4TR", NULL, "CME@medway.example.org", NULL, NULL, false, false, { { 0 } },
	  ROUTE_ACTION_OPEN, ROUTE_RISK_STANDARD, ROUTE_CATEGORY_WITHOUT_PLACE, "E06000035", NULL,
	  "officer_alert>team@medway.example.org" },
	{ "auto-submitted referral: no ack", PARSE_KIND_REFERRAL, "Smith", "2015-03-14", NULL,
	  "ME4 4TR", NULL, "forms@example.net", NULL, NULL, true, false, { { 0 } }, ROUTE_ACTION_OPEN,
	  ROUTE_RISK_STANDARD, ROUTE_CATEGORY_WITHOUT_PLACE, "E06000035", NULL,
	  "officer_alert>team@medway.example.org" },
	{ "ack cap reached: no ack, alerts still go", PARSE_KIND_REFERRAL, "Smith", "2015-03-14",
	  NULL, "ME4 4TR", NULL, "dsl@school.example.net", "cp_plan", NULL, false, false,
	  { { 0 }, NULL, NULL, NULL, 10 }, ROUTE_ACTION_OPEN, ROUTE_RISK_IMMEDIATE,
	  ROUTE_CATEGORY_WITHOUT_PLACE, "E06000035", NULL,
	  "officer_alert>team@medway.example.org,safeguarding_alert>hub@medway.example.org" },
	{ "no name and no UPN: review", PARSE_KIND_REFERRAL, NULL, "2015-03-14", NULL, "ME4 4TR",
	  NULL, "dsl@school.example.net", NULL, NULL, false, false, { { 0 } }, ROUTE_ACTION_REVIEW,
	  ROUTE_RISK_STANDARD, ROUTE_CATEGORY_POTENTIAL, NULL, NULL, "" },
	{ "auto-reply: ignored, never answered", PARSE_KIND_AUTO_REPLY, "Smith", NULL, NULL, NULL,
	  NULL, "busy@example.net", NULL, NULL, true, false, { { 0 } }, ROUTE_ACTION_IGNORE,
	  ROUTE_RISK_STANDARD, ROUTE_CATEGORY_POTENTIAL, NULL, NULL, "" },
	{ "bounce: ignored", PARSE_KIND_BOUNCE, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, true,
	  false, { { 0 } }, ROUTE_ACTION_IGNORE, ROUTE_RISK_STANDARD, ROUTE_CATEGORY_POTENTIAL, NULL,
	  NULL, "" },
	{ "unknown message: review", PARSE_KIND_UNKNOWN, NULL, NULL, NULL, NULL, NULL,
	  "bulletin@example.org", NULL, NULL, false, false, { { 0 } }, ROUTE_ACTION_REVIEW,
	  ROUTE_RISK_STANDARD, ROUTE_CATEGORY_POTENTIAL, NULL, NULL, "" },
	{ "on-roll notice with no case: ignored", PARSE_KIND_ON_ROLL, "Smith", "2015-03-14", NULL,
	  "ME4 4TR", NULL, NULL, NULL, NULL, false, false, { { 0 } }, ROUTE_ACTION_IGNORE,
	  ROUTE_RISK_STANDARD, ROUTE_CATEGORY_WITHOUT_PLACE, "E06000035", NULL, "" },
};

static void fill(struct parse_record *r, const struct row *row)
{
	r->kind = row->kind;
	r->child.surname = g_strdup(row->surname);
	r->child.forename = row->surname ? g_strdup("Alex") : NULL;
	r->child.dob = g_strdup(row->dob);
	r->child.upn = g_strdup(row->upn);
	r->child.sen = g_strdup(row->sen);
	r->address.postcode = g_strdup(row->postcode);
	r->address.text = row->postcode ? g_strdup("1 Example Road") : NULL;
	r->school.laestab = g_strdup(row->laestab);
	r->referrer.email = g_strdup(row->referrer);
	r->auto_submitted = row->auto_submitted;
	r->whereabouts_unknown = row->whereabouts_unknown;
	if (row->factors) {
		g_auto(GStrv) f = g_strsplit(row->factors, ",", -1);
		for (int i = 0; f[i]; i++)
			parse_factor_add(r, g_intern_string(f[i]));
	}
}

static char *notices_text(const struct route_decision *d)
{
	GString *s = g_string_new(NULL);
	for (guint i = 0; i < d->notices->len; i++) {
		const struct route_notice *n = g_ptr_array_index(d->notices, i);
		g_autofree char *to = g_strjoinv(";", n->to);
		g_string_append_printf(s, "%s%s>%s", i ? "," : "", n->kind, to);
	}
	return g_string_free(s, FALSE);
}

static void test_decisions(void **state)
{
	(void)state;
	g_autoptr(GHashTable) nb = g_hash_table_new(g_str_hash, g_str_equal);
	g_hash_table_insert(nb, (gpointer)"E10000016", (gpointer)"cme@kent.example.org");
	g_autoptr(GHashTable) la = g_hash_table_new(g_str_hash, g_str_equal);
	g_hash_table_insert(la, (gpointer)"887", (gpointer)"E06000035");
	struct route_policy p = policy(nb, la);

	for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
		const struct row *row = &rows[i];
		struct fake f = row->register_;
		struct route_view v = { &f, fake_postcode_la, fake_by_upn, fake_by_name_dob,
					fake_by_ref, fake_acks };
		struct parse_record *r = parse_record_new();
		fill(r, row);
		struct route_decision *d = route_decide(r, &v, &p);
		g_autofree char *got = notices_text(d);
		print_message("# %s\n", row->name);
		assert_int_equal(d->action, row->action);
		if (row->action != ROUTE_ACTION_REVIEW && row->action != ROUTE_ACTION_IGNORE) {
			assert_int_equal(d->risk, row->risk);
			assert_int_equal(d->category, row->category);
		}
		assert_string_equal(got, row->notices);
		if (row->action == ROUTE_ACTION_OPEN || row->action == ROUTE_ACTION_UPDATE) {
			if (row->residence)
				assert_string_equal(d->residence_la, row->residence);
			else
				assert_null(d->residence_la);
			if (row->school_la)
				assert_string_equal(d->school_la, row->school_la);
		}
		if (row->action == ROUTE_ACTION_UPDATE)
			assert_string_equal(d->case_ref, row->register_.open.ref);
		assert_non_null(d->reason);
		route_decision_free(d);
		parse_record_free(r);
	}
}

static void test_reply(void **state)
{
	(void)state;
	struct route_policy p = policy(NULL, NULL);
	struct fake f = { { 3, "CME-2026-000003", ROUTE_RISK_HIGH, "E06000035" }, NULL, NULL, NULL, 0 };
	struct route_view v = { &f, fake_postcode_la, fake_by_upn, fake_by_name_dob, fake_by_ref,
				fake_acks };
	struct parse_record *r = parse_record_new();
	r->kind = PARSE_KIND_REPLY;
	r->case_ref = g_strdup("CME-2026-000003");
	struct route_decision *d = route_decide(r, &v, &p);
	assert_int_equal(d->action, ROUTE_ACTION_UPDATE);
	assert_int_equal(d->case_id, 3);
	assert_int_equal(d->risk, ROUTE_RISK_HIGH);
	route_decision_free(d);
	g_free(r->case_ref);
	r->case_ref = g_strdup("CME-2026-999999");
	d = route_decide(r, &v, &p);
	assert_int_equal(d->action, ROUTE_ACTION_REVIEW);
	assert_non_null(strstr(d->reason, "CME-2026-999999"));
	route_decision_free(d);
	parse_record_free(r);
}

static void test_la_numbers(void **state)
{
	(void)state;
	const char *csv = "la_number,ons_code,name,country,ended\n"
			  "887,E06000035,Medway,England,\n"
			  "825,E10000002,Buckinghamshire,England,2020-04-01\n"
			  "825,E06000060,Buckinghamshire,England,\n";
	char *err = NULL;
	GHashTable *t = route_la_numbers_parse(csv, &err);
	assert_non_null(t);
	assert_string_equal(g_hash_table_lookup(t, "887"), "E06000035");
	assert_string_equal(g_hash_table_lookup(t, "825"), "E06000060");
	struct route_policy p = policy(NULL, t);
	assert_string_equal(route_la_of_laestab(&p, "8252001"), "E06000060");
	assert_null(route_la_of_laestab(&p, "XXXXXXX"));
	assert_null(route_la_of_laestab(&p, "887"));
	g_hash_table_unref(t);
	assert_null(route_la_numbers_parse("name,code\nx,y\n", &err));
	assert_non_null(err);
	g_free(err);

	/* The shipped table: every current LA number maps to one current code. */
	g_autofree char *text = NULL;
	assert_true(g_file_get_contents(CMEGW_SRCDIR "/data/la-codes.csv", &text, NULL, NULL));
	t = route_la_numbers_parse(text, &err);
	assert_non_null(t);
	assert_string_equal(g_hash_table_lookup(t, "823"), "E06000056");
	assert_string_equal(g_hash_table_lookup(t, "674"), "W06000016");
	assert_int_equal(g_hash_table_size(t), 175);
	g_hash_table_unref(t);
	t = route_la_names_parse(text);
	assert_string_equal(g_hash_table_lookup(t, "E06000023"), "Bristol, City of");
	assert_string_equal(g_hash_table_lookup(t, "E10000016"), "Kent");
	assert_string_equal(g_hash_table_lookup(t, "E10000002"), "Buckinghamshire");
	assert_int_equal(g_hash_table_size(t), 183);
	g_hash_table_unref(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decisions),
		cmocka_unit_test(test_reply),
		cmocka_unit_test(test_la_numbers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
