/* ingest.h - getting raw messages in: IMAP (libetpan), files and Maildirs, the spool.
 *
 * Ingest moves bytes; it does not parse or decide. The caller (the pipeline in
 * src/pipeline.c) asks for new UIDs, fetches each message, has it stored, and
 * only then asks ingest to move it out of the inbox.
 */
#ifndef CMEGW_INGEST_H
#define CMEGW_INGEST_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

#define INGEST_ERROR (ingest_error_quark())
GQuark ingest_error_quark(void);

/* How much to give up (isync's DRV_MSG_BAD / DRV_BOX_BAD / DRV_STORE_BAD). */
enum ingest_error_code {
	INGEST_ERROR_CONNECT,   /* cannot reach the server (transient) */
	INGEST_ERROR_TLS,       /* handshake failed, certificate untrusted or for another host (permanent) */
	INGEST_ERROR_AUTH,      /* login refused (permanent) */
	INGEST_ERROR_MAILBOX,   /* select/create/move failed for the mailbox (give up the mailbox) */
	INGEST_ERROR_MESSAGE,   /* this one message cannot be fetched (skip it) */
	INGEST_ERROR_TOO_BIG,   /* this message is over the size limit (skip it, review) */
	INGEST_ERROR_PROTOCOL,  /* the connection is in an unknown state (give up the connection) */
	INGEST_ERROR_IO,        /* local file system */
};

enum ingest_security {
	INGEST_SECURITY_TLS,       /* implicit TLS (IMAPS, port 993) */
	INGEST_SECURITY_STARTTLS,  /* plain connect, STARTTLS before anything else */
	INGEST_SECURITY_NONE,      /* plaintext: only when the config says so */
};

struct ingest_imap_params {
	const char *host;
	unsigned port;
	enum ingest_security security;
	const char *ca_file;       /* PEM bundle; NULL: the system trust store */
	const char *user;
	const char *password;
	unsigned timeout_seconds;  /* 0: 60 */
};

struct ingest_imap;

/* ingest_imap_connect - connect, secure the connection, verify the server's
 * certificate chain and host name (against ca_file, else the system store),
 * and only then log in. Nothing of the credentials is sent before the
 * verification succeeds. Returns a session owned by the caller, or NULL
 * with error set (INGEST_ERROR_CONNECT, _TLS, _AUTH, _PROTOCOL). */
struct ingest_imap *ingest_imap_connect(const struct ingest_imap_params *params,
					GError **error);

/* ingest_imap_select - select MAILBOX; its UIDVALIDITY in *uidvalidity_r */
bool ingest_imap_select(struct ingest_imap *imap, const char *mailbox,
			uint32_t *uidvalidity_r, GError **error);

/* ingest_imap_uids_after - UIDs > LAST_UID in the selected mailbox, ascending.
 * Returns a GArray of uint32_t owned by the caller. */
GArray *ingest_imap_uids_after(struct ingest_imap *imap, uint32_t last_uid,
			       GError **error);

/* ingest_imap_fetch - the raw bytes (BODY.PEEK[]) of UID, never more than
 * MAX_BYTES (INGEST_ERROR_TOO_BIG past that; 0 means no limit). Does not set
 * \Seen. Returns bytes owned by the caller. */
GBytes *ingest_imap_fetch(struct ingest_imap *imap, uint32_t uid, size_t max_bytes,
			  GError **error);

/* ingest_imap_move - move UID from the selected mailbox to FOLDER, creating
 * FOLDER when it does not exist. Uses UID MOVE where the server has it, else
 * UID COPY + \Deleted + UID EXPUNGE (never a plain EXPUNGE). */
bool ingest_imap_move(struct ingest_imap *imap, uint32_t uid, const char *folder,
		      GError **error);

/* ingest_imap_append - append MESSAGE to FOLDER (created when missing).
 * Used by tests and the demo to deliver mail as a sender's client would. */
bool ingest_imap_append(struct ingest_imap *imap, const char *folder,
			GBytes *message, GError **error);

/* ingest_imap_idle - IDLE (RFC 2177) on the selected mailbox for up to
 * SECONDS; *changed_r is true when the server reported a change (new mail).
 * INGEST_ERROR_PROTOCOL when the server has no IDLE: poll instead.
 * STOP (may be NULL): a flag a signal handler sets. The wait does not start
 * when it is set and, as a signal can come just before the wait begins,
 * looks at it again every second: a stop is never held up by the wait. */
bool ingest_imap_idle(struct ingest_imap *imap, unsigned seconds,
		      const volatile sig_atomic_t *stop, bool *changed_r,
		      GError **error);

/* ingest_imap_free - log out (best effort) and free; NULL is fine */
void ingest_imap_free(struct ingest_imap *imap);

/* ---- files, Maildirs and the spool (ingest_files.c, ingest_spool.c) ---- */

/* ingest_read_file - the bytes of one message file, at most MAX_BYTES
 * (INGEST_ERROR_TOO_BIG past that; 0: no limit). */
GBytes *ingest_read_file(const char *path, size_t max_bytes, GError **error);

/* ingest_expand_paths - the message files named by PATHS: a file stands for
 * itself, a Maildir (a directory with cur/ and new/) for the files in new/ and
 * cur/, any other directory for the regular files in it; sorted by name within
 * a directory. Returns a GPtrArray of char * owned by the caller. */
GPtrArray *ingest_expand_paths(char **paths, GError **error);

/* ingest_sha256_hex - lower-case hex SHA-256 of BYTES; caller owns it */
char *ingest_sha256_hex(GBytes *bytes);

/* ingest_spool_write - write BYTES to SPOOL_DIR/YYYY/MM/SHA256.eml (fsync of
 * the file and its directory) unless it is already there. Returns the path,
 * owned by the caller. NOW is the receiving time (it picks the folder). */
char *ingest_spool_write(const char *spool_dir, GBytes *bytes, const char *sha256,
			 GDateTime *now, GError **error);

#endif
