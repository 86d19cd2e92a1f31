/* The period plan (see plan.h for the event schedule). */
#include "simulate/plan.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "simulate/rng.h"

const uint16_t tt_sim_history_ports[TT_SIM_HISTORY_PORTS] = {102, 502, 20000, 44818, 47808};
const uint8_t tt_sim_history_protos[TT_SIM_HISTORY_PORTS] = {6, 6, 6, 6, 17};

/* Episodes per day (mean) and their size as a share of the daily rate
 * (log-uniform between the bounds). */
#define PLAN_EPISODES_PER_DAY 2.5
#define PLAN_EPISODE_MIN_SHARE 0.002
#define PLAN_EPISODE_MAX_SHARE 0.04
#define PLAN_EPISODE_MIN_US (15ULL * 60 * 1000000)
#define PLAN_EPISODES_MAX 65535 /* descriptors carry the index in 16 bits */

static uint32_t clamp_u32(double v, uint32_t lo, uint32_t hi)
{
    if (v < lo)
        return lo;
    if (v > hi)
        return hi;
    return (uint32_t)v;
}

/* Weekday of a period day: 0 = Sunday. */
static unsigned weekday(int32_t epoch_day)
{
    return (unsigned)(((epoch_day % 7) + 11) % 7);
}

static tt_status plan_hours(tt_sim_plan *plan, tt_sim_rng *r, int32_t start_day)
{
    /* UTC diurnal shape peaking at 14:00 UTC: evening in East Asia, where
     * most sources are. */
    double shape[24];
    uint32_t cum = 0;
    for (int h = 0; h < 24; h++) {
        shape[h] = 1.0 + 0.22 * sin(2.0 * M_PI * (h - 8) / 24.0);
        cum += (uint32_t)(shape[h] * 1000.0 + 0.5);
        plan->diurnal_cum[h] = cum;
    }
    plan->hour_budget = calloc((size_t)plan->days * 24, sizeof *plan->hour_budget);
    if (plan->hour_budget == NULL)
        return TT_ERR_NOMEM;
    for (uint32_t d = 0; d < plan->days; d++) {
        double day_total = (double)plan->rate * exp(0.07 * tt_sim_rng_normal(r));
        unsigned wd = weekday(start_day + (int32_t)d);
        if (wd == 0 || wd == 6)
            day_total *= 0.93;
        double w[24], total = 0;
        for (int h = 0; h < 24; h++) {
            w[h] = shape[h] * exp(0.04 * tt_sim_rng_normal(r));
            total += w[h];
        }
        /* Cumulative rounding keeps the day's sum exact. */
        double acc = 0;
        uint64_t given = 0;
        for (int h = 0; h < 24; h++) {
            acc += w[h];
            uint64_t upto = (uint64_t)(day_total * acc / total + 0.5);
            plan->hour_budget[d * 24 + (uint32_t)h] = (uint32_t)(upto - given);
            given = upto;
        }
    }
    return TT_OK;
}

static tt_status event_alloc(tt_sim_event *ev, uint32_t days, uint32_t n_sources)
{
    ev->planned = calloc(days, sizeof *ev->planned);
    ev->sources = calloc(n_sources ? n_sources : 1, sizeof *ev->sources);
    if (ev->planned == NULL || ev->sources == NULL)
        return TT_ERR_NOMEM;
    return TT_OK;
}

/* Adds n fixed sources from `mix` (or from cc when given) to the event. */
static tt_status event_sources(tt_sim_population *pop, tt_sim_rng *r, tt_sim_event *ev, uint32_t n,
                               const char *cc, double cc_share, tt_sim_mix mix, tt_sim_behaviour behaviour,
                               uint8_t variant)
{
    for (uint32_t i = 0; i < n; i++) {
        const char *country =
            cc && tt_sim_rng_unit(r) < cc_share ? cc : tt_sim_population_pick_country(pop, r, mix, 4);
        uint32_t index;
        tt_status st =
            country ? tt_sim_population_add_fixed(pop, r, country, 4, behaviour, &index) : TT_ERR_NOTFOUND;
        if (st == TT_ERR_NOTFOUND && cc != NULL && country == cc) {
            /* A database without that country: any country of the mix. */
            country = tt_sim_population_pick_country(pop, r, mix, 4);
            st = country ? tt_sim_population_add_fixed(pop, r, country, 4, behaviour, &index)
                         : TT_ERR_NOTFOUND;
        }
        if (st == TT_ERR_NOTFOUND)
            continue;
        if (st != TT_OK)
            return st;
        tt_sim_source *s = tt_sim_population_source(pop, index);
        if (behaviour == TT_SIM_UDP)
            s->variant = variant;
        ev->sources[ev->n_sources++] = index;
    }
    return ev->n_sources ? TT_OK : TT_ERR_NOTFOUND;
}

static tt_status plan_events(tt_sim_plan *plan, tt_sim_population *pop, uint64_t seed)
{
    tt_status st;
    tt_sim_rng r;
    tt_sim_rng_seed(&r, seed, TT_SIM_STREAM_EVENTS, 0);
    const uint32_t D = plan->days;
    const double rate = (double)plan->rate;
    tt_sim_event *ev;

    /* Single source and its history. */
    uint32_t s0 = (uint32_t)(0.47 * D);
    if (s0 == 0 && D >= 2)
        s0 = 1;
    ev = &plan->events[TT_SIM_EVENT_SINGLE];
    ev->kind = TT_SIM_EVENT_SINGLE;
    ev->proto = 6;
    ev->port = 5555;
    ev->first_day = s0;
    ev->last_day = s0 + 1 < D ? s0 + 1 : D - 1;
    ev->first_hour = D == 1 ? 8 : 0;
    if ((st = event_alloc(ev, D, 1)) != TT_OK)
        return st;
    /* The ICS scanner of the report: masscan-style headers. */
    if ((st = event_sources(pop, &r, ev, 1, "KR", 1.0, TT_SIM_MIX_BOTS, TT_SIM_MASSCAN, 0)) != TT_OK)
        return st;
    ev->scheduled = true;
    for (uint32_t d = ev->first_day; d <= ev->last_day; d++)
        ev->planned[d] = (uint64_t)(0.05 * rate + 0.5);

    tt_sim_event *hist = &plan->events[TT_SIM_EVENT_HISTORY];
    hist->kind = TT_SIM_EVENT_HISTORY;
    if ((st = event_alloc(hist, D, 1)) != TT_OK)
        return st;
    hist->sources[0] = ev->sources[0];
    hist->n_sources = 1;
    uint32_t h0 = (uint32_t)(0.1 * D), h1 = s0 ? s0 - 1 : 0;
    if (h0 > h1)
        h0 = h1;
    hist->sessions = calloc(h1 - h0 + 1, sizeof *hist->sessions);
    if (hist->sessions == NULL)
        return TT_ERR_NOMEM;
    uint32_t per_session = clamp_u32(rate / 400.0, 30, 3000);
    for (uint32_t d = h0; d <= h1; d++) {
        if (d != h0 && tt_sim_rng_unit(&r) < 0.5)
            continue;
        tt_sim_session *s = &hist->sessions[hist->n_sessions++];
        s->day = d;
        s->hour = D == 1 ? tt_sim_rng_below(&r, 6) : tt_sim_rng_below(&r, 24);
        s->start_s = tt_sim_rng_below(&r, 20 * 60);
        s->packets = per_session;
        hist->planned[d] += per_session;
    }
    hist->first_day = hist->sessions[0].day;
    hist->last_day = hist->sessions[hist->n_sessions - 1].day;
    hist->scheduled = true;

    /* Burst and rise: the same population of Netis-probing IoT bots. */
    uint32_t b0 = (uint32_t)(0.62 * D);
    ev = &plan->events[TT_SIM_EVENT_BURST];
    ev->kind = TT_SIM_EVENT_BURST;
    ev->proto = 17;
    ev->port = 53413;
    ev->diurnal = true;
    ev->first_day = b0;
    ev->last_day = b0 + 1 < D ? b0 + 1 : D - 1;
    uint32_t n_burst = clamp_u32(rate / 100.0, 20, 3000);
    if ((st = event_alloc(ev, D, n_burst)) != TT_OK)
        return st;
    if ((st = event_sources(pop, &r, ev, n_burst, "CN", 0.85, TT_SIM_MIX_BOTS, TT_SIM_UDP,
                            TT_SIM_UDP_NETIS)) != TT_OK)
        return st;
    {
        double *w = malloc(ev->n_sources * sizeof *w);
        if (w == NULL)
            return TT_ERR_NOMEM;
        for (uint32_t i = 0; i < ev->n_sources; i++)
            w[i] = exp(0.5 * tt_sim_rng_normal(&r));
        st = tt_sim_alias_build(&ev->source_alias, w, ev->n_sources);
        free(w);
        if (st != TT_OK)
            return st;
    }
    ev->scheduled = true;
    for (uint32_t d = ev->first_day; d <= ev->last_day; d++)
        ev->planned[d] = (uint64_t)(0.7 * rate + 0.5);

    tt_sim_event *rise = &plan->events[TT_SIM_EVENT_RISE];
    rise->kind = TT_SIM_EVENT_RISE;
    rise->proto = 17;
    rise->port = 53413;
    rise->diurnal = true;
    if ((st = event_alloc(rise, D, ev->n_sources)) != TT_OK)
        return st;
    memcpy(rise->sources, ev->sources, ev->n_sources * sizeof *ev->sources);
    rise->n_sources = ev->n_sources;
    rise->first_day = b0 + 2 + (uint32_t)(0.04 * D);
    rise->last_day = D - 1;
    if (rise->first_day < D) {
        rise->scheduled = true;
        uint32_t n = rise->last_day - rise->first_day + 1;
        for (uint32_t k = 0; k < n; k++)
            rise->planned[rise->first_day + k] = (uint64_t)(0.25 * rate * (k + 1) / n + 0.5);
    }

    /* Ramp: scanners probing OMRON FINS, more of them every day. */
    ev = &plan->events[TT_SIM_EVENT_RAMP];
    ev->kind = TT_SIM_EVENT_RAMP;
    ev->proto = 6;
    ev->port = 9600;
    ev->diurnal = true;
    ev->first_day = (uint32_t)(2.0 * D / 3.0);
    ev->last_day = D - 1;
    uint32_t n_ramp = clamp_u32(rate / 2000.0, 8, 400);
    if ((st = event_alloc(ev, D, n_ramp)) != TT_OK)
        return st;
    for (uint32_t i = 0; i < n_ramp; i++) {
        static const tt_sim_behaviour styles[] = {TT_SIM_MASSCAN, TT_SIM_ZMAP, TT_SIM_ZMAP, TT_SIM_GENERIC,
                                                  TT_SIM_NMAP};
        st = event_sources(pop, &r, ev, 1, NULL, 0, TT_SIM_MIX_SCANNERS, styles[tt_sim_rng_below(&r, 5)], 0);
        if (st != TT_OK && st != TT_ERR_NOTFOUND)
            return st;
    }
    if (ev->n_sources == 0)
        return TT_ERR_NOTFOUND;
    ev->scheduled = true;
    {
        uint32_t n = ev->last_day - ev->first_day + 1;
        for (uint32_t k = 0; k < n; k++)
            ev->planned[ev->first_day + k] = (uint64_t)(0.05 * rate * (k + 1) / n + 0.5);
    }
    return TT_OK;
}

static int episode_cmp(const void *a, const void *b)
{
    const tt_sim_episode *x = a, *y = b;
    return x->start_us < y->start_us ? -1 : x->start_us > y->start_us;
}

static tt_status plan_episodes(tt_sim_plan *plan, tt_sim_population *pop, tt_sim_rng *r)
{
    static const uint16_t tcp_services[] = {80, 80, 80, 443, 443, 22, 25, 53, 3389, 6667, 27015};
    static const uint16_t udp_services[] = {53, 53, 123, 27015, 80, 1900};
    uint32_t cap = 64;
    plan->episodes = malloc(cap * sizeof *plan->episodes);
    if (plan->episodes == NULL)
        return TT_ERR_NOMEM;
    for (uint32_t d = 0; d < plan->days; d++) {
        uint32_t n = tt_sim_rng_poisson(r, PLAN_EPISODES_PER_DAY);
        for (uint32_t k = 0; k < n && plan->n_episodes < PLAN_EPISODES_MAX; k++) {
            if (plan->n_episodes == cap) {
                cap *= 2;
                tt_sim_episode *e = realloc(plan->episodes, cap * sizeof *e);
                if (e == NULL)
                    return TT_ERR_NOMEM;
                plan->episodes = e;
            }
            tt_sim_episode *ep = &plan->episodes[plan->n_episodes];
            ep->start_us = d * TT_SIM_DAY_US + (uint64_t)(tt_sim_rng_unit(r) * TT_SIM_DAY_US);
            double dur_log =
                log((double)PLAN_EPISODE_MIN_US) +
                tt_sim_rng_unit(r) * (log((double)TT_SIM_EPISODE_MAX_US) - log((double)PLAN_EPISODE_MIN_US));
            ep->end_us = ep->start_us + (uint64_t)exp(dur_log);
            double share_log =
                log(PLAN_EPISODE_MIN_SHARE) +
                tt_sim_rng_unit(r) * (log(PLAN_EPISODE_MAX_SHARE) - log(PLAN_EPISODE_MIN_SHARE));
            ep->packets = (uint64_t)((double)plan->rate * exp(share_log) + 0.5);
            uint32_t x = tt_sim_rng_below(r, 100);
            ep->kind = x < 50   ? TT_SIM_BS_SYNACK
                       : x < 70 ? TT_SIM_BS_RST
                       : x < 90 ? TT_SIM_BS_UNREACHABLE
                                : TT_SIM_BS_TIME_EXCEEDED;
            if (ep->kind == TT_SIM_BS_UNREACHABLE)
                ep->service = udp_services[tt_sim_rng_below(r, sizeof udp_services / 2)];
            else
                ep->service = tcp_services[tt_sim_rng_below(r, sizeof tcp_services / 2)];
            const char *cc = tt_sim_population_pick_country(pop, r, TT_SIM_MIX_SERVERS, 4);
            tt_status st = tt_sim_population_add_fixed(pop, r, cc, 4, TT_SIM_VICTIM, &ep->source);
            if (st == TT_ERR_NOTFOUND)
                continue;
            if (st != TT_OK)
                return st;
            plan->n_episodes++;
        }
    }
    qsort(plan->episodes, plan->n_episodes, sizeof *plan->episodes, episode_cmp);
    return TT_OK;
}

tt_status tt_sim_plan_new(tt_sim_population *pop, uint64_t seed, int32_t start_day, uint32_t days,
                          uint64_t rate, tt_sim_plan **out)
{
    *out = NULL;
    tt_sim_plan *plan = calloc(1, sizeof *plan);
    if (plan == NULL)
        return TT_ERR_NOMEM;
    plan->days = days;
    plan->rate = rate;
    for (int e = 0; e < TT_SIM_EVENT_COUNT; e++)
        tt_sim_alias_init(&plan->events[e].source_alias);
    tt_sim_rng r;
    tt_sim_rng_seed(&r, seed, TT_SIM_STREAM_PLAN, 0);
    tt_status st = plan_hours(plan, &r, start_day);
    if (st == TT_OK)
        st = plan_events(plan, pop, seed);
    if (st == TT_OK)
        st = plan_episodes(plan, pop, &r);
    if (st != TT_OK) {
        tt_sim_plan_free(plan);
        return st;
    }
    *out = plan;
    return TT_OK;
}

void tt_sim_plan_free(tt_sim_plan *plan)
{
    if (plan == NULL)
        return;
    for (int e = 0; e < TT_SIM_EVENT_COUNT; e++) {
        free(plan->events[e].planned);
        free(plan->events[e].sources);
        free(plan->events[e].sessions);
        tt_sim_alias_free(&plan->events[e].source_alias);
    }
    free(plan->hour_budget);
    free(plan->episodes);
    free(plan);
}

uint64_t tt_sim_plan_event_hour(const tt_sim_plan *plan, const tt_sim_event *ev, uint32_t day, uint32_t hour)
{
    if (!ev->scheduled || day >= plan->days)
        return 0;
    uint64_t total = ev->planned[day];
    if (total == 0)
        return 0;
    if (ev->kind == TT_SIM_EVENT_HISTORY) {
        uint64_t n = 0;
        for (uint32_t i = 0; i < ev->n_sessions; i++)
            if (ev->sessions[i].day == day && ev->sessions[i].hour == hour)
                n += ev->sessions[i].packets;
        return n;
    }
    /* Cumulative split of the day's packets over its active hours. */
    uint32_t from = day == ev->first_day ? ev->first_hour : 0;
    if (hour < from)
        return 0;
    uint64_t before = 0, upto = 0, all = 0;
    for (uint32_t h = from; h < 24; h++) {
        uint64_t w =
            ev->diurnal ? (h ? plan->diurnal_cum[h] - plan->diurnal_cum[h - 1] : plan->diurnal_cum[0]) : 1000;
        if (h < hour)
            before += w;
        if (h <= hour)
            upto += w;
        all += w;
    }
    return total * upto / all - total * before / all;
}

uint64_t tt_sim_plan_episode_hour(const tt_sim_episode *ep, uint64_t hour_start_us, uint64_t *from,
                                  uint64_t *to)
{
    uint64_t hour_end = hour_start_us + TT_SIM_HOUR_US;
    if (ep->end_us <= hour_start_us || ep->start_us >= hour_end)
        return 0;
    uint64_t a = ep->start_us > hour_start_us ? ep->start_us : hour_start_us;
    uint64_t b = ep->end_us < hour_end ? ep->end_us : hour_end;
    uint64_t dur = ep->end_us - ep->start_us;
    /* packets <= 0.04 * TT_SIM_RATE_MAX (8e6) and dur <= 1.1e10 µs: the
     * products stay below 2^63. */
    uint64_t upto = ep->packets * (b - ep->start_us) / dur;
    uint64_t before = ep->packets * (a - ep->start_us) / dur;
    *from = a - hour_start_us;
    *to = b - hour_start_us;
    return upto - before;
}

uint32_t tt_sim_plan_first_episode(const tt_sim_plan *plan, uint64_t t)
{
    uint64_t earliest = t > TT_SIM_EPISODE_MAX_US ? t - TT_SIM_EPISODE_MAX_US : 0;
    uint32_t lo = 0, hi = plan->n_episodes;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (plan->episodes[mid].start_us < earliest)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}
