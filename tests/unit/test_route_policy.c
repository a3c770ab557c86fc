/* test_route_policy.c - what each kind does, tolerant matching, school age,
 * residence fallback, clocks started and stopped (issue 5) */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <glib.h>
#include "route/route.h"
#include "parse/parse_p.h"

/* ---- a register made of plain data: one open case ---- */

struct child {
	const char *forename, *middle, *surname, *preferred, *dob, *upn;
};

static const struct child open_child = { "Amelia", "Rose", "Nuñez-Testchild", NULL, "2015-03-14",
					 "H801200001001" };

static const char *fake_postcode_la(void *ctx, const char *pc)
{
	(void)ctx;
	if (strcmp(pc, "ME4 4TR") == 0 || strcmp(pc, "ME2 3PQ") == 0)
		return "E06000035";
	if (strcmp(pc, "DE4 3AG") == 0)
		return "E10000007";
	return NULL;   /* not in the directory (new or terminated long ago) */
}

static void fake_candidates(void *ctx, const char *key, const char *surname, const char *dob,
			    GPtrArray *out)
{
	(void)key; (void)surname; (void)dob;
	if (!ctx)
		return;
	struct route_candidate *c = g_new0(struct route_candidate, 1);
	c->id = 7;
	c->ref = g_strdup("CME-2026-000007");
	c->risk = ROUTE_RISK_STANDARD;
	c->residence_la = g_strdup("E06000035");
	c->forename = g_strdup(open_child.forename);
	c->middle_names = g_strdup(open_child.middle);
	c->surname = g_strdup(open_child.surname);
	c->dob = g_strdup(open_child.dob);
	c->upn = g_strdup(open_child.upn);
	g_ptr_array_add(out, c);
}

static bool fake_by_upn(void *ctx, const char *upn, struct route_case *c_r)
{
	if (!ctx || strcmp(upn, open_child.upn) != 0)
		return false;
	*c_r = (struct route_case){ 7, "CME-2026-000007", ROUTE_RISK_STANDARD, "E06000035" };
	return true;
}

static const char *team[] = { "team@cbc.example.org", NULL };
static const char *hub[] = { "hub@cbc.example.org", NULL };
static const char *ehe[] = { "ehe@cbc.example.org", NULL };
static const char *neet[] = { "neet@cbc.example.org", NULL };
static const char *immediate[] = { "cp_plan", "looked_after", "cse", NULL };
static const char *high[] = { "cin_plan", "young_carer", "ehcp", NULL };

struct row {
	const char *name;
	enum parse_kind kind;
	struct child child;
	const char *postcode, *ground, *dest_laestab, *dest_school, *dest_country, *factors;
	bool registered;           /* the open case exists */
	enum route_over_age over_age;
	/* expected */
	enum route_action action;
	const char *category, *risk, *residence;
	const char *notices;       /* kinds, comma separated */
	const char *deadlines;     /* "kind due,kind due" */
	const char *reason_has;
};

static const struct row rows[] = {
	/* school age on 2026-12-01 */
	{ "under compulsory school age: recorded, referrer answered", PARSE_KIND_REFERRAL,
	  { "Tom", NULL, "Small", NULL, "2022-05-01", NULL }, "ME4 4TR", NULL, NULL, NULL, NULL, NULL,
	  false, ROUTE_OVER_AGE_CLOSE, ROUTE_ACTION_IGNORE, NULL, NULL, NULL, "not_cme_notice", "",
	  "starts on 2027-08-31" },
	{ "over age, policy close: recorded", PARSE_KIND_REFERRAL,
	  { "Sam", NULL, "Older", NULL, "2009-10-01", NULL }, "ME4 4TR", NULL, NULL, NULL, NULL, NULL,
	  false, ROUTE_OVER_AGE_CLOSE, ROUTE_ACTION_IGNORE, NULL, NULL, NULL, "not_cme_notice", "",
	  "ended on 2026-06-26" },
	{ "over age, policy neet: NEET team told", PARSE_KIND_REFERRAL,
	  { "Sam", NULL, "Older", NULL, "2009-10-01", NULL }, "ME4 4TR", NULL, NULL, NULL, NULL, NULL,
	  false, ROUTE_OVER_AGE_NEET, ROUTE_ACTION_IGNORE, NULL, NULL, NULL, "neet_notice,not_cme_notice",
	  "", "NEET" },
	{ "over age, policy case: opened", PARSE_KIND_REFERRAL,
	  { "Sam", NULL, "Older", NULL, "2009-10-01", NULL }, "ME4 4TR", NULL, NULL, NULL, NULL, NULL,
	  false, ROUTE_OVER_AGE_CASE, ROUTE_ACTION_OPEN, "without_place", "standard", "E06000035",
	  "ack_referrer,officer_alert", "parents_respond 2026-12-15,home_visit 2026-12-22", NULL },
	/* risk defaults (DOMAIN.md §8.2): "not sure" answers arrive as factors */
	{ "CSE (or not sure) outweighs young carer: immediate, 1-hour clock", PARSE_KIND_REFERRAL,
	  { "Ellie-May", NULL, "Carter", NULL, "2014-07-14", NULL }, "ME2 3PQ", NULL, NULL, NULL,
	  NULL, "cse,young_carer", false, 0, ROUTE_ACTION_OPEN, "without_place", "immediate",
	  "E06000035", "ack_referrer,officer_alert,safeguarding_alert",
	  "parents_respond 2026-12-15,home_visit 2026-12-22,hub_call 2026-12-01T10:00:00Z", NULL },
	/* residence */
	{ "postcode not in the directory: district fallback", PARSE_KIND_REFERRAL,
	  { "Ann", NULL, "Other", NULL, "2015-01-01", NULL }, "LU7 1AA", NULL, NULL, NULL, NULL,
	  NULL, false, 0, ROUTE_ACTION_OPEN, "without_place", "standard", "E06000056",
	  "ack_referrer,officer_alert", "parents_respond 2026-12-15,home_visit 2026-12-22", NULL },
	{ "sector fallback wins over district", PARSE_KIND_REFERRAL,
	  { "Ann", NULL, "Other", NULL, "2015-01-01", NULL }, "LU7 9ZZ", NULL, NULL, NULL, NULL,
	  NULL, false, 0, ROUTE_ACTION_OPEN, "without_place", "standard", "E06000032",
	  "ack_referrer,officer_alert", NULL, NULL },
	{ "unknown residence: review category, never a guess", PARSE_KIND_REFERRAL,
	  { "Ann", NULL, "Other", NULL, "2015-01-01", NULL }, "ZZ9 9ZZ", NULL, NULL, NULL, NULL,
	  NULL, false, 0, ROUTE_ACTION_OPEN, "review", "standard", NULL, "ack_referrer,officer_alert",
	  NULL, NULL },
	/* off-roll notices */
	{ "off roll, destination XXXXXXX: potential case", PARSE_KIND_OFF_ROLL,
	  { "Maja", NULL, "Kowalska", NULL, "2016-06-22", NULL }, "ME4 4TR", "other", "XXXXXXX",
	  NULL, NULL, NULL, false, 0, ROUTE_ACTION_OPEN, "potential", "standard", "E06000035",
	  "officer_alert", "parents_respond_notice 2026-12-15", "XXXXXXX" },
	{ "off roll, 20 days absence: potential case even with a school named", PARSE_KIND_OFF_ROLL,
	  { "Maja", NULL, "Kowalska", NULL, "2016-06-22", NULL }, "ME4 4TR", "absent_20_days",
	  "8872001", "Hilltop", NULL, NULL, false, 0, ROUTE_ACTION_OPEN, "potential", "standard",
	  "E06000035", "officer_alert", NULL, "reasonable enquiries" },
	{ "off roll, not returned from leave: potential case", PARSE_KIND_OFF_ROLL,
	  { "Maja", NULL, "Kowalska", NULL, "2016-06-22", NULL }, "ME4 4TR", "not_returned_from_leave",
	  NULL, NULL, NULL, NULL, false, 0, ROUTE_ACTION_OPEN, "potential", "standard", "E06000035",
	  "officer_alert", NULL, NULL },
	{ "off roll, known state school: recorded, no case", PARSE_KIND_OFF_ROLL,
	  { "Maja", NULL, "Kowalska", NULL, "2016-06-22", NULL }, "ME4 4TR", "registered_elsewhere",
	  "8872001", "Hilltop Academy", NULL, NULL, false, 0, ROUTE_ACTION_IGNORE, NULL, NULL, NULL,
	  "", "", "known school destination" },
	{ "off roll, known state school, open case: filed, nothing closed", PARSE_KIND_OFF_ROLL,
	  { "Amelia", NULL, "Nunez Testchild", NULL, "2015-03-14", NULL }, "ME4 4TR",
	  "registered_elsewhere", "8872001", "Hilltop Academy", NULL, NULL, true, 0,
	  ROUTE_ACTION_UPDATE, NULL, NULL, NULL, "", "", "nothing closed" },
	{ "off roll, home education: EHE team told", PARSE_KIND_OFF_ROLL,
	  { "Maja", NULL, "Kowalska", NULL, "2016-06-22", NULL }, "ME4 4TR", "home_education",
	  NULL, NULL, NULL, NULL, false, 0, ROUTE_ACTION_OPEN, "potential", "standard", "E06000035",
	  "ehe_notice", "ehe_check 2026-12-15", "home" },
	{ "off roll, moved abroad: case open until enrolment confirmed", PARSE_KIND_OFF_ROLL,
	  { "Maja", NULL, "Kowalska", NULL, "2016-06-22", NULL }, "ME4 4TR", "moved_away", NULL,
	  NULL, "Poland", NULL, false, 0, ROUTE_ACTION_OPEN, "potential", "standard", "E06000035",
	  "officer_alert", NULL, "abroad" },
	{ "off roll, end of compulsory school age, policy neet: NEET team told", PARSE_KIND_OFF_ROLL,
	  { "Sam", NULL, "Older", NULL, "2010-05-01", NULL }, "ME4 4TR", "ceased_compulsory_age", NULL,
	  NULL, NULL, NULL, false, ROUTE_OVER_AGE_NEET, ROUTE_ACTION_IGNORE, NULL, NULL, NULL,
	  "neet_notice", "", "recorded" },
	{ "off roll, end of compulsory school age, policy close: recorded", PARSE_KIND_OFF_ROLL,
	  { "Sam", NULL, "Older", NULL, "2010-05-01", NULL }, "ME4 4TR", "ceased_compulsory_age", NULL,
	  NULL, NULL, NULL, false, ROUTE_OVER_AGE_CLOSE, ROUTE_ACTION_IGNORE, NULL, NULL, NULL, "", "",
	  "recorded" },
	{ "off roll, died: recorded", PARSE_KIND_OFF_ROLL,
	  { "Maja", NULL, "Kowalska", NULL, "2016-06-22", NULL }, "ME4 4TR", "died", NULL, NULL,
	  NULL, NULL, false, 0, ROUTE_ACTION_IGNORE, NULL, NULL, NULL, "", "", "recorded" },
	/* matching and on-roll notices */
	{ "on roll, same UPN: located, case closed", PARSE_KIND_ON_ROLL,
	  { "Amelia", NULL, "Testchild", NULL, "2015-03-14", "H801200001001" }, "ME4 4TR", NULL,
	  NULL, NULL, NULL, NULL, true, 0, ROUTE_ACTION_CLOSE, NULL, NULL, NULL, "case_located", "",
	  "located" },
	{ "on roll, accents, hyphen and case differ, middle name as forename: located",
	  PARSE_KIND_ON_ROLL, { "ROSE", "Amelia", "nunez testchild", NULL, "2015-03-14", NULL },
	  NULL, NULL, NULL, NULL, NULL, NULL, true, 0, ROUTE_ACTION_CLOSE, NULL, NULL, NULL,
	  "case_located", "", "names and date of birth" },
	{ "on roll, day and month swapped: weak, review", PARSE_KIND_ON_ROLL,
	  { "Amelia", NULL, "Nuñez-Testchild", NULL, "2015-14-03", NULL }, NULL, NULL, NULL, NULL,
	  NULL, NULL, true, 0, ROUTE_ACTION_REVIEW, "review", NULL, NULL, "", "", "CME-2026-000007" },
	{ "referral, same dob and surname, other forename: weak, review", PARSE_KIND_REFERRAL,
	  { "Bella", NULL, "Nunez-Testchild", NULL, "2015-03-14", NULL }, "ME4 4TR", NULL, NULL, NULL,
	  NULL, NULL, true, 0, ROUTE_ACTION_REVIEW, "review", NULL, NULL, "", "",
	  "forename differs" },
	{ "referral, one digit off in the dob: weak, review", PARSE_KIND_REFERRAL,
	  { "Amelia", NULL, "Nunez-Testchild", NULL, "2015-03-15", NULL }, "ME4 4TR", NULL, NULL, NULL,
	  NULL, NULL, true, 0, ROUTE_ACTION_REVIEW, "review", NULL, NULL, "", "", "differs by a digit" },
	{ "a twin: same surname and dob, another valid UPN: not a match", PARSE_KIND_REFERRAL,
	  { "Bella", NULL, "Nunez-Testchild", NULL, "2015-03-14", "B801200005001" }, "ME4 4TR", NULL,
	  NULL, NULL, NULL, NULL, true, 0, ROUTE_ACTION_OPEN, "without_place", "standard",
	  "E06000035", "ack_referrer,officer_alert", NULL, "new case" },
	{ "referral, strong match: update, no new clocks", PARSE_KIND_REFERRAL,
	  { "amelia", NULL, "NUNEZ-TESTCHILD", NULL, "2015-03-14", NULL }, "ME4 4TR", NULL, NULL,
	  NULL, NULL, NULL, true, 0, ROUTE_ACTION_UPDATE, NULL, "standard", "E06000035",
	  "ack_referrer,officer_alert", "", NULL },
};

static void fill(struct parse_record *r, const struct row *row)
{
	r->kind = row->kind;
	r->child.forename = g_strdup(row->child.forename);
	r->child.middle_names = g_strdup(row->child.middle);
	r->child.surname = g_strdup(row->child.surname);
	r->child.dob = g_strdup(row->child.dob);
	r->child.upn = g_strdup(row->child.upn);
	r->address.postcode = g_strdup(row->postcode);
	r->address.text = row->postcode ? g_strdup("1 Example Road") : NULL;
	r->deletion.ground = g_strdup(row->ground);
	r->destination.laestab = g_strdup(row->dest_laestab);
	r->destination.school = g_strdup(row->dest_school);
	r->destination.country = g_strdup(row->dest_country);
	r->referrer.email = g_strdup("dsl@school.example.net");
	if (row->factors) {
		g_auto(GStrv) f = g_strsplit(row->factors, ",", -1);
		for (int i = 0; f[i]; i++)
			parse_factor_add(r, g_intern_string(f[i]));
	}
}

static char *kinds_text(GPtrArray *a, bool deadlines)
{
	GString *s = g_string_new(NULL);
	for (guint i = 0; a && i < a->len; i++) {
		if (deadlines) {
			const struct route_deadline *d = g_ptr_array_index(a, i);
			g_string_append_printf(s, "%s%s %s", i ? "," : "", d->kind, d->due);
		} else {
			const struct route_notice *n = g_ptr_array_index(a, i);
			g_string_append_printf(s, "%s%s", i ? "," : "", n->kind);
		}
	}
	return g_string_free(s, FALSE);
}

static void test_policy(void **state)
{
	(void)state;
	g_autoptr(GHashTable) fallback = g_hash_table_new(g_str_hash, g_str_equal);
	g_hash_table_insert(fallback, (gpointer)"LU7", (gpointer)"E06000056");
	g_hash_table_insert(fallback, (gpointer)"LU7 9", (gpointer)"E06000032");
	GPtrArray *rules = g_ptr_array_new_with_free_func((GDestroyNotify)route_deadline_rule_free);
	const char *defs[][2] = {
		{ "parents_respond", "opened_referral 10 working_days reminder to=team stop=reply" },
		{ "parents_respond_notice", "opened_off_roll 10 working_days reminder to=team stop=reply" },
		{ "home_visit", "parents_respond 5 working_days visit to=team" },
		{ "hub_call", "risk_immediate 1 hours escalate to=safeguarding_hub" },
		{ "ehe_check", "opened_ehe 10 working_days review to=ehe_team" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(defs); i++) {
		char *err = NULL;
		g_ptr_array_add(rules, route_deadline_rule_parse(defs[i][0], defs[i][1], &err));
	}
	GTimeZone *utc = g_time_zone_new_utc();
	GDateTime *now = g_date_time_new(utc, 2026, 12, 1, 9, 0, 0);

	for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
		const struct row *row = &rows[i];
		struct route_policy p = {
			.our_la = "E06000056", .our_address = "cme@cbc.example.org",
			.team = (char **)team, .safeguarding_hub = (char **)hub,
			.risk_immediate = (char **)immediate, .risk_high = (char **)high,
			.ack_daily_cap = 10, .ehe_team = (char **)ehe, .neet = (char **)neet,
			.over_age = row->over_age, .postcode_fallback = fallback,
			.deadline_rules = rules,
		};
		static int registered;
		void *ctx = row->registered ? &registered : NULL;
		struct route_view v = { ctx, fake_postcode_la, fake_by_upn, NULL, NULL, NULL,
					fake_candidates, NULL };
		struct parse_record *r = parse_record_new();
		fill(r, row);
		print_message("# %s\n", row->name);
		struct route_decision *d = route_decide_at(r, &v, &p, now);
		g_autofree char *notices = kinds_text(d->notices, false);
		g_autofree char *deadlines = kinds_text(d->deadlines, true);
		if (d->action != row->action)
			print_message("# reason: %s\n", d->reason);
		assert_int_equal(d->action, row->action);
		assert_string_equal(notices, row->notices);
		if (row->deadlines)
			assert_string_equal(deadlines, row->deadlines);
		if (row->category)
			assert_string_equal(route_category_name(d->category), row->category);
		if (row->risk)
			assert_string_equal(route_risk_name(d->risk), row->risk);
		if (row->residence)
			assert_string_equal(d->residence_la, row->residence);
		else if (row->action == ROUTE_ACTION_OPEN)
			assert_null(d->residence_la);
		if (row->reason_has && !strstr(d->reason, row->reason_has))
			fail_msg("reason '%s' lacks '%s'", d->reason, row->reason_has);
		if (row->action == ROUTE_ACTION_CLOSE) {
			assert_string_equal(d->outcome, "on_roll");
			assert_int_equal(d->case_id, 7);
		}
		route_decision_free(d);
		parse_record_free(r);
	}
	g_ptr_array_unref(rules);
	g_date_time_unref(now);
	g_time_zone_unref(utc);
}

/* a sibling the form names with an open case is linked; one who differs is not */
static void test_siblings(void **state)
{
	(void)state;
	static const struct { const char *name, *dob; bool linked; } sib_rows[] = {
		{ "Amelia Nunez-Testchild", "2015-03-14", true },
		{ "Rose Nuñez Testchild", "2015-03-14", true },   /* a middle name, accents, spaces */
		{ "Amelia", "2015-03-14", true },                 /* first name only */
		{ "Amelia Smith", "2015-03-14", false },          /* another surname */
		{ "Amelia Nunez-Testchild", "2015-03-15", false },
		{ "Bella Nunez-Testchild", "2015-03-14", false },
	};
	static int registered;
	struct route_view v = { &registered, fake_postcode_la, NULL, NULL, NULL, NULL,
				fake_candidates, NULL };
	struct route_policy p = { .our_la = "E06000035", .our_address = "cme@cbc.example.org",
				  .team = (char **)team };
	for (size_t i = 0; i < G_N_ELEMENTS(sib_rows); i++) {
		struct parse_record *r = parse_record_new();
		r->kind = PARSE_KIND_REFERRAL;
		r->child.forename = g_strdup("Oliver");
		r->child.surname = g_strdup("Testchild");
		r->child.dob = g_strdup("2017-02-02");
		struct parse_sibling *sib = g_new0(struct parse_sibling, 1);
		sib->name = g_strdup(sib_rows[i].name);
		sib->dob = g_strdup(sib_rows[i].dob);
		g_ptr_array_add(r->siblings, sib);
		struct route_decision *d = route_decide(r, &v, &p);
		print_message("# sibling %s %s\n", sib_rows[i].name, sib_rows[i].dob);
		assert_int_equal(d->action, ROUTE_ACTION_OPEN);
		assert_int_equal(d->siblings != NULL, sib_rows[i].linked);
		if (d->siblings)
			assert_string_equal(((struct route_candidate *)g_ptr_array_index(d->siblings, 0))->ref,
					    "CME-2026-000007");
		route_decision_free(d);
		parse_record_free(r);
	}
}

static const char *fake_referrer(void *ctx, int64_t case_id)
{
	(void)ctx;
	return case_id == 7 ? "dsl@school.example.net" : NULL;
}

/* DER §7: with tell_referrer_on_close the acknowledged referrer hears of the closure */
static void test_referrer_on_close(void **state)
{
	(void)state;
	static int registered;
	for (int on = 0; on < 2; on++) {
		struct route_view v = { &registered, fake_postcode_la, fake_by_upn, NULL, NULL, NULL,
					fake_candidates, NULL, fake_referrer };
		struct route_policy p = { .our_la = "E10000007", .our_address = "cme@der.example.org",
					  .team = (char **)team, .referrer_on_close = on };
		struct parse_record *r = parse_record_new();
		r->kind = PARSE_KIND_ON_ROLL;
		r->child.forename = g_strdup("Amelia");
		r->child.surname = g_strdup("Testchild");
		r->child.upn = g_strdup("H801200001001");
		r->school.name = g_strdup("Hilltop Academy");
		struct route_decision *d = route_decide(r, &v, &p);
		g_autofree char *kinds = kinds_text(d->notices, false);
		assert_int_equal(d->action, ROUTE_ACTION_CLOSE);
		assert_string_equal(kinds, on ? "case_located,case_closed_referrer" : "case_located");
		assert_null(strstr(d->reason, "Hilltop"));        /* mail carries no school name */
		assert_non_null(strstr(d->detail, "Hilltop"));    /* the register does */
		route_decision_free(d);
		parse_record_free(r);
	}
}

static const char *fake_referrer_ours(void *ctx, int64_t case_id)
{
	(void)ctx; (void)case_id;
	return "CME@der.example.org";
}

/* an officer's closure by hand: the same rule, the outcome kept out of the mail */
static void test_officer_close(void **state)
{
	(void)state;
	static const struct {
		bool on;
		const char *(*referrer)(void *ctx, int64_t case_id);
		int64_t case_id;
		const char *notices;
	} close_rows[] = {
		{ true, fake_referrer, 7, "case_closed_referrer" },
		{ false, fake_referrer, 7, "" },
		{ true, fake_referrer, 8, "" },             /* nobody was acknowledged */
		{ true, fake_referrer_ours, 7, "" },        /* never to ourselves */
		{ true, NULL, 7, "" },                      /* a view without the look-up */
	};
	for (size_t i = 0; i < G_N_ELEMENTS(close_rows); i++) {
		static int registered;
		struct route_view v = { &registered, fake_postcode_la, fake_by_upn, NULL, NULL, NULL,
					fake_candidates, NULL, close_rows[i].referrer };
		struct route_policy p = { .our_la = "E10000007", .our_address = "cme@der.example.org",
					  .team = (char **)team,
					  .referrer_on_close = close_rows[i].on };
		struct route_case c = { close_rows[i].case_id, "CME-2026-000007", ROUTE_RISK_HIGH,
					"E10000007" };
		struct route_decision *d = route_officer_close(&c, "died", &v, &p);
		g_autofree char *kinds = kinds_text(d->notices, false);
		if (strcmp(kinds, close_rows[i].notices) != 0)
			fail_msg("officer close row %zu: notices '%s'", i, kinds);
		assert_int_equal(d->action, ROUTE_ACTION_CLOSE);
		assert_string_equal(d->case_ref, "CME-2026-000007");
		assert_string_equal(d->outcome, "died");
		for (guint k = 0; k < d->notices->len; k++) {
			const struct route_notice *n = g_ptr_array_index(d->notices, k);
			assert_null(strstr(n->reason, "died"));
			assert_string_equal(n->to[0], "dsl@school.example.net");
		}
		route_decision_free(d);
	}
}

/* ---- former UPNs: a register whose child has a UPN and a former UPN ---- */

#define CASE_UPN "H801200001001"
#define CASE_FORMER "B801200005001"

/* fake_by_upn_former - the store's look-up: UPN or former UPN */
static bool fake_by_upn_former(void *ctx, const char *upn, struct route_case *c_r)
{
	(void)ctx;
	if (strcmp(upn, CASE_UPN) != 0 && strcmp(upn, CASE_FORMER) != 0)
		return false;
	*c_r = (struct route_case){ 9, "CME-2026-000009", ROUTE_RISK_STANDARD, "E06000035" };
	return true;
}

static void fake_candidates_former(void *ctx, const char *key, const char *surname,
				   const char *dob, GPtrArray *out)
{
	(void)ctx; (void)key; (void)surname; (void)dob;
	struct route_candidate *c = g_new0(struct route_candidate, 1);
	c->id = 9;
	c->ref = g_strdup("CME-2026-000009");
	c->residence_la = g_strdup("E06000035");
	c->forename = g_strdup("Amelia");
	c->surname = g_strdup("Testchild");
	c->dob = g_strdup("2015-03-14");
	c->upn = g_strdup(CASE_UPN);
	c->former_upn = g_strdup(CASE_FORMER);
	g_ptr_array_add(out, c);
}

static const struct {
	const char *name;
	bool by_upn;                 /* the view has case_by_upn (else only candidates) */
	const char *forename, *upn, *former_upn;
	enum route_action action;
	const char *reason_has;
} former_rows[] = {
	{ "record's former UPN is the case's UPN: update", true,
	  "Amelia", "R674123101121", CASE_UPN, ROUTE_ACTION_UPDATE, "by former upn" },
	{ "record's UPN is the case's former UPN: update", true,
	  "Amelia", CASE_FORMER, NULL, ROUTE_ACTION_UPDATE, "matched open case" },
	{ "another valid UPN, no former UPN, same names and dob: never merged", true,
	  "Amelia", "R674123101121", NULL, ROUTE_ACTION_OPEN, "new case" },
	{ "another valid UPN, former UPN with a wrong check letter: never merged", true,
	  "Amelia", "R674123101121", "Z801200001001", ROUTE_ACTION_OPEN, "new case" },
	{ "a UN placeholder former UPN is not used", true,
	  "Amelia", "R674123101121", "UN1", ROUTE_ACTION_OPEN, "new case" },
	{ "candidates only: record's former UPN is the case's UPN", false,
	  "Bella", "R674123101121", CASE_UPN, ROUTE_ACTION_UPDATE, "by former upn" },
	{ "candidates only: record's UPN is the case's former UPN", false,
	  "Bella", CASE_FORMER, NULL, ROUTE_ACTION_UPDATE, "by former upn" },
	{ "candidates only: another valid UPN: never merged", false,
	  "Amelia", "R674123101121", NULL, ROUTE_ACTION_OPEN, "new case" },
};

static void test_former_upn(void **state)
{
	(void)state;
	struct route_policy p = { .our_la = "E06000035", .our_address = "cme@med.example.org",
				  .team = (char **)team };
	for (size_t i = 0; i < G_N_ELEMENTS(former_rows); i++) {
		struct route_view v = { &p, fake_postcode_la,
					former_rows[i].by_upn ? fake_by_upn_former : NULL, NULL,
					NULL, NULL, fake_candidates_former, NULL, NULL };
		struct parse_record *r = parse_record_new();
		r->kind = PARSE_KIND_REFERRAL;
		r->child.forename = g_strdup(former_rows[i].forename);
		r->child.surname = g_strdup("Testchild");
		r->child.dob = g_strdup("2015-03-14");
		r->child.upn = g_strdup(former_rows[i].upn);
		r->child.former_upn = g_strdup(former_rows[i].former_upn);
		r->address.postcode = g_strdup("ME4 4TR");
		r->referrer.email = g_strdup("dsl@school.example.net");
		struct route_decision *d = route_decide(r, &v, &p);
		if (d->action != former_rows[i].action || !strstr(d->reason, former_rows[i].reason_has))
			fail_msg("former upn row %zu (%s): action %d, reason '%s'", i,
				 former_rows[i].name, d->action, d->reason);
		if (d->action == ROUTE_ACTION_UPDATE)
			assert_string_equal(d->case_ref, "CME-2026-000009");
		route_decision_free(d);
		parse_record_free(r);
	}
}

/* two-tier areas: the county is the education authority (DOMAIN.md §7) */
static void test_education_la(void **state)
{
	(void)state;
	static const char *const la_rows[][3] = {
		{ "E10000007", "E07000035", "E10000007" },   /* Derbyshire Dales -> Derbyshire */
		{ "E10000016", "E07000110", "E10000016" },   /* Maidstone -> Kent */
		{ "E99999999", "E06000035", "E06000035" },   /* Medway, unitary: pseudo county */
		{ "W99999999", "W06000016", "W06000016" },   /* Wales */
		{ "", "E09000015", "E09000015" },            /* London borough, no county column */
		{ "E99999999", "E99999999", NULL },          /* pseudo row */
		{ "", "", NULL },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(la_rows); i++) {
		const char *got = route_education_la(la_rows[i][0], la_rows[i][1]);
		if (la_rows[i][2])
			assert_string_equal(got, la_rows[i][2]);
		else
			assert_null(got);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_education_la),
		cmocka_unit_test(test_siblings),
		cmocka_unit_test(test_referrer_on_close),
		cmocka_unit_test(test_former_upn),
		cmocka_unit_test(test_officer_close),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
