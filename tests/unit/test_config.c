/* test_config.c - the config table: good files load, bad ones name file, line and key */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <glib.h>
#include <glib/gstdio.h>
#include "config.h"

static char *dir;

static const char *base =
	"[authority]\ncode = E06000035\nname = Medway Council\naddress = cme@medway.example.org\n"
	"[imap]\nhost = imap.example.org\nuser = cme@medway.example.org\npassword_file = imap.pw\n"
	"[smtp]\nurl = smtp://smtp.example.org:587\nfrom = cmegw@medway.example.org\n"
	"[storage]\ndatabase = db/cmegw.db\n"
	"[neighbours]\nE10000016 = cme@kent.example.org\n"
	"[recipients]\nteam = a@medway.example.org; b@medway.example.org\n";

static char *write_conf(const char *extra)
{
	char *path = g_build_filename(dir, "cmegw.conf", NULL);
	g_autofree char *text = g_strconcat(base, extra, NULL);
	assert_true(g_file_set_contents(path, text, -1, NULL));
	return path;
}

static int setup(void **state)
{
	dir = g_dir_make_tmp("cmegw-config-XXXXXX", NULL);
	g_autofree char *pw = g_build_filename(dir, "imap.pw", NULL);
	assert_true(g_file_set_contents(pw, "s3cret\nignored\n", -1, NULL));
	return 0;
}

static int teardown(void **state)
{
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	g_free(dir);
	return 0;
}

static void test_defaults(void **state)
{
	g_autofree char *path = write_conf("");
	GError *err = NULL;
	struct config *c = config_load(path, true, &err);
	assert_null(err);
	assert_non_null(c);
	assert_int_equal(c->imap_port, 993);
	assert_int_equal(c->imap_security, INGEST_SECURITY_TLS);
	assert_int_equal(c->smtp_security, NOTIFY_SECURITY_STARTTLS);
	assert_string_equal(c->imap_mailbox, "INBOX");
	assert_string_equal(c->imap_password, "s3cret");
	assert_int_equal(g_strv_length(c->team), 2);
	assert_string_equal(c->team[1], "b@medway.example.org");
	assert_int_equal(g_strv_length(c->safeguarding_hub), 0);
	assert_true(g_strv_contains((const char *const *)c->risk_immediate, "cp_plan"));
	assert_string_equal(g_hash_table_lookup(c->neighbours, "E10000016"), "cme@kent.example.org");
	/* relative paths are relative to the config file */
	g_autofree char *db = g_build_filename(dir, "db", "cmegw.db", NULL);
	assert_string_equal(c->database, db);
	g_auto(GStrv) warnings = config_warnings(c);
	assert_true(g_strv_length(warnings) >= 1);
	assert_non_null(strstr(warnings[0], "safeguarding_hub"));
	config_free(c);
}

struct bad {
	const char *extra;
	const char *want;   /* substring of the error, after "FILE" */
};

static const struct bad bads[] = {
	{ "[imap]\nhots = x\n", ":19: [imap] hots: unknown key" },
	{ "[imapp]\nhost = x\n", ":18: [imapp]: unknown section" },
	{ "[imap]\nport = 99999\n", "[imap] port: '99999' is not between 1 and 65535" },
	{ "[imap]\nport = 99x\n", "[imap] port: '99x' is not a whole number" },
	{ "[imap]\nsecurity = ssl\n", "[imap] security: 'ssl' is not one of tls, starttls, none" },
	{ "[smtp]\nsecurity = tls\n", "[smtp] security: security must be tls exactly when the url is smtps://" },
	{ "[neighbours]\nE1000 = x@example.org\n", "[neighbours] E1000: 'E1000' is not a nine-character ONS code" },
	{ "[neighbours]\nE06000034 = nobody\n", "[neighbours] E06000034: 'nobody' is not an address" },
	{ "[limits]\nmax_parts = 0\n", "[limits] max_parts: '0' is not between 1 and 100000" },
	{ "[imap]\npassword_file = missing.pw\n", "[imap] password_file: cannot read" },
	{ "[smtp]\nuser = u\n", "[smtp] password_file: is required when user is set" },
};

static void test_bad(void **state)
{
	for (size_t i = 0; i < G_N_ELEMENTS(bads); i++) {
		g_autofree char *path = write_conf(bads[i].extra);
		GError *err = NULL;
		struct config *c = config_load(path, true, &err);
		print_message("# %s\n", bads[i].want);
		assert_null(c);
		assert_non_null(err);
		assert_true(g_str_has_prefix(err->message, path));
		assert_non_null(strstr(err->message, bads[i].want));
		g_error_free(err);
	}
}

static void test_missing(void **state)
{
	GError *err = NULL;
	g_autofree char *path = g_build_filename(dir, "nope.conf", NULL);
	assert_null(config_load(path, false, &err));
	assert_true(g_error_matches(err, CONFIG_ERROR, CONFIG_ERROR_FILE));
	assert_non_null(strstr(err->message, "nope.conf"));
	g_clear_error(&err);
	/* a required key missing */
	g_autofree char *p2 = g_build_filename(dir, "partial.conf", NULL);
	assert_true(g_file_set_contents(p2, "[authority]\ncode = E06000035\n", -1, NULL));
	assert_null(config_load(p2, false, &err));
	assert_non_null(strstr(err->message, "[authority] name: is required"));
	g_error_free(err);
}

/* The shipped example must load: it documents every key, so it must be right. */
static void test_example(void **state)
{
	GError *err = NULL;
	struct config *c = config_load(CMEGW_SRCDIR "/etc/cmegw.conf.example", false, &err);
	if (err)
		print_message("# %s\n", err->message);
	assert_null(err);
	assert_string_equal(c->authority_code, "E06000035");
	assert_int_equal(c->smtp_security, NOTIFY_SECURITY_STARTTLS);
	assert_int_equal(g_hash_table_size(c->neighbours), 2);
	config_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_example),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
