/* notices.c - what is sent becomes a rendered, composed outbox row.
 *
 * Every notification - a route notice, an alert about a failed delivery, a
 * digest, a reminder - goes through notices_queue_vars: the kind's template
 * (an authority's override first), rendered with data minimisation decided
 * by the recipients, composed with our own Message-ID, added to the outbox.
 */
#include <string.h>
#include <glib.h>
#include "notices.h"
#include "route/route.h"
#include "notify/notify.h"
#include "store/store.h"

const char *const notices_kinds[] = {
	"ack_referrer", "safeguarding_alert", "officer_alert", "cross_border_notice",
	"ehe_notice", "case_located", "reminder", "officer_digest", "social_care_summary",
	"review_needed", "field_query", "delivery_failed", "neet_notice", "not_cme_notice",
	"case_closed_referrer", NULL,
};

/* domain_secure - whether mail to ADDRESS may carry a child's details
 * (invariant 6): our own domain and the secure_domains list */
static bool domain_secure(const struct config *c, const char *address)
{
	const char *at = strrchr(address, '@');
	if (!at)
		return false;
	const char *dom = at + 1;
	const char *own = strrchr(c->authority_address, '@');
	if (own && g_ascii_strcasecmp(own + 1, dom) == 0)
		return true;
	for (int i = 0; c->secure_domains && c->secure_domains[i]; i++)
		if (g_ascii_strcasecmp(c->secure_domains[i], dom) == 0)
			return true;
	return false;
}

bool notices_secure(const struct config *c, char **to)
{
	if (!to || !to[0])
		return false;
	for (int i = 0; to[i]; i++)
		if (!domain_secure(c, to[i]))
			return false;
	return true;
}

/* working_days_after - NOW plus N working days: weekends, England and Wales
 * bank holidays and the config's closure days skipped (route's calendar) */
static GDateTime *working_days_after(const struct config *c, GDateTime *now, int n)
{
	struct route_calendar cal = { .closures = g_hash_table_new(g_direct_hash, g_direct_equal) };
	for (int i = 0; c->closures && c->closures[i]; i++)
		g_hash_table_add(cal.closures, GUINT_TO_POINTER(route_julian_parse(c->closures[i])));
	guint32 today = route_julian(g_date_time_get_year(now), g_date_time_get_month(now),
				     g_date_time_get_day_of_month(now));
	guint32 by = route_add_days(&cal, today, n, ROUTE_UNIT_WORKING_DAYS);
	g_hash_table_unref(cal.closures);
	GDate d;
	g_date_clear(&d, 1);
	g_date_set_julian(&d, by);
	return g_date_time_new_utc(g_date_get_year(&d), g_date_get_month(&d), g_date_get_day(&d), 12, 0, 0);
}

struct notify_vars *notices_vars_new(const struct config *c, GDateTime *now, const char *case_ref)
{
	struct notify_vars *v = notify_vars_new();
	g_autofree char *today = g_date_time_format(now, "%d/%m/%Y");
	g_autoptr(GDateTime) by = working_days_after(c, now, 5);
	g_autofree char *respond = g_date_time_format(by, "%A %d %B %Y");

	notify_vars_set(v, "case_ref", case_ref ? case_ref : "");
	notify_vars_set(v, "authority_name", c->authority_name);
	notify_vars_set(v, "authority_address", c->authority_address);
	notify_vars_set(v, "authority_code", c->authority_code);
	notify_vars_set(v, "today", today);
	notify_vars_set(v, "respond_by", respond);
	return v;
}

/* mail_domain - the domain of our Message-IDs: that of [smtp] from */
static const char *mail_domain(const struct config *c)
{
	const char *at = strrchr(c->smtp_from, '@');
	return at && at[1] ? at + 1 : "localhost";
}

bool notices_queue_vars(const struct config *c, struct store *db, GDateTime *now,
			const struct notices_item *item, struct notify_vars *vars, bool *added_r,
			GError **error)
{
	g_autoptr(notify_template) t = notify_template_open(c->local_templates, c->templates,
							    item->kind, error);
	if (!t)
		return false;
	struct notify_render_opts opts = { .secure = notices_secure(c, item->to) };
	struct notify_rendered r = { 0 };
	if (!notify_template_render(t, vars, &opts, &r, error))
		return false;
	g_autofree char *msgid = notify_message_id(mail_domain(c), now);
	struct notify_mail mail = {
		.from = c->smtp_from,
		.from_name = c->smtp_from_name,
		.to = item->to,
		.subject = r.subject,
		.body = r.text,
		.html = r.html,
		.message_id = msgid,
		.in_reply_to = item->in_reply_to,
		.date = now,
	};
	g_autoptr(GBytes) raw = notify_compose(&mail);
	bool added = false;
	bool ok = store_outbox_add(db, item->case_id, item->kind, item->dedupe, item->to, r.subject,
				   msgid, raw, now, &added, error);
	notify_rendered_clear(&r);
	if (added_r)
		*added_r = added;
	return ok;
}

/* put_la - "Kent (E10000016)", or "unknown" */
static void put_la(const struct pipeline *p, struct notify_vars *v, const char *name,
		   const char *code)
{
	const char *la = code ? g_hash_table_lookup(p->la_names, code) : NULL;
	g_autofree char *text = code ? g_strdup_printf("%s (%s)", la ? la : "authority", code)
				     : g_strdup("unknown");
	notify_vars_set(v, name, text);
}

/* missing_label - what to ask a referrer for when FIELD is missing or unreadable */
static const char *missing_label(const char *field)
{
	static const char *const labels[][2] = {
		{ "child.forename", "the child's first name" },
		{ "child.surname", "the child's surname" },
		{ "child.dob", "the child's date of birth" },
		{ "child.upn", "the child's unique pupil number (UPN), if known" },
		{ "address", "the child's current or last known address" },
		{ "address.postcode", "the postcode of the child's current or last known address" },
		{ "school", "the child's last known school" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(labels); i++)
		if (strcmp(labels[i][0], field) == 0)
			return labels[i][1];
	return NULL;
}

/* add_missing - one entry of the "missing" list, once per label */
static void add_missing(struct notify_vars *v, GHashTable *seen, const char *field)
{
	const char *label = missing_label(field);
	if (!label || g_hash_table_contains(seen, label))
		return;
	g_hash_table_add(seen, (gpointer)label);
	notify_vars_set(notify_vars_add_item(v, "missing"), "label", label);
}

/* put_missing - the essential fields a referral lacks or that could not be
 * read: field names only, never what was written (not personal) */
static void put_missing(struct notify_vars *v, const struct parse_record *r)
{
	g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
	notify_vars_set_list(v, "missing", false);
	if (!r || r->kind != PARSE_KIND_REFERRAL)
		return;
	if (!r->child.forename)
		add_missing(v, seen, "child.forename");
	if (!r->child.surname)
		add_missing(v, seen, "child.surname");
	if (!r->child.dob)
		add_missing(v, seen, "child.dob");
	if (!r->address.text && !r->address.postcode)
		add_missing(v, seen, "address");
	else if (!r->address.postcode)
		add_missing(v, seen, "address.postcode");
	if (!r->school.name && !r->school.laestab)
		add_missing(v, seen, "school");
	for (guint i = 0; r->issues && i < r->issues->len; i++) {
		const struct parse_issue *is = g_ptr_array_index(r->issues, i);
		add_missing(v, seen, is->field);
	}
}

/* put_child - the child's details, all personal: the renderer withholds
 * them from mail to a domain that is not secure */
static void put_child(struct notify_vars *v, const struct parse_record *r)
{
	g_autofree char *name = NULL;
	if (r && (r->child.forename || r->child.surname)) {
		name = g_strjoin(" ", r->child.forename ? r->child.forename : "",
				 r->child.surname ? r->child.surname : "", NULL);
		g_strstrip(name);
	}
	notify_vars_set_personal(v, "child_name", name ? name : "not given");
	notify_vars_set_personal(v, "child_dob", r && r->child.dob ? r->child.dob : "not given");
	notify_vars_set_personal(v, "child_upn", r && r->child.upn ? r->child.upn : "not given");
	notify_vars_set_personal(v, "postcode", r && r->address.postcode ? r->address.postcode
								  : "not given");
	notify_vars_set_personal(v, "school_name", r && r->school.name ? r->school.name
								  : "not given");
	notify_vars_set_personal(v, "deletion_ground", r ? r->deletion.ground : NULL);
	notify_vars_set_list(v, "issues", true);
	for (guint i = 0; r && r->issues && i < r->issues->len; i++) {
		const struct parse_issue *is = g_ptr_array_index(r->issues, i);
		struct notify_vars *item = notify_vars_add_item(v, "issues");
		notify_vars_set(item, "field", is->field);
		notify_vars_set(item, "problem", is->problem);
	}
}

/* record_vars - what a notice about a message may use */
static struct notify_vars *record_vars(const struct pipeline *p, const struct parse_record *r,
				       const struct route_decision *d,
				       const struct route_notice *n, const char *case_ref)
{
	struct notify_vars *v = notices_vars_new(p->config, p->now, case_ref);
	g_autofree char *received = g_date_time_format(p->now, "%d/%m/%Y %H:%M");

	notify_vars_set(v, "risk", route_risk_name(d->risk));
	notify_vars_set(v, "category", route_category_name(d->category));
	notify_vars_set(v, "reason", n->reason);
	put_la(p, v, "residence_la", d->residence_la);
	put_la(p, v, "school_la", d->school_la);
	notify_vars_set(v, "received_at", received);
	notify_vars_set(v, "kind", parse_kind_name(r ? r->kind : PARSE_KIND_UNKNOWN));
	notify_vars_set(v, "message_id", r ? r->message.message_id : NULL);
	notify_vars_set(v, "referrer_name", r && r->referrer.name ? r->referrer.name : "colleague");
	notify_vars_set(v, "referrer_organisation", r ? r->referrer.organisation : NULL);
	notify_vars_set(v, "referrer_email", r ? r->referrer.email : NULL);

	GString *f = g_string_new(NULL);
	for (guint i = 0; r && r->risk.factors && i < r->risk.factors->len; i++)
		g_string_append_printf(f, "%s%s", i ? ", " : "",
				       (const char *)g_ptr_array_index(r->risk.factors, i));
	if (f->len == 0)
		g_string_assign(f, "none recorded");
	g_autofree char *factors = g_string_free(f, FALSE);
	notify_vars_set(v, "risk_factors", factors);
	put_child(v, r);
	put_missing(v, r);
	return v;
}

/* answers - whether a notice of KIND answers the message (threading) */
static bool answers(const char *kind)
{
	return strcmp(kind, "ack_referrer") == 0 || strcmp(kind, "field_query") == 0 ||
	       strcmp(kind, "not_cme_notice") == 0;
}

bool notices_queue(struct pipeline *p, const struct parse_record *r,
		   const struct route_decision *d, const struct route_notice *n,
		   int64_t case_id, const char *case_ref, const char *sha256, GError **error)
{
	g_autoptr(notify_vars) vars = record_vars(p, r, d, n, case_ref);
	g_autofree char *dedupe = g_strdup_printf("%s:%s", sha256, n->kind);
	struct notices_item item = {
		.kind = n->kind, .to = n->to, .case_id = case_id, .dedupe = dedupe,
		.in_reply_to = answers(n->kind) && r ? r->message.message_id : NULL,
	};
	bool added = false;
	if (!notices_queue_vars(p->config, p->store, p->now, &item, vars, &added, error))
		return false;
	if (added)
		p->counts.queued++;
	return true;
}

/* ---- check-config: every template against a sample ---- */

/* sample_list - list NAME with one item of the given names = "sample" */
static void sample_list(struct notify_vars *v, const char *name, const char *const *fields,
			bool personal)
{
	notify_vars_set_list(v, name, personal);
	struct notify_vars *item = notify_vars_add_item(v, name);
	for (int i = 0; fields[i]; i++)
		notify_vars_set(item, fields[i], "sample");
}

struct notify_vars *notices_sample_vars(const struct config *c, GDateTime *now)
{
	static const char *const scalars[] = {
		"risk", "category", "reason", "residence_la", "school_la", "received_at", "kind",
		"message_id", "referrer_name", "referrer_organisation", "referrer_email",
		"risk_factors",
		/* reminders */
		"deadline_kind", "deadline_due", "deadline_days", "overdue", "officer",
		/* delivery failures */
		"failed_kind", "failed_to", "failed_subject", "failed_error", "failed_created_at",
		"failed_cross_border",
		/* digests */
		"digest_date", "period_from", "period_to", "open_cases", "new_immediate", "new_high",
		"new_standard", "messages_received", "notifications_sent", "review_days", NULL,
	};
	static const char *const personal[] = {
		"child_name", "child_dob", "child_upn", "postcode", "school_name",
		"deletion_ground", NULL,
	};
	static const char *const issue[] = { "field", "problem", NULL };
	static const char *const missing[] = { "label", NULL };
	static const char *const cases[] = { "ref", "risk", "category", "residence_la",
					     "opened_at", NULL };
	static const char *const review[] = { "received_at", "message_id", "reason", NULL };
	static const char *const deadline[] = { "ref", "kind", "due", NULL };
	static const char *const failed[] = { "case_ref", "kind", "to", "error", "status", NULL };
	static const char *const referral[] = { "ref", "opened_at", "risk", "risk_factors",
						"category", "child_name", "child_dob", NULL };
	struct notify_vars *v = notices_vars_new(c, now, "CME-2026-000001");

	for (int i = 0; scalars[i]; i++)
		notify_vars_set(v, scalars[i], "sample");
	for (int i = 0; personal[i]; i++)
		notify_vars_set_personal(v, personal[i], "sample");
	sample_list(v, "issues", issue, true);
	sample_list(v, "missing", missing, false);
	sample_list(v, "new_cases", cases, false);
	sample_list(v, "review_items", review, false);
	sample_list(v, "deadlines_due", deadline, false);
	sample_list(v, "deadlines_overdue", deadline, false);
	sample_list(v, "long_open", cases, false);
	sample_list(v, "notifications_failed", failed, false);
	sample_list(v, "referrals", referral, false);
	return v;
}

bool notices_check_template(const struct config *c, GDateTime *now, const char *kind,
			    bool *has_html_r, GError **error)
{
	g_autoptr(notify_template) t = notify_template_open(c->local_templates, c->templates, kind,
							    error);
	if (!t)
		return false;
	g_autoptr(notify_vars) v = notices_sample_vars(c, now);
	for (int secure = 0; secure < 2; secure++) {
		struct notify_render_opts opts = { .secure = secure, .strict = true };
		struct notify_rendered r = { 0 };
		if (!notify_template_render(t, v, &opts, &r, error))
			return false;
		notify_rendered_clear(&r);
	}
	*has_html_r = t->html != NULL;
	return true;
}

/* ---- failed deliveries and bounces ---- */

bool notices_alert_failed(const struct config *c, struct store *db, GDateTime *now, int64_t id,
			  GError **error)
{
	struct store_outbox_row row;
	if (!store_outbox_row(db, id, &row, error))
		return false;
	bool ok = true;
	/* never an alert about an alert: a team address that fails must not loop */
	if (!row.alerted && strcmp(row.kind, "delivery_failed") != 0) {
		g_autoptr(notify_vars) v = notices_vars_new(c, now, row.case_ref ? row.case_ref : "no case");
		g_autofree char *all_to = g_strjoinv(", ", row.to);
		notify_vars_set(v, "failed_kind", row.kind);
		notify_vars_set(v, "failed_to", row.failed_to ? row.failed_to : all_to);
		notify_vars_set(v, "failed_subject", row.subject);
		notify_vars_set(v, "failed_error", row.last_error ? row.last_error : "unknown");
		notify_vars_set(v, "failed_created_at", row.created_at);
		notify_vars_set(v, "failed_cross_border",
				strcmp(row.kind, "cross_border_notice") == 0 ? "yes" : NULL);
		g_autofree char *dedupe = g_strdup_printf("delivery_failed:%" G_GINT64_FORMAT, id);
		struct notices_item item = { .kind = "delivery_failed", .to = c->team,
					     .case_id = row.case_id, .dedupe = dedupe };
		ok = notices_queue_vars(c, db, now, &item, v, NULL, error) &&
		     store_outbox_mark_alerted(db, id, error);
	}
	store_outbox_row_clear(&row);
	return ok;
}

bool notices_bounce(const struct config *c, struct store *db, GDateTime *now,
		    const char *original_message_id, const char *recipient, const char *reason,
		    bool *matched_r, GError **error)
{
	int64_t id = 0;
	if (matched_r)
		*matched_r = false;
	if (!original_message_id || !store_outbox_by_message_id(db, original_message_id, &id))
		return true;   /* not ours: nothing to do, and nothing is answered */
	if (matched_r)
		*matched_r = true;
	struct store_outbox_row row;
	if (!store_outbox_row(db, id, &row, error))
		return false;
	/* An acknowledgement that bounced is listed in the digest, no more:
	 * the referrer's address does not take mail, and nothing else is owed. */
	bool alert = strcmp(row.kind, "ack_referrer") != 0;
	store_outbox_row_clear(&row);
	if (!store_outbox_bounced(db, id, recipient, reason, now, error))
		return false;
	return !alert || notices_alert_failed(c, db, now, id, error);
}

bool notices_bounce_record(struct pipeline *p, const struct parse_record *r, GError **error)
{
	GString *why = g_string_new(NULL);
	if (r->bounce.status)
		g_string_append(why, r->bounce.status);
	if (r->bounce.diagnostic)
		g_string_append_printf(why, "%s%s", why->len ? " " : "", r->bounce.diagnostic);
	if (why->len == 0 && r->bounce.action)
		g_string_append(why, r->bounce.action);
	g_autofree char *reason = g_string_free(why, FALSE);
	return notices_bounce(p->config, p->store, p->now, r->bounce.original_message_id,
			      r->bounce.recipient, reason, NULL, error);
}
