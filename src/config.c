/* config.c - the configuration table and its loader */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <glib.h>
#include <glib/gstdio.h>
#include "config.h"

G_DEFINE_QUARK(cmegw-config-error-quark, config_error)

#ifndef CMEGW_DATADIR
#define CMEGW_DATADIR "/usr/local/share/cmegw"
#endif

enum key_type { K_STR, K_PATH, K_INT, K_LIST, K_IMAP_SECURITY, K_SMTP_SECURITY };

struct key_def {
	const char *group, *key;
	enum key_type type;
	const char *def;       /* default as text; NULL: no default */
	bool required;
	int min, max;          /* K_INT bounds */
	size_t offset;
};

#define O(f) offsetof(struct config, f)

/* The table of every key. Keep etc/cmegw.conf.example and the README in step. */
static const struct key_def keys[] = {
	{ "authority", "code", K_STR, NULL, true, 0, 0, O(authority_code) },
	{ "authority", "name", K_STR, NULL, true, 0, 0, O(authority_name) },
	{ "authority", "address", K_STR, NULL, true, 0, 0, O(authority_address) },

	{ "imap", "host", K_STR, NULL, true, 0, 0, O(imap_host) },
	{ "imap", "port", K_INT, "993", false, 1, 65535, O(imap_port) },
	{ "imap", "security", K_IMAP_SECURITY, "tls", false, 0, 0, O(imap_security) },
	{ "imap", "ca_file", K_PATH, NULL, false, 0, 0, O(imap_ca_file) },
	{ "imap", "user", K_STR, NULL, true, 0, 0, O(imap_user) },
	{ "imap", "password_file", K_PATH, NULL, true, 0, 0, O(imap_password_file) },
	{ "imap", "mailbox", K_STR, "INBOX", false, 0, 0, O(imap_mailbox) },
	{ "imap", "processed_folder", K_STR, "CME/Processed", false, 0, 0, O(imap_processed_folder) },
	{ "imap", "review_folder", K_STR, "CME/Review", false, 0, 0, O(imap_review_folder) },
	{ "imap", "timeout", K_INT, "60", false, 1, 3600, O(imap_timeout) },
	/* `cmegw run` wakes at least this often (seconds) to send and retry; new
	 * mail wakes it at once through IDLE where the server has it. */
	{ "imap", "poll_interval", K_INT, "60", false, 5, 1740, O(imap_poll_interval) },

	{ "smtp", "url", K_STR, NULL, true, 0, 0, O(smtp_url) },
	{ "smtp", "security", K_SMTP_SECURITY, "starttls", false, 0, 0, O(smtp_security) },
	{ "smtp", "ca_file", K_PATH, NULL, false, 0, 0, O(smtp_ca_file) },
	{ "smtp", "user", K_STR, NULL, false, 0, 0, O(smtp_user) },
	{ "smtp", "password_file", K_PATH, NULL, false, 0, 0, O(smtp_password_file) },
	{ "smtp", "from", K_STR, NULL, true, 0, 0, O(smtp_from) },
	{ "smtp", "from_name", K_STR, "CME gateway", false, 0, 0, O(smtp_from_name) },
	{ "smtp", "timeout", K_INT, "60", false, 1, 3600, O(smtp_timeout) },
	{ "smtp", "max_attempts", K_INT, "10", false, 1, 1000, O(smtp_max_attempts) },
	{ "smtp", "retry_horizon", K_INT, "2880", false, 1, 525600, O(smtp_retry_horizon) },

	{ "storage", "database", K_PATH, "/var/lib/cmegw/cmegw.db", false, 0, 0, O(database) },
	{ "storage", "spool", K_PATH, "/var/lib/cmegw/spool", false, 0, 0, O(spool) },

	{ "limits", "max_message_bytes", K_INT, "52428800", false, 1024, 1073741824, O(max_message_bytes) },
	{ "limits", "max_mime_depth", K_INT, "20", false, 1, 100, O(max_mime_depth) },
	{ "limits", "max_parts", K_INT, "500", false, 1, 100000, O(max_parts) },
	{ "limits", "max_attachment_bytes", K_INT, "20971520", false, 1024, 1073741824,
	  O(max_attachment_bytes) },
	{ "limits", "max_decoded_bytes", K_INT, "104857600", false, 1024, 1073741824,
	  O(max_decoded_bytes) },
	{ "limits", "fields", K_PATH, NULL, false, 0, 0, O(fields) },

	{ "routing", "postcodes", K_PATH, NULL, false, 0, 0, O(postcodes) },
	{ "routing", "la_codes", K_PATH, NULL, false, 0, 0, O(la_codes) },
	{ "routing", "over_age", K_STR, "close", false, 0, 0, O(over_age) },
	{ "routing", "tell_referrer_on_close", K_STR, "no", false, 0, 0, O(referrer_on_close) },

	{ "calendar", "term_dates", K_PATH, NULL, false, 0, 0, O(term_dates) },
	{ "calendar", "closures", K_LIST, "", false, 0, 0, O(closures) },

	{ "recipients", "team", K_LIST, NULL, true, 0, 0, O(team) },
	{ "recipients", "safeguarding_hub", K_LIST, "", false, 0, 0, O(safeguarding_hub) },
	{ "recipients", "ehe_team", K_LIST, "", false, 0, 0, O(ehe_team) },
	{ "recipients", "social_care", K_LIST, "", false, 0, 0, O(social_care) },
	{ "recipients", "police", K_LIST, "", false, 0, 0, O(police) },
	{ "recipients", "neet", K_LIST, "", false, 0, 0, O(neet) },

	{ "notify", "templates", K_PATH, NULL, false, 0, 0, O(templates) },
	{ "notify", "secure_domains", K_LIST, "", false, 0, 0, O(secure_domains) },
	{ "notify", "ack_daily_cap", K_INT, "10", false, 0, 10000, O(ack_daily_cap) },
	/* issue 6: [recipients] secure_domains is the name; [notify] stays an
	 * alias (read first, so the [recipients] one wins when both are set) */
	{ "recipients", "secure_domains", K_LIST, NULL, false, 0, 0, O(secure_domains) },
	{ "recipients", "team_lead", K_LIST, "", false, 0, 0, O(team_lead) },
	{ "notify", "local_templates", K_PATH, "", false, 0, 0, O(local_templates) },
	{ "digest", "time", K_STR, "07:30", false, 0, 0, O(digest_time) },
	{ "digest", "review_days", K_INT, "20", false, 1, 3650, O(digest_review_days) },
	{ "digest", "social_care_day", K_STR, "monday", false, 0, 0, O(digest_social_care_day) },
	{ "digest", "remind_days_before", K_INT, "2", false, 0, 365, O(remind_days_before) },

	/* DOMAIN.md §8.2 / DESIGN.md "Risk levels" (issue 5): P0 immediate, P1
	 * high (ehcp: an EHCP on its own), everything else standard. */
	{ "risk", "immediate", K_LIST,
	  "cp_plan;looked_after;cse;trafficking;fgm;forced_marriage;radicalisation;removal_from_uk",
	  false, 0, 0, O(risk_immediate) },
	{ "risk", "high", K_LIST,
	  "cin_plan;missing_episodes;domestic_abuse;young_carer;grt;refugee_asylum;homeless;"
	  "youth_justice;parental_needs;teenage_parent;ehcp", false, 0, 0, O(risk_high) },
};

/* line_of - line number of KEY in GROUP (or of [GROUP] when KEY is NULL) */
static int line_of(const char *text, const char *group, const char *key)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	g_autofree char *cur = NULL;
	for (int i = 0; lines[i]; i++) {
		g_autofree char *l = g_strstrip(g_strdup(lines[i]));
		if (l[0] == '[') {
			char *end = strchr(l, ']');
			g_free(cur);
			cur = end ? g_strndup(l + 1, (gsize)(end - l - 1)) : g_strdup(l + 1);
			if (!key && g_strcmp0(cur, group) == 0)
				return i + 1;
			continue;
		}
		if (key && g_strcmp0(cur, group) == 0) {
			char *eq = strchr(l, '=');
			if (eq) {
				g_autofree char *k = g_strstrip(g_strndup(l, (gsize)(eq - l)));
				if (strcmp(k, key) == 0)
					return i + 1;
			}
		}
	}
	return 0;
}

static const struct key_def *find_key(const char *group, const char *key)
{
	for (size_t i = 0; i < G_N_ELEMENTS(keys); i++)
		if (strcmp(keys[i].group, group) == 0 && strcmp(keys[i].key, key) == 0)
			return &keys[i];
	return NULL;
}

static bool group_known(const char *group)
{
	if (strcmp(group, "neighbours") == 0 || strcmp(group, "deadlines") == 0 ||
	    strcmp(group, "postcode_fallback") == 0)
		return true;
	for (size_t i = 0; i < G_N_ELEMENTS(keys); i++)
		if (strcmp(keys[i].group, group) == 0)
			return true;
	return false;
}

struct loader {
	const char *path, *text, *dir;
	struct config *config;
};

static bool fail(const struct loader *ld, const char *group, const char *key,
		 GError **error, const char *fmt, ...) G_GNUC_PRINTF(5, 6);

/* fail - set ERROR to "FILE:LINE: [GROUP] KEY: WHAT" */
static bool fail(const struct loader *ld, const char *group, const char *key,
		 GError **error, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_autofree char *what = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	int line = line_of(ld->text, group, key);
	g_autofree char *where = line ? g_strdup_printf("%s:%d", ld->path, line)
				      : g_strdup(ld->path);
	g_set_error(error, CONFIG_ERROR, CONFIG_ERROR_VALUE, "%s: [%s]%s%s: %s", where, group,
		    key ? " " : "", key ? key : "", what);
	return false;
}

static char *resolve_path(const struct loader *ld, const char *value)
{
	if (value[0] == '\0' || g_path_is_absolute(value))
		return g_strdup(value);
	return g_build_filename(ld->dir, value, NULL);
}

static char **split_list(const char *value)
{
	g_auto(GStrv) parts = g_strsplit_set(value, ";,", -1);
	GPtrArray *out = g_ptr_array_new();
	for (int i = 0; parts[i]; i++) {
		char *p = g_strstrip(parts[i]);
		if (*p)
			g_ptr_array_add(out, g_strdup(p));
	}
	g_ptr_array_add(out, NULL);
	return (char **)g_ptr_array_free(out, FALSE);
}

/* set_value - convert VALUE by the key's type into the config struct */
static bool set_value(const struct loader *ld, const struct key_def *k, const char *value,
		      GError **error)
{
	char *base = (char *)ld->config;
	void *slot = base + k->offset;
	switch (k->type) {
	case K_STR:
		if (k->required && value[0] == '\0')
			return fail(ld, k->group, k->key, error, "must not be empty");
		*(char **)slot = g_strdup(value);
		return true;
	case K_PATH:
		*(char **)slot = resolve_path(ld, value);
		return true;
	case K_LIST:
		g_strfreev(*(char ***)slot);   /* an alias may have set it already */
		*(char ***)slot = split_list(value);
		return true;
	case K_INT: {
		char *end = NULL;
		errno = 0;
		gint64 v = g_ascii_strtoll(value, &end, 10);
		if (errno || end == value || *end != '\0')
			return fail(ld, k->group, k->key, error, "'%s' is not a whole number", value);
		if (v < k->min || v > k->max)
			return fail(ld, k->group, k->key, error, "'%s' is not between %d and %d",
				    value, k->min, k->max);
		*(int *)slot = (int)v;
		return true;
	}
	case K_IMAP_SECURITY:
	case K_SMTP_SECURITY: {
		int v;
		if (strcmp(value, "tls") == 0)
			v = k->type == K_IMAP_SECURITY ? (int)INGEST_SECURITY_TLS : (int)NOTIFY_SECURITY_TLS;
		else if (strcmp(value, "starttls") == 0)
			v = k->type == K_IMAP_SECURITY ? (int)INGEST_SECURITY_STARTTLS
						       : (int)NOTIFY_SECURITY_STARTTLS;
		else if (strcmp(value, "none") == 0)
			v = k->type == K_IMAP_SECURITY ? (int)INGEST_SECURITY_NONE : (int)NOTIFY_SECURITY_NONE;
		else
			return fail(ld, k->group, k->key, error,
				    "'%s' is not one of tls, starttls, none", value);
		*(int *)slot = v;
		return true;
	}
	}
	return false;
}

/* read_secret - the first line of PATH, which must not be readable by others */
static char *read_secret(const struct loader *ld, const char *group, const char *key,
			 const char *path, GError **error)
{
	g_autofree char *text = NULL;
	g_autoptr(GError) err = NULL;
	if (!g_file_get_contents(path, &text, NULL, &err)) {
		fail(ld, group, key, error, "cannot read '%s': %s", path, err->message);
		return NULL;
	}
	char *nl = strpbrk(text, "\r\n");
	if (nl)
		*nl = '\0';
	if (text[0] == '\0') {
		fail(ld, group, key, error, "'%s' is empty", path);
		return NULL;
	}
	return g_steal_pointer(&text);
}

static bool check_unknown(const struct loader *ld, GKeyFile *kf, GError **error)
{
	g_auto(GStrv) groups = g_key_file_get_groups(kf, NULL);
	for (int g = 0; groups[g]; g++) {
		if (!group_known(groups[g]))
			return fail(ld, groups[g], NULL, error, "unknown section");
		g_auto(GStrv) names = g_key_file_get_keys(kf, groups[g], NULL, NULL);
		for (int i = 0; names && names[i]; i++) {
			if (strcmp(groups[g], "neighbours") == 0) {
				if (strlen(names[i]) != 9)
					return fail(ld, groups[g], names[i], error,
						    "'%s' is not a nine-character ONS code", names[i]);
				continue;
			}
			if (strcmp(groups[g], "deadlines") == 0 ||
			    strcmp(groups[g], "postcode_fallback") == 0)
				continue;   /* read by load_procedure */
			if (!find_key(groups[g], names[i]))
				return fail(ld, groups[g], names[i], error, "unknown key");
		}
	}
	return true;
}

static bool load_keys(const struct loader *ld, GKeyFile *kf, GError **error)
{
	for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
		const struct key_def *k = &keys[i];
		g_autofree char *v = g_key_file_get_value(kf, k->group, k->key, NULL);
		if (v)
			g_strstrip(v);
		if (!v && k->required)
			return fail(ld, k->group, k->key, error, "is required");
		const char *value = v ? v : k->def;
		if (!value)
			continue;
		if (!set_value(ld, k, value, error))
			return false;
	}
	g_auto(GStrv) codes = g_key_file_get_keys(kf, "neighbours", NULL, NULL);
	for (int i = 0; codes && codes[i]; i++) {
		g_autofree char *addr = g_key_file_get_value(kf, "neighbours", codes[i], NULL);
		g_strstrip(addr);
		if (!strchr(addr, '@'))
			return fail(ld, "neighbours", codes[i], error, "'%s' is not an address", addr);
		g_hash_table_insert(ld->config->neighbours, g_ascii_strup(codes[i], -1),
				    g_steal_pointer(&addr));
	}
	return true;
}

/* fallback_key_ok - a postcode district ("ME4") or sector ("ME4 4") */
static bool fallback_key_ok(const char *k)
{
	g_autofree char *pc = parse_postcode_normalise(k);
	if (pc)
		return false;   /* a whole postcode belongs in the ONS directory */
	size_t n = strlen(k);
	const char *sp = strchr(k, ' ');
	if (n < 2 || n > 6 || !g_ascii_isalpha(k[0]) || (sp && (sp[1] == '\0' || sp[2] != '\0' ||
							      !g_ascii_isdigit(sp[1]))))
		return false;
	for (const char *p = k; *p && p != sp; p++)
		if (!g_ascii_isalnum(*p) || g_ascii_islower(*p))
			return false;
	return true;
}

/* load_procedure - [deadlines] rules (in file order) and [postcode_fallback] */
static bool load_procedure(const struct loader *ld, GKeyFile *kf, GError **error)
{
	struct config *c = ld->config;
	g_auto(GStrv) rules = g_key_file_get_keys(kf, "deadlines", NULL, NULL);
	for (int i = 0; rules && rules[i]; i++) {
		g_autofree char *v = g_key_file_get_value(kf, "deadlines", rules[i], NULL);
		g_autofree char *why = NULL;
		struct route_deadline_rule *r = route_deadline_rule_parse(rules[i], g_strstrip(v), &why);
		if (!r)
			return fail(ld, "deadlines", rules[i], error, "%s", why);
		bool known = route_trigger_known(r->trigger);
		for (int k = 0; k < i && !known; k++)
			known = strcmp(rules[k], r->trigger) == 0;
		if (!known) {
			g_autofree char *t = g_strdup(r->trigger);
			route_deadline_rule_free(r);
			return fail(ld, "deadlines", rules[i], error,
				    "trigger '%s' is not an event (opened, opened_referral, opened_off_roll,"
				    " opened_ehe, risk_LEVEL, category_CATEGORY, cross_border) or an"
				    " earlier rule", t);
		}
		g_ptr_array_add(c->deadline_rules, r);
	}
	g_auto(GStrv) pcs = g_key_file_get_keys(kf, "postcode_fallback", NULL, NULL);
	for (int i = 0; pcs && pcs[i]; i++) {
		g_autofree char *v = g_key_file_get_value(kf, "postcode_fallback", pcs[i], NULL);
		g_strstrip(v);
		if (!fallback_key_ok(pcs[i]))
			return fail(ld, "postcode_fallback", pcs[i], error,
				    "'%s' is not a postcode district (ME4) or sector (ME4 4)", pcs[i]);
		if (strlen(v) != 9)
			return fail(ld, "postcode_fallback", pcs[i], error,
				    "'%s' is not a nine-character ONS code", v);
		g_hash_table_insert(c->postcode_fallback, g_strdup(pcs[i]), g_steal_pointer(&v));
	}
	if (strcmp(c->over_age, "close") && strcmp(c->over_age, "neet") && strcmp(c->over_age, "case"))
		return fail(ld, "routing", "over_age", error, "'%s' is not one of close, neet, case",
			    c->over_age);
	if (strcmp(c->referrer_on_close, "yes") && strcmp(c->referrer_on_close, "no"))
		return fail(ld, "routing", "tell_referrer_on_close", error, "'%s' is not yes or no",
			    c->referrer_on_close);
	for (int i = 0; c->closures[i]; i++)
		if (strlen(c->closures[i]) != 10 || !route_julian_parse(c->closures[i]))
			return fail(ld, "calendar", "closures", error, "'%s' is not a YYYY-MM-DD date",
				    c->closures[i]);
	return true;
}

static char *default_datadir_path(const char *name);

/* load_dictionary - the field dictionary [limits] fields names (default: the
 * shipped data/fields.conf), read here and built by the parser */
static bool load_dictionary(const struct loader *ld, GError **error)
{
	struct config *c = ld->config;
	g_autofree char *text = NULL;
	g_autoptr(GError) err = NULL;
	gsize len = 0;

	if (!c->fields || !*c->fields) {
		g_free(c->fields);
		c->fields = default_datadir_path("data/fields.conf");
		/* not installed beside the binary: the parser's built-in copy
		 * of the same file (c->dictionary NULL) */
		if (!g_file_test(c->fields, G_FILE_TEST_EXISTS))
			return true;
	}
	if (!g_file_get_contents(c->fields, &text, &len, &err))
		return fail(ld, "limits", "fields", error, "cannot read '%s': %s", c->fields,
			    err->message);
	c->dictionary = parse_dictionary_new(text, len, &err);
	if (!c->dictionary)
		return fail(ld, "limits", "fields", error, "'%s' %s", c->fields, err->message);
	return true;
}

static bool check_values(const struct loader *ld, GError **error)
{
	struct config *c = ld->config;
	if (strlen(c->authority_code) != 9)
		return fail(ld, "authority", "code", error,
			    "'%s' is not a nine-character ONS code", c->authority_code);
	if (!strchr(c->authority_address, '@'))
		return fail(ld, "authority", "address", error, "'%s' is not an address",
			    c->authority_address);
	if (!strchr(c->smtp_from, '@'))
		return fail(ld, "smtp", "from", error, "'%s' is not an address", c->smtp_from);
	bool smtps = g_str_has_prefix(c->smtp_url, "smtps://");
	if (!smtps && !g_str_has_prefix(c->smtp_url, "smtp://"))
		return fail(ld, "smtp", "url", error, "'%s' is not an smtp:// or smtps:// URL",
			    c->smtp_url);
	if (smtps != (c->smtp_security == NOTIFY_SECURITY_TLS))
		return fail(ld, "smtp", "security", error,
			    "security must be tls exactly when the url is smtps://");
	if (c->team[0] == NULL)
		return fail(ld, "recipients", "team", error, "must name at least one address");
	if (c->smtp_user && !c->smtp_password_file)
		return fail(ld, "smtp", "password_file", error, "is required when user is set");
	return true;
}

static bool load_secrets(const struct loader *ld, GError **error)
{
	struct config *c = ld->config;
	c->imap_password = read_secret(ld, "imap", "password_file", c->imap_password_file, error);
	if (!c->imap_password)
		return false;
	if (c->smtp_user) {
		c->smtp_password = read_secret(ld, "smtp", "password_file", c->smtp_password_file,
					       error);
		if (!c->smtp_password)
			return false;
	}
	return true;
}

/* default_datadir_path - NAME under the source tree when run from it, else
 * the installed data directory */
static char *default_datadir_path(const char *name)
{
	g_autofree char *exe = g_file_read_link("/proc/self/exe", NULL);
	if (exe) {
		g_autofree char *dir = g_path_get_dirname(exe);
		for (int up = 0; up < 5; up++) {
			g_autofree char *cand = g_build_filename(dir, name, NULL);
			g_autofree char *mk = g_build_filename(dir, "Makefile", NULL);
			if (g_file_test(mk, G_FILE_TEST_EXISTS) && g_file_test(cand, G_FILE_TEST_EXISTS))
				return g_steal_pointer(&cand);
			char *parent = g_path_get_dirname(dir);
			g_free(dir);
			dir = parent;
		}
	}
	return g_build_filename(CMEGW_DATADIR, name, NULL);
}

struct config *config_load(const char *path, bool need_secrets, GError **error)
{
	g_autofree char *text = NULL;
	g_autoptr(GError) err = NULL;
	if (!g_file_get_contents(path, &text, NULL, &err)) {
		g_set_error(error, CONFIG_ERROR, CONFIG_ERROR_FILE, "config '%s': %s", path,
			    err->message);
		return NULL;
	}
	g_autoptr(GKeyFile) kf = g_key_file_new();
	if (!g_key_file_load_from_data(kf, text, (gsize)-1, G_KEY_FILE_NONE, &err)) {
		g_set_error(error, CONFIG_ERROR, CONFIG_ERROR_FILE, "config '%s': %s", path,
			    err->message);
		return NULL;
	}
	g_autoptr(config) c = g_new0(struct config, 1);
	c->path = g_strdup(path);
	c->neighbours = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_autofree char *dir = g_path_get_dirname(path);
	struct loader ld = { path, text, dir, c };

	c->deadline_rules = g_ptr_array_new_with_free_func((GDestroyNotify)route_deadline_rule_free);
	c->postcode_fallback = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	if (!check_unknown(&ld, kf, error) || !load_keys(&ld, kf, error) ||
	    !check_values(&ld, error) || !load_procedure(&ld, kf, error))
		return NULL;
	if (need_secrets && !load_secrets(&ld, error))
		return NULL;
	if (!c->templates || !*c->templates) {
		g_free(c->templates);
		c->templates = default_datadir_path("templates");
	}
	if (!c->la_codes || !*c->la_codes) {
		g_free(c->la_codes);
		c->la_codes = default_datadir_path("data/la-codes.csv");
	}
	if (!load_dictionary(&ld, error))
		return NULL;
	return g_steal_pointer(&c);
}

void config_free(struct config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
		void *slot = (char *)c + keys[i].offset;
		/* cleared as freed: an alias shares its key's slot */
		if (keys[i].type == K_STR || keys[i].type == K_PATH)
			g_clear_pointer((char **)slot, g_free);
		else if (keys[i].type == K_LIST)
			g_clear_pointer((char ***)slot, g_strfreev);
	}
	if (c->imap_password)
		memset(c->imap_password, 0, strlen(c->imap_password));
	if (c->smtp_password)
		memset(c->smtp_password, 0, strlen(c->smtp_password));
	g_free(c->imap_password);
	g_free(c->smtp_password);
	if (c->neighbours)
		g_hash_table_unref(c->neighbours);
	parse_dictionary_free(c->dictionary);
	if (c->postcode_fallback)
		g_hash_table_unref(c->postcode_fallback);
	if (c->deadline_rules)
		g_ptr_array_unref(c->deadline_rules);
	g_free(c->path);
	g_free(c);
}

void config_imap_params(const struct config *c, struct ingest_imap_params *p)
{
	memset(p, 0, sizeof(*p));
	p->host = c->imap_host;
	p->port = (unsigned)c->imap_port;
	p->security = c->imap_security;
	p->ca_file = c->imap_ca_file && *c->imap_ca_file ? c->imap_ca_file : NULL;
	p->user = c->imap_user;
	p->password = c->imap_password;
	p->timeout_seconds = (unsigned)c->imap_timeout;
}

void config_smtp_params(const struct config *c, struct notify_smtp_params *p)
{
	memset(p, 0, sizeof(*p));
	p->url = c->smtp_url;
	p->security = c->smtp_security;
	p->ca_file = c->smtp_ca_file && *c->smtp_ca_file ? c->smtp_ca_file : NULL;
	p->user = c->smtp_user;
	p->password = c->smtp_password;
	p->timeout_seconds = (unsigned)c->smtp_timeout;
}

void config_parse_limits(const struct config *c, struct parse_limits *l)
{
	l->max_message_bytes = (size_t)c->max_message_bytes;
	l->max_mime_depth = (unsigned)c->max_mime_depth;
	l->max_parts = (unsigned)c->max_parts;
	l->max_attachment_bytes = (size_t)c->max_attachment_bytes;
	l->max_decoded_bytes = (size_t)c->max_decoded_bytes;
	l->dictionary = c->dictionary;
}

char **config_warnings(const struct config *c)
{
	static const struct { const char *key; size_t off; const char *what; } lists[] = {
		{ "safeguarding_hub", O(safeguarding_hub), "safeguarding alerts" },
		{ "ehe_team", O(ehe_team), "elective home education notices" },
		{ "social_care", O(social_care), "social care summaries" },
		{ "police", O(police), "police notices" },
		{ "neet", O(neet), "notices to the NEET team" },
	};
	GPtrArray *out = g_ptr_array_new();
	for (size_t i = 0; i < G_N_ELEMENTS(lists); i++) {
		char **v = *(char ***)((const char *)c + lists[i].off);
		if (!v || !v[0])
			g_ptr_array_add(out, g_strdup_printf("[recipients] %s is empty: %s are not sent",
							     lists[i].key, lists[i].what));
	}
	if (g_hash_table_size(c->neighbours) == 0)
		g_ptr_array_add(out, g_strdup("[neighbours] is empty: cross-border notices are not sent"));
	bool school_days = false;
	for (guint i = 0; c->deadline_rules && i < c->deadline_rules->len; i++) {
		const struct route_deadline_rule *r = g_ptr_array_index(c->deadline_rules, i);
		school_days = school_days || r->unit == ROUTE_UNIT_SCHOOL_DAYS;
	}
	if (school_days && (!c->term_dates || !*c->term_dates))
		g_ptr_array_add(out, g_strdup("[calendar] term_dates is not set: school days are "
					      "counted as working days"));
	g_ptr_array_add(out, NULL);
	return (char **)g_ptr_array_free(out, FALSE);
}
