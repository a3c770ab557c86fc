/* test_ingest_tls.c - unit tests for the certificate-chain check of the IMAP client
 * (ingest_tls_verify_chain). One TAP line per table row.
 *
 * The group setup makes throwaway CAs and server certificates with openssl in
 * a temporary directory: two root CAs, an intermediate under the first, and
 * leaves for the right host, another CA, a wrong host, a past date, an IP
 * address written as a DNS name, and a wildcard. The teardown removes them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <glib/gstdio.h>

#include "ingest/ingest_p.h"

static char *dir;   /* the temporary directory of the group */

static const char openssl_cnf[] =
	"[req]\n"
	"distinguished_name = dn\n"
	"prompt = no\n"
	"[dn]\n"
	"CN = placeholder\n"
	"[ca]\n"
	"basicConstraints = critical, CA:TRUE\n"
	"keyUsage = critical, keyCertSign, cRLSign\n"
	"[leaf]\n"
	"basicConstraints = critical, CA:FALSE\n"
	"subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1\n"
	"[wrong]\n"
	"basicConstraints = critical, CA:FALSE\n"
	"subjectAltName = DNS:wrong-host.invalid\n"
	"[dnsip]\n"
	"basicConstraints = critical, CA:FALSE\n"
	"subjectAltName = DNS:127.0.0.1\n"
	"[wild]\n"
	"basicConstraints = critical, CA:FALSE\n"
	"subjectAltName = DNS:*.mail.example.org\n";

/* ---- fixtures ---- */

/* openssl - run openssl with ARGS (NULL-terminated) in DIR; false on failure */
static bool openssl(const char *first, ...)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autofree char *err = NULL;
	g_autoptr(GError) error = NULL;
	int status = 0;
	va_list ap;

	g_ptr_array_add(argv, (char *)"openssl");
	va_start(ap, first);
	for (const char *a = first; a != NULL; a = va_arg(ap, const char *))
		g_ptr_array_add(argv, (char *)a);
	va_end(ap);
	g_ptr_array_add(argv, NULL);
	if (!g_spawn_sync(dir, (char **)argv->pdata, NULL,
			  G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
			  NULL, &err, &status, &error) ||
	    !g_spawn_check_wait_status(status, &error)) {
		print_error("openssl %s: %s\n%s", first, error->message, err ? err : "");
		return false;
	}
	return true;
}

/* make_root - self-signed CA NAME: NAME.pem, NAME.key */
static bool make_root(const char *name)
{
	g_autofree char *key = g_strdup_printf("%s.key", name);
	g_autofree char *pem = g_strdup_printf("%s.pem", name);
	g_autofree char *subj = g_strdup_printf("/CN=cmegw unit test %s", name);

	return openssl("req", "-x509", "-config", "openssl.cnf", "-extensions", "ca",
		       "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-noenc",
		       "-keyout", key, "-out", pem, "-days", "30", "-subj", subj, NULL);
}

/* make_signed - NAME.der (and NAME.pem, NAME.key) with extensions EXT, signed by
 * SIGNER, valid for DAYS (negative: already expired) */
static bool make_signed(const char *name, const char *signer, const char *ext,
			const char *days)
{
	g_autofree char *key = g_strdup_printf("%s.key", name);
	g_autofree char *csr = g_strdup_printf("%s.csr", name);
	g_autofree char *pem = g_strdup_printf("%s.pem", name);
	g_autofree char *der = g_strdup_printf("%s.der", name);
	g_autofree char *ca = g_strdup_printf("%s.pem", signer);
	g_autofree char *ca_key = g_strdup_printf("%s.key", signer);
	g_autofree char *subj = g_strdup_printf("/CN=cmegw unit test %s", name);

	return openssl("req", "-new", "-config", "openssl.cnf", "-newkey", "ec",
		       "-pkeyopt", "ec_paramgen_curve:prime256v1", "-noenc",
		       "-keyout", key, "-out", csr, "-subj", subj, NULL) &&
	       openssl("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key,
		       "-days", days, "-extfile", "openssl.cnf", "-extensions", ext,
		       "-out", pem, NULL) &&
	       openssl("x509", "-in", pem, "-outform", "DER", "-out", der, NULL);
}

/* write_file - NAME in DIR holds TEXT */
static bool write_file(const char *name, const char *text, gssize len)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);

	return g_file_set_contents(path, text, len, NULL);
}

/* concat_pem - OUT holds the PEM files A and B */
static bool concat_pem(const char *out, const char *a, const char *b)
{
	g_autofree char *pa = g_build_filename(dir, a, NULL);
	g_autofree char *pb = g_build_filename(dir, b, NULL);
	g_autofree char *ta = NULL, *tb = NULL, *both = NULL;

	if (!g_file_get_contents(pa, &ta, NULL, NULL) || !g_file_get_contents(pb, &tb, NULL, NULL))
		return false;
	both = g_strconcat(ta, tb, NULL);
	return write_file(out, both, -1);
}

static int group_setup(void **state)
{
	static const char garbage[] = "not a certificate\0\x30\x82\xff\xff";

	dir = g_dir_make_tmp("cmegw-tls-XXXXXX", NULL);
	if (dir == NULL)
		return -1;
	if (!write_file("openssl.cnf", openssl_cnf, -1) ||
	    !make_root("ca1") || !make_root("ca2") ||
	    !make_signed("inter", "ca1", "ca", "30") ||
	    !make_signed("good", "ca1", "leaf", "30") ||
	    !make_signed("other", "ca2", "leaf", "30") ||
	    !make_signed("wrong", "ca1", "wrong", "30") ||
	    !make_signed("expired", "ca1", "leaf", "-1") ||
	    !make_signed("dnsip", "ca1", "dnsip", "30") ||
	    !make_signed("wild", "ca1", "wild", "30") ||
	    !make_signed("deep", "inter", "leaf", "30") ||
	    !concat_pem("both.pem", "ca1.pem", "ca2.pem") ||
	    !write_file("empty.pem", "", 0) ||
	    !write_file("garbage.der", garbage, sizeof(garbage) - 1))
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	GDir *d;
	const char *name;

	if (dir == NULL)
		return 0;
	d = g_dir_open(dir, 0, NULL);
	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		g_autofree char *path = g_build_filename(dir, name, NULL);

		g_unlink(path);
	}
	if (d != NULL)
		g_dir_close(d);
	g_rmdir(dir);
	g_clear_pointer(&dir, g_free);
	return 0;
}

/* ---- the table ---- */

struct verify_row {
	const char *name;
	const char *chain[3];   /* NAME.der files in the order the server sends them */
	const char *ca_file;    /* in DIR; NULL: the system store */
	const char *host;
	const char *want;       /* NULL: trusted; else a part of the error message */
};

static const struct verify_row verify_rows[] = {
	{ "trusted leaf for host name", { "good" }, "ca1.pem", "localhost", NULL },
	{ "trusted leaf for IPv4 literal", { "good" }, "ca1.pem", "127.0.0.1", NULL },
	{ "trusted leaf for IPv6 literal", { "good" }, "ca1.pem", "::1", NULL },
	{ "other IP address refused", { "good" }, "ca1.pem", "127.0.0.2",
	  "certificate does not match host '127.0.0.2'" },
	{ "other host name refused", { "good" }, "ca1.pem", "imap.example.org",
	  "certificate does not match host 'imap.example.org'" },
	{ "second CA refused", { "other" }, "ca1.pem", "localhost",
	  "certificate for 'localhost' not trusted: signer not found" },
	{ "second CA in the bundle", { "other" }, "both.pem", "localhost", NULL },
	{ "untrusted wins over wrong host", { "other" }, "ca1.pem", "127.0.0.9",
	  "certificate for '127.0.0.9' not trusted: signer not found" },
	{ "leaf for another host refused", { "wrong" }, "ca1.pem", "localhost",
	  "certificate does not match host 'localhost'" },
	{ "leaf for another host, that host", { "wrong" }, "ca1.pem", "wrong-host.invalid", NULL },
	{ "expired leaf refused", { "expired" }, "ca1.pem", "localhost",
	  "certificate for 'localhost' not trusted: expired" },
	{ "IP literal needs an IP SAN", { "dnsip" }, "ca1.pem", "127.0.0.1",
	  "certificate does not match host '127.0.0.1'" },
	{ "wildcard matches one label", { "wild" }, "ca1.pem", "imap.mail.example.org", NULL },
	{ "wildcard not for its parent", { "wild" }, "ca1.pem", "mail.example.org",
	  "certificate does not match host 'mail.example.org'" },
	{ "wildcard not for two labels", { "wild" }, "ca1.pem", "a.b.mail.example.org",
	  "certificate does not match host 'a.b.mail.example.org'" },
	{ "intermediate sent along", { "deep", "inter" }, "ca1.pem", "localhost", NULL },
	{ "intermediate missing", { "deep" }, "ca1.pem", "localhost",
	  "certificate for 'localhost' not trusted: signer not found" },
	{ "system store lacks the test CA", { "good" }, NULL, "localhost",
	  "certificate for 'localhost' not trusted: signer not found" },
	{ "empty chain refused", { NULL }, "ca1.pem", "localhost",
	  "certificate for 'localhost' not trusted: server sent no certificate" },
	{ "garbage refused", { "garbage" }, "ca1.pem", "localhost",
	  "certificate for 'localhost' not trusted: cannot parse certificate 1 of 1" },
	{ "garbage after the leaf refused", { "good", "garbage" }, "ca1.pem", "localhost",
	  "certificate for 'localhost' not trusted: cannot parse certificate 2 of 2" },
	{ "missing ca_file refused", { "good" }, "missing.pem", "localhost",
	  "cannot load ca_file '" },
	{ "ca_file without certificates refused", { "good" }, "empty.pem", "localhost",
	  "cannot load ca_file '" },
};

/* load_chain - the GBytes of ROW's chain files */
static GPtrArray *load_chain(const struct verify_row *row)
{
	GPtrArray *chain = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);

	for (size_t i = 0; i < G_N_ELEMENTS(row->chain) && row->chain[i] != NULL; i++) {
		g_autofree char *name = g_strdup_printf("%s.der", row->chain[i]);
		g_autofree char *path = g_build_filename(dir, name, NULL);
		char *data = NULL;
		gsize len = 0;

		assert_true(g_file_get_contents(path, &data, &len, NULL));
		g_ptr_array_add(chain, g_bytes_new_take(data, len));
	}
	return chain;
}

static void test_verify(void **state)
{
	const struct verify_row *row = *state;
	g_autoptr(GPtrArray) chain = load_chain(row);
	g_autofree char *ca = row->ca_file ? g_build_filename(dir, row->ca_file, NULL) : NULL;
	g_autoptr(GError) error = NULL;
	bool ok = ingest_tls_verify_chain(chain, ca, row->host, &error);

	if (row->want == NULL) {
		if (!ok)
			fail_msg("refused: %s", error->message);
		assert_null(error);
		return;
	}
	assert_false(ok);
	assert_non_null(error);
	assert_true(g_error_matches(error, INGEST_ERROR, INGEST_ERROR_TLS));
	if (strstr(error->message, row->want) == NULL)
		fail_msg("message '%s' lacks '%s'", error->message, row->want);
}

/* test_null_chain - a NULL array is an empty chain */
static void test_null_chain(void **state)
{
	g_autoptr(GError) error = NULL;

	assert_false(ingest_tls_verify_chain(NULL, NULL, "localhost", &error));
	assert_true(g_error_matches(error, INGEST_ERROR, INGEST_ERROR_TLS));
}

/* test_long_chain - more than INGEST_TLS_MAX_CHAIN certificates is refused unread */
static void test_long_chain(void **state)
{
	g_autoptr(GPtrArray) chain = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	g_autoptr(GError) error = NULL;

	for (int i = 0; i <= INGEST_TLS_MAX_CHAIN; i++)
		g_ptr_array_add(chain, g_bytes_new_static("x", 1));
	assert_false(ingest_tls_verify_chain(chain, NULL, "localhost", &error));
	assert_true(g_error_matches(error, INGEST_ERROR, INGEST_ERROR_TLS));
	assert_non_null(strstr(error->message, "too long"));
}

int main(void)
{
	g_autoptr(GArray) tests = g_array_new(FALSE, TRUE, sizeof(struct CMUnitTest));
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);

	for (size_t i = 0; i < G_N_ELEMENTS(verify_rows); i++) {
		char *name = g_strdup_printf("verify: %s", verify_rows[i].name);
		struct CMUnitTest t = {
			.name = name,
			.test_func = test_verify,
			.initial_state = (void *)&verify_rows[i],
		};

		g_ptr_array_add(names, name);
		g_array_append_val(tests, t);
	}
	const struct CMUnitTest extra[] = {
		cmocka_unit_test(test_null_chain),
		cmocka_unit_test(test_long_chain),
	};
	g_array_append_vals(tests, extra, G_N_ELEMENTS(extra));
	return _cmocka_run_group_tests("ingest_tls", (struct CMUnitTest *)tests->data,
				       tests->len, group_setup, group_teardown);
}
