/* digest.h - the officers' daily digest, the weekly social care summary and
 * deadline reminders: read the register, queue notifications (issue 6).
 *
 * Each is queued once per period (its dedupe key is the day, the ISO week, or
 * the deadline and stage), so running a command twice sends nothing twice.
 * The caller sends what is queued.
 */
#ifndef CMEGW_DIGEST_H
#define CMEGW_DIGEST_H

#include <stdbool.h>
#include <glib.h>
#include "config.h"
#include "store/store.h"

/* digest_officers - queue the officers' digest of the 24 hours before NOW
 * to [recipients] team; *queued_r false when today's was already queued */
bool digest_officers(const struct config *config, struct store *db, GDateTime *now,
		     bool *queued_r, GError **error);

/* digest_social_care - queue the weekly summary of the 7 days before NOW to
 * [recipients] social_care (nothing when that list is empty) */
bool digest_social_care(const struct config *config, struct store *db, GDateTime *now,
			bool *queued_r, GError **error);

/* digest_remind - for every open deadline: a reminder when it is due within
 * [digest] remind_days_before days (to the case's officer, else the
 * deadline's recipients, else the team), an escalation once it is overdue
 * (to its escalation lists, else [recipients] team_lead, else the team).
 * Each stage once per deadline. *queued_r: how many were queued. */
bool digest_remind(const struct config *config, struct store *db, GDateTime *now,
		   unsigned *queued_r, GError **error);

/* digest_due_now - whether the daily digest time ([digest] time, UK time) has
 * passed on NOW's day; and the weekly summary's weekday is NOW's */
bool digest_due_now(const struct config *config, GDateTime *now);
bool digest_social_care_day(const struct config *config, GDateTime *now);

/* digest_on_schedule - what `run` does each cycle: the digest once its time
 * has come today, the weekly summary on its day, reminders always (each
 * queued once, so calling it often is harmless) */
bool digest_on_schedule(const struct config *config, struct store *db, GDateTime *now,
			GError **error);

#endif
