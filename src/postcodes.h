/* postcodes.h - `cmegw import-postcodes`: the ONS postcode directory -> store.
 *
 * Reads NSPL or ONSPD CSV by header names (pcds/pcd, laua/oslaua/ladNNcd,
 * cty/oscty/ctyNNcd, doterm), line by line so memory does not grow with the
 * file. The education authority of a postcode is its county (cty) when that
 * is an English county (E10...), else its district/unitary (laua). All rows
 * load in one transaction: a bad file changes nothing.
 */
#ifndef CMEGW_POSTCODES_H
#define CMEGW_POSTCODES_H

#include <stdbool.h>
#include <glib.h>
#include "store/store.h"

#define POSTCODES_ERROR (postcodes_error_quark())
GQuark postcodes_error_quark(void);

bool postcodes_import(struct store *db, const char *path, unsigned *count_r, GError **error);

#endif
