#include "i18n/format.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/london.h"

static const char *const months[12] = {
    GW_N_("January"),   GW_N_("February"), GW_N_("March"),    GW_N_("April"),
    GW_N_("May"),       GW_N_("June"),     GW_N_("July"),     GW_N_("August"),
    GW_N_("September"), GW_N_("October"),  GW_N_("November"), GW_N_("December"),
};

static const char *const months_short[12] = {
    GW_N_("Jan"), GW_N_("Feb"), GW_N_("Mar"), GW_N_("Apr"), GW_N_("May "), GW_N_("Jun"),
    GW_N_("Jul"), GW_N_("Aug"), GW_N_("Sep"), GW_N_("Oct"), GW_N_("Nov"),  GW_N_("Dec"),
};

static const char *const weekdays[7] = {
    GW_N_("Sunday"),   GW_N_("Monday"), GW_N_("Tuesday"),  GW_N_("Wednesday"),
    GW_N_("Thursday"), GW_N_("Friday"), GW_N_("Saturday"),
};

/* The time in Wales (util/london.h: by rule, whatever the server's TZ), in struct tm's fields. */
static struct tm local(int64_t ms)
{
    struct gw_civil c;
    gw_london_civil(ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000), &c);
    struct tm tm = {
        .tm_year = c.year - 1900,
        .tm_mon = c.month - 1,
        .tm_mday = c.day,
        .tm_hour = c.hour,
        .tm_min = c.minute,
        .tm_sec = c.second,
        .tm_wday = c.weekday,
    };
    return tm;
}

const char *gw_format_month(enum gw_lang lang, int month)
{
    return month >= 1 && month <= 12 ? gw_i18n_tr(lang, months[month - 1]) : "";
}

/* The short month: "May " is the msgid that tells it from the full "May"; the space goes. */
static void month_short(struct gw_strbuf *b, enum gw_lang lang, int mon)
{
    const char *m = gw_i18n_tr(lang, months_short[mon]);
    size_t n = strlen(m);
    while (n && m[n - 1] == ' ')
        n--;
    gw_strbuf_append_n(b, m, n);
}

void gw_format_date(struct gw_strbuf *b, enum gw_lang lang, int64_t ms, bool weekday)
{
    struct tm tm = local(ms);
    if (weekday)
        gw_strbuf_printf(b, "%s ", gw_i18n_tr(lang, weekdays[tm.tm_wday]));
    gw_strbuf_printf(b, "%d %s %d", tm.tm_mday, gw_i18n_tr(lang, months[tm.tm_mon]),
                     tm.tm_year + 1900);
}

void gw_format_datetime(struct gw_strbuf *b, enum gw_lang lang, int64_t ms, int64_t now_ms)
{
    struct tm tm = local(ms), now = local(now_ms);
    gw_strbuf_printf(b, "%d ", tm.tm_mday);
    month_short(b, lang, tm.tm_mon);
    if (tm.tm_year != now.tm_year)
        gw_strbuf_printf(b, " %d", tm.tm_year + 1900);
    gw_strbuf_printf(b, ", %02d:%02d", tm.tm_hour, tm.tm_min);
}

void gw_format_day_short(struct gw_strbuf *b, enum gw_lang lang, int64_t ms)
{
    struct tm tm = local(ms);
    gw_strbuf_printf(b, "%d ", tm.tm_mday);
    month_short(b, lang, tm.tm_mon);
}

void gw_format_duration(struct gw_strbuf *b, enum gw_lang lang, double seconds)
{
    if (isnan(seconds) || seconds < 0)
        seconds = 0;
    uint64_t s = (uint64_t)seconds;
    if (s < 60) {
        gw_strbuf_printf(b, gw_i18n_tr(lang, "%llu s"), (unsigned long long)s);
        return;
    }
    uint64_t d = s / 86400, h = s % 86400 / 3600, m = s % 3600 / 60;
    if (d >= 2) {
        gw_strbuf_printf(b, gw_i18n_tr(lang, "%llu days"), (unsigned long long)d);
        if (h)
            gw_strbuf_printf(b, gw_i18n_tr(lang, " %llu h"), (unsigned long long)h);
        return;
    }
    h += d * 24;
    if (h)
        gw_strbuf_printf(b, gw_i18n_tr(lang, "%llu h"), (unsigned long long)h);
    if (h && m)
        gw_strbuf_append_char(b, ' ');
    if (m || !h)
        gw_strbuf_printf(b, gw_i18n_tr(lang, "%llu min"), (unsigned long long)m);
}

void gw_format_percent(struct gw_strbuf *b, enum gw_lang lang, double ratio)
{
    (void)lang;
    if (isnan(ratio)) {
        gw_strbuf_append(b, "–");
        return;
    }
    double pct = floor(ratio * 10000.0 + 1e-6) / 100.0;
    if (pct > 100)
        pct = 100;
    if (pct < 0)
        pct = 0;
    gw_strbuf_printf(b, "%.2f %%", pct);
}

void gw_format_ms(struct gw_strbuf *b, enum gw_lang lang, double seconds)
{
    (void)lang;
    if (isnan(seconds)) {
        gw_strbuf_append(b, "–");
        return;
    }
    double ms = seconds * 1000.0;
    if (ms < 10)
        gw_strbuf_printf(b, "%.1f ms", ms);
    else {
        gw_format_count(b, (uint64_t)llround(ms));
        gw_strbuf_append(b, " ms");
    }
}

void gw_format_count(struct gw_strbuf *b, uint64_t n)
{
    char digits[24];
    int len = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)n);
    for (int i = 0; i < len; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            gw_strbuf_append_char(b, ',');
        gw_strbuf_append_char(b, digits[i]);
    }
}

void gw_format_rfc3339(struct gw_strbuf *b, int64_t ms)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    gw_strbuf_printf(b, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}

void gw_format_zone(struct gw_strbuf *b, int64_t ms)
{
    gw_strbuf_append(b, gw_london_offset_s(ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000)) ? "BST"
                                                                                        : "GMT");
}
