/* fuzz_parse.c - libFuzzer target: any bytes through parse_message() and the
 * record to JSON, under the limits the default config sets (smaller, so a
 * run explores more). `make fuzz` builds it with ASan and UBSan. */
#include <stddef.h>
#include <stdint.h>

#include "parse/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct parse_limits limits = {
		.max_message_bytes = 1u << 20, .max_mime_depth = 20, .max_parts = 200,
		.max_attachment_bytes = 1u << 20, .max_decoded_bytes = 4u << 20,
	};
	GError *error = NULL;
	struct parse_record *r = parse_message((const char *)data, size, &limits, &error);

	if (r != NULL) {
		JsonNode *n = parse_record_to_json(r);

		json_node_unref(n);
		parse_record_free(r);
	}
	g_clear_error(&error);
	return 0;
}
