/* ingest_p.h - internals of the ingest module, shared by its files and unit tests */
#ifndef CMEGW_INGEST_P_H
#define CMEGW_INGEST_P_H

#include "ingest/ingest.h"

/* Most certificates a server may send; a longer chain is refused. */
#define INGEST_TLS_MAX_CHAIN 16

/* ingest_tls_verify_chain - decide whether the certificate chain a TLS
 * server sent may be trusted for HOST.
 *
 * DER_CERTS holds GBytes *, one DER certificate each, the server's own first
 * and then the order it sent them in (libetpan's
 * mailstream_get_certificate_chain). The chain must lead to a certificate in
 * CA_FILE (a PEM bundle), or in the system trust store when CA_FILE is NULL,
 * and the server's certificate must be for HOST: a DNS name (subject
 * alternative names, else the common name; wildcards as RFC 6125), or an IP
 * literal, which must match an IP address subject alternative name.
 *
 * Nothing is borrowed past the call. Returns true when the chain is good,
 * else false with INGEST_ERROR_TLS saying what failed:
 *   certificate for 'HOST' not trusted: signer not found
 *   certificate does not match host 'HOST'
 *   cannot load ca_file 'PATH': ...
 * Untrusted wins over wrong host when both are true. */
bool ingest_tls_verify_chain(GPtrArray *der_certs, const char *ca_file,
			     const char *host, GError **error);

#endif
