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
	if (d->deadlines)
		g_ptr_array_unref(d->deadlines);
	g_strfreev(d->stop_events);
	g_free(d->outcome);
	g_free(d->detail);
	if (d->siblings)
		g_ptr_array_unref(d->siblings);
	g_free(d);
}

void route_candidate_free(struct route_candidate *c)
{
	if (!c)
		return;
	g_free(c->ref);
	g_free(c->residence_la);
	g_free(c->forename);
	g_free(c->middle_names);
	g_free(c->surname);
	g_free(c->preferred_name);
	g_free(c->dob);
	g_free(c->upn);
	g_free(c->former_upn);
	g_free(c);
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

/* ---- matching (DESIGN.md "Matching") ---- */

/* name_set - keys a forename may be known by: the whole forename, each of
 * its words, the preferred name and each middle name */
static GPtrArray *name_set(const char *forename, const char *middle, const char *preferred)
{
	GPtrArray *set = g_ptr_array_new_with_free_func(g_free);
	const char *parts[] = { forename, middle, preferred };
	for (size_t i = 0; i < G_N_ELEMENTS(parts); i++) {
		if (!parts[i])
			continue;
		if (i != 1)
			g_ptr_array_add(set, route_name_key(parts[i]));
		g_auto(GStrv) words = g_strsplit_set(parts[i], " -", -1);
		for (int w = 0; words[w]; w++)
			if (*words[w])
				g_ptr_array_add(set, route_name_key(words[w]));
	}
	return set;
}

static bool set_has(GPtrArray *set, const char *key)
{
	for (guint i = 0; key && *key && i < set->len; i++)
		if (strcmp(g_ptr_array_index(set, i), key) == 0)
			return true;
	return false;
}

/* forenames_match - one child's forename is among the other's names */
static bool forenames_match(const struct parse_child *r, const struct route_candidate *c)
{
	g_autoptr(GPtrArray) rs = name_set(r->forename, r->middle_names, r->preferred_name);
	g_autoptr(GPtrArray) cs = name_set(c->forename, c->middle_names, c->preferred_name);
	g_autofree char *rk = route_name_key(r->forename);
	g_autofree char *ck = route_name_key(c->forename);
	g_autofree char *rp = route_name_key(r->preferred_name);
	return set_has(cs, rk) || set_has(rs, ck) || set_has(cs, rp);
}

/* dob_near - day and month swapped, or one digit different */
static bool dob_near(const char *a, const char *b)
{
	if (!a || !b || strlen(a) != 10 || strlen(b) != 10)
		return false;
	if (strncmp(a, b, 4) == 0 && strncmp(a + 5, b + 8, 2) == 0 && strncmp(a + 8, b + 5, 2) == 0)
		return true;
	int diff = 0;
	for (int i = 0; i < 10; i++)
		diff += a[i] != b[i];
	return diff == 1;
}

enum match { MATCH_NONE, MATCH_WEAK, MATCH_STRONG };

/* upn_valid - a UPN that identifies a child: not a UN placeholder, and its
 * check letter right */
static bool upn_valid(const char *upn)
{
	return upn && !g_str_has_prefix(upn, "UN") && !parse_upn_check(upn);
}

/* upn_same - A and B are both valid and the same UPN */
static bool upn_same(const char *a, const char *b)
{
	return upn_valid(a) && upn_valid(b) && strcmp(a, b) == 0;
}

/* match_upns - the children's UPNs decide: "upn" when the same, "former upn"
 * when one's UPN was the other's former UPN (or both had it), NULL when they
 * say nothing; *DIFFERENT_R when both have valid UPNs that are not linked */
static const char *match_upns(const struct parse_child *r, const struct route_candidate *c,
			      bool *different_r)
{
	*different_r = false;
	if (upn_same(r->upn, c->upn))
		return "upn";
	if (upn_same(r->former_upn, c->upn) || upn_same(r->upn, c->former_upn) ||
	    upn_same(r->former_upn, c->former_upn))
		return "former upn";
	*different_r = upn_valid(r->upn) && upn_valid(c->upn);
	return NULL;
}

/* match_of - how strongly the record's child is the candidate */
static enum match match_of(const struct parse_child *r, const struct route_candidate *c,
			   const char **why_r)
{
	bool different = false;
	const char *by = match_upns(r, c, &different);
	if (by || different) {
		/* two valid UPNs decide: twins share a surname and a date of birth;
		 * a new UPN is linked to the old one only through the former UPN */
		*why_r = by ? by : "upn";
		return by ? MATCH_STRONG : MATCH_NONE;
	}
	g_autofree char *rs = route_name_key(r->surname);
	g_autofree char *cs = route_name_key(c->surname);
	bool surname = rs && cs && *rs && strcmp(rs, cs) == 0;
	bool forename = forenames_match(r, c);
	bool dob = r->dob && c->dob && strcmp(r->dob, c->dob) == 0;
	if (surname && forename && dob) {
		*why_r = "names and date of birth";
		return MATCH_STRONG;
	}
	if (dob && (surname || forename)) {
		*why_r = surname ? "same date of birth and surname, forename differs"
				 : "same date of birth and forename, surname differs";
		return MATCH_WEAK;
	}
	if (surname && forename && dob_near(r->dob, c->dob)) {
		*why_r = "same names, date of birth differs by a digit or day and month swapped";
		return MATCH_WEAK;
	}
	return MATCH_NONE;
}

struct match_result {
	enum match how;
	struct route_case c;        /* strong: the case */
	char *weak_ref;             /* weak: the other case's reference */
	const char *why;
};

/* find_match - strong: same UPN, else names and dob (tolerant); weak: see
 * match_of. Falls back to the view's exact look-ups when it has no
 * candidates function. */
static void find_match(const struct parse_record *r, const struct route_view *v,
		       struct match_result *m, GPtrArray *keep)
{
	m->how = MATCH_NONE;
	/* the UPN, then the former UPN: the view finds either among a child's
	 * UPN and former UPN */
	const char *const upns[] = { r->child.upn, r->child.former_upn };
	for (size_t i = 0; i < G_N_ELEMENTS(upns); i++)
		if (upn_valid(upns[i]) && v->case_by_upn && v->case_by_upn(v->ctx, upns[i], &m->c)) {
			m->how = MATCH_STRONG;
			m->why = i == 0 ? "upn" : "former upn";
			return;
		}
	if (!v->candidates) {
		if (r->child.surname && r->child.dob && v->case_by_name_dob &&
		    v->case_by_name_dob(v->ctx, r->child.surname, r->child.dob, &m->c)) {
			m->how = MATCH_STRONG;
			m->why = "surname and date of birth";
		}
		return;
	}
	g_autofree char *key = route_name_key(r->child.surname);
	v->candidates(v->ctx, key, r->child.surname, r->child.dob, keep);
	for (guint i = 0; i < keep->len && m->how != MATCH_STRONG; i++) {
		const struct route_candidate *c = g_ptr_array_index(keep, i);
		const char *why = NULL;
		enum match how = match_of(&r->child, c, &why);
		if (how == MATCH_STRONG) {
			m->how = how;
			m->why = why;
			m->c = (struct route_case){ c->id, c->ref, c->risk, c->residence_la };
		} else if (how == MATCH_WEAK && m->how == MATCH_NONE) {
			m->how = how;
			m->why = why;
			m->weak_ref = c->ref;
		}
	}
}

/* find_siblings - the open cases of the siblings R names: the same date of
 * birth, the sibling's first name among the child's names and, when the
 * sibling's name has two words or more, the same surname (its last word, or
 * all words after the first) */
static void find_siblings(struct route_decision *d, const struct parse_record *r,
			  const struct route_view *v)
{
	for (guint i = 0; v->candidates && r->siblings && i < r->siblings->len; i++) {
		const struct parse_sibling *sib = g_ptr_array_index(r->siblings, i);
		if (!sib->name || !sib->dob)
			continue;
		g_autofree char *name = g_strstrip(g_strdup(sib->name));
		g_auto(GStrv) words = g_strsplit_set(name, " ", -1);
		guint n = g_strv_length(words);
		g_autofree char *first = route_name_key(words[0]);
		g_autofree char *last = n > 1 ? route_name_key(words[n - 1]) : NULL;
		g_autofree char *rest_text = n > 1 ? g_strjoinv(" ", words + 1) : NULL;
		g_autofree char *rest = route_name_key(rest_text);   /* "Nuñez Testchild" */
		g_autoptr(GPtrArray) cands = g_ptr_array_new_with_free_func((GDestroyNotify)route_candidate_free);
		v->candidates(v->ctx, last ? last : "", words[n ? n - 1 : 0], sib->dob, cands);
		for (guint k = 0; k < cands->len; k++) {
			struct route_candidate *c = g_ptr_array_index(cands, k);
			g_autofree char *cs = route_name_key(c->surname);
			g_autoptr(GPtrArray) names = name_set(c->forename, c->middle_names, c->preferred_name);
			if (c->id == d->case_id || g_strcmp0(c->dob, sib->dob) != 0 ||
			    !set_has(names, first) ||
			    (last && g_strcmp0(cs, last) != 0 && g_strcmp0(cs, rest) != 0))
				continue;
			if (!d->siblings)
				d->siblings = g_ptr_array_new_with_free_func((GDestroyNotify)route_candidate_free);
			g_ptr_array_add(d->siblings, g_ptr_array_steal_index(cands, k));
			break;
		}
	}
}

/* ---- residence ---- */

/* residence_of - the authority of POSTCODE: the ONS directory, else the
 * config's fallback table by sector ("ME4 4") then district ("ME4") */
static char *residence_of(const struct route_view *v, const struct route_policy *p,
			  const char *postcode)
{
	if (!postcode)
		return NULL;
	const char *la = v->postcode_la ? v->postcode_la(v->ctx, postcode) : NULL;
	if (la)
		return g_strdup(la);
	const char *sp = strchr(postcode, ' ');
	if (!p->postcode_fallback || !sp || !sp[1])
		return NULL;
	g_autofree char *sector = g_strndup(postcode, (gsize)(sp - postcode) + 2);
	g_autofree char *district = g_strndup(postcode, (gsize)(sp - postcode));
	la = g_hash_table_lookup(p->postcode_fallback, sector);
	if (!la)
		la = g_hash_table_lookup(p->postcode_fallback, district);
	return g_strdup(la);
}

static enum route_category category_of(const struct parse_record *r, const char *residence_la)
{
	if (r->whereabouts_unknown)
		return ROUTE_CATEGORY_MISSING;
	if (!residence_la)
		return ROUTE_CATEGORY_REVIEW;   /* a person must establish where the child lives */
	if (r->kind == PARSE_KIND_OFF_ROLL)
		return ROUTE_CATEGORY_POTENTIAL;
	if (r->address.text || r->address.postcode) {
		if (!r->school.name || r->school.date_off_roll)
			return ROUTE_CATEGORY_WITHOUT_PLACE;
	}
	return ROUTE_CATEGORY_POTENTIAL;
}

/* ---- off-roll notices ---- */

enum off_roll { OFF_ROLL_CASE, OFF_ROLL_EHE, OFF_ROLL_RECORD };

static bool state_school(const char *laestab)
{
	if (!laestab || strlen(laestab) != 7)
		return false;
	for (int i = 0; i < 7; i++)
		if (!g_ascii_isdigit(laestab[i]))
			return false;
	return true;
}

/* off_roll_of - what an off-roll notice means (issue 5 "What each kind does") */
static enum off_roll off_roll_of(const struct parse_record *r, const char **why_r)
{
	static const char *const recorded[] = { "registered_elsewhere", "dual_registration_ended",
						"nursery_not_continuing", "sao_amended", "sao_revoked",
						"medical", "custody", "died", "ceased_compulsory_age",
						NULL };
	const char *g = r->deletion.ground;
	const char *dest = r->destination.laestab;
	if (g_strcmp0(g, "home_education") == 0) {
		*why_r = "off-roll notice: parent educating at home";
		return OFF_ROLL_EHE;
	}
	if (g_strcmp0(g, "absent_20_days") == 0 || g_strcmp0(g, "not_returned_from_leave") == 0) {
		*why_r = "off-roll notice: not located after reasonable enquiries";
		return OFF_ROLL_CASE;
	}
	if (g_strcmp0(dest, "XXXXXXX") == 0) {
		*why_r = "off-roll notice: destination unknown (XXXXXXX)";
		return OFF_ROLL_CASE;
	}
	if (state_school(dest) || (r->destination.school && !r->destination.country &&
				    g_strcmp0(dest, "MMMMMMM") != 0)) {
		*why_r = "off-roll notice: known school destination, recorded";
		return OFF_ROLL_RECORD;
	}
	if (g && g_strv_contains(recorded, g) && g_strcmp0(g, "registered_elsewhere") != 0) {
		*why_r = "off-roll notice: ground needs no CME enquiry, recorded";
		return OFF_ROLL_RECORD;
	}
	*why_r = r->destination.country ? "off-roll notice: moved abroad, enrolment not confirmed"
		 : g_strcmp0(g, "moved_away") == 0 ? "off-roll notice: moved away, enrolment not confirmed"
		 : "off-roll notice: no known school destination";
	return OFF_ROLL_CASE;
}

/* ---- the decision ---- */

static void add_deadlines(struct route_decision *d, const struct parse_record *r,
			  const struct route_policy *p, GDateTime *now, bool ehe)
{
	if (ehe) {
		const char *only[] = { "opened_ehe", NULL };
		route_deadlines_for(p, only, now, d->deadlines);
		return;
	}
	g_autofree char *k = g_strdup_printf("opened_%s", parse_kind_name(r->kind));
	g_autofree char *rk = g_strdup_printf("risk_%s", route_risk_name(d->risk));
	g_autofree char *ck = g_strdup_printf("category_%s", route_category_name(d->category));
	bool cross = false;
	for (guint i = 0; i < d->notices->len && !cross; i++)
		cross = strcmp(((struct route_notice *)g_ptr_array_index(d->notices, i))->kind,
			       "cross_border_notice") == 0;
	/* cross_border: the home authority was told, its answer awaited */
	const char *triggers[] = { "opened", k, rk, ck, cross ? "cross_border" : NULL, NULL };
	route_deadlines_for(p, triggers, now, d->deadlines);
}

static guint32 day_of(GDateTime *now)
{
	if (!now)
		return 0;
	g_autoptr(GDateTime) u = g_date_time_to_utc(now);
	return route_julian(g_date_time_get_year(u), g_date_time_get_month(u),
			    g_date_time_get_day_of_month(u));
}

/* age_out - a new case for a child outside compulsory school age is none:
 * true when the decision is made (recorded, referrer answered) */
static bool age_out(struct route_decision *d, const struct parse_record *r,
		    const struct route_view *v, const struct route_policy *p, GDateTime *now)
{
	enum route_age age = route_school_age(r->child.dob, day_of(now));
	if (age != ROUTE_AGE_UNDER && (age != ROUTE_AGE_OVER || p->over_age == ROUTE_OVER_AGE_CASE))
		return false;
	guint32 dob = route_julian_parse(r->child.dob);
	g_autofree char *when = route_julian_iso(age == ROUTE_AGE_UNDER ? route_csa_start(dob)
								      : route_csa_end(dob));
	d->action = ROUTE_ACTION_IGNORE;
	g_free(d->reason);
	d->reason = age == ROUTE_AGE_UNDER
		? g_strdup_printf("below compulsory school age (it starts on %s): recorded, not a CME case", when)
		: g_strdup_printf("over compulsory school age (it ended on %s): %s", when,
				  p->over_age == ROUTE_OVER_AGE_NEET ? "passed to the NEET team, not a CME case"
								      : "recorded, not a CME case");
	if (age == ROUTE_AGE_OVER && p->over_age == ROUTE_OVER_AGE_NEET)
		add_notice(d, "neet_notice", p->neet, d->reason);
	/* the referrer is answered, but told no case was opened */
	const char *ack_to = NULL;
	if (r->kind == PARSE_KIND_REFERRAL && ack_allowed(r, v, p, &ack_to)) {
		char *to[] = { (char *)ack_to, NULL };
		add_notice(d, "not_cme_notice", to, d->reason);
	}
	return true;
}

/* referrer_closed - DER §7, HAR: with [routing] tell_referrer_on_close the
 * address the case's referral was acknowledged to (so never an auto-submitted
 * sender, a bounce or ourselves) hears that case CASE_ID is closed, and WHY
 * (said in the mail: no child's details) */
static void referrer_closed(struct route_decision *d, const struct route_view *v,
			    const struct route_policy *p, int64_t case_id, const char *why)
{
	const char *to = p->referrer_on_close && v->case_referrer ? v->case_referrer(v->ctx, case_id)
								   : NULL;
	if (to && strchr(to, '@') && g_ascii_strcasecmp(to, p->our_address) != 0 &&
	    (!p->our_from || g_ascii_strcasecmp(to, p->our_from) != 0)) {
		char *list[] = { (char *)to, NULL };
		add_notice(d, "case_closed_referrer", list, why);
	}
}

/* decide_located - an on-roll notice: a strongly matched open case is closed
 * as located, and the team (and the referrer, when the policy says) told */
static void decide_located(struct route_decision *d, const struct parse_record *r,
			   const struct route_view *v, const struct route_policy *p,
			   const struct match_result *m)
{
	if (m->how != MATCH_STRONG) {
		d->action = ROUTE_ACTION_IGNORE;
		d->reason = g_strdup("on-roll notice for a child with no open case");
		return;
	}
	d->action = ROUTE_ACTION_CLOSE;
	d->outcome = g_strdup("on_roll");
	g_free(d->reason);
	/* the school and start date go to the register, not into mail */
	d->reason = g_strdup_printf("located: on the roll of the notifying school (matched by %s)",
				    m->why);
	d->detail = g_strdup_printf("located: on roll at %s%s%s%s%s (matched by %s)",
				    r->school.name ? r->school.name : "a school",
				    r->school.laestab ? " " : "", r->school.laestab ? r->school.laestab : "",
				    r->school.date_on_roll ? " from " : "",
				    r->school.date_on_roll ? r->school.date_on_roll : "", m->why);
	add_notice(d, "case_located", p->team, d->reason);
	referrer_closed(d, v, p, m->c.id, "the child has been located and is on a school roll");
}

/* decide_off_roll_other - an off-roll notice that is not a CME enquiry: home
 * education (EHE team told, tracked), or recorded against the child */
static void decide_off_roll_other(struct route_decision *d, const struct parse_record *r,
				  const struct route_policy *p, GDateTime *now,
				  const struct match_result *m, enum off_roll off, const char *off_why)
{
	if (off == OFF_ROLL_EHE) {
		/* tracked until the EHE team confirms suitable education */
		if (m->how != MATCH_STRONG) {
			d->action = ROUTE_ACTION_OPEN;
			d->reason = g_strdup_printf("new case from %s", off_why);
			add_deadlines(d, r, p, now, true);
		}
		add_notice(d, "ehe_notice", p->ehe_team, off_why);
		return;
	}
	if (m->how != MATCH_STRONG)
		d->action = ROUTE_ACTION_IGNORE;
	g_free(d->reason);
	d->reason = m->how == MATCH_STRONG
		? g_strdup_printf("%s; filed against the open case (matched by %s), nothing closed",
				  off_why, m->why)
		: g_strdup_printf("%s, no CME case", off_why);
	/* MED §12: Year 11 leavers go to the NEET team when the policy says so */
	if (g_strcmp0(r->deletion.ground, "ceased_compulsory_age") == 0 &&
	    p->over_age == ROUTE_OVER_AGE_NEET)
		add_notice(d, "neet_notice", p->neet, "left school at the end of compulsory school age");
}

/* case_notices - who hears of a new or updated case: the referrer, the team,
 * the hub when immediate, the home authority when the child lives elsewhere */
static void case_notices(struct route_decision *d, const struct parse_record *r,
			 const struct route_view *v, const struct route_policy *p, const char *why)
{
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

/* decide_match - the record is about the matched case (strong), or a person
 * must decide (weak: review, never merged); false when the decision is made */
static bool decide_match(struct route_decision *d, const struct parse_record *r,
			 const struct match_result *m)
{
	if (m->how == MATCH_WEAK) {
		d->action = ROUTE_ACTION_REVIEW;
		d->category = ROUTE_CATEGORY_REVIEW;
		d->reason = g_strdup_printf("%s may be about open case %s (%s): a person must decide;"
					    " compare this message with 'cmegw case show %s'",
					    parse_kind_name(r->kind), m->weak_ref, m->why, m->weak_ref);
		return false;
	}
	if (m->how == MATCH_STRONG) {
		d->action = ROUTE_ACTION_UPDATE;
		d->case_id = m->c.id;
		d->case_ref = g_strdup(m->c.ref);
		if (m->c.risk > d->risk)
			d->risk = m->c.risk;
		if (!d->residence_la && m->c.residence_la)
			d->residence_la = g_strdup(m->c.residence_la);
		d->reason = g_strdup_printf("%s matched open case by %s", parse_kind_name(r->kind), m->why);
	}
	return true;
}

/* decide_child - a referral or roll notice about a child */
static void decide_child(struct route_decision *d, const struct parse_record *r,
			 const struct route_view *v, const struct route_policy *p, GDateTime *now)
{
	if (!r->child.surname && !r->child.forename && !r->child.upn) {
		d->action = ROUTE_ACTION_REVIEW;
		d->reason = g_strdup("no child's name or UPN could be read");
		return;
	}
	enum off_roll off = OFF_ROLL_CASE;
	const char *off_why = NULL;
	if (r->kind == PARSE_KIND_OFF_ROLL)
		off = off_roll_of(r, &off_why);
	/* a child who moved away lives where the notice says they went */
	if (r->kind == PARSE_KIND_OFF_ROLL && r->destination.postcode && !r->destination.country)
		d->residence_la = residence_of(v, p, r->destination.postcode);
	if (!d->residence_la)
		d->residence_la = residence_of(v, p, r->address.postcode);
	d->school_la = g_strdup(route_la_of_laestab(p, r->school.laestab));

	g_autofree char *why = NULL;
	d->risk = route_risk_of(r, p, &why);
	d->category = category_of(r, d->residence_la);

	g_autoptr(GPtrArray) cands = g_ptr_array_new_with_free_func((GDestroyNotify)route_candidate_free);
	struct match_result m = { 0 };
	find_match(r, v, &m, cands);
	if (!decide_match(d, r, &m))
		return;
	if (r->kind == PARSE_KIND_ON_ROLL) {
		decide_located(d, r, v, p, &m);
		return;
	}
	if (r->kind == PARSE_KIND_OFF_ROLL && off != OFF_ROLL_CASE) {
		decide_off_roll_other(d, r, p, now, &m, off, off_why);
		return;
	}
	if (m.how != MATCH_STRONG) {
		d->action = ROUTE_ACTION_OPEN;
		d->reason = g_strdup_printf("new case from %s", off_why ? off_why : parse_kind_name(r->kind));
		if (age_out(d, r, v, p, now))
			return;
	}
	case_notices(d, r, v, p, why);
	if (d->action == ROUTE_ACTION_OPEN)
		add_deadlines(d, r, p, now, false);
	find_siblings(d, r, v);
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
	d->stop_events = g_strsplit("reply", ",", -1);   /* e.g. the parents answered */
	add_notice(d, "officer_alert", p->team, "reply received about the case");
}

struct route_decision *route_decide(const struct parse_record *r, const struct route_view *v,
				    const struct route_policy *p)
{
	return route_decide_at(r, v, p, NULL);
}

struct route_decision *route_officer_close(const struct route_case *c, const char *outcome,
					   const struct route_view *v, const struct route_policy *p)
{
	struct route_decision *d = g_new0(struct route_decision, 1);
	d->notices = g_ptr_array_new_with_free_func(notice_free);
	d->deadlines = g_ptr_array_new_with_free_func((GDestroyNotify)route_deadline_free);
	d->action = ROUTE_ACTION_CLOSE;
	d->case_id = c->id;
	d->case_ref = g_strdup(c->ref);
	d->risk = c->risk;
	d->residence_la = g_strdup(c->residence_la);
	d->outcome = g_strdup(outcome);
	d->reason = g_strdup_printf("closed by an officer with outcome %s", outcome);
	/* the outcome stays in the register: "died" or "moved_abroad" is not
	 * the referrer's to read in an automatic mail */
	referrer_closed(d, v, p, c->id, "the team's enquiries are complete");
	return d;
}

struct route_decision *route_decide_at(const struct parse_record *r, const struct route_view *v,
				       const struct route_policy *p, GDateTime *now)
{
	struct route_decision *d = g_new0(struct route_decision, 1);
	d->notices = g_ptr_array_new_with_free_func(notice_free);
	d->deadlines = g_ptr_array_new_with_free_func((GDestroyNotify)route_deadline_free);
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
		decide_child(d, r, v, p, now);
		break;
	case PARSE_KIND_UNKNOWN:
		d->action = ROUTE_ACTION_REVIEW;
		d->reason = g_strdup("not recognised as a referral or roll notice");
		break;
	}
	return d;
}
