/* test_notify.c - unit tests for templates, rendering, composition and the
 * senders. One TAP line per table row.
 *
 * The SMTP rows talk to a scripted responder on loopback (a thread in this
 * process), so the mapping of server replies to error codes is tested
 * without a real server; tests/integration does the real Postfix.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <poll.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>
#include <glib/gstdio.h>
#include <gmime/gmime.h>

#include "notify/notify.h"

/* ---- rendering ---- */

struct render_row {
	const char *name;
	const char *text;
	bool header;
	const char *want;
};

static const struct render_row render_rows[] = {
	{ "plain variable", "[{{case_ref}}] received", false, "[CME-2025-000123] received" },
	{ "two variables", "{{case_ref}}/{{case_ref}}", false, "CME-2025-000123/CME-2025-000123" },
	{ "unicode value", "Dear {{name}},", false, "Dear Zoë Ångström," },
	{ "unicode text", "Zoë {{case_ref}} ✓", false, "Zoë CME-2025-000123 ✓" },
	{ "unknown variable is empty", "x{{nobody}}y", false, "xy" },
	{ "empty value", "x{{empty}}y", false, "xy" },
	{ "literal braces", "{{{{case_ref}}", false, "{{case_ref}}" },
	{ "literal braces then variable", "{{{{{{case_ref}}", false, "{{CME-2025-000123" },
	{ "spaces inside are text", "{{ case_ref }}", false, "{{ case_ref }}" },
	{ "unclosed is text", "a {{ b", false, "a {{ b" },
	{ "single close brace", "{{case_ref}", false, "{{case_ref}" },
	{ "empty name is text", "{{}}", false, "{{}}" },
	{ "closing braces alone", "}} x }}", false, "}} x }}" },
	{ "body keeps line breaks", "line1\n{{evil}}", false,
	  "line1\nRef\r\nBcc: victim@example.org" },
	{ "header: CRLF Bcc injection", "Re: {{evil}}", true, "Re: Ref Bcc: victim@example.org" },
	{ "header: tabs and newlines folded", "  {{tabs}}  ", true, "a b c d" },
	{ "header: line separator", "x{{ls}}y", true, "xa by" },
	{ "header: DEL and C1 controls", "a{{controls}}b", true, "a x y b" },
	{ "header: empty", "{{empty}}", true, "" },
	{ "header: unicode kept", "Zoë {{name}}", true, "Zoë Zoë Ångström" },
	{ "header: invalid UTF-8 repaired", "{{bad}}", true, "bad\xef\xbf\xbd" },
	{ "header: literal braces", "{{{{x}} {{case_ref}}", true, "{{x}} CME-2025-000123" },
};

static const char *const render_values[][2] = {
	{ "case_ref", "CME-2025-000123" },
	{ "name", "Zoë Ångström" },
	{ "evil", "Ref\r\nBcc: victim@example.org" },
	{ "tabs", "a\tb\n\nc \r d" },
	{ "ls", "a\xe2\x80\xa8" "b" },
	{ "controls", "\x7fx\xc2\x85y\x01" },
	{ "bad", "bad\xff" },
	{ "empty", "" },
};

static GHashTable *render_vars(void)
{
	GHashTable *vars = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);

	for (size_t i = 0; i < G_N_ELEMENTS(render_values); i++)
		g_hash_table_insert(vars, g_strdup(render_values[i][0]),
				    g_strdup(render_values[i][1]));
	return vars;
}

static void test_render(void **state)
{
	const struct render_row *row = *state;
	g_autoptr(GHashTable) vars = render_vars();
	g_autofree char *got = notify_render(row->text, vars, row->header);

	assert_string_equal(got, row->want);
	if (row->header) {
		assert_null(strchr(got, '\r'));
		assert_null(strchr(got, '\n'));
	}
}

static void test_render_no_vars(void **state)
{
	g_autofree char *got = notify_render("x{{a}}y", NULL, false);

	assert_string_equal(got, "xy");
	g_free(got);
	got = notify_header_line(NULL);
	assert_string_equal(got, "");
}

/* ---- template loading ---- */

static char *tmpdir;

struct template_row {
	const char *name;
	const char *kind;
	const char *content;       /* NULL: no file */
	const char *want_subject;  /* NULL: load fails */
	const char *want_body;
	const char *want_error;    /* substring of the error message */
};

static const struct template_row template_rows[] = {
	{ "template: ok", "ack_referrer",
	  "Subject: [{{case_ref}}] Referral received\n\nDear {{referrer_name}},\n\nThanks.\n",
	  "[{{case_ref}}] Referral received", "Dear {{referrer_name}},\n\nThanks.\n", NULL },
	{ "template: CRLF file", "crlf", "Subject: x \r\n\r\nline\r\nline2\r\n", "x", "line\nline2\n",
	  NULL },
	{ "template: empty body", "empty_body", "Subject: x\n\n", "x", "", NULL },
	{ "template: lower-case subject", "lower", "subject:y\n\nb", "y", "b", NULL },
	{ "template: literal braces", "braces", "Subject: a {{{{b\n\n{{{{x}}\n", "a {{{{b",
	  "{{{{x}}\n", NULL },
	{ "template: missing file", "missing", NULL, NULL, NULL, "missing.txt': cannot read: no such file" },
	{ "template: empty subject", "empty_subject", "Subject:  \n\nbody\n", NULL, NULL,
	  "line 1: the subject is empty" },
	{ "template: empty file", "empty", "", NULL, NULL, "line 1: no Subject header" },
	{ "template: body first", "body_first", "Dear team,\n\nbody\n", NULL, NULL,
	  "line 1: no Subject header" },
	{ "template: blank first line", "blank_first", "\nSubject: x\n\nbody\n", NULL, NULL,
	  "line 1: no Subject header" },
	{ "template: other header", "other", "From: cme@example.org\n\nbody\n", NULL, NULL,
	  "line 1: header 'From' is not allowed (only Subject)" },
	{ "template: other header after subject", "other2",
	  "Subject: x\nBcc: victim@example.org\n\nbody\n", NULL, NULL,
	  "line 2: header 'Bcc' is not allowed" },
	{ "template: second subject", "second", "Subject: a\nSubject: b\n\nbody\n", NULL, NULL,
	  "line 2: second Subject header" },
	{ "template: folded subject", "folded", "Subject: a\n b\n\nbody\n", NULL, NULL,
	  "line 2: the subject must be one line" },
	{ "template: no blank line", "no_blank", "Subject: x\nDear team,\nbody\n", NULL, NULL,
	  "line 2: no blank line after the header" },
	{ "template: no blank line at end", "no_blank_end", "Subject: x\n", NULL, NULL,
	  "line 1: no blank line after the header" },
	{ "template: no newline at all", "no_newline", "Subject: x", NULL, NULL,
	  "line 1: no blank line after the header" },
	{ "template: bad variable in body", "bad_var", "Subject: x\n\nhello\nDear {{ name }}\n",
	  NULL, NULL, "line 4: '{{' does not start a {{name}}" },
	{ "template: bad variable in subject", "bad_var_subject", "Subject: {{x\n\nb\n", NULL,
	  NULL, "line 1: '{{'" },
	{ "template: not UTF-8", "latin1", "Subject: x\n\nok\nZo\xeb\n", NULL, NULL,
	  "line 4: not UTF-8 text" },
	{ "template: NUL byte", "nul", "Subject: x\n\n\n\nb\0c", NULL, NULL,
	  "line 5: not UTF-8 text" },
	{ "template: path in kind", "../passwd", "Subject: x\n\nb\n", NULL, NULL,
	  "template kind '../passwd': not a template name" },
};

static int template_setup(void **state)
{
	tmpdir = g_dir_make_tmp("cmegw-test-notify-XXXXXX", NULL);
	return tmpdir ? 0 : -1;
}

static int template_teardown(void **state)
{
	g_autoptr(GDir) dir = g_dir_open(tmpdir, 0, NULL);
	const char *name;

	while (dir && (name = g_dir_read_name(dir)) != NULL) {
		g_autofree char *path = g_build_filename(tmpdir, name, NULL);
		g_unlink(path);
	}
	g_rmdir(tmpdir);
	g_clear_pointer(&tmpdir, g_free);
	return 0;
}

static void write_template(const struct template_row *row)
{
	g_autofree char *file = g_strconcat(row->kind, ".txt", NULL);
	g_autofree char *path = g_build_filename(tmpdir, file, NULL);
	/* the NUL row has a byte after the NUL: write through to the last 'c' */
	size_t len = strlen(row->content);

	if (strcmp(row->kind, "nul") == 0)
		len += 2;
	if (strchr(row->kind, '/'))
		return;
	assert_true(g_file_set_contents(path, row->content, len, NULL));
}

static void test_template(void **state)
{
	const struct template_row *row = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(notify_template) tmpl = NULL;

	if (row->content)
		write_template(row);
	tmpl = notify_template_load(tmpdir, row->kind, &error);
	if (row->want_subject) {
		assert_null(error);
		assert_non_null(tmpl);
		assert_string_equal(tmpl->kind, row->kind);
		assert_string_equal(tmpl->subject, row->want_subject);
		assert_string_equal(tmpl->body, row->want_body);
		return;
	}
	assert_null(tmpl);
	assert_non_null(error);
	assert_true(g_error_matches(error, NOTIFY_ERROR, NOTIFY_ERROR_TEMPLATE));
	if (!strchr(row->kind, '/'))
		assert_non_null(strstr(error->message, tmpdir));
	if (!strstr(error->message, row->want_error))
		fail_msg("error '%s' lacks '%s'", error->message, row->want_error);
}

/* ---- composition ---- */

struct compose_row {
	const char *name;
	const char *from_name;
	const char *subject;
	const char *body;
	const char *in_reply_to;
	const char *want_subject;
	const char *want_name;
	const char *want_body;
	const char *want_reply;    /* In-Reply-To and References value */
};

static const struct compose_row compose_rows[] = {
	{ "compose: ascii", "CME Team", "[CME-2025-000123] Referral received",
	  "Dear referrer,\n\nThank you.\n", NULL,
	  "[CME-2025-000123] Referral received", "CME Team", "Dear referrer,\n\nThank you.\n",
	  NULL },
	{ "compose: non-ASCII subject round trip", "Équipe CME, Medway",
	  "[CME-2025-000123] Zoë: référence reçue — ✓", "Zoë Ångström\n",
	  "orig.123@school.example.net",
	  "[CME-2025-000123] Zoë: référence reçue — ✓", "Équipe CME, Medway", "Zoë Ångström\n",
	  "<orig.123@school.example.net>" },
	{ "compose: subject CRLF Bcc injection", NULL,
	  "Referral\r\nBcc: victim@example.org", "b\n", NULL,
	  "Referral Bcc: victim@example.org", NULL, "b\n", NULL },
	{ "compose: subject LF Bcc injection", NULL,
	  "Referral\nBcc: victim@example.org\n", "b\n", NULL,
	  "Referral Bcc: victim@example.org", NULL, "b\n", NULL },
	{ "compose: display name injection", "CME\r\nBcc: victim@example.org", "s", "b\n", NULL,
	  "s", "CME Bcc: victim@example.org", "b\n", NULL },
	{ "compose: in-reply-to injection", NULL, "s", "b\n",
	  "abc@example.net>\r\nBcc: victim@example.org", "s", NULL, "b\n",
	  "<abc@example.net__Bcc__victim>" },
	{ "compose: CRLF and CR body", NULL, "s", "one\r\ntwo\rthree\r\n.dot\r\n", NULL,
	  "s", NULL, "one\ntwo\nthree\n.dot\n", NULL },
	{ "compose: long lines, trailing space, From", NULL, "s",
	  "From the team \nx=y\n"
	  "a long line a long line a long line a long line a long line a long line a long line\n",
	  NULL, "s", NULL,
	  "From the team \nx=y\n"
	  "a long line a long line a long line a long line a long line a long line a long line\n",
	  NULL },
	{ "compose: empty body", NULL, "s", "", NULL, "s", NULL, "", NULL },
};

static GDateTime *test_date(void)
{
	return g_date_time_new_from_iso8601("2025-03-04T09:05:06+01:00", NULL);
}

/* assert_crlf - every line of DATA ends CRLF, is at most 998 octets, and no
 * line starts a Bcc header */
static void assert_crlf(const char *data, gsize len)
{
	gsize start = 0;

	assert_true(len >= 2 && data[len - 2] == '\r' && data[len - 1] == '\n');
	for (gsize i = 0; i < len; i++) {
		if (data[i] != '\n')
			continue;
		assert_true(i > 0 && data[i - 1] == '\r');
		assert_true(i - start <= 999);
		assert_false(g_ascii_strncasecmp(data + start, "bcc:", 4) == 0);
		start = i + 1;
	}
	assert_int_equal(start, len);
}

static GMimeMessage *parse_back(GBytes *bytes)
{
	gsize len;
	const char *data = g_bytes_get_data(bytes, &len);
	GMimeStream *stream = g_mime_stream_mem_new_with_buffer(data, len);
	GMimeParser *parser = g_mime_parser_new_with_stream(stream);
	GMimeMessage *message = g_mime_parser_construct_message(parser, NULL);

	g_object_unref(parser);
	g_object_unref(stream);
	assert_non_null(message);
	return message;
}

static void assert_mailbox(InternetAddressList *list, int i, const char *addr,
			   const char *name)
{
	InternetAddress *ia = internet_address_list_get_address(list, i);

	assert_true(INTERNET_ADDRESS_IS_MAILBOX(ia));
	assert_string_equal(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia)),
			    addr);
	if (name)
		assert_string_equal(internet_address_get_name(ia), name);
	else
		assert_true(!internet_address_get_name(ia) || !*internet_address_get_name(ia));
}

static void assert_body(GMimeMessage *message, const char *want)
{
	GMimeObject *body = g_mime_message_get_mime_part(message);
	GMimeContentType *type;
	g_autofree char *text = NULL;
	g_autofree char *want_crlf = NULL;
	g_auto(GStrv) crlf = NULL;

	assert_true(GMIME_IS_TEXT_PART(body));
	type = g_mime_object_get_content_type(body);
	assert_true(g_mime_content_type_is_type(type, "text", "plain"));
	assert_string_equal(g_mime_content_type_get_parameter(type, "charset"), "utf-8");
	assert_int_equal(g_mime_part_get_content_encoding(GMIME_PART(body)),
			 GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
	/* decoded from the wire, so in CRLF */
	text = g_mime_text_part_get_text(GMIME_TEXT_PART(body));
	crlf = g_strsplit(want, "\n", -1);
	want_crlf = g_strjoinv("\r\n", crlf);
	assert_string_equal(text, want_crlf);
}

static void assert_headers(GMimeMessage *m, const struct compose_row *row, GDateTime *date)
{
	GMimeObject *o = GMIME_OBJECT(m);

	assert_int_equal(internet_address_list_length(g_mime_message_get_from(m)), 1);
	assert_mailbox(g_mime_message_get_from(m), 0, "cme@example.org", row->want_name);
	assert_int_equal(internet_address_list_length(g_mime_message_get_to(m)), 2);
	assert_mailbox(g_mime_message_get_to(m), 0, "team@example.org", NULL);
	assert_mailbox(g_mime_message_get_to(m), 1, "hub@example.net", NULL);
	assert_int_equal(internet_address_list_length(g_mime_message_get_bcc(m)), 0);
	assert_null(g_mime_object_get_header(o, "Bcc"));
	assert_string_equal(g_mime_message_get_subject(m), row->want_subject);
	assert_string_equal(g_mime_message_get_message_id(m), "id.1@cmegw.example.org");
	assert_int_equal(g_date_time_to_unix(g_mime_message_get_date(m)),
			 g_date_time_to_unix(date));
	assert_string_equal(g_mime_object_get_header(o, "Auto-Submitted"), "auto-generated");
	assert_string_equal(g_mime_object_get_header(o, "MIME-Version"), "1.0");
	if (row->want_reply) {
		assert_string_equal(g_mime_object_get_header(o, "In-Reply-To"), row->want_reply);
		assert_string_equal(g_mime_object_get_header(o, "References"), row->want_reply);
	} else {
		assert_null(g_mime_object_get_header(o, "In-Reply-To"));
		assert_null(g_mime_object_get_header(o, "References"));
	}
}

static void test_compose(void **state)
{
	const struct compose_row *row = *state;
	char *to[] = { (char *)"team@example.org", (char *)"hub@example.net", NULL };
	g_autoptr(GDateTime) date = test_date();
	struct notify_mail mail = {
		.from = "cme@example.org", .from_name = row->from_name, .to = to,
		.subject = row->subject, .body = row->body, .message_id = "id.1@cmegw.example.org",
		.in_reply_to = row->in_reply_to, .date = date,
	};
	g_autoptr(GBytes) bytes = notify_compose(&mail);
	GMimeMessage *message;
	gsize len;
	const char *data = g_bytes_get_data(bytes, &len);

	assert_crlf(data, len);
	message = parse_back(bytes);
	assert_headers(message, row, date);
	assert_body(message, row->want_body);
	g_object_unref(message);
}

static void test_message_id(void **state)
{
	g_autoptr(GDateTime) date = test_date();
	g_autofree char *a = notify_message_id("cmegw.example.org", date);
	g_autofree char *b = notify_message_id("cmegw.example.org", date);

	assert_true(g_regex_match_simple("^[0-9a-f]{32}\\.20250304080506@cmegw\\.example\\.org$",
					 a, 0, 0));
	assert_string_not_equal(a, b);
}

/* ---- capture sender ---- */

static void test_capture(void **state)
{
	char *to[] = { (char *)"team@example.org", NULL };
	g_autoptr(notify_sender) sender = notify_capture_new(2);
	GBytes *message = g_bytes_new("hello\r\n", 7);
	g_autoptr(GError) error = NULL;
	const char *from;
	char **got_to;
	gsize len;

	for (int i = 0; i < 2; i++) {
		assert_false(notify_sender_send(sender, "cme@example.org", to, message, &error));
		assert_true(g_error_matches(error, NOTIFY_ERROR, NOTIFY_ERROR_TRANSIENT));
		g_clear_error(&error);
		assert_int_equal(notify_capture_messages(sender)->len, 0);
	}
	assert_true(notify_sender_send(sender, "cme@example.org", to, message, &error));
	assert_null(error);
	g_bytes_unref(message);   /* the sender kept its own copy */

	assert_int_equal(notify_capture_messages(sender)->len, 1);
	assert_memory_equal(g_bytes_get_data(g_ptr_array_index(notify_capture_messages(sender), 0),
					     &len), "hello\r\n", 7);
	assert_int_equal(len, 7);
	assert_true(notify_capture_envelope(sender, 0, &from, &got_to));
	assert_string_equal(from, "cme@example.org");
	assert_string_equal(got_to[0], "team@example.org");
	assert_null(got_to[1]);
	assert_false(notify_capture_envelope(sender, 1, NULL, NULL));
	assert_int_equal(notify_capture_attempts(sender), 3);
}

static void test_capture_refuses(void **state)
{
	char *none[] = { NULL };
	g_autoptr(notify_sender) sender = notify_capture_new(0);
	g_autoptr(GBytes) message = g_bytes_new("x\r\n", 3);
	g_autoptr(GError) error = NULL;

	assert_false(notify_sender_send(sender, "cme@example.org", none, message, &error));
	assert_true(g_error_matches(error, NOTIFY_ERROR, NOTIFY_ERROR_PERMANENT));
	assert_int_equal(notify_capture_messages(sender)->len, 0);
	notify_sender_free(NULL);
}

/* ---- SMTP sender: a scripted responder on loopback ---- */

struct fake_script {
	const char *greeting;   /* NULL: defaults below */
	const char *ehlo;
	const char *auth;
	const char *mail;
	const char *rcpt;
	const char *data;
	const char *eod;
};

struct fake_server {
	const struct fake_script *script;
	int fd;
	int port;
	GThread *thread;
	GString *commands;   /* every line the client sent outside DATA */
	GString *data;       /* the DATA lines as received (dot-stuffed) */
};

#define OR(a, b) ((a) ? (a) : (b))

static int listen_loopback(int *port_r)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	*port_r = ntohs(sa.sin_port);
	return fd;
}

static bool read_line(int fd, char *line, size_t size)
{
	size_t n = 0;
	char c;

	while (read(fd, &c, 1) == 1) {
		if (c == '\n') {
			if (n > 0 && line[n - 1] == '\r')
				n--;
			line[n] = '\0';
			return true;
		}
		if (n + 1 < size)
			line[n++] = c;
	}
	return false;
}

static void say(int fd, const char *reply)
{
	g_autofree char *line = g_strconcat(reply, "\r\n", NULL);

	if (write(fd, line, strlen(line)) < 0)
		return;
}

static void fake_data(struct fake_server *f, int c)
{
	char line[2048];

	while (read_line(c, line, sizeof(line)) && strcmp(line, ".") != 0)
		g_string_append_printf(f->data, "%s\r\n", line);
}

static bool fake_command(struct fake_server *f, int c, const char *line)
{
	const struct fake_script *s = f->script;
	char more[1024];

	if (!g_ascii_strncasecmp(line, "EHLO", 4)) {
		say(c, OR(s->ehlo, "250-fake.test\r\n250-8BITMIME\r\n250 AUTH PLAIN"));
	} else if (!g_ascii_strncasecmp(line, "AUTH", 4)) {
		if (!strchr(line + 5, ' ')) {
			say(c, "334 ");
			if (read_line(c, more, sizeof(more)))
				g_string_append_printf(f->commands, "%s\n", more);
		}
		say(c, OR(s->auth, "235 2.7.0 ok"));
	} else if (!g_ascii_strncasecmp(line, "MAIL", 4)) {
		say(c, OR(s->mail, "250 2.1.0 ok"));
	} else if (!g_ascii_strncasecmp(line, "RCPT", 4)) {
		say(c, OR(s->rcpt, "250 2.1.5 ok"));
	} else if (!g_ascii_strncasecmp(line, "DATA", 4)) {
		say(c, OR(s->data, "354 go ahead"));
		if (OR(s->data, "3")[0] == '3') {
			fake_data(f, c);
			say(c, OR(s->eod, "250 2.0.0 queued"));
		}
	} else if (!g_ascii_strncasecmp(line, "QUIT", 4)) {
		say(c, "221 bye");
		return false;
	} else {
		say(c, "250 ok");
	}
	return true;
}

static gpointer fake_serve(gpointer p)
{
	struct fake_server *f = p;
	struct pollfd pfd = { .fd = f->fd, .events = POLLIN };
	struct timeval tv = { .tv_sec = 10 };
	char line[1024];
	int c;

	if (poll(&pfd, 1, 10000) != 1 || (c = accept(f->fd, NULL, NULL)) < 0)
		return NULL;
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	say(c, OR(f->script->greeting, "220 fake.test ESMTP"));
	while (read_line(c, line, sizeof(line))) {
		g_string_append_printf(f->commands, "%s\n", line);
		if (!fake_command(f, c, line))
			break;
	}
	close(c);
	return NULL;
}

static void fake_start(struct fake_server *f, const struct fake_script *script)
{
	f->script = script;
	f->commands = g_string_new(NULL);
	f->data = g_string_new(NULL);
	f->fd = listen_loopback(&f->port);
	f->thread = g_thread_new("fake-smtp", fake_serve, f);
}

/* fake_join - wait for the responder to finish: its buffers are complete */
static void fake_join(struct fake_server *f)
{
	g_clear_pointer(&f->thread, g_thread_join);
}

static void fake_free(struct fake_server *f)
{
	fake_join(f);
	close(f->fd);
	g_string_free(f->commands, TRUE);
	g_string_free(f->data, TRUE);
}

/* undot - DATA as sent on the wire, with SMTP dot-stuffing undone */
static char *undot(const char *data)
{
	GString *out = g_string_new(NULL);
	bool line_start = true;

	for (const char *p = data; *p; p++) {
		if (line_start && p[0] == '.' && p[1] == '.')
			p++;
		g_string_append_c(out, *p);
		line_start = *p == '\n';
	}
	return g_string_free(out, FALSE);
}

struct smtp_row {
	const char *name;
	enum notify_security security;
	const char *user;
	struct fake_script script;
	bool ok;
	enum notify_error_code code;
	const char *want_error;
};

#define SECRET "s3cret-Pa55"

static const struct smtp_row smtp_rows[] = {
	{ "smtp: plain text delivery, dot-stuffed", NOTIFY_SECURITY_NONE, NULL, { 0 }, true, 0,
	  NULL },
	{ "smtp: plain text with AUTH", NOTIFY_SECURITY_NONE, "cme", { 0 }, true, 0, NULL },
	{ "smtp: STARTTLS required but not offered", NOTIFY_SECURITY_STARTTLS, NULL, { 0 },
	  false, NOTIFY_ERROR_TLS, "tls failed" },
	{ "smtp: 421 greeting", NOTIFY_SECURITY_NONE, NULL,
	  { .greeting = "421 4.3.2 try later" }, false, NOTIFY_ERROR_TRANSIENT, "421" },
	{ "smtp: 554 greeting", NOTIFY_SECURITY_NONE, NULL,
	  { .greeting = "554 5.7.1 go away" }, false, NOTIFY_ERROR_PERMANENT, "554" },
	{ "smtp: 451 to MAIL", NOTIFY_SECURITY_NONE, NULL,
	  { .mail = "451 4.3.0 busy" }, false, NOTIFY_ERROR_TRANSIENT, "451" },
	{ "smtp: 450 to RCPT", NOTIFY_SECURITY_NONE, NULL,
	  { .rcpt = "450 4.2.1 mailbox busy" }, false, NOTIFY_ERROR_TRANSIENT, "450" },
	{ "smtp: 550 to RCPT", NOTIFY_SECURITY_NONE, NULL,
	  { .rcpt = "550 5.1.1 no such user" }, false, NOTIFY_ERROR_PERMANENT, "550" },
	{ "smtp: 554 to DATA", NOTIFY_SECURITY_NONE, NULL,
	  { .data = "554 5.5.1 no valid recipients" }, false, NOTIFY_ERROR_PERMANENT, "554" },
	{ "smtp: 452 after the data", NOTIFY_SECURITY_NONE, NULL,
	  { .eod = "452 4.3.1 queue full" }, false, NOTIFY_ERROR_TRANSIENT, "452" },
	{ "smtp: 552 after the data", NOTIFY_SECURITY_NONE, NULL,
	  { .eod = "552 5.3.4 too big" }, false, NOTIFY_ERROR_PERMANENT, "552" },
	{ "smtp: 535 to AUTH", NOTIFY_SECURITY_NONE, "cme",
	  { .auth = "535 5.7.8 bad credentials" }, false, NOTIFY_ERROR_AUTH, "login refused" },
	{ "smtp: 454 to AUTH", NOTIFY_SECURITY_NONE, "cme",
	  { .auth = "454 4.7.0 try later" }, false, NOTIFY_ERROR_TRANSIENT, "454" },
	/* curl sends without AUTH when the server offers none; Postfix offers
	 * AUTH only after STARTTLS, so that case is the plain-text one */
	{ "smtp: AUTH configured, none offered: sent", NOTIFY_SECURITY_NONE, "cme",
	  { .ehlo = "250 fake.test" }, true, 0, NULL },
};

static GBytes *test_message(void)
{
	char *to[] = { (char *)"team@example.org", NULL };
	g_autoptr(GDateTime) date = test_date();
	struct notify_mail mail = {
		.from = "cme@example.org", .to = to, .subject = "[CME-2025-000123] test",
		.body = "Dear team,\n.\n..two dots\nconfidential body text\n",
		.message_id = "id.2@cmegw.example.org", .date = date,
	};

	return notify_compose(&mail);
}

static void assert_clean_error(const GError *error)
{
	assert_null(strstr(error->message, SECRET));
	assert_null(strstr(error->message, "confidential"));
	assert_true(g_ascii_islower(error->message[0]));
}

static void assert_delivered(const struct fake_server *f, GBytes *message)
{
	g_autofree char *got = undot(f->data->str);
	gsize len;
	const char *want = g_bytes_get_data(message, &len);

	assert_int_equal(strlen(got), len);
	assert_memory_equal(got, want, len);
	assert_non_null(strstr(f->commands->str, "MAIL FROM:<cme@example.org>"));
	assert_non_null(strstr(f->commands->str, "RCPT TO:<team@example.org>\n"));
	assert_non_null(strstr(f->commands->str, "RCPT TO:<hub@example.net>\n"));
}

static void test_smtp(void **state)
{
	const struct smtp_row *row = *state;
	char *to[] = { (char *)"team@example.org", (char *)"hub@example.net", NULL };
	struct fake_server f;
	g_autofree char *url = NULL;
	g_autoptr(notify_sender) sender = NULL;
	g_autoptr(GBytes) message = test_message();
	g_autoptr(GError) error = NULL;
	bool ok;

	fake_start(&f, &row->script);
	url = g_strdup_printf("smtp://127.0.0.1:%d", f.port);
	sender = notify_smtp_new(&(struct notify_smtp_params){
		.url = url, .security = row->security, .user = row->user,
		.password = row->user ? SECRET : NULL, .timeout_seconds = 5 });
	ok = notify_sender_send(sender, "cme@example.org", to, message, &error);
	fake_join(&f);
	if (row->ok) {
		if (!ok)
			fail_msg("send failed: %s", error->message);
		assert_delivered(&f, message);
		if (row->user && !row->script.ehlo)
			assert_non_null(strstr(f.commands->str, "AUTH PLAIN"));
		else
			assert_null(strstr(f.commands->str, "AUTH"));
		fake_free(&f);
		return;
	}
	assert_false(ok);
	assert_non_null(error);
	assert_clean_error(error);
	if (!g_error_matches(error, NOTIFY_ERROR, row->code) ||
	    !strstr(error->message, row->want_error))
		fail_msg("got code %d '%s', want code %d and '%s'", error->code, error->message,
			 row->code, row->want_error);
	fake_free(&f);
}

/* closed_port - a loopback port nobody listens on (bound, then closed) */
static int closed_port(void)
{
	int port;
	int fd = listen_loopback(&port);

	close(fd);
	return port;
}

struct smtp_local_row {
	const char *name;
	const char *url;           /* PORT: a closed loopback port */
	enum notify_security security;
	const char *from;
	const char *to;            /* NULL: no recipients */
	enum notify_error_code code;
	const char *want_error;
};

static const struct smtp_local_row smtp_local_rows[] = {
	{ "smtp: closed port is transient", "smtp://127.0.0.1:PORT", NOTIFY_SECURITY_STARTTLS,
	  "cme@example.org", "team@example.org", NOTIFY_ERROR_TRANSIENT, "temporary failure" },
	{ "smtp: smtps url with starttls", "smtps://127.0.0.1:PORT", NOTIFY_SECURITY_STARTTLS,
	  "cme@example.org", "team@example.org", NOTIFY_ERROR_PERMANENT,
	  "does not match security starttls" },
	{ "smtp: smtp url with tls", "smtp://127.0.0.1:PORT", NOTIFY_SECURITY_TLS,
	  "cme@example.org", "team@example.org", NOTIFY_ERROR_PERMANENT,
	  "does not match security tls" },
	{ "smtp: other scheme", "http://127.0.0.1:PORT", NOTIFY_SECURITY_NONE,
	  "cme@example.org", "team@example.org", NOTIFY_ERROR_PERMANENT, "does not match" },
	{ "smtp: unparsable url", "smtp://[PORT", NOTIFY_SECURITY_NONE,
	  "cme@example.org", "team@example.org", NOTIFY_ERROR_PERMANENT, "cannot parse" },
	{ "smtp: credentials in url not shown", "smtp://cme:" SECRET "@127.0.0.1:PORT",
	  NOTIFY_SECURITY_NONE, "cme@example.org", "team@example.org", NOTIFY_ERROR_TRANSIENT,
	  "smtp 'smtp://127.0.0.1:" },
	{ "smtp: recipient with CRLF", "smtp://127.0.0.1:PORT", NOTIFY_SECURITY_NONE,
	  "cme@example.org", "team@example.org>\r\nRCPT TO:<victim@example.org",
	  NOTIFY_ERROR_PERMANENT, "not a plain email address" },
	{ "smtp: sender with space", "smtp://127.0.0.1:PORT", NOTIFY_SECURITY_NONE,
	  "cme @example.org", "team@example.org", NOTIFY_ERROR_PERMANENT,
	  "sender 'cme @example.org'" },
	{ "smtp: no recipients", "smtp://127.0.0.1:PORT", NOTIFY_SECURITY_NONE,
	  "cme@example.org", NULL, NOTIFY_ERROR_PERMANENT, "no recipients" },
};

static void test_smtp_local(void **state)
{
	const struct smtp_local_row *row = *state;
	char *to[] = { (char *)row->to, NULL };
	g_autofree char *port = g_strdup_printf("%d", closed_port());
	GString *url_s = g_string_new(row->url);
	g_autofree char *url = (g_string_replace(url_s, "PORT", port, 0),
				g_string_free(url_s, FALSE));
	g_autoptr(notify_sender) sender = NULL;
	g_autoptr(GBytes) message = test_message();
	g_autoptr(GError) error = NULL;
	gint64 start = g_get_monotonic_time();

	sender = notify_smtp_new(&(struct notify_smtp_params){
		.url = url, .security = row->security, .user = "cme", .password = SECRET,
		.timeout_seconds = 5 });
	assert_false(notify_sender_send(sender, row->from, to, message, &error));
	assert_true(g_get_monotonic_time() - start < 3 * G_USEC_PER_SEC);
	assert_non_null(error);
	assert_clean_error(error);
	if (!g_error_matches(error, NOTIFY_ERROR, row->code) ||
	    !strstr(error->message, row->want_error))
		fail_msg("got code %d '%s', want code %d and '%s'", error->code, error->message,
			 row->code, row->want_error);
}

/* a server that accepts (the kernel does, from the backlog) and never greets */
static void test_smtp_silent(void **state)
{
	char *to[] = { (char *)"team@example.org", NULL };
	int port;
	int fd = listen_loopback(&port);
	g_autofree char *url = g_strdup_printf("smtp://127.0.0.1:%d", port);
	g_autoptr(notify_sender) sender = notify_smtp_new(&(struct notify_smtp_params){
		.url = url, .security = NOTIFY_SECURITY_STARTTLS, .timeout_seconds = 1 });
	g_autoptr(GBytes) message = test_message();
	g_autoptr(GError) error = NULL;
	gint64 start = g_get_monotonic_time();

	assert_false(notify_sender_send(sender, "cme@example.org", to, message, &error));
	close(fd);
	assert_true(g_get_monotonic_time() - start < 4 * G_USEC_PER_SEC);
	if (!g_error_matches(error, NOTIFY_ERROR, NOTIFY_ERROR_TRANSIENT))
		fail_msg("got code %d '%s'", error->code, error->message);
}

/* ---- the runner: one cmocka test per row ---- */

#define ADD_ROWS(tests, rows, fn) \
	for (size_t i_ = 0; i_ < G_N_ELEMENTS(rows); i_++) \
		add_test(tests, (rows)[i_].name, fn, &(rows)[i_], NULL, NULL)

static void add_test(GArray *tests, const char *name, CMUnitTestFunction fn,
		     const void *row, CMFixtureFunction setup, CMFixtureFunction teardown)
{
	struct CMUnitTest t = {
		.name = name, .test_func = fn, .setup_func = setup,
		.teardown_func = teardown, .initial_state = (void *)row,
	};

	g_array_append_val(tests, t);
}

int main(void)
{
	g_autoptr(GArray) tests = g_array_new(FALSE, TRUE, sizeof(struct CMUnitTest));
	int failed;

	g_mime_init();
	ADD_ROWS(tests, render_rows, test_render);
	add_test(tests, "render: no variables table", test_render_no_vars, NULL, NULL, NULL);
	ADD_ROWS(tests, template_rows, test_template);
	ADD_ROWS(tests, compose_rows, test_compose);
	add_test(tests, "message id", test_message_id, NULL, NULL, NULL);
	add_test(tests, "capture: fail_first", test_capture, NULL, NULL, NULL);
	add_test(tests, "capture: refuses no recipients", test_capture_refuses, NULL, NULL, NULL);
	ADD_ROWS(tests, smtp_rows, test_smtp);
	ADD_ROWS(tests, smtp_local_rows, test_smtp_local);
	add_test(tests, "smtp: silent server times out, transient", test_smtp_silent, NULL, NULL,
		 NULL);

	failed = _cmocka_run_group_tests("notify", (struct CMUnitTest *)tests->data, tests->len,
					 template_setup, template_teardown);
	g_mime_shutdown();
	return failed;
}
