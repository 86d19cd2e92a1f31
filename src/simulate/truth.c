/* Ground-truth counters and the truth.json / sensors.conf writers. */
#include "simulate/truth.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/addr.h"
#include "util/buf.h"
#include "util/parse.h"

static int cc_slot(const char *cc)
{
    if (cc[0] < 'A' || cc[0] > 'Z' || cc[1] < 'A' || cc[1] > 'Z')
        return -1;
    return (cc[0] - 'A') * 26 + (cc[1] - 'A');
}

tt_status tt_sim_truth_init(tt_sim_truth *t, uint32_t days)
{
    memset(t, 0, sizeof *t);
    t->days = days;
    for (int e = 0; e < TT_SIM_EVENT_COUNT; e++) {
        t->event_daily[e] = calloc(days, sizeof *t->event_daily[e]);
        if (t->event_daily[e] == NULL) {
            tt_sim_truth_free(t);
            return TT_ERR_NOMEM;
        }
    }
    return TT_OK;
}

void tt_sim_truth_free(tt_sim_truth *t)
{
    if (t == NULL)
        return;
    for (int e = 0; e < TT_SIM_EVENT_COUNT; e++) {
        free(t->event_daily[e]);
        t->event_daily[e] = NULL;
    }
}

void tt_sim_truth_add(tt_sim_truth *t, const tt_sim_record *r)
{
    t->frames++;
    t->outcomes[r->outcome]++;
    t->sensor_frames[r->sensor]++;
    if (r->outcome != TT_SIM_OUT_OK && r->outcome != TT_SIM_OUT_FRAGMENT)
        return;
    t->packets++;
    t->tools[r->tool]++;
    if (r->backscatter >= 0)
        t->backscatter[r->backscatter]++;
    switch (r->proto) {
    case 6: t->protocols[0]++; break;
    case 17: t->protocols[1]++; break;
    case 1: t->protocols[2]++; break;
    case 58: t->protocols[3]++; break;
    default: break;
    }
    if (tt_addr_is_v4(&r->source->addr))
        t->v4_packets++;
    else
        t->v6_packets++;
    int slot = cc_slot(r->source->cc);
    if (slot >= 0)
        t->countries[slot]++;
    if (r->event >= 0) {
        t->event_packets[r->event]++;
        if (r->day < t->days)
            t->event_daily[r->event][r->day]++;
        if (slot >= 0)
            t->event_countries[r->event][slot]++;
    }
}

/* ------------------------------------------------------------- writing */

static tt_status append_text(tt_buf *b, const char *text)
{
    return tt_buf_append(b, text, strlen(text));
}

static tt_status json_string(tt_buf *b, const char *s)
{
    tt_status st = append_text(b, "\"");
    for (const unsigned char *p = (const unsigned char *)s; st == TT_OK && *p; p++) {
        if (*p == '"' || *p == '\\') {
            char esc[2] = {'\\', (char)*p};
            st = tt_buf_append(b, esc, 2);
        } else if (*p < 0x20) {
            st = tt_buf_printf(b, "\\u%04x", *p);
        } else {
            st = tt_buf_append(b, p, 1);
        }
    }
    if (st == TT_OK)
        st = append_text(b, "\"");
    return st;
}

static tt_status write_file(const char *path, const tt_buf *b, char *err, size_t errlen)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return TT_ERR_IO;
    }
    size_t n = fwrite(b->data, 1, b->len, f);
    int saved = errno;
    if (fclose(f) != 0 || n != b->len) {
        snprintf(err, errlen, "%s: %s", path, strerror(n != b->len ? saved : errno));
        return TT_ERR_IO;
    }
    return TT_OK;
}

static const char *date_text(int32_t day, char *buf, size_t len)
{
    return tt_format_date(day, buf, len);
}

/* The country with most packets of an event (ties: first code). */
static const char *top_country(const uint64_t *counts, char cc[3])
{
    int best = -1;
    for (int i = 0; i < TT_SIM_CC_SLOTS; i++)
        if (counts[i] && (best < 0 || counts[i] > counts[best]))
            best = i;
    if (best < 0)
        return "";
    cc[0] = (char)('A' + best / 26);
    cc[1] = (char)('A' + best % 26);
    cc[2] = '\0';
    return cc;
}

static tt_status json_daily(tt_buf *b, const uint64_t *daily, uint32_t days)
{
    tt_status st = append_text(b, "[");
    for (uint32_t d = 0; st == TT_OK && d < days; d++)
        st = tt_buf_printf(b, "%s%" PRIu64, d ? "," : "", daily[d]);
    if (st == TT_OK)
        st = append_text(b, "]");
    return st;
}

static const char *event_name(tt_sim_event_kind kind)
{
    switch (kind) {
    case TT_SIM_EVENT_BURST: return "burst";
    case TT_SIM_EVENT_RISE: return "rise";
    case TT_SIM_EVENT_RAMP: return "ramp";
    case TT_SIM_EVENT_SINGLE: return "single_source";
    default: return "history";
    }
}

static tt_status json_events(tt_buf *b, const tt_sim_truth *t, const tt_sim_plan *plan,
                             tt_sim_population *pop, int32_t start_day)
{
    static const tt_sim_event_kind order[] = {TT_SIM_EVENT_BURST, TT_SIM_EVENT_RISE, TT_SIM_EVENT_RAMP,
                                              TT_SIM_EVENT_SINGLE};
    tt_status st = append_text(b, "\"events\":[");
    bool first = true;
    for (size_t i = 0; st == TT_OK && i < sizeof order / sizeof order[0]; i++) {
        const tt_sim_event *ev = &plan->events[order[i]];
        if (!ev->scheduled)
            continue;
        char d0[16], d1[16], cc[3];
        const char *proto = ev->proto == 6 ? "tcp" : "udp";
        st = tt_buf_printf(b, "%s{\"kind\":\"%s\",\"proto\":\"%s\",\"port\":%u,", first ? "" : ",",
                           event_name(ev->kind), proto, ev->port);
        first = false;
        if (st == TT_OK && ev->kind == TT_SIM_EVENT_SINGLE) {
            char ip[TT_ADDR_STRLEN];
            const tt_sim_source *s = tt_sim_population_source(pop, ev->sources[0]);
            st = tt_buf_printf(b, "\"ip\":\"%s\",\"cc\":\"%s\",", tt_addr_format(&s->addr, ip), s->cc);
        } else if (st == TT_OK) {
            st = tt_buf_printf(b, "\"cc\":\"%s\",\"sources\":%u,",
                               top_country(t->event_countries[ev->kind], cc), ev->n_sources);
        }
        if (st == TT_OK)
            st = tt_buf_printf(b, "\"start\":\"%s\",\"end\":\"%s\",\"packets\":%" PRIu64 ",\"daily\":",
                               date_text(start_day + (int32_t)ev->first_day, d0, sizeof d0),
                               date_text(start_day + (int32_t)ev->last_day, d1, sizeof d1),
                               t->event_packets[ev->kind]);
        if (st == TT_OK)
            st = json_daily(b, t->event_daily[ev->kind], t->days);
        if (st == TT_OK && ev->kind == TT_SIM_EVENT_SINGLE) {
            const tt_sim_event *h = &plan->events[TT_SIM_EVENT_HISTORY];
            st = append_text(b, ",\"history\":{\"ports\":[");
            for (int p = 0; st == TT_OK && p < TT_SIM_HISTORY_PORTS; p++)
                st = tt_buf_printf(b, "%s\"%u/%s\"", p ? "," : "", tt_sim_history_ports[p],
                                   tt_sim_history_protos[p] == 6 ? "tcp" : "udp");
            if (st == TT_OK)
                st = tt_buf_printf(b,
                                   "],\"start\":\"%s\",\"end\":\"%s\",\"sessions\":%u,"
                                   "\"packets\":%" PRIu64 ",\"daily\":",
                                   date_text(start_day + (int32_t)h->first_day, d0, sizeof d0),
                                   date_text(start_day + (int32_t)h->last_day, d1, sizeof d1), h->n_sessions,
                                   t->event_packets[TT_SIM_EVENT_HISTORY]);
            if (st == TT_OK)
                st = json_daily(b, t->event_daily[TT_SIM_EVENT_HISTORY], t->days);
            if (st == TT_OK)
                st = append_text(b, "}");
        }
        if (st == TT_OK)
            st = append_text(b, "}");
    }
    if (st == TT_OK)
        st = append_text(b, "]");
    return st;
}

static tt_status json_countries(tt_buf *b, const tt_sim_truth *t)
{
    /* Descending by packets: a selection sort over the few non-zero slots. */
    bool used[TT_SIM_CC_SLOTS] = {false};
    tt_status st = append_text(b, "\"countries\":{");
    for (bool first = true; st == TT_OK;) {
        int best = -1;
        for (int i = 0; i < TT_SIM_CC_SLOTS; i++)
            if (!used[i] && t->countries[i] && (best < 0 || t->countries[i] > t->countries[best]))
                best = i;
        if (best < 0)
            break;
        used[best] = true;
        st = tt_buf_printf(b, "%s\"%c%c\":%" PRIu64, first ? "" : ",", 'A' + best / 26, 'A' + best % 26,
                           t->countries[best]);
        first = false;
    }
    if (st == TT_OK)
        st = append_text(b, "}");
    return st;
}

tt_status tt_sim_truth_write_json(const tt_sim_truth *t, const tt_sim_plan *plan, tt_sim_population *pop,
                                  const tt_sim_options *opt, const char *path, char *err, size_t errlen)
{
    tt_buf b;
    tt_buf_init(&b, 0);
    char start[16];
    tt_status st =
        tt_buf_printf(&b,
                      "{\"generator\":\"teiten simulate\",\"seed\":%" PRIu64
                      ",\"start\":\"%s\",\"days\":%u,\"rate\":%" PRIu64 ",\"one_file\":%s,\n\"sensors\":[",
                      opt->seed, date_text(opt->start_day, start, sizeof start), opt->days, opt->rate,
                      opt->one_file ? "true" : "false");
    for (int i = 0; st == TT_OK && i < TT_SIM_SENSOR_COUNT; i++) {
        const tt_sim_sensor *s = &tt_sim_sensors[i];
        st = tt_buf_printf(&b, "%s\n{\"name\":", i ? "," : "");
        if (st == TT_OK)
            st = json_string(&b, s->name);
        if (st == TT_OK)
            st = append_text(&b, ",\"region\":");
        if (st == TT_OK)
            st = json_string(&b, s->region);
        if (st == TT_OK)
            st = append_text(&b, ",\"label\":");
        if (st == TT_OK)
            st = json_string(&b, s->label);
        if (st == TT_OK)
            st = append_text(&b, ",\"prefixes\":[");
        if (st == TT_OK)
            st = json_string(&b, s->v4_text);
        if (st == TT_OK && s->v6_text) {
            st = append_text(&b, ",");
            if (st == TT_OK)
                st = json_string(&b, s->v6_text);
        }
        if (st == TT_OK)
            st = append_text(&b, "],\"file\":");
        if (st == TT_OK)
            st = json_string(&b, opt->one_file ? "telescope.pcap" : s->file);
        if (st == TT_OK)
            st = tt_buf_printf(&b, ",\"format\":\"%s\",\"linktype\":%d,\"frames\":%" PRIu64 "}",
                               opt->one_file || s->format == TT_SIM_FORMAT_PCAP ? "pcap" : "pcapng",
                               opt->one_file ? TT_SIM_LINK_ETHERNET : s->linktype, t->sensor_frames[i]);
    }
    if (st == TT_OK)
        st = tt_buf_printf(&b,
                           "],\n\"frames\":%" PRIu64 ",\n\"outcomes\":{\"ok\":%" PRIu64
                           ",\"fragment\":%" PRIu64 ",\"truncated\":%" PRIu64 ",\"malformed\":%" PRIu64
                           ",\"not_ip\":%" PRIu64 ",\"unassigned\":%" PRIu64 "},\n\"packets\":%" PRIu64
                           ",\"ipv4\":%" PRIu64 ",\"ipv6\":%" PRIu64 ",\n",
                           t->frames, t->outcomes[TT_SIM_OUT_OK], t->outcomes[TT_SIM_OUT_FRAGMENT],
                           t->outcomes[TT_SIM_OUT_TRUNCATED], t->outcomes[TT_SIM_OUT_MALFORMED],
                           t->outcomes[TT_SIM_OUT_NOT_IP], t->outcomes[TT_SIM_OUT_UNASSIGNED], t->packets,
                           t->v4_packets, t->v6_packets);
    if (st == TT_OK)
        st = tt_buf_printf(
            &b,
            "\"protocols\":{\"tcp\":%" PRIu64 ",\"udp\":%" PRIu64 ",\"icmp\":%" PRIu64 ",\"icmp6\":%" PRIu64
            "},\n"
            "\"tools\":{\"mirai\":%" PRIu64 ",\"masscan\":%" PRIu64 ",\"zmap\":%" PRIu64 ",\"nmap\":%" PRIu64
            ",\"generic_syn\":%" PRIu64 ",\"other\":%" PRIu64 "},\n"
            "\"backscatter\":{\"synack\":%" PRIu64 ",\"rst\":%" PRIu64 ",\"icmp_error\":%" PRIu64 "},\n",
            t->protocols[0], t->protocols[1], t->protocols[2], t->protocols[3], t->tools[TT_SIM_TOOL_MIRAI],
            t->tools[TT_SIM_TOOL_MASSCAN], t->tools[TT_SIM_TOOL_ZMAP], t->tools[TT_SIM_TOOL_NMAP],
            t->tools[TT_SIM_TOOL_GENERIC_SYN], t->tools[TT_SIM_TOOL_OTHER],
            t->backscatter[TT_SIM_TRUTH_SYNACK], t->backscatter[TT_SIM_TRUTH_RST],
            t->backscatter[TT_SIM_TRUTH_ICMP_ERROR]);
    if (st == TT_OK)
        st = json_countries(&b, t);
    if (st == TT_OK)
        st = append_text(&b, ",\n");
    if (st == TT_OK)
        st = json_events(&b, t, plan, pop, opt->start_day);
    if (st == TT_OK)
        st = append_text(&b, "}\n");
    if (st != TT_OK)
        snprintf(err, errlen, "%s: out of memory", path);
    else
        st = write_file(path, &b, err, errlen);
    tt_buf_free(&b);
    return st;
}

tt_status tt_sim_truth_write_sensors(const tt_sim_options *opt, const char *path, char *err, size_t errlen)
{
    tt_buf b;
    tt_buf_init(&b, 0);
    tt_status st = tt_buf_printf(&b,
                                 "# teiten sensors of a simulated telescope (teiten simulate, seed %" PRIu64
                                 ").\n# Prefixes are documentation ranges (RFC 5737, RFC 3849).\n",
                                 opt->seed);
    for (int i = 0; st == TT_OK && i < TT_SIM_SENSOR_COUNT; i++) {
        const tt_sim_sensor *s = &tt_sim_sensors[i];
        st = tt_buf_printf(&b, "\n# capture: %s\n[sensor %s]\nprefix = %s\n",
                           opt->one_file ? "telescope.pcap" : s->file, s->name, s->v4_text);
        if (st == TT_OK && s->v6_text)
            st = tt_buf_printf(&b, "prefix = %s\n", s->v6_text);
        if (st == TT_OK)
            st = tt_buf_printf(&b, "region = %s\nlabel = %s\n", s->region, s->label);
    }
    if (st != TT_OK)
        snprintf(err, errlen, "%s: out of memory", path);
    else
        st = write_file(path, &b, err, errlen);
    tt_buf_free(&b);
    return st;
}
