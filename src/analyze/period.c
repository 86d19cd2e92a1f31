/* Local days ↔ UTC hours through the C library's zone database. */
#include "analyze/period.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/parse.h"

tt_status tt_period_set_zone(const char *zone, char *err, size_t errlen)
{
    if (zone == NULL || *zone == '\0')
        zone = "UTC";
    /* glibc silently treats an unknown zone as UTC: check the zone file. */
    if (strcmp(zone, "UTC") != 0 && strcmp(zone, "GMT") != 0 && zone[0] != ':' &&
        strchr(zone, '/') != NULL) {
        char path[512];
        snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", zone);
        FILE *f = fopen(path, "rb");
        if (f == NULL) {
            snprintf(err, errlen, "unknown time zone '%s' (see /usr/share/zoneinfo)", zone);
            return TT_ERR_USAGE;
        }
        fclose(f);
    }
    if (setenv("TZ", zone, 1) != 0) {
        snprintf(err, errlen, "cannot set time zone '%s'", zone);
        return TT_ERR_USAGE;
    }
    tzset();
    return TT_OK;
}

tt_status tt_period_day_start(int32_t day, int64_t *hour, char *err, size_t errlen)
{
    int year;
    unsigned month, mday;
    tt_civil_from_days(day, &year, &month, &mday);
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = year - 1900;
    tm.tm_mon = (int)month - 1;
    tm.tm_mday = (int)mday;
    tm.tm_isdst = -1;
    time_t t = mktime(&tm);
    if (t == (time_t)-1 && !(tm.tm_year == 69 && tm.tm_mday == 31)) {
        snprintf(err, errlen, "date out of range");
        return TT_ERR_USAGE;
    }
    if (t % 3600 != 0) {
        char date[16];
        snprintf(err, errlen, "the time zone's offset on %s is not a whole number of hours",
                 tt_format_date(day, date, sizeof date));
        return TT_ERR_UNSUPPORTED;
    }
    *hour = (int64_t)t / 3600;
    return TT_OK;
}

int32_t tt_period_day_of_hour(int64_t hour)
{
    time_t t = (time_t)(hour * 3600);
    struct tm tm;
    localtime_r(&t, &tm);
    return tt_days_from_civil(tm.tm_year + 1900, (unsigned)tm.tm_mon + 1, (unsigned)tm.tm_mday);
}

int tt_period_local_hour(int64_t hour)
{
    time_t t = (time_t)(hour * 3600);
    struct tm tm;
    localtime_r(&t, &tm);
    return tm.tm_hour;
}

const char *tt_period_format_time(int64_t t, char *buf, size_t len)
{
    time_t tt = (time_t)t;
    struct tm tm;
    localtime_r(&tt, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%S%z", &tm);
    return buf;
}

tt_status tt_period_make(int32_t first_day, int32_t last_day, tt_period *out, char *err, size_t errlen)
{
    if (last_day < first_day) {
        snprintf(err, errlen, "--to is before --from");
        return TT_ERR_USAGE;
    }
    out->first_day = first_day;
    out->last_day = last_day;
    tt_status st = tt_period_day_start(first_day, &out->hour_from, err, errlen);
    if (st == TT_OK)
        st = tt_period_day_start(last_day + 1, &out->hour_to, err, errlen);
    return st;
}

tt_status tt_period_previous(const tt_period *p, tt_period *out, char *err, size_t errlen)
{
    int32_t length = p->last_day - p->first_day + 1;
    return tt_period_make(p->first_day - length, p->first_day - 1, out, err, errlen);
}

static tt_status quarter_period(int year, int quarter, tt_period *out, char *err, size_t errlen)
{
    unsigned first_month = (unsigned)(quarter - 1) * 3 + 1;
    int32_t first = tt_days_from_civil(year, first_month, 1);
    int32_t next = quarter == 4 ? tt_days_from_civil(year + 1, 1, 1)
                                : tt_days_from_civil(year, first_month + 3, 1);
    return tt_period_make(first, next - 1, out, err, errlen);
}

tt_status tt_period_quarter(const char *text, tt_period *out, char *err, size_t errlen)
{
    if (strlen(text) != 6 || (text[4] != 'Q' && text[4] != 'q') || text[5] < '1' || text[5] > '4') {
        snprintf(err, errlen, "bad quarter '%s' (expected e.g. 2015Q4)", text);
        return TT_ERR_USAGE;
    }
    char year_text[5];
    memcpy(year_text, text, 4);
    year_text[4] = '\0';
    uint64_t year;
    if (!tt_parse_u64(year_text, 9999, &year) || year < 1970) {
        snprintf(err, errlen, "bad quarter '%s' (expected e.g. 2015Q4)", text);
        return TT_ERR_USAGE;
    }
    return quarter_period((int)year, text[5] - '0', out, err, errlen);
}

tt_status tt_period_previous_quarter(const tt_period *p, tt_period *out, char *err, size_t errlen)
{
    int year;
    unsigned month, day;
    tt_civil_from_days(p->first_day, &year, &month, &day);
    int quarter = (int)(month - 1) / 3 + 1;
    if (quarter == 1)
        return quarter_period(year - 1, 4, out, err, errlen);
    return quarter_period(year, quarter - 1, out, err, errlen);
}
