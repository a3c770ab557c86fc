/* outbox.c - the outbox worker */
#include <glib.h>
#include "outbox.h"
#include "notices.h"
#include "log.h"

/* result_of - how a send error counts for its recipient (the code decides,
 * never the text) */
static enum store_rcpt_result result_of(const GError *e)
{
	if (e->domain == NOTIFY_ERROR && e->code == NOTIFY_ERROR_PERMANENT)
		return STORE_RCPT_PERMANENT;
	return STORE_RCPT_TRANSIENT;
}

/* ours - a failure of our own set-up (TLS, login): every item would fail alike */
static bool ours(const GError *e)
{
	return e->domain == NOTIFY_ERROR &&
	       (e->code == NOTIFY_ERROR_TLS || e->code == NOTIFY_ERROR_AUTH);
}

/* finish - settle row ID, alert the team when it failed, count it */
static bool finish(const struct config *c, struct store *db, int64_t id, const char *kind,
		   bool may_give_up, GDateTime *now, struct outbox_counts *n, GError **error)
{
	struct store_settle how = { .max_attempts = c->smtp_max_attempts,
				    .horizon_minutes = c->smtp_retry_horizon,
				    .may_give_up = may_give_up };
	const char *status = NULL;
	if (!store_outbox_settle(db, id, &how, now, &status, error))
		return false;
	if (g_strcmp0(status, "sent") == 0) {
		n->sent++;
		log_msg(LOG_INFO, "outbox %" G_GINT64_FORMAT ": %s sent", id, kind);
		return true;
	}
	if (g_strcmp0(status, "queued") == 0) {
		n->deferred++;
		return true;
	}
	n->failed++;
	log_msg(LOG_WARN, "outbox %" G_GINT64_FORMAT ": %s failed; the team is told", id, kind);
	return notices_alert_failed(c, db, now, id, error);
}

/* send_item - one round of IT: each pending recipient on its own transfer.
 * *stop_r: the server or our set-up is failing, stop the run. */
static bool send_item(const struct config *c, struct store *db, struct notify_sender *sender,
		      const struct store_outbox_item *it, GDateTime *now, struct outbox_counts *n,
		      bool *stop_r, GError **error)
{
	bool may_give_up = true;
	if (!store_outbox_round(db, it->id, now, error))
		return false;
	for (int i = 0; it->pending && it->pending[i] && !*stop_r; i++) {
		char *one[] = { it->pending[i], NULL };
		g_autoptr(GError) err = NULL;
		bool claimed = false;
		/* committed before the send: see outbox.h for the window left */
		if (!store_outbox_attempt(db, it->id, one[0], now, &claimed, error))
			return false;
		if (!claimed)
			continue;   /* another run is sending it */
		bool ok = notify_sender_send(sender, c->smtp_from, one, it->raw, &err);
		enum store_rcpt_result res = ok ? STORE_RCPT_SENT : result_of(err);
		if (!store_outbox_rcpt_result(db, it->id, one[0], res, ok ? NULL : err->message, now,
					      error))
			return false;
		if (!ok) {
			log_msg(LOG_WARN, "outbox %" G_GINT64_FORMAT ": %s to recipient %d not sent "
				"(attempt %d): %s", it->id, it->kind, i + 1, it->attempts + 1,
				err->message);
			if (ours(err))
				may_give_up = false;
			if (res == STORE_RCPT_TRANSIENT)
				*stop_r = true;
		}
	}
	return finish(c, db, it->id, it->kind, may_give_up, now, n, error);
}

/* recover - recipients a dead run left 'sending' are failed, not resent */
static bool recover(const struct config *c, struct store *db, GDateTime *now,
		    struct outbox_counts *n, GError **error)
{
	g_autoptr(GDateTime) stale = g_date_time_add_seconds(now, -(c->smtp_timeout * 10.0 + 60));
	g_autoptr(GArray) ids = store_outbox_interrupted(db, stale, error);
	if (!ids)
		return false;
	for (guint i = 0; i < ids->len; i++) {
		int64_t id = g_array_index(ids, int64_t, i);
		log_msg(LOG_WARN, "outbox %" G_GINT64_FORMAT ": a run died while sending it", id);
		if (!finish(c, db, id, "notification", true, now, n, error))
			return false;
	}
	return true;
}

bool outbox_run(const struct config *c, struct store *db, struct notify_sender *sender,
		GDateTime *now, struct outbox_counts *counts_r, GError **error)
{
	struct outbox_counts n = { 0 };
	bool stop = false;
	if (!recover(c, db, now, &n, error))
		return false;
	/* a second pass sends the alerts the first one queued */
	for (int pass = 0; pass < 2 && !stop; pass++) {
		g_autoptr(GPtrArray) due = store_outbox_due(db, now, error);
		if (!due)
			return false;
		if (pass > 0 && due->len == 0)
			break;
		for (guint i = 0; i < due->len; i++) {
			const struct store_outbox_item *it = g_ptr_array_index(due, i);
			if (stop) {
				n.deferred++;
				continue;
			}
			if (!send_item(c, db, sender, it, now, &n, &stop, error))
				return false;
		}
	}
	*counts_r = n;
	return true;
}
