/* route_deadlines.c - statutory clocks as data: rules -> due dates */
#include <string.h>
#include <glib.h>
#include "route/route.h"

/* The recipient lists a rule may name: the [recipients] keys. */
static const char *const lists[] = { "team", "team_lead", "safeguarding_hub", "ehe_team",
				     "social_care", "police", "neet", NULL };

void route_deadline_rule_free(struct route_deadline_rule *r)
{
	if (!r)
		return;
	g_free(r->name);
	g_free(r->trigger);
	g_free(r->action);
	g_strfreev(r->to);
	g_strfreev(r->stop_on);
	g_strfreev(r->escalate);
	g_free(r);
}

void route_deadline_free(struct route_deadline *d)
{
	if (!d)
		return;
	g_free(d->kind);
	g_free(d->due);
	g_free(d->action);
	g_free(d->to);
	g_free(d->stop_on);
	g_free(d->escalate);
	g_free(d);
}

bool route_trigger_known(const char *t)
{
	static const char *const events[] = {
		"opened", "opened_referral", "opened_off_roll", "opened_ehe", "risk_immediate",
		"risk_high", "risk_standard", "category_missing", "category_without_place",
		"category_potential", "category_review", "cross_border", NULL,
	};
	return t && g_strv_contains(events, t);
}

static bool is_word(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++)
		if (!g_ascii_isalnum(*s) && *s != '_')
			return false;
	return true;
}

/* list_value - "a,b" -> strv; every item a word, and (when ALLOWED) one of those */
static char **list_value(const char *v, const char *const *allowed, char **error_r,
			 const char *what)
{
	g_auto(GStrv) items = g_strsplit(v, ",", -1);
	for (int i = 0; items[i]; i++) {
		if (!is_word(items[i]) ||
		    (allowed && !g_strv_contains(allowed, items[i]))) {
			*error_r = g_strdup_printf("%s '%s' is not %s", what, items[i],
						   allowed ? "a [recipients] list" : "a word");
			return NULL;
		}
	}
	return g_steal_pointer(&items);
}

struct route_deadline_rule *route_deadline_rule_parse(const char *name, const char *text,
						      char **error_r)
{
	g_auto(GStrv) f = g_strsplit_set(text, " \t", -1);
	GPtrArray *tok = g_ptr_array_new();
	for (int i = 0; f[i]; i++)
		if (*f[i])
			g_ptr_array_add(tok, f[i]);
	g_autoptr(GPtrArray) t = tok;
	if (!is_word(name)) {
		*error_r = g_strdup_printf("rule name '%s' is not a word", name);
		return NULL;
	}
	if (t->len < 4) {
		*error_r = g_strdup("expected 'TRIGGER OFFSET UNIT ACTION [to=LIST] [stop=EVENTS]"
				    " [escalate=LIST]'");
		return NULL;
	}
	struct route_deadline_rule *r = g_new0(struct route_deadline_rule, 1);
	r->name = g_strdup(name);
	r->trigger = g_strdup(g_ptr_array_index(t, 0));
	r->action = g_strdup(g_ptr_array_index(t, 3));
	const char *off = g_ptr_array_index(t, 1);
	char *end = NULL;
	gint64 n = g_ascii_strtoll(off, &end, 10);
	if (!is_word(r->trigger) || !is_word(r->action)) {
		*error_r = g_strdup("trigger and action must be words");
		goto bad;
	}
	if (end == off || *end || n < 0 || n > 3660) {
		*error_r = g_strdup_printf("offset '%s' is not a whole number from 0 to 3660", off);
		goto bad;
	}
	r->offset = (int)n;
	if (!route_unit_parse(g_ptr_array_index(t, 2), &r->unit)) {
		*error_r = g_strdup_printf("unit '%s' is not one of calendar_days, working_days,"
					   " school_days, weeks, hours",
					   (const char *)g_ptr_array_index(t, 2));
		goto bad;
	}
	for (guint i = 4; i < t->len; i++) {
		const char *o = g_ptr_array_index(t, i);
		char ***slot = g_str_has_prefix(o, "to=") ? &r->to :
			       g_str_has_prefix(o, "stop=") ? &r->stop_on :
			       g_str_has_prefix(o, "escalate=") ? &r->escalate : NULL;
		if (!slot || *slot) {
			*error_r = g_strdup_printf("'%s' is not to=, stop= or escalate= (each once)", o);
			goto bad;
		}
		const char *v = strchr(o, '=') + 1;
		*slot = list_value(v, slot == &r->stop_on ? NULL : lists, error_r,
				   slot == &r->stop_on ? "event" : "recipient list");
		if (!*slot)
			goto bad;
	}
	return r;
bad:
	route_deadline_rule_free(r);
	return NULL;
}

static char *joined(char **v)
{
	return v && v[0] ? g_strjoinv(",", v) : NULL;
}

void route_deadlines_for(const struct route_policy *p, const char *const *triggers,
			 GDateTime *now, GPtrArray *out)
{
	if (!p->deadline_rules || !now)
		return;
	g_autoptr(GDateTime) utc = g_date_time_to_utc(now);
	guint32 today = route_julian(g_date_time_get_year(utc), g_date_time_get_month(utc),
				     g_date_time_get_day_of_month(utc));
	/* rule name -> due day, so a rule can count from an earlier one's due date */
	g_autoptr(GHashTable) due = g_hash_table_new(g_str_hash, g_str_equal);
	for (guint i = 0; i < p->deadline_rules->len; i++) {
		const struct route_deadline_rule *r = g_ptr_array_index(p->deadline_rules, i);
		guint32 base = 0;
		bool from_now = g_strv_contains(triggers, r->trigger);
		if (from_now)
			base = today;
		else if (g_hash_table_contains(due, r->trigger))
			base = GPOINTER_TO_UINT(g_hash_table_lookup(due, r->trigger));
		else
			continue;
		struct route_deadline *d = g_new0(struct route_deadline, 1);
		d->kind = g_strdup(r->name);
		if (r->unit == ROUTE_UNIT_HOURS) {
			g_autoptr(GDateTime) at = from_now ? g_date_time_add_hours(utc, r->offset) : NULL;
			guint32 day = route_add_days(&p->calendar, base, r->offset, r->unit);
			d->due = at ? g_date_time_format(at, "%Y-%m-%dT%H:%M:%SZ") : route_julian_iso(day);
			if (at)
				day = route_julian(g_date_time_get_year(at), g_date_time_get_month(at),
						   g_date_time_get_day_of_month(at));
			g_hash_table_insert(due, r->name, GUINT_TO_POINTER(day));
		} else {
			guint32 day = route_add_days(&p->calendar, base, r->offset, r->unit);
			d->due = route_julian_iso(day);
			g_hash_table_insert(due, r->name, GUINT_TO_POINTER(day));
		}
		d->action = g_strdup(r->action);
		d->to = joined(r->to);
		d->stop_on = joined(r->stop_on);
		d->escalate = joined(r->escalate);
		g_ptr_array_add(out, d);
	}
}

const char *route_education_la(const char *cty, const char *laua)
{
	if (cty && strlen(cty) == 9 && g_str_has_prefix(cty, "E10"))
		return cty;
	if (laua && strlen(laua) == 9 && !g_str_has_prefix(laua, "E99") &&
	    !g_str_has_prefix(laua, "W99"))
		return laua;
	return NULL;
}

char *route_name_key(const char *name)
{
	if (!name)
		return NULL;
	g_autofree char *folded = g_utf8_casefold(name, -1);
	g_autofree char *ascii = g_str_to_ascii(folded, "C");
	GString *k = g_string_new(NULL);
	for (const char *s = ascii; *s; s++)
		if (g_ascii_isalnum(*s))
			g_string_append_c(k, g_ascii_tolower(*s));
	return g_string_free(k, FALSE);
}
