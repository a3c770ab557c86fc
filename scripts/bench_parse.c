/* bench_parse.c - `make bench-parse`: messages/s and MB/s of parse_message()
 * over the corpus, beside a bare GMime parse of the same bytes (construct
 * the message, visit every part, decode its content). The two take turns,
 * one pass over the corpus each, PAIRS times; printed are the medians of the
 * passes' rates and the median of the pairs' ratios (ours over bare,
 * measured a moment apart, so that a machine whose pace drifts does not
 * move the figure). */
#include <stdio.h>
#include <string.h>
#include <gmime/gmime.h>

#include "parse/parse.h"

#define PAIRS 301

struct corpus {
	GPtrArray *data;   /* GBytes * */
	size_t bytes;
};

static void load(struct corpus *c, const char *dir)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *name;

	c->data = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	c->bytes = 0;
	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		g_autofree char *path = g_build_filename(dir, name, NULL);
		char *text;
		gsize len;

		if (!g_str_has_suffix(name, ".eml") || !g_file_get_contents(path, &text, &len, NULL))
			continue;
		g_ptr_array_add(c->data, g_bytes_new_take(text, len));
		c->bytes += len;
	}
}

/* decode_part - what any reader of a message has to do: undo the transfer
 * encoding of each leaf */
static void decode_part(GMimeObject *parent, GMimeObject *part, gpointer data)
{
	GMimeDataWrapper *dw;
	GMimeStream *null;

	if (!GMIME_IS_PART(part) || (dw = g_mime_part_get_content(GMIME_PART(part))) == NULL)
		return;
	null = g_mime_stream_null_new();
	g_mime_data_wrapper_write_to_stream(dw, null);
	g_object_unref(null);
}

static void bare(GBytes *b)
{
	gsize len;
	const char *p = g_bytes_get_data(b, &len);
	GMimeStream *s = g_mime_stream_mem_new_with_buffer(p, len);
	GMimeParser *parser = g_mime_parser_new_with_stream(s);
	GMimeMessage *m = g_mime_parser_construct_message(parser, NULL);

	if (m != NULL) {
		g_mime_message_foreach(m, decode_part, NULL);
		g_object_unref(m);
	}
	g_object_unref(parser);
	g_object_unref(s);
}

static void ours(GBytes *b)
{
	gsize len;
	const char *p = g_bytes_get_data(b, &len);
	struct parse_record *r = parse_message(p, len, NULL, NULL);

	parse_record_free(r);
}

/* pass - seconds FN takes over the whole corpus once */
static double pass(const struct corpus *c, void (*fn)(GBytes *))
{
	gint64 start = g_get_monotonic_time();

	for (guint i = 0; i < c->data->len; i++)
		fn(g_ptr_array_index(c->data, i));
	return (double)(g_get_monotonic_time() - start) / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	static double tb[PAIRS], to[PAIRS], ratio[PAIRS];
	struct corpus c;
	double mb;

	load(&c, argc > 1 ? argv[1] : "tests/corpus");
	if (c.data->len == 0) {
		fprintf(stderr, "bench-parse: no .eml files\n");
		return 1;
	}
	g_mime_init();
	/* warm up both sides over the whole corpus, so that no timed pass pays
	 * for what a process does once: the dictionary, compiled patterns, and
	 * the libraries' own set-up the first part of each kind brings (GMime's
	 * charset tables, libxml2, poppler, iconv modules) */
	for (guint i = 0; i < c.data->len; i++) {
		bare(g_ptr_array_index(c.data, i));
		ours(g_ptr_array_index(c.data, i));
	}
	/* PAIRS pairs of passes, each pass the whole corpus once, the two sides
	 * a few milliseconds apart and taking turns to go first: a machine whose
	 * pace drifts moves both sides of a pair alike */
	for (int i = 0; i < PAIRS; i++) {
		if (i % 2 == 0) {
			tb[i] = pass(&c, bare);
			to[i] = pass(&c, ours);
		} else {
			to[i] = pass(&c, ours);
			tb[i] = pass(&c, bare);
		}
		ratio[i] = tb[i] / to[i];
	}
	qsort(tb, PAIRS, sizeof tb[0], cmp);
	qsort(to, PAIRS, sizeof to[0], cmp);
	qsort(ratio, PAIRS, sizeof ratio[0], cmp);
	mb = (double)c.bytes / 1e6;
	printf("corpus: %u messages, %zu bytes; %d pairs of passes over it, medians\n",
	       c.data->len, c.bytes, PAIRS);
	printf("bare GMime parse + decode: %10.0f messages/s %8.2f MB/s\n",
	       c.data->len / tb[PAIRS / 2], mb / tb[PAIRS / 2]);
	printf("cmegw parse_message:       %10.0f messages/s %8.2f MB/s\n",
	       c.data->len / to[PAIRS / 2], mb / to[PAIRS / 2]);
	printf("ratio: %.0f%% of the bare GMime rate (target >= 50%%; median of the pairs'"
	       " ratios; middle half %.0f%% to %.0f%%)\n", 100.0 * ratio[PAIRS / 2],
	       100.0 * ratio[PAIRS / 4], 100.0 * ratio[PAIRS - 1 - PAIRS / 4]);
	g_ptr_array_unref(c.data);
	return 0;
}
