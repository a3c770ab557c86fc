/* notify_smtp.c - the mail sender over SMTP, through libcurl.
 *
 * DESIGN.md invariant 6: TLS is always verified (peer and host name), and
 * STARTTLS is required unless the config asked for plain text. One send is
 * one curl transfer, one connection: the outbox is small and a fresh
 * connection keeps a failure confined to the message it hit.
 *
 * Errors name the server as scheme://host:port only, never the user's
 * password, never the message.
 */
#include <string.h>
#include <curl/curl.h>

#include "notify/notify.h"

#define DEFAULT_TIMEOUT 60

struct smtp_sender {
	struct notify_sender base;
	char *url;
	enum notify_security security;
	char *ca_file;
	char *user;
	char *password;
	unsigned timeout;
};

/* upload - the read side of one transfer */
struct upload {
	const char *data;
	size_t size;
	size_t pos;
};

/* curl_init_once - curl_global_init on first use; its result, every time */
static CURLcode curl_init_once(void)
{
	static gsize done;
	static CURLcode result;

	if (g_once_init_enter(&done)) {
		result = curl_global_init(CURL_GLOBAL_DEFAULT);
		g_once_init_leave(&done, 1);
	}
	return result;
}

/* read_cb - hand curl the next piece of the message */
static size_t read_cb(char *buffer, size_t size, size_t nitems, void *userdata)
{
	struct upload *up = userdata;
	size_t n = MIN(size * nitems, up->size - up->pos);

	memcpy(buffer, up->data + up->pos, n);
	up->pos += n;
	return n;
}

/* seek_cb - let curl rewind the message (a retried transfer after auth) */
static int seek_cb(void *userdata, curl_off_t offset, int origin)
{
	struct upload *up = userdata;

	if (origin != SEEK_SET || offset < 0 || (size_t)offset > up->size)
		return CURL_SEEKFUNC_CANTSEEK;
	up->pos = (size_t)offset;
	return CURL_SEEKFUNC_OK;
}

/* display_url - URL as scheme://host:port, without user info, path or query:
 * safe to put in an error; NULL when curl cannot parse URL */
static char *display_url(const char *url)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL;
	char *shown = NULL;

	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK)
		shown = g_strdup_printf("%s://%s:%s", scheme, host, port);
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return shown;
}

static const char *security_name(enum notify_security security)
{
	switch (security) {
	case NOTIFY_SECURITY_TLS: return "tls";
	case NOTIFY_SECURITY_STARTTLS: return "starttls";
	case NOTIFY_SECURITY_NONE: break;
	}
	return "none";
}

/* check_url - the URL parses and its scheme matches the security setting;
 * *shown_r gets the printable form */
static bool check_url(const struct smtp_sender *s, char **shown_r, GError **error)
{
	const char *want = s->security == NOTIFY_SECURITY_TLS ? "smtps://" : "smtp://";

	*shown_r = display_url(s->url);
	if (!*shown_r) {
		g_set_error(error, NOTIFY_ERROR, NOTIFY_ERROR_PERMANENT,
			    "smtp url: cannot parse it (want %shost:port)", want);
		return false;
	}
	if (g_ascii_strncasecmp(s->url, want, strlen(want)) != 0) {
		g_set_error(error, NOTIFY_ERROR, NOTIFY_ERROR_PERMANENT,
			    "smtp url '%s' does not match security %s (want %s...)",
			    *shown_r, security_name(s->security), want);
		return false;
	}
	return true;
}

/* valid_address - ADDR can go in MAIL FROM:<...> / RCPT TO:<...> as it is:
 * no controls (SMTP command injection), no spaces or angle brackets */
static bool valid_address(const char *addr)
{
	if (!addr || !*addr || !strchr(addr, '@'))
		return false;
	for (const unsigned char *p = (const unsigned char *)addr; *p; p++)
		if (*p <= ' ' || *p == 0x7f || *p == '<' || *p == '>')
			return false;
	return true;
}

/* check_envelope - FROM and every TO are addresses; *rcpts_r gets TO in
 * curl's list, each in angle brackets */
static bool check_envelope(const char *from, char **to, struct curl_slist **rcpts_r,
			   GError **error)
{
	if (!valid_address(from)) {
		g_autofree char *shown = g_strescape(from ? from : "", NULL);

		g_set_error(error, NOTIFY_ERROR, NOTIFY_ERROR_PERMANENT,
			    "sender '%s': not a plain email address", shown);
		return false;
	}
	if (!to || !*to) {
		g_set_error(error, NOTIFY_ERROR, NOTIFY_ERROR_PERMANENT, "no recipients");
		return false;
	}
	*rcpts_r = NULL;
	for (; *to; to++) {
		g_autofree char *angled = NULL;

		if (!valid_address(*to)) {
			g_autofree char *shown = g_strescape(*to, NULL);

			g_set_error(error, NOTIFY_ERROR, NOTIFY_ERROR_PERMANENT,
				    "recipient '%s': not a plain email address", shown);
			curl_slist_free_all(*rcpts_r);
			*rcpts_r = NULL;
			return false;
		}
		angled = g_strdup_printf("<%s>", *to);
		*rcpts_r = curl_slist_append(*rcpts_r, angled);
	}
	return true;
}

/* set_security - TLS, verification and login options */
static void set_security(CURL *curl, const struct smtp_sender *s)
{
	curl_easy_setopt(curl, CURLOPT_USE_SSL,
			 (long)(s->security == NOTIFY_SECURITY_NONE ? CURLUSESSL_NONE
								    : CURLUSESSL_ALL));
	curl_easy_setopt(curl, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
	if (s->ca_file)
		curl_easy_setopt(curl, CURLOPT_CAINFO, s->ca_file);
	if (s->user) {
		curl_easy_setopt(curl, CURLOPT_USERNAME, s->user);
		curl_easy_setopt(curl, CURLOPT_PASSWORD, s->password ? s->password : "");
	}
}

/* set_timeouts - connect and every server reply within the timeout; a stall
 * of that long aborts; the whole transfer may take ten times as long */
static void set_timeouts(CURL *curl, unsigned timeout)
{
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, (long)timeout);
	curl_easy_setopt(curl, CURLOPT_SERVER_RESPONSE_TIMEOUT, (long)timeout);
	curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, (long)timeout);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, (long)timeout * 10);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
}

/* setup - every option of one transfer */
static void setup(CURL *curl, const struct smtp_sender *s, const char *mail_from,
		  struct curl_slist *rcpts, struct upload *up, char *errbuf)
{
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(curl, CURLOPT_URL, s->url);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(curl, CURLOPT_MAIL_FROM, mail_from);
	curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpts);
	curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(curl, CURLOPT_READDATA, up);
	curl_easy_setopt(curl, CURLOPT_SEEKFUNCTION, seek_cb);
	curl_easy_setopt(curl, CURLOPT_SEEKDATA, up);
	curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)up->size);
	set_security(curl, s);
	set_timeouts(curl, s->timeout);
}

/* is_tls_failure - RESULT says the TLS session could not be set up or trusted */
static bool is_tls_failure(CURLcode result)
{
	switch (result) {
	case CURLE_PEER_FAILED_VERIFICATION:  /* also CURLE_SSL_CACERT */
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_USE_SSL_FAILED:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
		return true;
	default:
		return false;
	}
}

/* is_transient - RESULT is a network failure a later try may not meet */
static bool is_transient(CURLcode result)
{
	switch (result) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_AGAIN:
		return true;
	default:
		return false;
	}
}

/* classify - the error code for RESULT after the server's last REPLY (0: none).
 * A server's verdict beats curl's: curl reports a 550 to RCPT as a send
 * error, which is not worth retrying. */
static enum notify_error_code classify(CURLcode result, long reply)
{
	if (is_tls_failure(result))
		return NOTIFY_ERROR_TLS;
	if (reply >= 400 && reply < 500)
		return NOTIFY_ERROR_TRANSIENT;
	if (result == CURLE_LOGIN_DENIED)
		return NOTIFY_ERROR_AUTH;
	if (reply >= 500)
		return NOTIFY_ERROR_PERMANENT;
	if (is_transient(result))
		return NOTIFY_ERROR_TRANSIENT;
	return NOTIFY_ERROR_PERMANENT;
}

static const char *code_phrase(enum notify_error_code code)
{
	switch (code) {
	case NOTIFY_ERROR_TLS: return "tls failed";
	case NOTIFY_ERROR_AUTH: return "login refused";
	case NOTIFY_ERROR_TRANSIENT: return "temporary failure";
	case NOTIFY_ERROR_PERMANENT: return "send refused";
	case NOTIFY_ERROR_TEMPLATE: break;
	}
	return "failed";
}

/* set_send_error - ERROR from a failed transfer */
static void set_send_error(GError **error, const char *shown, CURLcode result,
			   long reply, const char *errbuf)
{
	enum notify_error_code code = classify(result, reply);
	const char *detail = errbuf[0] ? errbuf : curl_easy_strerror(result);
	g_autofree char *said = reply >= 400 ? g_strdup_printf(" (server said %ld)", reply)
					     : g_strdup("");

	g_set_error(error, NOTIFY_ERROR, code, "smtp '%s': %s%s: %s", shown,
		    code_phrase(code), said, detail);
}

/* smtp_send - one transfer: connect, (STARTTLS, AUTH,) MAIL, RCPT..., DATA */
static bool smtp_send(struct notify_sender *sender, const char *from, char **to,
		      GBytes *message, GError **error)
{
	struct smtp_sender *s = (struct smtp_sender *)sender;
	g_autofree char *shown = NULL;
	g_autofree char *mail_from = NULL;
	struct curl_slist *rcpts = NULL;
	char errbuf[CURL_ERROR_SIZE] = "";
	struct upload up = { 0 };
	CURL *curl;
	CURLcode result;
	long reply = 0;

	if (!check_url(s, &shown, error) || !check_envelope(from, to, &rcpts, error))
		return false;
	if (curl_init_once() != CURLE_OK || !(curl = curl_easy_init())) {
		g_set_error(error, NOTIFY_ERROR, NOTIFY_ERROR_TRANSIENT,
			    "smtp '%s': cannot initialise libcurl", shown);
		curl_slist_free_all(rcpts);
		return false;
	}
	mail_from = g_strdup_printf("<%s>", from);
	up.data = g_bytes_get_data(message, &up.size);
	setup(curl, s, mail_from, rcpts, &up, errbuf);

	result = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply);
	if (result != CURLE_OK)
		set_send_error(error, shown, result, reply, errbuf);
	curl_easy_cleanup(curl);
	curl_slist_free_all(rcpts);
	return result == CURLE_OK;
}

/* smtp_free - the sender, with the password wiped first */
static void smtp_free(struct notify_sender *sender)
{
	struct smtp_sender *s = (struct smtp_sender *)sender;

	if (s->password)
		explicit_bzero(s->password, strlen(s->password));
	g_free(s->password);
	g_free(s->url);
	g_free(s->ca_file);
	g_free(s->user);
	g_free(s);
}

static const struct notify_sender_ops smtp_ops = {
	.send = smtp_send,
	.free = smtp_free,
};

struct notify_sender *notify_smtp_new(const struct notify_smtp_params *params)
{
	struct smtp_sender *s;

	g_return_val_if_fail(params != NULL && params->url != NULL, NULL);

	s = g_new0(struct smtp_sender, 1);
	s->base.ops = &smtp_ops;
	s->url = g_strdup(params->url);
	s->security = params->security;
	s->ca_file = g_strdup(params->ca_file);
	s->user = g_strdup(params->user);
	s->password = g_strdup(params->password);
	s->timeout = params->timeout_seconds ? params->timeout_seconds : DEFAULT_TIMEOUT;
	return &s->base;
}
