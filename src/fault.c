/* fault.c - die on request at a named point (tests only) */
#include <signal.h>
#include <string.h>
#include <glib.h>
#include "fault.h"

void fault_point(const char *name)
{
	const char *want = g_getenv("CMEGW_FAULT");
	if (want && strcmp(want, name) == 0)
		raise(SIGKILL);
}
