/* Frame → observation (see observe.h). */
#include "classify/observe.h"

#include "classify/fingerprint.h"
#include "decode/decode.h"

tt_outcome tt_observe(const tt_observer *ob, int linktype, const tt_frame *frame, tt_packet *pkt,
                      tt_observation *obs)
{
    /* Segments keep seconds as 32-bit values: anything outside is not a real capture time. */
    if (frame->ts_sec < 0 || frame->ts_sec > (int64_t)UINT32_MAX - 7200)
        return TT_OUTCOME_MALFORMED;
    tt_outcome outcome = tt_decode_frame(linktype, frame->data, frame->caplen, frame->wirelen, frame->ts_sec,
                                         frame->ts_usec, pkt);
    if (!tt_outcome_counts(outcome))
        return outcome;
    obs->sensor_index = -1;
    if (!ob->all_mine) {
        obs->sensor_index = tt_sensor_map_lookup(ob->sensors, &pkt->dst);
        if (obs->sensor_index < 0)
            return TT_OUTCOME_UNASSIGNED;
    }
    int32_t port = -1, icmp_type = -1;
    if (outcome == TT_OUTCOME_OK) {
        if (pkt->has_ports)
            port = pkt->dport;
        else if (pkt->has_icmp)
            icmp_type = pkt->icmp_type;
        else
            port = 0; /* other protocols (GRE, ESP, ...) and ICMP too short for a type */
        if ((pkt->proto == TT_IPPROTO_ICMP || pkt->proto == TT_IPPROTO_ICMP6) && !pkt->has_icmp)
            icmp_type = -1;
    }
    obs->service = tt_service_make(pkt->proto, port, icmp_type);
    obs->kind = TT_KIND_OTHER;
    obs->os = TT_OS_UNKNOWN;
    if (outcome == TT_OUTCOME_OK && !ob->no_classify) {
        obs->kind = (uint8_t)tt_fingerprint(pkt);
        if (ob->p0f && pkt->proto == TT_IPPROTO_TCP && pkt->has_ports &&
            (pkt->tcp_flags & (TT_TCP_SYN | TT_TCP_ACK)) == TT_TCP_SYN)
            obs->os = (uint8_t)tt_p0f_match(ob->p0f, pkt, NULL);
    }
    obs->backscatter = tt_kind_is_backscatter((tt_kind)obs->kind);
    return outcome;
}
