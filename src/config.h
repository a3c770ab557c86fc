/* config.h - the one INI file, parsed into one immutable struct.
 *
 * Every key is listed once in the table in config.c with its type, default and
 * bounds (Postfix's CONFIG_INT_TABLE). An unknown group or key, a value out of
 * bounds, or an unreadable secret file is an error naming file, line and key:
 *   /etc/cmegw/cmegw.conf:12: [imap] port: '99999' is not between 1 and 65535
 */
#ifndef CMEGW_CONFIG_H
#define CMEGW_CONFIG_H

#include <stdbool.h>
#include <glib.h>
#include "ingest/ingest.h"
#include "notify/notify.h"
#include "parse/parse.h"
#include "route/route.h"

#define CONFIG_ERROR (config_error_quark())
GQuark config_error_quark(void);
enum config_error_code { CONFIG_ERROR_FILE, CONFIG_ERROR_VALUE };

struct config {
	char *path;

	/* [authority] */
	char *authority_code, *authority_name, *authority_address;

	/* [imap] */
	char *imap_host;
	int imap_port;
	enum ingest_security imap_security;
	char *imap_ca_file, *imap_user, *imap_password_file, *imap_password;
	char *imap_mailbox, *imap_processed_folder, *imap_review_folder;
	int imap_timeout;
	int imap_poll_interval;

	/* [smtp] */
	char *smtp_url;
	enum notify_security smtp_security;
	char *smtp_ca_file, *smtp_user, *smtp_password_file, *smtp_password;
	char *smtp_from, *smtp_from_name;
	int smtp_timeout;
	int smtp_max_attempts;
	int smtp_retry_horizon;   /* minutes after queueing that a notice is retried (issue 6) */

	/* [storage] */
	char *database, *spool;

	/* [limits] */
	int max_message_bytes, max_mime_depth, max_parts;
	int max_attachment_bytes, max_decoded_bytes;
	char *fields;                         /* the field dictionary file */
	struct parse_dictionary *dictionary;  /* read from it */

	/* [routing] */
	char *postcodes;     /* CSV path for import-postcodes when none is given */
	char *la_codes;      /* LA number -> ONS code CSV */

	/* [neighbours]: ONS code -> CME address */
	GHashTable *neighbours;

	/* [recipients] */
	char **team, **safeguarding_hub, **ehe_team, **social_care, **police, **neet;

	/* [notify] */
	char *templates;
	char **secure_domains;    /* [recipients] secure_domains ([notify] secure_domains: alias) */
	int ack_daily_cap;

	/* issue 6 (notify): overrides, digests, reminders */
	char *local_templates;    /* [notify] local_templates: the authority's own, first */
	char **team_lead;         /* [recipients] team_lead: escalations (empty: team) */
	char *digest_time;        /* [digest] time HH:MM: when `run` sends the daily digest */
	int digest_review_days;   /* [digest] review_days: "open longer than" */
	char *digest_social_care_day;  /* [digest] social_care_day: weekday of the weekly summary */
	int remind_days_before;   /* [digest] remind_days_before */

	/* [risk] */
	char **risk_immediate, **risk_high;

	/* issue 5: the authority's procedure */
	char *over_age;               /* [routing] over_age: close, neet, case */
	char *referrer_on_close;      /* [routing] tell_referrer_on_close: yes, no */
	char *term_dates;             /* [calendar] term_dates file, or NULL */
	char **closures;              /* [calendar] closures: YYYY-MM-DD local closure days */
	GHashTable *postcode_fallback;  /* [postcode_fallback] "ME4"/"ME4 4" -> ONS code */
	GPtrArray *deadline_rules;    /* [deadlines] struct route_deadline_rule *, file order */
};

/* config_load - read PATH. Secrets are read from the files the config names
 * (only when NEED_SECRETS; commands that never connect do not need them).
 * Returns a config owned by the caller, or NULL with error set. */
struct config *config_load(const char *path, bool need_secrets, GError **error);
void config_free(struct config *config);
/* the typedef exists only because g_autoptr() needs a one-word type name */
typedef struct config config;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(config, config_free)


/* config_imap_params / config_smtp_params - views borrowed from CONFIG */
void config_imap_params(const struct config *config, struct ingest_imap_params *params_r);
void config_smtp_params(const struct config *config, struct notify_smtp_params *params_r);
void config_parse_limits(const struct config *config, struct parse_limits *limits_r);

/* config_warnings - things that are legal but probably not meant (an empty
 * recipient list): a strv owned by the caller, possibly empty */
char **config_warnings(const struct config *config);

#endif
