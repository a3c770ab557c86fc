/* log.h - the shell's logging: stderr, with <N> level prefixes under systemd.
 *
 * Only the shell logs; the core reports through GError. Never log message
 * bodies, credentials or a child's details: name messages by their database
 * row or Message-ID, cases by reference, and give counts.
 */
#ifndef CMEGW_LOG_H
#define CMEGW_LOG_H

#include <glib.h>

enum log_level { LOG_ERR = 3, LOG_WARN = 4, LOG_INFO = 6, LOG_DEBUG = 7 };

/* log_set_verbose - whether LOG_INFO lines are printed (errors and warnings always are) */
void log_set_verbose(gboolean verbose);
void log_msg(enum log_level level, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

#endif
