/* test_parse_corpus.c - golden files: every tests/corpus/NAME.eml parses to
 * the JSON tree in NAME.json, and no prefix of it crashes the parser */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "parse/parse.h"

#ifndef CMEGW_SRCDIR
#error "the Makefile defines CMEGW_SRCDIR as the repository root"
#endif

#define CORPUS CMEGW_SRCDIR "/tests/corpus"
#define CUT_STEP 97     /* feed the message cut at every 97th byte */
#define MIN_MESSAGES 60

/* What the record says beyond the JSON contract, for the messages where it
 * matters; the rest are expected to be false. */
static const struct { const char *name; bool auto_submitted, whereabouts_unknown; } facts[] = {
	{ "bounce_dsn", true, false },
	{ "out_of_office", true, false },
	{ "exchange_ooo", true, false },
	{ "unrelated_newsletter", true, false },
	{ "not_sure_referral", false, true },
	{ "auto_reply_case_tag", true, false },
	{ "auto_reply_vacation", true, false },
	{ "bounce_delayed", true, false },
	{ "bounce_exchange_ndr", true, false },
	{ "bounce_gmail_dsn", true, false },
	{ "bounce_qmail_text", true, false },
	{ "msforms_bold_pairs", true, false },   /* Auto-Submitted: auto-generated e-form */
	{ "leaver_whereabouts_unknown", false, true },
	{ "police_html_referral", false, true },
};

static char *node_text(JsonNode *n)
{
	return n != NULL ? json_to_string(n, FALSE) : g_strdup("<missing>");
}

/* tree_diff - the first place where GOT and WANT differ, NULL when equal */
static char *tree_diff(JsonNode *got, JsonNode *want, const char *path)
{
	if (got == NULL || want == NULL || JSON_NODE_TYPE(got) != JSON_NODE_TYPE(want))
		goto differ;
	switch (JSON_NODE_TYPE(want)) {
	case JSON_NODE_OBJECT: {
		JsonObject *g = json_node_get_object(got), *w = json_node_get_object(want);
		g_autoptr(GList) wk = json_object_get_members(w);
		g_autoptr(GList) gk = json_object_get_members(g);

		for (GList *k = wk; k != NULL; k = k->next) {
			g_autofree char *sub = g_strdup_printf("%s.%s", path, (const char *)k->data);
			char *d = tree_diff(json_object_get_member(g, k->data),
					    json_object_get_member(w, k->data), sub);

			if (d != NULL)
				return d;
		}
		for (GList *k = gk; k != NULL; k = k->next)
			if (!json_object_has_member(w, k->data))
				return g_strdup_printf("%s.%s: a key the golden file does not have",
						       path, (const char *)k->data);
		return NULL;
	}
	case JSON_NODE_ARRAY: {
		JsonArray *g = json_node_get_array(got), *w = json_node_get_array(want);

		if (json_array_get_length(g) != json_array_get_length(w))
			goto differ;
		for (guint i = 0; i < json_array_get_length(w); i++) {
			g_autofree char *sub = g_strdup_printf("%s.%u", path, i);
			char *d = tree_diff(json_array_get_element(g, i),
					    json_array_get_element(w, i), sub);

			if (d != NULL)
				return d;
		}
		return NULL;
	}
	case JSON_NODE_NULL:
		return NULL;
	case JSON_NODE_VALUE:
		if (json_node_equal(got, want))
			return NULL;
		goto differ;
	}
differ:
	{
		g_autofree char *g = node_text(got), *w = node_text(want);

		return g_strdup_printf("%s: got %s, want %s", path[0] != '\0' ? path : "(top)", g, w);
	}
}

static void read_file(const char *path, char **data_r, gsize *len_r)
{
	GError *error = NULL;

	if (!g_file_get_contents(path, data_r, len_r, &error))
		fail_msg("%s", error->message);
}

static void test_golden(void **state)
{
	const char *name = *state;
	g_autofree char *eml = g_strdup_printf("%s/%s.eml", CORPUS, name);
	g_autofree char *json = g_strdup_printf("%s/%s.json", CORPUS, name);
	g_autofree char *data = NULL;
	g_autoptr(JsonParser) parser = json_parser_new();
	GError *error = NULL;
	struct parse_record *r;
	JsonNode *got;
	char *diff;
	gsize len;

	read_file(eml, &data, &len);
	if (!json_parser_load_from_file(parser, json, &error))
		fail_msg("%s: %s", json, error->message);
	r = parse_message(data, len, NULL, &error);
	if (r == NULL)
		fail_msg("%s: %s", eml, error->message);
	got = parse_record_to_json(r);
	diff = tree_diff(got, json_parser_get_root(parser), "");
	if (diff != NULL) {
		g_autofree char *text = json_to_string(got, TRUE);

		print_message("%s: what the parser made:\n%s\n", name, text);
		fail_msg("%s: %s", name, diff);
	}
	{
		bool as = false, wu = false;

		for (size_t i = 0; i < G_N_ELEMENTS(facts); i++)
			if (strcmp(facts[i].name, name) == 0) {
				as = facts[i].auto_submitted;
				wu = facts[i].whereabouts_unknown;
			}
		if (r->auto_submitted != as || r->whereabouts_unknown != wu)
			fail_msg("%s: auto_submitted %d whereabouts_unknown %d, want %d %d", name,
				 r->auto_submitted, r->whereabouts_unknown, as, wu);
	}
	json_node_unref(got);
	parse_record_free(r);
}

/* test_prefixes - every prefix cut at a multiple of CUT_STEP: a record or an
 * error, never a crash */
static void test_prefixes(void **state)
{
	const char *name = *state;
	g_autofree char *eml = g_strdup_printf("%s/%s.eml", CORPUS, name);
	g_autofree char *data = NULL;
	gsize len;

	read_file(eml, &data, &len);
	for (gsize cut = 0; cut <= len; cut += CUT_STEP) {
		GError *error = NULL;
		g_autofree char *copy = g_memdup2(data, cut);   /* no bytes past the cut */
		struct parse_record *r = parse_message(copy, cut, NULL, &error);

		if (r == NULL) {
			assert_non_null(error);
			g_error_free(error);
			continue;
		}
		json_node_unref(parse_record_to_json(r));
		parse_record_free(r);
	}
}

static int cmp_name(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static GPtrArray *corpus_names(void)
{
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	GDir *dir = g_dir_open(CORPUS, 0, NULL);
	const char *f;

	if (dir == NULL)
		return names;
	while ((f = g_dir_read_name(dir)) != NULL)
		if (g_str_has_suffix(f, ".eml"))
			g_ptr_array_add(names, g_strndup(f, strlen(f) - 4));
	g_dir_close(dir);
	g_ptr_array_sort(names, cmp_name);
	return names;
}

static void test_corpus_size(void **state)
{
	GPtrArray *names = *state;

	if (names->len < MIN_MESSAGES)
		fail_msg("%s holds %u messages, want at least %d", CORPUS, names->len, MIN_MESSAGES);
	for (guint i = 0; i < names->len; i++) {
		g_autofree char *json = g_strdup_printf("%s/%s.json", CORPUS,
							(const char *)g_ptr_array_index(names, i));

		if (!g_file_test(json, G_FILE_TEST_EXISTS))
			fail_msg("%s: no golden file", json);
	}
}

/* test_fuzz_regress - inputs the fuzzer once crashed on
 * (tests/fuzz/regress/): a record or an error, never a crash */
static void test_fuzz_regress(void **state)
{
	GDir *dir = g_dir_open(CMEGW_SRCDIR "/tests/fuzz/regress", 0, NULL);
	const char *f;

	while (dir != NULL && (f = g_dir_read_name(dir)) != NULL) {
		g_autofree char *path = g_build_filename(CMEGW_SRCDIR "/tests/fuzz/regress", f, NULL);
		g_autofree char *data = NULL;
		GError *error = NULL;
		struct parse_record *r;
		gsize len;

		if (f[0] == '.')
			continue;
		read_file(path, &data, &len);
		r = parse_message(data, len, NULL, &error);
		if (r != NULL) {
			json_node_unref(parse_record_to_json(r));
			parse_record_free(r);
		}
		g_clear_error(&error);
	}
	if (dir != NULL)
		g_dir_close(dir);
}

int main(void)
{
	GPtrArray *names = corpus_names();
	GPtrArray *labels = g_ptr_array_new_with_free_func(g_free);
	guint n = 2 + 2 * names->len;
	struct CMUnitTest *tests = g_new0(struct CMUnitTest, n);
	int rc;

	g_log_set_always_fatal(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
	/* the state pointers are the names; cmocka copies them per test */
	tests[0] = (struct CMUnitTest){ "corpus_size", test_corpus_size, NULL, NULL, names };
	for (guint i = 0; i < names->len; i++) {
		char *name = g_ptr_array_index(names, i);
		char *golden = g_strdup_printf("golden %s", name);
		char *cuts = g_strdup_printf("prefixes %s", name);

		g_ptr_array_add(labels, golden);
		g_ptr_array_add(labels, cuts);
		tests[1 + 2 * i] = (struct CMUnitTest){ golden, test_golden, NULL, NULL, name };
		tests[2 + 2 * i] = (struct CMUnitTest){ cuts, test_prefixes, NULL, NULL, name };
	}
	tests[n - 1] = (struct CMUnitTest){ "fuzz_regress", test_fuzz_regress, NULL, NULL, NULL };
	rc = _cmocka_run_group_tests("parse_corpus", tests, n, NULL, NULL);
	g_free(tests);
	g_ptr_array_unref(labels);
	g_ptr_array_unref(names);
	return rc;
}
