/* outbox.h - the outbox worker: send what is due, record each result.
 *
 * Each item is sent on its own and its result committed at once, so a crash
 * mid-run resends at most the one message in flight. A transient failure
 * leaves the item queued with a later next try; a permanent one, or too many
 * attempts, marks it failed and says so.
 */
#ifndef CMEGW_OUTBOX_H
#define CMEGW_OUTBOX_H

#include <stdbool.h>
#include <glib.h>
#include "notify/notify.h"
#include "store/store.h"

struct outbox_counts {
	unsigned sent, deferred, failed;
};

/* outbox_run - send every due item with SENDER, envelope sender FROM.
 * Fails only on a database error; send failures are counted and recorded. */
bool outbox_run(struct store *db, struct notify_sender *sender, const char *from,
		int max_attempts, GDateTime *now, struct outbox_counts *counts_r, GError **error);

#endif
