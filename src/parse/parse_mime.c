/* parse_mime.c - the MIME walk: every part decoded once, under the limits;
 * text and attachments kept for the form readers, a bounce's report and
 * original headers kept for parse_bounce.c */
#include <string.h>
#include <gmime/gmime.h>

#include "parse/parse_p.h"

static void text_free(gpointer p)
{
	struct parse_text *t = p;

	g_free(t->data);
	g_free(t->name);
	g_free(t);
}

void parse_walk_init(struct parse_walk *w, const struct parse_limits *limits)
{
	memset(w, 0, sizeof *w);
	w->limits = limits;
	w->texts = g_ptr_array_new_with_free_func(text_free);
	w->dsn = g_string_new(NULL);
}

void parse_walk_clear(struct parse_walk *w)
{
	g_ptr_array_unref(w->texts);
	g_string_free(w->dsn, TRUE);
	g_free(w->limit);
	g_free(w->bounced_ref);
	g_free(w->bounced_id);
	g_free(w->inner_from);
	g_free(w->inner_name);
	memset(w, 0, sizeof *w);
}

/* over - note the first limit hit; the walk stops there */
static void over(struct parse_walk *w, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void over(struct parse_walk *w, const char *fmt, ...)
{
	va_list ap;

	if (w->limit != NULL)
		return;
	va_start(ap, fmt);
	w->limit = g_strdup_vprintf(fmt, ap);
	va_end(ap);
}

/* Converters to UTF-8, each thread its own (an iconv holds state): opening
 * one for each part costs more than converting the part. */
static void converters_free(gpointer p)
{
	g_hash_table_unref(p);
}

static void converter_close(gpointer p)
{
	g_iconv_close((GIConv)p);
}

#define MAX_CONVERTERS 32

static GPrivate converters_key = G_PRIVATE_INIT(converters_free);

/* convert - LEN bytes of DATA from charset FROM to UTF-8, NULL when they
 * cannot be (g_convert, with the converter kept) */
static char *convert(const char *data, gsize len, const char *from)
{
	GHashTable *open = g_private_get(&converters_key);
	GIConv cd;

	if (open == NULL) {
		open = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, converter_close);
		g_private_set(&converters_key, open);
	}
	cd = g_hash_table_lookup(open, from);
	if (cd == NULL) {
		char *out;

		cd = g_iconv_open("UTF-8", from);
		if (cd == (GIConv)-1)
			return NULL;
		if (g_hash_table_size(open) < MAX_CONVERTERS) {
			g_hash_table_insert(open, g_strdup(from), cd);
		} else {   /* a mix of charsets no real mail has: not kept */
			out = g_convert_with_iconv(data, (gssize)len, cd, NULL, NULL, NULL);
			g_iconv_close(cd);
			return out;
		}
	}
	g_iconv(cd, NULL, NULL, NULL, NULL);   /* from the initial state */
	return g_convert_with_iconv(data, (gssize)len, cd, NULL, NULL, NULL);
}

/* to_utf8 - decoded BYTES in CHARSET (NULL: undeclared) -> UTF-8, taking
 * BYTES; a charset iconv cannot convert falls back to UTF-8, then
 * Windows-1252, then the valid bytes, so one bad part never loses the rest
 * of the message. UTF-8 and ASCII, nearly all mail, are not copied. */
static char *to_utf8(GByteArray *bytes, const char *charset)
{
	char *data, *out;
	gsize len = bytes->len;

	for (guint i = 0; i < bytes->len; i++)
		if (bytes->data[i] == '\0')
			bytes->data[i] = ' ';
	g_byte_array_append(bytes, (const guint8 *)"", 1);   /* a terminated string */
	data = (char *)bytes->data;
	if (len == 0) {
		g_byte_array_unref(bytes);
		return g_strdup("");
	}
	if (charset != NULL && g_ascii_strcasecmp(charset, "utf-8") != 0 &&
	    g_ascii_strcasecmp(charset, "us-ascii") != 0) {
		const char *name = g_mime_charset_iconv_name(charset);

		/* the web's rule: text labelled Latin-1 is read as Windows-1252 */
		if (g_ascii_strcasecmp(charset, "iso-8859-1") == 0 ||
		    g_ascii_strcasecmp(charset, "latin1") == 0)
			name = "WINDOWS-1252";

		out = convert(data, len, name != NULL ? name : charset);
		if (out != NULL && g_utf8_validate(out, -1, NULL)) {
			g_byte_array_unref(bytes);
			return out;
		}
		g_free(out);
	}
	if (g_utf8_validate(data, (gssize)len, NULL))
		return (char *)g_byte_array_free(bytes, FALSE);
	out = convert(data, len, "WINDOWS-1252");
	if (out == NULL || !g_utf8_validate(out, -1, NULL)) {
		g_free(out);
		out = g_utf8_make_valid(data, (gssize)len);
	}
	g_byte_array_unref(bytes);
	return out;
}

/* content_view - decode DW's content straight from the message's memory, as
 * GMime's own data wrapper does but without its stream and filter objects
 * for each part: a parser over a memory stream keeps each part's content as
 * a view of that memory. NULL when the content is not such a view, or in an
 * encoding left to GMime's filters (uuencode). */
static GByteArray *content_view(GMimeDataWrapper *dw)
{
	GMimeStream *s = dw->stream;
	GMimeContentEncoding enc = dw->encoding;
	const GByteArray *all;
	gint64 start, end;
	GMimeEncoding state;
	GByteArray *out;
	size_t n, k;

	if (s == NULL || !GMIME_IS_STREAM_MEM(s) || (all = GMIME_STREAM_MEM(s)->buffer) == NULL)
		return NULL;
	start = s->bound_start;
	end = s->bound_end != -1 ? s->bound_end : (gint64)all->len;
	if (start < 0 || start > end || end > (gint64)all->len)
		return NULL;
	n = (size_t)(end - start);
	out = g_byte_array_new();
	switch (enc) {
	case GMIME_CONTENT_ENCODING_BASE64:
	case GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE:
		g_mime_encoding_init_decode(&state, enc);
		/* room for to_utf8's terminator too */
		g_byte_array_set_size(out, (guint)g_mime_encoding_outlen(&state, n) + 1);
		k = g_mime_encoding_step(&state, (const char *)all->data + start, n,
					 (char *)out->data);
		k += g_mime_encoding_flush(&state, "", 0, (char *)out->data + k);
		g_byte_array_set_size(out, (guint)k);
		return out;
	case GMIME_CONTENT_ENCODING_DEFAULT:
	case GMIME_CONTENT_ENCODING_7BIT:
	case GMIME_CONTENT_ENCODING_8BIT:
	case GMIME_CONTENT_ENCODING_BINARY:
		g_byte_array_set_size(out, (guint)n + 1);
		memcpy(out->data, all->data + start, n);
		g_byte_array_set_size(out, (guint)n);
		return out;
	default:
		g_byte_array_unref(out);
		return NULL;
	}
}

/* part_bytes - a part's content with the transfer encoding undone, checked
 * against the attachment and decoded-size limits; NULL when over one or
 * unreadable. The encoded bytes bound what is decoded, and they are within
 * max_message_bytes, so memory stays bounded. */
static GByteArray *part_bytes(struct parse_walk *w, GMimePart *part)
{
	GMimeDataWrapper *dw = g_mime_part_get_content(part);
	const struct parse_limits *l = w->limits;
	GByteArray *bytes;

	if (dw == NULL)
		return NULL;
	if ((bytes = content_view(dw)) == NULL) {
		GMimeStream *mem = g_mime_stream_mem_new();

		if (g_mime_data_wrapper_write_to_stream(dw, mem) < 0) {
			g_object_unref(mem);
			return NULL;
		}
		bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
		g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(mem), FALSE);   /* the array is ours */
		g_object_unref(mem);
	}
	if (l->max_attachment_bytes != 0 && bytes->len > l->max_attachment_bytes) {
		over(w, "a part of %u bytes decoded is over [limits] max_attachment_bytes (%zu)",
		     bytes->len, l->max_attachment_bytes);
	} else if (l->max_decoded_bytes != 0 &&
		   (w->decoded += bytes->len) > l->max_decoded_bytes) {
		over(w, "the parts decoded come to more than [limits] max_decoded_bytes (%zu)",
		     l->max_decoded_bytes);
	} else {
		return bytes;
	}
	g_byte_array_unref(bytes);
	return NULL;
}

/* source_of - what reader a part needs, from its type and file name */
static bool source_of(GMimePart *part, const char *type, const char *sub,
		      enum parse_source *src_r)
{
	static const struct { const char *ext; enum parse_source src; } exts[] = {
		{ ".csv", PARSE_SRC_CSV }, { ".json", PARSE_SRC_JSON }, { ".xml", PARSE_SRC_XML },
		{ ".docx", PARSE_SRC_DOCX }, { ".pdf", PARSE_SRC_PDF }, { ".htm", PARSE_SRC_HTML },
		{ ".html", PARSE_SRC_HTML }, { ".txt", PARSE_SRC_TEXT },
	};
	static const struct { const char *sub; enum parse_source src; } subs[] = {
		{ "csv", PARSE_SRC_CSV }, { "json", PARSE_SRC_JSON }, { "xml", PARSE_SRC_XML },
		{ "vnd.openxmlformats-officedocument.wordprocessingml.document", PARSE_SRC_DOCX },
		{ "pdf", PARSE_SRC_PDF }, { "html", PARSE_SRC_HTML }, { "plain", PARSE_SRC_TEXT },
		{ "comma-separated-values", PARSE_SRC_CSV },
	};
	const char *name = g_mime_part_get_filename(part);

	if (name != NULL) {
		size_t n = strlen(name);

		for (size_t i = 0; i < G_N_ELEMENTS(exts); i++) {
			size_t e = strlen(exts[i].ext);

			if (n > e && g_ascii_strcasecmp(name + n - e, exts[i].ext) == 0) {
				*src_r = exts[i].src;
				return true;
			}
		}
	}
	if (g_ascii_strcasecmp(type, "text") != 0 && g_ascii_strcasecmp(type, "application") != 0)
		return false;
	for (size_t i = 0; i < G_N_ELEMENTS(subs); i++)
		if (g_ascii_strcasecmp(sub, subs[i].sub) == 0) {
			*src_r = subs[i].src;
			return true;
		}
	return false;
}

/* headers_of - the headers of a bounced message (text/rfc822-headers), read
 * by GMime as a message with no body: its Message-ID and case tag */
static void headers_of(struct parse_walk *w, const GByteArray *bytes)
{
	GByteArray *copy = g_byte_array_sized_new(bytes->len + 4);
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeMessage *m;

	g_byte_array_append(copy, bytes->data, bytes->len);
	g_byte_array_append(copy, (const guint8 *)"\n\n", 2);
	stream = g_mime_stream_mem_new_with_byte_array(copy);
	parser = g_mime_parser_new_with_stream(stream);
	m = g_mime_parser_construct_message(parser, NULL);
	if (m != NULL) {
		parse_walk_original(w, m);
		g_object_unref(m);
	}
	g_object_unref(parser);
	g_object_unref(stream);
}

void parse_walk_original(struct parse_walk *w, GMimeMessage *m)
{
	const char *id = g_mime_message_get_message_id(m);

	if (w->bounced_ref == NULL)
		w->bounced_ref = parse_case_tag_find(g_mime_message_get_subject(m));
	if (w->bounced_id == NULL)
		w->bounced_id = parse_header_fold(id, false);
}

/* walk_part - a leaf: text or an attachment to read, a DSN, bounced headers */
static void walk_part(struct parse_walk *w, GMimePart *part)
{
	GMimeContentType *ct = g_mime_object_get_content_type(GMIME_OBJECT(part));
	const char *type = ct != NULL ? g_mime_content_type_get_media_type(ct) : NULL;
	const char *sub = ct != NULL ? g_mime_content_type_get_media_subtype(ct) : NULL;
	enum parse_source src = PARSE_SRC_TEXT;
	GByteArray *bytes;
	struct parse_text *t;
	bool dsn, headers;

	if (type == NULL || sub == NULL) {
		type = "text";
		sub = "plain";
	}
	dsn = g_ascii_strcasecmp(type, "message") == 0 &&
	      (g_ascii_strcasecmp(sub, "delivery-status") == 0 ||
	       g_ascii_strcasecmp(sub, "global-delivery-status") == 0);
	headers = (g_ascii_strcasecmp(type, "text") == 0 ||
		   g_ascii_strcasecmp(type, "message") == 0) &&
		  (g_ascii_strcasecmp(sub, "rfc822-headers") == 0 ||
		   g_ascii_strcasecmp(sub, "global-headers") == 0);
	if (!dsn && !headers && !source_of(part, type, sub, &src))
		return;
	if ((bytes = part_bytes(w, part)) == NULL)
		return;
	if (dsn) {
		w->is_dsn = true;
		if (w->dsn->len < 65536)
			g_string_append_len(w->dsn, (const char *)bytes->data, bytes->len);
		g_string_append_c(w->dsn, '\n');
	} else if (headers) {
		headers_of(w, bytes);
	} else {
		t = g_new0(struct parse_text, 1);
		t->source = src;
		t->attachment = g_mime_part_is_attachment(part);
		t->name = g_strdup(g_mime_part_get_filename(part));
		t->alt = w->alt;
		if (src == PARSE_SRC_DOCX || src == PARSE_SRC_PDF) {
			t->len = bytes->len;
			t->data = (char *)g_byte_array_free(bytes, FALSE);
		} else {
			t->data = to_utf8(bytes, g_mime_object_get_content_type_parameter(
						 GMIME_OBJECT(part), "charset"));
			t->len = strlen(t->data);
		}
		g_ptr_array_add(w->texts, t);
		return;
	}
	g_byte_array_unref(bytes);
}

/* walk_object - the MIME tree, counting parts and depth against the limits */
static void walk_object(struct parse_walk *w, GMimeObject *obj, unsigned depth)
{
	const struct parse_limits *l = w->limits;

	if (obj == NULL || w->limit != NULL)
		return;
	w->parts++;
	if (l->max_parts != 0 && w->parts > l->max_parts) {
		over(w, "more than [limits] max_parts (%u) MIME parts", l->max_parts);
		return;
	}
	if (l->max_mime_depth != 0 && depth > l->max_mime_depth) {
		over(w, "MIME parts nested deeper than [limits] max_mime_depth (%u)",
		     l->max_mime_depth);
		return;
	}
	if (GMIME_IS_MULTIPART(obj)) {
		GMimeMultipart *mp = GMIME_MULTIPART(obj);
		int n = g_mime_multipart_get_count(mp);
		GMimeContentType *ct = g_mime_object_get_content_type(obj);
		const char *sub = ct != NULL ? g_mime_content_type_get_media_subtype(ct) : NULL;
		unsigned outer = w->alt;

		if (sub != NULL && g_ascii_strcasecmp(sub, "alternative") == 0)
			w->alt = ++w->alts;
		for (int i = 0; i < n && w->limit == NULL; i++)
			walk_object(w, g_mime_multipart_get_part(mp, i), depth + 1);
		w->alt = outer;
	} else if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));

		if (m == NULL)
			return;
		parse_walk_original(w, m);
		if (w->inner_from == NULL) {
			g_free(w->inner_name);
			parse_read_from(m, &w->inner_from, &w->inner_name);
		}
		walk_object(w, g_mime_message_get_mime_part(m), depth + 1);
	} else if (GMIME_IS_PART(obj)) {
		walk_part(w, GMIME_PART(obj));
	}
}

void parse_walk_message(struct parse_walk *w, GMimeMessage *msg)
{
	walk_object(w, g_mime_message_get_mime_part(msg), 1);
}

void parse_read_from(GMimeMessage *msg, char **addr_r, char **name_r)
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
			g_autofree char *va = addr != NULL && !g_utf8_validate(addr, -1, NULL)
					      ? g_utf8_make_valid(addr, -1) : NULL;

			*addr_r = parse_fold_ascii_lower(va != NULL ? va : addr);
			*name_r = parse_header_fold(name, true);
		}
	}
}
