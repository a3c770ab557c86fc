/* main.c - the command line: cmegw [--config FILE] [--now TIME] COMMAND ... */
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <glib.h>
#include <json-glib/json-glib.h>
#include "config.h"
#include "digest.h"
#include "fault.h"
#include "log.h"
#include "notices.h"
#include "outbox.h"
#include "pipeline.h"
#include "postcodes.h"
#include "ingest/ingest.h"
#include "notify/notify.h"
#include "parse/parse.h"
#include "store/store.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

struct globals {
	const char *config_path;
	GDateTime *now;        /* --now, else the time the command started */
	gint64 started;        /* monotonic clock at start, for `run` */
	const char *format;    /* table (default), json, csv */
	bool all;
	bool send;
	bool offline;   /* check-config: no secrets, no servers */
};

/* What a command needs opened before it runs. */
enum needs {
	NEEDS_NOTHING,
	NEEDS_CONFIG,        /* the config, without secrets */
	NEEDS_REGISTER,      /* config and database */
	NEEDS_SERVERS,       /* config with secrets, and database */
};

struct command {
	const char *name;
	int (*run)(struct globals *g, struct config *c, struct store *db, int argc, char **argv);
	int min_args, max_args;   /* -1: no upper bound */
	enum needs needs;
	const char *usage;
	const char *help;
};

static void fail_line(const GError *e)
{
	log_msg(LOG_ERR, "%s", e->message);
}

static int usage_error(const char *cmd, const char *what)
{
	log_msg(LOG_ERR, "%s: %s (see 'cmegw %s --help')", cmd, what, cmd);
	return EXIT_USAGE;
}

static struct config *load_config(struct globals *g, bool secrets)
{
	const char *path = g->config_path ? g->config_path : g_getenv("CMEGW_CONFIG");
	if (!path)
		path = "/etc/cmegw/cmegw.conf";
	g_autoptr(GError) err = NULL;
	struct config *c = config_load(path, secrets, &err);
	if (!c)
		fail_line(err);
	return c;
}

static struct store *open_store(const struct config *c)
{
	g_autoptr(GError) err = NULL;
	struct store *s = store_open(c->database, &err);
	if (!s)
		fail_line(err);
	return s;
}

/* open_register - the config and the register, or the exit status saying why not */
static int open_register(struct globals *g, bool secrets, struct config **c_r, struct store **db_r)
{
	*db_r = NULL;
	*c_r = load_config(g, secrets);
	if (!*c_r)
		return EXIT_USAGE;
	*db_r = open_store(*c_r);
	return *db_r ? EXIT_OK : EXIT_FAIL;
}

static void print_json(JsonNode *node)
{
	g_autoptr(JsonGenerator) gen = json_generator_new();
	json_generator_set_pretty(gen, TRUE);
	json_generator_set_root(gen, node);
	g_autofree char *text = json_generator_to_data(gen, NULL);
	printf("%s\n", text);
}

/* ---- parse ---- */

static int cmd_parse(struct globals *g, struct config *c, struct store *db,
			int argc, char **argv)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(GBytes) raw = ingest_read_file(argv[0], 0, &err);
	if (!raw) {
		fail_line(err);
		return EXIT_USAGE;
	}
	gsize len = 0;
	const char *data = g_bytes_get_data(raw, &len);
	struct parse_limits limits = { 0 };
	g_autoptr(parse_record) r = parse_message(data, len, &limits, &err);
	if (!r) {
		log_msg(LOG_ERR, "%s: %s", argv[0], err->message);
		return EXIT_USAGE;
	}
	g_autoptr(JsonNode) node = parse_record_to_json(r);
	if (g->format && strcmp(g->format, "json") != 0)
		return usage_error("parse", "only --format json is supported");
	print_json(node);
	return EXIT_OK;
}

/* ---- ingest and poll ---- */

static void print_counts(const char *what, const struct pipeline_counts *c)
{
	log_msg(LOG_INFO, "%s: %u processed, %u ignored, %u for review, %u duplicate, %u failed; "
		"%u notifications queued", what, c->processed, c->ignored, c->review, c->duplicate,
		c->failed, c->queued);
}

/* send_due - run the outbox worker; false when sending is broken (TLS, login) */
static bool send_due(const struct config *c, struct store *db, GDateTime *now)
{
	struct notify_smtp_params params;
	config_smtp_params(c, &params);
	g_autoptr(notify_sender) sender = notify_smtp_new(&params);
	struct outbox_counts oc = { 0 };
	g_autoptr(GError) err = NULL;
	if (!outbox_run(c, db, sender, now, &oc, &err)) {
		fail_line(err);
		return false;
	}
	log_msg(LOG_INFO, "send: %u sent, %u deferred, %u failed", oc.sent, oc.deferred, oc.failed);
	return oc.deferred == 0 && oc.failed == 0;
}

static int cmd_ingest(struct globals *g, struct config *c, struct store *db,
			int argc, char **argv)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(GPtrArray) files = ingest_expand_paths(argv, &err);
	if (!files) {
		fail_line(err);
		return EXIT_USAGE;
	}
	struct pipeline p;
	if (!pipeline_init(&p, c, db, g->now, &err)) {
		fail_line(err);
		return EXIT_FAIL;
	}
	int rc = EXIT_OK;
	for (guint i = 0; i < files->len; i++) {
		const char *path = g_ptr_array_index(files, i);
		g_autoptr(GError) e = NULL;
		g_autoptr(GBytes) raw = ingest_read_file(path, (size_t)c->max_message_bytes, &e);
		struct pipeline_source src = { .source = "file", .label = path };
		enum pipeline_result res;
		if (!raw || !pipeline_message(&p, raw, &src, &res, &e)) {
			log_msg(LOG_ERR, "%s: %s", path, e->message);
			rc = EXIT_FAIL;
		}
	}
	print_counts("ingest", &p.counts);
	if (g->send && !send_due(c, db, g->now))
		rc = EXIT_FAIL;
	pipeline_clear(&p);
	return rc;
}

/* poll_message - one UID: fetch, process, move. False: stop advancing. */
static bool poll_message(struct pipeline *p, struct ingest_imap *imap, uint32_t uidvalidity,
			 uint32_t uid, bool *fatal_r)
{
	const struct config *c = p->config;
	struct pipeline_source src = { .source = "imap", .mailbox = c->imap_mailbox,
				       .uidvalidity = uidvalidity, .uid = uid };
	g_autoptr(GError) err = NULL;
	g_autofree char *status = NULL;
	int64_t row = 0;
	const char *folder = c->imap_processed_folder;

	if (store_message_by_uid(p->store, c->imap_mailbox, uidvalidity, uid, &row, &status)) {
		/* Committed on an earlier run that stopped before the move. */
		if (g_strcmp0(status, "review") == 0)
			folder = c->imap_review_folder;
	} else {
		g_autoptr(GBytes) raw = ingest_imap_fetch(imap, uid, (size_t)c->max_message_bytes, &err);
		enum pipeline_result res = PIPELINE_PROCESSED;
		if (!raw && g_error_matches(err, INGEST_ERROR, INGEST_ERROR_TOO_BIG)) {
			if (!pipeline_review_unfetchable(p, &src, err->message, &err))
				goto fatal;
			res = PIPELINE_REVIEW;
		} else if (!raw) {
			log_msg(LOG_WARN, "imap uid %u: %s", uid, err->message);
			*fatal_r = !g_error_matches(err, INGEST_ERROR, INGEST_ERROR_MESSAGE);
			return false;
		} else {
			fault_point("poll:after-fetch");   /* fetched, nothing committed */
			if (!pipeline_message(p, raw, &src, &res, &err))
				goto fatal;
		}
		if (res == PIPELINE_REVIEW)
			folder = c->imap_review_folder;
	}
	fault_point("poll:before-move");   /* committed, still in the inbox */
	if (!ingest_imap_move(imap, uid, folder, &err)) {
		log_msg(LOG_WARN, "imap uid %u: stays in %s: %s", uid, c->imap_mailbox, err->message);
		*fatal_r = true;
		return false;
	}
	return true;
fatal:
	log_msg(LOG_ERR, "imap uid %u: not processed, left in %s: %s", uid, c->imap_mailbox,
		err->message);
	*fatal_r = true;
	return false;
}

static int poll_mailbox(struct pipeline *p, struct ingest_imap *imap)
{
	const struct config *c = p->config;
	g_autoptr(GError) err = NULL;
	uint32_t uidvalidity = 0, known_uv = 0, last = 0;
	if (!ingest_imap_select(imap, c->imap_mailbox, &uidvalidity, &err)) {
		fail_line(err);
		return EXIT_FAIL;
	}
	if (store_mailbox_get(p->store, c->imap_mailbox, &known_uv, &last) && known_uv != uidvalidity) {
		log_msg(LOG_WARN, "imap %s: UIDVALIDITY changed from %u to %u: rescanning (content "
			"hashes prevent doubles)", c->imap_mailbox, known_uv, uidvalidity);
		last = 0;
	}
	g_autoptr(GArray) uids = ingest_imap_uids_after(imap, last, &err);
	if (!uids) {
		fail_line(err);
		return EXIT_FAIL;
	}
	bool advance = true, fatal = false;
	for (guint i = 0; i < uids->len && !fatal; i++) {
		uint32_t uid = g_array_index(uids, uint32_t, i);
		if (poll_message(p, imap, uidvalidity, uid, &fatal) && advance)
			last = uid;
		else
			advance = false;   /* what stays in the inbox is retried next run */
	}
	if (!store_mailbox_set(p->store, c->imap_mailbox, uidvalidity, last, &err)) {
		fail_line(err);
		return EXIT_FAIL;
	}
	return fatal ? EXIT_FAIL : EXIT_OK;
}

static int cmd_poll(struct globals *g, struct config *c, struct store *db,
			int argc, char **argv)
{
	g_autoptr(GError) err = NULL;
	struct pipeline p;
	if (!pipeline_init(&p, c, db, g->now, &err)) {
		fail_line(err);
		return EXIT_FAIL;
	}
	struct ingest_imap_params params;
	config_imap_params(c, &params);
	struct ingest_imap *imap = ingest_imap_connect(&params, &err);
	if (!imap) {
		fail_line(err);
		pipeline_clear(&p);
		return EXIT_FAIL;
	}
	int rc = poll_mailbox(&p, imap);
	ingest_imap_free(imap);
	print_counts("poll", &p.counts);
	pipeline_clear(&p);
	if (!send_due(c, db, g->now))
		rc = EXIT_FAIL;
	return rc;
}

/* ---- the daemon ---- */

static volatile sig_atomic_t stopping;

static void on_stop_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

/* nap - sleep SECONDS, waking early when asked to stop */
static void nap(unsigned seconds)
{
	for (unsigned i = 0; i < seconds * 4 && !stopping; i++)
		g_usleep(G_USEC_PER_SEC / 4);
}

/* run_cycle - one poll of the open session and a send; false: reconnect.
 * The daemon's clock is the start time (--now when given) plus the time run. */
static bool run_cycle(const struct globals *g, struct config *c, struct store *db,
		      struct ingest_imap *imap)
{
	g_autoptr(GDateTime) now = g_date_time_add(g->now, g_get_monotonic_time() - g->started);
	g_autoptr(GError) err = NULL;
	struct pipeline p;
	if (!pipeline_init(&p, c, db, now, &err)) {
		fail_line(err);
		return false;
	}
	int rc = poll_mailbox(&p, imap);
	if (p.counts.processed + p.counts.ignored + p.counts.review + p.counts.duplicate +
	    p.counts.failed)
		print_counts("run", &p.counts);
	pipeline_clear(&p);
	/* issue 6: the digest, the weekly summary and reminders on schedule */
	if (!digest_on_schedule(c, db, now, &err))
		fail_line(err);
	send_due(c, db, now);
	return rc == EXIT_OK;
}

static int cmd_run(struct globals *g, struct config *c, struct store *db,
			int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_stop_signal };
	sigemptyset(&sa.sa_mask);   /* no SA_RESTART: a stop ends the IDLE wait */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	struct ingest_imap_params params;
	config_imap_params(c, &params);
	struct ingest_imap *imap = NULL;
	unsigned backoff = 5;
	log_msg(LOG_INFO, "run: watching %s (wakes every %d s)", c->imap_mailbox, c->imap_poll_interval);
	while (!stopping) {
		g_autoptr(GError) err = NULL;
		if (!imap && !(imap = ingest_imap_connect(&params, &err))) {
			fail_line(err);
			/* A refused certificate or password will not mend itself. */
			if (g_error_matches(err, INGEST_ERROR, INGEST_ERROR_TLS) ||
			    g_error_matches(err, INGEST_ERROR, INGEST_ERROR_AUTH))
				return EXIT_FAIL;
			nap(backoff);
			backoff = MIN(backoff * 2, 300);
			continue;
		}
		if (!run_cycle(g, c, db, imap)) {
			g_clear_pointer(&imap, ingest_imap_free);
			nap(backoff);
			continue;
		}
		backoff = 5;
		bool changed = false;
		if (!ingest_imap_idle(imap, (unsigned)c->imap_poll_interval, &stopping, &changed,
				      &err)) {
			if (g_error_matches(err, INGEST_ERROR, INGEST_ERROR_PROTOCOL) && !stopping) {
				nap((unsigned)c->imap_poll_interval);   /* no IDLE: poll */
			} else if (!stopping) {
				log_msg(LOG_WARN, "%s: reconnecting", err->message);
				g_clear_pointer(&imap, ingest_imap_free);
			}
		}
	}
	ingest_imap_free(imap);
	log_msg(LOG_INFO, "run: stopped");
	return EXIT_OK;
}

/* ---- register and outbox ---- */

static const char *member(JsonObject *o, const char *name)
{
	if (!json_object_has_member(o, name) || json_object_get_null_member(o, name))
		return "-";
	return json_object_get_string_member(o, name);
}

static void print_cases_table(JsonArray *a, bool csv)
{
	static const char *const cols[] = { "ref", "status", "category", "risk", "residence_la",
					    "school_la", "opened_at" };
	if (csv)
		printf("ref,status,category,risk,residence_la,school_la,opened_at,messages\n");
	else
		printf("%-16s %-7s %-14s %-10s %-10s %-10s %-21s %s\n", "REF", "STATUS", "CATEGORY",
		       "RISK", "RESIDENCE", "SCHOOL LA", "OPENED", "MESSAGES");
	for (guint i = 0; i < json_array_get_length(a); i++) {
		JsonObject *o = json_array_get_object_element(a, i);
		guint nmsg = json_array_get_length(json_object_get_array_member(o, "messages"));
		if (csv) {
			for (size_t k = 0; k < G_N_ELEMENTS(cols); k++)
				printf("%s,", json_object_get_null_member(o, cols[k]) ? "" : member(o, cols[k]));
			printf("%u\n", nmsg);
		} else {
			printf("%-16s %-7s %-14s %-10s %-10s %-10s %-21s %u\n", member(o, "ref"),
			       member(o, "status"), member(o, "category"), member(o, "risk"),
			       member(o, "residence_la"), member(o, "school_la"), member(o, "opened_at"),
			       nmsg);
		}
	}
}

static int cmd_cases(struct globals *g, struct config *c, struct store *db,
			int argc, char **argv)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(JsonNode) node = store_cases_json(db, g->all, &err);
	if (!node) {
		fail_line(err);
		return EXIT_FAIL;
	}
	if (g_strcmp0(g->format, "json") == 0)
		print_json(node);
	else
		print_cases_table(json_node_get_array(node), g_strcmp0(g->format, "csv") == 0);
	return EXIT_OK;
}

/* officer_close - `case close`: the closure and what it sends (the referrer,
 * under [routing] tell_referrer_on_close), queued for `send` */
static bool officer_close(struct globals *g, struct config *c, struct store *db, int argc,
			  char **argv, GError **error)
{
	struct pipeline p;
	if (!pipeline_init(&p, c, db, g->now, error))
		return false;
	bool ok = pipeline_officer_close(&p, argv[1], argv[2], argc == 4 ? argv[3] : NULL, error);
	if (ok && p.counts.queued)
		log_msg(LOG_INFO, "case %s: %u notification(s) queued; 'cmegw send' sends them",
			argv[1], p.counts.queued);
	pipeline_clear(&p);
	return ok;
}

/* case_officer - `case close REF OUTCOME [NOTE]`, `case event REF EVENT [NOTE]` */
static int case_officer(struct globals *g, struct config *c, struct store *db, int argc,
			char **argv)
{
	bool close = strcmp(argv[0], "close") == 0;
	if (argc < 3 || argc > 4)
		return usage_error("case", close ? "usage: cmegw case close REF OUTCOME [NOTE]"
						 : "usage: cmegw case event REF EVENT [NOTE]");
	for (const char *s = argv[2]; *s; s++)
		if (!g_ascii_isalnum(*s) && *s != '_')
			return usage_error("case", "OUTCOME and EVENT are words: on_roll, ehe, visit ...");
	g_autoptr(GError) err = NULL;
	if (close ? !officer_close(g, c, db, argc, argv, &err)
		  : !store_case_officer(db, argv[1], NULL, argv[2], argc == 4 ? argv[3] : NULL,
					g->now, &err)) {
		fail_line(err);
		return g_error_matches(err, STORE_ERROR, STORE_ERROR_NOT_FOUND) ? EXIT_USAGE : EXIT_FAIL;
	}
	log_msg(LOG_INFO, "case %s: %s %s", argv[1], close ? "closed with outcome" : "recorded", argv[2]);
	return EXIT_OK;
}

static int cmd_case(struct globals *g, struct config *c, struct store *db,
			int argc, char **argv)
{
	if (strcmp(argv[0], "close") == 0 || strcmp(argv[0], "event") == 0)
		return case_officer(g, c, db, argc, argv);
	if (strcmp(argv[0], "reopen") == 0) {
		g_autoptr(GError) rerr = NULL;
		if (argc > 3)
			return usage_error("case", "usage: cmegw case reopen REF [NOTE]");
		if (!store_case_reopen(db, argv[1], argc == 3 ? argv[2] : NULL, g->now, &rerr)) {
			fail_line(rerr);
			return g_error_matches(rerr, STORE_ERROR, STORE_ERROR_NOT_FOUND) ? EXIT_USAGE
											  : EXIT_FAIL;
		}
		log_msg(LOG_INFO, "case %s: reopened", argv[1]);
		return EXIT_OK;
	}
	if (strcmp(argv[0], "show") != 0 || argc != 2)
		return usage_error("case", "expected 'show REF', 'close REF OUTCOME [NOTE]', "
				   "'event REF EVENT [NOTE]' or 'reopen REF [NOTE]'");
	g_autoptr(GError) err = NULL;
	g_autoptr(JsonNode) node = store_case_json(db, argv[1], &err);
	if (!node) {
		fail_line(err);
		return g_error_matches(err, STORE_ERROR, STORE_ERROR_NOT_FOUND) ? EXIT_USAGE : EXIT_FAIL;
	}
	if (g_strcmp0(g->format, "json") == 0) {
		print_json(node);
		return EXIT_OK;
	}
	JsonObject *o = json_node_get_object(node);
	JsonObject *ch = json_object_get_object_member(o, "child");
	printf("Case %s (%s)\n  category: %s\n  risk: %s\n  residence: %s\n  school LA: %s\n"
	       "  opened: %s\n  child: %s %s, born %s, UPN %s\n", member(o, "ref"), member(o, "status"),
	       member(o, "category"), member(o, "risk"), member(o, "residence_la"),
	       member(o, "school_la"), member(o, "opened_at"), member(ch, "forename"),
	       member(ch, "surname"), member(ch, "dob"), member(ch, "upn"));
	JsonArray *dl = json_object_get_array_member(o, "deadlines");
	printf("  deadlines:%s\n", json_array_get_length(dl) ? "" : " none");
	for (guint i = 0; i < json_array_get_length(dl); i++) {
		JsonObject *e = json_array_get_object_element(dl, i);
		printf("    %s due %s (%s)\n", member(e, "kind"), member(e, "due"), member(e, "state"));
	}
	JsonArray *ev = json_object_get_array_member(o, "events");
	printf("  events:\n");
	for (guint i = 0; i < json_array_get_length(ev); i++) {
		JsonObject *e = json_array_get_object_element(ev, i);
		printf("    %s %s %s: %s\n", member(e, "at"), member(e, "actor"), member(e, "kind"),
		       member(e, "detail"));
	}
	return EXIT_OK;
}

static int cmd_outbox(struct globals *g, struct config *c, struct store *db,
			int argc, char **argv)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(JsonNode) node = store_outbox_json(db, &err);
	if (!node) {
		fail_line(err);
		return EXIT_FAIL;
	}
	if (g_strcmp0(g->format, "json") == 0) {
		print_json(node);
		return EXIT_OK;
	}
	JsonArray *a = json_node_get_array(node);
	printf("%-5s %-16s %-20s %-7s %-3s %s\n", "ID", "CASE", "KIND", "STATUS", "TRY", "TO");
	for (guint i = 0; i < json_array_get_length(a); i++) {
		JsonObject *o = json_array_get_object_element(a, i);
		JsonArray *to = json_object_get_array_member(o, "to");
		GString *t = g_string_new(NULL);
		for (guint k = 0; k < json_array_get_length(to); k++)
			g_string_append_printf(t, "%s%s", k ? ", " : "", json_array_get_string_element(to, k));
		printf("%-5" G_GINT64_FORMAT " %-16s %-20s %-7s %-3" G_GINT64_FORMAT " %s\n",
		       json_object_get_int_member(o, "id"), member(o, "case_ref"), member(o, "kind"),
		       member(o, "status"), json_object_get_int_member(o, "attempts"), t->str);
		if (!json_object_get_null_member(o, "last_error"))
			printf("      last error: %s\n", member(o, "last_error"));
		g_string_free(t, TRUE);
	}
	return EXIT_OK;
}

static int cmd_send(struct globals *g, struct config *c, struct store *db,
			int argc, char **argv)
{
	return send_due(c, db, g->now) ? EXIT_OK : EXIT_FAIL;
}

/* ---- digests and reminders (issue 6: src/digest.c) ---- */

static int cmd_digest(struct globals *g, struct config *c, struct store *db,
			int argc, char **argv)
{
	const char *which = argc ? argv[0] : "officers";
	bool daily = strcmp(which, "daily") == 0;   /* what a timer runs each morning */
	bool officers = daily || strcmp(which, "officers") == 0 || strcmp(which, "all") == 0;
	bool social = strcmp(which, "social-care") == 0 || strcmp(which, "all") == 0 ||
		      (daily && digest_social_care_day(c, g->now));
	if (!officers && !social && !daily)
		return usage_error("digest", "expected officers, social-care, all or daily");
	g_autoptr(GError) err = NULL;
	bool q1 = false, q2 = false;
	if ((officers && !digest_officers(c, db, g->now, &q1, &err)) ||
	    (social && !digest_social_care(c, db, g->now, &q2, &err))) {
		fail_line(err);
		return EXIT_FAIL;
	}
	log_msg(LOG_INFO, "digest: %u queued", (unsigned)q1 + (unsigned)q2);
	return send_due(c, db, g->now) ? EXIT_OK : EXIT_FAIL;
}

static int cmd_remind(struct globals *g, struct config *c, struct store *db,
			int argc, char **argv)
{
	g_autoptr(GError) err = NULL;
	unsigned n = 0;
	if (!digest_remind(c, db, g->now, &n, &err)) {
		fail_line(err);
		return EXIT_FAIL;
	}
	log_msg(LOG_INFO, "remind: %u reminders queued", n);
	return send_due(c, db, g->now) ? EXIT_OK : EXIT_FAIL;
}

static int cmd_import_postcodes(struct globals *g, struct config *c, struct store *db,
			int argc, char **argv)
{
	const char *path = argc ? argv[0] : c->postcodes;
	if (!path || !*path)
		return usage_error("import-postcodes", "no FILE given and no [routing] postcodes");
	g_autoptr(GError) err = NULL;
	unsigned n = 0;
	if (!postcodes_import(db, path, &n, &err)) {
		fail_line(err);
		return g_error_matches(err, POSTCODES_ERROR, 0) ? EXIT_USAGE : EXIT_FAIL;
	}
	log_msg(LOG_INFO, "import-postcodes: %u postcodes loaded from '%s'", n, path);
	return EXIT_OK;
}

/* cmd_check_holidays - compare the gov.uk bank-holidays.json with the calendar */
static int cmd_check_holidays(struct globals *g, struct config *c, struct store *db,
			      int argc, char **argv)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) err = NULL;
	if (!json_parser_load_from_file(parser, argv[0], &err)) {
		log_msg(LOG_ERR, "holidays '%s': %s", argv[0], err->message);
		return EXIT_USAGE;
	}
	JsonNode *root = json_parser_get_root(parser);
	JsonObject *o = root && JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root) : NULL;
	JsonObject *ew = o ? json_object_get_object_member(o, "england-and-wales") : NULL;
	JsonArray *ev = ew && json_object_has_member(ew, "events")
			? json_object_get_array_member(ew, "events") : NULL;
	if (!ev) {
		log_msg(LOG_ERR, "holidays '%s': no \"england-and-wales\".\"events\" list", argv[0]);
		return EXIT_USAGE;
	}
	g_autoptr(GArray) days = g_array_new(FALSE, FALSE, sizeof(guint32));
	for (guint i = 0; i < json_array_get_length(ev); i++) {
		JsonObject *e = json_array_get_object_element(ev, i);
		const char *date = e && json_object_has_member(e, "date")
				   ? json_object_get_string_member(e, "date") : NULL;
		guint32 j = route_julian_parse(date);
		if (!j || strlen(date) != 10) {
			log_msg(LOG_ERR, "holidays '%s': event %u: date '%s' is not YYYY-MM-DD", argv[0],
				i, date ? date : "");
			return EXIT_USAGE;
		}
		g_array_append_val(days, j);
	}
	g_auto(GStrv) diff = route_holidays_compare((const guint32 *)(void *)days->data, days->len);
	for (int i = 0; diff[i]; i++)
		printf("%s\n", diff[i]);
	if (!diff[0])
		printf("bank holidays agree: %u dates\n", days->len);
	return diff[0] ? EXIT_FAIL : EXIT_OK;
}

/* check_imap - log in to the IMAP server and select the mailbox, as poll
 * would (certificate verified first); sending is tried by `cmegw send` */
static bool check_imap(const struct config *c)
{
	struct ingest_imap_params params;
	config_imap_params(c, &params);
	g_autoptr(GError) err = NULL;
	struct ingest_imap *imap = ingest_imap_connect(&params, &err);
	uint32_t uidvalidity = 0;
	bool ok = imap && ingest_imap_select(imap, c->imap_mailbox, &uidvalidity, &err);
	ingest_imap_free(imap);
	if (!ok) {
		fail_line(err);
		return false;
	}
	log_msg(LOG_INFO, "imap %s:%d: logged in as '%s', mailbox '%s' selected", c->imap_host,
		c->imap_port, c->imap_user, c->imap_mailbox);
	return true;
}

static int cmd_check_config(struct globals *g, struct config *c, struct store *db,
			int argc, char **argv)
{
	int rc = EXIT_OK;
	/* the data files the procedure needs: LA codes, term dates */
	struct pipeline p;
	g_autoptr(GError) perr = NULL;
	if (!pipeline_init(&p, c, NULL, g->now, &perr)) {
		fail_line(perr);
		rc = EXIT_USAGE;
	} else {
		pipeline_clear(&p);
	}
	/* every kind, rendered against a sample: an unknown name fails (issue 6) */
	for (size_t i = 0; notices_kinds[i]; i++) {
		const char *kind = notices_kinds[i];
		g_autoptr(GError) err = NULL;
		bool html = false;
		if (!notices_check_template(c, g->now, kind, &html, &err)) {
			fail_line(err);
			rc = EXIT_USAGE;
		} else if (!html) {
			log_msg(LOG_WARN, "template %s: no HTML part (%s.html): sent as text only", kind, kind);
		}
	}
	g_auto(GStrv) warnings = config_warnings(c);
	for (int i = 0; warnings[i]; i++)
		log_msg(LOG_WARN, "%s", warnings[i]);
	if (rc == EXIT_OK && !g->offline && !check_imap(c))
		rc = EXIT_FAIL;
	if (rc == EXIT_OK)
		printf("configuration OK\n");
	return rc;
}

static const struct command commands[] = {
	{ "parse", cmd_parse, 1, 1, NEEDS_NOTHING, "parse FILE [--format json]",
	  "Print what the parser makes of one message (the FIELDS.md record) as JSON.\n"
	  "Nothing is stored or sent." },
	{ "ingest", cmd_ingest, 1, -1, NEEDS_REGISTER, "ingest [--send] FILE|MAILDIR...",
	  "Run .eml files, directories of them, or Maildirs through the whole pipeline:\n"
	  "spool, parse, route, register, queue notifications. --send also sends them." },
	{ "poll", cmd_poll, 0, 0, NEEDS_SERVERS, "poll",
	  "One IMAP cycle: fetch new mail from [imap] mailbox, process each message, move it\n"
	  "to processed_folder (or review_folder), then send what is queued, and exit." },
	{ "run", cmd_run, 0, 0, NEEDS_SERVERS, "run",
	  "The daemon: poll the mailbox, then wait in IMAP IDLE (or sleep, when the server\n"
	  "has no IDLE) for new mail, waking at least every [imap] poll_interval seconds to\n"
	  "send and retry notifications. Stops cleanly on SIGTERM or SIGINT." },
	{ "cases", cmd_cases, 0, 0, NEEDS_REGISTER, "cases [--all] [--format table|json|csv]",
	  "List open cases in the register (--all: closed ones too)." },
	{ "case", cmd_case, 2, 4, NEEDS_REGISTER,
	  "case show REF [--format table|json] | case close REF OUTCOME [NOTE] |"
	  " case event REF EVENT [NOTE] | case reopen REF [NOTE]",
	  "show: one case with its child, deadlines, messages and audit trail.\n"
	  "close: an officer closes it with OUTCOME (on_roll, ehe, moved_la, moved_abroad,\n"
	  "over_age, died, ...); its clocks stop, and with [routing] tell_referrer_on_close\n"
	  "the referrer is told the case is closed (queued for send). event: an officer\n"
	  "records EVENT (visit, reply, ...); the clocks that wait for it stop. reopen: an\n"
	  "officer reopens a closed case (a wrong match). NOTE goes in the audit trail." },
	{ "outbox", cmd_outbox, 0, 0, NEEDS_REGISTER, "outbox [--format table|json]",
	  "List every notification: queued, sent or failed, with attempts and last error." },
	{ "send", cmd_send, 0, 0, NEEDS_SERVERS, "send", "Send the notifications that are due now." },
	{ "digest", cmd_digest, 0, 1, NEEDS_SERVERS, "digest [officers|social-care|all|daily]",
	  "Queue and send the officers' daily digest (default) and/or the weekly summary for\n"
	  "children's social care now; each at most once per day (week). daily: the digest,\n"
	  "and the summary when today is [digest] social_care_day (for a timer)." },
	{ "remind", cmd_remind, 0, 0, NEEDS_SERVERS, "remind",
	  "Queue and send reminders for deadlines due within [digest] remind_days_before\n"
	  "days, and escalations for overdue ones; each at most once per deadline." },
	{ "import-postcodes", cmd_import_postcodes, 0, 1, NEEDS_REGISTER, "import-postcodes [FILE]",
	  "Load the ONS postcode directory (NSPL or ONSPD CSV; default [routing] postcodes)\n"
	  "so that a postcode tells which authority the child lives in." },
	{ "check-holidays", cmd_check_holidays, 1, 1, NEEDS_NOTHING, "check-holidays FILE",
	  "Compare the published England and Wales bank holidays (the gov.uk\n"
	  "bank-holidays.json) with the ones cmegw computes; print each disagreement\n"
	  "(exit 1), or that they agree." },
	{ "check-config", cmd_check_config, 0, 0, NEEDS_CONFIG, "check-config [--offline]",
	  "Validate the configuration, secrets, data files (LA codes, term dates) and\n"
	  "templates; log in to the IMAP server and select the mailbox; print\n"
	  "'configuration OK'. --offline: without the secret files or any server." },
};

/* run_command - check the arguments, open what the command needs, run it */
static int run_command(struct globals *g, const struct command *cmd, int argc, char **argv)
{
	if (argc < cmd->min_args || (cmd->max_args >= 0 && argc > cmd->max_args)) {
		g_autofree char *what = g_strdup_printf("usage: cmegw %s", cmd->usage);
		return usage_error(cmd->name, what);
	}
	g_autoptr(config) c = NULL;
	g_autoptr(store) db = NULL;
	/* ingest --send needs the SMTP secret too */
	bool secrets = cmd->needs == NEEDS_SERVERS || (cmd->run == cmd_ingest && g->send);
	int rc = EXIT_OK;
	if (cmd->needs == NEEDS_CONFIG)
		rc = (c = load_config(g, !g->offline)) ? EXIT_OK : EXIT_USAGE;
	else if (cmd->needs != NEEDS_NOTHING)
		rc = open_register(g, secrets, &c, &db);
	return rc == EXIT_OK ? cmd->run(g, c, db, argc, argv) : rc;
}

static void print_usage(FILE *out)
{
	fprintf(out, "usage: cmegw [--config FILE] [--now ISO8601] COMMAND [ARGS]\n\n"
		     "cmegw reads the Children Missing Education mailbox, files each message\n"
		     "against a case in the CME register and emails the right people.\n\n"
		     "Commands:\n");
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
		fprintf(out, "  %s\n", commands[i].usage);
	fprintf(out, "\nThe config comes from --config, else $CMEGW_CONFIG, else /etc/cmegw/cmegw.conf.\n"
		     "'cmegw COMMAND --help' says more about each command.\n");
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

/* parse_options - take the options (anywhere on the line) out of ARGV;
 * what is left are the command and its arguments */
static int parse_options(struct globals *g, int *argc, char **argv, bool *help_r)
{
	int out = 0;
	for (int i = 0; i < *argc; i++) {
		const char *a = argv[i];
		const char *val = NULL;
		bool has_val = strcmp(a, "--config") == 0 || strcmp(a, "--now") == 0 ||
			       strcmp(a, "--format") == 0;
		if (has_val) {
			if (i + 1 >= *argc) {
				log_msg(LOG_ERR, "%s needs a value", a);
				return EXIT_USAGE;
			}
			val = argv[++i];
		}
		if (strcmp(a, "--config") == 0) {
			g->config_path = val;
		} else if (strcmp(a, "--format") == 0) {
			if (strcmp(val, "json") && strcmp(val, "csv") && strcmp(val, "table")) {
				log_msg(LOG_ERR, "--format: '%s' is not one of table, json, csv", val);
				return EXIT_USAGE;
			}
			g->format = val;
		} else if (strcmp(a, "--now") == 0) {
			GTimeZone *utc = g_time_zone_new_utc();
			GDateTime *t = g_date_time_new_from_iso8601(val, utc);
			g_time_zone_unref(utc);
			if (!t) {
				log_msg(LOG_ERR, "--now: '%s' is not an ISO 8601 time", val);
				return EXIT_USAGE;
			}
			g_date_time_unref(g->now);
			g->now = t;
		} else if (strcmp(a, "--all") == 0) {
			g->all = true;
		} else if (strcmp(a, "--send") == 0) {
			g->send = true;
		} else if (strcmp(a, "--offline") == 0) {
			g->offline = true;
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			*help_r = true;
		} else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
			log_set_verbose(FALSE);
		} else if (a[0] == '-' && a[1] == '-' && a[2] != '\0') {
			log_msg(LOG_ERR, "unknown option '%s'", a);
			return EXIT_USAGE;
		} else {
			argv[out++] = argv[i];
		}
	}
	argv[out] = NULL;   /* commands may walk the arguments as a strv */
	*argc = out;
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	/* libetpan writes without MSG_NOSIGNAL: a server that hangs up must be
	 * an error return, not the end of the process. */
	signal(SIGPIPE, SIG_IGN);
	struct globals g = { 0 };
	g.now = g_date_time_new_now_utc();
	g.started = g_get_monotonic_time();
	int n = argc - 1;
	bool help = false;
	int rc = parse_options(&g, &n, argv + 1, &help);
	if (rc == EXIT_OK) {
		const struct command *cmd = n > 0 ? find_command(argv[1]) : NULL;
		if (n == 0) {
			print_usage(help ? stdout : stderr);
			rc = help ? EXIT_OK : EXIT_USAGE;
		} else if (!cmd) {
			log_msg(LOG_ERR, "unknown command '%s' (see 'cmegw --help')", argv[1]);
			rc = EXIT_USAGE;
		} else if (help) {
			printf("usage: cmegw [--config FILE] [--now ISO8601] %s\n\n%s\n", cmd->usage,
			       cmd->help);
		} else {
			rc = run_command(&g, cmd, n - 1, argv + 2);
		}
	}
	g_date_time_unref(g.now);
	return rc;
}
