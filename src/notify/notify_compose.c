/* notify_compose.c - build an outgoing message with GMime.
 *
 * Every header value passes through notify_header_line first: the callers
 * promise one-line values, but a value that breaks that promise must not be
 * able to add a header (Bcc: injection) to mail we send.
 */
#include <string.h>
#include <unistd.h>
#include <gmime/gmime.h>

#include "notify/notify.h"

/* gmime_init_once - g_mime_init on first use, whoever calls first */
static void gmime_init_once(void)
{
	static gsize done;

	if (g_once_init_enter(&done)) {
		g_mime_init();
		g_once_init_leave(&done, 1);
	}
}

/* add_mailbox - append NAME <ADDR> to LIST, both cleaned for a header */
static void add_mailbox(InternetAddressList *list, const char *name, const char *addr)
{
	g_autofree char *clean_name = name ? notify_header_line(name) : NULL;
	g_autofree char *clean_addr = notify_header_line(addr);
	InternetAddress *ia;

	/* the address has no room for spaces: drop what cleaning left */
	g_strdelimit(clean_addr, " ", '_');
	ia = internet_address_mailbox_new(clean_name && *clean_name ? clean_name : NULL,
					  clean_addr);
	internet_address_list_add(list, ia);
	g_object_unref(ia);
}

/* set_id_header - HEADER: <ID> on MESSAGE, ID cleaned */
static void set_id_header(GMimeMessage *message, const char *header, const char *id)
{
	g_autofree char *clean = notify_header_line(id);
	g_autofree char *value = NULL;

	/* keep the dot-atom characters of a msg-id (RFC 5322 3.6.4) and '@' */
	for (char *p = clean; *p; p++)
		if (!g_ascii_isalnum(*p) && !strchr("!#$%&'*+-/=?^_`{|}~.@", *p))
			*p = '_';
	value = g_strdup_printf("<%s>", clean);
	g_mime_object_set_header(GMIME_OBJECT(message), header, value, NULL);
}

/* body_lf - TEXT with CRLF and lone CR made LF: the encoder then sees plain
 * lines, and the CRLF filter on output makes every line end CRLF */
static char *body_lf(const char *text)
{
	GString *out = g_string_sized_new(strlen(text) + 1);

	for (const char *p = text; *p; p++) {
		if (*p == '\r') {
			g_string_append_c(out, '\n');
			if (p[1] == '\n')
				p++;
		} else {
			g_string_append_c(out, *p);
		}
	}
	return g_string_free(out, FALSE);
}

/* text_part - a text/SUBTYPE; charset=utf-8 part in quoted-printable */
static GMimePart *text_part(const char *subtype, const char *body)
{
	g_autofree char *valid = g_utf8_make_valid(body ? body : "", -1);
	g_autofree char *text = body_lf(valid);
	GMimeTextPart *part = g_mime_text_part_new_with_subtype(subtype);
	GMimeStream *stream;
	GMimeDataWrapper *content;

	/* not g_mime_text_part_set_text: it picks a "best" charset, and we
	 * promise utf-8 */
	stream = g_mime_stream_mem_new_with_buffer(text, strlen(text));
	content = g_mime_data_wrapper_new_with_stream(stream, GMIME_CONTENT_ENCODING_DEFAULT);
	g_mime_part_set_content(GMIME_PART(part), content);
	g_object_unref(content);
	g_object_unref(stream);
	g_mime_object_set_content_type_parameter(GMIME_OBJECT(part), "charset", "utf-8");
	g_mime_part_set_content_encoding(GMIME_PART(part),
					 GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
	return GMIME_PART(part);
}

/* build_message - the GMimeMessage for MAIL */
static GMimeMessage *build_message(const struct notify_mail *mail)
{
	GMimeMessage *message = g_mime_message_new(TRUE);
	g_autofree char *subject = notify_header_line(mail->subject);
	GMimePart *part;

	add_mailbox(g_mime_message_get_from(message), mail->from_name, mail->from);
	for (char **to = mail->to; to && *to; to++)
		add_mailbox(g_mime_message_get_to(message), NULL, *to);
	g_mime_message_set_subject(message, subject, "utf-8");
	g_mime_message_set_date(message, mail->date);
	set_id_header(message, "Message-ID", mail->message_id);
	if (mail->in_reply_to && *mail->in_reply_to) {
		set_id_header(message, "In-Reply-To", mail->in_reply_to);
		set_id_header(message, "References", mail->in_reply_to);
	}
	g_mime_object_set_header(GMIME_OBJECT(message), "MIME-Version", "1.0", NULL);
	g_mime_object_set_header(GMIME_OBJECT(message), "Auto-Submitted", "auto-generated",
				 NULL);
	/* Exchange/Outlook: no out-of-office or other auto-reply to this */
	g_mime_object_set_header(GMIME_OBJECT(message), "X-Auto-Response-Suppress", "All", NULL);
	part = text_part("plain", mail->body);
	if (mail->html) {
		GMimeMultipart *alt = g_mime_multipart_new_with_subtype("alternative");
		GMimePart *html = text_part("html", mail->html);

		g_mime_multipart_add(alt, GMIME_OBJECT(part));
		g_mime_multipart_add(alt, GMIME_OBJECT(html));
		g_object_unref(html);
		g_mime_message_set_mime_part(message, GMIME_OBJECT(alt));
		g_object_unref(alt);
	} else {
		g_mime_message_set_mime_part(message, GMIME_OBJECT(part));
	}
	g_object_unref(part);
	return message;
}

/* to_crlf_bytes - MESSAGE written out with CRLF line ends */
static GBytes *to_crlf_bytes(GMimeMessage *message)
{
	GMimeStream *mem = g_mime_stream_mem_new();
	GMimeStream *filtered = g_mime_stream_filter_new(mem);
	GMimeFilter *crlf = g_mime_filter_unix2dos_new(TRUE);
	GByteArray *array;
	GBytes *bytes;

	g_mime_stream_filter_add(GMIME_STREAM_FILTER(filtered), crlf);
	g_object_unref(crlf);
	g_mime_object_write_to_stream(GMIME_OBJECT(message), NULL, filtered);
	g_mime_stream_flush(filtered);
	g_object_unref(filtered);

	array = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	bytes = g_bytes_new(array->data, array->len);
	g_object_unref(mem);
	return bytes;
}

GBytes *notify_compose(const struct notify_mail *mail)
{
	GMimeMessage *message;
	GBytes *bytes;

	g_return_val_if_fail(mail != NULL && mail->from != NULL, NULL);
	g_return_val_if_fail(mail->message_id != NULL && mail->date != NULL, NULL);

	gmime_init_once();
	message = build_message(mail);
	bytes = to_crlf_bytes(message);
	g_object_unref(message);
	return bytes;
}

/* random_hex - 128 random bits as hex: g_random's output mixed with the
 * clock and pid through SHA-256, so two processes seeded alike still differ */
static char *random_hex(void)
{
	g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
	guint32 words[8];
	gint64 clock[2] = { g_get_real_time(), g_get_monotonic_time() };
	pid_t pid = getpid();

	for (size_t i = 0; i < G_N_ELEMENTS(words); i++)
		words[i] = g_random_int();
	g_checksum_update(sum, (const guchar *)words, sizeof(words));
	g_checksum_update(sum, (const guchar *)clock, sizeof(clock));
	g_checksum_update(sum, (const guchar *)&pid, sizeof(pid));
	return g_strndup(g_checksum_get_string(sum), 32);
}

char *notify_message_id(const char *domain, GDateTime *now)
{
	g_autofree char *random = NULL;
	g_autoptr(GDateTime) utc = NULL;
	g_autofree char *stamp = NULL;

	g_return_val_if_fail(domain != NULL && *domain != '\0' && now != NULL, NULL);

	random = random_hex();
	utc = g_date_time_to_utc(now);
	stamp = g_date_time_format(utc, "%Y%m%d%H%M%S");
	return g_strdup_printf("%s.%s@%s", random, stamp, domain);
}
