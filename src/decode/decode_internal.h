/* Private to src/decode: what the link (decode.c), IP (ip.c) and transport
 * (transport.c) layers share. Not for use outside src/decode.
 *
 * Bounds discipline: every function receives a pointer and the number of
 * captured bytes behind it, checks that a whole fixed-size header is there
 * and only then reads fixed offsets inside it with the big-endian readers
 * below. Nothing is cast onto the frame, so alignment never matters. */
#ifndef TT_DECODE_INTERNAL_H
#define TT_DECODE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "decode/decode.h"

/* 802.1Q / 802.1ad tags peeled off one frame. Real networks stack two
 * (QinQ), rarely three; more is a crafted frame. */
#define TT_DECODE_MAX_VLAN_TAGS 8
/* IPv6 extension headers walked before giving up with TT_OUTCOME_MALFORMED.
 * A legitimate packet carries at most a handful (RFC 8200 section 4.1 order
 * has six kinds); this bounds the work a crafted chain can cause. */
#define TT_DECODE_MAX_IPV6_EXT 8

static inline uint16_t decode_be16(const uint8_t *p)
{
    return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static inline uint32_t decode_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint32_t decode_le32(const uint8_t *p)
{
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* Stores 4 address bytes from the wire as ::ffff:a.b.c.d. */
static inline void decode_addr_v4(tt_addr *a, const uint8_t *wire)
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    memcpy(a->bytes, mapped, sizeof mapped);
    memcpy(a->bytes + 12, wire, 4);
}

/* A header of `need` bytes does not fit in the `avail` captured bytes: it is
 * truncated when the IP header promised enough bytes (`declared`), malformed
 * when even the IP header's own length cannot hold it. */
static inline tt_outcome decode_short(uint32_t need, uint32_t declared)
{
    return declared < need ? TT_OUTCOME_MALFORMED : TT_OUTCOME_TRUNCATED;
}

/* Zeroes everything, then sets the fields whose "absent" value is not 0.
 * In 64-byte pieces: GCC (12, x86-64) turns one memset of the whole ~180-byte
 * struct into `rep stos`, whose start-up cost was half of a whole TCP decode;
 * pieces of at most 64 bytes become plain vector stores (clang does that
 * either way). */
static inline void decode_reset(tt_packet *pkt)
{
    unsigned char *bytes = (unsigned char *)pkt;
    size_t done = 0;
    for (; done + 64 <= sizeof *pkt; done += 64)
        memset(bytes + done, 0, 64);
    memset(bytes + done, 0, sizeof *pkt - done);
    pkt->wscale = -1;
}

/* IP layer (ip.c). Neither resets pkt. Each checks that the version nibble
 * matches (else TT_OUTCOME_MALFORMED). */
tt_outcome tt_decode_ipv4(const uint8_t *data, uint32_t len, tt_packet *pkt);
tt_outcome tt_decode_ipv6(const uint8_t *data, uint32_t len, tt_packet *pkt);
/* Chooses IPv4 or IPv6 from the first nibble; does not reset pkt. */
tt_outcome tt_decode_ip_any(const uint8_t *data, uint32_t len, tt_packet *pkt);
/* Fills `quoted` from the IP header (`version` 4 or 6) quoted in an ICMP
 * error body of `len` captured bytes; leaves quoted->present false when the
 * quote is not a plausible header of that version. Never reads past len. */
void tt_decode_quoted(const uint8_t *data, uint32_t len, uint8_t version, tt_quoted *quoted);

/* Transport layer (transport.c): decodes pkt->proto's header at `data`.
 * `avail` is the captured part of the IP payload, `declared` its length by
 * the IP header (avail <= declared). */
tt_outcome tt_decode_transport(const uint8_t *data, uint32_t avail, uint32_t declared,
                               tt_packet *pkt);

#endif
