/* notices.c - a route_notice becomes a rendered, composed outbox row */
#include <string.h>
#include <glib.h>
#include "notices.h"
#include "notify/notify.h"
#include "store/store.h"

/* domain_secure - whether mail to ADDRESS may carry a child's details
 * (invariant 6): our own domain and [notify] secure_domains */
static bool domain_secure(const struct pipeline *p, const char *address)
{
	const char *at = strrchr(address, '@');
	if (!at)
		return false;
	const char *dom = at + 1;
	const char *own = strrchr(p->config->authority_address, '@');
	if (own && g_ascii_strcasecmp(own + 1, dom) == 0)
		return true;
	for (int i = 0; p->config->secure_domains && p->config->secure_domains[i]; i++)
		if (g_ascii_strcasecmp(p->config->secure_domains[i], dom) == 0)
			return true;
	return false;
}

static void put(GHashTable *vars, const char *name, const char *value)
{
	g_hash_table_insert(vars, g_strdup(name), g_strdup(value ? value : ""));
}

/* put_la - "Kent (E10000016)", or "unknown" */
static void put_la(const struct pipeline *p, GHashTable *vars, const char *name, const char *code)
{
	const char *la = code ? g_hash_table_lookup(p->la_names, code) : NULL;
	g_autofree char *text = code ? g_strdup_printf("%s (%s)", la ? la : "authority", code)
				     : g_strdup("unknown");
	put(vars, name, text);
}

/* template_vars - what a notice's template may use. A child's details only
 * when every recipient is on a secure domain. */
static GHashTable *template_vars(const struct pipeline *p, const struct parse_record *r,
				 const struct route_decision *d, const struct route_notice *n,
				 const char *case_ref)
{
	GHashTable *v = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	bool secure = true;
	for (int i = 0; n->to && n->to[i]; i++)
		secure = secure && domain_secure(p, n->to[i]);
	g_autofree char *received = g_date_time_format(p->now, "%d/%m/%Y %H:%M");

	put(v, "case_ref", case_ref);
	put(v, "authority_name", p->config->authority_name);
	put(v, "authority_address", p->config->authority_address);
	put(v, "authority_code", p->config->authority_code);
	put(v, "risk", route_risk_name(d->risk));
	put(v, "category", route_category_name(d->category));
	put(v, "reason", n->reason);
	put_la(p, v, "residence_la", d->residence_la);
	put_la(p, v, "school_la", d->school_la);
	put(v, "received_at", received);
	put(v, "kind", parse_kind_name(r ? r->kind : PARSE_KIND_UNKNOWN));
	put(v, "message_id", r ? r->message.message_id : NULL);
	put(v, "referrer_name", r && r->referrer.name ? r->referrer.name : "colleague");
	put(v, "referrer_organisation", r ? r->referrer.organisation : NULL);
	put(v, "referrer_email", r ? r->referrer.email : NULL);

	GString *f = g_string_new(NULL);
	for (guint i = 0; r && r->risk.factors && i < r->risk.factors->len; i++)
		g_string_append_printf(f, "%s%s", i ? ", " : "",
				       (const char *)g_ptr_array_index(r->risk.factors, i));
	if (f->len == 0)
		g_string_assign(f, "none recorded");
	g_autofree char *factors = g_string_free(f, FALSE);
	put(v, "risk_factors", factors);

	GString *iss = g_string_new(NULL);
	for (guint i = 0; r && r->issues && i < r->issues->len; i++) {
		const struct parse_issue *is = g_ptr_array_index(r->issues, i);
		g_string_append_printf(iss, "\n  - %s: %s", is->field, is->problem);
	}
	g_autofree char *issues = g_string_free(iss, FALSE);

	const char *withheld = "(withheld: see the case in the register)";
	if (secure && r) {
		g_autofree char *name = g_strjoin(" ", r->child.forename ? r->child.forename : "",
						  r->child.surname ? r->child.surname : "", NULL);
		put(v, "child_name", g_strstrip(name));
		put(v, "child_dob", r->child.dob);
		put(v, "child_upn", r->child.upn);
		put(v, "postcode", r->address.postcode);
		put(v, "school_name", r->school.name);
		put(v, "issues", *issues ? issues : " none");
	} else {
		put(v, "child_name", withheld);
		put(v, "child_dob", withheld);
		put(v, "child_upn", withheld);
		put(v, "postcode", withheld);
		put(v, "school_name", withheld);
		put(v, "issues", withheld);
	}
	return v;
}

/* queue_notice - render, compose and queue one notice inside the open transaction */
bool notices_queue(struct pipeline *p, const struct parse_record *r,
			 const struct route_decision *d, const struct route_notice *n,
			 int64_t case_id, const char *case_ref, const char *sha256, GError **error)
{
	g_autoptr(notify_template) t = notify_template_load(p->config->templates, n->kind, error);
	if (!t)
		return false;
	g_autoptr(GHashTable) vars = template_vars(p, r, d, n, case_ref);
	g_autofree char *subject = notify_render(t->subject, vars, true);
	g_autofree char *body = notify_render(t->body, vars, false);
	g_autofree char *msgid = notify_message_id(p->mail_domain, p->now);
	struct notify_mail mail = {
		.from = p->config->smtp_from,
		.from_name = p->config->smtp_from_name,
		.to = n->to,
		.subject = subject,
		.body = body,
		.message_id = msgid,
		.in_reply_to = strcmp(n->kind, "ack_referrer") == 0 && r ? r->message.message_id : NULL,
		.date = p->now,
	};
	g_autoptr(GBytes) raw = notify_compose(&mail);
	g_autofree char *dedupe = g_strdup_printf("%s:%s", sha256, n->kind);
	bool added = false;
	if (!store_outbox_add(p->store, case_id, n->kind, dedupe, n->to, subject, msgid, raw, p->now,
			      &added, error))
		return false;
	if (added)
		p->counts.queued++;
	return true;
}

