/* route.c - the decision for one record */
#include <string.h>
#include <glib.h>
#include "route/route.h"

const char *route_risk_name(enum route_risk risk)
{
	switch (risk) {
	case ROUTE_RISK_IMMEDIATE: return "immediate";
	case ROUTE_RISK_HIGH: return "high";
	case ROUTE_RISK_STANDARD: break;
	}
	return "standard";
}

const char *route_category_name(enum route_category cat)
{
	switch (cat) {
	case ROUTE_CATEGORY_MISSING: return "missing";
	case ROUTE_CATEGORY_WITHOUT_PLACE: return "without_place";
	case ROUTE_CATEGORY_REVIEW: return "review";
	case ROUTE_CATEGORY_POTENTIAL: break;
	}
	return "potential";
}

static void notice_free(gpointer p)
{
	struct route_notice *n = p;
	g_free(n->kind);
	g_strfreev(n->to);
	g_free(n->reason);
	g_free(n);
}

void route_decision_free(struct route_decision *d)
{
	if (!d)
		return;
	g_free(d->case_ref);
	g_free(d->residence_la);
	g_free(d->school_la);
	g_free(d->reason);
	g_ptr_array_unref(d->notices);
	g_free(d);
}

static void add_notice(struct route_decision *d, const char *kind, char **to, const char *reason)
{
	if (!to || !to[0])
		return;
	struct route_notice *n = g_new0(struct route_notice, 1);
	n->kind = g_strdup(kind);
	n->to = g_strdupv(to);
	n->reason = g_strdup(reason);
	g_ptr_array_add(d->notices, n);
}

static bool in_list(char **list, const char *s)
{
	return list && s && g_strv_contains((const char *const *)list, s);
}

enum route_risk route_risk_of(const struct parse_record *r, const struct route_policy *p,
			      char **why_r)
{
	enum route_risk level = ROUTE_RISK_STANDARD;
	GString *why = g_string_new(NULL);
	for (guint i = 0; r->risk.factors && i < r->risk.factors->len; i++) {
		const char *f = g_ptr_array_index(r->risk.factors, i);
		enum route_risk l = ROUTE_RISK_STANDARD;
		if (in_list(p->risk_immediate, f))
			l = ROUTE_RISK_IMMEDIATE;
		else if (in_list(p->risk_high, f))
			l = ROUTE_RISK_HIGH;
		if (l > level) {
			level = l;
			g_string_truncate(why, 0);
		}
		if (l == level && l != ROUTE_RISK_STANDARD)
			g_string_append_printf(why, "%s%s", why->len ? ", " : "", f);
	}
	/* An EHCP is a high risk on its own when the policy lists "ehcp" as high. */
	if (level < ROUTE_RISK_HIGH && g_strcmp0(r->child.sen, "ehcp") == 0 &&
	    in_list(p->risk_high, "ehcp")) {
		level = ROUTE_RISK_HIGH;
		g_string_assign(why, "ehcp");
	}
	if (why_r)
		*why_r = g_string_free(why, FALSE);
	else
		g_string_free(why, TRUE);
	return level;
}

const char *route_la_of_laestab(const struct route_policy *p, const char *laestab)
{
	if (!laestab || strlen(laestab) != 7 || !p->la_numbers)
		return NULL;
	char num[4] = { laestab[0], laestab[1], laestab[2], '\0' };
	return g_hash_table_lookup(p->la_numbers, num);
}

GHashTable *route_la_numbers_parse(const char *csv, char **error_r)
{
	GHashTable *t = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_auto(GStrv) lines = g_strsplit(csv, "\n", -1);
	if (!lines[0] || !g_str_has_prefix(lines[0], "la_number,ons_code")) {
		*error_r = g_strdup("header is not 'la_number,ons_code,...'");
		g_hash_table_unref(t);
		return NULL;
	}
	for (int i = 1; lines[i]; i++) {
		g_strchomp(lines[i]);
		if (!*lines[i])
			continue;
		/* la_number and ons_code lead, ended is last; only the name
		 * between them may hold quoted commas. */
		g_auto(GStrv) f = g_strsplit(lines[i], ",", 3);
		const char *ended = strrchr(lines[i], ',');
		if (g_strv_length(f) < 3 || strlen(f[0]) != 3 || strlen(f[1]) != 9 || !ended) {
			*error_r = g_strdup_printf("line %d: expected la_number,ons_code,name,country,ended", i + 1);
			g_hash_table_unref(t);
			return NULL;
		}
		if (ended[1] == '\0')   /* current code only */
			g_hash_table_insert(t, g_strdup(f[0]), g_strdup(f[1]));
	}
	return t;
}

GHashTable *route_la_names_parse(const char *csv)
{
	GHashTable *t = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_auto(GStrv) lines = g_strsplit(csv, "\n", -1);
	for (int i = 1; lines[0] && lines[i]; i++) {
		g_strchomp(lines[i]);
		/* la_number,ons_code,NAME,country,ended: the name lies between the
		 * second comma and the last-but-one, and may be quoted. */
		char *a = strchr(lines[i], ',');
		char *b = a ? strchr(a + 1, ',') : NULL;
		char *end = strrchr(lines[i], ',');
		if (!b || end == b)
			continue;
		*end = '\0';
		char *c = strrchr(b + 1, ',');
		if (!c || b - a - 1 != 9)
			continue;
		g_autofree char *name = g_strndup(b + 1, (gsize)(c - b - 1));
		g_strstrip(name);
		size_t n = strlen(name);
		if (n >= 2 && name[0] == '"' && name[n - 1] == '"') {
			memmove(name, name + 1, n - 2);
			name[n - 2] = '\0';
		}
		g_hash_table_insert(t, g_strndup(a + 1, 9), g_steal_pointer(&name));
	}
	return t;
}

/* ack_allowed - whether the referrer may be acknowledged (invariant 7) */
static bool ack_allowed(const struct parse_record *r, const struct route_view *v,
			const struct route_policy *p, const char **to_r)
{
	const char *to = r->referrer.email;
	if (r->auto_submitted || !to || !strchr(to, '@'))
		return false;
	if (g_ascii_strcasecmp(to, p->our_address) == 0 ||
	    (p->our_from && g_ascii_strcasecmp(to, p->our_from) == 0))
		return false;
	if (v->acks_today && v->acks_today(v->ctx, to) >= p->ack_daily_cap)
		return false;
	*to_r = to;
	return true;
}

/* find_case - strong match only: the same UPN, else the same surname + dob */
static bool find_case(const struct parse_record *r, const struct route_view *v,
		      struct route_case *c_r, const char **how_r)
{
	const char *upn = r->child.upn;
	if (upn && !g_str_has_prefix(upn, "UN") && !parse_upn_check(upn) && v->case_by_upn &&
	    v->case_by_upn(v->ctx, upn, c_r)) {
		*how_r = "upn";
		return true;
	}
	if (r->child.surname && r->child.dob && v->case_by_name_dob &&
	    v->case_by_name_dob(v->ctx, r->child.surname, r->child.dob, c_r)) {
		*how_r = "surname and date of birth";
		return true;
	}
	return false;
}

static enum route_category category_of(const struct parse_record *r, const char *residence_la)
{
	if (r->whereabouts_unknown)
		return ROUTE_CATEGORY_MISSING;
	if (!residence_la)
		return ROUTE_CATEGORY_REVIEW;   /* a person must establish where the child lives */
	if (r->address.text || r->address.postcode) {
		if (!r->school.name || r->school.date_off_roll)
			return ROUTE_CATEGORY_WITHOUT_PLACE;
	}
	return ROUTE_CATEGORY_POTENTIAL;
}

/* decide_child - a referral or roll notice about a child */
static void decide_child(struct route_decision *d, const struct parse_record *r,
			 const struct route_view *v, const struct route_policy *p)
{
	if (!r->child.surname && !r->child.forename && !r->child.upn) {
		d->action = ROUTE_ACTION_REVIEW;
		d->reason = g_strdup("no child's name or UPN could be read");
		return;
	}
	if (r->address.postcode && v->postcode_la) {
		const char *la = v->postcode_la(v->ctx, r->address.postcode);
		d->residence_la = g_strdup(la);
	}
	d->school_la = g_strdup(route_la_of_laestab(p, r->school.laestab));

	g_autofree char *why = NULL;
	d->risk = route_risk_of(r, p, &why);
	d->category = category_of(r, d->residence_la);

	struct route_case c = { 0 };
	const char *how = NULL;
	if (find_case(r, v, &c, &how)) {
		d->action = ROUTE_ACTION_UPDATE;
		d->case_id = c.id;
		d->case_ref = g_strdup(c.ref);
		if (c.risk > d->risk)
			d->risk = c.risk;
		if (!d->residence_la && c.residence_la)
			d->residence_la = g_strdup(c.residence_la);
		d->reason = g_strdup_printf("%s matched open case by %s", parse_kind_name(r->kind), how);
	} else if (r->kind == PARSE_KIND_ON_ROLL) {
		d->action = ROUTE_ACTION_IGNORE;
		d->reason = g_strdup("on-roll notice for a child with no open case");
		return;
	} else {
		d->action = ROUTE_ACTION_OPEN;
		d->reason = g_strdup_printf("new case from %s", parse_kind_name(r->kind));
	}

	const char *ack_to = NULL;
	if (r->kind == PARSE_KIND_REFERRAL && ack_allowed(r, v, p, &ack_to)) {
		char *to[] = { (char *)ack_to, NULL };
		add_notice(d, "ack_referrer", to, "referral received");
	}
	g_autofree char *alert = g_strdup_printf("%s, risk %s%s%s%s", d->reason,
						 route_risk_name(d->risk), why && *why ? " (" : "",
						 why ? why : "", why && *why ? ")" : "");
	add_notice(d, "officer_alert", p->team, alert);
	if (d->risk == ROUTE_RISK_IMMEDIATE)
		add_notice(d, "safeguarding_alert", p->safeguarding_hub, alert);
	if (d->residence_la && g_strcmp0(d->residence_la, p->our_la) != 0 && p->neighbours) {
		const char *addr = g_hash_table_lookup(p->neighbours, d->residence_la);
		if (addr) {
			char *to[] = { (char *)addr, NULL };
			g_autofree char *cb = g_strdup_printf("child lives in %s", d->residence_la);
			add_notice(d, "cross_border_notice", to, cb);
		}
	}
}

/* decide_reply - a message about an existing case */
static void decide_reply(struct route_decision *d, const struct parse_record *r,
			 const struct route_view *v, const struct route_policy *p)
{
	struct route_case c = { 0 };
	if (!r->case_ref || !v->case_by_ref || !v->case_by_ref(v->ctx, r->case_ref, &c)) {
		d->action = ROUTE_ACTION_REVIEW;
		d->reason = g_strdup_printf("reply about case '%s', which is not in the register",
					    r->case_ref ? r->case_ref : "?");
		return;
	}
	d->action = ROUTE_ACTION_UPDATE;
	d->case_id = c.id;
	d->case_ref = g_strdup(c.ref);
	d->risk = c.risk;
	d->residence_la = g_strdup(c.residence_la);
	d->reason = g_strdup("reply about the case");
	add_notice(d, "officer_alert", p->team, "reply received about the case");
}

struct route_decision *route_decide(const struct parse_record *r, const struct route_view *v,
				    const struct route_policy *p)
{
	struct route_decision *d = g_new0(struct route_decision, 1);
	d->notices = g_ptr_array_new_with_free_func(notice_free);
	d->category = ROUTE_CATEGORY_POTENTIAL;

	switch (r->kind) {
	case PARSE_KIND_BOUNCE:
	case PARSE_KIND_AUTO_REPLY:
		d->action = ROUTE_ACTION_IGNORE;
		d->reason = g_strdup_printf("%s: recorded, never answered", parse_kind_name(r->kind));
		break;
	case PARSE_KIND_REPLY:
		decide_reply(d, r, v, p);
		break;
	case PARSE_KIND_REFERRAL:
	case PARSE_KIND_OFF_ROLL:
	case PARSE_KIND_ON_ROLL:
		decide_child(d, r, v, p);
		break;
	case PARSE_KIND_UNKNOWN:
		d->action = ROUTE_ACTION_REVIEW;
		d->reason = g_strdup("not recognised as a referral or roll notice");
		break;
	}
	return d;
}
