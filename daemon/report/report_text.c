#include "report/report_text.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/london.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

void gw_report_text_percent(char *buf, size_t size, double ratio)
{
    if (isnan(ratio)) {
        snprintf(buf, size, "%s", GW_REPORT_TEXT_NONE);
        return;
    }
    /* Whole thousandths of a percent, rounded down: 99.9996% is not 100%. */
    double thousandths = floor(ratio * 100000.0 + 1e-7);
    snprintf(buf, size, "%.3f%%", thousandths / 1000.0);
}

void gw_report_text_count(char *buf, size_t size, uint64_t n)
{
    char digits[32];
    int len = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)n);
    size_t o = 0;
    for (int i = 0; i < len && o + 1 < size; i++) {
        if (i > 0 && (len - i) % 3 == 0 && o + 2 < size)
            buf[o++] = ',';
        buf[o++] = digits[i];
    }
    buf[o < size ? o : size - 1] = '\0';
}

void gw_report_text_minutes(char *buf, size_t size, int64_t ms)
{
    if (ms < 0) {
        snprintf(buf, size, "%s", GW_REPORT_TEXT_NONE);
        return;
    }
    /* Tenths of a minute, to nearest. */
    uint64_t tenths = (uint64_t)((ms + 3000) / 6000);
    char whole[48];
    gw_report_text_count(whole, sizeof(whole), tenths / 10);
    snprintf(buf, size, "%s.%u", whole, (unsigned)(tenths % 10));
}

void gw_report_text_duration(char *buf, size_t size, int64_t ms, enum gw_lang lang)
{
    if (ms < 0) {
        snprintf(buf, size, "%s", GW_REPORT_TEXT_NONE);
        return;
    }
    unsigned long s = (unsigned long)((ms + 500) / 1000);
    unsigned long d = s / 86400, h = s / 3600 % 24, m = s / 60 % 60, sec = s % 60;
    if (s == 0)
        snprintf(buf, size, "%s", gw_i18n_trp(lang, "duration", "0 min"));
    else if (d)
        snprintf(buf, size, gw_i18n_trp(lang, "duration", "%lu d %lu h"), d, h);
    else if (h)
        snprintf(buf, size, gw_i18n_trp(lang, "duration", "%lu h %02lu min"), h, m);
    else if (m)
        snprintf(buf, size, gw_i18n_trp(lang, "duration", "%lu min %02lu s"), m, sec);
    else
        snprintf(buf, size, gw_i18n_trp(lang, "duration", "%lu s"), sec);
}

static const char *const month_names[12] = {
    GW_N_("January"),   GW_N_("February"), GW_N_("March"),    GW_N_("April"),
    GW_N_("May"),       GW_N_("June"),     GW_N_("July"),     GW_N_("August"),
    GW_N_("September"), GW_N_("October"),  GW_N_("November"), GW_N_("December"),
};

const char *gw_report_text_month(int month, enum gw_lang lang)
{
    if (month < 1 || month > 12)
        return "";
    return gw_i18n_tr(lang, month_names[month - 1]);
}

void gw_report_text_datetime(char *buf, size_t size, int64_t ms, enum gw_lang lang)
{
    struct gw_civil c;
    int64_t s = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
    gw_london_civil(s, &c);
    snprintf(buf, size, "%d %s %d, %02d:%02d", c.day, gw_report_text_month(c.month, lang), c.year,
             c.hour, c.minute);
}

char *gw_report_text_period(const struct gw_report *r, enum gw_lang lang)
{
    struct gw_strbuf b = {0};
    if (r->year && r->month) {
        gw_strbuf_printf(&b, "%s %d", gw_report_text_month(r->month, lang), r->year);
    } else {
        char from[GW_REPORT_TEXT_MAX], to[GW_REPORT_TEXT_MAX];
        gw_report_text_datetime(from, sizeof(from), r->start_ms, lang);
        gw_report_text_datetime(to, sizeof(to), r->end_ms, lang);
        gw_strbuf_printf(&b, gw_i18n_tr(lang, "%s to %s"), from, to);
    }
    if (r->measured_end_ms < r->end_ms) {
        char until[GW_REPORT_TEXT_MAX];
        gw_report_text_datetime(until, sizeof(until), r->measured_end_ms, lang);
        gw_strbuf_printf(&b, gw_i18n_tr(lang, " (so far: until %s)"), until);
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

const char *gw_report_text_category(const char *category, enum gw_lang lang)
{
    return category ? category : gw_i18n_tr(lang, "no category");
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
    char a[GW_REPORT_TEXT_MAX], b[GW_REPORT_TEXT_MAX];
    if (r->event_log && r->log_begin_ms) {
        gw_report_text_datetime(a, sizeof(a), r->log_begin_ms, lang);
        gw_report_text_count(b, sizeof(b), r->event_lines);
        lines[n++] = gw_xasprintf(gw_i18n_tr(lang, "Event log from %s: %s lines read."), a, b);
        if (r->event_skipped) {
            gw_report_text_count(b, sizeof(b), r->event_skipped);
            lines[n++] = gw_xasprintf(
                gw_i18n_tr(lang, "%s lines of the event log could not be read and were skipped."),
                b);
        }
    } else {
        lines[n++] =
            gw_xstrdup(gw_i18n_tr(lang, "No event log: every figure is from the RRD files."));
    }
    gw_report_text_count(a, sizeof(a), r->rrd_files_read);
    lines[n++] = gw_xasprintf(gw_i18n_tr(lang, "RRD files read: %s."), a);
    if (r->rrd_files_failed) {
        gw_report_text_count(a, sizeof(a), r->rrd_files_failed);
        lines[n++] = gw_xasprintf(gw_i18n_tr(lang, "RRD files that could not be read: %s."), a);
    }
    *out = lines;
    return n;
}
