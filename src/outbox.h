/* outbox.h - the outbox worker: send what is due, record each result.
 *
 * Each recipient of a notification is sent on its own transfer (so a 5xx
 * for one address is that address's failure, not the others'), with the
 * attempt committed before the send and the result committed after it.
 * The message's bytes, Message-ID included, were fixed when it was queued,
 * so a retry is the same message.
 *
 * The window that remains: a run that dies after the server accepted DATA
 * and before the result was committed leaves the recipient 'sending'. The
 * next run does not resend it (it would be sent twice): it marks it failed
 * ("interrupted during the send: it may or may not have been delivered")
 * and alerts the team, who can check. A run that dies before DATA was
 * accepted is reported the same way, so such a notice is never silently
 * lost either.
 *
 * 4xx and connection failures leave the recipient queued (backed off 1, 2,
 * 4 ... 60 minutes) until [smtp] max_attempts rounds or [smtp]
 * retry_horizon minutes after it was queued; 5xx fails that recipient at
 * once. A row with nobody left to try and a failed recipient is failed,
 * and the team gets a delivery_failed alert (never about an alert). TLS or
 * login failures are our configuration's fault: the run stops, rows stay
 * queued and are not given up on.
 */
#ifndef CMEGW_OUTBOX_H
#define CMEGW_OUTBOX_H

#include <stdbool.h>
#include <glib.h>
#include "config.h"
#include "notify/notify.h"
#include "store/store.h"

struct outbox_counts {
	unsigned sent, deferred, failed;
};

/* outbox_run - send every due item with SENDER, under CONFIG ([smtp] from,
 * max_attempts, retry_horizon, timeout; templates for the alerts). Fails
 * only on a database error; send failures are counted and recorded. */
bool outbox_run(const struct config *config, struct store *db, struct notify_sender *sender,
		GDateTime *now, struct outbox_counts *counts_r, GError **error);

#endif
