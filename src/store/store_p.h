/* store_p.h - internals shared by the files of src/store/ (and its unit tests).
 *
 * Every statement goes through these helpers so that errors read the same:
 * "database 'PATH': WHAT: sqlite's message". Not for use outside src/store/.
 */
#ifndef CMEGW_STORE_P_H
#define CMEGW_STORE_P_H

#include <stdbool.h>
#include <sqlite3.h>
#include <glib.h>
#include <json-glib/json-glib.h>
#include "parse/parse.h"
#include "route/route.h"

struct store {
	sqlite3 *db;
	char *path;
	char *scratch;        /* the last postcode_la answer, owned here */
	struct route_case scratch_case;
	char *scratch_ref, *scratch_la;
	GDateTime *now;       /* for acks_today */
};

/* store_sql_fail - set ERROR from the connection's last error; returns false */
bool store_sql_fail(struct store *s, GError **error, const char *what);
/* store_exec - run SQL (several statements allowed) that returns no rows */
bool store_exec(struct store *s, const char *sql, GError **error);
/* store_prep - a prepared statement, or NULL with ERROR set */
sqlite3_stmt *store_prep(struct store *s, const char *sql, GError **error);
/* store_bind_text / store_bind_tri - bind a string (NULL binds NULL) or a tri-state */
void store_bind_text(sqlite3_stmt *st, int i, const char *v);
void store_bind_tri(sqlite3_stmt *st, int i, enum parse_tri v);
/* store_step_done - step a statement that returns no rows, then finalize it */
bool store_step_done(struct store *s, sqlite3_stmt *st, GError **error, const char *what);
/* store_col_text - column I as a new string (NULL for SQL NULL) */
char *store_col_text(sqlite3_stmt *st, int i);
/* store_iso - T as ISO 8601 UTC text "YYYY-MM-DDTHH:MM:SSZ"; caller owns it */
char *store_iso(GDateTime *t);

/* store_json_add_str - member NAME = column COL as a string, or null */
void store_json_add_str(JsonBuilder *b, const char *name, sqlite3_stmt *st, int col);

#endif
