/* parse_message.c - the entry point: headers, the kind of
 * message and who it came from */
#include <string.h>
#include <gmime/gmime.h>

#include "parse/parse_p.h"

/* pin_charsets - glibc loads an iconv module (UTF-16.so, CP1252.so, ...)
 * when a converter opens and unloads it when the last one closes, so each
 * message that needs one paid for a dlopen() and its relocations, several
 * times over. A converter held open for the life of the process keeps each
 * module the mail we read commonly needs: Windows-1252 and Latin-1 text and
 * headers, the UTF-16 of PDF strings, Latin-9. */
static const char *const pinned_from[] = {
	"WINDOWS-1252", "ISO-8859-1", "UTF-16BE", "ISO-8859-15",
};
static GIConv pinned[G_N_ELEMENTS(pinned_from)];   /* never closed */

static void pin_charsets(void)
{
	for (size_t i = 0; i < G_N_ELEMENTS(pinned_from); i++)
		pinned[i] = g_iconv_open("UTF-8", pinned_from[i]);
}

static void init_gmime(void)
{
	static gsize done;

	if (g_once_init_enter(&done)) {
		g_mime_init();
		pin_charsets();
		g_once_init_leave(&done, 1);
	}
}

/* header_text - a header value as folded UTF-8, NULL when absent */
static char *header_text(GMimeObject *obj, const char *name)
{
	return parse_header_fold(g_mime_object_get_header(obj, name), false);
}

/* ---- headers ---- */

/* put2 - V's last two digits at O */
static char *put2(char *o, int v)
{
	o[0] = (char)('0' + v / 10 % 10);
	o[1] = (char)('0' + v % 10);
	return o + 2;
}

/* date_text - DATE as g_date_time_format's "%Y-%m-%dT%H:%M:%S%:z" gives it
 * (a year unpadded, the rest two digits), without the cost of formatting
 * machinery for each message */
static char *date_text(GDateTime *date)
{
	gint64 offset = g_date_time_get_utc_offset(date) / G_USEC_PER_SEC;
	char out[32], *o = out;
	int y, mo, d, mins;

	g_date_time_get_ymd(date, &y, &mo, &d);
	y = CLAMP(y, 1, 9999);   /* GDateTime's own range */
	for (int unit = 1000; unit > 1; unit /= 10)
		if (y >= unit)
			*o++ = (char)('0' + y / unit % 10);
	*o++ = (char)('0' + y % 10);
	*o++ = '-';
	o = put2(o, mo);
	*o++ = '-';
	o = put2(o, d);
	*o++ = 'T';
	o = put2(o, g_date_time_get_hour(date));
	*o++ = ':';
	o = put2(o, g_date_time_get_minute(date));
	*o++ = ':';
	o = put2(o, g_date_time_get_second(date));
	*o++ = offset >= 0 ? '+' : '-';
	mins = (int)(ABS(offset) / 60);
	o = put2(o, mins / 60);
	*o++ = ':';
	o = put2(o, mins % 60);
	*o = '\0';
	return g_strdup(out);
}

/* read_headers - message id, subject, date, sender */
static void read_headers(struct parse_record *r, GMimeMessage *msg, char **from_name_r)
{
	const char *id = g_mime_message_get_message_id(msg);
	const char *subject = g_mime_message_get_subject(msg);
	GDateTime *date = g_mime_message_get_date(msg);

	r->message.message_id = parse_header_fold(id, false);
	r->message.subject = parse_header_fold(subject, true);
	if (date != NULL)
		r->message.date = date_text(date);
	parse_read_from(msg, &r->message.from, from_name_r);
}

/* ---- kind ---- */

/* words_in - W (parse_words form) holds one of the dictionary's KIND words */
static bool words_in(const char *w, enum parse_dict_kind kind)
{
	const GPtrArray *words = parse_dict_kind_words(kind);

	return parse_words_has_any(w, (const char *const *)words->pdata, words->len);
}

struct signs {
	bool bounce;
	bool auto_strong;      /* an auto-reply whatever the body says */
	bool auto_weak;        /* Auto-Submitted other than auto-replied */
	bool auto_submitted;
};

/* ooo_subject - "Automatic reply:", "Out of Office:" */
static bool ooo_subject(const char *subject)
{
	static const char *const words[] = {
		"automatic reply", "auto reply", "autoreply", "auto response", "autoresponse",
		"out of office", "out of the office", "away from the office", "ooo", NULL,
	};
	g_autofree char *w = parse_words(subject);

	return parse_words_has_list(w, words);
}

/* bounce_subject - "Undeliverable:", "Mail delivery failed" */
static bool bounce_subject(const char *subject)
{
	static const char *const words[] = {
		"undeliverable", "undelivered", "delivery status notification", "returned mail",
		"delivery failure", "failure notice", "mail delivery failed", "delivery has failed",
		"could not be delivered", "mail delivery system", "non delivery", "delivery failed",
		"returned to sender", NULL,
	};
	g_autofree char *w = parse_words(subject);

	return parse_words_has_list(w, words);
}

/* daemon_sender - MAILER-DAEMON, postmaster */
static bool daemon_sender(const char *from)
{
	static const char *const locals[] = {
		"mailer-daemon", "postmaster", "mail-daemon", "mailer_daemon", "mailerdaemon", NULL,
	};
	const char *at = from != NULL ? strchr(from, '@') : NULL;
	g_autofree char *local = from == NULL ? NULL
				 : at != NULL ? g_strndup(from, (gsize)(at - from)) : g_strdup(from);

	if (local == NULL)
		return false;
	for (const char *const *l = locals; *l != NULL; l++)
		if (g_ascii_strcasecmp(local, *l) == 0)
			return true;
	return false;
}

/* is_bounce - a delivery status notification */
static bool is_bounce(GMimeMessage *msg, const struct parse_walk *w, const struct parse_record *r)
{
	GMimeObject *body = g_mime_message_get_mime_part(msg);

	if (body != NULL && GMIME_IS_MULTIPART(body)) {
		GMimeContentType *ct = g_mime_object_get_content_type(body);
		const char *rt = g_mime_object_get_content_type_parameter(body, "report-type");

		if (ct != NULL && g_mime_content_type_is_type(ct, "multipart", "report") &&
		    rt != NULL && g_ascii_strcasecmp(rt, "delivery-status") == 0)
			return true;
	}
	return w->is_dsn || (daemon_sender(r->message.from) && bounce_subject(r->message.subject));
}

/* auto_submitted_value - RFC 3834 Auto-Submitted: 0 absent or "no",
 * 2 "auto-replied", 1 anything else ("auto-generated") */
static int auto_submitted_value(GMimeObject *top)
{
	g_autofree char *as = header_text(top, "Auto-Submitted");
	g_autofree char *v = NULL;
	char *semi;

	if (as == NULL)
		return 0;
	v = g_ascii_strdown(as, -1);
	if ((semi = strchr(v, ';')) != NULL)
		*semi = '\0';
	g_strstrip(v);
	if (strcmp(v, "no") == 0)
		return 0;
	return strcmp(v, "auto-replied") == 0 ? 2 : 1;
}

/* read_signs - what the headers say: a bounce, an auto-reply, bulk mail.
 * Precedence and Exchange's X-Auto-Response-Suppress count only with
 * another sign; alone they mark the message never to be answered. */
static void read_signs(GMimeMessage *msg, const struct parse_walk *w, const struct parse_record *r,
		       struct signs *s)
{
	GMimeObject *top = GMIME_OBJECT(msg);
	g_autofree char *prec = header_text(top, "Precedence");
	g_autofree char *xar = header_text(top, "X-Autoreply");
	g_autofree char *xars = header_text(top, "X-Autorespond");
	g_autofree char *suppress = header_text(top, "X-Auto-Response-Suppress");
	int as = auto_submitted_value(top);
	bool bulk = false, ooo = ooo_subject(r->message.subject);

	memset(s, 0, sizeof *s);
	s->bounce = is_bounce(msg, w, r);
	s->auto_strong = as == 2;
	s->auto_weak = as == 1;
	if (prec != NULL) {
		g_autofree char *v = g_ascii_strdown(prec, -1);

		bulk = strstr(v, "bulk") != NULL || strstr(v, "junk") != NULL ||
		       strstr(v, "list") != NULL;
	}
	if ((xar != NULL && g_ascii_strcasecmp(xar, "no") != 0) || xars != NULL)
		s->auto_strong = true;
	if (ooo && (suppress != NULL || bulk || s->auto_weak))
		s->auto_strong = true;
	if (bulk && (suppress != NULL || s->auto_weak))
		s->auto_strong = true;
	s->auto_submitted = as != 0 || bulk || s->auto_strong || s->bounce;
}

/* content_kind - referral, off_roll or on_roll from what the form says */
static enum parse_kind content_kind(const struct parse_draft *d, const char *subject)
{
	const struct parse_record *r = d->record;
	g_autofree char *about = g_strconcat(subject != NULL ? subject : "", " | ",
					     d->title != NULL ? d->title : "", NULL);
	g_autofree char *w = parse_words(about);
	bool child = d->child_named || d->child_dob || d->child_upn;
	bool says_off = words_in(w, PARSE_DICT_OFF_ROLL), says_on = words_in(w, PARSE_DICT_ON_ROLL);

	if (!child && d->free_child &&
	    (d->free_postcode != NULL || d->free_age >= 0 || d->free_school != NULL ||
	     words_in(w, PARSE_DICT_CME) || words_in(w, PARSE_DICT_REFERRAL)))
		return PARSE_KIND_REFERRAL;   /* a child out of school, in someone's own words */
	if (!child)
		return PARSE_KIND_UNKNOWN;
	if (words_in(w, PARSE_DICT_REFERRAL))
		return PARSE_KIND_REFERRAL;
	if (says_off && says_on) {
		int offs = (r->school.date_off_roll != NULL) + (r->deletion.text != NULL) +
			   (r->destination.school != NULL);
		int ons = (r->school.date_on_roll != NULL) + (d->prev_name != NULL);

		return offs >= ons ? PARSE_KIND_OFF_ROLL : PARSE_KIND_ON_ROLL;
	}
	if (says_off)
		return PARSE_KIND_OFF_ROLL;
	if (says_on)
		return PARSE_KIND_ON_ROLL;
	if (words_in(w, PARSE_DICT_CME) || (d->child_named && d->child_dob))
		return PARSE_KIND_REFERRAL;
	return PARSE_KIND_UNKNOWN;
}

/* ---- the form ---- */

/* read_one - one part as a form; false when there is nothing to read */
static bool read_one(struct parse_form *form, const struct parse_text *t, bool reply)
{
	switch (t->source) {
	case PARSE_SRC_TEXT:
		parse_form_text(form, t->data, reply);
		return true;
	case PARSE_SRC_HTML:
		parse_form_html(form, t->data, t->len, reply);
		return true;
	default:
		return parse_form_attachment(form, t);
	}
}

/* read_part - text T as a form mapped into a new draft D, the further
 * pupils' forms of a multi-pupil export in *PUPILS_R (a new array, the
 * caller's); false when there is nothing to read */
static bool read_part(struct parse_draft *d, GPtrArray **pupils_r, const struct parse_text *t,
		      bool reply)
{
	struct parse_form form;

	parse_form_init(&form);
	if (!read_one(&form, t, reply)) {
		parse_form_clear(&form);
		return false;
	}
	parse_draft_init(d);
	parse_fields_map(d, &form);
	if (form.pupils_over > 0)
		parse_issue_add(d->record, "child",
				"'%s' holds %u more pupil%s than the %u read: %s not read",
				t->name != NULL ? t->name : "the attachment", form.pupils_over,
				form.pupils_over == 1 ? "" : "s", PARSE_MAX_PUPILS,
				form.pupils_over == 1 ? "it is" : "they are");
	*pupils_r = g_steal_pointer(&form.pupils);
	form.pupils = g_ptr_array_new();
	parse_form_clear(&form);
	return true;
}

/* keep_best - D (and its PUPILS) into BEST (*BEST_PUPILS; BEST's record NULL
 * before the first) when it gives more fields: the message's own text wins a
 * tie with an attachment, a later part a tie with an earlier one */
static void keep_best(struct parse_draft *best, GPtrArray **best_pupils,
		      struct parse_draft *d, GPtrArray *pupils, bool att)
{
	unsigned have = best->record != NULL ? best->record->fields_found : 0;

	/* no draft yet counts as one with no field */
	if (att ? d->record->fields_found > have : d->record->fields_found >= have) {
		if (best->record != NULL)
			parse_draft_clear(best);
		*best = *d;
		g_ptr_array_unref(*best_pupils);
		*best_pupils = pupils;
	} else {
		parse_draft_clear(d);
		g_ptr_array_unref(pupils);
	}
}

/* read_form - the part that gives the most fields, mapped into BEST; a
 * multi-pupil export's further pupils' forms go to *PUPILS_R (struct
 * parse_form *, the caller's), mapped once the kind is known. The parts of
 * one multipart/alternative say the same thing (RFC 2046): the last, the
 * sender's richest, is read first, and the others only when it gives no
 * field. */
static void read_form(struct parse_draft *best, GPtrArray **pupils_r,
		      const struct parse_walk *w, bool reply)
{
	for (guint i = 0; i < w->texts->len;) {
		const struct parse_text *t = g_ptr_array_index(w->texts, i);
		guint end = i + 1;

		while (t->alt != 0 && end < w->texts->len &&
		       ((const struct parse_text *)g_ptr_array_index(w->texts, end))->alt == t->alt)
			end++;
		for (guint k = end; k-- > i;) {
			const struct parse_text *a = g_ptr_array_index(w->texts, k);
			struct parse_draft d;
			GPtrArray *pupils;
			bool found;

			if (!read_part(&d, &pupils, a, reply))
				continue;
			found = d.record->fields_found > 0;
			keep_best(best, pupils_r, &d, pupils, a->source > PARSE_SRC_HTML);
			if (found)
				break;
		}
		i = end;
	}
}

/* ---- the referrer ---- */

/* referrer_finish - the form's referrer, else a forwarded original's sender,
 * else From; the role from what they wrote, then their domain */
static void referrer_finish(struct parse_draft *d, const char *from_name)
{
	struct parse_record *r = d->record;
	const char *role = NULL;
	bool from_named = false;

	if (r->referrer.name == NULL && r->referrer.email == NULL && r->referrer.phone == NULL &&
	    r->referrer.organisation == NULL) {
		if (d->fwd_email != NULL && r->kind != PARSE_KIND_REPLY) {
			r->referrer.name = g_strdup(d->fwd_name);
			r->referrer.email = g_strdup(d->fwd_email);
		} else {
			r->referrer.name = g_strdup(from_name);
			r->referrer.email = g_strdup(r->message.from);
			from_named = true;
		}
	} else if (r->referrer.email == NULL && r->referrer.name != NULL && from_name != NULL &&
		   g_utf8_collate(r->referrer.name, from_name) == 0) {
		r->referrer.email = g_strdup(r->message.from);
	}
	if (d->role_text != NULL)
		role = parse_role_from_words(d->role_text);
	if (role == NULL && r->referrer.organisation != NULL)
		role = parse_role_from_words(r->referrer.organisation);
	if (role == NULL)
		role = parse_role_from_domain(r->referrer.email != NULL ? r->referrer.email
									: r->message.from);
	if (role == NULL && from_named && r->referrer.name != NULL)
		role = parse_role_from_words(r->referrer.name);   /* "EWO Team", "School Office" */
	if (role == NULL && d->role_text != NULL)
		role = "other";
	r->referrer.role = g_strdup(role);
}

/* clear_form - a bounce or auto-reply: nothing in it is case data */
static void clear_form(struct parse_draft *d)
{
	struct parse_draft fresh;
	struct parse_record *old = d->record;

	parse_draft_init(&fresh);
	fresh.record->message = old->message;
	memset(&old->message, 0, sizeof old->message);
	parse_draft_clear(d);
	*d = fresh;
}

/* decide_kind - FIELDS.md's order: bounce, auto_reply, reply, then content */
static enum parse_kind decide_kind(struct parse_draft *d, const struct signs *s,
				   const char *tag)
{
	enum parse_kind content = content_kind(d, d->record->message.subject);

	if (s->bounce)
		return PARSE_KIND_BOUNCE;
	if (s->auto_strong)
		return PARSE_KIND_AUTO_REPLY;
	/* Auto-Submitted: auto-generated is also what e-form systems send: a
	 * form about a child is still read, but never answered. */
	if (s->auto_weak && !(d->child_named && d->child_dob))
		return PARSE_KIND_AUTO_REPLY;
	if (tag != NULL)
		return PARSE_KIND_REPLY;
	return content;
}

/* case_tag - the case tag in the subject, else in In-Reply-To/References */
static char *case_tag(GMimeMessage *msg, const char *subject)
{
	g_autofree char *irt = NULL, *refs = NULL, *both = NULL;
	char *tag = parse_case_tag_find(subject);

	if (tag != NULL)
		return tag;
	irt = header_text(GMIME_OBJECT(msg), "In-Reply-To");
	refs = header_text(GMIME_OBJECT(msg), "References");
	both = g_strconcat(irt != NULL ? irt : "", " ", refs != NULL ? refs : "", NULL);
	return parse_case_tag_find(both);
}

/* draft_steal - the record out of D; the rest of D is freed */
static struct parse_record *draft_steal(struct parse_draft *d)
{
	struct parse_record *r = d->record;

	d->record = NULL;
	parse_draft_clear(d);
	return r;
}

/* message_copy - FROM's message headers into TO */
static void message_copy(struct parse_record *to, const struct parse_record *from)
{
	to->message.message_id = g_strdup(from->message.message_id);
	to->message.from = g_strdup(from->message.from);
	to->message.subject = g_strdup(from->message.subject);
	to->message.date = g_strdup(from->message.date);
}

/* more_pupils - each further pupil's form as a record of its own: the first
 * record's message, kind and case_ref; its own fields, referrer and issues */
static void more_pupils(struct parse_draft *first, const GPtrArray *forms,
			const char *from_name)
{
	struct parse_record *head = first->record;

	for (guint i = 0; i < forms->len; i++) {
		struct parse_draft d;

		parse_draft_init(&d);
		parse_fields_map(&d, g_ptr_array_index(forms, i));
		g_free(d.title);
		d.title = g_strdup(first->title);   /* what the export says it is */
		d.fwd_name = g_strdup(first->fwd_name);
		d.fwd_email = g_strdup(first->fwd_email);
		message_copy(d.record, head);
		d.record->kind = head->kind;
		d.record->auto_submitted = head->auto_submitted;
		d.record->case_ref = g_strdup(head->case_ref);
		referrer_finish(&d, from_name);
		parse_fields_finish(&d);
		g_ptr_array_add(head->more_pupils, draft_steal(&d));
	}
}

/* build - the record of a message GMime has read */
static struct parse_record *build(GMimeMessage *msg, const struct parse_walk *w)
{
	struct parse_record head = { 0 };   /* its message headers only */
	g_autofree char *from_name = NULL, *tag = NULL;
	g_autoptr(GPtrArray) pupils = g_ptr_array_new();
	struct parse_draft d = { 0 };      /* no record until a part gives one */
	struct signs s;

	read_headers(&head, msg, &from_name);
	read_signs(msg, w, &head, &s);
	tag = case_tag(msg, head.message.subject);
	if (!s.bounce && !s.auto_strong)
		read_form(&d, &pupils, w, tag != NULL);
	if (d.record == NULL)
		parse_draft_init(&d);
	if (d.fwd_email == NULL && w->inner_from != NULL) {
		d.fwd_email = g_strdup(w->inner_from);
		d.fwd_name = g_strdup(w->inner_name);
	}
	d.record->message = head.message;   /* the strings move */
	d.record->kind = decide_kind(&d, &s, tag);
	d.record->auto_submitted = s.auto_submitted;
	if (d.record->kind == PARSE_KIND_BOUNCE || d.record->kind == PARSE_KIND_AUTO_REPLY) {
		enum parse_kind kind = d.record->kind;

		clear_form(&d);
		d.record->kind = kind;
		d.record->auto_submitted = true;
		d.record->case_ref = g_strdup(kind == PARSE_KIND_BOUNCE && w->bounced_ref != NULL
					      ? w->bounced_ref : tag);
		if (kind == PARSE_KIND_BOUNCE)
			parse_bounce_read(d.record, w);
		return draft_steal(&d);
	}
	d.record->case_ref = g_strdup(tag);
	more_pupils(&d, pupils, from_name);
	referrer_finish(&d, from_name);
	parse_fields_finish(&d);
	return draft_steal(&d);
}

/* A GMimeParser is a large object to build and tear down for each message:
 * each thread keeps one and points it at the next message's stream. Between
 * messages it reads an empty stream, so it holds on to no message. */
static GPrivate parser_key = G_PRIVATE_INIT(g_object_unref);
static GPrivate idle_key = G_PRIVATE_INIT(g_object_unref);

static GMimeStream *idle_stream(void)
{
	GMimeStream *s = g_private_get(&idle_key);

	if (s == NULL) {
		s = g_mime_stream_mem_new();
		g_private_set(&idle_key, s);
	}
	return s;
}

static GMimeParser *thread_parser(void)
{
	GMimeParser *p = g_private_get(&parser_key);

	if (p == NULL) {
		p = g_mime_parser_new_with_stream(idle_stream());
		g_private_set(&parser_key, p);
	}
	return p;
}

/* over_limit - the record of a message over a limit: kind unknown, the
 * headers when they were read, an issue naming the limit */
static struct parse_record *over_limit(GMimeMessage *msg, const char *problem)
{
	struct parse_record *r = parse_record_new();
	g_autofree char *from_name = NULL;

	if (msg != NULL)
		read_headers(r, msg, &from_name);
	r->kind = PARSE_KIND_UNKNOWN;
	parse_issue_add(r, "message", "%s", problem);
	return r;
}

struct parse_record *parse_message(const char *data, size_t len,
				   const struct parse_limits *limits, GError **error)
{
	static const struct parse_limits none;
	const struct parse_dictionary *old;
	GByteArray *bytes;
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeMessage *msg;
	struct parse_walk w;
	struct parse_record *r;

	if (limits == NULL)
		limits = &none;
	if (limits->max_message_bytes != 0 && len > limits->max_message_bytes) {
		g_autofree char *why = g_strdup_printf(
			"message of %zu bytes is over [limits] max_message_bytes (%zu)", len,
			limits->max_message_bytes);

		return over_limit(NULL, why);
	}
	if (data == NULL || len == 0) {
		g_set_error(error, PARSE_ERROR, PARSE_ERROR_MIME, "empty message");
		return NULL;
	}
	init_gmime();
	/* GMime reads the caller's bytes where they are: a memory stream over
	 * them, not a copy (the stream only reads; it does not own them) */
	bytes = g_byte_array_new_take((guint8 *)data, len);
	stream = g_mime_stream_mem_new_with_byte_array(bytes);
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(stream), FALSE);
	parser = thread_parser();
	g_mime_parser_init_with_stream(parser, stream);
	msg = g_mime_parser_construct_message(parser, NULL);
	g_mime_parser_init_with_stream(parser, idle_stream());   /* drop STREAM */
	g_object_unref(stream);   /* the message's parts keep it while they live */
	if (msg == NULL) {
		g_byte_array_free(bytes, FALSE);
		g_set_error(error, PARSE_ERROR, PARSE_ERROR_MIME, "cannot read the message as MIME");
		return NULL;
	}
	old = parse_dict_use(limits->dictionary);
	parse_label_memo(true);
	parse_walk_init(&w, limits);
	parse_walk_message(&w, msg);
	r = w.limit != NULL ? over_limit(msg, w.limit) : build(msg, &w);
	parse_walk_clear(&w);
	parse_label_memo(false);
	parse_dict_use(old);
	g_object_unref(msg);
	g_byte_array_free(bytes, FALSE);   /* the wrapper only: the bytes are the caller's */
	return r;
}
