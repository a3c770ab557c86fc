/* log.c - stderr logging that the journal understands */
#include <stdio.h>
#include <stdarg.h>
#include <glib.h>
#include "log.h"

static gboolean verbose = TRUE;

void log_set_verbose(gboolean v)
{
	verbose = v;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	if (level >= LOG_INFO && !verbose)
		return;
	va_list ap;
	va_start(ap, fmt);
	g_autofree char *text = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	/* Under systemd, "<N>" tells the journal the level (sd-daemon(3)). */
	if (g_getenv("JOURNAL_STREAM"))
		fprintf(stderr, "<%d>%s\n", (int)level, text);
	else
		fprintf(stderr, "cmegw: %s%s\n",
			level == LOG_ERR ? "error: " : level == LOG_WARN ? "warning: " : "", text);
}
