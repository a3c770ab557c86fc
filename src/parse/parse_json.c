/* parse_json.c - the record -> the FIELDS.md JSON object, every key present */
#include "parse/parse_p.h"

/* add_str - a string member, JSON null for NULL */
static void add_str(JsonBuilder *b, const char *key, const char *value)
{
	json_builder_set_member_name(b, key);
	if (value != NULL)
		json_builder_add_string_value(b, value);
	else
		json_builder_add_null_value(b);
}

/* add_tri - true, false or null */
static void add_tri(JsonBuilder *b, const char *key, enum parse_tri value)
{
	json_builder_set_member_name(b, key);
	if (value == PARSE_TRI_NULL)
		json_builder_add_null_value(b);
	else
		json_builder_add_boolean_value(b, value == PARSE_TRI_TRUE);
}

static void begin(JsonBuilder *b, const char *key)
{
	json_builder_set_member_name(b, key);
	json_builder_begin_object(b);
}

/* add_child - child, every key present */
static void add_child(JsonBuilder *b, const struct parse_child *c)
{
	begin(b, "child");
	add_str(b, "forename", c->forename);
	add_str(b, "middle_names", c->middle_names);
	add_str(b, "surname", c->surname);
	add_str(b, "preferred_name", c->preferred_name);
	add_str(b, "dob", c->dob);
	add_str(b, "sex", c->sex);
	add_str(b, "upn", c->upn);
	add_str(b, "former_upn", c->former_upn);
	add_str(b, "ethnicity", c->ethnicity);
	add_tri(b, "eal", c->eal);
	add_tri(b, "fsm", c->fsm);
	add_str(b, "sen", c->sen);
	json_builder_end_object(b);
}

/* add_people - carers and siblings, empty arrays when none */
static void add_people(JsonBuilder *b, const struct parse_record *r)
{
	json_builder_set_member_name(b, "carers");
	json_builder_begin_array(b);
	for (guint i = 0; i < r->carers->len; i++) {
		const struct parse_carer *c = g_ptr_array_index(r->carers, i);

		json_builder_begin_object(b);
		add_str(b, "name", c->name);
		add_str(b, "relationship", c->relationship);
		add_str(b, "phone", c->phone);
		add_str(b, "email", c->email);
		add_tri(b, "parental_responsibility", c->parental_responsibility);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_set_member_name(b, "siblings");
	json_builder_begin_array(b);
	for (guint i = 0; i < r->siblings->len; i++) {
		const struct parse_sibling *s = g_ptr_array_index(r->siblings, i);

		json_builder_begin_object(b);
		add_str(b, "name", s->name);
		add_str(b, "dob", s->dob);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
}

/* add_schools - school, previous_school, destination, deletion */
static void add_schools(JsonBuilder *b, const struct parse_record *r)
{
	begin(b, "school");
	add_str(b, "name", r->school.name);
	add_str(b, "laestab", r->school.laestab);
	add_str(b, "date_on_roll", r->school.date_on_roll);
	add_str(b, "date_off_roll", r->school.date_off_roll);
	add_str(b, "date_last_attended", r->school.date_last_attended);
	json_builder_end_object(b);
	begin(b, "previous_school");
	add_str(b, "name", r->previous_school.name);
	add_str(b, "laestab", r->previous_school.laestab);
	json_builder_end_object(b);
	begin(b, "destination");
	add_str(b, "school", r->destination.school);
	add_str(b, "laestab", r->destination.laestab);
	add_str(b, "address", r->destination.address);
	add_str(b, "postcode", r->destination.postcode);
	add_str(b, "country", r->destination.country);
	add_str(b, "start_date", r->destination.start_date);
	json_builder_end_object(b);
	begin(b, "deletion");
	add_str(b, "ground", r->deletion.ground);
	add_str(b, "text", r->deletion.text);
	add_str(b, "regulation", r->deletion.regulation);
	json_builder_end_object(b);
}

/* add_risk_referrer - risk (factors sorted already) and referrer */
static void add_risk_referrer(JsonBuilder *b, const struct parse_record *r)
{
	begin(b, "risk");
	json_builder_set_member_name(b, "factors");
	json_builder_begin_array(b);
	for (guint i = 0; i < r->risk.factors->len; i++)
		json_builder_add_string_value(b, g_ptr_array_index(r->risk.factors, i));
	json_builder_end_array(b);
	add_str(b, "notes", r->risk.notes);
	json_builder_end_object(b);
	begin(b, "referrer");
	add_str(b, "name", r->referrer.name);
	add_str(b, "role", r->referrer.role);
	add_str(b, "organisation", r->referrer.organisation);
	add_str(b, "email", r->referrer.email);
	add_str(b, "phone", r->referrer.phone);
	json_builder_end_object(b);
}

/* add_members - every top-level key but more_pupils */
static void add_members(JsonBuilder *b, const struct parse_record *r)
{
	add_str(b, "kind", parse_kind_name(r->kind));
	begin(b, "message");
	add_str(b, "message_id", r->message.message_id);
	add_str(b, "from", r->message.from);
	add_str(b, "subject", r->message.subject);
	add_str(b, "date", r->message.date);
	json_builder_end_object(b);
	add_str(b, "case_ref", r->case_ref);
	add_child(b, &r->child);
	begin(b, "address");
	add_str(b, "text", r->address.text);
	add_str(b, "postcode", r->address.postcode);
	json_builder_end_object(b);
	add_people(b, r);
	add_schools(b, r);
	add_risk_referrer(b, r);
	json_builder_set_member_name(b, "issues");
	json_builder_begin_array(b);
	for (guint i = 0; i < r->issues->len; i++) {
		const struct parse_issue *is = g_ptr_array_index(r->issues, i);

		json_builder_begin_object(b);
		add_str(b, "field", is->field);
		add_str(b, "problem", is->problem);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	if (r->kind == PARSE_KIND_BOUNCE) {
		begin(b, "bounce");
		add_str(b, "recipient", r->bounce.recipient);
		add_str(b, "status", r->bounce.status);
		add_str(b, "action", r->bounce.action);
		add_str(b, "diagnostic", r->bounce.diagnostic);
		add_str(b, "original_message_id", r->bounce.original_message_id);
		json_builder_end_object(b);
	}
}

JsonNode *parse_record_to_json(const struct parse_record *r)
{
	g_autoptr(JsonBuilder) b = json_builder_new();

	json_builder_begin_object(b);
	add_members(b, r);
	/* a multi-pupil export: pupils 2..n, each a whole record */
	json_builder_set_member_name(b, "more_pupils");
	json_builder_begin_array(b);
	for (guint i = 0; i < r->more_pupils->len; i++) {
		json_builder_begin_object(b);
		add_members(b, g_ptr_array_index(r->more_pupils, i));
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
	return json_builder_get_root(b);
}
