/* Bot population (see population.h). */
#include "simulate/population.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "simulate/alias.h"

/* Per-group model. bot_share: fraction of the bot population; packet_share:
 * fraction of the background packets; lifetime: mean days a bot stays
 * active. Research scanners are few and loud, IoT bots many and quiet — the
 * packet shares are tuned so that 23/tcp leads, echo requests come second
 * and 445/tcp, 1433/tcp follow, as in JPCERT/CC's 2015 Q4 report. */
static const struct {
    double bot_share;
    double packet_share;
    double lifetime;
    tt_sim_behaviour behaviour;
    tt_sim_mix mix;
} group_model[TT_SIM_GROUP_COUNT] = {
    [TT_SIM_G_MIRAI] = {0.40, 0.30, 4.0, TT_SIM_MIRAI, TT_SIM_MIX_BOTS},
    [TT_SIM_G_MASSCAN] = {0.02, 0.09, 2.0, TT_SIM_MASSCAN, TT_SIM_MIX_SCANNERS},
    [TT_SIM_G_ZMAP] = {0.015, 0.06, 2.0, TT_SIM_ZMAP, TT_SIM_MIX_SCANNERS},
    [TT_SIM_G_NMAP] = {0.03, 0.04, 1.5, TT_SIM_NMAP, TT_SIM_MIX_SCANNERS},
    [TT_SIM_G_GENERIC] = {0.25, 0.22, 3.0, TT_SIM_GENERIC, TT_SIM_MIX_BOTS},
    [TT_SIM_G_ICMP] = {0.15, 0.11, 5.0, TT_SIM_ICMP, TT_SIM_MIX_BOTS},
    [TT_SIM_G_UDP] = {0.10, 0.08, 5.0, TT_SIM_UDP, TT_SIM_MIX_BOTS},
    [TT_SIM_G_V6] = {0.035, 0.03, 6.0, TT_SIM_ICMP, TT_SIM_MIX_V6},
};

/* Fewest bots a group keeps on any day, so every behaviour is present. */
#define POP_GROUP_MIN 3
/* Share of bots that stay for the whole period. */
#define POP_PERSISTENT 0.08
/* Pareto shape of bot weights: ~1.15 gives a top bot with a few percent of
 * its group and a long tail of one-packet bots. */
#define POP_PARETO_ALPHA 1.15
#define POP_PARETO_CAP 3000.0
/* Upper bound on source slots alive at once (memory bound). */
#define POP_MAX_SLOTS (1u << 22)

typedef struct country_weight {
    const char *cc;
    uint32_t weight;
} country_weight;

/* Sources of a real telescope (roughly TSUBAME's top regions). "ZZ": not in
 * the database at all. */
static const country_weight mix_bots[] = {
    {"CN", 300}, {"US", 140}, {"TW", 80}, {"RU", 60}, {"KR", 70}, {"BR", 50}, {"IN", 40},
    {"VN", 40},  {"DE", 30},  {"NL", 30}, {"FR", 20}, {"JP", 20}, {"GB", 20}, {"UA", 15},
    {"ID", 15},  {"TR", 15},  {"IR", 15}, {"HK", 10}, {"RO", 10}, {"IT", 10}, {"TH", 10},
    {"SG", 10},  {"AR", 10},  {"MX", 10}, {"CA", 10}, {"PL", 10}, {"ZZ", 1},
};
static const country_weight mix_scanners[] = {
    {"US", 300}, {"NL", 80}, {"DE", 80}, {"RU", 100}, {"CN", 150}, {"GB", 50},
    {"FR", 50},  {"UA", 50}, {"SG", 30}, {"RO", 30},  {"CA", 20},  {"PL", 20},
};
static const country_weight mix_servers[] = {
    {"US", 350}, {"CN", 150}, {"DE", 100}, {"NL", 80}, {"FR", 80}, {"RU", 60},
    {"GB", 60},  {"JP", 50},  {"KR", 40},  {"BR", 30}, {"HK", 30}, {"SG", 30},
};
static const country_weight mix_v6[] = {
    {"CN", 300}, {"US", 250}, {"DE", 100}, {"JP", 80}, {"GB", 50},
    {"FR", 50},  {"NL", 50},  {"TW", 40},  {"IN", 40}, {"BR", 40},
};

typedef struct group_state {
    uint32_t *members; /* source indices active today */
    uint32_t n, cap;
    double *weights;
    tt_sim_alias alias;
} group_state;

struct tt_sim_population {
    tt_sim_geo *geo;
    uint64_t seed;
    uint32_t days;
    uint32_t active_target;
    tt_sim_source *sources;
    uint32_t n_sources, cap_sources;
    uint32_t *free_slots;
    uint32_t n_free;
    group_state groups[TT_SIM_GROUP_COUNT];
    uint32_t group_cum[TT_SIM_GROUP_COUNT]; /* today's cumulative packet shares */
    uint32_t group_active[TT_SIM_GROUP_COUNT];
    tt_sim_rng day_rng;
    int32_t current_day;
};

const char *tt_sim_population_pick_country(tt_sim_population *pop, tt_sim_rng *r, tt_sim_mix mix, int family)
{
    const country_weight *table;
    size_t n;
    switch (mix) {
    case TT_SIM_MIX_SCANNERS:
        table = mix_scanners;
        n = sizeof mix_scanners / sizeof *table;
        break;
    case TT_SIM_MIX_SERVERS:
        table = mix_servers;
        n = sizeof mix_servers / sizeof *table;
        break;
    case TT_SIM_MIX_V6:
        table = mix_v6;
        n = sizeof mix_v6 / sizeof *table;
        break;
    default:
        table = mix_bots;
        n = sizeof mix_bots / sizeof *table;
        break;
    }
    uint32_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += table[i].weight;
    for (int attempt = 0; attempt < 16; attempt++) {
        uint32_t x = tt_sim_rng_below(r, total);
        size_t i = 0;
        while (x >= table[i].weight) {
            x -= table[i].weight;
            i++;
        }
        if (tt_sim_geo_has(pop->geo, table[i].cc, family))
            return table[i].cc;
    }
    /* Fall back on the first country of the mix that has a pool. */
    for (size_t i = 0; i < n; i++)
        if (tt_sim_geo_has(pop->geo, table[i].cc, family))
            return table[i].cc;
    return NULL;
}

static tt_status alloc_slot(tt_sim_population *pop, uint32_t *index)
{
    if (pop->n_free > 0) {
        *index = pop->free_slots[--pop->n_free];
        return TT_OK;
    }
    if (pop->n_sources == pop->cap_sources) {
        if (pop->cap_sources >= POP_MAX_SLOTS)
            return TT_ERR_NOMEM;
        uint32_t cap = pop->cap_sources ? pop->cap_sources * 2 : 1024;
        tt_sim_source *s = realloc(pop->sources, cap * sizeof *s);
        if (s == NULL)
            return TT_ERR_NOMEM;
        pop->sources = s;
        uint32_t *f = realloc(pop->free_slots, cap * sizeof *f);
        if (f == NULL)
            return TT_ERR_NOMEM;
        pop->free_slots = f;
        pop->cap_sources = cap;
    }
    *index = pop->n_sources++;
    return TT_OK;
}

/* Fills the attributes every source needs from its behaviour. */
static void shape_source(tt_sim_source *s, tt_sim_rng *r)
{
    static const uint16_t generic_ports[] = {445,  1433, 3389,  22,    80,   8080,
                                             3306, 5432, 37215, 52869, 7547, 5555};
    static const uint32_t generic_cum[] = {250, 450, 550, 650, 710, 760, 810, 830, 860, 890, 930, 950};
    static const uint16_t zmap_ports[] = {80, 443, 22, 23, 8080, 7547, 3389, 21, 25, 8443, 102, 502};
    static const uint32_t udp_cum[] = {25, 40, 52, 64, 72, 82, 100}; /* TT_SIM_UDP_* order */

    s->hops = (uint8_t)tt_sim_rng_range(r, 6, 24);
    s->key = (uint32_t)tt_sim_rng_next(r);
    s->ip_id = (uint16_t)tt_sim_rng_next(r);
    s->icmp_seq = (uint16_t)tt_sim_rng_range(r, 1, 200);
    s->variant = 0;
    s->port = 0;
    switch (s->behaviour) {
    case TT_SIM_MIRAI: s->sport = (uint16_t)tt_sim_rng_range(r, 1024, 65535); break;
    case TT_SIM_MASSCAN: s->sport = (uint16_t)tt_sim_rng_range(r, 32768, 61000); break;
    case TT_SIM_ZMAP:
        s->sport = 0; /* per probe */
        s->port = zmap_ports[tt_sim_rng_below(r, sizeof zmap_ports / sizeof *zmap_ports)];
        break;
    case TT_SIM_NMAP: s->sport = (uint16_t)tt_sim_rng_range(r, 32768, 65535); break;
    case TT_SIM_GENERIC:
        s->variant = tt_sim_rng_below(r, 10) < 6 ? TT_SIM_OS_WINDOWS : TT_SIM_OS_LINUX;
        s->port = generic_ports[tt_sim_rng_pick_cumulative(r, generic_cum, 12)];
        break;
    case TT_SIM_ICMP: {
        uint32_t x = tt_sim_rng_below(r, 100);
        s->variant = x < 50 ? TT_SIM_OS_WINDOWS : x < 85 ? TT_SIM_OS_LINUX : TT_SIM_OS_ZMAP;
        break;
    }
    case TT_SIM_UDP:
        s->variant = (uint8_t)tt_sim_rng_pick_cumulative(r, udp_cum, TT_SIM_UDP_SERVICE_COUNT);
        s->sport = (uint16_t)tt_sim_rng_range(r, 1024, 65535);
        break;
    case TT_SIM_VICTIM: s->variant = tt_sim_rng_below(r, 10) < 8 ? TT_SIM_OS_LINUX : TT_SIM_OS_WINDOWS; break;
    default: break;
    }
}

static tt_status make_source(tt_sim_population *pop, tt_sim_rng *r, const char *cc, int family,
                             tt_sim_behaviour behaviour, uint8_t group, uint32_t *index_out)
{
    if (cc == NULL)
        return TT_ERR_NOTFOUND;
    tt_addr addr;
    if (!tt_sim_geo_draw(pop->geo, r, cc, family, &addr))
        return TT_ERR_NOTFOUND;
    uint32_t index;
    tt_status st = alloc_slot(pop, &index);
    if (st != TT_OK)
        return st;
    tt_sim_source *s = &pop->sources[index];
    memset(s, 0, sizeof *s);
    s->addr = addr;
    memcpy(s->cc, cc, 3);
    s->asn = tt_sim_geo_asn(pop->geo, &addr);
    s->family = (uint8_t)family;
    s->behaviour = (uint8_t)behaviour;
    s->group = group;
    shape_source(s, r);
    s->weight = (float)tt_sim_rng_pareto(r, POP_PARETO_ALPHA, POP_PARETO_CAP);
    s->last_day = INT32_MAX;
    s->in_use = true;
    *index_out = index;
    return TT_OK;
}

tt_status tt_sim_population_add_fixed(tt_sim_population *pop, tt_sim_rng *r, const char *cc, int family,
                                      tt_sim_behaviour behaviour, uint32_t *index_out)
{
    if (!tt_sim_geo_has(pop->geo, cc, family))
        return TT_ERR_NOTFOUND;
    return make_source(pop, r, cc, family, behaviour, TT_SIM_G_FIXED, index_out);
}

static tt_status add_bot(tt_sim_population *pop, tt_sim_rng *r, tt_sim_group g, uint32_t day)
{
    int family = g == TT_SIM_G_V6 ? 6 : 4;
    tt_sim_behaviour behaviour = group_model[g].behaviour;
    if (g == TT_SIM_G_V6) {
        uint32_t x = tt_sim_rng_below(r, 10);
        behaviour = x < 5 ? TT_SIM_ICMP : x < 7 ? TT_SIM_NMAP : x < 9 ? TT_SIM_GENERIC : TT_SIM_UDP;
    }
    const char *cc = tt_sim_population_pick_country(pop, r, group_model[g].mix, family);
    uint32_t index;
    tt_status st = make_source(pop, r, cc, family, behaviour, (uint8_t)g, &index);
    if (st == TT_ERR_NOTFOUND)
        return TT_OK; /* no pool for this family in this database: skip the bot */
    if (st != TT_OK)
        return st;
    tt_sim_source *s = &pop->sources[index];
    if (behaviour == TT_SIM_UDP && family == 6)
        s->variant = TT_SIM_UDP_DNS;
    if (tt_sim_rng_unit(r) < POP_PERSISTENT) {
        s->last_day = (int32_t)pop->days - 1;
    } else {
        double life = -group_model[g].lifetime * log(1.0 - tt_sim_rng_unit(r));
        s->last_day = (int32_t)day + (int32_t)life;
    }
    pop->group_active[g]++;
    return TT_OK;
}

tt_status tt_sim_population_new(tt_sim_geo *geo, uint64_t seed, uint32_t days, uint32_t active_target,
                                tt_sim_population **out)
{
    *out = NULL;
    tt_sim_population *pop = calloc(1, sizeof *pop);
    if (pop == NULL)
        return TT_ERR_NOMEM;
    pop->geo = geo;
    pop->seed = seed;
    pop->days = days;
    pop->active_target = active_target;
    pop->current_day = -1;
    for (int g = 0; g < TT_SIM_GROUP_COUNT; g++)
        tt_sim_alias_init(&pop->groups[g].alias);
    *out = pop;
    return TT_OK;
}

void tt_sim_population_free(tt_sim_population *pop)
{
    if (pop == NULL)
        return;
    for (int g = 0; g < TT_SIM_GROUP_COUNT; g++) {
        free(pop->groups[g].members);
        free(pop->groups[g].weights);
        tt_sim_alias_free(&pop->groups[g].alias);
    }
    free(pop->sources);
    free(pop->free_slots);
    free(pop);
}

static tt_status group_push(group_state *gs, uint32_t index, double weight)
{
    if (gs->n == gs->cap) {
        uint32_t cap = gs->cap ? gs->cap * 2 : 256;
        uint32_t *m = realloc(gs->members, cap * sizeof *m);
        if (m == NULL)
            return TT_ERR_NOMEM;
        gs->members = m;
        double *w = realloc(gs->weights, cap * sizeof *w);
        if (w == NULL)
            return TT_ERR_NOMEM;
        gs->weights = w;
        gs->cap = cap;
    }
    gs->members[gs->n] = index;
    gs->weights[gs->n] = weight;
    gs->n++;
    return TT_OK;
}

tt_status tt_sim_population_begin_day(tt_sim_population *pop, uint32_t day)
{
    tt_status st;
    tt_sim_rng *r = &pop->day_rng;
    tt_sim_rng_seed(r, pop->seed, TT_SIM_STREAM_POPULATION, day);
    pop->current_day = (int32_t)day;

    /* Retire. Slots are reused, so a source index is only meaningful within
     * one day (descriptors never outlive their hour). */
    for (uint32_t i = 0; i < pop->n_sources; i++) {
        tt_sim_source *s = &pop->sources[i];
        if (s->in_use && s->group != TT_SIM_G_FIXED && s->last_day < (int32_t)day) {
            s->in_use = false;
            pop->group_active[s->group]--;
            pop->free_slots[pop->n_free++] = i;
        }
    }
    /* Arrive: the first day fills the population, later days replace the
     * retired at each group's turnover rate. */
    for (int g = 0; g < TT_SIM_GROUP_COUNT; g++) {
        double target = pop->active_target * group_model[g].bot_share;
        uint32_t arrivals =
            day == 0 ? (uint32_t)(target + 0.5) : tt_sim_rng_poisson(r, target / group_model[g].lifetime);
        if (pop->group_active[g] + arrivals < POP_GROUP_MIN)
            arrivals = POP_GROUP_MIN - pop->group_active[g];
        for (uint32_t k = 0; k < arrivals; k++) {
            st = add_bot(pop, r, (tt_sim_group)g, day);
            if (st != TT_OK)
                return st;
        }
    }
    /* Today's draw tables: weights jitter from day to day. */
    for (int g = 0; g < TT_SIM_GROUP_COUNT; g++)
        pop->groups[g].n = 0;
    for (uint32_t i = 0; i < pop->n_sources; i++) {
        tt_sim_source *s = &pop->sources[i];
        if (!s->in_use || s->group == TT_SIM_G_FIXED)
            continue;
        double w = s->weight * exp(0.4 * tt_sim_rng_normal(r));
        st = group_push(&pop->groups[s->group], i, w);
        if (st != TT_OK)
            return st;
    }
    uint32_t cum = 0;
    for (int g = 0; g < TT_SIM_GROUP_COUNT; g++) {
        group_state *gs = &pop->groups[g];
        st = tt_sim_alias_build(&gs->alias, gs->weights, gs->n);
        if (st != TT_OK)
            return st;
        double share = gs->n ? group_model[g].packet_share * exp(0.15 * tt_sim_rng_normal(r)) : 0;
        cum += (uint32_t)(share * 1e6);
        pop->group_cum[g] = cum;
    }
    return cum > 0 ? TT_OK : TT_ERR_NOTFOUND;
}

uint32_t tt_sim_population_draw_group(const tt_sim_population *pop, tt_sim_rng *r, tt_sim_group group)
{
    const group_state *gs = &pop->groups[group];
    if (gs->n == 0)
        return tt_sim_population_draw(pop, r);
    return gs->members[tt_sim_alias_draw(&gs->alias, r)];
}

uint32_t tt_sim_population_draw(const tt_sim_population *pop, tt_sim_rng *r)
{
    uint32_t g = tt_sim_rng_pick_cumulative(r, pop->group_cum, TT_SIM_GROUP_COUNT);
    const group_state *gs = &pop->groups[g];
    return gs->members[tt_sim_alias_draw(&gs->alias, r)];
}

tt_sim_source *tt_sim_population_source(tt_sim_population *pop, uint32_t index)
{
    return &pop->sources[index];
}
