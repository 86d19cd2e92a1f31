/* services(5) reader: "name port/proto [aliases...] [# comment]". */
#include "classify/services.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/parse.h"

#define SERVICE_NAME_MAX 48
#define SERVICES_MAX 200000

typedef struct service_entry {
    uint32_t key;   /* proto << 16 | port */
    uint32_t order; /* line order: the first line for a port wins, as in getservbyport */
    char name[SERVICE_NAME_MAX];
} service_entry;

struct tt_services {
    service_entry *entries;
    size_t n;
};

static int entry_cmp(const void *a, const void *b)
{
    const service_entry *ea = a, *eb = b;
    if (ea->key != eb->key)
        return (ea->key > eb->key) - (ea->key < eb->key);
    return (ea->order > eb->order) - (ea->order < eb->order);
}

tt_status tt_services_parse(const char *text, size_t len, tt_services **out)
{
    *out = NULL;
    tt_services *services = calloc(1, sizeof *services);
    if (services == NULL)
        return TT_ERR_NOMEM;
    size_t cap = 0, pos = 0;
    while (pos < len) {
        const char *line = text + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t line_len = nl ? (size_t)(nl - line) : len - pos;
        pos += line_len + (nl ? 1 : 0);
        char buf[512];
        if (line_len >= sizeof buf)
            continue;
        memcpy(buf, line, line_len);
        buf[line_len] = '\0';
        char *hash = strchr(buf, '#');
        if (hash)
            *hash = '\0';
        char *name = buf + strspn(buf, " \t\r");
        char *name_end = name + strcspn(name, " \t\r");
        char *port_proto = name_end + strspn(name_end, " \t\r");
        port_proto[strcspn(port_proto, " \t\r")] = '\0';
        *name_end = '\0';
        int32_t port;
        uint8_t proto;
        if (*name == '\0' || strlen(name) >= SERVICE_NAME_MAX ||
            !tt_parse_port_key(port_proto, &port, &proto))
            continue;
        if (services->n == cap) {
            if (cap >= SERVICES_MAX)
                break;
            cap = cap ? cap * 2 : 1024;
            service_entry *p = realloc(services->entries, cap * sizeof *p);
            if (p == NULL) {
                tt_services_free(services);
                return TT_ERR_NOMEM;
            }
            services->entries = p;
        }
        service_entry *e = &services->entries[services->n++];
        e->key = (uint32_t)proto << 16 | (uint32_t)port;
        e->order = (uint32_t)services->n;
        snprintf(e->name, sizeof e->name, "%s", name);
    }
    if (services->n > 1)
        qsort(services->entries, services->n, sizeof *services->entries, entry_cmp);
    *out = services;
    return TT_OK;
}

tt_status tt_services_load(const char *path, tt_services **out, char *err, size_t errlen)
{
    if (path == NULL)
        path = TT_SERVICES_DEFAULT_PATH;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        if (errno == ENOENT)
            return tt_services_parse("", 0, out);
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return TT_ERR_IO;
    }
    tt_buf text;
    tt_buf_init(&text, (size_t)64 << 20);
    char chunk[65536];
    size_t n;
    tt_status st = TT_OK;
    while (st == TT_OK && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        st = tt_buf_append(&text, chunk, n);
    fclose(f);
    if (st == TT_OK)
        st = tt_services_parse((const char *)text.data, text.len, out);
    else
        snprintf(err, errlen, "%s: too large", path);
    tt_buf_free(&text);
    return st;
}

void tt_services_free(tt_services *services)
{
    if (services == NULL)
        return;
    free(services->entries);
    free(services);
}

const char *tt_services_name(const tt_services *services, uint8_t proto, int32_t port)
{
    if (proto == 1)
        return "icmp";
    if (proto == 58)
        return "ipv6-icmp";
    if (services == NULL || port < 0 || port > 65535)
        return NULL;
    uint32_t key = (uint32_t)proto << 16 | (uint32_t)port;
    size_t lo = 0, hi = services->n;
    /* Lower bound, so the first entry for a key is the one returned. */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (services->entries[mid].key < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < services->n && services->entries[lo].key == key)
        return services->entries[lo].name;
    return NULL;
}

size_t tt_services_count(const tt_services *services) { return services->n; }
