/* test_route_calendar.c - bank holidays, working and school days, school age, clocks */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <glib.h>
#include "route/route.h"

static guint32 J(const char *iso)
{
	guint32 j = route_julian_parse(iso);
	assert_true(j != 0);
	return j;
}

static void assert_day(guint32 j, const char *want)
{
	g_autofree char *got = route_julian_iso(j);
	assert_string_equal(got, want);
}

/* England and Wales, 2020-2027 (DOMAIN.md §6; gov.uk lists) */
static const struct { int year; const char *days; } holiday_rows[] = {
	{ 2020, "2020-01-01 2020-04-10 2020-04-13 2020-05-08 2020-05-25 2020-08-31 2020-12-25 2020-12-28" },
	{ 2021, "2021-01-01 2021-04-02 2021-04-05 2021-05-03 2021-05-31 2021-08-30 2021-12-27 2021-12-28" },
	{ 2022, "2022-01-03 2022-04-15 2022-04-18 2022-05-02 2022-06-02 2022-06-03 2022-08-29 2022-09-19 "
		"2022-12-26 2022-12-27" },
	{ 2023, "2023-01-02 2023-04-07 2023-04-10 2023-05-01 2023-05-08 2023-05-29 2023-08-28 2023-12-25 "
		"2023-12-26" },
	{ 2024, "2024-01-01 2024-03-29 2024-04-01 2024-05-06 2024-05-27 2024-08-26 2024-12-25 2024-12-26" },
	{ 2025, "2025-01-01 2025-04-18 2025-04-21 2025-05-05 2025-05-26 2025-08-25 2025-12-25 2025-12-26" },
	{ 2026, "2026-01-01 2026-04-03 2026-04-06 2026-05-04 2026-05-25 2026-08-31 2026-12-25 2026-12-28" },
	{ 2027, "2027-01-01 2027-03-26 2027-03-29 2027-05-03 2027-05-31 2027-08-30 2027-12-27 2027-12-28" },
	{ 2012, "2012-01-02 2012-04-06 2012-04-09 2012-05-07 2012-06-04 2012-06-05 2012-08-27 2012-12-25 "
		"2012-12-26" },
};

static void test_bank_holidays(void **state)
{
	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(holiday_rows); i++) {
		guint32 days[ROUTE_MAX_HOLIDAYS];
		guint n = route_bank_holidays(holiday_rows[i].year, days);
		GString *got = g_string_new(NULL);
		for (guint k = 0; k < n; k++) {
			g_autofree char *iso = route_julian_iso(days[k]);
			g_string_append_printf(got, "%s%s", k ? " " : "", iso);
		}
		print_message("# %d\n", holiday_rows[i].year);
		assert_string_equal(got->str, holiday_rows[i].days);
		g_string_free(got, TRUE);
	}
	/* a published list that agrees, and one with a moved and a new holiday */
	guint32 pub[ROUTE_MAX_HOLIDAYS];
	guint n = route_bank_holidays(2026, pub);
	g_auto(GStrv) same = route_holidays_compare(pub, n);
	assert_null(same[0]);
	pub[4] = J("2026-06-01");
	g_auto(GStrv) diff = route_holidays_compare(pub, n);
	assert_string_equal(diff[0], "2026-05-25: computed, not in the published list");
	assert_non_null(strstr(diff[1], "2026-06-01: published, not computed"));
	assert_null(diff[2]);
	assert_true(route_is_bank_holiday(J("2026-12-28")));
	assert_false(route_is_bank_holiday(J("2026-12-26")));   /* a Saturday: substitute on Monday */
	assert_false(route_is_bank_holiday(J("2020-05-04")));   /* moved to VE Day */
}

/* N units after FROM (DOMAIN.md §6 examples, across Christmas and Easter) */
static const struct {
	const char *from; int n; enum route_unit unit; const char *want; const char *why;
} add_rows[] = {
	{ "2025-12-22", 10, ROUTE_UNIT_WORKING_DAYS, "2026-01-08", "across Christmas and New Year" },
	{ "2026-03-30", 5, ROUTE_UNIT_WORKING_DAYS, "2026-04-08", "across Good Friday and Easter Monday" },
	{ "2026-12-21", 5, ROUTE_UNIT_WORKING_DAYS, "2026-12-30", "Christmas on a Friday, Boxing Day substitute" },
	{ "2027-03-24", 3, ROUTE_UNIT_WORKING_DAYS, "2027-03-31", "Easter 2027" },
	{ "2022-05-31", 2, ROUTE_UNIT_WORKING_DAYS, "2022-06-06", "Platinum Jubilee" },
	{ "2026-12-04", 10, ROUTE_UNIT_WORKING_DAYS, "2026-12-18", "two plain weeks" },
	{ "2026-12-05", 1, ROUTE_UNIT_WORKING_DAYS, "2026-12-07", "from a Saturday" },
	{ "2026-12-01", 5, ROUTE_UNIT_CALENDAR_DAYS, "2026-12-06", "calendar days" },
	{ "2026-12-01", 12, ROUTE_UNIT_WEEKS, "2027-02-23", "weeks" },
	{ "2026-12-01", 0, ROUTE_UNIT_WORKING_DAYS, "2026-12-01", "zero" },
};

static void test_add_days(void **state)
{
	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(add_rows); i++) {
		print_message("# %s\n", add_rows[i].why);
		assert_day(route_add_days(NULL, J(add_rows[i].from), add_rows[i].n, add_rows[i].unit),
			   add_rows[i].want);
	}
}

static void test_school_days(void **state)
{
	(void)state;
	GArray *terms = NULL;
	char *err = NULL;
	assert_true(route_terms_parse("# Medway example terms\n"
				      "2026-09-03 2026-10-23 autumn 1\n"
				      "2026-11-02 2026-12-18 autumn 2\n"
				      "2027-01-05 2027-02-12 spring 1\n", &terms, &err));
	struct route_calendar cal = { NULL, terms };
	/* 20 school days from 1 Dec 2026: 13 left in autumn 2, 7 in January */
	assert_day(route_add_days(&cal, J("2026-12-01"), 20, ROUTE_UNIT_SCHOOL_DAYS), "2027-01-13");
	/* half term does not count */
	assert_day(route_add_days(&cal, J("2026-10-22"), 2, ROUTE_UNIT_SCHOOL_DAYS), "2026-11-02");
	assert_false(route_is_school_day(&cal, J("2026-10-26")));
	assert_true(route_is_working_day(&cal, J("2026-10-26")));
	/* without term dates, school days are working days */
	assert_day(route_add_days(NULL, J("2026-12-01"), 20, ROUTE_UNIT_SCHOOL_DAYS), "2026-12-31");
	/* a local closure day is neither */
	cal.closures = g_hash_table_new(g_direct_hash, g_direct_equal);
	g_hash_table_add(cal.closures, GUINT_TO_POINTER(J("2026-12-02")));
	assert_day(route_add_days(&cal, J("2026-12-01"), 1, ROUTE_UNIT_WORKING_DAYS), "2026-12-03");
	assert_day(route_add_days(&cal, J("2026-12-01"), 1, ROUTE_UNIT_SCHOOL_DAYS), "2026-12-03");
	g_hash_table_unref(cal.closures);
	g_array_unref(terms);

	static const char *const bad[] = { "2026-09-03\n", "2026-09-03 2026-09-01\n",
					   "03/09/2026 23/10/2026\n", "2026-02-30 2026-03-01\n" };
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		assert_false(route_terms_parse(bad[i], &terms, &err));
		assert_non_null(strstr(err, "line 1"));
		g_free(err);
	}
}

/* DOMAIN.md §3 worked examples */
static const struct { const char *dob, *start, *end; } csa_rows[] = {
	{ "2019-02-10", "2024-03-31", "2035-06-29" },
	{ "2007-09-23", "2012-12-31", "2024-06-28" },
	{ "2008-08-31", "2013-08-31", "2024-06-28" },
	{ "2008-09-01", "2013-12-31", "2025-06-27" },
	{ "2010-06-28", "2015-08-31", "2026-06-26" },
	{ "2019-12-31", "2024-12-31", "2036-06-27" },
	{ "2016-02-29", "2021-03-31", "2032-06-25" },
};

static void test_school_age(void **state)
{
	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(csa_rows); i++) {
		print_message("# born %s\n", csa_rows[i].dob);
		assert_day(route_csa_start(J(csa_rows[i].dob)), csa_rows[i].start);
		assert_day(route_csa_end(J(csa_rows[i].dob)), csa_rows[i].end);
	}
	static const struct { const char *dob, *on; enum route_age want; } rows[] = {
		{ "2019-02-10", "2024-03-30", ROUTE_AGE_UNDER },
		{ "2019-02-10", "2024-03-31", ROUTE_AGE_COMPULSORY },
		{ "2010-06-28", "2026-06-26", ROUTE_AGE_COMPULSORY },
		{ "2010-06-28", "2026-06-27", ROUTE_AGE_OVER },
		{ "2015-03-14", "2026-12-01", ROUTE_AGE_COMPULSORY },
		{ "2022-05-01", "2026-12-01", ROUTE_AGE_UNDER },
		{ "2009-10-01", "2026-12-01", ROUTE_AGE_OVER },
		{ NULL, "2026-12-01", ROUTE_AGE_UNKNOWN },
		{ "14/03/2015", "2026-12-01", ROUTE_AGE_UNKNOWN },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(rows); i++)
		assert_int_equal(route_school_age(rows[i].dob, J(rows[i].on)), rows[i].want);
}

static void test_rules(void **state)
{
	(void)state;
	static const struct { const char *text; const char *error; } rows[] = {
		{ "opened 10 working_days reminder to=team stop=reply", NULL },
		{ "parents_respond 5 working_days visit to=team,police escalate=social_care", NULL },
		{ "opened 10 fortnights reminder", "unit 'fortnights'" },
		{ "opened ten working_days reminder", "offset 'ten'" },
		{ "opened 10 working_days", "expected" },
		{ "opened 10 working_days reminder to=mayor", "'mayor' is not a [recipients] list" },
		{ "opened 10 working_days reminder colour=blue", "'colour=blue'" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
		char *err = NULL;
		struct route_deadline_rule *r = route_deadline_rule_parse("x", rows[i].text, &err);
		print_message("# %s\n", rows[i].text);
		if (!rows[i].error) {
			assert_non_null(r);
		} else {
			assert_null(r);
			assert_non_null(strstr(err, rows[i].error));
		}
		route_deadline_rule_free(r);
		g_free(err);
	}

	/* Central Bedfordshire's chain: parents 10 working days, then a visit
	 * within 5, a review at 12 weeks; an immediate case's 1-hour clock */
	struct route_policy p = { 0 };
	p.deadline_rules = g_ptr_array_new_with_free_func((GDestroyNotify)route_deadline_rule_free);
	const char *defs[][2] = {
		{ "parents_respond", "opened 10 working_days reminder to=team stop=reply" },
		{ "home_visit", "parents_respond 5 working_days visit to=team stop=visit" },
		{ "review", "opened 12 weeks review to=team" },
		{ "hub_call", "risk_immediate 1 hours escalate to=safeguarding_hub" },
		{ "never", "opened_on_roll 1 weeks review" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(defs); i++) {
		char *err = NULL;
		g_ptr_array_add(p.deadline_rules, route_deadline_rule_parse(defs[i][0], defs[i][1], &err));
	}
	GTimeZone *utc = g_time_zone_new_utc();
	GDateTime *now = g_date_time_new(utc, 2025, 12, 22, 10, 30, 0);
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)route_deadline_free);
	const char *triggers[] = { "opened", "opened_referral", "risk_immediate", NULL };
	route_deadlines_for(&p, triggers, now, out);
	assert_int_equal(out->len, 4);
	const char *want[][3] = {
		{ "parents_respond", "2026-01-08", "reply" },
		{ "home_visit", "2026-01-15", "visit" },
		{ "review", "2026-03-16", NULL },
		{ "hub_call", "2025-12-22T11:30:00Z", NULL },
	};
	for (guint i = 0; i < out->len; i++) {
		const struct route_deadline *d = g_ptr_array_index(out, i);
		assert_string_equal(d->kind, want[i][0]);
		assert_string_equal(d->due, want[i][1]);
		if (want[i][2])
			assert_string_equal(d->stop_on, want[i][2]);
	}
	g_ptr_array_unref(out);
	g_ptr_array_unref(p.deadline_rules);
	g_date_time_unref(now);
	g_time_zone_unref(utc);
}

static void test_name_key(void **state)
{
	(void)state;
	static const char *const rows[][2] = {
		{ "O'Brien-Smith", "obriensmith" }, { "  ZOË ", "zoe" }, { "Núñez", "nunez" },
		{ "Ellie May", "elliemay" }, { "Ellie-May", "elliemay" }, { "Łukasz", "lukasz" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
		g_autofree char *k = route_name_key(rows[i][0]);
		assert_string_equal(k, rows[i][1]);
	}
	assert_null(route_name_key(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bank_holidays),
		cmocka_unit_test(test_add_days),
		cmocka_unit_test(test_school_days),
		cmocka_unit_test(test_school_age),
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_name_key),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
