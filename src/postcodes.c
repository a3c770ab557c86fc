/* postcodes.c - load the ONS postcode directory (NSPL or ONSPD CSV) */
#include <string.h>
#include <gio/gio.h>
#include "postcodes.h"
#include "parse/parse.h"
#include "route/route.h"

G_DEFINE_QUARK(cmegw-postcodes-error-quark, postcodes_error)

/* csv_split - one CSV record into fields (RFC 4180 quotes; no embedded newlines,
 * which the postcode directory never has) */
static GPtrArray *csv_split(const char *line)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	GString *f = g_string_new(NULL);
	bool quoted = false;
	for (const char *c = line;; c++) {
		if (quoted) {
			if (*c == '"' && c[1] == '"') {
				g_string_append_c(f, '"');
				c++;
			} else if (*c == '"') {
				quoted = false;
			} else if (*c == '\0') {
				break;
			} else {
				g_string_append_c(f, *c);
			}
			continue;
		}
		if (*c == '"') {
			quoted = true;
		} else if (*c == ',' || *c == '\0' || *c == '\r' || *c == '\n') {
			g_ptr_array_add(out, g_strdup(f->str));
			g_string_truncate(f, 0);
			if (*c != ',')
				break;
		} else {
			g_string_append_c(f, *c);
		}
	}
	g_string_free(f, TRUE);
	return out;
}

/* column - index of the first header matching one of NAMES (a name ending in
 * '*' matches a prefix, for versioned names such as lad25cd), or -1 */
static int column(GPtrArray *header, const char *const *names)
{
	for (int n = 0; names[n]; n++) {
		size_t len = strlen(names[n]);
		bool prefix = names[n][len - 1] == '*';
		for (guint i = 0; i < header->len; i++) {
			g_autofree char *h = g_ascii_strdown(g_ptr_array_index(header, i), -1);
			g_strstrip(h);
			if (prefix ? (strncmp(h, names[n], len - 1) == 0 && g_str_has_suffix(h, "cd"))
				   : strcmp(h, names[n]) == 0)
				return (int)i;
		}
	}
	return -1;
}

static const char *field(GPtrArray *row, int i)
{
	return i >= 0 && (guint)i < row->len ? g_ptr_array_index(row, i) : "";
}

bool postcodes_import(struct store *db, const char *path, unsigned *count_r, GError **error)
{
	static const char *const pc_names[] = { "pcds", "pcd", "pcd2", "postcode", NULL };
	static const char *const la_names[] = { "laua", "oslaua", "lad*", NULL };
	static const char *const cty_names[] = { "cty", "oscty", "cty*", NULL };
	static const char *const term_names[] = { "doterm", NULL };

	g_autoptr(GFile) file = g_file_new_for_path(path);
	g_autoptr(GError) err = NULL;
	g_autoptr(GFileInputStream) fin = g_file_read(file, NULL, &err);
	if (!fin) {
		g_set_error(error, POSTCODES_ERROR, 0, "postcodes '%s': %s", path, err->message);
		return false;
	}
	g_autoptr(GDataInputStream) in = g_data_input_stream_new(G_INPUT_STREAM(fin));
	g_autofree char *head = g_data_input_stream_read_line_utf8(in, NULL, NULL, &err);
	if (!head) {
		g_set_error(error, POSTCODES_ERROR, 0, "postcodes '%s': %s", path,
			    err ? err->message : "empty file");
		return false;
	}
	g_autoptr(GPtrArray) header = csv_split(head);
	int c_pc = column(header, pc_names), c_la = column(header, la_names);
	int c_cty = column(header, cty_names), c_term = column(header, term_names);
	if (c_pc < 0 || c_la < 0) {
		g_set_error(error, POSTCODES_ERROR, 0,
			    "postcodes '%s': line 1: no %s column: not an NSPL or ONSPD header", path,
			    c_pc < 0 ? "postcode (pcds/pcd)" : "authority (laua/oslaua/ladNNcd)");
		return false;
	}
	if (!store_begin(db, error))
		return false;
	unsigned n = 0, line = 1;
	char *text;
	while ((text = g_data_input_stream_read_line_utf8(in, NULL, NULL, &err))) {
		line++;
		g_autoptr(GPtrArray) row = csv_split(text);
		g_free(text);
		g_autofree char *pc = parse_postcode_normalise(field(row, c_pc));
		const char *la = field(row, c_la), *cty = field(row, c_cty);
		/* Two-tier areas: the county is the education authority (DOMAIN.md §7). */
		const char *edu = route_education_la(cty, la);
		if (!pc || !edu)
			continue;   /* pseudo rows (Channel Islands etc.) have no LA */
		if (!store_postcode_put(db, pc, edu, *field(row, c_term) != '\0', error)) {
			g_prefix_error(error, "postcodes '%s': line %u: ", path, line);
			store_rollback(db);
			return false;
		}
		n++;
	}
	if (err) {
		g_set_error(error, POSTCODES_ERROR, 0, "postcodes '%s': line %u: %s", path, line + 1,
			    err->message);
		store_rollback(db);
		return false;
	}
	if (!store_commit(db, error)) {
		store_rollback(db);
		return false;
	}
	*count_r = n;
	return true;
}
