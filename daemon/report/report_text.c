#include "report/report_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n/format.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

void gw_report_text_minutes(struct gw_strbuf *b, int64_t ms)
{
    if (ms < 0) {
        gw_strbuf_append(b, GW_REPORT_TEXT_NONE);
        return;
    }
    /* Tenths of a minute, to nearest. */
    uint64_t tenths = (uint64_t)((ms + 3000) / 6000);
    gw_format_count(b, tenths / 10);
    gw_strbuf_printf(b, ".%u", (unsigned)(tenths % 10));
}

char *gw_report_text_title(const struct gw_report *r, enum gw_lang lang)
{
    const char *scope = gw_i18n_tr(lang, "Wales");
    if (r->council && r->n_councils == 1)
        scope = gw_i18n_council_name(r->councils[0].conf, lang);
    if (r->category)
        return gw_xasprintf(gw_i18n_tr(lang, "24/7 service delivery: %s, %s"), scope,
                            gw_i18n_category(lang, r->category));
    return gw_xasprintf(gw_i18n_tr(lang, "24/7 service delivery: %s"), scope);
}

char *gw_report_text_period(const struct gw_report *r, enum gw_lang lang)
{
    struct gw_strbuf b = {0};
    if (r->year && r->month) {
        gw_strbuf_printf(&b, "%s %d", gw_format_month(lang, r->month), r->year);
    } else {
        struct gw_strbuf from = {0}, to = {0};
        gw_format_datetime(&from, lang, r->start_ms, 0);
        gw_format_datetime(&to, lang, r->end_ms, 0);
        gw_strbuf_printf(&b, gw_i18n_tr(lang, "%s to %s"), gw_strbuf_str(&from),
                         gw_strbuf_str(&to));
        gw_strbuf_reset(&from);
        gw_strbuf_reset(&to);
    }
    if (r->measured_end_ms < r->end_ms) {
        struct gw_strbuf until = {0};
        gw_format_datetime(&until, lang, r->measured_end_ms, 0);
        gw_strbuf_printf(&b, gw_i18n_tr(lang, " (so far: until %s)"), gw_strbuf_str(&until));
        gw_strbuf_reset(&until);
    }
    return gw_strbuf_take(&b);
}

const char *gw_report_text_sla(enum gw_report_sla sla, enum gw_lang lang)
{
    switch (sla) {
    case GW_REPORT_SLA_MET:
        return gw_i18n_trp(lang, "sla", "met");
    case GW_REPORT_SLA_MISSED:
        return gw_i18n_trp(lang, "sla", "missed");
    case GW_REPORT_SLA_NONE:
        break;
    }
    return GW_REPORT_TEXT_NONE;
}

const char *gw_report_text_source(enum gw_report_source source, enum gw_lang lang)
{
    switch (source) {
    case GW_REPORT_SOURCE_EVENTS:
        return gw_i18n_tr(lang, "event log");
    case GW_REPORT_SOURCE_RRD:
        return gw_i18n_tr(lang, "RRD files");
    case GW_REPORT_SOURCE_NONE:
        break;
    }
    return gw_i18n_tr(lang, "no data");
}

char *gw_report_text_cause(const struct gw_timeline_outage *o, enum gw_lang lang)
{
    if (o->cause == GW_TIMELINE_CAUSE_PARENT)
        return gw_xasprintf(gw_i18n_tr(lang, "caused by %s"),
                            o->cause_target ? o->cause_target : "?");
    return gw_xstrdup("");
}

static const char *const rules[] = {
    GW_N_("Times are Europe/London local time; a month with a change of the clocks lasts 743 "
          "or 745 hours."),
    GW_N_("Availability is the time a service was up (or degraded, but working) divided by the "
          "time it was up, degraded or down."),
    GW_N_("Time in planned maintenance, unknown time (the monitor could not tell, for example "
          "when its own DNS failed) and time not monitored (gwyliwr was not running, or nothing "
          "was recorded) are left out of availability and shown separately; none of them is "
          "downtime."),
    GW_N_("Downtime caused by a parent service (depends_on) is still downtime, because people "
          "could not use the service; it is also shown separately."),
    GW_N_("An outage is a stretch of downtime that no up or degraded time interrupts; unknown, "
          "unmonitored or maintenance time inside it does not end it and is not counted in it. "
          "An outage that crosses the start or end of the period counts in it, with its part "
          "inside the period."),
    GW_N_("MTTR (mean time to repair) is downtime divided by the number of outages; MTBF (mean "
          "time between failures) is available time divided by the number of outages."),
    GW_N_("Outages come from the event log, with their exact start, end, reason and cause; for "
          "targets the log does not cover, and before it first recorded a target, from the RRD "
          "files, at their resolution (each target shows its source)."),
    GW_N_("The figures of a category, a council and Wales add up the times of their targets, so "
          "a service measured for longer weighs more."),
    GW_N_("The SLA is met when availability is at or above its target; the league table ranks "
          "councils by availability, then by less downtime, then by fewer outages."),
    GW_N_("Charge point reliability (Public Charge Point Regulations 2023) is the time a charge "
          "point worked divided by its time in service: a charge point whose state could not be "
          "told counts as working, one out of service is not counted; the regulations ask 99% "
          "of a network's rapid charge points."),
    GW_N_("Welsh-language parity is the time the Welsh service was down while the English one was "
          "up, and the reverse, counted only while both were measured."),
};

#define N_RULES (sizeof(rules) / sizeof(rules[0]))

size_t gw_report_text_rules(const char *const **msgids)
{
    *msgids = rules;
    return N_RULES;
}

size_t gw_report_text_sources(const struct gw_report *r, enum gw_lang lang, char ***out)
{
    char **lines = gw_xcalloc(4, sizeof(char *));
    size_t n = 0;
    struct gw_strbuf a = {0}, b = {0};
    if (r->event_log && r->log_begin_ms) {
        gw_format_datetime(&a, lang, r->log_begin_ms, 0);
        gw_format_count(&b, r->event_lines);
        lines[n++] = gw_xasprintf(gw_i18n_tr(lang, "Event log from %s: %s lines read."),
                                  gw_strbuf_str(&a), gw_strbuf_str(&b));
        if (r->event_skipped) {
            gw_strbuf_reset(&b);
            gw_format_count(&b, r->event_skipped);
            lines[n++] = gw_xasprintf(
                gw_i18n_tr(lang, "%s lines of the event log could not be read and were skipped."),
                gw_strbuf_str(&b));
        }
    } else {
        lines[n++] =
            gw_xstrdup(gw_i18n_tr(lang, "No event log: every figure is from the RRD files."));
    }
    gw_strbuf_reset(&a);
    gw_format_count(&a, r->rrd_files_read);
    lines[n++] = gw_xasprintf(gw_i18n_tr(lang, "RRD files read: %s."), gw_strbuf_str(&a));
    if (r->rrd_files_failed) {
        gw_strbuf_reset(&a);
        gw_format_count(&a, r->rrd_files_failed);
        lines[n++] = gw_xasprintf(gw_i18n_tr(lang, "RRD files that could not be read: %s."),
                                  gw_strbuf_str(&a));
    }
    gw_strbuf_reset(&a);
    gw_strbuf_reset(&b);
    *out = lines;
    return n;
}
