/* outbox.c - the outbox worker */
#include <glib.h>
#include "outbox.h"
#include "log.h"

/* permanent - whether retrying cannot help (the caller decides on the code) */
static bool permanent(const GError *e)
{
	return e->domain == NOTIFY_ERROR && e->code == NOTIFY_ERROR_PERMANENT;
}

bool outbox_run(struct store *db, struct notify_sender *sender, const char *from,
		int max_attempts, GDateTime *now, struct outbox_counts *counts_r, GError **error)
{
	struct outbox_counts c = { 0 };
	g_autoptr(GPtrArray) due = store_outbox_due(db, now, error);
	if (!due)
		return false;
	for (guint i = 0; i < due->len; i++) {
		struct store_outbox_item *it = g_ptr_array_index(due, i);
		g_autoptr(GError) err = NULL;
		bool ok;
		if (notify_sender_send(sender, from, it->to, it->raw, &err)) {
			ok = store_outbox_sent(db, it->id, now, error);
			c.sent++;
			log_msg(LOG_INFO, "outbox %" G_GINT64_FORMAT ": %s sent <%s>", it->id, it->kind,
				it->message_id);
		} else {
			bool perm = permanent(err);
			ok = store_outbox_failed(db, it->id, err->message, perm, max_attempts, now, error);
			if (perm || it->attempts + 1 >= max_attempts)
				c.failed++;
			else
				c.deferred++;
			log_msg(LOG_WARN, "outbox %" G_GINT64_FORMAT ": %s not sent (attempt %d): %s",
				it->id, it->kind, it->attempts + 1, err->message);
		}
		if (!ok)
			return false;
		/* A TLS or login failure will fail every item alike: stop early. */
		if (err && err->domain == NOTIFY_ERROR &&
		    (err->code == NOTIFY_ERROR_TLS || err->code == NOTIFY_ERROR_AUTH ||
		     err->code == NOTIFY_ERROR_TRANSIENT)) {
			c.deferred += due->len - i - 1;
			break;
		}
	}
	*counts_r = c;
	return true;
}
