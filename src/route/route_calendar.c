/* route_calendar.c - bank holidays, working days, school days, deadline arithmetic.
 *
 * Days are GDate julian numbers (1 = 1 Jan year 1), so the arithmetic is plain
 * integers and nothing here reads a clock.
 */
#include <string.h>
#include <glib.h>
#include "route/route.h"

/* One-off changes to the England and Wales list (DOMAIN.md §6). A row with
 * FROM set moves that holiday to TO; a row without FROM adds TO. */
static const struct {
	const char *from, *to;
	const char *why;
} one_offs[] = {
	{ "1995-05-01", "1995-05-08", "VE Day 50th anniversary" },
	{ NULL, "1999-12-31", "Millennium" },
	{ "2002-05-27", "2002-06-04", "Spring bank holiday moved" },
	{ NULL, "2002-06-03", "Golden Jubilee" },
	{ NULL, "2011-04-29", "Royal wedding" },
	{ "2012-05-28", "2012-06-04", "Spring bank holiday moved" },
	{ NULL, "2012-06-05", "Diamond Jubilee" },
	{ "2020-05-04", "2020-05-08", "VE Day 75th anniversary" },
	{ "2022-05-30", "2022-06-02", "Spring bank holiday moved" },
	{ NULL, "2022-06-03", "Platinum Jubilee" },
	{ NULL, "2022-09-19", "State funeral of Queen Elizabeth II" },
	{ NULL, "2023-05-08", "Coronation of King Charles III" },
};

guint32 route_julian(int year, int month, int day)
{
	if (!g_date_valid_dmy((GDateDay)day, (GDateMonth)month, (GDateYear)year))
		return 0;
	GDate d;
	g_date_clear(&d, 1);
	g_date_set_dmy(&d, (GDateDay)day, (GDateMonth)month, (GDateYear)year);
	return g_date_get_julian(&d);
}

guint32 route_julian_parse(const char *iso)
{
	static const int digits[] = { 0, 1, 2, 3, 5, 6, 8, 9 };
	if (!iso || strlen(iso) < 10 || iso[4] != '-' || iso[7] != '-' ||
	    (iso[10] != '\0' && iso[10] != 'T'))
		return 0;
	for (size_t i = 0; i < G_N_ELEMENTS(digits); i++)
		if (!g_ascii_isdigit(iso[digits[i]]))
			return 0;
	int y = (int)g_ascii_strtoll(iso, NULL, 10);
	int m = (iso[5] - '0') * 10 + (iso[6] - '0'), d = (iso[8] - '0') * 10 + (iso[9] - '0');
	return route_julian(y, m, d);
}

char *route_julian_iso(guint32 j)
{
	GDate d;
	g_date_clear(&d, 1);
	g_date_set_julian(&d, j);
	return g_strdup_printf("%04d-%02d-%02d", g_date_get_year(&d), g_date_get_month(&d),
			       g_date_get_day(&d));
}

/* weekday - 1 Monday .. 7 Sunday */
static int weekday(guint32 j)
{
	GDate d;
	g_date_clear(&d, 1);
	g_date_set_julian(&d, j);
	return (int)g_date_get_weekday(&d);
}

/* easter - Easter Sunday of YEAR (anonymous Gregorian computus) */
static guint32 easter(int y)
{
	int a = y % 19, b = y / 100, c = y % 100, d = b / 4, e = b % 4;
	int f = (b + 8) / 25, g = (b - f + 1) / 3, h = (19 * a + b - d - g + 15) % 30;
	int i = c / 4, k = c % 4, l = (32 + 2 * e + 2 * i - h - k) % 7;
	int m = (a + 11 * h + 22 * l) / 451;
	int month = (h + l - 7 * m + 114) / 31, day = (h + l - 7 * m + 114) % 31 + 1;
	return route_julian(y, month, day);
}

/* first_monday / last_monday - of MONTH in YEAR */
static guint32 first_monday(int y, int month)
{
	guint32 j = route_julian(y, month, 1);
	while (weekday(j) != G_DATE_MONDAY)
		j++;
	return j;
}

static guint32 last_monday(int y, int month)
{
	guint32 j = route_julian(y, month, g_date_get_days_in_month((GDateMonth)month, (GDateYear)y));
	while (weekday(j) != G_DATE_MONDAY)
		j--;
	return j;
}

static int cmp_u32(const void *a, const void *b)
{
	guint32 x = *(const guint32 *)a, y = *(const guint32 *)b;
	return x < y ? -1 : x > y;
}

static gint cmp_u32_ptr(gconstpointer a, gconstpointer b)
{
	guint x = GPOINTER_TO_UINT(a), y = GPOINTER_TO_UINT(b);
	return x < y ? -1 : x > y;
}

guint route_bank_holidays(int y, guint32 days_r[ROUTE_MAX_HOLIDAYS])
{
	guint n = 0;
	guint32 ny = route_julian(y, 1, 1);
	int w = weekday(ny);
	days_r[n++] = w == G_DATE_SATURDAY ? ny + 2 : w == G_DATE_SUNDAY ? ny + 1 : ny;
	guint32 es = easter(y);
	days_r[n++] = es - 2;
	days_r[n++] = es + 1;
	days_r[n++] = first_monday(y, 5);
	days_r[n++] = last_monday(y, 5);
	days_r[n++] = last_monday(y, 8);
	guint32 xmas = route_julian(y, 12, 25);
	switch (weekday(xmas)) {
	case G_DATE_FRIDAY:
		days_r[n++] = xmas;
		days_r[n++] = xmas + 3;
		break;
	case G_DATE_SATURDAY:
		days_r[n++] = xmas + 2;
		days_r[n++] = xmas + 3;
		break;
	case G_DATE_SUNDAY:
		/* Boxing Day on Monday 26th, Christmas substitute on Tuesday 27th */
		days_r[n++] = xmas + 1;
		days_r[n++] = xmas + 2;
		break;
	default:
		days_r[n++] = xmas;
		days_r[n++] = xmas + 1;
		break;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(one_offs); i++) {
		guint32 to = route_julian_parse(one_offs[i].to);
		GDate d;
		g_date_clear(&d, 1);
		g_date_set_julian(&d, to);
		if (g_date_get_year(&d) != y)
			continue;
		guint32 from = one_offs[i].from ? route_julian_parse(one_offs[i].from) : 0;
		guint k;
		for (k = 0; from && k < n; k++)
			if (days_r[k] == from)
				break;
		if (from && k < n)
			days_r[k] = to;
		else if (n < ROUTE_MAX_HOLIDAYS)
			days_r[n++] = to;
	}
	qsort(days_r, n, sizeof(days_r[0]), cmp_u32);
	return n;
}

bool route_is_bank_holiday(guint32 j)
{
	GDate d;
	g_date_clear(&d, 1);
	g_date_set_julian(&d, j);
	guint32 days[ROUTE_MAX_HOLIDAYS];
	guint n = route_bank_holidays(g_date_get_year(&d), days);
	for (guint i = 0; i < n; i++)
		if (days[i] == j)
			return true;
	return false;
}

static int year_of(guint32 j)
{
	GDate d;
	g_date_clear(&d, 1);
	g_date_set_julian(&d, j);
	return g_date_get_year(&d);
}

char **route_holidays_compare(const guint32 *days, guint n)
{
	GPtrArray *out = g_ptr_array_new();
	g_autoptr(GHashTable) published = g_hash_table_new(g_direct_hash, g_direct_equal);
	int first = 0, last = 0;
	for (guint i = 0; i < n; i++) {
		g_hash_table_add(published, GUINT_TO_POINTER(days[i]));
		int y = year_of(days[i]);
		first = !first || y < first ? y : first;
		last = y > last ? y : last;
	}
	for (int y = first; first && y <= last; y++) {
		guint32 mine[ROUTE_MAX_HOLIDAYS];
		guint k = route_bank_holidays(y, mine);
		for (guint i = 0; i < k; i++)
			if (!g_hash_table_remove(published, GUINT_TO_POINTER(mine[i]))) {
				g_autofree char *iso = route_julian_iso(mine[i]);
				g_ptr_array_add(out, g_strdup_printf("%s: computed, not in the published list", iso));
			}
	}
	GList *rest = g_list_sort(g_hash_table_get_keys(published), cmp_u32_ptr);
	for (GList *l = rest; l; l = l->next) {
		g_autofree char *iso = route_julian_iso(GPOINTER_TO_UINT(l->data));
		g_ptr_array_add(out, g_strdup_printf("%s: published, not computed (a new one-off "
						     "holiday: add it to [calendar] closures)", iso));
	}
	g_list_free(rest);
	g_ptr_array_add(out, NULL);
	return (char **)g_ptr_array_free(out, FALSE);
}

bool route_is_working_day(const struct route_calendar *cal, guint32 j)
{
	int w = weekday(j);
	if (w == G_DATE_SATURDAY || w == G_DATE_SUNDAY || route_is_bank_holiday(j))
		return false;
	return !(cal && cal->closures && g_hash_table_contains(cal->closures, GUINT_TO_POINTER(j)));
}

bool route_is_school_day(const struct route_calendar *cal, guint32 j)
{
	if (!route_is_working_day(cal, j))
		return false;
	if (!cal || !cal->terms || cal->terms->len == 0)
		return true;   /* no term dates: working days stand in (check-config says so) */
	for (guint i = 0; i + 1 < cal->terms->len; i += 2)
		if (j >= g_array_index(cal->terms, guint32, i) &&
		    j <= g_array_index(cal->terms, guint32, i + 1))
			return true;
	return false;
}

static const char *const unit_names[] = {
	[ROUTE_UNIT_CALENDAR_DAYS] = "calendar_days",
	[ROUTE_UNIT_WORKING_DAYS] = "working_days",
	[ROUTE_UNIT_SCHOOL_DAYS] = "school_days",
	[ROUTE_UNIT_WEEKS] = "weeks",
	[ROUTE_UNIT_HOURS] = "hours",
};

const char *route_unit_name(enum route_unit unit)
{
	return unit_names[unit];
}

bool route_unit_parse(const char *text, enum route_unit *unit_r)
{
	for (size_t i = 0; i < G_N_ELEMENTS(unit_names); i++)
		if (g_strcmp0(text, unit_names[i]) == 0) {
			*unit_r = (enum route_unit)i;
			return true;
		}
	return false;
}

guint32 route_add_days(const struct route_calendar *cal, guint32 from, int n, enum route_unit unit)
{
	switch (unit) {
	case ROUTE_UNIT_CALENDAR_DAYS:
		return from + (guint32)n;
	case ROUTE_UNIT_WEEKS:
		return from + (guint32)(7 * n);
	case ROUTE_UNIT_HOURS:
		return from + (guint32)(n / 24);
	case ROUTE_UNIT_WORKING_DAYS:
	case ROUTE_UNIT_SCHOOL_DAYS:
		break;
	}
	/* N counted days after FROM, FROM itself not counted; a guard stops a
	 * term file with no future term from looping for ever. */
	guint32 j = from;
	for (int left = n, guard = 0; left > 0 && guard < 3660; guard++) {
		j++;
		if (unit == ROUTE_UNIT_WORKING_DAYS ? route_is_working_day(cal, j)
						    : route_is_school_day(cal, j))
			left--;
	}
	return j;
}

bool route_terms_parse(const char *text, GArray **terms_r, char **error_r)
{
	g_autoptr(GArray) terms = g_array_new(FALSE, FALSE, sizeof(guint32));
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	for (int i = 0; lines[i]; i++) {
		char *l = g_strstrip(lines[i]);
		if (!*l || *l == '#')
			continue;
		g_auto(GStrv) f = g_strsplit_set(l, " \t", 3);
		guint32 a = route_julian_parse(f[0]), b = f[1] ? route_julian_parse(f[1]) : 0;
		if (!a || !b || b < a || strlen(f[0]) != 10 || strlen(f[1]) != 10) {
			*error_r = g_strdup_printf("line %d: expected 'YYYY-MM-DD YYYY-MM-DD [name]'"
						   " (first and last day of a term)", i + 1);
			return false;
		}
		g_array_append_val(terms, a);
		g_array_append_val(terms, b);
	}
	*terms_r = g_steal_pointer(&terms);
	return true;
}

/* ---- compulsory school age (DOMAIN.md §3) ---- */

guint32 route_csa_start(guint32 dob)
{
	GDate d;
	g_date_clear(&d, 1);
	g_date_set_julian(&d, dob);
	int y = g_date_get_year(&d) + 5, m = g_date_get_month(&d), day = g_date_get_day(&d);
	/* born on 29 February: the fifth birthday is taken as 1 March */
	guint32 b5 = (m == 2 && day == 29) ? route_julian(y, 3, 1) : route_julian(y, m, day);
	const guint32 prescribed[] = { route_julian(y, 3, 31), route_julian(y, 8, 31),
				       route_julian(y, 12, 31), route_julian(y + 1, 3, 31) };
	for (size_t i = 0; i < G_N_ELEMENTS(prescribed); i++)
		if (prescribed[i] >= b5)
			return prescribed[i];
	return prescribed[3];
}

guint32 route_csa_end(guint32 dob)
{
	GDate d;
	g_date_clear(&d, 1);
	g_date_set_julian(&d, dob);
	int y = g_date_get_year(&d) + 16;
	if (g_date_get_month(&d) >= 9)
		y++;   /* the school year in which the 16th birthday falls ends next June */
	guint32 j = route_julian(y, 6, 30);
	while (weekday(j) != G_DATE_FRIDAY)
		j--;
	return j;
}

enum route_age route_school_age(const char *dob, guint32 on)
{
	guint32 b = route_julian_parse(dob);
	if (!b || !on)
		return ROUTE_AGE_UNKNOWN;
	if (on < route_csa_start(b))
		return ROUTE_AGE_UNDER;
	if (on > route_csa_end(b))
		return ROUTE_AGE_OVER;
	return ROUTE_AGE_COMPULSORY;
}
