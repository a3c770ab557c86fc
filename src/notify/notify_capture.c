/* notify_capture.c - the capture sender for unit tests, and what every
 * sender shares (the error domain, notify_sender_free).
 *
 * The capture sender checks its arguments as the SMTP sender does, so a test
 * that passes with it does not hide a call the real sender would refuse.
 */
#include "notify/notify.h"

G_DEFINE_QUARK(notify-error-quark, notify_error)

void notify_sender_free(struct notify_sender *sender)
{
	if (sender)
		sender->ops->free(sender);
}

struct capture_sender {
	struct notify_sender base;
	unsigned fail_first;   /* sends still to fail */
	unsigned attempts;
	GPtrArray *messages;   /* GBytes * */
	GPtrArray *froms;      /* char * */
	GPtrArray *tos;        /* char ** */
};

/* capture_send - keep a copy of MESSAGE, or fail while fail_first lasts */
static bool capture_send(struct notify_sender *sender, const char *from, char **to,
			 GBytes *message, GError **error)
{
	struct capture_sender *c = (struct capture_sender *)sender;
	gsize size;
	const void *data;

	c->attempts++;
	if (!from || !*from || !to || !*to || !message) {
		g_set_error(error, NOTIFY_ERROR, NOTIFY_ERROR_PERMANENT,
			    "capture: no sender, recipient or message");
		return false;
	}
	if (c->fail_first > 0) {
		c->fail_first--;
		g_set_error(error, NOTIFY_ERROR, NOTIFY_ERROR_TRANSIENT,
			    "capture: attempt %u: simulated transient failure", c->attempts);
		return false;
	}
	data = g_bytes_get_data(message, &size);
	g_ptr_array_add(c->messages, g_bytes_new(data, size));
	g_ptr_array_add(c->froms, g_strdup(from));
	g_ptr_array_add(c->tos, g_strdupv(to));
	return true;
}

/* capture_free - the sender and every message it kept */
static void capture_free(struct notify_sender *sender)
{
	struct capture_sender *c = (struct capture_sender *)sender;

	g_ptr_array_unref(c->messages);
	g_ptr_array_unref(c->froms);
	g_ptr_array_unref(c->tos);
	g_free(c);
}

static const struct notify_sender_ops capture_ops = {
	.send = capture_send,
	.free = capture_free,
};

struct notify_sender *notify_capture_new(unsigned fail_first)
{
	struct capture_sender *c = g_new0(struct capture_sender, 1);

	c->base.ops = &capture_ops;
	c->fail_first = fail_first;
	c->messages = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	c->froms = g_ptr_array_new_with_free_func(g_free);
	c->tos = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
	return &c->base;
}

/* as_capture - SENDER if it is a capture sender */
static struct capture_sender *as_capture(struct notify_sender *sender)
{
	g_return_val_if_fail(sender != NULL && sender->ops == &capture_ops, NULL);
	return (struct capture_sender *)sender;
}

GPtrArray *notify_capture_messages(struct notify_sender *sender)
{
	struct capture_sender *c = as_capture(sender);

	return c ? c->messages : NULL;
}

bool notify_capture_envelope(struct notify_sender *sender, guint index,
			     const char **from_r, char ***to_r)
{
	struct capture_sender *c = as_capture(sender);

	if (!c || index >= c->messages->len)
		return false;
	if (from_r)
		*from_r = g_ptr_array_index(c->froms, index);
	if (to_r)
		*to_r = g_ptr_array_index(c->tos, index);
	return true;
}

unsigned notify_capture_attempts(struct notify_sender *sender)
{
	struct capture_sender *c = as_capture(sender);

	return c ? c->attempts : 0;
}
