/* Checked parsing helpers. */
#include "util/parse.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

bool tt_parse_u64(const char *text, uint64_t max, uint64_t *out)
{
    if (text == NULL || !isdigit((unsigned char)text[0]))
        return false;
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno != 0 || *end != '\0' || v > max)
        return false;
    *out = v;
    return true;
}

/* Howard Hinnant's days_from_civil algorithm (public domain description). */
int32_t tt_days_from_civil(int year, unsigned month, unsigned day)
{
    year -= month <= 2;
    const int era = (year >= 0 ? year : year - 399) / 400;
    const unsigned yoe = (unsigned)(year - era * 400);
    const unsigned doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int32_t)(era * 146097 + (int)doe - 719468);
}

void tt_civil_from_days(int32_t days, int *year, unsigned *month, unsigned *day)
{
    int32_t z = days + 719468;
    const int32_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int y = (int)yoe + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *day = doy - (153 * mp + 2) / 5 + 1;
    *month = mp < 10 ? mp + 3 : mp - 9;
    *year = y + (*month <= 2);
}

bool tt_parse_date(const char *text, int32_t *days_out)
{
    if (strlen(text) != 10 || text[4] != '-' || text[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && !isdigit((unsigned char)text[i]))
            return false;
    int year = (text[0] - '0') * 1000 + (text[1] - '0') * 100 + (text[2] - '0') * 10 + (text[3] - '0');
    unsigned month = (unsigned)((text[5] - '0') * 10 + (text[6] - '0'));
    unsigned day = (unsigned)((text[8] - '0') * 10 + (text[9] - '0'));
    static const unsigned month_days[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (year < 1970 || month < 1 || month > 12 || day < 1 || day > month_days[month - 1])
        return false;
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (month == 2 && day == 29 && !leap)
        return false;
    *days_out = tt_days_from_civil(year, month, day);
    return true;
}

const char *tt_format_date(int32_t days, char *buf, size_t len)
{
    int y;
    unsigned m, d;
    tt_civil_from_days(days, &y, &m, &d);
    snprintf(buf, len, "%04d-%02u-%02u", y, m, d);
    return buf;
}

const char *tt_proto_name(uint8_t proto)
{
    switch (proto) {
    case 1: return "icmp";
    case 6: return "tcp";
    case 17: return "udp";
    case 58: return "icmp6";
    default: return NULL;
    }
}

bool tt_parse_proto(const char *text, uint8_t *proto)
{
    static const struct { const char *name; uint8_t number; } names[] = {
        {"tcp", 6}, {"udp", 17}, {"icmp", 1}, {"icmp6", 58}, {"icmpv6", 58},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcasecmp(text, names[i].name) == 0) {
            *proto = names[i].number;
            return true;
        }
    }
    uint64_t v;
    if (!tt_parse_u64(text, 255, &v))
        return false;
    *proto = (uint8_t)v;
    return true;
}

bool tt_parse_port_key(const char *text, int32_t *port, uint8_t *proto)
{
    const char *slash = strchr(text, '/');
    char number[8];
    if (slash == NULL || slash == text || (size_t)(slash - text) >= sizeof number)
        return false;
    memcpy(number, text, (size_t)(slash - text));
    number[slash - text] = '\0';
    uint64_t v;
    if (!tt_parse_u64(number, 65535, &v) || !tt_parse_proto(slash + 1, proto))
        return false;
    *port = (int32_t)v;
    return true;
}

int tt_hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}
