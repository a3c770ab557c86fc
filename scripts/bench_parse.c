/* bench_parse.c - `make bench-parse`: messages/s and MB/s of parse_message()
 * over the corpus, beside a bare GMime parse of the same bytes (construct
 * the message, visit every part, decode its content). The two take turns,
 * one pass over the corpus each, PAIRS times; printed are the medians of the
 * passes' rates and the median of the pairs' ratios (ours over bare,
 * measured a moment apart, so that a machine whose pace drifts does not
 * move the figure).
 *
 *   bench_parse [DIR]                    the figure above
 *   bench_parse --per-message [DIR]      each message's median time on both
 *                                        sides as the passes take turns, and
 *                                        the same message parsed over and over
 *                                        ("hot"), largest difference first
 *   bench_parse --only ours|bare N [DIR] N passes of one side after the
 *                                        warm-up, nothing timed: for
 *                                        valgrind --tool=callgrind or perf */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <gmime/gmime.h>

#include "parse/parse.h"

#define PAIRS 301

struct corpus {
	GPtrArray *data;   /* GBytes * */
	GPtrArray *names;  /* char * */
	size_t bytes;
};

static void load(struct corpus *c, const char *dir)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *name;

	c->data = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	c->names = g_ptr_array_new_with_free_func(g_free);
	c->bytes = 0;
	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		g_autofree char *path = g_build_filename(dir, name, NULL);
		char *text;
		gsize len;

		if (!g_str_has_suffix(name, ".eml") || !g_file_get_contents(path, &text, &len, NULL))
			continue;
		g_ptr_array_add(c->data, g_bytes_new_take(text, len));
		g_ptr_array_add(c->names, g_strdup(name));
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

#define ROUNDS 101
#define HOT 20

struct msg_times {
	const char *name;
	double bare, ours, bare_hot, ours_hot;   /* microseconds, medians */
};

/* now_us - a monotonic clock in microseconds, finer than GLib's whole ones */
static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof v[0], cmp);
	return v[n / 2];
}

static int by_difference(const void *a, const void *b)
{
	const struct msg_times *x = a, *y = b;
	double dx = x->ours - x->bare, dy = y->ours - y->bare;

	return dx < dy ? 1 : dx > dy ? -1 : 0;
}

/* per_message - each message timed on its own inside passes that take turns
 * as in the main figure, then over and over by itself: where the rest of the
 * corpus runs between two parses of a message, its code and data are no
 * longer in the caches and the branch predictors no longer know its text */
static void per_message(const struct corpus *c)
{
	guint n = c->data->len;
	struct msg_times *t = g_new0(struct msg_times, n);
	double *tb = g_new(double, (gsize)n * ROUNDS), *to = g_new(double, (gsize)n * ROUNDS);
	double sb = 0, so = 0, sbh = 0, soh = 0;

	for (int r = 0; r < ROUNDS; r++) {
		for (int side = 0; side < 2; side++) {
			bool our_turn = (side == 0) == (r % 2 == 1);

			for (guint i = 0; i < n; i++) {
				GBytes *b = g_ptr_array_index(c->data, i);
				double start = now_us();

				(our_turn ? ours : bare)(b);
				(our_turn ? to : tb)[i * ROUNDS + r] = now_us() - start;
			}
		}
	}
	for (guint i = 0; i < n; i++) {
		GBytes *b = g_ptr_array_index(c->data, i);
		double hb[ROUNDS / 4], ho[ROUNDS / 4];

		t[i].name = g_ptr_array_index(c->names, i);
		t[i].bare = median(tb + i * ROUNDS, ROUNDS);
		t[i].ours = median(to + i * ROUNDS, ROUNDS);
		for (int r = 0; r < ROUNDS / 4; r++) {
			double start = now_us();

			for (int k = 0; k < HOT; k++)
				bare(b);
			hb[r] = (now_us() - start) / HOT;
			start = now_us();
			for (int k = 0; k < HOT; k++)
				ours(b);
			ho[r] = (now_us() - start) / HOT;
		}
		t[i].bare_hot = median(hb, ROUNDS / 4);
		t[i].ours_hot = median(ho, ROUNDS / 4);
		sb += t[i].bare;
		so += t[i].ours;
		sbh += t[i].bare_hot;
		soh += t[i].ours_hot;
	}
	qsort(t, n, sizeof t[0], by_difference);
	printf("microseconds a message, medians; taking turns | the same message over and over\n");
	printf("%8s %8s %8s | %8s %8s  %s\n", "bare", "cmegw", "ratio", "bare", "cmegw", "message");
	for (guint i = 0; i < n; i++)
		printf("%8.1f %8.1f %7.0f%% | %8.1f %8.1f  %s\n", t[i].bare, t[i].ours,
		       100.0 * t[i].bare / t[i].ours, t[i].bare_hot, t[i].ours_hot, t[i].name);
	printf("%8.1f %8.1f %7.0f%% | %8.1f %8.1f  all (%.0f%% over and over)\n", sb, so,
	       100.0 * sb / so, sbh, soh, 100.0 * sbh / soh);
	g_free(t);
	g_free(tb);
	g_free(to);
}

int main(int argc, char **argv)
{
	static double tb[PAIRS], to[PAIRS], ratio[PAIRS];
	struct corpus c;
	double mb;
	bool per_msg = false;
	void (*only)(GBytes *) = NULL;
	long only_passes = 0;
	int a = 1;

	if (a < argc && strcmp(argv[a], "--per-message") == 0) {
		per_msg = true;
		a++;
	} else if (a < argc && strcmp(argv[a], "--only") == 0) {
		if (a + 2 >= argc || (strcmp(argv[a + 1], "ours") != 0 &&
				      strcmp(argv[a + 1], "bare") != 0) ||
		    (only_passes = strtol(argv[a + 2], NULL, 10)) <= 0) {
			fprintf(stderr, "usage: bench_parse --only ours|bare PASSES [DIR]\n");
			return 2;
		}
		only = strcmp(argv[a + 1], "ours") == 0 ? ours : bare;
		a += 3;
	}
	load(&c, a < argc ? argv[a] : "tests/corpus");
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
	if (only != NULL) {
		for (long i = 0; i < only_passes; i++)
			pass(&c, only);
		return 0;
	}
	if (per_msg) {
		per_message(&c);
		return 0;
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
	g_ptr_array_unref(c.names);
	return 0;
}
