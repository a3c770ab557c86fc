/* ingest_files.c - message files, Maildirs and the raw spool */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <glib.h>
#include <glib/gstdio.h>
#include "ingest/ingest.h"

GBytes *ingest_read_file(const char *path, size_t max_bytes, GError **error)
{
	GStatBuf st;
	if (g_stat(path, &st) != 0) {
		g_set_error(error, INGEST_ERROR, INGEST_ERROR_IO, "cannot read '%s': %s", path,
			    g_strerror(errno));
		return NULL;
	}
	if (max_bytes && (size_t)st.st_size > max_bytes) {
		g_set_error(error, INGEST_ERROR, INGEST_ERROR_TOO_BIG,
			    "'%s' is %lld bytes, over the limit of %zu", path, (long long)st.st_size,
			    max_bytes);
		return NULL;
	}
	char *data = NULL;
	gsize len = 0;
	g_autoptr(GError) err = NULL;
	if (!g_file_get_contents(path, &data, &len, &err)) {
		g_set_error(error, INGEST_ERROR, INGEST_ERROR_IO, "cannot read '%s': %s", path,
			    err->message);
		return NULL;
	}
	return g_bytes_new_take(data, len);
}

static int cmp_str(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* add_dir_files - the regular files directly in DIR, sorted, dot files skipped */
static bool add_dir_files(GPtrArray *out, const char *dir, GError **error)
{
	g_autoptr(GError) err = NULL;
	GDir *d = g_dir_open(dir, 0, &err);
	if (!d) {
		g_set_error(error, INGEST_ERROR, INGEST_ERROR_IO, "cannot read directory '%s': %s",
			    dir, err->message);
		return false;
	}
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	const char *name;
	while ((name = g_dir_read_name(d))) {
		if (name[0] == '.')
			continue;
		char *p = g_build_filename(dir, name, NULL);
		if (g_file_test(p, G_FILE_TEST_IS_REGULAR))
			g_ptr_array_add(names, p);
		else
			g_free(p);
	}
	g_dir_close(d);
	g_ptr_array_sort(names, cmp_str);
	for (guint i = 0; i < names->len; i++)
		g_ptr_array_add(out, g_strdup(g_ptr_array_index(names, i)));
	g_ptr_array_unref(names);
	return true;
}

GPtrArray *ingest_expand_paths(char **paths, GError **error)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	for (int i = 0; paths && paths[i]; i++) {
		const char *p = paths[i];
		if (!g_file_test(p, G_FILE_TEST_IS_DIR)) {
			if (!g_file_test(p, G_FILE_TEST_EXISTS)) {
				g_set_error(error, INGEST_ERROR, INGEST_ERROR_IO, "'%s' does not exist", p);
				g_ptr_array_unref(out);
				return NULL;
			}
			g_ptr_array_add(out, g_strdup(p));
			continue;
		}
		g_autofree char *cur = g_build_filename(p, "cur", NULL);
		g_autofree char *new = g_build_filename(p, "new", NULL);
		bool ok;
		if (g_file_test(cur, G_FILE_TEST_IS_DIR) && g_file_test(new, G_FILE_TEST_IS_DIR))
			ok = add_dir_files(out, new, error) && add_dir_files(out, cur, error);
		else
			ok = add_dir_files(out, p, error);
		if (!ok) {
			g_ptr_array_unref(out);
			return NULL;
		}
	}
	return out;
}

char *ingest_sha256_hex(GBytes *bytes)
{
	gsize len = 0;
	const guchar *data = g_bytes_get_data(bytes, &len);
	return g_compute_checksum_for_data(G_CHECKSUM_SHA256, data, len);
}

/* fsync_path - fsync a file or directory by name */
static bool fsync_path(const char *path, int flags, GError **error)
{
	int fd = open(path, flags | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		g_set_error(error, INGEST_ERROR, INGEST_ERROR_IO, "cannot sync '%s': %s", path,
			    g_strerror(e));
		return false;
	}
	close(fd);
	return true;
}

/* write_all - write LEN bytes to FD, retrying short writes */
static bool write_all(int fd, const guchar *data, gsize len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		data += n;
		len -= (gsize)n;
	}
	return true;
}

char *ingest_spool_write(const char *spool_dir, GBytes *bytes, const char *sha256,
			 GDateTime *now, GError **error)
{
	g_autoptr(GDateTime) utc = g_date_time_to_utc(now);
	g_autofree char *ym = g_date_time_format(utc, "%Y/%m");
	g_autofree char *dir = g_build_filename(spool_dir, ym, NULL);
	g_autofree char *name = g_strconcat(sha256, ".eml", NULL);
	char *path = g_build_filename(dir, name, NULL);

	if (g_file_test(path, G_FILE_TEST_IS_REGULAR))
		return path;  /* the same bytes are already safe */
	if (g_mkdir_with_parents(dir, 0750) != 0) {
		g_set_error(error, INGEST_ERROR, INGEST_ERROR_IO, "cannot create spool '%s': %s", dir,
			    g_strerror(errno));
		g_free(path);
		return NULL;
	}
	/* Write to a temporary name, fsync, rename, fsync the directory: the
	 * final name only ever holds the complete message. */
	g_autofree char *tmp = g_strconcat(path, ".tmp", NULL);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	gsize len = 0;
	const guchar *data = g_bytes_get_data(bytes, &len);
	if (fd < 0 || !write_all(fd, data, len) || fsync(fd) != 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		g_unlink(tmp);
		g_set_error(error, INGEST_ERROR, INGEST_ERROR_IO, "cannot write spool file '%s': %s",
			    path, g_strerror(e));
		g_free(path);
		return NULL;
	}
	close(fd);
	if (g_rename(tmp, path) != 0) {
		g_set_error(error, INGEST_ERROR, INGEST_ERROR_IO, "cannot rename into '%s': %s", path,
			    g_strerror(errno));
		g_unlink(tmp);
		g_free(path);
		return NULL;
	}
	if (!fsync_path(dir, O_RDONLY | O_DIRECTORY, error)) {
		g_free(path);
		return NULL;
	}
	return path;
}
