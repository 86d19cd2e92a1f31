/* IP addresses as 16 bytes: IPv4 is stored IPv4-mapped (::ffff:a.b.c.d) so one
 * key type serves both families in hash tables, sorting and storage. */
#ifndef TT_UTIL_ADDR_H
#define TT_UTIL_ADDR_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

typedef struct tt_addr {
    uint8_t bytes[16];
} tt_addr;

#define TT_ADDR_STRLEN 46 /* INET6_ADDRSTRLEN */

static inline bool tt_addr_is_v4(const tt_addr *a)
{
    static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return memcmp(a->bytes, prefix, 12) == 0;
}

static inline void tt_addr_from_v4(tt_addr *a, uint32_t host_order)
{
    memset(a->bytes, 0, 10);
    a->bytes[10] = 0xff;
    a->bytes[11] = 0xff;
    a->bytes[12] = (uint8_t)(host_order >> 24);
    a->bytes[13] = (uint8_t)(host_order >> 16);
    a->bytes[14] = (uint8_t)(host_order >> 8);
    a->bytes[15] = (uint8_t)host_order;
}

static inline uint32_t tt_addr_v4(const tt_addr *a)
{
    return (uint32_t)a->bytes[12] << 24 | (uint32_t)a->bytes[13] << 16 |
           (uint32_t)a->bytes[14] << 8 | a->bytes[15];
}

static inline bool tt_addr_equal(const tt_addr *a, const tt_addr *b)
{
    uint64_t a0, a1, b0, b1;
    memcpy(&a0, a->bytes, 8);
    memcpy(&a1, a->bytes + 8, 8);
    memcpy(&b0, b->bytes, 8);
    memcpy(&b1, b->bytes + 8, 8);
    return ((a0 ^ b0) | (a1 ^ b1)) == 0;
}

static inline int tt_addr_cmp(const tt_addr *a, const tt_addr *b)
{
    return memcmp(a->bytes, b->bytes, 16);
}

/* Parses dotted IPv4 or IPv6 text. Returns false on bad text. */
bool tt_addr_parse(const char *text, tt_addr *out);
/* Writes the usual text form (dotted quad for IPv4). buf must hold TT_ADDR_STRLEN. */
const char *tt_addr_format(const tt_addr *a, char *buf);

/* A prefix in the same 16-byte space: IPv4 /n is stored as /(96+n). */
typedef struct tt_prefix {
    tt_addr addr;
    uint8_t bits; /* 0..128 in the 16-byte space */
} tt_prefix;

/* Parses "a.b.c.d/n", "x::/n" or a bare address (host prefix). */
bool tt_prefix_parse(const char *text, tt_prefix *out);
bool tt_prefix_contains(const tt_prefix *p, const tt_addr *a);
const char *tt_prefix_format(const tt_prefix *p, char *buf, size_t len);

#endif
