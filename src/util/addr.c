/* Address and prefix text conversion. */
#include "util/addr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/parse.h"

bool tt_addr_parse(const char *text, tt_addr *out)
{
    struct in_addr v4;
    if (strchr(text, ':') == NULL) {
        if (inet_pton(AF_INET, text, &v4) != 1)
            return false;
        tt_addr_from_v4(out, ntohl(v4.s_addr));
        return true;
    }
    return inet_pton(AF_INET6, text, out->bytes) == 1;
}

const char *tt_addr_format(const tt_addr *a, char *buf)
{
    if (tt_addr_is_v4(a))
        inet_ntop(AF_INET, a->bytes + 12, buf, TT_ADDR_STRLEN);
    else
        inet_ntop(AF_INET6, a->bytes, buf, TT_ADDR_STRLEN);
    return buf;
}

bool tt_prefix_parse(const char *text, tt_prefix *out)
{
    char addr_text[TT_ADDR_STRLEN + 8];
    const char *slash = strchr(text, '/');
    size_t len = slash ? (size_t)(slash - text) : strlen(text);
    if (len == 0 || len >= sizeof addr_text)
        return false;
    memcpy(addr_text, text, len);
    addr_text[len] = '\0';
    if (!tt_addr_parse(addr_text, &out->addr))
        return false;
    bool v4 = strchr(addr_text, ':') == NULL;
    uint64_t bits = v4 ? 32 : 128;
    if (slash && !tt_parse_u64(slash + 1, v4 ? 32 : 128, &bits))
        return false;
    out->bits = (uint8_t)(v4 ? bits + 96 : bits);
    /* Clear host bits so that equal prefixes compare equal. */
    for (unsigned i = out->bits; i < 128; i++)
        out->addr.bytes[i / 8] &= (uint8_t) ~(0x80u >> (i % 8));
    return true;
}

bool tt_prefix_contains(const tt_prefix *p, const tt_addr *a)
{
    unsigned full = p->bits / 8, rest = p->bits % 8;
    if (memcmp(p->addr.bytes, a->bytes, full) != 0)
        return false;
    if (rest == 0)
        return true;
    uint8_t mask = (uint8_t)(0xff00u >> rest);
    return (p->addr.bytes[full] & mask) == (a->bytes[full] & mask);
}

const char *tt_prefix_format(const tt_prefix *p, char *buf, size_t len)
{
    char text[TT_ADDR_STRLEN];
    tt_addr_format(&p->addr, text);
    bool v4 = tt_addr_is_v4(&p->addr) && p->bits >= 96;
    snprintf(buf, len, "%s/%u", text, v4 ? p->bits - 96u : p->bits);
    return buf;
}
