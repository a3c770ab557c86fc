/* parse_message.c - the entry point: the MIME walk, headers, the kind of
 * message and who it came from */
#include <string.h>
#include <gmime/gmime.h>

#include "parse/parse_p.h"

struct text_part {
	GMimePart *part;      /* a reference */
	bool html;
};

struct walk {
	const struct parse_limits *limits;
	unsigned parts;
	bool too_big;
	bool dsn;                 /* a message/delivery-status part */
	char *bounced_ref;        /* a case tag in a bounced message's headers */
	char *inner_from, *inner_name; /* the sender of an attached message */
	GPtrArray *texts;         /* struct text_part * */
};

static void text_part_free(gpointer p)
{
	struct text_part *t = p;

	g_object_unref(t->part);
	g_free(t);
}

static void init_gmime(void)
{
	static gsize done;

	if (g_once_init_enter(&done)) {
		g_mime_init();
		g_once_init_leave(&done, 1);
	}
}

/* ---- text ---- */

/* to_utf8 - decoded bytes in CHARSET (NULL: undeclared) -> UTF-8 */
static char *to_utf8(char *data, size_t len, const char *charset)
{
	char *out;

	if (data == NULL || len == 0)
		return g_strdup("");
	for (size_t i = 0; i < len; i++)
		if (data[i] == '\0')
			data[i] = ' ';
	if (charset != NULL && g_ascii_strcasecmp(charset, "utf-8") != 0 &&
	    g_ascii_strcasecmp(charset, "us-ascii") != 0) {
		const char *name = g_mime_charset_iconv_name(charset);

		out = g_convert(data, (gssize)len, "UTF-8", name != NULL ? name : charset,
				NULL, NULL, NULL);
		if (out != NULL && g_utf8_validate(out, -1, NULL))
			return out;
		g_free(out);
	}
	if (g_utf8_validate(data, (gssize)len, NULL))
		return g_strndup(data, len);
	out = g_convert(data, (gssize)len, "UTF-8", "WINDOWS-1252", NULL, NULL, NULL);
	if (out != NULL && g_utf8_validate(out, -1, NULL))
		return out;
	g_free(out);
	return g_utf8_make_valid(data, (gssize)len);
}

/* part_text - a part's content, transfer encoding undone, in UTF-8 */
static char *part_text(GMimePart *part)
{
	GMimeDataWrapper *dw = g_mime_part_get_content(part);
	GMimeStream *mem;
	GByteArray *bytes;
	char *text;

	if (dw == NULL)
		return NULL;
	mem = g_mime_stream_mem_new();
	if (g_mime_data_wrapper_write_to_stream(dw, mem) < 0) {
		g_object_unref(mem);
		return NULL;
	}
	bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	text = to_utf8((char *)bytes->data, bytes->len,
		       g_mime_object_get_content_type_parameter(GMIME_OBJECT(part), "charset"));
	g_object_unref(mem);
	return text;
}

/* header_text - a header value as folded UTF-8, NULL when absent */
static char *header_text(GMimeObject *obj, const char *name)
{
	const char *v = g_mime_object_get_header(obj, name);
	g_autofree char *valid = NULL;

	if (v == NULL)
		return NULL;
	valid = g_utf8_make_valid(v, -1);
	return parse_fold(valid);
}

/* ---- the MIME tree ---- */

static void walk_object(struct walk *w, GMimeObject *obj, unsigned depth);
static void read_from(GMimeMessage *msg, char **addr_r, char **name_r);

/* headers_ref - a case tag in the Subject of text/rfc822-headers */
static void headers_ref(struct walk *w, GMimePart *part)
{
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;

	if (w->bounced_ref != NULL || (text = part_text(part)) == NULL)
		return;
	lines = g_strsplit(text, "\n", 0);
	for (char **l = lines; *l != NULL; l++)
		if (g_ascii_strncasecmp(*l, "subject:", 8) == 0) {
			w->bounced_ref = parse_case_tag_find(*l);
			return;
		}
}

/* walk_part - a leaf: a text to read, a DSN, the headers of a bounced message */
static void walk_part(struct walk *w, GMimePart *part)
{
	GMimeContentType *ct = g_mime_object_get_content_type(GMIME_OBJECT(part));
	const char *type = ct != NULL ? g_mime_content_type_get_media_type(ct) : "text";
	const char *sub = ct != NULL ? g_mime_content_type_get_media_subtype(ct) : "plain";

	if (type == NULL || sub == NULL)
		return;
	if (g_ascii_strcasecmp(type, "message") == 0 &&
	    (g_ascii_strcasecmp(sub, "delivery-status") == 0 ||
	     g_ascii_strcasecmp(sub, "global-delivery-status") == 0)) {
		w->dsn = true;
	} else if (g_ascii_strcasecmp(type, "text") == 0 &&
		   g_ascii_strcasecmp(sub, "rfc822-headers") == 0) {
		headers_ref(w, part);
	} else if (g_ascii_strcasecmp(type, "text") == 0 &&
		   (g_ascii_strcasecmp(sub, "plain") == 0 || g_ascii_strcasecmp(sub, "html") == 0)) {
		struct text_part *t = g_new0(struct text_part, 1);

		t->part = g_object_ref(part);
		t->html = g_ascii_strcasecmp(sub, "html") == 0;
		g_ptr_array_add(w->texts, t);
	}
}

/* walk_object - the MIME tree, counting parts and depth against the limits */
static void walk_object(struct walk *w, GMimeObject *obj, unsigned depth)
{
	if (obj == NULL || w->too_big)
		return;
	w->parts++;
	if ((w->limits->max_parts != 0 && w->parts > w->limits->max_parts) ||
	    (w->limits->max_mime_depth != 0 && depth > w->limits->max_mime_depth)) {
		w->too_big = true;
		return;
	}
	if (GMIME_IS_MULTIPART(obj)) {
		GMimeMultipart *mp = GMIME_MULTIPART(obj);
		int n = g_mime_multipart_get_count(mp);

		for (int i = 0; i < n && !w->too_big; i++)
			walk_object(w, g_mime_multipart_get_part(mp, i), depth + 1);
	} else if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));

		if (m == NULL)
			return;
		if (w->bounced_ref == NULL)
			w->bounced_ref = parse_case_tag_find(g_mime_message_get_subject(m));
		if (w->inner_from == NULL) {
			g_free(w->inner_name);
			read_from(m, &w->inner_from, &w->inner_name);
		}
		walk_object(w, g_mime_message_get_mime_part(m), depth + 1);
	} else if (GMIME_IS_PART(obj)) {
		walk_part(w, GMIME_PART(obj));
	}
}

/* ---- headers ---- */

/* read_from - the first mailbox of From: bare lower-case address and name */
static void read_from(GMimeMessage *msg, char **addr_r, char **name_r)
{
	InternetAddressList *list = g_mime_message_get_from(msg);
	int n = list != NULL ? internet_address_list_length(list) : 0;

	*addr_r = *name_r = NULL;
	for (int i = 0; i < n && *addr_r == NULL; i++) {
		InternetAddress *a = internet_address_list_get_address(list, i);

		if (INTERNET_ADDRESS_IS_GROUP(a)) {
			InternetAddressList *m = internet_address_group_get_members(
				INTERNET_ADDRESS_GROUP(a));

			if (m == NULL || internet_address_list_length(m) == 0)
				continue;
			a = internet_address_list_get_address(m, 0);
		}
		if (INTERNET_ADDRESS_IS_MAILBOX(a)) {
			const char *addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a));
			const char *name = internet_address_get_name(a);
			g_autofree char *va = addr != NULL ? g_utf8_make_valid(addr, -1) : NULL;
			g_autofree char *vn = name != NULL ? g_utf8_make_valid(name, -1) : NULL;
			g_autofree char *fa = parse_fold(va);

			*addr_r = fa != NULL ? g_utf8_strdown(fa, -1) : NULL;
			*name_r = parse_fold(vn);
		}
	}
}

/* read_headers - message id, subject, date, sender */
static void read_headers(struct parse_record *r, GMimeMessage *msg, char **from_name_r)
{
	const char *id = g_mime_message_get_message_id(msg);
	const char *subject = g_mime_message_get_subject(msg);
	GDateTime *date = g_mime_message_get_date(msg);

	if (id != NULL) {
		g_autofree char *v = g_utf8_make_valid(id, -1);

		r->message.message_id = parse_fold(v);
	}
	if (subject != NULL) {
		g_autofree char *v = g_utf8_make_valid(subject, -1);

		r->message.subject = parse_fold(v);
	}
	if (date != NULL)
		r->message.date = g_date_time_format(date, "%Y-%m-%dT%H:%M:%S%:z");
	read_from(msg, &r->message.from, from_name_r);
}

/* ---- kind ---- */

/* words_any - W (parse_words form) holds one of PHRASES as whole words */
static bool words_any(const char *w, const char *const *phrases)
{
	g_autofree char *padded = g_strdup_printf(" %s ", w);

	for (; *phrases != NULL; phrases++) {
		g_autofree char *p = g_strdup_printf(" %s ", *phrases);

		if (strstr(padded, p) != NULL)
			return true;
	}
	return false;
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

	return words_any(w, words);
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

	return words_any(w, words);
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
static bool is_bounce(GMimeMessage *msg, const struct walk *w, const struct parse_record *r)
{
	GMimeObject *body = g_mime_message_get_mime_part(msg);

	if (body != NULL && GMIME_IS_MULTIPART(body)) {
		GMimeContentType *ct = g_mime_object_get_content_type(body);
		const char *rt = g_mime_object_get_content_type_parameter(body, "report-type");

		if (ct != NULL && g_mime_content_type_is_type(ct, "multipart", "report") &&
		    rt != NULL && g_ascii_strcasecmp(rt, "delivery-status") == 0)
			return true;
	}
	return w->dsn || (daemon_sender(r->message.from) && bounce_subject(r->message.subject));
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
static void read_signs(GMimeMessage *msg, const struct walk *w, const struct parse_record *r,
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
	static const char *const referral[] = {
		"referral", "refer", "referring", "referred", NULL,
	};
	static const char *const cme[] = {
		"missing education", "cme", "child missing", "children missing", NULL,
	};
	static const char *const off[] = {
		"leaver", "leavers", "leaving", "deletion", "deletions", "removal from roll",
		"removed from roll", "removal from the roll", "removed from the roll", "off roll",
		"taken off roll", "cml", "elective home education", "ehe", "home education",
		"deregistration", "de registration", "deregistered", "deleted from roll",
		"removal from school roll", "deletion from roll", NULL,
	};
	static const char *const on[] = {
		"new pupil", "new pupils", "new starter", "new starters", "starter", "starters",
		"joiner", "joiners", "new admission", "admission notification",
		"notification of admission", "pupil admission", "admitted", "on roll",
		"added to roll", "added to the roll", "cmj", "joining", "in year admission", NULL,
	};
	const struct parse_record *r = d->record;
	g_autofree char *about = g_strdup_printf("%s | %s", subject != NULL ? subject : "",
						 d->title != NULL ? d->title : "");
	g_autofree char *w = parse_words(about);
	bool child = d->child_named || d->child_dob || d->child_upn;
	bool says_off = words_any(w, off), says_on = words_any(w, on);

	if (!child)
		return PARSE_KIND_UNKNOWN;
	if (words_any(w, referral))
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
	if (words_any(w, cme) || (d->child_named && d->child_dob))
		return PARSE_KIND_REFERRAL;
	return PARSE_KIND_UNKNOWN;
}

/* ---- the form ---- */

/* read_form - the text part that gives the most fields, mapped into DRAFT */
static void read_form(struct parse_draft *best, const struct walk *w, bool reply)
{
	for (guint i = 0; i < w->texts->len; i++) {
		const struct text_part *t = g_ptr_array_index(w->texts, i);
		g_autofree char *text = part_text(t->part);
		struct parse_form form;
		struct parse_draft d;

		if (text == NULL)
			continue;
		parse_form_init(&form);
		if (t->html)
			parse_form_html(&form, text, strlen(text), reply);
		else
			parse_form_text(&form, text, reply);
		parse_draft_init(&d);
		parse_fields_map(&d, &form);
		parse_form_clear(&form);
		if (d.record->fields_found >= best->record->fields_found) {
			parse_draft_clear(best);
			*best = d;
		} else {
			parse_draft_clear(&d);
		}
	}
}

/* ---- the referrer ---- */

/* referrer_finish - the form's referrer, else a forwarded original's sender,
 * else From; the role from what they wrote, then their domain */
static void referrer_finish(struct parse_draft *d, const char *from_name)
{
	struct parse_record *r = d->record;
	const char *role = NULL;

	if (r->referrer.name == NULL && r->referrer.email == NULL && r->referrer.phone == NULL &&
	    r->referrer.organisation == NULL) {
		if (d->fwd_email != NULL && r->kind != PARSE_KIND_REPLY) {
			r->referrer.name = g_strdup(d->fwd_name);
			r->referrer.email = g_strdup(d->fwd_email);
		} else {
			r->referrer.name = g_strdup(from_name);
			r->referrer.email = g_strdup(r->message.from);
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
	both = g_strdup_printf("%s %s", irt != NULL ? irt : "", refs != NULL ? refs : "");
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

/* build - the record of a message GMime has read */
static struct parse_record *build(GMimeMessage *msg, const struct walk *w)
{
	struct parse_record *head = parse_record_new();
	g_autofree char *from_name = NULL, *tag = NULL;
	struct parse_draft d;
	struct signs s;

	read_headers(head, msg, &from_name);
	read_signs(msg, w, head, &s);
	tag = case_tag(msg, head->message.subject);
	parse_draft_init(&d);
	if (!s.bounce && !s.auto_strong)
		read_form(&d, w, tag != NULL);
	if (d.fwd_email == NULL && w->inner_from != NULL) {
		d.fwd_email = g_strdup(w->inner_from);
		d.fwd_name = g_strdup(w->inner_name);
	}
	d.record->message = head->message;
	memset(&head->message, 0, sizeof head->message);
	parse_record_free(head);
	d.record->kind = decide_kind(&d, &s, tag);
	d.record->auto_submitted = s.auto_submitted;
	if (d.record->kind == PARSE_KIND_BOUNCE || d.record->kind == PARSE_KIND_AUTO_REPLY) {
		enum parse_kind kind = d.record->kind;

		clear_form(&d);
		d.record->kind = kind;
		d.record->auto_submitted = true;
		d.record->case_ref = g_strdup(kind == PARSE_KIND_BOUNCE && w->bounced_ref != NULL
					      ? w->bounced_ref : tag);
		return draft_steal(&d);
	}
	d.record->case_ref = g_strdup(tag);
	referrer_finish(&d, from_name);
	parse_fields_finish(&d);
	return draft_steal(&d);
}

struct parse_record *parse_message(const char *data, size_t len,
				   const struct parse_limits *limits, GError **error)
{
	static const struct parse_limits none;
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeMessage *msg;
	struct walk w = { 0 };
	struct parse_record *r = NULL;

	if (limits == NULL)
		limits = &none;
	if (limits->max_message_bytes != 0 && len > limits->max_message_bytes) {
		g_set_error(error, PARSE_ERROR, PARSE_ERROR_TOO_BIG,
			    "message of %zu bytes is over the limit of %zu", len,
			    limits->max_message_bytes);
		return NULL;
	}
	if (data == NULL || len == 0) {
		g_set_error(error, PARSE_ERROR, PARSE_ERROR_MIME, "empty message");
		return NULL;
	}
	init_gmime();
	stream = g_mime_stream_mem_new_with_buffer(data, len);
	parser = g_mime_parser_new_with_stream(stream);
	msg = g_mime_parser_construct_message(parser, NULL);
	g_object_unref(parser);
	g_object_unref(stream);
	if (msg == NULL) {
		g_set_error(error, PARSE_ERROR, PARSE_ERROR_MIME, "cannot read the message as MIME");
		return NULL;
	}
	w.limits = limits;
	w.texts = g_ptr_array_new_with_free_func(text_part_free);
	walk_object(&w, g_mime_message_get_mime_part(msg), 1);
	if (w.too_big)
		g_set_error(error, PARSE_ERROR, PARSE_ERROR_TOO_BIG,
			    "message has more MIME parts or nesting than the limits allow");
	else
		r = build(msg, &w);
	g_ptr_array_unref(w.texts);
	g_free(w.bounced_ref);
	g_free(w.inner_from);
	g_free(w.inner_name);
	g_object_unref(msg);
	return r;
}
