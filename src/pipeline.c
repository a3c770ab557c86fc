/* pipeline.c - parse, route and store one message, and queue its notices */
#include <string.h>
#include <glib.h>
#include <gmime/gmime.h>
#include "pipeline.h"
#include "ingest/ingest.h"
#include "notify/notify.h"
#include "parse/parse.h"
#include "log.h"
#include "notices.h"

bool pipeline_init(struct pipeline *p, const struct config *c, struct store *db,
		   GDateTime *now, GError **error)
{
	memset(p, 0, sizeof(*p));
	p->config = c;
	p->store = db;
	p->now = g_date_time_ref(now);

	g_autofree char *csv = NULL;
	g_autoptr(GError) err = NULL;
	if (!g_file_get_contents(c->la_codes, &csv, NULL, &err)) {
		g_set_error(error, CONFIG_ERROR, CONFIG_ERROR_FILE, "[routing] la_codes '%s': %s",
			    c->la_codes, err->message);
		pipeline_clear(p);
		return false;
	}
	g_autofree char *why = NULL;
	p->la_numbers = route_la_numbers_parse(csv, &why);
	if (!p->la_numbers) {
		g_set_error(error, CONFIG_ERROR, CONFIG_ERROR_FILE, "[routing] la_codes '%s': %s",
			    c->la_codes, why);
		pipeline_clear(p);
		return false;
	}
	p->la_names = route_la_names_parse(csv);
	p->policy.our_la = c->authority_code;
	p->policy.our_address = c->authority_address;
	p->policy.our_from = c->smtp_from;
	p->policy.team = c->team;
	p->policy.safeguarding_hub = c->safeguarding_hub;
	p->policy.neighbours = c->neighbours;
	p->policy.la_numbers = p->la_numbers;
	p->policy.risk_immediate = c->risk_immediate;
	p->policy.risk_high = c->risk_high;
	p->policy.ack_daily_cap = (unsigned)c->ack_daily_cap;
	if (!pipeline_procedure(c, &p->policy, error)) {
		pipeline_clear(p);
		return false;
	}
	config_parse_limits(c, &p->limits);
	const char *at = strrchr(c->smtp_from, '@');
	p->mail_domain = g_strdup(at ? at + 1 : "localhost");
	return true;
}

bool pipeline_procedure(const struct config *c, struct route_policy *pol, GError **error)
{
	pol->ehe_team = c->ehe_team;
	pol->neet = c->neet;
	pol->police = c->police;
	pol->social_care = c->social_care;
	pol->over_age = g_strcmp0(c->over_age, "neet") == 0 ? ROUTE_OVER_AGE_NEET
			: g_strcmp0(c->over_age, "case") == 0 ? ROUTE_OVER_AGE_CASE
							       : ROUTE_OVER_AGE_CLOSE;
	pol->postcode_fallback = c->postcode_fallback;
	pol->deadline_rules = c->deadline_rules;
	pol->referrer_on_close = g_strcmp0(c->referrer_on_close, "yes") == 0;
	pol->calendar.closures = g_hash_table_new(g_direct_hash, g_direct_equal);
	for (int i = 0; c->closures && c->closures[i]; i++)
		g_hash_table_add(pol->calendar.closures,
				 GUINT_TO_POINTER(route_julian_parse(c->closures[i])));
	if (!c->term_dates || !*c->term_dates)
		return true;
	g_autofree char *text = NULL;
	g_autofree char *why = NULL;
	g_autoptr(GError) err = NULL;
	if (!g_file_get_contents(c->term_dates, &text, NULL, &err)) {
		g_set_error(error, CONFIG_ERROR, CONFIG_ERROR_FILE, "%s: [calendar] term_dates '%s': %s",
			    c->path, c->term_dates, err->message);
		return false;
	}
	if (!route_terms_parse(text, &pol->calendar.terms, &why)) {
		g_set_error(error, CONFIG_ERROR, CONFIG_ERROR_FILE, "%s: [calendar] term_dates '%s': %s",
			    c->path, c->term_dates, why);
		return false;
	}
	return true;
}

void pipeline_procedure_clear(struct route_policy *pol)
{
	g_clear_pointer(&pol->calendar.closures, g_hash_table_unref);
	g_clear_pointer(&pol->calendar.terms, g_array_unref);
}

void pipeline_clear(struct pipeline *p)
{
	pipeline_procedure_clear(&p->policy);
	if (p->now)
		g_date_time_unref(p->now);
	if (p->la_numbers)
		g_hash_table_unref(p->la_numbers);
	if (p->la_names)
		g_hash_table_unref(p->la_names);
	g_free(p->mail_domain);
	memset(p, 0, sizeof(*p));
}

/* What the pupils of one message have done so far: a multi-pupil export
 * (parse_record more_pupils) is routed and applied pupil by pupil, in the
 * message's one transaction. */
struct pupils {
	const char *sha256;       /* the message's */
	int64_t row;              /* its messages row */
	unsigned index;           /* the pupil being applied: 0 the first */
	bool acked;               /* an ack_referrer is queued for the message */
	int64_t case_id;          /* the first case a pupil fed: messages.case_id */
	enum pipeline_result result;
	GString *reason;          /* each pupil's reason */
};

/* pupil_key - the dedupe base of the current pupil's notices: the message's
 * SHA-256 for the first (as for any message), with the pupil's number after
 * it for the others, so pupil 2's notice is not taken for pupil 1's */
static char *pupil_key(const struct pupils *pp)
{
	if (pp->index == 0)
		return g_strdup(pp->sha256);
	return g_strdup_printf("%s:pupil%u", pp->sha256, pp->index + 1);
}

/* review_notice - the team hears of every review item (invariant 3) */
static bool queue_review(struct pipeline *p, const struct parse_record *r,
			 struct route_decision *d, const char *key, GError **error)
{
	struct route_notice n = { .kind = (char *)"review_needed", .to = p->config->team,
				  .reason = d->reason };
	return notices_queue(p, r, d, &n, d->case_id, d->case_ref ? d->case_ref : "review", key,
			    error);
}

/* queue_notices - the decision's notices. The referrer is answered once per
 * message (keyed by the message alone), whichever pupil's decision asks for
 * it first; every other notice is the pupil's own. */
static bool queue_notices(struct pipeline *p, const struct parse_record *r,
			  const struct route_decision *d, int64_t case_id, const char *ref,
			  struct pupils *pp, GError **error)
{
	g_autofree char *key = pupil_key(pp);

	for (guint i = 0; i < d->notices->len; i++) {
		const struct route_notice *n = g_ptr_array_index(d->notices, i);
		bool ack = strcmp(n->kind, "ack_referrer") == 0;

		if (ack && pp->acked)
			continue;
		/* a notice about no case (an EHE notice, an under-age referral) is tagged so */
		if (!notices_queue(p, r, d, n, case_id, ref ? ref : "no case",
				   ack ? pp->sha256 : key, error))
			return false;
		pp->acked = pp->acked || ack;
	}
	return true;
}

/* apply_case - open, update or close the case the decision names */
static bool apply_case(struct pipeline *p, const struct parse_record *r,
		       struct route_decision *d, struct pupils *pp, int64_t *case_id,
		       char **ref, enum pipeline_result *result_r, GError **error)
{
	g_autofree char *key = pupil_key(pp);

	switch (d->action) {
	case ROUTE_ACTION_OPEN:
		g_clear_pointer(ref, g_free);
		if (!store_case_open(p->store, r, d, pp->row, p->now, case_id, ref, error))
			return false;
		*result_r = PIPELINE_PROCESSED;
		break;
	case ROUTE_ACTION_UPDATE:
		if (!store_case_update(p->store, *case_id, r, d, pp->row, p->now, error))
			return false;
		*result_r = PIPELINE_PROCESSED;
		break;
	case ROUTE_ACTION_CLOSE:
		if (!store_case_close(p->store, *case_id, d->outcome, d->detail ? d->detail : d->reason,
				      pp->row, p->now, error))
			return false;
		*result_r = PIPELINE_PROCESSED;
		break;
	case ROUTE_ACTION_IGNORE:
		*result_r = PIPELINE_IGNORED;
		/* issue 6: a bounce of ours fails that notification and tells the team */
		if (r && r->kind == PARSE_KIND_BOUNCE && !notices_bounce_record(p, r, error))
			return false;
		break;
	case ROUTE_ACTION_REVIEW:
		*result_r = PIPELINE_REVIEW;
		if (!queue_review(p, r, d, key, error))
			return false;
		break;
	}
	return true;
}

/* apply - one pupil's decision on the register, inside the transaction */
static bool apply(struct pipeline *p, const struct parse_record *r, struct route_decision *d,
		  struct pupils *pp, GError **error)
{
	int64_t case_id = d->case_id;
	g_autofree char *ref = g_strdup(d->case_ref);
	enum pipeline_result result = PIPELINE_IGNORED;

	if (!apply_case(p, r, d, pp, &case_id, &ref, &result, error))
		return false;
	if (d->action == ROUTE_ACTION_OPEN &&
	    !store_deadlines_add(p->store, case_id, d->deadlines, p->now, error))
		return false;
	for (guint i = 0; d->siblings && case_id && i < d->siblings->len; i++) {
		const struct route_candidate *sib = g_ptr_array_index(d->siblings, i);
		g_autofree char *here = g_strdup_printf("sibling: case %s", sib->ref);
		g_autofree char *there = g_strdup_printf("sibling: case %s", ref);
		if (!store_event_add(p->store, case_id, pp->row, "cmegw", "sibling", here, p->now, error) ||
		    !store_event_add(p->store, sib->id, pp->row, "cmegw", "sibling", there, p->now, error))
			return false;
	}
	if (d->action == ROUTE_ACTION_UPDATE && d->stop_events) {
		g_autofree char *why = g_strdup_printf("%s received", r ? parse_kind_name(r->kind) : "message");
		if (!store_deadlines_stop(p->store, case_id, d->stop_events, why, pp->row, p->now, error))
			return false;
	}
	if (!queue_notices(p, r, d, case_id, ref, pp, error))
		return false;
	if (case_id && !store_message_case_add(p->store, pp->row, case_id, pp->index, error))
		return false;
	/* the message's result: review when any pupil needs a person, else
	 * processed when any pupil was filed */
	if (pp->index == 0 || result == PIPELINE_REVIEW ||
	    (result == PIPELINE_PROCESSED && pp->result == PIPELINE_IGNORED))
		pp->result = result;
	if (!pp->case_id)
		pp->case_id = case_id;
	if (pp->reason->len > 0)
		g_string_append(pp->reason, "; ");
	if (r && r->more_pupils->len + pp->index > 0)
		g_string_append_printf(pp->reason, "pupil %u: ", pp->index + 1);
	g_string_append(pp->reason, d->reason ? d->reason : "");
	return true;
}

static void count(struct pipeline *p, enum pipeline_result res)
{
	switch (res) {
	case PIPELINE_PROCESSED: p->counts.processed++; break;
	case PIPELINE_IGNORED: p->counts.ignored++; break;
	case PIPELINE_REVIEW: p->counts.review++; break;
	case PIPELINE_DUPLICATE: p->counts.duplicate++; break;
	}
}

/* referenced_ids - the Message-IDs (without <>) in In-Reply-To and References,
 * read from the header block of RAW only; a strv owned by the caller */
static char **referenced_ids(const char *data, gsize len)
{
	const char *end = g_strstr_len(data, (gssize)len, "\n\r\n");
	const char *end2 = g_strstr_len(data, (gssize)len, "\n\n");
	if (!end || (end2 && end2 < end))
		end = end2;
	gsize hlen = end ? (gsize)(end - data) + 1 : len;
	g_autofree char *head = g_strndup(data, hlen);
	g_autofree char *text = g_strconcat(head, "\n", NULL);
	GMimeStream *st = g_mime_stream_mem_new_with_buffer(text, strlen(text));
	GMimeParser *ps = g_mime_parser_new_with_stream(st);
	GMimeMessage *m = g_mime_parser_construct_message(ps, NULL);
	GPtrArray *out = g_ptr_array_new();
	static const char *const names[] = { "In-Reply-To", "References" };
	for (size_t i = 0; m && i < G_N_ELEMENTS(names); i++) {
		const char *v = g_mime_object_get_header(GMIME_OBJECT(m), names[i]);
		GMimeReferences *refs = v ? g_mime_references_parse(NULL, v) : NULL;
		for (int k = 0; refs && k < g_mime_references_length(refs); k++)
			g_ptr_array_add(out, g_strdup(g_mime_references_get_message_id(refs, k)));
		if (refs)
			g_mime_references_free(refs);
	}
	if (m)
		g_object_unref(m);
	g_object_unref(ps);
	g_object_unref(st);
	g_ptr_array_add(out, NULL);
	return (char **)g_ptr_array_free(out, FALSE);
}

/* thread_case - a message without a case tag that answers one we sent (its
 * In-Reply-To/References name our stored Message-ID) is about that case
 * (FIELDS.md case_ref): it becomes a reply to it */
static void thread_case(const struct route_view *v, struct parse_record *r, GBytes *raw)
{
	if (r->case_ref || r->kind == PARSE_KIND_BOUNCE || r->kind == PARSE_KIND_AUTO_REPLY ||
	    !v->case_by_sent_message)
		return;
	gsize len = 0;
	const char *data = g_bytes_get_data(raw, &len);
	g_auto(GStrv) ids = referenced_ids(data, len);
	for (int i = 0; ids[i]; i++) {
		struct route_case c = { 0 };
		if (v->case_by_sent_message(v->ctx, ids[i], &c)) {
			r->case_ref = g_strdup(c.ref);
			r->kind = PARSE_KIND_REPLY;
			return;
		}
	}
}

/* decide_all - route and apply each pupil of R (the record, then its
 * more_pupils), each seeing the register as the ones before left it */
static bool decide_all(struct pipeline *p, struct parse_record *r, GBytes *raw,
		       struct pupils *pp, GError **error)
{
	struct route_view view;

	store_route_view(p->store, p->now, &view);
	thread_case(&view, r, raw);
	for (guint i = 0; i <= r->more_pupils->len; i++) {
		struct parse_record *one = i == 0 ? r : g_ptr_array_index(r->more_pupils, i - 1);

		if (i > 0 && r->kind == PARSE_KIND_REPLY && one->kind != PARSE_KIND_REPLY) {
			/* thread_case made the message a reply: so are all its pupils */
			one->kind = PARSE_KIND_REPLY;
			g_free(one->case_ref);
			one->case_ref = g_strdup(r->case_ref);
		}
		g_autoptr(route_decision) d = route_decide_at(one, &view, &p->policy, p->now);
		pp->index = i;
		if (!apply(p, one, d, pp, error))
			return false;
	}
	return true;
}

/* process - everything after the spool, in the open transaction */
static bool process(struct pipeline *p, GBytes *raw, const struct pipeline_source *src,
		    const char *sha256, const char *spool_path, enum pipeline_result *result_r,
		    GError **error)
{
	gsize len = 0;
	const char *data = g_bytes_get_data(raw, &len);
	g_autoptr(GError) perr = NULL;
	g_autoptr(parse_record) r = parse_message(data, len, &p->limits, &perr);

	struct store_message m = {
		.source = src->source, .mailbox = src->mailbox, .uidvalidity = src->uidvalidity,
		.uid = src->uid, .sha256 = sha256, .spool_path = spool_path, .received_at = p->now,
		.message_id = r ? r->message.message_id : NULL,
		.sender = r ? r->message.from : NULL,
		.subject = r ? r->message.subject : NULL,
		.date_header = r ? r->message.date : NULL,
	};
	int64_t dup = 0, row = 0;
	if (store_message_duplicate(p->store, sha256, m.message_id, m.sender, &dup)) {
		if (!store_message_add(p->store, &m, &row, error))
			return false;
		g_autofree char *why = g_strdup_printf("duplicate of message %" G_GINT64_FORMAT, dup);
		*result_r = PIPELINE_DUPLICATE;
		return store_message_finish(p->store, row, r ? parse_kind_name(r->kind) : NULL,
					    "duplicate", why, 0, error);
	}
	if (!store_message_add(p->store, &m, &row, error))
		return false;

	g_autoptr(GString) reason = g_string_new(NULL);
	struct pupils pp = { .sha256 = sha256, .row = row, .result = PIPELINE_IGNORED,
			     .reason = reason };
	bool ok;
	if (r) {
		ok = decide_all(p, r, raw, &pp, error);
	} else {
		g_autoptr(route_decision) d = g_new0(struct route_decision, 1);
		d->notices = g_ptr_array_new();
		d->action = ROUTE_ACTION_REVIEW;
		d->category = ROUTE_CATEGORY_REVIEW;
		d->reason = g_strdup_printf("cannot be read: %s", perr->message);
		ok = apply(p, r, d, &pp, error);
	}
	if (!ok)
		return false;
	*result_r = pp.result;
	return store_message_finish(p->store, row, parse_kind_name(r ? r->kind : PARSE_KIND_UNKNOWN),
				    pp.result == PIPELINE_REVIEW ? "review" : "processed",
				    reason->len > 0 ? reason->str : NULL, pp.case_id,
				    error);
}

bool pipeline_message(struct pipeline *p, GBytes *raw, const struct pipeline_source *src,
		      enum pipeline_result *result_r, GError **error)
{
	g_autofree char *sha = ingest_sha256_hex(raw);
	/* Invariant 1: the bytes are on disk before anything refers to them. */
	g_autofree char *spool = ingest_spool_write(p->config->spool, raw, sha, p->now, error);
	if (!spool)
		return false;
	if (!store_begin(p->store, error))
		return false;
	if (!process(p, raw, src, sha, spool, result_r, error) || !store_commit(p->store, error)) {
		store_rollback(p->store);
		p->counts.failed++;
		return false;
	}
	count(p, *result_r);
	return true;
}

bool pipeline_review_unfetchable(struct pipeline *p, const struct pipeline_source *src,
				 const char *reason, GError **error)
{
	g_autofree char *key = g_strdup_printf("unfetched:%s:%u:%u", src->mailbox, src->uidvalidity,
					       src->uid);
	struct store_message m = {
		.source = src->source, .mailbox = src->mailbox, .uidvalidity = src->uidvalidity,
		.uid = src->uid, .sha256 = key, .spool_path = "", .received_at = p->now,
	};
	struct route_decision d = { .action = ROUTE_ACTION_REVIEW, .category = ROUTE_CATEGORY_REVIEW,
				    .reason = (char *)reason };
	int64_t row = 0;
	if (!store_begin(p->store, error))
		return false;
	if (!store_message_add(p->store, &m, &row, error) || !queue_review(p, NULL, &d, key, error) ||
	    !store_message_finish(p->store, row, NULL, "review", reason, 0, error) ||
	    !store_commit(p->store, error)) {
		store_rollback(p->store);
		return false;
	}
	p->counts.review++;
	return true;
}

bool pipeline_officer_close(struct pipeline *p, const char *ref, const char *outcome,
			    const char *note, GError **error)
{
	struct route_view v;
	struct route_case c = { 0 };
	int64_t id = 0;

	store_route_view(p->store, p->now, &v);
	if (!store_begin(p->store, error))
		return false;
	bool ok = store_case_officer_in(p->store, ref, outcome, NULL, note, p->now, &id, error);
	if (ok && !v.case_by_ref(v.ctx, ref, &c)) {
		g_set_error(error, STORE_ERROR, STORE_ERROR_NOT_FOUND, "case '%s' not found", ref);
		ok = false;
	}
	g_autoptr(route_decision) d = ok ? route_officer_close(&c, outcome, &v, &p->policy) : NULL;
	/* one closure, one notice: the key names the case and the moment */
	g_autoptr(GDateTime) utc = g_date_time_to_utc(p->now);
	g_autofree char *at = g_date_time_format(utc, "%Y-%m-%dT%H:%M:%SZ");
	g_autofree char *key = g_strdup_printf("officer-close:%s:%s", ref, at);
	for (guint i = 0; ok && i < d->notices->len; i++)
		ok = notices_queue(p, NULL, d, g_ptr_array_index(d->notices, i), id, d->case_ref, key,
				   error);
	ok = ok && store_commit(p->store, error);
	if (!ok)
		store_rollback(p->store);
	return ok;
}
