/* parse_bounce.c - what a bounce says: the failed recipient, its status, and
 * the Message-ID and case tag of the message that bounced. From the
 * RFC 3464 report when there is one, else from the text non-standard
 * bounces (qmail, Exchange, Postfix without a report) write. */
#include <string.h>

#include "parse/parse_p.h"

/* unfold - RFC 3464 fields are header-style: continuation lines start with
 * white space */
static GPtrArray *dsn_fields(const char *text)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", 2000);
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);

	for (char **l = lines; *l != NULL; l++) {
		size_t n = strlen(*l);

		if (n > 0 && (*l)[n - 1] == '\r')
			(*l)[n - 1] = '\0';
		if (((*l)[0] == ' ' || (*l)[0] == '\t') && out->len > 0 &&
		    g_ptr_array_index(out, out->len - 1) != NULL) {
			char *last = g_ptr_array_index(out, out->len - 1);

			if (strlen(last) < 2000) {
				out->pdata[out->len - 1] = g_strconcat(last, " ", g_strstrip(*l), NULL);
				g_free(last);
			}
		} else {
			g_ptr_array_add(out, (*l)[0] == '\0' ? NULL : g_strdup(*l));
		}
	}
	return out;
}

/* field_value - "Name: value" -> value (folded, after "type;"), when NAME */
static char *field_value(const char *line, const char *name, bool typed)
{
	size_t n = strlen(name);
	const char *v, *semi;

	if (line == NULL || g_ascii_strncasecmp(line, name, n) != 0 || line[n] != ':')
		return NULL;
	v = line + n + 1;
	if (typed && (semi = strchr(v, ';')) != NULL)
		v = semi + 1;
	return parse_fold(v);
}

struct rcpt {
	char *recipient, *status, *action, *diagnostic;
};

static void rcpt_clear(struct rcpt *r)
{
	g_free(r->recipient);
	g_free(r->status);
	g_free(r->action);
	g_free(r->diagnostic);
	memset(r, 0, sizeof *r);
}

/* rcpt_take - the first recipient block, or the first whose action is failed */
static void rcpt_take(struct parse_record *rec, struct rcpt *b)
{
	bool failed = b->action != NULL && g_ascii_strcasecmp(b->action, "failed") == 0;
	bool have_failed = rec->bounce.action != NULL &&
			   g_ascii_strcasecmp(rec->bounce.action, "failed") == 0;

	if (b->recipient == NULL || (rec->bounce.recipient != NULL && (have_failed || !failed))) {
		rcpt_clear(b);
		return;
	}
	g_free(rec->bounce.recipient);
	g_free(rec->bounce.status);
	g_free(rec->bounce.action);
	g_free(rec->bounce.diagnostic);
	rec->bounce.recipient = g_steal_pointer(&b->recipient);
	rec->bounce.status = g_steal_pointer(&b->status);
	rec->bounce.action = b->action != NULL ? g_ascii_strdown(b->action, -1) : NULL;
	rec->bounce.diagnostic = g_steal_pointer(&b->diagnostic);
	rcpt_clear(b);
}

/* read_report - the per-recipient blocks of message/delivery-status */
static void read_report(struct parse_record *rec, const char *text)
{
	g_autoptr(GPtrArray) fields = dsn_fields(text);
	struct rcpt b = { 0 };

	for (guint i = 0; i <= fields->len; i++) {
		const char *f = i < fields->len ? g_ptr_array_index(fields, i) : NULL;
		char *v;

		if (f == NULL) {
			rcpt_take(rec, &b);
			continue;
		}
		if ((v = field_value(f, "Final-Recipient", true)) != NULL ||
		    (v = field_value(f, "Original-Recipient", true)) != NULL) {
			g_autofree char *raw = v;

			if (b.recipient == NULL)
				b.recipient = parse_email_normalise(raw);
		} else if ((v = field_value(f, "Action", false)) != NULL) {
			g_free(b.action);
			b.action = v;
		} else if ((v = field_value(f, "Status", false)) != NULL) {
			g_free(b.status);
			b.status = v;
		} else if ((v = field_value(f, "Diagnostic-Code", true)) != NULL) {
			g_free(b.diagnostic);
			b.diagnostic = v;
		}
	}
}

static GRegex *regex_once(GRegex **slot, const char *pattern)
{
	if (g_once_init_enter(slot)) {
		GRegex *re = g_regex_new(pattern, G_REGEX_OPTIMIZE | G_REGEX_CASELESS |
					 G_REGEX_MULTILINE, 0, NULL);

		g_once_init_leave(slot, re);
	}
	return *slot;
}

/* first_match - group GROUP of the first match of RE in TEXT, folded */
static char *first_match(GRegex *re, const char *text, int group)
{
	GMatchInfo *m = NULL;
	char *out = NULL;

	if (g_regex_match(re, text, 0, &m)) {
		g_autofree char *s = g_match_info_fetch(m, group);

		out = parse_fold(s);
	}
	g_match_info_free(m);
	return out;
}

/* read_text - a bounce without a report: the recipient qmail ("<a@b>:"),
 * Postfix and Exchange ("a@b (a@b)", "Your message to a@b couldn't be
 * delivered") name, a status code, a quoted Message-ID and case tag */
static void read_text(struct parse_record *rec, const char *text)
{
	static GRegex *rcpt_re, *status_re, *id_re, *diag_re;
	GRegex *rr = regex_once(&rcpt_re,
		"^\\s*<([^<>@\\s]+@[^<>\\s]+)>:?|"
		"(?:message to|recipients? or groups?:?|recipient\\(s\\):?|"
		"following (?:address|recipient)(?:es|s)?[^:\\n]*:|delivered to:?|to the following)"
		"\\s*<?([^<>@\\s(]+@[A-Za-z0-9.-]*[A-Za-z0-9])");
	GRegex *sr = regex_once(&status_re, "(?<![\\d.])([245]\\.\\d{1,3}\\.\\d{1,3})(?![\\d.])");
	GRegex *ir = regex_once(&id_re, "^\\s*Message-ID:\\s*<([^<>\\s]+)>");
	GRegex *dr = regex_once(&diag_re, "\\b([45]\\d\\d[ -][245]\\.\\d{1,3}\\.\\d{1,3}[^\\n]*)");
	GMatchInfo *m = NULL;

	if (rec->bounce.recipient == NULL && g_regex_match(rr, text, 0, &m)) {
		g_autofree char *a = g_match_info_fetch(m, 1);
		g_autofree char *b = g_match_info_fetch(m, 2);

		rec->bounce.recipient = parse_email_normalise(a != NULL && a[0] != '\0' ? a : b);
	}
	g_match_info_free(m);
	if (rec->bounce.status == NULL)
		rec->bounce.status = first_match(sr, text, 1);
	if (rec->bounce.diagnostic == NULL)
		rec->bounce.diagnostic = first_match(dr, text, 1);
	if (rec->bounce.original_message_id == NULL)
		rec->bounce.original_message_id = first_match(ir, text, 1);
	if (rec->case_ref == NULL)
		rec->case_ref = parse_case_tag_find(text);
}

void parse_bounce_read(struct parse_record *rec, const struct parse_walk *w)
{
	if (w->dsn->len > 0)
		read_report(rec, w->dsn->str);
	if (w->bounced_id != NULL)
		rec->bounce.original_message_id = g_strdup(w->bounced_id);
	for (guint i = 0; i < w->texts->len; i++) {
		const struct parse_text *t = g_ptr_array_index(w->texts, i);

		if (t->source == PARSE_SRC_TEXT)
			read_text(rec, t->data);
	}
	if (rec->bounce.action == NULL && rec->bounce.recipient != NULL)
		rec->bounce.action = g_strdup("failed");
}
