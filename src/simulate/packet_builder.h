/* Builds IP datagrams (IPv4/IPv6 with TCP, UDP, ICMP/ICMPv6) with header
 * patterns true to the tools and stacks that send them, correct checksums,
 * and the deliberately odd variants (fragments, malformed headers). The link
 * layer is added by link_frame.c. */
#ifndef TT_SIMULATE_PACKET_BUILDER_H
#define TT_SIMULATE_PACKET_BUILDER_H

#include <stdbool.h>
#include <stdint.h>

#include "simulate/population.h"
#include "simulate/rng.h"
#include "util/addr.h"

/* Largest datagram the builder writes (a first fragment is 1500). */
#define TT_SIM_DATAGRAM_MAX 1600

/* What one built datagram is, for the ground truth. */
typedef struct tt_sim_datagram {
    uint32_t len;       /* bytes written */
    uint32_t ip_len;    /* length the IP header states: what teiten counts as bytes */
    uint16_t l4_offset; /* transport header offset from the IP header (0: none) */
    uint8_t proto;      /* upper-layer protocol (after IPv6 extension headers) */
    int32_t port;       /* destination port; 0 for ICMP; -1 for non-first fragments */
    int16_t icmp_type;  /* -1 unless ICMP/ICMPv6 */
} tt_sim_datagram;

/* Backscatter kinds (answers of DoS victims to spoofed traffic). */
typedef enum tt_sim_backscatter {
    TT_SIM_BS_SYNACK,
    TT_SIM_BS_RST,
    TT_SIM_BS_UNREACHABLE,   /* ICMP 3/3 quoting a UDP packet "from" the dark address */
    TT_SIM_BS_TIME_EXCEEDED, /* ICMP 11/0 quoting a TCP packet "from" the dark address */
    TT_SIM_BS_COUNT
} tt_sim_backscatter;

/* The probe a source's behaviour sends to dst (TCP SYN, echo request or UDP
 * service probe). Advances the source's running IP ID / echo sequence. */
void tt_sim_build_probe(tt_sim_source *s, const tt_addr *dst, tt_sim_rng *r, uint8_t *out,
                        tt_sim_datagram *d);
/* A SYN in the source's tool style to a given port. */
void tt_sim_build_syn(tt_sim_source *s, const tt_addr *dst, uint16_t dport, tt_sim_rng *r, uint8_t *out,
                      tt_sim_datagram *d);
/* A UDP probe of one service (TT_SIM_UDP_*), to its usual port. */
void tt_sim_build_udp_service(tt_sim_source *s, const tt_addr *dst, unsigned service, tt_sim_rng *r,
                              uint8_t *out, tt_sim_datagram *d);
/* A victim's answer to a packet spoofed with the dark address dst.
 * service: the victim's attacked port. */
void tt_sim_build_backscatter(tt_sim_source *victim, tt_sim_backscatter kind, uint16_t service,
                              const tt_addr *dst, tt_sim_rng *r, uint8_t *out, tt_sim_datagram *d);
/* One fragment of a large UDP datagram from s (IPv4 or IPv6 by the source).
 * Both fragments of a pair must be built from generators in the same state;
 * `first` chooses which one is written. */
void tt_sim_build_udp_fragment(const tt_sim_source *s, const tt_addr *dst, bool first, tt_sim_rng *r,
                               uint8_t *out, tt_sim_datagram *d);
/* An IPv4 datagram with an impossible header: IHL below 5, total length
 * below the header, or (when allow_bad_version) a version other than 4/6. */
void tt_sim_build_malformed(tt_sim_source *s, const tt_addr *dst, bool allow_bad_version, tt_sim_rng *r,
                            uint8_t *out, tt_sim_datagram *d);

/* Destination port of each UDP service. */
uint16_t tt_sim_udp_service_port(unsigned service);

#endif
