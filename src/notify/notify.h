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
 * A notification kind has a text template KIND.txt and, optionally, an HTML
 * template KIND.html (every shipped kind has both; they are sent together as
 * multipart/alternative). KIND.txt is a header block, a blank line, then the
 * text body; KIND.html is the HTML body only (the subject comes from .txt):
 *
 *     Subject: [{{case_ref}}] Child missing education referral received
 *
 *     Dear {{referrer_name}},
 *     {{#issues}}  - {{field}}: {{problem}}
 *     {{/issues}}{{^issues}}Nothing is missing.{{/issues}}
 *
 * Only "Subject:" is allowed in the header block. The language:
 *   {{name}}            the value of NAME (a list shows its length)
 *   {{#name}}..{{/name}} for a list: once per item, the item's names in
 *                       scope (outer names stay visible); for a value: once
 *                       when it is present and not empty
 *   {{^name}}..{{/name}} once when NAME is absent, empty, or an empty list
 *   {{?name}}..{{/name}} once when NAME is present (a list: not empty);
 *                       no iteration, for a table around a list's rows
 *   {{{{                a literal "{{"
 * In the subject, values have control characters and line breaks turned
 * into spaces (no value can add a header); in the HTML part every value is
 * HTML-escaped (the template's own markup is not). A value marked personal
 * (a child's details) renders as NOTIFY_WITHHELD, and a personal list as
 * empty, unless the render is secure: data minimisation is enforced here,
 * whatever a template says. */

#define NOTIFY_WITHHELD "(withheld: see the case in the register)"

struct notify_template {
	char *kind;      /* file name without extension: "ack_referrer" */
	char *subject;   /* the raw subject template */
	char *body;      /* the raw text body template */
	char *html;      /* the raw HTML body template, NULL when there is none */
	char *text_path, *html_path;   /* the files read (html_path may be NULL) */
	GPtrArray *subject_tree, *body_tree, *html_tree;  /* parsed; private */
};

/* notify_template_open - read KIND.txt and KIND.html, each from OVERRIDE (an
 * authority's own directory; NULL or "" for none) when the file is there,
 * else from DIR. KIND.html may be missing. Returns a template owned by the
 * caller, or NULL with NOTIFY_ERROR_TEMPLATE naming the file and line. */
struct notify_template *notify_template_open(const char *override, const char *dir,
					     const char *kind, GError **error);
/* notify_template_load - notify_template_open without an override */
struct notify_template *notify_template_load(const char *dir, const char *kind,
					     GError **error);
void notify_template_free(struct notify_template *tmpl);
/* the typedef exists only because g_autoptr() needs a one-word type name */
typedef struct notify_template notify_template;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(notify_template, notify_template_free)

/* The values a template sees: name -> string, or name -> list of scopes.
 * A name set to NULL is known but absent. Strings are copied. */
struct notify_vars;
struct notify_vars *notify_vars_new(void);
void notify_vars_free(struct notify_vars *vars);
typedef struct notify_vars notify_vars;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(notify_vars, notify_vars_free)
void notify_vars_set(struct notify_vars *vars, const char *name, const char *value);
/* notify_vars_set_personal - a child's detail: withheld unless secure */
void notify_vars_set_personal(struct notify_vars *vars, const char *name, const char *value);
void notify_vars_set_int(struct notify_vars *vars, const char *name, long long value);
/* notify_vars_set_list - declare list NAME (empty if new); PERSONAL: its
 * items are a child's details (not shown unless secure) */
void notify_vars_set_list(struct notify_vars *vars, const char *name, bool personal);
/* notify_vars_add_item - a new item at the end of list NAME (made when
 * missing); the item is borrowed from VARS */
struct notify_vars *notify_vars_add_item(struct notify_vars *vars, const char *name);

struct notify_render_opts {
	bool secure;   /* every recipient may see a child's details */
	bool strict;   /* an unknown name is an error (check-config) */
};

struct notify_rendered {
	char *subject;   /* one line */
	char *text;
	char *html;      /* NULL when the template has no HTML part */
};
void notify_rendered_clear(struct notify_rendered *rendered);

/* notify_template_render - TMPL with VARS. Fails only in strict mode, on an
 * unknown name, with NOTIFY_ERROR_TEMPLATE naming file and line. */
bool notify_template_render(const struct notify_template *tmpl, const struct notify_vars *vars,
			    const struct notify_render_opts *opts, struct notify_rendered *out_r,
			    GError **error);

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
	const char *html;          /* UTF-8 HTML alternative, or NULL */
	const char *message_id;    /* without <>; ours */
	const char *in_reply_to;   /* without <>; may be NULL */
	GDateTime *date;
};

/* notify_compose - an RFC 5322 message (CRLF line ends) with From, To,
 * Subject (RFC 2047 encoded when not ASCII), Date, Message-ID, In-Reply-To
 * and References when given, MIME-Version, Auto-Submitted: auto-generated
 * and X-Auto-Response-Suppress: All (loop protection, invariant 7); the body
 * text/plain UTF-8 quoted-printable, or multipart/alternative of that and a
 * text/html part when HTML is given. Built with GMime.
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
