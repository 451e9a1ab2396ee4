/*
 * llm_history.c - the LLM's conversation and its trimming (see
 * llm_history.h).
 */
#include <stdlib.h>
#include <string.h>

#include "llm_history.h"

size_t
llm_tokens_estimate(const json_t *msg)
{
	char *s = json_dumps(msg, JSON_COMPACT);
	size_t n;

	if (s == NULL)
		return 4;
	n = strlen(s) / 4 + 4;
	free(s);
	return n;
}

int
llm_history_add(json_t *hist, json_t *msg)
{
	if (msg == NULL)
		return -1;
	return json_array_append_new(hist, msg) == 0 ? 0 : -1;
}

size_t
llm_history_tokens(const json_t *hist)
{
	size_t i, n = 0;

	for (i = 0; i < json_array_size(hist); i++)
		n += llm_tokens_estimate(json_array_get(hist, i));
	return n;
}

static int
is_user(const json_t *msg)
{
	const char *r = json_string_value(json_object_get(msg, "role"));

	return r && strcmp(r, "user") == 0;
}

/* Index of the start of the second turn (the first user message after
 * index 0), or the array size if there is only one turn. */
static size_t
second_turn(const json_t *hist)
{
	size_t i, n = json_array_size(hist);

	for (i = 1; i < n; i++)
		if (is_user(json_array_get(hist, i)))
			return i;
	return n;
}

size_t
llm_history_trim(json_t *hist, size_t budget, size_t fixed)
{
	size_t total = llm_history_tokens(hist) + fixed, cut, i, dropped = 0;

	while (total > budget) {
		cut = second_turn(hist);
		if (cut >= json_array_size(hist))
			break; /* only the current turn is left */
		for (i = 0; i < cut; i++) {
			total -= llm_tokens_estimate(json_array_get(hist, 0));
			json_array_remove(hist, 0);
			dropped++;
		}
	}
	/* a history must not start with tool results */
	while (json_array_size(hist) > 0 && !is_user(json_array_get(hist, 0)) &&
	    json_string_value(
	        json_object_get(json_array_get(hist, 0), "role")) &&
	    strcmp(json_string_value(
	               json_object_get(json_array_get(hist, 0), "role")),
	        "tool") == 0) {
		json_array_remove(hist, 0);
		dropped++;
	}
	return dropped;
}
