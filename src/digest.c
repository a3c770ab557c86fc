/* digest.c - digests and reminders: the register read, notifications queued */
#include <stdio.h>
#include <string.h>
#include <glib.h>
#include <json-glib/json-glib.h>
#include "digest.h"
#include "notices.h"
#include "notify/notify.h"

/* list_from_json - array MEMBER of O into list NAME of V, every member of
 * each object a value (those named in PERSONAL marked personal) */
static void list_from_json(struct notify_vars *v, const char *name, JsonObject *o,
			   const char *member, const char *const *personal)
{
	notify_vars_set_list(v, name, false);
	JsonArray *a = json_object_get_array_member(o, member);
	for (guint i = 0; a && i < json_array_get_length(a); i++) {
		JsonObject *row = json_array_get_object_element(a, i);
		struct notify_vars *item = notify_vars_add_item(v, name);
		g_autoptr(GList) names = json_object_get_members(row);
		for (GList *l = names; l; l = l->next) {
			const char *key = l->data;
			JsonNode *n = json_object_get_member(row, key);
			g_autofree char *text = NULL;
			if (JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_INT64)
				text = g_strdup_printf("%" G_GINT64_FORMAT, json_node_get_int(n));
			else if (JSON_NODE_HOLDS_VALUE(n))
				text = g_strdup(json_node_get_string(n));
			bool is_personal = personal && g_strv_contains(personal, key);
			if (is_personal)
				notify_vars_set_personal(item, key, text ? text : "");
			else
				notify_vars_set(item, key, text ? text : "-");
		}
	}
}

/* count_risk - how many of the array MEMBER of O have risk RISK */
static gint64 count_risk(JsonObject *o, const char *member, const char *risk)
{
	JsonArray *a = json_object_get_array_member(o, member);
	gint64 n = 0;
	for (guint i = 0; a && i < json_array_get_length(a); i++)
		n += g_strcmp0(json_object_get_string_member(json_array_get_object_element(a, i),
							     "risk"), risk) == 0;
	return n;
}

static char *day_text(GDateTime *t)
{
	return g_date_time_format(t, "%d/%m/%Y %H:%M");
}

bool digest_officers(const struct config *c, struct store *db, GDateTime *now, bool *queued_r,
		     GError **error)
{
	g_autoptr(GDateTime) since = g_date_time_add_days(now, -1);
	g_autoptr(JsonNode) node = store_digest_json(db, since, now, c->digest_review_days, error);
	if (!node)
		return false;
	JsonObject *o = json_node_get_object(node);
	g_autoptr(notify_vars) v = notices_vars_new(c, now, NULL);
	static const char *const lists[] = { "new_cases", "review_items", "deadlines_due",
					     "deadlines_overdue", "long_open", "notifications_failed" };
	for (size_t i = 0; i < G_N_ELEMENTS(lists); i++)
		list_from_json(v, lists[i], o, lists[i], NULL);
	static const char *const counts[] = { "open_cases", "messages_received", "notifications_sent" };
	for (size_t i = 0; i < G_N_ELEMENTS(counts); i++)
		notify_vars_set_int(v, counts[i], json_object_get_int_member(o, counts[i]));
	notify_vars_set_int(v, "new_immediate", count_risk(o, "new_cases", "immediate"));
	notify_vars_set_int(v, "new_high", count_risk(o, "new_cases", "high"));
	notify_vars_set_int(v, "new_standard", count_risk(o, "new_cases", "standard"));
	notify_vars_set_int(v, "review_days", c->digest_review_days);
	g_autofree char *from = day_text(since), *to = day_text(now);
	g_autofree char *date = g_date_time_format(now, "%d/%m/%Y");
	g_autofree char *key = g_date_time_format(now, "officer_digest:%Y-%m-%d");
	notify_vars_set(v, "period_from", from);
	notify_vars_set(v, "period_to", to);
	notify_vars_set(v, "digest_date", date);
	struct notices_item item = { .kind = "officer_digest", .to = c->team, .dedupe = key };
	return notices_queue_vars(c, db, now, &item, v, queued_r, error);
}

bool digest_social_care(const struct config *c, struct store *db, GDateTime *now, bool *queued_r,
			GError **error)
{
	*queued_r = false;
	if (!c->social_care || !c->social_care[0])
		return true;
	g_autoptr(GDateTime) since = g_date_time_add_days(now, -7);
	g_autoptr(JsonNode) node = store_new_cases_json(db, since, now, error);
	if (!node)
		return false;
	g_autoptr(notify_vars) v = notices_vars_new(c, now, NULL);
	static const char *const personal[] = { "child_name", "child_dob", NULL };
	list_from_json(v, "referrals", json_node_get_object(node), "referrals", personal);
	g_autofree char *from = g_date_time_format(since, "%d/%m/%Y");
	g_autofree char *to = g_date_time_format(now, "%d/%m/%Y");
	g_autofree char *key = g_date_time_format(now, "social_care_summary:%G-W%V");
	notify_vars_set(v, "period_from", from);
	notify_vars_set(v, "period_to", to);
	struct notices_item item = { .kind = "social_care_summary", .to = c->social_care,
				     .dedupe = key };
	return notices_queue_vars(c, db, now, &item, v, queued_r, error);
}

/* named_list - the [recipients] list called NAME, or NULL */
static char **named_list(const struct config *c, const char *name)
{
	if (strcmp(name, "team") == 0) return c->team;
	if (strcmp(name, "team_lead") == 0) return c->team_lead;
	if (strcmp(name, "safeguarding_hub") == 0) return c->safeguarding_hub;
	if (strcmp(name, "ehe_team") == 0) return c->ehe_team;
	if (strcmp(name, "social_care") == 0) return c->social_care;
	if (strcmp(name, "police") == 0) return c->police;
	if (strcmp(name, "neet") == 0) return c->neet;
	return NULL;
}

/* resolve - NAMES (",": list names or addresses) as addresses; a new strv,
 * empty when nothing resolves */
static char **resolve(const struct config *c, const char *names)
{
	GPtrArray *out = g_ptr_array_new();
	g_auto(GStrv) parts = g_strsplit_set(names ? names : "", ",;", -1);
	for (int i = 0; parts[i]; i++) {
		char *p = g_strstrip(parts[i]);
		char **list = named_list(c, p);
		if (strchr(p, '@'))
			g_ptr_array_add(out, g_strdup(p));
		for (int k = 0; list && list[k]; k++)
			g_ptr_array_add(out, g_strdup(list[k]));
	}
	g_ptr_array_add(out, NULL);
	return (char **)g_ptr_array_free(out, FALSE);
}

/* first_of - A when it has an address, else B, else C (borrowed or owned
 * by the caller as the strv it returns: always a new copy) */
static char **first_of(char **a, char **b, char **c)
{
	char **pick = a && a[0] ? a : b && b[0] ? b : c;
	return g_strdupv(pick);
}

/* days_between - whole days from TODAY to DUE ("YYYY-MM-DD"); false when
 * DUE is not a date */
static bool days_between(const char *today, const char *due, int *days_r)
{
	GDate a, b;
	g_date_clear(&a, 1);
	g_date_clear(&b, 1);
	int y, m, d;
	if (!due || sscanf(due, "%4d-%2d-%2d", &y, &m, &d) != 3 || !g_date_valid_dmy(d, m, y))
		return false;
	g_date_set_dmy(&b, (GDateDay)d, (GDateMonth)m, (GDateYear)y);
	if (sscanf(today, "%4d-%2d-%2d", &y, &m, &d) != 3)
		return false;
	g_date_set_dmy(&a, (GDateDay)d, (GDateMonth)m, (GDateYear)y);
	*days_r = g_date_days_between(&a, &b);
	return true;
}

static const char *member_or(JsonObject *o, const char *name, const char *def)
{
	if (!json_object_has_member(o, name) || json_object_get_null_member(o, name))
		return def;
	return json_object_get_string_member(o, name);
}

/* remind_one - the reminder or escalation deadline D calls for NOW, if any */
static bool remind_one(const struct config *c, struct store *db, GDateTime *now, const char *today,
		       JsonObject *d, unsigned *queued_r, GError **error)
{
	int days = 0;
	if (!days_between(today, member_or(d, "due", NULL), &days) ||
	    days > c->remind_days_before)
		return true;
	bool overdue = days < 0;
	gint64 id = json_object_get_int_member(d, "id");
	const char *officer = member_or(d, "officer", NULL);
	g_auto(GStrv) own = officer && strchr(officer, '@') ? g_strsplit(officer, ",", -1)
							    : g_new0(char *, 1);
	g_auto(GStrv) listed = resolve(c, member_or(d, overdue ? "escalation" : "recipients", NULL));
	g_auto(GStrv) to = overdue ? first_of(listed, c->team_lead, c->team)
				   : first_of(own, listed, c->team);
	g_autoptr(notify_vars) v = notices_vars_new(c, now, member_or(d, "ref", ""));
	g_autofree char *ndays = g_strdup_printf("%d", overdue ? -days : days);
	notify_vars_set(v, "deadline_kind", member_or(d, "kind", "deadline"));
	notify_vars_set(v, "deadline_due", member_or(d, "due", ""));
	notify_vars_set(v, "deadline_days", ndays);
	notify_vars_set(v, "overdue", overdue ? "yes" : NULL);
	notify_vars_set(v, "risk", member_or(d, "risk", "-"));
	notify_vars_set(v, "category", member_or(d, "category", "-"));
	notify_vars_set(v, "officer", officer ? officer : "not assigned");
	g_autofree char *key = g_strdup_printf("reminder:%" G_GINT64_FORMAT ":%s", id,
					       overdue ? "overdue" : "before");
	struct notices_item item = { .kind = "reminder", .to = to,
				     .case_id = json_object_get_int_member(d, "case_id"),
				     .dedupe = key };
	bool added = false;
	if (!notices_queue_vars(c, db, now, &item, v, &added, error))
		return false;
	if (!added)
		return true;
	(*queued_r)++;
	return store_deadline_reminded(db, id, now, error);
}

bool digest_remind(const struct config *c, struct store *db, GDateTime *now, unsigned *queued_r,
		   GError **error)
{
	*queued_r = 0;
	g_autoptr(JsonNode) node = store_deadlines_open_json(db, error);
	if (!node)
		return false;
	g_autoptr(GDateTime) utc = g_date_time_to_utc(now);
	g_autofree char *today = g_date_time_format(utc, "%Y-%m-%d");
	JsonArray *a = json_object_get_array_member(json_node_get_object(node), "deadlines");
	for (guint i = 0; i < json_array_get_length(a); i++)
		if (!remind_one(c, db, now, today, json_array_get_object_element(a, i), queued_r, error))
			return false;
	return true;
}

bool digest_due_now(const struct config *c, GDateTime *now)
{
	int h = 0, m = 0;
	if (sscanf(c->digest_time, "%d:%d", &h, &m) != 2)
		return false;
	/* the officers' clock: UK time (GMT/BST), UTC if the zone is unknown */
	g_autoptr(GTimeZone) uk = g_time_zone_new_identifier("Europe/London");
	g_autoptr(GDateTime) local = uk ? g_date_time_to_timezone(now, uk) : g_date_time_to_utc(now);
	return g_date_time_get_hour(local) * 60 + g_date_time_get_minute(local) >= h * 60 + m;
}

bool digest_social_care_day(const struct config *c, GDateTime *now)
{
	static const char *const days[] = { "monday", "tuesday", "wednesday", "thursday",
					    "friday", "saturday", "sunday" };
	int dow = g_date_time_get_day_of_week(now);   /* 1 = Monday */
	return g_ascii_strcasecmp(days[dow - 1], c->digest_social_care_day) == 0;
}

bool digest_on_schedule(const struct config *c, struct store *db, GDateTime *now, GError **error)
{
	bool queued = false;
	unsigned n = 0;
	if (digest_due_now(c, now)) {
		if (!digest_officers(c, db, now, &queued, error))
			return false;
		if (digest_social_care_day(c, now) && !digest_social_care(c, db, now, &queued, error))
			return false;
	}
	return digest_remind(c, db, now, &n, error);
}
