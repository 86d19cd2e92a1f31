/* Descriptors of one simulated hour (see hour.h). */
#include "simulate/hour.h"

#include <stdlib.h>
#include <string.h>

#include "simulate/sensors.h"

void tt_sim_hour_init(tt_sim_hour *h)
{
    h->v = h->tmp = NULL;
    h->n = h->cap = 0;
}

void tt_sim_hour_free(tt_sim_hour *h)
{
    if (h == NULL)
        return;
    free(h->v);
    free(h->tmp);
    tt_sim_hour_init(h);
}

static tt_status reserve(tt_sim_hour *h, size_t extra)
{
    if (h->n + extra <= h->cap)
        return TT_OK;
    size_t cap = h->cap ? h->cap : 4096;
    while (cap < h->n + extra)
        cap *= 2;
    tt_sim_desc *v = realloc(h->v, cap * sizeof *v);
    if (v == NULL)
        return TT_ERR_NOMEM;
    h->v = v;
    tt_sim_desc *tmp = realloc(h->tmp, cap * sizeof *tmp);
    if (tmp == NULL)
        return TT_ERR_NOMEM;
    h->tmp = tmp;
    h->cap = cap;
    return TT_OK;
}

static inline void push(tt_sim_hour *h, uint64_t seed, uint32_t t, uint32_t source, uint16_t param,
                        uint8_t sensor, tt_sim_kind kind)
{
    tt_sim_desc *d = &h->v[h->n++];
    d->seed = seed;
    d->t_us = t;
    d->source = source;
    d->param = param;
    d->sensor = sensor;
    d->kind = (uint8_t)kind;
}

/* Draws a sensor by share among those `eligible` accepts. */
static uint8_t pick_weighted(tt_sim_rng *r, bool v6, bool (*eligible)(const tt_sim_sensor *))
{
    uint32_t total = 0, weights[TT_SIM_SENSOR_COUNT];
    for (int i = 0; i < TT_SIM_SENSOR_COUNT; i++) {
        const tt_sim_sensor *s = &tt_sim_sensors[i];
        weights[i] = eligible(s) ? (v6 ? s->v6_share_permille : s->share_permille) : 0;
        total += weights[i];
    }
    uint32_t x = tt_sim_rng_below(r, total);
    uint8_t i = 0;
    while (x >= weights[i]) {
        x -= weights[i];
        i++;
    }
    return i;
}

static bool v6_sensor(const tt_sim_sensor *s)
{
    return s->v6_bits > 0;
}

/* ARP travels on Ethernet and shows in Linux cooked captures. */
static bool arp_sensor(const tt_sim_sensor *s)
{
    return s->linktype == TT_SIM_LINK_ETHERNET || s->linktype == TT_SIM_LINK_SLL ||
           s->linktype == TT_SIM_LINK_SLL2;
}

uint8_t tt_sim_pick_sensor(tt_sim_rng *r, int family)
{
    if (family == 6)
        return pick_weighted(r, true, v6_sensor);
    /* The hot path (every packet): the IPv4 shares add up to 1000. */
    uint32_t x = tt_sim_rng_below(r, 1000);
    uint8_t i = 0;
    while (i + 1 < TT_SIM_SENSOR_COUNT && x >= tt_sim_sensors[i].share_permille)
        x -= tt_sim_sensors[i++].share_permille;
    return i;
}

static uint8_t pick_arp_sensor(tt_sim_rng *r)
{
    return pick_weighted(r, false, arp_sensor);
}

/* Files that receive IPv6 packets to no sensor: those with IPv6 prefixes,
 * and the DLT_NULL one (so its AF_INET6 family value occurs too). */
static uint8_t pick_unassigned_v6_file(tt_sim_rng *r)
{
    uint8_t candidates[TT_SIM_SENSOR_COUNT], n = 0;
    for (uint8_t i = 0; i < TT_SIM_SENSOR_COUNT; i++)
        if (tt_sim_sensors[i].v6_bits || tt_sim_sensors[i].linktype == TT_SIM_LINK_NULL)
            candidates[n++] = i;
    return candidates[tt_sim_rng_below(r, n)];
}

/* A SYN-sending group by background share. */
static tt_sim_group pick_tcp_group(tt_sim_rng *r)
{
    static const uint8_t groups[] = {TT_SIM_G_MIRAI,   TT_SIM_G_MIRAI,   TT_SIM_G_MIRAI, TT_SIM_G_MIRAI,
                                     TT_SIM_G_MIRAI,   TT_SIM_G_MASSCAN, TT_SIM_G_ZMAP,  TT_SIM_G_GENERIC,
                                     TT_SIM_G_GENERIC, TT_SIM_G_GENERIC, TT_SIM_G_NMAP};
    return (tt_sim_group)groups[tt_sim_rng_below(r, sizeof groups)];
}

static tt_status background(tt_sim_hour *h, tt_sim_population *pop, tt_sim_rng *r, uint64_t n)
{
    enum {
        CUT_TRUNC = TT_SIM_PPM_TRUNCATED,
        CUT_MALF = CUT_TRUNC + TT_SIM_PPM_MALFORMED,
        CUT_FRAG4 = CUT_MALF + TT_SIM_PPM_FRAG_V4,
        CUT_FRAG6 = CUT_FRAG4 + TT_SIM_PPM_FRAG_V6,
        CUT_ARP = CUT_FRAG6 + TT_SIM_PPM_ARP,
        CUT_UNASSIGNED = CUT_ARP + TT_SIM_PPM_UNASSIGNED,
    };
    /* Fragments add a second descriptor: reserve for the worst case in
     * chunks instead of per packet. */
    for (uint64_t i = 0; i < n; i++) {
        if (h->n + 2 > h->cap) {
            tt_status st = reserve(h, 2 + (size_t)(n - i) + (n - i) / 64);
            if (st != TT_OK)
                return st;
        }
        uint64_t seed = tt_sim_rng_next(r);
        uint32_t t = tt_sim_rng_below(r, TT_SIM_HOUR_SLOTS);
        uint32_t u = tt_sim_rng_below(r, 1000000);
        uint32_t src;
        if (u >= CUT_UNASSIGNED) {
            src = tt_sim_population_draw(pop, r);
            int family = tt_sim_population_source(pop, src)->family;
            push(h, seed, t, src, 0, tt_sim_pick_sensor(r, family), TT_SIM_K_PROBE);
        } else if (u < CUT_TRUNC) {
            src = tt_sim_population_draw_group(pop, r, pick_tcp_group(r));
            int family = tt_sim_population_source(pop, src)->family;
            push(h, seed, t, src, 0, tt_sim_pick_sensor(r, family), TT_SIM_K_TRUNCATED);
        } else if (u < CUT_MALF) {
            src = tt_sim_population_draw_group(pop, r, pick_tcp_group(r));
            int family = tt_sim_population_source(pop, src)->family;
            push(h, seed, t, src, 0, tt_sim_pick_sensor(r, family),
                 family == 4 ? TT_SIM_K_MALFORMED : TT_SIM_K_PROBE);
        } else if (u < CUT_FRAG6) {
            src = tt_sim_population_draw_group(pop, r, u < CUT_FRAG4 ? TT_SIM_G_UDP : TT_SIM_G_V6);
            int family = tt_sim_population_source(pop, src)->family;
            uint8_t sensor = tt_sim_pick_sensor(r, family);
            push(h, seed, t, src, 0, sensor, TT_SIM_K_FRAG_FIRST);
            push(h, seed, t + 5 + tt_sim_rng_below(r, 146), src, 0, sensor, TT_SIM_K_FRAG_REST);
        } else if (u < CUT_ARP) {
            push(h, seed, t, UINT32_MAX, 0, pick_arp_sensor(r), TT_SIM_K_ARP);
        } else {
            src = tt_sim_population_draw(pop, r);
            int family = tt_sim_population_source(pop, src)->family;
            uint8_t sensor = family == 4 ? tt_sim_pick_sensor(r, 4) : pick_unassigned_v6_file(r);
            push(h, seed, t, src, 0, sensor, TT_SIM_K_UNASSIGNED);
        }
    }
    return TT_OK;
}

static tt_status events(tt_sim_hour *h, const tt_sim_plan *plan, tt_sim_rng *r, uint32_t day, uint32_t hour)
{
    for (int e = 0; e < TT_SIM_EVENT_COUNT; e++) {
        const tt_sim_event *ev = &plan->events[e];
        uint64_t n = tt_sim_plan_event_hour(plan, ev, day, hour);
        if (n == 0)
            continue;
        tt_status st = reserve(h, n);
        if (st != TT_OK)
            return st;
        uint32_t window_start = 0, window_len = TT_SIM_HOUR_SLOTS;
        uint32_t active = ev->n_sources;
        if (ev->kind == TT_SIM_EVENT_HISTORY) {
            for (uint32_t i = 0; i < ev->n_sessions; i++)
                if (ev->sessions[i].day == day && ev->sessions[i].hour == hour)
                    window_start = ev->sessions[i].start_s * 1000000u;
            window_len = 40u * 60 * 1000000; /* a 40-minute sweep */
        } else if (ev->kind == TT_SIM_EVENT_RAMP) {
            /* More scanners join as the ramp grows. */
            uint64_t k = day - ev->first_day + 1, span = ev->last_day - ev->first_day + 1;
            active = (uint32_t)((ev->n_sources * k + span - 1) / span);
        }
        for (uint64_t i = 0; i < n; i++) {
            uint64_t seed = tt_sim_rng_next(r);
            uint32_t t = window_start + tt_sim_rng_below(r, window_len);
            uint32_t src;
            if (ev->kind == TT_SIM_EVENT_BURST || ev->kind == TT_SIM_EVENT_RISE)
                src = ev->sources[tt_sim_alias_draw(&plan->events[TT_SIM_EVENT_BURST].source_alias, r)];
            else if (ev->kind == TT_SIM_EVENT_RAMP)
                src = ev->sources[tt_sim_rng_below(r, active)];
            else
                src = ev->sources[0];
            push(h, seed, t, src, (uint16_t)e, tt_sim_pick_sensor(r, 4), TT_SIM_K_EVENT);
        }
    }
    return TT_OK;
}

static tt_status backscatter(tt_sim_hour *h, const tt_sim_plan *plan, tt_sim_rng *r, uint64_t hour_start)
{
    for (uint32_t i = tt_sim_plan_first_episode(plan, hour_start);
         i < plan->n_episodes && plan->episodes[i].start_us < hour_start + TT_SIM_HOUR_US; i++) {
        const tt_sim_episode *ep = &plan->episodes[i];
        uint64_t from, to;
        uint64_t n = tt_sim_plan_episode_hour(ep, hour_start, &from, &to);
        if (n == 0)
            continue;
        tt_status st = reserve(h, n);
        if (st != TT_OK)
            return st;
        if (to > TT_SIM_HOUR_SLOTS)
            to = TT_SIM_HOUR_SLOTS;
        if (from >= to)
            from = to - 1;
        for (uint64_t k = 0; k < n; k++) {
            uint64_t seed = tt_sim_rng_next(r);
            uint32_t t = (uint32_t)from + tt_sim_rng_below(r, (uint32_t)(to - from));
            push(h, seed, t, ep->source, (uint16_t)i, tt_sim_pick_sensor(r, 4), TT_SIM_K_BACKSCATTER);
        }
    }
    return TT_OK;
}

/* Stable LSD radix sort on t_us: 11 + 11 + 10 bits. */
static void sort_by_time(tt_sim_hour *h)
{
    static const int shifts[3] = {0, 11, 22};
    uint32_t count[2048];
    for (int pass = 0; pass < 3; pass++) {
        int shift = shifts[pass];
        memset(count, 0, sizeof count);
        for (size_t i = 0; i < h->n; i++)
            count[(h->v[i].t_us >> shift) & 2047]++;
        uint32_t sum = 0;
        for (int b = 0; b < 2048; b++) {
            uint32_t c = count[b];
            count[b] = sum;
            sum += c;
        }
        for (size_t i = 0; i < h->n; i++)
            h->tmp[count[(h->v[i].t_us >> shift) & 2047]++] = h->v[i];
        tt_sim_desc *swap = h->v;
        h->v = h->tmp;
        h->tmp = swap;
    }
}

tt_status tt_sim_hour_generate(tt_sim_hour *h, const tt_sim_plan *plan, tt_sim_population *pop, uint64_t seed,
                               uint32_t day, uint32_t hour)
{
    tt_sim_rng r;
    tt_sim_rng_seed(&r, seed, TT_SIM_STREAM_HOUR, (uint64_t)day * 24 + hour);
    h->n = 0;
    uint64_t hour_start = (uint64_t)day * TT_SIM_DAY_US + (uint64_t)hour * TT_SIM_HOUR_US;
    tt_status st = backscatter(h, plan, &r, hour_start);
    if (st != TT_OK)
        return st;
    /* Backscatter comes out of the hour's budget, background keeps at
     * least half of it. */
    uint64_t budget = plan->hour_budget[day * 24 + hour];
    uint64_t bs = h->n;
    uint64_t n_bg = bs < budget / 2 ? budget - bs : budget - budget / 2;
    st = background(h, pop, &r, n_bg);
    if (st == TT_OK)
        st = events(h, plan, &r, day, hour);
    if (st != TT_OK)
        return st;
    sort_by_time(h);
    return TT_OK;
}
