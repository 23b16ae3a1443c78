/*
 * JSON templates: a JSON document whose strings hold placeholders, rendered
 * against a context object into a new JSON document. The result is built as
 * a JSON tree and serialised by jansson, so whatever the values hold
 * (quotes, newlines, any Unicode) it is always valid JSON.
 *
 *   "{{name}}"                     the text of a field of the context; dotted
 *                                  names reach inside ("figures.latency",
 *                                  "events.0.target"); an absent field is "".
 *   "{{name|filter|...}}"          filters: upper, lower, max=N (at most N
 *                                  characters, an ellipsis marking a cut),
 *                                  slack (escapes & < > as Slack asks)
 *   {"$value": "name"}             the field itself, with its JSON type
 *                                  (number, true/false, null, object)
 *   {"$select": "name",            the case named by the field's text, else
 *    "cases": {"down": 5, ...},    the default; with neither the member (or
 *    "default": 3}                 the array item) is left out
 *   [{"$each": "events",           inside an array: one item per element of
 *     "do": {...}, "max": 20}]     the field, rendered with that element as
 *                                  the context (the outer fields still seen)
 *
 * Any other key beginning with "$" ("$schema") is an ordinary key.
 */
#ifndef GW_JSON_TEMPLATE_H
#define GW_JSON_TEMPLATE_H

#include <stddef.h>

#include <jansson.h>

/*
 * Checks `tpl` against `sample`, a context holding every field a real one
 * may hold (objects named "figures" may hold any key). Returns 0, or
 * -EINVAL with a sentence in err naming where: "attachments[0].text: unknown
 * field \"stat\"".
 */
int gw_json_template_check(const json_t *tpl, const json_t *sample, char *err, size_t err_len);

/*
 * Renders `tpl` (checked) with `context`. Returns a new reference (caller
 * decrefs); never NULL (out of memory aborts).
 */
json_t *gw_json_template_render(const json_t *tpl, const json_t *context);

#endif
