/* ingest_tls.c - verification of a TLS server's certificate chain (GnuTLS)
 *
 * Debian's libetpan is built against GnuTLS and verifies nothing: its CA
 * setters are no-ops there. So the IMAP client takes the chain the server
 * sent once the handshake is done, and this file decides, before a single
 * command goes over the connection, whether it leads to a trusted CA and is
 * for the host we meant to reach.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <unistd.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include <glib/gstdio.h>

#include "ingest/ingest_p.h"

/* What each verification status bit means, worst first. */
static const struct {
	unsigned bit;
	const char *text;
} status_texts[] = {
	{ GNUTLS_CERT_SIGNER_NOT_FOUND, "signer not found" },
	{ GNUTLS_CERT_SIGNER_NOT_CA, "signer is not a ca" },
	{ GNUTLS_CERT_SIGNATURE_FAILURE, "bad signature" },
	{ GNUTLS_CERT_REVOKED, "revoked" },
	{ GNUTLS_CERT_EXPIRED, "expired" },
	{ GNUTLS_CERT_NOT_ACTIVATED, "not yet valid" },
	{ GNUTLS_CERT_INSECURE_ALGORITHM, "insecure algorithm" },
	{ GNUTLS_CERT_SIGNER_CONSTRAINTS_FAILURE, "signer constraints violated" },
	{ GNUTLS_CERT_PURPOSE_MISMATCH, "not for tls servers" },
	{ GNUTLS_CERT_UNKNOWN_CRIT_EXTENSIONS, "unknown critical extension" },
};

/* status_text - the reasons in a verification STATUS, comma separated */
static char *status_text(unsigned status)
{
	GString *text = g_string_new(NULL);

	for (size_t i = 0; i < G_N_ELEMENTS(status_texts); i++) {
		if (!(status & status_texts[i].bit))
			continue;
		if (text->len > 0)
			g_string_append(text, ", ");
		g_string_append(text, status_texts[i].text);
	}
	if (text->len == 0)
		g_string_append_printf(text, "verification failed (status 0x%x)", status);
	return g_string_free(text, FALSE);
}

/* free_chain - deinit the first N certificates of CERTS */
static void free_chain(gnutls_x509_crt_t *certs, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		gnutls_x509_crt_deinit(certs[i]);
}

/* import_chain - parse DER_CERTS into CERTS (room for INGEST_TLS_MAX_CHAIN) */
static bool import_chain(GPtrArray *der_certs, const char *host,
			 gnutls_x509_crt_t *certs, GError **error)
{
	unsigned i;

	for (i = 0; i < der_certs->len; i++) {
		gsize size;
		const void *der = g_bytes_get_data(der_certs->pdata[i], &size);
		gnutls_datum_t datum = { (unsigned char *)der, (unsigned)size };

		if (size > G_MAXUINT || gnutls_x509_crt_init(&certs[i]) < 0)
			break;
		if (gnutls_x509_crt_import(certs[i], &datum, GNUTLS_X509_FMT_DER) < 0) {
			gnutls_x509_crt_deinit(certs[i]);
			break;
		}
	}
	if (i == der_certs->len)
		return true;
	free_chain(certs, i);
	g_set_error(error, INGEST_ERROR, INGEST_ERROR_TLS,
		    "certificate for '%s' not trusted: cannot parse certificate %u of %u",
		    host, i + 1, der_certs->len);
	return false;
}

/* load_failure - why loading trust anchors from FILE gave R (<= 0) */
static const char *load_failure(const char *file, int r)
{
	if (r == 0 || r == GNUTLS_E_NO_CERTIFICATE_FOUND)
		return "no certificates in it";
	if (r == GNUTLS_E_FILE_ERROR && file != NULL && g_access(file, R_OK) != 0)
		return g_strerror(errno);
	return gnutls_strerror(r);
}

/* load_trust - the trust anchors: CA_FILE, or the system store when NULL */
static gnutls_x509_trust_list_t load_trust(const char *ca_file, GError **error)
{
	gnutls_x509_trust_list_t trust;
	int r;

	if (gnutls_x509_trust_list_init(&trust, 0) < 0) {
		g_set_error(error, INGEST_ERROR, INGEST_ERROR_TLS,
			    "cannot set up a trust list");
		return NULL;
	}
	if (ca_file != NULL)
		r = gnutls_x509_trust_list_add_trust_file(trust, ca_file, NULL,
							  GNUTLS_X509_FMT_PEM, 0, 0);
	else
		r = gnutls_x509_trust_list_add_system_trust(trust, 0, 0);
	if (r > 0)
		return trust;

	gnutls_x509_trust_list_deinit(trust, 1);
	if (ca_file != NULL)
		g_set_error(error, INGEST_ERROR, INGEST_ERROR_TLS,
			    "cannot load ca_file '%s': %s", ca_file, load_failure(ca_file, r));
	else
		g_set_error(error, INGEST_ERROR, INGEST_ERROR_TLS,
			    "cannot load the system trust store: %s", load_failure(NULL, r));
	return NULL;
}

/* check_trust - the chain leads to an anchor in TRUST, for a TLS server */
static bool check_trust(gnutls_x509_trust_list_t trust, gnutls_x509_crt_t *certs,
			unsigned n, const char *host, GError **error)
{
	gnutls_typed_vdata_st purpose = {
		.type = GNUTLS_DT_KEY_PURPOSE_OID,
		.data = (unsigned char *)GNUTLS_KP_TLS_WWW_SERVER,
		.size = sizeof(GNUTLS_KP_TLS_WWW_SERVER) - 1,
	};
	unsigned status = 0;
	int r;

	r = gnutls_x509_trust_list_verify_crt2(trust, certs, n, &purpose, 1, 0,
					       &status, NULL);
	if (r < 0) {
		g_set_error(error, INGEST_ERROR, INGEST_ERROR_TLS,
			    "certificate for '%s' not trusted: %s", host, gnutls_strerror(r));
		return false;
	}
	if (status != 0) {
		g_autofree char *why = status_text(status);

		g_set_error(error, INGEST_ERROR, INGEST_ERROR_TLS,
			    "certificate for '%s' not trusted: %s", host, why);
		return false;
	}
	return true;
}

/* check_host - LEAF is for HOST; an IP literal must match an IP address SAN */
static bool check_host(gnutls_x509_crt_t leaf, const char *host, GError **error)
{
	unsigned char ip[16];
	unsigned ok;

	if (inet_pton(AF_INET, host, ip) == 1)
		ok = gnutls_x509_crt_check_ip(leaf, ip, 4, 0);
	else if (inet_pton(AF_INET6, host, ip) == 1)
		ok = gnutls_x509_crt_check_ip(leaf, ip, 16, 0);
	else
		ok = gnutls_x509_crt_check_hostname2(leaf, host,
						     GNUTLS_VERIFY_DO_NOT_ALLOW_IP_MATCHES);
	if (!ok) {
		g_set_error(error, INGEST_ERROR, INGEST_ERROR_TLS,
			    "certificate does not match host '%s'", host);
		return false;
	}
	return true;
}

bool ingest_tls_verify_chain(GPtrArray *der_certs, const char *ca_file,
			     const char *host, GError **error)
{
	gnutls_x509_crt_t certs[INGEST_TLS_MAX_CHAIN];
	gnutls_x509_trust_list_t trust;
	bool ok;

	g_return_val_if_fail(host != NULL, false);

	if (der_certs == NULL || der_certs->len == 0) {
		g_set_error(error, INGEST_ERROR, INGEST_ERROR_TLS,
			    "certificate for '%s' not trusted: server sent no certificate", host);
		return false;
	}
	if (der_certs->len > INGEST_TLS_MAX_CHAIN) {
		g_set_error(error, INGEST_ERROR, INGEST_ERROR_TLS,
			    "certificate for '%s' not trusted: chain of %u certificates is too long",
			    host, der_certs->len);
		return false;
	}
	trust = load_trust(ca_file, error);
	if (trust == NULL)
		return false;
	if (!import_chain(der_certs, host, certs, error)) {
		gnutls_x509_trust_list_deinit(trust, 1);
		return false;
	}
	ok = check_trust(trust, certs, der_certs->len, host, error) &&
	     check_host(certs[0], host, error);
	free_chain(certs, der_certs->len);
	gnutls_x509_trust_list_deinit(trust, 1);
	return ok;
}
