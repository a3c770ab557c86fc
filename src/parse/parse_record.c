/* parse_record.c - the record: allocation, freeing, issues and factors */
#include <stdarg.h>
#include <string.h>

#include "parse/parse_p.h"

G_DEFINE_QUARK(parse-error-quark, parse_error)

static const char *const kind_names[] = {
	[PARSE_KIND_UNKNOWN] = "unknown",
	[PARSE_KIND_REFERRAL] = "referral",
	[PARSE_KIND_OFF_ROLL] = "off_roll",
	[PARSE_KIND_ON_ROLL] = "on_roll",
	[PARSE_KIND_REPLY] = "reply",
	[PARSE_KIND_BOUNCE] = "bounce",
	[PARSE_KIND_AUTO_REPLY] = "auto_reply",
};

const char *parse_kind_name(enum parse_kind kind)
{
	if ((unsigned)kind >= G_N_ELEMENTS(kind_names))
		return "unknown";
	return kind_names[kind];
}

static void carer_free(gpointer p)
{
	struct parse_carer *c = p;

	g_free(c->name);
	g_free(c->relationship);
	g_free(c->phone);
	g_free(c->email);
	g_free(c);
}

static void sibling_free(gpointer p)
{
	struct parse_sibling *s = p;

	g_free(s->name);
	g_free(s->dob);
	g_free(s);
}

static void issue_free(gpointer p)
{
	struct parse_issue *i = p;

	g_free(i->field);
	g_free(i->problem);
	g_free(i);
}

struct parse_carer *parse_carer_new(void)
{
	struct parse_carer *c = g_new0(struct parse_carer, 1);

	c->parental_responsibility = PARSE_TRI_NULL;
	return c;
}

struct parse_sibling *parse_sibling_new(void)
{
	return g_new0(struct parse_sibling, 1);
}

static void record_free(gpointer p)
{
	parse_record_free(p);
}

struct parse_record *parse_record_new(void)
{
	struct parse_record *r = g_new0(struct parse_record, 1);

	r->kind = PARSE_KIND_UNKNOWN;
	r->child.eal = PARSE_TRI_NULL;
	r->child.fsm = PARSE_TRI_NULL;
	r->carers = g_ptr_array_new_with_free_func(carer_free);
	r->siblings = g_ptr_array_new_with_free_func(sibling_free);
	r->risk.factors = g_ptr_array_new_with_free_func(g_free);
	r->issues = g_ptr_array_new_with_free_func(issue_free);
	r->more_pupils = g_ptr_array_new_with_free_func(record_free);
	return r;
}

void parse_record_free(struct parse_record *r)
{
	if (r == NULL)
		return;
	g_free(r->message.message_id);
	g_free(r->message.from);
	g_free(r->message.subject);
	g_free(r->message.date);
	g_free(r->case_ref);
	g_free(r->child.forename);
	g_free(r->child.middle_names);
	g_free(r->child.surname);
	g_free(r->child.preferred_name);
	g_free(r->child.dob);
	g_free(r->child.sex);
	g_free(r->child.upn);
	g_free(r->child.former_upn);
	g_free(r->child.ethnicity);
	g_free(r->child.sen);
	g_free(r->address.text);
	g_free(r->address.postcode);
	g_ptr_array_unref(r->carers);
	g_ptr_array_unref(r->siblings);
	g_free(r->school.name);
	g_free(r->school.laestab);
	g_free(r->school.date_on_roll);
	g_free(r->school.date_off_roll);
	g_free(r->school.date_last_attended);
	g_free(r->previous_school.name);
	g_free(r->previous_school.laestab);
	g_free(r->destination.school);
	g_free(r->destination.laestab);
	g_free(r->destination.address);
	g_free(r->destination.postcode);
	g_free(r->destination.country);
	g_free(r->destination.start_date);
	g_free(r->deletion.ground);
	g_free(r->deletion.text);
	g_free(r->deletion.regulation);
	g_free(r->bounce.recipient);
	g_free(r->bounce.status);
	g_free(r->bounce.action);
	g_free(r->bounce.diagnostic);
	g_free(r->bounce.original_message_id);
	g_ptr_array_unref(r->risk.factors);
	g_free(r->risk.notes);
	g_free(r->referrer.name);
	g_free(r->referrer.role);
	g_free(r->referrer.organisation);
	g_free(r->referrer.email);
	g_free(r->referrer.phone);
	g_ptr_array_unref(r->issues);
	g_ptr_array_unref(r->more_pupils);
	g_free(r);
}

void parse_issue_add(struct parse_record *r, const char *field, const char *fmt, ...)
{
	struct parse_issue *i = g_new0(struct parse_issue, 1);
	va_list ap;

	va_start(ap, fmt);
	i->field = g_strdup(field);
	i->problem = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_ptr_array_add(r->issues, i);
}

void parse_factor_add(struct parse_record *r, const char *factor)
{
	guint i;

	for (i = 0; i < r->risk.factors->len; i++) {
		int c = strcmp(g_ptr_array_index(r->risk.factors, i), factor);

		if (c == 0)
			return;
		if (c > 0)
			break;
	}
	g_ptr_array_insert(r->risk.factors, (gint)i, g_strdup(factor));
}

void parse_factor_remove(struct parse_record *r, const char *factor)
{
	for (guint i = 0; i < r->risk.factors->len; i++)
		if (strcmp(g_ptr_array_index(r->risk.factors, i), factor) == 0) {
			g_ptr_array_remove_index(r->risk.factors, i);
			return;
		}
}

bool parse_record_has_factor(const struct parse_record *r, const char *factor)
{
	if (r == NULL || factor == NULL)
		return false;
	for (guint i = 0; i < r->risk.factors->len; i++)
		if (strcmp(g_ptr_array_index(r->risk.factors, i), factor) == 0)
			return true;
	return false;
}
