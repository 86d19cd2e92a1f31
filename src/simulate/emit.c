/* From descriptors to written frames and truth (see emit.h). */
#include "simulate/emit.h"

#include <stdio.h>
#include <string.h>

/* A dark address of the sensor: IPv4 anywhere in its prefix; IPv6 the way
 * IPv6 scanners guess (::1, low numbers, then random interface IDs). */
static void dark_address(const tt_sim_sensor *s, int family, tt_sim_rng *r, tt_addr *out)
{
    if (family == 4 || s->v6_bits == 0) {
        uint32_t span = 1u << (32 - s->v4_bits);
        tt_addr_from_v4(out, s->v4_base + tt_sim_rng_below(r, span));
        return;
    }
    memset(out->bytes, 0, 16);
    memcpy(out->bytes, s->v6_base, 6);
    uint64_t x = tt_sim_rng_next(r);
    uint32_t kind = (uint32_t)(x % 100);
    if (kind < 25) {
        out->bytes[15] = 1;
    } else if (kind < 50) {
        out->bytes[15] = (uint8_t)(1 + (x >> 8) % 255);
    } else {
        out->bytes[6] = (uint8_t)(x >> 16);
        out->bytes[7] = (uint8_t)(x >> 24);
        if (kind < 70) {
            out->bytes[15] = 1;
        } else {
            uint64_t iid = tt_sim_rng_next(r);
            for (int i = 0; i < 8; i++)
                out->bytes[8 + i] = (uint8_t)(iid >> (8 * i));
        }
    }
}

/* An address of no sensor, of the given family. */
static void unassigned_address(int family, tt_sim_rng *r, tt_addr *out)
{
    uint64_t x = tt_sim_rng_next(r);
    if (family == 4) {
        if (x & 1)
            tt_addr_from_v4(out, TT_SIM_UNASSIGNED_V4_A + (uint32_t)((x >> 8) % 55));
        else
            tt_addr_from_v4(out, TT_SIM_UNASSIGNED_V4_B + (uint32_t)((x >> 8) % 64));
        return;
    }
    static const uint8_t base[6] = {0x20, 0x01, 0x0d, 0xb8, 0x03, 0x00};
    memset(out->bytes, 0, 16);
    memcpy(out->bytes, base, 6);
    out->bytes[7] = (uint8_t)(x >> 8);
    out->bytes[15] = (uint8_t)(1 + (x >> 16) % 254);
}

static tt_sim_tool tool_of(const tt_sim_source *s, const tt_sim_datagram *dg)
{
    if (dg->proto != 6)
        return TT_SIM_TOOL_OTHER;
    switch (s->behaviour) {
    case TT_SIM_MIRAI: return TT_SIM_TOOL_MIRAI;
    case TT_SIM_MASSCAN: return TT_SIM_TOOL_MASSCAN;
    case TT_SIM_ZMAP: return TT_SIM_TOOL_ZMAP;
    case TT_SIM_NMAP: return TT_SIM_TOOL_NMAP;
    case TT_SIM_GENERIC: return TT_SIM_TOOL_GENERIC_SYN;
    default: return TT_SIM_TOOL_OTHER;
    }
}

static bool sends_syn(const tt_sim_source *s)
{
    return s->behaviour == TT_SIM_MIRAI || s->behaviour == TT_SIM_MASSCAN || s->behaviour == TT_SIM_ZMAP ||
           s->behaviour == TT_SIM_NMAP || s->behaviour == TT_SIM_GENERIC;
}

static void build_event(const tt_sim_emitter *e, tt_sim_source *s, tt_sim_event_kind kind, const tt_addr *dst,
                        tt_sim_rng *r, uint8_t *ip, tt_sim_datagram *dg)
{
    const tt_sim_event *ev = &e->plan->events[kind];
    switch (kind) {
    case TT_SIM_EVENT_BURST:
    case TT_SIM_EVENT_RISE: tt_sim_build_udp_service(s, dst, TT_SIM_UDP_NETIS, r, ip, dg); return;
    case TT_SIM_EVENT_HISTORY: {
        unsigned i = tt_sim_rng_below(r, TT_SIM_HISTORY_PORTS);
        if (tt_sim_history_protos[i] == 17)
            tt_sim_build_udp_service(s, dst, TT_SIM_UDP_BACNET, r, ip, dg);
        else
            tt_sim_build_syn(s, dst, tt_sim_history_ports[i], r, ip, dg);
        return;
    }
    default: tt_sim_build_syn(s, dst, ev->port, r, ip, dg); return;
    }
}

tt_status tt_sim_emit_hour(tt_sim_emitter *e, const tt_sim_hour *h, uint32_t day, uint32_t hour, char *err,
                           size_t errlen)
{
    const uint64_t hour_us =
        e->period_start_us + (uint64_t)day * TT_SIM_DAY_US + (uint64_t)hour * TT_SIM_HOUR_US;
    uint8_t *ip = e->buf + TT_SIM_LINK_HEADROOM;
    for (size_t i = 0; i < h->n; i++) {
        const tt_sim_desc *d = &h->v[i];
        const tt_sim_sensor *sensor = &tt_sim_sensors[d->sensor];
        int linktype = e->one_file ? TT_SIM_LINK_ETHERNET : sensor->linktype;
        tt_sim_rng r;
        tt_sim_rng_seed1(&r, d->seed);
        tt_sim_vlan vlan = TT_SIM_VLAN_NONE;
        if (sensor->vlan_tags) {
            uint32_t x = tt_sim_rng_below(&r, 100);
            vlan = x < 20   ? TT_SIM_VLAN_DOT1Q
                   : x < 22 ? TT_SIM_VLAN_QINQ
                   : x < 23 ? TT_SIM_VLAN_QINQ_OLD
                            : TT_SIM_VLAN_NONE;
        }
        tt_sim_source *s = d->source == UINT32_MAX ? NULL : tt_sim_population_source(e->pop, d->source);
        tt_sim_datagram dg = {0, 0, 0, 0, -1, -1};
        tt_sim_record rec = {TT_SIM_OUT_OK, d->sensor, s, 0, -1, -1, 0, 0, day, TT_SIM_TOOL_OTHER, -1, -1};
        tt_addr dst;
        uint16_t ethertype = s && s->family == 6 ? 0x86dd : 0x0800;
        uint32_t cut = 0;
        switch ((tt_sim_kind)d->kind) {
        case TT_SIM_K_PROBE:
            dark_address(sensor, s->family, &r, &dst);
            tt_sim_build_probe(s, &dst, &r, ip, &dg);
            rec.tool = (int8_t)tool_of(s, &dg);
            break;
        case TT_SIM_K_TRUNCATED:
            dark_address(sensor, s->family, &r, &dst);
            if (sends_syn(s))
                tt_sim_build_probe(s, &dst, &r, ip, &dg);
            else
                tt_sim_build_syn(s, &dst, 445, &r, ip, &dg);
            rec.outcome = TT_SIM_OUT_TRUNCATED;
            cut = 1 + tt_sim_rng_below(&r, 19); /* bytes of the 20-byte TCP header kept */
            break;
        case TT_SIM_K_MALFORMED:
            dark_address(sensor, 4, &r, &dst);
            tt_sim_build_malformed(s, &dst, linktype != TT_SIM_LINK_RAW, &r, ip, &dg);
            rec.outcome = TT_SIM_OUT_MALFORMED;
            break;
        case TT_SIM_K_FRAG_FIRST:
        case TT_SIM_K_FRAG_REST: {
            bool first = d->kind == TT_SIM_K_FRAG_FIRST;
            dark_address(sensor, s->family, &r, &dst);
            tt_sim_build_udp_fragment(s, &dst, first, &r, ip, &dg);
            rec.outcome = first ? TT_SIM_OUT_OK : TT_SIM_OUT_FRAGMENT;
            break;
        }
        case TT_SIM_K_ARP: {
            uint32_t span = 1u << (32 - sensor->v4_bits);
            dg.len = tt_sim_link_arp_request(sensor, sensor->v4_base + tt_sim_rng_below(&r, span), ip);
            ethertype = 0x0806;
            rec.outcome = TT_SIM_OUT_NOT_IP;
            break;
        }
        case TT_SIM_K_UNASSIGNED:
            unassigned_address(s->family, &r, &dst);
            tt_sim_build_probe(s, &dst, &r, ip, &dg);
            rec.outcome = TT_SIM_OUT_UNASSIGNED;
            break;
        case TT_SIM_K_BACKSCATTER: {
            const tt_sim_episode *ep = &e->plan->episodes[d->param];
            dark_address(sensor, 4, &r, &dst);
            tt_sim_build_backscatter(s, ep->kind, ep->service, &dst, &r, ip, &dg);
            rec.backscatter = ep->kind == TT_SIM_BS_SYNACK ? TT_SIM_TRUTH_SYNACK
                              : ep->kind == TT_SIM_BS_RST  ? TT_SIM_TRUTH_RST
                                                           : TT_SIM_TRUTH_ICMP_ERROR;
            break;
        }
        case TT_SIM_K_EVENT:
            dark_address(sensor, s->family, &r, &dst);
            build_event(e, s, (tt_sim_event_kind)d->param, &dst, &r, ip, &dg);
            rec.tool = (int8_t)tool_of(s, &dg);
            rec.event = (int8_t)d->param;
            break;
        }
        uint32_t frame_len;
        uint8_t *frame = tt_sim_link_wrap(linktype, sensor, vlan, ethertype, ip, dg.len, &frame_len);
        uint32_t caplen = frame_len;
        if (cut)
            caplen = (uint32_t)(ip - frame) + dg.l4_offset + cut;

        uint64_t ts = hour_us + d->t_us;
        if (ts <= e->last_ts_us)
            ts = e->last_ts_us + 1;
        e->last_ts_us = ts;
        tt_status st = tt_sim_writer_frame(e->writers[d->sensor], ts, frame, caplen, frame_len);
        if (st != TT_OK) {
            snprintf(err, errlen, "%s/%s: %s", e->out_dir, e->one_file ? "telescope.pcap" : sensor->file,
                     strerror(tt_sim_writer_errno(e->writers[d->sensor])));
            return st;
        }
        rec.proto = dg.proto;
        rec.port = dg.port;
        rec.icmp_type = dg.icmp_type;
        rec.ip_len = dg.ip_len;
        rec.ts_us = ts;
        tt_sim_truth_add(e->truth, &rec);
        if (e->detail && (rec.outcome == TT_SIM_OUT_OK || rec.outcome == TT_SIM_OUT_FRAGMENT)) {
            int64_t sec = (int64_t)(ts / 1000000u);
            st = tt_sim_detail_add(e->detail, (uint32_t)(sec / 3600), d->sensor, &s->addr, s->cc, s->asn,
                                   dg.proto, dg.port, dg.icmp_type, dg.ip_len, sec);
            if (st != TT_OK) {
                snprintf(err, errlen, "truth detail: more than the row limit in one hour");
                return st;
            }
        }
    }
    return TT_OK;
}
