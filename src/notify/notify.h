/* notify.h - templates, message composition and the mail sender.
 *
 * Notify never decides who is told (route does); it renders what it is given
 * and hands it to a sender. Senders sit behind a small table of functions:
 * SMTP through libcurl for real, and a capture used by unit tests.
 */
#ifndef CMEGW_NOTIFY_H
#define CMEGW_NOTIFY_H

#include <stdbool.h>
#include <glib.h>

#define NOTIFY_ERROR (notify_error_quark())
GQuark notify_error_quark(void);

enum notify_error_code {
	NOTIFY_ERROR_TEMPLATE,   /* a template file is missing or malformed (permanent) */
	NOTIFY_ERROR_TRANSIENT,  /* the send may work later: connect failure, 4xx (retry) */
	NOTIFY_ERROR_PERMANENT,  /* 5xx for this message, bad address (do not retry) */
	NOTIFY_ERROR_TLS,        /* certificate not trusted / wrong host (permanent config problem) */
	NOTIFY_ERROR_AUTH,       /* login refused (permanent config problem) */
};

/* ---- templates (notify_template.c) ----
 *
 * A template file is a header block, a blank line, then the body:
 *
 *     Subject: [{{case_ref}}] Child missing education referral received
 *
 *     Dear {{referrer_name}},
 *     ...
 *
 * Only "Subject:" is allowed in the header block. {{name}} is replaced by the
 * value of NAME in the variables table; an unknown name renders as the empty
 * string; "{{{{" is a literal "{{". Values rendered into the subject have CR,
 * LF and other control characters replaced by spaces, so no value can add a
 * header. */
struct notify_template {
	char *kind;      /* file name without extension: "ack_referrer" */
	char *subject;   /* the raw subject template */
	char *body;      /* the raw body template */
};

/* notify_template_load - read DIR/KIND.txt. Returns a template owned by the
 * caller, or NULL with NOTIFY_ERROR_TEMPLATE naming the file and line. */
struct notify_template *notify_template_load(const char *dir, const char *kind,
					     GError **error);
void notify_template_free(struct notify_template *tmpl);
/* the typedef exists only because g_autoptr() needs a one-word type name */
typedef struct notify_template notify_template;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(notify_template, notify_template_free)

/* notify_render - TEXT with {{name}} replaced from VARS (char * -> char *).
 * HEADER: render for a header value (control characters become spaces,
 * result folded to one line). Returns a new string owned by the caller. */
char *notify_render(const char *text, GHashTable *vars, bool header);

/* notify_header_line - TEXT made safe as one header value: invalid UTF-8
 * repaired, control characters (CR, LF, TAB, ...) and Unicode spaces and
 * line separators turned into spaces, runs of them folded into one, the
 * ends trimmed. NULL gives "". What notify_render does in header mode, and
 * what notify_compose applies to every header value it is given. Returns a
 * new string owned by the caller. */
char *notify_header_line(const char *text);

/* ---- composition (notify_compose.c) ---- */

struct notify_mail {
	const char *from;          /* bare address */
	const char *from_name;     /* display name, may be NULL */
	char **to;                 /* NULL-terminated bare addresses */
	const char *subject;       /* UTF-8, one line */
	const char *body;          /* UTF-8 text */
	const char *message_id;    /* without <>; ours */
	const char *in_reply_to;   /* without <>; may be NULL */
	GDateTime *date;
};

/* notify_compose - an RFC 5322 message (CRLF line ends) with From, To,
 * Subject (RFC 2047 encoded when not ASCII), Date, Message-ID, In-Reply-To
 * and References when given, MIME-Version, Content-Type text/plain UTF-8,
 * quoted-printable, and Auto-Submitted: auto-generated. Built with GMime.
 * Returns bytes owned by the caller. */
GBytes *notify_compose(const struct notify_mail *mail);

/* notify_message_id - a new Message-ID "<random>.<time>@DOMAIN" without <>;
 * caller owns it. */
char *notify_message_id(const char *domain, GDateTime *now);

/* ---- senders (notify_smtp.c, notify_capture.c) ---- */

enum notify_security {
	NOTIFY_SECURITY_TLS,       /* smtps:// */
	NOTIFY_SECURITY_STARTTLS,  /* smtp:// with STARTTLS required */
	NOTIFY_SECURITY_NONE,      /* plaintext: only when the config says so */
};

struct notify_smtp_params {
	const char *url;         /* smtp://host:port or smtps://host:port */
	enum notify_security security;
	const char *ca_file;     /* NULL: system store */
	const char *user;        /* NULL: no AUTH */
	const char *password;
	unsigned timeout_seconds;  /* 0: 60 */
};

struct notify_sender;

struct notify_sender_ops {
	/* send MESSAGE from FROM to every address in TO (NULL-terminated) */
	bool (*send)(struct notify_sender *sender, const char *from, char **to,
		     GBytes *message, GError **error);
	void (*free)(struct notify_sender *sender);
};

struct notify_sender {
	const struct notify_sender_ops *ops;
};

static inline bool notify_sender_send(struct notify_sender *sender, const char *from,
				      char **to, GBytes *message, GError **error)
{
	return sender->ops->send(sender, from, to, message, error);
}

void notify_sender_free(struct notify_sender *sender);
/* the typedef exists only because g_autoptr() needs a one-word type name */
typedef struct notify_sender notify_sender;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(notify_sender, notify_sender_free)

/* notify_smtp_new - a sender over SMTP with libcurl. TLS is verified (peer
 * and host name) always; STARTTLS is required (CURLUSESSL_ALL) unless
 * security is NONE. The params' strings are copied. */
struct notify_sender *notify_smtp_new(const struct notify_smtp_params *params);

/* notify_capture_new - a sender that keeps every message in memory, for unit
 * tests. FAIL_FIRST: the first N sends fail with NOTIFY_ERROR_TRANSIENT. */
struct notify_sender *notify_capture_new(unsigned fail_first);

/* notify_capture_messages - what the capture sender has accepted, in order:
 * a GPtrArray of GBytes * borrowed from the sender */
GPtrArray *notify_capture_messages(struct notify_sender *sender);

/* notify_capture_envelope - the envelope of accepted message INDEX (the
 * order of notify_capture_messages): *from_r and *to_r (either may be NULL)
 * are borrowed from the sender. False when there is no such message. */
bool notify_capture_envelope(struct notify_sender *sender, guint index,
			     const char **from_r, char ***to_r);

/* notify_capture_attempts - how many sends were tried, failed ones included */
unsigned notify_capture_attempts(struct notify_sender *sender);

#endif
