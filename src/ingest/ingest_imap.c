/* ingest_imap.c - the IMAP client (libetpan): connect, verify, log in, read, move
 *
 * libetpan does the protocol; it does not check certificates (Debian builds it
 * against GnuTLS, where its CA setters are no-ops). So the order is: connect,
 * secure the connection (implicit TLS, or STARTTLS before anything else),
 * take the peer chain from the stream and verify it with ingest_tls.c, and
 * only then send a command that carries anything of ours.
 *
 * After a broken stream or an answer libetpan cannot parse, the session is
 * marked broken: every later call fails at once, and free does not log out.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <libetpan/mailimap.h>
#include <libetpan/mailstream.h>
#include <libetpan/mailstream_ssl.h>

#include "ingest/ingest_p.h"

G_DEFINE_QUARK(cmegw-ingest-error-quark, ingest_error)

#define DEFAULT_TIMEOUT 60
#define LOGOUT_TIMEOUT 5
#define SERVER_TEXT_MAX 200

struct ingest_imap {
	mailimap *imap;
	char *host;             /* for SNI and the certificate check */
	char *where;            /* "imap HOST:PORT", first in every message */
	char *ca_file;          /* NULL: the system store */
	char *mailbox;          /* the selected one (UTF-8), NULL when none */
	bool broken;            /* stream lost or unknown state: only free is left */
	bool has_move;
	bool has_uidplus;
	GHashTable *folders;    /* wire names of folders known to exist */
};

/* ---- errors ---- */

/* server_text - the server's words on the last command, tamed for a message */
static char *server_text(struct ingest_imap *s)
{
	const char *text = s->imap->imap_response;
	GString *out;

	if (text == NULL || *text == '\0')
		return NULL;
	out = g_string_new(NULL);
	for (const char *p = text; *p != '\0' && out->len < SERVER_TEXT_MAX; p++)
		g_string_append_c(out, (unsigned char)*p < 0x20 || *p == 0x7f ? ' ' : *p);
	g_autofree char *raw = g_string_free(out, FALSE);
	return g_utf8_make_valid(raw, -1);
}

/* What libetpan's results that are not the server's refusal of a command
 * mean for us; all of them leave the connection in a state not worth using. */
static const struct {
	int r;
	int code;
	const char *why;
} stream_failures[] = {
	{ MAILIMAP_ERROR_CONNECTION_REFUSED, INGEST_ERROR_CONNECT, "cannot connect" },
	{ MAILIMAP_ERROR_DONT_ACCEPT_CONNECTION, INGEST_ERROR_CONNECT,
	  "server does not accept connections" },
	{ MAILIMAP_ERROR_STREAM, INGEST_ERROR_CONNECT, "connection lost or timed out" },
	{ MAILIMAP_ERROR_FATAL, INGEST_ERROR_CONNECT, "server closed the connection" },
	{ MAILIMAP_ERROR_SSL, INGEST_ERROR_TLS, "tls handshake failed" },
	{ MAILIMAP_ERROR_PARSE, INGEST_ERROR_PROTOCOL, "unexpected answer from server" },
	{ MAILIMAP_ERROR_PROTOCOL, INGEST_ERROR_PROTOCOL, "unexpected answer from server" },
	{ MAILIMAP_ERROR_BAD_STATE, INGEST_ERROR_PROTOCOL, "command out of sequence" },
	{ MAILIMAP_ERROR_MEMORY, INGEST_ERROR_PROTOCOL, "libetpan out of memory" },
};

/* imap_fail - set ERROR for libetpan's result R of the command described by
 * FMT. A refusal of the command gets CODE and the server's words; a lost
 * stream or a garbled answer gets its own code and marks the session broken. */
static void G_GNUC_PRINTF(5, 6)
imap_fail(struct ingest_imap *s, int r, int code, GError **error, const char *fmt, ...)
{
	GString *msg = g_string_new(NULL);
	g_autofree char *said = NULL;
	const char *why = NULL;
	va_list ap;

	g_string_append_printf(msg, "%s: ", s->where);
	va_start(ap, fmt);
	g_string_append_vprintf(msg, fmt, ap);
	va_end(ap);
	for (size_t i = 0; i < G_N_ELEMENTS(stream_failures); i++) {
		if (stream_failures[i].r == r) {
			code = stream_failures[i].code;
			why = stream_failures[i].why;
			s->broken = true;
		}
	}
	if (why != NULL)
		g_string_append_printf(msg, ": %s", why);
	else if ((said = server_text(s)) != NULL)
		g_string_append_printf(msg, ": server said '%s'", said);
	g_set_error_literal(error, INGEST_ERROR, code, msg->str);
	g_string_free(msg, TRUE);
}

/* usable - the session can take a command */
static bool usable(struct ingest_imap *s, bool need_mailbox, GError **error)
{
	if (s->broken) {
		g_set_error(error, INGEST_ERROR, INGEST_ERROR_PROTOCOL,
			    "%s: connection unusable after an earlier error", s->where);
		return false;
	}
	if (need_mailbox && s->mailbox == NULL) {
		g_set_error(error, INGEST_ERROR, INGEST_ERROR_MAILBOX,
			    "%s: no mailbox selected", s->where);
		return false;
	}
	return true;
}

/* ---- mailbox names ---- */

/* append_utf7_run - UTF8 (LEN bytes, none printable ASCII) in modified base64 */
static void append_utf7_run(GString *out, const char *utf8, gssize len)
{
	glong n = 0;
	g_autofree gunichar2 *utf16 = g_utf8_to_utf16(utf8, len, NULL, &n, NULL);
	g_autofree guint8 *be = g_new(guint8, 2 * (gsize)n + 1);
	g_autofree char *b64 = NULL;

	for (glong i = 0; i < n; i++) {
		be[2 * i] = utf16[i] >> 8;
		be[2 * i + 1] = utf16[i] & 0xff;
	}
	b64 = g_base64_encode(be, 2 * (gsize)n);
	g_string_append_c(out, '&');
	for (const char *p = b64; *p != '\0' && *p != '='; p++)
		g_string_append_c(out, *p == '/' ? ',' : *p);
	g_string_append_c(out, '-');
}

/* printable - C stands for itself in a mailbox name on the wire */
static bool printable(char c)
{
	return (unsigned char)c >= 0x20 && (unsigned char)c < 0x7f;
}

/* wire_name - mailbox NAME (UTF-8) as sent on the wire: modified UTF-7 (RFC 3501 5.1.3) */
static char *wire_name(struct ingest_imap *s, const char *name, GError **error)
{
	GString *out;
	const char *p = name;

	if (*name == '\0' || !g_utf8_validate(name, -1, NULL)) {
		g_set_error(error, INGEST_ERROR, INGEST_ERROR_MAILBOX,
			    "%s: mailbox name '%s' is empty or not utf-8", s->where, name);
		return NULL;
	}
	out = g_string_new(NULL);
	while (*p != '\0') {
		const char *run = p;

		if (printable(*p)) {
			if (*p == '&')
				g_string_append(out, "&-");
			else
				g_string_append_c(out, *p);
			p++;
			continue;
		}
		while (*p != '\0' && !printable(*p))
			p = g_utf8_next_char(p);
		append_utf7_run(out, run, p - run);
	}
	return g_string_free(out, FALSE);
}

/* ---- connecting ---- */

/* tls_setup - before the handshake: SNI for a host name (never for an IP literal) */
static void tls_setup(struct mailstream_ssl_context *ctx, void *data)
{
	struct ingest_imap *s = data;

	if (!g_hostname_is_ip_address(s->host))
		mailstream_ssl_set_server_name(ctx, s->host);
}

/* peer_chain - the certificates the server sent, as GBytes *, leaf first */
static GPtrArray *peer_chain(struct ingest_imap *s)
{
	GPtrArray *der = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	unsigned char *leaf = NULL;
	carray *chain;

	/* libetpan's GnuTLS chain getter returns an uninitialised pointer when
	 * the server sent no certificate; the single-certificate getter checks.
	 * Both are only safe on a TLS stream, which this is. */
	if (mailstream_ssl_get_certificate(s->imap->imap_stream, &leaf) < 0)
		return der;
	free(leaf);
	chain = mailstream_get_certificate_chain(s->imap->imap_stream);
	if (chain == NULL)
		return der;
	for (unsigned i = 0; i < carray_count(chain); i++) {
		MMAPString *str = carray_get(chain, i);

		g_ptr_array_add(der, g_bytes_new(str->str, str->len));
	}
	mailstream_certificate_chain_free(chain);
	return der;
}

/* verify_peer - the server's chain is trusted and for our host */
static bool verify_peer(struct ingest_imap *s, GError **error)
{
	g_autoptr(GPtrArray) der = peer_chain(s);

	if (ingest_tls_verify_chain(der, s->ca_file, s->host, error))
		return true;
	s->broken = true;   /* say nothing more to it, not even LOGOUT */
	g_prefix_error(error, "%s: ", s->where);
	return false;
}

/* refresh_capabilities - ask CAPABILITY, replacing whatever libetpan held */
static bool refresh_capabilities(struct ingest_imap *s, GError **error)
{
	struct mailimap_capability_data *caps = NULL;
	int r = mailimap_capability(s->imap, &caps);

	if (r != MAILIMAP_NO_ERROR) {
		imap_fail(s, r, INGEST_ERROR_PROTOCOL, error, "capability failed");
		return false;
	}
	mailimap_capability_data_free(caps);
	return true;
}

/* open_connection - TCP (and TLS for implicit TLS) and the greeting */
static bool open_connection(struct ingest_imap *s, enum ingest_security security,
			    uint16_t port, bool *preauth_r, GError **error)
{
	int r;

	if (security == INGEST_SECURITY_TLS)
		r = mailimap_ssl_connect_with_callback(s->imap, s->host, port, tls_setup, s);
	else
		r = mailimap_socket_connect(s->imap, s->host, port);
	if (r != MAILIMAP_NO_ERROR_AUTHENTICATED && r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED) {
		s->broken = true;
		imap_fail(s, r, INGEST_ERROR_CONNECT, error, "cannot open session");
		return false;
	}
	*preauth_r = r == MAILIMAP_NO_ERROR_AUTHENTICATED;
	return true;
}

/* start_tls - STARTTLS on a fresh plain connection, then verify and re-read CAPABILITY */
static bool start_tls(struct ingest_imap *s, bool preauth, GError **error)
{
	int r;

	if (preauth) {
		/* RFC 3501: STARTTLS is not allowed once authenticated */
		s->broken = true;
		g_set_error(error, INGEST_ERROR, INGEST_ERROR_TLS,
			    "%s: server sent PREAUTH, cannot start tls", s->where);
		return false;
	}
	if (!refresh_capabilities(s, error))
		return false;
	if (!mailimap_has_extension(s->imap, "STARTTLS")) {
		s->broken = true;
		g_set_error(error, INGEST_ERROR, INGEST_ERROR_TLS,
			    "%s: server does not offer starttls", s->where);
		return false;
	}
	r = mailimap_socket_starttls_with_callback(s->imap, tls_setup, s);
	/* Bytes that came after the server's OK, before the handshake, sit in
	 * the stream's buffer and would be read as if they had come over TLS
	 * (STARTTLS response injection). Debian's libetpan refuses them too
	 * (CVE-2020-15953), with a plain STARTTLS error. */
	if (s->imap->imap_stream != NULL && s->imap->imap_stream->read_buffer_len != 0) {
		s->broken = true;
		g_set_error(error, INGEST_ERROR, INGEST_ERROR_TLS,
			    "%s: server sent plaintext after starttls", s->where);
		return false;
	}
	if (r == MAILIMAP_ERROR_STREAM)
		r = MAILIMAP_ERROR_SSL;   /* libetpan's word for a failed handshake here */
	if (r != MAILIMAP_NO_ERROR) {
		imap_fail(s, r, INGEST_ERROR_TLS, error, "starttls failed");
		s->broken = true;
		return false;
	}
	/* what the server said before TLS may have been forged: ask again */
	return verify_peer(s, error) && refresh_capabilities(s, error);
}

/* login - LOGIN, unless the server said PREAUTH */
static bool login(struct ingest_imap *s, const struct ingest_imap_params *params,
		  bool preauth, GError **error)
{
	int r;

	if (preauth)
		return true;
	r = mailimap_login(s->imap, params->user, params->password);
	if (r == MAILIMAP_NO_ERROR)
		return true;
	s->broken = true;
	if (r == MAILIMAP_ERROR_LOGIN && mailimap_has_extension(s->imap, "LOGINDISABLED"))
		g_set_error(error, INGEST_ERROR, INGEST_ERROR_AUTH,
			    "%s: login refused for user '%s': server takes no plaintext login "
			    "(LOGINDISABLED); use starttls or tls", s->where, params->user);
	else
		imap_fail(s, r, INGEST_ERROR_AUTH, error, "login refused for user '%s'",
			  params->user);
	return false;
}

/* session_new - an unconnected session for PARAMS */
static struct ingest_imap *session_new(const struct ingest_imap_params *params,
				       uint16_t port)
{
	struct ingest_imap *s = g_new0(struct ingest_imap, 1);
	unsigned timeout = params->timeout_seconds ? params->timeout_seconds : DEFAULT_TIMEOUT;

	s->host = g_strdup(params->host);
	s->where = strchr(params->host, ':') != NULL
		? g_strdup_printf("imap [%s]:%u", params->host, port)
		: g_strdup_printf("imap %s:%u", params->host, port);
	s->ca_file = g_strdup(params->ca_file);
	s->folders = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	s->imap = mailimap_new(0, NULL);
	if (s->imap == NULL)
		g_error("out of memory");
	/* libetpan applies it to connect, handshake and every read and write */
	mailimap_set_timeout(s->imap, timeout);
	return s;
}

struct ingest_imap *ingest_imap_connect(const struct ingest_imap_params *params,
					GError **error)
{
	struct ingest_imap *s;
	uint16_t port;
	bool preauth = false;
	bool ok;

	g_return_val_if_fail(params != NULL && params->host != NULL, NULL);
	g_return_val_if_fail(params->user != NULL && params->password != NULL, NULL);
	g_return_val_if_fail(params->port <= G_MAXUINT16, NULL);

	port = params->port ? params->port
		: params->security == INGEST_SECURITY_TLS ? 993 : 143;
	s = session_new(params, port);
	ok = open_connection(s, params->security, port, &preauth, error);
	if (ok && params->security == INGEST_SECURITY_TLS)
		ok = verify_peer(s, error);
	else if (ok && params->security == INGEST_SECURITY_STARTTLS)
		ok = start_tls(s, preauth, error);
	ok = ok && login(s, params, preauth, error) && refresh_capabilities(s, error);
	if (!ok) {
		ingest_imap_free(s);
		return NULL;
	}
	s->has_move = mailimap_has_extension(s->imap, "MOVE");
	s->has_uidplus = mailimap_has_extension(s->imap, "UIDPLUS");
	return s;
}

/* ---- mailboxes ---- */

/* folder_state - 1: WIRE is listed and selectable, 0: not, -1: LIST failed */
static int folder_state(struct ingest_imap *s, const char *wire, const char *folder,
			GError **error)
{
	clist *list = NULL;
	int found = 0;
	int r = mailimap_list(s->imap, "", wire, &list);

	if (r != MAILIMAP_NO_ERROR) {
		imap_fail(s, r, INGEST_ERROR_MAILBOX, error, "cannot list mailbox '%s'", folder);
		return -1;
	}
	for (clistiter *it = clist_begin(list); it != NULL; it = clist_next(it)) {
		struct mailimap_mailbox_list *mb = clist_content(it);
		struct mailimap_mbx_list_flags *flags = mb->mb_flag;

		if (strcmp(mb->mb_name, wire) != 0 &&
		    !(g_ascii_strcasecmp(wire, "INBOX") == 0 &&
		      g_ascii_strcasecmp(mb->mb_name, "INBOX") == 0))
			continue;
		if (flags == NULL || flags->mbf_type != MAILIMAP_MBX_LIST_FLAGS_SFLAG ||
		    flags->mbf_sflag != MAILIMAP_MBX_LIST_SFLAG_NOSELECT)
			found = 1;
	}
	mailimap_list_result_free(list);
	return found;
}

/* create_folder - CREATE WIRE; a refusal is fine when the folder is there after all */
static bool create_folder(struct ingest_imap *s, const char *wire, const char *folder,
			  GError **error)
{
	g_autoptr(GError) refused = NULL;
	int r = mailimap_create(s->imap, wire);
	int state;

	if (r == MAILIMAP_NO_ERROR)
		return true;
	imap_fail(s, r, INGEST_ERROR_MAILBOX, &refused, "cannot create mailbox '%s'", folder);
	if (r == MAILIMAP_ERROR_CREATE) {
		/* another client may just have made it */
		state = folder_state(s, wire, folder, error);
		if (state != 0)
			return state > 0;
	}
	g_propagate_error(error, g_steal_pointer(&refused));
	return false;
}

/* ensure_folder - FOLDER (on the wire: WIRE) exists, created when it does not */
static bool ensure_folder(struct ingest_imap *s, const char *wire, const char *folder,
			  GError **error)
{
	int state;

	if (g_hash_table_contains(s->folders, wire))
		return true;
	state = folder_state(s, wire, folder, error);
	if (state < 0 || (state == 0 && !create_folder(s, wire, folder, error)))
		return false;
	g_hash_table_add(s->folders, g_strdup(wire));
	return true;
}

bool ingest_imap_select(struct ingest_imap *s, const char *mailbox,
			uint32_t *uidvalidity_r, GError **error)
{
	g_autofree char *wire = NULL;
	struct mailimap_selection_info *info;
	int r;

	g_return_val_if_fail(s != NULL && mailbox != NULL, false);
	if (!usable(s, false, error) || (wire = wire_name(s, mailbox, error)) == NULL)
		return false;
	g_clear_pointer(&s->mailbox, g_free);
	r = mailimap_select(s->imap, wire);
	if (r != MAILIMAP_NO_ERROR) {
		imap_fail(s, r, INGEST_ERROR_MAILBOX, error, "cannot select mailbox '%s'", mailbox);
		return false;
	}
	info = s->imap->imap_selection_info;
	if (info == NULL || info->sel_uidvalidity == 0) {
		g_set_error(error, INGEST_ERROR, INGEST_ERROR_MAILBOX,
			    "%s: mailbox '%s' has no uidvalidity", s->where, mailbox);
		return false;
	}
	s->mailbox = g_strdup(mailbox);
	*uidvalidity_r = info->sel_uidvalidity;
	return true;
}

/* compare_uid - g_array_sort order for uint32_t */
static int compare_uid(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

GArray *ingest_imap_uids_after(struct ingest_imap *s, uint32_t last_uid, GError **error)
{
	GArray *uids;
	struct mailimap_search_key *key;
	clist *list = NULL;
	int r;

	g_return_val_if_fail(s != NULL, NULL);
	if (!usable(s, true, error))
		return NULL;
	uids = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	if (last_uid == UINT32_MAX)
		return uids;
	key = mailimap_search_key_new_uid(mailimap_set_new_interval(last_uid + 1, 0));
	r = mailimap_uid_search(s->imap, NULL, key, &list);
	mailimap_search_key_free(key);
	if (r != MAILIMAP_NO_ERROR) {
		g_array_unref(uids);
		imap_fail(s, r, INGEST_ERROR_MAILBOX, error, "cannot search mailbox '%s'",
			  s->mailbox);
		return NULL;
	}
	for (clistiter *it = clist_begin(list); it != NULL; it = clist_next(it)) {
		uint32_t uid = *(uint32_t *)clist_content(it);

		/* "N:*" always matches the highest UID, even when it is below N */
		if (uid > last_uid)
			g_array_append_val(uids, uid);
	}
	mailimap_search_result_free(list);
	g_array_sort(uids, compare_uid);
	return uids;
}

/* ---- messages ---- */

/* msg_att_find - attribute TYPE of the FETCH response for UID in LIST.
 * Unsolicited FETCH responses for other messages can share the list. */
static struct mailimap_msg_att_static *msg_att_find(clist *list, uint32_t uid, int type)
{
	for (clistiter *it = clist_begin(list); it != NULL; it = clist_next(it)) {
		struct mailimap_msg_att *msg = clist_content(it);
		struct mailimap_msg_att_static *found = NULL;
		uint32_t msg_uid = 0;

		for (clistiter *i = clist_begin(msg->att_list); i != NULL; i = clist_next(i)) {
			struct mailimap_msg_att_item *item = clist_content(i);
			struct mailimap_msg_att_static *st = item->att_data.att_static;

			if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC || st == NULL)
				continue;
			if (st->att_type == MAILIMAP_MSG_ATT_UID)
				msg_uid = st->att_data.att_uid;
			else if (st->att_type == type)
				found = st;
		}
		if (msg_uid == uid && found != NULL)
			return found;
	}
	return NULL;
}

/* uid_fetch - UID FETCH UID with the single attribute ATT (consumed); the
 * response list in *list_r, freed by the caller with mailimap_fetch_list_free */
static bool uid_fetch(struct ingest_imap *s, uint32_t uid, struct mailimap_fetch_att *att,
		      const char *what, clist **list_r, GError **error)
{
	struct mailimap_fetch_type *type = mailimap_fetch_type_new_fetch_att(att);
	struct mailimap_set *set = mailimap_set_new_single(uid);
	int r = mailimap_uid_fetch(s->imap, set, type, list_r);

	mailimap_fetch_type_free(type);
	mailimap_set_free(set);
	if (r == MAILIMAP_NO_ERROR)
		return true;
	imap_fail(s, r, INGEST_ERROR_MESSAGE, error, "cannot fetch %s of message uid %u",
		  what, uid);
	return false;
}

/* fetch_size - RFC822.SIZE of UID */
static bool fetch_size(struct ingest_imap *s, uint32_t uid, uint32_t *size_r,
		       GError **error)
{
	clist *list = NULL;
	struct mailimap_msg_att_static *st;

	if (!uid_fetch(s, uid, mailimap_fetch_att_new_rfc822_size(), "size", &list, error))
		return false;
	st = msg_att_find(list, uid, MAILIMAP_MSG_ATT_RFC822_SIZE);
	if (st != NULL)
		*size_r = st->att_data.att_rfc822_size;
	mailimap_fetch_list_free(list);
	if (st == NULL)
		g_set_error(error, INGEST_ERROR, INGEST_ERROR_MESSAGE,
			    "%s: message uid %u not found in mailbox '%s'", s->where, uid,
			    s->mailbox);
	return st != NULL;
}

/* fetch_body - BODY.PEEK[] of UID; at most MAX_BYTES + 1 asked for, so an
 * honest server cannot make us hold more than that whatever its SIZE said */
static GBytes *fetch_body(struct ingest_imap *s, uint32_t uid, size_t max_bytes,
			  GError **error)
{
	struct mailimap_section *section = mailimap_section_new(NULL);
	struct mailimap_fetch_att *att;
	struct mailimap_msg_att_static *st;
	struct mailimap_msg_att_body_section *body = NULL;
	clist *list = NULL;
	GBytes *bytes = NULL;

	if (max_bytes > 0 && max_bytes < UINT32_MAX)
		att = mailimap_fetch_att_new_body_peek_section_partial(section, 0,
								       (uint32_t)max_bytes + 1);
	else
		att = mailimap_fetch_att_new_body_peek_section(section);
	if (!uid_fetch(s, uid, att, "body", &list, error))
		return NULL;
	st = msg_att_find(list, uid, MAILIMAP_MSG_ATT_BODY_SECTION);
	if (st != NULL)
		body = st->att_data.att_body_section;
	if (body == NULL || body->sec_body_part == NULL)
		g_set_error(error, INGEST_ERROR, INGEST_ERROR_MESSAGE,
			    "%s: message uid %u not found in mailbox '%s'", s->where, uid,
			    s->mailbox);
	else if (max_bytes > 0 && body->sec_length > max_bytes)
		g_set_error(error, INGEST_ERROR, INGEST_ERROR_TOO_BIG,
			    "%s: message uid %u is over the limit of %zu bytes", s->where, uid,
			    max_bytes);
	else
		bytes = g_bytes_new(body->sec_body_part, body->sec_length);
	mailimap_fetch_list_free(list);
	return bytes;
}

GBytes *ingest_imap_fetch(struct ingest_imap *s, uint32_t uid, size_t max_bytes,
			  GError **error)
{
	uint32_t size;

	g_return_val_if_fail(s != NULL, NULL);
	if (!usable(s, true, error))
		return NULL;
	if (max_bytes > 0) {
		if (!fetch_size(s, uid, &size, error))
			return NULL;
		if (size > max_bytes) {
			g_set_error(error, INGEST_ERROR, INGEST_ERROR_TOO_BIG,
				    "%s: message uid %u is %" G_GUINT32_FORMAT
				    " bytes, over the limit of %zu", s->where, uid, size, max_bytes);
			return NULL;
		}
	}
	return fetch_body(s, uid, max_bytes, error);
}

/* copy_and_delete - MOVE for servers without it: UID COPY, \Deleted, UID EXPUNGE */
static bool copy_and_delete(struct ingest_imap *s, struct mailimap_set *set, uint32_t uid,
			    const char *wire, const char *folder, GError **error)
{
	struct mailimap_flag_list *flags;
	struct mailimap_store_att_flags *store;
	int r;

	r = mailimap_uid_copy(s->imap, set, wire);
	if (r != MAILIMAP_NO_ERROR) {
		imap_fail(s, r, INGEST_ERROR_MAILBOX, error,
			  "cannot copy message uid %u to '%s'", uid, folder);
		return false;
	}
	flags = mailimap_flag_list_new_empty();
	mailimap_flag_list_add(flags, mailimap_flag_new_deleted());
	store = mailimap_store_att_flags_new_add_flags_silent(flags);
	r = mailimap_uid_store(s->imap, set, store);
	mailimap_store_att_flags_free(store);
	if (r != MAILIMAP_NO_ERROR) {
		imap_fail(s, r, INGEST_ERROR_MAILBOX, error,
			  "cannot flag message uid %u deleted", uid);
		return false;
	}
	/* Without UIDPLUS only a plain EXPUNGE could remove it, and that would
	 * also remove every other \Deleted message in the mailbox, ones another
	 * client flagged and may still undelete. Leave it copied and flagged:
	 * it is below the last UID seen, so it is not read again. */
	if (!s->has_uidplus)
		return true;
	r = mailimap_uid_expunge(s->imap, set);
	if (r != MAILIMAP_NO_ERROR) {
		imap_fail(s, r, INGEST_ERROR_MAILBOX, error,
			  "cannot expunge message uid %u", uid);
		return false;
	}
	return true;
}

bool ingest_imap_move(struct ingest_imap *s, uint32_t uid, const char *folder,
		      GError **error)
{
	g_autofree char *wire = NULL;
	struct mailimap_set *set;
	bool ok = true;
	int r;

	g_return_val_if_fail(s != NULL && folder != NULL, false);
	if (!usable(s, true, error) || (wire = wire_name(s, folder, error)) == NULL ||
	    !ensure_folder(s, wire, folder, error))
		return false;
	set = mailimap_set_new_single(uid);
	if (s->has_move) {
		r = mailimap_uid_move(s->imap, set, wire);
		if (r != MAILIMAP_NO_ERROR) {
			imap_fail(s, r, INGEST_ERROR_MAILBOX, error,
				  "cannot move message uid %u to '%s'", uid, folder);
			ok = false;
		}
	} else {
		ok = copy_and_delete(s, set, uid, wire, folder, error);
	}
	mailimap_set_free(set);
	if (!ok)
		g_hash_table_remove(s->folders, wire);   /* deleted meanwhile? look again next time */
	return ok;
}

bool ingest_imap_append(struct ingest_imap *s, const char *folder, GBytes *message,
			GError **error)
{
	g_autofree char *wire = NULL;
	gsize size;
	const char *data;
	int r;

	g_return_val_if_fail(s != NULL && folder != NULL && message != NULL, false);
	if (!usable(s, false, error) || (wire = wire_name(s, folder, error)) == NULL ||
	    !ensure_folder(s, wire, folder, error))
		return false;
	data = g_bytes_get_data(message, &size);
	r = mailimap_append(s->imap, wire, NULL, NULL, data != NULL ? data : "", size);
	if (r != MAILIMAP_NO_ERROR) {
		imap_fail(s, r, INGEST_ERROR_MAILBOX, error, "cannot append to mailbox '%s'",
			  folder);
		g_hash_table_remove(s->folders, wire);
		return false;
	}
	return true;
}

/* ingest_imap_idle - wait in IDLE for the selected mailbox to change */
bool ingest_imap_idle(struct ingest_imap *s, unsigned seconds, const volatile sig_atomic_t *stop,
		      bool *changed_r, GError **error)
{
	*changed_r = false;
	if (!usable(s, true, error))
		return false;
	if (!mailimap_has_idle(s->imap)) {
		g_set_error(error, INGEST_ERROR, INGEST_ERROR_PROTOCOL, "%s: server has no IDLE",
			    s->where);
		return false;
	}
	struct mailimap_selection_info *sel = s->imap->imap_selection_info;
	uint32_t exists = sel ? sel->sel_exists : 0;
	int r = mailimap_idle(s->imap);
	if (r != MAILIMAP_NO_ERROR) {
		imap_fail(s, r, INGEST_ERROR_PROTOCOL, error, "idle");
		return false;
	}
	mailstream *stream = s->imap->imap_stream;
	int w = MAILSTREAM_IDLE_HASDATA;
	/* Mail that came between our last command and IDLE is announced before
	 * the server's "+": then there is nothing to wait for. */
	sel = s->imap->imap_selection_info;
	if ((sel ? sel->sel_exists : 0) == exists) {
		w = MAILSTREAM_IDLE_ERROR;
		if (mailstream_setup_idle(stream) == 0) {
			/* a second at a time: a stop signalled between our look at
			 * STOP and the wait itself waits a second, not SECONDS */
			w = MAILSTREAM_IDLE_TIMEOUT;
			for (unsigned t = 0; t < seconds && w == MAILSTREAM_IDLE_TIMEOUT &&
					     (stop == NULL || !*stop); t++)
				w = mailstream_wait_idle(stream, 1);
			mailstream_unsetup_idle(stream);
			if (w == MAILSTREAM_IDLE_ERROR && stop != NULL && *stop)
				w = MAILSTREAM_IDLE_INTERRUPTED;   /* the signal ended the wait */
		}
	}
	/* Any untagged data (EXISTS, RECENT, EXPUNGE) means: look again. */
	*changed_r = w == MAILSTREAM_IDLE_HASDATA;
	r = mailimap_idle_done(s->imap);
	if (w == MAILSTREAM_IDLE_ERROR || r != MAILIMAP_NO_ERROR) {
		imap_fail(s, r == MAILIMAP_NO_ERROR ? MAILIMAP_ERROR_STREAM : r, INGEST_ERROR_CONNECT,
			  error, "idle");
		return false;
	}
	return true;
}

void ingest_imap_free(struct ingest_imap *s)
{
	if (s == NULL)
		return;
	if (s->imap->imap_stream != NULL && !s->broken) {
		/* a server that went quiet should not hold us for the full timeout */
		mailstream_low_set_timeout(mailstream_get_low(s->imap->imap_stream),
					   LOGOUT_TIMEOUT);
		mailimap_logout(s->imap);
	}
	if (s->imap->imap_stream != NULL) {
		/* mailimap_free would send LOGOUT itself, even to an untrusted
		 * server or over a stream that just timed out */
		mailstream_close(s->imap->imap_stream);
		s->imap->imap_stream = NULL;
	}
	mailimap_free(s->imap);
	g_hash_table_unref(s->folders);
	g_free(s->mailbox);
	g_free(s->ca_file);
	g_free(s->where);
	g_free(s->host);
	g_free(s);
}
