/*
 * The JSON API (/api/v1/...), described by the OpenAPI document served at
 * /api/v1/openapi.json (daemon/web/openapi.json). Every body is built from
 * one snapshot and the availability view; errors are
 * {"error": "...", "status": N}.
 */
#ifndef GW_API_H
#define GW_API_H

#include <jansson.h>
#include <stdint.h>

#include "result/snapshot.h"
#include "web/history.h"

/* GET /api/v1/status: Wales, every council, every target in brief. */
json_t *gw_api_status(const struct gw_snapshot *s, const struct gw_history_view *h);
/* GET /api/v1/councils/<id>: a council and its targets (`council` indexes the configuration). */
json_t *gw_api_council(const struct gw_snapshot *s, const struct gw_history_view *h,
                       size_t council);
/* GET /api/v1/targets/<council>/<target>, with its recent events (borrowed; may be NULL). */
json_t *gw_api_target(const struct gw_snapshot *s, const struct gw_history_view *h, size_t target,
                      json_t *events);
/* {"error": message, "status": status}. */
json_t *gw_api_error(int status, const char *message);
/* The OpenAPI document (static, NUL-terminated). */
const char *gw_api_openapi(void);

#endif
